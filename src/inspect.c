/*-------------------------------------------------------------------------
 *
 * inspect.c
 *	  hannoy_metapage_info(regclass) and hannoy_verify(regclass): look into
 *	  an index and check the graph's invariants.  Superuser-only unless
 *	  granted (the install script revokes them from PUBLIC), and then only
 *	  for a role that may read the index's table.
 *
 * hannoy_verify holds HANNOY_UPDATE_LOCK exclusively, so no insert or
 * vacuum changes the graph while it looks, and checks:
 *	 - the metapage (magic, version) and every page's special space;
 *	 - every neighbour link points at an element, of a level at least the
 *	   layer's, and not at the element itself (a link to a deleted element
 *	   is normal between vacuum's passes, and after an interrupted vacuum);
 *	 - lists have their used slots first and no repeated neighbour;
 *	 - every live element has 1..HANNOY_HEAPTIDS valid heap TIDs, and the
 *	   items holding the rest of an external vector exist and add up to it;
 *	 - the entry point is an element (deleted only while vacuum has not
 *	   replaced it) of the recorded level, and no live element is higher.
 * The first violation raises ERRCODE_INDEX_CORRUPTED naming it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/xlog.h"
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "commands/defrem.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "attrs.h"
#include "element.h"
#include "hannoy.h"
#include "value_sets.h"

/*
 * Open a hannoy index and its table for inspection.  The caller must be
 * allowed to read the table (SELECT on it, or owning it): an index holds
 * the table's vectors, and hannoy_verify blocks the table's inserts while
 * it runs.  As amcheck does, the table is locked before the index, and
 * privileges are checked before either is locked.
 */
static Relation
open_hannoy_index(Oid relid, Relation *heap)
{
	Oid			heapid = IndexGetRelation(relid, true);
	Relation	index;

	*heap = NULL;
	if (OidIsValid(heapid))
	{
		if (!pg_class_ownercheck(heapid, GetUserId()) &&
			pg_class_aclcheck(heapid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
			aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, get_rel_name(heapid));
		*heap = try_table_open(heapid, AccessShareLock);
	}
	index = try_relation_open(relid, AccessShareLock);
	if (index == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	if (index->rd_rel->relkind != RELKIND_INDEX ||
		index->rd_indam->ambuild != hannoybuild ||
		*heap == NULL || IndexGetRelation(relid, false) != heapid)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a hannoy index", RelationGetRelationName(index))));
	/* as amcheck: an index a failed CREATE INDEX CONCURRENTLY left has no pages */
	if (!index->rd_index->indisvalid)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot inspect index \"%s\"", RelationGetRelationName(index)),
				 errdetail("The index is not valid.")));
	return index;
}

static void
close_hannoy_index(Relation index, Relation heap)
{
	relation_close(index, AccessShareLock);
	table_close(heap, AccessShareLock);
}

PG_FUNCTION_INFO_V1(hannoy_metapage_info);
Datum
hannoy_metapage_info(PG_FUNCTION_ARGS)
{
	Relation	heap;
	Relation	index = open_hannoy_index(PG_GETARG_OID(0), &heap);
	HannoyMetaPageData meta = HannoyReadMeta(index);
	TupleDesc	tupdesc;
	Datum		values[16];
	bool		nulls[16] = {0};
	bool		has_entry = ItemPointerIsValid(&meta.entry);
	bool		pq = meta.storage == HANNOY_STORAGE_PQ;
	bool		trained = pq && meta.codebook != InvalidBlockNumber;

	/* 11 columns in version 0.1.0 of the SQL function, 14 since 0.2.0, 16 since 0.4.0 */
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE ||
		(tupdesc->natts != 11 && tupdesc->natts != 14 && tupdesc->natts != 16))
		elog(ERROR, "return type must be a row type of 11, 14 or 16 columns");

	values[0] = CStringGetTextDatum(psprintf("%08X", meta.magic));
	values[1] = Int32GetDatum(meta.version);
	values[2] = Int32GetDatum((int32) HannoyMetaDimensions(&meta));
	values[3] = Int32GetDatum(meta.m);
	values[4] = Int32GetDatum(meta.ef_construction);
	values[5] = CStringGetTextDatum(meta.storage == HANNOY_STORAGE_FP16 ? "fp16" :
									meta.storage == HANNOY_STORAGE_PQ ? "pq" :
									meta.storage == HANNOY_STORAGE_BIT ? "bit" :
									meta.storage == HANNOY_STORAGE_SPARSE ? "sparse" : "fp32");
	values[6] = Int64GetDatum(has_entry ? ItemPointerGetBlockNumber(&meta.entry) : 0);
	nulls[6] = !has_entry;
	values[7] = Int32GetDatum(has_entry ? ItemPointerGetOffsetNumber(&meta.entry) : 0);
	nulls[7] = !has_entry;
	values[8] = Int32GetDatum(meta.entry_level);
	values[9] = Int32GetDatum(meta.max_level);
	values[10] = Int64GetDatum(meta.elements);
	values[11] = Int32GetDatum(meta.pq_m);
	nulls[11] = !pq;
	values[12] = Int64GetDatum(meta.codebook);
	nulls[12] = !trained;
	values[13] = Int64GetDatum(meta.trained_on);
	nulls[13] = !trained;
	values[14] = Int64GetDatum(meta.value_sets);
	values[15] = Int64GetDatum(meta.value_buckets);
	close_hannoy_index(index, heap);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

static void
violation(Relation index, const char *fmt, BlockNumber blk, OffsetNumber off,
		  const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INDEX_CORRUPTED),
			 errmsg("index \"%s\": element (%u,%u) %s",
					RelationGetRelationName(index), blk, off, fmt),
			 detail ? errdetail_internal("%s", detail) : 0,
			 errhint("REINDEX the index.")));
}

/*
 * An element's vector: the bytes its item holds inline fit its flags, and
 * the rest is in its chain -- vector parts, then a vector item -- whose
 * lengths add up to it (each read under a share lock of its page, as
 * searches do).  An opclass that can tell (check_stored: sparse vectors)
 * then checks what the whole vector holds.
 */
static void
check_vector(Relation index, Page page, BlockNumber blk, OffsetNumber off,
			 HannoyElementTuple tup, const HannoyMetaPageData *meta,
			 const HannoyIndexInfo *info, BlockNumber nblocks)
{
	Size		inline_bytes = HannoyElementInlineBytes(tup, ItemIdGetLength(PageGetItemId(page, off)),
														meta->m);
	Size		vsize = HannoyElementVectorBytes(info, tup, inline_bytes);
	Size		remaining = vsize - inline_bytes;
	ItemPointerData vt = tup->vector_tid;
	/* the whole vector, for an opclass that checks its contents */
	char	   *whole = info->opclass->check_stored ? palloc(Max(vsize, 1)) : NULL;
	const char *problem;

	if (vsize == 0)
		violation(index, "has a vector of the wrong size", blk, off,
				  "Its first bytes describe no vector the index can hold.");

	if (!HannoyElementInlineValid(tup, inline_bytes, vsize))
		violation(index, "has a vector of the wrong size", blk, off,
				  psprintf("It holds %zu of %zu bytes inline%s.", inline_bytes, vsize,
						   (tup->flags & HANNOY_ELEMENT_EXTERNAL) ? " and has a vector item" : ""));
	if (whole)
		memcpy(whole, HannoyElementVector(tup, meta->m), inline_bytes);
	while ((tup->flags & HANNOY_ELEMENT_EXTERNAL) && remaining > 0)
	{
		BlockNumber vblk = ItemPointerGetBlockNumberNoCheck(&vt);
		OffsetNumber voff = ItemPointerGetOffsetNumberNoCheck(&vt);
		Buffer		vbuf = InvalidBuffer;
		Page		vpage = page;
		Size		len;
		const char *data;

		if (!ItemPointerIsValid(&vt) || vblk >= nblocks || vblk == HANNOY_METAPAGE_BLKNO)
			violation(index, "has no vector item", blk, off,
					  psprintf("Its vector goes on at (%u,%u), outside the index.", vblk, voff));
		if (vblk != blk)
		{
			vbuf = ReadBuffer(index, vblk);
			LockBuffer(vbuf, BUFFER_LOCK_SHARE);
			vpage = BufferGetPage(vbuf);
			HannoyCheckElementPage(index, vpage, vblk);
		}
		data = HannoyGetVectorPart(vpage, voff, remaining, &len, &vt);
		if (data == NULL)
			violation(index, "has no vector item", blk, off,
					  psprintf("A vector item or part at (%u,%u) should hold %s%zu bytes.",
							   vblk, voff, remaining == vsize - inline_bytes ? "" : "the last ",
							   remaining));
		if (whole)
			memcpy(whole + (vsize - remaining), data, len);
		remaining -= len;
		if (BufferIsValid(vbuf))
			UnlockReleaseBuffer(vbuf);
	}
	if (whole && (problem = info->opclass->check_stored(info, whole)) != NULL)
		violation(index, "has an invalid vector", blk, off, problem);
	if (whole)
		pfree(whole);
}

/*
 * An element's attribute area: present exactly when the index has
 * attribute columns, and whole (every value inside it).
 */
static void
check_attrs(Relation index, HannoyElementTuple tup, const HannoyIndexInfo *info,
			BlockNumber blk, OffsetNumber off, HannoyValueCheck *vc, bool complete)
{
	HannoyAttrsHeader area = HannoyElementAttrs(tup, info->m);
	const char *corrupt;
	Datum	   *values;
	bool	   *isnull;

	if (info->attrs == NULL && area == NULL)
		return;
	if (info->attrs == NULL)
		violation(index, "has an attribute area", blk, off,
				  "The index has no attribute columns.");
	if (area == NULL)
		violation(index, "has no attribute area", blk, off,
				  psprintf("The index has %d attribute columns.", info->attrs->natts));
	values = palloc(sizeof(Datum) * info->attrs->natts);
	isnull = palloc(sizeof(bool) * info->attrs->natts);
	corrupt = HannoyAttrsDecode(info->attrs, area, values, isnull);
	if (corrupt != NULL)
		violation(index, "has an invalid attribute area", blk, off,
				  psprintf("Its %s.", corrupt));
	if (vc != NULL && info->value_buckets > 0)
	{
		uint32	   *keys;
		int			nkeys = HannoyAreaKeys(info->attrs, area, &keys);
		ItemPointerData self;

		ItemPointerSet(&self, blk, off);
		corrupt = HannoyValueCheckElement(vc, HannoyRefFromTid(&self), keys, nkeys, complete);
		if (corrupt != NULL)
			violation(index, "does not match the value sets", blk, off, corrupt);
		pfree(keys);
	}
	pfree(values);
	pfree(isnull);
}

static void
value_sets_invalid(Relation index, const char *problem)
{
	ereport(ERROR,
			(errcode(ERRCODE_INDEX_CORRUPTED),
			 errmsg("index \"%s\" has invalid value sets", RelationGetRelationName(index)),
			 errdetail_internal("%s", problem),
			 errhint("REINDEX the index.")));
}

PG_FUNCTION_INFO_V1(hannoy_verify);
Datum
hannoy_verify(PG_FUNCTION_ARGS)
{
	Relation	heap;
	Relation	index = open_hannoy_index(PG_GETARG_OID(0), &heap);
	HannoyIndexInfo info;
	HannoyMetaPageData meta;
	HannoyVisited elements;		/* ref -> level + 1, | 0x80 if deleted */
	BlockNumber nblocks;
	int64		checked = 0;
	int			highest = -1;
	bool		locked;
	HannoyValueCheck values;	/* the value sets' entries */
	const char *problem;

	/* a standby cannot take the lock; nothing changes the graph there but replay */
	locked = !RecoveryInProgress();
	if (locked)
		LockPage(index, HANNOY_UPDATE_LOCK, ExclusiveLock);
	HannoyInitIndexInfo(&info, index);
	meta = HannoyReadMeta(index);
	HannoyIndexInfoFromMeta(&info, &meta);
	nblocks = RelationGetNumberOfBlocks(index);
	HannoyVisitedInit(&elements, 1024);
	/*
	 * The value sets are checked only under the lock: on a standby replay
	 * appends and removes entries while they are read, so that a check
	 * there could report what is only in flight.
	 */
	problem = locked ? HannoyValueCheckBegin(&values, &info, nblocks) : NULL;
	if (problem != NULL)
		value_sets_invalid(index, problem);

	/* every element and its level */
	for (BlockNumber blk = HANNOY_METAPAGE_BLKNO + 1; blk < nblocks; blk++)
	{
		Buffer		buf = ReadBuffer(index, blk);
		Page		page;
		bool		holds;

		CHECK_FOR_INTERRUPTS();
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		/* all-zero pages (a crash while adding one) and codebook pages: none */
		holds = HannoyPageHoldsElements(index, page, blk, HannoyIndexIsPq(&info));
		for (OffsetNumber off = FirstOffsetNumber; holds && off <= PageGetMaxOffsetNumber(page);
			 off++)
		{
			HannoyElementTuple tup = HannoyGetElement(&info, page, blk, off);
			ItemPointerData tid;
			uint8	   *state;

			if (tup == NULL)
				continue;
			ItemPointerSet(&tid, blk, off);
			HannoyVisitedAdd(&elements, HannoyRefFromTid(&tid), &state);
			*state = (tup->level + 1) | ((tup->flags & HANNOY_ELEMENT_DELETED) ? 0x80 : 0);
			if (!(tup->flags & HANNOY_ELEMENT_DELETED))
				highest = Max(highest, tup->level);
		}
		UnlockReleaseBuffer(buf);
	}

	/* every element's links, heap TIDs and vector */
	for (BlockNumber blk = HANNOY_METAPAGE_BLKNO + 1; blk < nblocks; blk++)
	{
		Buffer		buf = ReadBuffer(index, blk);
		Page		page;
		bool		holds;

		CHECK_FOR_INTERRUPTS();
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		holds = HannoyPageHoldsElements(index, page, blk, HannoyIndexIsPq(&info));
		for (OffsetNumber off = FirstOffsetNumber; holds && off <= PageGetMaxOffsetNumber(page);
			 off++)
		{
			HannoyElementTuple tup = HannoyGetElement(&info, page, blk, off);
			ItemPointerData self;
			bool		deleted;

			if (tup == NULL)
				continue;
			ItemPointerSet(&self, blk, off);
			deleted = (tup->flags & HANNOY_ELEMENT_DELETED) != 0;
			checked++;
			if (!(tup->flags & HANNOY_ELEMENT_DELETED))
			{
				if (tup->nheaptids < 1 || tup->nheaptids > HANNOY_HEAPTIDS)
					violation(index, "has a bad heap TID count", blk, off,
							  psprintf("It holds %d heap TIDs.", tup->nheaptids));
				for (int i = 0; i < tup->nheaptids; i++)
					if (!ItemPointerIsValid(&tup->heaptids[i]))
						violation(index, "has an invalid heap TID", blk, off, NULL);
			}
			/* a deleted element's entries may be gone already */
			check_attrs(index, tup, &info, blk, off, locked ? &values : NULL,
						!(tup->flags & HANNOY_ELEMENT_DELETED));
			check_vector(index, page, blk, off, tup, &meta, &info, nblocks);
			for (int layer = 0; layer <= tup->level; layer++)
			{
				int			first = HANNOY_LAYER_START(meta.m, layer);
				int			slots = HANNOY_LAYER_SLOTS(meta.m, layer);
				bool		ended = false;

				for (int i = 0; i < slots; i++)
				{
					ItemPointer n = &tup->neighbors[first + i];
					uint8	   *state;
					char	   *where;

					if (!ItemPointerIsValid(n))
					{
						ended = true;
						continue;
					}
					where = psprintf("The link on layer %d points at (%u,%u).", layer,
									 ItemPointerGetBlockNumberNoCheck(n),
									 ItemPointerGetOffsetNumberNoCheck(n));
					if (ended)
						violation(index, "has a gap in a neighbour list", blk, off, where);
					if (ItemPointerEquals(n, &self))
						violation(index, "links to itself", blk, off, where);
					/*
					 * A deleted element's links may name what vacuum has
					 * already freed (and an insert may have reused): they
					 * only route searches, which skip what is gone.
					 */
					state = HannoyVisitedLookup(&elements, HannoyRefFromTid(n));
					if (state == NULL && !deleted)
						violation(index, "links to something that is not an element", blk, off, where);
					if (state != NULL && !deleted && (*state & 0x7f) - 1 < layer)
						violation(index, "links to an element below the link's layer", blk, off, where);
					for (int j = 0; j < i; j++)
						if (ItemPointerEquals(n, &tup->neighbors[first + j]))
							violation(index, "links twice to the same element", blk, off, where);
				}
			}
		}
		UnlockReleaseBuffer(buf);
	}

	/* the entry point */
	if (checked > 0)
	{
		uint8	   *state = ItemPointerIsValid(&meta.entry) ?
			HannoyVisitedLookup(&elements, HannoyRefFromTid(&meta.entry)) : NULL;

		/*
		 * Between vacuum's passes (or after an interrupted vacuum) the entry
		 * point may be a deleted element, or none when every element is
		 * deleted; it must still be the highest element there is.
		 */
		if (state == NULL && highest < 0 && !ItemPointerIsValid(&meta.entry))
			;
		else if (state == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INDEX_CORRUPTED),
					 errmsg("index \"%s\": the entry point is not an element",
							RelationGetRelationName(index)),
					 errhint("REINDEX the index.")));
		else if ((*state & 0x7f) - 1 != meta.entry_level || meta.entry_level < highest)
			ereport(ERROR,
					(errcode(ERRCODE_INDEX_CORRUPTED),
					 errmsg("index \"%s\": the entry point's level is %d, the metapage says %d and the highest live element's is %d",
							RelationGetRelationName(index), (*state & 0x7f) - 1,
							meta.entry_level, highest),
					 errhint("REINDEX the index.")));
	}
	else if (ItemPointerIsValid(&meta.entry))
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has an entry point but no elements",
						RelationGetRelationName(index)),
				 errhint("REINDEX the index.")));

	problem = locked ? HannoyValueCheckEnd(&values) : NULL;
	if (problem != NULL)
		value_sets_invalid(index, problem);

	if (locked)
		UnlockPage(index, HANNOY_UPDATE_LOCK, ExclusiveLock);
	close_hannoy_index(index, heap);
	PG_RETURN_INT64(checked);
}

/*-------------------------------------------------------------------------
 *
 * meta.c
 *	  Per-index state in one place: the metapage (initialising, reading
 *	  and checking it, WAL-logged changes to it) and what the code needs of
 *	  an index on every insert and scan, cached in rd_amcache.
 *
 * The cache.  An index's operator class, m, ef_construction, storage kind
 * and highest level are fixed when it is built; only its dimensions
 * change after that (set by the first vector of an index built empty,
 * forgotten by a VACUUM that empties it, in another backend perhaps).  So
 * HannoyInitIndexInfo reads the metapage once per backend and relcache
 * entry (REINDEX and TRUNCATE reset rd_amcache through the relcache
 * invalidation their new relfilenode sends), and every later read of the
 * metapage (HannoyReadMeta: scans read it for the entry point, inserts
 * under HANNOY_UPDATE_LOCK) refreshes the cached dimensions and checks
 * the fixed fields against the cache.  The cached dimensions are thus a
 * hint: code that must be sure of them reads the metapage (scans, inserts
 * under the lock, VACUUM, hannoy_verify).  rd_amcache may be reset by any
 * relcache invalidation, so callers copy it into their own HannoyIndexInfo
 * and never keep a pointer to it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/generic_xlog.h"
#include "catalog/pg_type.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "attrs.h"
#include "codebook.h"
#include "element.h"
#include "hannoy.h"

static void refresh_cached_state(Relation index, const HannoyMetaPageData *meta);

void
HannoyInitMetaPage(Page page, int dims, int m, int ef_construction,
				   uint8 storage, int max_level)
{
	HannoyMetaPage meta;

	HannoyInitPage(page, HANNOY_PAGE_META);
	meta = HannoyPageGetMeta(page);
	memset(meta, 0, sizeof(HannoyMetaPageData));
	meta->magic = HANNOY_MAGIC;
	meta->version = HANNOY_FORMAT_VERSION;
	HannoyMetaSetDimensions(meta, dims);
	meta->m = m;
	meta->ef_construction = ef_construction;
	meta->storage = storage;
	meta->max_level = max_level;
	ItemPointerSetInvalid(&meta->entry);
	meta->entry_level = -1;
	meta->insert_page = InvalidBlockNumber;
	meta->elements = 0;
	meta->pq_m = 0;
	meta->codebook = InvalidBlockNumber;
	meta->trained_on = 0;
	/* the metapage's contents end here; the rest is the hole */
	((PageHeader) page)->pd_lower = ((char *) meta + sizeof(HannoyMetaPageData)) - (char *) page;
}

static void
meta_corrupted(Relation index, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INDEX_CORRUPTED),
			 errmsg("index \"%s\" has a corrupted metapage",
					RelationGetRelationName(index)),
			 errdetail_internal("%s", detail),
			 errhint("REINDEX the index.")));
}

/*
 * Magic, version and every field the code sizes arrays or loops by,
 * checked on every read of the metapage: a corrupted value is an error,
 * never an out-of-bounds access.
 */
void
HannoyCheckMeta(Relation index, HannoyMetaPage meta)
{
	if (meta->magic != HANNOY_MAGIC)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" is not a hannoy index",
						RelationGetRelationName(index)),
				 errdetail("The metapage has magic number %08X, expected %08X.",
						   meta->magic, HANNOY_MAGIC),
				 errhint("REINDEX the index.")));
	if (meta->version < HANNOY_FORMAT_VERSION_OLDEST ||
		meta->version > HANNOY_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has on-disk format version %u, this hannoy reads versions %u to %u",
						RelationGetRelationName(index), meta->version,
						HANNOY_FORMAT_VERSION_OLDEST, HANNOY_FORMAT_VERSION),
				 errhint("REINDEX the index.")));
	if (meta->m < HANNOY_MIN_M || meta->m > HANNOY_MAX_M)
		meta_corrupted(index, psprintf("m is %u.", meta->m));
	if (meta->ef_construction < HANNOY_MIN_EF_CONSTRUCTION ||
		meta->ef_construction > HANNOY_MAX_EF_CONSTRUCTION)
		meta_corrupted(index, psprintf("ef_construction is %u.", meta->ef_construction));
	if (meta->storage != HANNOY_STORAGE_FP32 && meta->storage != HANNOY_STORAGE_FP16 &&
		(meta->storage != HANNOY_STORAGE_PQ || meta->version < 3) &&
		((meta->storage != HANNOY_STORAGE_BIT && meta->storage != HANNOY_STORAGE_SPARSE) ||
		 meta->version < 6))
		meta_corrupted(index, psprintf("The storage kind is %u.", meta->storage));
	if (meta->storage == HANNOY_STORAGE_PQ)
	{
		if (meta->pq_m > HANNOY_MAX_PQ_M ||
			(HannoyMetaDimensions(meta) > 0 &&
			 (meta->pq_m < 1 || meta->pq_m > HannoyMetaDimensions(meta))))
			meta_corrupted(index, psprintf("pq_m is %u for %u dimensions.",
										   meta->pq_m, HannoyMetaDimensions(meta)));
		if (meta->codebook == HANNOY_METAPAGE_BLKNO)
			meta_corrupted(index, "Its codebooks start at block 0.");
	}
	if (meta->value_buckets > 0 &&
		(meta->version < 6 || meta->value_sets == HANNOY_METAPAGE_BLKNO ||
		 meta->value_sets == InvalidBlockNumber ||
		 meta->value_buckets > MaxBlockNumber - meta->value_sets))
		meta_corrupted(index, psprintf("It places %u value set buckets at block %u.",
									   meta->value_buckets, meta->value_sets));
	if (HannoyMetaDimensions(meta) > (uint32) HannoyMaxDimensions(meta->storage) ||
		(meta->dimensions_high != 0 && meta->version < 6))
		meta_corrupted(index, psprintf("It records %u dimensions.", HannoyMetaDimensions(meta)));
	if (meta->max_level > HannoyMaxLevel(meta->m))
		meta_corrupted(index, psprintf("The highest level is %u.", meta->max_level));
	if (meta->entry_level < -1 || meta->entry_level > meta->max_level ||
		(meta->entry_level == -1) != !ItemPointerIsValid(&meta->entry))
		meta_corrupted(index, psprintf("The entry point's level is %d.", meta->entry_level));
}

/* A checked copy of the metapage.  No lock is held on return. */
HannoyMetaPageData
HannoyReadMeta(Relation index)
{
	Buffer		buf = ReadBuffer(index, HANNOY_METAPAGE_BLKNO);
	Page		page;
	HannoyMetaPageData meta;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	if (PageIsNew(page) || HannoyPageGetOpaque(page)->page_id != HANNOY_PAGE_ID ||
		!(HannoyPageGetOpaque(page)->flags & HANNOY_PAGE_META))
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has no valid hannoy metapage",
						RelationGetRelationName(index)),
				 errhint("REINDEX the index.")));
	meta = *HannoyPageGetMeta(page);
	UnlockReleaseBuffer(buf);
	HannoyCheckMeta(index, &meta);
	refresh_cached_state(index, &meta);
	return meta;
}

/* vector_size and exact_size, from dims (and pq_m). */
void
HannoyIndexInfoSetSizes(HannoyIndexInfo *info)
{
	info->vector_size = info->opclass->stored_size(info);
	info->exact_size = HannoyExactOpclass(info->opclass)->stored_size(info);
}

/* The fields of info a metapage read may change, from meta. */
static void
changing_fields_from_meta(HannoyIndexInfo *info, const HannoyMetaPageData *meta)
{
	info->dims = (int) HannoyMetaDimensions(meta);
	if (meta->storage == HANNOY_STORAGE_PQ)
		info->pq_m = meta->pq_m;	/* set with the dimensions, if not before */
	info->codebook_block = meta->codebook;
	info->trained_on = meta->trained_on;
	info->value_sets = meta->value_sets;
	info->value_buckets = meta->value_buckets;
	HannoyIndexInfoSetSizes(info);
}

/*
 * The cached state of an index, after a metapage read: its fixed fields
 * must be what the cache holds (else the metapage changed under us: it is
 * corrupted), its dimensions (and PQ's pq_m and codebooks, set with the
 * dimensions) replace the cached ones.
 */
static void
refresh_cached_state(Relation index, const HannoyMetaPageData *meta)
{
	HannoyIndexInfo *cached = (HannoyIndexInfo *) index->rd_amcache;

	if (cached == NULL)
		return;
	if (cached->m != meta->m || cached->ef_construction != meta->ef_construction ||
		cached->max_level != meta->max_level ||
		cached->opclass->storage != meta->storage)
		meta_corrupted(index, "Its fixed fields changed since the index was first read.");
	changing_fields_from_meta(cached, meta);
}

/*
 * The dimensions the indexed column's type fixes (vector(n), halfvec(n),
 * bit(n)), else 0: varbit(n) only bounds its values' lengths.
 */
int
HannoyColumnDims(Relation index)
{
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(index), 0);

	if (att->atttypid == VARBITOID || att->atttypmod < 0)
		return 0;
	return att->atttypmod;
}

static void
check_dims_against_column(Relation index, const HannoyMetaPageData *meta)
{
	int32		typmod = HannoyColumnDims(index);

	if (typmod > 0 && HannoyMetaDimensions(meta) != 0 && HannoyMetaDimensions(meta) != (uint32) typmod)
		meta_corrupted(index, psprintf("It records %u dimensions; the column has %d.",
									   HannoyMetaDimensions(meta), typmod));
}

/*
 * What a fresh metapage read says of the index, checked against the
 * catalog: the storage kind must be the operator class's, the dimensions
 * the column's typmod (if it has one).
 */
static void
index_info_from_meta(HannoyIndexInfo *info, Relation index,
					 const HannoyMetaPageData *meta)
{
	memset(info, 0, sizeof(HannoyIndexInfo));
	info->index = index;
	info->opclass = HannoyGetOpclass(index);
	if (meta->storage != info->opclass->storage)
		meta_corrupted(index, psprintf("The storage kind is %u; operator class %s stores kind %u.",
									   meta->storage, info->opclass->name,
									   info->opclass->storage));
	check_dims_against_column(index, meta);
	info->m = meta->m;
	info->ef_construction = meta->ef_construction;
	info->max_level = meta->max_level;
	info->pq_m = 0;
	changing_fields_from_meta(info, meta);
}

/* Look up the codebooks info names (PQ), for this transaction. */
static void
resolve_codebook(HannoyIndexInfo *info)
{
	info->codebook = NULL;
	if (info->pq_m > 0)
		info->codebook = HannoyCodebookGet(info->index, info->dims, info->pq_m,
										   info->codebook_block, info->trained_on);
}

/*
 * The index's state, from rd_amcache, read from the metapage the first
 * time.  info->dims is what this backend last read (see the file header).
 * A PQ index's codebooks come from codebook.c's cache, valid until the
 * end of the transaction.
 */
void
HannoyInitIndexInfo(HannoyIndexInfo *info, Relation index)
{
	if (index->rd_amcache == NULL)
	{
		HannoyMetaPageData meta = HannoyReadMeta(index);
		HannoyIndexInfo fresh;

		index_info_from_meta(&fresh, index, &meta);
		/* the read may have accepted an invalidation: set it only now */
		index->rd_amcache = MemoryContextAlloc(index->rd_indexcxt, sizeof(HannoyIndexInfo));
		memcpy(index->rd_amcache, &fresh, sizeof(HannoyIndexInfo));
	}
	memcpy(info, index->rd_amcache, sizeof(HannoyIndexInfo));
	info->index = index;
	info->attrs = HannoyAttrsForIndex(index, CurrentMemoryContext);
	resolve_codebook(info);
}

/* What a metapage read found (dimensions, codebooks), in place of the cached. */
void
HannoyIndexInfoFromMeta(HannoyIndexInfo *info, const HannoyMetaPageData *meta)
{
	check_dims_against_column(info->index, meta);
	changing_fields_from_meta(info, meta);
	resolve_codebook(info);
}

/* --- changes to the metapage ---------------------------------------------- */

/*
 * A change to the metapage: lock it exclusively, register it for Generic
 * WAL and return its (checked) contents to change; HannoyFinishMetaChange
 * logs the change (and refreshes the cached dimensions), or drops it if
 * nothing changed, and unlocks.
 */
HannoyMetaPage
HannoyBeginMetaChange(Relation index, HannoyMetaChange *change)
{
	HannoyMetaPage meta;

	change->index = index;
	change->buf = ReadBuffer(index, HANNOY_METAPAGE_BLKNO);
	LockBuffer(change->buf, BUFFER_LOCK_EXCLUSIVE);
	change->state = GenericXLogStart(index);
	meta = HannoyPageGetMeta(GenericXLogRegisterBuffer(change->state, change->buf, 0));
	HannoyCheckMeta(index, meta);
	return meta;
}

void
HannoyFinishMetaChange(HannoyMetaChange *change, bool changed)
{
	if (changed)
	{
		GenericXLogFinish(change->state);
		refresh_cached_state(change->index, HannoyPageGetMeta(BufferGetPage(change->buf)));
	}
	else
		GenericXLogAbort(change->state);
	UnlockReleaseBuffer(change->buf);
}

/* Record the last page inserts appended to. */
void
HannoySetInsertPage(Relation index, BlockNumber blkno)
{
	HannoyMetaChange change;

	HannoyBeginMetaChange(index, &change)->insert_page = blkno;
	HannoyFinishMetaChange(&change, true);
}

/*
 * Make ref the entry point (only if it is higher than the current one, or
 * there is none, when only_if_higher).  Callers hold HANNOY_UPDATE_LOCK
 * exclusively.
 */
void
HannoySetEntryPoint(Relation index, HannoyRef ref, int level, bool only_if_higher)
{
	HannoyMetaChange change;
	HannoyMetaPage meta = HannoyBeginMetaChange(index, &change);
	bool		change_it = !only_if_higher || !ItemPointerIsValid(&meta->entry) ||
		level > meta->entry_level;

	if (change_it && ref == HANNOY_INVALID_REF)
	{
		ItemPointerSetInvalid(&meta->entry);
		meta->entry_level = -1;
	}
	else if (change_it)
	{
		HannoyRefToTid(ref, &meta->entry);
		meta->entry_level = level;
	}
	HannoyFinishMetaChange(&change, change_it);
}

/*
 * Record the index's dimensions on its first vector (an index built on an
 * empty table whose column has no typmod), and a PQ index's pq_m if it
 * was automatic.  Returns the dimensions now in force, which differ from
 * dims if another backend got there first.
 */
int
HannoySetDimensions(Relation index, int dims, int pq_m)
{
	HannoyMetaChange change;
	HannoyMetaPage meta = HannoyBeginMetaChange(index, &change);
	bool		unset = HannoyMetaDimensions(meta) == 0;
	int			result;

	if (unset)
	{
		HannoyMetaSetDimensions(meta, dims);
		if (meta->storage == HANNOY_STORAGE_PQ)
			meta->pq_m = pq_m;
	}
	result = (int) HannoyMetaDimensions(meta);
	HannoyFinishMetaChange(&change, unset);
	return result;
}

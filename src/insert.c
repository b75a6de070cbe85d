/*-------------------------------------------------------------------------
 *
 * insert.c
 *	  aminsert: add one heap tuple's vector to the graph on index pages.
 *
 * An insert holds HANNOY_UPDATE_LOCK in share mode, so inserts run
 * concurrently; one that will change the entry point (a new highest level,
 * or the first element) holds it exclusively, as vacuum does while it
 * waits for in-flight inserts.  The new element is written with its lists
 * complete before any neighbour links back to it, so a concurrent scan
 * never follows a link to a half-made element.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/pg_prng.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "attrs.h"
#include "value_sets.h"
#include "codebook.h"
#include "element.h"
#include "hannoy.h"

/*
 * Link newref back from neighbour nref on layer.  A full list is pruned
 * with the heuristic over its members and the newcomer (deleted members
 * drop out); if the list changed meanwhile, try again.  search only lends
 * its vector arena and selection.  Vacuum uses it too, to give an element
 * that lost every in-link some again.  Returns whether nref now links to
 * newref.
 */
bool
HannoyLinkBack(HannoyIndexInfo *info, HannoySearch *search, HannoyRef nref,
			   HannoyRef newref, const void *newvec, int layer)
{
	char	   *nvec = palloc(info->vector_size);
	char	   *vec = palloc(info->vector_size);
	bool		linked = false;

	for (int attempt = 0; attempt < 10; attempt++)
	{
		HannoyRef	current[2 * HANNOY_MAX_M];
		HannoyCandidate cand[2 * HANNOY_MAX_M + 1];
		HannoyCandidate kept[2 * HANNOY_MAX_M];
		HannoyRef	replacement[2 * HANNOY_MAX_M];
		int			ncurrent;
		int			ncand = 0;
		int			nkept;
		bool		full;
		bool		newcomer_kept = false;
		int			level;
		uint8		flags;

		linked = HannoyAppendNeighbor(info, nref, layer, newref, &full);
		if (linked || !full)
			break;

		ncurrent = HannoyReadNeighbors(info, nref, layer, current);
		if (ncurrent < 0 || !HannoyReadVector(info, nref, nvec, &level, &flags))
			break;
		for (int i = 0; i <= ncurrent; i++)
		{
			HannoyCandidate *c = &cand[ncand];

			c->ref = i < ncurrent ? current[i] : newref;
			c->deleted = false;
			if (i < ncurrent)
			{
				if (!HannoyReadVector(info, c->ref, vec, &level, &flags))
					continue;	/* gone: drop the link */
				c->deleted = (flags & HANNOY_ELEMENT_DELETED) != 0;
				HannoySearchKeepVector(search, c, vec);
			}
			else
				HannoySearchKeepVector(search, c, newvec);
			c->distance = info->opclass->element_distance(info, nvec,
														  HannoyCandidateVector(search, c));
			ncand++;
		}
		qsort(cand, ncand, sizeof(HannoyCandidate), HannoyCandidateCompare);
		nkept = HannoySelectNeighbors(search, cand, ncand, HANNOY_LAYER_SLOTS(info->m, layer), kept);
		for (int i = 0; i < nkept; i++)
		{
			replacement[i] = kept[i].ref;
			newcomer_kept |= kept[i].ref == newref;
		}
		if (!newcomer_kept)
			break;				/* the neighbour is better off without it */
		if (HannoyReplaceNeighbors(info, nref, layer, current, ncurrent,
								   replacement, nkept))
		{
			linked = true;
			break;
		}
	}
	pfree(nvec);
	pfree(vec);
	return linked;
}

/*
 * Make nref link to ref even though its heuristic would rather not: ref
 * takes its last (farthest kept) place, on layer 0.  For an element no
 * neighbour kept a link to, which no search could otherwise reach.
 */
void
HannoyForceLink(HannoyIndexInfo *info, HannoyRef nref, HannoyRef ref)
{
	int			slots = HANNOY_LAYER_SLOTS(info->m, 0);

	for (int attempt = 0; attempt < 10; attempt++)
	{
		HannoyRef	list[2 * HANNOY_MAX_M];
		HannoyRef	changed[2 * HANNOY_MAX_M];
		int			n = HannoyReadNeighbors(info, nref, 0, list);
		int			nchanged;

		if (n < 0)
			return;
		for (int i = 0; i < n; i++)
			if (list[i] == ref)
				return;			/* linked meanwhile */
		memcpy(changed, list, sizeof(HannoyRef) * n);
		nchanged = n;
		if (nchanged < slots)
			changed[nchanged++] = ref;
		else
			changed[slots - 1] = ref;
		if (HannoyReplaceNeighbors(info, nref, 0, list, n, changed, nchanged))
			return;
	}
}

/*
 * A PQ index built on an empty table has no codebooks: the first vector
 * inserted trains them, alone (every centroid is then that vector's part;
 * REINDEX once the table has rows).  Called holding HANNOY_UPDATE_LOCK
 * exclusively; info's codebooks are set on return.
 */
static void
train_on_first_insert(HannoyIndexInfo *info, const void *exact)
{
	HannoyCodebook cb;
	pg_prng_state prng;
	BlockNumber first;
	HannoyMetaChange change;
	HannoyMetaPage mp;
	HannoyMetaPageData meta;

	cb.dims = info->dims;
	cb.pq_m = info->pq_m;
	cb.values = palloc(sizeof(float) * HANNOY_PQ_CENTROIDS * info->dims);
	pg_prng_seed(&prng, 100);
	HannoyPqTrain(&cb, exact, 1, &prng);
	first = HannoyCodebookAppend(info->index, &cb);
	mp = HannoyBeginMetaChange(info->index, &change);
	mp->codebook = first;
	mp->trained_on = 1;
	HannoyFinishMetaChange(&change, true);
	pfree(cb.values);
	meta = HannoyReadMeta(info->index);
	HannoyIndexInfoFromMeta(info, &meta);
}

/*
 * Insert an encoded (exact) vector for heaptid.  Called with no locks
 * held; returns with none.
 */
static void
insert_vector(HannoyIndexInfo *info, const void *exact, const char *attrs,
			  Size attrs_size, ItemPointer heaptid)
{
	Relation	index = info->index;
	LOCKMODE	mode = ShareLock;
	int			level = HannoyRandomLevel(info->m, info->max_level,
										  1.0 - pg_prng_double(&pg_global_prng_state));
	HannoyMetaPageData meta;
	HannoyRef  *lists[HANNOY_MAX_LEVEL_CAP + 1];
	int			counts[HANNOY_MAX_LEVEL_CAP + 1];
	HannoyCandidate *selected[HANNOY_MAX_LEVEL_CAP + 1];
	HannoySearch search;
	HannoyDiskReader reader;
	HannoyCandidate entry;
	HannoyCandidate *entries;
	int			nentries;
	int			top;
	HannoyRef	newref;

	const void *vector;			/* as stored: the exact vector, or its code */

	LockPage(index, HANNOY_UPDATE_LOCK, mode);
	meta = HannoyReadMeta(index);
	if (!ItemPointerIsValid(&meta.entry) || level > meta.entry_level ||
		HannoyMetaDimensions(&meta) == 0 ||
		(meta.storage == HANNOY_STORAGE_PQ && meta.codebook == InvalidBlockNumber))
	{
		UnlockPage(index, HANNOY_UPDATE_LOCK, mode);
		mode = ExclusiveLock;
		LockPage(index, HANNOY_UPDATE_LOCK, mode);
		meta = HannoyReadMeta(index);
	}

	/*
	 * An index that holds no vector (built on an empty table, or emptied by
	 * vacuum) takes its dimensions from this one; they are set and checked
	 * under the lock, so vacuum cannot forget them meanwhile.
	 */
	if (HannoyMetaDimensions(&meta) == 0)
	{
		HannoySetDimensions(index, info->dims, info->pq_m);
		meta = HannoyReadMeta(index);
	}
	if (HannoyMetaDimensions(&meta) != (uint32) info->dims)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %u dimensions, not %d", HannoyMetaDimensions(&meta), info->dims)));
	HannoyIndexInfoFromMeta(info, &meta);
	if (info->pq_m > 0 && info->codebook == NULL)
		train_on_first_insert(info, exact);
	if (info->opclass->quantize)
	{
		char	   *code = palloc(info->vector_size);

		info->opclass->quantize(info, exact, code);
		vector = code;
	}
	else
		vector = exact;

	for (int layer = 0; layer <= level; layer++)
	{
		lists[layer] = palloc(sizeof(HannoyRef) * HANNOY_LAYER_SLOTS(info->m, layer));
		selected[layer] = palloc(sizeof(HannoyCandidate) * HANNOY_LAYER_SLOTS(info->m, layer));
		counts[layer] = 0;
	}

	if (!ItemPointerIsValid(&meta.entry))
	{
		newref = HannoyWriteElement(info, level, heaptid, vector, attrs, attrs_size,
									lists, counts);
		HannoyValueSetsAdd(info, newref, (HannoyAttrsHeader) attrs, false);
		HannoySetEntryPoint(index, newref, level, false);
		UnlockPage(index, HANNOY_UPDATE_LOCK, mode);
		return;
	}

	HannoyDiskReaderInit(&reader, info);
	HannoySearchInit(&search, info, info->opclass->prepare_query(info, exact),
					 HannoyDiskVisit, &reader);
	search.prefetch = HannoyDiskPrefetch;
	search.keep_vectors = true;
	search.skip_deleted = true;
	if (!HannoyVisitEntry(&search, HannoyRefFromTid(&meta.entry), meta.entry_level, &entry))
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has an entry point that is not an element",
						RelationGetRelationName(index)),
				 errhint("REINDEX the index.")));
	top = Min(level, meta.entry_level);
	nentries = HannoyDescend(&search, entry, meta.entry_level, top,
							 info->m, &entries);
	for (int layer = top; layer >= 0; layer--)
	{
		HannoyCandidate *found;
		int			nfound;

		HannoySearchLayerStart(&search, entries, nentries, layer);
		HannoySearchLayerRun(&search, info->ef_construction);
		nfound = HannoySearchTakeResults(&search, &found);

		/*
		 * A duplicate of an element found shares it, if there is room: any
		 * one found, as equal vectors are equally near and the nearest may
		 * be full.
		 */
		if (layer == top)
		{
			for (int j = 0; j < nfound; j++)
				if (found[j].vector >= 0 &&
					HannoySameVector(info, HannoyCandidateVector(&search, &found[j]), vector) &&
					HannoyAddHeapTid(info, found[j].ref, vector, attrs, attrs_size, heaptid))
				{
					HannoyValueSetsAdd(info, found[j].ref, (HannoyAttrsHeader) attrs, true);
					UnlockPage(index, HANNOY_UPDATE_LOCK, mode);
					return;
				}
		}

		counts[layer] = HannoySelectNeighbors(&search, found, nfound,
											  HANNOY_LAYER_SLOTS(info->m, layer),
											  selected[layer]);
		for (int i = 0; i < counts[layer]; i++)
			lists[layer][i] = selected[layer][i].ref;
		entries = found;
		nentries = nfound;
	}

	newref = HannoyWriteElement(info, level, heaptid, vector, attrs, attrs_size,
									lists, counts);
	HannoyValueSetsAdd(info, newref, (HannoyAttrsHeader) attrs, false);
	for (int layer = top; layer >= 0; layer--)
	{
		bool		linked = false;

		for (int i = 0; i < counts[layer]; i++)
			linked |= HannoyLinkBack(info, &search, selected[layer][i].ref, newref, vector, layer);
		/* every neighbour is better off without it: the nearest keeps it anyway */
		if (layer == 0 && !linked && counts[0] > 0)
			HannoyForceLink(info, selected[0][0].ref, newref);
	}

	if (level > meta.entry_level)
		HannoySetEntryPoint(index, newref, level, true);
	UnlockPage(index, HANNOY_UPDATE_LOCK, mode);
}

bool
hannoyinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid,
			 Relation heap, IndexUniqueCheck checkUnique, bool indexUnchanged,
			 IndexInfo *indexInfo)
{
	MemoryContext cxt;
	MemoryContext old;
	HannoyIndexInfo info;
	Datum		value;
	int			dims;
	void	   *exact;

	/* NULL vectors are never indexed */
	if (isnull[0])
		return false;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "hannoy insert",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);

	value = PointerGetDatum(PG_DETOAST_DATUM(values[0]));
	HannoyInitIndexInfo(&info, index);
	dims = info.opclass->dims(value);
	if (dims != info.dims && info.dims != 0)
	{
		/* the cached dimensions may be stale (VACUUM emptied the index) */
		HannoyMetaPageData meta = HannoyReadMeta(index);

		HannoyIndexInfoFromMeta(&info, &meta);
	}
	if (info.dims == 0)
	{
		/* the index's first vector: insert_vector records its dimensions */
		HannoyCheckIndexableDims(info.opclass, dims);
		if (info.opclass->storage == HANNOY_STORAGE_PQ)
			info.pq_m = HannoyCheckPqM(info.pq_m, dims);
		info.dims = dims;
		HannoyIndexInfoSetSizes(&info);
	}
	if (dims != info.dims)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", info.dims, dims)));

	exact = palloc(info.exact_size);
	if (info.opclass->encode(value, dims, exact))
	{
		char	   *attrs = NULL;
		Size		attrs_size = 0;

		if (info.attrs != NULL)
		{
			attrs = palloc(HANNOY_MAX_ATTRS_SIZE);
			attrs_size = HannoyAttrsEncode(index, info.attrs, values + 1, isnull + 1, attrs);
		}
		insert_vector(&info, exact, attrs, attrs_size, heap_tid);
	}

	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return false;
}

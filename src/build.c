/*-------------------------------------------------------------------------
 *
 * build.c
 *	  Index build: load the heap's vectors, build the HNSW graph in memory,
 *	  write every page in one pass and WAL-log them once.  Also ambuildempty.
 *
 * Phases (pg_stat_progress_create_index.phase):
 *	 loading tuples   heap scan; vectors are encoded into one array
 *	 building graph   elements are inserted in heap order (graph.c)
 *	 writing pages    items are laid out page by page, neighbour indexes
 *					  become TIDs, pages go through shared buffers and are
 *					  logged with log_newpage_range
 *
 * The in-memory graph holds elements by index: neighbour lists are arrays
 * of uint32 element indexes ending at the first HANNOY_NO_NEIGHBOR, laid
 * out like the on-disk lists (2m slots on layer 0, m above).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/generic_xlog.h"
#include "access/tableam.h"
#include "access/xloginsert.h"
#include "catalog/index.h"
#include "commands/progress.h"
#include "common/pg_prng.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "graph.h"
#include "hannoy.h"

#define HANNOY_NO_NEIGHBOR	PG_UINT32_MAX

typedef struct BuildElement
{
	uint8		level;
	uint8		ntids;
	ItemPointerData tids[HANNOY_HEAPTIDS];
	uint32		upper;			/* first upper-layer slot, if level > 0 */
} BuildElement;

typedef struct BuildGraph
{
	HannoyIndexInfo info;
	Relation	heap;
	int			count;
	int			capacity;
	BuildElement *elements;
	char	   *vectors;		/* capacity x vector_size */
	uint32	   *layer0;			/* capacity x 2m */
	uint32	   *upper;			/* level x m slots per element above layer 0 */
	int64		upper_used;
	int64		upper_capacity;
	int64		entry;			/* element index, -1 while empty */
	int			entry_level;
	pg_prng_state prng;
	double		heap_tuples;
	MemoryContext tmpcxt;
	char	   *scratch;		/* one encoded vector */
} BuildGraph;

static inline uint32 *
build_list(BuildGraph *g, int64 i, int layer, int *slots)
{
	int			m = g->info.m;

	*slots = HANNOY_LAYER_SLOTS(m, layer);
	if (layer == 0)
		return g->layer0 + i * 2 * m;
	return g->upper + g->elements[i].upper + (int64) (layer - 1) * m;
}

static inline char *
build_vector(BuildGraph *g, int64 i)
{
	return g->vectors + i * g->info.vector_size;
}

/* graph.c visits the in-memory graph through here */
static bool
build_visit(HannoySearch *search, HannoyRef ref, int layer, float bound,
			HannoyCandidate *c)
{
	BuildGraph *g = search->visit_arg;

	c->distance = search->opclass->distance(search->query, build_vector(g, ref),
											search->dims);
	/* the search's vector arena is the graph's vector array */
	c->vector = (int32) ref;
	if (c->distance < bound && layer <= g->elements[ref].level)
	{
		int			slots;
		uint32	   *list = build_list(g, ref, layer, &slots);
		HannoyRef	refs[2 * HANNOY_MAX_M];
		int			n = 0;

		while (n < slots && list[n] != HANNOY_NO_NEIGHBOR)
		{
			refs[n] = list[n];
			n++;
		}
		HannoySearchAddNeighbors(search, c, refs, n);
	}
	return true;
}

static void
build_grow(BuildGraph *g)
{
	int			m = g->info.m;
	int			newcap = Max(1024, g->capacity * 2);

	g->elements = repalloc_huge(g->elements, sizeof(BuildElement) * newcap);
	g->vectors = repalloc_huge(g->vectors, g->info.vector_size * newcap);
	g->layer0 = repalloc_huge(g->layer0, sizeof(uint32) * 2 * m * newcap);
	memset(g->layer0 + (int64) g->capacity * 2 * m, 0xff,
		   sizeof(uint32) * 2 * m * (newcap - g->capacity));
	g->capacity = newcap;
}

static uint32
build_alloc_upper(BuildGraph *g, int level)
{
	int64		need = (int64) level * g->info.m;
	uint32		first;

	if (g->upper_used + need > g->upper_capacity)
	{
		int64		newcap = Max(4096, g->upper_capacity * 2);

		while (g->upper_used + need > newcap)
			newcap *= 2;
		g->upper = repalloc_huge(g->upper, sizeof(uint32) * newcap);
		memset(g->upper + g->upper_capacity, 0xff,
			   sizeof(uint32) * (newcap - g->upper_capacity));
		g->upper_capacity = newcap;
	}
	first = (uint32) g->upper_used;
	g->upper_used += need;
	return first;
}

/* Dimensions of the index: the column's typmod, else the first vector's. */
static void
build_set_dims(BuildGraph *g, int dims)
{
	HannoyCheckIndexableDims(g->info.opclass, dims);
	g->info.dims = dims;
	g->info.vector_size = HannoyVectorSize(g->info.opclass->storage, dims);
	g->scratch = MemoryContextAlloc(GetMemoryChunkContext(g->elements),
									g->info.vector_size);
}

static void
build_callback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			   bool tupleIsAlive, void *state)
{
	BuildGraph *g = state;
	MemoryContext old;
	Datum		value;
	int			dims;

	g->heap_tuples++;
	if (isnull[0])
		return;

	old = MemoryContextSwitchTo(g->tmpcxt);
	value = PointerGetDatum(PG_DETOAST_DATUM(values[0]));
	dims = g->info.opclass->dims(value);
	MemoryContextSwitchTo(old);
	if (g->info.dims == 0)
		build_set_dims(g, dims);
	if (dims != g->info.dims)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", g->info.dims, dims)));

	if (g->count == g->capacity)
		build_grow(g);

	old = MemoryContextSwitchTo(g->tmpcxt);
	if (g->info.opclass->encode(value, dims, build_vector(g, g->count)))
	{
		BuildElement *e = &g->elements[g->count];

		e->level = HannoyRandomLevel(g->info.m, g->info.max_level,
									 1.0 - pg_prng_double(&g->prng));
		e->ntids = 1;
		e->tids[0] = *tid;
		e->upper = e->level > 0 ? build_alloc_upper(g, e->level) : 0;
		g->count++;
		if (g->count % 1000 == 0)
			pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, g->count);
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(g->tmpcxt);
}

/*
 * Add element `to` to the layer list of element `from`.  A full list is
 * re-selected from its members and the newcomer with the heuristic.
 */
static void
build_link(BuildGraph *g, HannoySearch *search, int64 from, int64 to, int layer)
{
	int			slots;
	uint32	   *list = build_list(g, from, layer, &slots);
	HannoyCandidate cand[2 * HANNOY_MAX_M + 1];
	HannoyCandidate kept[2 * HANNOY_MAX_M];
	const void *fromvec = build_vector(g, from);
	int			n = 0;
	int			nkept;

	while (n < slots && list[n] != HANNOY_NO_NEIGHBOR)
		n++;
	if (n < slots)
	{
		list[n] = (uint32) to;
		return;
	}

	for (int i = 0; i <= slots; i++)
	{
		int64		id = i < slots ? list[i] : to;

		cand[i].ref = id;
		cand[i].vector = (int32) id;
		cand[i].deleted = false;
		cand[i].distance = g->info.opclass->distance(fromvec, build_vector(g, id),
													 g->info.dims);
	}
	qsort(cand, slots + 1, sizeof(HannoyCandidate), HannoyCandidateCompare);
	nkept = HannoySelectNeighbors(search, cand, slots + 1, slots, kept);
	for (int i = 0; i < nkept; i++)
		if (kept[i].ref == (HannoyRef) to)
		{
			/* only a list that takes the newcomer changes (as on disk) */
			for (int j = 0; j < slots; j++)
				list[j] = j < nkept ? (uint32) kept[j].ref : HANNOY_NO_NEIGHBOR;
			break;
		}
}

/*
 * Insert element i (already loaded) into the in-memory graph.  Duplicate
 * vectors share one element: when the nearest element found on the first
 * layer searched holds the very same vector and has a free heap TID slot,
 * i is folded into it instead; returns false then.
 */
static bool
build_insert(BuildGraph *g, HannoySearch *search, int64 i)
{
	BuildElement *e = &g->elements[i];
	HannoyCandidate entry;
	HannoyCandidate *entries;
	int			nentries;
	int			top;

	if (g->entry < 0)
	{
		g->entry = i;
		g->entry_level = e->level;
		return true;
	}

	search->query = build_vector(g, i);
	HannoySearchReset(search);
	HannoyVisitEntry(search, g->entry, g->entry_level, &entry);
	top = Min(e->level, g->entry_level);
	nentries = HannoyDescend(search, entry, g->entry_level, top,
							 g->info.m, &entries);
	for (int layer = top; layer >= 0; layer--)
	{
		HannoyCandidate *found;
		HannoyCandidate selected[2 * HANNOY_MAX_M];
		int			nfound;
		int			nselected;
		int			slots;
		uint32	   *list;

		HannoySearchLayerStart(search, entries, nentries, layer);
		HannoySearchLayerRun(search, g->info.ef_construction);
		nfound = HannoySearchTakeResults(search, &found);
		pfree(entries);

		if (layer == top && nfound > 0 &&
			memcmp(build_vector(g, found[0].ref), search->query, g->info.vector_size) == 0 &&
			g->elements[found[0].ref].ntids < HANNOY_HEAPTIDS)
		{
			BuildElement *dup = &g->elements[found[0].ref];

			dup->tids[dup->ntids++] = e->tids[0];
			pfree(found);
			return false;
		}

		list = build_list(g, i, layer, &slots);
		nselected = HannoySelectNeighbors(search, found, nfound, slots, selected);
		for (int s = 0; s < nselected; s++)
		{
			list[s] = (uint32) selected[s].ref;
			build_link(g, search, selected[s].ref, i, layer);
		}
		entries = found;
		nentries = nfound;
	}
	pfree(entries);

	if (e->level > g->entry_level)
	{
		g->entry = i;
		g->entry_level = e->level;
	}
	return true;
}

static void
build_graph(BuildGraph *g)
{
	HannoySearch search;
	int64		kept = 0;

	HannoySearchInit(&search, &g->info, NULL, build_visit, g);
	search.vector_arena = g->vectors;
	search.skip_deleted = false;

	for (int64 i = 0; i < g->count; i++)
	{
		CHECK_FOR_INTERRUPTS();

		/* folded duplicates leave gaps: close them as we go */
		if (kept != i)
		{
			g->elements[kept] = g->elements[i];
			memcpy(build_vector(g, kept), build_vector(g, i), g->info.vector_size);
		}
		if (!build_insert(g, &search, kept))
			continue;
		kept++;
		if (kept % 1000 == 0)
			pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, kept);
	}
	g->count = kept;
}

/* --- writing pages ------------------------------------------------------ */

typedef struct PagePlan
{
	BlockNumber blkno;
	Size		used;
	OffsetNumber next;
} PagePlan;

static void
plan_item(PagePlan *plan, Size size, ItemPointer loc)
{
	Size		need = MAXALIGN(size) + sizeof(ItemIdData);
	Size		capacity = BLCKSZ - MAXALIGN(sizeof(HannoyPageOpaqueData)) - SizeOfPageHeaderData;

	if (plan->used + need > capacity)
	{
		plan->blkno++;
		plan->used = 0;
		plan->next = FirstOffsetNumber;
	}
	ItemPointerSet(loc, plan->blkno, plan->next);
	plan->next++;
	plan->used += need;
}

static Buffer
new_buffer(Relation index, ForkNumber fork)
{
	Buffer		buf = ReadBufferExtended(index, fork, P_NEW, RBM_NORMAL, NULL);

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	return buf;
}

static void
flush_page(Relation index, Page page)
{
	Buffer		buf = new_buffer(index, MAIN_FORKNUM);

	memcpy(BufferGetPage(buf), page, BLCKSZ);
	MarkBufferDirty(buf);
	UnlockReleaseBuffer(buf);
}

static void
write_graph(BuildGraph *g, Relation index)
{
	int			m = g->info.m;
	Size		vsize = g->info.vector_size;
	ItemPointerData *loc = palloc_extended(sizeof(ItemPointerData) * Max(g->count, 1), MCXT_ALLOC_HUGE);
	ItemPointerData *vloc = palloc_extended(sizeof(ItemPointerData) * Max(g->count, 1), MCXT_ALLOC_HUGE);
	PagePlan	plan = {1, 0, FirstOffsetNumber};
	PGAlignedBlock meta;
	PGAlignedBlock block;
	Page		page = block.data;
	BlockNumber current = InvalidBlockNumber;
	char	   *item = palloc(HANNOY_MAX_ITEM_SIZE);
	BlockNumber nblocks;

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HANNOY_PHASE_WRITE);

	/* where every item goes */
	for (int64 i = 0; i < g->count; i++)
	{
		bool		external;
		Size		size = HannoyElementSize(m, g->elements[i].level, vsize, &external);

		plan_item(&plan, size, &loc[i]);
		if (external)
			plan_item(&plan, HANNOY_VECTOR_TUPLE_SIZE(vsize), &vloc[i]);
		else
			ItemPointerSetInvalid(&vloc[i]);
	}

	/* the metapage first: block 0 */
	HannoyInitMetaPage(meta.data, g->info.dims, m, g->info.ef_construction,
					   g->info.opclass->storage, g->info.max_level);
	if (g->entry >= 0)
	{
		HannoyMetaPage mp = HannoyPageGetMeta(meta.data);

		mp->entry = loc[g->entry];
		mp->entry_level = g->entry_level;
		mp->insert_page = plan.blkno;
		mp->elements = g->count;
	}
	flush_page(index, meta.data);

	/* then every element page, in order */
	for (int64 i = 0; i < g->count; i++)
	{
		BuildElement *e = &g->elements[i];
		HannoyElementTuple tup = (HannoyElementTuple) item;
		bool		external;
		Size		size = HannoyElementSize(m, e->level, vsize, &external);
		int			slot = 0;

		CHECK_FOR_INTERRUPTS();

		memset(item, 0, size);
		tup->type = HANNOY_ITEM_ELEMENT;
		tup->level = e->level;
		tup->flags = external ? HANNOY_ELEMENT_EXTERNAL : 0;
		tup->nheaptids = e->ntids;
		for (int t = 0; t < HANNOY_HEAPTIDS; t++)
		{
			if (t < e->ntids)
				tup->heaptids[t] = e->tids[t];
			else
				ItemPointerSetInvalid(&tup->heaptids[t]);
		}
		tup->vector_tid = vloc[i];
		for (int layer = 0; layer <= e->level; layer++)
		{
			int			slots;
			uint32	   *list = build_list(g, i, layer, &slots);

			for (int s = 0; s < slots; s++, slot++)
			{
				if (list[s] == HANNOY_NO_NEIGHBOR)
					ItemPointerSetInvalid(&tup->neighbors[slot]);
				else
					tup->neighbors[slot] = loc[list[s]];
			}
		}
		if (!external)
			memcpy(HannoyElementVector(tup, m), build_vector(g, i), vsize);

		for (int part = 0; part < (external ? 2 : 1); part++)
		{
			ItemPointer where = part == 0 ? &loc[i] : &vloc[i];
			char	   *data = item;
			Size		len = size;

			if (part == 1)
			{
				HannoyVectorTuple vt = (HannoyVectorTuple) item;

				memset(vt, 0, offsetof(HannoyVectorTupleData, data));
				vt->type = HANNOY_ITEM_VECTOR;
				memcpy(vt->data, build_vector(g, i), vsize);
				len = HANNOY_VECTOR_TUPLE_SIZE(vsize);
			}
			if (ItemPointerGetBlockNumber(where) != current)
			{
				if (current != InvalidBlockNumber)
					flush_page(index, page);
				HannoyInitPage(page, HANNOY_PAGE_ELEMENT);
				current = ItemPointerGetBlockNumber(where);
			}
			if (PageAddItem(page, (Item) data, len, InvalidOffsetNumber, false, false) !=
				ItemPointerGetOffsetNumber(where))
				elog(ERROR, "hannoy: page layout of the build went wrong");
		}
	}
	if (current != InvalidBlockNumber)
		flush_page(index, page);

	nblocks = RelationGetNumberOfBlocks(index);
	if (RelationNeedsWAL(index))
		log_newpage_range(index, MAIN_FORKNUM, 0, nblocks, true);
	pfree(loc);
	pfree(vloc);
	pfree(item);
}

IndexBuildResult *
hannoybuild(Relation heap, Relation index, IndexInfo *indexInfo)
{
	IndexBuildResult *result;
	BuildGraph	g;
	MemoryContext buildcxt;
	MemoryContext old;
	int32		typmod = TupleDescAttr(RelationGetDescr(index), 0)->atttypmod;

	if (RelationGetNumberOfBlocks(index) != 0)
		elog(ERROR, "index \"%s\" already contains data", RelationGetRelationName(index));

	buildcxt = AllocSetContextCreate(CurrentMemoryContext, "hannoy build",
									 ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(buildcxt);

	memset(&g, 0, sizeof(g));
	g.heap = heap;
	g.info.index = index;
	g.info.opclass = HannoyGetOpclass(index);
	g.info.m = HannoyOptionM(index);
	g.info.ef_construction = HannoyOptionEfConstruction(index);
	g.info.max_level = HannoyMaxLevel(g.info.m);
	if (g.info.ef_construction < 2 * g.info.m)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ef_construction must be at least 2 * m"),
				 errdetail("ef_construction is %d and m is %d.",
						   g.info.ef_construction, g.info.m)));
	g.entry = -1;
	g.entry_level = -1;
	pg_prng_seed(&g.prng, 100);	/* builds are reproducible for a heap order */
	g.tmpcxt = AllocSetContextCreate(buildcxt, "hannoy build tuple",
									 ALLOCSET_DEFAULT_SIZES);
	g.elements = palloc(sizeof(BuildElement));
	g.vectors = palloc(1);
	g.layer0 = palloc(sizeof(uint32));
	g.upper = palloc(sizeof(uint32));
	if (typmod > 0)
		build_set_dims(&g, typmod);

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HANNOY_PHASE_LOAD);
	table_index_build_scan(heap, index, indexInfo, true, true, build_callback,
						   &g, NULL);

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HANNOY_PHASE_GRAPH);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, g.count);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, 0);
	build_graph(&g);

	write_graph(&g, index);

	result = palloc(sizeof(IndexBuildResult));
	result->heap_tuples = g.heap_tuples;
	result->index_tuples = g.count;

	MemoryContextSwitchTo(old);
	result = memcpy(palloc(sizeof(IndexBuildResult)), result, sizeof(IndexBuildResult));
	MemoryContextDelete(buildcxt);
	return result;
}

/* Unlogged indexes: an init fork holding an empty index's metapage. */
void
hannoybuildempty(Relation index)
{
	Buffer		buf = new_buffer(index, INIT_FORKNUM);
	int32		typmod = TupleDescAttr(RelationGetDescr(index), 0)->atttypmod;
	const HannoyOpclass *opclass = HannoyGetOpclass(index);
	int			m = HannoyOptionM(index);

	if (typmod > 0)
		HannoyCheckIndexableDims(opclass, typmod);
	START_CRIT_SECTION();
	HannoyInitMetaPage(BufferGetPage(buf), typmod > 0 ? typmod : 0, m,
					   HannoyOptionEfConstruction(index), opclass->storage,
					   HannoyMaxLevel(m));
	MarkBufferDirty(buf);
	log_newpage_buffer(buf, true);
	END_CRIT_SECTION();
	UnlockReleaseBuffer(buf);
}

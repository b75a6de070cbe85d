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
 * Parallel build: after the load, the leader copies the graph's arrays
 * into one DSM segment (indexes, not pointers, so every process reads the
 * same graph) and inserts the first elements itself; then the leader and
 * max_parallel_maintenance_workers workers take elements from an atomic
 * counter and insert them concurrently.  Each element's lists are guarded
 * by its own spinlock (held only to copy or write a list; a full list is
 * re-selected outside the lock and written only if unchanged), the entry
 * point by another.  Duplicates are not folded in a parallel build.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/generic_xlog.h"
#include "access/parallel.h"
#include "access/tableam.h"
#include "access/xloginsert.h"
#include "catalog/index.h"
#include "commands/progress.h"
#include "common/pg_prng.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "port/atomics.h"
#include "storage/bufmgr.h"
#include "storage/spin.h"
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

/* The entry point, in local memory or (parallel build) in the DSM segment. */
typedef struct BuildEntry
{
	slock_t		mutex;			/* parallel build only */
	int64		entry;			/* element index, -1 while empty */
	int			entry_level;
} BuildEntry;

/* The part of a parallel build every process sees, at the segment's start. */
typedef struct BuildShared
{
	Oid			indexid;
	int			m;
	int			ef_construction;
	int			dims;
	int			max_level;
	int64		count;
	int64		upper_used;
	Size		elements_off;	/* offsets of the arrays from this struct */
	Size		vectors_off;
	Size		layer0_off;
	Size		upper_off;
	Size		locks_off;
	BuildEntry	entry;
	pg_atomic_uint64 next;		/* next element to insert */
	pg_atomic_uint64 done;		/* elements inserted */
} BuildShared;

#define HANNOY_SHM_KEY_BUILD		UINT64CONST(0xA000000000000001)
/* the leader links this many elements alone before the workers start */
#define HANNOY_PARALLEL_SEED		1000
/* no parallel build for fewer elements than this */
#define HANNOY_PARALLEL_MIN_ELEMENTS 10000

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
	BuildEntry *entry;			/* points at local_entry, or into DSM */
	BuildEntry	local_entry;
	slock_t    *locks;			/* per-element list locks; NULL when serial */
	BuildShared *shared;		/* NULL when serial */
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

static inline void
lock_element(BuildGraph *g, int64 i)
{
	if (g->locks)
		SpinLockAcquire(&g->locks[i]);
}

static inline void
unlock_element(BuildGraph *g, int64 i)
{
	if (g->locks)
		SpinLockRelease(&g->locks[i]);
}

static inline void
lock_entry(BuildGraph *g)
{
	if (g->shared)
		SpinLockAcquire(&g->entry->mutex);
}

static inline void
unlock_entry(BuildGraph *g)
{
	if (g->shared)
		SpinLockRelease(&g->entry->mutex);
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

		lock_element(g, ref);
		while (n < slots && list[n] != HANNOY_NO_NEIGHBOR)
		{
			refs[n] = list[n];
			n++;
		}
		unlock_element(g, ref);
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
 * re-selected from its members and the newcomer with the heuristic, outside
 * the element's lock, and written only if it did not change meanwhile.
 */
static void
build_link(BuildGraph *g, HannoySearch *search, int64 from, int64 to, int layer)
{
	int			slots;
	uint32	   *list = build_list(g, from, layer, &slots);
	const void *fromvec = build_vector(g, from);

	for (;;)
	{
		uint32		current[2 * HANNOY_MAX_M];
		HannoyCandidate cand[2 * HANNOY_MAX_M + 1];
		HannoyCandidate kept[2 * HANNOY_MAX_M];
		int			n = 0;
		int			nkept;
		bool		newcomer_kept = false;

		lock_element(g, from);
		while (n < slots && list[n] != HANNOY_NO_NEIGHBOR)
			n++;
		if (n < slots)
		{
			list[n] = (uint32) to;
			unlock_element(g, from);
			return;
		}
		memcpy(current, list, sizeof(uint32) * slots);
		unlock_element(g, from);

		for (int i = 0; i <= slots; i++)
		{
			int64		id = i < slots ? current[i] : to;

			cand[i].ref = id;
			cand[i].vector = (int32) id;
			cand[i].deleted = false;
			cand[i].distance = g->info.opclass->distance(fromvec, build_vector(g, id),
														 g->info.dims);
		}
		qsort(cand, slots + 1, sizeof(HannoyCandidate), HannoyCandidateCompare);
		nkept = HannoySelectNeighbors(search, cand, slots + 1, slots, kept);
		for (int i = 0; i < nkept; i++)
			newcomer_kept |= kept[i].ref == (HannoyRef) to;
		/* only a list that takes the newcomer changes (as on disk) */
		if (!newcomer_kept)
			return;

		lock_element(g, from);
		if (memcmp(current, list, sizeof(uint32) * slots) == 0)
		{
			for (int j = 0; j < slots; j++)
				list[j] = j < nkept ? (uint32) kept[j].ref : HANNOY_NO_NEIGHBOR;
			unlock_element(g, from);
			return;
		}
		unlock_element(g, from);	/* changed meanwhile: again */
	}
}

/*
 * Insert element i (already loaded) into the in-memory graph.  Duplicate
 * vectors share one element: when the nearest element found on the first
 * layer searched holds the very same vector and has a free heap TID slot,
 * i is folded into it instead; returns false then.
 */
static bool
build_insert(BuildGraph *g, HannoySearch *search, int64 i, bool fold)
{
	BuildElement *e = &g->elements[i];
	HannoyCandidate entry;
	HannoyCandidate *entries;
	int			nentries;
	int			top;
	int64		entry_ref;
	int			entry_level;

	lock_entry(g);
	entry_ref = g->entry->entry;
	entry_level = g->entry->entry_level;
	if (entry_ref < 0)
	{
		g->entry->entry = i;
		g->entry->entry_level = e->level;
	}
	unlock_entry(g);
	if (entry_ref < 0)
		return true;

	search->query = build_vector(g, i);
	HannoySearchReset(search);
	HannoyVisitEntry(search, entry_ref, entry_level, &entry);
	top = Min(e->level, entry_level);
	nentries = HannoyDescend(search, entry, entry_level, top,
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

		if (fold && layer == top && nfound > 0 &&
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
		lock_element(g, i);
		for (int s = 0; s < nselected; s++)
			list[s] = (uint32) selected[s].ref;
		unlock_element(g, i);
		for (int s = 0; s < nselected; s++)
			build_link(g, search, selected[s].ref, i, layer);
		entries = found;
		nentries = nfound;
	}
	pfree(entries);

	if (e->level > entry_level)
	{
		lock_entry(g);
		if (e->level > g->entry->entry_level)
		{
			g->entry->entry = i;
			g->entry->entry_level = e->level;
		}
		unlock_entry(g);
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
		if (!build_insert(g, &search, kept, true))
			continue;
		kept++;
		if (kept % 1000 == 0)
			pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, kept);
	}
	g->count = kept;
}

/* --- parallel build --------------------------------------------------- */

PGDLLEXPORT void HannoyParallelBuildMain(dsm_segment *seg, shm_toc *toc);

/* Point g at the shared graph of a parallel build. */
static void
build_attach(BuildGraph *g, BuildShared *shared, Relation index)
{
	char	   *base = (char *) shared;

	g->info.index = index;
	g->info.opclass = HannoyGetOpclass(index);
	g->info.m = shared->m;
	g->info.ef_construction = shared->ef_construction;
	g->info.dims = shared->dims;
	g->info.max_level = shared->max_level;
	g->info.vector_size = HannoyVectorSize(g->info.opclass->storage, shared->dims);
	g->count = g->capacity = shared->count;
	g->upper_used = g->upper_capacity = shared->upper_used;
	g->elements = (BuildElement *) (base + shared->elements_off);
	g->vectors = base + shared->vectors_off;
	g->layer0 = (uint32 *) (base + shared->layer0_off);
	g->upper = (uint32 *) (base + shared->upper_off);
	g->locks = (slock_t *) (base + shared->locks_off);
	g->entry = &shared->entry;
	g->shared = shared;
}

/* Insert elements handed out by the shared counter until none are left. */
static void
build_insert_claimed(BuildGraph *g, bool leader)
{
	HannoySearch search;

	HannoySearchInit(&search, &g->info, NULL, build_visit, g);
	search.vector_arena = g->vectors;
	for (;;)
	{
		uint64		i = pg_atomic_fetch_add_u64(&g->shared->next, 1);
		uint64		done;

		if (i >= (uint64) g->count)
			break;
		CHECK_FOR_INTERRUPTS();
		build_insert(g, &search, i, false);
		done = pg_atomic_add_fetch_u64(&g->shared->done, 1);
		if (leader && done % 1000 == 0)
			pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, done);
	}
}

/* Entry point of parallel build workers. */
void
HannoyParallelBuildMain(dsm_segment *seg, shm_toc *toc)
{
	BuildShared *shared = shm_toc_lookup(toc, HANNOY_SHM_KEY_BUILD, false);
	Relation	index = index_open(shared->indexid, RowExclusiveLock);
	BuildGraph	g;

	memset(&g, 0, sizeof(g));
	build_attach(&g, shared, index);
	build_insert_claimed(&g, false);
	index_close(index, RowExclusiveLock);
}

/*
 * Workers for the graph phase: max_parallel_maintenance_workers, or the
 * table's parallel_workers option if lower, for graphs large enough to
 * gain.  (The heap is scanned by the leader alone: vectors are usually
 * TOASTed, so the table's own size says little about the work.)
 */
static int
build_workers(Relation heap, int64 count)
{
	int			n = max_parallel_maintenance_workers;

	if (!IsUnderPostmaster || count < HANNOY_PARALLEL_MIN_ELEMENTS)
		return 0;
	if (RelationGetParallelWorkers(heap, -1) >= 0)
		n = Min(n, RelationGetParallelWorkers(heap, -1));
	return Max(n, 0);
}

/*
 * Build the graph with workers: move it into a DSM segment, link the first
 * elements alone, then share the rest.  Returns the parallel context, which
 * must live (it holds the graph) until the pages are written.
 */
static ParallelContext *
build_graph_parallel(BuildGraph *g, Relation index, int nworkers)
{
	ParallelContext *pcxt;
	int			m = g->info.m;
	Size		elements_sz = MAXALIGN(sizeof(BuildElement) * g->count);
	Size		vectors_sz = MAXALIGN(g->info.vector_size * g->count);
	Size		layer0_sz = MAXALIGN(sizeof(uint32) * 2 * m * g->count);
	Size		upper_sz = MAXALIGN(sizeof(uint32) * Max(g->upper_used, 1));
	Size		locks_sz = MAXALIGN(sizeof(slock_t) * g->count);
	Size		total = MAXALIGN(sizeof(BuildShared)) + elements_sz + vectors_sz +
		layer0_sz + upper_sz + locks_sz;
	BuildShared *shared;
	char	   *base;
	BuildGraph	local = *g;
	int64		seed;

	EnterParallelMode();
	pcxt = CreateParallelContext("hannoy", "HannoyParallelBuildMain", nworkers);
	shm_toc_estimate_chunk(&pcxt->estimator, total);
	shm_toc_estimate_keys(&pcxt->estimator, 1);
	InitializeParallelDSM(pcxt);
	if (pcxt->seg == NULL)
	{
		/* no DSM to be had: build alone */
		DestroyParallelContext(pcxt);
		ExitParallelMode();
		return NULL;
	}

	shared = shm_toc_allocate(pcxt->toc, total);
	base = (char *) shared;
	memset(shared, 0, sizeof(BuildShared));
	shared->indexid = RelationGetRelid(index);
	shared->m = m;
	shared->ef_construction = g->info.ef_construction;
	shared->dims = g->info.dims;
	shared->max_level = g->info.max_level;
	shared->count = g->count;
	shared->upper_used = g->upper_used;
	shared->elements_off = MAXALIGN(sizeof(BuildShared));
	shared->vectors_off = shared->elements_off + elements_sz;
	shared->layer0_off = shared->vectors_off + vectors_sz;
	shared->upper_off = shared->layer0_off + layer0_sz;
	shared->locks_off = shared->upper_off + upper_sz;
	SpinLockInit(&shared->entry.mutex);
	shared->entry.entry = -1;
	shared->entry.entry_level = -1;
	pg_atomic_init_u64(&shared->next, 0);
	pg_atomic_init_u64(&shared->done, 0);
	shm_toc_insert(pcxt->toc, HANNOY_SHM_KEY_BUILD, shared);

	memcpy(base + shared->elements_off, local.elements, sizeof(BuildElement) * g->count);
	memcpy(base + shared->vectors_off, local.vectors, g->info.vector_size * g->count);
	memset(base + shared->layer0_off, 0xff, sizeof(uint32) * 2 * m * g->count);
	memset(base + shared->upper_off, 0xff, sizeof(uint32) * Max(g->upper_used, 1));
	build_attach(g, shared, index);
	for (int64 i = 0; i < g->count; i++)
		SpinLockInit(&g->locks[i]);
	pfree(local.elements);
	pfree(local.vectors);
	pfree(local.layer0);
	pfree(local.upper);

	/* the first elements give the workers a graph to search */
	seed = Min(g->count, HANNOY_PARALLEL_SEED);
	pg_atomic_write_u64(&shared->next, seed);
	{
		HannoySearch search;

		HannoySearchInit(&search, &g->info, NULL, build_visit, g);
		search.vector_arena = g->vectors;
		for (int64 i = 0; i < seed; i++)
		{
			CHECK_FOR_INTERRUPTS();
			build_insert(g, &search, i, false);
		}
		pg_atomic_write_u64(&shared->done, seed);
	}

	LaunchParallelWorkers(pcxt);
	ereport(DEBUG1,
			(errmsg("hannoy: building the graph of \"%s\" with %d parallel workers",
					RelationGetRelationName(index), pcxt->nworkers_launched)));
	build_insert_claimed(g, true);
	WaitForParallelWorkersToFinish(pcxt);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, g->count);
	return pcxt;
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
	if (g->entry->entry >= 0)
	{
		HannoyMetaPage mp = HannoyPageGetMeta(meta.data);

		mp->entry = loc[g->entry->entry];
		mp->entry_level = g->entry->entry_level;
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
	int			nworkers;
	ParallelContext *pcxt = NULL;

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
	g.entry = &g.local_entry;
	g.entry->entry = -1;
	g.entry->entry_level = -1;
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
	nworkers = build_workers(heap, g.count);
	if (nworkers > 0)
		pcxt = build_graph_parallel(&g, index, nworkers);
	if (pcxt == NULL)
		build_graph(&g);

	write_graph(&g, index);
	if (pcxt != NULL)
	{
		DestroyParallelContext(pcxt);
		ExitParallelMode();
	}

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

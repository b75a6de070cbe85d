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
#include "utils/timestamp.h"

#include "element.h"
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
#define HANNOY_PARALLEL_SEED		256
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
	Size		memory_limit;	/* maintenance_work_mem, in bytes */
	bool		spilled;		/* vectors live on the index's pages */
	int64		cached;			/* spilled: the first this many stay in vectors */
	ItemPointerData *loc;		/* spilled: every element's TID */
	struct PageWriter *writer;	/* spilled: places loaded elements */
	char	   *query_buf;		/* spilled: the vector being inserted */
	char	   *from_buf;		/* spilled: the vector whose list is pruned */
	char	   *read_buf;		/* spilled: a vector on its way to an arena */
	pg_prng_state prng;
	double		heap_tuples;
	MemoryContext tmpcxt;
	char	   *scratch;		/* one encoded vector */
} BuildGraph;

static void build_spill(BuildGraph *g, Relation index);
static void read_spilled(BuildGraph *g, int64 i, void *out);
static Size element_bytes(BuildGraph *g);
static void writer_add_element(struct PageWriter *w, BuildGraph *g, int64 i,
							   const void *vector, const ItemPointerData *loc,
							   ItemPointer where);

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

typedef struct SpilledVisit
{
	HannoySearch *search;
	HannoyCandidate *c;
	float		bound;
} SpilledVisit;

static void
spilled_distance(const void *vector, void *arg)
{
	SpilledVisit *a = arg;

	a->c->distance = a->search->opclass->distance(a->search->query, vector,
												  a->search->dims);
	if (a->c->distance < a->bound)
		HannoySearchKeepVector(a->search, a->c, vector);
}

/*
 * graph.c's prefetch callback for the in-memory graph: start fetching the
 * coming visits' vectors (and layer-0 lists) while earlier ones compute.
 */
static void
build_prefetch(HannoySearch *search, const HannoyRef *refs, int n)
{
	BuildGraph *g = search->visit_arg;

	if (g->spilled)
		return;
	for (int i = 0; i < n; i++)
	{
		const char *v = build_vector(g, refs[i]);

		__builtin_prefetch(v);
		__builtin_prefetch(v + 64);
		__builtin_prefetch(g->layer0 + refs[i] * 2 * g->info.m);
	}
}

/* graph.c visits the in-memory graph through here */
static bool
build_visit(HannoySearch *search, HannoyRef ref, int layer, float bound,
			HannoyCandidate *c)
{
	BuildGraph *g = search->visit_arg;

	if (!g->spilled)
	{
		c->distance = search->opclass->distance(search->query, build_vector(g, ref),
												search->dims);
		/* the search's vector arena is the graph's vector array */
		c->vector = (int32) ref;
	}
	else
	{
		/*
		 * Distance on the page (or the cached prefix); the vector goes to
		 * the search's own arena only if the element becomes a candidate.
		 */
		SpilledVisit args = {search, c, bound};

		if ((int64) ref < g->cached)
			spilled_distance(build_vector(g, ref), &args);
		else if (!HannoyWithVector(&g->info, HannoyRefFromTid(&g->loc[ref]),
								   spilled_distance, &args))
			elog(ERROR, "hannoy: build lost element %lld", (long long) ref);
	}
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
	if (g->spilled)
		g->loc = repalloc_huge(g->loc, sizeof(ItemPointerData) * newcap);
	else
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

	if (!g->spilled &&
		(Size) (g->count + 1) * element_bytes(g) + sizeof(uint32) * g->upper_used > g->memory_limit)
		build_spill(g, index);
	if (g->count == g->capacity)
		build_grow(g);

	old = MemoryContextSwitchTo(g->tmpcxt);
	if (g->info.opclass->encode(value, dims,
								g->spilled ? g->scratch : build_vector(g, g->count)))
	{
		BuildElement *e = &g->elements[g->count];

		e->level = HannoyRandomLevel(g->info.m, g->info.max_level,
									 1.0 - pg_prng_double(&g->prng));
		e->ntids = 1;
		e->tids[0] = *tid;
		e->upper = e->level > 0 ? build_alloc_upper(g, e->level) : 0;
		if (g->spilled)
			writer_add_element(g->writer, g, g->count, g->scratch, NULL,
							   &g->loc[g->count]);
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
	const void *fromvec;

	if (g->spilled)
	{
		read_spilled(g, from, g->from_buf);
		fromvec = g->from_buf;
	}
	else
		fromvec = build_vector(g, from);

	for (;;)
	{
		uint32		current[2 * HANNOY_MAX_M];
		HannoyCandidate cand[2 * HANNOY_MAX_M + 1];
		HannoyCandidate kept[2 * HANNOY_MAX_M];
		int			n = 0;
		int			nkept;
		bool		newcomer_kept = false;

		if (from == to)
			return;
		lock_element(g, from);
		while (n < slots && list[n] != HANNOY_NO_NEIGHBOR)
		{
			if (list[n] == (uint32) to)
			{
				/* already linked (a parallel build's worker got there first) */
				unlock_element(g, from);
				return;
			}
			n++;
		}
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
			cand[i].deleted = false;
			if (g->spilled)
			{
				read_spilled(g, id, g->read_buf);
				HannoySearchKeepVector(search, &cand[i], g->read_buf);
			}
			else
				cand[i].vector = (int32) id;
			cand[i].distance = g->info.opclass->distance(fromvec,
														 HannoyCandidateVector(search, &cand[i]),
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
 * In a parallel build, element i is reachable as soon as it links on its
 * top layer: other workers' searches may find it, link to it, and link it
 * back (build_link) on the layers below before i itself gets there.  So
 * i's own search on a lower layer can find i (through such a neighbour):
 * it is dropped from the results, or i would link to itself.
 */
static int
drop_self(HannoyCandidate *found, int nfound, int64 i)
{
	int			n = 0;

	for (int k = 0; k < nfound; k++)
		if (found[k].ref != (HannoyRef) i)
			found[n++] = found[k];
	return n;
}

/*
 * Write i's list on a layer: the selected neighbours first, then the links
 * other workers added meanwhile (see drop_self) where there is room and
 * they are not already there.  In a serial build the list is still empty.
 */
static void
set_own_list(BuildGraph *g, int64 i, uint32 *list, int slots,
			 const HannoyCandidate *selected, int nselected)
{
	uint32		earlier[2 * HANNOY_MAX_M];
	int			nearlier = 0;
	int			n = 0;

	lock_element(g, i);
	while (nearlier < slots && list[nearlier] != HANNOY_NO_NEIGHBOR)
	{
		earlier[nearlier] = list[nearlier];
		nearlier++;
	}
	for (int s = 0; s < nselected; s++)
		list[n++] = (uint32) selected[s].ref;
	for (int k = 0; k < nearlier && n < slots; k++)
	{
		bool		present = false;

		for (int s = 0; s < n && !present; s++)
			present = list[s] == earlier[k];
		if (!present)
			list[n++] = earlier[k];
	}
	while (n < slots)
		list[n++] = HANNOY_NO_NEIGHBOR;
	unlock_element(g, i);
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

	if (g->spilled)
	{
		read_spilled(g, i, g->query_buf);
		search->query = g->query_buf;
	}
	else
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
		nfound = drop_self(found, nfound, i);
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
		set_own_list(g, i, list, slots, selected, nselected);
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
	search.prefetch = build_prefetch;
	/* in memory, the search's vector arena is the graph's vector array */
	if (!g->spilled)
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
		/* spilled elements already have their items: no folding */
		if (!build_insert(g, &search, kept, !g->spilled))
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
	search.prefetch = build_prefetch;
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
		search.prefetch = build_prefetch;
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

#define PAGE_CAPACITY \
	(BLCKSZ - MAXALIGN(sizeof(HannoyPageOpaqueData)) - SizeOfPageHeaderData)

static void
plan_item(PagePlan *plan, Size size, ItemPointer loc)
{
	Size		need = MAXALIGN(size) + sizeof(ItemIdData);

	if (plan->used + need > PAGE_CAPACITY)
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

/* The largest item the plan's current page still takes. */
static Size
plan_room(PagePlan *plan)
{
	Size		left = PAGE_CAPACITY - plan->used;

	return left > sizeof(ItemIdData) ? MAXALIGN_DOWN(left - sizeof(ItemIdData)) : 0;
}

/*
 * Where element i's item (and its vector item, if any) will go, and how
 * many bytes of its vector the element item holds; returns the item's size.
 *
 * Elements go one after another.  One that does not fit whole in what is
 * left of a page is split when at least a quarter of it fits: its item
 * (lists and the first part of the vector) fills the page and the rest of
 * the vector starts the next one.  Otherwise a page of 784-d fp32 elements
 * (3.3 kB each) would hold two and waste 18%; split, it holds 2.4 on
 * average, and a third of the elements take a second page access to read.
 */
static Size
plan_element(PagePlan *plan, BuildGraph *g, int64 i, ItemPointer loc,
			 ItemPointer vloc, Size *inline_bytes)
{
	Size		vsize = g->info.vector_size;
	Size		head = HANNOY_ELEMENT_VECTOR_OFFSET(g->info.m, g->elements[i].level);
	bool		external;
	Size		size = HannoyElementSize(g->info.m, g->elements[i].level, vsize, &external);
	Size		room = plan_room(plan);

	if (!external && MAXALIGN(size) > room && room >= head + sizeof(float4) &&
		room >= size / 4)
	{
		/* split: whole 4-byte words inline (fp16 pairs stay together) */
		*inline_bytes = TYPEALIGN_DOWN(sizeof(float4), room - head);
		plan_item(plan, head + *inline_bytes, loc);
		plan_item(plan, HANNOY_VECTOR_TUPLE_SIZE(vsize - *inline_bytes), vloc);
		return head + *inline_bytes;
	}
	plan_item(plan, size, loc);
	*inline_bytes = external ? 0 : vsize;
	if (external)
		plan_item(plan, HANNOY_VECTOR_TUPLE_SIZE(vsize), vloc);
	else
		ItemPointerSetInvalid(vloc);
	return size;
}

/*
 * Writes element pages in block order, from block 1, through shared
 * buffers (the build logs them all at the end).
 */
typedef struct PageWriter
{
	Relation	index;
	PagePlan	plan;
	BlockNumber current;
	PGAlignedBlock block;
	char	   *item;
} PageWriter;

static void
writer_init(PageWriter *w, Relation index)
{
	w->index = index;
	w->plan.blkno = HANNOY_METAPAGE_BLKNO + 1;
	w->plan.used = 0;
	w->plan.next = FirstOffsetNumber;
	w->current = InvalidBlockNumber;
	w->item = palloc(HANNOY_MAX_ITEM_SIZE);
}

static void
writer_put(PageWriter *w, ItemPointer where, const char *data, Size len)
{
	Page		page = w->block.data;

	if (ItemPointerGetBlockNumber(where) != w->current)
	{
		if (w->current != InvalidBlockNumber)
			flush_page(w->index, page);
		HannoyInitPage(page, HANNOY_PAGE_ELEMENT);
		w->current = ItemPointerGetBlockNumber(where);
	}
	if (PageAddItem(page, (Item) data, len, InvalidOffsetNumber, false, false) !=
		ItemPointerGetOffsetNumber(where))
		elog(ERROR, "hannoy: page layout of the build went wrong");
}

/*
 * Append element i, with the given vector.  Its lists become TIDs through
 * loc (every element's TID) or, without loc, stay empty for fill_lists.
 * *where gets the element's TID.
 */
static void
writer_add_element(struct PageWriter *w, BuildGraph *g, int64 i, const void *vector,
				   const ItemPointerData *loc, ItemPointer where)
{
	int			m = g->info.m;
	Size		vsize = g->info.vector_size;
	BuildElement *e = &g->elements[i];
	HannoyElementTuple tup = (HannoyElementTuple) w->item;
	ItemPointerData vloc;
	Size		inline_bytes;
	Size		size;
	int			slot = 0;

	size = plan_element(&w->plan, g, i, where, &vloc, &inline_bytes);
	memset(w->item, 0, size);
	tup->type = HANNOY_ITEM_ELEMENT;
	tup->level = e->level;
	tup->flags = inline_bytes < vsize ? HANNOY_ELEMENT_EXTERNAL : 0;
	tup->nheaptids = e->ntids;
	for (int t = 0; t < HANNOY_HEAPTIDS; t++)
	{
		if (t < e->ntids)
			tup->heaptids[t] = e->tids[t];
		else
			ItemPointerSetInvalid(&tup->heaptids[t]);
	}
	tup->vector_tid = vloc;
	for (int layer = 0; layer <= e->level; layer++)
	{
		int			slots;
		uint32	   *list = build_list(g, i, layer, &slots);

		for (int s = 0; s < slots; s++, slot++)
		{
			if (loc == NULL || list[s] == HANNOY_NO_NEIGHBOR)
				ItemPointerSetInvalid(&tup->neighbors[slot]);
			else
				tup->neighbors[slot] = loc[list[s]];
		}
	}
	memcpy(HannoyElementVector(tup, m), vector, inline_bytes);
	writer_put(w, where, w->item, size);

	if (inline_bytes < vsize)
	{
		HannoyVectorTuple vt = (HannoyVectorTuple) w->item;

		memset(vt, 0, offsetof(HannoyVectorTupleData, data));
		vt->type = HANNOY_ITEM_VECTOR;
		memcpy(vt->data, (const char *) vector + inline_bytes, vsize - inline_bytes);
		writer_put(w, &vloc, w->item, HANNOY_VECTOR_TUPLE_SIZE(vsize - inline_bytes));
	}
}

static void
writer_finish(PageWriter *w)
{
	if (w->current != InvalidBlockNumber)
		flush_page(w->index, w->block.data);
	w->current = InvalidBlockNumber;
}

/* The metapage of a built graph (block 0 must already exist or come first). */
static void
build_metapage(BuildGraph *g, Page page, const ItemPointerData *loc,
			   BlockNumber last)
{
	HannoyInitMetaPage(page, g->info.dims, g->info.m, g->info.ef_construction,
					   g->info.opclass->storage, g->info.max_level);
	if (g->entry->entry >= 0)
	{
		HannoyMetaPage mp = HannoyPageGetMeta(page);

		mp->entry = loc[g->entry->entry];
		mp->entry_level = g->entry->entry_level;
		mp->insert_page = last;
		mp->elements = g->count;
	}
}

static void
log_index(Relation index)
{
	if (RelationNeedsWAL(index))
		log_newpage_range(index, MAIN_FORKNUM, 0, RelationGetNumberOfBlocks(index), true);
}

/* Write the in-memory graph: metapage, then every element in order. */
static void
write_graph(BuildGraph *g, Relation index)
{
	ItemPointerData *loc = palloc_extended(sizeof(ItemPointerData) * Max(g->count, 1),
										   MCXT_ALLOC_HUGE);
	PagePlan	plan = {HANNOY_METAPAGE_BLKNO + 1, 0, FirstOffsetNumber};
	PGAlignedBlock meta;
	PageWriter	w;

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HANNOY_PHASE_WRITE);

	/* every element's TID first, so lists can be written as TIDs */
	for (int64 i = 0; i < g->count; i++)
	{
		ItemPointerData vloc;
		Size		inline_bytes;

		(void) plan_element(&plan, g, i, &loc[i], &vloc, &inline_bytes);
	}
	build_metapage(g, meta.data, loc, plan.blkno);
	flush_page(index, meta.data);

	writer_init(&w, index);
	for (int64 i = 0; i < g->count; i++)
	{
		ItemPointerData where;

		CHECK_FOR_INTERRUPTS();
		writer_add_element(&w, g, i, build_vector(g, i), loc, &where);
	}
	writer_finish(&w);
	log_index(index);
	pfree(loc);
}

/* --- builds larger than maintenance_work_mem --------------------------- */

/* Bytes the in-memory graph needs per element, vector included. */
static Size
element_bytes(BuildGraph *g)
{
	return sizeof(BuildElement) + g->info.vector_size + sizeof(uint32) * 2 * g->info.m;
}

/*
 * Move the vectors out of memory: every element loaded so far goes to its
 * final place on the index's pages (lists empty), and so will every one
 * loaded from now on; graph building then reads vectors through shared
 * buffers, and fill_lists writes the links at the end.
 */
static void
build_spill(BuildGraph *g, Relation index)
{
	PGAlignedBlock meta;

	ereport(NOTICE,
			(errmsg("hannoy graph does not fit in maintenance_work_mem after %d vectors",
					g->count),
			 errdetail("The vectors go to the index's pages and are read through shared buffers; only the links stay in memory, and the build is slower."),
			 errhint("Increase maintenance_work_mem to build faster.")));

	/* block 0 is the metapage: a placeholder until the graph is done */
	HannoyInitMetaPage(meta.data, g->info.dims, g->info.m, g->info.ef_construction,
					   g->info.opclass->storage, g->info.max_level);
	flush_page(index, meta.data);

	g->writer = palloc(sizeof(PageWriter));
	writer_init(g->writer, index);
	g->loc = palloc_extended(sizeof(ItemPointerData) * Max(g->capacity, 1), MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < g->count; i++)
		writer_add_element(g->writer, g, i, build_vector(g, i), NULL, &g->loc[i]);
	/* the vectors loaded so far fill the memory budget: keep them */
	g->cached = g->count;
	g->spilled = true;
	g->query_buf = palloc(g->info.vector_size);
	g->from_buf = palloc(g->info.vector_size);
	g->read_buf = palloc(g->info.vector_size);
}

/* A spilled element's vector, copied to out. */
static void
read_spilled(BuildGraph *g, int64 i, void *out)
{
	int			level;
	uint8		flags;

	if (i < g->cached)
		memcpy(out, build_vector(g, i), g->info.vector_size);
	else if (!HannoyReadVector(&g->info, HannoyRefFromTid(&g->loc[i]), out, &level, &flags))
		elog(ERROR, "hannoy: build lost element %lld", (long long) i);
}

/* Write the links of a spilled build into its pages, then the metapage. */
static void
fill_lists(BuildGraph *g, Relation index)
{
	Buffer		buf = InvalidBuffer;
	BlockNumber current = InvalidBlockNumber;
	Buffer		metabuf;

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HANNOY_PHASE_WRITE);
	for (int64 i = 0; i < g->count; i++)
	{
		BlockNumber blkno = ItemPointerGetBlockNumber(&g->loc[i]);
		HannoyElementTuple tup;
		int			slot = 0;

		CHECK_FOR_INTERRUPTS();
		if (blkno != current)
		{
			if (BufferIsValid(buf))
			{
				MarkBufferDirty(buf);
				UnlockReleaseBuffer(buf);
			}
			buf = ReadBuffer(index, blkno);
			LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
			current = blkno;
		}
		tup = HannoyGetElement(&g->info, BufferGetPage(buf), blkno,
							   ItemPointerGetOffsetNumber(&g->loc[i]));
		if (tup == NULL)
			elog(ERROR, "hannoy: build lost element %lld", (long long) i);
		for (int layer = 0; layer <= tup->level; layer++)
		{
			int			slots;
			uint32	   *list = build_list(g, i, layer, &slots);

			for (int s = 0; s < slots; s++, slot++)
			{
				if (list[s] == HANNOY_NO_NEIGHBOR)
					ItemPointerSetInvalid(&tup->neighbors[slot]);
				else
					tup->neighbors[slot] = g->loc[list[s]];
			}
		}
	}
	if (BufferIsValid(buf))
	{
		MarkBufferDirty(buf);
		UnlockReleaseBuffer(buf);
	}

	metabuf = ReadBuffer(index, HANNOY_METAPAGE_BLKNO);
	LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
	build_metapage(g, BufferGetPage(metabuf), g->loc, g->writer->plan.blkno);
	MarkBufferDirty(metabuf);
	UnlockReleaseBuffer(metabuf);
	log_index(index);
}

/* DEBUG1 line with a build phase's duration; returns now. */
static TimestampTz
report_phase(const char *phase, TimestampTz start)
{
	TimestampTz now = GetCurrentTimestamp();

	elog(DEBUG1, "hannoy build: %s took %.3f s", phase,
		 (double) (now - start) / USECS_PER_SEC);
	return now;
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
	TimestampTz phase_start;

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
	g.memory_limit = (Size) maintenance_work_mem * 1024;
	g.elements = palloc(sizeof(BuildElement));
	g.vectors = palloc(1);
	g.layer0 = palloc(sizeof(uint32));
	g.upper = palloc(sizeof(uint32));
	if (typmod > 0)
		build_set_dims(&g, typmod);

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HANNOY_PHASE_LOAD);
	phase_start = GetCurrentTimestamp();
	table_index_build_scan(heap, index, indexInfo, true, true, build_callback,
						   &g, NULL);
	phase_start = report_phase("loading", phase_start);

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HANNOY_PHASE_GRAPH);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, g.count);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, 0);
	/* a spilled graph is built by the leader alone, for now */
	nworkers = g.spilled ? 0 : build_workers(heap, g.count);
	if (nworkers > 0)
		pcxt = build_graph_parallel(&g, index, nworkers);
	if (g.spilled)
	{
		writer_finish(g.writer);
		build_graph(&g);
		phase_start = report_phase("building the graph", phase_start);
		fill_lists(&g, index);
	}
	else
	{
		if (pcxt == NULL)
			build_graph(&g);
		phase_start = report_phase("building the graph", phase_start);
		write_graph(&g, index);
	}
	report_phase("writing pages", phase_start);
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

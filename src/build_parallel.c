/*-------------------------------------------------------------------------
 *
 * build_parallel.c
 *	  The graph built by the leader and workers.
 *
 * After the load, the leader copies the graph's arrays into one DSM segment (indexes, not pointers, so every process reads the
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

#include "access/parallel.h"
#include "access/xact.h"
#include "commands/progress.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/rel.h"

#include "build.h"

PGDLLEXPORT void HannoyParallelBuildMain(dsm_segment *seg, shm_toc *toc);

/* Point g at the shared graph of a parallel build. */
static void
build_attach(BuildGraph *g, BuildShared *shared, Relation index)
{
	char	   *base = (char *) shared;

	g->info.index = index;
	/* the graph is built on the exact vectors (see build.h) */
	g->info.opclass = HannoyExactOpclass(HannoyGetOpclass(index));
	g->info.m = shared->m;
	g->info.ef_construction = shared->ef_construction;
	g->info.dims = shared->dims;
	g->info.max_level = shared->max_level;
	HannoyIndexInfoSetSizes(&g->info);
	g->count = g->capacity = shared->count;
	g->upper_used = g->upper_capacity = shared->upper_used;
	g->elements = (BuildElement *) (base + shared->elements_off);
	g->vectors = base + shared->vectors_off;
	g->vector_offsets = shared->offsets_off ? (uint64 *) (base + shared->offsets_off) : NULL;
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

	HannoySearchInit(&search, &g->info, NULL, HannoyBuildVisit, g);
	search.prefetch = HannoyBuildPrefetch;
	build_share_vectors(g, &search);
	for (;;)
	{
		uint64		i = pg_atomic_fetch_add_u64(&g->shared->next, 1);
		uint64		done;

		if (i >= (uint64) g->count)
			break;
		CHECK_FOR_INTERRUPTS();
		HannoyBuildInsert(g, &search, i, false);
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
int
HannoyBuildWorkers(Relation heap, int64 count)
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
ParallelContext *
HannoyBuildGraphParallel(BuildGraph *g, Relation index, int nworkers)
{
	ParallelContext *pcxt;
	int			m = g->info.m;
	Size		elements_sz = MAXALIGN(sizeof(BuildElement) * g->count);
	bool		varying = g->vector_offsets != NULL;
	Size		vectors_sz = MAXALIGN(varying ? Max(g->vectors_used, 1) :
									  g->info.vector_size * g->count);
	Size		offsets_sz = varying ? MAXALIGN(sizeof(uint64) * g->count) : 0;
	Size		layer0_sz = MAXALIGN(sizeof(uint32) * 2 * m * g->count);
	Size		upper_sz = MAXALIGN(sizeof(uint32) * Max(g->upper_used, 1));
	Size		locks_sz = MAXALIGN(sizeof(slock_t) * g->count);
	Size		total = MAXALIGN(sizeof(BuildShared)) + elements_sz + vectors_sz +
		offsets_sz + layer0_sz + upper_sz + locks_sz;
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
	shared->offsets_off = varying ? shared->vectors_off + vectors_sz : 0;
	shared->layer0_off = shared->vectors_off + vectors_sz + offsets_sz;
	shared->upper_off = shared->layer0_off + layer0_sz;
	shared->locks_off = shared->upper_off + upper_sz;
	SpinLockInit(&shared->entry.mutex);
	shared->entry.entry = -1;
	shared->entry.entry_level = -1;
	pg_atomic_init_u64(&shared->next, 0);
	pg_atomic_init_u64(&shared->done, 0);
	shm_toc_insert(pcxt->toc, HANNOY_SHM_KEY_BUILD, shared);

	memcpy(base + shared->elements_off, local.elements, sizeof(BuildElement) * g->count);
	if (varying)
	{
		memcpy(base + shared->vectors_off, local.vectors, g->vectors_used);
		memcpy(base + shared->offsets_off, local.vector_offsets, sizeof(uint64) * g->count);
	}
	else
		memcpy(base + shared->vectors_off, local.vectors, g->info.vector_size * g->count);
	memset(base + shared->layer0_off, 0xff, sizeof(uint32) * 2 * m * g->count);
	memset(base + shared->upper_off, 0xff, sizeof(uint32) * Max(g->upper_used, 1));
	build_attach(g, shared, index);
	for (int64 i = 0; i < g->count; i++)
		SpinLockInit(&g->locks[i]);
	pfree(local.elements);
	pfree(local.vectors);
	if (varying)
		pfree(local.vector_offsets);
	pfree(local.layer0);
	pfree(local.upper);

	/* the first elements give the workers a graph to search */
	seed = Min(g->count, HANNOY_PARALLEL_SEED);
	pg_atomic_write_u64(&shared->next, seed);
	{
		HannoySearch search;

		HannoySearchInit(&search, &g->info, NULL, HannoyBuildVisit, g);
		search.prefetch = HannoyBuildPrefetch;
		build_share_vectors(g, &search);
		for (int64 i = 0; i < seed; i++)
		{
			CHECK_FOR_INTERRUPTS();
			HannoyBuildInsert(g, &search, i, false);
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

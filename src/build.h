/*-------------------------------------------------------------------------
 *
 * build.h
 *	  What the files of the index build share: the in-memory graph
 *	  (BuildGraph), its parallel form in a DSM segment, the page writer.
 *
 *	  build.c           ambuild, ambuildempty: loading the heap's vectors
 *	  build_graph.c     inserting elements into the in-memory graph
 *	  build_parallel.c  the graph built by the leader and workers
 *	  build_write.c     laying out and writing the pages
 *	  build_spill.c     builds larger than maintenance_work_mem
 *
 * The in-memory graph holds elements by index: neighbour lists are arrays
 * of uint32 element indexes ending at the first HANNOY_NO_NEIGHBOR, laid
 * out like the on-disk lists (2m slots on layer 0, m above).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HANNOY_BUILD_H
#define HANNOY_BUILD_H

#include "postgres.h"

#include "access/parallel.h"
#include "common/pg_prng.h"
#include "port/atomics.h"
#include "storage/bufpage.h"
#include "storage/spin.h"

#include "graph.h"
#include "hannoy.h"
#include "pq.h"

#define HANNOY_NO_NEIGHBOR	PG_UINT32_MAX

typedef struct BuildElement
{
	uint8		level;
	uint8		ntids;
	uint16		attrs_size;		/* bytes of its attribute area; 0: none */
	ItemPointerData tids[HANNOY_HEAPTIDS];
	uint32		upper;			/* first upper-layer slot, if level > 0 */
	uint32		attrs;			/* where the area starts in the leader's attrs,
								 * in MAXIMUM_ALIGNOF units (areas are
								 * MAXALIGNed) */
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
	Size		offsets_off;	/* vectors of varying size: their offsets */
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

/*
 * The build keeps three things apart: the sample it trains PQ codebooks
 * on (a random subset of the loaded vectors), the vectors the graph is
 * built on (the exact vectors: info describes them, with the exact
 * opclass), and the bytes written to pages (stored describes the index as
 * written: its opclass, sizes and codebooks).  Without PQ, info and stored
 * describe the same vectors.
 */
typedef struct BuildGraph
{
	HannoyIndexInfo info;		/* the graph's vectors (exact) */
	HannoyIndexInfo stored;		/* the index as written */
	HannoyCodebook codebook;	/* PQ: trained after the load */
	BlockNumber codebook_pages; /* PQ: pages from block 1 */
	uint8	   *codes;			/* PQ: every element's code, before writing */
	bool		coded;			/* PQ past maintenance_work_mem: vectors are codes */
	const void *query_table;	/* coded: the inserted element's distance table */
	const void *prepared;		/* the inserted element's vector as a query
								 * (prepare_query; most opclasses: itself) */
	MemoryContext querycxt;		/* holds prepared until the next insert */
	float	   *decoded;		/* coded: the inserted element's code, decoded */
	Relation	heap;
	int			count;
	int			capacity;
	BuildElement *elements;
	char	   *vectors;		/* capacity x vector_size, or (vectors of
								 * varying size) vectors_used bytes */
	uint64	   *vector_offsets; /* varying size: where each vector starts */
	uint64		vectors_used;
	uint64		vectors_bytes;	/* varying size: bytes allocated */
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
	/* attribute areas of every element, one after another (leader only) */
	char	   *attrs;
	uint64		attrs_used;
	uint64		attrs_capacity;
} BuildGraph;

typedef struct PagePlan
{
	BlockNumber blkno;
	Size		used;
	OffsetNumber next;
} PagePlan;

#define PAGE_CAPACITY \
	(BLCKSZ - MAXALIGN(sizeof(HannoyPageOpaqueData)) - SizeOfPageHeaderData)

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
	char	   *code;			/* PQ: an element's code */
} PageWriter;

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
	if (g->vector_offsets)
		return g->vectors + g->vector_offsets[i];
	return g->vectors + i * g->info.vector_size;
}

/* A search over the in-memory graph reads vectors from the graph's arrays. */
static inline void
build_share_vectors(BuildGraph *g, HannoySearch *search)
{
	search->vector_arena = g->vectors;
	search->vector_offsets = g->vector_offsets;
}

/* Element i's attribute area (its attrs_size bytes), or NULL. */
static inline const char *
build_attrs(BuildGraph *g, int64 i)
{
	return g->elements[i].attrs_size > 0 ?
		g->attrs + (uint64) g->elements[i].attrs * MAXIMUM_ALIGNOF : NULL;
}

/* Whether elements a and b have the same attribute values (or none). */
static inline bool
build_same_attrs(BuildGraph *g, int64 a, int64 b)
{
	return g->elements[a].attrs_size == g->elements[b].attrs_size &&
		(g->elements[a].attrs_size == 0 ||
		 memcmp(build_attrs(g, a), build_attrs(g, b), g->elements[a].attrs_size) == 0);
}

/* build_graph.c */
extern bool HannoyBuildVisit(HannoySearch *search, HannoyRef ref, int layer,
							 float bound, HannoyCandidate *c);
extern void HannoyBuildPrefetch(HannoySearch *search, const HannoyRef *refs, int n);
extern bool HannoyBuildInsert(BuildGraph *g, HannoySearch *search, int64 i, bool fold);
extern void HannoyBuildGraph(BuildGraph *g);

/* build_parallel.c */
extern int	HannoyBuildWorkers(Relation heap, int64 count);
extern ParallelContext *HannoyBuildGraphParallel(BuildGraph *g, Relation index,
												 int nworkers);

/* build_write.c */
extern Buffer HannoyBuildNewBuffer(Relation index, ForkNumber fork);
extern void HannoyBuildFlushPage(Relation index, Page page);
extern void HannoyWriterInit(PageWriter *w, Relation index, BlockNumber first);
extern void HannoyWriterAddElement(PageWriter *w, BuildGraph *g, int64 i,
								   const void *vector, const ItemPointerData *loc,
								   ItemPointer where);
extern void HannoyWriterFinish(PageWriter *w);
extern void HannoyBuildMetapage(BuildGraph *g, Page page, const ItemPointerData *loc,
								BlockNumber last);
extern void HannoyBuildLogIndex(Relation index);
extern void HannoyBuildWritePages(BuildGraph *g, Relation index);

/* build.c */
extern void HannoyBuildTrain(BuildGraph *g);

/* build_spill.c */
extern Size HannoyBuildElementBytes(BuildGraph *g);
extern void HannoyBuildSwitchToCodes(BuildGraph *g);
extern void HannoyBuildSpill(BuildGraph *g, Relation index);
extern void HannoyBuildReadSpilled(BuildGraph *g, int64 i, void *out);
extern void HannoyBuildFillLists(BuildGraph *g, Relation index);

#endif							/* HANNOY_BUILD_H */

/*-------------------------------------------------------------------------
 *
 * graph.h
 *	  HNSW search and neighbour selection, independent of where the graph
 *	  lives.  The build runs them over its in-memory graph; insert, scan
 *	  and vacuum over index pages.  Both provide a visit callback.
 *
 * Malkov & Yashunin, "Efficient and robust approximate nearest neighbor
 * search using Hierarchical Navigable Small World graphs", TPAMI 2018:
 * HannoySearchLayer is algorithm 2, HannoySelectNeighbors algorithm 4.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HANNOY_GRAPH_H
#define HANNOY_GRAPH_H

#include "postgres.h"

#include "storage/itemptr.h"

#include "hannoy.h"

/*
 * An element reference: on disk the element's TID packed as
 * (block << 16) | offset; in memory the element's index.
 */
typedef uint64 HannoyRef;

#define HANNOY_INVALID_REF	PG_UINT64_MAX

static inline HannoyRef
HannoyRefFromTid(ItemPointer tid)
{
	return ((uint64) ItemPointerGetBlockNumberNoCheck(tid) << 16) |
		ItemPointerGetOffsetNumberNoCheck(tid);
}

static inline void
HannoyRefToTid(HannoyRef ref, ItemPointer tid)
{
	ItemPointerSet(tid, (BlockNumber) (ref >> 16), (OffsetNumber) (ref & 0xffff));
}

/*
 * The most neighbours a visit loads: a filtered scan's layer-0 visit takes
 * the lists of every layer of the element (element.c).
 */
#define HANNOY_MAX_VISIT_NEIGHBORS	HANNOY_NEIGHBOR_SLOTS(HANNOY_MAX_M, HANNOY_MAX_LEVEL_CAP)

/* A discovered element. */
typedef struct HannoyCandidate
{
	HannoyRef	ref;
	float		distance;
	bool		deleted;
	uint8		hops;			/* hops from the last admissible element (max_hops) */
	int16		nneighbors;
	int32		neighbors;		/* first of them in the neighbour arena; -1 if not loaded */
	int32		vector;			/* its slot in the vector arena; -1 if not kept */
} HannoyCandidate;

typedef struct HannoyHeap
{
	HannoyCandidate *items;
	int			count;
	int			capacity;
	bool		max_first;		/* max-heap (farthest on top) or min-heap */
} HannoyHeap;

/* Visited set: open addressing over refs, with per-element state bits. */
#define HANNOY_VISITED_QUEUED	0x01	/* in the candidate heap, or expanded */
#define HANNOY_VISITED_RETURNED	0x02	/* handed out as a result */
#define HANNOY_VISITED_CUT		0x04	/* too many hops away when found (max_hops) */

typedef struct HannoyVisited
{
	HannoyRef  *keys;
	uint8	   *state;
	uint32		mask;
	uint32		count;
} HannoyVisited;

typedef struct HannoySearch HannoySearch;

/*
 * Visit an element: set c->distance (from the search's query) and
 * c->deleted; when the distance is below bound, also load the element's
 * neighbours on layer (HannoySearchAddNeighbors) and, if the search keeps
 * vectors, its vector (HannoySearchKeepVector).  Returns false when ref
 * no longer names an element.
 */
typedef bool (*HannoyVisitFn) (HannoySearch *search, HannoyRef ref, int layer,
							   float bound, HannoyCandidate *c);

/*
 * Optional: told which elements are about to be visited, in that order,
 * so that their memory can be fetched while earlier ones are computed.
 */
typedef void (*HannoyPrefetchFn) (HannoySearch *search, const HannoyRef *refs,
								  int n);

struct HannoySearch
{
	const HannoyIndexInfo *info;	/* outlives the search */
	const HannoyOpclass *opclass;
	int			m;
	Size		vector_size;
	const void *query;			/* prepared (query_distance's) or, in the
								 * build, an element's vector */
	bool		keep_vectors;	/* insert: neighbour selection needs them */
	bool		skip_deleted;	/* never return deleted elements in results */
	bool		keep_discarded; /* iterative scans resume from them */
	int			max_hops;		/* an inadmissible element is a candidate only
								 * this many hops from an admissible one; -1:
								 * whatever its hops */
	/*
	 * While LayerRun visits an expanded candidate's neighbours: whether one
	 * that is inadmissible will be cut off (max_hops), so that the visit
	 * need not compute its distance (it takes cut_distance, the
	 * candidate's, which only orders it among parked elements).
	 */
	bool		cut_inadmissible;
	float		cut_distance;

	HannoyVisitFn visit;
	HannoyPrefetchFn prefetch;	/* may be NULL */
	void	   *visit_arg;

	HannoyRef  *neighbor_arena;
	int32		neighbors_used;
	int32		neighbors_capacity;
	/*
	 * Vectors kept: slot k at vector_arena + k * vector_size or, for vectors
	 * of varying size, at vector_arena + vector_offsets[k] (the build points
	 * both at its own arrays, a slot per element).
	 */
	char	   *vector_arena;
	uint64	   *vector_offsets;
	int32		vectors_used;
	int32		vectors_capacity;
	uint64		arena_used;		/* varying size: bytes of vector_arena in use */
	uint64		arena_capacity;

	HannoyVisited visited;
	int64		visits;			/* distinct elements whose distance was computed */
	int64		visit_limit;	/* a layer search stops at this many visits; 0: none */
	bool		stopped;		/* the last layer search stopped at visit_limit */

	/* layer search state; kept between batches of an iterative scan */
	int			layer;
	HannoyHeap	candidates;		/* min-heap: discovered, not yet expanded */
	HannoyHeap	results;		/* max-heap: the ef nearest found this batch */
	HannoyHeap	discarded;		/* min-heap: discovered, outside the results */
	bool		discarded_ordered;	/* else only appended to, not yet a heap */
};

extern void HannoySearchInit(HannoySearch *search, const HannoyIndexInfo *info,
							 const void *query, HannoyVisitFn visit, void *arg);
extern void HannoySearchReset(HannoySearch *search);
extern void HannoySearchAddNeighbors(HannoySearch *search, HannoyCandidate *c,
									 const HannoyRef *refs, int n);
extern void HannoySearchKeepVector(HannoySearch *search, HannoyCandidate *c,
								   const void *vector);
extern const void *HannoyCandidateVector(HannoySearch *search,
										 const HannoyCandidate *c);

extern bool HannoyVisitEntry(HannoySearch *search, HannoyRef ref, int layer,
							 HannoyCandidate *c);
extern HannoyCandidate HannoyGreedyDescend(HannoySearch *search,
										   HannoyCandidate entry,
										   int from_layer, int to_layer);
extern int	HannoyDescend(HannoySearch *search, HannoyCandidate entry,
						  int from_layer, int layer, int ef,
						  HannoyCandidate **entries);
extern void HannoySearchLayerStart(HannoySearch *search, HannoyCandidate *entries,
								   int nentries, int layer);
extern void HannoySearchLayerRun(HannoySearch *search, int ef);
extern bool HannoySearchLayerRefill(HannoySearch *search, int ef);
extern int	HannoySearchTakeResults(HannoySearch *search, HannoyCandidate **out);
extern int	HannoySearchTakeDiscarded(HannoySearch *search, HannoyCandidate **out);
extern void HannoySearchDiscard(HannoySearch *search, const HannoyCandidate *c, int n);

extern int	HannoySelectNeighbors(HannoySearch *search, HannoyCandidate *sorted,
								  int n, int max_neighbors, HannoyCandidate *out);

extern int	HannoyRandomLevel(int m, int max_level, double uniform);

extern void HannoyVisitedInit(HannoyVisited *v, uint32 capacity);
extern bool HannoyVisitedAdd(HannoyVisited *v, HannoyRef ref, uint8 **state);
extern uint8 *HannoyVisitedLookup(HannoyVisited *v, HannoyRef ref);

extern void HannoyHeapPush(HannoyHeap *heap, const HannoyCandidate *c);
extern HannoyCandidate HannoyHeapPop(HannoyHeap *heap);
extern int	HannoyCandidateCompare(const void *a, const void *b);

static inline const HannoyCandidate *
HannoyHeapTop(const HannoyHeap *heap)
{
	return heap->count > 0 ? &heap->items[0] : NULL;
}

#endif							/* HANNOY_GRAPH_H */

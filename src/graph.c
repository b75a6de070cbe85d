/*-------------------------------------------------------------------------
 *
 * graph.c
 *	  HNSW layer search, greedy descent and heuristic neighbour selection
 *	  over any graph that provides a visit callback (see graph.h).
 *
 * A search keeps three heaps: candidates (discovered, not yet expanded),
 * results (the ef nearest found) and, for iterative scans, discarded
 * (discovered but outside the results), from which the next batch of an
 * iterative scan is seeded.  Neighbour lists and vectors of discovered
 * elements are copied into arenas while the element's page is locked once,
 * so expanding an element later costs no second page access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "graph.h"

#define INITIAL_VISITED		1024
#define INITIAL_HEAP		64

/* --- heaps ------------------------------------------------------------- */

static inline bool
heap_before(const HannoyHeap *heap, const HannoyCandidate *a,
			const HannoyCandidate *b)
{
	if (a->distance != b->distance)
		return heap->max_first ? a->distance > b->distance : a->distance < b->distance;
	/* ties: a fixed order keeps searches deterministic */
	return heap->max_first ? a->ref > b->ref : a->ref < b->ref;
}

static void
heap_init(HannoyHeap *heap, bool max_first)
{
	heap->items = palloc(sizeof(HannoyCandidate) * INITIAL_HEAP);
	heap->count = 0;
	heap->capacity = INITIAL_HEAP;
	heap->max_first = max_first;
}

void
HannoyHeapPush(HannoyHeap *heap, const HannoyCandidate *c)
{
	int			i;

	if (heap->count == heap->capacity)
	{
		heap->capacity *= 2;
		heap->items = repalloc_huge(heap->items, sizeof(HannoyCandidate) * heap->capacity);
	}
	i = heap->count++;
	while (i > 0)
	{
		int			parent = (i - 1) / 2;

		if (!heap_before(heap, c, &heap->items[parent]))
			break;
		heap->items[i] = heap->items[parent];
		i = parent;
	}
	heap->items[i] = *c;
}

/* Put item at hole i and sift it down (below i the heap is in order). */
static void
sift_down(HannoyHeap *heap, int i, HannoyCandidate item)
{
	for (;;)
	{
		int			child = 2 * i + 1;

		if (child >= heap->count)
			break;
		if (child + 1 < heap->count &&
			heap_before(heap, &heap->items[child + 1], &heap->items[child]))
			child++;
		if (!heap_before(heap, &heap->items[child], &item))
			break;
		heap->items[i] = heap->items[child];
		i = child;
	}
	heap->items[i] = item;
}

HannoyCandidate
HannoyHeapPop(HannoyHeap *heap)
{
	HannoyCandidate top = heap->items[0];
	HannoyCandidate last = heap->items[--heap->count];

	if (heap->count > 0)
		sift_down(heap, 0, last);
	return top;
}

/* Append without ordering; heap_order makes it a heap again. */
static void
heap_append(HannoyHeap *heap, const HannoyCandidate *c)
{
	if (heap->count == heap->capacity)
	{
		heap->capacity *= 2;
		heap->items = repalloc_huge(heap->items, sizeof(HannoyCandidate) * heap->capacity);
	}
	heap->items[heap->count++] = *c;
}

/* Floyd's heap construction: O(n). */
static void
heap_order(HannoyHeap *heap)
{
	for (int i = heap->count / 2 - 1; i >= 0; i--)
		sift_down(heap, i, heap->items[i]);
}

int
HannoyCandidateCompare(const void *a, const void *b)
{
	const HannoyCandidate *x = a;
	const HannoyCandidate *y = b;

	if (x->distance != y->distance)
		return x->distance < y->distance ? -1 : 1;
	return (x->ref > y->ref) - (x->ref < y->ref);
}

/* --- visited set --------------------------------------------------------- */

void
HannoyVisitedInit(HannoyVisited *v, uint32 capacity)
{
	v->keys = palloc(sizeof(HannoyRef) * capacity);
	v->state = palloc0(capacity);
	memset(v->keys, 0xff, sizeof(HannoyRef) * capacity);	/* all invalid */
	v->mask = capacity - 1;
	v->count = 0;
}

/* MurmurHash3's 64-bit finaliser: spreads block and offset bits alike. */
static inline uint64
mix64(uint64 x)
{
	x ^= x >> 33;
	x *= UINT64CONST(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64CONST(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return x;
}

static uint32
visited_slot(const HannoyVisited *v, HannoyRef ref)
{
	uint32		i = (uint32) mix64(ref) & v->mask;

	while (v->keys[i] != HANNOY_INVALID_REF && v->keys[i] != ref)
		i = (i + 1) & v->mask;
	return i;
}

/*
 * Add ref to the visited set.  Returns true if it was new; *state points at
 * its state bits either way (valid until the next add).
 */
bool
HannoyVisitedAdd(HannoyVisited *v, HannoyRef ref, uint8 **state)
{
	uint32		i;

	if (v->count >= v->mask / 2)
	{
		HannoyVisited bigger;

		HannoyVisitedInit(&bigger, (v->mask + 1) * 2);
		for (uint32 j = 0; j <= v->mask; j++)
			if (v->keys[j] != HANNOY_INVALID_REF)
			{
				uint32		k = visited_slot(&bigger, v->keys[j]);

				bigger.keys[k] = v->keys[j];
				bigger.state[k] = v->state[j];
				bigger.count++;
			}
		pfree(v->keys);
		pfree(v->state);
		*v = bigger;
	}
	i = visited_slot(v, ref);
	*state = &v->state[i];
	if (v->keys[i] == ref)
		return false;
	v->keys[i] = ref;
	v->count++;
	return true;
}

/* The state bits of ref, or NULL if it is not in the set. */
uint8 *
HannoyVisitedLookup(HannoyVisited *v, HannoyRef ref)
{
	uint32		i = visited_slot(v, ref);

	return v->keys[i] == ref ? &v->state[i] : NULL;
}

static void
visited_clear(HannoyVisited *v)
{
	memset(v->keys, 0xff, sizeof(HannoyRef) * (v->mask + 1));
	memset(v->state, 0, v->mask + 1);
	v->count = 0;
}

/* --- search state ------------------------------------------------------- */

void
HannoySearchInit(HannoySearch *search, const HannoyIndexInfo *info,
				 const void *query, HannoyVisitFn visit, void *arg)
{
	memset(search, 0, sizeof(HannoySearch));
	search->info = info;
	search->opclass = info->opclass;
	search->m = info->m;
	search->vector_size = info->vector_size;
	search->query = query;
	search->visit = visit;
	search->visit_arg = arg;
	search->neighbors_capacity = 1024;
	search->neighbor_arena = palloc(sizeof(HannoyRef) * search->neighbors_capacity);
	search->vectors_capacity = 0;
	search->vector_arena = NULL;
	search->vector_offsets = NULL;
	search->arena_used = search->arena_capacity = 0;
	HannoyVisitedInit(&search->visited, INITIAL_VISITED);
	heap_init(&search->candidates, false);
	heap_init(&search->results, true);
	heap_init(&search->discarded, false);
	search->discarded_ordered = false;
	search->visit_limit = 0;
	search->stopped = false;
	search->max_hops = -1;
}

/* Forget everything found; keep the allocations. */
void
HannoySearchReset(HannoySearch *search)
{
	search->neighbors_used = 0;
	search->vectors_used = 0;
	search->arena_used = 0;
	search->visits = 0;
	search->candidates.count = 0;
	search->results.count = 0;
	search->discarded.count = 0;
	search->discarded_ordered = false;
	visited_clear(&search->visited);
}

void
HannoySearchAddNeighbors(HannoySearch *search, HannoyCandidate *c,
						 const HannoyRef *refs, int n)
{
	if (search->neighbors_used + n > search->neighbors_capacity)
	{
		while (search->neighbors_used + n > search->neighbors_capacity)
			search->neighbors_capacity *= 2;
		search->neighbor_arena = repalloc_huge(search->neighbor_arena,
											   sizeof(HannoyRef) * search->neighbors_capacity);
	}
	memcpy(search->neighbor_arena + search->neighbors_used, refs, sizeof(HannoyRef) * n);
	c->neighbors = search->neighbors_used;
	c->nneighbors = n;
	search->neighbors_used += n;
}

/* Keep a vector of varying size: its bytes after the others, and its offset. */
static void
keep_varying(HannoySearch *search, HannoyCandidate *c, const void *vector)
{
	Size		bytes = HannoyVectorBytes(search->info, vector);

	if (search->vectors_used == search->vectors_capacity)
	{
		search->vectors_capacity = Max(64, search->vectors_capacity * 2);
		search->vector_offsets = search->vector_offsets == NULL ?
			palloc(sizeof(uint64) * search->vectors_capacity) :
			repalloc(search->vector_offsets, sizeof(uint64) * search->vectors_capacity);
	}
	if (search->arena_used + bytes > search->arena_capacity)
	{
		Size		newcap = Max(64 * 1024, search->arena_capacity * 2);

		while (search->arena_used + bytes > newcap)
			newcap *= 2;
		search->vector_arena = search->vector_arena == NULL ?
			palloc_extended(newcap, MCXT_ALLOC_HUGE) :
			repalloc_huge(search->vector_arena, newcap);
		search->arena_capacity = newcap;
	}
	memcpy(search->vector_arena + search->arena_used, vector, bytes);
	search->vector_offsets[search->vectors_used] = search->arena_used;
	search->arena_used += TYPEALIGN(sizeof(int32), bytes);
	c->vector = search->vectors_used++;
}

void
HannoySearchKeepVector(HannoySearch *search, HannoyCandidate *c,
					   const void *vector)
{
	if (search->opclass->stored_bytes)
	{
		keep_varying(search, c, vector);
		return;
	}
	if (search->vectors_used == search->vectors_capacity)
	{
		search->vectors_capacity = Max(64, search->vectors_capacity * 2);
		if (search->vector_arena == NULL)
			search->vector_arena = palloc_extended(search->vector_size * search->vectors_capacity,
												   MCXT_ALLOC_HUGE);
		else
			search->vector_arena = repalloc_huge(search->vector_arena,
												 search->vector_size * search->vectors_capacity);
	}
	memcpy(search->vector_arena + search->vector_size * search->vectors_used,
		   vector, search->vector_size);
	c->vector = search->vectors_used++;
}

const void *
HannoyCandidateVector(HannoySearch *search, const HannoyCandidate *c)
{
	Assert(c->vector >= 0);
	if (search->vector_offsets)
		return search->vector_arena + search->vector_offsets[c->vector];
	return search->vector_arena + search->vector_size * c->vector;
}

/*
 * Visit an element: its distance, and its neighbours on layer if it is
 * nearer than bound.  search->visits counts distinct elements (what
 * hannoy.max_scan_tuples bounds): a reload -- an element found beyond the
 * bound earlier, whose neighbours are needed now -- does not count again.
 */
static inline bool
do_visit(HannoySearch *search, HannoyRef ref, int layer, float bound,
		 HannoyCandidate *c, bool reload)
{
	c->ref = ref;
	c->neighbors = -1;
	c->nneighbors = 0;
	c->vector = -1;
	c->deleted = false;
	c->hops = 0;
	if (!search->visit(search, ref, layer, bound, c))
		return false;
	if (!reload)
		search->visits++;
	return true;
}

/* Visit an entry element, loading its neighbours on layer whatever its distance. */
bool
HannoyVisitEntry(HannoySearch *search, HannoyRef ref, int layer,
				 HannoyCandidate *c)
{
	return do_visit(search, ref, layer, INFINITY, c, false);
}

/* --- layer search -------------------------------------------------------- */

/*
 * Park an element an iterative scan may return later.  Until a scan needs
 * them (the first refill), parked elements are only appended -- most
 * scans (LIMIT below ef_search) never do, and a heap push per visit cost
 * them 5% of their queries per second on Fashion-MNIST -- and are made a
 * heap once, in O(n), when first needed.
 */
static inline void
discard(HannoySearch *search, const HannoyCandidate *c)
{
	if (search->discarded_ordered)
		HannoyHeapPush(&search->discarded, c);
	else
		heap_append(&search->discarded, c);
}

static void
order_discarded(HannoySearch *search)
{
	if (!search->discarded_ordered)
	{
		heap_order(&search->discarded);
		search->discarded_ordered = true;
	}
}

static inline bool
admissible(const HannoySearch *search, const HannoyCandidate *c)
{
	return !(search->skip_deleted && c->deleted);
}

/*
 * Start a search of one layer from the given entries (their neighbour lists
 * are reloaded for this layer when expanded).
 */
void
HannoySearchLayerStart(HannoySearch *search, HannoyCandidate *entries,
					   int nentries, int layer)
{
	search->layer = layer;
	search->candidates.count = 0;
	search->results.count = 0;
	search->discarded.count = 0;
	search->discarded_ordered = false;
	visited_clear(&search->visited);

	for (int i = 0; i < nentries; i++)
	{
		HannoyCandidate c = entries[i];
		uint8	   *state;

		if (!HannoyVisitedAdd(&search->visited, c.ref, &state))
			continue;
		*state |= HANNOY_VISITED_QUEUED;
		c.neighbors = -1;
		HannoyHeapPush(&search->candidates, &c);
		if (admissible(search, &c))
			HannoyHeapPush(&search->results, &c);
	}
}

/*
 * Expand candidates until the nearest unexpanded one is farther than the
 * farthest of ef results (algorithm 2).  Can be called again after
 * HannoySearchLayerRefill to continue an iterative scan.
 */
void
HannoySearchLayerRun(HannoySearch *search, int ef)
{
	int			layer = search->layer;
	HannoyRef	fresh[HANNOY_MAX_VISIT_NEIGHBORS];
	int			nfresh;

	search->stopped = false;
	while (search->candidates.count > 0)
	{
		HannoyCandidate c = *HannoyHeapTop(&search->candidates);
		const HannoyCandidate *farthest = HannoyHeapTop(&search->results);

		if (search->visit_limit > 0 && search->visits >= search->visit_limit)
		{
			search->stopped = true;
			break;
		}

		if (farthest != NULL && search->results.count >= ef &&
			c.distance > farthest->distance)
			break;
		HannoyHeapPop(&search->candidates);

		CHECK_FOR_INTERRUPTS();

		if (c.neighbors < 0)
		{
			HannoyCandidate loaded;

			if (!do_visit(search, c.ref, layer, INFINITY, &loaded, true))
				continue;		/* removed since it was found */
			c.neighbors = loaded.neighbors;
			c.nneighbors = loaded.nneighbors;
		}

		/* the neighbours not seen yet, fetched ahead of their visits */
		nfresh = 0;
		for (int i = 0; i < c.nneighbors; i++)
		{
			HannoyRef	ref = search->neighbor_arena[c.neighbors + i];
			uint8	   *state;

			if (HannoyVisitedAdd(&search->visited, ref, &state))
				fresh[nfresh++] = ref;
			else if ((*state & HANNOY_VISITED_CUT) && c.hops < search->max_hops)
			{
				/* found again, fewer hops away: it may be a candidate now */
				*state &= ~HANNOY_VISITED_CUT;
				fresh[nfresh++] = ref;
			}
		}
		if (search->prefetch && nfresh > 0)
			search->prefetch(search, fresh, nfresh);
		search->cut_inadmissible = search->max_hops >= 0 && c.hops + 1 > search->max_hops;
		search->cut_distance = c.distance;

		for (int i = 0; i < nfresh; i++)
		{
			HannoyRef	ref = fresh[i];
			uint8	   *state;
			HannoyCandidate n;
			float		bound;

			farthest = HannoyHeapTop(&search->results);
			bound = (search->results.count < ef || farthest == NULL) ?
				INFINITY : farthest->distance;
			if (!do_visit(search, ref, layer, bound, &n, false))
				continue;
			n.hops = admissible(search, &n) ? 0 : Min(c.hops + 1, PG_UINT8_MAX);
			if (n.distance < bound && search->max_hops >= 0 && n.hops > search->max_hops)
			{
				HannoyVisitedAdd(&search->visited, ref, &state);
				*state |= HANNOY_VISITED_CUT;
			}

			if (n.distance < bound &&
				(search->max_hops < 0 || n.hops <= search->max_hops))
			{
				/* the visit may have grown the visited set: look it up again */
				HannoyVisitedAdd(&search->visited, ref, &state);
				*state |= HANNOY_VISITED_QUEUED;
				HannoyHeapPush(&search->candidates, &n);
				if (admissible(search, &n))
				{
					HannoyHeapPush(&search->results, &n);
					if (search->results.count > ef)
					{
						HannoyCandidate evicted = HannoyHeapPop(&search->results);

						if (search->keep_discarded)
							discard(search, &evicted);
					}
				}
			}
			else if (search->keep_discarded)
				discard(search, &n);	/* inadmissible ones still route */
		}
		search->cut_inadmissible = false;
	}
}

/*
 * Seed the next batch of an iterative scan: the nearest discarded elements
 * become results again (the admissible ones), and those never expanded
 * become candidates.  Inadmissible elements (deleted, or failing a scan's
 * conditions) are parked too: they lead to elements beyond them.  Returns
 * false when nothing is left to find.
 */
bool
HannoySearchLayerRefill(HannoySearch *search, int ef)
{
	order_discarded(search);
	while (search->results.count < ef && search->discarded.count > 0)
	{
		HannoyCandidate c = HannoyHeapPop(&search->discarded);
		uint8	   *state;

		if (admissible(search, &c))
			HannoyHeapPush(&search->results, &c);
		HannoyVisitedAdd(&search->visited, c.ref, &state);
		if (!(*state & HANNOY_VISITED_QUEUED))
		{
			*state |= HANNOY_VISITED_QUEUED;
			HannoyHeapPush(&search->candidates, &c);
		}
	}
	return search->results.count > 0 || search->candidates.count > 0;
}

/*
 * Give taken results back to an iterative scan's discarded elements, to be
 * considered again by its next batch (a PQ scan re-ranks only the best of
 * a batch and hands the rest back).
 */
void
HannoySearchDiscard(HannoySearch *search, const HannoyCandidate *c, int n)
{
	for (int i = 0; i < n; i++)
		discard(search, &c[i]);
}

/*
 * Move the results out, nearest first, into a palloc'd array; returns how
 * many.  The results heap is left empty.
 */
int
HannoySearchTakeResults(HannoySearch *search, HannoyCandidate **out)
{
	int			n = search->results.count;
	HannoyCandidate *sorted = palloc(sizeof(HannoyCandidate) * Max(n, 1));

	for (int i = n - 1; i >= 0; i--)
		sorted[i] = HannoyHeapPop(&search->results);
	*out = sorted;
	return n;
}

/*
 * Move what an iterative scan found but has not returned (the admissible
 * discarded elements) out, nearest first, into a palloc'd array; returns
 * how many.  The discarded heap is left empty.
 */
int
HannoySearchTakeDiscarded(HannoySearch *search, HannoyCandidate **out)
{
	HannoyCandidate *sorted = palloc(sizeof(HannoyCandidate) * Max(search->discarded.count, 1));
	int			n = 0;

	order_discarded(search);
	while (search->discarded.count > 0)
	{
		HannoyCandidate c = HannoyHeapPop(&search->discarded);

		if (admissible(search, &c))
			sorted[n++] = c;
	}
	*out = sorted;
	return n;
}

/* Greedy search (ef = 1) from from_layer down to just above to_layer. */
HannoyCandidate
HannoyGreedyDescend(HannoySearch *search, HannoyCandidate entry, int from_layer,
				   int to_layer)
{
	bool		saved = search->skip_deleted;

	/* deleted elements still route the descent */
	search->skip_deleted = false;
	for (int layer = from_layer; layer > to_layer; layer--)
	{
		HannoyCandidate *best;

		HannoySearchLayerStart(search, &entry, 1, layer);
		HannoySearchLayerRun(search, 1);
		if (HannoySearchTakeResults(search, &best) > 0)
			entry = best[0];
		pfree(best);
	}
	search->skip_deleted = saved;
	return entry;
}

/*
 * Descend from the entry point to `layer`: greedily down to layer + 1, then
 * a beam of width ef on layer + 1, whose results are returned (palloc'd,
 * nearest first) as the entries for `layer`.  One greedy path can end in
 * the wrong region of the graph; the many ends of a beam rarely all do.
 */
int
HannoyDescend(HannoySearch *search, HannoyCandidate entry, int from_layer,
			  int layer, int ef, HannoyCandidate **entries)
{
	bool		saved = search->skip_deleted;
	int			n;

	if (from_layer <= layer)
	{
		*entries = palloc(sizeof(HannoyCandidate));
		(*entries)[0] = entry;
		return 1;
	}
	entry = HannoyGreedyDescend(search, entry, from_layer, layer + 1);
	/* deleted elements still route the descent */
	search->skip_deleted = false;
	HannoySearchLayerStart(search, &entry, 1, layer + 1);
	HannoySearchLayerRun(search, ef);
	n = HannoySearchTakeResults(search, entries);
	search->skip_deleted = saved;
	if (n == 0)
	{
		(*entries)[0] = entry;
		n = 1;
	}
	return n;
}

/*
 * Heuristic neighbour selection (algorithm 4, without extending the
 * candidates): walk the candidates nearest first and keep one only if it is
 * nearer to the query than to every one kept so far, which spreads the
 * links in all directions.  With no more candidates than places, keep them
 * all.  Deleted candidates are never kept.  Needs the candidates' vectors.
 */
int
HannoySelectNeighbors(HannoySearch *search, HannoyCandidate *sorted, int n,
					  int max_neighbors, HannoyCandidate *out)
{
	int			kept = 0;
	int			live = 0;

	for (int i = 0; i < n; i++)
		if (!sorted[i].deleted)
			live++;

	for (int i = 0; i < n && kept < max_neighbors; i++)
	{
		const HannoyCandidate *c = &sorted[i];
		bool		good = true;

		if (c->deleted)
			continue;
		if (live > max_neighbors)
		{
			const void *cv = HannoyCandidateVector(search, c);

			for (int j = 0; j < kept; j++)
			{
				float		d = search->opclass->element_distance(search->info, cv,
																  HannoyCandidateVector(search, &out[j]));

				if (d < c->distance)
				{
					good = false;
					break;
				}
			}
		}
		if (good)
			out[kept++] = *c;
	}

	/*
	 * The heuristic alone can leave a list with a handful of links, and a
	 * region reached through few links is easy to miss.  Top the list up
	 * to half its places with the nearest candidates it passed over.
	 */
	for (int i = 0; i < n && kept < max_neighbors / 2; i++)
	{
		bool		taken = sorted[i].deleted;

		for (int j = 0; j < kept && !taken; j++)
			taken = out[j].ref == sorted[i].ref;
		if (!taken)
			out[kept++] = sorted[i];
	}
	qsort(out, kept, sizeof(HannoyCandidate), HannoyCandidateCompare);
	return kept;
}

/* floor(-ln(u) / ln(m)): P(level >= l) = m^-l, capped. */
int
HannoyRandomLevel(int m, int max_level, double uniform)
{
	double		level = -log(Max(uniform, 1e-300)) / log((double) m);

	return (int) Min(floor(level), (double) max_level);
}

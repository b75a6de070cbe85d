/*-------------------------------------------------------------------------
 *
 * build_graph.c
 *	  Inserting elements into the in-memory graph of a build: graph.c
 *	  searches it through HannoyBuildVisit, and lists are linked and
 *	  re-selected here, under per-element spinlocks in a parallel build.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "commands/progress.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/memutils.h"

#include "build.h"
#include "element.h"

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

	BuildGraph *g = a->search->visit_arg;

	a->c->distance = a->search->opclass->query_distance(a->search->info, g->prepared, vector);
	if (a->c->distance < a->bound)
		HannoySearchKeepVector(a->search, a->c, vector);
}

/*
 * graph.c's prefetch callback for the in-memory graph: start fetching the
 * coming visits' vectors (and layer-0 lists) while earlier ones compute.
 */
void
HannoyBuildPrefetch(HannoySearch *search, const HannoyRef *refs, int n)
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
bool
HannoyBuildVisit(HannoySearch *search, HannoyRef ref, int layer, float bound,
			HannoyCandidate *c)
{
	BuildGraph *g = search->visit_arg;

	if (g->coded)
	{
		/* the inserted element's table against a code: decoded vs decoded */
		c->distance = search->opclass->query_distance(search->info, g->query_table,
													  build_vector(g, ref));
		c->vector = (int32) ref;
	}
	else if (!g->spilled)
	{
		c->distance = search->opclass->query_distance(search->info, g->prepared,
													  build_vector(g, ref));
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
		HannoyBuildReadSpilled(g, from, g->from_buf);
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
				HannoyBuildReadSpilled(g, id, g->read_buf);
				HannoySearchKeepVector(search, &cand[i], g->read_buf);
			}
			else
				cand[i].vector = (int32) id;
			cand[i].distance = g->info.opclass->element_distance(&g->info, fromvec,
																 HannoyCandidateVector(search, &cand[i]));
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
 * Which of the found elements element i (vector) can be folded into: one
 * holding the very same vector and attribute values, with a free heap TID
 * slot; -1 if none.  Every one found is looked at, not only the nearest:
 * equal vectors are equally near, and the nearest may be full.
 */
static int
fold_target(BuildGraph *g, const HannoyCandidate *found, int nfound, int64 i,
			const void *vector)
{
	for (int j = 0; j < nfound; j++)
	{
		int64		r = found[j].ref;

		if (g->elements[r].ntids < HANNOY_HEAPTIDS && build_same_attrs(g, r, i) &&
			HannoySameVector(&g->info, build_vector(g, r), vector))
			return j;
	}
	return -1;
}

/*
 * Insert element i (already loaded) into the in-memory graph.  With fold,
 * when an element found on the first layer searched holds the very same
 * vector and the same attribute values and has a free heap TID slot
 * (fold_target), i is folded into it instead; returns false then.  The
 * build folds every copy it loads before the graph (build.c,
 * build_fold_copies), so this finds something only in a graph built on
 * PQ codes past maintenance_work_mem, where the load does not fold and
 * equal codes share an element (each heap TID is re-ranked on its own).
 */
bool
HannoyBuildInsert(BuildGraph *g, HannoySearch *search, int64 i, bool fold)
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
		HannoyBuildReadSpilled(g, i, g->query_buf);
		search->query = g->query_buf;
	}
	else
		search->query = build_vector(g, i);
	/* the graph's distances to it: as a query (sparse vectors scatter it) */
	if (g->querycxt == NULL)
		g->querycxt = AllocSetContextCreate(CurrentMemoryContext, "hannoy build query",
											ALLOCSET_DEFAULT_SIZES);
	MemoryContextReset(g->querycxt);
	if (!g->coded)
	{
		MemoryContext old = MemoryContextSwitchTo(g->querycxt);

		g->prepared = g->info.opclass->prepare_query(&g->info, search->query);
		MemoryContextSwitchTo(old);
	}
	if (g->coded)
	{
		/*
		 * Distances to codes through the element's decoded table (pq_m
		 * lookups each) rather than decoding both codes: the same values.
		 */
		if (g->query_table)
			pfree((void *) g->query_table);
		HannoyPqDecode(g->info.codebook, search->query, g->decoded);
		g->query_table = g->info.opclass->prepare_query(&g->info, g->decoded);
	}
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

		if (fold && layer == top)
		{
			int			j = fold_target(g, found, nfound, i, search->query);

			if (j >= 0)
			{
				BuildElement *dup = &g->elements[found[j].ref];

				dup->tids[dup->ntids++] = e->tids[0];
				pfree(found);
				return false;
			}
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

void
HannoyBuildGraph(BuildGraph *g)
{
	HannoySearch search;
	int64		kept = 0;

	HannoySearchInit(&search, &g->info, NULL, HannoyBuildVisit, g);
	search.prefetch = HannoyBuildPrefetch;
	/* in memory, the search's vector arena is the graph's vector array */
	if (!g->spilled)
		build_share_vectors(g, &search);
	search.skip_deleted = false;

	for (int64 i = 0; i < g->count; i++)
	{
		CHECK_FOR_INTERRUPTS();

		/* folded duplicates leave gaps: close them as we go */
		if (kept != i)
		{
			g->elements[kept] = g->elements[i];
			if (g->vector_offsets)
				g->vector_offsets[kept] = g->vector_offsets[i];
			else
				memcpy(build_vector(g, kept), build_vector(g, i), g->info.vector_size);
		}
		/* spilled elements already have their items: no folding */
		if (!HannoyBuildInsert(g, &search, kept, !g->spilled))
			continue;
		kept++;
		if (kept % 1000 == 0)
			pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, kept);
	}
	g->count = kept;
}

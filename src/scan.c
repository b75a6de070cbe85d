/*-------------------------------------------------------------------------
 *
 * scan.c
 *	  Ordered index scans: ORDER BY column <op> query [LIMIT k].
 *
 * The first amgettuple descends the upper layers greedily from the entry
 * point and runs an ef_search beam on layer 0; rows then come out nearest
 * first.  With hannoy.iterative_scan on, running out of results resumes
 * the search from the candidates it discarded (graph.c), batch after
 * batch, until hannoy.max_scan_tuples elements have been visited.
 * relaxed_order hands out each batch in order; strict_order drops the rows
 * of a later batch that are nearer than one already returned.
 *
 * The executor checks heap visibility; deleted elements (awaiting vacuum)
 * still route the search but are never returned.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/relscan.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "attrs.h"
#include "element.h"
#include "hannoy.h"
#include "rerank.h"
#include "value_sets.h"

typedef struct HannoyScanOpaqueData
{
	MemoryContext cxt;			/* reset by each rescan */
	HannoyIndexInfo info;
	HannoySearch search;
	HannoyDiskReader reader;	/* the search's visit_arg */
	HannoyFilter filter;		/* conditions on attribute columns */
	bool		started;
	bool		done;			/* nothing more to return */
	bool		out_of_budget;	/* the last batch (what was found) is out */
	bool		exact;			/* the batch holds every match (search_exact) */
	void	   *query;			/* encoded (exact) query */

	HannoyCandidate *batch;		/* results of the current batch, nearest first */
	int			nbatch;
	int			next;
	ItemPointerData tids[HANNOY_HEAPTIDS];	/* heap TIDs of the current element */
	int			ntids;
	int			nexttid;
	float		last_distance;
	BlockNumber heap_nblocks;	/* the table's size when last looked at */

	int			ef;				/* the candidate list (HannoyScanListSize) */

	/* PQ with hannoy.rerank: each batch's best rows in exact order */
	bool		rerank;
	HannoyReranker reranker;
	HannoyRankedRow *rows;
	int			nrows;
	int			nextrow;
} HannoyScanOpaqueData;

typedef HannoyScanOpaqueData *HannoyScanOpaque;

static void rerank_batch(IndexScanDesc scan, HannoyScanOpaque so);
static bool search_graph(HannoyScanOpaque so, HannoyMetaPageData meta);

IndexScanDesc
hannoybeginscan(Relation index, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	HannoyScanOpaque so = palloc0(sizeof(HannoyScanOpaqueData));

	so->cxt = AllocSetContextCreate(CurrentMemoryContext, "hannoy scan",
									ALLOCSET_DEFAULT_SIZES);
	scan->opaque = so;
	return scan;
}

void
hannoyrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys,
			 int norderbys)
{
	HannoyScanOpaque so = scan->opaque;

	if (keys && scan->numberOfKeys > 0)
		memmove(scan->keyData, keys, scan->numberOfKeys * sizeof(ScanKeyData));
	if (orderbys && scan->numberOfOrderBys > 0)
		memmove(scan->orderByData, orderbys, scan->numberOfOrderBys * sizeof(ScanKeyData));
	HannoyRerankerEnd(&so->reranker);	/* it holds buffer pins */
	MemoryContextReset(so->cxt);
	so->started = false;
	so->rerank = false;
	so->rows = NULL;
	so->nrows = so->nextrow = 0;
	so->done = false;
	so->out_of_budget = false;
	so->exact = false;
	so->batch = NULL;
	so->nbatch = so->next = 0;
	so->ntids = so->nexttid = 0;
}

/* Encode the ORDER BY argument; a NULL query orders by the zero vector. */
static bool
encode_query(IndexScanDesc scan, HannoyScanOpaque so)
{
	HannoyIndexInfo *info = &so->info;
	ScanKey		key = &scan->orderByData[0];

	so->query = palloc0(info->exact_size);
	if (scan->numberOfOrderBys == 0 || (key->sk_flags & SK_ISNULL))
		return true;
	else
	{
		Datum		value = PointerGetDatum(PG_DETOAST_DATUM(key->sk_argument));
		int			dims = info->opclass->dims(value);

		if (dims != info->dims)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("expected %d dimensions, not %d", info->dims, dims)));
		/* a query that cannot be encoded (zero under cosine) stays zero */
		if (!info->opclass->encode(value, dims, so->query))
			memset(so->query, 0, info->exact_size);
		return true;
	}
}

/*
 * The candidate list a scan keeps: hannoy.ef_search, and for a PQ scan
 * that re-ranks, at least hannoy.rerank, so that every row given its exact
 * distance comes out of the search.  Re-ranking the best 40 of a list of
 * 40 code distances left the hard set (bench/, 100000 x 768, pq_m 96) at
 * recall 0.787 whatever hannoy.rerank; a list of 100 re-ranked gave 0.954
 * at 818 queries a second, against fp32's 0.932 at 678 at its default
 * ef_search 40 (a longer list of codes is cheap to keep).
 */
int
HannoyScanListSize(bool pq_rerank)
{
	return pq_rerank ? Max(hannoy_ef_search, hannoy_rerank) : hannoy_ef_search;
}

/*
 * A layer-0 search that visits more than this many elements has wandered
 * (see search_layer0).  Measured per query (200 queries, width-1 descent):
 * on Fashion-MNIST a layer-0 search visits 12 x ef_search elements at
 * the median and 15 x at the 90th percentile (ef 25); on the hard
 * clustered set (bench/), queries that found none of their neighbours
 * visited 27-35 x, those that found them 8-12 x.
 */
#define WANDER_VISITS(ef)	(16 * (int64) (ef) + 256)

/*
 * Search layer 0 from the entry point: a greedy descent (beam width 1) to
 * layer 1, then the ef_search beam on layer 0.  The greedy path ends in
 * a local minimum; on data whose clusters lie in different subspaces that
 * can be the centre of the wrong cluster, and the layer-0 search then
 * wanders without finding the query's region.  When it has visited
 * WANDER_VISITS without converging, the descent is widened -- a beam of
 * ef_search on layer 1, whose many ends rarely all miss -- and layer 0 is
 * searched again from its results and what the first search found.
 *
 * Measured (bench/, 60000 x 768 hard set, m 16, ef_construction 64):
 * recall@10 at ef 40/100/200 went from 0.675/0.869/0.956 to
 * 0.966/0.994/0.996; a layer-1 beam for every query gave 0.919/0.986/0.996
 * but cost Fashion-MNIST's queries 25% more buffer accesses, while the
 * widened search costs them nothing measurable (ef 10/25/40: within 1%,
 * interleaved runs), as almost no query there wanders.
 */
static void
search_layer0(HannoyScanOpaque so, HannoyCandidate entry, int entry_level)
{
	HannoySearch *search = &so->search;
	HannoyCandidate *entries;
	int			nentries = HannoyDescend(search, entry, entry_level, 0, 1, &entries);

	HannoySearchLayerStart(search, entries, nentries, 0);
	search->visit_limit = search->visits + WANDER_VISITS(so->ef);
	HannoySearchLayerRun(search, so->ef);
	search->visit_limit = 0;
	if (search->stopped)
	{
		HannoyCandidate *found;
		int			nfound = HannoySearchTakeResults(search, &found);
		HannoyCandidate *wide;
		int			nwide = HannoyDescend(search, entry, entry_level, 0,
										  so->ef, &wide);
		HannoyCandidate *all = palloc(sizeof(HannoyCandidate) * (nfound + nwide));

		memcpy(all, wide, sizeof(HannoyCandidate) * nwide);
		memcpy(all + nwide, found, sizeof(HannoyCandidate) * nfound);
		HannoySearchLayerStart(search, all, nfound + nwide, 0);
		HannoySearchLayerRun(search, so->ef);
	}
}

/*
 * A scan with conditions on attributes (src/README.filters).  Elements
 * that fail them route the walk but are never results, so a plain walk
 * visits elements until ef_search of them meet the conditions.  Where the
 * elements that meet them lie away from the query (a filter correlated
 * with the vectors: another category's cluster), a walk from the query's
 * region explores all of that region first, every element of it being
 * nearer than any match.
 *
 * So the walk starts from two kinds of entries.  The near ones: a beam of
 * ef_search on layer 1 (as search_layer0's widened descent), the query's
 * region whatever the conditions.  When none of them matches, seeds as
 * well (filtered_seeds): elements that match, found on a small upper
 * layer (FILTER_SEED_LAYER, about 1/m^2 of the elements) by a walk of at
 * most FILTER_SEED_VISITS visits, then on layer 1.  Layer 0 is then
 * walked with graph.c's max_hops: a failing element is a candidate only
 * one hop from a matching one (ACORN-1's rule) when the walk has seeds,
 * or two hops when it has none (matches lie around the query, among
 * failing elements) or matches are sparse (under FILTER_SPARSE_SHARE of
 * those checked up there); when they are plentiful (FILTER_PLAIN_SHARE of
 * the near elements), the plain walk.  A failing element past max_hops costs no distance (graph.h,
 * cut_inadmissible).  With seeds, a failing near element counts as
 * max_hops away, so the walk does not explore the query's region, where
 * nothing matched.  The first batch stops at hannoy.max_scan_tuples
 * visits: a condition nothing meets would otherwise walk the whole graph.
 *
 * Measured (bench/filters.py, 200 queries, ef_search 40, recall@10 and
 * median ms), in bench/diary-filters.md: on Fashion-MNIST with a label
 * correlated with the class, the plain walk took 6.6 ms at a 10% filter
 * (0.35 ms unfiltered); on the hard set with a tenant independent of the
 * vectors, seeds alone (no near entries) gave recall 0.62 at 10%, near
 * entries with one hop 0.897 at 1.3 ms, with two hops 0.960 at 1.9 ms
 * (1.04 ms unfiltered).
 */
#define FILTER_SEED_LAYER	2
#define FILTER_SEED_VISITS(ef)	(8 * (int64) (ef))
#define FILTER_PLAIN_SHARE	0.3
#define FILTER_SPARSE_SHARE	0.05

/*
 * Elements that meet the conditions, found from the top: a walk of layer
 * FILTER_SEED_LAYER (or the entry's, if lower), then walks of the layers
 * below down to layer 1 that keep near the matching ones (max_hops as
 * their share up there says).  Returns how many (*seeds, palloc'd) and
 * in *share the share of the elements checked up there that matched.
 */
static int
filtered_seeds(HannoyScanOpaque so, HannoyCandidate entry, int entry_level,
			   HannoyCandidate **seeds, double *share)
{
	HannoySearch *search = &so->search;
	int			layer = Min(entry_level, FILTER_SEED_LAYER);
	HannoyCandidate start = HannoyGreedyDescend(search, entry, entry_level, layer);
	int64		checked = so->filter.checked;
	int64		matched = so->filter.matched;
	int			n;

	HannoySearchLayerStart(search, &start, 1, layer);
	search->visit_limit = search->visits + FILTER_SEED_VISITS(so->ef);
	HannoySearchLayerRun(search, so->ef);
	n = HannoySearchTakeResults(search, seeds);
	*share = (double) (so->filter.matched - matched) /
		Max(so->filter.checked - checked, 1);
	search->max_hops = *share < FILTER_SPARSE_SHARE ? 2 : 1;
	for (layer--; n > 0 && layer > 0; layer--)
	{
		HannoyCandidate *found;

		HannoySearchLayerStart(search, *seeds, n, layer);
		search->visit_limit = search->visits + FILTER_SEED_VISITS(so->ef);
		HannoySearchLayerRun(search, so->ef);
		pfree(*seeds);
		n = HannoySearchTakeResults(search, &found);
		*seeds = found;
	}
	search->visit_limit = 0;
	search->max_hops = -1;
	return n;
}

static void
search_filtered(HannoyScanOpaque so, HannoyCandidate entry, int entry_level)
{
	HannoySearch *search = &so->search;
	HannoyCandidate *near;
	int			nnear = HannoyDescend(search, entry, entry_level, 0, so->ef, &near);
	HannoyCandidate *seeds = NULL;
	int			nseeds = 0;
	int			matching = 0;
	double		share;
	HannoyCandidate *entries;

	for (int i = 0; i < nnear; i++)
		matching += !near[i].deleted;
	share = (double) matching / nnear;
	if (matching == 0 && entry_level > 0)
	{
		nseeds = filtered_seeds(so, entry, entry_level, &seeds, &share);
		if (nseeds == 0)
			share = 1.0;		/* nothing to keep near: the plain walk */
	}
	search->max_hops = share >= FILTER_PLAIN_SHARE ? -1 :
		(share < FILTER_SPARSE_SHARE || nseeds == 0) ? 2 : 1;

	/*
	 * The seeds match.  With matches near the query, the walk goes on from
	 * every near element; with none (the seeds are elsewhere), a near
	 * element that fails counts as max_hops from a matching one, so that
	 * the walk does not explore the query's region, where nothing matches.
	 */
	entries = palloc(sizeof(HannoyCandidate) * (nseeds + nnear));
	for (int i = 0; i < nseeds; i++)
	{
		entries[i] = seeds[i];
		entries[i].hops = 0;
	}
	for (int i = 0; i < nnear; i++)
	{
		entries[nseeds + i] = near[i];
		entries[nseeds + i].hops = near[i].deleted && matching == 0 ?
			Max(search->max_hops, 0) : 0;
	}
	HannoySearchLayerStart(search, entries, nseeds + nnear, 0);
	search->visit_limit = Max(hannoy_max_scan_tuples, search->visits + so->ef);
	HannoySearchLayerRun(search, so->ef);
	search->visit_limit = 0;
}

static int
compare_candidates(const void *a, const void *b)
{
	const HannoyCandidate *x = a;
	const HannoyCandidate *y = b;

	if (x->distance != y->distance)
		return x->distance < y->distance ? -1 : 1;
	return (x->ref > y->ref) - (x->ref < y->ref);
}

static int
compare_refs(const void *a, const void *b)
{
	HannoyRef	x = *(const HannoyRef *) a;
	HannoyRef	y = *(const HannoyRef *) b;

	return (x > y) - (x < y);
}

/*
 * The exact path of a filtered scan (src/README.filters): when a condition
 * names values few elements hold (hannoy.exact_filter_limit), the value
 * sets give those elements; each is checked against every condition, and
 * the ones that meet them all make one batch, in exact distance order:
 * every match, so no batch follows.  A condition no element's value meets
 * ends the scan here, having read a page or two.  False when the value
 * sets cannot answer (no such condition, or too many elements).
 *
 * Measured (IN lists of n labels, 200 queries, ef_search 40, median):
 * checking 570 / 1180 / 1790 / 2980 elements took 0.34 / 0.67 / 1.1 /
 * 2.6 ms on Fashion-MNIST (784-d), where the walk took 3-3.7 ms at recall
 * 0.99; on the hard set (768-d) 960 / 1970 / 2920 / 5040 elements took
 * 0.39 / 0.85 / 1.4 / 3.6 ms, the walk 6.3 / 7.8 / 5.0 / 4.5 ms at recall
 * 0.69 / 0.76 / 0.77 / 0.95.  Hence hannoy.exact_filter_limit's 3000.
 * Prefetching EXACT_PREFETCH elements ahead took 2920 elements from 1.7
 * to 1.4 ms.
 */
#define EXACT_PREFETCH	16

static bool
search_exact(HannoyScanOpaque so)
{
	HannoySearch *search = &so->search;
	HannoyRef  *refs;
	int			n = HannoyValueSetsFind(&so->info, &so->filter, hannoy_exact_filter_limit,
									&refs);
	int			distinct = 0;

	if (n < 0)
		return false;
	so->exact = true;
	so->batch = palloc(sizeof(HannoyCandidate) * Max(n, 1));
	so->nbatch = 0;
	if (n > 0)
		qsort(refs, n, sizeof(HannoyRef), compare_refs);
	for (int i = 0; i < n; i++)
		if (distinct == 0 || refs[distinct - 1] != refs[i])
			refs[distinct++] = refs[i];

	/* a failing element is told apart without its distance (graph.h) */
	search->cut_inadmissible = true;
	search->cut_distance = INFINITY;
	for (int i = 0; i < distinct; i++)
	{
		HannoyCandidate c;

		CHECK_FOR_INTERRUPTS();
		if (i % EXACT_PREFETCH == 0 && search->prefetch != NULL)
			search->prefetch(search, refs + i, Min(EXACT_PREFETCH, distinct - i));
		memset(&c, 0, sizeof(c));
		c.ref = refs[i];
		c.neighbors = -1;
		c.vector = -1;
		/* a bound below every distance: no neighbour is read */
		if (search->visit(search, refs[i], 0, -INFINITY, &c) && !c.deleted)
			so->batch[so->nbatch++] = c;
	}
	search->cut_inadmissible = false;
	search->visits += distinct;
	if (so->nbatch > 1)
		qsort(so->batch, so->nbatch, sizeof(HannoyCandidate), compare_candidates);
	return true;
}

static void
start_search(IndexScanDesc scan, HannoyScanOpaque so)
{
	HannoyMetaPageData meta;

	HannoyInitIndexInfo(&so->info, scan->indexRelation);
	meta = HannoyReadMeta(scan->indexRelation);
	HannoyIndexInfoFromMeta(&so->info, &meta);
	if (so->info.dims == 0 || !ItemPointerIsValid(&meta.entry))
	{
		so->done = true;
		return;
	}
	if (!HannoyFilterInit(&so->filter, so->info.attrs, scan->keyData, scan->numberOfKeys))
	{
		so->done = true;		/* a condition nothing meets */
		return;
	}
	encode_query(scan, so);
	so->rerank = so->info.pq_m > 0 && hannoy_rerank > 0 && scan->heapRelation != NULL;
	so->ef = HannoyScanListSize(so->rerank);

	HannoyDiskReaderInit(&so->reader, &so->info);
	if (so->filter.nkeys > 0)
		so->reader.filter = &so->filter;
	HannoySearchInit(&so->search, &so->info,
					 so->info.opclass->prepare_query(&so->info, so->query),
					 HannoyDiskVisit, &so->reader);
	so->search.prefetch = HannoyDiskPrefetch;
	so->search.skip_deleted = true;
	so->search.keep_discarded = hannoy_iterative_scan != HANNOY_ITERATIVE_OFF;

	if (so->reader.filter == NULL || !search_exact(so))
	{
		if (!search_graph(so, meta))
		{
			so->done = true;
			return;
		}
		so->nbatch = HannoySearchTakeResults(&so->search, &so->batch);
	}
	so->next = 0;
	so->last_distance = -INFINITY;
	if (so->rerank)
	{
		HannoyRerankerBegin(&so->reranker, scan, &so->info);
		rerank_batch(scan, so);
	}
}

/* The first batch's walk from the entry point; false if the index is empty. */
static bool
search_graph(HannoyScanOpaque so, HannoyMetaPageData meta)
{
	HannoyCandidate entry;

	if (!HannoyVisitEntry(&so->search, HannoyRefFromTid(&meta.entry), meta.entry_level, &entry))
	{
		/* vacuum moved the entry point since we read it: read it again */
		meta = HannoyReadMeta(so->info.index);
		if (!ItemPointerIsValid(&meta.entry) ||
			!HannoyVisitEntry(&so->search, HannoyRefFromTid(&meta.entry),
							  meta.entry_level, &entry))
			return false;
	}
	if (so->reader.filter != NULL)
		search_filtered(so, entry, meta.entry_level);
	else
		search_layer0(so, entry, meta.entry_level);
	return true;
}

/*
 * The heap TIDs an element gives the executor point into the table: a
 * corrupted one would otherwise make the heap fetch read past the table's
 * end.  The table's size is looked up again only when a TID seems to be
 * past it.
 */
static void
check_heap_tids(IndexScanDesc scan, HannoyScanOpaque so, HannoyRef ref)
{
	Relation	heap = scan->heapRelation;

	for (int i = 0; i < so->ntids && heap != NULL; i++)
	{
		BlockNumber blkno = ItemPointerGetBlockNumberNoCheck(&so->tids[i]);
		OffsetNumber off = ItemPointerGetOffsetNumberNoCheck(&so->tids[i]);

		if (blkno >= so->heap_nblocks && blkno != InvalidBlockNumber)
			so->heap_nblocks = RelationGetNumberOfBlocks(heap);
		if (blkno >= so->heap_nblocks || off < FirstOffsetNumber ||
			off > MaxHeapTuplesPerPage)
			ereport(ERROR,
					(errcode(ERRCODE_INDEX_CORRUPTED),
					 errmsg("index \"%s\" has an element with heap TID (%u,%u), which is not in table \"%s\"",
							RelationGetRelationName(scan->indexRelation), blkno, off,
							RelationGetRelationName(heap)),
					 errdetail("The element is at (%u,%u).", (BlockNumber) (ref >> 16),
							   (OffsetNumber) (ref & 0xffff)),
					 errhint("REINDEX the index.")));
	}
}

/*
 * Whether an iterative scan has used the memory it may: its visited set,
 * heaps and copied neighbour lists grow with every element it visits.
 */
static bool
scan_memory_exceeded(HannoyScanOpaque so)
{
	double		limit = hannoy_scan_mem_multiplier * work_mem * 1024.0;
	Size		used = MemoryContextMemAllocated(so->cxt, true);

	if (used <= limit)
		return false;
	ereport(NOTICE,
			(errmsg("hannoy index scan stopped: it used the memory hannoy.scan_mem_multiplier x work_mem allows"),
			 errdetail("It visited %lld elements and used %zu kB; the limit is %.0f kB.",
					   (long long) so->search.visits, used / 1024, limit / 1024),
			 errhint("Increase hannoy.scan_mem_multiplier or work_mem to let scans go further.")));
	return true;
}

/*
 * PQ: replace the batch's best hannoy.rerank elements by their heap rows
 * in exact distance order (rerank.c); the rest of the batch goes back to
 * the search, for the next batch of an iterative scan to consider again.
 */
static void
rerank_batch(IndexScanDesc scan, HannoyScanOpaque so)
{
	/* the exact path's batch is every match: each gets its exact distance */
	int			n = so->exact ? so->nbatch : Min(so->nbatch, hannoy_rerank);

	so->rows = palloc(sizeof(HannoyRankedRow) * Max(n * HANNOY_HEAPTIDS, 1));
	so->nrows = 0;
	so->nextrow = 0;
	for (int i = 0; i < n; i++)
	{
		HannoyCandidate *c = &so->batch[i];

		CHECK_FOR_INTERRUPTS();
		so->ntids = HannoyReadHeapTids(&so->info, c->ref, so->tids);
		check_heap_tids(scan, so, c->ref);
		for (int t = 0; t < so->ntids; t++)
		{
			HannoyRankedRow *row = &so->rows[so->nrows];

			if (HannoyRerankRow(&so->reranker, scan, &so->info, so->query,
								&so->tids[t], &row->distance))
			{
				row->tid = so->tids[t];
				so->nrows++;
			}
		}
	}
	so->ntids = so->nexttid = 0;
	qsort(so->rows, so->nrows, sizeof(HannoyRankedRow), HannoyRankedRowCompare);
	if (n < so->nbatch && so->search.keep_discarded)
		HannoySearchDiscard(&so->search, so->batch + n, so->nbatch - n);
	so->next = so->nbatch;		/* the batch is used up */
}

/*
 * The next batch of an iterative scan; false when there is none.  Once
 * hannoy.max_scan_tuples distinct elements have been visited, or the scan
 * has used its memory, what was found and not yet returned comes back as a
 * last batch, nearest first.
 */
static bool
next_batch(IndexScanDesc scan, HannoyScanOpaque so)
{
	if (hannoy_iterative_scan == HANNOY_ITERATIVE_OFF || so->out_of_budget || so->exact)
		return false;
	/*
	 * A batch can find no result while parked elements remain: a refill
	 * may hold only elements that fail the scan's conditions, which route
	 * on without being results.  Go on until one is found, nothing is left
	 * or the budget is spent.
	 */
	so->nbatch = 0;
	while (so->nbatch == 0)
	{
		if (scan_memory_exceeded(so) || so->search.visits >= hannoy_max_scan_tuples)
		{
			so->out_of_budget = true;
			so->nbatch = HannoySearchTakeDiscarded(&so->search, &so->batch);
			break;
		}
		if (!HannoySearchLayerRefill(&so->search, so->ef))
			return false;
		HannoySearchLayerRun(&so->search, so->ef);
		so->nbatch = HannoySearchTakeResults(&so->search, &so->batch);
	}
	so->next = 0;
	if (so->rerank && so->nbatch > 0)
		rerank_batch(scan, so);
	return so->nbatch > 0;
}

bool
hannoygettuple(IndexScanDesc scan, ScanDirection dir)
{
	HannoyScanOpaque so = scan->opaque;
	MemoryContext old;

	if (!ScanDirectionIsForward(dir))
		elog(ERROR, "hannoy index scans go forward only");

	/* the planner never chooses a scan without ORDER BY (cost.c) */
	if (scan->numberOfOrderBys == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("a hannoy index scan needs ORDER BY its column's distance operator")));

	old = MemoryContextSwitchTo(so->cxt);
	if (!so->started)
	{
		so->started = true;
		pgstat_count_index_scan(scan->indexRelation);
		start_search(scan, so);
	}

	while (!so->done)
	{
		if (so->nextrow < so->nrows)
		{
			HannoyRankedRow *row = &so->rows[so->nextrow++];

			if (hannoy_iterative_scan == HANNOY_ITERATIVE_STRICT &&
				row->distance < so->last_distance)
				continue;
			so->last_distance = row->distance;
			scan->xs_heaptid = row->tid;
			scan->xs_recheck = false;
			scan->xs_recheckorderby = false;
			MemoryContextSwitchTo(old);
			return true;
		}
		if (so->nexttid < so->ntids)
		{
			scan->xs_heaptid = so->tids[so->nexttid++];
			scan->xs_recheck = false;
			scan->xs_recheckorderby = false;
			MemoryContextSwitchTo(old);
			return true;
		}
		if (so->next >= so->nbatch)
		{
			if (!next_batch(scan, so))
			{
				so->done = true;
				break;
			}
			continue;
		}
		else
		{
			HannoyCandidate *c = &so->batch[so->next++];

			CHECK_FOR_INTERRUPTS();
			if (hannoy_iterative_scan == HANNOY_ITERATIVE_STRICT &&
				c->distance < so->last_distance)
				continue;
			so->ntids = HannoyReadHeapTids(&so->info, c->ref, so->tids);
			check_heap_tids(scan, so, c->ref);
			so->nexttid = 0;
			if (so->ntids > 0)
				so->last_distance = c->distance;
		}
	}
	MemoryContextSwitchTo(old);
	return false;
}

void
hannoyendscan(IndexScanDesc scan)
{
	HannoyScanOpaque so = scan->opaque;

	HannoyRerankerEnd(&so->reranker);
	MemoryContextDelete(so->cxt);
	pfree(so);
	scan->opaque = NULL;
}

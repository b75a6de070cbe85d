/*-------------------------------------------------------------------------
 *
 * rerank.c
 *	  Exact distances for a PQ scan's best candidates, from their heap rows:
 *	  the table is the index's "external vector store".
 *
 * A PQ index walks its graph with approximate distances (codes).  Before
 * handing rows out, scan.c has the best hannoy.rerank candidates of each
 * batch re-ranked here: each heap TID is fetched with the scan's snapshot
 * (following a HOT chain as the executor will), the indexed column is read
 * from the visible version, encoded as the exact opclass does and compared
 * with the exact query.  A row with no visible version is dropped: the
 * executor would not return it either.  The rows then come out in exact
 * distance order and the executor's own fetch finds them in cache.
 *
 * Only a plain column can be re-ranked this way (an expression would need
 * the executor's expression state), so CREATE INDEX refuses a PQ opclass
 * on an expression (build.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/tuptable.h"
#include "utils/rel.h"

#include "rerank.h"

void
HannoyRerankerBegin(HannoyReranker *rr, IndexScanDesc scan, const HannoyIndexInfo *info)
{
	rr->fetch = table_index_fetch_begin(scan->heapRelation);
	rr->slot = table_slot_create(scan->heapRelation, NULL);
	rr->attno = scan->indexRelation->rd_index->indkey.values[0];
	rr->exact = palloc(Max(info->exact_size, 1));
	rr->fetched = 0;
	if (rr->attno <= 0)
		elog(ERROR, "hannoy: a product-quantized index on an expression cannot re-rank");
}

/*
 * The exact distance of the visible row at tid from the (encoded, exact)
 * query; false when no version of it is visible to the scan's snapshot,
 * or its value has no place in the index.
 */
bool
HannoyRerankRow(HannoyReranker *rr, IndexScanDesc scan, const HannoyIndexInfo *info,
				const void *query, ItemPointer tid, float *distance)
{
	const HannoyOpclass *exact = HannoyExactOpclass(info->opclass);
	ItemPointerData fetch_tid = *tid;
	bool		call_again = false;
	bool		all_dead = false;
	bool		found;
	bool		isnull;
	Datum		value;
	bool		ok;

	rr->fetched++;
	found = table_index_fetch_tuple(rr->fetch, &fetch_tid, scan->xs_snapshot, rr->slot,
									&call_again, &all_dead);
	if (!found)
		return false;
	value = slot_getattr(rr->slot, rr->attno, &isnull);
	if (isnull)
		ok = false;
	else
	{
		Datum		detoasted = PointerGetDatum(PG_DETOAST_DATUM(value));

		ok = exact->dims(detoasted) == info->dims &&
			exact->encode(detoasted, info->dims, rr->exact);
		if (ok)
			*distance = exact->query_distance(info, query, rr->exact);
		if (detoasted != value)
			pfree(DatumGetPointer(detoasted));
	}
	ExecClearTuple(rr->slot);
	return ok;
}

void
HannoyRerankerEnd(HannoyReranker *rr)
{
	if (rr->fetch)
		table_index_fetch_end(rr->fetch);
	if (rr->slot)
		ExecDropSingleTupleTableSlot(rr->slot);
	rr->fetch = NULL;
	rr->slot = NULL;
}

/* qsort comparator: nearest first */
int
HannoyRankedRowCompare(const void *a, const void *b)
{
	float		da = ((const HannoyRankedRow *) a)->distance;
	float		db = ((const HannoyRankedRow *) b)->distance;

	return (da > db) - (da < db);
}

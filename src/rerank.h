/*-------------------------------------------------------------------------
 *
 * rerank.h
 *	  Exact distances for a PQ scan's best candidates, from their heap rows.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HANNOY_RERANK_H
#define HANNOY_RERANK_H

#include "postgres.h"

#include "access/relscan.h"
#include "access/tableam.h"

#include "graph.h"
#include "hannoy.h"

/* A heap row with its exact distance from the query. */
typedef struct HannoyRankedRow
{
	ItemPointerData tid;
	float		distance;
} HannoyRankedRow;

typedef struct HannoyReranker
{
	IndexFetchTableData *fetch;
	TupleTableSlot *slot;
	AttrNumber	attno;			/* the indexed column in the table */
	void	   *exact;			/* one encoded row */
	int64		fetched;		/* heap rows read (for tests and EXPLAIN) */
} HannoyReranker;

extern void HannoyRerankerBegin(HannoyReranker *rr, IndexScanDesc scan,
								const HannoyIndexInfo *info);
extern bool HannoyRerankRow(HannoyReranker *rr, IndexScanDesc scan,
							const HannoyIndexInfo *info, const void *query,
							ItemPointer tid, float *distance);
extern int	HannoyRankedRowCompare(const void *a, const void *b);
extern void HannoyRerankerEnd(HannoyReranker *rr);

#endif							/* HANNOY_RERANK_H */

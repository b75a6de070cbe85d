/*-------------------------------------------------------------------------
 *
 * codebook.h
 *	  PQ codebooks on index pages, and the per-backend cache of them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HANNOY_CODEBOOK_H
#define HANNOY_CODEBOOK_H

#include "postgres.h"

#include "hannoy.h"
#include "pq.h"

/* pages the codebooks of an index with these dimensions take */
static inline BlockNumber
HannoyCodebookPages(int dims)
{
	int64		values = (int64) HANNOY_PQ_CENTROIDS * dims;

	return (BlockNumber) ((values + HANNOY_CODEBOOK_PAGE_VALUES - 1) / HANNOY_CODEBOOK_PAGE_VALUES);
}

extern void HannoyCodebookFillPage(Page page, const HannoyCodebook *cb,
								   BlockNumber first_block, BlockNumber i);
extern const HannoyCodebook *HannoyCodebookGet(Relation index, int dims, int pq_m,
											   BlockNumber first, uint32 trained_on);
extern BlockNumber HannoyCodebookAppend(Relation index, const HannoyCodebook *cb);

#endif							/* HANNOY_CODEBOOK_H */

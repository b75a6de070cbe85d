/*-------------------------------------------------------------------------
 *
 * pq.h
 *	  Product quantization: codebooks, codes, distance tables.
 *
 * Jegou, Douze & Schmid, "Product quantization for nearest neighbor
 * search", IEEE TPAMI 2011.  A vector of dims coordinates is cut into
 * pq_m subspaces; each subspace has 256 centroids and a vector's code is
 * the index of its nearest centroid in each: pq_m bytes.  A query is
 * compared with codes through a table of its distance to every centroid
 * of every subspace (asymmetric distance): pq_m lookups per element.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HANNOY_PQ_H
#define HANNOY_PQ_H

#include "postgres.h"

#include "common/pg_prng.h"

#include "page.h"

/*
 * Codebooks of one index: 256 x dims values laid out as on the codebook
 * pages (page.h): subspace j's rows start at 256 * HannoyPqLow(j).
 */
typedef struct HannoyCodebook
{
	int			dims;
	int			pq_m;
	float	   *values;
} HannoyCodebook;

/* First dimension of subspace j (j == pq_m gives dims). */
static inline int
HannoyPqLow(int dims, int pq_m, int j)
{
	return (int) ((int64) j * dims / pq_m);
}

/* What a distance table holds per centroid. */
typedef enum HannoyPqMetric
{
	HANNOY_PQ_L2,				/* squared L2 */
	HANNOY_PQ_NEGDOT			/* negative inner product */
} HannoyPqMetric;

extern void HannoyPqTrain(HannoyCodebook *cb, const float *sample, int64 n,
						  pg_prng_state *prng);
extern void HannoyPqEncode(const HannoyCodebook *cb, const float *x, uint8 *code);
extern void HannoyPqEncodeMany(const HannoyCodebook *cb, const float *x, int64 n,
							   uint8 *codes);
extern void HannoyPqDecode(const HannoyCodebook *cb, const uint8 *code, float *out);
extern void HannoyPqTable(const HannoyCodebook *cb, const float *query,
						  HannoyPqMetric metric, float *table);

/*
 * Distance of a code from the query whose table this is.  Four sums: one
 * would make every addition wait for the one before (the lookups are
 * independent); this is on every visit of a PQ search (~40% of a query's
 * time on Fashion-MNIST with one sum).
 */
static inline float
HannoyPqTableDistance(const float *table, const uint8 *code, int pq_m)
{
	float		s0 = 0.0f,
				s1 = 0.0f,
				s2 = 0.0f,
				s3 = 0.0f;
	int			j = 0;

	for (; j + 4 <= pq_m; j += 4)
	{
		s0 += table[j * HANNOY_PQ_CENTROIDS + code[j]];
		s1 += table[(j + 1) * HANNOY_PQ_CENTROIDS + code[j + 1]];
		s2 += table[(j + 2) * HANNOY_PQ_CENTROIDS + code[j + 2]];
		s3 += table[(j + 3) * HANNOY_PQ_CENTROIDS + code[j + 3]];
	}
	for (; j < pq_m; j++)
		s0 += table[j * HANNOY_PQ_CENTROIDS + code[j]];
	return (s0 + s1) + (s2 + s3);
}

#endif							/* HANNOY_PQ_H */

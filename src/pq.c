/*-------------------------------------------------------------------------
 *
 * pq.c
 *	  Product quantization over float4 vectors: training the codebooks
 *	  (k-means in each subspace, kmeans.c), encoding, decoding, and the
 *	  query's distance table.  See pq.h.
 *
 * Every function works on plain arrays; codebook pages and the
 * per-backend cache of codebooks are codebook.c's.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>

#include "miscadmin.h"

#include "distance.h"
#include "kmeans.h"
#include "pq.h"

/* Lloyd iterations per subspace (the assignment rarely changes after) */
#define PQ_TRAIN_ITERATIONS	12

/*
 * Train cb's codebooks (cb->dims, cb->pq_m and cb->values, 256 x dims,
 * set by the caller) on n sample vectors of dims floats.  With fewer
 * distinct sample vectors than 256, centroids repeat them.
 */
void
HannoyPqTrain(HannoyCodebook *cb, const float *sample, int64 n, pg_prng_state *prng)
{
	int			dims = cb->dims;
	int			widest = 0;
	float	   *sub;
	float	   *centroids;

	for (int j = 0; j < cb->pq_m; j++)
		widest = Max(widest, HannoyPqLow(dims, cb->pq_m, j + 1) - HannoyPqLow(dims, cb->pq_m, j));
	sub = palloc_extended(sizeof(float) * widest * n, MCXT_ALLOC_HUGE);
	centroids = palloc(sizeof(float) * widest * HANNOY_PQ_CENTROIDS);

	for (int j = 0; j < cb->pq_m; j++)
	{
		int			lo = HannoyPqLow(dims, cb->pq_m, j);
		int			dsub = HannoyPqLow(dims, cb->pq_m, j + 1) - lo;
		float	   *rows = cb->values + (int64) HANNOY_PQ_CENTROIDS * lo;

		CHECK_FOR_INTERRUPTS();
		for (int64 i = 0; i < n; i++)
			memcpy(sub + i * dsub, sample + i * dims + lo, sizeof(float) * dsub);
		HannoyKmeans(sub, n, dsub, HANNOY_PQ_CENTROIDS, PQ_TRAIN_ITERATIONS, prng,
					 centroids);
		/* centroid-major to coordinate-major */
		for (int c = 0; c < HANNOY_PQ_CENTROIDS; c++)
			for (int d = 0; d < dsub; d++)
				rows[d * HANNOY_PQ_CENTROIDS + c] = centroids[c * dsub + d];
	}
	pfree(sub);
	pfree(centroids);
}

/* pq_m bytes: the nearest centroid of x in each subspace. */
void
HannoyPqEncode(const HannoyCodebook *cb, const float *x, uint8 *code)
{
	HannoyPqEncodeMany(cb, x, 1, code);
}

/*
 * Codes of n vectors (dims floats each, row-major) into codes (n x pq_m),
 * subspace by subspace, so that one subspace's centroids stay in cache.
 * (Measured on Fashion-MNIST: no faster than vector by vector, 6.8 s
 * against 6.0 s with a scalar nearest-centroid loop; the time was that
 * loop, which the nearest-of-many kernel brought to 1.8 s for the whole
 * write phase.)
 */
void
HannoyPqEncodeMany(const HannoyCodebook *cb, const float *x, int64 n, uint8 *codes)
{
	for (int j = 0; j < cb->pq_m; j++)
	{
		int			lo = HannoyPqLow(cb->dims, cb->pq_m, j);
		int			dsub = HannoyPqLow(cb->dims, cb->pq_m, j + 1) - lo;
		const float *rows = cb->values + (int64) HANNOY_PQ_CENTROIDS * lo;

		CHECK_FOR_INTERRUPTS();
		for (int64 i = 0; i < n; i++)
		{
			float		d;

			codes[i * cb->pq_m + j] =
				(uint8) HannoyKernel->f32_l2sq_nearest(x + i * cb->dims + lo, rows, dsub,
													   HANNOY_PQ_CENTROIDS, &d);
		}
	}
}

/* The vector a code stands for: its centroids, side by side. */
void
HannoyPqDecode(const HannoyCodebook *cb, const uint8 *code, float *out)
{
	for (int j = 0; j < cb->pq_m; j++)
	{
		int			lo = HannoyPqLow(cb->dims, cb->pq_m, j);
		int			hi = HannoyPqLow(cb->dims, cb->pq_m, j + 1);
		const float *rows = cb->values + (int64) HANNOY_PQ_CENTROIDS * lo;

		for (int d = 0; d < hi - lo; d++)
			out[lo + d] = rows[d * HANNOY_PQ_CENTROIDS + code[j]];
	}
}

/*
 * The query's distance table: pq_m x 256 values, the distance (metric)
 * from the query's part in each subspace to each centroid there.
 */
void
HannoyPqTable(const HannoyCodebook *cb, const float *query, HannoyPqMetric metric,
			  float *table)
{
	for (int j = 0; j < cb->pq_m; j++)
	{
		int			lo = HannoyPqLow(cb->dims, cb->pq_m, j);
		int			dsub = HannoyPqLow(cb->dims, cb->pq_m, j + 1) - lo;
		const float *rows = cb->values + (int64) HANNOY_PQ_CENTROIDS * lo;
		float	   *out = table + j * HANNOY_PQ_CENTROIDS;

		if (metric == HANNOY_PQ_L2)
			HannoyKernel->f32_l2sq_many(query + lo, rows, dsub, HANNOY_PQ_CENTROIDS, out);
		else
		{
			HannoyKernel->f32_dot_many(query + lo, rows, dsub, HANNOY_PQ_CENTROIDS, out);
			for (int c = 0; c < HANNOY_PQ_CENTROIDS; c++)
				out[c] = -out[c];
		}
	}
}

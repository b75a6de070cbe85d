/*-------------------------------------------------------------------------
 *
 * kmeans.h
 *	  k-means over plain float arrays: product quantization trains its
 *	  codebooks with it, and IVF routing will train its centroids with it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HANNOY_KMEANS_H
#define HANNOY_KMEANS_H

#include "postgres.h"

#include "common/pg_prng.h"

extern void HannoyKmeans(const float *points, int64 n, int dims, int k,
						 int iterations, pg_prng_state *prng, float *centroids);

#endif							/* HANNOY_KMEANS_H */

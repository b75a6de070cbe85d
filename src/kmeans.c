/*-------------------------------------------------------------------------
 *
 * kmeans.c
 *	  k-means (Lloyd's algorithm) over plain float arrays, squared L2.
 *
 * The centroids start as k distinct points drawn at random (with fewer
 * points than k, the points repeat: every point then has a centroid equal
 * to it).  Each iteration assigns every point to its nearest centroid
 * with the kernels' one-to-many distance (centroids kept transposed,
 * padded to a multiple of 16) and moves each centroid to its points'
 * mean; a centroid left with no point takes the point farthest from its
 * own centroid, so none is wasted.  Stops early when no assignment
 * changes.
 *
 * The caller owns every array passed; what this allocates is in
 * CurrentMemoryContext and freed before return.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "distance.h"
#include "kmeans.h"

/* far enough that a padding centroid is never the nearest */
#define PADDING_VALUE	1e18f

/* centroids (k x dims) into ct (dims x kpad), padded */
static void
transpose(const float *centroids, int k, int kpad, int dims, float *ct)
{
	for (int d = 0; d < dims; d++)
	{
		float	   *row = ct + (int64) d * kpad;

		for (int c = 0; c < k; c++)
			row[c] = centroids[(int64) c * dims + d];
		for (int c = k; c < kpad; c++)
			row[c] = PADDING_VALUE;
	}
}

/* k distinct points at random (points repeat when there are fewer). */
static void
seed_centroids(const float *points, int64 n, int dims, int k,
			   pg_prng_state *prng, float *centroids)
{
	int64	   *pick = palloc(sizeof(int64) * k);

	if (n <= k)
	{
		for (int c = 0; c < k; c++)
			pick[c] = c % n;
	}
	else
	{
		/* Floyd's sampling: k distinct indexes of n */
		int			chosen = 0;

		for (int64 j = n - k; j < n; j++)
		{
			int64		t = (int64) pg_prng_uint64_range(prng, 0, j);
			bool		dup = false;

			for (int c = 0; c < chosen && !dup; c++)
				dup = pick[c] == t;
			pick[chosen++] = dup ? j : t;
		}
	}
	for (int c = 0; c < k; c++)
		memcpy(centroids + (int64) c * dims, points + pick[c] * dims, sizeof(float) * dims);
	pfree(pick);
}

/*
 * k centroids of n points of dims floats (row-major), into centroids
 * (k x dims, centroid-major).  Deterministic for a given prng state.
 * n must be at least 1.
 */
void
HannoyKmeans(const float *points, int64 n, int dims, int k, int iterations,
			 pg_prng_state *prng, float *centroids)
{
	int			kpad = TYPEALIGN(16, k);
	float	   *ct = palloc(sizeof(float) * kpad * dims);
	double	   *sums = palloc(sizeof(double) * k * dims);
	int64	   *counts = palloc(sizeof(int64) * k);
	int		   *assign = palloc_extended(sizeof(int) * n, MCXT_ALLOC_HUGE);
	float	   *dist = palloc_extended(sizeof(float) * n, MCXT_ALLOC_HUGE);

	Assert(n >= 1 && k >= 1);
	seed_centroids(points, n, dims, k, prng, centroids);

	for (int it = 0; it < iterations; it++)
	{
		int64		changed = 0;

		CHECK_FOR_INTERRUPTS();
		transpose(centroids, k, kpad, dims, ct);
		for (int64 i = 0; i < n; i++)
		{
			int			c;

			c = HannoyKernel->f32_l2sq_nearest(points + i * dims, ct, dims, kpad, &dist[i]);
			if (it == 0 || c != assign[i])
				changed++;
			assign[i] = c;
		}
		if (it > 0 && changed == 0)
			break;

		memset(sums, 0, sizeof(double) * k * dims);
		memset(counts, 0, sizeof(int64) * k);
		for (int64 i = 0; i < n; i++)
		{
			double	   *s = sums + (int64) assign[i] * dims;
			const float *p = points + i * dims;

			for (int d = 0; d < dims; d++)
				s[d] += p[d];
			counts[assign[i]]++;
		}
		for (int c = 0; c < k; c++)
		{
			float	   *cent = centroids + (int64) c * dims;

			if (counts[c] > 0)
			{
				for (int d = 0; d < dims; d++)
					cent[d] = (float) (sums[(int64) c * dims + d] / counts[c]);
			}
			else
			{
				/* empty: take the point farthest from its centroid */
				int64		far = 0;

				for (int64 i = 1; i < n; i++)
					if (dist[i] > dist[far])
						far = i;
				memcpy(cent, points + far * dims, sizeof(float) * dims);
				dist[far] = 0.0f;
			}
		}
	}
	pfree(ct);
	pfree(sums);
	pfree(counts);
	pfree(assign);
	pfree(dist);
}

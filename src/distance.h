/*-------------------------------------------------------------------------
 *
 * distance.h
 *	  Distance kernels and bulk fp16 conversions, chosen once per process.
 *
 * Every kernel exists in portable C (distance.c); x86-64 builds add
 * AVX2+FMA+F16C (distance_avx2.c) and AVX-512 (distance_avx512.c) versions,
 * compiled with per-object ISA flags (and POPCNT for the bit kernels).  HannoyKernelsInit() picks the best
 * set the CPU supports when the library loads; hannoy.kernels can force a
 * lower one (for tests and comparisons).  Callers go through the table:
 * one indirect call per distance, never the function manager.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HANNOY_DISTANCE_H
#define HANNOY_DISTANCE_H

#include "postgres.h"

#include <math.h>

typedef struct HannoyKernels
{
	const char *name;

	/* float4 x float4 */
	float		(*f32_l2sq) (const float *a, const float *b, int n);
	float		(*f32_dot) (const float *a, const float *b, int n);
	float		(*f32_l1) (const float *a, const float *b, int n);
	void		(*f32_cosine_parts) (const float *a, const float *b, int n,
									 float *dot, float *norma, float *normb);

	/* binary16 x binary16, accumulated in float4 */
	float		(*f16_l2sq) (const uint16 *a, const uint16 *b, int n);
	float		(*f16_dot) (const uint16 *a, const uint16 *b, int n);
	float		(*f16_l1) (const uint16 *a, const uint16 *b, int n);
	void		(*f16_cosine_parts) (const uint16 *a, const uint16 *b, int n,
									 float *dot, float *norma, float *normb);

	/*
	 * One float4 vector x (dims) against k vectors stored transposed: ct
	 * holds dims rows of k values (row d: coordinate d of every vector).
	 * out[c] gets the squared L2 distance or the dot product.  k is a
	 * multiple of 16.  PQ's encoding, training and query tables use them.
	 */
	void		(*f32_l2sq_many) (const float *x, const float *ct, int dims, int k,
								  float *out);
	void		(*f32_dot_many) (const float *x, const float *ct, int dims, int k,
								 float *out);
	/* the nearest of those k vectors (squared L2), and its distance */
	int			(*f32_l2sq_nearest) (const float *x, const float *ct, int dims, int k,
									 float *distance);

	/* bit strings of n bytes (bitcount.h): set bits of a XOR b; of a AND b, a OR b */
	uint64		(*bits_xor) (const uint8 *a, const uint8 *b, int n);
	void		(*bits_and_or) (const uint8 *a, const uint8 *b, int n,
								uint64 *both, uint64 *either);

	/* bulk conversions (overflow becomes infinity; callers check first) */
	void		(*f16_to_f32) (const uint16 *in, float *out, int n);
	void		(*f32_to_f16) (const float *in, uint16 *out, int n);
} HannoyKernels;

/*
 * The SIMD nearest-of-many kernels keep per lane the smallest distance and
 * its index (-1: none); this picks the winner, the lowest index on ties, as
 * the portable kernel does.
 */
static inline int
HannoyNearestOfLanes(const float *dist, const int *index, int lanes, float *distance)
{
	int			result = -1;
	float		result_d = INFINITY;

	for (int l = 0; l < lanes; l++)
		if (index[l] >= 0 && (result < 0 || dist[l] < result_d ||
							  (dist[l] == result_d && index[l] < result)))
		{
			result = index[l];
			result_d = dist[l];
		}
	*distance = result_d;
	return result;
}

/* the kernels in use; never NULL after _PG_init */
extern const HannoyKernels *HannoyKernel;

/* the candidate sets, NULL where the build or the CPU lacks them */
extern const HannoyKernels HannoyKernelsPortable;
extern const HannoyKernels *HannoyKernelsAvx2(void);
extern bool HannoyCpuHasF16C(void);
extern const HannoyKernels *HannoyKernelsAvx512(void);

/* Kernel set names accepted by hannoy.kernels, best first. */
typedef enum HannoyKernelChoice
{
	HANNOY_KERNELS_AUTO,
	HANNOY_KERNELS_AVX512,
	HANNOY_KERNELS_AVX2,
	HANNOY_KERNELS_PORTABLE
} HannoyKernelChoice;

extern const HannoyKernels *HannoyKernelsFor(HannoyKernelChoice choice);

#endif							/* HANNOY_DISTANCE_H */

/*-------------------------------------------------------------------------
 *
 * distance_avx512.c
 *	  Distance kernels for x86-64 CPUs with AVX-512 F, BW and VL.
 *
 * This object alone is compiled with AVX-512 flags (see Makefile).  The
 * tails use masked loads, so there is no scalar remainder loop; bulk fp16
 * conversions reuse the F16C instructions every AVX-512 CPU has.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "bitcount.h"
#include "distance.h"

#if defined(__x86_64__) && defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)

#include <immintrin.h>

static inline __mmask16
tail_mask(int remaining)
{
	return remaining >= 16 ? (__mmask16) 0xffff : (__mmask16) ((1u << remaining) - 1);
}

static inline __m512
load_f32(const float *p, __mmask16 m)
{
	return _mm512_maskz_loadu_ps(m, p);
}

static inline __m512
load_f16(const uint16 *p, __mmask16 m)
{
	return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
}

static inline __m512
abs512(__m512 v)
{
	return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(v),
												_mm512_set1_epi32(0x7fffffff)));
}

/*
 * The loop bodies differ only in how elements load; a macro keeps the
 * fp32 and fp16 versions of each kernel from drifting apart.
 */
#define DEFINE_KERNELS(SUFFIX, ELEM, LOAD) \
static float \
avx512_##SUFFIX##_l2sq(const ELEM *a, const ELEM *b, int n) \
{ \
	__m512		s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(); \
	int			i = 0; \
	for (; i + 32 <= n; i += 32) \
	{ \
		__m512		d0 = _mm512_sub_ps(LOAD(a + i, 0xffff), LOAD(b + i, 0xffff)); \
		__m512		d1 = _mm512_sub_ps(LOAD(a + i + 16, 0xffff), LOAD(b + i + 16, 0xffff)); \
		s0 = _mm512_fmadd_ps(d0, d0, s0); \
		s1 = _mm512_fmadd_ps(d1, d1, s1); \
	} \
	for (; i < n; i += 16) \
	{ \
		__mmask16	m = tail_mask(n - i); \
		__m512		d = _mm512_sub_ps(LOAD(a + i, m), LOAD(b + i, m)); \
		s0 = _mm512_fmadd_ps(d, d, s0); \
	} \
	return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1)); \
} \
\
static float \
avx512_##SUFFIX##_dot(const ELEM *a, const ELEM *b, int n) \
{ \
	__m512		s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(); \
	int			i = 0; \
	for (; i + 32 <= n; i += 32) \
	{ \
		s0 = _mm512_fmadd_ps(LOAD(a + i, 0xffff), LOAD(b + i, 0xffff), s0); \
		s1 = _mm512_fmadd_ps(LOAD(a + i + 16, 0xffff), LOAD(b + i + 16, 0xffff), s1); \
	} \
	for (; i < n; i += 16) \
	{ \
		__mmask16	m = tail_mask(n - i); \
		s0 = _mm512_fmadd_ps(LOAD(a + i, m), LOAD(b + i, m), s0); \
	} \
	return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1)); \
} \
\
static float \
avx512_##SUFFIX##_l1(const ELEM *a, const ELEM *b, int n) \
{ \
	__m512		s0 = _mm512_setzero_ps(); \
	for (int i = 0; i < n; i += 16) \
	{ \
		__mmask16	m = tail_mask(n - i); \
		s0 = _mm512_add_ps(s0, abs512(_mm512_sub_ps(LOAD(a + i, m), LOAD(b + i, m)))); \
	} \
	return _mm512_reduce_add_ps(s0); \
} \
\
static void \
avx512_##SUFFIX##_cosine_parts(const ELEM *a, const ELEM *b, int n, \
							   float *dot, float *norma, float *normb) \
{ \
	__m512		ab = _mm512_setzero_ps(), aa = _mm512_setzero_ps(), \
				bb = _mm512_setzero_ps(); \
	for (int i = 0; i < n; i += 16) \
	{ \
		__mmask16	m = tail_mask(n - i); \
		__m512		x = LOAD(a + i, m); \
		__m512		y = LOAD(b + i, m); \
		ab = _mm512_fmadd_ps(x, y, ab); \
		aa = _mm512_fmadd_ps(x, x, aa); \
		bb = _mm512_fmadd_ps(y, y, bb); \
	} \
	*dot = _mm512_reduce_add_ps(ab); \
	*norma = _mm512_reduce_add_ps(aa); \
	*normb = _mm512_reduce_add_ps(bb); \
}

DEFINE_KERNELS(f32, float, load_f32)
DEFINE_KERNELS(f16, uint16, load_f16)

static void
avx512_f16_to_f32(const uint16 *in, float *out, int n)
{
	for (int i = 0; i < n; i += 16)
	{
		__mmask16	m = tail_mask(n - i);

		_mm512_mask_storeu_ps(out + i, m, load_f16(in + i, m));
	}
}

static void
avx512_f32_to_f16(const float *in, uint16 *out, int n)
{
	for (int i = 0; i < n; i += 16)
	{
		__mmask16	m = tail_mask(n - i);
		__m256i		h = _mm512_cvtps_ph(load_f32(in + i, m),
										_MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);

		_mm256_mask_storeu_epi16(out + i, m, h);
	}
}

/* Coordinate by coordinate, 16 vectors at a time. */
static void
avx512_f32_l2sq_many(const float *x, const float *ct, int dims, int k, float *out)
{
	for (int c = 0; c < k; c += 16)
	{
		__m512		s = _mm512_setzero_ps();

		for (int d = 0; d < dims; d++)
		{
			__m512		diff = _mm512_sub_ps(_mm512_set1_ps(x[d]),
											 _mm512_loadu_ps(ct + (int64) d * k + c));

			s = _mm512_fmadd_ps(diff, diff, s);
		}
		_mm512_storeu_ps(out + c, s);
	}
}

static void
avx512_f32_dot_many(const float *x, const float *ct, int dims, int k, float *out)
{
	for (int c = 0; c < k; c += 16)
	{
		__m512		s = _mm512_setzero_ps();

		for (int d = 0; d < dims; d++)
			s = _mm512_fmadd_ps(_mm512_set1_ps(x[d]),
								_mm512_loadu_ps(ct + (int64) d * k + c), s);
		_mm512_storeu_ps(out + c, s);
	}
}

/* A block of 16 sums: lanes where it is smaller take it and its indexes. */
#define AVX512_KEEP_SMALLER(s) \
	do { \
		__mmask16	lt_ = _mm512_cmp_ps_mask((s), best, _CMP_LT_OQ); \
		best = _mm512_mask_mov_ps(best, lt_, (s)); \
		best_i = _mm512_mask_mov_epi32(best_i, lt_, idx); \
		idx = _mm512_add_epi32(idx, sixteen); \
	} while (0)

/*
 * As the AVX2 kernel: per lane the smallest so far and its index.  Four
 * blocks of 16 centroids at a time: their sums are independent, so the
 * FMAs' latency overlaps (one block's chain of dims dependent FMAs left
 * the unit idle most of the time; PQ training and encoding are this loop).
 */
static int
avx512_f32_l2sq_nearest(const float *x, const float *ct, int dims, int k, float *distance)
{
	__m512		best = _mm512_set1_ps(INFINITY);
	__m512i		best_i = _mm512_set1_epi32(-1);
	__m512i		idx = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	__m512i		sixteen = _mm512_set1_epi32(16);
	float		bv[16];
	int			bi[16];
	int			c = 0;

	for (; c + 64 <= k; c += 64)
	{
		__m512		s0 = _mm512_setzero_ps();
		__m512		s1 = _mm512_setzero_ps();
		__m512		s2 = _mm512_setzero_ps();
		__m512		s3 = _mm512_setzero_ps();

		for (int d = 0; d < dims; d++)
		{
			const float *row = ct + (int64) d * k + c;
			__m512		xd = _mm512_set1_ps(x[d]);
			__m512		d0 = _mm512_sub_ps(xd, _mm512_loadu_ps(row));
			__m512		d1 = _mm512_sub_ps(xd, _mm512_loadu_ps(row + 16));
			__m512		d2 = _mm512_sub_ps(xd, _mm512_loadu_ps(row + 32));
			__m512		d3 = _mm512_sub_ps(xd, _mm512_loadu_ps(row + 48));

			s0 = _mm512_fmadd_ps(d0, d0, s0);
			s1 = _mm512_fmadd_ps(d1, d1, s1);
			s2 = _mm512_fmadd_ps(d2, d2, s2);
			s3 = _mm512_fmadd_ps(d3, d3, s3);
		}
		AVX512_KEEP_SMALLER(s0);
		AVX512_KEEP_SMALLER(s1);
		AVX512_KEEP_SMALLER(s2);
		AVX512_KEEP_SMALLER(s3);
	}
	for (; c < k; c += 16)
	{
		__m512		s = _mm512_setzero_ps();

		for (int d = 0; d < dims; d++)
		{
			__m512		diff = _mm512_sub_ps(_mm512_set1_ps(x[d]),
											 _mm512_loadu_ps(ct + (int64) d * k + c));

			s = _mm512_fmadd_ps(diff, diff, s);
		}
		AVX512_KEEP_SMALLER(s);
	}
	_mm512_storeu_ps(bv, best);
	_mm512_storeu_si512(bi, best_i);
	return HannoyNearestOfLanes(bv, bi, 16, distance);
}

static const HannoyKernels avx512_kernels = {
	.name = "avx512",
	.f32_l2sq = avx512_f32_l2sq,
	.f32_l2sq_many = avx512_f32_l2sq_many,
	.f32_dot_many = avx512_f32_dot_many,
	.f32_l2sq_nearest = avx512_f32_l2sq_nearest,
	.f32_dot = avx512_f32_dot,
	.f32_l1 = avx512_f32_l1,
	.f32_cosine_parts = avx512_f32_cosine_parts,
	.f16_l2sq = avx512_f16_l2sq,
	.f16_dot = avx512_f16_dot,
	.f16_l1 = avx512_f16_l1,
	.f16_cosine_parts = avx512_f16_cosine_parts,
	.f16_to_f32 = avx512_f16_to_f32,
	.f32_to_f16 = avx512_f32_to_f16,
	.bits_xor = hannoy_count_xor,
	.bits_and_or = hannoy_count_and_or,
};

const HannoyKernels *
HannoyKernelsAvx512(void)
{
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
		__builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma") &&
		__builtin_cpu_supports("popcnt") && HannoyCpuHasF16C())
		return &avx512_kernels;
	return NULL;
}

#else							/* not an x86-64 build with AVX-512 flags */

const HannoyKernels *
HannoyKernelsAvx512(void)
{
	return NULL;
}

#endif

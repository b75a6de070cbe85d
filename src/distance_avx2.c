/*-------------------------------------------------------------------------
 *
 * distance_avx2.c
 *	  Distance kernels for x86-64 CPUs with AVX2, FMA and F16C.
 *
 * This object alone is compiled with -mavx2 -mfma -mf16c (see Makefile);
 * nothing here runs unless HannoyKernelsAvx2() found the CPU able to.
 * Loops keep two independent accumulators to hide FMA latency and finish
 * with a scalar tail.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "bitcount.h"
#include "distance.h"
#include "halfutils.h"

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)

#include <immintrin.h>

static inline float
hsum256(__m256 v)
{
	__m128		lo = _mm256_castps256_ps128(v);
	__m128		hi = _mm256_extractf128_ps(v, 1);
	__m128		s = _mm_add_ps(lo, hi);

	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}

static inline __m256
load_f16x8(const uint16 *p)
{
	return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) p));
}

static inline __m256
abs256(__m256 v)
{
	return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v);
}

static float
avx2_f32_l2sq(const float *a, const float *b, int n)
{
	__m256		s0 = _mm256_setzero_ps(),
				s1 = _mm256_setzero_ps();
	int			i = 0;
	float		sum;

	for (; i + 16 <= n; i += 16)
	{
		__m256		d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
		__m256		d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));

		s0 = _mm256_fmadd_ps(d0, d0, s0);
		s1 = _mm256_fmadd_ps(d1, d1, s1);
	}
	for (; i + 8 <= n; i += 8)
	{
		__m256		d = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));

		s0 = _mm256_fmadd_ps(d, d, s0);
	}
	sum = hsum256(_mm256_add_ps(s0, s1));
	for (; i < n; i++)
	{
		float		d = a[i] - b[i];

		sum += d * d;
	}
	return sum;
}

static float
avx2_f32_dot(const float *a, const float *b, int n)
{
	__m256		s0 = _mm256_setzero_ps(),
				s1 = _mm256_setzero_ps();
	int			i = 0;
	float		sum;

	for (; i + 16 <= n; i += 16)
	{
		s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
		s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
	}
	for (; i + 8 <= n; i += 8)
		s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
	sum = hsum256(_mm256_add_ps(s0, s1));
	for (; i < n; i++)
		sum += a[i] * b[i];
	return sum;
}

static float
avx2_f32_l1(const float *a, const float *b, int n)
{
	__m256		s0 = _mm256_setzero_ps(),
				s1 = _mm256_setzero_ps();
	int			i = 0;
	float		sum;

	for (; i + 16 <= n; i += 16)
	{
		s0 = _mm256_add_ps(s0, abs256(_mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i))));
		s1 = _mm256_add_ps(s1, abs256(_mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8))));
	}
	for (; i + 8 <= n; i += 8)
		s0 = _mm256_add_ps(s0, abs256(_mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i))));
	sum = hsum256(_mm256_add_ps(s0, s1));
	for (; i < n; i++)
		sum += fabsf(a[i] - b[i]);
	return sum;
}

static void
avx2_f32_cosine_parts(const float *a, const float *b, int n,
					  float *dot, float *norma, float *normb)
{
	__m256		ab = _mm256_setzero_ps(),
				aa = _mm256_setzero_ps(),
				bb = _mm256_setzero_ps();
	int			i = 0;
	float		sab,
				saa,
				sbb;

	for (; i + 8 <= n; i += 8)
	{
		__m256		x = _mm256_loadu_ps(a + i);
		__m256		y = _mm256_loadu_ps(b + i);

		ab = _mm256_fmadd_ps(x, y, ab);
		aa = _mm256_fmadd_ps(x, x, aa);
		bb = _mm256_fmadd_ps(y, y, bb);
	}
	sab = hsum256(ab);
	saa = hsum256(aa);
	sbb = hsum256(bb);
	for (; i < n; i++)
	{
		sab += a[i] * b[i];
		saa += a[i] * a[i];
		sbb += b[i] * b[i];
	}
	*dot = sab;
	*norma = saa;
	*normb = sbb;
}

static float
avx2_f16_l2sq(const uint16 *a, const uint16 *b, int n)
{
	__m256		s0 = _mm256_setzero_ps(),
				s1 = _mm256_setzero_ps();
	int			i = 0;
	float		sum;

	for (; i + 16 <= n; i += 16)
	{
		__m256		d0 = _mm256_sub_ps(load_f16x8(a + i), load_f16x8(b + i));
		__m256		d1 = _mm256_sub_ps(load_f16x8(a + i + 8), load_f16x8(b + i + 8));

		s0 = _mm256_fmadd_ps(d0, d0, s0);
		s1 = _mm256_fmadd_ps(d1, d1, s1);
	}
	for (; i + 8 <= n; i += 8)
	{
		__m256		d = _mm256_sub_ps(load_f16x8(a + i), load_f16x8(b + i));

		s0 = _mm256_fmadd_ps(d, d, s0);
	}
	sum = hsum256(_mm256_add_ps(s0, s1));
	for (; i < n; i++)
	{
		float		d = HannoyHalfToFloat(a[i]) - HannoyHalfToFloat(b[i]);

		sum += d * d;
	}
	return sum;
}

static float
avx2_f16_dot(const uint16 *a, const uint16 *b, int n)
{
	__m256		s0 = _mm256_setzero_ps(),
				s1 = _mm256_setzero_ps();
	int			i = 0;
	float		sum;

	for (; i + 16 <= n; i += 16)
	{
		s0 = _mm256_fmadd_ps(load_f16x8(a + i), load_f16x8(b + i), s0);
		s1 = _mm256_fmadd_ps(load_f16x8(a + i + 8), load_f16x8(b + i + 8), s1);
	}
	for (; i + 8 <= n; i += 8)
		s0 = _mm256_fmadd_ps(load_f16x8(a + i), load_f16x8(b + i), s0);
	sum = hsum256(_mm256_add_ps(s0, s1));
	for (; i < n; i++)
		sum += HannoyHalfToFloat(a[i]) * HannoyHalfToFloat(b[i]);
	return sum;
}

static float
avx2_f16_l1(const uint16 *a, const uint16 *b, int n)
{
	__m256		s0 = _mm256_setzero_ps();
	int			i = 0;
	float		sum;

	for (; i + 8 <= n; i += 8)
		s0 = _mm256_add_ps(s0, abs256(_mm256_sub_ps(load_f16x8(a + i), load_f16x8(b + i))));
	sum = hsum256(s0);
	for (; i < n; i++)
		sum += fabsf(HannoyHalfToFloat(a[i]) - HannoyHalfToFloat(b[i]));
	return sum;
}

static void
avx2_f16_cosine_parts(const uint16 *a, const uint16 *b, int n,
					  float *dot, float *norma, float *normb)
{
	__m256		ab = _mm256_setzero_ps(),
				aa = _mm256_setzero_ps(),
				bb = _mm256_setzero_ps();
	int			i = 0;
	float		sab,
				saa,
				sbb;

	for (; i + 8 <= n; i += 8)
	{
		__m256		x = load_f16x8(a + i);
		__m256		y = load_f16x8(b + i);

		ab = _mm256_fmadd_ps(x, y, ab);
		aa = _mm256_fmadd_ps(x, x, aa);
		bb = _mm256_fmadd_ps(y, y, bb);
	}
	sab = hsum256(ab);
	saa = hsum256(aa);
	sbb = hsum256(bb);
	for (; i < n; i++)
	{
		float		x = HannoyHalfToFloat(a[i]);
		float		y = HannoyHalfToFloat(b[i]);

		sab += x * y;
		saa += x * x;
		sbb += y * y;
	}
	*dot = sab;
	*norma = saa;
	*normb = sbb;
}

static void
avx2_f16_to_f32(const uint16 *in, float *out, int n)
{
	int			i = 0;

	for (; i + 8 <= n; i += 8)
		_mm256_storeu_ps(out + i, load_f16x8(in + i));
	for (; i < n; i++)
		out[i] = HannoyHalfToFloat(in[i]);
}

static void
avx2_f32_to_f16(const float *in, uint16 *out, int n)
{
	int			i = 0;

	for (; i + 8 <= n; i += 8)
		_mm_storeu_si128((__m128i *) (out + i),
						 _mm256_cvtps_ph(_mm256_loadu_ps(in + i),
										 _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
	for (; i < n; i++)
		out[i] = HannoyFloatToHalf(in[i]);
}

/* Coordinate by coordinate, 16 vectors at a time (two accumulators). */
static void
avx2_f32_l2sq_many(const float *x, const float *ct, int dims, int k, float *out)
{
	for (int c = 0; c < k; c += 16)
	{
		__m256		s0 = _mm256_setzero_ps(),
					s1 = _mm256_setzero_ps();

		for (int d = 0; d < dims; d++)
		{
			__m256		xd = _mm256_set1_ps(x[d]);
			const float *row = ct + (int64) d * k + c;
			__m256		d0 = _mm256_sub_ps(xd, _mm256_loadu_ps(row));
			__m256		d1 = _mm256_sub_ps(xd, _mm256_loadu_ps(row + 8));

			s0 = _mm256_fmadd_ps(d0, d0, s0);
			s1 = _mm256_fmadd_ps(d1, d1, s1);
		}
		_mm256_storeu_ps(out + c, s0);
		_mm256_storeu_ps(out + c + 8, s1);
	}
}

static void
avx2_f32_dot_many(const float *x, const float *ct, int dims, int k, float *out)
{
	for (int c = 0; c < k; c += 16)
	{
		__m256		s0 = _mm256_setzero_ps(),
					s1 = _mm256_setzero_ps();

		for (int d = 0; d < dims; d++)
		{
			__m256		xd = _mm256_set1_ps(x[d]);
			const float *row = ct + (int64) d * k + c;

			s0 = _mm256_fmadd_ps(xd, _mm256_loadu_ps(row), s0);
			s1 = _mm256_fmadd_ps(xd, _mm256_loadu_ps(row + 8), s1);
		}
		_mm256_storeu_ps(out + c, s0);
		_mm256_storeu_ps(out + c + 8, s1);
	}
}

/* A block of 8 sums: lanes where it is smaller take it and its indexes. */
#define AVX2_KEEP_SMALLER(s) \
	do { \
		__m256		lt_ = _mm256_cmp_ps((s), best, _CMP_LT_OQ); \
		best = _mm256_blendv_ps(best, (s), lt_); \
		best_i = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(best_i), \
													  _mm256_castsi256_ps(idx), lt_)); \
		idx = _mm256_add_epi32(idx, eight); \
	} while (0)

/*
 * The nearest of k centroids (ct: dims rows of k values, k a multiple of
 * 8): per lane the smallest sum so far and its index, then the smallest
 * lane; the lowest index wins ties, as in the portable kernel.  Four blocks of 8 centroids at a time, whose sums are independent,
 * so the FMAs' latency overlaps.
 */
static int
avx2_f32_l2sq_nearest(const float *x, const float *ct, int dims, int k, float *distance)
{
	__m256		best = _mm256_set1_ps(INFINITY);
	__m256i		best_i = _mm256_set1_epi32(-1);
	__m256i		idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
	__m256i		eight = _mm256_set1_epi32(8);
	float		bv[8];
	int			bi[8];
	int			c = 0;

	for (; c + 32 <= k; c += 32)
	{
		__m256		s0 = _mm256_setzero_ps();
		__m256		s1 = _mm256_setzero_ps();
		__m256		s2 = _mm256_setzero_ps();
		__m256		s3 = _mm256_setzero_ps();

		for (int d = 0; d < dims; d++)
		{
			const float *row = ct + (int64) d * k + c;
			__m256		xd = _mm256_set1_ps(x[d]);
			__m256		d0 = _mm256_sub_ps(xd, _mm256_loadu_ps(row));
			__m256		d1 = _mm256_sub_ps(xd, _mm256_loadu_ps(row + 8));
			__m256		d2 = _mm256_sub_ps(xd, _mm256_loadu_ps(row + 16));
			__m256		d3 = _mm256_sub_ps(xd, _mm256_loadu_ps(row + 24));

			s0 = _mm256_fmadd_ps(d0, d0, s0);
			s1 = _mm256_fmadd_ps(d1, d1, s1);
			s2 = _mm256_fmadd_ps(d2, d2, s2);
			s3 = _mm256_fmadd_ps(d3, d3, s3);
		}
		AVX2_KEEP_SMALLER(s0);
		AVX2_KEEP_SMALLER(s1);
		AVX2_KEEP_SMALLER(s2);
		AVX2_KEEP_SMALLER(s3);
	}
	for (; c < k; c += 8)
	{
		__m256		s = _mm256_setzero_ps();

		for (int d = 0; d < dims; d++)
		{
			__m256		diff = _mm256_sub_ps(_mm256_set1_ps(x[d]),
											 _mm256_loadu_ps(ct + (int64) d * k + c));

			s = _mm256_fmadd_ps(diff, diff, s);
		}
		AVX2_KEEP_SMALLER(s);
	}
	_mm256_storeu_ps(bv, best);
	_mm256_storeu_si256((__m256i *) bi, best_i);
	return HannoyNearestOfLanes(bv, bi, 8, distance);
}

static const HannoyKernels avx2_kernels = {
	.name = "avx2",
	.f32_l2sq = avx2_f32_l2sq,
	.f32_l2sq_many = avx2_f32_l2sq_many,
	.f32_dot_many = avx2_f32_dot_many,
	.f32_l2sq_nearest = avx2_f32_l2sq_nearest,
	.f32_dot = avx2_f32_dot,
	.f32_l1 = avx2_f32_l1,
	.f32_cosine_parts = avx2_f32_cosine_parts,
	.f16_l2sq = avx2_f16_l2sq,
	.f16_dot = avx2_f16_dot,
	.f16_l1 = avx2_f16_l1,
	.f16_cosine_parts = avx2_f16_cosine_parts,
	.f16_to_f32 = avx2_f16_to_f32,
	.f32_to_f16 = avx2_f32_to_f16,
	.bits_xor = hannoy_count_xor,
	.bits_and_or = hannoy_count_and_or,
};

const HannoyKernels *
HannoyKernelsAvx2(void)
{
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
		__builtin_cpu_supports("popcnt") && HannoyCpuHasF16C())
		return &avx2_kernels;
	return NULL;
}

#else							/* not an x86-64 build with AVX2 flags */

const HannoyKernels *
HannoyKernelsAvx2(void)
{
	return NULL;
}

#endif

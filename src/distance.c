/*-------------------------------------------------------------------------
 *
 * distance.c
 *	  Portable distance kernels and the choice of kernel set.
 *
 * The portable kernels are plain loops in the order the elements come; the
 * compiler may not reassociate float sums (no fast-math), so they are also
 * the reference the SIMD kernels are tested against.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include <math.h>

#include "distance.h"
#include "bitcount.h"
#include "halfutils.h"

const HannoyKernels *HannoyKernel = &HannoyKernelsPortable;

static float
portable_f32_l2sq(const float *a, const float *b, int n)
{
	float		sum = 0.0f;

	for (int i = 0; i < n; i++)
	{
		float		d = a[i] - b[i];

		sum += d * d;
	}
	return sum;
}

static float
portable_f32_dot(const float *a, const float *b, int n)
{
	float		sum = 0.0f;

	for (int i = 0; i < n; i++)
		sum += a[i] * b[i];
	return sum;
}

static float
portable_f32_l1(const float *a, const float *b, int n)
{
	float		sum = 0.0f;

	for (int i = 0; i < n; i++)
		sum += fabsf(a[i] - b[i]);
	return sum;
}

static void
portable_f32_cosine_parts(const float *a, const float *b, int n,
						  float *dot, float *norma, float *normb)
{
	float		ab = 0.0f,
				aa = 0.0f,
				bb = 0.0f;

	for (int i = 0; i < n; i++)
	{
		ab += a[i] * b[i];
		aa += a[i] * a[i];
		bb += b[i] * b[i];
	}
	*dot = ab;
	*norma = aa;
	*normb = bb;
}

static float
portable_f16_l2sq(const uint16 *a, const uint16 *b, int n)
{
	float		sum = 0.0f;

	for (int i = 0; i < n; i++)
	{
		float		d = HannoyHalfToFloat(a[i]) - HannoyHalfToFloat(b[i]);

		sum += d * d;
	}
	return sum;
}

static float
portable_f16_dot(const uint16 *a, const uint16 *b, int n)
{
	float		sum = 0.0f;

	for (int i = 0; i < n; i++)
		sum += HannoyHalfToFloat(a[i]) * HannoyHalfToFloat(b[i]);
	return sum;
}

static float
portable_f16_l1(const uint16 *a, const uint16 *b, int n)
{
	float		sum = 0.0f;

	for (int i = 0; i < n; i++)
		sum += fabsf(HannoyHalfToFloat(a[i]) - HannoyHalfToFloat(b[i]));
	return sum;
}

static void
portable_f16_cosine_parts(const uint16 *a, const uint16 *b, int n,
						  float *dot, float *norma, float *normb)
{
	float		ab = 0.0f,
				aa = 0.0f,
				bb = 0.0f;

	for (int i = 0; i < n; i++)
	{
		float		x = HannoyHalfToFloat(a[i]);
		float		y = HannoyHalfToFloat(b[i]);

		ab += x * y;
		aa += x * x;
		bb += y * y;
	}
	*dot = ab;
	*norma = aa;
	*normb = bb;
}

static void
portable_f16_to_f32(const uint16 *in, float *out, int n)
{
	for (int i = 0; i < n; i++)
		out[i] = HannoyHalfToFloat(in[i]);
}

static void
portable_f32_to_f16(const float *in, uint16 *out, int n)
{
	for (int i = 0; i < n; i++)
		out[i] = HannoyFloatToHalf(in[i]);
}

static void
portable_f32_l2sq_many(const float *x, const float *ct, int dims, int k, float *out)
{
	for (int c = 0; c < k; c++)
		out[c] = 0.0f;
	for (int d = 0; d < dims; d++)
	{
		const float *row = ct + (int64) d * k;

		for (int c = 0; c < k; c++)
		{
			float		diff = x[d] - row[c];

			out[c] += diff * diff;
		}
	}
}

static void
portable_f32_dot_many(const float *x, const float *ct, int dims, int k, float *out)
{
	for (int c = 0; c < k; c++)
		out[c] = 0.0f;
	for (int d = 0; d < dims; d++)
	{
		const float *row = ct + (int64) d * k;

		for (int c = 0; c < k; c++)
			out[c] += x[d] * row[c];
	}
}

static int
portable_f32_l2sq_nearest(const float *x, const float *ct, int dims, int k, float *distance)
{
	float		dist[256];
	int			best = -1;
	float		best_d = 0.0f;

	for (int c0 = 0; c0 < k; c0 += 256)
	{
		int			n = Min(256, k - c0);

		for (int c = 0; c < n; c++)
			dist[c] = 0.0f;
		for (int d = 0; d < dims; d++)
		{
			const float *row = ct + (int64) d * k + c0;

			for (int c = 0; c < n; c++)
			{
				float		diff = x[d] - row[c];

				dist[c] += diff * diff;
			}
		}
		for (int c = 0; c < n; c++)
			if (best < 0 || dist[c] < best_d)
			{
				best = c0 + c;
				best_d = dist[c];
			}
	}
	*distance = best_d;
	return best;
}

const HannoyKernels HannoyKernelsPortable = {
	.name = "portable",
	.f32_l2sq = portable_f32_l2sq,
	.f32_l2sq_many = portable_f32_l2sq_many,
	.f32_dot_many = portable_f32_dot_many,
	.f32_l2sq_nearest = portable_f32_l2sq_nearest,
	.f32_dot = portable_f32_dot,
	.f32_l1 = portable_f32_l1,
	.f32_cosine_parts = portable_f32_cosine_parts,
	.f16_l2sq = portable_f16_l2sq,
	.f16_dot = portable_f16_dot,
	.f16_l1 = portable_f16_l1,
	.f16_cosine_parts = portable_f16_cosine_parts,
	.f16_to_f32 = portable_f16_to_f32,
	.f32_to_f16 = portable_f32_to_f16,
	.bits_xor = hannoy_count_xor,
	.bits_and_or = hannoy_count_and_or,
};

/*
 * The kernel set for a hannoy.kernels choice, or NULL when this build or
 * this CPU cannot run it.  AUTO gives the best available set.
 */
const HannoyKernels *
HannoyKernelsFor(HannoyKernelChoice choice)
{
	switch (choice)
	{
		case HANNOY_KERNELS_AUTO:
			if (HannoyKernelsAvx512() != NULL)
				return HannoyKernelsAvx512();
			if (HannoyKernelsAvx2() != NULL)
				return HannoyKernelsAvx2();
			return &HannoyKernelsPortable;
		case HANNOY_KERNELS_AVX512:
			return HannoyKernelsAvx512();
		case HANNOY_KERNELS_AVX2:
			return HannoyKernelsAvx2();
		case HANNOY_KERNELS_PORTABLE:
			return &HannoyKernelsPortable;
	}
	return NULL;
}

/*
 * Whether the CPU converts halves (F16C).  CPUID leaf 1 says, rather than
 * __builtin_cpu_supports("f16c"), which clang 14 does not know; the SIMD
 * sets that need it also need AVX, so the OS saves the registers it uses.
 */
bool
HannoyCpuHasF16C(void)
{
#if defined(__x86_64__)
	unsigned int eax,
				ebx,
				ecx,
				edx;

	return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C) != 0;
#else
	return false;
#endif
}

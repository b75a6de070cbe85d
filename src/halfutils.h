/*-------------------------------------------------------------------------
 *
 * halfutils.h
 *	  Portable scalar conversions between float4 and IEEE binary16.
 *
 * Round-to-nearest-even, subnormals kept, overflow to infinity (callers
 * that must reject overflow check the magnitude first).  The bulk SIMD
 * conversions live with the kernels in distance*.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HANNOY_HALFUTILS_H
#define HANNOY_HALFUTILS_H

#include "postgres.h"

#define HALF_MAX_VALUE 65504.0f

static inline uint32
HannoyFloatBits(float f)
{
	uint32		u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

static inline float
HannoyBitsFloat(uint32 u)
{
	float		f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

static inline float
HannoyHalfToFloat(uint16 h)
{
	uint32		sign = ((uint32) (h & 0x8000)) << 16;
	uint32		exponent = (h >> 10) & 0x1f;
	uint32		mantissa = h & 0x3ff;

	if (exponent == 0x1f)		/* infinity or NaN */
		return HannoyBitsFloat(sign | 0x7f800000 | (mantissa << 13));
	if (exponent == 0)
	{
		/* zero or subnormal: mantissa * 2^-24, exact in float */
		float		f = (float) mantissa * (1.0f / 16777216.0f);

		return HannoyBitsFloat(HannoyFloatBits(f) | sign);
	}
	/* normal: rebias the exponent from 15 to 127 */
	return HannoyBitsFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

static inline uint16
HannoyFloatToHalf(float f)
{
	uint32		bits = HannoyFloatBits(f);
	uint16		sign = (uint16) ((bits >> 16) & 0x8000);
	uint32		magnitude = bits & 0x7fffffff;

	if (magnitude >= 0x7f800000)	/* infinity or NaN (keep NaN quiet) */
		return sign | 0x7c00 | (magnitude > 0x7f800000 ? 0x200 : 0);
	if (magnitude >= 0x477ff000)	/* >= 65520 rounds to infinity */
		return sign | 0x7c00;
	if (magnitude < 0x38800000)
	{
		/*
		 * Below the smallest normal half (2^-14): adding 0.5 puts the value
		 * into a binade whose float ulp is 2^-24, the half subnormal step,
		 * so the FPU does the round-to-nearest-even for us.
		 */
		float		shifted = HannoyBitsFloat(magnitude) + 0.5f;

		return sign | (uint16) (HannoyFloatBits(shifted) - 0x3f000000);
	}
	/* normal: rebias exponent (-112 << 23) and round to nearest even */
	magnitude += 0xc8000fff + ((magnitude >> 13) & 1);
	return sign | (uint16) (magnitude >> 13);
}

/* true for the binary16 bit patterns of infinity and NaN */
static inline bool
HannoyHalfIsNonFinite(uint16 h)
{
	return (h & 0x7c00) == 0x7c00;
}

#endif							/* HANNOY_HALFUTILS_H */

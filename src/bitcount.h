/*-------------------------------------------------------------------------
 *
 * bitcount.h
 *	  The bit-vector kernels' loops, written once and compiled into each
 *	  kernel set's object (distance.c, distance_avx2.c, distance_avx512.c)
 *	  with that object's flags: the SIMD objects are built with -mpopcnt, so
 *	  __builtin_popcountll becomes the POPCNT instruction there and a
 *	  portable bit count in distance.c.
 *
 * Each kernel set's table points at its object's copy of both functions
 * (static inline: one copy per object that takes their address).  Bits
 * are counted 64 at a time (unaligned loads through memcpy), with
 * independent counters to keep POPCNT's latency off the critical path,
 * then byte by byte for the tail.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HANNOY_BITCOUNT_H
#define HANNOY_BITCOUNT_H

#include "postgres.h"

static inline uint64
hannoy_load64(const uint8 *p)
{
	uint64		x;

	memcpy(&x, p, sizeof(x));
	return x;
}

/* set bits of a XOR b over n bytes (the Hamming distance) */
static inline uint64
hannoy_count_xor(const uint8 *a, const uint8 *b, int n)
{
	uint64		c0 = 0,
				c1 = 0,
				c2 = 0,
				c3 = 0;
	int			i = 0;

	for (; i + 32 <= n; i += 32)
	{
		c0 += __builtin_popcountll(hannoy_load64(a + i) ^ hannoy_load64(b + i));
		c1 += __builtin_popcountll(hannoy_load64(a + i + 8) ^ hannoy_load64(b + i + 8));
		c2 += __builtin_popcountll(hannoy_load64(a + i + 16) ^ hannoy_load64(b + i + 16));
		c3 += __builtin_popcountll(hannoy_load64(a + i + 24) ^ hannoy_load64(b + i + 24));
	}
	for (; i + 8 <= n; i += 8)
		c0 += __builtin_popcountll(hannoy_load64(a + i) ^ hannoy_load64(b + i));
	for (; i < n; i++)
		c1 += __builtin_popcount((unsigned) (a[i] ^ b[i]));
	return c0 + c1 + c2 + c3;
}

/* set bits of a AND b (*both) and of a OR b (*either) over n bytes */
static inline void
hannoy_count_and_or(const uint8 *a, const uint8 *b, int n, uint64 *both, uint64 *either)
{
	uint64		and0 = 0,
				and1 = 0,
				or0 = 0,
				or1 = 0;
	int			i = 0;

	for (; i + 16 <= n; i += 16)
	{
		uint64		x0 = hannoy_load64(a + i),
					y0 = hannoy_load64(b + i),
					x1 = hannoy_load64(a + i + 8),
					y1 = hannoy_load64(b + i + 8);

		and0 += __builtin_popcountll(x0 & y0);
		or0 += __builtin_popcountll(x0 | y0);
		and1 += __builtin_popcountll(x1 & y1);
		or1 += __builtin_popcountll(x1 | y1);
	}
	for (; i + 8 <= n; i += 8)
	{
		uint64		x = hannoy_load64(a + i),
					y = hannoy_load64(b + i);

		and0 += __builtin_popcountll(x & y);
		or0 += __builtin_popcountll(x | y);
	}
	for (; i < n; i++)
	{
		and1 += __builtin_popcount((unsigned) (a[i] & b[i]));
		or1 += __builtin_popcount((unsigned) (a[i] | b[i]));
	}
	*both = and0 + and1;
	*either = or0 + or1;
}

#endif							/* HANNOY_BITCOUNT_H */

/*-------------------------------------------------------------------------
 *
 * bit.c
 *	  Bit vectors on PostgreSQL's own bit type (issue 13): Hamming and
 *	  Jaccard distances, and binary quantization of vector and halfvec
 *	  (a bit per dimension, set when the value is above zero), as pgvector
 *	  names them, so that its binary-quantization recipe runs unchanged.
 *
 * A bit string keeps its bits first to last from the high bit of its
 * first byte, and the bits past its length in the last byte are zero
 * (varbit.c keeps them so), so both distances can work byte by byte.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "port/pg_bitutils.h"
#include "utils/varbit.h"

#include "halfutils.h"
#include "vector_common.h"

static void
check_same_length(VarBit *a, VarBit *b)
{
	if (VARBITLEN(a) != VARBITLEN(b))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different bit lengths %d and %d", VARBITLEN(a), VARBITLEN(b))));
}

/* Set bits of a XOR b, over n bytes. */
static uint64
count_xor(const bits8 *a, const bits8 *b, int n)
{
	uint64		count = 0;
	int			i = 0;

	for (; i + 8 <= n; i += 8)
	{
		uint64		x;
		uint64		y;

		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		count += pg_popcount64(x ^ y);
	}
	for (; i < n; i++)
		count += pg_number_of_ones[a[i] ^ b[i]];
	return count;
}

/* Set bits of a AND b (*both) and of a OR b (*either), over n bytes. */
static void
count_and_or(const bits8 *a, const bits8 *b, int n, uint64 *both, uint64 *either)
{
	int			i = 0;

	*both = *either = 0;
	for (; i + 8 <= n; i += 8)
	{
		uint64		x;
		uint64		y;

		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		*both += pg_popcount64(x & y);
		*either += pg_popcount64(x | y);
	}
	for (; i < n; i++)
	{
		*both += pg_number_of_ones[a[i] & b[i]];
		*either += pg_number_of_ones[a[i] | b[i]];
	}
}

PG_FUNCTION_INFO_V1(hannoy_hamming_distance);
Datum
hannoy_hamming_distance(PG_FUNCTION_ARGS)
{
	VarBit	   *a = PG_GETARG_VARBIT_P(0);
	VarBit	   *b = PG_GETARG_VARBIT_P(1);

	check_same_length(a, b);
	PG_RETURN_FLOAT8((double) count_xor(VARBITS(a), VARBITS(b), VARBITBYTES(a)));
}

/* 1 - |a AND b| / |a OR b|; 1 when neither has a bit set. */
PG_FUNCTION_INFO_V1(hannoy_jaccard_distance);
Datum
hannoy_jaccard_distance(PG_FUNCTION_ARGS)
{
	VarBit	   *a = PG_GETARG_VARBIT_P(0);
	VarBit	   *b = PG_GETARG_VARBIT_P(1);
	uint64		both;
	uint64		either;

	check_same_length(a, b);
	count_and_or(VARBITS(a), VARBITS(b), VARBITBYTES(a), &both, &either);
	if (either == 0)
		PG_RETURN_FLOAT8(1.0);
	PG_RETURN_FLOAT8(1.0 - (double) both / (double) either);
}

static VarBit *
new_bits(int len)
{
	VarBit	   *result = palloc0(VARBITTOTALLEN(len));

	SET_VARSIZE(result, VARBITTOTALLEN(len));
	VARBITLEN(result) = len;
	return result;
}

PG_FUNCTION_INFO_V1(hannoy_vector_binary_quantize);
Datum
hannoy_vector_binary_quantize(PG_FUNCTION_ARGS)
{
	Vector	   *v = PG_GETARG_VECTOR_P(0);
	VarBit	   *result = new_bits(v->dim);
	bits8	   *out = VARBITS(result);

	for (int i = 0; i < v->dim; i++)
		if (v->x[i] > 0)
			out[i / 8] |= (bits8) (0x80 >> (i % 8));
	PG_RETURN_VARBIT_P(result);
}

PG_FUNCTION_INFO_V1(hannoy_halfvec_binary_quantize);
Datum
hannoy_halfvec_binary_quantize(PG_FUNCTION_ARGS)
{
	HalfVector *v = PG_GETARG_HALFVEC_P(0);
	VarBit	   *result = new_bits(v->dim);
	bits8	   *out = VARBITS(result);

	for (int i = 0; i < v->dim; i++)
		if (HannoyHalfToFloat(v->x[i]) > 0)
			out[i / 8] |= (bits8) (0x80 >> (i % 8));
	PG_RETURN_VARBIT_P(result);
}

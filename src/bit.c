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
 * (varbit.c keeps them so), so both distances can work byte by byte.  They
 * count bits with the kernels of distance.h, as the bit opclasses do.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/varbit.h"

#include "distance.h"
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

PG_FUNCTION_INFO_V1(hannoy_hamming_distance);
Datum
hannoy_hamming_distance(PG_FUNCTION_ARGS)
{
	VarBit	   *a = PG_GETARG_VARBIT_P(0);
	VarBit	   *b = PG_GETARG_VARBIT_P(1);

	check_same_length(a, b);
	PG_RETURN_FLOAT8((double) HannoyKernel->bits_xor(VARBITS(a), VARBITS(b), VARBITBYTES(a)));
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
	HannoyKernel->bits_and_or(VARBITS(a), VARBITS(b), VARBITBYTES(a), &both, &either);
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

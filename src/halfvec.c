/*-------------------------------------------------------------------------
 *
 * halfvec.c
 *	  The halfvec type: IEEE binary16 elements, pgvector's text and binary
 *	  forms, distance functions, arithmetic, ordering, aggregates, and the
 *	  casts between vector and halfvec.
 *
 * Elements enter through HannoyFloatToHalfChecked(), which rejects
 * non-finite values and magnitudes above 65504; arithmetic runs in float4
 * and converts back with the same check.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "libpq/pqformat.h"
#include "utils/array.h"
#include "fmgr.h"

#include "distance.h"
#include "halfutils.h"
#include "vector_common.h"

static HalfVector *
halfvec_from_floats(const float *x, int dim)
{
	HalfVector *v = HannoyHalfVectorAlloc(dim);

	for (int i = 0; i < dim; i++)
		v->x[i] = HannoyFloatToHalfChecked(x[i]);
	return v;
}

static float *
halfvec_to_floats(const HalfVector *v)
{
	float	   *x = palloc(sizeof(float) * v->dim);

	HannoyKernel->f16_to_f32(v->x, x, v->dim);
	return x;
}

PG_FUNCTION_INFO_V1(hannoy_halfvec_in);
Datum
hannoy_halfvec_in(PG_FUNCTION_ARGS)
{
	char	   *lit = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	int			dim;
	float	   *x = HannoyParseVectorLiteral("halfvec", lit, &dim);

	HannoyCheckDim("halfvec", dim);
	HannoyCheckExpectedDim(typmod, dim);
	PG_RETURN_HALFVEC_P(halfvec_from_floats(x, dim));
}

PG_FUNCTION_INFO_V1(hannoy_halfvec_out);
Datum
hannoy_halfvec_out(PG_FUNCTION_ARGS)
{
	HalfVector *v = PG_GETARG_HALFVEC_P(0);

	PG_RETURN_CSTRING(HannoyFormatVectorLiteral(halfvec_to_floats(v), v->dim));
}

PG_FUNCTION_INFO_V1(hannoy_halfvec_typmod_in);
Datum
hannoy_halfvec_typmod_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(HannoyTypmodIn("halfvec", PG_GETARG_ARRAYTYPE_P(0), HANNOY_MAX_DIM));
}

/* Binary form: int16 dim, int16 0, dim binary16 bit patterns, network order. */
PG_FUNCTION_INFO_V1(hannoy_halfvec_recv);
Datum
hannoy_halfvec_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	int16		dim = (int16) pq_getmsgint(buf, sizeof(int16));
	int16		unused = (int16) pq_getmsgint(buf, sizeof(int16));
	HalfVector *v;

	HannoyCheckDim("halfvec", dim);
	HannoyCheckExpectedDim(typmod, dim);
	if (unused != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary data for type halfvec"),
				 errdetail("The reserved field is %d, not 0.", unused)));

	v = HannoyHalfVectorAlloc(dim);
	for (int i = 0; i < dim; i++)
	{
		v->x[i] = (uint16) pq_getmsgint(buf, sizeof(uint16));
		if (HannoyHalfIsNonFinite(v->x[i]))
			HannoyCheckFiniteElement("halfvec", HannoyHalfToFloat(v->x[i]));
	}
	PG_RETURN_HALFVEC_P(v);
}

PG_FUNCTION_INFO_V1(hannoy_halfvec_send);
Datum
hannoy_halfvec_send(PG_FUNCTION_ARGS)
{
	HalfVector *v = PG_GETARG_HALFVEC_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, v->dim);
	pq_sendint16(&buf, 0);
	for (int i = 0; i < v->dim; i++)
		pq_sendint16(&buf, v->x[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Typmod coercion: halfvec -> halfvec(n) */
PG_FUNCTION_INFO_V1(hannoy_halfvec);
Datum
hannoy_halfvec(PG_FUNCTION_ARGS)
{
	HalfVector *v = PG_GETARG_HALFVEC_P(0);

	HannoyCheckExpectedDim(PG_GETARG_INT32(1), v->dim);
	PG_RETURN_HALFVEC_P(v);
}

PG_FUNCTION_INFO_V1(hannoy_array_to_halfvec);
Datum
hannoy_array_to_halfvec(PG_FUNCTION_ARGS)
{
	int			dim;
	float	   *x = HannoyArrayToFloats("halfvec", PG_GETARG_ARRAYTYPE_P(0), HANNOY_MAX_DIM, &dim);

	HannoyCheckExpectedDim(PG_GETARG_INT32(1), dim);
	PG_RETURN_HALFVEC_P(halfvec_from_floats(x, dim));
}

PG_FUNCTION_INFO_V1(hannoy_halfvec_to_float4);
Datum
hannoy_halfvec_to_float4(PG_FUNCTION_ARGS)
{
	HalfVector *v = PG_GETARG_HALFVEC_P(0);

	PG_RETURN_ARRAYTYPE_P(HannoyFloatsToArray(halfvec_to_floats(v), v->dim));
}

PG_FUNCTION_INFO_V1(hannoy_vector_to_halfvec);
Datum
hannoy_vector_to_halfvec(PG_FUNCTION_ARGS)
{
	Vector	   *v = PG_GETARG_VECTOR_P(0);

	HannoyCheckExpectedDim(PG_GETARG_INT32(1), v->dim);
	PG_RETURN_HALFVEC_P(halfvec_from_floats(v->x, v->dim));
}

PG_FUNCTION_INFO_V1(hannoy_halfvec_to_vector);
Datum
hannoy_halfvec_to_vector(PG_FUNCTION_ARGS)
{
	HalfVector *h = PG_GETARG_HALFVEC_P(0);
	Vector	   *v;

	HannoyCheckExpectedDim(PG_GETARG_INT32(1), h->dim);
	v = HannoyVectorAlloc(h->dim);
	HannoyKernel->f16_to_f32(h->x, v->x, h->dim);
	PG_RETURN_VECTOR_P(v);
}

/* Distances */

PG_FUNCTION_INFO_V1(hannoy_halfvec_l2_distance);
Datum
hannoy_halfvec_l2_distance(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *b = PG_GETARG_HALFVEC_P(1);

	HannoyCheckSameDims(a->dim, b->dim);
	PG_RETURN_FLOAT8(sqrt((double) HannoyKernel->f16_l2sq(a->x, b->x, a->dim)));
}

PG_FUNCTION_INFO_V1(hannoy_halfvec_l2_squared_distance);
Datum
hannoy_halfvec_l2_squared_distance(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *b = PG_GETARG_HALFVEC_P(1);

	HannoyCheckSameDims(a->dim, b->dim);
	PG_RETURN_FLOAT8((double) HannoyKernel->f16_l2sq(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(hannoy_halfvec_inner_product);
Datum
hannoy_halfvec_inner_product(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *b = PG_GETARG_HALFVEC_P(1);

	HannoyCheckSameDims(a->dim, b->dim);
	PG_RETURN_FLOAT8((double) HannoyKernel->f16_dot(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(hannoy_halfvec_negative_inner_product);
Datum
hannoy_halfvec_negative_inner_product(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *b = PG_GETARG_HALFVEC_P(1);

	HannoyCheckSameDims(a->dim, b->dim);
	PG_RETURN_FLOAT8(-(double) HannoyKernel->f16_dot(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(hannoy_halfvec_cosine_distance);
Datum
hannoy_halfvec_cosine_distance(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *b = PG_GETARG_HALFVEC_P(1);
	float		dot,
				norma,
				normb;

	HannoyCheckSameDims(a->dim, b->dim);
	HannoyKernel->f16_cosine_parts(a->x, b->x, a->dim, &dot, &norma, &normb);
	PG_RETURN_FLOAT8(HannoyCosineFromParts(dot, norma, normb));
}

PG_FUNCTION_INFO_V1(hannoy_halfvec_l1_distance);
Datum
hannoy_halfvec_l1_distance(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *b = PG_GETARG_HALFVEC_P(1);

	HannoyCheckSameDims(a->dim, b->dim);
	PG_RETURN_FLOAT8((double) HannoyKernel->f16_l1(a->x, b->x, a->dim));
}

/* Single-vector functions */

PG_FUNCTION_INFO_V1(hannoy_halfvec_dims);
Datum
hannoy_halfvec_dims(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(PG_GETARG_HALFVEC_P(0)->dim);
}

static double
halfvec_norm(const HalfVector *v)
{
	double		sum = 0.0;

	for (int i = 0; i < v->dim; i++)
	{
		double		x = HannoyHalfToFloat(v->x[i]);

		sum += x * x;
	}
	return sqrt(sum);
}

PG_FUNCTION_INFO_V1(hannoy_halfvec_l2_norm);
Datum
hannoy_halfvec_l2_norm(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(halfvec_norm(PG_GETARG_HALFVEC_P(0)));
}

PG_FUNCTION_INFO_V1(hannoy_halfvec_l2_normalize);
Datum
hannoy_halfvec_l2_normalize(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	double		norm = halfvec_norm(a);
	HalfVector *result = HannoyHalfVectorAlloc(a->dim);

	/* the zero vector has no direction: it stays zero */
	if (norm > 0)
		for (int i = 0; i < a->dim; i++)
			result->x[i] = HannoyFloatToHalf((float) (HannoyHalfToFloat(a->x[i]) / norm));
	PG_RETURN_HALFVEC_P(result);
}

/* a || b: a's elements, then b's (0.4.0) */
PG_FUNCTION_INFO_V1(hannoy_halfvec_concat);
Datum
hannoy_halfvec_concat(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *b = PG_GETARG_HALFVEC_P(1);
	HalfVector *result = HannoyHalfVectorAlloc(a->dim + b->dim);

	memcpy(result->x, a->x, sizeof(uint16) * a->dim);
	memcpy(result->x + a->dim, b->x, sizeof(uint16) * b->dim);
	PG_RETURN_HALFVEC_P(result);
}

PG_FUNCTION_INFO_V1(hannoy_halfvec_subvector);
Datum
hannoy_halfvec_subvector(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *result;
	int			first,
				length;

	HannoySubvectorRange("halfvec", a->dim, PG_GETARG_INT32(1), PG_GETARG_INT32(2),
						 &first, &length);
	result = HannoyHalfVectorAlloc(length);
	memcpy(result->x, a->x + first, sizeof(uint16) * length);
	PG_RETURN_HALFVEC_P(result);
}

/* Element-wise arithmetic, in float4, rounded back to binary16 */

static Datum
halfvec_arith(FunctionCallInfo fcinfo, HannoyArithOp op)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *b = PG_GETARG_HALFVEC_P(1);
	float	   *result;

	HannoyCheckSameDims(a->dim, b->dim);
	result = palloc(sizeof(float) * a->dim);
	HannoyFloatArith(op, halfvec_to_floats(a), halfvec_to_floats(b), result,
					 a->dim);
	PG_RETURN_HALFVEC_P(halfvec_from_floats(result, a->dim));
}

PG_FUNCTION_INFO_V1(hannoy_halfvec_add);
Datum
hannoy_halfvec_add(PG_FUNCTION_ARGS)
{
	return halfvec_arith(fcinfo, HANNOY_ARITH_ADD);
}

PG_FUNCTION_INFO_V1(hannoy_halfvec_sub);
Datum
hannoy_halfvec_sub(PG_FUNCTION_ARGS)
{
	return halfvec_arith(fcinfo, HANNOY_ARITH_SUB);
}

PG_FUNCTION_INFO_V1(hannoy_halfvec_mul);
Datum
hannoy_halfvec_mul(PG_FUNCTION_ARGS)
{
	return halfvec_arith(fcinfo, HANNOY_ARITH_MUL);
}

/* Ordering (btree): binary16 to float4 is exact and monotonic */

static int
halfvec_compare(FunctionCallInfo fcinfo)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *b = PG_GETARG_HALFVEC_P(1);
	int			n = Min(a->dim, b->dim);

	for (int i = 0; i < n; i++)
	{
		float		x = HannoyHalfToFloat(a->x[i]);
		float		y = HannoyHalfToFloat(b->x[i]);

		if (x != y)
			return x < y ? -1 : 1;
	}
	return (a->dim > b->dim) - (a->dim < b->dim);
}

HANNOY_DEFINE_COMPARISONS(hannoy_halfvec, halfvec_compare)

/* avg() */

PG_FUNCTION_INFO_V1(hannoy_halfvec_accum);
Datum
hannoy_halfvec_accum(PG_FUNCTION_ARGS)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	HalfVector *v = PG_GETARG_HALFVEC_P(1);

	/* outside an aggregate the state is not ours to change */
	if (!AggCheckCallContext(fcinfo, NULL))
		state = PG_GETARG_ARRAYTYPE_P_COPY(0);
	PG_RETURN_ARRAYTYPE_P(HannoyAccumFloats(state, halfvec_to_floats(v), v->dim));
}

PG_FUNCTION_INFO_V1(hannoy_halfvec_avg);
Datum
hannoy_halfvec_avg(PG_FUNCTION_ARGS)
{
	int			dim;
	float	   *x = HannoyStateAverage(PG_GETARG_ARRAYTYPE_P(0), &dim);

	if (x == NULL)
		PG_RETURN_NULL();
	PG_RETURN_HALFVEC_P(halfvec_from_floats(x, dim));
}

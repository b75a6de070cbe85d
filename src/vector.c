/*-------------------------------------------------------------------------
 *
 * vector.c
 *	  The vector type: float4 elements, pgvector's text and binary forms,
 *	  distance functions, arithmetic, ordering and aggregates.
 *
 * Distances go through the kernel table (distance.h); the shared checks
 * and text handling are in vector_common.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/float.h"
#include "fmgr.h"

#include "distance.h"
#include "vector_common.h"

static Vector *
vector_from_floats(const float *x, int dim)
{
	Vector	   *v = HannoyVectorAlloc(dim);

	for (int i = 0; i < dim; i++)
		HannoyCheckFiniteElement("vector", x[i]);
	memcpy(v->x, x, sizeof(float) * dim);
	return v;
}

PG_FUNCTION_INFO_V1(hannoy_vector_in);
Datum
hannoy_vector_in(PG_FUNCTION_ARGS)
{
	char	   *lit = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	int			dim;
	float	   *x = HannoyParseVectorLiteral("vector", lit, &dim);

	HannoyCheckDim("vector", dim);
	HannoyCheckExpectedDim(typmod, dim);
	PG_RETURN_VECTOR_P(vector_from_floats(x, dim));
}

PG_FUNCTION_INFO_V1(hannoy_vector_out);
Datum
hannoy_vector_out(PG_FUNCTION_ARGS)
{
	Vector	   *v = PG_GETARG_VECTOR_P(0);

	PG_RETURN_CSTRING(HannoyFormatVectorLiteral(v->x, v->dim));
}

PG_FUNCTION_INFO_V1(hannoy_vector_typmod_in);
Datum
hannoy_vector_typmod_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(HannoyTypmodIn("vector", PG_GETARG_ARRAYTYPE_P(0), HANNOY_MAX_DIM));
}

/* Binary form: int16 dim, int16 0, dim float4, all in network order. */
PG_FUNCTION_INFO_V1(hannoy_vector_recv);
Datum
hannoy_vector_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	int16		dim = (int16) pq_getmsgint(buf, sizeof(int16));
	int16		unused = (int16) pq_getmsgint(buf, sizeof(int16));
	Vector	   *v;

	HannoyCheckDim("vector", dim);
	HannoyCheckExpectedDim(typmod, dim);
	if (unused != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary data for type vector"),
				 errdetail("The reserved field is %d, not 0.", unused)));

	v = HannoyVectorAlloc(dim);
	/* all elements at once (a query vector arrives this way every query) */
	{
		const char *src = pq_getmsgbytes(buf, sizeof(float4) * dim);

		for (int i = 0; i < dim; i++)
		{
			uint32		bits;

			memcpy(&bits, src + sizeof(float4) * i, sizeof(bits));
			bits = pg_ntoh32(bits);
			memcpy(&v->x[i], &bits, sizeof(float4));
		}
	}
	for (int i = 0; i < dim; i++)
		if (!isfinite(v->x[i]))
			HannoyCheckFiniteElement("vector", v->x[i]);
	PG_RETURN_VECTOR_P(v);
}

PG_FUNCTION_INFO_V1(hannoy_vector_send);
Datum
hannoy_vector_send(PG_FUNCTION_ARGS)
{
	Vector	   *v = PG_GETARG_VECTOR_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, v->dim);
	pq_sendint16(&buf, 0);
	for (int i = 0; i < v->dim; i++)
		pq_sendfloat4(&buf, v->x[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Typmod coercion: vector -> vector(n) */
PG_FUNCTION_INFO_V1(hannoy_vector);
Datum
hannoy_vector(PG_FUNCTION_ARGS)
{
	Vector	   *v = PG_GETARG_VECTOR_P(0);

	HannoyCheckExpectedDim(PG_GETARG_INT32(1), v->dim);
	PG_RETURN_VECTOR_P(v);
}

PG_FUNCTION_INFO_V1(hannoy_array_to_vector);
Datum
hannoy_array_to_vector(PG_FUNCTION_ARGS)
{
	int			dim;
	float	   *x = HannoyArrayToFloats("vector", PG_GETARG_ARRAYTYPE_P(0), HANNOY_MAX_DIM, &dim);

	HannoyCheckExpectedDim(PG_GETARG_INT32(1), dim);
	PG_RETURN_VECTOR_P(vector_from_floats(x, dim));
}

PG_FUNCTION_INFO_V1(hannoy_vector_to_float4);
Datum
hannoy_vector_to_float4(PG_FUNCTION_ARGS)
{
	Vector	   *v = PG_GETARG_VECTOR_P(0);

	PG_RETURN_ARRAYTYPE_P(HannoyFloatsToArray(v->x, v->dim));
}

/* Distances */

PG_FUNCTION_INFO_V1(hannoy_vector_l2_distance);
Datum
hannoy_vector_l2_distance(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);

	HannoyCheckSameDims(a->dim, b->dim);
	PG_RETURN_FLOAT8(sqrt((double) HannoyKernel->f32_l2sq(a->x, b->x, a->dim)));
}

PG_FUNCTION_INFO_V1(hannoy_vector_l2_squared_distance);
Datum
hannoy_vector_l2_squared_distance(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);

	HannoyCheckSameDims(a->dim, b->dim);
	PG_RETURN_FLOAT8((double) HannoyKernel->f32_l2sq(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(hannoy_vector_inner_product);
Datum
hannoy_vector_inner_product(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);

	HannoyCheckSameDims(a->dim, b->dim);
	PG_RETURN_FLOAT8((double) HannoyKernel->f32_dot(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(hannoy_vector_negative_inner_product);
Datum
hannoy_vector_negative_inner_product(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);

	HannoyCheckSameDims(a->dim, b->dim);
	PG_RETURN_FLOAT8(-(double) HannoyKernel->f32_dot(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(hannoy_vector_cosine_distance);
Datum
hannoy_vector_cosine_distance(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);
	float		dot,
				norma,
				normb;

	HannoyCheckSameDims(a->dim, b->dim);
	HannoyKernel->f32_cosine_parts(a->x, b->x, a->dim, &dot, &norma, &normb);
	PG_RETURN_FLOAT8(HannoyCosineFromParts(dot, norma, normb));
}

PG_FUNCTION_INFO_V1(hannoy_vector_l1_distance);
Datum
hannoy_vector_l1_distance(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);

	HannoyCheckSameDims(a->dim, b->dim);
	PG_RETURN_FLOAT8((double) HannoyKernel->f32_l1(a->x, b->x, a->dim));
}

/* Single-vector functions */

PG_FUNCTION_INFO_V1(hannoy_vector_dims);
Datum
hannoy_vector_dims(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(PG_GETARG_VECTOR_P(0)->dim);
}

static double
vector_norm(const Vector *v)
{
	double		sum = 0.0;

	for (int i = 0; i < v->dim; i++)
		sum += (double) v->x[i] * (double) v->x[i];
	return sqrt(sum);
}

PG_FUNCTION_INFO_V1(hannoy_vector_norm);
Datum
hannoy_vector_norm(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(vector_norm(PG_GETARG_VECTOR_P(0)));
}

PG_FUNCTION_INFO_V1(hannoy_vector_l2_normalize);
Datum
hannoy_vector_l2_normalize(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	double		norm = vector_norm(a);
	Vector	   *result = HannoyVectorAlloc(a->dim);

	/* the zero vector has no direction: it stays zero */
	if (norm > 0)
		for (int i = 0; i < a->dim; i++)
			result->x[i] = (float) (a->x[i] / norm);
	PG_RETURN_VECTOR_P(result);
}

PG_FUNCTION_INFO_V1(hannoy_vector_subvector);
Datum
hannoy_vector_subvector(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	int			first,
				length;

	HannoySubvectorRange("vector", a->dim, PG_GETARG_INT32(1), PG_GETARG_INT32(2),
						 &first, &length);
	PG_RETURN_VECTOR_P(vector_from_floats(a->x + first, length));
}

/* a || b: a's elements, then b's (0.4.0) */
PG_FUNCTION_INFO_V1(hannoy_vector_concat);
Datum
hannoy_vector_concat(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);
	Vector	   *result = HannoyVectorAlloc(a->dim + b->dim);

	memcpy(result->x, a->x, sizeof(float) * a->dim);
	memcpy(result->x + a->dim, b->x, sizeof(float) * b->dim);
	PG_RETURN_VECTOR_P(result);
}

/* Element-wise arithmetic */

static Datum
vector_arith(FunctionCallInfo fcinfo, HannoyArithOp op)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);
	Vector	   *result;

	HannoyCheckSameDims(a->dim, b->dim);
	result = HannoyVectorAlloc(a->dim);
	HannoyFloatArith(op, a->x, b->x, result->x, a->dim);
	PG_RETURN_VECTOR_P(result);
}

PG_FUNCTION_INFO_V1(hannoy_vector_add);
Datum
hannoy_vector_add(PG_FUNCTION_ARGS)
{
	return vector_arith(fcinfo, HANNOY_ARITH_ADD);
}

PG_FUNCTION_INFO_V1(hannoy_vector_sub);
Datum
hannoy_vector_sub(PG_FUNCTION_ARGS)
{
	return vector_arith(fcinfo, HANNOY_ARITH_SUB);
}

PG_FUNCTION_INFO_V1(hannoy_vector_mul);
Datum
hannoy_vector_mul(PG_FUNCTION_ARGS)
{
	return vector_arith(fcinfo, HANNOY_ARITH_MUL);
}

/* Ordering (btree) */

static int
vector_compare(FunctionCallInfo fcinfo)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);

	return HannoyCompareFloats(a->x, a->dim, b->x, b->dim);
}

HANNOY_DEFINE_COMPARISONS(hannoy_vector, vector_compare)

/* avg() */

PG_FUNCTION_INFO_V1(hannoy_vector_accum);
Datum
hannoy_vector_accum(PG_FUNCTION_ARGS)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	Vector	   *v = PG_GETARG_VECTOR_P(1);

	/* outside an aggregate the state is not ours to change */
	if (!AggCheckCallContext(fcinfo, NULL))
		state = PG_GETARG_ARRAYTYPE_P_COPY(0);
	PG_RETURN_ARRAYTYPE_P(HannoyAccumFloats(state, v->x, v->dim));
}

PG_FUNCTION_INFO_V1(hannoy_vector_combine);
Datum
hannoy_vector_combine(PG_FUNCTION_ARGS)
{
	PG_RETURN_ARRAYTYPE_P(HannoyCombineStates(PG_GETARG_ARRAYTYPE_P(0),
											  PG_GETARG_ARRAYTYPE_P(1)));
}

PG_FUNCTION_INFO_V1(hannoy_vector_avg);
Datum
hannoy_vector_avg(PG_FUNCTION_ARGS)
{
	int			dim;
	float	   *x = HannoyStateAverage(PG_GETARG_ARRAYTYPE_P(0), &dim);

	if (x == NULL)
		PG_RETURN_NULL();
	PG_RETURN_VECTOR_P(vector_from_floats(x, dim));
}

/*-------------------------------------------------------------------------
 *
 * sparsevec.c
 *	  The sparsevec type: pgvector's text and binary forms, casts to and
 *	  from vector, halfvec and arrays, distances, norms and ordering.
 *
 * Every sparsevec holds its non-zero elements only, by ascending index:
 * input drops zeros and sorts, binary input checks that the sender did.
 * Distances merge the two index lists (sparsevec.h); they sum in
 * ascending index order, in float4, as pgvector's do.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/shortest_dec.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"

#include "halfutils.h"
#include "sparsevec.h"
#include "vector_common.h"

SparseVector *
HannoySparseVectorAlloc(int dim, int nnz)
{
	SparseVector *v = palloc0(SPARSEVEC_SIZE(nnz));

	SET_VARSIZE(v, SPARSEVEC_SIZE(nnz));
	v->dim = dim;
	v->nnz = nnz;
	return v;
}

static void
check_nnz(int nnz)
{
	if (nnz > HANNOY_SPARSE_MAX_NNZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sparsevec cannot have more than %d non-zero elements",
						HANNOY_SPARSE_MAX_NNZ)));
}

/* --- the distances (shared with the opclasses) --------------------------- */

float
HannoySparseL2Squared(int an, const int32 *ai, const float *ax,
					  int bn, const int32 *bi, const float *bx)
{
	float		sum = 0.0f;
	int			i = 0,
				j = 0;

	while (i < an && j < bn)
	{
		if (ai[i] == bi[j])
		{
			float		d = ax[i++] - bx[j++];

			sum += d * d;
		}
		else if (ai[i] < bi[j])
		{
			sum += ax[i] * ax[i];
			i++;
		}
		else
		{
			sum += bx[j] * bx[j];
			j++;
		}
	}
	for (; i < an; i++)
		sum += ax[i] * ax[i];
	for (; j < bn; j++)
		sum += bx[j] * bx[j];
	return sum;
}

float
HannoySparseDot(int an, const int32 *ai, const float *ax,
				int bn, const int32 *bi, const float *bx)
{
	float		sum = 0.0f;
	int			i = 0,
				j = 0;

	while (i < an && j < bn)
	{
		if (ai[i] == bi[j])
			sum += ax[i++] * bx[j++];
		else if (ai[i] < bi[j])
			i++;
		else
			j++;
	}
	return sum;
}

float
HannoySparseL1(int an, const int32 *ai, const float *ax,
			   int bn, const int32 *bi, const float *bx)
{
	float		sum = 0.0f;
	int			i = 0,
				j = 0;

	while (i < an && j < bn)
	{
		if (ai[i] == bi[j])
			sum += fabsf(ax[i++] - bx[j++]);
		else if (ai[i] < bi[j])
			sum += fabsf(ax[i++]);
		else
			sum += fabsf(bx[j++]);
	}
	for (; i < an; i++)
		sum += fabsf(ax[i]);
	for (; j < bn; j++)
		sum += fabsf(bx[j]);
	return sum;
}

/* --- text form ------------------------------------------------------------ */

typedef struct SparseInputElement
{
	int64		index;			/* 1-based, as written */
	float		value;
} SparseInputElement;

static int
compare_input_elements(const void *a, const void *b)
{
	int64		ia = ((const SparseInputElement *) a)->index;
	int64		ib = ((const SparseInputElement *) b)->index;

	return ia < ib ? -1 : ia > ib ? 1 : 0;
}

static inline bool
sparse_isspace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void
sparse_syntax_error(const char *lit, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type sparsevec: \"%s\"", lit),
			 errdetail_internal("%s", detail)));
}

/* An integer at *p (white space before it skipped); moves *p past it. */
static int64
parse_integer(const char *lit, const char **p, const char *detail)
{
	char	   *end;
	long long	value;

	while (sparse_isspace(**p))
		(*p)++;
	errno = 0;
	value = strtoll(*p, &end, 10);
	if (end == *p)
		sparse_syntax_error(lit, detail);
	/* keep far-out values far out, for the range checks that follow */
	if (errno == ERANGE || value > PG_INT32_MAX)
		value = value < 0 ? PG_INT32_MIN : (int64) PG_INT32_MAX + 1;
	*p = end;
	return value;
}

static float
parse_value(const char *lit, const char **p)
{
	char	   *end;
	float		value;

	while (sparse_isspace(**p))
		(*p)++;
	errno = 0;
	value = strtof(*p, &end);
	if (end == *p)
		sparse_syntax_error(lit, "Values must be numbers.");
	if (isnan(value) || (isinf(value) && errno != ERANGE))
		sparse_syntax_error(lit, "NaN and infinite values are not allowed.");
	if (errno == ERANGE && isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("\"%s\" is out of range for type sparsevec", pnstrdup(*p, end - *p))));
	*p = end;
	return value;
}

/* The elements of a literal, sorted, and a dimension count past them. */
static SparseVector *
sparse_from_elements(SparseInputElement *elements, int n, int64 dim)
{
	SparseVector *v;
	float	   *values;

	HannoyCheckDimUpTo("sparsevec", dim < 0 ? 0 : dim > PG_INT32_MAX ? PG_INT32_MAX : (int) dim,
					   HANNOY_SPARSE_MAX_DIM);
	qsort(elements, n, sizeof(SparseInputElement), compare_input_elements);
	for (int i = 0; i < n; i++)
	{
		if (elements[i].index < 1 || elements[i].index > dim)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("sparsevec index %lld is out of bounds for %lld dimensions",
							(long long) elements[i].index, (long long) dim)));
		if (i > 0 && elements[i].index == elements[i - 1].index)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("sparsevec index %lld appears more than once",
							(long long) elements[i].index)));
	}
	v = HannoySparseVectorAlloc((int) dim, n);
	values = SparseVectorValues(v);
	for (int i = 0; i < n; i++)
	{
		v->indices[i] = (int32) (elements[i].index - 1);
		values[i] = elements[i].value;
	}
	return v;
}

/*
 * "{i:x,j:y,...}/dim": 1-based indices in any order, white space around
 * every token.  Zero values are dropped; an index given twice with
 * non-zero values is an error.
 */
PG_FUNCTION_INFO_V1(hannoy_sparsevec_in);
Datum
hannoy_sparsevec_in(PG_FUNCTION_ARGS)
{
	const char *lit = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	const char *p = lit;
	int			capacity = 1;
	int			n = 0;
	SparseInputElement *elements;
	int64		dim;
	SparseVector *v;

	for (const char *c = lit; *c; c++)
		if (*c == ',' && capacity <= HANNOY_SPARSE_MAX_NNZ)
			capacity++;
	elements = palloc(sizeof(SparseInputElement) * capacity);

	while (sparse_isspace(*p))
		p++;
	if (*p != '{')
		sparse_syntax_error(lit, "Sparse vector contents must start with \"{\".");
	p++;
	while (sparse_isspace(*p))
		p++;
	if (*p == '}')
		p++;
	else
		for (;;)
		{
			int64		index = parse_integer(lit, &p, "Indices must be integers.");
			float		value;

			while (sparse_isspace(*p))
				p++;
			if (*p != ':')
				sparse_syntax_error(lit, "Each element is index:value.");
			p++;
			value = parse_value(lit, &p);
			if (value != 0.0f)
			{
				check_nnz(n + 1);
				elements[n].index = index;
				elements[n].value = value;
				n++;
			}
			while (sparse_isspace(*p))
				p++;
			if (*p == ',')
				p++;
			else if (*p == '}')
			{
				p++;
				break;
			}
			else
				sparse_syntax_error(lit, "Elements must be separated by \",\" and end with \"}\".");
		}
	while (sparse_isspace(*p))
		p++;
	if (*p != '/')
		sparse_syntax_error(lit, "The dimensions must follow \"/\" after the elements.");
	p++;
	dim = parse_integer(lit, &p, "The dimensions must be an integer.");
	while (sparse_isspace(*p))
		p++;
	if (*p != '\0')
		sparse_syntax_error(lit, "Junk after the dimensions.");

	v = sparse_from_elements(elements, n, dim);
	HannoyCheckExpectedDim(typmod, v->dim);
	PG_RETURN_SPARSEVEC_P(v);
}

PG_FUNCTION_INFO_V1(hannoy_sparsevec_out);
Datum
hannoy_sparsevec_out(PG_FUNCTION_ARGS)
{
	SparseVector *v = PG_GETARG_SPARSEVEC_P(0);
	float	   *values = SparseVectorValues(v);
	/* per element: 10 digits, ':', a float, ','; then "{}/", 10 digits, NUL */
	char	   *buf = palloc((Size) v->nnz * (12 + FLOAT_SHORTEST_DECIMAL_LEN) + 16);
	char	   *p = buf;

	*p++ = '{';
	for (int i = 0; i < v->nnz; i++)
	{
		if (i > 0)
			*p++ = ',';
		p += pg_ltoa(v->indices[i] + 1, p);
		*p++ = ':';
		p += float_to_shortest_decimal_bufn(values[i], p);
	}
	*p++ = '}';
	*p++ = '/';
	p += pg_ltoa(v->dim, p);
	*p = '\0';
	PG_RETURN_CSTRING(buf);
}

PG_FUNCTION_INFO_V1(hannoy_sparsevec_typmod_in);
Datum
hannoy_sparsevec_typmod_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(HannoyTypmodIn("sparsevec", PG_GETARG_ARRAYTYPE_P(0), HANNOY_SPARSE_MAX_DIM));
}

/* --- binary form ---------------------------------------------------------- */

static void
binary_error(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid binary data for type sparsevec"),
			 errdetail_internal("%s", detail)));
}

/* int32 dim, int32 nnz, int32 0, nnz int32 0-based indices, nnz float4 */
PG_FUNCTION_INFO_V1(hannoy_sparsevec_recv);
Datum
hannoy_sparsevec_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	int32		dim = (int32) pq_getmsgint(buf, sizeof(int32));
	int32		nnz = (int32) pq_getmsgint(buf, sizeof(int32));
	int32		unused = (int32) pq_getmsgint(buf, sizeof(int32));
	SparseVector *v;
	float	   *values;

	HannoyCheckDimUpTo("sparsevec", dim, HANNOY_SPARSE_MAX_DIM);
	HannoyCheckExpectedDim(typmod, dim);
	if (unused != 0)
		binary_error(psprintf("The reserved field is %d, not 0.", unused));
	if (nnz < 0 || nnz > dim)
		binary_error(psprintf("It has %d non-zero elements in %d dimensions.", nnz, dim));
	check_nnz(nnz);
	/* the message must hold them all before anything is allocated for them */
	if ((Size) (buf->len - buf->cursor) < (sizeof(int32) + sizeof(float4)) * (Size) nnz)
		binary_error("It is shorter than its elements.");

	v = HannoySparseVectorAlloc(dim, nnz);
	values = SparseVectorValues(v);
	for (int i = 0; i < nnz; i++)
	{
		v->indices[i] = (int32) pq_getmsgint(buf, sizeof(int32));
		if (v->indices[i] < 0 || v->indices[i] >= dim)
			binary_error(psprintf("Index %d is outside 0 to %d.", v->indices[i], dim - 1));
		if (i > 0 && v->indices[i] <= v->indices[i - 1])
			binary_error("Its indices are not in ascending order, or repeat.");
	}
	for (int i = 0; i < nnz; i++)
	{
		values[i] = pq_getmsgfloat4(buf);
		HannoyCheckFiniteElement("sparsevec", values[i]);
		if (values[i] == 0.0f)
			binary_error("It has a zero value.");
	}
	PG_RETURN_SPARSEVEC_P(v);
}

PG_FUNCTION_INFO_V1(hannoy_sparsevec_send);
Datum
hannoy_sparsevec_send(PG_FUNCTION_ARGS)
{
	SparseVector *v = PG_GETARG_SPARSEVEC_P(0);
	float	   *values = SparseVectorValues(v);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, v->dim);
	pq_sendint32(&buf, v->nnz);
	pq_sendint32(&buf, 0);
	for (int i = 0; i < v->nnz; i++)
		pq_sendint32(&buf, v->indices[i]);
	for (int i = 0; i < v->nnz; i++)
		pq_sendfloat4(&buf, values[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* --- casts ---------------------------------------------------------------- */

/* Typmod coercion: sparsevec -> sparsevec(n) */
PG_FUNCTION_INFO_V1(hannoy_sparsevec);
Datum
hannoy_sparsevec(PG_FUNCTION_ARGS)
{
	SparseVector *v = PG_GETARG_SPARSEVEC_P(0);

	HannoyCheckExpectedDim(PG_GETARG_INT32(1), v->dim);
	PG_RETURN_SPARSEVEC_P(v);
}

/* The non-zero elements of dense floats. */
static SparseVector *
sparse_from_floats(const float *x, int dim)
{
	int			nnz = 0;
	SparseVector *v;
	float	   *values;

	for (int i = 0; i < dim; i++)
		if (x[i] != 0.0f)
			nnz++;
	check_nnz(nnz);
	v = HannoySparseVectorAlloc(dim, nnz);
	values = SparseVectorValues(v);
	nnz = 0;
	for (int i = 0; i < dim; i++)
		if (x[i] != 0.0f)
		{
			v->indices[nnz] = i;
			values[nnz++] = x[i];
		}
	return v;
}

PG_FUNCTION_INFO_V1(hannoy_vector_to_sparsevec);
Datum
hannoy_vector_to_sparsevec(PG_FUNCTION_ARGS)
{
	Vector	   *v = PG_GETARG_VECTOR_P(0);

	HannoyCheckExpectedDim(PG_GETARG_INT32(1), v->dim);
	PG_RETURN_SPARSEVEC_P(sparse_from_floats(v->x, v->dim));
}

PG_FUNCTION_INFO_V1(hannoy_halfvec_to_sparsevec);
Datum
hannoy_halfvec_to_sparsevec(PG_FUNCTION_ARGS)
{
	HalfVector *h = PG_GETARG_HALFVEC_P(0);
	float	   *x = palloc(sizeof(float) * h->dim);

	HannoyCheckExpectedDim(PG_GETARG_INT32(1), h->dim);
	for (int i = 0; i < h->dim; i++)
		x[i] = HannoyHalfToFloat(h->x[i]);
	PG_RETURN_SPARSEVEC_P(sparse_from_floats(x, h->dim));
}

PG_FUNCTION_INFO_V1(hannoy_array_to_sparsevec);
Datum
hannoy_array_to_sparsevec(PG_FUNCTION_ARGS)
{
	int			dim;
	float	   *x = HannoyArrayToFloats("sparsevec", PG_GETARG_ARRAYTYPE_P(0),
										HANNOY_SPARSE_MAX_DIM, &dim);

	HannoyCheckExpectedDim(PG_GETARG_INT32(1), dim);
	PG_RETURN_SPARSEVEC_P(sparse_from_floats(x, dim));
}

PG_FUNCTION_INFO_V1(hannoy_sparsevec_to_vector);
Datum
hannoy_sparsevec_to_vector(PG_FUNCTION_ARGS)
{
	SparseVector *s = PG_GETARG_SPARSEVEC_P(0);
	float	   *values = SparseVectorValues(s);
	Vector	   *v;

	HannoyCheckDim("vector", s->dim);
	HannoyCheckExpectedDim(PG_GETARG_INT32(1), s->dim);
	v = HannoyVectorAlloc(s->dim);
	for (int i = 0; i < s->nnz; i++)
		v->x[s->indices[i]] = values[i];
	PG_RETURN_VECTOR_P(v);
}

PG_FUNCTION_INFO_V1(hannoy_sparsevec_to_halfvec);
Datum
hannoy_sparsevec_to_halfvec(PG_FUNCTION_ARGS)
{
	SparseVector *s = PG_GETARG_SPARSEVEC_P(0);
	float	   *values = SparseVectorValues(s);
	HalfVector *h;

	HannoyCheckDim("halfvec", s->dim);
	HannoyCheckExpectedDim(PG_GETARG_INT32(1), s->dim);
	h = HannoyHalfVectorAlloc(s->dim);
	for (int i = 0; i < s->nnz; i++)
		h->x[s->indices[i]] = HannoyFloatToHalfChecked(values[i]);
	PG_RETURN_HALFVEC_P(h);
}

/* --- distances and norms -------------------------------------------------- */

#define SPARSE_ARGS(a, b) \
	(a)->nnz, (a)->indices, SparseVectorValues(a), (b)->nnz, (b)->indices, SparseVectorValues(b)

static void
get_same_dims(FunctionCallInfo fcinfo, SparseVector **a, SparseVector **b)
{
	*a = PG_GETARG_SPARSEVEC_P(0);
	*b = PG_GETARG_SPARSEVEC_P(1);
	HannoyCheckSameDims((*a)->dim, (*b)->dim);
}

PG_FUNCTION_INFO_V1(hannoy_sparsevec_l2_distance);
Datum
hannoy_sparsevec_l2_distance(PG_FUNCTION_ARGS)
{
	SparseVector *a,
			   *b;

	get_same_dims(fcinfo, &a, &b);
	PG_RETURN_FLOAT8(sqrt((double) HannoySparseL2Squared(SPARSE_ARGS(a, b))));
}

PG_FUNCTION_INFO_V1(hannoy_sparsevec_l2_squared_distance);
Datum
hannoy_sparsevec_l2_squared_distance(PG_FUNCTION_ARGS)
{
	SparseVector *a,
			   *b;

	get_same_dims(fcinfo, &a, &b);
	PG_RETURN_FLOAT8((double) HannoySparseL2Squared(SPARSE_ARGS(a, b)));
}

PG_FUNCTION_INFO_V1(hannoy_sparsevec_inner_product);
Datum
hannoy_sparsevec_inner_product(PG_FUNCTION_ARGS)
{
	SparseVector *a,
			   *b;

	get_same_dims(fcinfo, &a, &b);
	PG_RETURN_FLOAT8((double) HannoySparseDot(SPARSE_ARGS(a, b)));
}

PG_FUNCTION_INFO_V1(hannoy_sparsevec_negative_inner_product);
Datum
hannoy_sparsevec_negative_inner_product(PG_FUNCTION_ARGS)
{
	SparseVector *a,
			   *b;

	get_same_dims(fcinfo, &a, &b);
	PG_RETURN_FLOAT8(-(double) HannoySparseDot(SPARSE_ARGS(a, b)));
}

static float
sum_of_squares(SparseVector *v)
{
	float	   *values = SparseVectorValues(v);
	float		sum = 0.0f;

	for (int i = 0; i < v->nnz; i++)
		sum += values[i] * values[i];
	return sum;
}

PG_FUNCTION_INFO_V1(hannoy_sparsevec_cosine_distance);
Datum
hannoy_sparsevec_cosine_distance(PG_FUNCTION_ARGS)
{
	SparseVector *a,
			   *b;

	get_same_dims(fcinfo, &a, &b);
	PG_RETURN_FLOAT8(HannoyCosineFromParts(HannoySparseDot(SPARSE_ARGS(a, b)),
										   sum_of_squares(a), sum_of_squares(b)));
}

PG_FUNCTION_INFO_V1(hannoy_sparsevec_l1_distance);
Datum
hannoy_sparsevec_l1_distance(PG_FUNCTION_ARGS)
{
	SparseVector *a,
			   *b;

	get_same_dims(fcinfo, &a, &b);
	PG_RETURN_FLOAT8((double) HannoySparseL1(SPARSE_ARGS(a, b)));
}

static double
sparse_norm(SparseVector *v)
{
	float	   *values = SparseVectorValues(v);
	double		sum = 0.0;

	for (int i = 0; i < v->nnz; i++)
		sum += (double) values[i] * (double) values[i];
	return sqrt(sum);
}

PG_FUNCTION_INFO_V1(hannoy_sparsevec_l2_norm);
Datum
hannoy_sparsevec_l2_norm(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(sparse_norm(PG_GETARG_SPARSEVEC_P(0)));
}

/* The vector over its norm; elements that underflow to zero are dropped. */
PG_FUNCTION_INFO_V1(hannoy_sparsevec_l2_normalize);
Datum
hannoy_sparsevec_l2_normalize(PG_FUNCTION_ARGS)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);
	float	   *ax = SparseVectorValues(a);
	double		norm = sparse_norm(a);
	SparseVector *result;
	float	   *rx;
	int			n = 0;

	/* the zero vector has no direction: it stays zero */
	if (norm == 0.0)
		PG_RETURN_SPARSEVEC_P(HannoySparseVectorAlloc(a->dim, 0));
	for (int i = 0; i < a->nnz; i++)
		if ((float) (ax[i] / norm) != 0.0f)
			n++;
	result = HannoySparseVectorAlloc(a->dim, n);
	rx = SparseVectorValues(result);
	n = 0;
	for (int i = 0; i < a->nnz; i++)
	{
		float		x = (float) (ax[i] / norm);

		if (x != 0.0f)
		{
			result->indices[n] = a->indices[i];
			rx[n++] = x;
		}
	}
	PG_RETURN_SPARSEVEC_P(result);
}

/* --- ordering ------------------------------------------------------------- */

/*
 * The order of the dense vectors: element by element (zeros where a vector
 * has no element) over the dimensions both have, then fewer dimensions
 * first, as vector's btree order is.
 */
static int
sparse_compare(FunctionCallInfo fcinfo)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);
	SparseVector *b = PG_GETARG_SPARSEVEC_P(1);
	float	   *ax = SparseVectorValues(a);
	float	   *bx = SparseVectorValues(b);
	int32		common = Min(a->dim, b->dim);
	int			i = 0,
				j = 0;

	for (;;)
	{
		int32		ai = i < a->nnz ? a->indices[i] : PG_INT32_MAX;
		int32		bi = j < b->nnz ? b->indices[j] : PG_INT32_MAX;
		int32		at = Min(ai, bi);
		float		va,
					vb;

		if (at >= common)
			break;
		va = ai == at ? ax[i++] : 0.0f;
		vb = bi == at ? bx[j++] : 0.0f;
		if (va < vb)
			return -1;
		if (va > vb)
			return 1;
	}
	return a->dim < b->dim ? -1 : a->dim > b->dim ? 1 : 0;
}

HANNOY_DEFINE_COMPARISONS(hannoy_sparsevec, sparse_compare)

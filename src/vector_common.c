/*-------------------------------------------------------------------------
 *
 * vector_common.c
 *	  What the vector and halfvec types share: dimension and element
 *	  checks, the text form, array conversion, element-wise arithmetic,
 *	  ordering and the avg() state.  Both types go through float4 here;
 *	  halfvec converts at its edges (halfvec.c).
 *
 * Error codes follow README.md's type reference: malformed text and
 * non-finite text elements are 22P02, non-finite elements from arrays or
 * binary input and dimension problems are 22000, too many dimensions is
 * 54000, arithmetic overflow is 22003.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

#include "halfutils.h"
#include "vector_common.h"

Vector *
HannoyVectorAlloc(int dim)
{
	Vector	   *v;

	/* the one way a vector is made: its dimensions are always checked */
	HannoyCheckDim("vector", dim);
	v = (Vector *) palloc0(VECTOR_SIZE(dim));

	SET_VARSIZE(v, VECTOR_SIZE(dim));
	v->dim = dim;
	return v;
}

HalfVector *
HannoyHalfVectorAlloc(int dim)
{
	HalfVector *v;

	HannoyCheckDim("halfvec", dim);
	v = (HalfVector *) palloc0(HALFVEC_SIZE(dim));

	SET_VARSIZE(v, HALFVEC_SIZE(dim));
	v->dim = dim;
	return v;
}

void
HannoyCheckDim(const char *typname, int dim)
{
	HannoyCheckDimUpTo(typname, dim, HANNOY_MAX_DIM);
}

/* The same with the type's own maximum (sparsevec: HANNOY_SPARSE_MAX_DIM) */
void
HannoyCheckDimUpTo(const char *typname, int dim, int max)
{
	if (dim < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s must have at least 1 dimension", typname)));
	if (dim > max)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s cannot have more than %d dimensions", typname, max)));
}

void
HannoyCheckExpectedDim(int32 typmod, int dim)
{
	if (typmod != -1 && typmod != dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", typmod, dim)));
}

void
HannoyCheckSameDims(int adim, int bdim)
{
	if (adim != bdim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different vector dimensions %d and %d", adim, bdim)));
}

void
HannoyCheckFiniteElement(const char *typname, float value)
{
	if (isnan(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("NaN not allowed in %s", typname)));
	if (isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("infinite value not allowed in %s", typname)));
}

/*
 * Convert one finite float to binary16, rejecting magnitudes above the
 * largest half (65504) rather than rounding them to 65504 or infinity.
 */
uint16
HannoyFloatToHalfChecked(float value)
{
	HannoyCheckFiniteElement("halfvec", value);
	if (fabsf(value) > HALF_MAX_VALUE)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value %g is out of range for type halfvec", value),
				 errdetail("The largest halfvec element is %g.",
						   (double) HALF_MAX_VALUE)));
	return HannoyFloatToHalf(value);
}

static inline bool
literal_isspace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
		c == '\f';
}

static void
literal_syntax_error(const char *typname, const char *lit, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"", typname, lit),
			 errdetail_internal("%s", detail)));
}

/*
 * Parse "[x1,x2,...]" (white space allowed around every token) into a
 * palloc'd float array; *dim gets its length.  Elements are read with
 * strtof, as float4in does, so every float4 round-trips.
 */
float *
HannoyParseVectorLiteral(const char *typname, const char *lit, int *dim)
{
	const char *p = lit;
	int			capacity = 1;
	int			n = 0;
	float	   *x;

	/* every element but the last is followed by a comma */
	for (const char *c = lit; *c; c++)
		if (*c == ',')
			capacity++;
	x = palloc(sizeof(float) * Min(capacity, HANNOY_MAX_DIM));

	while (literal_isspace(*p))
		p++;
	if (*p != '[')
		literal_syntax_error(typname, lit,
							 "Vector contents must start with \"[\".");
	p++;
	while (literal_isspace(*p))
		p++;
	if (*p == ']')
		HannoyCheckDim(typname, 0);

	for (;;)
	{
		char	   *end;
		float		value;

		while (literal_isspace(*p))
			p++;
		if (*p == '\0')
			literal_syntax_error(typname, lit, "Missing closing \"]\".");
		if (n == HANNOY_MAX_DIM)
			HannoyCheckDim(typname, n + 1);

		errno = 0;
		value = strtof(p, &end);
		if (end == p)
			literal_syntax_error(typname, lit, "Elements must be numbers.");
		if (isnan(value) || (isinf(value) && errno != ERANGE))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type %s: \"%s\"",
							typname, lit),
					 errdetail("NaN and infinite elements are not allowed.")));
		if (errno == ERANGE && isinf(value))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("\"%s\" is out of range for type %s",
							pnstrdup(p, end - p), typname)));
		x[n++] = value;

		p = end;
		while (literal_isspace(*p))
			p++;
		if (*p == ',')
			p++;
		else if (*p == ']')
		{
			p++;
			break;
		}
		else if (*p == '\0')
			literal_syntax_error(typname, lit, "Missing closing \"]\".");
		else
			literal_syntax_error(typname, lit,
								 "Elements must be separated by \",\".");
	}

	while (literal_isspace(*p))
		p++;
	if (*p != '\0')
		literal_syntax_error(typname, lit, "Junk after closing \"]\".");

	*dim = n;
	return x;
}

/*
 * "[x1,x2,...]" with each element in the shortest form that reads back as
 * the same float4 (as float4out does with extra_float_digits = 1).
 */
char *
HannoyFormatVectorLiteral(const float *x, int dim)
{
	char	   *buf = palloc((FLOAT_SHORTEST_DECIMAL_LEN + 1) * dim + 2);
	char	   *p = buf;

	*p++ = '[';
	for (int i = 0; i < dim; i++)
	{
		if (i > 0)
			*p++ = ',';
		p += float_to_shortest_decimal_bufn(x[i], p);
	}
	*p++ = ']';
	*p = '\0';
	return buf;
}

int32
HannoyTypmodIn(const char *typname, ArrayType *ta, int max)
{
	int32	   *mods;
	int			n;

	mods = ArrayGetIntegerTypmods(ta, &n);
	if (n != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid type modifier"),
				 errdetail("Type %s takes one modifier, its number of dimensions.",
						   typname)));
	if (mods[0] < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type %s must be at least 1", typname)));
	if (mods[0] > max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type %s cannot exceed %d", typname, max)));
	return mods[0];
}

/*
 * One-dimensional int4[], float4[], float8[] or numeric[] of at most max
 * elements to a palloc'd float array of finite values.
 */
float *
HannoyArrayToFloats(const char *typname, ArrayType *array, int max, int *dim)
{
	Oid			elemtype = ARR_ELEMTYPE(array);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	float	   *x;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("array must be 1-D")));
	if (array_contains_nulls(array))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("array must not contain nulls")));
	if (elemtype != INT4OID && elemtype != FLOAT4OID &&
		elemtype != FLOAT8OID && elemtype != NUMERICOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("cannot convert %s to %s", format_type_be(ARR_ELEMTYPE(array)), typname)));

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(array, elemtype, typlen, typbyval, typalign,
					  &elems, &nulls, &n);
	HannoyCheckDimUpTo(typname, n, max);

	x = palloc(sizeof(float) * n);
	for (int i = 0; i < n; i++)
	{
		switch (elemtype)
		{
			case INT4OID:
				x[i] = (float) DatumGetInt32(elems[i]);
				break;
			case FLOAT4OID:
				x[i] = DatumGetFloat4(elems[i]);
				break;
			case FLOAT8OID:
				{
					double		d = DatumGetFloat8(elems[i]);

					x[i] = (float) d;
					if (isinf(x[i]) && !isinf(d))
						float_overflow_error();
					break;
				}
			case NUMERICOID:
				x[i] = DatumGetFloat4(DirectFunctionCall1(numeric_float4,
														  elems[i]));
				break;
		}
		HannoyCheckFiniteElement(typname, x[i]);
	}
	*dim = n;
	return x;
}

ArrayType *
HannoyFloatsToArray(const float *x, int dim)
{
	Datum	   *d = palloc(sizeof(Datum) * dim);

	for (int i = 0; i < dim; i++)
		d[i] = Float4GetDatum(x[i]);
	return construct_array(d, dim, FLOAT4OID, sizeof(float4), true,
						   TYPALIGN_INT);
}

/*
 * subvector(v, start, count): 1-based start; a range that begins before
 * the first element or runs past the last is clipped to the vector, as
 * substring() does, but the result must keep at least one element.
 */
void
HannoySubvectorRange(const char *typname, int dim, int32 start, int32 count, int *first,
					 int *length)
{
	int64		begin = start;
	int64		end = (int64) start + count;

	if (count < 1)
		HannoyCheckDim(typname, 0);
	if (begin < 1)
		begin = 1;
	if (end > (int64) dim + 1)
		end = (int64) dim + 1;
	if (end - begin < 1)
		HannoyCheckDim(typname, 0);
	*first = (int) (begin - 1);
	*length = (int) (end - begin);
}

void
HannoyFloatArith(HannoyArithOp op, const float *a, const float *b,
				 float *result, int dim)
{
	for (int i = 0; i < dim; i++)
	{
		switch (op)
		{
			case HANNOY_ARITH_ADD:
				result[i] = a[i] + b[i];
				break;
			case HANNOY_ARITH_SUB:
				result[i] = a[i] - b[i];
				break;
			case HANNOY_ARITH_MUL:
				result[i] = a[i] * b[i];
				if (result[i] == 0.0f && a[i] != 0.0f && b[i] != 0.0f)
					float_underflow_error();
				break;
		}
		if (isinf(result[i]))
			float_overflow_error();
	}
}

/*
 * Total order for btree: element by element, then the shorter vector
 * first.  Vectors of different dimensions are comparable here (a btree
 * over an unconstrained column needs that); distances and arithmetic are
 * not.
 */
int
HannoyCompareFloats(const float *a, int adim, const float *b, int bdim)
{
	int			n = Min(adim, bdim);

	for (int i = 0; i < n; i++)
	{
		if (a[i] < b[i])
			return -1;
		if (a[i] > b[i])
			return 1;
	}
	if (adim < bdim)
		return -1;
	if (adim > bdim)
		return 1;
	return 0;
}

/*
 * The avg() state is a float8[] {count, sum_1 .. sum_dim}; the initial
 * state is '{0}'.  The transition, combine and final functions are
 * callable from SQL with any float8[], so every state is checked before
 * it is read: one dimension, no NULLs, at most HANNOY_MAX_DIM sums, a
 * count that is finite and not negative (0 when there are no sums yet),
 * finite sums.  Returns the values; *nsums gets the number of sums.
 */
static float8 *
avg_state_values(ArrayType *state, int *nsums)
{
	int			n;
	float8	   *s;

	if (ARR_NDIM(state) != 1 || ARR_ELEMTYPE(state) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("malformed avg() state"),
				 errdetail("The state must be a one-dimensional double precision array.")));
	if (ARR_HASNULL(state) && array_contains_nulls(state))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("malformed avg() state"),
				 errdetail("The state must not contain nulls.")));
	n = ArrayGetNItems(ARR_NDIM(state), ARR_DIMS(state));
	if (n < 1 || n > HANNOY_MAX_DIM + 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("malformed avg() state"),
				 errdetail("The state holds %d values; it must hold a count and at most %d sums.",
						   n, HANNOY_MAX_DIM)));
	s = (float8 *) ARR_DATA_PTR(state);
	if (!isfinite(s[0]) || s[0] < 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("malformed avg() state"),
				 errdetail("The count is %g.", s[0])));
	if (n == 1 && s[0] != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("malformed avg() state"),
				 errdetail("The count is %g, but the state holds no sums.", s[0])));
	for (int i = 1; i < n; i++)
		if (!isfinite(s[i]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("malformed avg() state"),
					 errdetail("Sum %d is not finite.", i)));
	*nsums = n - 1;
	return s;
}

/*
 * Add x to the avg() state and return the new state.  A state that
 * already has room is updated in place: the caller passes one it owns (an
 * aggregate's transition value).
 */
ArrayType *
HannoyAccumFloats(ArrayType *state, const float *x, int dim)
{
	int			nsums;
	float8	   *s = avg_state_values(state, &nsums);

	if (nsums == 0)
	{
		Datum	   *d = palloc(sizeof(Datum) * (dim + 1));

		d[0] = Float8GetDatum(s[0]);
		for (int i = 0; i < dim; i++)
			d[i + 1] = Float8GetDatum(0.0);
		state = construct_array(d, dim + 1, FLOAT8OID, sizeof(float8),
								FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
		s = (float8 *) ARR_DATA_PTR(state);
	}
	else
		HannoyCheckSameDims(nsums, dim);

	s[0] += 1.0;
	for (int i = 0; i < dim; i++)
	{
		s[i + 1] += x[i];
		if (isinf(s[i + 1]))
			float_overflow_error();
	}
	return state;
}

ArrayType *
HannoyCombineStates(ArrayType *a, ArrayType *b)
{
	int			na,
				nb;
	float8	   *sa = avg_state_values(a, &na);
	float8	   *sb = avg_state_values(b, &nb);
	Datum	   *d;

	if (na == 0 && sa[0] == 0)
		return b;
	if (nb == 0 && sb[0] == 0)
		return a;
	HannoyCheckSameDims(na, nb);

	d = palloc(sizeof(Datum) * (na + 1));
	for (int i = 0; i <= na; i++)
	{
		float8		sum = sa[i] + sb[i];

		if (isinf(sum))
			float_overflow_error();
		d[i] = Float8GetDatum(sum);
	}
	return construct_array(d, na + 1, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
						   TYPALIGN_DOUBLE);
}

/*
 * The element-wise mean, or NULL when no rows were accumulated.  A mean
 * beyond float4's range (sums can grow past it) is an overflow error.
 */
float *
HannoyStateAverage(ArrayType *state, int *dim)
{
	int			nsums;
	float8	   *s = avg_state_values(state, &nsums);
	float	   *x;

	if (nsums == 0 || s[0] == 0.0)
		return NULL;
	x = palloc(sizeof(float) * nsums);
	for (int i = 0; i < nsums; i++)
	{
		x[i] = (float) (s[i + 1] / s[0]);
		if (isinf(x[i]))
			float_overflow_error();
	}
	*dim = nsums;
	return x;
}

/*
 * 1 - cos(a, b) from the dot product and the squared norms; NaN when
 * either vector is zero (the angle is undefined).
 */
double
HannoyCosineFromParts(float dot, float norma, float normb)
{
	double		similarity = (double) dot / sqrt((double) norma * (double) normb);

	if (isnan(similarity))
		return get_float8_nan();
	/* rounding can push |similarity| past 1 */
	if (similarity > 1.0)
		similarity = 1.0;
	else if (similarity < -1.0)
		similarity = -1.0;
	return 1.0 - similarity;
}

/*-------------------------------------------------------------------------
 *
 * vector_common.h
 *	  In-memory layout of the vector and halfvec types and the helpers
 *	  both types share (dimension checks, text form, arrays, aggregates).
 *
 * The layouts match pgvector's byte for byte: a varlena header, int16
 * dimension count, int16 reserved (always zero), then the elements.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HANNOY_VECTOR_COMMON_H
#define HANNOY_VECTOR_COMMON_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/array.h"

#define HANNOY_MAX_DIM 16000

typedef struct Vector
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int16		dim;			/* number of dimensions */
	int16		unused;			/* reserved, always zero */
	float		x[FLEXIBLE_ARRAY_MEMBER];
} Vector;

typedef struct HalfVector
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int16		dim;			/* number of dimensions */
	int16		unused;			/* reserved, always zero */
	uint16		x[FLEXIBLE_ARRAY_MEMBER];	/* IEEE binary16 bit patterns */
} HalfVector;

#define VECTOR_SIZE(dim)		(offsetof(Vector, x) + sizeof(float) * (dim))
#define HALFVEC_SIZE(dim)		(offsetof(HalfVector, x) + sizeof(uint16) * (dim))

#define DatumGetVector(d)		((Vector *) PG_DETOAST_DATUM(d))
#define PG_GETARG_VECTOR_P(n)	DatumGetVector(PG_GETARG_DATUM(n))
#define PG_RETURN_VECTOR_P(v)	PG_RETURN_POINTER(v)
#define DatumGetHalfVector(d)	((HalfVector *) PG_DETOAST_DATUM(d))
#define PG_GETARG_HALFVEC_P(n)	DatumGetHalfVector(PG_GETARG_DATUM(n))
#define PG_RETURN_HALFVEC_P(v)	PG_RETURN_POINTER(v)

extern Vector *HannoyVectorAlloc(int dim);
extern HalfVector *HannoyHalfVectorAlloc(int dim);

/* Dimension checks; each raises the documented error. */
extern void HannoyCheckDim(const char *typname, int dim);
extern void HannoyCheckDimUpTo(const char *typname, int dim, int max);
extern void HannoyCheckExpectedDim(int32 typmod, int dim);
extern void HannoyCheckSameDims(int adim, int bdim);

/* Element checks for values arriving from arrays or binary input. */
extern void HannoyCheckFiniteElement(const char *typname, float value);
extern uint16 HannoyFloatToHalfChecked(float value);

/* Text form: "[1,2.5,-3]" */
extern float *HannoyParseVectorLiteral(const char *typname, const char *lit,
									   int *dim);
extern char *HannoyFormatVectorLiteral(const float *x, int dim);
extern int32 HannoyTypmodIn(const char *typname, ArrayType *ta, int max);

/* Arrays: int4[], float4[], float8[], numeric[] to float elements. */
extern float *HannoyArrayToFloats(const char *typname, ArrayType *array,
								  int max, int *dim);
extern ArrayType *HannoyFloatsToArray(const float *x, int dim);

/* subvector(): the 0-based start and the length, after clamping. */
extern void HannoySubvectorRange(const char *typname, int dim, int32 start, int32 count,
								 int *first, int *length);

/* Element-wise arithmetic in float with overflow checks. */
typedef enum HannoyArithOp
{
	HANNOY_ARITH_ADD,
	HANNOY_ARITH_SUB,
	HANNOY_ARITH_MUL
} HannoyArithOp;
extern void HannoyFloatArith(HannoyArithOp op, const float *a, const float *b,
							 float *result, int dim);

extern int	HannoyCompareFloats(const float *a, int adim, const float *b,
								int bdim);

/* avg() aggregate state: float8[] {count, sum_1, ..., sum_n}. */
extern ArrayType *HannoyAccumFloats(ArrayType *state, const float *x, int dim);
extern ArrayType *HannoyCombineStates(ArrayType *a, ArrayType *b);
extern float *HannoyStateAverage(ArrayType *state, int *dim);

extern double HannoyCosineFromParts(float dot, float norma, float normb);



/*
 * The btree comparison functions of a type, from one static
 * "int compare(FunctionCallInfo)" that reads arguments 0 and 1.
 */
#define HANNOY_DEFINE_COMPARISONS(PREFIX, COMPARE) \
PG_FUNCTION_INFO_V1(PREFIX##_lt); \
Datum PREFIX##_lt(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(COMPARE(fcinfo) < 0); } \
PG_FUNCTION_INFO_V1(PREFIX##_le); \
Datum PREFIX##_le(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(COMPARE(fcinfo) <= 0); } \
PG_FUNCTION_INFO_V1(PREFIX##_eq); \
Datum PREFIX##_eq(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(COMPARE(fcinfo) == 0); } \
PG_FUNCTION_INFO_V1(PREFIX##_ne); \
Datum PREFIX##_ne(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(COMPARE(fcinfo) != 0); } \
PG_FUNCTION_INFO_V1(PREFIX##_ge); \
Datum PREFIX##_ge(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(COMPARE(fcinfo) >= 0); } \
PG_FUNCTION_INFO_V1(PREFIX##_gt); \
Datum PREFIX##_gt(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(COMPARE(fcinfo) > 0); } \
PG_FUNCTION_INFO_V1(PREFIX##_cmp); \
Datum PREFIX##_cmp(PG_FUNCTION_ARGS) { PG_RETURN_INT32(COMPARE(fcinfo)); }
#endif							/* HANNOY_VECTOR_COMMON_H */

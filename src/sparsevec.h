/*-------------------------------------------------------------------------
 *
 * sparsevec.h
 *	  The sparsevec type (issue 13): a vector of up to 1e9 dimensions of
 *	  which at most 16000 are not zero, kept as its non-zero elements.
 *
 * The layout is pgvector's: a varlena header, int32 dimensions, int32
 * count of non-zero elements, int32 reserved (always zero), the 0-based
 * indices in ascending order, then the values (none of them zero).  The
 * text form numbers dimensions from 1 ("{1:1.5,3:2}/5"); the binary form
 * sends the three int32 fields, the 0-based indices and the values.
 *
 * The distances over (count, indices, values) triples are shared by the
 * SQL functions and the sparsevec opclasses' element-to-element distances
 * (their queries are spread into an array first: opclass.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HANNOY_SPARSEVEC_H
#define HANNOY_SPARSEVEC_H

#include "postgres.h"

#include "fmgr.h"

#define HANNOY_SPARSE_MAX_DIM	1000000000
#define HANNOY_SPARSE_MAX_NNZ	16000

typedef struct SparseVector
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int32		dim;			/* number of dimensions */
	int32		nnz;			/* number of non-zero elements */
	int32		unused;			/* reserved, always zero */
	int32		indices[FLEXIBLE_ARRAY_MEMBER];	/* then float values[nnz] */
} SparseVector;

#define SPARSEVEC_SIZE(nnz) \
	(offsetof(SparseVector, indices) + (sizeof(int32) + sizeof(float)) * (Size) (nnz))

static inline float *
SparseVectorValues(SparseVector *v)
{
	return (float *) ((char *) v->indices + sizeof(int32) * v->nnz);
}

#define DatumGetSparseVector(d)		((SparseVector *) PG_DETOAST_DATUM(d))
#define PG_GETARG_SPARSEVEC_P(n)	DatumGetSparseVector(PG_GETARG_DATUM(n))
#define PG_RETURN_SPARSEVEC_P(v)	PG_RETURN_POINTER(v)

extern SparseVector *HannoySparseVectorAlloc(int dim, int nnz);

/*
 * Distances between two sparse vectors given as non-zero counts, ascending
 * 0-based indices and values, of the same dimensions: squared L2, dot
 * product, L1.  Sums run over the merged indices in ascending order.
 */
extern float HannoySparseL2Squared(int an, const int32 *ai, const float *ax,
								   int bn, const int32 *bi, const float *bx);
extern float HannoySparseDot(int an, const int32 *ai, const float *ax,
							 int bn, const int32 *bi, const float *bx);
extern float HannoySparseL1(int an, const int32 *ai, const float *ax,
							int bn, const int32 *bi, const float *bx);

#endif							/* HANNOY_SPARSEVEC_H */

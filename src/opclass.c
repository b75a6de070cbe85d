/*-------------------------------------------------------------------------
 *
 * opclass.c
 *	  Operator class behaviour as C callbacks: each opclass's support
 *	  function 1 returns a HannoyOpclass (hannoy.h) telling the access
 *	  method how to encode a column value, prepare a query, and compare a
 *	  query or an element with an element.  The AM itself never looks at
 *	  the column type.
 *
 * Distances need only order the same way as the SQL operator:
 *	 L2		squared Euclidean distance
 *	 IP		negative inner product
 *	 cosine	negative inner product of unit vectors (encode normalises;
 *			zero vectors have no direction and are not indexed)
 *	 L1		taxicab distance
 *	 Hamming	bits that differ (bit strings, stored as they are)
 *	 Jaccard	1 - |a AND b| / |a OR b|
 *
 * Sparse vectors use the same metrics over their non-zero elements; each
 * is stored at its own size (stored_bytes), the only opclasses whose
 * vectors vary.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "fmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/varbit.h"

#include "distance.h"
#include "halfutils.h"
#include "hannoy.h"
#include "pq.h"
#include "sparsevec.h"
#include "vector_common.h"

/* --- distances over encoded vectors ------------------------------------ */

static float
f32_l2(const HannoyIndexInfo *info, const void *a, const void *b)
{
	return HannoyKernel->f32_l2sq(a, b, info->dims);
}

static float
f32_negdot(const HannoyIndexInfo *info, const void *a, const void *b)
{
	return -HannoyKernel->f32_dot(a, b, info->dims);
}

static float
f32_l1(const HannoyIndexInfo *info, const void *a, const void *b)
{
	return HannoyKernel->f32_l1(a, b, info->dims);
}

static float
f16_l2(const HannoyIndexInfo *info, const void *a, const void *b)
{
	return HannoyKernel->f16_l2sq(a, b, info->dims);
}

static float
f16_negdot(const HannoyIndexInfo *info, const void *a, const void *b)
{
	return -HannoyKernel->f16_dot(a, b, info->dims);
}

static float
f16_l1(const HannoyIndexInfo *info, const void *a, const void *b)
{
	return HannoyKernel->f16_l1(a, b, info->dims);
}

/* fp32 and fp16 elements are compared with the encoded query as it is */
static const void *
query_as_encoded(const HannoyIndexInfo *info, const void *encoded)
{
	return encoded;
}

static Size
fp32_size(const HannoyIndexInfo *info)
{
	return HannoyVectorSize(HANNOY_STORAGE_FP32, info->dims);
}

static Size
fp16_size(const HannoyIndexInfo *info)
{
	return HannoyVectorSize(HANNOY_STORAGE_FP16, info->dims);
}

/* bit strings: dims bits, first to last from the high bit of the first byte */
static Size
bit_size(const HannoyIndexInfo *info)
{
	return HannoyVectorSize(HANNOY_STORAGE_BIT, info->dims);
}

static float
bit_hamming(const HannoyIndexInfo *info, const void *a, const void *b)
{
	return (float) HannoyKernel->bits_xor(a, b, (info->dims + 7) / 8);
}

/* 1 - |a AND b| / |a OR b|, as jaccard_distance() (bit.c) computes it */
static float
bit_jaccard(const HannoyIndexInfo *info, const void *a, const void *b)
{
	uint64		both;
	uint64		either;

	HannoyKernel->bits_and_or(a, b, (info->dims + 7) / 8, &both, &either);
	if (either == 0)
		return 1.0f;
	return (float) (1.0 - (double) both / (double) either);
}

/*
 * Sparse vectors: int32 count, the count's 0-based indices in ascending
 * order, then their values (sparsevec.h's layout without its header and
 * dimensions, which the index records once).
 */
typedef struct SparseStored
{
	int32		nnz;
	int32		indices[FLEXIBLE_ARRAY_MEMBER];
} SparseStored;

#define SPARSE_STORED_BYTES(nnz)	(offsetof(SparseStored, indices) + 8 * (Size) (nnz))
#define SPARSE_STORED_ARGS(s) \
	((const SparseStored *) (s))->nnz, ((const SparseStored *) (s))->indices, \
	(const float *) (((const SparseStored *) (s))->indices + ((const SparseStored *) (s))->nnz)

static Size
sparse_size(const HannoyIndexInfo *info)
{
	return HannoyVectorSize(HANNOY_STORAGE_SPARSE, info->dims);
}

static Size
sparse_bytes(const HannoyIndexInfo *info, const void *head)
{
	int32		nnz;

	memcpy(&nnz, head, sizeof(nnz));
	if (nnz < 0 || nnz > HANNOY_SPARSE_MAX_NNZ)
		return 0;
	return SPARSE_STORED_BYTES(nnz);
}

/* Indices ascending and within the dimensions, values finite. */
static const char *
sparse_check(const HannoyIndexInfo *info, const void *vector)
{
	const SparseStored *s = vector;
	const float *values = (const float *) (s->indices + s->nnz);

	for (int i = 0; i < s->nnz; i++)
	{
		if (s->indices[i] < 0 || s->indices[i] >= info->dims)
			return psprintf("Its element %d has index %d, outside 0 to %d.",
							i, s->indices[i], info->dims - 1);
		if (i > 0 && s->indices[i] <= s->indices[i - 1])
			return psprintf("Its element %d has index %d, after %d.",
							i, s->indices[i], s->indices[i - 1]);
		if (!isfinite(values[i]))
			return psprintf("Its element %d is %g.", i, values[i]);
	}
	return NULL;
}

static float
sparse_l2(const HannoyIndexInfo *info, const void *a, const void *b)
{
	return HannoySparseL2Squared(SPARSE_STORED_ARGS(a), SPARSE_STORED_ARGS(b));
}

static float
sparse_negdot(const HannoyIndexInfo *info, const void *a, const void *b)
{
	return -HannoySparseDot(SPARSE_STORED_ARGS(a), SPARSE_STORED_ARGS(b));
}

static float
sparse_l1(const HannoyIndexInfo *info, const void *a, const void *b)
{
	return HannoySparseL1(SPARSE_STORED_ARGS(a), SPARSE_STORED_ARGS(b));
}

/*
 * A query against elements: scattered into a dense array of the index's
 * dimensions (when there are at most SPARSE_DENSE_QUERY_DIMS), so that a
 * distance is one pass over the element's non-zero elements instead of a
 * merge of two index lists; query_distance then computes
 *	 L2:  |q|^2 + sum over x's elements of x_i^2 - 2 x_i q_i
 *	 IP:  -sum x_i q_i
 *	 L1:  |q|_1 + sum over x's elements of |x_i - q_i| - |q_i|
 * which order elements as the merged distances do.  L2 and L1 subtract
 * from the query's norm: in float, a difference small next to it would be
 * lost (a query {1:10000,2:1} would find (10000,2) and (10000,3) both at
 * 0), so they sum in double, where the products of floats are exact.  An
 * index a corrupted element names outside the dimensions reads as 0.
 */
#define SPARSE_DENSE_QUERY_DIMS		(1 << 17)

typedef struct SparseQuery
{
	const void *stored;			/* the encoded query (merged distances) */
	float	   *dense;			/* NULL: too many dimensions */
	uint32		dims;
	double		norm2;
	double		norm1;
} SparseQuery;

static const void *
sparse_prepare(const HannoyIndexInfo *info, const void *encoded)
{
	SparseQuery *q = palloc0(sizeof(SparseQuery));
	const SparseStored *s = encoded;
	const float *values = (const float *) (s->indices + s->nnz);

	q->stored = encoded;
	q->dims = (uint32) info->dims;
	if (info->dims > SPARSE_DENSE_QUERY_DIMS)
		return q;
	q->dense = palloc0(sizeof(float) * Max(info->dims, 1));
	for (int i = 0; i < s->nnz; i++)
	{
		if ((uint32) s->indices[i] < q->dims)
			q->dense[s->indices[i]] = values[i];
		q->norm2 += (double) values[i] * values[i];
		q->norm1 += fabs((double) values[i]);
	}
	return q;
}

#define SPARSE_QUERY_LOOP(TYPE, EXPR) \
	const SparseQuery *q = query; \
	const SparseStored *x = element; \
	const float *xv = (const float *) (x->indices + x->nnz); \
	TYPE		sum = 0; \
	for (int i = 0; i < x->nnz; i++) \
	{ \
		TYPE		xi = xv[i]; \
		TYPE		qi = (uint32) x->indices[i] < q->dims ? q->dense[x->indices[i]] : 0.0f; \
		sum += (EXPR); \
	}

static float
sparse_query_l2(const HannoyIndexInfo *info, const void *query, const void *element)
{
	if (((const SparseQuery *) query)->dense == NULL)
		return sparse_l2(info, ((const SparseQuery *) query)->stored, element);
	{
		SPARSE_QUERY_LOOP(double, xi * xi - 2.0 * xi * qi)
		return (float) Max(q->norm2 + sum, 0.0);
	}
}

static float
sparse_query_negdot(const HannoyIndexInfo *info, const void *query, const void *element)
{
	if (((const SparseQuery *) query)->dense == NULL)
		return sparse_negdot(info, ((const SparseQuery *) query)->stored, element);
	{
		SPARSE_QUERY_LOOP(float, xi * qi)
		return -sum;
	}
}

static float
sparse_query_l1(const HannoyIndexInfo *info, const void *query, const void *element)
{
	if (((const SparseQuery *) query)->dense == NULL)
		return sparse_l1(info, ((const SparseQuery *) query)->stored, element);
	{
		SPARSE_QUERY_LOOP(double, fabs(xi - qi) - fabs(qi))
		return (float) Max(q->norm1 + sum, 0.0);
	}
}

/* --- column values -------------------------------------------------------- */

static int
vector_value_dims(Datum value)
{
	return DatumGetVector(value)->dim;
}

static int
halfvec_value_dims(Datum value)
{
	return DatumGetHalfVector(value)->dim;
}

/* A bit string's length; an empty one has no place in a graph of bits. */
static int
bit_value_dims(Datum value)
{
	int			len = VARBITLEN(DatumGetVarBitP(value));

	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("hannoy cannot index an empty bit string")));
	return len;
}

static bool
bit_to_bits(Datum value, int dims, void *out)
{
	memcpy(out, VARBITS(DatumGetVarBitP(value)), (dims + 7) / 8);
	return true;
}

/* Unit vector of x into out; false for the zero vector. */
static bool
normalize_floats(const float *x, int dims, float *out)
{
	double		norm = 0.0;

	for (int i = 0; i < dims; i++)
		norm += (double) x[i] * x[i];
	if (norm <= 0.0)
		return false;
	norm = sqrt(norm);
	for (int i = 0; i < dims; i++)
		out[i] = (float) (x[i] / norm);
	return true;
}

static bool
vector_to_fp32(Datum value, int dims, void *out)
{
	memcpy(out, DatumGetVector(value)->x, sizeof(float) * dims);
	return true;
}

static bool
vector_to_fp32_unit(Datum value, int dims, void *out)
{
	return normalize_floats(DatumGetVector(value)->x, dims, out);
}

static bool
vector_to_fp16(Datum value, int dims, void *out)
{
	Vector	   *v = DatumGetVector(value);
	uint16	   *h = out;

	for (int i = 0; i < dims; i++)
		h[i] = HannoyFloatToHalfChecked(v->x[i]);
	return true;
}

static bool
vector_to_fp16_unit(Datum value, int dims, void *out)
{
	float	   *unit = palloc(sizeof(float) * dims);
	bool		ok = normalize_floats(DatumGetVector(value)->x, dims, unit);

	if (ok)
		HannoyKernel->f32_to_f16(unit, out, dims);
	pfree(unit);
	return ok;
}

static bool
halfvec_to_fp16(Datum value, int dims, void *out)
{
	memcpy(out, DatumGetHalfVector(value)->x, sizeof(uint16) * dims);
	return true;
}

static bool
halfvec_to_fp16_unit(Datum value, int dims, void *out)
{
	float	   *x = palloc(sizeof(float) * dims);
	bool		ok;

	HannoyKernel->f16_to_f32(DatumGetHalfVector(value)->x, x, dims);
	ok = normalize_floats(x, dims, x);
	if (ok)
		HannoyKernel->f32_to_f16(x, out, dims);
	pfree(x);
	return ok;
}

static bool
halfvec_to_fp32(Datum value, int dims, void *out)
{
	HannoyKernel->f16_to_f32(DatumGetHalfVector(value)->x, out, dims);
	return true;
}

static bool
halfvec_to_fp32_unit(Datum value, int dims, void *out)
{
	HannoyKernel->f16_to_f32(DatumGetHalfVector(value)->x, out, dims);
	return normalize_floats(out, dims, out);
}

static int
sparsevec_value_dims(Datum value)
{
	SparseVector *v = DatumGetSparseVector(value);

	/* the encoders copy what nnz says into buffers of the largest size */
	if (v->nnz < 0 || v->nnz > HANNOY_SPARSE_MAX_NNZ ||
		VARSIZE_ANY(v) < SPARSEVEC_SIZE(v->nnz))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("sparsevec value with %d non-zero elements in %zu bytes is corrupted",
						v->nnz, (Size) VARSIZE_ANY(v))));
	return v->dim;
}

static bool
sparsevec_to_stored(Datum value, int dims, void *out)
{
	SparseVector *v = DatumGetSparseVector(value);
	SparseStored *s = out;

	s->nnz = v->nnz;
	memcpy(s->indices, v->indices, sizeof(int32) * v->nnz);
	memcpy(s->indices + v->nnz, SparseVectorValues(v), sizeof(float) * v->nnz);
	return true;
}

/* cosine: the unit vector; the zero vector has no direction */
static bool
sparsevec_to_stored_unit(Datum value, int dims, void *out)
{
	SparseVector *v = DatumGetSparseVector(value);
	SparseStored *s = out;

	s->nnz = v->nnz;
	memcpy(s->indices, v->indices, sizeof(int32) * v->nnz);
	return normalize_floats(SparseVectorValues(v), v->nnz, (float *) (s->indices + v->nnz));
}

/* --- product quantization (pq.c) ------------------------------------------ */

static Size
pq_size(const HannoyIndexInfo *info)
{
	return info->pq_m;
}

static const HannoyCodebook *
pq_codebook(const HannoyIndexInfo *info)
{
	if (info->codebook == NULL)
		elog(ERROR, "hannoy: index \"%s\" has no codebooks yet",
			 RelationGetRelationName(info->index));
	return info->codebook;
}

static void
pq_quantize(const HannoyIndexInfo *info, const void *exact, void *out)
{
	HannoyPqEncode(pq_codebook(info), exact, out);
}

static const void *
pq_prepare(const HannoyIndexInfo *info, const void *encoded, HannoyPqMetric metric)
{
	float	   *table = palloc(sizeof(float) * HANNOY_PQ_CENTROIDS * info->pq_m);

	HannoyPqTable(pq_codebook(info), encoded, metric, table);
	return table;
}

static const void *
pq_prepare_l2(const HannoyIndexInfo *info, const void *encoded)
{
	return pq_prepare(info, encoded, HANNOY_PQ_L2);
}

static const void *
pq_prepare_negdot(const HannoyIndexInfo *info, const void *encoded)
{
	return pq_prepare(info, encoded, HANNOY_PQ_NEGDOT);
}

static float
pq_query_distance(const HannoyIndexInfo *info, const void *query, const void *element)
{
	return HannoyPqTableDistance(query, element, info->pq_m);
}

/* Both codes decoded into per-backend scratch vectors (grown as needed). */
static void
pq_decode_pair(const HannoyIndexInfo *info, const void *a, const void *b,
			   float **da, float **db)
{
	static float *scratch = NULL;
	static int	scratch_dims = 0;

	if (scratch_dims < info->dims)
	{
		if (scratch)
			pfree(scratch);
		scratch = MemoryContextAlloc(TopMemoryContext, sizeof(float) * 2 * info->dims);
		scratch_dims = info->dims;
	}
	*da = scratch;
	*db = scratch + scratch_dims;
	HannoyPqDecode(pq_codebook(info), a, *da);
	HannoyPqDecode(pq_codebook(info), b, *db);
}

static float
pq_element_l2(const HannoyIndexInfo *info, const void *a, const void *b)
{
	float	   *da,
			   *db;

	pq_decode_pair(info, a, b, &da, &db);
	return HannoyKernel->f32_l2sq(da, db, info->dims);
}

static float
pq_element_negdot(const HannoyIndexInfo *info, const void *a, const void *b)
{
	float	   *da,
			   *db;

	pq_decode_pair(info, a, b, &da, &db);
	return -HannoyKernel->f32_dot(da, db, info->dims);
}

/* --- the opclasses ------------------------------------------------------ */

/* support function 1 of opclass NAME: its NAME##_info */
#define DEFINE_SUPPORT(NAME) \
PG_FUNCTION_INFO_V1(hannoy_##NAME##_support); \
Datum \
hannoy_##NAME##_support(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_POINTER(&NAME##_info); \
}

/* fp32, fp16 or bit storage: the query is the encoded value, one distance */
#define EXACT_OPCLASS(NAME, LABEL, STORAGE, DIMS, ENCODE, DISTANCE) \
static const HannoyOpclass NAME##_info = { \
	.storage = STORAGE, .name = LABEL, .dims = DIMS, \
	.stored_size = STORAGE == HANNOY_STORAGE_FP32 ? fp32_size : \
		STORAGE == HANNOY_STORAGE_FP16 ? fp16_size : bit_size, \
	.encode = ENCODE, .prepare_query = query_as_encoded, \
	.query_distance = DISTANCE, .element_distance = DISTANCE \
};

#define DEFINE_OPCLASS(NAME, STORAGE, DIMS, ENCODE, DISTANCE) \
EXACT_OPCLASS(NAME, #NAME, STORAGE, DIMS, ENCODE, DISTANCE) \
DEFINE_SUPPORT(NAME)

DEFINE_OPCLASS(vector_l2_ops, HANNOY_STORAGE_FP32, vector_value_dims, vector_to_fp32, f32_l2)
DEFINE_OPCLASS(vector_ip_ops, HANNOY_STORAGE_FP32, vector_value_dims, vector_to_fp32, f32_negdot)
DEFINE_OPCLASS(vector_cosine_ops, HANNOY_STORAGE_FP32, vector_value_dims, vector_to_fp32_unit, f32_negdot)
DEFINE_OPCLASS(vector_l1_ops, HANNOY_STORAGE_FP32, vector_value_dims, vector_to_fp32, f32_l1)
DEFINE_OPCLASS(halfvec_l2_ops, HANNOY_STORAGE_FP16, halfvec_value_dims, halfvec_to_fp16, f16_l2)
DEFINE_OPCLASS(halfvec_ip_ops, HANNOY_STORAGE_FP16, halfvec_value_dims, halfvec_to_fp16, f16_negdot)
DEFINE_OPCLASS(halfvec_cosine_ops, HANNOY_STORAGE_FP16, halfvec_value_dims, halfvec_to_fp16_unit, f16_negdot)
DEFINE_OPCLASS(halfvec_l1_ops, HANNOY_STORAGE_FP16, halfvec_value_dims, halfvec_to_fp16, f16_l1)
DEFINE_OPCLASS(vector_l2_fp16_ops, HANNOY_STORAGE_FP16, vector_value_dims, vector_to_fp16, f16_l2)
DEFINE_OPCLASS(vector_ip_fp16_ops, HANNOY_STORAGE_FP16, vector_value_dims, vector_to_fp16, f16_negdot)
DEFINE_OPCLASS(vector_cosine_fp16_ops, HANNOY_STORAGE_FP16, vector_value_dims, vector_to_fp16_unit, f16_negdot)
DEFINE_OPCLASS(bit_hamming_ops, HANNOY_STORAGE_BIT, bit_value_dims, bit_to_bits, bit_hamming)
DEFINE_OPCLASS(bit_jaccard_ops, HANNOY_STORAGE_BIT, bit_value_dims, bit_to_bits, bit_jaccard)

/* sparse vectors: stored as they are, each its own size */
#define DEFINE_SPARSE_OPCLASS(NAME, ENCODE, QUERY_DISTANCE, DISTANCE) \
static const HannoyOpclass NAME##_info = { \
	.storage = HANNOY_STORAGE_SPARSE, .name = #NAME, .dims = sparsevec_value_dims, \
	.stored_size = sparse_size, .stored_bytes = sparse_bytes, .check_stored = sparse_check, \
	.encode = ENCODE, .prepare_query = sparse_prepare, \
	.query_distance = QUERY_DISTANCE, .element_distance = DISTANCE \
}; \
DEFINE_SUPPORT(NAME)

DEFINE_SPARSE_OPCLASS(sparsevec_l2_ops, sparsevec_to_stored, sparse_query_l2, sparse_l2)
DEFINE_SPARSE_OPCLASS(sparsevec_ip_ops, sparsevec_to_stored, sparse_query_negdot, sparse_negdot)
DEFINE_SPARSE_OPCLASS(sparsevec_cosine_ops, sparsevec_to_stored_unit, sparse_query_negdot,
					  sparse_negdot)
DEFINE_SPARSE_OPCLASS(sparsevec_l1_ops, sparsevec_to_stored, sparse_query_l1, sparse_l1)

/* the exact vectors of the halfvec PQ opclasses (no SQL opclass of their own) */
EXACT_OPCLASS(halfvec_l2_exact, "halfvec_l2_pq_ops", HANNOY_STORAGE_FP32, halfvec_value_dims,
			  halfvec_to_fp32, f32_l2)
EXACT_OPCLASS(halfvec_ip_exact, "halfvec_ip_pq_ops", HANNOY_STORAGE_FP32, halfvec_value_dims,
			  halfvec_to_fp32, f32_negdot)
EXACT_OPCLASS(halfvec_cosine_exact, "halfvec_cosine_pq_ops", HANNOY_STORAGE_FP32, halfvec_value_dims,
			  halfvec_to_fp32_unit, f32_negdot)

/*
 * A PQ opclass: the exact opclass encodes values (fp32) for the build's
 * graph, training and the query's table; pages hold codes.
 *
 * Cosine compares codes by squared L2 between unit vectors (2 - 2 cos: the
 * same order) rather than by their dot product: a code's L2 error from a
 * near query is 2 (q - x).e + |e|^2 for residual e, small when q is near
 * x, where the dot product's is q.e whatever the distance.  On SIFT10K
 * (16-byte codes, ef_search 40) cosine recall@10 was 0.894 with dot
 * products and 0.982 with L2, re-ranking 40; 0.56 against 0.75 without.
 * Re-ranking uses the exact cosine distance.  Inner product has no such
 * choice (vectors of any length): its codes are compared by dot product.
 */
#define DEFINE_PQ_OPCLASS(NAME, DIMS, ENCODE, EXACT, PREPARE, ELEMENT_DISTANCE) \
static const HannoyOpclass NAME##_info = { \
	.storage = HANNOY_STORAGE_PQ, .name = #NAME, .dims = DIMS, \
	.stored_size = pq_size, .encode = ENCODE, .exact = (EXACT), \
	.quantize = pq_quantize, .prepare_query = PREPARE, \
	.query_distance = pq_query_distance, .element_distance = ELEMENT_DISTANCE \
}; \
DEFINE_SUPPORT(NAME)

DEFINE_PQ_OPCLASS(vector_l2_pq_ops, vector_value_dims, vector_to_fp32,
				  &vector_l2_ops_info, pq_prepare_l2, pq_element_l2)
DEFINE_PQ_OPCLASS(vector_ip_pq_ops, vector_value_dims, vector_to_fp32,
				  &vector_ip_ops_info, pq_prepare_negdot, pq_element_negdot)
DEFINE_PQ_OPCLASS(vector_cosine_pq_ops, vector_value_dims, vector_to_fp32_unit,
				  &vector_cosine_ops_info, pq_prepare_l2, pq_element_l2)
DEFINE_PQ_OPCLASS(halfvec_l2_pq_ops, halfvec_value_dims, halfvec_to_fp32,
				  &halfvec_l2_exact_info, pq_prepare_l2, pq_element_l2)
DEFINE_PQ_OPCLASS(halfvec_ip_pq_ops, halfvec_value_dims, halfvec_to_fp32,
				  &halfvec_ip_exact_info, pq_prepare_negdot, pq_element_negdot)
DEFINE_PQ_OPCLASS(halfvec_cosine_pq_ops, halfvec_value_dims, halfvec_to_fp32_unit,
				  &halfvec_cosine_exact_info, pq_prepare_l2, pq_element_l2)

const HannoyOpclass *
HannoyGetOpclass(Relation index)
{
	FmgrInfo   *proc = index_getprocinfo(index, 1, HANNOY_OPCLASS_PROC);

	return (const HannoyOpclass *) DatumGetPointer(FunctionCall1(proc, PointerGetDatum(NULL)));
}

Size
HannoyVectorSize(uint8 storage, int dims)
{
	switch (storage)
	{
		case HANNOY_STORAGE_FP16:
			return sizeof(uint16) * dims;
		case HANNOY_STORAGE_BIT:
			return (dims + 7) / 8;
		case HANNOY_STORAGE_SPARSE:
			return SPARSE_STORED_BYTES(HANNOY_SPARSE_MAX_NNZ);
		default:
			return sizeof(float) * dims;
	}
}

/* The most dimensions (bits, for bit strings) an index of a storage kind takes. */
int
HannoyMaxDimensions(uint8 storage)
{
	switch (storage)
	{
		case HANNOY_STORAGE_BIT:
			return HANNOY_MAX_BIT_DIMENSIONS;
		case HANNOY_STORAGE_SPARSE:
			return HANNOY_SPARSE_MAX_DIM;
		default:
			return HANNOY_MAX_DIMENSIONS;
	}
}

/*
 * Vectors reach 54000 dimensions by concatenation past the types' limit,
 * and bit strings are as long as their users make them; this keeps the
 * metapage's dimensions within what its check accepts.
 */
void
HannoyCheckIndexableDims(const HannoyOpclass *opclass, int dims)
{
	int			max = HannoyMaxDimensions(opclass->storage);

	if (dims > max)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("hannoy index with %s cannot have more than %d dimensions",
						opclass->name, max)));
}

/*-------------------------------------------------------------------------
 *
 * ivf.c
 *	  IVF lists: k-means centroids of a sample of vectors (hannoy_kmeans),
 *	  and the lists nearest a vector (hannoy_ivf_list, hannoy_ivf_lists)
 *	  according to the centroids the extension's catalog table
 *	  hannoy_ivf_centroids keeps for a table.
 *
 * The catalog is read and written directly, not through SQL: it is
 * revoked from PUBLIC (centroids are averages of a table's rows), and
 * these functions check the caller instead: reading a table's centroids
 * takes SELECT on the table, storing them (hannoy_ivf_set_centroids)
 * ownership of it.  A call site caches the newest version's centroids in
 * fn_extra, that is for one query.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_type.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/partcache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "distance.h"
#include "hannoy.h"
#include "kmeans.h"
#include "vector_common.h"

#define IVF_KMEANS_ITERATIONS	20
#define IVF_MAX_LISTS			10000

typedef enum IvfMetric
{
	IVF_L2,
	IVF_IP,
	IVF_COSINE
} IvfMetric;

static IvfMetric
parse_metric(const char *name)
{
	if (strcmp(name, "l2") == 0)
		return IVF_L2;
	if (strcmp(name, "ip") == 0)
		return IVF_IP;
	if (strcmp(name, "cosine") == 0)
		return IVF_COSINE;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown IVF metric \"%s\"", name),
			 errhint("The metric is one of l2, ip and cosine.")));
	return IVF_L2;				/* keep the compiler quiet */
}

/* Scale x to unit length; a zero vector stays zero. */
static void
normalize(float *x, int dims)
{
	double		norm = 0.0;

	for (int d = 0; d < dims; d++)
		norm += (double) x[d] * x[d];
	if (norm > 0.0)
	{
		float		inv = (float) (1.0 / sqrt(norm));

		for (int d = 0; d < dims; d++)
			x[d] *= inv;
	}
}

/*
 * hannoy_kmeans(vectors vector[], lists int, metric text) -> vector[]:
 * lists centroids of the vectors (NULLs skipped).  l2 and ip: k-means on
 * the vectors; cosine: on the vectors scaled to unit length, and the
 * centroids scaled too (assigning by L2 between unit vectors is assigning
 * by cosine).  Deterministic for given input.
 */
PG_FUNCTION_INFO_V1(hannoy_kmeans);
Datum
hannoy_kmeans(PG_FUNCTION_ARGS)
{
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(0);
	int32		lists = PG_GETARG_INT32(1);
	IvfMetric	metric = parse_metric(text_to_cstring(PG_GETARG_TEXT_PP(2)));
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	int			n = 0;
	int			dims = 0;
	float	   *points;
	float	   *centroids;
	Datum	   *out;
	pg_prng_state prng;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (lists < 1 || lists > IVF_MAX_LISTS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lists must be between 1 and %d", IVF_MAX_LISTS)));
	get_typlenbyvalalign(ARR_ELEMTYPE(array), &typlen, &typbyval, &typalign);
	deconstruct_array(array, ARR_ELEMTYPE(array), typlen, typbyval, typalign,
					  &elems, &nulls, &nelems);
	for (int i = 0; i < nelems; i++)
		if (!nulls[i])
		{
			Vector	   *v = DatumGetVector(elems[i]);

			if (n == 0)
				dims = v->dim;
			else
				HannoyCheckSameDims(dims, v->dim);
			n++;
		}
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k-means needs at least one vector")));

	points = palloc_extended(sizeof(float) * dims * (Size) n, MCXT_ALLOC_HUGE);
	n = 0;
	for (int i = 0; i < nelems; i++)
		if (!nulls[i])
		{
			Vector	   *v = DatumGetVector(elems[i]);

			memcpy(points + (Size) n * dims, v->x, sizeof(float) * dims);
			if (metric == IVF_COSINE)
				normalize(points + (Size) n * dims, dims);
			n++;
		}

	centroids = palloc(sizeof(float) * dims * (Size) lists);
	pg_prng_seed(&prng, 11);
	HannoyKmeans(points, n, dims, lists, IVF_KMEANS_ITERATIONS, &prng, centroids);

	out = palloc(sizeof(Datum) * lists);
	for (int c = 0; c < lists; c++)
	{
		Vector	   *v = HannoyVectorAlloc(dims);

		memcpy(v->x, centroids + (Size) c * dims, sizeof(float) * dims);
		if (metric == IVF_COSINE)
			normalize(v->x, dims);
		out[c] = PointerGetDatum(v);
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(out, lists, ARR_ELEMTYPE(array),
										  typlen, typbyval, typalign));
}

/* A table's newest centroids, as one call site caches them. */
typedef struct IvfLists
{
	Oid			target;
	int			nlists;
	int			dims;
	IvfMetric	metric;
	float	   *centroids;		/* nlists x dims, by list number */
	float	   *scores;			/* scratch: nlists */
	int		   *order;			/* scratch: nlists */
} IvfLists;

/* The catalog table, in the schema of the calling function (the extension's). */
static Oid
centroid_catalog(FunctionCallInfo fcinfo)
{
	Oid			nsp = get_func_namespace(fcinfo->flinfo->fn_oid);
	Oid			catalog = get_relname_relid("hannoy_ivf_centroids", nsp);

	if (!OidIsValid(catalog))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("hannoy's table of IVF centroids is missing"),
				 errhint("Run ALTER EXTENSION hannoy UPDATE.")));
	return catalog;
}

#define CATALOG_COLUMNS	5		/* target, version, list, metric, centroid */

/* The newest version's centroids of target. */
static void
load_lists(FunctionCallInfo fcinfo, Oid target, IvfLists *lists)
{
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	int			newest = -1;
	int			capacity = 16;
	int			n = 0;
	int		   *numbers = palloc(sizeof(int) * capacity);
	ArrayType **vectors = palloc(sizeof(ArrayType *) * capacity);
	char	   *metric = NULL;

	rel = table_open(centroid_catalog(fcinfo), AccessShareLock);
	scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		Datum		values[CATALOG_COLUMNS];
		bool		isnull[CATALOG_COLUMNS];
		int			version;

		if (RelationGetDescr(rel)->natts != CATALOG_COLUMNS)
			elog(ERROR, "hannoy_ivf_centroids has %d columns, not %d",
				 RelationGetDescr(rel)->natts, CATALOG_COLUMNS);
		heap_deform_tuple(tup, RelationGetDescr(rel), values, isnull);
		if (isnull[0] || isnull[1] || isnull[2] || isnull[3] || isnull[4] ||
			DatumGetObjectId(values[0]) != target)
			continue;
		version = DatumGetInt32(values[1]);
		if (version < newest)
			continue;
		if (version > newest)
		{
			newest = version;
			n = 0;
		}
		if (n == capacity)
		{
			capacity *= 2;
			numbers = repalloc(numbers, sizeof(int) * capacity);
			vectors = repalloc(vectors, sizeof(ArrayType *) * capacity);
		}
		numbers[n] = DatumGetInt32(values[2]);
		metric = TextDatumGetCString(values[3]);
		vectors[n++] = DatumGetArrayTypePCopy(values[4]);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);

	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("table \"%s\" has no IVF centroids", get_rel_name(target)),
				 errhint("Create it with hannoy_ivf_create, or store centroids with hannoy_ivf_set_centroids.")));

	lists->target = target;
	lists->nlists = n;
	lists->metric = parse_metric(metric);
	lists->dims = ArrayGetNItems(ARR_NDIM(vectors[0]), ARR_DIMS(vectors[0]));
	lists->centroids = palloc0(sizeof(float) * lists->dims * (Size) n);
	for (int i = 0; i < n; i++)
	{
		if (numbers[i] < 0 || numbers[i] >= n ||
			ARR_ELEMTYPE(vectors[i]) != FLOAT4OID || ARR_HASNULL(vectors[i]) ||
			ArrayGetNItems(ARR_NDIM(vectors[i]), ARR_DIMS(vectors[i])) != lists->dims)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("the IVF centroids of table \"%s\" are inconsistent",
							get_rel_name(target)),
					 errdetail("Lists are numbered 0 to %d, all with %d real values.",
							   n - 1, lists->dims)));
		memcpy(lists->centroids + (Size) numbers[i] * lists->dims,
			   ARR_DATA_PTR(vectors[i]), sizeof(float) * lists->dims);
	}
	lists->scores = palloc(sizeof(float) * n);
	lists->order = palloc(sizeof(int) * n);
}

/* The cached lists of this call site, loaded on first use or a new target. */
static IvfLists *
get_lists(FunctionCallInfo fcinfo, Oid target)
{
	IvfLists   *lists = fcinfo->flinfo->fn_extra;

	if (lists == NULL || lists->target != target)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		if (pg_class_aclcheck(target, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied for table %s", get_rel_name(target)),
					 errdetail("A table's IVF centroids are averages of its rows.")));
		lists = palloc0(sizeof(IvfLists));
		load_lists(fcinfo, target, lists);
		fcinfo->flinfo->fn_extra = lists;
		MemoryContextSwitchTo(old);
	}
	return lists;
}

static IvfLists *current_sort;

static int
compare_scores(const void *a, const void *b)
{
	float		sa = current_sort->scores[*(const int *) a];
	float		sb = current_sort->scores[*(const int *) b];

	if (sa != sb)
		return sa < sb ? -1 : 1;
	return *(const int *) a - *(const int *) b;
}

/*
 * Order the lists nearest the query first (smaller score: L2 distance,
 * negative dot product, or L2 between unit vectors); ties go to the lower
 * number.  The query is a vector or a halfvec: the SQL functions take
 * either, and the two differ in size for every dimension (8 + 4 or 8 + 2
 * bytes a dimension).
 */
static void
rank_lists(IvfLists *lists, Datum query)
{
	Vector	   *v = DatumGetVector(query);	/* the header of either type */
	float	   *q = v->x;

	HannoyCheckSameDims(lists->dims, v->dim);
	if (VARSIZE(v) == HALFVEC_SIZE(v->dim))
	{
		q = palloc(sizeof(float) * v->dim);
		HannoyKernel->f16_to_f32(((HalfVector *) v)->x, q, v->dim);
	}
	if (lists->metric == IVF_COSINE)
	{
		if (q == v->x)
		{
			q = palloc(sizeof(float) * v->dim);
			memcpy(q, v->x, sizeof(float) * v->dim);
		}
		normalize(q, v->dim);
	}
	for (int c = 0; c < lists->nlists; c++)
	{
		const float *x = lists->centroids + (Size) c * lists->dims;

		lists->scores[c] = lists->metric == IVF_IP ?
			-HannoyKernel->f32_dot(q, x, lists->dims) :
			HannoyKernel->f32_l2sq(q, x, lists->dims);
		lists->order[c] = c;
	}
	current_sort = lists;
	qsort(lists->order, lists->nlists, sizeof(int), compare_scores);
	if (q != v->x)
		pfree(q);
}

/* hannoy_ivf_list(target regclass, v vector) -> int: the nearest list. */
PG_FUNCTION_INFO_V1(hannoy_ivf_list);
Datum
hannoy_ivf_list(PG_FUNCTION_ARGS)
{
	IvfLists   *lists = get_lists(fcinfo, PG_GETARG_OID(0));

	rank_lists(lists, PG_GETARG_DATUM(1));
	PG_RETURN_INT32(lists->order[0]);
}

/*
 * hannoy_ivf_lists(target regclass, v vector, n int) -> int[]: the n
 * lists nearest v, nearest first (all of them if there are fewer).
 */
PG_FUNCTION_INFO_V1(hannoy_ivf_lists);
Datum
hannoy_ivf_lists(PG_FUNCTION_ARGS)
{
	IvfLists   *lists = get_lists(fcinfo, PG_GETARG_OID(0));
	int32		n = PG_GETARG_INT32(2);
	Datum	   *out;

	if (n < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the number of lists must be at least 1")));
	rank_lists(lists, PG_GETARG_DATUM(1));
	n = Min(n, lists->nlists);
	out = palloc(sizeof(Datum) * n);
	for (int i = 0; i < n; i++)
		out[i] = Int32GetDatum(lists->order[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(out, n, INT4OID, sizeof(int32), true,
										  TYPALIGN_INT));
}

/*
 * hannoy_ivf_set_centroids(target regclass, centroids vector[], metric
 * text) -> int: store a new version of target's centroids (list i is
 * centroids[i + 1]); only the table's owner may.  Returns the version.
 * The catalog is locked against other writers meanwhile.
 */
PG_FUNCTION_INFO_V1(hannoy_ivf_set_centroids);
Datum
hannoy_ivf_set_centroids(PG_FUNCTION_ARGS)
{
	Oid			target = PG_GETARG_OID(0);
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(1);
	text	   *metric = PG_GETARG_TEXT_PP(2);
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	int			dims = -1;
	int			newest = 0;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (get_rel_relkind(target) == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", target)));
	if (!pg_class_ownercheck(target, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, get_rel_name(target));
	(void) parse_metric(text_to_cstring(metric));
	get_typlenbyvalalign(ARR_ELEMTYPE(array), &typlen, &typbyval, &typalign);
	deconstruct_array(array, ARR_ELEMTYPE(array), typlen, typbyval, typalign,
					  &elems, &nulls, &nelems);
	if (nelems < 1 || nelems > IVF_MAX_LISTS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("there must be 1 to %d centroids", IVF_MAX_LISTS)));
	for (int i = 0; i < nelems; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("a centroid is NULL")));
		if (dims < 0)
			dims = DatumGetVector(elems[i])->dim;
		else
			HannoyCheckSameDims(dims, DatumGetVector(elems[i])->dim);
	}

	rel = table_open(centroid_catalog(fcinfo), ShareRowExclusiveLock);
	if (RelationGetDescr(rel)->natts != CATALOG_COLUMNS)
		elog(ERROR, "hannoy_ivf_centroids has %d columns, not %d",
			 RelationGetDescr(rel)->natts, CATALOG_COLUMNS);
	scan = table_beginscan(rel, GetLatestSnapshot(), 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		bool		isnull;
		Datum		t = heap_getattr(tup, 1, RelationGetDescr(rel), &isnull);
		Datum		v = heap_getattr(tup, 2, RelationGetDescr(rel), &isnull);

		if (DatumGetObjectId(t) == target && !isnull)
			newest = Max(newest, DatumGetInt32(v));
	}
	table_endscan(scan);
	newest++;
	for (int i = 0; i < nelems; i++)
	{
		Vector	   *v = DatumGetVector(elems[i]);
		Datum		values[CATALOG_COLUMNS];
		bool		isnull[CATALOG_COLUMNS] = {false};

		values[0] = ObjectIdGetDatum(target);
		values[1] = Int32GetDatum(newest);
		values[2] = Int32GetDatum(i);
		values[3] = PointerGetDatum(metric);
		values[4] = PointerGetDatum(HannoyFloatsToArray(v->x, v->dim));
		simple_heap_insert(rel, heap_form_tuple(RelationGetDescr(rel), values, isnull));
	}
	table_close(rel, NoLock);	/* until the end of the transaction */
	CommandCounterIncrement();
	PG_RETURN_INT32(newest);
}

/*
 * hannoy_ivf_probe(target regclass, v vector, nth int) -> int: the nth
 * nearest list (1 the nearest), NULL past the last.  IVF routing builds
 * its pruning condition from these calls (ivf_route.c).
 */
PG_FUNCTION_INFO_V1(hannoy_ivf_probe);
Datum
hannoy_ivf_probe(PG_FUNCTION_ARGS)
{
	IvfLists   *lists = get_lists(fcinfo, PG_GETARG_OID(0));
	int32		nth = PG_GETARG_INT32(2);

	if (nth < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lists are counted from 1")));
	if (nth > lists->nlists)
		PG_RETURN_NULL();
	rank_lists(lists, PG_GETARG_DATUM(1));
	PG_RETURN_INT32(lists->order[nth - 1]);
}

/*
 * The partition key column of a table partitioned by LIST on one int
 * column (an IVF table's list column); 0 if it is not such a table.
 */
AttrNumber
HannoyIvfListColumn(Oid relid)
{
	Relation	rel = table_open(relid, AccessShareLock);
	PartitionKey key = rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE ?
		RelationGetPartitionKey(rel) : NULL;
	AttrNumber	attno = 0;

	if (key != NULL && key->strategy == PARTITION_STRATEGY_LIST && key->partnatts == 1 &&
		key->partattrs[0] > 0 && key->parttypid[0] == INT4OID)
		attno = key->partattrs[0];
	table_close(rel, AccessShareLock);
	return attno;
}

/*
 * hannoy_ivf_list_sizes(target regclass) -> (list int, rows bigint): the
 * rows in each list of an IVF table, every list of its newest centroids
 * included, in list order.  Lists that grew far apart in size are a sign
 * the centroids no longer fit the data (README: re-training).
 */
PG_FUNCTION_INFO_V1(hannoy_ivf_list_sizes);
Datum
hannoy_ivf_list_sizes(PG_FUNCTION_ARGS)
{
	Oid			target = PG_GETARG_OID(0);
	IvfLists   *lists = get_lists(fcinfo, target);
	AttrNumber	key = HannoyIvfListColumn(target);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64	   *counts;

	if (key == 0)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("table \"%s\" is not partitioned by LIST on one int column",
						get_rel_name(target))));
	counts = palloc0(sizeof(int64) * lists->nlists);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute(psprintf("SELECT %s, count(*) FROM %s GROUP BY 1",
							 quote_identifier(get_attname(target, key, false)),
							 quote_qualified_identifier(get_namespace_name(get_rel_namespace(target)),
														get_rel_name(target))),
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "counting the rows of the lists failed");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		list = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull && DatumGetInt32(list) >= 0 && DatumGetInt32(list) < lists->nlists)
			counts[DatumGetInt32(list)] =
				DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));
	}
	SPI_finish();

	InitMaterializedSRF(fcinfo, 0);
	for (int l = 0; l < lists->nlists; l++)
	{
		Datum		values[2] = {Int32GetDatum(l), Int64GetDatum(counts[l])};
		bool		nulls[2] = {false, false};

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

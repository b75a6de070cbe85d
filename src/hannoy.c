/*-------------------------------------------------------------------------
 *
 * hannoy.c
 *	  Module entry: the access method handler, index options, settings and
 *	  the choice of distance kernels.  All the actual index logic is in the
 *	  topic files named in src/README (build.c, insert.c, scan.c, ...).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/amapi.h"
#include "access/reloptions.h"
#include "commands/progress.h"
#include "commands/vacuum.h"
#include "fmgr.h"
#include "utils/guc.h"
#include "utils/rel.h"

#include "distance.h"
#include "hannoy.h"

PG_MODULE_MAGIC;

int			hannoy_ef_search = 40;
int			hannoy_iterative_scan = HANNOY_ITERATIVE_STRICT;
int			hannoy_max_scan_tuples = 20000;
int			hannoy_exact_filter_limit = 3000;
double		hannoy_scan_mem_multiplier = 2.0;
int			hannoy_pq_training_rows = 10000;
int			hannoy_rerank = 100;

static relopt_kind hannoy_relopt_kind;

static const struct config_enum_entry iterative_scan_options[] = {
	{"off", HANNOY_ITERATIVE_OFF, false},
	{"relaxed_order", HANNOY_ITERATIVE_RELAXED, false},
	{"strict_order", HANNOY_ITERATIVE_STRICT, false},
	{NULL, 0, false}
};

void		_PG_init(void);

static int	hannoy_kernels_setting = HANNOY_KERNELS_AUTO;

static const struct config_enum_entry kernel_options[] = {
	{"auto", HANNOY_KERNELS_AUTO, false},
	{"avx512", HANNOY_KERNELS_AVX512, false},
	{"avx2", HANNOY_KERNELS_AVX2, false},
	{"portable", HANNOY_KERNELS_PORTABLE, false},
	{NULL, 0, false}
};

static bool
check_kernels(int *newval, void **extra, GucSource source)
{
	if (HannoyKernelsFor((HannoyKernelChoice) *newval) == NULL)
	{
		GUC_check_errdetail("This CPU or this build of hannoy cannot run the \"%s\" kernels.",
							kernel_options[*newval].name);
		return false;
	}
	return true;
}

static void
assign_kernels(int newval, void *extra)
{
	HannoyKernel = HannoyKernelsFor((HannoyKernelChoice) newval);
}

static const char *
show_kernels(void)
{
	return HannoyKernel->name;
}

void
_PG_init(void)
{
	HannoyKernel = HannoyKernelsFor(HANNOY_KERNELS_AUTO);

	DefineCustomEnumVariable("hannoy.kernels",
							 "Distance kernels to use; \"auto\" picks the best the CPU supports.",
							 "SHOW displays the kernel set in use.",
							 &hannoy_kernels_setting,
							 HANNOY_KERNELS_AUTO,
							 kernel_options,
							 PGC_SUSET,
							 0,
							 check_kernels, assign_kernels, show_kernels);

	DefineCustomIntVariable("hannoy.ef_search",
							"Size of the candidate list an index scan keeps.",
							"Larger finds more of the true nearest rows, more slowly.",
							&hannoy_ef_search, 40, 1, 1000,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable("hannoy.iterative_scan",
							 "Whether an index scan continues past ef_search rows when the query needs more.",
							 "strict_order (the default) returns rows in distance order, and may miss a few instead; relaxed_order may return rows slightly out of order; off returns at most ef_search rows.",
							 &hannoy_iterative_scan, HANNOY_ITERATIVE_STRICT,
							 iterative_scan_options,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("hannoy.max_scan_tuples",
							"Most elements an iterative index scan visits before it stops.",
							NULL,
							&hannoy_max_scan_tuples, 20000, 1, INT_MAX,
							PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomIntVariable("hannoy.exact_filter_limit",
							"Most elements a filtered index scan checks one by one instead of walking the graph.",
							"A scan with an equality, IN, &&, @> or IS NULL condition on an attribute column looks up the elements holding those values; when they are at most this many it checks each and returns the rows that match in exact distance order.  0 always walks the graph.",
							&hannoy_exact_filter_limit, 3000, 0, 100000000,
							PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomRealVariable("hannoy.scan_mem_multiplier",
							 "Memory an iterative index scan may use, as a multiple of work_mem.",
							 "A scan that reaches it stops searching, returns what it found and says so in a NOTICE.",
							 &hannoy_scan_mem_multiplier, 2.0, 1.0, 1000.0,
							 PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomIntVariable("hannoy.pq_training_rows",
							"Most vectors a build trains product-quantization codebooks on.",
							"A random sample of the table's vectors, drawn once they are loaded.",
							&hannoy_pq_training_rows, 10000, 1, INT_MAX,
							PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomIntVariable("hannoy.rerank",
							"How many of a product-quantized scan's best candidates get exact distances from their table rows.",
							"They are returned in exact distance order, and the scan's candidate list is at least this long; 0 returns rows in the order of their approximate (code) distances.",
							&hannoy_rerank, 100, 0, 10000,
							PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomIntVariable("hannoy.ivf_probes",
							"How many IVF lists a nearest-rows query on a table with IVF centroids visits; 0 visits all.",
							"Applies to ORDER BY distance LIMIT k on a table partitioned by its list column (src/ivf_route.c).",
							&hannoy_ivf_probes, 0, 0, 10000,
							PGC_USERSET, 0, NULL, NULL, NULL);
	HannoyInstallIvfRouting();

	DefineCustomBoolVariable("hannoy.concurrent_shards",
							 "Fetches a nearest-rows query's rows from a partitioned table's postgres_fdw shards concurrently, with the LIMIT pushed to each shard.",
							 "Applies to ORDER BY distance LIMIT k on a table with foreign partitions; shards run concurrently when their server or table has async_capable 'true' (src/shard_fetch.c).",
							 &hannoy_concurrent_shards, true,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	HannoyInstallShardFetch();
	HannoyInstallArrayConditions();

	hannoy_relopt_kind = add_reloption_kind();
	add_int_reloption(hannoy_relopt_kind, "m",
					  "Neighbours per element on the upper layers (twice that on layer 0)",
					  HANNOY_DEFAULT_M, HANNOY_MIN_M, HANNOY_MAX_M,
					  AccessExclusiveLock);
	add_int_reloption(hannoy_relopt_kind, "ef_construction",
					  "Size of the candidate list while building the graph",
					  HANNOY_DEFAULT_EF_CONSTRUCTION, HANNOY_MIN_EF_CONSTRUCTION,
					  HANNOY_MAX_EF_CONSTRUCTION, AccessExclusiveLock);
	add_int_reloption(hannoy_relopt_kind, "pq_m",
					  "Bytes per vector of a product-quantized index (sub-quantizers of 256 centroids); 0 for dimensions / 8",
					  HANNOY_DEFAULT_PQ_M, 0, HANNOY_MAX_PQ_M, AccessExclusiveLock);

	MarkGUCPrefixReserved("hannoy");
}

static bytea *
hannoyoptions(Datum reloptions, bool validate)
{
	static const relopt_parse_elt tab[] = {
		{"m", RELOPT_TYPE_INT, offsetof(HannoyOptions, m)},
		{"ef_construction", RELOPT_TYPE_INT, offsetof(HannoyOptions, ef_construction)},
		{"pq_m", RELOPT_TYPE_INT, offsetof(HannoyOptions, pq_m)},
	};

	return (bytea *) build_reloptions(reloptions, validate, hannoy_relopt_kind,
									  sizeof(HannoyOptions), tab, lengthof(tab));
}

int
HannoyOptionM(Relation index)
{
	HannoyOptions *opts = (HannoyOptions *) index->rd_options;

	return opts ? opts->m : HANNOY_DEFAULT_M;
}

int
HannoyOptionEfConstruction(Relation index)
{
	HannoyOptions *opts = (HannoyOptions *) index->rd_options;

	return opts ? opts->ef_construction : HANNOY_DEFAULT_EF_CONSTRUCTION;
}

/* The pq_m option as set (0: automatic). */
int
HannoyOptionPqM(Relation index)
{
	HannoyOptions *opts = (HannoyOptions *) index->rd_options;

	return opts ? opts->pq_m : HANNOY_DEFAULT_PQ_M;
}

/*
 * The pq_m an index of dims dimensions gets from the option's value:
 * 0 is dims / 8, rounded up; more than dims is refused.
 */
int
HannoyCheckPqM(int pq_m, int dims)
{
	if (pq_m == 0)
		return Min((dims + HANNOY_PQ_DIMS_PER_BYTE - 1) / HANNOY_PQ_DIMS_PER_BYTE,
				   HANNOY_MAX_PQ_M);
	if (pq_m > dims)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pq_m must be at most the number of dimensions"),
				 errdetail("pq_m is %d and the vectors have %d dimensions.", pq_m, dims)));
	return pq_m;
}

static char *
hannoybuildphasename(int64 phasenum)
{
	switch (phasenum)
	{
		case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
			return "initializing";
		case HANNOY_PHASE_LOAD:
			return "loading tuples";
		case HANNOY_PHASE_TRAIN:
			return "training quantizer";
		case HANNOY_PHASE_GRAPH:
			return "building graph";
		case HANNOY_PHASE_WRITE:
			return "writing pages";
		default:
			return NULL;
	}
}

/*
 * Support function of the distance operators' functions.  The planner
 * calls it while simplifying a query's expressions, before planning its
 * relations: being called has loaded this library, whose _PG_init
 * installs the planner hooks (ivf_route.c, shard_fetch.c).  It offers no
 * simplification, estimate or index condition.
 */
PG_FUNCTION_INFO_V1(hannoy_planner_support);
Datum
hannoy_planner_support(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(NULL);
}

PG_FUNCTION_INFO_V1(hannoy_handler);
Datum
hannoy_handler(PG_FUNCTION_ARGS)
{
	IndexAmRoutine *amroutine = makeNode(IndexAmRoutine);

	amroutine->amstrategies = 0;
	amroutine->amsupport = HANNOY_NPROCS;
	amroutine->amoptsprocnum = 0;
	amroutine->amcanorder = false;
	amroutine->amcanorderbyop = true;
	amroutine->amcanbackward = false;
	amroutine->amcanunique = false;
	amroutine->amcanmulticol = true;
	amroutine->amoptionalkey = true;
	amroutine->amsearcharray = true;
	amroutine->amsearchnulls = true;
	amroutine->amstorage = false;
	amroutine->amclusterable = false;
	amroutine->ampredlocks = false;
	amroutine->amcanparallel = false;
	amroutine->amcaninclude = false;
	amroutine->amusemaintenanceworkmem = true;
	amroutine->amparallelvacuumoptions = VACUUM_OPTION_PARALLEL_BULKDEL;
	amroutine->amkeytype = InvalidOid;

	amroutine->ambuild = hannoybuild;
	amroutine->ambuildempty = hannoybuildempty;
	amroutine->aminsert = hannoyinsert;
	amroutine->ambulkdelete = hannoybulkdelete;
	amroutine->amvacuumcleanup = hannoyvacuumcleanup;
	amroutine->amcanreturn = NULL;
	amroutine->amcostestimate = hannoycostestimate;
	amroutine->amoptions = hannoyoptions;
	amroutine->amproperty = hannoyproperty;
	amroutine->ambuildphasename = hannoybuildphasename;
	amroutine->amvalidate = hannoyvalidate;
	amroutine->amadjustmembers = NULL;
	amroutine->ambeginscan = hannoybeginscan;
	amroutine->amrescan = hannoyrescan;
	amroutine->amgettuple = hannoygettuple;
	amroutine->amgetbitmap = NULL;
	amroutine->amendscan = hannoyendscan;
	amroutine->ammarkpos = NULL;
	amroutine->amrestrpos = NULL;
	amroutine->amestimateparallelscan = NULL;
	amroutine->aminitparallelscan = NULL;
	amroutine->amparallelrescan = NULL;

	PG_RETURN_POINTER(amroutine);
}

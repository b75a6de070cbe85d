/*-------------------------------------------------------------------------
 *
 * hannoy_pgvector.c
 *	  pgvector compatibility for hannoy: the index access method "hnsw"
 *	  served by hannoy's code, the settings hnsw.ef_search,
 *	  hnsw.iterative_scan, hnsw.max_scan_tuples and hnsw.scan_mem_multiplier
 *	  for indexes of that access method, and an access method "ivfflat"
 *	  that refuses every build with a hint.  The design and its limits are
 *	  in src/README ("pgvector compatibility") and README.md ("Migrating
 *	  from pgvector").
 *
 *	  hnsw's handler is hannoy's routine with its scan and cost callbacks
 *	  wrapped: around each call, the hnsw.* settings a session has set
 *	  replace hannoy's (hannoy_ef_search and the others, looked up in
 *	  hannoy.so) and are put back afterwards, also on error.  An hnsw.*
 *	  setting that is not set leaves hannoy's value in force.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>
#include <stdlib.h>

#include "access/amapi.h"
#include "fmgr.h"
#include "utils/guc.h"

#include "hannoy.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* --- hannoy's pieces, looked up in hannoy.so ------------------------------ */

static PGFunction hannoy_handler_fn;
static int *hannoy_ef_search_p;
static int *hannoy_iterative_scan_p;
static int *hannoy_max_scan_tuples_p;
static double *hannoy_scan_mem_multiplier_p;

/* hannoy's callbacks that hnsw wraps (set by the first handler call) */
static amcostestimate_function hannoy_costestimate;
static ambeginscan_function hannoy_beginscan;
static amrescan_function hannoy_rescan;
static amgettuple_function hannoy_gettuple;
static amendscan_function hannoy_endscan;

/* --- the hnsw.* settings ---------------------------------------------------- */

static int	hnsw_ef_search = 40;
static int	hnsw_iterative_scan = HANNOY_ITERATIVE_STRICT;
static int	hnsw_max_scan_tuples = 20000;
static double hnsw_scan_mem_multiplier = 2.0;

/*
 * Whether each one is set: its current value came from a source above the
 * built-in default (postgresql.conf, ALTER DATABASE/ROLE ... SET, PGOPTIONS,
 * SET, a function's SET clause).  The check hook records that in the
 * value's "extra", which the GUC machinery keeps with the value through
 * SET LOCAL, RESET, rollbacks and the adoption of a placeholder; the
 * assign hook copies it here.
 */
static bool hnsw_ef_search_set;
static bool hnsw_iterative_scan_set;
static bool hnsw_max_scan_tuples_set;
static bool hnsw_scan_mem_multiplier_set;

static const struct config_enum_entry iterative_scan_options[] = {
	{"off", HANNOY_ITERATIVE_OFF, false},
	{"relaxed_order", HANNOY_ITERATIVE_RELAXED, false},
	{"strict_order", HANNOY_ITERATIVE_STRICT, false},
	{NULL, 0, false}
};

static bool
note_source(void **extra, GucSource source)
{
	bool	   *set = malloc(sizeof(bool));

	if (set == NULL)
	{
		GUC_check_errcode(ERRCODE_OUT_OF_MEMORY);
		GUC_check_errmsg("out of memory");
		return false;
	}
	*set = source > PGC_S_DYNAMIC_DEFAULT;
	*extra = set;
	return true;
}

static bool
is_set(void *extra)
{
	return extra != NULL && *(bool *) extra;
}

static bool
check_int(int *newval, void **extra, GucSource source)
{
	return note_source(extra, source);
}

static bool
check_real(double *newval, void **extra, GucSource source)
{
	return note_source(extra, source);
}

static void
assign_ef_search(int newval, void *extra)
{
	hnsw_ef_search_set = is_set(extra);
}

static void
assign_iterative_scan(int newval, void *extra)
{
	hnsw_iterative_scan_set = is_set(extra);
}

static void
assign_max_scan_tuples(int newval, void *extra)
{
	hnsw_max_scan_tuples_set = is_set(extra);
}

static void
assign_scan_mem_multiplier(double newval, void *extra)
{
	hnsw_scan_mem_multiplier_set = is_set(extra);
}

/* SHOW: the value hnsw indexes use, hannoy's when the alias is not set. */
static const char *
show_ef_search(void)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), "%d",
			 hnsw_ef_search_set ? hnsw_ef_search : *hannoy_ef_search_p);
	return buf;
}

static const char *
show_iterative_scan(void)
{
	int			value = hnsw_iterative_scan_set ? hnsw_iterative_scan : *hannoy_iterative_scan_p;
	const struct config_enum_entry *e;

	for (e = iterative_scan_options; e->name != NULL; e++)
		if (e->val == value)
			return e->name;
	return "unknown";
}

static const char *
show_max_scan_tuples(void)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), "%d",
			 hnsw_max_scan_tuples_set ? hnsw_max_scan_tuples : *hannoy_max_scan_tuples_p);
	return buf;
}

static const char *
show_scan_mem_multiplier(void)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "%g",
			 hnsw_scan_mem_multiplier_set ? hnsw_scan_mem_multiplier : *hannoy_scan_mem_multiplier_p);
	return buf;
}

/* --- hannoy's settings replaced around a call --------------------------------- */

typedef struct SavedSettings
{
	int			ef_search;
	int			iterative_scan;
	int			max_scan_tuples;
	double		scan_mem_multiplier;
} SavedSettings;

/* Puts the hnsw.* settings that are set in place; false if none is. */
static bool
settings_enter(SavedSettings *saved)
{
	if (!hnsw_ef_search_set && !hnsw_iterative_scan_set &&
		!hnsw_max_scan_tuples_set && !hnsw_scan_mem_multiplier_set)
		return false;
	saved->ef_search = *hannoy_ef_search_p;
	saved->iterative_scan = *hannoy_iterative_scan_p;
	saved->max_scan_tuples = *hannoy_max_scan_tuples_p;
	saved->scan_mem_multiplier = *hannoy_scan_mem_multiplier_p;
	if (hnsw_ef_search_set)
		*hannoy_ef_search_p = hnsw_ef_search;
	if (hnsw_iterative_scan_set)
		*hannoy_iterative_scan_p = hnsw_iterative_scan;
	if (hnsw_max_scan_tuples_set)
		*hannoy_max_scan_tuples_p = hnsw_max_scan_tuples;
	if (hnsw_scan_mem_multiplier_set)
		*hannoy_scan_mem_multiplier_p = hnsw_scan_mem_multiplier;
	return true;
}

static void
settings_leave(const SavedSettings *saved)
{
	*hannoy_ef_search_p = saved->ef_search;
	*hannoy_iterative_scan_p = saved->iterative_scan;
	*hannoy_max_scan_tuples_p = saved->max_scan_tuples;
	*hannoy_scan_mem_multiplier_p = saved->scan_mem_multiplier;
}

static void
hnsw_costestimate(struct PlannerInfo *root, struct IndexPath *path, double loop_count,
				  Cost *indexStartupCost, Cost *indexTotalCost,
				  Selectivity *indexSelectivity, double *indexCorrelation,
				  double *indexPages)
{
	SavedSettings saved;

	if (!settings_enter(&saved))
	{
		hannoy_costestimate(root, path, loop_count, indexStartupCost, indexTotalCost,
							indexSelectivity, indexCorrelation, indexPages);
		return;
	}
	PG_TRY();
	{
		hannoy_costestimate(root, path, loop_count, indexStartupCost, indexTotalCost,
							indexSelectivity, indexCorrelation, indexPages);
	}
	PG_FINALLY();
	{
		settings_leave(&saved);
	}
	PG_END_TRY();
}

static IndexScanDesc
hnsw_beginscan(Relation index, int nkeys, int norderbys)
{
	SavedSettings saved;
	volatile IndexScanDesc scan = NULL;

	if (!settings_enter(&saved))
		return hannoy_beginscan(index, nkeys, norderbys);
	PG_TRY();
	{
		scan = hannoy_beginscan(index, nkeys, norderbys);
	}
	PG_FINALLY();
	{
		settings_leave(&saved);
	}
	PG_END_TRY();
	return scan;
}

static void
hnsw_rescan(IndexScanDesc scan, ScanKey keys, int nkeys,
			ScanKey orderbys, int norderbys)
{
	SavedSettings saved;

	if (!settings_enter(&saved))
	{
		hannoy_rescan(scan, keys, nkeys, orderbys, norderbys);
		return;
	}
	PG_TRY();
	{
		hannoy_rescan(scan, keys, nkeys, orderbys, norderbys);
	}
	PG_FINALLY();
	{
		settings_leave(&saved);
	}
	PG_END_TRY();
}

static bool
hnsw_gettuple(IndexScanDesc scan, ScanDirection dir)
{
	SavedSettings saved;
	volatile bool found = false;

	if (!settings_enter(&saved))
		return hannoy_gettuple(scan, dir);
	PG_TRY();
	{
		found = hannoy_gettuple(scan, dir);
	}
	PG_FINALLY();
	{
		settings_leave(&saved);
	}
	PG_END_TRY();
	return found;
}

static void
hnsw_endscan(IndexScanDesc scan)
{
	SavedSettings saved;

	if (!settings_enter(&saved))
	{
		hannoy_endscan(scan);
		return;
	}
	PG_TRY();
	{
		hannoy_endscan(scan);
	}
	PG_FINALLY();
	{
		settings_leave(&saved);
	}
	PG_END_TRY();
}

/* --- the access methods ------------------------------------------------------ */

PG_FUNCTION_INFO_V1(hannoy_pgvector_hnsw_handler);
Datum
hannoy_pgvector_hnsw_handler(PG_FUNCTION_ARGS)
{
	IndexAmRoutine *routine;

	routine = (IndexAmRoutine *) DatumGetPointer(DirectFunctionCall1(hannoy_handler_fn,
																	 PointerGetDatum(NULL)));
	hannoy_costestimate = routine->amcostestimate;
	hannoy_beginscan = routine->ambeginscan;
	hannoy_rescan = routine->amrescan;
	hannoy_gettuple = routine->amgettuple;
	hannoy_endscan = routine->amendscan;

	routine->amcostestimate = hnsw_costestimate;
	routine->ambeginscan = hnsw_beginscan;
	routine->amrescan = hnsw_rescan;
	routine->amgettuple = hnsw_gettuple;
	routine->amendscan = hnsw_endscan;
	PG_RETURN_POINTER(routine);
}

/*
 * ivfflat: PostgreSQL asks an access method's handler for its routine
 * before it looks at the index's columns, operator classes or options,
 * so every CREATE INDEX ... USING ivfflat (and REINDEX, and anything
 * else that would open such an index) stops here.
 */
PG_FUNCTION_INFO_V1(hannoy_pgvector_ivfflat_handler);
Datum
hannoy_pgvector_ivfflat_handler(PG_FUNCTION_ARGS)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("hannoy does not provide ivfflat indexes"),
			 errdetail("hannoy_pgvector defines the access method \"ivfflat\" only to refuse pgvector's IVFFlat indexes with this hint."),
			 errhint("Create the index with USING hnsw or USING hannoy and the same operator class, without the \"lists\" option; "
					 "to keep rows in lists by centroid, see hannoy_ivf_create().")));
	PG_RETURN_NULL();
}

/* --- loading ----------------------------------------------------------------- */

static void *
hannoy_symbol(void *lib, const char *name)
{
	void	   *p = lookup_external_function(lib, name);

	if (p == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the installed hannoy library does not define \"%s\"", name),
				 errhint("Install hannoy and hannoy_pgvector from the same source tree.")));
	return p;
}

void
_PG_init(void)
{
	void	   *lib;

	/*
	 * pgvector's library defines the same settings: both cannot be loaded
	 * in one session (each database has one of them at most, as the
	 * access method name hnsw is unique in a database; only preloading
	 * pgvector brings them together).  Checked before anything is defined.
	 */
	if (GetConfigOption("hnsw.ef_search", true, false) != NULL &&
		(GetConfigOptionFlags("hnsw.ef_search", true) & GUC_CUSTOM_PLACEHOLDER) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("hannoy_pgvector cannot be loaded in a session that has loaded pgvector"),
				 errdetail("Both define the settings hnsw.ef_search, hnsw.iterative_scan, hnsw.max_scan_tuples and hnsw.scan_mem_multiplier."),
				 errhint("Do not preload pgvector's library (\"vector\") on a server whose databases use hannoy_pgvector.")));

	/* hannoy's library, loaded (and its settings defined) if it is not yet */
	hannoy_handler_fn = (PGFunction) load_external_function("$libdir/hannoy", "hannoy_handler",
															true, &lib);
	hannoy_ef_search_p = hannoy_symbol(lib, "hannoy_ef_search");
	hannoy_iterative_scan_p = hannoy_symbol(lib, "hannoy_iterative_scan");
	hannoy_max_scan_tuples_p = hannoy_symbol(lib, "hannoy_max_scan_tuples");
	hannoy_scan_mem_multiplier_p = hannoy_symbol(lib, "hannoy_scan_mem_multiplier");

	DefineCustomIntVariable("hnsw.ef_search",
							"Candidate list of a scan of an hnsw index (hannoy_pgvector).",
							"When not set, hannoy.ef_search applies.",
							&hnsw_ef_search, 40, 1, 1000,
							PGC_USERSET, 0, check_int, assign_ef_search, show_ef_search);
	DefineCustomEnumVariable("hnsw.iterative_scan",
							 "Whether a scan of an hnsw index continues past ef_search rows (hannoy_pgvector).",
							 "off, relaxed_order or strict_order; when not set, hannoy.iterative_scan applies.",
							 &hnsw_iterative_scan, HANNOY_ITERATIVE_STRICT, iterative_scan_options,
							 PGC_USERSET, 0, check_int, assign_iterative_scan, show_iterative_scan);
	DefineCustomIntVariable("hnsw.max_scan_tuples",
							"Most elements an iterative scan of an hnsw index visits (hannoy_pgvector).",
							"When not set, hannoy.max_scan_tuples applies.",
							&hnsw_max_scan_tuples, 20000, 1, INT_MAX,
							PGC_USERSET, 0, check_int, assign_max_scan_tuples, show_max_scan_tuples);
	DefineCustomRealVariable("hnsw.scan_mem_multiplier",
							 "Memory an iterative scan of an hnsw index may use, as a multiple of work_mem (hannoy_pgvector).",
							 "When not set, hannoy.scan_mem_multiplier applies.",
							 &hnsw_scan_mem_multiplier, 2.0, 1.0, 1000.0,
							 PGC_USERSET, 0, check_real, assign_scan_mem_multiplier,
							 show_scan_mem_multiplier);

	MarkGUCPrefixReserved("hnsw");
}

/*-------------------------------------------------------------------------
 *
 * shard_fetch.c
 *	  Nearest rows from shards on other servers, fetched concurrently.
 *
 * For a query
 *
 *		SELECT ... FROM t [WHERE routing] ORDER BY v <-> q LIMIT k
 *
 * on a table t partitioned into postgres_fdw foreign tables (shards), the
 * stock plan is a Merge Append over the shards' foreign scans: each shard
 * gets ORDER BY v <-> q without the LIMIT, and Merge Append starts them one
 * after another, so the shards' latencies add up.  With
 * hannoy.concurrent_shards on (the default) a create_upper_paths_hook
 * replaces the query's ordered paths (UPPERREL_ORDERED) by one,
 *
 *		Limit -> Sort -> Append
 *						   -> Foreign Scan on shard 1  (ORDER BY v <-> q LIMIT k)
 *						   -> Foreign Scan on shard 2  (ORDER BY v <-> q LIMIT k)
 *						   -> Limit -> Index Scan on a local partition
 *
 * Each shard returns at most k rows, ordered by its own hannoy index; the
 * global top k is among them, so sorting the at most k rows per shard and
 * keeping k gives the same rows as Merge Append would.  A plain (unordered)
 * Append runs postgres_fdw scans whose server or table has
 * async_capable 'true' concurrently (Async Append), which Merge Append
 * never does.  Run-time partition pruning, including IVF routing's
 * condition (ivf_route.c), works on Append as on Merge Append.
 *
 * postgres_fdw pushes a LIMIT to the remote server only for a query on the
 * foreign table itself (its upper-relation paths).  Its paths carry two
 * flags, has_final_sort and has_limit, in fdw_private (enum
 * FdwPathPrivateIndex in postgres_fdw.c of PostgreSQL 15), and
 * postgresGetForeignPlan appends "LIMIT <the query's limit count>" to the
 * remote query of any path whose has_limit flag is true.  We copy the
 * shard's ordered base path and set that flag.  This is only right when
 * the shard applies every condition of the query itself, so the rewrite is
 * made only when:
 *
 *	- the query reads t alone, with no grouping, aggregates, window
 *	  functions, DISTINCT, set operations, set-returning functions in the
 *	  target list or row locks;
 *	- its LIMIT is a constant or a parameter and it has no OFFSET;
 *	- its ORDER BY starts with a distance operator on a column of t
 *	  (HannoyOrderingQueryVector), and every live partition has a path in
 *	  that order;
 *	- no partition has conditions of its own (a WHERE clause on t would
 *	  have to be shipped, and whether postgres_fdw ships it is its private
 *	  knowledge), and every partition is a leaf;
 *	- at least one partition is a postgres_fdw foreign table.
 *
 * Otherwise the planner's own paths are kept.
 *
 * The hook works on the ordered paths, not on t's own paths: for a
 * partitioned table grouping_planner rebuilds t's Append and Merge Append
 * paths from the partitions after set_rel_pathlist_hook has run
 * (apply_scanjoin_target_to_paths), and the partitions' paths it reads are
 * those of the Merge Append it built.
 *
 * The hook exists once hannoy's library is loaded.  A server whose
 * partitions are all foreign tables has no hannoy index to load it before
 * planning; the distance operators' support function
 * (hannoy_planner_support) does, when the planner simplifies the query's
 * expressions.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/transam.h"
#include "catalog/pg_class.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "foreign/foreign.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/value.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planner.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "hannoy.h"

bool		hannoy_concurrent_shards = true;

static create_upper_paths_hook_type prev_create_upper_paths_hook = NULL;

/*
 * Whether the LIMIT count is not something postgres_fdw can print into a
 * remote query, which takes constants, the statement's parameters and
 * built-in casts of them ($1 of type int4 arrives as int8($1)).
 */
static bool
count_not_shippable(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Const))
		return false;
	if (IsA(node, Param))
		return ((Param *) node)->paramkind != PARAM_EXTERN;
	if (IsA(node, RelabelType))
		return expression_tree_walker(node, count_not_shippable, context);
	if (IsA(node, FuncExpr) && ((FuncExpr *) node)->funcid < FirstGenbkiObjectId &&
		func_volatile(((FuncExpr *) node)->funcid) == PROVOLATILE_IMMUTABLE)
		return expression_tree_walker(node, count_not_shippable, context);
	return true;
}

/* The query's shape allows a LIMIT in every partition's scan. */
static bool
query_allows_limit_per_partition(PlannerInfo *root, Index rti)
{
	Query	   *parse = root->parse;
	Node	   *count = parse->limitCount;
	Var		   *col;

	if (parse->commandType != CMD_SELECT || parse->groupClause != NIL ||
		parse->groupingSets != NIL || parse->hasAggs || parse->hasWindowFuncs ||
		parse->distinctClause != NIL || parse->setOperations != NULL ||
		parse->hasTargetSRFs || parse->rowMarks != NIL || parse->havingQual != NULL ||
		parse->limitOffset != NULL || parse->limitOption != LIMIT_OPTION_COUNT)
		return false;
	if (count == NULL || (IsA(count, Const) && ((Const *) count)->constisnull) ||
		count_not_shippable(count, NULL))
		return false;
	if (bms_membership(root->all_baserels) != BMS_SINGLETON)
		return false;
	return HannoyOrderingQueryVector(root, rti, &col) != NULL;
}

/*
 * Whether child is a foreign table of postgres_fdw itself: its wrapper's
 * handler is postgres_fdw_handler in the library postgres_fdw (a fork
 * with the same function name need not share its fdw_private layout).
 */
static bool
is_postgres_fdw_table(RelOptInfo *child)
{
	ForeignDataWrapper *fdw;
	HeapTuple	proc;
	bool		ours = false;

	if (child->fdwroutine == NULL || !OidIsValid(child->serverid))
		return false;
	fdw = GetForeignDataWrapper(GetForeignServer(child->serverid)->fdwid);
	if (!OidIsValid(fdw->fdwhandler))
		return false;
	proc = SearchSysCache1(PROCOID, ObjectIdGetDatum(fdw->fdwhandler));
	if (HeapTupleIsValid(proc))
	{
		Form_pg_proc form = (Form_pg_proc) GETSTRUCT(proc);
		bool		isnull;
		Datum		bin = SysCacheGetAttr(PROCOID, proc, Anum_pg_proc_probin, &isnull);

		ours = form->prolang == ClanguageId &&
			strcmp(NameStr(form->proname), "postgres_fdw_handler") == 0 &&
			!isnull && strcmp(TextDatumGetCString(bin), "$libdir/postgres_fdw") == 0;
		ReleaseSysCache(proc);
	}
	return ours;
}

/*
 * A path returning only the first k rows of sorted, a path of a partition
 * in the query's order; NULL if we cannot build one.  *foreign is set when
 * the partition is a shard.
 */
static Path *
limited_path(PlannerInfo *root, Path *sorted, double k, bool *foreign)
{
	RelOptInfo *child = sorted->parent;
	RangeTblEntry *childrte = root->simple_rte_array[child->relid];
	Path	   *scan = sorted;
	ForeignPath *limited;

	if (sorted->param_info != NULL || child->baserestrictinfo != NIL ||
		child->part_scheme != NULL || childrte->inh ||
		!pathkeys_contained_in(root->sort_pathkeys, sorted->pathkeys))
		return NULL;
	*foreign = childrte->relkind == RELKIND_FOREIGN_TABLE;
	if (!*foreign)
		return (Path *) create_limit_path(root, child, sorted, NULL,
										  copyObject(root->parse->limitCount),
										  LIMIT_OPTION_COUNT, 0, (int64) k);

	/* the scan, under the projection to the query's target list if any */
	if (IsA(scan, ProjectionPath))
		scan = ((ProjectionPath *) scan)->subpath;
	if (!IsA(scan, ForeignPath) || ((ForeignPath *) scan)->fdw_private != NIL ||
		!is_postgres_fdw_table(child))
		return NULL;
	limited = makeNode(ForeignPath);
	memcpy(limited, scan, sizeof(ForeignPath));
	/* has_final_sort false (a base relation), has_limit true */
	limited->fdw_private = list_make2(makeBoolean(false), makeBoolean(true));
	if (limited->path.rows > k)
	{
		limited->path.total_cost = limited->path.startup_cost +
			(limited->path.total_cost - limited->path.startup_cost) * k / limited->path.rows;
		limited->path.rows = k;
	}
	if (scan == sorted)
		return (Path *) limited;
	return (Path *) create_projection_path(root, child, (Path *) limited,
										   sorted->pathtarget);
}

/*
 * Replaces the ordered paths of a query on a partitioned table with shards
 * by Sort over an Append of per-partition limited paths.  The partitions'
 * paths are those of the planner's Merge Append, which has already chosen
 * each partition's cheapest path in the query's order.
 */
static void
fetch_shards_concurrently(PlannerInfo *root, RelOptInfo *input_rel, RelOptInfo *ordered_rel)
{
	Index		rti = input_rel->relid;
	Node	   *count = root->parse->limitCount;
	MergeAppendPath *merge = NULL;
	List	   *subpaths = NIL;
	bool		any_foreign = false;
	double		k;
	Path	   *sorted;
	ListCell   *lc;

	if (input_rel->reloptkind != RELOPT_BASEREL || input_rel->part_scheme == NULL ||
		IS_DUMMY_REL(input_rel) || ordered_rel->pathlist == NIL ||
		!query_allows_limit_per_partition(root, rti))
		return;
	foreach(lc, input_rel->pathlist)
	{
		Path	   *path = lfirst(lc);

		if (IsA(path, MergeAppendPath) && path->param_info == NULL &&
			pathkeys_contained_in(root->sort_pathkeys, path->pathkeys))
		{
			merge = (MergeAppendPath *) path;
			break;
		}
	}
	if (merge == NULL)
		return;

	/* a parameter's value is not known: plan for the common k */
	k = IsA(count, Const) ? (double) DatumGetInt64(((Const *) count)->constvalue) : 10.0;
	if (k < 1)
		k = 1;
	foreach(lc, merge->subpaths)
	{
		bool		foreign = false;
		Path	   *path = limited_path(root, lfirst(lc), k, &foreign);

		if (path == NULL)
			return;
		any_foreign |= foreign;
		subpaths = lappend(subpaths, path);
	}
	if (!any_foreign)
		return;

	sorted = (Path *) create_sort_path(root, ordered_rel,
									   (Path *) create_append_path(root, input_rel, subpaths, NIL,
																   NIL, NULL, 0, false, -1),
									   root->sort_pathkeys, k);
	/* the ordered paths' target list: the query's, projected if needed */
	if (sorted->pathtarget != ((Path *) linitial(ordered_rel->pathlist))->pathtarget)
		sorted = apply_projection_to_path(root, ordered_rel, sorted,
										  ((Path *) linitial(ordered_rel->pathlist))->pathtarget);
	ordered_rel->pathlist = NIL;
	ordered_rel->partial_pathlist = NIL;
	add_path(ordered_rel, sorted);
}

static void
hannoy_create_upper_paths(PlannerInfo *root, UpperRelationKind stage,
						  RelOptInfo *input_rel, RelOptInfo *output_rel, void *extra)
{
	if (prev_create_upper_paths_hook)
		prev_create_upper_paths_hook(root, stage, input_rel, output_rel, extra);
	if (stage == UPPERREL_ORDERED && hannoy_concurrent_shards)
		fetch_shards_concurrently(root, input_rel, output_rel);
}

void
HannoyInstallShardFetch(void)
{
	prev_create_upper_paths_hook = create_upper_paths_hook;
	create_upper_paths_hook = hannoy_create_upper_paths;
}

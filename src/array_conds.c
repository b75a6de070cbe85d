/*-------------------------------------------------------------------------
 *
 * array_conds.c
 *	  IN lists and = ANY (array) on attribute columns as index conditions of
 *	  the ordered scan.
 *
 * PostgreSQL 15 drops an index path's ORDER BY when a ScalarArrayOpExpr is
 * an index condition on a column after the first (indxpath.c,
 * build_index_paths: btree's order is then broken), so such a condition
 * stays a filter above hannoy's ordered scan.  hannoy's order does not
 * depend on its conditions: a set_rel_pathlist_hook replaces each ordered
 * hannoy path by one that also has the ScalarArrayOpExpr conditions of
 * the relation that its attribute columns can check, as build_index_paths
 * does for other conditions (added next to it, the path with the filter
 * would win on the planner's startup cost: a walk that must find
 * ef_search matching elements costs more than one that stops at
 * ef_search elements, whatever the filter then keeps).  The scan gets them
 * as SK_SEARCHARRAY keys (amsearcharray), which attrs.c checks.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/stratnum.h"
#include "commands/defrem.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/restrictinfo.h"
#include "utils/lsyscache.h"

#include "hannoy.h"

static set_rel_pathlist_hook_type prev_set_rel_pathlist_hook = NULL;

/* The rule indxpath.c applies to every index condition's collation. */
static inline bool
collation_matches(Oid index_collation, Oid expr_collation)
{
	return !OidIsValid(index_collation) || index_collation == expr_collation;
}

/* Whether rinfo is `column op ANY (array)` that indexcol can check. */
static bool
array_condition_on(IndexOptInfo *index, int indexcol, RestrictInfo *rinfo)
{
	ScalarArrayOpExpr *saop;
	Node	   *array;

	if (!IsA(rinfo->clause, ScalarArrayOpExpr) || rinfo->pseudoconstant ||
		!restriction_is_securely_promotable(rinfo, index->rel))
		return false;
	saop = (ScalarArrayOpExpr *) rinfo->clause;
	array = lsecond(saop->args);
	return saop->useOr &&
		match_index_to_operand(linitial(saop->args), indexcol, index) &&
		!contain_var_clause(array) && !contain_volatile_functions(array) &&
		op_in_opfamily(saop->opno, index->opfamily[indexcol]) &&
		collation_matches(index->indexcollations[indexcol], saop->inputcollid);
}

static int
compare_indexcol(const ListCell *a, const ListCell *b)
{
	return ((IndexClause *) lfirst(a))->indexcol - ((IndexClause *) lfirst(b))->indexcol;
}

/* The same ordered hannoy path with the array conditions, or NULL if none. */
static Path *
with_array_conditions(PlannerInfo *root, RelOptInfo *rel, IndexPath *path)
{
	IndexOptInfo *index = path->indexinfo;
	List	   *clauses = list_copy(path->indexclauses);
	bool		added = false;
	ListCell   *lc;

	foreach(lc, rel->baserestrictinfo)
	{
		RestrictInfo *rinfo = lfirst(lc);

		for (int col = 1; col < index->nkeycolumns; col++)
		{
			IndexClause *clause;

			if (!array_condition_on(index, col, rinfo))
				continue;
			clause = makeNode(IndexClause);
			clause->rinfo = rinfo;
			clause->indexquals = list_make1(rinfo);
			clause->lossy = false;
			clause->indexcol = col;
			clause->indexcols = NIL;
			clauses = lappend(clauses, clause);
			added = true;
			break;
		}
	}
	if (!added)
		return NULL;
	list_sort(clauses, compare_indexcol);
	return (Path *) create_index_path(root, index, clauses, path->indexorderbys,
									  path->indexorderbycols, path->path.pathkeys,
									  ForwardScanDirection, false, NULL, 1.0, false);
}

static void
hannoy_array_conditions(PlannerInfo *root, RelOptInfo *rel, Index rti,
						RangeTblEntry *rte)
{
	Oid			hannoy_am = InvalidOid;
	List	   *added = NIL;
	ListCell   *lc;

	if (prev_set_rel_pathlist_hook)
		prev_set_rel_pathlist_hook(root, rel, rti, rte);
	if (rel->reloptkind != RELOPT_BASEREL && rel->reloptkind != RELOPT_OTHER_MEMBER_REL)
		return;
	foreach(lc, rel->pathlist)
	{
		IndexPath  *path = lfirst(lc);
		Path	   *with;

		if (!IsA(path, IndexPath))
			continue;
		if (!OidIsValid(hannoy_am))
			hannoy_am = get_index_am_oid("hannoy", true);
		/* ordered, unparameterized hannoy paths */
		if (path->indexinfo->relam != hannoy_am ||
			path->indexorderbys == NIL || PATH_REQ_OUTER(&path->path) != NULL)
			continue;
		with = with_array_conditions(root, rel, path);
		if (with != NULL)
		{
			added = lappend(added, with);
			rel->pathlist = foreach_delete_current(rel->pathlist, lc);
		}
	}
	foreach(lc, added)
		add_path(rel, lfirst(lc));
}

void
HannoyInstallArrayConditions(void)
{
	prev_set_rel_pathlist_hook = set_rel_pathlist_hook;
	set_rel_pathlist_hook = hannoy_array_conditions;
}

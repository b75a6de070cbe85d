/*-------------------------------------------------------------------------
 *
 * cost.c
 *	  amcostestimate: what an ordered hannoy scan costs the planner.
 *
 * A scan visits roughly its candidate list (ef_search, or for PQ at least
 * hannoy.rerank) of elements on layer 0 plus m per upper layer on the way
 * down, and does all of it before the first row comes out: that is the
 * startup cost.  genericcostestimate turns element counts into pages and
 * CPU.  Small tables get a full count and so lose to a sequential scan; a
 * scan without the ordering operator is never chosen (hannoy answers only
 * ORDER BY).
 *
 * An iterative scan (hannoy.iterative_scan, on by default) goes on past
 * its first batch for as long as rows are asked for, up to every element:
 * its total cost is that of visiting every element.  The planner charges
 * a LIMIT k the share k / (rows the scan's path returns) of the cost
 * between startup and total, and the rows a path returns are those left
 * after the query's filter, so a filter that keeps a share s of the rows
 * costs about k / s elements' worth: a very selective filter sends the
 * query to a sequential scan or another index and a bounded sort, which
 * are exact, instead of a walk through most of the graph (as pgvector's
 * estimate does).  With iterative scans off a scan returns at most its
 * first batch, and the total is the startup cost.
 *
 * Conditions on attribute columns (index conditions, issue 12) are
 * checked on each element the walk visits: to fill its candidate list
 * with elements that meet them, a walk visits about ef_search / s
 * elements, s the conditions' selectivity, up to every element; that is
 * the startup cost then.  A very selective condition thus costs about a
 * walk of the whole graph, and a btree on its column with a bounded sort
 * (or a sequential scan) wins, as it should: exact, and faster.
 *
 * Unless the value sets answer it (src/README.filters): a condition with
 * a key set (=, IN, &&, @>, IS NULL) whose rows are at most
 * hannoy.exact_filter_limit makes the scan check just those elements, all
 * before its first row and with no batch after: the startup and total
 * cost are those of that many elements.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "utils/float.h"
#include "utils/rel.h"
#include "utils/selfuncs.h"

#include "nodes/nodeFuncs.h"
#include "utils/lsyscache.h"

#include "hannoy.h"
#include "value_sets.h"

/* Whether an index condition on attribute column col has a key set. */
static bool
keyed_clause(IndexOptInfo *index, Relation rel, int col, Expr *clause)
{
	Oid			opno;
	Oid			collation;
	int			strategy;
	Oid			lefttype;
	Oid			righttype;

	if (IsA(clause, NullTest))
		return ((NullTest *) clause)->nulltesttype == IS_NULL;
	if (IsA(clause, OpExpr))
	{
		opno = ((OpExpr *) clause)->opno;
		collation = ((OpExpr *) clause)->inputcollid;
	}
	else if (IsA(clause, ScalarArrayOpExpr) && ((ScalarArrayOpExpr *) clause)->useOr)
	{
		opno = ((ScalarArrayOpExpr *) clause)->opno;
		collation = ((ScalarArrayOpExpr *) clause)->inputcollid;
	}
	else
		return false;
	if (!op_in_opfamily(opno, index->opfamily[col]))
		return false;
	get_op_opfamily_properties(opno, index->opfamily[col], false, &strategy,
							   &lefttype, &righttype);
	return HannoyKeyedCondition(TupleDescAttr(RelationGetDescr(rel), col)->atttypid,
								strategy, righttype, collation);
}

/*
 * The share of the rows the smallest key set of the path's conditions
 * holds; -1 when none has one, or the index has no value sets.
 */
static Selectivity
keyed_selectivity(PlannerInfo *root, IndexPath *path, Relation rel)
{
	Selectivity best = -1.0;
	HannoyIndexInfo info;
	ListCell   *lc;

	if (path->indexclauses == NIL || hannoy_exact_filter_limit <= 0)
		return best;
	HannoyInitIndexInfo(&info, rel);
	if (info.value_buckets == 0)
		return best;
	foreach(lc, path->indexclauses)
	{
		IndexClause *ic = lfirst(lc);
		ListCell   *q;

		if (ic->indexcol == 0)
			continue;
		foreach(q, ic->indexquals)
		{
			RestrictInfo *rinfo = lfirst(q);

			if (keyed_clause(path->indexinfo, rel, ic->indexcol, rinfo->clause))
			{
				Selectivity s = clause_selectivity(root, (Node *) rinfo, 0,
												   JOIN_INNER, NULL);

				best = best < 0 ? s : Min(best, s);
			}
		}
	}
	return best;
}

void
hannoycostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
				   Cost *indexStartupCost, Cost *indexTotalCost,
				   Selectivity *indexSelectivity, double *indexCorrelation,
				   double *indexPages)
{
	GenericCosts costs;
	IndexOptInfo *index = path->indexinfo;
	double		tuples = Max(index->tuples, 1.0);
	Relation	rel;
	int			m;
	bool		pq;
	double		layers;
	Selectivity conditions = 1.0;	/* of the index conditions */
	double		keyed;			/* rows of the smallest key set */
	IndexPath	plain;			/* the path without its IN lists */
	ListCell   *lc;

	/*
	 * Without ORDER BY (count(*) as an index-only scan, say) a scan would
	 * return only ef_search rows: never chosen, even over a disabled
	 * sequential scan (disable_cost would tie with it).
	 */
	if (path->indexorderbys == NIL)
	{
		*indexStartupCost = get_float8_infinity();
		*indexTotalCost = get_float8_infinity();
		*indexSelectivity = 1.0;
		*indexCorrelation = 0.0;
		*indexPages = 0.0;
		return;
	}

	rel = index_open(index->indexoid, NoLock);
	m = HannoyOptionM(rel);
	pq = HannoyGetOpclass(rel)->storage == HANNOY_STORAGE_PQ;
	keyed = keyed_selectivity(root, path, rel);
	keyed = keyed < 0 ? get_float8_infinity() : keyed * tuples;
	index_close(rel, NoLock);

	layers = tuples > 1.0 ? log(tuples) / log((double) m) : 0.0;
	if (path->indexclauses != NIL)
		conditions = clauselist_selectivity(root, get_quals_from_indexclauses(path->indexclauses),
											index->rel->relid, JOIN_INNER, NULL);
	conditions = Max(conditions, 1.0 / tuples);
	/*
	 * genericcostestimate takes an IN list (a ScalarArrayOpExpr) for as
	 * many scans as the list has values, as btree runs; hannoy checks the
	 * list in one walk, which `conditions` already counts.
	 */
	plain = *path;
	plain.indexclauses = NIL;
	foreach(lc, path->indexclauses)
		if (!IsA(((IndexClause *) lfirst(lc))->rinfo->clause, ScalarArrayOpExpr))
			plain.indexclauses = lappend(plain.indexclauses, lfirst(lc));
	path = &plain;
	MemSet(&costs, 0, sizeof(costs));
	if (keyed <= hannoy_exact_filter_limit)
		costs.numIndexTuples = Max(keyed, 1.0);
	else
		costs.numIndexTuples = Min(tuples, HannoyScanListSize(pq && hannoy_rerank > 0) / conditions +
								   m * (layers + 1.0));
	genericcostestimate(root, path, loop_count, &costs);

	*indexStartupCost = costs.indexTotalCost;
	*indexTotalCost = costs.indexTotalCost;
	*indexSelectivity = conditions;
	*indexCorrelation = 0.0;
	*indexPages = costs.numIndexPages;

	if (hannoy_iterative_scan != HANNOY_ITERATIVE_OFF && costs.numIndexTuples < tuples &&
		keyed > hannoy_exact_filter_limit)
	{
		GenericCosts all;

		MemSet(&all, 0, sizeof(all));
		all.numIndexTuples = tuples;
		genericcostestimate(root, path, loop_count, &all);
		*indexTotalCost = Max(all.indexTotalCost, *indexStartupCost);
	}
}

/*-------------------------------------------------------------------------
 *
 * ivf_route.c
 *	  IVF routing: with hannoy.ivf_probes = n, a query
 *
 *		SELECT ... FROM t ORDER BY v <-> q LIMIT k
 *
 *	  on a table t partitioned by LIST on an integer column, whose IVF
 *	  centroids are in hannoy_ivf_centroids, visits only the partitions of
 *	  the n lists nearest q.
 *
 * A set_rel_pathlist_hook adds to the partitioned table's restrictions
 *
 *		list = ANY (ARRAY[hannoy_ivf_probe(t, q, 1), ..., hannoy_ivf_probe(t, q, n)])
 *
 * after its paths are built.  The condition is not evaluated on any row:
 * the plan's Append or Merge Append takes it for run-time partition
 * pruning (createplan.c builds its pruning steps from the rel's
 * restrictions), which with a constant or a parameter q prunes when the
 * executor starts ("Subplans Removed" in EXPLAIN) and with a subquery's q
 * when the first row is asked for (the other partitions' scans are "never
 * executed").  An explicit array of calls is what run-time pruning reads
 * as a list of values; an array-returning function would not prune.
 * hannoy_ivf_probe is STABLE, so a plan, generic or custom, keeps the
 * calls and evaluates them per execution.
 *
 * Routing applies only with a LIMIT and an ORDER BY whose first key is a
 * distance operator between a column of t and an expression without
 * variables: without a LIMIT the query asks for every row.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/stratnum.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/paths.h"
#include "optimizer/restrictinfo.h"
#include "parser/parse_func.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "hannoy.h"

int			hannoy_ivf_probes = 0;

static set_rel_pathlist_hook_type prev_set_rel_pathlist_hook = NULL;

/*
 * The query vector of an ORDER BY whose first key is col <op> q (or
 * q <op> col), ascending, for a distance operator and a column of
 * relation rti; NULL otherwise.  *col gets the column.  Also used by shard_fetch.c.
 */
Expr *
HannoyOrderingQueryVector(PlannerInfo *root, Index rti, Var **col)
{
	PathKey    *pk;
	ListCell   *lc;

	if (root->query_pathkeys == NIL || root->parse->limitCount == NULL)
		return NULL;
	pk = linitial(root->query_pathkeys);
	/* nearest first only: ORDER BY v <-> q DESC wants the farthest rows */
	if (pk->pk_strategy != BTLessStrategyNumber || pk->pk_nulls_first)
		return NULL;
	foreach(lc, pk->pk_eclass->ec_members)
	{
		EquivalenceMember *em = lfirst(lc);
		OpExpr	   *op = (OpExpr *) em->em_expr;
		char	   *name;
		Node	   *a;
		Node	   *b;

		if (!IsA(op, OpExpr) || list_length(op->args) != 2)
			continue;
		name = get_opname(op->opno);
		if (name == NULL || (strcmp(name, "<->") != 0 && strcmp(name, "<=>") != 0 &&
							 strcmp(name, "<#>") != 0))
			continue;
		a = linitial(op->args);
		b = lsecond(op->args);
		if (!IsA(a, Var))
		{
			Node	   *t = a;

			a = b;
			b = t;
		}
		if (IsA(a, Var) && (Index) ((Var *) a)->varno == rti && ((Var *) a)->varlevelsup == 0 &&
			((Var *) a)->varattno > 0 && exprType(b) == ((Var *) a)->vartype &&
			!contain_var_clause(b) && !contain_volatile_functions(b))
		{
			*col = (Var *) a;
			return (Expr *) b;
		}
	}
	return NULL;
}

/* Lists of the newest centroids of relid in the catalog of schema nsp; 0 if none. */
static int
count_lists(Oid nsp, Oid relid)
{
	Oid			catalog = get_relname_relid("hannoy_ivf_centroids", nsp);
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	int			newest = 0;
	int			n = 0;

	if (!OidIsValid(catalog))
		return 0;
	rel = table_open(catalog, AccessShareLock);
	scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		bool		isnull;
		Datum		target = heap_getattr(tup, 1, RelationGetDescr(rel), &isnull);
		int			version;

		if (isnull || DatumGetObjectId(target) != relid)
			continue;
		version = DatumGetInt32(heap_getattr(tup, 2, RelationGetDescr(rel), &isnull));
		if (isnull || version < newest)
			continue;
		if (version > newest)
		{
			newest = version;
			n = 0;
		}
		n++;
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	return n;
}

static void
route_by_ivf(PlannerInfo *root, RelOptInfo *rel, Index rti, RangeTblEntry *rte)
{
	Var		   *col;
	Expr	   *q;
	Oid			nsp;
	Oid			probe;
	Oid			argtypes[3];
	AttrNumber	listcol;
	int			nlists;
	int			nprobes;
	List	   *elements = NIL;
	ArrayExpr  *array;
	ScalarArrayOpExpr *saop;
	HeapTuple	typtup;

	if (rel->reloptkind != RELOPT_BASEREL || rte->rtekind != RTE_RELATION || !rte->inh ||
		rel->part_scheme == NULL)
		return;
	q = HannoyOrderingQueryVector(root, rti, &col);
	if (q == NULL)
		return;

	/* the column's type is hannoy's vector if its schema has the probe */
	typtup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(col->vartype));
	if (!HeapTupleIsValid(typtup))
		return;
	nsp = ((Form_pg_type) GETSTRUCT(typtup))->typnamespace;
	ReleaseSysCache(typtup);
	argtypes[0] = REGCLASSOID;
	argtypes[1] = col->vartype;
	argtypes[2] = INT4OID;
	probe = LookupFuncName(list_make2(makeString(get_namespace_name(nsp)),
									  makeString("hannoy_ivf_probe")),
						   3, argtypes, true);
	if (!OidIsValid(probe))
		return;
	listcol = HannoyIvfListColumn(rte->relid);
	if (listcol == 0)
		return;
	nlists = count_lists(nsp, rte->relid);
	nprobes = Min(hannoy_ivf_probes, nlists);
	if (nprobes == 0 || nprobes >= nlists)
		return;

	for (int i = 1; i <= nprobes; i++)
		elements = lappend(elements,
						   makeFuncExpr(probe, INT4OID,
										list_make3(makeConst(REGCLASSOID, -1, InvalidOid, sizeof(Oid),
															 ObjectIdGetDatum(rte->relid), false, true),
												   copyObject(q),
												   makeConst(INT4OID, -1, InvalidOid, sizeof(int32),
															 Int32GetDatum(i), false, true)),
										InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL));
	array = makeNode(ArrayExpr);
	array->array_typeid = INT4ARRAYOID;
	array->array_collid = InvalidOid;
	array->element_typeid = INT4OID;
	array->elements = elements;
	array->multidims = false;
	array->location = -1;

	saop = makeNode(ScalarArrayOpExpr);
	saop->opno = Int4EqualOperator;
	saop->opfuncid = F_INT4EQ;
	saop->hashfuncid = InvalidOid;
	saop->negfuncid = InvalidOid;
	saop->useOr = true;
	saop->inputcollid = InvalidOid;
	saop->args = list_make2(makeVar(rti, listcol, INT4OID, -1, InvalidOid, 0), array);
	saop->location = -1;

	rel->baserestrictinfo = lappend(rel->baserestrictinfo,
									make_simple_restrictinfo(root, (Expr *) saop));
}

static void
hannoy_set_rel_pathlist(PlannerInfo *root, RelOptInfo *rel, Index rti,
						RangeTblEntry *rte)
{
	if (prev_set_rel_pathlist_hook)
		prev_set_rel_pathlist_hook(root, rel, rti, rte);
	if (hannoy_ivf_probes > 0)
		route_by_ivf(root, rel, rti, rte);
}

void
HannoyInstallIvfRouting(void)
{
	prev_set_rel_pathlist_hook = set_rel_pathlist_hook;
	set_rel_pathlist_hook = hannoy_set_rel_pathlist;
}

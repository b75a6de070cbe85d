/*-------------------------------------------------------------------------
 *
 * validate.c
 *	  amvalidate and amproperty.
 *
 * A hannoy vector operator class has exactly one operator, strategy 1,
 * an ORDER BY operator returning float8 that sorts with float_ops, and
 * exactly one support function, number 1, taking and returning internal
 * (it returns the opclass's HannoyOpclass).  An attribute operator class
 * (0.4.0: the columns after the vector) has no support function and
 * search operators returning bool, strategies 1 to 8 (btree's five, then
 * &&, @>, <@), its equality (3) among them.  Problems are reported with
 * INFO messages, as the core validators do, and make the result false.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/amvalidate.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "catalog/pg_amop.h"
#include "catalog/pg_amproc.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "nodes/value.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/syscache.h"

#include "hannoy.h"

static char *
opfamily_name(Oid opfamilyoid)
{
	HeapTuple	tup = SearchSysCache1(OPFAMILYOID, ObjectIdGetDatum(opfamilyoid));
	char	   *name;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for operator family %u", opfamilyoid);
	name = pstrdup(NameStr(((Form_pg_opfamily) GETSTRUCT(tup))->opfname));
	ReleaseSysCache(tup);
	return name;
}

/* An attribute operator class: search operators only. */
static bool
validate_attribute_class(const char *opclassname, const char *opfamilyname,
						 Oid opcintype, CatCList *oprlist)
{
	bool		result = true;
	bool		has_equality = false;

	for (int i = 0; i < oprlist->n_members; i++)
	{
		Form_pg_amop oprform = (Form_pg_amop) GETSTRUCT(&oprlist->members[i]->tuple);

		if (oprform->amopstrategy < 1 || oprform->amopstrategy > HANNOY_MAX_ATTR_STRATEGY ||
			oprform->amoppurpose != AMOP_SEARCH ||
			!check_amop_signature(oprform->amopopr, BOOLOID,
								  oprform->amoplefttype, oprform->amoprighttype))
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("operator family \"%s\" of access method %s contains operator %s that is not a search operator returning boolean with a strategy from 1 to %d",
							opfamilyname, "hannoy", format_operator(oprform->amopopr),
							HANNOY_MAX_ATTR_STRATEGY)));
			result = false;
			continue;
		}
		if (oprform->amopstrategy == BTEqualStrategyNumber &&
			oprform->amoplefttype == opcintype && oprform->amoprighttype == opcintype)
			has_equality = true;
	}
	if (!has_equality)
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("operator class \"%s\" of access method %s is missing its equality operator (strategy 3)",
						opclassname, "hannoy")));
		result = false;
	}
	return result;
}

bool
hannoyvalidate(Oid opclassoid)
{
	bool		result = true;
	HeapTuple	classtup;
	Form_pg_opclass classform;
	Oid			opfamilyoid;
	Oid			opcintype;
	char	   *opclassname;
	char	   *opfamilyname;
	CatCList   *proclist;
	CatCList   *oprlist;
	bool		has_proc = false;
	bool		has_operator = false;

	classtup = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclassoid));
	if (!HeapTupleIsValid(classtup))
		elog(ERROR, "cache lookup failed for operator class %u", opclassoid);
	classform = (Form_pg_opclass) GETSTRUCT(classtup);
	opfamilyoid = classform->opcfamily;
	opcintype = classform->opcintype;
	opclassname = NameStr(classform->opcname);
	opfamilyname = opfamily_name(opfamilyoid);

	proclist = SearchSysCacheList1(AMPROCNUM, ObjectIdGetDatum(opfamilyoid));
	oprlist = SearchSysCacheList1(AMOPSTRATEGY, ObjectIdGetDatum(opfamilyoid));
	if (proclist->n_members == 0 && oprlist->n_members > 0 &&
		((Form_pg_amop) GETSTRUCT(&oprlist->members[0]->tuple))->amoppurpose == AMOP_SEARCH)
	{
		result = validate_attribute_class(opclassname, opfamilyname, opcintype, oprlist);
		ReleaseCatCacheList(oprlist);
		ReleaseCatCacheList(proclist);
		ReleaseSysCache(classtup);
		return result;
	}
	for (int i = 0; i < proclist->n_members; i++)
	{
		Form_pg_amproc procform = (Form_pg_amproc) GETSTRUCT(&proclist->members[i]->tuple);

		if (procform->amprocnum != HANNOY_OPCLASS_PROC)
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("operator family \"%s\" of access method %s contains function %s with invalid support number %d",
							opfamilyname, "hannoy",
							format_procedure(procform->amproc),
							procform->amprocnum)));
			result = false;
			continue;
		}
		if (!check_amproc_signature(procform->amproc, INTERNALOID, true, 1, 1,
									INTERNALOID))
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("operator family \"%s\" of access method %s contains function %s with wrong signature for support number %d",
							opfamilyname, "hannoy",
							format_procedure(procform->amproc),
							procform->amprocnum)));
			result = false;
			continue;
		}
		if (procform->amproclefttype == opcintype)
			has_proc = true;
	}

	for (int i = 0; i < oprlist->n_members; i++)
	{
		Form_pg_amop oprform = (Form_pg_amop) GETSTRUCT(&oprlist->members[i]->tuple);

		if (oprform->amopstrategy != 1)
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("operator family \"%s\" of access method %s contains operator %s with invalid strategy number %d",
							opfamilyname, "hannoy",
							format_operator(oprform->amopopr),
							oprform->amopstrategy)));
			result = false;
			continue;
		}
		if (oprform->amoppurpose != AMOP_ORDER ||
			oprform->amopsortfamily != get_opfamily_oid(BTREE_AM_OID,
														list_make1(makeString("float_ops")),
														false))
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("operator family \"%s\" of access method %s contains operator %s that is not an ORDER BY operator sorting with float_ops",
							opfamilyname, "hannoy",
							format_operator(oprform->amopopr))));
			result = false;
			continue;
		}
		if (!check_amop_signature(oprform->amopopr, FLOAT8OID,
								  oprform->amoplefttype, oprform->amoprighttype))
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("operator family \"%s\" of access method %s contains operator %s with wrong signature",
							opfamilyname, "hannoy",
							format_operator(oprform->amopopr))));
			result = false;
			continue;
		}
		if (oprform->amoplefttype == opcintype && oprform->amoprighttype == opcintype)
			has_operator = true;
	}

	if (!has_proc)
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("operator class \"%s\" of access method %s is missing support function %d",
						opclassname, "hannoy", HANNOY_OPCLASS_PROC)));
		result = false;
	}
	if (!has_operator)
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("operator class \"%s\" of access method %s is missing its ORDER BY operator (strategy 1)",
						opclassname, "hannoy")));
		result = false;
	}

	ReleaseCatCacheList(oprlist);
	ReleaseCatCacheList(proclist);
	ReleaseSysCache(classtup);
	return result;
}

/*
 * Answer what the generic code cannot know; everything else (distance
 * orderable, and so on) it derives from the catalogs.
 */
bool
hannoyproperty(Oid index_oid, int attno, IndexAMProperty prop,
			   const char *propname, bool *res, bool *isnull)
{
	switch (prop)
	{
		case AMPROP_DISTANCE_ORDERABLE: /* what the index is for */
			*res = attno == 1;
			*isnull = false;
			return true;
		case AMPROP_SEARCH_NULLS:
			/* NULL vectors are never indexed; NULL attributes are */
		case AMPROP_SEARCH_ARRAY:	/* = ANY (array) on attributes */
			*res = attno > 1;
			*isnull = false;
			return true;
		case AMPROP_RETURNABLE:		/* the index keeps an encoded copy only */
			*res = false;
			*isnull = false;
			return true;
		default:
			return false;
	}
}

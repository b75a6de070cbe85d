/*-------------------------------------------------------------------------
 *
 * attrs.h
 *	  Attribute columns: the index columns after the vector, whose values
 *	  each element keeps in its attribute area (page.h) and a scan checks
 *	  its conditions against (src/README.filters).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HANNOY_ATTRS_H
#define HANNOY_ATTRS_H

#include "postgres.h"

#include "access/skey.h"
#include "utils/relcache.h"

#include "page.h"

/* What the code needs of an attribute column's type. */
typedef struct HannoyAttrColumn
{
	Oid			typid;
	int16		typlen;			/* > 0, or -1 (varlena) */
	bool		typbyval;
	char		typalign;
	/* arrays: their element type; InvalidOid for other types */
	Oid			elemtype;
	int16		elemlen;
	bool		elembyval;
	char		elemalign;
	/* the base type of its values (of its elements, for arrays) */
	Oid			basetype;
} HannoyAttrColumn;

typedef struct HannoyAttrs
{
	int			natts;
	HannoyAttrColumn cols[FLEXIBLE_ARRAY_MEMBER];
} HannoyAttrs;

/*
 * A scan's conditions on attribute columns, prepared once per rescan.
 * never: a condition no element can meet (a NULL argument to an
 * operator), so the scan returns nothing.
 */
typedef struct HannoyFilter
{
	const HannoyAttrs *attrs;
	int			nkeys;
	ScanKey		keys;
	bool		never;
	Datum	   *values;			/* an element's decoded values */
	bool	   *isnull;
	MemoryContext cxt;			/* what the operators allocate, reset per check */
	int64		checked;		/* elements checked, and how many matched */
	int64		matched;
	/* SK_SEARCHARRAY keys (= ANY): each key's non-NULL array elements */
	Datum	  **array_elements;
	int		   *array_counts;
	/* keys of = ANY whose values have keys: their elements by key (value_keys.c) */
	struct HannoyKeyedArray **keyed_arrays;
} HannoyFilter;

extern void HannoyCheckColumns(Relation index);
extern const HannoyAttrs *HannoyAttrsForIndex(Relation index, MemoryContext cxt);
extern Size HannoyAttrsEncode(Relation index, const HannoyAttrs *attrs,
							  const Datum *values, const bool *isnull, char *out);
extern const char *HannoyAttrsDecode(const HannoyAttrs *attrs, HannoyAttrsHeader area,
									 Datum *values, bool *isnull);
extern bool HannoyFilterInit(HannoyFilter *filter, const HannoyAttrs *attrs,
							 ScanKey keys, int nkeys);
extern const char *HannoyFilterMatches(HannoyFilter *filter, HannoyAttrsHeader area,
									   bool *matches);

#endif							/* HANNOY_ATTRS_H */

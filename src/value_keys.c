/*-------------------------------------------------------------------------
 *
 * value_keys.c
 *	  The keys of value sets: a 32-bit hash of an attribute column's value
 *	  (each element of an array column's value, a NULL), the same for the
 *	  value an element holds and for the argument of a scan condition that
 *	  the value sets can answer.
 *
 * Equal values must get equal keys, as the condition's operator sees
 * equality: so a value is hashed in a canonical form of its kind -- int2,
 * int4 and int8 as int8 (integer_ops compares across them), bpchar
 * without trailing spaces (bpchareq ignores them), text as its bytes,
 * which equal under a deterministic collation only.  A condition between
 * kinds that compare otherwise (date = timestamp), under a
 * nondeterministic collation, or with another operator (<, <@, IS NOT
 * NULL) has no key set: the walk answers it.  Colliding keys only cost
 * checks: every element a scan finds through them is checked against its
 * conditions.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/stratnum.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/lsyscache.h"
#include "utils/pg_locale.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "value_sets.h"

/* Kinds of values whose equal values get equal keys. */
typedef enum ValueKind
{
	KIND_NONE,
	KIND_INTEGER,
	KIND_DATE,
	KIND_TIMESTAMP,
	KIND_TIMESTAMPTZ,
	KIND_UUID,
	KIND_BOOL,
	KIND_TEXT,
	KIND_BPCHAR
} ValueKind;

/* btree's equality strategy, and array_ops' && and @> (hannoy.h) */
#define STRATEGY_EQUAL		3
#define STRATEGY_OVERLAP	6
#define STRATEGY_CONTAINS	7

static ValueKind
base_kind(Oid basetype)
{
	switch (basetype)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
			return KIND_INTEGER;
		case DATEOID:
			return KIND_DATE;
		case TIMESTAMPOID:
			return KIND_TIMESTAMP;
		case TIMESTAMPTZOID:
			return KIND_TIMESTAMPTZ;
		case UUIDOID:
			return KIND_UUID;
		case BOOLOID:
			return KIND_BOOL;
		case TEXTOID:
		case VARCHAROID:
			return KIND_TEXT;
		case BPCHAROID:
			return KIND_BPCHAR;
		default:
			return KIND_NONE;
	}
}

static ValueKind
value_kind(Oid type)
{
	return base_kind(getBaseType(type));
}

/* The kind of a column's values: its type's, or an array column's elements'. */
static ValueKind
column_kind(const HannoyAttrColumn *col)
{
	return base_kind(col->basetype);
}

static uint32
hash_key(int col, bool isnull, const void *bytes, Size len)
{
	static const char nothing = 0;

	return (uint32) hash_bytes_extended(len > 0 ? bytes : (const void *) &nothing,
										(int) len, ((uint64) col << 1) | isnull);
}

static uint32
null_key(int col)
{
	return hash_key(col, true, NULL, 0);
}

/* The key of a non-NULL value of base type basetype (of kind kind) in attribute column col. */
static uint32
value_key(int col, ValueKind kind, Oid basetype, Datum value)
{
	int64		integer;
	int32		date;
	bool		flag;

	switch (kind)
	{
		case KIND_INTEGER:
			switch (basetype)
			{
				case INT2OID:
					integer = DatumGetInt16(value);
					break;
				case INT4OID:
					integer = DatumGetInt32(value);
					break;
				default:
					integer = DatumGetInt64(value);
					break;
			}
			return hash_key(col, false, &integer, sizeof(integer));
		case KIND_DATE:
			date = DatumGetDateADT(value);
			return hash_key(col, false, &date, sizeof(date));
		case KIND_TIMESTAMP:
		case KIND_TIMESTAMPTZ:
			integer = DatumGetInt64(value);
			return hash_key(col, false, &integer, sizeof(integer));
		case KIND_UUID:
			return hash_key(col, false, DatumGetUUIDP(value), UUID_LEN);
		case KIND_BOOL:
			flag = DatumGetBool(value);
			return hash_key(col, false, &flag, sizeof(flag));
		case KIND_TEXT:
		case KIND_BPCHAR:
			{
				struct varlena *text = PG_DETOAST_DATUM_PACKED(value);
				const char *bytes = VARDATA_ANY(text);
				Size		len = VARSIZE_ANY_EXHDR(text);

				if (kind == KIND_BPCHAR)
					while (len > 0 && bytes[len - 1] == ' ')
						len--;
				return hash_key(col, false, bytes, len);
			}
		case KIND_NONE:
			break;
	}
	elog(ERROR, "hannoy: no value key for type %u", basetype);
	return 0;
}

/* Whether any attribute column's values get keys. */
bool
HannoyAttrsHaveKeys(const HannoyAttrs *attrs)
{
	if (attrs == NULL)
		return false;
	for (int i = 0; i < attrs->natts; i++)
		if (column_kind(&attrs->cols[i]) != KIND_NONE)
			return true;
	return false;
}

static int
compare_keys(const void *a, const void *b)
{
	uint32		x = *(const uint32 *) a;
	uint32		y = *(const uint32 *) b;

	return (x > y) - (x < y);
}

/* Sort keys and drop repeats; returns how many are left. */
static int
unique_keys(uint32 *keys, int n)
{
	int			kept = 0;

	qsort(keys, n, sizeof(uint32), compare_keys);
	for (int i = 0; i < n; i++)
		if (kept == 0 || keys[kept - 1] != keys[i])
			keys[kept++] = keys[i];
	return kept;
}

/*
 * The keys of the values in an element's attribute area (*keys, palloc'd,
 * sorted and distinct): one per column with keys, an array column's one
 * per distinct non-NULL element.  The area has been checked
 * (HannoyAttrsDecode returns no complaint).
 */
int
HannoyAreaKeys(const HannoyAttrs *attrs, HannoyAttrsHeader area, uint32 **keys)
{
	Datum	   *values = palloc(sizeof(Datum) * attrs->natts);
	bool	   *isnull = palloc(sizeof(bool) * attrs->natts);
	int			capacity = attrs->natts;
	int			n = 0;
	const char *corrupt = HannoyAttrsDecode(attrs, area, values, isnull);

	if (corrupt != NULL)
		elog(ERROR, "hannoy: value keys of an invalid attribute area: %s", corrupt);
	*keys = palloc(sizeof(uint32) * Max(capacity, 1));
	for (int i = 0; i < attrs->natts; i++)
	{
		const HannoyAttrColumn *col = &attrs->cols[i];
		ValueKind	kind = column_kind(col);

		if (kind == KIND_NONE)
			continue;
		if (isnull[i])
			(*keys)[n++] = null_key(i);
		else if (!OidIsValid(col->elemtype))
			(*keys)[n++] = value_key(i, kind, col->basetype, values[i]);
		else
		{
			ArrayType  *array = DatumGetArrayTypeP(values[i]);
			Datum	   *elements;
			bool	   *nulls;
			int			count;

			deconstruct_array(array, col->elemtype, col->elemlen, col->elembyval,
							  col->elemalign, &elements, &nulls, &count);
			/* room for these and one key per column after this one */
			if (n + count + attrs->natts > capacity)
			{
				capacity = n + count + attrs->natts;
				*keys = repalloc(*keys, sizeof(uint32) * capacity);
			}
			for (int e = 0; e < count; e++)
				if (!nulls[e])
					(*keys)[n++] = value_key(i, kind, col->basetype, elements[e]);
			pfree(elements);
			pfree(nulls);
		}
	}
	pfree(values);
	pfree(isnull);
	return unique_keys(*keys, n);
}

/* Whether equality under collation is equality of bytes. */
static bool
bytewise_collation(ValueKind kind, Oid collation)
{
	if (kind != KIND_TEXT && kind != KIND_BPCHAR)
		return true;
	return OidIsValid(collation) && get_collation_isdeterministic(collation);
}

/*
 * An IN list (= ANY) checked by key: its elements sorted by key, so that a
 * value is compared only with the elements of its key (usually one or
 * none) rather than with every element, which cost a 100-value list
 * 2.9 ms a query on Fashion-MNIST against 1.2 ms for the same rows as a
 * range.  Exact: equal values have equal keys, and the operator decides.
 */
typedef struct KeyedElement
{
	uint32		key;
	int			element;
} KeyedElement;

typedef struct HannoyKeyedArray
{
	int			col;
	ValueKind	kind;
	Oid			coltype;
	int			n;
	KeyedElement *elements;
} HannoyKeyedArray;

static int
compare_keyed(const void *a, const void *b)
{
	const KeyedElement *x = a;
	const KeyedElement *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->element - y->element;
}

/* For the filter's = ANY condition k: its elements by key, or NULL if they have none. */
HannoyKeyedArray *
HannoyKeyedArrayInit(const HannoyFilter *filter, int k)
{
	ScanKey		key = &filter->keys[k];
	int			col = key->sk_attno - 2;
	const HannoyAttrColumn *column = &filter->attrs->cols[col];
	Oid			argtype = OidIsValid(key->sk_subtype) ? key->sk_subtype : column->typid;
	HannoyKeyedArray *ka;

	if (OidIsValid(column->elemtype) ||
		!HannoyKeyedCondition(column->typid, key->sk_strategy, argtype, key->sk_collation))
		return NULL;
	ka = palloc(sizeof(HannoyKeyedArray));
	ka->col = col;
	ka->kind = column_kind(column);
	ka->coltype = column->basetype;
	ka->n = filter->array_counts[k];
	ka->elements = palloc(sizeof(KeyedElement) * Max(ka->n, 1));
	for (int e = 0; e < ka->n; e++)
	{
		ka->elements[e].key = value_key(col, ka->kind, getBaseType(argtype),
										filter->array_elements[k][e]);
		ka->elements[e].element = e;
	}
	qsort(ka->elements, ka->n, sizeof(KeyedElement), compare_keyed);
	return ka;
}

/* Whether value (of the condition's column) equals an element of condition k's list. */
bool
HannoyKeyedArrayMatches(HannoyFilter *filter, int k, Datum value)
{
	HannoyKeyedArray *ka = filter->keyed_arrays[k];
	ScanKey		key = &filter->keys[k];
	uint32		want = value_key(ka->col, ka->kind, ka->coltype, value);
	int			lo = 0;
	int			hi = ka->n;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (ka->elements[mid].key < want)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ka->n && ka->elements[lo].key == want; lo++)
		if (DatumGetBool(FunctionCall2Coll(&key->sk_func, key->sk_collation, value,
										   filter->array_elements[k][ka->elements[lo].element])))
			return true;
	return false;
}

/*
 * Whether a condition of this strategy on a column of coltype, with an
 * argument of argtype (for = ANY, the array's element type) under
 * collation, has a key set.  (Beyond this, @> needs a non-NULL element,
 * and the arrays of && and @> the column's element type.)
 */
bool
HannoyKeyedCondition(Oid coltype, int strategy, Oid argtype, Oid collation)
{
	Oid			elemtype = get_base_element_type(coltype);
	ValueKind	kind = value_kind(OidIsValid(elemtype) ? elemtype : coltype);

	if (kind == KIND_NONE || !bytewise_collation(kind, collation))
		return false;
	if (OidIsValid(elemtype))
		return strategy == STRATEGY_OVERLAP || strategy == STRATEGY_CONTAINS;
	return strategy == STRATEGY_EQUAL && value_kind(argtype) == kind;
}

/*
 * The key set of the filter's condition k, if the value sets can answer
 * it: the elements that meet it all hold one of set->keys (or with
 * any_one, each of them).  False when they cannot.
 */
bool
HannoyFilterKeySet(const HannoyFilter *filter, int k, HannoyKeySet *set)
{
	ScanKey		key = &filter->keys[k];
	int			col = key->sk_attno - 2;
	const HannoyAttrColumn *column = &filter->attrs->cols[col];
	ValueKind	kind = column_kind(column);
	Oid			argtype = OidIsValid(key->sk_subtype) ? key->sk_subtype : column->typid;

	set->keys = NULL;
	set->nkeys = 0;
	set->any_one = false;
	if (kind == KIND_NONE || (key->sk_flags & SK_SEARCHNOTNULL))
		return false;
	if (key->sk_flags & SK_SEARCHNULL)
	{
		set->keys = palloc(sizeof(uint32));
		set->keys[set->nkeys++] = null_key(col);
		return true;
	}
	if (!HannoyKeyedCondition(column->typid, key->sk_strategy, argtype, key->sk_collation))
		return false;

	if (!OidIsValid(column->elemtype))
	{
		/* a scalar column: = or = ANY, with an argument of its kind */
		if (key->sk_flags & SK_SEARCHARRAY)
		{
			int			count = filter->array_counts[k];

			set->keys = palloc(sizeof(uint32) * Max(count, 1));
			for (int e = 0; e < count; e++)
				set->keys[e] = value_key(col, kind, getBaseType(argtype),
										 filter->array_elements[k][e]);
			set->nkeys = unique_keys(set->keys, count);
		}
		else
		{
			set->keys = palloc(sizeof(uint32));
			set->keys[set->nkeys++] = value_key(col, kind, getBaseType(argtype), key->sk_argument);
		}
		return true;
	}
	else
	{
		/* an array column: && (any of the elements) or @> (all of them) */
		ArrayType  *array;
		Datum	   *elements;
		bool	   *nulls;
		int			count;

		if (key->sk_flags & SK_SEARCHARRAY)
			return false;
		array = DatumGetArrayTypeP(key->sk_argument);
		if (ARR_ELEMTYPE(array) != column->elemtype)
			return false;
		deconstruct_array(array, column->elemtype, column->elemlen, column->elembyval,
						  column->elemalign, &elements, &nulls, &count);
		set->keys = palloc(sizeof(uint32) * Max(count, 1));
		for (int e = 0; e < count; e++)
			if (!nulls[e])
				set->keys[set->nkeys++] = value_key(col, kind, column->basetype, elements[e]);
		set->nkeys = unique_keys(set->keys, set->nkeys);
		set->any_one = key->sk_strategy == STRATEGY_CONTAINS;
		/* @> '{}' holds for every array: no set narrows it */
		return !(set->any_one && set->nkeys == 0);
	}
}

/*
 * A bound of a range condition on an integer or date column, as an int64
 * (a date as its day number); false when the argument is of another kind,
 * or an infinite date (no bound).
 */
static bool
range_bound(ValueKind kind, Oid argtype, Datum arg, int64 *bound)
{
	Oid			base = getBaseType(argtype);

	if (base_kind(base) != kind)
		return false;
	if (kind == KIND_DATE)
	{
		DateADT		day = DatumGetDateADT(arg);

		if (DATE_NOT_FINITE(day))
			return false;
		*bound = day;
		return true;
	}
	*bound = base == INT2OID ? DatumGetInt16(arg) :
		base == INT4OID ? DatumGetInt32(arg) : DatumGetInt64(arg);
	return true;
}

/*
 * Key sets of narrow ranges (into sets; returns how many): for each
 * integer or date column with both a lower and an upper bound among the
 * conditions (<, <=, >, >=), spanning at most HANNOY_MAX_RANGE_KEYS
 * values, the keys of every value in the range -- so that tag >= 310 AND
 * tag < 320 is looked up as tag IN (310, ..., 319).  An empty range has
 * no key (no element).
 */
int
HannoyFilterRangeSets(const HannoyFilter *filter, HannoyKeySet *sets)
{
	int			nsets = 0;

	for (int col = 0; col < filter->attrs->natts; col++)
	{
		const HannoyAttrColumn *column = &filter->attrs->cols[col];
		ValueKind	kind = column_kind(column);
		int64		lo = PG_INT64_MIN;
		int64		hi = PG_INT64_MAX;
		bool		has_lo = false;
		bool		has_hi = false;
		bool		empty = false;
		HannoyKeySet *set = &sets[nsets];

		if ((kind != KIND_INTEGER && kind != KIND_DATE) || OidIsValid(column->elemtype))
			continue;
		for (int k = 0; k < filter->nkeys; k++)
		{
			ScanKey		key = &filter->keys[k];
			int64		bound;

			if (key->sk_attno - 2 != col ||
				(key->sk_flags & (SK_ISNULL | SK_SEARCHARRAY | SK_SEARCHNULL | SK_SEARCHNOTNULL)) ||
				!range_bound(kind, OidIsValid(key->sk_subtype) ? key->sk_subtype : column->typid,
							 key->sk_argument, &bound))
				continue;
			switch (key->sk_strategy)
			{
				case BTLessStrategyNumber:
					empty |= bound == PG_INT64_MIN;
					bound--;
					/* FALLTHROUGH */
				case BTLessEqualStrategyNumber:
					hi = Min(hi, bound);
					has_hi = true;
					break;
				case BTGreaterStrategyNumber:
					empty |= bound == PG_INT64_MAX;
					bound++;
					/* FALLTHROUGH */
				case BTGreaterEqualStrategyNumber:
					lo = Max(lo, bound);
					has_lo = true;
					break;
				default:
					break;
			}
		}
		if (!has_lo || !has_hi)
			continue;
		set->any_one = false;
		set->nkeys = 0;
		set->keys = NULL;
		if (empty || lo > hi)
		{
			nsets++;
			continue;
		}
		if ((uint64) hi - (uint64) lo >= HANNOY_MAX_RANGE_KEYS)
			continue;
		set->keys = palloc(sizeof(uint32) * (hi - lo + 1));
		for (int64 v = lo;; v++)
		{
			set->keys[set->nkeys++] = kind == KIND_DATE ?
				value_key(col, kind, DATEOID, DateADTGetDatum((DateADT) v)) :
				value_key(col, kind, INT8OID, Int64GetDatum(v));
			if (v == hi)
				break;
		}
		set->nkeys = unique_keys(set->keys, set->nkeys);
		nsets++;
	}
	return nsets;
}

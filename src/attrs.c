/*-------------------------------------------------------------------------
 *
 * attrs.c
 *	  Attribute columns (issue 12): their layout, the attribute area of an
 *	  element (written at insert and build, read back for a scan's
 *	  conditions), and the check of a scan's conditions.
 *
 * An attribute area comes from a page and may be corrupted: decoding checks
 * every length and offset against the area before anything is read, and
 * an array's header and elements against its value, so that a corrupted
 * byte gives ERRCODE_INDEX_CORRUPTED (through the caller) and never a read
 * outside the area.  A condition is checked with the operator's own
 * function (sk_func, with sk_collation), on the value in place: the same
 * answer as the executor's check of the same condition.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "attrs.h"
#include "value_sets.h"
#include "hannoy.h"

/*
 * The columns of a new index: the first a vector with a vector operator
 * class (one with support function 1), the others attributes (operator
 * classes without one).
 */
void
HannoyCheckColumns(Relation index)
{
	int			natts = IndexRelationGetNumberOfKeyAttributes(index);

	if (!OidIsValid(index_getprocid(index, 1, HANNOY_OPCLASS_PROC)))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the first column of hannoy index \"%s\" must be a vector",
						RelationGetRelationName(index)),
				 errdetail("Its operator class is not one of hannoy's vector operator classes."),
				 errhint("Put the vector column first; the columns after it are attributes a search can filter on.")));
	for (int attno = 2; attno <= natts; attno++)
		if (OidIsValid(index_getprocid(index, attno, HANNOY_OPCLASS_PROC)))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("hannoy index \"%s\" can have only one vector column",
							RelationGetRelationName(index)),
					 errdetail("Column %d has a vector operator class.", attno)));
}

/*
 * The element types of attribute arrays: those whose operators read no
 * more of an element than its length says (fixed-width ones, and text),
 * which array_fits can check.  Others (jsonb, numeric, ranges, records)
 * have inner structures their operators trust: a corrupted page could
 * make them read outside it.
 */
static void
check_array_element(Relation index, Form_pg_attribute att, Oid elemtype)
{
	switch (getBaseType(elemtype))
	{
		case BOOLOID:
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case DATEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
		case UUIDOID:
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
			return;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("hannoy index \"%s\" cannot hold column \"%s\" of type %s",
							RelationGetRelationName(index), NameStr(att->attname),
							format_type_be(att->atttypid)),
					 errdetail("Attribute arrays may hold bool, int2, int4, int8, date, timestamp, timestamptz, uuid, text, varchar or char.")));
	}
}

/*
 * The attribute columns of an index (allocated in cxt), or NULL for an
 * index on a vector alone.  The operator classes decide which types can
 * be attributes; this only needs each to be fixed-width or a varlena.
 */
const HannoyAttrs *
HannoyAttrsForIndex(Relation index, MemoryContext cxt)
{
	TupleDesc	desc = RelationGetDescr(index);
	int			natts = desc->natts - 1;
	HannoyAttrs *attrs;

	if (natts <= 0)
		return NULL;
	attrs = MemoryContextAllocZero(cxt, offsetof(HannoyAttrs, cols) +
								   sizeof(HannoyAttrColumn) * natts);
	attrs->natts = natts;
	for (int i = 0; i < natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i + 1);
		HannoyAttrColumn *col = &attrs->cols[i];

		if (att->attlen != -1 && att->attlen <= 0)
			elog(ERROR, "hannoy: attribute column of type %u is not supported",
				 att->atttypid);
		col->typid = att->atttypid;
		col->typlen = att->attlen;
		col->typbyval = att->attbyval;
		col->typalign = att->attalign;
		/* a domain over an array is an array (anyarray takes it) */
		col->elemtype = att->attlen == -1 ? get_base_element_type(att->atttypid) : InvalidOid;
		col->basetype = getBaseType(OidIsValid(col->elemtype) ? col->elemtype : col->typid);
		if (OidIsValid(col->elemtype))
		{
			check_array_element(index, att, col->elemtype);
			get_typlenbyvalalign(col->elemtype, &col->elemlen, &col->elembyval,
								 &col->elemalign);
		}
	}
	return attrs;
}

/*
 * Write the attribute area of values[0..natts) into out (room for
 * HANNOY_MAX_ATTRS_SIZE bytes, MAXALIGNed); returns its size.  Varlena
 * values are stored detoasted and uncompressed.
 */
Size
HannoyAttrsEncode(Relation index, const HannoyAttrs *attrs, const Datum *values,
				  const bool *isnull, char *out)
{
	HannoyAttrsHeader area = (HannoyAttrsHeader) out;
	Size		off = HANNOY_ATTRS_DATA_OFFSET(attrs->natts);

	memset(out, 0, off);
	area->natts = attrs->natts;
	for (int i = 0; i < attrs->natts; i++)
	{
		const HannoyAttrColumn *col = &attrs->cols[i];
		Size		start;
		Size		len;
		Pointer		ptr = NULL;

		if (isnull[i])
		{
			area->nulls[i / 8] |= 1 << (i % 8);
			continue;
		}
		start = att_align_nominal(off, col->typalign);
		if (col->typlen > 0)
			len = col->typlen;
		else
		{
			ptr = (Pointer) PG_DETOAST_DATUM(values[i]);
			len = VARSIZE(ptr);
		}
		if (start + len > HANNOY_MAX_ATTRS_SIZE)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("attribute values of a row too large for hannoy index \"%s\"",
							RelationGetRelationName(index)),
					 errdetail("The attribute columns of a row take at most %zu bytes in a hannoy index.",
							   (Size) HANNOY_MAX_ATTRS_SIZE)));
		memset(out + off, 0, start - off);
		if (col->typlen > 0 && col->typbyval)
			store_att_byval(out + start, values[i], col->typlen);
		else if (col->typlen > 0)
			memcpy(out + start, DatumGetPointer(values[i]), len);
		else
			memcpy(out + start, ptr, len);
		off = start + len;
	}
	area->size = MAXALIGN(off);
	memset(out + off, 0, area->size - off);
	return area->size;
}

/* Whether a varlena at ptr, with avail bytes before the area's end, is whole. */
static bool
varlena_fits(const char *ptr, Size avail, Size *len)
{
	if (avail < 1)
		return false;
	if (VARATT_IS_1B(ptr))
	{
		if (VARATT_IS_1B_E(ptr))
			return false;		/* a TOAST pointer has no place here */
		*len = VARSIZE_1B(ptr);
		return *len >= VARHDRSZ_SHORT && *len <= avail;
	}
	if (avail < VARHDRSZ || !VARATT_IS_4B_U(ptr))
		return false;			/* compressed values are never written */
	*len = VARSIZE_4B(ptr);
	return *len >= VARHDRSZ && *len <= avail;
}

/*
 * Whether an array value of len bytes is whole: its header, dimensions,
 * null bitmap and every element inside it, of the column's element type.
 */
static bool
array_fits(const HannoyAttrColumn *col, const char *ptr, Size len)
{
	ArrayType  *a = (ArrayType *) ptr;
	int			ndim;
	int64		nitems = 1;
	Size		off;
	bits8	   *bitmap = NULL;

	if (!VARATT_IS_4B_U(ptr) || len < sizeof(ArrayType))
		return false;
	ndim = ARR_NDIM(a);
	if (ndim < 0 || ndim > MAXDIM || ARR_ELEMTYPE(a) != col->elemtype ||
		len < (Size) ARR_OVERHEAD_NONULLS(ndim))
		return false;
	for (int d = 0; d < ndim; d++)
	{
		if (ARR_DIMS(a)[d] < 0)
			return false;
		nitems *= ARR_DIMS(a)[d];
		if (nitems > (int64) MaxArraySize)
			return false;
	}
	if (ndim == 0)
		nitems = 0;
	if (ARR_HASNULL(a))
	{
		/*
		 * Exactly where construct_md_array puts the data: the array
		 * functions read the first element there without aligning it,
		 * as this walk does (it aligns), so both must see one offset.
		 */
		if ((Size) a->dataoffset != (Size) ARR_OVERHEAD_WITHNULLS(ndim, nitems) ||
			(Size) a->dataoffset > len)
			return false;
		bitmap = ARR_NULLBITMAP(a);
		off = a->dataoffset;
	}
	else
		off = ARR_OVERHEAD_NONULLS(ndim);
	for (int64 i = 0; i < nitems; i++)
	{
		Size		elen;

		if (bitmap && !(bitmap[i / 8] & (1 << (i % 8))))
			continue;			/* a NULL element takes no space */
		off = att_align_nominal(off, col->elemalign);
		if (off > len)
			return false;
		if (col->elemlen > 0)
			elen = col->elemlen;
		else if (!varlena_fits(ptr + off, len - off, &elen))
			return false;
		if (elen > len - off)
			return false;
		off += elen;
	}
	return true;
}

/*
 * Decode an element's attribute area into values (pointing into the area)
 * and isnull; NULL if it is whole, else what is wrong with it (for
 * HannoyElementCorrupted).  The caller has checked that area->size bytes
 * are inside the item.
 */
const char *
HannoyAttrsDecode(const HannoyAttrs *attrs, HannoyAttrsHeader area, Datum *values,
				  bool *isnull)
{
	const char *base = (const char *) area;
	Size		size = area->size;
	Size		off = HANNOY_ATTRS_DATA_OFFSET(attrs->natts);

	if (area->natts != attrs->natts || size < off)
		return "attribute area does not match the index's columns";
	for (int i = 0; i < attrs->natts; i++)
	{
		const HannoyAttrColumn *col = &attrs->cols[i];
		Size		len;

		isnull[i] = (area->nulls[i / 8] & (1 << (i % 8))) != 0;
		if (isnull[i])
		{
			values[i] = (Datum) 0;
			continue;
		}
		off = att_align_nominal(off, col->typalign);
		if (off > size)
			return "attribute value is outside its area";
		if (col->typlen > 0)
		{
			if ((Size) col->typlen > size - off)
				return "attribute value is outside its area";
			values[i] = fetch_att(base + off, col->typbyval, col->typlen);
			off += col->typlen;
			continue;
		}
		if (size - off < VARHDRSZ || !VARATT_IS_4B_U(base + off) ||
			VARSIZE_4B(base + off) < VARHDRSZ || VARSIZE_4B(base + off) > size - off)
			return "attribute value is outside its area";
		len = VARSIZE_4B(base + off);
		if (OidIsValid(col->elemtype) && !array_fits(col, base + off, len))
			return "attribute array is invalid";
		values[i] = PointerGetDatum(base + off);
		off += len;
	}
	return NULL;
}

/*
 * Prepare a scan's conditions (keys on attribute columns: the vector
 * column has no search operators).  Returns false when no element can
 * match (filter->never).
 */
bool
HannoyFilterInit(HannoyFilter *filter, const HannoyAttrs *attrs, ScanKey keys,
				 int nkeys)
{
	filter->attrs = attrs;
	filter->keys = palloc(sizeof(ScanKeyData) * Max(nkeys, 1));
	filter->nkeys = 0;
	filter->never = false;
	filter->values = NULL;
	filter->isnull = NULL;
	filter->cxt = NULL;
	filter->checked = filter->matched = 0;
	filter->array_elements = palloc0(sizeof(Datum *) * Max(nkeys, 1));
	filter->array_counts = palloc0(sizeof(int) * Max(nkeys, 1));
	for (int k = 0; k < nkeys; k++)
	{
		ScanKey		key = &keys[k];

		/*
		 * The vector column: rows with a NULL vector are never indexed, so
		 * IS NULL matches nothing and IS NOT NULL everything.
		 */
		if (key->sk_attno == 1 && (key->sk_flags & SK_SEARCHNULL))
			filter->never = true;
		if (key->sk_attno == 1 && (key->sk_flags & (SK_SEARCHNULL | SK_SEARCHNOTNULL)))
			continue;
		if (attrs == NULL || key->sk_attno < 2 || key->sk_attno > attrs->natts + 1)
			elog(ERROR, "hannoy: a scan condition on column %d", key->sk_attno);
		/* a strict operator with a NULL argument matches nothing */
		if ((key->sk_flags & SK_ISNULL) &&
			!(key->sk_flags & (SK_SEARCHNULL | SK_SEARCHNOTNULL)))
			filter->never = true;
		else if (key->sk_flags & SK_SEARCHARRAY)
		{
			/* = ANY (array): its elements once; none (or all NULL) matches nothing */
			ArrayType  *array = DatumGetArrayTypeP(key->sk_argument);
			int16		typlen;
			bool		typbyval;
			char		typalign;
			Datum	   *elements;
			bool	   *nulls;
			int			n;
			int			kept = 0;

			get_typlenbyvalalign(ARR_ELEMTYPE(array), &typlen, &typbyval, &typalign);
			deconstruct_array(array, ARR_ELEMTYPE(array), typlen, typbyval, typalign,
							  &elements, &nulls, &n);
			for (int i = 0; i < n; i++)
				if (!nulls[i])
					elements[kept++] = elements[i];
			filter->array_elements[filter->nkeys] = elements;
			filter->array_counts[filter->nkeys] = kept;
			if (kept == 0)
				filter->never = true;
		}
		filter->keys[filter->nkeys++] = *key;
	}
	if (filter->nkeys == 0)
		return !filter->never;
	filter->keyed_arrays = palloc0(sizeof(struct HannoyKeyedArray *) * filter->nkeys);
	for (int k = 0; k < filter->nkeys; k++)
		if (filter->keys[k].sk_flags & SK_SEARCHARRAY)
			filter->keyed_arrays[k] = HannoyKeyedArrayInit(filter, k);
	filter->values = palloc(sizeof(Datum) * attrs->natts);
	filter->isnull = palloc(sizeof(bool) * attrs->natts);
	filter->cxt = AllocSetContextCreate(CurrentMemoryContext, "hannoy filter",
										ALLOCSET_SMALL_SIZES);
	return !filter->never;
}

/*
 * Whether an element's attributes meet every condition (*matches); the
 * return value is as HannoyAttrsDecode's.
 */
const char *
HannoyFilterMatches(HannoyFilter *filter, HannoyAttrsHeader area, bool *matches)
{
	const char *corrupt;
	MemoryContext old;

	*matches = true;
	if (filter->nkeys == 0)
		return NULL;
	if (area == NULL)
		return "attribute area is missing";
	corrupt = HannoyAttrsDecode(filter->attrs, area, filter->values, filter->isnull);
	if (corrupt != NULL)
		return corrupt;
	old = MemoryContextSwitchTo(filter->cxt);
	for (int k = 0; k < filter->nkeys && *matches; k++)
	{
		ScanKey		key = &filter->keys[k];
		int			i = key->sk_attno - 2;

		if (key->sk_flags & SK_SEARCHNULL)
			*matches = filter->isnull[i];
		else if (key->sk_flags & SK_SEARCHNOTNULL)
			*matches = !filter->isnull[i];
		else if (filter->isnull[i] || (key->sk_flags & SK_ISNULL))
			*matches = false;
		else if (key->sk_flags & SK_SEARCHARRAY && filter->keyed_arrays[k] != NULL)
			*matches = HannoyKeyedArrayMatches(filter, k, filter->values[i]);
		else if (key->sk_flags & SK_SEARCHARRAY)
		{
			*matches = false;
			for (int e = 0; e < filter->array_counts[k] && !*matches; e++)
				*matches = DatumGetBool(FunctionCall2Coll(&key->sk_func, key->sk_collation,
														  filter->values[i],
														  filter->array_elements[k][e]));
		}
		else
			*matches = DatumGetBool(FunctionCall2Coll(&key->sk_func, key->sk_collation,
													  filter->values[i],
													  key->sk_argument));
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(filter->cxt);
	filter->checked++;
	filter->matched += *matches;
	return NULL;
}

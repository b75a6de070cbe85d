/*-------------------------------------------------------------------------
 *
 * page.h
 *	  The on-disk format of a hannoy index: metapage, page special space,
 *	  element and vector items.  A contract: fields are never reordered;
 *	  a change bumps HANNOY_FORMAT_VERSION.  This header stands alone so
 *	  inspection tools can include it.
 *
 * Block 0 is the metapage.  Nearly every other block is an element page: a
 * standard slotted page whose items are element items (one per distinct
 * vector: heap TIDs, the neighbour lists of every layer, and the vector
 * inline, or its first part) and vector items (the rest of a vector that
 * is not wholly inline: one item, or a chain of vector parts ending in
 * one when the vector is larger than a page).  PQ indexes have codebook
 * pages, and indexes with attribute columns value set pages.  See
 * src/README for the reasoning.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HANNOY_PAGE_H
#define HANNOY_PAGE_H

#include "postgres.h"

#include "storage/block.h"
#include "storage/bufpage.h"
#include "storage/itemptr.h"

#define HANNOY_MAGIC			0x484E4E59	/* "HNNY" */
#define HANNOY_FORMAT_VERSION	6
/*
 * the oldest version this code reads: 3 added PQ, 4 vector parts, 5
 * attribute areas, 6 value sets (src/README)
 */
#define HANNOY_FORMAT_VERSION_OLDEST	2
#define HANNOY_METAPAGE_BLKNO	0

/* Special space of every page. */
#define HANNOY_PAGE_ID			0xFF91	/* tells hannoy pages apart */
#define HANNOY_PAGE_META		0x0001
#define HANNOY_PAGE_ELEMENT		0x0002
#define HANNOY_PAGE_CODEBOOK	0x0004	/* PQ codebooks (version 3) */
#define HANNOY_PAGE_VALUES		0x0008	/* value sets (version 6) */

typedef struct HannoyPageOpaqueData
{
	uint16		flags;			/* HANNOY_PAGE_META, _ELEMENT or _CODEBOOK */
	uint16		page_id;		/* HANNOY_PAGE_ID */
} HannoyPageOpaqueData;

typedef HannoyPageOpaqueData *HannoyPageOpaque;

#define HannoyPageGetOpaque(page) \
	((HannoyPageOpaque) PageGetSpecialPointer(page))

/* Whether an initialised page has a hannoy special space (any kind). */
static inline bool
HannoyPageIsHannoy(Page page)
{
	return !PageIsNew(page) &&
		PageGetSpecialSize(page) == MAXALIGN(sizeof(HannoyPageOpaqueData)) &&
		HannoyPageGetOpaque(page)->page_id == HANNOY_PAGE_ID;
}

/* Vector storage kinds, as recorded in the metapage. */
#define HANNOY_STORAGE_FP32		1
#define HANNOY_STORAGE_FP16		2
#define HANNOY_STORAGE_PQ		3	/* product-quantized codes (version 3) */
#define HANNOY_STORAGE_BIT		4	/* bit strings, a bit per dimension (version 6) */
#define HANNOY_STORAGE_SPARSE	5	/* sparse vectors, of varying size (version 6) */

typedef struct HannoyMetaPageData
{
	uint32		magic;			/* HANNOY_MAGIC */
	uint32		version;		/* HANNOY_FORMAT_VERSION */
	uint16		dimensions;		/* 0 until the first vector is indexed */
	uint16		m;
	uint16		ef_construction;
	uint8		storage;		/* HANNOY_STORAGE_* */
	uint8		max_level;		/* highest level an element may have */
	ItemPointerData entry;		/* entry point element; invalid if empty */
	int16		entry_level;	/* its level; -1 if empty */
	BlockNumber insert_page;	/* last page inserts appended to */
	uint64		elements;		/* live elements after build/last vacuum */
	/* version 3; zero in a version 2 metapage, which has no PQ */
	uint16		pq_m;			/* PQ: bytes per code (sub-quantizers) */
	BlockNumber codebook;		/* PQ: first codebook page; invalid until trained */
	uint32		trained_on;		/* PQ: vectors the codebooks were trained on */
	/* version 6; zero before, and in an index without value sets */
	BlockNumber value_sets;		/* head page of the first bucket */
	uint32		value_buckets;	/* buckets: head pages value_sets, +1, ... */
	uint16		dimensions_high;	/* dimensions >> 16 (sparse vectors) */
} HannoyMetaPageData;

typedef HannoyMetaPageData *HannoyMetaPage;

#define HannoyPageGetMeta(page) ((HannoyMetaPage) PageGetContents(page))

/* The dimensions a metapage records: 16 bits, and 16 more (version 6). */
static inline uint32
HannoyMetaDimensions(const HannoyMetaPageData *meta)
{
	return ((uint32) meta->dimensions_high << 16) | meta->dimensions;
}

static inline void
HannoyMetaSetDimensions(HannoyMetaPageData *meta, uint32 dims)
{
	meta->dimensions = (uint16) (dims & 0xffff);
	meta->dimensions_high = (uint16) (dims >> 16);
}

/*
 * A codebook page (PQ): part of the codebooks, as float4 values.  The
 * codebooks are 256 centroids for each of pq_m subspaces; subspace j
 * covers dimensions [j * dims / pq_m, (j + 1) * dims / pq_m) and its
 * values start at 256 * (j * dims / pq_m), coordinate by coordinate: a
 * row of 256 values (that coordinate of every centroid) per dimension.
 * 256 x dims values in all, page after page.
 */
typedef struct HannoyCodebookPageData
{
	BlockNumber next;			/* next codebook page; invalid on the last */
	uint32		first;			/* index of this page's first value */
	uint32		count;			/* values on this page */
	float4		values[FLEXIBLE_ARRAY_MEMBER];
} HannoyCodebookPageData;

typedef HannoyCodebookPageData *HannoyCodebookPage;

#define HannoyPageGetCodebook(page)	((HannoyCodebookPage) PageGetContents(page))
#define HANNOY_PQ_CENTROIDS		256
#define HANNOY_CODEBOOK_PAGE_VALUES \
	((BLCKSZ - MAXALIGN(SizeOfPageHeaderData) - MAXALIGN(sizeof(HannoyPageOpaqueData)) - \
	  offsetof(HannoyCodebookPageData, values)) / sizeof(float4))

/*
 * A value set page (version 6).  Value sets map the values of attribute
 * columns to the elements holding them (src/README.filters): each entry
 * is a key -- a 32-bit hash of one column's value, or of an element of
 * its array, or of its NULL -- and an element.  An entry goes to bucket
 * key % value_buckets, a chain of pages from its head page; the head page
 * names the chain's page appends go to.  Entries are in no order; keys
 * that collide only cost checks, as every element found is checked.
 */
typedef struct HannoyValueEntryData
{
	uint16		key_hi;			/* the key, in two halves: 10-byte entries */
	uint16		key_lo;
	ItemPointerData element;
} HannoyValueEntryData;

typedef struct HannoyValuePageData
{
	BlockNumber next;			/* the chain's next page; invalid on the last */
	BlockNumber append;			/* head page: where appends go; else invalid */
	uint32		nentries;
	HannoyValueEntryData entries[FLEXIBLE_ARRAY_MEMBER];
} HannoyValuePageData;

typedef HannoyValuePageData *HannoyValuePage;

#define HannoyPageGetValues(page)	((HannoyValuePage) PageGetContents(page))
#define HANNOY_VALUE_PAGE_ENTRIES \
	((int) ((BLCKSZ - MAXALIGN(SizeOfPageHeaderData) - MAXALIGN(sizeof(HannoyPageOpaqueData)) - \
			 offsetof(HannoyValuePageData, entries)) / sizeof(HannoyValueEntryData)))

static inline uint32
HannoyValueEntryKey(const HannoyValueEntryData *e)
{
	return ((uint32) e->key_hi << 16) | e->key_lo;
}

/* Item kinds: the first byte of every item on an element page. */
#define HANNOY_ITEM_ELEMENT		1
#define HANNOY_ITEM_VECTOR		2
#define HANNOY_ITEM_VECTOR_PART	3	/* version 4 */

/* Element flags */
#define HANNOY_ELEMENT_DELETED	0x01	/* no live heap TIDs; awaiting repair */
#define HANNOY_ELEMENT_EXTERNAL 0x02	/* vector goes on at vector_tid */
#define HANNOY_ELEMENT_ATTRS	0x04	/* an attribute area before the vector (version 5) */

/* heap TIDs an element holds; more duplicates become another element */
#define HANNOY_HEAPTIDS			3

/*
 * An element item.  After the fixed header come the neighbour lists,
 * layer 0 first (2m slots) then layers 1..level (m slots each), as
 * ItemPointerData; unused slots are invalid and come last in each list.
 * The vector follows at a 4-byte boundary: all of it, or with EXTERNAL its
 * first bytes (as many as the item's length leaves after the lists: none
 * to all but 4) and the rest at vector_tid: a vector item, or (version 4)
 * a chain of vector parts ending in one.  Version 1 had no partial vectors:
 * EXTERNAL meant the whole vector was elsewhere.
 */
typedef struct HannoyElementTupleData
{
	uint8		type;			/* HANNOY_ITEM_ELEMENT */
	uint8		level;
	uint8		flags;
	uint8		nheaptids;
	ItemPointerData heaptids[HANNOY_HEAPTIDS];
	ItemPointerData vector_tid; /* valid only with HANNOY_ELEMENT_EXTERNAL */
	ItemPointerData neighbors[FLEXIBLE_ARRAY_MEMBER];
} HannoyElementTupleData;

typedef HannoyElementTupleData *HannoyElementTuple;

/*
 * A vector item: the part of an element's vector its item does not hold,
 * or the last of it when that part is larger than a page.
 */
typedef struct HannoyVectorTupleData
{
	uint8		type;			/* HANNOY_ITEM_VECTOR */
	uint8		unused[3];
	char		data[FLEXIBLE_ARRAY_MEMBER];
} HannoyVectorTupleData;

typedef HannoyVectorTupleData *HannoyVectorTuple;

/*
 * A vector part (version 4): some bytes of a vector too large for one
 * vector item, followed by the rest at `next` (another part, or the vector
 * item that ends the chain).  Every part holds at least one byte, so a
 * chain is never longer than its vector has bytes.
 */
typedef struct HannoyVectorPartTupleData
{
	uint8		type;			/* HANNOY_ITEM_VECTOR_PART */
	uint8		unused;
	ItemPointerData next;
	char		data[FLEXIBLE_ARRAY_MEMBER];	/* at offset 8 */
} HannoyVectorPartTupleData;

typedef HannoyVectorPartTupleData *HannoyVectorPartTuple;

/* Neighbour slots of an element of the given level. */
#define HANNOY_NEIGHBOR_SLOTS(m, level)	(2 * (m) + (level) * (m))
/* First slot of a layer's list, and its length. */
#define HANNOY_LAYER_START(m, layer)	((layer) == 0 ? 0 : 2 * (m) + ((layer) - 1) * (m))
#define HANNOY_LAYER_SLOTS(m, layer)	((layer) == 0 ? 2 * (m) : (m))

#define HANNOY_ELEMENT_HEADER_SIZE	offsetof(HannoyElementTupleData, neighbors)
#define HANNOY_ELEMENT_LISTS_END(m, level) \
	(HANNOY_ELEMENT_HEADER_SIZE + sizeof(ItemPointerData) * HANNOY_NEIGHBOR_SLOTS(m, level))
/* where the vector of an element without attributes starts */
#define HANNOY_ELEMENT_VECTOR_OFFSET(m, level) \
	TYPEALIGN(4, HANNOY_ELEMENT_LISTS_END(m, level))
/* where the attribute area of an element with attributes starts */
#define HANNOY_ELEMENT_ATTRS_OFFSET(m, level) \
	MAXALIGN(HANNOY_ELEMENT_LISTS_END(m, level))

/*
 * The attribute area (version 5).  size covers the whole area, this header
 * included, and is a multiple of MAXIMUM_ALIGNOF: the vector starts right
 * after it.  The null bitmap has a bit per attribute column, set when the
 * value is NULL; the values of the others follow it in column order, each
 * at its type's alignment (relative to the area's start), fixed-width
 * values as they are in memory and variable-length ones uncompressed with
 * a 4-byte header.  The largest area is HANNOY_MAX_ATTRS_SIZE.
 */
typedef struct HannoyAttrsHeaderData
{
	uint16		size;
	uint8		natts;			/* attribute columns: index columns after the first */
	uint8		unused;
	bits8		nulls[FLEXIBLE_ARRAY_MEMBER];
} HannoyAttrsHeaderData;

typedef HannoyAttrsHeaderData *HannoyAttrsHeader;

#define HANNOY_ATTRS_DATA_OFFSET(natts) \
	(offsetof(HannoyAttrsHeaderData, nulls) + ((natts) + 7) / 8)
#define HANNOY_MAX_ATTRS_SIZE	MAXALIGN_DOWN(HANNOY_MAX_ITEM_SIZE / 4)

/*
 * An element's attribute area, or NULL without one.  HannoyGetElement has
 * checked that its header and size fit the item.
 */
static inline HannoyAttrsHeader
HannoyElementAttrs(const HannoyElementTupleData *tup, int m)
{
	if (!(tup->flags & HANNOY_ELEMENT_ATTRS))
		return NULL;
	return (HannoyAttrsHeader) ((char *) tup + HANNOY_ELEMENT_ATTRS_OFFSET(m, tup->level));
}

/* Where an element's vector (or its first part) starts in its item. */
static inline Size
HannoyElementVectorOffset(const HannoyElementTupleData *tup, int m)
{
	if (tup->flags & HANNOY_ELEMENT_ATTRS)
		return HANNOY_ELEMENT_ATTRS_OFFSET(m, tup->level) +
			HannoyElementAttrs(tup, m)->size;
	return HANNOY_ELEMENT_VECTOR_OFFSET(m, tup->level);
}

/* The bytes before the vector of an element with an attribute area of attrs_size (0: none). */
static inline Size
HannoyElementHeadSize(int m, int level, Size attrs_size)
{
	if (attrs_size > 0)
		return HANNOY_ELEMENT_ATTRS_OFFSET(m, level) + attrs_size;
	return HANNOY_ELEMENT_VECTOR_OFFSET(m, level);
}

#define HannoyElementVector(tup, m) \
	((char *) (tup) + HannoyElementVectorOffset(tup, m))

/* The largest item a page holds: one item plus the special space. */
#define HANNOY_MAX_ITEM_SIZE \
	MAXALIGN_DOWN(BLCKSZ - MAXALIGN(SizeOfPageHeaderData + sizeof(ItemIdData)) - \
				  MAXALIGN(sizeof(HannoyPageOpaqueData)))

#define HANNOY_VECTOR_TUPLE_SIZE(bytes)	(offsetof(HannoyVectorTupleData, data) + (bytes))
#define HANNOY_VECTOR_PART_SIZE(bytes)	(offsetof(HannoyVectorPartTupleData, data) + (bytes))

/* Vector bytes an element item of item_len bytes holds inline. */
static inline Size
HannoyElementInlineBytes(const HannoyElementTupleData *tup, Size item_len, int m)
{
	Size		offset = HannoyElementVectorOffset(tup, m);

	return item_len > offset ? item_len - offset : 0;
}

/* Whether that many inline bytes fit the element's flags. */
static inline bool
HannoyElementInlineValid(const HannoyElementTupleData *tup, Size inline_bytes,
						 Size vector_size)
{
	return (tup->flags & HANNOY_ELEMENT_EXTERNAL) ? inline_bytes < vector_size :
		inline_bytes == vector_size;
}

#endif							/* HANNOY_PAGE_H */

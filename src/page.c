/*-------------------------------------------------------------------------
 *
 * page.c
 *	  Element pages: initialisation and checks, locating element and vector
 *	  items, element sizes.  The metapage is meta.c's.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "storage/bufmgr.h"
#include "utils/rel.h"

#include "hannoy.h"

void
HannoyInitPage(Page page, uint16 flags)
{
	HannoyPageOpaque opaque;

	PageInit(page, BLCKSZ, sizeof(HannoyPageOpaqueData));
	opaque = HannoyPageGetOpaque(page);
	opaque->flags = flags;
	opaque->page_id = HANNOY_PAGE_ID;
}

void
HannoyCheckElementPage(Relation index, Page page, BlockNumber blkno)
{
	if (!HannoyPageIsHannoy(page) || !(HannoyPageGetOpaque(page)->flags & HANNOY_PAGE_ELEMENT))
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has an invalid page at block %u",
						RelationGetRelationName(index), blkno),
				 errhint("REINDEX the index.")));
}

/*
 * Whether a page walk (VACUUM, hannoy_verify) finds elements on this page:
 * an element page does; an all-zero page (being added, or left by a crash
 * before its WAL record), a value set page and, in a PQ index, a codebook
 * page do not;
 * anything else is ERRCODE_INDEX_CORRUPTED.
 */
bool
HannoyPageHoldsElements(Relation index, Page page, BlockNumber blkno, bool pq)
{
	if (PageIsNew(page))
		return false;
	if (pq && HannoyPageIsHannoy(page) && HannoyPageGetOpaque(page)->flags == HANNOY_PAGE_CODEBOOK)
		return false;
	if (HannoyPageIsHannoy(page) && HannoyPageGetOpaque(page)->flags == HANNOY_PAGE_VALUES)
		return false;
	HannoyCheckElementPage(index, page, blkno);
	return true;
}

void
HannoyElementCorrupted(Relation index, BlockNumber blkno, OffsetNumber off,
					   const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INDEX_CORRUPTED),
			 errmsg("index \"%s\" has an element whose %s",
					RelationGetRelationName(index), what),
			 errdetail("The element is at (%u,%u).", blkno, off),
			 errhint("REINDEX the index.")));
}

/* Whether off names a line pointer inside the page's line pointer array. */
#define OFFSET_IN_PAGE(page, off) \
	((off) >= FirstOffsetNumber && (off) <= PageGetMaxOffsetNumber(page))

/* Whether an item's line pointer places it wholly and aligned in the page. */
static inline bool
item_in_page(ItemId iid, Size min_len)
{
	return ItemIdIsNormal(iid) && ItemIdGetLength(iid) >= min_len &&
		ItemIdGetOffset(iid) >= SizeOfPageHeaderData &&
		ItemIdGetOffset(iid) % MAXIMUM_ALIGNOF == 0 &&
		ItemIdGetOffset(iid) + ItemIdGetLength(iid) <= BLCKSZ;
}

/*
 * The element item at (blkno, off) of a locked element page, or NULL when
 * that slot holds no element (freed by vacuum, or a vector item).  An
 * element whose level, length or heap TID count does not fit the index is
 * ERRCODE_INDEX_CORRUPTED: everything a caller reads of the element
 * (lists up to its level, HannoyElementVector, nheaptids heap TIDs) is
 * then inside the item.
 *
 * This is on every hop of a search, so it does not check the page's special
 * space (at the far end of the page: one more cache miss per hop, measured
 * at 16% of a query's time); the offset, line pointer, length and item type
 * are checked, and a page whose item has an unknown type gets the full check.
 */
HannoyElementTuple
HannoyGetElement(const HannoyIndexInfo *info, Page page, BlockNumber blkno,
				 OffsetNumber off)
{
	ItemId		iid;
	HannoyElementTuple tup;

	if (!OFFSET_IN_PAGE(page, off))
		return NULL;
	iid = PageGetItemId(page, off);
	if (!item_in_page(iid, HANNOY_ELEMENT_HEADER_SIZE))
	{
		if (ItemIdIsUsed(iid) && !item_in_page(iid, 1))
			HannoyElementCorrupted(info->index, blkno, off, "line pointer is invalid");
		return NULL;
	}
	tup = (HannoyElementTuple) PageGetItem(page, iid);
	if (tup->type != HANNOY_ITEM_ELEMENT)
	{
		if (tup->type != HANNOY_ITEM_VECTOR && tup->type != HANNOY_ITEM_VECTOR_PART)
			HannoyCheckElementPage(info->index, page, blkno);
		return NULL;
	}
	if (tup->level > info->max_level ||
		ItemIdGetLength(iid) < HANNOY_ELEMENT_VECTOR_OFFSET(info->m, tup->level))
		HannoyElementCorrupted(info->index, blkno, off, "level does not fit its item");
	if (tup->flags & HANNOY_ELEMENT_ATTRS)
	{
		Size		start = HANNOY_ELEMENT_ATTRS_OFFSET(info->m, tup->level);
		Size		size;

		if (ItemIdGetLength(iid) < start + offsetof(HannoyAttrsHeaderData, nulls))
			HannoyElementCorrupted(info->index, blkno, off, "attribute area does not fit its item");
		size = HannoyElementAttrs(tup, info->m)->size;
		if (size < offsetof(HannoyAttrsHeaderData, nulls) || size % MAXIMUM_ALIGNOF != 0 ||
			start + size > ItemIdGetLength(iid))
			HannoyElementCorrupted(info->index, blkno, off, "attribute area does not fit its item");
	}
	if (tup->nheaptids > HANNOY_HEAPTIDS)
		HannoyElementCorrupted(info->index, blkno, off, "heap TID count is invalid");
	return tup;
}

/*
 * The vector item or part at off of a locked element page, in a chain
 * that still has `remaining` bytes of vector to give: its bytes (*len of
 * them), and in *next where the chain goes on (invalid after a vector
 * item, which ends it).  NULL if off holds no such item: a vector item
 * must hold exactly the remaining bytes, a part fewer but at least one and
 * name a next item, so a walk from part to part always ends.  Like
 * HannoyGetElement, it checks the offset, line pointer, length and type,
 * not the page's special space.
 */
const char *
HannoyGetVectorPart(Page page, OffsetNumber off, Size remaining, Size *len,
					ItemPointer next)
{
	ItemId		iid;
	char	   *item;

	StaticAssertStmt(offsetof(HannoyVectorPartTupleData, data) == 8,
					 "a vector part's data starts at a 4-byte boundary");
	if (!OFFSET_IN_PAGE(page, off))
		return NULL;
	iid = PageGetItemId(page, off);
	if (!item_in_page(iid, HANNOY_VECTOR_TUPLE_SIZE(1)))
		return NULL;
	item = PageGetItem(page, iid);
	if (*item == HANNOY_ITEM_VECTOR &&
		ItemIdGetLength(iid) == HANNOY_VECTOR_TUPLE_SIZE(remaining))
	{
		*len = remaining;
		ItemPointerSetInvalid(next);
		return ((HannoyVectorTuple) item)->data;
	}
	if (*item == HANNOY_ITEM_VECTOR_PART &&
		ItemIdGetLength(iid) > HANNOY_VECTOR_PART_SIZE(0) &&
		ItemIdGetLength(iid) < HANNOY_VECTOR_PART_SIZE(remaining) &&
		ItemPointerIsValid(&((HannoyVectorPartTuple) item)->next))
	{
		*len = ItemIdGetLength(iid) - HANNOY_VECTOR_PART_SIZE(0);
		*next = ((HannoyVectorPartTuple) item)->next;
		return ((HannoyVectorPartTuple) item)->data;
	}
	return NULL;
}

/*
 * The highest level an element may have: its neighbour lists alone must
 * fit in half a page, whatever m.
 */
int
HannoyMaxLevel(int m)
{
	Size		budget = HANNOY_MAX_ITEM_SIZE / 2 - HANNOY_ELEMENT_HEADER_SIZE;
	int			level = (int) ((budget / sizeof(ItemPointerData) - 2 * m) / m);

	return Max(0, Min(level, HANNOY_MAX_LEVEL_CAP));
}

/*
 * Size of an element item, with an attribute area of attrs_size bytes (0:
 * none); *external says whether its vector must go
 * elsewhere (a vector item, or a chain of parts) because the whole would
 * not fit in a page, all but its first head_bytes then.
 */
Size
HannoyElementSize(int m, int level, Size attrs_size, Size vector_size,
				  Size head_bytes, bool *external)
{
	Size		inline_size = HannoyElementHeadSize(m, level, attrs_size) + vector_size;

	*external = inline_size > HANNOY_MAX_ITEM_SIZE;
	if (*external)
		return HannoyElementHeadSize(m, level, attrs_size) + head_bytes;
	return inline_size;
}

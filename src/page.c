/*-------------------------------------------------------------------------
 *
 * page.c
 *	  Page and metapage helpers: initialisation, reading and checking the
 *	  metapage, locating element items, element sizes.
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
HannoyInitMetaPage(Page page, int dims, int m, int ef_construction,
				   uint8 storage, int max_level)
{
	HannoyMetaPage meta;

	HannoyInitPage(page, HANNOY_PAGE_META);
	meta = HannoyPageGetMeta(page);
	memset(meta, 0, sizeof(HannoyMetaPageData));
	meta->magic = HANNOY_MAGIC;
	meta->version = HANNOY_FORMAT_VERSION;
	meta->dimensions = dims;
	meta->m = m;
	meta->ef_construction = ef_construction;
	meta->storage = storage;
	meta->max_level = max_level;
	ItemPointerSetInvalid(&meta->entry);
	meta->entry_level = -1;
	meta->insert_page = InvalidBlockNumber;
	meta->elements = 0;
	/* the metapage's contents end here; the rest is the hole */
	((PageHeader) page)->pd_lower = ((char *) meta + sizeof(HannoyMetaPageData)) - (char *) page;
}

/* Magic and version, checked on every read of the metapage. */
void
HannoyCheckMeta(Relation index, HannoyMetaPage meta)
{
	if (meta->magic != HANNOY_MAGIC)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" is not a hannoy index",
						RelationGetRelationName(index)),
				 errdetail("The metapage has magic number %08X, expected %08X.",
						   meta->magic, HANNOY_MAGIC),
				 errhint("REINDEX the index.")));
	if (meta->version != HANNOY_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has on-disk format version %u, this hannoy reads version %u",
						RelationGetRelationName(index), meta->version,
						HANNOY_FORMAT_VERSION),
				 errhint("REINDEX the index.")));
}

/* A checked copy of the metapage.  No lock is held on return. */
HannoyMetaPageData
HannoyReadMeta(Relation index)
{
	Buffer		buf = ReadBuffer(index, HANNOY_METAPAGE_BLKNO);
	Page		page;
	HannoyMetaPageData meta;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	if (PageIsNew(page) || HannoyPageGetOpaque(page)->page_id != HANNOY_PAGE_ID ||
		!(HannoyPageGetOpaque(page)->flags & HANNOY_PAGE_META))
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has no valid hannoy metapage",
						RelationGetRelationName(index)),
				 errhint("REINDEX the index.")));
	meta = *HannoyPageGetMeta(page);
	UnlockReleaseBuffer(buf);
	HannoyCheckMeta(index, &meta);
	return meta;
}

void
HannoyCheckElementPage(Relation index, Page page, BlockNumber blkno)
{
	if (PageIsNew(page) || PageGetSpecialSize(page) != MAXALIGN(sizeof(HannoyPageOpaqueData)) ||
		HannoyPageGetOpaque(page)->page_id != HANNOY_PAGE_ID ||
		!(HannoyPageGetOpaque(page)->flags & HANNOY_PAGE_ELEMENT))
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has an invalid page at block %u",
						RelationGetRelationName(index), blkno),
				 errhint("REINDEX the index.")));
}

/*
 * The element item at (blkno, off) of a locked element page, or NULL when
 * that slot holds no element (freed by vacuum, or a vector item).
 *
 * This is on every hop of a search, so it does not check the page's special
 * space (at the far end of the page: one more cache miss per hop, measured
 * at 16% of a query's time); the offset, line pointer, length and item type
 * are checked, and a page whose item has the wrong type gets the full check.
 */
HannoyElementTuple
HannoyGetElement(Relation index, Page page, BlockNumber blkno, OffsetNumber off)
{
	ItemId		iid;
	HannoyElementTuple tup;

	if (off < FirstOffsetNumber || off > PageGetMaxOffsetNumber(page))
		return NULL;
	iid = PageGetItemId(page, off);
	if (!ItemIdIsUsed(iid) || ItemIdGetLength(iid) < HANNOY_ELEMENT_HEADER_SIZE ||
		ItemIdGetOffset(iid) + ItemIdGetLength(iid) > BLCKSZ)
		return NULL;
	tup = (HannoyElementTuple) PageGetItem(page, iid);
	if (tup->type != HANNOY_ITEM_ELEMENT)
	{
		if (tup->type != HANNOY_ITEM_VECTOR)
			HannoyCheckElementPage(index, page, blkno);
		return NULL;
	}
	return tup;
}

/*
 * The vector item at off of a locked element page, if it holds `bytes` of
 * vector; NULL otherwise.  Like HannoyGetElement, it checks the offset,
 * line pointer, length and type, not the page's special space.
 */
HannoyVectorTuple
HannoyGetVectorItem(Page page, OffsetNumber off, Size bytes)
{
	ItemId		iid;
	HannoyVectorTuple vt;

	if (off < FirstOffsetNumber || off > PageGetMaxOffsetNumber(page))
		return NULL;
	iid = PageGetItemId(page, off);
	if (!ItemIdIsUsed(iid) || ItemIdGetLength(iid) != HANNOY_VECTOR_TUPLE_SIZE(bytes) ||
		ItemIdGetOffset(iid) + ItemIdGetLength(iid) > BLCKSZ)
		return NULL;
	vt = (HannoyVectorTuple) PageGetItem(page, iid);
	return vt->type == HANNOY_ITEM_VECTOR ? vt : NULL;
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
 * Size of an element item; *external says whether its vector must go in a
 * vector item of its own because the whole would not fit in a page.
 */
Size
HannoyElementSize(int m, int level, Size vector_size, bool *external)
{
	Size		inline_size = HANNOY_ELEMENT_VECTOR_OFFSET(m, level) + vector_size;

	*external = inline_size > HANNOY_MAX_ITEM_SIZE;
	if (*external)
		return HANNOY_ELEMENT_HEADER_SIZE +
			sizeof(ItemPointerData) * HANNOY_NEIGHBOR_SLOTS(m, level);
	return inline_size;
}

void
HannoyInitIndexInfo(HannoyIndexInfo *info, Relation index)
{
	HannoyMetaPageData meta = HannoyReadMeta(index);

	info->index = index;
	info->opclass = HannoyGetOpclass(index);
	info->m = meta.m;
	info->ef_construction = meta.ef_construction;
	info->dims = meta.dimensions;
	info->max_level = meta.max_level;
	info->vector_size = HannoyVectorSize(meta.storage, meta.dimensions);
}

/*-------------------------------------------------------------------------
 *
 * element_write.c
 *	  New items on element pages after the build: an element (inserts) and,
 *	  when its vector does not fit the element's item, the vector item or
 *	  chain of vector parts holding the rest, each WAL-logged with Generic
 *	  WAL.  Changes to existing elements are element.c's.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/generic_xlog.h"
#include "storage/bufmgr.h"
#include "storage/freespace.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "element.h"

/* --- new items ------------------------------------------------------------ */

/*
 * Whether an element page can take an item of size bytes.  A line pointer
 * that vacuum left unused is reused, so then only the item's space counts.
 */
static bool
page_has_room(Relation index, Buffer buf, Size size)
{
	Page		page = BufferGetPage(buf);
	Size		need = MAXALIGN(size) + sizeof(ItemIdData);

	if (PageIsNew(page))
		return false;
	HannoyCheckElementPage(index, page, BufferGetBlockNumber(buf));
	if (PageHasFreeLinePointers(page))
		for (OffsetNumber off = FirstOffsetNumber; off <= PageGetMaxOffsetNumber(page); off++)
			if (!ItemIdIsUsed(PageGetItemId(page, off)))
			{
				need = MAXALIGN(size);
				break;
			}
	return PageGetExactFreeSpace(page) >= need;
}

/*
 * Put one item on a page with room: the last page inserts used, else one
 * the free space map offers (vacuum fills it), else a new page at the end.
 * Returns its TID.
 */
static ItemPointerData
add_item(HannoyIndexInfo *info, const void *item, Size size)
{
	Relation	index = info->index;
	HannoyMetaPageData meta = HannoyReadMeta(index);
	BlockNumber blkno;
	Size		need;
	Size		free_here = 0;
	Buffer		buf = InvalidBuffer;
	bool		extended = false;
	GenericXLogState *state;
	Page		page;
	OffsetNumber off;
	ItemPointerData tid;

	/*
	 * The free space map keeps free space in BLCKSZ/256 steps, rounded down
	 * when recorded and up when searched, so a page with just enough room
	 * would never be offered: ask for one step less and check the page.
	 */
	need = MAXALIGN(size) + sizeof(ItemIdData);
	blkno = meta.insert_page;
	for (int tries = 0; tries < 4 && !BufferIsValid(buf); tries++)
	{
		if (tries > 0)
			blkno = (tries == 1) ?
				GetPageWithFreeSpace(index, need - Min(need, BLCKSZ / 256)) :
				RecordAndGetPageWithFreeSpace(index, blkno, free_here,
											  need - Min(need, BLCKSZ / 256));
		if (blkno == InvalidBlockNumber)
			break;
		if (blkno == HANNOY_METAPAGE_BLKNO || blkno >= RelationGetNumberOfBlocks(index))
		{
			free_here = 0;
			continue;
		}
		buf = ReadBuffer(index, blkno);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		if (!page_has_room(index, buf, size))
		{
			free_here = PageIsNew(BufferGetPage(buf)) ? 0 :
				PageGetExactFreeSpace(BufferGetPage(buf));
			UnlockReleaseBuffer(buf);
			buf = InvalidBuffer;
		}
	}
	if (!BufferIsValid(buf))
	{
		LockRelationForExtension(index, ExclusiveLock);
		buf = ReadBuffer(index, P_NEW);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		UnlockRelationForExtension(index, ExclusiveLock);
		extended = true;
	}

	state = GenericXLogStart(index);
	page = GenericXLogRegisterBuffer(state, buf, extended ? GENERIC_XLOG_FULL_IMAGE : 0);
	if (extended)
		HannoyInitPage(page, HANNOY_PAGE_ELEMENT);
	off = PageAddItem(page, (Item) item, size, InvalidOffsetNumber, false, false);
	if (off == InvalidOffsetNumber)	/* page_has_room said it would fit */
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" could not add an item of %zu bytes to block %u",
						RelationGetRelationName(index), size, BufferGetBlockNumber(buf)),
				 errhint("REINDEX the index.")));
	GenericXLogFinish(state);
	ItemPointerSet(&tid, BufferGetBlockNumber(buf), off);
	if (!extended && BufferGetBlockNumber(buf) != meta.insert_page)
		RecordPageWithFreeSpace(index, BufferGetBlockNumber(buf),
								PageGetExactFreeSpace(BufferGetPage(buf)));
	UnlockReleaseBuffer(buf);

	if (extended)
		HannoySetInsertPage(index, ItemPointerGetBlockNumber(&tid));
	return tid;
}

/*
 * Write the vector of an element that does not fit a page whole: a vector
 * item with its last bytes, then, back to front, a vector part of a page
 * for each page's worth before them.  Returns the TID of the first.
 * Written before the element, so nothing links to them before they exist.
 */
static ItemPointerData
write_vector_chain(HannoyIndexInfo *info, const char *vector, Size vsize)
{
	Size		part_bytes = HANNOY_MAX_ITEM_SIZE - HANNOY_VECTOR_PART_SIZE(0);
	Size		last_max = HANNOY_MAX_ITEM_SIZE - HANNOY_VECTOR_TUPLE_SIZE(0);
	int			nparts = vsize <= last_max ? 0 :
		(int) ((vsize - last_max + part_bytes - 1) / part_bytes);
	Size		start = nparts * part_bytes;
	char	   *item = palloc0(HANNOY_MAX_ITEM_SIZE);
	ItemPointerData tid;

	((HannoyVectorTuple) item)->type = HANNOY_ITEM_VECTOR;
	memcpy(((HannoyVectorTuple) item)->data, vector + start, vsize - start);
	tid = add_item(info, item, HANNOY_VECTOR_TUPLE_SIZE(vsize - start));
	for (int p = nparts - 1; p >= 0; p--)
	{
		HannoyVectorPartTuple part = (HannoyVectorPartTuple) item;

		part->type = HANNOY_ITEM_VECTOR_PART;
		part->unused = 0;
		part->next = tid;
		memcpy(part->data, vector + p * part_bytes, part_bytes);
		tid = add_item(info, item, HANNOY_VECTOR_PART_SIZE(part_bytes));
	}
	pfree(item);
	return tid;
}

/*
 * Write a new element (and its vector item, or chain of them, when it does
 * not fit inline) with its neighbour lists already chosen.  Returns its
 * reference.  A vector of varying size keeps its head inline (page.h:
 * HannoyElementHeadBytes).
 */
HannoyRef
HannoyWriteElement(HannoyIndexInfo *info, int level, ItemPointer heaptid,
				   const void *vector, const char *attrs, Size attrs_size,
				   HannoyRef *const *neighbors, const int *nneighbors)
{
	int			m = info->m;
	bool		external;
	Size		vsize = HannoyVectorBytes(info, vector);
	Size		head = HannoyElementHeadBytes(info);
	Size		size = HannoyElementSize(m, level, attrs_size, vsize, head, &external);
	HannoyElementTuple tup = palloc0(size);
	ItemPointerData tid;
	int			slot = 0;

	tup->type = HANNOY_ITEM_ELEMENT;
	tup->level = level;
	tup->flags = external ? HANNOY_ELEMENT_EXTERNAL : 0;
	if (attrs_size > 0)
	{
		tup->flags |= HANNOY_ELEMENT_ATTRS;
		memcpy((char *) tup + HANNOY_ELEMENT_ATTRS_OFFSET(m, level), attrs, attrs_size);
	}
	tup->nheaptids = 1;
	tup->heaptids[0] = *heaptid;
	for (int i = 1; i < HANNOY_HEAPTIDS; i++)
		ItemPointerSetInvalid(&tup->heaptids[i]);
	ItemPointerSetInvalid(&tup->vector_tid);
	for (int layer = 0; layer <= level; layer++)
		for (int i = 0; i < HANNOY_LAYER_SLOTS(m, layer); i++, slot++)
		{
			if (i < nneighbors[layer])
				HannoyRefToTid(neighbors[layer][i], &tup->neighbors[slot]);
			else
				ItemPointerSetInvalid(&tup->neighbors[slot]);
		}

	if (external)
	{
		memcpy(HannoyElementVector(tup, m), vector, head);
		tup->vector_tid = write_vector_chain(info, (const char *) vector + head, vsize - head);
	}
	else
		memcpy(HannoyElementVector(tup, m), vector, vsize);

	tid = add_item(info, tup, size);
	pfree(tup);
	return HannoyRefFromTid(&tid);
}

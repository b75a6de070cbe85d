/*-------------------------------------------------------------------------
 *
 * build_write.c
 *	  Writing a built graph: every element's place is planned first, so
 *	  links can be written as TIDs; pages go through shared buffers in
 *	  block order and are WAL-logged once, with log_newpage_range.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xloginsert.h"
#include "commands/progress.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "utils/rel.h"

#include "build.h"
#include "codebook.h"
#include "value_sets.h"

static void
plan_next_page(PagePlan *plan)
{
	if (plan->used > 0)
	{
		plan->blkno++;
		plan->used = 0;
		plan->next = FirstOffsetNumber;
	}
}

static void
plan_item(PagePlan *plan, Size size, ItemPointer loc)
{
	Size		need = MAXALIGN(size) + sizeof(ItemIdData);

	if (plan->used + need > PAGE_CAPACITY)
		plan_next_page(plan);
	ItemPointerSet(loc, plan->blkno, plan->next);
	plan->next++;
	plan->used += need;
}

Buffer
HannoyBuildNewBuffer(Relation index, ForkNumber fork)
{
	Buffer		buf = ReadBufferExtended(index, fork, P_NEW, RBM_NORMAL, NULL);

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	return buf;
}

void
HannoyBuildFlushPage(Relation index, Page page)
{
	Buffer		buf = HannoyBuildNewBuffer(index, MAIN_FORKNUM);

	memcpy(BufferGetPage(buf), page, BLCKSZ);
	MarkBufferDirty(buf);
	UnlockReleaseBuffer(buf);
}

/* The largest item the plan's current page still takes. */
static Size
plan_room(PagePlan *plan)
{
	Size		left = PAGE_CAPACITY - plan->used;

	return left > sizeof(ItemIdData) ? MAXALIGN_DOWN(left - sizeof(ItemIdData)) : 0;
}

/* Where an element's items go, and how its vector is cut between them. */
#define MAX_VECTOR_ITEMS 16

typedef struct ElementLayout
{
	Size		item_size;		/* the element item's */
	Size		inline_bytes;	/* vector bytes the element item holds */
	int			nitems;			/* items with the rest: parts, then a vector item */
	ItemPointerData item_loc[MAX_VECTOR_ITEMS];
	Size		item_bytes[MAX_VECTOR_ITEMS];	/* vector bytes each holds */
} ElementLayout;

StaticAssertDecl(HANNOY_MAX_DIMENSIONS * sizeof(float4) /
				 (HANNOY_MAX_ITEM_SIZE - HANNOY_VECTOR_PART_SIZE(0)) + 2 <= MAX_VECTOR_ITEMS,
				 "a vector of the largest size has room for its items");

static void
plan_vector_item(PagePlan *plan, ElementLayout *lay, Size bytes, bool last)
{
	plan_item(plan, last ? HANNOY_VECTOR_TUPLE_SIZE(bytes) : HANNOY_VECTOR_PART_SIZE(bytes),
			  &lay->item_loc[lay->nitems]);
	lay->item_bytes[lay->nitems++] = bytes;
}

/*
 * Where element i's item (and its vector items, if any) will go, and how
 * many bytes of its vector each holds; loc gets the element's TID.
 *
 * Elements go one after another.  One that does not fit whole in what is
 * left of a page is split when at least a quarter of it fits: its item
 * (lists and the first part of the vector) fills the page and the rest of
 * the vector starts the next one.  Otherwise a page of 784-d fp32 elements
 * (3.3 kB each) would hold two and waste 18%; split, it holds 2.4 on
 * average, and a third of the elements take a second page access to read.
 *
 * An element larger than a page (fp32 beyond ~2000 dimensions, fp16
 * beyond ~4000) fills the rest of the page, or a new one when less than a
 * quarter of a page is left, with its lists and the first bytes of its
 * vector; vector parts fill the pages after it, and a vector item with the
 * last bytes ends the chain (elements after it share its page).
 */
static void
plan_element(PagePlan *plan, BuildGraph *g, int64 i, Size vsize, ItemPointer loc,
			 ElementLayout *lay)
{
	Size		attrs_size = g->elements[i].attrs_size;
	Size		head = HannoyElementHeadSize(g->info.m, g->elements[i].level, attrs_size);
	bool		external;
	Size		size = HannoyElementSize(g->info.m, g->elements[i].level, attrs_size,
									 vsize, HannoyElementHeadBytes(&g->stored), &external);
	Size		room = plan_room(plan);
	Size		rest;

	lay->nitems = 0;
	if (!external && (MAXALIGN(size) <= room || room < head + sizeof(float4) ||
					  room < size / 4))
	{
		/* whole, here or on the next page */
		plan_item(plan, size, loc);
		lay->item_size = size;
		lay->inline_bytes = vsize;
		return;
	}
	if (external && (room < head + sizeof(float4) || room < HANNOY_MAX_ITEM_SIZE / 4))
	{
		plan_next_page(plan);
		room = plan_room(plan);
	}
	/* whole 4-byte words inline (fp16 pairs stay together) */
	lay->inline_bytes = TYPEALIGN_DOWN(sizeof(float4), room - head);
	lay->item_size = head + lay->inline_bytes;
	plan_item(plan, lay->item_size, loc);
	rest = vsize - lay->inline_bytes;
	while (HANNOY_VECTOR_TUPLE_SIZE(rest) > HANNOY_MAX_ITEM_SIZE)
	{
		Size		bytes = HANNOY_MAX_ITEM_SIZE - HANNOY_VECTOR_PART_SIZE(0);

		plan_vector_item(plan, lay, bytes, false);
		rest -= bytes;
	}
	plan_vector_item(plan, lay, rest, true);
}

void
HannoyWriterInit(PageWriter *w, Relation index, BlockNumber first)
{
	w->index = index;
	w->plan.blkno = first;
	w->plan.used = 0;
	w->plan.next = FirstOffsetNumber;
	w->current = InvalidBlockNumber;
	w->item = palloc(HANNOY_MAX_ITEM_SIZE);
	w->code = NULL;
}

static void
writer_put(PageWriter *w, ItemPointer where, const char *data, Size len)
{
	Page		page = w->block.data;

	if (ItemPointerGetBlockNumber(where) != w->current)
	{
		if (w->current != InvalidBlockNumber)
			HannoyBuildFlushPage(w->index, page);
		HannoyInitPage(page, HANNOY_PAGE_ELEMENT);
		w->current = ItemPointerGetBlockNumber(where);
	}
	if (PageAddItem(page, (Item) data, len, InvalidOffsetNumber, false, false) !=
		ItemPointerGetOffsetNumber(where))
		elog(ERROR, "hannoy: page layout of the build went wrong");
}

/*
 * Append element i, with the given (exact) vector, which a PQ index writes
 * as its code.  Its lists become TIDs through loc (every element's TID)
 * or, without loc, stay empty for HannoyBuildFillLists.  *where gets the
 * element's TID.
 */
void
HannoyWriterAddElement(struct PageWriter *w, BuildGraph *g, int64 i, const void *vector,
					   const ItemPointerData *loc, ItemPointer where)
{
	int			m = g->info.m;
	Size		vsize = g->stored.vector_size;
	BuildElement *e = &g->elements[i];
	HannoyElementTuple tup = (HannoyElementTuple) w->item;
	ElementLayout lay;
	Size		done;
	int			slot = 0;

	if (g->codes)
		vector = g->codes + i * vsize;
	else if (g->stored.opclass->quantize)
	{
		if (w->code == NULL)
			w->code = palloc(vsize);
		g->stored.opclass->quantize(&g->stored, vector, w->code);
		vector = w->code;
	}
	vsize = HannoyVectorBytes(&g->stored, vector);
	plan_element(&w->plan, g, i, vsize, where, &lay);
	memset(w->item, 0, lay.item_size);
	tup->type = HANNOY_ITEM_ELEMENT;
	tup->level = e->level;
	tup->flags = lay.nitems > 0 ? HANNOY_ELEMENT_EXTERNAL : 0;
	if (e->attrs_size > 0)
	{
		tup->flags |= HANNOY_ELEMENT_ATTRS;
		memcpy(w->item + HANNOY_ELEMENT_ATTRS_OFFSET(m, e->level), build_attrs(g, i),
			   e->attrs_size);
	}
	tup->nheaptids = e->ntids;
	for (int t = 0; t < HANNOY_HEAPTIDS; t++)
	{
		if (t < e->ntids)
			tup->heaptids[t] = e->tids[t];
		else
			ItemPointerSetInvalid(&tup->heaptids[t]);
	}
	if (lay.nitems > 0)
		tup->vector_tid = lay.item_loc[0];
	else
		ItemPointerSetInvalid(&tup->vector_tid);
	for (int layer = 0; layer <= e->level; layer++)
	{
		int			slots;
		uint32	   *list = build_list(g, i, layer, &slots);

		for (int s = 0; s < slots; s++, slot++)
		{
			if (loc == NULL || list[s] == HANNOY_NO_NEIGHBOR)
				ItemPointerSetInvalid(&tup->neighbors[slot]);
			else
				tup->neighbors[slot] = loc[list[s]];
		}
	}
	memcpy(HannoyElementVector(tup, m), vector, lay.inline_bytes);
	writer_put(w, where, w->item, lay.item_size);

	/* the rest of the vector: parts, each naming the next, then a vector item */
	done = lay.inline_bytes;
	for (int k = 0; k < lay.nitems; k++)
	{
		const char *bytes = (const char *) vector + done;
		Size		len = lay.item_bytes[k];

		if (k == lay.nitems - 1)
		{
			HannoyVectorTuple vt = (HannoyVectorTuple) w->item;

			memset(vt, 0, offsetof(HannoyVectorTupleData, data));
			vt->type = HANNOY_ITEM_VECTOR;
			memcpy(vt->data, bytes, len);
			writer_put(w, &lay.item_loc[k], w->item, HANNOY_VECTOR_TUPLE_SIZE(len));
		}
		else
		{
			HannoyVectorPartTuple part = (HannoyVectorPartTuple) w->item;

			memset(part, 0, offsetof(HannoyVectorPartTupleData, data));
			part->type = HANNOY_ITEM_VECTOR_PART;
			part->next = lay.item_loc[k + 1];
			memcpy(part->data, bytes, len);
			writer_put(w, &lay.item_loc[k], w->item, HANNOY_VECTOR_PART_SIZE(len));
		}
		done += len;
	}
	Assert(done == vsize);
}

void
HannoyWriterFinish(PageWriter *w)
{
	if (w->current != InvalidBlockNumber)
		HannoyBuildFlushPage(w->index, w->block.data);
	w->current = InvalidBlockNumber;
}

/* The metapage of a built graph (block 0 must already exist or come first). */
void
HannoyBuildMetapage(BuildGraph *g, Page page, const ItemPointerData *loc,
			   BlockNumber last)
{
	HannoyMetaPage mp;

	HannoyInitMetaPage(page, g->stored.dims, g->stored.m, g->stored.ef_construction,
					   g->stored.opclass->storage, g->stored.max_level);
	mp = HannoyPageGetMeta(page);
	mp->pq_m = g->stored.pq_m;
	if (g->codebook_pages > 0)
	{
		mp->codebook = HANNOY_METAPAGE_BLKNO + 1;
		mp->trained_on = g->stored.trained_on;
	}
	if (g->entry->entry >= 0)
	{
		mp->entry = loc[g->entry->entry];
		mp->entry_level = g->entry->entry_level;
		mp->insert_page = last;
		mp->elements = g->count;
	}
}

void
HannoyBuildLogIndex(Relation index)
{
	if (RelationNeedsWAL(index))
		log_newpage_range(index, MAIN_FORKNUM, 0, RelationGetNumberOfBlocks(index), true);
}

/*
 * Write the in-memory graph: metapage, PQ codebooks, then every element in
 * order.
 */
void
HannoyBuildWritePages(BuildGraph *g, Relation index)
{
	ItemPointerData *loc = palloc_extended(sizeof(ItemPointerData) * Max(g->count, 1),
										   MCXT_ALLOC_HUGE);
	BlockNumber first = HANNOY_METAPAGE_BLKNO + 1 + g->codebook_pages;
	PagePlan	plan = {first, 0, FirstOffsetNumber};
	PGAlignedBlock meta;
	PageWriter	w;

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HANNOY_PHASE_WRITE);

	/* PQ: every code at once (unless the graph was built on codes) */
	if (g->coded)
		g->codes = (uint8 *) g->vectors;
	else if (g->stored.codebook != NULL && g->count > 0)
	{
		g->codes = palloc_extended(g->stored.vector_size * g->count, MCXT_ALLOC_HUGE);
		HannoyPqEncodeMany(g->stored.codebook, (const float *) g->vectors, g->count, g->codes);
	}

	/* every element's TID first, so lists can be written as TIDs */
	for (int64 i = 0; i < g->count; i++)
	{
		ElementLayout lay;

		plan_element(&plan, g, i,
					 g->codes ? g->stored.vector_size : HannoyVectorBytes(&g->stored, build_vector(g, i)),
					 &loc[i], &lay);
	}
	HannoyBuildMetapage(g, meta.data, loc, plan.blkno);
	HannoyBuildFlushPage(index, meta.data);
	for (BlockNumber i = 0; i < g->codebook_pages; i++)
	{
		PGAlignedBlock page;

		HannoyInitPage(page.data, HANNOY_PAGE_CODEBOOK);
		HannoyCodebookFillPage(page.data, &g->codebook, HANNOY_METAPAGE_BLKNO + 1, i);
		HannoyBuildFlushPage(index, page.data);
	}

	HannoyWriterInit(&w, index, first);
	for (int64 i = 0; i < g->count; i++)
	{
		ItemPointerData where;

		CHECK_FOR_INTERRUPTS();
		HannoyWriterAddElement(&w, g, i, build_vector(g, i), loc, &where);
	}
	HannoyWriterFinish(&w);
	HannoyBuildValueSets(g, index, loc);
	HannoyBuildLogIndex(index);
	pfree(loc);
}

/*-------------------------------------------------------------------------
 *
 * vacuum.c
 *	  ambulkdelete and amvacuumcleanup: drop dead heap TIDs and repair the
 *	  graph around the elements that lost them all.
 *
 * Passes of ambulkdelete:
 *	1. mark  Every element page: drop dead heap TIDs; an element left with
 *			 none is marked deleted.  Searches still route through it, but
 *			 no insert links to it from now on.  Remember the deleted
 *			 elements (a hash set) and their pages (a roaring bitmap), and
 *			 the live element of the highest level.
 *	   wait  Take HANNOY_UPDATE_LOCK exclusively once: inserts that began
 *			 before an element was marked, and may link to it, finish first.
 *	2. repair  Every live element that links to a deleted one keeps its
 *			 live neighbours and fills the freed slots with the nearest
 *			 live neighbours of the deleted ones (FreshDiskANN's local
 *			 repair, without the re-pruning).  Written only if the list did
 *			 not change meanwhile; else recomputed.
 *	   entry  If the entry point was deleted, the highest live element
 *			 becomes the entry point.
 *	   relink  Live elements no live element links to on layer 0 any more
 *			 (pass 2 counts the links) are linked back from their own
 *			 neighbours, as an insert is; no search could reach them.
 *	   value sets  The deleted elements' entries are removed from the value
 *			 sets (value_sets.c), before pass 3 frees their TIDs for reuse.
 *	3. free  Deleted elements and their vector items are removed from their
 *			 pages (line pointers stay, so no other TID moves) and the
 *			 space goes to the free space map for later inserts.
 *
 * Every page loop checks for interrupts and calls vacuum_delay_point().
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/generic_xlog.h"
#include "commands/vacuum.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/freespace.h"
#include "storage/indexfsm.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include <roaring/roaring.h>

#include "element.h"
#include "hannoy.h"
#include "value_sets.h"

typedef struct VacuumState
{
	IndexVacuumInfo *info;
	IndexBulkDeleteResult *stats;
	HannoyIndexInfo index;
	HannoyVisited deleted;		/* refs of deleted elements */
	roaring_bitmap_t *deleted_pages;
	HannoyRef	highest;		/* live element with the highest level */
	int			highest_level;
	int64		live;
	BlockNumber nblocks;		/* the index's size when pass 1 began */
	HannoyVisited indegree;		/* live element -> its live layer-0 in-links */
	bool		indegree_off;	/* too many elements to count in memory */
	MemoryContext cxt;			/* reset after every page */
	MemoryContext long_cxt;		/* the whole bulkdelete */
} VacuumState;

/* indegree's state byte: the element itself was seen live; in-links, saturating */
#define INDEGREE_SEEN	0x80
#define INDEGREE_MAX	0x7f

static bool
is_deleted(VacuumState *vs, HannoyRef ref)
{
	return HannoyVisitedLookup(&vs->deleted, ref) != NULL;
}

/* HannoyValueSetsForget's callback */
static bool
gone_from_value_sets(void *arg, HannoyRef ref)
{
	return is_deleted((VacuumState *) arg, ref);
}

static void
remember_deleted(VacuumState *vs, HannoyRef ref)
{
	uint8	   *state;

	HannoyVisitedAdd(&vs->deleted, ref, &state);
	roaring_bitmap_add(vs->deleted_pages, (uint32) (ref >> 16));
}

/* Pass 1 over one page. */
static void
mark_page(VacuumState *vs, BlockNumber blkno, IndexBulkDeleteCallback callback,
		  void *callback_state)
{
	Relation	index = vs->index.index;
	Buffer		buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL,
										 vs->info->strategy);
	GenericXLogState *state;
	Page		page;
	bool		changed = false;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	if (!HannoyPageHoldsElements(index, BufferGetPage(buf), blkno, HannoyIndexIsPq(&vs->index)))
	{
		/* all-zero (being added, or left by a crash), or codebooks */
		UnlockReleaseBuffer(buf);
		return;
	}
	state = GenericXLogStart(index);
	page = GenericXLogRegisterBuffer(state, buf, 0);

	for (OffsetNumber off = FirstOffsetNumber; off <= PageGetMaxOffsetNumber(page); off++)
	{
		HannoyElementTuple tup = HannoyGetElement(&vs->index, page, blkno, off);
		ItemPointerData ref_tid;
		int			kept = 0;

		if (tup == NULL)
			continue;
		ItemPointerSet(&ref_tid, blkno, off);
		if (tup->flags & HANNOY_ELEMENT_DELETED)
		{
			/* left by an interrupted vacuum: finish the job */
			remember_deleted(vs, HannoyRefFromTid(&ref_tid));
			continue;
		}
		for (int i = 0; i < tup->nheaptids; i++)
		{
			if (callback(&tup->heaptids[i], callback_state))
				vs->stats->tuples_removed++;
			else
				tup->heaptids[kept++] = tup->heaptids[i];
		}
		if (kept != tup->nheaptids)
		{
			changed = true;
			for (int i = kept; i < HANNOY_HEAPTIDS; i++)
				ItemPointerSetInvalid(&tup->heaptids[i]);
			tup->nheaptids = kept;
			if (kept == 0)
			{
				tup->flags |= HANNOY_ELEMENT_DELETED;
				remember_deleted(vs, HannoyRefFromTid(&ref_tid));
				continue;
			}
		}
		vs->stats->num_index_tuples += kept;
		vs->live++;
		if (tup->level > vs->highest_level)
		{
			vs->highest_level = tup->level;
			vs->highest = HannoyRefFromTid(&ref_tid);
		}
	}
	if (changed)
		GenericXLogFinish(state);
	else
		GenericXLogAbort(state);
	UnlockReleaseBuffer(buf);
}

typedef struct RepairItem
{
	HannoyRef	ref;
	int			level;
	char	   *vector;
} RepairItem;

/*
 * New list for one layer of one element: its live neighbours, then the
 * nearest live neighbours of its deleted neighbours.
 */
static int
repair_list(VacuumState *vs, RepairItem *item, int layer, const HannoyRef *list,
			int n, HannoyRef *out)
{
	HannoyIndexInfo *info = &vs->index;
	int			slots = HANNOY_LAYER_SLOTS(info->m, layer);
	int			nout = 0;
	HannoyCandidate *cand = palloc(sizeof(HannoyCandidate) * n * 2 * HANNOY_MAX_M);
	int			ncand = 0;
	char	   *vec = palloc(info->vector_size);
	HannoyRef	second[2 * HANNOY_MAX_M];

	for (int i = 0; i < n; i++)
		if (!is_deleted(vs, list[i]))
			out[nout++] = list[i];

	for (int i = 0; i < n; i++)
	{
		int			n2;

		if (!is_deleted(vs, list[i]))
			continue;
		n2 = HannoyReadNeighbors(info, list[i], layer, second);
		for (int j = 0; j < n2; j++)
		{
			HannoyRef	r = second[j];
			bool		seen = r == item->ref || is_deleted(vs, r);
			int			level;
			uint8		flags;

			for (int k = 0; k < nout && !seen; k++)
				seen = out[k] == r;
			for (int k = 0; k < ncand && !seen; k++)
				seen = cand[k].ref == r;
			if (seen || !HannoyReadVector(info, r, vec, &level, &flags) ||
				(flags & HANNOY_ELEMENT_DELETED) || level < layer)
				continue;
			cand[ncand].ref = r;
			cand[ncand].distance = info->opclass->element_distance(info, item->vector, vec);
			ncand++;
		}
	}
	qsort(cand, ncand, sizeof(HannoyCandidate), HannoyCandidateCompare);
	for (int i = 0; i < ncand && nout < slots; i++)
		out[nout++] = cand[i].ref;
	pfree(cand);
	pfree(vec);
	return nout;
}

/*
 * Count what pass 2 sees: every live element, and its layer-0 links to
 * live elements (before and after repair), so that elements left with no
 * in-link -- unreachable by any search -- can be linked again.
 */
static void
count_element(VacuumState *vs, HannoyRef ref, bool itself)
{
	MemoryContext old;
	uint8	   *state;

	/*
	 * The counts take ~20 bytes an element (the hash at most half full):
	 * an index too large for maintenance_work_mem goes without them.
	 */
	if (vs->indegree_off)
		return;
	if ((Size) vs->indegree.count * 2 * (sizeof(HannoyRef) + 1) >
		(Size) maintenance_work_mem * 1024)
	{
		vs->indegree_off = true;
		return;
	}
	old = MemoryContextSwitchTo(vs->long_cxt);
	HannoyVisitedAdd(&vs->indegree, ref, &state);
	if (itself)
		*state |= INDEGREE_SEEN;
	else if ((*state & INDEGREE_MAX) < INDEGREE_MAX)
		(*state)++;
	MemoryContextSwitchTo(old);
}

/* Pass 2 over one page. */
static void
repair_page(VacuumState *vs, BlockNumber blkno)
{
	HannoyIndexInfo *info = &vs->index;
	Relation	index = info->index;
	Buffer		buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL,
										 vs->info->strategy);
	Page		page;
	RepairItem *items;
	int			nitems = 0;
	MemoryContext old = MemoryContextSwitchTo(vs->cxt);

	/* copy out the live elements that link to a deleted one */
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	if (!HannoyPageHoldsElements(index, page, blkno, HannoyIndexIsPq(&vs->index)))
	{
		UnlockReleaseBuffer(buf);
		MemoryContextSwitchTo(old);
		return;
	}
	items = palloc(sizeof(RepairItem) * (PageGetMaxOffsetNumber(page) + 1));
	for (OffsetNumber off = FirstOffsetNumber; off <= PageGetMaxOffsetNumber(page); off++)
	{
		HannoyElementTuple tup = HannoyGetElement(&vs->index, page, blkno, off);
		bool		needs = false;
		int			slots = tup ? HANNOY_NEIGHBOR_SLOTS(info->m, tup->level) : 0;
		ItemPointerData tid;

		if (tup == NULL || (tup->flags & HANNOY_ELEMENT_DELETED))
			continue;
		ItemPointerSet(&tid, blkno, off);
		count_element(vs, HannoyRefFromTid(&tid), true);
		for (int i = 0; i < HANNOY_LAYER_SLOTS(info->m, 0); i++)
			if (ItemPointerIsValid(&tup->neighbors[i]) &&
				!is_deleted(vs, HannoyRefFromTid(&tup->neighbors[i])))
				count_element(vs, HannoyRefFromTid(&tup->neighbors[i]), false);
		for (int i = 0; i < slots && !needs; i++)
			needs = ItemPointerIsValid(&tup->neighbors[i]) &&
				is_deleted(vs, HannoyRefFromTid(&tup->neighbors[i]));
		if (!needs)
			continue;
		items[nitems].ref = HannoyRefFromTid(&tid);
		items[nitems].level = tup->level;
		nitems++;
	}
	UnlockReleaseBuffer(buf);

	for (int i = 0; i < nitems; i++)
	{
		RepairItem *item = &items[i];
		int			level;
		uint8		flags;

		item->vector = palloc(info->vector_size);
		if (!HannoyReadVector(info, item->ref, item->vector, &level, &flags))
			continue;
		/* vectors of varying size: keep only what this one takes */
		if (info->opclass->stored_bytes)
			item->vector = repalloc(item->vector, HannoyVectorBytes(info, item->vector));
		for (int layer = 0; layer <= item->level; layer++)
		{
			for (int attempt = 0; attempt < 10; attempt++)
			{
				HannoyRef	list[2 * HANNOY_MAX_M];
				HannoyRef	repaired[2 * HANNOY_MAX_M];
				int			n = HannoyReadNeighbors(info, item->ref, layer, list);
				int			nrepaired;
				bool		any = false;

				for (int j = 0; j < n && !any; j++)
					any = is_deleted(vs, list[j]);
				if (!any)
					break;
				nrepaired = repair_list(vs, item, layer, list, n, repaired);
				if (HannoyReplaceNeighbors(info, item->ref, layer, list, n,
										   repaired, nrepaired))
				{
					/* the links repair added (it keeps the live ones) */
					for (int j = 0; j < nrepaired && layer == 0; j++)
					{
						bool		had = false;

						for (int k = 0; k < n && !had; k++)
							had = list[k] == repaired[j];
						if (!had)
							count_element(vs, repaired[j], false);
					}
					break;
				}
			}
		}
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(vs->cxt);
}

/*
 * Elements pass 2 saw live and no live element links to on layer 0 (their
 * in-links all came from deleted elements, and repair did not pick them):
 * no search could reach them.  Each is linked back from its own
 * neighbours, as an insert is.  Measured before: after ten rounds of
 * deleting and inserting 10% of 10000 rows (64-d, VACUUM each round), 11
 * live rows were not among the first 5000 rows of a scan for their own
 * vector.
 */
static void
relink_orphans(VacuumState *vs, HannoyRef entry)
{
	HannoyIndexInfo *info = &vs->index;
	HannoyVisited *in = &vs->indegree;
	char	   *vector = palloc(info->vector_size);
	HannoyDiskReader reader;
	HannoySearch search;

	if (vs->indegree_off)
		return;
	HannoyDiskReaderInit(&reader, info);
	HannoySearchInit(&search, info, vector, HannoyDiskVisit, &reader);
	for (uint32 j = 0; j <= in->mask; j++)
	{
		HannoyRef	ref = in->keys[j];
		HannoyRef	list[2 * HANNOY_MAX_M];
		int			n;
		int			level;
		uint8		flags;
		bool		linked = false;

		if (ref == HANNOY_INVALID_REF || in->state[j] != INDEGREE_SEEN || ref == entry)
			continue;
		vacuum_delay_point();
		HannoySearchReset(&search);
		if (!HannoyReadVector(info, ref, vector, &level, &flags) ||
			(flags & HANNOY_ELEMENT_DELETED))
			continue;
		n = HannoyReadNeighbors(info, ref, 0, list);
		for (int i = 0; i < n; i++)
			if (!is_deleted(vs, list[i]))
				linked |= HannoyLinkBack(info, &search, list[i], ref, vector, 0);
		if (!linked && n > 0)
			HannoyForceLink(info, list[0], ref);
	}
	pfree(vector);
}

/*
 * Remove the vector items of a removed element, first to last, one page at
 * a time: its chain holds `remaining` bytes of vector.  Nothing else links
 * to them, and no search reads them any more (a search reads them under a
 * share lock of the element's page, which pass 3 held exclusively to
 * remove it).  A chain that breaks (corruption) is followed no further.
 */
static void
free_vector_chain(VacuumState *vs, ItemPointerData tid, Size remaining)
{
	Relation	index = vs->index.index;

	while (remaining > 0)
	{
		BlockNumber vblk = ItemPointerGetBlockNumberNoCheck(&tid);
		OffsetNumber voff = ItemPointerGetOffsetNumberNoCheck(&tid);
		Buffer		buf;
		GenericXLogState *state;
		Page		vpage;
		Size		len;

		if (vblk >= vs->nblocks && vblk != InvalidBlockNumber)
			vs->nblocks = RelationGetNumberOfBlocks(index);
		if (vblk == HANNOY_METAPAGE_BLKNO || vblk >= vs->nblocks)
			return;
		buf = ReadBufferExtended(index, MAIN_FORKNUM, vblk, RBM_NORMAL, vs->info->strategy);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		HannoyCheckElementPage(index, BufferGetPage(buf), vblk);
		state = GenericXLogStart(index);
		vpage = GenericXLogRegisterBuffer(state, buf, 0);
		if (HannoyGetVectorPart(vpage, voff, remaining, &len, &tid) != NULL)
		{
			PageIndexTupleDeleteNoCompact(vpage, voff);
			PageSetHasFreeLinePointers(vpage);
			GenericXLogFinish(state);
			remaining -= len;
		}
		else
		{
			GenericXLogAbort(state);
			remaining = 0;
		}
		RecordPageWithFreeSpace(index, vblk, PageGetExactFreeSpace(BufferGetPage(buf)));
		UnlockReleaseBuffer(buf);
	}
}

/* Pass 3 over one page holding deleted elements. */
static void
free_page(VacuumState *vs, BlockNumber blkno)
{
	Relation	index = vs->index.index;
	Buffer		buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL,
										 vs->info->strategy);
	GenericXLogState *state;
	Page		page;
	ItemPointerData *vectors;
	Size	   *remaining;		/* bytes of vector each chain holds */
	int			nvectors = 0;
	bool		changed = false;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	HannoyCheckElementPage(index, BufferGetPage(buf), blkno);
	state = GenericXLogStart(index);
	page = GenericXLogRegisterBuffer(state, buf, 0);
	vectors = palloc(sizeof(ItemPointerData) * (PageGetMaxOffsetNumber(page) + 1));
	remaining = palloc(sizeof(Size) * (PageGetMaxOffsetNumber(page) + 1));
	for (OffsetNumber off = PageGetMaxOffsetNumber(page); off >= FirstOffsetNumber; off--)
	{
		HannoyElementTuple tup = HannoyGetElement(&vs->index, page, blkno, off);
		Size		inline_bytes;
		Size		vsize;

		if (tup == NULL || !(tup->flags & HANNOY_ELEMENT_DELETED))
			continue;
		inline_bytes = HannoyElementInlineBytes(tup, ItemIdGetLength(PageGetItemId(page, off)),
												vs->index.m);
		/* a vector whose size is wrong leaves its items behind */
		vsize = HannoyElementVectorBytes(&vs->index, tup, inline_bytes);
		if ((tup->flags & HANNOY_ELEMENT_EXTERNAL) && vsize > 0 &&
			HannoyElementInlineValid(tup, inline_bytes, vsize))
		{
			vectors[nvectors] = tup->vector_tid;
			remaining[nvectors++] = vsize - inline_bytes;
		}
		PageIndexTupleDeleteNoCompact(page, off);
		changed = true;
	}
	if (changed)
	{
		PageSetHasFreeLinePointers(page);
		GenericXLogFinish(state);
	}
	else
		GenericXLogAbort(state);
	RecordPageWithFreeSpace(index, blkno, PageGetExactFreeSpace(BufferGetPage(buf)));
	UnlockReleaseBuffer(buf);

	/* then the vector items of the removed elements, one page at a time */
	for (int i = 0; i < nvectors; i++)
		free_vector_chain(vs, vectors[i], remaining[i]);
	pfree(vectors);
	pfree(remaining);
}

/*
 * An index that held no live element in pass 1 may now hold none at all:
 * then it forgets its dimensions, and the next vector inserted sets them
 * again (a column without a typmod may take vectors of another dimension
 * once every row of the old one is gone).  Checked page by page under
 * HANNOY_UPDATE_LOCK, so no insert adds an element meanwhile.
 */
static void
forget_dimensions_if_empty(VacuumState *vs)
{
	Relation	index = vs->index.index;
	HannoyMetaPageData meta;
	bool		empty = true;

	LockPage(index, HANNOY_UPDATE_LOCK, ExclusiveLock);
	meta = HannoyReadMeta(index);
	if (HannoyMetaDimensions(&meta) == 0 || ItemPointerIsValid(&meta.entry))
		empty = false;
	for (BlockNumber blkno = HANNOY_METAPAGE_BLKNO + 1;
		 empty && blkno < RelationGetNumberOfBlocks(index); blkno++)
	{
		Buffer		buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL,
											 vs->info->strategy);
		Page		page;

		vacuum_delay_point();
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (HannoyPageHoldsElements(index, page, blkno, HannoyIndexIsPq(&vs->index)))
			for (OffsetNumber off = FirstOffsetNumber;
				 empty && off <= PageGetMaxOffsetNumber(page); off++)
				empty = !ItemIdIsUsed(PageGetItemId(page, off));
		UnlockReleaseBuffer(buf);
	}
	if (empty)
	{
		HannoyMetaChange change;
		HannoyMetaPage mp = HannoyBeginMetaChange(index, &change);

		HannoyMetaSetDimensions(mp, 0);
		if (mp->storage == HANNOY_STORAGE_PQ)
		{
			/* codebooks of other dimensions are no use: train again */
			mp->pq_m = HannoyOptionPqM(index);
			mp->codebook = InvalidBlockNumber;
			mp->trained_on = 0;
		}
		HannoyFinishMetaChange(&change, true);
	}
	UnlockPage(index, HANNOY_UPDATE_LOCK, ExclusiveLock);
}

static void
set_element_count(Relation index, int64 live)
{
	HannoyMetaChange change;

	HannoyBeginMetaChange(index, &change)->elements = live;
	HannoyFinishMetaChange(&change, true);
}

IndexBulkDeleteResult *
hannoybulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
				 IndexBulkDeleteCallback callback, void *callback_state)
{
	Relation	index = info->index;
	VacuumState vs;
	BlockNumber nblocks;
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "hannoy vacuum",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	HannoyMetaPageData meta;
	roaring_uint32_iterator_t *it;

	if (stats == NULL)
		stats = MemoryContextAllocZero(old, sizeof(IndexBulkDeleteResult));

	memset(&vs, 0, sizeof(vs));
	vs.info = info;
	vs.stats = stats;
	HannoyInitIndexInfo(&vs.index, index);
	meta = HannoyReadMeta(index);
	HannoyIndexInfoFromMeta(&vs.index, &meta);
	HannoyVisitedInit(&vs.deleted, 1024);
	vs.deleted_pages = roaring_bitmap_create();
	vs.highest = HANNOY_INVALID_REF;
	vs.highest_level = -1;
	vs.cxt = AllocSetContextCreate(cxt, "hannoy vacuum page", ALLOCSET_DEFAULT_SIZES);
	vs.long_cxt = cxt;
	HannoyVisitedInit(&vs.indegree, 1024);

	/* 1. mark */
	stats->num_index_tuples = 0;
	nblocks = vs.nblocks = RelationGetNumberOfBlocks(index);
	for (BlockNumber blkno = HANNOY_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++)
	{
		vacuum_delay_point();
		mark_page(&vs, blkno, callback, callback_state);
	}

	if (!roaring_bitmap_is_empty(vs.deleted_pages))
	{
		/* wait for inserts that may link to what was just marked */
		LockPage(index, HANNOY_UPDATE_LOCK, ExclusiveLock);
		UnlockPage(index, HANNOY_UPDATE_LOCK, ExclusiveLock);

		/* 2. repair (pages added since pass 1 hold no links to marked elements) */
		for (BlockNumber blkno = HANNOY_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++)
		{
			vacuum_delay_point();
			repair_page(&vs, blkno);
		}

		/* entry point */
		LockPage(index, HANNOY_UPDATE_LOCK, ExclusiveLock);
		meta = HannoyReadMeta(index);
		if (ItemPointerIsValid(&meta.entry) &&
			is_deleted(&vs, HannoyRefFromTid(&meta.entry)))
			HannoySetEntryPoint(index, vs.highest, vs.highest_level, false);
		meta = HannoyReadMeta(index);
		UnlockPage(index, HANNOY_UPDATE_LOCK, ExclusiveLock);

		/* 2b. elements nothing links to any more */
		relink_orphans(&vs, ItemPointerIsValid(&meta.entry) ?
					   HannoyRefFromTid(&meta.entry) : HANNOY_INVALID_REF);

		/* 2c. value sets: before the items go, and another element may take a TID */
		HannoyValueSetsForget(&vs.index, gone_from_value_sets, &vs, info->strategy);

		/* 3. free */
		it = roaring_create_iterator(vs.deleted_pages);
		while (it->has_value)
		{
			vacuum_delay_point();
			free_page(&vs, it->current_value);
			roaring_advance_uint32_iterator(it);
		}
		roaring_free_uint32_iterator(it);
	}
	roaring_bitmap_free(vs.deleted_pages);

	if (vs.live == 0)
		forget_dimensions_if_empty(&vs);
	set_element_count(index, vs.live);
	stats->num_pages = RelationGetNumberOfBlocks(index);
	stats->estimated_count = false;

	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return stats;
}

IndexBulkDeleteResult *
hannoyvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	if (info->analyze_only)
		return stats;
	if (stats == NULL)
	{
		/* no bulkdelete ran: report the count from the metapage */
		HannoyMetaPageData meta = HannoyReadMeta(info->index);

		stats = palloc0(sizeof(IndexBulkDeleteResult));
		stats->num_index_tuples = meta.elements;
		stats->estimated_count = true;
	}
	stats->num_pages = RelationGetNumberOfBlocks(info->index);
	IndexFreeSpaceMapVacuum(info->index);
	return stats;
}

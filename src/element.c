/*-------------------------------------------------------------------------
 *
 * element.c
 *	  Elements on index pages: visiting them for a search, reading their
 *	  heap TIDs, vectors and neighbour lists, and every change to them after
 *	  the build, each WAL-logged with Generic WAL.
 *
 * Locking: a reader holds a share lock on the element's page while it
 * computes the distance and copies what it needs, plus, one at a time, a
 * share lock on the page of each item holding the rest of an external
 * vector.  A writer holds an exclusive lock on one page at a time and never
 * waits for another buffer lock while holding it.  Elements are written
 * before anything links to them, and external vector items before their
 * elements (a chain from its end).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/generic_xlog.h"
#include "storage/buf_internals.h"
#include "storage/bufmgr.h"
#include "storage/freespace.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "attrs.h"
#include "element.h"

static inline BlockNumber
ref_block(HannoyRef ref)
{
	return (BlockNumber) (ref >> 16);
}

static inline OffsetNumber
ref_offset(HannoyRef ref)
{
	return (OffsetNumber) (ref & 0xffff);
}

/* The layer's list: first slot and length; -1 if the element has no such layer. */
static inline int
layer_slots(const HannoyElementTuple tup, int m, int layer, int *first)
{
	if (layer > tup->level)
		return -1;
	*first = HANNOY_LAYER_START(m, layer);
	return HANNOY_LAYER_SLOTS(m, layer);
}

static int
list_refs(const HannoyElementTuple tup, int m, int layer, HannoyRef *out)
{
	int			first;
	int			slots = layer_slots(tup, m, layer, &first);
	int			n = 0;

	if (slots < 0)
		return -1;
	while (n < slots && ItemPointerIsValid(&tup->neighbors[first + n]))
	{
		out[n] = HannoyRefFromTid(&tup->neighbors[first + n]);
		n++;
	}
	return n;
}

/*
 * Run fn over the vector of a share-locked element: in place when it is
 * wholly inline or wholly in one vector item; otherwise its parts -- the
 * bytes inline, then the vector parts and item of its chain, each read
 * under a share lock of its page -- are joined in a scratch copy first.
 */
typedef void (*VectorFn) (const void *vector, void *arg);

static Buffer read_hinted(Relation index, BlockNumber blkno);

/* where with_vector joins a vector (as large as the largest read so far) */
static char *joined = NULL;
static Size joined_size = 0;

/*
 * The bytes of an element's vector: the index's size, or for vectors of
 * varying size what their head (inline: HannoyElementHeadBytes) says; 0
 * when that head is missing or says what no vector of the index can be.
 */
Size
HannoyElementVectorBytes(const HannoyIndexInfo *info, const HannoyElementTupleData *tup,
						 Size inline_bytes)
{
	Size		bytes;

	if (!info->opclass->stored_bytes)
		return info->vector_size;
	if (inline_bytes < HANNOY_VECTOR_HEAD_BYTES)
		return 0;
	bytes = info->opclass->stored_bytes(info, HannoyElementVector(tup, info->m));
	if (bytes < HANNOY_VECTOR_HEAD_BYTES || bytes > info->vector_size)
		return 0;
	return bytes;
}

static Size
element_vector_bytes(HannoyIndexInfo *info, BlockNumber blkno, OffsetNumber off,
					 HannoyElementTuple tup, Size inline_bytes)
{
	Size		bytes = HannoyElementVectorBytes(info, tup, inline_bytes);

	if (bytes == 0)
		HannoyElementCorrupted(info->index, blkno, off, "vector has the wrong size");
	return bytes;
}

static void
with_vector(HannoyIndexInfo *info, Page page, BlockNumber blkno, OffsetNumber off,
			HannoyElementTuple tup, VectorFn fn, void *arg)
{
	char	   *head = HannoyElementVector(tup, info->m);
	Size		inline_bytes = HannoyElementInlineBytes(tup, ItemIdGetLength(PageGetItemId(page, off)),
														info->m);
	Size		vsize = element_vector_bytes(info, blkno, off, tup, inline_bytes);
	Size		done = inline_bytes;
	ItemPointerData vtid = tup->vector_tid;

	if (!HannoyElementInlineValid(tup, inline_bytes, vsize))
		HannoyElementCorrupted(info->index, blkno, off, "vector has the wrong size");
	if (!(tup->flags & HANNOY_ELEMENT_EXTERNAL))
	{
		fn(head, arg);
		return;
	}
	if (joined_size < vsize)
	{
		Size		size = Max(vsize, HANNOY_MAX_DIMENSIONS * sizeof(float4));

		if (joined)
			pfree(joined);
		/* nothing dangles if the allocation fails */
		joined = NULL;
		joined_size = 0;
		joined = MemoryContextAlloc(TopMemoryContext, size);
		joined_size = size;
	}
	memcpy(joined, head, inline_bytes);
	while (done < vsize)
	{
		BlockNumber vblk = ItemPointerGetBlockNumberNoCheck(&vtid);
		Buffer		vbuf = InvalidBuffer;
		Page		vpage = page;
		const char *data;
		Size		len;

		if (vblk != blkno)
		{
			/* the page's special space is not checked: one more cache miss */
			vbuf = read_hinted(info->index, vblk);
			LockBuffer(vbuf, BUFFER_LOCK_SHARE);
			vpage = BufferGetPage(vbuf);
		}
		data = HannoyGetVectorPart(vpage, ItemPointerGetOffsetNumberNoCheck(&vtid),
								   vsize - done, &len, &vtid);
		if (data == NULL)
			HannoyElementCorrupted(info->index, blkno, off, "vector item is missing");
		if (len == vsize)
		{
			/* all of it in one vector item: no copy */
			fn(data, arg);
			if (BufferIsValid(vbuf))
				UnlockReleaseBuffer(vbuf);
			return;
		}
		memcpy(joined + done, data, len);
		done += len;
		if (BufferIsValid(vbuf))
			UnlockReleaseBuffer(vbuf);
	}
	fn(joined, arg);
}

typedef struct VisitArgs
{
	HannoySearch *search;
	HannoyCandidate *c;
} VisitArgs;

static void
visit_distance(const void *vector, void *arg)
{
	VisitArgs  *a = arg;

	a->c->distance = a->search->opclass->query_distance(a->search->info,
														a->search->query, vector);
	if (a->search->keep_vectors)
		HannoySearchKeepVector(a->search, a->c, vector);
}

/*
 * Buffer hints: for the index read last in this backend, the buffer each of
 * its blocks was last found in.  ReadRecentBuffer pins a hinted buffer
 * after checking that it still holds the block, skipping the shared buffer
 * mapping lookup (13% of a query's time on Fashion-MNIST); a stale hint
 * just falls back to ReadBuffer.
 */
static RelFileNode hint_node;
static Buffer *hints = NULL;
static BlockNumber nhints = 0;
static BlockNumber hint_nblocks = 0;	/* the index's size when last looked at */

/*
 * A block number read from a page names an element page of the index: not
 * the metapage, not InvalidBlockNumber (P_NEW to ReadBuffer), and below the
 * relation's size.  The size is looked up again only when a block seems to
 * be past it (the index may have grown).
 */
static void
check_element_block(Relation index, BlockNumber blkno)
{
	if (blkno != HANNOY_METAPAGE_BLKNO && blkno < hint_nblocks)
		return;
	if (blkno != HANNOY_METAPAGE_BLKNO && blkno != InvalidBlockNumber)
		hint_nblocks = RelationGetNumberOfBlocks(index);
	if (blkno == HANNOY_METAPAGE_BLKNO || blkno >= hint_nblocks)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" refers to block %u, which is not an element page",
						RelationGetRelationName(index), blkno),
				 errdetail("The index has %u blocks; block 0 is its metapage.",
						   hint_nblocks),
				 errhint("REINDEX the index.")));
}

static Buffer
read_hinted(Relation index, BlockNumber blkno)
{
	Buffer		buf;

	if (hints == NULL || !RelFileNodeEquals(hint_node, index->rd_node))
	{
		if (hints != NULL)
			pfree(hints);
		hints = NULL;
		nhints = 0;
		hint_nblocks = 0;
		hint_node = index->rd_node;
	}
	/* a hint exists only for a block read before: it is a valid one */
	if (blkno < nhints && BufferIsValid(hints[blkno]) &&
		ReadRecentBuffer(index->rd_node, MAIN_FORKNUM, blkno, hints[blkno]))
		return hints[blkno];

	check_element_block(index, blkno);
	buf = ReadBuffer(index, blkno);
	if (blkno >= nhints)
	{
		BlockNumber n = Max(1024, Max(blkno + 1, nhints * 2));

		if (hints == NULL)
			hints = MemoryContextAllocZero(TopMemoryContext, sizeof(Buffer) * n);
		else
		{
			hints = repalloc(hints, sizeof(Buffer) * n);
			memset(hints + nhints, 0, sizeof(Buffer) * (n - nhints));
		}
		nhints = n;
	}
	hints[blkno] = buf;
	return buf;
}

void
HannoyDiskReaderInit(HannoyDiskReader *reader, HannoyIndexInfo *info)
{
	reader->info = info;
	reader->filter = NULL;
}

/*
 * graph.c's prefetch callback: start fetching what the coming visits read
 * first -- each buffer's descriptor (pinning is an atomic operation on it,
 * and atomics do not overlap their cache misses), the line pointer, then
 * the item and the start of its vector -- so that the cache misses of all
 * of them overlap.
 *
 * Nothing is pinned here: a buffer's page address follows from its number,
 * so the buffers the hints name are read as they are, without a pin or a
 * lock, and only to choose what to prefetch; a stale hint or a line
 * pointer changing meanwhile just prefetches the wrong lines.  Each visit
 * then pins its own buffer.  (Pinning a whole neighbour list ahead, as
 * before, held up to 2m pins at once; PostgreSQL tracks 8 cheaply and the
 * rest in a hash table.)
 */
/* items up to this long are prefetched whole */
#define SHORT_ITEM	(8 * 64)

void
HannoyDiskPrefetch(HannoySearch *search, const HannoyRef *refs, int n)
{
	HannoyDiskReader *r = search->visit_arg;
	Buffer		bufs[HANNOY_MAX_VISIT_NEIGHBORS];

	if (hints == NULL || !RelFileNodeEquals(hint_node, r->info->index->rd_node))
		return;
	for (int i = 0; i < n; i++)
	{
		BlockNumber blkno = ref_block(refs[i]);

		bufs[i] = (blkno < nhints && hints[blkno] > 0) ? hints[blkno] : InvalidBuffer;
		if (BufferIsValid(bufs[i]))
		{
			__builtin_prefetch(GetBufferDescriptor(bufs[i] - 1), 1);
			__builtin_prefetch(PageGetItemId(BufferGetPage(bufs[i]), ref_offset(refs[i])));
		}
	}
	for (int i = 0; i < n; i++)
	{
		Page		page;
		uint32		off;
		uint32		len;
		uint32		lines;

		if (!BufferIsValid(bufs[i]))
			continue;
		page = BufferGetPage(bufs[i]);
		/* a corrupted offset must not read past the page */
		if (ref_offset(refs[i]) < FirstOffsetNumber ||
			ref_offset(refs[i]) > (BLCKSZ - SizeOfPageHeaderData) / sizeof(ItemIdData))
			continue;
		off = ItemIdGetOffset(PageGetItemId(page, ref_offset(refs[i])));
		len = ItemIdGetLength(PageGetItemId(page, ref_offset(refs[i])));
		/* a short item (a PQ code's) whole; else its first 4 lines */
		lines = len <= SHORT_ITEM ? (len + 63) / 64 : 4;
		if (off > 0 && off + lines * 64 <= BLCKSZ)
			for (uint32 line = 0; line < lines; line++)
				__builtin_prefetch((char *) page + off + line * 64);
	}
}

/* Whether a (share-locked) element meets the reader's scan conditions. */
static bool
element_matches(HannoyDiskReader *reader, HannoyElementTuple tup, BlockNumber blkno,
				OffsetNumber off)
{
	bool		matches;
	const char *corrupt = HannoyFilterMatches(reader->filter,
											  HannoyElementAttrs(tup, reader->info->m),
											  &matches);

	if (corrupt != NULL)
		HannoyElementCorrupted(reader->info->index, blkno, off, corrupt);
	return matches;
}

/*
 * graph.c's visit callback for graphs on index pages; arg is a
 * HannoyDiskReader.
 */
bool
HannoyDiskVisit(HannoySearch *search, HannoyRef ref, int layer, float bound,
				HannoyCandidate *c)
{
	HannoyDiskReader *reader = search->visit_arg;
	HannoyIndexInfo *info = reader->info;
	BlockNumber blkno = ref_block(ref);
	Buffer		buf;
	Page		page;
	HannoyElementTuple tup;
	VisitArgs	args = {search, c};

	buf = read_hinted(info->index, blkno);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	tup = HannoyGetElement(info, page, blkno, ref_offset(ref));
	if (tup == NULL)
	{
		UnlockReleaseBuffer(buf);
		return false;
	}
	c->deleted = (tup->flags & HANNOY_ELEMENT_DELETED) != 0;

	/* one that fails and is too many hops away: no distance (graph.h) */
	if (search->cut_inadmissible && reader->filter != NULL)
	{
		if (c->deleted || !element_matches(reader, tup, blkno, ref_offset(ref)))
		{
			c->deleted = true;
			c->distance = search->cut_distance;
			UnlockReleaseBuffer(buf);
			return true;
		}
	}
	with_vector(info, page, blkno, ref_offset(ref), tup, visit_distance, &args);

	/*
	 * An element that fails the scan's conditions routes the search like a
	 * deleted one and is never returned.  Checked only when it matters:
	 * within the bound, or parked for an iterative scan.
	 */
	if (reader->filter != NULL && !c->deleted && !search->cut_inadmissible &&
		(c->distance < bound || search->keep_discarded))
		c->deleted = !element_matches(reader, tup, blkno, ref_offset(ref));
	if (c->distance < bound)
	{
		HannoyRef	refs[HANNOY_MAX_VISIT_NEIGHBORS];
		int			n = list_refs(tup, info->m, layer, refs);

		/*
		 * A filtered scan on layer 0 follows the element's upper-layer
		 * links too: they reach farther.  Where the elements that match lie
		 * away from the query (another cluster), a layer-0 walk alone can
		 * stay in the query's cluster: its lists may all point inside it.
		 */
		if (layer == 0 && reader->filter != NULL)
			for (int upper = 1; upper <= tup->level; upper++)
				n += list_refs(tup, info->m, upper, refs + n);

		if (n > 0)
			HannoySearchAddNeighbors(search, c, refs, n);
	}
	else if (c->vector >= 0)
	{
		/* not kept after all: give the arena slot back */
		search->vectors_used--;
		/* vectors of varying size: their bytes too (the slot was the last) */
		if (search->vector_offsets)
			search->arena_used = search->vector_offsets[search->vectors_used];
		c->vector = -1;
	}
	UnlockReleaseBuffer(buf);
	return true;
}

/* Heap TIDs of a live element; 0 if it is gone or deleted. */
int
HannoyReadHeapTids(HannoyIndexInfo *info, HannoyRef ref, ItemPointerData *tids)
{
	Buffer		buf = read_hinted(info->index, ref_block(ref));
	HannoyElementTuple tup;
	int			n = 0;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	tup = HannoyGetElement(info, BufferGetPage(buf), ref_block(ref), ref_offset(ref));
	if (tup != NULL && !(tup->flags & HANNOY_ELEMENT_DELETED))
	{
		n = tup->nheaptids;
		memcpy(tids, tup->heaptids, sizeof(ItemPointerData) * n);
	}
	UnlockReleaseBuffer(buf);
	return n;
}

typedef struct CopyArgs
{
	void	   *out;
	const HannoyIndexInfo *info;
} CopyArgs;

static void
copy_vector(const void *vector, void *arg)
{
	CopyArgs   *a = arg;

	memcpy(a->out, vector, HannoyVectorBytes(a->info, vector));
}

/*
 * Call fn on an element's vector, in place on its page (share-locked for
 * the call); false if the element is gone.
 */
bool
HannoyWithVector(HannoyIndexInfo *info, HannoyRef ref,
				 void (*fn) (const void *vector, void *arg), void *arg)
{
	Buffer		buf = read_hinted(info->index, ref_block(ref));
	Page		page;
	HannoyElementTuple tup;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	tup = HannoyGetElement(info, page, ref_block(ref), ref_offset(ref));
	if (tup != NULL)
		with_vector(info, page, ref_block(ref), ref_offset(ref), tup, fn, arg);
	UnlockReleaseBuffer(buf);
	return tup != NULL;
}

/* Copy an element's vector, level and flags; false if it is gone. */
bool
HannoyReadVector(HannoyIndexInfo *info, HannoyRef ref, void *out, int *level,
				 uint8 *flags)
{
	Buffer		buf = read_hinted(info->index, ref_block(ref));
	Page		page;
	HannoyElementTuple tup;
	CopyArgs	args = {out, info};

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	tup = HannoyGetElement(info, page, ref_block(ref), ref_offset(ref));
	if (tup != NULL)
	{
		*level = tup->level;
		*flags = tup->flags;
		with_vector(info, page, ref_block(ref), ref_offset(ref), tup, copy_vector, &args);
	}
	UnlockReleaseBuffer(buf);
	return tup != NULL;
}

/* An element's neighbours on layer; -1 if it is gone or has no such layer. */
int
HannoyReadNeighbors(HannoyIndexInfo *info, HannoyRef ref, int layer, HannoyRef *out)
{
	Buffer		buf = read_hinted(info->index, ref_block(ref));
	HannoyElementTuple tup;
	int			n = -1;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	tup = HannoyGetElement(info, BufferGetPage(buf), ref_block(ref), ref_offset(ref));
	if (tup != NULL)
		n = list_refs(tup, info->m, layer, out);
	UnlockReleaseBuffer(buf);
	return n;
}

/*
 * Lock an element's page exclusively and register it for Generic WAL;
 * returns the element in the registered copy, or NULL (nothing held) if
 * the element is gone.
 */
static HannoyElementTuple
begin_element_change(HannoyIndexInfo *info, HannoyRef ref, Buffer *buf,
					 GenericXLogState **state)
{
	Page		page;
	HannoyElementTuple tup;

	*buf = read_hinted(info->index, ref_block(ref));
	LockBuffer(*buf, BUFFER_LOCK_EXCLUSIVE);
	HannoyCheckElementPage(info->index, BufferGetPage(*buf), ref_block(ref));
	tup = HannoyGetElement(info, BufferGetPage(*buf), ref_block(ref), ref_offset(ref));
	if (tup == NULL)
	{
		UnlockReleaseBuffer(*buf);
		return NULL;
	}
	*state = GenericXLogStart(info->index);
	page = GenericXLogRegisterBuffer(*state, *buf, 0);
	return (HannoyElementTuple) PageGetItem(page, PageGetItemId(page, ref_offset(ref)));
}

static void
finish_element_change(Buffer buf, GenericXLogState *state, bool changed)
{
	if (changed)
		GenericXLogFinish(state);
	else
		GenericXLogAbort(state);
	UnlockReleaseBuffer(buf);
}

/*
 * Replace an element's list on layer, if it still holds exactly `expected`.
 * Returns false when the list changed meanwhile (the caller recomputes) or
 * the element is gone.
 */
bool
HannoyReplaceNeighbors(HannoyIndexInfo *info, HannoyRef ref, int layer,
					   const HannoyRef *expected, int nexpected,
					   const HannoyRef *replacement, int nreplacement)
{
	Buffer		buf;
	GenericXLogState *state;
	HannoyElementTuple tup = begin_element_change(info, ref, &buf, &state);
	HannoyRef	current[2 * HANNOY_MAX_M];
	int			n;
	int			first;
	int			slots;

	if (tup == NULL)
		return false;
	n = list_refs(tup, info->m, layer, current);
	if (n != nexpected || memcmp(current, expected, sizeof(HannoyRef) * n) != 0)
	{
		finish_element_change(buf, state, false);
		return false;
	}
	slots = layer_slots(tup, info->m, layer, &first);
	for (int i = 0; i < slots; i++)
	{
		if (i < nreplacement)
			HannoyRefToTid(replacement[i], &tup->neighbors[first + i]);
		else
			ItemPointerSetInvalid(&tup->neighbors[first + i]);
	}
	finish_element_change(buf, state, true);
	return true;
}

/*
 * Add newref to an element's list on layer if there is a free slot.
 * Returns true if it is (now) in the list; *full is set when the list had
 * no room (the caller prunes it and replaces the list).
 */
bool
HannoyAppendNeighbor(HannoyIndexInfo *info, HannoyRef ref, int layer,
					 HannoyRef newref, bool *full)
{
	Buffer		buf;
	GenericXLogState *state;
	HannoyElementTuple tup = begin_element_change(info, ref, &buf, &state);
	int			first;
	int			slots;

	*full = false;
	if (tup == NULL)
		return false;
	slots = layer_slots(tup, info->m, layer, &first);
	for (int i = 0; i < slots; i++)
	{
		ItemPointer slot = &tup->neighbors[first + i];

		if (!ItemPointerIsValid(slot))
		{
			HannoyRefToTid(newref, slot);
			finish_element_change(buf, state, true);
			return true;
		}
		if (HannoyRefFromTid(slot) == newref)
		{
			finish_element_change(buf, state, false);
			return true;		/* already linked */
		}
	}
	/* every slot taken (or no such layer) */
	*full = slots > 0;
	finish_element_change(buf, state, false);
	return false;
}

/* Whether a (checked) element's attribute area holds exactly these bytes. */
static bool
same_attrs(HannoyElementTuple tup, int m, const char *attrs, Size attrs_size)
{
	HannoyAttrsHeader area = HannoyElementAttrs(tup, m);

	if (area == NULL)
		return attrs_size == 0;
	return area->size == attrs_size && memcmp(area, attrs, attrs_size) == 0;
}

/*
 * Add a duplicate's heap TID to an element holding the same vector and the
 * same attribute values.
 */
bool
HannoyAddHeapTid(HannoyIndexInfo *info, HannoyRef ref, const void *vector,
				 const char *attrs, Size attrs_size, ItemPointer heaptid)
{
	Buffer		buf;
	GenericXLogState *state;
	HannoyElementTuple tup = begin_element_change(info, ref, &buf, &state);
	bool		added = false;
	Size		vsize = HannoyVectorBytes(info, vector);

	if (tup == NULL)
		return false;
	if (!(tup->flags & (HANNOY_ELEMENT_DELETED | HANNOY_ELEMENT_EXTERNAL)) &&
		tup->nheaptids < HANNOY_HEAPTIDS &&
		same_attrs(tup, info->m, attrs, attrs_size) &&
		HannoyElementInlineBytes(tup, ItemIdGetLength(PageGetItemId(BufferGetPage(buf),
																	 ref_offset(ref))),
								 info->m) == vsize &&
		memcmp(HannoyElementVector(tup, info->m), vector, vsize) == 0)
	{
		tup->heaptids[tup->nheaptids++] = *heaptid;
		added = true;
	}
	finish_element_change(buf, state, added);
	return added;
}

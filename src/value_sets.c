/*-------------------------------------------------------------------------
 *
 * value_sets.c
 *	  Value set pages (page.h): written by the build after the elements,
 *	  appended to by inserts, read by scans, trimmed by vacuum, checked by
 *	  hannoy_verify.
 *
 * Buckets: the build chooses their number from its entries (a head page
 * half full on average) and writes each bucket's entries on its head page
 * and, beyond one page, on a chain of pages after all the heads.  The
 * number never changes: an index that grows much past its build has long
 * chains (REINDEX makes them short again).
 *
 * Locking: a bucket's head page lock is its mutex.  An append locks the
 * head page exclusively, then the chain's page that takes the entry (the
 * head page names it), and a new page at the end if that one is full.
 * Vacuum locks the head page exclusively, then each page of the chain in
 * turn, and removes entries in place: an entry never moves to another
 * page.  A lookup share-locks one page at a time.  So a lookup that read a
 * page before an append to it missed only that entry, which belongs to a
 * transaction still in progress when the scan began, and none it should
 * see.  Every change is logged with Generic WAL, one page at a time
 * (an append to a new page: the new page and the page linking to it).
 *
 * Vacuum removes the entries of the elements it deletes before it frees
 * their items (vacuum.c), so an entry never names a freed item, nor
 * another element that took its place.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/generic_xlog.h"
#include "commands/vacuum.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/rel.h"

#include "build.h"
#include "value_sets.h"

static void
value_pages_corrupted(Relation index, BlockNumber blkno, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INDEX_CORRUPTED),
			 errmsg("index \"%s\" has an invalid value set page at block %u",
					RelationGetRelationName(index), blkno),
			 errdetail_internal("%s", what),
			 errhint("REINDEX the index.")));
}

static void
init_value_page(Page page)
{
	HannoyValuePage vp;

	HannoyInitPage(page, HANNOY_PAGE_VALUES);
	vp = HannoyPageGetValues(page);
	vp->next = InvalidBlockNumber;
	vp->append = InvalidBlockNumber;
	vp->nentries = 0;
}

/* The page's contents end after its entries; the rest is the hole. */
static void
set_value_page_end(Page page)
{
	HannoyValuePage vp = HannoyPageGetValues(page);

	((PageHeader) page)->pd_lower =
		(char *) &vp->entries[vp->nentries] - (char *) page;
}

static void
put_entry(HannoyValuePage vp, uint32 key, HannoyRef ref)
{
	HannoyValueEntryData *e = &vp->entries[vp->nentries++];

	e->key_hi = key >> 16;
	e->key_lo = key & 0xffff;
	HannoyRefToTid(ref, &e->element);
}

/* A locked page of a bucket's chain, checked; its values. */
static HannoyValuePage
get_value_page(Relation index, Buffer buf)
{
	Page		page = BufferGetPage(buf);
	HannoyValuePage vp;

	if (!HannoyPageIsHannoy(page) || HannoyPageGetOpaque(page)->flags != HANNOY_PAGE_VALUES)
		value_pages_corrupted(index, BufferGetBlockNumber(buf), "It is not a value set page.");
	vp = HannoyPageGetValues(page);
	if (vp->nentries > HANNOY_VALUE_PAGE_ENTRIES)
		value_pages_corrupted(index, BufferGetBlockNumber(buf),
							  psprintf("It claims %u entries.", vp->nentries));
	return vp;
}

/* Where a chain goes on: a block of the index past the metapage, or invalid. */
static BlockNumber
checked_next(Relation index, BlockNumber from, BlockNumber next, BlockNumber *nblocks)
{
	if (next == InvalidBlockNumber)
		return next;
	if (next >= *nblocks)
		*nblocks = RelationGetNumberOfBlocks(index);
	if (next == HANNOY_METAPAGE_BLKNO || next >= *nblocks)
		value_pages_corrupted(index, from, psprintf("It links to block %u.", next));
	return next;
}

static int
compare_blocks(const void *a, const void *b)
{
	BlockNumber x = *(const BlockNumber *) a;
	BlockNumber y = *(const BlockNumber *) b;

	return (x > y) - (x < y);
}

static BlockNumber
bucket_head(const HannoyIndexInfo *info, uint32 key)
{
	return info->value_sets + key % info->value_buckets;
}

/* --- the build ------------------------------------------------------------ */

/*
 * Write the value sets of a built graph after its last page, and name them
 * in the metapage (both to be logged with the rest of the build).
 */
void
HannoyBuildValueSets(BuildGraph *g, Relation index, const ItemPointerData *loc)
{
	const HannoyAttrs *attrs = g->stored.attrs;
	HannoyValueEntry *entries;
	HannoyValueEntry *sorted;
	int64		nentries = 0;
	int64		capacity = Max(g->count, 16);
	uint32		buckets = HANNOY_MIN_VALUE_BUCKETS;
	int64	   *starts;
	BlockNumber first = RelationGetNumberOfBlocks(index);
	BlockNumber overflow;
	Buffer		metabuf;
	HannoyMetaPage meta;

	if (!HannoyAttrsHaveKeys(attrs))
		return;
	entries = palloc_extended(sizeof(HannoyValueEntry) * capacity, MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < g->count; i++)
	{
		uint32	   *keys;
		int			n;

		CHECK_FOR_INTERRUPTS();
		n = HannoyAreaKeys(attrs, (HannoyAttrsHeader) build_attrs(g, i), &keys);
		if (nentries + n > capacity)
		{
			capacity = Max(capacity * 2, nentries + n);
			entries = repalloc_huge(entries, sizeof(HannoyValueEntry) * capacity);
		}
		for (int k = 0; k < n; k++)
		{
			entries[nentries].ref = HannoyRefFromTid((ItemPointer) &loc[i]);
			entries[nentries++].key = keys[k];
		}
		pfree(keys);
	}

	/* head pages half full on average */
	while ((int64) buckets * (HANNOY_VALUE_PAGE_ENTRIES / 2) < nentries &&
		   buckets < (1U << 24))
		buckets *= 2;

	/* entries by bucket (a counting sort, keeping element order) */
	starts = palloc0(sizeof(int64) * (buckets + 1));
	for (int64 i = 0; i < nentries; i++)
		starts[entries[i].key % buckets + 1]++;
	for (uint32 b = 0; b < buckets; b++)
		starts[b + 1] += starts[b];
	sorted = palloc_extended(sizeof(HannoyValueEntry) * Max(nentries, 1), MCXT_ALLOC_HUGE);
	{
		int64	   *fill = palloc(sizeof(int64) * buckets);

		memcpy(fill, starts, sizeof(int64) * buckets);
		for (int64 i = 0; i < nentries; i++)
			sorted[fill[entries[i].key % buckets]++] = entries[i];
		pfree(fill);
	}
	pfree(entries);

	/*
	 * Pages in block order: every head page, then each bucket's further
	 * pages, bucket after bucket.
	 */
	overflow = first + buckets;
	for (int pass = 0; pass < 2; pass++)
	{
		BlockNumber next_overflow = overflow;

		for (uint32 b = 0; b < buckets; b++)
		{
			int64		count = starts[b + 1] - starts[b];
			int64		pages = Max(1, (count + HANNOY_VALUE_PAGE_ENTRIES - 1) /
									HANNOY_VALUE_PAGE_ENTRIES);

			for (int64 p = (pass == 0 ? 0 : 1); p < (pass == 0 ? 1 : pages); p++)
			{
				PGAlignedBlock page;
				HannoyValuePage vp;
				int64		from = starts[b] + p * HANNOY_VALUE_PAGE_ENTRIES;
				int64		to = Min(from + HANNOY_VALUE_PAGE_ENTRIES, starts[b + 1]);

				CHECK_FOR_INTERRUPTS();
				init_value_page(page.data);
				vp = HannoyPageGetValues(page.data);
				for (int64 i = from; i < to; i++)
					put_entry(vp, sorted[i].key, sorted[i].ref);
				/* this bucket's further pages are next_overflow onwards */
				if (p + 1 < pages)
					vp->next = next_overflow + (pass == 0 ? 0 : p);
				if (p == 0)
					vp->append = pages > 1 ? next_overflow + pages - 2 : first + b;
				set_value_page_end(page.data);
				HannoyBuildFlushPage(index, page.data);
			}
			next_overflow += pages - 1;
		}
	}
	pfree(sorted);
	pfree(starts);

	metabuf = ReadBuffer(index, HANNOY_METAPAGE_BLKNO);
	LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
	meta = HannoyPageGetMeta(BufferGetPage(metabuf));
	meta->value_sets = first;
	meta->value_buckets = buckets;
	MarkBufferDirty(metabuf);
	UnlockReleaseBuffer(metabuf);
}

/* --- appends -------------------------------------------------------------- */

/*
 * Whether the chain from a head page (exclusively locked by the caller:
 * no append runs) holds the entry (key, ref).
 */
static bool
chain_holds(Relation index, Buffer headbuf, uint32 key, HannoyRef ref, BlockNumber *nblocks)
{
	BlockNumber head = BufferGetBlockNumber(headbuf);
	BlockNumber blkno = head;
	bool		found = false;

	for (BlockNumber steps = 0; blkno != InvalidBlockNumber && !found; steps++)
	{
		Buffer		buf = headbuf;
		HannoyValuePage vp;

		if (steps > *nblocks)
			value_pages_corrupted(index, head, "Its chain has a cycle.");
		if (blkno != head)
		{
			buf = ReadBuffer(index, blkno);
			LockBuffer(buf, BUFFER_LOCK_SHARE);
		}
		vp = get_value_page(index, buf);
		for (uint32 i = 0; i < vp->nentries && !found; i++)
			found = HannoyValueEntryKey(&vp->entries[i]) == key &&
				HannoyRefFromTid(&vp->entries[i].element) == ref;
		blkno = checked_next(index, blkno, vp->next, nblocks);
		if (buf != headbuf)
			UnlockReleaseBuffer(buf);
	}
	return found;
}

/* Append the entry (key, ref) to its bucket; with if_missing, only if it is not there. */
static void
append_entry(HannoyIndexInfo *info, uint32 key, HannoyRef ref, bool if_missing)
{
	Relation	index = info->index;
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	BlockNumber head = checked_next(index, HANNOY_METAPAGE_BLKNO, bucket_head(info, key), &nblocks);
	Buffer		headbuf = ReadBuffer(index, head);
	Buffer		buf;
	Buffer		newbuf = InvalidBuffer;
	HannoyValuePage vp;
	GenericXLogState *state;
	Page		headpage;
	Page		page;
	BlockNumber target;

	LockBuffer(headbuf, BUFFER_LOCK_EXCLUSIVE);
	if (if_missing && chain_holds(index, headbuf, key, ref, &nblocks))
	{
		UnlockReleaseBuffer(headbuf);
		return;
	}
	vp = get_value_page(index, headbuf);
	target = vp->append == InvalidBlockNumber ? head :
		checked_next(index, head, vp->append, &nblocks);
	buf = headbuf;
	/* the page appends go to, or the first after it with room */
	for (BlockNumber steps = 0;; steps++)
	{
		if (target != BufferGetBlockNumber(buf))
		{
			if (buf != headbuf)
				UnlockReleaseBuffer(buf);
			buf = ReadBuffer(index, target);
			LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		}
		vp = get_value_page(index, buf);
		if (vp->nentries < HANNOY_VALUE_PAGE_ENTRIES || vp->next == InvalidBlockNumber)
			break;
		if (steps > nblocks)
			value_pages_corrupted(index, head, "Its chain has a cycle.");
		target = checked_next(index, target, vp->next, &nblocks);
	}
	if (vp->nentries >= HANNOY_VALUE_PAGE_ENTRIES)
	{
		LockRelationForExtension(index, ExclusiveLock);
		newbuf = ReadBuffer(index, P_NEW);
		LockBuffer(newbuf, BUFFER_LOCK_EXCLUSIVE);
		UnlockRelationForExtension(index, ExclusiveLock);
	}

	state = GenericXLogStart(index);
	headpage = GenericXLogRegisterBuffer(state, headbuf, 0);
	page = buf == headbuf ? headpage : GenericXLogRegisterBuffer(state, buf, 0);
	vp = HannoyPageGetValues(page);
	if (BufferIsValid(newbuf))
	{
		Page		newpage = GenericXLogRegisterBuffer(state, newbuf, GENERIC_XLOG_FULL_IMAGE);

		init_value_page(newpage);
		vp->next = BufferGetBlockNumber(newbuf);
		page = newpage;
		vp = HannoyPageGetValues(page);
	}
	put_entry(vp, key, ref);
	set_value_page_end(page);
	HannoyPageGetValues(headpage)->append = BufferGetBlockNumber(BufferIsValid(newbuf) ? newbuf : buf);
	GenericXLogFinish(state);

	if (BufferIsValid(newbuf))
		UnlockReleaseBuffer(newbuf);
	if (buf != headbuf)
		UnlockReleaseBuffer(buf);
	UnlockReleaseBuffer(headbuf);
}

/*
 * Enter element ref, with its attribute area, in the value sets under
 * each of its keys: a new element, or (only_missing) one that takes
 * another heap TID, a duplicate folded into it, under the keys it is not
 * entered under yet.  An insert that failed after writing its element,
 * but before all of its entries (an error, or a crash between their WAL
 * records), left an element whose only row was never committed; once a
 * committed row joins it, its entries must be there, or a scan through
 * the value sets would miss that row.
 */
void
HannoyValueSetsAdd(HannoyIndexInfo *info, HannoyRef ref, HannoyAttrsHeader area,
				   bool only_missing)
{
	uint32	   *keys;
	int			n;

	if (info->value_buckets == 0 || area == NULL)
		return;
	n = HannoyAreaKeys(info->attrs, area, &keys);
	for (int k = 0; k < n; k++)
		append_entry(info, keys[k], ref, only_missing);
	pfree(keys);
}

/* --- lookups -------------------------------------------------------------- */

/* The elements found for one key, up to a limit. */
typedef struct KeyHits
{
	uint32		key;
	bool		over;			/* more than the limit */
	int			count;
	int			capacity;
	HannoyRef  *refs;
} KeyHits;

static int
compare_hits(const void *a, const void *b)
{
	uint32		x = ((const KeyHits *) a)->key;
	uint32		y = ((const KeyHits *) b)->key;

	return (x > y) - (x < y);
}

static KeyHits *
find_hits(KeyHits *hits, int nhits, uint32 key)
{
	KeyHits		probe = {key};

	return bsearch(&probe, hits, nhits, sizeof(KeyHits), compare_hits);
}

/* Read one bucket's chain, collecting the entries of the keys in hits. */
static void
read_bucket(HannoyIndexInfo *info, BlockNumber head, KeyHits *hits, int nhits, int limit)
{
	Relation	index = info->index;
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	BlockNumber blkno = checked_next(index, HANNOY_METAPAGE_BLKNO, head, &nblocks);

	for (BlockNumber steps = 0; blkno != InvalidBlockNumber; steps++)
	{
		Buffer		buf = ReadBuffer(index, blkno);
		HannoyValuePage vp;
		BlockNumber next;

		CHECK_FOR_INTERRUPTS();
		if (steps > nblocks)
			value_pages_corrupted(index, head, "Its chain has a cycle.");
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		vp = get_value_page(index, buf);
		for (uint32 i = 0; i < vp->nentries; i++)
		{
			KeyHits    *h = find_hits(hits, nhits, HannoyValueEntryKey(&vp->entries[i]));

			if (h == NULL || h->over)
				continue;
			if (h->count >= limit)
			{
				h->over = true;
				continue;
			}
			if (h->count == h->capacity)
			{
				h->capacity = Min(Max(64, h->capacity * 2), limit);
				h->refs = h->refs == NULL ? palloc(sizeof(HannoyRef) * h->capacity) :
					repalloc_huge(h->refs, sizeof(HannoyRef) * h->capacity);
			}
			h->refs[h->count++] = HannoyRefFromTid(&vp->entries[i].element);
		}
		next = checked_next(index, blkno, vp->next, &nblocks);
		UnlockReleaseBuffer(buf);
		blkno = next;
	}
}

#define GIVE_UP_AFTER	8

/* Elements of condition k's key set found so far (limit + 1: more than the limit). */
static int64
set_count(const HannoyKeySet *set, KeyHits *hits, int nhits, int limit)
{
	int64		count = set->any_one ? PG_INT64_MAX : 0;

	for (int i = 0; i < set->nkeys; i++)
	{
		KeyHits    *h = find_hits(hits, nhits, set->keys[i]);
		int64		c = h->over ? (int64) limit + 1 : h->count;

		count = set->any_one ? Min(count, c) : count + c;
	}
	return set->nkeys == 0 ? 0 : Min(count, (int64) limit + 1);
}

/*
 * The elements that may meet a scan's conditions, found through the value
 * sets: those of the key set -- of a condition (HannoyFilterKeySet), or of
 * a narrow range (HannoyFilterRangeSets) -- whose elements are fewest
 * (every element found still needs checking against all conditions).
 * Returns how many (*refs, palloc'd; an element may come twice), or -1
 * when no condition has a key set or each has more than limit elements.
 */
int
HannoyValueSetsFind(HannoyIndexInfo *info, HannoyFilter *filter, int limit,
					HannoyRef **refs)
{
	HannoyKeySet *sets;
	int			nsets = 0;
	KeyHits    *hits;
	int			nhits = 0;
	int			distinct;		/* buckets to read */
	int			read = 0;		/* and read so far */
	int			best = -1;
	int64		best_count = 0;
	int			n = 0;

	if (info->value_buckets == 0 || limit <= 0 || filter->nkeys == 0)
		return -1;
	/* a set per condition that has one, and per narrow range */
	sets = palloc(sizeof(HannoyKeySet) * (filter->nkeys + filter->attrs->natts));
	for (int k = 0; k < filter->nkeys; k++)
		if (HannoyFilterKeySet(filter, k, &sets[nsets]))
			nsets++;
	nsets += HannoyFilterRangeSets(filter, sets + nsets);
	if (nsets == 0)
		return -1;
	for (int s = 0; s < nsets; s++)
		nhits += sets[s].nkeys;
	if (nhits == 0)
	{
		/* a set with no key (&& '{}', an empty range) holds no element */
		*refs = NULL;
		return 0;
	}

	/* every key once, sorted */
	hits = palloc_extended(sizeof(KeyHits) * nhits, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	nhits = 0;
	for (int s = 0; s < nsets; s++)
		for (int i = 0; i < sets[s].nkeys; i++)
			hits[nhits++].key = sets[s].keys[i];
	qsort(hits, nhits, sizeof(KeyHits), compare_hits);
	{
		int			kept = 0;

		for (int i = 0; i < nhits; i++)
			if (kept == 0 || hits[kept - 1].key != hits[i].key)
				hits[kept++] = hits[i];
		nhits = kept;
	}

	/* each bucket once */
	{
		BlockNumber *heads = palloc(sizeof(BlockNumber) * nhits);
		int			nheads = 0;

		for (int i = 0; i < nhits; i++)
			heads[nheads++] = bucket_head(info, hits[i].key);
		qsort(heads, nheads, sizeof(BlockNumber), compare_blocks);
		distinct = 0;
		for (int i = 0; i < nheads; i++)
			distinct += i == 0 || heads[i] != heads[i - 1];
		for (int i = 0; i < nheads; i++)
		{
			bool		all_over = true;

			if (i > 0 && heads[i] == heads[i - 1])
				continue;
			read_bucket(info, heads[i], hits, nhits, limit + 1);
			read++;

			/*
			 * A union's count only grows: stop once every union is over, or
			 * (from GIVE_UP_AFTER buckets on) is on its way to 1.5 times
			 * the limit.  A 10% filter on Fashion-MNIST, 100 values (7000
			 * elements in 79 buckets), read 38 buckets before its union was
			 * over: 0.3 ms of its 1.9.
			 */
			for (int s = 0; s < nsets && all_over; s++)
			{
				int64		count = set_count(&sets[s], hits, nhits, limit);

				all_over = !sets[s].any_one &&
					(count > limit ||
					 (read >= GIVE_UP_AFTER && 2 * count * distinct / read > 3 * (int64) limit));
			}
			if (all_over)
			{
				pfree(heads);
				return -1;
			}
		}
		pfree(heads);
	}

	/* the set with the fewest elements */
	for (int s = 0; s < nsets; s++)
	{
		int64		count = set_count(&sets[s], hits, nhits, limit);

		if (best < 0 || count < best_count)
		{
			best = s;
			best_count = count;
		}
	}
	if (best_count > limit)
		return -1;

	*refs = palloc(sizeof(HannoyRef) * Max(best_count, 1));
	for (int i = 0; i < sets[best].nkeys; i++)
	{
		KeyHits    *h = find_hits(hits, nhits, sets[best].keys[i]);

		if (sets[best].any_one && (h->over || h->count != best_count))
			continue;
		if (h->count > 0)
			memcpy(*refs + n, h->refs, sizeof(HannoyRef) * h->count);
		n += h->count;
		if (sets[best].any_one)
			break;
	}
	return n;
}

/* --- vacuum --------------------------------------------------------------- */

/*
 * Remove the entries of the elements gone(arg, ref) says vacuum deletes,
 * bucket after bucket, each page in place; appends then go to the
 * chain's first page with room.
 */
void
HannoyValueSetsForget(HannoyIndexInfo *info, bool (*gone) (void *arg, HannoyRef ref),
					  void *arg, BufferAccessStrategy strategy)
{
	Relation	index = info->index;
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);

	for (uint32 b = 0; b < info->value_buckets; b++)
	{
		BlockNumber head = checked_next(index, HANNOY_METAPAGE_BLKNO,
										info->value_sets + b, &nblocks);
		Buffer		headbuf = ReadBufferExtended(index, MAIN_FORKNUM, head, RBM_NORMAL, strategy);
		BlockNumber blkno = head;
		BlockNumber append = InvalidBlockNumber;
		BlockNumber last = head;

		vacuum_delay_point();
		LockBuffer(headbuf, BUFFER_LOCK_EXCLUSIVE);
		for (BlockNumber steps = 0; blkno != InvalidBlockNumber; steps++)
		{
			Buffer		buf = headbuf;
			HannoyValuePage vp;
			uint32		kept = 0;
			BlockNumber next;

			CHECK_FOR_INTERRUPTS();
			if (steps > nblocks)
				value_pages_corrupted(index, head, "Its chain has a cycle.");
			if (blkno != head)
			{
				buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL, strategy);
				LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
			}
			vp = get_value_page(index, buf);
			for (uint32 i = 0; i < vp->nentries; i++)
				kept += !gone(arg, HannoyRefFromTid(&vp->entries[i].element));
			if (kept < vp->nentries)
			{
				GenericXLogState *state = GenericXLogStart(index);
				Page		page = GenericXLogRegisterBuffer(state, buf, 0);

				vp = HannoyPageGetValues(page);
				kept = 0;
				for (uint32 i = 0; i < vp->nentries; i++)
					if (!gone(arg, HannoyRefFromTid(&vp->entries[i].element)))
						vp->entries[kept++] = vp->entries[i];
				vp->nentries = kept;
				set_value_page_end(page);
				GenericXLogFinish(state);
				/* the registered copy is gone: the page itself */
				vp = HannoyPageGetValues(BufferGetPage(buf));
			}
			if (append == InvalidBlockNumber && vp->nentries < HANNOY_VALUE_PAGE_ENTRIES)
				append = blkno;
			last = blkno;
			next = checked_next(index, blkno, vp->next, &nblocks);
			if (buf != headbuf)
				UnlockReleaseBuffer(buf);
			blkno = next;
		}
		if (append == InvalidBlockNumber)
			append = last;
		if (HannoyPageGetValues(BufferGetPage(headbuf))->append != append)
		{
			GenericXLogState *state = GenericXLogStart(index);
			Page		page = GenericXLogRegisterBuffer(state, headbuf, 0);

			HannoyPageGetValues(page)->append = append;
			GenericXLogFinish(state);
		}
		UnlockReleaseBuffer(headbuf);
	}
}

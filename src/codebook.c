/*-------------------------------------------------------------------------
 *
 * codebook.c
 *	  PQ codebooks on index pages (page.h: codebook pages, chained from the
 *	  metapage), and the per-backend cache that keeps them in memory.
 *
 * A PQ search reads the codebooks once per query (its distance table) and
 * an insert once per row (its code), so each backend keeps every index's
 * codebooks in memory after the first read: 256 x dims floats (800 kB at
 * 784 dimensions).  The cache is keyed by the index's relfilenode and
 * checked against the metapage (pq_m, dimensions, first codebook page,
 * training size) whenever the index's cached state (meta.c) is read
 * again, so REINDEX, TRUNCATE and a reused relfilenode all load afresh.
 * Codebooks never change once written, so a cached copy is never stale
 * otherwise.
 *
 * Callers keep pointers into the cache for as long as their scan or
 * insert lasts, so an entry used in the current transaction is never
 * freed; entries of earlier transactions are freed when more than
 * CACHE_ENTRIES would be kept (least recently used first).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/generic_xlog.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "codebook.h"

#define CACHE_ENTRIES	8

typedef struct CacheEntry
{
	RelFileNode node;
	BlockNumber first;			/* first codebook page */
	uint32		trained_on;
	HannoyCodebook cb;
	LocalTransactionId used;	/* last transaction that used it */
	uint64		tick;			/* for least recently used */
} CacheEntry;

/* entries are allocated one by one: callers keep pointers into them */
static CacheEntry **cache = NULL;
static int	ncache = 0;
static int	cache_capacity = 0;
static uint64 cache_tick = 0;

static void
codebook_corrupted(Relation index, BlockNumber blkno, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INDEX_CORRUPTED),
			 errmsg("index \"%s\" has a corrupted codebook page at block %u",
					RelationGetRelationName(index), blkno),
			 errdetail_internal("%s", what),
			 errhint("REINDEX the index.")));
}

/*
 * Fill page (already initialised as a codebook page) with the i-th page's
 * share of cb's values; the pages are consecutive from first_block.
 */
void
HannoyCodebookFillPage(Page page, const HannoyCodebook *cb, BlockNumber first_block,
					   BlockNumber i)
{
	HannoyCodebookPage cp = HannoyPageGetCodebook(page);
	int64		total = (int64) HANNOY_PQ_CENTROIDS * cb->dims;
	int64		first = (int64) i * HANNOY_CODEBOOK_PAGE_VALUES;
	int64		count = Min(total - first, (int64) HANNOY_CODEBOOK_PAGE_VALUES);

	cp->first = (uint32) first;
	cp->count = (uint32) count;
	cp->next = (first + count < total) ? first_block + i + 1 : InvalidBlockNumber;
	memcpy(cp->values, cb->values + first, sizeof(float4) * count);
	((PageHeader) page)->pd_lower =
		((char *) cp->values + sizeof(float4) * count) - (char *) page;
}

/* Read the chain from block first into cb->values (allocated by the caller). */
static void
read_pages(Relation index, BlockNumber first, HannoyCodebook *cb)
{
	int64		total = (int64) HANNOY_PQ_CENTROIDS * cb->dims;
	int64		have = 0;
	BlockNumber blkno = first;
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);

	while (have < total)
	{
		Buffer		buf;
		Page		page;
		HannoyCodebookPage cp;

		CHECK_FOR_INTERRUPTS();
		if (blkno == HANNOY_METAPAGE_BLKNO || blkno >= nblocks)
			codebook_corrupted(index, blkno, "The chain of codebook pages names a block that is not one.");
		buf = ReadBuffer(index, blkno);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (!HannoyPageIsHannoy(page) || !(HannoyPageGetOpaque(page)->flags & HANNOY_PAGE_CODEBOOK))
			codebook_corrupted(index, blkno, "It is not a codebook page.");
		cp = HannoyPageGetCodebook(page);
		if (cp->first != have || cp->count == 0 ||
			cp->count > HANNOY_CODEBOOK_PAGE_VALUES || have + cp->count > total)
			codebook_corrupted(index, blkno,
							   psprintf("It holds values %u to %u; the next expected is %lld of %lld.",
										cp->first, cp->first + cp->count,
										(long long) have, (long long) total));
		memcpy(cb->values + have, cp->values, sizeof(float4) * cp->count);
		have += cp->count;
		blkno = cp->next;
		UnlockReleaseBuffer(buf);
	}
}

static bool
entry_matches(const CacheEntry *e, Relation index, int dims, int pq_m,
			  BlockNumber first, uint32 trained_on)
{
	return RelFileNodeEquals(e->node, index->rd_node) && e->first == first &&
		e->trained_on == trained_on && e->cb.dims == dims && e->cb.pq_m == pq_m;
}

static void
forget_entry(int i)
{
	pfree(cache[i]->cb.values);
	pfree(cache[i]);
	cache[i] = cache[--ncache];
}

/* Room for one more entry: the least recently used one not in use goes. */
static void
make_room(void)
{
	int			victim = -1;

	if (ncache >= CACHE_ENTRIES)
		for (int i = 0; i < ncache; i++)
			if (cache[i]->used != MyProc->lxid &&
				(victim < 0 || cache[i]->tick < cache[victim]->tick))
				victim = i;
	if (victim >= 0)
		forget_entry(victim);
	if (ncache == cache_capacity)
	{
		int			newcap = Max(CACHE_ENTRIES, cache_capacity * 2);

		cache = cache ? repalloc(cache, sizeof(CacheEntry *) * newcap) :
			MemoryContextAlloc(TopMemoryContext, sizeof(CacheEntry *) * newcap);
		cache_capacity = newcap;
	}
}

/*
 * The codebooks of a PQ index of these dimensions and pq_m, on pages from
 * block first, trained on trained_on vectors (as its metapage says), or
 * NULL while it has none (built on an empty table, not trained yet).  The
 * result stays valid until the end of the current transaction.
 */
const HannoyCodebook *
HannoyCodebookGet(Relation index, int dims, int pq_m, BlockNumber first,
				  uint32 trained_on)
{
	CacheEntry *e = NULL;

	if (first == InvalidBlockNumber || dims == 0)
		return NULL;
	for (int i = ncache - 1; i >= 0 && e == NULL; i--)
	{
		if (!RelFileNodeEquals(cache[i]->node, index->rd_node))
			continue;
		if (entry_matches(cache[i], index, dims, pq_m, first, trained_on))
			e = cache[i];
		else if (cache[i]->used != MyProc->lxid)
			forget_entry(i);	/* stale: the relfilenode was reused */
	}
	if (e == NULL)
	{
		float	   *values = MemoryContextAllocExtended(TopMemoryContext,
														sizeof(float) * HANNOY_PQ_CENTROIDS * dims,
														MCXT_ALLOC_HUGE);
		HannoyCodebook cb = {dims, pq_m, values};

		PG_TRY();
		{
			read_pages(index, first, &cb);
		}
		PG_CATCH();
		{
			pfree(values);
			PG_RE_THROW();
		}
		PG_END_TRY();
		make_room();
		e = MemoryContextAlloc(TopMemoryContext, sizeof(CacheEntry));
		e->node = index->rd_node;
		e->first = first;
		e->trained_on = trained_on;
		e->cb = cb;
		cache[ncache++] = e;
	}
	e->used = MyProc->lxid;
	e->tick = ++cache_tick;
	return &e->cb;
}

/*
 * Write cb's pages at the end of the index, each WAL-logged (an index
 * built on an empty table trains on its first insert).  Returns the first
 * page's block number.  The caller holds HANNOY_UPDATE_LOCK exclusively
 * and then records the block in the metapage.
 */
BlockNumber
HannoyCodebookAppend(Relation index, const HannoyCodebook *cb)
{
	BlockNumber npages = HannoyCodebookPages(cb->dims);
	BlockNumber first = InvalidBlockNumber;

	LockRelationForExtension(index, ExclusiveLock);
	for (BlockNumber i = 0; i < npages; i++)
	{
		Buffer		buf = ReadBuffer(index, P_NEW);
		GenericXLogState *state;
		Page		page;

		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		if (i == 0)
			first = BufferGetBlockNumber(buf);
		else if (BufferGetBlockNumber(buf) != first + i)
			elog(ERROR, "hannoy: codebook pages are not consecutive");
		state = GenericXLogStart(index);
		page = GenericXLogRegisterBuffer(state, buf, GENERIC_XLOG_FULL_IMAGE);
		HannoyInitPage(page, HANNOY_PAGE_CODEBOOK);
		HannoyCodebookFillPage(page, cb, first, i);
		GenericXLogFinish(state);
		UnlockReleaseBuffer(buf);
	}
	UnlockRelationForExtension(index, ExclusiveLock);
	return first;
}

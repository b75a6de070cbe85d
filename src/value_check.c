/*-------------------------------------------------------------------------
 *
 * value_check.c
 *	  hannoy_verify's checks of the value sets (value_sets.c): every chain
 *	  is made of value set pages no other chain reaches, every entry is in
 *	  its key's bucket, every element is entered under each of its keys
 *	  exactly once, and every entry names an element holding its key.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/bufmgr.h"

#include "value_sets.h"

static int
compare_entries(const void *a, const void *b)
{
	const HannoyValueEntry *x = a;
	const HannoyValueEntry *y = b;

	if (x->ref != y->ref)
		return x->ref < y->ref ? -1 : 1;
	return (x->key > y->key) - (x->key < y->key);
}

/*
 * Read every bucket's chain (nblocks: the index's size) into vc; a
 * complaint, or NULL.  Every page a chain reaches must be a value set page
 * reached by no other chain, and every entry must be in the bucket of its
 * key.
 */
const char *
HannoyValueCheckBegin(HannoyValueCheck *vc, HannoyIndexInfo *info, BlockNumber nblocks)
{
	Relation	index = info->index;
	bool	   *seen = palloc0(sizeof(bool) * Max(nblocks, 1));
	int64		capacity = 1024;

	vc->info = info;
	vc->nblocks = nblocks;
	vc->entries = palloc(sizeof(HannoyValueEntry) * capacity);
	vc->nentries = 0;
	vc->matched = 0;
	vc->claimed = NULL;
	if (info->value_buckets == 0)
		return NULL;
	if (info->value_sets == HANNOY_METAPAGE_BLKNO ||
		info->value_sets >= nblocks || info->value_buckets > nblocks - info->value_sets)
		return psprintf("The metapage places %u buckets at block %u of %u.",
						info->value_buckets, info->value_sets, nblocks);
	for (uint32 b = 0; b < info->value_buckets; b++)
	{
		BlockNumber blkno = info->value_sets + b;

		while (blkno != InvalidBlockNumber)
		{
			Buffer		buf;
			Page		page;
			HannoyValuePage vp;

			CHECK_FOR_INTERRUPTS();
			if (blkno == HANNOY_METAPAGE_BLKNO || blkno >= nblocks || seen[blkno])
				return psprintf("Bucket %u reaches block %u, which is %s.", b, blkno,
								blkno < nblocks && blkno != HANNOY_METAPAGE_BLKNO ?
								"in another chain too" : "not a value set page");
			seen[blkno] = true;
			buf = ReadBuffer(index, blkno);
			LockBuffer(buf, BUFFER_LOCK_SHARE);
			page = BufferGetPage(buf);
			if (!HannoyPageIsHannoy(page) ||
				HannoyPageGetOpaque(page)->flags != HANNOY_PAGE_VALUES ||
				HannoyPageGetValues(page)->nentries > HANNOY_VALUE_PAGE_ENTRIES)
			{
				UnlockReleaseBuffer(buf);
				return psprintf("Block %u, in bucket %u, is not a valid value set page.",
								blkno, b);
			}
			vp = HannoyPageGetValues(page);
			if (vc->nentries + vp->nentries > capacity)
			{
				capacity = capacity * 2 + vp->nentries;
				vc->entries = repalloc_huge(vc->entries, sizeof(HannoyValueEntry) * capacity);
			}
			for (uint32 i = 0; i < vp->nentries; i++)
			{
				HannoyValueEntry *e = &vc->entries[vc->nentries++];

				e->ref = HannoyRefFromTid(&vp->entries[i].element);
				e->key = HannoyValueEntryKey(&vp->entries[i]);
				if (e->key % info->value_buckets != b)
				{
					UnlockReleaseBuffer(buf);
					return psprintf("Block %u, in bucket %u, has an entry of bucket %u.",
									blkno, b, e->key % info->value_buckets);
				}
			}
			blkno = vp->next;
			UnlockReleaseBuffer(buf);
		}
	}
	pfree(seen);
	qsort(vc->entries, vc->nentries, sizeof(HannoyValueEntry), compare_entries);
	vc->claimed = palloc_extended(sizeof(bool) * Max(vc->nentries, 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	for (int64 i = 1; i < vc->nentries; i++)
		if (compare_entries(&vc->entries[i - 1], &vc->entries[i]) == 0)
			return psprintf("Element (%u,%u) is entered twice under key %u.",
							(BlockNumber) (vc->entries[i].ref >> 16),
							(OffsetNumber) (vc->entries[i].ref & 0xffff), vc->entries[i].key);
	return NULL;
}

/*
 * Whether the entries of element ref are its keys (sorted): all of them
 * when complete, else (a deleted element, whose entries vacuum may have
 * removed already) some; a complaint, or NULL.
 */
const char *
HannoyValueCheckElement(HannoyValueCheck *vc, HannoyRef ref, const uint32 *keys, int nkeys,
						bool complete)
{
	HannoyValueEntry	probe = {ref, 0};
	int64		lo = 0;
	int64		hi = vc->nentries;

	/* the first entry of ref */
	while (lo < hi)
	{
		int64		mid = lo + (hi - lo) / 2;

		if (compare_entries(&vc->entries[mid], &probe) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (int k = 0; k < nkeys; k++)
	{
		if (lo < vc->nentries && vc->entries[lo].ref == ref && vc->entries[lo].key == keys[k])
		{
			vc->claimed[lo++] = true;
			vc->matched++;
		}
		else if (complete)
			return psprintf("Its value key %u is not in the value sets.", keys[k]);
	}
	if (lo < vc->nentries && vc->entries[lo].ref == ref)
		return psprintf("The value sets enter it under key %u, which is not its.",
						vc->entries[lo].key);
	return NULL;
}

/*
 * After every element: entries no element claimed.  A vacuum running
 * meanwhile may have removed entries of deleted elements after they were
 * read and then freed the elements before the walk reached them: an
 * unclaimed entry is a violation only if the value sets, read again, still
 * hold it (vacuum removes an element's entries before it frees it, and
 * no insert runs meanwhile: the caller holds the update lock).
 */
const char *
HannoyValueCheckEnd(HannoyValueCheck *vc)
{
	HannoyValueCheck again;
	const char *problem;
	int64		left = 0;

	if (vc->matched == vc->nentries)
		return NULL;
	problem = HannoyValueCheckBegin(&again, vc->info, vc->nblocks);
	if (problem != NULL)
		return problem;
	for (int64 i = 0; i < vc->nentries; i++)
		if (!vc->claimed[i] &&
			bsearch(&vc->entries[i], again.entries, again.nentries, sizeof(HannoyValueEntry),
					compare_entries) != NULL)
			left++;
	if (left > 0)
		return psprintf("%lld of its %lld entries name no element.",
						(long long) left, (long long) vc->nentries);
	return NULL;
}

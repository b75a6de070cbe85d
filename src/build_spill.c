/*-------------------------------------------------------------------------
 *
 * build_spill.c
 *	  Builds larger than maintenance_work_mem: the vectors go to their
 *	  final places on the index's pages, only the links stay in memory,
 *	  and the links are written into the pages at the end.  A PQ build
 *	  instead goes on in memory with codes in place of the vectors.
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
#include "element.h"
#include "value_sets.h"

/*
 * Bytes the in-memory graph needs per element, vector included (vectors of
 * varying size: their offset; the build counts their bytes apart).
 */
Size
HannoyBuildElementBytes(BuildGraph *g)
{
	return sizeof(BuildElement) + sizeof(uint32) * 2 * g->info.m +
		(g->vector_offsets ? sizeof(uint64) : g->info.vector_size);
}

/*
 * A PQ build past maintenance_work_mem: train the codebooks on the vectors
 * loaded so far (they fill the budget: a large sample), replace each by
 * its code, and go on with codes, pq_m bytes a vector instead of 4 x dims.
 * The rest of the graph is built with distances between decoded codes
 * (the PQ opclass's element_distance): less accurate than the exact
 * vectors, which re-ranking makes up for in part.
 */
void
HannoyBuildSwitchToCodes(BuildGraph *g)
{
	uint8	   *codes;

	ereport(NOTICE,
			(errmsg("hannoy graph does not fit in maintenance_work_mem after %d vectors",
					g->count),
			 errdetail("The quantizer is trained on the vectors loaded so far and the graph is built on their codes, which finds fewer of the true neighbours."),
			 errhint("Increase maintenance_work_mem to build the graph on the exact vectors.")));
	HannoyBuildTrain(g);
	codes = palloc_extended(g->stored.vector_size * Max(g->capacity, 1), MCXT_ALLOC_HUGE);
	HannoyPqEncodeMany(g->stored.codebook, (const float *) g->vectors, g->count, codes);
	pfree(g->vectors);
	g->vectors = (char *) codes;
	/* the graph's vectors are now the index's own */
	g->info.opclass = g->stored.opclass;
	g->info.pq_m = g->stored.pq_m;
	g->info.codebook = g->stored.codebook;
	HannoyIndexInfoSetSizes(&g->info);
	g->decoded = palloc(sizeof(float) * g->info.dims);
	g->coded = true;
}

/*
 * Move the vectors out of memory: every element loaded so far goes to its
 * final place on the index's pages (lists empty), and so will every one
 * loaded from now on; graph building then reads vectors through shared
 * buffers, and HannoyBuildFillLists writes the links at the end.
 */
void
HannoyBuildSpill(BuildGraph *g, Relation index)
{
	PGAlignedBlock meta;

	ereport(NOTICE,
			(errmsg("hannoy graph does not fit in maintenance_work_mem after %d vectors",
					g->count),
			 errdetail("The vectors go to the index's pages and are read through shared buffers; only the links stay in memory, and the build is slower."),
			 errhint("Increase maintenance_work_mem to build faster.")));

	/* block 0 is the metapage: a placeholder until the graph is done */
	HannoyInitMetaPage(meta.data, g->info.dims, g->info.m, g->info.ef_construction,
					   g->info.opclass->storage, g->info.max_level);
	HannoyBuildFlushPage(index, meta.data);

	g->writer = palloc(sizeof(PageWriter));
	HannoyWriterInit(g->writer, index, HANNOY_METAPAGE_BLKNO + 1);
	g->loc = palloc_extended(sizeof(ItemPointerData) * Max(g->capacity, 1), MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < g->count; i++)
		HannoyWriterAddElement(g->writer, g, i, build_vector(g, i), NULL, &g->loc[i]);
	/* the vectors loaded so far fill the memory budget: keep them */
	g->cached = g->count;
	g->spilled = true;
	g->query_buf = palloc(g->info.vector_size);
	g->from_buf = palloc(g->info.vector_size);
	g->read_buf = palloc(g->info.vector_size);
}

/* A spilled element's vector, copied to out. */
void
HannoyBuildReadSpilled(BuildGraph *g, int64 i, void *out)
{
	int			level;
	uint8		flags;

	if (i < g->cached)
		memcpy(out, build_vector(g, i), HannoyVectorBytes(&g->info, build_vector(g, i)));
	else if (!HannoyReadVector(&g->info, HannoyRefFromTid(&g->loc[i]), out, &level, &flags))
		elog(ERROR, "hannoy: build lost element %lld", (long long) i);
}

/* Write the links of a spilled build into its pages, then the metapage. */
void
HannoyBuildFillLists(BuildGraph *g, Relation index)
{
	Buffer		buf = InvalidBuffer;
	BlockNumber current = InvalidBlockNumber;
	Buffer		metabuf;

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HANNOY_PHASE_WRITE);
	for (int64 i = 0; i < g->count; i++)
	{
		BlockNumber blkno = ItemPointerGetBlockNumber(&g->loc[i]);
		HannoyElementTuple tup;
		int			slot = 0;

		CHECK_FOR_INTERRUPTS();
		if (blkno != current)
		{
			if (BufferIsValid(buf))
			{
				MarkBufferDirty(buf);
				UnlockReleaseBuffer(buf);
			}
			buf = ReadBuffer(index, blkno);
			LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
			current = blkno;
		}
		tup = HannoyGetElement(&g->info, BufferGetPage(buf), blkno,
							   ItemPointerGetOffsetNumber(&g->loc[i]));
		if (tup == NULL)
			elog(ERROR, "hannoy: build lost element %lld", (long long) i);
		for (int layer = 0; layer <= tup->level; layer++)
		{
			int			slots;
			uint32	   *list = build_list(g, i, layer, &slots);

			for (int s = 0; s < slots; s++, slot++)
			{
				if (list[s] == HANNOY_NO_NEIGHBOR)
					ItemPointerSetInvalid(&tup->neighbors[slot]);
				else
					tup->neighbors[slot] = g->loc[list[s]];
			}
		}
	}
	if (BufferIsValid(buf))
	{
		MarkBufferDirty(buf);
		UnlockReleaseBuffer(buf);
	}

	metabuf = ReadBuffer(index, HANNOY_METAPAGE_BLKNO);
	LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
	HannoyBuildMetapage(g, BufferGetPage(metabuf), g->loc, g->writer->plan.blkno);
	MarkBufferDirty(metabuf);
	UnlockReleaseBuffer(metabuf);
	HannoyBuildValueSets(g, index, g->loc);
	HannoyBuildLogIndex(index);
}

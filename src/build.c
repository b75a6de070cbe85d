/*-------------------------------------------------------------------------
 *
 * build.c
 *	  Index build: load the heap's vectors, build the HNSW graph in memory,
 *	  write every page in one pass and WAL-log them once.  Also ambuildempty.
 *
 * Phases (pg_stat_progress_create_index.phase):
 *	 loading tuples   heap scan; vectors are encoded into one array
 *	 building graph   elements are inserted in heap order (graph.c)
 *	 writing pages    items are laid out page by page, neighbour indexes
 *					  become TIDs, pages go through shared buffers and are
 *					  logged with log_newpage_range
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/tableam.h"
#include "access/xloginsert.h"
#include "catalog/index.h"
#include "common/hashfn.h"
#include "commands/progress.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "attrs.h"
#include "build.h"
#include "codebook.h"
#include "element.h"

static void
build_grow(BuildGraph *g)
{
	int			m = g->info.m;
	int			newcap = Max(1024, g->capacity * 2);

	g->elements = repalloc_huge(g->elements, sizeof(BuildElement) * newcap);
	if (g->spilled)
		g->loc = repalloc_huge(g->loc, sizeof(ItemPointerData) * newcap);
	else if (g->vector_offsets)
		g->vector_offsets = repalloc_huge(g->vector_offsets, sizeof(uint64) * newcap);
	else
		g->vectors = repalloc_huge(g->vectors, g->info.vector_size * newcap);
	g->layer0 = repalloc_huge(g->layer0, sizeof(uint32) * 2 * m * newcap);
	memset(g->layer0 + (int64) g->capacity * 2 * m, 0xff,
		   sizeof(uint32) * 2 * m * (newcap - g->capacity));
	g->capacity = newcap;
}

static uint32
build_alloc_upper(BuildGraph *g, int level)
{
	int64		need = (int64) level * g->info.m;
	uint32		first;

	if (g->upper_used + need > g->upper_capacity)
	{
		int64		newcap = Max(4096, g->upper_capacity * 2);

		while (g->upper_used + need > newcap)
			newcap *= 2;
		g->upper = repalloc_huge(g->upper, sizeof(uint32) * newcap);
		memset(g->upper + g->upper_capacity, 0xff,
			   sizeof(uint32) * (newcap - g->upper_capacity));
		g->upper_capacity = newcap;
	}
	first = (uint32) g->upper_used;
	g->upper_used += need;
	return first;
}

/* A vector of varying size (in g->scratch) after the others, as element i's. */
static void
build_append_vector(BuildGraph *g, int64 i)
{
	Size		bytes = HannoyVectorBytes(&g->info, g->scratch);

	if (g->vectors_used + bytes > g->vectors_bytes)
	{
		uint64		newcap = Max(g->vectors_bytes * 2, 1024 * 1024);

		while (g->vectors_used + bytes > newcap)
			newcap *= 2;
		g->vectors = repalloc_huge(g->vectors, newcap);
		g->vectors_bytes = newcap;
	}
	memcpy(g->vectors + g->vectors_used, g->scratch, bytes);
	g->vector_offsets[i] = g->vectors_used;
	g->vectors_used += TYPEALIGN(sizeof(int32), bytes);
}

/*
 * Element i's attribute area, from the row's attribute columns, at the end
 * of g->attrs.
 */
static void
build_add_attrs(BuildGraph *g, Relation index, int64 i, Datum *values, bool *isnull)
{
	BuildElement *e = &g->elements[i];

	if (g->attrs_used + HANNOY_MAX_ATTRS_SIZE > g->attrs_capacity)
	{
		uint64		newcap = Max(g->attrs_capacity * 2, 64 * HANNOY_MAX_ATTRS_SIZE);

		g->attrs = repalloc_huge(g->attrs, newcap);
		g->attrs_capacity = newcap;
	}
	if (g->attrs_used / MAXIMUM_ALIGNOF > PG_UINT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("attribute values of hannoy index \"%s\" take more than 32 GB",
						RelationGetRelationName(index))));
	e->attrs = (uint32) (g->attrs_used / MAXIMUM_ALIGNOF);
	e->attrs_size = HannoyAttrsEncode(index, g->info.attrs, values, isnull,
									  g->attrs + g->attrs_used);
	g->attrs_used += e->attrs_size;
}

/* Dimensions of the index: the column's (HannoyColumnDims), else the first vector's. */
static void
build_set_dims(BuildGraph *g, int dims)
{
	HannoyCheckIndexableDims(g->stored.opclass, dims);
	if (g->stored.opclass->storage == HANNOY_STORAGE_PQ)
		g->stored.pq_m = HannoyCheckPqM(g->stored.pq_m, dims);
	g->info.dims = g->stored.dims = dims;
	HannoyIndexInfoSetSizes(&g->info);
	HannoyIndexInfoSetSizes(&g->stored);
	g->scratch = MemoryContextAlloc(GetMemoryChunkContext(g->elements),
									g->info.vector_size);
}

/*
 * PQ: train the codebooks on a sample of the loaded vectors (at most
 * hannoy.pq_training_rows of them, drawn at random without repeats).
 */
void
HannoyBuildTrain(BuildGraph *g)
{
	int64		n = Min((int64) g->count, (int64) hannoy_pq_training_rows);
	int			dims = g->info.dims;
	float	   *sample = palloc_extended(sizeof(float) * dims * n, MCXT_ALLOC_HUGE);
	int64		taken = 0;

	/* selection sampling (Knuth's algorithm S): in order, each kept with p = need/left */
	for (int64 i = 0; i < g->count && taken < n; i++)
	{
		if (pg_prng_uint64_range(&g->prng, 0, g->count - i - 1) < (uint64) (n - taken))
		{
			memcpy(sample + taken * dims, build_vector(g, i), sizeof(float) * dims);
			taken++;
		}
	}
	g->codebook.dims = dims;
	g->codebook.pq_m = g->stored.pq_m;
	g->codebook.values = palloc_extended(sizeof(float) * HANNOY_PQ_CENTROIDS * dims,
										 MCXT_ALLOC_HUGE);
	HannoyPqTrain(&g->codebook, sample, taken, &g->prng);
	pfree(sample);
	g->stored.codebook = &g->codebook;
	g->stored.trained_on = (uint32) taken;
	g->codebook_pages = HannoyCodebookPages(dims);
}

static void
build_callback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			   bool tupleIsAlive, void *state)
{
	BuildGraph *g = state;
	MemoryContext old;
	Datum		value;
	int			dims;

	g->heap_tuples++;
	if (isnull[0])
		return;

	old = MemoryContextSwitchTo(g->tmpcxt);
	value = PointerGetDatum(PG_DETOAST_DATUM(values[0]));
	dims = g->info.opclass->dims(value);
	MemoryContextSwitchTo(old);
	if (g->info.dims == 0)
		build_set_dims(g, dims);
	if (dims != g->info.dims)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", g->info.dims, dims)));

	if (!g->spilled &&
		(Size) (g->count + 1) * HannoyBuildElementBytes(g) + sizeof(uint32) * g->upper_used +
		g->attrs_used + g->vectors_used > g->memory_limit)
	{
		if (g->stored.opclass->storage != HANNOY_STORAGE_PQ)
			HannoyBuildSpill(g, index);
		else if (!g->coded && g->count > 0)
			HannoyBuildSwitchToCodes(g);
		else
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("hannoy graph does not fit in maintenance_work_mem after %d vectors",
							g->count),
					 errdetail("The graph of a product-quantized index is built in memory, on codes once the vectors no longer fit."),
					 errhint("Increase maintenance_work_mem.")));
	}
	if (g->count == g->capacity)
		build_grow(g);

	old = MemoryContextSwitchTo(g->tmpcxt);
	if (g->info.opclass->encode(value, dims,
								(g->spilled || g->coded || g->vector_offsets) ?
								g->scratch : build_vector(g, g->count)))
	{
		BuildElement *e = &g->elements[g->count];

		if (g->coded)
			g->stored.opclass->quantize(&g->stored, g->scratch, build_vector(g, g->count));
		else if (g->vector_offsets && !g->spilled)
			build_append_vector(g, g->count);

		e->level = HannoyRandomLevel(g->info.m, g->info.max_level,
									 1.0 - pg_prng_double(&g->prng));
		e->ntids = 1;
		e->tids[0] = *tid;
		e->upper = e->level > 0 ? build_alloc_upper(g, e->level) : 0;
		e->attrs = 0;
		e->attrs_size = 0;
		if (g->info.attrs != NULL)
			build_add_attrs(g, index, g->count, values + 1, isnull + 1);
		if (g->spilled)
			HannoyWriterAddElement(g->writer, g, g->count, g->scratch, NULL,
							   &g->loc[g->count]);
		g->count++;
		if (g->count % 1000 == 0)
			pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, g->count);
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(g->tmpcxt);
}

/*
 * Rows with the very same vector and attribute values share an element,
 * HANNOY_HEAPTIDS at most: fold the loaded rows so before the graph is
 * built, serial or parallel.  (The search of each insert finds only some
 * of the copies, and a parallel build does not fold as it inserts; copies
 * left as elements of their own are all at distance 0 from each other,
 * and once there are more of them than a list has places their lists hold
 * only each other: README, Limits.)  A hash of each vector and attribute
 * area groups candidates; the chain of a hash bucket holds the elements
 * kept so far, and one found full is unlinked as the scan passes it, so a
 * vector repeated a million times costs no more than one that is not.
 * Elements keep the order they were loaded in; the graph is built in it.
 */
static void
build_fold_copies(BuildGraph *g)
{
	int64		n = g->count;
	int64		nbuckets = 1;
	int64	   *head;
	int64	   *next;
	uint32	   *hashes;
	int64		kept = 0;

	while (nbuckets < 2 * n)
		nbuckets <<= 1;
	head = palloc_extended(sizeof(int64) * nbuckets, MCXT_ALLOC_HUGE);
	next = palloc_extended(sizeof(int64) * Max(n, 1), MCXT_ALLOC_HUGE);
	hashes = palloc_extended(sizeof(uint32) * Max(n, 1), MCXT_ALLOC_HUGE);
	memset(head, 0xff, sizeof(int64) * nbuckets);

	for (int64 i = 0; i < n; i++)
	{
		const char *vector = build_vector(g, i);
		Size		bytes = HannoyVectorBytes(&g->info, vector);
		uint32		h = hash_bytes((const unsigned char *) vector, (int) bytes);
		int64	   *link;
		bool		folded = false;

		if (g->elements[i].attrs_size > 0)
			h = hash_combine(h, hash_bytes((const unsigned char *) build_attrs(g, i),
										   g->elements[i].attrs_size));
		link = &head[h & (nbuckets - 1)];
		while (*link >= 0)
		{
			int64		j = *link;
			BuildElement *e = &g->elements[j];

			if (e->ntids >= HANNOY_HEAPTIDS)
			{
				*link = next[j];	/* full: no row joins it any more */
				continue;
			}
			if (hashes[j] == h && build_same_attrs(g, j, i) &&
				HannoySameVector(&g->info, build_vector(g, j), vector))
			{
				e->tids[e->ntids++] = g->elements[i].tids[0];
				folded = true;
				break;
			}
			link = &next[j];
		}
		if (folded)
			continue;
		if (kept != i)
		{
			g->elements[kept] = g->elements[i];
			if (g->vector_offsets)
				g->vector_offsets[kept] = g->vector_offsets[i];
			else
				memcpy(build_vector(g, kept), vector, g->info.vector_size);
		}
		hashes[kept] = h;
		next[kept] = head[h & (nbuckets - 1)];
		head[h & (nbuckets - 1)] = kept;
		kept++;
	}
	g->count = kept;
	pfree(head);
	pfree(next);
	pfree(hashes);
}

/*
 * A PQ index re-ranks from the table's column (rerank.c): it cannot be on
 * an expression.
 */
static void
check_pq_column(Relation index, const HannoyOpclass *opclass)
{
	if (opclass->storage == HANNOY_STORAGE_PQ && index->rd_index->indkey.values[0] == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("hannoy index with %s cannot be on an expression", opclass->name),
				 errdetail("A product-quantized index re-ranks its results with the vectors of the table's column."),
				 errhint("Index a stored generated column holding the expression's value.")));
}

/* DEBUG1 line with a build phase's duration; returns now. */
static TimestampTz
report_phase(const char *phase, TimestampTz start)
{
	TimestampTz now = GetCurrentTimestamp();

	elog(DEBUG1, "hannoy build: %s took %.3f s", phase,
		 (double) (now - start) / USECS_PER_SEC);
	return now;
}

IndexBuildResult *
hannoybuild(Relation heap, Relation index, IndexInfo *indexInfo)
{
	IndexBuildResult *result;
	BuildGraph	g;
	MemoryContext buildcxt;
	MemoryContext old;
	int32		typmod = HannoyColumnDims(index);
	int			nworkers;
	ParallelContext *pcxt = NULL;
	TimestampTz phase_start;

	if (RelationGetNumberOfBlocks(index) != 0)
		elog(ERROR, "index \"%s\" already contains data", RelationGetRelationName(index));

	buildcxt = AllocSetContextCreate(CurrentMemoryContext, "hannoy build",
									 ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(buildcxt);

	HannoyCheckColumns(index);
	memset(&g, 0, sizeof(g));
	g.heap = heap;
	g.stored.index = index;
	g.stored.opclass = HannoyGetOpclass(index);
	g.stored.m = HannoyOptionM(index);
	g.stored.ef_construction = HannoyOptionEfConstruction(index);
	g.stored.max_level = HannoyMaxLevel(g.stored.m);
	g.stored.pq_m = g.stored.opclass->storage == HANNOY_STORAGE_PQ ? HannoyOptionPqM(index) : 0;
	check_pq_column(index, g.stored.opclass);
	g.stored.codebook_block = InvalidBlockNumber;
	/* the graph is built on the exact vectors */
	g.info = g.stored;
	g.info.opclass = HannoyExactOpclass(g.stored.opclass);
	g.info.pq_m = 0;
	if (g.info.ef_construction < 2 * g.info.m)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ef_construction must be at least 2 * m"),
				 errdetail("ef_construction is %d and m is %d.",
						   g.info.ef_construction, g.info.m)));
	g.entry = &g.local_entry;
	g.entry->entry = -1;
	g.entry->entry_level = -1;
	pg_prng_seed(&g.prng, 100);	/* builds are reproducible for a heap order */
	g.tmpcxt = AllocSetContextCreate(buildcxt, "hannoy build tuple",
									 ALLOCSET_DEFAULT_SIZES);
	g.memory_limit = (Size) maintenance_work_mem * 1024;
	g.elements = palloc(sizeof(BuildElement));
	g.vectors = palloc(1);
	if (g.info.opclass->stored_bytes)
		g.vector_offsets = palloc(sizeof(uint64));
	g.layer0 = palloc(sizeof(uint32));
	g.upper = palloc(sizeof(uint32));
	g.attrs = palloc(1);
	g.stored.attrs = g.info.attrs = HannoyAttrsForIndex(index, buildcxt);
	if (typmod > 0)
		build_set_dims(&g, typmod);

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HANNOY_PHASE_LOAD);
	phase_start = GetCurrentTimestamp();
	table_index_build_scan(heap, index, indexInfo, true, true, build_callback,
						   &g, NULL);
	phase_start = report_phase("loading", phase_start);
	/* spilled elements are on their pages already; codes may hide copies */
	if (!g.spilled && !g.coded && g.count > 1)
	{
		build_fold_copies(&g);
		phase_start = report_phase("folding copies", phase_start);
	}
	if (g.stored.opclass->storage == HANNOY_STORAGE_PQ && g.count > 0 && !g.coded)
	{
		pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HANNOY_PHASE_TRAIN);
		HannoyBuildTrain(&g);
		phase_start = report_phase("training the quantizer", phase_start);
	}

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HANNOY_PHASE_GRAPH);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, g.count);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, 0);
	/* a spilled or coded graph is built by the leader alone, for now */
	nworkers = (g.spilled || g.coded) ? 0 : HannoyBuildWorkers(heap, g.count);
	if (nworkers > 0)
		pcxt = HannoyBuildGraphParallel(&g, index, nworkers);
	if (g.spilled)
	{
		HannoyWriterFinish(g.writer);
		HannoyBuildGraph(&g);
		phase_start = report_phase("building the graph", phase_start);
		HannoyBuildFillLists(&g, index);
	}
	else
	{
		if (pcxt == NULL)
			HannoyBuildGraph(&g);
		phase_start = report_phase("building the graph", phase_start);
		HannoyBuildWritePages(&g, index);
	}
	report_phase("writing pages", phase_start);
	if (pcxt != NULL)
	{
		DestroyParallelContext(pcxt);
		ExitParallelMode();
	}

	result = palloc(sizeof(IndexBuildResult));
	result->heap_tuples = g.heap_tuples;
	result->index_tuples = g.count;

	MemoryContextSwitchTo(old);
	result = memcpy(palloc(sizeof(IndexBuildResult)), result, sizeof(IndexBuildResult));
	MemoryContextDelete(buildcxt);
	return result;
}

/* Unlogged indexes: an init fork holding an empty index's metapage. */
void
hannoybuildempty(Relation index)
{
	Buffer		buf;
	int32		typmod = HannoyColumnDims(index);
	const HannoyOpclass *opclass;
	int			m = HannoyOptionM(index);
	int			pq_m = 0;

	HannoyCheckColumns(index);
	buf = HannoyBuildNewBuffer(index, INIT_FORKNUM);
	opclass = HannoyGetOpclass(index);

	check_pq_column(index, opclass);
	if (typmod > 0)
		HannoyCheckIndexableDims(opclass, typmod);
	if (opclass->storage == HANNOY_STORAGE_PQ)
		pq_m = typmod > 0 ? HannoyCheckPqM(HannoyOptionPqM(index), typmod) :
			HannoyOptionPqM(index);
	START_CRIT_SECTION();
	HannoyInitMetaPage(BufferGetPage(buf), typmod > 0 ? typmod : 0, m,
					   HannoyOptionEfConstruction(index), opclass->storage,
					   HannoyMaxLevel(m));
	HannoyPageGetMeta(BufferGetPage(buf))->pq_m = pq_m;
	MarkBufferDirty(buf);
	log_newpage_buffer(buf, true);
	END_CRIT_SECTION();
	UnlockReleaseBuffer(buf);
}

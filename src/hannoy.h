/*-------------------------------------------------------------------------
 *
 * hannoy.h
 *	  Declarations shared by the files of the hannoy access method.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HANNOY_H
#define HANNOY_H

#include "postgres.h"

#include "access/amapi.h"
#include "access/genam.h"
#include "nodes/execnodes.h"
#include "nodes/pathnodes.h"
#include "utils/relcache.h"

#include "page.h"

/* Reloption defaults and bounds (README.md documents them). */
#define HANNOY_DEFAULT_M				16
#define HANNOY_MIN_M					2
#define HANNOY_MAX_M					100
#define HANNOY_DEFAULT_EF_CONSTRUCTION	64
#define HANNOY_MIN_EF_CONSTRUCTION		4
#define HANNOY_MAX_EF_CONSTRUCTION		1000
#define HANNOY_MAX_LEVEL_CAP			16
#define HANNOY_DEFAULT_PQ_M				0	/* automatic: dims / 8, rounded up */
#define HANNOY_MAX_PQ_M					2000
#define HANNOY_PQ_DIMS_PER_BYTE			8	/* what the automatic pq_m gives */
/* the types' limit (vector_common.h's HANNOY_MAX_DIM) */
#define HANNOY_MAX_DIMENSIONS			16000
/* bits of a bit-string index (8000 bytes: a vector item spans pages) */
#define HANNOY_MAX_BIT_DIMENSIONS		64000

/* Support function number of the opclass callback struct. */
#define HANNOY_OPCLASS_PROC				1
#define HANNOY_NPROCS					1
/* attribute operator classes: btree's strategies 1 to 5, then &&, @>, <@ */
#define HANNOY_MAX_ATTR_STRATEGY		8

/* Build progress sub-phases (ambuildphasename) */
#define HANNOY_PHASE_LOAD				2
#define HANNOY_PHASE_GRAPH				3
#define HANNOY_PHASE_WRITE				4
#define HANNOY_PHASE_TRAIN				5

typedef struct HannoyOptions
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int			m;
	int			ef_construction;
	int			pq_m;
} HannoyOptions;

/* settings */
typedef enum HannoyIterativeScan
{
	HANNOY_ITERATIVE_OFF,
	HANNOY_ITERATIVE_RELAXED,
	HANNOY_ITERATIVE_STRICT
} HannoyIterativeScan;

extern int	hannoy_ef_search;
extern int	hannoy_iterative_scan;
extern int	hannoy_max_scan_tuples;
extern int	hannoy_exact_filter_limit;
extern double hannoy_scan_mem_multiplier;
extern int	hannoy_pq_training_rows;
extern int	hannoy_ivf_probes;
extern int	hannoy_rerank;

typedef struct HannoyIndexInfo HannoyIndexInfo;

/*
 * What an operator class tells the access method, returned by its support
 * function 1 (version 2 of this struct).  The AM never looks at the column
 * type: it encodes values with encode(), prepares a query once per scan or
 * insert with prepare_query(), and compares with the two distances.
 * Distances take the index's state (dimensions; later, codebooks).
 */
typedef struct HannoyOpclass
{
	uint8		storage;		/* HANNOY_STORAGE_* */
	const char *name;			/* for messages */

	/* dimensions of a (detoasted) column value */
	int			(*dims) (Datum value);

	/*
	 * Bytes one element's vector takes on a page (info: dims, pq_m); for an
	 * opclass whose vectors vary in size, the most one can take.
	 */
	Size		(*stored_size) (const HannoyIndexInfo *info);

	/*
	 * Vectors of varying size only (NULL otherwise): the bytes of the stored
	 * vector whose first HANNOY_VECTOR_HEAD_BYTES bytes are at head, or 0 if
	 * they describe no vector this index can hold (a corrupted page).
	 */
	Size		(*stored_bytes) (const HannoyIndexInfo *info, const void *head);

	/*
	 * hannoy_verify: what is wrong with a stored vector of the right size,
	 * or NULL (NULL callback: any bytes are a vector).
	 */
	const char *(*check_stored) (const HannoyIndexInfo *info, const void *vector);

	/*
	 * Encode a column value or query into the exact format (dims elements
	 * at out): the stored format itself, or for PQ the float4 vector codes
	 * are made from.  Returns false when the value has no place in the
	 * index (a zero vector under cosine distance).
	 */
	bool		(*encode) (Datum value, int dims, void *out);

	/*
	 * PQ only (NULL otherwise, where the exact format is stored as it is):
	 * the opclass of the exact format, which the build's graph and the
	 * re-rank use, and the stored bytes of an exact vector.
	 */
	const struct HannoyOpclass *exact;
	void		(*quantize) (const HannoyIndexInfo *info, const void *exact, void *out);

	/*
	 * What query_distance compares elements with, from an encoded (exact)
	 * query; computed once per scan or insert (in the current memory
	 * context).
	 */
	const void *(*prepare_query) (const HannoyIndexInfo *info, const void *encoded);

	/* Distance from a prepared query to an element's vector; smaller is nearer. */
	float		(*query_distance) (const HannoyIndexInfo *info, const void *query,
								   const void *element);

	/* Distance between two elements' vectors. */
	float		(*element_distance) (const HannoyIndexInfo *info, const void *a,
									 const void *b);
} HannoyOpclass;

/*
 * Everything about one index the code needs on a hot path, read once from
 * the relation and its metapage (meta.c).
 */
struct HannoyIndexInfo
{
	Relation	index;
	const HannoyOpclass *opclass;
	int			m;
	int			ef_construction;
	int			dims;			/* 0 for an index that has never seen a vector */
	int			max_level;
	Size		vector_size;	/* bytes of one element's vector on a page */
	Size		exact_size;		/* bytes of an encoded (exact) vector */
	/* PQ (see codebook.c); zero / NULL otherwise */
	int			pq_m;
	BlockNumber codebook_block; /* first codebook page; invalid until trained */
	uint32		trained_on;
	const struct HannoyCodebook *codebook;	/* valid until the transaction ends */
	/* value sets (value_sets.c): head of the first bucket, and how many; 0: none */
	BlockNumber value_sets;
	uint32		value_buckets;
	/* attribute columns (attrs.c), in the caller's memory; NULL if none */
	const struct HannoyAttrs *attrs;
};

/*
 * A vector of varying size keeps this many bytes, which say how large it
 * is, in its element item even when the rest lies elsewhere.
 */
#define HANNOY_VECTOR_HEAD_BYTES		4

/* The bytes of a stored vector (fixed: info->vector_size). */
static inline Size
HannoyVectorBytes(const HannoyIndexInfo *info, const void *vector)
{
	return info->opclass->stored_bytes ? info->opclass->stored_bytes(info, vector) :
		info->vector_size;
}

/* Whether two stored vectors are the same, byte for byte. */
static inline bool
HannoySameVector(const HannoyIndexInfo *info, const void *a, const void *b)
{
	Size		bytes = HannoyVectorBytes(info, a);

	return bytes == HannoyVectorBytes(info, b) && memcmp(a, b, bytes) == 0;
}

/* The bytes of its vector an element item keeps when the rest is elsewhere. */
static inline Size
HannoyElementHeadBytes(const HannoyIndexInfo *info)
{
	return info->opclass->stored_bytes ? HANNOY_VECTOR_HEAD_BYTES : 0;
}

/* whether the index stores PQ codes (and may have codebook pages) */
static inline bool
HannoyIndexIsPq(const HannoyIndexInfo *info)
{
	return info->opclass->storage == HANNOY_STORAGE_PQ;
}

/* the opclass of an index's exact vectors (itself unless PQ) */
static inline const HannoyOpclass *
HannoyExactOpclass(const HannoyOpclass *opclass)
{
	return opclass->exact ? opclass->exact : opclass;
}

/* hannoy.c */
extern int	HannoyOptionM(Relation index);
extern int	HannoyOptionEfConstruction(Relation index);
extern int	HannoyOptionPqM(Relation index);
extern int	HannoyCheckPqM(int pq_m, int dims);

/* opclass.c */
extern const HannoyOpclass *HannoyGetOpclass(Relation index);
extern Size HannoyVectorSize(uint8 storage, int dims);
extern int	HannoyMaxDimensions(uint8 storage);
extern void HannoyCheckIndexableDims(const HannoyOpclass *opclass, int dims);

/* meta.c */
typedef struct HannoyMetaChange
{
	Relation	index;
	Buffer		buf;
	struct GenericXLogState *state;
} HannoyMetaChange;

extern int	HannoyColumnDims(Relation index);
extern void HannoyInitMetaPage(Page page, int dims, int m, int ef_construction,
							   uint8 storage, int max_level);
extern HannoyMetaPageData HannoyReadMeta(Relation index);
extern void HannoyCheckMeta(Relation index, HannoyMetaPage meta);
extern void HannoyInitIndexInfo(HannoyIndexInfo *info, Relation index);
extern void HannoyIndexInfoFromMeta(HannoyIndexInfo *info, const HannoyMetaPageData *meta);
extern void HannoyIndexInfoSetSizes(HannoyIndexInfo *info);
extern HannoyMetaPage HannoyBeginMetaChange(Relation index, HannoyMetaChange *change);
extern void HannoyFinishMetaChange(HannoyMetaChange *change, bool changed);
extern void HannoySetInsertPage(Relation index, BlockNumber blkno);
extern int	HannoySetDimensions(Relation index, int dims, int pq_m);

/* page.c */
extern void HannoyInitPage(Page page, uint16 flags);
extern void HannoyCheckElementPage(Relation index, Page page, BlockNumber blkno);
extern bool HannoyPageHoldsElements(Relation index, Page page, BlockNumber blkno,
									 bool pq);
extern int	HannoyMaxLevel(int m);
extern Size HannoyElementSize(int m, int level, Size attrs_size, Size vector_size,
							  Size head_bytes, bool *external);
extern const char *HannoyGetVectorPart(Page page, OffsetNumber off, Size remaining,
									   Size *len, ItemPointer next);
extern HannoyElementTuple HannoyGetElement(const HannoyIndexInfo *info, Page page,
										   BlockNumber blkno, OffsetNumber off);
extern void HannoyElementCorrupted(Relation index, BlockNumber blkno,
								   OffsetNumber off, const char *what) pg_attribute_noreturn();

/* build.c */
extern IndexBuildResult *hannoybuild(Relation heap, Relation index,
									 IndexInfo *indexInfo);
extern void hannoybuildempty(Relation index);

/* insert.c */
extern bool hannoyinsert(Relation index, Datum *values, bool *isnull,
						 ItemPointer heap_tid, Relation heap,
						 IndexUniqueCheck checkUnique, bool indexUnchanged,
						 IndexInfo *indexInfo);

/* scan.c */
extern IndexScanDesc hannoybeginscan(Relation index, int nkeys, int norderbys);
extern void hannoyrescan(IndexScanDesc scan, ScanKey keys, int nkeys,
						 ScanKey orderbys, int norderbys);
extern bool hannoygettuple(IndexScanDesc scan, ScanDirection dir);
extern void hannoyendscan(IndexScanDesc scan);
extern int	HannoyScanListSize(bool pq_rerank);

/* ivf.c, ivf_route.c */
extern AttrNumber HannoyIvfListColumn(Oid relid);
extern void HannoyInstallIvfRouting(void);
extern Expr *HannoyOrderingQueryVector(PlannerInfo *root, Index rti, Var **col);

/* shard_fetch.c */
extern bool hannoy_concurrent_shards;
extern void HannoyInstallShardFetch(void);

/* array_conds.c */
extern void HannoyInstallArrayConditions(void);

/* vacuum.c */
extern IndexBulkDeleteResult *hannoybulkdelete(IndexVacuumInfo *info,
											   IndexBulkDeleteResult *stats,
											   IndexBulkDeleteCallback callback,
											   void *callback_state);
extern IndexBulkDeleteResult *hannoyvacuumcleanup(IndexVacuumInfo *info,
												  IndexBulkDeleteResult *stats);

/* cost.c */
extern void hannoycostestimate(PlannerInfo *root, IndexPath *path,
							   double loop_count, Cost *indexStartupCost,
							   Cost *indexTotalCost,
							   Selectivity *indexSelectivity,
							   double *indexCorrelation, double *indexPages);

/* validate.c */
extern bool hannoyvalidate(Oid opclassoid);
extern bool hannoyproperty(Oid index_oid, int attno, IndexAMProperty prop,
						   const char *propname, bool *res, bool *isnull);

#endif							/* HANNOY_H */

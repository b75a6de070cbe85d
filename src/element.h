/*-------------------------------------------------------------------------
 *
 * element.h
 *	  Elements on index pages: the visit callback graph.c searches with,
 *	  reading heap TIDs and vectors, and WAL-logged element changes.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HANNOY_ELEMENT_H
#define HANNOY_ELEMENT_H

#include "graph.h"
#include "hannoy.h"

/* Heavyweight lock tag (a page lock on block 0) serialising graph changes. */
#define HANNOY_UPDATE_LOCK	0

/* What a search over index pages reads through (its visit_arg). */
typedef struct HannoyDiskReader
{
	HannoyIndexInfo *info;
	struct HannoyFilter *filter;	/* a scan's conditions; NULL: none */
} HannoyDiskReader;

extern void HannoyDiskReaderInit(HannoyDiskReader *reader, HannoyIndexInfo *info);
extern bool HannoyDiskVisit(HannoySearch *search, HannoyRef ref, int layer,
							float bound, HannoyCandidate *c);
extern void HannoyDiskPrefetch(HannoySearch *search, const HannoyRef *refs, int n);
extern int	HannoyReadHeapTids(HannoyIndexInfo *info, HannoyRef ref,
							   ItemPointerData *tids);
extern bool HannoyWithVector(HannoyIndexInfo *info, HannoyRef ref,
							 void (*fn) (const void *vector, void *arg),
							 void *arg);
extern bool HannoyReadVector(HannoyIndexInfo *info, HannoyRef ref, void *out,
							 int *level, uint8 *flags);
extern Size HannoyElementVectorBytes(const HannoyIndexInfo *info,
									 const HannoyElementTupleData *tup, Size inline_bytes);
extern int	HannoyReadNeighbors(HannoyIndexInfo *info, HannoyRef ref, int layer,
								HannoyRef *out);
extern bool HannoyReplaceNeighbors(HannoyIndexInfo *info, HannoyRef ref,
								   int layer, const HannoyRef *expected,
								   int nexpected, const HannoyRef *replacement,
								   int nreplacement);
extern bool HannoyAppendNeighbor(HannoyIndexInfo *info, HannoyRef ref, int layer,
								 HannoyRef newref, bool *full);
extern HannoyRef HannoyWriteElement(HannoyIndexInfo *info, int level,
									ItemPointer heaptid, const void *vector,
									const char *attrs, Size attrs_size,
									HannoyRef *const *neighbors,
									const int *nneighbors);
extern bool HannoyAddHeapTid(HannoyIndexInfo *info, HannoyRef ref,
							 const void *vector, const char *attrs,
							 Size attrs_size, ItemPointer heaptid);

/* insert.c */
extern bool HannoyLinkBack(HannoyIndexInfo *info, HannoySearch *search,
						   HannoyRef nref, HannoyRef newref, const void *newvec,
						   int layer);
extern void HannoyForceLink(HannoyIndexInfo *info, HannoyRef nref, HannoyRef ref);

/* meta.c */
extern void HannoySetEntryPoint(Relation index, HannoyRef ref, int level,
								bool only_if_higher);

#endif							/* HANNOY_ELEMENT_H */

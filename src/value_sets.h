/*-------------------------------------------------------------------------
 *
 * value_sets.h
 *	  Value sets: for the values of attribute columns, the elements that
 *	  hold them, so that a scan whose conditions few elements meet checks
 *	  just those (src/README.filters).
 *
 *	  value_keys.c  the keys: a value's 32-bit hash, for elements and for
 *	                scan conditions
 *	  value_sets.c  the pages: writing them at build, appends, lookups,
 *	                vacuum's removals
 *	  value_check.c hannoy_verify's checks
 *
 *-------------------------------------------------------------------------
 */
#ifndef HANNOY_VALUE_SETS_H
#define HANNOY_VALUE_SETS_H

#include "postgres.h"

#include "access/genam.h"

#include "attrs.h"
#include "graph.h"
#include "hannoy.h"

/* buckets of an index built with few entries (or none) */
#define HANNOY_MIN_VALUE_BUCKETS	8
/* the most values a range of integers or dates spans to have a key set */
#define HANNOY_MAX_RANGE_KEYS		1024

/*
 * What the elements meeting one scan condition hold: every one of keys
 * (=, = ANY, &&, IS NULL: the union of their sets), or at least one of
 * them (@>: all of its elements, so any one set holds every match).
 */
typedef struct HannoyKeySet
{
	uint32	   *keys;
	int			nkeys;
	bool		any_one;
} HannoyKeySet;

/* An entry in memory: an element and one of its keys. */
typedef struct HannoyValueEntry
{
	HannoyRef	ref;
	uint32		key;
} HannoyValueEntry;

/* value_keys.c */
extern bool HannoyAttrsHaveKeys(const HannoyAttrs *attrs);
extern int	HannoyAreaKeys(const HannoyAttrs *attrs, HannoyAttrsHeader area,
						   uint32 **keys);
extern bool HannoyKeyedCondition(Oid coltype, int strategy, Oid argtype, Oid collation);
extern bool HannoyFilterKeySet(const HannoyFilter *filter, int k, HannoyKeySet *set);
extern int	HannoyFilterRangeSets(const HannoyFilter *filter, HannoyKeySet *sets);

struct HannoyKeyedArray;
extern struct HannoyKeyedArray *HannoyKeyedArrayInit(const HannoyFilter *filter, int k);
extern bool HannoyKeyedArrayMatches(HannoyFilter *filter, int k, Datum value);

/* value_sets.c */
struct BuildGraph;
extern void HannoyBuildValueSets(struct BuildGraph *g, Relation index,
								 const ItemPointerData *loc);
extern void HannoyValueSetsAdd(HannoyIndexInfo *info, HannoyRef ref,
							   HannoyAttrsHeader area, bool only_missing);
extern int	HannoyValueSetsFind(HannoyIndexInfo *info, HannoyFilter *filter,
								int limit, HannoyRef **refs);
extern void HannoyValueSetsForget(HannoyIndexInfo *info,
								  bool (*gone) (void *arg, HannoyRef ref), void *arg,
								  BufferAccessStrategy strategy);

/* hannoy_verify: every entry names an element holding its key, and back */
typedef struct HannoyValueCheck
{
	HannoyIndexInfo *info;
	BlockNumber nblocks;
	HannoyValueEntry *entries; /* every entry, by element then key */
	int64		nentries;
	int64		matched;		/* entries elements have claimed */
	bool	   *claimed;		/* which */
} HannoyValueCheck;

extern const char *HannoyValueCheckBegin(HannoyValueCheck *vc, HannoyIndexInfo *info,
										 BlockNumber nblocks);
extern const char *HannoyValueCheckElement(HannoyValueCheck *vc, HannoyRef ref,
										   const uint32 *keys, int nkeys, bool complete);
extern const char *HannoyValueCheckEnd(HannoyValueCheck *vc);

#endif							/* HANNOY_VALUE_SETS_H */

/*-------------------------------------------------------------------------
 *
 * fuzz_types.h
 *	  What the two halves of the type I/O fuzz target share: fuzz_types.c
 *	  (vector, halfvec, the entry points and the helpers below) and
 *	  fuzz_sparsevec.c (sparsevec).  One binary, one campaign.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HANNOY_FUZZ_TYPES_H
#define HANNOY_FUZZ_TYPES_H

#include "postgres.h"

#include "fmgr.h"

#define DECLARE_V1(fn) \
	extern Datum fn(PG_FUNCTION_ARGS); \
	extern const Pg_finfo_record *pg_finfo_##fn(void)

enum
{
	F_IN,
	F_OUT,
	F_RECV,
	F_SEND,
	F_COUNT
};

/* one type's four I/O functions, called as the server calls them */
typedef struct FuzzType
{
	const char *name;
	bool		half;
	int			elsize;
	PGFunction	fn[F_COUNT];
	const Pg_finfo_record *(*finfo[F_COUNT]) (void);
	FmgrInfo	flinfo[F_COUNT];
} FuzzType;

extern FuzzType vector_type;

/* the input being run, for failure reports */
extern const char *cur_literal;
extern int32 cur_typmod;

extern void fail(const char *fmt,...) __attribute__((format(printf, 1, 2))) pg_attribute_noreturn();
extern void dump_bytes(const char *label, const uint8 *p, size_t n);
extern void dump_value(const char *label, Datum d);

extern void init_type(FuzzType *t);
extern Datum call_in(FuzzType *t, const char *str, int32 typmod);
extern Datum call_recv(FuzzType *t, const char *bytes, int len, int32 typmod,
					   bool *all_read);
extern Datum call_one_arg(FuzzType *t, int which, Datum arg);
extern bool try_in(FuzzType *t, const char *lit, int32 typmod, Datum *result,
				   int *code);
extern bool try_recv(FuzzType *t, const char *bytes, int len, int32 typmod,
					 Datum *result, bool *all_read, int *code);
extern void check_reject_code(FuzzType *t, bool binary, int code);

extern bool same_value(Datum a, Datum b);
extern char *copy_bytes(const void *p, Size n);
extern Datum short_form(Datum d);
extern int	count_char(const char *s, char c);
extern int	take_count(const uint8 **p, size_t *n);

/* fuzz_sparsevec.c */
extern void sparse_fuzz_init(void);
extern void sparse_fuzz_one(int target, bool shortargs, uint8 typmod_byte,
							const uint8 *payload, size_t plen);

#endif							/* HANNOY_FUZZ_TYPES_H */

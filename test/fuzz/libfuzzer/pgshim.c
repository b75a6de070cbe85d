/*-------------------------------------------------------------------------
 *
 * pgshim.c
 *	  Just enough of the PostgreSQL backend for hannoy's type I/O code
 *	  (src/vector_common.c, src/vector.c, src/halfvec.c, src/sparsevec.c)
 *	  to run inside a libFuzzer binary, with no server.
 *
 * Why: the text and binary input functions are the code that reads bytes
 * from clients; fuzzing them under AddressSanitizer needs them in one
 * process we control.  The real source files are compiled unchanged
 * against the PostgreSQL 15 server headers; this file supplies what they
 * call, written from the documented behaviour of each function (not from
 * PostgreSQL's source):
 *
 *	- palloc and friends: one malloc per chunk, so AddressSanitizer puts
 *	  red zones around each; every chunk is remembered and freed by
 *	  pgshim_reset() after each input (a per-call memory context).  Sizes
 *	  above MaxAllocSize raise an ERROR as the server's palloc does.
 *	- ereport/elog: errstart .. errfinish record the SQLSTATE and the
 *	  message; an ERROR siglongjmps to PG_exception_stack, so the harness
 *	  catches it with PG_TRY/PG_CATCH exactly as backend code does.
 *	  FATAL, PANIC, or an ERROR with no handler, aborts.
 *	- StringInfo and the pq_* message functions that the recv/send
 *	  functions use (network byte order; "insufficient data left in
 *	  message" is 08P01 as in the server), and pg_ltoa (int32 to decimal
 *	  text, NUL-terminated, returning the length) for sparsevec_out.
 *	- pg_detoast_datum: 4-byte-header values pass through, 1-byte-header
 *	  (short) values are copied to a 4-byte header as the server does;
 *	  external or compressed values cannot occur here and abort.
 *
 * float_to_shortest_decimal_bufn and psprintf come from the installed
 * libpgcommon.  Everything else the four files reference (arrays,
 * numeric, aggregates, float overflow reports) is not reachable from the
 * type I/O functions: those symbols are stubs that abort loudly if ever
 * called.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "pgshim.h"

bool		pgshim_verbose = false;

/* ---- memory ---- */

static void **chunks = NULL;
static size_t nchunks = 0;
static size_t maxchunks = 0;

static void
remember_chunk(void *p)
{
	if (nchunks == maxchunks)
	{
		maxchunks = maxchunks ? maxchunks * 2 : 256;
		chunks = realloc(chunks, maxchunks * sizeof(void *));
		if (chunks == NULL)
		{
			fprintf(stderr, "pgshim: out of memory\n");
			abort();
		}
	}
	chunks[nchunks++] = p;
}

/* index of a live chunk; aborts on a pointer palloc never returned */
static size_t
find_chunk(void *p, const char *caller)
{
	for (size_t i = nchunks; i > 0; i--)
		if (chunks[i - 1] == p)
			return i - 1;
	fprintf(stderr, "pgshim: %s of a pointer that is not a live palloc chunk: %p\n",
			caller, p);
	abort();
}

static void
check_alloc_size(Size size)
{
	if (!AllocSizeIsValid(size))
		elog(ERROR, "invalid memory alloc request size %zu", size);
}

static void *
shim_alloc(Size size)
{
	void	   *p;

	check_alloc_size(size);
	/* malloc(0) is a valid, zero-byte chunk under AddressSanitizer */
	p = malloc(size);
	if (p == NULL)
	{
		fprintf(stderr, "pgshim: malloc(%zu) failed\n", size);
		abort();
	}
	remember_chunk(p);
	return p;
}

void *
palloc(Size size)
{
	return shim_alloc(size);
}

void *
palloc0(Size size)
{
	void	   *p = shim_alloc(size);

	memset(p, 0, size);
	return p;
}

void *
palloc_extended(Size size, int flags)
{
	void	   *p = shim_alloc(size);

	if (flags & MCXT_ALLOC_ZERO)
		memset(p, 0, size);
	return p;
}

void
pfree(void *pointer)
{
	size_t		i = find_chunk(pointer, "pfree");

	free(pointer);
	chunks[i] = chunks[--nchunks];
}

void *
repalloc(void *pointer, Size size)
{
	size_t		i = find_chunk(pointer, "repalloc");
	void	   *p;

	check_alloc_size(size);
	p = realloc(pointer, size);
	if (p == NULL)
	{
		fprintf(stderr, "pgshim: realloc(%zu) failed\n", size);
		abort();
	}
	chunks[i] = p;
	return p;
}

char *
pstrdup(const char *in)
{
	size_t		len = strlen(in);
	char	   *out = palloc(len + 1);

	memcpy(out, in, len + 1);
	return out;
}

char *
pnstrdup(const char *in, Size len)
{
	char	   *out;

	len = strnlen(in, len);
	out = palloc(len + 1);
	memcpy(out, in, len);
	out[len] = '\0';
	return out;
}

size_t
pgshim_live_chunks(void)
{
	return nchunks;
}

void
pgshim_reset(void)
{
	for (size_t i = 0; i < nchunks; i++)
		free(chunks[i]);
	nchunks = 0;
	pgshim_clear_error();
}

/* ---- error reporting ---- */

sigjmp_buf *PG_exception_stack = NULL;
ErrorContextCallback *error_context_stack = NULL;

#define SHIM_MSG_LEN 1024

static struct
{
	int			elevel;
	int			sqlerrcode;
	const char *filename;
	int			lineno;
	char		message[SHIM_MSG_LEN];
	char		detail[SHIM_MSG_LEN];
	char		hint[SHIM_MSG_LEN];
}			cur_error;

/* the five-character SQLSTATE of an errcode */
const char *
pgshim_sqlstate(int sqlerrcode)
{
	static char buf[6];

	for (int i = 0; i < 5; i++)
	{
		buf[i] = PGUNSIXBIT(sqlerrcode);
		sqlerrcode >>= 6;
	}
	buf[5] = '\0';
	return buf;
}

int
pgshim_error_code(void)
{
	return cur_error.sqlerrcode;
}

const char *
pgshim_error_message(void)
{
	return cur_error.message;
}

const char *
pgshim_error_detail(void)
{
	return cur_error.detail;
}

void
pgshim_clear_error(void)
{
	memset(&cur_error, 0, sizeof(cur_error));
}

bool
errstart(int elevel, const char *domain)
{
	pgshim_clear_error();
	cur_error.elevel = elevel;
	/* the server's defaults when no errcode() is given */
	if (elevel >= ERROR)
		cur_error.sqlerrcode = ERRCODE_INTERNAL_ERROR;
	else if (elevel >= WARNING)
		cur_error.sqlerrcode = ERRCODE_WARNING;
	else
		cur_error.sqlerrcode = ERRCODE_SUCCESSFUL_COMPLETION;
	return true;
}

bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

void
errfinish(const char *filename, int lineno, const char *funcname)
{
	cur_error.filename = filename;
	cur_error.lineno = lineno;
	if (pgshim_verbose || cur_error.elevel > ERROR)
		fprintf(stderr, "pgshim: elevel %d, SQLSTATE %s at %s:%d: %s%s%s\n",
				cur_error.elevel, pgshim_sqlstate(cur_error.sqlerrcode),
				filename, lineno, cur_error.message,
				cur_error.detail[0] ? " DETAIL: " : "", cur_error.detail);
	if (cur_error.elevel < ERROR)
		return;
	if (cur_error.elevel > ERROR || PG_exception_stack == NULL)
	{
		fprintf(stderr, "pgshim: %s with no handler, aborting\n",
				cur_error.elevel > ERROR ? "FATAL or PANIC" : "ERROR");
		abort();
	}
	siglongjmp(*PG_exception_stack, 1);
}

void
pg_re_throw(void)
{
	if (PG_exception_stack == NULL)
	{
		fprintf(stderr, "pgshim: re-throw with no handler, aborting\n");
		abort();
	}
	siglongjmp(*PG_exception_stack, 1);
}

int
errcode(int sqlerrcode)
{
	cur_error.sqlerrcode = sqlerrcode;
	return 0;
}

#define SHIM_FORMAT_INTO(buf, fmt) \
	do { \
		va_list		ap_; \
		va_start(ap_, fmt); \
		vsnprintf((buf), SHIM_MSG_LEN, (fmt), ap_); \
		va_end(ap_); \
	} while (0)

int
errmsg(const char *fmt,...)
{
	SHIM_FORMAT_INTO(cur_error.message, fmt);
	return 0;
}

int
errmsg_internal(const char *fmt,...)
{
	SHIM_FORMAT_INTO(cur_error.message, fmt);
	return 0;
}

int
errdetail(const char *fmt,...)
{
	SHIM_FORMAT_INTO(cur_error.detail, fmt);
	return 0;
}

int
errdetail_internal(const char *fmt,...)
{
	SHIM_FORMAT_INTO(cur_error.detail, fmt);
	return 0;
}

int
errhint(const char *fmt,...)
{
	SHIM_FORMAT_INTO(cur_error.hint, fmt);
	return 0;
}

void
ExceptionalCondition(const char *conditionName, const char *errorType,
					 const char *fileName, int lineNumber)
{
	fprintf(stderr, "pgshim: %s(\"%s\") at %s:%d\n",
			errorType, conditionName, fileName, lineNumber);
	abort();
}

/* ---- detoasting ---- */

struct varlena *
pg_detoast_datum(struct varlena *datum)
{
	if (VARATT_IS_4B_U(datum))
		return datum;
	if (VARATT_IS_SHORT(datum))
	{
		/* a 1-byte header as stored on disk: widen to a 4-byte header */
		Size		data_size = VARSIZE_SHORT(datum) - VARHDRSZ_SHORT;
		struct varlena *result = palloc(data_size + VARHDRSZ);

		SET_VARSIZE(result, data_size + VARHDRSZ);
		memcpy(VARDATA(result), VARDATA_SHORT(datum), data_size);
		return result;
	}
	fprintf(stderr, "pgshim: pg_detoast_datum of an external or compressed value\n");
	abort();
}

/* ---- StringInfo and the pq_* message functions ---- */

void
initStringInfo(StringInfo str)
{
	str->maxlen = 1024;
	str->data = palloc(str->maxlen);
	str->data[0] = '\0';
	str->len = 0;
	str->cursor = 0;
}

/* make room for 'needed' more bytes plus the trailing NUL */
void
enlargeStringInfo(StringInfo str, int needed)
{
	Size		want;
	Size		newlen;

	if (needed < 0 || (Size) needed >= MaxAllocSize - (Size) str->len)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("out of memory"),
				 errdetail("Cannot enlarge string buffer containing %d bytes by %d more bytes.",
						   str->len, needed)));
	want = (Size) str->len + (Size) needed + 1;
	if (want <= (Size) str->maxlen)
		return;
	newlen = (Size) str->maxlen * 2;
	while (newlen < want)
		newlen *= 2;
	if (newlen > MaxAllocSize)
		newlen = MaxAllocSize;
	str->data = repalloc(str->data, newlen);
	str->maxlen = (int) newlen;
}

static void
shim_getmsg(StringInfo msg, void *dst, int datalen)
{
	if (datalen < 0 || datalen > msg->len - msg->cursor)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("insufficient data left in message")));
	memcpy(dst, msg->data + msg->cursor, datalen);
	msg->cursor += datalen;
}

unsigned int
pq_getmsgint(StringInfo msg, int b)
{
	uint8		n8;
	uint16		n16;
	uint32		n32;

	switch (b)
	{
		case 1:
			shim_getmsg(msg, &n8, 1);
			return n8;
		case 2:
			shim_getmsg(msg, &n16, 2);
			return pg_ntoh16(n16);
		case 4:
			shim_getmsg(msg, &n32, 4);
			return pg_ntoh32(n32);
		default:
			elog(ERROR, "unsupported integer size %d", b);
			return 0;			/* not reached */
	}
}

const char *
pq_getmsgbytes(StringInfo msg, int datalen)
{
	const char *result;

	if (datalen < 0 || datalen > msg->len - msg->cursor)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("insufficient data left in message")));
	result = msg->data + msg->cursor;
	msg->cursor += datalen;
	return result;
}

void
pq_begintypsend(StringInfo buf)
{
	initStringInfo(buf);
	/* room for the varlena header, filled in by pq_endtypsend */
	enlargeStringInfo(buf, VARHDRSZ);
	memset(buf->data, 0, VARHDRSZ);
	buf->len = VARHDRSZ;
	buf->data[buf->len] = '\0';
}

bytea *
pq_endtypsend(StringInfo buf)
{
	bytea	   *result = (bytea *) buf->data;

	Assert(buf->len >= VARHDRSZ);
	SET_VARSIZE(result, buf->len);
	return result;
}

void
pq_sendfloat4(StringInfo buf, float4 f)
{
	uint32		bits;

	memcpy(&bits, &f, sizeof(bits));
	pq_sendint32(buf, bits);
}

float4
pq_getmsgfloat4(StringInfo msg)
{
	uint32		bits = pq_getmsgint(msg, 4);
	float4		f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

/* ---- numbers to text (sparsevec_out) ---- */

/* the decimal digits of l, NUL-terminated at a; returns their count */
int
pg_ltoa(int32 l, char *a)
{
	uint32		u = l < 0 ? (uint32) 0 - (uint32) l : (uint32) l;
	char		rev[10];
	int			n = 0;
	int			len = 0;

	do
	{
		rev[n++] = (char) ('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (l < 0)
		a[len++] = '-';
	while (n > 0)
		a[len++] = rev[--n];
	a[len] = '\0';
	return len;
}


/* ---- referenced by the four files, never reached from type I/O ---- */

#define UNREACHED(name) \
	do { \
		fprintf(stderr, "pgshim: unexpected call to %s (not part of type I/O)\n", \
				name); \
		abort(); \
	} while (0)

int
AggCheckCallContext(FunctionCallInfo fcinfo, MemoryContext *aggcontext)
{
	UNREACHED("AggCheckCallContext");
}

int32 *
ArrayGetIntegerTypmods(ArrayType *arr, int *n)
{
	UNREACHED("ArrayGetIntegerTypmods");
}

int
ArrayGetNItems(int ndim, const int *dims)
{
	UNREACHED("ArrayGetNItems");
}

Datum
DirectFunctionCall1Coll(PGFunction func, Oid collation, Datum arg1)
{
	UNREACHED("DirectFunctionCall1Coll");
}

bool
array_contains_nulls(ArrayType *array)
{
	UNREACHED("array_contains_nulls");
}

ArrayType *
construct_array(Datum *elems, int nelems, Oid elmtype, int elmlen,
				bool elmbyval, char elmalign)
{
	UNREACHED("construct_array");
}

void
deconstruct_array(ArrayType *array, Oid elmtype, int elmlen, bool elmbyval,
				  char elmalign, Datum **elemsp, bool **nullsp, int *nelemsp)
{
	UNREACHED("deconstruct_array");
}

void
float_overflow_error(void)
{
	UNREACHED("float_overflow_error");
}

void
float_underflow_error(void)
{
	UNREACHED("float_underflow_error");
}

char *
format_type_be(Oid type_oid)
{
	UNREACHED("format_type_be");
}

void
get_typlenbyvalalign(Oid typid, int16 *typlen, bool *typbyval, char *typalign)
{
	UNREACHED("get_typlenbyvalalign");
}

Datum
numeric_float4(PG_FUNCTION_ARGS)
{
	UNREACHED("numeric_float4");
}

struct varlena *
pg_detoast_datum_copy(struct varlena *datum)
{
	UNREACHED("pg_detoast_datum_copy");
}

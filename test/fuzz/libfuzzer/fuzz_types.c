/*-------------------------------------------------------------------------
 *
 * fuzz_types.c
 *	  libFuzzer target for the text and binary I/O of hannoy's vector and
 *	  halfvec types, run without a server (see pgshim.c).  Inputs whose
 *	  byte 0 has bit 6 set go to fuzz_sparsevec.c (sparsevec, with its own
 *	  layout and checks) instead: one binary, one campaign.
 *
 * Why: these functions parse bytes that any client can send.  Besides
 * memory errors and undefined behaviour (AddressSanitizer, UBSan), each
 * accepted input must survive the round trips a server performs:
 *
 *	- text:   in(s) = v  =>  in(out(v)) is v bit for bit, out is stable,
 *			  and recv(send(v)) is v; the same literal read as vector and
 *			  as halfvec is accepted or rejected alike (halfvec may reject
 *			  only |x| > 65504 with 22003), with the same SQLSTATE, and each
 *			  halfvec element is the binary16 rounding of the vector one.
 *	- binary: recv(b) = v, consuming all of b  =>  send(v) is b byte for
 *			  byte, and the text round trip above holds too; a halfvec's
 *			  text form read back as a vector gives the exact binary16 values.
 *	- every rejection carries one of the SQLSTATEs README.md documents
 *	  for that input path (an internal error would be a bug).
 *	- a value an input function returns is well formed: 4-byte varlena
 *	  header, size matching dim, 1 <= dim <= 16000, dim equal to the
 *	  typmod unless it is -1, reserved field 0, finite elements.
 *	- output functions do not modify their argument (on the server it
 *	  may point into a shared buffer).
 *
 * The functions are called through a FunctionCallInfo with the server's
 * arguments (cstring/StringInfo, typioparam, typmod); output and send get
 * a 1-byte-header (short) copy of the value at an odd address when the
 * input asks, as for a value read from a table.
 *
 * Input layout:
 *	byte 0: bits 0-2 target:
 *				0, 1  text literal (payload is the literal; read as both types)
 *				2, 3  binary recv of vector / halfvec (payload is the bytes)
 *				4, 5  text, repeated: payload = count, element text; the
 *					  literal is "[" element ("," element)* "]"
 *				6, 7  binary recv of vector / halfvec, repeated: payload =
 *					  count, reserved field (2 bytes), length adjustment,
 *					  element pattern (see repeated_binary)
 *			  count: one byte, the count modulo 128, or 0xff and a byte
 *			  choosing one of 15996 .. 16003 (see take_count)
 *			bits 3-4 distance kernel set for fp16 conversion: 0 portable,
 *					  1 AVX2, 2 AVX-512, 3 best available (unsupported -> portable)
 *			bit 5	  pass short-header copies to out/send
 *			bit 6	  sparsevec (fuzz_sparsevec.c reads the rest)
 *	byte 1: typmod: < 128 -> -1; 254 -> 16001; 255 -> 16000; else byte - 127
 *	rest:	payload
 *
 * Any broken property prints what went wrong and aborts; libFuzzer saves
 * the input as a crash artifact.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "common/shortest_dec.h"
#include "fmgr.h"
#include "lib/stringinfo.h"

#include "distance.h"
#include "halfutils.h"
#include "vector_common.h"

#include "pgshim.h"
#include "fuzz_types.h"

DECLARE_V1(hannoy_vector_in);
DECLARE_V1(hannoy_vector_out);
DECLARE_V1(hannoy_vector_recv);
DECLARE_V1(hannoy_vector_send);
DECLARE_V1(hannoy_halfvec_in);
DECLARE_V1(hannoy_halfvec_out);
DECLARE_V1(hannoy_halfvec_recv);
DECLARE_V1(hannoy_halfvec_send);

FuzzType	vector_type = {
	"vector", false, sizeof(float),
	{hannoy_vector_in, hannoy_vector_out, hannoy_vector_recv, hannoy_vector_send},
	{pg_finfo_hannoy_vector_in, pg_finfo_hannoy_vector_out,
	pg_finfo_hannoy_vector_recv, pg_finfo_hannoy_vector_send}
};

static FuzzType halfvec_type = {
	"halfvec", true, sizeof(uint16),
	{hannoy_halfvec_in, hannoy_halfvec_out, hannoy_halfvec_recv, hannoy_halfvec_send},
	{pg_finfo_hannoy_halfvec_in, pg_finfo_hannoy_halfvec_out,
	pg_finfo_hannoy_halfvec_recv, pg_finfo_hannoy_halfvec_send}
};

/* the input being run, for failure reports */
static const uint8 *cur_data;
static size_t cur_size;
const char *cur_literal;
int32		cur_typmod;

static bool have_f16c = false;

/* kernel sets selectable by the input; unsupported ones are portable */
static const HannoyKernelChoice kernel_choices[4] = {
	HANNOY_KERNELS_PORTABLE, HANNOY_KERNELS_AVX2, HANNOY_KERNELS_AVX512,
	HANNOY_KERNELS_AUTO
};
static const HannoyKernels *kernel_sets[4];

#define MAX_REPEAT_ELEM 32
#define MAX_PATTERN 64

/* ---- reporting ---- */

void
dump_bytes(const char *label, const uint8 *p, size_t n)
{
	size_t		shown = Min(n, (size_t) 512);

	fprintf(stderr, "%s (%zu bytes):", label, n);
	for (size_t i = 0; i < shown; i++)
		fprintf(stderr, "%s%02x", i % 32 == 0 ? "\n  " : " ", p[i]);
	fprintf(stderr, "%s\n", shown < n ? " ..." : "");
}

void
fail(const char *fmt,...)
{
	va_list		ap;

	fprintf(stderr, "\n==== hannoy type I/O fuzz: FAILURE: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	fprintf(stderr, "typmod %d\n", cur_typmod);
	if (cur_literal)
		fprintf(stderr, "literal (%zu chars): \"%.400s\"%s\n", strlen(cur_literal),
				cur_literal, strlen(cur_literal) > 400 ? "..." : "");
	dump_bytes("fuzz input", cur_data, cur_size);
	abort();
}

void
dump_value(const char *label, Datum d)
{
	struct varlena *p = (struct varlena *) DatumGetPointer(d);

	dump_bytes(label, (const uint8 *) p, VARSIZE_ANY(p));
}

/* ---- calling the SQL functions as the server does ---- */

Datum
call_in(FuzzType *t, const char *str, int32 typmod)
{
	LOCAL_FCINFO(fcinfo, 3);
	size_t		len = strlen(str);
	char	   *before = palloc(len + 1);
	Datum		result;

	memcpy(before, str, len + 1);
	InitFunctionCallInfoData(*fcinfo, &t->flinfo[F_IN], 3, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = CStringGetDatum(str);
	fcinfo->args[0].isnull = false;
	fcinfo->args[1].value = ObjectIdGetDatum(InvalidOid);	/* typioparam */
	fcinfo->args[1].isnull = false;
	fcinfo->args[2].value = Int32GetDatum(typmod);
	fcinfo->args[2].isnull = false;
	result = FunctionCallInvoke(fcinfo);
	if (fcinfo->isnull)
		fail("%s_in returned NULL", t->name);
	if (memcmp(before, str, len + 1) != 0)
		fail("%s_in modified its input string", t->name);
	return result;
}

/* recv of exactly these bytes; *all_read tells whether it consumed them all */
Datum
call_recv(FuzzType *t, const char *bytes, int len, int32 typmod, bool *all_read)
{
	LOCAL_FCINFO(fcinfo, 3);
	StringInfoData buf;
	Datum		result;

	/* the server hands recv a NUL-terminated copy of the bytes */
	buf.data = palloc(len + 1);
	memcpy(buf.data, bytes, len);
	buf.data[len] = '\0';
	buf.len = len;
	buf.maxlen = len + 1;
	buf.cursor = 0;

	InitFunctionCallInfoData(*fcinfo, &t->flinfo[F_RECV], 3, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = PointerGetDatum(&buf);
	fcinfo->args[0].isnull = false;
	fcinfo->args[1].value = ObjectIdGetDatum(InvalidOid);
	fcinfo->args[1].isnull = false;
	fcinfo->args[2].value = Int32GetDatum(typmod);
	fcinfo->args[2].isnull = false;
	result = FunctionCallInvoke(fcinfo);
	if (fcinfo->isnull)
		fail("%s_recv returned NULL", t->name);
	if (buf.cursor < 0 || buf.cursor > buf.len)
		fail("%s_recv left the cursor at %d of %d", t->name, buf.cursor, buf.len);
	*all_read = (buf.cursor == buf.len);
	return result;
}

Datum
call_one_arg(FuzzType *t, int which, Datum arg)
{
	LOCAL_FCINFO(fcinfo, 1);
	Datum		result;

	InitFunctionCallInfoData(*fcinfo, &t->flinfo[which], 1, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = arg;
	fcinfo->args[0].isnull = false;
	result = FunctionCallInvoke(fcinfo);
	if (fcinfo->isnull)
		fail("%s_%s returned NULL", t->name, which == F_OUT ? "out" : "send");
	return result;
}

/* input functions with their errors caught; *code gets the SQLSTATE */
bool
try_in(FuzzType *t, const char *lit, int32 typmod, Datum *result, int *code)
{
	volatile bool ok = false;

	PG_TRY();
	{
		*result = call_in(t, lit, typmod);
		ok = true;
	}
	PG_CATCH();
	{
		*code = pgshim_error_code();
		if (pgshim_error_message()[0] == '\0')
			fail("%s_in raised an error with no message", t->name);
		pgshim_clear_error();
	}
	PG_END_TRY();
	return ok;
}

bool
try_recv(FuzzType *t, const char *bytes, int len, int32 typmod, Datum *result,
		 bool *all_read, int *code)
{
	volatile bool ok = false;

	PG_TRY();
	{
		*result = call_recv(t, bytes, len, typmod, all_read);
		ok = true;
	}
	PG_CATCH();
	{
		*code = pgshim_error_code();
		if (pgshim_error_message()[0] == '\0')
			fail("%s_recv raised an error with no message", t->name);
		pgshim_clear_error();
	}
	PG_END_TRY();
	return ok;
}

/* ---- properties ---- */

void
check_reject_code(FuzzType *t, bool binary, int code)
{
	bool		ok;

	if (binary)
		ok = code == ERRCODE_PROTOCOL_VIOLATION ||
			code == ERRCODE_INVALID_BINARY_REPRESENTATION ||
			code == ERRCODE_DATA_EXCEPTION ||
			code == ERRCODE_PROGRAM_LIMIT_EXCEEDED;
	else
		ok = code == ERRCODE_INVALID_TEXT_REPRESENTATION ||
			code == ERRCODE_DATA_EXCEPTION ||
			code == ERRCODE_PROGRAM_LIMIT_EXCEEDED ||
			code == ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
	if (!ok)
		fail("%s_%s rejected the input with undocumented SQLSTATE %s",
			 t->name, binary ? "recv" : "in", pgshim_sqlstate(code));
}

/* what an input function returned is a well-formed value */
static void
check_value(FuzzType *t, Datum d, int32 typmod, const char *what)
{
	struct varlena *p = (struct varlena *) DatumGetPointer(d);
	const Vector *v = (const Vector *) p;
	const HalfVector *h = (const HalfVector *) p;
	Size		size;

	if (p == NULL)
		fail("%s: NULL pointer", what);
	if (!VARATT_IS_4B_U(p))
		fail("%s: not a plain 4-byte-header varlena", what);
	size = VARSIZE(p);
	if (size < offsetof(Vector, x))
		fail("%s: varlena of %zu bytes is shorter than the header", what, size);
	if (v->dim < 1 || v->dim > HANNOY_MAX_DIM)
		fail("%s: dim %d out of range", what, v->dim);
	if (size != offsetof(Vector, x) + (Size) t->elsize * v->dim)
		fail("%s: varlena size %zu does not match dim %d", what, size, v->dim);
	if (typmod != -1 && v->dim != typmod)
		fail("%s: dim %d accepted for typmod %d", what, v->dim, typmod);
	if (v->unused != 0)
		fail("%s: reserved field is %d", what, v->unused);
	for (int i = 0; i < v->dim; i++)
	{
		if (t->half ? HannoyHalfIsNonFinite(h->x[i]) : !isfinite(v->x[i]))
			fail("%s: element %d is not finite", what, i);
	}
}

bool
same_value(Datum a, Datum b)
{
	struct varlena *pa = (struct varlena *) DatumGetPointer(a);
	struct varlena *pb = (struct varlena *) DatumGetPointer(b);

	return VARSIZE(pa) == VARSIZE(pb) && memcmp(pa, pb, VARSIZE(pa)) == 0;
}

char *
copy_bytes(const void *p, Size n)
{
	char	   *c = palloc(n);

	memcpy(c, p, n);
	return c;
}

/* a 1-byte-header copy at an odd address, when the value is small enough */
Datum
short_form(Datum d)
{
	struct varlena *p = (struct varlena *) DatumGetPointer(d);
	char	   *buf;
	char	   *s;

	if (!VARATT_CAN_MAKE_SHORT(p))
		return d;
	buf = palloc(1 + VARATT_CONVERTED_SHORT_SIZE(p));
	s = buf + 1;
	SET_VARSIZE_SHORT(s, VARATT_CONVERTED_SHORT_SIZE(p));
	memcpy(VARDATA_SHORT(s), VARDATA(p), VARSIZE(p) - VARHDRSZ);
	return PointerGetDatum(s);
}

/* independent fp16 conversions: the CPU's F16C instructions when present */
#if defined(__x86_64__)
__attribute__((target("f16c"))) static float
hw_half_to_float(uint16 h)
{
	return _cvtsh_ss(h);
}

__attribute__((target("f16c"))) static uint16
hw_float_to_half(float f)
{
	return _cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT);
}
#endif

static float
half_to_float_oracle(uint16 h)
{
#if defined(__x86_64__)
	if (have_f16c)
		return hw_half_to_float(h);
#endif
	return HannoyHalfToFloat(h);
}

static uint16
float_to_half_oracle(float f)
{
#if defined(__x86_64__)
	if (have_f16c)
		return hw_float_to_half(f);
#endif
	return HannoyFloatToHalf(f);
}

int
count_char(const char *s, char c)
{
	int			n = 0;

	for (; *s; s++)
		n += (*s == c);
	return n;
}

/*
 * The round trips of an accepted value v of type t.  Returns what send
 * produced (varlena), so binary inputs can be compared with it.
 */
static bytea *
round_trip(FuzzType *t, Datum v, int32 typmod, bool shortargs)
{
	struct varlena *pv = (struct varlena *) DatumGetPointer(v);
	int			dim = ((const Vector *) pv)->dim;
	char	   *v_before = copy_bytes(pv, VARSIZE(pv));
	Datum		arg = shortargs ? short_form(v) : v;
	Size		arg_size = VARSIZE_ANY(DatumGetPointer(arg));
	char	   *arg_before = copy_bytes(DatumGetPointer(arg), arg_size);
	char	   *text;
	char	   *text2;
	Datum		v2;
	bytea	   *sent;
	int			sent_len;
	bool		all_read;
	const uint8 *sb;

	/* text */
	text = DatumGetCString(call_one_arg(t, F_OUT, arg));
	if (text == NULL)
		fail("%s_out returned a NULL pointer", t->name);
	if (strlen(text) > 2 + (Size) FLOAT_SHORTEST_DECIMAL_LEN * dim ||
		text[0] != '[' || text[strlen(text) - 1] != ']' ||
		count_char(text, ',') != dim - 1)
		fail("%s_out printed a malformed literal for dim %d: \"%.400s\"",
			 t->name, dim, text);
	v2 = call_in(t, text, typmod);
	check_value(t, v2, typmod, "in(out(v))");
	if (!same_value(v, v2))
	{
		dump_value("v", v);
		dump_value("in(out(v))", v2);
		fail("%s text round trip changed the value; out(v) = \"%.400s\"",
			 t->name, text);
	}
	if (typmod != -1 && !same_value(v, call_in(t, text, -1)))
		fail("%s: out(v) reads back differently without the typmod", t->name);
	text2 = DatumGetCString(call_one_arg(t, F_OUT, v2));
	if (strcmp(text, text2) != 0)
		fail("%s_out is not stable: \"%.200s\" then \"%.200s\"", t->name, text, text2);

	/* a halfvec's text is exact: read as vector it gives the fp16 values */
	if (t->half)
	{
		const HalfVector *h = (const HalfVector *) pv;
		const Vector *fv = (const Vector *) DatumGetPointer(call_in(&vector_type, text, typmod));

		if (fv->dim != dim)
			fail("halfvec_out text has %d elements as vector, not %d", fv->dim, dim);
		for (int i = 0; i < dim; i++)
		{
			float		want = half_to_float_oracle(h->x[i]);

			if (memcmp(&want, &fv->x[i], sizeof(float)) != 0)
				fail("halfvec_out element %d (0x%04x) printed as %.9g, not %.9g",
					 i, h->x[i], fv->x[i], want);
		}
	}

	/* binary */
	sent = (bytea *) DatumGetPointer(call_one_arg(t, F_SEND, arg));
	if (!VARATT_IS_4B_U(sent))
		fail("%s_send did not return a 4-byte-header bytea", t->name);
	sent_len = VARSIZE(sent) - VARHDRSZ;
	sb = (const uint8 *) VARDATA(sent);
	if (sent_len != 4 + t->elsize * dim)
		fail("%s_send wrote %d bytes for dim %d", t->name, sent_len, dim);
	if (((sb[0] << 8) | sb[1]) != (dim & 0xffff) || sb[2] != 0 || sb[3] != 0)
		fail("%s_send wrote a bad header %02x %02x %02x %02x for dim %d",
			 t->name, sb[0], sb[1], sb[2], sb[3], dim);
	v2 = call_recv(t, VARDATA(sent), sent_len, typmod, &all_read);
	if (!all_read)
		fail("%s_recv did not consume all of send's %d bytes", t->name, sent_len);
	check_value(t, v2, typmod, "recv(send(v))");
	if (!same_value(v, v2))
	{
		dump_value("v", v);
		dump_value("recv(send(v))", v2);
		fail("%s binary round trip changed the value", t->name);
	}

	if (memcmp(v_before, pv, VARSIZE(pv)) != 0 ||
		memcmp(arg_before, DatumGetPointer(arg), arg_size) != 0)
		fail("%s_out or %s_send modified its argument", t->name, t->name);
	return sent;
}

/* ---- targets ---- */

static void
fuzz_text(const char *lit, int32 typmod, bool shortargs)
{
	Datum		dv = 0,
				dh = 0;
	int			cv = 0,
				ch = 0;
	bool		okv,
				okh;

	cur_literal = lit;
	okv = try_in(&vector_type, lit, typmod, &dv, &cv);
	okh = try_in(&halfvec_type, lit, typmod, &dh, &ch);
	if (!okv)
		check_reject_code(&vector_type, false, cv);
	if (!okh)
		check_reject_code(&halfvec_type, false, ch);

	if (okv)
	{
		const Vector *v = (const Vector *) DatumGetPointer(dv);

		check_value(&vector_type, dv, typmod, "vector_in(literal)");
		if (v->dim != count_char(lit, ',') + 1)
			fail("vector_in read %d elements from a literal with %d commas",
				 v->dim, count_char(lit, ','));
		round_trip(&vector_type, dv, typmod, shortargs);
	}
	if (okh)
	{
		check_value(&halfvec_type, dh, typmod, "halfvec_in(literal)");
		round_trip(&halfvec_type, dh, typmod, shortargs);
	}

	/* the same literal as vector and as halfvec */
	if (okh && !okv)
		fail("halfvec_in accepted a literal that vector_in rejects (SQLSTATE %s)",
			 pgshim_sqlstate(cv));
	if (!okh && !okv && ch != cv)
		fail("vector_in and halfvec_in reject the literal differently: %s vs %s",
			 pgshim_sqlstate(cv), pgshim_sqlstate(ch));
	if (okv && !okh)
	{
		const Vector *v = (const Vector *) DatumGetPointer(dv);
		bool		too_big = false;

		for (int i = 0; i < v->dim; i++)
			too_big |= fabsf(v->x[i]) > HALF_MAX_VALUE;
		if (!too_big || ch != ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE)
			fail("halfvec_in rejected (SQLSTATE %s) a literal vector_in accepts, "
				 "%s element above 65504", pgshim_sqlstate(ch),
				 too_big ? "with an" : "without any");
	}
	if (okv && okh)
	{
		const Vector *v = (const Vector *) DatumGetPointer(dv);
		const HalfVector *h = (const HalfVector *) DatumGetPointer(dh);

		if (v->dim != h->dim)
			fail("vector_in read %d elements, halfvec_in %d", v->dim, h->dim);
		for (int i = 0; i < v->dim; i++)
		{
			uint16		want = float_to_half_oracle(v->x[i]);

			if (fabsf(v->x[i]) > HALF_MAX_VALUE)
				fail("halfvec_in accepted element %d = %.9g above 65504", i, v->x[i]);
			if (h->x[i] != want)
				fail("halfvec_in element %d is 0x%04x; %.9g rounds to 0x%04x",
					 i, h->x[i], v->x[i], want);
		}
	}
}

static void
fuzz_binary(FuzzType *t, const char *bytes, int len, int32 typmod, bool shortargs)
{
	Datum		v = 0;
	int			code = 0;
	bool		all_read = false;
	bytea	   *sent;

	if (!try_recv(t, bytes, len, typmod, &v, &all_read, &code))
	{
		check_reject_code(t, true, code);
		return;
	}
	/* the server rejects trailing bytes after recv (22P03) */
	if (!all_read)
		return;
	check_value(t, v, typmod, "recv(bytes)");
	sent = round_trip(t, v, typmod, shortargs);
	if (VARSIZE(sent) - VARHDRSZ != (Size) len ||
		memcmp(VARDATA(sent), bytes, len) != 0)
	{
		dump_bytes("send(recv(bytes))", (const uint8 *) VARDATA(sent),
				   VARSIZE(sent) - VARHDRSZ);
		fail("%s: send(recv(bytes)) differs from the bytes", t->name);
	}
}

/*
 * Element count of a repeated form, taken from the front of the payload:
 * a byte other than 0xff is the count (modulo 128); 0xff and a second
 * byte select one of the 8 counts around the limit, 15996 .. 16003.
 * Counts in between exercise nothing more, and large ones are slow (about
 * 13 ms for the round trips of 16000 elements): kept to 1 input in 256.
 */
int
take_count(const uint8 **p, size_t *n)
{
	uint8		selector;
	uint8		k = 0;

	if (*n == 0)
		return 0;
	selector = **p;
	(*p)++;
	(*n)--;
	if (selector != 0xff)
		return selector & 127;
	if (*n > 0)
	{
		k = **p;
		(*p)++;
		(*n)--;
	}
	return HANNOY_MAX_DIM - 4 + (k & 7);
}

/* count, element: "[" elem ("," elem)* "]" with count elements ("[]" for 0) */
static char *
repeated_literal(const uint8 *p, size_t n)
{
	int			count = take_count(&p, &n);
	size_t		elen = 0;
	char	   *lit;
	char	   *q;

	while (elen < n && elen < MAX_REPEAT_ELEM && p[elen] != '\0')
		elen++;
	lit = palloc((size_t) count * (elen + 1) + 3);
	q = lit;
	*q++ = '[';
	for (int i = 0; i < count; i++)
	{
		if (i > 0)
			*q++ = ',';
		memcpy(q, p, elen);
		q += elen;
	}
	*q++ = ']';
	*q = '\0';
	return lit;
}

/*
 * count, reserved field (2 bytes), length adjustment (int8, -3 .. 3: the
 * body is cut short or followed by trailing bytes), element pattern: the
 * binary form of count elements, the pattern repeated over the body.
 */
static char *
repeated_binary(FuzzType *t, const uint8 *p, size_t n, int *len)
{
	int			dim = take_count(&p, &n);
	uint8		rest[3] = {0, 0, 0};
	int			body;
	size_t		plen;
	char	   *bytes;

	memcpy(rest, p, Min(n, (size_t) 3));
	p += Min(n, (size_t) 3);
	n -= Min(n, (size_t) 3);
	plen = Min(n, (size_t) MAX_PATTERN);
	body = Max(dim * t->elsize + ((int8) rest[2]) % 4, 0);

	bytes = palloc(4 + body);
	bytes[0] = (char) (dim >> 8);
	bytes[1] = (char) dim;
	bytes[2] = (char) rest[0];
	bytes[3] = (char) rest[1];
	for (int i = 0; i < body; i++)
		bytes[4 + i] = plen ? p[i % plen] : 0;
	*len = 4 + body;
	return bytes;
}

static void
fuzz_one(const uint8 *data, size_t size)
{
	int			target = data[0] & 7;
	int			kernels = (data[0] >> 3) & 3;
	bool		shortargs = (data[0] >> 5) & 1;
	int32		typmod;
	const uint8 *payload = data + 2;
	size_t		plen = size - 2;

	if (data[0] & 0x40)
	{
		/* sparsevec: fuzz_sparsevec.c, with its own typmod mapping */
		sparse_fuzz_one(target, shortargs, data[1], payload, plen);
		return;
	}
	if (data[1] < 128)
		typmod = -1;
	else if (data[1] == 255)
		typmod = HANNOY_MAX_DIM;
	else if (data[1] == 254)
		typmod = HANNOY_MAX_DIM + 1;
	else
		typmod = data[1] - 127;
	cur_typmod = typmod;

	HannoyKernel = kernel_sets[kernels];

	switch (target)
	{
		case 0:
		case 1:
			{
				char	   *lit = palloc(plen + 1);

				memcpy(lit, payload, plen);
				lit[plen] = '\0';
				fuzz_text(lit, typmod, shortargs);
				break;
			}
		case 2:
		case 3:
			fuzz_binary(target == 2 ? &vector_type : &halfvec_type,
						(const char *) payload, (int) plen, typmod, shortargs);
			break;
		case 4:
		case 5:
			fuzz_text(repeated_literal(payload, plen), typmod, shortargs);
			break;
		case 6:
		case 7:
			{
				FuzzType   *t = target == 6 ? &vector_type : &halfvec_type;
				int			len;
				char	   *bytes = repeated_binary(t, payload, plen, &len);

				fuzz_binary(t, bytes, len, typmod, shortargs);
				break;
			}
	}
}

/* ---- libFuzzer entry points ---- */

void
init_type(FuzzType *t)
{
	for (int i = 0; i < F_COUNT; i++)
	{
		const Pg_finfo_record *rec = t->finfo[i] ();

		if (rec == NULL || rec->api_version != 1)
		{
			fprintf(stderr, "%s function %d is not a V1 function\n", t->name, i);
			abort();
		}
		memset(&t->flinfo[i], 0, sizeof(FmgrInfo));
		t->flinfo[i].fn_addr = t->fn[i];
		t->flinfo[i].fn_oid = InvalidOid;
		t->flinfo[i].fn_nargs = (i == F_IN || i == F_RECV) ? 3 : 1;
		t->flinfo[i].fn_strict = true;
		t->flinfo[i].fn_retset = false;
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *verbose = getenv("HANNOY_FUZZ_VERBOSE");

	pgshim_verbose = verbose != NULL && verbose[0] == '1';
	init_type(&vector_type);
	init_type(&halfvec_type);
	sparse_fuzz_init();
#if defined(__x86_64__)
	have_f16c = HannoyCpuHasF16C();
#endif
	for (int i = 0; i < 4; i++)
	{
		kernel_sets[i] = HannoyKernelsFor(kernel_choices[i]);
		if (kernel_sets[i] == NULL)
			kernel_sets[i] = &HannoyKernelsPortable;
	}
	fprintf(stderr, "hannoy type I/O fuzz: kernels avx2=%s avx512=%s, fp16 oracle=%s\n",
			HannoyKernelsAvx2() ? "yes" : "no",
			HannoyKernelsAvx512() ? "yes" : "no",
			have_f16c ? "F16C" : "halfutils.h");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8 *data, size_t size)
{
	if (size < 2)
		return 0;
	cur_data = data;
	cur_size = size;
	cur_literal = NULL;
	cur_typmod = -1;

	PG_TRY();
	{
		fuzz_one(data, size);
	}
	PG_CATCH();
	{
		/* input errors are caught in try_in/try_recv: this is a round trip */
		fail("a round trip raised an error: SQLSTATE %s: %s (%s)",
			 pgshim_sqlstate(pgshim_error_code()), pgshim_error_message(),
			 pgshim_error_detail());
	}
	PG_END_TRY();
	pgshim_reset();
	return 0;
}

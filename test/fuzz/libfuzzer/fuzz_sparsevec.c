/*-------------------------------------------------------------------------
 *
 * fuzz_sparsevec.c
 *	  The sparsevec half of the type I/O fuzz target (fuzz_types.c has the
 *	  entry points and routes inputs with bit 6 of byte 0 set here).
 *
 * Properties checked, besides AddressSanitizer and UBSan:
 *
 *	- a model: each input is also read by a small reference reader written
 *	  from the documented forms below (model_text, model_binary).  The
 *	  input function must accept exactly what the model accepts, return
 *	  the model's value (dimensions, 0-based ascending indices, value bits),
 *	  and reject the rest with a SQLSTATE the model allows for one of the
 *	  input's faults (a text input's first syntax fault decides its code).
 *	- every rejection carries a SQLSTATE documented for that input path.
 *	- a returned value is well formed: 4-byte varlena header, size
 *	  16 + 8 * nnz, 1 <= dim <= 1e9, 0 <= nnz <= min(dim, 16000), indices
 *	  ascending in [0, dim), values finite and not zero, reserved field 0,
 *	  dim equal to the typmod unless it is -1.
 *	- text:   in(s) = v  =>  in(out(v)) is v bit for bit (with the typmod
 *			  and without), out is stable, the model reads out(v) as v, and
 *			  recv(send(v)) is v, consuming all of send's bytes.
 *	- binary: recv(b) = v  =>  send(v) is the bytes recv consumed, byte for
 *			  byte, and recv consumed exactly 12 + 8 * nnz bytes; the text
 *			  round trip above holds too.
 *	- vector cross-check: the value tokens of an accepted literal (or of
 *	  out(v) for binary input) placed in a dense "[...]" literal (zeros
 *	  elsewhere) when dim <= 16000, or listed in index order otherwise,
 *	  read by vector_in give the same floats bit for bit.
 *	- out and send do not modify their argument (also given a short,
 *	  1-byte-header copy at an odd address when the input asks).
 *
 * The documented forms (README, sparsevec.h):
 *	text:	"{i:x,j:y,...}/dim", 1-based indices in any order, white space
 *			around every token, zero values dropped, a non-zero index given
 *			twice is an error; at most 16000 non-zero values, 1 .. 1e9
 *			dimensions.  Syntax, NaN, infinity: 22P02; a value beyond float4:
 *			22003; more than 16000 non-zero values or 1e9 dimensions: 54000;
 *			fewer than 1 dimension, an index outside 1 .. dim, a repeated
 *			index, dimensions other than the typmod: 22000.
 *	binary: int32 dim, int32 nnz, int32 0, nnz int32 0-based indices
 *			(ascending), nnz float4 values (finite, not zero), big-endian.
 *			Fewer than 12 bytes: 08P01; dim < 1, typmod mismatch, a NaN or
 *			infinite value: 22000; dim > 1e9, nnz > 16000: 54000; reserved
 *			field not 0, nnz < 0 or > dim, fewer bytes than the elements, an
 *			index outside 0 .. dim - 1 or not above the one before, a zero
 *			value: 22P03 (a short message may give 08P01).
 *
 * Input layout (after fuzz_types.c's byte 0, whose bit 6 is set):
 *	byte 0 bits 0-2: 0, 1  text literal (payload)
 *					 2, 3  binary recv (payload)
 *					 4, 5  text, repeated (repeated_literal below)
 *					 6, 7  binary, repeated (repeated_binary below)
 *		   bit 5:	 short-header copies to out/send
 *	byte 1: typmod: < 128 -> -1; 255 -> 16000; 254 -> 16001;
 *			253 -> 1000000000; 252 -> 100000; else byte - 127
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/shortest_dec.h"

#include "sparsevec.h"
#include "vector_common.h"

#include "pgshim.h"
#include "fuzz_types.h"

DECLARE_V1(hannoy_sparsevec_in);
DECLARE_V1(hannoy_sparsevec_out);
DECLARE_V1(hannoy_sparsevec_recv);
DECLARE_V1(hannoy_sparsevec_send);

static FuzzType sparsevec_type = {
	"sparsevec", false, sizeof(float),
	{hannoy_sparsevec_in, hannoy_sparsevec_out, hannoy_sparsevec_recv,
	hannoy_sparsevec_send},
	{pg_finfo_hannoy_sparsevec_in, pg_finfo_hannoy_sparsevec_out,
	pg_finfo_hannoy_sparsevec_recv, pg_finfo_hannoy_sparsevec_send}
};

#define SPARSE_HEADER	12		/* binary: dim, nnz, reserved */
#define MAX_NNZ			HANNOY_SPARSE_MAX_NNZ
#define MAX_SPARSE_DIM	((int64) HANNOY_SPARSE_MAX_DIM)
#define MAX_TOKEN		32
#define MAX_PATTERN		64

/* ---- sets of SQLSTATEs ---- */

typedef struct CodeSet
{
	int			n;
	int			codes[8];
} CodeSet;

static void
codes_add(CodeSet *s, int code)
{
	for (int i = 0; i < s->n; i++)
		if (s->codes[i] == code)
			return;
	if (s->n < (int) lengthof(s->codes))
		s->codes[s->n++] = code;
}

static bool
codes_has(const CodeSet *s, int code)
{
	for (int i = 0; i < s->n; i++)
		if (s->codes[i] == code)
			return true;
	return false;
}

static const char *
codes_text(const CodeSet *s)
{
	static char buf[64];
	char	   *p = buf;

	buf[0] = '\0';
	for (int i = 0; i < s->n; i++)
		p += sprintf(p, "%s%s", i ? "/" : "", pgshim_sqlstate(s->codes[i]));
	return buf;
}

/* ---- the model ---- */

typedef struct ModelElem
{
	int64		index;			/* text: 1-based as written; binary: 0-based */
	float		value;
	const char *tok;			/* text: the value as written */
	int			toklen;
} ModelElem;

typedef struct SparseModel
{
	bool		ok;
	CodeSet		codes;			/* when !ok: what the rejection may carry */
	const char *why;			/* the first fault found, for reports */
	int64		dim;
	int			nnz;
	ModelElem  *el;				/* when ok: nnz elements, 0-based indices */
} SparseModel;

static void
model_init(SparseModel *m)
{
	memset(m, 0, sizeof(*m));
	m->ok = true;
}

static void
model_fault(SparseModel *m, int code, const char *why)
{
	m->ok = false;
	codes_add(&m->codes, code);
	if (m->why == NULL)
		m->why = why;
}

static bool
model_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static const char *
skip_space(const char *p)
{
	while (model_space(*p))
		p++;
	return p;
}

/*
 * A decimal integer at p (white space and a sign before it allowed);
 * returns the end, or NULL if there is none.  Values beyond 1e17 stay
 * where they are: far out of every range that matters.
 */
static const char *
model_integer(const char *p, int64 *result)
{
	bool		neg = false;
	int64		v = 0;

	p = skip_space(p);
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (*p < '0' || *p > '9')
		return NULL;
	for (; *p >= '0' && *p <= '9'; p++)
		if (v < 100000000000000000LL)
			v = v * 10 + (*p - '0');
	*result = neg ? -v : v;
	return p;
}

static int
compare_elems(const void *a, const void *b)
{
	int64		ia = ((const ModelElem *) a)->index;
	int64		ib = ((const ModelElem *) b)->index;

	return ia < ib ? -1 : ia > ib ? 1 : 0;
}

/* The text form, read as documented. */
static void
model_text(const char *lit, int32 typmod, SparseModel *m)
{
	const char *p = skip_space(lit);
	int			capacity = Min(count_char(lit, ','), MAX_NNZ) + 1;
	ModelElem  *el = palloc(sizeof(ModelElem) * capacity);
	int			n = 0;
	int64		dim;

	model_init(m);
	if (*p != '{')
		return model_fault(m, ERRCODE_INVALID_TEXT_REPRESENTATION, "no {");
	p = skip_space(p + 1);
	if (*p == '}')
		p++;
	else
		for (;;)
		{
			int64		index;
			float		value;
			char	   *end;

			p = model_integer(skip_space(p), &index);
			if (p == NULL)
				return model_fault(m, ERRCODE_INVALID_TEXT_REPRESENTATION, "index not an integer");
			p = skip_space(p);
			if (*p != ':')
				return model_fault(m, ERRCODE_INVALID_TEXT_REPRESENTATION, "no : after an index");
			p = skip_space(p + 1);
			errno = 0;
			value = strtof(p, &end);
			if (end == p)
				return model_fault(m, ERRCODE_INVALID_TEXT_REPRESENTATION, "value not a number");
			if (isnan(value))
				return model_fault(m, ERRCODE_INVALID_TEXT_REPRESENTATION, "NaN value");
			if (isinf(value))
				return model_fault(m, errno == ERANGE ? ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE :
								   ERRCODE_INVALID_TEXT_REPRESENTATION,
								   "infinite value, or beyond float4");
			if (value != 0.0f)
			{
				if (n == MAX_NNZ)
					return model_fault(m, ERRCODE_PROGRAM_LIMIT_EXCEEDED,
									   "more than 16000 non-zero values");
				if (n == capacity)
					fail("model: more elements than commas + 1");
				el[n].index = index;
				el[n].value = value;
				el[n].tok = p;
				el[n].toklen = (int) (end - p);
				n++;
			}
			p = skip_space(end);
			if (*p == ',')
				p++;
			else if (*p == '}')
			{
				p++;
				break;
			}
			else
				return model_fault(m, ERRCODE_INVALID_TEXT_REPRESENTATION,
								   "no , or } after a value");
		}
	p = skip_space(p);
	if (*p != '/')
		return model_fault(m, ERRCODE_INVALID_TEXT_REPRESENTATION, "no / after }");
	p = model_integer(skip_space(p + 1), &dim);
	if (p == NULL)
		return model_fault(m, ERRCODE_INVALID_TEXT_REPRESENTATION, "dimensions not an integer");
	if (*skip_space(p) != '\0')
		return model_fault(m, ERRCODE_INVALID_TEXT_REPRESENTATION, "junk after the dimensions");

	/* the whole literal parses: now its meaning */
	if (dim < 1)
		model_fault(m, ERRCODE_DATA_EXCEPTION, "fewer than 1 dimension");
	if (dim > MAX_SPARSE_DIM)
		model_fault(m, ERRCODE_PROGRAM_LIMIT_EXCEEDED, "more than 1e9 dimensions");
	qsort(el, n, sizeof(ModelElem), compare_elems);
	for (int i = 0; i < n; i++)
	{
		if (el[i].index < 1 || el[i].index > dim)
			model_fault(m, ERRCODE_DATA_EXCEPTION, "index out of range");
		if (i > 0 && el[i].index == el[i - 1].index)
			model_fault(m, ERRCODE_DATA_EXCEPTION, "index repeated");
	}
	if (typmod != -1 && typmod != dim)
		model_fault(m, ERRCODE_DATA_EXCEPTION, "dimensions differ from the typmod");
	if (!m->ok)
		return;
	for (int i = 0; i < n; i++)
		el[i].index--;
	m->dim = dim;
	m->nnz = n;
	m->el = el;
}

static int32
get_be32(const uint8 *p)
{
	return (int32) (((uint32) p[0] << 24) | ((uint32) p[1] << 16) |
					((uint32) p[2] << 8) | (uint32) p[3]);
}

static void
put_be32(char *p, uint32 x)
{
	p[0] = (char) (x >> 24);
	p[1] = (char) (x >> 16);
	p[2] = (char) (x >> 8);
	p[3] = (char) x;
}

/* The binary form, read as documented; trailing bytes are not a fault here. */
static void
model_binary(const uint8 *b, int len, int32 typmod, SparseModel *m)
{
	int32		dim,
				nnz,
				reserved;
	int64		avail;
	int64		have_idx,
				have_val;

	model_init(m);
	if (len < SPARSE_HEADER)
		return model_fault(m, ERRCODE_PROTOCOL_VIOLATION, "shorter than the header");
	dim = get_be32(b);
	nnz = get_be32(b + 4);
	reserved = get_be32(b + 8);
	if (dim < 1)
		model_fault(m, ERRCODE_DATA_EXCEPTION, "fewer than 1 dimension");
	if (dim > MAX_SPARSE_DIM)
		model_fault(m, ERRCODE_PROGRAM_LIMIT_EXCEEDED, "more than 1e9 dimensions");
	if (typmod != -1 && typmod != dim)
		model_fault(m, ERRCODE_DATA_EXCEPTION, "dimensions differ from the typmod");
	if (reserved != 0)
		model_fault(m, ERRCODE_INVALID_BINARY_REPRESENTATION, "reserved field not 0");
	if (nnz < 0 || nnz > dim)
		model_fault(m, ERRCODE_INVALID_BINARY_REPRESENTATION, "nnz < 0 or > dim");
	if (nnz > MAX_NNZ)
		model_fault(m, ERRCODE_PROGRAM_LIMIT_EXCEEDED, "more than 16000 non-zero values");
	if (nnz < 0)
		return;
	avail = len - SPARSE_HEADER;
	if (avail < 8 * (int64) nnz)
	{
		model_fault(m, ERRCODE_INVALID_BINARY_REPRESENTATION, "shorter than its elements");
		codes_add(&m->codes, ERRCODE_PROTOCOL_VIOLATION);
	}
	/* the elements there are bytes for */
	have_idx = Min((int64) nnz, avail / 4);
	have_val = Max(Min((int64) nnz, (avail - 4 * (int64) nnz) / 4), 0);
	if (have_val == nnz)
		m->el = palloc(sizeof(ModelElem) * Max(nnz, 1));
	for (int64 i = 0; i < have_idx; i++)
	{
		int32		index = get_be32(b + SPARSE_HEADER + 4 * i);

		if (index < 0 || index >= dim)
			model_fault(m, ERRCODE_INVALID_BINARY_REPRESENTATION, "index out of range");
		if (i > 0 && index <= get_be32(b + SPARSE_HEADER + 4 * (i - 1)))
			model_fault(m, ERRCODE_INVALID_BINARY_REPRESENTATION, "indices not ascending");
		if (m->el)
			m->el[i].index = index;
	}
	for (int64 i = 0; i < have_val; i++)
	{
		uint32		bits = (uint32) get_be32(b + SPARSE_HEADER + 4 * (int64) nnz + 4 * i);
		float		value;

		memcpy(&value, &bits, sizeof(value));
		if (!isfinite(value))
			model_fault(m, ERRCODE_DATA_EXCEPTION, "NaN or infinite value");
		else if (value == 0.0f)
			model_fault(m, ERRCODE_INVALID_BINARY_REPRESENTATION, "zero value");
		if (m->el)
			m->el[i].value = value;
	}
	if (!m->ok)
		return;
	m->dim = dim;
	m->nnz = nnz;
}

/* ---- checks on values ---- */

static int32
typmod_for(uint8 b)
{
	if (b < 128)
		return -1;
	switch (b)
	{
		case 255:
			return HANNOY_MAX_DIM;
		case 254:
			return HANNOY_MAX_DIM + 1;
		case 253:
			return HANNOY_SPARSE_MAX_DIM;
		case 252:
			return 100000;
		default:
			return b - 127;
	}
}

static void
check_sparse_value(Datum d, int32 typmod, const char *what)
{
	struct varlena *p = (struct varlena *) DatumGetPointer(d);
	SparseVector *v = (SparseVector *) p;
	float	   *values;
	Size		size;

	if (p == NULL)
		fail("%s: NULL pointer", what);
	if (!VARATT_IS_4B_U(p))
		fail("%s: not a plain 4-byte-header varlena", what);
	size = VARSIZE(p);
	if (size < offsetof(SparseVector, indices))
		fail("%s: varlena of %zu bytes is shorter than the header", what, size);
	if (v->dim < 1 || v->dim > HANNOY_SPARSE_MAX_DIM)
		fail("%s: dim %d out of range", what, v->dim);
	if (v->nnz < 0 || v->nnz > Min(v->dim, MAX_NNZ))
		fail("%s: nnz %d out of range for dim %d", what, v->nnz, v->dim);
	if (size != SPARSEVEC_SIZE(v->nnz))
		fail("%s: varlena size %zu does not match nnz %d", what, size, v->nnz);
	if (typmod != -1 && v->dim != typmod)
		fail("%s: dim %d accepted for typmod %d", what, v->dim, typmod);
	if (v->unused != 0)
		fail("%s: reserved field is %d", what, v->unused);
	values = SparseVectorValues(v);
	for (int i = 0; i < v->nnz; i++)
	{
		if (v->indices[i] < 0 || v->indices[i] >= v->dim)
			fail("%s: index %d at %d is outside 0 .. %d", what, v->indices[i], i, v->dim - 1);
		if (i > 0 && v->indices[i] <= v->indices[i - 1])
			fail("%s: indices %d, %d at %d not ascending", what,
				 v->indices[i - 1], v->indices[i], i);
		if (!isfinite(values[i]) || values[i] == 0.0f)
			fail("%s: value %d is %g", what, i, values[i]);
	}
}

/* v (well formed) is the model's value */
static void
check_model_value(Datum d, const SparseModel *m, const char *what)
{
	SparseVector *v = (SparseVector *) DatumGetPointer(d);
	float	   *values = SparseVectorValues(v);

	if (v->dim != m->dim || v->nnz != m->nnz)
		fail("%s: dim %d, nnz %d; the model has dim %lld, nnz %d", what,
			 v->dim, v->nnz, (long long) m->dim, m->nnz);
	for (int i = 0; i < v->nnz; i++)
	{
		if (v->indices[i] != m->el[i].index)
			fail("%s: element %d has index %d; the model %lld", what, i,
				 v->indices[i], (long long) m->el[i].index);
		if (memcmp(&values[i], &m->el[i].value, sizeof(float)) != 0)
			fail("%s: element %d (index %d) is %.9g; the model %.9g", what, i,
				 v->indices[i], values[i], m->el[i].value);
	}
}

/*
 * The value tokens of a literal (the model's, in index order) read by
 * vector_in: a dense literal when dim <= 16000, else the tokens listed.
 */
static void
cross_check_vector(Datum d, const SparseModel *m, const char *what)
{
	SparseVector *v = (SparseVector *) DatumGetPointer(d);
	float	   *values = SparseVectorValues(v);
	bool		dense = v->dim <= HANNOY_MAX_DIM;
	int			n = dense ? v->dim : v->nnz;
	Size		len = 3;
	char	   *lit;
	char	   *q;
	Datum		dv = 0;
	int			code = 0;
	const Vector *vec;
	int			k = 0;

	if (n == 0)
		return;
	for (int i = 0; i < m->nnz; i++)
		len += m->el[i].toklen + 1;
	if (dense)
		len += 2 * (Size) n;
	lit = palloc(len);
	q = lit;
	*q++ = '[';
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			*q++ = ',';
		if (!dense || (k < m->nnz && m->el[k].index == i))
		{
			memcpy(q, m->el[k].tok, m->el[k].toklen);
			q += m->el[k].toklen;
			k++;
		}
		else
			*q++ = '0';
	}
	*q++ = ']';
	*q = '\0';
	if (!try_in(&vector_type, lit, -1, &dv, &code))
		fail("%s: vector_in rejects the values as %s (SQLSTATE %s): \"%.300s\"",
			 what, dense ? "a dense literal" : "a list", pgshim_sqlstate(code), lit);
	vec = (const Vector *) DatumGetPointer(dv);
	if (vec->dim != n)
		fail("%s: vector_in read %d elements, not %d", what, vec->dim, n);
	k = 0;
	for (int i = 0; i < n; i++)
	{
		float		want = 0.0f;

		if (!dense || (k < v->nnz && v->indices[k] == i))
			want = values[k++];
		if (memcmp(&want, &vec->x[i], sizeof(float)) != 0)
			fail("%s: vector_in element %d is %.9g, sparsevec has %.9g", what, i,
				 vec->x[i], want);
	}
}

/*
 * The round trips of an accepted value v.  Returns what send produced
 * (varlena), so binary inputs can be compared with it.
 */
static bytea *
sparse_round_trip(Datum v, int32 typmod, bool shortargs)
{
	FuzzType   *t = &sparsevec_type;
	struct varlena *pv = (struct varlena *) DatumGetPointer(v);
	int			nnz = ((const SparseVector *) pv)->nnz;
	int			dim = ((const SparseVector *) pv)->dim;
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
	SparseModel m;

	/* text */
	text = DatumGetCString(call_one_arg(t, F_OUT, arg));
	if (text == NULL)
		fail("sparsevec_out returned a NULL pointer");
	if (strlen(text) > (Size) nnz * (12 + FLOAT_SHORTEST_DECIMAL_LEN) + 14 ||
		text[0] != '{' || strstr(text, "}/") == NULL ||
		count_char(text, ',') != Max(nnz - 1, 0) ||
		count_char(text, ':') != nnz)
		fail("sparsevec_out printed a malformed literal for nnz %d: \"%.400s\"", nnz, text);
	model_text(text, typmod, &m);
	if (!m.ok)
		fail("the model rejects out(v) (%s): \"%.400s\"", m.why, text);
	check_model_value(v, &m, "model(out(v))");
	v2 = call_in(t, text, typmod);
	check_sparse_value(v2, typmod, "in(out(v))");
	if (!same_value(v, v2))
	{
		dump_value("v", v);
		dump_value("in(out(v))", v2);
		fail("sparsevec text round trip changed the value; out(v) = \"%.400s\"", text);
	}
	if (typmod != -1 && !same_value(v, call_in(t, text, -1)))
		fail("sparsevec: out(v) reads back differently without the typmod");
	text2 = DatumGetCString(call_one_arg(t, F_OUT, v2));
	if (strcmp(text, text2) != 0)
		fail("sparsevec_out is not stable: \"%.200s\" then \"%.200s\"", text, text2);
	cross_check_vector(v, &m, "out(v)");

	/* binary */
	sent = (bytea *) DatumGetPointer(call_one_arg(t, F_SEND, arg));
	if (!VARATT_IS_4B_U(sent))
		fail("sparsevec_send did not return a 4-byte-header bytea");
	sent_len = VARSIZE(sent) - VARHDRSZ;
	sb = (const uint8 *) VARDATA(sent);
	if (sent_len != SPARSE_HEADER + 8 * nnz)
		fail("sparsevec_send wrote %d bytes for nnz %d", sent_len, nnz);
	if (get_be32(sb) != dim || get_be32(sb + 4) != nnz || get_be32(sb + 8) != 0)
		fail("sparsevec_send wrote a bad header %08x %08x %08x for dim %d, nnz %d",
			 (uint32) get_be32(sb), (uint32) get_be32(sb + 4), (uint32) get_be32(sb + 8),
			 dim, nnz);
	model_binary(sb, sent_len, typmod, &m);
	if (!m.ok)
		fail("the model rejects send(v) (%s)", m.why);
	check_model_value(v, &m, "model(send(v))");
	v2 = call_recv(t, VARDATA(sent), sent_len, typmod, &all_read);
	if (!all_read)
		fail("sparsevec_recv did not consume all of send's %d bytes", sent_len);
	check_sparse_value(v2, typmod, "recv(send(v))");
	if (!same_value(v, v2))
	{
		dump_value("v", v);
		dump_value("recv(send(v))", v2);
		fail("sparsevec binary round trip changed the value");
	}

	if (memcmp(v_before, pv, VARSIZE(pv)) != 0 ||
		memcmp(arg_before, DatumGetPointer(arg), arg_size) != 0)
		fail("sparsevec_out or sparsevec_send modified its argument");
	return sent;
}

/* ---- targets ---- */

static void
fuzz_sparse_text(const char *lit, int32 typmod, bool shortargs)
{
	SparseModel m;
	Datum		d = 0;
	int			code = 0;

	cur_literal = lit;
	model_text(lit, typmod, &m);
	if (!try_in(&sparsevec_type, lit, typmod, &d, &code))
	{
		check_reject_code(&sparsevec_type, false, code);
		if (m.ok)
			fail("sparsevec_in rejected (SQLSTATE %s) a literal the model accepts "
				 "(dim %lld, nnz %d)", pgshim_sqlstate(code), (long long) m.dim, m.nnz);
		if (!codes_has(&m.codes, code))
			fail("sparsevec_in rejected the literal with SQLSTATE %s; the model "
				 "expects %s (%s)", pgshim_sqlstate(code), codes_text(&m.codes), m.why);
		return;
	}
	if (!m.ok)
		fail("sparsevec_in accepted a literal the model rejects: %s (SQLSTATE %s)",
			 m.why, codes_text(&m.codes));
	check_sparse_value(d, typmod, "sparsevec_in(literal)");
	check_model_value(d, &m, "sparsevec_in(literal)");
	cross_check_vector(d, &m, "the literal's values");
	sparse_round_trip(d, typmod, shortargs);
}

static void
fuzz_sparse_binary(const char *bytes, int len, int32 typmod, bool shortargs)
{
	SparseModel m;
	Datum		d = 0;
	int			code = 0;
	bool		all_read = false;
	bytea	   *sent;
	int			used;

	model_binary((const uint8 *) bytes, len, typmod, &m);
	if (!try_recv(&sparsevec_type, bytes, len, typmod, &d, &all_read, &code))
	{
		check_reject_code(&sparsevec_type, true, code);
		if (m.ok)
			fail("sparsevec_recv rejected (SQLSTATE %s) bytes the model accepts "
				 "(dim %lld, nnz %d)", pgshim_sqlstate(code), (long long) m.dim, m.nnz);
		if (!codes_has(&m.codes, code))
			fail("sparsevec_recv rejected the bytes with SQLSTATE %s; the model "
				 "expects %s (%s)", pgshim_sqlstate(code), codes_text(&m.codes), m.why);
		return;
	}
	if (!m.ok)
		fail("sparsevec_recv accepted bytes the model rejects: %s (SQLSTATE %s)",
			 m.why, codes_text(&m.codes));
	used = SPARSE_HEADER + 8 * m.nnz;
	if (all_read != (len == used))
		fail("sparsevec_recv %s all %d bytes; its value takes %d",
			 all_read ? "consumed" : "did not consume", len, used);
	check_sparse_value(d, typmod, "recv(bytes)");
	check_model_value(d, &m, "recv(bytes)");
	sent = sparse_round_trip(d, typmod, shortargs);
	/* the server rejects trailing bytes (22P03); what recv read must match */
	if (VARSIZE(sent) - VARHDRSZ != (Size) used ||
		memcmp(VARDATA(sent), bytes, used) != 0)
	{
		dump_bytes("send(recv(bytes))", (const uint8 *) VARDATA(sent),
				   VARSIZE(sent) - VARHDRSZ);
		fail("sparsevec: send(recv(bytes)) differs from the bytes recv read");
	}
}

/*
 * Dimensions of a repeated form, by selector & 15, from hi (the largest
 * 1-based index written, 1 if none) and count; the edges of each check.
 */
static int64
repeated_dim(uint8 sel, int64 hi, int count)
{
	switch (sel & 15)
	{
		case 0:
			return hi;
		case 1:
			return hi - 1;
		case 2:
			return hi + 1;
		case 3:
			return MAX_SPARSE_DIM;
		case 4:
			return MAX_SPARSE_DIM + 1;
		case 5:
			return 0;
		case 6:
			return -1;
		case 7:
			return PG_INT32_MAX;
		case 8:
			return (int64) PG_INT32_MAX + 1;
		case 9:
			return MAX_NNZ;
		case 10:
			return MAX_NNZ + 1;
		case 11:
			return 1;
		case 12:
			return count;
		case 13:
			return count - 1;
		case 14:
			return hi + (int64) (sel >> 4) * 4096;
		default:
			return 0;			/* text: see repeated_literal */
	}
}

static size_t
take_bytes(const uint8 **p, size_t *n, uint8 *dst, size_t want)
{
	size_t		k = Min(*n, want);

	memset(dst, 0, want);
	memcpy(dst, *p, k);
	*p += k;
	*n -= k;
	return k;
}

/*
 * Text, repeated: payload = count (take_count), flags, start (int32 BE),
 * step (int16 BE), dimension selector (repeated_dim), value token (up to
 * 32 bytes, to a NUL), then for selector 15 the dimensions' text (up to
 * 32 bytes).  Element i has index start + step * i and the token; flags:
 *	bit 0  " : " between index and value
 *	bit 1  " ,\n " between elements
 *	bit 2  white space around "{", "}", "/" and after the dimensions
 *	bit 3  elements written in reverse order (the reader must sort)
 *	bit 4  every odd element's value is "0" (dropped)
 *	bit 5  every 7th element repeats the index before it
 *	bit 6  indices written with "+"
 *	bit 7  indices written with a leading "0"
 */
static char *
repeated_literal(const uint8 *p, size_t n)
{
	int			count = take_count(&p, &n);
	uint8		head[8];
	uint8		flags;
	int64		start,
				step,
				hi = 1;
	uint8		sel;
	size_t		tlen = 0,
				dlen = 0;
	const uint8 *tok,
			   *dimtok;
	int64	   *index;
	char	   *lit;
	char	   *q;
	int64		dim;

	take_bytes(&p, &n, head, 8);
	flags = head[0];
	start = get_be32(head + 1);
	step = (int16) ((head[5] << 8) | head[6]);
	sel = head[7];
	tok = p;
	while (tlen < n && tlen < MAX_TOKEN && p[tlen] != '\0')
		tlen++;
	dimtok = p + tlen + (tlen < n);
	n -= Min(n, tlen + 1);
	while (dlen < n && dlen < MAX_TOKEN && dimtok[dlen] != '\0')
		dlen++;

	index = palloc(sizeof(int64) * Max(count, 1));
	for (int i = 0; i < count; i++)
	{
		index[i] = (flags & 32) && i % 7 == 6 ? index[i - 1] : start + step * i;
		hi = i == 0 ? index[i] : Max(hi, index[i]);
	}
	dim = repeated_dim(sel, hi, count);

	lit = palloc((Size) count * (MAX_TOKEN + 32) + 2 * MAX_TOKEN + 32);
	q = lit;
	q += sprintf(q, "%s{%s", flags & 4 ? " \t" : "", flags & 4 ? " " : "");
	for (int j = 0; j < count; j++)
	{
		int			i = (flags & 8) ? count - 1 - j : j;

		if (j > 0)
			q += sprintf(q, "%s", flags & 2 ? " ,\n " : ",");
		q += sprintf(q, "%s%s%lld%s",
					 (flags & 64) && index[i] >= 0 ? "+" : "",
					 (flags & 128) && index[i] >= 0 ? "0" : "",
					 (long long) index[i], flags & 1 ? " : " : ":");
		if ((flags & 16) && i % 2 == 1)
			*q++ = '0';
		else
		{
			memcpy(q, tok, tlen);
			q += tlen;
		}
	}
	q += sprintf(q, "%s}%s/%s", flags & 4 ? " " : "", flags & 4 ? "\n" : "",
				 flags & 4 ? " " : "");
	if ((sel & 15) == 15)
	{
		memcpy(q, dimtok, dlen);
		q += dlen;
		*q = '\0';
	}
	else
		q += sprintf(q, "%lld", (long long) dim);
	if (flags & 4)
		q += sprintf(q, " \r\n");
	return lit;
}

/*
 * Binary, repeated: payload = count (take_count: nnz), flags, dimension
 * selector (repeated_dim), length adjustment (int8 % 4: cut short or
 * trailing bytes), start (int32 BE), step (int16 BE), value pattern (up to
 * 64 bytes, repeated over the values).  Index i is start + step * i as
 * int32; flags:
 *	bits 0-1  reserved field: 0, 1, -1, 0x10000
 *	bit 2	  nnz field is -count - 1 (the body still holds count elements)
 *	bit 3	  nnz field is count + 1
 *	bit 4	  every 5th index repeats the one before it
 *	bit 5	  the last index is dim (one past the end)
 */
static char *
repeated_binary(const uint8 *p, size_t n, int *len)
{
	static const int32 reserved_values[4] = {0, 1, -1, 0x10000};
	int			count = take_count(&p, &n);
	uint8		head[9];
	uint8		flags;
	int64		start,
				step,
				hi = 1;
	int64		dim;
	int			adjust;
	int32		nnz_field;
	size_t		plen;
	int			body;
	char	   *bytes;
	int32	   *index;

	take_bytes(&p, &n, head, 9);
	flags = head[0];
	adjust = ((int8) head[2]) % 4;
	start = get_be32(head + 3);
	step = (int16) ((head[7] << 8) | head[8]);
	plen = Min(n, (size_t) MAX_PATTERN);

	index = palloc(sizeof(int32) * Max(count, 1));
	for (int i = 0; i < count; i++)
	{
		index[i] = (flags & 16) && i % 5 == 4 ? index[i - 1] : (int32) (start + step * i);
		hi = i == 0 ? (int64) index[i] + 1 : Max(hi, (int64) index[i] + 1);
	}
	dim = repeated_dim(head[1], hi, count);
	if ((head[1] & 15) == 15)
		dim = 2 * (int64) count;
	if ((flags & 32) && count > 0)
		index[count - 1] = (int32) dim;
	nnz_field = (flags & 4) ? -count - 1 : (flags & 8) ? count + 1 : count;

	body = Max(8 * count + adjust, 0);
	bytes = palloc(SPARSE_HEADER + body);
	put_be32(bytes, (uint32) (int32) dim);
	put_be32(bytes + 4, (uint32) nnz_field);
	put_be32(bytes + 8, (uint32) reserved_values[flags & 3]);
	for (int i = 0; i < count && 4 * (i + 1) <= body; i++)
		put_be32(bytes + SPARSE_HEADER + 4 * i, (uint32) index[i]);
	for (int i = 4 * count; i < body; i++)
		bytes[SPARSE_HEADER + i] = plen ? p[(i - 4 * count) % plen] : 0;
	*len = SPARSE_HEADER + body;
	if (body == 0 && adjust < 0)
		*len += adjust;			/* a cut header */
	return bytes;
}

void
sparse_fuzz_one(int target, bool shortargs, uint8 typmod_byte,
				const uint8 *payload, size_t plen)
{
	int32		typmod = typmod_for(typmod_byte);

	cur_typmod = typmod;
	switch (target)
	{
		case 0:
		case 1:
			{
				char	   *lit = palloc(plen + 1);

				memcpy(lit, payload, plen);
				lit[plen] = '\0';
				fuzz_sparse_text(lit, typmod, shortargs);
				break;
			}
		case 2:
		case 3:
			fuzz_sparse_binary((const char *) payload, (int) plen, typmod, shortargs);
			break;
		case 4:
		case 5:
			fuzz_sparse_text(repeated_literal(payload, plen), typmod, shortargs);
			break;
		default:
			{
				int			len;
				char	   *bytes = repeated_binary(payload, plen, &len);

				fuzz_sparse_binary(bytes, len, typmod, shortargs);
				break;
			}
	}
}

void
sparse_fuzz_init(void)
{
	init_type(&sparsevec_type);
}

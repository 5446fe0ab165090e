/* json.c - strict RFC 8259 parser into an arena tree, and a JSON writer */

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

enum {
	F_TRUE = 1,		/* JSON_BOOL: the value is true */
	F_NUL = 2,		/* JSON_STRING: contains U+0000 */
	F_INT = 4,		/* JSON_NUMBER: no fraction, no exponent */
	CHUNK_MIN = 64,		/* nodes in the smallest arena chunk */
	CHUNK_MAX = 65536,	/* chunks stop doubling here */
	SMALL_OBJECT = 16,	/* members checked pairwise for duplicates */
	SLOTS_MIN = 32,		/* first size of the parser's stacks */
	WRITER_MIN = 256,	/* first size of a writer's buffer */
};

/*
 * A node. Arrays point at `len` consecutive values; objects at 2 * `len`
 * consecutive nodes, key (a string node) then value for each member.
 * Strings and numbers point into the document's text area, NUL-terminated.
 */
struct json_value {
	unsigned char type;	/* enum json_type */
	unsigned char flags;	/* F_* */
	size_t len;
	union {
		const char *s;
		struct json_value *kids;
	} u;
};

/* Arena chunk holding the children of closed containers. */
struct chunk {
	struct chunk *next;
	size_t cap, used;
	struct json_value node[];
};

/*
 * One allocation per document: the root, the chunk list, and room for all
 * decoded text. Text needs at most len + 1 bytes for an input of len bytes:
 * a string token of n bytes (quotes included) decodes to at most n - 2
 * bytes plus a NUL, and a number token of n bytes takes n + 1, the extra
 * byte paid by the delimiter that follows it (only the last token of the
 * input can lack one).
 */
struct doc {
	struct json_value root;	/* first member: json_free() casts back */
	struct chunk *chunks;
	char text[];
};

/* A value waiting for its container to close. */
struct slot {
	struct json_value v;
	size_t pos;		/* input offset of its first byte */
};

/* An open container: its own slot is base - 1, its children follow. */
struct frame {
	size_t base;
	int is_obj;
};

enum parse_state {
	S_VALUE,		/* a value must come next */
	S_KEY,			/* an object key must come next */
	S_NEXT,			/* a value ended: ',', a close, or the end */
};

struct parser {
	const unsigned char *in, *p, *end;
	struct json_limits lim;
	struct doc *doc;
	char *text;		/* next free byte in doc->text */
	size_t chunk_next;	/* capacity of the next regular chunk */
	size_t nodes;
	struct slot *slots;
	size_t nslots, slots_cap;
	struct frame *frames;
	size_t nframes, frames_cap;
	const struct slot **sorted;
	size_t sorted_cap;
	struct err *e;
};

/*
 * Length of the well-formed UTF-8 sequence at p (1..4), or 0 if the bytes
 * at p do not start one: a stray continuation byte, C0/C1 or F5..FF, an
 * overlong form, a surrogate, a code point above U+10FFFF, or a sequence
 * cut short by `end`. p < end.
 */
static size_t
utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	unsigned lo = 0x80, hi = 0xBF;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c < 0xC2)
		return 0;
	if (c < 0xE0) {
		n = 2;
	} else if (c < 0xF0) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c < 0xF5) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

/* Encode code point cp (a scalar value) as UTF-8 at out; return length. */
static size_t
utf8_put(char *out, unsigned long cp)
{
	unsigned char *o = (unsigned char *)out;

	if (cp < 0x80) {
		o[0] = cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = 0xC0 | cp >> 6;
		o[1] = 0x80 | (cp & 0x3F);
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = 0xE0 | cp >> 12;
		o[1] = 0x80 | (cp >> 6 & 0x3F);
		o[2] = 0x80 | (cp & 0x3F);
		return 3;
	}
	o[0] = 0xF0 | cp >> 18;
	o[1] = 0x80 | (cp >> 12 & 0x3F);
	o[2] = 0x80 | (cp >> 6 & 0x3F);
	o[3] = 0x80 | (cp & 0x3F);
	return 4;
}

static int
is_digit(unsigned c)
{
	return c >= '0' && c <= '9';
}

/* Read 4 hex digits at p into *cp; -1 if fewer remain or one is not hex. */
static int
hex4(const unsigned char *p, const unsigned char *end, unsigned long *cp)
{
	unsigned long v = 0;
	int i;

	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		v <<= 4;
		if (is_digit(p[i]))
			v |= p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			v |= p[i] - 'a' + 10;
		else if (p[i] >= 'A' && p[i] <= 'F')
			v |= p[i] - 'A' + 10;
		else
			return -1;
	}
	*cp = v;
	return 0;
}

/*
 * Return a copy of arr (*cap elements of size bytes) with twice the room
 * and update *cap; NULL with `e` set (arr untouched) when out of memory.
 */
static void *
grow(void *arr, size_t *cap, size_t size, struct err *e)
{
	size_t n = *cap ? *cap : SLOTS_MIN / 2;
	void *p;

	if (n > SIZE_MAX / 2 / size) {
		err_set(e, ENOMEM, "json: out of memory");
		return NULL;
	}
	p = realloc(arr, n * 2 * size);
	if (!p) {
		err_set(e, ENOMEM, "json: out of memory");
		return NULL;
	}
	*cap = n * 2;
	return p;
}

/* Report `fmt` at input position `at` with its line and column. */
static int
fail(struct parser *ps, const unsigned char *at, int code, const char *fmt,
	...)
	__attribute__((format(printf, 4, 5)));

static int
fail(struct parser *ps, const unsigned char *at, int code, const char *fmt,
	...)
{
	char msg[128];
	const unsigned char *q;
	size_t line = 1, col = 1;
	va_list ap;

	for (q = ps->in; q < at; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(ps->e, code, "json: line %zu column %zu: %s", line, col,
		msg);
}

static int
fail_eof(struct parser *ps)
{
	return fail(ps, ps->end, ERR_PARSE, "unexpected end of input");
}

static void
skip_ws(struct parser *ps)
{
	const unsigned char *p = ps->p;

	while (p < ps->end && (*p == ' ' || *p == '\t' || *p == '\n' ||
	    *p == '\r'))
		p++;
	ps->p = p;
}

/* Take n nodes from the arena. */
static struct json_value *
arena_alloc(struct parser *ps, size_t n)
{
	struct chunk *c = ps->doc->chunks, *nc;
	size_t cap = ps->chunk_next;

	if (c && c->cap - c->used >= n) {
		c->used += n;
		return c->node + c->used - n;
	}
	if (n > cap)
		cap = n;
	if (cap > (SIZE_MAX - sizeof(*nc)) / sizeof(nc->node[0])) {
		err_set(ps->e, ENOMEM, "json: out of memory");
		return NULL;
	}
	nc = malloc(sizeof(*nc) + cap * sizeof(nc->node[0]));
	if (!nc) {
		err_set(ps->e, ENOMEM, "json: out of memory");
		return NULL;
	}
	nc->cap = cap;
	nc->used = n;
	if (c && n > ps->chunk_next) {
		/* a big container gets its own chunk; keep the head's room */
		nc->next = c->next;
		c->next = nc;
	} else {
		nc->next = c;
		ps->doc->chunks = nc;
		if (ps->chunk_next < CHUNK_MAX)
			ps->chunk_next *= 2;
	}
	return nc->node;
}

/* Append a value to the pending slots, counting it against max_nodes. */
static int
push(struct parser *ps, const struct json_value *v, size_t pos)
{
	struct slot *p;

	if (ps->nodes >= ps->lim.max_nodes)
		return fail(ps, ps->in + pos, ERR_LIMIT,
			"more than %zu values", ps->lim.max_nodes);
	if (ps->nslots == ps->slots_cap) {
		p = grow(ps->slots, &ps->slots_cap, sizeof(*p), ps->e);
		if (!p)
			return -1;
		ps->slots = p;
	}
	ps->nodes++;
	ps->slots[ps->nslots].v = *v;
	ps->slots[ps->nslots].pos = pos;
	ps->nslots++;
	return 0;
}

/*
 * Decode the \u escape whose backslash is at p, joining a surrogate pair.
 * Store the code point in *cp and return the length of the escape text (6,
 * or 12 for a pair), or -1 with the error set.
 */
static int
u_escape(struct parser *ps, const unsigned char *p, unsigned long *cp)
{
	const unsigned char *end = ps->end;
	unsigned long hi, lo;

	if (hex4(p + 2, end, &hi) < 0)
		return fail(ps, p, ERR_PARSE, "invalid \\u escape");
	if (hi >= 0xDC00 && hi <= 0xDFFF)
		return fail(ps, p, ERR_PARSE, "unpaired low surrogate escape");
	if (hi < 0xD800 || hi > 0xDBFF) {
		*cp = hi;
		return 6;
	}
	if (end - p < 8 || p[6] != '\\' || p[7] != 'u')
		return fail(ps, p, ERR_PARSE, "unpaired high surrogate escape");
	if (hex4(p + 8, end, &lo) < 0)
		return fail(ps, p + 6, ERR_PARSE, "invalid \\u escape");
	if (lo < 0xDC00 || lo > 0xDFFF)
		return fail(ps, p, ERR_PARSE, "unpaired high surrogate escape");
	*cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
	return 12;
}

/* Parse the string whose opening quote is at ps->p into *v. */
static int
parse_string(struct parser *ps, struct json_value *v)
{
	const unsigned char *p = ps->p + 1, *end = ps->end, *run;
	char *out = ps->text;
	unsigned char flags = 0;
	unsigned long cp = 0;
	size_t n;
	int k;

	for (;;) {
		run = p;
		while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' &&
		    *p != '\\')
			p++;
		memcpy(out, run, p - run);
		out += p - run;
		if (p == end)
			return fail_eof(ps);
		if (*p == '"')
			break;
		if (*p < 0x20)
			return fail(ps, p, ERR_PARSE,
				"control character in string");
		if (*p >= 0x80) {
			n = utf8_len(p, end);
			if (!n)
				return fail(ps, p, ERR_PARSE,
					"invalid utf-8 in string");
			memcpy(out, p, n);
			out += n;
			p += n;
			continue;
		}
		if (end - p < 2)
			return fail_eof(ps);
		if (p[1] == 'u') {
			k = u_escape(ps, p, &cp);
			if (k < 0)
				return -1;
			if (cp == 0)
				flags |= F_NUL;
			out += utf8_put(out, cp);
			p += k;
			continue;
		}
		switch (p[1]) {
		case '"':
		case '\\':
		case '/':
			*out++ = p[1];
			break;
		case 'b':
			*out++ = '\b';
			break;
		case 'f':
			*out++ = '\f';
			break;
		case 'n':
			*out++ = '\n';
			break;
		case 'r':
			*out++ = '\r';
			break;
		case 't':
			*out++ = '\t';
			break;
		default:
			return fail(ps, p, ERR_PARSE,
				"invalid escape in string");
		}
		p += 2;
	}
	*out = '\0';
	v->type = JSON_STRING;
	v->flags = flags;
	v->len = out - ps->text;
	v->u.s = ps->text;
	ps->text = out + 1;
	ps->p = p + 1;
	return 0;
}

/* Parse the number starting at ps->p ('-' or a digit) into *v. */
static int
parse_number(struct parser *ps, struct json_value *v)
{
	const unsigned char *p = ps->p, *end = ps->end;
	unsigned char flags = F_INT;

	if (*p == '-')
		p++;
	if (p == end || !is_digit(*p))
		return fail(ps, p, ERR_PARSE, "expected digit in number");
	if (*p == '0') {
		p++;
		if (p < end && is_digit(*p))
			return fail(ps, p - 1, ERR_PARSE,
				"leading zero in number");
	} else {
		while (p < end && is_digit(*p))
			p++;
	}
	if (p < end && *p == '.') {
		flags = 0;
		p++;
		if (p == end || !is_digit(*p))
			return fail(ps, p, ERR_PARSE,
				"expected digit after '.' in number");
		while (p < end && is_digit(*p))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		flags = 0;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p == end || !is_digit(*p))
			return fail(ps, p, ERR_PARSE,
				"expected digit in exponent");
		while (p < end && is_digit(*p))
			p++;
	}
	v->type = JSON_NUMBER;
	v->flags = flags;
	v->len = p - ps->p;
	v->u.s = ps->text;
	memcpy(ps->text, ps->p, v->len);
	ps->text[v->len] = '\0';
	ps->text += v->len + 1;
	ps->p = p;
	return 0;
}

/* Parse true, false or null at ps->p into *v. */
static int
parse_literal(struct parser *ps, struct json_value *v)
{
	static const struct {
		const char *word;
		unsigned char type, flags;
	} lits[] = {
		{ "true", JSON_BOOL, F_TRUE },
		{ "false", JSON_BOOL, 0 },
		{ "null", JSON_NULL, 0 },
	};
	size_t i, n;

	for (i = 0; i < sizeof(lits) / sizeof(lits[0]); i++) {
		n = strlen(lits[i].word);
		if (*ps->p != (unsigned char)lits[i].word[0])
			continue;
		if ((size_t)(ps->end - ps->p) < n ||
		    memcmp(ps->p, lits[i].word, n) != 0)
			break;
		v->type = lits[i].type;
		v->flags = lits[i].flags;
		v->len = 0;
		v->u.s = NULL;
		ps->p += n;
		return 0;
	}
	return fail(ps, ps->p, ERR_PARSE, "invalid literal");
}

/* Open a container at ps->p: a placeholder slot plus a frame. */
static int
open_container(struct parser *ps, int is_obj)
{
	struct json_value v;
	struct frame *f;
	size_t pos = ps->p - ps->in;

	if (ps->nframes >= ps->lim.max_depth)
		return fail(ps, ps->p, ERR_LIMIT, "nesting deeper than %u",
			ps->lim.max_depth);
	memset(&v, 0, sizeof(v));
	if (push(ps, &v, pos) < 0)
		return -1;
	if (ps->nframes == ps->frames_cap) {
		f = grow(ps->frames, &ps->frames_cap, sizeof(*f), ps->e);
		if (!f)
			return -1;
		ps->frames = f;
	}
	ps->frames[ps->nframes].base = ps->nslots;
	ps->frames[ps->nframes].is_obj = is_obj;
	ps->nframes++;
	ps->p++;
	return 0;
}

static int
same_key(const struct slot *a, const struct slot *b)
{
	return a->v.len == b->v.len &&
		memcmp(a->v.u.s, b->v.u.s, a->v.len) == 0;
}

/* Order keys by length, bytes, then position in the input. */
static int
cmp_key(const void *pa, const void *pb)
{
	const struct slot *a = *(const struct slot *const *)pa;
	const struct slot *b = *(const struct slot *const *)pb;
	int r;

	if (a->v.len != b->v.len)
		return a->v.len < b->v.len ? -1 : 1;
	r = memcmp(a->v.u.s, b->v.u.s, a->v.len);
	if (r)
		return r;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/*
 * Refuse an object whose m members starting at slot `base` repeat a key;
 * report the first repeat in document order.
 */
static int
check_dups(struct parser *ps, size_t base, size_t m)
{
	const struct slot *k = ps->slots + base, **sorted;
	size_t i, j, dup = (size_t)-1;

	if (m <= SMALL_OBJECT) {
		for (i = 1; i < m && dup == (size_t)-1; i++)
			for (j = 0; j < i; j++)
				if (same_key(&k[2 * i], &k[2 * j])) {
					dup = k[2 * i].pos;
					break;
				}
	} else {
		while (ps->sorted_cap < m) {
			sorted = grow(ps->sorted, &ps->sorted_cap,
				sizeof(*sorted), ps->e);
			if (!sorted)
				return -1;
			ps->sorted = sorted;
		}
		for (i = 0; i < m; i++)
			ps->sorted[i] = &k[2 * i];
		qsort(ps->sorted, m, sizeof(*ps->sorted), cmp_key);
		for (i = 1; i < m; i++)
			if (same_key(ps->sorted[i - 1], ps->sorted[i]) &&
			    ps->sorted[i]->pos < dup)
				dup = ps->sorted[i]->pos;
	}
	if (dup != (size_t)-1)
		return fail(ps, ps->in + dup, ERR_PARSE,
			"duplicate object key");
	return 0;
}

/* Close the innermost container (its closing byte is at ps->p). */
static int
close_container(struct parser *ps)
{
	struct frame *f = &ps->frames[ps->nframes - 1];
	struct json_value *v = &ps->slots[f->base - 1].v, *kids = NULL;
	size_t n = ps->nslots - f->base, i;

	if (f->is_obj && check_dups(ps, f->base, n / 2) < 0)
		return -1;
	if (n) {
		kids = arena_alloc(ps, n);
		if (!kids)
			return -1;
		for (i = 0; i < n; i++)
			kids[i] = ps->slots[f->base + i].v;
	}
	v->type = f->is_obj ? JSON_OBJECT : JSON_ARRAY;
	v->flags = 0;
	v->len = f->is_obj ? n / 2 : n;
	v->u.kids = kids;
	ps->nslots = f->base;
	ps->nframes--;
	ps->p++;
	return 0;
}

/* Parse a value where one is expected (state S_VALUE). */
static int
parse_value(struct parser *ps, enum parse_state *st)
{
	struct json_value v;
	size_t pos;
	int is_obj;

	skip_ws(ps);
	if (ps->p == ps->end)
		return fail_eof(ps);
	pos = ps->p - ps->in;
	switch (*ps->p) {
	case '{':
	case '[':
		is_obj = *ps->p == '{';
		if (open_container(ps, is_obj) < 0)
			return -1;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == (is_obj ? '}' : ']')) {
			*st = S_NEXT;
			return close_container(ps);
		}
		*st = is_obj ? S_KEY : S_VALUE;
		return 0;
	case '"':
		if (parse_string(ps, &v) < 0)
			return -1;
		break;
	case 't':
	case 'f':
	case 'n':
		if (parse_literal(ps, &v) < 0)
			return -1;
		break;
	default:
		if (*ps->p != '-' && !is_digit(*ps->p))
			return fail(ps, ps->p, ERR_PARSE, "expected value");
		if (parse_number(ps, &v) < 0)
			return -1;
		break;
	}
	*st = S_NEXT;
	return push(ps, &v, pos);
}

/* Parse an object key and its ':' (state S_KEY). */
static int
parse_key(struct parser *ps, enum parse_state *st)
{
	struct json_value v;
	size_t pos;

	skip_ws(ps);
	if (ps->p == ps->end)
		return fail_eof(ps);
	if (*ps->p != '"')
		return fail(ps, ps->p, ERR_PARSE,
			"expected string as object key");
	pos = ps->p - ps->in;
	if (parse_string(ps, &v) < 0 || push(ps, &v, pos) < 0)
		return -1;
	skip_ws(ps);
	if (ps->p == ps->end)
		return fail_eof(ps);
	if (*ps->p != ':')
		return fail(ps, ps->p, ERR_PARSE,
			"expected ':' after object key");
	ps->p++;
	*st = S_VALUE;
	return 0;
}

/* After a value inside a container: ',' or the close (state S_NEXT). */
static int
parse_next(struct parser *ps, enum parse_state *st)
{
	int is_obj = ps->frames[ps->nframes - 1].is_obj;

	skip_ws(ps);
	if (ps->p == ps->end)
		return fail_eof(ps);
	if (*ps->p == ',') {
		ps->p++;
		*st = is_obj ? S_KEY : S_VALUE;
		return 0;
	}
	if (*ps->p == (is_obj ? '}' : ']'))
		return close_container(ps);
	return fail(ps, ps->p, ERR_PARSE, is_obj ?
		"expected ',' or '}' after object member" :
		"expected ',' or ']' after array element");
}

/* Parse the whole input; on success the root is the only slot. */
static int
parse_doc(struct parser *ps)
{
	enum parse_state st = S_VALUE;
	int r;

	if (ps->end - ps->p >= 3 && ps->p[0] == 0xEF && ps->p[1] == 0xBB &&
	    ps->p[2] == 0xBF)
		return fail(ps, ps->p, ERR_PARSE,
			"byte order mark not allowed");
	do {
		if (st == S_VALUE)
			r = parse_value(ps, &st);
		else if (st == S_KEY)
			r = parse_key(ps, &st);
		else
			r = parse_next(ps, &st);
		if (r < 0)
			return -1;
	} while (st != S_NEXT || ps->nframes > 0);
	skip_ws(ps);
	if (ps->p != ps->end)
		return fail(ps, ps->p, ERR_PARSE,
			"unexpected data after value");
	return 0;
}

struct json_value *
json_parse(const char *buf, size_t len, const struct json_limits *lim,
	struct err *e)
{
	struct parser ps;
	struct json_value *root = NULL;
	size_t first;

	memset(&ps, 0, sizeof(ps));
	ps.e = e;
	ps.lim.max_size = JSON_DEFAULT_MAX_SIZE;
	ps.lim.max_depth = JSON_DEFAULT_MAX_DEPTH;
	ps.lim.max_nodes = JSON_DEFAULT_MAX_NODES;
	if (lim && lim->max_size)
		ps.lim.max_size = lim->max_size;
	if (lim && lim->max_depth)
		ps.lim.max_depth = lim->max_depth;
	if (lim && lim->max_nodes)
		ps.lim.max_nodes = lim->max_nodes;
	if (!buf && len) {
		err_set(e, ERR_GENERIC, "json: no input buffer");
		goto out;
	}
	if (len > ps.lim.max_size) {
		err_set(e, ERR_LIMIT, "json: document larger than %zu bytes",
			ps.lim.max_size);
		goto out;
	}
	if (len > SIZE_MAX - sizeof(struct doc) - 1) {
		err_set(e, ENOMEM, "json: out of memory");
		goto out;
	}
	ps.doc = malloc(sizeof(struct doc) + len + 1);
	if (!ps.doc) {
		err_set(e, ENOMEM, "json: out of memory");
		goto out;
	}
	ps.doc->chunks = NULL;
	ps.text = ps.doc->text;
	first = len / 16;
	ps.chunk_next = first < CHUNK_MIN ? CHUNK_MIN :
		first > CHUNK_MAX ? CHUNK_MAX : first;
	ps.in = (const unsigned char *)(buf ? buf : "");
	ps.p = ps.in;
	ps.end = ps.in + len;
	if (parse_doc(&ps) < 0)
		goto out;
	ps.doc->root = ps.slots[0].v;
	root = &ps.doc->root;
	ps.doc = NULL;
out:
	if (ps.doc)
		json_free(&ps.doc->root);
	free(ps.slots);
	free(ps.frames);
	free(ps.sorted);
	return root;
}

void
json_free(struct json_value *root)
{
	struct doc *d = (struct doc *)root;
	struct chunk *c, *next;

	if (!d)
		return;
	for (c = d->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	free(d);
}

enum json_type
json_type(const struct json_value *v)
{
	return v ? (enum json_type)v->type : JSON_NONE;
}

/* The value of the member of obj whose key is the n bytes at key. */
static const struct json_value *
obj_find(const struct json_value *obj, const char *key, size_t n)
{
	const struct json_value *k;
	size_t i;

	for (i = 0; i < obj->len; i++) {
		k = &obj->u.kids[2 * i];
		if (k->len == n && memcmp(k->u.s, key, n) == 0)
			return k + 1;
	}
	return NULL;
}

/* Step from v by one path segment of n bytes. */
static const struct json_value *
path_step(const struct json_value *v, const char *seg, size_t n)
{
	size_t i, idx = 0;

	if (v->type == JSON_OBJECT)
		return obj_find(v, seg, n);
	if (v->type != JSON_ARRAY || n == 0 || (n > 1 && seg[0] == '0'))
		return NULL;
	for (i = 0; i < n; i++) {
		if (!is_digit((unsigned char)seg[i]))
			return NULL;
		if (idx > (SIZE_MAX - 9) / 10)
			return NULL;
		idx = idx * 10 + (seg[i] - '0');
	}
	return idx < v->len ? &v->u.kids[idx] : NULL;
}

const struct json_value *
json_get(const struct json_value *root, const char *path)
{
	const struct json_value *v = root;
	const char *dot;

	if (!root || !path)
		return NULL;
	if (!*path)
		return root;
	for (;;) {
		dot = strchr(path, '.');
		v = path_step(v, path, dot ? (size_t)(dot - path) :
			strlen(path));
		if (!v || !dot)
			return v;
		path = dot + 1;
	}
}

const struct json_value *
json_obj_get(const struct json_value *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT || !key)
		return NULL;
	return obj_find(obj, key, strlen(key));
}

size_t
json_len(const struct json_value *v)
{
	if (!v || (v->type != JSON_ARRAY && v->type != JSON_OBJECT))
		return 0;
	return v->len;
}

const struct json_value *
json_at(const struct json_value *arr, size_t i)
{
	if (!arr || arr->type != JSON_ARRAY || i >= arr->len)
		return NULL;
	return &arr->u.kids[i];
}

const struct json_value *
json_key_at(const struct json_value *obj, size_t i)
{
	if (!obj || obj->type != JSON_OBJECT || i >= obj->len)
		return NULL;
	return &obj->u.kids[2 * i];
}

const struct json_value *
json_val_at(const struct json_value *obj, size_t i)
{
	if (!obj || obj->type != JSON_OBJECT || i >= obj->len)
		return NULL;
	return &obj->u.kids[2 * i + 1];
}

const char *
json_str(const struct json_value *v)
{
	if (!v || v->type != JSON_STRING || (v->flags & F_NUL))
		return NULL;
	return v->u.s;
}

const char *
json_strn(const struct json_value *v, size_t *len)
{
	if (!v || v->type != JSON_STRING) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (len)
		*len = v->len;
	return v->u.s;
}

size_t
json_str_len(const struct json_value *v)
{
	return v && v->type == JSON_STRING ? v->len : 0;
}

const char *
json_num_text(const struct json_value *v)
{
	return v && v->type == JSON_NUMBER ? v->u.s : NULL;
}

int
json_int(const struct json_value *v, int64_t *out, struct err *e)
{
	const char *s;
	uint64_t mag = 0, limit = INT64_MAX;
	unsigned d;
	int neg;

	if (!v || v->type != JSON_NUMBER)
		return err_set(e, ERR_PARSE, "json: not a number");
	s = v->u.s;
	if (!(v->flags & F_INT))
		return err_set(e, ERR_PARSE, "json: not an integer: %.40s", s);
	neg = *s == '-';
	if (neg) {
		s++;
		limit = (uint64_t)INT64_MAX + 1;
	}
	for (; *s; s++) {
		d = *s - '0';
		if (mag > (limit - d) / 10)
			return err_set(e, ERR_LIMIT,
				"json: integer out of range: %.40s", v->u.s);
		mag = mag * 10 + d;
	}
	if (!neg)
		*out = (int64_t)mag;
	else if (mag == (uint64_t)INT64_MAX + 1)
		*out = INT64_MIN;
	else
		*out = -(int64_t)mag;
	return 0;
}

int
json_double(const struct json_value *v, double *out, struct err *e)
{
	char *endp;
	double d;

	if (!v || v->type != JSON_NUMBER)
		return err_set(e, ERR_PARSE, "json: not a number");
	d = strtod(v->u.s, &endp);
	if (endp != v->u.s + v->len)
		return err_set(e, ERR_PARSE,
			"json: cannot convert number: %.40s", v->u.s);
	if (isinf(d))
		return err_set(e, ERR_LIMIT,
			"json: number out of range: %.40s", v->u.s);
	*out = d;
	return 0;
}

int
json_bool(const struct json_value *v)
{
	return v && v->type == JSON_BOOL && (v->flags & F_TRUE);
}

int
json_is_null(const struct json_value *v)
{
	return v && v->type == JSON_NULL;
}

/* Writer helpers. */

static void
wfail(struct json_writer *w, int code, const char *why)
{
	if (!w->code) {
		w->code = code;
		w->why = why;
	}
}

/* Append n bytes, keeping room for a final NUL. */
static void
put(struct json_writer *w, const char *s, size_t n)
{
	size_t cap;
	char *b;

	if (w->code)
		return;
	if (n >= w->cap - w->len) {
		if (n > SIZE_MAX / 2 || w->len > SIZE_MAX / 2 - n) {
			wfail(w, ENOMEM, "out of memory");
			return;
		}
		cap = w->cap ? w->cap : WRITER_MIN;
		while (n >= cap - w->len)
			cap *= 2;
		b = realloc(w->buf, cap);
		if (!b) {
			wfail(w, ENOMEM, "out of memory");
			return;
		}
		w->buf = b;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void
put_indent(struct json_writer *w)
{
	static const char tabs[] = "\n\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t";
	size_t left = w->depth, n;

	put(w, tabs, 1);
	while (left) {
		n = left < sizeof(tabs) - 2 ? left : sizeof(tabs) - 2;
		put(w, tabs + 1, n);
		left -= n;
	}
}

/* Write n bytes as a quoted, escaped string. */
static void
put_string(struct json_writer *w, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str, *end = s + n;
	const unsigned char *run;
	char esc[6];
	size_t k;

	put(w, "\"", 1);
	while (s < end) {
		run = s;
		while (s < end && *s >= 0x20 && *s < 0x80 && *s != '"' &&
		    *s != '\\')
			s++;
		put(w, (const char *)run, s - run);
		if (s == end)
			break;
		if (*s >= 0x80) {
			k = utf8_len(s, end);
			if (k) {
				put(w, (const char *)s, k);
				s += k;
			} else {
				put(w, "\xEF\xBF\xBD", 3);
				s++;
			}
			continue;
		}
		esc[0] = '\\';
		k = 2;
		switch (*s) {
		case '"':
		case '\\':
			esc[1] = *s;
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[*s >> 4];
			esc[5] = hex[*s & 15];
			k = 6;
			break;
		}
		put(w, esc, k);
		s++;
	}
	put(w, "\"", 1);
}

static int
top_is_obj(const struct json_writer *w)
{
	unsigned i = w->depth - 1;

	return w->is_obj[i / 8] >> (i % 8) & 1;
}

/* Comma and, in pretty mode, line break before an element or member. */
static void
separator(struct json_writer *w)
{
	if (!w->first)
		put(w, ",", 1);
	if (w->pretty)
		put_indent(w);
	w->first = 0;
}

/* Check that a value may come now and write what precedes it. */
static int
before_value(struct json_writer *w)
{
	if (w->code)
		return -1;
	if (w->depth == 0) {
		if (w->done) {
			wfail(w, ERR_GENERIC, "more than one top-level value");
			return -1;
		}
		return 0;
	}
	if (top_is_obj(w)) {
		if (!w->key_pending) {
			wfail(w, ERR_GENERIC, "object member without key");
			return -1;
		}
		w->key_pending = 0;
		return 0;
	}
	separator(w);
	return 0;
}

static void
after_value(struct json_writer *w)
{
	if (w->depth == 0)
		w->done = 1;
}

static void
begin_container(struct json_writer *w, int is_obj)
{
	unsigned i = w->depth;

	if (before_value(w) < 0)
		return;
	if (w->depth >= JSON_WRITER_MAX_DEPTH) {
		wfail(w, ERR_LIMIT, "nesting too deep");
		return;
	}
	put(w, is_obj ? "{" : "[", 1);
	if (is_obj)
		w->is_obj[i / 8] |= 1u << (i % 8);
	else
		w->is_obj[i / 8] &= ~(1u << (i % 8));
	w->depth++;
	w->first = 1;
}

static void
end_container(struct json_writer *w, int is_obj)
{
	if (w->code)
		return;
	if (w->depth == 0 || top_is_obj(w) != is_obj || w->key_pending) {
		wfail(w, ERR_GENERIC, is_obj ? "unexpected end of object" :
			"unexpected end of array");
		return;
	}
	w->depth--;
	if (!w->first && w->pretty)
		put_indent(w);
	put(w, is_obj ? "}" : "]", 1);
	w->first = 0;
	after_value(w);
}

void
json_writer_init(struct json_writer *w, int pretty)
{
	memset(w, 0, sizeof(*w));
	w->pretty = pretty != 0;
}

void
json_writer_free(struct json_writer *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

void
json_writer_begin_object(struct json_writer *w)
{
	begin_container(w, 1);
}

void
json_writer_end_object(struct json_writer *w)
{
	end_container(w, 1);
}

void
json_writer_begin_array(struct json_writer *w)
{
	begin_container(w, 0);
}

void
json_writer_end_array(struct json_writer *w)
{
	end_container(w, 0);
}

void
json_writer_keyn(struct json_writer *w, const char *key, size_t len)
{
	if (w->code)
		return;
	if (w->depth == 0 || !top_is_obj(w) || w->key_pending) {
		wfail(w, ERR_GENERIC, "key outside object");
		return;
	}
	if (!key) {
		wfail(w, ERR_GENERIC, "null key");
		return;
	}
	separator(w);
	put_string(w, key, len);
	put(w, ": ", w->pretty ? 2 : 1);
	w->key_pending = 1;
}

void
json_writer_key(struct json_writer *w, const char *key)
{
	json_writer_keyn(w, key, key ? strlen(key) : 0);
}

void
json_writer_stringn(struct json_writer *w, const char *s, size_t len)
{
	if (!s) {
		json_writer_null(w);
		return;
	}
	if (before_value(w) < 0)
		return;
	put_string(w, s, len);
	after_value(w);
}

void
json_writer_string(struct json_writer *w, const char *s)
{
	json_writer_stringn(w, s, s ? strlen(s) : 0);
}

void
json_writer_raw(struct json_writer *w, const char *json, size_t len)
{
	if (!json || !len) {
		wfail(w, ERR_GENERIC, "empty raw value");
		return;
	}
	if (before_value(w) < 0)
		return;
	put(w, json, len);
	after_value(w);
}

void
json_writer_uint(struct json_writer *w, uint64_t n)
{
	char buf[24];
	int k;

	k = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)n);
	json_writer_raw(w, buf, k);
}

void
json_writer_int(struct json_writer *w, int64_t n)
{
	char buf[24];
	int k;

	k = snprintf(buf, sizeof(buf), "%lld", (long long)n);
	json_writer_raw(w, buf, k);
}

void
json_writer_double(struct json_writer *w, double d)
{
	char buf[32];
	int k = 0, prec;

	if (!isfinite(d)) {
		wfail(w, ERR_GENERIC, "number is not finite");
		return;
	}
	for (prec = 15; prec <= 17; prec++) {
		k = snprintf(buf, sizeof(buf), "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	json_writer_raw(w, buf, k);
}

void
json_writer_bool(struct json_writer *w, int b)
{
	if (b)
		json_writer_raw(w, "true", 4);
	else
		json_writer_raw(w, "false", 5);
}

void
json_writer_null(struct json_writer *w)
{
	json_writer_raw(w, "null", 4);
}

void
json_writer_value(struct json_writer *w, const struct json_value *v)
{
	const struct json_value *k;
	size_t i;

	if (!v) {
		json_writer_null(w);
		return;
	}
	switch (v->type) {
	case JSON_NULL:
		json_writer_null(w);
		break;
	case JSON_BOOL:
		json_writer_bool(w, v->flags & F_TRUE);
		break;
	case JSON_NUMBER:
		json_writer_raw(w, v->u.s, v->len);
		break;
	case JSON_STRING:
		json_writer_stringn(w, v->u.s, v->len);
		break;
	case JSON_ARRAY:
		json_writer_begin_array(w);
		for (i = 0; i < v->len && !w->code; i++)
			json_writer_value(w, &v->u.kids[i]);
		json_writer_end_array(w);
		break;
	case JSON_OBJECT:
		json_writer_begin_object(w);
		for (i = 0; i < v->len && !w->code; i++) {
			k = &v->u.kids[2 * i];
			json_writer_keyn(w, k->u.s, k->len);
			json_writer_value(w, k + 1);
		}
		json_writer_end_object(w);
		break;
	default:
		wfail(w, ERR_GENERIC, "invalid value");
		break;
	}
}

char *
json_writer_finish(struct json_writer *w, size_t *len, struct err *e)
{
	char *buf;

	if (w->code) {
		err_set(e, w->code, "json writer: %s", w->why);
		return NULL;
	}
	if (!w->done) {
		err_set(e, ERR_GENERIC, "json writer: incomplete document");
		return NULL;
	}
	buf = w->buf;
	buf[w->len] = '\0';
	if (len)
		*len = w->len;
	w->buf = NULL;
	json_writer_free(w);
	return buf;
}

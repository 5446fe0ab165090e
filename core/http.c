/* http.c - HTTP/1.1 client: keep-alive pool, proxies, redirects, framing */

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "log.h"

enum framing {
	BODY_NONE,		/* no body (HEAD, 1xx, 204, 304) */
	BODY_LENGTH,		/* Content-Length */
	BODY_CHUNKED,		/* Transfer-Encoding: chunked */
	BODY_CLOSE,		/* until the connection closes */
};

enum chunk_state {
	CH_SIZE,		/* expecting a chunk-size line */
	CH_DATA,		/* inside chunk data */
	CH_DATA_END,		/* expecting the CRLF after chunk data */
	CH_TRAILER,		/* reading trailer lines */
};

enum route {
	ROUTE_DIRECT,		/* connect to the target itself */
	ROUTE_TUNNEL,		/* CONNECT through the proxy, then TLS */
	ROUTE_FORWARD,		/* absolute-form requests to the proxy */
};

enum {
	CHUNK_LINE_MAX = 4096,	/* chunk-size line with extensions */
	INTERIM_MAX = 16,	/* 1xx responses before the final one */
	DRAIN_WAIT_MS = 200,	/* per read while draining a plain body */
	REQUEST_MAX = 256 * 1024,	/* request head plus small body */
	KEY_MAX = URL_HOST_MAX + 32,
};

/* A connection, idle in the pool or carrying a response. */
struct http_conn {
	struct conn conn;
	char key[KEY_MAX];	/* route, scheme, host, port */
	unsigned long used;	/* client tick when it became idle */
};

/* Request headers the client writes itself. */
static const char *const reserved_headers[] = {
	"Host", "User-Agent", "Connection", "Content-Length",
	"Transfer-Encoding", "Proxy-Authorization", "Proxy-Connection",
	"Keep-Alive", "TE", "Upgrade", NULL,
};

static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
	"Nov", "Dec",
};

static const char *const day_names[] = {
	"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
};

static const char *const long_days[] = {
	"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
	"Sunday",
};

/* --- characters and tokens --- */

static int
is_tchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int
is_token(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!is_tchar((unsigned char)*s))
			return 0;
	return 1;
}

/* A field value byte other than HTAB below 0x20, or DEL. */
static int
is_ctl(int c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

static int
is_ows(int c)
{
	return c == ' ' || c == '\t';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Call fn(element, length, arg) for each element of the comma-separated
 * list `s`, trimmed of OWS, skipping empty ones; stop early when fn
 * returns non-zero and return that.
 */
static int
each_element(const char *s, int (*fn)(const char *, size_t, void *),
    void *arg)
{
	const char *end;
	size_t n;
	int r;

	while (*s) {
		end = strchr(s, ',');
		if (!end)
			end = s + strlen(s);
		while (s < end && is_ows(*s))
			s++;
		n = (size_t)(end - s);
		while (n && is_ows(s[n - 1]))
			n--;
		if (n && (r = fn(s, n, arg)) != 0)
			return r;
		s = *end ? end + 1 : end;
	}
	return 0;
}

static int
match_close(const char *s, size_t n, void *arg)
{
	(void)arg;
	return n == 5 && strncasecmp(s, "close", 5) == 0;
}

/* Printable, quoted excerpt of `s` for an error message. */
static void
excerpt(const char *s, char *out, size_t n)
{
	size_t i, o = 0;

	for (i = 0; s[i] && o + 5 < n && i < 40; i++) {
		if ((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f &&
		    s[i] != '"' && s[i] != '\\') {
			out[o++] = s[i];
		} else {
			snprintf(out + o, n - o, "\\x%02x",
			    (unsigned char)s[i]);
			o += 4;
		}
	}
	out[o] = '\0';
}

/* --- growable buffers --- */

static int
grow(char **p, size_t *cap, size_t need, struct err *e)
{
	size_t n = *cap ? *cap : 256;
	char *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	q = realloc(*p, n);
	if (!q)
		return err_set(e, ENOMEM, "out of memory");
	*p = q;
	*cap = n;
	return 0;
}

struct sbuf {
	char *p;
	size_t len, cap;
	int failed;
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	struct err e;

	if (b->failed)
		return;
	if (b->len + n + 1 > REQUEST_MAX ||
	    grow(&b->p, &b->cap, b->len + n + 1, &e)) {
		b->failed = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* Add "Name: value\r\n". */
static void
sb_field(struct sbuf *b, const char *name, const char *value)
{
	sb_str(b, name);
	sb_add(b, ": ", 2);
	sb_str(b, value);
	sb_add(b, "\r\n", 2);
}

/* --- reading a response --- */

/* Read more into the read-ahead buffer. Returns the count, 0 at EOF. */
static ssize_t
fill(struct http_response *r, struct err *e)
{
	ssize_t n;

	if (r->boff == r->blen) {
		r->boff = 0;
		r->blen = 0;
	} else if (r->boff > 0) {
		memmove(r->buf, r->buf + r->boff, r->blen - r->boff);
		r->blen -= r->boff;
		r->boff = 0;
	}
	if (r->blen == HTTP_BUF_SIZE)
		return err_set(e, ERR_GENERIC, "read buffer full");
	n = r->src.read(r->src.ctx, r->buf + r->blen, HTTP_BUF_SIZE - r->blen,
	    e);
	if (n > 0) {
		r->blen += (size_t)n;
		r->got += (uint64_t)n;
	}
	return n;
}

/*
 * Append the next line to *dst (length *len, capacity *cap): its bytes
 * without the LF or CRLF, then a NUL counted in *len. More than `max`
 * bytes in *dst is an ERR_LIMIT error `limit_msg`. Returns the offset of
 * the line in *dst, -1 on error, -2 at the end of the stream (no error
 * set; a partial line is then left unterminated).
 */
static ssize_t
read_line(struct http_response *r, char **dst, size_t *len, size_t *cap,
    size_t max, const char *limit_msg, struct err *e)
{
	size_t start = *len, n;
	unsigned char *nl;
	ssize_t got;

	for (;;) {
		if (r->boff < r->blen) {
			nl = memchr(r->buf + r->boff, '\n', r->blen - r->boff);
			n = nl ? (size_t)(nl - (r->buf + r->boff)) :
			    r->blen - r->boff;
			if (*len + n + 1 > max)
				return err_set(e, ERR_LIMIT, "%s", limit_msg);
			if (grow(dst, cap, *len + n + 1, e))
				return -1;
			memcpy(*dst + *len, r->buf + r->boff, n);
			*len += n;
			r->boff += n + (nl ? 1 : 0);
			if (nl)
				break;
		}
		got = fill(r, e);
		if (got < 0)
			return -1;
		if (got == 0)
			return -2;
	}
	if (*len > start && (*dst)[*len - 1] == '\r')
		(*len)--;
	n = *len - start;
	(*dst)[(*len)++] = '\0';
	if (memchr(*dst + start, '\r', n))
		return err_set(e, ERR_PROTO, "bare CR in a line");
	if (memchr(*dst + start, '\0', n))
		return err_set(e, ERR_PROTO, "NUL byte in a line");
	return (ssize_t)start;
}

static int
parse_status_line(struct http_response *r, char *s, struct err *e)
{
	char ex[200];
	int i;

	if (strncmp(s, "HTTP/1.", 7) != 0 || (s[7] != '0' && s[7] != '1') ||
	    s[8] != ' ') {
		/* "HTTP/2 200", "HTTP/1.2 200": well-formed, not ours. */
		if (strncmp(s, "HTTP/", 5) == 0 && s[5] >= '0' && s[5] <= '9' &&
		    strncmp(s + 5, "1.0", 3) != 0 &&
		    strncmp(s + 5, "1.1", 3) != 0) {
			excerpt(s, ex, sizeof(ex));
			return err_set(e, ERR_PROTO, "unsupported HTTP "
			    "version in status line \"%s\"", ex);
		}
		goto bad;
	}
	for (i = 9; i < 12; i++)
		if (s[i] < '0' || s[i] > '9')
			goto bad;
	if (s[12] != ' ' && s[12] != '\0')
		goto bad;
	r->minor = s[7] - '0';
	r->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	if (r->status < 100)
		goto bad;
	r->reason = s[12] ? s + 13 : s + 12;
	for (i = 0; r->reason[i]; i++)
		if (is_ctl((unsigned char)r->reason[i]))
			goto bad;
	return 0;
bad:
	excerpt(s, ex, sizeof(ex));
	return err_set(e, ERR_PROTO, "malformed status line \"%s\"", ex);
}

/* Split the header lines after the status line at `off` into fields. */
static int
parse_fields(struct http_response *r, size_t off, size_t lines,
    struct err *e)
{
	char *s, *colon, *v, *end;
	size_t n;

	free(r->fields);
	r->nfields = 0;
	r->fields = calloc(lines ? 2 * lines : 1, sizeof(*r->fields));
	if (!r->fields)
		return err_set(e, ENOMEM, "out of memory");
	/* Status line first, then NUL-separated fields, then "". */
	off += strlen(r->head + off) + 1;
	while (off < r->head_len && r->head[off]) {
		s = r->head + off;
		n = strlen(s);
		off += n + 1;
		if (is_ows(*s))
			return err_set(e, ERR_PROTO,
			    "obsolete line folding in response headers");
		colon = strchr(s, ':');
		if (!colon)
			return err_set(e, ERR_PROTO, "malformed header line");
		*colon = '\0';
		if (!is_token(s))
			return err_set(e, ERR_PROTO, "malformed header line");
		for (v = colon + 1; is_ows(*v); v++)
			;
		for (end = v + strlen(v); end > v && is_ows(end[-1]); end--)
			;
		*end = '\0';
		for (colon = v; colon < end; colon++)
			if (is_ctl((unsigned char)*colon))
				return err_set(e, ERR_PROTO,
				    "control character in header %s", s);
		r->fields[2 * r->nfields] = s;
		r->fields[2 * r->nfields + 1] = v;
		r->nfields++;
	}
	return 0;
}

/* Read the status line and header fields, skipping interim responses. */
static int
read_head(struct http_response *r, struct err *e)
{
	static const char limit[] = "response headers exceed 64 KiB";
	size_t start, lines;
	ssize_t off;
	int interim = 0;

	r->head_len = 0;
	for (;;) {
		off = read_line(r, &r->head, &r->head_len, &r->head_cap,
		    HTTP_HEAD_MAX, limit, e);
		if (off == -2)
			return err_set(e, ERR_PROTO, r->got ?
			    "connection closed in response headers" :
			    "connection closed before response");
		if (off < 0)
			return -1;
		start = (size_t)off;
		/* Check it now: garbage should not wait for a blank line. */
		if (parse_status_line(r, r->head + start, e))
			return -1;
		for (lines = 0;; lines++) {
			off = read_line(r, &r->head, &r->head_len,
			    &r->head_cap, HTTP_HEAD_MAX, limit, e);
			if (off == -2)
				return err_set(e, ERR_PROTO, "connection "
				    "closed in response headers");
			if (off < 0)
				return -1;
			if (r->head[off] == '\0')
				break;
			if (lines == HTTP_HEAD_LINES_MAX)
				return err_set(e, ERR_LIMIT, "more than %d "
				    "response header lines",
				    HTTP_HEAD_LINES_MAX);
		}
		/* The block may have moved while growing: point into it
		 * again. */
		if (parse_status_line(r, r->head + start, e) ||
		    parse_fields(r, start, lines, e))
			return -1;
		if (r->status >= 200)
			return 0;
		if (r->status == 101)
			return err_set(e, ERR_PROTO,
			    "unexpected 101 Switching Protocols");
		if (++interim > INTERIM_MAX)
			return err_set(e, ERR_PROTO,
			    "too many interim responses");
	}
}

static int
parse_length(const char *s, size_t n, void *arg)
{
	int64_t *v = arg, x = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' ||
		    x > (INT64_MAX - (s[i] - '0')) / 10)
			return 1;
		x = x * 10 + (s[i] - '0');
	}
	if (*v >= 0 && *v != x)
		return 1;
	*v = x;
	return 0;
}

struct te_state {
	int chunked;		/* chunked seen */
	int after;		/* something after chunked */
	char bad[64];		/* first unsupported coding */
};

static int
scan_coding(const char *s, size_t n, void *arg)
{
	struct te_state *t = arg;

	if (n == 7 && strncasecmp(s, "chunked", 7) == 0) {
		if (t->chunked)
			t->after = 1;
		t->chunked = 1;
		return 0;
	}
	if (n == 8 && strncasecmp(s, "identity", 8) == 0)
		return 0;
	if (t->chunked)
		t->after = 1;
	if (!t->bad[0])
		snprintf(t->bad, sizeof(t->bad), "%.*s", (int)(n < 40 ? n : 40),
		    s);
	return 0;
}

static void finish(struct http_response *r);

/* Decide how the body is framed (RFC 9112 section 6.3). */
static int
setup_body(struct http_response *r, const char *method, struct err *e)
{
	struct te_state te;
	const char *v;
	size_t i;
	int has_te = 0;

	memset(&te, 0, sizeof(te));
	r->length = -1;
	r->keep_alive = r->minor >= 1;
	for (i = 0; (v = http_header_nth(r, "Connection", i)); i++)
		if (each_element(v, match_close, NULL))
			r->keep_alive = 0;
	for (i = 0; (v = http_header_nth(r, "Content-Length", i)); i++)
		if (!*v || each_element(v, parse_length, &r->length) ||
		    r->length < 0)
			return err_set(e, ERR_PROTO, "bad Content-Length");
	for (i = 0; (v = http_header_nth(r, "Transfer-Encoding", i)); i++) {
		has_te = 1;
		each_element(v, scan_coding, &te);
	}
	if (strcmp(method, "HEAD") == 0 || r->status < 200 ||
	    r->status == 204 || r->status == 304 ||
	    (strcmp(method, "CONNECT") == 0 && r->status / 100 == 2)) {
		r->framing = BODY_NONE;
		finish(r);
		return 0;
	}
	if (te.bad[0])
		return err_set(e, ERR_PROTO, "unsupported transfer coding %s",
		    te.bad);
	if (te.after)
		return err_set(e, ERR_PROTO, "bad Transfer-Encoding");
	if (has_te && te.chunked) {
		/* Chunked wins over Content-Length, but a response with
		 * both smells of smuggling: do not reuse its connection. */
		r->framing = BODY_CHUNKED;
		r->chunk_state = CH_SIZE;
		if (r->length >= 0 || r->minor == 0)
			r->keep_alive = 0;
		r->length = -1;
	} else if (r->length >= 0) {
		r->framing = BODY_LENGTH;
		r->remaining = (uint64_t)r->length;
		if (r->length == 0)
			finish(r);
	} else {
		r->framing = BODY_CLOSE;
		r->keep_alive = 0;
	}
	return 0;
}

/* --- pool --- */

static void
hc_close(struct http_conn *hc)
{
	if (!hc)
		return;
	conn_close(&hc->conn);
	free(hc);
}

static void
pool_put(struct http_client *c, struct http_conn *hc)
{
	int i, slot = -1, oldest = 0;

	for (i = 0; i < HTTP_POOL_MAX; i++) {
		if (!c->pool[i]) {
			slot = i;
			break;
		}
		if (c->pool[i]->used < c->pool[oldest]->used)
			oldest = i;
	}
	if (slot < 0) {
		hc_close(c->pool[oldest]);
		slot = oldest;
	}
	hc->used = ++c->tick;
	c->pool[slot] = hc;
}

/* Take an idle connection for `key` that still looks alive. */
static struct http_conn *
pool_take(struct http_client *c, const char *key)
{
	struct http_conn *hc;
	int i;

	for (i = 0; i < HTTP_POOL_MAX; i++) {
		hc = c->pool[i];
		if (!hc || strcmp(hc->key, key) != 0)
			continue;
		c->pool[i] = NULL;
		if (conn_idle_ok(&hc->conn))
			return hc;
		log_debug("http: dropping closed idle connection to %s",
		    hc->conn.addr);
		hc_close(hc);
	}
	return NULL;
}

static void
pool_flush(struct http_client *c)
{
	int i;

	for (i = 0; i < HTTP_POOL_MAX; i++) {
		hc_close(c->pool[i]);
		c->pool[i] = NULL;
	}
}

/* The body is complete: give the connection back or close it. */
static void
finish(struct http_response *r)
{
	r->done = 1;
	if (!r->hc)
		return;
	/* Bytes after the body were not asked for: do not reuse. */
	if (r->keep_alive && r->boff == r->blen && r->client)
		pool_put(r->client, r->hc);
	else
		hc_close(r->hc);
	r->hc = NULL;
}

/* --- reading a body --- */

/* Body bytes from the read-ahead buffer, else from the source. */
static ssize_t
raw_read(struct http_response *r, void *buf, size_t len, struct err *e)
{
	ssize_t n;

	if (r->boff == r->blen && len < HTTP_BUF_SIZE / 2) {
		n = fill(r, e);
		if (n <= 0)
			return n;
	}
	if (r->boff < r->blen) {
		if (len > r->blen - r->boff)
			len = r->blen - r->boff;
		memcpy(buf, r->buf + r->boff, len);
		r->boff += len;
		return (ssize_t)len;
	}
	n = r->src.read(r->src.ctx, buf, len, e);
	if (n > 0)
		r->got += (uint64_t)n;
	return n;
}

static int
parse_chunk_size(const char *s, uint64_t *size)
{
	uint64_t v = 0;
	int d, i;

	for (i = 0; (d = hexval((unsigned char)s[i])) >= 0; i++) {
		if (v > (UINT64_MAX >> 5))
			return -1;
		v = v << 4 | (uint64_t)d;
	}
	if (i == 0)
		return -1;
	while (is_ows(s[i]))
		i++;
	if (s[i] != '\0' && s[i] != ';')
		return -1;
	*size = v;
	return 0;
}

/* One line into r->line, replacing what was there. */
static int
chunk_line(struct http_response *r, size_t max, const char *limit,
    struct err *e)
{
	ssize_t n;

	r->line_len = 0;
	n = read_line(r, &r->line, &r->line_len, &r->line_cap, max, limit, e);
	if (n == -2)
		return err_set(e, ERR_PROTO,
		    "connection closed in chunked body");
	return n < 0 ? -1 : 0;
}

static ssize_t
read_chunked(struct http_response *r, void *buf, size_t len, struct err *e)
{
	ssize_t n;

	for (;;) {
		switch (r->chunk_state) {
		case CH_SIZE:
			if (chunk_line(r, CHUNK_LINE_MAX,
			    "chunk size line too long", e))
				return -1;
			if (parse_chunk_size(r->line, &r->remaining))
				return err_set(e, ERR_PROTO, "bad chunk size");
			r->chunk_state = r->remaining ? CH_DATA : CH_TRAILER;
			break;
		case CH_DATA:
			if (len > r->remaining)
				len = (size_t)r->remaining;
			n = raw_read(r, buf, len, e);
			if (n == 0)
				return err_set(e, ERR_PROTO,
				    "connection closed in chunked body");
			if (n < 0)
				return -1;
			r->remaining -= (uint64_t)n;
			if (!r->remaining)
				r->chunk_state = CH_DATA_END;
			return n;
		case CH_DATA_END:
			if (chunk_line(r, CHUNK_LINE_MAX,
			    "bad chunk terminator", e))
				return -1;
			if (r->line[0])
				return err_set(e, ERR_PROTO,
				    "bad chunk terminator");
			r->chunk_state = CH_SIZE;
			break;
		default:
			/* Trailer fields are read and ignored. */
			if (chunk_line(r, HTTP_HEAD_MAX,
			    "response trailers exceed 64 KiB", e))
				return -1;
			r->trailer_bytes += r->line_len;
			if (r->trailer_bytes > HTTP_HEAD_MAX)
				return err_set(e, ERR_LIMIT,
				    "response trailers exceed 64 KiB");
			if (!r->line[0]) {
				finish(r);
				return 0;
			}
			break;
		}
	}
}

static ssize_t
read_body(struct http_response *r, void *buf, size_t len, struct err *e)
{
	ssize_t n;

	switch (r->framing) {
	case BODY_LENGTH:
		if (len > r->remaining)
			len = (size_t)r->remaining;
		n = raw_read(r, buf, len, e);
		if (n == 0)
			return err_set(e, ERR_PROTO, "connection closed after "
			    "%llu of %lld body bytes",
			    (unsigned long long)((uint64_t)r->length -
			    r->remaining), (long long)r->length);
		if (n < 0)
			return -1;
		r->remaining -= (uint64_t)n;
		if (!r->remaining)
			finish(r);
		return n;
	case BODY_CHUNKED:
		return read_chunked(r, buf, len, e);
	case BODY_CLOSE:
		n = raw_read(r, buf, len, e);
		if (n == 0)
			finish(r);
		return n;
	default:
		finish(r);
		return 0;
	}
}

static ssize_t
body_reader_read(void *ctx, void *buf, size_t len, struct err *e)
{
	return http_read(ctx, buf, len, e);
}

/*
 * Give up the connection of an unfinished body: drain a small rest so the
 * connection can be reused, else close it.
 */
static void
release(struct http_response *r)
{
	char scratch[4096];
	struct err e2 = ERR_INIT;
	size_t total = 0, buffered = r->blen - r->boff;
	int plain;
	ssize_t n;

	if (!r->hc)
		return;
	plain = r->hc->conn.tls == NULL;
	if (!r->done && !r->failed && r->keep_alive &&
	    ((r->framing == BODY_LENGTH && r->remaining <= HTTP_DRAIN_MAX &&
	    (plain || r->remaining <= buffered)) ||
	    (r->framing == BODY_CHUNKED && plain))) {
		r->hc->conn.timeout_ms = DRAIN_WAIT_MS;
		while (!r->done && total <= HTTP_DRAIN_MAX) {
			n = http_read(r, scratch, sizeof(scratch), &e2);
			if (n <= 0)
				break;
			total += (size_t)n;
		}
	}
	hc_close(r->hc);
	r->hc = NULL;
}

/* Forget the last response but keep the buffers (for redirects). */
static void
response_reset(struct http_response *r)
{
	release(r);
	free(r->fields);
	r->fields = NULL;
	r->nfields = 0;
	r->head_len = 0;
	r->status = 0;
	r->reason = NULL;
	r->boff = r->blen = 0;
	r->got = 0;
	r->framing = BODY_NONE;
	r->chunk_state = CH_SIZE;
	r->remaining = 0;
	r->length = -1;
	r->trailer_bytes = 0;
	r->keep_alive = 0;
	r->done = r->failed = 0;
	err_clear(&r->err);
}

static int
response_start(struct http_response *r, struct err *e)
{
	response_reset(r);
	if (!r->buf && !(r->buf = malloc(HTTP_BUF_SIZE)))
		return err_set(e, ENOMEM, "out of memory");
	return 0;
}

/* --- proxies --- */

static void
base64(const unsigned char *in, size_t n, char *out)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned long v;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned long)in[i] << 16 | in[i + 1] << 8 | in[i + 2];
		*out++ = b64[v >> 18];
		*out++ = b64[v >> 12 & 63];
		*out++ = b64[v >> 6 & 63];
		*out++ = b64[v & 63];
	}
	if (i < n) {
		v = (unsigned long)in[i] << 16 |
		    (i + 1 < n ? in[i + 1] << 8 : 0);
		*out++ = b64[v >> 18];
		*out++ = b64[v >> 12 & 63];
		*out++ = i + 1 < n ? b64[v >> 6 & 63] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

static void
parse_proxy(struct http_proxy *p, const char *name, const char *val)
{
	char buf[URL_STR_MAX], user[URL_USERINFO_MAX];
	const char *sep;
	struct url *u;
	struct err e = ERR_INIT;
	size_t i, n = 0;

	memset(p, 0, sizeof(*p));
	if (!val || !*val)
		return;
	p->set = 1;
	sep = strstr(val, "://");
	if (sep && ((size_t)(sep - val) != 4 || strncasecmp(val, "http", 4))) {
		snprintf(p->bad, sizeof(p->bad), "%s: unsupported proxy "
		    "scheme %.*s", name, (int)(sep - val < 20 ? sep - val : 20),
		    val);
		return;
	}
	if ((size_t)snprintf(buf, sizeof(buf), "%s%s", sep ? "" : "http://",
	    val) >= sizeof(buf)) {
		snprintf(p->bad, sizeof(p->bad), "%s: value too long", name);
		return;
	}
	u = malloc(sizeof(*u));
	if (!u || url_parse(u, buf, &e)) {
		snprintf(p->bad, sizeof(p->bad), "%s: %.120s", name,
		    u ? e.msg : "out of memory");
		free(u);
		return;
	}
	snprintf(p->host, sizeof(p->host), "%s", u->host);
	p->port = u->port;
	if (u->userinfo[0]) {
		/* Percent-decode "user:password", then Basic. */
		for (i = 0; u->userinfo[i]; i++) {
			if (u->userinfo[i] == '%' &&
			    hexval((unsigned char)u->userinfo[i + 1]) >= 0 &&
			    hexval((unsigned char)u->userinfo[i + 2]) >= 0) {
				user[n++] = (char)(hexval((unsigned char)
				    u->userinfo[i + 1]) << 4 | hexval(
				    (unsigned char)u->userinfo[i + 2]));
				i += 2;
			} else {
				user[n++] = u->userinfo[i];
			}
		}
		memcpy(p->auth, "Basic ", 6);
		base64((unsigned char *)user, n, p->auth + 6);
		memset(user, 0, sizeof(user));
	}
	free(u);
}

static const char *
env2(const char *upper, const char *lower, const char **name)
{
	const char *v = getenv(upper);

	*name = upper;
	if (v && *v)
		return v;
	*name = lower;
	return getenv(lower);
}

static int
loopback_host(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	size_t n = strlen(host);

	if (strcmp(host, "localhost") == 0 ||
	    (n > 10 && strcmp(host + n - 10, ".localhost") == 0))
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return 0;
}

/* Parse an IP literal; returns its family (0 if not one). */
static int
ip_parse(const char *s, unsigned char *addr)
{
	if (inet_pton(AF_INET, s, addr) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, addr) == 1)
		return AF_INET6;
	return 0;
}

static int
prefix_match(const unsigned char *a, const unsigned char *b, int bits)
{
	int full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)full) != 0)
		return 0;
	return rest == 0 ||
	    ((a[full] ^ b[full]) & (0xff00 >> rest & 0xff)) == 0;
}

struct np_match {
	const char *host;
	int port;
	int family;		/* of host when an IP literal, else 0 */
	unsigned char addr[16];
};

/* One NO_PROXY entry against the host; non-zero on a match. */
static int
np_entry(const char *s, size_t n, void *arg)
{
	struct np_match *m = arg;
	char ent[URL_HOST_MAX + 16], *h = ent, *p, *slash, *end;
	unsigned char addr[16];
	size_t hl, el;
	long bits, port = 0;
	int fam;

	if (n >= sizeof(ent))
		return 0;
	memcpy(ent, s, n);
	ent[n] = '\0';
	for (p = ent; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (strcmp(ent, "*") == 0)
		return 1;
	/* Split off a port: "[v6]:port", or one ':' in "name:port". */
	if (ent[0] == '[') {
		p = strchr(ent, ']');
		if (!p)
			return 0;
		*p = '\0';
		h = ent + 1;
		if (p[1] && p[1] != ':')
			return 0;
		p++;
	} else if ((p = strchr(ent, ':')) && strchr(p + 1, ':')) {
		p = NULL;	/* an IPv6 literal without brackets */
	}
	if (p && *p == ':') {
		*p = '\0';
		port = strtol(p + 1, &end, 10);
		if (*end || end == p + 1 || port < 1 || port > 65535)
			return 0;
	}
	if (!*h || (port && port != m->port))
		return 0;
	slash = strchr(h, '/');
	if (slash) {
		*slash = '\0';
		bits = strtol(slash + 1, &end, 10);
		fam = ip_parse(h, addr);
		if (!fam || *end || end == slash + 1 || bits < 0 ||
		    bits > (fam == AF_INET ? 32 : 128))
			return 0;
		return fam == m->family && prefix_match(addr, m->addr,
		    (int)bits);
	}
	fam = ip_parse(h, addr);
	if (fam)
		return fam == m->family && memcmp(addr, m->addr,
		    fam == AF_INET ? 4 : 16) == 0;
	if (h[0] == '*' && h[1] == '.')
		h++;
	hl = strlen(m->host);
	el = strlen(h);
	if (h[0] == '.')
		return hl > el && strcmp(m->host + hl - el, h) == 0;
	if (strcmp(m->host, h) == 0)
		return 1;
	return hl > el && m->host[hl - el - 1] == '.' &&
	    strcmp(m->host + hl - el, h) == 0;
}

/* How to reach `u`, and through which proxy. */
static int
route_for(struct http_client *c, const struct url *u, enum route *rt,
    const struct http_proxy **proxy, struct err *e)
{
	int tls = strcmp(u->scheme, "https") == 0;
	const struct http_proxy *p = tls ? &c->proxy_https : &c->proxy_http;

	*rt = ROUTE_DIRECT;
	*proxy = p;
	if (!p->set || loopback_host(u->host) ||
	    http_no_proxy_match(c->no_proxy, u->host, u->port))
		return 0;
	if (p->bad[0])
		return err_set(e, ERR_USAGE, "%s", p->bad);
	*rt = tls ? ROUTE_TUNNEL : ROUTE_FORWARD;
	return 0;
}

/* --- connections --- */

static const struct tls_trust *
get_trust(struct http_client *c, const char *host, int port, struct err *e)
{
	if (c->trust)
		return c->trust(c->trust_arg, host, port, e);
	if (!c->system_trust_loaded) {
		tls_trust_init(&c->system_trust);
		if (tls_trust_add_system(&c->system_trust, e)) {
			tls_trust_free(&c->system_trust);
			return NULL;
		}
		c->system_trust_loaded = 1;
	}
	return &c->system_trust;
}

static int
timeout_of(int ms)
{
	return ms > 0 ? ms : HTTP_TIMEOUT_DEFAULT_MS;
}

static const char *
user_agent(const struct http_client *c)
{
	return c->user_agent ? c->user_agent : "rocker";
}

/* Open a tunnel to `u` through the proxy connection `hc`. */
static int
tunnel(struct http_client *c, struct http_conn *hc, const struct url *u,
    const struct http_proxy *p, struct err *e)
{
	struct http_response *r;
	struct sbuf b = { NULL, 0, 0, 0 };
	char hp[URL_HOST_MAX + 16];
	int rc = -1;

	r = calloc(1, sizeof(*r));
	if (!r)
		return err_set(e, ENOMEM, "out of memory");
	url_authority(u, 1, hp, sizeof(hp));
	sb_str(&b, "CONNECT ");
	sb_str(&b, hp);
	sb_str(&b, " HTTP/1.1\r\n");
	sb_field(&b, "Host", hp);
	sb_field(&b, "User-Agent", user_agent(c));
	if (p->auth[0])
		sb_field(&b, "Proxy-Authorization", p->auth);
	sb_add(&b, "\r\n", 2);
	if (b.failed) {
		err_set(e, ENOMEM, "out of memory");
		goto out;
	}
	if (response_start(r, e))
		goto out;
	conn_reader(&hc->conn, &r->src);
	if (conn_write_all(&hc->conn, b.p, b.len, e) || read_head(r, e)) {
		err_ctx(e, "CONNECT %s", hp);
		goto out;
	}
	if (r->status / 100 != 2) {
		err_set(e, ERR_PROTO, "CONNECT %s: %d %s", hp, r->status,
		    r->reason);
		goto out;
	}
	if (r->boff != r->blen) {
		err_set(e, ERR_PROTO, "CONNECT %s: data after the reply", hp);
		goto out;
	}
	rc = 0;
out:
	http_response_free(r);
	free(r);
	free(b.p);
	return rc;
}

static void
make_key(char *key, enum route rt, const struct url *u,
    const struct http_proxy *p)
{
	if (rt == ROUTE_FORWARD)
		snprintf(key, KEY_MAX, "forward %s %d", p->host, p->port);
	else
		snprintf(key, KEY_MAX, "%s %s %s %d",
		    rt == ROUTE_TUNNEL ? "tunnel" : "direct", u->scheme,
		    u->host, u->port);
}

static struct http_conn *
open_conn(struct http_client *c, enum route rt, const struct url *u,
    const struct http_proxy *p, unsigned flags, struct err *e)
{
	struct http_conn *hc = calloc(1, sizeof(*hc));
	const struct tls_trust *trust;
	int direct = rt == ROUTE_DIRECT;

	if (!hc) {
		err_set(e, ENOMEM, "out of memory");
		return NULL;
	}
	make_key(hc->key, rt, u, p);
	if (conn_open(&hc->conn, direct ? u->host : p->host,
	    direct ? u->port : p->port, timeout_of(c->connect_timeout_ms),
	    timeout_of(c->timeout_ms), direct ? flags : 0, e)) {
		if (!direct)
			err_ctx(e, "proxy");
		goto fail;
	}
	if (rt == ROUTE_TUNNEL && tunnel(c, hc, u, p, e)) {
		err_ctx(e, "proxy %s:%d", p->host, p->port);
		goto fail;
	}
	if (rt != ROUTE_FORWARD && strcmp(u->scheme, "https") == 0) {
		trust = get_trust(c, u->host, u->port, e);
		if (!trust || conn_start_tls(&hc->conn, u->host, trust, e))
			goto fail;
	}
	log_debug("http: connected to %s:%d (%s)%s", u->host, u->port,
	    hc->conn.addr, direct ? "" : " through the proxy");
	return hc;
fail:
	hc_close(hc);
	return NULL;
}

/* --- requests --- */

static int
is_credential(const struct http_header *h)
{
	return h->credential || strcasecmp(h->name, "Authorization") == 0 ||
	    strcasecmp(h->name, "Cookie") == 0;
}

static int
is_idempotent(const char *method)
{
	return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ||
	    strcmp(method, "PUT") == 0 || strcmp(method, "DELETE") == 0 ||
	    strcmp(method, "OPTIONS") == 0;
}

static int
is_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 ||
	    status == 307 || status == 308;
}

static int
check_request(const struct http_client *c, const struct http_request *req,
    struct err *e)
{
	const struct http_header *h;
	const char *s;
	size_t i, k;

	if (!req->method || !is_token(req->method))
		return err_set(e, ERR_USAGE, "bad HTTP method");
	for (s = user_agent(c); *s; s++)
		if (is_ctl((unsigned char)*s))
			return err_set(e, ERR_USAGE, "bad User-Agent");
	for (i = 0; i < req->nheaders; i++) {
		h = &req->headers[i];
		if (!h->name || !h->value || !is_token(h->name))
			return err_set(e, ERR_USAGE, "bad header name");
		for (s = h->value; *s; s++)
			if (is_ctl((unsigned char)*s))
				return err_set(e, ERR_USAGE,
				    "control character in header %s", h->name);
		for (k = 0; reserved_headers[k]; k++)
			if (strcasecmp(h->name, reserved_headers[k]) == 0)
				return err_set(e, ERR_USAGE, "header %s is set "
				    "by the HTTP client", h->name);
	}
	return 0;
}

/* The request head (and small body) as one buffer. */
static int
build_request(struct http_client *c, const struct http_request *req,
    const struct url *u, enum route rt, const struct http_proxy *p,
    int drop_credentials, struct sbuf *b, struct err *e)
{
	char auth[URL_HOST_MAX + 16], num[32], *full;
	const char *m = req->method;
	size_t i;

	sb_str(b, m);
	sb_add(b, " ", 1);
	if (rt == ROUTE_FORWARD) {
		full = malloc(URL_STR_MAX);
		if (!full)
			return err_set(e, ENOMEM, "out of memory");
		url_format(u, 1, full, URL_STR_MAX);
		sb_str(b, full);
		free(full);
	} else {
		sb_str(b, u->path);
	}
	sb_str(b, " HTTP/1.1\r\n");
	url_authority(u, 0, auth, sizeof(auth));
	sb_field(b, "Host", auth);
	sb_field(b, "User-Agent", user_agent(c));
	if (rt == ROUTE_FORWARD && p->auth[0])
		sb_field(b, "Proxy-Authorization", p->auth);
	for (i = 0; i < req->nheaders; i++)
		if (!drop_credentials || !is_credential(&req->headers[i]))
			sb_field(b, req->headers[i].name,
			    req->headers[i].value);
	if (req->body || strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 ||
	    strcmp(m, "PATCH") == 0) {
		snprintf(num, sizeof(num), "%zu",
		    req->body ? req->body_len : 0);
		sb_field(b, "Content-Length", num);
	}
	sb_str(b, "Connection: keep-alive\r\n\r\n");
	if (req->body)
		sb_add(b, req->body, req->body_len);
	if (b->failed)
		return err_set(e, ERR_LIMIT, "request too large");
	return 0;
}

/*
 * One request-response exchange for `u`, without redirects: route, take
 * or open a connection, send, read the head, set up the body. Retries
 * once on a fresh connection when a pooled one was dead.
 */
static int
exchange(struct http_client *c, const struct http_request *req,
    const struct url *u, int drop_credentials, unsigned flags,
    struct http_response *r, struct err *e)
{
	const struct http_proxy *p;
	struct sbuf b = { NULL, 0, 0, 0 };
	struct http_conn *hc = NULL;
	char key[KEY_MAX];
	enum route rt;
	int attempt, reused, rc = -1, idem = is_idempotent(req->method);

	if (route_for(c, u, &rt, &p, e) ||
	    build_request(c, req, u, rt, p, drop_credentials, &b, e))
		goto out;
	make_key(key, rt, u, p);
	for (attempt = 0;; attempt++) {
		hc = idem && attempt == 0 ? pool_take(c, key) : NULL;
		reused = hc != NULL;
		if (reused)
			log_debug("http: reusing connection to %s",
			    hc->conn.addr);
		if (!hc && !(hc = open_conn(c, rt, u, p, flags, e)))
			goto out;
		hc->conn.timeout_ms = timeout_of(c->timeout_ms);
		if ((flags & CONN_NO_LOCAL) && rt == ROUTE_DIRECT &&
		    conn_addr_is_local((struct sockaddr *)&hc->conn.peer)) {
			err_set(e, ERR_PROTO, "refusing to connect to local "
			    "address %s", hc->conn.addr);
			goto out;
		}
		if (response_start(r, e))
			goto out;
		r->hc = hc;
		hc = NULL;
		conn_reader(&r->hc->conn, &r->src);
		r->local = rt == ROUTE_DIRECT ?
		    conn_addr_is_local((struct sockaddr *)&r->hc->conn.peer) :
		    conn_host_is_local(u->host);
		if (conn_write_all(&r->hc->conn, b.p, b.len, e) == 0 &&
		    read_head(r, e) == 0)
			break;
		/* A kept-alive connection the server had closed: nothing
		 * came back. Try once more on a new connection. */
		if (!reused || attempt > 0 || r->got > 0 ||
		    e->code == ETIMEDOUT)
			goto out;
		log_debug("http: idle connection failed (%s), retrying",
		    e->msg);
		err_clear(e);
		response_reset(r);
	}
	if (setup_body(r, req->method, e))
		goto out;
	rc = 0;
out:
	hc_close(hc);
	free(b.p);
	return rc;
}

static void
set_desc(struct http_response *r, const char *method)
{
	char u[URL_STR_MAX];
	size_t n = sizeof(r->desc);

	url_format(&r->url, 0, u, sizeof(u));
	if ((size_t)snprintf(r->desc, n, "%s %s", method, u) >= n)
		memcpy(r->desc + n - 4, "...", 4);
}

/* --- public --- */

/* Proxy settings; the names are those of the variables, for messages. */
static int
set_proxy(struct http_client *c, const char *h, const char *hname,
    const char *s, const char *sname, const char *np, struct err *e)
{
	pool_flush(c);
	parse_proxy(&c->proxy_http, hname, h);
	parse_proxy(&c->proxy_https, sname, s);
	free(c->no_proxy);
	c->no_proxy = NULL;
	if (np && *np && !(c->no_proxy = strdup(np)))
		return err_set(e, ENOMEM, "out of memory");
	return 0;
}

int
http_client_init(struct http_client *c, struct err *e)
{
	const char *hn, *sn, *nn, *h, *s, *np;

	memset(c, 0, sizeof(*c));
	h = env2("HTTP_PROXY", "http_proxy", &hn);
	s = env2("HTTPS_PROXY", "https_proxy", &sn);
	np = env2("NO_PROXY", "no_proxy", &nn);
	return set_proxy(c, h, hn, s, sn, np, e);
}

int
http_client_set_proxy(struct http_client *c, const char *http_proxy,
    const char *https_proxy, const char *no_proxy, struct err *e)
{
	return set_proxy(c, http_proxy, "HTTP_PROXY", https_proxy,
	    "HTTPS_PROXY", no_proxy, e);
}

void
http_client_free(struct http_client *c)
{
	pool_flush(c);
	free(c->no_proxy);
	if (c->system_trust_loaded)
		tls_trust_free(&c->system_trust);
	memset(c, 0, sizeof(*c));
}

int
http_no_proxy_match(const char *no_proxy, const char *host, int port)
{
	struct np_match m;

	if (!no_proxy || !*no_proxy)
		return 0;
	memset(&m, 0, sizeof(m));
	m.host = host;
	m.port = port;
	m.family = ip_parse(host, m.addr);
	return each_element(no_proxy, np_entry, &m);
}

int
http_redirect_check(const struct url *from, const struct url *to,
    int origin_local, struct err *e)
{
	if (strcmp(from->scheme, "https") == 0 &&
	    strcmp(to->scheme, "https") != 0)
		return err_set(e, ERR_PROTO,
		    "refusing redirect from https to http");
	if (to->userinfo[0])
		return err_set(e, ERR_PROTO,
		    "refusing redirect to a URL with credentials");
	if (!origin_local && conn_host_is_local(to->host))
		return err_set(e, ERR_PROTO, "refusing redirect to local "
		    "address %s", to->host);
	return 0;
}

int
http_do(struct http_client *c, const struct http_request *req,
    struct http_response *r, struct err *e)
{
	struct url *first = NULL, *next = NULL;
	const char *loc, *m = req->method;
	int left = 0, origin_local = 0, get;
	unsigned flags;

	memset(r, 0, sizeof(*r));
	r->client = c;
	r->length = -1;
	if (!req->url)
		return err_set(e, ERR_USAGE, "HTTP request without a URL");
	snprintf(r->desc, sizeof(r->desc), "%.16s %.*s", m ? m : "?",
	    (int)(strcspn(req->url, "?") < 200 ? strcspn(req->url, "?") : 200),
	    req->url);
	if (check_request(c, req, e) || url_parse(&r->url, req->url, e))
		goto fail_ctx;
	if (r->url.userinfo[0]) {
		err_set(e, ERR_USAGE, "credentials in URLs are not supported");
		goto fail_ctx;
	}
	first = malloc(sizeof(*first));
	next = malloc(sizeof(*next));
	if (!first || !next) {
		err_set(e, ENOMEM, "out of memory");
		goto fail_ctx;
	}
	*first = r->url;
	get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
	for (;;) {
		set_desc(r, m);
		flags = r->redirects && !origin_local ? CONN_NO_LOCAL : 0;
		if (exchange(c, req, &r->url, left, flags, r, e))
			goto fail_ctx;
		if (r->redirects == 0)
			origin_local = r->local;
		log_debug("http: %s -> %d", r->desc, r->status);
		if (req->no_redirect || !get || !is_redirect(r->status) ||
		    !(loc = http_header(r, "Location")))
			break;
		if (r->redirects == HTTP_REDIRECTS_MAX) {
			err_set(e, ERR_PROTO, "too many redirects (%d)",
			    HTTP_REDIRECTS_MAX);
			goto fail_ctx;
		}
		if (url_resolve(next, &r->url, loc, e)) {
			err_ctx(e, "redirect %d", r->status);
			goto fail_ctx;
		}
		if (http_redirect_check(&r->url, next, origin_local, e))
			goto fail_ctx;
		/* Once the chain has left the origin, credentials stay
		 * behind even if it comes back (CVE-2024-45336). */
		if (!url_same_origin(next, first))
			left = 1;
		response_reset(r);
		r->url = *next;
		r->redirects++;
	}
	free(first);
	free(next);
	return 0;
fail_ctx:
	err_ctx(e, "%s", r->desc);
	free(first);
	free(next);
	http_response_free(r);
	return -1;
}

ssize_t
http_read(struct http_response *r, void *buf, size_t len, struct err *e)
{
	ssize_t n;

	if (r->failed) {
		*e = r->err;
		return -1;
	}
	if (r->done || len == 0)
		return 0;
	n = read_body(r, buf, len, e);
	if (n < 0) {
		err_ctx(e, "%s", r->desc);
		r->err = *e;
		r->failed = 1;
		hc_close(r->hc);
		r->hc = NULL;
	}
	return n;
}

void
http_body_reader(struct http_response *r, struct reader *rd)
{
	rd->read = body_reader_read;
	rd->ctx = r;
}

int
http_read_all(struct http_response *r, size_t max, char **out, size_t *len,
    struct err *e)
{
	char *buf = NULL, *nb, probe;
	size_t n = 0, cap;
	ssize_t got;

	*out = NULL;
	*len = 0;
	if (r->failed) {
		*e = r->err;
		return -1;
	}
	/* Refuse an announced oversized body before reading it. */
	if (r->length >= 0 && !r->done && (uint64_t)r->length > max) {
		err_set(e, ERR_LIMIT, "body of %lld bytes exceeds %zu bytes",
		    (long long)r->length, max);
		goto fail;
	}
	if (r->done)
		cap = 1;
	else if (r->length >= 0)
		cap = (size_t)r->length + 1;
	else
		cap = max < 16384 ? max + 1 : 16384;
	if (!(buf = malloc(cap))) {
		err_set(e, ENOMEM, "out of memory");
		goto fail;
	}
	while (!r->done) {
		if (n + 1 == cap) {
			if (n >= max) {
				/* Full: one more byte means too long. */
				got = http_read(r, &probe, 1, e);
				if (got < 0)
					goto fail_read;
				if (got == 0)
					break;
				err_set(e, ERR_LIMIT, "body exceeds %zu bytes",
				    max);
				goto fail;
			}
			cap = n > max / 2 ? max + 1 : 2 * n + 1;
			if (!(nb = realloc(buf, cap))) {
				err_set(e, ENOMEM, "out of memory");
				goto fail;
			}
			buf = nb;
		}
		got = http_read(r, buf + n, cap - 1 - n, e);
		if (got < 0)
			goto fail_read;
		if (got == 0)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
fail:
	err_ctx(e, "%s", r->desc);
	r->err = *e;
	r->failed = 1;
	hc_close(r->hc);
	r->hc = NULL;
fail_read:
	free(buf);
	return -1;
}

const char *
http_header_nth(const struct http_response *r, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < r->nfields; i++)
		if (strcasecmp(r->fields[2 * i], name) == 0 && n-- == 0)
			return r->fields[2 * i + 1];
	return NULL;
}

const char *
http_header(const struct http_response *r, const char *name)
{
	return http_header_nth(r, name, 0);
}

int
http_header_at(const struct http_response *r, size_t i, const char **name,
    const char **value)
{
	if (i >= r->nfields)
		return -1;
	*name = r->fields[2 * i];
	*value = r->fields[2 * i + 1];
	return 0;
}

int64_t
http_content_length(const struct http_response *r)
{
	return r->length;
}

/* Parse 1*DIGIT at *p into *v (at most INT64_MAX); advances *p. */
static int
parse_num(const char **p, int64_t *v)
{
	const char *s = *p;
	int64_t x = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (x > (INT64_MAX - (*s - '0')) / 10)
			return -1;
		x = x * 10 + (*s - '0');
	}
	*p = s;
	*v = x;
	return 0;
}

int
http_content_range(const struct http_response *r, int64_t *start,
    int64_t *end, int64_t *total, struct err *e)
{
	const char *p = http_header(r, "Content-Range");

	if (!p)
		return err_set(e, ERR_PROTO, "no Content-Range");
	if (strncasecmp(p, "bytes ", 6) != 0)
		goto bad;
	p += 6;
	if (*p == '*') {
		p++;
		*start = *end = -1;
	} else if (parse_num(&p, start) || *p++ != '-' || parse_num(&p, end) ||
	    *end < *start) {
		goto bad;
	}
	if (*p++ != '/')
		goto bad;
	if (*p == '*' && *start >= 0) {
		p++;
		*total = -1;
	} else if (parse_num(&p, total) || (*start >= 0 && *end >= *total)) {
		goto bad;
	}
	if (*p)
		goto bad;
	return 0;
bad:
	return err_set(e, ERR_PROTO, "bad Content-Range");
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static long long
days_since_epoch(long long y, int m, int d)
{
	long long era, yoe, doy;

	/* Count from March so the leap day ends the year. */
	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static int
days_in_month(long long y, int m)
{
	static const int n[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
	    31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return n[m - 1];
}

/* Exactly `n` digits at *p. */
static int
digits(const char **p, int n, int *v)
{
	int i, x = 0;

	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		x = x * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*v = x;
	return 0;
}

static int
lit(const char **p, const char *s)
{
	size_t n = strlen(s);

	if (strncmp(*p, s, n) != 0)
		return -1;
	*p += n;
	return 0;
}

static int
month(const char **p, int *m)
{
	int i;

	for (i = 0; i < 12; i++)
		if (strncmp(*p, months[i], 3) == 0) {
			*p += 3;
			*m = i + 1;
			return 0;
		}
	return -1;
}

/* "HH:MM:SS" */
static int
clock_time(const char **p, int *h, int *mi, int *s)
{
	return digits(p, 2, h) || lit(p, ":") || digits(p, 2, mi) ||
	    lit(p, ":") || digits(p, 2, s) ? -1 : 0;
}

int
http_parse_date(const char *s, time_t now, time_t *t, struct err *e)
{
	const char *p = s;
	struct tm tm;
	int i, y = 0, m = 0, d = 0, h = 0, mi = 0, sec = 0, yy, nowy;
	long long days;

	for (i = 0; i < 7; i++)
		if (strncmp(p, day_names[i], 3) == 0)
			break;
	if (i == 7)
		goto bad;
	if (p[3] == ',') {
		/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
		p += 4;
		if (lit(&p, " ") || digits(&p, 2, &d) || lit(&p, " ") ||
		    month(&p, &m) || lit(&p, " ") || digits(&p, 4, &y) ||
		    lit(&p, " ") || clock_time(&p, &h, &mi, &sec) ||
		    lit(&p, " GMT"))
			goto bad;
	} else if (p[3] == ' ') {
		/* asctime: "Sun Nov  6 08:49:37 1994" */
		p += 4;
		if (month(&p, &m) || lit(&p, " "))
			goto bad;
		if (*p == ' ') {
			p++;
			if (digits(&p, 1, &d))
				goto bad;
		} else if (digits(&p, 2, &d)) {
			goto bad;
		}
		if (lit(&p, " ") || clock_time(&p, &h, &mi, &sec) ||
		    lit(&p, " ") || digits(&p, 4, &y))
			goto bad;
	} else {
		/* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" */
		if (lit(&p, long_days[i]) || lit(&p, ", ") ||
		    digits(&p, 2, &d) || lit(&p, "-") || month(&p, &m) ||
		    lit(&p, "-") || digits(&p, 2, &yy) || lit(&p, " ") ||
		    clock_time(&p, &h, &mi, &sec) || lit(&p, " GMT"))
			goto bad;
		/* The most recent year with these digits that is not more
		 * than 50 years ahead (RFC 9110 section 5.6.7). */
		gmtime_r(&now, &tm);
		nowy = tm.tm_year + 1900;
		y = nowy - nowy % 100 + yy;
		if (y > nowy + 50)
			y -= 100;
	}
	if (*p || y < 1900 || d < 1 || d > days_in_month(y, m) || h > 23 ||
	    mi > 59 || sec > 60)
		goto bad;
	days = days_since_epoch(y, m, d);
	*t = (time_t)(days * 86400 + h * 3600 + mi * 60 + sec);
	return 0;
bad:
	return err_set(e, ERR_PARSE, "bad HTTP date");
}

int
http_retry_after(const char *value, time_t now, unsigned long *secs,
    struct err *e)
{
	const char *p = value;
	unsigned long v = 0;
	time_t t;

	if (*p >= '0' && *p <= '9') {
		for (; *p >= '0' && *p <= '9'; p++)
			v = v > (ULONG_MAX - 9) / 10 ? ULONG_MAX :
			    v * 10 + (unsigned long)(*p - '0');
		if (*p)
			return err_set(e, ERR_PARSE, "bad Retry-After");
		*secs = v;
		return 0;
	}
	if (http_parse_date(value, now, &t, e))
		return err_ctx(e, "Retry-After");
	*secs = t > now ? (unsigned long)(t - now) : 0;
	return 0;
}

int
http_response_parse(struct http_response *r, struct reader *src,
    const char *method, struct err *e)
{
	memset(r, 0, sizeof(*r));
	r->length = -1;
	snprintf(r->desc, sizeof(r->desc), "response");
	if (response_start(r, e))
		goto fail;
	r->src = *src;
	if (read_head(r, e) || setup_body(r, method, e))
		goto fail;
	return 0;
fail:
	http_response_free(r);
	return -1;
}

void
http_response_free(struct http_response *r)
{
	response_reset(r);
	free(r->buf);
	free(r->head);
	free(r->line);
	memset(r, 0, sizeof(*r));
}

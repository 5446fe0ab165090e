/* http.h - an HTTP/1.1 client: keep-alive pool, proxies, redirects,
 * streamed bodies
 *
 * One request at a time per client (the program is single-threaded): send
 * it with http_do(), read the status and headers from the response, stream
 * the body with http_read() (or through a `struct reader`), then
 * http_response_free(). Idle connections are kept for reuse per scheme,
 * host and port.
 *
 * Framing follows RFC 9112: no body for HEAD, 1xx, 204 and 304; chunked
 * when Transfer-Encoding ends in "chunked" (which wins over Content-Length;
 * such a response is served, but its connection is not reused); otherwise
 * Content-Length; otherwise the body runs to the connection's close.
 * Responses are read strictly: a malformed status line, header line,
 * Content-Length or chunk size is an error rather than a guess, obsolete
 * line folding is refused, and the header block is capped at
 * HTTP_HEAD_MAX bytes and HTTP_HEAD_LINES_MAX lines.
 *
 * Errors name the request and the cause, one line:
 *	"GET https://r.example/v2/: timed out after 30000 ms"
 *	"GET http://127.0.0.1:5000/v2/: connect 127.0.0.1:5000: Connection
 *	 refused"
 * The query of a URL is never put in a message (presigned URLs carry
 * signatures there); it shows as "?...".
 */
#ifndef ROCKER_HTTP_H
#define ROCKER_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "conn.h"
#include "err.h"
#include "io.h"
#include "tls.h"
#include "url.h"

enum {
	HTTP_HEAD_MAX = 64 * 1024,	/* status line + headers, bytes */
	HTTP_HEAD_LINES_MAX = 256,	/* header lines in one response */
	HTTP_POOL_MAX = 4,		/* idle connections kept */
	HTTP_REDIRECTS_MAX = 10,	/* redirects followed per request */
	HTTP_TIMEOUT_DEFAULT_MS = 30000,	/* connect and read, each */
	HTTP_BUF_SIZE = 16 * 1024,	/* read buffer per response */
	HTTP_DRAIN_MAX = 64 * 1024,	/* unread body drained for reuse */
	HTTP_DESC_MAX = 320,		/* "METHOD URL" kept for messages */
};

/*
 * A request header. `name` and `value` are borrowed for the http_do()
 * call. Neither may contain CR, LF or other control bytes (HTAB aside);
 * the name must be an RFC 9110 token. The client sets Host, User-Agent,
 * Connection, Content-Length and Proxy-Authorization itself: passing one
 * of those is an error.
 *
 * credential: non-zero to drop the header once a redirect chain has left
 * the original origin (scheme, host and port); it is not re-added if the
 * chain comes back. Authorization and Cookie are always treated so.
 */
struct http_header {
	const char *name;
	const char *value;
	int credential;
};

/*
 * What to send; everything is borrowed for the http_do() call.
 *
 * method: "GET", "HEAD", "POST"... (a token).
 * url: absolute http or https URL, without userinfo.
 * headers, nheaders: extra headers in order (Accept, Authorization,
 *   Range...); may be NULL when nheaders is 0.
 * body, body_len: an optional small request body sent with
 *   Content-Length (also sent, as 0, for POST, PUT and PATCH without one).
 * no_redirect: non-zero to return 3xx responses instead of following.
 *
 * Redirects (301, 302, 303, 307, 308 with a Location) are followed for GET
 * and HEAD only, at most HTTP_REDIRECTS_MAX times, and never from https to
 * http (see http_redirect_check() for the rules). Other methods get the
 * 3xx response back.
 */
struct http_request {
	const char *method;
	const char *url;
	const struct http_header *headers;
	size_t nheaders;
	const void *body;
	size_t body_len;
	int no_redirect;
};

/* A configured proxy. Private to http.c. */
struct http_proxy {
	int set;		/* a value was given */
	char bad[160];		/* why the value is unusable, "" if fine */
	char host[URL_HOST_MAX];
	int port;
	char auth[URL_USERINFO_MAX * 2];	/* "Basic ...", "" if none */
};

/* An idle or busy connection. Private to http.c. */
struct http_conn;

/*
 * A client. Caller-allocated; set up with http_client_init() and release
 * with http_client_free(). Not for use by two requests at once (a response
 * whose body is still being read keeps its own connection, so a second
 * request in the meantime simply uses another).
 *
 * Settings the caller may change between requests (zero: the default):
 * user_agent: sent as User-Agent, e.g. "rocker/0.1.0" (borrowed; must
 *   outlive the client). NULL sends "rocker".
 * connect_timeout_ms: per address tried (default 30 s).
 * timeout_ms: longest wait for the peer in any one read or write, status
 *   line included (default 30 s).
 * trust, trust_arg: trust(trust_arg, host, port, e) returns the anchors
 *   to verify an https `host`:`port` with (say the system store plus that
 *   registry's certs.d CAs), or NULL with `e` set. The store is borrowed
 *   and must stay valid until http_client_free(), as pooled connections
 *   keep using it. A NULL `trust` loads the system store
 *   (tls_trust_add_system()) once, on the first https request.
 *
 * The rest is private.
 */
struct http_client {
	const char *user_agent;
	int connect_timeout_ms;
	int timeout_ms;
	const struct tls_trust *(*trust)(void *arg, const char *host, int port,
	    struct err *e);
	void *trust_arg;

	struct http_proxy proxy_http, proxy_https;
	char *no_proxy;
	struct http_conn *pool[HTTP_POOL_MAX];
	unsigned long tick;
	struct tls_trust system_trust;
	int system_trust_loaded;
};

/*
 * A response. Caller-allocated; http_do() and http_response_parse() fill
 * it; http_response_free() releases it (safe on a zeroed struct, and after
 * a failed http_do()).
 *
 * status: the status code (100..999; never 1xx other than 101, interim
 *   responses are skipped).
 * reason: the reason phrase, possibly "" (valid until
 *   http_response_free()).
 * url: the final URL, after redirects.
 * redirects: how many redirects were followed.
 *
 * The rest is private. Errors while reading the body are sticky: once
 * http_read() failed it keeps returning the same error.
 */
struct http_response {
	int status;
	const char *reason;
	struct url url;
	int redirects;

	int minor;			/* HTTP/1.minor */
	char *head;			/* header block, lines NUL-separated */
	size_t head_len, head_cap;
	char *line;			/* chunk-size and trailer line */
	size_t line_len, line_cap;
	char **fields;			/* name, value pairs into `head` */
	size_t nfields;
	struct http_client *client;	/* borrowed, for the pool */
	struct http_conn *hc;		/* owned while the body is pending */
	struct reader src;		/* where the response comes from */
	unsigned char *buf;		/* HTTP_BUF_SIZE read-ahead */
	size_t boff, blen;
	uint64_t got;			/* bytes received so far */
	int framing;			/* enum in http.c */
	int chunk_state;
	uint64_t remaining;		/* in the body or current chunk */
	int64_t length;			/* Content-Length, -1 if none */
	size_t trailer_bytes;
	int keep_alive;
	int done, failed;
	int local;			/* the peer is a local address */
	struct err err;
	char desc[HTTP_DESC_MAX];	/* "GET http://host/path" */
};

/*
 * Initialise `c` with defaults and the proxy settings of the environment:
 * HTTPS_PROXY for https URLs, HTTP_PROXY for http ones, NO_PROXY; each
 * upper-case name first, then lower-case (as Go and so Docker do). See
 * http_client_set_proxy() for the values. Cannot fail today but takes
 * `e` for the future; `c` is ready for http_client_free() either way.
 */
int http_client_init(struct http_client *c, struct err *e);

/*
 * Replace the proxy settings of `c` (strings borrowed for the call; NULL
 * or "" for none) and drop pooled connections.
 *
 * A proxy is "http://[user:password@]host[:port]" or a bare
 * "host[:port]" (port 80 by default). Only plain-HTTP proxies are
 * supported: an https:// or socks5:// value is not an error here, but a
 * request that would use it fails with "HTTPS_PROXY: unsupported proxy
 * scheme socks5". For https targets the client opens a CONNECT tunnel and
 * runs TLS to the target inside it (SNI and certificate checks name the
 * target); for http targets it sends absolute-form requests to the proxy.
 * Proxy credentials go as Proxy-Authorization: Basic on the CONNECT or on
 * each absolute-form request, never to the target.
 *
 * `no_proxy` is a comma-separated list; see http_no_proxy_match(). Hosts
 * "localhost", "*.localhost" and loopback IP literals are never proxied.
 */
int http_client_set_proxy(struct http_client *c, const char *http_proxy,
    const char *https_proxy, const char *no_proxy, struct err *e);

/*
 * Close pooled connections, free what `c` owns (including the system trust
 * store it loaded) and zero it. Responses from `c` must have been freed
 * before. Safe on a zeroed struct.
 */
void http_client_free(struct http_client *c);

/*
 * Non-zero when `host` (lowercase name or IP literal, IPv6 without
 * brackets) at `port` must not be proxied under `no_proxy` (a
 * comma-separated list, spaces around entries ignored, case-insensitive):
 *	"*"			every host
 *	"example.com"		example.com and every subdomain
 *	".example.com", "*.example.com"	subdomains only
 *	"10.1.2.3", "::1"	that IP literal
 *	"10.0.0.0/8", "fd00::/8"	IP literals in that range
 *	"example.com:5000", "10.1.2.3:80", "[::1]:5000"
 *				as above, on that port only
 * Names are not resolved: an IP entry only matches an IP literal host.
 * NULL or "" matches nothing.
 */
int http_no_proxy_match(const char *no_proxy, const char *host, int port);

/*
 * Send `req` and read the response status and headers into `resp` (its
 * old contents are ignored: pass a zeroed or freed struct). Follows
 * redirects as described at struct http_request. `c` is borrowed and must
 * outlive `resp`.
 *
 * A connection taken from the pool that fails before any byte of the
 * response arrived (the server closed it while idle) is replaced by a
 * fresh one and the request sent again, once; only for idempotent methods
 * (GET, HEAD, PUT, DELETE, OPTIONS). Other methods never use a pooled
 * connection.
 *
 * Returns 0 for any status code: checking it is the caller's job. On
 * failure returns -1 with `e` set ("METHOD URL: cause") and `resp` freed.
 */
int http_do(struct http_client *c, const struct http_request *req,
    struct http_response *resp, struct err *e);

/*
 * Read the next `len` (> 0) bytes of the body into `buf`. Returns the
 * count, 0 at the end of the body (and on every later call), or -1 with
 * `e` set (sticky). A body cut short is an ERR_PROTO error, e.g.
 * "connection closed after 1000 of 5000 body bytes". When the body is
 * complete the connection goes back to the client's pool.
 */
ssize_t http_read(struct http_response *r, void *buf, size_t len,
    struct err *e);

/* Set `rd` up to read the body of `r` (borrowed) with http_read(). */
void http_body_reader(struct http_response *r, struct reader *rd);

/*
 * Read the whole body into a new heap buffer: *out receives it with a NUL
 * after the last byte (not counted in *len); the caller frees it. A body
 * longer than `max` bytes is an ERR_LIMIT error "body exceeds N bytes",
 * detected from Content-Length before anything is read or allocated, or
 * as soon as a chunked or close-delimited body grows past `max`; memory
 * use never exceeds max + 1 bytes plus the growth step.
 */
int http_read_all(struct http_response *r, size_t max, char **out,
    size_t *len, struct err *e);

/*
 * The value of the first header field named `name` (case-insensitive), or
 * NULL. http_header_nth() returns the n-th (from 0) of repeated fields,
 * e.g. several WWW-Authenticate. Values have surrounding spaces removed
 * and stay valid until http_response_free().
 */
const char *http_header(const struct http_response *r, const char *name);
const char *http_header_nth(const struct http_response *r, const char *name,
    size_t n);

/*
 * The i-th header field (from 0) in received order into *name and *value
 * (valid until http_response_free()); returns 0, or -1 past the end.
 */
int http_header_at(const struct http_response *r, size_t i,
    const char **name, const char **value);

/* The Content-Length of the body, or -1 when not known in advance. */
int64_t http_content_length(const struct http_response *r);

/*
 * Parse the response's Content-Range "bytes START-END/TOTAL" into
 * *start, *end (inclusive) and *total (-1 for "*"); the unsatisfied form
 * (a "*" in place of START-END, sent with 416) gives *start = *end = -1.
 * Missing or malformed: ERR_PROTO
 * "bad Content-Range". To resume at offset N, check status 206 and
 * *start == N (and *end == *total - 1 to have the rest).
 */
int http_content_range(const struct http_response *r, int64_t *start,
    int64_t *end, int64_t *total, struct err *e);

/*
 * Parse a Retry-After value (delay-seconds, or an HTTP-date in any of the
 * three RFC 9110 formats) into *secs: seconds to wait from `now`, 0 for a
 * date in the past. ERR_PARSE when malformed.
 */
int http_retry_after(const char *value, time_t now, unsigned long *secs,
    struct err *e);

/*
 * Parse an HTTP-date (IMF-fixdate, RFC 850 or asctime format) into *t.
 * `now` decides the century of RFC 850 two-digit years (RFC 9110 section
 * 5.6.7).
 */
int http_parse_date(const char *s, time_t now, time_t *t, struct err *e);

/*
 * Decide whether a redirect from `from` to `to` may be followed:
 *  - never from https to http ("refusing redirect from https to http");
 *  - never to a URL with userinfo;
 *  - when the original request did not go to a local address
 *    (`origin_local` zero; see conn_addr_is_local()), never to a host that
 *    is a local IP literal or "localhost" (SSRF). http_do() also connects
 *    to redirect targets with CONN_NO_LOCAL, so a name resolving to a
 *    local address is refused at connect time. A local origin (a registry
 *    on 127.0.0.1 in tests) may redirect anywhere.
 * Returns 0 when allowed, else -1 with `e` (ERR_PROTO) saying why.
 */
int http_redirect_check(const struct url *from, const struct url *to,
    int origin_local, struct err *e);

/*
 * Read a response from an arbitrary byte stream `src` (borrowed; must
 * outlive `resp`) into `resp`, as http_do() does from a connection, for
 * tests and fuzzing. `method` is the request's ("HEAD" means no body).
 * The body is then read with http_read(); nothing is pooled.
 */
int http_response_parse(struct http_response *resp, struct reader *src,
    const char *method, struct err *e);

/*
 * Release what `r` holds. An unfinished body is drained for reuse when at
 * most HTTP_DRAIN_MAX bytes remain and arrive without delay, else its
 * connection is closed. Safe on a zeroed struct; `r` is zeroed after.
 */
void http_response_free(struct http_response *r);

#endif

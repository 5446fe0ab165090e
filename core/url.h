/* url.h - absolute http(s) URLs: parsing, resolving references, escaping
 *
 * Only what an HTTP client needs: the schemes "http" and "https", a host
 * (a DNS name, a dotted IPv4 address or a bracketed IPv6 literal), a port
 * and a request target (path plus query). Parsing is strict about what could
 * change the meaning of a request (control bytes, malformed hosts and
 * ports) and lenient about what browsers repair: bytes outside the URI
 * character set in the path or query (non-ASCII, spaces, '"', '<'...) are
 * percent-encoded, a '%' not followed by two hex digits becomes "%25", dot
 * segments are removed (RFC 3986 section 5.2.4) and the fragment is
 * dropped.
 *
 * A `struct url` is a plain value: caller-allocated, no heap, copy it with
 * assignment. It is large (the path buffer), so prefer embedding it over
 * putting many on the stack.
 */
#ifndef ROCKER_URL_H
#define ROCKER_URL_H

#include <stddef.h>

#include "err.h"

enum {
	URL_HOST_MAX = 256,		/* host name with NUL (names <= 253) */
	URL_USERINFO_MAX = 256,		/* "user:password", percent-encoded */
	URL_PATH_MAX = 8192,		/* path + "?query" with NUL */
	URL_STR_MAX = URL_PATH_MAX + 600,	/* a whole formatted URL */
};

/*
 * scheme: "http" or "https" (lowercase).
 * userinfo: the raw "user[:password]" before '@' ("" when absent). Only
 *   proxy URLs may carry one; the HTTP client refuses it elsewhere.
 * host: lowercase name, dotted IPv4, or IPv6 without the brackets (an IPv6
 *   literal is recognised by containing ':').
 * port: 1..65535, the scheme's default (80, 443) when not given.
 * path: the request target, "/" at least, with the query ("?...") if any;
 *   only printable ASCII, so it can go on a request line as is.
 */
struct url {
	char scheme[8];
	char userinfo[URL_USERINFO_MAX];
	char host[URL_HOST_MAX];
	int port;
	char path[URL_PATH_MAX];
};

/*
 * Parse the absolute URL `s` (NUL-terminated) into `u`. Errors (ERR_PARSE,
 * or ERR_LIMIT for over-long parts) name the problem: "not an absolute
 * URL", "unsupported URL scheme", "bad host", "bad port"... `u` is
 * undefined after a failure.
 */
int url_parse(struct url *u, const char *s, struct err *e);

/*
 * Resolve reference `ref` (e.g. a Location header value: absolute,
 * scheme-relative "//host/x", absolute-path "/x", "?query" or relative
 * "x/y") against `base` into `out` (RFC 3986 section 5.2). `out` may not
 * alias `base`. The result never carries `base`'s userinfo. A reference
 * with a scheme other than http or https is an error.
 */
int url_resolve(struct url *out, const struct url *base, const char *ref,
    struct err *e);

/* The default port of `scheme` ("http" 80, "https" 443), 0 for others. */
int url_default_port(const char *scheme);

/*
 * Non-zero when `a` and `b` have the same scheme, host and port (the
 * origin; RFC 6454). Userinfo and path do not matter.
 */
int url_same_origin(const struct url *a, const struct url *b);

/*
 * Write "host[:port]" into `buf` (size `n`, always NUL-terminated),
 * bracketing an IPv6 host. The port is left out when it is the scheme's
 * default unless `always_port` is set (CONNECT needs it). Returns the
 * length of the full text, like snprintf(); a buffer of URL_HOST_MAX + 8
 * bytes always suffices.
 */
size_t url_authority(const struct url *u, int always_port, char *buf,
    size_t n);

/*
 * Write `u` as "scheme://authority/path" into `buf` (size `n`, always
 * NUL-terminated). The userinfo is never written. Without `with_query` the
 * query is replaced by "?..." so that signatures and tokens in presigned
 * URLs stay out of error messages and logs. Returns the length of the full
 * text like snprintf(); URL_STR_MAX bytes always suffice.
 */
size_t url_format(const struct url *u, int with_query, char *buf, size_t n);

/*
 * Percent-encode `in` for use as a query value or path segment: every
 * byte except the unreserved ALPHA / DIGIT / "-" / "." / "_" / "~" becomes
 * "%XX" (so "repository:a/b:pull,push" keeps its ':' and ',' intact
 * through the query). Writes the NUL-terminated result into `out` (size
 * `n`); ERR_LIMIT when it does not fit.
 */
int url_escape(const char *in, char *out, size_t n, struct err *e);

#endif

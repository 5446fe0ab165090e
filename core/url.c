/* url.c - absolute http(s) URLs: parsing, resolving references, escaping */

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "url.h"

static const char hexdig[] = "0123456789ABCDEF";

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int
is_unreserved(int c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '.' ||
	    c == '_' || c == '~';
}

static int
is_subdelim(int c)
{
	return c != '\0' && strchr("!$&'()*+,;=", c) != NULL;
}

/* A byte allowed as is in a path (pchar plus '/'), or also '?' in a query. */
static int
is_pathchar(int c, int query)
{
	return is_unreserved(c) || is_subdelim(c) || c == ':' || c == '@' ||
	    c == '/' || (query && c == '?');
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/*
 * Append `n` bytes of path or query text at `s` to `out` (length *len,
 * capacity URL_PATH_MAX), percent-encoding what is outside the URI
 * character set. Control bytes are refused: they could split a request
 * line.
 */
static int
add_encoded(char *out, size_t *len, const char *s, size_t n, int query,
    struct err *e)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, need;
	unsigned c;

	for (i = 0; i < n; i++) {
		c = p[i];
		if (c < 0x20 || c == 0x7f)
			return err_set(e, ERR_PARSE,
			    "control character in URL path");
		if (c == '%')
			need = i + 2 < n && is_hex(p[i + 1]) &&
			    is_hex(p[i + 2]) ? 1 : 3;
		else if (is_pathchar(c, query))
			need = 1;
		else
			need = 3;
		if (*len + need >= URL_PATH_MAX)
			return err_set(e, ERR_LIMIT, "URL path too long");
		if (need == 1) {
			out[(*len)++] = (char)c;
		} else {
			out[(*len)++] = '%';
			out[(*len)++] = hexdig[c >> 4];
			out[(*len)++] = hexdig[c & 15];
		}
	}
	out[*len] = '\0';
	return 0;
}

/*
 * Remove "." and ".." segments from the absolute path `p` in place
 * (RFC 3986 section 5.2.4; the output is never longer than the input).
 */
static void
remove_dots(char *p)
{
	char *in = p, *out = p, *seg, *end, *slash;
	size_t n;
	int last;

	/* `out` trails `in`, so copying forward is safe. */
	while (*in == '/') {
		seg = in + 1;
		end = strchr(seg, '/');
		if (!end)
			end = seg + strlen(seg);
		n = (size_t)(end - seg);
		last = *end == '\0';
		if ((n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.')) {
			if (n == 2) {
				*out = '\0';
				slash = strrchr(p, '/');
				out = slash ? slash : p;
			}
			if (last)
				*out++ = '/';
		} else {
			memmove(out, in, n + 1);
			out += n + 1;
		}
		in = end;
	}
	*out = '\0';
	if (p[0] == '\0') {
		p[0] = '/';
		p[1] = '\0';
	}
}

/*
 * Set u->path from `s`: an absolute path (or empty) with an optional
 * "?query" and "#fragment" (dropped).
 */
static int
set_target(struct url *u, const char *s, struct err *e)
{
	size_t n = strcspn(s, "#"), plen = strcspn(s, "?#"), len = 0;

	if (plen == 0 || s[0] != '/') {
		if (plen != 0)
			return err_set(e, ERR_PARSE,
			    "URL path is not absolute");
		u->path[len++] = '/';
		u->path[len] = '\0';
	} else if (add_encoded(u->path, &len, s, plen, 0, e)) {
		return -1;
	}
	remove_dots(u->path);
	len = strlen(u->path);
	return add_encoded(u->path, &len, s + plen, n - plen, 1, e);
}

static int
parse_port(const char *s, size_t n, int *port, struct err *e)
{
	size_t i;
	long v = 0;

	if (n > 5)
		return err_set(e, ERR_PARSE, "bad port in URL");
	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return err_set(e, ERR_PARSE, "bad port in URL");
		v = v * 10 + (s[i] - '0');
	}
	if (n && (v < 1 || v > 65535))
		return err_set(e, ERR_PARSE, "bad port in URL");
	if (n)
		*port = (int)v;
	return 0;
}

/* Parse the authority `s` (length `n`) into userinfo, host and port. */
static int
parse_authority(struct url *u, const char *s, size_t n, struct err *e)
{
	const char *at = memchr(s, '@', n), *h, *end = s + n, *close;
	struct in6_addr a6;
	size_t i, hn;

	u->userinfo[0] = '\0';
	if (at) {
		if (memchr(at + 1, '@', (size_t)(end - at - 1)))
			return err_set(e, ERR_PARSE, "bad userinfo in URL");
		if ((size_t)(at - s) >= sizeof(u->userinfo))
			return err_set(e, ERR_LIMIT, "URL userinfo too long");
		for (i = 0; s + i < at; i++)
			if (!is_unreserved(s[i]) && !is_subdelim(s[i]) &&
			    s[i] != ':' && s[i] != '%')
				return err_set(e, ERR_PARSE,
				    "bad userinfo in URL");
		memcpy(u->userinfo, s, (size_t)(at - s));
		u->userinfo[at - s] = '\0';
		s = at + 1;
	}
	h = s;
	if (h < end && *h == '[') {
		close = memchr(h, ']', (size_t)(end - h));
		if (!close)
			return err_set(e, ERR_PARSE, "bad IPv6 host in URL");
		hn = (size_t)(close - h - 1);
		if (hn == 0 || hn >= 46)
			return err_set(e, ERR_PARSE, "bad IPv6 host in URL");
		memcpy(u->host, h + 1, hn);
		u->host[hn] = '\0';
		if (inet_pton(AF_INET6, u->host, &a6) != 1)
			return err_set(e, ERR_PARSE, "bad IPv6 host in URL");
		for (i = 0; i < hn; i++)
			u->host[i] = (char)lower(u->host[i]);
		s = close + 1;
		if (s < end && *s != ':')
			return err_set(e, ERR_PARSE, "bad host in URL");
	} else {
		for (s = h; s < end && *s != ':'; s++)
			if (!is_alpha(*s) && !is_digit(*s) && *s != '-' &&
			    *s != '.' && *s != '_')
				return err_set(e, ERR_PARSE, "bad host in URL");
		hn = (size_t)(s - h);
		if (hn == 0)
			return err_set(e, ERR_PARSE, "empty host in URL");
		if (hn > 253)
			return err_set(e, ERR_LIMIT, "URL host too long");
		for (i = 0; i < hn; i++)
			u->host[i] = (char)lower(h[i]);
		u->host[hn] = '\0';
	}
	u->port = url_default_port(u->scheme);
	if (s < end)
		return parse_port(s + 1, (size_t)(end - s - 1), &u->port, e);
	return 0;
}

/* Length of the scheme of `s` ("http" in "http:..."), 0 if none. */
static size_t
scheme_len(const char *s)
{
	size_t i;

	if (!is_alpha(s[0]))
		return 0;
	for (i = 1; is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' ||
	    s[i] == '-' || s[i] == '.'; i++)
		;
	return s[i] == ':' ? i : 0;
}

int
url_parse(struct url *u, const char *s, struct err *e)
{
	size_t n = scheme_len(s), i, an;

	if (n == 0 || s[n + 1] != '/' || s[n + 2] != '/')
		return err_set(e, ERR_PARSE, "not an absolute URL");
	if (n >= sizeof(u->scheme))
		return err_set(e, ERR_PARSE, "unsupported URL scheme");
	for (i = 0; i < n; i++)
		u->scheme[i] = (char)lower(s[i]);
	u->scheme[n] = '\0';
	if (strcmp(u->scheme, "http") != 0 && strcmp(u->scheme, "https") != 0)
		return err_set(e, ERR_PARSE, "unsupported URL scheme %s",
		    u->scheme);
	s += n + 3;
	an = strcspn(s, "/?#");
	if (parse_authority(u, s, an, e))
		return -1;
	return set_target(u, s + an, e);
}

int
url_resolve(struct url *out, const struct url *base, const char *ref,
    struct err *e)
{
	char buf[URL_STR_MAX];
	size_t n, dn;
	const char *q;

	if (scheme_len(ref))
		return url_parse(out, ref, e);
	if (ref[0] == '/' && ref[1] == '/') {
		n = (size_t)snprintf(buf, sizeof(buf), "%s:%s", base->scheme,
		    ref);
		if (n >= sizeof(buf))
			return err_set(e, ERR_LIMIT, "URL too long");
		return url_parse(out, buf, e);
	}
	memcpy(out->scheme, base->scheme, sizeof(out->scheme));
	memcpy(out->host, base->host, sizeof(out->host));
	out->port = base->port;
	out->userinfo[0] = '\0';
	if (ref[0] == '/')
		return set_target(out, ref, e);
	q = strchr(base->path, '?');
	dn = q ? (size_t)(q - base->path) : strlen(base->path);
	if (ref[0] == '\0' || ref[0] == '#') {
		/* Same document: keep the base's path and query. */
		memcpy(out->path, base->path, sizeof(out->path));
		return 0;
	}
	if (ref[0] != '?') {
		/* Merge: the base path up to its last '/', then `ref`. */
		while (dn > 0 && base->path[dn - 1] != '/')
			dn--;
	}
	n = strlen(ref);
	if (dn + n >= sizeof(buf))
		return err_set(e, ERR_LIMIT, "URL too long");
	memcpy(buf, base->path, dn);
	memcpy(buf + dn, ref, n + 1);
	if (buf[0] != '/')
		return err_set(e, ERR_PARSE, "URL path is not absolute");
	return set_target(out, buf, e);
}

int
url_default_port(const char *scheme)
{
	if (strcmp(scheme, "http") == 0)
		return 80;
	if (strcmp(scheme, "https") == 0)
		return 443;
	return 0;
}

int
url_same_origin(const struct url *a, const struct url *b)
{
	return strcmp(a->scheme, b->scheme) == 0 &&
	    strcmp(a->host, b->host) == 0 && a->port == b->port;
}

size_t
url_authority(const struct url *u, int always_port, char *buf, size_t n)
{
	int v6 = strchr(u->host, ':') != NULL;
	int r;

	if (always_port || u->port != url_default_port(u->scheme))
		r = snprintf(buf, n, "%s%s%s:%d", v6 ? "[" : "", u->host,
		    v6 ? "]" : "", u->port);
	else
		r = snprintf(buf, n, "%s%s%s", v6 ? "[" : "", u->host,
		    v6 ? "]" : "");
	return r < 0 ? 0 : (size_t)r;
}

size_t
url_format(const struct url *u, int with_query, char *buf, size_t n)
{
	char auth[URL_HOST_MAX + 16];
	size_t plen = with_query ? strlen(u->path) : strcspn(u->path, "?");
	int r;

	url_authority(u, 0, auth, sizeof(auth));
	r = snprintf(buf, n, "%s://%s%.*s%s", u->scheme, auth, (int)plen,
	    u->path, u->path[plen] ? "?..." : "");
	return r < 0 ? 0 : (size_t)r;
}

int
url_escape(const char *in, char *out, size_t n, struct err *e)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t len = 0;

	if (n == 0)
		return err_set(e, ERR_LIMIT, "escaped text too long");
	for (; *p; p++) {
		if (len + (is_unreserved(*p) ? 1 : 3) >= n)
			return err_set(e, ERR_LIMIT, "escaped text too long");
		if (is_unreserved(*p)) {
			out[len++] = (char)*p;
		} else {
			out[len++] = '%';
			out[len++] = hexdig[*p >> 4];
			out[len++] = hexdig[*p & 15];
		}
	}
	out[len] = '\0';
	return 0;
}

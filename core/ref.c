/* ref.c - parse and normalise image references as Docker does */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ref.h"

static const char HUB_DOMAIN[] = "docker.io";
static const char HUB_LEGACY[] = "index.docker.io";
static const char HUB_API[] = "registry-1.docker.io";
static const char HUB_KEY[] = "https://index.docker.io/v1/";
static const char OFFICIAL[] = "library/";

static const struct {
	const char *name;
	size_t hexlen;
} algos[] = {
	{ "sha256", 64 },
	{ "sha512", 128 },
};

static int
is_lower_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int
is_alnum(int c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static int
is_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static int
is_word(int c)
{
	return is_alnum(c) || c == '_';
}

static int
has_upper(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			return 1;
	return 0;
}

/* One path component: [a-z0-9]+ ( ("." | "_" | "__" | "-"+) [a-z0-9]+ )* */
static int
valid_component(const char *s, size_t n)
{
	size_t i = 0, run;

	if (n == 0 || !is_lower_alnum((unsigned char)s[0]))
		return 0;
	while (i < n) {
		while (i < n && is_lower_alnum((unsigned char)s[i]))
			i++;
		if (i == n)
			return 1;
		run = i;
		while (i < n && (s[i] == '.' || s[i] == '_' || s[i] == '-'))
			i++;
		run = i - run;
		if (i == n || !is_lower_alnum((unsigned char)s[i]))
			return 0;
		if (s[i - 1] == '-') {
			if (memchr(s + i - run, '.', run) ||
			    memchr(s + i - run, '_', run))
				return 0;
		} else if (!(run == 1 || (run == 2 && s[i - 1] == '_' &&
		    s[i - 2] == '_'))) {
			return 0;
		}
	}
	return 1;
}

/* path := component ( "/" component )* */
static int
valid_path(const char *s)
{
	const char *slash;

	for (;;) {
		slash = strchr(s, '/');
		if (!valid_component(s, slash ? (size_t)(slash - s) :
		    strlen(s)))
			return 0;
		if (!slash)
			return 1;
		s = slash + 1;
	}
}

/* A DNS-ish label: [A-Za-z0-9] or [A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]. */
static int
valid_label(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !is_alnum((unsigned char)s[0]) ||
	    !is_alnum((unsigned char)s[n - 1]))
		return 0;
	for (i = 1; i + 1 < n; i++)
		if (!is_alnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

/* domain := (labels | "[" [0-9A-Fa-f:]+ "]") [ ":" [0-9]+ ], exactly n bytes */
static int
valid_domain(const char *s, size_t n)
{
	size_t i = 0, start;

	if (n == 0)
		return 0;
	if (s[0] == '[') {
		for (i = 1; i < n && (is_hex((unsigned char)s[i]) ||
		    s[i] == ':'); i++)
			;
		if (i == 1 || i == n || s[i] != ']')
			return 0;
		i++;
	} else {
		for (;;) {
			start = i;
			while (i < n && s[i] != '.' && s[i] != ':')
				i++;
			if (!valid_label(s + start, i - start))
				return 0;
			if (i == n || s[i] == ':')
				break;
			i++;
		}
	}
	if (i == n)
		return 1;
	if (s[i++] != ':' || i == n)
		return 0;
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* tag := [\w][\w.-]{0,127} */
static int
valid_tag(const char *s)
{
	size_t i;

	if (!is_word((unsigned char)s[0]))
		return 0;
	for (i = 1; s[i]; i++)
		if (!is_word((unsigned char)s[i]) && s[i] != '.' &&
		    s[i] != '-')
			return 0;
	return i <= REF_TAG_MAX;
}

/*
 * digest := algorithm ":" hex, where Docker's grammar allows algorithm :=
 * [A-Za-z][A-Za-z0-9]* ([-_+.][A-Za-z][A-Za-z0-9]*)* and 32 or more hex
 * digits; then the algorithm must be known and the hex its exact length,
 * lowercase.
 */
static int
check_digest(const char *d, struct err *e)
{
	const char *colon = strchr(d, ':'), *p;
	size_t i, alen, hlen;

	if (!colon)
		return err_set(e, ERR_PARSE, "invalid reference format: "
		    "invalid digest format");
	alen = colon - d;
	for (p = d; p < colon; p++) {
		if (p == d || strchr("-_+.", p[-1])) {
			if (!((*p >= 'a' && *p <= 'z') ||
			    (*p >= 'A' && *p <= 'Z')))
				break;
		} else if (!is_alnum((unsigned char)*p) &&
		    !strchr("-_+.", *p)) {
			break;
		}
	}
	hlen = strlen(colon + 1);
	if (alen == 0 || p != colon || strchr("-_+.", colon[-1]) ||
	    hlen < 32)
		return err_set(e, ERR_PARSE, "invalid reference format: "
		    "invalid digest format");
	for (i = 0; i < hlen; i++)
		if (!is_hex((unsigned char)colon[1 + i]))
			return err_set(e, ERR_PARSE, "invalid reference "
			    "format: invalid digest format");
	for (i = 0; i < sizeof(algos) / sizeof(algos[0]); i++)
		if (strlen(algos[i].name) == alen &&
		    memcmp(algos[i].name, d, alen) == 0)
			break;
	if (i == sizeof(algos) / sizeof(algos[0]))
		return err_set(e, ERR_PARSE, "invalid digest: unsupported "
		    "digest algorithm \"%.*s\" (sha256 or sha512)",
		    (int)(alen > 32 ? 32 : alen), d);
	if (hlen != algos[i].hexlen)
		return err_set(e, ERR_PARSE, "invalid digest: invalid checksum "
		    "digest length (%s needs %zu hex digits, got %zu)",
		    algos[i].name, algos[i].hexlen, hlen);
	for (p = colon + 1; *p; p++)
		if (*p >= 'A' && *p <= 'F')
			return err_set(e, ERR_PARSE, "invalid digest: invalid "
			    "checksum digest format (hex digits must be "
			    "lowercase)");
	return 0;
}

static int
is_hex64_id(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

/* Length of a "http://" or "https://" prefix of `s` (any case), else 0. */
static size_t
scheme_len(const char *s, char *scheme, size_t size)
{
	if (strncasecmp(s, "http://", 7) == 0) {
		snprintf(scheme, size, "http");
		return 7;
	}
	if (strncasecmp(s, "https://", 8) == 0) {
		snprintf(scheme, size, "https");
		return 8;
	}
	return 0;
}

/*
 * Is the first component of a name, `n` bytes at `s`, a registry host by
 * Docker's rule: "localhost", or it has '.', ':' or an uppercase letter?
 */
static int
is_domain_like(const char *s, size_t n)
{
	return memchr(s, '.', n) || memchr(s, ':', n) || has_upper(s, n) ||
	    (n == 9 && memcmp(s, "localhost", 9) == 0);
}

static int
parse(struct ref *r, const char *s, struct err *e)
{
	char work[REF_INPUT_MAX + 1];
	char *name, *tag = NULL, *digest = NULL, *p, *slash, *rest;
	const char *domain;
	size_t n, dlen;
	int explicit_host;

	n = strnlen(s, REF_INPUT_MAX + 1);
	if (n > REF_INPUT_MAX)
		return err_set(e, ERR_LIMIT, "invalid reference format: longer "
		    "than %d characters", REF_INPUT_MAX);
	if (n == 0)
		return err_set(e, ERR_PARSE, "invalid reference format: "
		    "repository name must have at least one component");
	s += scheme_len(s, r->scheme, sizeof(r->scheme));
	explicit_host = r->scheme[0] != '\0';
	if (is_hex64_id(s))
		return err_set(e, ERR_PARSE, "invalid repository name (%s), "
		    "cannot specify 64-byte hexadecimal strings", s);
	memcpy(work, s, strlen(s) + 1);
	name = work;

	p = strchr(name, '@');
	if (p) {
		*p = '\0';
		digest = p + 1;
		if (strchr(digest, '@'))
			return err_set(e, ERR_PARSE,
			    "invalid reference format");
	}
	p = strrchr(name, ':');
	slash = strrchr(name, '/');
	if (p && (!slash || p > slash)) {
		*p = '\0';
		tag = p + 1;
	}

	slash = strchr(name, '/');
	if (explicit_host && !slash)
		return err_set(e, ERR_PARSE, "invalid reference format: "
		    "\"%s://\" must be followed by a registry host and a "
		    "repository", r->scheme);
	if (slash && (explicit_host || is_domain_like(name, slash - name))) {
		*slash = '\0';
		domain = name;
		rest = slash + 1;
	} else {
		domain = HUB_DOMAIN;
		rest = name;
	}
	if (strcmp(domain, HUB_LEGACY) == 0)
		domain = HUB_DOMAIN;

	if (has_upper(rest, strlen(rest)))
		return err_set(e, ERR_PARSE, "invalid reference format: "
		    "repository name must be lowercase");
	dlen = strlen(domain);
	if (!valid_domain(domain, dlen) || !valid_path(rest))
		return err_set(e, ERR_PARSE, "invalid reference format");
	n = strlen(rest);
	if ((strcmp(domain, HUB_DOMAIN) == 0 || explicit_host) &&
	    !strchr(rest, '/')) {
		if (dlen + 1 + strlen(OFFICIAL) + n > REF_NAME_MAX)
			goto too_long;
		memcpy(r->path, OFFICIAL, strlen(OFFICIAL));
		memcpy(r->path + strlen(OFFICIAL), rest, n + 1);
	} else {
		if (dlen + 1 + n > REF_NAME_MAX)
			goto too_long;
		memcpy(r->path, rest, n + 1);
	}
	memcpy(r->domain, domain, dlen + 1);

	if (tag) {
		if (!valid_tag(tag))
			return err_set(e, ERR_PARSE, "invalid reference "
			    "format: invalid tag format");
		memcpy(r->tag, tag, strlen(tag) + 1);
	}
	if (digest) {
		if (check_digest(digest, e) < 0)
			return -1;
		memcpy(r->digest, digest, strlen(digest) + 1);
	}
	if (!tag && !digest)
		memcpy(r->tag, "latest", sizeof("latest"));
	return 0;
too_long:
	return err_set(e, ERR_PARSE, "invalid reference format: repository "
	    "name must not be more than %d characters", REF_NAME_MAX);
}

/* Append ":tag" and "@digest" to a name already in buf at offset n. */
static size_t
finish(const struct ref *r, char *buf, size_t size, int n)
{
	size_t len = n < 0 ? 0 : (size_t)n;
	int m;

	if (r->tag[0]) {
		m = snprintf(len < size ? buf + len : NULL,
		    len < size ? size - len : 0, ":%s", r->tag);
		len += m < 0 ? 0 : (size_t)m;
	}
	if (r->digest[0]) {
		m = snprintf(len < size ? buf + len : NULL,
		    len < size ? size - len : 0, "@%s", r->digest);
		len += m < 0 ? 0 : (size_t)m;
	}
	return len;
}

int
ref_parse(struct ref *r, const char *s, struct err *e)
{
	memset(r, 0, sizeof(*r));
	if (parse(r, s, e) < 0) {
		memset(r, 0, sizeof(*r));
		return -1;
	}
	return 0;
}

size_t
ref_name(const struct ref *r, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s", r->domain, r->path);

	return n < 0 ? 0 : (size_t)n;
}

size_t
ref_canonical(const struct ref *r, char *buf, size_t size)
{
	return finish(r, buf, size, snprintf(buf, size, "%s/%s", r->domain,
	    r->path));
}

size_t
ref_familiar(const struct ref *r, char *buf, size_t size)
{
	const char *p = r->path;
	size_t k = strlen(OFFICIAL);

	if (!ref_is_docker_hub(r) || (strchr(p, '/') &&
	    is_domain_like(p, strchr(p, '/') - p)))
		return ref_canonical(r, buf, size);
	if (strncmp(p, OFFICIAL, k) == 0 && !strchr(p + k, '/'))
		p += k;
	return finish(r, buf, size, snprintf(buf, size, "%s", p));
}

const char *
ref_manifest_ref(const struct ref *r)
{
	return r->digest[0] ? r->digest : r->tag;
}

int
ref_is_docker_hub(const struct ref *r)
{
	return strcmp(r->domain, HUB_DOMAIN) == 0;
}

const char *
ref_api_host(const struct ref *r)
{
	return ref_is_docker_hub(r) ? HUB_API : r->domain;
}

const char *
ref_cred_key(const struct ref *r)
{
	return ref_is_docker_hub(r) ? HUB_KEY : r->domain;
}

int
ref_endpoint_parse(struct ref_endpoint *ep, const char *url, struct err *e)
{
	const char *s = url, *end, *p;
	size_t n, hlen;

	memset(ep, 0, sizeof(*ep));
	n = strnlen(url, REF_INPUT_MAX + 1);
	if (n > REF_INPUT_MAX)
		return err_set(e, ERR_LIMIT, "endpoint longer than %d "
		    "characters", REF_INPUT_MAX);
	s += scheme_len(s, ep->scheme, sizeof(ep->scheme));
	if (s == url) {
		if (strstr(url, "://"))
			return err_set(e, ERR_PARSE, "\"%.*s\": unsupported "
			    "scheme (http or https)", 200, url);
		snprintf(ep->scheme, sizeof(ep->scheme), "https");
	}
	if (strpbrk(s, "?#"))
		goto bad;
	end = strchr(s, '/');
	if (!end)
		end = s + strlen(s);
	hlen = end - s;
	if (memchr(s, '@', hlen)) {
		memset(ep, 0, sizeof(*ep));
		return err_set(e, ERR_PARSE, "\"%.*s\": credentials are not "
		    "allowed in an endpoint URL", 200, url);
	}
	if (!valid_domain(s, hlen) || hlen > REF_NAME_MAX)
		goto bad;
	memcpy(ep->host, s, hlen);
	n = strlen(end);
	while (n > 0 && end[n - 1] == '/')
		n--;
	if (n > REF_NAME_MAX)
		goto bad;
	for (p = end; p < end + n; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			goto bad;
	memcpy(ep->prefix, end, n);
	return 0;
bad:
	memset(ep, 0, sizeof(*ep));
	return err_set(e, ERR_PARSE, "\"%.*s\": not a registry URL "
	    "[http[s]://]host[:port][/path]", 200, url);
}

int
ref_from_server(struct ref *r, const char *server, struct err *e)
{
	char buf[REF_INPUT_MAX + 8];
	const char *p = server;
	size_t n;

	if (!server || strcmp(server, "docker.io") == 0 ||
	    strstr(server, "index.docker.io"))
		return ref_parse(r, "docker.io/library/x", e);
	if (strncmp(p, "https://", 8) == 0)
		p += 8;
	else if (strncmp(p, "http://", 7) == 0)
		p += 7;
	n = strcspn(p, "/");
	if (n == 0 || n + 3 > sizeof(buf))
		return err_set(e, ERR_PARSE, "invalid registry \"%.100s\"",
		    server);
	memcpy(buf, p, n);
	memcpy(buf + n, "/x", 3);
	return ref_parse(r, buf, e);
}

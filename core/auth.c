/* auth.c - WWW-Authenticate, Base64, docker config.json credentials,
 * credential helpers and token responses
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "io.h"
#include "json.h"

extern char **environ;

/* A cursor over one header value. */
struct cur {
	const char *s;
	size_t n, i;
};

/* Where a WWW-Authenticate parameter goes. */
struct param_field {
	const char *name;
	size_t off, size;
	unsigned bit;
};

#define PFIELD(f) offsetof(struct auth_challenge, f), \
	sizeof(((struct auth_challenge *)0)->f)

static const struct param_field params[] = {
	{ "realm", PFIELD(realm), 1 },
	{ "service", PFIELD(service), 2 },
	{ "scope", PFIELD(scope), 4 },
	{ "error", PFIELD(error), 8 },
};

#undef PFIELD

static const char B64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static const char HUB_KEY[] = "https://index.docker.io/v1/";
static const char *const hub_hosts[] = {
	"docker.io", "index.docker.io", "registry-1.docker.io",
};
/* Forms a config key takes for host H: printf formats over H. */
static const char *const key_forms[] = {
	"%s", "https://%s", "http://%s", "https://%s/v1/", "https://%s/v2/",
};

/* Environment variables a credential helper may see. */
static const char *const helper_env[] = {
	"PATH", "HOME", "USER", "LOGNAME", "TMPDIR", "LANG", "LC_ALL",
	"DOCKER_CONFIG", "DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "GNUPGHOME",
	"PASSWORD_STORE_DIR", "GPG_TTY", "SSL_CERT_FILE", "SSL_CERT_DIR",
	"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy",
	"no_proxy",
};
static const char *const helper_env_prefix[] = {
	"XDG_", "AWS_", "AZURE_", "GOOGLE_", "CLOUDSDK_",
};

/* docker-credential-helpers' ErrCredentialsNotFound text. */
static const char HELPER_NOT_FOUND[] =
    "credentials not found in native keychain";

/* ---- WWW-Authenticate (RFC 7235) ---- */

static int
is_tchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int
is_t68(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c && strchr("-._~+/", c));
}

static int
at_end(const struct cur *c)
{
	return c->i >= c->n;
}

static int
peek(const struct cur *c)
{
	return at_end(c) ? -1 : (unsigned char)c->s[c->i];
}

static void
skip_ows(struct cur *c)
{
	while (peek(c) == ' ' || peek(c) == '\t')
		c->i++;
}

/* Length of the token at position i (0 if none). */
static size_t
token_at(const struct cur *c, size_t i)
{
	size_t j = i;

	while (j < c->n && is_tchar((unsigned char)c->s[j]))
		j++;
	return j - i;
}

/* Is there `token BWS "=" BWS (token | quoted-string)` at position i? */
static int
param_at(const struct cur *c, size_t i)
{
	size_t k = token_at(c, i);

	if (k == 0)
		return 0;
	i += k;
	while (i < c->n && (c->s[i] == ' ' || c->s[i] == '\t'))
		i++;
	if (i == c->n || c->s[i] != '=')
		return 0;
	i++;
	while (i < c->n && (c->s[i] == ' ' || c->s[i] == '\t'))
		i++;
	return i < c->n && (c->s[i] == '"' ||
	    is_tchar((unsigned char)c->s[i]));
}

/*
 * Read a token or quoted-string value at the cursor into `out` (`size`
 * bytes, NULL to drop it). Returns 0, -1 with e set.
 */
static int
read_value(struct cur *c, char *out, size_t size, const char *name,
    struct err *e)
{
	size_t len = 0, k;
	int ch;

	if (peek(c) != '"') {
		k = token_at(c, c->i);
		if (out && k >= size)
			goto too_long;
		if (out) {
			memcpy(out, c->s + c->i, k);
			out[k] = '\0';
		}
		c->i += k;
		return 0;
	}
	c->i++;
	for (;;) {
		ch = peek(c);
		if (ch < 0)
			return err_set(e, ERR_PARSE, "unterminated quoted "
			    "string in parameter %s", name);
		c->i++;
		if (ch == '"')
			break;
		if (ch == '\\') {
			ch = peek(c);
			if (ch < 0)
				return err_set(e, ERR_PARSE, "unterminated "
				    "quoted string in parameter %s", name);
			c->i++;
		}
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return err_set(e, ERR_PARSE, "control character in "
			    "parameter %s", name);
		if (out) {
			if (len + 1 >= size)
				goto too_long;
			out[len] = (char)ch;
		}
		len++;
	}
	if (out)
		out[len] = '\0';
	return 0;
too_long:
	return err_set(e, ERR_LIMIT, "parameter %s longer than %zu bytes",
	    name, size - 1);
}

/* One auth-param at the cursor (param_at() said there is one). */
static int
read_param(struct cur *c, struct auth_challenge *ch, unsigned *seen,
    struct err *e)
{
	char name[32];
	size_t k = token_at(c, c->i), p;
	const struct param_field *f = NULL;

	snprintf(name, sizeof(name), "%.*s", (int)(k < 31 ? k : 31),
	    c->s + c->i);
	for (p = 0; p < sizeof(params) / sizeof(params[0]); p++)
		if (strlen(params[p].name) == k &&
		    strncasecmp(params[p].name, c->s + c->i, k) == 0)
			f = &params[p];
	c->i += k;
	skip_ows(c);
	c->i++;		/* '=' */
	skip_ows(c);
	if (!f)
		return read_value(c, NULL, 0, name, e);
	if (*seen & f->bit)
		return err_set(e, ERR_PARSE, "parameter %s given twice",
		    f->name);
	*seen |= f->bit;
	return read_value(c, (char *)ch + f->off, f->size, f->name, e);
}

/* After a challenge's scheme: nothing, a token68, or auth-params. */
static int
read_challenge_body(struct cur *c, struct auth_challenge *ch, struct err *e)
{
	unsigned seen = 0;
	size_t save;

	if (!param_at(c, c->i)) {
		save = c->i;
		while (is_t68(peek(c)))
			c->i++;
		if (c->i == save)
			return err_set(e, ERR_PARSE, "expected a parameter or "
			    "token68 at byte %zu", c->i + 1);
		while (peek(c) == '=')
			c->i++;
		skip_ows(c);
		if (!at_end(c) && peek(c) != ',')
			return err_set(e, ERR_PARSE, "expected ',' at byte %zu",
			    c->i + 1);
		ch->token68 = 1;
		return 0;
	}
	for (;;) {
		if (read_param(c, ch, &seen, e) < 0)
			return -1;
		skip_ows(c);
		if (at_end(c))
			return 0;
		if (peek(c) != ',')
			return err_set(e, ERR_PARSE, "expected ',' at byte %zu",
			    c->i + 1);
		save = c->i;
		while (peek(c) == ',' || peek(c) == ' ' || peek(c) == '\t')
			c->i++;
		if (at_end(c))
			return 0;
		if (!param_at(c, c->i)) {
			c->i = save;	/* a new challenge follows */
			return 0;
		}
	}
}

static int
parse_challenges(struct auth_challenges *set, struct cur *c, struct err *e)
{
	struct auth_challenge *ch;
	size_t k, j;
	int any = 0;

	for (;;) {
		while (peek(c) == ',' || peek(c) == ' ' || peek(c) == '\t')
			c->i++;
		if (at_end(c))
			break;
		k = token_at(c, c->i);
		if (k == 0)
			return err_set(e, ERR_PARSE, "expected an auth scheme "
			    "at byte %zu", c->i + 1);
		if (set->n >= AUTH_CHALLENGES_MAX)
			return err_set(e, ERR_LIMIT, "more than %d challenges",
			    AUTH_CHALLENGES_MAX);
		if (k >= AUTH_SCHEME_MAX)
			return err_set(e, ERR_LIMIT, "auth scheme longer than "
			    "%d bytes", AUTH_SCHEME_MAX - 1);
		ch = &set->c[set->n++];
		memset(ch, 0, sizeof(*ch));
		for (j = 0; j < k; j++) {
			ch->scheme[j] = c->s[c->i + j];
			if (ch->scheme[j] >= 'A' && ch->scheme[j] <= 'Z')
				ch->scheme[j] += 'a' - 'A';
		}
		if (strcmp(ch->scheme, "bearer") == 0)
			ch->kind = AUTH_BEARER;
		else if (strcmp(ch->scheme, "basic") == 0)
			ch->kind = AUTH_BASIC;
		c->i += k;
		any = 1;
		j = c->i;
		skip_ows(c);
		if (at_end(c) || peek(c) == ',')
			continue;
		if (c->i == j)
			return err_set(e, ERR_PARSE, "expected a space after "
			    "the auth scheme at byte %zu", c->i + 1);
		if (read_challenge_body(c, ch, e) < 0)
			return -1;
	}
	if (!any)
		return err_set(e, ERR_PARSE, "no challenge");
	return 0;
}

int
auth_challenges_parse(struct auth_challenges *set, const char *hdr,
    size_t len, struct err *e)
{
	struct cur c = { hdr, len, 0 };
	int n0 = set->n;

	if (len > AUTH_HEADER_MAX)
		return err_set(e, ERR_LIMIT, "WWW-Authenticate: longer than "
		    "%d bytes", AUTH_HEADER_MAX);
	if (n0 < 0 || n0 > AUTH_CHALLENGES_MAX)
		return err_set(e, ERR_GENERIC, "WWW-Authenticate: bad set");
	if (parse_challenges(set, &c, e) < 0) {
		memset(&set->c[n0], 0, (set->n - n0) * sizeof(set->c[0]));
		set->n = n0;
		return err_ctx(e, "WWW-Authenticate");
	}
	return 0;
}

const struct auth_challenge *
auth_challenges_pick(const struct auth_challenges *set)
{
	int i;

	for (i = 0; i < set->n; i++)
		if (set->c[i].kind == AUTH_BEARER)
			return &set->c[i];
	for (i = 0; i < set->n; i++)
		if (set->c[i].kind == AUTH_BASIC)
			return &set->c[i];
	return NULL;
}

/* ---- Base64 ---- */

size_t
auth_base64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

int
auth_base64_encode(const void *in, size_t n, char *out, size_t size,
    struct err *e)
{
	const unsigned char *p = in;
	size_t i, o = 0;
	unsigned long v;

	if (n > (SIZE_MAX - 1) / 4 * 3 - 3 || size < auth_base64_len(n) + 1)
		return err_set(e, ERR_LIMIT, "base64: output buffer too "
		    "small");
	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned long)p[i] << 16 | p[i + 1] << 8 | p[i + 2];
		out[o++] = B64[v >> 18 & 63];
		out[o++] = B64[v >> 12 & 63];
		out[o++] = B64[v >> 6 & 63];
		out[o++] = B64[v & 63];
	}
	if (n - i == 1) {
		v = (unsigned long)p[i] << 16;
		out[o++] = B64[v >> 18 & 63];
		out[o++] = B64[v >> 12 & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		v = (unsigned long)p[i] << 16 | p[i + 1] << 8;
		out[o++] = B64[v >> 18 & 63];
		out[o++] = B64[v >> 12 & 63];
		out[o++] = B64[v >> 6 & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
	return 0;
}

static int
b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
auth_base64_decode(const char *in, size_t n, void *out, size_t size,
    size_t *outlen, struct err *e)
{
	unsigned char *q = out;
	size_t i, o = 0, pad = 0, need;
	unsigned long v = 0;
	int d, bits = 0;

	while (pad < n && pad < 3 && in[n - 1 - pad] == '=')
		pad++;
	if (pad > 2 || (pad && n % 4 != 0))
		return err_set(e, ERR_PARSE, "base64: bad padding");
	n -= pad;
	if (n % 4 == 1)
		return err_set(e, ERR_PARSE, "base64: impossible length");
	if (pad && ((n % 4 == 2 && pad != 2) || (n % 4 == 3 && pad != 1) ||
	    n % 4 == 0))
		return err_set(e, ERR_PARSE, "base64: bad padding");
	need = n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
	if (need > size)
		return err_set(e, ERR_LIMIT, "base64: output buffer too "
		    "small");
	for (i = 0; i < n; i++) {
		d = b64_value((unsigned char)in[i]);
		if (d < 0)
			return err_set(e, ERR_PARSE, in[i] == '=' ?
			    "base64: bad padding" :
			    "base64: invalid character at %zu", i + 1);
		v = (v << 6 | (unsigned long)d) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			q[o++] = (unsigned char)(v >> bits);
		}
	}
	*outlen = o;
	return 0;
}

/* ---- credentials ---- */

void
auth_cred_clear(struct auth_cred *c)
{
	explicit_bzero(c, sizeof(*c));
}

int
auth_config_path(char *buf, size_t size, struct err *e)
{
	const char *d = getenv("DOCKER_CONFIG");
	int n;

	if (d && *d)
		n = snprintf(buf, size, "%s/config.json", d);
	else if ((d = getenv("HOME")) && *d)
		n = snprintf(buf, size, "%s/.docker/config.json", d);
	else
		return err_set(e, ERR_NOTFOUND, "docker config: neither "
		    "DOCKER_CONFIG nor HOME is set");
	if (n < 0 || (size_t)n >= size)
		return err_set(e, ERR_LIMIT, "docker config: path too long");
	return 0;
}

/* Copy string `s` into a fixed field, refusing truncation. */
static int
set_field(char *dst, size_t size, const char *s, size_t n, const char *what,
    struct err *e)
{
	if (n >= size)
		return err_set(e, ERR_LIMIT, "%s longer than %zu bytes", what,
		    size - 1);
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/* Load and parse config.json; *root stays NULL when the file is absent. */
static int
load_config(const char *path, struct json_value **root, struct err *e)
{
	struct json_limits lim = { AUTH_CONFIG_MAX, 64, 0 };
	char *buf;
	size_t len;

	*root = NULL;
	buf = io_read_file(path, AUTH_CONFIG_MAX, &len, e);
	if (!buf) {
		if (e->code != ENOENT)
			return -1;
		err_clear(e);
		return 0;
	}
	*root = json_parse(buf, len, &lim, e);
	explicit_bzero(buf, len);
	free(buf);
	if (!*root)
		return err_ctx(e, "%s", path);
	if (json_type(*root) != JSON_OBJECT) {
		json_free(*root);
		*root = NULL;
		return err_set(e, ERR_PARSE, "%s: expected a JSON object",
		    path);
	}
	return 0;
}

/* The host part of a registry key: scheme and path stripped. */
static void
key_host(const char *key, char *host, size_t size)
{
	const char *p = strstr(key, "://"), *end;
	size_t n;

	p = p ? p + 3 : key;
	end = strchr(p, '/');
	n = end ? (size_t)(end - p) : strlen(p);
	if (n >= size)
		n = size - 1;
	memcpy(host, p, n);
	host[n] = '\0';
}

static int
is_hub_host(const char *host)
{
	size_t i;

	for (i = 0; i < sizeof(hub_hosts) / sizeof(hub_hosts[0]); i++)
		if (strcasecmp(host, hub_hosts[i]) == 0)
			return 1;
	return 0;
}

/*
 * Call fn(name, arg) for each key form of `key` (see auth_config_get()),
 * without the host-part scan; stop at the first nonzero return and return
 * it.
 */
static int
each_key_form(const char *key, int (*fn)(const char *, void *), void *arg)
{
	char host[300], form[400];
	const char *hosts[3];
	size_t nh, h, f;
	int r;

	if ((r = fn(key, arg)) != 0)
		return r;
	key_host(key, host, sizeof(host));
	if (is_hub_host(host)) {
		if ((r = fn(HUB_KEY, arg)) != 0)
			return r;
		for (h = 0; h < 3; h++)
			hosts[h] = hub_hosts[h];
		nh = 3;
	} else {
		hosts[0] = host;
		nh = 1;
	}
	for (h = 0; h < nh; h++)
		for (f = 0; f < sizeof(key_forms) / sizeof(key_forms[0]);
		    f++) {
			snprintf(form, sizeof(form), key_forms[f], hosts[h]);
			if ((r = fn(form, arg)) != 0)
				return r;
		}
	return 0;
}

/* Does config key `k` name the same host as `key`? */
static int
same_host(const char *k, const char *key)
{
	char a[300], b[300];

	key_host(k, a, sizeof(a));
	key_host(key, b, sizeof(b));
	if (is_hub_host(b))
		return is_hub_host(a);
	return strcasecmp(a, b) == 0;
}

/* Decode one auths entry into c: 1 credentials, 0 empty, -1 error. */
static int
decode_entry(const struct json_value *v, struct auth_cred *c, struct err *e)
{
	static const struct {
		const char *key;
		size_t off, size;
	} strs[] = {
		{ "username", offsetof(struct auth_cred, username),
		    AUTH_USER_MAX },
		{ "password", offsetof(struct auth_cred, password),
		    AUTH_SECRET_MAX },
		{ "identitytoken", offsetof(struct auth_cred, identitytoken),
		    AUTH_SECRET_MAX },
		{ "registrytoken", offsetof(struct auth_cred, registrytoken),
		    AUTH_SECRET_MAX },
	};
	char dec[AUTH_USER_MAX + AUTH_SECRET_MAX + 4];
	const struct json_value *m;
	const char *s, *colon;
	size_t i, n, dn;
	int ret = -1;

	memset(c, 0, sizeof(*c));
	if (json_type(v) != JSON_OBJECT)
		return err_set(e, ERR_PARSE, "expected an object");
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		m = json_obj_get(v, strs[i].key);
		if (!m || json_is_null(m))
			continue;
		s = json_str(m);
		if (!s)
			return err_set(e, ERR_PARSE, "%s: expected a string",
			    strs[i].key);
		if (set_field((char *)c + strs[i].off, strs[i].size, s,
		    strlen(s), strs[i].key, e) < 0)
			goto out;
	}
	m = json_obj_get(v, "auth");
	if (m && !json_is_null(m)) {
		s = json_strn(m, &n);
		if (!s)
			return err_set(e, ERR_PARSE, "auth: expected a string");
		if (n > 0) {
			if (auth_base64_decode(s, n, dec, sizeof(dec) - 1, &dn,
			    e) < 0) {
				err_ctx(e, "auth");
				goto out;
			}
			dec[dn] = '\0';
			colon = memchr(dec, ':', dn);
			if (!colon) {
				err_set(e, ERR_PARSE, "auth: invalid auth "
				    "configuration (no ':' in user:password)");
				goto out;
			}
			while (dn > 0 && dec[dn - 1] == '\0')
				dn--;
			if (colon == dec) {
				err_set(e, ERR_PARSE, "auth: empty username");
				goto out;
			}
			if (set_field(c->username, sizeof(c->username), dec,
			    colon - dec, "username", e) < 0 ||
			    set_field(c->password, sizeof(c->password),
			    colon + 1, dn - (colon + 1 - dec), "password",
			    e) < 0)
				goto out;
		}
	}
	ret = c->username[0] || c->password[0] || c->identitytoken[0] ||
	    c->registrytoken[0];
out:
	explicit_bzero(dec, sizeof(dec));
	if (ret < 0)
		auth_cred_clear(c);
	return ret;
}

struct lookup {
	const struct json_value *obj;	/* auths or credHelpers */
	struct auth_cred *c;
	struct err *e;
	const char *found;		/* credHelpers: the helper name */
	char key[400];			/* the key that matched */
};

static int
try_auths(const char *k, void *arg)
{
	struct lookup *l = arg;
	const struct json_value *v = json_obj_get(l->obj, k);
	int r;

	if (!v)
		return 0;
	r = decode_entry(v, l->c, l->e);
	if (r < 0)
		err_ctx(l->e, "auths[\"%.200s\"]", k);
	if (r != 0)
		snprintf(l->key, sizeof(l->key), "%s", k);
	return r;
}

static int
try_helpers(const char *k, void *arg)
{
	struct lookup *l = arg;
	const struct json_value *v = json_obj_get(l->obj, k);

	if (!v)
		return 0;
	l->found = json_str(v);
	if (!l->found)
		return err_set(l->e, ERR_PARSE, "credHelpers[\"%.200s\"]: "
		    "expected a string", k);
	return l->found[0] ? 1 : 0;
}

/* Scan every key of l->obj whose host part matches `key`. */
static int
scan_hosts(struct lookup *l, const char *key,
    int (*fn)(const char *, void *))
{
	const char *k;
	size_t i;
	int r;

	for (i = 0; i < json_len(l->obj); i++) {
		k = json_str(json_key_at(l->obj, i));
		if (k && same_host(k, key) && (r = fn(k, l)) != 0)
			return r;
	}
	return 0;
}

static int
lookup_config(const struct json_value *root, const char *key,
    struct auth_cred *c, struct err *e)
{
	struct lookup l;
	const struct json_value *v;
	const char *helper = NULL;
	int r;

	memset(&l, 0, sizeof(l));
	l.c = c;
	l.e = e;
	v = json_obj_get(root, "credHelpers");
	if (v && !json_is_null(v)) {
		if (json_type(v) != JSON_OBJECT)
			return err_set(e, ERR_PARSE, "credHelpers: expected "
			    "an object");
		l.obj = v;
		r = each_key_form(key, try_helpers, &l);
		if (r == 0)
			r = scan_hosts(&l, key, try_helpers);
		if (r < 0)
			return -1;
		if (r > 0)
			helper = l.found;
	}
	v = json_obj_get(root, "credsStore");
	if (!helper && v && !json_is_null(v)) {
		helper = json_str(v);
		if (!helper)
			return err_set(e, ERR_PARSE, "credsStore: expected a "
			    "string");
		if (!helper[0])
			helper = NULL;
	}
	if (helper) {
		r = auth_helper_get(helper, key, AUTH_HELPER_TIMEOUT_MS, c, e);
		if (r != 0)
			return r;
	}
	v = json_obj_get(root, "auths");
	if (!v || json_is_null(v))
		return 0;
	if (json_type(v) != JSON_OBJECT)
		return err_set(e, ERR_PARSE, "auths: expected an object");
	l.obj = v;
	r = each_key_form(key, try_auths, &l);
	if (r == 0)
		r = scan_hosts(&l, key, try_auths);
	if (r > 0)
		snprintf(c->source, sizeof(c->source), "config.json");
	else
		auth_cred_clear(c);
	return r;
}

int
auth_config_get(const char *path, const char *key, struct auth_cred *c,
    struct err *e)
{
	char def[PATH_MAX];
	struct json_value *root = NULL;
	int r;

	memset(c, 0, sizeof(*c));
	if (!path) {
		if (auth_config_path(def, sizeof(def), e) < 0)
			return -1;
		path = def;
	}
	if (load_config(path, &root, e) < 0)
		return err_ctx(e, "credentials");
	if (!root)
		return 0;
	r = lookup_config(root, key, c, e);
	json_free(root);
	if (r < 0)
		return err_ctx(e, "credentials for %.200s: %s", key, path);
	return r;
}

/* ---- credential helpers ---- */

static int
valid_helper_name(const char *s)
{
	size_t i;

	if (!s[0] || s[0] == '.' || strlen(s) > 64)
		return 0;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || strchr("._-", s[i])))
			return 0;
	return 1;
}

/* Find `prog` on $PATH (empty entries, i.e. ".", are skipped). */
static int
find_in_path(const char *prog, char *out, size_t size)
{
	const char *path = getenv("PATH"), *p, *q;
	struct stat st;
	int n;

	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p; p = *q ? q + 1 : q) {
		q = strchr(p, ':');
		if (!q)
			q = p + strlen(p);
		if (q == p || *p != '/')
			continue;
		n = snprintf(out, size, "%.*s/%s", (int)(q - p), p, prog);
		if (n < 0 || (size_t)n >= size)
			continue;
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(out, X_OK) == 0)
			return 0;
	}
	return -1;
}

static int
env_allowed(const char *kv)
{
	size_t i, n;
	const char *eq = strchr(kv, '=');

	if (!eq)
		return 0;
	n = eq - kv;
	for (i = 0; i < sizeof(helper_env) / sizeof(helper_env[0]); i++)
		if (strlen(helper_env[i]) == n &&
		    memcmp(helper_env[i], kv, n) == 0)
			return 1;
	for (i = 0; i < sizeof(helper_env_prefix) /
	    sizeof(helper_env_prefix[0]); i++)
		if (strncmp(kv, helper_env_prefix[i],
		    strlen(helper_env_prefix[i])) == 0)
			return 1;
	return 0;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Copy a helper's message for an error: one line, printable, capped. */
static void
sanitize(const char *in, size_t n, char *out, size_t size)
{
	size_t i, o = 0;

	while (n > 0 && (in[n - 1] == '\n' || in[n - 1] == '\r' ||
	    in[n - 1] == ' '))
		n--;
	for (i = 0; i < n && o + 1 < size; i++)
		out[o++] = ((unsigned char)in[i] < 0x20 ||
		    (unsigned char)in[i] >= 0x7f) ? '?' : in[i];
	out[o] = '\0';
}

/*
 * Start the helper and collect its output. Returns 0 with *status and
 * *outlen bytes of output in `out`, or -1 with e set (the child is reaped
 * in every case).
 */
static int
run_helper(const char *exe, const char *argv0, const char *server,
    int timeout_ms, char *out, size_t size, size_t *outlen, int *status,
    struct err *e)
{
	posix_spawn_file_actions_t fa;
	char *argv[3], *envp[128];
	int sv[2] = { -1, -1 }, pp[2] = { -1, -1 }, fa_ok = 0, ret = -1;
	size_t i, ne = 0, n = 0, slen = strlen(server);
	long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 1);
	long long left;
	struct pollfd pfd;
	pid_t pid = -1, w;
	ssize_t r;
	int rc;

	for (i = 0; environ && environ[i] && ne + 1 < 128; i++)
		if (env_allowed(environ[i]))
			envp[ne++] = environ[i];
	envp[ne] = NULL;
	argv[0] = (char *)argv0;
	argv[1] = (char *)"get";
	argv[2] = NULL;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 || pipe(pp) < 0 ||
	    fcntl(sv[0], F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(sv[1], F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(pp[0], F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(pp[1], F_SETFD, FD_CLOEXEC) < 0) {
		err_sys(e, "%s", argv0);
		goto out;
	}
	if ((rc = posix_spawn_file_actions_init(&fa)) != 0) {
		errno = rc;
		err_sys(e, "%s", argv0);
		goto out;
	}
	fa_ok = 1;
	if ((rc = posix_spawn_file_actions_adddup2(&fa, sv[1], 0)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, pp[1], 1)) != 0 ||
	    (rc = posix_spawn_file_actions_addopen(&fa, 2, "/dev/null",
	    O_WRONLY, 0)) != 0) {
		errno = rc;
		err_sys(e, "%s", argv0);
		goto out;
	}
	rc = posix_spawn(&pid, exe, &fa, NULL, argv, envp);
	if (rc != 0) {
		pid = -1;
		errno = rc;
		err_sys(e, "%s: cannot run %s", argv0, exe);
		goto out;
	}
	close(sv[1]);
	close(pp[1]);
	sv[1] = pp[1] = -1;
	/* The URL fits the socket buffer; the helper reads it when it likes. */
	if (send(sv[0], server, slen, MSG_NOSIGNAL | MSG_DONTWAIT) !=
	    (ssize_t)slen && errno != EPIPE) {
		err_sys(e, "%s: writing the server URL", argv0);
		goto out;
	}
	shutdown(sv[0], SHUT_WR);

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0) {
			err_set(e, ERR_LIMIT, "%s: no answer within %d ms",
			    argv0, timeout_ms);
			goto out;
		}
		pfd.fd = pp[0];
		pfd.events = POLLIN;
		rc = poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			err_sys(e, "%s", argv0);
			goto out;
		}
		if (rc == 0)
			continue;
		r = read(pp[0], out + n, size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err_sys(e, "%s", argv0);
			goto out;
		}
		if (r == 0)
			break;
		n += r;
		if (n == size) {
			err_set(e, ERR_LIMIT, "%s: more than %zu bytes of "
			    "output", argv0, size - 1);
			goto out;
		}
	}
	for (;;) {
		w = waitpid(pid, status, WNOHANG);
		if (w == pid) {
			pid = -1;
			break;
		}
		if (w < 0 && errno != EINTR) {
			err_sys(e, "%s", argv0);
			goto out;
		}
		if (now_ms() >= deadline) {
			err_set(e, ERR_LIMIT, "%s: did not exit within %d ms",
			    argv0, timeout_ms);
			goto out;
		}
		poll(NULL, 0, 5);
	}
	*outlen = n;
	ret = 0;
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	for (i = 0; i < 2; i++) {
		if (sv[i] >= 0)
			close(sv[i]);
		if (pp[i] >= 0)
			close(pp[i]);
	}
	return ret;
}

static int
helper_answer(const char *argv0, const char *out, size_t n,
    struct auth_cred *c, struct err *e)
{
	struct json_limits lim = { AUTH_HELPER_OUT_MAX, 8, 0 };
	struct json_value *root;
	const char *user, *secret;
	int ret = -1;

	root = json_parse(out, n, &lim, e);
	if (!root)
		return err_ctx(e, "%s: bad answer", argv0);
	user = json_str(json_obj_get(root, "Username"));
	secret = json_str(json_obj_get(root, "Secret"));
	if (json_type(root) != JSON_OBJECT || !user || !secret) {
		err_set(e, ERR_PARSE, "%s: answer lacks Username and Secret",
		    argv0);
		goto out;
	}
	if (strcmp(user, "<token>") == 0) {
		if (set_field(c->identitytoken, sizeof(c->identitytoken),
		    secret, strlen(secret), "identity token", e) < 0)
			goto out;
	} else if (set_field(c->username, sizeof(c->username), user,
	    strlen(user), "username", e) < 0 || set_field(c->password,
	    sizeof(c->password), secret, strlen(secret), "secret", e) < 0) {
		goto out;
	}
	snprintf(c->source, sizeof(c->source), "%s", argv0);
	ret = c->username[0] || c->password[0] || c->identitytoken[0];
out:
	if (ret < 0) {
		auth_cred_clear(c);
		err_ctx(e, "credential helper");
	}
	json_free(root);
	return ret;
}

int
auth_helper_get(const char *helper, const char *server, int timeout_ms,
    struct auth_cred *c, struct err *e)
{
	char argv0[96], exe[PATH_MAX], msg[200];
	char *out = NULL;
	size_t n = 0;
	int status = 0, ret = -1;

	memset(c, 0, sizeof(*c));
	if (!valid_helper_name(helper))
		return err_set(e, ERR_PARSE, "invalid credential helper name "
		    "\"%.64s\"", helper);
	snprintf(argv0, sizeof(argv0), "docker-credential-%s", helper);
	if (find_in_path(argv0, exe, sizeof(exe)) < 0)
		return err_set(e, ERR_NOTFOUND, "%s: not found in PATH "
		    "(credential helper named by the docker config)", argv0);
	out = malloc(AUTH_HELPER_OUT_MAX + 1);
	if (!out)
		return err_sys(e, "%s", argv0);
	if (run_helper(exe, argv0, server, timeout_ms, out,
	    AUTH_HELPER_OUT_MAX + 1, &n, &status, e) < 0)
		goto out;
	if (WIFSIGNALED(status)) {
		err_set(e, ERR_AUTH, "%s: killed by signal %d", argv0,
		    WTERMSIG(status));
		goto out;
	}
	if (WEXITSTATUS(status) != 0) {
		sanitize(out, n, msg, sizeof(msg));
		if (strcmp(msg, HELPER_NOT_FOUND) == 0) {
			ret = 0;
			goto out;
		}
		err_set(e, ERR_AUTH, "%s get: exit status %d%s%s", argv0,
		    WEXITSTATUS(status), msg[0] ? ": " : "", msg);
		goto out;
	}
	ret = helper_answer(argv0, out, n, c, e);
out:
	if (out) {
		explicit_bzero(out, AUTH_HELPER_OUT_MAX + 1);
		free(out);
	}
	return ret;
}

/* ---- writing config.json ---- */

/* Write buf to path atomically with mode 0600 (through a symlink). */
static int
write_atomic(const char *path, const char *buf, size_t len, struct err *e)
{
	char real[PATH_MAX], dir[PATH_MAX], tmp[PATH_MAX + 32];
	const char *target = path, *base;
	struct stat st;
	char *slash;
	int fd = -1, dfd, ret = -1;

	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		if (!realpath(path, real))
			return err_sys(e, "%s", path);
		target = real;
	}
	if (strlen(target) >= sizeof(dir))
		return err_set(e, ERR_LIMIT, "%s: path too long", target);
	memcpy(dir, target, strlen(target) + 1);
	slash = strrchr(dir, '/');
	if (!slash) {
		base = target;
		snprintf(dir, sizeof(dir), ".");
	} else {
		base = target + (slash - dir) + 1;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return err_sys(e, "%s", dir);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, base) >=
	    sizeof(tmp))
		return err_set(e, ERR_LIMIT, "%s: path too long", target);
	fd = mkstemp(tmp);
	if (fd < 0)
		return err_sys(e, "%s: creating a temporary file", dir);
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 || fchmod(fd, 0600) < 0) {
		err_sys(e, "%s", tmp);
		goto out;
	}
	if (io_write_all(fd, buf, len, e) < 0) {
		err_ctx(e, "%s", tmp);
		goto out;
	}
	if (fsync(fd) < 0) {
		err_sys(e, "%s", tmp);
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		err_sys(e, "%s", tmp);
		goto out;
	}
	fd = -1;
	if (rename(tmp, target) < 0) {
		err_sys(e, "%s", target);
		goto out;
	}
	tmp[0] = '\0';
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp[0])
		unlink(tmp);
	return ret;
}

static void
write_entry(struct json_writer *w, const char *key, const char *auth,
    const struct auth_cred *c)
{
	json_writer_key(w, key);
	json_writer_begin_object(w);
	json_writer_key(w, "auth");
	json_writer_string(w, auth);
	if (c->identitytoken[0]) {
		json_writer_key(w, "identitytoken");
		json_writer_string(w, c->identitytoken);
	}
	json_writer_end_object(w);
}

struct erase {
	const char *k;
	int hit;
};

static int
match_form(const char *form, void *arg)
{
	struct erase *x = arg;

	if (strcmp(form, x->k) == 0)
		x->hit = 1;
	return x->hit;
}

/* Is config key `k` one of the forms of `key` that erase removes? */
static int
erase_match(const char *k, const char *key)
{
	struct erase x = { k, 0 };

	each_key_form(key, match_form, &x);
	return x.hit;
}

/*
 * Rewrite the config with auths[key] set to c (c != NULL) or with the
 * forms of key removed (c == NULL). *changed says whether anything
 * changed (always 1 for a store).
 */
static int
rewrite(const char *path, const char *key, const struct auth_cred *c,
    int *changed, struct err *e)
{
	char def[PATH_MAX], userpass[AUTH_USER_MAX + AUTH_SECRET_MAX + 2];
	char *auth = NULL, *buf = NULL;
	struct json_value *root = NULL;
	const struct json_value *auths = NULL, *v;
	struct json_writer w;
	const char *k;
	size_t i, j, len, alen = 0;
	int ret = -1, done = 0;

	*changed = 0;
	json_writer_init(&w, 1);
	if (!path) {
		if (auth_config_path(def, sizeof(def), e) < 0)
			goto out;
		path = def;
	}
	if (load_config(path, &root, e) < 0)
		goto out;
	if (root) {
		auths = json_obj_get(root, "auths");
		if (auths && json_type(auths) != JSON_OBJECT) {
			err_set(e, ERR_PARSE, "%s: auths: expected an object",
			    path);
			goto out;
		}
	}
	if (!c && !auths) {
		ret = 0;
		goto out;
	}
	if (c) {
		len = strlen(c->username) + 1 + strlen(c->password);
		if (!c->username[0] || len >= sizeof(userpass)) {
			err_set(e, ERR_PARSE, "%s: a username (and password "
			    "of at most %d bytes) is needed", path,
			    AUTH_SECRET_MAX - 1);
			goto out;
		}
		snprintf(userpass, sizeof(userpass), "%s:%s", c->username,
		    c->password);
		alen = auth_base64_len(len) + 1;
		auth = malloc(alen);
		if (!auth) {
			err_sys(e, "%s", path);
			goto out;
		}
		if (auth_base64_encode(userpass, len, auth, alen, e) < 0)
			goto out;
		*changed = 1;
	}

	json_writer_begin_object(&w);
	for (i = 0; i < json_len(root); i++) {
		k = json_str(json_key_at(root, i));
		v = json_val_at(root, i);
		if (!k || strcmp(k, "auths") != 0) {
			k = json_strn(json_key_at(root, i), &len);
			json_writer_keyn(&w, k, len);
			json_writer_value(&w, v);
			continue;
		}
		json_writer_key(&w, "auths");
		json_writer_begin_object(&w);
		for (j = 0; j < json_len(v); j++) {
			k = json_strn(json_key_at(v, j), &len);
			if (c && strlen(k) == len && strcmp(k, key) == 0) {
				write_entry(&w, key, auth, c);
				done = 1;
			} else if (!c && strlen(k) == len &&
			    erase_match(k, key)) {
				*changed = 1;
			} else {
				json_writer_keyn(&w, k, len);
				json_writer_value(&w, json_val_at(v, j));
			}
		}
		if (c && !done)
			write_entry(&w, key, auth, c);
		done = 1;
		json_writer_end_object(&w);
	}
	if (c && !done) {
		json_writer_key(&w, "auths");
		json_writer_begin_object(&w);
		write_entry(&w, key, auth, c);
		json_writer_end_object(&w);
	}
	json_writer_end_object(&w);
	buf = json_writer_finish(&w, &len, e);
	if (!buf) {
		err_ctx(e, "%s", path);
		goto out;
	}
	if (*changed && write_atomic(path, buf, len, e) < 0)
		goto out;
	ret = 0;
out:
	explicit_bzero(userpass, sizeof(userpass));
	if (auth) {
		explicit_bzero(auth, alen);
		free(auth);
	}
	if (buf) {
		explicit_bzero(buf, len);
		free(buf);
	}
	if (w.buf)
		explicit_bzero(w.buf, w.cap);
	json_writer_free(&w);
	json_free(root);
	return ret;
}

int
auth_config_store(const char *path, const char *key,
    const struct auth_cred *c, struct err *e)
{
	int changed;

	if (rewrite(path, key, c, &changed, e) < 0)
		return err_ctx(e, "storing credentials for %.200s", key);
	return 0;
}

int
auth_config_erase(const char *path, const char *key, struct err *e)
{
	int changed;

	if (rewrite(path, key, NULL, &changed, e) < 0)
		return err_ctx(e, "removing credentials for %.200s", key);
	return changed;
}

/* ---- token responses ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static int
digits(const char *s, int n, unsigned *out)
{
	int i;

	*out = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*out = *out * 10 + (unsigned)(s[i] - '0');
	}
	return 0;
}

/* RFC 3339 date-time to Unix seconds; -1 when malformed. */
static int
parse_rfc3339(const char *s, int64_t *out)
{
	static const unsigned char mdays[] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};
	unsigned y, mo, d, h, mi, sec, oh = 0, om = 0;
	long long off = 0;
	const char *p;

	if (strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' ||
	    digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) ||
	    s[16] != ':' || digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	p = s + 19;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
		if (p == s + 20)
			return -1;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		if (digits(p + 1, 2, &oh) || p[3] != ':' ||
		    digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		off = (long long)(oh * 60 + om) * 60;
		if (*p == '+')
			off = -off;
		p += 6;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec +
	    off;
	return 0;
}

static char *
dup_str(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

int
auth_token_parse(struct auth_token *t, const char *body, size_t len,
    struct err *e)
{
	struct json_limits lim = { AUTH_TOKEN_BODY_MAX, 16, 0 };
	struct json_value *root;
	const struct json_value *v, *tok = NULL;
	const char *s;
	size_t n;
	int64_t num;
	int ret = -1;

	memset(t, 0, sizeof(*t));
	if (len > AUTH_TOKEN_BODY_MAX)
		return err_set(e, ERR_LIMIT, "token response: larger than %d "
		    "bytes", AUTH_TOKEN_BODY_MAX);
	root = json_parse(body, len, &lim, e);
	if (!root)
		return err_ctx(e, "token response");
	if (json_type(root) != JSON_OBJECT) {
		err_set(e, ERR_PARSE, "expected a JSON object");
		goto out;
	}
	v = json_obj_get(root, "access_token");
	if (v && json_type(v) != JSON_STRING && !json_is_null(v)) {
		err_set(e, ERR_PARSE, "access_token: expected a string");
		goto out;
	}
	if (json_str_len(v) > 0)
		tok = v;
	v = json_obj_get(root, "token");
	if (v && json_type(v) != JSON_STRING && !json_is_null(v)) {
		err_set(e, ERR_PARSE, "token: expected a string");
		goto out;
	}
	if (!tok && json_str_len(v) > 0)
		tok = v;
	if (!tok) {
		err_set(e, ERR_PROTO, "no token or access_token");
		goto out;
	}
	s = json_strn(tok, &n);
	if (memchr(s, '\0', n) || strpbrk(s, "\r\n")) {
		err_set(e, ERR_PROTO, "token contains a control character");
		goto out;
	}
	t->token = dup_str(s, n);
	if (!t->token) {
		err_sys(e, "token");
		goto out;
	}
	v = json_obj_get(root, "refresh_token");
	if (v && !json_is_null(v)) {
		if (json_type(v) != JSON_STRING) {
			err_set(e, ERR_PARSE, "refresh_token: expected a "
			    "string");
			goto out;
		}
		s = json_strn(v, &n);
		t->refresh_token = dup_str(s, n);
		if (!t->refresh_token) {
			err_sys(e, "refresh_token");
			goto out;
		}
	}
	t->expires_in = AUTH_TOKEN_DEFAULT_EXPIRY;
	v = json_obj_get(root, "expires_in");
	if (v && !json_is_null(v)) {
		if (json_int(v, &num, e) < 0) {
			err_ctx(e, "expires_in");
			goto out;
		}
		if (num > 0)
			t->expires_in = num;
	}
	s = json_str(json_obj_get(root, "issued_at"));
	if (s && parse_rfc3339(s, &t->issued_at) < 0)
		t->issued_at = 0;
	ret = 0;
out:
	json_free(root);
	if (ret < 0) {
		auth_token_free(t);
		err_ctx(e, "token response");
	}
	return ret;
}

void
auth_token_free(struct auth_token *t)
{
	if (t->token) {
		explicit_bzero(t->token, strlen(t->token));
		free(t->token);
	}
	if (t->refresh_token) {
		explicit_bzero(t->refresh_token, strlen(t->refresh_token));
		free(t->refresh_token);
	}
	memset(t, 0, sizeof(*t));
}

/* ---- request helpers ---- */

int
auth_scope(char *buf, size_t size, const char *repo, const char *actions,
    struct err *e)
{
	const char *p;
	int n;

	if (!repo[0] || strpbrk(repo, ": \t\r\n"))
		return err_set(e, ERR_PARSE, "scope: invalid repository "
		    "\"%.200s\"", repo);
	for (p = actions; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == ',' || *p == '*'))
			break;
	if (!actions[0] || *p)
		return err_set(e, ERR_PARSE, "scope: invalid actions "
		    "\"%.64s\"", actions);
	n = snprintf(buf, size, "repository:%s:%s", repo, actions);
	if (n < 0 || (size_t)n >= size)
		return err_set(e, ERR_LIMIT, "scope: buffer too small");
	return 0;
}

/* Append percent-encoded s to buf at *o. */
static int
append_escaped(char *buf, size_t size, size_t *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;

	for (; *s; s++) {
		c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			if (*o + 1 >= size)
				return -1;
			buf[(*o)++] = (char)c;
		} else {
			if (*o + 3 >= size)
				return -1;
			buf[(*o)++] = '%';
			buf[(*o)++] = hex[c >> 4];
			buf[(*o)++] = hex[c & 15];
		}
	}
	buf[*o] = '\0';
	return 0;
}

static int
append_raw(char *buf, size_t size, size_t *o, const char *s)
{
	size_t n = strlen(s);

	if (*o + n >= size)
		return -1;
	memcpy(buf + *o, s, n + 1);
	*o += n;
	return 0;
}

int
auth_token_url(char *buf, size_t size, const char *realm,
    const char *service, const char *const *scopes, size_t nscopes,
    struct err *e)
{
	const unsigned char *p;
	size_t o = 0, i;
	const char *sep;

	if (size == 0)
		return err_set(e, ERR_LIMIT, "token URL: buffer too small");
	buf[0] = '\0';
	if ((strncasecmp(realm, "https://", 8) != 0 &&
	    strncasecmp(realm, "http://", 7) != 0) ||
	    strlen(realm) <= (realm[4] == ':' ? 7u : 8u))
		return err_set(e, ERR_PARSE, "token realm \"%.200s\" is not "
		    "an http(s) URL", realm);
	for (p = (const unsigned char *)realm; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '#')
			return err_set(e, ERR_PARSE, "token realm has an "
			    "invalid character");
	sep = strchr(realm, '?') ? "&" : "?";
	if (append_raw(buf, size, &o, realm) < 0)
		goto small;
	if (service && service[0]) {
		if (append_raw(buf, size, &o, sep) < 0 ||
		    append_raw(buf, size, &o, "service=") < 0 ||
		    append_escaped(buf, size, &o, service) < 0)
			goto small;
		sep = "&";
	}
	for (i = 0; i < nscopes; i++) {
		if (append_raw(buf, size, &o, sep) < 0 ||
		    append_raw(buf, size, &o, "scope=") < 0 ||
		    append_escaped(buf, size, &o, scopes[i]) < 0)
			goto small;
		sep = "&";
	}
	return 0;
small:
	buf[0] = '\0';
	return err_set(e, ERR_LIMIT, "token URL: buffer too small");
}

int
auth_basic_header(char *buf, size_t size, const char *user,
    const char *password, struct err *e)
{
	char tmp[AUTH_USER_MAX + AUTH_SECRET_MAX + 2];
	size_t ul = strlen(user), pl = strlen(password);
	int ret = -1;

	if (ul + 1 + pl >= sizeof(tmp) || size < 6)
		return err_set(e, ERR_LIMIT, "basic auth: credentials too "
		    "long");
	memcpy(tmp, user, ul);
	tmp[ul] = ':';
	memcpy(tmp + ul + 1, password, pl);
	memcpy(buf, "Basic ", 6);
	if (auth_base64_encode(tmp, ul + 1 + pl, buf + 6, size - 6, e) == 0)
		ret = 0;
	else
		buf[0] = '\0';
	explicit_bzero(tmp, sizeof(tmp));
	return ret;
}

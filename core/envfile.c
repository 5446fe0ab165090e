/* envfile.c - Docker's --env-file format and -e merging */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envfile.h"

enum {
	SHOW_MAX = 64,		/* bytes of a bad line quoted in errors */
};

/* Length of the well-formed UTF-8 sequence at `p` (`n` bytes left), 0 if
 * it is not one. */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	size_t len, i;
	uint32_t c;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, c = p[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	return len;
}

static int
utf8_valid(const char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		k = utf8_seq((const unsigned char *)s + i, n - i);
		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

/* Append a copy of `len` bytes at `s` (+ "=" + `val` when not NULL) to
 * the vector. */
static int
push(char ***v, size_t *n, size_t *cap, const char *s, size_t len,
    const char *val, struct err *e)
{
	char **nv, *str;
	size_t vlen = val ? strlen(val) + 1 : 0;

	if (*n + 2 > *cap) {
		*cap = *cap ? *cap * 2 : 16;
		nv = realloc(*v, *cap * sizeof(*nv));
		if (!nv)
			return err_sys(e, "env");
		*v = nv;
	}
	str = malloc(len + vlen + 1);
	if (!str)
		return err_sys(e, "env");
	memcpy(str, s, len);
	if (val) {
		str[len] = '=';
		memcpy(str + len + 1, val, vlen - 1);
	}
	str[len + vlen] = '\0';
	(*v)[(*n)++] = str;
	(*v)[*n] = NULL;
	return 0;
}

/* One line (no LF, CR dropped) of an env file. */
static int
parse_line(const char *line, size_t len, size_t lineno, char ***v,
    size_t *n, size_t *cap, struct err *e)
{
	const char *eq, *key, *val;
	size_t klen, i;
	char name[256];

	if (!utf8_valid(line, len))
		return err_set(e, ERR_PARSE, "line %zu: contains invalid utf8 "
		    "bytes", lineno);
	if (memchr(line, '\0', len))
		return err_set(e, ERR_PARSE, "line %zu: contains a NUL byte",
		    lineno);
	while (len && strchr(" \t\v\f\r", *line))
		line++, len--;
	if (!len || *line == '#')
		return 0;
	eq = memchr(line, '=', len);
	key = line;
	klen = eq ? (size_t)(eq - line) : len;
	for (i = 0; i < klen; i++)
		if (key[i] == ' ' || key[i] == '\t')
			return err_set(e, ERR_PARSE, "line %zu: poorly "
			    "formatted environment: variable '%.*s' contains "
			    "whitespaces", lineno, (int)(klen < SHOW_MAX ?
			    klen : SHOW_MAX), key);
	if (!klen)
		return err_set(e, ERR_PARSE, "line %zu: poorly formatted "
		    "environment: no variable name on line '%.*s'", lineno,
		    (int)(len < SHOW_MAX ? len : SHOW_MAX), line);
	if (eq)
		return push(v, n, cap, line, len, NULL, e);
	if (klen >= sizeof(name))
		return 0;	/* no such variable can be set */
	memcpy(name, key, klen);
	name[klen] = '\0';
	val = getenv(name);
	if (!val)
		return 0;
	return push(v, n, cap, key, klen, val, e);
}

int
envfile_parse(const char *buf, size_t len, char ***out, size_t *n,
    struct err *e)
{
	char **v = NULL;
	size_t cnt = 0, cap = 0, lineno = 0, llen;
	const char *p = buf ? buf : "", *end = p + (buf ? len : 0), *nl;

	*out = NULL;
	*n = 0;
	if (end - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		nl = memchr(p, '\n', end - p);
		llen = nl ? (size_t)(nl - p) : (size_t)(end - p);
		lineno++;
		if (llen && p[llen - 1] == '\r')
			llen--;
		if (parse_line(p, llen, lineno, &v, &cnt, &cap, e) < 0) {
			env_free(v);
			return -1;
		}
		p = nl ? nl + 1 : end;
	}
	if (!v && !(v = calloc(1, sizeof(*v))))
		return err_sys(e, "env");
	*out = v;
	*n = cnt;
	return 0;
}

/* Length of the key of "KEY=value" or "KEY". */
static size_t
key_len(const char *s)
{
	const char *eq = strchr(s, '=');

	return eq ? (size_t)(eq - s) : strlen(s);
}

/* Index of the first entry of env with key `k` (`klen` bytes), or n. */
static size_t
find_key(char **env, size_t n, const char *k, size_t klen)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strncmp(env[i], k, klen) == 0 && env[i][klen] == '=')
			return i;
	return n;
}

/* Remove entries from index `from` on whose key is `k`. */
static void
remove_key(char **env, size_t *n, size_t from, const char *k, size_t klen)
{
	size_t i, j;

	for (i = j = from; i < *n; i++) {
		if (strncmp(env[i], k, klen) == 0 && env[i][klen] == '=') {
			free(env[i]);
			continue;
		}
		env[j++] = env[i];
	}
	*n = j;
	env[j] = NULL;
}

int
env_lookup_merge(char ***env, size_t *n, char *const *add, size_t nadd,
    struct err *e)
{
	size_t i, idx, klen, cap;
	const char *val;
	char *name = NULL, *str;
	int ret = -1;

	for (i = 0; i < nadd; i++)
		if (!add[i] || key_len(add[i]) == 0)
			return err_set(e, ERR_USAGE, "invalid environment "
			    "variable: %.200s", add[i] ? add[i] : "");
	cap = *n + 1;
	if (!*env) {
		*env = calloc(1, sizeof(**env));
		if (!*env)
			return err_sys(e, "env");
		*n = 0;
		cap = 1;
	}
	for (i = 0; i < nadd; i++) {
		klen = key_len(add[i]);
		free(name);
		name = strndup(add[i], klen);
		if (!name) {
			err_sys(e, "env");
			goto out;
		}
		val = add[i][klen] == '=' ? add[i] + klen + 1 : getenv(name);
		idx = find_key(*env, *n, name, klen);
		if (!val) {
			if (idx < *n)
				remove_key(*env, n, idx, name, klen);
			continue;
		}
		if (idx < *n) {
			str = malloc(klen + strlen(val) + 2);
			if (!str) {
				err_sys(e, "env");
				goto out;
			}
			memcpy(str, name, klen);
			str[klen] = '=';
			strcpy(str + klen + 1, val);
			free((*env)[idx]);
			(*env)[idx] = str;
			remove_key(*env, n, idx + 1, name, klen);
		} else if (push(env, n, &cap, name, klen, val, e) < 0) {
			goto out;
		}
	}
	ret = 0;
out:
	free(name);
	return ret;
}

const char *
env_get(char *const *env, const char *key)
{
	size_t klen = strlen(key);

	for (; env && *env; env++)
		if (strncmp(*env, key, klen) == 0 && (*env)[klen] == '=')
			return *env + klen + 1;
	return NULL;
}

void
env_free(char **env)
{
	size_t i;

	for (i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}

/* commit.c - a container's changes become a layer and a new image */

#define _GNU_SOURCE

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "commit.h"
#include "copydrv.h"
#include "digestio.h"
#include "extract.h"
#include "human.h"
#include "io.h"
#include "json.h"
#include "ref.h"
#include "sha256.h"
#include "tarwrite.h"

static const char spool_name[] = "layer.tar";

/* Top-level members of the parent config that are rewritten or dropped. */
static const char *const replaced[] = {
	"config", "container_config", "container", "created", "author",
	"comment", "history", "rootfs", "id", "parent", "docker_version",
};

/* --change instructions. */
static const struct {
	const char *name;
	int kind;
} instructions[] = {
	{ "CMD", COMMIT_CMD },
	{ "ENTRYPOINT", COMMIT_ENTRYPOINT },
	{ "ENV", COMMIT_ENV },
	{ "LABEL", COMMIT_LABEL },
	{ "WORKDIR", COMMIT_WORKDIR },
	{ "USER", COMMIT_USER },
	{ "EXPOSE", COMMIT_EXPOSE },
	{ "VOLUME", COMMIT_VOLUME },
	{ "STOPSIGNAL", COMMIT_STOPSIGNAL },
};

/* A growable list of heap strings. */
struct strv {
	char **v;
	size_t n, cap;
};

/* Members of a JSON object as (key, JSON text) pairs, in order. */
struct member {
	char *key;
	char *val;
};

struct members {
	struct member *v;
	size_t n, cap;
};

/* The layer tar's sink: the spool file, hashed as it is written. */
struct spool {
	int fd;
	struct sha256 sha;
	uint64_t bytes;
};

/* ---- string lists ---- */

static void
strv_free(struct strv *s)
{
	size_t i;

	for (i = 0; s->v && i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Append `str` (heap; owned by the list from now on, freed on failure). */
static int
strv_take(struct strv *s, char *str, struct err *e)
{
	char **v;

	if (!str)
		return err_set(e, ENOMEM, "out of memory");
	if (s->n == s->cap) {
		if (!(v = realloc(s->v, (s->cap ? 2 * s->cap : 8) *
		    sizeof(*v)))) {
			free(str);
			return err_set(e, ENOMEM, "out of memory");
		}
		s->v = v;
		s->cap = s->cap ? 2 * s->cap : 8;
	}
	s->v[s->n++] = str;
	return 0;
}

/* ---- --change parsing ---- */

/* 1 if `s` is well-formed UTF-8 (no overlong forms, no surrogates). */
static int
utf8_valid(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned cp, n, i;

	while (*s) {
		if (*s < 0x80) {
			s++;
			continue;
		}
		if (*s >= 0xc2 && *s <= 0xdf) {
			n = 1;
			cp = *s & 0x1f;
		} else if (*s >= 0xe0 && *s <= 0xef) {
			n = 2;
			cp = *s & 0x0f;
		} else if (*s >= 0xf0 && *s <= 0xf4) {
			n = 3;
			cp = *s & 0x07;
		} else {
			return 0;
		}
		for (i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		s += n + 1;
	}
	return 1;
}

static const char *
skip_space(const char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return s;
}

/*
 * The next word of *sp, with quotes and backslashes removed, into a new
 * heap string *out (NULL at the end of the line). 0 or -1.
 */
static int
next_word(const char **sp, char **out, struct err *e)
{
	const char *s = skip_space(*sp);
	char *b;
	size_t n = 0;
	char q;

	*out = NULL;
	if (!*s)
		return 0;
	if (!(b = malloc(strlen(s) + 1)))
		return err_set(e, ENOMEM, "out of memory");
	while (*s && !isspace((unsigned char)*s)) {
		if (*s == '\\') {
			if (*++s)
				b[n++] = *s++;
			continue;
		}
		if (*s != '"' && *s != '\'') {
			b[n++] = *s++;
			continue;
		}
		q = *s++;
		while (*s && *s != q) {
			if (q == '"' && *s == '\\' && s[1])
				s++;
			b[n++] = *s++;
		}
		if (!*s) {
			free(b);
			return err_set(e, ERR_USAGE, "unterminated quote");
		}
		s++;
	}
	b[n] = '\0';
	*out = b;
	*sp = s;
	return 0;
}

/* The rest of the line, trimmed, as a new heap string; NULL if empty. */
static char *
rest_trimmed(const char *s)
{
	size_t n;

	s = skip_space(s);
	n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return n ? strndup(s, n) : NULL;
}

/* A JSON array of strings into `v`; 1 if `s` is one, else 0. */
static int
json_argv(const char *s, struct strv *v, struct err *e)
{
	struct json_value *root;
	struct err ign = ERR_INIT;
	const char *str;
	size_t i;
	int r = 1;

	if (*s != '[' || !(root = json_parse(s, strlen(s), NULL, &ign)))
		return 0;
	if (json_type(root) != JSON_ARRAY)
		r = 0;
	for (i = 0; r == 1 && i < json_len(root); i++)
		if (!(str = json_str(json_at(root, i))))
			r = 0;
	for (i = 0; r == 1 && i < json_len(root); i++)
		if (strv_take(v, strdup(json_str(json_at(root, i))), e) < 0)
			r = -1;
	json_free(root);
	if (r != 1)
		strv_free(v);
	return r;
}

/* ENV and LABEL: "K=V ..." or "K the rest". */
static int
parse_pairs(const char *args, struct strv *v, struct err *e)
{
	const char *s = skip_space(args), *eq;
	char *w, *val;
	size_t klen;

	klen = strcspn(s, " \t\r\n\v\f");
	if (!memchr(s, '=', klen)) {
		if (next_word(&s, &w, e) < 0)
			return -1;
		if (strv_take(v, w, e) < 0)
			return -1;
		if (!(val = rest_trimmed(s)))
			return err_set(e, ERR_USAGE, "%s: missing value",
			    w);
		return strv_take(v, val, e);
	}
	for (;;) {
		if (next_word(&s, &w, e) < 0)
			return -1;
		if (!w)
			return 0;
		eq = strchr(w, '=');
		if (!eq || eq == w) {
			err_set(e, ERR_USAGE, "%.100s: expected KEY=VALUE", w);
			free(w);
			return -1;
		}
		if (strv_take(v, strndup(w, (size_t)(eq - w)), e) < 0 ||
		    strv_take(v, strdup(eq + 1), e) < 0) {
			free(w);
			return -1;
		}
		free(w);
	}
}

static int
parse_port(const char *w, struct strv *v, struct err *e)
{
	const char *slash = strchr(w, '/'), *proto = slash ? slash + 1 : "tcp";
	size_t dl = slash ? (size_t)(slash - w) : strlen(w), i;
	unsigned long port = 0;
	char buf[32];

	if (!dl || dl > 5)
		return err_set(e, ERR_USAGE, "invalid port %.40s", w);
	for (i = 0; i < dl; i++) {
		if (!isdigit((unsigned char)w[i]))
			return err_set(e, ERR_USAGE, "invalid port %.40s", w);
		port = port * 10 + (unsigned long)(w[i] - '0');
	}
	if (port < 1 || port > 65535)
		return err_set(e, ERR_USAGE, "invalid port %.40s", w);
	if (strcasecmp(proto, "tcp") != 0 && strcasecmp(proto, "udp") != 0 &&
	    strcasecmp(proto, "sctp") != 0)
		return err_set(e, ERR_USAGE, "invalid protocol %.40s", proto);
	snprintf(buf, sizeof(buf), "%lu/%s", port, proto);
	for (i = 0; buf[i]; i++)
		buf[i] = (char)tolower((unsigned char)buf[i]);
	return strv_take(v, strdup(buf), e);
}

static int
parse_args(int kind, const char *args, struct strv *v, struct err *e)
{
	const char *s = args;
	char *w;
	int r;

	switch (kind) {
	case COMMIT_CMD:
	case COMMIT_ENTRYPOINT:
		if ((r = json_argv(args, v, e)) != 0)
			return r < 0 ? -1 : 0;
		if (strv_take(v, strdup("/bin/sh"), e) < 0 ||
		    strv_take(v, strdup("-c"), e) < 0)
			return -1;
		return strv_take(v, rest_trimmed(args), e);
	case COMMIT_ENV:
	case COMMIT_LABEL:
		return parse_pairs(args, v, e);
	case COMMIT_EXPOSE:
		for (;;) {
			if (next_word(&s, &w, e) < 0)
				return -1;
			if (!w)
				return 0;
			r = parse_port(w, v, e);
			free(w);
			if (r < 0)
				return -1;
		}
	case COMMIT_VOLUME:
		if ((r = json_argv(args, v, e)) != 0)
			return r < 0 ? -1 : 0;
		for (;;) {
			if (next_word(&s, &w, e) < 0)
				return -1;
			if (!w)
				return 0;
			if (strv_take(v, w, e) < 0)
				return -1;
		}
	default:
		return strv_take(v, rest_trimmed(args), e);
	}
}

/* ---- config members ---- */

static void
members_free(struct members *m)
{
	size_t i;

	for (i = 0; m->v && i < m->n; i++) {
		free(m->v[i].key);
		free(m->v[i].val);
	}
	free(m->v);
	memset(m, 0, sizeof(*m));
}

static const char *
members_get(const struct members *m, const char *key)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->v[i].key, key) == 0)
			return m->v[i].val;
	return NULL;
}

/* Set `key` to the JSON text `val` (heap, taken; NULL: out of memory). */
static int
members_set(struct members *m, const char *key, char *val, struct err *e)
{
	struct member *v;
	size_t i;

	if (!val)
		return err_set(e, ENOMEM, "out of memory");
	for (i = 0; i < m->n; i++)
		if (strcmp(m->v[i].key, key) == 0) {
			free(m->v[i].val);
			m->v[i].val = val;
			return 0;
		}
	if (m->n == m->cap) {
		if (!(v = realloc(m->v, (m->cap ? 2 * m->cap : 16) *
		    sizeof(*v)))) {
			free(val);
			return err_set(e, ENOMEM, "out of memory");
		}
		m->v = v;
		m->cap = m->cap ? 2 * m->cap : 16;
	}
	if (!(m->v[m->n].key = strdup(key))) {
		free(val);
		return err_set(e, ENOMEM, "out of memory");
	}
	m->v[m->n++].val = val;
	return 0;
}

static char *
value_text(const struct json_value *v, struct err *e)
{
	struct json_writer w;
	char *s;

	json_writer_init(&w, 0);
	json_writer_value(&w, v);
	s = json_writer_finish(&w, NULL, e);
	json_writer_free(&w);
	return s;
}

static char *
string_text(const char *str, struct err *e)
{
	struct json_writer w;
	char *s;

	json_writer_init(&w, 0);
	json_writer_string(&w, str);
	s = json_writer_finish(&w, NULL, e);
	json_writer_free(&w);
	return s;
}

static char *
argv_text(char *const *v, size_t n, struct err *e)
{
	struct json_writer w;
	size_t i;
	char *s;

	json_writer_init(&w, 0);
	json_writer_begin_array(&w);
	for (i = 0; i < n; i++)
		json_writer_string(&w, v[i]);
	json_writer_end_array(&w);
	s = json_writer_finish(&w, NULL, e);
	json_writer_free(&w);
	return s;
}

static char *
members_text(const struct members *m, struct err *e)
{
	struct json_writer w;
	size_t i;
	char *s;

	json_writer_init(&w, 0);
	json_writer_begin_object(&w);
	for (i = 0; i < m->n; i++) {
		json_writer_key(&w, m->v[i].key);
		json_writer_raw(&w, m->v[i].val, strlen(m->v[i].val));
	}
	json_writer_end_object(&w);
	s = json_writer_finish(&w, NULL, e);
	json_writer_free(&w);
	return s;
}

/* Add the members of object `obj` (anything else adds nothing). */
static int
members_add(struct members *m, const struct json_value *obj, struct err *e)
{
	size_t i;

	for (i = 0; json_type(obj) == JSON_OBJECT && i < json_len(obj); i++)
		if (members_set(m, json_str(json_key_at(obj, i)),
		    value_text(json_val_at(obj, i), e), e) < 0)
			return -1;
	return 0;
}

/* Parse the JSON text `text` (may be NULL: gives NULL, no error). */
static struct json_value *
parse_text(const char *text, struct err *e)
{
	return text ? json_parse(text, strlen(text), NULL, e) : NULL;
}

/* ---- applying changes ---- */

static int
env_update(struct members *cfg, const struct commit_change *c,
    struct err *e)
{
	struct json_value *cur;
	struct strv v;
	const char *s;
	char *kv;
	size_t i, j, kl;
	int r = -1;

	memset(&v, 0, sizeof(v));
	cur = parse_text(members_get(cfg, "Env"), e);
	for (i = 0; i < json_len(cur); i++)
		if ((s = json_str(json_at(cur, i))) &&
		    strv_take(&v, strdup(s), e) < 0)
			goto out;
	for (i = 0; i + 1 < c->argc; i += 2) {
		kl = strlen(c->argv[i]);
		if (!(kv = malloc(kl + strlen(c->argv[i + 1]) + 2))) {
			err_set(e, ENOMEM, "out of memory");
			goto out;
		}
		snprintf(kv, kl + strlen(c->argv[i + 1]) + 2, "%s=%s",
		    c->argv[i], c->argv[i + 1]);
		for (j = 0; j < v.n; j++)
			if (strncmp(v.v[j], kv, kl + 1) == 0 ||
			    strcmp(v.v[j], c->argv[i]) == 0)
				break;
		if (j < v.n) {
			free(v.v[j]);
			v.v[j] = kv;
		} else if (strv_take(&v, kv, e) < 0) {
			goto out;
		}
	}
	r = members_set(cfg, "Env", argv_text(v.v, v.n, e), e);
out:
	json_free(cur);
	strv_free(&v);
	return r;
}

/* LABEL, EXPOSE, VOLUME: add keys to an object member. */
static int
obj_update(struct members *cfg, const char *key,
    const struct commit_change *c, struct err *e)
{
	struct json_value *cur;
	struct members m;
	size_t i;
	int r = -1;

	memset(&m, 0, sizeof(m));
	cur = parse_text(members_get(cfg, key), e);
	if (members_add(&m, cur, e) < 0)
		goto out;
	for (i = 0; i < c->argc; i++) {
		if (c->kind == COMMIT_LABEL) {
			if (members_set(&m, c->argv[i], string_text(
			    c->argv[i + 1], e), e) < 0)
				goto out;
			i++;
		} else if (members_set(&m, c->argv[i], strdup("{}"), e) < 0) {
			goto out;
		}
	}
	r = members_set(cfg, key, members_text(&m, e), e);
out:
	json_free(cur);
	members_free(&m);
	return r;
}

/* "/" + `base` + "/" + `rel` (or just `rel` when absolute), cleaned. */
static char *
join_clean(const char *base, const char *rel)
{
	char *in, *out, *p, *tok;
	size_t n;

	if (!(in = malloc(strlen(base) + strlen(rel) + 3)))
		return NULL;
	if (rel[0] == '/')
		strcpy(in, rel);
	else
		snprintf(in, strlen(base) + strlen(rel) + 3, "%s/%s", base,
		    rel);
	if (!(out = malloc(strlen(in) + 2))) {
		free(in);
		return NULL;
	}
	n = 0;
	for (tok = strtok_r(in, "/", &p); tok; tok = strtok_r(NULL, "/", &p)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			while (n && out[--n] != '/')
				;
			continue;
		}
		out[n++] = '/';
		strcpy(out + n, tok);
		n += strlen(tok);
	}
	if (!n)
		out[n++] = '/';
	out[n] = '\0';
	free(in);
	return out;
}

static int
workdir(struct members *cfg, const char *dir, struct err *e)
{
	struct json_value *cur;
	const char *base;
	char *p;
	int r;

	cur = parse_text(members_get(cfg, "WorkingDir"), e);
	base = json_str(cur);
	p = join_clean(base ? base : "", dir);
	json_free(cur);
	if (!p)
		return err_set(e, ENOMEM, "out of memory");
	r = members_set(cfg, "WorkingDir", string_text(p, e), e);
	free(p);
	return r;
}

static int
apply_change(struct members *cfg, const struct commit_change *c,
    int *cmd_set, struct err *e)
{
	switch (c->kind) {
	case COMMIT_CMD:
		*cmd_set = 1;
		return members_set(cfg, "Cmd", argv_text(c->argv, c->argc, e),
		    e);
	case COMMIT_ENTRYPOINT:
		if (!*cmd_set && members_set(cfg, "Cmd", strdup("null"),
		    e) < 0)
			return -1;
		return members_set(cfg, "Entrypoint", argv_text(c->argv,
		    c->argc, e), e);
	case COMMIT_ENV:
		return env_update(cfg, c, e);
	case COMMIT_LABEL:
		return obj_update(cfg, "Labels", c, e);
	case COMMIT_EXPOSE:
		return obj_update(cfg, "ExposedPorts", c, e);
	case COMMIT_VOLUME:
		return obj_update(cfg, "Volumes", c, e);
	case COMMIT_WORKDIR:
		return workdir(cfg, c->argv[0], e);
	case COMMIT_USER:
		return members_set(cfg, "User", string_text(c->argv[0], e), e);
	default:
		return members_set(cfg, "StopSignal", string_text(c->argv[0],
		    e), e);
	}
}

/* ---- the layer ---- */

static int
spool_write(void *ctx, const void *buf, size_t len, struct err *e)
{
	struct spool *sp = ctx;

	sha256_update(&sp->sha, buf, len);
	sp->bytes += len;
	return io_write_all(sp->fd, buf, len, e);
}

/* Archive the changes into the scratch's layer.tar; its digest. */
static int
make_tar(struct store *s, const struct commit_opts *o,
    const struct store_image *parent, struct store_scratch *sc,
    char diff[DIGEST_MAX], uint64_t *size, struct err *e)
{
	struct tarw *w;
	struct tarw_sink sink;
	struct spool sp;
	const char **chains = NULL;
	const char *const *list = o->chains;
	unsigned char dg[SHA256_LEN];
	char hex[SHA256_HEX_LEN + 1];
	size_t i, n;
	int r = -1;

	if (!(w = calloc(1, sizeof(*w))))
		return err_set(e, ENOMEM, "out of memory");
	sha256_init(&sp.sha);
	sp.bytes = 0;
	sp.fd = openat(sc->dirfd, spool_name, O_WRONLY | O_CREAT | O_EXCL |
	    O_CLOEXEC, 0600);
	if (sp.fd < 0) {
		err_sys(e, "spool");
		goto out;
	}
	sink.write = spool_write;
	sink.ctx = &sp;
	tarw_init(w, &sink);
	if (o->driver == STORE_DRIVER_OVERLAY) {
		if (tarw_tree(w, o->upperfd, TARW_OVERLAY, NULL, e) < 0)
			goto out;
	} else {
		n = o->chains ? o->nchains : parent->nlayers;
		if (!o->chains && n && !(chains = calloc(n,
		    sizeof(*chains)))) {
			err_set(e, ENOMEM, "out of memory");
			goto out;
		}
		for (i = 0; !o->chains && i < n; i++)
			chains[i] = parent->layers[i].chain_id;
		if (!list)
			list = chains;
		if (copydrv_diff(s, list, n, o->rootfd, w, NULL, e) < 0)
			goto out;
	}
	if (tarw_close(w, e) < 0)
		goto out;
	if (close(sp.fd) < 0) {
		sp.fd = -1;
		err_sys(e, "spool");
		goto out;
	}
	sp.fd = -1;
	sha256_final(&sp.sha, dg);
	sha256_hex(dg, hex);
	snprintf(diff, DIGEST_MAX, "sha256:%s", hex);
	*size = sp.bytes;
	r = 0;
out:
	if (sp.fd >= 0)
		close(sp.fd);
	tarw_free(w);
	free(w);
	free(chains);
	if (r < 0 && (e->code == ENOSPC || e->code == EDQUOT))
		err_ctx(e, "the store filesystem is full");
	return r;
}

/* Extract the spooled tar into the layer transaction, checking it. */
static int
extract_layer(struct store_scratch *sc, int dirfd, const char *diff,
    int driver, struct err *e)
{
	struct extract_opts xo;
	struct digestio d;
	struct reader r0, r1;
	int fd, ret;

	memset(&xo, 0, sizeof(xo));
	xo.mode = driver == STORE_DRIVER_COPY ? EXTRACT_KEEP : EXTRACT_OVERLAY;
	xo.flags = EXTRACT_DEVICES;
	fd = openat(sc->dirfd, spool_name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "open the spooled tar");
	io_fd_reader(&fd, &r0);
	digestio_init(&d, &r0, &r1);
	ret = extract_tar(dirfd, &r1, &xo, NULL, e);
	if (ret == 0)
		ret = digestio_verify(&d, diff, e);
	close(fd);
	return ret;
}

/* ---- public ---- */

void
commit_change_free(struct commit_change *c)
{
	size_t i;

	for (i = 0; c->argv && i < c->argc; i++)
		free(c->argv[i]);
	free(c->argv);
	memset(c, 0, sizeof(*c));
}

int
commit_parse_change(const char *line, struct commit_change *c,
    struct err *e)
{
	struct strv v;
	const char *s = skip_space(line), *args;
	size_t i, kl;

	memset(c, 0, sizeof(*c));
	memset(&v, 0, sizeof(v));
	if (!utf8_valid(line))
		return err_set(e, ERR_USAGE, "not valid UTF-8");
	kl = strcspn(s, " \t\r\n\v\f");
	args = skip_space(s + kl);
	for (i = 0; i < sizeof(instructions) / sizeof(instructions[0]); i++)
		if (strlen(instructions[i].name) == kl &&
		    strncasecmp(s, instructions[i].name, kl) == 0)
			break;
	if (i == sizeof(instructions) / sizeof(instructions[0]))
		return err_set(e, ERR_USAGE, "%.*s is not a valid change "
		    "command", (int)(kl > 40 ? 40 : kl), s);
	if (!*args)
		return err_set(e, ERR_USAGE, "%s requires at least one "
		    "argument", instructions[i].name);
	if (parse_args(instructions[i].kind, args, &v, e) < 0) {
		strv_free(&v);
		return err_ctx(e, "%s", instructions[i].name);
	}
	if (!v.n) {
		strv_free(&v);
		return err_set(e, ERR_USAGE, "%s requires at least one "
		    "argument", instructions[i].name);
	}
	c->kind = instructions[i].kind;
	c->argv = v.v;
	c->argc = v.n;
	return 0;
}

int
commit_config(const char *parent, size_t plen, const struct commit_opts *o,
    const char *diff_id, const char *created, char **out, size_t *outlen,
    struct err *e)
{
	struct json_value *root = NULL, *user = NULL;
	const struct json_value *v;
	struct commit_change c;
	struct members cfg;
	struct json_writer w;
	const char *key;
	char *text = NULL;
	size_t i, j;
	int cmd_set = 0, r = -1;

	*out = NULL;
	memset(&cfg, 0, sizeof(cfg));
	memset(&c, 0, sizeof(c));
	json_writer_init(&w, 0);
	if (!(root = json_parse(parent, plen, NULL, e))) {
		err_ctx(e, "parent config");
		goto out;
	}
	if (json_type(root) != JSON_OBJECT) {
		err_set(e, ERR_PARSE, "parent config: not a JSON object");
		goto out;
	}
	if (members_add(&cfg, json_obj_get(root, "config"), e) < 0)
		goto out;
	if (o->config_json) {
		if (!(user = json_parse(o->config_json,
		    strlen(o->config_json), NULL, e))) {
			err_ctx(e, "container config");
			goto out;
		}
		if (json_type(user) != JSON_OBJECT) {
			err_set(e, ERR_PARSE, "container config: not a JSON "
			    "object");
			goto out;
		}
		if (members_add(&cfg, user, e) < 0)
			goto out;
	}
	for (i = 0; i < o->nchanges; i++) {
		if (commit_parse_change(o->changes[i], &c, e) < 0 ||
		    apply_change(&cfg, &c, &cmd_set, e) < 0) {
			err_ctx(e, "--change %.100s", o->changes[i]);
			goto out;
		}
		commit_change_free(&c);
	}
	if (!(text = members_text(&cfg, e)))
		goto out;
	json_writer_begin_object(&w);
	for (i = 0; i < json_len(root); i++) {
		key = json_str(json_key_at(root, i));
		for (j = 0; key && j < sizeof(replaced) / sizeof(*replaced);
		    j++)
			if (strcmp(key, replaced[j]) == 0)
				break;
		if (!key || j < sizeof(replaced) / sizeof(*replaced))
			continue;
		json_writer_key(&w, key);
		json_writer_value(&w, json_val_at(root, i));
	}
	if (o->author && *o->author) {
		json_writer_key(&w, "author");
		json_writer_string(&w, o->author);
	}
	if (o->comment && *o->comment) {
		json_writer_key(&w, "comment");
		json_writer_string(&w, o->comment);
	}
	json_writer_key(&w, "config");
	json_writer_raw(&w, text, strlen(text));
	json_writer_key(&w, "created");
	json_writer_string(&w, created);
	json_writer_key(&w, "history");
	json_writer_begin_array(&w);
	v = json_obj_get(root, "history");
	for (i = 0; json_type(v) == JSON_ARRAY && i < json_len(v); i++)
		json_writer_value(&w, json_at(v, i));
	json_writer_begin_object(&w);
	json_writer_key(&w, "created");
	json_writer_string(&w, created);
	if (o->author && *o->author) {
		json_writer_key(&w, "author");
		json_writer_string(&w, o->author);
	}
	json_writer_key(&w, "created_by");
	json_writer_string(&w, "rocker commit");
	if (o->comment && *o->comment) {
		json_writer_key(&w, "comment");
		json_writer_string(&w, o->comment);
	}
	json_writer_end_object(&w);
	json_writer_end_array(&w);
	json_writer_key(&w, "rootfs");
	json_writer_begin_object(&w);
	json_writer_key(&w, "type");
	json_writer_string(&w, "layers");
	json_writer_key(&w, "diff_ids");
	json_writer_begin_array(&w);
	v = json_get(root, "rootfs.diff_ids");
	for (i = 0; json_type(v) == JSON_ARRAY && i < json_len(v); i++)
		json_writer_value(&w, json_at(v, i));
	json_writer_string(&w, diff_id);
	json_writer_end_array(&w);
	json_writer_end_object(&w);
	json_writer_end_object(&w);
	if (!(*out = json_writer_finish(&w, outlen, e)))
		goto out;
	r = 0;
out:
	json_writer_free(&w);
	commit_change_free(&c);
	members_free(&cfg);
	json_free(root);
	json_free(user);
	free(text);
	return r;
}

int
commit_image(struct store *s, const struct commit_opts *o,
    char id[DIGEST_MAX], struct err *e)
{
	struct store_image parent, img;
	struct store_scratch sc;
	struct store_layer_tx tx;
	struct store_layer_meta meta;
	struct store_image_layer *layers = NULL, *top;
	struct commit_change c;
	struct ref r;
	struct timespec ts;
	char tag[REF_STR_MAX], *tags[1];
	char *pcfg = NULL, *cfg = NULL;
	uint64_t size = 0;
	size_t i, plen, len;
	int rc, ret = -1;

	memset(&parent, 0, sizeof(parent));
	memset(&img, 0, sizeof(img));
	memset(&sc, 0, sizeof(sc));
	memset(&tx, 0, sizeof(tx));
	memset(&meta, 0, sizeof(meta));
	if (!o->parent || (o->driver != STORE_DRIVER_OVERLAY &&
	    o->driver != STORE_DRIVER_COPY)) {
		err_set(e, ERR_USAGE, "no parent image or unknown driver");
		goto out;
	}
	if ((o->driver == STORE_DRIVER_OVERLAY ? o->upperfd : o->rootfd) < 0) {
		err_set(e, ERR_USAGE, "no %s directory given",
		    o->driver == STORE_DRIVER_OVERLAY ? "upper" : "rootfs");
		goto out;
	}
	if (o->tag) {
		if (ref_parse(&r, o->tag, e) < 0) {
			err_ctx(e, "%.200s", o->tag);
			goto out;
		}
		if (r.digest[0] || r.scheme[0]) {
			err_set(e, ERR_USAGE, "%.200s: not a repository[:tag] "
			    "reference", o->tag);
			goto out;
		}
		ref_canonical(&r, tag, sizeof(tag));
	}
	for (i = 0; i < o->nchanges; i++) {
		if (commit_parse_change(o->changes[i], &c, e) < 0) {
			err_ctx(e, "--change %.100s", o->changes[i]);
			goto out;
		}
		commit_change_free(&c);
	}
	if (store_image_get(s, o->parent, &parent, e) < 0 ||
	    store_blob_read(s, parent.id, COMMIT_CONFIG_MAX, &pcfg, &plen,
	    e) < 0 || store_scratch_create(s, &sc, e) < 0)
		goto out;
	if (!(layers = calloc(parent.nlayers + 1, sizeof(*layers)))) {
		err_set(e, ENOMEM, "out of memory");
		goto out;
	}
	memcpy(layers, parent.layers, parent.nlayers * sizeof(*layers));
	top = &layers[parent.nlayers];
	if (make_tar(s, o, &parent, &sc, top->diff_id, &size, e) < 0 ||
	    store_chain_id(parent.nlayers ?
	    layers[parent.nlayers - 1].chain_id : NULL, top->diff_id,
	    top->chain_id, e) < 0)
		goto out;
	rc = store_layer_begin(s, top->chain_id, &tx, e);
	if (rc < 0)
		goto out;
	if (rc == 0) {
		if (extract_layer(&sc, tx.dirfd, top->diff_id, o->driver,
		    e) < 0)
			goto out;
		memcpy(meta.diff_id, top->diff_id, sizeof(meta.diff_id));
		if (parent.nlayers)
			memcpy(meta.parent, layers[parent.nlayers - 1].chain_id,
			    sizeof(meta.parent));
		meta.size = (int64_t)size;
		meta.compressed_size = -1;
		snprintf(meta.whiteouts, sizeof(meta.whiteouts), "%s",
		    o->driver == STORE_DRIVER_COPY ? "aufs" : "overlay");
		snprintf(meta.media_type, sizeof(meta.media_type),
		    "application/vnd.oci.image.layer.v1.tar");
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	human_time_rfc3339(ts.tv_sec, ts.tv_nsec, img.created,
	    sizeof(img.created));
	if (commit_config(pcfg, plen, o, top->diff_id, img.created, &cfg,
	    &len, e) < 0)
		goto out;
	sha_digest(NULL, cfg, len, img.id);
	if (store_blob_put(s, img.id, cfg, len, e) < 0 ||
	    (tx.active && store_layer_commit(s, &tx, &meta, e) < 0))
		goto out;
	img.layers = layers;
	img.nlayers = parent.nlayers + 1;
	img.size = parent.size + (int64_t)size;
	if (o->tag) {
		tags[0] = tag;
		img.tags = tags;
		img.ntags = 1;
	}
	memcpy(img.os, parent.os, sizeof(img.os));
	memcpy(img.arch, parent.arch, sizeof(img.arch));
	memcpy(img.variant, parent.variant, sizeof(img.variant));
	if (store_image_put(s, &img, e) < 0)
		goto out;
	memcpy(id, img.id, DIGEST_MAX);
	ret = 0;
out:
	store_layer_abort(s, &tx);
	store_scratch_remove(s, &sc);
	store_image_free(&parent);
	free(layers);
	free(pcfg);
	free(cfg);
	if (ret < 0)
		err_ctx(e, "commit");
	return ret;
}

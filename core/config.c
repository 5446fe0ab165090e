/* config.c - defaults, config file and environment, in that order */

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "defaults.h"
#include "io.h"
#include "json.h"

enum cfg_kind {
	K_PATH,		/* absolute path */
	K_STR,		/* registry host or similar */
	K_LIST,		/* list of registry hosts / URLs / CIDRs */
	K_IFNAME,	/* network interface name */
	K_CIDR,		/* IPv4 a.b.c.d/n */
	K_DRIVER,	/* "", "overlay", "copy" */
	K_PORTDRV,	/* "", "nat", "proxy" */
	K_INT,		/* 1..64 */
	K_COUNT,	/* 0 (default) .. 2^62, unsigned long long */
};

struct cfg_key {
	const char *key;	/* config-file key */
	const char *env;	/* environment variable */
	enum cfg_kind kind;
	size_t off;		/* field in struct config */
	size_t size;		/* field size (K_LIST: one element) */
	size_t count_off;	/* K_LIST: offset of the element count */
};

#define FIELD(f) offsetof(struct config, f), sizeof(((struct config *)0)->f)
#define LFIELD(f, n) offsetof(struct config, f), \
	sizeof(((struct config *)0)->f[0]), offsetof(struct config, n)

static const struct cfg_key keys[] = {
	{ "data-root", "ROCKER_ROOT", K_PATH, FIELD(root), 0 },
	{ "exec-root", "ROCKER_STATE", K_PATH, FIELD(state), 0 },
	{ "default-registry", "ROCKER_REGISTRY", K_STR, FIELD(registry), 0 },
	{ "registry-mirrors", "ROCKER_REGISTRY_MIRRORS", K_LIST,
	    LFIELD(mirrors, nmirrors) },
	{ "insecure-registries", "ROCKER_INSECURE_REGISTRIES", K_LIST,
	    LFIELD(insecure, ninsecure) },
	{ "bridge", "ROCKER_BRIDGE", K_IFNAME, FIELD(bridge), 0 },
	{ "bridge-subnet", "ROCKER_BRIDGE_SUBNET", K_CIDR, FIELD(subnet), 0 },
	{ "storage-driver", "ROCKER_STORAGE_DRIVER", K_DRIVER, FIELD(driver),
	    0 },
	{ "port-driver", "ROCKER_PORT_DRIVER", K_PORTDRV, FIELD(port_driver),
	    0 },
	{ "max-concurrent-downloads", "ROCKER_MAX_CONCURRENT_DOWNLOADS",
	    K_INT, FIELD(max_downloads), 0 },
	{ "certs-dir", "ROCKER_CERTS_DIR", K_PATH, FIELD(certs_dir), 0 },
	{ "cgroup-parent", "ROCKER_CGROUP_PARENT", K_PATH,
	    FIELD(cgroup_parent), 0 },
	{ "layer-max-bytes", "ROCKER_LAYER_MAX_BYTES", K_COUNT,
	    FIELD(layer_max_bytes), 0 },
	{ "layer-max-entries", "ROCKER_LAYER_MAX_ENTRIES", K_COUNT,
	    FIELD(layer_max_entries), 0 },
	{ "registry-timeout", "ROCKER_REGISTRY_TIMEOUT", K_COUNT,
	    FIELD(registry_timeout), 0 },
};

#undef FIELD
#undef LFIELD

static const struct cfg_key *
find_key(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].key, key) == 0)
			return &keys[i];
	return NULL;
}

/* Copy `val` into a fixed field, refusing truncation. */
static int
copy_str(char *dst, size_t size, const char *val, const char *key,
    struct err *e)
{
	size_t n = strlen(val);

	if (n >= size)
		return err_set(e, ERR_LIMIT, "%s: value too long (max %zu)",
		    key, size - 1);
	memcpy(dst, val, n + 1);
	return 0;
}

/* A registry host[:port], URL, or CIDR: printable, no spaces. */
static int
check_word(const char *val, const char *key, struct err *e)
{
	const unsigned char *p = (const unsigned char *)val;

	if (!*p)
		return err_set(e, ERR_PARSE, "%s: empty value", key);
	for (; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == ',')
			return err_set(e, ERR_PARSE, "%s: invalid value "
			    "\"%s\"", key, val);
	return 0;
}

static int
check_cidr(const char *val, const char *key, struct err *e)
{
	unsigned a[4], len;
	char tail;

	if (sscanf(val, "%u.%u.%u.%u/%u%c", &a[0], &a[1], &a[2], &a[3], &len,
	    &tail) != 5 || a[0] > 255 || a[1] > 255 || a[2] > 255 ||
	    a[3] > 255 || len < 8 || len > 30)
		return err_set(e, ERR_PARSE, "%s: \"%s\" is not an IPv4 "
		    "subnet a.b.c.d/n with n from 8 to 30", key, val);
	return 0;
}

static int
set_one(struct config *c, const struct cfg_key *k, const char *val,
    struct err *e)
{
	char *field = (char *)c + k->off;
	int *count;
	const char *p, *q;
	char item[CONFIG_STR_MAX];
	long n;
	char *end;

	switch (k->kind) {
	case K_PATH:
		if (val[0] != '/')
			return err_set(e, ERR_PARSE, "%s: \"%s\" is not an "
			    "absolute path", k->key, val);
		return copy_str(field, k->size, val, k->key, e);
	case K_STR:
		if (check_word(val, k->key, e) < 0)
			return -1;
		return copy_str(field, k->size, val, k->key, e);
	case K_IFNAME:
		if (check_word(val, k->key, e) < 0 || strchr(val, '/') ||
		    strchr(val, ':'))
			return err_set(e, ERR_PARSE, "%s: invalid interface "
			    "name \"%s\"", k->key, val);
		return copy_str(field, k->size, val, k->key, e);
	case K_CIDR:
		if (check_cidr(val, k->key, e) < 0)
			return -1;
		return copy_str(field, k->size, val, k->key, e);
	case K_DRIVER:
		if (*val && strcmp(val, "overlay") != 0 &&
		    strcmp(val, "copy") != 0)
			return err_set(e, ERR_PARSE, "%s: unknown storage "
			    "driver \"%s\" (overlay or copy)", k->key, val);
		return copy_str(field, k->size, val, k->key, e);
	case K_PORTDRV:
		if (*val && strcmp(val, "nat") != 0 &&
		    strcmp(val, "proxy") != 0)
			return err_set(e, ERR_PARSE, "%s: unknown port "
			    "driver \"%s\" (nat or proxy)", k->key, val);
		return copy_str(field, k->size, val, k->key, e);
	case K_INT:
		errno = 0;
		n = strtol(val, &end, 10);
		if (errno || end == val || *end || n < 1 || n > 64)
			return err_set(e, ERR_PARSE, "%s: \"%s\" is not a "
			    "number from 1 to 64", k->key, val);
		*(int *)field = (int)n;
		return 0;
	case K_COUNT:
		errno = 0;
		if (val[0] < '0' || val[0] > '9')
			return err_set(e, ERR_PARSE, "%s: \"%s\" is not a "
			    "count", k->key, val);
		*(unsigned long long *)field = strtoull(val, &end, 10);
		if (errno || *end || *(unsigned long long *)field > 1ULL << 62)
			return err_set(e, ERR_PARSE, "%s: \"%s\" is not a "
			    "count", k->key, val);
		return 0;
	case K_LIST:
		count = (int *)((char *)c + k->count_off);
		*count = 0;
		for (p = val; *p; p = *q ? q + 1 : q) {
			q = strchr(p, ',');
			if (!q)
				q = p + strlen(p);
			if (q == p)
				continue;
			if ((size_t)(q - p) >= sizeof(item))
				return err_set(e, ERR_LIMIT, "%s: entry too "
				    "long", k->key);
			memcpy(item, p, q - p);
			item[q - p] = '\0';
			if (check_word(item, k->key, e) < 0)
				return -1;
			if (*count == CONFIG_LIST_MAX)
				return err_set(e, ERR_LIMIT, "%s: more than "
				    "%d entries", k->key, CONFIG_LIST_MAX);
			memcpy(field + *count * k->size, item, q - p + 1);
			++*count;
		}
		return 0;
	}
	return err_set(e, ERR_GENERIC, "%s: bad key kind", k->key);
}

void
config_defaults(struct config *c)
{
	int i;

	memset(c, 0, sizeof(*c));
	snprintf(c->root, sizeof(c->root), "%s", DEFAULT_ROOT);
	snprintf(c->state, sizeof(c->state), "%s", DEFAULT_STATE);
	snprintf(c->registry, sizeof(c->registry), "%s", DEFAULT_REGISTRY);
	for (i = 0; DEFAULT_MIRRORS[i] && i < CONFIG_LIST_MAX; i++)
		snprintf(c->mirrors[c->nmirrors++], CONFIG_STR_MAX, "%s",
		    DEFAULT_MIRRORS[i]);
	for (i = 0; DEFAULT_INSECURE[i] && i < CONFIG_LIST_MAX; i++)
		snprintf(c->insecure[c->ninsecure++], CONFIG_STR_MAX, "%s",
		    DEFAULT_INSECURE[i]);
	snprintf(c->bridge, sizeof(c->bridge), "%s", DEFAULT_BRIDGE);
	snprintf(c->cgroup_parent, sizeof(c->cgroup_parent), "%s",
	    DEFAULT_CGROUP_PARENT);
	snprintf(c->subnet, sizeof(c->subnet), "%s", DEFAULT_SUBNET);
	snprintf(c->driver, sizeof(c->driver), "%s", DEFAULT_DRIVER);
	c->max_downloads = DEFAULT_MAX_DOWNLOADS;
	snprintf(c->certs_dir, sizeof(c->certs_dir), "%s", DEFAULT_CERTS_DIR);
}

int
config_set(struct config *c, const char *key, const char *val,
    struct err *e)
{
	const struct cfg_key *k = find_key(key);

	if (!k)
		return err_set(e, ERR_PARSE, "unknown setting \"%s\"", key);
	return set_one(c, k, val, e);
}

/* Apply one JSON member to `c`. */
static int
apply_member(struct config *c, const char *key, const struct json_value *v,
    struct err *e)
{
	const struct cfg_key *k = find_key(key);
	char list[CONFIG_LIST_MAX * CONFIG_STR_MAX];
	const char *s;
	size_t i, n = 0, len;
	int64_t num;

	if (!k)
		return err_set(e, ERR_PARSE, "unknown key \"%s\"", key);
	if (k->kind == K_LIST) {
		if (json_type(v) != JSON_ARRAY)
			return err_set(e, ERR_PARSE, "%s: expected an array "
			    "of strings", key);
		if (json_len(v) > CONFIG_LIST_MAX)
			return err_set(e, ERR_LIMIT, "%s: more than %d "
			    "entries", key, CONFIG_LIST_MAX);
		list[0] = '\0';
		for (i = 0; i < json_len(v); i++) {
			s = json_str(json_at(v, i));
			if (!s || !*s || strchr(s, ','))
				return err_set(e, ERR_PARSE, "%s: entry %zu is "
				    "not a valid string", key, i);
			len = strlen(s);
			if (len >= CONFIG_STR_MAX)
				return err_set(e, ERR_LIMIT, "%s: entry too "
				    "long", key);
			if (n)
				list[n++] = ',';
			memcpy(list + n, s, len + 1);
			n += len;
		}
		return set_one(c, k, list, e);
	}
	if (k->kind == K_COUNT) {
		if (json_int(v, &num, e) < 0 || num < 0 || num > 1LL << 62)
			return err_set(e, ERR_PARSE, "%s: expected a count",
			    key);
		*(unsigned long long *)((char *)c + k->off) =
		    (unsigned long long)num;
		return 0;
	}
	if (k->kind == K_INT) {
		if (json_int(v, &num, e) < 0 || num < 1 || num > 64)
			return err_set(e, ERR_PARSE, "%s: expected a number "
			    "from 1 to 64", key);
		*(int *)((char *)c + k->off) = (int)num;
		return 0;
	}
	s = json_str(v);
	if (!s)
		return err_set(e, ERR_PARSE, "%s: expected a string", key);
	return set_one(c, k, s, e);
}

int
config_load_file(struct config *c, const char *path, struct err *e)
{
	struct config tmp = *c;
	struct json_value *root = NULL;
	char *buf = NULL;
	size_t len, i;
	int optional = 0, ret = -1;

	if (!path)
		path = getenv("ROCKER_CONFIG");
	if (!path || !*path) {
		path = DEFAULT_CONFIG;
		optional = 1;
	}
	if (optional && access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	buf = io_read_file(path, CONFIG_FILE_MAX, &len, e);
	if (!buf)
		goto out;
	root = json_parse(buf, len, NULL, e);
	if (!root) {
		err_ctx(e, "%s", path);
		goto out;
	}
	if (json_type(root) != JSON_OBJECT) {
		err_set(e, ERR_PARSE, "%s: expected a JSON object", path);
		goto out;
	}
	for (i = 0; i < json_len(root); i++)
		if (apply_member(&tmp, json_str(json_key_at(root, i)) ?
		    json_str(json_key_at(root, i)) : "",
		    json_val_at(root, i), e) < 0) {
			err_ctx(e, "%s", path);
			goto out;
		}
	if (copy_str(tmp.file, sizeof(tmp.file), path, "config", e) < 0)
		goto out;
	*c = tmp;
	ret = 0;
out:
	json_free(root);
	free(buf);
	if (ret < 0)
		err_ctx(e, "config");
	return ret;
}

int
config_load_env(struct config *c, struct err *e)
{
	struct config tmp = *c;
	const char *v;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		v = getenv(keys[i].env);
		if (!v)
			continue;
		if (set_one(&tmp, &keys[i], v, e) < 0)
			return err_ctx(e, "environment %s", keys[i].env);
	}
	*c = tmp;
	return 0;
}

int
config_to_json(const struct config *c, char **out, struct err *e)
{
	struct json_writer w;
	const char *field;
	size_t i;
	int j, n;

	json_writer_init(&w, 1);
	json_writer_begin_object(&w);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		field = (const char *)c + keys[i].off;
		json_writer_key(&w, keys[i].key);
		switch (keys[i].kind) {
		case K_LIST:
			n = *(const int *)((const char *)c +
			    keys[i].count_off);
			json_writer_begin_array(&w);
			for (j = 0; j < n; j++)
				json_writer_string(&w,
				    field + j * keys[i].size);
			json_writer_end_array(&w);
			break;
		case K_INT:
			json_writer_int(&w, *(const int *)field);
			break;
		case K_COUNT:
			json_writer_uint(&w,
			    *(const unsigned long long *)field);
			break;
		default:
			json_writer_string(&w, field);
		}
	}
	json_writer_end_object(&w);
	*out = json_writer_finish(&w, NULL, e);
	json_writer_free(&w);
	return *out ? 0 : -1;
}

/* fsck.c - the store checker (see fsck.h) */

#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "fsck.h"
#include "image.h"
#include "io.h"
#include "json.h"
#include "manifest.h"
#include "store.h"

enum {
	HEX256 = 64,
	HEX512 = 128,
	CONFIG_MAX = 64 << 20,	/* an image config blob */
	REFS_FILE_MAX = 64 << 20,
	RECORD_FILE_MAX = 4 << 20,
	REL_MAX = 320,
	OPTS_MAX = 4096,
};

/* A growing array of heap strings, sorted on demand. */
struct strs {
	char **v;
	size_t n, cap;
	int sorted;
};

/* One layer directory and what the check found. */
struct lyr {
	char chain[STORE_DIGEST_MAX];
	struct store_layer_meta m;
	int bad;			/* 1: broken */
	char why[ERR_MSG_MAX];
};

/* A reference kept or dropped by the refs phase. */
struct refent {
	char *name;
	char id[STORE_DIGEST_MAX];
};

struct fsck {
	struct store *s;
	const struct fsck_opts *o;
	struct fsck_stats *st;
	struct strs blobs;		/* sound blob digests */
	struct lyr *ly;		/* every layer, sorted by chain */
	size_t nly;
	struct strs images;		/* sound image ids */
	struct strs bad_records;	/* rel paths of broken records */
};

static const char *const kind_names[] = {
	"?", "blob", "layer", "link", "image", "reference", "container",
	"rw layer", "stray entry", "mount points layer",
};

/* ---- small helpers ---- */

static int
strs_add(struct strs *s, const char *v, struct err *e)
{
	char **nv;

	if (s->n == s->cap) {
		nv = realloc(s->v, (s->cap ? s->cap * 2 : 32) * sizeof(*nv));
		if (!nv)
			return err_set(e, ENOMEM, "out of memory");
		s->v = nv;
		s->cap = s->cap ? s->cap * 2 : 32;
	}
	if (!(s->v[s->n] = strdup(v)))
		return err_set(e, ENOMEM, "out of memory");
	s->n++;
	s->sorted = 0;
	return 0;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
strs_has(struct strs *s, const char *v)
{
	if (!s->n)
		return 0;
	if (!s->sorted) {
		qsort(s->v, s->n, sizeof(*s->v), str_cmp);
		s->sorted = 1;
	}
	return bsearch(&v, s->v, s->n, sizeof(*s->v), str_cmp) != NULL;
}

static void
strs_free(struct strs *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int
is_hex(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' &&
		    p[i] <= 'f')))
			return 0;
	return p[n] == '\0' || p[n] == '.';
}

static int
valid_digest(const char *d)
{
	if (!d)
		return 0;
	if (strncmp(d, "sha256:", 7) == 0)
		return strlen(d + 7) == HEX256 && is_hex(d + 7, HEX256);
	if (strncmp(d, "sha512:", 7) == 0)
		return strlen(d + 7) == HEX512 && is_hex(d + 7, HEX512);
	return 0;
}

/* The store's rule for a reference: printable, "name:tag" or
 * "name@digest". */
static int
valid_ref(const char *ref)
{
	const char *at, *colon, *slash, *p;
	size_t n = ref ? strlen(ref) : 0;

	if (n == 0 || n >= STORE_REF_MAX)
		return 0;
	for (p = ref; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return 0;
	if ((at = strchr(ref, '@')))
		return at != ref && valid_digest(at + 1);
	colon = strrchr(ref, ':');
	slash = strrchr(ref, '/');
	return colon && colon != ref && colon[1] && (!slash || colon > slash);
}

/* The names in store directory `rel` (without . and ..). ENOENT: none. */
static int
list_dir(struct store *s, const char *rel, struct strs *out, struct err *e)
{
	struct dirent *de;
	DIR *d;
	int fd;

	memset(out, 0, sizeof(*out));
	fd = openat(s->rootfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : err_sys(e, "open %s/%s", s->root,
		    rel);
	if (!(d = fdopendir(fd))) {
		close(fd);
		return err_sys(e, "read %s/%s", s->root, rel);
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0 &&
		    strs_add(out, de->d_name, e) < 0) {
			closedir(d);
			strs_free(out);
			return -1;
		}
	closedir(d);
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), str_cmp);
	out->sorted = 1;
	return 0;
}

/* Hand one problem to the callback and count it. */
static void
report(struct fsck *c, enum fsck_kind k, const char *name, const char *what,
    const char *action, enum fsck_fix fix, const char *error)
{
	struct fsck_problem p;

	c->st->problems++;
	if (fix == FSCK_FIXED)
		c->st->fixed++;
	if (fix == FSCK_FIX_FAILED)
		c->st->failed++;
	if (!c->o->report)
		return;
	p.kind = k;
	p.name = name;
	p.what = what;
	p.fix = fix;
	p.action = action;
	p.error = error;
	c->o->report(c->o->ctx, &p);
}

/* A problem whose repair is removing store entry `rel`. */
static void
found_discard(struct fsck *c, enum fsck_kind k, const char *name,
    const char *what, const char *rel)
{
	struct err e = ERR_INIT;
	char action[REL_MAX + 16];

	snprintf(action, sizeof(action), "remove %s", rel);
	if (!c->o->repair) {
		report(c, k, name, what, action, FSCK_FOUND, NULL);
		return;
	}
	if (store_discard(c->s, rel, &e) < 0)
		report(c, k, name, what, action, FSCK_FIX_FAILED, e.msg);
	else
		report(c, k, name, what, action, FSCK_FIXED, NULL);
}

static int
lyr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct lyr *)a)->chain,
	    ((const struct lyr *)b)->chain);
}

static struct lyr *
lyr_find(struct fsck *c, const char *chain)
{
	struct lyr key;

	if (!c->nly || strlen(chain) >= sizeof(key.chain))
		return NULL;
	strcpy(key.chain, chain);
	return bsearch(&key, c->ly, c->nly, sizeof(*c->ly), lyr_cmp);
}

static int
layer_sound(struct fsck *c, const char *chain)
{
	struct lyr *l = lyr_find(c, chain);

	return l && !l->bad;
}

/* ---- blobs ---- */

static int
check_blobs(struct fsck *c, struct err *e)
{
	static const char *const algos[] = { "sha256", "sha512" };
	static const size_t hexlen[] = { HEX256, HEX512 };
	struct err e2 = ERR_INIT;
	struct strs names;
	char rel[REL_MAX], dg[STORE_DIGEST_MAX];
	size_t a, i;

	for (a = 0; a < 2; a++) {
		snprintf(rel, sizeof(rel), "blobs/%s", algos[a]);
		if (list_dir(c->s, rel, &names, e) < 0)
			return -1;
		for (i = 0; i < names.n; i++) {
			snprintf(rel, sizeof(rel), "blobs/%s/%.200s", algos[a],
			    names.v[i]);
			if (strlen(names.v[i]) != hexlen[a] ||
			    !is_hex(names.v[i], hexlen[a])) {
				found_discard(c, FSCK_STRAY, rel, "not a "
				    "blob name", rel);
				continue;
			}
			c->st->blobs++;
			snprintf(dg, sizeof(dg), "%s:%s", algos[a],
			    names.v[i]);
			err_clear(&e2);
			if (store_blob_verify(c->s, dg, &e2) == 0) {
				if (strs_add(&c->blobs, dg, e) < 0) {
					strs_free(&names);
					return -1;
				}
			} else if (e2.code != ERR_NOTFOUND) {
				found_discard(c, FSCK_BLOB, dg, e2.msg, rel);
			}
		}
		strs_free(&names);
	}
	return 0;
}

/* ---- layers and links ---- */

/* Fill c->ly from layers/, marking what is broken by itself. */
static int
load_layers(struct fsck *c, struct err *e)
{
	struct strs names;
	struct stat st;
	struct err e2 = ERR_INIT;
	char rel[REL_MAX];
	struct lyr *l;
	size_t i;

	if (list_dir(c->s, "layers", &names, e) < 0)
		return -1;
	if (names.n && !(c->ly = calloc(names.n, sizeof(*c->ly)))) {
		strs_free(&names);
		return err_set(e, ENOMEM, "out of memory");
	}
	for (i = 0; i < names.n; i++) {
		snprintf(rel, sizeof(rel), "layers/%.200s", names.v[i]);
		if (strlen(names.v[i]) != HEX256 ||
		    !is_hex(names.v[i], HEX256)) {
			found_discard(c, FSCK_STRAY, rel, "not a layer name",
			    rel);
			continue;
		}
		c->st->layers++;
		l = &c->ly[c->nly++];
		snprintf(l->chain, sizeof(l->chain), "sha256:%s", names.v[i]);
		err_clear(&e2);
		if (fstatat(c->s->rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode)) {
			l->bad = 1;
			snprintf(l->why, sizeof(l->why), "%s is not a "
			    "directory", rel);
		} else if (store_layer_get(c->s, l->chain, &l->m, &e2) < 0) {
			l->bad = 1;
			snprintf(l->why, sizeof(l->why), "%s",
			    e2.code == ERR_NOTFOUND ? "no meta.json (never "
			    "committed)" : e2.msg);
		} else {
			snprintf(rel, sizeof(rel), "layers/%s/diff",
			    names.v[i]);
			if (fstatat(c->s->rootfd, rel, &st,
			    AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)) {
				l->bad = 1;
				snprintf(l->why, sizeof(l->why), "no diff "
				    "directory");
			}
		}
	}
	strs_free(&names);
	if (c->nly)
		qsort(c->ly, c->nly, sizeof(*c->ly), lyr_cmp);
	return 0;
}

/* A layer whose parent is missing or broken, or whose chain id does not
 * follow from it, is broken; repeat until nothing changes. */
static void
check_chains(struct fsck *c)
{
	struct err e = ERR_INIT;
	char want[STORE_DIGEST_MAX];
	struct lyr *l, *p;
	size_t i;
	int changed = 1;

	while (changed) {
		changed = 0;
		for (i = 0; i < c->nly; i++) {
			l = &c->ly[i];
			if (l->bad)
				continue;
			if (l->m.parent[0]) {
				p = lyr_find(c, l->m.parent);
				if (!p || p->bad) {
					l->bad = changed = 1;
					snprintf(l->why, sizeof(l->why),
					    "parent %s is %s", l->m.parent,
					    p ? "broken" : "missing");
					continue;
				}
			}
			err_clear(&e);
			if (store_chain_id(l->m.parent, l->m.diff_id, want,
			    &e) < 0 || strcmp(want, l->chain) != 0) {
				l->bad = changed = 1;
				snprintf(l->why, sizeof(l->why), "chain id "
				    "does not follow from parent \"%s\" and "
				    "diff id %s", l->m.parent, l->m.diff_id);
			}
		}
	}
}

/* Read layers/<hex>/link, trimmed, into out. 0 or -1. */
static int
read_link_file(struct fsck *c, const char *hex, char *out, size_t n)
{
	char rel[REL_MAX];
	ssize_t got;
	int fd;

	snprintf(rel, sizeof(rel), "layers/%s/link", hex);
	fd = openat(c->s->rootfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	got = read(fd, out, n - 1);
	close(fd);
	if (got < 0)
		return -1;
	out[got] = '\0';
	while (got && (out[got - 1] == '\n' || out[got - 1] == ' '))
		out[--got] = '\0';
	return 0;
}

/* Write layers/<hex>/link = `link` (a temporary name, then rename). */
static int
write_link_file(struct fsck *c, const char *hex, const char *link,
    struct err *e)
{
	char rel[REL_MAX], tmp[REL_MAX];
	int fd;

	snprintf(rel, sizeof(rel), "layers/%s/link", hex);
	snprintf(tmp, sizeof(tmp), "layers/%s/.link.fsck", hex);
	fd = openat(c->s->rootfd, tmp, O_WRONLY | O_CREAT | O_TRUNC |
	    O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_sys(e, "create %s", tmp);
	if (io_write_all(fd, link, strlen(link), e) < 0 || fsync(fd) < 0) {
		if (!e->msg[0])
			err_sys(e, "fsync %s", tmp);
		close(fd);
		unlinkat(c->s->rootfd, tmp, 0);
		return -1;
	}
	close(fd);
	if (renameat(c->s->rootfd, tmp, c->s->rootfd, rel) < 0) {
		err_sys(e, "rename %s", tmp);
		unlinkat(c->s->rootfd, tmp, 0);
		return -1;
	}
	return 0;
}

/* Report and remove broken layers; check link files of sound ones. */
static void
fix_layers(struct fsck *c)
{
	struct err e = ERR_INIT;
	char rel[REL_MAX], got[64];
	const char *hex;
	struct lyr *l;
	size_t i;

	for (i = 0; i < c->nly; i++) {
		l = &c->ly[i];
		hex = l->chain + 7;
		snprintf(rel, sizeof(rel), "layers/%s", hex);
		if (l->bad) {
			found_discard(c, FSCK_LAYER, l->chain, l->why, rel);
			continue;
		}
		if (read_link_file(c, hex, got, sizeof(got)) == 0 &&
		    strcmp(got, l->m.link) == 0)
			continue;
		if (!c->o->repair) {
			report(c, FSCK_LINK, l->chain, "link file missing or "
			    "wrong", "rewrite it", FSCK_FOUND, NULL);
			continue;
		}
		err_clear(&e);
		if (write_link_file(c, hex, l->m.link, &e) < 0)
			report(c, FSCK_LINK, l->chain, "link file missing or "
			    "wrong", "rewrite it", FSCK_FIX_FAILED, e.msg);
		else
			report(c, FSCK_LINK, l->chain, "link file missing or "
			    "wrong", "rewrite it", FSCK_FIXED, NULL);
	}
}

/* l/: every entry is the link of a sound layer; every sound layer has
 * its link. */
static int
check_links(struct fsck *c, struct err *e)
{
	struct err e2 = ERR_INIT;
	struct strs names;
	struct lyr *l;
	char rel[REL_MAX], got[REL_MAX], want[REL_MAX], chain[80];
	char opts[OPTS_MAX];
	const char *cp;
	ssize_t n;
	size_t i;

	if (list_dir(c->s, "l", &names, e) < 0)
		return -1;
	for (i = 0; i < names.n; i++) {
		c->st->links++;
		snprintf(rel, sizeof(rel), "l/%.200s", names.v[i]);
		n = readlinkat(c->s->rootfd, rel, got, sizeof(got) - 1);
		l = NULL;
		if (n > 0) {
			got[n] = '\0';
			if (strncmp(got, "../layers/", 10) == 0 &&
			    (size_t)n == 10 + HEX256 + 5 &&
			    strcmp(got + 10 + HEX256, "/diff") == 0) {
				snprintf(chain, sizeof(chain), "sha256:%.64s",
				    got + 10);
				l = lyr_find(c, chain);
			}
		}
		if (l && !l->bad && strcmp(l->m.link, names.v[i]) == 0)
			continue;
		found_discard(c, FSCK_LINK, rel, n < 0 ? "not a symlink" :
		    !l ? "points at no layer" : l->bad ? "points at a broken "
		    "layer" : "is not the layer's link name", rel);
	}
	strs_free(&names);
	for (i = 0; i < c->nly; i++) {
		l = &c->ly[i];
		if (l->bad)
			continue;
		snprintf(rel, sizeof(rel), "l/%s", l->m.link);
		snprintf(want, sizeof(want), "../layers/%s/diff", l->chain + 7);
		n = readlinkat(c->s->rootfd, rel, got, sizeof(got) - 1);
		if (n > 0) {
			got[n] = '\0';
			if (strcmp(got, want) == 0)
				continue;
		}
		if (!c->o->repair) {
			report(c, FSCK_LINK, l->chain, "its l/ link is missing",
			    "recreate it", FSCK_FOUND, NULL);
			continue;
		}
		cp = l->chain;
		err_clear(&e2);
		if (store_overlay_opts(c->s, &cp, 1, NULL, opts, sizeof(opts),
		    &e2) < 0)
			report(c, FSCK_LINK, l->chain, "its l/ link is missing",
			    "recreate it", FSCK_FIX_FAILED, e2.msg);
		else
			report(c, FSCK_LINK, l->chain, "its l/ link is missing",
			    "recreate it", FSCK_FIXED, NULL);
	}
	return 0;
}

/* ---- image records ---- */

/* Why the record `img` is broken ("" if it is sound). */
static void
judge_image(struct fsck *c, const struct store_image *img, char *why,
    size_t n)
{
	struct err e = ERR_INIT;
	struct image_config ic;
	char want[STORE_DIGEST_MAX], *buf = NULL;
	struct lyr *l;
	size_t i, len;

	why[0] = '\0';
	memset(&ic, 0, sizeof(ic));
	if (!strs_has(&c->blobs, img->id)) {
		snprintf(why, n, "its config blob is missing or damaged");
		return;
	}
	if (img->manifest[0] && !strs_has(&c->blobs, img->manifest)) {
		snprintf(why, n, "its manifest blob %s is missing or damaged",
		    img->manifest);
		return;
	}
	if (store_blob_read(c->s, img->id, CONFIG_MAX, &buf, &len, &e) < 0 ||
	    image_config_parse(buf, len, &ic, &e) < 0) {
		snprintf(why, n, "config: %.400s", e.msg);
		goto out;
	}
	if (ic.count != img->nlayers) {
		snprintf(why, n, "the config lists %zu layers, the record %zu",
		    ic.count, img->nlayers);
		goto out;
	}
	for (i = 0; i < img->nlayers; i++) {
		if (strcmp(ic.diff_ids[i], img->layers[i].diff_id) != 0) {
			snprintf(why, n, "layer %zu: the config's diff id is "
			    "%s, the record's %s", i, ic.diff_ids[i],
			    img->layers[i].diff_id);
			goto out;
		}
		err_clear(&e);
		if (store_chain_id(i ? img->layers[i - 1].chain_id : NULL,
		    img->layers[i].diff_id, want, &e) < 0 ||
		    strcmp(want, img->layers[i].chain_id) != 0) {
			snprintf(why, n, "layer %zu: chain id %s does not "
			    "follow from the layers below", i,
			    img->layers[i].chain_id);
			goto out;
		}
		l = lyr_find(c, img->layers[i].chain_id);
		if (!l || l->bad) {
			snprintf(why, n, "layer %s is %s",
			    img->layers[i].chain_id, l ? "broken" :
			    "missing");
			goto out;
		}
		if (strcmp(l->m.diff_id, img->layers[i].diff_id) != 0) {
			snprintf(why, n, "layer %s has diff id %s, not %s",
			    l->chain, l->m.diff_id, img->layers[i].diff_id);
			goto out;
		}
	}
out:
	free(buf);
	image_config_free(&ic);
}

static int
check_images(struct fsck *c, struct err *e)
{
	struct err e2 = ERR_INIT;
	struct strs names;
	struct store_image img;
	char rel[REL_MAX], id[STORE_DIGEST_MAX], why[ERR_MSG_MAX];
	size_t i, n;
	int ret = -1;

	if (list_dir(c->s, "images", &names, e) < 0)
		return -1;
	for (i = 0; i < names.n; i++) {
		snprintf(rel, sizeof(rel), "images/%.200s", names.v[i]);
		n = strlen(names.v[i]);
		if ((n != HEX256 + 5 && n != HEX512 + 5) ||
		    strcmp(names.v[i] + n - 5, ".json") != 0 ||
		    !is_hex(names.v[i], n - 5)) {
			found_discard(c, FSCK_STRAY, rel, "not an image record "
			    "name", rel);
			continue;
		}
		c->st->images++;
		snprintf(id, sizeof(id), "%s:%.*s", n == HEX256 + 5 ?
		    "sha256" : "sha512", (int)(n - 5), names.v[i]);
		err_clear(&e2);
		if (store_image_record(c->s, id, &img, &e2) < 0) {
			if (e2.code == ERR_NOTFOUND)
				continue;
			snprintf(why, sizeof(why), "record: %.400s", e2.msg);
		} else {
			judge_image(c, &img, why, sizeof(why));
			store_image_free(&img);
		}
		if (!why[0]) {
			if (strs_add(&c->images, id, e) < 0)
				goto out;
			continue;
		}
		/* reported now, removed after its references are gone */
		if (strs_add(&c->bad_records, rel, e) < 0 ||
		    strs_add(&c->bad_records, id, e) < 0 ||
		    strs_add(&c->bad_records, why, e) < 0)
			goto out;
	}
	ret = 0;
out:
	strs_free(&names);
	return ret;
}

/* Remove the broken records found by check_images(). */
static void
fix_images(struct fsck *c)
{
	size_t i;

	/* bad_records holds triples: rel, id, why (never sorted) */
	for (i = 0; i + 2 < c->bad_records.n; i += 3)
		found_discard(c, FSCK_IMAGE, c->bad_records.v[i + 1],
		    c->bad_records.v[i + 2], c->bad_records.v[i]);
}

/* ---- references ---- */

static int
refent_add(struct refent **v, size_t *n, const char *name, const char *id,
    struct err *e)
{
	struct refent *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return err_set(e, ENOMEM, "out of memory");
	*v = nv;
	if (!(nv[*n].name = strdup(name)))
		return err_set(e, ENOMEM, "out of memory");
	snprintf(nv[*n].id, sizeof(nv[*n].id), "%s", id);
	(*n)++;
	return 0;
}

static void
refents_free(struct refent *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/* The references sound records list (repo_tags, repo_digests), for
 * rebuilding a damaged repositories.json. */
static int
salvage_refs(struct fsck *c, struct refent **v, size_t *n, struct err *e)
{
	static const char *const keys[] = { "repo_tags", "repo_digests" };
	struct err e2 = ERR_INIT;
	struct json_value *root;
	const struct json_value *a;
	char path[PATH_MAX], *buf;
	size_t i, j, k, len;
	const char *r;

	for (i = 0; i < c->images.n; i++) {
		if (io_pathf(path, sizeof(path), "%s/images/%s.json",
		    c->s->root, c->images.v[i] + 7) < 0)
			continue;
		err_clear(&e2);
		if (!(buf = io_read_file(path, RECORD_FILE_MAX, &len, &e2)))
			continue;
		root = json_parse(buf, len, NULL, &e2);
		free(buf);
		for (k = 0; root && k < 2; k++) {
			a = json_obj_get(root, keys[k]);
			for (j = 0; j < json_len(a); j++) {
				r = json_str(json_at(a, j));
				if (valid_ref(r) && refent_add(v, n, r,
				    c->images.v[i], e) < 0) {
					json_free(root);
					return -1;
				}
			}
		}
		json_free(root);
	}
	return 0;
}

static int
check_refs(struct fsck *c, struct err *e)
{
	struct err e2 = ERR_INIT;
	struct json_value *root = NULL;
	const struct json_value *o;
	struct refent *keep = NULL, *drop = NULL;
	size_t nkeep = 0, ndrop = 0, i, len;
	const char **names = NULL, **ids = NULL;
	char path[PATH_MAX], why[ERR_MSG_MAX], *buf;
	const char *name, *id;
	int rebuild = 0, ret = -1, rc = 0;

	if (io_pathf(path, sizeof(path), "%s/repositories.json",
	    c->s->root) < 0)
		return err_set(e, ERR_LIMIT, "store path too long");
	buf = io_read_file(path, REFS_FILE_MAX, &len, &e2);
	if (!buf && e2.code == ENOENT)
		return 0;
	if (buf)
		root = json_parse(buf, len, NULL, &e2);
	free(buf);
	o = json_obj_get(root, "refs");
	if (!root || json_type(o) != JSON_OBJECT) {
		rebuild = 1;
		snprintf(why, sizeof(why), "unreadable: %.400s", root ?
		    "\"refs\" is not an object" : e2.msg);
		if (salvage_refs(c, &keep, &nkeep, e) < 0)
			goto out;
	}
	for (i = 0; !rebuild && i < json_len(o); i++) {
		c->st->refs++;
		name = json_str(json_key_at(o, i));
		id = json_str(json_val_at(o, i));
		if (valid_ref(name) && valid_digest(id) &&
		    strs_has(&c->images, id)) {
			if (refent_add(&keep, &nkeep, name, id, e) < 0)
				goto out;
		} else if (refent_add(&drop, &ndrop, name ? name : "?",
		    id && valid_digest(id) ? id : "", e) < 0) {
			goto out;
		}
	}
	if (!rebuild && !ndrop) {
		ret = 0;
		goto out;
	}
	if (c->o->repair) {
		names = calloc(nkeep + 1, sizeof(*names));
		ids = calloc(nkeep + 1, sizeof(*ids));
		if (!names || !ids) {
			err_set(e, ENOMEM, "out of memory");
			goto out;
		}
		for (i = 0; i < nkeep; i++) {
			names[i] = keep[i].name;
			ids[i] = keep[i].id;
		}
		err_clear(&e2);
		rc = store_refs_reset(c->s, names, ids, nkeep, &e2) < 0 ?
		    FSCK_FIX_FAILED : FSCK_FIXED;
	}
	if (rebuild) {
		snprintf(path, sizeof(path), "rebuild it from the image "
		    "records (%zu references)", nkeep);
		report(c, FSCK_REF, "repositories.json", why, path,
		    c->o->repair ? (enum fsck_fix)rc : FSCK_FOUND,
		    rc == FSCK_FIX_FAILED ? e2.msg : NULL);
	}
	for (i = 0; i < ndrop; i++) {
		if (!valid_ref(drop[i].name) || !drop[i].id[0])
			snprintf(why, sizeof(why), "invalid entry");
		else
			snprintf(why, sizeof(why), "names %s, which is %s",
			    drop[i].id, strs_has(&c->images, drop[i].id) ?
			    "sound" : "missing or broken");
		report(c, FSCK_REF, drop[i].name, why, "drop it",
		    c->o->repair ? (enum fsck_fix)rc : FSCK_FOUND,
		    rc == FSCK_FIX_FAILED ? e2.msg : NULL);
	}
	ret = 0;
out:
	json_free(root);
	refents_free(keep, nkeep);
	refents_free(drop, ndrop);
	free(names);
	free(ids);
	return ret;
}

/* ---- containers ---- */

/* Remove the names/ entries that name container `id`. */
static void
drop_names(const char *state, const char *id)
{
	struct dirent *de;
	char path[PATH_MAX], got[CTR_ID_LEN + 1];
	ssize_t n;
	DIR *d;
	int fd;

	if (io_pathf(path, sizeof(path), "%s/names", state) < 0 ||
	    !(d = opendir(path)))
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, got, CTR_ID_LEN);
		close(fd);
		got[n > 0 ? n : 0] = '\0';
		if (strcmp(got, id) == 0)
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

/* Remove a broken container that is stopped and not locked. */
static int
remove_container(struct fsck *c, const struct image_user *u, struct err *e)
{
	struct ctr ct;
	char path[PATH_MAX];
	int lk, ret = -1;

	memset(&ct, 0, sizeof(ct));
	ct.lockfd = ct.monfd = -1;
	if (u->running)
		return err_set(e, ERR_USAGE, "it is running: stop it, then "
		    "rocker rm it");
	if (io_pathf(path, sizeof(path), "%s/containers/%s/lock",
	    c->o->state, u->container) < 0)
		return err_set(e, ERR_LIMIT, "state path too long");
	lk = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lk < 0)
		return err_sys(e, "open %s", path);
	if (flock(lk, LOCK_EX | LOCK_NB) < 0) {
		err_set(e, ERR_USAGE, "another rocker process holds it");
		goto out;
	}
	if (ctr_open(c->o->state, u->container, &ct, e) < 0) {
		/* half created (a `run` killed while creating it): no
		 * record to load, so no monitor either; its name, if it
		 * got one, is found under names/ */
		err_clear(e);
		memset(&ct, 0, sizeof(ct));
		ct.lockfd = ct.monfd = -1;
		snprintf(ct.id, sizeof(ct.id), "%s", u->container);
		snprintf(ct.state_root, sizeof(ct.state_root), "%s",
		    c->o->state);
		if (io_pathf(ct.dir, sizeof(ct.dir), "%s/containers/%s",
		    c->o->state, u->container) < 0) {
			err_set(e, ERR_LIMIT, "state path too long");
			goto out;
		}
		drop_names(c->o->state, u->container);
	}
	if (ctr_monitor_alive(&ct)) {
		err_set(e, ERR_USAGE, "its monitor is alive: rocker rm -f it");
		goto out;
	}
	if (store_rw_remove(c->s, u->container, e) < 0) {
		err_ctx(e, "(rocker rm unmounts it)");
		goto out;
	}
	if (ctr_delete(&ct, e) < 0)
		goto out;
	ret = 0;
out:
	ctr_close(&ct);
	close(lk);
	return ret;
}

/* STATE/containers/.rm-<id>: what an interrupted rm was deleting. */
static int
leftover_rms(struct fsck *c, struct err *e)
{
	struct err e2 = ERR_INIT;
	struct dirent *de;
	struct strs names = { 0 };
	struct ctr ct;
	char path[PATH_MAX];
	size_t i;
	DIR *d;
	int ret = -1;

	if (io_pathf(path, sizeof(path), "%s/containers", c->o->state) < 0 ||
	    !(d = opendir(path)))
		return 0;
	while ((de = readdir(d)))
		if (strncmp(de->d_name, ".rm-", 4) == 0 &&
		    strlen(de->d_name) == 4 + CTR_ID_LEN &&
		    strs_add(&names, de->d_name, e) < 0) {
			closedir(d);
			goto out;
		}
	closedir(d);
	for (i = 0; i < names.n; i++) {
		if (!c->o->repair) {
			report(c, FSCK_CONTAINER, names.v[i], "left by an "
			    "interrupted rm", "remove it", FSCK_FOUND, NULL);
			continue;
		}
		/* ctr_delete() renames dir to .rm-<id> (here: itself) and
		 * deletes it */
		memset(&ct, 0, sizeof(ct));
		ct.lockfd = ct.monfd = -1;
		snprintf(ct.id, sizeof(ct.id), "%s", names.v[i] + 4);
		snprintf(ct.state_root, sizeof(ct.state_root), "%s",
		    c->o->state);
		err_clear(&e2);
		if (io_pathf(ct.dir, sizeof(ct.dir), "%s/%s", path,
		    names.v[i]) < 0 || ctr_delete(&ct, &e2) < 0)
			report(c, FSCK_CONTAINER, names.v[i], "left by an "
			    "interrupted rm", "remove it", FSCK_FIX_FAILED,
			    e2.msg[0] ? e2.msg : "path too long");
		else
			report(c, FSCK_CONTAINER, names.v[i], "left by an "
			    "interrupted rm", "remove it", FSCK_FIXED, NULL);
	}
	ret = 0;
out:
	strs_free(&names);
	return ret;
}

static int
check_containers(struct fsck *c, struct err *e)
{
	struct err e2 = ERR_INIT;
	struct image_user *u = NULL;
	struct store_image img;
	struct strs ids = { 0 }, rw = { 0 };
	struct stat st;
	char why[ERR_MSG_MAX], rel[REL_MAX];
	size_t nu = 0, i, j;
	int ret = -1;

	if (!c->o->state)
		return 0;
	if (image_users(c->o->state, &u, &nu, &e2) < 0) {
		report(c, FSCK_CONTAINER, c->o->state, e2.msg, "none",
		    FSCK_FOUND, NULL);
		return 0;
	}
	for (i = 0; i < nu; i++) {
		c->st->containers++;
		why[0] = '\0';
		if (strs_add(&ids, u[i].container, e) < 0)
			goto out;
		for (j = 0; j < u[i].nchains && !why[0]; j++)
			if (!layer_sound(c, u[i].chains[j]))
				snprintf(why, sizeof(why), "layer %s is "
				    "missing or broken", u[i].chains[j]);
		if (!u[i].nchains && !strs_has(&c->images, u[i].image))
			snprintf(why, sizeof(why), "image %s is missing or "
			    "broken (and no layers file)", u[i].image);
		if (!u[i].nchains && !why[0] && store_image_record(c->s,
		    u[i].image, &img, &e2) == 0) {
			for (j = 0; j < img.nlayers && !why[0]; j++)
				if (!layer_sound(c, img.layers[j].chain_id))
					snprintf(why, sizeof(why), "layer %s "
					    "is missing or broken",
					    img.layers[j].chain_id);
			store_image_free(&img);
		}
		snprintf(rel, sizeof(rel), "rw/%s", u[i].container);
		if (!why[0] && (fstatat(c->s->rootfd, rel, &st,
		    AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)))
			snprintf(why, sizeof(why), "its %s is missing", rel);
		if (!why[0])
			continue;
		if (!c->o->repair) {
			report(c, FSCK_CONTAINER, u[i].container, why,
			    "remove it", FSCK_FOUND, NULL);
			continue;
		}
		err_clear(&e2);
		if (remove_container(c, &u[i], &e2) < 0)
			report(c, FSCK_CONTAINER, u[i].container, why,
			    "remove it", FSCK_FIX_FAILED, e2.msg);
		else
			report(c, FSCK_CONTAINER, u[i].container, why,
			    "remove it", FSCK_FIXED, NULL);
	}
	if (leftover_rms(c, e) < 0)
		goto out;
	if (list_dir(c->s, "rw", &rw, e) < 0)
		goto out;
	for (i = 0; i < rw.n; i++) {
		if (strs_has(&ids, rw.v[i]))
			continue;
		snprintf(rel, sizeof(rel), "rw/%.200s", rw.v[i]);
		if (!c->o->repair) {
			report(c, FSCK_RW, rel, "no container uses it",
			    "remove it", FSCK_FOUND, NULL);
			continue;
		}
		err_clear(&e2);
		if (store_rw_remove(c->s, rw.v[i], &e2) < 0)
			report(c, FSCK_RW, rel, "no container uses it",
			    "remove it", FSCK_FIX_FAILED, e2.msg);
		else
			report(c, FSCK_RW, rel, "no container uses it",
			    "remove it", FSCK_FIXED, NULL);
	}
	ret = 0;
out:
	strs_free(&ids);
	strs_free(&rw);
	image_users_free(u, nu);
	return ret;
}

/* ---- public ---- */

const char *
fsck_kind_name(enum fsck_kind k)
{
	if ((unsigned)k >= sizeof(kind_names) / sizeof(kind_names[0]))
		return "?";
	return kind_names[k];
}

int
fsck_store(struct store *s, const struct fsck_opts *o,
    struct fsck_stats *st, struct err *e)
{
	struct fsck c;
	struct fsck_stats dummy;
	int ret = -1;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	if (s->mode != STORE_EXCLUSIVE)
		return err_set(e, ERR_USAGE, "check: the store is not open "
		    "for exclusive use");
	memset(&c, 0, sizeof(c));
	c.s = s;
	c.o = o;
	c.st = st;
	if (check_blobs(&c, e) < 0 || load_layers(&c, e) < 0)
		goto out;
	check_chains(&c);
	fix_layers(&c);
	if (check_links(&c, e) < 0 || check_images(&c, e) < 0 ||
	    check_refs(&c, e) < 0)
		goto out;
	fix_images(&c);
	if (check_containers(&c, e) < 0)
		goto out;
	/* Every container sees init/: anything in it but the three empty
	 * files would show in all of them. Removed, the next run makes it
	 * again. */
	if (store_mountpoints_sound(s) == 0)
		found_discard(&c, FSCK_MOUNTPOINTS, "init", "not just the "
		    "three empty mount point files", "init");
	ret = 0;
out:
	strs_free(&c.blobs);
	strs_free(&c.images);
	strs_free(&c.bad_records);
	free(c.ly);
	if (ret < 0)
		err_ctx(e, "check %s", s->root);
	return ret;
}

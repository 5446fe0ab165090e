/* image.c - list, inspect, tag, remove, prune, import; container users */

#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "digestio.h"
#include "extract.h"
#include "gzip.h"
#include "human.h"
#include "image.h"
#include "io.h"
#include "json.h"
#include "sha256.h"

enum {
	STATE_FILE_MAX = 256 << 10,	/* a container state file we read */
	COPY_BUF = 256 << 10,
};

static const char zero_time[] = "0001-01-01T00:00:00Z";
static const char spool_name[] = "layer.tar";

/* ---- small helpers ---- */

void
image_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static int
strv_add(char ***v, size_t *n, const char *s, struct err *e)
{
	char **nv;
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0)
			return 0;
	if (!(nv = realloc(*v, (*n + 1) * sizeof(*nv))))
		return err_set(e, ENOMEM, "out of memory");
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return err_set(e, ENOMEM, "out of memory");
	(*n)++;
	return 0;
}

/* The repository part of canonical reference `ref` into `out`. */
static void
repo_of(const char *ref, char *out, size_t size)
{
	const char *at = strchr(ref, '@'), *slash, *colon;
	size_t n;

	if (at) {
		n = (size_t)(at - ref);
	} else {
		slash = strrchr(ref, '/');
		colon = strrchr(slash ? slash : ref, ':');
		n = colon ? (size_t)(colon - ref) : strlen(ref);
	}
	snprintf(out, size, "%.*s", (int)n, ref);
}

/* The familiar form of canonical reference `ref`. */
static void
familiar(const char *ref, char *out, size_t size)
{
	struct ref r;
	struct err e = ERR_INIT;

	if (ref_parse(&r, ref, &e) < 0)
		snprintf(out, size, "%s", ref);
	else
		ref_familiar(&r, out, size);
}

/* Read a small state file at `dirfd`/`name`; 0 with *buf NULL if absent. */
static int
read_small(int dirfd, const char *name, char **buf, struct err *e)
{
	size_t len;

	*buf = io_read_at(dirfd, name, STATE_FILE_MAX, &len, e);
	if (*buf)
		return 0;
	if (e->code != ENOENT)
		return -1;
	err_clear(e);
	return 0;
}

/* One whitespace-trimmed line `s` (modified) as a digest into out. */
static int
digest_line(char *s, char out[DIGEST_MAX], struct err *e)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' ||
	    s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	if (n >= DIGEST_MAX || digest_check(s, e) < 0)
		return err_set(e, ERR_PARSE, "\"%.80s\" is not a digest", s);
	memcpy(out, s, n + 1);
	return 0;
}

static int
valid_container(const char *s)
{
	size_t i;

	if (!*s || *s == '.' || strlen(s) > STORE_RW_ID_MAX)
		return 0;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == '.' || s[i] == '-'))
			return 0;
	return 1;
}

/* Read containers/<name>/ into `u`; 1 if it has no image file. */
static int
user_read(int cdir, const char *name, struct image_user *u, struct err *e)
{
	char *buf = NULL, *line, *save = NULL;
	char (*v)[DIGEST_MAX];
	struct json_value *st = NULL;
	int64_t pid;
	int dfd, r = -1;

	memset(u, 0, sizeof(*u));
	dfd = openat(cdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 1 :
		    err_sys(e, "%s", name);
	memcpy(u->container, name, strlen(name) + 1);
	if (read_small(dfd, "image", &buf, e) < 0)
		goto out;
	if (!buf) {
		r = 1;
		goto out;
	}
	/* The image id, then the chain ids of the rootfs (a record made
	 * before they moved there has them in a file `layers`). */
	line = strtok_r(buf, "\n", &save);
	if (digest_line(line ? line : "", u->image, e) < 0) {
		err_ctx(e, "image");
		goto out;
	}
	line = strtok_r(NULL, "\n", &save);
	if (!line) {
		free(buf);
		if (read_small(dfd, "layers", &buf, e) < 0)
			goto out;
		save = NULL;
		line = buf ? strtok_r(buf, "\n", &save) : NULL;
	}
	for (; line; line = strtok_r(NULL, "\n", &save)) {
		if (!line[strspn(line, " \t\r")])
			continue;
		if (u->nchains >= IMAGE_USER_LAYERS_MAX) {
			err_set(e, ERR_LIMIT, "layers: more than %d",
			    IMAGE_USER_LAYERS_MAX);
			goto out;
		}
		if (!(v = realloc(u->chains, (u->nchains + 1) *
		    sizeof(*v)))) {
			err_set(e, ENOMEM, "out of memory");
			goto out;
		}
		u->chains = v;
		if (digest_line(line, v[u->nchains], e) < 0) {
			err_ctx(e, "layers");
			goto out;
		}
		u->nchains++;
	}
	free(buf);
	buf = NULL;
	if (read_small(dfd, "state.json", &buf, e) < 0)
		goto out;
	if (buf && (st = json_parse(buf, strlen(buf), NULL, e)) == NULL) {
		err_ctx(e, "state.json");
		goto out;
	}
	if (st && json_bool(json_get(st, "Running"))) {
		if (json_int(json_get(st, "Pid"), &pid, e) < 0) {
			err_ctx(e, "state.json: Pid");
			goto out;
		}
		u->running = pid > 0 && (kill((pid_t)pid, 0) == 0 ||
		    errno == EPERM);
	}
	r = 0;
out:
	free(buf);
	json_free(st);
	close(dfd);
	if (r != 0) {
		free(u->chains);
		u->chains = NULL;
		u->nchains = 0;
	}
	if (r < 0)
		err_ctx(e, "container %s", name);
	return r;
}

/* The first container using image `id`, preferring a running one. */
static const struct image_user *
user_of(const struct image_rm_opts *o, const char *id)
{
	const struct image_user *found = NULL;
	size_t i;

	for (i = 0; i < o->nusers; i++) {
		if (strcmp(o->users[i].image, id) != 0)
			continue;
		if (o->users[i].running)
			return &o->users[i];
		if (!found)
			found = &o->users[i];
	}
	return found;
}

static void
report(const struct image_rm_opts *o, enum image_event ev, const char *what)
{
	if (o->report)
		o->report(o->ctx, ev, what);
}

/* ---- containers ---- */

int
image_users(const char *state, struct image_user **out, size_t *n,
    struct err *e)
{
	struct image_user *v = NULL, *nv;
	struct dirent *de;
	char path[PATH_MAX];
	size_t cnt = 0;
	DIR *d;
	int r, cdir;

	*out = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "%s/containers", state);
	cdir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cdir < 0)
		return errno == ENOENT ? 0 : err_sys(e, "%s", path);
	if (!(d = fdopendir(cdir))) {
		close(cdir);
		return err_sys(e, "%s", path);
	}
	while ((de = readdir(d))) {
		if (!valid_container(de->d_name))
			continue;
		if (cnt >= IMAGE_USERS_MAX) {
			err_set(e, ERR_LIMIT, "%s: more than %d containers",
			    path, IMAGE_USERS_MAX);
			goto fail;
		}
		if (!(nv = realloc(v, (cnt + 1) * sizeof(*v)))) {
			err_set(e, ENOMEM, "out of memory");
			goto fail;
		}
		v = nv;
		r = user_read(dirfd(d), de->d_name, &v[cnt], e);
		if (r < 0) {
			err_ctx(e, "%s", path);
			goto fail;
		}
		if (r == 0)
			cnt++;
	}
	closedir(d);
	*out = v;
	*n = cnt;
	return 0;
fail:
	closedir(d);
	image_users_free(v, cnt);
	return -1;
}

void
image_users_free(struct image_user *u, size_t n)
{
	size_t i;

	for (i = 0; u && i < n; i++)
		free(u[i].chains);
	free(u);
}

int
image_pinned(struct store *s, const struct image_user *u, size_t nu,
    char ***out, size_t *n, struct err *e)
{
	struct store_image img;
	struct err e2 = ERR_INIT;
	size_t i, j;

	*out = NULL;
	*n = 0;
	for (i = 0; i < nu; i++) {
		for (j = 0; j < u[i].nchains; j++)
			if (strv_add(out, n, u[i].chains[j], e) < 0)
				goto fail;
		if (store_image_get(s, u[i].image, &img, &e2) < 0) {
			if (e2.code == ERR_NOTFOUND)
				continue;
			*e = e2;
			goto fail;
		}
		for (j = 0; j < img.nlayers; j++)
			if (strv_add(out, n, img.layers[j].chain_id, e) < 0) {
				store_image_free(&img);
				goto fail;
			}
		store_image_free(&img);
	}
	return 0;
fail:
	image_strv_free(*out, *n);
	*out = NULL;
	*n = 0;
	return -1;
}

/* ---- find, tag ---- */

int
image_find(struct store *s, const char *name, struct store_image *img,
    char canon[REF_STR_MAX], int *is_ref, struct err *e)
{
	struct ref r;
	struct err pe = ERR_INIT;
	char c[REF_STR_MAX];

	memset(img, 0, sizeof(*img));
	if (!name || !*name)
		return err_set(e, ERR_USAGE, "empty image name");
	if (strncmp(name, "sha256:", 7) != 0 && ref_parse(&r, name, &pe) == 0) {
		ref_canonical(&r, c, sizeof(c));
		if (store_image_get(s, c, img, e) == 0) {
			if (canon)
				snprintf(canon, REF_STR_MAX, "%s", c);
			if (is_ref)
				*is_ref = 1;
			return 0;
		}
		if (e->code != ERR_NOTFOUND)
			return -1;
	}
	if (store_image_get(s, name, img, e) < 0) {
		if (e->code == ERR_NOTFOUND)
			err_set(e, ERR_NOTFOUND, "No such image: %s", name);
		return -1;
	}
	if (is_ref)
		*is_ref = 0;
	if (canon)
		canon[0] = '\0';
	return 0;
}

int
image_tag(struct store *s, const char *src, const char *dst, struct err *e)
{
	struct store_image img, put;
	struct ref r;
	char c[REF_STR_MAX], *tags[1];
	int ret;

	if (ref_parse(&r, dst, e) < 0)
		return err_ctx(e, "%.200s", dst);
	if (r.digest[0])
		return err_set(e, ERR_USAGE, "refusing to create a tag with a "
		    "digest reference");
	if (r.scheme[0])
		return err_set(e, ERR_USAGE, "%.200s: a tag cannot have a "
		    "scheme", dst);
	ref_canonical(&r, c, sizeof(c));
	if (image_find(s, src, &img, NULL, NULL, e) < 0)
		return -1;
	put = img;
	tags[0] = c;
	put.tags = tags;
	put.ntags = 1;
	put.digests = NULL;
	put.ndigests = 0;
	ret = store_image_put(s, &put, e);
	store_image_free(&img);
	return ret;
}

/* ---- remove, prune ---- */

/* At most one tag, and every reference in one repository (Docker's). */
static int
single_reference(const struct store_image *img)
{
	char first[REF_STR_MAX], r[REF_STR_MAX];
	size_t i, n = img->ntags + img->ndigests;

	if (n <= 1)
		return n == 1;
	if (img->ntags > 1)
		return 0;
	repo_of(img->ntags ? img->tags[0] : img->digests[0], first,
	    sizeof(first));
	for (i = 0; i < n; i++) {
		repo_of(i < img->ntags ? img->tags[i] :
		    img->digests[i - img->ntags], r, sizeof(r));
		if (strcmp(r, first) != 0)
			return 0;
	}
	return 1;
}

static int
untag(struct store *s, const char *ref, const struct image_rm_opts *o,
    struct err *e)
{
	if (store_ref_remove(s, ref, NULL, e) < 0)
		return -1;
	report(o, IMAGE_UNTAGGED, ref);
	return 0;
}

/* Untag every reference of `img`, then remove it. */
static int
delete_image(struct store *s, const struct store_image *img,
    const struct image_rm_opts *o, struct err *e)
{
	size_t i;

	for (i = 0; i < img->ntags; i++)
		if (untag(s, img->tags[i], o, e) < 0)
			return -1;
	for (i = 0; i < img->ndigests; i++)
		if (untag(s, img->digests[i], o, e) < 0)
			return -1;
	if (store_image_remove(s, img->id, e) < 0)
		return -1;
	report(o, IMAGE_DELETED, img->id);
	return 0;
}

/*
 * Delete `img` unless something conflicts. `quiet`: the user named a
 * reference that is now gone; an image left in use stays silently.
 */
static int
delete_helper(struct store *s, const struct store_image *img,
    const struct image_rm_opts *o, int quiet, struct err *e)
{
	const struct image_user *u = user_of(o, img->id);
	int refs = img->ntags + img->ndigests > 0;
	const char *why = NULL, *force = "must be forced";
	char msg[160];

	if (u && u->running) {
		force = "cannot be forced";
		snprintf(msg, sizeof(msg), "image is being used by running "
		    "container %.12s", u->container);
		why = msg;
	} else if (u && !o->force) {
		snprintf(msg, sizeof(msg), "image is being used by stopped "
		    "container %.12s", u->container);
		why = msg;
	} else if (refs && !o->force) {
		why = "image is referenced in multiple repositories";
	}
	if (why) {
		if (quiet && (refs || u))
			return 0;
		return err_set(e, ERR_USAGE, "conflict: unable to delete %.12s "
		    "(%s) - %s", img->id + 7, force, why);
	}
	return delete_image(s, img, o, e);
}

int
image_remove(struct store *s, const char *name,
    const struct image_rm_opts *o, struct err *e)
{
	struct store_image img;
	const struct image_user *u;
	char canon[REF_STR_MAX], repo[REF_STR_MAX], r[REF_STR_MAX];
	char id[STORE_DIGEST_MAX];
	size_t i;
	int is_ref, ret = -1, keep;

	if (image_find(s, name, &img, canon, &is_ref, e) < 0)
		return -1;
	memcpy(id, img.id, sizeof(id));
	if (!is_ref) {
		if (single_reference(&img)) {
			u = user_of(o, img.id);
			if (u && (u->running || !o->force)) {
				err_set(e, ERR_USAGE, "conflict: unable to "
				    "delete %.12s (%s) - image is being used "
				    "by %s container %.12s", img.id + 7,
				    u->running ? "cannot be forced" :
				    "must be forced", u->running ? "running" :
				    "stopped", u->container);
				goto out;
			}
			for (i = 0; i < img.ntags; i++)
				if (untag(s, img.tags[i], o, e) < 0)
					goto out;
			for (i = 0; i < img.ndigests; i++)
				if (untag(s, img.digests[i], o, e) < 0)
					goto out;
			store_image_free(&img);
			if (store_image_get(s, id, &img, e) < 0)
				goto out;
		}
		ret = delete_helper(s, &img, o, 0, e);
		goto out;
	}
	if (!o->force && single_reference(&img) && (u = user_of(o, img.id))) {
		err_set(e, ERR_USAGE, "conflict: unable to remove repository "
		    "reference \"%s\" (must force) - container %.12s is using "
		    "its referenced image %.12s", name, u->container,
		    img.id + 7);
		goto out;
	}
	if (untag(s, canon, o, e) < 0)
		goto out;
	store_image_free(&img);
	if (store_image_get(s, id, &img, e) < 0)
		goto out;
	if (!strchr(canon, '@')) {
		/* the repository's last tag: its digests go too */
		repo_of(canon, repo, sizeof(repo));
		for (keep = 0, i = 0; i < img.ntags && !keep; i++) {
			repo_of(img.tags[i], r, sizeof(r));
			keep = strcmp(r, repo) == 0;
		}
		for (i = 0; !keep && i < img.ndigests; i++) {
			repo_of(img.digests[i], r, sizeof(r));
			if (strcmp(r, repo) == 0 &&
			    untag(s, img.digests[i], o, e) < 0)
				goto out;
		}
		store_image_free(&img);
		if (store_image_get(s, id, &img, e) < 0)
			goto out;
	}
	ret = img.ntags + img.ndigests ? 0 : delete_helper(s, &img, o, 1, e);
out:
	store_image_free(&img);
	return ret;
}

int
image_prune(struct store *s, int all, const struct image_rm_opts *o,
    struct store_gc_stats *st, struct err *e)
{
	struct store_image *list = NULL;
	char **pinned = NULL;
	size_t i, n = 0, np = 0;
	int ret = -1;

	if (store_image_list(s, &list, &n, e) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (user_of(o, list[i].id))
			continue;
		if (!all && list[i].ntags + list[i].ndigests)
			continue;
		if (delete_image(s, &list[i], o, e) < 0)
			goto out;
	}
	if (image_pinned(s, o->users, o->nusers, &pinned, &np, e) < 0 ||
	    store_gc(s, (const char *const *)pinned, np, st, e) < 0)
		goto out;
	ret = 0;
out:
	image_strv_free(pinned, np);
	store_image_list_free(list, n);
	return ret;
}

/* ---- inspect ---- */

static void
write_str_member(struct json_writer *w, const char *key,
    const struct json_value *cfg, const char *field)
{
	const char *v = json_str(json_obj_get(cfg, field));

	json_writer_key(w, key);
	json_writer_string(w, v ? v : "");
}

static void
write_refs(struct json_writer *w, const char *key, char *const *v,
    size_t n)
{
	char fam[REF_STR_MAX];
	size_t i;

	json_writer_key(w, key);
	json_writer_begin_array(w);
	for (i = 0; i < n; i++) {
		familiar(v[i], fam, sizeof(fam));
		json_writer_string(w, fam);
	}
	json_writer_end_array(w);
}

static void
write_graphdriver(struct store *s, const struct store_image *img,
    const char *driver, struct json_writer *w)
{
	char path[PATH_MAX + 80], *lower = NULL, *p;
	size_t i, len = 0, cap = 0;

	json_writer_key(w, "GraphDriver");
	json_writer_begin_object(w);
	json_writer_key(w, "Data");
	if (!img->nlayers) {
		json_writer_null(w);
	} else {
		json_writer_begin_object(w);
		for (i = img->nlayers - 1; i-- > 0;) {
			snprintf(path, sizeof(path), "%s/layers/%s/diff",
			    s->root, img->layers[i].chain_id + 7);
			if (len + strlen(path) + 2 > cap) {
				cap = 2 * (len + strlen(path) + 2);
				if (!(p = realloc(lower, cap)))
					break;
				lower = p;
			}
			len += (size_t)sprintf(lower + len, "%s%s",
			    len ? ":" : "", path);
		}
		if (lower) {
			json_writer_key(w, "LowerDir");
			json_writer_string(w, lower);
		}
		snprintf(path, sizeof(path), "%s/layers/%s/diff", s->root,
		    img->layers[img->nlayers - 1].chain_id + 7);
		json_writer_key(w, "UpperDir");
		json_writer_string(w, path);
		json_writer_end_object(w);
	}
	json_writer_key(w, "Name");
	json_writer_string(w, driver ? driver : "");
	json_writer_end_object(w);
	free(lower);
}

int
image_inspect(struct store *s, const struct store_image *img,
    const char *driver, struct json_writer *w, struct err *e)
{
	struct json_value *cfg;
	const struct json_value *v;
	char *buf;
	size_t len, i;

	if (store_blob_read(s, img->id, MANIFEST_MAX_BYTES, &buf, &len,
	    e) < 0)
		return err_ctx(e, "image %s", img->id);
	cfg = json_parse(buf, len, NULL, e);
	free(buf);
	if (!cfg)
		return err_ctx(e, "image %s: config", img->id);
	json_writer_begin_object(w);
	json_writer_key(w, "Id");
	json_writer_string(w, img->id);
	write_refs(w, "RepoTags", img->tags, img->ntags);
	write_refs(w, "RepoDigests", img->digests, img->ndigests);
	json_writer_key(w, "Parent");
	json_writer_string(w, "");
	write_str_member(w, "Comment", cfg, "comment");
	json_writer_key(w, "Created");
	json_writer_string(w, img->created[0] ? img->created : zero_time);
	write_str_member(w, "DockerVersion", cfg, "docker_version");
	write_str_member(w, "Author", cfg, "author");
	json_writer_key(w, "Config");
	v = json_obj_get(cfg, "config");
	if (v)
		json_writer_value(w, v);
	else
		json_writer_null(w);
	json_writer_key(w, "Architecture");
	v = json_obj_get(cfg, "architecture");
	json_writer_string(w, json_str(v) ? json_str(v) : img->arch);
	v = json_obj_get(cfg, "variant");
	if (json_str(v) && *json_str(v)) {
		json_writer_key(w, "Variant");
		json_writer_string(w, json_str(v));
	}
	json_writer_key(w, "Os");
	v = json_obj_get(cfg, "os");
	json_writer_string(w, json_str(v) ? json_str(v) : img->os);
	v = json_obj_get(cfg, "os.version");
	if (json_str(v) && *json_str(v)) {
		json_writer_key(w, "OsVersion");
		json_writer_string(w, json_str(v));
	}
	json_writer_key(w, "Size");
	json_writer_int(w, img->size);
	write_graphdriver(s, img, driver, w);
	json_writer_key(w, "RootFS");
	json_writer_begin_object(w);
	json_writer_key(w, "Type");
	json_writer_string(w, "layers");
	json_writer_key(w, "Layers");
	json_writer_begin_array(w);
	for (i = 0; i < img->nlayers; i++)
		json_writer_string(w, img->layers[i].diff_id);
	json_writer_end_array(w);
	json_writer_end_object(w);
	json_writer_key(w, "Metadata");
	json_writer_begin_object(w);
	json_writer_key(w, "LastTagTime");
	json_writer_string(w, zero_time);
	json_writer_end_object(w);
	json_writer_end_object(w);
	json_free(cfg);
	return 0;
}

/* ---- rows of `docker images` ---- */

/* A reference of one image, split for grouping. */
struct rref {
	char repo[REF_STR_MAX];		/* familiar */
	char part[REF_STR_MAX];		/* tag or digest */
	int is_digest;
};

static int
rref_cmp(const void *a, const void *b)
{
	const struct rref *x = a, *y = b;
	int c = strcmp(x->repo, y->repo);

	if (c)
		return c;
	if (x->is_digest != y->is_digest)
		return x->is_digest - y->is_digest;
	return strcmp(x->part, y->part);
}

/* Does reference `ref` (canonical) match pattern `pat` as Docker does? */
static int
ref_match(const char *pat, const char *ref)
{
	char fam[REF_STR_MAX], name[REF_STR_MAX];
	struct ref r;
	struct err e = ERR_INIT;

	if (ref_parse(&r, ref, &e) < 0)
		return 0;
	ref_familiar(&r, fam, sizeof(fam));
	if (fnmatch(pat, fam, FNM_PATHNAME) == 0)
		return 1;
	r.tag[0] = r.digest[0] = '\0';
	ref_familiar(&r, name, sizeof(name));
	return fnmatch(pat, name, FNM_PATHNAME) == 0;
}

static int
keep_ref(const struct image_filter *f, const char *ref)
{
	size_t i;

	if (!f || !f->nrefs)
		return 1;
	for (i = 0; i < f->nrefs; i++)
		if (ref_match(f->refs[i], ref))
			return 1;
	return 0;
}

static int
row_add(struct image_row **rows, size_t *n, size_t *cap,
    const struct store_image *img, int64_t created, const char *repo,
    const char *tag, const char *digest, struct err *e)
{
	struct image_row *v, *r;

	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 16;

		if (!(v = realloc(*rows, c * sizeof(*v))))
			return err_set(e, ENOMEM, "out of memory");
		*rows = v;
		*cap = c;
	}
	r = &(*rows)[(*n)++];
	snprintf(r->repo, sizeof(r->repo), "%s", repo);
	snprintf(r->tag, sizeof(r->tag), "%s", tag);
	snprintf(r->digest, sizeof(r->digest), "%s", digest);
	r->img = img;
	r->created = created;
	return 0;
}

/* Newest first, then by id. */
static int
img_cmp(const void *a, const void *b)
{
	const struct store_image *const *x = a, *const *y = b;
	int64_t tx = -1, ty = -1;

	human_time_parse((*x)->created, &tx);
	human_time_parse((*y)->created, &ty);
	if (tx != ty)
		return tx > ty ? -1 : 1;
	return strcmp((*x)->id, (*y)->id);
}

/* The rows of one image. */
static int
image_rows_one(const struct store_image *img, int digests,
    const struct image_filter *f, struct image_row **rows, size_t *n,
    size_t *cap, struct err *e)
{
	struct rref *rr = NULL;
	struct ref r;
	struct err pe = ERR_INIT;
	size_t i, j, k, nr = 0, total = img->ntags + img->ndigests;
	int64_t created = -1;
	int has_tag, ret = -1;
	const char *ref;

	human_time_parse(img->created, &created);
	if (f && f->dangling >= 0 && (img->ntags == 0) != f->dangling)
		return 0;
	if (total && !(rr = calloc(total, sizeof(*rr))))
		return err_set(e, ENOMEM, "out of memory");
	for (i = 0; i < total; i++) {
		ref = i < img->ntags ? img->tags[i] :
		    img->digests[i - img->ntags];
		if (!keep_ref(f, ref) || ref_parse(&r, ref, &pe) < 0)
			continue;
		rr[nr].is_digest = i >= img->ntags;
		snprintf(rr[nr].part, sizeof(rr[nr].part), "%s",
		    rr[nr].is_digest ? r.digest : r.tag);
		r.tag[0] = r.digest[0] = '\0';
		ref_familiar(&r, rr[nr].repo, sizeof(rr[nr].repo));
		nr++;
	}
	if (nr == 0) {
		ret = (f && f->nrefs) ? 0 : row_add(rows, n, cap, img, created,
		    "<none>", "<none>", "<none>", e);
		free(rr);
		return ret;
	}
	qsort(rr, nr, sizeof(*rr), rref_cmp);
	for (i = 0; i < nr; i = j) {
		for (j = i; j < nr && strcmp(rr[j].repo, rr[i].repo) == 0; j++)
			;
		has_tag = !rr[i].is_digest;
		for (k = i; k < j && !rr[k].is_digest; k++) {
			size_t d, nd = 0;

			for (d = k; d < j; d++) {
				if (!rr[d].is_digest || !digests)
					continue;
				nd++;
				if (row_add(rows, n, cap, img, created,
				    rr[k].repo, rr[k].part, rr[d].part, e) < 0)
					goto out;
			}
			if (!nd && row_add(rows, n, cap, img, created,
			    rr[k].repo, rr[k].part, "<none>", e) < 0)
				goto out;
		}
		if (has_tag)
			continue;
		if (!digests) {
			if (row_add(rows, n, cap, img, created, rr[i].repo,
			    "<none>", "<none>", e) < 0)
				goto out;
			continue;
		}
		for (k = i; k < j; k++)
			if (row_add(rows, n, cap, img, created, rr[k].repo,
			    "<none>", rr[k].part, e) < 0)
				goto out;
	}
	ret = 0;
out:
	free(rr);
	return ret;
}

int
image_rows(const struct store_image *list, size_t n, int digests,
    const struct image_filter *f, struct image_row **rows, size_t *nrows,
    struct err *e)
{
	const struct store_image **order = NULL;
	size_t i, cap = 0;

	*rows = NULL;
	*nrows = 0;
	if (n && !(order = calloc(n, sizeof(*order))))
		return err_set(e, ENOMEM, "out of memory");
	for (i = 0; i < n; i++)
		order[i] = &list[i];
	if (n)
		qsort(order, n, sizeof(*order), img_cmp);
	for (i = 0; i < n; i++)
		if (image_rows_one(order[i], digests, f, rows, nrows, &cap,
		    e) < 0) {
			free(order);
			free(*rows);
			*rows = NULL;
			*nrows = 0;
			return -1;
		}
	free(order);
	return 0;
}

/* ---- import ---- */

/* Copy the (decompressed) tar from `fd` to the scratch, hashing it. */
static int
import_spool(struct store_scratch *sc, int fd, char diff[DIGEST_MAX],
    uint64_t *size, struct err *e)
{
	struct gzip *z;
	struct digestio d;
	struct reader r0, r1, r2;
	unsigned char dg[SHA256_LEN], *buf;
	char hex[SHA256_HEX_LEN + 1];
	ssize_t n;
	int out = -1, ret = -1;

	z = calloc(1, sizeof(*z));
	buf = malloc(COPY_BUF);
	if (!z || !buf) {
		err_set(e, ENOMEM, "out of memory");
		goto done;
	}
	io_fd_reader(&fd, &r0);
	if (gzip_init(z, &r0, GZIP_AUTO, &r1, e) < 0)
		goto done;
	digestio_init(&d, &r1, &r2);
	out = openat(sc->dirfd, spool_name, O_WRONLY | O_CREAT | O_EXCL |
	    O_CLOEXEC, 0600);
	if (out < 0) {
		err_sys(e, "spool");
		goto done;
	}
	while ((n = r2.read(r2.ctx, buf, COPY_BUF, e)) > 0)
		if (io_write_all(out, buf, (size_t)n, e) < 0)
			goto done;
	if (n < 0)
		goto done;
	if (close(out) < 0) {
		out = -1;
		err_sys(e, "spool");
		goto done;
	}
	out = -1;
	digestio_final(&d, dg);
	sha256_hex(dg, hex);
	snprintf(diff, DIGEST_MAX, "sha256:%s", hex);
	*size = d.bytes;
	ret = 0;
done:
	if (out >= 0)
		close(out);
	if (z)
		gzip_free(z);
	free(z);
	free(buf);
	if (ret < 0 && (e->code == ENOSPC || e->code == EDQUOT))
		err_ctx(e, "the store filesystem is full");
	return ret;
}

/* Extract the spooled tar into the layer transaction, checking its digest. */
static int
import_extract(struct store_scratch *sc, int dirfd, const char *diff,
    const struct image_import_opts *o, struct err *e)
{
	struct extract_opts xo;
	struct digestio d;
	struct reader r0, r1;
	int fd, ret;

	memset(&xo, 0, sizeof(xo));
	xo.mode = o->driver == STORE_DRIVER_COPY ? EXTRACT_KEEP :
	    EXTRACT_OVERLAY;
	xo.max_bytes = o->max_bytes;
	xo.max_entries = o->max_entries;
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

static char *
import_config(const struct image_import_opts *o, const char *diff,
    const struct platform *p, const char *created, size_t *len,
    struct err *e)
{
	struct json_writer w;
	char comment[PATH_MAX + 32];
	char *s;

	if (o->comment)
		snprintf(comment, sizeof(comment), "%s", o->comment);
	else
		snprintf(comment, sizeof(comment), "Imported from %s",
		    o->source ? o->source : "-");
	json_writer_init(&w, 0);
	json_writer_begin_object(&w);
	json_writer_key(&w, "architecture");
	json_writer_string(&w, p->arch);
	json_writer_key(&w, "comment");
	json_writer_string(&w, comment);
	json_writer_key(&w, "config");
	json_writer_begin_object(&w);
	json_writer_end_object(&w);
	json_writer_key(&w, "created");
	json_writer_string(&w, created);
	json_writer_key(&w, "history");
	json_writer_begin_array(&w);
	json_writer_begin_object(&w);
	json_writer_key(&w, "created");
	json_writer_string(&w, created);
	json_writer_key(&w, "comment");
	json_writer_string(&w, comment);
	json_writer_end_object(&w);
	json_writer_end_array(&w);
	json_writer_key(&w, "os");
	json_writer_string(&w, p->os);
	json_writer_key(&w, "rootfs");
	json_writer_begin_object(&w);
	json_writer_key(&w, "type");
	json_writer_string(&w, "layers");
	json_writer_key(&w, "diff_ids");
	json_writer_begin_array(&w);
	json_writer_string(&w, diff);
	json_writer_end_array(&w);
	json_writer_end_object(&w);
	if (p->variant[0]) {
		json_writer_key(&w, "variant");
		json_writer_string(&w, p->variant);
	}
	json_writer_end_object(&w);
	s = json_writer_finish(&w, len, e);
	json_writer_free(&w);
	return s;
}

int
image_import(struct store *s, int fd, const struct image_import_opts *o,
    char id[DIGEST_MAX], struct err *e)
{
	struct store_scratch sc;
	struct store_layer_tx tx;
	struct store_layer_meta meta;
	struct store_image img;
	struct store_image_layer layer;
	struct platform p;
	struct ref r;
	struct timespec ts;
	char tag[REF_STR_MAX], *tags[1];
	char *cfg = NULL;
	uint64_t size = 0;
	size_t len;
	int rc, ret = -1;

	memset(&sc, 0, sizeof(sc));
	memset(&tx, 0, sizeof(tx));
	memset(&img, 0, sizeof(img));
	memset(&layer, 0, sizeof(layer));
	if (o->tag) {
		if (ref_parse(&r, o->tag, e) < 0)
			return err_ctx(e, "%.200s", o->tag);
		if (r.digest[0] || r.scheme[0])
			return err_set(e, ERR_USAGE, "%.200s: not a "
			    "repository[:tag] reference", o->tag);
		ref_canonical(&r, tag, sizeof(tag));
	}
	if (o->platform)
		p = *o->platform;
	else
		platform_host(&p);
	if (store_scratch_create(s, &sc, e) < 0 ||
	    import_spool(&sc, fd, layer.diff_id, &size, e) < 0)
		goto out;
	memcpy(layer.chain_id, layer.diff_id, sizeof(layer.chain_id));
	rc = store_layer_begin(s, layer.chain_id, &tx, e);
	if (rc < 0)
		goto out;
	if (rc == 0) {
		if (import_extract(&sc, tx.dirfd, layer.diff_id, o,
		    e) < 0)
			goto out;
		memset(&meta, 0, sizeof(meta));
		memcpy(meta.diff_id, layer.diff_id, sizeof(meta.diff_id));
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
	if (!(cfg = import_config(o, layer.diff_id, &p, img.created, &len,
	    e)))
		goto out;
	sha_digest(NULL, cfg, len, img.id);
	if (store_blob_put(s, img.id, cfg, len, e) < 0 ||
	    (tx.active && store_layer_commit(s, &tx, &meta, e) < 0))
		goto out;
	img.layers = &layer;
	img.nlayers = 1;
	img.size = (int64_t)size;
	if (o->tag) {
		tags[0] = tag;
		img.tags = tags;
		img.ntags = 1;
	}
	snprintf(img.os, sizeof(img.os), "%s", p.os);
	snprintf(img.arch, sizeof(img.arch), "%s", p.arch);
	snprintf(img.variant, sizeof(img.variant), "%s", p.variant);
	if (store_image_put(s, &img, e) < 0)
		goto out;
	memcpy(id, img.id, DIGEST_MAX);
	ret = 0;
out:
	store_layer_abort(s, &tx);
	store_scratch_remove(s, &sc);
	free(cfg);
	if (ret < 0)
		err_ctx(e, "import");
	return ret;
}

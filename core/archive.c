/* archive.c - image archives: read once, plan, extract image by image; write
 *
 * Load: one pass over the tar keeps small members in memory and copies
 * the rest into a store scratch directory (or remembers their offsets in
 * an uncompressed archive file), hashing everything; loadplan.c reads the
 * metadata; then each image's missing layers are extracted into store
 * layer transactions, all verified before any is committed.
 *
 * Save: every layer is archived twice by tarw_tree(), once into a hashing
 * sink (digest and size for the member header), once into the output.
 */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"
#include "digestio.h"
#include "extract.h"
#include "gzip.h"
#include "io.h"
#include "json.h"
#include "loadplan.h"
#include "log.h"
#include "ref.h"
#include "sha256.h"
#include "tar.h"
#include "tarwrite.h"

enum {
	MEMBER_MEM = 1,		/* data in memory */
	MEMBER_SPOOL,		/* copied to scratch/<spool> */
	MEMBER_FILE,		/* at `off` in the (uncompressed) archive */
	MEMBER_ALIAS,		/* a link to `target` */
	SNIFF = 512,		/* bytes looked at to spot JSON */
	COPY_BUF = 256 << 10,
	ALIAS_HOPS = 16,
	DRAIN_MAX = 16 << 20,	/* bytes accepted after the archive's end */
};

static const char mt_layer_tar[] = "application/vnd.oci.image.layer.v1.tar";

struct member {
	char *name;		/* cleaned */
	size_t order;		/* position in the archive */
	int kind;
	char *data;		/* MEMBER_MEM, NUL-terminated */
	uint64_t size;
	uint64_t off;		/* MEMBER_FILE: offset in the archive fd */
	unsigned spool;		/* MEMBER_SPOOL: scratch file number */
	char *target;		/* MEMBER_ALIAS: cleaned member name */
	char hex[SHA256_HEX_LEN + 1];	/* SHA-256 of the data */
};

struct loader {
	struct store *s;
	const struct archive_load_opts *o;
	int fd;			/* the archive */
	int direct;		/* an uncompressed regular file: no spool */
	off_t base;		/* its offset when we started */
	struct store_scratch sc;
	struct member *m;
	size_t n, cap;
	size_t membytes;	/* held in memory */
	unsigned nspool;
	unsigned char *buf;	/* COPY_BUF */
	struct gzip *gz;	/* reused for every layer */
};

/* A reader over one member's data. */
struct mreader {
	struct io_mem mem;
	int fd;
	int own;		/* fd is ours to close */
	uint64_t off, left;	/* MEMBER_FILE */
};

/* ---- reading the archive ---- */

static int
looks_json(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' ||
		    p[i] == '\r')
			continue;
		return p[i] == '{' || p[i] == '[';
	}
	return 0;
}

/* tar_read() until `want` bytes or the end of the entry's data. */
static int
read_some(struct tar *t, unsigned char *buf, size_t want, size_t *got,
    struct err *e)
{
	ssize_t r;

	*got = 0;
	while (*got < want) {
		r = tar_read(t, buf + *got, want - *got, e);
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return 0;
}

static int
mem_reserve(struct loader *ld, uint64_t size, struct err *e)
{
	if (size + 1 > ARCHIVE_MEM_MAX - ld->membytes)
		return err_set(e, ERR_LIMIT, "the archive's documents exceed "
		    "%d MiB", ARCHIVE_MEM_MAX >> 20);
	ld->membytes += (size_t)size + 1;
	return 0;
}

static struct member *
member_new(struct loader *ld, const char *name, struct err *e)
{
	struct member *v;

	if (ld->n >= ARCHIVE_MEMBERS_MAX) {
		err_set(e, ERR_LIMIT, "more than %d members",
		    ARCHIVE_MEMBERS_MAX);
		return NULL;
	}
	if (ld->n == ld->cap) {
		size_t cap = ld->cap ? 2 * ld->cap : 64;

		if (!(v = realloc(ld->m, cap * sizeof(*v)))) {
			err_set(e, ENOMEM, "out of memory");
			return NULL;
		}
		ld->m = v;
		ld->cap = cap;
	}
	/* names count against the memory cap too */
	if (mem_reserve(ld, strlen(name) + sizeof(*v), e) < 0)
		return NULL;
	v = &ld->m[ld->n];
	memset(v, 0, sizeof(*v));
	if (!(v->name = strdup(name))) {
		err_set(e, ENOMEM, "out of memory");
		return NULL;
	}
	v->order = ld->n++;
	return v;
}

/* Read a regular member's data: into memory, the spool, or just hash it. */
static int
member_data(struct loader *ld, struct tar *t, struct member *m,
    uint64_t data_off, struct err *e)
{
	struct sha256 sha;
	unsigned char dg[SHA256_LEN];
	char fname[16];
	size_t head, got;
	uint64_t left;
	int fd = -1;

	sha256_init(&sha);
	if (read_some(t, ld->buf, m->size < SNIFF ? m->size : SNIFF, &head,
	    e) < 0)
		return -1;
	sha256_update(&sha, ld->buf, head);
	left = m->size - head;
	if (m->size <= ARCHIVE_SMALL || (m->size <= MANIFEST_MAX_BYTES &&
	    looks_json(ld->buf, head))) {
		m->kind = MEMBER_MEM;
		if (mem_reserve(ld, m->size, e) < 0)
			return -1;
		if (!(m->data = malloc(m->size + 1)))
			return err_set(e, ENOMEM, "out of memory");
		memcpy(m->data, ld->buf, head);
		if (read_some(t, (unsigned char *)m->data + head, left, &got,
		    e) < 0)
			return -1;
		if (got != left)
			return err_set(e, ERR_PARSE, "member data ends early");
		sha256_update(&sha, m->data + head, got);
		m->data[m->size] = '\0';
		goto done;
	}
	if (ld->direct) {
		m->kind = MEMBER_FILE;
		m->off = (uint64_t)ld->base + data_off;
	} else {
		m->kind = MEMBER_SPOOL;
		m->spool = ld->nspool++;
		snprintf(fname, sizeof(fname), "%u", m->spool);
		fd = openat(ld->sc.dirfd, fname, O_WRONLY | O_CREAT | O_EXCL |
		    O_CLOEXEC, 0600);
		if (fd < 0)
			return err_sys(e, "spool to %s/%s", ld->sc.path, fname);
		if (io_write_all(fd, ld->buf, head, e) < 0)
			goto fail;
	}
	while (left) {
		if (read_some(t, ld->buf, left < COPY_BUF ? left : COPY_BUF,
		    &got, e) < 0)
			goto fail;
		if (got == 0)
			break;
		sha256_update(&sha, ld->buf, got);
		if (fd >= 0 && io_write_all(fd, ld->buf, got, e) < 0)
			goto fail;
		left -= got;
	}
	if (left) {
		err_set(e, ERR_PARSE, "member data ends early");
		goto fail;
	}
	if (fd >= 0 && close(fd) < 0) {
		fd = -1;
		err_sys(e, "spool");
		goto fail;
	}
done:
	sha256_final(&sha, dg);
	sha256_hex(dg, m->hex);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	if (e->code == ENOSPC || e->code == EDQUOT)
		err_ctx(e, "spooling in %s/%s (the store filesystem is full)",
		    ld->s->root, ld->sc.path);
	return -1;
}

/* The member a link entry points at, cleaned. */
static int
link_target(const char *name, const struct tar_entry *ent, char *out,
    size_t size)
{
	char buf[2 * TAR_PATH_MAX + 2];
	const char *slash = strrchr(name, '/');

	if (ent->type == TAR_SYMLINK && ent->linkpath[0] != '/' && slash)
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)(slash - name),
		    name, ent->linkpath);
	else
		snprintf(buf, sizeof(buf), "%s", ent->linkpath);
	return loadplan_clean(buf, out, size);
}

static int
mcmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Read every member of the archive (one pass). */
static int
read_archive(struct loader *ld, struct err *e)
{
	struct tar t;
	struct tar_entry ent;
	struct reader fdr, gzr, *src = &fdr;
	struct member *m;
	struct stat st;
	unsigned char head[GZIP_SNIFF_LEN];
	char name[LOADPLAN_NAME_MAX], target[LOADPLAN_NAME_MAX];
	uint64_t data_off;
	ssize_t hn;
	int r, ret = -1;

	memset(&t, 0, sizeof(t));
	io_fd_reader(&ld->fd, &fdr);
	if (fstat(ld->fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (ld->base = lseek(ld->fd, 0, SEEK_CUR)) >= 0) {
		hn = pread(ld->fd, head, sizeof(head), ld->base);
		if (hn < 0)
			return err_sys(e, "read");
		r = gzip_detect(head, (size_t)hn, e);
		if (r < 0)
			return err_ctx(e, "archive: only tar and gzip-"
			    "compressed tar can be loaded");
		ld->direct = r == GZIP_FORMAT_PLAIN;
	}
	if (!ld->direct) {
		if (gzip_init(ld->gz, &fdr, GZIP_AUTO, &gzr, e) < 0)
			return -1;
		src = &gzr;
	}
	tar_init(&t, src);
	for (;;) {
		r = tar_next(&t, &ent, e);
		if (r < 0)
			goto out;
		if (r == 0)
			break;
		if (ent.type == TAR_DIR)
			continue;
		if (loadplan_clean(ent.path, name, sizeof(name)) < 0) {
			err_set(e, ERR_PARSE, "member \"%.200s\": name outside "
			    "the archive", ent.path);
			goto out;
		}
		if (ent.type != TAR_REG && ent.type != TAR_SYMLINK &&
		    ent.type != TAR_LINK)
			continue;
		data_off = t.offset;
		if (!(m = member_new(ld, name, e)))
			goto out;
		if (ent.type == TAR_REG) {
			m->size = ent.size;
			if (member_data(ld, &t, m, data_off, e) < 0) {
				err_ctx(e, "member %.200s", name);
				goto out;
			}
			continue;
		}
		m->kind = MEMBER_ALIAS;
		if (link_target(name, &ent, target, sizeof(target)) < 0) {
			err_set(e, ERR_PARSE, "member \"%.200s\": link to "
			    "\"%.200s\" outside the archive", name,
			    ent.linkpath);
			goto out;
		}
		if (!(m->target = strdup(target))) {
			err_set(e, ENOMEM, "out of memory");
			goto out;
		}
	}
	if (tar_drain(&t, DRAIN_MAX, NULL, e) < 0)
		goto out;
	if (ld->n)
		qsort(ld->m, ld->n, sizeof(*ld->m), mcmp);
	ret = 0;
out:
	tar_free(&t);
	if (!ld->direct)
		gzip_free(ld->gz);
	if (ret < 0)
		err_ctx(e, "archive");
	return ret;
}

/* The last member named `name`, links followed; NULL if none. */
static struct member *
lookup(struct loader *ld, const char *name)
{
	size_t lo, hi, mid, hops;
	int c;

	for (hops = 0; hops <= ALIAS_HOPS; hops++) {
		lo = 0;
		hi = ld->n;
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			c = strcmp(ld->m[mid].name, name);
			if (c <= 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == 0 || strcmp(ld->m[lo - 1].name, name) != 0)
			return NULL;
		if (ld->m[lo - 1].kind != MEMBER_ALIAS)
			return &ld->m[lo - 1];
		name = ld->m[lo - 1].target;
	}
	return NULL;
}

static ssize_t
file_read(void *ctx, void *buf, size_t len, struct err *e)
{
	struct mreader *r = ctx;
	ssize_t n;

	if (r->left == 0)
		return 0;
	if (len > r->left)
		len = (size_t)r->left;
	do
		n = pread(r->fd, buf, len, (off_t)r->off);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_sys(e, "read");
	if (n == 0)
		return err_set(e, ERR_PARSE, "the archive file shrank");
	r->off += (uint64_t)n;
	r->left -= (uint64_t)n;
	return n;
}

static int
mreader_open(struct loader *ld, const struct member *m, struct mreader *mr,
    struct reader *r, struct err *e)
{
	char fname[16];

	memset(mr, 0, sizeof(*mr));
	mr->fd = -1;
	switch (m->kind) {
	case MEMBER_MEM:
		io_mem_reader(&mr->mem, m->data, (size_t)m->size, r);
		return 0;
	case MEMBER_SPOOL:
		snprintf(fname, sizeof(fname), "%u", m->spool);
		mr->fd = openat(ld->sc.dirfd, fname, O_RDONLY | O_CLOEXEC);
		if (mr->fd < 0)
			return err_sys(e, "open %s/%s", ld->sc.path, fname);
		mr->own = 1;
		io_fd_reader(&mr->fd, r);
		return 0;
	default:
		mr->fd = ld->fd;
		mr->off = m->off;
		mr->left = m->size;
		r->read = file_read;
		r->ctx = mr;
		return 0;
	}
}

static void
mreader_close(struct mreader *mr)
{
	if (mr->own && mr->fd >= 0)
		close(mr->fd);
	mr->fd = -1;
}

/* loadplan_source.get: documents, read into memory on demand. */
static int
plan_get(void *ctx, const char *name, const char **buf, size_t *len,
    struct err *e)
{
	struct loader *ld = ctx;
	struct member *m = lookup(ld, name);
	struct mreader mr;
	struct reader r;
	char *data;

	if (!m)
		return 0;
	if (m->kind != MEMBER_MEM) {
		if (m->size > MANIFEST_MAX_BYTES)
			return err_set(e, ERR_LIMIT, "larger than %d bytes",
			    MANIFEST_MAX_BYTES);
		if (mem_reserve(ld, m->size, e) < 0)
			return -1;
		if (!(data = malloc(m->size + 1)))
			return err_set(e, ENOMEM, "out of memory");
		if (mreader_open(ld, m, &mr, &r, e) < 0 ||
		    io_read_full(&r, data, (size_t)m->size, e) < 0) {
			mreader_close(&mr);
			free(data);
			return -1;
		}
		mreader_close(&mr);
		data[m->size] = '\0';
		m->data = data;
		m->kind = MEMBER_MEM;
	}
	*buf = m->data;
	*len = (size_t)m->size;
	return 1;
}

static void
loader_free(struct loader *ld)
{
	size_t i;

	for (i = 0; i < ld->n; i++) {
		free(ld->m[i].name);
		free(ld->m[i].data);
		free(ld->m[i].target);
	}
	free(ld->m);
	free(ld->buf);
	free(ld->gz);
	store_scratch_remove(ld->s, &ld->sc);
}

/* ---- storing one image ---- */

/* Extract layer `l` into `dirfd`, checking its digests; fill `meta`. */
static int
extract_layer(struct loader *ld, const struct loadplan_layer *l,
    const struct member *m, int dirfd, struct store_layer_meta *meta,
    struct err *e)
{
	struct extract_opts xo;
	struct digestio raw, diff;
	struct mreader mr;
	struct reader r0, r1, r2, r3;
	int ret = -1, gz = 0;

	memset(&xo, 0, sizeof(xo));
	xo.mode = ld->o->driver == STORE_DRIVER_COPY ? EXTRACT_KEEP :
	    EXTRACT_OVERLAY;
	xo.max_bytes = ld->o->max_bytes;
	xo.max_entries = ld->o->max_entries;
	if (mreader_open(ld, m, &mr, &r0, e) < 0)
		return -1;
	digestio_init(&raw, &r0, &r1);
	if (gzip_init(ld->gz, &r1, GZIP_AUTO, &r2, e) < 0)
		goto out;
	gz = 1;
	digestio_init(&diff, &r2, &r3);
	if (extract_tar(dirfd, &r3, &xo, NULL, e) < 0)
		goto out;
	if (digestio_verify(&diff, l->diff_id, e) < 0) {
		err_ctx(e, "diff_id");
		goto out;
	}
	if (l->digest[0] && digestio_verify(&raw, l->digest, e) < 0) {
		err_ctx(e, "blob");
		goto out;
	}
	if (l->size >= 0 && raw.bytes != (uint64_t)l->size) {
		err_set(e, ERR_DIGEST, "blob size %llu, the manifest says "
		    "%lld", (unsigned long long)raw.bytes,
		    (long long)l->size);
		goto out;
	}
	memset(meta, 0, sizeof(*meta));
	memcpy(meta->diff_id, l->diff_id, sizeof(meta->diff_id));
	meta->size = (int64_t)diff.bytes;
	meta->compressed_size = -1;
	if (ld->gz->format == GZIP_FORMAT_GZIP) {
		snprintf(meta->digest, sizeof(meta->digest), "sha256:%s",
		    m->hex);
		meta->compressed_size = (int64_t)raw.bytes;
	}
	snprintf(meta->media_type, sizeof(meta->media_type), "%s",
	    l->media_type);
	snprintf(meta->whiteouts, sizeof(meta->whiteouts), "%s",
	    ld->o->driver == STORE_DRIVER_COPY ? "aufs" : "overlay");
	ret = 0;
out:
	if (gz)
		gzip_free(ld->gz);
	mreader_close(&mr);
	return ret;
}

/* Check a layer's member before extracting anything. */
static int
layer_member(struct loader *ld, const struct loadplan_layer *l,
    const struct member **out, struct err *e)
{
	const struct member *m = lookup(ld, l->member);

	if (!m)
		return err_set(e, ERR_NOTFOUND, "not in the archive");
	if (l->digest[0] && strncmp(l->digest, "sha256:", 7) != 0)
		return err_set(e, ERR_PARSE, "%.7s digests are not supported "
		    "for layers", l->digest);
	if (l->digest[0] && strcmp(l->digest + 7, m->hex) != 0)
		return err_set(e, ERR_DIGEST, "digest mismatch: expected %s, "
		    "got sha256:%s", l->digest, m->hex);
	if (l->size >= 0 && m->size != (uint64_t)l->size)
		return err_set(e, ERR_DIGEST, "size %llu, the manifest says "
		    "%lld", (unsigned long long)m->size, (long long)l->size);
	*out = m;
	return 0;
}

static void
report_moved(struct loader *ld, const struct loadplan_image *im)
{
	struct store_image old;
	struct err e = ERR_INIT;
	size_t i;

	if (!ld->o->moved)
		return;
	for (i = 0; i < im->ntags; i++) {
		if (store_image_get(ld->s, im->tags[i], &old, &e) < 0)
			continue;
		if (strcmp(old.id, im->id) != 0)
			ld->o->moved(ld->o->ctx, im->tags[i], old.id);
		store_image_free(&old);
	}
}

static int
load_image(struct loader *ld, const struct loadplan_image *im,
    struct err *e)
{
	struct store_layer_tx *tx = NULL;
	struct store_layer_meta *meta = NULL, got;
	struct store_image_layer *layers = NULL;
	struct store_image img;
	const struct member *m;
	size_t i, n = im->nlayers;
	int r, ret = -1;

	memset(&img, 0, sizeof(img));
	if (n && (!(tx = calloc(n, sizeof(*tx))) ||
	    !(meta = calloc(n, sizeof(*meta))) ||
	    !(layers = calloc(n, sizeof(*layers))))) {
		err_set(e, ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		memcpy(layers[i].diff_id, im->layers[i].diff_id, DIGEST_MAX);
		if (store_chain_id(i ? layers[i - 1].chain_id : NULL,
		    layers[i].diff_id, layers[i].chain_id, e) < 0 ||
		    layer_member(ld, &im->layers[i], &m, e) < 0) {
			err_ctx(e, "layer %zu (%.200s)", i,
			    im->layers[i].member);
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		r = store_layer_begin(ld->s, layers[i].chain_id, &tx[i], e);
		if (r < 0)
			goto out;
		if (r == 1) {
			if (store_layer_get(ld->s, layers[i].chain_id, &got,
			    e) < 0)
				goto out;
			img.size += got.size > 0 ? got.size : 0;
			continue;
		}
		m = lookup(ld, im->layers[i].member);
		if (extract_layer(ld, &im->layers[i], m, tx[i].dirfd, &meta[i],
		    e) < 0) {
			err_ctx(e, "layer %zu (%.200s)", i,
			    im->layers[i].member);
			goto out;
		}
		if (i)
			memcpy(meta[i].parent, layers[i - 1].chain_id,
			    DIGEST_MAX);
		img.size += meta[i].size;
	}
	if (store_blob_put(ld->s, im->id, im->config, im->config_len, e) < 0)
		goto out;
	for (i = 0; i < n; i++)
		if (tx[i].active && store_layer_commit(ld->s, &tx[i], &meta[i],
		    e) < 0)
			goto out;
	memcpy(img.id, im->id, sizeof(img.id));
	img.tags = im->tags;
	img.ntags = im->ntags;
	img.layers = layers;
	img.nlayers = n;
	snprintf(img.created, sizeof(img.created), "%s", im->created);
	snprintf(img.os, sizeof(img.os), "%s", im->platform.os);
	snprintf(img.arch, sizeof(img.arch), "%s", im->platform.arch);
	snprintf(img.variant, sizeof(img.variant), "%s",
	    im->platform.variant);
	report_moved(ld, im);
	if (store_image_put(ld->s, &img, e) < 0)
		goto out;
	if (ld->o->loaded)
		ld->o->loaded(ld->o->ctx, im->id, im->tags, im->ntags);
	ret = 0;
out:
	for (i = 0; tx && i < n; i++)
		store_layer_abort(ld->s, &tx[i]);
	free(tx);
	free(meta);
	free(layers);
	if (ret < 0)
		err_ctx(e, "image %.19s", im->id);
	return ret;
}

int
archive_load(struct store *s, int fd, const struct archive_load_opts *o,
    struct err *e)
{
	struct loader ld;
	struct loadplan plan;
	struct loadplan_source src;
	size_t i;
	int ret = -1;

	memset(&ld, 0, sizeof(ld));
	memset(&plan, 0, sizeof(plan));
	ld.sc.dirfd = ld.sc.lockfd = -1;
	ld.s = s;
	ld.o = o;
	ld.fd = fd;
	if (!(ld.buf = malloc(COPY_BUF)) ||
	    !(ld.gz = calloc(1, sizeof(*ld.gz)))) {
		err_set(e, ENOMEM, "out of memory");
		goto out;
	}
	if (store_scratch_create(s, &ld.sc, e) < 0 ||
	    read_archive(&ld, e) < 0)
		goto out;
	src.get = plan_get;
	src.ctx = &ld;
	if (loadplan_build(&src, o->platform, &plan, e) < 0)
		goto out;
	if (plan.n == 0) {
		err_set(e, ERR_PARSE, "the archive holds no image");
		goto out;
	}
	for (i = 0; i < plan.n; i++)
		if (load_image(&ld, &plan.images[i], e) < 0)
			goto out;
	ret = (int)plan.n;
out:
	loadplan_free(&plan);
	loader_free(&ld);
	return ret;
}

/* ---- save ---- */

/* An image to write: its store record and what the archive gets. */
struct save_img {
	char id[DIGEST_MAX];
	char **tags;			/* canonical */
	size_t ntags;
	struct store_image rec;
	char *config;			/* as stored */
	size_t config_len;
	char *out;			/* the config written (may be config) */
	size_t out_len;
	char out_id[DIGEST_MAX];
	char *manifest;
	size_t manifest_len;
	char mdigest[DIGEST_MAX];
	size_t *lay;			/* index into saver.lay per layer */
};

struct save_layer {
	char chain[DIGEST_MAX];
	char hex[SHA256_HEX_LEN + 1];	/* of the tar written */
	uint64_t size;
	unsigned flags;			/* TARW_OVERLAY or 0 */
};

/* A blob member of the output, sorted by hex. */
struct save_blob {
	const char *hex;
	const char *data;		/* NULL: layer `layer` */
	size_t len;
	size_t layer;
};

struct saver {
	struct store *s;
	struct save_img *img;
	size_t nimg;
	struct save_layer *lay;
	size_t nlay;
};

/* Hashes (and counts) what flows into it, then passes it to `out`. */
struct hsink {
	struct sha256 sha;
	uint64_t n;
	struct tarw *out;
};

static int
hsink_write(void *ctx, const void *buf, size_t len, struct err *e)
{
	struct hsink *h = ctx;

	sha256_update(&h->sha, buf, len);
	h->n += len;
	return h->out ? tarw_write(h->out, buf, len, e) : 0;
}

static int
fd_write(void *ctx, const void *buf, size_t len, struct err *e)
{
	return io_write_all(*(int *)ctx, buf, len, e);
}

static void
digest_hex(struct sha256 *sha, char hex[SHA256_HEX_LEN + 1])
{
	unsigned char dg[SHA256_LEN];

	sha256_final(sha, dg);
	sha256_hex(dg, hex);
}

/* Archive layer `l` into `out` (NULL: nowhere); its digest into hex. */
static int
layer_tar(struct saver *sv, const struct save_layer *l, struct tarw *out,
    char hex[SHA256_HEX_LEN + 1], uint64_t *size, struct err *e)
{
	struct tarw *w;
	struct tarw_sink sink;
	struct hsink h;
	int fd, r = -1;

	if ((fd = store_layer_open(sv->s, l->chain, e)) < 0)
		return -1;
	if (!(w = malloc(sizeof(*w)))) {
		close(fd);
		return err_set(e, ENOMEM, "out of memory");
	}
	memset(&h, 0, sizeof(h));
	sha256_init(&h.sha);
	h.out = out;
	sink.write = hsink_write;
	sink.ctx = &h;
	tarw_init(w, &sink);
	if (tarw_tree(w, fd, l->flags, NULL, e) < 0 || tarw_close(w, e) < 0)
		goto out;
	digest_hex(&h.sha, hex);
	*size = h.n;
	r = 0;
out:
	tarw_free(w);
	free(w);
	close(fd);
	if (r < 0)
		err_ctx(e, "layer %s", l->chain);
	return r;
}

static int
save_tags_add(struct save_img *im, const char *tag, struct err *e)
{
	char **v;
	size_t i;

	for (i = 0; i < im->ntags; i++)
		if (strcmp(im->tags[i], tag) == 0)
			return 0;
	if (!(v = realloc(im->tags, (im->ntags + 1) * sizeof(*v))))
		return err_set(e, ENOMEM, "out of memory");
	im->tags = v;
	if (!(v[im->ntags] = strdup(tag)))
		return err_set(e, ENOMEM, "out of memory");
	im->ntags++;
	return 0;
}

/* Add image `id` (and `tag`, may be NULL) to the images to save. */
static int
save_add(struct saver *sv, const char *id, const char *tag, struct err *e)
{
	struct save_img *v;
	size_t i;

	for (i = 0; i < sv->nimg && strcmp(sv->img[i].id, id) != 0; i++)
		;
	if (i == sv->nimg) {
		if (!(v = realloc(sv->img, (sv->nimg + 1) * sizeof(*v))))
			return err_set(e, ENOMEM, "out of memory");
		sv->img = v;
		memset(&v[i], 0, sizeof(v[i]));
		snprintf(v[i].id, sizeof(v[i].id), "%s", id);
		sv->nimg++;
	}
	return tag ? save_tags_add(&sv->img[i], tag, e) : 0;
}

/* Does `s` name a repository without a tag or digest ("busybox")? */
static int
name_only(const char *s)
{
	const char *slash = strrchr(s, '/');

	return !strchr(s, '@') && !strchr(slash ? slash : s, ':');
}

/* Resolve one user-given name as `docker save` does. */
static int
save_resolve(struct saver *sv, const char *name, struct err *e)
{
	struct store_image img, *list = NULL;
	struct ref r;
	char canon[REF_STR_MAX], repo[REF_STR_MAX];
	size_t i, j, n = 0, rl, found = 0;
	int ret = -1;

	memset(&img, 0, sizeof(img));
	if (ref_parse(&r, name, e) < 0 || strncmp(name, "sha256:", 7) == 0) {
		/* an id or id prefix */
		if (store_image_get(sv->s, name, &img, e) < 0)
			return -1;
		ret = save_add(sv, img.id, NULL, e);
		store_image_free(&img);
		return ret;
	}
	ref_canonical(&r, canon, sizeof(canon));
	if (!name_only(name)) {
		if (store_image_get(sv->s, canon, &img, e) < 0) {
			if (e->code == ERR_NOTFOUND)
				err_set(e, ERR_NOTFOUND, "no such image: %s",
				    name);
			return -1;
		}
		ret = save_add(sv, img.id, r.digest[0] ? NULL : canon, e);
		store_image_free(&img);
		return ret;
	}
	rl = ref_name(&r, repo, sizeof(repo));
	if (store_image_list(sv->s, &list, &n, e) < 0)
		return -1;
	for (i = 0; i < n; i++)
		for (j = 0; j < list[i].ntags; j++) {
			if (strncmp(list[i].tags[j], repo, rl) != 0 ||
			    list[i].tags[j][rl] != ':')
				continue;
			if (save_add(sv, list[i].id, list[i].tags[j], e) < 0)
				goto out;
			found++;
		}
	if (!found) {
		/* maybe an id prefix that reads as a name ("abc123") */
		if (store_image_get(sv->s, name, &img, e) < 0) {
			if (e->code == ERR_NOTFOUND)
				err_set(e, ERR_NOTFOUND, "no such image: %s",
				    name);
			goto out;
		}
		if (save_add(sv, img.id, NULL, e) < 0)
			goto out;
	}
	ret = 0;
out:
	store_image_free(&img);
	store_image_list_free(list, n);
	return ret;
}

/* The config with rootfs.diff_ids replaced by the layers' new digests. */
static int
config_rewrite(struct saver *sv, struct save_img *im, struct err *e)
{
	struct json_value *root;
	struct json_writer w;
	const char *key;
	size_t i, k, changed = 0;
	char d[DIGEST_MAX];

	for (i = 0; i < im->rec.nlayers; i++) {
		snprintf(d, sizeof(d), "sha256:%s", sv->lay[im->lay[i]].hex);
		changed += strcmp(d, im->rec.layers[i].diff_id) != 0;
	}
	if (!changed) {
		im->out = im->config;
		im->out_len = im->config_len;
		return 0;
	}
	if (!(root = json_parse(im->config, im->config_len, NULL, e)))
		return err_ctx(e, "config %s", im->id);
	if (json_type(root) != JSON_OBJECT) {
		json_free(root);
		return err_set(e, ERR_PARSE, "config %s: not an object",
		    im->id);
	}
	json_writer_init(&w, 0);
	json_writer_begin_object(&w);
	for (k = 0; k < json_len(root); k++) {
		key = json_str(json_key_at(root, k));
		if (!key || strcmp(key, "rootfs") != 0) {
			json_writer_keyn(&w, json_strn(json_key_at(root, k),
			    NULL), json_str_len(json_key_at(root, k)));
			json_writer_value(&w, json_val_at(root, k));
			continue;
		}
		json_writer_key(&w, "rootfs");
		json_writer_begin_object(&w);
		json_writer_key(&w, "type");
		json_writer_string(&w, "layers");
		json_writer_key(&w, "diff_ids");
		json_writer_begin_array(&w);
		for (i = 0; i < im->rec.nlayers; i++) {
			snprintf(d, sizeof(d), "sha256:%s",
			    sv->lay[im->lay[i]].hex);
			json_writer_string(&w, d);
		}
		json_writer_end_array(&w);
		json_writer_end_object(&w);
	}
	json_writer_end_object(&w);
	json_free(root);
	im->out = json_writer_finish(&w, &im->out_len, e);
	json_writer_free(&w);
	return im->out ? 0 : err_ctx(e, "config %s", im->id);
}

static void
write_descriptor(struct json_writer *w, const char *mt, const char *digest,
    uint64_t size)
{
	json_writer_begin_object(w);
	json_writer_key(w, "mediaType");
	json_writer_string(w, mt);
	json_writer_key(w, "digest");
	json_writer_string(w, digest);
	json_writer_key(w, "size");
	json_writer_uint(w, size);
	json_writer_end_object(w);
}

static int
manifest_make(struct saver *sv, struct save_img *im, struct err *e)
{
	struct json_writer w;
	struct sha256 sha;
	char d[DIGEST_MAX], hex[SHA256_HEX_LEN + 1];
	size_t i;

	json_writer_init(&w, 0);
	json_writer_begin_object(&w);
	json_writer_key(&w, "schemaVersion");
	json_writer_int(&w, 2);
	json_writer_key(&w, "mediaType");
	json_writer_string(&w, MT_OCI_MANIFEST);
	json_writer_key(&w, "config");
	write_descriptor(&w, MT_OCI_CONFIG, im->out_id, im->out_len);
	json_writer_key(&w, "layers");
	json_writer_begin_array(&w);
	for (i = 0; i < im->rec.nlayers; i++) {
		snprintf(d, sizeof(d), "sha256:%s", sv->lay[im->lay[i]].hex);
		write_descriptor(&w, mt_layer_tar, d,
		    sv->lay[im->lay[i]].size);
	}
	json_writer_end_array(&w);
	json_writer_end_object(&w);
	im->manifest = json_writer_finish(&w, &im->manifest_len, e);
	json_writer_free(&w);
	if (!im->manifest)
		return -1;
	sha256_init(&sha);
	sha256_update(&sha, im->manifest, im->manifest_len);
	digest_hex(&sha, hex);
	snprintf(im->mdigest, sizeof(im->mdigest), "sha256:%s", hex);
	return 0;
}

/* Read image `im`'s record and config; archive its layers once (pass 1). */
static int
save_prepare(struct saver *sv, struct save_img *im, struct err *e)
{
	struct store_layer_meta meta;
	struct save_layer *v, *l;
	struct sha256 sha;
	char hex[SHA256_HEX_LEN + 1];
	size_t i, j;

	if (store_image_get(sv->s, im->id, &im->rec, e) < 0 ||
	    store_blob_read(sv->s, im->id, MANIFEST_MAX_BYTES, &im->config,
	    &im->config_len, e) < 0)
		return -1;
	if (im->rec.nlayers && !(im->lay = calloc(im->rec.nlayers,
	    sizeof(*im->lay))))
		return err_set(e, ENOMEM, "out of memory");
	for (i = 0; i < im->rec.nlayers; i++) {
		for (j = 0; j < sv->nlay && strcmp(sv->lay[j].chain,
		    im->rec.layers[i].chain_id) != 0; j++)
			;
		im->lay[i] = j;
		if (j < sv->nlay)
			continue;
		if (!(v = realloc(sv->lay, (sv->nlay + 1) * sizeof(*v))))
			return err_set(e, ENOMEM, "out of memory");
		sv->lay = v;
		l = &v[sv->nlay];
		memset(l, 0, sizeof(*l));
		snprintf(l->chain, sizeof(l->chain), "%s",
		    im->rec.layers[i].chain_id);
		if (store_layer_get(sv->s, l->chain, &meta, e) < 0)
			return -1;
		l->flags = strcmp(meta.whiteouts, "aufs") == 0 ? 0 :
		    TARW_OVERLAY;
		if (layer_tar(sv, l, NULL, l->hex, &l->size, e) < 0)
			return -1;
		sv->nlay++;
	}
	if (config_rewrite(sv, im, e) < 0)
		return -1;
	sha256_init(&sha);
	sha256_update(&sha, im->out, im->out_len);
	digest_hex(&sha, hex);
	snprintf(im->out_id, sizeof(im->out_id), "sha256:%s", hex);
	return manifest_make(sv, im, e);
}

static int
blob_cmp(const void *a, const void *b)
{
	return strcmp(((const struct save_blob *)a)->hex,
	    ((const struct save_blob *)b)->hex);
}

static int
put_file(struct tarw *w, const char *name, const char *data, size_t len,
    struct err *e)
{
	struct tarw_hdr h;

	memset(&h, 0, sizeof(h));
	h.type = TAR_REG;
	h.path = name;
	h.mode = 0644;
	h.size = len;
	if (tarw_header(w, &h, e) < 0 || tarw_write(w, data, len, e) < 0)
		return err_ctx(e, "%s", name);
	return 0;
}

static int
put_dir(struct tarw *w, const char *name, struct err *e)
{
	struct tarw_hdr h;

	memset(&h, 0, sizeof(h));
	h.type = TAR_DIR;
	h.path = name;
	h.mode = 0755;
	return tarw_header(w, &h, e);
}

/* Familiar form of canonical reference `canon` into buf; tag into tag. */
static void
familiar(const char *canon, char *buf, size_t size, char *repo,
    size_t rsize, char *tag, size_t tsize)
{
	struct ref r;
	struct err e = ERR_INIT;

	if (ref_parse(&r, canon, &e) < 0) {
		snprintf(buf, size, "%s", canon);
		snprintf(repo, rsize, "%s", canon);
		snprintf(tag, tsize, "latest");
		return;
	}
	ref_familiar(&r, buf, size);
	snprintf(tag, tsize, "%s", r.tag);
	r.tag[0] = '\0';
	r.digest[0] = '\0';
	ref_familiar(&r, repo, rsize);
}

static char *
manifest_json(struct saver *sv, size_t *len, struct err *e)
{
	struct json_writer w;
	char path[96];
	struct save_img *im;
	size_t i, j;
	char *s;

	json_writer_init(&w, 0);
	json_writer_begin_array(&w);
	for (i = 0; i < sv->nimg; i++) {
		im = &sv->img[i];
		json_writer_begin_object(&w);
		json_writer_key(&w, "Config");
		snprintf(path, sizeof(path), "blobs/sha256/%s",
		    im->out_id + 7);
		json_writer_string(&w, path);
		json_writer_key(&w, "RepoTags");
		if (!im->ntags)
			json_writer_null(&w);
		else {
			/* canonical, as skopeo writes them: podman reads a
			 * familiar "busybox:latest" as localhost/busybox */
			json_writer_begin_array(&w);
			for (j = 0; j < im->ntags; j++)
				json_writer_string(&w, im->tags[j]);
			json_writer_end_array(&w);
		}
		json_writer_key(&w, "Layers");
		json_writer_begin_array(&w);
		for (j = 0; j < im->rec.nlayers; j++) {
			snprintf(path, sizeof(path), "blobs/sha256/%s",
			    sv->lay[im->lay[j]].hex);
			json_writer_string(&w, path);
		}
		json_writer_end_array(&w);
		json_writer_end_object(&w);
	}
	json_writer_end_array(&w);
	s = json_writer_finish(&w, len, e);
	json_writer_free(&w);
	return s;
}

/* {"repo": {"tag": "<top layer hex>"}} with familiar repository names. */
static char *
repositories_json(struct saver *sv, size_t *len, struct err *e)
{
	struct json_writer w;
	char fam[REF_STR_MAX], repo[REF_STR_MAX], tag[REF_TAG_MAX + 1];
	char orepo[REF_STR_MAX], otag[REF_TAG_MAX + 1];
	struct save_img *im, *jm;
	size_t i, j, k, l;
	int done;
	char *s;

	json_writer_init(&w, 0);
	json_writer_begin_object(&w);
	for (i = 0; i < sv->nimg; i++) {
		im = &sv->img[i];
		for (j = 0; j < im->ntags; j++) {
			if (!im->rec.nlayers)
				continue;
			familiar(im->tags[j], fam, sizeof(fam), repo,
			    sizeof(repo), tag, sizeof(tag));
			/* one object per repository: first occurrence only */
			done = 0;
			for (k = 0; k <= i && !done; k++) {
				jm = &sv->img[k];
				for (l = 0; l < (k == i ? j : jm->ntags); l++) {
					if (!jm->rec.nlayers)
						continue;
					familiar(jm->tags[l], fam, sizeof(fam),
					    orepo, sizeof(orepo), otag,
					    sizeof(otag));
					if (strcmp(orepo, repo) == 0) {
						done = 1;
						break;
					}
				}
			}
			if (done)
				continue;
			json_writer_key(&w, repo);
			json_writer_begin_object(&w);
			for (k = i; k < sv->nimg; k++) {
				jm = &sv->img[k];
				if (!jm->rec.nlayers)
					continue;
				for (l = 0; l < jm->ntags; l++) {
					familiar(jm->tags[l], fam, sizeof(fam),
					    orepo, sizeof(orepo), otag,
					    sizeof(otag));
					if (strcmp(orepo, repo) != 0)
						continue;
					json_writer_key(&w, otag);
					json_writer_string(&w, sv->lay[jm->lay[
					    jm->rec.nlayers - 1]].hex);
				}
			}
			json_writer_end_object(&w);
		}
	}
	json_writer_end_object(&w);
	s = json_writer_finish(&w, len, e);
	json_writer_free(&w);
	return s;
}

static void
write_platform(struct json_writer *w, const struct store_image *rec)
{
	json_writer_key(w, "platform");
	json_writer_begin_object(w);
	json_writer_key(w, "architecture");
	json_writer_string(w, rec->arch);
	json_writer_key(w, "os");
	json_writer_string(w, rec->os);
	if (rec->variant[0]) {
		json_writer_key(w, "variant");
		json_writer_string(w, rec->variant);
	}
	json_writer_end_object(w);
}

static char *
index_json(struct saver *sv, size_t *len, struct err *e)
{
	struct json_writer w;
	char fam[REF_STR_MAX], repo[REF_STR_MAX], tag[REF_TAG_MAX + 1];
	struct save_img *im;
	size_t i, j;
	char *s;

	json_writer_init(&w, 0);
	json_writer_begin_object(&w);
	json_writer_key(&w, "schemaVersion");
	json_writer_int(&w, 2);
	json_writer_key(&w, "mediaType");
	json_writer_string(&w, MT_OCI_INDEX);
	json_writer_key(&w, "manifests");
	json_writer_begin_array(&w);
	for (i = 0; i < sv->nimg; i++) {
		im = &sv->img[i];
		for (j = 0; j < (im->ntags ? im->ntags : 1); j++) {
			json_writer_begin_object(&w);
			json_writer_key(&w, "mediaType");
			json_writer_string(&w, MT_OCI_MANIFEST);
			json_writer_key(&w, "digest");
			json_writer_string(&w, im->mdigest);
			json_writer_key(&w, "size");
			json_writer_uint(&w, im->manifest_len);
			if (im->ntags) {
				familiar(im->tags[j], fam, sizeof(fam), repo,
				    sizeof(repo), tag, sizeof(tag));
				json_writer_key(&w, "annotations");
				json_writer_begin_object(&w);
				json_writer_key(&w, "io.containerd.image.name");
				json_writer_string(&w, im->tags[j]);
				json_writer_key(&w,
				    "org.opencontainers.image.ref.name");
				json_writer_string(&w, tag);
				json_writer_end_object(&w);
			}
			write_platform(&w, &im->rec);
			json_writer_end_object(&w);
		}
	}
	json_writer_end_array(&w);
	json_writer_end_object(&w);
	s = json_writer_finish(&w, len, e);
	json_writer_free(&w);
	return s;
}

/* Write everything prepared, blobs sorted by digest. */
static int
save_write(struct saver *sv, int fd, struct err *e)
{
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	struct save_blob *b = NULL;
	struct tarw *w = NULL;
	struct tarw_sink sink;
	struct tarw_hdr h;
	struct save_img *im;
	char *mj = NULL, *rj = NULL, *ij = NULL, *tmp;
	char name[96], hex[SHA256_HEX_LEN + 1];
	size_t nb = 0, i, k, mlen, rlen, ilen;
	uint64_t size;
	int ret = -1;

	if (!(b = calloc(sv->nlay + 2 * sv->nimg + 1, sizeof(*b))) ||
	    !(w = malloc(sizeof(*w)))) {
		err_set(e, ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < sv->nlay; i++) {
		b[nb].hex = sv->lay[i].hex;
		b[nb++].layer = i;
	}
	for (i = 0; i < sv->nimg; i++) {
		im = &sv->img[i];
		b[nb].hex = im->out_id + 7;
		b[nb].data = im->out;
		b[nb++].len = im->out_len;
		b[nb].hex = im->mdigest + 7;
		b[nb].data = im->manifest;
		b[nb++].len = im->manifest_len;
	}
	qsort(b, nb, sizeof(*b), blob_cmp);
	if (!(mj = manifest_json(sv, &mlen, e)) ||
	    !(rj = repositories_json(sv, &rlen, e)) ||
	    !(ij = index_json(sv, &ilen, e)))
		goto out;
	/* docker writes these two with json.Encoder: a final newline */
	if (!(tmp = realloc(mj, mlen + 2)))
		goto nomem;
	mj = tmp;
	mj[mlen++] = '\n';
	if (!(tmp = realloc(rj, rlen + 2)))
		goto nomem;
	rj = tmp;
	rj[rlen++] = '\n';
	sink.write = fd_write;
	sink.ctx = &fd;
	tarw_init(w, &sink);
	if (put_dir(w, "blobs", e) < 0 || put_dir(w, "blobs/sha256", e) < 0)
		goto out;
	for (k = 0; k < nb; k++) {
		if (k && strcmp(b[k].hex, b[k - 1].hex) == 0)
			continue;
		snprintf(name, sizeof(name), "blobs/sha256/%s", b[k].hex);
		if (b[k].data) {
			if (put_file(w, name, b[k].data, b[k].len, e) < 0)
				goto out;
			continue;
		}
		memset(&h, 0, sizeof(h));
		h.type = TAR_REG;
		h.path = name;
		h.mode = 0644;
		h.size = sv->lay[b[k].layer].size;
		if (tarw_header(w, &h, e) < 0 ||
		    layer_tar(sv, &sv->lay[b[k].layer], w, hex, &size, e) < 0)
			goto out;
		if (strcmp(hex, b[k].hex) != 0 || size != h.size) {
			err_set(e, ERR_DIGEST, "layer %s changed while being "
			    "saved", sv->lay[b[k].layer].chain);
			goto out;
		}
	}
	if (put_file(w, "index.json", ij, ilen, e) < 0 ||
	    put_file(w, "manifest.json", mj, mlen, e) < 0 ||
	    put_file(w, "oci-layout", layout, sizeof(layout) - 1, e) < 0 ||
	    (sv->nimg && put_file(w, "repositories", rj, rlen, e) < 0) ||
	    tarw_close(w, e) < 0)
		goto out;
	ret = 0;
	goto out;
nomem:
	err_set(e, ENOMEM, "out of memory");
out:
	if (w)
		tarw_free(w);
	free(w);
	free(b);
	free(mj);
	free(rj);
	free(ij);
	return ret;
}

int
archive_save(struct store *s, char *const *names, size_t n, int fd,
    struct err *e)
{
	struct saver sv;
	struct save_img *im;
	size_t i, j;
	int ret = -1;

	memset(&sv, 0, sizeof(sv));
	sv.s = s;
	for (i = 0; i < n; i++)
		if (save_resolve(&sv, names[i], e) < 0)
			goto out;
	for (i = 0; i < sv.nimg; i++)
		if (save_prepare(&sv, &sv.img[i], e) < 0) {
			err_ctx(e, "image %.19s", sv.img[i].id);
			goto out;
		}
	ret = save_write(&sv, fd, e);
out:
	for (i = 0; i < sv.nimg; i++) {
		im = &sv.img[i];
		for (j = 0; j < im->ntags; j++)
			free(im->tags[j]);
		free(im->tags);
		store_image_free(&im->rec);
		if (im->out != im->config)
			free(im->out);
		free(im->config);
		free(im->manifest);
		free(im->lay);
	}
	free(sv.img);
	free(sv.lay);
	if (ret < 0)
		err_ctx(e, "save");
	return ret;
}

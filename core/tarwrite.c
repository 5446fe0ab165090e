/* tarwrite.c - tar headers, PAX records, and a directory tree archiver
 *
 * The writer formats one 512-byte ustar header per entry, preceded by a
 * PAX 'x' header when a field does not fit, into a 64 KiB buffer that is
 * handed to the sink when full. The tree archiver walks a directory with
 * one open directory fd at a time: a directory's sorted names are kept on
 * a stack while its subdirectories are archived, and the directory is
 * opened again beneath the root (openat2 RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS, or an O_NOFOLLOW walk) when the walk returns to it,
 * so the depth of the tree never costs file descriptors.
 */

#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "tarwrite.h"

enum {
	BLK = TAR_RECORD,
	NAME_LEN = 100,
	SYSNR_OPENAT2 = 437,		/* the same on every architecture */
	RES_NO_XDEV = 0x01,		/* linux/openat2.h RESOLVE_* */
	RES_NO_MAGICLINKS = 0x02,
	RES_NO_SYMLINKS = 0x04,
	RES_BENEATH = 0x08,
	OPENAT2_TRIES = 16,
	XATTR_KEEP_MAX = 32,		/* kept xattrs per entry */
	XATTR_VALUE_MAX = 65536,	/* the kernel's XATTR_SIZE_MAX */
	XATTR_LIST_MAX_ = 65536,
	COPY_BUF = 64 << 10,
};

static const uint64_t octal7 = 07777777;		/* 7 digits */
static const uint64_t octal11 = 077777777777ULL;	/* 11 digits */
static const char opq_name[] = ".wh..wh..opq";
static const char wh_prefix[] = ".wh.";

/* struct open_how of linux/openat2.h */
struct how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};

/* A directory on the walk's current path: its sorted names. */
struct frame {
	char **v;
	size_t n, i;
	size_t plen;		/* length of its path in walk.path */
};

/* An inode with several links, first met at `path`. */
struct link {
	dev_t dev;
	ino_t ino;
	char *path;		/* NULL: empty slot */
};

struct walk {
	struct tarw *w;
	unsigned flags;
	struct tarw_tree_stats *st;
	int root;
	dev_t dev;
	int use_openat2;
	struct frame *fr;
	size_t nfr, frcap;
	size_t namebytes;
	struct link *links;
	size_t nlinks, lcap;
	char path[TAR_PATH_MAX + 2];	/* the current directory */
	char epath[TAR_PATH_MAX + 2];	/* the current entry */
	char lnk[TAR_PATH_MAX + 2];
	struct tar_xattr xa[XATTR_KEEP_MAX];
	size_t nxa;
	char *xlist;			/* XATTR_LIST_MAX_ */
	unsigned char *buf;		/* COPY_BUF */
};

/* ---- the writer ---- */

static int
fail(struct tarw *w, struct err *e)
{
	if (!w->failed) {
		w->failed = 1;
		w->err = *e;
	}
	return -1;
}

static int
sticky(struct tarw *w, struct err *e)
{
	if (!w->failed)
		return 0;
	*e = w->err;
	return -1;
}

static int
flush(struct tarw *w, struct err *e)
{
	if (w->buflen && w->sink.write(w->sink.ctx, w->buf, w->buflen, e) < 0)
		return fail(w, e);
	w->buflen = 0;
	return 0;
}

static int
out(struct tarw *w, const void *p, size_t len, struct err *e)
{
	const unsigned char *b = p;
	size_t n;

	w->offset += len;
	if (w->buflen == 0 && len >= TARW_BUF) {
		if (w->sink.write(w->sink.ctx, b, len, e) < 0)
			return fail(w, e);
		return 0;
	}
	while (len) {
		n = TARW_BUF - w->buflen;
		if (n > len)
			n = len;
		memcpy(w->buf + w->buflen, b, n);
		w->buflen += n;
		b += n;
		len -= n;
		if (w->buflen == TARW_BUF && flush(w, e) < 0)
			return -1;
	}
	return 0;
}

static int
zeros(struct tarw *w, size_t n, struct err *e)
{
	static const unsigned char z[BLK];
	size_t k;

	while (n) {
		k = n < sizeof(z) ? n : sizeof(z);
		if (out(w, z, k, e) < 0)
			return -1;
		n -= k;
	}
	return 0;
}

/* `v` in octal in a field of `size` bytes: size-1 digits and a NUL. */
static void
octal(unsigned char *f, size_t size, uint64_t v)
{
	size_t i = size - 1;

	f[i] = '\0';
	while (i-- > 0) {
		f[i] = (unsigned char)('0' + (v & 7));
		v >>= 3;
	}
}

static size_t
digits(size_t n)
{
	size_t d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

/* Append the record "LEN KEY=VALUE\n" to the PAX buffer. */
static int
pax_add(struct tarw *w, const char *key, const void *val, size_t vlen,
    struct err *e)
{
	size_t klen = strlen(key), n = klen + vlen + 3, d = digits(n), total;
	char *p;

	while (digits(n + d) != d)
		d = digits(n + d);
	total = n + d;
	if (w->paxlen + total > TAR_META_MAX)
		return err_set(e, ERR_LIMIT, "tar: extended header over %d "
		    "bytes", TAR_META_MAX);
	if (w->paxlen + total > w->paxcap) {
		size_t cap = w->paxcap ? w->paxcap : 1024;

		while (cap < w->paxlen + total)
			cap *= 2;
		if (!(p = realloc(w->pax, cap)))
			return err_set(e, ENOMEM, "out of memory");
		w->pax = p;
		w->paxcap = cap;
	}
	p = w->pax + w->paxlen;
	p += sprintf(p, "%zu %s=", total, key);
	memcpy(p, val, vlen);
	p[vlen] = '\n';
	w->paxlen += total;
	return 0;
}

static int
pax_num(struct tarw *w, const char *key, int64_t v, struct err *e)
{
	char num[24];

	snprintf(num, sizeof(num), "%lld", (long long)v);
	return pax_add(w, key, num, strlen(num), e);
}

static void
checksum(unsigned char *h)
{
	unsigned sum = 0;
	size_t i;

	memset(h + 148, ' ', 8);
	for (i = 0; i < BLK; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
}

/* A header block with the common fields; `name` is cut at 100 bytes. */
static void
fill(unsigned char *h, const char *name, size_t nlen, int type,
    unsigned mode, uint64_t uid, uint64_t gid, uint64_t size,
    uint64_t mtime)
{
	memset(h, 0, BLK);
	memcpy(h, name, nlen > NAME_LEN ? NAME_LEN : nlen);
	octal(h + 100, 8, mode);
	octal(h + 108, 8, uid);
	octal(h + 116, 8, gid);
	octal(h + 124, 12, size);
	octal(h + 136, 12, mtime);
	h[156] = (unsigned char)type;
	memcpy(h + 257, "ustar\0" "00", 8);
	octal(h + 329, 8, 0);
	octal(h + 337, 8, 0);
}

static int
valid_type(int t)
{
	return t == TAR_REG || t == TAR_LINK || t == TAR_SYMLINK ||
	    t == TAR_CHR || t == TAR_BLK || t == TAR_DIR || t == TAR_FIFO;
}

void
tarw_init(struct tarw *w, const struct tarw_sink *sink)
{
	w->offset = 0;
	w->sink = *sink;
	w->remain = 0;
	w->pad = 0;
	w->failed = 0;
	err_clear(&w->err);
	w->pax = NULL;
	w->paxlen = w->paxcap = 0;
	w->buflen = 0;
}

int
tarw_header(struct tarw *w, const struct tarw_hdr *h, struct err *e)
{
	unsigned char blk[BLK];
	char name[TAR_PATH_MAX + 2], pname[NAME_LEN + 1];
	const char *link = h->linkpath ? h->linkpath : "", *base;
	size_t nlen, llen, i;
	int mtime_pax;

	if (sticky(w, e) < 0)
		return -1;
	if (w->remain)
		return err_set(e, ERR_USAGE, "tar: %llu bytes of the previous "
		    "entry missing", (unsigned long long)w->remain);
	if (!h->path || !*h->path || !valid_type(h->type) ||
	    (h->type != TAR_REG && h->size) ||
	    ((h->type == TAR_LINK || h->type == TAR_SYMLINK) && !*link))
		return err_set(e, ERR_USAGE, "tar: invalid entry \"%.200s\"",
		    h->path ? h->path : "");
	nlen = strlen(h->path);
	llen = strlen(link);
	if (nlen > TAR_PATH_MAX || llen > TAR_PATH_MAX)
		return err_set(e, ERR_USAGE, "tar: name too long: %.200s...",
		    h->path);
	memcpy(name, h->path, nlen + 1);
	if (h->type == TAR_DIR && name[nlen - 1] != '/') {
		name[nlen++] = '/';
		name[nlen] = '\0';
	}
	w->paxlen = 0;
	mtime_pax = h->mtime < 0 || (uint64_t)h->mtime > octal11;
	if ((nlen > NAME_LEN && pax_add(w, "path", name, nlen, e) < 0) ||
	    (llen > NAME_LEN && pax_add(w, "linkpath", link, llen, e) < 0) ||
	    (h->size > octal11 && pax_num(w, "size", (int64_t)h->size,
	    e) < 0) ||
	    (h->uid > octal7 && pax_num(w, "uid", h->uid, e) < 0) ||
	    (h->gid > octal7 && pax_num(w, "gid", h->gid, e) < 0) ||
	    (mtime_pax && pax_num(w, "mtime", h->mtime, e) < 0))
		return fail(w, e);
	for (i = 0; i < h->nxattrs; i++) {
		char key[16 + 256];

		if (snprintf(key, sizeof(key), "SCHILY.xattr.%s",
		    h->xattrs[i].name) >= (int)sizeof(key)) {
			err_set(e, ERR_USAGE, "tar: xattr name too long");
			return fail(w, e);
		}
		if (pax_add(w, key, h->xattrs[i].value, h->xattrs[i].len,
		    e) < 0)
			return fail(w, e);
	}
	if (w->paxlen) {
		base = strrchr(h->path, '/');
		base = base && base[1] ? base + 1 : h->path;
		snprintf(pname, sizeof(pname), "PaxHeaders/%s", base);
		fill(blk, pname, strlen(pname), 'x', 0644, 0, 0, w->paxlen,
		    0);
		checksum(blk);
		if (out(w, blk, BLK, e) < 0 ||
		    out(w, w->pax, w->paxlen, e) < 0 ||
		    zeros(w, (BLK - w->paxlen % BLK) % BLK, e) < 0)
			return -1;
	}
	fill(blk, name, nlen, h->type, h->mode & 07777,
	    h->uid > octal7 ? 0 : h->uid, h->gid > octal7 ? 0 : h->gid,
	    h->size > octal11 ? 0 : h->size,
	    mtime_pax ? 0 : (uint64_t)h->mtime);
	memcpy(blk + 157, link, llen > NAME_LEN ? NAME_LEN : llen);
	if (h->type == TAR_CHR || h->type == TAR_BLK) {
		octal(blk + 329, 8, h->devmajor & octal7);
		octal(blk + 337, 8, h->devminor & octal7);
	}
	checksum(blk);
	if (out(w, blk, BLK, e) < 0)
		return -1;
	w->remain = h->size;
	w->pad = (unsigned)((BLK - h->size % BLK) % BLK);
	return 0;
}

int
tarw_write(struct tarw *w, const void *buf, size_t len, struct err *e)
{
	if (sticky(w, e) < 0)
		return -1;
	if (len > w->remain)
		return err_set(e, ERR_USAGE, "tar: %zu bytes more than the "
		    "entry's size", len - (size_t)w->remain);
	if (len && out(w, buf, len, e) < 0)
		return -1;
	w->remain -= len;
	if (w->remain == 0 && w->pad) {
		if (zeros(w, w->pad, e) < 0)
			return -1;
		w->pad = 0;
	}
	return 0;
}

int
tarw_close(struct tarw *w, struct err *e)
{
	if (sticky(w, e) < 0)
		return -1;
	if (w->remain)
		return err_set(e, ERR_USAGE, "tar: %llu bytes of the last "
		    "entry missing", (unsigned long long)w->remain);
	if (zeros(w, 2 * BLK, e) < 0)
		return -1;
	return flush(w, e);
}

void
tarw_free(struct tarw *w)
{
	free(w->pax);
	w->pax = NULL;
	w->paxlen = w->paxcap = 0;
}

/* ---- the tree walk ---- */

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
names_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

/* Open directory `path` ("" = the root) beneath the walk's root. */
static int
open_dir(struct walk *k, const char *path, struct err *e)
{
	struct how how;
	struct stat st;
	char comp[TAR_PATH_MAX + 2];
	const char *p, *q;
	long r = -1;
	int i, fd, nfd;
	const int oflags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

	if (!*path) {
		if ((fd = openat(k->root, ".", oflags)) < 0)
			return err_sys(e, "open the root");
		return fd;
	}
	if (k->use_openat2) {
		memset(&how, 0, sizeof(how));
		how.flags = (uint64_t)oflags;
		how.resolve = RES_BENEATH | RES_NO_SYMLINKS |
		    RES_NO_MAGICLINKS | RES_NO_XDEV;
		for (i = 0; i < OPENAT2_TRIES; i++) {
			r = syscall(SYSNR_OPENAT2, k->root, path, &how,
			    sizeof(how));
			if (r >= 0 || errno != EAGAIN)
				break;
		}
		if (r >= 0)
			return (int)r;
		if (errno != ENOSYS)
			return err_sys(e, "open %s", path);
		k->use_openat2 = 0;
	}
	if ((fd = openat(k->root, ".", oflags)) < 0)
		return err_sys(e, "open the root");
	for (p = path; *p; p = *q ? q + 1 : q) {
		q = strchr(p, '/');
		if (!q)
			q = p + strlen(p);
		snprintf(comp, sizeof(comp), "%.*s", (int)(q - p), p);
		nfd = openat(fd, comp, oflags);
		close(fd);
		if (nfd < 0)
			return err_sys(e, "open %s", path);
		fd = nfd;
		if (fstat(fd, &st) < 0 || st.st_dev != k->dev) {
			close(fd);
			errno = EXDEV;
			return err_sys(e, "open %s", path);
		}
	}
	return fd;
}

/* Read the names in directory `fd` (borrowed), sorted, into a frame. */
static int
list_dir(struct walk *k, int fd, struct frame *f, struct err *e)
{
	struct dirent *de;
	DIR *d;
	char **v;
	size_t cap = 0, len;
	int dfd = dup(fd);

	memset(f, 0, sizeof(*f));
	if (dfd < 0 || !(d = fdopendir(dfd))) {
		if (dfd >= 0)
			close(dfd);
		return err_sys(e, "read directory");
	}
	errno = 0;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		len = strlen(de->d_name) + 1;
		if (k->namebytes + len + sizeof(char *) > TARW_NAMES_MAX) {
			err_set(e, ERR_LIMIT, "more than %d MiB of names on "
			    "one path", TARW_NAMES_MAX >> 20);
			goto fail;
		}
		if (f->n == cap) {
			cap = cap ? 2 * cap : 32;
			if (!(v = realloc(f->v, cap * sizeof(*v)))) {
				err_set(e, ENOMEM, "out of memory");
				goto fail;
			}
			f->v = v;
		}
		if (!(f->v[f->n] = strdup(de->d_name))) {
			err_set(e, ENOMEM, "out of memory");
			goto fail;
		}
		f->n++;
		k->namebytes += len + sizeof(char *);
		errno = 0;
	}
	if (errno) {
		err_sys(e, "read directory");
		goto fail;
	}
	closedir(d);
	if (f->n)
		qsort(f->v, f->n, sizeof(*f->v), str_cmp);
	return 0;
fail:
	closedir(d);
	names_free(f->v, f->n);
	memset(f, 0, sizeof(*f));
	return -1;
}

static void
frame_pop(struct walk *k)
{
	struct frame *f = &k->fr[--k->nfr];
	size_t i;

	for (i = 0; i < f->n; i++)
		k->namebytes -= strlen(f->v[i]) + 1 + sizeof(char *);
	names_free(f->v, f->n);
	memset(f, 0, sizeof(*f));
}

static int
frame_push(struct walk *k, const struct frame *f, struct err *e)
{
	struct frame *v;

	if (k->nfr == k->frcap) {
		size_t cap = k->frcap ? 2 * k->frcap : 16;

		if (!(v = realloc(k->fr, cap * sizeof(*v))))
			return err_set(e, ENOMEM, "out of memory");
		k->fr = v;
		k->frcap = cap;
	}
	k->fr[k->nfr++] = *f;
	return 0;
}

static size_t
link_slot(const struct walk *k, dev_t dev, ino_t ino)
{
	uint64_t h = ((uint64_t)ino * 0x9e3779b97f4a7c15ULL) ^ (uint64_t)dev;
	size_t i = (size_t)(h >> 20) & (k->lcap - 1);

	while (k->links[i].path && (k->links[i].dev != dev ||
	    k->links[i].ino != ino))
		i = (i + 1) & (k->lcap - 1);
	return i;
}

/*
 * The first path of the inode of `st`, or NULL after remembering the
 * current entry as its first path.
 */
static int
link_find(struct walk *k, const struct stat *st, const char **first,
    struct err *e)
{
	struct link *old = k->links, *l;
	size_t i, oldcap = k->lcap;

	*first = NULL;
	if (k->lcap) {
		l = &k->links[link_slot(k, st->st_dev, st->st_ino)];
		if (l->path) {
			*first = l->path;
			return 0;
		}
	}
	if (k->nlinks >= TARW_LINKS_MAX)
		return err_set(e, ERR_LIMIT, "more than %d multiply-linked "
		    "files", TARW_LINKS_MAX);
	if (2 * (k->nlinks + 1) > k->lcap) {
		k->lcap = oldcap ? 2 * oldcap : 64;
		if (!(k->links = calloc(k->lcap, sizeof(*k->links)))) {
			k->links = old;
			k->lcap = oldcap;
			return err_set(e, ENOMEM, "out of memory");
		}
		for (i = 0; i < oldcap; i++)
			if (old[i].path)
				k->links[link_slot(k, old[i].dev,
				    old[i].ino)] = old[i];
		free(old);
	}
	l = &k->links[link_slot(k, st->st_dev, st->st_ino)];
	if (!(l->path = strdup(k->epath)))
		return err_set(e, ENOMEM, "out of memory");
	l->dev = st->st_dev;
	l->ino = st->st_ino;
	k->nlinks++;
	return 0;
}

int
tarw_keep_xattr(const char *name)
{
	if (strcmp(name, "security.capability") == 0)
		return 1;
	return strncmp(name, "user.", 5) == 0 &&
	    strncmp(name, "user.overlay.", 13) != 0;
}

static void
xattrs_free(struct walk *k)
{
	size_t i;

	for (i = 0; i < k->nxa; i++)
		free((void *)k->xa[i].value);
	k->nxa = 0;
}

static int
xa_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tar_xattr *)a)->name,
	    ((const struct tar_xattr *)b)->name);
}

/* Collect the kept xattrs of `fd` into k->xa (names point into xlist). */
static int
xattrs_read(struct walk *k, int fd, struct err *e)
{
	ssize_t n, v;
	char *p;
	unsigned char *val;

	k->nxa = 0;
	n = flistxattr(fd, k->xlist, XATTR_LIST_MAX_);
	if (n < 0) {
		if (errno == ENOTSUP || errno == EOPNOTSUPP)
			return 0;
		return err_sys(e, "list xattrs");
	}
	for (p = k->xlist; p < k->xlist + n; p += strlen(p) + 1) {
		if (!tarw_keep_xattr(p))
			continue;
		if (k->nxa == XATTR_KEEP_MAX)
			return err_set(e, ERR_LIMIT, "more than %d xattrs",
			    XATTR_KEEP_MAX);
		if (!(val = malloc(XATTR_VALUE_MAX + 1)))
			return err_set(e, ENOMEM, "out of memory");
		v = fgetxattr(fd, p, val, XATTR_VALUE_MAX);
		if (v < 0) {
			free(val);
			if (errno == ENODATA)
				continue;
			return err_sys(e, "read xattr %s", p);
		}
		val[v] = '\0';
		k->xa[k->nxa].name = p;
		k->xa[k->nxa].value = val;
		k->xa[k->nxa].len = (size_t)v;
		k->nxa++;
	}
	if (k->nxa > 1)
		qsort(k->xa, k->nxa, sizeof(k->xa[0]), xa_cmp);
	return 0;
}

int
tarw_dir_opaque(int fd)
{
	char v[2];

	return (fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v)) == 1 &&
	    v[0] == 'y') || (fgetxattr(fd, "user.overlay.opaque", v,
	    sizeof(v)) == 1 && v[0] == 'y');
}

static void
hdr_from_stat(struct tarw_hdr *h, const struct stat *st, const char *path)
{
	memset(h, 0, sizeof(*h));
	h->path = path;
	h->mode = st->st_mode & 07777;
	h->uid = st->st_uid;
	h->gid = st->st_gid;
	h->mtime = st->st_mtime;
}

static int
copy_file(struct walk *k, int fd, uint64_t size, struct err *e)
{
	uint64_t left = size;
	ssize_t n;

	while (left) {
		n = read(fd, k->buf, left < COPY_BUF ? left : COPY_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(e, "read");
		if (n == 0)
			return err_set(e, ERR_GENERIC, "file shrank while "
			    "being archived");
		if (tarw_write(k->w, k->buf, (size_t)n, e) < 0)
			return -1;
		left -= (uint64_t)n;
		if (k->st)
			k->st->bytes += (uint64_t)n;
	}
	return 0;
}

static int
emit(struct walk *k, const struct tarw_hdr *h, struct err *e)
{
	if (tarw_header(k->w, h, e) < 0)
		return -1;
	if (k->st)
		k->st->entries++;
	return 0;
}

/*
 * Archive entry `name` of directory `dfd`. A directory is opened and
 * listed: *child gets its fd and *f its names, and the caller descends.
 */
static int
entry(struct walk *k, int dfd, const char *name, int *child,
    struct frame *f, struct err *e)
{
	struct tarw_hdr h;
	struct stat st, fst;
	const char *first, *slash;
	size_t plen = strlen(k->path);
	ssize_t n;
	int fd = -1, r = -1;

	*child = -1;
	if (snprintf(k->epath, sizeof(k->epath), "%s%s%s", k->path,
	    plen ? "/" : "", name) >= TAR_PATH_MAX - 4)
		return err_set(e, ERR_LIMIT, "%.200s/%.40s: path too long",
		    k->path, name);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, "%s", k->epath);
	hdr_from_stat(&h, &st, k->epath);
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		if (st.st_nlink > 1) {
			if (link_find(k, &st, &first, e) < 0)
				goto out;
			if (first) {
				h.type = TAR_LINK;
				h.linkpath = first;
				r = emit(k, &h, e);
				goto out;
			}
		}
		fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_CLOEXEC);
		if (fd < 0 || fstat(fd, &fst) < 0) {
			err_sys(e, "open");
			goto out;
		}
		if (!S_ISREG(fst.st_mode) || fst.st_ino != st.st_ino) {
			err_set(e, ERR_GENERIC, "replaced while being "
			    "archived");
			goto out;
		}
		if (xattrs_read(k, fd, e) < 0)
			goto out;
		h.type = TAR_REG;
		h.size = (uint64_t)fst.st_size;
		h.xattrs = k->xa;
		h.nxattrs = k->nxa;
		if (emit(k, &h, e) < 0 || copy_file(k, fd, h.size, e) < 0)
			goto out;
		r = 0;
		break;
	case S_IFDIR:
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd < 0 || fstat(fd, &fst) < 0) {
			err_sys(e, "open");
			goto out;
		}
		if (fst.st_dev != k->dev && (k->flags & TARW_XDEV_EMPTY)) {
			hdr_from_stat(&h, &fst, k->epath);
			h.type = TAR_DIR;
			r = emit(k, &h, e);
			goto out;
		}
		if (fst.st_dev != k->dev) {
			err_set(e, EXDEV, "a mount point: not archived");
			goto out;
		}
		if (xattrs_read(k, fd, e) < 0)
			goto out;
		h.type = TAR_DIR;
		h.xattrs = k->xa;
		h.nxattrs = k->nxa;
		if (emit(k, &h, e) < 0)
			goto out;
		if ((k->flags & TARW_OVERLAY) && tarw_dir_opaque(fd)) {
			char p[TAR_PATH_MAX + 16];

			snprintf(p, sizeof(p), "%s/%s", k->epath, opq_name);
			hdr_from_stat(&h, &st, p);
			h.type = TAR_REG;
			h.mode = st.st_mode & 0777;
			h.mtime = 0;
			if (emit(k, &h, e) < 0)
				goto out;
			if (k->st)
				k->st->whiteouts++;
		}
		if (list_dir(k, fd, f, e) < 0)
			goto out;
		*child = fd;
		fd = -1;
		r = 0;
		break;
	case S_IFLNK:
		n = readlinkat(dfd, name, k->lnk, sizeof(k->lnk));
		if (n < 0) {
			err_sys(e, "readlink");
			goto out;
		}
		if ((size_t)n >= sizeof(k->lnk) - 1 || n == 0) {
			err_set(e, ERR_LIMIT, "symlink target too long or "
			    "empty");
			goto out;
		}
		k->lnk[n] = '\0';
		h.type = TAR_SYMLINK;
		h.linkpath = k->lnk;
		r = emit(k, &h, e);
		break;
	case S_IFCHR:
	case S_IFBLK:
		if (S_ISCHR(st.st_mode) && st.st_rdev == 0 &&
		    (k->flags & TARW_OVERLAY)) {
			slash = strrchr(k->epath, '/');
			snprintf(k->lnk, sizeof(k->lnk), "%.*s%s%s",
			    slash ? (int)(slash + 1 - k->epath) : 0, k->epath,
			    wh_prefix, name);
			h.path = k->lnk;
			h.type = TAR_REG;
			h.mode = 0;
			h.mtime = 0;	/* extractors make the device "now" */
			if (k->st)
				k->st->whiteouts++;
		} else {
			h.type = S_ISCHR(st.st_mode) ? TAR_CHR : TAR_BLK;
			h.devmajor = major(st.st_rdev);
			h.devminor = minor(st.st_rdev);
		}
		r = emit(k, &h, e);
		break;
	case S_IFIFO:
		h.type = TAR_FIFO;
		r = emit(k, &h, e);
		break;
	default:
		if (k->st)
			k->st->skipped++;
		r = 0;
		break;
	}
out:
	xattrs_free(k);
	if (fd >= 0)
		close(fd);
	if (r < 0)
		err_ctx(e, "%s", k->epath);
	return r;
}

int
tarw_tree(struct tarw *w, int dirfd, unsigned flags,
    struct tarw_tree_stats *st, struct err *e)
{
	struct walk *k;
	struct frame f, *top;
	struct stat rs;
	size_t i;
	int cur = -1, child, r = -1;

	if (st)
		memset(st, 0, sizeof(*st));
	if (sticky(w, e) < 0)
		return -1;
	if (!(k = calloc(1, sizeof(*k))))
		return err_set(e, ENOMEM, "out of memory");
	k->w = w;
	k->flags = flags;
	k->st = st;
	k->root = dirfd;
	k->use_openat2 = !(flags & TARW_NO_OPENAT2);
	if (!(k->xlist = malloc(XATTR_LIST_MAX_)) ||
	    !(k->buf = malloc(COPY_BUF))) {
		err_set(e, ENOMEM, "out of memory");
		goto out;
	}
	if (fstat(dirfd, &rs) < 0) {
		err_sys(e, "stat the root");
		goto out;
	}
	k->dev = rs.st_dev;
	if ((cur = open_dir(k, "", e)) < 0 || list_dir(k, cur, &f, e) < 0 ||
	    frame_push(k, &f, e) < 0)
		goto out;
	while (k->nfr) {
		top = &k->fr[k->nfr - 1];
		if (top->i == top->n) {
			frame_pop(k);
			close(cur);
			cur = -1;
			if (!k->nfr)
				break;
			k->path[k->fr[k->nfr - 1].plen] = '\0';
			if ((cur = open_dir(k, k->path, e)) < 0)
				goto out;
			continue;
		}
		if (entry(k, cur, top->v[top->i++], &child, &f, e) < 0)
			goto out;
		if (child < 0)
			continue;
		close(cur);
		cur = child;
		memcpy(k->path, k->epath, strlen(k->epath) + 1);
		f.plen = strlen(k->path);
		if (frame_push(k, &f, e) < 0) {
			names_free(f.v, f.n);
			goto out;
		}
	}
	r = 0;
out:
	if (cur >= 0)
		close(cur);
	while (k->nfr)
		frame_pop(k);
	free(k->fr);
	for (i = 0; i < k->lcap; i++)
		free(k->links[i].path);
	free(k->links);
	free(k->xlist);
	free(k->buf);
	free(k);
	return r;
}

/* copydrv.c - the copy storage driver: populate a rootfs from layers, and
 * diff a rootfs against its layers
 *
 * Both walks are depth-first recursions holding one directory fd per level
 * on each side and the sorted, stat'ed listing of the directories on the
 * current path. Whiteouts of a layer directory are applied before its
 * entries are copied, so that they only ever hit lower layers' content.
 */

#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "copydrv.h"
#include "io.h"
#include "tarwrite.h"

enum {
	COPY_BUF = 128 << 10,
	CHUNK_MAX = 1 << 30,		/* bytes per copy_file_range call */
	XLIST_MAX = 65536,		/* the kernel's XATTR_LIST_MAX */
	XVALUE_MAX = 65536,		/* and XATTR_SIZE_MAX */
	XKEEP_MAX = 32,			/* kept xattrs per entry, as tarw */
	PATH_BUF = TAR_PATH_MAX + 512,
	FMT_OVERLAY = 0,
	FMT_AUFS = 1,
	ODIR = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
};

static const char wh_prefix[] = ".wh.";
static const char wh_meta[] = ".wh..wh.";
static const char opq_name[] = ".wh..wh..opq";

/* A directory's entries, sorted by name, each with its lstat. */
struct dlist {
	char **names;
	struct stat *st;
	size_t n;
};

/* Inode (of the walked tree) -> the first path written for it. */
struct hlent {
	dev_t dev;
	ino_t ino;
	char *path;		/* NULL: empty slot */
};

struct hlmap {
	struct hlent *v;
	size_t cap, n;
};

/* Scratch buffers for xattrs. */
struct xbuf {
	char *list;
	unsigned char *val;
};

/* An entry of the lower view (copydrv_diff). */
struct node {
	char *name;
	struct node **kids;	/* directories: sorted by name */
	size_t nkids;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	dev_t rdev;
	off_t size;
	struct timespec mtim;
	char *link;		/* symlinks: the target */
	char *xa;		/* kept xattrs (xa_read() blob), or NULL */
	size_t xalen;
};

struct pop {
	int fmt;
	int root;		/* running as root */
	dev_t dev;		/* the destination's filesystem */
	int dstfd;
	int cfr, sendf;		/* copy_file_range / sendfile still tried */
	int ctx;		/* the path was added to the error */
	char path[PATH_BUF];
	char *buf;
	struct xbuf x;
	struct hlmap hl;
};

struct frame {
	int fd;
	size_t plen;
	int emitted;
};

struct diff {
	struct tarw *w;
	struct tarw_tree_stats *st;
	dev_t dev;
	int ctx;
	char path[PATH_BUF];
	char hpath[PATH_BUF];
	char lnk[TAR_PATH_MAX + 2];
	char *buf;
	struct xbuf x;
	struct hlmap hl;
	struct tar_xattr xv[XKEEP_MAX];
	struct frame fr[COPYDRV_DEPTH_MAX + 2];
	size_t nfr;
};

/* ---- helpers shared by both walks ---- */

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
dlist_free(struct dlist *l)
{
	size_t i;

	for (i = 0; l->names && i < l->n; i++)
		free(l->names[i]);
	free(l->names);
	free(l->st);
	memset(l, 0, sizeof(*l));
}

/* List directory `fd` (borrowed) sorted, lstat'ing every entry. */
static int
dlist_read(int fd, struct dlist *l, struct err *e)
{
	struct dirent *de;
	DIR *d;
	char **v;
	size_t cap = 0, i;
	int dfd;

	memset(l, 0, sizeof(*l));
	if ((dfd = openat(fd, ".", ODIR)) < 0)
		return err_sys(e, "open directory");
	if (!(d = fdopendir(dfd))) {
		close(dfd);
		return err_sys(e, "read directory");
	}
	errno = 0;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (l->n == cap) {
			cap = cap ? 2 * cap : 16;
			if (!(v = realloc(l->names, cap * sizeof(*v)))) {
				err_set(e, ENOMEM, "out of memory");
				goto fail;
			}
			l->names = v;
		}
		if (!(l->names[l->n] = strdup(de->d_name))) {
			err_set(e, ENOMEM, "out of memory");
			goto fail;
		}
		l->n++;
		errno = 0;
	}
	if (errno) {
		err_sys(e, "read directory");
		goto fail;
	}
	closedir(d);
	d = NULL;
	if (!l->n)
		return 0;
	qsort(l->names, l->n, sizeof(*l->names), name_cmp);
	if (!(l->st = calloc(l->n, sizeof(*l->st)))) {
		err_set(e, ENOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < l->n; i++)
		if (fstatat(fd, l->names[i], &l->st[i],
		    AT_SYMLINK_NOFOLLOW) < 0) {
			err_sys(e, "%s", l->names[i]);
			goto fail;
		}
	return 0;
fail:
	if (d)
		closedir(d);
	dlist_free(l);
	return -1;
}

static size_t
hl_slot(const struct hlmap *m, dev_t dev, ino_t ino)
{
	uint64_t h = ((uint64_t)ino * 0x9e3779b97f4a7c15ULL) ^ (uint64_t)dev;
	size_t i = (size_t)(h >> 20) & (m->cap - 1);

	while (m->v[i].path && (m->v[i].dev != dev || m->v[i].ino != ino))
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* The path remembered for the inode of `st`, or NULL. */
static const char *
hl_find(const struct hlmap *m, const struct stat *st)
{
	if (!m->cap)
		return NULL;
	return m->v[hl_slot(m, st->st_dev, st->st_ino)].path;
}

static int
hl_add(struct hlmap *m, const struct stat *st, const char *path,
    struct err *e)
{
	struct hlent *old = m->v, *v;
	size_t i, oldcap = m->cap;

	if (2 * (m->n + 1) > m->cap) {
		if (!(v = calloc(oldcap ? 2 * oldcap : 64, sizeof(*v))))
			return err_set(e, ENOMEM, "out of memory");
		m->v = v;
		m->cap = oldcap ? 2 * oldcap : 64;
		for (i = 0; i < oldcap; i++)
			if (old[i].path)
				m->v[hl_slot(m, old[i].dev, old[i].ino)] =
				    old[i];
		free(old);
	}
	i = hl_slot(m, st->st_dev, st->st_ino);
	if (!(m->v[i].path = strdup(path)))
		return err_set(e, ENOMEM, "out of memory");
	m->v[i].dev = st->st_dev;
	m->v[i].ino = st->st_ino;
	m->n++;
	return 0;
}

static void
hl_free(struct hlmap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->v[i].path);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

static int
xbuf_init(struct xbuf *x, struct err *e)
{
	x->list = malloc(XLIST_MAX);
	x->val = malloc(XVALUE_MAX);
	if (!x->list || !x->val)
		return err_set(e, ENOMEM, "out of memory");
	return 0;
}

static void
xbuf_free(struct xbuf *x)
{
	free(x->list);
	free(x->val);
	x->list = NULL;
	x->val = NULL;
}

/*
 * The kept xattrs of `fd`, sorted by name, as one heap blob of records
 * "NAME\0" + 4-byte length + value (*blob NULL and *len 0 for none).
 */
static int
xa_read(struct xbuf *x, int fd, char **blob, size_t *len, struct err *e)
{
	const char *keep[XKEEP_MAX];
	char *b = NULL, *nb;
	size_t nk = 0, i, bl = 0, nl;
	ssize_t n, v;
	uint32_t vl;
	char *p;

	*blob = NULL;
	*len = 0;
	n = flistxattr(fd, x->list, XLIST_MAX);
	if (n < 0) {
		if (errno == ENOTSUP || errno == EOPNOTSUPP)
			return 0;
		return err_sys(e, "list xattrs");
	}
	for (p = x->list; p < x->list + n; p += strlen(p) + 1) {
		if (!tarw_keep_xattr(p))
			continue;
		if (nk == XKEEP_MAX)
			return err_set(e, ERR_LIMIT, "more than %d xattrs",
			    XKEEP_MAX);
		keep[nk++] = p;
	}
	if (nk > 1)
		qsort(keep, nk, sizeof(*keep), name_cmp);
	for (i = 0; i < nk; i++) {
		v = fgetxattr(fd, keep[i], x->val, XVALUE_MAX);
		if (v < 0) {
			if (errno == ENODATA)
				continue;
			free(b);
			return err_sys(e, "read xattr %s", keep[i]);
		}
		nl = strlen(keep[i]) + 1;
		if (!(nb = realloc(b, bl + nl + 4 + (size_t)v))) {
			free(b);
			return err_set(e, ENOMEM, "out of memory");
		}
		b = nb;
		memcpy(b + bl, keep[i], nl);
		vl = (uint32_t)v;
		memcpy(b + bl + nl, &vl, 4);
		memcpy(b + bl + nl + 4, x->val, (size_t)v);
		bl += nl + 4 + (size_t)v;
	}
	*blob = b;
	*len = bl;
	return 0;
}

/*
 * Walk a blob: at `*off`, the next record's name, value and length.
 * Returns 0 at the end.
 */
static int
xa_next(const char *blob, size_t len, size_t *off, const char **name,
    const unsigned char **val, size_t *vlen)
{
	uint32_t vl;
	size_t nl;

	if (*off >= len)
		return 0;
	*name = blob + *off;
	nl = strlen(*name) + 1;
	memcpy(&vl, blob + *off + nl, 4);
	*val = (const unsigned char *)blob + *off + nl + 4;
	*vlen = vl;
	*off += nl + 4 + vl;
	return 1;
}

/* Is entry `i` of a layer directory a whiteout (or another aufs name)? */
static int
is_whiteout(int fmt, const struct dlist *l, size_t i)
{
	if (fmt == FMT_AUFS)
		return strncmp(l->names[i], wh_prefix,
		    sizeof(wh_prefix) - 1) == 0;
	return S_ISCHR(l->st[i].st_mode) && l->st[i].st_rdev == 0;
}

/*
 * The name a whiteout entry deletes, or NULL for an opaque marker and
 * other ".wh..wh." names (they delete no single name).
 */
static const char *
victim(int fmt, const char *name)
{
	if (fmt != FMT_AUFS)
		return name;
	if (strncmp(name, wh_meta, sizeof(wh_meta) - 1) == 0)
		return NULL;
	return name + sizeof(wh_prefix) - 1;
}

/* Is layer directory `fd` with entries `l` opaque? */
static int
dir_opaque(int fmt, int fd, const struct dlist *l)
{
	size_t i;

	if (fmt != FMT_AUFS)
		return tarw_dir_opaque(fd);
	for (i = 0; i < l->n; i++)
		if (strcmp(l->names[i], opq_name) == 0)
			return 1;
	return 0;
}

/* Append "/name" (or "name" at the root) to `path`; the old length. */
static size_t
path_push(char *path, const char *name, struct err *e)
{
	size_t plen = strlen(path), nlen = strlen(name);

	if (plen + 1 + nlen >= TAR_PATH_MAX - 8) {
		err_set(e, ERR_LIMIT, "%.200s/%.40s: path too long", path,
		    name);
		return (size_t)-1;
	}
	if (plen)
		path[plen] = '/';
	memcpy(path + plen + !!plen, name, nlen + 1);
	return plen;
}

static int
layer_format(struct store *s, const char *chain, int *fmt, struct err *e)
{
	struct store_layer_meta m;

	if (store_layer_get(s, chain, &m, e) < 0)
		return -1;
	if (strcmp(m.whiteouts, "aufs") == 0)
		*fmt = FMT_AUFS;
	else if (!m.whiteouts[0] || strcmp(m.whiteouts, "overlay") == 0)
		*fmt = FMT_OVERLAY;
	else
		return err_set(e, ERR_PARSE, "unknown whiteout format %.16s",
		    m.whiteouts);
	return 0;
}

/* ---- populate ---- */

/* Add the current path to the error, once. */
static int
pop_fail(struct pop *p, struct err *e)
{
	if (!p->ctx) {
		err_ctx(e, "%s", p->path[0] ? p->path : ".");
		p->ctx = 1;
	}
	return -1;
}

static int clear_dir(struct pop *p, int fd, int depth, struct err *e);

/* Remove `name` from `dfd`, recursively; a missing one is fine. */
static int
rm_entry(struct pop *p, int dfd, const char *name, int depth, struct err *e)
{
	struct stat st;
	int fd, r;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return err_sys(e, "stat %s", name);
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
			return err_sys(e, "remove %s", name);
		return 0;
	}
	if (st.st_dev != p->dev)
		return err_set(e, EBUSY, "%s: a mount point: not removed",
		    name);
	if (depth >= COPYDRV_DEPTH_MAX)
		return err_set(e, ERR_LIMIT, "more than %d directory levels",
		    COPYDRV_DEPTH_MAX);
	if (!p->root && (st.st_mode & 0700) != 0700 &&
	    fchmodat(dfd, name, 0700, 0) < 0)
		return err_sys(e, "chmod %s", name);
	if ((fd = openat(dfd, name, ODIR)) < 0)
		return err_sys(e, "open %s", name);
	r = clear_dir(p, fd, depth + 1, e);
	close(fd);
	if (r == 0 && unlinkat(dfd, name, AT_REMOVEDIR) < 0 &&
	    errno != ENOENT)
		r = err_sys(e, "remove %s", name);
	return r;
}

/* Remove everything in directory `fd`. */
static int
clear_dir(struct pop *p, int fd, int depth, struct err *e)
{
	struct dirent *de;
	DIR *d;
	int dfd, r = 0;

	/*
	 * Removing while reading: restart the listing after each batch, so
	 * that deleting entries never makes readdir() skip one.
	 */
	for (;;) {
		int removed = 0;

		if ((dfd = openat(fd, ".", ODIR)) < 0)
			return err_sys(e, "open directory");
		if (!(d = fdopendir(dfd))) {
			close(dfd);
			return err_sys(e, "read directory");
		}
		errno = 0;
		while ((de = readdir(d))) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			if ((r = rm_entry(p, fd, de->d_name, depth, e)) < 0)
				break;
			removed++;
			errno = 0;
		}
		if (r == 0 && errno)
			r = err_sys(e, "read directory");
		closedir(d);
		if (r < 0 || !removed)
			return r;
	}
}

static int
chown_ok(struct pop *p)
{
	return errno == EPERM && !p->root;
}

/* Copy the kept xattrs of `in` to `out`, dropping `out`'s own first when
 * `existed` (a directory merged over a lower one). */
static int
copy_xattrs(struct pop *p, int in, int out, int existed, struct err *e)
{
	const unsigned char *val;
	const char *name;
	char *blob;
	size_t len, off = 0, vlen;
	ssize_t n;
	char *q;

	if (existed) {
		n = flistxattr(out, p->x.list, XLIST_MAX);
		for (q = p->x.list; n > 0 && q < p->x.list + n;
		    q += strlen(q) + 1)
			if (tarw_keep_xattr(q) && fremovexattr(out, q) < 0 &&
			    errno != ENODATA && errno != EPERM &&
			    errno != ENOTSUP)
				return err_sys(e, "remove xattr %s", q);
	}
	if (xa_read(&p->x, in, &blob, &len, e) < 0)
		return -1;
	while (xa_next(blob, len, &off, &name, &val, &vlen)) {
		if (fsetxattr(out, name, val, vlen, 0) == 0)
			continue;
		if (strcmp(name, "security.capability") == 0) {
			err_sys(e, "set xattr %s", name);
			free(blob);
			return -1;
		}
	}
	free(blob);
	return 0;
}

/* Owner, xattrs, mode, times of `out` from `in`/`st`. */
static int
set_meta(struct pop *p, int in, int out, const struct stat *st,
    int existed, struct err *e)
{
	struct timespec ts[2];

	if (fchown(out, st->st_uid, st->st_gid) < 0 && !chown_ok(p))
		return err_sys(e, "chown");
	if (copy_xattrs(p, in, out, existed, e) < 0)
		return -1;
	if (fchmod(out, st->st_mode & 07777) < 0)
		return err_sys(e, "chmod");
	ts[0] = st->st_atim;
	ts[1] = st->st_mtim;
	if (futimens(out, ts) < 0)
		return err_sys(e, "set times");
	return 0;
}

static int
copy_data(struct pop *p, int in, int out, off_t size, struct err *e)
{
	uint64_t left = (uint64_t)size;
	ssize_t n;
	size_t chunk;

	while (left) {
		chunk = left < CHUNK_MAX ? (size_t)left : CHUNK_MAX;
		if (p->cfr) {
			n = copy_file_range(in, NULL, out, NULL, chunk, 0);
			if (n < 0 && left == (uint64_t)size &&
			    (errno == EXDEV || errno == ENOSYS ||
			    errno == EINVAL || errno == EOPNOTSUPP ||
			    errno == ENOTSUP || errno == EBADF)) {
				p->cfr = 0;
				continue;
			}
		} else if (p->sendf) {
			n = sendfile(out, in, NULL, chunk);
			if (n < 0 && left == (uint64_t)size &&
			    (errno == ENOSYS || errno == EINVAL)) {
				p->sendf = 0;
				continue;
			}
		} else {
			n = read(in, p->buf, chunk < COPY_BUF ? chunk :
			    COPY_BUF);
			if (n > 0 && io_write_all(out, p->buf, (size_t)n,
			    e) < 0)
				return -1;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(e, "copy");
		if (n == 0)
			return err_set(e, ERR_GENERIC, "file shrank while "
			    "being copied");
		left -= (uint64_t)n;
	}
	return 0;
}

/* Open the directory at `rel` (a relative path) beneath `root`, one
 * O_NOFOLLOW component at a time. */
static int
open_beneath(int root, const char *rel, size_t len, struct err *e)
{
	char comp[NAME_MAX + 1];
	size_t i = 0, j;
	int fd, nfd;

	if ((fd = openat(root, ".", ODIR)) < 0)
		return err_sys(e, "open the root");
	while (i < len) {
		for (j = i; j < len && rel[j] != '/'; j++)
			;
		if (j - i > NAME_MAX) {
			close(fd);
			return err_set(e, ERR_LIMIT, "name too long");
		}
		memcpy(comp, rel + i, j - i);
		comp[j - i] = '\0';
		nfd = openat(fd, comp, ODIR);
		close(fd);
		if (nfd < 0)
			return err_sys(e, "open %.*s", (int)len, rel);
		fd = nfd;
		i = j + 1;
	}
	return fd;
}

/* A second path of a multiply-linked file of this layer: link it. */
static int
copy_link(struct pop *p, int dfd, const char *name, const char *first,
    int depth, struct err *e)
{
	const char *slash = strrchr(first, '/');
	size_t dl = slash ? (size_t)(slash - first) : 0;
	int pfd, r = 0;

	if (rm_entry(p, dfd, name, depth, e) < 0)
		return -1;
	if ((pfd = open_beneath(p->dstfd, first, dl, e)) < 0)
		return -1;
	if (linkat(pfd, slash ? slash + 1 : first, dfd, name, 0) < 0)
		r = err_sys(e, "hard link to %.200s", first);
	close(pfd);
	return r;
}

static int copy_dir(struct pop *p, int sfd, int dfd, int depth,
    struct err *e);

static int
copy_subdir(struct pop *p, int sfd, int dfd, const char *name,
    const struct stat *st, int depth, struct err *e)
{
	struct stat ds;
	int existed = 0, cs = -1, cd = -1, r = -1;

	if (depth >= COPYDRV_DEPTH_MAX)
		return err_set(e, ERR_LIMIT, "more than %d directory levels",
		    COPYDRV_DEPTH_MAX);
	if (fstatat(dfd, name, &ds, AT_SYMLINK_NOFOLLOW) == 0) {
		existed = S_ISDIR(ds.st_mode);
		if (!existed && rm_entry(p, dfd, name, depth, e) < 0)
			return -1;
		if (existed && ds.st_dev != p->dev)
			return err_set(e, EXDEV, "a mount point: not copied "
			    "into");
		if (existed && !p->root && (ds.st_mode & 0700) != 0700 &&
		    fchmodat(dfd, name, 0700, 0) < 0)
			return err_sys(e, "chmod");
	} else if (errno != ENOENT) {
		return err_sys(e, "stat");
	}
	if (!existed && mkdirat(dfd, name, 0700) < 0)
		return err_sys(e, "mkdir");
	if ((cs = openat(sfd, name, ODIR)) < 0 ||
	    (cd = openat(dfd, name, ODIR)) < 0) {
		err_sys(e, "open");
		goto out;
	}
	if (fstat(cs, &ds) < 0 || ds.st_ino != st->st_ino) {
		err_set(e, ERR_GENERIC, "replaced while being copied");
		goto out;
	}
	if (copy_dir(p, cs, cd, depth + 1, e) < 0)
		goto out;
	if (set_meta(p, cs, cd, st, existed, e) < 0) {
		pop_fail(p, e);
		goto out;
	}
	r = 0;
out:
	if (cs >= 0)
		close(cs);
	if (cd >= 0)
		close(cd);
	return r;
}

static int
copy_file(struct pop *p, int sfd, int dfd, const char *name,
    const struct stat *st, int depth, struct err *e)
{
	struct stat fs;
	const char *first;
	int in = -1, out = -1, r = -1;

	if (st->st_nlink > 1 && (first = hl_find(&p->hl, st)))
		return copy_link(p, dfd, name, first, depth, e);
	if (rm_entry(p, dfd, name, depth, e) < 0)
		return -1;
	in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (in < 0 || fstat(in, &fs) < 0) {
		err_sys(e, "open");
		goto out;
	}
	if (!S_ISREG(fs.st_mode) || fs.st_ino != st->st_ino) {
		err_set(e, ERR_GENERIC, "replaced while being copied");
		goto out;
	}
	out = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (out < 0) {
		err_sys(e, "create");
		goto out;
	}
	if (copy_data(p, in, out, fs.st_size, e) < 0 ||
	    set_meta(p, in, out, &fs, 0, e) < 0)
		goto out;
	if (st->st_nlink > 1 && hl_add(&p->hl, st, p->path, e) < 0)
		goto out;
	r = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return r;
}

/* Symlinks, devices, FIFOs: everything made by name. */
static int
copy_node(struct pop *p, int sfd, int dfd, const char *name,
    const struct stat *st, int depth, struct err *e)
{
	struct timespec ts[2];
	char target[TAR_PATH_MAX + 2];
	ssize_t n = 0;

	if (S_ISLNK(st->st_mode)) {
		n = readlinkat(sfd, name, target, sizeof(target));
		if (n < 0)
			return err_sys(e, "readlink");
		if ((size_t)n >= sizeof(target) - 1)
			return err_set(e, ERR_LIMIT, "symlink target too "
			    "long");
		target[n] = '\0';
	}
	if (rm_entry(p, dfd, name, depth, e) < 0)
		return -1;
	if (S_ISLNK(st->st_mode)) {
		if (symlinkat(target, dfd, name) < 0)
			return err_sys(e, "symlink");
	} else if (mknodat(dfd, name, (st->st_mode & S_IFMT) | 0600,
	    st->st_rdev) < 0) {
		return err_sys(e, "mknod");
	}
	if (fchownat(dfd, name, st->st_uid, st->st_gid,
	    AT_SYMLINK_NOFOLLOW) < 0 && !chown_ok(p))
		return err_sys(e, "chown");
	if (!S_ISLNK(st->st_mode) &&
	    fchmodat(dfd, name, st->st_mode & 07777, 0) < 0)
		return err_sys(e, "chmod");
	ts[0] = st->st_atim;
	ts[1] = st->st_mtim;
	if (utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, "set times");
	return 0;
}

/* Copy one layer directory `sfd` over the destination directory `dfd`. */
static int
copy_dir(struct pop *p, int sfd, int dfd, int depth, struct err *e)
{
	struct dlist l;
	const char *v;
	size_t i, plen;
	int r = -1, rc;

	if (dlist_read(sfd, &l, e) < 0)
		return pop_fail(p, e);
	if (dir_opaque(p->fmt, sfd, &l) && clear_dir(p, dfd, depth, e) < 0) {
		pop_fail(p, e);
		goto out;
	}
	for (i = 0; i < l.n; i++) {
		if (!is_whiteout(p->fmt, &l, i) ||
		    !(v = victim(p->fmt, l.names[i])))
			continue;
		if (!*v || strcmp(v, ".") == 0 || strcmp(v, "..") == 0) {
			err_set(e, ERR_PARSE, "invalid whiteout %s",
			    l.names[i]);
			pop_fail(p, e);
			goto out;
		}
		if (rm_entry(p, dfd, v, depth, e) < 0) {
			pop_fail(p, e);
			goto out;
		}
	}
	for (i = 0; i < l.n; i++) {
		const struct stat *st = &l.st[i];

		if (is_whiteout(p->fmt, &l, i) || S_ISSOCK(st->st_mode))
			continue;
		if ((plen = path_push(p->path, l.names[i], e)) == (size_t)-1) {
			pop_fail(p, e);
			goto out;
		}
		if (S_ISDIR(st->st_mode))
			rc = copy_subdir(p, sfd, dfd, l.names[i], st, depth, e);
		else if (S_ISREG(st->st_mode))
			rc = copy_file(p, sfd, dfd, l.names[i], st, depth, e);
		else
			rc = copy_node(p, sfd, dfd, l.names[i], st, depth, e);
		if (rc < 0) {
			pop_fail(p, e);
			goto out;
		}
		p->path[plen] = '\0';
	}
	r = 0;
out:
	dlist_free(&l);
	return r;
}

/* ---- diff: the lower view ---- */

/* Add the current path to the error, once. */
static int
diff_fail(struct diff *d, struct err *e)
{
	if (!d->ctx) {
		err_ctx(e, "%s", d->path[0] ? d->path : ".");
		d->ctx = 1;
	}
	return -1;
}

static void
node_free(struct node *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->name);
	free(n->link);
	free(n->xa);
	free(n);
}

static void
node_clear_kids(struct node *n)
{
	size_t i;

	for (i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	n->kids = NULL;
	n->nkids = 0;
}

static struct node *
node_find(const struct node *n, const char *name, size_t *at)
{
	size_t lo = 0, hi = n->nkids, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(name, n->kids[mid]->name);
		if (c == 0) {
			*at = mid;
			return n->kids[mid];
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*at = lo;
	return NULL;
}

static void
node_del(struct node *n, const char *name)
{
	size_t at;
	struct node *k = node_find(n, name, &at);

	if (!k)
		return;
	node_free(k);
	memmove(n->kids + at, n->kids + at + 1,
	    (n->nkids - at - 1) * sizeof(*n->kids));
	n->nkids--;
}

/* Fill `k` from the layer entry `name` of `sfd`; dirs: *dfd is opened. */
static int
node_set(struct diff *d, struct node *k, int sfd, const char *name,
    const struct stat *st, int *dfd, struct err *e)
{
	struct stat fs;
	ssize_t n;
	int fd = -1;

	*dfd = -1;
	if (!S_ISDIR(st->st_mode) || !S_ISDIR(k->mode))
		node_clear_kids(k);
	free(k->link);
	free(k->xa);
	k->link = NULL;
	k->xa = NULL;
	k->xalen = 0;
	k->mode = st->st_mode;
	k->uid = st->st_uid;
	k->gid = st->st_gid;
	k->rdev = st->st_rdev;
	k->size = st->st_size;
	k->mtim = st->st_mtim;
	if (S_ISLNK(st->st_mode)) {
		n = readlinkat(sfd, name, d->lnk, sizeof(d->lnk));
		if (n < 0)
			return err_sys(e, "readlink");
		if ((size_t)n >= sizeof(d->lnk) - 1)
			return err_set(e, ERR_LIMIT, "symlink target too "
			    "long");
		if (!(k->link = strndup(d->lnk, (size_t)n)))
			return err_set(e, ENOMEM, "out of memory");
		return 0;
	}
	if (!S_ISDIR(st->st_mode) && !S_ISREG(st->st_mode))
		return 0;
	fd = openat(sfd, name, S_ISDIR(st->st_mode) ? ODIR :
	    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &fs) < 0 || fs.st_ino != st->st_ino) {
		if (fd >= 0)
			close(fd);
		return err_sys(e, "open");
	}
	if (xa_read(&d->x, fd, &k->xa, &k->xalen, e) < 0) {
		close(fd);
		return -1;
	}
	if (S_ISDIR(st->st_mode))
		*dfd = fd;
	else
		close(fd);
	return 0;
}

/* Apply layer directory `sfd` (format `fmt`) onto the lower view `n`. */
static int
merge_dir(struct diff *d, struct node *n, int sfd, int fmt, int depth,
    struct err *e)
{
	struct dlist l;
	struct node **nk = NULL, *k;
	const char *v;
	size_t i, j = 0, cnt = 0, plen;
	int c, cfd, r = -1;

	if (depth >= COPYDRV_DEPTH_MAX)
		return err_set(e, ERR_LIMIT, "more than %d directory levels",
		    COPYDRV_DEPTH_MAX);
	if (dlist_read(sfd, &l, e) < 0)
		return diff_fail(d, e);
	if (dir_opaque(fmt, sfd, &l))
		node_clear_kids(n);
	for (i = 0; i < l.n; i++)
		if (!is_whiteout(fmt, &l, i))
			cnt++;
		else if ((v = victim(fmt, l.names[i])))
			node_del(n, v);
	if (!(nk = calloc(n->nkids + cnt + 1, sizeof(*nk)))) {
		err_set(e, ENOMEM, "out of memory");
		goto out;
	}
	cnt = 0;
	for (i = 0; i < l.n || j < n->nkids; ) {
		if (i < l.n && (is_whiteout(fmt, &l, i) ||
		    S_ISSOCK(l.st[i].st_mode))) {
			i++;
			continue;
		}
		c = i == l.n ? 1 : j == n->nkids ? -1 :
		    strcmp(l.names[i], n->kids[j]->name);
		if (c > 0) {
			nk[cnt++] = n->kids[j++];
			continue;
		}
		if (c == 0) {
			k = n->kids[j++];
		} else if (!(k = calloc(1, sizeof(*k))) ||
		    !(k->name = strdup(l.names[i]))) {
			free(k);
			err_set(e, ENOMEM, "out of memory");
			goto fail;
		}
		nk[cnt++] = k;
		if ((plen = path_push(d->path, l.names[i], e)) == (size_t)-1)
			goto fail;
		if (node_set(d, k, sfd, l.names[i], &l.st[i], &cfd, e) < 0)
			goto fail;
		if (cfd >= 0) {
			c = merge_dir(d, k, cfd, fmt, depth + 1, e);
			close(cfd);
			if (c < 0)
				goto fail;
		}
		d->path[plen] = '\0';
		i++;
	}
	free(n->kids);
	n->kids = nk;
	n->nkids = cnt;
	nk = NULL;
	r = 0;
	goto out;
fail:
	diff_fail(d, e);
	/* The kids moved so far and the rest are all still in n->kids or
	 * nk: keep n->kids, drop only the new nodes. */
	for (i = 0; i < cnt; i++) {
		size_t at;

		if (node_find(n, nk[i]->name, &at) != nk[i])
			node_free(nk[i]);
	}
out:
	free(nk);
	dlist_free(&l);
	return r;
}

/* ---- diff: the walk over the rootfs ---- */

/* Parse a blob into d->xv. */
static size_t
xa_vec(struct diff *d, const char *blob, size_t len)
{
	size_t off = 0, n = 0;

	while (n < XKEEP_MAX && xa_next(blob, len, &off, &d->xv[n].name,
	    &d->xv[n].value, &d->xv[n].len))
		n++;
	return n;
}

static int
emit(struct diff *d, const struct tarw_hdr *h, struct err *e)
{
	if (tarw_header(d->w, h, e) < 0)
		return -1;
	if (d->st)
		d->st->entries++;
	return 0;
}

static void
hdr_init(struct tarw_hdr *h, const struct stat *st, const char *path)
{
	memset(h, 0, sizeof(*h));
	h->path = path;
	h->mode = st->st_mode & 07777;
	h->uid = st->st_uid;
	h->gid = st->st_gid;
	h->mtime = st->st_mtim.tv_sec;
}

/* Write the headers of the directories on the path not written yet. */
static int
flush(struct diff *d, struct err *e)
{
	struct tarw_hdr h;
	struct stat st;
	char *blob;
	size_t i, len;
	int r;

	for (i = 1; i < d->nfr; i++) {
		if (d->fr[i].emitted)
			continue;
		if (fstat(d->fr[i].fd, &st) < 0)
			return err_sys(e, "stat");
		if (xa_read(&d->x, d->fr[i].fd, &blob, &len, e) < 0)
			return -1;
		memcpy(d->hpath, d->path, d->fr[i].plen);
		d->hpath[d->fr[i].plen] = '\0';
		hdr_init(&h, &st, d->hpath);
		h.type = TAR_DIR;
		h.xattrs = d->xv;
		h.nxattrs = xa_vec(d, blob, len);
		r = emit(d, &h, e);
		free(blob);
		if (r < 0)
			return -1;
		d->fr[i].emitted = 1;
	}
	return 0;
}

static int
whiteout(struct diff *d, const char *name, struct err *e)
{
	struct tarw_hdr h;
	size_t plen = strlen(d->path), nlen;

	if (flush(d, e) < 0)
		return -1;
	nlen = strlen(name);
	if (plen + 6 + nlen >= TAR_PATH_MAX)
		return err_set(e, ERR_LIMIT, "%s: path too long", name);
	memcpy(d->hpath, d->path, plen);
	if (plen)
		d->hpath[plen++] = '/';
	memcpy(d->hpath + plen, wh_prefix, sizeof(wh_prefix) - 1);
	memcpy(d->hpath + plen + sizeof(wh_prefix) - 1, name, nlen + 1);
	memset(&h, 0, sizeof(h));
	h.type = TAR_REG;
	h.path = d->hpath;
	if (emit(d, &h, e) < 0)
		return -1;
	if (d->st)
		d->st->whiteouts++;
	return 0;
}

static int
differs(const struct node *k, const struct stat *st, const char *xa,
    size_t xalen, const char *link)
{
	if (k->mode != st->st_mode || k->uid != st->st_uid ||
	    k->gid != st->st_gid || k->xalen != xalen ||
	    (xalen && memcmp(k->xa, xa, xalen) != 0))
		return 1;
	if (S_ISDIR(st->st_mode))
		return 0;
	if ((S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) &&
	    k->rdev != st->st_rdev)
		return 1;
	if (k->size != st->st_size || k->mtim.tv_sec != st->st_mtim.tv_sec ||
	    k->mtim.tv_nsec != st->st_mtim.tv_nsec)
		return 1;
	return link && (!k->link || strcmp(k->link, link) != 0);
}

static int
diff_data(struct diff *d, int fd, uint64_t size, struct err *e)
{
	ssize_t n;

	while (size) {
		n = read(fd, d->buf, size < COPY_BUF ? (size_t)size :
		    COPY_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(e, "read");
		if (n == 0)
			return err_set(e, ERR_GENERIC, "file shrank while "
			    "being archived");
		if (tarw_write(d->w, d->buf, (size_t)n, e) < 0)
			return -1;
		size -= (uint64_t)n;
		if (d->st)
			d->st->bytes += (uint64_t)n;
	}
	return 0;
}

static int diff_dir(struct diff *d, int fd, const struct node *low,
    int depth, struct err *e);

static int
diff_subdir(struct diff *d, int dfd, const char *name, const struct stat *st,
    const struct node *low, int depth, struct err *e)
{
	struct tarw_hdr h;
	struct stat fs;
	char *xa = NULL;
	size_t xalen;
	int fd, changed, r = -1;

	if (depth >= COPYDRV_DEPTH_MAX)
		return err_set(e, ERR_LIMIT, "more than %d directory levels",
		    COPYDRV_DEPTH_MAX);
	if ((fd = openat(dfd, name, ODIR)) < 0 || fstat(fd, &fs) < 0) {
		err_sys(e, "open");
		goto out;
	}
	if (fs.st_dev != d->dev) {
		r = 0;		/* a mount (a volume): not the container's */
		goto out;
	}
	if (xa_read(&d->x, fd, &xa, &xalen, e) < 0)
		goto out;
	changed = !low || differs(low, st, xa, xalen, NULL);
	if (changed) {
		if (flush(d, e) < 0)
			goto out;
		hdr_init(&h, &fs, d->path);
		h.type = TAR_DIR;
		h.xattrs = d->xv;
		h.nxattrs = xa_vec(d, xa, xalen);
		if (emit(d, &h, e) < 0)
			goto out;
	}
	d->fr[d->nfr].fd = fd;
	d->fr[d->nfr].plen = strlen(d->path);
	d->fr[d->nfr].emitted = changed;
	d->nfr++;
	r = diff_dir(d, fd, low && S_ISDIR(low->mode) ? low : NULL,
	    depth + 1, e);
	d->nfr--;
out:
	free(xa);
	if (fd >= 0)
		close(fd);
	return r;
}

static int
diff_file(struct diff *d, int dfd, const char *name, const struct stat *st,
    const struct node *low, struct err *e)
{
	struct tarw_hdr h;
	struct stat fs;
	const char *first;
	char *xa = NULL;
	size_t xalen;
	int fd, r = -1;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd < 0 || fstat(fd, &fs) < 0) {
		err_sys(e, "open");
		goto out;
	}
	if (!S_ISREG(fs.st_mode) || fs.st_ino != st->st_ino) {
		err_set(e, ERR_GENERIC, "replaced while being archived");
		goto out;
	}
	if (xa_read(&d->x, fd, &xa, &xalen, e) < 0)
		goto out;
	if (low && !differs(low, &fs, xa, xalen, NULL)) {
		r = 0;
		goto out;
	}
	if (flush(d, e) < 0)
		goto out;
	hdr_init(&h, &fs, d->path);
	if (fs.st_nlink > 1 && (first = hl_find(&d->hl, &fs))) {
		h.type = TAR_LINK;
		h.linkpath = first;
		r = emit(d, &h, e);
		goto out;
	}
	if (fs.st_nlink > 1 && hl_add(&d->hl, &fs, d->path, e) < 0)
		goto out;
	h.type = TAR_REG;
	h.size = (uint64_t)fs.st_size;
	h.xattrs = d->xv;
	h.nxattrs = xa_vec(d, xa, xalen);
	if (emit(d, &h, e) < 0 || diff_data(d, fd, h.size, e) < 0)
		goto out;
	r = 0;
out:
	free(xa);
	if (fd >= 0)
		close(fd);
	return r;
}

static int
diff_node(struct diff *d, int dfd, const char *name, const struct stat *st,
    const struct node *low, struct err *e)
{
	struct tarw_hdr h;
	ssize_t n;

	hdr_init(&h, st, d->path);
	if (S_ISLNK(st->st_mode)) {
		n = readlinkat(dfd, name, d->lnk, sizeof(d->lnk));
		if (n < 0)
			return err_sys(e, "readlink");
		if ((size_t)n >= sizeof(d->lnk) - 1 || n == 0)
			return err_set(e, ERR_LIMIT, "symlink target too "
			    "long or empty");
		d->lnk[n] = '\0';
		h.type = TAR_SYMLINK;
		h.linkpath = d->lnk;
	} else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		h.type = S_ISCHR(st->st_mode) ? TAR_CHR : TAR_BLK;
		h.devmajor = major(st->st_rdev);
		h.devminor = minor(st->st_rdev);
	} else {
		h.type = TAR_FIFO;
	}
	if (low && !differs(low, st, NULL, 0, h.linkpath))
		return 0;
	if (flush(d, e) < 0)
		return -1;
	return emit(d, &h, e);
}

/* Compare rootfs directory `fd` with the lower directory `low` (or NULL). */
static int
diff_dir(struct diff *d, int fd, const struct node *low, int depth,
    struct err *e)
{
	struct dlist l;
	const struct node *k;
	const struct stat *st;
	size_t i = 0, j = 0, nk = low ? low->nkids : 0, plen;
	int c, rc, r = -1;

	if (dlist_read(fd, &l, e) < 0)
		return diff_fail(d, e);
	while (i < l.n || j < nk) {
		c = i == l.n ? 1 : j == nk ? -1 :
		    strcmp(l.names[i], low->kids[j]->name);
		if (c > 0) {
			if (whiteout(d, low->kids[j++]->name, e) < 0) {
				diff_fail(d, e);
				goto out;
			}
			continue;
		}
		k = c == 0 ? low->kids[j++] : NULL;
		st = &l.st[i];
		if ((plen = path_push(d->path, l.names[i], e)) == (size_t)-1) {
			diff_fail(d, e);
			goto out;
		}
		if (S_ISDIR(st->st_mode))
			rc = diff_subdir(d, fd, l.names[i], st, k, depth, e);
		else if (S_ISREG(st->st_mode))
			rc = diff_file(d, fd, l.names[i], st, k, e);
		else if (S_ISSOCK(st->st_mode)) {
			rc = 0;
			if (d->st)
				d->st->skipped++;
		} else
			rc = diff_node(d, fd, l.names[i], st, k, e);
		if (rc < 0) {
			diff_fail(d, e);
			goto out;
		}
		d->path[plen] = '\0';
		i++;
	}
	r = 0;
out:
	dlist_free(&l);
	return r;
}

/* ---- public ---- */

int
copydrv_populate(struct store *s, const char *const *chains, size_t n,
    const char *dst, struct err *e)
{
	struct pop *p;
	struct stat st;
	size_t i;
	int lfd = -1, r = -1;

	if (!(p = calloc(1, sizeof(*p))))
		return err_set(e, ENOMEM, "out of memory");
	p->dstfd = -1;
	p->root = geteuid() == 0;
	p->cfr = 1;
	p->sendf = 1;
	if (!(p->buf = malloc(COPY_BUF))) {
		err_set(e, ENOMEM, "out of memory");
		goto out;
	}
	if (xbuf_init(&p->x, e) < 0)
		goto out;
	if ((p->dstfd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fstat(p->dstfd, &st) < 0) {
		err_sys(e, "%s", dst);
		goto out;
	}
	p->dev = st.st_dev;
	for (i = 0; i < n; i++) {
		if (layer_format(s, chains[i], &p->fmt, e) < 0 ||
		    (lfd = store_layer_open(s, chains[i], e)) < 0)
			goto layer;
		p->path[0] = '\0';
		p->ctx = 0;
		if (copy_dir(p, lfd, p->dstfd, 0, e) < 0)
			goto layer;
		close(lfd);
		lfd = -1;
		hl_free(&p->hl);
	}
	r = 0;
	goto out;
layer:
	err_ctx(e, "copy layer %.19s", chains[i]);
out:
	if (lfd >= 0)
		close(lfd);
	if (p->dstfd >= 0)
		close(p->dstfd);
	hl_free(&p->hl);
	xbuf_free(&p->x);
	free(p->buf);
	free(p);
	return r;
}

int
copydrv_diff(struct store *s, const char *const *chains, size_t n,
    int rootfd, struct tarw *w, struct tarw_tree_stats *st, struct err *e)
{
	struct diff *d;
	struct node *root = NULL;
	struct stat rs;
	size_t i;
	int fmt, lfd = -1, r = -1;

	if (st)
		memset(st, 0, sizeof(*st));
	if (!(d = calloc(1, sizeof(*d))))
		return err_set(e, ENOMEM, "out of memory");
	d->w = w;
	d->st = st;
	if (!(d->buf = malloc(COPY_BUF)) || !(root = calloc(1, sizeof(*root)))) {
		err_set(e, ENOMEM, "out of memory");
		goto out;
	}
	root->mode = S_IFDIR | 0755;
	if (xbuf_init(&d->x, e) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (layer_format(s, chains[i], &fmt, e) < 0 ||
		    (lfd = store_layer_open(s, chains[i], e)) < 0)
			goto layer;
		d->path[0] = '\0';
		d->ctx = 0;
		if (merge_dir(d, root, lfd, fmt, 0, e) < 0)
			goto layer;
		close(lfd);
		lfd = -1;
	}
	if (fstat(rootfd, &rs) < 0) {
		err_sys(e, "stat the rootfs");
		goto out;
	}
	d->dev = rs.st_dev;
	d->path[0] = '\0';
	d->ctx = 0;
	d->fr[0].fd = rootfd;
	d->fr[0].emitted = 1;
	d->nfr = 1;
	r = diff_dir(d, rootfd, root, 0, e);
	goto out;
layer:
	err_ctx(e, "read layer %.19s", chains[i]);
out:
	if (lfd >= 0)
		close(lfd);
	node_free(root);
	hl_free(&d->hl);
	xbuf_free(&d->x);
	free(d->buf);
	free(d);
	return r;
}

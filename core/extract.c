/* extract.c - layer extraction beneath a root fd: paths, metadata, whiteouts
 *
 * Every entry goes through the same steps: clean its name, classify it
 * (root, aufs metadata, whiteout, plain entry), open its parent directory
 * beneath the root (openat2 RESOLVE_IN_ROOT, or the openat walk), then
 * create the final name with *at() calls that never follow it, replacing
 * what was there, and apply metadata in the R2.17 order.
 *
 * The parent directory fd of the last entry is cached, since archives list
 * a directory's entries together. Any removal marks the cache stale: a
 * removed directory must not keep receiving entries through an old fd.
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

#include "extract.h"
#include "tar.h"

enum {
	SYSNR_OPENAT2 = 437,		/* the same on every architecture */
	RES_NO_XDEV = 0x01,		/* linux/openat2.h RESOLVE_* */
	RES_NO_MAGICLINKS = 0x02,
	RES_IN_ROOT = 0x10,
	OPENAT2_TRIES = 16,		/* EAGAIN: a rename raced a lookup */
	MAX_SYMLINKS = 40,		/* as the kernel's MAXSYMLINKS */
	NAME_MAX_ = 255,		/* one path component */
	XATTR_NAME_MAX_ = 255,
	WALK_MAX = 2 * (TAR_PATH_MAX + 1), /* path left while walking */
	WRITE_BUF = 256 << 10,
	OPAQUE_DEPTH_MAX = 256,		/* kept directories nested */
	RMTREE_STACK = 64 << 10,	/* names of directories being removed */
	RMTREE_RETRIES = 1000,
	SET_SLOTS0 = 1024,
};

static const uint64_t default_max_bytes = (uint64_t)64 << 30;
static const char opq_name[] = ".wh..wh..opq";
static const char wh_prefix[] = ".wh.";
static const char meta_prefix[] = ".wh..wh.";

/* struct open_how of linux/openat2.h */
struct how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};

/* Directory times to set at the end; the path follows, NUL-terminated. */
struct dirtime {
	int64_t mtime, atime;
	long mtime_nsec, atime_nsec;
	size_t len;
};

/* Open-addressing set of paths (EXTRACT_FLAT: what this layer created). */
struct slot {
	uint32_t off;		/* arena offset + 1; 0 = empty */
	uint32_t hash;
};

struct pathset {
	char *arena;
	size_t len, cap;
	struct slot *slots;
	size_t nslots, count;
};

struct x {
	int root;
	dev_t rootdev;
	struct extract_opts o;
	struct extract_stats *st;
	struct tar tar;
	int use_openat2;

	int cfd;			/* cached parent fd, or -1 */
	int cstale;
	size_t clen;
	char cpath[TAR_PATH_MAX + 1];

	char path[TAR_PATH_MAX + 1];	/* cleaned entry path */
	char tpath[TAR_PATH_MAX + 1];	/* link target, victim, scratch */
	char dpath[TAR_PATH_MAX + 1];	/* make_dirs() */
	char opath[TAR_PATH_MAX + 1];	/* opaque_clean() */
	char walk[WALK_MAX];		/* walk(): path left */
	char wtmp[WALK_MAX];
	char wres[WALK_MAX];		/* walk(): resolved so far */
	char lnk[TAR_PATH_MAX + 1];	/* walk(): readlinkat */

	unsigned char *buf;		/* WRITE_BUF */
	char *stk;			/* rmtree() names, RMTREE_STACK */
	struct pathset set;
	char *dt;			/* struct dirtime records */
	size_t dtlen, dtcap;
};

static int
is_dot(const char *s)
{
	return s[0] == '.' && (s[1] == '\0' || (s[1] == '.' && s[2] == '\0'));
}

int
extract_path_clean(const char *in, char *out, size_t size)
{
	const char *c;
	size_t o = 0, n;

	if (size == 0)
		return -1;
	while (*in) {
		while (*in == '/')
			in++;
		if (!*in)
			break;
		for (c = in; *in && *in != '/'; in++)
			;
		n = (size_t)(in - c);
		if (n == 1 && c[0] == '.')
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			if (o == 0)
				return -1;
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		if (o + (o > 0) + n + 1 > size)
			return -1;
		if (o)
			out[o++] = '/';
		memcpy(out + o, c, n);
		o += n;
	}
	out[o] = '\0';
	return 0;
}

/* Does a component start with ".wh..wh." (other than a final opq)? */
static int
aufs_meta(const char *p)
{
	const char *c;

	for (;;) {
		c = strchr(p, '/');
		if (strncmp(p, meta_prefix, sizeof(meta_prefix) - 1) == 0 &&
		    (c || strcmp(p, opq_name) != 0))
			return 1;
		if (!c)
			return 0;
		p = c + 1;
	}
}

/* --- bookkeeping memory: the path set and the directory-times list --- */

static size_t
meta_used(const struct x *x)
{
	return x->set.cap + x->set.nslots * sizeof(struct slot) + x->dtcap;
}

static int
meta_grow(struct x *x, size_t more, struct err *e)
{
	if (meta_used(x) + more > x->o.max_meta)
		return err_set(e, ERR_LIMIT, "bookkeeping for the layer's "
		    "directories and paths exceeds %zu bytes (max_meta)",
		    x->o.max_meta);
	return 0;
}

static uint32_t
hash(const char *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ (unsigned char)*p++) * 16777619u;
	return h;
}

/* Index of `p` in the set, or of the empty slot where it would go. */
static size_t
set_slot(const struct pathset *s, const char *p, size_t n, uint32_t h,
    int *found)
{
	size_t i = h & (s->nslots - 1);
	const char *a;

	*found = 0;
	while (s->slots[i].off) {
		a = s->arena + s->slots[i].off - 1;
		if (s->slots[i].hash == h && memcmp(a, p, n) == 0 &&
		    a[n] == '\0') {
			*found = 1;
			break;
		}
		i = (i + 1) & (s->nslots - 1);
	}
	return i;
}

static int
set_has(const struct pathset *s, const char *p, size_t n)
{
	int found;

	if (!s->nslots)
		return 0;
	set_slot(s, p, n, hash(p, n), &found);
	return found;
}

static int
set_rehash(struct x *x, struct err *e)
{
	struct pathset *s = &x->set;
	size_t n = s->nslots ? 2 * s->nslots : SET_SLOTS0, i, j;
	struct slot *ns;

	if (meta_grow(x, n * sizeof(*ns), e) < 0)
		return -1;
	ns = calloc(n, sizeof(*ns));
	if (!ns)
		return err_set(e, ENOMEM, "out of memory");
	for (i = 0; i < s->nslots; i++) {
		if (!s->slots[i].off)
			continue;
		for (j = s->slots[i].hash & (n - 1); ns[j].off;
		    j = (j + 1) & (n - 1))
			;
		ns[j] = s->slots[i];
	}
	free(s->slots);
	s->slots = ns;
	s->nslots = n;
	return 0;
}

/* Add one path; returns 1 if added, 0 if present, -1. */
static int
set_add(struct x *x, const char *p, size_t n, struct err *e)
{
	struct pathset *s = &x->set;
	uint32_t h = hash(p, n);
	size_t i, cap;
	int found;
	char *a;

	if (2 * (s->count + 1) > s->nslots && set_rehash(x, e) < 0)
		return -1;
	i = set_slot(s, p, n, h, &found);
	if (found)
		return 0;
	if (s->len + n + 1 > s->cap) {
		cap = s->cap ? 2 * s->cap : 64 << 10;
		while (cap < s->len + n + 1)
			cap *= 2;
		if (cap > UINT32_MAX)
			return err_set(e, ERR_LIMIT, "too many paths");
		if (meta_grow(x, cap - s->cap, e) < 0)
			return -1;
		a = realloc(s->arena, cap);
		if (!a)
			return err_set(e, ENOMEM, "out of memory");
		s->arena = a;
		s->cap = cap;
	}
	memcpy(s->arena + s->len, p, n);
	s->arena[s->len + n] = '\0';
	s->slots[i].off = (uint32_t)(s->len + 1);
	s->slots[i].hash = h;
	s->len += n + 1;
	s->count++;
	return 1;
}

/* EXTRACT_FLAT: remember `p` and its parents as created by this layer. */
static int
created(struct x *x, const char *p, size_t n, struct err *e)
{
	int r;

	if (x->o.mode != EXTRACT_FLAT)
		return 0;
	for (;;) {
		r = set_add(x, p, n, e);
		if (r <= 0)
			return r;
		while (n > 0 && p[n - 1] != '/')
			n--;
		if (n == 0)
			return 0;
		n--;
	}
}

static int
dirtime_add(struct x *x, const char *p, size_t n, const struct tar_entry *ent,
    struct err *e)
{
	size_t need = (sizeof(struct dirtime) + n + 1 + 7) & ~(size_t)7, cap;
	struct dirtime *d;
	char *a;

	if (x->dtlen + need > x->dtcap) {
		cap = x->dtcap ? 2 * x->dtcap : 64 << 10;
		while (cap < x->dtlen + need)
			cap *= 2;
		if (meta_grow(x, cap - x->dtcap, e) < 0)
			return -1;
		a = realloc(x->dt, cap);
		if (!a)
			return err_set(e, ENOMEM, "out of memory");
		x->dt = a;
		x->dtcap = cap;
	}
	d = (struct dirtime *)(x->dt + x->dtlen);
	d->mtime = ent->mtime;
	d->mtime_nsec = ent->mtime_nsec;
	d->atime = ent->has_atime ? ent->atime : ent->mtime;
	d->atime_nsec = ent->has_atime ? ent->atime_nsec : ent->mtime_nsec;
	d->len = n;
	memcpy(d + 1, p, n);
	((char *)(d + 1))[n] = '\0';
	x->dtlen += need;
	return 0;
}

/* --- resolving directories beneath the root --- */

/* Reopen the resolved path `res` (real directories only) from the root. */
static int
reopen(struct x *x, const char *res)
{
	char name[NAME_MAX_ + 1];
	const char *c;
	int fd, nfd;
	size_t n;

	fd = fcntl(x->root, F_DUPFD_CLOEXEC, 0);
	while (fd >= 0 && *res) {
		for (c = res; *res && *res != '/'; res++)
			;
		n = (size_t)(res - c);
		if (*res)
			res++;
		memcpy(name, c, n);
		name[n] = '\0';
		nfd = openat(fd, name, O_PATH | O_NOFOLLOW | O_DIRECTORY |
		    O_CLOEXEC);
		close(fd);
		fd = nfd;
	}
	return fd;
}

/*
 * The openat2 fallback: resolve directory `path` like RESOLVE_IN_ROOT |
 * RESOLVE_NO_XDEV, one O_NOFOLLOW component at a time. Symlinks are read
 * and spliced into the path left to walk (absolute ones restart at the
 * root); ".." never goes above the root. Returns an O_PATH fd or -1 with
 * errno set.
 */
static int
walk(struct x *x, const char *path)
{
	char name[NAME_MAX_ + 1];
	size_t pos = 0, rlen = 0, n, rest;
	int fd, nfd, links = 0, saved;
	struct stat sb;
	ssize_t ln;
	char *c;

	if (strlen(path) >= sizeof(x->walk)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(x->walk, path);
	x->wres[0] = '\0';
	fd = fcntl(x->root, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	for (;;) {
		while (x->walk[pos] == '/')
			pos++;
		if (!x->walk[pos])
			return fd;
		c = x->walk + pos;
		for (n = 0; c[n] && c[n] != '/'; n++)
			;
		pos += n;
		if (n > NAME_MAX_) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		memcpy(name, c, n);
		name[n] = '\0';
		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			if (rlen == 0)
				continue;
			while (rlen > 0 && x->wres[rlen - 1] != '/')
				rlen--;
			if (rlen > 0)
				rlen--;
			x->wres[rlen] = '\0';
			close(fd);
			fd = reopen(x, x->wres);
			if (fd < 0)
				return -1;
			continue;
		}
		nfd = openat(fd, name, O_PATH | O_NOFOLLOW | O_DIRECTORY |
		    O_CLOEXEC);
		if (nfd >= 0) {
			if (fstat(nfd, &sb) < 0 || sb.st_dev != x->rootdev) {
				close(nfd);
				errno = EXDEV;
				goto fail;
			}
			if (rlen + 1 + n >= sizeof(x->wres)) {
				close(nfd);
				errno = ENAMETOOLONG;
				goto fail;
			}
			if (rlen)
				x->wres[rlen++] = '/';
			memcpy(x->wres + rlen, name, n + 1);
			rlen += n;
			close(fd);
			fd = nfd;
			continue;
		}
		if (errno != ENOTDIR && errno != ELOOP)
			goto fail;
		if (fstatat(fd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			goto fail;
		if (!S_ISLNK(sb.st_mode)) {
			errno = ENOTDIR;
			goto fail;
		}
		if (++links > MAX_SYMLINKS) {
			errno = ELOOP;
			goto fail;
		}
		ln = readlinkat(fd, name, x->lnk, sizeof(x->lnk));
		if (ln < 0)
			goto fail;
		rest = strlen(x->walk + pos);
		if ((size_t)ln >= sizeof(x->lnk) ||
		    (size_t)ln + 1 + rest >= sizeof(x->wtmp)) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		memcpy(x->wtmp, x->lnk, (size_t)ln);
		x->wtmp[ln] = '/';
		memcpy(x->wtmp + ln + 1, x->walk + pos, rest + 1);
		memcpy(x->walk, x->wtmp, (size_t)ln + 1 + rest + 1);
		pos = 0;
		if (x->lnk[0] == '/') {
			close(fd);
			fd = fcntl(x->root, F_DUPFD_CLOEXEC, 0);
			if (fd < 0)
				return -1;
			rlen = 0;
			x->wres[0] = '\0';
		}
	}
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* Open directory `path` (cleaned; "" = root) beneath the root: an O_PATH
 * fd, or -1 with errno set. */
static int
open_beneath(struct x *x, const char *path)
{
	struct how h = { O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
	    RES_IN_ROOT | RES_NO_MAGICLINKS | RES_NO_XDEV };
	long fd = -1;
	int i;

	if (!*path)
		return fcntl(x->root, F_DUPFD_CLOEXEC, 0);
	if (x->use_openat2) {
		for (i = 0; i < OPENAT2_TRIES; i++) {
			fd = syscall(SYSNR_OPENAT2, x->root, path, &h,
			    sizeof(h));
			if (fd >= 0 || (errno != EAGAIN && errno != EINTR))
				break;
		}
		if (fd >= 0 || errno != ENOSYS)
			return (int)fd;
		x->use_openat2 = 0;
	}
	return walk(x, path);
}

/*
 * Open directory `dir` (`len` bytes of a cleaned path), creating it and
 * missing parents (0755) when `create`. Returns a new O_PATH fd or -1
 * with `e` set (with errno ENOENT in e->code when !create and missing).
 */
static int
make_dirs(struct x *x, const char *dir, size_t len, int create,
    struct err *e)
{
	char *p = x->dpath;
	size_t cut, start, end;
	int fd, nfd;

	memcpy(p, dir, len);
	p[len] = '\0';
	fd = open_beneath(x, p);
	if (fd >= 0)
		return fd;
	if (errno != ENOENT || !create)
		return err_sys(e, "open directory %.200s", p);
	/* Find the deepest existing ancestor. */
	for (cut = len;;) {
		while (cut > 0 && p[cut - 1] != '/')
			cut--;
		if (cut == 0) {
			fd = fcntl(x->root, F_DUPFD_CLOEXEC, 0);
			start = 0;
			break;
		}
		p[cut - 1] = '\0';
		fd = open_beneath(x, p);
		p[cut - 1] = '/';
		if (fd >= 0) {
			start = cut;
			break;
		}
		if (errno != ENOENT)
			return err_sys(e, "open directory %.200s", p);
		cut--;
	}
	if (fd < 0)
		return err_sys(e, "dup");
	/* Create the rest, one component at a time. */
	while (start < len) {
		for (end = start; end < len && p[end] != '/'; end++)
			;
		p[end] = '\0';
		if (mkdirat(fd, p + start, 0755) == 0) {
			nfd = openat(fd, p + start, O_PATH | O_NOFOLLOW |
			    O_DIRECTORY | O_CLOEXEC);
			if (nfd >= 0 && created(x, p, end, e) < 0) {
				close(nfd);
				close(fd);
				return -1;
			}
		} else if (errno == EEXIST) {
			nfd = open_beneath(x, p);	/* may be a symlink */
		} else {
			nfd = -1;
		}
		if (nfd < 0) {
			err_sys(e, "create directory %.200s", p);
			close(fd);
			return -1;
		}
		close(fd);
		fd = nfd;
		if (end < len)
			p[end] = '/';
		start = end + 1;
	}
	return fd;
}

/*
 * The parent directory for an entry: `len` bytes of `dir`. Returns an fd
 * owned by the cache (or the root fd itself): do not close it.
 */
static int
parent(struct x *x, const char *dir, size_t len, int create, struct err *e)
{
	int fd;

	if (len == 0)
		return x->root;
	if (x->cfd >= 0 && !x->cstale && x->clen == len &&
	    memcmp(x->cpath, dir, len) == 0)
		return x->cfd;
	if (x->cfd >= 0)
		close(x->cfd);
	x->cfd = -1;
	x->cstale = 0;
	fd = make_dirs(x, dir, len, create, e);
	if (fd < 0)
		return -1;
	x->cfd = fd;
	x->clen = len;
	memcpy(x->cpath, dir, len);
	return fd;
}

/* --- removal --- */

/*
 * Remove `name` in `pfd` and, for a directory, everything below it,
 * without following any symlink. Iterative (depth is bounded only by the
 * name stack, not by file descriptors): descend into a non-empty
 * directory, come back up through "..". A missing `name` is not an error.
 */
static int
rmtree(struct x *x, int pfd, const char *name, struct err *e)
{
	size_t sp = 0, n;
	int fd, retries = 0;
	DIR *d = NULL;
	struct dirent *de;

	x->cstale = 1;
	if (unlinkat(pfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return err_sys(e, "remove %.200s", name);
	if (unlinkat(pfd, name, AT_REMOVEDIR) == 0)
		return 0;
	if (errno != ENOTEMPTY && errno != EEXIST)
		return err_sys(e, "remove %.200s", name);
	if (!x->stk && !(x->stk = malloc(RMTREE_STACK)))
		return err_set(e, ENOMEM, "out of memory");
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		err_sys(e, "open %.200s", name);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (;;) {
		while ((de = readdir(d))) {
			if (is_dot(de->d_name))
				continue;
			if (unlinkat(dirfd(d), de->d_name, 0) == 0 ||
			    errno == ENOENT)
				continue;
			if (errno != EISDIR && errno != EPERM)
				goto fail;
			if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) == 0)
				continue;
			if (errno != ENOTEMPTY && errno != EEXIST)
				goto fail;
			n = strlen(de->d_name) + 1;
			if (sp + n > RMTREE_STACK) {
				err_set(e, ERR_LIMIT, "remove %.200s: tree too "
				    "deep", name);
				goto out;
			}
			memcpy(x->stk + sp, de->d_name, n);
			fd = openat(dirfd(d), de->d_name, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				goto fail;
			sp += n;
			closedir(d);
			if (!(d = fdopendir(fd))) {
				close(fd);
				goto fail;
			}
		}
		/* This directory is empty now: remove it from its parent. */
		if (sp == 0) {
			closedir(d);
			d = NULL;
			if (unlinkat(pfd, name, AT_REMOVEDIR) == 0)
				return 0;
			if (errno != ENOTEMPTY || ++retries > RMTREE_RETRIES)
				return err_sys(e, "remove %.200s", name);
			fd = openat(pfd, name, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0 || !(d = fdopendir(fd))) {
				err_sys(e, "open %.200s", name);
				if (fd >= 0)
					close(fd);
				return -1;
			}
			continue;
		}
		fd = openat(dirfd(d), "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			goto fail;
		closedir(d);
		if (!(d = fdopendir(fd))) {
			close(fd);
			goto fail;
		}
		for (n = sp - 1; n > 0 && x->stk[n - 1]; n--)
			;
		if (unlinkat(dirfd(d), x->stk + n, AT_REMOVEDIR) == 0) {
			sp = n;
			continue;
		}
		if (errno != ENOTEMPTY || ++retries > RMTREE_RETRIES)
			goto fail;
		/* readdir missed something: go back down and look again. */
		fd = openat(dirfd(d), x->stk + n, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			goto fail;
		closedir(d);
		if (!(d = fdopendir(fd))) {
			close(fd);
			goto fail;
		}
	}
fail:
	err_sys(e, "remove %.200s", name);
out:
	if (d)
		closedir(d);
	return -1;
}

/*
 * EXTRACT_FLAT opaque whiteout: in the directory `dfd`, whose cleaned
 * path is x->opath[0..plen), remove every child this layer did not
 * create, and clean the created child directories the same way.
 */
static int
opaque_clean(struct x *x, int dfd, size_t plen, int depth, struct err *e)
{
	struct dirent *de;
	struct stat sb;
	size_t n, len;
	int fd, removed, isdir, r, ret = -1;
	DIR *d;

	if (depth > OPAQUE_DEPTH_MAX)
		return err_set(e, ERR_LIMIT, "opaque whiteout: directories "
		    "nested deeper than %d", OPAQUE_DEPTH_MAX);
	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		err_sys(e, "open %.200s", plen ? x->opath : ".");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	do {
		removed = 0;
		rewinddir(d);
		while ((de = readdir(d))) {
			if (is_dot(de->d_name))
				continue;
			n = strlen(de->d_name);
			len = plen + (plen ? 1 : 0) + n;
			if (len <= TAR_PATH_MAX) {
				if (plen)
					x->opath[plen] = '/';
				memcpy(x->opath + len - n, de->d_name, n + 1);
			}
			if (len > TAR_PATH_MAX ||
			    !set_has(&x->set, x->opath, len)) {
				x->opath[plen] = '\0';
				if (rmtree(x, dirfd(d), de->d_name, e) < 0)
					goto out;
				removed = 1;
				continue;
			}
			isdir = de->d_type == DT_DIR;
			if (de->d_type == DT_UNKNOWN)
				isdir = fstatat(dirfd(d), de->d_name, &sb,
				    AT_SYMLINK_NOFOLLOW) == 0 &&
				    S_ISDIR(sb.st_mode);
			if (!isdir)
				continue;
			fd = openat(dirfd(d), de->d_name, O_PATH | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0) {
				err_sys(e, "open %.200s", x->opath);
				goto out;
			}
			r = opaque_clean(x, fd, len, depth + 1, e);
			close(fd);
			if (r < 0)
				goto out;
		}
		x->opath[plen] = '\0';
	} while (removed);
	ret = 0;
out:
	x->opath[plen] = '\0';
	closedir(d);
	return ret;
}

/* --- metadata --- */

static void
entry_times(const struct tar_entry *ent, struct timespec ts[2])
{
	ts[1].tv_sec = (time_t)ent->mtime;
	ts[1].tv_nsec = ent->mtime_nsec;
	if (ent->has_atime) {
		ts[0].tv_sec = (time_t)ent->atime;
		ts[0].tv_nsec = ent->atime_nsec;
	} else {
		ts[0] = ts[1];
	}
}

/*
 * Set the entry's xattrs on `fd`, or (fd < 0) on `name` in `pfd` without
 * following it (through /proc/self/fd, since there is no lsetxattrat).
 */
static int
set_xattrs(struct x *x, const struct tar_entry *ent, int fd, int pfd,
    const char *name, struct err *e)
{
	const struct tar_xattr *xa;
	char proc[64 + NAME_MAX_];
	size_t i;
	int r;

	for (i = 0; i < ent->nxattrs; i++) {
		xa = &ent->xattrs[i];
		if (strlen(xa->name) > XATTR_NAME_MAX_)
			return err_set(e, ERR_LIMIT, "xattr name longer than "
			    "%d bytes", XATTR_NAME_MAX_);
		if (xa->len > x->o.max_xattr)
			return err_set(e, ERR_LIMIT, "xattr %.100s: value of "
			    "%zu bytes exceeds %zu (max_xattr)", xa->name,
			    xa->len, x->o.max_xattr);
		if (strncmp(xa->name, "trusted.", 8) == 0 ||
		    strncmp(xa->name, "user.overlay.", 13) == 0) {
			x->st->xattrs_dropped++;
			continue;
		}
		if (fd >= 0) {
			r = fsetxattr(fd, xa->name, xa->value, xa->len, 0);
		} else {
			snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s",
			    pfd, name);
			r = lsetxattr(proc, xa->name, xa->value, xa->len, 0);
		}
		if (r == 0) {
			x->st->xattrs++;
		} else if (strcmp(xa->name, "security.capability") == 0) {
			return err_sys(e, "set xattr security.capability");
		} else {
			x->st->xattrs_failed++;
		}
	}
	return 0;
}

/* chown, xattrs, chmod, times on an open regular file or directory. */
static int
meta_fd(struct x *x, const struct tar_entry *ent, int fd, struct err *e)
{
	struct timespec ts[2];

	if (!(x->o.flags & EXTRACT_NO_CHOWN) &&
	    fchown(fd, ent->uid, ent->gid) < 0)
		return err_sys(e, "chown %u:%u", (unsigned)ent->uid,
		    (unsigned)ent->gid);
	if (set_xattrs(x, ent, fd, -1, NULL, e) < 0)
		return -1;
	if (fchmod(fd, ent->mode & 07777) < 0)
		return err_sys(e, "chmod %04o", ent->mode & 07777);
	if (ent->type == TAR_DIR)
		return 0;
	entry_times(ent, ts);
	if (futimens(fd, ts) < 0)
		return err_sys(e, "set times");
	return 0;
}

/* The same on `name` in `pfd`, never following it (symlinks, nodes). */
static int
meta_at(struct x *x, const struct tar_entry *ent, int pfd, const char *name,
    struct err *e)
{
	struct timespec ts[2];

	if (!(x->o.flags & EXTRACT_NO_CHOWN) && fchownat(pfd, name, ent->uid,
	    ent->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, "chown %u:%u", (unsigned)ent->uid,
		    (unsigned)ent->gid);
	if (set_xattrs(x, ent, -1, pfd, name, e) < 0)
		return -1;
	/* We just made `name` (not a symlink): chmod cannot be redirected. */
	if (ent->type != TAR_SYMLINK && fchmodat(pfd, name, ent->mode & 07777,
	    0) < 0)
		return err_sys(e, "chmod %04o", ent->mode & 07777);
	entry_times(ent, ts);
	if (utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, "set times");
	return 0;
}

/* --- entry kinds --- */

static int
do_file(struct x *x, const struct tar_entry *ent, int pfd, const char *name,
    struct err *e)
{
	uint64_t left = x->o.max_bytes - x->st->bytes;
	int fd, i, ret = -1;
	ssize_t n;

	if (ent->size > left)
		return err_set(e, ERR_LIMIT, "file of %llu bytes exceeds the "
		    "layer's byte budget (%llu bytes, max_bytes)",
		    (unsigned long long)ent->size,
		    (unsigned long long)x->o.max_bytes);
	for (i = 0;; i++) {
		fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, ent->mode & 0777);
		if (fd >= 0)
			break;
		if (errno != EEXIST || i)
			return err_sys(e, "create");
		if (rmtree(x, pfd, name, e) < 0)
			return -1;
	}
	for (;;) {
		n = tar_read(&x->tar, x->buf, WRITE_BUF, e);
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		if (io_write_all(fd, x->buf, (size_t)n, e) < 0)
			goto out;
		x->st->bytes += (uint64_t)n;
	}
	if (meta_fd(x, ent, fd, e) < 0)
		goto out;
	ret = 0;
	x->st->files++;
out:
	if (close(fd) < 0 && ret == 0)
		ret = err_sys(e, "close");
	return ret;
}

static int
set_opaque(struct x *x, int dfd, struct err *e)
{
	const char *xname = (x->o.flags & EXTRACT_USERXATTR) ?
	    "user.overlay.opaque" : "trusted.overlay.opaque";
	int fd, r;

	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "open");
	r = fsetxattr(fd, xname, "y", 1, 0);
	close(fd);
	if (r < 0)
		return err_sys(e, "set %s", xname);
	return 0;
}

static int
do_dir(struct x *x, const struct tar_entry *ent, int pfd, const char *name,
    struct err *e)
{
	int fd, ret = -1, over_whiteout = 0;
	struct stat sb;

	if (mkdirat(pfd, name, ent->mode & 0777) < 0) {
		if (errno != EEXIST)
			return err_sys(e, "mkdir");
		if (fstatat(pfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			return err_sys(e, "stat");
		if (!S_ISDIR(sb.st_mode)) {
			over_whiteout = x->o.mode == EXTRACT_OVERLAY &&
			    S_ISCHR(sb.st_mode) && sb.st_rdev == 0;
			if (rmtree(x, pfd, name, e) < 0)
				return -1;
			if (mkdirat(pfd, name, ent->mode & 0777) < 0)
				return err_sys(e, "mkdir");
		}
	}
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == EACCES && fchmodat(pfd, name, 0700, 0) == 0)
		fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "open");
	if (fstat(fd, &sb) < 0 || sb.st_dev != x->rootdev) {
		err_set(e, EXDEV, "directory is on another filesystem (a "
		    "mount point)");
		goto out;
	}
	if (over_whiteout && set_opaque(x, fd, e) < 0)
		goto out;
	if (meta_fd(x, ent, fd, e) < 0)
		goto out;
	if (dirtime_add(x, x->path, strlen(x->path), ent, e) < 0)
		goto out;
	ret = 0;
	x->st->dirs++;
out:
	close(fd);
	return ret;
}

static int
do_symlink(struct x *x, const struct tar_entry *ent, int pfd,
    const char *name, struct err *e)
{
	int i;

	for (i = 0;; i++) {
		if (symlinkat(ent->linkpath, pfd, name) == 0)
			break;
		if (errno != EEXIST || i)
			return err_sys(e, "symlink");
		if (rmtree(x, pfd, name, e) < 0)
			return -1;
	}
	if (meta_at(x, ent, pfd, name, e) < 0)
		return -1;
	x->st->symlinks++;
	return 0;
}

static int
do_node(struct x *x, const struct tar_entry *ent, int pfd, const char *name,
    struct err *e)
{
	mode_t type = ent->type == TAR_FIFO ? S_IFIFO :
	    ent->type == TAR_CHR ? S_IFCHR : S_IFBLK;
	dev_t dev = makedev(ent->devmajor, ent->devminor);
	int i;

	for (i = 0;; i++) {
		if (mknodat(pfd, name, type | (ent->mode & 0777), dev) == 0)
			break;
		if (errno != EEXIST || i)
			return err_sys(e, "mknod");
		if (rmtree(x, pfd, name, e) < 0)
			return -1;
	}
	if (meta_at(x, ent, pfd, name, e) < 0)
		return -1;
	if (ent->type == TAR_FIFO)
		x->st->fifos++;
	else
		x->st->devices++;
	return 0;
}

static int
do_hardlink(struct x *x, const struct tar_entry *ent, int pfd,
    const char *name, struct err *e)
{
	char *t = x->tpath, *slash;
	const char *tname;
	struct stat a, b;
	int tfd, i, ret = -1;

	if (extract_path_clean(ent->linkpath, t, sizeof(x->tpath)) < 0)
		return err_set(e, ERR_PARSE, "hard link target %.200s is "
		    "outside the layer", ent->linkpath);
	if (!*t)
		return err_set(e, ERR_PARSE, "hard link to the layer root");
	if (strcmp(t, x->path) == 0)
		return err_set(e, ERR_PARSE, "hard link to itself");
	slash = strrchr(t, '/');
	if (slash) {
		*slash = '\0';
		tname = slash + 1;
		tfd = open_beneath(x, t);
		*slash = '/';
		if (tfd < 0)
			return err_sys(e, "hard link target %.200s not found "
			    "in this layer", t);
	} else {
		tname = t;
		tfd = x->root;
	}
	for (i = 0;; i++) {
		if (linkat(tfd, tname, pfd, name, 0) == 0)
			break;
		if (errno == ENOENT) {
			err_sys(e, "hard link target %.200s not found in this "
			    "layer", t);
			goto out;
		}
		if (errno != EEXIST || i) {
			err_sys(e, "hard link to %.200s", t);
			goto out;
		}
		if (fstatat(tfd, tname, &a, AT_SYMLINK_NOFOLLOW) == 0 &&
		    fstatat(pfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			break;
		if (rmtree(x, pfd, name, e) < 0)
			goto out;
	}
	ret = 0;
	x->st->hardlinks++;
out:
	if (tfd != x->root)
		close(tfd);
	return ret;
}

/* ".wh.*" entries: `name` is the marker, in directory x->path[0..dlen). */
static int
do_whiteout(struct x *x, size_t dlen, const char *name, struct err *e)
{
	const char *victim = name + sizeof(wh_prefix) - 1;
	struct stat sb;
	size_t vlen;
	int pfd, fd;

	if (x->o.mode == EXTRACT_KEEP) {
		if (strcmp(name, opq_name) != 0 && (!*victim ||
		    is_dot(victim)))
			return err_set(e, ERR_PARSE, "invalid whiteout name %s",
			    name);
		pfd = parent(x, x->path, dlen, 1, e);
		if (pfd < 0)
			return -1;
		if (unlinkat(pfd, name, 0) < 0 && errno != ENOENT)
			return err_sys(e, "replace %s", name);
		fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0);
		if (fd < 0)
			return err_sys(e, "create %s", name);
		close(fd);
		if (strcmp(name, opq_name) == 0)
			x->st->opaques++;
		else
			x->st->whiteouts++;
		return 0;
	}
	if (strcmp(name, opq_name) == 0) {
		pfd = parent(x, x->path, dlen, 1, e);
		if (pfd < 0)
			return -1;
		if (x->o.mode == EXTRACT_OVERLAY) {
			if (set_opaque(x, pfd, e) < 0)
				return -1;
		} else {
			memcpy(x->opath, x->path, dlen);
			x->opath[dlen] = '\0';
			if (opaque_clean(x, pfd, dlen, 0, e) < 0)
				return -1;
		}
		x->st->opaques++;
		return 0;
	}
	if (!*victim || is_dot(victim))
		return err_set(e, ERR_PARSE, "invalid whiteout name %s", name);
	pfd = parent(x, x->path, dlen, 1, e);
	if (pfd < 0)
		return -1;
	if (x->o.mode == EXTRACT_OVERLAY) {
		if (fstatat(pfd, victim, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
			/* This layer made it: whiteouts hide lower ones. */
			if (S_ISCHR(sb.st_mode) && sb.st_rdev == 0)
				x->st->whiteouts++;
			return 0;
		}
		if (errno != ENOENT)
			return err_sys(e, "stat %s", victim);
		if (mknodat(pfd, victim, S_IFCHR, makedev(0, 0)) < 0)
			return err_sys(e, "create whiteout device %s", victim);
		x->st->whiteouts++;
		return 0;
	}
	vlen = strlen(victim);
	memcpy(x->tpath, x->path, dlen);
	if (dlen)
		x->tpath[dlen] = '/';
	memcpy(x->tpath + dlen + (dlen ? 1 : 0), victim, vlen + 1);
	if (set_has(&x->set, x->tpath, dlen + (dlen ? 1 : 0) + vlen))
		return 0;
	if (rmtree(x, pfd, victim, e) < 0)
		return -1;
	x->st->whiteouts++;
	return 0;
}

static int
entry(struct x *x, const struct tar_entry *ent, struct err *e)
{
	const char *slash, *name;
	size_t len, dlen;
	int pfd, r;

	if (strlen(ent->path) > x->o.max_path ||
	    strlen(ent->linkpath) > x->o.max_path)
		return err_set(e, ERR_LIMIT, "path or link target longer than "
		    "%zu bytes (max_path)", x->o.max_path);
	if (extract_path_clean(ent->path, x->path, sizeof(x->path)) < 0)
		return err_set(e, ERR_PARSE, "path climbs out of the layer "
		    "root");
	len = strlen(x->path);
	if (len == 0) {
		if (ent->type != TAR_DIR)
			return err_set(e, ERR_PARSE, "the layer root may only "
			    "be a directory, not type '%c'", ent->type);
		return 0;
	}
	if (aufs_meta(x->path)) {
		x->st->ignored++;
		return 0;
	}
	slash = strrchr(x->path, '/');
	name = slash ? slash + 1 : x->path;
	dlen = slash ? (size_t)(slash - x->path) : 0;
	if (strncmp(name, wh_prefix, sizeof(wh_prefix) - 1) == 0)
		return do_whiteout(x, dlen, name, e);
	if ((ent->type == TAR_CHR || ent->type == TAR_BLK) &&
	    !(x->o.flags & EXTRACT_DEVICES)) {
		x->st->devices_skipped++;
		return 0;
	}
	pfd = parent(x, x->path, dlen, 1, e);
	if (pfd < 0)
		return -1;
	switch (ent->type) {
	case TAR_REG:
		r = do_file(x, ent, pfd, name, e);
		break;
	case TAR_DIR:
		r = do_dir(x, ent, pfd, name, e);
		break;
	case TAR_SYMLINK:
		r = do_symlink(x, ent, pfd, name, e);
		break;
	case TAR_LINK:
		r = do_hardlink(x, ent, pfd, name, e);
		break;
	default:
		r = do_node(x, ent, pfd, name, e);
		break;
	}
	if (r < 0)
		return -1;
	return created(x, x->path, len, e);
}

/* Set the recorded directory times, last record for a path winning. */
static int
dir_times(struct x *x, struct err *e)
{
	struct timespec ts[2];
	struct dirtime *d;
	struct stat sb;
	const char *p, *slash, *name;
	size_t off;
	int pfd;

	for (off = 0; off < x->dtlen;
	    off += (sizeof(*d) + d->len + 1 + 7) & ~(size_t)7) {
		d = (struct dirtime *)(x->dt + off);
		p = (const char *)(d + 1);
		slash = strrchr(p, '/');
		name = slash ? slash + 1 : p;
		pfd = parent(x, p, slash ? (size_t)(slash - p) : 0, 0, e);
		if (pfd < 0) {
			err_clear(e);
			continue;	/* removed or replaced since */
		}
		if (fstatat(pfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(sb.st_mode))
			continue;
		ts[0].tv_sec = (time_t)d->atime;
		ts[0].tv_nsec = d->atime_nsec;
		ts[1].tv_sec = (time_t)d->mtime;
		ts[1].tv_nsec = d->mtime_nsec;
		if (utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
			return err_sys(e, "%.200s: set times", p);
	}
	return 0;
}

int
extract_tar(int rootfd, struct reader *src, const struct extract_opts *o,
    struct extract_stats *st, struct err *e)
{
	struct extract_stats local;
	struct tar_entry ent;
	struct stat sb;
	struct x *x;
	mode_t mask;
	int r, ret = -1;

	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	if (fstat(rootfd, &sb) < 0)
		return err_sys(e, "extract: layer root");
	if (!S_ISDIR(sb.st_mode))
		return err_set(e, ENOTDIR, "extract: layer root is not a "
		    "directory");
	if (o && o->mode != EXTRACT_OVERLAY && o->mode != EXTRACT_FLAT &&
	    o->mode != EXTRACT_KEEP)
		return err_set(e, ERR_USAGE, "extract: unknown mode %d",
		    o->mode);
	x = calloc(1, sizeof(*x));
	if (!x || !(x->buf = malloc(WRITE_BUF))) {
		free(x);
		return err_set(e, ENOMEM, "extract: out of memory");
	}
	if (o)
		x->o = *o;
	if (!x->o.max_bytes)
		x->o.max_bytes = default_max_bytes;
	if (!x->o.max_entries)
		x->o.max_entries = EXTRACT_DEFAULT_MAX_ENTRIES;
	if (!x->o.max_path)
		x->o.max_path = EXTRACT_DEFAULT_MAX_PATH;
	if (!x->o.max_xattr)
		x->o.max_xattr = EXTRACT_DEFAULT_MAX_XATTR;
	if (!x->o.max_meta)
		x->o.max_meta = EXTRACT_DEFAULT_MAX_META;
	x->root = rootfd;
	x->rootdev = sb.st_dev;
	x->st = st;
	x->cfd = -1;
	x->use_openat2 = !(x->o.flags & EXTRACT_NO_OPENAT2);
	tar_init(&x->tar, src);
	mask = umask(0);
	for (;;) {
		r = tar_next(&x->tar, &ent, e);
		if (r < 0) {
			err_ctx(e, "extract");
			goto out;
		}
		if (r == 0)
			break;
		if (++st->entries > x->o.max_entries) {
			err_set(e, ERR_LIMIT, "extract: more than %llu entries "
			    "(max_entries)",
			    (unsigned long long)x->o.max_entries);
			goto out;
		}
		if (entry(x, &ent, e) < 0) {
			err_ctx(e, "extract: %.200s", ent.path);
			goto out;
		}
	}
	if (tar_drain(&x->tar, x->o.max_bytes - st->bytes, &st->trailing,
	    e) < 0) {
		err_ctx(e, "extract");
		goto out;
	}
	if (dir_times(x, e) < 0) {
		err_ctx(e, "extract");
		goto out;
	}
	ret = 0;
out:
	umask(mask);
	if (x->cfd >= 0)
		close(x->cfd);
	tar_free(&x->tar);
	free(x->set.arena);
	free(x->set.slots);
	free(x->dt);
	free(x->stk);
	free(x->buf);
	free(x);
	return ret;
}

int
extract_check_overlay(int dirfd, unsigned flags, struct err *e)
{
	static const char node[] = ".rocker-whiteout-check";
	static const char dir[] = ".rocker-opaque-check";
	const char *xname = (flags & EXTRACT_USERXATTR) ?
	    "user.overlay.opaque" : "trusted.overlay.opaque";
	int fd, r;

	unlinkat(dirfd, node, 0);
	if (mknodat(dirfd, node, S_IFCHR, makedev(0, 0)) < 0)
		return err_sys(e, "overlay whiteouts: cannot create a "
		    "character device 0/0");
	unlinkat(dirfd, node, 0);
	unlinkat(dirfd, dir, AT_REMOVEDIR);
	if (mkdirat(dirfd, dir, 0700) < 0)
		return err_sys(e, "overlay whiteouts: mkdir");
	fd = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	r = fd < 0 ? -1 : fsetxattr(fd, xname, "y", 1, 0);
	if (r < 0)
		err_sys(e, "overlay whiteouts: cannot set %s", xname);
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, dir, AT_REMOVEDIR);
	return r;
}

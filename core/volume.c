/* volume.c - named and anonymous volumes under STOREROOT/volumes
 *
 * Every operation works on fds below one fd of STOREROOT/volumes and
 * opens each name with O_NOFOLLOW. Creation builds .tmp-RANDOM and
 * renames it into place; removal renames to .rm-RANDOM, then deletes
 * with rm_tree(), which walks down with openat(O_NOFOLLOW) and back up by
 * reopening the remembered names from the top (never through ".."), so a
 * tree rearranged under it cannot lead it outside.
 */

#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "json.h"
#include "volume.h"

enum {
	ANON_BYTES = VOLUME_ANON_LEN / 2,
	TMP_BYTES = 8,			/* random bytes in .tmp-/.rm- names */
	TMP_NAME_MAX = 32,
	NAME_TRIES = 16,
	STALE_SECONDS = 60,		/* a .tmp- this old is abandoned */
	COPY_BUF = 64 << 10,
	XATTR_LIST_MAX_ = 64 << 10,
	XATTR_SIZE_MAX_ = 64 << 10,
	LINKS_SLOTS0 = 64,
};

static const char tmp_prefix[] = ".tmp-";
static const char rm_prefix[] = ".rm-";

/* A file with several links, copied once: later links point at it. */
struct hardlink {
	dev_t dev;
	ino_t ino;
	char *path;		/* relative to the destination top */
};

/* State of one volume_copy_up(). */
struct copy {
	int dtop;		/* destination top (for linkat) */
	dev_t sdev;		/* source filesystem */
	int root;		/* running as root: copy ownership */
	char *buf;		/* COPY_BUF, then xattr list and value */
	char *xlist;
	char *xval;
	struct hardlink *links;
	size_t nlinks, caplinks;
	size_t plen;
	char path[VOLUME_PATH_MAX];	/* current entry, for messages */
	char lnk[VOLUME_PATH_MAX];
};

/* --- small helpers --- */

/* Fill `buf` with `n` random bytes. */
static int
random_bytes(unsigned char *buf, size_t n, struct err *e)
{
	size_t got = 0;
	ssize_t r;
	int fd;

#ifdef SYS_getrandom
	while (got < n) {
		r = syscall(SYS_getrandom, buf + got, n - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got == n)
		return 0;
#endif
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "open /dev/urandom");
	while (got < n) {
		r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			close(fd);
			return err_set(e, EIO, "read /dev/urandom: short read");
		}
		got += (size_t)r;
	}
	close(fd);
	return 0;
}

/* `n` random bytes as 2n lowercase hex digits after `prefix` in `out`. */
static int
random_name(const char *prefix, size_t n, char *out, size_t len,
    struct err *e)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[ANON_BYTES];
	size_t i, p = strlen(prefix);

	if (n > sizeof(b) || p + 2 * n + 1 > len)
		return err_set(e, ERANGE, "random name too long");
	if (random_bytes(b, n, e) < 0)
		return -1;
	memcpy(out, prefix, p);
	for (i = 0; i < n; i++) {
		out[p + 2 * i] = hex[b[i] >> 4];
		out[p + 2 * i + 1] = hex[b[i] & 15];
	}
	out[p + 2 * n] = '\0';
	return 0;
}

static int
has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static int
is_dots(const char *s)
{
	return strcmp(s, ".") == 0 || strcmp(s, "..") == 0;
}

static int
notfound(const char *name, struct err *e)
{
	return err_set(e, ERR_NOTFOUND, "no such volume: %.300s", name);
}

static int
check_name(const char *name, struct err *e)
{
	if (volume_name_valid(name))
		return 0;
	return err_set(e, EINVAL, "\"%.300s\" includes invalid characters for "
	    "a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are "
	    "allowed (2 to 255 of them)", name);
}

/*
 * Open STOREROOT/volumes (O_RDONLY | O_DIRECTORY), creating it (and
 * STOREROOT) when `create`. Without `create` a missing one keeps errno
 * ENOENT in e->code.
 */
static int
open_vols(const char *storeroot, int create, struct err *e)
{
	int rfd, vfd;

	if (create && mkdir(storeroot, 0700) < 0 && errno != EEXIST)
		return err_sys(e, "create %s", storeroot);
	rfd = open(storeroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return err_sys(e, "open %s", storeroot);
	if (create && mkdirat(rfd, "volumes", 0701) < 0 && errno != EEXIST) {
		err_sys(e, "create %s/volumes", storeroot);
		close(rfd);
		return -1;
	}
	vfd = openat(rfd, "volumes", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (vfd < 0)
		err_sys(e, "open %s/volumes", storeroot);
	close(rfd);
	return vfd;
}


/* Write all of `len` bytes to `fd`. */
static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t r;

	while (len > 0) {
		r = write(fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

/* Fill out->mountpoint for `name`. */
static int
set_mountpoint(const char *storeroot, const char *name, struct volume *out,
    struct err *e)
{
	int n;

	n = snprintf(out->mountpoint, sizeof(out->mountpoint),
	    "%s/volumes/%s/_data", storeroot, name);
	if (n < 0 || (size_t)n >= sizeof(out->mountpoint))
		return err_set(e, ENAMETOOLONG, "%.200s/volumes/%.64s/_data: "
		    "path too long", storeroot, name);
	return 0;
}

/* --- meta.json --- */

static int
meta_write(int dirfd, const struct volume *v, struct err *e)
{
	struct json_writer w;
	size_t len;
	char *buf;
	int fd, ret = -1;

	json_writer_init(&w, 1);
	json_writer_begin_object(&w);
	json_writer_key(&w, "Name");
	json_writer_string(&w, v->name);
	json_writer_key(&w, "CreatedAt");
	json_writer_string(&w, v->created);
	json_writer_key(&w, "Anonymous");
	json_writer_bool(&w, v->anonymous);
	json_writer_key(&w, "Labels");
	json_writer_begin_object(&w);
	json_writer_end_object(&w);
	json_writer_end_object(&w);
	buf = json_writer_finish(&w, &len, e);
	json_writer_free(&w);
	if (!buf)
		return -1;
	fd = openat(dirfd, "meta.json", O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		err_sys(e, "create meta.json");
		goto out;
	}
	if (write_all(fd, buf, len) < 0 || write_all(fd, "\n", 1) < 0 ||
	    fsync(fd) < 0) {
		err_sys(e, "write meta.json");
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

static int
meta_read(int dirfd, const char *name, struct volume *out, struct err *e)
{
	struct json_value *root = NULL;
	const struct json_value *v;
	const char *s;
	size_t len = 0;
	char *buf;
	int ret = -1;

	if (!(buf = io_read_at(dirfd, "meta.json", VOLUME_META_MAX, &len,
	    e)))
		return -1;
	root = json_parse(buf, len, NULL, e);
	free(buf);
	if (!root)
		return err_ctx(e, "meta.json");
	s = json_str(json_obj_get(root, "Name"));
	if (!s || strcmp(s, name) != 0) {
		err_set(e, ERR_PARSE, "meta.json: Name is not \"%.300s\"",
		    name);
		goto out;
	}
	v = json_obj_get(root, "CreatedAt");
	s = json_str(v);
	if (v && (!s || strlen(s) >= sizeof(out->created))) {
		err_set(e, ERR_PARSE, "meta.json: bad CreatedAt");
		goto out;
	}
	snprintf(out->created, sizeof(out->created), "%s", s ? s : "");
	snprintf(out->name, sizeof(out->name), "%s", name);
	out->anonymous = json_bool(json_obj_get(root, "Anonymous"));
	ret = 0;
out:
	json_free(root);
	return ret;
}

/* volume_get() below an open volumes dir. */
static int
get_at(int vfd, const char *storeroot, const char *name, struct volume *out,
    struct err *e)
{
	int dfd, r;

	dfd = openat(vfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (dfd < 0) {
		if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
			return notfound(name, e);
		return err_sys(e, "volume %.300s", name);
	}
	memset(out, 0, sizeof(*out));
	r = meta_read(dfd, name, out, e);
	close(dfd);
	if (r < 0)
		return err_ctx(e, "volume %.300s", name);
	return set_mountpoint(storeroot, name, out, e);
}

/* --- removal --- */

/*
 * Reopen directory `path` ('/'-separated names, "" = top) below `top`
 * with O_NOFOLLOW at each step, checking it stays on device `dev`.
 */
static int
reopen(int top, const char *path, dev_t dev, struct err *e)
{
	char name[256];
	const char *p = path, *s;
	struct stat st;
	size_t n;
	int fd, nfd;

	fd = openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "reopen");
	while (*p) {
		for (s = p; *s && *s != '/'; s++)
			;
		n = (size_t)(s - p);
		memcpy(name, p, n);
		name[n] = '\0';
		nfd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		close(fd);
		if (nfd < 0)
			return err_sys(e, "reopen %.300s", path);
		if (fstat(nfd, &st) < 0 || st.st_dev != dev) {
			close(nfd);
			return err_set(e, EBUSY, "%.300s: moved onto another "
			    "filesystem", path);
		}
		fd = nfd;
		p = *s ? s + 1 : s;
	}
	return fd;
}

/* Remove `name` under `dirfd`, retrying once after making `dirfd`
 * writable (a read-only directory, when not root). */
static int
unlink_one(int dirfd, const char *name, int flags)
{
	if (unlinkat(dirfd, name, flags) == 0 || errno == ENOENT)
		return 0;
	if (errno != EACCES && errno != EPERM)
		return -1;
	if (fchmod(dirfd, 0700) < 0)
		return -1;
	if (unlinkat(dirfd, name, flags) == 0 || errno == ENOENT)
		return 0;
	return -1;
}

/*
 * Empty directory `cur` as far as possible without descending: files,
 * symlinks and empty directories go. Returns 0 when it is empty, 1 with
 * the name of a non-empty subdirectory in `child`, -1.
 */
static int
empty_dir(int cur, dev_t dev, char child[256], uint64_t *bytes,
    struct err *e)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, ret = 0;

	fd = dup(cur);
	if (fd < 0)
		return err_sys(e, "dup");
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return err_sys(e, "read directory");
	}
	while ((de = readdir(d))) {
		if (is_dots(de->d_name))
			continue;
		if (fstatat(cur, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			ret = err_sys(e, "stat %.300s", de->d_name);
			break;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (unlink_one(cur, de->d_name, 0) < 0) {
				ret = err_sys(e, "remove %.300s", de->d_name);
				break;
			}
			if (bytes && S_ISREG(st.st_mode))
				*bytes += (uint64_t)st.st_size;
			continue;
		}
		if (st.st_dev != dev) {
			ret = err_set(e, EBUSY, "%.300s is a mount point: not "
			    "removing it", de->d_name);
			break;
		}
		if (unlink_one(cur, de->d_name, AT_REMOVEDIR) == 0)
			continue;
		if (errno != ENOTEMPTY && errno != EEXIST) {
			ret = err_sys(e, "remove %.300s", de->d_name);
			break;
		}
		snprintf(child, 256, "%s", de->d_name);
		ret = 1;
		break;
	}
	closedir(d);
	return ret;
}

/*
 * Remove directory `name` under `dirfd` with everything in it, never
 * following a symlink and refusing (EBUSY) to enter another filesystem.
 * Adds the sizes of removed regular files to *bytes (may be NULL).
 */
static int
rm_tree(int dirfd, const char *name, uint64_t *bytes, struct err *e)
{
	char child[256], *path = NULL, *np;
	size_t plen = 0, cap = 0, n;
	struct stat st, cst;
	int top, cur = -1, nfd, r, ret = -1;

	top = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (top < 0)
		return errno == ENOENT ? 0 : err_sys(e, "open %.300s", name);
	if (fstat(top, &st) < 0) {
		err_sys(e, "stat %.300s", name);
		goto out;
	}
	cur = dup(top);
	if (cur < 0) {
		err_sys(e, "dup");
		goto out;
	}
	for (;;) {
		r = empty_dir(cur, st.st_dev, child, bytes, e);
		if (r < 0)
			goto out;
		if (r == 1) {
			nfd = openat(cur, child, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
			if (nfd < 0 && errno == EACCES && fchmodat(cur, child,
			    0700, AT_SYMLINK_NOFOLLOW) == 0)
				nfd = openat(cur, child, O_RDONLY |
				    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (nfd < 0) {
				err_sys(e, "open %.300s", child);
				goto out;
			}
			if (fstat(nfd, &cst) < 0 || cst.st_dev != st.st_dev) {
				close(nfd);
				err_set(e, EBUSY, "%.300s is a mount point: "
				    "not removing it", child);
				goto out;
			}
			n = strlen(child);
			if (plen + n + 2 > cap) {
				cap = 2 * (plen + n + 2) + 256;
				np = realloc(path, cap);
				if (!np) {
					close(nfd);
					err_set(e, ENOMEM, "out of memory");
					goto out;
				}
				path = np;
			}
			if (plen)
				path[plen++] = '/';
			memcpy(path + plen, child, n + 1);
			plen += n;
			close(cur);
			cur = nfd;
			continue;
		}
		if (plen == 0)
			break;
		/* cur is empty: up to its parent (by name), remove it */
		n = plen;
		while (n > 0 && path[n - 1] != '/')
			n--;
		snprintf(child, sizeof(child), "%s", path + n);
		plen = n ? n - 1 : 0;
		path[plen] = '\0';
		close(cur);
		cur = reopen(top, path, st.st_dev, e);
		if (cur < 0)
			goto out;
		if (unlink_one(cur, child, AT_REMOVEDIR) < 0) {
			err_sys(e, "remove %.300s", child);
			goto out;
		}
	}
	if (unlink_one(dirfd, name, AT_REMOVEDIR) < 0) {
		err_sys(e, "remove %.300s", name);
		goto out;
	}
	ret = 0;
out:
	if (ret < 0 && path && plen)
		err_ctx(e, "%.300s/%.600s", name, path);
	if (cur >= 0)
		close(cur);
	close(top);
	free(path);
	return ret;
}

/* Remove volume `name` below volumes dir `vfd`. */
static int
remove_at(int vfd, const char *name, int force, uint64_t *bytes,
    struct err *e)
{
	char rm[TMP_NAME_MAX];
	int dfd, ret = -1;

	dfd = openat(vfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (dfd < 0) {
		if (errno == ENOENT)
			return force ? 0 : notfound(name, e);
		return err_sys(e, "open volume %.300s", name);
	}
	/* Held until the end: volume_prune() leaves a locked .rm- alone. */
	if (flock(dfd, LOCK_EX) < 0) {
		err_sys(e, "lock volume %.300s", name);
		goto out;
	}
	if (random_name(rm_prefix, TMP_BYTES, rm, sizeof(rm), e) < 0)
		goto out;
	if (renameat(vfd, name, vfd, rm) < 0) {
		if (errno == ENOENT)
			ret = force ? 0 : notfound(name, e);
		else
			err_sys(e, "rename volume %.300s", name);
		goto out;
	}
	if (rm_tree(vfd, rm, bytes, e) < 0) {
		err_ctx(e, "remove volume %.300s (left as volumes/%s)", name,
		    rm);
		goto out;
	}
	ret = 0;
out:
	close(dfd);
	return ret;
}

/* --- copy-up --- */

/* Append "/name" to c->path; returns the old length for pop(). */
static size_t
path_push(struct copy *c, const char *name)
{
	size_t old = c->plen;

	c->plen += (size_t)snprintf(c->path + c->plen, sizeof(c->path) -
	    c->plen, "%s%s", c->plen ? "/" : "", name);
	if (c->plen >= sizeof(c->path))
		c->plen = sizeof(c->path) - 1;
	return old;
}

static void
path_pop(struct copy *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

/* Copy the extended attributes of `sfd` to `dfd`, best-effort. */
static void
copy_xattrs(struct copy *c, int sfd, int dfd)
{
	ssize_t n, v;
	char *k;

	n = flistxattr(sfd, c->xlist, XATTR_LIST_MAX_);
	if (n <= 0)
		return;
	for (k = c->xlist; k < c->xlist + n; k += strlen(k) + 1) {
		if (has_prefix(k, "trusted.overlay."))
			continue;
		v = fgetxattr(sfd, k, c->xval, XATTR_SIZE_MAX_);
		if (v < 0)
			continue;
		(void)fsetxattr(dfd, k, c->xval, (size_t)v, 0);
	}
}

/*
 * Metadata of the copy `dfd` of `sfd` (status `st`): owner, xattrs,
 * mode, times, in that order (chown clears setuid bits and capability).
 */
static int
copy_meta(struct copy *c, int sfd, int dfd, const struct stat *st,
    struct err *e)
{
	struct timespec ts[2];

	if (c->root)
		(void)fchown(dfd, st->st_uid, st->st_gid);
	copy_xattrs(c, sfd, dfd);
	if (fchmod(dfd, st->st_mode & 07777) < 0)
		return err_sys(e, "chmod %.300s", c->path);
	ts[0] = st->st_atim;
	ts[1] = st->st_mtim;
	if (futimens(dfd, ts) < 0)
		return err_sys(e, "set times of %.300s", c->path);
	return 0;
}

/* A hard link copied before: its destination path, or NULL. */
static const char *
link_find(struct copy *c, const struct stat *st)
{
	size_t i;

	for (i = 0; i < c->nlinks; i++)
		if (c->links[i].dev == st->st_dev &&
		    c->links[i].ino == st->st_ino)
			return c->links[i].path;
	return NULL;
}

static int
link_add(struct copy *c, const struct stat *st, struct err *e)
{
	struct hardlink *nl;
	size_t cap;
	char *p;

	if (c->nlinks == c->caplinks) {
		cap = c->caplinks ? 2 * c->caplinks : LINKS_SLOTS0;
		nl = realloc(c->links, cap * sizeof(*nl));
		if (!nl)
			return err_set(e, ENOMEM, "out of memory");
		c->links = nl;
		c->caplinks = cap;
	}
	p = strdup(c->path);
	if (!p)
		return err_set(e, ENOMEM, "out of memory");
	c->links[c->nlinks].dev = st->st_dev;
	c->links[c->nlinks].ino = st->st_ino;
	c->links[c->nlinks].path = p;
	c->nlinks++;
	return 0;
}

static int
copy_file(struct copy *c, int sdir, int ddir, const char *name,
    const struct stat *st, struct err *e)
{
	const char *prev;
	struct stat fst;
	int sfd, dfd = -1, ret = -1;
	ssize_t n;

	if (st->st_nlink > 1 && (prev = link_find(c, st))) {
		if (linkat(c->dtop, prev, ddir, name, 0) == 0)
			return 0;
		/* a failed link (EMLINK...) falls back to a copy */
	}
	sfd = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (sfd < 0)
		return err_sys(e, "open %.300s", c->path);
	if (fstat(sfd, &fst) < 0 || !S_ISREG(fst.st_mode) ||
	    fst.st_ino != st->st_ino || fst.st_dev != st->st_dev) {
		err_set(e, EAGAIN, "%.300s changed while copying", c->path);
		goto out;
	}
	dfd = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (dfd < 0) {
		err_sys(e, "create %.300s", c->path);
		goto out;
	}
	for (;;) {
		n = read(sfd, c->buf, COPY_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_sys(e, "read %.300s", c->path);
			goto out;
		}
		if (n == 0)
			break;
		if (write_all(dfd, c->buf, (size_t)n) < 0) {
			err_sys(e, "write %.300s", c->path);
			goto out;
		}
	}
	if (copy_meta(c, sfd, dfd, st, e) < 0)
		goto out;
	if (st->st_nlink > 1 && link_add(c, st, e) < 0)
		goto out;
	ret = 0;
out:
	if (dfd >= 0)
		close(dfd);
	close(sfd);
	return ret;
}

/* A symlink or FIFO: made by name, metadata by name (never followed). */
static int
copy_special(struct copy *c, int sdir, int ddir, const char *name,
    const struct stat *st, struct err *e)
{
	struct timespec ts[2];
	ssize_t n;

	if (S_ISLNK(st->st_mode)) {
		n = readlinkat(sdir, name, c->lnk, sizeof(c->lnk));
		if (n < 0)
			return err_sys(e, "read symlink %.300s", c->path);
		if ((size_t)n >= sizeof(c->lnk))
			return err_set(e, ENAMETOOLONG, "symlink %.300s: "
			    "target too long", c->path);
		c->lnk[n] = '\0';
		if (symlinkat(c->lnk, ddir, name) < 0)
			return err_sys(e, "create symlink %.300s", c->path);
	} else {
		if (mkfifoat(ddir, name, 0600) < 0)
			return err_sys(e, "create FIFO %.300s", c->path);
	}
	if (c->root)
		(void)fchownat(ddir, name, st->st_uid, st->st_gid,
		    AT_SYMLINK_NOFOLLOW);
	if (!S_ISLNK(st->st_mode) && fchmodat(ddir, name, st->st_mode & 07777,
	    0) < 0)
		return err_sys(e, "chmod %.300s", c->path);
	ts[0] = st->st_atim;
	ts[1] = st->st_mtim;
	if (utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, "set times of %.300s", c->path);
	return 0;
}

static int copy_tree(struct copy *c, int sfd, int dfd, int depth,
    struct err *e);

static int
copy_subdir(struct copy *c, int sdir, int ddir, const char *name,
    const struct stat *st, int depth, struct err *e)
{
	struct stat fst;
	int sfd, dfd = -1, ret = -1;

	if (depth >= VOLUME_COPY_DEPTH)
		return err_set(e, ERR_LIMIT, "%.300s: more than %d directory "
		    "levels", c->path, VOLUME_COPY_DEPTH);
	if (mkdirat(ddir, name, 0700) < 0)
		return err_sys(e, "create %.300s", c->path);
	sfd = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (sfd < 0)
		return err_sys(e, "open %.300s", c->path);
	if (fstat(sfd, &fst) < 0 || fst.st_ino != st->st_ino ||
	    fst.st_dev != st->st_dev) {
		err_set(e, EAGAIN, "%.300s changed while copying", c->path);
		goto out;
	}
	dfd = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (dfd < 0) {
		err_sys(e, "open %.300s in the volume", c->path);
		goto out;
	}
	if (st->st_dev == c->sdev &&
	    copy_tree(c, sfd, dfd, depth + 1, e) < 0)
		goto out;
	if (copy_meta(c, sfd, dfd, st, e) < 0)
		goto out;
	ret = 0;
out:
	if (dfd >= 0)
		close(dfd);
	close(sfd);
	return ret;
}

/* Copy the entries of directory `sfd` into directory `dfd`. */
static int
copy_tree(struct copy *c, int sfd, int dfd, int depth, struct err *e)
{
	struct dirent *de;
	struct stat st;
	size_t old;
	DIR *d;
	int fd, r = 0;

	fd = dup(sfd);
	if (fd < 0)
		return err_sys(e, "dup");
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return err_sys(e, "read directory %.300s", c->path);
	}
	while (r == 0 && (de = readdir(d))) {
		if (is_dots(de->d_name))
			continue;
		old = path_push(c, de->d_name);
		if (fstatat(sfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			r = err_sys(e, "stat %.300s", c->path);
		else if (S_ISDIR(st.st_mode))
			r = copy_subdir(c, sfd, dfd, de->d_name, &st, depth, e);
		else if (S_ISREG(st.st_mode))
			r = copy_file(c, sfd, dfd, de->d_name, &st, e);
		else if (S_ISLNK(st.st_mode) || S_ISFIFO(st.st_mode))
			r = copy_special(c, sfd, dfd, de->d_name, &st, e);
		path_pop(c, old);	/* devices and sockets: skipped */
	}
	closedir(d);
	return r;
}

/* 1 if directory `fd` has no entries, 0 if it has, -1. */
static int
dir_empty(int fd, struct err *e)
{
	struct dirent *de;
	int dfd, empty = 1;
	DIR *d;

	dfd = dup(fd);
	if (dfd < 0)
		return err_sys(e, "dup");
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return err_sys(e, "read volume directory");
	}
	while ((de = readdir(d)))
		if (!is_dots(de->d_name)) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}

/* --- listing and pruning --- */

static int
cmp_volume(const void *a, const void *b)
{
	return strcmp(((const struct volume *)a)->name,
	    ((const struct volume *)b)->name);
}

/* Delete the .tmp- and .rm- leftovers nobody holds. */
static void
sweep(int vfd)
{
	struct err ig = ERR_INIT;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, tmp;

	fd = openat(vfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		tmp = has_prefix(de->d_name, tmp_prefix);
		if (!tmp && !has_prefix(de->d_name, rm_prefix))
			continue;
		fd = openat(vfd, de->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &st) == 0 &&
		    (!tmp || st.st_mtime + STALE_SECONDS < time(NULL)))
			(void)rm_tree(vfd, de->d_name, NULL, &ig);
		close(fd);
	}
	closedir(d);
}

/* --- public --- */

int
volume_name_valid(const char *name)
{
	size_t i, n = strlen(name);

	if (n < 2 || n > VOLUME_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if ((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9'))
			continue;
		if (i > 0 && (name[i] == '_' || name[i] == '.' ||
		    name[i] == '-'))
			continue;
		return 0;
	}
	return 1;
}

int
volume_create(const char *storeroot, const char *name, struct volume *out,
    struct err *e)
{
	char anon[VOLUME_ANON_LEN + 1], tmp[TMP_NAME_MAX];
	struct err ig = ERR_INIT;
	struct volume v;
	struct tm tm;
	time_t now;
	int vfd, tfd = -1, i, ret = -1, made = 0;

	memset(&v, 0, sizeof(v));
	if (!name) {
		if (random_name("", ANON_BYTES, anon, sizeof(anon), e) < 0)
			return -1;
		name = anon;
		v.anonymous = 1;
	}
	if (check_name(name, e) < 0)
		return -1;
	vfd = open_vols(storeroot, 1, e);
	if (vfd < 0)
		return -1;
	if (get_at(vfd, storeroot, name, out, e) == 0) {
		ret = 0;
		goto out;
	}
	if (e->code != ERR_NOTFOUND)
		goto out;
	err_clear(e);
	snprintf(v.name, sizeof(v.name), "%s", name);
	if (set_mountpoint(storeroot, name, &v, e) < 0)
		goto out;
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(v.created, sizeof(v.created), "%Y-%m-%dT%H:%M:%SZ", &tm);

	for (i = 0; i < NAME_TRIES; i++) {
		if (random_name(tmp_prefix, TMP_BYTES, tmp, sizeof(tmp), e) < 0)
			goto out;
		if (mkdirat(vfd, tmp, 0700) == 0)
			break;
		if (errno != EEXIST) {
			err_sys(e, "create volumes/%s", tmp);
			goto out;
		}
	}
	if (i == NAME_TRIES) {
		err_set(e, EEXIST, "no free temporary name in volumes/");
		goto out;
	}
	made = 1;
	tfd = openat(vfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (tfd < 0 || flock(tfd, LOCK_EX) < 0) {
		err_sys(e, "open volumes/%s", tmp);
		goto out;
	}
	if (fchmod(tfd, 0701) < 0 || mkdirat(tfd, "_data", 0755) < 0 ||
	    fchmodat(tfd, "_data", 0755, 0) < 0) {
		err_sys(e, "create volumes/%s/_data", tmp);
		goto out;
	}
	if (meta_write(tfd, &v, e) < 0 || fsync(tfd) < 0) {
		if (!e->code)
			err_sys(e, "fsync volumes/%s", tmp);
		goto out;
	}
	if (renameat(vfd, tmp, vfd, name) == 0) {
		made = 0;
		(void)fsync(vfd);
		*out = v;
		ret = 1;
		goto out;
	}
	if (errno != EEXIST && errno != ENOTEMPTY) {
		err_sys(e, "rename volumes/%s to %.300s", tmp, name);
		goto out;
	}
	/* Someone else created it first: theirs it is. */
	if (get_at(vfd, storeroot, name, out, e) == 0)
		ret = 0;
out:
	if (tfd >= 0)
		close(tfd);
	if (made)
		(void)rm_tree(vfd, tmp, NULL, &ig);
	close(vfd);
	if (ret < 0)
		err_ctx(e, "create volume %.300s", name);
	return ret;
}

int
volume_get(const char *storeroot, const char *name, struct volume *out,
    struct err *e)
{
	int vfd, r;

	if (check_name(name, e) < 0)
		return -1;
	vfd = open_vols(storeroot, 0, e);
	if (vfd < 0) {
		if (e->code == ENOENT)
			return notfound(name, e);
		return -1;
	}
	r = get_at(vfd, storeroot, name, out, e);
	close(vfd);
	return r;
}

int
volume_list(const char *storeroot, struct volume **out, size_t *n,
    struct err *e)
{
	struct volume *arr = NULL, *na;
	struct err ig = ERR_INIT;
	size_t len = 0, cap = 0;
	struct dirent *de;
	DIR *d = NULL;
	int vfd, ret = -1;

	*out = NULL;
	*n = 0;
	vfd = open_vols(storeroot, 0, e);
	if (vfd < 0) {
		if (e->code != ENOENT)
			return -1;
		err_clear(e);
		return 0;
	}
	d = fdopendir(vfd);
	if (!d) {
		err_sys(e, "read %s/volumes", storeroot);
		close(vfd);
		return -1;
	}
	while ((de = readdir(d))) {
		if (!volume_name_valid(de->d_name))
			continue;
		if (len == cap) {
			cap = cap ? 2 * cap : 16;
			na = realloc(arr, cap * sizeof(*arr));
			if (!na) {
				err_set(e, ENOMEM, "out of memory");
				goto out;
			}
			arr = na;
		}
		if (get_at(dirfd(d), storeroot, de->d_name, &arr[len],
		    &ig) == 0)
			len++;
	}
	if (len)
		qsort(arr, len, sizeof(*arr), cmp_volume);
	*out = len ? arr : NULL;
	*n = len;
	if (len)
		arr = NULL;
	ret = 0;
out:
	free(arr);
	closedir(d);
	return ret;
}

int
volume_open_data(const char *storeroot, const char *name, struct err *e)
{
	int vfd, dfd, fd;

	if (check_name(name, e) < 0)
		return -1;
	vfd = open_vols(storeroot, 0, e);
	if (vfd < 0) {
		if (e->code == ENOENT)
			return notfound(name, e);
		return -1;
	}
	dfd = openat(vfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(vfd);
	if (dfd < 0) {
		if (errno == ENOENT)
			return notfound(name, e);
		return err_sys(e, "open volume %.300s", name);
	}
	fd = openat(dfd, "_data", O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	close(dfd);
	if (fd < 0)
		return err_sys(e, "open volume %.300s: _data", name);
	return fd;
}

int
volume_remove(const char *storeroot, const char *name, int force,
    int in_use, struct err *e)
{
	int vfd, r;

	if (check_name(name, e) < 0)
		return -1;
	if (in_use)
		return err_set(e, EBUSY, "remove %.300s: volume is in use",
		    name);
	vfd = open_vols(storeroot, 0, e);
	if (vfd < 0) {
		if (e->code != ENOENT)
			return -1;
		if (force) {
			err_clear(e);
			return 0;
		}
		return notfound(name, e);
	}
	r = remove_at(vfd, name, force, NULL, e);
	close(vfd);
	return r;
}

int
volume_prune(const char *storeroot, int all,
    int (*in_use)(const char *name, void *arg), void *arg,
    struct volume **removed, size_t *n, uint64_t *bytes, struct err *e)
{
	struct volume *list = NULL;
	size_t len, i, k = 0;
	uint64_t total = 0;
	int vfd = -1, ret = -1;

	if (removed) {
		*removed = NULL;
		*n = 0;
	}
	if (bytes)
		*bytes = 0;
	if (volume_list(storeroot, &list, &len, e) < 0)
		return -1;
	vfd = open_vols(storeroot, 0, e);
	if (vfd < 0) {
		if (e->code != ENOENT)
			goto out;
		err_clear(e);
		ret = 0;
		goto out;
	}
	for (i = 0; i < len; i++) {
		if (!all && !list[i].anonymous)
			continue;
		if (in_use && in_use(list[i].name, arg))
			continue;
		if (remove_at(vfd, list[i].name, 1, &total, e) < 0)
			goto out;
		if (k != i)
			list[k] = list[i];	/* k < i: compacts in place */
		k++;
	}
	sweep(vfd);
	if (removed) {
		*removed = k ? list : NULL;
		*n = k;
		if (k)
			list = NULL;
	}
	if (bytes)
		*bytes = total;
	ret = 0;
out:
	if (vfd >= 0)
		close(vfd);
	free(list);
	return ret;
}

int
volume_copy_up(int srcdirfd, int voldirfd, struct err *e)
{
	struct copy *c = NULL;
	struct stat st;
	size_t i;
	int sfd, dfd = -1, r, ret = -1;

	sfd = openat(srcdirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0)
		return err_sys(e, "copy up: open source directory");
	dfd = openat(voldirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		err_sys(e, "copy up: open volume directory");
		goto out;
	}
	r = dir_empty(dfd, e);
	if (r <= 0) {
		ret = r;
		goto out;
	}
	if (fstat(sfd, &st) < 0) {
		err_sys(e, "copy up: stat source");
		goto out;
	}
	c = calloc(1, sizeof(*c));
	if (c)
		c->buf = malloc(COPY_BUF + XATTR_LIST_MAX_ + XATTR_SIZE_MAX_);
	if (!c || !c->buf) {
		err_set(e, ENOMEM, "out of memory");
		goto out;
	}
	c->xlist = c->buf + COPY_BUF;
	c->xval = c->xlist + XATTR_LIST_MAX_;
	c->dtop = dfd;
	c->sdev = st.st_dev;
	c->root = geteuid() == 0;
	if (copy_tree(c, sfd, dfd, 0, e) < 0) {
		err_ctx(e, "copy up");
		goto out;
	}
	if (c->root)
		(void)fchown(dfd, st.st_uid, st.st_gid);
	if (fchmod(dfd, st.st_mode & 07777) < 0) {
		err_sys(e, "copy up: chmod volume directory");
		goto out;
	}
	ret = 1;
out:
	if (c) {
		for (i = 0; i < c->nlinks; i++)
			free(c->links[i].path);
		free(c->links);
		free(c->buf);
		free(c);
	}
	if (dfd >= 0)
		close(dfd);
	close(sfd);
	return ret;
}

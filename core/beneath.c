/* beneath.c - resolve paths inside an untrusted root: openat2 or a walk
 *
 * beneath_openx() asks openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
 * first; it is the authority when it answers. The walk does the rest:
 * the fallback for old kernels, every creation, beneath_resolve(), and
 * the error messages (openat2 cannot say which component failed, so a
 * failed openat2 is replayed by an O_PATH walk just to name it).
 *
 * The walk keeps the path left to resolve in `todo` (symlink targets are
 * spliced in front of the rest), the resolved path so far in `res` and
 * an O_PATH fd of that directory in `cur`. Each component is opened with
 * O_PATH | O_NOFOLLOW relative to `cur`, so it can only ever name an
 * entry of a directory already inside the root; its type is read from
 * the fd, and a symlink's target is read through the same fd, so what we
 * look at is what we opened.
 */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "beneath.h"

enum {
	SYSNR_OPENAT2 = 437,		/* the same on every architecture */
	RES_NO_XDEV = 0x01,		/* linux/openat2.h RESOLVE_* */
	RES_NO_MAGICLINKS = 0x02,
	RES_IN_ROOT = 0x10,
	OPENAT2_TRIES = 16,		/* EAGAIN: a rename raced a lookup */
	RACE_TRIES = 16,		/* a component changed under us */
	NAME_MAX_ = 255,		/* one path component */
	TODO_MAX = 2 * BENEATH_PATH_MAX, /* path left, targets spliced in */
	PROC_MAGIC = 0x9fa0,		/* procfs f_type */
	PARENT_MODE = 0755,		/* parents made by beneath_mkfile() */
};

/* What the walk does with the path. */
enum wmode {
	W_OPEN,		/* open it with w->flags */
	W_RESOLVE,	/* only compute w->res; missing parts are allowed */
	W_MKDIR,	/* create missing directories */
	W_MKFILE,	/* create missing parents and the final file */
};

/* struct open_how of linux/openat2.h */
struct how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};

struct walk {
	int root;		/* borrowed */
	int cur;		/* owned: O_PATH fd of directory `res` */
	int flags;		/* W_OPEN: open(2) flags for the result */
	int bflags;		/* BENEATH_* */
	enum wmode mode;
	mode_t cmode;		/* mode of what W_MKDIR / W_MKFILE create */
	dev_t rootdev;
	int links;		/* symlinks followed so far */
	int missing;		/* W_RESOLVE: past a missing component */
	size_t pos;		/* next byte of todo */
	size_t rlen;		/* strlen(res) */
	const char *path;	/* the caller's, for messages */
	char name[NAME_MAX_ + 1];	/* the component being resolved */
	char res[BENEATH_PATH_MAX];	/* resolved, no leading '/' */
	char lnk[BENEATH_PATH_MAX];
	char todo[TODO_MAX];
	char tmp[TODO_MAX];
};

int beneath_force_walk;
static int openat2_missing;

/* --- the walk --- */

/*
 * Fail about the component in w->name (below w->res) with errno `code`
 * and `why` (NULL: strerror(code)). Returns -1.
 */
static int
wfail(struct walk *w, struct err *e, int code, const char *why)
{
	const char *p = w->path;

	if (!why)
		why = strerror(code);
	snprintf(w->tmp, sizeof(w->tmp), "/%s%s%s", w->res,
	    w->rlen && w->name[0] ? "/" : "", w->name);
	while (*p == '/')
		p++;
	if (strcmp(p, w->tmp + 1) == 0)
		return err_set(e, code, "%.1024s: %s", w->tmp, why);
	return err_set(e, code, "%.1024s: %.1024s: %s", w->path, w->tmp, why);
}

/* Append w->name to w->res. */
static int
push(struct walk *w, struct err *e)
{
	size_t n = strlen(w->name);

	if (w->rlen + 1 + n >= sizeof(w->res))
		return wfail(w, e, ENAMETOOLONG, "resolved path too long");
	if (w->rlen)
		w->res[w->rlen++] = '/';
	memcpy(w->res + w->rlen, w->name, n + 1);
	w->rlen += n;
	return 0;
}

/* Drop the last component of w->res (none at the root). */
static void
pop(struct walk *w)
{
	while (w->rlen > 0 && w->res[w->rlen - 1] != '/')
		w->rlen--;
	if (w->rlen > 0)
		w->rlen--;
	w->res[w->rlen] = '\0';
}

/* Make w->cur the root again, with w->res empty. */
static int
to_root(struct walk *w, struct err *e)
{
	int fd = fcntl(w->root, F_DUPFD_CLOEXEC, 0);

	if (fd < 0)
		return err_sys(e, "dup");
	if (w->cur >= 0)
		close(w->cur);
	w->cur = fd;
	w->rlen = 0;
	w->res[0] = '\0';
	return 0;
}

/*
 * Reopen w->res (directories only, found by this walk) from the root
 * into w->cur. Used for "..": the directory we hold may have been moved
 * since, and its ".." may no longer lead anywhere inside the root.
 */
static int
reopen(struct walk *w, struct err *e)
{
	const char *p = w->res, *s;
	char name[NAME_MAX_ + 1];
	int fd, nfd;
	size_t n;

	fd = fcntl(w->root, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(e, "dup");
	while (*p) {
		for (s = p; *s && *s != '/'; s++)
			;
		n = (size_t)(s - p);
		memcpy(name, p, n);
		name[n] = '\0';
		nfd = openat(fd, name, O_PATH | O_NOFOLLOW | O_DIRECTORY |
		    O_CLOEXEC);
		close(fd);
		if (nfd < 0)
			return err_sys(e, "%.1024s: reopen /%.1024s", w->path,
			    w->res);
		fd = nfd;
		p = *s ? s + 1 : s;
	}
	close(w->cur);
	w->cur = fd;
	return 0;
}

/* A "..": up one level, never above the root. */
static int
dotdot(struct walk *w, struct err *e)
{
	if (w->rlen == 0)
		return 0;
	pop(w);
	if (w->missing)
		return 0;
	return reopen(w, e);
}

/*
 * Is symlink `fd` with target `t` a procfs magic link? Ordinary procfs
 * links ("self", "mounts" -> "self/mounts") are relative; the magic
 * ones read as an absolute path or "type:[N]".
 */
static int
is_magic(int fd, const char *t)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0 || sf.f_type != PROC_MAGIC)
		return 0;
	return t[0] == '/' || strstr(t, ":[") != NULL;
}

/* Symlink `fd` (w->name) is followed: splice its target into todo. */
static int
follow_link(struct walk *w, int fd, struct err *e)
{
	size_t rest;
	ssize_t n;

	if (++w->links > BENEATH_MAX_SYMLINKS)
		return wfail(w, e, ELOOP, "too many levels of symbolic links "
		    "(more than 40): a symlink loop?");
	n = readlinkat(fd, "", w->lnk, sizeof(w->lnk));
	if (n < 0)
		return wfail(w, e, errno, "cannot read symlink");
	if ((size_t)n >= sizeof(w->lnk))
		return wfail(w, e, ENAMETOOLONG, "symlink target too long");
	if (n == 0)
		return wfail(w, e, ENOENT, "empty symlink");
	w->lnk[n] = '\0';
	if (is_magic(fd, w->lnk))
		return wfail(w, e, ELOOP, "procfs magic link: not followed");
	rest = strlen(w->todo + w->pos);
	if ((size_t)n + rest >= sizeof(w->tmp))
		return wfail(w, e, ENAMETOOLONG, "path too long after "
		    "following symlinks");
	/* The rest is "" or starts with '/': no separator to add. */
	memcpy(w->tmp, w->lnk, (size_t)n);
	memcpy(w->tmp + n, w->todo + w->pos, rest + 1);
	memcpy(w->todo, w->tmp, (size_t)n + rest + 1);
	w->pos = 0;
	if (w->lnk[0] == '/')
		return to_root(w, e);
	return 0;
}

/*
 * w->name does not exist in w->cur. Returns 0 to look again (it was
 * created, here or by someone else), 1 to go on (W_RESOLVE), -1.
 */
static int
create(struct walk *w, int last, struct err *e)
{
	int fd;

	switch (w->mode) {
	case W_RESOLVE:
		w->missing = 1;
		return push(w, e) < 0 ? -1 : 1;
	case W_OPEN:
		return wfail(w, e, ENOENT, NULL);
	case W_MKDIR:
	case W_MKFILE:
		break;
	}
	if (w->mode == W_MKFILE && last) {
		fd = openat(w->cur, w->name, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, w->cmode);
		if (fd >= 0)
			close(fd);
		if (fd >= 0 || errno == EEXIST)
			return 0;
		return wfail(w, e, errno, "cannot create file");
	}
	if (mkdirat(w->cur, w->name, w->mode == W_MKDIR ? w->cmode :
	    PARENT_MODE) == 0 || errno == EEXIST)
		return 0;
	return wfail(w, e, errno, "cannot create directory");
}

/*
 * The last component, found as `nfd` (O_PATH, not a symlink to follow)
 * with status `st`: the walk's result. Takes `nfd`. Returns 1 with the
 * fd in *fdp (-1 for W_RESOLVE), 0 to look again (raced), -1.
 */
static int
final(struct walk *w, int nfd, const struct stat *st, int *fdp,
    struct err *e)
{
	struct stat st2;
	int fd, saved;

	if (w->mode == W_RESOLVE) {
		close(nfd);
		return push(w, e) < 0 ? -1 : 1;
	}
	if (S_ISDIR(st->st_mode) && w->mode == W_MKFILE) {
		close(nfd);
		return wfail(w, e, EISDIR, "is a directory");
	}
	if (!S_ISDIR(st->st_mode) && (w->mode == W_MKDIR ||
	    (w->flags & O_DIRECTORY))) {
		close(nfd);
		return wfail(w, e, ENOTDIR, "not a directory");
	}
	if (w->mode != W_OPEN || (w->flags & O_PATH)) {
		*fdp = nfd;
		return 1;
	}
	fd = openat(w->cur, w->name, w->flags | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		saved = errno;
		close(nfd);
		if (saved == ELOOP && S_ISLNK(st->st_mode))
			return wfail(w, e, ELOOP, "is a symlink (O_NOFOLLOW)");
		if (saved == ELOOP)
			return 0;	/* became a symlink: follow it */
		return wfail(w, e, saved, NULL);
	}
	if (fstat(fd, &st2) < 0) {
		saved = errno;
		close(fd);
		close(nfd);
		return wfail(w, e, saved, NULL);
	}
	close(nfd);
	if (st2.st_dev != st->st_dev || st2.st_ino != st->st_ino) {
		close(fd);
		return 0;	/* replaced in between: look again */
	}
	*fdp = fd;
	return 1;
}

/*
 * Resolve component w->name in w->cur. Returns 0 to go on with the next
 * one, 1 when done (*fdp set as by final()), -1.
 */
static int
step(struct walk *w, int last, int *fdp, struct err *e)
{
	struct stat st;
	int nfd, r, tries, saved;

	for (tries = 0; tries < RACE_TRIES; tries++) {
		nfd = openat(w->cur, w->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			if (errno != ENOENT)
				return wfail(w, e, errno, NULL);
			r = create(w, last, e);
			if (r != 0)
				return r < 0 ? -1 : 0;
			continue;
		}
		if (fstat(nfd, &st) < 0) {
			saved = errno;
			close(nfd);
			return wfail(w, e, saved, NULL);
		}
		if (S_ISLNK(st.st_mode) && (!last ||
		    !(w->flags & O_NOFOLLOW))) {
			r = follow_link(w, nfd, e);
			close(nfd);
			return r;
		}
		if ((w->bflags & BENEATH_NO_XDEV) &&
		    st.st_dev != w->rootdev) {
			close(nfd);
			return wfail(w, e, EXDEV, "on another mount "
			    "(crossing refused)");
		}
		if (last) {
			r = final(w, nfd, &st, fdp, e);
			if (r != 0)
				return r;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			close(nfd);
			return wfail(w, e, ENOTDIR, "not a directory");
		}
		if (push(w, e) < 0) {
			close(nfd);
			return -1;
		}
		close(w->cur);
		w->cur = nfd;
		return 0;
	}
	return wfail(w, e, EAGAIN, "changed too often while resolving");
}

/* The path is used up: the result is directory w->cur. */
static int
finish(struct walk *w, int *fdp, struct err *e)
{
	int flags = O_PATH | O_DIRECTORY;

	w->name[0] = '\0';
	switch (w->mode) {
	case W_RESOLVE:
		return 0;
	case W_MKFILE:
		return wfail(w, e, EISDIR, "is a directory");
	case W_MKDIR:
		break;
	case W_OPEN:
		flags = w->flags;
		break;
	}
	/* A new open file description: w->cur may be the caller's root. */
	*fdp = openat(w->cur, ".", flags | O_CLOEXEC);
	if (*fdp < 0)
		return wfail(w, e, errno, NULL);
	return 0;
}

/* Resolve w->path. Returns 0 with *fdp set (-1 for W_RESOLVE), or -1. */
static int
run(struct walk *w, int *fdp, struct err *e)
{
	struct stat st;
	const char *c;
	size_t n;
	int r;

	*fdp = -1;
	n = strlen(w->path);
	if (n >= BENEATH_PATH_MAX)
		return err_set(e, ENAMETOOLONG, "%.64s...: path longer than "
		    "%d bytes", w->path, BENEATH_PATH_MAX - 1);
	memcpy(w->todo, w->path, n + 1);
	if (fstat(w->root, &st) < 0)
		return err_sys(e, "%.1024s: stat root", w->path);
	if (!S_ISDIR(st.st_mode))
		return err_set(e, ENOTDIR, "%.1024s: root is not a directory",
		    w->path);
	w->rootdev = st.st_dev;
	if (to_root(w, e) < 0)
		return -1;
	for (;;) {
		while (w->todo[w->pos] == '/')
			w->pos++;
		if (!w->todo[w->pos])
			return finish(w, fdp, e);
		c = w->todo + w->pos;
		for (n = 0; c[n] && c[n] != '/'; n++)
			;
		w->pos += n;
		if (n > NAME_MAX_) {
			w->name[0] = '\0';
			return wfail(w, e, ENAMETOOLONG, "a component is "
			    "longer than 255 bytes");
		}
		memcpy(w->name, c, n);
		w->name[n] = '\0';
		if (strcmp(w->name, ".") == 0)
			continue;
		if (strcmp(w->name, "..") == 0) {
			if (dotdot(w, e) < 0)
				return -1;
			continue;
		}
		if (w->missing) {
			if (push(w, e) < 0)
				return -1;
			continue;
		}
		r = step(w, w->todo[w->pos] == '\0', fdp, e);
		if (r < 0)
			return -1;
		if (r > 0)
			return 0;
	}
}

/*
 * Run a walk of `path` in `mode`. Returns the fd (W_OPEN, W_MKDIR,
 * W_MKFILE) or 0 with the resolved path in `out` (W_RESOLVE), or -1.
 */
static int
walk(int rootfd, const char *path, enum wmode mode, int flags, int bflags,
    mode_t cmode, char *out, size_t len, struct err *e)
{
	struct walk *w;
	int fd = -1, ret = -1;

	w = calloc(1, sizeof(*w));
	if (!w)
		return err_set(e, ENOMEM, "out of memory");
	w->root = rootfd;
	w->cur = -1;
	w->flags = flags;
	w->bflags = bflags;
	w->mode = mode;
	w->cmode = cmode;
	w->path = path;
	if (run(w, &fd, e) < 0)
		goto out;
	if (mode != W_RESOLVE) {
		ret = fd;
		goto out;
	}
	if (w->rlen + 2 > len) {
		err_set(e, ENAMETOOLONG, "%.1024s: resolved path longer than "
		    "%zu bytes", path, len);
		goto out;
	}
	out[0] = '/';
	memcpy(out + 1, w->res, w->rlen + 1);
	ret = 0;
out:
	if (w->cur >= 0)
		close(w->cur);
	free(w);
	return ret;
}

/* --- openat2 --- */

/*
 * Is openat2 usable? Probed once on "/": ENOSYS (Linux < 5.6) or EPERM
 * (a seccomp filter that predates openat2) means no.
 */
static int
want_openat2(void)
{
	static const struct how probe = { O_PATH | O_CLOEXEC, 0, 0 };
	static int probed;
	const char *v;
	long fd;

	if (beneath_force_walk)
		return 0;
	v = getenv("ROCKER_NO_OPENAT2");
	if (v && *v && strcmp(v, "0") != 0)
		return 0;
	if (!probed) {
		probed = 1;
		fd = syscall(SYSNR_OPENAT2, AT_FDCWD, "/", &probe,
		    sizeof(probe));
		if (fd >= 0)
			close((int)fd);
		else if (errno == ENOSYS || errno == EPERM)
			openat2_missing = 1;
	}
	return !openat2_missing;
}

/* openat2 beneath the root: an fd, or -1 with errno (ENOSYS: use the
 * walk from now on). */
static int
openat2_in_root(int rootfd, const char *path, int flags, int bflags)
{
	struct how h;
	long fd = -1;
	int i;

	memset(&h, 0, sizeof(h));
	h.flags = (uint64_t)(unsigned)(flags | O_CLOEXEC);
	h.resolve = RES_IN_ROOT | RES_NO_MAGICLINKS;
	if (bflags & BENEATH_NO_XDEV)
		h.resolve |= RES_NO_XDEV;
	if (!*path)
		path = ".";
	for (i = 0; i < OPENAT2_TRIES; i++) {
		fd = syscall(SYSNR_OPENAT2, rootfd, path, &h, sizeof(h));
		if (fd >= 0 || (errno != EAGAIN && errno != EINTR))
			break;
	}
	if (fd < 0 && errno == ENOSYS)
		openat2_missing = 1;
	return (int)fd;
}

/* --- public --- */

int
beneath_openx(int rootfd, const char *path, int flags, int bflags,
    struct err *e)
{
	int fd, saved;

	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
		return err_set(e, EINVAL, "%.1024s: beneath_open cannot "
		    "create", path);
	if ((flags & O_PATH) && (flags & ~(O_PATH | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)))
		return err_set(e, EINVAL, "%.1024s: O_PATH with other flags",
		    path);
	if (strlen(path) >= BENEATH_PATH_MAX)
		return err_set(e, ENAMETOOLONG, "%.64s...: path longer than "
		    "%d bytes", path, BENEATH_PATH_MAX - 1);
	if (want_openat2()) {
		fd = openat2_in_root(rootfd, path, flags, bflags);
		if (fd >= 0)
			return fd;
		saved = errno;
		if (saved != ENOSYS && saved != EAGAIN) {
			/* Name the culprit; openat2's verdict stands. */
			fd = walk(rootfd, path, W_OPEN, O_PATH | (flags &
			    (O_DIRECTORY | O_NOFOLLOW)), bflags, 0, NULL, 0,
			    e);
			if (fd < 0)
				return -1;
			close(fd);
			return err_set(e, saved, "%.1024s: %s", path,
			    strerror(saved));
		}
	}
	return walk(rootfd, path, W_OPEN, flags, bflags, 0, NULL, 0, e);
}

int
beneath_open(int rootfd, const char *path, int flags, struct err *e)
{
	return beneath_openx(rootfd, path, flags, 0, e);
}

int
beneath_mkdir_p(int rootfd, const char *path, mode_t mode, struct err *e)
{
	int fd;

	fd = beneath_openx(rootfd, path, O_PATH | O_DIRECTORY, 0, e);
	if (fd >= 0 || e->code != ENOENT)
		return fd;
	err_clear(e);
	return walk(rootfd, path, W_MKDIR, 0, 0, mode, NULL, 0, e);
}

int
beneath_mkfile(int rootfd, const char *path, mode_t mode, struct err *e)
{
	const char *b;
	struct stat st;
	size_t n = strlen(path);
	int fd;

	for (b = path + n; b > path && b[-1] != '/'; b--)
		;
	if (!*b || strcmp(b, ".") == 0 || strcmp(b, "..") == 0)
		return err_set(e, EISDIR, "%.1024s: names a directory", path);
	fd = beneath_openx(rootfd, path, O_PATH, 0, e);
	if (fd < 0) {
		if (e->code != ENOENT)
			return -1;
		err_clear(e);
		return walk(rootfd, path, W_MKFILE, 0, 0, mode, NULL, 0, e);
	}
	if (fstat(fd, &st) < 0) {
		err_sys(e, "%.1024s: stat", path);
		close(fd);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return err_set(e, EISDIR, "%.1024s: is a directory", path);
	}
	return fd;
}

int
beneath_mountpoint(int rootfd, const char *path, int is_dir, mode_t mode,
    char *procpath, size_t len, int *fd, struct err *e)
{
	int n, f;

	*fd = -1;
	if (is_dir)
		f = beneath_mkdir_p(rootfd, path, mode, e);
	else
		f = beneath_mkfile(rootfd, path, mode, e);
	if (f < 0)
		return -1;
	n = snprintf(procpath, len, "/proc/self/fd/%d", f);
	if (n < 0 || (size_t)n >= len) {
		close(f);
		return err_set(e, ERANGE, "%.1024s: mount point path buffer "
		    "too small", path);
	}
	*fd = f;
	return 0;
}

int
beneath_resolve(int rootfd, const char *path, char *out, size_t len,
    struct err *e)
{
	return walk(rootfd, path, W_RESOLVE, 0, 0, 0, out, len, e);
}

/* store.c - the image store: layout, locks, atomic commits, records, GC */

#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "json.h"
#include "log.h"
#include "sha256.h"
#include "store.h"

enum algo {
	ALG_NONE,
	ALG_SHA256,
	ALG_SHA512,
};

enum {
	OVERLAYFS_MAGIC = 0x794c7630,
	NFS_MAGIC = 0x6969,
	REFS_MAX = 64 << 20,	/* repositories.json */
	RECORD_MAX = 4 << 20,	/* one image record */
	META_MAX = 64 << 10,	/* one meta.json */
	DRIVER_MAX = 4096,	/* the driver cache file */
	HEX_MAX = SHA512_HEX_LEN + 1,
	PATH_REL = 320,		/* a path relative to the root */
	LK_CREATE = 1,		/* lock_at(): create the lock file */
	LK_EXCL = 2,		/* ... and it must be new */
};

enum stage_kind {
	STAGE_NONE,		/* reserve a name only (to rename into) */
	STAGE_DIR,
	STAGE_FILE,
};

/* A sorted-on-demand set of strings (GC marks). */
struct set {
	char **v;
	size_t n, cap;
};

/* repositories.json in memory, sorted by name. */
struct ref {
	char *name;
	char id[STORE_DIGEST_MAX];
};

struct refs {
	struct ref *v;
	size_t n, cap;
};

/* A running digest of either algorithm. */
struct hasher {
	enum algo a;
	struct sha256 c256;
	struct sha512 c512;
};

static const char *const layout[] = {
	"blobs", "blobs/sha256", "blobs/sha512", "layers", "l", "images",
	"tmp", "ingest", "locks", "rw",
};

static const char *const algo_name[] = { "", "sha256", "sha512" };
static const size_t algo_hexlen[] = { 0, SHA256_HEX_LEN, SHA512_HEX_LEN };

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* ---- digests ---- */

static int
is_hex(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' &&
		    p[i] <= 'f')))
			return 0;
	return 1;
}

/* The algorithm of a well-formed digest, its hex part in *hex. */
static enum algo
digest_algo(const char *d, const char **hex)
{
	enum algo a;

	if (!d)
		return ALG_NONE;
	for (a = ALG_SHA256; a <= ALG_SHA512; a++) {
		if (strncmp(d, algo_name[a], 6) != 0 || d[6] != ':')
			continue;
		if (strlen(d + 7) != algo_hexlen[a] ||
		    !is_hex(d + 7, algo_hexlen[a]))
			return ALG_NONE;
		if (hex)
			*hex = d + 7;
		return a;
	}
	return ALG_NONE;
}

/* Like digest_algo(), failing with ERR_PARSE; `what` names the thing. */
static int
check_digest(const char *d, const char *what, const char **hex,
    struct err *e)
{
	enum algo a = digest_algo(d, hex);

	if (a == ALG_NONE)
		return err_set(e, ERR_PARSE, "%s: invalid digest \"%.150s\" "
		    "(want sha256:<64 hex> or sha512:<128 hex>)", what,
		    d ? d : "(null)");
	return (int)a;
}

/* A chain or image id: a SHA-256 digest. */
static int
check_sha256(const char *d, const char *what, const char **hex,
    struct err *e)
{
	if (digest_algo(d, hex) != ALG_SHA256)
		return err_set(e, ERR_PARSE, "%s: invalid id \"%.150s\" (want "
		    "sha256:<64 hex>)", what, d ? d : "(null)");
	return 0;
}

static void
hasher_init(struct hasher *h, enum algo a)
{
	h->a = a;
	if (a == ALG_SHA512)
		sha512_init(&h->c512);
	else
		sha256_init(&h->c256);
}

static void
hasher_update(struct hasher *h, const void *p, size_t n)
{
	if (h->a == ALG_SHA512)
		sha512_update(&h->c512, p, n);
	else
		sha256_update(&h->c256, p, n);
}

static void
hasher_hex(struct hasher *h, char out[HEX_MAX])
{
	unsigned char dg[SHA512_LEN];

	if (h->a == ALG_SHA512) {
		sha512_final(&h->c512, dg);
		sha512_hex(dg, out);
	} else {
		sha256_final(&h->c256, dg);
		sha256_hex(dg, out);
	}
}

/* ---- small file-system helpers ---- */

/* Append "(the store filesystem at ROOT is full)" to ENOSPC/EDQUOT. */
static int
full_hint(struct store *s, struct err *e)
{
	size_t n;

	if (e->code == ENOSPC || e->code == EDQUOT) {
		n = strlen(e->msg);
		snprintf(e->msg + n, sizeof(e->msg) - n,
		    " (the store filesystem at %s is full)", s->root);
	}
	return -1;
}

static void
rand_name(char out[17])
{
	static unsigned long ctr;
	uint64_t v = 0;
	long r = -1;
	struct timespec ts;

#ifdef SYS_getrandom
	r = syscall(SYS_getrandom, &v, sizeof(v), 1 /* GRND_NONBLOCK */);
#endif
	if (r != (long)sizeof(v)) {
		clock_gettime(CLOCK_REALTIME, &ts);
		v = ((uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull) ^
		    (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 40);
	}
	v ^= ++ctr;
	snprintf(out, 17, "%016llx", (unsigned long long)v);
}

/*
 * Take a flock on `name` under `dirfd`. `op` is LOCK_EX or LOCK_SH, with
 * LOCK_NB to try only. After locking, the path must still name the locked
 * inode (holders may unlink lock files), else retry. Returns 0 with *fdp
 * set, 1 when busy (LOCK_NB), absent (no LK_CREATE) or taken (LK_EXCL),
 * -1 on error.
 */
static int
lock_at(int dirfd, const char *name, int op, int flags, int *fdp,
    struct err *e)
{
	struct stat a, b;
	int fd, r, of = O_RDWR | O_CLOEXEC | O_NOFOLLOW;

	if (flags & LK_CREATE)
		of |= O_CREAT;
	if (flags & LK_EXCL)
		of |= O_EXCL;
	for (;;) {
		fd = openat(dirfd, name, of, 0600);
		if (fd < 0) {
			if ((errno == ENOENT && !(flags & LK_CREATE)) ||
			    (errno == EEXIST && (flags & LK_EXCL)))
				return 1;
			return err_sys(e, "lock %s", name);
		}
		while ((r = flock(fd, op)) < 0 && errno == EINTR)
			;
		if (r < 0) {
			if (errno == EWOULDBLOCK) {
				close(fd);
				return 1;
			}
			err_sys(e, "lock %s", name);
			close(fd);
			return -1;
		}
		if (fstat(fd, &a) == 0 && fstatat(dirfd, name, &b,
		    AT_SYMLINK_NOFOLLOW) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino) {
			*fdp = fd;
			return 0;
		}
		close(fd);
		if (flags & LK_EXCL || !(flags & LK_CREATE))
			return 1;
	}
}

/* Release a lock_at() lock; `drop` unlinks the file first. */
static void
unlock_at(int dirfd, const char *name, int fd, int drop)
{
	if (fd < 0)
		return;
	if (drop)
		unlinkat(dirfd, name, 0);
	close(fd);
}

static int
fsync_dir(struct store *s, const char *rel, struct err *e)
{
	int fd = openat(s->rootfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return err_sys(e, "open %s", rel);
	if (fsync(fd) < 0) {
		err_sys(e, "fsync %s", rel);
		close(fd);
		return full_hint(s, e);
	}
	close(fd);
	return 0;
}

/* Read regular file `fd` whole into a NUL-terminated heap buffer. */
static int
read_fd(int fd, size_t max, char **out, size_t *outlen, struct err *e)
{
	struct stat st;
	char *buf;
	size_t len = 0, size;
	ssize_t n;

	*out = NULL;
	if (fstat(fd, &st) < 0)
		return err_sys(e, "stat");
	if (!S_ISREG(st.st_mode))
		return err_set(e, ERR_PARSE, "not a regular file");
	if ((uintmax_t)st.st_size > max)
		return err_set(e, ERR_LIMIT, "%lld bytes, more than the limit "
		    "of %zu", (long long)st.st_size, max);
	size = (size_t)st.st_size;
	buf = malloc(size + 1);
	if (!buf)
		return err_set(e, ENOMEM, "out of memory");
	while (len < size) {
		n = pread(fd, buf + len, size - len, (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_sys(e, "read");
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*out = buf;
	if (outlen)
		*outlen = len;
	return 0;
}

/* read_fd() of `rel` under the root; a missing file keeps errno ENOENT. */
static int
read_rel(struct store *s, const char *rel, size_t max, char **out,
    size_t *outlen, struct err *e)
{
	int fd, r;

	*out = NULL;
	fd = openat(s->rootfd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return err_sys(e, "open %s", rel);
	r = read_fd(fd, max, out, outlen, e);
	close(fd);
	if (r < 0)
		return err_ctx(e, "%s", rel);
	return 0;
}

/*
 * Remove `name` under `dirfd` and everything below it, without following
 * symlinks or crossing into another mount. Iterative (one directory fd at
 * a time, climbing back with ".."), so tree depth does not matter. Adds the
 * sizes of removed regular files to *bytes if not NULL. A missing `name` is
 * success.
 */
static int
rm_tree(int dirfd, const char *name, uint64_t *bytes, struct err *e)
{
	struct stat st;
	struct dirent *de;
	DIR *d = NULL;
	dev_t dev;
	int cur = -1, child, up, fd, depth = 0, progress, descended, again;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : err_sys(e, "stat %s", name);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
			return err_sys(e, "remove %s", name);
		if (bytes && S_ISREG(st.st_mode))
			*bytes += (uint64_t)st.st_size;
		return 0;
	}
	dev = st.st_dev;
	cur = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (cur < 0 && errno == EACCES && fchmodat(dirfd, name, 0700, 0) == 0)
		cur = openat(dirfd, name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
	if (cur < 0)
		return errno == ENOENT ? 0 : err_sys(e, "open %s", name);
	for (;;) {
		fd = dup(cur);
		if (fd < 0 || !(d = fdopendir(fd))) {
			err_sys(e, "read directory below %s", name);
			if (fd >= 0)
				close(fd);
			goto fail;
		}
		progress = descended = 0;
		while ((de = readdir(d))) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			if (fstatat(cur, de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) < 0) {
				if (errno == ENOENT)
					continue;
				err_sys(e, "stat %s below %s", de->d_name,
				    name);
				goto fail;
			}
			if (S_ISDIR(st.st_mode) && st.st_dev != dev) {
				err_set(e, EBUSY, "%s below %s is a mount "
				    "point: not removing it", de->d_name, name);
				goto fail;
			}
			again = 1;
retry:
			if (unlinkat(cur, de->d_name, S_ISDIR(st.st_mode) ?
			    AT_REMOVEDIR : 0) == 0 || errno == ENOENT) {
				if (bytes && S_ISREG(st.st_mode))
					*bytes += (uint64_t)st.st_size;
				progress = 1;
				continue;
			}
			if (errno == EACCES && again) {
				/* a read-only directory (as non-root) */
				again = 0;
				if (fchmod(cur, 0700) == 0)
					goto retry;
			}
			if (!S_ISDIR(st.st_mode) || (errno != ENOTEMPTY &&
			    errno != EEXIST)) {
				err_sys(e, "remove %s below %s", de->d_name,
				    name);
				goto fail;
			}
			child = openat(cur, de->d_name, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (child < 0 && errno == EACCES &&
			    fchmodat(cur, de->d_name, 0700, 0) == 0)
				child = openat(cur, de->d_name, O_RDONLY |
				    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (child < 0) {
				err_sys(e, "open %s below %s", de->d_name,
				    name);
				goto fail;
			}
			closedir(d);
			d = NULL;
			close(cur);
			cur = child;
			depth++;
			descended = 1;
			break;
		}
		if (descended)
			continue;
		closedir(d);
		d = NULL;
		if (progress)
			continue;	/* look again: readdir may skip */
		if (depth == 0)
			break;
		up = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (up < 0) {
			err_sys(e, "climb back below %s", name);
			goto fail;
		}
		close(cur);
		cur = up;
		depth--;
	}
	close(cur);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return err_sys(e, "remove %s", name);
	return 0;
fail:
	if (d)
		closedir(d);
	close(cur);
	return -1;
}

/* ---- staging entries under tmp/ ---- */

/*
 * Create a staging entry tmp/<random> guarded by tmp/<random>.lock, which
 * stays locked (*lockfd) until stage_done() or stage_drop(). STAGE_DIR and
 * STAGE_FILE create it and return it open in *fdp; STAGE_NONE only
 * reserves the name (to rename something into it). `path` receives
 * "tmp/<random>".
 */
static int
stage_new(struct store *s, enum stage_kind kind, char path[32],
    int *lockfd, int *fdp, struct err *e)
{
	char rnd[17], lock[40];
	struct stat st;
	int tries, r, fd = -1;

	*lockfd = -1;
	for (tries = 0; tries < 16; tries++) {
		rand_name(rnd);
		snprintf(path, 32, "tmp/%s", rnd);
		snprintf(lock, sizeof(lock), "tmp/%s.lock", rnd);
		r = lock_at(s->rootfd, lock, LOCK_EX, LK_CREATE | LK_EXCL,
		    lockfd, e);
		if (r < 0)
			return full_hint(s, e);
		if (r > 0)
			continue;
		if (kind == STAGE_DIR) {
			if (mkdirat(s->rootfd, path, 0700) == 0)
				fd = openat(s->rootfd, path, O_RDONLY |
				    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		} else if (kind == STAGE_FILE) {
			fd = openat(s->rootfd, path, O_RDWR | O_CREAT |
			    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		} else if (fstatat(s->rootfd, path, &st,
		    AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT) {
			return 0;
		} else {
			errno = EEXIST;
		}
		if (fd >= 0) {
			*fdp = fd;
			return 0;
		}
		if (errno != EEXIST) {
			err_sys(e, "create %s", path);
			unlock_at(s->rootfd, lock, *lockfd, 1);
			*lockfd = -1;
			return full_hint(s, e);
		}
		unlock_at(s->rootfd, lock, *lockfd, 1);
		*lockfd = -1;
	}
	return err_set(e, EEXIST, "no free staging name in %s/tmp", s->root);
}

/* The staging entry was renamed away (or never made): drop its lock. */
static void
stage_done(struct store *s, const char *path, int *lockfd)
{
	char lock[40];

	if (*lockfd < 0)
		return;
	snprintf(lock, sizeof(lock), "%s.lock", path);
	unlock_at(s->rootfd, lock, *lockfd, 1);
	*lockfd = -1;
}

/* Remove the staging entry, then drop its lock. */
static void
stage_drop(struct store *s, const char *path, int *lockfd)
{
	struct err e = ERR_INIT;

	if (*lockfd < 0)
		return;
	if (rm_tree(s->rootfd, path, NULL, &e) < 0)
		log_debug("store: leaving %s/%s: %s", s->root, path, e.msg);
	stage_done(s, path, lockfd);
}

/*
 * Move `rel` (a layer directory...) out of sight into tmp/ and delete it
 * there, so that a crash never leaves half a tree at its old name. Adds
 * the bytes freed to *bytes if not NULL. A missing `rel` is success.
 */
static int
discard(struct store *s, const char *rel, uint64_t *bytes, struct err *e)
{
	char path[32];
	int lk, r;

	if (stage_new(s, STAGE_NONE, path, &lk, NULL, e) < 0)
		return -1;
	if (renameat(s->rootfd, rel, s->rootfd, path) < 0) {
		r = errno == ENOENT ? 0 : err_sys(e, "move %s to %s", rel,
		    path);
		stage_done(s, path, &lk);
		return r;
	}
	r = rm_tree(s->rootfd, path, bytes, e);
	stage_done(s, path, &lk);
	return r;
}

/*
 * Write `len` bytes to `rel` atomically: a file in tmp/, fsynced, given
 * `mode`, renamed over `rel`, whose directory is then fsynced.
 */
static int
write_atomic(struct store *s, const char *rel, const void *buf, size_t len,
    mode_t mode, struct err *e)
{
	char path[32], dir[PATH_REL];
	const char *slash;
	int lk = -1, fd = -1;

	if (stage_new(s, STAGE_FILE, path, &lk, &fd, e) < 0)
		return err_ctx(e, "write %s", rel);
	if (io_write_all(fd, buf, len, e) < 0)
		goto fail;
	if (fsync(fd) < 0 || fchmod(fd, mode) < 0) {
		err_sys(e, "sync");
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		err_sys(e, "close");
		goto fail;
	}
	fd = -1;
	if (renameat(s->rootfd, path, s->rootfd, rel) < 0) {
		err_sys(e, "rename");
		goto fail;
	}
	stage_done(s, path, &lk);
	slash = strrchr(rel, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - rel) : 1,
	    slash ? rel : ".");
	if (fsync_dir(s, dir, e) < 0)
		return err_ctx(e, "write %s", rel);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	stage_drop(s, path, &lk);
	full_hint(s, e);
	return err_ctx(e, "write %s", rel);
}

/* mkdir -p `path` (absolute): parents 0755, the last component 0700. */
static int
mkdir_p(const char *path, struct err *e)
{
	char buf[PATH_MAX];
	char *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return err_sys(e, "mkdir %s", buf);
		*p = '/';
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return err_sys(e, "mkdir %s", buf);
	return 0;
}

static DIR *
open_dir(struct store *s, const char *rel, struct err *e)
{
	int fd = openat(s->rootfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;

	if (fd < 0) {
		err_sys(e, "open %s", rel);
		return NULL;
	}
	d = fdopendir(fd);
	if (!d) {
		err_sys(e, "open %s", rel);
		close(fd);
	}
	return d;
}

/* ---- sweeping leftovers ---- */

static int
has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n > m && strcmp(s + n - m, suf) == 0;
}

/* tmp/: entries whose lock is free, or that have no lock file at all. */
static void
sweep_tmp(struct store *s)
{
	struct err e = ERR_INIT;
	struct dirent *de;
	struct stat st;
	char lock[PATH_REL], entry[PATH_REL];
	size_t n;
	int fd;
	DIR *d = open_dir(s, "tmp", &e);

	if (!d)
		return;
	while ((de = readdir(d))) {
		n = strlen(de->d_name);
		if (de->d_name[0] == '.' || n > 200)
			continue;
		if (has_suffix(de->d_name, ".lock")) {
			snprintf(lock, sizeof(lock), "tmp/%s", de->d_name);
			snprintf(entry, sizeof(entry), "tmp/%.*s",
			    (int)(n - 5), de->d_name);
			if (lock_at(s->rootfd, lock, LOCK_EX | LOCK_NB, 0,
			    &fd, &e) != 0)
				continue;
		} else {
			snprintf(lock, sizeof(lock), "tmp/%s.lock",
			    de->d_name);
			snprintf(entry, sizeof(entry), "tmp/%s", de->d_name);
			if (fstatat(s->rootfd, lock, &st,
			    AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
				continue;
			fd = -1;
		}
		log_debug("store: sweeping %s/%s", s->root, entry);
		if (rm_tree(s->rootfd, entry, NULL, &e) < 0)
			log_debug("store: sweep: %s", e.msg);
		unlock_at(s->rootfd, lock, fd, 1);
	}
	closedir(d);
}

/* layers/: directories without meta.json were never committed. */
static void
sweep_layers(struct store *s)
{
	struct err e = ERR_INIT;
	struct dirent *de;
	struct stat st;
	char meta[PATH_REL], lock[PATH_REL], rel[PATH_REL];
	int fd;
	DIR *d = open_dir(s, "layers", &e);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strlen(de->d_name) != SHA256_HEX_LEN ||
		    !is_hex(de->d_name, SHA256_HEX_LEN))
			continue;
		snprintf(meta, sizeof(meta), "layers/%s/meta.json",
		    de->d_name);
		if (fstatat(s->rootfd, meta, &st, AT_SYMLINK_NOFOLLOW) == 0 ||
		    errno != ENOENT)
			continue;
		snprintf(lock, sizeof(lock), "locks/layer-%s", de->d_name);
		if (lock_at(s->rootfd, lock, LOCK_EX | LOCK_NB, LK_CREATE,
		    &fd, &e) != 0)
			continue;
		snprintf(rel, sizeof(rel), "layers/%s", de->d_name);
		if (fstatat(s->rootfd, meta, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
		    errno == ENOENT) {
			log_debug("store: sweeping uncommitted %s/%s",
			    s->root, rel);
			if (discard(s, rel, NULL, &e) < 0)
				log_debug("store: sweep: %s", e.msg);
		}
		unlock_at(s->rootfd, lock, fd, 1);
	}
	closedir(d);
}

/* ingest/: partials idle for a day whose blob lock is free. */
static void
sweep_ingest(struct store *s)
{
	struct err e = ERR_INIT;
	struct dirent *de;
	struct stat st;
	char rel[PATH_REL], lock[PATH_REL];
	size_t n;
	int fd;
	time_t now = time(NULL);
	DIR *d = open_dir(s, "ingest", &e);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!has_suffix(de->d_name, ".partial"))
			continue;
		n = strlen(de->d_name) - 8;
		if ((n != SHA256_HEX_LEN && n != SHA512_HEX_LEN) ||
		    !is_hex(de->d_name, n))
			continue;
		snprintf(rel, sizeof(rel), "ingest/%s", de->d_name);
		if (fstatat(s->rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    now - st.st_mtime < STORE_INGEST_MAX_AGE)
			continue;
		snprintf(lock, sizeof(lock), "locks/blob-%.*s", (int)n,
		    de->d_name);
		if (lock_at(s->rootfd, lock, LOCK_EX | LOCK_NB, LK_CREATE,
		    &fd, &e) != 0)
			continue;
		log_debug("store: removing stale %s/%s", s->root, rel);
		unlinkat(s->rootfd, rel, 0);
		unlock_at(s->rootfd, lock, fd, 1);
	}
	closedir(d);
}

/* ---- open / close ---- */

int
store_open(struct store *s, const char *root, enum store_mode mode,
    struct err *e)
{
	size_t i;
	int r;

	memset(s, 0, sizeof(*s));
	s->rootfd = s->lockfd = -1;
	if (!root || root[0] != '/')
		return err_set(e, ERR_USAGE, "store: root \"%s\" is not an "
		    "absolute path", root ? root : "(null)");
	if (strlen(root) >= sizeof(s->root) - PATH_REL)
		return err_set(e, ERR_LIMIT, "store: root path too long");
	snprintf(s->root, sizeof(s->root), "%s", root);
	if (mkdir_p(root, e) < 0)
		goto fail;
	s->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd < 0) {
		err_sys(e, "open");
		goto fail;
	}
	for (i = 0; i < sizeof(layout) / sizeof(layout[0]); i++)
		if (mkdirat(s->rootfd, layout[i], 0700) < 0 &&
		    errno != EEXIST) {
			err_sys(e, "mkdir %s", layout[i]);
			goto fail;
		}
	/* Containers' rw layers come and go: spread them (io.h). */
	{
		char rw[PATH_MAX];

		if (io_pathf(rw, sizeof(rw), "%s/rw", root) == 0)
			io_spread_subdirs(rw);
	}
	s->lockfd = openat(s->rootfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (s->lockfd < 0) {
		err_sys(e, "open lock");
		goto fail;
	}
	while ((r = flock(s->lockfd, mode == STORE_EXCLUSIVE ? LOCK_EX :
	    LOCK_SH)) < 0 && errno == EINTR)
		;
	if (r < 0) {
		err_sys(e, "lock");
		goto fail;
	}
	s->mode = mode == STORE_SHARED_QUICK ? STORE_SHARED : mode;
	s->open = 1;
	if (mode == STORE_SHARED_QUICK)
		return 0;
	sweep_tmp(s);
	sweep_layers(s);
	sweep_ingest(s);
	return 0;
fail:
	if (s->lockfd >= 0)
		close(s->lockfd);
	if (s->rootfd >= 0)
		close(s->rootfd);
	s->rootfd = s->lockfd = -1;
	full_hint(s, e);
	return err_ctx(e, "store %s", root);
}

void
store_close(struct store *s)
{
	if (!s->open)
		return;
	close(s->lockfd);
	close(s->rootfd);
	memset(s, 0, sizeof(*s));
	s->rootfd = s->lockfd = -1;
}

/* ---- blobs ---- */

static void
blob_rel(enum algo a, const char *hex, char *out, size_t n)
{
	snprintf(out, n, "blobs/%s/%s", algo_name[a], hex);
}

int
store_blob_exists(struct store *s, const char *digest)
{
	const char *hex;
	char rel[PATH_REL];
	struct stat st;
	enum algo a = digest_algo(digest, &hex);

	if (a == ALG_NONE)
		return 0;
	blob_rel(a, hex, rel, sizeof(rel));
	return fstatat(s->rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode);
}

int
store_blob_open(struct store *s, const char *digest, struct err *e)
{
	const char *hex;
	char rel[PATH_REL];
	int a, fd;

	if ((a = check_digest(digest, "blob", &hex, e)) < 0)
		return -1;
	blob_rel((enum algo)a, hex, rel, sizeof(rel));
	fd = openat(s->rootfd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return err_set(e, ERR_NOTFOUND, "blob %s is not in the store",
		    digest);
	if (fd < 0)
		return err_sys(e, "blob %s", digest);
	return fd;
}

int
store_blob_put(struct store *s, const char *digest, const void *buf,
    size_t len, struct err *e)
{
	const char *hex;
	char rel[PATH_REL], got[HEX_MAX];
	struct hasher h;
	int a;

	if ((a = check_digest(digest, "store blob", &hex, e)) < 0)
		return -1;
	hasher_init(&h, (enum algo)a);
	hasher_update(&h, buf, len);
	hasher_hex(&h, got);
	if (strcmp(got, hex) != 0)
		return err_set(e, ERR_DIGEST, "store blob %s: content has "
		    "digest %s:%s", digest, algo_name[a], got);
	if (store_blob_exists(s, digest))
		return 0;
	blob_rel((enum algo)a, hex, rel, sizeof(rel));
	if (write_atomic(s, rel, buf, len, 0444, e) < 0)
		return err_ctx(e, "store blob %s", digest);
	return 0;
}

int
store_blob_read(struct store *s, const char *digest, size_t max,
    char **buf, size_t *len, struct err *e)
{
	const char *hex;
	char got[HEX_MAX];
	struct hasher h;
	int fd, r;

	*buf = NULL;
	*len = 0;
	if ((fd = store_blob_open(s, digest, e)) < 0)
		return -1;
	r = read_fd(fd, max, buf, len, e);
	close(fd);
	if (r < 0)
		return err_ctx(e, "blob %s", digest);
	hasher_init(&h, digest_algo(digest, &hex));
	hasher_update(&h, *buf, *len);
	hasher_hex(&h, got);
	if (strcmp(got, hex) != 0) {
		free(*buf);
		*buf = NULL;
		*len = 0;
		return err_set(e, ERR_DIGEST, "blob %s is damaged: its content "
		    "has digest %s", digest, got);
	}
	return 0;
}

int
store_blob_verify(struct store *s, const char *digest, struct err *e)
{
	const char *hex;
	char got[HEX_MAX], buf[16384];
	struct hasher h;
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = store_blob_open(s, digest, e)) < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(e, ERR_DIGEST, "blob %s is not a regular file",
		    digest);
	}
	hasher_init(&h, digest_algo(digest, &hex));
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err_sys(e, "blob %s: read", digest);
			close(fd);
			return -1;
		}
		hasher_update(&h, buf, (size_t)n);
	}
	close(fd);
	hasher_hex(&h, got);
	if (strcmp(got, hex) != 0)
		return err_set(e, ERR_DIGEST, "blob %s is damaged: its content "
		    "has digest %s", digest, got);
	return 0;
}

int
store_discard(struct store *s, const char *rel, struct err *e)
{
	const char *p;
	size_t i;
	int known = 0;

	if (s->mode != STORE_EXCLUSIVE)
		return err_set(e, ERR_USAGE, "discard: the store is not open "
		    "for exclusive use");
	for (i = 1; i < sizeof(layout) / sizeof(layout[0]); i++)
		if (strncmp(rel, layout[i], strlen(layout[i])) == 0 &&
		    rel[strlen(layout[i])] == '/')
			known = 1;
	if (strcmp(rel, "init") == 0)
		known = 1;
	for (p = rel; known && *p; p++)
		if (p[0] == '/' && p[1] == '.' && (p[2] == '/' || !p[2] ||
		    (p[2] == '.' && (p[3] == '/' || !p[3]))))
			known = 0;
	if (!known || strlen(rel) >= PATH_REL || rel[strlen(rel) - 1] == '/')
		return err_set(e, ERR_USAGE, "discard: \"%.100s\" is not an "
		    "entry of the store", rel);
	if (discard(s, rel, NULL, e) < 0)
		return err_ctx(e, "discard %s", rel);
	return 0;
}

/* ---- ingest ---- */

static void
ingest_rels(const struct store_ingest *in, char part[PATH_REL],
    char lock[PATH_REL])
{
	const char *hex = strchr(in->digest, ':') + 1;

	snprintf(part, PATH_REL, "ingest/%s.partial", hex);
	snprintf(lock, PATH_REL, "locks/blob-%s", hex);
}

int
store_ingest_open(struct store *s, const char *digest,
    struct store_ingest *in, struct err *e)
{
	char part[PATH_REL], lock[PATH_REL];
	const char *hex;
	struct stat st;
	int r;

	memset(in, 0, sizeof(*in));
	in->fd = in->lockfd = -1;
	if (check_digest(digest, "ingest", &hex, e) < 0)
		return -1;
	snprintf(in->digest, sizeof(in->digest), "%s", digest);
	ingest_rels(in, part, lock);
	r = lock_at(s->rootfd, lock, LOCK_EX, LK_CREATE, &in->lockfd, e);
	if (r != 0)
		return err_ctx(e, "ingest %s", digest);
	if (store_blob_exists(s, digest)) {
		unlock_at(s->rootfd, lock, in->lockfd, 1);
		in->lockfd = -1;
		return 1;
	}
	in->fd = openat(s->rootfd, part, O_RDWR | O_APPEND | O_CREAT |
	    O_CLOEXEC | O_NOFOLLOW, 0600);
	if (in->fd < 0 || fstat(in->fd, &st) < 0) {
		err_sys(e, "ingest %s: open %s", digest, part);
		if (in->fd >= 0)
			close(in->fd);
		unlock_at(s->rootfd, lock, in->lockfd, 1);
		in->fd = in->lockfd = -1;
		return full_hint(s, e);
	}
	in->offset = st.st_size;
	in->active = 1;
	return 0;
}

int
store_ingest_commit(struct store *s, struct store_ingest *in, struct err *e)
{
	char part[PATH_REL], lock[PATH_REL], rel[PATH_REL], got[HEX_MAX];
	unsigned char buf[16384];
	struct hasher h;
	const char *hex;
	enum algo a;
	off_t off = 0;
	ssize_t n;

	if (!in->active)
		return err_set(e, ERR_USAGE, "ingest: not open");
	ingest_rels(in, part, lock);
	a = digest_algo(in->digest, &hex);
	hasher_init(&h, a);
	for (;;) {
		n = pread(in->fd, buf, sizeof(buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_sys(e, "read %s", part);
			goto fail;
		}
		if (n == 0)
			break;
		hasher_update(&h, buf, (size_t)n);
		off += n;
	}
	hasher_hex(&h, got);
	if (strcmp(got, hex) != 0) {
		err_set(e, ERR_DIGEST, "content has digest %s:%s",
		    algo_name[a], got);
		goto fail;
	}
	if (fsync(in->fd) < 0 || fchmod(in->fd, 0444) < 0) {
		err_sys(e, "sync %s", part);
		goto fail;
	}
	blob_rel(a, hex, rel, sizeof(rel));
	if (renameat(s->rootfd, part, s->rootfd, rel) < 0) {
		err_sys(e, "rename %s", part);
		goto fail;
	}
	snprintf(rel, sizeof(rel), "blobs/%s", algo_name[a]);
	if (fsync_dir(s, rel, e) < 0)
		goto fail;
	close(in->fd);
	unlock_at(s->rootfd, lock, in->lockfd, 1);
	memset(in, 0, sizeof(*in));
	return 0;
fail:
	/* a partial that failed to commit cannot be trusted for a resume */
	store_ingest_abort(s, in, 0);
	full_hint(s, e);
	return err_ctx(e, "ingest %s", in->digest[0] ? in->digest : "blob");
}

void
store_ingest_abort(struct store *s, struct store_ingest *in,
    int keep_partial)
{
	char part[PATH_REL], lock[PATH_REL];

	if (!in->active)
		return;
	ingest_rels(in, part, lock);
	close(in->fd);
	if (!keep_partial)
		unlinkat(s->rootfd, part, 0);
	unlock_at(s->rootfd, lock, in->lockfd, 1);
	in->active = 0;
	in->fd = in->lockfd = -1;
}

/* ---- layers ---- */

/* l/<short>: 26 base32 characters from the chain id's first bytes. */
static void
short_id(const char *hex, char out[STORE_SHORT_LEN + 1])
{
	unsigned char raw[SHA256_LEN];
	unsigned bits = 0, acc = 0;
	size_t i, o = 0;

	for (i = 0; i < SHA256_LEN; i++) {
		unsigned hi = hex[2 * i] <= '9' ? hex[2 * i] - '0' :
		    hex[2 * i] - 'a' + 10;
		unsigned lo = hex[2 * i + 1] <= '9' ? hex[2 * i + 1] - '0' :
		    hex[2 * i + 1] - 'a' + 10;
		raw[i] = (unsigned char)(hi << 4 | lo);
	}
	for (i = 0; o < STORE_SHORT_LEN; i++) {
		acc = (acc << 8 | raw[i]) & 0xffff;
		bits += 8;
		while (bits >= 5 && o < STORE_SHORT_LEN) {
			out[o++] = b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	out[o] = '\0';
}

static int
valid_short(const char *p)
{
	size_t i;

	if (strlen(p) != STORE_SHORT_LEN)
		return 0;
	for (i = 0; i < STORE_SHORT_LEN; i++)
		if (!strchr(b32, p[i]) || !p[i])
			return 0;
	return 1;
}

int
store_chain_id(const char *parent, const char *diff_id,
    char out[STORE_DIGEST_MAX], struct err *e)
{
	unsigned char dg[SHA256_LEN];
	char hex[SHA256_HEX_LEN + 1];
	struct sha256 c;

	if (check_digest(diff_id, "chain id: diff id", NULL, e) < 0)
		return -1;
	if (!parent || !*parent) {
		snprintf(out, STORE_DIGEST_MAX, "%s", diff_id);
		return 0;
	}
	if (check_digest(parent, "chain id: parent", NULL, e) < 0)
		return -1;
	sha256_init(&c);
	sha256_update(&c, parent, strlen(parent));
	sha256_update(&c, " ", 1);
	sha256_update(&c, diff_id, strlen(diff_id));
	sha256_final(&c, dg);
	sha256_hex(dg, hex);
	snprintf(out, STORE_DIGEST_MAX, "sha256:%s", hex);
	return 0;
}

int
store_layer_exists(struct store *s, const char *chain_id)
{
	const char *hex;
	char rel[PATH_REL];
	struct stat st;

	if (digest_algo(chain_id, &hex) != ALG_SHA256)
		return 0;
	snprintf(rel, sizeof(rel), "layers/%s/meta.json", hex);
	return fstatat(s->rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode);
}

/* l/<link> -> ../layers/<hex>/diff, replacing anything else there. */
static int
ensure_link(struct store *s, const char *hex, const char *link,
    struct err *e)
{
	char want[PATH_REL], rel[PATH_REL], got[PATH_REL];
	ssize_t n;
	int tries;

	snprintf(want, sizeof(want), "../layers/%s/diff", hex);
	snprintf(rel, sizeof(rel), "l/%s", link);
	for (tries = 0; tries < 3; tries++) {
		n = readlinkat(s->rootfd, rel, got, sizeof(got) - 1);
		if (n >= 0) {
			got[n] = '\0';
			if (strcmp(got, want) == 0)
				return 0;
		}
		if (n >= 0 || errno == EINVAL) {
			if (unlinkat(s->rootfd, rel, 0) < 0 && errno != ENOENT)
				return err_sys(e, "replace %s", rel);
		} else if (errno != ENOENT) {
			return err_sys(e, "read link %s", rel);
		}
		if (symlinkat(want, s->rootfd, rel) == 0)
			return 0;
		if (errno != EEXIST)
			return err_sys(e, "link %s", rel);
	}
	return err_set(e, EEXIST, "link %s keeps changing", rel);
}

/* The short link name recorded in layers/<hex>/link (or computed). */
static void
layer_link(struct store *s, const char *hex, char out[STORE_SHORT_LEN + 1])
{
	struct err e = ERR_INIT;
	char rel[PATH_REL], *buf = NULL;
	size_t len;

	snprintf(rel, sizeof(rel), "layers/%s/link", hex);
	if (read_rel(s, rel, 64, &buf, &len, &e) == 0) {
		while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
			buf[--len] = '\0';
		if (valid_short(buf)) {
			memcpy(out, buf, STORE_SHORT_LEN + 1);
			free(buf);
			return;
		}
	}
	free(buf);
	short_id(hex, out);
}

static char *
meta_json(const struct store_layer_meta *m, const char *chain,
    const char *link, int64_t created, size_t *len, struct err *e)
{
	struct json_writer w;
	char *out;

	json_writer_init(&w, 1);
	json_writer_begin_object(&w);
	json_writer_key(&w, "version");
	json_writer_int(&w, 1);
	json_writer_key(&w, "chain_id");
	json_writer_string(&w, chain);
	json_writer_key(&w, "diff_id");
	json_writer_string(&w, m->diff_id);
	if (m->parent[0]) {
		json_writer_key(&w, "parent");
		json_writer_string(&w, m->parent);
	}
	json_writer_key(&w, "size");
	json_writer_int(&w, m->size);
	if (m->digest[0]) {
		json_writer_key(&w, "digest");
		json_writer_string(&w, m->digest);
	}
	if (m->compressed_size >= 0) {
		json_writer_key(&w, "compressed_size");
		json_writer_int(&w, m->compressed_size);
	}
	if (m->media_type[0]) {
		json_writer_key(&w, "media_type");
		json_writer_string(&w, m->media_type);
	}
	json_writer_key(&w, "whiteouts");
	json_writer_string(&w, m->whiteouts[0] ? m->whiteouts : "overlay");
	json_writer_key(&w, "created");
	json_writer_int(&w, created);
	json_writer_key(&w, "link");
	json_writer_string(&w, link);
	json_writer_end_object(&w);
	out = json_writer_finish(&w, len, e);
	json_writer_free(&w);
	return out;
}

/* Copy string member `key` of `o` into `dst` ("" when absent). */
static int
get_str(const struct json_value *o, const char *key, char *dst, size_t n,
    int required, struct err *e)
{
	const struct json_value *v = json_obj_get(o, key);
	const char *p;

	dst[0] = '\0';
	if (!v)
		return required ? err_set(e, ERR_PARSE, "missing \"%s\"", key) :
		    0;
	if (!(p = json_str(v)))
		return err_set(e, ERR_PARSE, "\"%s\": expected a string", key);
	if (strlen(p) >= n)
		return err_set(e, ERR_LIMIT, "\"%s\": too long", key);
	memcpy(dst, p, strlen(p) + 1);
	return 0;
}

static int
get_int(const struct json_value *o, const char *key, int64_t *dst,
    int64_t dflt, struct err *e)
{
	const struct json_value *v = json_obj_get(o, key);

	*dst = dflt;
	if (!v)
		return 0;
	if (json_int(v, dst, e) < 0)
		return err_ctx(e, "\"%s\"", key);
	return 0;
}

static int
meta_parse(const char *buf, size_t len, struct store_layer_meta *m,
    struct err *e)
{
	struct json_value *root;
	int r = -1;

	memset(m, 0, sizeof(*m));
	if (!(root = json_parse(buf, len, NULL, e)))
		return -1;
	if (json_type(root) != JSON_OBJECT) {
		err_set(e, ERR_PARSE, "not a JSON object");
		goto out;
	}
	if (get_str(root, "chain_id", m->chain_id, sizeof(m->chain_id), 1,
	    e) < 0 || get_str(root, "diff_id", m->diff_id, sizeof(m->diff_id),
	    1, e) < 0 || get_str(root, "parent", m->parent, sizeof(m->parent),
	    0, e) < 0 || get_str(root, "digest", m->digest, sizeof(m->digest),
	    0, e) < 0 || get_str(root, "media_type", m->media_type,
	    sizeof(m->media_type), 0, e) < 0 || get_str(root, "whiteouts",
	    m->whiteouts, sizeof(m->whiteouts), 0, e) < 0 || get_str(root,
	    "link", m->link, sizeof(m->link), 0, e) < 0 ||
	    get_int(root, "size", &m->size, -1, e) < 0 ||
	    get_int(root, "compressed_size", &m->compressed_size, -1, e) < 0 ||
	    get_int(root, "created", &m->created, 0, e) < 0)
		goto out;
	if (digest_algo(m->chain_id, NULL) != ALG_SHA256 ||
	    digest_algo(m->diff_id, NULL) == ALG_NONE || (m->parent[0] &&
	    digest_algo(m->parent, NULL) != ALG_SHA256)) {
		err_set(e, ERR_PARSE, "invalid chain_id, diff_id or parent");
		goto out;
	}
	r = 0;
out:
	json_free(root);
	return r;
}

int
store_layer_get(struct store *s, const char *chain_id,
    struct store_layer_meta *meta, struct err *e)
{
	const char *hex;
	char rel[PATH_REL], *buf;
	size_t len;
	int r;

	memset(meta, 0, sizeof(*meta));
	if (check_sha256(chain_id, "layer", &hex, e) < 0)
		return -1;
	snprintf(rel, sizeof(rel), "layers/%s/meta.json", hex);
	if (read_rel(s, rel, META_MAX, &buf, &len, e) < 0) {
		if (e->code == ENOENT)
			return err_set(e, ERR_NOTFOUND, "layer %s is not in "
			    "the store", chain_id);
		return err_ctx(e, "layer %s", chain_id);
	}
	r = meta_parse(buf, len, meta, e);
	free(buf);
	if (r < 0)
		return err_ctx(e, "layer %s: %s", chain_id, rel);
	if (strcmp(meta->chain_id, chain_id) != 0)
		return err_set(e, ERR_PARSE, "layer %s: %s names chain id %s",
		    chain_id, rel, meta->chain_id);
	if (!valid_short(meta->link))
		short_id(hex, meta->link);
	return 0;
}

int
store_layer_open(struct store *s, const char *chain_id, struct err *e)
{
	const char *hex;
	char rel[PATH_REL];
	int fd;

	if (check_sha256(chain_id, "layer", &hex, e) < 0)
		return -1;
	if (!store_layer_exists(s, chain_id))
		return err_set(e, ERR_NOTFOUND, "layer %s is not in the store",
		    chain_id);
	snprintf(rel, sizeof(rel), "layers/%s/diff", hex);
	fd = openat(s->rootfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "layer %s: open diff", chain_id);
	return fd;
}

int
store_layer_begin(struct store *s, const char *chain_id,
    struct store_layer_tx *tx, struct err *e)
{
	const char *hex;
	char lock[PATH_REL], rel[PATH_REL];
	struct stat st;
	int sfd = -1;

	memset(tx, 0, sizeof(*tx));
	tx->dirfd = tx->lockfd = tx->stagelock = -1;
	if (check_sha256(chain_id, "layer", &hex, e) < 0)
		return -1;
	snprintf(tx->chain_id, sizeof(tx->chain_id), "%s", chain_id);
	snprintf(lock, sizeof(lock), "locks/layer-%s", hex);
	if (lock_at(s->rootfd, lock, LOCK_EX, LK_CREATE, &tx->lockfd, e) != 0)
		goto fail;
	if (store_layer_exists(s, chain_id)) {
		unlock_at(s->rootfd, lock, tx->lockfd, 1);
		tx->lockfd = -1;
		return 1;
	}
	/* a directory without meta.json was never committed */
	snprintf(rel, sizeof(rel), "layers/%s", hex);
	if (fstatat(s->rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    discard(s, rel, NULL, e) < 0)
		goto fail;
	if (stage_new(s, STAGE_DIR, tx->stage, &tx->stagelock, &sfd, e) < 0)
		goto fail;
	if (mkdirat(sfd, "diff", 0755) < 0 ||
	    (tx->dirfd = openat(sfd, "diff", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) < 0) {
		err_sys(e, "create %s/diff", tx->stage);
		goto fail;
	}
	close(sfd);
	tx->active = 1;
	return 0;
fail:
	if (sfd >= 0)
		close(sfd);
	stage_drop(s, tx->stage, &tx->stagelock);
	unlock_at(s->rootfd, lock, tx->lockfd, 1);
	tx->lockfd = -1;
	full_hint(s, e);
	return err_ctx(e, "layer %s", chain_id);
}

void
store_layer_abort(struct store *s, struct store_layer_tx *tx)
{
	const char *hex;
	char lock[PATH_REL];

	if (!tx->active)
		return;
	close(tx->dirfd);
	stage_drop(s, tx->stage, &tx->stagelock);
	if (digest_algo(tx->chain_id, &hex) == ALG_SHA256) {
		snprintf(lock, sizeof(lock), "locks/layer-%s", hex);
		unlock_at(s->rootfd, lock, tx->lockfd, 1);
	}
	memset(tx, 0, sizeof(*tx));
	tx->dirfd = tx->lockfd = tx->stagelock = -1;
}

void
store_layer_drop_link(struct store *s, const char *chain_id)
{
	struct err e = ERR_INIT;
	char lock[PATH_REL], rel[PATH_REL], want[PATH_REL], got[PATH_REL];
	char link[STORE_SHORT_LEN + 1];
	const char *hex;
	struct stat sb;
	ssize_t n;
	int fd;

	if (digest_algo(chain_id, &hex) != ALG_SHA256)
		return;
	snprintf(lock, sizeof(lock), "locks/layer-%s", hex);
	if (lock_at(s->rootfd, lock, LOCK_EX | LOCK_NB, LK_CREATE, &fd,
	    &e) != 0)
		return;		/* a transaction holds it, or an error */
	snprintf(rel, sizeof(rel), "layers/%s/meta.json", hex);
	if (fstatat(s->rootfd, rel, &sb, AT_SYMLINK_NOFOLLOW) < 0 &&
	    errno == ENOENT) {
		short_id(hex, link);
		snprintf(rel, sizeof(rel), "l/%s", link);
		snprintf(want, sizeof(want), "../layers/%s/diff", hex);
		n = readlinkat(s->rootfd, rel, got, sizeof(got) - 1);
		if (n >= 0) {
			got[n] = '\0';
			if (strcmp(got, want) == 0)
				unlinkat(s->rootfd, rel, 0);
		}
	}
	unlock_at(s->rootfd, lock, fd, 1);
}

/* Create `name` in directory `dfd` with `len` bytes, fsynced. */
static int
write_file_at(int dfd, const char *name, const void *buf, size_t len,
    struct err *e)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600);

	if (fd < 0)
		return err_sys(e, "create %s", name);
	if (io_write_all(fd, buf, len, e) < 0) {
		close(fd);
		return err_ctx(e, "write %s", name);
	}
	if (fsync(fd) < 0) {
		err_sys(e, "fsync %s", name);
		close(fd);
		return -1;
	}
	if (close(fd) < 0)
		return err_sys(e, "close %s", name);
	return 0;
}

int
store_layer_commit(struct store *s, struct store_layer_tx *tx,
    const struct store_layer_meta *meta, struct err *e)
{
	const char *hex;
	char want[STORE_DIGEST_MAX], link[STORE_SHORT_LEN + 2], rel[PATH_REL];
	char *json = NULL;
	size_t len;
	int sfd = -1;

	if (!tx->active)
		return err_set(e, ERR_USAGE, "layer commit: no transaction");
	digest_algo(tx->chain_id, &hex);
	if (meta->whiteouts[0] && strcmp(meta->whiteouts, "overlay") != 0 &&
	    strcmp(meta->whiteouts, "aufs") != 0) {
		err_set(e, ERR_USAGE, "unknown whiteout format \"%.16s\"",
		    meta->whiteouts);
		goto fail;
	}
	if (store_chain_id(meta->parent, meta->diff_id, want, e) < 0)
		goto fail;
	if (strcmp(want, tx->chain_id) != 0) {
		err_set(e, ERR_DIGEST, "parent %s and diff id %s give chain "
		    "id %s", meta->parent[0] ? meta->parent : "(none)",
		    meta->diff_id, want);
		goto fail;
	}
	if (meta->parent[0] && !store_layer_exists(s, meta->parent)) {
		err_set(e, ERR_NOTFOUND, "parent layer %s is not in the store",
		    meta->parent);
		goto fail;
	}
	/* the tree must be on disk before meta.json can say it is */
	if (syncfs(tx->dirfd) < 0) {
		err_sys(e, "sync the extracted tree");
		goto fail;
	}
	short_id(hex, link);
	if (!(json = meta_json(meta, tx->chain_id, link, (int64_t)time(NULL),
	    &len, e)))
		goto fail;
	sfd = openat(s->rootfd, tx->stage, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0) {
		err_sys(e, "open %s", tx->stage);
		goto fail;
	}
	if (write_file_at(sfd, "meta.json", json, len, e) < 0)
		goto fail;
	link[STORE_SHORT_LEN] = '\n';
	link[STORE_SHORT_LEN + 1] = '\0';
	if (write_file_at(sfd, "link", link, STORE_SHORT_LEN + 1, e) < 0)
		goto fail;
	link[STORE_SHORT_LEN] = '\0';
	if (fsync(sfd) < 0) {
		err_sys(e, "fsync %s", tx->stage);
		goto fail;
	}
	/* the link first: a crash leaves a dangling link, which GC removes */
	if (ensure_link(s, hex, link, e) < 0 || fsync_dir(s, "l", e) < 0)
		goto fail;
	snprintf(rel, sizeof(rel), "layers/%s", hex);
	if (renameat(s->rootfd, tx->stage, s->rootfd, rel) < 0) {
		if ((errno != EEXIST && errno != ENOTEMPTY) ||
		    !store_layer_exists(s, tx->chain_id)) {
			err_sys(e, "rename %s to %s", tx->stage, rel);
			goto fail;
		}
		/* another writer won: ours is not needed */
		stage_drop(s, tx->stage, &tx->stagelock);
	}
	if (fsync_dir(s, "layers", e) < 0)
		goto fail;
	free(json);
	close(sfd);
	close(tx->dirfd);
	tx->dirfd = -1;
	stage_done(s, tx->stage, &tx->stagelock);
	snprintf(rel, sizeof(rel), "locks/layer-%s", hex);
	unlock_at(s->rootfd, rel, tx->lockfd, 1);
	memset(tx, 0, sizeof(*tx));
	tx->dirfd = tx->lockfd = tx->stagelock = -1;
	return 0;
fail:
	free(json);
	if (sfd >= 0)
		close(sfd);
	snprintf(want, sizeof(want), "%s", tx->chain_id);
	store_layer_abort(s, tx);
	full_hint(s, e);
	return err_ctx(e, "commit layer %s", want);
}

/* ---- scratch directories ---- */

int
store_scratch_create(struct store *s, struct store_scratch *sc,
    struct err *e)
{
	memset(sc, 0, sizeof(*sc));
	sc->dirfd = sc->lockfd = -1;
	if (stage_new(s, STAGE_DIR, sc->path, &sc->lockfd, &sc->dirfd,
	    e) < 0)
		return err_ctx(e, "scratch directory");
	sc->active = 1;
	return 0;
}

void
store_scratch_remove(struct store *s, struct store_scratch *sc)
{
	if (!sc->active)
		return;
	close(sc->dirfd);
	stage_drop(s, sc->path, &sc->lockfd);
	memset(sc, 0, sizeof(*sc));
	sc->dirfd = sc->lockfd = -1;
}

/* ---- container read-write layers ---- */

static int
valid_rw_id(const char *id)
{
	size_t i, n = id ? strlen(id) : 0;

	if (n == 0 || n > STORE_RW_ID_MAX || id[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' &&
		    id[i] <= 'Z') || (id[i] >= '0' && id[i] <= '9') ||
		    id[i] == '_' || id[i] == '.' || id[i] == '-'))
			return 0;
	return 1;
}

int
store_rw_create(struct store *s, const char *id, struct err *e)
{
	static const char *const sub[] = { "upper", "work", "merged" };
	static const mode_t mode[] = { 0755, 0700, 0755 };
	char rel[PATH_REL], p[PATH_REL + 16];
	struct err e2 = ERR_INIT;
	size_t i;

	if (!valid_rw_id(id))
		return err_set(e, ERR_PARSE, "rw layer: invalid id \"%.80s\"",
		    id ? id : "(null)");
	snprintf(rel, sizeof(rel), "rw/%s", id);
	if (mkdirat(s->rootfd, rel, 0700) < 0) {
		if (errno == EEXIST)
			return err_set(e, EEXIST, "rw layer %s already exists "
			    "(upper and work directories are never reused)",
			    id);
		err_sys(e, "rw layer %s", id);
		return full_hint(s, e);
	}
	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", rel, sub[i]);
		if (mkdirat(s->rootfd, p, mode[i]) < 0 ||
		    fchmodat(s->rootfd, p, mode[i], 0) < 0) {
			err_sys(e, "rw layer %s: mkdir %s", id, sub[i]);
			rm_tree(s->rootfd, rel, NULL, &e2);
			return full_hint(s, e);
		}
	}
	/* No fsync: a container's layer is no more durable than the
	 * container record that names it, which is not synced either (a
	 * container is not worth a journal commit per `run`). */
	return 0;
}

int
store_rw_remove(struct store *s, const char *id, struct err *e)
{
	char rel[PATH_REL];

	if (!valid_rw_id(id))
		return err_set(e, ERR_PARSE, "rw layer: invalid id \"%.80s\"",
		    id ? id : "(null)");
	snprintf(rel, sizeof(rel), "rw/%s", id);
	if (rm_tree(s->rootfd, rel, NULL, e) < 0)
		return err_ctx(e, "remove rw layer %s", id);
	return 0;
}

/* Append formatted text to out[*len..], failing when it does not fit. */
static int
append(char *out, size_t outsz, size_t *len, struct err *e,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
append(char *out, size_t outsz, size_t *len, struct err *e,
    const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out + *len, outsz - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= outsz - *len)
		return err_set(e, ERR_LIMIT, "overlay options: buffer of %zu "
		    "bytes too small", outsz);
	*len += (size_t)n;
	return 0;
}

/* ---- the mount points layer ---- */

static const char *const mountpoint_files[] = {
	"etc/hosts", "etc/hostname", "etc/resolv.conf",
};

/* 1 if the mount points layer fits the image (see store_mountpoints()). */
static int
mountpoints_fit(struct store *s, const char *const *chain_ids, size_t n)
{
	struct err e = ERR_INIT;
	char path[PATH_REL];
	struct stat sb;
	const char *hex;
	size_t i, k;
	int seen = 0, fd, opaque;

	for (i = n; i-- > 0;) {
		if (check_sha256(chain_ids[i], "layer", &hex, &e) < 0)
			return 0;
		snprintf(path, sizeof(path), "layers/%s/diff/etc", hex);
		if (fstatat(s->rootfd, path, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			return 0;
		}
		if (!S_ISDIR(sb.st_mode))
			return 0;
		if (!seen && ((sb.st_mode & 07777) != 0755 || sb.st_uid ||
		    sb.st_gid))
			return 0;
		seen = 1;
		for (k = 0; k < sizeof(mountpoint_files) /
		    sizeof(mountpoint_files[0]); k++) {
			snprintf(path, sizeof(path), "layers/%s/diff/%s", hex,
			    mountpoint_files[k]);
			if (fstatat(s->rootfd, path, &sb,
			    AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
				return 0;
		}
		/* An opaque etc/ hides the layers below. */
		snprintf(path, sizeof(path), "layers/%s/diff/etc", hex);
		fd = openat(s->rootfd, path, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return 0;
		opaque = fgetxattr(fd, "trusted.overlay.opaque", NULL, 0) > 0 ||
		    fgetxattr(fd, "user.overlay.opaque", NULL, 0) > 0;
		close(fd);
		if (opaque)
			break;
	}
	return 1;
}

/* The names in directory `rel` but . and ..: how many, or -1. */
static long
count_entries(struct store *s, const char *rel)
{
	struct dirent *de;
	long n = 0;
	int fd;
	DIR *d;

	fd = openat(s->rootfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

int
store_mountpoints_sound(struct store *s)
{
	static const char *const dirs[] = { "init", "init/etc" };
	char path[64];
	struct stat sb;
	size_t k;

	for (k = 0; k < 2; k++) {
		if (fstatat(s->rootfd, dirs[k], &sb, AT_SYMLINK_NOFOLLOW) < 0)
			return k == 0 && errno == ENOENT ? -1 : 0;
		if (!S_ISDIR(sb.st_mode) || (sb.st_mode & 07777) != 0755 ||
		    sb.st_uid || sb.st_gid || count_entries(s, dirs[k]) !=
		    (k == 0 ? 1 : 3))
			return 0;
	}
	for (k = 0; k < sizeof(mountpoint_files) / sizeof(mountpoint_files[0]);
	    k++) {
		snprintf(path, sizeof(path), "init/%s", mountpoint_files[k]);
		if (fstatat(s->rootfd, path, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(sb.st_mode) || sb.st_size || sb.st_uid)
			return 0;
	}
	return 1;
}

int
store_mountpoints(struct store *s, const char *const *chain_ids, size_t n,
    struct err *e)
{
	char path[32], rel[64];
	struct stat sb;
	size_t k;
	int lockfd, dfd = -1, fd;

	if (!mountpoints_fit(s, chain_ids, n))
		return 0;
	switch (store_mountpoints_sound(s)) {
	case 1:
		return 1;
	case 0:
		log_debug("store: %s/init is not the mount points layer: "
		    "not used (system check --repair removes it)", s->root);
		return 0;
	}
	if (stage_new(s, STAGE_DIR, path, &lockfd, &dfd, e) < 0)
		return -1;
	if (fchmod(dfd, 0755) < 0 || mkdirat(dfd, "etc", 0755) < 0) {
		err_sys(e, "create %s/%s/etc", s->root, path);
		goto fail;
	}
	snprintf(rel, sizeof(rel), "%s/etc", path);
	if (fchmodat(s->rootfd, rel, 0755, 0) < 0) {
		err_sys(e, "chmod %s/%s", s->root, rel);
		goto fail;
	}
	for (k = 0; k < sizeof(mountpoint_files) / sizeof(mountpoint_files[0]);
	    k++) {
		fd = openat(dfd, mountpoint_files[k], O_WRONLY | O_CREAT |
		    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 || fchmod(fd, 0644) < 0) {
			err_sys(e, "create %s/%s/%s", s->root, path,
			    mountpoint_files[k]);
			if (fd >= 0)
				close(fd);
			goto fail;
		}
		close(fd);
	}
	/* Another container may have put it there first: theirs is the
	 * same. */
	if (renameat(s->rootfd, path, s->rootfd, "init") < 0 &&
	    errno != EEXIST && errno != ENOTEMPTY) {
		err_sys(e, "rename %s/%s to init", s->root, path);
		goto fail;
	}
	close(dfd);
	if (fstatat(s->rootfd, path, &sb, AT_SYMLINK_NOFOLLOW) == 0)
		stage_drop(s, path, &lockfd);
	else
		stage_done(s, path, &lockfd);
	return store_mountpoints_sound(s) == 1;
fail:
	close(dfd);
	stage_drop(s, path, &lockfd);
	return full_hint(s, e);
}

int
store_overlay_opts(struct store *s, const char *const *chain_ids,
    size_t n, const char *rw_id, char *out, size_t outsz, struct err *e)
{
	char link[STORE_SHORT_LEN + 1];
	const char *hex;
	long page = sysconf(_SC_PAGESIZE);
	size_t i, len = 0, need, room;

	if (outsz)
		out[0] = '\0';
	if (page <= 0)
		page = 4096;
	if (n == 0 || !out || outsz == 0)
		return err_set(e, ERR_USAGE, "overlay options: no layers");
	if (n > STORE_MAX_LOWERS)
		return err_set(e, ERR_LIMIT, "overlay options: %zu layers, "
		    "more than the kernel's %d", n, STORE_MAX_LOWERS);
	if (rw_id && !valid_rw_id(rw_id))
		return err_set(e, ERR_PARSE, "overlay options: invalid rw "
		    "layer id \"%.80s\"", rw_id);
	/* lowerdir= and every l/<short>: plus upperdir=rw/<id>/upper, ... */
	need = 9 + n * (2 + STORE_SHORT_LEN + 1) - 1 + (rw_id ? 36 +
	    2 * strlen(rw_id) : 0);
	room = (size_t)page - 1 - STORE_MOUNT_RESERVE;
	if (need > room)
		return err_set(e, ERR_LIMIT, "overlay options: %zu layers "
		    "need %zu bytes of mount data, more than one page (%ld) "
		    "allows; mounting them needs lowerdir+ through fsconfig "
		    "(Linux 6.8), not supported yet", n, need, page);
	if (append(out, outsz, &len, e, "lowerdir=") < 0)
		return -1;
	for (i = n; i-- > 0;) {
		if (check_sha256(chain_ids[i], "overlay options", &hex, e) < 0)
			return -1;
		if (!store_layer_exists(s, chain_ids[i]))
			return err_set(e, ERR_NOTFOUND, "overlay options: "
			    "layer %s is not in the store", chain_ids[i]);
		layer_link(s, hex, link);
		if (ensure_link(s, hex, link, e) < 0)
			return err_ctx(e, "overlay options");
		if (append(out, outsz, &len, e, "%sl/%s", i + 1 < n ? ":" :
		    "", link) < 0)
			return -1;
	}
	if (rw_id && append(out, outsz, &len, e, ",upperdir=rw/%s/upper,"
	    "workdir=rw/%s/work", rw_id, rw_id) < 0)
		return -1;
	if (len != need)	/* the estimate above must be exact */
		return err_set(e, ERR_GENERIC, "overlay options: %zu bytes, "
		    "expected %zu", len, need);
	return 0;
}

/* ---- string sets ---- */

static void
free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
set_add(struct set *st, const char *v, struct err *e)
{
	char **nv;

	if (st->n == st->cap) {
		nv = realloc(st->v, (st->cap ? st->cap * 2 : 64) * sizeof(*nv));
		if (!nv)
			return err_set(e, ENOMEM, "out of memory");
		st->v = nv;
		st->cap = st->cap ? st->cap * 2 : 64;
	}
	if (!(st->v[st->n] = strdup(v)))
		return err_set(e, ENOMEM, "out of memory");
	st->n++;
	return 0;
}

static void
set_sort(struct set *st)
{
	if (st->n)
		qsort(st->v, st->n, sizeof(*st->v), str_cmp);
}

static int
set_has(const struct set *st, const char *v)
{
	if (!st->n)
		return 0;
	return bsearch(&v, st->v, st->n, sizeof(*st->v), str_cmp) != NULL;
}

static int
set_has_linear(const struct set *st, const char *v)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (strcmp(st->v[i], v) == 0)
			return 1;
	return 0;
}

static void
set_free(struct set *st)
{
	free_strv(st->v, st->n);
	memset(st, 0, sizeof(*st));
}

/* ---- references and image records ---- */

/* A reference: printable, "name:tag" or "name@digest". */
static int
valid_ref(const char *ref, int *is_digest)
{
	const char *at, *colon, *slash, *p;
	size_t n = ref ? strlen(ref) : 0;

	if (n == 0 || n >= STORE_REF_MAX)
		return 0;
	for (p = ref; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return 0;
	if ((at = strchr(ref, '@'))) {
		*is_digest = 1;
		return at != ref && digest_algo(at + 1, NULL) != ALG_NONE;
	}
	*is_digest = 0;
	colon = strrchr(ref, ':');
	slash = strrchr(ref, '/');
	return colon && colon != ref && colon[1] && (!slash || colon > slash);
}

static void
refs_free(struct refs *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->v[i].name);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static int
ref_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ref *)a)->name,
	    ((const struct ref *)b)->name);
}

static struct ref *
refs_find(const struct refs *r, const char *name)
{
	struct ref key;

	if (!r->n)
		return NULL;
	key.name = (char *)name;
	return bsearch(&key, r->v, r->n, sizeof(*r->v), ref_cmp);
}

/* Point `name` at `id`; `old` gets the id it had, or "". */
static int
refs_set(struct refs *r, const char *name, const char *id,
    char old[STORE_DIGEST_MAX], struct err *e)
{
	struct ref *p = refs_find(r, name), *nv;
	size_t i;

	old[0] = '\0';
	if (p) {
		snprintf(old, STORE_DIGEST_MAX, "%s", p->id);
		snprintf(p->id, sizeof(p->id), "%s", id);
		return 0;
	}
	if (r->n == r->cap) {
		nv = realloc(r->v, (r->cap ? r->cap * 2 : 16) * sizeof(*nv));
		if (!nv)
			return err_set(e, ENOMEM, "out of memory");
		r->v = nv;
		r->cap = r->cap ? r->cap * 2 : 16;
	}
	for (i = r->n; i > 0 && strcmp(r->v[i - 1].name, name) > 0; i--)
		;
	memmove(&r->v[i + 1], &r->v[i], (r->n - i) * sizeof(*r->v));
	if (!(r->v[i].name = strdup(name))) {
		memmove(&r->v[i], &r->v[i + 1], (r->n - i) * sizeof(*r->v));
		return err_set(e, ENOMEM, "out of memory");
	}
	snprintf(r->v[i].id, sizeof(r->v[i].id), "%s", id);
	r->n++;
	return 0;
}

static void
refs_del(struct refs *r, struct ref *p)
{
	size_t i = (size_t)(p - r->v);

	free(p->name);
	memmove(&r->v[i], &r->v[i + 1], (r->n - i - 1) * sizeof(*r->v));
	r->n--;
}

static int
refs_load(struct store *s, struct refs *r, struct err *e)
{
	struct json_limits lim = { REFS_MAX, 8, 0 };
	struct json_value *root = NULL;
	const struct json_value *o, *k, *v;
	char *buf, old[STORE_DIGEST_MAX];
	size_t len, i;
	int isd, ret = -1;

	memset(r, 0, sizeof(*r));
	if (read_rel(s, "repositories.json", REFS_MAX, &buf, &len, e) < 0)
		return e->code == ENOENT ? (err_clear(e), 0) : -1;
	root = json_parse(buf, len, &lim, e);
	free(buf);
	if (!root)
		goto out;
	o = json_obj_get(root, "refs");
	if (json_type(o) != JSON_OBJECT) {
		err_set(e, ERR_PARSE, "\"refs\": expected an object");
		goto out;
	}
	for (i = 0; i < json_len(o); i++) {
		k = json_key_at(o, i);
		v = json_val_at(o, i);
		if (!valid_ref(json_str(k), &isd) ||
		    digest_algo(json_str(v), NULL) == ALG_NONE) {
			err_set(e, ERR_PARSE, "invalid entry \"%.100s\"",
			    json_str(k) ? json_str(k) : "?");
			goto out;
		}
		if (refs_set(r, json_str(k), json_str(v), old, e) < 0)
			goto out;
	}
	ret = 0;
out:
	json_free(root);
	if (ret < 0) {
		refs_free(r);
		err_ctx(e, "%s/repositories.json", s->root);
	}
	return ret;
}

static int
refs_save(struct store *s, const struct refs *r, struct err *e)
{
	struct json_writer w;
	char *buf;
	size_t len, i;
	int ret;

	json_writer_init(&w, 1);
	json_writer_begin_object(&w);
	json_writer_key(&w, "version");
	json_writer_int(&w, 1);
	json_writer_key(&w, "refs");
	json_writer_begin_object(&w);
	for (i = 0; i < r->n; i++) {
		json_writer_key(&w, r->v[i].name);
		json_writer_string(&w, r->v[i].id);
	}
	json_writer_end_object(&w);
	json_writer_end_object(&w);
	buf = json_writer_finish(&w, &len, e);
	json_writer_free(&w);
	if (!buf)
		return -1;
	ret = write_atomic(s, "repositories.json", buf, len, 0600, e);
	free(buf);
	return ret;
}

static int
refs_lock(struct store *s, int *fd, struct err *e)
{
	if (lock_at(s->rootfd, "locks/refs", LOCK_EX, LK_CREATE, fd, e) != 0)
		return -1;
	return 0;
}

static void
refs_unlock(struct store *s, int fd)
{
	unlock_at(s->rootfd, "locks/refs", fd, 0);
}

void
store_image_free(struct store_image *img)
{
	free_strv(img->tags, img->ntags);
	free_strv(img->digests, img->ndigests);
	free(img->layers);
	memset(img, 0, sizeof(*img));
}

void
store_image_list_free(struct store_image *list, size_t n)
{
	size_t i;

	for (i = 0; list && i < n; i++)
		store_image_free(&list[i]);
	free(list);
}

/* Set img->tags and img->digests to the references naming img->id. */
static int
image_fill_refs(struct store_image *img, const struct refs *r,
    struct err *e)
{
	size_t i, nt = 0, nd = 0;
	char *p;

	free_strv(img->tags, img->ntags);
	free_strv(img->digests, img->ndigests);
	img->tags = img->digests = NULL;
	img->ntags = img->ndigests = 0;
	for (i = 0; i < r->n; i++) {
		if (strcmp(r->v[i].id, img->id) != 0)
			continue;
		if (strchr(r->v[i].name, '@'))
			nd++;
		else
			nt++;
	}
	if ((nt && !(img->tags = calloc(nt, sizeof(char *)))) ||
	    (nd && !(img->digests = calloc(nd, sizeof(char *)))))
		return err_set(e, ENOMEM, "out of memory");
	for (i = 0; i < r->n; i++) {
		if (strcmp(r->v[i].id, img->id) != 0)
			continue;
		if (!(p = strdup(r->v[i].name)))
			return err_set(e, ENOMEM, "out of memory");
		if (strchr(p, '@'))
			img->digests[img->ndigests++] = p;
		else
			img->tags[img->ntags++] = p;
	}
	return 0;
}

static int
record_parse(const char *buf, size_t len, const char *hex,
    struct store_image *img, struct err *e)
{
	struct json_value *root;
	const struct json_value *ls, *l;
	const char *idhex;
	size_t i;
	int r = -1;

	memset(img, 0, sizeof(*img));
	if (!(root = json_parse(buf, len, NULL, e)))
		return -1;
	if (get_str(root, "id", img->id, sizeof(img->id), 1, e) < 0 ||
	    get_str(root, "manifest", img->manifest, sizeof(img->manifest),
	    0, e) < 0 || get_str(root, "created", img->created,
	    sizeof(img->created), 0, e) < 0 || get_str(root, "os", img->os,
	    sizeof(img->os), 0, e) < 0 || get_str(root, "architecture",
	    img->arch, sizeof(img->arch), 0, e) < 0 || get_str(root,
	    "variant", img->variant, sizeof(img->variant), 0, e) < 0 ||
	    get_int(root, "size", &img->size, 0, e) < 0 ||
	    get_int(root, "stored", &img->stored, 0, e) < 0)
		goto out;
	if (digest_algo(img->id, &idhex) == ALG_NONE ||
	    strcmp(idhex, hex) != 0) {
		err_set(e, ERR_PARSE, "id \"%.80s\" does not match the file "
		    "name", img->id);
		goto out;
	}
	ls = json_obj_get(root, "layers");
	if (json_type(ls) != JSON_ARRAY) {
		err_set(e, ERR_PARSE, "\"layers\": expected an array");
		goto out;
	}
	img->nlayers = json_len(ls);
	if (img->nlayers && !(img->layers = calloc(img->nlayers,
	    sizeof(*img->layers)))) {
		err_set(e, ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < img->nlayers; i++) {
		l = json_at(ls, i);
		if (get_str(l, "chain_id", img->layers[i].chain_id,
		    STORE_DIGEST_MAX, 1, e) < 0 || get_str(l, "diff_id",
		    img->layers[i].diff_id, STORE_DIGEST_MAX, 1, e) < 0) {
			err_ctx(e, "layer %zu", i);
			goto out;
		}
	}
	r = 0;
out:
	json_free(root);
	if (r < 0)
		store_image_free(img);
	return r;
}

/* Load images/<hex>.json (without references); ERR_NOTFOUND if absent. */
static int
record_load(struct store *s, const char *hex, struct store_image *img,
    struct err *e)
{
	char rel[PATH_REL], *buf;
	size_t len;
	int r;

	memset(img, 0, sizeof(*img));
	snprintf(rel, sizeof(rel), "images/%s.json", hex);
	if (read_rel(s, rel, RECORD_MAX, &buf, &len, e) < 0) {
		if (e->code == ENOENT)
			return err_set(e, ERR_NOTFOUND, "no image record %s",
			    rel);
		return -1;
	}
	r = record_parse(buf, len, hex, img, e);
	free(buf);
	if (r < 0)
		return err_ctx(e, "%s/%s", s->root, rel);
	return 0;
}

/* The hex ids of all records in images/, sorted. */
static int
record_names(struct store *s, struct set *out, struct err *e)
{
	struct dirent *de;
	char hex[HEX_MAX];
	size_t n;
	DIR *d = open_dir(s, "images", e);

	memset(out, 0, sizeof(*out));
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (!has_suffix(de->d_name, ".json"))
			continue;
		n = strlen(de->d_name) - 5;
		if ((n != SHA256_HEX_LEN && n != SHA512_HEX_LEN) ||
		    !is_hex(de->d_name, n))
			continue;
		snprintf(hex, sizeof(hex), "%.*s", (int)n, de->d_name);
		if (set_add(out, hex, e) < 0) {
			closedir(d);
			set_free(out);
			return -1;
		}
	}
	closedir(d);
	set_sort(out);
	return 0;
}

/* Write the record of `img`, its tags and digests taken from `r`. */
static int
record_write(struct store *s, const struct store_image *img,
    const struct refs *r, struct err *e)
{
	struct json_writer w;
	const char *hex;
	char rel[PATH_REL], *buf;
	size_t i, len;
	int pass, ret;

	digest_algo(img->id, &hex);
	json_writer_init(&w, 1);
	json_writer_begin_object(&w);
	json_writer_key(&w, "version");
	json_writer_int(&w, 1);
	json_writer_key(&w, "id");
	json_writer_string(&w, img->id);
	if (img->manifest[0]) {
		json_writer_key(&w, "manifest");
		json_writer_string(&w, img->manifest);
	}
	for (pass = 0; pass < 2; pass++) {
		json_writer_key(&w, pass ? "repo_digests" : "repo_tags");
		json_writer_begin_array(&w);
		for (i = 0; i < r->n; i++)
			if (strcmp(r->v[i].id, img->id) == 0 &&
			    !strchr(r->v[i].name, '@') == !pass)
				json_writer_string(&w, r->v[i].name);
		json_writer_end_array(&w);
	}
	json_writer_key(&w, "layers");
	json_writer_begin_array(&w);
	for (i = 0; i < img->nlayers; i++) {
		json_writer_begin_object(&w);
		json_writer_key(&w, "chain_id");
		json_writer_string(&w, img->layers[i].chain_id);
		json_writer_key(&w, "diff_id");
		json_writer_string(&w, img->layers[i].diff_id);
		json_writer_end_object(&w);
	}
	json_writer_end_array(&w);
	json_writer_key(&w, "created");
	json_writer_string(&w, img->created);
	json_writer_key(&w, "os");
	json_writer_string(&w, img->os);
	json_writer_key(&w, "architecture");
	json_writer_string(&w, img->arch);
	if (img->variant[0]) {
		json_writer_key(&w, "variant");
		json_writer_string(&w, img->variant);
	}
	json_writer_key(&w, "size");
	json_writer_int(&w, img->size);
	json_writer_key(&w, "stored");
	json_writer_int(&w, img->stored);
	json_writer_end_object(&w);
	buf = json_writer_finish(&w, &len, e);
	json_writer_free(&w);
	if (!buf)
		return -1;
	snprintf(rel, sizeof(rel), "images/%s.json", hex);
	ret = write_atomic(s, rel, buf, len, 0600, e);
	free(buf);
	return ret;
}

/* Rewrite the record of image `id` after its references changed. */
static int
record_refresh(struct store *s, const char *id, const struct refs *r,
    struct err *e)
{
	struct store_image img;
	const char *hex;

	if (digest_algo(id, &hex) == ALG_NONE)
		return 0;
	if (record_load(s, hex, &img, e) < 0)
		return e->code == ERR_NOTFOUND ? (err_clear(e), 0) : -1;
	if (record_write(s, &img, r, e) < 0) {
		store_image_free(&img);
		return -1;
	}
	store_image_free(&img);
	return 0;
}

/* Terminated within its array? (struct fields from the caller) */
static int
field_ok(const char *p, size_t n)
{
	return memchr(p, '\0', n) != NULL;
}

static int
image_check(struct store *s, const struct store_image *img, struct err *e)
{
	char want[STORE_DIGEST_MAX];
	size_t i;
	int isd;

	if (check_digest(img->id, "image id", NULL, e) < 0)
		return -1;
	if (!field_ok(img->manifest, sizeof(img->manifest)) ||
	    (img->manifest[0] && check_digest(img->manifest, "manifest",
	    NULL, e) < 0))
		return -1;
	if (!field_ok(img->created, sizeof(img->created)) ||
	    !field_ok(img->os, sizeof(img->os)) ||
	    !field_ok(img->arch, sizeof(img->arch)) ||
	    !field_ok(img->variant, sizeof(img->variant)))
		return err_set(e, ERR_USAGE, "unterminated string field");
	for (i = 0; i < img->ntags; i++)
		if (!valid_ref(img->tags[i], &isd) || isd)
			return err_set(e, ERR_PARSE, "invalid tag reference "
			    "\"%.100s\"", img->tags[i] ? img->tags[i] : "");
	for (i = 0; i < img->ndigests; i++)
		if (!valid_ref(img->digests[i], &isd) || !isd)
			return err_set(e, ERR_PARSE, "invalid digest reference "
			    "\"%.100s\"", img->digests[i] ? img->digests[i] :
			    "");
	if (!store_blob_exists(s, img->id))
		return err_set(e, ERR_NOTFOUND, "config blob %s is not in the "
		    "store", img->id);
	for (i = 0; i < img->nlayers; i++) {
		if (check_sha256(img->layers[i].chain_id, "layer", NULL,
		    e) < 0 || store_chain_id(i ? img->layers[i - 1].chain_id :
		    NULL, img->layers[i].diff_id, want, e) < 0)
			return err_ctx(e, "layer %zu", i);
		if (strcmp(want, img->layers[i].chain_id) != 0)
			return err_set(e, ERR_DIGEST, "layer %zu: chain id %s "
			    "does not follow from its parent and diff id (%s)",
			    i, img->layers[i].chain_id, want);
		if (!store_layer_exists(s, img->layers[i].chain_id))
			return err_set(e, ERR_NOTFOUND, "layer %zu (%s) is not "
			    "in the store", i, img->layers[i].chain_id);
	}
	return 0;
}

int
store_image_put(struct store *s, const struct store_image *img,
    struct err *e)
{
	struct refs r = { 0 };
	struct store_image rec;
	char (*olds)[STORE_DIGEST_MAX] = NULL;
	char old[STORE_DIGEST_MAX];
	size_t i, j, nold = 0, nref = img->ntags + img->ndigests;
	const char *name;
	int lk = -1, ret = -1;

	if (image_check(s, img, e) < 0)
		return err_ctx(e, "store image %.80s", img->id);
	if (nref && !(olds = calloc(nref, sizeof(*olds))))
		return err_set(e, ENOMEM, "out of memory");
	if (refs_lock(s, &lk, e) < 0 || refs_load(s, &r, e) < 0)
		goto out;
	for (i = 0; i < nref; i++) {
		name = i < img->ntags ? img->tags[i] :
		    img->digests[i - img->ntags];
		if (refs_set(&r, name, img->id, old, e) < 0)
			goto out;
		if (!old[0] || strcmp(old, img->id) == 0)
			continue;
		for (j = 0; j < nold && strcmp(olds[j], old) != 0; j++)
			;
		if (j == nold)
			memcpy(olds[nold++], old, sizeof(old));
	}
	rec = *img;
	rec.stored = (int64_t)time(NULL);
	/* the record first: a crash before the refs leaves it untagged */
	if (record_write(s, &rec, &r, e) < 0 || refs_save(s, &r, e) < 0)
		goto out;
	for (j = 0; j < nold; j++)
		if (record_refresh(s, olds[j], &r, e) < 0)
			goto out;
	ret = 0;
out:
	if (lk >= 0)
		refs_unlock(s, lk);
	refs_free(&r);
	free(olds);
	if (ret < 0)
		err_ctx(e, "store image %s", img->id);
	return ret;
}

/* The unique image whose hex id starts with `prefix`, into hex. */
static int
find_prefix(struct store *s, const char *prefix, size_t want_len,
    char hex[HEX_MAX], struct err *e)
{
	struct dirent *de;
	size_t n, pl = strlen(prefix), count = 0;
	DIR *d = open_dir(s, "images", e);

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (!has_suffix(de->d_name, ".json"))
			continue;
		n = strlen(de->d_name) - 5;
		if ((n != SHA256_HEX_LEN && n != SHA512_HEX_LEN) ||
		    (want_len && n != want_len) || !is_hex(de->d_name, n) ||
		    strncmp(de->d_name, prefix, pl) != 0)
			continue;
		if (count++ == 0)
			snprintf(hex, HEX_MAX, "%.*s", (int)n, de->d_name);
	}
	closedir(d);
	if (count > 1)
		return err_set(e, ERR_USAGE, "image id prefix %s is ambiguous "
		    "(%zu images)", prefix, count);
	if (count == 0)
		return err_set(e, ERR_NOTFOUND, "no such image: %s", prefix);
	return 0;
}

int
store_image_get(struct store *s, const char *key, struct store_image *img,
    struct err *e)
{
	struct refs r;
	struct ref *p;
	const char *hex, *q;
	char buf[HEX_MAX];
	size_t n;
	int ret = -1;

	memset(img, 0, sizeof(*img));
	if (!key || !*key)
		return err_set(e, ERR_USAGE, "image: empty name");
	if (refs_load(s, &r, e) < 0)
		return -1;
	q = strncmp(key, "sha256:", 7) == 0 ? key + 7 : key;
	n = strlen(q);
	if (digest_algo(key, &hex) != ALG_NONE) {
		snprintf(buf, sizeof(buf), "%s", hex);
	} else if (n == SHA256_HEX_LEN && is_hex(q, n) && q == key) {
		snprintf(buf, sizeof(buf), "%s", q);
	} else if ((p = refs_find(&r, key))) {
		digest_algo(p->id, &hex);
		snprintf(buf, sizeof(buf), "%s", hex);
	} else if (n > 0 && n < SHA512_HEX_LEN && is_hex(q, n)) {
		if (find_prefix(s, q, q == key ? 0 : SHA256_HEX_LEN, buf,
		    e) < 0) {
			if (e->code == ERR_NOTFOUND)
				err_set(e, ERR_NOTFOUND, "no such image: %s",
				    key);
			goto out;
		}
	} else {
		err_set(e, ERR_NOTFOUND, "no such image: %s", key);
		goto out;
	}
	if (record_load(s, buf, img, e) < 0) {
		if (e->code == ERR_NOTFOUND)
			err_set(e, ERR_NOTFOUND, "no such image: %s", key);
		goto out;
	}
	if (image_fill_refs(img, &r, e) < 0) {
		store_image_free(img);
		goto out;
	}
	ret = 0;
out:
	refs_free(&r);
	return ret;
}

int
store_image_list(struct store *s, struct store_image **list, size_t *n,
    struct err *e)
{
	struct refs r;
	struct set names = { 0 };
	struct store_image *v = NULL;
	size_t i;
	int ret = -1;

	*list = NULL;
	*n = 0;
	if (refs_load(s, &r, e) < 0)
		return -1;
	if (record_names(s, &names, e) < 0)
		goto out;
	if (names.n && !(v = calloc(names.n, sizeof(*v)))) {
		err_set(e, ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < names.n; i++)
		if (record_load(s, names.v[i], &v[i], e) < 0 ||
		    image_fill_refs(&v[i], &r, e) < 0)
			goto out;
	*list = v;
	*n = names.n;
	v = NULL;
	ret = 0;
out:
	store_image_list_free(v, names.n);
	free_strv(names.v, names.n);
	refs_free(&r);
	return ret;
}

int
store_ref_remove(struct store *s, const char *ref, char id[STORE_DIGEST_MAX],
    struct err *e)
{
	struct refs r = { 0 };
	struct ref *p;
	char was[STORE_DIGEST_MAX];
	int lk = -1, ret = -1;

	if (refs_lock(s, &lk, e) < 0 || refs_load(s, &r, e) < 0)
		goto out;
	if (!ref || !(p = refs_find(&r, ref))) {
		err_set(e, ERR_NOTFOUND, "no such reference: %s",
		    ref ? ref : "(null)");
		goto out;
	}
	memcpy(was, p->id, sizeof(was));
	refs_del(&r, p);
	if (refs_save(s, &r, e) < 0 || record_refresh(s, was, &r, e) < 0)
		goto out;
	if (id)
		memcpy(id, was, sizeof(was));
	ret = 0;
out:
	if (lk >= 0)
		refs_unlock(s, lk);
	refs_free(&r);
	if (ret < 0 && e->code != ERR_NOTFOUND)
		err_ctx(e, "untag %s", ref ? ref : "(null)");
	return ret;
}

int
store_image_remove(struct store *s, const char *id, struct err *e)
{
	struct refs r = { 0 };
	struct stat st;
	const char *hex;
	char rel[PATH_REL];
	size_t i, dropped = 0;
	int lk = -1, ret = -1;

	if (s->mode != STORE_EXCLUSIVE)
		return err_set(e, ERR_USAGE, "remove image: the store is not "
		    "open for exclusive use");
	if (check_digest(id, "remove image", &hex, e) < 0)
		return -1;
	snprintf(rel, sizeof(rel), "images/%s.json", hex);
	if (refs_lock(s, &lk, e) < 0 || refs_load(s, &r, e) < 0)
		goto out;
	if (fstatat(s->rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			err_set(e, ERR_NOTFOUND, "no such image: %s", id);
		else
			err_sys(e, "%s", rel);
		goto out;
	}
	for (i = r.n; i-- > 0;)
		if (strcmp(r.v[i].id, id) == 0) {
			refs_del(&r, &r.v[i]);
			dropped++;
		}
	/* references first: a crash in between leaves an untagged image */
	if (dropped && refs_save(s, &r, e) < 0)
		goto out;
	if (unlinkat(s->rootfd, rel, 0) < 0 && errno != ENOENT) {
		err_sys(e, "remove %s", rel);
		goto out;
	}
	if (fsync_dir(s, "images", e) < 0)
		goto out;
	ret = 0;
out:
	if (lk >= 0)
		refs_unlock(s, lk);
	refs_free(&r);
	if (ret < 0 && e->code != ERR_NOTFOUND)
		err_ctx(e, "remove image %s", id);
	return ret;
}

int
store_image_record(struct store *s, const char *id, struct store_image *img,
    struct err *e)
{
	const char *hex;

	memset(img, 0, sizeof(*img));
	if (check_digest(id, "image record", &hex, e) < 0)
		return -1;
	return record_load(s, hex, img, e);
}

int
store_refs_reset(struct store *s, const char *const *names,
    const char *const *ids, size_t n, struct err *e)
{
	struct refs r = { 0 };
	char old[STORE_DIGEST_MAX];
	size_t i;
	int isd, lk = -1, ret = -1;

	if (s->mode != STORE_EXCLUSIVE)
		return err_set(e, ERR_USAGE, "reset references: the store is "
		    "not open for exclusive use");
	for (i = 0; i < n; i++) {
		if (!valid_ref(names[i], &isd) ||
		    digest_algo(ids[i], NULL) == ALG_NONE) {
			err_set(e, ERR_PARSE, "invalid reference \"%.100s\"",
			    names[i] ? names[i] : "(null)");
			goto out;
		}
		if (refs_set(&r, names[i], ids[i], old, e) < 0)
			goto out;
	}
	if (refs_lock(s, &lk, e) < 0 || refs_save(s, &r, e) < 0)
		goto out;
	ret = 0;
out:
	if (lk >= 0)
		refs_unlock(s, lk);
	refs_free(&r);
	if (ret < 0)
		err_ctx(e, "reset references");
	return ret;
}

/* ---- garbage collection ---- */

/* Is the lock `rel` held by someone? (A free one is left in place.) */
static int
lock_held(struct store *s, const char *rel)
{
	struct err e = ERR_INIT;
	struct stat st;
	int fd, r = lock_at(s->rootfd, rel, LOCK_EX | LOCK_NB, 0, &fd, &e);

	if (r == 0)
		close(fd);
	return r < 0 || (r == 1 && fstatat(s->rootfd, rel, &st,
	    AT_SYMLINK_NOFOLLOW) == 0);
}

/* Mark: image records, refs to blobs, pinned layers, their parents. */
static int
gc_mark(struct store *s, const char *const *pinned, size_t npinned,
    struct set *blobs, struct set *layers, struct store_gc_stats *st,
    struct err *e)
{
	struct refs r = { 0 };
	struct set names = { 0 };
	struct store_image img;
	struct store_layer_meta m;
	struct err e2 = ERR_INIT;
	const char *at, *hex;
	char id[STORE_DIGEST_MAX];
	size_t i, j, changed = 0;
	int ret = -1;

	if (refs_load(s, &r, e) < 0 || record_names(s, &names, e) < 0)
		goto out;
	for (i = 0; i < names.n; i++) {
		if (record_load(s, names.v[i], &img, e) < 0)
			goto out;
		if (set_add(blobs, img.id, e) < 0 || (img.manifest[0] &&
		    set_add(blobs, img.manifest, e) < 0)) {
			store_image_free(&img);
			goto out;
		}
		for (j = 0; j < img.nlayers; j++)
			if (!set_has_linear(layers, img.layers[j].chain_id) &&
			    set_add(layers, img.layers[j].chain_id, e) < 0) {
				store_image_free(&img);
				goto out;
			}
		store_image_free(&img);
	}
	for (i = r.n; i-- > 0;) {
		digest_algo(r.v[i].id, &hex);
		snprintf(id, sizeof(id), "%s", hex);
		if (!set_has(&names, id)) {
			refs_del(&r, &r.v[i]);
			changed++;
			continue;
		}
		if ((at = strchr(r.v[i].name, '@')) &&
		    set_add(blobs, at + 1, e) < 0)
			goto out;
	}
	if (changed && refs_save(s, &r, e) < 0)
		goto out;
	st->refs += (unsigned)changed;
	for (i = 0; i < npinned; i++) {
		if (check_sha256(pinned[i], "pinned layer", NULL, e) < 0)
			goto out;
		if (!set_has_linear(layers, pinned[i]) &&
		    set_add(layers, pinned[i], e) < 0)
			goto out;
	}
	/* parents (the list grows while it is walked) */
	for (i = 0; i < layers->n; i++) {
		if (store_layer_get(s, layers->v[i], &m, &e2) < 0)
			continue;
		if (m.parent[0] && !set_has_linear(layers, m.parent) &&
		    set_add(layers, m.parent, e) < 0)
			goto out;
	}
	set_sort(blobs);
	set_sort(layers);
	ret = 0;
out:
	refs_free(&r);
	set_free(&names);
	return ret;
}

static int
gc_layers(struct store *s, const struct set *layers,
    struct store_gc_stats *st, struct err *e)
{
	struct dirent *de;
	char chain[STORE_DIGEST_MAX], lock[PATH_REL], rel[PATH_REL];
	char link[STORE_SHORT_LEN + 1];
	int fd, r;
	DIR *d = open_dir(s, "layers", e);

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (strlen(de->d_name) != SHA256_HEX_LEN ||
		    !is_hex(de->d_name, SHA256_HEX_LEN))
			continue;
		snprintf(chain, sizeof(chain), "sha256:%.64s", de->d_name);
		if (set_has(layers, chain))
			continue;
		snprintf(lock, sizeof(lock), "locks/layer-%s", de->d_name);
		if ((r = lock_at(s->rootfd, lock, LOCK_EX | LOCK_NB, LK_CREATE,
		    &fd, e)) < 0)
			goto fail;
		if (r > 0)
			continue;	/* a transaction holds it */
		layer_link(s, de->d_name, link);
		snprintf(rel, sizeof(rel), "l/%s", link);
		unlinkat(s->rootfd, rel, 0);
		snprintf(rel, sizeof(rel), "layers/%s", de->d_name);
		r = discard(s, rel, &st->bytes, e);
		unlock_at(s->rootfd, lock, fd, 1);
		if (r < 0)
			goto fail;
		log_debug("store: gc removed layer %s", chain);
		st->layers++;
	}
	closedir(d);
	return 0;
fail:
	closedir(d);
	return -1;
}

static int
gc_blobs(struct store *s, const struct set *blobs,
    struct store_gc_stats *st, struct err *e)
{
	struct dirent *de;
	struct stat sb;
	char dg[STORE_DIGEST_MAX], rel[PATH_REL], lock[PATH_REL];
	enum algo a;
	DIR *d;

	for (a = ALG_SHA256; a <= ALG_SHA512; a++) {
		snprintf(rel, sizeof(rel), "blobs/%s", algo_name[a]);
		if (!(d = open_dir(s, rel, e)))
			return -1;
		while ((de = readdir(d))) {
			if (strlen(de->d_name) != algo_hexlen[a] ||
			    !is_hex(de->d_name, algo_hexlen[a]))
				continue;
			snprintf(dg, sizeof(dg), "%s:%.128s", algo_name[a],
			    de->d_name);
			snprintf(lock, sizeof(lock), "locks/blob-%s",
			    de->d_name);
			if (set_has(blobs, dg) || lock_held(s, lock))
				continue;
			snprintf(rel, sizeof(rel), "blobs/%s/%s",
			    algo_name[a], de->d_name);
			if (fstatat(s->rootfd, rel, &sb,
			    AT_SYMLINK_NOFOLLOW) == 0)
				st->bytes += (uint64_t)sb.st_size;
			if (unlinkat(s->rootfd, rel, 0) < 0 &&
			    errno != ENOENT) {
				err_sys(e, "remove %s", rel);
				closedir(d);
				return -1;
			}
			log_debug("store: gc removed blob %s", dg);
			st->blobs++;
		}
		closedir(d);
	}
	return 0;
}

/* l/: links whose layer is gone (or that are not our links at all). */
static int
gc_links(struct store *s, struct store_gc_stats *st, struct err *e)
{
	struct dirent *de;
	struct stat sb;
	char rel[PATH_REL], got[PATH_REL], meta[PATH_REL];
	ssize_t n;
	DIR *d = open_dir(s, "l", e);

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(rel, sizeof(rel), "l/%s", de->d_name);
		n = readlinkat(s->rootfd, rel, got, sizeof(got) - 1);
		if (n >= 0) {
			got[n] = '\0';
			if (strncmp(got, "../layers/", 10) == 0 &&
			    (size_t)n == 10 + SHA256_HEX_LEN + 5 &&
			    is_hex(got + 10, SHA256_HEX_LEN) &&
			    strcmp(got + 10 + SHA256_HEX_LEN, "/diff") == 0) {
				snprintf(meta, sizeof(meta),
				    "layers/%.*s/meta.json", SHA256_HEX_LEN,
				    got + 10);
				if (fstatat(s->rootfd, meta, &sb,
				    AT_SYMLINK_NOFOLLOW) == 0)
					continue;
			}
		}
		if (unlinkat(s->rootfd, rel, 0) < 0 && errno != ENOENT) {
			err_sys(e, "remove %s", rel);
			closedir(d);
			return -1;
		}
		st->links++;
	}
	closedir(d);
	return 0;
}

static int
gc_locks(struct store *s, struct store_gc_stats *st, struct err *e)
{
	struct dirent *de;
	char rel[PATH_REL];
	int fd;
	DIR *d = open_dir(s, "locks", e);

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) > 200)
			continue;
		snprintf(rel, sizeof(rel), "locks/%s", de->d_name);
		if (lock_at(s->rootfd, rel, LOCK_EX | LOCK_NB, 0, &fd,
		    e) != 0) {
			err_clear(e);
			continue;
		}
		unlock_at(s->rootfd, rel, fd, 1);
		st->locks++;
	}
	closedir(d);
	return 0;
}

int
store_gc(struct store *s, const char *const *pinned, size_t npinned,
    struct store_gc_stats *st, struct err *e)
{
	struct store_gc_stats dummy;
	struct set blobs = { 0 }, layers = { 0 };
	int ret = -1;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	if (s->mode != STORE_EXCLUSIVE)
		return err_set(e, ERR_USAGE, "gc: the store is not open for "
		    "exclusive use");
	sweep_tmp(s);
	sweep_layers(s);
	if (gc_mark(s, pinned, npinned, &blobs, &layers, st, e) < 0 ||
	    gc_layers(s, &layers, st, e) < 0 ||
	    gc_blobs(s, &blobs, st, e) < 0 || gc_links(s, st, e) < 0 ||
	    gc_locks(s, st, e) < 0)
		goto out;
	ret = 0;
out:
	set_free(&blobs);
	set_free(&layers);
	if (ret < 0)
		err_ctx(e, "gc %s", s->root);
	return ret;
}

/* ---- storage driver probe ---- */

const char *
store_driver_name(int driver)
{
	if (driver == STORE_DRIVER_OVERLAY)
		return "overlay";
	if (driver == STORE_DRIVER_COPY)
		return "copy";
	return "?";
}

static int
driver_from_name(const char *name)
{
	if (strcmp(name, "overlay") == 0)
		return STORE_DRIVER_OVERLAY;
	if (strcmp(name, "copy") == 0)
		return STORE_DRIVER_COPY;
	return -1;
}

/* Create `name` in `dfd`: a regular file holding "x\n". */
static int
probe_file(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644);

	if (fd < 0)
		return -1;
	if (write(fd, "x\n", 2) != 2) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* 1 if directory `dfd` reports entry `name` with d_type `type`. */
static int
has_dtype(int dfd, const char *name, unsigned char type)
{
	struct dirent *de;
	int fd = dup(dfd), ok = 0;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	rewinddir(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, name) == 0)
			ok = de->d_type == type;
	closedir(d);
	return ok;
}

/*
 * Mount lower/upper/work of `dfd` on its merged/ with relative paths (from
 * a temporary fchdir, so that no store path needs escaping or fits a page)
 * and check that the whiteout "gone" and the opaque "opq" work. Returns 1
 * when they do, 0 when not (reason in `why`), -1 on an error.
 */
static int
probe_mount(int dfd, char *why, size_t wn, struct err *e)
{
	struct stat st;
	int cwd, ok = -1, mounted = 0;

	cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0)
		return err_sys(e, "probe: open the working directory");
	if (fchdir(dfd) < 0) {
		err_sys(e, "probe: chdir");
		close(cwd);
		return -1;
	}
	if (mount("overlay", "merged", "overlay", 0, "lowerdir=lower,"
	    "upperdir=upper,workdir=work") < 0) {
		snprintf(why, wn, "copy: cannot mount overlay on the store: "
		    "%s%s", strerror(errno), errno == ENODEV ? " (no overlay "
		    "support in the kernel)" : errno == EPERM ? " (not root?)" :
		    "");
		ok = 0;
		goto out;
	}
	mounted = 1;
	ok = fstatat(dfd, "merged/gone", &st, AT_SYMLINK_NOFOLLOW) < 0 &&
	    errno == ENOENT && fstatat(dfd, "merged/opq/hidden", &st,
	    AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT && fstatat(dfd,
	    "merged/kept", &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (!ok)
		snprintf(why, wn, "copy: overlay mounted but its whiteouts or "
		    "opaque directories did not work");
out:
	if (mounted && umount2("merged", 0) < 0 &&
	    umount2("merged", MNT_DETACH) < 0) {
		err_sys(e, "probe: unmount the test overlay");
		ok = -1;
	}
	if (fchdir(cwd) < 0 && ok >= 0) {
		err_sys(e, "probe: chdir back");
		ok = -1;
	}
	close(cwd);
	return ok;
}

/*
 * The probe proper, in staging directory `dfd`. Returns the driver and
 * writes the reason; -1 only for errors that say nothing about the
 * filesystem.
 */
static int
probe_in(int dfd, char *why, size_t wn, struct err *e)
{
	static const char *const dirs[] = { "lower", "upper", "work",
	    "merged" };
	size_t i;
	int lo = -1, up = -1, fd = -1, drv = STORE_DRIVER_COPY, r;

	for (i = 0; i < 4; i++)
		if (mkdirat(dfd, dirs[i], 0755) < 0) {
			err_sys(e, "probe: mkdir %s", dirs[i]);
			return -1;
		}
	lo = openat(dfd, "lower", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	up = openat(dfd, "upper", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lo < 0 || up < 0 || probe_file(lo, "gone") < 0 ||
	    probe_file(lo, "kept") < 0 || mkdirat(lo, "opq", 0755) < 0 ||
	    probe_file(lo, "opq/hidden") < 0) {
		err_sys(e, "probe: populate lower");
		drv = -1;
		goto out;
	}
	if (!has_dtype(lo, "kept", DT_REG) || !has_dtype(lo, "opq", DT_DIR)) {
		snprintf(why, wn, "copy: the store filesystem does not report "
		    "file types in directories (d_type; XFS with ftype=0?)");
		goto out;
	}
	if (mknodat(up, "gone", S_IFCHR | 0, makedev(0, 0)) < 0) {
		snprintf(why, wn, "copy: cannot create overlay whiteouts (0/0 "
		    "character devices) on the store: %s", strerror(errno));
		goto out;
	}
	if (mkdirat(up, "opq", 0755) < 0 ||
	    (fd = openat(up, "opq", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		err_sys(e, "probe: mkdir upper/opq");
		drv = -1;
		goto out;
	}
	if (fsetxattr(fd, "trusted.overlay.opaque", "y", 1, 0) < 0) {
		snprintf(why, wn, "copy: the store filesystem cannot hold "
		    "trusted.overlay.opaque xattrs: %s", strerror(errno));
		goto out;
	}
	if ((r = probe_mount(dfd, why, wn, e)) <= 0) {
		drv = r < 0 ? -1 : STORE_DRIVER_COPY;
		goto out;
	}
	drv = STORE_DRIVER_OVERLAY;
	snprintf(why, wn, "overlay: the store filesystem supports d_type, "
	    "whiteouts, trusted.* xattrs and overlay mounts");
out:
	if (fd >= 0)
		close(fd);
	if (lo >= 0)
		close(lo);
	if (up >= 0)
		close(up);
	return drv;
}

static int
probe(struct store *s, char *why, size_t wn, struct err *e)
{
	struct statfs sf;
	char path[32];
	int lk = -1, dfd = -1, drv;

	if (fstatfs(s->rootfd, &sf) < 0)
		return err_sys(e, "probe: statfs");
	if ((unsigned long)sf.f_type == OVERLAYFS_MAGIC) {
		snprintf(why, wn, "copy: store is on overlayfs, which cannot "
		    "be an overlay upper directory");
		return STORE_DRIVER_COPY;
	}
	if ((unsigned long)sf.f_type == NFS_MAGIC) {
		snprintf(why, wn, "copy: store is on NFS, which overlay does "
		    "not support as upper directory");
		return STORE_DRIVER_COPY;
	}
	if (stage_new(s, STAGE_DIR, path, &lk, &dfd, e) < 0)
		return err_ctx(e, "probe");
	drv = probe_in(dfd, why, wn, e);
	close(dfd);
	stage_drop(s, path, &lk);
	return drv;
}

int
store_probe_driver(struct store *s, const char *forced, char *reason,
    size_t reasonsz, struct err *e)
{
	struct json_value *root = NULL;
	struct json_writer w;
	struct utsname u;
	char why[STORE_REASON_MAX] = "", name[16], kernel[65], *buf = NULL;
	size_t len;
	int drv = -1;

	if (forced && *forced) {
		if ((drv = driver_from_name(forced)) < 0)
			return err_set(e, ERR_USAGE, "storage driver \"%.32s\" "
			    "is not overlay or copy", forced);
		snprintf(why, sizeof(why), "%s: set by the storage-driver "
		    "setting", forced);
		goto out;
	}
	if (uname(&u) < 0)
		return err_sys(e, "uname");
	if (read_rel(s, "driver", DRIVER_MAX, &buf, &len, e) == 0 &&
	    (root = json_parse(buf, len, NULL, e)) &&
	    get_str(root, "driver", name, sizeof(name), 1, e) == 0 &&
	    get_str(root, "reason", why, sizeof(why), 1, e) == 0 &&
	    get_str(root, "kernel", kernel, sizeof(kernel), 1, e) == 0 &&
	    strcmp(kernel, u.release) == 0 &&
	    (drv = driver_from_name(name)) > 0)
		goto out;
	err_clear(e);
	if ((drv = probe(s, why, sizeof(why), e)) < 0)
		goto out;
	json_writer_init(&w, 1);
	json_writer_begin_object(&w);
	json_writer_key(&w, "driver");
	json_writer_string(&w, store_driver_name(drv));
	json_writer_key(&w, "reason");
	json_writer_string(&w, why);
	json_writer_key(&w, "kernel");
	json_writer_string(&w, u.release);
	json_writer_end_object(&w);
	free(buf);
	buf = json_writer_finish(&w, &len, e);
	json_writer_free(&w);
	/* the answer stands even if it cannot be cached */
	if (!buf || write_atomic(s, "driver", buf, len, 0600, e) < 0) {
		log_debug("store: cannot cache the driver: %s", e->msg);
		err_clear(e);
	}
out:
	json_free(root);
	free(buf);
	if (drv > 0 && reason && reasonsz)
		snprintf(reason, reasonsz, "%s", why);
	return drv;
}

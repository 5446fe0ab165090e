/* extract_test.c - safe layer extraction against hostile archives
 *
 * Every case extracts an in-memory archive (tarw.h) into BASE/root (or
 * per-layer directories), where BASE is a fresh temporary directory that
 * also holds BASE/outside/keep, a sentinel: after each case nothing may
 * have been written outside the root, and the sentinel must be intact.
 * The whole suite runs twice, once with openat2 and once with the openat
 * walk (EXTRACT_NO_OPENAT2), so both resolvers face every attack.
 *
 * Runs as root or not: without root, extraction uses EXTRACT_NO_CHOWN and
 * EXTRACT_USERXATTR, and the checks that need root (ownership, devices,
 * trusted.* xattrs, security.capability, overlay and tmpfs mounts) print
 * "skip - ..." with the reason.
 */

#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <zlib.h>

#include "check.h"
#include "digestio.h"
#include "extract.h"
#include "gzip.h"
#include "tarw.h"

#define T(cond, ...) check_tagged(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

static char base[256], rootp[300], outp[300], keepp[320];
static int is_root, fallback, can_mount = -1;
static const char *rname = "openat2";
static struct err xe;
static struct extract_stats xst;

static void
check_tagged(int ok, const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	check_report(ok, file, line, "[%s] %s", rname, msg);
}

static void
skip(const char *what, const char *why)
{
	printf("skip - [%s] %s: %s\n", rname, what, why);
}

static int
rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(p);
	return unlink(p);
}

static void
rm_rf(const char *p)
{
	nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Path under BASE. */
static const char *
bp(const char *rel)
{
	static char ring[8][4600];
	static int k;
	char *s = ring[k++ % 8];

	snprintf(s, 4600, "%s/%s", base, rel);
	return s;
}

/* Path under the root. */
static const char *
rp(const char *rel)
{
	static char ring[8][4600];
	static int k;
	char *s = ring[k++ % 8];

	snprintf(s, 4600, "%s/%s", rootp, rel);
	return s;
}

static void
fresh(const char *dir)
{
	rm_rf(dir);
	if (mkdir(dir, 0755) < 0)
		abort();
}

static void
setup(void)
{
	int fd;

	snprintf(base, sizeof(base), "%s/rocker-xt.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(base))
		abort();
	snprintf(rootp, sizeof(rootp), "%s/root", base);
	snprintf(outp, sizeof(outp), "%s/outside", base);
	snprintf(keepp, sizeof(keepp), "%s/keep", outp);
	mkdir(outp, 0755);
	fd = open(keepp, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || write(fd, "sentinel", 8) != 8)
		abort();
	close(fd);
}

/* BASE holds only root-ish dirs and outside/keep, unchanged. */
static int
outside_clean(void)
{
	struct stat sb;
	struct dirent *de;
	char buf[16];
	int fd, n, entries = 0;
	DIR *d;

	if (lstat(keepp, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    (sb.st_mode & 07777) != 0600 || sb.st_nlink != 1 ||
	    sb.st_size != 8)
		return 0;
	fd = open(keepp, O_RDONLY);
	n = (int)read(fd, buf, sizeof(buf));
	close(fd);
	if (n != 8 || memcmp(buf, "sentinel", 8) != 0)
		return 0;
	d = opendir(outp);
	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			entries++;
	if (d)
		closedir(d);
	return entries == 1;
}

static unsigned
base_flags(void)
{
	return (fallback ? EXTRACT_NO_OPENAT2 : 0) |
	    (is_root ? 0 : EXTRACT_NO_CHOWN | EXTRACT_USERXATTR);
}

/* Extract `n` bytes at `p` into `dir`. */
static int
run_mem(const void *p, size_t n, const char *dir, int mode,
    struct extract_opts *o)
{
	struct extract_opts local = { 0 };
	struct io_mem m;
	struct reader r;
	int fd, ret;

	if (!o)
		o = &local;
	o->mode = mode;
	o->flags |= base_flags();
	err_clear(&xe);
	io_mem_reader(&m, p, n, &r);
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		abort();
	ret = extract_tar(fd, &r, o, &xst, &xe);
	close(fd);
	return ret;
}

static int
run(const struct tarw *w, const char *dir, int mode, struct extract_opts *o)
{
	return run_mem(w->buf, w->len, dir, mode, o);
}

/* Extract into a fresh root (flat mode). */
static int
run_fresh(const struct tarw *w, struct extract_opts *o)
{
	fresh(rootp);
	return run(w, rootp, EXTRACT_FLAT, o);
}

static int
exists(const char *p)
{
	struct stat sb;

	return lstat(p, &sb) == 0;
}

static int
is_type(const char *p, mode_t type)
{
	struct stat sb;

	return lstat(p, &sb) == 0 && (sb.st_mode & S_IFMT) == type;
}

static int
content_is(const char *p, const char *want)
{
	char buf[256];
	int fd = open(p, O_RDONLY | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n == (ssize_t)strlen(want) && memcmp(buf, want, (size_t)n) == 0;
}

/* --- tree listings, to compare flat and overlay results --- */

static char *lines[4096];
static int nlines;
static size_t skip_len;

static int
list_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	char line[600], tgt[256];
	ssize_t n;
	const char *rel = p + skip_len;

	(void)ftw;
	/* FTW_NS: listed but not stat-able, as overlay's whiteouts in a
	 * directory that only one layer has. */
	if (!*rel || nlines >= 4096 || flag == FTW_NS)
		return 0;
	rel++;
	if (S_ISDIR(sb->st_mode)) {
		snprintf(line, sizeof(line), "%s/", rel);
	} else if (S_ISLNK(sb->st_mode)) {
		n = readlink(p, tgt, sizeof(tgt) - 1);
		tgt[n < 0 ? 0 : n] = '\0';
		snprintf(line, sizeof(line), "%s->%s", rel, tgt);
	} else if (S_ISREG(sb->st_mode)) {
		int fd = open(p, O_RDONLY);

		n = fd < 0 ? -1 : read(fd, tgt, 40);
		if (fd >= 0)
			close(fd);
		tgt[n < 0 ? 0 : n] = '\0';
		snprintf(line, sizeof(line), "%s=%s", rel, tgt);
	} else if (S_ISCHR(sb->st_mode)) {
		snprintf(line, sizeof(line), "%s:c%u,%u", rel,
		    major(sb->st_rdev), minor(sb->st_rdev));
	} else {
		snprintf(line, sizeof(line), "%s:other", rel);
	}
	lines[nlines++] = strdup(line);
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "a/ a/b=content c->target" sorted, one space between. */
static const char *
listing(const char *dir)
{
	static char out[1 << 15];
	size_t o = 0;
	int i;

	nlines = 0;
	skip_len = strlen(dir);
	nftw(dir, list_one, 16, FTW_PHYS);
	qsort(lines, (size_t)nlines, sizeof(lines[0]), cmp_str);
	out[0] = '\0';
	for (i = 0; i < nlines; i++) {
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s",
		    i ? " " : "", lines[i]);
		free(lines[i]);
	}
	return out;
}

static int
tree_is(const char *dir, const char *want)
{
	const char *got = listing(dir);

	if (strcmp(got, want) == 0)
		return 1;
	printf("  want: %s\n  got:  %s\n", want, got);
	return 0;
}

static const char *
opaque_xattr(void)
{
	return is_root ? "trusted.overlay.opaque" : "user.overlay.opaque";
}

static int
is_opaque(const char *p)
{
	char v[4];

	return lgetxattr(p, opaque_xattr(), v, sizeof(v)) == 1 && v[0] == 'y';
}

static int
is_whiteout(const char *p)
{
	struct stat sb;

	return lstat(p, &sb) == 0 && S_ISCHR(sb.st_mode) && sb.st_rdev == 0;
}

/*
 * Mount overlay with lowerdirs `l2:l1` on BASE/mnt and return the listing
 * of the merged view, or NULL when mounting is not possible.
 */
static const char *
merged(const char *l1, const char *l2)
{
	static char copy[1 << 15];
	char opts[1200];

	if (!can_mount)
		return NULL;
	fresh(bp("mnt"));
	snprintf(opts, sizeof(opts), "lowerdir=%s:%s%s", l2, l1,
	    is_root ? "" : ",userxattr");
	if (mount("overlay", bp("mnt"), "overlay", MS_RDONLY, opts) < 0) {
		can_mount = 0;
		return NULL;
	}
	snprintf(copy, sizeof(copy), "%s", listing(bp("mnt")));
	umount(bp("mnt"));
	return copy;
}

/* --- hostile paths --- */

static void
paths(void)
{
	struct tarw w;
	struct stat a, b;
	char abs_out[400], probe[64], etcp[80];

	tw_init(&w);
	tw_file(&w, "../outside/x", "escape");
	T(run_fresh(&w, NULL) < 0 && xe.code == ERR_PARSE &&
	    strstr(xe.msg, "climbs out") && outside_clean(),
	    "../outside/x refused (%s)", xe.msg);
	tw_free(&w);

	tw_init(&w);
	tw_file(&w, "a/../../outside/x", "escape");
	T(run_fresh(&w, NULL) < 0 && xe.code == ERR_PARSE && outside_clean(),
	    "a/../../outside/x refused");
	tw_free(&w);

	tw_init(&w);
	tw_file(&w, "a/../b", "in");
	tw_file(&w, "./c/./d", "in");
	tw_end(&w);
	T(run_fresh(&w, NULL) == 0 && content_is(rp("b"), "in") &&
	    content_is(rp("c/d"), "in") && !exists(rp("a")) &&
	    outside_clean(), "a/../b and ./c/./d cleaned, kept inside");
	tw_free(&w);

	/* Absolute names are relative to the root. */
	snprintf(abs_out, sizeof(abs_out), "%s/y", outp);
	tw_init(&w);
	tw_file(&w, "/abs/x", "in");
	tw_file(&w, abs_out, "in");
	tw_end(&w);
	T(run_fresh(&w, NULL) == 0 && content_is(rp("abs/x"), "in") &&
	    content_is(rp(abs_out + 1), "in") && outside_clean(),
	    "absolute names land beneath the root");
	tw_free(&w);

	/* evil -> OUTSIDE (absolute), then evil/x */
	tw_init(&w);
	tw_symlink(&w, "evil", outp);
	tw_file(&w, "evil/x", "escape");
	tw_end(&w);
	T(run_fresh(&w, NULL) < 0 && xe.code == ENOENT && outside_clean() &&
	    is_type(rp("evil"), S_IFLNK),
	    "evil -> outside, then evil/x: no write outside (%s)", xe.msg);
	tw_free(&w);

	/* evil -> /etc, then evil/PROBE: never /etc/PROBE */
	snprintf(probe, sizeof(probe), "evil/rocker-xt-%d", (int)getpid());
	snprintf(etcp, sizeof(etcp), "/etc/rocker-xt-%d", (int)getpid());
	tw_init(&w);
	tw_symlink(&w, "evil", "/etc");
	tw_file(&w, probe, "escape");
	tw_end(&w);
	run_fresh(&w, NULL);
	T(!exists(etcp) && outside_clean(), "evil -> /etc, then evil/x: "
	    "/etc untouched (%s)", xe.code ? xe.msg : "extracted inside");
	tw_free(&w);
	tw_init(&w);
	tw_dir(&w, "etc/");
	tw_symlink(&w, "evil", "/etc");
	tw_file(&w, probe, "inside");
	tw_end(&w);
	T(run_fresh(&w, NULL) == 0 && !exists(etcp) &&
	    content_is(rp(etcp + 1), "inside"),
	    "evil -> /etc with etc/ in the layer: "
	    "written to ROOT/etc (%s)", xe.msg);
	tw_free(&w);

	/* evil -> ../outside: ".." stops at the root */
	tw_init(&w);
	tw_dir(&w, "outside/");
	tw_symlink(&w, "evil", "../outside");
	tw_file(&w, "evil/z", "inside");
	tw_dir(&w, "sub/");
	tw_symlink(&w, "c1", "sub/c2");
	tw_symlink(&w, "sub/c2", "../../outside");
	tw_file(&w, "c1/f", "inside");
	tw_symlink(&w, "loop1", "loop2");
	tw_symlink(&w, "loop2", "loop1");
	tw_end(&w);
	T(run_fresh(&w, NULL) == 0 && content_is(rp("outside/z"), "inside") &&
	    content_is(rp("outside/f"), "inside") && outside_clean(),
	    "relative symlinks climbing out resolve inside (%s)", xe.msg);
	tw_free(&w);
	tw_init(&w);
	tw_symlink(&w, "loop1", "loop2");
	tw_symlink(&w, "loop2", "loop1");
	tw_file(&w, "loop1/x", "x");
	tw_end(&w);
	T(run_fresh(&w, NULL) < 0 && xe.code == ELOOP && outside_clean(),
	    "symlink loop refused (%s)", xe.msg);
	tw_free(&w);

	/* The root itself. */
	tw_init(&w);
	tw_symlink(&w, ".", outp);
	tw_end(&w);
	T(run_fresh(&w, NULL) < 0 && strstr(xe.msg, "root may only be a "
	    "directory") && outside_clean() && is_type(rootp, S_IFDIR),
	    "symlink named . refused (%s)", xe.msg);
	tw_free(&w);
	tw_init(&w);
	tw_symlink(&w, "./", "/");
	tw_end(&w);
	T(run_fresh(&w, NULL) < 0 && xe.code == ERR_PARSE,
	    "symlink named ./ refused");
	tw_free(&w);
	tw_init(&w);
	tw_file(&w, "/", "x");
	tw_end(&w);
	T(run_fresh(&w, NULL) < 0 && xe.code == ERR_PARSE,
	    "regular file named / refused");
	tw_free(&w);
	tw_init(&w);
	tw_hardlink(&w, "a/..", "x");
	tw_end(&w);
	T(run_fresh(&w, NULL) < 0 && xe.code == ERR_PARSE,
	    "hard link named a/.. refused");
	tw_free(&w);
	tw_init(&w);
	tw_dir(&w, "./");
	tw_dir(&w, "/");
	tw_file(&w, "f", "x");
	tw_end(&w);
	T(run_fresh(&w, NULL) == 0 && content_is(rp("f"), "x"),
	    "directory entries ./ and / are skipped");
	tw_free(&w);

	/* Hard links. */
	tw_init(&w);
	tw_hardlink(&w, "h", "../../etc/shadow");
	tw_end(&w);
	T(run_fresh(&w, NULL) < 0 && xe.code == ERR_PARSE && !exists(rp("h"))
	    && outside_clean(), "hard link to ../../etc/shadow refused (%s)",
	    xe.msg);
	tw_free(&w);
	tw_init(&w);
	tw_file(&w, "bin/busybox", "bb");
	tw_hardlink(&w, "bin/sh", "/bin/busybox");
	tw_hardlink(&w, "h", "./bin//busybox");
	tw_end(&w);
	T(run_fresh(&w, NULL) == 0 && stat(rp("bin/busybox"), &a) == 0 &&
	    stat(rp("bin/sh"), &b) == 0 && a.st_ino == b.st_ino &&
	    a.st_nlink == 3 && xst.hardlinks == 2,
	    "hard link to /bin/busybox links the in-layer file");
	tw_free(&w);
	stat("/etc/passwd", &a);
	tw_init(&w);
	tw_symlink(&w, "l", "/");
	tw_hardlink(&w, "h", "l/etc/passwd");
	tw_symlink(&w, "o", outp);
	tw_hardlink(&w, "h2", "o/keep");
	tw_end(&w);
	T(run_fresh(&w, NULL) < 0 && stat("/etc/passwd", &b) == 0 &&
	    a.st_nlink == b.st_nlink && !exists(rp("h")) && outside_clean(),
	    "hard link through a symlink to / stays inside (%s)", xe.msg);
	tw_free(&w);
	tw_init(&w);
	tw_symlink(&w, "o", outp);
	tw_hardlink(&w, "h2", "o/keep");
	tw_end(&w);
	T(run_fresh(&w, NULL) < 0 && !exists(rp("h2")) && outside_clean(),
	    "hard link through a symlink to the sentinel refused (%s)",
	    xe.msg);
	tw_free(&w);
	tw_init(&w);
	tw_hardlink(&w, "h", "missing");
	tw_end(&w);
	T(run_fresh(&w, NULL) < 0 && strstr(xe.msg, "not found in this layer"),
	    "hard link to a missing target refused (%s)", xe.msg);
	tw_free(&w);
	tw_init(&w);
	tw_dir(&w, "d/");
	tw_hardlink(&w, "h", "d");
	tw_hardlink(&w, "i", "i");
	tw_end(&w);
	T(run_fresh(&w, NULL) < 0 && !exists(rp("h")),
	    "hard link to a directory refused (%s)", xe.msg);
	tw_free(&w);
}

static void
replacement(void)
{
	struct tarw w;
	struct stat sb;

	/* A directory replaced by a symlink mid-layer. */
	tw_init(&w);
	tw_dir(&w, "d/");
	tw_file(&w, "d/f", "old");
	tw_symlink(&w, "d", outp);
	tw_file(&w, "d/x", "escape");
	tw_end(&w);
	T(run_fresh(&w, NULL) < 0 && is_type(rp("d"), S_IFLNK) &&
	    outside_clean(), "dir replaced by a symlink, then d/x: no "
	    "escape (%s)", xe.msg);
	tw_free(&w);
	tw_init(&w);
	tw_dir(&w, "d/");
	tw_file(&w, "d/f", "old");
	tw_dir(&w, "real/");
	tw_symlink(&w, "d", "real");
	tw_file(&w, "d/x", "new");
	tw_end(&w);
	T(run_fresh(&w, NULL) == 0 && is_type(rp("d"), S_IFLNK) &&
	    content_is(rp("real/x"), "new") && !exists(rp("real/f")) &&
	    outside_clean(), "dir replaced by a symlink: later entries "
	    "follow the new link, inside");
	tw_free(&w);

	/* R2.9: chmod/chown never through a symlink being replaced. */
	tw_init(&w);
	tw_symlink(&w, "x", keepp);
	tw_entry(&w, "x", '0', 0777, NULL, "new", 3);
	tw_symlink(&w, "y", keepp);
	tw_dir(&w, "y/");
	tw_symlink(&w, "z", outp);
	tw_entry(&w, "z", '6', 0666, NULL, NULL, 0);
	tw_end(&w);
	T(run_fresh(&w, NULL) == 0 && outside_clean() &&
	    lstat(rp("x"), &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (sb.st_mode & 07777) == 0777 && content_is(rp("x"), "new") &&
	    is_type(rp("y"), S_IFDIR) && is_type(rp("z"), S_IFIFO),
	    "symlinks to the sentinel replaced, sentinel untouched");
	tw_free(&w);

	/* Missing parents, duplicates. */
	tw_init(&w);
	tw_file(&w, "p/q/r/file", "deep");
	tw_file(&w, "dup", "one");
	tw_file(&w, "dup", "two");
	tw_file(&w, "f2d", "file");
	tw_dir(&w, "f2d/");
	tw_entry(&w, "merge/", '5', 0700, NULL, NULL, 0);
	tw_file(&w, "merge/child", "kept");
	tw_entry(&w, "merge/", '5', 0750, NULL, NULL, 0);
	tw_dir(&w, "d2f/");
	tw_dir(&w, "d2f/sub/");
	tw_file(&w, "d2f/sub/x", "x");
	tw_file(&w, "d2f", "now a file");
	tw_end(&w);
	T(run_fresh(&w, NULL) == 0 && content_is(rp("p/q/r/file"), "deep") &&
	    stat(rp("p/q"), &sb) == 0 && (sb.st_mode & 07777) == 0755 &&
	    content_is(rp("dup"), "two") && is_type(rp("f2d"), S_IFDIR) &&
	    content_is(rp("merge/child"), "kept") &&
	    stat(rp("merge"), &sb) == 0 && (sb.st_mode & 07777) == 0750 &&
	    content_is(rp("d2f"), "now a file"),
	    "missing parents made 0755; file/dir replacement; dir merge");
	tw_free(&w);
}

/* R2.15/R2.16: hard links and layers. */
static void
hardlink_layers(void)
{
	struct tarw l1, l2, l3;
	struct stat a;

	tw_init(&l1);
	tw_file(&l1, "t2", "old");
	tw_end(&l1);
	tw_init(&l2);
	tw_hardlink(&l2, "t1", "t2");
	tw_hardlink(&l2, "t3", "t2");
	tw_end(&l2);
	tw_init(&l3);
	tw_file(&l3, "t1", "new");
	tw_end(&l3);
	fresh(rootp);
	T(run(&l1, rootp, EXTRACT_FLAT, NULL) == 0 &&
	    run(&l2, rootp, EXTRACT_FLAT, NULL) == 0 &&
	    run(&l3, rootp, EXTRACT_FLAT, NULL) == 0 &&
	    content_is(rp("t1"), "new") && content_is(rp("t2"), "old") &&
	    content_is(rp("t3"), "old"),
	    "flat: overwriting a hard link leaves the others' content (R2.16)");

	fresh(bp("l1"));
	fresh(bp("l2"));
	T(run(&l1, bp("l1"), EXTRACT_OVERLAY, NULL) == 0 &&
	    run(&l2, bp("l2"), EXTRACT_OVERLAY, NULL) < 0 &&
	    strstr(xe.msg, "not found in this layer") &&
	    stat(bp("l1/t2"), &a) == 0 && a.st_nlink == 1,
	    "overlay: hard link to a lower layer's file fails, its link count "
	    "unchanged (R2.15: %s)", xe.msg);
	tw_free(&l1);
	tw_free(&l2);
	tw_free(&l3);
}

/* --- whiteouts --- */

/*
 * Apply `lower` then `upper` in flat mode into ROOT and in overlay mode
 * into BASE/l1 and BASE/l2; compare the flat tree with `want` and, when
 * overlay can be mounted, the merged view with the flat tree.
 */
static void
layers(const char *what, const struct tarw *lower, const struct tarw *upper,
    const char *want, const char *want_upper)
{
	const char *m;
	char flat[1 << 15];

	fresh(rootp);
	T(run(lower, rootp, EXTRACT_FLAT, NULL) == 0 &&
	    run(upper, rootp, EXTRACT_FLAT, NULL) == 0 &&
	    tree_is(rootp, want) && outside_clean(), "%s: flat (%s)", what,
	    xe.msg);
	snprintf(flat, sizeof(flat), "%s", listing(rootp));
	fresh(bp("l1"));
	fresh(bp("l2"));
	T(run(lower, bp("l1"), EXTRACT_OVERLAY, NULL) == 0 &&
	    run(upper, bp("l2"), EXTRACT_OVERLAY, NULL) == 0 &&
	    tree_is(bp("l2"), want_upper) && outside_clean(),
	    "%s: overlay layer (%s)", what, xe.msg);
	m = merged(bp("l1"), bp("l2"));
	if (!m)
		skip(what, "cannot mount overlay (not root?)");
	else
		T(strcmp(m, flat) == 0, "%s: overlay merged view equals the "
		    "flat tree (%s)", what, m);
}

static void
whiteouts(void)
{
	struct tarw lo, up;

	/* layer.md: a/b/c/bar below; the upper recreates a/b/c/foo. */
	tw_init(&lo);
	tw_dir(&lo, "a/");
	tw_dir(&lo, "a/b/");
	tw_dir(&lo, "a/b/c/");
	tw_file(&lo, "a/b/c/bar", "bar");
	tw_end(&lo);
	tw_init(&up);
	tw_dir(&up, "a/");
	tw_file(&up, "a/.wh..wh..opq", "");
	tw_dir(&up, "a/b/");
	tw_dir(&up, "a/b/c/");
	tw_file(&up, "a/b/c/foo", "foo");
	tw_end(&up);
	layers("layer.md opaque marker first", &lo, &up,
	    "a/ a/b/ a/b/c/ a/b/c/foo=foo", "a/ a/b/ a/b/c/ a/b/c/foo=foo");
	T(is_opaque(bp("l2/a")) && !is_opaque(bp("l2/a/b")),
	    "overlay: %s=y on a only", opaque_xattr());
	tw_free(&up);
	tw_init(&up);
	tw_dir(&up, "a/");
	tw_dir(&up, "a/b/");
	tw_dir(&up, "a/b/c/");
	tw_file(&up, "a/b/c/foo", "foo");
	tw_file(&up, "a/.wh..wh..opq", "");
	tw_end(&up);
	layers("layer.md opaque marker after a/b/c/foo", &lo, &up,
	    "a/ a/b/ a/b/c/ a/b/c/foo=foo", "a/ a/b/ a/b/c/ a/b/c/foo=foo");
	T(is_opaque(bp("l2/a")) && xst.opaques == 1,
	    "overlay: marker after the entries still makes a opaque");
	tw_free(&up);
	tw_free(&lo);

	/* layer.md changeset example. */
	tw_init(&lo);
	tw_dir(&lo, "./");
	tw_dir(&lo, "./etc/");
	tw_file(&lo, "./etc/my-app-config", "cfg");
	tw_dir(&lo, "./bin/");
	tw_file(&lo, "./bin/my-app-binary", "bin");
	tw_file(&lo, "./bin/my-app-tools", "tools1");
	tw_end(&lo);
	tw_init(&up);
	tw_dir(&up, "./etc/my-app.d/");
	tw_file(&up, "./etc/my-app.d/default.cfg", "default");
	tw_file(&up, "./bin/my-app-tools", "tools2");
	tw_file(&up, "./etc/.wh.my-app-config", "");
	tw_end(&up);
	layers("layer.md changeset", &lo, &up,
	    "bin/ bin/my-app-binary=bin bin/my-app-tools=tools2 etc/ "
	    "etc/my-app.d/ etc/my-app.d/default.cfg=default",
	    "bin/ bin/my-app-tools=tools2 etc/ etc/my-app-config:c0,0 "
	    "etc/my-app.d/ etc/my-app.d/default.cfg=default");
	T(xst.whiteouts == 1 && is_whiteout(bp("l2/etc/my-app-config")) &&
	    !exists(bp("l2/etc/.wh.my-app-config")),
	    "overlay: .wh.my-app-config became a 0/0 device, marker not "
	    "written");
	tw_free(&up);
	tw_free(&lo);

	/* layer.md opaque example, and its explicit equivalent. */
	tw_init(&lo);
	tw_dir(&lo, "etc/");
	tw_file(&lo, "etc/my-app-config", "cfg");
	tw_dir(&lo, "bin/");
	tw_file(&lo, "bin/my-app-binary", "bin");
	tw_file(&lo, "bin/my-app-tools", "tools");
	tw_dir(&lo, "bin/tools/");
	tw_file(&lo, "bin/tools/my-app-tool-one", "one");
	tw_end(&lo);
	tw_init(&up);
	tw_dir(&up, "bin/");
	tw_file(&up, "bin/.wh..wh..opq", "");
	tw_end(&up);
	layers("layer.md opaque bin/", &lo, &up,
	    "bin/ etc/ etc/my-app-config=cfg", "bin/");
	tw_free(&up);
	tw_init(&up);
	tw_dir(&up, "bin/");
	tw_file(&up, "bin/.wh.my-app-binary", "");
	tw_file(&up, "bin/.wh.my-app-tools", "");
	tw_file(&up, "bin/.wh.tools", "");
	tw_end(&up);
	layers("layer.md explicit whiteouts of bin/*", &lo, &up,
	    "bin/ etc/ etc/my-app-config=cfg",
	    "bin/ bin/my-app-binary:c0,0 bin/my-app-tools:c0,0 "
	    "bin/tools:c0,0");
	tw_free(&up);
	tw_free(&lo);

	/* Whiteout of a symlink removes the link, not its target. */
	tw_init(&lo);
	tw_dir(&lo, "target/");
	tw_file(&lo, "target/keep", "k");
	tw_symlink(&lo, "link", "/target");
	tw_symlink(&lo, "dlink", "target");
	tw_symlink(&lo, "olink", outp);
	tw_symlink(&lo, "okeep", keepp);
	tw_end(&lo);
	tw_init(&up);
	tw_file(&up, ".wh.link", "");
	tw_file(&up, ".wh.dlink", "");
	tw_file(&up, ".wh.olink", "");
	tw_file(&up, ".wh.okeep", "");
	tw_end(&up);
	layers("whiteout of symlinks", &lo, &up, "target/ target/keep=k",
	    "dlink:c0,0 link:c0,0 okeep:c0,0 olink:c0,0");
	tw_free(&up);
	tw_free(&lo);

	/* Same-layer entries are not hidden by that layer's whiteouts. */
	tw_init(&lo);
	tw_file(&lo, "x", "lower");
	tw_file(&lo, "y", "lower");
	tw_dir(&lo, "d/");
	tw_file(&lo, "d/old", "old");
	tw_end(&lo);
	tw_init(&up);
	tw_file(&up, "x", "upper");
	tw_file(&up, ".wh.x", "");
	tw_file(&up, ".wh.y", "");
	tw_file(&up, "y", "again");
	tw_file(&up, ".wh.d", "");
	tw_dir(&up, "d/");
	tw_file(&up, "d/new", "new");
	tw_file(&up, "q/.wh.nothing", "");
	tw_end(&up);
	layers("same-layer whiteouts", &lo, &up,
	    "d/ d/new=new q/ x=upper y=again",
	    "d/ d/new=new q/ q/nothing:c0,0 x=upper y=again");
	T(is_opaque(bp("l2/d")), "overlay: directory made over a same-layer "
	    "whiteout is opaque");
	tw_free(&up);
	tw_free(&lo);

	/* Invalid and aufs names. */
	tw_init(&up);
	tw_file(&up, "d/.wh.", "");
	tw_end(&up);
	T(run_fresh(&up, NULL) < 0 && strstr(xe.msg, "invalid whiteout"),
	    ".wh. refused (%s)", xe.msg);
	tw_free(&up);
	tw_init(&up);
	tw_file(&up, ".wh..", "");
	tw_end(&up);
	T(run_fresh(&up, NULL) < 0 && xe.code == ERR_PARSE, ".wh.. refused");
	tw_free(&up);
	tw_init(&up);
	tw_file(&up, "a/.wh...", "");
	tw_end(&up);
	T(run_fresh(&up, NULL) < 0 && xe.code == ERR_PARSE, ".wh... refused");
	tw_free(&up);
	tw_init(&up);
	tw_dir(&up, ".wh..wh.plnk/");
	tw_file(&up, ".wh..wh.plnk/1234.5678", "aufs");
	tw_file(&up, ".wh..wh.aufs", "");
	tw_file(&up, "kept", "k");
	tw_end(&up);
	T(run_fresh(&up, NULL) == 0 && tree_is(rootp, "kept=k") &&
	    xst.ignored == 3, "aufs .wh..wh.plnk and metadata not "
	    "materialised");
	tw_free(&up);
}

/* --- tar features through extraction --- */

static void
features(void)
{
	char recs[8192], longp[400], cap[20], v[64];
	struct tarw w;
	struct tw_hdr h;
	struct stat sb;
	size_t n = 0;
	int i;

	for (i = 0; i < 300; i++)
		longp[i] = i % 60 == 59 ? '/' : 'a' + i % 26;
	longp[299] = 'z';
	longp[300] = '\0';
	tw_recs(recs, &n, "path", longp);
	tw_init(&w);
	tw_pax(&w, 'x', recs, n);
	tw_file(&w, "short", "pax");
	longp[299] = 'G';
	tw_gnu(&w, 'L', longp);
	tw_file(&w, "short2", "gnu");
	tw_end(&w);
	i = run_fresh(&w, NULL) == 0 && content_is(rp(longp), "gnu");
	longp[299] = 'z';
	T(i && content_is(rp(longp), "pax"),
	    "300-byte paths via PAX and GNU L extracted");
	tw_free(&w);

	n = 0;
	tw_recs(recs, &n, "size", "5");
	tw_init(&w);
	tw_pax(&w, 'x', recs, n);
	tw_entry(&w, "conflict", '0', 0644, NULL, "0123456789", 10);
	tw_end(&w);
	T(run_fresh(&w, NULL) < 0 && xe.code == ERR_PARSE &&
	    strstr(xe.msg, "conflicts") && !exists(rp("conflict")),
	    "PAX size conflicting with the ustar size refused (%s)", xe.msg);
	tw_free(&w);

	{
		static char big[(2 << 20) + 64], fill[2 << 20];

		n = 0;
		memset(fill, 'c', sizeof(fill));
		tw_rec(big, &n, "comment", fill, sizeof(fill));
		tw_init(&w);
		tw_pax(&w, 'x', big, n);
		tw_file(&w, "f", "x");
		tw_end(&w);
		T(run_fresh(&w, NULL) < 0 && xe.code == ERR_LIMIT &&
		    !exists(rp("f")), "2 MiB PAX header refused (%s)",
		    xe.msg);
		tw_free(&w);
	}

	tw_init(&w);
	tw_hdr_init(&h, "b256", '0', 0, 0640, NULL);
	tw_b256(h.b + TW_SIZE, 12, 5);
	tw_b256(h.b + TW_UID, 8, 5000000);
	tw_b256(h.b + TW_GID, 8, 5000001);
	tw_put(&w, &h);
	tw_data(&w, "abcde", 5);
	tw_end(&w);
	T(run_fresh(&w, NULL) == 0 && content_is(rp("b256"), "abcde") &&
	    stat(rp("b256"), &sb) == 0 && (sb.st_mode & 07777) == 0640,
	    "base-256 size extracted");
	if (is_root)
		T(sb.st_uid == 5000000 && sb.st_gid == 5000001,
		    "base-256 uid/gid applied (%u:%u)", (unsigned)sb.st_uid,
		    (unsigned)sb.st_gid);
	else
		skip("base-256 uid/gid applied", "not root");
	tw_free(&w);

	/* setuid bits and security.capability survive the chown. */
	memset(cap, 0, sizeof(cap));
	cap[0] = 0x01;			/* VFS_CAP_FLAGS_EFFECTIVE */
	cap[3] = 0x02;			/* VFS_CAP_REVISION_2 */
	cap[5] = 0x20;			/* permitted: CAP_NET_RAW (13) */
	n = 0;
	tw_rec(recs, &n, "SCHILY.xattr.security.capability", cap, sizeof(cap));
	tw_init(&w);
	tw_dir(&w, "bin/");
	tw_pax(&w, 'x', recs, n);
	tw_entry(&w, "bin/ping", '0', 04755, NULL, "ping", 4);
	tw_hdr_init(&h, "bin/sg", '0', 2, 06755, NULL);
	tw_octal(h.b + TW_UID, 8, 1000);
	tw_octal(h.b + TW_GID, 8, 1000);
	tw_put(&w, &h);
	tw_data(&w, "sg", 2);
	tw_entry(&w, "tmp/", '5', 01777, NULL, NULL, 0);
	tw_end(&w);
	if (!is_root) {
		skip("setuid and security.capability after chown", "not root");
	} else {
		T(run_fresh(&w, NULL) == 0 && stat(rp("bin/ping"), &sb) == 0 &&
		    (sb.st_mode & 07777) == 04755 &&
		    getxattr(rp("bin/ping"), "security.capability", v,
		    sizeof(v)) == 20 && memcmp(v, cap, 20) == 0 &&
		    stat(rp("bin/sg"), &sb) == 0 &&
		    (sb.st_mode & 07777) == 06755 && sb.st_uid == 1000 &&
		    stat(rp("tmp"), &sb) == 0 && (sb.st_mode & 07777) == 01777,
		    "setuid/setgid/sticky and security.capability survive "
		    "chown (%s)", xe.msg);
	}
	tw_free(&w);

	/* Times: directories after their children, PAX fractions. */
	n = 0;
	tw_recs(recs, &n, "mtime", "1000000000.5");
	tw_recs(recs, &n, "atime", "1000000001.25");
	tw_init(&w);
	tw_pax(&w, 'x', recs, n);
	tw_dir(&w, "d/");
	tw_file(&w, "d/f1", "1");
	tw_dir(&w, "d/sub/");
	tw_file(&w, "d/sub/f", "2");
	tw_pax(&w, 'x', recs, n);
	tw_file(&w, "d/timed", "t");
	tw_symlink(&w, "d/link", "f1");
	tw_entry(&w, "d/fifo", '6', 0600, NULL, NULL, 0);
	tw_end(&w);
	T(run_fresh(&w, NULL) == 0 && lstat(rp("d"), &sb) == 0 &&
	    sb.st_mtim.tv_sec == 1000000000 &&
	    sb.st_mtim.tv_nsec == 500000000 &&
	    sb.st_atim.tv_sec == 1000000001 &&
	    sb.st_atim.tv_nsec == 250000000 &&
	    lstat(rp("d/sub"), &sb) == 0 && sb.st_mtim.tv_sec == 1600000000 &&
	    lstat(rp("d/timed"), &sb) == 0 &&
	    sb.st_mtim.tv_sec == 1000000000 &&
	    lstat(rp("d/link"), &sb) == 0 && S_ISLNK(sb.st_mode) &&
	    sb.st_mtim.tv_sec == 1600000000 &&
	    lstat(rp("d/fifo"), &sb) == 0 && S_ISFIFO(sb.st_mode) &&
	    sb.st_mtim.tv_sec == 1600000000 && (sb.st_mode & 0777) == 0600,
	    "directory mtime set after children; PAX fractions; symlink "
	    "and FIFO times");
	tw_free(&w);

	/* trusted.* and user.overlay.* xattrs are dropped. */
	n = 0;
	tw_recs(recs, &n, "SCHILY.xattr.trusted.overlay.opaque", "y");
	tw_recs(recs, &n, "SCHILY.xattr.user.overlay.redirect", "/etc");
	tw_recs(recs, &n, "SCHILY.xattr.trusted.other", "z");
	tw_recs(recs, &n, "SCHILY.xattr.user.keep", "me");
	tw_init(&w);
	tw_pax(&w, 'x', recs, n);
	tw_dir(&w, "o/");
	tw_end(&w);
	T(run_fresh(&w, NULL) == 0 && xst.xattrs_dropped == 3 &&
	    lgetxattr(rp("o"), "user.overlay.redirect", v, sizeof(v)) < 0 &&
	    (xst.xattrs_failed == 1 || (lgetxattr(rp("o"), "user.keep", v,
	    sizeof(v)) == 2 && memcmp(v, "me", 2) == 0)),
	    "trusted.* and user.overlay.* xattrs dropped, user.keep set");
	if (is_root)
		T(lgetxattr(rp("o"), "trusted.overlay.opaque", v,
		    sizeof(v)) < 0 && errno == ENODATA,
		    "no trusted.overlay.opaque on disk");
	else
		skip("no trusted.overlay.opaque on disk", "not root");
	tw_free(&w);

	/* Devices are skipped unless allowed; FIFOs are made. */
	tw_init(&w);
	tw_hdr_init(&h, "dev/sda", '4', 0, 0660, NULL);
	tw_octal(h.b + TW_DEVMAJOR, 8, 8);
	tw_put(&w, &h);
	tw_hdr_init(&h, "dev/null", '3', 0, 0666, NULL);
	tw_octal(h.b + TW_DEVMAJOR, 8, 1);
	tw_octal(h.b + TW_DEVMINOR, 8, 3);
	tw_put(&w, &h);
	tw_entry(&w, "dev/fifo", '6', 0644, NULL, NULL, 0);
	tw_end(&w);
	T(run_fresh(&w, NULL) == 0 && !exists(rp("dev/sda")) &&
	    !exists(rp("dev/null")) && xst.devices_skipped == 2 &&
	    xst.devices == 0 && is_type(rp("dev/fifo"), S_IFIFO) &&
	    xst.fifos == 1, "block and char devices skipped by default, "
	    "FIFO made");
	if (is_root) {
		struct extract_opts o = { .flags = EXTRACT_DEVICES };

		fresh(rootp);
		T(run(&w, rootp, EXTRACT_FLAT, &o) == 0 &&
		    lstat(rp("dev/sda"), &sb) == 0 && S_ISBLK(sb.st_mode) &&
		    sb.st_rdev == makedev(8, 0) &&
		    lstat(rp("dev/null"), &sb) == 0 && S_ISCHR(sb.st_mode) &&
		    sb.st_rdev == makedev(1, 3) && xst.devices == 2 &&
		    is_type(rp("dev/fifo"), S_IFIFO),
		    "devices created with EXTRACT_DEVICES");
	} else {
		skip("devices created with EXTRACT_DEVICES", "not root");
	}
	tw_free(&w);
}

/* --- gzip through extraction, budgets --- */

static void
gz_member(struct tarw *out, const void *p, size_t n)
{
	unsigned char buf[1 << 16];
	z_stream zs;
	int ret;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	zs.next_in = (Bytef *)p;
	zs.avail_in = (uInt)n;
	do {
		zs.next_out = buf;
		zs.avail_out = sizeof(buf);
		ret = deflate(&zs, Z_FINISH);
		tw_bytes(out, buf, sizeof(buf) - zs.avail_out);
	} while (ret == Z_OK);
	deflateEnd(&zs);
}

/* Extract gzip data at `gz` through gzip and two digest readers. */
static int
run_gz(const struct tarw *gz, struct extract_opts *o, char *blob_hex,
    char *diff_hex, uint64_t *tar_bytes)
{
	struct extract_opts local = { 0 };
	struct io_mem m;
	struct reader body, d1r, zr, d2r;
	struct digestio d1, d2;
	struct gzip *z = malloc(sizeof(*z));
	unsigned char dg[SHA256_LEN];
	int fd, ret;

	if (!o)
		o = &local;
	o->mode = EXTRACT_FLAT;
	o->flags |= base_flags();
	err_clear(&xe);
	fresh(rootp);
	io_mem_reader(&m, gz->buf, gz->len, &body);
	digestio_init(&d1, &body, &d1r);
	if (gzip_init(z, &d1r, GZIP_AUTO, &zr, &xe) < 0)
		abort();
	digestio_init(&d2, &zr, &d2r);
	fd = open(rootp, O_PATH | O_DIRECTORY);
	ret = extract_tar(fd, &d2r, o, &xst, &xe);
	close(fd);
	if (blob_hex) {
		digestio_final(&d1, dg);
		sha256_hex(dg, blob_hex);
		digestio_final(&d2, dg);
		sha256_hex(dg, diff_hex);
		*tar_bytes = d2.bytes;
	}
	gzip_free(z);
	free(z);
	return ret;
}

static void
compressed(void)
{
	char blob[SHA256_HEX_LEN + 1], diff[SHA256_HEX_LEN + 1];
	char want_blob[SHA256_HEX_LEN + 1], want_diff[SHA256_HEX_LEN + 1];
	unsigned char dg[SHA256_LEN];
	struct tarw t, gz;
	struct extract_opts o;
	uint64_t tbytes = 0;
	size_t half;
	unsigned char *zeros;
	int i;

	tw_init(&t);
	tw_dir(&t, "one/");
	tw_file(&t, "one/a", "first member");
	half = t.len;
	tw_dir(&t, "two/");
	tw_file(&t, "two/b", "second member");
	tw_end(&t);
	tw_grow(&t, 10240);		/* zeros after the trailer */
	tw_init(&gz);
	gz_member(&gz, t.buf, half);
	gz_member(&gz, t.buf + half, t.len - half);
	sha256_buf(gz.buf, gz.len, dg);
	sha256_hex(dg, want_blob);
	sha256_buf(t.buf, t.len, dg);
	sha256_hex(dg, want_diff);
	T(run_gz(&gz, NULL, blob, diff, &tbytes) == 0 &&
	    content_is(rp("one/a"), "first member") &&
	    content_is(rp("two/b"), "second member") &&
	    strcmp(blob, want_blob) == 0 && strcmp(diff, want_diff) == 0 &&
	    tbytes == t.len && xst.trailing == 10240,
	    "two gzip members + 10 KiB padding: both halves, both digests "
	    "over every byte (%s)", xe.msg);

	gz.buf[gz.len - 8] ^= 1;
	T(run_gz(&gz, NULL, NULL, NULL, NULL) < 0 &&
	    strstr(xe.msg, "incorrect data check"), "bad CRC-32 fails the "
	    "layer (%s)", xe.msg);
	gz.buf[gz.len - 8] ^= 1;
	gz.len -= 20;
	T(run_gz(&gz, NULL, NULL, NULL, NULL) < 0 &&
	    strstr(xe.msg, "truncated"), "truncated gzip fails the layer (%s)",
	    xe.msg);
	tw_free(&gz);
	tw_init(&gz);
	tw_bytes(&gz, "\x28\xb5\x2f\xfd\x04\x00\x01\x00\x00", 9);
	T(run_gz(&gz, NULL, NULL, NULL, NULL) < 0 &&
	    strstr(xe.msg, "zstd-compressed layers are not supported"),
	    "zstd layer refused clearly (%s)", xe.msg);
	tw_free(&gz);
	/* An uncompressed layer through GZIP_AUTO. */
	tw_init(&gz);
	tw_bytes(&gz, t.buf, t.len);
	T(run_gz(&gz, NULL, NULL, NULL, NULL) == 0 &&
	    content_is(rp("two/b"), "second member"),
	    "plain tar through GZIP_AUTO");
	tw_free(&gz);

	/* Trailing bytes count against the budget. */
	memset(&o, 0, sizeof(o));
	o.max_bytes = 12 + 13 + 10000;
	tw_init(&gz);
	gz_member(&gz, t.buf, t.len);
	T(run_gz(&gz, &o, NULL, NULL, NULL) < 0 && xe.code == ERR_LIMIT &&
	    strstr(xe.msg, "after the end"),
	    "padding beyond the byte budget refused (%s)", xe.msg);
	tw_free(&gz);
	tw_free(&t);

	/* A gzip bomb: 64 MiB of zeros in one file, budget 1 MiB. */
	zeros = calloc(1, 64 << 20);
	tw_init(&t);
	tw_entry(&t, "bomb", '0', 0644, NULL, zeros, 64 << 20);
	tw_end(&t);
	tw_init(&gz);
	gz_member(&gz, t.buf, t.len);
	memset(&o, 0, sizeof(o));
	o.max_bytes = 1 << 20;
	T(run_gz(&gz, &o, NULL, NULL, NULL) < 0 && xe.code == ERR_LIMIT &&
	    strstr(xe.msg, "bomb: file of 67108864 bytes exceeds the layer's "
	    "byte budget") && !exists(rp("bomb")) && xst.bytes == 0,
	    "gzip bomb (%zu bytes -> 64 MiB) stopped before writing (%s)",
	    gz.len, xe.msg);
	tw_free(&gz);
	tw_free(&t);
	/* Many files under the per-file size, over the total. */
	tw_init(&t);
	for (i = 0; i < 8; i++) {
		char name[16];

		snprintf(name, sizeof(name), "f%d", i);
		tw_entry(&t, name, '0', 0644, NULL, zeros, 512 << 10);
	}
	tw_end(&t);
	tw_init(&gz);
	gz_member(&gz, t.buf, t.len);
	memset(&o, 0, sizeof(o));
	o.max_bytes = 2 << 20;
	T(run_gz(&gz, &o, NULL, NULL, NULL) < 0 && xe.code == ERR_LIMIT &&
	    xst.bytes == 2 << 20 && xst.files == 4 && !exists(rp("f4")),
	    "total byte budget stops at the 5th 512 KiB file (%s)", xe.msg);
	tw_free(&gz);
	tw_free(&t);
	free(zeros);
}

static void
budgets(void)
{
	struct extract_opts o;
	struct tarw w;
	char name[200], recs[256];
	size_t n = 0;
	int i;

	tw_init(&w);
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "e%d", i);
		tw_file(&w, name, "");
	}
	tw_end(&w);
	memset(&o, 0, sizeof(o));
	o.max_entries = 50;
	T(run_fresh(&w, &o) < 0 && xe.code == ERR_LIMIT && xst.entries == 51 &&
	    xst.files == 50 && !exists(rp("e50")),
	    "entry budget: the 51st entry stops it (%s)", xe.msg);
	tw_free(&w);

	memset(name, 'n', 150);
	name[150] = '\0';
	tw_init(&w);
	tw_gnu(&w, 'L', name);
	tw_file(&w, "x", "");
	tw_end(&w);
	memset(&o, 0, sizeof(o));
	o.max_path = 100;
	T(run_fresh(&w, &o) < 0 && xe.code == ERR_LIMIT &&
	    strstr(xe.msg, "max_path"), "path budget (%s)", xe.msg);
	tw_free(&w);

	memset(name, 'v', 100);
	name[100] = '\0';
	tw_recs(recs, &n, "SCHILY.xattr.user.big", name);
	tw_init(&w);
	tw_pax(&w, 'x', recs, n);
	tw_file(&w, "x", "");
	tw_end(&w);
	memset(&o, 0, sizeof(o));
	o.max_xattr = 10;
	T(run_fresh(&w, &o) < 0 && xe.code == ERR_LIMIT &&
	    strstr(xe.msg, "max_xattr"), "xattr budget (%s)", xe.msg);
	tw_free(&w);

	tw_init(&w);
	for (i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "dir-with-a-long-name-%05d/", i);
		tw_dir(&w, name);
	}
	tw_end(&w);
	memset(&o, 0, sizeof(o));
	o.max_meta = 100 << 10;
	T(run_fresh(&w, &o) < 0 && xe.code == ERR_LIMIT &&
	    strstr(xe.msg, "max_meta"), "bookkeeping budget (%s)", xe.msg);
	tw_free(&w);
}

static void
mounts(void)
{
	struct tarw w;

	if (!is_root || !can_mount) {
		skip("no crossing into a mount (RESOLVE_NO_XDEV)", "not root");
		return;
	}
	fresh(rootp);
	mkdir(rp("mnt"), 0755);
	if (mount("tmpfs", rp("mnt"), "tmpfs", 0, "size=1m") < 0) {
		skip("no crossing into a mount", "tmpfs mount failed");
		return;
	}
	tw_init(&w);
	tw_file(&w, "mnt/x", "x");
	tw_end(&w);
	T(run(&w, rootp, EXTRACT_FLAT, NULL) < 0 && xe.code == EXDEV &&
	    !exists(rp("mnt/x")), "entry below a mount point refused (%s)",
	    xe.msg);
	umount(rp("mnt"));
	tw_free(&w);
}

static void
check_overlay(void)
{
	struct err e = ERR_INIT;
	int fd;

	fresh(rootp);
	fd = open(rootp, O_PATH | O_DIRECTORY);
	T(extract_check_overlay(fd, is_root ? 0 : EXTRACT_USERXATTR, &e) == 0
	    && tree_is(rootp, ""), "extract_check_overlay (%s)", e.msg);
	close(fd);
}

int
main(void)
{
	is_root = geteuid() == 0;
	setup();
	for (fallback = 0; fallback < 2; fallback++) {
		rname = fallback ? "walk" : "openat2";
		paths();
		replacement();
		hardlink_layers();
		whiteouts();
		features();
		budgets();
		mounts();
	}
	rname = "-";
	compressed();
	check_overlay();
	rm_rf(base);
	return check_done();
}

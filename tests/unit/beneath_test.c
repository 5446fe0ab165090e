/* beneath_test.c - resolving inside a hostile root, with openat2 and walk
 *
 * BASE/root is a small rootfs full of nasty symlinks ("etc -> /",
 * "a -> ../../..", loops, "dev -> /tmp", links naming host paths);
 * BASE/outside/keep is a sentinel that nothing may reach or change.
 * Every case runs twice: with openat2 and with the walk
 * (beneath_force_walk). A table of paths is then resolved by both and
 * the results compared: same inode or same errno.
 *
 * As root, the test also unshares a mount namespace to mount tmpfs and
 * procfs inside the root (mount crossing, BENEATH_NO_XDEV, magic links,
 * mounting onto beneath_mountpoint()'s /proc/self/fd path); without root
 * those checks print "skip".
 */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "beneath.h"
#include "check.h"

#define T(cond, ...) check_tagged(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

enum {
	RACE_ROUNDS = 3000,
};

/* One row of the path table: the expected resolve and open results. */
struct row {
	const char *path;
	const char *resolved;	/* beneath_resolve(); NULL: fails */
	int rerr;		/* its errno when it fails */
	int oerr;		/* beneath_open(O_PATH) errno; 0: opens */
};

static char base[256], rootp[300], outp[300];
static int rootfd = -1, is_root, have_openat2, mounted_ns;
static const char *rname = "openat2";
static char longcomp[300], longpath[5200];

static const struct row table[] = {
	{ "", "/", 0, 0 },
	{ "/", "/", 0, 0 },
	{ ".", "/", 0, 0 },
	{ "..", "/", 0, 0 },
	{ "../../..", "/", 0, 0 },
	{ "a", "/", 0, 0 },
	{ "a/bin/sh", "/bin/sh", 0, 0 },
	{ "etc", "/", 0, 0 },
	{ "etc/passwd", "/passwd", 0, 0 },
	{ "/etc/etc/etc/bin/sh", "/bin/sh", 0, 0 },
	{ "x", "/passwd", 0, 0 },
	{ "lib/libc.so", "/usr/lib/libc.so", 0, 0 },
	{ "lib64/libc.so", "/usr/lib/libc.so", 0, 0 },
	{ "/lib64/../lib", "/usr/lib", 0, 0 },
	{ "lib/..", "/usr", 0, 0 },
	{ "dev/marker", "/tmp/marker", 0, 0 },
	{ "dev/", "/tmp", 0, 0 },
	{ "a/../../b", "/b", 0, ENOENT },
	{ "missing/../bin", "/bin", 0, ENOENT },
	{ "loop1", NULL, ELOOP, ELOOP },
	{ "loop1/x", NULL, ELOOP, ELOOP },
	{ "self", NULL, ELOOP, ELOOP },
	{ "f/x", NULL, ENOTDIR, ENOTDIR },
	{ "f/", NULL, ENOTDIR, ENOTDIR },
	{ "fl/", NULL, ENOTDIR, ENOTDIR },
	{ "fl", "/f", 0, 0 },
	{ "dangling", "/nonexistent/file", 0, ENOENT },
	{ "up/keep", "/outside/keep", 0, ENOENT },
	{ "hostabs", NULL, 0, ENOENT },	/* resolved checked apart */
	{ "d/up/d/up/bin", "/bin", 0, 0 },
	{ "d/deep/sh", "/bin/sh", 0, 0 },
	{ "d/deep/../usr/lib/../../d", "/d", 0, 0 },
	{ "s1", "/f", 0, 0 },
	{ "s0", NULL, ELOOP, ELOOP },
	{ "bin/../lib/./libc.so", "/usr/lib/libc.so", 0, 0 },
	{ "//bin///sh", "/bin/sh", 0, 0 },
	{ "bin/sh/..", NULL, ENOTDIR, ENOTDIR },
	{ longcomp, NULL, ENAMETOOLONG, ENAMETOOLONG },
	{ longpath, NULL, ENAMETOOLONG, ENAMETOOLONG },
};

static void
check_tagged(int ok, const char *file, int line, const char *fmt, ...)
{
	char msg[2048];
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
	nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
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
must(int ok, const char *what)
{
	if (!ok) {
		perror(what);
		abort();
	}
}

static void
mkfile_at(const char *rel, const char *content)
{
	int fd = open(rp(rel), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	must(fd >= 0, rel);
	must(write(fd, content, strlen(content)) == (ssize_t)strlen(content),
	    rel);
	close(fd);
}

static void
link_at(const char *target, const char *rel)
{
	must(symlink(target, rp(rel)) == 0, rel);
}

static int
exists(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

/* The tree described at the top. */
static void
build(void)
{
	char host[600];
	int i;
	char a[16], b[16];

	rm_rf(rootp);
	must(mkdir(rootp, 0755) == 0, "root");
	must(mkdir(rp("bin"), 0755) == 0, "bin");
	mkfile_at("bin/sh", "sh");
	must(mkdir(rp("usr"), 0755) == 0, "usr");
	must(mkdir(rp("usr/lib"), 0755) == 0, "usr/lib");
	mkfile_at("usr/lib/libc.so", "libc");
	must(mkdir(rp("tmp"), 01777) == 0, "tmp");
	mkfile_at("tmp/marker", "marker");
	must(mkdir(rp("d"), 0755) == 0, "d");
	mkfile_at("passwd", "inside");
	mkfile_at("f", "f");
	link_at("usr/lib", "lib");
	link_at("/usr/lib", "lib64");
	link_at("/", "etc");
	link_at("../../..", "a");
	link_at("loop2", "loop1");
	link_at("loop1", "loop2");
	link_at("self", "self");
	link_at("/tmp", "dev");
	link_at("/etc/passwd", "x");
	link_at("f", "fl");
	link_at("/nonexistent/file", "dangling");
	link_at("../outside", "up");
	link_at("..", "d/up");
	link_at("../../../../bin", "d/deep");
	snprintf(host, sizeof(host), "%s/keep", outp);
	link_at(host, "hostabs");
	snprintf(host, sizeof(host), "%s/newdir", outp);
	link_at(host, "hostdir");
	snprintf(host, sizeof(host), "%s/mnt", outp);
	link_at(host, "hostfile");
	/* s0 -> s1 -> ... -> s40 -> f: s1 takes 40 links, s0 41 */
	for (i = 0; i <= 40; i++) {
		snprintf(a, sizeof(a), "s%d", i);
		snprintf(b, sizeof(b), "s%d", i + 1);
		link_at(i == 40 ? "f" : b, a);
	}
}

/* BASE/outside holds keep only, unchanged. */
static int
outside_clean(void)
{
	char buf[16], p[600];
	struct stat st;
	int fd, n;

	snprintf(p, sizeof(p), "%s/keep", outp);
	if (lstat(p, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size != 8)
		return 0;
	fd = open(p, O_RDONLY);
	n = (int)read(fd, buf, sizeof(buf));
	close(fd);
	if (n != 8 || memcmp(buf, "sentinel", 8) != 0)
		return 0;
	snprintf(p, sizeof(p), "%s/newdir", outp);
	if (exists(p))
		return 0;
	snprintf(p, sizeof(p), "%s/mnt", outp);
	return !exists(p);
}

/* Does fd name the same inode as `rel` under the root (no follow)? */
static int
same(int fd, const char *rel)
{
	struct stat a, b;

	if (fstat(fd, &a) < 0 || lstat(rp(rel), &b) < 0)
		return 0;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int
is_opath(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl >= 0 && (fl & O_PATH);
}

static int
read_is(int fd, const char *want)
{
	char buf[64];
	ssize_t n = read(fd, buf, sizeof(buf));

	return n == (ssize_t)strlen(want) && memcmp(buf, want, (size_t)n) == 0;
}

/* --- cases, each run with both resolvers --- */

static void
table_cases(void)
{
	struct err e = ERR_INIT;
	char out[BENEATH_PATH_MAX];
	const struct row *r;
	size_t i;
	int fd, ok;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		r = &table[i];
		err_clear(&e);
		fd = beneath_open(rootfd, r->path, O_PATH, &e);
		if (r->oerr)
			ok = fd < 0 && e.code == r->oerr;
		else if (r->resolved)
			ok = fd >= 0 && same(fd, r->resolved[1] ?
			    r->resolved + 1 : ".");
		else
			ok = 0;
		T(ok, "open %.40s: %s (%s)", r->path, r->oerr ?
		    strerror(r->oerr) : r->resolved, fd < 0 ? e.msg : "ok");
		if (fd >= 0)
			close(fd);
		if (!r->resolved && !r->rerr)
			continue;	/* hostabs: checked apart */
		err_clear(&e);
		out[0] = '\0';
		if (r->resolved)
			T(beneath_resolve(rootfd, r->path, out, sizeof(out),
			    &e) == 0 && strcmp(out, r->resolved) == 0,
			    "resolve %.40s = %s (%s%s)", r->path, r->resolved,
			    out, e.msg);
		else
			T(beneath_resolve(rootfd, r->path, out, sizeof(out),
			    &e) < 0 && e.code == r->rerr,
			    "resolve %.40s fails: %s (%s)", r->path,
			    strerror(r->rerr), e.msg);
	}
	T(beneath_resolve(rootfd, "hostabs", out, sizeof(out), &e) == 0 &&
	    strncmp(out, outp, strlen(outp)) == 0 && !strstr(out, ".."),
	    "resolve hostabs: the host path, taken inside the root (%s)",
	    out);
	T(beneath_resolve(rootfd, "lib/libc.so", out, 8, &e) < 0 &&
	    e.code == ENAMETOOLONG, "resolve into a small buffer: "
	    "ENAMETOOLONG (%s)", e.msg);
}

static void
open_cases(void)
{
	struct err e = ERR_INIT;
	struct stat st;
	int fd;

	fd = beneath_open(rootfd, "etc/passwd", O_RDONLY, &e);
	T(fd >= 0 && read_is(fd, "inside") && !is_opath(fd) &&
	    (fcntl(fd, F_GETFD) & FD_CLOEXEC), "etc -> /: etc/passwd reads "
	    "ROOT/passwd, O_CLOEXEC set (%s)", e.msg);
	if (fd >= 0)
		close(fd);
	fd = beneath_open(rootfd, "/x", O_RDONLY, &e);
	T(fd >= 0 && read_is(fd, "inside"), "x -> /etc/passwd reads "
	    "ROOT/passwd (%s)", e.msg);
	if (fd >= 0)
		close(fd);
	fd = beneath_open(rootfd, "x", O_PATH | O_NOFOLLOW, &e);
	T(fd >= 0 && same(fd, "x") && fstat(fd, &st) == 0 &&
	    S_ISLNK(st.st_mode), "O_PATH|O_NOFOLLOW opens the symlink itself "
	    "(%s)", e.msg);
	if (fd >= 0)
		close(fd);
	err_clear(&e);
	fd = beneath_open(rootfd, "x", O_RDONLY | O_NOFOLLOW, &e);
	T(fd < 0 && e.code == ELOOP, "O_RDONLY|O_NOFOLLOW on a symlink: "
	    "ELOOP (%s)", e.msg);
	fd = beneath_open(rootfd, "etc/", O_RDONLY | O_DIRECTORY, &e);
	T(fd >= 0 && same(fd, "."), "etc/ O_DIRECTORY is the root (%s)",
	    e.msg);
	if (fd >= 0)
		close(fd);
	fd = beneath_open(rootfd, "", O_PATH, &e);
	T(fd >= 0 && fd != rootfd && same(fd, "."), "\"\" is a new fd of "
	    "the root (%s)", e.msg);
	if (fd >= 0)
		close(fd);
	err_clear(&e);
	fd = beneath_open(rootfd, "fl", O_RDONLY | O_DIRECTORY, &e);
	T(fd < 0 && e.code == ENOTDIR, "O_DIRECTORY on a file: ENOTDIR (%s)",
	    e.msg);
	err_clear(&e);
	fd = beneath_open(rootfd, "f/x", O_RDONLY, &e);
	T(fd < 0 && e.code == ENOTDIR && strstr(e.msg, ": /f: "),
	    "ENOTDIR names the component (%s)", e.msg);
	err_clear(&e);
	fd = beneath_open(rootfd, "loop1", O_RDONLY, &e);
	T(fd < 0 && e.code == ELOOP && strstr(e.msg, "symbolic links"),
	    "loop: ELOOP with a clear message (%s)", e.msg);
	err_clear(&e);
	fd = beneath_open(rootfd, "bin/new", O_RDWR | O_CREAT, &e);
	T(fd < 0 && e.code == EINVAL, "O_CREAT refused (%s)", e.msg);
	err_clear(&e);
	fd = beneath_open(rootfd, "bin", O_PATH | O_RDWR, &e);
	T(fd < 0 && e.code == EINVAL, "O_PATH|O_RDWR refused (%s)", e.msg);
	err_clear(&e);
	fd = beneath_open(rootfd, "up/keep", O_RDONLY, &e);
	T(fd < 0 && e.code == ENOENT, "../outside/keep not reached (%s)",
	    e.msg);
	err_clear(&e);
	fd = beneath_open(rootfd, "hostabs", O_RDONLY, &e);
	T(fd < 0 && e.code == ENOENT, "absolute host path not reached (%s)",
	    e.msg);
}

static void
mkdir_cases(void)
{
	struct err e = ERR_INIT;
	char p[700], q[700];
	struct stat st;
	int fd;

	fd = beneath_mkdir_p(rootfd, "etc/new/dir", 0755, &e);
	T(fd >= 0 && is_opath(fd) && same(fd, "new/dir"), "mkdir_p etc/new/"
	    "dir makes ROOT/new/dir, returns O_PATH (%s)", e.msg);
	if (fd >= 0)
		close(fd);
	fd = beneath_mkdir_p(rootfd, "etc/new/dir", 0755, &e);
	T(fd >= 0 && same(fd, "new/dir"), "mkdir_p of an existing dir (%s)",
	    e.msg);
	if (fd >= 0)
		close(fd);
	snprintf(p, sizeof(p), "dev/rocker-bn-%d", (int)getpid());
	snprintf(q, sizeof(q), "/tmp/rocker-bn-%d", (int)getpid());
	fd = beneath_mkdir_p(rootfd, p, 0755, &e);
	T(fd >= 0 && same(fd, q + 1) && !exists(q), "mkdir_p through "
	    "dev -> /tmp stays inside (%s)", e.msg);
	if (fd >= 0)
		close(fd);
	fd = beneath_mkdir_p(rootfd, "hostdir/sub", 0755, &e);
	snprintf(p, sizeof(p), "%s/newdir/sub", outp + 1);
	T(fd >= 0 && same(fd, p) && outside_clean(), "mkdir_p through a "
	    "link to a host path lands inside (%s)", e.msg);
	if (fd >= 0)
		close(fd);
	fd = beneath_mkdir_p(rootfd, "a/m1/m2", 0700, &e);
	T(fd >= 0 && same(fd, "m1/m2") && stat(rp("m1"), &st) == 0 &&
	    (st.st_mode & 07777) == 0700, "mkdir_p mode (%s)", e.msg);
	if (fd >= 0)
		close(fd);
	fd = beneath_mkdir_p(rootfd, "/", 0755, &e);
	T(fd >= 0 && same(fd, ".") && is_opath(fd), "mkdir_p / is the root "
	    "(%s)", e.msg);
	if (fd >= 0)
		close(fd);
	err_clear(&e);
	fd = beneath_mkdir_p(rootfd, "f/x/y", 0755, &e);
	T(fd < 0 && e.code == ENOTDIR && strstr(e.msg, ": /f: "),
	    "mkdir_p through a file: ENOTDIR naming it (%s)", e.msg);
	err_clear(&e);
	fd = beneath_mkdir_p(rootfd, "fl", 0755, &e);
	T(fd < 0 && e.code == ENOTDIR, "mkdir_p of a link to a file: "
	    "ENOTDIR (%s)", e.msg);
	err_clear(&e);
	fd = beneath_mkdir_p(rootfd, "loop1/x", 0755, &e);
	T(fd < 0 && e.code == ELOOP, "mkdir_p through a loop: ELOOP (%s)",
	    e.msg);
	fd = beneath_mkdir_p(rootfd, "dangling/more", 0755, &e);
	T(fd >= 0 && same(fd, "nonexistent/file/more"), "mkdir_p through a "
	    "dangling absolute link creates its target inside (%s)", e.msg);
	if (fd >= 0)
		close(fd);
	rm_rf(rp("nonexistent"));
}

static void
mkfile_cases(void)
{
	struct err e = ERR_INIT;
	char p[700], proc[BENEATH_PROCPATH_MAX];
	struct stat st;
	int fd, r;

	fd = beneath_mkfile(rootfd, "etc/hosts", 0644, &e);
	T(fd >= 0 && is_opath(fd) && same(fd, "hosts") &&
	    lstat(rp("hosts"), &st) == 0 && S_ISREG(st.st_mode),
	    "mkfile etc/hosts makes ROOT/hosts (%s)", e.msg);
	if (fd >= 0)
		close(fd);
	fd = beneath_mkfile(rootfd, "x", 0644, &e);
	T(fd >= 0 && same(fd, "passwd"), "mkfile of an existing file "
	    "through a link (%s)", e.msg);
	if (fd >= 0)
		close(fd);
	fd = beneath_mkfile(rootfd, "dangling", 0600, &e);
	T(fd >= 0 && same(fd, "nonexistent/file") &&
	    lstat(rp("nonexistent/file"), &st) == 0 &&
	    (st.st_mode & 0777) == 0600, "mkfile through a dangling link "
	    "creates the target and its parents inside (%s)", e.msg);
	if (fd >= 0)
		close(fd);
	rm_rf(rp("nonexistent"));
	err_clear(&e);
	fd = beneath_mkfile(rootfd, "bin", 0644, &e);
	T(fd < 0 && e.code == EISDIR, "mkfile of a dir: EISDIR (%s)", e.msg);
	err_clear(&e);
	fd = beneath_mkfile(rootfd, "etc", 0644, &e);
	T(fd < 0 && e.code == EISDIR, "mkfile of a link to /: EISDIR (%s)",
	    e.msg);
	err_clear(&e);
	fd = beneath_mkfile(rootfd, "", 0644, &e);
	T(fd < 0 && e.code == EISDIR, "mkfile \"\": EISDIR (%s)", e.msg);
	err_clear(&e);
	fd = beneath_mkfile(rootfd, "newf/", 0644, &e);
	T(fd < 0 && e.code == EISDIR && !exists(rp("newf")),
	    "mkfile newf/: EISDIR, nothing made (%s)", e.msg);
	err_clear(&e);
	fd = beneath_mkfile(rootfd, "f/x", 0644, &e);
	T(fd < 0 && e.code == ENOTDIR, "mkfile below a file: ENOTDIR (%s)",
	    e.msg);

	fd = -2;
	r = beneath_mountpoint(rootfd, "hostfile", 0, 0644, proc,
	    sizeof(proc), &fd, &e);
	snprintf(p, sizeof(p), "%s/mnt", outp + 1);
	T(r == 0 && fd >= 0 && same(fd, p) && outside_clean(),
	    "file mountpoint through a link to a host path lands inside "
	    "(%s)", e.msg);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	T(r == 0 && strcmp(proc, p) == 0, "mountpoint path %s", proc);
	if (fd >= 0)
		close(fd);
	r = beneath_mountpoint(rootfd, "dev/mnt/d", 1, 0755, proc,
	    sizeof(proc), &fd, &e);
	T(r == 0 && same(fd, "tmp/mnt/d") && is_opath(fd), "dir mountpoint "
	    "through dev -> /tmp (%s)", e.msg);
	if (r == 0)
		close(fd);
	err_clear(&e);
	r = beneath_mountpoint(rootfd, "bin/sh", 1, 0755, proc,
	    sizeof(proc), &fd, &e);
	T(r < 0 && fd == -1 && e.code == ENOTDIR, "dir mountpoint on a "
	    "file: ENOTDIR (%s)", e.msg);
	err_clear(&e);
	r = beneath_mountpoint(rootfd, "bin/sh", 0, 0755, proc, 6, &fd, &e);
	T(r < 0 && fd == -1 && e.code == ERANGE, "small procpath buffer: "
	    "ERANGE (%s)", e.msg);
}

/*
 * A child flips ROOT/race between a directory and a symlink to a host
 * path while mkdir_p("race/sub") and mkfile("race/file") run: nothing
 * may appear outside.
 */
static void
race_case(void)
{
	struct err e = ERR_INIT;
	char host[600];
	int i, fd, fails = 0;
	pid_t pid;

	snprintf(host, sizeof(host), "%s/newdir", outp);
	pid = fork();
	must(pid >= 0, "fork");
	if (pid == 0) {
		for (;;) {
			rm_rf(rp("race"));
			mkdir(rp("race"), 0755);
			rm_rf(rp("race"));
			symlink(host, rp("race"));
		}
	}
	for (i = 0; i < RACE_ROUNDS; i++) {
		err_clear(&e);
		fd = beneath_mkdir_p(rootfd, "race/sub", 0755, &e);
		if (fd >= 0)
			close(fd);
		else
			fails++;
		fd = beneath_mkfile(rootfd, "race/file", 0644, &e);
		if (fd >= 0)
			close(fd);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	T(outside_clean(), "race: %d rounds of mkdir_p/mkfile through a "
	    "flipping symlink, nothing outside (%d failed)", RACE_ROUNDS,
	    fails);
	rm_rf(rp("race"));
	rm_rf(rp(outp + 1));
}

/* Mount-dependent cases (root, in our own mount namespace). */
static void
mount_cases(void)
{
	struct err e = ERR_INIT;
	char proc[BENEATH_PROCPATH_MAX], p[700];
	struct stat st, st2;
	int fd, r;

	if (!mounted_ns) {
		skip("mount crossing, magic links, mounting onto fds",
		    "needs root and a private mount namespace");
		return;
	}
	mkdir(rp("mnt"), 0755);
	must(mount("tmpfs", rp("mnt"), "tmpfs", 0, "size=1m") == 0, "tmpfs");
	mkfile_at("mnt/inner", "inner");
	fd = beneath_open(rootfd, "mnt/inner", O_RDONLY, &e);
	T(fd >= 0 && read_is(fd, "inner"), "crosses a mount by default (%s)",
	    e.msg);
	if (fd >= 0)
		close(fd);
	err_clear(&e);
	fd = beneath_openx(rootfd, "mnt/inner", O_RDONLY, BENEATH_NO_XDEV,
	    &e);
	T(fd < 0 && e.code == EXDEV, "BENEATH_NO_XDEV refuses it (%s)",
	    e.msg);
	err_clear(&e);
	fd = beneath_openx(rootfd, "bin/sh", O_RDONLY, BENEATH_NO_XDEV, &e);
	T(fd >= 0, "BENEATH_NO_XDEV on the same mount (%s)", e.msg);
	if (fd >= 0)
		close(fd);
	umount2(rp("mnt"), MNT_DETACH);

	mkdir(rp("proc"), 0555);
	if (mount("proc", rp("proc"), "proc", 0, NULL) < 0) {
		skip("magic links", "cannot mount procfs");
	} else {
		fd = beneath_open(rootfd, "proc/self/status", O_RDONLY, &e);
		T(fd >= 0, "proc/self (a plain procfs link) is followed (%s)",
		    e.msg);
		if (fd >= 0)
			close(fd);
		err_clear(&e);
		fd = beneath_open(rootfd, "proc/self/root", O_PATH, &e);
		T(fd < 0 && e.code == ELOOP, "proc/self/root magic link "
		    "refused (%s)", e.msg);
		err_clear(&e);
		fd = beneath_open(rootfd, "proc/self/cwd/bin", O_PATH, &e);
		T(fd < 0 && e.code == ELOOP, "proc/self/cwd/bin refused (%s)",
		    e.msg);
		err_clear(&e);
		fd = beneath_open(rootfd, "proc/self/fd/0", O_RDONLY, &e);
		T(fd < 0 && e.code == ELOOP, "proc/self/fd/0 refused (%s)",
		    e.msg);
		err_clear(&e);
		fd = beneath_mkdir_p(rootfd, "proc/self/root/tmp/x", 0755, &e);
		T(fd < 0 && e.code == ELOOP, "mkdir_p through a magic link "
		    "refused (%s)", e.msg);
		umount2(rp("proc"), MNT_DETACH);
	}

	/* Mount onto the fd: lands on ROOT/..., never on the host path. */
	r = beneath_mountpoint(rootfd, "hostdir", 1, 0755, proc,
	    sizeof(proc), &fd, &e);
	T(r == 0 && mount("tmpfs", proc, "tmpfs", 0, "size=1m") == 0,
	    "mount a tmpfs onto %s (%s)", proc, e.msg);
	if (r == 0) {
		close(fd);
		snprintf(p, sizeof(p), "%s/newdir", outp + 1);
		T(stat(rp(p), &st) == 0 && stat(rp("bin"), &st2) == 0 &&
		    st.st_dev != st2.st_dev && outside_clean(), "the tmpfs "
		    "is on ROOT%s/newdir, the host path untouched", outp);
		umount2(rp(p), MNT_DETACH);
	}
	r = beneath_mountpoint(rootfd, "x", 0, 0644, proc, sizeof(proc), &fd,
	    &e);
	T(r == 0 && mount(rp("bin/sh"), proc, NULL, MS_BIND, NULL) == 0,
	    "bind a file onto %s (%s)", proc, e.msg);
	if (r == 0) {
		close(fd);
		fd = open(rp("passwd"), O_RDONLY);
		T(fd >= 0 && read_is(fd, "sh"), "file bind landed on "
		    "ROOT/passwd");
		if (fd >= 0)
			close(fd);
		umount2(rp("passwd"), MNT_DETACH);
	}
	rm_rf(rp("mnt"));
	rmdir(rp("proc"));
}

/* The same table through both resolvers: same inode or same errno. */
static void
compare(void)
{
	static const int flags[] = { O_PATH, O_PATH | O_NOFOLLOW,
	    O_PATH | O_DIRECTORY, O_RDONLY, O_RDONLY | O_NOFOLLOW,
	    O_RDONLY | O_DIRECTORY };
	struct err e1 = ERR_INIT, e2 = ERR_INIT;
	struct stat a, b;
	size_t i, j;
	int f1, f2, ok, n = 0, bad = 0;

	if (!have_openat2) {
		skip("openat2 and the walk agree", "no openat2");
		return;
	}
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		for (j = 0; j < sizeof(flags) / sizeof(flags[0]); j++) {
			err_clear(&e1);
			err_clear(&e2);
			beneath_force_walk = 0;
			f1 = beneath_open(rootfd, table[i].path, flags[j],
			    &e1);
			beneath_force_walk = 1;
			f2 = beneath_open(rootfd, table[i].path, flags[j],
			    &e2);
			if (f1 >= 0 && f2 >= 0)
				ok = fstat(f1, &a) == 0 && fstat(f2, &b) == 0
				    && a.st_dev == b.st_dev &&
				    a.st_ino == b.st_ino;
			else
				ok = f1 < 0 && f2 < 0 && e1.code == e2.code;
			if (!ok) {
				bad++;
				printf("# differ: %.40s flags %#x: openat2 %d "
				    "(%s) walk %d (%s)\n", table[i].path,
				    flags[j], f1, e1.msg, f2, e2.msg);
			}
			n++;
			if (f1 >= 0)
				close(f1);
			if (f2 >= 0)
				close(f2);
		}
	}
	beneath_force_walk = 0;
	rname = "both";
	T(bad == 0, "openat2 and the walk agree on %d opens", n);
}

static void
setup(void)
{
	char p[600];
	long r;
	int fd;

	unsetenv("ROCKER_NO_OPENAT2");	/* beneath_force_walk decides */
	snprintf(base, sizeof(base), "%s/rocker-bn.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	must(mkdtemp(base) != NULL, "mkdtemp");
	snprintf(rootp, sizeof(rootp), "%s/root", base);
	snprintf(outp, sizeof(outp), "%s/outside", base);
	must(mkdir(outp, 0755) == 0, "outside");
	snprintf(p, sizeof(p), "%s/keep", outp);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	must(fd >= 0 && write(fd, "sentinel", 8) == 8, "keep");
	close(fd);
	memset(longcomp, 'c', 256);
	longcomp[256] = '\0';
	memset(longpath, 0, sizeof(longpath));
	for (r = 0; r < 5000; r += 2)
		memcpy(longpath + r, "a/", 2);
	build();
	r = syscall(437, AT_FDCWD, "/", NULL, 0);
	have_openat2 = !(r < 0 && errno == ENOSYS);
	if (r >= 0)
		close((int)r);
	is_root = geteuid() == 0;
	if (is_root && unshare(CLONE_NEWNS) == 0 &&
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0)
		mounted_ns = 1;
	/* After unshare: an fd from the old namespace sees its mounts. */
	rootfd = open(rootp, O_PATH | O_DIRECTORY | O_CLOEXEC);
	must(rootfd >= 0, "open root");
}

int
main(void)
{
	int pass;

	setup();
	for (pass = 0; pass < 2; pass++) {
		beneath_force_walk = pass;
		rname = pass ? "walk" : "openat2";
		if (pass == 0 && !have_openat2) {
			skip("all cases", "openat2 is not available");
			continue;
		}
		table_cases();
		open_cases();
		T(outside_clean(), "open: nothing outside touched");
		mkdir_cases();
		mkfile_cases();
		T(outside_clean(), "mkdir_p, mkfile: nothing outside");
		race_case();
		mount_cases();
		T(outside_clean(), "mounts: nothing outside");
		build();
		close(rootfd);
		rootfd = open(rootp, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	compare();
	close(rootfd);
	rm_rf(base);
	return check_done();
}

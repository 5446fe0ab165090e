/* volume_test.c - volumes in a temporary store root
 *
 * BASE/store is the store root; BASE/outside/keep a sentinel that volume
 * removal must never reach, however _data is booby-trapped. Ownership,
 * device and mount checks need root (the mount ones a private mount
 * namespace, unshared at start); without it they print "skip".
 */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "volume.h"

enum {
	RACERS = 8,
	DEEP = 300,		/* levels of directories in a removed volume */
};

static char base[256], store[300], outp[300];
static int is_root, mounted_ns;

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

static void
must(int ok, const char *what)
{
	if (!ok) {
		perror(what);
		abort();
	}
}

/* Path under BASE. */
static const char *
bp(const char *fmt, const char *arg)
{
	static char ring[8][4600];
	static char rel[4096];
	static int k;
	char *s = ring[k++ % 8];

	snprintf(rel, sizeof(rel), fmt, arg);
	snprintf(s, 4600, "%s/%s", base, rel);
	return s;
}

static void
put(const char *path, const char *content, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	must(fd >= 0, path);
	must(write(fd, content, strlen(content)) == (ssize_t)strlen(content),
	    path);
	close(fd);
}

static int
file_is(const char *path, const char *want)
{
	char buf[256];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n == (ssize_t)strlen(want) && memcmp(buf, want, (size_t)n) == 0;
}

static int
exists(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

static int
outside_intact(void)
{
	char p[400];

	snprintf(p, sizeof(p), "%s/keep", outp);
	return file_is(p, "sentinel") && exists(outp);
}

/* Entries of STORE/volumes whose name starts with `prefix`. */
static int
count_prefix(const char *prefix)
{
	char cmd[600];
	FILE *f;
	int n = 0, c;

	snprintf(cmd, sizeof(cmd), "ls -a '%s/volumes' | grep -c '^%s' "
	    "2>/dev/null", store, prefix);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &c) == 1)
		n = c;
	pclose(f);
	return n;
}

static void
names(void)
{
	static const char *good[] = { "ab", "a1", "0x", "my_vol.1-x", "A-",
	    "x..", NULL };
	static const char *bad[] = { "", "a", "_ab", ".ab", "-ab", "a/b",
	    "a b", "..", "ab\n", "é1", "a:b", NULL };
	struct volume v;
	struct err e = ERR_INIT;
	char longn[300];
	int i, ok;

	for (i = 0, ok = 1; good[i]; i++)
		ok &= volume_name_valid(good[i]);
	CHECK(ok, "valid names accepted");
	for (i = 0, ok = 1; bad[i]; i++)
		ok &= !volume_name_valid(bad[i]);
	CHECK(ok, "invalid names refused");
	memset(longn, 'n', 255);
	longn[255] = '\0';
	CHECK(volume_name_valid(longn), "255 characters accepted");
	longn[255] = 'n';
	longn[256] = '\0';
	CHECK(!volume_name_valid(longn), "256 characters refused");
	CHECK(volume_create(store, "../evil", &v, &e) < 0 && e.code == EINVAL
	    && strstr(e.msg, "invalid characters"), "create ../evil refused "
	    "(%s)", e.msg);
	err_clear(&e);
	CHECK(volume_get(store, "a/b", &v, &e) < 0 && e.code == EINVAL,
	    "get a/b refused (%s)", e.msg);
	err_clear(&e);
	CHECK(volume_remove(store, "..", 1, 0, &e) < 0 && e.code == EINVAL,
	    "remove .. refused (%s)", e.msg);
}

static void
basics(void)
{
	struct volume v, w, *list = NULL;
	struct err e = ERR_INIT;
	struct stat st;
	char p[8192];
	size_t n, i;
	int r, fd, ok;

	r = volume_list(store, &list, &n, &e);
	CHECK(r == 0 && n == 0 && !list, "list of a fresh store is empty "
	    "(%s)", e.msg);
	err_clear(&e);
	CHECK(volume_get(store, "data", &v, &e) < 0 &&
	    e.code == ERR_NOTFOUND && strstr(e.msg, "no such volume"),
	    "get before any volume: not found (%s)", e.msg);
	r = volume_create(store, "data", &v, &e);
	snprintf(p, sizeof(p), "%s/volumes/data/_data", store);
	CHECK(r == 1 && strcmp(v.name, "data") == 0 && !v.anonymous &&
	    strcmp(v.mountpoint, p) == 0, "create data (%s)", e.msg);
	CHECK(stat(p, &st) == 0 && S_ISDIR(st.st_mode) &&
	    (st.st_mode & 07777) == 0755, "_data is a 0755 directory");
	CHECK(strlen(v.created) == 20 && v.created[4] == '-' &&
	    v.created[10] == 'T' && v.created[19] == 'Z', "CreatedAt %s",
	    v.created);
	snprintf(p, sizeof(p), "%s/volumes/data/meta.json", store);
	CHECK(exists(p), "meta.json written");
	put(bp("store/volumes/data/_data/x", ""), "content", 0644);
	r = volume_create(store, "data", &w, &e);
	CHECK(r == 0 && strcmp(w.created, v.created) == 0 &&
	    file_is(bp("store/volumes/data/_data/x", ""), "content"),
	    "create again: idempotent, content kept (%s)", e.msg);
	CHECK(volume_get(store, "data", &w, &e) == 0 &&
	    strcmp(w.name, "data") == 0 && strcmp(w.mountpoint,
	    v.mountpoint) == 0, "get data (%s)", e.msg);
	r = volume_create(store, NULL, &v, &e);
	for (i = 0, ok = strlen(v.name) == 64; ok && i < 64; i++)
		ok = (v.name[i] >= '0' && v.name[i] <= '9') ||
		    (v.name[i] >= 'a' && v.name[i] <= 'f');
	CHECK(r == 1 && ok && v.anonymous, "anonymous volume %s (%s)",
	    v.name, e.msg);
	CHECK(volume_get(store, v.name, &w, &e) == 0 && w.anonymous,
	    "anonymous flag kept in meta.json (%s)", e.msg);
	CHECK(volume_create(store, NULL, &w, &e) == 1 &&
	    strcmp(w.name, v.name) != 0, "two anonymous volumes differ");
	volume_create(store, "zz", &w, &e);
	volume_create(store, "aa", &w, &e);
	volume_create(store, "mm", &w, &e);
	r = volume_list(store, &list, &n, &e);
	for (i = 1, ok = r == 0 && n == 6; ok && i < n; i++)
		ok = strcmp(list[i - 1].name, list[i].name) < 0;
	CHECK(ok && strcmp(list[n - 1].name, "zz") == 0, "list: 6 volumes "
	    "sorted by name (%s)", e.msg);
	free(list);

	fd = volume_open_data(store, "data", &e);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) &&
	    (fcntl(fd, F_GETFL) & O_PATH), "volume_open_data (%s)", e.msg);
	if (fd >= 0)
		close(fd);
	err_clear(&e);
	CHECK(volume_open_data(store, "nope", &e) < 0 &&
	    e.code == ERR_NOTFOUND, "volume_open_data of a missing volume "
	    "(%s)", e.msg);

	err_clear(&e);
	CHECK(volume_remove(store, "data", 0, 1, &e) < 0 && e.code == EBUSY
	    && strstr(e.msg, "volume is in use") && volume_get(store,
	    "data", &w, &e) == 0, "remove in use refused (%s)", e.msg);
	err_clear(&e);
	CHECK(volume_remove(store, "data", 1, 1, &e) < 0 && e.code == EBUSY,
	    "remove -f in use refused too (%s)", e.msg);
	err_clear(&e);
	CHECK(volume_remove(store, "data", 0, 0, &e) == 0 &&
	    volume_get(store, "data", &w, &e) < 0 && e.code == ERR_NOTFOUND,
	    "remove data (%s)", e.msg);
	err_clear(&e);
	CHECK(volume_remove(store, "data", 0, 0, &e) < 0 &&
	    e.code == ERR_NOTFOUND, "remove a missing volume: not found "
	    "(%s)", e.msg);
	err_clear(&e);
	CHECK(volume_remove(store, "data", 1, 0, &e) == 0, "remove -f of a "
	    "missing volume succeeds (%s)", e.msg);
	CHECK(count_prefix(".rm-") == 0 && count_prefix(".tmp-") == 0,
	    "no leftovers in volumes/");
}

/* _data full of traps: removal must delete the links, not their targets. */
static void
removal(void)
{
	struct volume v;
	struct err e = ERR_INIT;
	char p[8192], host[8192];
	int i, r;

	must(volume_create(store, "trap", &v, &e) == 1, "create trap");
	snprintf(host, sizeof(host), "%s/keep", outp);
	snprintf(p, sizeof(p), "%s/escape", v.mountpoint);
	must(symlink(outp, p) == 0, "symlink escape");
	snprintf(p, sizeof(p), "%s/keeplink", v.mountpoint);
	must(symlink(host, p) == 0, "symlink keeplink");
	snprintf(p, sizeof(p), "%s/hard", v.mountpoint);
	must(link(host, p) == 0, "hard link");
	snprintf(p, sizeof(p), "%s/ro", v.mountpoint);
	must(mkdir(p, 0755) == 0, "ro");
	snprintf(p, sizeof(p), "%s/ro/f", v.mountpoint);
	put(p, "f", 0444);
	snprintf(p, sizeof(p), "%s/ro/up", v.mountpoint);
	must(symlink("../../../../../outside", p) == 0, "symlink up");
	snprintf(p, sizeof(p), "%s/ro", v.mountpoint);
	must(chmod(p, 0555) == 0, "chmod ro");
	snprintf(p, sizeof(p), "%s", v.mountpoint);
	for (i = 0; i < DEEP; i++) {
		strcat(p, i % 2 ? "/d" : "/e");
		if (strlen(p) > sizeof(p) - 8)
			break;
		must(mkdir(p, 0700) == 0, "deep");
	}
	r = volume_remove(store, "trap", 0, 0, &e);
	CHECK(r == 0 && !exists(bp("store/volumes/trap", "")) &&
	    outside_intact(), "remove a trapped volume: gone, the symlink "
	    "and hard link targets outside survive (%s)", e.msg);
	CHECK(count_prefix(".rm-") == 0, "no .rm- leftover");

	if (!mounted_ns) {
		printf("skip - removal stops at a mount point: needs root\n");
		return;
	}
	must(volume_create(store, "mnt", &v, &e) == 1, "create mnt");
	snprintf(p, sizeof(p), "%s/m", v.mountpoint);
	must(mkdir(p, 0755) == 0, "m");
	must(mount("tmpfs", p, "tmpfs", 0, "size=1m") == 0, "tmpfs");
	snprintf(p, sizeof(p), "%s/m/precious", v.mountpoint);
	put(p, "precious", 0644);
	err_clear(&e);
	r = volume_remove(store, "mnt", 0, 0, &e);
	CHECK(r < 0 && e.code == EBUSY && strstr(e.msg, "mount point") &&
	    count_prefix(".rm-") == 1, "removal refuses to enter a mount "
	    "inside _data, leaves .rm- (%s)", e.msg);
	snprintf(host, sizeof(host), "%s/volumes", store);
	snprintf(p, sizeof(p), "find '%.500s' -name precious | grep -q .",
	    host);
	CHECK(system(p) == 0, "the file on the mount survives");
	snprintf(p, sizeof(p), "for d in '%.500s'/.rm-*/_data/m; do "
	    "umount \"$d\"; done", host);
	must(system(p) == 0, "umount");
	CHECK(volume_prune(store, 1, NULL, NULL, NULL, NULL, NULL, &e) == 0 &&
	    count_prefix(".rm-") == 0, "prune sweeps the .rm- leftover "
	    "(%s)", e.msg);
}

/* RACERS processes create one name at once: all succeed, one creates. */
static void
concurrency(void)
{
	struct volume v, *list = NULL;
	struct err e = ERR_INIT;
	int go[2], res[2], i, status, created = 0, ok = 0;
	size_t n;
	pid_t pid;
	char c;

	must(pipe(go) == 0 && pipe(res) == 0, "pipe");
	for (i = 0; i < RACERS; i++) {
		pid = fork();
		must(pid >= 0, "fork");
		if (pid == 0) {
			close(go[1]);
			if (read(go[0], &c, 1) != 0)
				_exit(3);
			c = (char)('0' + (volume_create(store, "shared", &v,
			    &e) + 1));
			if (write(res[1], &c, 1) != 1)
				_exit(3);
			_exit(0);
		}
	}
	close(go[0]);
	close(go[1]);	/* everybody starts now */
	close(res[1]);
	while (read(res[0], &c, 1) == 1) {
		if (c == '2')
			created++;
		if (c != '0')
			ok++;
	}
	close(res[0]);
	while (wait(&status) > 0)
		;
	CHECK(ok == RACERS && created == 1, "%d concurrent creates: all "
	    "succeed (%d), exactly one created (%d)", RACERS, ok, created);
	CHECK(volume_list(store, &list, &n, &e) == 0, "list (%s)", e.msg);
	for (i = 0, ok = 0; (size_t)i < n; i++)
		ok += strcmp(list[i].name, "shared") == 0;
	free(list);
	CHECK(ok == 1 && count_prefix(".tmp-") == 0, "one volume \"shared\", "
	    "no .tmp- leftovers");
}

static int
in_use_cb(const char *name, void *arg)
{
	return strcmp(name, (const char *)arg) == 0;
}

static void
prune(void)
{
	struct volume busy, idle, *rm = NULL, *list = NULL;
	struct err e = ERR_INIT;
	struct timespec ts[2];
	uint64_t bytes = 0;
	size_t n = 0, ln, i;
	int r, held, found;
	char p[8192];

	rm_rf(store);
	must(volume_create(store, "named", &busy, &e) == 1, "named");
	must(volume_create(store, NULL, &busy, &e) == 1, "busy");
	must(volume_create(store, NULL, &idle, &e) == 1, "idle");
	snprintf(p, sizeof(p), "%s/big", idle.mountpoint);
	put(p, "0123456789", 0644);
	/* leftovers: a stale .tmp-, a fresh one, a held and a free .rm- */
	snprintf(p, sizeof(p), "%s/volumes/.tmp-stale", store);
	must(mkdir(p, 0700) == 0, "tmp-stale");
	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - 3600;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	must(utimensat(AT_FDCWD, p, ts, 0) == 0, "age");
	snprintf(p, sizeof(p), "%s/volumes/.tmp-fresh", store);
	must(mkdir(p, 0700) == 0, "tmp-fresh");
	snprintf(p, sizeof(p), "%s/volumes/.rm-held", store);
	must(mkdir(p, 0700) == 0, "rm-held");
	held = open(p, O_RDONLY | O_DIRECTORY);
	must(held >= 0 && flock(held, LOCK_EX) == 0, "lock");
	snprintf(p, sizeof(p), "%s/volumes/.rm-free", store);
	must(mkdir(p, 0700) == 0, "rm-free");

	r = volume_prune(store, 0, in_use_cb, busy.name, &rm, &n, &bytes, &e);
	CHECK(r == 0 && n == 1 && strcmp(rm[0].name, idle.name) == 0 &&
	    bytes >= 10, "prune removes the idle anonymous volume only "
	    "(%zu, %llu bytes) (%s)", n, (unsigned long long)bytes, e.msg);
	free(rm);
	CHECK(count_prefix(".tmp-stale") == 0 && count_prefix(".tmp-fresh")
	    == 1 && count_prefix(".rm-held") == 1 &&
	    count_prefix(".rm-free") == 0, "prune sweeps stale unlocked "
	    "leftovers only");
	close(held);
	r = volume_prune(store, 1, in_use_cb, busy.name, &rm, &n, NULL, &e);
	CHECK(r == 0 && n == 1 && strcmp(rm[0].name, "named") == 0,
	    "prune -a removes the named one too, not the busy one (%s)",
	    e.msg);
	free(rm);
	r = volume_list(store, &list, &ln, &e);
	for (i = 0, found = 0; r == 0 && i < ln; i++)
		found += strcmp(list[i].name, busy.name) == 0;
	CHECK(r == 0 && ln == 1 && found == 1, "the busy volume is left");
	free(list);
}

/* The image's directory, copied into a new volume. */
static void
copy_up(void)
{
	struct volume v;
	struct err e = ERR_INIT;
	struct timespec ts[2];
	struct stat st, st2;
	char p[8192], q[700], lnk[600], src[600];
	int sfd, dfd, r, xattr_ok;
	ssize_t n;

	snprintf(src, sizeof(src), "%s", bp("src", ""));
	rm_rf(src);
	must(mkdir(src, 0711) == 0, "src");
	must(chmod(src, 0711) == 0, "chmod src");
	put(bp("src/a", ""), "file a", 0640);
	must(chmod(bp("src/a", ""), 0640) == 0, "chmod a");
	must(link(bp("src/a", ""), bp("src/a2", "")) == 0, "link a2");
	must(mkdir(bp("src/sub", ""), 0750) == 0, "sub");
	must(chmod(bp("src/sub", ""), 0750) == 0, "chmod sub");
	put(bp("src/sub/b", ""), "file b", 0755);
	must(chmod(bp("src/sub/b", ""), 04755) == 0, "chmod b");
	must(symlink("/etc/passwd", bp("src/abs", "")) == 0, "abs");
	must(symlink("a", bp("src/rel", "")) == 0, "rel");
	must(symlink(outp, bp("src/outdir", "")) == 0, "outdir");
	must(mkfifo(bp("src/fifo", ""), 0620) == 0 &&
	    chmod(bp("src/fifo", ""), 0620) == 0, "fifo");
	xattr_ok = setxattr(bp("src/a", ""), "user.rocker", "v", 1, 0) == 0;
	ts[0].tv_sec = 1000000000;
	ts[0].tv_nsec = 0;
	ts[1].tv_sec = 1234567890;
	ts[1].tv_nsec = 500;
	must(utimensat(AT_FDCWD, bp("src/a", ""), ts, 0) == 0, "times a");
	must(utimensat(AT_FDCWD, bp("src/sub", ""), ts, 0) == 0, "times sub");
	if (is_root) {
		must(mknod(bp("src/null", ""), S_IFCHR | 0666, makedev(1, 3)) ==
		    0, "mknod");
		must(chown(bp("src/a", ""), 1234, 5678) == 0, "chown a");
		must(lchown(bp("src/abs", ""), 4321, 8765) == 0, "lchown abs");
		must(chown(src, 42, 43) == 0, "chown src");
	}

	must(volume_create(store, "cu", &v, &e) == 1, "create cu");
	sfd = open(src, O_PATH | O_DIRECTORY);
	dfd = volume_open_data(store, "cu", &e);
	must(sfd >= 0 && dfd >= 0, "open src and _data");
	r = volume_copy_up(sfd, dfd, &e);
	CHECK(r == 1, "copy up (%s)", e.msg);
#define VP(rel) (snprintf(p, sizeof(p), "%s/%s", v.mountpoint, rel), p)
	CHECK(file_is(VP("a"), "file a") && stat(p, &st) == 0 &&
	    (st.st_mode & 07777) == 0640 && st.st_mtim.tv_sec == 1234567890 &&
	    st.st_mtim.tv_nsec == 500, "file content, mode, mtime");
	CHECK(stat(VP("a"), &st) == 0 && stat(VP("a2"), &st2) == 0 &&
	    st.st_ino == st2.st_ino && st.st_nlink == 2, "hard link kept");
	CHECK(stat(VP("sub"), &st) == 0 && S_ISDIR(st.st_mode) &&
	    (st.st_mode & 07777) == 0750 && st.st_mtim.tv_sec == 1234567890,
	    "directory mode and mtime (set after its content)");
	CHECK(file_is(VP("sub/b"), "file b") && stat(p, &st) == 0 &&
	    (st.st_mode & 07777) == 04755, "setuid file mode");
	n = readlink(VP("abs"), lnk, sizeof(lnk) - 1);
	CHECK(n == 11 && memcmp(lnk, "/etc/passwd", 11) == 0, "absolute "
	    "symlink copied verbatim");
	n = readlink(VP("rel"), lnk, sizeof(lnk) - 1);
	CHECK(n == 1 && lnk[0] == 'a', "relative symlink copied");
	CHECK(lstat(VP("outdir"), &st) == 0 && S_ISLNK(st.st_mode) &&
	    !exists(VP("keep")), "a symlink to a host dir is not followed");
	CHECK(lstat(VP("fifo"), &st) == 0 && S_ISFIFO(st.st_mode) &&
	    (st.st_mode & 0777) == 0620, "FIFO copied");
	if (xattr_ok)
		CHECK(getxattr(VP("a"), "user.rocker", q, sizeof(q)) == 1 &&
		    q[0] == 'v', "user xattr copied");
	else
		printf("skip - user xattr copied: not supported here\n");
	CHECK(stat(v.mountpoint, &st) == 0 && (st.st_mode & 07777) == 0711,
	    "_data takes the source directory's mode");
	if (is_root) {
		CHECK(!exists(VP("null")), "device skipped");
		CHECK(stat(VP("a"), &st) == 0 && st.st_uid == 1234 &&
		    st.st_gid == 5678, "file ownership");
		CHECK(lstat(VP("abs"), &st) == 0 && st.st_uid == 4321 &&
		    st.st_gid == 8765, "symlink ownership");
		CHECK(stat(v.mountpoint, &st) == 0 && st.st_uid == 42 &&
		    st.st_gid == 43, "_data takes the source's owner");
	} else {
		printf("skip - ownership and devices: needs root\n");
	}
#undef VP
	CHECK(volume_copy_up(sfd, dfd, &e) == 0, "second copy up: _data not "
	    "empty, nothing copied (%s)", e.msg);
	close(sfd);
	close(dfd);
	CHECK(outside_intact(), "outside intact after copy up");
	CHECK(volume_remove(store, "cu", 0, 0, &e) == 0, "remove cu (%s)",
	    e.msg);
}

int
main(void)
{
	char p[400];

	is_root = geteuid() == 0;
	snprintf(base, sizeof(base), "%s/rocker-vol.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	must(mkdtemp(base) != NULL, "mkdtemp");
	snprintf(store, sizeof(store), "%s/store", base);
	snprintf(outp, sizeof(outp), "%s/outside", base);
	must(mkdir(outp, 0755) == 0, "outside");
	snprintf(p, sizeof(p), "%s/keep", outp);
	put(p, "sentinel", 0644);
	if (is_root && unshare(CLONE_NEWNS) == 0 &&
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0)
		mounted_ns = 1;
	names();
	basics();
	removal();
	concurrency();
	prune();
	copy_up();
	CHECK(outside_intact(), "the sentinel outside survived everything");
	rm_rf(base);
	return check_done();
}

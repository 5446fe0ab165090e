/* user_test.c - -u user[:group] and --group-add against a temporary rootfs */

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "user.h"

static char base[] = "/tmp/rocker-user-test.XXXXXX";
static char root[128], etc[160];
static int rootfd = -1;

static const char passwd_text[] =
	"# a comment\n"
	"root:x:0:0:root:/root:/bin/sh\n"
	"daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
	"+nisuser:x:77:77::/nis:/bin/sh\n"
	"-nisminus::78:78:::\n"
	"malformed line without colons\n"
	"baduid:x:12a:5::/bad:/bin/sh\n"
	"huge:x:4294967296:5::/huge:/bin/sh\n"
	"   web:x:33:33:www:/var/www:/bin/sh   \r\n"
	"nohome:x:1001:1001\n"
	"emptyhome:x:1002:1002:::/bin/sh\n"
	"alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\n"
	"alice2:x:1000:999::/home/alice2:/bin/bash\n"
	"big:x:4294967295:4294967295::/big:/bin/sh\n"
	":x:5:5::/noname:/bin/sh\n"
	"last:x:2000:2000::/home/last:/bin/sh";

static const char group_text[] =
	"root:x:0:root\n"
	"wheel:x:10:root,alice\n"
	"audio:x:29:bob,alice,\n"
	"video:x:44:\n"
	"staff:x:50\n"
	"alice:x:1000:\n"
	"100:x:7:\n"
	"dup:x:10:alice\n"
	"#comment:x:3:alice\n"
	"bad:x:-1:alice\n";

static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[700];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static int
resolve(const char *spec, char **extra, size_t nextra, struct user_ids *u,
    struct err *e)
{
	user_ids_free(u);
	err_clear(e);
	return user_resolve(rootfd, spec, extra, nextra, u, e);
}

/* gids joined with ',' */
static const char *
gids(const struct user_ids *u)
{
	static char buf[256];
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < u->ngids && n < sizeof(buf) - 16; i++)
		n += snprintf(buf + n, sizeof(buf) - n, "%s%u", i ? "," : "",
		    (unsigned)u->gids[i]);
	return buf;
}

static int
ids_are(const struct user_ids *u, uint32_t uid, uint32_t gid,
    const char *groups, const char *home)
{
	return u->uid == uid && u->gid == gid &&
	    strcmp(gids(u), groups) == 0 && strcmp(u->home, home) == 0;
}

static void
test_parsers(void)
{
	struct user_db db = { 0 };
	struct err e = ERR_INIT;

	CHECK(user_parse_passwd(passwd_text, sizeof(passwd_text) - 1, &db,
	    &e) == 0, "passwd parses");
	CHECK(db.npw == 9, "passwd: good lines kept, bad skipped (%zu)",
	    db.npw);
	CHECK(strcmp(db.pw[2].name, "web") == 0 && db.pw[2].uid == 33 &&
	    strcmp(db.pw[2].home, "/var/www") == 0,
	    "passwd: blanks around a line trimmed");
	CHECK(strcmp(db.pw[3].name, "nohome") == 0 && !*db.pw[3].home,
	    "passwd: short line has an empty home");
	CHECK(db.pw[7].uid == 4294967295u && db.pw[7].gid == 4294967295u,
	    "passwd: uint32 maximum");
	CHECK(user_parse_group(group_text, sizeof(group_text) - 1, &db,
	    &e) == 0 && db.ngr == 8, "group parses (%zu)", db.ngr);
	CHECK(db.gr[2].nmembers == 2 &&
	    strcmp(db.gr[2].members[1], "alice") == 0,
	    "group: trailing comma in members");
	CHECK(db.gr[3].nmembers == 0 && db.gr[4].nmembers == 0 &&
	    db.gr[4].gid == 50, "group: empty and missing member lists");
	CHECK(user_parse_passwd(NULL, 0, &db, &e) == 0 && db.npw == 0 &&
	    db.ngr == 8, "empty passwd replaces only passwd entries");
	CHECK(user_parse_passwd("a:x:1:1:\0:/h:/s\nb:x:2:2::/b:/s", 30, &db,
	    &e) == 0 && db.npw == 1 && strcmp(db.pw[0].name, "b") == 0,
	    "line with NUL skipped");
	user_db_free(&db);
	user_db_free(&db);
}

/* Make openat2 fail with ENOSYS in this process (an old kernel). */
static int
block_openat2(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 437, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* In a child without openat2: the O_NOFOLLOW fallback. */
static int
fallback_child(void)
{
	struct user_ids u = { 0 };
	struct err e = ERR_INIT;
	char path[256];
	int r = 0;

	if (block_openat2() < 0)
		return 1;
	snprintf(path, sizeof(path), "%s/passwd", etc);
	write_file(etc, "passwd", passwd_text);
	if (user_resolve(rootfd, "alice", NULL, 0, &u, &e) < 0 ||
	    u.uid != 1000 || u.ngids != 3)
		r = 2;
	unlink(path);
	if (symlink("/real-passwd", path) < 0 ||
	    user_resolve(rootfd, "inside", NULL, 0, &u, &e) == 0 ||
	    e.code != ERR_NOTFOUND)
		r = 3;
	user_ids_free(&u);
	unlink(path);
	write_file(etc, "passwd", passwd_text);
	return r;
}

int
main(void)
{
	struct user_ids u = { 0 };
	struct err e = ERR_INIT;
	char *extra[4];
	char outside[256], path[256];
	int fd, st = 0;

	if (!mkdtemp(base)) {
		CHECK(0, "mkdtemp");
		return check_done();
	}
	test_parsers();
	snprintf(root, sizeof(root), "%s/root", base);
	snprintf(etc, sizeof(etc), "%s/etc", root);
	mkdir(root, 0755);
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	CHECK(resolve(NULL, NULL, 0, &u, &e) == 0 &&
	    ids_are(&u, 0, 0, "0", "/"), "no etc at all: root, home /");
	CHECK(resolve("1234", NULL, 0, &u, &e) == 0 &&
	    ids_are(&u, 1234, 0, "0", "/"), "numeric uid without files");
	CHECK(resolve("nobody", NULL, 0, &u, &e) < 0 &&
	    strcmp(e.msg, "unable to find user nobody: no matching entries "
	    "in passwd file") == 0 && e.code == ERR_NOTFOUND,
	    "missing user: %s", e.msg);

	mkdir(etc, 0755);
	write_file(etc, "passwd", passwd_text);
	write_file(etc, "group", group_text);

	CHECK(resolve("", NULL, 0, &u, &e) == 0 &&
	    ids_are(&u, 0, 0, "0,10", "/root"),
	    "default user: root with its groups (%s)", gids(&u));
	CHECK(resolve("alice", NULL, 0, &u, &e) == 0 &&
	    ids_are(&u, 1000, 1000, "1000,10,29", "/home/alice"),
	    "name: uid, gid, memberships, home (%s)", gids(&u));
	CHECK(resolve("1000", NULL, 0, &u, &e) == 0 &&
	    ids_are(&u, 1000, 1000, "1000,10,29", "/home/alice"),
	    "uid: first passwd entry with it");
	CHECK(resolve("alice:video", NULL, 0, &u, &e) == 0 &&
	    ids_are(&u, 1000, 44, "44", "/home/alice"),
	    "name:group: no implicit memberships (%s)", gids(&u));
	CHECK(resolve("alice:44", NULL, 0, &u, &e) == 0 && u.gid == 44,
	    "name:gid");
	CHECK(resolve("1000:4444", NULL, 0, &u, &e) == 0 &&
	    ids_are(&u, 1000, 4444, "4444", "/home/alice"),
	    "uid:gid not in group file");
	CHECK(resolve("5555:staff", NULL, 0, &u, &e) == 0 &&
	    ids_are(&u, 5555, 50, "50", "/"), "unknown uid:groupname");
	CHECK(resolve(":video", NULL, 0, &u, &e) == 0 &&
	    ids_are(&u, 0, 44, "44", "/root"), ":group");
	CHECK(resolve("daemon:audio:ignored", NULL, 0, &u, &e) == 0 &&
	    u.uid == 1 && u.gid == 29, "text after a second ':' ignored");
	CHECK(resolve("alice:nogroup", NULL, 0, &u, &e) < 0 &&
	    strcmp(e.msg, "unable to find group nogroup: no matching "
	    "entries in group file") == 0, "missing group: %s", e.msg);
	CHECK(resolve("nisuser", NULL, 0, &u, &e) < 0,
	    "NIS lines are skipped");
	CHECK(resolve("baduid", NULL, 0, &u, &e) < 0 &&
	    resolve("huge", NULL, 0, &u, &e) < 0,
	    "malformed and out-of-range ids are skipped");
	CHECK(resolve("nohome", NULL, 0, &u, &e) == 0 &&
	    ids_are(&u, 1001, 1001, "1001", "/"), "missing home: /");
	CHECK(resolve("emptyhome", NULL, 0, &u, &e) == 0 &&
	    strcmp(u.home, "/") == 0, "empty home: /");
	CHECK(resolve("web", NULL, 0, &u, &e) == 0 && u.uid == 33,
	    "blanks around a line");
	CHECK(resolve("last", NULL, 0, &u, &e) == 0 && u.uid == 2000,
	    "last line without newline");
	CHECK(resolve("big", NULL, 0, &u, &e) == 0 &&
	    u.uid == 4294967295u, "a name with a large uid in the file");
	CHECK(resolve("2147483648", NULL, 0, &u, &e) < 0 &&
	    strcmp(e.msg, "uids and gids must be in range 0-2147483647") ==
	    0, "numeric uid out of range: %s", e.msg);
	CHECK(resolve("1:99999999999999999999", NULL, 0, &u, &e) < 0 &&
	    e.code == ERR_USAGE, "numeric gid out of range");
	CHECK(resolve("2147483647", NULL, 0, &u, &e) == 0 &&
	    u.uid == 2147483647u, "largest numeric uid");
	CHECK(resolve("-1", NULL, 0, &u, &e) < 0 && e.code == ERR_NOTFOUND,
	    "negative ids are names");

	extra[0] = "audio";
	extra[1] = "4242";
	extra[2] = "wheel";
	extra[3] = "100";
	CHECK(resolve("alice", extra, 4, &u, &e) == 0 &&
	    strcmp(gids(&u), "1000,10,29,4242,7") == 0,
	    "--group-add: names, numbers, duplicates dropped (%s)", gids(&u));
	extra[0] = "nosuchgroup";
	CHECK(resolve("alice", extra, 1, &u, &e) < 0 &&
	    strstr(e.msg, "unable to find group nosuchgroup"),
	    "--group-add unknown name: %s", e.msg);
	extra[0] = "3000000000";
	CHECK(resolve("alice", extra, 1, &u, &e) < 0 && e.code == ERR_USAGE,
	    "--group-add out of range");
	extra[0] = "50";
	CHECK(resolve("alice:video", extra, 1, &u, &e) == 0 &&
	    strcmp(gids(&u), "44,50") == 0, "explicit group plus extras");

	/* An etc/passwd symlink to a host file is not followed out. */
	snprintf(outside, sizeof(outside), "%s/outside", base);
	mkdir(outside, 0755);
	write_file(outside, "passwd", "evil:x:4321:4321::/evil:/bin/sh\n");
	snprintf(path, sizeof(path), "%s/passwd", etc);
	unlink(path);
	snprintf(outside, sizeof(outside), "%s/outside/passwd", base);
	CHECK(symlink(outside, path) == 0, "symlink etc/passwd out");
	CHECK(resolve("evil", NULL, 0, &u, &e) < 0 &&
	    e.code == ERR_NOTFOUND, "symlinked passwd not followed out: %s",
	    e.msg);
	CHECK(resolve("", NULL, 0, &u, &e) == 0 && u.uid == 0,
	    "symlinked passwd: no entries");
	unlink(path);
	CHECK(symlink("../../outside/passwd", path) == 0 &&
	    resolve("evil", NULL, 0, &u, &e) < 0,
	    "relative symlink climbing out is not followed out");
	unlink(path);
	/* A symlink inside the root resolves as in the container. */
	write_file(root, "real-passwd", "inside:x:77:78::/in:/bin/sh\n");
	if (symlink("/real-passwd", path) == 0 &&
	    resolve("inside", NULL, 0, &u, &e) == 0)
		CHECK(u.uid == 77 && u.gid == 78,
		    "symlink within the root (openat2) is followed");
	else
		CHECK(e.code == ERR_NOTFOUND,
		    "symlink within the root: absent without openat2");
	unlink(path);

	/* Without openat2 every symlink at etc/passwd is an absent file. */
	fd = fork();
	if (fd == 0)
		_exit(fallback_child());
	CHECK(fd > 0 && waitpid(fd, &st, 0) == fd && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "fallback without openat2: status %d",
	    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	unlink(path);

	/* A symlinked etc directory pointing out. */
	snprintf(path, sizeof(path), "%s/etc.real", root);
	rename(etc, path);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	CHECK(symlink(outside, etc) == 0 &&
	    resolve("evil", NULL, 0, &u, &e) < 0,
	    "symlinked etc/ not followed out");
	unlink(etc);
	rename(path, etc);

	/* Too large a file is refused, a directory is no entries. */
	write_file(etc, "passwd", passwd_text);
	snprintf(path, sizeof(path), "%s/group", etc);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && ftruncate(fd, USER_FILE_MAX + 1) == 0, "big file");
	if (fd >= 0)
		close(fd);
	CHECK(resolve("alice", NULL, 0, &u, &e) < 0 && e.code == ERR_LIMIT &&
	    strstr(e.msg, "etc/group: larger than"), "huge file refused: %s",
	    e.msg);
	unlink(path);
	mkdir(path, 0755);
	CHECK(resolve("alice", NULL, 0, &u, &e) == 0 &&
	    ids_are(&u, 1000, 1000, "1000", "/home/alice"),
	    "etc/group a directory: no entries");
	rmdir(path);
	CHECK(mkfifo(path, 0644) == 0 &&
	    resolve("alice", NULL, 0, &u, &e) == 0,
	    "etc/group a FIFO: no entries, no hang");

	user_ids_free(&u);
	user_ids_free(&u);
	close(rootfd);
	snprintf(path, sizeof(path), "rm -rf '%s'", base);
	if (system(path) != 0)
		CHECK(0, "cleanup");
	return check_done();
}

/* store_test.c - the image store: layout, locks, commits, records, GC, probe
 *
 * Runs as root here; the parts that need root (mounts, whiteouts, a tiny
 * tmpfs for ENOSPC) are skipped with a reason otherwise. Processes, not
 * threads, play the concurrent pulls.
 */

#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "sha256.h"
#include "store.h"

/* Each call gets a fresh error, so a line never shows an older message. */
#define E (err_clear(&e), &e)

/* Chain-id vectors computed with sha256sum (printf 'A B' | sha256sum). */
static const char VA[] = "sha256:589f0d58b9053a4ff7329b8fdb4f9dd120e29354"
	"c086ad0b3b10733f6cfd6de3";		/* sha256("layer-a") */
static const char VB[] = "sha256:55fea2a37a9fc5963f1beccd0d162b856e6bd05c"
	"a07cdd3726847846ab740f0d";		/* sha256("layer-b") */
static const char VC[] = "sha256:e6c65c655ca8172ab7a2b634dab3220a45472dd6"
	"571b6efd956ccc05e229a201";		/* sha256("layer-c") */
static const char VAB[] = "sha256:267c5fd16af60e52927fabf0a36a31f3b5a20693"
	"47f7f00c7bd7f93f6ebc01f4";		/* chain(A, B) */
static const char VABC[] = "sha256:82c0ed5f6c15be9b9180a8c04b9f2c676d74af6d"
	"b13c711f5bb47a0fa43b56df";		/* chain(chain(A, B), C) */

static char base[] = "/tmp/rocker-store-test.XXXXXX";
static int is_root;

/* ---- helpers ---- */

static const char *
P(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A path under the test's base directory (one of 4 rotating buffers). */
static const char *
P(const char *fmt, ...)
{
	static char buf[4][4096];
	static int i;
	char *b = buf[i++ & 3];
	size_t n;
	va_list ap;

	n = (size_t)snprintf(b, 4096, "%s/", base);
	va_start(ap, fmt);
	vsnprintf(b + n, 4096 - n, fmt, ap);
	va_end(ap);
	return b;
}

static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Entries of a directory, without "." and ".."; -1 if unreadable. */
static int
count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
digest_of(const void *buf, size_t len, char out[STORE_DIGEST_MAX])
{
	unsigned char dg[SHA256_LEN];
	char hex[SHA256_HEX_LEN + 1];

	sha256_buf(buf, len, dg);
	sha256_hex(dg, hex);
	snprintf(out, STORE_DIGEST_MAX, "sha256:%s", hex);
}

/* The diff id of a pretend layer named `seed`. */
static void
diff_of(const char *seed, char out[STORE_DIGEST_MAX])
{
	digest_of(seed, strlen(seed), out);
}

/* Write `len` bytes of 'x' to `name` in `dfd`; -1 (errno) on failure. */
static int
write_file(int dfd, const char *name, size_t len)
{
	static char chunk[65536];
	size_t n;
	ssize_t w;
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return -1;
	memset(chunk, 'x', sizeof(chunk));
	while (len) {
		n = len < sizeof(chunk) ? len : sizeof(chunk);
		w = write(fd, chunk, n);
		if (w < 0) {
			int saved = errno;

			close(fd);
			errno = saved;
			return -1;
		}
		len -= (size_t)w;
	}
	return close(fd);
}

/* A pretend extraction: etc/, etc/hostname, a symlink. */
static int
fake_extract(int dfd, const char *seed)
{
	if (mkdirat(dfd, "etc", 0755) < 0)
		return -1;
	if (write_file(dfd, "etc/hostname", 10) < 0)
		return -1;
	if (write_file(dfd, seed, 3) < 0)
		return -1;
	return symlinkat("etc/hostname", dfd, "link");
}

/* Commit layer diff_of(seed) on `parent`; its chain id into `chain`. */
static int
add_layer(struct store *s, const char *parent, const char *seed,
    char chain[STORE_DIGEST_MAX], struct err *e)
{
	struct store_layer_tx tx;
	struct store_layer_meta m;
	int r;

	memset(&m, 0, sizeof(m));
	diff_of(seed, m.diff_id);
	snprintf(m.parent, sizeof(m.parent), "%s", parent ? parent : "");
	m.size = 1234;
	m.compressed_size = -1;
	if (store_chain_id(parent, m.diff_id, chain, e) < 0)
		return -1;
	r = store_layer_begin(s, chain, &tx, e);
	if (r != 0)
		return r;
	if (fake_extract(tx.dirfd, seed) < 0) {
		store_layer_abort(s, &tx);
		return err_sys(e, "fake extract");
	}
	return store_layer_commit(s, &tx, &m, e);
}

/* Put a config blob made from `text`; its digest (the image id) in id. */
static int
add_config(struct store *s, const char *text, char id[STORE_DIGEST_MAX],
    struct err *e)
{
	digest_of(text, strlen(text), id);
	return store_blob_put(s, id, text, strlen(text), e);
}

/*
 * Run `fn` in a child process (so a crash or a mount cannot outlive it)
 * and add the child's check counts to ours.
 */
static void
in_child(void (*fn)(void), const char *what)
{
	int p[2], st, c[2] = { 0, 0 }, p0, f0;
	pid_t pid;

	fflush(stdout);
	if (pipe(p) < 0) {
		CHECK(0, "%s: pipe", what);
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		p0 = check_pass;
		f0 = check_fail;
		fn();
		c[0] = check_pass - p0;
		c[1] = check_fail - f0;
		fflush(stdout);
		if (write(p[1], c, sizeof(c)) != sizeof(c))
			_exit(3);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], c, sizeof(c)) != sizeof(c))
		c[0] = c[1] = 0;
	close(p[0]);
	waitpid(pid, &st, 0);
	check_pass += c[0];
	check_fail += c[1];
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: child finished "
	    "(status %d)", what, st);
}

/* ---- layout ---- */

static void
test_layout(void)
{
	static const char *const dirs[] = { "blobs", "blobs/sha256",
	    "blobs/sha512", "layers", "l", "images", "tmp", "ingest",
	    "locks", "rw" };
	struct store s;
	struct err e = ERR_INIT;
	struct stat st;
	size_t i;
	int ok = 1;

	CHECK(store_open(&s, P("layout/deep/root"), STORE_SHARED, E) == 0,
	    "open creates a new store (and its parents): %s", e.msg);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (stat(P("layout/deep/root/%s", dirs[i]), &st) < 0 ||
		    !S_ISDIR(st.st_mode) || (st.st_mode & 0777) != 0700)
			ok = 0;
	CHECK(ok, "layout directories exist, mode 0700");
	CHECK(stat(P("layout/deep/root"), &st) == 0 &&
	    (st.st_mode & 0777) == 0700, "root is mode 0700");
	CHECK(exists(P("layout/deep/root/lock")), "store-wide lock file");
	store_close(&s);
	store_close(&s);
	CHECK(store_open(&s, P("layout/deep/root"), STORE_SHARED, E) == 0,
	    "reopening an existing store: %s", e.msg);
	store_close(&s);
	CHECK(store_open(&s, "relative/root", STORE_SHARED, E) < 0 &&
	    e.code == ERR_USAGE, "a relative root is refused: %s", e.msg);
	store_close(&s);
}

/* ---- chain ids ---- */

static void
test_chain_id(void)
{
	char out[STORE_DIGEST_MAX], a[STORE_DIGEST_MAX], b[STORE_DIGEST_MAX];
	char c[STORE_DIGEST_MAX];
	struct err e = ERR_INIT;

	diff_of("layer-a", a);
	diff_of("layer-b", b);
	diff_of("layer-c", c);
	CHECK(strcmp(a, VA) == 0 && strcmp(b, VB) == 0 && strcmp(c, VC) == 0,
	    "diff id vectors");
	CHECK(store_chain_id(NULL, VA, out, E) == 0 && strcmp(out, VA) == 0,
	    "chain id of a base layer is its diff id");
	CHECK(store_chain_id("", VA, out, E) == 0 && strcmp(out, VA) == 0,
	    "empty parent is a base layer");
	CHECK(store_chain_id(VA, VB, out, E) == 0 && strcmp(out, VAB) == 0,
	    "chain(A, B) = sha256(\"A B\")");
	CHECK(store_chain_id(VAB, VC, out, E) == 0 &&
	    strcmp(out, VABC) == 0, "chain(chain(A, B), C)");
	CHECK(store_chain_id(NULL, "sha256:abc", out, E) < 0 &&
	    e.code == ERR_PARSE, "short digest refused: %s", e.msg);
	CHECK(store_chain_id(VA, "sha256:589F0D58B9053A4FF7329B8FDB4F9DD120E2"
	    "9354C086AD0B3B10733F6CFD6DE3", out, E) < 0,
	    "upper-case hex refused");
	CHECK(store_chain_id("md5:x", VA, out, E) < 0, "bad parent refused");
}

/* ---- blobs and ingest ---- */

static void
test_blobs(void)
{
	static const char text[] = "{\"architecture\":\"amd64\"}";
	struct store s;
	struct err e = ERR_INIT;
	char dg[STORE_DIGEST_MAX], d512[STORE_DIGEST_MAX], *buf = NULL;
	char hex[SHA512_HEX_LEN + 1], wrong[STORE_DIGEST_MAX];
	unsigned char raw[SHA512_LEN];
	struct stat st;
	size_t len = 0;
	int fd;

	if (store_open(&s, P("blobs"), STORE_SHARED, E) < 0) {
		CHECK(0, "open: %s", e.msg);
		return;
	}
	digest_of(text, strlen(text), dg);
	CHECK(!store_blob_exists(&s, dg), "blob absent at first");
	CHECK(store_blob_put(&s, dg, text, strlen(text), E) == 0,
	    "blob put: %s", e.msg);
	CHECK(store_blob_exists(&s, dg), "blob exists after put");
	CHECK(stat(P("blobs/blobs/sha256/%s", dg + 7), &st) == 0 &&
	    (st.st_mode & 0777) == 0444, "blob file is read-only");
	CHECK(store_blob_put(&s, dg, text, strlen(text), E) == 0,
	    "putting an existing blob succeeds");
	CHECK(store_blob_read(&s, dg, 1024, &buf, &len, E) == 0 &&
	    len == strlen(text) && strcmp(buf, text) == 0,
	    "blob read back: %s", e.msg);
	free(buf);
	CHECK(store_blob_read(&s, dg, 4, &buf, &len, E) < 0 &&
	    e.code == ERR_LIMIT && !buf, "blob read is capped: %s", e.msg);
	fd = store_blob_open(&s, dg, E);
	CHECK(fd >= 0, "blob open");
	if (fd >= 0)
		close(fd);

	snprintf(wrong, sizeof(wrong), "sha256:%064d", 0);
	CHECK(store_blob_put(&s, wrong, text, strlen(text), E) < 0 &&
	    e.code == ERR_DIGEST, "wrong digest refused: %s", e.msg);
	CHECK(!store_blob_exists(&s, wrong) &&
	    !exists(P("blobs/blobs/sha256/%s", wrong + 7)),
	    "nothing visible after a refused put");
	CHECK(count_dir(P("blobs/tmp")) == 0, "tmp/ is empty");
	CHECK(store_blob_open(&s, wrong, E) < 0 && e.code == ERR_NOTFOUND,
	    "opening a missing blob: %s", e.msg);
	CHECK(store_blob_put(&s, "sha256:../../etc/passwd", "", 0, E) < 0 &&
	    e.code == ERR_PARSE, "path-like digest refused: %s", e.msg);
	CHECK(!store_blob_exists(&s, "sha256:../x"), "exists() on a bad "
	    "digest is 0");

	sha512_buf(text, strlen(text), raw);
	sha512_hex(raw, hex);
	snprintf(d512, sizeof(d512), "sha512:%s", hex);
	CHECK(store_blob_put(&s, d512, text, strlen(text), E) == 0 &&
	    exists(P("blobs/blobs/sha512/%s", hex)), "sha512 blob put: %s",
	    e.msg);
	CHECK(store_blob_read(&s, d512, 1024, &buf, &len, E) == 0 &&
	    len == strlen(text), "sha512 blob read: %s", e.msg);
	free(buf);

	/* damage a blob behind the store's back */
	chmod(P("blobs/blobs/sha256/%s", dg + 7), 0644);
	fd = open(P("blobs/blobs/sha256/%s", dg + 7), O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "X", 1) != 1)
			CHECK(0, "damage the blob");
		close(fd);
	}
	CHECK(store_blob_read(&s, dg, 1024, &buf, &len, E) < 0 &&
	    e.code == ERR_DIGEST, "a damaged blob is detected: %s", e.msg);
	store_close(&s);
}

static void
test_ingest(void)
{
	static const char text[] = "0123456789abcdefghij";
	struct store s;
	struct store_ingest in, zero;
	struct err e = ERR_INIT;
	char dg[STORE_DIGEST_MAX], other[STORE_DIGEST_MAX];
	int p[2], st, r;
	pid_t pid;
	char c;

	if (store_open(&s, P("ingest"), STORE_SHARED, E) < 0) {
		CHECK(0, "open: %s", e.msg);
		return;
	}
	memset(&zero, 0, sizeof(zero));
	store_ingest_abort(&s, &zero, 0);
	CHECK(1, "abort on a zeroed ingest is safe");
	digest_of(text, strlen(text), dg);
	CHECK(store_ingest_open(&s, dg, &in, E) == 0 && in.offset == 0,
	    "ingest open: %s", e.msg);
	CHECK(write(in.fd, text, 8) == 8, "write the first part");
	store_ingest_abort(&s, &in, 1);
	CHECK(exists(P("ingest/ingest/%s.partial", dg + 7)),
	    "the partial is kept for resume");
	r = store_ingest_open(&s, dg, &in, E);
	CHECK(r == 0 && in.offset == 8, "resume reports 8 bytes: %lld",
	    (long long)in.offset);
	CHECK(write(in.fd, text + 8, strlen(text) - 8) ==
	    (ssize_t)strlen(text) - 8, "write the rest");

	/* a second puller waits for the lock, then finds the blob */
	if (pipe(p) < 0)
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct store s2;
		struct store_ingest in2;
		struct err e2 = ERR_INIT;

		close(p[0]);
		/* flock belongs to the open file: drop the parent's copy */
		close(in.fd);
		close(in.lockfd);
		store_close(&s);
		if (store_open(&s2, P("ingest"), STORE_SHARED, &e2) < 0)
			_exit(2);
		if (write(p[1], "r", 1) != 1)
			_exit(2);
		r = store_ingest_open(&s2, dg, &in2, &e2);
		_exit(r == 1 ? 0 : 1);
	}
	close(p[1]);
	CHECK(read(p[0], &c, 1) == 1, "second puller started");
	close(p[0]);
	usleep(200000);
	CHECK(waitpid(pid, &st, WNOHANG) == 0, "second puller waits for the "
	    "per-digest lock");
	CHECK(store_ingest_commit(&s, &in, E) == 0, "ingest commit: %s",
	    e.msg);
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "second puller then finds the blob there (1)");
	CHECK(store_blob_exists(&s, dg) &&
	    !exists(P("ingest/ingest/%s.partial", dg + 7)),
	    "blob committed, partial gone");

	digest_of("something else", 14, other);
	CHECK(store_ingest_open(&s, other, &in, E) == 0, "ingest open 2");
	CHECK(write(in.fd, "wrong", 5) == 5, "write wrong content");
	CHECK(store_ingest_commit(&s, &in, E) < 0 && e.code == ERR_DIGEST &&
	    !store_blob_exists(&s, other) &&
	    !exists(P("ingest/ingest/%s.partial", other + 7)),
	    "a wrong digest is refused and the partial removed: %s", e.msg);
	CHECK(!in.active, "ingest inactive after a failed commit");

	/* a stale partial (older than a day) is swept by store_open */
	CHECK(store_ingest_open(&s, other, &in, E) == 0, "ingest open 3");
	store_ingest_abort(&s, &in, 1);
	{
		struct timespec ts[2] = { { time(NULL) - 2 * 86400, 0 },
		    { time(NULL) - 2 * 86400, 0 } };

		utimensat(AT_FDCWD, P("ingest/ingest/%s.partial", other + 7),
		    ts, 0);
	}
	store_close(&s);
	CHECK(store_open(&s, P("ingest"), STORE_SHARED, E) == 0 &&
	    !exists(P("ingest/ingest/%s.partial", other + 7)),
	    "a partial idle for two days is swept");
	store_close(&s);
}

/* ---- layers: concurrency, crashes, commit marker ---- */

static void
test_layer_race(void)
{
	enum { N = 5 };
	struct store s;
	struct err e = ERR_INIT;
	pid_t pids[N];
	int go[2], i, st, extracted = 0, skipped = 0, other = 0;
	char diff[STORE_DIGEST_MAX], c;

	if (store_open(&s, P("race"), STORE_SHARED, E) < 0) {
		CHECK(0, "open: %s", e.msg);
		return;
	}
	store_close(&s);
	diff_of("layer-a", diff);
	if (pipe(go) < 0)
		return;
	fflush(stdout);
	for (i = 0; i < N; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			struct store s2;
			struct store_layer_tx tx;
			struct store_layer_meta m;
			struct err e2 = ERR_INIT;
			int r;

			close(go[1]);
			if (store_open(&s2, P("race"), STORE_SHARED, &e2) < 0)
				_exit(1);
			if (read(go[0], &c, 1) != 0)
				_exit(1);
			r = store_layer_begin(&s2, VA, &tx, &e2);
			if (r == 1)
				_exit(11);
			if (r < 0 || fake_extract(tx.dirfd, "a") < 0)
				_exit(1);
			usleep(300000);	/* let the others pile up */
			memset(&m, 0, sizeof(m));
			memcpy(m.diff_id, diff, sizeof(diff));
			m.size = 1;
			m.compressed_size = -1;
			if (store_layer_commit(&s2, &tx, &m, &e2) < 0)
				_exit(1);
			_exit(10);
		}
	}
	close(go[0]);
	close(go[1]);		/* everyone starts now */
	for (i = 0; i < N; i++) {
		waitpid(pids[i], &st, 0);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 10)
			extracted++;
		else if (WIFEXITED(st) && WEXITSTATUS(st) == 11)
			skipped++;
		else
			other++;
	}
	CHECK(extracted == 1 && skipped == N - 1 && other == 0,
	    "%d concurrent layer_begin: one extracts (%d), the others find "
	    "it there (%d), failures %d", N, extracted, skipped, other);
	CHECK(count_dir(P("race/layers")) == 1 && count_dir(P("race/l")) == 1,
	    "one layer directory, one l/ link");
	CHECK(count_dir(P("race/tmp")) == 0, "tmp/ is empty");
	CHECK(exists(P("race/layers/%s/diff/etc/hostname", VA + 7)) &&
	    exists(P("race/layers/%s/meta.json", VA + 7)) &&
	    exists(P("race/layers/%s/link", VA + 7)),
	    "layer has diff/, meta.json, link");
}

/* A child that begins a transaction, reports its staging name, waits. */
/* The l/ link of layer `chain` (from its link file), into `out`. */
static int
link_of(const char *root, const char *chain, char *out, size_t len)
{
	char path[4200];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/layers/%s/link", root, chain + 7);
	if (!(f = fopen(path, "r")))
		return -1;
	ok = fgets(out, (int)len, f) != NULL;
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
	return ok ? 0 : -1;
}

/* store_layer_drop_link(): a writer stopped between its link and its
 * rename leaves a link to no layer; the pull removes it afterwards. */
static void
test_drop_link(void)
{
	struct store s;
	struct store_layer_tx tx;
	struct err e = ERR_INIT;
	char root[4096], ca[STORE_DIGEST_MAX], cb[STORE_DIGEST_MAX];
	char la[64], lb[64], cmd[4300];

	snprintf(root, sizeof(root), "%s", P("droplink"));
	if (store_open(&s, root, STORE_SHARED, E) < 0 ||
	    add_layer(&s, NULL, "drop-a", ca, E) < 0 ||
	    add_layer(&s, NULL, "drop-b", cb, E) < 0 ||
	    link_of(root, ca, la, sizeof(la)) < 0 ||
	    link_of(root, cb, lb, sizeof(lb)) < 0) {
		CHECK(0, "drop link setup: %s", e.msg);
		store_close(&s);
		return;
	}
	/* B's layer gone, its link left: what a killed commit leaves. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/layers/%s'", root, cb + 7);
	if (system(cmd) != 0)
		CHECK(0, "remove layer b");
	/* While a transaction holds B, its link stays. */
	CHECK(store_layer_begin(&s, cb, &tx, E) == 0, "a transaction on b");
	store_layer_drop_link(&s, cb);
	CHECK(exists(P("droplink/l/%s", lb)),
	    "drop_link: kept while a transaction holds the layer");
	store_layer_abort(&s, &tx);
	store_layer_drop_link(&s, cb);
	CHECK(!exists(P("droplink/l/%s", lb)),
	    "drop_link: a link to no layer is removed");
	store_layer_drop_link(&s, ca);
	CHECK(exists(P("droplink/l/%s", la)) && store_layer_exists(&s, ca),
	    "drop_link: a committed layer's link stays");
	store_close(&s);
}

static pid_t
tx_child(const char *root, const char *chain, const char *seed,
    int report, int go)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct store s;
		struct store_layer_tx tx;
		struct store_layer_meta m;
		struct err e = ERR_INIT;
		char c;

		if (store_open(&s, root, STORE_SHARED, E) < 0 ||
		    store_layer_begin(&s, chain, &tx, E) != 0 ||
		    fake_extract(tx.dirfd, seed) < 0)
			_exit(1);
		if (write(report, tx.stage, sizeof(tx.stage)) !=
		    sizeof(tx.stage))
			_exit(1);
		if (read(go, &c, 1) != 1)
			pause();
		memset(&m, 0, sizeof(m));
		diff_of(seed, m.diff_id);
		m.compressed_size = -1;
		_exit(store_layer_commit(&s, &tx, &m, E) == 0 ? 0 : 1);
	}
	return pid;
}

static void
test_layer_crash(void)
{
	struct store s;
	struct store_layer_tx tx;
	struct err e = ERR_INIT;
	char root[4096], stage_a[32], stage_b[32], db[STORE_DIGEST_MAX];
	int rep[2], goa[2], gob[2], st;
	pid_t a, b;

	snprintf(root, sizeof(root), "%s", P("crash"));
	if (store_open(&s, root, STORE_SHARED, E) < 0) {
		CHECK(0, "open: %s", e.msg);
		return;
	}
	store_close(&s);
	diff_of("layer-b", db);
	if (pipe(rep) < 0 || pipe(goa) < 0 || pipe(gob) < 0)
		return;
	a = tx_child(root, VA, "layer-a", rep[1], goa[0]);
	CHECK(read(rep[0], stage_a, sizeof(stage_a)) == sizeof(stage_a),
	    "child A is extracting in %s", stage_a);
	b = tx_child(root, VB, "layer-b", rep[1], gob[0]);
	CHECK(read(rep[0], stage_b, sizeof(stage_b)) == sizeof(stage_b),
	    "child B is extracting in %s", stage_b);
	CHECK(exists(P("crash/%s/diff/etc/hostname", stage_a)) &&
	    exists(P("crash/%s.lock", stage_a)), "A's staging dir and lock");
	kill(a, SIGKILL);
	waitpid(a, &st, 0);
	CHECK(WIFSIGNALED(st), "child A killed with SIGKILL mid-transaction");

	CHECK(store_open(&s, root, STORE_SHARED, E) == 0, "reopen: %s",
	    e.msg);
	CHECK(!exists(P("crash/%s", stage_a)) &&
	    !exists(P("crash/%s.lock", stage_a)),
	    "store_open swept the dead child's staging dir");
	CHECK(exists(P("crash/%s/diff/etc/hostname", stage_b)) &&
	    exists(P("crash/%s.lock", stage_b)),
	    "... but not the live child's");
	CHECK(!store_layer_exists(&s, VA) &&
	    !exists(P("crash/layers/%s", VA + 7)),
	    "no layer from the killed transaction");
	CHECK(store_layer_begin(&s, VA, &tx, E) == 0,
	    "the dead child's layer lock is free again: %s", e.msg);
	store_layer_abort(&s, &tx);
	if (write(gob[1], "g", 1) != 1)
		CHECK(0, "tell B to go");
	waitpid(b, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "the live child commits after the sweep");
	CHECK(store_layer_exists(&s, VB), "B's layer is there");
	CHECK(count_dir(P("crash/tmp")) == 0, "tmp/ is empty at the end");
	store_close(&s);
	close(rep[0]);
	close(rep[1]);
	close(goa[0]);
	close(goa[1]);
	close(gob[0]);
	close(gob[1]);
}

static void
test_layer_marker(void)
{
	struct store s;
	struct store_layer_tx tx, zero;
	struct store_layer_meta m;
	struct err e = ERR_INIT;
	char chain[STORE_DIGEST_MAX], link[256], want[256];
	ssize_t n;

	if (store_open(&s, P("marker"), STORE_SHARED, E) < 0) {
		CHECK(0, "open: %s", e.msg);
		return;
	}
	memset(&zero, 0, sizeof(zero));
	store_layer_abort(&s, &zero);
	CHECK(1, "abort on a zeroed transaction is safe");

	/* a layer directory without meta.json (as if written by hand) */
	mkdir(P("marker/layers/%s", VA + 7), 0700);
	mkdir(P("marker/layers/%s/diff", VA + 7), 0755);
	write_file(AT_FDCWD, P("marker/layers/%s/diff/junk", VA + 7), 5);
	CHECK(!store_layer_exists(&s, VA), "a layer without meta.json does "
	    "not exist");
	store_close(&s);
	CHECK(store_open(&s, P("marker"), STORE_SHARED, E) == 0 &&
	    !exists(P("marker/layers/%s", VA + 7)),
	    "store_open sweeps a layer directory without meta.json");

	mkdir(P("marker/layers/%s", VA + 7), 0700);
	CHECK(store_layer_begin(&s, VA, &tx, E) == 0 &&
	    !exists(P("marker/layers/%s", VA + 7)),
	    "layer_begin replaces an uncommitted directory: %s", e.msg);
	store_layer_abort(&s, &tx);
	CHECK(count_dir(P("marker/tmp")) == 0 &&
	    count_dir(P("marker/layers")) == 0, "abort leaves nothing");

	CHECK(add_layer(&s, NULL, "layer-a", chain, E) == 0 &&
	    strcmp(chain, VA) == 0, "commit base layer A: %s", e.msg);
	CHECK(add_layer(&s, NULL, "layer-a", chain, E) == 1,
	    "begin on a committed layer says 1");
	CHECK(store_layer_get(&s, VA, &m, E) == 0 &&
	    strcmp(m.diff_id, VA) == 0 && !m.parent[0] && m.size == 1234 &&
	    m.compressed_size == -1 && strcmp(m.whiteouts, "overlay") == 0 &&
	    m.created > 0 && strlen(m.link) == STORE_SHORT_LEN,
	    "meta.json read back: %s", e.msg);
	n = readlink(P("marker/l/%s", m.link), link, sizeof(link) - 1);
	if (n >= 0)
		link[n] = '\0';
	snprintf(want, sizeof(want), "../layers/%s/diff", VA + 7);
	CHECK(n > 0 && strcmp(link, want) == 0, "l/%s -> %s", m.link,
	    n > 0 ? link : "?");
	CHECK(exists(P("marker/l/%s/etc/hostname", m.link)),
	    "the short link reaches the diff");

	/* commit checks */
	memset(&m, 0, sizeof(m));
	diff_of("layer-b", m.diff_id);
	CHECK(store_layer_begin(&s, VAB, &tx, E) == 0, "begin AB");
	CHECK(store_layer_commit(&s, &tx, &m, E) < 0 && e.code == ERR_DIGEST,
	    "commit refuses meta whose chain id differs: %s", e.msg);
	CHECK(!tx.active && count_dir(P("marker/tmp")) == 0,
	    "a failed commit cleans up");
	memcpy(m.parent, VC, sizeof(VC));
	CHECK(store_layer_begin(&s, VABC, &tx, E) == 0, "begin ABC");
	memcpy(m.parent, VAB, sizeof(VAB));
	diff_of("layer-c", m.diff_id);
	CHECK(store_layer_commit(&s, &tx, &m, E) < 0 &&
	    e.code == ERR_NOTFOUND, "commit refuses a missing parent: %s",
	    e.msg);
	CHECK(add_layer(&s, VA, "layer-b", chain, E) == 0 &&
	    strcmp(chain, VAB) == 0, "commit AB on A: %s", e.msg);
	CHECK(store_layer_get(&s, VAB, &m, E) == 0 &&
	    strcmp(m.parent, VA) == 0, "AB's parent is A");
	store_close(&s);
}

/* ---- images ---- */

static void
test_images(void)
{
	struct store s;
	struct store_image img, got, *list;
	struct store_image_layer layers[2];
	struct err e = ERR_INIT;
	char id1[STORE_DIGEST_MAX], id2[STORE_DIGEST_MAX];
	char chain[STORE_DIGEST_MAX], man[STORE_DIGEST_MAX];
	char dref[STORE_REF_MAX], was[STORE_DIGEST_MAX], pre[16], *rec;
	char *tags1[] = { "docker.io/library/busybox:latest",
	    "docker.io/library/busybox:1.36" };
	char *tags2[] = { "docker.io/library/busybox:latest" };
	char *digs[1];
	size_t n, len;

	if (store_open(&s, P("images"), STORE_SHARED, E) < 0) {
		CHECK(0, "open: %s", e.msg);
		return;
	}
	if (add_layer(&s, NULL, "layer-a", chain, E) < 0 ||
	    add_layer(&s, VA, "layer-b", chain, E) < 0 ||
	    add_config(&s, "{\"config\":1}", id1, E) < 0 ||
	    add_config(&s, "{\"config\":2}", id2, E) < 0) {
		CHECK(0, "setup: %s", e.msg);
		store_close(&s);
		return;
	}
	digest_of("manifest-1", 10, man);
	snprintf(dref, sizeof(dref), "docker.io/library/busybox@%s", man);
	digs[0] = dref;
	memcpy(layers[0].chain_id, VA, sizeof(VA));
	memcpy(layers[0].diff_id, VA, sizeof(VA));
	memcpy(layers[1].chain_id, VAB, sizeof(VAB));
	memcpy(layers[1].diff_id, VB, sizeof(VB));
	memset(&img, 0, sizeof(img));
	memcpy(img.id, id1, sizeof(id1));
	memcpy(img.manifest, man, sizeof(man));
	img.tags = tags1;
	img.ntags = 2;
	img.digests = digs;
	img.ndigests = 1;
	img.layers = layers;
	img.nlayers = 2;
	snprintf(img.created, sizeof(img.created), "2024-01-02T03:04:05Z");
	snprintf(img.os, sizeof(img.os), "linux");
	snprintf(img.arch, sizeof(img.arch), "amd64");
	img.size = 4321;
	CHECK(store_image_put(&s, &img, E) == 0, "image put: %s", e.msg);
	CHECK(exists(P("images/images/%s.json", id1 + 7)) &&
	    exists(P("images/repositories.json")), "record and refs written");

	CHECK(store_image_get(&s, id1, &got, E) == 0 && got.ntags == 2 &&
	    got.ndigests == 1 && got.nlayers == 2 &&
	    strcmp(got.layers[1].chain_id, VAB) == 0 &&
	    strcmp(got.manifest, man) == 0 && strcmp(got.os, "linux") == 0 &&
	    strcmp(got.arch, "amd64") == 0 && got.size == 4321 &&
	    got.stored > 0, "get by full id: %s", e.msg);
	CHECK(got.ntags == 2 && strcmp(got.tags[0],
	    "docker.io/library/busybox:1.36") == 0,
	    "tags come back sorted");
	store_image_free(&got);
	CHECK(store_image_get(&s, id1 + 7, &got, E) == 0 &&
	    strcmp(got.id, id1) == 0, "get by hex id");
	store_image_free(&got);
	snprintf(pre, sizeof(pre), "%.12s", id1 + 7);
	CHECK(store_image_get(&s, pre, &got, E) == 0 &&
	    strcmp(got.id, id1) == 0, "get by 12-char prefix %s", pre);
	store_image_free(&got);
	snprintf(pre, sizeof(pre), "sha256:%.5s", id1 + 7);
	CHECK(store_image_get(&s, pre, &got, E) == 0 &&
	    strcmp(got.id, id1) == 0, "get by sha256:prefix");
	store_image_free(&got);
	CHECK(store_image_get(&s, "docker.io/library/busybox:1.36", &got,
	    E) == 0 && strcmp(got.id, id1) == 0, "get by tag");
	store_image_free(&got);
	CHECK(store_image_get(&s, dref, &got, E) == 0 &&
	    strcmp(got.id, id1) == 0, "get by repo@digest");
	store_image_free(&got);
	CHECK(store_image_get(&s, "docker.io/library/nope:latest", &got,
	    E) < 0 && e.code == ERR_NOTFOUND, "unknown reference: %s",
	    e.msg);
	CHECK(store_image_get(&s, "ffffffffffff", &got, E) < 0 &&
	    e.code == ERR_NOTFOUND, "unknown prefix: %s", e.msg);

	/* puts that must be refused */
	img.layers = layers + 1;
	img.nlayers = 1;
	CHECK(store_image_put(&s, &img, E) < 0 && e.code == ERR_DIGEST,
	    "a chain that does not follow from its diff ids: %s", e.msg);
	img.layers = layers;
	img.nlayers = 2;
	img.id[10] ^= 1;
	CHECK(store_image_put(&s, &img, E) < 0 && e.code == ERR_NOTFOUND,
	    "an image whose config blob is missing: %s", e.msg);
	img.id[10] ^= 1;
	img.tags = digs;
	img.ntags = 1;
	CHECK(store_image_put(&s, &img, E) < 0 && e.code == ERR_PARSE,
	    "a digest reference given as a tag: %s", e.msg);

	/* a tag moves to a newer image */
	memcpy(img.id, id2, sizeof(id2));
	img.manifest[0] = '\0';
	img.tags = tags2;
	img.ntags = 1;
	img.ndigests = 0;
	img.nlayers = 1;
	CHECK(store_image_put(&s, &img, E) == 0, "put image 2 with "
	    ":latest: %s", e.msg);
	CHECK(store_image_get(&s, "docker.io/library/busybox:latest", &got,
	    E) == 0 && strcmp(got.id, id2) == 0, ":latest now names image 2");
	store_image_free(&got);
	CHECK(store_image_get(&s, id1, &got, E) == 0 && got.ntags == 1 &&
	    strcmp(got.tags[0], "docker.io/library/busybox:1.36") == 0 &&
	    got.ndigests == 1, "image 1 lost :latest, kept :1.36 and digest");
	store_image_free(&got);
	rec = NULL;
	{
		FILE *f = fopen(P("images/images/%s.json", id1 + 7), "r");

		rec = calloc(1, 65536);
		if (f && rec) {
			len = fread(rec, 1, 65535, f);
			rec[len] = '\0';
		}
		if (f)
			fclose(f);
	}
	CHECK(rec && strstr(rec, "busybox:1.36") && !strstr(rec, ":latest"),
	    "image 1's record file was rewritten without :latest");
	free(rec);

	CHECK(store_image_list(&s, &list, &n, E) == 0 && n == 2 &&
	    strcmp(list[0].id, list[1].id) < 0, "list: 2 images, sorted");
	store_image_list_free(list, n);

	/* untag */
	CHECK(store_ref_remove(&s, "docker.io/library/busybox:1.36", was,
	    E) == 0 && strcmp(was, id1) == 0, "untag :1.36: %s", e.msg);
	CHECK(store_image_get(&s, "docker.io/library/busybox:1.36", &got,
	    E) < 0 && e.code == ERR_NOTFOUND, "the tag is gone");
	CHECK(store_image_get(&s, id1, &got, E) == 0 && got.ntags == 0 &&
	    got.ndigests == 1, "image 1 stays, untagged");
	store_image_free(&got);
	CHECK(store_ref_remove(&s, "docker.io/library/busybox:1.36", NULL,
	    E) < 0 && e.code == ERR_NOTFOUND, "untag twice: %s", e.msg);

	/* remove */
	CHECK(store_image_remove(&s, id1, E) < 0 && e.code == ERR_USAGE,
	    "remove needs the exclusive lock: %s", e.msg);
	store_close(&s);
	if (store_open(&s, P("images"), STORE_EXCLUSIVE, E) < 0) {
		CHECK(0, "open exclusive: %s", e.msg);
		return;
	}
	CHECK(store_image_remove(&s, id1, E) == 0, "remove image 1: %s",
	    e.msg);
	CHECK(store_image_get(&s, id1, &got, E) < 0 && e.code ==
	    ERR_NOTFOUND && store_image_get(&s, dref, &got, E) < 0,
	    "image 1 and its digest reference are gone");
	CHECK(store_image_remove(&s, id1, E) < 0 && e.code == ERR_NOTFOUND,
	    "removing it again: %s", e.msg);
	CHECK(store_image_list(&s, &list, &n, E) == 0 && n == 1 &&
	    strcmp(list[0].id, id2) == 0 && list[0].ntags == 1,
	    "list: image 2 is left");
	store_image_list_free(list, n);
	CHECK(store_blob_exists(&s, id1) && store_layer_exists(&s, VAB),
	    "its blobs and layers wait for GC");
	store_close(&s);
}

static void
test_ambiguous(void)
{
	struct store s;
	struct store_image img, got;
	struct err e = ERR_INIT;
	char ids[17][STORE_DIGEST_MAX], text[64], pre[2] = { 0, 0 };
	int i, j, found = 0;

	if (store_open(&s, P("ambig"), STORE_SHARED, E) < 0) {
		CHECK(0, "open: %s", e.msg);
		return;
	}
	memset(&img, 0, sizeof(img));
	/* 17 ids: two of them must share their first hex digit */
	for (i = 0; i < 17; i++) {
		snprintf(text, sizeof(text), "{\"n\":%d}", i);
		if (add_config(&s, text, ids[i], E) < 0)
			break;
		memcpy(img.id, ids[i], sizeof(img.id));
		if (store_image_put(&s, &img, E) < 0)
			break;
		for (j = 0; j < i && !found; j++)
			if (ids[j][7] == ids[i][7]) {
				pre[0] = ids[i][7];
				found = 1;
			}
	}
	CHECK(i == 17 && found, "17 images without layers: %s", e.msg);
	CHECK(store_image_get(&s, pre, &got, E) < 0 && e.code == ERR_USAGE &&
	    strstr(e.msg, "ambiguous"), "prefix \"%s\" is ambiguous: %s", pre,
	    e.msg);
	store_close(&s);
}

/* ---- GC ---- */

static void
test_gc(void)
{
	struct store s;
	struct store_image img, got;
	struct store_image_layer layers[2];
	struct store_gc_stats st;
	struct store_layer_meta mu, mh;
	struct err e = ERR_INIT;
	char id[STORE_DIGEST_MAX], id2[STORE_DIGEST_MAX];
	char man[STORE_DIGEST_MAX], idx[STORE_DIGEST_MAX];
	char orphan[STORE_DIGEST_MAX], dref[STORE_REF_MAX];
	char c, ch[STORE_DIGEST_MAX], cu[STORE_DIGEST_MAX];
	char cp[STORE_DIGEST_MAX], cpq[STORE_DIGEST_MAX];
	char chd[STORE_DIGEST_MAX];
	char *tags[] = { "r.example/app:1" }, *tags2[] = { "r.example/gone:1" };
	char *digs[1];
	const char *pinned[1];
	int hold[2], stt;
	pid_t holder;

	if (store_open(&s, P("gc"), STORE_SHARED, E) < 0) {
		CHECK(0, "open: %s", e.msg);
		return;
	}
	CHECK(store_gc(&s, NULL, 0, &st, E) < 0 && e.code == ERR_USAGE,
	    "gc needs the exclusive lock: %s", e.msg);
	if (add_layer(&s, NULL, "layer-a", ch, E) < 0 ||
	    add_layer(&s, VA, "layer-b", ch, E) < 0 ||
	    add_layer(&s, NULL, "layer-u", cu, E) < 0 ||
	    add_layer(&s, NULL, "layer-p", cp, E) < 0 ||
	    add_layer(&s, cp, "layer-q", cpq, E) < 0 ||
	    add_layer(&s, NULL, "layer-h", chd, E) < 0 ||
	    add_config(&s, "{\"gc\":1}", id, E) < 0 ||
	    add_config(&s, "{\"gc\":2}", id2, E) < 0 ||
	    add_config(&s, "manifest", man, E) < 0 ||
	    add_config(&s, "index", idx, E) < 0 ||
	    add_config(&s, "orphan", orphan, E) < 0 ||
	    store_layer_get(&s, cu, &mu, E) < 0 ||
	    store_layer_get(&s, chd, &mh, E) < 0) {
		CHECK(0, "setup: %s", e.msg);
		store_close(&s);
		return;
	}
	snprintf(dref, sizeof(dref), "r.example/app@%s", idx);
	digs[0] = dref;
	memcpy(layers[0].chain_id, VA, sizeof(VA));
	memcpy(layers[0].diff_id, VA, sizeof(VA));
	memcpy(layers[1].chain_id, VAB, sizeof(VAB));
	memcpy(layers[1].diff_id, VB, sizeof(VB));
	memset(&img, 0, sizeof(img));
	memcpy(img.id, id, sizeof(id));
	memcpy(img.manifest, man, sizeof(man));
	img.tags = tags;
	img.ntags = 1;
	img.digests = digs;
	img.ndigests = 1;
	img.layers = layers;
	img.nlayers = 2;
	CHECK(store_image_put(&s, &img, E) == 0, "put image: %s", e.msg);
	/* an image whose record is lost: its reference is dangling */
	memset(&img, 0, sizeof(img));
	memcpy(img.id, id2, sizeof(id2));
	img.tags = tags2;
	img.ntags = 1;
	CHECK(store_image_put(&s, &img, E) == 0 &&
	    unlink(P("gc/images/%s.json", id2 + 7)) == 0,
	    "put image 2, then lose its record");
	CHECK(symlink("../layers/00000000000000000000000000000000000000000000"
	    "00000000000000000000/diff", P("gc/l/AAAAAAAAAAAAAAAAAAAAAAAAAA"))
	    == 0, "a dangling l/ link");
	store_close(&s);

	/* a transaction in progress elsewhere holds layer H's lock */
	if (pipe(hold) < 0)
		return;
	fflush(stdout);
	holder = fork();
	if (holder == 0) {
		int fd = open(P("gc/locks/layer-%s", chd + 7), O_RDWR |
		    O_CREAT, 0600);

		if (fd < 0 || flock(fd, LOCK_EX) < 0 ||
		    write(hold[1], "h", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	CHECK(read(hold[0], &c, 1) == 1, "a process holds layer H's lock");

	if (store_open(&s, P("gc"), STORE_EXCLUSIVE, E) < 0) {
		CHECK(0, "open exclusive: %s", e.msg);
		kill(holder, SIGKILL);
		waitpid(holder, &stt, 0);
		return;
	}
	pinned[0] = cpq;
	CHECK(store_gc(&s, pinned, 1, &st, E) == 0, "gc: %s", e.msg);
	printf("# gc removed %u blobs, %u layers, %u links, %u refs, "
	    "%u locks, %llu bytes\n", st.blobs, st.layers, st.links, st.refs,
	    st.locks, (unsigned long long)st.bytes);
	CHECK(store_layer_exists(&s, VA) && store_layer_exists(&s, VAB),
	    "the image's layers are kept");
	CHECK(store_layer_exists(&s, cpq) && store_layer_exists(&s, cp),
	    "a pinned layer and its parent are kept");
	CHECK(store_layer_exists(&s, chd), "a layer whose lock is held is "
	    "kept");
	CHECK(!store_layer_exists(&s, cu) && !exists(P("gc/layers/%s",
	    cu + 7)) && !exists(P("gc/l/%s", mu.link)),
	    "an unreferenced layer and its l/ link are removed");
	CHECK(store_blob_exists(&s, id) && store_blob_exists(&s, man) &&
	    store_blob_exists(&s, idx), "config, manifest and the "
	    "repo@digest blob are kept");
	CHECK(!store_blob_exists(&s, orphan) && !store_blob_exists(&s, id2),
	    "unreferenced blobs are removed");
	CHECK(!exists(P("gc/l/AAAAAAAAAAAAAAAAAAAAAAAAAA")),
	    "the dangling link is removed");
	CHECK(st.layers == 1 && st.blobs == 2 && st.links == 1 &&
	    st.refs == 1 && st.bytes > 0, "gc stats");
	CHECK(store_image_get(&s, "r.example/gone:1", &got, E) < 0,
	    "the reference to the lost record is dropped");
	CHECK(store_image_get(&s, "r.example/app:1", &got, E) == 0 &&
	    got.ndigests == 1, "the image is intact");
	store_image_free(&got);
	CHECK(count_dir(P("gc/l")) == 5 && count_dir(P("gc/layers")) == 5 &&
	    count_dir(P("gc/tmp")) == 0, "5 layers, 5 links, empty tmp/");
	kill(holder, SIGKILL);
	waitpid(holder, &stt, 0);
	CHECK(store_gc(&s, NULL, 0, &st, E) == 0 && st.layers == 3 &&
	    !store_layer_exists(&s, chd) && !store_layer_exists(&s, cpq) &&
	    !store_layer_exists(&s, cp), "with the lock and the pin gone, "
	    "gc removes those layers too: %s", e.msg);
	CHECK(count_dir(P("gc/l")) == 2 && count_dir(P("gc/layers")) == 2,
	    "2 layers, 2 links left");
	close(hold[0]);
	close(hold[1]);
	store_close(&s);
}

/* ---- overlay options, rw layers, a real 127-layer mount ---- */

static void
mount_127(void)
{
	char opts[4096], chains[127][STORE_DIGEST_MAX], seed[32];
	char name[16], mnt[4096];
	const char *v[127];
	struct store s;
	struct store_layer_tx tx;
	struct store_layer_meta m;
	struct err e = ERR_INIT;
	struct stat st;
	int i, r, ok = 1;

	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		CHECK(0, "private mount namespace");
		return;
	}
	if (store_open(&s, P("ovl"), STORE_SHARED, E) < 0) {
		CHECK(0, "open: %s", e.msg);
		return;
	}
	for (i = 0; i < 127 && ok; i++) {
		memset(&m, 0, sizeof(m));
		snprintf(seed, sizeof(seed), "mnt-%d", i);
		diff_of(seed, m.diff_id);
		if (i)
			memcpy(m.parent, chains[i - 1], sizeof(m.parent));
		m.compressed_size = -1;
		if (store_chain_id(i ? chains[i - 1] : NULL, m.diff_id,
		    chains[i], E) < 0 ||
		    store_layer_begin(&s, chains[i], &tx, E) != 0) {
			ok = 0;
			break;
		}
		snprintf(name, sizeof(name), "f%d", i);
		if (write_file(tx.dirfd, name, 1) < 0)
			ok = 0;
		/* the top layer deletes f0 with an overlay whiteout */
		if (i == 126 && mknodat(tx.dirfd, "f0", S_IFCHR, makedev(0,
		    0)) < 0)
			ok = 0;
		if (store_layer_commit(&s, &tx, &m, E) < 0)
			ok = 0;
		v[i] = chains[i];
	}
	CHECK(ok, "127 layers committed: %s", e.msg);
	if (!ok)
		return;
	CHECK(store_rw_create(&s, "ctr127", E) == 0, "rw layer: %s", e.msg);
	r = store_overlay_opts(&s, v, 127, "ctr127", opts, sizeof(opts), E);
	CHECK(r == 0, "options for 127 layers fit a page (%zu bytes)",
	    strlen(opts));
	snprintf(mnt, sizeof(mnt), "%s", P("ovl/rw/ctr127/merged"));
	if (fchdir(s.rootfd) < 0 || mount("overlay", mnt, "overlay", 0,
	    opts) < 0) {
		CHECK(0, "mount 127 layers with relative paths: %s",
		    strerror(errno));
		return;
	}
	CHECK(1, "mounted 127 layers with relative paths");
	CHECK(stat(P("ovl/rw/ctr127/merged/f1"), &st) == 0 &&
	    stat(P("ovl/rw/ctr127/merged/f125"), &st) == 0,
	    "files from the bottom and top layers are visible");
	CHECK(stat(P("ovl/rw/ctr127/merged/f0"), &st) < 0 && errno == ENOENT,
	    "the top layer's whiteout hides f0");
	CHECK(write_file(AT_FDCWD, P("ovl/rw/ctr127/merged/new"), 3) == 0 &&
	    exists(P("ovl/rw/ctr127/upper/new")), "writes go to upper");
	CHECK(store_rw_remove(&s, "ctr127", E) < 0,
	    "rw_remove refuses while merged is mounted: %s", e.msg);
	CHECK(umount2(mnt, 0) == 0, "unmount");
	CHECK(store_rw_remove(&s, "ctr127", E) == 0 &&
	    !exists(P("ovl/rw/ctr127")), "rw_remove after unmount: %s",
	    e.msg);
	store_close(&s);
}

static void
test_overlay_opts(void)
{
	struct store s;
	struct store_layer_meta ma, mab, mabc;
	struct err e = ERR_INIT;
	char chain[STORE_DIGEST_MAX], opts[4096], want[4096];
	char many[140][STORE_DIGEST_MAX], seed[32];
	const char *v[140];
	int i, ok = 1;

	if (store_open(&s, P("ovl"), STORE_SHARED, E) < 0) {
		CHECK(0, "open: %s", e.msg);
		return;
	}
	if (add_layer(&s, NULL, "layer-a", chain, E) < 0 ||
	    add_layer(&s, VA, "layer-b", chain, E) < 0 ||
	    add_layer(&s, VAB, "layer-c", chain, E) < 0 ||
	    store_layer_get(&s, VA, &ma, E) < 0 ||
	    store_layer_get(&s, VAB, &mab, E) < 0 ||
	    store_layer_get(&s, VABC, &mabc, E) < 0) {
		CHECK(0, "setup: %s", e.msg);
		store_close(&s);
		return;
	}
	v[0] = VA;
	v[1] = VAB;
	v[2] = VABC;
	snprintf(want, sizeof(want), "lowerdir=l/%s:l/%s:l/%s,upperdir=rw/c1/"
	    "upper,workdir=rw/c1/work", mabc.link, mab.link, ma.link);
	CHECK(store_overlay_opts(&s, v, 3, "c1", opts, sizeof(opts), E) == 0
	    && strcmp(opts, want) == 0, "overlay options: %s", opts);
	unlink(P("ovl/l/%s", ma.link));
	CHECK(store_overlay_opts(&s, v, 1, NULL, opts, sizeof(opts), E) == 0
	    && exists(P("ovl/l/%s/etc/hostname", ma.link)),
	    "a missing l/ link is recreated: %s", opts);
	CHECK(store_overlay_opts(&s, v, 3, "../x", opts, sizeof(opts), E) < 0
	    && e.code == ERR_PARSE, "a bad rw id is refused: %s", e.msg);
	v[1] = VB;
	CHECK(store_overlay_opts(&s, v, 3, NULL, opts, sizeof(opts), E) < 0
	    && e.code == ERR_NOTFOUND, "a missing layer: %s", e.msg);

	CHECK(store_rw_create(&s, "c1", E) == 0 &&
	    exists(P("ovl/rw/c1/upper")) && exists(P("ovl/rw/c1/work")) &&
	    exists(P("ovl/rw/c1/merged")), "rw layer created: %s", e.msg);
	CHECK(store_rw_create(&s, "c1", E) < 0 && e.code == EEXIST,
	    "an rw layer is never reused: %s", e.msg);
	CHECK(store_rw_create(&s, "../evil", E) < 0, "bad rw id refused");
	CHECK(store_rw_remove(&s, "c1", E) == 0 && !exists(P("ovl/rw/c1")),
	    "rw layer removed");

	/* 140 layers do not fit one page of mount data */
	for (i = 0; i < 140 && ok; i++) {
		snprintf(seed, sizeof(seed), "many-%d", i);
		if (add_layer(&s, i ? many[i - 1] : NULL, seed, many[i],
		    E) < 0)
			ok = 0;
		v[i] = many[i];
	}
	CHECK(ok, "140 layers committed: %s", e.msg);
	CHECK(store_overlay_opts(&s, v, 140, "c2", opts, sizeof(opts),
	    E) < 0 && e.code == ERR_LIMIT && strstr(e.msg, "lowerdir+"),
	    "140 layers: %s", e.msg);
	CHECK(store_overlay_opts(&s, v, 501, NULL, opts, sizeof(opts),
	    E) < 0 && e.code == ERR_LIMIT, "more than 500 layers: %s",
	    e.msg);
	store_close(&s);
	if (is_root)
		in_child(mount_127, "127-layer overlay mount");
	else
		printf("skip - 127-layer overlay mount: needs root\n");
}

/* ---- driver probe ---- */

static int
kernel_has_overlay(void)
{
	char line[256];
	FILE *f = fopen("/proc/filesystems", "r");
	int found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "\toverlay\n"))
			found = 1;
	fclose(f);
	return found;
}

static void
test_probe(void)
{
	struct store s;
	struct err e = ERR_INIT;
	char why[STORE_REASON_MAX], line[256];
	FILE *f;
	int d, d2, leaked = 0;

	if (store_open(&s, P("probe"), STORE_SHARED, E) < 0) {
		CHECK(0, "open: %s", e.msg);
		return;
	}
	d = store_probe_driver(&s, NULL, why, sizeof(why), E);
	printf("# probe on %s: %s (%s)\n", base, store_driver_name(d),
	    d < 0 ? e.msg : why);
	CHECK(d == STORE_DRIVER_OVERLAY || d == STORE_DRIVER_COPY,
	    "probe answers: %s", why);
	if (is_root && kernel_has_overlay())
		CHECK(d == STORE_DRIVER_OVERLAY, "root, overlay in the kernel, "
		    "ext4/tmpfs store: overlay");
	else
		printf("skip - overlay expected: not root or no overlay\n");
	CHECK(exists(P("probe/driver")), "the answer is cached");
	CHECK(count_dir(P("probe/tmp")) == 0, "the probe cleans up tmp/");
	f = fopen("/proc/self/mountinfo", "r");
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, base))
			leaked = 1;
	if (f)
		fclose(f);
	CHECK(!leaked, "no mount left behind");

	/* the cache is used: plant a recognisable reason */
	f = fopen(P("probe/driver"), "r");
	if (f) {
		char buf[1024], uts[128] = "";
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		char *k;

		buf[n] = '\0';
		fclose(f);
		k = strstr(buf, "\"kernel\": \"");
		if (k)
			snprintf(uts, sizeof(uts), "%.*s",
			    (int)strcspn(k + 11, "\""), k + 11);
		f = fopen(P("probe/driver"), "w");
		if (f) {
			fprintf(f, "{\"driver\": \"copy\", \"reason\": "
			    "\"planted\", \"kernel\": \"%s\"}", uts);
			fclose(f);
		}
	}
	d2 = store_probe_driver(&s, NULL, why, sizeof(why), E);
	CHECK(d2 == STORE_DRIVER_COPY && strcmp(why, "planted") == 0,
	    "a cached answer is reused: %s", why);
	f = fopen(P("probe/driver"), "w");
	if (f) {
		fputs("{\"driver\": \"copy\", \"reason\": \"planted\", "
		    "\"kernel\": \"0.0-old\"}", f);
		fclose(f);
	}
	d2 = store_probe_driver(&s, NULL, why, sizeof(why), E);
	CHECK(d2 == d && strcmp(why, "planted") != 0,
	    "a new kernel release probes again: %s", why);

	CHECK(store_probe_driver(&s, "copy", why, sizeof(why), E) ==
	    STORE_DRIVER_COPY && strstr(why, "storage-driver"),
	    "forced copy: %s", why);
	CHECK(store_probe_driver(&s, "overlay", why, sizeof(why), E) ==
	    STORE_DRIVER_OVERLAY, "forced overlay: %s", why);
	CHECK(store_probe_driver(&s, "zfs", why, sizeof(why), E) < 0 &&
	    e.code == ERR_USAGE, "unknown forced driver: %s", e.msg);
	store_close(&s);
}

/* ---- a full disk ---- */

static void
full_disk(void)
{
	struct store s;
	struct store_layer_tx tx;
	struct store_layer_meta m;
	struct err e = ERR_INIT;
	char tiny[4096], root[4200], chain[STORE_DIGEST_MAX];
	char why[STORE_REASON_MAX], dg[STORE_DIGEST_MAX], *big;
	int r, d, i, fd;

	snprintf(tiny, sizeof(tiny), "%s", P("tiny"));
	snprintf(root, sizeof(root), "%s/store", tiny);
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mkdir(tiny, 0700) < 0 ||
	    mount("tmpfs", tiny, "tmpfs", 0, "size=1m") < 0) {
		CHECK(0, "a 1 MiB tmpfs: %s", strerror(errno));
		return;
	}
	CHECK(store_open(&s, root, STORE_SHARED, E) == 0,
	    "store on a 1 MiB tmpfs: %s", e.msg);

	d = store_probe_driver(&s, NULL, why, sizeof(why), E);
	printf("# probe on tmpfs: %s (%s)\n", store_driver_name(d),
	    d < 0 ? e.msg : why);
	CHECK(d > 0, "probe on tmpfs answers");

	/* the extraction runs out of space: the caller aborts */
	memset(&m, 0, sizeof(m));
	diff_of("big-1", m.diff_id);
	m.compressed_size = -1;
	CHECK(store_layer_begin(&s, m.diff_id, &tx, E) == 0, "begin: %s",
	    e.msg);
	r = write_file(tx.dirfd, "big", 2 << 20);
	CHECK(r < 0 && errno == ENOSPC, "extracting 2 MiB fails with ENOSPC");
	store_layer_abort(&s, &tx);
	CHECK(count_dir(P("tiny/store/tmp")) == 0 &&
	    count_dir(P("tiny/store/layers")) == 0 &&
	    count_dir(P("tiny/store/l")) == 0, "abort leaves nothing behind");

	/* the disk fills up under the commit itself */
	diff_of("big-2", m.diff_id);
	CHECK(store_layer_begin(&s, m.diff_id, &tx, E) == 0, "begin: %s",
	    e.msg);
	fd = openat(tx.dirfd, "fill", O_WRONLY | O_CREAT, 0644);
	big = calloc(1, 4096);
	for (i = 0; fd >= 0 && big && i < 1024; i++)
		if (write(fd, big, 4096) < 0)
			break;
	if (fd >= 0)
		close(fd);
	free(big);
	r = store_layer_commit(&s, &tx, &m, E);
	printf("# commit on a full disk: %s\n", e.msg);
	CHECK(r < 0 && e.code == ENOSPC && strstr(e.msg, "is full") &&
	    strstr(e.msg, "commit layer"), "commit on a full disk: a clear "
	    "ENOSPC error");
	CHECK(!tx.active && !store_layer_exists(&s, m.diff_id) &&
	    count_dir(P("tiny/store/tmp")) == 0 &&
	    count_dir(P("tiny/store/layers")) == 0 &&
	    count_dir(P("tiny/store/l")) == 0, "... and no leftovers");
	CHECK(add_layer(&s, NULL, "small", chain, E) == 0,
	    "the store works again once the space is back: %s", e.msg);

	big = calloc(1, 2 << 20);
	if (big) {
		digest_of(big, 2 << 20, dg);
		r = store_blob_put(&s, dg, big, 2 << 20, E);
		printf("# blob put on a full disk: %s\n", e.msg);
		CHECK(r < 0 && e.code == ENOSPC && strstr(e.msg, "is full") &&
		    !store_blob_exists(&s, dg) &&
		    count_dir(P("tiny/store/tmp")) == 0,
		    "a blob bigger than the disk: clear error, no leftovers");
		free(big);
	}
	store_close(&s);
	CHECK(umount2(tiny, 0) == 0, "unmount the tmpfs");
}

int
main(void)
{
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		return 1;
	}
	is_root = geteuid() == 0;
	if (!is_root)
		printf("# not root: mount, whiteout and ENOSPC parts are "
		    "skipped\n");
	test_layout();
	test_chain_id();
	test_blobs();
	test_ingest();
	test_layer_race();
	test_layer_crash();
	test_drop_link();
	test_layer_marker();
	test_images();
	test_ambiguous();
	test_gc();
	test_overlay_opts();
	test_probe();
	if (is_root) {
		in_child(full_disk, "full disk");
		umount2(P("tiny"), MNT_DETACH);	/* if the namespace failed */
	} else {
		printf("skip - ENOSPC on a 1 MiB tmpfs: needs root to mount\n");
	}
	{
		char cmd[4200];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", base);
	}
	return check_done();
}

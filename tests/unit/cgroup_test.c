/* cgroup_test.c - cgroup parse helpers and file writes on fake hierarchies
 *
 * No root needed: v1 and v2 hierarchies are directories under a temporary
 * dir, the v1 mounts come from a fake mountinfo file, the mode is given to
 * cg_init(). Files a cgroup would have are pre-created (the code never
 * creates files, only directories); every write is also logged to a trace
 * file to check the order of writes.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "check.h"

static char tmp[256];

static void
mkdirs(const char *rel)
{
	char p[PATH_MAX], *s;

	snprintf(p, sizeof(p), "%s/%s", tmp, rel);
	for (s = p + strlen(tmp) + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	mkdir(p, 0755);
}

/* Create file tmp/REL (and its parents) holding `text`. */
static void
put(const char *rel, const char *text)
{
	char p[PATH_MAX], d[PATH_MAX], *slash;
	FILE *f;

	snprintf(d, sizeof(d), "%s", rel);
	slash = strrchr(d, '/');
	if (slash) {
		*slash = '\0';
		mkdirs(d);
	}
	snprintf(p, sizeof(p), "%s/%s", tmp, rel);
	f = fopen(p, "w");
	if (!f) {
		perror(p);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

/* Contents of tmp/REL without a trailing newline ("<missing>" if none). */
static const char *
get(const char *rel)
{
	static char buf[4][8192];
	static int k;
	char p[PATH_MAX], *b = buf[k++ & 3];
	size_t n;
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", tmp, rel);
	f = fopen(p, "r");
	if (!f)
		return "<missing>";
	n = fread(b, 1, 8191, f);
	fclose(f);
	b[n] = '\0';
	while (n && b[n - 1] == '\n')
		b[--n] = '\0';
	return b;
}

static int
exists(const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", tmp, rel);
	return stat(p, &st) == 0;
}

static char *
path(const char *rel)
{
	static char p[2][PATH_MAX];
	static int k;
	char *b = p[k++ & 1];

	snprintf(b, PATH_MAX, "%s/%s", tmp, rel);
	return b;
}

/* A fresh trace file; returns its fd. */
static int
trace_open(void)
{
	int fd = open(path("trace"), O_RDWR | O_CREAT | O_TRUNC | O_APPEND,
	    0644);

	if (fd < 0) {
		perror("trace");
		exit(2);
	}
	return fd;
}

/* The mountinfo of a hybrid-ish host under tmp/cg. */
static void
write_mountinfo(const char *name, int with_memory)
{
	char buf[8192];
	size_t n = 0;

	n += snprintf(buf + n, sizeof(buf) - n,
	    "31 23 0:28 / %s/cg rw,relatime - tmpfs tmpfs rw,mode=755\n"
	    "32 31 0:29 / %s/cg/cpu,cpuacct rw,relatime shared:9 - cgroup "
	    "cgroup rw,cpu,cpuacct\n"
	    "34 31 0:31 / %s/cg/cpuset rw,relatime - cgroup cgroup "
	    "rw,cpuset,clone_children\n"
	    "36 31 0:33 / %s/cg/devices rw - cgroup cgroup rw,devices\n"
	    "37 31 0:34 / %s/cg/freezer rw - cgroup cgroup rw,freezer\n"
	    "39 31 0:36 / %s/cg/pids rw - cgroup cgroup rw,pids\n"
	    "40 31 0:37 / %s/cg/systemd rw - cgroup cgroup "
	    "rw,xattr,name=systemd\n"
	    "41 31 0:38 / %s/cg/unified rw - cgroup2 cgroup2 rw\n"
	    "50 23 0:36 / %s/elsewhere/pids rw - cgroup cgroup rw,pids\n"
	    "51 23 0:50 / /sys/fs/cgroup/blkio rw - cgroup cgroup rw,blkio\n",
	    tmp, tmp, tmp, tmp, tmp, tmp, tmp, tmp, tmp);
	if (with_memory)
		n += snprintf(buf + n, sizeof(buf) - n,
		    "35 31 0:32 / %s/cg/memory rw - cgroup cgroup rw,memory\n"
		    "52 31 0:32 / %s/cg/mem\\040again rw - cgroup cgroup "
		    "rw,memory\n", tmp, tmp);
	put(name, buf);
}

static void
test_parse(void)
{
	static const struct { const char *s; int64_t v; } ok[] = {
		{ "512m", 536870912 }, { "512M", 536870912 },
		{ "512mb", 536870912 }, { "512MiB", 536870912 },
		{ "1.5g", 1610612736 }, { "100", 100 }, { "100b", 100 },
		{ "1k", 1024 }, { "1 k", 1024 }, { "2t", 2199023255552LL },
		{ "1p", 1125899906842624LL }, { "0", 0 }, { "0.5k", 512 },
		{ "1.0001k", 1024 }, { "8191p", 9222246136947933184LL },
	};
	static const char *const bad[] = {
		"12q", "", "m", "-1", "1.", ".5", "1.2.3", "8192p",
		"99999999999999999999", "1kk", "1  ", "1bb", " 1", "1 2",
	};
	struct err e = ERR_INIT;
	int64_t v, q, p;
	size_t i;
	int r;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		v = -7;
		r = cg_parse_bytes(ok[i].s, &v, &e);
		CHECK(r == 0 && v == ok[i].v,
		    "parse_bytes %s = %lld (got %lld)", ok[i].s,
		    (long long)ok[i].v, (long long)v);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&e);
		r = cg_parse_bytes(bad[i], &v, &e);
		CHECK(r < 0 && e.code == ERR_USAGE, "parse_bytes '%s' fails",
		    bad[i]);
	}
	cg_parse_bytes("12q", &v, &e);
	CHECK(strcmp(e.msg, "invalid size: '12q'") == 0,
	    "parse_bytes message: %s", e.msg);

	r = cg_parse_cpus("1.5", 2, &q, &p, &e);
	CHECK(r == 0 && q == 150000 && p == 100000, "cpus 1.5 -> %lld/%lld",
	    (long long)q, (long long)p);
	r = cg_parse_cpus("0.5", 2, &q, &p, &e);
	CHECK(r == 0 && q == 50000 && p == 100000, "cpus 0.5");
	r = cg_parse_cpus("0.01", 1, &q, &p, &e);
	CHECK(r == 0 && q == 1000, "cpus 0.01 -> 1000");
	r = cg_parse_cpus("2", 2, &q, &p, &e);
	CHECK(r == 0 && q == 200000, "cpus 2 of 2");
	r = cg_parse_cpus("0", 2, &q, &p, &e);
	CHECK(r == 0 && q == -1 && p == -1, "cpus 0 is unset");
	r = cg_parse_cpus("3", 2, &q, &p, &e);
	CHECK(r < 0 && e.code == ERR_USAGE && strcmp(e.msg, "range of CPUs "
	    "is from 0.01 to 2.00, as there are only 2 CPUs available") == 0,
	    "cpus 3 of 2: %s", e.msg);
	r = cg_parse_cpus("2.001", 2, &q, &p, &e);
	CHECK(r < 0, "cpus 2.001 of 2 fails");
	r = cg_parse_cpus("0.001", 2, &q, &p, &e);
	CHECK(r < 0 && strstr(e.msg, "range of CPUs"), "cpus 0.001 fails");
	r = cg_parse_cpus("99999999999999999999", 2, &q, &p, &e);
	CHECK(r < 0, "cpus huge fails");
	r = cg_parse_cpus("abc", 2, &q, &p, &e);
	CHECK(r < 0 && e.code == ERR_USAGE, "cpus abc: %s", e.msg);
	r = cg_parse_cpus("1.0000000001", 2, &q, &p, &e);
	CHECK(r < 0 && strstr(e.msg, "too precise"), "cpus too precise");
	r = cg_parse_cpus("1.000000000000", 2, &q, &p, &e);
	CHECK(r == 0 && q == 100000, "cpus trailing zeros are fine");
}

static void
test_weight(void)
{
	static const uint64_t w[][2] = {
		{ 0, 0 }, { 1, 1 }, { 2, 1 }, { 3, 2 }, { 10, 4 },
		{ 100, 17 }, { 128, 21 }, { 256, 35 }, { 512, 59 },
		{ 1000, 99 }, { 1024, 100 }, { 2048, 174 }, { 4096, 303 },
		{ 10000, 627 }, { 100000, 4340 }, { 262143, 10000 },
		{ 262144, 10000 }, { 1000000, 10000 },
	};
	size_t i;
	uint64_t got;

	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		got = cg_shares_to_weight(w[i][0]);
		CHECK(got == w[i][1], "shares %llu -> weight %llu (got %llu)",
		    (unsigned long long)w[i][0], (unsigned long long)w[i][1],
		    (unsigned long long)got);
	}
}

static void
test_mode_and_path(void)
{
	struct cg cg;
	struct err e = ERR_INIT;
	static const char *const bad[] = { "../x", "/a/../b", "", "/", "/.",
	    "a/./b" };
	size_t i;

	CHECK(cg_mode_of(0x63677270, 0) == CG_UNIFIED, "cgroup2 root: unified");
	CHECK(cg_mode_of(0x01021994, 0x63677270) == CG_HYBRID,
	    "tmpfs + cgroup2 unified: hybrid");
	CHECK(cg_mode_of(0x01021994, 0x01021994) == CG_LEGACY,
	    "tmpfs + tmpfs unified: legacy");
	CHECK(cg_mode_of(0x01021994, 0) == CG_LEGACY,
	    "tmpfs, no unified: legacy");
	CHECK(cg_mode_of(0xEF53, 0) == 0, "ext4 root: error");
	CHECK(cg_detect(path("nonexistent"), &(enum cg_mode){ 0 }, &e) < 0 &&
	    e.code == ENOENT, "detect on a missing root fails");

	put("u/cgroup.controllers", "");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&e);
		CHECK(cg_init(&cg, path("u"), bad[i], CG_UNIFIED, NULL, &e) < 0
		    && e.code == ERR_USAGE, "path '%s' refused", bad[i]);
	}
	CHECK(cg_init(&cg, path("u/"), "rocker//x/", CG_UNIFIED, NULL, &e) == 0
	    && strcmp(cg.path, "/rocker/x") == 0 &&
	    strcmp(cg.root, path("u")) == 0, "path normalised: %s", cg.path);
	CHECK(cg_wants_ns(&cg) == 1, "unified wants a cgroup namespace");
}

static void
test_v1(void)
{
	struct cg cg, cg2;
	struct cg_limits lim;
	struct cg_devrule rule = { 0, 'c', 10, 229, "rwm" };
	struct err e = ERR_INIT;
	pid_t *pids = NULL;
	size_t n, i;
	unsigned want;
	int fd, r;

	write_mountinfo("mountinfo", 1);
	mkdirs("cg/unified");
	mkdirs("cg/freezer");
	mkdirs("cg/systemd");
	put("cg/memory/rocker/c1/memory.limit_in_bytes", "9223372036854771712");
	put("cg/memory/rocker/c1/memory.memsw.limit_in_bytes",
	    "9223372036854771712");
	put("cg/memory/rocker/c1/memory.soft_limit_in_bytes", "");
	put("cg/memory/rocker/c1/memory.oom_control",
	    "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
	put("cg/memory/rocker/c1/cgroup.procs", "");
	put("cg/cpu,cpuacct/rocker/c1/cpu.shares", "1024");
	put("cg/cpu,cpuacct/rocker/c1/cpu.cfs_quota_us", "-1");
	put("cg/cpu,cpuacct/rocker/c1/cpu.cfs_period_us", "100000");
	put("cg/pids/rocker/c1/pids.max", "max");
	put("cg/pids/rocker/c1/cgroup.procs", "12\n34\n");
	put("cg/devices/rocker/c1/devices.allow", "");
	put("cg/devices/rocker/c1/devices.deny", "");
	put("cg/cpuset/cpuset.cpus", "0-3\n");
	put("cg/cpuset/cpuset.mems", "0\n");
	put("cg/cpuset/rocker/cpuset.cpus", "\n");
	put("cg/cpuset/rocker/cpuset.mems", "");
	put("cg/cpuset/rocker/c1/cpuset.cpus", "");
	put("cg/cpuset/rocker/c1/cpuset.mems", "");

	r = cg_init(&cg, path("cg"), "/rocker/c1", CG_LEGACY,
	    path("mountinfo"), &e);
	CHECK(r == 0, "v1 init: %s", e.msg);
	CHECK(cg.nhier == 7, "7 v1 hierarchies (dup and foreign mounts "
	    "skipped): %zu", cg.nhier);
	want = CGC_CPU | CGC_CPUACCT | CGC_CPUSET | CGC_DEVICES | CGC_FREEZER |
	    CGC_PIDS | CGC_MEMORY;
	CHECK(cg.ctrl == want, "v1 controllers 0x%x", cg.ctrl);
	for (i = 0, r = 0; i < cg.nhier; i++)
		if (strcmp(cg.hier[i].dir, path("cg/systemd")) == 0 &&
		    cg.hier[i].optional && !cg.hier[i].ctrl)
			r = 1;
	CHECK(r, "name=systemd is an optional hierarchy");
	CHECK(cg_wants_ns(&cg) == 0, "legacy: no cgroup namespace");

	cg_limits_init(&lim);
	lim.memory = 32 << 20;
	lim.memory_reservation = 16 << 20;
	lim.pids = 20;
	lim.cpu_quota = 50000;
	lim.cpu_period = 100000;
	lim.cpu_shares = 512;
	lim.cpuset_cpus = "1";
	lim.devices_default = 1;
	lim.devices = &rule;
	lim.ndevices = 1;
	fd = trace_open();
	cg.trace = fd;
	r = cg_make(&cg, &lim, &e);
	CHECK(r == 0, "v1 make with limits: %s", e.msg);
	CHECK(strcmp(get("cg/memory/rocker/c1/memory.limit_in_bytes"),
	    "33554432") == 0, "memory.limit_in_bytes");
	CHECK(strcmp(get("cg/memory/rocker/c1/memory.memsw.limit_in_bytes"),
	    "67108864") == 0, "memsw defaults to twice the memory");
	CHECK(strcmp(get("cg/memory/rocker/c1/memory.soft_limit_in_bytes"),
	    "16777216") == 0, "memory.soft_limit_in_bytes");
	CHECK(strcmp(get("cg/cpu,cpuacct/rocker/c1/cpu.shares"), "512") == 0,
	    "cpu.shares");
	CHECK(strcmp(get("cg/cpu,cpuacct/rocker/c1/cpu.cfs_quota_us"),
	    "50000") == 0, "cpu.cfs_quota_us");
	CHECK(strcmp(get("cg/cpu,cpuacct/rocker/c1/cpu.cfs_period_us"),
	    "100000") == 0, "cpu.cfs_period_us");
	CHECK(strcmp(get("cg/pids/rocker/c1/pids.max"), "20") == 0,
	    "pids.max");
	CHECK(strcmp(get("cg/cpuset/rocker/cpuset.cpus"), "0-3") == 0 &&
	    strcmp(get("cg/cpuset/rocker/cpuset.mems"), "0") == 0,
	    "empty intermediate cpuset gets the parent's cpus and mems");
	CHECK(strcmp(get("cg/cpuset/rocker/c1/cpuset.cpus"), "1") == 0 &&
	    strcmp(get("cg/cpuset/rocker/c1/cpuset.mems"), "0") == 0,
	    "leaf cpuset: cpus limit, mems inherited");
	CHECK(exists("cg/systemd/rocker/c1") && exists("cg/freezer/rocker/c1"),
	    "directories in name=systemd and freezer");
	CHECK(!exists("cg/unified/rocker"), "legacy: nothing in unified");
	CHECK(strcmp(get("trace"),
	    "cpuset/rocker/cpuset.cpus 0-3\n"
	    "cpuset/rocker/cpuset.mems 0\n"
	    "cpuset/rocker/c1/cpuset.cpus 0-3\n"
	    "cpuset/rocker/c1/cpuset.mems 0\n"
	    "memory/rocker/c1/memory.limit_in_bytes 33554432\n"
	    "memory/rocker/c1/memory.memsw.limit_in_bytes 67108864\n"
	    "memory/rocker/c1/memory.soft_limit_in_bytes 16777216\n"
	    "cpu,cpuacct/rocker/c1/cpu.shares 512\n"
	    "cpu,cpuacct/rocker/c1/cpu.cfs_period_us 100000\n"
	    "cpu,cpuacct/rocker/c1/cpu.cfs_quota_us 50000\n"
	    "cpuset/rocker/c1/cpuset.cpus 1\n"
	    "pids/rocker/c1/pids.max 20\n"
	    "devices/rocker/c1/devices.deny a\n"
	    "devices/rocker/c1/devices.allow c *:* m\n"
	    "devices/rocker/c1/devices.allow b *:* m\n"
	    "devices/rocker/c1/devices.allow c 1:3 rwm\n"
	    "devices/rocker/c1/devices.allow c 1:5 rwm\n"
	    "devices/rocker/c1/devices.allow c 1:7 rwm\n"
	    "devices/rocker/c1/devices.allow c 1:8 rwm\n"
	    "devices/rocker/c1/devices.allow c 1:9 rwm\n"
	    "devices/rocker/c1/devices.allow c 5:0 rwm\n"
	    "devices/rocker/c1/devices.allow c 5:1 rwm\n"
	    "devices/rocker/c1/devices.allow c 5:2 rwm\n"
	    "devices/rocker/c1/devices.allow c 136:* rwm\n"
	    "devices/rocker/c1/devices.allow c 10:200 rwm\n"
	    "devices/rocker/c1/devices.deny c 10:229 rwm") == 0 ||
	    (printf("# trace:\n%s\n", get("trace")), 0),
	    "v1 writes in order: memory before memsw when lowering, "
	    "period before quota, deny a then the allow-list");
	close(fd);

	/* raising: memsw first, so memory never exceeds memsw */
	cg_limits_init(&lim);
	lim.memory = 128 << 20;
	lim.memory_swap = 256 << 20;
	cg.trace = fd = trace_open();
	r = cg_set(&cg, &lim, &e);
	CHECK(r == 0 && strcmp(get("trace"),
	    "memory/rocker/c1/memory.memsw.limit_in_bytes 268435456\n"
	    "memory/rocker/c1/memory.limit_in_bytes 134217728") == 0,
	    "raising memory: memsw written first");
	close(fd);
	cg.trace = -1;

	lim.memory_swap = INT64_MAX;
	r = cg_set(&cg, &lim, &e);
	CHECK(r == 0 && strcmp(get(
	    "cg/memory/rocker/c1/memory.memsw.limit_in_bytes"), "-1") == 0,
	    "unlimited swap: memsw -1");

	/* no swap accounting: swap silently not limited */
	unlink(path("cg/memory/rocker/c1/memory.memsw.limit_in_bytes"));
	lim.memory = 64 << 20;
	lim.memory_swap = 100 << 20;
	r = cg_set(&cg, &lim, &e);
	CHECK(r == 0 && strcmp(get("cg/memory/rocker/c1/memory.limit_in_bytes"),
	    "67108864") == 0 && !exists(
	    "cg/memory/rocker/c1/memory.memsw.limit_in_bytes"),
	    "no memsw file: memory set, swap ignored: %s", e.msg);

	cg_limits_init(&lim);
	lim.memory_swap = 1 << 30;
	err_clear(&e);
	CHECK(cg_set(&cg, &lim, &e) < 0 && e.code == ERR_USAGE,
	    "swap without memory: %s", e.msg);
	lim.memory = 2 << 20;
	lim.memory_swap = 1 << 20;
	err_clear(&e);
	CHECK(cg_set(&cg, &lim, &e) < 0 && e.code == ERR_USAGE,
	    "swap below memory: %s", e.msg);

	CHECK(cg_oom_killed(&cg, &e) == 0, "no OOM kill");
	put("cg/memory/rocker/c1/memory.oom_control",
	    "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
	CHECK(cg_oom_killed(&cg, &e) == 1, "oom_kill 2: killed");
	put("cg/memory/rocker/c1/memory.oom_control",
	    "oom_kill_disable 0\nunder_oom 1\n");
	CHECK(cg_oom_killed(&cg, &e) == 1, "old kernel: under_oom 1");

	r = cg_pids(&cg, &pids, &n, &e);
	CHECK(r == 0 && n == 2 && pids[0] == 12 && pids[1] == 34,
	    "pids from the pids hierarchy");
	free(pids);

	/* failure cleanup: new dirs removed, the pre-existing parent stays */
	r = cg_init(&cg2, path("cg"), "/rocker/c3", CG_LEGACY,
	    path("mountinfo"), &e);
	cg_limits_init(&lim);
	lim.pids = 10;
	err_clear(&e);
	r = cg_make(&cg2, &lim, &e);
	CHECK(r < 0 && e.code == ENOENT && strstr(e.msg, "pids.max"),
	    "make fails when a limit cannot be written: %s", e.msg);
	CHECK(!exists("cg/pids/rocker/c3") && !exists("cg/memory/rocker/c3") &&
	    !exists("cg/systemd/rocker/c3") && exists("cg/pids/rocker"),
	    "failed make removed what it created");
	r = cg_init(&cg2, path("cg"), "/fresh/c4", CG_LEGACY,
	    path("mountinfo"), &e);
	r = cg_make(&cg2, &lim, &e);
	CHECK(r < 0 && !exists("cg/pids/fresh") && !exists("cg/memory/fresh"),
	    "failed make removed new parents too");

	/* remove: every hierarchy, children too, parent stays, idempotent */
	r = cg_init(&cg2, path("cg"), "/rocker/c2", CG_LEGACY,
	    path("mountinfo"), &e);
	r = cg_make(&cg2, NULL, &e);
	mkdirs("cg/memory/rocker/c2/sub");
	CHECK(r == 0 && exists("cg/memory/rocker/c2") &&
	    exists("cg/systemd/rocker/c2"), "make without limits: %s", e.msg);
	r = cg_remove(&cg2, &e);
	CHECK(r == 0 && !exists("cg/memory/rocker/c2") &&
	    !exists("cg/systemd/rocker/c2") && !exists("cg/pids/rocker/c2") &&
	    exists("cg/memory/rocker"), "remove: %s", e.msg);
	CHECK(cg_remove(&cg2, &e) == 0, "remove again: missing is fine");

	/* a limit whose controller is not mounted at all */
	write_mountinfo("mountinfo-nomem", 0);
	r = cg_init(&cg2, path("cg"), "/rocker/c5", CG_LEGACY,
	    path("mountinfo-nomem"), &e);
	cg_limits_init(&lim);
	lim.memory = 1 << 30;
	err_clear(&e);
	r = cg_make(&cg2, &lim, &e);
	CHECK(r < 0 && strstr(e.msg, "memory cgroup controller is not "
	    "available"), "no memory controller: %s", e.msg);
	CHECK(!exists("cg/pids/rocker/c5"), "... and nothing left behind");

	/* hybrid: v1 limits plus an optional unified directory */
	r = cg_init(&cg2, path("cg"), "/rocker/c6", CG_HYBRID,
	    path("mountinfo"), &e);
	CHECK(r == 0 && cg2.nhier == 8 && cg2.hier[7].v2 &&
	    cg2.hier[7].optional && cg_wants_ns(&cg2) == 0, "hybrid init");
	r = cg_make(&cg2, NULL, &e);
	CHECK(r == 0 && exists("cg/unified/rocker/c6") &&
	    !exists("cg/unified/cgroup.subtree_control"),
	    "hybrid: unified dir made, no controllers enabled");
	cg_remove(&cg2, &e);
	CHECK(!exists("cg/unified/rocker/c6"), "hybrid remove");
}

static void
test_v2(void)
{
	struct cg cg;
	struct cg_limits lim;
	struct err e = ERR_INIT;
	pid_t *pids = NULL;
	size_t n;
	int r, fd;

	put("v2/cgroup.controllers", "cpuset cpu io memory hugetlb pids\n");
	put("v2/cgroup.subtree_control", "");
	put("v2/rocker/cgroup.controllers", "cpu memory pids\n");
	put("v2/rocker/cgroup.subtree_control", "");
	put("v2/rocker/c1/cgroup.controllers", "cpu memory pids\n");
	put("v2/rocker/c1/memory.max", "max");
	put("v2/rocker/c1/memory.swap.max", "max");
	put("v2/rocker/c1/memory.low", "0");
	put("v2/rocker/c1/cpu.max", "max 100000");
	put("v2/rocker/c1/cpu.weight", "100");
	put("v2/rocker/c1/pids.max", "max");
	put("v2/rocker/c1/cgroup.procs", "");
	put("v2/rocker/c1/cgroup.freeze", "0");
	put("v2/rocker/c1/cgroup.events", "populated 0\nfrozen 1\n");
	put("v2/rocker/c1/memory.events", "low 0\nhigh 0\nmax 3\noom 1\n"
	    "oom_kill 0\n");

	r = cg_init(&cg, path("v2"), "/rocker/c1", CG_UNIFIED, NULL, &e);
	CHECK(r == 0 && cg.nhier == 1 && cg.hier[0].v2 &&
	    !cg.hier[0].optional, "v2 init: %s", e.msg);
	CHECK(cg.ctrl == (CGC_CPUSET | CGC_CPU | CGC_BLKIO | CGC_MEMORY |
	    CGC_HUGETLB | CGC_PIDS), "v2 controllers from the root: 0x%x",
	    cg.ctrl);
	cg_limits_init(&lim);
	lim.memory = 64 << 20;
	lim.memory_swap = 96 << 20;
	lim.memory_reservation = 32 << 20;
	lim.cpu_shares = 1024;
	lim.cpu_quota = 150000;
	lim.pids = INT64_MAX;
	lim.devices_default = 1;
	cg.trace = fd = trace_open();
	r = cg_make(&cg, &lim, &e);
	CHECK(r == 0, "v2 make with limits: %s", e.msg);
	CHECK(cg.ctrl == (CGC_CPU | CGC_MEMORY | CGC_PIDS),
	    "controllers narrowed to the leaf's: 0x%x", cg.ctrl);
	CHECK(strcmp(get("v2/cgroup.subtree_control"),
	    "+cpu +cpuset +memory +pids +io +hugetlb") == 0,
	    "root subtree_control: %s", get("v2/cgroup.subtree_control"));
	CHECK(strcmp(get("v2/rocker/cgroup.subtree_control"),
	    "+cpu +memory +pids") == 0, "parent subtree_control: %s",
	    get("v2/rocker/cgroup.subtree_control"));
	CHECK(strcmp(get("v2/rocker/c1/memory.max"), "67108864") == 0,
	    "memory.max");
	CHECK(strcmp(get("v2/rocker/c1/memory.swap.max"), "33554432") == 0,
	    "memory.swap.max = swap - memory");
	CHECK(strcmp(get("v2/rocker/c1/memory.low"), "33554432") == 0,
	    "memory.low");
	CHECK(strcmp(get("v2/rocker/c1/cpu.weight"), "100") == 0,
	    "cpu.weight from 1024 shares");
	CHECK(strcmp(get("v2/rocker/c1/cpu.max"), "150000 100000") == 0,
	    "cpu.max with the default period");
	CHECK(strcmp(get("v2/rocker/c1/pids.max"), "max") == 0, "pids.max max");
	CHECK(!strstr(get("trace"), "devices"), "v2: device rules ignored");
	close(fd);
	cg.trace = -1;

	cg_limits_init(&lim);
	lim.memory = 64 << 20;
	r = cg_set(&cg, &lim, &e);
	CHECK(r == 0 && strcmp(get("v2/rocker/c1/memory.swap.max"),
	    "67108864") == 0, "v2 default swap equals memory");
	lim.memory = INT64_MAX;
	r = cg_set(&cg, &lim, &e);
	CHECK(r == 0 && strcmp(get("v2/rocker/c1/memory.max"), "max") == 0 &&
	    strcmp(get("v2/rocker/c1/memory.swap.max"), "max") == 0,
	    "unlimited memory: max / max");
	cg_limits_init(&lim);
	lim.cpu_period = 50000;
	r = cg_set(&cg, &lim, &e);
	CHECK(r == 0 && strcmp(get("v2/rocker/c1/cpu.max"), "max 50000") == 0,
	    "period without quota: max 50000");
	unlink(path("v2/rocker/c1/memory.swap.max"));
	cg_limits_init(&lim);
	lim.memory = 1 << 20;
	lim.memory_swap = 2 << 20;
	CHECK(cg_set(&cg, &lim, &e) == 0, "no memory.swap.max: ignored");

	cg_limits_init(&lim);
	lim.cpuset_cpus = "0";
	err_clear(&e);
	r = cg_set(&cg, &lim, &e);
	CHECK(r < 0 && e.code == ENOTSUP && strstr(e.msg, "cpuset"),
	    "cpuset not enabled for the leaf: %s", e.msg);

	CHECK(cg_oom_killed(&cg, &e) == 0, "v2 oom_kill 0");
	put("v2/rocker/c1/memory.events", "oom 1\noom_kill 1\n");
	CHECK(cg_oom_killed(&cg, &e) == 1, "v2 oom_kill 1");

	CHECK(cg_freeze(&cg, 1, &e) == 0 &&
	    strcmp(get("v2/rocker/c1/cgroup.freeze"), "1") == 0,
	    "v2 freeze writes cgroup.freeze, waits for frozen 1: %s", e.msg);
	put("v2/rocker/c1/cgroup.events", "populated 0\nfrozen 0\n");
	CHECK(cg_freeze(&cg, 0, &e) == 0 &&
	    strcmp(get("v2/rocker/c1/cgroup.freeze"), "0") == 0, "v2 thaw");

	r = cg_pids(&cg, &pids, &n, &e);
	CHECK(r == 0 && n == 0 && !pids, "v2: no pids");
	CHECK(cg_kill(&cg, SIGKILL, &e) == 0, "kill of an empty cgroup");
	CHECK(cg_enter(&cg, 4242, &e) == 0 &&
	    strcmp(get("v2/rocker/c1/cgroup.procs"), "4242") == 0,
	    "enter writes cgroup.procs");

	/* no controllers at all (this host's unified hierarchy) */
	put("v2b/cgroup.controllers", "\n");
	r = cg_init(&cg, path("v2b"), "/rocker/x", CG_UNIFIED, NULL, &e);
	cg_limits_init(&lim);
	lim.memory = 32 << 20;
	err_clear(&e);
	r = cg_make(&cg, &lim, &e);
	CHECK(r < 0 && e.code == ENOTSUP && strstr(e.msg, "memory cgroup "
	    "controller is not available in the unified hierarchy"),
	    "unified without memory: %s", e.msg);
	CHECK(!exists("v2b/rocker"), "... nothing left behind");
	cg_limits_init(&lim);
	lim.pids = 5;
	err_clear(&e);
	CHECK(cg_make(&cg, &lim, &e) < 0 && strstr(e.msg, "pids"),
	    "unified without pids: %s", e.msg);
}

int
main(void)
{
	char cmd[PATH_MAX + 16];
	int rc;

	snprintf(tmp, sizeof(tmp), "%s/cgroup_test.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 2;
	}
	test_parse();
	test_weight();
	test_mode_and_path();
	test_v1();
	test_v2();
	rc = check_done();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}

/* cgroup.c - container cgroups on cgroup v1, v2 and hybrid hosts */

#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "io.h"

enum {
	CGROUP2_MAGIC = 0x63677270,
	TMPFS_MAGIC_ID = 0x01021994,
	VAL_MAX = 4096,		/* one small cgroup file */
	BIG_MAX = 8 << 20,	/* cgroup.procs, mountinfo */
	DEPTH_MAX = 32,		/* components of a cgroup path */
	TICK_MS = 10,		/* polling interval */
	WAIT_TICKS = 500,	/* freeze, kill: 5 s */
	RMDIR_TICKS = 200,	/* rmdir on EBUSY: 2 s */
	ENABLE_TRIES = 5,	/* subtree_control on EBUSY */
	ENTER_TRIES = 5,	/* cgroup.procs on EINVAL (TASK_NEW) */
	SHARES_MIN = 2,
	SHARES_MAX = 262144,
	NANO = 1000000000,
	CPUS_MIN_NANO = 10000000,	/* --cpus 0.01 */
	DEV_BATCH = 16,		/* device rules written through one open */
};

/* Controller names: v1 mount options, v2 cgroup.controllers entries. */
struct ctrl_name {
	const char *name;
	unsigned bit;
	int v2;		/* 1: enabled by us in v2 subtree_control */
};

static const struct ctrl_name ctrl_names[] = {
	{ "cpu", CGC_CPU, 1 },
	{ "cpuacct", CGC_CPUACCT, 0 },
	{ "cpuset", CGC_CPUSET, 1 },
	{ "memory", CGC_MEMORY, 1 },
	{ "pids", CGC_PIDS, 1 },
	{ "devices", CGC_DEVICES, 0 },
	{ "freezer", CGC_FREEZER, 0 },
	{ "blkio", CGC_BLKIO, 0 },
	{ "io", CGC_BLKIO, 1 },
	{ "hugetlb", CGC_HUGETLB, 1 },
	{ "net_cls", CGC_NET_CLS, 0 },
	{ "net_prio", CGC_NET_PRIO, 0 },
	{ "perf_event", CGC_PERF_EVENT, 0 },
	{ "rdma", CGC_RDMA, 0 },
	{ "misc", CGC_MISC, 0 },
};

/* Docker's default device allow-list for the v1 devices controller. */
static const char *const default_devices[] = {
	"c *:* m", "b *:* m",
	"c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
	"c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm", "c 10:200 rwm",
};

/* ---- small helpers ---- */

static void
sleep_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int
cpy(char *dst, size_t n, const char *src)
{
	size_t l = strlen(src);

	if (l >= n)
		return -1;
	memcpy(dst, src, l + 1);
	return 0;
}

/* "DIR/REL/FILE" (REL "" or "/a/b"; FILE may be NULL) into buf. */
static int
hpath(char *buf, size_t n, const struct cg_hier *h, const char *rel,
    const char *file, struct err *e)
{
	int r;

	if (file)
		r = snprintf(buf, n, "%s%s/%s", h->dir, rel, file);
	else
		r = snprintf(buf, n, "%s%s", h->dir, rel);
	if (r < 0 || (size_t)r >= n)
		return err_set(e, ENAMETOOLONG, "%s%s: path too long",
		    h->dir, rel);
	return 0;
}

static void
trace(const struct cg *cg, const char *path, const char *val)
{
	char line[PATH_MAX + VAL_MAX];
	size_t rl = strlen(cg->root);
	ssize_t w;
	int n;

	if (cg->trace < 0)
		return;
	if (strncmp(path, cg->root, rl) == 0 && path[rl] == '/')
		path += rl + 1;
	n = snprintf(line, sizeof(line), "%s %s\n", path, val);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	w = write(cg->trace, line, (size_t)n);
	(void)w;
}

/* Write each of the `n` values to FILE of cgroup REL in `h`, one write(2)
 * each through one open (a v1 devices.allow takes one rule per write);
 * errno kept in e->code. */
static int
write_vals(const struct cg *cg, const struct cg_hier *h, const char *rel,
    const char *file, const char *const *vals, size_t n, struct err *e)
{
	char p[PATH_MAX];
	size_t i, len;
	ssize_t w = 0;
	int fd, saved;

	if (hpath(p, sizeof(p), h, rel, file, e) < 0)
		return -1;
	fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "%s", p);
	for (i = 0; i < n; i++) {
		trace(cg, p, vals[i]);
		len = strlen(vals[i]);
		do
			w = write(fd, vals[i], len);
		while (w < 0 && errno == EINTR);
		if (w < 0 || (size_t)w != len)
			break;
	}
	saved = errno;
	close(fd);
	if (i == n)
		return 0;
	if (w < 0) {
		errno = saved;
		return err_sys(e, "write %s to %s", vals[i], p);
	}
	return err_set(e, EIO, "write %s to %s: short write", vals[i], p);
}

/* Write `val` to FILE of cgroup REL in `h`; errno kept in e->code. */
static int
write_at(const struct cg *cg, const struct cg_hier *h, const char *rel,
    const char *file, const char *val, struct err *e)
{
	return write_vals(cg, h, rel, file, &val, 1, e);
}

static int
write_file(const struct cg *cg, const struct cg_hier *h, const char *file,
    const char *val, struct err *e)
{
	return write_at(cg, h, cg->path, file, val, e);
}

/* Read a small cgroup file into `buf` (NUL-terminated). Returns length. */
static ssize_t
read_at(const struct cg_hier *h, const char *rel, const char *file,
    char *buf, size_t n, struct err *e)
{
	char p[PATH_MAX];
	ssize_t r, got = 0;
	int fd;

	if (hpath(p, sizeof(p), h, rel, file, e) < 0)
		return -1;
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "%s", p);
	while ((size_t)got < n - 1) {
		r = read(fd, buf + got, n - 1 - (size_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err_sys(e, "read %s", p);
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		got += r;
	}
	close(fd);
	buf[got] = '\0';
	return got;
}

/* Strip trailing whitespace in place. */
static char *
chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* The value of "KEY N" in a flat-keyed file's text, or -1 if absent. */
static int64_t
keyed(const char *text, const char *key)
{
	size_t kl = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (strncmp(p, key, kl) == 0 && p[kl] == ' ')
			return strtoll(p + kl + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

/* Controller bits named by a space-separated cgroup.controllers text. */
static unsigned
parse_ctrl_list(const char *s)
{
	char w[32];
	unsigned bits = 0;
	size_t i, n;

	while (*s) {
		while (*s == ' ' || *s == '\n')
			s++;
		n = strcspn(s, " \n");
		if (n && n < sizeof(w)) {
			memcpy(w, s, n);
			w[n] = '\0';
			for (i = 0; i < sizeof(ctrl_names) /
			    sizeof(ctrl_names[0]); i++)
				if (strcmp(w, ctrl_names[i].name) == 0)
					bits |= ctrl_names[i].bit;
		}
		s += n;
	}
	return bits;
}

static const struct cg_hier *
find_v1(const struct cg *cg, unsigned bit)
{
	size_t i;

	for (i = 0; i < cg->nhier; i++)
		if (!cg->hier[i].v2 && (cg->hier[i].ctrl & bit))
			return &cg->hier[i];
	return NULL;
}

static const struct cg_hier *
find_v2(const struct cg *cg)
{
	size_t i;

	for (i = 0; i < cg->nhier; i++)
		if (cg->hier[i].v2)
			return &cg->hier[i];
	return NULL;
}

/* The hierarchy holding controller `bit` for limits, or NULL. */
static const struct cg_hier *
ctrl_hier(const struct cg *cg, unsigned bit)
{
	if (!(cg->ctrl & bit))
		return NULL;
	if (cg->mode == CG_UNIFIED)
		return find_v2(cg);
	return find_v1(cg, bit);
}

/* The hierarchy for `what`, or a clear error naming controller `name`. */
static const struct cg_hier *
need(const struct cg *cg, unsigned bit, const char *name, const char *what,
    struct err *e)
{
	const struct cg_hier *h = ctrl_hier(cg, bit);

	if (!h)
		err_set(e, ENOTSUP, "%s requested but the %s cgroup "
		    "controller is not available%s", what, name,
		    cg->mode == CG_UNIFIED ? " in the unified hierarchy "
		    "(see cgroup.controllers)" : " on this host");
	return h;
}

/* ---- mountinfo ---- */

/* Undo mountinfo's octal escapes (\040 for space) in place. */
static void
unescape(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
			    (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

/* Split a line into at most `max` space-separated fields, in place. */
static size_t
split(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line;

	while (*p && n < max) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		f[n++] = p;
		p += strcspn(p, " ");
		if (*p)
			*p++ = '\0';
	}
	return n;
}

/* Controller bits and named-ness from v1 super options "rw,cpu,cpuacct". */
static unsigned
v1_opts(char *opts, int *named)
{
	unsigned bits = 0;
	size_t i;
	char *o, *save = NULL;

	*named = 0;
	for (o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",",
	    &save)) {
		if (strncmp(o, "name=", 5) == 0) {
			*named = 1;
			continue;
		}
		for (i = 0; i < sizeof(ctrl_names) / sizeof(ctrl_names[0]);
		    i++)
			if (strcmp(o, ctrl_names[i].name) == 0)
				bits |= ctrl_names[i].bit;
	}
	return bits;
}

/* Add every cgroup v1 mount directly beneath cg->root, once per device. */
static int
scan_v1(struct cg *cg, const char *mountinfo, const char *given,
    struct err *e)
{
	char devs[CG_HIER_MAX][32];
	char *text, *line, *next, *f[64];
	size_t nf, i, sep, ndev = 0, rl = strlen(cg->root), len;
	unsigned bits;
	int named, dup, rc = -1;
	struct cg_hier *h;

	text = given ? strdup(given) : io_read_file(mountinfo, BIG_MAX, &len,
	    e);
	if (!text)
		return given ? err_set(e, ENOMEM, "out of memory") : -1;
	for (line = text; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		nf = split(line, f, sizeof(f) / sizeof(f[0]));
		for (sep = 6; sep < nf && strcmp(f[sep], "-") != 0; sep++)
			;
		if (sep + 3 >= nf || strcmp(f[sep + 1], "cgroup") != 0)
			continue;
		unescape(f[4]);
		if (strncmp(f[4], cg->root, rl) != 0 || f[4][rl] != '/' ||
		    !f[4][rl + 1] || strchr(f[4] + rl + 1, '/'))
			continue;
		for (dup = 0, i = 0; i < ndev; i++)
			if (strcmp(devs[i], f[2]) == 0)
				dup = 1;
		bits = v1_opts(f[sep + 3], &named);
		if (dup || (!bits && !named))
			continue;
		if (cg->nhier >= CG_HIER_MAX - 1) {
			err_set(e, ERR_LIMIT, "%s: more than %d cgroup "
			    "hierarchies", mountinfo, CG_HIER_MAX - 1);
			goto out;
		}
		h = &cg->hier[cg->nhier];
		memset(h, 0, sizeof(*h));
		if (cpy(h->dir, sizeof(h->dir), f[4]) < 0)
			continue;
		h->ctrl = bits;
		h->optional = bits == 0;
		cg->ctrl |= bits;
		cg->nhier++;
		if (cpy(devs[ndev], sizeof(devs[ndev]), f[2]) == 0)
			ndev++;
	}
	rc = 0;
out:
	free(text);
	return rc;
}

/* Normalise `path` into cg->path: "/a/b", no "." or "..", not empty. */
static int
set_path(struct cg *cg, const char *path, struct err *e)
{
	const char *p = path, *c;
	size_t n, len = 0, depth = 0;

	cg->path[0] = '\0';
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		c = p;
		n = strcspn(p, "/");
		p += n;
		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' &&
		    c[1] == '.'))
			return err_set(e, ERR_USAGE, "cgroup path \"%.200s\": "
			    "\".\" and \"..\" are not allowed", path);
		if (len + n + 2 > sizeof(cg->path) || ++depth > DEPTH_MAX)
			return err_set(e, ERR_USAGE, "cgroup path \"%.200s\": "
			    "too long", path);
		cg->path[len++] = '/';
		memcpy(cg->path + len, c, n);
		len += n;
		cg->path[len] = '\0';
	}
	if (!len)
		return err_set(e, ERR_USAGE, "cgroup path \"%.200s\": empty",
		    path);
	return 0;
}

/* ---- limits ---- */

static void
num(char *buf, size_t n, int64_t v, const char *unlimited)
{
	if (v == INT64_MAX)
		snprintf(buf, n, "%s", unlimited);
	else
		snprintf(buf, n, "%lld", (long long)v);
}

static int
check_limits(const struct cg_limits *lim, struct err *e)
{
	const int64_t *v[] = { &lim->memory, &lim->memory_swap,
	    &lim->memory_reservation, &lim->cpu_shares, &lim->cpu_quota,
	    &lim->cpu_period, &lim->pids };
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (*v[i] < -1)
			return err_set(e, ERR_USAGE, "invalid negative limit "
			    "%lld", (long long)*v[i]);
	if (lim->memory_swap != -1 && lim->memory == -1)
		return err_set(e, ERR_USAGE, "a memory-swap limit needs a "
		    "memory limit");
	if (lim->memory_swap != -1 && lim->memory_swap != INT64_MAX &&
	    lim->memory_swap < lim->memory)
		return err_set(e, ERR_USAGE, "memory-swap limit (%lld) must "
		    "be at least the memory limit (%lld)",
		    (long long)lim->memory_swap, (long long)lim->memory);
	return 0;
}

/*
 * The memory+swap target for v1: -1 none, INT64_MAX unlimited. Without
 * an explicit value Docker gives as much swap as memory.
 */
static int64_t
memsw_target(const struct cg_limits *lim)
{
	if (lim->memory_swap != -1)
		return lim->memory_swap;
	if (lim->memory == -1)
		return -1;
	if (lim->memory == INT64_MAX || lim->memory > INT64_MAX / 2)
		return INT64_MAX;
	return lim->memory * 2;
}

static int
set_memory_v1(const struct cg *cg, const struct cg_hier *h,
    const struct cg_limits *lim, struct err *e)
{
	char cur[64], mem[32], sw[32];
	int64_t target = memsw_target(lim), now;
	int have_sw, sw_first = 0;

	have_sw = read_at(h, cg->path, "memory.memsw.limit_in_bytes", cur,
	    sizeof(cur), e) >= 0;
	if (!have_sw && e->code != ENOENT)
		return -1;
	err_clear(e);
	num(mem, sizeof(mem), lim->memory, "-1");
	num(sw, sizeof(sw), target, "-1");
	if (have_sw && target != -1) {
		now = strtoll(cur, NULL, 10);
		sw_first = target == INT64_MAX || target > now;
	}
	if (sw_first && write_file(cg, h, "memory.memsw.limit_in_bytes", sw,
	    e) < 0)
		return -1;
	if (lim->memory != -1 && write_file(cg, h, "memory.limit_in_bytes",
	    mem, e) < 0)
		return -1;
	if (have_sw && target != -1 && !sw_first &&
	    write_file(cg, h, "memory.memsw.limit_in_bytes", sw, e) < 0)
		return -1;
	if (lim->memory_reservation != -1) {
		num(mem, sizeof(mem), lim->memory_reservation, "-1");
		if (write_file(cg, h, "memory.soft_limit_in_bytes", mem, e) < 0)
			return -1;
	}
	return 0;
}

static int
set_memory_v2(const struct cg *cg, const struct cg_hier *h,
    const struct cg_limits *lim, struct err *e)
{
	char v[32];
	int64_t swap = -1;

	if (lim->memory != -1) {
		num(v, sizeof(v), lim->memory, "max");
		if (write_file(cg, h, "memory.max", v, e) < 0)
			return -1;
	}
	if (lim->memory_swap == INT64_MAX || lim->memory == INT64_MAX)
		swap = INT64_MAX;
	else if (lim->memory_swap != -1)
		swap = lim->memory_swap - lim->memory;
	else if (lim->memory != -1)
		swap = lim->memory;
	if (swap != -1) {
		num(v, sizeof(v), swap, "max");
		if (write_file(cg, h, "memory.swap.max", v, e) < 0) {
			if (e->code != ENOENT)
				return -1;
			err_clear(e);
		}
	}
	if (lim->memory_reservation != -1) {
		num(v, sizeof(v), lim->memory_reservation, "max");
		if (write_file(cg, h, "memory.low", v, e) < 0)
			return -1;
	}
	return 0;
}

static int
set_cpu(const struct cg *cg, const struct cg_limits *lim, struct err *e)
{
	const struct cg_hier *h;
	char v[64], q[32];
	int64_t period;

	if (lim->cpu_shares == -1 && lim->cpu_quota == -1 &&
	    lim->cpu_period == -1)
		return 0;
	h = need(cg, CGC_CPU, "cpu", "CPU limit", e);
	if (!h)
		return -1;
	if (cg->mode != CG_UNIFIED) {
		snprintf(v, sizeof(v), "%lld", (long long)lim->cpu_shares);
		if (lim->cpu_shares != -1 &&
		    write_file(cg, h, "cpu.shares", v, e) < 0)
			return -1;
		snprintf(v, sizeof(v), "%lld", (long long)lim->cpu_period);
		if (lim->cpu_period != -1 &&
		    write_file(cg, h, "cpu.cfs_period_us", v, e) < 0)
			return -1;
		num(v, sizeof(v), lim->cpu_quota, "-1");
		if (lim->cpu_quota != -1 &&
		    write_file(cg, h, "cpu.cfs_quota_us", v, e) < 0)
			return -1;
		return 0;
	}
	if (lim->cpu_shares != -1) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)
		    cg_shares_to_weight((uint64_t)lim->cpu_shares));
		if (write_file(cg, h, "cpu.weight", v, e) < 0)
			return -1;
	}
	if (lim->cpu_quota != -1 || lim->cpu_period != -1) {
		period = lim->cpu_period != -1 ? lim->cpu_period :
		    CG_CPU_PERIOD;
		if (lim->cpu_quota == -1)
			num(q, sizeof(q), INT64_MAX, "max");
		else
			num(q, sizeof(q), lim->cpu_quota, "max");
		snprintf(v, sizeof(v), "%s %lld", q, (long long)period);
		if (write_file(cg, h, "cpu.max", v, e) < 0)
			return -1;
	}
	return 0;
}

static int
set_cpuset(const struct cg *cg, const struct cg_limits *lim, struct err *e)
{
	const struct cg_hier *h;

	if (!lim->cpuset_cpus && !lim->cpuset_mems)
		return 0;
	h = need(cg, CGC_CPUSET, "cpuset", "cpuset", e);
	if (!h)
		return -1;
	if (lim->cpuset_cpus && write_file(cg, h, "cpuset.cpus",
	    lim->cpuset_cpus, e) < 0)
		return -1;
	if (lim->cpuset_mems && write_file(cg, h, "cpuset.mems",
	    lim->cpuset_mems, e) < 0)
		return -1;
	return 0;
}

static int
set_pids(const struct cg *cg, const struct cg_limits *lim, struct err *e)
{
	const struct cg_hier *h;
	char v[32];

	if (lim->pids == -1)
		return 0;
	h = need(cg, CGC_PIDS, "pids", "pids limit", e);
	if (!h)
		return -1;
	num(v, sizeof(v), lim->pids, "max");
	return write_file(cg, h, "pids.max", v, e);
}

static void
devnum(char *buf, size_t n, int64_t v)
{
	if (v < 0)
		snprintf(buf, n, "*");
	else
		snprintf(buf, n, "%lld", (long long)v);
}

static int
set_devices(const struct cg *cg, const struct cg_limits *lim, struct err *e)
{
	const struct cg_hier *h;
	const struct cg_devrule *d;
	char rules[DEV_BATCH][96], ma[24], mi[24];
	const char *vals[DEV_BATCH];
	size_t i, nr = 0;

	if (!lim->devices_default && !lim->ndevices)
		return 0;
	if (cg->mode == CG_UNIFIED)
		return 0;	/* no device files on v2: ignored */
	h = need(cg, CGC_DEVICES, "devices", "device rule", e);
	if (!h)
		return -1;
	if (lim->devices_default) {
		if (write_file(cg, h, "devices.deny", "a", e) < 0)
			return -1;
		if (write_vals(cg, h, cg->path, "devices.allow",
		    default_devices, sizeof(default_devices) /
		    sizeof(default_devices[0]), e) < 0)
			return -1;
	}
	for (i = 0; i < lim->ndevices; i++) {
		d = &lim->devices[i];
		if (d->type != 'a' && d->type != 'b' && d->type != 'c')
			return err_set(e, ERR_USAGE, "device rule %zu: bad "
			    "type '%c'", i, d->type);
		if (strspn(d->access, "rwm") != strlen(d->access) ||
		    !d->access[0])
			return err_set(e, ERR_USAGE, "device rule %zu: bad "
			    "access \"%.4s\"", i, d->access);
		devnum(ma, sizeof(ma), d->major);
		devnum(mi, sizeof(mi), d->minor);
		if (d->type == 'a')
			snprintf(rules[nr], sizeof(rules[nr]), "a");
		else
			snprintf(rules[nr], sizeof(rules[nr]), "%c %s:%s %s",
			    d->type, ma, mi, d->access);
		vals[nr] = rules[nr];
		nr++;
		/* A run of rules for the same file goes through one open. */
		if (nr == DEV_BATCH || i + 1 == lim->ndevices ||
		    lim->devices[i + 1].allow != d->allow) {
			if (write_vals(cg, h, cg->path, d->allow ?
			    "devices.allow" : "devices.deny", vals, nr, e) < 0)
				return -1;
			nr = 0;
		}
	}
	return 0;
}

/* ---- creation ---- */

/* The first `k` components of cg->path ("" for k == 0) into buf. */
static void
prefix(const struct cg *cg, size_t k, char *buf, size_t n)
{
	const char *p = cg->path;
	size_t i;

	for (i = 0; i < k && *p; i++) {
		p++;
		p += strcspn(p, "/");
	}
	snprintf(buf, n, "%.*s", (int)(p - cg->path), cg->path);
}

static size_t
depth(const struct cg *cg)
{
	size_t n = 0;
	const char *p;

	for (p = cg->path; *p; p++)
		if (*p == '/')
			n++;
	return n;
}

static const char *const cpuset_files[] = { "cpuset.cpus", "cpuset.mems" };

/* v1 cpuset: give directory REL its parent's cpus and mems if empty. */
static int
cpuset_fill(const struct cg *cg, const struct cg_hier *h, const char *rel,
    const char *parent, struct err *e)
{
	char v[VAL_MAX];
	size_t i;

	for (i = 0; i < 2; i++) {
		if (read_at(h, rel, cpuset_files[i], v, sizeof(v), e) < 0) {
			if (e->code != ENOENT)
				return -1;
			err_clear(e);
			continue;
		}
		if (chomp(v)[0])
			continue;
		if (read_at(h, parent, cpuset_files[i], v, sizeof(v), e) < 0)
			return -1;
		if (write_at(cg, h, rel, cpuset_files[i], chomp(v), e) < 0)
			return -1;
	}
	return 0;
}

/* v1 cpuset: a leaf just made gets its parent's cpus and mems. 1 when
 * done, 0 when the parent has none to give (the caller fills the whole
 * path), -1 on error. */
static int
cpuset_fill_new(const struct cg *cg, const struct cg_hier *h,
    const char *rel, const char *parent, struct err *e)
{
	char v[2][VAL_MAX];
	size_t i;

	for (i = 0; i < 2; i++) {
		if (read_at(h, parent, cpuset_files[i], v[i], sizeof(v[i]),
		    e) < 0) {
			if (e->code != ENOENT)
				return -1;
			err_clear(e);
			return 0;
		}
		if (!chomp(v[i])[0])
			return 0;
	}
	for (i = 0; i < 2; i++) {
		if (write_at(cg, h, rel, cpuset_files[i], v[i], e) == 0)
			continue;
		if (e->code != ENOENT)
			return -1;
		err_clear(e);	/* no such file here: nothing to fill */
	}
	return 1;
}

/* v2: enable in REL's subtree_control what its cgroup.controllers has. */
static void
enable_v2(const struct cg *cg, const struct cg_hier *h, const char *rel)
{
	struct err e2 = ERR_INIT;
	char avail[VAL_MAX], all[256], one[32];
	unsigned bits;
	size_t i, len = 0;
	int t;

	if (read_at(h, rel, "cgroup.controllers", avail, sizeof(avail),
	    &e2) < 0)
		return;
	bits = parse_ctrl_list(avail);
	all[0] = '\0';
	for (i = 0; i < sizeof(ctrl_names) / sizeof(ctrl_names[0]); i++)
		if (ctrl_names[i].v2 && (bits & ctrl_names[i].bit))
			len += (size_t)snprintf(all + len, sizeof(all) - len,
			    "%s+%s", len ? " " : "", ctrl_names[i].name);
	if (!len || write_at(cg, h, rel, "cgroup.subtree_control", all,
	    &e2) == 0)
		return;
	for (i = 0; i < sizeof(ctrl_names) / sizeof(ctrl_names[0]); i++) {
		if (!ctrl_names[i].v2 || !(bits & ctrl_names[i].bit))
			continue;
		snprintf(one, sizeof(one), "+%s", ctrl_names[i].name);
		for (t = 0; t < ENABLE_TRIES; t++) {
			if (write_at(cg, h, rel, "cgroup.subtree_control", one,
			    &e2) == 0 || e2.code != EBUSY)
				break;
			sleep_ms(TICK_MS * 2);
		}
	}
}

/* Remove components made_from..depth of cgroup in `h`, deepest first. */
static void
unmake(const struct cg *cg, const struct cg_hier *h, size_t from)
{
	char rel[CG_PATH_MAX], p[PATH_MAX];
	struct err e2 = ERR_INIT;
	size_t k;

	for (k = depth(cg); k >= from && k > 0; k--) {
		prefix(cg, k, rel, sizeof(rel));
		if (hpath(p, sizeof(p), h, rel, NULL, &e2) == 0)
			rmdir(p);
	}
}

/* Make every component of the path in `h`; *made: first one created. */
static int
make_hier(const struct cg *cg, const struct cg_hier *h, size_t *made,
    struct err *e)
{
	char rel[CG_PATH_MAX], parent[CG_PATH_MAX], p[PATH_MAX];
	size_t k, n = depth(cg);
	int r;

	*made = 0;
	/* Usually the parents are there: make the leaf alone. A v2 parent
	 * of a unified host has controllers to enable on the way down. */
	if (n > 0 && !(h->v2 && cg->mode == CG_UNIFIED)) {
		if (hpath(p, sizeof(p), h, cg->path, NULL, e) < 0)
			return -1;
		if (mkdir(p, 0755) == 0) {
			*made = n;
			if (h->v2 || !(h->ctrl & CGC_CPUSET))
				return 0;
			prefix(cg, n - 1, parent, sizeof(parent));
			r = cpuset_fill_new(cg, h, cg->path, parent, e);
			if (r != 0)
				return r < 0 ? -1 : 0;
		} else if (errno != ENOENT && errno != EEXIST) {
			return err_sys(e, "mkdir %s", p);
		}
	}
	for (k = 1; k <= n; k++) {
		prefix(cg, k - 1, parent, sizeof(parent));
		prefix(cg, k, rel, sizeof(rel));
		if (h->v2 && cg->mode == CG_UNIFIED)
			enable_v2(cg, h, parent);
		if (hpath(p, sizeof(p), h, rel, NULL, e) < 0)
			return -1;
		if (mkdir(p, 0755) == 0) {
			if (!*made)
				*made = k;
		} else if (errno != EEXIST) {
			return err_sys(e, "mkdir %s", p);
		}
		if (!h->v2 && (h->ctrl & CGC_CPUSET) &&
		    cpuset_fill(cg, h, rel, parent, e) < 0)
			return -1;
	}
	return 0;
}

static void
drop_hier(struct cg *cg, size_t i)
{
	memmove(&cg->hier[i], &cg->hier[i + 1],
	    (cg->nhier - i - 1) * sizeof(cg->hier[0]));
	cg->nhier--;
}

/* Unified: narrow cg->ctrl to the leaf's cgroup.controllers. */
static void
leaf_ctrl(struct cg *cg)
{
	struct err e2 = ERR_INIT;
	const struct cg_hier *h = find_v2(cg);
	char v[VAL_MAX];

	if (cg->mode != CG_UNIFIED || !h)
		return;
	if (read_at(h, cg->path, "cgroup.controllers", v, sizeof(v), &e2) < 0)
		cg->ctrl = 0;
	else
		cg->ctrl = parse_ctrl_list(v);
}

/* ---- processes ---- */

static int
parse_pids(char *text, pid_t **out, size_t *n, struct err *e)
{
	pid_t *v = NULL, *nv;
	size_t cnt = 0, cap = 0;
	char *p = text, *end;
	long x;

	while (*p) {
		x = strtol(p, &end, 10);
		if (end == p) {
			p++;
			continue;
		}
		p = end;
		if (x <= 0)
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				return err_sys(e, "cgroup.procs");
			}
			v = nv;
		}
		v[cnt++] = (pid_t)x;
	}
	*out = v;
	*n = cnt;
	return 0;
}

/* 1 if `pid` is a zombie (still listed by v1 until reaped) or gone. */
static int
dead(pid_t pid)
{
	char p[64], buf[512], *rp;
	ssize_t r;
	int fd;

	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return 0;
	buf[r] = '\0';
	rp = strrchr(buf, ')');
	return rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X');
}

/* The freezer to use: v1 freezer, else the v2 cgroup.freeze if any. */
static const struct cg_hier *
freezer_hier(const struct cg *cg, int *v2)
{
	const struct cg_hier *h = find_v1(cg, CGC_FREEZER);
	char p[PATH_MAX];
	struct err e2 = ERR_INIT;

	*v2 = 0;
	if (h && cg->mode != CG_UNIFIED)
		return h;
	h = find_v2(cg);
	if (!h || hpath(p, sizeof(p), h, cg->path, "cgroup.freeze", &e2) < 0 ||
	    access(p, F_OK) < 0)
		return NULL;
	*v2 = 1;
	return h;
}

/* 1 when the freezer of `h` reports state `frozen`, 0 not yet, -1 error. */
static int
freeze_done(const struct cg *cg, const struct cg_hier *h, int v2,
    int frozen, struct err *e)
{
	char v[VAL_MAX];

	if (v2) {
		if (read_at(h, cg->path, "cgroup.events", v, sizeof(v), e) < 0)
			return -1;
		return keyed(v, "frozen") == frozen;
	}
	if (read_at(h, cg->path, "freezer.state", v, sizeof(v), e) < 0)
		return -1;
	return strcmp(chomp(v), frozen ? "FROZEN" : "THAWED") == 0;
}

/* ---- shares to weight: log2 and 10^x without libm ---- */

static const double LN2 = 0.693147180559945309417232121458;
static const double LN10 = 2.30258509299404568401799145468;

/* Natural logarithm of x > 0: x = m * 2^k, ln m = 2 atanh((m-1)/(m+1)). */
static double
log_e(double x)
{
	double z, z2, term, sum = 0;
	int k = 0, i;

	while (x >= 2) {
		x /= 2;
		k++;
	}
	while (x < 1) {
		x *= 2;
		k--;
	}
	z = (x - 1) / (x + 1);
	z2 = z * z;
	term = z;
	for (i = 1; i < 60; i += 2) {
		sum += term / i;
		term *= z2;
	}
	return 2 * sum + k * LN2;
}

/* e^x for 0 <= x < 64: 2^n * e^r with |r| < ln 2, Taylor series. */
static double
exp_e(double x)
{
	double r, term = 1, sum = 1;
	int n = (int)(x / LN2), i;

	r = x - n * LN2;
	for (i = 1; i < 30; i++) {
		term *= r / i;
		sum += term;
	}
	while (n-- > 0)
		sum *= 2;
	return sum;
}

/* ---- number parsing ---- */

/* Digits "123.456": integer part and up to `maxfrac` fraction digits. */
static int
decimal(const char **sp, uint64_t *ip, uint64_t *fp, int *nfrac,
    int maxfrac, int *more)
{
	const char *s = *sp;
	int any = 0;

	*ip = 0;
	*fp = 0;
	*nfrac = 0;
	*more = 0;
	while (*s >= '0' && *s <= '9') {
		if (*ip > (UINT64_MAX - 9) / 10)
			return -1;
		*ip = *ip * 10 + (uint64_t)(*s++ - '0');
		any = 1;
	}
	if (*s == '.' && s[1] >= '0' && s[1] <= '9' && any) {
		s++;
		while (*s >= '0' && *s <= '9') {
			if (*nfrac < maxfrac) {
				*fp = *fp * 10 + (uint64_t)(*s - '0');
				(*nfrac)++;
			} else if (*s != '0') {
				*more = 1;
			}
			s++;
		}
	}
	*sp = s;
	return any ? 0 : -1;
}

/* ---- public ---- */

void
cg_limits_init(struct cg_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->memory = -1;
	lim->memory_swap = -1;
	lim->memory_reservation = -1;
	lim->cpu_shares = -1;
	lim->cpu_quota = -1;
	lim->cpu_period = -1;
	lim->pids = -1;
}

enum cg_mode
cg_mode_of(long root_magic, long unified_magic)
{
	if (root_magic == CGROUP2_MAGIC)
		return CG_UNIFIED;
	if (root_magic != TMPFS_MAGIC_ID)
		return 0;
	return unified_magic == CGROUP2_MAGIC ? CG_HYBRID : CG_LEGACY;
}

int
cg_detect(const char *root, enum cg_mode *mode, struct err *e)
{
	struct statfs st;
	char p[PATH_MAX];
	long rm, um = 0;
	enum cg_mode m;

	if (statfs(root, &st) < 0)
		return err_sys(e, "statfs %s", root);
	rm = (long)st.f_type;
	if (rm == TMPFS_MAGIC_ID && (size_t)snprintf(p, sizeof(p),
	    "%s/unified", root) < sizeof(p) && statfs(p, &st) == 0)
		um = (long)st.f_type;
	m = cg_mode_of(rm, um);
	if (!m)
		return err_set(e, ERR_NOTFOUND, "%s: neither a cgroup2 mount "
		    "nor a tmpfs of cgroup v1 mounts (filesystem type 0x%lx)",
		    root, (unsigned long)rm);
	*mode = m;
	return 0;
}

static int
init_mi(struct cg *cg, const char *root, const char *path,
    enum cg_mode mode, const char *mountinfo, const char *text,
    struct err *e)
{
	struct cg_hier *h;
	char v[VAL_MAX];
	size_t rl;

	memset(cg, 0, sizeof(*cg));
	cg->trace = -1;
	cg->mode = mode;
	if (mode != CG_LEGACY && mode != CG_HYBRID && mode != CG_UNIFIED)
		return err_set(e, ERR_USAGE, "bad cgroup mode %d", (int)mode);
	if (cpy(cg->root, sizeof(cg->root), root) < 0)
		return err_set(e, ENAMETOOLONG, "cgroup root %.100s: too long",
		    root);
	rl = strlen(cg->root);
	while (rl > 1 && cg->root[rl - 1] == '/')
		cg->root[--rl] = '\0';
	if (set_path(cg, path, e) < 0)
		return -1;
	if (mode != CG_UNIFIED && scan_v1(cg, mountinfo ? mountinfo :
	    "/proc/self/mountinfo", text, e) < 0)
		return err_ctx(e, "cgroup v1 mounts");
	if (mode != CG_LEGACY) {
		h = &cg->hier[cg->nhier];
		memset(h, 0, sizeof(*h));
		h->v2 = 1;
		h->optional = mode == CG_HYBRID;
		if ((size_t)snprintf(h->dir, sizeof(h->dir), "%s%s", cg->root,
		    mode == CG_HYBRID ? "/unified" : "") >= sizeof(h->dir))
			return err_set(e, ENAMETOOLONG, "cgroup root too long");
		cg->nhier++;
		if (mode == CG_UNIFIED) {
			if (read_at(h, "", "cgroup.controllers", v, sizeof(v),
			    e) < 0) {
				if (e->code != ENOENT)
					return -1;
				err_clear(e);
				v[0] = '\0';
			}
			cg->ctrl = parse_ctrl_list(v);
		}
	}
	if (!cg->nhier)
		return err_set(e, ERR_NOTFOUND, "no cgroup hierarchy mounted "
		    "under %s", cg->root);
	return 0;
}

int
cg_init(struct cg *cg, const char *root, const char *path,
    enum cg_mode mode, const char *mountinfo, struct err *e)
{
	return init_mi(cg, root, path, mode, mountinfo, NULL, e);
}

int
cg_make(struct cg *cg, const struct cg_limits *lim, struct err *e)
{
	size_t made[CG_HIER_MAX], i, j;
	struct err e2 = ERR_INIT;
	int rc = -1;

	memset(made, 0, sizeof(made));
	if (lim && check_limits(lim, e) < 0)
		return -1;
	for (i = 0; i < cg->nhier; i++) {
		if (make_hier(cg, &cg->hier[i], &made[i], &e2) == 0)
			continue;
		if (!cg->hier[i].optional) {
			*e = e2;
			err_ctx(e, "create cgroup %s", cg->path);
			goto out;
		}
		unmake(cg, &cg->hier[i], made[i] ? made[i] : SIZE_MAX);
		for (j = i; j + 1 < cg->nhier; j++)
			made[j] = made[j + 1];
		drop_hier(cg, i--);
		err_clear(&e2);
	}
	leaf_ctrl(cg);
	if (lim && cg_set(cg, lim, e) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		for (i = 0; i < cg->nhier; i++)
			if (made[i])
				unmake(cg, &cg->hier[i], made[i]);
	return rc;
}

int
cg_create_mi(struct cg *cg, const char *root, const char *path,
    const struct cg_limits *lim, enum cg_mode mode, const char *mountinfo,
    struct err *e)
{
	if (init_mi(cg, root, path, mode, NULL, mountinfo, e) < 0)
		return -1;
	return cg_make(cg, lim, e);
}

int
cg_create(struct cg *cg, const char *root, const char *path,
    const struct cg_limits *lim, struct err *e)
{
	enum cg_mode mode;

	if (cg_detect(root, &mode, e) < 0)
		return -1;
	return cg_create_mi(cg, root, path, lim, mode, NULL, e);
}

int
cg_open(struct cg *cg, const char *root, const char *path, struct err *e)
{
	enum cg_mode mode;
	char p[PATH_MAX];
	struct stat st;
	size_t i;

	if (cg_detect(root, &mode, e) < 0 ||
	    cg_init(cg, root, path, mode, NULL, e) < 0)
		return -1;
	for (i = 0; i < cg->nhier; i++) {
		if (hpath(p, sizeof(p), &cg->hier[i], cg->path, NULL, e) < 0)
			return -1;
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			continue;
		if (!cg->hier[i].v2)
			cg->ctrl &= ~cg->hier[i].ctrl;
		drop_hier(cg, i--);
	}
	if (!cg->nhier)
		return err_set(e, ERR_NOTFOUND, "cgroup %s: not found under "
		    "%s", cg->path, cg->root);
	leaf_ctrl(cg);
	return 0;
}

int
cg_enter(const struct cg *cg, pid_t pid, struct err *e)
{
	struct err e2 = ERR_INIT;
	char v[32];
	size_t i;
	int t, r;

	snprintf(v, sizeof(v), "%d", (int)pid);
	for (i = 0; i < cg->nhier; i++) {
		for (t = 0, r = -1; t < ENTER_TRIES && r < 0; t++) {
			if (t)
				sleep_ms(TICK_MS * 3);
			err_clear(&e2);
			r = write_file(cg, &cg->hier[i], "cgroup.procs", v,
			    &e2);
			if (r < 0 && e2.code != EINVAL)
				break;
		}
		if (r < 0 && !cg->hier[i].optional) {
			*e = e2;
			return err_ctx(e, "move %d into cgroup %s", (int)pid,
			    cg->path);
		}
		err_clear(&e2);
	}
	return 0;
}

static int
enter_some(const struct cg *cg, const char *who, unsigned which,
    struct err *e)
{
	struct err e2 = ERR_INIT;
	size_t i;
	int r;

	for (i = 0; i < cg->nhier; i++) {
		if (!(which & (cg->hier[i].v2 ? CG_ENTER_V2 : CG_ENTER_V1)))
			continue;
		err_clear(&e2);
		r = write_file(cg, &cg->hier[i], cg->hier[i].v2 ?
		    "cgroup.procs" : "tasks", who, &e2);
		if (r < 0 && !cg->hier[i].optional) {
			*e = e2;
			return err_ctx(e, "move %s into cgroup %s", who,
			    cg->path);
		}
	}
	return 0;
}

int
cg_enter_self(const struct cg *cg, unsigned which, struct err *e)
{
	return enter_some(cg, "0", which, e);
}

int
cg_enter_v2(const struct cg *cg, pid_t pid, struct err *e)
{
	char v[32];

	snprintf(v, sizeof(v), "%d", (int)pid);
	return enter_some(cg, v, CG_ENTER_V2, e);
}

int
cg_v2_fd(const struct cg *cg, struct err *e)
{
	char p[PATH_MAX];
	size_t i;
	int fd;

	for (i = 0; i < cg->nhier; i++) {
		if (!cg->hier[i].v2)
			continue;
		if (snprintf(p, sizeof(p), "%s%s", cg->hier[i].dir, cg->path) >=
		    (int)sizeof(p))
			return err_set(e, ENAMETOOLONG, "cgroup path too long");
		fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return err_sys(e, "open %s", p);
		return fd;
	}
	err_clear(e);
	return -1;
}

int
cg_set(const struct cg *cg, const struct cg_limits *lim, struct err *e)
{
	const struct cg_hier *h;
	int rc;

	if (!lim)
		return 0;
	if (check_limits(lim, e) < 0)
		return -1;
	if (lim->memory != -1 || lim->memory_swap != -1 ||
	    lim->memory_reservation != -1) {
		h = need(cg, CGC_MEMORY, "memory", "memory limit", e);
		if (!h)
			return -1;
		rc = cg->mode == CG_UNIFIED ? set_memory_v2(cg, h, lim, e) :
		    set_memory_v1(cg, h, lim, e);
		if (rc < 0)
			return -1;
	}
	if (set_cpu(cg, lim, e) < 0 || set_cpuset(cg, lim, e) < 0 ||
	    set_pids(cg, lim, e) < 0 || set_devices(cg, lim, e) < 0)
		return -1;
	return 0;
}

int
cg_oom_killed(const struct cg *cg, struct err *e)
{
	const struct cg_hier *h = ctrl_hier(cg, CGC_MEMORY);
	char v[VAL_MAX];
	int64_t n;

	if (!h)
		return 0;
	if (read_at(h, cg->path, cg->mode == CG_UNIFIED ? "memory.events" :
	    "memory.oom_control", v, sizeof(v), e) < 0) {
		if (e->code != ENOENT)
			return -1;
		err_clear(e);
		return 0;
	}
	n = keyed(v, "oom_kill");
	if (n >= 0)
		return n > 0;
	return keyed(v, "under_oom") > 0;
}

int
cg_pids(const struct cg *cg, pid_t **pids, size_t *n, struct err *e)
{
	const struct cg_hier *h = NULL;
	char p[PATH_MAX], *text;
	size_t len;
	int rc;

	*pids = NULL;
	*n = 0;
	if (cg->mode == CG_UNIFIED)
		h = find_v2(cg);
	if (!h)
		h = find_v1(cg, CGC_PIDS);
	if (!h)
		h = find_v1(cg, CGC_MEMORY);
	if (!h)
		h = find_v1(cg, ~0u);
	if (!h)
		h = find_v2(cg);
	if (!h)
		return err_set(e, ERR_NOTFOUND, "cgroup %s: no hierarchy",
		    cg->path);
	if (hpath(p, sizeof(p), h, cg->path, "cgroup.procs", e) < 0)
		return -1;
	text = io_read_file(p, BIG_MAX, &len, e);
	if (!text)
		return -1;
	rc = parse_pids(text, pids, n, e);
	free(text);
	return rc;
}

int
cg_kill(const struct cg *cg, int sig, struct err *e)
{
	const struct cg_hier *h2 = find_v2(cg), *fz;
	struct err e2 = ERR_INIT;
	pid_t *pids = NULL, self = getpid();
	size_t n, i, live;
	int t, v2, frozen;

	if (sig == SIGKILL && h2 && write_file(cg, h2, "cgroup.kill", "1",
	    &e2) < 0)
		err_clear(&e2);
	fz = freezer_hier(cg, &v2);
	for (t = 0; t < WAIT_TICKS; t++) {
		if (cg_pids(cg, &pids, &n, e) < 0)
			return err_ctx(e, "kill cgroup %s", cg->path);
		for (live = 0, i = 0; i < n; i++)
			if (pids[i] != self && !dead(pids[i]))
				live++;
		if (!live) {
			free(pids);
			return 0;
		}
		frozen = fz && cg_freeze(cg, 1, &e2) == 0;
		err_clear(&e2);
		for (i = 0; i < n; i++)
			if (pids[i] != self)
				kill(pids[i], sig);
		free(pids);
		pids = NULL;
		if (frozen && cg_freeze(cg, 0, e) < 0)
			return err_ctx(e, "kill cgroup %s", cg->path);
		if (sig != SIGKILL)
			return 0;
		sleep_ms(TICK_MS);
	}
	return err_set(e, ETIMEDOUT, "kill cgroup %s: processes remain "
	    "after SIGKILL", cg->path);
}

int
cg_freeze(const struct cg *cg, int frozen, struct err *e)
{
	const struct cg_hier *h;
	struct err e2 = ERR_INIT;
	int v2, t, r;

	h = freezer_hier(cg, &v2);
	if (!h)
		return err_set(e, ENOTSUP, "cgroup %s: no freezer available",
		    cg->path);
	if (v2)
		r = write_file(cg, h, "cgroup.freeze", frozen ? "1" : "0", e);
	else
		r = write_file(cg, h, "freezer.state", frozen ? "FROZEN" :
		    "THAWED", e);
	if (r < 0)
		return err_ctx(e, "%s cgroup %s", frozen ? "freeze" : "thaw",
		    cg->path);
	for (t = 0; t < WAIT_TICKS; t++) {
		r = freeze_done(cg, h, v2, frozen, e);
		if (r < 0)
			return err_ctx(e, "%s cgroup %s", frozen ? "freeze" :
			    "thaw", cg->path);
		if (r)
			return 0;
		sleep_ms(TICK_MS);
	}
	if (frozen)
		cg_freeze(cg, 0, &e2);
	return err_set(e, ETIMEDOUT, "%s cgroup %s: timed out", frozen ?
	    "freeze" : "thaw", cg->path);
}

/* rmdir `p` and the cgroup directories beneath it, deepest first. */
static int
rm_tree(char *p, size_t cap, struct err *e)
{
	DIR *d;
	struct dirent *de;
	size_t len = strlen(p);
	long us, waited = 0;
	int t;

	/* Usually a leaf whose tasks are gone: one rmdir does. */
	if (rmdir(p) == 0 || errno == ENOENT)
		return 0;
	d = opendir(p);
	if (!d)
		return errno == ENOENT ? 0 : err_sys(e, "%s", p);
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(p + len, cap - len, "/%s", de->d_name) >=
		    cap - len) {
			p[len] = '\0';
			closedir(d);
			return err_set(e, ENAMETOOLONG, "%s: path too long",
			    p);
		}
		if (rm_tree(p, cap, e) < 0) {
			closedir(d);
			return -1;
		}
		p[len] = '\0';
	}
	closedir(d);
	/* EBUSY while the last tasks finish exiting: poll quickly first
	 * (usually well under a millisecond), then every TICK_MS. */
	for (t = 0, us = 50; rmdir(p) < 0; t++) {
		struct timespec ts;

		if (errno == ENOENT)
			return 0;
		if (errno != EBUSY || waited >= RMDIR_TICKS * TICK_MS * 1000L)
			return err_sys(e, "rmdir %s", p);
		ts.tv_sec = 0;
		ts.tv_nsec = us * 1000L;
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		waited += us;
		if (us < TICK_MS * 1000L)
			us *= 2;
	}
	(void)t;
	return 0;
}

int
cg_remove(const struct cg *cg, struct err *e)
{
	struct err e2 = ERR_INIT;
	char p[PATH_MAX];
	size_t i;
	int rc = 0;

	for (i = 0; i < cg->nhier; i++) {
		if (hpath(p, sizeof(p), &cg->hier[i], cg->path, NULL,
		    &e2) == 0 && rm_tree(p, sizeof(p), &e2) == 0)
			continue;
		if (!cg->hier[i].optional && rc == 0) {
			*e = e2;
			rc = err_ctx(e, "remove cgroup %s", cg->path);
		}
		err_clear(&e2);
	}
	return rc;
}

int
cg_wants_ns(const struct cg *cg)
{
	return cg->mode == CG_UNIFIED;
}

int
cg_parse_bytes(const char *s, int64_t *bytes, struct err *e)
{
	static const char units[] = "kmgtp";
	const char *p = s, *u;
	uint64_t ip, fp, mult = 1, div = 1, v;
	int nf, more, i;

	if (decimal(&p, &ip, &fp, &nf, 18, &more) < 0)
		goto bad;
	if (*p == ' ')
		p++;
	if (*p && (u = strchr(units, *p | 0x20)) != NULL) {
		for (i = 0; i <= u - units; i++)
			mult *= 1024;
		p++;
		if (*p == 'i' || *p == 'I')
			p++;
	}
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p)
		goto bad;
	if (ip > (uint64_t)INT64_MAX / mult)
		goto bad;
	v = ip * mult;
	for (i = 0; i < nf; i++)
		div *= 10;
	/* fp < div <= 1e18, mult <= 2^50: long double keeps 64 bits */
	if (nf)
		v += (uint64_t)((long double)fp * (long double)mult /
		    (long double)div);
	if (v > (uint64_t)INT64_MAX)
		goto bad;
	*bytes = (int64_t)v;
	return 0;
bad:
	return err_set(e, ERR_USAGE, "invalid size: '%.100s'", s);
}

int
cg_parse_cpus(const char *s, long ncpu, int64_t *quota, int64_t *period,
    struct err *e)
{
	const char *p = s;
	uint64_t ip, fp, nano;
	int nf, more, i;

	if (decimal(&p, &ip, &fp, &nf, 9, &more) < 0 || *p)
		return err_set(e, ERR_USAGE, "invalid --cpus value: '%.100s'",
		    s);
	if (more)
		return err_set(e, ERR_USAGE, "invalid --cpus value: '%.100s': "
		    "value is too precise", s);
	for (i = nf; i < 9; i++)
		fp *= 10;
	if (ip > (uint64_t)ncpu + 1)
		nano = UINT64_MAX;
	else
		nano = ip * NANO + fp;
	if (nano == 0) {
		*quota = -1;
		*period = -1;
		return 0;
	}
	if (nano < CPUS_MIN_NANO || nano > (uint64_t)ncpu * NANO)
		return err_set(e, ERR_USAGE, "range of CPUs is from 0.01 to "
		    "%ld.00, as there are only %ld CPUs available", ncpu,
		    ncpu);
	*period = CG_CPU_PERIOD;
	*quota = (int64_t)(nano * CG_CPU_PERIOD / NANO);
	return 0;
}

uint64_t
cg_shares_to_weight(uint64_t shares)
{
	double l, x, w;
	uint64_t u;

	if (shares == 0)
		return 0;
	if (shares <= SHARES_MIN)
		return 1;
	if (shares >= SHARES_MAX)
		return 10000;
	l = log_e((double)shares) / LN2;
	x = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
	/* ceil(10^x); the slack absorbs our series' last-bit errors */
	w = exp_e(x * LN10) - 1e-9;
	u = (uint64_t)w;
	if ((double)u < w)
		u++;
	return u;
}

/* cgroup.h - container cgroups on cgroup v1 (legacy), v2 and hybrid hosts
 *
 * A container's cgroup is one relative path ("/rocker/<id>") created in
 * every hierarchy that applies to the host (docs/cgroups.md):
 *
 *  - CG_UNIFIED: /sys/fs/cgroup is cgroup2. The path lives there; limits
 *    go to the v2 files (memory.max, cpu.max, ...). Controllers are
 *    enabled top-down in each ancestor's cgroup.subtree_control.
 *  - CG_LEGACY: /sys/fs/cgroup is a tmpfs holding one cgroup v1 mount per
 *    hierarchy (found in /proc/self/mountinfo, so co-mounted "cpu,cpuacct"
 *    and named hierarchies like "name=systemd" are handled). The path is
 *    made in each of them; limits go to the v1 files.
 *  - CG_HYBRID: legacy plus a cgroup2 mount at /sys/fs/cgroup/unified.
 *    Limits go to v1 as on legacy (as Docker does); processes are also
 *    placed in the unified hierarchy, best effort (as systemd and crun do).
 *
 * A `struct cg` is caller-allocated and holds no heap memory or file
 * descriptors: it needs no freeing and may be copied. Its fields are
 * read-only for callers. Nothing here prints, exits or forks; functions
 * that can fail take `struct err *e` last and return -1 with it set.
 */
#ifndef ROCKER_CGROUP_H
#define ROCKER_CGROUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

enum cg_mode {
	CG_LEGACY = 1,
	CG_HYBRID,
	CG_UNIFIED,
};

enum {
	CG_ROOT_MAX = 256,	/* longest root, e.g. "/sys/fs/cgroup" */
	CG_PATH_MAX = 256,	/* longest relative cgroup path */
	CG_DIR_MAX = 320,	/* longest hierarchy mount point */
	CG_HIER_MAX = 16,	/* hierarchies one cgroup spans */
	CG_CPU_PERIOD = 100000,	/* default CFS period (microseconds) */
};

/* Controllers, as bits of cg_hier.ctrl and cg.ctrl. */
enum cg_ctrl {
	CGC_CPU = 1 << 0,
	CGC_CPUACCT = 1 << 1,
	CGC_CPUSET = 1 << 2,
	CGC_MEMORY = 1 << 3,
	CGC_PIDS = 1 << 4,
	CGC_DEVICES = 1 << 5,
	CGC_FREEZER = 1 << 6,
	CGC_BLKIO = 1 << 7,	/* "io" on v2 */
	CGC_HUGETLB = 1 << 8,
	CGC_NET_CLS = 1 << 9,
	CGC_NET_PRIO = 1 << 10,
	CGC_PERF_EVENT = 1 << 11,
	CGC_RDMA = 1 << 12,
	CGC_MISC = 1 << 13,
};

/* One hierarchy the cgroup lives in. */
struct cg_hier {
	char dir[CG_DIR_MAX];	/* its mount point (the hierarchy root) */
	unsigned ctrl;		/* CGC_* bound to it (v1); 0: v2, named */
	int v2;			/* 1: the cgroup2 hierarchy */
	int optional;		/* 1: failures ignored (hybrid v2, named v1
				 * hierarchies such as name=systemd) */
};

/*
 * A container cgroup. `ctrl` is the union of the controllers usable for
 * limits: v1 controllers mounted, or (unified) those listed in the root's
 * cgroup.controllers. `trace`, -1 after cg_init(), may be set by tests to
 * a file descriptor receiving one line "FILE VALUE" (FILE relative to the
 * hierarchy root, e.g. "memory/rocker/x/memory.limit_in_bytes") for every
 * write, in order.
 */
struct cg {
	enum cg_mode mode;
	char root[CG_ROOT_MAX];	/* normally "/sys/fs/cgroup" */
	char path[CG_PATH_MAX];	/* "/rocker/<id>": leading /, no ".." */
	struct cg_hier hier[CG_HIER_MAX];
	size_t nhier;
	unsigned ctrl;
	int trace;
};

/* One device rule (OCI linux.resources.devices); -1 major/minor is '*'. */
struct cg_devrule {
	int allow;		/* 1 allow, 0 deny */
	char type;		/* 'a' (all), 'c' or 'b' */
	int64_t major, minor;
	char access[4];		/* some of "rwm", NUL-terminated */
};

/*
 * Resource limits. Every int64_t is -1 when not set; strings are NULL
 * when not set. Pointers are borrowed for the duration of the call.
 *
 *  memory, memory_reservation: bytes; INT64_MAX means unlimited.
 *  memory_swap: memory plus swap, Docker's --memory-swap: INT64_MAX is
 *    unlimited swap; otherwise it must be >= memory and needs memory set.
 *    When memory is set and memory_swap is not, swap is limited to the
 *    memory amount (memsw = 2 * memory), only where swap accounting exists.
 *  cpu_shares: v1 cpu.shares (2..262144); v2 cpu.weight through
 *    cg_shares_to_weight().
 *  cpu_quota, cpu_period: microseconds. cpu_quota INT64_MAX is no quota.
 *    A quota without a period uses CG_CPU_PERIOD on v2.
 *  cpuset_cpus, cpuset_mems: "0-3,7" lists.
 *  pids: pids.max; INT64_MAX means "max".
 *  devices_default: 1 gives the v1 devices controller Docker's default
 *    allow-list (deny "a"; allow "c *:* m", "b *:* m", c 1:3 1:5 1:7 1:8
 *    1:9 5:0 5:1 5:2 136:* 10:200 rwm) before `devices`.
 *  devices, ndevices: explicit rules written in order after the default.
 *    Devices are enforced on v1 only: on v2 there is no file for them (a
 *    BPF program would be needed) and they are ignored.
 */
struct cg_limits {
	int64_t memory;
	int64_t memory_swap;
	int64_t memory_reservation;
	int64_t cpu_shares;
	int64_t cpu_quota;
	int64_t cpu_period;
	const char *cpuset_cpus;
	const char *cpuset_mems;
	int64_t pids;
	int devices_default;
	const struct cg_devrule *devices;
	size_t ndevices;
};

/* Set every field of `lim` to "not set". */
void cg_limits_init(struct cg_limits *lim);

/*
 * The mode implied by statfs(2) f_type values: `root_magic` of the root
 * (normally /sys/fs/cgroup) and `unified_magic` of root/unified (0 when
 * it could not be examined). CGROUP2_SUPER_MAGIC root: CG_UNIFIED; TMPFS
 * root: CG_HYBRID if unified is cgroup2, else CG_LEGACY; anything else:
 * 0. Pure, for tests.
 */
enum cg_mode cg_mode_of(long root_magic, long unified_magic);

/*
 * Detect the host's mode from `root` ("/sys/fs/cgroup") with statfs(2)
 * and cg_mode_of(). Returns 0 with *mode set, or -1 (not a cgroup root:
 * ERR_NOTFOUND; statfs failure: errno).
 */
int cg_detect(const char *root, enum cg_mode *mode, struct err *e);

/*
 * Fill `cg` for cgroup `path` in mode `mode` under `root` without
 * touching any cgroup: check the path (components other than "." and
 * "..", e.g. "/rocker/x" or "rocker/x"; stored with a leading '/'), find
 * the v1 hierarchies mounted directly beneath `root` in `mountinfo` (a
 * /proc/PID/mountinfo file; NULL means /proc/self/mountinfo; unused in
 * CG_UNIFIED), one per superblock, and the v2 one (root in CG_UNIFIED,
 * root/unified in CG_HYBRID). In CG_UNIFIED, `ctrl` is read from the
 * root's cgroup.controllers (missing file: none). Tests call this with
 * a fake tree and mountinfo; callers use cg_create() or cg_open().
 * Returns 0, or -1 (bad path: ERR_USAGE; no hierarchy: ERR_NOTFOUND).
 */
int cg_init(struct cg *cg, const char *root, const char *path,
    enum cg_mode mode, const char *mountinfo, struct err *e);

/*
 * Create the directories of an initialised `cg` in every hierarchy
 * (existing ones are reused), then apply `lim` (may be NULL) with
 * cg_set(). On v1 every new cpuset directory gets cpuset.cpus and
 * cpuset.mems copied from its parent. On v2 (CG_UNIFIED) each ancestor
 * enables, in its cgroup.subtree_control, the controllers among cpuset,
 * cpu, io, memory, hugetlb and pids that its cgroup.controllers lists
 * (all at once, else one by one; EBUSY from the no-internal-process rule
 * is retried briefly, then that controller is skipped), and `ctrl` is
 * narrowed to the leaf's cgroup.controllers. On failure every directory
 * this call made is removed again. Returns 0 or -1.
 */
int cg_make(struct cg *cg, const struct cg_limits *lim, struct err *e);

/*
 * cg_detect() + cg_init() + cg_make() on the live host: create cgroup
 * `path` (e.g. "/rocker/<id>") below `root` ("/sys/fs/cgroup") and apply
 * `lim` (may be NULL). A limit whose controller is missing altogether is
 * an error naming the controller. Returns 0 or -1; nothing is left
 * behind on failure.
 */
int cg_create(struct cg *cg, const char *root, const char *path,
    const struct cg_limits *lim, struct err *e);

/*
 * cg_create() for a caller that has already run cg_detect() (`mode`) and
 * read /proc/self/mountinfo (`mountinfo`, its text; NULL: read here), so
 * that the text serves it again (the runtime's init binds the hierarchies
 * it lists).
 */
int cg_create_mi(struct cg *cg, const char *root, const char *path,
    const struct cg_limits *lim, enum cg_mode mode, const char *mountinfo,
    struct err *e);

/*
 * Re-open the existing cgroup `path` (for exec, stop, rm, the OOM check):
 * like cg_create() without creating or writing anything. Fails with
 * ERR_NOTFOUND when the path exists in none of the hierarchies.
 */
int cg_open(struct cg *cg, const char *root, const char *path,
    struct err *e);

/*
 * Move process `pid` into the cgroup in every hierarchy (cgroup.procs).
 * Optional hierarchies (hybrid v2, named v1) are best effort. Returns 0
 * or -1.
 */
int cg_enter(const struct cg *cg, pid_t pid, struct err *e);

/* Which hierarchies cg_enter_self() and cg_enter_v2() touch. */
enum {
	CG_ENTER_V1 = 1 << 0,
	CG_ENTER_V2 = 1 << 1,
};

/*
 * Move the calling thread (a container's init before it runs anything:
 * it has one thread) into the cgroup in the hierarchies `which` says.
 * v1 hierarchies get "0" written to `tasks`: a thread moving itself is
 * the one migration the kernel does without its global threadgroup lock,
 * whose RCU grace period costs milliseconds per cgroup.procs write. The
 * cgroup2 hierarchy has no such file and gets the usual cgroup.procs
 * write (avoid it with clone3(CLONE_INTO_CGROUP), see cg_v2_fd()).
 * Returns 0 or -1.
 */
int cg_enter_self(const struct cg *cg, unsigned which, struct err *e);

/* cg_enter() for the cgroup2 hierarchy only (if any). 0 or -1. */
int cg_enter_v2(const struct cg *cg, pid_t pid, struct err *e);

/*
 * An O_PATH|O_DIRECTORY fd (the caller closes it) of the cgroup in the
 * cgroup2 hierarchy, for clone3(CLONE_INTO_CGROUP); -1 with e->code 0
 * when the host has no cgroup2 hierarchy, -1 with `e` set on error.
 */
int cg_v2_fd(const struct cg *cg, struct err *e);

/*
 * Apply `lim` (NULL: nothing) to the existing cgroup; used by cg_make()
 * and by `update`. Validates first (memory_swap against memory), then
 * writes memory, cpu, cpuset, pids and devices files in that order; v1
 * memory and memsw are ordered so the kernel never sees memory > memsw.
 * Missing swap accounting files mean swap is not limited (not an error);
 * a limit whose controller is absent is an error naming it. Returns 0 or
 * -1 (the first failure; earlier writes stay).
 */
int cg_set(const struct cg *cg, const struct cg_limits *lim,
    struct err *e);

/*
 * 1 if the kernel OOM-killed a process in the cgroup, 0 if not, -1 on
 * error. v2: memory.events "oom_kill N" > 0. v1: memory.oom_control
 * "oom_kill N" > 0 (Linux 4.13+), else "under_oom 1". No memory
 * controller (or its file) means 0.
 */
int cg_oom_killed(const struct cg *cg, struct err *e);

/*
 * The processes in the cgroup: cgroup.procs of the v2 hierarchy in
 * CG_UNIFIED, else of the v1 pids, memory or first hierarchy. On success
 * *pids is a new heap array the caller frees (NULL when *n is 0).
 * Returns 0 or -1.
 */
int cg_pids(const struct cg *cg, pid_t **pids, size_t *n, struct err *e);

/*
 * Send `sig` to every process in the cgroup (never to the caller). With
 * SIGKILL, write "1" to the v2 cgroup.kill when it exists; otherwise, or
 * in addition, freeze (when a freezer is available), signal every pid in
 * cg_pids(), thaw, and for SIGKILL repeat until the cgroup is empty
 * (ETIMEDOUT after about 5 seconds). Returns 0 or -1.
 */
int cg_kill(const struct cg *cg, int sig, struct err *e);

/*
 * Freeze (`frozen` 1) or thaw (0) the cgroup and wait until the kernel
 * reports it done: v1 freezer.state FROZEN/THAWED, else v2 cgroup.freeze
 * with "frozen" in cgroup.events. ETIMEDOUT (and thawed again) when
 * freezing takes longer than about 5 seconds; ENOTSUP without a freezer.
 * Returns 0 or -1.
 */
int cg_freeze(const struct cg *cg, int frozen, struct err *e);

/*
 * Remove the cgroup's directory, and any child cgroups of it, in every
 * hierarchy; EBUSY (last processes exiting) is retried for about 2
 * seconds. A missing directory is success. Ancestors ("/rocker") stay.
 * Returns 0 or -1.
 */
int cg_remove(const struct cg *cg, struct err *e);

/*
 * 1 if containers on this host get a private cgroup namespace (unified
 * mode only, like Docker), else 0.
 */
int cg_wants_ns(const struct cg *cg);

/*
 * Parse a size the way Docker's RAMInBytes does: a decimal number
 * ("512", "1.5"), an optional space, an optional unit k, m, g, t or p
 * (powers of 1024, any case), an optional "i" after the unit and an
 * optional "b": "512m", "512MB", "1.5g", "100". The fraction is
 * truncated. Returns 0 with *bytes set, or -1 with ERR_USAGE
 * "invalid size: '12q'" (also on overflow).
 */
int cg_parse_bytes(const char *s, int64_t *bytes, struct err *e);

/*
 * Parse Docker's --cpus value ("1.5", at most 9 decimals) for a host with
 * `ncpu` CPUs into a CFS quota and period: 1.5 -> 150000 / 100000. "0"
 * means unset (-1 / -1). Outside 0.01..ncpu: ERR_USAGE "range of CPUs is
 * from 0.01 to N.00, as there are only N CPUs available"; not a number:
 * ERR_USAGE "invalid --cpus value: 'x'". Returns 0 or -1.
 */
int cg_parse_cpus(const char *s, long ncpu, int64_t *quota,
    int64_t *period, struct err *e);

/*
 * cgroup v1 cpu.shares to v2 cpu.weight with the quadratic (in log2 of
 * the shares) curve runc and crun now use, through (2, 1), (1024, 100)
 * and (262144, 10000): l = log2(shares), weight =
 * ceil(10^((l*l + 125*l) / 612 - 7/34)); shares <= 2 -> 1, >= 262144 ->
 * 10000, 0 (unset) -> 0. The older linear formula gave 39 for 1024, far
 * from the default weight 100.
 */
uint64_t cg_shares_to_weight(uint64_t shares);

#endif

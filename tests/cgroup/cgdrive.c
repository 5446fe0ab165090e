/* cgdrive.c - drive core/cgroup.c from tests/integration/cgroup.test
 *
 * usage: cgdrive detect
 *        cgdrive create|set PATH [-m SIZE] [--memory-swap SIZE|-1]
 *            [--pids N|-1] [--cpus X] [--cpu-shares N] [--cpuset-cpus L]
 *            [--cpuset-mems L] [--devices-default]
 *        cgdrive enter PATH PID
 *        cgdrive exec PATH CMD [ARG...]
 *        cgdrive pids|oom|remove PATH
 *        cgdrive kill PATH [SIGNUM]
 *        cgdrive freeze PATH 1|0
 *
 * The cgroup root is $CGDRIVE_ROOT or /sys/fs/cgroup. Errors go to stderr
 * as "cgdrive: message"; the exit status is 1 (2 for usage).
 */
#define _GNU_SOURCE

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"

static int
fail(const struct err *e)
{
	fprintf(stderr, "cgdrive: %s\n", e->msg);
	return 1;
}

static int
usage(void)
{
	fprintf(stderr, "usage: cgdrive detect | create|set PATH [LIMITS] | "
	    "enter PATH PID | exec PATH CMD... | pids|oom|remove PATH | "
	    "kill PATH [SIG] | freeze PATH 1|0\n");
	return 2;
}

static int
limits(int argc, char **argv, struct cg_limits *lim, struct err *e)
{
	int i;
	char *a, *v;

	cg_limits_init(lim);
	for (i = 0; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "--devices-default") == 0) {
			lim->devices_default = 1;
			continue;
		}
		if (i + 1 >= argc)
			return err_set(e, ERR_USAGE, "%s needs a value", a);
		v = argv[++i];
		if (strcmp(a, "-m") == 0) {
			if (cg_parse_bytes(v, &lim->memory, e) < 0)
				return -1;
		} else if (strcmp(a, "--memory-swap") == 0) {
			if (strcmp(v, "-1") == 0)
				lim->memory_swap = INT64_MAX;
			else if (cg_parse_bytes(v, &lim->memory_swap, e) < 0)
				return -1;
		} else if (strcmp(a, "--pids") == 0) {
			lim->pids = strtoll(v, NULL, 10);
			if (lim->pids <= 0)
				lim->pids = INT64_MAX;
		} else if (strcmp(a, "--cpus") == 0) {
			if (cg_parse_cpus(v, sysconf(_SC_NPROCESSORS_ONLN),
			    &lim->cpu_quota, &lim->cpu_period, e) < 0)
				return -1;
		} else if (strcmp(a, "--cpu-shares") == 0) {
			lim->cpu_shares = strtoll(v, NULL, 10);
		} else if (strcmp(a, "--cpuset-cpus") == 0) {
			lim->cpuset_cpus = v;
		} else if (strcmp(a, "--cpuset-mems") == 0) {
			lim->cpuset_mems = v;
		} else {
			return err_set(e, ERR_USAGE, "unknown option %s", a);
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const char *const names[] = { "", "legacy", "hybrid",
	    "unified" };
	const char *root = getenv("CGDRIVE_ROOT");
	struct err e = ERR_INIT;
	struct cg_limits lim;
	struct cg cg;
	enum cg_mode mode;
	pid_t *pids;
	size_t n, i;
	int r;

	if (!root)
		root = "/sys/fs/cgroup";
	if (argc == 2 && strcmp(argv[1], "detect") == 0) {
		if (cg_detect(root, &mode, &e) < 0)
			return fail(&e);
		printf("%s\n", names[mode]);
		return 0;
	}
	if (argc < 3)
		return usage();
	if (strcmp(argv[1], "create") == 0) {
		if (limits(argc - 3, argv + 3, &lim, &e) < 0 ||
		    cg_create(&cg, root, argv[2], &lim, &e) < 0)
			return fail(&e);
		return 0;
	}
	if (cg_open(&cg, root, argv[2], &e) < 0) {
		if (strcmp(argv[1], "remove") == 0 && e.code == ERR_NOTFOUND)
			return 0;
		return fail(&e);
	}
	if (strcmp(argv[1], "set") == 0) {
		if (limits(argc - 3, argv + 3, &lim, &e) < 0 ||
		    cg_set(&cg, &lim, &e) < 0)
			return fail(&e);
	} else if (strcmp(argv[1], "enter") == 0 && argc == 4) {
		if (cg_enter(&cg, (pid_t)atoi(argv[3]), &e) < 0)
			return fail(&e);
	} else if (strcmp(argv[1], "exec") == 0 && argc >= 4) {
		if (cg_enter(&cg, getpid(), &e) < 0)
			return fail(&e);
		execvp(argv[3], argv + 3);
		perror(argv[3]);
		return 127;
	} else if (strcmp(argv[1], "pids") == 0 && argc == 3) {
		if (cg_pids(&cg, &pids, &n, &e) < 0)
			return fail(&e);
		for (i = 0; i < n; i++)
			printf("%d\n", (int)pids[i]);
		free(pids);
	} else if (strcmp(argv[1], "oom") == 0 && argc == 3) {
		r = cg_oom_killed(&cg, &e);
		if (r < 0)
			return fail(&e);
		printf("%d\n", r);
	} else if (strcmp(argv[1], "kill") == 0 && argc <= 4) {
		if (cg_kill(&cg, argc == 4 ? atoi(argv[3]) : SIGKILL, &e) < 0)
			return fail(&e);
	} else if (strcmp(argv[1], "freeze") == 0 && argc == 4) {
		if (cg_freeze(&cg, atoi(argv[3]), &e) < 0)
			return fail(&e);
	} else if (strcmp(argv[1], "remove") == 0 && argc == 3) {
		if (cg_remove(&cg, &e) < 0)
			return fail(&e);
	} else {
		return usage();
	}
	return 0;
}

/* benchrun.c - time commands side by side: alternating runs, median wall
 * time, ratio to the first command, peak RSS from wait4()
 *
 * usage: benchrun [-n RUNS] [-w WARMUP] [-u UNITS] [-t TITLE] [-c CLEANUP]
 *                 LABEL CMD [LABEL CMD...]
 *
 * CMD is one shell word; it runs through "/bin/sh -c 'exec CMD'" when it
 * holds shell syntax, otherwise it is split on blanks and executed
 * directly (so tiny commands are not charged for a shell). Each round runs
 * every command once, in order, so drift on the machine hits all alike.
 * With -u N, an extra column shows N / median seconds (e.g. MB/s for an
 * N MB input). With -c, the shell command CLEANUP runs after every run,
 * untimed (e.g. to empty a store between pulls). The commands' stdout is
 * discarded. Prints one table row per command.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum {
	MAX_CMDS = 16,
	MAX_RUNS = 101,
	MAX_ARGS = 64,
};

struct cmd {
	const char *label;
	const char *line;
	double t[MAX_RUNS];
	long maxrss_kb;
	int failed;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
needs_shell(const char *s)
{
	return strpbrk(s, "|&;<>()$`\\\"'*?[]{}~=#\n") != NULL;
}

/* Run one command; returns wall seconds, or -1 if it failed. */
static double
run_once(struct cmd *c)
{
	char buf[4096], *argv[MAX_ARGS], *p;
	struct rusage ru;
	double t0, t1;
	pid_t pid;
	int st, n = 0;

	if (needs_shell(c->line)) {
		snprintf(buf, sizeof(buf), "exec %s", c->line);
		argv[n++] = "sh";
		argv[n++] = "-c";
		argv[n++] = buf;
	} else {
		snprintf(buf, sizeof(buf), "%s", c->line);
		for (p = strtok(buf, " \t"); p && n < MAX_ARGS - 1;
		    p = strtok(NULL, " \t"))
			argv[n++] = p;
	}
	argv[n] = NULL;
	t0 = now();
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0)
			dup2(fd, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	t1 = now();
	if (ru.ru_maxrss > c->maxrss_kb)
		c->maxrss_kb = ru.ru_maxrss;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	return t1 - t0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *t, int n)
{
	double s[MAX_RUNS];

	memcpy(s, t, n * sizeof(*t));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

int
main(int argc, char **argv)
{
	struct cmd cmds[MAX_CMDS];
	const char *title = NULL, *cleanup = NULL;
	double units = 0, m, base = 0, d;
	int runs = 5, warm = 1, nc = 0, c, i, r;

	while ((c = getopt(argc, argv, "n:w:u:t:c:")) != -1) {
		switch (c) {
		case 'n':
			runs = atoi(optarg);
			break;
		case 'w':
			warm = atoi(optarg);
			break;
		case 'u':
			units = atof(optarg);
			break;
		case 't':
			title = optarg;
			break;
		case 'c':
			cleanup = optarg;
			break;
		default:
			return 2;
		}
	}
	if (runs < 1 || runs > MAX_RUNS || (argc - optind) % 2 ||
	    argc - optind < 2 || (argc - optind) / 2 > MAX_CMDS) {
		fprintf(stderr, "usage: benchrun [-n RUNS] [-w WARMUP] "
		    "[-u UNITS] [-t TITLE] [-c CLEANUP] LABEL CMD...\n");
		return 2;
	}
	memset(cmds, 0, sizeof(cmds));
	for (i = optind; i < argc; i += 2, nc++) {
		cmds[nc].label = argv[i];
		cmds[nc].line = argv[i + 1];
	}
	for (r = 0; r < warm; r++)
		for (i = 0; i < nc; i++) {
			if (run_once(&cmds[i]) < 0)
				cmds[i].failed = 1;
			if (cleanup && system(cleanup) != 0)
				fprintf(stderr, "benchrun: cleanup failed\n");
		}
	for (r = 0; r < runs; r++)
		for (i = 0; i < nc; i++) {
			d = run_once(&cmds[i]);
			if (d < 0)
				cmds[i].failed = 1;
			cmds[i].t[r] = d;
			if (cleanup && system(cleanup) != 0)
				fprintf(stderr, "benchrun: cleanup failed\n");
		}
	if (title)
		printf("\n%s (%d runs, median)\n", title, runs);
	printf("  %-34s %10s %8s %9s%s\n", "command", "time", "ratio",
	    "peak RSS", units ? "  throughput" : "");
	for (i = 0; i < nc; i++) {
		if (cmds[i].failed) {
			printf("  %-34s %10s\n", cmds[i].label, "FAILED");
			continue;
		}
		m = median(cmds[i].t, runs);
		if (i == 0)
			base = m;
		printf("  %-34s %8.1fms %7.2fx %7.1fMiB", cmds[i].label,
		    m * 1e3, base > 0 ? m / base : 0,
		    cmds[i].maxrss_kb / 1024.0);
		if (units)
			printf("  %7.0f/s", units / m);
		putchar('\n');
	}
	for (i = 0; i < nc; i++)
		if (cmds[i].failed)
			return 1;
	return 0;
}

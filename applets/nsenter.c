/* nsenter.c - run a program in other namespaces, like util-linux nsenter */

#include <getopt.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "applet.h"
#include "container.h"
#include "nsenter.h"
#include "sealexe.h"

extern char **environ;

const char nsenter_usage[] =
"usage: rocker nsenter [OPTIONS] [PROGRAM [ARG...]]\n"
"\n"
"Run PROGRAM ($SHELL or /bin/sh by default) in the namespaces of another\n"
"process or of namespace files, as util-linux nsenter does.\n"
"\n"
"  -t, --target PID          take the namespaces of process PID\n"
"      --container NAME      ... of the init of rocker container NAME (or id)\n"
"  -a, --all                 enter every namespace of the target\n"
"  -m, --mount[=FILE]        enter the mount namespace (of FILE, e.g. a\n"
"  -u, --uts[=FILE]          ... UTS namespace       bind-mounted one such\n"
"  -i, --ipc[=FILE]          ... IPC namespace       as /run/netns/NAME)\n"
"  -n, --net[=FILE]          ... network namespace\n"
"  -p, --pid[=FILE]          ... pid namespace\n"
"  -C, --cgroup[=FILE]       ... cgroup namespace\n"
"  -U, --user[=FILE]         ... user namespace (and become 0:0 there)\n"
"  -T, --time[=FILE]         ... time namespace\n"
"  -S, --setuid UID          set the uid in the entered namespaces\n"
"  -G, --setgid GID          set the gid (and drop supplementary groups)\n"
"      --preserve-credentials  keep uid and gid with --user\n"
"  -r, --root[=DIR]          chroot to DIR (default: the target's root)\n"
"  -w, --wd[=DIR]            cd to DIR (default: the target's cwd)\n"
"  -F, --no-fork             do not fork before running PROGRAM (a pid\n"
"                            namespace then applies to its children only)\n"
"\n"
"A short option takes its FILE attached (-n/run/netns/x), a long one\n"
"after '=' (--net=/run/netns/x). Exit status: PROGRAM's; 1 when nsenter\n"
"fails; 126/127 when PROGRAM cannot be run or is not found.\n";

enum {
	OPT_PRESERVE = 256,
	OPT_CONTAINER,
};

static const char short_opts[] = "+aht:m::u::i::n::p::C::U::T::S:G:r::w::F";

static const struct option long_opts[] = {
	{ "all", no_argument, NULL, 'a' },
	{ "help", no_argument, NULL, 'h' },
	{ "target", required_argument, NULL, 't' },
	{ "mount", optional_argument, NULL, 'm' },
	{ "uts", optional_argument, NULL, 'u' },
	{ "ipc", optional_argument, NULL, 'i' },
	{ "net", optional_argument, NULL, 'n' },
	{ "pid", optional_argument, NULL, 'p' },
	{ "cgroup", optional_argument, NULL, 'C' },
	{ "user", optional_argument, NULL, 'U' },
	{ "time", optional_argument, NULL, 'T' },
	{ "setuid", required_argument, NULL, 'S' },
	{ "setgid", required_argument, NULL, 'G' },
	{ "root", optional_argument, NULL, 'r' },
	{ "wd", optional_argument, NULL, 'w' },
	{ "no-fork", no_argument, NULL, 'F' },
	{ "preserve-credentials", no_argument, NULL, OPT_PRESERVE },
	{ "container", required_argument, NULL, OPT_CONTAINER },
	{ NULL, 0, NULL, 0 },
};

/* The namespace kind of an option letter, or -1. */
static int
ns_of(int c)
{
	switch (c) {
	case 'm': return SPEC_NS_MOUNT;
	case 'u': return SPEC_NS_UTS;
	case 'i': return SPEC_NS_IPC;
	case 'n': return SPEC_NS_NET;
	case 'p': return SPEC_NS_PID;
	case 'C': return SPEC_NS_CGROUP;
	case 'U': return SPEC_NS_USER;
	case 'T': return SPEC_NS_TIME;
	}
	return -1;
}

/* "-n=FILE" reaches us as "=FILE", as in util-linux. */
static const char *
file_arg(const char *a)
{
	if (a && *a == '=')
		a++;
	return a && *a ? a : NULL;
}

static unsigned long
parse_id(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v > 0xfffffffeUL || *s == '-')
		die_msg(1, "failed to parse %s: '%s'", what, s);
	return v;
}

/* The pid of running container `key`'s init. */
static pid_t
container_pid(const char *key, pid_t *monitor)
{
	struct ctr c;
	struct err e = ERR_INIT;
	pid_t pid;

	if (ctr_open(rk.cfg.state, key, &c, &e) < 0)
		die_err(&e, 1);
	if (c.st.status != CTR_RUNNING || c.st.pid <= 0 ||
	    !ctr_monitor_alive(&c))
		die_msg(1, "container %s is not running", key);
	pid = c.st.pid;
	*monitor = c.st.monitor;
	ctr_close(&c);
	return pid;
}

/* Run the program (or the shell) in place; only returns its status. */
static int
run_program(int argc, char **argv)
{
	const char *sh, *base;
	char arg0[PATH_MAX];
	int err;

	if (argc > 0) {
		execvp(argv[0], argv);
		err = errno;
		warn_msg("failed to execute %s: %s", argv[0], strerror(err));
		return err == ENOENT ? 127 : 126;
	}
	sh = getenv("SHELL");
	if (!sh || !*sh)
		sh = "/bin/sh";
	base = strrchr(sh, '/');
	base = base ? base + 1 : sh;
	/* A login shell, as util-linux starts it. */
	snprintf(arg0, sizeof(arg0), "-%s", base);
	execl(sh, arg0, (char *)NULL);
	err = errno;
	warn_msg("failed to execute %s: %s", sh, strerror(err));
	return err == ENOENT ? 127 : 126;
}

int
nsenter_main(int argc, char **argv)
{
	struct nsenter_opts no;
	struct err e = ERR_INIT;
	const char *container = NULL;
	pid_t monitor = 0;
	int c, k, status;

	memset(&no, 0, sizeof(no));
	no.fork = -1;
	optind = 0;
	while ((c = getopt_long(argc, argv, short_opts, long_opts,
	    NULL)) != -1) {
		if ((k = ns_of(c)) >= 0) {
			no.want[k] = 1;
			no.file[k] = file_arg(optarg);
			continue;
		}
		switch (c) {
		case 'a':
			no.all = 1;
			break;
		case 'h':
			fputs(nsenter_usage, stdout);
			return 0;
		case 't':
			if (no.target || container)
				die_msg(1, "option --target may be given only "
				    "once");
			no.target = (pid_t)parse_id(optarg, "target PID");
			if (no.target <= 0)
				die_msg(1, "failed to parse target PID: '%s'",
				    optarg);
			break;
		case OPT_CONTAINER:
			if (no.target || container)
				die_msg(1, "option --target may be given only "
				    "once");
			container = optarg;
			break;
		case 'S':
			no.set_uid = 1;
			if (strcmp(optarg, "follow") == 0)
				no.uid_follow = 1;
			else
				no.uid = (uid_t)parse_id(optarg, "uid");
			break;
		case 'G':
			no.set_gid = 1;
			if (strcmp(optarg, "follow") == 0)
				no.gid_follow = 1;
			else
				no.gid = (gid_t)parse_id(optarg, "gid");
			break;
		case 'r':
			no.root = 1;
			no.root_dir = file_arg(optarg);
			break;
		case 'w':
			no.wd = 1;
			no.wd_dir = file_arg(optarg);
			break;
		case 'F':
			no.fork = 0;
			break;
		case OPT_PRESERVE:
			no.preserve_cred = 1;
			break;
		default:
			fprintf(stderr, "Try 'rocker nsenter --help' for more "
			    "information.\n");
			return 1;
		}
	}
	if (container)
		no.target = container_pid(container, &monitor);
	/* Whatever joins a namespace runs from a sealed copy (for a
	 * container: its monitor's, when it is this binary). */
	if (sealexe_ensure_like(monitor, rk.argv, environ, &e) < 0)
		die_err(&e, 1);
	switch (nsenter_enter(&no, &status, &e)) {
	case -1:
		die_err(&e, 1);
	case 1:
		if (WIFEXITED(status))
			return WEXITSTATUS(status);
		if (WIFSIGNALED(status)) {
			signal(WTERMSIG(status), SIG_DFL);
			kill(getpid(), WTERMSIG(status));
		}
		return 1;
	}
	return run_program(argc - optind, argv + optind);
}

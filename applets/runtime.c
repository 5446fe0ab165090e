/* runtime.c - an OCI runtime with runc's command line (rocker-runc, runc) */

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

#include "applet.h"
#include "cgroup.h"
#include "io.h"
#include "json.h"
#include "monitor.h"
#include "ociexec.h"
#include "ociruntime.h"
#include "runtime.h"
#include "sealexe.h"

extern char **environ;

const char runtime_usage[] =
"usage: rocker runtime [GLOBAL OPTIONS] COMMAND [OPTIONS] ID ...\n"
"       rocker-runc ..., runc ...\n"
"\n"
"An OCI runtime with runc's command line, for podman, containerd, CRI-O.\n"
"\n"
"Global options (before COMMAND):\n"
"      --root DIR          state directory (default /run/rocker-runc)\n"
"      --log FILE          write errors (and --debug messages) to FILE\n"
"      --log-format F      text or json\n"
"      --debug             debug messages to the log\n"
"      --systemd-cgroup    refused: only the cgroupfs driver is supported\n"
"  -v, --version           print the version\n"
"\n"
"Commands:\n"
"  create  --bundle B [--pid-file P] [--console-socket S] [--no-pivot]\n"
"          [--no-new-keyring] [--preserve-fds N] ID\n"
"  start ID      state ID      pause ID      resume ID\n"
"  kill [--all] ID [SIGNAL]    delete [--force] ID\n"
"  exec [--process FILE] [-d] [--pid-file P] [--console-socket S] [-t]\n"
"       [-e K=V] [--cwd DIR] [-u UID[:GID]] [--preserve-fds N] ID [CMD...]\n"
"  run  [create's options] [-d] ID   (create + start; waits, then deletes)\n"
"  ps [--format table|json] ID       list [-q] [--format table|json]\n"
"  update [--resources FILE|-] [--memory N] [--pids-limit N]\n"
"         [--cpu-quota N] [--cpu-period N] [--cpu-shares N] ID\n"
"  features\n";

static const char create_spec[] = "<1>1b(bundle):(pid-file):(console-socket):"
	"(no-pivot)(no-new-keyring)(preserve-fds)#d(detach)(keep)";
static const char id_spec[] = "<1>1";
static const char kill_spec[] = "<1>2a(all)";
static const char delete_spec[] = "<1>1f(force)";
static const char exec_spec[] = "^<1p(process):d(detach)(pid-file):"
	"(console-socket):t(tty)e(env)*(cwd):u(user):(preserve-fds)#"
	"(no-new-privs)c(cap)*(process-label):(apparmor):";
static const char ps_spec[] = "^<1f(format):";
static const char list_spec[] = ">0q(quiet)f(format):";
static const char update_spec[] = "<1>1r(resources):m(memory):"
	"(memory-swap):(memory-reservation):(pids-limit)#(cpu-quota)#"
	"(cpu-period)#(cpu-shares)#(cpuset-cpus):(cpuset-mems):";

enum {
	UPDATE_MAX = 1 << 20,
	EXIT_FAIL = 1,
};

static struct {
	const char *root;
	const char *log;
	int json;
	int debug;
	char rootbuf[PATH_MAX];
} g;

/* --- messages ------------------------------------------------------------ */

static void
log_line(const char *level, const char *msg)
{
	struct json_writer w;
	struct timespec ts;
	struct tm tm;
	struct err e = ERR_INIT;
	char when[64], *line;
	int fd;

	if (!g.log)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + strlen(when), sizeof(when) - strlen(when),
	    ".%09ldZ", ts.tv_nsec);
	fd = open(g.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (g.json) {
		json_writer_init(&w, 0);
		json_writer_begin_object(&w);
		json_writer_key(&w, "level");
		json_writer_string(&w, level);
		json_writer_key(&w, "msg");
		json_writer_string(&w, msg);
		json_writer_key(&w, "time");
		json_writer_string(&w, when);
		json_writer_end_object(&w);
		line = json_writer_finish(&w, NULL, &e);
		if (line)
			dprintf(fd, "%s\n", line);
		free(line);
	} else {
		/* logrus's text format: msg quoted, '"' and '\\' escaped. */
		char esc[2 * ERR_MSG_MAX + 1];
		size_t i = 0;

		for (; *msg && i + 2 < sizeof(esc); msg++) {
			if (*msg == '"' || *msg == '\\' || *msg == '\n')
				esc[i++] = '\\';
			esc[i++] = *msg == '\n' ? 'n' : *msg;
		}
		esc[i] = '\0';
		dprintf(fd, "time=\"%s\" level=%s msg=\"%s\"\n", when, level,
		    esc);
	}
	close(fd);
}

static void
debug_sink(const char *msg)
{
	log_line("debug", msg);
}

/* An error: on stderr and in the log. */
static int
fail(const struct err *e)
{
	const char *msg = e->msg[0] ? e->msg : "unknown error";

	fprintf(stderr, "rocker-runc: %s\n", msg);
	log_line("error", msg);
	return EXIT_FAIL;
}

static int
fail_msg(const char *fmt, ...)
{
	struct err e = ERR_INIT;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	return fail(&e);
}

static void
warn_log(const struct err *w)
{
	if (!w->code && !w->msg[0])
		return;
	fprintf(stderr, "rocker-runc: warning: %s\n", w->msg);
	log_line("warning", w->msg);
}

/* Re-exec from a sealed copy before anything joins a container. */
static int
sealed(void)
{
	struct err e = ERR_INIT;

	if (sealexe_ensure(rk.argv, environ, &e) < 0)
		return fail(&e);
	return 0;
}

/* --- commands ------------------------------------------------------------- */

static void
fill_create(struct oci_create_opts *co, const struct opts *o)
{
	memset(co, 0, sizeof(*co));
	co->root = g.root;
	co->id = o->argv[0];
	co->bundle = opt_str(o, "bundle");
	co->pid_file = opt_str(o, "pid-file");
	co->console_socket = opt_str(o, "console-socket");
	co->no_pivot = opt_on(o, "no-pivot");
	co->preserve_fds = (int)opt_num(o, "preserve-fds", 0);
}

static int
cmd_create(struct opts *o)
{
	struct oci_create_opts co;
	struct err e = ERR_INIT;
	pid_t pid;

	if (sealed())
		return EXIT_FAIL;
	fill_create(&co, o);
	if (co.preserve_fds < 0)
		return fail_msg("--preserve-fds: must not be negative");
	if (oci_create(&co, &pid, &e) < 0)
		return fail(&e);
	return 0;
}

static volatile pid_t forward_to;

static void
on_signal(int sig)
{
	if (forward_to > 0)
		kill(forward_to, sig);
}

/* create + start; in the foreground, wait and delete. */
static int
cmd_run(struct opts *o)
{
	static const int fwd[] = {
		SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH,
	};
	struct oci_create_opts co;
	struct err e = ERR_INIT, w = ERR_INIT;
	struct sigaction sa;
	size_t i;
	pid_t pid, r;
	int st = 0, code;

	if (sealed())
		return EXIT_FAIL;
	fill_create(&co, o);
	if (oci_create(&co, &pid, &e) < 0)
		return fail(&e);
	if (oci_start(g.root, co.id, &w, &e) < 0) {
		fail(&e);
		err_clear(&e);
		oci_delete(g.root, co.id, 1, NULL, &e);
		return EXIT_FAIL;
	}
	warn_log(&w);
	if (opt_on(o, "detach"))
		return 0;
	forward_to = pid;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++)
		sigaction(fwd[i], &sa, NULL);
	do
		r = waitpid(pid, &st, 0);
	while (r < 0 && errno == EINTR);
	forward_to = 0;
	code = r == pid ? rt_status_code(st) : EXIT_FAIL;
	if (!opt_on(o, "keep")) {
		err_clear(&w);
		if (oci_delete(g.root, co.id, 1, &w, &e) < 0)
			fail(&e);
		warn_log(&w);
	}
	return code;
}

static int
cmd_start(struct opts *o)
{
	struct err e = ERR_INIT, w = ERR_INIT;

	if (oci_start(g.root, o->argv[0], &w, &e) < 0)
		return fail(&e);
	warn_log(&w);
	return 0;
}

static int
cmd_state(struct opts *o)
{
	struct oci_state st;
	struct err e = ERR_INIT;
	char *json;

	if (oci_state_load(g.root, o->argv[0], &st, &e) < 0)
		return fail(&e);
	json = oci_state_json(&st, oci_status_of(&st), 1, &e);
	oci_state_free(&st);
	if (!json)
		return fail(&e);
	printf("%s\n", json);
	free(json);
	return 0;
}

static int
cmd_kill(struct opts *o)
{
	struct err e = ERR_INIT;
	int sig = SIGTERM;

	if (o->argc > 1 && (sig = monitor_signal_parse(o->argv[1])) < 0)
		return fail_msg("unknown signal \"%s\"", o->argv[1]);
	if (oci_kill(g.root, o->argv[0], sig, opt_on(o, "all"), &e) < 0)
		return fail(&e);
	return 0;
}

static int
cmd_delete(struct opts *o)
{
	struct err e = ERR_INIT, w = ERR_INIT;

	if (oci_delete(g.root, o->argv[0], opt_on(o, "force"), &w, &e) < 0)
		return fail(&e);
	warn_log(&w);
	return 0;
}

static int
cmd_pause(struct opts *o, int frozen)
{
	struct err e = ERR_INIT;

	if (oci_pause(g.root, o->argv[0], frozen, &e) < 0)
		return fail(&e);
	return 0;
}

static int
cmd_exec(struct opts *o)
{
	struct ociexec_opts xo;
	struct err e = ERR_INIT;
	int n, status;

	if (opt_on(o, "cap"))
		return fail_msg("exec --cap is not supported: give "
		    "capabilities in --process");
	if ((opt_str(o, "process-label") && *opt_str(o, "process-label")) ||
	    (opt_str(o, "apparmor") && *opt_str(o, "apparmor")))
		return fail_msg("SELinux and AppArmor labels are not "
		    "supported");
	if (sealed())
		return EXIT_FAIL;
	memset(&xo, 0, sizeof(xo));
	xo.root = g.root;
	xo.id = o->argv[0];
	xo.process = opt_str(o, "process");
	xo.args = o->argv + 1;
	xo.nargs = (size_t)(o->argc - 1);
	xo.env = opt_list(o, "env", &n);
	xo.nenv = (size_t)n;
	xo.cwd = opt_str(o, "cwd");
	xo.user = opt_str(o, "user");
	xo.tty = opt_on(o, "tty");
	xo.no_new_privs = opt_on(o, "no-new-privs");
	xo.console_socket = opt_str(o, "console-socket");
	xo.pid_file = opt_str(o, "pid-file");
	xo.detach = opt_on(o, "detach");
	xo.preserve_fds = (int)opt_num(o, "preserve-fds", 0);
	if (ociexec_run(&xo, &status, &e) < 0) {
		fail(&e);
		return e.code == ERR_NOCMD || e.code == ERR_NOEXEC ?
		    status : EXIT_FAIL;
	}
	return status;
}

static int
cmd_ps(struct opts *o)
{
	const char *fmt = opt_str(o, "format");
	struct err e = ERR_INIT;
	char path[64], comm[64];
	pid_t *pids;
	size_t n, i;
	ssize_t k;
	int fd;

	if (fmt && strcmp(fmt, "json") != 0 && strcmp(fmt, "table") != 0)
		return fail_msg("invalid format option");
	if (oci_pids(g.root, o->argv[0], &pids, &n, &e) < 0)
		return fail(&e);
	if (fmt && strcmp(fmt, "json") == 0) {
		putchar('[');
		for (i = 0; i < n; i++)
			printf("%s%ld", i ? "," : "", (long)pids[i]);
		puts("]");
	} else {
		printf("%-8s %s\n", "PID", "CMD");
		for (i = 0; i < n; i++) {
			snprintf(path, sizeof(path), "/proc/%ld/comm",
			    (long)pids[i]);
			comm[0] = '\0';
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd >= 0) {
				k = read(fd, comm, sizeof(comm) - 1);
				comm[k > 0 ? k : 0] = '\0';
				comm[strcspn(comm, "\n")] = '\0';
				close(fd);
			}
			printf("%-8ld %s\n", (long)pids[i], comm);
		}
	}
	free(pids);
	return 0;
}

static int
cmd_list(struct opts *o)
{
	const char *fmt = opt_str(o, "format");
	struct err e = ERR_INIT;
	struct oci_state st;
	enum oci_status s;
	char **ids;
	size_t n, i;
	int json;

	if (fmt && strcmp(fmt, "json") != 0 && strcmp(fmt, "table") != 0)
		return fail_msg("invalid format option");
	json = fmt && strcmp(fmt, "json") == 0;
	if (oci_list(g.root, &ids, &n, &e) < 0)
		return fail(&e);
	if (json)
		putchar('[');
	else if (!opt_on(o, "quiet"))
		printf("%-20s %-8s %-10s %-40s %-30s %s\n", "ID", "PID",
		    "STATUS", "BUNDLE", "CREATED", "OWNER");
	for (i = 0; i < n; i++) {
		if (opt_on(o, "quiet") && !json) {
			puts(ids[i]);
			continue;
		}
		if (oci_state_load(g.root, ids[i], &st, &e) < 0) {
			err_clear(&e);
			continue;
		}
		s = oci_status_of(&st);
		if (json) {
			char *j = oci_state_json(&st, s, 0, &e);

			if (j)
				printf("%s%s", i ? "," : "", j);
			free(j);
			err_clear(&e);
		} else {
			printf("%-20s %-8ld %-10s %-40s %-30s %s\n", st.id,
			    (long)(s == OCI_STOPPED ? 0 : st.pid),
			    oci_status_name(s), st.bundle, st.created, "root");
		}
		oci_state_free(&st);
	}
	if (json)
		puts("]");
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	return 0;
}

/* All of fd 0, at most `max` bytes. NULL with `e` set. */
static char *
read_stdin(size_t max, size_t *len, struct err *e)
{
	size_t cap = 4096, used = 0;
	char *buf = malloc(cap), *nb;
	ssize_t n;

	for (;;) {
		if (!buf) {
			err_set(e, ENOMEM, "out of memory");
			return NULL;
		}
		n = read(0, buf + used, cap - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
		if (used + 1 < cap)
			continue;
		if (cap >= max) {
			free(buf);
			err_set(e, ERR_LIMIT, "input too large");
			return NULL;
		}
		cap *= 2;
		nb = realloc(buf, cap);
		if (!nb)
			free(buf);
		buf = nb;
	}
	if (n < 0) {
		free(buf);
		err_sys(e, "read stdin");
		return NULL;
	}
	buf[used] = '\0';
	*len = used;
	return buf;
}

/* runc update's flags as a linux.resources object. */
static int
update_flags(struct opts *o, char *buf, size_t len, struct err *e)
{
	static const char *const mem[] = {
		"memory", "limit", "memory-swap", "swap",
		"memory-reservation", "reservation",
	};
	static const char *const cpu[] = {
		"cpu-quota", "quota", "cpu-period", "period",
		"cpu-shares", "shares",
	};
	int64_t b;
	size_t i, used;
	int first;

	used = (size_t)snprintf(buf, len, "{\"memory\":{");
	for (first = 1, i = 0; i < 6; i += 2) {
		if (!opt_str(o, mem[i]))
			continue;
		if (strcmp(opt_str(o, mem[i]), "-1") == 0)
			b = -1;
		else if (cg_parse_bytes(opt_str(o, mem[i]), &b, e) < 0)
			return err_ctx(e, "--%s", mem[i]);
		used += (size_t)snprintf(buf + used, len - used,
		    "%s\"%s\":%lld", first ? "" : ",", mem[i + 1],
		    (long long)b);
		first = 0;
	}
	used += (size_t)snprintf(buf + used, len - used, "},\"cpu\":{");
	for (first = 1, i = 0; i < 6; i += 2) {
		if (!opt_str(o, cpu[i]))
			continue;
		used += (size_t)snprintf(buf + used, len - used,
		    "%s\"%s\":%lld", first ? "" : ",", cpu[i + 1],
		    opt_num(o, cpu[i], 0));
		first = 0;
	}
	if (opt_str(o, "cpuset-cpus"))
		used += (size_t)snprintf(buf + used, len - used, "%s\"cpus\":"
		    "\"%.64s\"", first ? "" : ",", opt_str(o, "cpuset-cpus"));
	if (opt_str(o, "cpuset-mems"))
		used += (size_t)snprintf(buf + used, len - used, "%s\"mems\":"
		    "\"%.64s\"", first && !opt_str(o, "cpuset-cpus") ? "" : ",",
		    opt_str(o, "cpuset-mems"));
	used += (size_t)snprintf(buf + used, len - used, "}");
	if (opt_str(o, "pids-limit"))
		used += (size_t)snprintf(buf + used, len - used, ",\"pids\":"
		    "{\"limit\":%lld}", opt_num(o, "pids-limit", 0));
	snprintf(buf + used, len - used, "}");
	return 0;
}

static int
cmd_update(struct opts *o)
{
	const char *res = opt_str(o, "resources");
	struct err e = ERR_INIT;
	char flags[1024], *buf;
	size_t len;
	int r;

	if (res) {
		buf = strcmp(res, "-") == 0 ? read_stdin(UPDATE_MAX, &len, &e) :
		    io_read_file(res, UPDATE_MAX, &len, &e);
		if (!buf)
			return fail(&e);
		r = oci_update(g.root, o->argv[0], buf, len, &e);
		free(buf);
	} else {
		if (update_flags(o, flags, sizeof(flags), &e) < 0)
			return fail(&e);
		r = oci_update(g.root, o->argv[0], flags, strlen(flags), &e);
	}
	return r < 0 ? fail(&e) : 0;
}

static int
cmd_features(void)
{
	struct err e = ERR_INIT;
	char *json = oci_features_json(&e);

	if (!json)
		return fail(&e);
	printf("%s\n", json);
	free(json);
	return 0;
}

static void
print_version(void)
{
	const char *v = rocker_version, *c = strstr(v, "(git ");
	int vlen = c ? (int)(c - v) : (int)strlen(v);

	while (vlen > 0 && v[vlen - 1] == ' ')
		vlen--;
	printf("rocker-runc version %.*s\n", vlen, v);
	if (c)
		printf("commit: %.*s\n", (int)strcspn(c + 5, ")"), c + 5);
	else
		printf("commit: unknown\n");
	printf("spec: 1.0.2-dev\n");
}

/* --- main ---------------------------------------------------------------- */

/* "--name VALUE", "--name=VALUE", "-name VALUE" at argv[*i]. */
static const char *
global_value(int argc, char **argv, int *i, const char *name)
{
	const char *a = argv[*i];
	size_t len = strlen(name);

	if (a[0] == '-' && a[1] == '-')
		a += 2;
	else if (a[0] == '-')
		a += 1;
	else
		return NULL;
	if (strncmp(a, name, len) != 0)
		return NULL;
	if (a[len] == '=')
		return a + len + 1;
	if (a[len] != '\0')
		return NULL;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static int
global_flag(const char *a, const char *name)
{
	if (a[0] == '-' && a[1] == '-')
		a += 2;
	else if (a[0] == '-')
		a += 1;
	else
		return 0;
	return strcmp(a, name) == 0 || (strncmp(a, name, strlen(name)) == 0 &&
	    a[strlen(name)] == '=' && strcmp(a + strlen(name) + 1, "false") !=
	    0);
}

int
runtime_main(int argc, char **argv)
{
	const char *v, *cmd;
	struct opts o;
	char *xdg;
	int k, r;

	memset(&g, 0, sizeof(g));
	for (k = 1; k < argc && argv[k][0] == '-'; k++) {
		const char *a = argv[k];

		if ((v = global_value(argc, argv, &k, "root"))) {
			g.root = v;
		} else if ((v = global_value(argc, argv, &k, "log"))) {
			g.log = *v ? v : NULL;
		} else if ((v = global_value(argc, argv, &k, "log-format"))) {
			if (strcmp(v, "json") != 0 && strcmp(v, "text") != 0)
				return fail_msg("unknown log-format \"%s\"", v);
			g.json = strcmp(v, "json") == 0;
		} else if ((v = global_value(argc, argv, &k, "criu"))) {
			continue;	/* checkpointing is not supported */
		} else if ((v = global_value(argc, argv, &k, "rootless"))) {
			if (strcmp(v, "true") == 0)
				return fail_msg("--rootless: not supported");
		} else if (global_flag(a, "debug")) {
			g.debug = 1;
		} else if (global_flag(a, "systemd-cgroup")) {
			return fail_msg("--systemd-cgroup: the systemd cgroup "
			    "driver is not supported; use cgroupfs "
			    "(containerd SystemdCgroup=false, podman "
			    "--cgroup-manager cgroupfs)");
		} else if (global_flag(a, "version") ||
		    strcmp(a, "-v") == 0) {
			print_version();
			return 0;
		} else if (global_flag(a, "help") || strcmp(a, "-h") == 0) {
			fputs(runtime_usage, stdout);
			return 0;
		} else if (strcmp(a, "--systemd-cgroup=false") == 0) {
			continue;
		} else if (strcmp(a, "--") == 0) {
			k++;
			break;
		} else {
			fprintf(stderr, "rocker-runc: unknown global option "
			    "%s\n", a);
			return 2;
		}
	}
	if (!g.root) {
		xdg = getenv("XDG_RUNTIME_DIR");
		if (geteuid() != 0 && xdg && *xdg) {
			snprintf(g.rootbuf, sizeof(g.rootbuf),
			    "%s/rocker-runc", xdg);
			g.root = g.rootbuf;
		} else {
			g.root = "/run/rocker-runc";
		}
	}
	if (g.debug && g.log)
		log_set_sink(debug_sink);
	if (k >= argc) {
		fputs(runtime_usage, stderr);
		return 2;
	}
	cmd = argv[k];
	argc -= k;
	argv += k;
	if (strcmp(cmd, "features") == 0)
		return cmd_features();
	if (strcmp(cmd, "create") == 0 || strcmp(cmd, "run") == 0)
		xopts(&o, create_spec, runtime_usage, argc, argv, 2);
	else if (strcmp(cmd, "kill") == 0)
		xopts(&o, kill_spec, runtime_usage, argc, argv, 2);
	else if (strcmp(cmd, "delete") == 0)
		xopts(&o, delete_spec, runtime_usage, argc, argv, 2);
	else if (strcmp(cmd, "exec") == 0)
		xopts(&o, exec_spec, runtime_usage, argc, argv, 2);
	else if (strcmp(cmd, "ps") == 0)
		xopts(&o, ps_spec, runtime_usage, argc, argv, 2);
	else if (strcmp(cmd, "list") == 0)
		xopts(&o, list_spec, runtime_usage, argc, argv, 2);
	else if (strcmp(cmd, "update") == 0)
		xopts(&o, update_spec, runtime_usage, argc, argv, 2);
	else if (strcmp(cmd, "start") == 0 || strcmp(cmd, "state") == 0 ||
	    strcmp(cmd, "pause") == 0 || strcmp(cmd, "resume") == 0)
		xopts(&o, id_spec, runtime_usage, argc, argv, 2);
	else
		return fail_msg("unknown command \"%s\"", cmd);
	if (strcmp(cmd, "create") == 0)
		r = cmd_create(&o);
	else if (strcmp(cmd, "run") == 0)
		r = cmd_run(&o);
	else if (strcmp(cmd, "start") == 0)
		r = cmd_start(&o);
	else if (strcmp(cmd, "state") == 0)
		r = cmd_state(&o);
	else if (strcmp(cmd, "kill") == 0)
		r = cmd_kill(&o);
	else if (strcmp(cmd, "delete") == 0)
		r = cmd_delete(&o);
	else if (strcmp(cmd, "pause") == 0)
		r = cmd_pause(&o, 1);
	else if (strcmp(cmd, "resume") == 0)
		r = cmd_pause(&o, 0);
	else if (strcmp(cmd, "exec") == 0)
		r = cmd_exec(&o);
	else if (strcmp(cmd, "ps") == 0)
		r = cmd_ps(&o);
	else if (strcmp(cmd, "list") == 0)
		r = cmd_list(&o);
	else
		r = cmd_update(&o);
	opts_free(&o);
	return r;
}

/* ociexec.c - `runc exec` for the OCI runtime (see ociexec.h) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "envfile.h"
#include "err.h"
#include "io.h"
#include "log.h"
#include "nsenter.h"
#include "ociexec.h"
#include "ociruntime.h"
#include "procinit.h"
#include "runtime.h"
#include "seccomp.h"
#include "spec.h"
#include "tty.h"

enum {
	PROCESS_MAX = 1 << 20,	/* largest process.json */
};

enum msg_type {
	MSG_PID = 1,		/* C: G's pid (in `code`) */
	MSG_ERROR,		/* C or G: code + message, then it exits */
};

/* What C and G need; built by P, copied by fork(). */
struct job {
	struct spec sp;		/* the container's, process replaced */
	struct nsenter_ns ns;
	struct cg cg;
	int procfd;		/* /proc/PID of the init */
	int rootfd;
	int cgfd;
	int sock;
	int console;		/* console socket, -1 */
	int preserve;
	struct seccomp_insn *filter;
	size_t nfilter;
	char exe[PATH_MAX];
};

/* The process of P's wait, for the signal forwarder. */
static volatile pid_t forward_to;

static void __attribute__((noreturn))
die(struct job *j, struct err *e)
{
	procinit_msg_send(j->sock, MSG_ERROR, e->code, e->msg);
	_exit(rt_exit_code(e));
}

/* --- G ------------------------------------------------------------------ */

static int
setup_stdio(struct job *j, struct err *e)
{
	const struct spec_process *p = &j->sp.process;
	int master, slave, i, null = -1;

	if (!p->terminal) {
		setsid();
		for (i = 0; i < 3; i++) {
			if (fcntl(i, F_GETFD) >= 0) {
				fcntl(i, F_SETFD, 0);
				continue;
			}
			if (null < 0 && (null = open("/dev/null", O_RDWR)) < 0)
				return err_sys(e, "open /dev/null");
			if (null != i && dup2(null, i) < 0)
				return err_sys(e, "stdio %d", i);
		}
		if (null > 2)
			close(null);
		return 0;
	}
	if (tty_open_pty_at("/dev/ptmx", &master, &slave, e) < 0)
		return err_ctx(e, "allocate a pty in the container");
	if (p->console_height && p->console_width &&
	    tty_set_size(slave, p->console_height, p->console_width, e) < 0)
		err_clear(e);
	if (tty_make_controlling(slave, e) < 0 ||
	    tty_send_fd(j->console, master, e) < 0) {
		close(master);
		return err_ctx(e, "console");
	}
	close(master);
	close(j->console);
	j->console = -1;
	return 0;
}

static void __attribute__((noreturn))
process_main(struct job *j)
{
	const struct spec_process *p = &j->sp.process;
	struct err e = ERR_INIT;

	if (j->cgfd >= 0)
		close(j->cgfd);
	procinit_reset_signals();
	umask(0);
	if (setup_stdio(j, &e) < 0)
		die(j, &e);
	procinit_exec(p, j->filter, j->nfilter, 3 + j->preserve, j->sock, 0,
	    0, j->exe, sizeof(j->exe), &e);
	die(j, &e);
}

/* --- C ------------------------------------------------------------------ */

static void __attribute__((noreturn))
joiner_main(struct job *j)
{
	struct err e = ERR_INIT;
	pid_t pid;
	int into = 0;

	prctl(PR_SET_DUMPABLE, 0);
	j->rootfd = nsenter_ns_open_proc(&j->ns, j->procfd, &e);
	if (j->rootfd < 0)
		die(j, &e);
	close(j->procfd);
	/* The cgroup from the host's view, before the mount namespace
	 * changes what /sys/fs/cgroup is. */
	if (cg_enter_self(&j->cg, CG_ENTER_V1, &e) < 0) {
		err_ctx(&e, "join the container's cgroup");
		die(j, &e);
	}
	j->cgfd = cg_v2_fd(&j->cg, &e);
	if (j->cgfd < 0 && e.code)
		die(j, &e);
	if (nsenter_ns_join(&j->ns, &e) < 0) {
		err_ctx(&e, "join the container's namespaces");
		die(j, &e);
	}
	if (fchdir(j->rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0) {
		err_sys(&e, "enter the container's root");
		die(j, &e);
	}
	close(j->rootfd);
	pid = procinit_clone(0, j->cgfd, &into);
	if (pid < 0) {
		err_sys(&e, "clone in the container");
		die(j, &e);
	}
	if (pid == 0)
		process_main(j);
	if (!into && j->cgfd >= 0 && cg_enter_v2(&j->cg, pid, &e) < 0)
		log_debug("exec: cgroup2: %s", e.msg);
	if (procinit_msg_send(j->sock, MSG_PID, (int)pid, NULL) < 0)
		_exit(RT_EXIT_INTERNAL);
	_exit(0);
}

/* --- P: preparing ------------------------------------------------------ */

static void
job_init(struct job *j)
{
	memset(j, 0, sizeof(*j));
	spec_init(&j->sp);
	nsenter_ns_init(&j->ns);
	j->procfd = j->rootfd = j->cgfd = j->sock = j->console = -1;
}

static void
job_free(struct job *j)
{
	spec_free(&j->sp);
	nsenter_ns_close(&j->ns);
	if (j->procfd >= 0)
		close(j->procfd);
	if (j->console >= 0)
		close(j->console);
	free(j->filter);
	j->filter = NULL;
}

/* Replace the process of `s` by the one in `file` ("-": stdin). */
static int
load_process(struct spec *s, const char *file, struct err *e)
{
	static const char head[] = "{\"ociVersion\":\"1.0.2\",\"process\":";
	struct spec tmp;
	struct spec_process swap;
	char *buf, *doc;
	size_t len;
	int fd = 0, r;

	if (strcmp(file, "-") == 0) {
		size_t cap = 4096, used = 0;
		ssize_t n;

		buf = malloc(cap);
		for (;;) {
			if (!buf)
				return err_set(e, ENOMEM, "out of memory");
			n = read(fd, buf + used, cap - used - 1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				free(buf);
				return err_sys(e, "read the process");
			}
			if (n == 0)
				break;
			used += (size_t)n;
			if (used + 1 >= cap) {
				char *nb;

				if (cap >= PROCESS_MAX) {
					free(buf);
					return err_set(e, ERR_LIMIT, "process "
					    "too large");
				}
				cap *= 2;
				nb = realloc(buf, cap);
				if (!nb)
					free(buf);
				buf = nb;
			}
		}
		len = used;
	} else {
		buf = io_read_file(file, PROCESS_MAX, &len, e);
		if (!buf)
			return -1;
	}
	doc = malloc(sizeof(head) + len + 2);
	if (!doc) {
		free(buf);
		return err_set(e, ENOMEM, "out of memory");
	}
	memcpy(doc, head, sizeof(head) - 1);
	memcpy(doc + sizeof(head) - 1, buf, len);
	memcpy(doc + sizeof(head) - 1 + len, "}", 2);
	free(buf);
	r = spec_parse(doc, sizeof(head) + len, &tmp, e);
	free(doc);
	if (r < 0)
		return err_ctx(e, "process %s", file);
	swap = s->process;
	s->process = tmp.process;
	tmp.process = swap;
	spec_free(&tmp);
	return 0;
}

/* Turn the container's process into the one the flags describe. */
static int
cli_process(struct spec *s, const struct ociexec_opts *o, struct err *e)
{
	struct spec_process *p = &s->process;
	char **args, *end;
	unsigned long v;
	size_t i;

	if (!o->nargs)
		return err_set(e, ERR_USAGE, "exec: no command specified");
	args = calloc(o->nargs + 1, sizeof(*args));
	if (!args)
		return err_set(e, ENOMEM, "out of memory");
	for (i = 0; i < o->nargs; i++)
		if (!(args[i] = strdup(o->args[i]))) {
			env_free(args);
			return err_set(e, ENOMEM, "out of memory");
		}
	for (i = 0; i < p->nargs; i++)
		free(p->args[i]);
	free(p->args);
	p->args = args;
	p->nargs = o->nargs;
	for (i = 0; i < o->nenv; i++)
		if (!strchr(o->env[i], '='))
			return err_set(e, ERR_USAGE, "invalid environment "
			    "variable: %s", o->env[i]);
	if (env_lookup_merge(&p->env, &p->nenv, o->env, o->nenv, e) < 0)
		return -1;
	if (o->cwd) {
		if (o->cwd[0] != '/')
			return err_set(e, ERR_USAGE, "cwd must be an absolute "
			    "path");
		free(p->cwd);
		if (!(p->cwd = strdup(o->cwd)))
			return err_set(e, ENOMEM, "out of memory");
	}
	if (o->user) {
		v = strtoul(o->user, &end, 10);
		if (end == o->user || (*end && *end != ':'))
			return err_set(e, ERR_USAGE, "invalid user %s: "
			    "UID[:GID] expected", o->user);
		p->uid = (uint32_t)v;
		if (*end == ':') {
			v = strtoul(end + 1, &end, 10);
			if (*end)
				return err_set(e, ERR_USAGE, "invalid user %s",
				    o->user);
			p->gid = (uint32_t)v;
		}
		free(p->gids);
		p->gids = NULL;
		p->ngids = 0;
	}
	p->terminal = o->tty;
	if (o->no_new_privs)
		p->no_new_privileges = 1;
	return 0;
}

/* --- P: running -------------------------------------------------------- */

static void
on_signal(int sig)
{
	if (forward_to > 0)
		kill(forward_to, sig);
}

/* Read messages until both children closed their ends. */
static int
collect(int sock, pid_t *gpid, struct err *e)
{
	struct procinit_msg m;
	int r, failed = 0;

	for (;;) {
		r = procinit_msg_recv(sock, &m);
		if (r < 0)
			return err_sys(e, "read from the exec process");
		if (r == 0)
			return failed ? -1 : 0;
		if (m.type == MSG_PID) {
			*gpid = (pid_t)m.code;
		} else if (m.type == MSG_ERROR && !failed) {
			err_set(e, m.code, "%s", m.text);
			failed = 1;
		}
	}
}

int
ociexec_run(const struct ociexec_opts *o, int *status, struct err *e)
{
	static const int fwd[] = {
		SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH,
		SIGCONT,
	};
	struct oci_state st;
	struct sigaction sa;
	struct job j;
	char path[PATH_MAX];
	int sv[2] = { -1, -1 }, ret = -1, cst, gst = 0, loaded = 0;
	pid_t cpid, gpid = -1, r;
	size_t i;

	*status = RT_EXIT_INTERNAL;
	job_init(&j);
	if (oci_state_load(o->root, o->id, &st, e) < 0)
		return -1;
	loaded = 1;
	if (oci_status_of(&st) != OCI_RUNNING) {
		err_set(e, ERR_USAGE, "container not running");
		goto out;
	}
	io_pathf(path, sizeof(path), "%s/config.json", st.bundle);
	if (spec_load(path, &j.sp, e) < 0)
		goto out;
	if (o->process ? load_process(&j.sp, o->process, e) < 0 :
	    cli_process(&j.sp, o, e) < 0)
		goto out;
	if (j.sp.process.terminal && !o->console_socket) {
		err_set(e, ERR_USAGE, "exec with a terminal needs "
		    "--console-socket");
		goto out;
	}
	if (j.sp.process.terminal) {
		j.console = oci_connect(o->console_socket, e);
		if (j.console < 0) {
			err_ctx(e, "console socket");
			goto out;
		}
	}
	if (j.sp.seccomp) {
		j.filter = calloc(SECCOMP_MAX_INSNS, sizeof(*j.filter));
		if (!j.filter) {
			err_set(e, ENOMEM, "out of memory");
			goto out;
		}
		if (seccomp_compile(j.sp.seccomp, SECCOMP_ARCH_NATIVE,
		    j.filter, SECCOMP_MAX_INSNS, &j.nfilter, e) < 0) {
			err_ctx(e, "seccomp");
			goto out;
		}
	}
	if (cg_open(&j.cg, "/sys/fs/cgroup", st.cgroup, e) < 0) {
		err_ctx(e, "cgroup");
		goto out;
	}
	io_pathf(path, sizeof(path), "/proc/%ld", (long)st.pid);
	j.procfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (j.procfd < 0 || oci_status_of(&st) != OCI_RUNNING) {
		err_set(e, ERR_USAGE, "container not running");
		goto out;
	}
	j.preserve = o->preserve_fds > 0 ? o->preserve_fds : 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		err_sys(e, "socketpair");
		goto out;
	}
	j.sock = sv[1];
	if (!o->detach && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		err_sys(e, "become a child subreaper");
		goto out;
	}
	cpid = fork();
	if (cpid < 0) {
		err_sys(e, "fork");
		goto out;
	}
	if (cpid == 0) {
		close(sv[0]);
		joiner_main(&j);
	}
	close(sv[1]);
	sv[1] = -1;
	ret = collect(sv[0], &gpid, e);
	while (waitpid(cpid, &cst, 0) < 0 && errno == EINTR)
		;
	if (ret == 0 && (!WIFEXITED(cst) || WEXITSTATUS(cst) != 0 ||
	    gpid <= 0))
		ret = err_set(e, ERR_GENERIC, "the exec process failed to "
		    "start");
	if (ret < 0) {
		*status = rt_exit_code(e);
		if (gpid > 0 && !o->detach)
			waitpid(gpid, NULL, 0);
		goto out;
	}
	ret = -1;
	if (o->pid_file) {
		char num[32];

		snprintf(num, sizeof(num), "%ld", (long)gpid);
		if (oci_write_atomic(o->pid_file, num, strlen(num), e) < 0) {
			kill(gpid, SIGKILL);
			if (!o->detach)
				waitpid(gpid, NULL, 0);
			err_ctx(e, "pid file");
			goto out;
		}
	}
	if (o->detach) {
		*status = 0;
		ret = 0;
		goto out;
	}
	forward_to = gpid;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++)
		sigaction(fwd[i], &sa, NULL);
	do
		r = waitpid(gpid, &gst, 0);
	while (r < 0 && errno == EINTR);
	forward_to = 0;
	*status = r == gpid ? rt_status_code(gst) : RT_EXIT_INTERNAL;
	ret = 0;
out:
	if (!o->detach)
		prctl(PR_SET_CHILD_SUBREAPER, 0);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	job_free(&j);
	if (loaded)
		oci_state_free(&st);
	return ret;
}

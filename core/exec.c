/* exec.c - run a command in a running container (see exec.h) */
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
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup.h"
#include "container.h"
#include "envfile.h"
#include "err.h"
#include "exec.h"
#include "io.h"
#include "json.h"
#include "log.h"
#include "nsenter.h"
#include "procinit.h"
#include "runtime.h"
#include "seccomp.h"
#include "spec.h"
#include "tty.h"
#include "user.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* clone3()'s argument, version 2 (Linux 5.7). */
struct clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

enum {
	ENVFILE_MAX = 4 << 20,	/* largest --env-file */
	STAT_MAX = 1024,	/* /proc/PID/stat read */
};

enum msg_type {
	MSG_PID = 1,		/* C: G's pid (in `code`) */
	MSG_PTY,		/* G: the pty master follows (SCM_RIGHTS) */
	MSG_ERROR,		/* C or G: code + message, then it exits */
};

/* Everything the children need; built by P, copied by fork(). */
struct job {
	struct spec sp;		/* the container's spec, process replaced */
	struct nsenter_ns ns;	/* the init's namespaces that differ */
	struct cg cg;
	int rootfd;		/* the init's root (/proc/PID/root) */
	int sock;		/* the children's end of the socket pair */
	int cgfd;		/* C: the v2 cgroup directory G is cloned
				 * into (CLONE_INTO_CGROUP), -1: none */
	int stdio[3];		/* pipe ends for 0, 1, 2; -1: /dev/null */
	int tty;
	int detach;
	uint16_t rows, cols;	/* -t: the user's window size, 0: unknown */
	struct seccomp_insn *filter;
	size_t nfilter;
	int pause_ms;
	const struct ctr *c;	/* the container (P's, copied by fork) */
	const struct exec_opts *o;
	int procfd;		/* /proc/PID of the init */
	char exe[PATH_MAX];	/* the resolved command */
};

/* The relay's view of G. */
struct waiter {
	pid_t pid;
	int status;
	int exited;
};

/* --- messages ------------------------------------------------------- */



/* In C or G: report `e` to P and exit. Never returns. */
static void __attribute__((noreturn))
die(struct job *j, struct err *e)
{
	procinit_msg_send(j->sock, MSG_ERROR, e->code, e->msg);
	_exit(rt_exit_code(e));
}

/* --- G: the process in the container ---------------------------------- */

static int
setup_stdio(struct job *j, struct err *e)
{
	int i, fd, null = -1, master, slave;

	if (j->tty && !j->detach) {
		/* The container's own devpts (/dev/ptmx -> pts/ptmx). */
		if (tty_open_pty_at("/dev/ptmx", &master, &slave, e) < 0)
			return err_ctx(e, "allocate a pty in the container");
		if (j->rows && j->cols && tty_set_size(slave, j->rows,
		    j->cols, e) < 0)
			err_clear(e);	/* the size is a nicety */
		if (tty_make_controlling(slave, e) < 0) {
			close(master);
			return -1;
		}
		if (procinit_msg_send(j->sock, MSG_PTY, 0, NULL) < 0 ||
		    tty_send_fd(j->sock, master, e) < 0) {
			close(master);
			return err_ctx(e, "send the pty master");
		}
		close(master);
		return 0;
	}
	/* Out of the caller's session: rocker gets the terminal's job
	 * control signals and forwards them. */
	setsid();
	for (i = 0; i < 3; i++) {
		fd = j->detach ? -1 : j->stdio[i];
		if (fd < 0) {
			if (null < 0) {
				null = open("/dev/null", O_RDWR | O_CLOEXEC);
				if (null < 0)
					return err_sys(e, "open /dev/null");
			}
			fd = null;
		}
		if (dup2(fd, i) < 0)
			return err_sys(e, "stdio %d", i);
	}
	if (null > 2)
		close(null);
	return 0;
}

/* G: everything up to execve(). Never returns. */
static void __attribute__((noreturn))
process_main(struct job *j)
{
	const struct spec_process *p = &j->sp.process;
	struct err e = ERR_INIT;

	if (j->cgfd >= 0)
		close(j->cgfd);
	j->cgfd = -1;
	procinit_reset_signals();
	umask(0);
	if (setup_stdio(j, &e) < 0)
		die(j, &e);
	procinit_exec(p, j->filter, j->nfilter, 3, j->sock, j->pause_ms,
	    ERR_NOEXEC, j->exe, sizeof(j->exe), &e);
	die(j, &e);
}

/* --- preparing (P checks, C builds) ---------------------------------- */

static void
job_init(struct job *j)
{
	memset(j, 0, sizeof(*j));
	spec_init(&j->sp);
	nsenter_ns_init(&j->ns);
	j->rootfd = j->sock = j->procfd = j->cgfd = -1;
	j->stdio[0] = j->stdio[1] = j->stdio[2] = -1;
}

static void
job_free(struct job *j)
{
	spec_free(&j->sp);
	nsenter_ns_close(&j->ns);
	if (j->rootfd >= 0)
		close(j->rootfd);
	j->rootfd = -1;
	free(j->filter);
	j->filter = NULL;
}

/*
 * Is `procfd` (/proc/PID) still the container's init? Its parent must be
 * the monitor: a pid reused after the init exited is not, and the open
 * directory keeps naming that process (openat() fails once it is gone).
 */
static int
is_init(int procfd, pid_t monitor)
{
	char buf[STAT_MAX], *p;
	long ppid;
	ssize_t n;
	int fd;

	fd = openat(procfd, "stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* pid (comm) state ppid ...: comm may hold spaces and ')'. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %ld", &ppid) != 1)
		return 0;
	return monitor <= 0 || ppid == (long)monitor;
}

/* Replace a heap string vector of the spec with a copy of `src`. */
static int
set_strv(char ***dst, size_t *ndst, char *const *src, size_t n,
    struct err *e)
{
	char **v;
	size_t i;

	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return err_set(e, ENOMEM, "out of memory");
	for (i = 0; i < n; i++)
		if (!(v[i] = strdup(src[i]))) {
			while (i--)
				free(v[i]);
			free(v);
			return err_set(e, ENOMEM, "out of memory");
		}
	for (i = 0; i < *ndst; i++)
		free((*dst)[i]);
	free(*dst);
	*dst = v;
	*ndst = n;
	return 0;
}

/* Merge one "KEY=value" into the process environment. */
static int
env_put(struct spec_process *p, const char *kv, struct err *e)
{
	char *const add[1] = { (char *)kv };

	return env_lookup_merge(&p->env, &p->nenv, add, 1, e);
}

/* The environment: the container's, HOME for -u, TERM for -t, then
 * --env-file and -e. */
static int
build_env(const struct ctr *c, const struct exec_opts *o,
    const struct user_ids *ids, struct spec_process *p, struct err *e)
{
	const struct json_value *cenv = ctr_get(c, "Config.Env");
	char home[PATH_MAX + 8], *buf, **fe;
	size_t i, len, nfe;
	int has_home = 0, r;

	for (i = 0; i < json_len(cenv); i++) {
		const char *kv = json_str(json_at(cenv, i));

		if (kv && strncmp(kv, "HOME=", 5) == 0)
			has_home = 1;
	}
	/* Docker's runtime sets HOME from the user's passwd entry when
	 * neither the image nor `run -e` did. */
	if (o->user && !has_home) {
		io_pathf(home, sizeof(home), "HOME=%s", ids->home[0] ?
		    ids->home : "/");
		if (env_put(p, home, e) < 0)
			return -1;
	}
	if (o->tty && !env_get(p->env, "TERM") && env_put(p, "TERM=xterm",
	    e) < 0)
		return -1;
	for (i = 0; i < o->nenv_files; i++) {
		fe = NULL;
		nfe = 0;
		buf = io_read_file(o->env_files[i], ENVFILE_MAX, &len, e);
		if (!buf || envfile_parse(buf, len, &fe, &nfe, e) < 0) {
			free(buf);
			e->code = ERR_USAGE;
			return err_ctx(e, "open %s", o->env_files[i]);
		}
		free(buf);
		r = env_lookup_merge(&p->env, &p->nenv, fe, nfe, e);
		env_free(fe);
		if (r < 0)
			return -1;
	}
	return env_lookup_merge(&p->env, &p->nenv, o->env, o->nenv, e);
}

/* Every capability we hold in our bounding set (a host may withhold
 * some even from root), as Docker grants --privileged what it has. */
static uint64_t
all_caps(void)
{
	uint64_t all = caps_all(), m = 0;
	int i;

	for (i = 0; i < 64; i++)
		if ((all & (UINT64_C(1) << i)) &&
		    prctl(PR_CAPBSET_READ, i, 0, 0, 0) == 1)
			m |= UINT64_C(1) << i;
	return m;
}

/* Turn the container's process into the one to run. */
static int
build_process(const struct ctr *c, const struct exec_opts *o,
    struct job *j, struct err *e)
{
	struct spec_process *p = &j->sp.process;
	struct user_ids ids;
	int ret = -1, i;

	memset(&ids, 0, sizeof(ids));
	if (!o->nargs || !o->args[0] || !*o->args[0])
		return err_set(e, ERR_USAGE, "no command specified");
	if (o->workdir && o->workdir[0] != '/')
		return err_set(e, ERR_USAGE, "the working directory '%s' is "
		    "invalid, it needs to be an absolute path", o->workdir);
	if (set_strv(&p->args, &p->nargs, o->args, o->nargs, e) < 0)
		return -1;
	if (o->user) {
		/* Names are the container's: its /etc/passwd, read beneath
		 * the init's root. */
		if (user_resolve(j->rootfd, o->user, NULL, 0, &ids, e) < 0)
			goto out;
		p->uid = ids.uid;
		p->gid = ids.gid;
		free(p->gids);
		p->gids = NULL;
		p->ngids = 0;
		if (ids.ngids) {
			p->gids = malloc(ids.ngids * sizeof(*p->gids));
			if (!p->gids) {
				err_set(e, ENOMEM, "out of memory");
				goto out;
			}
			memcpy(p->gids, ids.gids, ids.ngids * sizeof(*p->gids));
			p->ngids = ids.ngids;
		}
	}
	if (build_env(c, o, &ids, p, e) < 0)
		goto out;
	if (o->workdir) {
		free(p->cwd);
		if (!(p->cwd = strdup(o->workdir))) {
			err_set(e, ENOMEM, "out of memory");
			goto out;
		}
	}
	p->terminal = o->tty;
	if (o->privileged) {
		/* docker exec --privileged: every capability, no filter. */
		p->has_caps = 1;
		for (i = 0; i < SPEC_CAP_SETS; i++)
			p->caps[i] = 0;
		p->caps[SPEC_CAP_BOUNDING] = all_caps();
		p->caps[SPEC_CAP_EFFECTIVE] = all_caps();
		p->caps[SPEC_CAP_PERMITTED] = all_caps();
	} else if (j->sp.seccomp) {
		j->filter = calloc(SECCOMP_MAX_INSNS, sizeof(*j->filter));
		if (!j->filter) {
			err_set(e, ENOMEM, "out of memory");
			goto out;
		}
		if (seccomp_compile(j->sp.seccomp, SECCOMP_ARCH_NATIVE,
		    j->filter, SECCOMP_MAX_INSNS, &j->nfilter, e) < 0) {
			err_ctx(e, "seccomp");
			goto out;
		}
	}
	ret = 0;
out:
	user_ids_free(&ids);
	return ret;
}

/*
 * C: enter the container's cgroup without the cost of a cgroup.procs
 * write, whose global lock waits for an RCU grace period (milliseconds,
 * often the largest cost of an exec). On v1 hierarchies C moves itself by
 * writing "0" to `tasks`: migrating the calling thread alone skips that
 * lock, and C has one thread. The v2 hierarchy (unified or hybrid) takes
 * G directly at its birth, clone3(CLONE_INTO_CGROUP), which only reads
 * the lock: its directory is opened here, while /sys/fs/cgroup is the
 * host's. Optional hierarchies are best effort, as in cg_enter().
 */
static int
enter_cgroup(struct job *j, struct err *e)
{
	const struct cg_hier *h;
	char path[PATH_MAX];
	size_t i;
	int fd;

	for (i = 0; i < j->cg.nhier; i++) {
		h = &j->cg.hier[i];
		if (h->v2) {
			io_pathf(path, sizeof(path), "%s%s", h->dir,
			    j->cg.path);
			fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0 && !h->optional)
				return err_sys(e, "open %s", path);
			j->cgfd = fd;
			continue;
		}
		io_pathf(path, sizeof(path), "%s%s/tasks", h->dir,
		    j->cg.path);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0", 1) != 1) {
			if (!h->optional) {
				err_sys(e, "write %s", path);
				if (fd >= 0)
					close(fd);
				return -1;
			}
		}
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

/*
 * C: fork G, into j->cgfd when set. Kernels without clone3() or
 * CLONE_INTO_CGROUP (before 5.7) get C moved by a cgroup.procs write
 * first. Returns G's pid (in C, which is outside the pid namespace) or -1.
 */
static pid_t
spawn(struct job *j, struct err *e)
{
	struct clone_args ca;
	pid_t pid;
	int fd;

	if (j->cgfd >= 0) {
		memset(&ca, 0, sizeof(ca));
		ca.flags = CLONE_INTO_CGROUP;
		ca.exit_signal = SIGCHLD;
		ca.cgroup = (uint64_t)j->cgfd;
		pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
		if (pid >= 0 || (errno != ENOSYS && errno != E2BIG &&
		    errno != EINVAL)) {
			if (pid < 0)
				return err_sys(e, "clone into the container's "
				    "cgroup");
			return pid;
		}
		fd = openat(j->cgfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0", 1) != 1) {
			err_sys(e, "enter the container's cgroup");
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
	}
	pid = fork();
	if (pid < 0)
		return err_sys(e, "fork in the container's pid namespace");
	return pid;
}

/* --- C: the joiner ---------------------------------------------------- */

/* In C: a failure while preparing; a bad -u or -w cannot invoke. */
static void __attribute__((noreturn))
die_prepare(struct job *j, struct err *e)
{
	if (e->code == ERR_USAGE || e->code == ERR_NOTFOUND)
		e->code = ERR_NOEXEC;
	die(j, e);
}

/*
 * C: prepare the process, enter the cgroup, join the namespaces, start G
 * (in the pid namespace and the cgroup from its first instruction), tell
 * P its pid and exit.
 */
static void __attribute__((noreturn))
joiner_main(struct job *j)
{
	struct err e = ERR_INIT;
	char path[PATH_MAX];
	pid_t pid;

	/* Nothing in the container may ptrace us while we hold host fds
	 * (CVE-2016-9962); fork() passes it on to G. */
	prctl(PR_SET_DUMPABLE, 0);
	io_pathf(path, sizeof(path), "%s/config.json", j->c->dir);
	if (spec_load(path, &j->sp, &e) < 0)
		die(j, &e);
	j->rootfd = nsenter_ns_open_proc(&j->ns, j->procfd, &e);
	if (j->rootfd < 0)
		die(j, &e);
	close(j->procfd);
	j->procfd = -1;
	if (build_process(j->c, j->o, j, &e) < 0)
		die_prepare(j, &e);
	/* The cgroup first: from the host's view, before the mount
	 * namespace changes what /sys/fs/cgroup is. */
	log_debug("exec: C prepared");
	if (enter_cgroup(j, &e) < 0) {
		err_ctx(&e, "join the container's cgroup");
		die(j, &e);
	}
	if (nsenter_ns_join(&j->ns, &e) < 0) {
		err_ctx(&e, "join the container's namespaces");
		die(j, &e);
	}
	/* setns() put us at the mount namespace's root; the init's root
	 * is below it when it could not pivot (the MS_MOVE fallback). */
	if (fchdir(j->rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0) {
		err_sys(&e, "enter the container's root");
		die(j, &e);
	}
	close(j->rootfd);
	j->rootfd = -1;
	log_debug("exec: C joined");
	pid = spawn(j, &e);
	if (pid < 0)
		die(j, &e);
	if (pid == 0)
		process_main(j);
	if (procinit_msg_send(j->sock, MSG_PID, (int)pid, NULL) < 0)
		_exit(RT_EXIT_INTERNAL);
	_exit(0);
}

/* --- P: running --------------------------------------------------------- */

static int
on_child(void *arg, struct err *e)
{
	struct waiter *w = arg;
	pid_t r;

	if (w->exited)
		return 1;
	do
		r = waitpid(w->pid, &w->status, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return err_sys(e, "wait for the process");
	if (r == w->pid)
		w->exited = 1;
	return w->exited;
}

static void
on_signal(void *arg, int sig)
{
	struct waiter *w = arg;

	if (!w->exited && w->pid > 0)
		kill(w->pid, sig);
}

static void
reap(pid_t pid, int *status)
{
	int st;

	while (waitpid(pid, status ? status : &st, 0) < 0 && errno == EINTR)
		;
}

/*
 * Read the children's messages until both have closed the socket: G's pid
 * from C, the pty master, or an error (kept in `e`, the first one wins).
 * Returns 0, or -1 with `e` set.
 */
static int
collect(int sock, pid_t *gpid, int *pty, struct err *e)
{
	struct err e2 = ERR_INIT;
	struct procinit_msg m;
	int r, fd, failed = 0;

	for (;;) {
		r = procinit_msg_recv(sock, &m);
		if (r < 0)
			return err_sys(e, "read from the exec process");
		if (r == 0)
			return failed ? -1 : 0;
		if (m.type == MSG_PID) {
			*gpid = (pid_t)m.code;
		} else if (m.type == MSG_PTY) {
			if (tty_recv_fd(sock, &fd, &e2) < 0) {
				if (!failed)
					*e = e2;
				failed = 1;
				continue;
			}
			if (*pty >= 0)
				close(*pty);
			*pty = fd;
		} else if (m.type == MSG_ERROR) {
			if (!failed)
				err_set(e, m.code, "%s", m.text);
			failed = 1;
		} else if (!failed) {
			err_set(e, ERR_PROTO, "unexpected message %d from the "
			    "exec process", m.type);
			failed = 1;
		}
	}
}

static int
relay(const struct exec_opts *o, struct waiter *w, int pty, int *in,
    int out, int er, struct err *e)
{
	struct relay rl;
	int r;

	tty_relay_init(&rl);
	rl.arg = w;
	rl.on_child = on_child;
	rl.in_fd = o->interactive ? o->in : -1;
	rl.out_fd = o->out;
	rl.err_fd = o->err;
	if (pty >= 0) {
		rl.tty = 1;
		rl.to_ctr = o->interactive ? pty : -1;
		rl.ctr_out = pty;
		if (o->in >= 0 && isatty(o->in))
			rl.winch_from = o->in;
	} else {
		rl.on_signal = on_signal;
		rl.to_ctr = *in;
		rl.ctr_out = out;
		rl.ctr_err = er;
	}
	/* A daemon left holding the outputs does not keep us forever. */
	rl.drain_ms = 1000;
	r = tty_relay(&rl, e);
	if (pty < 0 && rl.to_ctr < 0)
		*in = -1;	/* the relay closed it */
	return r;
}

int
exec_run(const struct config *cfg, const struct exec_opts *o, int *code,
    struct err *e)
{
	struct ctr c;
	struct job j;
	struct waiter w;
	char path[PATH_MAX];
	int sv[2] = { -1, -1 }, in[2] = { -1, -1 }, out[2] = { -1, -1 };
	int er[2] = { -1, -1 }, procfd = -1, pty = -1, ret = -1, st;
	pid_t cpid = -1;

	memset(&c, 0, sizeof(c));
	c.lockfd = c.monfd = -1;
	memset(&w, 0, sizeof(w));
	job_init(&j);
	*code = RT_EXIT_INTERNAL;
	if (ctr_open(cfg->state, o->key, &c, e) < 0) {
		if (e->code == ERR_NOTFOUND)
			*code = EXEC_EXIT_NOTRUNNING;
		goto out;
	}
	if (c.st.status == CTR_RUNNING && c.st.pid > 0 &&
	    ctr_monitor_alive(&c)) {
		io_pathf(path, sizeof(path), "/proc/%ld", (long)c.st.pid);
		procfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (procfd < 0 || !is_init(procfd, c.st.monitor)) {
		*code = EXEC_EXIT_NOTRUNNING;
		err_set(e, ERR_USAGE, "container %s is not running", o->key);
		goto out;
	}
	/* The cgroup create made (config.json's cgroupsPath). */
	ctr_cgroup_path(&c, path, sizeof(path));
	if (cg_open(&j.cg, "/sys/fs/cgroup", path, e) < 0) {
		err_ctx(e, "cgroup");
		goto out;
	}
	j.c = &c;
	j.o = o;
	j.procfd = procfd;
	j.tty = o->tty;
	j.detach = o->detach;
	j.pause_ms = o->pause_ms;
	if (o->tty && !o->detach) {
		int from = o->in >= 0 && isatty(o->in) ? o->in :
		    o->out >= 0 && isatty(o->out) ? o->out : -1;

		if (from >= 0 && tty_get_size(from, &j.rows, &j.cols, e) < 0)
			err_clear(e);	/* no size: the pty's default */
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		err_sys(e, "socketpair");
		goto out;
	}
	if (!o->tty && !o->detach) {
		if ((o->interactive && pipe2(in, O_CLOEXEC) < 0) ||
		    pipe2(out, O_CLOEXEC) < 0 || pipe2(er, O_CLOEXEC) < 0) {
			err_sys(e, "pipe");
			goto out;
		}
		j.stdio[0] = in[0];
		j.stdio[1] = out[1];
		j.stdio[2] = er[1];
	}
	j.sock = sv[1];
	/* Attached, G becomes our child when C exits. */
	if (!o->detach && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		err_sys(e, "become a child subreaper");
		goto out;
	}
	log_debug("exec: prepared");
	cpid = fork();
	if (cpid < 0) {
		err_sys(e, "fork");
		goto out;
	}
	if (cpid == 0) {
		close(sv[0]);
		if (in[1] >= 0)
			close(in[1]);
		if (out[0] >= 0)
			close(out[0]);
		if (er[0] >= 0)
			close(er[0]);
		joiner_main(&j);
	}
	close(sv[1]);
	sv[1] = -1;
	j.sock = -1;
	if (in[0] >= 0)
		close(in[0]);
	if (out[1] >= 0)
		close(out[1]);
	if (er[1] >= 0)
		close(er[1]);
	in[0] = out[1] = er[1] = -1;
	close(procfd);
	procfd = -1;
	w.pid = -1;
	ret = collect(sv[0], &w.pid, &pty, e);
	reap(cpid, &st);
	log_debug("exec: started %ld", (long)w.pid);
	if (ret == 0 && (!WIFEXITED(st) || WEXITSTATUS(st) != 0 ||
	    w.pid <= 0)) {
		ret = err_set(e, ERR_GENERIC, "the exec process failed to "
		    "start");
	}
	if (ret < 0) {
		*code = rt_exit_code(e);
		if (w.pid > 0 && !o->detach)
			reap(w.pid, NULL);
		goto out;
	}
	if (o->detach) {
		*code = 0;
		goto out;
	}
	if (relay(o, &w, pty, &in[1], out[0], er[0], e) < 0)
		err_clear(e);	/* keep waiting for the process anyway */
	if (!w.exited) {
		reap(w.pid, &w.status);
		w.exited = 1;
	}
	*code = rt_status_code(w.status);
	ret = 0;
out:
	if (!o->detach)
		prctl(PR_SET_CHILD_SUBREAPER, 0);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (in[0] >= 0)
		close(in[0]);
	if (in[1] >= 0)
		close(in[1]);
	if (out[0] >= 0)
		close(out[0]);
	if (out[1] >= 0)
		close(out[1]);
	if (er[0] >= 0)
		close(er[0]);
	if (er[1] >= 0)
		close(er[1]);
	if (pty >= 0)
		close(pty);
	if (procfd >= 0)
		close(procfd);
	job_free(&j);
	ctr_close(&c);
	return ret;
}

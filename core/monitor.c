/* monitor.c - start, supervise, log and clean up one container */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "config.h"
#include "container.h"
#include "create.h"
#include "err.h"
#include "io.h"
#include "log.h"
#include "logfile.h"
#include "monitor.h"
#include "network.h"
#include "proxy.h"
#include "runtime.h"
#include "sealexe.h"
#include "spec.h"
#include "tty.h"

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
	{ "ILL", SIGILL }, { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },
	{ "IOT", SIGIOT }, { "BUS", SIGBUS }, { "FPE", SIGFPE },
	{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },
	{ "TERM", SIGTERM }, { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },
	{ "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "TSTP", SIGTSTP },
	{ "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM },
	{ "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO },
	{ "POLL", SIGPOLL }, { "PWR", SIGPWR }, { "SYS", SIGSYS },
};

/* What the relay callbacks need. */
struct mon {
	struct rt_container rt;
	struct logw log;
	int logging;
	int exited;
	int status;
	struct err err;
	struct proxy px;	/* published ports (reservations, proxy) */
};

int
monitor_signal_parse(const char *s)
{
	char *end;
	long n;
	size_t i;

	if (!s || !*s)
		return -1;
	if (s[0] >= '0' && s[0] <= '9') {
		n = strtol(s, &end, 10);
		return (*end || n < 1 || n > 64) ? -1 : (int)n;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (strcasecmp(s, signals[i].name) == 0)
			return signals[i].sig;
	if (strncasecmp(s, "RTMIN+", 6) == 0) {
		n = strtol(s + 6, &end, 10);
		if (!*end && n >= 0 && SIGRTMIN + n <= SIGRTMAX)
			return SIGRTMIN + (int)n;
	}
	return -1;
}

static void
on_log(void *arg, int stream, const char *buf, size_t len)
{
	struct mon *m = arg;
	struct err e = ERR_INIT;

	if (m->logging && logw_write(&m->log, stream, buf, len, &e) < 0)
		m->logging = 0;	/* a full disk stops the log, not the
				 * container */
}

static void
on_signal(void *arg, int sig)
{
	struct mon *m = arg;

	if (m->rt.pid > 0)
		kill(m->rt.pid, sig);
}

static int
on_child(void *arg, struct err *e)
{
	struct mon *m = arg;
	int st, r;

	if (m->exited)
		return 1;
	r = rt_wait(&m->rt, 1, &st, e);
	if (r < 0)
		return -1;
	if (r == 1) {
		m->exited = 1;
		m->status = st;
	}
	/* Reap other children (none expected) so they do not linger. */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return m->exited;
}

static void
on_hook(void *arg)
{
	proxy_run(&((struct mon *)arg)->px);
}

/* rt_opts.after_clone: plug the container into its network. */
struct plug {
	const struct config *cfg;
	struct ctr *c;
	struct proxy *px;
};

static int
on_clone(void *arg, pid_t pid, struct err *e)
{
	struct plug *p = arg;

	return net_ctr_start(p->cfg, p->c, pid, p->px, e);
}

static void
notify(int fd, const char *msg, int code)
{
	char buf[ERR_MSG_MAX + 32];
	int n;

	if (fd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "%d %s\n", code, msg);
	if (write(fd, buf, (size_t)n) < 0)
		return;
}

/* Record the end and clean up: cgroup, mount, maybe the container. */
static void
finish(const struct config *cfg, struct ctr *c, struct mon *m, int code,
    int auto_remove)
{
	struct err e = ERR_INIT;
	int cg_gone;

	if (m->rt.has_cg)
		c->st.oom_killed = cg_oom_killed(&m->rt.cg, &e) == 1;
	cg_gone = rt_destroy(&m->rt, &e) == 0;
	log_debug("monitor: cgroup removed");
	proxy_close(&m->px);
	net_ctr_stop(cfg, c, &e);
	if (m->logging)
		logw_close(&m->log, &e);
	m->logging = 0;
	create_rootfs_umount(cfg, c, &e);
	log_debug("monitor: rootfs unmounted");
	c->st.status = CTR_EXITED;
	c->st.exit_code = code;
	c->st.pid = 0;
	c->st.finished_ns = ctr_now_ns();
	/* A container removed needs no final state; one that could not be
	 * removed records it. */
	if (!auto_remove || create_remove(cfg, c, CREATE_RM_VOLUMES |
	    (cg_gone ? CREATE_RM_CGROUP_GONE : 0), &e) < 0)
		ctr_save_state(c, &e);
}

int
monitor_run(const struct config *cfg, struct ctr *c,
    const struct monitor_opts *o, int *code, struct err *e)
{
	struct spec sp;
	struct rt_opts ro;
	struct relay rl;
	struct mon m;
	struct plug pl;
	char path[PATH_MAX];
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, er[2] = { -1, -1 };
	int ret = -1, initfd = -1;

	memset(&m, 0, sizeof(m));
	memset(&ro, 0, sizeof(ro));
	proxy_init(&m.px);
	spec_init(&sp);
	m.rt.sync = m.rt.pty = -1;
	*code = RT_EXIT_INTERNAL;
	if (ctr_monitor_lock(c, e) < 0) {
		notify(o->notify_fd, e->msg, RT_EXIT_INTERNAL);
		return -1;
	}
	if (create_rootfs_mount(cfg, c, e) < 0)
		goto fail;
	io_pathf(path, sizeof(path), "%s/config.json", c->dir);
	if (spec_load(path, &sp, e) < 0)
		goto fail;
	ro.id = c->id;
	ro.bundle = c->dir;
	ro.console_sock = -1;
	ro.init_fd = -1;
	pl.cfg = cfg;
	pl.c = c;
	pl.px = &m.px;
	ro.after_clone = on_clone;
	ro.arg = &pl;
	/* Tests force the MS_MOVE + chroot path an initramfs root takes. */
	ro.no_pivot = getenv("ROCKER_NO_PIVOT") && *getenv("ROCKER_NO_PIVOT") &&
	    strcmp(getenv("ROCKER_NO_PIVOT"), "0") != 0;
	ro.stdio[0] = ro.stdio[1] = ro.stdio[2] = -1;
	if (o->init) {
		initfd = sealexe_copy(e);
		if (initfd < 0)
			goto fail;
		ro.init_fd = initfd;
	}
	if (o->direct) {
		ro.stdio[0] = o->interactive ? o->in : -1;
		ro.stdio[1] = o->out;
		ro.stdio[2] = o->err;
	} else if (!sp.process.terminal) {
		if ((o->interactive && pipe2(in, O_CLOEXEC) < 0) ||
		    pipe2(out, O_CLOEXEC) < 0 || pipe2(er, O_CLOEXEC) < 0) {
			err_sys(e, "pipe");
			goto fail;
		}
		ro.stdio[0] = in[0];
		ro.stdio[1] = out[1];
		ro.stdio[2] = er[1];
	} else if (o->in >= 0 && isatty(o->in)) {
		uint16_t rows = 0, cols = 0;

		if (tty_get_size(o->in, &rows, &cols, e) == 0) {
			sp.process.console_height = rows;
			sp.process.console_width = cols;
		}
		err_clear(e);
	}
	if (!o->direct) {
		io_pathf(path, sizeof(path), "%s/container.log", c->dir);
		if (logw_open(&m.log, path, e) == 0)
			m.logging = 1;
		else
			err_clear(e);
	}
	log_debug("monitor: spec loaded");
	if (rt_create(&sp, &ro, &m.rt, e) < 0)
		goto fail;
	log_debug("monitor: created, pid %ld", (long)m.rt.pid);
	c->st.status = CTR_RUNNING;
	c->st.pid = m.rt.pid;
	c->st.monitor = getpid();
	c->st.exit_code = 0;
	c->st.oom_killed = 0;
	c->st.error[0] = '\0';
	c->st.started_ns = ctr_now_ns();
	c->st.finished_ns = 0;
	if (ctr_save_state(c, e) < 0)
		goto fail;
	if (rt_start(&m.rt, e) < 0)
		goto fail;
	log_debug("monitor: started");
	/* The parent's copies of the container's pipe ends go. */
	if (in[0] >= 0)
		close(in[0]);
	if (out[1] >= 0)
		close(out[1]);
	if (er[1] >= 0)
		close(er[1]);
	in[0] = out[1] = er[1] = -1;
	if (initfd >= 0)
		close(initfd);
	initfd = -1;
	notify(o->notify_fd, "ok", 0);
	if (o->notify_fd >= 0)
		close(o->notify_fd);

	tty_relay_init(&rl);
	rl.arg = &m;
	rl.log = m.logging ? on_log : NULL;
	rl.on_child = on_child;
	rl.hook_fd = proxy_fd(&m.px);
	rl.on_hook = rl.hook_fd >= 0 ? on_hook : NULL;
	rl.on_signal = o->sig_proxy ? on_signal : NULL;
	rl.in_fd = o->direct ? -1 : (o->interactive ? o->in : -1);
	rl.out_fd = o->direct ? -1 : o->out;
	rl.err_fd = o->direct ? -1 : o->err;
	if (sp.process.terminal) {
		rl.tty = 1;
		rl.to_ctr = o->interactive ? m.rt.pty : -1;
		rl.ctr_out = m.rt.pty;
		rl.ctr_err = -1;
		if (o->in >= 0 && isatty(o->in))
			rl.winch_from = o->in;
	} else {
		rl.to_ctr = in[1];
		rl.ctr_out = out[0];
		rl.ctr_err = er[0];
	}
	rl.drain_ms = 1000;
	if (tty_relay(&rl, e) < 0) {
		/* Keep supervising: wait for the container regardless. */
		err_clear(e);
	}
	if (rl.to_ctr < 0)
		in[1] = -1;	/* the relay closed it */
	while (!m.exited) {
		int st;

		if (rt_wait(&m.rt, 0, &st, e) < 0)
			break;
		m.exited = 1;
		m.status = st;
	}
	*code = m.exited ? rt_status_code(m.status) : RT_EXIT_INTERNAL;
	log_debug("monitor: exited %d", *code);
	finish(cfg, c, &m, *code, o->auto_remove);
	log_debug("monitor: cleaned up");
	ret = 0;
	goto out;
fail:
	*code = rt_exit_code(e);
	notify(o->notify_fd, e->msg, *code);
	io_pathf(c->st.error, sizeof(c->st.error), "%s", e->msg);
	{
		struct err e2 = ERR_INIT;

		if (m.rt.has_cg)
			c->st.oom_killed = 0;
		rt_destroy(&m.rt, &e2);
		proxy_close(&m.px);
		net_ctr_stop(cfg, c, &e2);
		if (m.logging)
			logw_close(&m.log, &e2);
		m.logging = 0;
		create_rootfs_umount(cfg, c, &e2);
		c->st.status = c->st.started_ns ? CTR_EXITED : CTR_CREATED;
		if (c->st.started_ns) {
			c->st.exit_code = *code;
			c->st.finished_ns = ctr_now_ns();
		}
		c->st.pid = 0;
		ctr_save_state(c, &e2);
		if (o->auto_remove)
			create_remove(cfg, c, CREATE_RM_VOLUMES, &e2);
	}
out:
	if (initfd >= 0)
		close(initfd);
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
	spec_free(&sp);
	return ret;
}

int
monitor_spawn(const struct config *cfg, struct ctr *c,
    const struct monitor_opts *o, int *code, struct err *e)
{
	struct monitor_opts mo = *o;
	char buf[ERR_MSG_MAX + 32], *sp;
	int p[2], null, r;
	ssize_t n;
	size_t got = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(e, "pipe");
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return err_sys(e, "fork the monitor");
	}
	if (pid == 0) {
		close(p[0]);
		setsid();
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			if (null > 2)
				close(null);
		}
		signal(SIGINT, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		/* Detach from the caller: a grandchild runs the container,
		 * so the caller never has to reap it. */
		pid = fork();
		if (pid != 0)
			_exit(pid < 0);
		mo.in = mo.out = mo.err = -1;
		mo.interactive = 0;
		mo.direct = 0;
		mo.sig_proxy = 1;	/* SIGTERM to the monitor reaches it */
		mo.notify_fd = p[1];
		monitor_run(cfg, c, &mo, &r, e);
		_exit(0);
	}
	close(p[1]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	for (;;) {
		n = read(p[0], buf + got, sizeof(buf) - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(buf, '\n', got) || got == sizeof(buf) - 1)
			break;
	}
	close(p[0]);
	buf[got] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (!got) {
		*code = RT_EXIT_INTERNAL;
		return err_set(e, ERR_GENERIC, "the monitor exited before "
		    "starting the container");
	}
	*code = (int)strtol(buf, &sp, 10);
	if (*code == 0)
		return 0;
	if (*sp == ' ')
		sp++;
	return err_set(e, *code == 127 ? ERR_NOCMD : *code == 126 ?
	    ERR_NOEXEC : ERR_GENERIC, "%s", sp);
}

int
monitor_kill(struct ctr *c, int sig, struct err *e)
{
	struct err e2 = ERR_INIT;

	if (ctr_reload(c, &e2) < 0 || c->st.status != CTR_RUNNING ||
	    c->st.pid <= 0)
		return err_set(e, ERR_USAGE, "container %s is not running",
		    c->name);
	if (kill(c->st.pid, sig) < 0 && errno != ESRCH)
		return err_sys(e, "kill %s", c->name);
	return 0;
}

int
monitor_stop(const struct config *cfg, struct ctr *c, int timeout,
    struct err *e)
{
	const char *ss = json_str(ctr_get(c, "Config.StopSignal"));
	int64_t t = timeout;
	struct cg cg;
	char path[PATH_MAX];
	int sig, r;

	(void)cfg;
	if (ctr_reload(c, e) < 0)
		return -1;
	if (c->st.status != CTR_RUNNING || c->st.pid <= 0)
		return 0;
	sig = monitor_signal_parse(ss ? ss : "SIGTERM");
	if (sig < 0)
		sig = SIGTERM;
	if (t < 0 && json_int(ctr_get(c, "Config.StopTimeout"), &t, e) < 0) {
		err_clear(e);
		t = 10;
	}
	if (t > 0) {
		kill(c->st.pid, sig);
		r = ctr_wait_monitor(c, (int)(t * 1000), e);
		if (r < 0)
			return -1;
		if (r == 1)
			return 0;
	}
	ctr_cgroup_path(c, path, sizeof(path));
	kill(c->st.pid, SIGKILL);
	if (cg_open(&cg, "/sys/fs/cgroup", path, e) == 0)
		cg_kill(&cg, SIGKILL, e);
	err_clear(e);
	r = ctr_wait_monitor(c, 30000, e);
	if (r < 0)
		return -1;
	if (r == 0)
		return err_set(e, ETIMEDOUT, "container %s did not stop",
		    c->name);
	return 0;
}

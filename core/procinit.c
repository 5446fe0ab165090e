/* procinit.c - the last steps of a container process before execve() */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "err.h"
#include "procinit.h"
#include "seccomp.h"
#include "spec.h"

enum {
	KEEP_MAX = 16,		/* fds procinit_close_fds() can keep */
};

const char procinit_default_path[] =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

static const char *
env_value(char *const *env, const char *key)
{
	size_t kl = strlen(key);

	for (; env && *env; env++)
		if (strncmp(*env, key, kl) == 0 && (*env)[kl] == '=')
			return *env + kl + 1;
	return NULL;
}

/* Is `fd` one of the kept ones? */
static int
kept(int fd, const int *keep, int nkeep)
{
	int i;

	for (i = 0; i < nkeep; i++)
		if (keep[i] == fd)
			return 1;
	return 0;
}

/* Pre-5.9 kernels: walk the table with close(). */
static void
close_each(int lo, const int *keep, int nkeep)
{
	int fd, max = (int)sysconf(_SC_OPEN_MAX);

	if (max < 0 || max > 1 << 20)
		max = 1 << 20;
	for (fd = lo; fd < max; fd++) {
		if (kept(fd, keep, nkeep))
			continue;
		if (syscall(SYS_close_range, fd, fd, 0) < 0 &&
		    errno == ENOSYS) {
			close(fd);
			continue;
		}
	}
}

int
procinit_lookup_exe(const char *name, char *const *env, char *out,
    size_t len, struct err *e)
{
	const char *path, *p, *q;
	struct stat sb;
	int denied = 0, isdir = 0;
	size_t n;

	if (!name || !*name)
		return err_set(e, ERR_NOCMD, "no command specified");
	if (strchr(name, '/')) {
		snprintf(out, len, "%s", name);
		if (stat(out, &sb) < 0)
			return err_set(e, errno == ENOENT ? ERR_NOCMD :
			    ERR_NOEXEC, "exec: \"%s\": stat %s: %s", name,
			    name, strerror(errno));
		if (S_ISDIR(sb.st_mode))
			return err_set(e, ERR_NOEXEC, "exec: \"%s\": is a "
			    "directory", name);
		if (access(out, X_OK) < 0)
			return err_set(e, ERR_NOEXEC, "exec: \"%s\": "
			    "permission denied", name);
		return 0;
	}
	path = env_value(env, "PATH");
	if (!path)
		path = procinit_default_path;
	for (p = path;; p = q + 1) {
		q = strchr(p, ':');
		n = q ? (size_t)(q - p) : strlen(p);
		if (n == 0)
			snprintf(out, len, "%s", name);
		else
			snprintf(out, len, "%.*s/%s", (int)n, p, name);
		if (stat(out, &sb) == 0) {
			if (S_ISDIR(sb.st_mode))
				isdir = 1;
			else if (access(out, X_OK) == 0)
				return 0;
			else
				denied = 1;
		}
		if (!q)
			break;
	}
	if (denied || isdir)
		return err_set(e, ERR_NOEXEC, "exec: \"%s\": permission "
		    "denied", name);
	return err_set(e, ERR_NOCMD, "exec: \"%s\": executable file not "
	    "found in $PATH", name);
}

int
procinit_set_user(const struct spec_process *p, struct err *e)
{
	if (setgroups(p->ngids, p->gids) < 0)
		return err_sys(e, "setgroups");
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return err_sys(e, "setgid %u", (unsigned)p->gid);
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return err_sys(e, "setuid %u", (unsigned)p->uid);
	return 0;
}

int
procinit_set_rlimits(const struct spec_process *p, struct err *e)
{
	struct rlimit rl;
	size_t i;

	for (i = 0; i < p->nrlimits; i++) {
		rl.rlim_cur = p->rlimits[i].soft;
		rl.rlim_max = p->rlimits[i].hard;
		if (setrlimit(p->rlimits[i].type, &rl) < 0)
			return err_sys(e, "set rlimit %d to %llu:%llu",
			    p->rlimits[i].type,
			    (unsigned long long)rl.rlim_cur,
			    (unsigned long long)rl.rlim_max);
	}
	return 0;
}

int
procinit_identity(const struct spec_process *p, struct err *e)
{
	/* runc's order: bounding set, keep caps, ids, then the sets. */
	if (p->has_caps && caps_set_bounding(p->caps[SPEC_CAP_BOUNDING],
	    e) < 0)
		return -1;
	if (caps_keep(1, e) < 0 || procinit_set_user(p, e) < 0 ||
	    caps_keep(0, e) < 0)
		return -1;
	if (p->has_caps && caps_set(p->caps, e) < 0)
		return -1;
	return 0;
}

int
procinit_check_cwd(const char *cwd, struct err *e)
{
	char buf[PATH_MAX];

	if (chdir(cwd) < 0)
		return err_sys(e, "chdir to cwd (\"%s\") set in config.json "
		    "failed", cwd);
	/* CVE-2024-21626: a cwd outside the root reads "(unreachable)". */
	if (!getcwd(buf, sizeof(buf)) || buf[0] != '/')
		return err_set(e, EPERM, "current working directory is "
		    "outside of the container mount namespace root");
	return 0;
}

void
procinit_close_fds(int lo, const int *keep, int nkeep)
{
	int k[KEEP_MAX], n = 0, i, j, t, hi;

	for (i = 0; i < nkeep; i++)
		if (keep[i] >= lo && n < KEEP_MAX)
			k[n++] = keep[i];
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (k[j] < k[i]) {
				t = k[i];
				k[i] = k[j];
				k[j] = t;
			}
	/* Faster than calling close() on a million fds: close the ranges
	 * around the kept ones. */
	for (i = 0; i <= n; i++) {
		hi = i < n ? k[i] - 1 : (int)(~0U >> 1);
		if (hi >= lo && syscall(SYS_close_range, (unsigned)lo,
		    (unsigned)hi, 0) < 0) {
			close_each(lo, k, n);
			return;
		}
		if (i < n)
			lo = k[i] + 1;
	}
}

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* clone3()'s argument, version 2 (Linux 5.7). */
struct clone_args_v2 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

pid_t
procinit_clone(uint64_t flags, int cgfd, int *into)
{
	struct clone_args_v2 ca;
	long pid;

	*into = 0;
	if (cgfd >= 0) {
		memset(&ca, 0, sizeof(ca));
		ca.flags = flags | CLONE_INTO_CGROUP;
		ca.exit_signal = SIGCHLD;
		ca.cgroup = (uint64_t)cgfd;
		pid = syscall(SYS_clone3, &ca, sizeof(ca));
		if (pid >= 0) {
			*into = pid > 0;
			return (pid_t)pid;
		}
		if (errno != ENOSYS && errno != E2BIG && errno != EINVAL)
			return -1;
	}
	return (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD,
	    NULL, NULL, NULL, NULL);
}

int
procinit_msg_send(int sock, int type, int code, const char *text)
{
	struct procinit_msg m;
	ssize_t n;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.code = code;
	if (text)
		snprintf(m.text, sizeof(m.text), "%s", text);
	do
		n = send(sock, &m, sizeof(m), MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(m) ? 0 : -1;
}

int
procinit_msg_recv(int sock, struct procinit_msg *m)
{
	ssize_t n;

	do
		n = recv(sock, m, sizeof(*m), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == ECONNRESET)
		n = recv(sock, m, sizeof(*m), MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN)
		n = 0;
	if (n < 0)
		return -1;
	if (n == 0)
		return 0;
	if (n != (ssize_t)sizeof(*m)) {
		errno = EPROTO;
		return -1;
	}
	m->text[sizeof(m->text) - 1] = '\0';
	return 1;
}

void
procinit_reset_signals(void)
{
	sigset_t none;
	int i;

	for (i = 1; i < NSIG; i++)
		signal(i, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

int
procinit_exec(const struct spec_process *p,
    const struct seccomp_insn *filter, size_t nfilter, int fd_lo, int keep,
    int pause_ms, int cwd_code, char *exe, size_t len, struct err *e)
{
	struct timespec ts;

	if (procinit_set_rlimits(p, e) < 0)
		return -1;
	if (filter && !p->no_new_privileges) {
		if (seccomp_load(filter, nfilter, e) < 0)
			return -1;
		filter = NULL;
	}
	if (procinit_identity(p, e) < 0)
		return -1;
	if (procinit_check_cwd(p->cwd ? p->cwd : "/", e) < 0) {
		if (cwd_code)
			e->code = cwd_code;
		return -1;
	}
	if (procinit_lookup_exe(p->args[0], p->env, exe, len, e) < 0)
		return -1;
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0,
	    0) < 0)
		return err_sys(e, "set no_new_privs");
	umask(p->has_umask ? p->umask : 022);
	procinit_close_fds(fd_lo, &keep, 1);
	if (pause_ms > 0) {
		ts.tv_sec = pause_ms / 1000;
		ts.tv_nsec = (long)(pause_ms % 1000) * 1000000L;
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	if (filter && seccomp_load(filter, nfilter, e) < 0)
		return -1;
	execve(exe, p->args, p->env);
	return err_set(e, errno == ENOENT ? ERR_NOCMD : ERR_NOEXEC,
	    "exec: \"%s\": %s", p->args[0], strerror(errno));
}

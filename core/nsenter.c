/* nsenter.c - join the namespaces of a process or of namespace files */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "nsenter.h"
#include "spec.h"

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef NS_GET_NSTYPE
#define NS_GET_NSTYPE _IO(0xb7, 0x3)
#endif

static const struct {
	const char *file;	/* under /proc/PID/ns */
	const char *self;	/* the caller's link that shows the join */
	int flag;
} kinds[SPEC_NS_COUNT] = {
	[SPEC_NS_MOUNT] = { "mnt", "mnt", CLONE_NEWNS },
	[SPEC_NS_UTS] = { "uts", "uts", CLONE_NEWUTS },
	[SPEC_NS_IPC] = { "ipc", "ipc", CLONE_NEWIPC },
	[SPEC_NS_NET] = { "net", "net", CLONE_NEWNET },
	[SPEC_NS_PID] = { "pid", "pid_for_children", CLONE_NEWPID },
	[SPEC_NS_CGROUP] = { "cgroup", "cgroup", CLONE_NEWCGROUP },
	[SPEC_NS_TIME] = { "time", "time_for_children", CLONE_NEWTIME },
	[SPEC_NS_USER] = { "user", "user", CLONE_NEWUSER },
};

/* util-linux's order for the first pass; the user namespace comes after
 * it, then whatever failed. */
static const enum spec_ns_type order[] = {
	SPEC_NS_CGROUP, SPEC_NS_IPC, SPEC_NS_UTS, SPEC_NS_NET, SPEC_NS_PID,
	SPEC_NS_MOUNT, SPEC_NS_TIME,
};

const char *
nsenter_ns_file(enum spec_ns_type t)
{
	return (unsigned)t < SPEC_NS_COUNT ? kinds[t].file : "?";
}

void
nsenter_ns_init(struct nsenter_ns *n)
{
	int i;

	memset(n, 0, sizeof(*n));
	for (i = 0; i < SPEC_NS_COUNT; i++)
		n->fd[i] = -1;
}

void
nsenter_ns_drop(struct nsenter_ns *n, enum spec_ns_type t)
{
	if (n->fd[t] >= 0)
		close(n->fd[t]);
	n->fd[t] = -1;
}

int
nsenter_ns_open_proc(struct nsenter_ns *n, int procfd, struct err *e)
{
	char path[32];
	int i, fd;

	for (i = 0; i < SPEC_NS_COUNT; i++) {
		snprintf(path, sizeof(path), "ns/%s",
		    nsenter_ns_file((enum spec_ns_type)i));
		if (faccessat(procfd, path, F_OK, AT_SYMLINK_NOFOLLOW) < 0 &&
		    errno == ENOENT)
			continue;	/* a kind this kernel lacks */
		if (nsenter_ns_open(n, (enum spec_ns_type)i, procfd, path,
		    e) < 0)
			return -1;
		if (nsenter_ns_is_own(n, (enum spec_ns_type)i))
			nsenter_ns_drop(n, (enum spec_ns_type)i);
	}
	fd = openat(procfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "open the container's root");
	return fd;
}

void
nsenter_ns_close(struct nsenter_ns *n)
{
	int i;

	for (i = 0; i < SPEC_NS_COUNT; i++)
		nsenter_ns_drop(n, (enum spec_ns_type)i);
}

int
nsenter_ns_open(struct nsenter_ns *n, enum spec_ns_type t, int dirfd,
    const char *path, struct err *e)
{
	struct stat sb;
	int fd, type;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "cannot open %s", path);
	type = ioctl(fd, NS_GET_NSTYPE);
	/* ENOTTY: not an nsfs file, or a kernel before 4.11; setns()
	 * refuses what is not a namespace anyway. */
	if (type >= 0 && type != kinds[t].flag) {
		close(fd);
		return err_set(e, EINVAL, "%s is not a %s namespace", path,
		    kinds[t].file);
	}
	if (fstat(fd, &sb) < 0) {
		close(fd);
		return err_sys(e, "stat %s", path);
	}
	nsenter_ns_drop(n, t);
	n->fd[t] = fd;
	n->dev[t] = sb.st_dev;
	n->ino[t] = sb.st_ino;
	return 0;
}

int
nsenter_ns_is_own(const struct nsenter_ns *n, enum spec_ns_type t)
{
	char path[64];
	struct stat sb;

	if (n->fd[t] < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/ns/%s", kinds[t].file);
	if (stat(path, &sb) < 0)
		return 0;
	return sb.st_dev == n->dev[t] && sb.st_ino == n->ino[t];
}

/* setns() one kind and check that the caller's link now names it. */
static int
join_one(struct nsenter_ns *n, enum spec_ns_type t, int self, int report,
    struct err *e)
{
	struct stat sb;

	if (setns(n->fd[t], kinds[t].flag) < 0) {
		if (!report)
			return -1;
		return err_sys(e, "reassociate to namespace 'ns/%s' failed",
		    kinds[t].file);
	}
	if (self >= 0 && (fstatat(self, kinds[t].self, &sb, 0) < 0 ||
	    sb.st_dev != n->dev[t] || sb.st_ino != n->ino[t]))
		return err_set(e, EPERM, "joined namespace 'ns/%s' does not "
		    "match the one opened", kinds[t].file);
	nsenter_ns_drop(n, t);
	return 0;
}

int
nsenter_ns_join(struct nsenter_ns *n, struct err *e)
{
	struct err e1 = ERR_INIT;
	size_t i;
	int self, ret = -1;

	/* The caller's own ns directory, opened now: /proc may change
	 * (the container's) once the mount namespace is joined. */
	self = open("/proc/self/ns", O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (n->fd[order[i]] >= 0 && join_one(n, order[i], self, 0,
		    &e1) < 0 && e1.code)
			goto out;	/* joined, but not what was opened */
	if (n->fd[SPEC_NS_USER] >= 0 && join_one(n, SPEC_NS_USER, self, 1,
	    e) < 0)
		goto out;
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (n->fd[order[i]] >= 0 && join_one(n, order[i], self, 1,
		    e) < 0)
			goto out;
	ret = 0;
out:
	if (e1.code)
		*e = e1;
	if (self >= 0)
		close(self);
	return ret;
}

/* The parent's side of a fork: wait, mirroring a stop (nsenter's
 * continue_as_child). */
static int
wait_child(pid_t pid, int *status, struct err *e)
{
	pid_t r;

	signal(SIGCHLD, SIG_DFL);
	for (;;) {
		r = waitpid(pid, status, WUNTRACED);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return err_sys(e, "wait for the child");
		if (!WIFSTOPPED(*status))
			return 0;
		kill(getpid(), SIGSTOP);
		kill(pid, SIGCONT);
	}
}

static int
open_dir(int dirfd, const char *path, int *fd, struct err *e)
{
	if (*fd >= 0)
		close(*fd);
	*fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return err_sys(e, "cannot open %s", path);
	return 0;
}

int
nsenter_enter(const struct nsenter_opts *o, int *status, struct err *e)
{
	struct nsenter_ns n;
	struct stat sb;
	char path[64];
	int procfd = -1, rootfd = -1, wdfd = -1, dofork = o->fork, ret = -1;
	int i, any = 0, force_uid = o->set_uid, force_gid = o->set_gid;
	int groups_failed = 0;
	uid_t uid = o->uid;
	gid_t gid = o->gid;
	pid_t pid;

	nsenter_ns_init(&n);
	if (o->target > 0) {
		snprintf(path, sizeof(path), "/proc/%ld", (long)o->target);
		procfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (procfd < 0) {
			err_sys(e, "cannot open %s", path);
			goto out;
		}
	}
	for (i = 0; i < SPEC_NS_COUNT; i++)
		if (o->want[i] && o->file[i] && nsenter_ns_open(&n,
		    (enum spec_ns_type)i, AT_FDCWD, o->file[i], e) < 0)
			goto out;
	if (o->all && procfd < 0) {
		err_set(e, ERR_USAGE, "no target PID specified for --all");
		goto out;
	}
	for (i = 0; i < SPEC_NS_COUNT; i++) {
		if (n.fd[i] >= 0 || !(o->want[i] || o->all))
			continue;
		if (procfd < 0) {
			err_set(e, ERR_USAGE, "no target PID specified");
			goto out;
		}
		snprintf(path, sizeof(path), "ns/%s", kinds[i].file);
		if (o->all && !o->want[i] && faccessat(procfd, path, F_OK,
		    AT_SYMLINK_NOFOLLOW) < 0)
			continue;	/* a kind this kernel lacks */
		if (nsenter_ns_open(&n, (enum spec_ns_type)i, procfd, path,
		    e) < 0) {
			err_ctx(e, "/proc/%ld", (long)o->target);
			goto out;
		}
		/* setns() cannot re-enter the caller's user namespace. */
		if (o->all && !o->want[i] && i == SPEC_NS_USER &&
		    nsenter_ns_is_own(&n, SPEC_NS_USER))
			nsenter_ns_drop(&n, SPEC_NS_USER);
	}
	for (i = 0; i < SPEC_NS_COUNT; i++)
		any += n.fd[i] >= 0;
	if (!any) {
		err_set(e, ERR_USAGE, "no namespace specified");
		goto out;
	}
	if (o->root && open_dir(o->root_dir ? AT_FDCWD : procfd,
	    o->root_dir ? o->root_dir : "root", &rootfd, e) < 0)
		goto out;
	if (o->wd && open_dir(o->wd_dir ? AT_FDCWD : procfd,
	    o->wd_dir ? o->wd_dir : "cwd", &wdfd, e) < 0)
		goto out;
	if (o->uid_follow || o->gid_follow) {
		if (procfd < 0 || fstat(procfd, &sb) < 0) {
			err_set(e, ERR_USAGE, "no target PID specified for "
			    "follow");
			goto out;
		}
		if (o->uid_follow)
			uid = sb.st_uid;
		if (o->gid_follow)
			gid = sb.st_gid;
	}
	if (n.fd[SPEC_NS_PID] >= 0 && dofork == -1)
		dofork = 1;
	if (n.fd[SPEC_NS_USER] >= 0 && !o->preserve_cred) {
		/* In a user namespace: 0:0 unless told otherwise, and no
		 * supplementary groups (tried before and after joining). */
		force_uid = force_gid = 1;
		if (setgroups(0, NULL) < 0)
			groups_failed = 1;
	}
	/* Nothing in a namespace we join may ptrace us while we hold fds
	 * of the host (runc's CVE-2016-9962 fix); execve() resets it. */
	prctl(PR_SET_DUMPABLE, 0);
	if (nsenter_ns_join(&n, e) < 0)
		goto out;
	if (rootfd >= 0 && wdfd < 0 && open_dir(AT_FDCWD, ".", &wdfd,
	    e) < 0) {
		err_set(e, e->code, "cannot open current working directory");
		goto out;
	}
	if (rootfd >= 0) {
		if (fchdir(rootfd) < 0) {
			err_sys(e, "change directory by root file descriptor "
			    "failed");
			goto out;
		}
		if (chroot(".") < 0) {
			err_sys(e, "chroot failed");
			goto out;
		}
	}
	if (wdfd >= 0 && fchdir(wdfd) < 0) {
		err_sys(e, "change directory by working directory file "
		    "descriptor failed");
		goto out;
	}
	if (dofork == 1) {
		pid = fork();
		if (pid < 0) {
			err_sys(e, "fork failed");
			goto out;
		}
		if (pid > 0) {
			ret = wait_child(pid, status, e) < 0 ? -1 : 1;
			goto out;
		}
	}
	if (force_gid && setgroups(0, NULL) < 0 && groups_failed) {
		err_sys(e, "setgroups failed");
		goto out;
	}
	if (force_gid && setgid(gid) < 0) {
		err_sys(e, "setgid() failed");
		goto out;
	}
	if (force_uid && setuid(uid) < 0) {
		err_sys(e, "setuid() failed");
		goto out;
	}
	ret = 0;
out:
	nsenter_ns_close(&n);
	if (procfd >= 0)
		close(procfd);
	if (rootfd >= 0)
		close(rootfd);
	if (wdfd >= 0)
		close(wdfd);
	return ret;
}

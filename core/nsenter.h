/* nsenter.h - join the namespaces of a running process or of namespace
 * files, as runc's nsexec and util-linux nsenter(1) do
 *
 * Joining, the part `exec` and `nsenter` share (struct nsenter_ns): every
 * namespace is opened first (/proc/PID/ns/KIND, or a bind-mounted file
 * such as /run/netns/NAME), then joined with setns(2) in runc's order:
 * every kind but user (cgroup, ipc, uts, net, pid, mnt, time; a failure
 * here is retried later, as it may need the user namespace's
 * capabilities), then user, then the ones that failed. Each join is
 * verified: the caller's own /proc/self/ns link (pid_for_children for the
 * pid namespace) must then name the namespace that was opened. Joining
 * the pid (and time) namespace applies to children: the caller forks
 * afterwards. The process must be single-threaded (rocker is).
 *
 * nsenter_enter() is util-linux nsenter's whole sequence for the applet.
 */
#ifndef ROCKER_NSENTER_H
#define ROCKER_NSENTER_H

#include <sys/types.h>

#include "err.h"
#include "spec.h"

/* Namespaces to join: one fd per kind (enum spec_ns_type). */
struct nsenter_ns {
	int fd[SPEC_NS_COUNT];		/* open namespace, -1: not joined */
	dev_t dev[SPEC_NS_COUNT];	/* its identity, from fstat() */
	ino_t ino[SPEC_NS_COUNT];
};

/* The file name of kind `t` under /proc/PID/ns ("mnt", "net"...). */
const char *nsenter_ns_file(enum spec_ns_type t);

/* Set every fd of `n` to -1. */
void nsenter_ns_init(struct nsenter_ns *n);

/*
 * Open namespace kind `t` from `path`, relative to directory fd `dirfd`
 * (AT_FDCWD, or an open /proc/PID directory with path "ns/net"), and
 * remember it in `n` (replacing one opened before). A file that is not a
 * namespace, or one of another kind, is refused (EINVAL) where the kernel
 * can tell (NS_GET_NSTYPE, 4.11+). Returns 0 or -1 ("cannot open PATH:
 * ...").
 */
int nsenter_ns_open(struct nsenter_ns *n, enum spec_ns_type t, int dirfd,
    const char *path, struct err *e);

/* 1 if the namespace of kind `t` in `n` is the caller's own, else 0 (also
 * when none is open or /proc/self/ns cannot be read). */
int nsenter_ns_is_own(const struct nsenter_ns *n, enum spec_ns_type t);

/* Close the fd of kind `t` (no longer to be joined). */
void nsenter_ns_drop(struct nsenter_ns *n, enum spec_ns_type t);

/*
 * Open every namespace of the process whose /proc directory is `procfd`
 * (kinds this kernel lacks skipped, those the caller is already in
 * dropped), then its root. Returns the root's O_PATH fd, or -1.
 */
int nsenter_ns_open_proc(struct nsenter_ns *n, int procfd, struct err *e);

/*
 * Join every open namespace of `n` in the order above and verify each;
 * fds are closed as they are joined. On failure `e` names the namespace
 * ("reassociate to namespace 'ns/net' failed: ...") and some may already
 * be joined. Returns 0 or -1.
 */
int nsenter_ns_join(struct nsenter_ns *n, struct err *e);

/* Close whatever is still open. Safe on an initialised struct. */
void nsenter_ns_close(struct nsenter_ns *n);

/*
 * util-linux nsenter(1). Zero-initialise, set fork to -1, fill what the
 * command line says.
 */
struct nsenter_opts {
	pid_t target;			/* -t: 0 none */
	int want[SPEC_NS_COUNT];	/* -m -u -i -n -p -C -T -U */
	const char *file[SPEC_NS_COUNT]; /* their =FILE, NULL: target's */
	int all;			/* -a: every namespace of the target
					 * (its user namespace only when it
					 * differs from ours) */
	int root;			/* -r: chroot to root_dir, or to the
					 * target's root when NULL */
	const char *root_dir;
	int wd;				/* -w: cwd to wd_dir, or to the
					 * target's cwd when NULL */
	const char *wd_dir;
	int set_uid, set_gid;		/* -S, -G given */
	int uid_follow, gid_follow;	/* -S follow, -G follow: the
					 * target's owner */
	uid_t uid;
	gid_t gid;
	int preserve_cred;		/* --preserve-credentials */
	int fork;			/* -1: fork when joining a pid
					 * namespace; 0: -F */
};

/*
 * Do what nsenter(1) does before running its program, in the calling
 * process: open the target's directories and namespaces, join them,
 * chroot / chdir, fork when asked (see `fork`), then (in the child, or
 * the caller without a fork) set the uid/gid: with a user namespace,
 * 0:0 unless preserve_cred or -S/-G say otherwise, and supplementary
 * groups dropped. Errors: ERR_USAGE "no namespace specified", "no target
 * PID specified"; others name the step.
 *
 * Returns 0 in the process that should now exec the program; 1 in the
 * parent after a fork, once the child has ended, with *status its
 * waitpid() status (a child stopped with SIGSTOP stops the parent too,
 * which continues it when resumed, as nsenter does); -1 with `e` set.
 */
int nsenter_enter(const struct nsenter_opts *o, int *status,
    struct err *e);

#endif

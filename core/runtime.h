/* runtime.h - start a container from an OCI bundle (config.json + rootfs)
 *
 * The runtime knows nothing about images, names or `run` flags: it takes a
 * parsed struct spec (core/spec) and turns it into a process. `run`, the
 * monitor and the runc-compatible CLI all drive it the same way:
 *
 *	rt_create()  clone the container's init with the namespaces of the
 *	             spec, put it in its cgroup, let it build its root
 *	             filesystem (mounts, pivot_root or the MS_MOVE fallback,
 *	             /dev, masked paths), drop privileges and stop just
 *	             before execve(), blocked on the sync socket;
 *	rt_start()   let it execve() the process; an exec failure (not found,
 *	             not executable) comes back as an error with 126 or 127;
 *	rt_wait()    wait for it and collect the exit status;
 *	rt_destroy() kill what is left and remove the cgroup.
 *
 * The init child never returns into the caller's code: on any failure it
 * sends one error message over the sync socket and _exit()s. It runs with
 * PR_SET_PDEATHSIG(SIGKILL), so a container never outlives the process that
 * created it (the monitor), unless rt_opts.start_sock asks for a detached
 * create; it is non-dumpable until execve().
 *
 * The caller should run from a sealed copy of the binary (sealexe_ensure())
 * so that no process in the container can reach the host binary through
 * /proc/PID/exe.
 */
#ifndef ROCKER_RUNTIME_H
#define ROCKER_RUNTIME_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "err.h"
#include "spec.h"

enum {
	RT_ID_MAX = 128,
	RT_EXIT_NOTFOUND = 127,	/* the command does not exist */
	RT_EXIT_NOEXEC = 126,	/* it exists but cannot be executed */
	RT_EXIT_INTERNAL = 125,	/* the runtime failed */
};

/* How to start. Zero-initialise and fill what applies. */
struct rt_opts {
	const char *id;		/* container id: names the default cgroup */
	const char *bundle;	/* directory root.path is relative to */
	const char *cgroup_root; /* NULL: "/sys/fs/cgroup" */
	const char *cgroup_parent; /* default cgroup "PARENT/<id>" when the
				 * spec has no cgroupsPath; NULL: "/rocker" */
	int stdio[3];		/* fds for 0, 1, 2 when !terminal; -1 means
				 * /dev/null. Used, not closed. */
	int console_sock;	/* terminal: a unix socket the pty master is
				 * sent over (SCM_RIGHTS); -1: keep it in
				 * rt_container.pty */
	int preserve_fds;	/* fds 3..3+N-1 passed to the process */
	int no_pivot;		/* always use MS_MOVE + chroot */
	int init_fd;		/* >= 0: execveat() this fd (a sealed copy of
				 * rocker acting as --init) with args
				 * ["init", "--", process.args...] */
	const char *init_name;	/* argv[0] for init_fd, NULL: "init" */
	/*
	 * Detached create (the runc-compatible `create`), when set (>= 1):
	 * a listening unix socket (accept() wakes the init). The init gets
	 * no parent-death signal; after READY it closes the sync socket,
	 * blocks in accept() on this fd until `start` connects, writes one
	 * byte to the connection and execs. rt_start() is not used then and
	 * exec failures after READY are not reported. 0 (zeroed opts): not
	 * detached (fd 0 is stdio, never a listening socket).
	 */
	int start_sock;
	/*
	 * Called in the parent once the init is in its cgroup, set up and
	 * waiting for rt_start(): e.g. to move a veth
	 * into its network namespace (/proc/PID/ns/net). A -1 return (with
	 * `e` set) fails rt_create(). NULL: nothing to do.
	 */
	int (*after_clone)(void *arg, pid_t pid, struct err *e);
	void *arg;
};

/* A created container. Fields read-only for callers. */
struct rt_container {
	pid_t pid;		/* init, in the caller's pid namespace */
	int sync;		/* the parent end of the sync socket */
	int pidfd;		/* reserved, -1 */
	int pty;		/* terminal: the pty master (console_sock < 0) */
	int started;
	int has_cg;
	struct cg cg;
	char id[RT_ID_MAX];
};

/*
 * Create the container described by `s` with options `o` and leave its init
 * blocked before execve(). `c` need not be initialised. The executable is
 * looked up (process.args[0] in the container's PATH) before returning, so
 * a missing one fails here with e->code RT_EXIT_NOTFOUND... see
 * rt_exit_code(). On failure nothing is left behind (the child is killed
 * and reaped, the cgroup removed). Returns 0 or -1.
 */
int rt_create(const struct spec *s, const struct rt_opts *o,
    struct rt_container *c, struct err *e);

/*
 * Let the init execve() its process. Returns 0 when execve() succeeded, -1
 * when it failed (the child has exited; rt_exit_code(e) says 126 or 127).
 */
int rt_start(struct rt_container *c, struct err *e);

/*
 * Wait for the init to exit (blocking unless `nohang`). Returns 1 with
 * *status set (waitpid() status) when it has exited, 0 when still running
 * (nohang), -1 on error.
 */
int rt_wait(struct rt_container *c, int nohang, int *status, struct err *e);

/*
 * Kill whatever is left of the container (SIGKILL to every process of its
 * cgroup), reap the init if it is our child and not yet reaped, and remove
 * the cgroup. Closes the fds `c` holds. Safe on a zeroed struct and after a
 * failed create. Returns 0 or -1 (the cgroup could not be removed).
 */
int rt_destroy(struct rt_container *c, struct err *e);

/* Release fds of `c` without killing anything (after the caller has taken
 * over, e.g. a monitor that exits while the container runs on). */
void rt_release(struct rt_container *c);

/*
 * The exit status `run` should use for a failure reported in `e`: 126 or
 * 127 for an exec failure, else 125.
 */
int rt_exit_code(const struct err *e);

/* The conventional shell exit status for a waitpid() status: the exit code
 * or 128 + signal. */
int rt_status_code(int status);

#endif

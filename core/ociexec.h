/* ociexec.h - `runc exec`: start a process in a container of the OCI
 * runtime's state directory (core/ociruntime.h)
 *
 * The same three processes as `rocker exec` (core/exec.h), without the
 * stdio relay: the caller's fds 0-2 become the process's (an engine passes
 * its pipes), or with a terminal the pty master, opened in the
 * container's devpts, goes to the console socket by SCM_RIGHTS.
 *
 *	P (the caller)  forks C, collects G's pid or an error over a
 *	                SOCK_SEQPACKET pair, writes the pid file; detached it
 *	                returns, else (a child subreaper) it waits for G and
 *	                forwards signals;
 *	C (joiner)      non-dumpable; enters the v1 cgroups, opens the v2 one,
 *	                joins the init's namespaces and root, clones G into
 *	                the cgroup2 cgroup, sends its pid, exits;
 *	G (process)     stdio, rlimits, user, capabilities, cwd,
 *	                no_new_privs, the container's seccomp filter, every fd
 *	                but 0-2 (and --preserve-fds) closed, execve().
 */
#ifndef ROCKER_OCIEXEC_H
#define ROCKER_OCIEXEC_H

#include <stddef.h>

#include "err.h"

/* What to run. Zero-initialise and fill what applies; borrowed. */
struct ociexec_opts {
	const char *root;		/* state root (--root) */
	const char *id;
	const char *process;		/* --process FILE ("-": stdin), or
					 * NULL: the container's process with
					 * the fields below */
	char *const *args;		/* the command (without --process) */
	size_t nargs;
	char *const *env;		/* --env K=V, merged on top */
	size_t nenv;
	const char *cwd;		/* --cwd, NULL: the container's */
	const char *user;		/* --user UID[:GID], NULL: the
					 * container's */
	int tty;			/* -t (without --process) */
	int no_new_privs;		/* --no-new-privs */
	const char *console_socket;	/* terminal: where the master goes */
	const char *pid_file;		/* NULL: none */
	int detach;
	int preserve_fds;
};

/*
 * Run the process in running container `o->id`. Detached, return once
 * execve() succeeded (*status 0); else wait for it and set *status to its
 * exit code (128 + signal when killed). A container that is not running:
 * ERR_USAGE "container not running"; a missing command: e->code
 * ERR_NOCMD (rt_exit_code() gives 127). Returns 0 or -1.
 */
int ociexec_run(const struct ociexec_opts *o, int *status, struct err *e);

#endif

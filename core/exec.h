/* exec.h - run a command in a running container, like `docker exec`
 *
 * Three processes, as in runc's nsexec:
 *
 *	rocker exec (P)   stays on the host: checks that the container's
 *	                  init is running (the monitor's child), forks C,
 *	                  then relays stdio and waits. It is a child
 *	                  subreaper, so it can wait for the grandchild.
 *	  joiner (C)      non-dumpable; loads the bundle's config.json,
 *	                  opens every namespace of the init
 *	                  (/proc/PID/ns/KIND) and its root, prepares the
 *	                  process (env, user from the container's
 *	                  /etc/passwd, seccomp program), enters the
 *	                  container's v1 cgroups (writing "0" to `tasks`,
 *	                  which moves the calling thread without the global
 *	                  lock a cgroup.procs write waits an RCU grace
 *	                  period for), joins the namespaces (non-user, user,
 *	                  the rest; each verified), chroots to the init's
 *	                  root, starts G with clone3(CLONE_INTO_CGROUP) into
 *	                  the v2 cgroup (plain fork on v1-only hosts), tells
 *	                  P its pid and exits. It is in no pid namespace of
 *	                  the container: nothing in there can see it.
 *	    process (G)   in the container's pid namespace and cgroup from
 *	                  its first instruction: stdio (pipes, a pty from
 *	                  the container's devpts, or /dev/null when
 *	                  detached), rlimits, user, capabilities, cwd,
 *	                  no_new_privs, seccomp, every fd but 0-2 closed,
 *	                  execve().
 *
 * P, C and G run from the sealed copy of rocker (the caller ran
 * sealexe_ensure()) and G is non-dumpable until execve(), so nothing in
 * the container can reach the host binary through /proc/PID/exe or
 * ptrace G while it holds host fds. They talk over a SOCK_SEQPACKET pair
 * that only P reads: C sends G's pid, G the pty master (-t), either an
 * error; execve() closing G's end (O_CLOEXEC) says it worked.
 */
#ifndef ROCKER_EXEC_H
#define ROCKER_EXEC_H

#include <stddef.h>

#include "config.h"
#include "err.h"

enum {
	EXEC_EXIT_NOTRUNNING = 1,	/* no such container, or stopped */
};

/* What to run. Zero-initialise and fill what applies; every pointer is
 * borrowed for the duration of exec_run(). */
struct exec_opts {
	const char *key;	/* container name, id or unique id prefix */
	char *const *args;	/* the command and its arguments */
	size_t nargs;
	char *const *env;	/* -e K=V (or K: from rocker's environment) */
	size_t nenv;
	char *const *env_files;	/* --env-file, read before the -e values */
	size_t nenv_files;
	const char *user;	/* -u USER[:GROUP], NULL: the container's */
	const char *workdir;	/* -w DIR (absolute), NULL: the container's */
	int tty;		/* -t: a pty from the container's devpts */
	int interactive;	/* -i: relay stdin */
	int detach;		/* -d: start it and return; stdio /dev/null */
	int privileged;		/* every capability, no seccomp filter */
	int in, out, err;	/* the user's stdio (attached) */
	int pause_ms;		/* tests only: the process sleeps this long
				 * just before its execve(), still running
				 * the sealed rocker (0: no pause) */
};

/*
 * Run `o->args` in the running container `o->key` of state root
 * cfg->state. Attached (no -d) it relays stdio until the command exits and
 * sets *code to its status (128 + signal when killed). Detached it
 * returns once execve() succeeded, *code 0. The container's environment
 * (config.json process.env), user, cwd, capabilities, no_new_privs and
 * seccomp filter apply unless overridden: -e/--env-file are merged on
 * top (as `run` merges them; with -u, HOME follows the user unless the
 * image or -e set it; -t adds TERM=xterm when unset); --privileged gives
 * every capability in the bounding, effective and permitted sets and no
 * filter.
 *
 * Returns 0, or -1 with `e` set and *code: EXEC_EXIT_NOTRUNNING for an
 * unknown container or one that is not running ("container NAME is not
 * running"), 127 when the command is not found, 126 when it cannot be
 * executed (or the working directory is missing), 125 for rocker's own
 * failures.
 */
int exec_run(const struct config *cfg, const struct exec_opts *o,
    int *code, struct err *e);

#endif

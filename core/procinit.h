/* procinit.h - the last steps of a container process before execve()
 *
 * Shared by the runtime's container init (core/runtime.c) and by the
 * process `exec` starts in a running container (core/exec.c): find the
 * command in the container's PATH, switch user and capabilities in runc's
 * order, set rlimits, enter and check the working directory, and close
 * every fd the new program must not inherit. Each function runs in the
 * calling process (a freshly forked child that is about to execve());
 * none prints or exits.
 */
#ifndef ROCKER_PROCINIT_H
#define ROCKER_PROCINIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "spec.h"

struct seccomp_insn;

/*
 * One typed message between a container process and its parent over a
 * SOCK_SEQPACKET socket pair (runc's nsexec idea): a type of the caller's
 * own enum, a code (an errno or an err_kind) and a text.
 */
struct procinit_msg {
	int type;
	int code;
	char text[ERR_MSG_MAX];
};

/* Send one message (`text` may be NULL). 0, or -1 with errno. */
int procinit_msg_send(int sock, int type, int code, const char *text);

/*
 * Receive one message into *m: 1 when one came, 0 at end of file, -1
 * with errno (EPROTO for a message of the wrong size). A peer that closed
 * with unread data resets the socket once (ECONNRESET); what it sent
 * before is still read.
 */
int procinit_msg_recv(int sock, struct procinit_msg *m);

/*
 * Fork-like clone with `flags` (CLONE_NEW* and the like; SIGCHLD is the
 * exit signal): returns the child's pid in the parent and 0 in the child,
 * on the same stack as fork(). When `cgfd` >= 0 (a cgroup2 directory) the
 * child is born in that cgroup with clone3(CLONE_INTO_CGROUP), Linux 5.7+,
 * which avoids the cgroup.procs write and its RCU grace period; *into is
 * then 1. Older kernels get a plain clone and *into 0 (the caller moves
 * the child). -1 with errno on failure.
 */
pid_t procinit_clone(uint64_t flags, int cgfd, int *into);

/* The PATH used when the environment has none (Docker's). */
extern const char procinit_default_path[];

/*
 * Find command `name` like execvp() with the PATH of `env` (a
 * NULL-terminated "KEY=value" vector, borrowed; NULL or no PATH:
 * procinit_default_path); a name with a '/' is taken as is. On success
 * the path is stored NUL-terminated in `out` (`len` bytes). Errors:
 * ERR_NOCMD when nothing is found ("exec: \"x\": executable file not
 * found in $PATH"), ERR_NOEXEC when only something not executable (or a
 * directory) is. Returns 0 or -1.
 */
int procinit_lookup_exe(const char *name, char *const *env, char *out,
    size_t len, struct err *e);

/* setgroups(), setresgid(), setresuid() to the ids of `p`. 0 or -1. */
int procinit_set_user(const struct spec_process *p, struct err *e);

/* Apply p->rlimits in order. 0 or -1 naming the failing limit. */
int procinit_set_rlimits(const struct spec_process *p, struct err *e);

/*
 * Switch to the user and capabilities of `p` in runc's order (see
 * caps.h): the bounding set (when p->has_caps), PR_SET_KEEPCAPS, the ids,
 * keep-caps off, then the other sets (when p->has_caps). 0 or -1.
 */
int procinit_identity(const struct spec_process *p, struct err *e);

/*
 * chdir() to `cwd` and check that the result lies inside the root
 * (CVE-2024-21626: a cwd reached through a leaked fd reads
 * "(unreachable)"). EPERM when it does not. 0 or -1.
 */
int procinit_check_cwd(const char *cwd, struct err *e);

/*
 * Close every fd >= `lo` except the `nkeep` fds listed in `keep` (may be
 * NULL when nkeep is 0; entries below `lo` or negative are ignored), with
 * close_range(2) around the kept ones, or one close() at a time on
 * kernels without it. Never fails.
 */
void procinit_close_fds(int lo, const int *keep, int nkeep);

/* Every signal back to SIG_DFL and none blocked: what rocker ignored or
 * blocked must not reach the command (ignored signals survive execve). */
void procinit_reset_signals(void);

/*
 * The last steps of a process entering a container, in runc's order, then
 * execve(): p's rlimits; the seccomp filter (`nfilter` instructions, NULL
 * for none) at once when p has no no_new_privs (the kernel then wants
 * CAP_SYS_ADMIN, which the identity change drops); user and capabilities;
 * the cwd check; the command looked up in p's PATH (into exe[len]);
 * no_new_privs; p's umask (022 by default); every fd from `fd_lo` closed
 * but `keep`; `pause_ms` of sleep (a testing hook, 0 for none); the
 * filter. Returns only on failure: -1 with `e` set, its code `cwd_code`
 * when the cwd cannot be entered and `cwd_code` is not 0.
 */
int procinit_exec(const struct spec_process *p,
    const struct seccomp_insn *filter, size_t nfilter, int fd_lo, int keep,
    int pause_ms, int cwd_code, char *exe, size_t len, struct err *e);

#endif

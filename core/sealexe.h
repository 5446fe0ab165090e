/* sealexe.h - run from a sealed in-memory copy of the binary (CVE-2019-5736)
 *
 * A process of ours that joins a container's namespaces is reachable from
 * inside the container through /proc/PID/exe. If that link led to the host
 * binary, a container process could reopen it for writing once we exec
 * away and replace rocker on the host. Running from a sealed memfd copy
 * (memfd_create + F_SEAL_SEAL|SHRINK|GROW|WRITE, and F_SEAL_EXEC where the
 * kernel has it) leaves nothing to overwrite: the link names an anonymous,
 * immutable file. runc does the same (libcontainer/exeseal).
 */
#ifndef ROCKER_SEALEXE_H
#define ROCKER_SEALEXE_H

#include <sys/types.h>

#include "err.h"

/*
 * 1 if the running binary is a sealed memfd copy, 0 if not (or when the
 * check cannot be made).
 */
int sealexe_is_sealed(void);

/*
 * Make sure the process runs from a sealed copy: if it already does,
 * return 0; else copy /proc/self/exe into a sealed memfd and execveat() it
 * with the same `argv` and `envp` (does not return on success). Kernels
 * without memfd_create (< 3.17) get a private copy instead: an unlinked
 * file (O_TMPFILE, or created and unlinked) in /dev/shm, /run or /tmp, not
 * sealed but reachable by no path, so overwriting it through
 * /proc/PID/exe touches no binary anyone else runs. -1 with `e` set when
 * no copy can be made or executed; rocker then refuses to go on.
 */
int sealexe_ensure(char **argv, char **envp, struct err *e);

/*
 * sealexe_ensure(), but first try the sealed copy process `donor` (> 0)
 * runs, e.g. a container's monitor, which `run` started from one: when
 * /proc/DONOR/exe is a sealed file (F_SEAL_SEAL|SHRINK|GROW|WRITE) holding
 * exactly the bytes of the running binary, it is executed instead of a new
 * copy: nothing is copied and its pages are already in memory. Sealed, it
 * cannot change between the comparison and the execveat(). Anything else
 * (no such process, another rocker version) falls back to
 * sealexe_ensure(). Same returns.
 */
int sealexe_ensure_like(pid_t donor, char **argv, char **envp,
    struct err *e);

/*
 * A new sealed memfd copy of the running binary (O_CLOEXEC), e.g. to
 * execute as a container's --init (the private file of sealexe_ensure()
 * before 3.17). The caller closes it. -1 on error.
 */
int sealexe_copy(struct err *e);

/*
 * Execute the file open as `fd` with `argv` and `envp`: execveat(2)
 * (3.19), or execve of /proc/self/fd/FD where that is missing. Returns
 * only on failure, with errno set.
 */
void sealexe_fexec(int fd, char **argv, char **envp);

#endif

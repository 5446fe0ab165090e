/* beneath.h - open and create paths inside an untrusted root directory
 *
 * A container's rootfs is written by the image and by the container
 * itself: any component of a path inside it may be a symlink, pointing
 * anywhere ("etc -> /", "a -> ../../..", "dev -> /tmp"), and the
 * container may swap them while we look (CVE-2021-30465). These
 * functions resolve a path as if `rootfd` were "/" (as chroot would):
 *
 *  - the path is absolute or relative, both meaning "from the root";
 *  - every symlink met, the last component included unless asked
 *    otherwise, is followed inside the root: an absolute target restarts
 *    at the root, a relative one continues from the symlink's directory;
 *  - ".." never climbs above the root ("a/../../b" is "/b");
 *  - at most 40 symlinks are followed (ELOOP, as the kernel's MAXSYMLINKS);
 *  - procfs magic links (/proc/PID/fd/N, /proc/PID/root, ns/...) are
 *    refused with ELOOP rather than followed to what they name;
 *  - mount points inside the root are crossed (a rootfs has /proc, /dev
 *    and volumes in it) unless BENEATH_NO_XDEV is given.
 *
 * The result is always an fd, never a path string to re-resolve: an
 * operation on it lands on the inode found, wherever symlinks point by
 * then. The root is named by `rootfd` (any directory fd, O_PATH is fine),
 * which is borrowed, never closed.
 *
 * Two resolvers do the work. openat2(2) with RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS (Linux 5.6+) is used when available. Otherwise
 * (ENOSYS or EPERM from a probe, beneath_force_walk, or the variable
 * ROCKER_NO_OPENAT2 set to a non-empty value other than "0") a walk opens
 * one component at a time with openat(O_PATH | O_NOFOLLOW), reads each
 * symlink through its own fd and splices the target into the path left
 * to walk; ".." reopens the resolved parent from the root. The walk needs
 * only Linux 3.12 (O_PATH fds for readlinkat and fstatfs). The creating
 * functions always create through the walk (openat2 has no "mkdir -p").
 * A magic link is recognised in the walk as a procfs symlink whose target
 * is absolute or of the form "type:[N]"; even an unrecognised one is
 * safe, since the walk only ever splices the text of a link.
 *
 * Errors name the path and, when it differs, the component at fault:
 * "/etc/hosts/x: /etc/hosts is not a directory". e->code is the errno.
 */
#ifndef ROCKER_BENEATH_H
#define ROCKER_BENEATH_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

enum {
	BENEATH_NO_XDEV = 1 << 0,	/* refuse to cross a mount point */
	BENEATH_MAX_SYMLINKS = 40,
	BENEATH_PATH_MAX = 4096,	/* longest path, with its NUL */
	BENEATH_PROCPATH_MAX = 32,	/* "/proc/self/fd/N" and its NUL */
};

/*
 * Nonzero: never use openat2, always the walk (tests set it to run both
 * resolvers on the same cases). Zero by default.
 */
extern int beneath_force_walk;

/*
 * Open `path` beneath `rootfd` with open(2) flags `flags` (O_CLOEXEC is
 * always added). "" and "/" name the root itself. With O_NOFOLLOW a
 * final symlink is not followed (O_PATH | O_NOFOLLOW opens the link
 * itself; other modes fail with ELOOP); symlinks before it always are.
 * A trailing "/" requires a directory. O_PATH may be combined only with
 * O_DIRECTORY and O_NOFOLLOW (as openat2 requires); O_CREAT and
 * O_TMPFILE are refused (EINVAL): use beneath_mkfile(). `path` is not
 * NULL and shorter than BENEATH_PATH_MAX.
 *
 * Returns a new fd owned by the caller, or -1 with `e` set.
 */
int beneath_open(int rootfd, const char *path, int flags, struct err *e);

/*
 * beneath_open() with resolution flags `bflags` (BENEATH_NO_XDEV: fail
 * with EXDEV rather than cross a mount point; the walk detects a mount
 * by a change of st_dev, so it misses a bind mount of the root's own
 * filesystem, which openat2 refuses too).
 */
int beneath_openx(int rootfd, const char *path, int flags, int bflags,
	struct err *e);

/*
 * Make sure directory `path` exists beneath `rootfd`, creating it and
 * its missing parents with mode `mode` (less the umask), each component
 * resolved inside the root as by beneath_open() (so "mkdir -p" through
 * "var/run -> /run" creates ROOT/run/...). A component that exists as
 * anything but a directory (or a symlink to one) fails with ENOTDIR,
 * naming it. Creation races (another process creating or removing the
 * same names) are retried a few times.
 *
 * Returns a new O_PATH | O_DIRECTORY fd of the final directory, owned by
 * the caller, or -1 with `e` set.
 */
int beneath_mkdir_p(int rootfd, const char *path, mode_t mode,
	struct err *e);

/*
 * Make sure a non-directory exists at `path` beneath `rootfd` (the mount
 * point of a file bind mount such as /etc/hosts): missing parents are
 * created (0755), a missing file is created empty with mode `mode`
 * (less the umask). A final symlink is followed inside the root, so a
 * dangling "hosts -> /run/hosts" creates ROOT/run/hosts. An existing
 * regular file (or device, FIFO, socket: anything that is not a
 * directory) is kept as it is; a directory fails with EISDIR, and so do
 * "", "/" and paths ending in "/", "." or "..".
 *
 * Returns a new O_PATH fd of the file, owned by the caller, or -1 with
 * `e` set.
 */
int beneath_mkfile(int rootfd, const char *path, mode_t mode,
	struct err *e);

/*
 * Prepare a mount destination: beneath_mkdir_p() (`is_dir` nonzero) or
 * beneath_mkfile() of `path` with `mode`, then write "/proc/self/fd/N"
 * for the new fd into `procpath` (`len` bytes, BENEATH_PROCPATH_MAX is
 * always enough; ERANGE if too small). The O_PATH fd goes to *fd, owned
 * by the caller.
 *
 * The caller passes `procpath` as the target of mount(2) and then
 * closes *fd. The kernel follows the magic link to the very inode
 * resolved here, so the mount lands inside the root even if the
 * container swapped a component for a symlink in between; a path string
 * would be resolved again. (procfs must be mounted at /proc of the
 * calling process's mount namespace.) After the mount, *fd still refers
 * to the covered inode, not to the new mount's root: to inspect what was
 * mounted, open the destination again.
 *
 * Returns 0, or -1 with `e` set and *fd = -1.
 */
int beneath_mountpoint(int rootfd, const char *path, int is_dir, mode_t mode,
	char *procpath, size_t len, int *fd, struct err *e);

/*
 * Resolve `path` beneath `rootfd` (all symlinks, the last one included)
 * and write the result into `out` (`len` bytes) as an absolute path
 * inside the root: "/" for the root itself, "/etc/passwd", never with
 * "." or ".." or a symlink left in it (except a magic link, refused).
 * Always computed by the walk. Components that do not exist are allowed,
 * like `realpath -m`: from the first missing one on, the rest of the
 * path is only cleaned textually ("." dropped, ".." removing the
 * previous component, never above the root). A non-directory in the
 * middle of the path is an error (ENOTDIR). The string is for messages
 * and for walking a rootfs by name; to act on a path, open it with
 * beneath_open() instead (the answer may be stale as soon as it is
 * returned).
 *
 * Returns 0, or -1 with `e` set (ENAMETOOLONG when `out` is too small).
 */
int beneath_resolve(int rootfd, const char *path, char *out, size_t len,
	struct err *e);

#endif

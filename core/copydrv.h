/* copydrv.h - the copy storage driver: flatten layers into a rootfs, and
 * the reverse, the diff of a rootfs against its layers (for commit)
 *
 * When overlayfs cannot be used (docs/store.md, the driver probe), a
 * container's rootfs is a plain directory holding a full copy of its
 * image's layers, made at `run` time by copydrv_populate(). `commit` then
 * needs what the container changed: copydrv_diff() compares the rootfs with
 * the layers, as Docker's vfs driver ("naive diff") does.
 *
 * Both functions accept layers in either store format (the layer's
 * meta.json "whiteouts"):
 *  - "aufs" (EXTRACT_KEEP): `.wh.NAME` files delete NAME from the layers
 *    below, `DIR/.wh..wh..opq` deletes everything the layers below put in
 *    DIR; other `.wh..wh.*` names (aufs' hard link store) are ignored.
 *  - "overlay" (EXTRACT_OVERLAY, or ""): 0/0 character devices delete,
 *    trusted.overlay.opaque=y (or user.overlay.opaque=y) on a directory
 *    makes it opaque.
 * A layer's whiteouts only apply to the layers below it: its own entries
 * of the same name are kept.
 *
 * Nothing here follows a symlink: every directory is opened with
 * O_NOFOLLOW | O_DIRECTORY relative to its parent's fd, and every entry is
 * handled with *at() calls (AT_SYMLINK_NOFOLLOW). A directory on another
 * filesystem (a mount point) in copydrv_populate()'s destination is never
 * descended into or removed (EXDEV/EBUSY errors instead).
 *
 * Directories cost two fds per level of depth while they are walked
 * (source and destination); trees deeper than COPYDRV_DEPTH_MAX levels
 * are refused with ERR_LIMIT.
 */
#ifndef ROCKER_COPYDRV_H
#define ROCKER_COPYDRV_H

#include <stddef.h>

#include "err.h"
#include "store.h"
#include "tarwrite.h"

enum {
	COPYDRV_DEPTH_MAX = 256,	/* directory levels walked */
};

/*
 * Copy the committed layers `chains[0..n-1]` (chain ids, base first, as in
 * an image; borrowed) of store `s` into the directory `dst` (an existing,
 * empty directory, on any filesystem), applying each layer's whiteouts to
 * what the layers below it put there.
 *
 * Kept: type (regular files, directories, symlinks verbatim, character
 * and block devices, FIFOs; sockets are skipped), the full mode with
 * setuid/setgid/sticky, owner (lchown), access and modification times
 * with nanoseconds (directories' after their contents), the xattrs
 * security.capability and user.* (not user.overlay.*; trusted.* and
 * security.selinux are never copied) on regular files and directories,
 * and hard links between paths of one layer (a second path of an inode
 * becomes a hard link to the first copy). An entry replacing a lower
 * entry of another type replaces it (a directory is removed recursively);
 * a directory over a directory is merged and takes the upper metadata
 * (its xattrs replace the lower ones). File data goes through
 * copy_file_range(2), then sendfile(2), then read/write, whichever the
 * filesystems support. Nothing is fsynced.
 *
 * As non-root, chown failing with EPERM is ignored (the files stay ours)
 * and read-only directories are made writable while being filled.
 * Failing to set security.capability is an error; other xattr failures
 * (EPERM, ENOTSUP) are ignored. Returns 0, or -1 with `e` set to
 * "copy layer HEX: PATH: cause"; `dst` is then left half-filled, for the
 * caller to remove.
 */
int copydrv_populate(struct store *s, const char *const *chains, size_t n,
    const char *dst, struct err *e);

/*
 * Write into `w` (an initialised writer; no end-of-archive marker is
 * written: call tarw_close() after) a tar layer of what differs between
 * the container rootfs `rootfd` (a directory fd, borrowed) and the
 * composed layers `chains[0..n-1]` (base first; borrowed). `n` may be 0:
 * everything is added.
 *
 * The lower view is first built in memory from the layers, bottom-up with
 * their whiteouts applied: one node per path visible in the image (about
 * 100 bytes plus its name, its symlink target and its kept xattrs), in
 * O(E log E) time for E layer entries. Then `rootfd` is walked once,
 * each directory's sorted names merged with the sorted children of its
 * node:
 *  - a path only in the rootfs is added (a directory with its whole
 *    subtree);
 *  - a path in both is written when it differs: type, mode, uid, gid,
 *    kept xattrs, device number, symlink target, and for non-directories
 *    size and mtime to the nanosecond (Docker's naive diff rules:
 *    contents are not compared, directories' sizes and times are not);
 *  - a path only in the layers becomes a `.wh.NAME` entry (a deleted
 *    directory is one entry, not one per child).
 * A directory that is not itself changed is still written, just before
 * the first change beneath it, so that its metadata survives extraction
 * (as Docker does). Entries are in tarw_tree()'s format and order (names
 * sorted bytewise, each directory before its contents, whiteouts among
 * the names at the place of the deleted name; whiteouts are empty files
 * with mode 0, uid/gid 0, mtime 0). A second changed path of a multiply
 * linked file becomes a hard link entry to the first one written.
 * Sockets are skipped (counted in st->skipped), and so is a directory
 * on another filesystem than `rootfd`'s (a volume mounted in the rootfs):
 * neither its content nor the absence of the image's content beneath it
 * is recorded. `st` may be NULL; its
 * `whiteouts` counts the deletions. Memory: the lower view plus the
 * names of the directories on the current path. Returns 0 or -1 with `e`
 * set.
 */
int copydrv_diff(struct store *s, const char *const *chains, size_t n,
    int rootfd, struct tarw *w, struct tarw_tree_stats *st, struct err *e);

#endif

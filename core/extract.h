/* extract.h - apply a layer tar stream beneath a directory, safely
 *
 * extract_tar() reads a tar stream (tar.h) and materialises it under
 * `rootfd`, the layer root. The archive is untrusted; the rules are those
 * of the extraction checklist (R2.4-R2.21):
 *
 * Paths. A leading "/" is stripped, "." components dropped and ".." ones
 * resolved textually; a name that climbs above the root after that
 * ("../x", "a/../../x") is refused, so "/etc/x" lands in ROOT/etc/x. The
 * root itself ("." or "/") may only appear as a directory, and is then
 * skipped (its metadata is left alone); as anything else it is refused
 * (umoci CVE-2021-29136). The parent directory of every entry is opened
 * with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV):
 * symlinks met on the way are followed as if ROOT were "/" (as chroot
 * would), never out of it, and never across a mount. When openat2 is
 * missing (ENOSYS, Linux < 5.6) or EXTRACT_NO_OPENAT2 is set, a walk with
 * one openat(O_NOFOLLOW | O_DIRECTORY) per component does the same,
 * resolving symlinks itself (at most 40) and refusing to cross into
 * another device. Missing parent directories are created (0755). The
 * final name is then handled with *at() calls that never follow it
 * (O_NOFOLLOW, O_EXCL, AT_SYMLINK_NOFOLLOW); an existing entry there is
 * removed first, except that a directory over a directory is merged
 * (the new metadata applies, the contents stay). Files are never opened
 * for writing in place, so other hard links to an old file keep their
 * content (R2.16).
 *
 * Symlink targets are stored verbatim (absolute ones included). A hard
 * link's target is cleaned like a path (a leading "/" means the layer
 * root) and must already exist beneath ROOT: in EXTRACT_OVERLAY mode ROOT
 * holds only this layer, so a link to a lower layer's file fails; in
 * EXTRACT_FLAT mode the tree being built is one tree and any existing
 * file in it may be linked. Hard link entries get no metadata of their
 * own (the target's is kept).
 *
 * Metadata, in this order for every entry (R2.17): create with mode &
 * 0777 (umask is 0 during the call), chown to the numeric uid/gid
 * (unless EXTRACT_NO_CHOWN), set xattrs, chmod with the full mode
 * including setuid/setgid/sticky (never on symlinks), set times
 * (AT_SYMLINK_NOFOLLOW). Directory times are set after the whole archive
 * (children would change them), from a list kept in bounded memory.
 * Xattrs: trusted.* (trusted.overlay.* included) and user.overlay.* are
 * dropped and counted; failure to set security.capability is an error;
 * other failures (EPERM, ENOTSUP...) are counted and ignored.
 *
 * Devices: block and character devices are not created unless
 * EXTRACT_DEVICES is set (they are counted as skipped). FIFOs are made.
 *
 * Whiteouts (".wh." names; never written as files):
 *  - EXTRACT_OVERLAY: ROOT is this layer's own directory for overlayfs.
 *    ".wh.NAME" becomes a character device 0/0 named NAME, unless NAME
 *    already exists in this layer (entries of the same layer are never
 *    hidden by its whiteouts). "D/.wh..wh..opq" sets
 *    trusted.overlay.opaque=y on D (user.overlay.opaque with
 *    EXTRACT_USERXATTR, for overlay's "userxattr" option). A directory
 *    made over a whiteout device of the same layer is marked opaque.
 *  - EXTRACT_FLAT: ROOT already holds the lower layers' content.
 *    ".wh.NAME" removes NAME (recursively, never following a symlink: a
 *    whiteout of a symlink removes the link) unless this layer created
 *    it. "D/.wh..wh..opq" removes every child of D that this layer did
 *    not create, wherever the marker sits among D's entries: paths this
 *    layer created (and their parents) are remembered in a set, and the
 *    directories among them are cleaned recursively the same way.
 *  - In both modes ".wh..wh.plnk" (aufs hard link store) and everything
 *    below it, and other ".wh..wh." names, are ignored; ".wh." alone,
 *    ".wh.." and ".wh..." are errors.
 *
 * Budgets (struct extract_opts): file bytes, entries, path length, xattr
 * size and bookkeeping memory; exceeding one stops with ERR_LIMIT before
 * the offending entry is created. Nothing is cleaned up on failure: the
 * caller extracts into a temporary directory and removes it.
 *
 * After the end-of-archive marker the rest of the stream is read and
 * discarded (it counts against max_bytes), so a digest reader placed
 * before the tar reader sees every byte (the diff_id covers them).
 */
#ifndef ROCKER_EXTRACT_H
#define ROCKER_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "io.h"

/* How whiteouts are applied: see above. */
enum extract_mode {
	EXTRACT_OVERLAY = 0,
	EXTRACT_FLAT = 1,
	/*
	 * Keep whiteouts as they are in the tar ("aufs" form): `.wh.NAME`
	 * and `.wh..wh..opq` become empty regular files (mode 0) in this
	 * layer's own directory, to be applied when layers are copied into
	 * a container's root (the copy driver), where overlay whiteouts
	 * cannot be made.
	 */
	EXTRACT_KEEP = 2,
};

/* Flags for extract_opts.flags. */
enum {
	EXTRACT_DEVICES = 1 << 0,	/* create block/char device nodes */
	EXTRACT_NO_CHOWN = 1 << 1,	/* keep our own uid/gid (rootless) */
	EXTRACT_USERXATTR = 1 << 2,	/* overlay: user.overlay.opaque */
	EXTRACT_NO_OPENAT2 = 1 << 3,	/* use the openat walk (tests) */
};

/* Defaults a zero field of struct extract_opts stands for. */
enum {
	EXTRACT_DEFAULT_MAX_ENTRIES = 1 << 21,	/* 2 Mi entries */
	EXTRACT_DEFAULT_MAX_PATH = 4095,	/* bytes, also the tar cap */
	EXTRACT_DEFAULT_MAX_XATTR = 65536,	/* bytes of one value */
	EXTRACT_DEFAULT_MAX_META = 128 << 20,	/* bookkeeping bytes */
};

/*
 * Options; zero-initialise and set what you need.
 *
 * mode: EXTRACT_OVERLAY or EXTRACT_FLAT.
 * flags: EXTRACT_* bits above.
 * max_bytes: file data written plus bytes after the end of the archive
 *   (default 64 GiB). A regular file whose size would exceed it is
 *   refused before it is created.
 * max_entries: tar entries, whiteouts and skipped ones included.
 * max_path: longest entry path or link target as stored in the archive.
 * max_xattr: largest xattr value.
 * max_meta: memory for the directory-times list and, in EXTRACT_FLAT
 *   mode, the set of created paths (about 50 bytes plus the path for each
 *   directory / entry).
 */
struct extract_opts {
	int mode;
	unsigned flags;
	uint64_t max_bytes;
	uint64_t max_entries;
	size_t max_path;
	size_t max_xattr;
	size_t max_meta;
};

/* What extract_tar() did; filled as it goes (valid after a failure too). */
struct extract_stats {
	uint64_t entries;		/* tar entries read */
	uint64_t bytes;			/* file data written */
	uint64_t trailing;		/* bytes after the end of archive */
	uint64_t files, dirs, symlinks, hardlinks, fifos, devices;
	uint64_t devices_skipped;	/* without EXTRACT_DEVICES */
	uint64_t whiteouts;		/* .wh.NAME applied */
	uint64_t opaques;		/* .wh..wh..opq applied */
	uint64_t ignored;		/* .wh..wh.plnk and other aufs names */
	uint64_t xattrs;		/* xattrs set */
	uint64_t xattrs_dropped;	/* trusted.*, user.overlay.* */
	uint64_t xattrs_failed;		/* best-effort ones, failed */
};

/*
 * Extract the tar stream read from `src` (borrowed; read to its end)
 * beneath the directory `rootfd` (borrowed, any open mode including
 * O_PATH; not closed). `o` may be NULL for all defaults (EXTRACT_OVERLAY);
 * `st` may be NULL. Returns 0, or -1 with `e` set to
 * "extract: PATH: cause" (ERR_PARSE for a malformed or hostile archive,
 * ERR_LIMIT for a budget, errno for a system call failure). The process
 * umask is set to 0 during the call and restored.
 */
int extract_tar(int rootfd, struct reader *src, const struct extract_opts *o,
    struct extract_stats *st, struct err *e);

/*
 * Clean the tar path `in` into `out` (`size` bytes): "/" runs and "."
 * components dropped, ".." resolved textually; "" names the root. Returns
 * -1 when the name climbs above the root or does not fit.
 */
int extract_path_clean(const char *in, char *out, size_t size);

/*
 * Check that overlay whiteouts can be made in the directory `dirfd`: a
 * character device 0/0 and an opaque xattr (trusted.overlay.opaque, or
 * user.overlay.opaque with EXTRACT_USERXATTR in `flags`), on a scratch
 * entry that is removed again. Call it before extracting layers in
 * EXTRACT_OVERLAY mode to fail early and clearly (no CAP_MKNOD on old
 * kernels, no CAP_SYS_ADMIN for trusted.*, a filesystem without xattrs).
 * Returns 0 or -1 with `e` set.
 */
int extract_check_overlay(int dirfd, unsigned flags, struct err *e);

#endif

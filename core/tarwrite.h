/* tarwrite.h - deterministic tar writer and directory-tree archiver
 *
 * struct tarw writes a tar stream through a caller-supplied sink: one
 * tarw_header() per entry, then exactly `size` bytes of data for regular
 * files with tarw_write(), and tarw_close() for the end-of-archive marker.
 * The output depends only on the headers and data given:
 *
 *  - ustar headers ("ustar\0" "00"), numeric ids only (uname and gname
 *    empty), mtime in whole seconds, no atime/ctime;
 *  - a PAX 'x' header before an entry only when it needs one: a path or
 *    link target longer than the 100-byte fields, a number that does not
 *    fit its octal field (size >= 8 GiB, ids >= 2097152, negative or huge
 *    mtime) or extended attributes (SCHILY.xattr.NAME, in the order
 *    given). A field a PAX record overrides holds 0 (numbers) or the first
 *    100 bytes (names);
 *  - directories end in '/'; data is padded to 512 bytes; the archive ends
 *    with two zero blocks.
 *
 * tarw_tree() archives a directory (a layer's diff/, a container's upper
 * dir, a whole rootfs) in a fixed order: the entries of each directory sorted bytewise by
 * name, each directory before its contents, the root itself not listed.
 * It never follows a symlink and opens every directory beneath the root
 * with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) (an O_NOFOLLOW walk
 * on kernels without openat2), so a tree that changes while it is read
 * cannot make it read files elsewhere.
 *
 * Nothing here allocates per byte of data: struct tarw holds a 64 KiB
 * output buffer; tarw_tree() keeps the sorted names of the directories on
 * its current path and the paths of multiply-linked files (capped).
 */
#ifndef ROCKER_TARWRITE_H
#define ROCKER_TARWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "tar.h"

enum {
	TARW_BUF = 64 << 10,		/* output buffer inside struct tarw */
	TARW_NAMES_MAX = 256 << 20,	/* tarw_tree(): bytes of names held */
	TARW_LINKS_MAX = 1 << 20,	/* tarw_tree(): multiply-linked files */
};

/*
 * Where the bytes go. write() must take all `len` bytes or fail (-1 with
 * `e` set); it is called with chunks of any size.
 */
struct tarw_sink {
	int (*write)(void *ctx, const void *buf, size_t len, struct err *e);
	void *ctx;
};

/* One entry, as tarw_header() takes it. Every pointer is borrowed. */
struct tarw_hdr {
	int type;			/* enum tar_type: TAR_REG, TAR_DIR... */
	const char *path;		/* without leading "/" or "./"; a
					   directory gets its '/' added */
	const char *linkpath;		/* TAR_LINK, TAR_SYMLINK; else NULL */
	unsigned mode;			/* permission bits incl. 07000 */
	uint32_t uid, gid;
	int64_t mtime;			/* seconds since the epoch */
	uint64_t size;			/* TAR_REG data bytes; else 0 */
	unsigned devmajor, devminor;	/* TAR_CHR, TAR_BLK */
	const struct tar_xattr *xattrs;	/* nxattrs items, or NULL */
	size_t nxattrs;
};

/*
 * A writer. Caller-allocated (about 65 KiB), set up with tarw_init(),
 * released with tarw_free(). `offset` (bytes produced so far, buffered
 * ones included) is public and read-only; the rest is private. Errors are
 * sticky: after a failure every call fails with the same error.
 */
struct tarw {
	uint64_t offset;

	struct tarw_sink sink;
	uint64_t remain;		/* data the current entry still needs */
	unsigned pad;			/* its padding */
	int failed;
	struct err err;
	char *pax;			/* PAX records (heap) */
	size_t paxlen, paxcap;
	size_t buflen;
	unsigned char buf[TARW_BUF];
};

/* Prepare `w` to write to `sink` (copied). Allocates nothing. */
void tarw_init(struct tarw *w, const struct tarw_sink *sink);

/*
 * Write the header(s) of entry `h`. The previous regular file must have
 * had all its data written (ERR_USAGE otherwise). Paths and link targets
 * longer than TAR_PATH_MAX, an empty path, a type other than those of
 * enum tar_type, or a size on a non-regular entry are ERR_USAGE errors.
 * Returns 0 or -1.
 */
int tarw_header(struct tarw *w, const struct tarw_hdr *h, struct err *e);

/*
 * Write `len` bytes of the current regular file's data; more than its
 * header announced is an ERR_USAGE error. The padding follows the last
 * byte by itself. Returns 0 or -1.
 */
int tarw_write(struct tarw *w, const void *buf, size_t len, struct err *e);

/*
 * Write the end-of-archive marker (two zero blocks) and flush the buffer
 * to the sink. An entry whose data is incomplete is an ERR_USAGE error.
 * Returns 0 or -1.
 */
int tarw_close(struct tarw *w, struct err *e);

/* Release the PAX buffer. Safe on a zeroed struct and twice. */
void tarw_free(struct tarw *w);

/* Flags for tarw_tree(). */
enum {
	/*
	 * The tree is an overlayfs layer: a 0/0 character device NAME becomes
	 * a ".wh.NAME" empty file (mode 0, mtime 0: extractors create the
	 * device with the current time, so its own time would make the
	 * archive differ at every round trip), and a directory carrying
	 * trusted.overlay.opaque=y (or user.overlay.opaque=y) gets a
	 * "DIR/.wh..wh..opq" empty file right after it, as Docker writes
	 * them. Without the flag such devices are archived as devices.
	 */
	TARW_OVERLAY = 1 << 0,
	TARW_NO_OPENAT2 = 1 << 1,	/* use the O_NOFOLLOW walk (tests) */
	/*
	 * A directory on another filesystem than the root's (a mount point:
	 * /proc, a volume) is archived as an empty directory with the
	 * mounted filesystem's metadata, without xattrs, instead of failing
	 * with EXDEV. `docker export` wants this.
	 */
	TARW_XDEV_EMPTY = 1 << 2,
};

/* What tarw_tree() wrote. */
struct tarw_tree_stats {
	uint64_t entries;		/* headers (PAX ones not counted) */
	uint64_t bytes;			/* file data */
	uint64_t whiteouts;		/* TARW_OVERLAY conversions */
	uint64_t skipped;		/* sockets (not archivable) */
};

/*
 * Archive every entry beneath the directory `dirfd` (borrowed, not closed;
 * any open mode) into `w`, without the end-of-archive marker (call
 * tarw_close() after). Regular files are read through O_NOFOLLOW fds; a
 * file whose size changes while it is read is an error. A second path of
 * an inode with several links becomes a hard link entry to the first
 * path. Extended attributes kept: security.capability and user.* (except
 * user.overlay.*), sorted by name; trusted.*, security.selinux and ACLs
 * are left out. A directory on another filesystem than `dirfd`'s (a
 * mount point) is an EXDEV error unless TARW_XDEV_EMPTY is given; other
 * entries are archived whatever their filesystem (a file bind-mounted
 * over another is read through the mount). `st` may be NULL. Returns 0
 * or -1 with `e` set to "PATH: cause".
 */
int tarw_tree(struct tarw *w, int dirfd, unsigned flags,
    struct tarw_tree_stats *st, struct err *e);

/*
 * The extended attributes a layer carries: security.capability and user.*
 * except overlayfs's own user.overlay.* (what tarw_tree() archives and
 * the copy driver copies).
 */
int tarw_keep_xattr(const char *name);

/* Is directory `fd` marked opaque by overlayfs (trusted. or user.)? */
int tarw_dir_opaque(int fd);

#endif

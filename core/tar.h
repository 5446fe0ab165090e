/* tar.h - streaming tar reader (ustar, PAX, GNU long names) over a reader
 *
 * tar_next() returns one entry's header at a time; tar_read() returns its
 * data. Memory is bounded: two path buffers inside struct tar, plus one
 * heap buffer for PAX data (at most TAR_META_MAX bytes) and the xattr list
 * that points into it, both reused from entry to entry.
 *
 * Accepted formats and rules (each choice is deliberate; see the R2.x
 * items of the extraction checklist):
 *
 *  - ustar ("ustar\0" "00", with the prefix field), GNU ("ustar  \0",
 *    prefix area ignored), star (prefix limited to 131 bytes) and old V7
 *    headers (no magic). Every header's checksum is verified; both the
 *    unsigned and the signed byte sums are accepted.
 *  - Numeric fields: octal, padded with spaces or NULs on either side, or
 *    GNU base-256 (first byte 0x80 or 0xff), so sizes of 8 GiB and more
 *    and large ids work. Negative values are refused except for mtime.
 *  - PAX 'x' records: path, linkpath, size, uid, gid, mtime and atime
 *    (fractional, possibly negative), SCHILY.xattr.NAME. uname, gname and
 *    other keys are ignored; an empty value restores the header's field.
 *    Records must be well formed ("LEN KEY=VALUE\n", LEN exact); path and
 *    linkpath must not contain NUL.
 *  - PAX 'g' records are parsed (same syntax rules) and ignored, as Docker
 *    does. A 'g' between an entry's own extended headers and that entry
 *    is refused.
 *  - GNU 'L' and 'K' give the path and link target. Precedence: PAX over
 *    GNU over the ustar fields.
 *  - Each extended header ('x', 'g', 'L', 'K') is capped at TAR_META_MAX
 *    (1 MiB) of data (ERR_LIMIT beyond), and an entry may have at most one
 *    of each of 'x', 'L', 'K' (a repeat is ERR_PARSE).
 *  - A PAX size applies over the ustar size (reading the ustar one would
 *    desynchronise the stream). When the ustar size field is nonzero and
 *    differs, the entry is refused: two readers of such an archive would
 *    disagree about where the next header starts.
 *  - Only regular files carry data. A link, directory, device or FIFO
 *    header with a nonzero size is refused (never skipped or ignored, for
 *    the same reason).
 *  - Paths and link targets longer than TAR_PATH_MAX bytes are refused
 *    (ERR_LIMIT). An empty path is refused. Paths are returned exactly as
 *    stored: cleaning them and keeping them beneath a root is extract.c's
 *    job.
 *  - Sparse files (GNU 'S', PAX GNU.sparse.*) and every type other than
 *    '0' '\0' '7' (regular), '1' '2' '3' '4' '5' '6' and the extended
 *    headers above are refused with an error naming the type.
 *  - The archive ends at two zero blocks. EOF at a block boundary where
 *    a header would start (including right after one zero block, and an
 *    empty stream) is accepted as the end too, as Go's archive/tar and
 *    GNU tar do. EOF anywhere else (in a header, in data or its padding,
 *    after an extended header) is an ERR_PARSE error, as is a single zero
 *    block followed by a header.
 *
 * Errors are sticky: after a failure every call fails with the same error.
 */
#ifndef ROCKER_TAR_H
#define ROCKER_TAR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "io.h"

/* Entry types, equal to the header's typeflag character. */
enum tar_type {
	TAR_REG = '0',		/* also '\0' and '7' (contiguous) */
	TAR_LINK = '1',		/* hard link to linkpath */
	TAR_SYMLINK = '2',
	TAR_CHR = '3',
	TAR_BLK = '4',
	TAR_DIR = '5',		/* also '\0' with a trailing '/' */
	TAR_FIFO = '6',
};

enum {
	TAR_RECORD = 512,		/* header and data block size */
	TAR_PATH_MAX = 4095,		/* longest path or link target */
	TAR_META_MAX = 1 << 20,		/* largest extended header data */
	TAR_GLOBAL_MAX = 16,		/* 'g' headers in a row */
};

/* One extended attribute of an entry (PAX SCHILY.xattr.NAME=VALUE). */
struct tar_xattr {
	const char *name;		/* NAME, NUL-terminated, nonempty */
	const unsigned char *value;	/* len bytes; may contain NULs */
	size_t len;			/* value[len] is a NUL, not counted */
};

/*
 * An entry header as tar_next() returns it. Every pointer points into the
 * struct tar and stays valid until the next tar_next() or tar_free().
 */
struct tar_entry {
	int type;			/* enum tar_type */
	const char *path;		/* as stored; never empty */
	const char *linkpath;		/* TAR_LINK/TAR_SYMLINK: never
					   empty; other types: "" */
	unsigned mode;			/* permissions incl. suid/sgid/sticky
					   (header mode & 07777) */
	uint32_t uid, gid;		/* numeric ids (names are ignored) */
	int64_t mtime;			/* seconds since the epoch */
	long mtime_nsec;		/* 0..999999999 (PAX fraction) */
	int has_atime;			/* PAX atime present */
	int64_t atime;
	long atime_nsec;
	uint64_t size;			/* data bytes; 0 unless TAR_REG */
	unsigned devmajor, devminor;	/* TAR_CHR/TAR_BLK; else 0 */
	const struct tar_xattr *xattrs;	/* nxattrs items, in archive order */
	size_t nxattrs;
};

/*
 * A tar reader. Caller-allocated (about 9 KiB), set up with tar_init(),
 * released with tar_free(). `offset` is public and read-only: bytes
 * consumed from the source so far (headers, data, padding). The rest is
 * private.
 */
struct tar {
	uint64_t offset;

	struct reader *src;
	int state;
	uint64_t remain;		/* unread data of the current entry */
	unsigned pad;			/* padding after it */
	unsigned char blk[TAR_RECORD];
	char path[TAR_PATH_MAX + 1];
	char link[TAR_PATH_MAX + 1];
	char *pax;			/* PAX data (heap), paxcap bytes */
	size_t paxcap;
	struct tar_xattr *xattrs;	/* heap, xcap items */
	size_t nxattrs, xcap;
	struct err err;			/* sticky error */
};

/*
 * Prepare `t` to read the archive from `src` (borrowed: it must outlive
 * `t`). Nothing is read or allocated yet.
 */
void tar_init(struct tar *t, struct reader *src);

/*
 * Read the next entry's header into `ent`, first skipping whatever the
 * caller left unread of the previous entry's data. Returns 1 with `ent`
 * filled, 0 at the end of the archive (then `ent` is untouched and later
 * calls return 0 again), or -1 with `e` set ("tar: ..." messages; ERR_PARSE
 * for malformed archives, ERR_LIMIT for the caps above, the source's error
 * otherwise).
 */
int tar_next(struct tar *t, struct tar_entry *ent, struct err *e);

/*
 * Read up to `len` (> 0) bytes of the current entry's data into `buf`.
 * Returns the count read (> 0; may be short), 0 once the data is
 * exhausted (or for entries without data, or before the first
 * tar_next()), or -1 with `e` set (a source that ends inside the data is
 * an ERR_PARSE error).
 */
ssize_t tar_read(struct tar *t, void *buf, size_t len, struct err *e);

/*
 * After tar_next() returned 0: read and discard whatever follows the
 * end-of-archive marker up to the source's EOF (padding some tools add;
 * the diff_id covers it, so the stream must be drained). At most `max`
 * bytes are accepted: more is an ERR_LIMIT error. The count drained is
 * stored in `*count` (may be NULL). Returns 0 or -1. Calling it before
 * the end of the archive is an ERR_USAGE error.
 */
int tar_drain(struct tar *t, uint64_t max, uint64_t *count, struct err *e);

/* Release the heap buffers. Safe on a zeroed struct and twice. */
void tar_free(struct tar *t);

#endif

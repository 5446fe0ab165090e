/* io.h - the pull-style byte stream that joins core/ stages together
 *
 * A layer flows socket -> TLS -> HTTP body -> digest -> inflate -> digest
 * -> tar reader -> files. Each stage reads from the one before through a
 * `struct reader`, so stages combine freely and tests can feed any stage
 * from memory. Readers are borrowed: a stage never frees the reader it was
 * given.
 */
#ifndef ROCKER_IO_H
#define ROCKER_IO_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

struct reader {
	/*
	 * Read up to `len` (> 0) bytes into `buf`. Returns the count read
	 * (> 0), 0 at the end of the stream, or -1 with `e` set. A stage
	 * whose source failed keeps failing (sticky errors).
	 */
	ssize_t (*read)(void *ctx, void *buf, size_t len, struct err *e);
	void *ctx;
};

/* Read exactly `len` bytes; an early end is an ERR_PROTO error. */
int io_read_full(struct reader *r, void *buf, size_t len, struct err *e);

/*
 * A reader over `len` bytes at `buf` (borrowed, must outlive `m`). The
 * caller-allocated `m` holds the position; `r` is set up to read from it.
 * `max`, 0 after io_mem_reader(), caps the bytes one read returns: tests
 * set it to feed a stage in small or odd-sized pieces.
 */
struct io_mem {
	const unsigned char *buf;
	size_t len, off, max;
};
void io_mem_reader(struct io_mem *m, const void *buf, size_t len,
    struct reader *r);

/* A reader over file descriptor `*fd` (borrowed, read with read(2)). */
void io_fd_reader(int *fd, struct reader *r);

/*
 * Read the whole regular file `path` into a new heap buffer (*len bytes,
 * NUL-terminated; the caller frees it), refusing files larger than `max`
 * bytes before allocating (ERR_LIMIT) and anything but a regular file
 * (ERR_PARSE). A missing file is an error with code ENOENT. Returns NULL
 * with `e` set ("PATH: cause") on failure.
 */
char *io_read_file(const char *path, size_t max, size_t *len,
    struct err *e);

/* io_read_file() of `name` under `dirfd`, not following a final symlink. */
char *io_read_at(int dirfd, const char *name, size_t max, size_t *len,
    struct err *e);

/* io_read_file() of open file `fd` (read from its offset, not closed);
 * `name` is for messages. */
char *io_read_fd(int fd, const char *name, size_t max, size_t *len,
    struct err *e);

/* Write all `len` bytes to `fd`, retrying on EINTR and short writes. */
int io_write_all(int fd, const void *buf, size_t len, struct err *e);

/*
 * snprintf() for paths: format into `buf` (`size` bytes). Returns 0, or -1
 * with errno ENAMETOOLONG when the result did not fit (`buf` then holds a
 * truncated string that must not be used).
 */
int io_pathf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Ask the filesystem to spread the subdirectories of directory `path` over
 * the disk: ext4's FS_TOPDIR_FL ("chattr +T"), with which the Orlov
 * allocator puts each new subdirectory, and so the files made in it, in a
 * little-used block group rather than in its parent's. For directories
 * whose subdirectories come and go, unrelated to each other (a container
 * each): new inodes are then not taken where the last containers were
 * just deleted, which on an ext4 without a journal costs a scan past
 * every inode freed in the last minutes. Best effort: other filesystems
 * have no such flag and nothing happens.
 */
void io_spread_subdirs(const char *path);

#endif

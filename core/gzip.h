/* gzip.h - streaming gzip decoder (zlib inflate) and layer compression sniffing
 *
 * A layer blob is read as  source -> gzip -> tar  where every stage is a
 * `struct reader` (io.h). struct gzip decodes a gzip stream in constant
 * memory: its own 64 KiB input buffer plus zlib's inflate state (about
 * 7 KiB) and window (32 KiB), whatever the size of the stream.
 *
 * What is accepted (RFC 1952, as gzip(1) and Go's compress/gzip read it):
 *
 *  - every member of a multi-member stream (`cat a.gz b.gz`), decoded in
 *    order as one output stream;
 *  - each member's CRC-32 and ISIZE trailer is checked (zlib does it in
 *    gzip mode); a mismatch is an ERR_PARSE error;
 *  - after the last member, only zero bytes may follow, up to the end of
 *    the source (some tools pad blobs to a block size). Anything else
 *    after a member that is neither zeros nor another member's magic
 *    (1f 8b) is "trailing garbage" and an ERR_PARSE error. This is
 *    stricter than gzip(1), which only warns; Go's reader errors too
 *    (a non-gzip header in multistream mode). Being strict keeps two
 *    readers of the same blob from seeing different layer content;
 *  - a stream that ends inside a member (truncated) is an ERR_PARSE error;
 *    only a source EOF after a complete member (or its zero padding) is
 *    the end of the output.
 *
 * Errors are sticky: once a read fails, every later read fails with the
 * same message.
 */
#ifndef ROCKER_GZIP_H
#define ROCKER_GZIP_H

#include <stddef.h>
#include <stdint.h>

#include <zlib.h>

#include "err.h"
#include "io.h"

/* What gzip_detect() found at the start of a stream. */
enum gzip_format {
	GZIP_FORMAT_PLAIN = 0,	/* no compression magic: a tar, presumably */
	GZIP_FORMAT_GZIP = 1,	/* 1f 8b */
};

enum {
	GZIP_SNIFF_LEN = 10,	/* bytes gzip_detect() wants to be sure */
	GZIP_IN_BUF = 64 << 10,	/* input buffer inside struct gzip */
};

/* Flags for gzip_init(). */
enum {
	/*
	 * Pass data that does not start with the gzip magic through
	 * unchanged (an uncompressed layer, or one mislabelled as gzip, as
	 * some builders produce). zstd, xz and bzip2 data are still refused.
	 * Without this flag, data that is not gzip is an error.
	 */
	GZIP_AUTO = 1,
};

/*
 * Say how the stream starting with the `len` bytes at `head` is
 * compressed. `head` may be NULL when `len` is 0. Give it at least
 * GZIP_SNIFF_LEN bytes when the stream has them; with fewer bytes only
 * the magics that fit are recognised.
 *
 * Returns GZIP_FORMAT_GZIP for 1f 8b, GZIP_FORMAT_PLAIN for anything
 * unrecognised (the tar reader then validates header checksums), or -1
 * with an ERR_PARSE error for compressions rocker cannot decode: zstd
 * (28 b5 2f fd, or a skippable frame 5? 2a 4d 18 as zstd:chunked writes),
 * xz and bzip2, each named in the message, e.g. "zstd-compressed layers
 * are not supported".
 */
int gzip_detect(const void *head, size_t len, struct err *e);

/*
 * A gzip decoding stage. Caller-allocated (about 65 KiB: embed it or
 * allocate it rather than put it on a small stack); set up with
 * gzip_init(), released with gzip_free(). The fields below `public` are
 * read-only for the caller; the rest is private.
 */
struct gzip {
	/* public, read-only */
	uint64_t in_bytes;	/* bytes consumed from the source */
	uint64_t out_bytes;	/* bytes produced */
	unsigned members;	/* gzip members completed */
	int format;		/* enum gzip_format, once the magic was read */

	/* private */
	struct reader *src;
	unsigned flags;
	int state;
	int zinit;
	int src_eof;
	struct err err;		/* sticky error */
	z_stream zs;
	unsigned char in[GZIP_IN_BUF];
};

/*
 * Prepare `z` to decode the stream read from `src` (borrowed: it must
 * outlive `z`; never freed here) and set `out` up to read the decoded
 * bytes from `z`. `flags` is 0 or GZIP_AUTO. Nothing is read before the
 * first read from `out`. Fails only when zlib cannot allocate its state
 * (ENOMEM). On failure `z` is safe to pass to gzip_free().
 */
int gzip_init(struct gzip *z, struct reader *src, unsigned flags,
    struct reader *out, struct err *e);

/*
 * Release zlib's state. Safe on a zeroed struct, after a failed
 * gzip_init() and when called twice. The source is not touched.
 */
void gzip_free(struct gzip *z);

#endif

/* gzip.c - multi-member gzip decoding over zlib's inflate, as a reader
 *
 * zlib in gzip mode (windowBits 15 + 16) parses one member's header,
 * inflates it and checks its CRC-32 and ISIZE trailer. After Z_STREAM_END
 * the bytes left decide what comes next: another member (inflateReset),
 * zero padding up to the end, or an error.
 */

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "gzip.h"

enum state {
	ST_START,	/* magic not read yet */
	ST_MEMBER,	/* inside a member */
	ST_BETWEEN,	/* a member just ended */
	ST_ZEROS,	/* in the zero padding after the last member */
	ST_PASS,	/* GZIP_AUTO on data that is not gzip */
	ST_DONE,
	ST_FAILED,
};

enum {
	OUT_MAX = 1 << 30,	/* largest avail_out handed to inflate */
};

static const unsigned char zstd_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
static const unsigned char xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
static const unsigned char bz_block[6] = { 0x31, 0x41, 0x59, 0x26, 0x53, 0x59 };
static const unsigned char bz_end[6] = { 0x17, 0x72, 0x45, 0x38, 0x50, 0x90 };

/* Record the sticky error from z->err into `e`; returns -1. */
static ssize_t
fail(struct gzip *z, struct err *e)
{
	z->state = ST_FAILED;
	*e = z->err;
	return -1;
}

/* Source failed: keep its error as ours. */
static ssize_t
fail_src(struct gzip *z, struct err *e)
{
	z->err = *e;
	return fail(z, e);
}

/*
 * Move unconsumed input to the front of the buffer and read more after
 * it. Returns the count read, 0 at the source's end (src_eof set), -1.
 */
static ssize_t
fill(struct gzip *z, struct err *e)
{
	ssize_t n;

	if (z->src_eof)
		return 0;
	if (z->zs.avail_in && z->zs.next_in != z->in)
		memmove(z->in, z->zs.next_in, z->zs.avail_in);
	z->zs.next_in = z->in;
	if (z->zs.avail_in == sizeof(z->in))
		return 0;
	n = z->src->read(z->src->ctx, z->in + z->zs.avail_in,
	    sizeof(z->in) - z->zs.avail_in, e);
	if (n < 0)
		return -1;
	if (n == 0)
		z->src_eof = 1;
	z->zs.avail_in += (uInt)n;
	z->in_bytes += (uint64_t)n;
	return n;
}

/* First read: look at the magic and choose a state. */
static int
start(struct gzip *z, struct err *e)
{
	int fmt;

	while (z->zs.avail_in < GZIP_SNIFF_LEN && !z->src_eof)
		if (fill(z, e) < 0) {
			fail_src(z, e);
			return -1;
		}
	fmt = gzip_detect(z->in, z->zs.avail_in, &z->err);
	if (fmt < 0) {
		fail(z, e);
		return -1;
	}
	z->format = fmt;
	if (fmt == GZIP_FORMAT_GZIP) {
		z->state = ST_MEMBER;
		return 0;
	}
	if (!(z->flags & GZIP_AUTO)) {
		if (z->zs.avail_in == 0)
			err_set(&z->err, ERR_PARSE,
			    "gzip: empty stream, expected gzip data");
		else
			err_set(&z->err, ERR_PARSE,
			    "gzip: not gzip data (no 1f 8b magic)");
		fail(z, e);
		return -1;
	}
	z->state = ST_PASS;
	return 0;
}

/* Inflate into buf; returns bytes produced (> 0), 0 at a member's end. */
static ssize_t
member(struct gzip *z, void *buf, size_t len, struct err *e)
{
	int ret;
	size_t got;

	for (;;) {
		if (z->zs.avail_in == 0) {
			if (z->src_eof) {
				err_set(&z->err, ERR_PARSE, "gzip: member %u: "
				    "truncated stream (unexpected end of data)",
				    z->members + 1);
				return fail(z, e);
			}
			if (fill(z, e) < 0)
				return fail_src(z, e);
			continue;
		}
		z->zs.next_out = buf;
		z->zs.avail_out = (uInt)(len > OUT_MAX ? OUT_MAX : len);
		ret = inflate(&z->zs, Z_NO_FLUSH);
		got = (len > OUT_MAX ? OUT_MAX : len) - z->zs.avail_out;
		if (ret == Z_OK || ret == Z_STREAM_END || ret == Z_BUF_ERROR)
			z->out_bytes += got;
		if (ret == Z_STREAM_END) {
			z->members++;
			z->state = ST_BETWEEN;
			return (ssize_t)got;
		}
		if (ret == Z_MEM_ERROR) {
			err_set(&z->err, ENOMEM,
			    "gzip: inflate: out of memory");
			return fail(z, e);
		}
		if (ret == Z_BUF_ERROR && z->zs.avail_in && !got)
			ret = Z_DATA_ERROR;	/* no progress: never loop */
		if (ret != Z_OK && ret != Z_BUF_ERROR) {
			err_set(&z->err, ERR_PARSE, "gzip: member %u: %s",
			    z->members + 1, z->zs.msg ? z->zs.msg :
			    "corrupt data");
			return fail(z, e);
		}
		if (got)
			return (ssize_t)got;
	}
}

/* After a member: another one, zero padding, the end, or garbage. */
static int
between(struct gzip *z, struct err *e)
{
	for (;;) {
		if (z->zs.avail_in == 0 && z->src_eof) {
			z->state = ST_DONE;
			return 0;
		}
		if (z->zs.avail_in < 2 && !z->src_eof) {
			if (fill(z, e) < 0) {
				fail_src(z, e);
				return -1;
			}
			continue;
		}
		if (z->zs.next_in[0] == 0) {
			z->state = ST_ZEROS;
			return 0;
		}
		if (z->zs.avail_in >= 2 && z->zs.next_in[0] == 0x1f &&
		    z->zs.next_in[1] == 0x8b) {
			if (inflateReset(&z->zs) != Z_OK) {
				err_set(&z->err, ERR_GENERIC,
				    "gzip: inflateReset failed");
				fail(z, e);
				return -1;
			}
			z->state = ST_MEMBER;
			return 0;
		}
		err_set(&z->err, ERR_PARSE, "gzip: trailing garbage after "
		    "member %u (byte 0x%02x at offset %llu)", z->members,
		    z->zs.next_in[0], (unsigned long long)(z->in_bytes -
		    z->zs.avail_in));
		fail(z, e);
		return -1;
	}
}

/* Zero padding: consume it to the end of the source. */
static int
zeros(struct gzip *z, struct err *e)
{
	uInt i;

	for (;;) {
		for (i = 0; i < z->zs.avail_in; i++)
			if (z->zs.next_in[i]) {
				err_set(&z->err, ERR_PARSE, "gzip: non-zero "
				    "byte after the zero padding that follows "
				    "member %u (offset %llu)", z->members,
				    (unsigned long long)(z->in_bytes -
				    z->zs.avail_in + i));
				fail(z, e);
				return -1;
			}
		z->zs.avail_in = 0;
		if (z->src_eof) {
			z->state = ST_DONE;
			return 0;
		}
		if (fill(z, e) < 0) {
			fail_src(z, e);
			return -1;
		}
	}
}

/* GZIP_AUTO on plain data: hand out the sniffed bytes, then read through. */
static ssize_t
pass(struct gzip *z, void *buf, size_t len, struct err *e)
{
	ssize_t n;

	if (z->zs.avail_in) {
		n = (ssize_t)(len < z->zs.avail_in ? len : z->zs.avail_in);
		memcpy(buf, z->zs.next_in, (size_t)n);
		z->zs.next_in += n;
		z->zs.avail_in -= (uInt)n;
		z->out_bytes += (uint64_t)n;
		return n;
	}
	if (z->src_eof) {
		z->state = ST_DONE;
		return 0;
	}
	n = z->src->read(z->src->ctx, buf, len, e);
	if (n < 0)
		return fail_src(z, e);
	if (n == 0) {
		z->src_eof = 1;
		z->state = ST_DONE;
		return 0;
	}
	z->in_bytes += (uint64_t)n;
	z->out_bytes += (uint64_t)n;
	return n;
}

static ssize_t
gz_read(void *ctx, void *buf, size_t len, struct err *e)
{
	struct gzip *z = ctx;
	ssize_t n;

	for (;;) {
		switch (z->state) {
		case ST_START:
			if (start(z, e) < 0)
				return -1;
			break;
		case ST_MEMBER:
			n = member(z, buf, len, e);
			if (n != 0)
				return n;
			break;
		case ST_BETWEEN:
			if (between(z, e) < 0)
				return -1;
			break;
		case ST_ZEROS:
			if (zeros(z, e) < 0)
				return -1;
			break;
		case ST_PASS:
			return pass(z, buf, len, e);
		case ST_DONE:
			return 0;
		default:
			return fail(z, e);
		}
	}
}

int
gzip_detect(const void *head, size_t len, struct err *e)
{
	const unsigned char *p = head;

	if (len >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return GZIP_FORMAT_GZIP;
	if (len >= 4 && memcmp(p, zstd_magic, 4) == 0)
		return err_set(e, ERR_PARSE,
		    "zstd-compressed layers are not supported");
	if (len >= 4 && (p[0] & 0xf0) == 0x50 && p[1] == 0x2a &&
	    p[2] == 0x4d && p[3] == 0x18)
		return err_set(e, ERR_PARSE, "zstd-compressed layers are not "
		    "supported (zstd skippable frame)");
	if (len >= 6 && memcmp(p, xz_magic, 6) == 0)
		return err_set(e, ERR_PARSE,
		    "xz-compressed layers are not supported");
	if (len >= 10 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h' &&
	    p[3] >= '1' && p[3] <= '9' && (memcmp(p + 4, bz_block, 6) == 0 ||
	    memcmp(p + 4, bz_end, 6) == 0))
		return err_set(e, ERR_PARSE,
		    "bzip2-compressed layers are not supported");
	return GZIP_FORMAT_PLAIN;
}

int
gzip_init(struct gzip *z, struct reader *src, unsigned flags,
    struct reader *out, struct err *e)
{
	int ret;

	memset(z, 0, offsetof(struct gzip, in));
	z->src = src;
	z->flags = flags;
	z->state = ST_START;
	z->zs.next_in = z->in;
	ret = inflateInit2(&z->zs, 15 + 16);
	if (ret != Z_OK) {
		z->state = ST_FAILED;
		err_set(&z->err, ret == Z_MEM_ERROR ? ENOMEM : ERR_GENERIC,
		    "gzip: inflateInit2 failed (%d)", ret);
		*e = z->err;
		return -1;
	}
	z->zinit = 1;
	out->read = gz_read;
	out->ctx = z;
	return 0;
}

void
gzip_free(struct gzip *z)
{
	if (z->zinit)
		inflateEnd(&z->zs);
	z->zinit = 0;
}

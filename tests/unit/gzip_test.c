/* gzip_test.c - gzip decoding stage, compression sniffing, digest reader
 *
 * Gzip members are made here with zlib's deflate (windowBits 31), so every
 * case (multi-member, corrupted trailer, truncation, padding, garbage) is
 * built from known plaintext.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "check.h"
#include "digestio.h"
#include "gzip.h"

struct buf {
	unsigned char *p;
	size_t len, cap;
};

/* A source handing out at most `max` bytes per read. */
/* A source that fails after `ok` bytes. */
struct failing {
	size_t ok;
};

static ssize_t
failing_read(void *ctx, void *buf, size_t n, struct err *e)
{
	struct failing *f = ctx;

	if (f->ok == 0)
		return err_set(e, 5, "disk on fire");
	if (n > f->ok)
		n = f->ok;
	memset(buf, 0, n);
	f->ok -= n;
	return (ssize_t)n;
}

static void
put(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

/* Append one gzip member holding `n` bytes of `p`. */
static void
gz_member(struct buf *b, const void *p, size_t n, int with_header)
{
	unsigned char out[1 << 16];
	gz_header hd;
	z_stream zs;
	int ret;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	if (with_header) {
		memset(&hd, 0, sizeof(hd));
		hd.name = (Bytef *)"layer.tar";
		hd.comment = (Bytef *)"made by gzip_test";
		hd.extra = (Bytef *)"AB\002\000xy";
		hd.extra_len = 6;
		hd.hcrc = 1;
		deflateSetHeader(&zs, &hd);
	}
	zs.next_in = (Bytef *)p;
	zs.avail_in = (uInt)n;
	do {
		zs.next_out = out;
		zs.avail_out = sizeof(out);
		ret = deflate(&zs, Z_FINISH);
		put(b, out, sizeof(out) - zs.avail_out);
	} while (ret == Z_OK);
	if (ret != Z_STREAM_END)
		abort();
	deflateEnd(&zs);
}

static char errmsg[ERR_MSG_MAX];
static int errcode;

/*
 * Decode `in` through struct gzip with reads of at most `chunk` bytes from
 * the source and `ochunk` into the output. Returns the output length, or
 * -1 (errmsg/errcode set). The output goes to *outp (malloc'd).
 */
static long
decode(const struct buf *in, unsigned flags, size_t chunk, size_t ochunk,
    unsigned char **outp)
{
	struct io_mem c;
	struct reader src, r;
	struct err e = ERR_INIT;
	struct buf out = { 0 };
	unsigned char tmp[1 << 16];
	struct gzip *z = malloc(sizeof(*z));
	ssize_t n;
	long ret;

	io_mem_reader(&c, in->p, in->len, &src);
	c.max = chunk;
	errmsg[0] = '\0';
	errcode = 0;
	if (!z || gzip_init(z, &src, flags, &r, &e) < 0)
		abort();
	for (;;) {
		n = r.read(r.ctx, tmp, ochunk < sizeof(tmp) ? ochunk :
		    sizeof(tmp), &e);
		if (n <= 0)
			break;
		put(&out, tmp, (size_t)n);
	}
	ret = n < 0 ? -1 : (long)out.len;
	if (n < 0) {
		snprintf(errmsg, sizeof(errmsg), "%s", e.msg);
		errcode = e.code;
		/* Sticky: the next read fails the same way. */
		err_clear(&e);
		if (r.read(r.ctx, tmp, 1, &e) != -1 ||
		    strcmp(e.msg, errmsg) != 0)
			ret = -2;
	} else if (r.read(r.ctx, tmp, 1, &e) != 0) {
		ret = -3;	/* the end must stay the end */
	}
	gzip_free(z);
	gzip_free(z);
	free(z);
	*outp = out.p;
	return ret;
}

static void
fill_pattern(unsigned char *p, size_t n, unsigned seed)
{
	size_t i;
	uint32_t x = seed * 2654435761u + 1;

	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		/* Compressible but not trivial. */
		p[i] = (unsigned char)((x >> 16) % 16 + 'a');
	}
}

static void
detect(void)
{
	static const struct {
		const char *bytes;
		size_t len;
		int want;
		const char *msg;
	} v[] = {
		{ "\x1f\x8b\x08\x00", 4, GZIP_FORMAT_GZIP, NULL },
		{ "\x1f\x8b", 2, GZIP_FORMAT_GZIP, NULL },
		{ "\x1f", 1, GZIP_FORMAT_PLAIN, NULL },
		{ "", 0, GZIP_FORMAT_PLAIN, NULL },
		{ "\x28\xb5\x2f\xfd\x00\x58", 6, -1, "zstd-compressed layers "
		    "are not supported" },
		{ "\x50\x2a\x4d\x18\x04\x00", 6, -1, "zstd skippable frame" },
		{ "\x5e\x2a\x4d\x18\x04\x00", 6, -1, "zstd skippable frame" },
		{ "\xfd" "7zXZ\0\0\x04", 8, -1, "xz-compressed" },
		{ "BZh91AY&SY", 10, -1, "bzip2-compressed" },
		{ "BZh9\x17\x72\x45\x38\x50\x90", 10, -1, "bzip2" },
		{ "BZh9-a-file-name", 16, GZIP_FORMAT_PLAIN, NULL },
		{ "etc/passwd\0\0\0\0", 14, GZIP_FORMAT_PLAIN, NULL },
	};
	struct err e = ERR_INIT;
	size_t i;
	int r;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		err_clear(&e);
		r = gzip_detect(v[i].bytes, v[i].len, &e);
		CHECK(r == v[i].want && (!v[i].msg || (e.code == ERR_PARSE &&
		    strstr(e.msg, v[i].msg))), "detect %zu: %d (%s)", i, r,
		    e.msg);
	}
}

static void
roundtrip(void)
{
	static const size_t sizes[] = { 0, 1, 511, 65536, 1 << 20 };
	static const size_t chunks[][2] = {
		{ 1, 1 }, { 1, 65536 }, { 3, 7 }, { 65536, 1 },
		{ 1 << 20, 1 << 16 },
	};
	unsigned char *data, *got;
	struct buf gz = { 0 };
	size_t i, j;
	long n;
	int ok;

	data = malloc(1 << 20);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		fill_pattern(data, sizes[i], (unsigned)i);
		gz.len = 0;
		gz_member(&gz, data, sizes[i], i == 2);
		for (j = 0; j < sizeof(chunks) / sizeof(chunks[0]); j++) {
			if (sizes[i] > 65536 && chunks[j][0] == 1 &&
			    chunks[j][1] == 1)
				continue;	/* slow under ASan, no news */
			n = decode(&gz, 0, chunks[j][0], chunks[j][1], &got);
			ok = n == (long)sizes[i] &&
			    (n == 0 || memcmp(got, data, (size_t)n) == 0);
			CHECK(ok, "round trip %zu bytes, reads %zu/%zu (%s)",
			    sizes[i], chunks[j][0], chunks[j][1], errmsg);
			free(got);
		}
	}
	free(gz.p);
	free(data);
}

static void
members(void)
{
	unsigned char a[3000], b[5000], *got;
	struct buf gz = { 0 }, want = { 0 };
	long n;
	int k;

	fill_pattern(a, sizeof(a), 7);
	fill_pattern(b, sizeof(b), 8);
	gz_member(&gz, a, sizeof(a), 0);
	gz_member(&gz, b, sizeof(b), 1);
	gz_member(&gz, "", 0, 0);
	gz_member(&gz, a, 10, 0);
	put(&want, a, sizeof(a));
	put(&want, b, sizeof(b));
	put(&want, a, 10);
	for (k = 1; k <= 4096; k *= 8) {
		n = decode(&gz, 0, (size_t)k, 4096, &got);
		CHECK(n == (long)want.len && memcmp(got, want.p, want.len) == 0,
		    "four members (one empty) decode as one stream, reads of "
		    "%d (%ld)", k, n);
		free(got);
	}

	/* Zero padding after the last member is accepted. */
	put(&gz, "\0\0\0\0\0\0\0\0", 8);
	n = decode(&gz, 0, 3, 4096, &got);
	CHECK(n == (long)want.len, "trailing zero padding accepted (%s)",
	    errmsg);
	free(got);

	/* Anything else is garbage. */
	put(&gz, "x", 1);
	n = decode(&gz, 0, 4096, 4096, &got);
	CHECK(n == -1 && errcode == ERR_PARSE && strstr(errmsg, "non-zero"),
	    "garbage after zero padding refused (%s)", errmsg);
	free(got);
	gz.len -= 9;
	put(&gz, "garbage", 7);
	n = decode(&gz, 0, 4096, 4096, &got);
	CHECK(n == -1 && strstr(errmsg, "trailing garbage after member 4"),
	    "trailing garbage refused (%s)", errmsg);
	free(got);
	gz.len -= 7;
	put(&gz, "\x1f", 1);
	n = decode(&gz, 0, 4096, 4096, &got);
	CHECK(n == -1 && strstr(errmsg, "trailing garbage"),
	    "a lone 1f byte after the last member refused (%s)", errmsg);
	free(got);
	gz.len -= 1;
	put(&gz, "\x1f\x8b", 2);
	n = decode(&gz, 0, 4096, 4096, &got);
	CHECK(n == -1 && strstr(errmsg, "member 5") &&
	    strstr(errmsg, "truncated"), "a bare magic is a truncated "
	    "member (%s)", errmsg);
	free(got);
	free(gz.p);
	free(want.p);
}

static void
corrupt(void)
{
	unsigned char data[20000], *got;
	struct buf gz = { 0 };
	size_t cut, full;
	long n;
	int bad = 0;

	fill_pattern(data, sizeof(data), 3);
	gz_member(&gz, data, sizeof(data), 0);
	full = gz.len;

	gz.p[full - 8] ^= 0x01;		/* CRC-32 */
	n = decode(&gz, 0, 4096, 4096, &got);
	CHECK(n == -1 && errcode == ERR_PARSE &&
	    strstr(errmsg, "incorrect data check"),
	    "bad CRC-32 refused (%s)", errmsg);
	free(got);
	gz.p[full - 8] ^= 0x01;
	gz.p[full - 4] ^= 0x01;		/* ISIZE */
	n = decode(&gz, 0, 4096, 4096, &got);
	CHECK(n == -1 && strstr(errmsg, "incorrect length check"),
	    "bad ISIZE refused (%s)", errmsg);
	free(got);
	gz.p[full - 4] ^= 0x01;
	gz.p[full / 2] ^= 0x40;		/* deflate data */
	n = decode(&gz, 0, 4096, 4096, &got);
	CHECK(n == -1 && errcode == ERR_PARSE, "corrupt deflate data "
	    "refused (%s)", errmsg);
	free(got);
	gz.p[full / 2] ^= 0x40;
	gz.p[3] = 0xe0;			/* reserved flag bits */
	n = decode(&gz, 0, 4096, 4096, &got);
	CHECK(n == -1 && errcode == ERR_PARSE, "reserved header flags "
	    "refused (%s)", errmsg);
	free(got);
	gz.p[3] = 0;

	/* Every truncation point fails: never a short success. */
	for (cut = 1; cut < full; cut++) {
		gz.len = cut;
		n = decode(&gz, 0, 4096, 4096, &got);
		if (n != -1 || !(strstr(errmsg, "truncated") ||
		    (cut == 1 && strstr(errmsg, "not gzip")))) {
			if (bad++ < 3)
				printf("  cut %zu: %ld %s\n", cut, n, errmsg);
		}
		free(got);
	}
	gz.len = full;
	CHECK(bad == 0, "all %zu truncations refused (as truncated, or as "
	    "not gzip for the lone first byte)", full - 1);
	free(gz.p);
}

static void
auto_mode(void)
{
	unsigned char *got;
	struct buf in = { 0 };
	struct failing f = { 100 };
	struct reader src, r;
	struct err e = ERR_INIT;
	struct gzip z;
	char tmp[64];
	long n;

	put(&in, "plain tar bytes, not compressed at all", 38);
	n = decode(&in, GZIP_AUTO, 5, 3, &got);
	CHECK(n == 38 && memcmp(got, in.p, 38) == 0,
	    "GZIP_AUTO passes plain data through");
	free(got);
	n = decode(&in, 0, 5, 3, &got);
	CHECK(n == -1 && strstr(errmsg, "not gzip data"),
	    "without GZIP_AUTO plain data is refused (%s)", errmsg);
	free(got);
	in.len = 0;
	n = decode(&in, GZIP_AUTO, 5, 3, &got);
	CHECK(n == 0, "GZIP_AUTO: empty input is empty output");
	free(got);
	n = decode(&in, 0, 5, 3, &got);
	CHECK(n == -1 && strstr(errmsg, "empty"),
	    "without GZIP_AUTO empty input is refused (%s)", errmsg);
	free(got);
	put(&in, "\x28\xb5\x2f\xfd\x24\x05\x29\x00\x00hello", 14);
	n = decode(&in, GZIP_AUTO, 1, 3, &got);
	CHECK(n == -1 && strstr(errmsg, "zstd-compressed layers are not "
	    "supported"), "zstd data refused clearly (%s)", errmsg);
	free(got);
	in.len = 0;
	put(&in, "\x1f", 1);
	n = decode(&in, GZIP_AUTO, 1, 3, &got);
	CHECK(n == 1, "GZIP_AUTO: a lone 1f byte is plain data");
	free(got);
	free(in.p);

	/* A failing source: the error is passed on and kept. */
	src = (struct reader){ failing_read, &f };
	gzip_init(&z, &src, GZIP_AUTO, &r, &e);
	while ((n = r.read(r.ctx, tmp, sizeof(tmp), &e)) > 0)
		;
	CHECK(n == -1 && e.code == 5 && strcmp(e.msg, "disk on fire") == 0 &&
	    z.in_bytes == 100 && z.out_bytes == 100,
	    "source errors pass through GZIP_AUTO (%s)", e.msg);
	err_clear(&e);
	CHECK(r.read(r.ctx, tmp, sizeof(tmp), &e) == -1 &&
	    strcmp(e.msg, "disk on fire") == 0, "and stay");
	gzip_free(&z);
}

static void
counters_and_digest(void)
{
	unsigned char data[10000], dg[SHA256_LEN], *got;
	char hex[SHA256_HEX_LEN + 1], want[80];
	struct buf gz = { 0 };
	struct io_mem c;
	struct reader src, zr, d1r, d2r;
	struct digestio d1, d2;
	struct err e = ERR_INIT;
	struct gzip z;
	unsigned char tmp[777];
	ssize_t n;

	fill_pattern(data, sizeof(data), 11);
	gz_member(&gz, data, sizeof(data), 0);
	gz_member(&gz, data, 100, 0);
	io_mem_reader(&c, gz.p, gz.len, &src);
	c.max = 1000;
	/* body -> digest -> gzip -> digest, as in a pull */
	digestio_init(&d1, &src, &d1r);
	gzip_init(&z, &d1r, 0, &zr, &e);
	digestio_init(&d2, &zr, &d2r);
	while ((n = d2r.read(d2r.ctx, tmp, sizeof(tmp), &e)) > 0)
		;
	CHECK(n == 0 && z.members == 2 && z.in_bytes == gz.len &&
	    z.out_bytes == 10100 && d1.bytes == gz.len && d2.bytes == 10100,
	    "counters: 2 members, %llu in, %llu out",
	    (unsigned long long)z.in_bytes, (unsigned long long)z.out_bytes);
	sha256_buf(gz.p, gz.len, dg);
	sha256_hex(dg, hex);
	snprintf(want, sizeof(want), "sha256:%s", hex);
	CHECK(digestio_verify(&d1, want, &e) == 0,
	    "digest of the compressed stream verifies");
	got = malloc(10100);
	memcpy(got, data, 10000);
	memcpy(got + 10000, data, 100);
	sha256_buf(got, 10100, dg);
	sha256_hex(dg, hex);
	snprintf(want, sizeof(want), "sha256:%s", hex);
	want[7] = want[7] == '0' ? '1' : '0';
	CHECK(digestio_verify(&d2, want, &e) < 0 && e.code == ERR_DIGEST &&
	    strstr(e.msg, "digest mismatch"),
	    "diff_id mismatch reported (%s)", e.msg);
	CHECK(digestio_verify(&d2, "sha512:abc", &e) < 0 &&
	    e.code == ERR_PARSE, "non-sha256 digest refused (%s)", e.msg);
	CHECK(digestio_verify(&d2, "sha256:ABCDEF0123456789ABCDEF0123456789"
	    "ABCDEF0123456789ABCDEF0123456789", &e) < 0 &&
	    e.code == ERR_PARSE, "uppercase hex refused (%s)", e.msg);
	gzip_free(&z);
	free(got);
	free(gz.p);
}

static void
bomb(void)
{
	unsigned char *zeros = calloc(1, 64 << 20), *got;
	struct buf gz = { 0 };
	long n;

	gz_member(&gz, zeros, 64 << 20, 0);
	n = decode(&gz, 0, 65536, 1 << 16, &got);
	CHECK(n == 64 << 20, "64 MiB of zeros from %zu bytes: constant "
	    "memory, streamed", gz.len);
	free(got);
	free(gz.p);
	free(zeros);
}

int
main(void)
{
	detect();
	roundtrip();
	members();
	corrupt();
	auto_mode();
	counters_and_digest();
	bomb();
	return check_done();
}

/* gzip_fuzz.c - libFuzzer target for core/gzip: members, trailers, padding
 *
 * Every input is decoded in both modes (strict and GZIP_AUTO) twice: with
 * large reads, and through a source handing out 1..N bytes per read with
 * small output reads. Both must end the same way (the same error message,
 * or the same bytes by SHA-256 and the same counters); errors must be
 * sticky, the end must stay the end, and the counters must match what
 * was handed out. Output is capped at 16 MiB per run so that bombs only
 * cost time, never a timeout.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gzip.h"
#include "sha256.h"

enum {
	OUT_CAP = 16 << 20,
};

struct result {
	unsigned char dg[SHA256_LEN];
	uint64_t out;
	int status;
	unsigned members;
	char msg[ERR_MSG_MAX];
};

static struct gzip z;
static unsigned char buf[1 << 16];

static void
run(const uint8_t *data, size_t size, unsigned flags, size_t chunk,
    size_t ochunk, struct result *res)
{
	struct io_mem c;
	struct reader src, r;
	struct err e = ERR_INIT;
	struct sha256 h;
	size_t want;
	ssize_t n;

	io_mem_reader(&c, data, size, &src);
	c.max = chunk;
	memset(res, 0, sizeof(*res));
	sha256_init(&h);
	if (gzip_init(&z, &src, flags, &r, &e) < 0)
		abort();
	for (;;) {
		want = OUT_CAP - res->out < ochunk ?
		    (size_t)(OUT_CAP - res->out) : ochunk;
		if (want == 0)
			break;
		n = r.read(r.ctx, buf, want, &e);
		if (n <= 0) {
			res->status = (int)n;
			break;
		}
		if ((size_t)n > want)
			abort();
		sha256_update(&h, buf, (size_t)n);
		res->out += (uint64_t)n;
	}
	if (res->status < 0) {
		memcpy(res->msg, e.msg, sizeof(res->msg));
		err_clear(&e);
		if (r.read(r.ctx, buf, 1, &e) != -1 ||
		    strcmp(e.msg, res->msg) != 0)
			abort();
	} else if (res->out < OUT_CAP) {
		if (r.read(r.ctx, buf, 1, &e) != 0 || z.in_bytes != size)
			abort();
	}
	if (z.out_bytes != res->out || z.in_bytes > size)
		abort();
	res->members = z.members;
	sha256_final(&h, res->dg);
	gzip_free(&z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result a, b;
	size_t chunk = size ? (size_t)(data[size - 1] % 13) + 1 : 1;
	unsigned flags;

	for (flags = 0; flags <= GZIP_AUTO; flags += GZIP_AUTO) {
		run(data, size, flags, size ? size : 1, sizeof(buf), &a);
		run(data, size, flags, chunk, chunk * 3 + 1, &b);
		if (a.status != b.status || strcmp(a.msg, b.msg) != 0)
			abort();
		/* After an error, how much was handed out before it depends
		 * on the read sizes; a complete (or capped) output does not. */
		if (a.status == 0 && (a.out != b.out ||
		    a.members != b.members ||
		    memcmp(a.dg, b.dg, sizeof(a.dg)) != 0))
			abort();
	}
	return 0;
}

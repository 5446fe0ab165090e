/* digestio.c - SHA-256 of a stream as it is read through */

#include <string.h>

#include "digestio.h"

static const char prefix[] = "sha256:";

static ssize_t
dio_read(void *ctx, void *buf, size_t len, struct err *e)
{
	struct digestio *d = ctx;
	ssize_t n;

	if (d->failed) {
		*e = d->err;
		return -1;
	}
	n = d->src->read(d->src->ctx, buf, len, e);
	if (n < 0) {
		d->failed = 1;
		d->err = *e;
		return -1;
	}
	sha256_update(&d->sha, buf, (size_t)n);
	d->bytes += (uint64_t)n;
	return n;
}

void
digestio_init(struct digestio *d, struct reader *src, struct reader *out)
{
	memset(d, 0, sizeof(*d));
	d->src = src;
	sha256_init(&d->sha);
	out->read = dio_read;
	out->ctx = d;
}

void
digestio_final(struct digestio *d, unsigned char dg[SHA256_LEN])
{
	sha256_final(&d->sha, dg);
}

int
digestio_verify(struct digestio *d, const char *want, struct err *e)
{
	unsigned char dg[SHA256_LEN];
	char hex[SHA256_HEX_LEN + 1];
	size_t i, n = sizeof(prefix) - 1;

	digestio_final(d, dg);
	sha256_hex(dg, hex);
	if (strncmp(want, prefix, n) != 0 ||
	    strlen(want + n) != SHA256_HEX_LEN)
		return err_set(e, ERR_PARSE, "unsupported digest \"%.80s\" "
		    "(want sha256: and 64 hex digits)", want);
	for (i = 0; i < SHA256_HEX_LEN; i++)
		if (!strchr("0123456789abcdef", want[n + i]) ||
		    want[n + i] == '\0')
			return err_set(e, ERR_PARSE, "malformed digest "
			    "\"%.80s\"", want);
	if (memcmp(want + n, hex, SHA256_HEX_LEN) != 0)
		return err_set(e, ERR_DIGEST, "digest mismatch: expected %s, "
		    "got sha256:%s", want, hex);
	return 0;
}

/* tarw.h - an in-memory tar writer for tests: any header, right or wrong
 *
 * Builds archives byte by byte so tests can write what real tar programs
 * never would: bad checksums, conflicting sizes, huge PAX headers, base-256
 * fields, hostile names. A header is prepared in a struct tw_hdr (ustar
 * defaults), adjusted by the test, then appended with tw_put(), which
 * fills in the checksum unless told not to. Allocation failures abort: it
 * is test code.
 */
#ifndef ROCKER_TARW_H
#define ROCKER_TARW_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tarw {
	unsigned char *buf;
	size_t len, cap;
};

struct tw_hdr {
	unsigned char b[512];
	int keep_sum;		/* 1: leave the checksum field as set */
	int signed_sum;		/* 1: store the signed byte sum */
};

static void
tw_init(struct tarw *w)
{
	memset(w, 0, sizeof(*w));
}

static void
tw_free(struct tarw *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

/* Append `n` zero bytes; returns a pointer to them (valid until next). */
static unsigned char *
tw_grow(struct tarw *w, size_t n)
{
	unsigned char *p;

	if (w->len + n > w->cap) {
		w->cap = w->cap ? w->cap : 4096;
		while (w->len + n > w->cap)
			w->cap *= 2;
		w->buf = realloc(w->buf, w->cap);
		if (!w->buf)
			abort();
	}
	p = w->buf + w->len;
	memset(p, 0, n);
	w->len += n;
	return p;
}

static void
tw_bytes(struct tarw *w, const void *p, size_t n)
{
	if (n)
		memcpy(tw_grow(w, n), p, n);
}

/* Octal, zero-padded to n-1 digits, NUL-terminated (as GNU tar). */
static void
tw_octal(unsigned char *f, size_t n, uint64_t v)
{
	size_t i;

	f[n - 1] = '\0';
	for (i = n - 1; i > 0; i--) {
		f[i - 1] = (unsigned char)('0' + (v & 7));
		v >>= 3;
	}
}

/* GNU base-256, two's complement for negative values. */
static void
tw_b256(unsigned char *f, size_t n, int64_t v)
{
	uint64_t u = (uint64_t)v;
	size_t i;

	for (i = n; i > 0; i--) {
		f[i - 1] = (unsigned char)(u & 0xff);
		u = v < 0 ? (u >> 8) | ((uint64_t)0xff << 56) : u >> 8;
	}
	f[0] = v < 0 ? 0xff : 0x80;
}

static void
tw_str(unsigned char *f, size_t n, const char *s)
{
	size_t len = strlen(s);

	memcpy(f, s, len < n ? len : n);
}

/* Field offsets, as in core/tar.c. */
enum {
	TW_NAME = 0, TW_MODE = 100, TW_UID = 108, TW_GID = 116,
	TW_SIZE = 124, TW_MTIME = 136, TW_CHKSUM = 148, TW_TYPE = 156,
	TW_LINK = 157, TW_MAGIC = 257, TW_VERSION = 263, TW_UNAME = 265,
	TW_GNAME = 297, TW_DEVMAJOR = 329, TW_DEVMINOR = 337, TW_PREFIX = 345,
};

/* A ustar header: name (first 100 bytes), type, size, mode, link. */
static void
tw_hdr_init(struct tw_hdr *h, const char *name, int type, uint64_t size,
    unsigned mode, const char *link)
{
	memset(h, 0, sizeof(*h));
	tw_str(h->b + TW_NAME, 100, name);
	tw_octal(h->b + TW_MODE, 8, mode);
	tw_octal(h->b + TW_UID, 8, 0);
	tw_octal(h->b + TW_GID, 8, 0);
	tw_octal(h->b + TW_SIZE, 12, size);
	tw_octal(h->b + TW_MTIME, 12, 1600000000);
	h->b[TW_TYPE] = (unsigned char)type;
	if (link)
		tw_str(h->b + TW_LINK, 100, link);
	memcpy(h->b + TW_MAGIC, "ustar\0" "00", 8);
	tw_str(h->b + TW_UNAME, 32, "root");
	tw_str(h->b + TW_GNAME, 32, "root");
	tw_octal(h->b + TW_DEVMAJOR, 8, 0);
	tw_octal(h->b + TW_DEVMINOR, 8, 0);
}

static void
tw_put(struct tarw *w, struct tw_hdr *h)
{
	unsigned long u = 0;
	long s = 0;
	size_t i;

	if (!h->keep_sum) {
		memset(h->b + TW_CHKSUM, ' ', 8);
		for (i = 0; i < 512; i++) {
			u += h->b[i];
			s += (signed char)h->b[i];
		}
		snprintf((char *)h->b + TW_CHKSUM, 8, "%06lo",
		    h->signed_sum ? (unsigned long)s & 0777777 : u);
		h->b[TW_CHKSUM + 7] = ' ';
	}
	tw_bytes(w, h->b, 512);
}

/* Data plus zero padding to the next 512-byte boundary. */
static void
tw_data(struct tarw *w, const void *p, size_t n)
{
	tw_bytes(w, p, n);
	if (n % 512)
		tw_grow(w, 512 - n % 512);
}

static void
tw_entry(struct tarw *w, const char *name, int type, unsigned mode,
    const char *link, const void *data, size_t n)
{
	struct tw_hdr h;

	tw_hdr_init(&h, name, type, n, mode, link);
	tw_put(w, &h);
	tw_data(w, data, n);
}

static void
tw_file(struct tarw *w, const char *name, const char *data)
{
	tw_entry(w, name, '0', 0644, NULL, data, strlen(data));
}

static void
tw_dir(struct tarw *w, const char *name)
{
	tw_entry(w, name, '5', 0755, NULL, NULL, 0);
}

static void
tw_symlink(struct tarw *w, const char *name, const char *target)
{
	tw_entry(w, name, '2', 0777, target, NULL, 0);
}

static void
tw_hardlink(struct tarw *w, const char *name, const char *target)
{
	tw_entry(w, name, '1', 0644, target, NULL, 0);
}

/*
 * Append one PAX record "LEN key=value\n" to `out` (at offset *off);
 * `vlen` bytes of value (may contain NULs).
 */
static void
tw_rec(char *out, size_t *off, const char *key, const void *val, size_t vlen)
{
	size_t base = strlen(key) + vlen + 3, len = base, d;
	char num[24];

	for (;;) {
		d = (size_t)snprintf(num, sizeof(num), "%zu", len);
		if (base + d == len)
			break;
		len = base + d;
	}
	memcpy(out + *off, num, d);
	out[*off + d] = ' ';
	memcpy(out + *off + d + 1, key, strlen(key));
	out[*off + d + 1 + strlen(key)] = '=';
	memcpy(out + *off + d + 2 + strlen(key), val, vlen);
	out[*off + len - 1] = '\n';
	*off += len;
}

static void
tw_recs(char *out, size_t *off, const char *key, const char *val)
{
	tw_rec(out, off, key, val, strlen(val));
}

/* An extended header ('x' or 'g') holding `n` bytes of records. */
static void
tw_pax(struct tarw *w, int type, const char *recs, size_t n)
{
	tw_entry(w, "PaxHeaders/x", type, 0644, NULL, recs, n);
}

/* A GNU 'L' or 'K' header for `name` (NUL included, as GNU tar). */
static void
tw_gnu(struct tarw *w, int type, const char *name)
{
	struct tw_hdr h;

	tw_hdr_init(&h, "././@LongLink", type, strlen(name) + 1, 0644, NULL);
	memcpy(h.b + TW_MAGIC, "ustar  \0", 8);
	tw_put(w, &h);
	tw_data(w, name, strlen(name) + 1);
}

/* The end-of-archive marker: two zero blocks. */
static void
tw_end(struct tarw *w)
{
	tw_grow(w, 1024);
}

#endif

/* tar.c - streaming tar reader: ustar, PAX 'x'/'g', GNU 'L'/'K', base-256
 *
 * Each tar_next() reads header blocks until it has a real entry: extended
 * headers ('x', 'g', 'L', 'K') are read whole (capped) and remembered for
 * the entry that follows them. The data of an entry is handed out by
 * tar_read() straight from the source into the caller's buffer; what the
 * caller does not read is skipped by the next tar_next().
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tar.h"

enum state {
	ST_OPEN,
	ST_END,
	ST_FAILED,
};

/* ustar header layout: offsets and lengths. */
enum {
	H_NAME = 0, H_NAME_LEN = 100,
	H_MODE = 100, H_UID = 108, H_GID = 116, H_ID_LEN = 8,
	H_SIZE = 124, H_MTIME = 136, H_NUM_LEN = 12,
	H_CHKSUM = 148, H_CHKSUM_LEN = 8,
	H_TYPE = 156,
	H_LINK = 157, H_LINK_LEN = 100,
	H_MAGIC = 257,
	H_DEVMAJOR = 329, H_DEVMINOR = 337, H_DEV_LEN = 8,
	H_PREFIX = 345, H_PREFIX_LEN = 155, H_STAR_PREFIX_LEN = 131,
	H_STAR_TRAILER = 508,
};

enum {
	ID_MAX = 0xfffffffe,	/* (uid_t)-1 means "no change": refused */
	NSEC_DIGITS = 9,
};

static const char xattr_prefix[] = "SCHILY.xattr.";
static const char sparse_prefix[] = "GNU.sparse.";

/* What the extended headers of the coming entry said. */
struct pax {
	int path, link;		/* t->path / t->link hold a PAX value */
	int gnu_path, gnu_link;	/* t->path / t->link hold a GNU L / K */
	int has_size, has_uid, has_gid, has_mtime, has_atime;
	uint64_t size;
	uint32_t uid, gid;
	int64_t mtime, atime;
	long mtime_nsec, atime_nsec;
};

static int
is_zero(const unsigned char *b)
{
	size_t i;

	for (i = 0; i < TAR_RECORD; i++)
		if (b[i])
			return 0;
	return 1;
}

static unsigned
padding(uint64_t size)
{
	return (unsigned)((TAR_RECORD - size % TAR_RECORD) % TAR_RECORD);
}

/* A typeflag in a message: 'x' or 0x01. */
static const char *
type_str(int c, char buf[8])
{
	if (c > 0x20 && c < 0x7f) {
		buf[0] = '\'';
		buf[1] = (char)c;
		buf[2] = '\'';
		buf[3] = '\0';
	} else {
		buf[0] = '0';
		buf[1] = 'x';
		buf[2] = "0123456789abcdef"[(c >> 4) & 15];
		buf[3] = "0123456789abcdef"[c & 15];
		buf[4] = '\0';
	}
	return buf;
}

/*
 * A numeric header field: GNU base-256 when the first byte has bit 7 set
 * (bit 6 then gives the sign, two's complement), else octal digits with
 * spaces and NULs allowed around them. Returns 0 or -1 (malformed or does
 * not fit in an int64_t).
 */
static int
parse_num(const unsigned char *f, size_t n, int64_t *out)
{
	uint64_t v = 0;
	unsigned char c, inv;
	size_t i, end;

	if (f[0] & 0x80) {
		inv = (f[0] & 0x40) ? 0xff : 0;
		for (i = 0; i < n; i++) {
			c = f[i] ^ inv;
			if (i == 0)
				c &= 0x7f;
			if (v >> 56)
				return -1;
			v = v << 8 | c;
		}
		if (v >> 63)
			return -1;
		*out = inv ? ~(int64_t)v : (int64_t)v;
		return 0;
	}
	for (i = 0; i < n && (f[i] == ' ' || f[i] == '\0'); i++)
		;
	for (end = n; end > i && (f[end - 1] == ' ' || f[end - 1] == '\0');
	    end--)
		;
	for (; i < end; i++) {
		if (f[i] < '0' || f[i] > '7' || (v >> 60))
			return -1;
		v = v << 3 | (uint64_t)(f[i] - '0');
	}
	if (v >> 63)
		return -1;
	*out = (int64_t)v;
	return 0;
}

static int
check_sum(const unsigned char *b)
{
	unsigned long u = 0;
	long s = 0;
	int64_t want;
	unsigned char c;
	size_t i;

	if ((b[H_CHKSUM] & 0x80) ||
	    parse_num(b + H_CHKSUM, H_CHKSUM_LEN, &want) < 0)
		return 0;
	for (i = 0; i < TAR_RECORD; i++) {
		c = (i >= H_CHKSUM && i < H_CHKSUM + H_CHKSUM_LEN) ? ' ' : b[i];
		u += c;
		s += (signed char)c;
	}
	return want == (int64_t)u || want == (int64_t)s;
}

/*
 * Read exactly `n` bytes. Returns 1, or 0 when the source ends before the
 * first byte and `eof_ok`, or -1 (an early end is ERR_PARSE naming
 * `what`).
 */
static int
read_exact(struct tar *t, void *buf, size_t n, int eof_ok, const char *what,
    struct err *e)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = t->src->read(t->src->ctx, (char *)buf + got, n - got, e);
		if (r < 0)
			return -1;
		if (r == 0) {
			if (got == 0 && eof_ok)
				return 0;
			return err_set(e, ERR_PARSE, "tar: unexpected end of "
			    "archive in %s (offset %llu)", what,
			    (unsigned long long)t->offset);
		}
		got += (size_t)r;
		t->offset += (uint64_t)r;
	}
	return 1;
}

/* Discard `n` bytes through `scratch`. */
static int
skip(struct tar *t, uint64_t n, void *scratch, size_t len, const char *what,
    struct err *e)
{
	size_t k;

	while (n) {
		k = n < len ? (size_t)n : len;
		if (read_exact(t, scratch, k, 0, what, e) < 0)
			return -1;
		n -= k;
	}
	return 0;
}

/* Decimal digits only, at most `max`. */
static int
parse_dec(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (max - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* PAX time: [-]SECONDS[.FRACTION], the fraction cut to nanoseconds. */
static int
parse_time(const char *s, size_t n, int64_t *sec, long *nsec)
{
	const char *dot = memchr(s, '.', n);
	size_t ilen = dot ? (size_t)(dot - s) : n, i;
	uint64_t v;
	long ns = 0;
	int neg = 0;

	if (ilen && s[0] == '-') {
		neg = 1;
		s++;
		ilen--;
		n--;
	}
	if (parse_dec(s, ilen, INT64_MAX - 1, &v) < 0)
		return -1;
	if (dot) {
		for (i = ilen + 1; i < n; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			if (i - ilen <= NSEC_DIGITS)
				ns = ns * 10 + (s[i] - '0');
		}
		for (i = n - ilen - 1; i < NSEC_DIGITS; i++)
			ns *= 10;
	}
	if (!neg) {
		*sec = (int64_t)v;
		*nsec = ns;
	} else if (ns) {
		*sec = -(int64_t)v - 1;
		*nsec = 1000000000L - ns;
	} else {
		*sec = -(int64_t)v;
		*nsec = 0;
	}
	return 0;
}

static int
add_xattr(struct tar *t, const char *name, const char *val, size_t len,
    struct err *e)
{
	struct tar_xattr *x;
	size_t cap;

	if (t->nxattrs == t->xcap) {
		cap = t->xcap ? 2 * t->xcap : 8;
		x = realloc(t->xattrs, cap * sizeof(*x));
		if (!x)
			return err_set(e, ENOMEM, "tar: out of memory");
		t->xattrs = x;
		t->xcap = cap;
	}
	x = &t->xattrs[t->nxattrs++];
	x->name = name;
	x->value = (const unsigned char *)val;
	x->len = len;
	return 0;
}

static int
key_is(const char *key, size_t klen, const char *name)
{
	return strlen(name) == klen && memcmp(key, name, klen) == 0;
}

/* Copy a PAX path or linkpath value into `dst`. */
static int
pax_path(char *dst, const char *key, const char *v, size_t n, struct err *e)
{
	if (memchr(v, '\0', n))
		return err_set(e, ERR_PARSE, "tar: PAX %s contains a NUL byte",
		    key);
	if (n > TAR_PATH_MAX)
		return err_set(e, ERR_LIMIT, "tar: PAX %s of %zu bytes is "
		    "longer than %d", key, n, TAR_PATH_MAX);
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

static int
pax_id(const char *key, const char *v, size_t n, uint32_t *out,
    struct err *e)
{
	uint64_t id;

	if (parse_dec(v, n, ID_MAX, &id) < 0)
		return err_set(e, ERR_PARSE, "tar: PAX %s \"%.*s\" is not a "
		    "number from 0 to %u", key, (int)(n > 32 ? 32 : n), v,
		    (unsigned)ID_MAX);
	*out = (uint32_t)id;
	return 0;
}

/*
 * Apply one 'x' record. `key` and `val` point into t->pax; the key's '='
 * and the value's '\n' may be overwritten with NULs (xattrs keep pointers
 * to both).
 */
static int
pax_record(struct tar *t, struct pax *px, char *key, size_t klen, char *val,
    size_t vlen, struct err *e)
{
	uint64_t size;

	if (key_is(key, klen, "path")) {
		px->path = vlen > 0;
		return vlen ? pax_path(t->path, "path", val, vlen, e) : 0;
	}
	if (key_is(key, klen, "linkpath")) {
		px->link = vlen > 0;
		return vlen ? pax_path(t->link, "linkpath", val, vlen, e) : 0;
	}
	if (key_is(key, klen, "size")) {
		px->has_size = vlen > 0;
		if (vlen && parse_dec(val, vlen, INT64_MAX, &size) < 0)
			return err_set(e, ERR_PARSE, "tar: PAX size \"%.*s\" "
			    "is not a number", (int)(vlen > 32 ? 32 : vlen),
			    val);
		px->size = size;
		return 0;
	}
	if (key_is(key, klen, "uid")) {
		px->has_uid = vlen > 0;
		return vlen ? pax_id("uid", val, vlen, &px->uid, e) : 0;
	}
	if (key_is(key, klen, "gid")) {
		px->has_gid = vlen > 0;
		return vlen ? pax_id("gid", val, vlen, &px->gid, e) : 0;
	}
	if (key_is(key, klen, "mtime") || key_is(key, klen, "atime")) {
		int is_m = key[0] == 'm';

		if (is_m)
			px->has_mtime = vlen > 0;
		else
			px->has_atime = vlen > 0;
		if (vlen && parse_time(val, vlen, is_m ? &px->mtime :
		    &px->atime, is_m ? &px->mtime_nsec : &px->atime_nsec) < 0)
			return err_set(e, ERR_PARSE, "tar: PAX %s \"%.*s\" is "
			    "not a time", is_m ? "mtime" : "atime",
			    (int)(vlen > 40 ? 40 : vlen), val);
		return 0;
	}
	if (klen >= sizeof(sparse_prefix) - 1 &&
	    memcmp(key, sparse_prefix, sizeof(sparse_prefix) - 1) == 0)
		return err_set(e, ERR_PARSE, "tar: sparse files (PAX %.*s) are "
		    "not supported", (int)(klen > 64 ? 64 : klen), key);
	if (klen > sizeof(xattr_prefix) - 1 &&
	    memcmp(key, xattr_prefix, sizeof(xattr_prefix) - 1) == 0) {
		key[klen] = '\0';
		val[vlen] = '\0';
		return add_xattr(t, key + sizeof(xattr_prefix) - 1, val, vlen,
		    e);
	}
	return 0;
}

/*
 * Parse the `n` bytes of PAX data in t->pax: records "LEN KEY=VALUE\n"
 * where LEN counts the whole record. `px` is NULL for a global header
 * (syntax check only).
 */
static int
parse_pax(struct tar *t, size_t n, struct pax *px, struct err *e)
{
	char *p = t->pax, *rec, *key, *eq;
	size_t off = 0, i, len, left;

	while (off < n) {
		rec = p + off;
		left = n - off;
		len = 0;
		for (i = 0; i < left && i < 8 && rec[i] >= '0' &&
		    rec[i] <= '9'; i++)
			len = len * 10 + (size_t)(rec[i] - '0');
		if (i == 0 || i == left || rec[i] != ' ' || len > left ||
		    len < i + 3 || rec[len - 1] != '\n')
			return err_set(e, ERR_PARSE, "tar: malformed PAX "
			    "record at byte %zu of the %s header", off,
			    px ? "extended" : "global");
		key = rec + i + 1;
		eq = memchr(key, '=', len - i - 2);
		if (!eq || eq == key || memchr(key, '\0', (size_t)(eq - key)))
			return err_set(e, ERR_PARSE, "tar: malformed PAX "
			    "record key at byte %zu of the %s header", off,
			    px ? "extended" : "global");
		if (px && pax_record(t, px, key, (size_t)(eq - key), eq + 1,
		    (size_t)(rec + len - 1 - (eq + 1)), e) < 0)
			return -1;
		off += len;
	}
	return 0;
}

/* Read an extended header's data (`size` bytes plus padding). */
static int
read_pax(struct tar *t, uint64_t size, struct pax *px, struct err *e)
{
	char *p;
	size_t cap;

	if (size + 1 > t->paxcap) {
		cap = ((size_t)size + 1 + 4095) & ~(size_t)4095;
		p = realloc(t->pax, cap);
		if (!p)
			return err_set(e, ENOMEM, "tar: out of memory");
		t->pax = p;
		t->paxcap = cap;
	}
	if (read_exact(t, t->pax, (size_t)size, 0, "an extended header", e) < 0
	    || skip(t, padding(size), t->blk, sizeof(t->blk),
	    "an extended header", e) < 0)
		return -1;
	t->pax[size] = '\0';
	return parse_pax(t, (size_t)size, px, e);
}

/*
 * GNU 'L' or 'K': the name is the data up to its first NUL. `keep` is 0
 * when a PAX value already took precedence (read and drop).
 */
static int
read_gnu(struct tar *t, uint64_t size, char *dst, int keep, struct err *e)
{
	size_t want = size > TAR_PATH_MAX + 1 ? TAR_PATH_MAX + 1 : (size_t)size;
	size_t len;

	if (!keep)
		return skip(t, size + padding(size), t->blk, sizeof(t->blk),
		    "a GNU long name", e);
	if (read_exact(t, dst, want, 0, "a GNU long name", e) < 0 ||
	    skip(t, size - want + padding(size), t->blk, sizeof(t->blk),
	    "a GNU long name", e) < 0)
		return -1;
	len = strnlen(dst, want);
	if (len > TAR_PATH_MAX)
		return err_set(e, ERR_LIMIT, "tar: GNU long name longer than "
		    "%d bytes", TAR_PATH_MAX);
	dst[len] = '\0';
	return 0;
}

/* A field of the header block as a C string in `dst`. */
static void
field_str(char *dst, const unsigned char *f, size_t n)
{
	size_t len = strnlen((const char *)f, n);

	memcpy(dst, f, len);
	dst[len] = '\0';
}

static int
num_field(struct tar *t, size_t off, size_t n, const char *name, int64_t min,
    int64_t max, int64_t *out, struct err *e)
{
	if (parse_num(t->blk + off, n, out) < 0 || *out < min || *out > max)
		return err_set(e, ERR_PARSE, "tar: %s: invalid %s field",
		    t->path, name);
	return 0;
}

/* Fill `ent` from the header in t->blk and the extended headers' `px`. */
static int
build(struct tar *t, int type, struct pax *px, struct tar_entry *ent,
    struct err *e)
{
	const unsigned char *b = t->blk;
	int ustar = memcmp(b + H_MAGIC, "ustar\0", 6) == 0;
	int gnu = memcmp(b + H_MAGIC, "ustar ", 6) == 0;
	size_t plen, nlen;
	int64_t v;
	char tb[8];

	if (!px->path && !px->gnu_path) {
		plen = 0;
		if (ustar)
			plen = strnlen((const char *)b + H_PREFIX,
			    memcmp(b + H_STAR_TRAILER, "tar\0", 4) == 0 ?
			    H_STAR_PREFIX_LEN : H_PREFIX_LEN);
		nlen = strnlen((const char *)b + H_NAME, H_NAME_LEN);
		memcpy(t->path, b + H_PREFIX, plen);
		if (plen)
			t->path[plen++] = '/';
		memcpy(t->path + plen, b + H_NAME, nlen);
		t->path[plen + nlen] = '\0';
	}
	if (!px->link && !px->gnu_link)
		field_str(t->link, b + H_LINK, H_LINK_LEN);
	if (t->path[0] == '\0')
		return err_set(e, ERR_PARSE, "tar: entry with an empty name at "
		    "offset %llu", (unsigned long long)(t->offset - TAR_RECORD));
	if (type == '\0')
		type = t->path[strlen(t->path) - 1] == '/' ? TAR_DIR : TAR_REG;
	if (type == '7')
		type = TAR_REG;

	memset(ent, 0, sizeof(*ent));
	ent->type = type;
	ent->path = t->path;
	if (num_field(t, H_MODE, H_ID_LEN, "mode", 0, INT64_MAX, &v, e) < 0)
		return -1;
	ent->mode = (unsigned)(v & 07777);
	if (num_field(t, H_UID, H_ID_LEN, "uid", 0, ID_MAX, &v, e) < 0)
		return -1;
	ent->uid = px->has_uid ? px->uid : (uint32_t)v;
	if (num_field(t, H_GID, H_ID_LEN, "gid", 0, ID_MAX, &v, e) < 0)
		return -1;
	ent->gid = px->has_gid ? px->gid : (uint32_t)v;
	if (num_field(t, H_MTIME, H_NUM_LEN, "mtime", INT64_MIN, INT64_MAX,
	    &v, e) < 0)
		return -1;
	ent->mtime = px->has_mtime ? px->mtime : v;
	ent->mtime_nsec = px->has_mtime ? px->mtime_nsec : 0;
	ent->has_atime = px->has_atime;
	ent->atime = px->atime;
	ent->atime_nsec = px->atime_nsec;
	if (num_field(t, H_SIZE, H_NUM_LEN, "size", 0, INT64_MAX, &v, e) < 0)
		return -1;
	if (px->has_size && v != 0 && (uint64_t)v != px->size)
		return err_set(e, ERR_PARSE, "tar: %s: PAX size %llu conflicts "
		    "with the header's size %llu", t->path,
		    (unsigned long long)px->size, (unsigned long long)v);
	ent->size = px->has_size ? px->size : (uint64_t)v;

	switch (type) {
	case TAR_REG:
		break;
	case TAR_CHR:
	case TAR_BLK:
		if (ustar || gnu) {
			if (num_field(t, H_DEVMAJOR, H_DEV_LEN, "devmajor", 0,
			    0xffffffff, &v, e) < 0)
				return -1;
			ent->devmajor = (unsigned)v;
			if (num_field(t, H_DEVMINOR, H_DEV_LEN, "devminor", 0,
			    0xffffffff, &v, e) < 0)
				return -1;
			ent->devminor = (unsigned)v;
		}
		/* fall through */
	case TAR_LINK:
	case TAR_SYMLINK:
	case TAR_DIR:
	case TAR_FIFO:
		if (ent->size)
			return err_set(e, ERR_PARSE, "tar: %s: type %s entry "
			    "with data (size %llu)", t->path,
			    type_str(type, tb), (unsigned long long)ent->size);
		break;
	}
	if (type == TAR_LINK || type == TAR_SYMLINK) {
		if (t->link[0] == '\0')
			return err_set(e, ERR_PARSE, "tar: %s: %s with an "
			    "empty target", t->path, type == TAR_LINK ?
			    "hard link" : "symlink");
		ent->linkpath = t->link;
	} else {
		ent->linkpath = "";
	}
	ent->xattrs = t->nxattrs ? t->xattrs : NULL;
	ent->nxattrs = t->nxattrs;
	t->remain = ent->size;
	t->pad = padding(ent->size);
	return 0;
}

static int
next(struct tar *t, struct tar_entry *ent, struct err *e)
{
	struct pax px;
	int r, type, seen_x = 0, nglobal = 0;
	int64_t size;
	char tb[8];

	if (skip(t, t->remain + t->pad, t->link, sizeof(t->link),
	    "entry data", e) < 0)
		return -1;
	t->remain = t->pad = 0;
	t->nxattrs = 0;
	memset(&px, 0, sizeof(px));
	for (;;) {
		r = read_exact(t, t->blk, TAR_RECORD, 1, "a header", e);
		if (r < 0)
			return -1;
		if (r > 0 && is_zero(t->blk)) {
			if (seen_x || px.gnu_path || px.gnu_link)
				return err_set(e, ERR_PARSE, "tar: extended "
				    "header followed by the end of archive");
			r = read_exact(t, t->blk, TAR_RECORD, 1,
			    "the end-of-archive marker", e);
			if (r < 0)
				return -1;
			if (r > 0 && !is_zero(t->blk))
				return err_set(e, ERR_PARSE, "tar: a single "
				    "zero block before a header at offset %llu",
				    (unsigned long long)(t->offset -
				    TAR_RECORD));
			r = 0;
		}
		if (r == 0) {
			if (seen_x || px.gnu_path || px.gnu_link)
				return err_set(e, ERR_PARSE, "tar: archive "
				    "ends after an extended header");
			t->state = ST_END;
			return 0;
		}
		if (!check_sum(t->blk))
			return err_set(e, ERR_PARSE, "tar: bad header checksum "
			    "at offset %llu", (unsigned long long)(t->offset -
			    TAR_RECORD));
		type = t->blk[H_TYPE];
		if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
			if (parse_num(t->blk + H_SIZE, H_NUM_LEN, &size) < 0 ||
			    size < 0)
				return err_set(e, ERR_PARSE, "tar: invalid size "
				    "field in a type '%c' header", type);
			if (size > TAR_META_MAX)
				return err_set(e, ERR_LIMIT, "tar: type '%c' "
				    "extended header of %lld bytes is larger "
				    "than the %d byte limit", type,
				    (long long)size, TAR_META_MAX);
		}
		switch (type) {
		case 'x':
			if (seen_x)
				return err_set(e, ERR_PARSE, "tar: two PAX "
				    "extended headers for one entry");
			seen_x = 1;
			if (read_pax(t, (uint64_t)size, &px, e) < 0)
				return -1;
			continue;
		case 'g':
			if (seen_x || px.gnu_path || px.gnu_link)
				return err_set(e, ERR_PARSE, "tar: PAX global "
				    "header between an entry's extended "
				    "headers and the entry");
			if (++nglobal > TAR_GLOBAL_MAX)
				return err_set(e, ERR_LIMIT, "tar: more than "
				    "%d PAX global headers in a row",
				    TAR_GLOBAL_MAX);
			if (read_pax(t, (uint64_t)size, NULL, e) < 0)
				return -1;
			continue;
		case 'L':
			if (px.gnu_path)
				return err_set(e, ERR_PARSE, "tar: two GNU long "
				    "names for one entry");
			px.gnu_path = 1;
			if (read_gnu(t, (uint64_t)size, t->path, !px.path,
			    e) < 0)
				return -1;
			continue;
		case 'K':
			if (px.gnu_link)
				return err_set(e, ERR_PARSE, "tar: two GNU long "
				    "link names for one entry");
			px.gnu_link = 1;
			if (read_gnu(t, (uint64_t)size, t->link, !px.link,
			    e) < 0)
				return -1;
			continue;
		case '\0':
		case '0':
		case '7':
		case TAR_LINK:
		case TAR_SYMLINK:
		case TAR_CHR:
		case TAR_BLK:
		case TAR_DIR:
		case TAR_FIFO:
			if (build(t, type, &px, ent, e) < 0)
				return -1;
			return 1;
		case 'S':
			field_str(t->path, t->blk + H_NAME, H_NAME_LEN);
			return err_set(e, ERR_PARSE, "tar: %s: sparse files "
			    "(GNU type 'S') are not supported", t->path);
		default:
			field_str(t->path, t->blk + H_NAME, H_NAME_LEN);
			return err_set(e, ERR_PARSE, "tar: %s: unsupported "
			    "entry type %s", t->path, type_str(type, tb));
		}
	}
}

void
tar_init(struct tar *t, struct reader *src)
{
	memset(t, 0, sizeof(*t));
	t->src = src;
	t->state = ST_OPEN;
}

int
tar_next(struct tar *t, struct tar_entry *ent, struct err *e)
{
	int r;

	if (t->state == ST_FAILED) {
		*e = t->err;
		return -1;
	}
	if (t->state == ST_END)
		return 0;
	r = next(t, ent, e);
	if (r < 0) {
		t->err = *e;
		t->state = ST_FAILED;
		t->remain = t->pad = 0;
	}
	return r;
}

ssize_t
tar_read(struct tar *t, void *buf, size_t len, struct err *e)
{
	ssize_t n;

	if (t->state == ST_FAILED) {
		*e = t->err;
		return -1;
	}
	if (t->remain == 0)
		return 0;
	if (len > t->remain)
		len = (size_t)t->remain;
	n = t->src->read(t->src->ctx, buf, len, e);
	if (n == 0)
		err_set(e, ERR_PARSE, "tar: %s: unexpected end of archive in "
		    "the entry's data (offset %llu)", t->path,
		    (unsigned long long)t->offset);
	if (n <= 0) {
		t->err = *e;
		t->state = ST_FAILED;
		return -1;
	}
	t->remain -= (uint64_t)n;
	t->offset += (uint64_t)n;
	return n;
}

int
tar_drain(struct tar *t, uint64_t max, uint64_t *count, struct err *e)
{
	uint64_t total = 0;
	ssize_t n;

	if (t->state == ST_FAILED) {
		*e = t->err;
		return -1;
	}
	if (t->state != ST_END)
		return err_set(e, ERR_USAGE, "tar: drain before the end of "
		    "the archive");
	for (;;) {
		n = t->src->read(t->src->ctx, t->link, sizeof(t->link), e);
		if (n < 0)
			break;
		if (n == 0) {
			if (count)
				*count = total;
			return 0;
		}
		total += (uint64_t)n;
		t->offset += (uint64_t)n;
		if (total > max) {
			err_set(e, ERR_LIMIT, "tar: more than %llu bytes of "
			    "data after the end of the archive",
			    (unsigned long long)max);
			break;
		}
	}
	t->err = *e;
	t->state = ST_FAILED;
	return -1;
}

void
tar_free(struct tar *t)
{
	free(t->pax);
	free(t->xattrs);
	t->pax = NULL;
	t->xattrs = NULL;
	t->paxcap = t->xcap = t->nxattrs = 0;
}

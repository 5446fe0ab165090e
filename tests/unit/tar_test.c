/* tar_test.c - the tar reader on hand-made archives, good and hostile
 *
 * Archives are written in memory by tarw.h. Most checks go through
 * dump(), which reads an archive (optionally one byte at a time from the
 * source and from the entry data) and renders every entry as one line, so
 * an expectation is a string.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tar.h"
#include "tarw.h"

/* A source handing out at most `max` bytes per read. */
static char out[1 << 16];
static struct err derr;

/*
 * Read the whole archive; each entry becomes
 *   TYPE PATH[ -> LINK] mode=%o uid:gid size=N mtime=S.NS [atime=..]
 *   [dev=M,m] [xattr NAME=LEN ...] data=FIRST-16-BYTES
 * Returns tar_next()'s last result (0 end, -1 error: derr holds it).
 */
static int
dump(const struct tarw *w, size_t chunk, size_t rchunk)
{
	struct io_mem c;
	struct reader r;
	struct tar_entry ent;
	struct tar t;
	size_t o = 0, i, got;
	unsigned char data[64];
	ssize_t n;
	int ret;

	io_mem_reader(&c, w->buf, w->len, &r);
	c.max = chunk;
	err_clear(&derr);
	out[0] = '\0';
	tar_init(&t, &r);
	while ((ret = tar_next(&t, &ent, &derr)) > 0) {
		o += (size_t)snprintf(out + o, sizeof(out) - o,
		    "%c %s%s%s mode=%o %u:%u size=%llu mtime=%lld.%09ld",
		    ent.type, ent.path, *ent.linkpath ? " -> " : "",
		    ent.linkpath, ent.mode, (unsigned)ent.uid,
		    (unsigned)ent.gid, (unsigned long long)ent.size,
		    (long long)ent.mtime, ent.mtime_nsec);
		if (ent.has_atime)
			o += (size_t)snprintf(out + o, sizeof(out) - o,
			    " atime=%lld.%09ld", (long long)ent.atime,
			    ent.atime_nsec);
		if (ent.type == TAR_CHR || ent.type == TAR_BLK)
			o += (size_t)snprintf(out + o, sizeof(out) - o,
			    " dev=%u,%u", ent.devmajor, ent.devminor);
		for (i = 0; i < ent.nxattrs; i++)
			o += (size_t)snprintf(out + o, sizeof(out) - o,
			    " xattr %s=%zu", ent.xattrs[i].name,
			    ent.xattrs[i].len);
		got = 0;
		while (got < sizeof(data) - 1) {
			n = tar_read(&t, data + got, rchunk < sizeof(data) -
			    1 - got ? rchunk : sizeof(data) - 1 - got, &derr);
			if (n < 0) {
				tar_free(&t);
				return -1;
			}
			if (n == 0)
				break;
			got += (size_t)n;
		}
		data[got > 16 ? 16 : got] = '\0';
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s\n",
		    got ? " data=" : "", got ? (char *)data : "");
		if (o >= sizeof(out) - 256)
			break;
	}
	tar_free(&t);
	return ret;
}

static int
has(const char *s, const char *sub)
{
	return strstr(s, sub) != NULL;
}

static void
basic(void)
{
	struct tarw w;
	struct tw_hdr h;
	const char *want =
	    "5 d/ mode=755 0:0 size=0 mtime=1600000000.000000000\n"
	    "0 d/hello.txt mode=644 0:0 size=3 mtime=1600000000.000000000"
	    " data=hi\n\n"
	    "2 d/s -> hello.txt mode=777 0:0 size=0 "
	    "mtime=1600000000.000000000\n"
	    "1 d/h -> d/hello.txt mode=644 0:0 size=0 "
	    "mtime=1600000000.000000000\n"
	    "6 fifo mode=600 1000:1001 size=0 mtime=1600000000.000000000\n"
	    "3 null mode=666 0:0 size=0 mtime=1600000000.000000000 dev=1,3\n"
	    "4 sda mode=660 0:6 size=0 mtime=1600000000.000000000 dev=8,0\n"
	    "0 a/prefixed/name mode=4755 0:0 size=0 "
	    "mtime=1600000000.000000000\n";
	size_t chunks[] = { 1, 7, 512, 100000 };
	size_t i;

	tw_init(&w);
	tw_dir(&w, "d/");
	tw_file(&w, "d/hello.txt", "hi\n");
	tw_symlink(&w, "d/s", "hello.txt");
	tw_hardlink(&w, "d/h", "d/hello.txt");
	tw_hdr_init(&h, "fifo", '6', 0, 0600, NULL);
	tw_octal(h.b + TW_UID, 8, 1000);
	tw_octal(h.b + TW_GID, 8, 1001);
	tw_put(&w, &h);
	tw_hdr_init(&h, "null", '3', 0, 0666, NULL);
	tw_octal(h.b + TW_DEVMINOR, 8, 3);
	tw_octal(h.b + TW_DEVMAJOR, 8, 1);
	tw_put(&w, &h);
	tw_hdr_init(&h, "sda", '4', 0, 0660, NULL);
	tw_octal(h.b + TW_DEVMAJOR, 8, 8);
	tw_octal(h.b + TW_GID, 8, 6);
	tw_put(&w, &h);
	tw_hdr_init(&h, "name", '0', 0, 0104755, NULL);
	tw_str(h.b + TW_PREFIX, 155, "a/prefixed");
	tw_put(&w, &h);
	tw_end(&w);
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		CHECK(dump(&w, chunks[i], chunks[i]) == 0 &&
		    strcmp(out, want) == 0,
		    "ustar: every type, prefix field, mode type bits dropped "
		    "(reads of %zu bytes)", chunks[i]);
		if (strcmp(out, want) != 0)
			printf("  got:\n%s  error: %s\n", out, derr.msg);
	}
	tw_free(&w);
}

static void
pax(void)
{
	char recs[16384], longp[301], longl[301], cap[20];
	struct tarw w;
	struct tw_hdr h;
	size_t n = 0;
	int i;

	for (i = 0; i < 300; i++) {
		longp[i] = i % 50 == 49 ? '/' : 'p';
		longl[i] = i % 60 == 59 ? '/' : 'l';
	}
	longp[300] = longl[300] = '\0';
	memset(cap, 0, sizeof(cap));
	cap[0] = 1;
	cap[3] = 2;
	cap[4] = 0x20;
	tw_recs(recs, &n, "path", longp);
	tw_recs(recs, &n, "linkpath", longl);
	tw_recs(recs, &n, "uid", "3000000000");
	tw_recs(recs, &n, "gid", "4294967294");
	tw_recs(recs, &n, "mtime", "1700000000.123456789123");
	tw_recs(recs, &n, "atime", "-1.25");
	tw_recs(recs, &n, "uname", "someone");
	tw_recs(recs, &n, "comment", "ignored = yes\n really");
	tw_recs(recs, &n, "SCHILY.xattr.user.foo", "bar");
	tw_rec(recs, &n, "SCHILY.xattr.security.capability", cap, sizeof(cap));
	tw_recs(recs, &n, "LIBARCHIVE.xattr.user.foo", "YmFy");
	tw_init(&w);
	tw_pax(&w, 'x', recs, n);
	tw_entry(&w, "short", '2', 0777, "short-link", NULL, 0);
	tw_end(&w);
	CHECK(dump(&w, 3, 1) == 0 && has(out, longp) && has(out, longl) &&
	    has(out, " 3000000000:4294967294 ") &&
	    has(out, "mtime=1700000000.123456789") &&
	    has(out, "atime=-2.750000000") &&
	    has(out, "xattr user.foo=3 xattr security.capability=20\n") &&
	    !has(out, "short"),
	    "PAX: 300-byte path and linkpath, ids, fractional and negative "
	    "times, xattrs");
	if (!has(out, longp))
		printf("  got: %s %s\n", out, derr.msg);
	tw_free(&w);

	/* An empty value restores the header's field. */
	n = 0;
	tw_recs(recs, &n, "path", "");
	tw_recs(recs, &n, "mtime", "");
	tw_init(&w);
	tw_pax(&w, 'x', recs, n);
	tw_file(&w, "plain", "x");
	tw_end(&w);
	CHECK(dump(&w, 512, 512) == 0 && has(out, "0 plain ") &&
	    has(out, "mtime=1600000000.0"), "PAX: empty values restore the "
	    "header's path and mtime");
	tw_free(&w);

	/* PAX size over a zero ustar size: the data is read by PAX size. */
	n = 0;
	tw_recs(recs, &n, "size", "5");
	tw_init(&w);
	tw_pax(&w, 'x', recs, n);
	tw_hdr_init(&h, "sized", '0', 0, 0644, NULL);
	tw_put(&w, &h);
	tw_data(&w, "12345", 5);
	tw_file(&w, "after", "ok");
	tw_end(&w);
	CHECK(dump(&w, 512, 512) == 0 && has(out, "sized mode=644 0:0 "
	    "size=5") && has(out, "data=12345") && has(out, "0 after "),
	    "PAX: size applies when the ustar size is 0");
	tw_free(&w);

	/* Equal sizes are fine. */
	tw_init(&w);
	tw_pax(&w, 'x', recs, n);
	tw_entry(&w, "same", '0', 0644, NULL, "12345", 5);
	tw_end(&w);
	CHECK(dump(&w, 512, 512) == 0 && has(out, "data=12345"),
	    "PAX: size equal to the ustar size");
	tw_free(&w);

	/* Conflict: the archive is refused, whichever reader is right. */
	tw_init(&w);
	tw_pax(&w, 'x', recs, n);
	tw_entry(&w, "evil", '0', 0644, NULL, "1234567890", 10);
	tw_end(&w);
	CHECK(dump(&w, 512, 512) < 0 && derr.code == ERR_PARSE &&
	    has(derr.msg, "PAX size 5 conflicts with the header's size 10"),
	    "PAX: size conflicting with a nonzero ustar size is refused (%s)",
	    derr.msg);
	tw_free(&w);

	/* PAX path beats GNU L; GNU L beats ustar. */
	n = 0;
	tw_recs(recs, &n, "path", "from-pax");
	tw_init(&w);
	tw_gnu(&w, 'L', "from-gnu");
	tw_pax(&w, 'x', recs, n);
	tw_file(&w, "from-ustar", "");
	tw_pax(&w, 'x', recs, n);
	tw_gnu(&w, 'L', "from-gnu");
	tw_file(&w, "from-ustar", "");
	tw_gnu(&w, 'L', "from-gnu");
	tw_file(&w, "from-ustar", "");
	tw_end(&w);
	CHECK(dump(&w, 512, 512) == 0 && strcmp(out,
	    "0 from-pax mode=644 0:0 size=0 mtime=1600000000.000000000\n"
	    "0 from-pax mode=644 0:0 size=0 mtime=1600000000.000000000\n"
	    "0 from-gnu mode=644 0:0 size=0 mtime=1600000000.000000000\n")
	    == 0, "precedence: PAX over GNU over ustar, either order");
	tw_free(&w);
}

static void
pax_limits(void)
{
	static char big[(2 << 20) + 64], filler[2 << 20];
	char path[5000];
	struct tarw w;
	size_t n = 0;

	/* 2 MiB PAX header: refused before reading it. */
	memset(path, 'a', sizeof(path));
	memset(filler, 'c', sizeof(filler));
	tw_rec(big, &n, "comment", filler, (2 << 20) - 100);
	tw_init(&w);
	tw_pax(&w, 'x', big, n);
	tw_file(&w, "f", "x");
	tw_end(&w);
	CHECK(dump(&w, 65536, 512) < 0 && derr.code == ERR_LIMIT &&
	    has(derr.msg, "larger than the 1048576 byte limit"),
	    "PAX: 2 MiB extended header refused (%s)", derr.msg);
	tw_free(&w);

	/* Exactly 1 MiB is accepted. */
	n = 0;
	tw_rec(big, &n, "comment", filler, (1 << 20) - 12 - 10 - 7);
	tw_recs(big, &n, "path", "big");
	tw_init(&w);
	tw_pax(&w, 'x', big, n);
	tw_file(&w, "f", "x");
	tw_end(&w);
	CHECK(n == 1 << 20 && dump(&w, 65536, 512) == 0 &&
	    has(out, "0 big "), "PAX: a header of exactly 1 MiB is read "
	    "(%zu bytes)", n);
	tw_free(&w);

	/* Path length caps. */
	n = 0;
	tw_rec(big, &n, "path", path, 4096);
	tw_init(&w);
	tw_pax(&w, 'x', big, n);
	tw_file(&w, "f", "x");
	tw_end(&w);
	CHECK(dump(&w, 65536, 512) < 0 && derr.code == ERR_LIMIT,
	    "PAX: 4096-byte path refused (%s)", derr.msg);
	tw_free(&w);
	n = 0;
	tw_rec(big, &n, "path", path, 4095);
	tw_init(&w);
	tw_pax(&w, 'x', big, n);
	tw_file(&w, "f", "x");
	tw_end(&w);
	CHECK(dump(&w, 65536, 512) == 0 && strlen(out) > 4095,
	    "PAX: 4095-byte path accepted");
	tw_free(&w);
	path[4999] = '\0';
	tw_init(&w);
	tw_gnu(&w, 'L', path);
	tw_file(&w, "f", "x");
	tw_end(&w);
	CHECK(dump(&w, 65536, 512) < 0 && derr.code == ERR_LIMIT,
	    "GNU: 4999-byte long name refused (%s)", derr.msg);
	tw_free(&w);
}

static void
gnu_long(void)
{
	char longp[301], longl[301];
	struct tarw w;
	int i;

	for (i = 0; i < 300; i++) {
		longp[i] = i % 100 == 99 ? '/' : 'g';
		longl[i] = 'k';
	}
	longp[300] = longl[300] = '\0';
	tw_init(&w);
	tw_gnu(&w, 'L', longp);
	tw_file(&w, "truncated-name", "data");
	tw_gnu(&w, 'L', "lnk");
	tw_gnu(&w, 'K', longl);
	tw_symlink(&w, "x", "truncated-link");
	tw_end(&w);
	CHECK(dump(&w, 1, 1) == 0 && has(out, longp) &&
	    has(out, "2 lnk -> ") && has(out, longl) &&
	    !has(out, "truncated"), "GNU L and K: 300-byte name and target");
	tw_free(&w);
}

static void
base256(void)
{
	struct tarw w;
	struct tw_hdr h;

	tw_init(&w);
	tw_hdr_init(&h, "b256", '0', 0, 0644, NULL);
	tw_b256(h.b + TW_SIZE, 12, 5);
	tw_b256(h.b + TW_UID, 8, 5000000);
	tw_b256(h.b + TW_GID, 8, 70000);
	tw_b256(h.b + TW_MTIME, 12, -1000);
	tw_put(&w, &h);
	tw_data(&w, "abcde", 5);
	tw_end(&w);
	CHECK(dump(&w, 512, 512) == 0 && has(out, "b256 mode=644 "
	    "5000000:70000 size=5 mtime=-1000.000000000 data=abcde"),
	    "base-256 size, uid, gid and negative mtime");
	tw_free(&w);

	/* An 8 GiB size field: the entry is fine, the data is missing. */
	tw_init(&w);
	tw_hdr_init(&h, "huge", '0', 0, 0644, NULL);
	tw_b256(h.b + TW_SIZE, 12, (int64_t)8 << 30);
	tw_put(&w, &h);
	tw_data(&w, "abc", 3);
	CHECK(dump(&w, 512, 512) < 0 && has(out, "size=8589934592") &&
	    derr.code == ERR_PARSE && has(derr.msg, "unexpected end"),
	    "base-256 8 GiB size read, truncated data reported (%s)",
	    derr.msg);
	tw_free(&w);

	/* Negative sizes and ids are refused. */
	tw_init(&w);
	tw_hdr_init(&h, "neg", '0', 0, 0644, NULL);
	tw_b256(h.b + TW_UID, 8, -1);
	tw_put(&w, &h);
	tw_end(&w);
	CHECK(dump(&w, 512, 512) < 0 && has(derr.msg, "invalid uid"),
	    "base-256 negative uid refused (%s)", derr.msg);
	tw_free(&w);
	tw_init(&w);
	tw_hdr_init(&h, "neg", '0', 0, 0644, NULL);
	tw_b256(h.b + TW_SIZE, 12, -512);
	tw_put(&w, &h);
	tw_end(&w);
	CHECK(dump(&w, 512, 512) < 0 && has(derr.msg, "invalid size"),
	    "base-256 negative size refused (%s)", derr.msg);
	tw_free(&w);
	tw_init(&w);
	tw_hdr_init(&h, "overflow", '0', 0, 0644, NULL);
	memset(h.b + TW_SIZE, 0xff, 12);
	h.b[TW_SIZE] = 0x80;
	tw_put(&w, &h);
	tw_end(&w);
	CHECK(dump(&w, 512, 512) < 0 && has(derr.msg, "invalid size"),
	    "base-256 size beyond int64 refused (%s)", derr.msg);
	tw_free(&w);
}

static void
checksums(void)
{
	struct tarw w;
	struct tw_hdr h;

	tw_init(&w);
	tw_hdr_init(&h, "bad", '0', 0, 0644, NULL);
	tw_put(&w, &h);
	w.buf[0] = 'B';
	tw_end(&w);
	CHECK(dump(&w, 512, 512) < 0 && derr.code == ERR_PARSE &&
	    has(derr.msg, "bad header checksum at offset 0"),
	    "bad checksum refused (%s)", derr.msg);
	tw_free(&w);

	tw_init(&w);
	tw_hdr_init(&h, "\xe9t\xe9", '0', 0, 0644, NULL);
	h.signed_sum = 1;
	tw_put(&w, &h);
	tw_end(&w);
	CHECK(dump(&w, 512, 512) == 0 && has(out, "\xe9t\xe9"),
	    "signed checksum accepted");
	tw_free(&w);

	tw_init(&w);
	tw_hdr_init(&h, "nosum", '0', 0, 0644, NULL);
	h.keep_sum = 1;
	tw_put(&w, &h);
	tw_end(&w);
	CHECK(dump(&w, 512, 512) < 0 && has(derr.msg, "checksum"),
	    "empty checksum field refused");
	tw_free(&w);

	/* Random data, as an uncompressed layer that is not a tar. */
	tw_init(&w);
	memset(tw_grow(&w, 1024), 0x5a, 1024);
	CHECK(dump(&w, 512, 512) < 0 && has(derr.msg, "checksum"),
	    "non-tar data refused by the checksum");
	tw_free(&w);
}

static void
malformed_pax(void)
{
	static const char *const syntax[] = {
		"10 path=abc",			/* no newline */
		"99 path=abc\n",		/* length beyond the data */
		"5 path=abc\n",			/* length too short */
		"0 a=b\n",			/* zero length */
		"11 pathabc\n",			/* no '=' */
		"7 =abc\n",			/* empty key */
		"x path=abc\n",			/* no length */
		"12 path=abc\n4 a=\n",		/* bad second record */
		"12 path=abc\n\n",		/* trailing newline */
	};
	static const struct {
		const char *key, *val;
		size_t vlen;
		int ok;
		const char *what;
	} sem[] = {
		{ "path", "a\0bc", 4, 0, "NUL in path" },
		{ "linkpath", "a\0bc", 4, 0, "NUL in linkpath" },
		{ "size", "x", 1, 0, "size not a number" },
		{ "size", "-1", 2, 0, "negative size" },
		{ "size", "9223372036854775808", 19, 0, "size beyond int64" },
		{ "uid", "-123", 4, 0, "negative uid" },
		{ "uid", "4294967295", 10, 0, "uid (uid_t)-1" },
		{ "gid", "99999999999", 11, 0, "gid beyond 32 bits" },
		{ "mtime", "1a", 2, 0, "mtime with a letter" },
		{ "mtime", "-", 1, 0, "mtime of a lone sign" },
		{ "mtime", "1.", 2, 1, "mtime with an empty fraction" },
		{ "GNU.sparse.major", "1", 1, 0, "PAX sparse keys" },
		{ "unknown.key", "whatever", 8, 1, "unknown key ignored" },
	};
	char recs[128];
	struct tarw w;
	size_t i, n;

	for (i = 0; i < sizeof(syntax) / sizeof(syntax[0]); i++) {
		tw_init(&w);
		tw_pax(&w, 'x', syntax[i], strlen(syntax[i]));
		tw_file(&w, "f", "x");
		tw_end(&w);
		CHECK(dump(&w, 512, 512) < 0 && derr.code == ERR_PARSE &&
		    has(derr.msg, "malformed PAX record"),
		    "malformed PAX record refused: %zu (%s)", i, derr.msg);
		tw_free(&w);
	}
	for (i = 0; i < sizeof(sem) / sizeof(sem[0]); i++) {
		n = 0;
		tw_rec(recs, &n, sem[i].key, sem[i].val, sem[i].vlen);
		tw_init(&w);
		tw_pax(&w, 'x', recs, n);
		tw_file(&w, "f", "x");
		tw_end(&w);
		if (sem[i].ok)
			CHECK(dump(&w, 512, 512) == 0, "PAX: %s", sem[i].what);
		else
			CHECK(dump(&w, 512, 512) < 0, "PAX refused: %s (%s)",
			    sem[i].what, derr.msg);
		tw_free(&w);
	}
}

static void
globals(void)
{
	char recs[256];
	struct tarw w;
	size_t n = 0;
	int i;

	tw_recs(recs, &n, "comment", "git archive");
	tw_recs(recs, &n, "path", "global-path-ignored");
	tw_init(&w);
	tw_pax(&w, 'g', recs, n);
	tw_file(&w, "f", "x");
	tw_pax(&w, 'g', recs, n);
	tw_end(&w);
	CHECK(dump(&w, 512, 512) == 0 && has(out, "0 f ") &&
	    !has(out, "global"), "PAX global headers parsed and ignored");
	tw_free(&w);

	tw_init(&w);
	tw_pax(&w, 'g', "4 a\n", 4);
	tw_file(&w, "f", "x");
	tw_end(&w);
	CHECK(dump(&w, 512, 512) < 0 && has(derr.msg, "global"),
	    "malformed PAX global header refused (%s)", derr.msg);
	tw_free(&w);

	tw_init(&w);
	tw_pax(&w, 'x', recs, n);
	tw_pax(&w, 'g', recs, n);
	tw_file(&w, "f", "x");
	tw_end(&w);
	CHECK(dump(&w, 512, 512) < 0 && has(derr.msg, "global"),
	    "global header between 'x' and its entry refused");
	tw_free(&w);

	tw_init(&w);
	for (i = 0; i < 17; i++)
		tw_pax(&w, 'g', recs, n);
	tw_file(&w, "f", "x");
	tw_end(&w);
	CHECK(dump(&w, 512, 512) < 0 && derr.code == ERR_LIMIT,
	    "17 global headers in a row refused");
	tw_free(&w);
}

static void
types(void)
{
	char recs[128];
	struct tarw w;
	struct tw_hdr h;
	size_t n = 0;

	tw_init(&w);
	tw_entry(&w, "sparse", 'S', 0644, NULL, "x", 1);
	tw_end(&w);
	CHECK(dump(&w, 512, 512) < 0 && has(derr.msg, "sparse") &&
	    has(derr.msg, "'S'"), "GNU sparse refused (%s)", derr.msg);
	tw_free(&w);

	tw_init(&w);
	tw_entry(&w, "label", 'V', 0644, NULL, NULL, 0);
	tw_end(&w);
	CHECK(dump(&w, 512, 512) < 0 && has(derr.msg,
	    "label: unsupported entry type 'V'"), "type 'V' refused (%s)",
	    derr.msg);
	tw_free(&w);

	tw_init(&w);
	tw_entry(&w, "ctl", 1, 0644, NULL, NULL, 0);
	tw_end(&w);
	CHECK(dump(&w, 512, 512) < 0 && has(derr.msg, "type 0x01"),
	    "type 0x01 refused (%s)", derr.msg);
	tw_free(&w);

	tw_init(&w);
	tw_entry(&w, "dumpdir", 'D', 0755, NULL, NULL, 0);
	tw_end(&w);
	CHECK(dump(&w, 512, 512) < 0 && has(derr.msg, "'D'"),
	    "GNU dumpdir 'D' refused");
	tw_free(&w);

	/* V7: no magic; '\0' type with a trailing slash is a directory. */
	tw_init(&w);
	tw_hdr_init(&h, "v7dir/", '\0', 0, 0755, NULL);
	memset(h.b + TW_MAGIC, 0, 8);
	tw_str(h.b + TW_PREFIX, 155, "ignored-prefix");
	tw_put(&w, &h);
	tw_hdr_init(&h, "v7file", '\0', 2, 0644, NULL);
	memset(h.b + TW_MAGIC, 0, 8);
	tw_put(&w, &h);
	tw_data(&w, "v7", 2);
	tw_entry(&w, "contig", '7', 0644, NULL, "c", 1);
	/* GNU magic: the prefix area holds atime/ctime, not a prefix. */
	tw_hdr_init(&h, "gnufile", '0', 0, 0644, NULL);
	memcpy(h.b + TW_MAGIC, "ustar  \0", 8);
	tw_octal(h.b + TW_PREFIX, 12, 1234567);
	tw_put(&w, &h);
	tw_end(&w);
	CHECK(dump(&w, 512, 512) == 0 && strcmp(out,
	    "5 v7dir/ mode=755 0:0 size=0 mtime=1600000000.000000000\n"
	    "0 v7file mode=644 0:0 size=2 mtime=1600000000.000000000 "
	    "data=v7\n"
	    "0 contig mode=644 0:0 size=1 mtime=1600000000.000000000 data=c\n"
	    "0 gnufile mode=644 0:0 size=0 mtime=1600000000.000000000\n")
	    == 0, "V7, contiguous and GNU headers");
	tw_free(&w);

	/* Header-only types must not carry data. */
	tw_init(&w);
	tw_entry(&w, "dir-with-data/", '5', 0755, NULL, "hidden header", 13);
	tw_end(&w);
	CHECK(dump(&w, 512, 512) < 0 && has(derr.msg, "with data"),
	    "directory with a nonzero size refused (%s)", derr.msg);
	tw_free(&w);
	tw_init(&w);
	tw_entry(&w, "l", '1', 0644, "target", "x", 1);
	tw_end(&w);
	CHECK(dump(&w, 512, 512) < 0 && has(derr.msg, "with data"),
	    "hard link with a nonzero size refused");
	tw_free(&w);
	tw_recs(recs, &n, "size", "100");
	tw_init(&w);
	tw_pax(&w, 'x', recs, n);
	tw_symlink(&w, "s", "t");
	tw_end(&w);
	CHECK(dump(&w, 512, 512) < 0 && has(derr.msg, "with data"),
	    "symlink with a PAX size refused");
	tw_free(&w);

	tw_init(&w);
	tw_entry(&w, "", '0', 0644, NULL, NULL, 0);
	tw_end(&w);
	CHECK(dump(&w, 512, 512) < 0 && has(derr.msg, "empty name"),
	    "empty name refused");
	tw_free(&w);
	tw_init(&w);
	tw_hardlink(&w, "l", "");
	tw_end(&w);
	CHECK(dump(&w, 512, 512) < 0 && has(derr.msg, "empty target"),
	    "hard link with an empty target refused");
	tw_free(&w);

	tw_init(&w);
	tw_hdr_init(&h, "badmode", '0', 0, 0644, NULL);
	memcpy(h.b + TW_MODE, "0000985", 7);
	tw_put(&w, &h);
	tw_end(&w);
	CHECK(dump(&w, 512, 512) < 0 && has(derr.msg, "badmode: invalid "
	    "mode"), "non-octal digit refused (%s)", derr.msg);
	tw_free(&w);
	tw_init(&w);
	tw_hdr_init(&h, "spaces", '0', 0, 0644, NULL);
	memcpy(h.b + TW_MODE, "  644 \0\0", 8);
	tw_put(&w, &h);
	tw_end(&w);
	CHECK(dump(&w, 512, 512) == 0 && has(out, "spaces mode=644"),
	    "octal field padded with spaces and NULs");
	tw_free(&w);
}

static void
extended_misuse(void)
{
	char recs[64];
	struct tarw w;
	size_t n = 0;

	tw_recs(recs, &n, "path", "p");
	tw_init(&w);
	tw_pax(&w, 'x', recs, n);
	tw_pax(&w, 'x', recs, n);
	tw_file(&w, "f", "x");
	tw_end(&w);
	CHECK(dump(&w, 512, 512) < 0 && has(derr.msg, "two PAX"),
	    "two 'x' headers for one entry refused");
	tw_free(&w);
	tw_init(&w);
	tw_gnu(&w, 'L', "a");
	tw_gnu(&w, 'L', "b");
	tw_file(&w, "f", "x");
	tw_end(&w);
	CHECK(dump(&w, 512, 512) < 0 && has(derr.msg, "two GNU"),
	    "two 'L' headers for one entry refused");
	tw_free(&w);
	tw_init(&w);
	tw_file(&w, "f", "x");
	tw_pax(&w, 'x', recs, n);
	tw_end(&w);
	CHECK(dump(&w, 512, 512) < 0 && has(derr.msg, "extended header"),
	    "'x' header followed by the end refused");
	tw_free(&w);
	tw_init(&w);
	tw_file(&w, "f", "x");
	tw_gnu(&w, 'L', "dangling");
	CHECK(dump(&w, 512, 512) < 0 && has(derr.msg, "extended header"),
	    "'L' header followed by EOF refused");
	tw_free(&w);
}

static void
endings(void)
{
	struct tarw w, v;
	struct tw_hdr h;
	struct io_mem c;
	struct reader r;
	struct tar_entry ent;
	struct tar t;
	struct err e = ERR_INIT;
	uint64_t count = 0;
	char buf[8];

	tw_init(&w);
	tw_file(&w, "f", "x");
	CHECK(dump(&w, 512, 512) == 0 && has(out, "0 f "),
	    "EOF at a block boundary ends the archive");
	tw_grow(&w, 512);
	CHECK(dump(&w, 512, 512) == 0, "one zero block then EOF ends it");
	tw_file(&w, "g", "y");
	CHECK(dump(&w, 512, 512) < 0 && has(derr.msg, "single zero block"),
	    "a zero block followed by a header refused (%s)", derr.msg);
	tw_free(&w);

	tw_init(&w);
	CHECK(dump(&w, 512, 512) == 0 && out[0] == '\0',
	    "empty stream: an empty archive");
	tw_free(&w);

	tw_init(&w);
	tw_file(&w, "f", "x");
	w.len = 300;
	CHECK(dump(&w, 512, 512) < 0 && has(derr.msg, "in a header"),
	    "EOF inside a header refused (%s)", derr.msg);
	tw_free(&w);

	tw_init(&w);
	tw_entry(&w, "f", '0', 0644, NULL, "0123456789", 10);
	w.len = 512 + 5;
	CHECK(dump(&w, 512, 512) < 0 && has(derr.msg, "f: unexpected end"),
	    "EOF inside data refused (%s)", derr.msg);
	w.len = 512 + 100;
	CHECK(dump(&w, 512, 512) < 0 && has(derr.msg, "entry data"),
	    "EOF inside padding refused (%s)", derr.msg);
	tw_free(&w);

	/* Trailing bytes after the marker are drained, within a budget. */
	tw_init(&w);
	tw_file(&w, "f", "x");
	tw_end(&w);
	tw_grow(&w, 10240);
	io_mem_reader(&c, w.buf, w.len, &r);
	c.max = 4096;
	tar_init(&t, &r);
	CHECK(tar_drain(&t, 1 << 20, &count, &e) < 0 && e.code == ERR_USAGE,
	    "drain before the end refused");
	tar_init(&t, &r);
	CHECK(tar_next(&t, &ent, &e) == 1 && tar_next(&t, &ent, &e) == 0 &&
	    tar_next(&t, &ent, &e) == 0 && t.offset == 2048 &&
	    tar_drain(&t, 10240, &count, &e) == 0 && count == 10240 &&
	    c.off == w.len && t.offset == w.len,
	    "10 KiB of zeros after the end drained (%llu)",
	    (unsigned long long)count);
	tar_free(&t);
	io_mem_reader(&c, w.buf, w.len, &r);
	c.max = 4096;
	tar_init(&t, &r);
	CHECK(tar_next(&t, &ent, &e) == 1 && tar_next(&t, &ent, &e) == 0 &&
	    tar_drain(&t, 10239, &count, &e) < 0 && e.code == ERR_LIMIT,
	    "trailing data beyond the drain budget refused (%s)", e.msg);
	tar_free(&t);
	tw_free(&w);

	/* Partial reads, skipping unread data, sticky errors. */
	tw_init(&w);
	tw_init(&v);
	memset(tw_grow(&v, 2000), 'z', 2000);
	tw_entry(&w, "big", '0', 0644, NULL, v.buf, 2000);
	tw_file(&w, "next", "n");
	tw_hdr_init(&h, "broken", '0', 0, 0644, NULL);
	tw_put(&w, &h);
	w.buf[w.len - 512] ^= 1;
	tw_free(&v);
	io_mem_reader(&c, w.buf, w.len, &r);
	c.max = 100000;
	tar_init(&t, &r);
	CHECK(tar_next(&t, &ent, &e) == 1 && tar_read(&t, buf, 1, &e) == 1 &&
	    buf[0] == 'z' && tar_next(&t, &ent, &e) == 1 &&
	    strcmp(ent.path, "next") == 0 && tar_read(&t, buf, 8, &e) == 1 &&
	    tar_read(&t, buf, 8, &e) == 0,
	    "partial read, the rest skipped by tar_next");
	CHECK(tar_next(&t, &ent, &e) < 0 && has(e.msg, "checksum"),
	    "then a bad header fails");
	err_clear(&e);
	CHECK(tar_next(&t, &ent, &e) < 0 && has(e.msg, "checksum") &&
	    tar_read(&t, buf, 8, &e) < 0 && has(e.msg, "checksum"),
	    "errors are sticky");
	tar_free(&t);
	tw_free(&w);
}

int
main(void)
{
	basic();
	pax();
	pax_limits();
	gnu_long();
	base256();
	checksums();
	malformed_pax();
	globals();
	types();
	extended_misuse();
	endings();
	return check_done();
}

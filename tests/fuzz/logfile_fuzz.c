/* logfile_fuzz.c - libFuzzer target for core/logfile: reader, tail, writer
 *
 * For every input:
 *  - read it as a log file from the start: every entry must be well formed
 *    (stream 1 or 2, NUL after the text, a parsed time), and entries plus
 *    skipped lines can never exceed the number of newlines;
 *  - read it again after logr_tail(N), N from the first byte: the entries
 *    must be the last (at most N) entries of the full read;
 *  - write the input through the writer in pieces spread over both
 *    streams, read that log back: nothing may be skipped, each stream's
 *    text must come back byte for byte when it is valid UTF-8, and with
 *    the same length in code points otherwise (each invalid byte becomes
 *    one U+FFFD).
 */

#define _GNU_SOURCE

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "logfile.h"

enum {
	MAX_ENTRIES = 1 << 16,
};

static int rfd = -1, wfd = -1;
static char wpath[64];
static uint64_t hashes[MAX_ENTRIES], tails[16];

/* Length of a well-formed UTF-8 sequence at s[0..n), or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	size_t need, k;
	unsigned long cp, min;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xE0) == 0xC0) {
		need = 2;
		cp = s[0] & 0x1F;
		min = 0x80;
	} else if ((s[0] & 0xF0) == 0xE0) {
		need = 3;
		cp = s[0] & 0x0F;
		min = 0x800;
	} else if ((s[0] & 0xF8) == 0xF0) {
		need = 4;
		cp = s[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (k = 1; k < need; k++) {
		if ((s[k] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[k] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return need;
}

/* Code points in s (each invalid byte counts one); *valid set. */
static size_t
code_points(const unsigned char *s, size_t n, int *valid)
{
	size_t i = 0, cps = 0, k;

	*valid = 1;
	while (i < n) {
		k = utf8_seq(s + i, n - i);
		if (k == 0) {
			*valid = 0;
			k = 1;
		}
		i += k;
		cps++;
	}
	return cps;
}

static uint64_t
hash(const struct log_entry *ent)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)ent->stream;
	size_t i;

	for (i = 0; i < ent->len; i++)
		h = (h ^ (unsigned char)ent->text[i]) * 1099511628211ULL;
	return h;
}

static void
check_entry(const struct log_entry *ent)
{
	if ((ent->stream != LOG_STDOUT && ent->stream != LOG_STDERR) ||
	    !ent->text || ent->text[ent->len] != '\0' || !ent->time ||
	    ent->ts.tv_nsec < 0 || ent->ts.tv_nsec > 999999999)
		abort();
}

static void
read_back(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	struct logr r;
	struct log_entry ent;
	size_t n = 0, m = 0, nl = 0, i, tail;
	int rc;

	for (i = 0; i < size; i++)
		nl += data[i] == '\n';
	if (ftruncate(rfd, 0) < 0 ||
	    pwrite(rfd, data, size, 0) != (ssize_t)size)
		abort();
	logr_fdopen(&r, rfd);
	while ((rc = logr_next(&r, &ent, &e)) > 0) {
		check_entry(&ent);
		if (n < MAX_ENTRIES)
			hashes[n] = hash(&ent);
		n++;
	}
	if (rc < 0 || n + r.skipped > nl || logr_partial(&r) > size)
		abort();
	logr_close(&r);
	if (n > MAX_ENTRIES)
		return;

	tail = size ? data[0] % 16 : 3;
	logr_fdopen(&r, rfd);
	if (logr_tail(&r, tail, &e) < 0)
		abort();
	while ((rc = logr_next(&r, &ent, &e)) > 0) {
		check_entry(&ent);
		if (m >= tail || m >= n)
			abort();
		tails[m++] = hash(&ent);
	}
	if (rc < 0)
		abort();
	for (i = 0; i < m; i++)
		if (tails[i] != hashes[n - m + i])
			abort();
	logr_close(&r);
}

static void
write_back(const uint8_t *data, size_t size)
{
	static unsigned char in[2][1 << 20], got[2][1 << 20];
	struct err e = ERR_INIT;
	struct logw w;
	struct logr r;
	struct log_entry ent;
	size_t il[2] = { 0, 0 }, gl[2] = { 0, 0 }, off = 0, k;
	int s = 0, rc, valid, gvalid;

	if (size > sizeof(in[0]) || ftruncate(wfd, 0) < 0 ||
	    logw_open(&w, wpath, &e) < 0)
		abort();
	while (off < size) {
		k = 1 + data[off] % 37;
		if (k > size - off)
			k = size - off;
		s = (data[off] >> 6) & 1;
		memcpy(in[s] + il[s], data + off, k);
		il[s] += k;
		if (logw_write(&w, s + 1, (const char *)data + off, k, &e) < 0)
			abort();
		off += k;
	}
	if (logw_close(&w, &e) < 0 || logr_open(&r, wpath, &e) < 0)
		abort();
	while ((rc = logr_next(&r, &ent, &e)) > 0) {
		check_entry(&ent);
		s = ent.stream - 1;
		if (ent.len > LOG_LINE_MAX * 3 ||
		    gl[s] + ent.len > sizeof(got[s]))
			abort();
		memcpy(got[s] + gl[s], ent.text, ent.len);
		gl[s] += ent.len;
	}
	if (rc < 0 || r.skipped || logr_partial(&r))
		abort();
	logr_close(&r);
	for (s = 0; s < 2; s++) {
		k = code_points(in[s], il[s], &valid);
		if (valid && (gl[s] != il[s] || memcmp(in[s], got[s], il[s])))
			abort();
		if (code_points(got[s], gl[s], &gvalid) != k || !gvalid)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (rfd < 0) {
		/* In-memory files: nothing is left behind. */
		rfd = memfd_create("logfile_fuzz.r", MFD_CLOEXEC);
		wfd = memfd_create("logfile_fuzz.w", MFD_CLOEXEC);
		if (rfd < 0 || wfd < 0)
			abort();
		snprintf(wpath, sizeof(wpath), "/proc/self/fd/%d", wfd);
	}
	read_back(data, size);
	write_back(data, size);
	return 0;
}

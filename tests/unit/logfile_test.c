/* logfile_test.c - the json-file log writer and reader, tail and follow
 *
 * Most checks read a log back through dump(), which renders every entry as
 * "o[TEXT]" or "e[TEXT]", so an expectation is a string.
 */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "logfile.h"

static char dir[64];
static char out[1 << 16];
static unsigned long skipped;

static const char *
path(const char *name)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

/* Write `s` as raw bytes to the file `name` (truncating or appending). */
static void
raw(const char *name, const char *s, int append)
{
	int fd = open(path(name), O_WRONLY | O_CREAT | O_CLOEXEC |
	    (append ? O_APPEND : O_TRUNC), 0600);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		abort();
	close(fd);
}

/* The whole file `name` into out[] (NUL-terminated); its length. */
static size_t
slurp(const char *name)
{
	int fd = open(path(name), O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		abort();
	n = read(fd, out, sizeof(out) - 1);
	close(fd);
	if (n < 0)
		abort();
	out[n] = '\0';
	return (size_t)n;
}

/*
 * Render every entry of log `name` (after logr_tail(n) when tail >= 0)
 * into out[]; the number of entries, or -1 on error.
 */
static int
dump(const char *name, long tail)
{
	struct err e = ERR_INIT;
	struct logr r;
	struct log_entry ent;
	size_t o = 0;
	int n = 0, rc;

	out[0] = '\0';
	if (logr_open(&r, path(name), &e) < 0 ||
	    (tail >= 0 && logr_tail(&r, (size_t)tail, &e) < 0)) {
		logr_close(&r);
		return -1;
	}
	while ((rc = logr_next(&r, &ent, &e)) > 0) {
		n++;
		if (o + ent.len + 4 < sizeof(out)) {
			out[o++] = ent.stream == LOG_STDOUT ? 'o' : 'e';
			out[o++] = '[';
			memcpy(out + o, ent.text, ent.len);
			o += ent.len;
			out[o++] = ']';
			out[o] = '\0';
		}
	}
	skipped = r.skipped;
	logr_close(&r);
	return rc < 0 ? -1 : n;
}

static void
test_time(void)
{
	struct timespec ts = { 1795909245, 123456789 };
	struct err e = ERR_INIT;
	char buf[LOG_TIME_MAX];
	size_t i;
	static const char *const bad[] = {
		"", "2026-11-27", "2026-11-27T23:40:45", "2026-13-01T00:00:00Z",
		"2026-02-29T00:00:00Z", "2026-11-27T24:00:00Z",
		"2026-11-27T23:60:00Z", "2026-11-27T23:40:60Z",
		"2026-11-27T23:40:45.Z", "2026-11-27T23:40:45.1234567891Z",
		"2026-11-27T23:40:45Zx", "2026-11-27 23:40:45Z",
		"2026-11-27T23:40:45+0100", "+2026-11-27T23:40:45Z",
	};

	log_time_format(&ts, 0, buf);
	CHECK(strcmp(buf, "2026-11-28T23:40:45.123456789Z") == 0,
	    "time: nanoseconds (%s)", buf);
	ts.tv_nsec = 120000000;
	log_time_format(&ts, 0, buf);
	CHECK(strcmp(buf, "2026-11-28T23:40:45.12Z") == 0,
	    "time: trailing zeros trimmed (%s)", buf);
	log_time_format(&ts, 1, buf);
	CHECK(strcmp(buf, "2026-11-28T23:40:45.120000000Z") == 0,
	    "time: fixed layout keeps nine digits (%s)", buf);
	ts.tv_nsec = 0;
	log_time_format(&ts, 0, buf);
	CHECK(strcmp(buf, "2026-11-28T23:40:45Z") == 0,
	    "time: whole second has no fraction (%s)", buf);
	ts.tv_sec = 0;
	ts.tv_nsec = 1;
	log_time_format(&ts, 0, buf);
	CHECK(strcmp(buf, "1970-01-01T00:00:00.000000001Z") == 0,
	    "time: epoch plus 1ns (%s)", buf);

	CHECK(log_time_parse("2026-11-28T23:40:45.123456789Z", &ts, &e) == 0 &&
	    ts.tv_sec == 1795909245 && ts.tv_nsec == 123456789,
	    "time: parse nanoseconds");
	CHECK(log_time_parse("2026-11-29T00:40:45.5+01:00", &ts, &e) == 0 &&
	    ts.tv_sec == 1795909245 && ts.tv_nsec == 500000000,
	    "time: parse offset and short fraction");
	CHECK(log_time_parse("2026-11-28t22:10:45-01:30", &ts, &e) == 0 &&
	    ts.tv_sec == 1795909245 && ts.tv_nsec == 0,
	    "time: parse negative offset, lower-case t");
	CHECK(log_time_parse("2024-02-29T00:00:00Z", &ts, &e) == 0 &&
	    ts.tv_sec == 1709164800, "time: leap day");
	CHECK(log_time_parse("1969-12-31T23:59:59Z", &ts, &e) == 0 &&
	    ts.tv_sec == -1, "time: before the epoch");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(log_time_parse(bad[i], &ts, &e) < 0 &&
		    e.code == ERR_PARSE, "time: refuse \"%s\"", bad[i]);
}

static void
test_split(void)
{
	struct err e = ERR_INIT;
	struct logw w;
	const char *p;

	unlink(path("split.log"));
	CHECK(logw_open(&w, path("split.log"), &e) == 0, "writer: open");
	logw_write(&w, LOG_STDOUT, "a\nb", 3, &e);
	logw_write(&w, LOG_STDERR, "x\n", 2, &e);
	logw_write(&w, LOG_STDOUT, "c\nd\n\n", 5, &e);
	logw_write(&w, LOG_STDERR, "part", 4, &e);
	logw_write(&w, LOG_STDOUT, "", 0, &e);
	logw_write(&w, LOG_STDOUT, "tail", 4, &e);
	CHECK(logw_write(&w, 3, "z", 1, &e) < 0 && e.code == ERR_USAGE,
	    "writer: stream 3 refused");
	CHECK(logw_close(&w, &e) == 0, "writer: close flushes");
	CHECK(logw_close(&w, &e) == 0, "writer: second close is a no-op");
	CHECK(dump("split.log", -1) == 7 && strcmp(out,
	    "o[a\n]e[x\n]o[bc\n]o[d\n]o[\n]o[tail]e[part]") == 0,
	    "writer: split at newlines, partial lines flushed (%s)", out);
	CHECK(skipped == 0, "reader: nothing skipped");

	slurp("split.log");
	CHECK(strncmp(out,
	    "{\"log\":\"a\\n\",\"stream\":\"stdout\",\"time\":\"", 39) == 0,
	    "writer: Docker's member order and escaping");
	p = strchr(out, '\n');
	CHECK(p && p - out > 4 && strncmp(p - 3, "Z\"}", 3) == 0,
	    "writer: time is UTC, one object per line");
	{
		struct stat st;

		CHECK(stat(path("split.log"), &st) == 0 &&
		    (st.st_mode & 0777) == (LOG_FILE_MODE & ~0022 & 0777),
		    "writer: file mode 0640");
	}
}

static void
test_long_lines(void)
{
	struct err e = ERR_INIT;
	struct logr r;
	struct log_entry ent;
	struct logw w;
	static char big[40001];
	size_t lens[8], n = 0, i;
	int ok = 1;

	memset(big, 'x', 40000);
	big[40000] = '\n';
	unlink(path("long.log"));
	logw_open(&w, path("long.log"), &e);
	logw_write(&w, LOG_STDOUT, big, 40001, &e);
	/* 16383 ASCII bytes, then a 2-byte sequence across the cut. */
	memset(big, 'a', 16383);
	memcpy(big + 16383, "\xc3\xa9\n", 3);
	logw_write(&w, LOG_STDERR, big, 16386, &e);
	/* A line of exactly LOG_LINE_MAX bytes with its newline. */
	memset(big, 'b', LOG_LINE_MAX - 1);
	big[LOG_LINE_MAX - 1] = '\n';
	logw_write(&w, LOG_STDOUT, big, LOG_LINE_MAX, &e);
	logw_close(&w, &e);

	logr_open(&r, path("long.log"), &e);
	while (n < 8 && logr_next(&r, &ent, &e) > 0) {
		lens[n++] = ent.len;
		if (n == 5 && memcmp(ent.text, "\xc3\xa9\n", 3) != 0)
			ok = 0;
		for (i = 0; n <= 3 && i < ent.len; i++)
			if (ent.text[i] != (n == 3 && i == 7232 ? '\n' : 'x'))
				ok = 0;
	}
	logr_close(&r);
	CHECK(n == 6 && lens[0] == 16384 && lens[1] == 16384 &&
	    lens[2] == 7233, "writer: a 40001-byte line is cut at 16 KiB");
	CHECK(n == 6 && lens[3] == 16383 && lens[4] == 3 && ok,
	    "writer: a cut never splits a UTF-8 sequence");
	CHECK(n == 6 && lens[5] == LOG_LINE_MAX,
	    "writer: a line of exactly 16 KiB stays whole");
}

static void
test_interleave(void)
{
	struct err e = ERR_INIT;
	struct logr r;
	struct log_entry ent;
	struct logw w;
	static char want[2][200000], got[2][200000];
	size_t wl[2] = { 0, 0 }, gl[2] = { 0, 0 }, n, i;
	unsigned seed = 7;
	int s, ok = 1, k;

	unlink(path("mix.log"));
	logw_open(&w, path("mix.log"), &e);
	for (k = 0; k < 3000; k++) {
		seed = seed * 1103515245 + 12345;
		s = (seed >> 16) & 1;
		n = (seed >> 17) % 60;
		for (i = 0; i < n && wl[s] < sizeof(want[s]); i++) {
			seed = seed * 1103515245 + 12345;
			want[s][wl[s] + i] = (seed >> 16) % 9 == 0 ? '\n' :
			    (char)('a' + (seed >> 20) % 26);
		}
		logw_write(&w, s + 1, want[s] + wl[s], i, &e);
		wl[s] += i;
	}
	logw_close(&w, &e);
	logr_open(&r, path("mix.log"), &e);
	while (logr_next(&r, &ent, &e) > 0) {
		s = ent.stream - 1;
		if (gl[s] + ent.len > sizeof(got[s]))
			break;
		memcpy(got[s] + gl[s], ent.text, ent.len);
		gl[s] += ent.len;
		if (memchr(ent.text, '\n', ent.len) !=
		    (ent.len && ent.text[ent.len - 1] == '\n' ?
		    ent.text + ent.len - 1 : NULL))
			ok = 0;
	}
	logr_close(&r);
	CHECK(gl[0] == wl[0] && memcmp(got[0], want[0], wl[0]) == 0,
	    "interleave: stdout intact (%zu bytes)", wl[0]);
	CHECK(gl[1] == wl[1] && memcmp(got[1], want[1], wl[1]) == 0,
	    "interleave: stderr intact (%zu bytes)", wl[1]);
	CHECK(ok, "interleave: each entry holds one line at most");
}

static void
test_escaping(void)
{
	struct err e = ERR_INIT;
	struct logw w;
	struct logr r;
	struct log_entry ent;
	int rc;

	unlink(path("esc.log"));
	logw_open(&w, path("esc.log"), &e);
	logw_write(&w, LOG_STDOUT, "\x01\t\"\\\xff<&>\n", 9, &e);
	logw_write(&w, LOG_STDERR, "a\0b\x1b[0m\n", 8, &e);
	logw_close(&w, &e);
	slurp("esc.log");
	CHECK(strstr(out, "\"log\":\"\\u0001\\t\\\"\\\\\xef\xbf\xbd<&>\\n\"")
	    != NULL, "escape: control chars, quote, backslash, U+FFFD");
	CHECK(strstr(out, "\"log\":\"a\\u0000b\\u001b[0m\\n\"") != NULL,
	    "escape: NUL and ESC");
	logr_open(&r, path("esc.log"), &e);
	rc = logr_next(&r, &ent, &e);
	CHECK(rc == 1 && ent.len == 11 && memcmp(ent.text,
	    "\x01\t\"\\\xef\xbf\xbd<&>\n", 11) == 0,
	    "escape: read back (invalid byte became U+FFFD)");
	rc = logr_next(&r, &ent, &e);
	CHECK(rc == 1 && ent.stream == LOG_STDERR && ent.len == 8 &&
	    memcmp(ent.text, "a\0b\x1b[0m\n", 8) == 0,
	    "escape: NUL read back");
	logr_close(&r);
}

static void
test_corrupt(void)
{
	struct err e = ERR_INIT;
	struct logw w;
	int n;

	raw("bad.log",
	    "{\"log\":\"one\\n\",\"stream\":\"stdout\","
	    "\"time\":\"2026-11-27T23:40:45.1Z\"}\n"
	    "not json\n"
	    "\n"
	    "{}\n"
	    "[\"log\"]\n"
	    "{\"log\":1,\"stream\":\"stdout\","
	    "\"time\":\"2026-11-27T23:40:45Z\"}\n"
	    "{\"log\":\"x\",\"stream\":\"stdin\","
	    "\"time\":\"2026-11-27T23:40:45Z\"}\n"
	    "{\"log\":\"x\",\"stream\":\"stdout\",\"time\":\"yesterday\"}\n"
	    "{\"log\":\"x\",\"stream\":\"stdout\"}\n"
	    "{\"log\":\"x\",\"log\":\"y\",\"stream\":\"stdout\","
	    "\"time\":\"2026-11-27T23:40:45Z\"}\n"
	    "{\"log\":\"x\xff\",\"stream\":\"stdout\","
	    "\"time\":\"2026-11-27T23:40:45Z\"}\n"
	    "{\"log\":\"two\\n\",\"stream\":\"stderr\",\"attrs\":{\"a\":\"b\"},"
	    "\"time\":\"2026-11-27T23:40:45Z\"}\r\n"
	    "{\"log\":\"thr", 0);
	n = dump("bad.log", -1);
	CHECK(n == 2 && strcmp(out, "o[one\n]e[two\n]") == 0,
	    "corrupt: good entries survive (%s)", out);
	CHECK(skipped == 10, "corrupt: 10 bad lines skipped (%lu)", skipped);

	/* A new writer ends the damaged line first. */
	CHECK(logw_open(&w, path("bad.log"), &e) == 0, "corrupt: reopen");
	logw_write(&w, LOG_STDOUT, "four\n", 5, &e);
	logw_close(&w, &e);
	n = dump("bad.log", -1);
	CHECK(n == 3 && strcmp(out, "o[one\n]e[two\n]o[four\n]") == 0 &&
	    skipped == 11, "corrupt: partial line closed off by next writer");
	n = dump("bad.log", 1);
	CHECK(n == 1 && strcmp(out, "o[four\n]") == 0, "corrupt: tail 1");
	n = dump("bad.log", 2);
	CHECK(n == 1 && skipped == 1, "corrupt: tail 2 counts the bad line");
}

static void
test_partial(void)
{
	struct err e = ERR_INIT;
	struct logr r;
	struct log_entry ent;
	int a, b, c;

	raw("part.log",
	    "{\"log\":\"one\\n\",\"stream\":\"stdout\","
	    "\"time\":\"2026-11-27T23:40:45Z\"}\n"
	    "{\"log\":\"two\\n\",\"stre", 0);
	logr_open(&r, path("part.log"), &e);
	a = logr_next(&r, &ent, &e);
	b = logr_next(&r, &ent, &e);
	CHECK(a == 1 && b == 0 && logr_partial(&r) == 20 && r.skipped == 0,
	    "partial: unfinished last line held back");
	raw("part.log", "am\":\"stderr\",\"time\":\"2026-11-27T23:40:46Z\"}",
	    1);
	CHECK(logr_next(&r, &ent, &e) == 0, "partial: still no newline");
	raw("part.log", "\n", 1);
	c = logr_next(&r, &ent, &e);
	CHECK(c == 1 && ent.stream == LOG_STDERR && ent.len == 4 &&
	    memcmp(ent.text, "two\n", 4) == 0 &&
	    strcmp(ent.time, "2026-11-27T23:40:46Z") == 0 &&
	    logr_partial(&r) == 0, "partial: returned once complete");
	logr_close(&r);
	logr_close(&r);
}

/* A log of `k` entries; entry i is "line I " plus i % 97 dots. */
static void
make_log(const char *name, int k)
{
	struct err e = ERR_INIT;
	struct logw w;
	char line[160];
	int i, n;

	unlink(path(name));
	logw_open(&w, path(name), &e);
	for (i = 0; i < k; i++) {
		n = snprintf(line, sizeof(line), "line %d ", i);
		memset(line + n, '.', (size_t)(i % 97));
		n += i % 97;
		line[n++] = '\n';
		logw_write(&w, 1 + i % 2, line, (size_t)n, &e);
	}
	logw_close(&w, &e);
}

/* Check that reading `name` after tail `n` gives entries k-n..k-1. */
static int
tail_ok(const char *name, int k, long n)
{
	struct err e = ERR_INIT;
	struct logr r;
	struct log_entry ent;
	int first = n > k ? 0 : k - (int)n, i = first, ok = 1, rc, m;
	char want[32];

	if (logr_open(&r, path(name), &e) < 0 ||
	    logr_tail(&r, (size_t)n, &e) < 0) {
		logr_close(&r);
		return 0;
	}
	while ((rc = logr_next(&r, &ent, &e)) > 0) {
		m = snprintf(want, sizeof(want), "line %d ", i);
		if (i >= k || ent.len != (size_t)m + (size_t)(i % 97) + 1 ||
		    memcmp(ent.text, want, (size_t)m) != 0 ||
		    ent.stream != 1 + i % 2)
			ok = 0;
		i++;
	}
	logr_close(&r);
	return ok && rc == 0 && i == k && r.skipped == 0;
}

static void
test_tail(void)
{
	static const int sizes[] = { 0, 1, 2, 3, 10, 700, 5000 };
	struct err e = ERR_INIT;
	struct logr r;
	struct log_entry ent;
	size_t s;
	long ns[8];
	int k, j, ok, rc, fd;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		k = sizes[s];
		make_log("tail.log", k);
		ns[0] = 0;
		ns[1] = 1;
		ns[2] = 2;
		ns[3] = k > 0 ? k - 1 : 0;
		ns[4] = k;
		ns[5] = k + 1;
		ns[6] = k + 100;
		ns[7] = k / 2;
		ok = 1;
		for (j = 0; j < 8; j++)
			if (!tail_ok("tail.log", k, ns[j]))
				ok = 0;
		CHECK(ok, "tail: %d entries, N = 0, 1, 2, k-1, k, k+1, "
		    "k+100, k/2", k);
	}
	/* An unfinished last line is not counted as a line. */
	make_log("tail.log", 50);
	raw("tail.log", "{\"log\":\"half", 1);
	CHECK(tail_ok("tail.log", 50, 3) && tail_ok("tail.log", 50, 0) &&
	    tail_ok("tail.log", 50, 60), "tail: unfinished last line ignored");

	/* A 64 MiB hole (one over-long line) before ten entries. */
	unlink(path("sparse.log"));
	fd = open(path("sparse.log"), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	CHECK(fd >= 0 && ftruncate(fd, 64 << 20) == 0, "tail: sparse file");
	close(fd);
	{
		struct logw w;
		char line[32];
		int i;

		logw_open(&w, path("sparse.log"), &e);
		for (i = 0; i < 10; i++)
			logw_write(&w, LOG_STDOUT, line, (size_t)snprintf(line,
			    sizeof(line), "entry %d\n", i), &e);
		logw_close(&w, &e);
	}
	logr_open(&r, path("sparse.log"), &e);
	rc = logr_tail(&r, 3, &e);
	ok = rc == 0 && logr_next(&r, &ent, &e) == 1 && ent.len == 8 &&
	    memcmp(ent.text, "entry 7\n", 8) == 0;
	CHECK(ok && r.pos < (64 << 20) + 1000 &&
	    logr_next(&r, &ent, &e) == 1 && logr_next(&r, &ent, &e) == 1 &&
	    logr_next(&r, &ent, &e) == 0,
	    "tail: 3 of a 64 MiB log without reading it all");
	logr_close(&r);
	CHECK(dump("sparse.log", -1) == 10 && skipped == 1,
	    "reader: an over-long line is skipped, not buffered");
}

/* Child: write 40 entries in bursts, one line in two halves, exit. */
static void
follow_writer(const char *name)
{
	struct err e = ERR_INIT;
	struct logw w;
	const char *half1 = "{\"log\":\"last\\n\",\"stream\":";
	const char *half2 =
	    "\"stdout\",\"time\":\"2026-11-27T23:40:45Z\"}\n";
	char line[32];
	int i, fd;

	if (logw_open(&w, path(name), &e) < 0)
		_exit(1);
	for (i = 0; i < 40; i++) {
		logw_write(&w, 1 + i % 2, line, (size_t)snprintf(line,
		    sizeof(line), "f%d\n", i), &e);
		if (i % 10 == 9)
			usleep(i == 19 ? 300000 : 30000);
	}
	logw_close(&w, &e);
	fd = open(path(name), O_WRONLY | O_APPEND | O_CLOEXEC);
	if (write(fd, half1, strlen(half1)) != (ssize_t)strlen(half1))
		_exit(1);
	usleep(50000);
	if (write(fd, half2, strlen(half2)) != (ssize_t)strlen(half2))
		_exit(1);
	close(fd);
	_exit(0);
}

static void
test_follow(int no_inotify)
{
	struct err e = ERR_INIT;
	struct logr r;
	struct log_entry ent;
	char want[32];
	int stop[2], got = 0, ok = 1, stopped = 0, rc, wk, st, waits = 0;
	pid_t pid;

	unlink(path("follow.log"));
	raw("follow.log", "", 0);
	if (pipe2(stop, O_CLOEXEC) < 0)
		abort();
	logr_open(&r, path("follow.log"), &e);
	r.no_inotify = no_inotify;
	logr_tail(&r, 0, &e);
	pid = fork();
	if (pid == 0) {
		close(stop[0]);
		follow_writer("follow.log");
	}
	close(stop[1]);
	for (;;) {
		while ((rc = logr_next(&r, &ent, &e)) > 0) {
			if (got < 40)
				snprintf(want, sizeof(want), "f%d\n", got);
			else
				strcpy(want, "last\n");
			if (ent.len != strlen(want) ||
			    memcmp(ent.text, want, ent.len) != 0 ||
			    ent.stream != (got < 40 ? 1 + got % 2 : 1))
				ok = 0;
			got++;
		}
		if (rc < 0 || stopped)
			break;
		wk = logr_wait(&r, stop[0], 5000, &e);
		waits++;
		if (wk == LOGR_STOP)
			stopped = 1;
		else if (wk != LOGR_DATA)
			break;
	}
	waitpid(pid, &st, 0);
	CHECK(ok && got == 41 && stopped && r.skipped == 0 &&
	    logr_partial(&r) == 0,
	    "follow%s: 41 entries in order, stop after drain (%d, %d waits)",
	    no_inotify ? " (size polling)" : " (inotify)", got, waits);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "follow: writer ok");
	wk = logr_wait(&r, -1, 0, &e);
	CHECK(wk == LOGR_TIMEOUT, "follow: timeout 0 without data");
	raw("follow.log", "x", 1);
	CHECK(logr_wait(&r, -1, 1000, &e) == LOGR_DATA,
	    "follow: growth seen before sleeping");
	close(stop[0]);
	logr_close(&r);
}

static void
test_entry_write(void)
{
	struct err e = ERR_INIT;
	struct log_entry ent;
	int fo, fe;

	fo = open(path("o.txt"), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	fe = open(path("e.txt"), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	memset(&ent, 0, sizeof(ent));
	ent.stream = LOG_STDOUT;
	ent.ts.tv_sec = 1795909245;
	ent.ts.tv_nsec = 5000;
	ent.text = "hello\n";
	ent.len = 6;
	CHECK(log_entry_write(&ent, fo, fe, 1, &e) == 0, "output: stdout");
	ent.stream = LOG_STDERR;
	ent.text = "oops\n";
	ent.len = 5;
	log_entry_write(&ent, fo, fe, 0, &e);
	CHECK(log_entry_write(&ent, fo, -1, 0, &e) == 0,
	    "output: closed stream dropped");
	close(fo);
	close(fe);
	slurp("o.txt");
	CHECK(strcmp(out, "2026-11-28T23:40:45.000005000Z hello\n") == 0,
	    "output: fixed timestamp and a space (%s)", out);
	slurp("e.txt");
	CHECK(strcmp(out, "oops\n") == 0, "output: stderr without -t");
}

int
main(void)
{
	char cmd[96];

	strcpy(dir, "/tmp/logfile_test.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	alarm(60);
	test_time();
	test_split();
	test_long_lines();
	test_interleave();
	test_escaping();
	test_corrupt();
	test_partial();
	test_tail();
	test_follow(0);
	test_follow(1);
	test_entry_write();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		CHECK(0, "cleanup");
	return check_done();
}

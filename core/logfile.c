/* logfile.c - Docker json-file logs: line-splitting writer, lenient reader */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "logfile.h"

enum {
	READ_CHUNK = 64 * 1024,		/* first buffer size, tail block size */
	WATCH_MS = 1000,		/* recheck the size this often anyway */
	INO_NONE = -1,			/* inotify not tried yet */
	INO_FAILED = -2,		/* inotify unavailable: poll the size */
	INO_EVENTS = 4096,		/* buffer for draining inotify events */
};

static const char *const stream_names[] = { "stdout", "stderr" };

/*
 * Times.
 */

/* Days since 1970-01-01 of a proleptic Gregorian date (m 1..12). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int
leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
month_days(unsigned y, unsigned m)
{
	static const unsigned char days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Read exactly `n` digits at *s as a number; advance *s. -1 if not. */
static long
digits(const char **s, int n)
{
	long v = 0;

	while (n--) {
		if (**s < '0' || **s > '9')
			return -1;
		v = v * 10 + (*(*s)++ - '0');
	}
	return v;
}

static int
expect(const char **s, char c)
{
	if (**s != c)
		return -1;
	(*s)++;
	return 0;
}

size_t
log_time_format(const struct timespec *ts, int fixed, char *buf)
{
	struct tm tm;
	time_t t = ts->tv_sec;
	long ns = ts->tv_nsec;
	int n, k;

	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	n = snprintf(buf, LOG_TIME_MAX, "%04d-%02d-%02dT%02d:%02d:%02d",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	if (n < 0 || n > LOG_TIME_MAX - 12)
		n = LOG_TIME_MAX - 12;
	if (ns < 0 || ns > 999999999)
		ns = 0;
	if (fixed || ns) {
		buf[n++] = '.';
		for (k = 8; k >= 0; k--) {
			buf[n + k] = (char)('0' + ns % 10);
			ns /= 10;
		}
		n += 9;
		if (!fixed)
			while (buf[n - 1] == '0')
				n--;
	}
	buf[n++] = 'Z';
	buf[n] = '\0';
	return (size_t)n;
}

int
log_time_parse(const char *s, struct timespec *ts, struct err *e)
{
	const char *p = s;
	long y, mo, d, h, mi, sec, ns = 0, oh, om;
	int64_t t, off = 0;
	int nd, sign;

	y = digits(&p, 4);
	if (y < 0 || expect(&p, '-') < 0 || (mo = digits(&p, 2)) < 0 ||
	    expect(&p, '-') < 0 || (d = digits(&p, 2)) < 0)
		goto out;
	if (*p != 'T' && *p != 't')
		goto out;
	p++;
	if ((h = digits(&p, 2)) < 0 || expect(&p, ':') < 0 ||
	    (mi = digits(&p, 2)) < 0 || expect(&p, ':') < 0 ||
	    (sec = digits(&p, 2)) < 0)
		goto out;
	if (mo < 1 || mo > 12 || d < 1 ||
	    d > (long)month_days((unsigned)y, (unsigned)mo) || h > 23 ||
	    mi > 59 || sec > 59)
		goto out;
	if (*p == '.') {
		p++;
		for (nd = 0; *p >= '0' && *p <= '9'; nd++, p++) {
			if (nd == 9)
				goto out;
			ns = ns * 10 + (*p - '0');
		}
		if (nd == 0)
			goto out;
		for (; nd < 9; nd++)
			ns *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if ((oh = digits(&p, 2)) < 0 || expect(&p, ':') < 0 ||
		    (om = digits(&p, 2)) < 0 || oh > 23 || om > 59)
			goto out;
		off = sign * (oh * 3600 + om * 60);
	} else {
		goto out;
	}
	if (*p != '\0')
		goto out;
	t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + sec - off;
	ts->tv_sec = (time_t)t;
	ts->tv_nsec = ns;
	return 0;
out:
	return err_set(e, ERR_PARSE, "bad RFC 3339 time \"%.40s\"", s);
}

/*
 * Writer.
 */

/* pread() retrying on EINTR. */
static ssize_t
pread_some(int fd, void *buf, size_t len, uint64_t at)
{
	ssize_t n;

	do
		n = pread(fd, buf, len, (off_t)at);
	while (n < 0 && errno == EINTR);
	return n;
}


/* Write the `n` buffers of `iov` fully (they are modified). */
static int
writev_all(int fd, struct iovec *iov, int n, struct err *e)
{
	ssize_t w;
	size_t left;

	while (n > 0) {
		w = writev(fd, iov, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return err_sys(e, "write");
		if (w == 0)
			return err_set(e, EIO, "write: no progress");
		left = (size_t)w;
		while (n > 0 && left >= iov->iov_len) {
			left -= iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + left;
			iov->iov_len -= left;
		}
	}
	return 0;
}

/* Write one entry line for `len` bytes of stream index `s`. */
static int
emit(struct logw *w, int s, const char *text, size_t len, struct err *e)
{
	struct json_writer jw;
	struct timespec now;
	struct iovec iov[2];
	char tbuf[LOG_TIME_MAX], *line = NULL;
	size_t n;
	int ret = -1;

	if (clock_gettime(CLOCK_REALTIME, &now) < 0)
		return err_sys(e, "clock_gettime");
	log_time_format(&now, 0, tbuf);
	json_writer_init(&jw, 0);
	json_writer_begin_object(&jw);
	json_writer_key(&jw, "log");
	json_writer_stringn(&jw, text, len);
	json_writer_key(&jw, "stream");
	json_writer_string(&jw, stream_names[s]);
	json_writer_key(&jw, "time");
	json_writer_string(&jw, tbuf);
	json_writer_end_object(&jw);
	line = json_writer_finish(&jw, &n, e);
	if (!line)
		goto out;
	iov[0].iov_base = line;
	iov[0].iov_len = n;
	iov[1].iov_base = "\n";
	iov[1].iov_len = 1;
	ret = writev_all(w->fd, iov, 2, e);
out:
	free(line);
	json_writer_free(&jw);
	return ret;
}

/*
 * Where to cut a full buffer of `n` bytes: before a trailing UTF-8
 * sequence that is not complete yet, if there is one and it is not the
 * whole buffer; otherwise at `n`.
 */
static size_t
utf8_cut(const char *buf, size_t n)
{
	const unsigned char *p = (const unsigned char *)buf;
	size_t i = n, need;
	int k;

	for (k = 0; k < 4 && i > 0; k++)
		if ((p[--i] & 0xC0) != 0x80)
			break;
	if ((p[i] & 0xC0) == 0x80 || p[i] < 0xC2 || p[i] > 0xF4)
		return n;
	need = p[i] >= 0xF0 ? 4 : p[i] >= 0xE0 ? 3 : 2;
	if (n - i < need && i > 0)
		return i;
	return n;
}

int
logw_open(struct logw *w, const char *path, struct err *e)
{
	struct stat st;
	char last = '\n';
	ssize_t n;
	int ret = -1;

	memset(w->len, 0, sizeof(w->len));
	w->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC,
	    LOG_FILE_MODE);
	if (w->fd < 0)
		return err_sys(e, "%s", path);
	if (fstat(w->fd, &st) < 0) {
		err_sys(e, "%s", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(e, ERR_PARSE, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size > 0) {
		n = pread_some(w->fd, &last, 1, (uint64_t)st.st_size - 1);
		if (n < 0) {
			err_sys(e, "%s", path);
			goto out;
		}
	}
	if (last != '\n' && io_write_all(w->fd, "\n", 1, e) < 0) {
		err_ctx(e, "%s", path);
		goto out;
	}
	ret = 0;
out:
	if (ret < 0) {
		close(w->fd);
		w->fd = -1;
	}
	return ret;
}

int
logw_write(struct logw *w, int stream, const char *buf, size_t len,
    struct err *e)
{
	const char *nl;
	size_t n, room, cut;
	int s, ret = 0;

	if (stream != LOG_STDOUT && stream != LOG_STDERR)
		return err_set(e, ERR_USAGE, "log: bad stream %d", stream);
	s = stream - 1;
	while (len) {
		nl = memchr(buf, '\n', len);
		n = nl ? (size_t)(nl - buf) + 1 : len;
		room = LOG_LINE_MAX - w->len[s];
		if (n > room) {
			n = room;
			nl = NULL;
		}
		memcpy(w->buf[s] + w->len[s], buf, n);
		w->len[s] += n;
		buf += n;
		len -= n;
		if (nl) {
			if (emit(w, s, w->buf[s], w->len[s], e) < 0)
				ret = -1;
			w->len[s] = 0;
		} else if (w->len[s] == LOG_LINE_MAX) {
			cut = utf8_cut(w->buf[s], LOG_LINE_MAX);
			if (emit(w, s, w->buf[s], cut, e) < 0)
				ret = -1;
			memmove(w->buf[s], w->buf[s] + cut, LOG_LINE_MAX - cut);
			w->len[s] = LOG_LINE_MAX - cut;
		}
	}
	return ret;
}

int
logw_flush(struct logw *w, struct err *e)
{
	int s, ret = 0;

	for (s = 0; s < 2; s++) {
		if (w->len[s] && w->fd >= 0 &&
		    emit(w, s, w->buf[s], w->len[s], e) < 0)
			ret = -1;
		w->len[s] = 0;
	}
	return ret;
}

int
logw_close(struct logw *w, struct err *e)
{
	int ret;

	if (w->fd < 0)
		return 0;
	ret = logw_flush(w, e);
	if (close(w->fd) < 0 && ret == 0)
		ret = err_sys(e, "close log");
	w->fd = -1;
	return ret;
}

/*
 * Reader.
 */

static void
reader_init(struct logr *r, int fd)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->ino = INO_NONE;
}

int
logr_open(struct logr *r, const char *path, struct err *e)
{
	reader_init(r, -1);
	r->path = strdup(path);
	if (!r->path)
		return err_set(e, ENOMEM, "%s: out of memory", path);
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0)
		return err_sys(e, "%s", path);
	r->own_fd = 1;
	return 0;
}

void
logr_fdopen(struct logr *r, int fd)
{
	reader_init(r, fd);
}

/* Make the buffer at least `want` bytes (at most LOG_READ_MAX). */
static int
grow(struct logr *r, size_t want, struct err *e)
{
	size_t cap = r->cap ? r->cap : READ_CHUNK;
	char *p;

	while (cap < want)
		cap *= 2;
	if (cap > LOG_READ_MAX)
		cap = LOG_READ_MAX;
	if (cap <= r->cap)
		return 0;
	p = realloc(r->buf, cap);
	if (!p)
		return err_set(e, ENOMEM, "log: out of memory");
	r->buf = p;
	r->cap = cap;
	return 0;
}

int
logr_tail(struct logr *r, size_t n, struct err *e)
{
	struct stat st;
	uint64_t at, start = 0;
	size_t count = 0, blk, got, i;
	ssize_t k;

	if (grow(r, READ_CHUNK, e) < 0)
		return -1;
	if (fstat(r->fd, &st) < 0)
		return err_sys(e, "log tail");
	at = st.st_size > 0 ? (uint64_t)st.st_size : 0;
	while (at > 0) {
		blk = at < READ_CHUNK ? (size_t)at : READ_CHUNK;
		at -= blk;
		for (got = 0; got < blk; got += (size_t)k) {
			k = pread_some(r->fd, r->buf + got, blk - got,
			    at + got);
			if (k < 0)
				return err_sys(e, "log tail");
			if (k == 0)
				return err_set(e, EIO,
				    "log tail: file shrank");
		}
		for (i = blk; i-- > 0;) {
			if (r->buf[i] == '\n' && ++count > n) {
				start = at + i + 1;
				goto found;
			}
		}
	}
found:
	r->pos = start;
	r->off = r->len = 0;
	r->discard = 0;
	return 0;
}

/* Decode one line into *out (tree kept in r->cur). 0 if damaged. */
static int
parse_line(struct logr *r, const char *line, size_t n,
    struct log_entry *out)
{
	struct json_limits lim = { 0, 8, 0 };
	struct err e = ERR_INIT;
	struct json_value *v;
	const char *stream, *tm;
	int ret = 0;

	if (n == 0)
		return 0;
	lim.max_size = n;
	v = json_parse(line, n, &lim, &e);
	if (json_type(v) != JSON_OBJECT)
		goto out;
	out->text = json_strn(json_obj_get(v, "log"), &out->len);
	stream = json_str(json_obj_get(v, "stream"));
	tm = json_str(json_obj_get(v, "time"));
	if (!out->text || !stream || !tm)
		goto out;
	if (strcmp(stream, "stdout") == 0)
		out->stream = LOG_STDOUT;
	else if (strcmp(stream, "stderr") == 0)
		out->stream = LOG_STDERR;
	else
		goto out;
	if (log_time_parse(tm, &out->ts, &e) < 0)
		goto out;
	out->time = tm;
	r->cur = v;
	v = NULL;
	ret = 1;
out:
	json_free(v);
	return ret;
}

int
logr_next(struct logr *r, struct log_entry *out, struct err *e)
{
	char *nl;
	size_t n;
	ssize_t k;

	json_free(r->cur);
	r->cur = NULL;
	if (grow(r, READ_CHUNK, e) < 0)
		return -1;
	for (;;) {
		nl = memchr(r->buf + r->off, '\n', r->len - r->off);
		if (nl) {
			n = (size_t)(nl - (r->buf + r->off));
			if (r->discard) {
				r->discard = 0;
				r->skipped++;
			} else if (parse_line(r, r->buf + r->off, n, out)) {
				r->off += n + 1;
				return 1;
			} else {
				r->skipped++;
			}
			r->off += n + 1;
			continue;
		}
		if (r->discard)
			r->off = r->len;
		memmove(r->buf, r->buf + r->off, r->len - r->off);
		r->len -= r->off;
		r->off = 0;
		if (r->len == r->cap) {
			if (grow(r, r->cap + 1, e) < 0)
				return -1;
			if (r->len == r->cap) {
				/* Longer than LOG_READ_MAX: drop to '\n'. */
				r->discard = 1;
				r->len = 0;
			}
		}
		k = pread_some(r->fd, r->buf + r->len, r->cap - r->len,
		    r->pos);
		if (k < 0)
			return err_sys(e, "read log");
		if (k == 0)
			return 0;
		r->len += (size_t)k;
		r->pos += (uint64_t)k;
	}
}

size_t
logr_partial(const struct logr *r)
{
	return r->len - r->off;
}

/* 1 when the file holds bytes beyond what has been read. */
static int
grown(struct logr *r, struct err *e)
{
	struct stat st;

	if (fstat(r->fd, &st) < 0)
		return err_sys(e, "log");
	return st.st_size > 0 && (uint64_t)st.st_size > r->pos;
}

static void
watch(struct logr *r)
{
	if (r->ino != INO_NONE)
		return;
	r->ino = INO_FAILED;
	if (r->no_inotify || !r->path)
		return;
	r->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (r->ino < 0) {
		r->ino = INO_FAILED;
		return;
	}
	if (inotify_add_watch(r->ino, r->path, IN_MODIFY | IN_ATTRIB |
	    IN_CLOSE_WRITE | IN_MOVE_SELF | IN_DELETE_SELF) < 0) {
		close(r->ino);
		r->ino = INO_FAILED;
	}
}

/* Milliseconds left until `end`, or -1 (forever) when `forever`. */
static int
left_ms(const struct timespec *end, int forever)
{
	struct timespec now;
	int64_t ms;

	if (forever)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (int64_t)(end->tv_sec - now.tv_sec) * 1000 +
	    (end->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (int)ms;
}

int
logr_wait(struct logr *r, int stop_fd, int timeout_ms, struct err *e)
{
	char ev[INO_EVENTS];
	struct pollfd pf[2];
	struct timespec end;
	int n, g, step, left, cap;

	watch(r);
	clock_gettime(CLOCK_MONOTONIC, &end);
	if (timeout_ms > 0) {
		end.tv_sec += timeout_ms / 1000;
		end.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
		if (end.tv_nsec >= 1000000000) {
			end.tv_sec++;
			end.tv_nsec -= 1000000000;
		}
	}
	cap = r->ino >= 0 ? WATCH_MS : LOGR_POLL_MS;
	for (;;) {
		if ((g = grown(r, e)) != 0)
			return g < 0 ? -1 : LOGR_DATA;
		left = left_ms(&end, timeout_ms < 0);
		step = left < 0 || left > cap ? cap : left;
		pf[0].fd = stop_fd;
		pf[0].events = POLLIN;
		pf[0].revents = 0;
		pf[1].fd = r->ino;
		pf[1].events = POLLIN;
		pf[1].revents = 0;
		n = poll(pf, 2, step);
		if (n < 0 && errno == EINTR)
			return LOGR_TIMEOUT;
		if (n < 0)
			return err_sys(e, "log: poll");
		if (stop_fd >= 0 && pf[0].revents)
			return LOGR_STOP;
		if (r->ino >= 0 && pf[1].revents) {
			while (read(r->ino, ev, sizeof(ev)) > 0)
				;
			return LOGR_DATA;
		}
		if (timeout_ms >= 0 && left_ms(&end, 0) == 0) {
			g = grown(r, e);
			return g < 0 ? -1 : g ? LOGR_DATA : LOGR_TIMEOUT;
		}
	}
}

void
logr_close(struct logr *r)
{
	json_free(r->cur);
	r->cur = NULL;
	free(r->buf);
	r->buf = NULL;
	r->cap = r->off = r->len = 0;
	free(r->path);
	r->path = NULL;
	if (r->ino >= 0)
		close(r->ino);
	r->ino = INO_NONE;
	if (r->own_fd && r->fd >= 0)
		close(r->fd);
	r->own_fd = 0;
	r->fd = -1;
}

int
log_entry_write(const struct log_entry *ent, int out_fd, int err_fd,
    int timestamps, struct err *e)
{
	struct iovec iov[2];
	char tbuf[LOG_TIME_MAX + 1];
	int fd = ent->stream == LOG_STDERR ? err_fd : out_fd, n = 0;
	size_t tl;

	if (fd < 0)
		return 0;
	if (timestamps) {
		tl = log_time_format(&ent->ts, 1, tbuf);
		tbuf[tl++] = ' ';
		iov[n].iov_base = tbuf;
		iov[n++].iov_len = tl;
	}
	iov[n].iov_base = (void *)ent->text;
	iov[n++].iov_len = ent->len;
	return writev_all(fd, iov, n, e);
}

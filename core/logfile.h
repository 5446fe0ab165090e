/* logfile.h - container logs in Docker's json-file format: writer, reader
 *
 * A container's stdout and stderr are kept as Docker's json-file log driver
 * keeps them: one JSON object per line,
 *
 *	{"log":"text\n","stream":"stdout","time":"2026-11-27T23:40:45.1234Z"}
 *
 * The writer (struct logw) splits each stream at newlines: every complete
 * line becomes one entry whose text ends in "\n". A line longer than
 * LOG_LINE_MAX bytes is cut into entries of at most LOG_LINE_MAX bytes
 * without "\n" (Docker's 16 KiB copier buffer), and logw_flush() writes
 * what is left of an unfinished line the same way (as Docker does when the
 * container's stream closes). Unlike Docker, a cut never splits a UTF-8
 * sequence when it can be avoided (the cut moves back to the sequence's
 * first byte), so both halves stay readable.
 *
 * "time" is the UTC wall-clock time the entry was written, in Go's
 * time.RFC3339Nano layout (fraction of a second with trailing zeros
 * removed, no fraction at all for a whole second), which is what Docker
 * writes.
 *
 * Text is escaped by core/json's writer: '"' and '\\' get a backslash,
 * control characters become \n \t ... or \u00XX, and every byte that is not
 * part of well-formed UTF-8 is replaced by U+FFFD (written as its three
 * UTF-8 bytes), as Go's encoding/json does: the log keeps invalid bytes
 * readable but not exactly. Docker additionally escapes '<', '>', '&',
 * U+2028 and U+2029 as \u00XX; we write them as they are, which reads back
 * the same.
 *
 * The reader (struct logr) returns entries in file order. It is lenient
 * where a log may legitimately be damaged: a line that is not a JSON object
 * with a string "log", a "stream" of "stdout" or "stderr" and an RFC 3339
 * "time" is skipped and counted in logr.skipped (a monitor killed in the
 * middle of a write leaves half a line; the next writer to open the file
 * ends that line first, so only the damaged entry is lost). Other members
 * (Docker's "attrs") are ignored. A last line without its newline is never
 * returned: logr_next() treats it as not yet complete, so a follower
 * returns it once the writer has finished it, and a reader that stops at
 * the end leaves it unread (logr_partial() says how long it is).
 *
 * Memory: the writer holds two LOG_LINE_MAX buffers inside its struct; the
 * reader's buffer grows to the longest line, at most LOG_READ_MAX bytes
 * (a longer line is skipped as damaged, without buffering it).
 */
#ifndef ROCKER_LOGFILE_H
#define ROCKER_LOGFILE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "json.h"

/* Stream numbers, equal to the file descriptor numbers. */
enum log_stream {
	LOG_STDOUT = 1,
	LOG_STDERR = 2,
};

enum {
	LOG_LINE_MAX = 16384,		/* longest text of one entry */
	LOG_READ_MAX = 1 << 20,		/* longest line the reader accepts */
	LOG_TIME_MAX = 40,		/* buffer size for log_time_format() */
	LOG_FILE_MODE = 0640,		/* mode of a log file it creates */
};

/*
 * Times.
 */

/*
 * Format `ts` (seconds since the epoch, 0 <= tv_nsec < 1e9) as UTC RFC 3339
 * into `buf` (at least LOG_TIME_MAX bytes), NUL-terminated:
 * "2026-11-27T23:40:45.12Z". `fixed` zero gives Go's time.RFC3339Nano
 * (trailing zeros of the fraction dropped, no fraction for a whole
 * second: the layout of the "time" member); nonzero gives Docker's
 * RFC3339NanoFixed (always nine digits: what `docker logs -t` prints).
 * Meant for years 0000..9999. Returns the length.
 */
size_t log_time_format(const struct timespec *ts, int fixed, char *buf);

/*
 * Parse an RFC 3339 date-time, "YYYY-MM-DDTHH:MM:SS[.F]" followed by "Z" or
 * "+HH:MM"/"-HH:MM" (case of 'T' and 'Z' ignored, 1 to 9 fraction digits),
 * the whole NUL-terminated `s`, into *ts (seconds since the epoch, UTC).
 * Leap seconds (":60") are refused. Returns 0, or -1 with `e` set
 * (ERR_PARSE) and *ts untouched.
 */
int log_time_parse(const char *s, struct timespec *ts, struct err *e);

/*
 * Writer.
 */

/*
 * Caller-allocated writer state (about 32 KiB). Fields are private except
 * `fd`, which the caller may read (e.g. to fsync it).
 */
struct logw {
	int fd;				/* the log file, -1 when closed */
	size_t len[2];			/* bytes buffered per stream */
	char buf[2][LOG_LINE_MAX];	/* unfinished line per stream */
};

/*
 * Open (creating it with mode LOG_FILE_MODE if needed) the log file `path`
 * for appending (O_RDWR | O_APPEND | O_CLOEXEC) and initialise `w`. When
 * the file does not end in a newline (an earlier writer died mid-line), a
 * newline is appended first, so that the damaged line stays one line the
 * reader skips.
 * Returns 0, or -1 with `e` set ("PATH: cause"); `w` is then closed (safe to
 * logw_close()). On success close it with logw_close().
 */
int logw_open(struct logw *w, const char *path, struct err *e);

/*
 * Add `len` bytes at `buf` (may be NULL when `len` is 0; any bytes,
 * including NUL) to stream `stream` (LOG_STDOUT or LOG_STDERR). Every line
 * completed by them, and every LOG_LINE_MAX bytes of a line that long, is
 * written at once as one entry (one write(2) call per entry, so concurrent
 * appenders never interleave within a line); the rest waits in `w` for
 * more. Returns 0, or -1 with `e` set: ERR_USAGE for a bad stream, the
 * errno of a failed write (the entry is lost; later calls try again).
 */
int logw_write(struct logw *w, int stream, const char *buf, size_t len,
	struct err *e);

/*
 * Write the unfinished line of each stream, if any, as an entry without
 * "\n" (stdout first). Call it when a stream ends. Returns 0 or -1 with
 * `e` set; the buffers are emptied either way.
 */
int logw_flush(struct logw *w, struct err *e);

/*
 * Flush (as logw_flush()) and close the file. Safe on a closed writer and
 * on one whose logw_open() failed. Returns 0, or -1 with `e` set when the
 * flush or close(2) failed; the writer is closed either way.
 */
int logw_close(struct logw *w, struct err *e);

/*
 * Reader.
 */

/* One entry, as returned by logr_next(). */
struct log_entry {
	int stream;		/* LOG_STDOUT or LOG_STDERR */
	struct timespec ts;	/* parsed "time", seconds since the epoch */
	const char *time;	/* "time" as stored, NUL-terminated */
	const char *text;	/* "log" decoded: `len` bytes, then a NUL */
	size_t len;		/* (the text may itself contain NULs) */
};

/*
 * Caller-allocated reader state. The fields the caller may read:
 *   skipped: damaged lines skipped so far (not counting an unfinished last
 *     line, see logr_partial());
 *   no_inotify: set to 1 before logr_wait() to make it poll the file's
 *     size every LOGR_POLL_MS instead of using inotify (tests use this; the
 *     reader falls back by itself when inotify is unavailable).
 * Everything else is private.
 */
struct logr {
	int fd;			/* the log file */
	int own_fd;		/* logr_close() closes fd */
	char *path;		/* for inotify; NULL after logr_fdopen() */
	char *buf;		/* line buffer, owned */
	size_t cap, off, len;	/* buffer size; unread bytes are off..len */
	uint64_t pos;		/* file offset of buf[len] */
	int discard;		/* dropping an over-long line up to its '\n' */
	unsigned long skipped;
	int no_inotify;
	int ino;		/* inotify fd, -1 none, -2 unavailable */
	struct json_value *cur;	/* tree of the last entry returned */
};

enum {
	LOGR_POLL_MS = 200,	/* size poll interval without inotify */
};

/*
 * Open the log file `path` for reading from its beginning. Returns 0, or -1
 * with `e` set ("PATH: cause"; code ENOENT for a missing file). Release
 * with logr_close() in either case.
 */
int logr_open(struct logr *r, const char *path, struct err *e);

/*
 * Like logr_open() on an open file descriptor `fd` (borrowed: logr_close()
 * leaves it open). The reader uses pread(2) from offset 0 and never moves
 * the fd's own offset. logr_wait() then polls the size instead of using
 * inotify. Cannot fail (the buffer is allocated by the first read).
 */
void logr_fdopen(struct logr *r, int fd);

/*
 * Position `r` so that the following logr_next() calls return the last `n`
 * complete lines of the file (all of them when there are fewer; none but
 * those appended later when `n` is 0). Lines are counted, not entries: a
 * damaged line among the last `n` is skipped, so fewer than `n` entries
 * may come back. Reads the file backwards from its end in blocks until
 * it has seen n + 1 newlines, so the cost is proportional to the tail, not
 * the file. Call it right after opening. Returns 0 or -1 with `e` set.
 */
int logr_tail(struct logr *r, size_t n, struct err *e);

/*
 * Read the next entry into *out. Returns 1 with *out filled (its strings
 * belong to `r` and stay valid until the next logr_next() or logr_close()),
 * 0 at the end of the data currently in the file (call again, e.g. after
 * logr_wait(), to see entries written since), or -1 with `e` set when
 * reading fails. Damaged lines are skipped (see above), never an error.
 */
int logr_next(struct logr *r, struct log_entry *out, struct err *e);

/* Bytes of an unfinished last line that logr_next() has held back. */
size_t logr_partial(const struct logr *r);

/* What logr_wait() saw. */
enum logr_wake {
	LOGR_TIMEOUT = 0,	/* timeout (or a signal interrupted poll) */
	LOGR_DATA = 1,		/* the file may have grown: call logr_next() */
	LOGR_STOP = 2,		/* stop_fd is readable, hung up or failed */
};

/*
 * Follow mode: after logr_next() returned 0, wait until the file grows,
 * `stop_fd` (-1 for none) becomes readable or hangs up (a pidfd of the
 * container's process, the read end of a pipe whose writer is the
 * monitor, ...), or `timeout_ms` milliseconds pass (-1: no timeout).
 * Uses inotify on the file when it can; otherwise (and with no_inotify set,
 * or after logr_fdopen()) checks the size every LOGR_POLL_MS. Growth is
 * checked before sleeping, so data written before the call is never
 * waited for. After LOGR_STOP, call logr_next() until it returns 0 to
 * drain what was written before the stop. Truncation or replacement of
 * the file is not noticed.
 * Returns an enum logr_wake value, or -1 with `e` set (poll(2) failed).
 */
int logr_wait(struct logr *r, int stop_fd, int timeout_ms, struct err *e);

/* Release everything `r` holds. Safe on a zeroed struct and twice. */
void logr_close(struct logr *r);

/*
 * Output as `docker logs` does it: write the text of `ent` to `out_fd`
 * (stdout entries) or `err_fd` (stderr entries), preceded, when
 * `timestamps` is nonzero, by its time in the fixed nine-digit layout and
 * a space. Entries of a stream whose fd is -1 are dropped. Returns 0, or -1
 * with `e` set when the write fails (EPIPE when the reader went away, if
 * the caller ignores SIGPIPE).
 */
int log_entry_write(const struct log_entry *ent, int out_fd, int err_fd,
	int timestamps, struct err *e);

#endif

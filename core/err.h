/* err.h - error reports passed up through core/ with context added at each level
 *
 * Every fallible core/ function takes a `struct err *e` as its last argument,
 * returns -1 (or NULL) on failure and fills `e`. Callers add context with
 * err_ctx() on the way up, so the final message reads "outer: inner: cause".
 * The message lives in a fixed buffer: reporting an error never allocates.
 */
#ifndef ROCKER_ERR_H
#define ROCKER_ERR_H

#include <stdarg.h>

enum {
	ERR_MSG_MAX = 512,
};

/* Error kinds other than errno values (stored negative in err.code). */
enum err_kind {
	ERR_GENERIC = -1,	/* plain failure without errno */
	ERR_PARSE = -2,		/* malformed input */
	ERR_LIMIT = -3,		/* input exceeds a size/depth/count budget */
	ERR_USAGE = -4,		/* bad command-line usage */
	ERR_PROTO = -5,		/* peer broke a protocol */
	ERR_AUTH = -6,		/* authentication refused */
	ERR_DIGEST = -7,	/* content does not match its digest */
	ERR_NOTFOUND = -8,	/* named thing does not exist */
	ERR_NOCMD = -9,		/* a container's command does not exist */
	ERR_NOEXEC = -10,	/* it exists but cannot be executed */
};

/*
 * code: 0 when no error; errno (> 0) for system errors; enum err_kind (< 0).
 * msg: NUL-terminated, no program name and no trailing newline.
 */
struct err {
	int code;
	char msg[ERR_MSG_MAX];
};

#define ERR_INIT { 0, "" }

/*
 * Set `e` to code `code` and the formatted message (replacing any earlier
 * message). `e` must not be NULL. Returns -1, so callers can write
 * `return err_set(e, ERR_PARSE, "bad %s", x);`.
 */
int err_set(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Like err_set() with code = errno, appending ": strerror(errno)". errno is
 * read before formatting. Returns -1.
 */
int err_sys(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Prefix the existing message with the formatted context and ": ". The code
 * is kept. Truncates (never overflows) when the result exceeds ERR_MSG_MAX.
 * Returns -1.
 */
int err_ctx(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Reset `e` to "no error". */
void err_clear(struct err *e);

#endif

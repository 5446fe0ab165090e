/* json.h - strict RFC 8259 JSON parser, lookup helpers and writer
 *
 * The parser reads untrusted documents (registry manifests and image
 * configs, state files, the config file) into a read-only tree. It accepts
 * exactly RFC 8259 and nothing more:
 *
 *  - one value, surrounded only by space, tab, LF and CR;
 *  - no comments, trailing commas, single quotes, NaN/Infinity, leading
 *    '+' or leading zeros;
 *  - the whole input must be well-formed UTF-8: overlong forms, UTF-16
 *    surrogates encoded in UTF-8, code points above U+10FFFF and truncated
 *    sequences are errors;
 *  - strings may not contain raw U+0000..U+001F; every escape is checked;
 *    "\u" escapes for U+D800..U+DFFF must form a high-low surrogate pair,
 *    and a lone or mismatched surrogate is an error (so every decoded string
 *    is valid UTF-8);
 *  - a leading UTF-8 byte order mark is an error (RFC 8259 section 8.1 lets
 *    parsers ignore it; registries never send one, so we refuse it rather
 *    than guess);
 *  - an object with two members of the same key (compared byte for byte
 *    after decoding escapes) is an error: an ambiguous manifest could be
 *    read one way by us and another way by the registry or a verifier.
 *
 * Numbers of any magnitude and precision are accepted and kept as their
 * original text; json_int() and json_double() convert on demand.
 *
 * Error messages look like
 *	"json: line 3 column 7: expected ':' after object key"
 * Lines count LF characters from 1, columns count bytes from 1.
 *
 * The writer produces JSON into a growable heap buffer with a sticky error:
 * calls after a failure do nothing and json_writer_finish() reports it.
 */
#ifndef ROCKER_JSON_H
#define ROCKER_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* The kind of a value; JSON_NONE is what json_type() says of NULL. */
enum json_type {
	JSON_NONE = 0,
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

/* Defaults that a zero field of struct json_limits stands for. */
enum {
	JSON_DEFAULT_MAX_SIZE = 4 << 20,	/* 4 MiB of input */
	JSON_DEFAULT_MAX_DEPTH = 128,		/* nested arrays/objects */
	JSON_DEFAULT_MAX_NODES = 1 << 20,	/* values plus object keys */
};

/*
 * Budgets for one json_parse() call. A zero field means its default.
 *
 * max_size: longest accepted input in bytes (ERR_LIMIT beyond).
 * max_depth: deepest accepted nesting of arrays and objects; a scalar at
 *   the top is depth 0, "[]" is depth 1. The parser is iterative, so this
 *   bounds memory, not stack use.
 * max_nodes: most values plus object keys in the document. The tree costs
 *   24 bytes per node (on LP64) plus at most max_size + 1 bytes of text,
 *   and parsing needs about 32 bytes per pending node on top.
 */
struct json_limits {
	size_t max_size;
	unsigned max_depth;
	size_t max_nodes;
};

/* A node of a parsed tree. Opaque: use the accessors below. */
struct json_value;

/*
 * Parse `len` bytes at `buf` as one JSON document.
 *
 * `buf` need not be NUL-terminated and may contain any bytes; it may be
 * NULL only when `len` is 0. It is not referenced after the call returns (all strings and numbers are copied
 * into the tree). `lim` may be NULL for all defaults.
 *
 * Returns the root of a new tree, owned by the caller and released with
 * json_free(root). All values, keys and strings reachable from the root live
 * exactly as long as the root. On failure returns NULL and sets `e`: code
 * ERR_PARSE for malformed input (the message gives line and column),
 * ERR_LIMIT when a budget of `lim` is exceeded, ENOMEM when out of memory.
 */
struct json_value *json_parse(const char *buf, size_t len,
	const struct json_limits *lim, struct err *e);

/*
 * Free a tree returned by json_parse(). `root` must be that root (not an
 * inner value) or NULL, which does nothing. Every pointer obtained from the
 * tree becomes invalid.
 */
void json_free(struct json_value *root);

/* The type of `v`; JSON_NONE when `v` is NULL. */
enum json_type json_type(const struct json_value *v);

/*
 * Look up a dotted path below `root`: "config.Env", "manifests.0.digest".
 * Each '.'-separated segment is a key when the current value is an object
 * (bytes compared exactly, so a key cannot contain '.': use json_obj_get())
 * or a decimal index without sign or leading zeros when it is an array.
 * The empty path names `root` itself; an empty segment names the key "".
 *
 * Returns the value found, which lives as long as the tree, or NULL when
 * `root` or `path` is NULL, a key or index is absent, or a value along the
 * way is not a container of the right kind.
 */
const struct json_value *json_get(const struct json_value *root,
	const char *path);

/*
 * The member of object `obj` whose key equals the NUL-terminated `key`
 * (a key containing U+0000 never matches). NULL if `obj` is NULL or not an
 * object, if `key` is NULL, or if there is no such member. A linear scan:
 * to visit every member, iterate with json_key_at()/json_val_at().
 */
const struct json_value *json_obj_get(const struct json_value *obj,
	const char *key);

/*
 * Number of elements of an array or members of an object; 0 for any other
 * value and for NULL.
 */
size_t json_len(const struct json_value *v);

/* Element `i` of array `arr`; NULL if `arr` is not an array or i >= len. */
const struct json_value *json_at(const struct json_value *arr, size_t i);

/*
 * Key (a JSON_STRING value, read it with json_str()) and value of member
 * `i` of object `obj`, in document order. NULL if `obj` is not an object or
 * i >= json_len(obj).
 */
const struct json_value *json_key_at(const struct json_value *obj,
	size_t i);
const struct json_value *json_val_at(const struct json_value *obj,
	size_t i);

/*
 * The NUL-terminated text of string `v`, living as long as the tree. NULL
 * when `v` is NULL or not a string, and also when the string contains
 * U+0000 (from "\u0000"), so that C string handling can never silently see
 * a truncated value; use json_strn() to read such strings.
 */
const char *json_str(const struct json_value *v);

/*
 * The bytes of string `v` (valid UTF-8, NUL-terminated, possibly with
 * embedded NULs) and, if `len` is not NULL, their count in *len. NULL (and
 * *len = 0) when `v` is NULL or not a string.
 */
const char *json_strn(const struct json_value *v, size_t *len);

/* Length in bytes of string `v`; 0 when `v` is NULL or not a string. */
size_t json_str_len(const struct json_value *v);

/*
 * The original text of number `v` (NUL-terminated, e.g. "-1.5e3"), living
 * as long as the tree; NULL when `v` is NULL or not a number.
 */
const char *json_num_text(const struct json_value *v);

/*
 * Convert number `v` to an exact 64-bit integer in *out. Only integer
 * syntax qualifies: a fraction or exponent ("1.0", "1e2") is an error even
 * when the value is whole. Returns 0, or -1 with `e` set (ERR_PARSE when
 * `v` is NULL or not an integer number, ERR_LIMIT when it does not fit in
 * int64_t); *out is untouched on failure.
 */
int json_int(const struct json_value *v, int64_t *out, struct err *e);

/*
 * Convert number `v` to the nearest double in *out, with strtod() (the
 * decimal point is always '.': rocker never calls setlocale() and musl's
 * strtod ignores the locale; should a caller change LC_NUMERIC anyway, the
 * conversion fails rather than return a wrong value). Values too small
 * underflow towards 0. Returns
 * 0, or -1 with `e` set (ERR_PARSE when `v` is NULL or not a number,
 * ERR_LIMIT when the magnitude overflows a double); *out is untouched on
 * failure.
 */
int json_double(const struct json_value *v, double *out, struct err *e);

/* 1 if `v` is the literal true; 0 for false, any other value and NULL. */
int json_bool(const struct json_value *v);

/* 1 if `v` is the literal null; 0 otherwise, including when `v` is NULL
 * (an absent member is not a null one). */
int json_is_null(const struct json_value *v);

/*
 * Writer.
 *
 * Usage:
 *	struct json_writer w;
 *	json_writer_init(&w, 1);
 *	json_writer_begin_object(&w);
 *	json_writer_key(&w, "Env");
 *	json_writer_begin_array(&w);
 *	json_writer_string(&w, "PATH=/bin");
 *	json_writer_end_array(&w);
 *	json_writer_end_object(&w);
 *	buf = json_writer_finish(&w, &len, e);
 *	json_writer_free(&w);
 *
 * The writer inserts commas and colons itself. Compact mode emits no
 * whitespace at all. Pretty mode is Go's json.MarshalIndent(v, "", "\t"):
 * one member or element per line, indented by one tab per level, a space
 * after each ':', empty containers as "{}" and "[]", no trailing newline.
 *
 * Strings are escaped minimally: '"' and '\\' get a backslash, control
 * characters use \b \f \n \r \t or \u00XX (lower-case hex), everything else
 * (including '/', DEL, U+2028 and U+2029) passes through unchanged. Well-
 * formed UTF-8 is copied as is; every byte that does not start a well-formed
 * UTF-8 sequence (per the same rules as the parser) is replaced by U+FFFD,
 * as Go's encoding/json does, so the output is always valid JSON and valid
 * UTF-8. Keys are written the same way.
 *
 * Errors are sticky: the first failure (out of memory, a non-finite
 * double, or a call sequence that would not give one valid JSON value, such
 * as a value in an object without a key, mismatched end, a second top-level
 * value or nesting deeper than JSON_WRITER_MAX_DEPTH) is remembered, every
 * later call does nothing, and json_writer_finish() reports it.
 */
enum {
	JSON_WRITER_MAX_DEPTH = 1024,
};

/* Caller-allocated writer state. Fields are private. */
struct json_writer {
	char *buf;		/* output, owned by the writer until finish */
	size_t len, cap;
	int pretty;
	int code;		/* sticky error: 0, ENOMEM, ERR_LIMIT, ... */
	const char *why;	/* its message (static string) */
	unsigned depth;		/* open containers */
	int first;		/* nothing written yet in the open container */
	int key_pending;	/* a key awaits its value */
	int done;		/* the top-level value is complete */
	unsigned char is_obj[JSON_WRITER_MAX_DEPTH / 8];
};

/*
 * Initialise `w` (not NULL) as an empty writer; `pretty` nonzero selects
 * pretty mode. Allocates nothing. Any earlier content of `w` is overwritten,
 * not freed.
 */
void json_writer_init(struct json_writer *w, int pretty);

/*
 * Release the buffer held by `w` and leave it zeroed. Safe on a zeroed
 * writer, an initialised one, and after json_writer_finish().
 */
void json_writer_free(struct json_writer *w);

/* Open and close an object or an array. */
void json_writer_begin_object(struct json_writer *w);
void json_writer_end_object(struct json_writer *w);
void json_writer_begin_array(struct json_writer *w);
void json_writer_end_array(struct json_writer *w);

/*
 * Write the key of the next object member: NUL-terminated `key`, or `len`
 * bytes at `key` (which may contain NULs). `key` must not be NULL (a NULL
 * key is a sticky error). The bytes are copied; they need not outlive the
 * call.
 */
void json_writer_key(struct json_writer *w, const char *key);
void json_writer_keyn(struct json_writer *w, const char *key, size_t len);

/*
 * Write a string value: NUL-terminated `s`, or `len` bytes at `s` (which
 * may contain NULs, written as \u0000). A NULL `s` writes null.
 */
void json_writer_string(struct json_writer *w, const char *s);
void json_writer_stringn(struct json_writer *w, const char *s, size_t len);

/* Write a number in decimal. */
void json_writer_int(struct json_writer *w, int64_t n);
void json_writer_uint(struct json_writer *w, uint64_t n);

/*
 * Write a double as the shortest "%.{15,16,17}g" text that reads back as
 * the same value. NaN and infinities are a sticky error (JSON has none).
 */
void json_writer_double(struct json_writer *w, double d);

/* Write true/false (`b` nonzero is true) or null. */
void json_writer_bool(struct json_writer *w, int b);
void json_writer_null(struct json_writer *w);

/*
 * Write `len` bytes of pre-serialised JSON at `json` as one value, verbatim
 * (pretty mode does not reindent it). The text is NOT checked: the caller
 * guarantees it is exactly one valid JSON value, e.g. input that
 * json_parse() accepted or the output of another writer. A NULL `json` or
 * `len` 0 is a sticky error.
 */
void json_writer_raw(struct json_writer *w, const char *json, size_t len);

/*
 * Write a whole parsed value `v` (object keys in their order, numbers as
 * their original text). A NULL `v` writes null. Recursive, but never
 * deeper than JSON_WRITER_MAX_DEPTH.
 */
void json_writer_value(struct json_writer *w, const struct json_value *v);

/*
 * Finish writing. Checks that exactly one complete value was written and
 * that no error stuck. Returns the output, NUL-terminated, with its length
 * (without the NUL) in *len if `len` is not NULL; the buffer then belongs
 * to the caller (release with free()) and `w` is left empty, as after
 * json_writer_free(). On failure returns NULL with `e` set (ENOMEM,
 * ERR_LIMIT for too deep nesting, ERR_GENERIC for misuse) and keeps the
 * buffer in `w` for json_writer_free().
 */
char *json_writer_finish(struct json_writer *w, size_t *len, struct err *e);

#endif

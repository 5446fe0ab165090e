/* envfile.h - the container environment: --env-file, -e and image Env
 *
 * Docker builds a container's environment from the image's Env, then each
 * --env-file in order, then each -e in order; a later "KEY=..." replaces
 * an earlier one with the same KEY. Run does the same with
 * env_lookup_merge(): image Env first, then the entries of every file
 * parsed with envfile_parse(), then the -e values.
 *
 * An environment vector here is a heap array of heap "KEY=value" strings,
 * NULL-terminated as well as counted, owned by whoever holds it and
 * released with env_free().
 */
#ifndef ROCKER_ENVFILE_H
#define ROCKER_ENVFILE_H

#include <stddef.h>

#include "err.h"

/*
 * Parse an env file (`len` bytes at `buf`, borrowed) as Docker's
 * --env-file does:
 *
 *  - lines end at LF; one CR before the LF is dropped; a UTF-8 byte order
 *    mark at the very start is skipped;
 *  - leading white space is trimmed; then empty lines and lines starting
 *    with '#' are skipped;
 *  - "KEY=VALUE": the value is taken literally (no quotes, no trimming,
 *    no expansion, may be empty);
 *  - "KEY" alone: "KEY=<value>" when KEY is set in rocker's environment
 *    (getenv), else the line is dropped;
 *  - errors (ERR_PARSE, with the line number): a name containing a space
 *    or tab ("poorly formatted environment: variable 'X Y' contains
 *    whitespaces"), an empty name ("... no variable name on line '=x'"),
 *    a line that is not valid UTF-8 or holds a NUL byte.
 *
 * On success *out is a new environment vector of *n entries (caller frees
 * with env_free()); on failure *out is NULL and *n 0. Returns 0 or -1.
 */
int envfile_parse(const char *buf, size_t len, char ***out, size_t *n,
    struct err *e);

/*
 * Merge `nadd` entries at `add` (borrowed; may be NULL when nadd is 0)
 * into the environment vector *env of *n entries (*env may be NULL when
 * *n is 0), in order, as Docker merges -e into the image's Env:
 *
 *  - "KEY=value" replaces the entry with the same KEY (at its place;
 *    further duplicates of KEY are removed) or is appended;
 *  - "KEY" (no '='): when KEY is set in rocker's environment, as
 *    "KEY=<its value>"; else KEY is removed from *env (Docker's
 *    `-e KEY` with KEY unset drops the image's KEY too).
 *
 * An entry with an empty KEY ("=x", "") is an ERR_USAGE error "invalid
 * environment variable: =x"; all entries are checked before *env
 * changes. *env may be reallocated. On an allocation failure (ENOMEM) *env
 * is still a valid vector, possibly partly merged. Returns 0 or -1.
 */
int env_lookup_merge(char ***env, size_t *n, char *const *add, size_t nadd,
    struct err *e);

/* The value of `key` in the NULL-terminated `env` (first match), pointing
 * into `env`; NULL when absent or when `env` is NULL. */
const char *env_get(char *const *env, const char *key);

/* Free a NULL-terminated environment vector and its strings. NULL is
 * fine. */
void env_free(char **env);

#endif

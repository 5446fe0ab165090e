/* user.h - resolve `-u user[:group]` and --group-add inside a container
 *
 * Docker's rules (moby/sys/user GetExecUser and the daemon's getUser):
 *
 *  - the spec is "user", "user:group" or ":group" (anything after a second
 *    ':' is ignored); NULL or "" means uid 0;
 *  - a user or group of decimal digits is an id and need not exist in the
 *    files (ids from 0 to USER_ID_MAX); a name must exist ("unable to find
 *    user NAME: no matching entries in passwd file", "unable to find group
 *    NAME: no matching entries in group file");
 *  - the user's passwd entry (by name, or the first with that uid) gives
 *    the gid and home; without one the gid is 0 (unless a group is given)
 *    and the home "/";
 *  - supplementary groups: the primary gid first, then, only when no group
 *    was given, every /etc/group entry listing the user's name, then the
 *    extra groups (--group-add: names that must exist in /etc/group, or
 *    numeric ids). Duplicates are dropped.
 *
 * The container rootfs is untrusted. Its etc/passwd and etc/group are
 * opened beneath a directory fd with openat2(RESOLVE_IN_ROOT), so every
 * symlink resolves as it would inside the container; on kernels without
 * openat2, etc/ and the file are opened with O_NOFOLLOW and a symlink at
 * either is treated as an absent file. A missing or non-regular file has no
 * entries; a file above USER_FILE_MAX bytes is an error. Malformed lines,
 * comments and NIS ("+"/"-") lines are skipped.
 */
#ifndef ROCKER_USER_H
#define ROCKER_USER_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum {
	USER_FILE_MAX = 4 << 20,	/* largest etc/passwd, etc/group */
	USER_ID_MAX = 2147483647,	/* Docker's range for ids in a spec */
};

/* The identity to run as. `gids` is heap memory owned by the struct. */
struct user_ids {
	uint32_t uid, gid;
	uint32_t *gids;		/* supplementary groups, gids[0] == gid */
	size_t ngids;
	char home[PATH_MAX];	/* for HOME when the image sets none */
};

/* One etc/passwd line: name:password:uid:gid:gecos:home:shell. */
struct user_passwd {
	char *name;
	uint32_t uid, gid;
	char *home;		/* "" when the field is missing */
};

/* One etc/group line: name:password:gid:member,member... */
struct user_group {
	char *name;
	uint32_t gid;
	char **members;
	size_t nmembers;
};

/* Parsed files. Every pointer is heap memory owned by the struct. */
struct user_db {
	struct user_passwd *pw;
	size_t npw;
	struct user_group *gr;
	size_t ngr;
};

/*
 * Parse etc/passwd text (`len` bytes at `buf`, borrowed) into db->pw
 * (replacing what was there; db->gr is untouched). A line is used when it
 * has a non-empty name and decimal uid and gid fitting in uint32_t, a
 * home shorter than PATH_MAX and no NUL byte; other lines are skipped.
 * Leading and trailing blanks (space, tab, CR) of a line are ignored.
 * Fails only on ENOMEM, leaving db->pw empty. Returns 0 or -1.
 */
int user_parse_passwd(const char *buf, size_t len, struct user_db *db,
    struct err *e);

/*
 * Parse etc/group text into db->gr as user_parse_passwd() does db->pw: a
 * line needs a non-empty name and a decimal gid; the member list may be
 * missing or empty (empty members are skipped). Returns 0 or -1.
 */
int user_parse_group(const char *buf, size_t len, struct user_db *db,
    struct err *e);

/* Release what `db` owns and zero it. Safe on a zeroed struct. */
void user_db_free(struct user_db *db);

/*
 * Resolve `spec` (NULL or "" for root) and the `nextra` extra group specs
 * at `extra` (borrowed; NULL when nextra is 0) against `db`, by the rules
 * above, into `out` (need not be initialised; release with
 * user_ids_free()). Errors (ERR_NOTFOUND for an unknown name, ERR_USAGE
 * for an id out of range: "uids and gids must be in range
 * 0-2147483647", ENOMEM) leave `out` zeroed. Returns 0 or -1.
 */
int user_lookup(const struct user_db *db, const char *spec,
    char *const *extra, size_t nextra, struct user_ids *out,
    struct err *e);

/*
 * Read etc/passwd and etc/group beneath `rootfd` (a directory fd of the
 * container rootfs, borrowed) safely as described above, then
 * user_lookup(). Returns 0 or -1 with `e` set ("etc/passwd: larger than
 * 4194304 bytes", or a lookup error).
 */
int user_resolve(int rootfd, const char *spec, char *const *extra,
    size_t nextra, struct user_ids *out, struct err *e);

/* Release what `u` owns and zero it. Safe on a zeroed struct. */
void user_ids_free(struct user_ids *u);

#endif

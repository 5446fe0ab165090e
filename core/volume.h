/* volume.h - named and anonymous volumes (`-v NAME:/dst`, `-v /dst`)
 *
 * A volume is a directory that outlives containers, kept under the store
 * root (config key data-root) in Docker's layout:
 *
 *	STOREROOT/volumes/NAME/_data      the content, mounted into containers
 *	STOREROOT/volumes/NAME/meta.json  {"Name","CreatedAt","Anonymous",
 *	                                   "Labels"}
 *
 * Names follow Docker's rule for local volumes, [a-zA-Z0-9][a-zA-Z0-9_.-]+
 * (at least two characters; at most 255 here). An anonymous volume gets
 * 64 random lowercase hex digits. A volume appears atomically: it is
 * built as volumes/.tmp-RANDOM and renamed into place, so a reader sees
 * either nothing or a complete volume, and of concurrent creators of one
 * name exactly one wins the rename while the others use its volume. A
 * removal renames the volume to volumes/.rm-RANDOM before deleting it.
 * Leftovers of a killed process (.tmp-*, .rm-*) are swept by
 * volume_prune(); each is flock()ed while its owner works on it.
 *
 * _data is written by containers, so it is hostile: removal never follows
 * a symlink in it and refuses to descend into another filesystem
 * (EBUSY); copy-up never follows a symlink in the source.
 *
 * Whether a container uses a volume is not known here: callers say so.
 * See docs/volumes.md.
 */
#ifndef ROCKER_VOLUME_H
#define ROCKER_VOLUME_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum {
	VOLUME_NAME_MAX = 255,		/* longest name, without the NUL */
	VOLUME_ANON_LEN = 64,		/* hex digits of an anonymous name */
	VOLUME_PATH_MAX = 4096,		/* mountpoint, with its NUL */
	VOLUME_TIME_MAX = 32,		/* "2006-01-02T15:04:05Z" and NUL */
	VOLUME_META_MAX = 64 << 10,	/* largest meta.json read */
	VOLUME_COPY_DEPTH = 256,	/* deepest directory copied up */
};

/* One volume, filled by the functions below; no heap pointers inside. */
struct volume {
	char name[VOLUME_NAME_MAX + 1];
	char mountpoint[VOLUME_PATH_MAX];	/* STORE/volumes/NAME/_data */
	char created[VOLUME_TIME_MAX];		/* RFC 3339, UTC */
	int anonymous;				/* made without a name */
};

/* 1 if `name` (not NULL) is a valid volume name, else 0. */
int volume_name_valid(const char *name);

/*
 * Create volume `name` under `storeroot` (creating STOREROOT (0700) and
 * STOREROOT/volumes (0701) if missing), or an anonymous one when `name`
 * is NULL. Idempotent like `docker volume create`: an existing volume of
 * that name is not an error. Safe against concurrent creators of the
 * same name (all succeed and see one volume). _data is made 0755, owned
 * by the caller. `out` (not NULL) receives the volume.
 *
 * Returns 1 when this call created the volume, 0 when it existed, or -1
 * with `e` set (EINVAL for an invalid name).
 */
int volume_create(const char *storeroot, const char *name,
	struct volume *out, struct err *e);

/*
 * Look up volume `name` under `storeroot` into `out` (not NULL). Returns
 * 0, or -1 with `e` set: ERR_NOTFOUND ("no such volume: NAME") when it
 * does not exist, EINVAL for an invalid name, other codes when its
 * meta.json is unreadable or damaged.
 */
int volume_get(const char *storeroot, const char *name, struct volume *out,
	struct err *e);

/*
 * All volumes under `storeroot`, sorted by name (strcmp). *out receives a
 * heap array of *n entries, owned by the caller (free() it; NULL when
 * *n is 0). A missing volumes directory is an empty list. Entries that
 * are not valid volumes (a damaged meta.json, a name that breaks the
 * rule) are left out; volume_remove() still removes them by name.
 * Returns 0, or -1 with `e` set (*out = NULL, *n = 0).
 */
int volume_list(const char *storeroot, struct volume **out, size_t *n,
	struct err *e);

/*
 * Open the _data directory of volume `name`: a new O_PATH | O_DIRECTORY
 * fd owned by the caller, each component opened without following
 * symlinks. For a bind mount use "/proc/self/fd/N" as the source; for
 * volume_copy_up() pass it as `voldirfd`. Returns the fd, or -1 with `e`
 * set (ERR_NOTFOUND when the volume does not exist).
 */
int volume_open_data(const char *storeroot, const char *name, struct err *e);

/*
 * Remove volume `name` and its content. `in_use` is the caller's verdict
 * on whether any container (running or not) refers to it: in use, the
 * call fails with EBUSY "remove NAME: volume is in use" whatever `force`
 * says (as `docker volume rm -f` does). `force` makes a missing volume a
 * success instead of ERR_NOTFOUND. The volume disappears atomically (a
 * rename) before its content is deleted; a failure while deleting (a
 * mount point inside _data: EBUSY) leaves volumes/.rm-RANDOM for
 * volume_prune() and is reported. Returns 0, or -1 with `e` set.
 */
int volume_remove(const char *storeroot, const char *name, int force,
	int in_use, struct err *e);

/*
 * Remove every volume not in use: only anonymous ones unless `all` is
 * nonzero (Docker 23+ `volume prune` and `prune -a`). `in_use` (may be
 * NULL: nothing is in use) is called with each candidate's name and
 * `arg`, and returns nonzero to keep it. Stale leftovers (.tmp-* older
 * than a minute, .rm-*) nobody holds a lock on are deleted too.
 *
 * `removed` and `n` (both NULL or both not) receive the removed volumes,
 * a heap array owned by the caller (free() it); `bytes` (may be NULL)
 * the bytes of regular files deleted. Stops at the first failure.
 * Returns 0, or -1 with `e` set (and nothing in *removed).
 */
int volume_prune(const char *storeroot, int all,
	int (*in_use)(const char *name, void *arg), void *arg,
	struct volume **removed, size_t *n, uint64_t *bytes, struct err *e);

/*
 * Docker's copy-up: fill a new volume with what the image has at the
 * mount destination. `srcdirfd` is that directory in the container's
 * rootfs (open it with beneath_open(); O_PATH is fine), `voldirfd` the
 * volume's _data (volume_open_data()); both are borrowed. Nothing is
 * copied unless _data is empty; then directories, regular files (hard
 * links kept as links), symlinks (targets verbatim, never followed) and
 * FIFOs are copied with modes, times, ownership (when running as root)
 * and extended attributes (best-effort; trusted.overlay.* skipped), and
 * _data gets the source directory's owner and mode. Devices and sockets
 * are skipped; directories on another filesystem are copied empty.
 * Deeper than VOLUME_COPY_DEPTH levels is ERR_LIMIT. Nothing is undone
 * on failure.
 *
 * Returns 1 when it copied, 0 when _data was not empty, -1 with `e` set.
 */
int volume_copy_up(int srcdirfd, int voldirfd, struct err *e);

#endif

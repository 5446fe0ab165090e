/* fsck.h - the store checker: find (and remove) what is broken in the
 * image store and the container records that use it
 *
 * fsck_store() walks an open store (store.h, docs/store.md) and checks:
 *  - blobs: every blobs/<algo>/<hex> is a regular file whose content
 *    hashes to its name;
 *  - layers: every layers/<hex> is a directory with a meta.json that
 *    parses and names that chain id, a diff/ directory, a link file that
 *    agrees with meta.json, a committed parent from which chain id and
 *    diff id follow (a layer above a broken one is broken too), and its
 *    l/<short> symlink; every l/ entry is the link of a sound layer;
 *  - images: every images/<hex>.json parses, its config blob and manifest
 *    blob are sound, the config's rootfs diff ids are the record's, every
 *    layer is sound and the chain ids follow from each other;
 *  - references: repositories.json parses and every reference names a
 *    sound image;
 *  - containers (when a state root is given): every container's layers
 *    (its `layers` file, else its image's) are sound and its rw/<id> is
 *    there; every rw/<id> belongs to a container; no STATE/containers/
 *    .rm-<id> is left by an interrupted rm.
 * Leftovers of crashed processes in tmp/ and ingest/ are not problems:
 * store_open() sweeps them.
 *
 * With `repair`, what is broken is removed and nothing else: damaged
 * blobs, broken layers (and the l/ links to them), records of broken
 * images and the references to them, unknown entries in the store's
 * directories; missing l/ links and link files are recreated; a damaged
 * repositories.json is rebuilt from the references that the sound image
 * records list. A broken container is removed only when it is not running
 * and nobody holds its lock; an orphan rw/<id> only when nothing is mounted
 * on it. Images, layers and blobs that are sound stay, even when nothing
 * uses them (that is GC's job).
 *
 * The store must be open STORE_EXCLUSIVE (so that no pull or GC is half
 * way through). Nothing here prints: each problem goes to the report
 * callback.
 */
#ifndef ROCKER_FSCK_H
#define ROCKER_FSCK_H

#include "err.h"
#include "store.h"

/* What a problem is about. */
enum fsck_kind {
	FSCK_BLOB = 1,
	FSCK_LAYER,
	FSCK_LINK,		/* an l/ symlink or a layer's link file */
	FSCK_IMAGE,		/* an image record */
	FSCK_REF,		/* repositories.json or one reference */
	FSCK_CONTAINER,
	FSCK_RW,		/* a container's rw/<id> */
	FSCK_STRAY,		/* an entry the store does not know */
	FSCK_MOUNTPOINTS,	/* the mount points layer, init/ */
};

/* The outcome of one problem's repair. */
enum fsck_fix {
	FSCK_FOUND,		/* reported, no repair asked (or possible) */
	FSCK_FIXED,		/* repaired (removed or recreated) */
	FSCK_FIX_FAILED,	/* repair asked and failed: see `error` */
};

/* One problem, as handed to the report callback (valid for the call). */
struct fsck_problem {
	enum fsck_kind kind;
	const char *name;	/* digest, chain id, image id, reference,
				   container id or store path */
	const char *what;	/* what is wrong, one line */
	enum fsck_fix fix;
	const char *action;	/* what the repair did or would do */
	const char *error;	/* why the repair failed, or NULL */
};

struct fsck_opts {
	const char *state;	/* container state root (config exec-root),
				   NULL: containers are not checked */
	int repair;
	void (*report)(void *ctx, const struct fsck_problem *p);
	void *ctx;
};

/* What was checked and found. */
struct fsck_stats {
	unsigned blobs, layers, links, images, refs, containers;
	unsigned problems;	/* all problems found */
	unsigned fixed;		/* of which repaired */
	unsigned failed;	/* of which a repair failed */
};

/* Name of a kind: "blob", "layer", "link", "image", "reference",
 * "container", "rw layer", "stray entry". */
const char *fsck_kind_name(enum fsck_kind k);

/*
 * Check (and with o->repair repair) the store `s`, open STORE_EXCLUSIVE
 * (ERR_USAGE otherwise), and with o->state the containers. Each problem
 * goes to o->report (may be NULL); `st` (may be NULL) gets the counts.
 * Returns 0 when the check ran to its end, whatever it found (see
 * st->problems and st->failed), or -1 when it could not (e.g. a store
 * directory cannot be read).
 */
int fsck_store(struct store *s, const struct fsck_opts *o,
    struct fsck_stats *st, struct err *e);

#endif

/* store.h - the image store: blobs, layers, image records, locks, GC
 *
 * One directory tree (config "data-root", /var/lib/rocker by default) holds
 * everything pulled; docs/store.md describes the layout file by file. There
 * is no daemon, so every rocker process that touches the store cooperates
 * through flock(2) locks:
 *
 *  - `lock`: store-wide. Held shared by every process for as long as it has
 *    the store open (pull, run, images, ...); held exclusive by GC and image
 *    removal. A shared holder is therefore a lease: GC never runs while a
 *    pull that has committed layers but not yet its image record is alive.
 *    Keep the store open only for the operation, never for a container's
 *    lifetime (containers pin their layers through store_gc()'s list).
 *  - `locks/layer-<hex>`, `locks/blob-<hex>`: per chain id / per digest,
 *    exclusive and blocking, so two pulls of one layer wait for each other
 *    instead of extracting it twice. Correctness still comes from rename(2):
 *    nothing is visible before it is complete.
 *  - `locks/refs`: serialises updates of image records and
 *    repositories.json.
 *  - `tmp/<name>.lock`: held by the process that created the staging entry
 *    `tmp/<name>`; an entry whose lock can be taken is an orphan.
 *
 * Lock files other than `lock` may be unlinked by their holder or by GC;
 * acquirers check after flock() that the path still names the inode they
 * locked and retry otherwise, so removing them is safe.
 *
 * Digests are written "sha256:<64 lowercase hex>" or "sha512:<128 hex>";
 * anything else is refused, so a digest can never name a path outside the
 * store. Chain ids and image ids are SHA-256 digests.
 *
 * All functions take a caller-allocated `struct store` opened with
 * store_open(). Nothing here prints, exits or uses threads; functions that
 * can fail take `struct err *e` last and return -1 with it set. Failed
 * commits leave nothing behind; ENOSPC and EDQUOT say that the store
 * filesystem is full.
 */
#ifndef ROCKER_STORE_H
#define ROCKER_STORE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

enum {
	STORE_DIGEST_MAX = 136,	/* "sha512:" + 128 hex + NUL */
	STORE_SHORT_LEN = 26,	/* length of an l/<short> link name */
	STORE_REF_MAX = 512,	/* longest repo:tag or repo@digest */
	STORE_REASON_MAX = 256,	/* buffer for store_probe_driver()'s reason */
	STORE_RW_ID_MAX = 64,	/* longest store_rw_create() id */
	STORE_MAX_LOWERS = 500,	/* the kernel's OVL_MAX_STACK */
	STORE_MOUNT_RESERVE = 256, /* page bytes kept for other options */
	STORE_INGEST_MAX_AGE = 24 * 60 * 60, /* seconds a partial is kept */
};

enum store_mode {
	STORE_SHARED,		/* pull, images, inspect, tag */
	STORE_EXCLUSIVE,	/* rmi, gc: waits until no one else is inside */
	STORE_SHARED_QUICK,	/* shared, without the sweep of leftovers:
				 * for the steps of a container's life (run,
				 * mount its rootfs, remove its rw layer),
				 * which should not pay a scan of every
				 * layer; the other commands sweep */
};

enum store_driver {
	STORE_DRIVER_COPY = 1,		/* copy layers into each rootfs */
	STORE_DRIVER_OVERLAY = 2,	/* mount layers with overlayfs */
};

/*
 * An open store. Caller-allocated; fields are read-only for callers.
 * `rootfd` (O_RDONLY|O_DIRECTORY|O_CLOEXEC) is there for fchdir() before an
 * overlay mount whose options are relative (see store_overlay_opts()).
 */
struct store {
	char root[PATH_MAX];	/* the root path as given to store_open() */
	int rootfd;		/* the root directory */
	int lockfd;		/* the store-wide lock, held in `mode` */
	enum store_mode mode;
	int open;		/* 1 between store_open() and store_close() */
};

/*
 * Open (creating when missing) the store at `root`, an absolute path, and
 * take the store-wide lock in `mode`, waiting for it. Missing directories
 * are created mode 0700 (missing parents of `root` 0755). Then leftovers of
 * crashed processes are swept, best effort:
 *  - tmp/ entries whose owner is gone (their `.lock` can be taken, or they
 *    have none), removed without following symlinks or crossing mounts;
 *  - layers/<hex> directories without meta.json (never committed);
 *  - ingest/ partial downloads untouched for STORE_INGEST_MAX_AGE seconds
 *    and not being written (their blob lock is free).
 * `s` need not be initialised; on failure it is left closed (store_close()
 * is still safe). Returns 0 or -1.
 *
 * flock() locks belong to open files, not processes: a process that has
 * the store open must not open it again with STORE_EXCLUSIVE (the second
 * open would wait for the first forever). Close it first.
 */
int store_open(struct store *s, const char *root, enum store_mode mode,
    struct err *e);

/* Release the lock and the fds. Safe on a zeroed or closed store. */
void store_close(struct store *s);

/*
 * Blobs: manifests and image configs, stored verified and read-only under
 * blobs/<algo>/<hex>. Compressed layer blobs are not kept (a layer lives on
 * as its extracted diff/ directory).
 */

/* 1 if blob `digest` is in the store, 0 if not or if `digest` is invalid. */
int store_blob_exists(struct store *s, const char *digest);

/*
 * Open blob `digest` for reading. Returns the fd (O_RDONLY|O_CLOEXEC, the
 * caller closes it), or -1: ERR_NOTFOUND when absent, ERR_PARSE for an
 * invalid digest.
 */
int store_blob_open(struct store *s, const char *digest, struct err *e);

/*
 * Store the `len` bytes at `buf` (borrowed; NULL only when `len` is 0) as
 * blob `digest` after checking that they hash to it (ERR_DIGEST otherwise,
 * and nothing is written). The blob is written to tmp/, fsynced, made
 * read-only and renamed into place, so readers never see it partial. A
 * blob already present is success. Returns 0 or -1.
 */
int store_blob_put(struct store *s, const char *digest, const void *buf,
    size_t len, struct err *e);

/*
 * Read blob `digest` whole into a new heap buffer *buf (NUL-terminated,
 * owned by the caller, free() it) of *len bytes, refusing blobs larger
 * than `max` bytes (ERR_LIMIT) before allocating. The content is hashed
 * again and a mismatch (a damaged store) is ERR_DIGEST. Returns 0 or -1,
 * leaving *buf NULL on failure.
 */
int store_blob_read(struct store *s, const char *digest, size_t max,
    char **buf, size_t *len, struct err *e);

/*
 * Hash blob `digest` again, streaming (any size): 0 when its content
 * matches its name, -1 with ERR_DIGEST when it does not or when it is not
 * a regular file, ERR_NOTFOUND when absent, ERR_PARSE for an invalid
 * digest. Nothing is changed.
 */
int store_blob_verify(struct store *s, const char *digest, struct err *e);

/*
 * Remove the store entry `rel` (a path relative to the root under one of
 * the layout's directories, e.g. "layers/<hex>", "blobs/sha256/<hex>",
 * "l/<name>", "images/<hex>.json", or "init"; no "." or ".." components):
 * it is moved into tmp/ first, so that a crash never leaves half a tree at
 * its name, then deleted without following symlinks or crossing mounts.
 * For the store checker's repairs, which need STORE_EXCLUSIVE (ERR_USAGE
 * otherwise). A missing entry is success. 0 or -1.
 */
int store_discard(struct store *s, const char *rel, struct err *e);

/*
 * Resumable ingest of one blob: ingest/<hex>.partial, guarded by the
 * per-digest lock while it is open. Fields are read-only for callers.
 */
struct store_ingest {
	int active;		/* 1 between a 0 from open and commit/abort */
	int fd;			/* the partial file, O_RDWR|O_APPEND */
	off_t offset;		/* its size when opened: resume from here */
	int lockfd;
	char digest[STORE_DIGEST_MAX];
};

/*
 * Begin or resume the download of blob `digest`. Takes the per-digest lock,
 * waiting while another process holds it, so concurrent pulls of one blob
 * wait instead of duplicating the download. Returns 1 when the blob is
 * (by then) already in the store: nothing to do, `in` is left inactive.
 * Returns 0 with in->fd open for appending (seed the digest with the first
 * in->offset bytes, readable with pread(), then ask the server for a Range
 * from in->offset; to start over, ftruncate(in->fd, 0)); finish with
 * store_ingest_commit() or store_ingest_abort(). -1 on error.
 */
int store_ingest_open(struct store *s, const char *digest,
    struct store_ingest *in, struct err *e);

/*
 * Verify the partial (the whole file is hashed again: ingest is meant for
 * manifest- and config-sized blobs), fsync it, make it read-only and
 * rename it to blobs/. On a digest mismatch the partial is deleted
 * (ERR_DIGEST). Either way `in` is finished and left inactive. 0 or -1.
 */
int store_ingest_commit(struct store *s, struct store_ingest *in,
    struct err *e);

/*
 * Give up: close the partial, keeping it for a later resume when
 * `keep_partial` is nonzero and deleting it otherwise, and release the
 * lock. Safe on a zeroed or inactive `in`.
 */
void store_ingest_abort(struct store *s, struct store_ingest *in,
    int keep_partial);

/*
 * Layers, keyed by chain id: layers/<hex>/ holds diff/ (the extracted
 * tree), link (the short name) and meta.json, which is written before the
 * directory is renamed into place and so marks a complete layer.
 */

/* What the store records about a layer (meta.json). */
struct store_layer_meta {
	char chain_id[STORE_DIGEST_MAX]; /* filled by store_layer_get() */
	char diff_id[STORE_DIGEST_MAX];	/* digest of the uncompressed tar */
	char parent[STORE_DIGEST_MAX];	/* parent chain id, "" for a base */
	int64_t size;			/* uncompressed tar bytes, -1 unknown */
	char digest[STORE_DIGEST_MAX];	/* compressed blob digest, "" unknown */
	int64_t compressed_size;	/* -1 unknown */
	char media_type[128];		/* "" unknown */
	char whiteouts[16];		/* "overlay" (0/0 char devices and
					 * trusted.overlay.opaque, R2.12; ""
					 * means this) or "aufs" (.wh. files
					 * kept as in the tar, applied at copy
					 * time, R2.13) */
	int64_t created;		/* set by commit: Unix time */
	char link[STORE_SHORT_LEN + 1];	/* filled by store_layer_get() */
};

/* A layer transaction. Fields are read-only for callers. */
struct store_layer_tx {
	int active;		/* 1 between a 0 from begin and commit/abort */
	int dirfd;		/* tmp/<stage>/diff: extract into this */
	int lockfd;		/* locks/layer-<hex> */
	int stagelock;		/* tmp/<stage>.lock */
	char chain_id[STORE_DIGEST_MAX];
	char stage[32];		/* the staging name under tmp/ */
};

/*
 * ChainID (OCI image-spec config.md): for a base layer (`parent` NULL or
 * "") the diff id itself, else "sha256:" + hex(SHA-256(parent + " " +
 * diff_id)). Writes the result to `out`. ERR_PARSE for an invalid digest.
 */
int store_chain_id(const char *parent, const char *diff_id,
    char out[STORE_DIGEST_MAX], struct err *e);

/* 1 if layer `chain_id` is committed (has meta.json), else 0. */
int store_layer_exists(struct store *s, const char *chain_id);

/*
 * store_layer_commit() makes the layer's l/ link before it renames the
 * layer into place, so a writer killed in between leaves a link to no
 * layer (GC removes those). After stopping its own writers, a caller
 * removes such a link of layer `chain_id` here: only when no transaction
 * holds the layer (its lock is free), the layer is not committed, and the
 * link points at it. Best effort, nothing to report.
 */
void store_layer_drop_link(struct store *s, const char *chain_id);

/*
 * Start committing layer `chain_id`. Takes the per-chain-id lock, waiting
 * for another process extracting the same layer. Returns 1 if the layer is
 * (by then) committed: skip it, `tx` is left inactive. Returns 0 with
 * tx->dirfd open on an empty staging directory tmp/<random>/diff on the
 * store filesystem: extract into it (core/extract), verify the diff id,
 * then call store_layer_commit() or store_layer_abort(). The fd belongs to
 * the transaction. `tx` need not be initialised. -1 on error.
 */
int store_layer_begin(struct store *s, const char *chain_id,
    struct store_layer_tx *tx, struct err *e);

/*
 * Make the extracted layer durable and visible: checks that meta->parent
 * (if any) is committed and that store_chain_id(parent, diff_id) is the
 * transaction's chain id, syncs the store filesystem (syncfs), writes and
 * fsyncs meta.json and link in the staging directory, creates the
 * l/<short> symlink, renames the directory to layers/<hex> and fsyncs
 * layers/. Fields of `meta` filled by store_layer_get() are ignored.
 * On success and on failure alike the transaction is finished (on failure
 * the staging directory is removed) and the lock released; `tx` is left
 * inactive. Returns 0 or -1.
 */
int store_layer_commit(struct store *s, struct store_layer_tx *tx,
    const struct store_layer_meta *meta, struct err *e);

/*
 * Abandon the transaction: remove the staging directory, release the lock.
 * Safe on a zeroed or inactive `tx`.
 */
void store_layer_abort(struct store *s, struct store_layer_tx *tx);

/* Read the meta.json of committed layer `chain_id` into `meta`. 0 or -1
 * (ERR_NOTFOUND when not committed). */
int store_layer_get(struct store *s, const char *chain_id,
    struct store_layer_meta *meta, struct err *e);

/*
 * Open the diff/ directory of committed layer `chain_id` (O_RDONLY|
 * O_DIRECTORY|O_CLOEXEC; the caller closes it), e.g. to copy it into a
 * rootfs with the copy driver. -1 with ERR_NOTFOUND when not committed.
 */
int store_layer_open(struct store *s, const char *chain_id, struct err *e);

/*
 * A private scratch directory tmp/<random>/ on the store filesystem, for
 * a caller's own staging (load spools archive members there, import the
 * rootfs tar). It is held by its tmp/<random>.lock like every staging
 * entry, so a crashed owner's scratch is swept by the next store_open().
 * Fields are read-only for callers.
 */
struct store_scratch {
	int active;		/* 1 between create and remove */
	int dirfd;		/* tmp/<random>, O_RDONLY|O_DIRECTORY */
	int lockfd;
	char path[32];		/* "tmp/<random>" */
};

/*
 * Create an empty scratch directory (mode 0700); sc->dirfd belongs to the
 * scratch. `sc` need not be initialised. Returns 0 or -1 (ENOSPC says the
 * store filesystem is full).
 */
int store_scratch_create(struct store *s, struct store_scratch *sc,
    struct err *e);

/*
 * Delete the scratch directory and everything in it (never following
 * symlinks), then release its lock. Safe on a zeroed or inactive `sc`.
 */
void store_scratch_remove(struct store *s, struct store_scratch *sc);

/*
 * Container read-write layers (R4.8): rw/<id>/upper, rw/<id>/work and
 * rw/<id>/merged, fresh and empty, on the store filesystem (overlay needs
 * upper and work on one filesystem). An existing rw/<id> is an error
 * (EEXIST): upper/work are never reused across lower sets. `id`:
 * [A-Za-z0-9_.-], 1..STORE_RW_ID_MAX bytes, not starting with '.'.
 * GC never touches rw/. store_rw_remove() deletes rw/<id> (refusing to
 * cross a mount still on merged); a missing one is success.
 */
int store_rw_create(struct store *s, const char *id, struct err *e);
int store_rw_remove(struct store *s, const char *id, struct err *e);

/*
 * The mount points layer: init/etc/{hosts,hostname,resolv.conf}, empty
 * files in a root-owned 0755 etc/, made once per store (staged in tmp/,
 * renamed into place) and never changed. Put on top of an image's layers
 * it gives a container the files its /etc/hosts, /etc/hostname and
 * /etc/resolv.conf are bound onto, so starting one creates nothing in its
 * upper dir (no copy-up of /etc). It only fits an image (`chain_ids`, base
 * first) none of whose layers has any of the three files and whose top
 * etc/ is a root-owned 0755 directory, or that has none: anything else
 * (etc/ a symlink or whited out, another mode or owner) would look
 * different through it. Returns 1 when the layer exists and fits, 0 when
 * it does not fit, -1 on error.
 */
int store_mountpoints(struct store *s, const char *const *chain_ids,
    size_t n, struct err *e);

/*
 * Whether init/ is exactly the mount points layer: etc/ (root's, 0755)
 * holding the three files (empty, regular, root's) and nothing else.
 * 1 if so, 0 if it is something else, -1 if there is no init/.
 * store_mountpoints() does not use an init/ that is not sound.
 */
int store_mountpoints_sound(struct store *s);

/*
 * Build the overlay mount data for layers `chain_ids[0..n-1]`, given base
 * first as in an image, into `out` (`outsz` bytes):
 *	"lowerdir=l/<top>:...:l/<base>[,upperdir=rw/<id>/upper,
 *	 workdir=rw/<id>/work]"
 * (upper/work only when `rw_id` is not NULL). Paths are relative to the
 * store root, as overlay2 does, so that 128 layers fit: mount from a child
 * that did fchdir(s->rootfd). Missing l/ links are recreated from the
 * layers' link files. Fails with ERR_LIMIT when n exceeds
 * STORE_MAX_LOWERS or when the data plus STORE_MOUNT_RESERVE bytes (for
 * the caller's extra options) would not fit in one page, the limit of
 * mount(2) data. Beyond that, Linux >= 6.8 can take the layers one at a
 * time with fsopen("overlay") and fsconfig(FSCONFIG_SET_STRING,
 * "lowerdir+", "layers/<hex>/diff") (>= 6.13: FSCONFIG_SET_FD), which has
 * no page limit; that belongs in the mount code next to this helper and is
 * not written yet. ERR_NOTFOUND if a layer is not committed. 0 or -1.
 */
int store_overlay_opts(struct store *s, const char *const *chain_ids,
    size_t n, const char *rw_id, char *out, size_t outsz, struct err *e);

/*
 * Images. An image record images/<hex>.json is keyed by the image id (the
 * config digest); repositories.json maps references to image ids:
 * "docker.io/library/busybox:latest" and "docker.io/library/busybox@
 * sha256:..." (the store compares references as exact strings: normalise
 * them before calling). repositories.json is the authority on references;
 * the copy of tags and digests in each record is informational.
 */

struct store_image_layer {
	char chain_id[STORE_DIGEST_MAX];
	char diff_id[STORE_DIGEST_MAX];
};

/*
 * An image. From store_image_get()/_list() every pointer is owned by the
 * struct and released by store_image_free(); for store_image_put() the
 * caller owns everything (borrowed for the call).
 */
struct store_image {
	char id[STORE_DIGEST_MAX];	/* config digest = image id */
	char manifest[STORE_DIGEST_MAX]; /* manifest digest, "" if none */
	char **tags;			/* "repo:tag" references */
	size_t ntags;
	char **digests;			/* "repo@sha256:..." references */
	size_t ndigests;
	struct store_image_layer *layers; /* base first */
	size_t nlayers;
	char created[64];		/* the config's "created", RFC 3339 */
	char os[32];
	char arch[32];
	char variant[32];
	int64_t size;			/* bytes of all layers, uncompressed */
	int64_t stored;			/* set by put: Unix time */
};

/*
 * Write the record of `img` and point its tags and digests at it, under
 * the refs lock (each file written to tmp/, fsynced, renamed). A tag or
 * digest that pointed at another image moves to this one, as in Docker;
 * references the image already had are kept (use store_ref_remove() to
 * drop one). Requires the config blob `img->id` and every layer to be in
 * the store, each chain id to follow from the previous one and its diff
 * id (ERR_NOTFOUND / ERR_DIGEST otherwise). 0 or -1.
 */
int store_image_put(struct store *s, const struct store_image *img,
    struct err *e);

/*
 * Find an image by `key`: a full id ("sha256:<hex>" or "<hex>"), a
 * reference as stored ("repo:tag", "repo@digest"), or else a unique prefix
 * of an id's hex (optionally after "sha256:"), any length as in Docker.
 * An exact reference wins over a prefix. Fills `img` (need not be
 * initialised; release with store_image_free()), with its tags and
 * digests from repositories.json, sorted. ERR_NOTFOUND when nothing
 * matches, ERR_USAGE for a prefix matching several images. 0 or -1.
 */
int store_image_get(struct store *s, const char *key,
    struct store_image *img, struct err *e);

/*
 * All images, sorted by id: *list gets a heap array of *n images (NULL and
 * 0 when there are none), released with store_image_list_free(). 0 or -1.
 */
int store_image_list(struct store *s, struct store_image **list, size_t *n,
    struct err *e);

/* Free what store_image_get() put in `img` and zero it. Safe on a zeroed
 * struct. */
void store_image_free(struct store_image *img);

/* Free a list from store_image_list(). NULL is fine. */
void store_image_list_free(struct store_image *list, size_t n);

/*
 * Read the record of image `id` (a full id) alone, without looking at
 * repositories.json: tags and digests are left empty. Fills `img` (release
 * with store_image_free()). ERR_NOTFOUND when there is no record, ERR_PARSE
 * when it is malformed or names another id. 0 or -1.
 */
int store_image_record(struct store *s, const char *id,
    struct store_image *img, struct err *e);

/*
 * Replace repositories.json wholesale with the `n` references
 * `names[i]` -> `ids[i]` (borrowed; a later duplicate name wins), under
 * the refs lock, written atomically. Image records are not rewritten
 * (their copies of the references are informational). For the store
 * checker's repair of a damaged file; needs STORE_EXCLUSIVE (ERR_USAGE).
 * ERR_PARSE for an invalid reference or id, and nothing is written.
 * 0 or -1.
 */
int store_refs_reset(struct store *s, const char *const *names,
    const char *const *ids, size_t n, struct err *e);

/*
 * Remove reference `ref` (untag). The image itself stays, even with no
 * references left (remove it with store_image_remove()). When `id` is not
 * NULL it receives the id the reference pointed to. ERR_NOTFOUND when the
 * reference does not exist. 0 or -1.
 */
int store_ref_remove(struct store *s, const char *ref,
    char id[STORE_DIGEST_MAX], struct err *e);

/*
 * Remove image `id` (a full id) and every reference to it. Its blobs and
 * layers stay until store_gc(). Requires a store opened STORE_EXCLUSIVE
 * (ERR_USAGE otherwise); checking that no container uses the image is the
 * caller's job. ERR_NOTFOUND when there is no such image. 0 or -1.
 */
int store_image_remove(struct store *s, const char *id, struct err *e);

/* What store_gc() removed. */
struct store_gc_stats {
	unsigned blobs;		/* blob files */
	unsigned layers;	/* layer directories */
	unsigned links;		/* dangling l/ links */
	unsigned refs;		/* references to missing image records */
	unsigned locks;		/* unused lock files */
	uint64_t bytes;		/* file bytes freed (blobs and layers) */
};

/*
 * Mark and sweep. Requires STORE_EXCLUSIVE (ERR_USAGE otherwise). Roots:
 * every image record (its config, manifest and layers), blob digests named
 * by repo@digest references, the chain ids `pinned[0..npinned-1]` (layers
 * of containers, may be NULL when npinned is 0), and any blob or layer
 * whose per-digest lock is held (a transaction in progress). Parents of
 * marked layers are marked too. Unmarked blobs, layers and their l/ links,
 * dangling l/ links, references to missing records and unheld lock files
 * are removed; tmp/ is swept as in store_open(). Fills `st` (may be NULL).
 * 0 or -1 (the sweep stops at the first error; what was removed stays
 * removed).
 */
int store_gc(struct store *s, const char *const *pinned, size_t npinned,
    struct store_gc_stats *st, struct err *e);

/*
 * Choose the storage driver. `forced` ("overlay" or "copy", from config
 * "storage-driver") is taken as is; NULL or "" probes once and caches the
 * answer in the `driver` file (probed again when the kernel release
 * changes). The probe answers "copy" when the store is on overlayfs or
 * NFS, when the filesystem does not report d_type, when it cannot hold a
 * 0/0 character-device whiteout or a trusted.overlay.opaque xattr, or when
 * mounting a tiny overlay in tmp/ (and seeing its whiteout and opaque
 * directory work) fails; else "overlay". `reason` (`reasonsz` bytes, may
 * be NULL) receives one human line, e.g. "copy: store is on overlayfs".
 * Returns STORE_DRIVER_OVERLAY or STORE_DRIVER_COPY, or -1 on an error that
 * prevents probing (ERR_USAGE for an unknown `forced`).
 */
int store_probe_driver(struct store *s, const char *forced, char *reason,
    size_t reasonsz, struct err *e);

/* "overlay", "copy", or "?" for anything else. */
const char *store_driver_name(int driver);

#endif

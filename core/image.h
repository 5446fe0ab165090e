/* image.h - the image commands' logic: list, inspect, tag, remove, prune,
 * import, and which images containers use
 *
 * Everything here works on an open store (store.h) and prints nothing:
 * what Docker prints line by line ("Untagged: ...", "Deleted: ...") comes
 * back through a report callback; tables and JSON are built by the
 * applets from what these functions return.
 *
 * References given by users are normalised here (ref_parse +
 * ref_canonical: "busybox" is "docker.io/library/busybox:latest"), since
 * the store compares references as exact strings. Reported references are
 * canonical; applets show them in the familiar form (ref_familiar()).
 *
 * Containers and images. The Run issue owns the container state; until it
 * lands, the contract is this layout under the state root (config
 * "exec-root", `rk.cfg.state`):
 *
 *	STATE/containers/<id>/image    the image id ("sha256:<hex>"), one line
 *	STATE/containers/<id>/layers   optional: the chain ids the container's
 *	                               rootfs is made of, one a line, base
 *	                               first; GC keeps them even after the
 *	                               image is removed (rmi -f)
 *	STATE/containers/<id>/pid      optional: the container's init pid; the
 *	                               container is running while that process
 *	                               exists
 *
 * image_users() reads it; rmi refuses images that containers use (unless
 * forced, and never for a running one) and prune and GC keep their layers.
 */
#ifndef ROCKER_IMAGE_H
#define ROCKER_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "json.h"
#include "manifest.h"
#include "ref.h"
#include "store.h"

enum {
	IMAGE_USERS_MAX = 100000,	/* containers read */
	IMAGE_USER_LAYERS_MAX = 1000,	/* chain ids one container lists */
	IMAGE_SHORT_ID = 12,		/* hex digits Docker shows */
};

/* A container that uses an image (see the layout above). */
struct image_user {
	char container[STORE_RW_ID_MAX + 1];
	char image[DIGEST_MAX];		/* its image id */
	int running;
	char (*chains)[DIGEST_MAX];	/* heap, nchains items, may be NULL */
	size_t nchains;
};

/*
 * Read every STATE/containers/<id>/ into a heap array *out of *n items
 * (NULL and 0 when there is no container or no containers/ directory),
 * released with image_users_free(). A container directory without an
 * image file is skipped (not created yet, or being removed); a malformed
 * image, layers (older records) or state.json file is an error, so that
 * nothing is deleted when it is unclear what is in use. Returns 0 or -1.
 */
int image_users(const char *state, struct image_user **out, size_t *n,
    struct err *e);

void image_users_free(struct image_user *u, size_t n);

/*
 * Every chain id that containers pin, for store_gc(): the chain ids they
 * list and the layers of their images that are still in the store. *out is a
 * heap array of heap strings (free with image_strv_free()). 0 or -1.
 */
int image_pinned(struct store *s, const struct image_user *u, size_t nu,
    char ***out, size_t *n, struct err *e);

void image_strv_free(char **v, size_t n);

/*
 * Find the image `name` names: a reference ("busybox", "quay.io/a/b:1",
 * "busybox@sha256:..."), normalised first, or a full id or unique id
 * prefix ("sha256:ab12...", "ab12"). On success *is_ref says which
 * (1: `canon` got the canonical reference, 0: an id or prefix matched).
 * `canon` and `is_ref` may be NULL. ERR_NOTFOUND: "No such image: NAME";
 * ERR_USAGE for an ambiguous prefix. Fills `img` (store_image_free()).
 */
int image_find(struct store *s, const char *name, struct store_image *img,
    char canon[REF_STR_MAX], int *is_ref, struct err *e);

/* What image_remove() and image_prune() report. */
enum image_event {
	IMAGE_UNTAGGED = 1,	/* `what`: the canonical reference */
	IMAGE_DELETED,		/* `what`: the image id */
};

struct image_rm_opts {
	int force;				/* rmi -f */
	const struct image_user *users;		/* from image_users() */
	size_t nusers;
	void (*report)(void *ctx, enum image_event ev, const char *what);
	void *ctx;
};

/*
 * `docker rmi NAME`, with Docker's rules:
 *  - NAME a reference: untag it (when it was the repository's last tag,
 *    also its digest references in that repository); if no reference is
 *    left, delete the image, quietly keeping it when a container uses it.
 *    Refused without `force` when that would leave an image a container
 *    uses unnamed.
 *  - NAME an id or prefix: refused while the image has references in
 *    several repositories or more than one tag, unless forced (then every
 *    reference goes); else its references are removed and it is deleted.
 *  - A container using the image refuses deletion: a stopped one unless
 *    forced, a running one always ("cannot be forced").
 * The store must be open STORE_EXCLUSIVE. Blobs and layers stay for
 * store_gc(). Conflicts are ERR_USAGE with Docker's message ("conflict:
 * unable to delete 6fbd05b3ec8c (must be forced) - image is being used
 * by stopped container abc"); an unknown NAME is ERR_NOTFOUND "No such
 * image: NAME". Returns 0 or -1.
 */
int image_remove(struct store *s, const char *name,
    const struct image_rm_opts *o, struct err *e);

/*
 * Point tag `dst` ("repo[:tag]", normalised; a digest is refused) at the
 * image `src` names (as image_find()). A tag that named another image
 * moves. Returns 0 or -1.
 */
int image_tag(struct store *s, const char *src, const char *dst,
    struct err *e);

/*
 * `docker image prune [-a]`: remove every image no container uses that
 * has no reference (dangling), or with `all` every such image whatever
 * its references (untagging them first), reporting as image_remove()
 * does; then run store_gc() pinning the containers' layers. `st` (may be
 * NULL) gets what GC removed. The store must be open STORE_EXCLUSIVE.
 * Returns 0 or -1.
 */
int image_prune(struct store *s, int all, const struct image_rm_opts *o,
    struct store_gc_stats *st, struct err *e);

/*
 * Write Docker's `image inspect` object for `img` (from store_image_get()
 * or _list()) into `w`: Id, RepoTags, RepoDigests (familiar forms),
 * Parent, Comment, Created, DockerVersion, Author, Config (the config's
 * "config" object as stored), Architecture, Variant (when set), Os,
 * OsVersion (when set), Size, GraphDriver (`driver` and the layer
 * directories), RootFS {Type, Layers = diff_ids}, Metadata. Reads the
 * config blob. Returns 0 or -1.
 */
int image_inspect(struct store *s, const struct store_image *img,
    const char *driver, struct json_writer *w, struct err *e);

/* One row of `docker images`. Strings are "<none>" when absent. */
struct image_row {
	char repo[REF_STR_MAX];		/* familiar repository */
	char tag[REF_TAG_MAX + 1];
	char digest[DIGEST_MAX];
	const struct store_image *img;	/* borrowed from the list */
	int64_t created;		/* Unix time, -1 unknown */
};

/* Filters of `docker images`. */
struct image_filter {
	const char *const *refs;	/* reference patterns (path.Match
					   against the familiar name or
					   name:tag), any may match */
	size_t nrefs;
	int dangling;			/* -1 any, 1 only, 0 none */
};

/*
 * The rows `docker images` shows for `list[0..n-1]`: one per tag, a
 * "<none>" tag row per repository known only by digest, "<none> <none>"
 * for an image without references; with `digests` one row per tag and
 * digest. Images newest first (by config created time), rows of an image
 * by repository and tag. *rows: heap array of *nrows (free()). 0 or -1.
 */
int image_rows(const struct store_image *list, size_t n, int digests,
    const struct image_filter *f, struct image_row **rows, size_t *nrows,
    struct err *e);

struct image_import_opts {
	int driver;			/* STORE_DRIVER_*: the layer format */
	const char *tag;		/* "repo[:tag]" as given, or NULL */
	const char *comment;		/* the config's comment, or NULL for
					   "Imported from SOURCE" */
	const char *source;		/* for that comment: file or "-" */
	const struct platform *platform; /* NULL: the host's */
	uint64_t max_bytes, max_entries; /* extraction budgets, 0: default */
};

/*
 * `docker import`: the tar read from `fd` (gzip-compressed or not) becomes
 * one layer, and an image with a minimal config (os, architecture,
 * rootfs diff_ids, created now, history and comment) is stored, tagged
 * when o->tag is given. The tar is first copied (uncompressed) into a
 * store scratch directory while hashing: its digest is the layer's diff_id
 * and chain id, which must be known before the layer transaction begins.
 * The image id goes to `id`. Returns 0 or -1; a failure leaves nothing.
 */
int image_import(struct store *s, int fd, const struct image_import_opts *o,
    char id[DIGEST_MAX], struct err *e);

#endif

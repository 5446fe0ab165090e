/* archive.h - load and save image archives (docker save, OCI layouts)
 *
 * archive_load() reads an archive written by `docker save` (old or 25+),
 * `podman save` (docker-archive or oci-archive) or `skopeo copy` to
 * docker-archive:/oci-archive: a tar, gzip-compressed or not, from a file
 * or a pipe, read once from start to end. Members arrive in any order
 * (manifest.json usually comes last), so the tar is read first:
 *
 *  - small members (up to 4 KiB, or up to 4 MiB when they look like JSON)
 *    are kept in memory, 64 MiB at most;
 *  - the others (layer blobs) are copied to a scratch directory in the
 *    store's tmp/ (store_scratch_create()), so nothing outside the store
 *    is ever written; when the archive is an uncompressed regular file
 *    they are not copied at all but read again in place;
 *  - the SHA-256 of every member is computed on the way;
 *  - symbolic and hard links between members (docker save links
 *    duplicate layer.tar files) become aliases.
 *
 * loadplan_build() then interprets the metadata (loadplan.h). For each
 * image in turn, all-or-nothing: every layer whose chain id is not in the
 * store yet is extracted into its own store layer transaction (core/
 * extract, whiteouts in the driver's format, as pull does) while both the
 * blob digest (when the layout names one) and the diff_id are computed;
 * any mismatch, hostile entry or write failure aborts every transaction
 * of the image, so nothing of it becomes visible. Only then are the
 * config blob, the layers (base first) and the image record with its tags
 * committed. The scratch directory is removed in every case.
 *
 * archive_save() writes one archive that `docker load` and `podman load`
 * both read, as Docker 25+ does: manifest.json and repositories, and the
 * OCI layout (oci-layout, index.json, blobs/sha256/<hex> for configs,
 * manifests and layer tars). The store keeps layers only as extracted
 * trees, so each layer is archived again (tarwrite.h: sorted, numeric ids,
 * overlay whiteouts turned back into .wh. entries). Its bytes, and so its
 * diff_id, usually differ from the tar it was extracted from; the saved
 * config then carries the new diff_ids and therefore has a new digest:
 * the saved image has a different id than in the store (the tags are the
 * same). When every layer archives to its recorded diff_id (an image
 * that rocker saved and loaded again: the output is deterministic) the
 * config is written unchanged and the id is kept. Each layer is archived
 * twice, first to learn its digest and size (the member name and header
 * need them), then
 * into the output, which must give the same digest (else "changed while
 * being saved"); memory stays constant, nothing is written but the output.
 */
#ifndef ROCKER_ARCHIVE_H
#define ROCKER_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "manifest.h"
#include "store.h"

enum {
	ARCHIVE_MEM_MAX = 64 << 20,	/* members held in memory and the
					   member table, total */
	ARCHIVE_MEMBERS_MAX = 100000,	/* members of one archive */
	ARCHIVE_SMALL = 4096,		/* always held in memory */
};

struct archive_load_opts {
	int driver;			/* STORE_DRIVER_OVERLAY: overlay
					   whiteouts; _COPY: as pull does
					   (EXTRACT_KEEP, "aufs") */
	const struct platform *platform; /* from nested indexes; NULL:
					   the host's */
	uint64_t max_bytes, max_entries; /* extraction budgets, 0: default */
	/*
	 * Called after each image is stored, with its id and canonical tags
	 * (both borrowed for the call). May be NULL.
	 */
	void (*loaded)(void *ctx, const char *id, char *const *tags,
	    size_t ntags);
	/* A tag that named image `old_id` now names the loaded one. */
	void (*moved)(void *ctx, const char *tag, const char *old_id);
	void *ctx;
};

/*
 * Load the archive read from `fd` (borrowed; a file or a pipe, read to its
 * end) into the open store `s` (STORE_SHARED is enough). Images loaded
 * before a failing one stay loaded; the failing one leaves nothing. The
 * error names the member or image: "layer 2 (blobs/sha256/ab...): diff_id
 * mismatch: expected ..., got ...". Returns the number of images loaded,
 * or -1.
 */
int archive_load(struct store *s, int fd, const struct archive_load_opts *o,
    struct err *e);

/*
 * Write the images named by `names[0..n-1]` to `fd` (borrowed) as one
 * archive, as `docker save` does: a "repo:tag" reference saves that tag, a
 * repository without a tag ("busybox") every tag of it, an id or unique id
 * prefix the image without a tag; names are normalised here. The same
 * image named twice is written once with the tags merged. The store needs
 * only STORE_SHARED. ERR_NOTFOUND: "no such image: NAME". Returns 0 or -1.
 */
int archive_save(struct store *s, char *const *names, size_t n, int fd,
    struct err *e);

#endif

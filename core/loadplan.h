/* loadplan.h - what an image archive holds: the metadata side of `load`
 *
 * An archive written by `docker save`, `podman save` or `skopeo copy` is
 * a tar of small JSON documents and layer blobs in one of two layouts:
 *
 *  - the Docker archive: manifest.json, an array of
 *    {"Config": MEMBER, "RepoTags": [...], "Layers": [MEMBER...]}, plus
 *    the config and layer members it names (old Docker: "<id>.json" and
 *    "<v1id>/layer.tar"; skopeo: "<hex>.json", "<hex>.tar"; Docker 25+:
 *    "blobs/sha256/<hex>") and a legacy "repositories" file, ignored;
 *  - the OCI image layout: oci-layout, index.json and blobs/<alg>/<hex>,
 *    the image names in the index's annotations.
 *
 * Docker 25+ writes both; manifest.json then wins, as in `docker load`.
 * loadplan_build() reads the documents through a callback (the archive
 * reader keeps small members in memory), checks them and lists the images
 * to load: for each, the config (its digest is the image id), the member
 * and expected digests of every layer, the diff_ids the layers must hash
 * to once uncompressed, and the tags. It checks the digest of every
 * document it reads (index, manifests, configs named by digest); the
 * layer bytes are the caller's to verify as it extracts them.
 *
 * Tags: Docker archives give RepoTags ("busybox:latest" or
 * "docker.io/library/busybox:latest"); in an OCI layout a descriptor's
 * "io.containerd.image.name" annotation names the image, else
 * "org.opencontainers.image.ref.name" does when it is a full reference
 * ("busybox:latest", "quay.io/a/b"). A bare ref.name ("latest", "v1") is a
 * tag without a repository, as containerd reads it, and gives no name.
 * Every tag is normalised (ref_parse + ref_canonical) and must be a tag,
 * not a digest reference. An index inside the layout (a multi-platform
 * image) resolves to the manifest for `want` (platform_select); the
 * outer descriptor's name applies.
 *
 * Nothing here does I/O. Limits: LOADPLAN_MAX_IMAGES images, the
 * manifest.h limits per document, LOADPLAN_INDEX_DEPTH nested indexes.
 */
#ifndef ROCKER_LOADPLAN_H
#define ROCKER_LOADPLAN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "manifest.h"

enum {
	LOADPLAN_MAX_IMAGES = 1000,	/* images in one archive */
	LOADPLAN_MAX_TAGS = 1000,	/* tags of one image */
	LOADPLAN_INDEX_DEPTH = 4,	/* index -> index -> ... manifest */
	LOADPLAN_NAME_MAX = 4096,	/* member names, cleaned */
};

/*
 * How the plan reads archive members. `name` is a cleaned member path
 * (loadplan_clean()). get() returns 1 with *buf and *len set to the member's
 * bytes (borrowed: they must live as long as the plan), 0 when the archive
 * has no such member, or -1 with `e` set (e.g. ERR_LIMIT: the member is
 * too large to have been kept in memory).
 */
struct loadplan_source {
	int (*get)(void *ctx, const char *name, const char **buf, size_t *len,
	    struct err *e);
	void *ctx;
};

struct loadplan_layer {
	char *member;			/* cleaned member name (heap) */
	char digest[DIGEST_MAX];	/* the blob's digest when the layout
					   names it (an OCI descriptor or a
					   blobs/<alg>/<hex> member), else "" */
	int64_t size;			/* descriptor size, -1 when unknown */
	char media_type[MEDIATYPE_MAX];	/* descriptor's, "" when unknown */
	char diff_id[DIGEST_MAX];	/* from the config: sha256 only */
};

struct loadplan_image {
	char id[DIGEST_MAX];		/* sha256 of the config bytes */
	const char *config;		/* the config bytes (borrowed from
					   the source) */
	size_t config_len;
	struct platform platform;	/* from the config, normalised */
	char created[64];		/* the config's "created", or "" */
	struct loadplan_layer *layers;	/* base first (heap) */
	size_t nlayers;
	char **tags;			/* canonical "repo:tag" (heap) */
	size_t ntags;
};

enum loadplan_format {
	LOADPLAN_DOCKER = 1,		/* manifest.json */
	LOADPLAN_OCI,			/* index.json */
};

/* The images of an archive, each once (tags merged by image id). */
struct loadplan {
	enum loadplan_format format;
	struct loadplan_image *images;	/* heap */
	size_t n;
};

/*
 * Clean member name `in` as tar paths are cleaned: leading "/" and "./"
 * dropped, "." components and repeated "/" removed, ".." resolved; a name
 * climbing above the archive root, an empty one, or one longer than
 * `size` - 1 gives -1. The result goes to `out`. Returns 0 or -1.
 */
int loadplan_clean(const char *in, char *out, size_t size);

/*
 * Interpret the archive read through `src`: manifest.json when present,
 * else oci-layout + index.json. `want` picks the platform from nested
 * indexes (NULL: the host's). Fills the caller-allocated `p` (released
 * with loadplan_free(), also after a failure; need not be initialised).
 * Errors are one line naming the document: "manifest.json: entry 0:
 * Config: missing", "blobs/sha256/ab..: digest mismatch", "not an image
 * archive: no manifest.json or index.json". Returns 0 or -1.
 */
int loadplan_build(const struct loadplan_source *src,
    const struct platform *want, struct loadplan *p, struct err *e);

/* Release what loadplan_build() put in `p` and zero it. */
void loadplan_free(struct loadplan *p);

#endif

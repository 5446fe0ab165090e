/* manifest.h - OCI/Docker manifests, indexes and image configs
 *
 * Interprets the JSON documents a registry (or an archive) serves: decides
 * the document kind from the media type cross-checked with the body,
 * refuses schema1 and ambiguous documents, validates every descriptor, and
 * picks a platform from an index. The bytes themselves are verified by the
 * caller (digest over the exact bytes received) before they get here.
 */
#ifndef ROCKER_MANIFEST_H
#define ROCKER_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Media types. */
extern const char MT_OCI_INDEX[];
extern const char MT_OCI_MANIFEST[];
extern const char MT_OCI_CONFIG[];
extern const char MT_DOCKER_LIST[];
extern const char MT_DOCKER_MANIFEST[];
extern const char MT_DOCKER_CONFIG[];
/* The Accept header value listing every manifest type rocker reads. */
extern const char MT_ACCEPT[];

enum {
	DIGEST_MAX = 136,	/* "sha512:" + 128 hex + NUL, rounded */
	MEDIATYPE_MAX = 128,
	PLATFORM_FIELD_MAX = 32,
	MANIFEST_MAX_BYTES = 4 << 20,	/* manifests and configs (R1.19) */
	MANIFEST_MAX_ENTRIES = 1000,	/* layers or index entries */
};

enum manifest_kind {
	MANIFEST_IMAGE = 1,	/* OCI manifest or Docker schema2 */
	MANIFEST_INDEX,		/* OCI index or Docker manifest list */
};

enum layer_compression {
	LAYER_TAR = 1,		/* uncompressed */
	LAYER_GZIP,
	LAYER_ZSTD,		/* recognised, not supported */
};

struct platform {
	char os[PLATFORM_FIELD_MAX];
	char arch[PLATFORM_FIELD_MAX];
	char variant[PLATFORM_FIELD_MAX];	/* "" when none */
};

struct descriptor {
	char media_type[MEDIATYPE_MAX];
	char digest[DIGEST_MAX];	/* validated "sha256:<64 hex>" etc. */
	int64_t size;			/* >= 0 */
	struct platform platform;	/* index entries only */
	int has_platform;
	int attestation;	/* unknown/unknown or attestation-manifest */
	int has_urls;		/* foreign layer with "urls" */
	enum layer_compression compression;	/* layers only */
};

struct manifest {
	enum manifest_kind kind;
	char media_type[MEDIATYPE_MAX];
	struct descriptor config;	/* MANIFEST_IMAGE */
	struct descriptor *entries;	/* layers or index entries (heap) */
	size_t count;
};

/*
 * Check that `s` is a digest rocker can verify: "sha256:" + 64 or
 * "sha512:" + 128 lowercase hex digits. Returns 0 or -1 with `e` set.
 */
int digest_check(const char *s, struct err *e);

/*
 * Interpret the manifest or index in `buf`/`len`. `content_type` is the
 * HTTP Content-Type (parameters ignored) or NULL when unknown (archives):
 * then the body's mediaType decides, and a body without one is taken as an
 * OCI document by its shape. Refuses schema1, unknown or mismatched media
 * types, unknown schemaVersion, documents with both "manifests" and
 * "layers"/"config" (R1.16), invalid descriptors, more than
 * MANIFEST_MAX_ENTRIES entries. Fills the caller-allocated `m`, whose
 * entries the caller releases with manifest_free() (also on failure, and
 * safe on a zeroed struct).
 */
int manifest_parse(const char *content_type, const void *buf, size_t len,
    struct manifest *m, struct err *e);

void manifest_free(struct manifest *m);

/* The compression a layer media type declares (0 for unknown types). */
enum layer_compression layer_media_compression(const char *media_type);

/*
 * What an image config says about the rootfs: os/arch/variant and the
 * diff_ids in order (heap array of DIGEST_MAX strings, owned by `c`).
 */
struct image_config {
	struct platform platform;
	char (*diff_ids)[DIGEST_MAX];
	size_t count;
};

/*
 * Interpret an image config: requires rootfs.type "layers" and valid
 * diff_ids. Release with image_config_free() (safe on a zeroed struct).
 */
int image_config_parse(const void *buf, size_t len, struct image_config *c,
    struct err *e);

void image_config_free(struct image_config *c);

/*
 * The host's platform, normalised as containerd does (x86_64 -> amd64,
 * aarch64 -> arm64, armv7l -> arm/v7...). os is "linux".
 */
void platform_host(struct platform *p);

/*
 * Parse "os/arch[/variant]" (as --platform takes it), normalising arch and
 * variant the same way. Returns 0 or -1 with `e` set.
 */
int platform_parse(const char *s, struct platform *p, struct err *e);

/* "linux/arm64/v8" (variant omitted when empty) into buf (size >= 100). */
void platform_format(const struct platform *p, char *buf, size_t size);

/*
 * Choose the entry of index `m` that best runs on `want` (R1.20): same os
 * and arch, best compatible variant (arm64 v8.x downward then arm/v8...,
 * arm/vN down to v5, amd64/vN downward then 386), attestation and
 * unknown/unknown entries skipped, first match wins among equals. Nested
 * indexes are not entries rocker can pick. Sets *idx and returns 0, or -1
 * with an error listing the platforms the index offers.
 */
int platform_select(const struct manifest *m, const struct platform *want,
    size_t *idx, struct err *e);

#endif

/* commit.h - `docker commit`: a container's changes become a new image
 *
 * The container's changes are archived as one layer tar, which is spooled
 * into a store scratch directory while it is hashed (its digest is the
 * layer's diff_id, needed before the layer transaction begins):
 *  - overlay driver: tarw_tree(upper, TARW_OVERLAY), which turns the
 *    upper dir's 0/0 devices and opaque directories into `.wh.` entries.
 *    The upper dir must come from a mount without redirect_dir or
 *    metacopy (their trusted.overlay.* xattrs are not archived);
 *  - copy driver: copydrv_diff() of the container's rootfs against the
 *    parent's layers.
 * The tar is then extracted as a new layer on top of the parent's last
 * chain id, in the format of `driver` (EXTRACT_OVERLAY or EXTRACT_KEEP,
 * device nodes included), and the image config is derived from the
 * parent's (commit_config()). An empty diff still makes a layer, as in
 * Docker. On failure nothing becomes visible: the scratch directory is
 * removed and the layer transaction aborted.
 */
#ifndef ROCKER_COMMIT_H
#define ROCKER_COMMIT_H

#include <stddef.h>

#include "err.h"
#include "manifest.h"
#include "store.h"

enum {
	COMMIT_CONFIG_MAX = 8 << 20,	/* parent config bytes read */
};

/*
 * What to commit. Every pointer is borrowed for the call; NULL strings
 * are absent.
 */
struct commit_opts {
	const char *parent;		/* parent image id ("sha256:..."), or
					   anything store_image_get() takes */
	int upperfd;			/* overlay: rw/<id>/upper; or -1 */
	int rootfd;			/* copy driver: the rootfs; or -1 */
	const char *const *chains;	/* copy driver: the layers the
					   rootfs was made from, base first;
					   NULL: the parent's */
	size_t nchains;
	int driver;			/* STORE_DRIVER_*: the container's,
					   and the new layer's format */
	const char *tag;		/* "repo[:tag]" or NULL */
	const char *comment;		/* -m */
	const char *author;		/* -a */
	const char *config_json;	/* the container's Config (a JSON
					   object: Env, Cmd, Entrypoint,
					   WorkingDir, User, Labels, ...);
					   its members replace the parent's;
					   NULL keeps the parent's */
	char *const *changes;		/* --change lines, applied last */
	size_t nchanges;
};

/* The instructions --change accepts. */
enum commit_change_kind {
	COMMIT_CMD = 1,
	COMMIT_ENTRYPOINT,
	COMMIT_ENV,
	COMMIT_LABEL,
	COMMIT_WORKDIR,
	COMMIT_USER,
	COMMIT_EXPOSE,
	COMMIT_VOLUME,
	COMMIT_STOPSIGNAL,
};

/*
 * One parsed --change line. argv is a heap array of heap strings owned by
 * the struct (commit_change_free()):
 *  - CMD, ENTRYPOINT: the command; the JSON form ("[\"a\", \"b\"]", an
 *    array of strings) as given, anything else (the shell form) as
 *    {"/bin/sh", "-c", TEXT};
 *  - ENV, LABEL: key, value, key, value...: "K=V K2=\"v 2\"" (double
 *    quotes, single quotes and backslash escapes as in a Dockerfile) or
 *    the old form "K the rest of the line";
 *  - WORKDIR, USER, STOPSIGNAL: one string, the rest of the line;
 *  - EXPOSE: "PORT/PROTO" for each word ("80" is "80/tcp"; tcp, udp or
 *    sctp; port 1..65535; ranges are refused);
 *  - VOLUME: the paths, a JSON array or words.
 */
struct commit_change {
	int kind;			/* enum commit_change_kind */
	char **argv;
	size_t argc;
};

/*
 * Parse --change `line` ("INSTRUCTION ARGS", the instruction in any
 * case; the line must be UTF-8) into `c` (need not be initialised).
 * HEALTHCHECK, ONBUILD and anything else are ERR_USAGE "X is not a valid
 * change command"; missing or malformed arguments and invalid UTF-8 are
 * ERR_USAGE too. Returns 0, or -1 with `c` left empty.
 */
int commit_parse_change(const char *line, struct commit_change *c,
    struct err *e);

/* Free what commit_parse_change() put in `c` and zero it. Safe on a
 * zeroed struct. */
void commit_change_free(struct commit_change *c);

/*
 * The new image config, from the parent's config JSON (`parent`, `plen`
 * bytes; borrowed) and `o` (only config_json, changes, comment and
 * author are used):
 *  - "config": the parent's, each member of o->config_json replacing the
 *    parent's, then o->changes applied in order as a Dockerfile would
 *    (ENV and LABEL update single keys, EXPOSE and VOLUME add keys, a
 *    relative WORKDIR is joined to the current one, ENTRYPOINT clears an
 *    inherited Cmd unless a CMD change came before it);
 *  - "rootfs.diff_ids": the parent's plus `diff_id`;
 *  - "history": the parent's plus {"created", "author" (if any),
 *    "created_by": "rocker commit", "comment" (if any)};
 *  - "created": `created` (RFC 3339); "author" and "comment": o's, or
 *    absent;
 *  - "container", "container_config", "docker_version", "id" and
 *    "parent" are dropped; every other member (architecture, os, ...) is
 *    kept in its place.
 * *out gets the compact JSON (heap, NUL-terminated, free() it) of *outlen
 * bytes. ERR_PARSE for a parent or config_json that is not a JSON object,
 * ERR_USAGE for a bad change. Returns 0 or -1.
 */
int commit_config(const char *parent, size_t plen,
    const struct commit_opts *o, const char *diff_id, const char *created,
    char **out, size_t *outlen, struct err *e);

/*
 * `docker commit`: archive the container's changes (see above), store
 * them as a layer on top of image o->parent, store the new config and an
 * image record (the parent's layers plus the new one, os/architecture
 * from the parent), tagged o->tag when given (normalised:
 * "busybox" is "docker.io/library/busybox:latest"; a digest reference is
 * ERR_USAGE). The store must be open (shared is enough). The image id
 * goes to `id`. Returns 0, or -1 with `e` set ("commit: ...") and nothing
 * visible left behind.
 */
int commit_image(struct store *s, const struct commit_opts *o,
    char id[DIGEST_MAX], struct err *e);

#endif

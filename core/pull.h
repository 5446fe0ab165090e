/* pull.h - pull an image from a registry into the store
 *
 * One pass per layer: HTTP body -> sha256 (compressed digest) -> gunzip ->
 * sha256 (diff_id) -> tar extraction into a staging directory of the
 * store, committed only when both digests and the size match. Missing
 * layers download in parallel, each in its own worker process (the
 * program stays single-threaded); progress reaches the caller as events.
 */
#ifndef ROCKER_PULL_H
#define ROCKER_PULL_H

#include <stdint.h>

#include "config.h"
#include "err.h"
#include "manifest.h"
#include "ref.h"
#include "store.h"

enum pull_state {
	PULL_RESOLVING = 1,	/* text: "TAG: Pulling from REPO" */
	PULL_WAITING,		/* layer queued */
	PULL_DOWNLOADING,	/* done/total bytes */
	PULL_RETRYING,		/* connection lost: resuming */
	PULL_VERIFYING,		/* digests being checked */
	PULL_COMPLETE,		/* layer committed */
	PULL_EXISTS,		/* layer was already in the store */
	PULL_FAILED,
};

struct pull_event {
	enum pull_state state;
	int layer;		/* index, -1 for image-level events */
	int nlayers;
	char id[13];		/* first 12 hex digits of the layer blob */
	uint64_t done, total;
	const char *text;	/* PULL_RESOLVING, PULL_FAILED */
};

struct pull_opts {
	const char *platform;	/* "os/arch[/variant]", NULL for the host */
	int max_concurrent;	/* parallel layer downloads (>= 1) */
	uint64_t max_bytes;	/* per-layer extraction budgets, 0: default */
	uint64_t max_entries;
	void (*progress)(void *arg, const struct pull_event *ev);
	void *arg;
};

struct pull_result {
	char id[DIGEST_MAX];		/* image id (config digest) */
	char digest[DIGEST_MAX];	/* manifest or index digest pulled */
	char canonical[REF_STR_MAX];	/* docker.io/library/busybox:latest */
	char familiar[REF_STR_MAX];	/* busybox:latest */
	int up_to_date;			/* nothing was downloaded */
	int layers_fetched;
	uint64_t bytes;			/* compressed bytes transferred */
};

/*
 * Pull `ref` (parsed by the caller) with the settings of `cfg` into the
 * open store `s`, choosing the storage driver's layer format `driver`
 * (STORE_DRIVER_OVERLAY or STORE_DRIVER_COPY). Fills `res`. On failure
 * nothing partial is visible in the store.
 */
int pull_image(struct store *s, int driver, const struct config *cfg,
    const struct ref *ref, const struct pull_opts *o,
    struct pull_result *res, struct err *e);

#endif

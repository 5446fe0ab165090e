/* registry.h - talking to one repository of an OCI / Docker registry
 *
 * Endpoint choice (mirrors for Docker Hub, HTTPS unless the registry is
 * insecure, then a plain-HTTP fallback), authentication (anonymous or
 * credentialed bearer tokens, refreshed on expiry or a later 401; Basic),
 * retries (429 with Retry-After, 5xx with backoff) and verified fetches of
 * manifests. Blobs are handed back as open HTTP responses for the caller
 * to stream and verify.
 */
#ifndef ROCKER_REGISTRY_H
#define ROCKER_REGISTRY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "auth.h"
#include "config.h"
#include "err.h"
#include "http.h"
#include "manifest.h"
#include "ref.h"
#include "tls.h"

enum {
	REGISTRY_ENDPOINTS_MAX = CONFIG_LIST_MAX + 1,
	REGISTRY_RETRIES = 4,		/* per request, for 429 and 5xx */
	REGISTRY_RETRY_AFTER_MAX = 60,	/* seconds we are willing to wait */
};

struct registry_endpoint {
	char scheme[8];		/* "https" or "http" */
	char host[REF_NAME_MAX + 1];
	char prefix[REF_NAME_MAX + 1];
	int mirror;
	int insecure;		/* may fall back to plain HTTP */
};

/*
 * Caller-allocated; registry_open() sets it up, registry_close() releases
 * it (safe on a zeroed struct). Not shared between processes at once, but
 * a forked child may keep using its copy (the token comes along).
 */
struct registry {
	struct http_client http;
	const struct config *cfg;	/* borrowed */
	struct ref ref;
	struct registry_endpoint ep[REGISTRY_ENDPOINTS_MAX];
	int nep, cur;
	struct tls_trust trust;
	char trust_host[REF_NAME_MAX + 1];
	int trust_loaded;
	struct auth_cred cred;
	int cred_state;		/* 0 not looked up, 1 have, -1 none */
	char *token;		/* bearer token (heap) */
	time_t token_expiry;
	char authz[8192];	/* current Authorization value, "" if none */
	char user_agent[64];
	unsigned long slept_ms;	/* total time waited on retries */
	void (*sleep_fn)(unsigned long ms);	/* tests may replace it */
};

/*
 * Prepare to talk to the repository of `ref` with the settings of `cfg`
 * (borrowed; must outlive `r`). No network traffic yet.
 */
int registry_open(struct registry *r, const struct ref *ref,
    const struct config *cfg, struct err *e);

void registry_close(struct registry *r);

/*
 * Fetch the manifest `reference` (tag or digest) of the repository into a
 * heap buffer (*buf, *len; caller frees), capped at MANIFEST_MAX_BYTES.
 * Verifies the bytes against `reference` when it is a digest, and against
 * Docker-Content-Digest when the registry sends one; *digest receives the
 * digest of the bytes, ctype the Content-Type (without parameters).
 */
int registry_get_manifest(struct registry *r, const char *reference,
    char **buf, size_t *len, char ctype[MEDIATYPE_MAX],
    char digest[DIGEST_MAX], struct err *e);

/*
 * HEAD the manifest `reference` and report its digest from
 * Docker-Content-Digest. Returns 1 with *digest set, 0 when the registry
 * does not say (the caller then GETs), -1 with `e` set.
 */
int registry_head_manifest(struct registry *r, const char *reference,
    char digest[DIGEST_MAX], struct err *e);

/*
 * Start downloading blob `digest`, from byte `offset` (> 0 sends Range).
 * On success `resp` holds a 200 or 206 response whose body the caller
 * reads and frees; the caller checks a 206's Content-Range. Errors: 404
 * "blob unknown", auth failures, exhausted retries.
 */
int registry_get_blob(struct registry *r, const char *digest,
    int64_t offset, struct http_response *resp, struct err *e);

/*
 * Read a whole small blob (config) verifying `size` and `digest`; heap
 * buffer for the caller.
 */
int registry_read_blob(struct registry *r, const struct descriptor *d,
    char **buf, size_t *len, struct err *e);

/*
 * Check credentials: GET /v2/ with `cred` (borrowed) through whatever
 * authentication the registry asks for. Returns 0 when accepted, -1 with
 * ERR_AUTH when refused.
 */
int registry_login(struct registry *r, const struct auth_cred *cred,
    struct err *e);

/*
 * Close pooled connections and start a fresh pool with the same settings
 * (trust, token). Call before fork() so that no connection is shared
 * between processes.
 */
int registry_reset_connections(struct registry *r, struct err *e);

/* "https://host" of the endpoint in use, for messages. */
const char *registry_endpoint_desc(const struct registry *r, char *buf,
    size_t size);

#endif

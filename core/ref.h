/* ref.h - image references: `[scheme://]name[:tag][@digest]`, as Docker
 * parses and normalises them
 *
 * Grammar (distribution/reference, with Docker's normalisation):
 *
 *	reference  := name [ ":" tag ] [ "@" digest ]
 *	name       := [ domain "/" ] path
 *	domain     := host [ ":" port ]
 *	host       := domain-component *( "." domain-component )
 *	            | "[" 1*( HEXDIG / ":" ) "]"	(IPv6 literal)
 *	domain-component := [A-Za-z0-9] | [A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]
 *	port       := 1*DIGIT
 *	path       := component *( "/" component )
 *	component  := [a-z0-9]+ *( separator [a-z0-9]+ )
 *	separator  := "." | "_" | "__" | "-"+
 *	tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *	digest     := "sha256:" 64 lowercase hex | "sha512:" 128 lowercase hex
 *
 * Normalisation: the first '/'-separated component is a registry host only
 * when it is "localhost", contains '.' or ':', or has an uppercase letter;
 * otherwise the registry is docker.io. "index.docker.io" becomes
 * "docker.io". A one-component path on docker.io gets "library/". The
 * normalised name (domain "/" path) is at most 255 characters. "latest" is
 * the tag only when neither a tag nor a digest is given; a reference may
 * carry both (the digest is what is fetched, the tag is for display).
 *
 * rocker also accepts its seed project's form with a scheme prefix,
 * "http://hub-mirror.example/nginx" or "https://host:5000/a/b:tag": the
 * first component after the scheme is always the registry host (even
 * "registry" without a dot), the scheme forces plain HTTP or HTTPS for the
 * pull, and - as in the seed, which used such hosts as Docker Hub mirrors -
 * a one-component path gets "library/" there too.
 *
 * Deliberate differences from Docker: digests other than sha256 and sha512
 * are refused ("unsupported digest algorithm": rocker cannot verify them);
 * a first component that looks like a host but is not a valid one
 * ("a_b.com/x") is an error instead of silently becoming a path.
 *
 * No allocation: a struct ref holds everything in fixed buffers, sized so
 * that every valid reference fits.
 */
#ifndef ROCKER_REF_H
#define ROCKER_REF_H

#include <stddef.h>

#include "err.h"

enum {
	REF_NAME_MAX = 255,		/* domain "/" path, normalised */
	REF_TAG_MAX = 128,
	REF_DIGEST_MAX = 7 + 128,	/* "sha512:" + 128 hex */
	REF_INPUT_MAX = 1024,		/* longest string ref_parse() reads */
	/* Enough for any string ref_canonical() and friends produce. */
	REF_STR_MAX = 8 + 3 + REF_NAME_MAX + 1 + REF_TAG_MAX + 1 +
	    REF_DIGEST_MAX + 1,
};

/*
 * A parsed reference. All fields are NUL-terminated; an absent part is "".
 *
 * domain: registry as written after normalisation: "docker.io",
 *   "quay.io", "localhost:5000", "[::1]:5000" (case kept: hosts are
 *   case-insensitive, rocker does not rewrite them).
 * path: the repository within the registry: "library/nginx".
 * tag: "latest" by default, "" when only a digest was given.
 * digest: "sha256:<64 hex>" or "sha512:<128 hex>", or "".
 * scheme: "http" or "https" when the reference had that prefix, else "".
 */
struct ref {
	char domain[REF_NAME_MAX + 1];
	char path[REF_NAME_MAX + 1];
	char tag[REF_TAG_MAX + 1];
	char digest[REF_DIGEST_MAX + 1];
	char scheme[8];
};

/*
 * An endpoint URL such as a registry mirror: "https://mirror.example",
 * "mirror.example:5000" (no scheme means https), "http://10.0.0.2:5000/".
 * scheme: "http" or "https"; host: host[:port] as in a reference domain;
 * prefix: a path prefix without trailing '/' ("" for none, "/sub" else).
 */
struct ref_endpoint {
	char scheme[8];
	char host[REF_NAME_MAX + 1];
	char prefix[REF_NAME_MAX + 1];
};

/*
 * Parse the NUL-terminated reference `s` (not NULL) into `r` (not NULL,
 * caller-allocated; overwritten, and zeroed on failure). Returns 0, or -1
 * with `e` set to ERR_PARSE (ERR_LIMIT for an input longer than
 * REF_INPUT_MAX) and one of Docker's messages:
 *	"invalid reference format"
 *	"invalid reference format: repository name must be lowercase"
 *	"invalid reference format: repository name must not be more than
 *	 255 characters"
 *	"invalid reference format: invalid tag format ..."
 *	"invalid digest: invalid checksum digest length ..." (and similar)
 *	"invalid repository name (...), cannot specify 64-byte hexadecimal
 *	 strings"
 * followed where useful by the offending text.
 */
int ref_parse(struct ref *r, const char *s, struct err *e);

/*
 * Write the canonical form of `r`, without scheme, into `buf` of `size`
 * bytes: "docker.io/library/nginx:latest", "quay.io/a/b@sha256:...",
 * "host/x:1@sha256:..." when both are set. Like snprintf(): the output is
 * NUL-terminated (when size > 0) and truncated if too small; returns the
 * length it needed. REF_STR_MAX is always enough.
 */
size_t ref_canonical(const struct ref *r, char *buf, size_t size);

/*
 * The familiar form that `docker images` shows: docker.io and a
 * "library/" prefix are dropped ("nginx:latest", "user/app:1"), other
 * registries stay ("quay.io/a/b:tag"). Unlike docker, a Hub path whose
 * first component would read as a registry ("docker.io/foo.io/x") keeps
 * "docker.io/", so that the familiar form parses back to the same
 * reference. Same buffer rules as ref_canonical().
 */
size_t ref_familiar(const struct ref *r, char *buf, size_t size);

/*
 * The repository with its domain, no tag or digest:
 * "docker.io/library/nginx". Same buffer rules as ref_canonical().
 */
size_t ref_name(const struct ref *r, char *buf, size_t size);

/*
 * What to put after /v2/<path>/manifests/: the digest when there is one,
 * else the tag. Points into `r`.
 */
const char *ref_manifest_ref(const struct ref *r);

/* 1 when `r` names Docker Hub (domain docker.io), else 0. */
int ref_is_docker_hub(const struct ref *r);

/*
 * The host[:port] to send registry API requests to: "registry-1.docker.io"
 * for docker.io, the domain otherwise. Points into `r` or to a static
 * string.
 */
const char *ref_api_host(const struct ref *r);

/*
 * The key under which ~/.docker/config.json stores credentials for `r`:
 * "https://index.docker.io/v1/" for docker.io, the domain (host[:port])
 * otherwise. Points into `r` or to a static string.
 */
const char *ref_cred_key(const struct ref *r);

/*
 * Parse an endpoint URL `url` (not NULL) into `ep` (zeroed on failure):
 * scheme http or https (https when absent), a host as in a reference
 * domain, an optional path prefix. Userinfo, query and fragment are
 * refused. Returns 0 or -1 with `e` set (ERR_PARSE).
 */
int ref_endpoint_parse(struct ref_endpoint *ep, const char *url,
	struct err *e);

/*
 * A reference standing for registry `server` as `rocker login`/`logout`
 * take it: NULL, "docker.io" or an index.docker.io URL name Docker Hub;
 * otherwise "[scheme://]host[:port][/...]". The repository is a
 * placeholder ("x"); use ref_cred_key() and ref_api_host() on the result.
 */
int ref_from_server(struct ref *r, const char *server, struct err *e);

#endif

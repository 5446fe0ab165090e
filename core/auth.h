/* auth.h - registry authentication: WWW-Authenticate challenges, Base64,
 * Docker's config.json credentials and credential helpers, token responses
 *
 * The pieces a pull needs between "401 Unauthorized" and a retry with an
 * Authorization header:
 *
 *  1. auth_challenges_parse() reads each WWW-Authenticate header (RFC 7235:
 *     several challenges per header and across headers, quoted strings
 *     with commas and escapes, token68, case-insensitive names) and
 *     auth_challenges_pick() prefers Bearer, then Basic.
 *  2. auth_config_get() finds the user's credentials for a registry the
 *     way the docker CLI does: credHelpers, credsStore, then auths in
 *     ~/.docker/config.json (or $DOCKER_CONFIG/config.json).
 *  3. For Bearer: auth_scope() and auth_token_url() build the token
 *     request, auth_basic_header() its credentials, auth_token_parse()
 *     reads the answer.
 *
 * `rocker login` and `logout` use auth_config_store() and
 * auth_config_erase(), which rewrite config.json atomically, mode 0600,
 * keeping every other key.
 *
 * Memory: challenges and credentials live in caller-allocated structs with
 * fixed buffers (no allocation; oversized input is refused with
 * ERR_LIMIT). Only a token response is heap-allocated (tokens run to
 * kilobytes): struct auth_token owns its strings until auth_token_free().
 */
#ifndef ROCKER_AUTH_H
#define ROCKER_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum {
	AUTH_HEADER_MAX = 8192,		/* one WWW-Authenticate value */
	AUTH_CHALLENGES_MAX = 8,	/* challenges kept per response */
	AUTH_SCHEME_MAX = 32,
	AUTH_REALM_MAX = 1024,
	AUTH_SERVICE_MAX = 256,
	AUTH_SCOPE_MAX = 2048,		/* may hold several, space-separated */
	AUTH_ERROR_MAX = 128,
	AUTH_USER_MAX = 512,
	AUTH_SECRET_MAX = 8192,		/* passwords, identity tokens */
	AUTH_CONFIG_MAX = 1 << 20,	/* config.json */
	AUTH_TOKEN_BODY_MAX = 1 << 20,	/* token response */
	AUTH_HELPER_OUT_MAX = 64 << 10,	/* credential helper stdout */
	AUTH_HELPER_TIMEOUT_MS = 30000,
	AUTH_TOKEN_DEFAULT_EXPIRY = 60,	/* seconds, when expires_in absent */
};

/* Challenge schemes rocker knows. */
enum auth_scheme {
	AUTH_OTHER = 0,		/* Negotiate, Digest, ...: never picked */
	AUTH_BASIC,
	AUTH_BEARER,
};

/*
 * One challenge. scheme is lowercased; realm, service, scope and error are
 * the values of those parameters (unescaped, "" when absent); other
 * parameters are checked for syntax and dropped. token68 is 1 when the
 * challenge carried a token68 instead of parameters (its value is not
 * kept).
 */
struct auth_challenge {
	enum auth_scheme kind;
	char scheme[AUTH_SCHEME_MAX];
	char realm[AUTH_REALM_MAX];
	char service[AUTH_SERVICE_MAX];
	char scope[AUTH_SCOPE_MAX];
	char error[AUTH_ERROR_MAX];
	int token68;
};

/* The challenges of one response, in order. A zeroed struct is empty. */
struct auth_challenges {
	int n;
	struct auth_challenge c[AUTH_CHALLENGES_MAX];
};

/*
 * Parse one WWW-Authenticate header value (`len` bytes at `hdr`, need not
 * be NUL-terminated) and append its challenges to `set`; call once per
 * header. Returns 0, or -1 with `e` set, set->n and the challenges already
 * in `set` unchanged (later slots zeroed): ERR_PARSE for
 * a value that is not RFC 7235 syntax (also an empty value, a control
 * character, a repeated realm/service/scope/error parameter), ERR_LIMIT for
 * a value longer than AUTH_HEADER_MAX, more than AUTH_CHALLENGES_MAX
 * challenges in `set`, or a parameter too long for its field.
 */
int auth_challenges_parse(struct auth_challenges *set, const char *hdr,
	size_t len, struct err *e);

/*
 * The challenge to answer: the first Bearer one, else the first Basic one,
 * else NULL. Points into `set`.
 */
const struct auth_challenge *auth_challenges_pick(
	const struct auth_challenges *set);

/* Length of the Base64 encoding of `n` bytes, padding included. */
size_t auth_base64_len(size_t n);

/*
 * Encode `n` bytes at `in` as padded standard Base64 into `out` (`size`
 * bytes, room for auth_base64_len(n) + 1), NUL-terminated. Returns 0, or -1
 * with ERR_LIMIT when `out` is too small.
 */
int auth_base64_encode(const void *in, size_t n, char *out, size_t size,
	struct err *e);

/*
 * Decode `n` characters of standard Base64 at `in`, padded or not, into
 * `out` (`size` bytes; n / 4 * 3 + 3 always suffices); *outlen receives the
 * byte count. Any character outside the alphabet (whitespace included), a
 * misplaced '=' or an impossible length is ERR_PARSE; a small `out` is
 * ERR_LIMIT. Non-zero bits after the last whole byte are accepted, as Go's
 * decoder (and so Docker) accepts them.
 */
int auth_base64_decode(const char *in, size_t n, void *out, size_t size,
	size_t *outlen, struct err *e);

/*
 * Credentials for one registry. Every field is NUL-terminated, "" when
 * absent. password: the password or a helper's Secret. identitytoken: an
 * OAuth refresh token (config "identitytoken", or a helper answer whose
 * Username is "<token>"), to be exchanged at the token realm.
 * registrytoken: a bearer token to send to the registry as it is.
 * source: where they came from, for messages ("config.json",
 * "docker-credential-NAME"). Clear with auth_cred_clear() after use.
 */
struct auth_cred {
	char username[AUTH_USER_MAX];
	char password[AUTH_SECRET_MAX];
	char identitytoken[AUTH_SECRET_MAX];
	char registrytoken[AUTH_SECRET_MAX];
	char source[96];
};

/* Wipe `c` (explicit_bzero, not optimised away). */
void auth_cred_clear(struct auth_cred *c);

/*
 * The path of the docker CLI config: $DOCKER_CONFIG/config.json when
 * DOCKER_CONFIG is set and not empty, else $HOME/.docker/config.json.
 * Writes it into `buf` (`size` bytes). Returns 0, or -1 with `e` set
 * (ERR_NOTFOUND when neither variable is set, ERR_LIMIT when too long).
 */
int auth_config_path(char *buf, size_t size, struct err *e);

/*
 * Look up the credentials for registry `key` (not NULL): ref_cred_key()'s
 * "https://index.docker.io/v1/" for Docker Hub, else "host[:port]"; any
 * URL form is accepted. `path` is the config file, NULL for
 * auth_config_path(); an absent file means no credentials.
 *
 * Order, as the docker CLI: a credential helper - credHelpers[host], else
 * credsStore - is asked first (auth_helper_get() with `key` as the server
 * URL); when it has nothing, the inline "auths" entries are read (so an
 * empty `"https://index.docker.io/v1/": {}` placeholder, which docker
 * writes when a store is in use, never counts as credentials). auths and
 * credHelpers keys are tried as: `key` exactly; for Docker Hub
 * "https://index.docker.io/v1/"; then for the host H (each of docker.io,
 * index.docker.io and registry-1.docker.io for Hub) H, https://H,
 * http://H, https://H/v1/, https://H/v2/; then any key whose host part
 * (scheme and path stripped) equals H, ignoring case. An entry gives
 * "auth" (Base64 of user:password, padded or not, split at the first ':',
 * trailing NULs trimmed, empty user refused) or "username"/"password",
 * plus "identitytoken" and "registrytoken"; an entry with none of them is
 * skipped.
 *
 * Returns 1 with `c` filled, 0 when there are no credentials (anonymous
 * pull; `c` zeroed), -1 with `e` set: unreadable or malformed file
 * (ERR_PARSE, ERR_LIMIT), a bad auth value, a helper that failed or is
 * missing (ERR_NOTFOUND: "docker-credential-NAME: not found in PATH").
 */
int auth_config_get(const char *path, const char *key, struct auth_cred *c,
	struct err *e);

/*
 * Run `docker-credential-HELPER get` (found on PATH; HELPER must match
 * [A-Za-z0-9._-]+) with `server` on its stdin, a minimal environment
 * (PATH, HOME, USER, XDG_*, DBUS_SESSION_BUS_ADDRESS, proxies and the
 * AWS_/AZURE_/GOOGLE_/CLOUDSDK_ variables cloud helpers read), stderr to
 * /dev/null, at most AUTH_HELPER_OUT_MAX bytes of output and `timeout_ms`
 * milliseconds (then it is killed). Success output {"Username","Secret"}
 * fills `c` (Username "<token>" makes Secret an identity token).
 *
 * Returns 1 with `c` filled; 0 when the helper says "credentials not found"
 * (`c` zeroed); -1 with `e` set: ERR_NOTFOUND when the helper is not on
 * PATH, ERR_LIMIT on timeout or too much output, ERR_AUTH with the
 * helper's own message (sanitised) when it exits non-zero, ERR_PARSE for
 * output that is not the expected JSON.
 */
int auth_helper_get(const char *helper, const char *server, int timeout_ms,
	struct auth_cred *c, struct err *e);

/*
 * Store `c` for registry `key` in the config at `path` (NULL:
 * auth_config_path()): auths[key] becomes {"auth": base64(user:password)}
 * plus "identitytoken" when set, replacing that entry in place or adding it
 * last. Every other key and entry is kept as it was (values rewritten by
 * the JSON writer, so formatting becomes tab-indented as docker writes
 * it). A missing file (and its directory, mode 0700) is created; a file
 * that is not a JSON object is refused, never overwritten. The new file is
 * written to a temporary file in the same directory, fsync'd, renamed over
 * the old one (through a symlink to its target), mode 0600. Credential
 * helpers are not asked to store. Returns 0 or -1 with `e` set.
 */
int auth_config_store(const char *path, const char *key,
	const struct auth_cred *c, struct err *e);

/*
 * Remove the auths entries for registry `key` from the config at `path`
 * (NULL: auth_config_path()): `key` itself and the H, https://H, http://H,
 * https://H/v1/, https://H/v2/ forms (and the other Hub names for Docker
 * Hub). Rewrites as auth_config_store() does. Returns 1 when something was
 * removed, 0 when there was nothing to remove (file untouched), -1 with `e`
 * set.
 */
int auth_config_erase(const char *path, const char *key, struct err *e);

/*
 * A token endpoint's answer. token: the bearer token ("access_token" when
 * present, else "token", as docker), NUL-terminated, on the heap.
 * refresh_token: heap or NULL. expires_in: seconds from expires_in, or
 * AUTH_TOKEN_DEFAULT_EXPIRY when absent or not positive. issued_at: Unix
 * seconds from the RFC 3339 issued_at, 0 when absent or unparsable.
 */
struct auth_token {
	char *token;
	char *refresh_token;
	int64_t expires_in;
	int64_t issued_at;
};

/*
 * Parse a token response body (`len` bytes at `body`, at most
 * AUTH_TOKEN_BODY_MAX) into `t`, which is overwritten (not freed first).
 * Returns 0 with `t` owning its strings, or -1 with `e` set (ERR_LIMIT,
 * ERR_PARSE, ERR_PROTO when there is no token) and `t` zeroed.
 */
int auth_token_parse(struct auth_token *t, const char *body, size_t len,
	struct err *e);

/* Free the strings of `t` (wiping the token) and zero it. Safe on a zeroed
 * struct and twice. */
void auth_token_free(struct auth_token *t);

/*
 * Write the scope "repository:REPO:ACTIONS" into `buf` (`size` bytes):
 * `repo` is a repository path ("library/alpine", no ':' or space),
 * `actions` is "pull", "pull,push" or similar ([a-z*,]+). Returns 0, or -1
 * with `e` set (ERR_PARSE, ERR_LIMIT when `buf` is too small).
 */
int auth_scope(char *buf, size_t size, const char *repo, const char *actions,
	struct err *e);

/*
 * Write the token request URL: `realm` (an http:// or https:// URL,
 * possibly with a query), then "service=" `service` (skipped when NULL or
 * "") and one "scope=" per entry of `scopes` (`nscopes` of them, in that
 * order), all percent-encoded. Returns 0, or -1 with `e` set (ERR_PARSE for
 * a bad realm, ERR_LIMIT when `buf` is too small).
 */
int auth_token_url(char *buf, size_t size, const char *realm,
	const char *service, const char *const *scopes, size_t nscopes,
	struct err *e);

/*
 * Write "Basic " base64(user ":" password) into `buf` (`size` bytes).
 * Returns 0, or -1 with ERR_LIMIT when `buf` is too small.
 */
int auth_basic_header(char *buf, size_t size, const char *user,
	const char *password, struct err *e);

#endif

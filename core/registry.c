/* registry.c - endpoints, authentication and retries for one repository
 *
 * Distribution spec flow: every request goes to the chosen endpoint with
 * the current Authorization; a 401 is answered from its WWW-Authenticate
 * challenge (a bearer token from the realm, anonymous or with the
 * credentials from the docker config, or Basic) and the request is sent
 * once more; 429 waits for Retry-After, 5xx and dropped connections back
 * off, both a bounded number of times.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "log.h"
#include "registry.h"
#include "sha256.h"

enum {
	ERRBODY_MAX = 1 << 20,
	TOKEN_BODY_MAX = 1 << 20,
	BACKOFF_MS = 500,
};

static const char *const docker_certs_d = "/etc/docker/certs.d";

static void
sleep_ms(unsigned long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* host part of "host[:port]" / "[v6]:port" into buf. */
static void
host_only(const char *hostport, char *buf, size_t size)
{
	const char *end;
	size_t n;

	if (hostport[0] == '[') {
		end = strchr(hostport, ']');
		n = end ? (size_t)(end - hostport - 1) : strlen(hostport);
		hostport++;
	} else {
		end = strrchr(hostport, ':');
		n = end ? (size_t)(end - hostport) : strlen(hostport);
	}
	if (n >= size)
		n = size - 1;
	memcpy(buf, hostport, n);
	buf[n] = '\0';
}

/* Is IPv4/IPv6 literal `ip` inside "a.b.c.d/n" (or "v6/n") `cidr`? */
static int
in_cidr(const char *ip, const char *cidr)
{
	unsigned char a[16], net[16];
	char base[64];
	const char *slash = strchr(cidr, '/');
	int bits, af, len, i;

	if (!slash || (size_t)(slash - cidr) >= sizeof(base))
		return 0;
	memcpy(base, cidr, slash - cidr);
	base[slash - cidr] = '\0';
	bits = atoi(slash + 1);
	af = strchr(base, ':') ? AF_INET6 : AF_INET;
	len = af == AF_INET ? 4 : 16;
	if (inet_pton(af, ip, a) != 1 || inet_pton(af, base, net) != 1 ||
	    bits < 0 || bits > len * 8)
		return 0;
	for (i = 0; i < len && bits > 0; i++, bits -= 8) {
		unsigned char mask = bits >= 8 ? 0xff : 0xff << (8 - bits);

		if ((a[i] & mask) != (net[i] & mask))
			return 0;
	}
	return 1;
}

/*
 * Docker's rule: plain HTTP is allowed for 127.0.0.0/8, ::1 and what
 * insecure-registries lists (host[:port] or CIDRs). "localhost" counts as
 * loopback, since Docker resolves it to 127.0.0.1 before checking.
 */
static int
is_insecure(const struct config *cfg, const char *hostport)
{
	char host[REF_NAME_MAX + 1];
	int i;

	host_only(hostport, host, sizeof(host));
	if (strcmp(host, "localhost") == 0 || in_cidr(host, "127.0.0.0/8") ||
	    in_cidr(host, "::1/128"))
		return 1;
	for (i = 0; i < cfg->ninsecure; i++) {
		const char *ins = cfg->insecure[i];

		if (strcmp(ins, hostport) == 0 || strcmp(ins, host) == 0 ||
		    (strchr(ins, '/') && in_cidr(host, ins)))
			return 1;
	}
	return 0;
}

static const struct tls_trust *
trust_for(void *arg, const char *host, int port, struct err *e)
{
	struct registry *r = arg;
	const char *dirs[3];
	char hp[REF_NAME_MAX + 16];

	dirs[0] = r->cfg->certs_dir;
	dirs[1] = docker_certs_d;
	dirs[2] = NULL;
	if (strchr(host, ':'))
		snprintf(hp, sizeof(hp), "[%s]:%d", host, port);
	else
		snprintf(hp, sizeof(hp), "%s:%d", host, port);
	if (r->trust_loaded && strcmp(r->trust_host, hp) == 0)
		return &r->trust;
	tls_trust_free(&r->trust);
	tls_trust_init(&r->trust);
	r->trust_loaded = 0;
	if (tls_trust_add_system(&r->trust, e) < 0)
		return NULL;
	/* certs.d uses "host:port" only for a non-default port. */
	if (tls_trust_add_certs_d(&r->trust, dirs, hp, e) < 0)
		return NULL;
	if (port == 443 && tls_trust_add_certs_d(&r->trust, dirs, host,
	    e) < 0)
		return NULL;
	if (strlen(hp) >= sizeof(r->trust_host)) {
		err_set(e, ERR_LIMIT, "host name too long");
		return NULL;
	}
	strcpy(r->trust_host, hp);
	r->trust_loaded = 1;
	return &r->trust;
}

static int
add_endpoint(struct registry *r, const char *scheme, const char *host,
    const char *prefix, int mirror)
{
	struct registry_endpoint *ep;

	if (r->nep == REGISTRY_ENDPOINTS_MAX)
		return 0;
	ep = &r->ep[r->nep++];
	snprintf(ep->scheme, sizeof(ep->scheme), "%s", scheme);
	snprintf(ep->host, sizeof(ep->host), "%s", host);
	snprintf(ep->prefix, sizeof(ep->prefix), "%s", prefix);
	ep->mirror = mirror;
	ep->insecure = is_insecure(r->cfg, host);
	return 0;
}

int
registry_open(struct registry *r, const struct ref *ref,
    const struct config *cfg, struct err *e)
{
	struct ref_endpoint mep;
	int i;

	memset(r, 0, sizeof(*r));
	r->cfg = cfg;
	r->ref = *ref;
	r->sleep_fn = sleep_ms;
	tls_trust_init(&r->trust);
	snprintf(r->user_agent, sizeof(r->user_agent), "rocker/0.1");
	if (registry_reset_connections(r, e) < 0)
		return -1;
	if (ref->scheme[0])
		return add_endpoint(r, ref->scheme, ref_api_host(ref), "", 0);
	if (ref_is_docker_hub(ref)) {
		for (i = 0; i < cfg->nmirrors; i++) {
			if (ref_endpoint_parse(&mep, cfg->mirrors[i], e) < 0)
				return err_ctx(e, "registry mirror %s",
				    cfg->mirrors[i]);
			add_endpoint(r, mep.scheme, mep.host, mep.prefix, 1);
		}
	}
	return add_endpoint(r, "https", ref_api_host(ref), "", 0);
}

int
registry_reset_connections(struct registry *r, struct err *e)
{
	http_client_free(&r->http);
	if (http_client_init(&r->http, e) < 0)
		return -1;
	r->http.user_agent = r->user_agent;
	r->http.trust = trust_for;
	r->http.trust_arg = r;
	if (r->cfg && r->cfg->registry_timeout &&
	    r->cfg->registry_timeout < 86400) {
		r->http.timeout_ms = (int)r->cfg->registry_timeout * 1000;
		r->http.connect_timeout_ms = r->http.timeout_ms;
	}
	return 0;
}

void
registry_close(struct registry *r)
{
	http_client_free(&r->http);
	tls_trust_free(&r->trust);
	auth_cred_clear(&r->cred);
	if (r->token) {
		memset(r->token, 0, strlen(r->token));
		free(r->token);
	}
	memset(r->authz, 0, sizeof(r->authz));
	r->token = NULL;
}

const char *
registry_endpoint_desc(const struct registry *r, char *buf, size_t size)
{
	const struct registry_endpoint *ep = &r->ep[r->cur];

	snprintf(buf, size, "%s://%s%s", ep->scheme, ep->host, ep->prefix);
	return buf;
}

/* Credentials from the docker config, looked up once. */
static int
load_cred(struct registry *r, struct err *e)
{
	int got;

	if (r->cred_state)
		return r->cred_state > 0;
	got = auth_config_get(NULL, ref_cred_key(&r->ref), &r->cred, e);
	if (got < 0) {
		/* No $HOME and no DOCKER_CONFIG: simply anonymous. */
		if (e->code != ERR_NOTFOUND ||
		    strstr(e->msg, "docker-credential"))
			return err_ctx(e, "credentials");
		got = 0;
	}
	r->cred_state = got ? 1 : -1;
	return got;
}

/* Summarise a registry error body {"errors":[{"code","message"}]}. */
static void
error_detail(struct http_response *resp, char *out, size_t size)
{
	struct err e2 = ERR_INIT;
	struct json_value *root = NULL;
	const char *code, *msg;
	char *body = NULL;
	size_t len;

	out[0] = '\0';
	if (http_read_all(resp, ERRBODY_MAX, &body, &len, &e2) < 0)
		return;
	root = json_parse(body, len, NULL, &e2);
	code = json_str(json_get(root, "errors.0.code"));
	msg = json_str(json_get(root, "errors.0.message"));
	/* Docker's form: "manifest unknown: manifest unknown". */
	if (code || msg)
		snprintf(out, size, "%.60s%s%.200s", code ? code : "",
		    code && msg ? ": " : "", msg ? msg : "");
	for (len = 0; out[len]; len++) {
		if (code && len < strlen(code) && out[len] >= 'A' &&
		    out[len] <= 'Z')
			out[len] += 'a' - 'A';
		else if (code && len < strlen(code) && out[len] == '_')
			out[len] = ' ';
		if ((unsigned char)out[len] < ' ')
			out[len] = ' ';
	}
	json_free(root);
	free(body);
}

/* Get a bearer token for the challenge `ch`. */
/*
 * 1 when `host` (an IP literal, maybe "[v6]" and ":port") is link-local:
 * 169.254.0.0/16 or fe80::/10, IPv4-mapped forms included. Cloud metadata
 * services live there, so a challenge must not send us to one.
 */
static int
link_local(const char *host)
{
	char h[REF_NAME_MAX + 1], *p;
	struct in_addr a4;
	unsigned char a6[16];
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0xff, 0xff };

	snprintf(h, sizeof(h), "%s", host);
	if (h[0] == '[') {
		memmove(h, h + 1, strlen(h));
		if ((p = strchr(h, ']')))
			*p = '\0';
	} else if ((p = strchr(h, ':')) && !strchr(p + 1, ':')) {
		*p = '\0';
	}
	if (inet_aton(h, &a4))
		return (ntohl(a4.s_addr) >> 16) == 0xa9fe;
	if (inet_pton(AF_INET6, h, a6) != 1)
		return 0;
	if (memcmp(a6, mapped, sizeof(mapped)) == 0)
		return a6[12] == 169 && a6[13] == 254;
	return a6[0] == 0xfe && (a6[1] & 0xc0) == 0x80;
}

static int
fetch_token(struct registry *r, const struct auth_challenge *ch,
    struct err *e)
{
	struct http_request req;
	struct http_response resp;
	struct http_header h[1];
	struct auth_token tok;
	char url[URL_STR_MAX], scope[512], basic[1024], detail[300];
	struct url ru;
	const char *scopes[2];
	size_t ns = 0, len;
	char *body = NULL;
	int have, ret = -1;

	memset(&resp, 0, sizeof(resp));
	memset(&tok, 0, sizeof(tok));
	if (strncmp(ch->realm, "https://", 8) != 0 &&
	    strncmp(ch->realm, "http://", 7) != 0)
		return err_set(e, ERR_AUTH, "token realm \"%.100s\" is not an "
		    "http(s) URL", ch->realm);
	if (strncmp(ch->realm, "http://", 7) == 0 &&
	    strcmp(r->ep[r->cur].scheme, "https") == 0)
		return err_set(e, ERR_AUTH, "refusing plain-HTTP token realm "
		    "%.100s for an HTTPS registry", ch->realm);
	if (url_parse(&ru, ch->realm, e) < 0)
		return err_ctx(e, "token realm");
	if (link_local(ru.host) && !link_local(r->ep[r->cur].host))
		return err_set(e, ERR_AUTH, "refusing token realm %.100s: a "
		    "link-local address (the registry is not)", ch->realm);
	if (auth_scope(scope, sizeof(scope), r->ref.path, "pull", e) < 0)
		return -1;
	scopes[ns++] = scope;
	if (auth_token_url(url, sizeof(url), ch->realm, ch->service, scopes,
	    ns, e) < 0)
		return err_ctx(e, "token realm");
	have = load_cred(r, e);
	if (have < 0)
		return -1;
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	if (have && r->cred.username[0]) {
		if (auth_basic_header(basic, sizeof(basic), r->cred.username,
		    r->cred.password, e) < 0)
			return -1;
		h[0].name = "Authorization";
		h[0].value = basic;
		h[0].credential = 1;
		req.headers = h;
		req.nheaders = 1;
	}
	log_debug("token request %s%s", url, req.nheaders ?
	    " (with credentials)" : "");
	if (http_do(&r->http, &req, &resp, e) < 0)
		return err_ctx(e, "token");
	if (resp.status != 200) {
		error_detail(&resp, detail, sizeof(detail));
		err_set(e, ERR_AUTH, "token server %.100s answered %d%s%s%s",
		    ch->realm, resp.status, detail[0] ? " (" : "", detail,
		    detail[0] ? ")" : "");
		if (resp.status == 401 && have)
			err_ctx(e, "unauthorized: incorrect username or "
			    "password");
		goto out;
	}
	if (http_read_all(&resp, TOKEN_BODY_MAX, &body, &len, e) < 0 ||
	    auth_token_parse(&tok, body, len, e) < 0) {
		err_ctx(e, "token");
		goto out;
	}
	if (strlen(tok.token) + 8 >= sizeof(r->authz)) {
		err_set(e, ERR_LIMIT, "token longer than %zu bytes",
		    sizeof(r->authz) - 8);
		goto out;
	}
	snprintf(r->authz, sizeof(r->authz), "Bearer %s", tok.token);
	r->token_expiry = time(NULL) + (tok.expires_in > 10 ?
	    tok.expires_in - 5 : tok.expires_in);
	ret = 0;
out:
	auth_token_free(&tok);
	if (body) {
		memset(body, 0, len);
		free(body);
	}
	http_response_free(&resp);
	return ret;
}

/* Answer the 401 in `resp`: set r->authz for the next attempt. */
static int
authenticate(struct registry *r, struct http_response *resp,
    struct err *e)
{
	struct auth_challenges set;
	const struct auth_challenge *ch;
	const char *h;
	size_t i;
	int have;

	memset(&set, 0, sizeof(set));
	for (i = 0; (h = http_header_nth(resp, "WWW-Authenticate", i)); i++)
		if (auth_challenges_parse(&set, h, strlen(h), e) < 0)
			return err_ctx(e, "WWW-Authenticate");
	ch = auth_challenges_pick(&set);
	if (!ch)
		return err_set(e, ERR_AUTH, "unauthorized: the registry "
		    "offers no authentication rocker supports");
	if (ch->kind == AUTH_BEARER)
		return fetch_token(r, ch, e);
	have = load_cred(r, e);
	if (have < 0)
		return -1;
	if (!have || !r->cred.username[0])
		return err_set(e, ERR_AUTH, "unauthorized: authentication "
		    "required (try 'rocker login %s')", r->ref.domain);
	return auth_basic_header(r->authz, sizeof(r->authz),
	    r->cred.username, r->cred.password, e);
}

/*
 * Send METHOD to the current endpoint's /v2/<repo>/<path> (or `url` when
 * absolute), answering auth challenges and retrying 429/5xx/connection
 * failures. On success `resp` holds a response with any status other
 * than 401/429/5xx (the caller judges it).
 */
static int
request(struct registry *r, const char *method, const char *path,
    const char *accept, const char *range, struct http_response *resp,
    struct err *e)
{
	struct registry_endpoint *ep;
	struct http_request req;
	struct http_header h[3];
	char url[URL_STR_MAX], detail[300];
	const char *ra;
	unsigned long wait;
	int attempt, auths = 0, n;

	for (attempt = 0;; attempt++) {
		ep = &r->ep[r->cur];
		if (r->authz[0] && r->token_expiry &&
		    time(NULL) >= r->token_expiry)
			r->authz[0] = '\0';	/* expired: fetch again */
		n = snprintf(url, sizeof(url), "%s://%s%s%s", ep->scheme,
		    ep->host, ep->prefix, path);
		if (n < 0 || (size_t)n >= sizeof(url))
			return err_set(e, ERR_LIMIT, "URL too long");
		memset(&req, 0, sizeof(req));
		req.method = method;
		req.url = url;
		req.headers = h;
		if (accept) {
			h[req.nheaders].name = "Accept";
			h[req.nheaders].value = accept;
			h[req.nheaders++].credential = 0;
		}
		if (range) {
			h[req.nheaders].name = "Range";
			h[req.nheaders].value = range;
			h[req.nheaders++].credential = 0;
		}
		if (r->authz[0]) {
			h[req.nheaders].name = "Authorization";
			h[req.nheaders].value = r->authz;
			h[req.nheaders++].credential = 1;
		}
		log_debug("%s %s", method, url);
		if (http_do(&r->http, &req, resp, e) < 0) {
			/*
			 * An insecure registry that does not speak TLS: plain
			 * HTTP. Unlike Docker, certificates are never skipped:
			 * a registry that speaks TLS must present a valid one.
			 */
			if (ep->insecure && strcmp(ep->scheme, "https") == 0 &&
			    attempt == 0 && strstr(e->msg, "does not speak TLS")) {
				log_debug("%s: falling back to HTTP", e->msg);
				strcpy(ep->scheme, "http");
				attempt--;
				continue;
			}
			if (e->code == ERR_NOTFOUND || e->code ==
			    ECONNREFUSED || attempt >= REGISTRY_RETRIES ||
			    strstr(e->msg, "certificate") ||
			    strstr(e->msg, "redirect"))
				return -1;
			log_debug("%s: retrying", e->msg);
			r->slept_ms += BACKOFF_MS << attempt;
			r->sleep_fn(BACKOFF_MS << attempt);
			continue;
		}
		if (resp->status == 401 && auths < 2) {
			auths++;
			attempt--;
			if (auths == 2)
				r->authz[0] = '\0';
			error_detail(resp, detail, sizeof(detail));
			if (authenticate(r, resp, e) < 0) {
				http_response_free(resp);
				return -1;
			}
			http_response_free(resp);
			continue;
		}
		if (resp->status == 401) {
			error_detail(resp, detail, sizeof(detail));
			http_response_free(resp);
			if (strncmp(detail, "unauthorized", 12) == 0)
				return err_set(e, ERR_AUTH, "%s", detail);
			return err_set(e, ERR_AUTH, "unauthorized: %s",
			    detail[0] ? detail : "authentication required");
		}
		if ((resp->status == 429 || resp->status >= 500) &&
		    attempt < REGISTRY_RETRIES) {
			wait = BACKOFF_MS << attempt;
			ra = http_header(resp, "Retry-After");
			if (resp->status == 429 && ra) {
				struct err e2 = ERR_INIT;
				unsigned long secs;

				if (http_retry_after(ra, time(NULL), &secs,
				    &e2) == 0)
					wait = (secs > REGISTRY_RETRY_AFTER_MAX ?
					    REGISTRY_RETRY_AFTER_MAX : secs) *
					    1000;
			}
			log_debug("%s %s: %d, waiting %lu ms", method, url,
			    resp->status, wait);
			http_response_free(resp);
			r->slept_ms += wait;
			r->sleep_fn(wait);
			continue;
		}
		if (resp->status == 429 || resp->status >= 500) {
			error_detail(resp, detail, sizeof(detail));
			err_set(e, resp->status == 429 ? ERR_LIMIT : ERR_PROTO,
			    "%s %s: %d %s%s%s", method, url, resp->status,
			    resp->status == 429 ? "too many requests" :
			    "server error", detail[0] ? ": " : "", detail);
			http_response_free(resp);
			return -1;
		}
		return 0;
	}
}

/* Send to each endpoint in turn until one answers other than 404. */
static int
request_any(struct registry *r, const char *method, const char *path,
    const char *accept, struct http_response *resp, struct err *e)
{
	int i, first = r->cur;

	for (i = first; i < r->nep; i++) {
		r->cur = i;
		if (request(r, method, path, accept, NULL, resp, e) < 0) {
			if (r->ep[i].mirror && i + 1 < r->nep) {
				log_debug("mirror %s: %s", r->ep[i].host,
				    e->msg);
				continue;
			}
			return -1;
		}
		if (resp->status == 404 && r->ep[i].mirror && i + 1 < r->nep) {
			http_response_free(resp);
			continue;
		}
		return 0;
	}
	return -1;
}

static int
manifest_path(struct registry *r, const char *reference, char *buf,
    size_t size, struct err *e)
{
	int n = snprintf(buf, size, "/v2/%s/manifests/%s", r->ref.path,
	    reference);

	if (n < 0 || (size_t)n >= size)
		return err_set(e, ERR_LIMIT, "manifest path too long");
	return 0;
}

/* The error for a non-200 manifest answer. */
static int
manifest_status_error(struct registry *r, const char *reference,
    struct http_response *resp, struct err *e)
{
	char detail[300], name[REF_STR_MAX];

	error_detail(resp, detail, sizeof(detail));
	ref_name(&r->ref, name, sizeof(name));
	if (resp->status == 404 && strstr(detail, "NAME_UNKNOWN"))
		return err_set(e, ERR_NOTFOUND, "repository %s not found: %s",
		    name, detail);
	if (resp->status == 404)
		return err_set(e, ERR_NOTFOUND, "manifest for %s%s%s not "
		    "found%s%s", name, strchr(reference, ':') ? "@" : ":",
		    reference, detail[0] ? ": " : "", detail);
	if (resp->status == 403)
		return err_set(e, ERR_AUTH, "access to %s denied%s%s", name,
		    detail[0] ? ": " : "", detail);
	return err_set(e, ERR_PROTO, "manifest %s: unexpected status %d%s%s",
	    reference, resp->status, detail[0] ? ": " : "", detail);
}

int
registry_head_manifest(struct registry *r, const char *reference,
    char digest[DIGEST_MAX], struct err *e)
{
	struct http_response resp;
	char path[1024];
	const char *d;
	struct err e2 = ERR_INIT;
	int ret;

	memset(&resp, 0, sizeof(resp));
	if (manifest_path(r, reference, path, sizeof(path), e) < 0 ||
	    request_any(r, "HEAD", path, MT_ACCEPT, &resp, e) < 0)
		return -1;
	/* Errors come with a body only on GET: let the caller GET. */
	d = http_header(&resp, "Docker-Content-Digest");
	ret = 0;
	if (resp.status == 200 && d && strlen(d) < DIGEST_MAX &&
	    digest_check(d, &e2) == 0) {
		strcpy(digest, d);
		ret = 1;
	}
	http_response_free(&resp);
	return ret;
}

int
registry_get_manifest(struct registry *r, const char *reference,
    char **buf, size_t *len, char ctype[MEDIATYPE_MAX],
    char digest[DIGEST_MAX], struct err *e)
{
	struct http_response resp;
	char path[1024];
	const char *ct, *hd;
	size_t n;
	int ret = -1;

	memset(&resp, 0, sizeof(resp));
	*buf = NULL;
	if (manifest_path(r, reference, path, sizeof(path), e) < 0 ||
	    request_any(r, "GET", path, MT_ACCEPT, &resp, e) < 0)
		return -1;
	if (resp.status != 200) {
		manifest_status_error(r, reference, &resp, e);
		goto out;
	}
	ct = http_header(&resp, "Content-Type");
	ctype[0] = '\0';
	if (ct) {
		for (n = 0; ct[n] && ct[n] != ';' && ct[n] != ' ' &&
		    n + 1 < MEDIATYPE_MAX; n++)
			ctype[n] = ct[n];
		ctype[n] = '\0';
	}
	if (strncmp(ctype, "application/vnd.docker.distribution.manifest.v1",
	    47) == 0) {
		err_set(e, ERR_PARSE, "schema1 manifests (%s) are deprecated "
		    "and not supported: push the image again with a current "
		    "client", ctype);
		goto out;
	}
	if (http_read_all(&resp, MANIFEST_MAX_BYTES, buf, len, e) < 0) {
		err_ctx(e, "manifest %s", reference);
		goto out;
	}
	/* The digest of the exact bytes, in the algorithm asked for. */
	sha_digest(reference, *buf, *len, digest);
	if (strchr(reference, ':') && strcmp(reference, digest) != 0) {
		err_set(e, ERR_DIGEST, "manifest %s: digest mismatch (got "
		    "%s)", reference, digest);
		goto out;
	}
	hd = http_header(&resp, "Docker-Content-Digest");
	if (hd && strncmp(hd, "sha256:", 7) == 0 &&
	    strncmp(digest, "sha256:", 7) == 0 && strcmp(hd, digest) != 0) {
		err_set(e, ERR_DIGEST, "manifest %s: Docker-Content-Digest "
		    "%.80s does not match the content (%s)", reference, hd,
		    digest);
		goto out;
	}
	ret = 0;
out:
	if (ret < 0) {
		free(*buf);
		*buf = NULL;
	}
	http_response_free(&resp);
	return ret;
}

int
registry_get_blob(struct registry *r, const char *digest, int64_t offset,
    struct http_response *resp, struct err *e)
{
	char path[1024], range[64], detail[300];
	int n;

	memset(resp, 0, sizeof(*resp));
	n = snprintf(path, sizeof(path), "/v2/%s/blobs/%s", r->ref.path,
	    digest);
	if (n < 0 || (size_t)n >= sizeof(path))
		return err_set(e, ERR_LIMIT, "blob path too long");
	if (offset > 0)
		snprintf(range, sizeof(range), "bytes=%lld-",
		    (long long)offset);
	if (request(r, "GET", path, NULL, offset > 0 ? range : NULL, resp,
	    e) < 0)
		return err_ctx(e, "blob %.19s", digest);
	if (resp->status == 200 || resp->status == 206)
		return 0;
	error_detail(resp, detail, sizeof(detail));
	err_set(e, resp->status == 404 ? ERR_NOTFOUND : ERR_PROTO,
	    "blob %s: %s%d%s%s", digest, resp->status == 404 ?
	    "not found: " : "unexpected status ", resp->status,
	    detail[0] ? ": " : "", detail);
	http_response_free(resp);
	return -1;
}

static int read_blob_once(struct registry *r, const struct descriptor *d,
    char **buf, size_t *len, struct err *e);

int
registry_read_blob(struct registry *r, const struct descriptor *d,
    char **buf, size_t *len, struct err *e)
{
	int attempt;

	/* Small blobs are fetched again whole when the connection drops. */
	for (attempt = 0;; attempt++) {
		if (read_blob_once(r, d, buf, len, e) == 0)
			return 0;
		if (attempt >= REGISTRY_RETRIES || (e->code != ERR_PROTO &&
		    e->code != ETIMEDOUT && e->code != ECONNRESET) ||
		    strstr(e->msg, "digest"))
			return -1;
		log_debug("%s: fetching again", e->msg);
	}
}

static int
read_blob_once(struct registry *r, const struct descriptor *d,
    char **buf, size_t *len, struct err *e)
{
	struct http_response resp;
	char got[DIGEST_MAX];
	int ret = -1;

	*buf = NULL;
	if (d->size > MANIFEST_MAX_BYTES)
		return err_set(e, ERR_LIMIT, "blob %.19s: %lld bytes is over "
		    "the %d byte limit", d->digest, (long long)d->size,
		    MANIFEST_MAX_BYTES);
	if (registry_get_blob(r, d->digest, 0, &resp, e) < 0)
		return -1;
	if (http_content_length(&resp) >= 0 &&
	    http_content_length(&resp) != d->size) {
		err_set(e, ERR_DIGEST, "blob %s: server sends %lld bytes, "
		    "descriptor says %lld", d->digest,
		    (long long)http_content_length(&resp), (long long)d->size);
		goto out;
	}
	if (http_read_all(&resp, MANIFEST_MAX_BYTES, buf, len, e) < 0) {
		err_ctx(e, "blob %.19s", d->digest);
		goto out;
	}
	if ((int64_t)*len != d->size) {
		err_set(e, ERR_DIGEST, "blob %s: got %zu bytes, descriptor "
		    "says %lld", d->digest, *len, (long long)d->size);
		goto out;
	}
	sha_digest(d->digest, *buf, *len, got);
	if (strcmp(got, d->digest) != 0) {
		err_set(e, ERR_DIGEST, "blob %s: digest mismatch (got %s)",
		    d->digest, got);
		goto out;
	}
	ret = 0;
out:
	if (ret < 0) {
		free(*buf);
		*buf = NULL;
	}
	http_response_free(&resp);
	return ret;
}

int
registry_login(struct registry *r, const struct auth_cred *cred,
    struct err *e)
{
	struct http_response resp;
	char detail[300];
	int ret = -1;

	r->cred = *cred;
	r->cred_state = 1;
	r->authz[0] = '\0';
	memset(&resp, 0, sizeof(resp));
	if (request(r, "GET", "/v2/", NULL, NULL, &resp, e) < 0)
		return err_ctx(e, "login to %s failed", r->ep[r->cur].host);
	if (resp.status == 200) {
		ret = 0;	/* credentials accepted, or not needed */
	} else {
		error_detail(&resp, detail, sizeof(detail));
		err_set(e, ERR_AUTH, "login to %s failed: status %d%s%s",
		    r->ep[r->cur].host, resp.status, detail[0] ? ": " : "",
		    detail);
	}
	http_response_free(&resp);
	return ret;
}

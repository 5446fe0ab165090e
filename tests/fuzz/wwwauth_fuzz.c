/* wwwauth_fuzz.c - libFuzzer target for core/auth's parsers
 *
 * For every input:
 *  - auth_challenges_parse() on the raw bytes: on failure the set is
 *    unchanged; on success every field is NUL-terminated in its buffer,
 *    the scheme is lowercase and matches its kind, and auth_challenges_
 *    pick() returns a member of the set (Bearer before Basic);
 *  - each parsed challenge, written back as a header with quoted,
 *    escaped parameters, parses to the same values;
 *  - the same bytes go through Base64 decoding (encode-decode must round
 *    trip on success) and the token response parser.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"

static int
terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static size_t
put_quoted(char *out, size_t o, const char *name, const char *v)
{
	size_t n = strlen(name);

	if (out[o - 1] != ' ') {
		memcpy(out + o, ", ", 2);
		o += 2;
	}
	memcpy(out + o, name, n);
	o += n;
	out[o++] = '=';
	out[o++] = '"';
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			out[o++] = '\\';
		out[o++] = *v;
	}
	out[o++] = '"';
	return o;
}

static void
reparse(const struct auth_challenge *c)
{
	static char hdr[2 * (AUTH_REALM_MAX + AUTH_SERVICE_MAX +
	    AUTH_SCOPE_MAX + AUTH_ERROR_MAX) + 256];
	struct auth_challenges set;
	struct err e = ERR_INIT;
	size_t o;

	if (c->token68)
		return;
	o = strlen(c->scheme);
	memcpy(hdr, c->scheme, o);
	hdr[o++] = ' ';
	o = put_quoted(hdr, o, "realm", c->realm);
	hdr[o++] = ',';		/* an empty list element */
	o = put_quoted(hdr, o, "Service", c->service);
	o = put_quoted(hdr, o, "SCOPE", c->scope);
	o = put_quoted(hdr, o, "error", c->error);
	memset(&set, 0, sizeof(set));
	if (o > AUTH_HEADER_MAX)
		return;
	if (auth_challenges_parse(&set, hdr, o, &e) < 0 || set.n != 1 ||
	    set.c[0].kind != c->kind ||
	    strcmp(set.c[0].scheme, c->scheme) != 0 ||
	    strcmp(set.c[0].realm, c->realm) != 0 ||
	    strcmp(set.c[0].service, c->service) != 0 ||
	    strcmp(set.c[0].scope, c->scope) != 0 ||
	    strcmp(set.c[0].error, c->error) != 0)
		abort();
}

static void
challenges(const uint8_t *data, size_t size)
{
	static struct auth_challenges set, before;
	const struct auth_challenge *p;
	struct err e = ERR_INIT;
	const char *s;
	int i;

	memset(&set, 0, sizeof(set));
	/* a first challenge, so failures can be checked for atomicity */
	if (auth_challenges_parse(&set, "Basic realm=first", 17, &e) < 0)
		abort();
	before = set;
	if (auth_challenges_parse(&set, (const char *)data, size, &e) < 0) {
		if (set.n != 1 || memcmp(&set.c[0], &before.c[0],
		    sizeof(set.c[0])) != 0 || set.c[1].scheme[0] || !e.msg[0])
			abort();
		return;
	}
	if (set.n < 2 || set.n > AUTH_CHALLENGES_MAX)
		abort();
	for (i = 0; i < set.n; i++) {
		p = &set.c[i];
		if (!terminated(p->scheme, sizeof(p->scheme)) ||
		    !terminated(p->realm, sizeof(p->realm)) ||
		    !terminated(p->service, sizeof(p->service)) ||
		    !terminated(p->scope, sizeof(p->scope)) ||
		    !terminated(p->error, sizeof(p->error)) || !p->scheme[0])
			abort();
		for (s = p->scheme; *s; s++)
			if (*s >= 'A' && *s <= 'Z')
				abort();
		if ((p->kind == AUTH_BEARER) !=
		    (strcmp(p->scheme, "bearer") == 0) ||
		    (p->kind == AUTH_BASIC) !=
		    (strcmp(p->scheme, "basic") == 0))
			abort();
		reparse(p);
	}
	p = auth_challenges_pick(&set);
	if (!p || p < set.c || p >= set.c + set.n)
		abort();
	for (i = 0; i < set.n; i++)
		if (set.c[i].kind == AUTH_BEARER && p->kind != AUTH_BEARER)
			abort();
}

static void
base64(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	unsigned char *dec;
	char *enc;
	size_t n, m, cap = size / 4 * 3 + 3;

	dec = malloc(cap);
	enc = malloc(auth_base64_len(cap) + 1);
	if (!dec || !enc)
		goto out;
	if (auth_base64_decode((const char *)data, size, dec, cap, &n,
	    &e) == 0) {
		if (auth_base64_encode(dec, n, enc, auth_base64_len(n) + 1,
		    &e) < 0)
			abort();
		if (auth_base64_decode(enc, strlen(enc), dec + 0, cap, &m,
		    &e) < 0 || m != n)
			abort();
	}
	/* and the raw bytes as binary */
	if (size <= cap && auth_base64_encode(data, size, enc,
	    auth_base64_len(cap) + 1, &e) == 0) {
		if (auth_base64_decode(enc, strlen(enc), dec, cap, &n,
		    &e) < 0 || n != size || memcmp(dec, data, size) != 0)
			abort();
	}
out:
	free(dec);
	free(enc);
}

static void
token(const uint8_t *data, size_t size)
{
	struct auth_token t;
	struct err e = ERR_INIT;

	if (auth_token_parse(&t, (const char *)data, size, &e) == 0) {
		if (!t.token || !t.token[0] || t.expires_in <= 0)
			abort();
	} else if (t.token || t.refresh_token) {
		abort();
	}
	auth_token_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	challenges(data, size);
	base64(data, size);
	token(data, size);
	return 0;
}

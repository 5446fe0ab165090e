/* ref_fuzz.c - libFuzzer target for core/ref
 *
 * For every input (as a C string, cut at the first NUL):
 *  - ref_parse() either fails with a message and a zeroed struct, or
 *    succeeds with NUL-terminated fields that obey the grammar's basic
 *    shape (non-empty domain and path, tag or digest present);
 *  - the canonical form (with the scheme prefix when there was one) parses
 *    back to the same fields, and so does the familiar form;
 *  - output lengths fit REF_STR_MAX and agree with strlen;
 *  - ref_endpoint_parse() never crashes and gives a non-empty host on
 *    success.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ref.h"

static int
same(const struct ref *a, const struct ref *b)
{
	return strcmp(a->domain, b->domain) == 0 &&
	    strcmp(a->path, b->path) == 0 && strcmp(a->tag, b->tag) == 0 &&
	    strcmp(a->digest, b->digest) == 0 &&
	    strcmp(a->scheme, b->scheme) == 0;
}

static void
check_ref(const char *s)
{
	struct ref r, r2;
	struct err e = ERR_INIT;
	char buf[REF_STR_MAX + 16], buf2[REF_STR_MAX + 16];
	size_t n;
	static const struct ref zero;

	if (ref_parse(&r, s, &e) < 0) {
		if (!e.msg[0] || e.code == 0 || memcmp(&r, &zero, sizeof(r)))
			abort();
		return;
	}
	if (!r.domain[0] || !r.path[0] || (!r.tag[0] && !r.digest[0]) ||
	    strlen(r.domain) + 1 + strlen(r.path) > REF_NAME_MAX ||
	    strlen(r.tag) > REF_TAG_MAX)
		abort();
	if (r.scheme[0] && strcmp(r.scheme, "http") != 0 &&
	    strcmp(r.scheme, "https") != 0)
		abort();
	n = ref_canonical(&r, buf, sizeof(buf));
	if (n >= REF_STR_MAX || n != strlen(buf))
		abort();
	if (r.scheme[0]) {
		memcpy(buf2, r.scheme, strlen(r.scheme));
		memcpy(buf2 + strlen(r.scheme), "://", 3);
		memcpy(buf2 + strlen(r.scheme) + 3, buf, n + 1);
	} else {
		memcpy(buf2, buf, n + 1);
	}
	if (ref_parse(&r2, buf2, &e) < 0 || !same(&r, &r2))
		abort();
	if (!r.scheme[0]) {
		n = ref_familiar(&r, buf, sizeof(buf));
		if (n >= REF_STR_MAX || n != strlen(buf))
			abort();
		if (ref_parse(&r2, buf, &e) < 0 || !same(&r, &r2))
			abort();
	}
	n = ref_name(&r, buf, sizeof(buf));
	if (n != strlen(buf) || n > REF_NAME_MAX)
		abort();
	if (!ref_manifest_ref(&r)[0] || !ref_api_host(&r)[0] ||
	    !ref_cred_key(&r)[0])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ref_endpoint ep;
	struct err e = ERR_INIT;
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_ref(s);
	if (ref_endpoint_parse(&ep, s, &e) == 0 &&
	    (!ep.host[0] || !ep.scheme[0]))
		abort();
	free(s);
	return 0;
}

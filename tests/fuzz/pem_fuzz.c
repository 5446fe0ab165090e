/* pem_fuzz.c - libFuzzer target for core/tls trust loading and the SAN walker
 *
 * For every input:
 *  - load it as PEM text with tls_trust_add_pem(): success must add at
 *    least one anchor, failure must add none and leave a message;
 *  - wrap it as the DER body of one CERTIFICATE block and load that, which
 *    reaches BearSSL's X.509 decoder and our anchor copying with arbitrary
 *    DER: success must add exactly one anchor;
 *  - look for IP literals in it as a DER certificate with
 *    tls_cert_matches_ip(), which must answer 0 or 1.
 * Seeds: tests/fixtures/pem/.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bearssl_pem.h>

#include "tls.h"

enum { WRAP_MAX = 1 << 16 };

static void
load(const void *pem, size_t len, int wrapped)
{
	struct tls_trust t;
	struct err e = ERR_INIT;
	int r;

	tls_trust_init(&t);
	r = tls_trust_add_pem(&t, pem, len, &e);
	if (r == 0 && (t.count == 0 || (wrapped && t.count != 1)))
		abort();
	if (r < 0 && (t.count != 0 || e.msg[0] == '\0'))
		abort();
	if (r != 0 && r != -1)
		abort();
	tls_trust_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ips[] = { "127.0.0.1", "::1", "[::1]",
	    "10.0.0.1" };
	char *pem;
	size_t n, i;
	int m;

	load(data, size, 0);
	if (size <= WRAP_MAX) {
		n = br_pem_encode(NULL, data, size, "CERTIFICATE", 0);
		pem = malloc(n + 1);
		if (!pem)
			abort();
		br_pem_encode(pem, data, size, "CERTIFICATE", 0);
		load(pem, n, 1);
		free(pem);
	}
	for (i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
		m = tls_cert_matches_ip(data, size, ips[i]);
		if (m != 0 && m != 1)
			abort();
	}
	return 0;
}

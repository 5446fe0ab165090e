/* spec_fuzz.c - libFuzzer target for core/spec
 *
 * For every input:
 *  - spec_parse() either fails with a message and a zeroed struct, or
 *    succeeds;
 *  - a parsed spec writes, the text parses back, and writing that gives
 *    the same text again (the round trip the runtime relies on).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct spec zero;
	struct err e = ERR_INIT;
	struct spec s, back;
	char *a, *b;
	size_t alen, blen;

	if (spec_parse((const char *)data, size, &s, &e) < 0) {
		if (!e.msg[0] || !e.code || memcmp(&s, &zero, sizeof(s)))
			abort();
		return 0;
	}
	if (spec_write(&s, &a, &alen, &e) < 0)
		abort();
	if (spec_parse(a, alen, &back, &e) < 0)
		abort();
	if (spec_write(&back, &b, &blen, &e) < 0)
		abort();
	if (alen != blen || memcmp(a, b, alen) != 0)
		abort();
	spec_free(&back);
	spec_free(&s);
	free(a);
	free(b);
	return 0;
}

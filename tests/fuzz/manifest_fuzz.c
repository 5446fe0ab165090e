/* manifest_fuzz.c - manifest, index and image config interpretation */

#include <stddef.h>
#include <stdint.h>

#include "manifest.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	struct manifest m;
	struct image_config c;
	struct platform p;
	size_t idx;

	if (manifest_parse(NULL, data, size, &m, &e) == 0) {
		if (m.kind == MANIFEST_INDEX) {
			platform_host(&p);
			platform_select(&m, &p, &idx, &e);
		}
		manifest_free(&m);
	}
	if (image_config_parse(data, size, &c, &e) == 0)
		image_config_free(&c);
	return 0;
}

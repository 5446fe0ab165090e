/* template_fuzz.c - --format template parsing and rendering */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "template.h"

static const char doc[] = "{\"A\":[1,\"x\",{\"b\":null}],\"M\":{\"k\":true}}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	struct json_value *root = json_parse(doc, sizeof(doc) - 1, NULL, &e);
	char *tmpl = malloc(size + 1), *out;

	if (!tmpl || !root)
		abort();
	memcpy(tmpl, data, size);
	tmpl[size] = '\0';
	if (template_render(tmpl, root, &out, &e) == 0)
		free(out);
	free(tmpl);
	json_free(root);
	return 0;
}

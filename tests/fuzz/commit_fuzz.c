/* commit_fuzz.c - libFuzzer target for core/commit's --change parser
 *
 * For every input (as a C string, cut at the first NUL):
 *  - commit_parse_change() either fails with a message and an empty
 *    struct, or succeeds with a known kind and at least one argument
 *    (pairs for ENV and LABEL);
 *  - commit_config() applies the change to a small parent config and
 *    gives JSON that parses back, or fails with a message.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "commit.h"
#include "json.h"

static const char parent[] = "{\"os\":\"linux\",\"config\":{\"Env\":"
	"[\"A=1\"],\"WorkingDir\":\"/w\",\"Labels\":{\"a\":\"b\"}},"
	"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct commit_change c;
	struct commit_opts o;
	struct json_value *v;
	struct err e = ERR_INIT;
	char *s = malloc(size + 1), *out;
	size_t len;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (commit_parse_change(s, &c, &e) < 0) {
		if (!e.msg[0] || c.argv || c.argc)
			abort();
	} else {
		if (c.kind < COMMIT_CMD || c.kind > COMMIT_STOPSIGNAL ||
		    !c.argc || ((c.kind == COMMIT_ENV ||
		    c.kind == COMMIT_LABEL) && c.argc % 2))
			abort();
		commit_change_free(&c);
	}
	memset(&o, 0, sizeof(o));
	o.changes = &s;
	o.nchanges = 1;
	if (commit_config(parent, sizeof(parent) - 1, &o, "sha256:00",
	    "2024-01-01T00:00:00Z", &out, &len, &e) == 0) {
		if (!(v = json_parse(out, len, NULL, &e)))
			abort();
		json_free(v);
		free(out);
	} else if (!e.msg[0]) {
		abort();
	}
	free(s);
	return 0;
}

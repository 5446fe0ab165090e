/* envfile_fuzz.c - libFuzzer target for core/envfile
 *
 * envfile_parse() either fails with a message and no vector, or gives a
 * NULL-terminated vector of "KEY=value" strings with non-empty keys free
 * of blanks; merging it into itself keeps that shape and never grows the
 * count of distinct keys.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envfile.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	char **v = NULL, **m = NULL, *eq, *blank, *key;
	size_t n = 7, nm = 0, i;

	if (envfile_parse((const char *)data, size, &v, &n, &e) < 0) {
		if (v || n || !e.msg[0])
			abort();
		return 0;
	}
	if (v[n])
		abort();
	for (i = 0; i < n; i++) {
		eq = strchr(v[i], '=');
		blank = strpbrk(v[i], " \t");
		if (!eq || eq == v[i] || (blank && blank < eq))
			abort();
	}
	if (env_lookup_merge(&m, &nm, v, n, &e) < 0 || nm > n || m[nm])
		abort();
	for (i = 0; i < nm; i++) {
		eq = strchr(m[i], '=');
		key = eq ? strndup(m[i], eq - m[i]) : NULL;
		if (!key || env_get(m, key) != eq + 1)
			abort();	/* keys must be unique after merging */
		free(key);
	}
	env_free(m);
	env_free(v);
	return 0;
}

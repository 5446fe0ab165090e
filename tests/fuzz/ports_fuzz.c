/* ports_fuzz.c - libFuzzer target for the -p parser of core/ports
 *
 * For every input (as a C string, cut at the first NUL):
 *  - ports_parse() either fails with a message and no mapping, or appends 1..PORTS_MAX mappings whose container ports are
 *    non-zero, whose protocol is TCP or UDP and whose host range, if any,
 *    is ordered;
 *  - ports_parse_exposed() never crashes;
 *  - the PortBindings JSON of what was parsed is written without error.
 */

#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "ports.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	struct port_map *v = NULL;
	struct json_writer w;
	size_t n = 0, i, len;
	char *s = malloc(size + 1), *out;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (ports_parse(s, &v, &n, &e) < 0) {
		if (n || !e.msg[0])
			abort();
	} else {
		if (!n || n > PORTS_MAX)
			abort();
		for (i = 0; i < n; i++)
			if (!v[i].ctr_port || (v[i].proto != IPPROTO_TCP &&
			    v[i].proto != IPPROTO_UDP) ||
			    (v[i].host_hi && v[i].host_hi <= v[i].host_port))
				abort();
		json_writer_init(&w, 0);
		ports_write_bindings(&w, v, n);
		out = json_writer_finish(&w, &len, &e);
		json_writer_free(&w);
		if (!out)
			abort();
		free(out);
	}
	free(v);
	v = NULL;
	n = 0;
	err_clear(&e);
	ports_parse_exposed(s, &v, &n, &e);
	free(v);
	free(s);
	return 0;
}

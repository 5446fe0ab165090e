/* url_fuzz.c - libFuzzer target for core/url
 *
 * For every input (NUL bytes end it, as in a C string):
 *  - parse it; on success the parts must be sane (scheme, lowercase
 *    non-empty host, port in range, path starting with '/' and holding
 *    only printable ASCII), and formatting then reparsing must give the
 *    same URL;
 *  - resolve it as a reference against two bases; the result must be sane
 *    and survive the same round trip;
 *  - escape it: the output may hold only unreserved bytes and "%XX", and
 *    decode back to the input.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"

static int
hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
check_sane(const struct url *u)
{
	const char *p;

	if (strcmp(u->scheme, "http") != 0 && strcmp(u->scheme, "https") != 0)
		abort();
	if (!u->host[0] || u->port < 1 || u->port > 65535)
		abort();
	for (p = u->host; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			abort();
	if (u->path[0] != '/' || strchr(u->path, '#'))
		abort();
	for (p = u->path; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			abort();
}

/* format(u) must parse back to u (userinfo is never formatted). */
static void
round_trip(const struct url *u)
{
	static char buf[URL_STR_MAX];
	static struct url v;
	struct err e = ERR_INIT;

	check_sane(u);
	if (url_format(u, 1, buf, sizeof(buf)) >= sizeof(buf))
		return;
	if (url_parse(&v, buf, &e))
		abort();
	if (strcmp(u->scheme, v.scheme) != 0 || strcmp(u->host, v.host) != 0
	    || u->port != v.port || strcmp(u->path, v.path) != 0 ||
	    v.userinfo[0] || !url_same_origin(u, &v))
		abort();
}

static void
escape_trip(const char *s)
{
	static char out[3 * 4096 + 1], back[4096 + 1];
	struct err e = ERR_INIT;
	size_t i, n = 0;
	int a, b;

	if (strlen(s) > 4096)
		return;
	if (url_escape(s, out, sizeof(out), &e))
		abort();
	for (i = 0; out[i]; i++) {
		if (out[i] == '%') {
			a = hex((unsigned char)out[i + 1]);
			b = a < 0 ? -1 : hex((unsigned char)out[i + 2]);
			if (b < 0)
				abort();
			back[n++] = (char)(a << 4 | b);
			i += 2;
		} else if (strchr("-._~", out[i]) ||
		    (out[i] >= 'a' && out[i] <= 'z') ||
		    (out[i] >= 'A' && out[i] <= 'Z') ||
		    (out[i] >= '0' && out[i] <= '9')) {
			back[n++] = out[i];
		} else {
			abort();
		}
	}
	back[n] = '\0';
	if (strcmp(back, s) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct url u, base, out;
	struct err e = ERR_INIT;
	char *s;

	if (size > URL_STR_MAX * 2)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (url_parse(&u, s, &e) == 0)
		round_trip(&u);
	if (url_parse(&base, "https://r.example:5000/v2/a/b;p?q=1", &e))
		abort();
	if (url_resolve(&out, &base, s, &e) == 0)
		round_trip(&out);
	if (url_parse(&base, "http://[::1]/", &e))
		abort();
	if (url_resolve(&out, &base, s, &e) == 0)
		round_trip(&out);
	escape_trip(s);
	free(s);
	return 0;
}

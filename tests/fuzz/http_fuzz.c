/* http_fuzz.c - libFuzzer target for the response parser of core/http
 *
 * The first input byte picks the request method (GET, HEAD, CONNECT or
 * POST) and how many bytes the transport hands over per read (1..64); the
 * rest is what the server sent: status line, headers, body (chunked,
 * length or close-delimited). For every input:
 *  - a parsed response must have a final status (>= 200), token field
 *    names and values without CR, LF or NUL;
 *  - the body is read whole (cap 1 MiB) or in small pieces; it can never
 *    be longer than the input, and after an error reads keep failing;
 *  - the helpers run over the header values: Content-Range, Retry-After,
 *    HTTP dates, NO_PROXY matching.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

static void
check_fields(const struct http_response *r)
{
	const char *name, *value, *p;
	unsigned long secs;
	int64_t s, en, t;
	time_t when;
	struct err e = ERR_INIT;
	size_t i;

	if (r->status < 200 || r->status > 999 || !r->reason)
		abort();
	for (i = 0; http_header_at(r, i, &name, &value) == 0; i++) {
		if (!*name || strpbrk(value, "\r\n"))
			abort();
		for (p = name; *p; p++)
			if (*p <= ' ' || *p == ':' || (unsigned char)*p >= 0x7f)
				abort();
		if (http_header(r, name) == NULL)
			abort();
		http_parse_date(value, 1700000000, &when, &e);
		http_retry_after(value, 1700000000, &secs, &e);
		http_no_proxy_match(value, "registry.example.com", 443);
		http_no_proxy_match(value, "10.1.2.3", 80);
		http_no_proxy_match(value, "fd00::1", 5000);
	}
	if (http_content_range(r, &s, &en, &t, &e) == 0) {
		if (s >= 0 ? en < s || (t >= 0 && en >= t) : en != -1 || t < 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = { "GET", "HEAD", "CONNECT",
	    "POST" };
	struct http_response r;
	struct io_mem t;
	struct reader src;
	struct err e = ERR_INIT;
	char *body, piece[7];
	size_t len, total = 0;
	ssize_t n;

	if (size < 1)
		return 0;
	io_mem_reader(&t, data + 1, size - 1, &src);
	t.max = (size_t)(data[0] >> 2) + 1;	/* bytes per read */
	if (http_response_parse(&r, &src, methods[data[0] & 3], &e))
		return 0;
	check_fields(&r);
	if (data[0] & 0x80) {
		if (http_read_all(&r, 1 << 20, &body, &len, &e) == 0) {
			if (len > size || body[len] != '\0')
				abort();
			free(body);
		} else if (http_read(&r, piece, 1, &e) != -1) {
			abort();
		}
	} else {
		while ((n = http_read(&r, piece, sizeof(piece), &e)) > 0)
			total += (size_t)n;
		if (total > size)
			abort();
		if (n < 0 && http_read(&r, piece, 1, &e) != -1)
			abort();
		if (n == 0 && http_read(&r, piece, 1, &e) != 0)
			abort();
	}
	http_response_free(&r);
	return 0;
}

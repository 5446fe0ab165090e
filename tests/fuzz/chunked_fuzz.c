/* chunked_fuzz.c - libFuzzer target for chunked transfer decoding
 * (core/http)
 *
 * The input is the body of a response that says "Transfer-Encoding:
 * chunked": chunk sizes, extensions, data, the last chunk and trailers.
 * The first byte picks how many bytes the transport hands over per read
 * (1..64) and how big the caller's reads are (1..4 bytes or 4 KiB). The
 * decoded body can never be longer than the input, and after the end or
 * an error every further read returns the same (0, or -1). Seeds:
 * tests/fixtures/chunked/.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char head[] = "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n";
	struct http_response r;
	struct io_mem t;
	struct reader src;
	struct err e = ERR_INIT;
	char buf[4096];
	uint8_t *in;
	size_t total = 0, want;
	ssize_t n;

	if (size < 1 || size > 1 << 20)
		return 0;
	in = malloc(sizeof(head) - 1 + size - 1);
	if (!in)
		return 0;
	memcpy(in, head, sizeof(head) - 1);
	memcpy(in + sizeof(head) - 1, data + 1, size - 1);
	io_mem_reader(&t, in, sizeof(head) - 1 + size - 1, &src);
	t.max = (size_t)(data[0] & 63) + 1;
	want = data[0] & 64 ? sizeof(buf) : (size_t)(data[0] >> 7) * 3 + 1;
	if (http_response_parse(&r, &src, "GET", &e) < 0)
		abort();	/* the head is valid */
	while ((n = http_read(&r, buf, want, &e)) > 0)
		total += (size_t)n;
	if (total > size)
		abort();
	if (http_read(&r, buf, 1, &e) != (n < 0 ? -1 : 0))
		abort();
	http_response_free(&r);
	free(in);
	return 0;
}

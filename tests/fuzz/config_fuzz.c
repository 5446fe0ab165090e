/* config_fuzz.c - libFuzzer target for the config file parser (core/config)
 *
 * The input is a config file (read through a memfd, as config_load_file()
 * reads /etc/rocker/config.json). When it loads, the result serialises
 * with config_to_json(), that serialisation loads again, and serialises
 * to the same bytes (a round trip); when it does not, the defaults are
 * untouched and the error has a message. Seeds: tests/fixtures/config/.
 */

#define _GNU_SOURCE

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Load `len` bytes as a config file into `c`. */
static int
load(struct config *c, const void *buf, size_t len, struct err *e)
{
	char path[64];
	int fd, r;

	fd = memfd_create("config", MFD_CLOEXEC);
	if (fd < 0 || (len && write(fd, buf, len) != (ssize_t)len))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r = config_load_file(c, path, e);
	close(fd);
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c, d, ref;
	struct err e = ERR_INIT;
	char *j1 = NULL, *j2 = NULL;

	if (size > 1 << 20)
		return 0;
	config_defaults(&c);
	config_defaults(&ref);
	if (load(&c, data, size, &e) < 0) {
		if (!e.msg[0] || memcmp(&c, &ref, sizeof(c)) != 0)
			abort();
		return 0;
	}
	if (config_to_json(&c, &j1, &e) < 0)
		abort();
	config_defaults(&d);
	err_clear(&e);
	if (load(&d, j1, strlen(j1), &e) < 0) {
		fprintf(stderr, "reload failed: %s\n%s\n", e.msg, j1);
		abort();
	}
	if (config_to_json(&d, &j2, &e) < 0 || strcmp(j1, j2) != 0) {
		fprintf(stderr, "round trip differs:\n%s\n%s\n", j1, j2);
		abort();
	}
	free(j1);
	free(j2);
	return 0;
}

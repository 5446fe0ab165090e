/* digest.c - print SHA-256 or SHA-512 digests of files, like sha256sum */

#include <fcntl.h>

#include "applet.h"
#include "sha256.h"

const char digest_usage[] =
"usage: rocker digest [-a sha256|sha512] [--oci] [--portable] [FILE...]\n"
"\n"
"Print the digest of each FILE (standard input for none or \"-\") in\n"
"sha256sum's format. rocker verifies every registry blob with the same code.\n"
"\n"
"  -a, --algorithm A  sha256 (default) or sha512\n"
"      --oci          print OCI digest strings (sha256:HEX) instead\n"
"      --portable     use the portable code even where the CPU has SHA\n"
"                     instructions (for comparison)\n";

static const char digest_spec[] = "a(algorithm):(oci)(portable)";

enum {
	BUFSZ = 1 << 20,
};

static unsigned char buf[BUFSZ] __attribute__((aligned(64)));

/* Hash one file (fd) into hex; returns -1 with errno on a read error. */
static int
hash_fd(int fd, int is512, char *hex)
{
	struct sha256 c256;
	struct sha512 c512;
	unsigned char dg[64];
	ssize_t n;

	if (is512)
		sha512_init(&c512);
	else
		sha256_init(&c256);
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		if (is512)
			sha512_update(&c512, buf, n);
		else
			sha256_update(&c256, buf, n);
	}
	if (is512) {
		sha512_final(&c512, dg);
		sha512_hex(dg, hex);
	} else {
		sha256_final(&c256, dg);
		sha256_hex(dg, hex);
	}
	return 0;
}

int
digest_main(int argc, char **argv)
{
	struct opts o;
	const char *alg, *name;
	char hex[129];
	int i, fd, is512, status = 0;

	xopts(&o, digest_spec, digest_usage, argc, argv, 2);
	alg = opt_str(&o, "a") ? opt_str(&o, "a") : "sha256";
	if (strcmp(alg, "sha256") != 0 && strcmp(alg, "sha512") != 0)
		die_msg(2, "unknown algorithm \"%s\" (sha256 or sha512)", alg);
	is512 = strcmp(alg, "sha512") == 0;
	if (opt_on(&o, "portable"))
		sha256_set_accel(0);
	log_debug("sha256 %s", sha256_accel() ? "SHA-NI" : "portable");
	for (i = 0; i < (o.argc ? o.argc : 1); i++) {
		name = o.argc ? o.argv[i] : "-";
		fd = strcmp(name, "-") == 0 ? 0 : open(name, O_RDONLY);
		if (fd < 0 || hash_fd(fd, is512, hex) < 0) {
			warn_msg("%s: %s", name, strerror(errno));
			status = 1;
		} else if (opt_on(&o, "oci"))
			printf("%s:%s  %s\n", alg, hex, name);
		else
			printf("%s  %s\n", hex, name);
		if (fd > 0)
			close(fd);
	}
	opts_free(&o);
	return status;
}

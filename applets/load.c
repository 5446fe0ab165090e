/* load.c - load images from a tar archive, like docker load */

#include <fcntl.h>
#include <sys/resource.h>

#include "applet.h"
#include "archive.h"
#include "ref.h"
#include "store.h"

const char load_usage[] =
"usage: rocker load [OPTIONS]\n"
"\n"
"Load images from an archive made by `docker save`, `podman save`,\n"
"`rocker save` or `skopeo copy` (docker-archive: or oci-archive:), read\n"
"from a file or standard input, gzip-compressed or not. Every blob and\n"
"layer is checked against its digest; nothing is written outside the\n"
"image store.\n"
"\n"
"  -i, --input FILE   read FILE instead of standard input\n"
"  -q, --quiet        accepted for compatibility (there is no progress\n"
"                     output)\n";

static const char load_spec[] = ">0i(input):q(quiet)";

static void
familiar(const char *ref, char *out, size_t size)
{
	struct ref r;
	struct err e = ERR_INIT;

	if (ref_parse(&r, ref, &e) == 0)
		ref_familiar(&r, out, size);
	else
		snprintf(out, size, "%s", ref);
}

static void
moved(void *ctx, const char *tag, const char *old_id)
{
	char fam[REF_STR_MAX];

	(void)ctx;
	familiar(tag, fam, sizeof(fam));
	printf("The image %s already exists, renaming the old one with ID "
	    "%s to empty string\n", fam, old_id);
}

static void
loaded(void *ctx, const char *id, char *const *tags, size_t ntags)
{
	char fam[REF_STR_MAX];
	size_t i;

	(void)ctx;
	if (!ntags)
		printf("Loaded image ID: %s\n", id);
	for (i = 0; i < ntags; i++) {
		familiar(tags[i], fam, sizeof(fam));
		printf("Loaded image: %s\n", fam);
	}
	fflush(stdout);
}

/* One transaction per layer stays open until its image commits: allow
 * as many files as the hard limit does. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
load_main(int argc, char **argv)
{
	struct opts o;
	struct err e = ERR_INIT;
	struct store s;
	struct archive_load_opts lo;
	char reason[STORE_REASON_MAX];
	const char *in;
	int fd = 0, driver;

	xopts(&o, load_spec, load_usage, argc, argv, 2);
	in = opt_str(&o, "input");
	if (in && strcmp(in, "-") != 0) {
		if ((fd = open(in, O_RDONLY | O_CLOEXEC)) < 0)
			die_msg(1, "%s: %s", in, strerror(errno));
	} else if (isatty(0)) {
		die_msg(1, "requested load from stdin, but stdin is a "
		    "terminal (use -i FILE or a redirection)");
	}
	raise_nofile();
	if (store_open(&s, rk.cfg.root, STORE_SHARED, &e) < 0)
		die_err(&e, 1);
	driver = store_probe_driver(&s, rk.cfg.driver, reason, sizeof(reason),
	    &e);
	if (driver < 0)
		die_err(&e, 1);
	log_debug("storage driver %s", reason);
	memset(&lo, 0, sizeof(lo));
	lo.driver = driver;
	lo.max_bytes = rk.cfg.layer_max_bytes;
	lo.max_entries = rk.cfg.layer_max_entries;
	lo.loaded = loaded;
	lo.moved = moved;
	if (archive_load(&s, fd, &lo, &e) < 0) {
		store_close(&s);
		die_err(&e, 1);
	}
	store_close(&s);
	if (fd > 0)
		close(fd);
	opts_free(&o);
	return 0;
}

/* import.c - an image from a root file system tarball, like docker import */

#include <fcntl.h>

#include "applet.h"
#include "image.h"
#include "manifest.h"
#include "store.h"

const char import_usage[] =
"usage: rocker import [OPTIONS] FILE|- [REPOSITORY[:TAG]]\n"
"\n"
"Create an image of one layer from a tar of a root file system (plain or\n"
"gzip-compressed, from FILE or standard input with \"-\"), tag it when\n"
"REPOSITORY[:TAG] is given, and print its id.\n"
"\n"
"  -m, --message TEXT     the image config's comment (default \"Imported\n"
"                         from FILE\")\n"
"      --platform OS/ARCH  the platform the config names (default: this\n"
"                         host's)\n";

static const char import_spec[] = "<1>2m(message):(platform):";

int
import_main(int argc, char **argv)
{
	struct opts o;
	struct err e = ERR_INIT;
	struct store s;
	struct image_import_opts io;
	struct platform p;
	char reason[STORE_REASON_MAX], id[DIGEST_MAX];
	const char *src;
	int fd = 0, driver;

	xopts(&o, import_spec, import_usage, argc, argv, 2);
	memset(&io, 0, sizeof(io));
	if (opt_str(&o, "platform")) {
		if (platform_parse(opt_str(&o, "platform"), &p, &e) < 0)
			die_err(&e, 2);
		io.platform = &p;
	}
	src = o.argv[0];
	if (strncmp(src, "http://", 7) == 0 || strncmp(src, "https://", 8) == 0)
		die_msg(1, "%s: importing from a URL is not supported", src);
	if (strcmp(src, "-") != 0 && (fd = open(src, O_RDONLY |
	    O_CLOEXEC)) < 0)
		die_msg(1, "%s: %s", src, strerror(errno));
	if (fd == 0 && isatty(0))
		die_msg(1, "refusing to read a tarball from a terminal");
	io.source = src;
	io.tag = o.argc > 1 ? o.argv[1] : NULL;
	io.comment = opt_str(&o, "message");
	if (store_open(&s, rk.cfg.root, STORE_SHARED, &e) < 0)
		die_err(&e, 1);
	driver = store_probe_driver(&s, rk.cfg.driver, reason, sizeof(reason),
	    &e);
	if (driver < 0)
		die_err(&e, 1);
	io.driver = driver;
	io.max_bytes = rk.cfg.layer_max_bytes;
	io.max_entries = rk.cfg.layer_max_entries;
	if (image_import(&s, fd, &io, id, &e) < 0) {
		store_close(&s);
		die_err(&e, 1);
	}
	store_close(&s);
	puts(id);
	if (fd > 0)
		close(fd);
	opts_free(&o);
	return 0;
}

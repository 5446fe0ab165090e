/* save.c - write images to a tar archive, like docker save */

#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>

#include "applet.h"
#include "archive.h"
#include "store.h"

const char save_usage[] =
"usage: rocker save [-o FILE] IMAGE...\n"
"\n"
"Write the images to one tar archive that `docker load`, `podman load`\n"
"and `rocker load` read: manifest.json and the OCI layout (index.json,\n"
"blobs/sha256/), as Docker 25 and later write it. IMAGE is a reference\n"
"(a repository without a tag saves all its tags) or an image id.\n"
"\n"
"Layers are archived again from the store's extracted trees, so their\n"
"digests, and with them the image id in the archive, usually differ from\n"
"the stored ones (the tags are kept); see docs/images.md.\n"
"\n"
"  -o, --output FILE   write FILE (atomically) instead of standard output\n";

static const char save_spec[] = "<1o(output):";

int
save_main(int argc, char **argv)
{
	struct opts o;
	struct err e = ERR_INIT;
	struct store s;
	const char *out;
	char *tmp = NULL, *dir, *copy;
	int fd = 1, ret;

	xopts(&o, save_spec, save_usage, argc, argv, 2);
	out = opt_str(&o, "output");
	if (out && strcmp(out, "-") == 0)
		out = NULL;
	if (!out && isatty(1))
		die_msg(1, "cowardly refusing to save to a terminal. Use the "
		    "-o flag or redirect");
	if (out) {
		copy = xstrdup(out);
		dir = dirname(copy);
		tmp = xmalloc(strlen(dir) + 32);
		sprintf(tmp, "%s/.rocker-save-XXXXXX", dir);
		free(copy);
		if ((fd = mkstemp(tmp)) < 0)
			die_msg(1, "%s: %s", tmp, strerror(errno));
		fchmod(fd, 0644);
	}
	if (store_open(&s, rk.cfg.root, STORE_SHARED, &e) < 0)
		goto fail;
	ret = archive_save(&s, o.argv, (size_t)o.argc, fd, &e);
	store_close(&s);
	if (ret < 0)
		goto fail;
	if (out) {
		if (fsync(fd) < 0 || close(fd) < 0) {
			err_sys(&e, "%s", out);
			fd = -1;
			goto fail;
		}
		fd = -1;
		if (rename(tmp, out) < 0) {
			err_sys(&e, "%s", out);
			goto fail;
		}
	}
	free(tmp);
	opts_free(&o);
	return 0;
fail:
	if (tmp) {
		if (fd >= 0)
			close(fd);
		unlink(tmp);
	}
	die_err(&e, 1);
}

/* export.c - a container's filesystem as a tar archive, like docker export */

#include <fcntl.h>

#include "applet.h"
#include "io.h"
#include "cexport.h"
#include "container.h"
#include "create.h"

const char export_usage[] =
"usage: rocker export [OPTIONS] CONTAINER\n"
"\n"
"Write the container's root filesystem (image layers plus its changes,\n"
"without volumes or other mounts) as a tar archive.\n"
"\n"
"  -o, --output FILE     write to FILE instead of stdout\n";

static const char export_spec[] = "<1>1o(output):";

int
export_main(int argc, char **argv)
{
	struct opts o;
	struct err e = ERR_INIT;
	struct ctr c;
	const char *out, *rootfs;
	int fd = 1, ret = 1, mounted = 0;
	char tmp[PATH_MAX];

	xopts(&o, export_spec, export_usage, argc, argv, 2);
	out = opt_str(&o, "output");
	if (!out && isatty(1))
		die_msg(1, "cowardly refusing to save to a terminal. Use the "
		    "-o flag or redirect");
	if (ctr_open(rk.cfg.state, o.argv[0], &c, &e) < 0)
		die_err(&e, 1);
	if (ctr_lock(&c, &e) < 0)
		goto out;
	rootfs = json_str(ctr_get(&c, "Rootfs"));
	if (!rootfs) {
		err_set(&e, ERR_PARSE, "container %s has no rootfs", c.name);
		goto out;
	}
	/* A stopped container's overlay is not mounted: mount it for the
	 * export (the container lock keeps `start` out meanwhile). */
	if (!ctr_monitor_alive(&c)) {
		if (create_rootfs_mount(&rk.cfg, &c, &e) < 0)
			goto out;
		mounted = 1;
	}
	if (out) {
		io_pathf(tmp, sizeof(tmp), "%s.tmp%ld", out, (long)getpid());
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			err_sys(&e, "create %s", tmp);
			goto out;
		}
	}
	if (cexport_tree(rootfs, fd, &e) < 0)
		goto out;
	if (out && (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, out) < 0)) {
		fd = -1;
		err_sys(&e, "write %s", out);
		goto out;
	}
	if (out)
		fd = -1;
	ret = 0;
out:
	if (out && fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	if (mounted && !ctr_monitor_alive(&c)) {
		struct err e2 = ERR_INIT;

		create_rootfs_umount(&rk.cfg, &c, &e2);
	}
	if (ret)
		warn_err(&e);
	ctr_close(&c);
	opts_free(&o);
	return ret;
}

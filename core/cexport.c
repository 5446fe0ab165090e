/* cexport.c - a container's root filesystem as a tar stream */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "cexport.h"
#include "io.h"

static int
fd_write(void *ctx, const void *buf, size_t len, struct err *e)
{
	return io_write_all(*(int *)ctx, buf, len, e);
}

int
cexport_tree(const char *rootfs, int outfd, struct err *e)
{
	struct tarw *w;
	struct tarw_sink sink;
	int fd, r = -1;

	if ((fd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return err_sys(e, "export: %s", rootfs);
	if (!(w = calloc(1, sizeof(*w)))) {
		close(fd);
		return err_set(e, ENOMEM, "export: out of memory");
	}
	sink.write = fd_write;
	sink.ctx = &outfd;
	tarw_init(w, &sink);
	if (tarw_tree(w, fd, TARW_XDEV_EMPTY, NULL, e) < 0 ||
	    tarw_close(w, e) < 0) {
		err_ctx(e, "export");
		goto out;
	}
	r = 0;
out:
	tarw_free(w);
	free(w);
	close(fd);
	return r;
}

/* io.c - stream helpers: memory and fd readers, full reads and writes */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"

int
io_read_full(struct reader *r, void *buf, size_t len, struct err *e)
{
	unsigned char *p = buf;
	ssize_t n;

	while (len) {
		n = r->read(r->ctx, p, len, e);
		if (n < 0)
			return -1;
		if (n == 0)
			return err_set(e, ERR_PROTO, "unexpected end of data");
		p += n;
		len -= n;
	}
	return 0;
}

static ssize_t
mem_read(void *ctx, void *buf, size_t len, struct err *e)
{
	struct io_mem *m = ctx;
	size_t n = m->len - m->off;

	(void)e;
	if (n > len)
		n = len;
	if (m->max && n > m->max)
		n = m->max;
	if (n)
		memcpy(buf, m->buf + m->off, n);
	m->off += n;
	return (ssize_t)n;
}

void
io_mem_reader(struct io_mem *m, const void *buf, size_t len,
    struct reader *r)
{
	m->buf = buf;
	m->len = len;
	m->off = 0;
	m->max = 0;
	r->read = mem_read;
	r->ctx = m;
}

static ssize_t
fd_read(void *ctx, void *buf, size_t len, struct err *e)
{
	ssize_t n;

	do
		n = read(*(int *)ctx, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_sys(e, "read");
	return n;
}

void
io_fd_reader(int *fd, struct reader *r)
{
	r->read = fd_read;
	r->ctx = fd;
}

int
io_write_all(int fd, const void *buf, size_t len, struct err *e)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(e, "write");
		if (n == 0)
			return err_set(e, EIO, "write: no progress");
		p += n;
		len -= n;
	}
	return 0;
}

char *
io_read_fd(int fd, const char *name, size_t max, size_t *len,
    struct err *e)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0, cap;
	ssize_t r;

	if (fstat(fd, &st) < 0) {
		err_sys(e, "%s", name);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(e, ERR_PARSE, "%s: not a regular file", name);
		return NULL;
	}
	if (st.st_size < 0 || (unsigned long long)st.st_size > max) {
		err_set(e, ERR_LIMIT, "%s: larger than %zu bytes", name, max);
		return NULL;
	}
	/* Room for the size fstat says (and a little growth), not for
	 * `max`: a large malloc is an mmap and a munmap of its own. */
	cap = (size_t)st.st_size + 512 < max + 1 ? (size_t)st.st_size + 512 :
	    max + 1;
	buf = malloc(cap + 1);
	if (!buf) {
		err_sys(e, "%s", name);
		return NULL;
	}
	while ((r = read(fd, buf + n, cap - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err_sys(e, "%s", name);
			goto fail;
		}
		n += r;
		if (n > max) {
			err_set(e, ERR_LIMIT, "%s: larger than %zu bytes",
			    name, max);
			goto fail;
		}
		if (n == cap) {		/* it grew: room for more */
			char *nb;

			cap = cap > (max + 1) / 2 ? max + 1 : cap * 2;
			if (!(nb = realloc(buf, cap + 1))) {
				err_sys(e, "%s", name);
				goto fail;
			}
			buf = nb;
		}
	}
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	free(buf);
	return NULL;
}

/* io_read_fd() of `fd`, just opened (-1: the open failed, errno set),
 * then closed. */
static char *
read_opened(int fd, const char *name, size_t max, size_t *len,
    struct err *e)
{
	char *buf;

	if (fd < 0) {
		err_sys(e, "%s", name);
		return NULL;
	}
	buf = io_read_fd(fd, name, max, len, e);
	close(fd);
	return buf;
}

char *
io_read_at(int dirfd, const char *name, size_t max, size_t *len,
    struct err *e)
{
	return read_opened(openat(dirfd, name, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC), name, max, len, e);
}

char *
io_read_file(const char *path, size_t max, size_t *len, struct err *e)
{
	return read_opened(open(path, O_RDONLY | O_CLOEXEC), path, max, len,
	    e);
}

int
io_pathf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* <linux/fs.h>'s inode flags ioctls (an int despite the "long"). */
#define RK_FS_IOC_GETFLAGS	_IOR('f', 1, long)
#define RK_FS_IOC_SETFLAGS	_IOW('f', 2, long)
#define RK_FS_TOPDIR_FL		0x00020000

void
io_spread_subdirs(const char *path)
{
	int fd, flags = 0;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	if (ioctl(fd, RK_FS_IOC_GETFLAGS, &flags) == 0 &&
	    !(flags & RK_FS_TOPDIR_FL)) {
		flags |= RK_FS_TOPDIR_FL;
		ioctl(fd, RK_FS_IOC_SETFLAGS, &flags);
	}
	close(fd);
}

/* io_test.c - io_read_file(), io_read_at(), io_read_fd(): sizes, growth
 * past what fstat says, limits, symlinks, offsets */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "io.h"

/* Write `n` bytes of a repeating pattern to `path`. */
static int
make_file(const char *path, size_t n)
{
	char buf[4096];
	size_t i, k;
	int fd;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (char)('a' + i % 26);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	for (i = 0; i < n; i += k) {
		k = n - i < sizeof(buf) ? n - i : sizeof(buf);
		if (write(fd, buf, k) != (ssize_t)k) {
			close(fd);
			return -1;
		}
	}
	return close(fd);
}

int
main(void)
{
	static const size_t sizes[] = { 0, 1, 511, 512, 513, 4096, 100000 };
	char dir[] = "/tmp/io_test.XXXXXX", path[64], *buf, *ref;
	struct err e = ERR_INIT;
	size_t i, len, rlen;
	FILE *f;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/f", dir);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int ok;

		make_file(path, sizes[i]);
		err_clear(&e);
		buf = io_read_file(path, 1 << 20, &len, &e);
		ok = buf && len == sizes[i] && buf[len] == '\0' &&
		    (len == 0 || (buf[0] == 'a' && buf[len - 1] ==
		    (char)('a' + (len - 1) % 4096 % 26)));
		CHECK(ok, "a file of %zu bytes is read whole", sizes[i]);
		free(buf);
	}

	/* Exactly at the limit, and one byte over. */
	make_file(path, 1000);
	buf = io_read_file(path, 1000, &len, &e);
	CHECK(buf && len == 1000, "a file of exactly max bytes is read");
	free(buf);
	err_clear(&e);
	buf = io_read_file(path, 999, &len, &e);
	CHECK(!buf && e.code == ERR_LIMIT, "one byte over max: ERR_LIMIT");

	/* /proc files say size 0 and hold more: the buffer grows. */
	f = fopen("/proc/self/maps", "r");
	ref = NULL;
	rlen = 0;
	if (f) {
		char tmp[4096];
		size_t n;

		while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
			char *nr = realloc(ref, rlen + n + 1);

			if (!nr)
				break;
			ref = nr;
			memcpy(ref + rlen, tmp, n);
			rlen += n;
		}
		fclose(f);
	}
	err_clear(&e);
	buf = io_read_file("/proc/self/maps", 1 << 20, &len, &e);
	/* Reading maps allocates, which can add a line: compare the start. */
	CHECK(buf && ref && len > 512 && len + 4096 > rlen &&
	    memcmp(buf, ref, 512) == 0,
	    "a /proc file (size 0 to fstat, %zu bytes) grows the buffer", len);
	free(buf);
	err_clear(&e);
	buf = io_read_file("/proc/self/maps", 600, &len, &e);
	CHECK(!buf && e.code == ERR_LIMIT,
	    "a /proc file larger than max: ERR_LIMIT");
	free(ref);

	err_clear(&e);
	buf = io_read_file(dir, 1000, &len, &e);
	CHECK(!buf && e.code == ERR_PARSE, "a directory: ERR_PARSE");
	err_clear(&e);
	snprintf(path, sizeof(path), "%s/missing", dir);
	buf = io_read_file(path, 1000, &len, &e);
	CHECK(!buf && e.code == ENOENT, "a missing file: ENOENT");

	/* io_read_at: relative to a directory fd, no final symlink. */
	{
		char lpath[64];
		int dfd = open(dir, O_RDONLY | O_DIRECTORY), fd;

		snprintf(path, sizeof(path), "%s/f", dir);
		make_file(path, 300);
		snprintf(lpath, sizeof(lpath), "%s/l", dir);
		symlink("f", lpath);
		err_clear(&e);
		buf = io_read_at(dfd, "f", 1000, &len, &e);
		CHECK(buf && len == 300 && buf[299] == (char)('a' + 299 % 26),
		    "io_read_at reads a file under a directory fd");
		free(buf);
		err_clear(&e);
		buf = io_read_at(dfd, "l", 1000, &len, &e);
		CHECK(!buf && e.code == ELOOP, "io_read_at: a symlink is "
		    "not followed (%s)", e.msg);
		err_clear(&e);
		buf = io_read_at(dfd, "missing", 1000, &len, &e);
		CHECK(!buf && e.code == ENOENT && strstr(e.msg, "missing"),
		    "io_read_at: a missing file: ENOENT, named");
		/* io_read_fd: from the current offset; the fd stays open */
		fd = openat(dfd, "f", O_RDONLY);
		lseek(fd, 290, SEEK_SET);
		err_clear(&e);
		buf = io_read_fd(fd, "f", 1000, &len, &e);
		CHECK(buf && len == 10 && buf[0] == (char)('a' + 290 % 26) &&
		    fcntl(fd, F_GETFD) >= 0,
		    "io_read_fd reads from the offset and leaves the fd open");
		free(buf);
		close(fd);
		unlink(lpath);
		close(dfd);
	}

	snprintf(path, sizeof(path), "%s/f", dir);
	unlink(path);
	rmdir(dir);
	return check_done();
}

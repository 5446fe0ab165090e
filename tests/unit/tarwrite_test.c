/* tarwrite_test.c - the tar writer and tree archiver, read back by tar.c */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "check.h"
#include "io.h"
#include "tar.h"
#include "tarwrite.h"

struct mem {
	unsigned char *p;
	size_t len, cap;
	int fail_after;		/* fail writes beyond this length (0: never) */
};

static int
mem_write(void *ctx, const void *buf, size_t len, struct err *e)
{
	struct mem *m = ctx;

	if (m->fail_after && m->len + len > (size_t)m->fail_after)
		return err_set(e, ENOSPC, "disk full");
	if (m->len + len > m->cap) {
		m->cap = (m->len + len) * 2;
		m->p = realloc(m->p, m->cap);
	}
	memcpy(m->p + m->len, buf, len);
	m->len += len;
	return 0;
}

/* Everything read back from an archive, as one string per entry. */
struct seen {
	char line[64][512];
	int n;
};

static int
read_back(const struct mem *m, struct seen *s, struct err *e)
{
	struct io_mem im;
	struct reader r;
	struct tar t;
	struct tar_entry ent;
	char data[64];
	ssize_t n;
	size_t i;
	int k;

	memset(s, 0, sizeof(*s));
	io_mem_reader(&im, m->p, m->len, &r);
	tar_init(&t, &r);
	while ((k = tar_next(&t, &ent, e)) > 0 && s->n < 64) {
		n = tar_read(&t, data, sizeof(data) - 1, e);
		if (n < 0)
			break;
		data[n] = '\0';
		snprintf(s->line[s->n], sizeof(s->line[0]),
		    "%c %.300s %o %u:%u %lld %llu %s|%s|%u,%u", ent.type,
		    ent.path, ent.mode, ent.uid, ent.gid, (long long)ent.mtime,
		    (unsigned long long)ent.size, ent.linkpath, data,
		    ent.devmajor, ent.devminor);
		for (i = 0; i < ent.nxattrs; i++) {
			size_t l = strlen(s->line[s->n]);

			snprintf(s->line[s->n] + l, sizeof(s->line[0]) - l,
			    " x:%s=%zu", ent.xattrs[i].name, ent.xattrs[i].len);
		}
		s->n++;
	}
	tar_free(&t);
	return k;
}

static int
has(const struct seen *s, const char *prefix)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (strncmp(s->line[i], prefix, strlen(prefix)) == 0)
			return i;
	return -1;
}

static void
test_writer(void)
{
	struct mem m = { 0 }, m2 = { 0 };
	struct tarw_sink sink = { mem_write, &m };
	struct tarw *w = malloc(sizeof(*w));
	struct tarw_hdr h;
	struct tar_xattr xa[2] = {
		{ "user.a", (const unsigned char *)"1\0002", 3 },
		{ "security.capability", (const unsigned char *)"cap", 3 },
	};
	struct seen s;
	struct err e = ERR_INIT;
	static char chunk[1000];
	char longp[300], longl[200];
	int r, i;

	memset(longp, 'p', sizeof(longp));
	memcpy(longp, "dir/", 4);
	longp[250] = '\0';
	memset(longl, 'l', sizeof(longl));
	longl[150] = '\0';
	for (i = 0; i < 2; i++) {
		sink.ctx = i ? &m2 : &m;
		tarw_init(w, &sink);
		memset(&h, 0, sizeof(h));
		h.type = TAR_DIR;
		h.path = "dir";
		h.mode = 02755;
		h.mtime = 1700000000;
		r = tarw_header(w, &h, &e);
		h.type = TAR_REG;
		h.path = "dir/file";
		h.mode = 04755;
		h.size = 5;
		h.uid = 3000000;
		h.gid = 7;
		h.xattrs = xa;
		h.nxattrs = 2;
		r |= tarw_header(w, &h, &e);
		r |= tarw_write(w, "hel", 3, &e);
		r |= tarw_write(w, "lo", 2, &e);
		memset(&h, 0, sizeof(h));
		h.type = TAR_SYMLINK;
		h.path = longp;
		h.linkpath = longl;
		h.mode = 0777;
		h.mtime = -5;
		r |= tarw_header(w, &h, &e);
		h.type = TAR_LINK;
		h.path = "hard";
		h.linkpath = "dir/file";
		h.mtime = 0;
		r |= tarw_header(w, &h, &e);
		h.type = TAR_CHR;
		h.path = "dev/null";
		h.linkpath = NULL;
		h.devmajor = 1;
		h.devminor = 3;
		h.mode = 0666;
		r |= tarw_header(w, &h, &e);
		h.type = TAR_FIFO;
		h.path = "fifo";
		h.devmajor = h.devminor = 0;
		r |= tarw_header(w, &h, &e);
		r |= tarw_close(w, &e);
		tarw_free(w);
		CHECK(r == 0, "write pass %d: %s", i, e.msg);
	}
	CHECK(m.len == m2.len && memcmp(m.p, m2.p, m.len) == 0 &&
	    m.len % 512 == 0, "same input, same bytes (%zu)", m.len);
	r = read_back(&m, &s, &e);
	CHECK(r == 0 && s.n == 6, "read back: 6 entries, clean end (%d %s)",
	    s.n, e.msg);
	CHECK(has(&s, "5 dir/ 2755 0:0 1700000000 0 |") == 0,
	    "directory with setgid and a slash: %s", s.line[0]);
	CHECK(has(&s, "0 dir/file 4755 3000000:7 1700000000 5 |hello|0,0 "
	    "x:user.a=3 x:security.capability=3") == 1,
	    "file: PAX uid, data, binary xattrs in order: %s", s.line[1]);
	CHECK(s.n > 2 && strncmp(s.line[2] + 2, longp, 250) == 0 &&
	    strstr(s.line[2], " -5 ") && strstr(s.line[2], longl),
	    "long path and link target, negative mtime via PAX");
	CHECK(has(&s, "1 hard 777 0:0 0 0 dir/file|") == 3, "hard link: %s",
	    s.line[3]);
	CHECK(has(&s, "3 dev/null 666 0:0 0 0 ||1,3") == 4, "char device: %s",
	    s.line[4]);
	CHECK(has(&s, "6 fifo ") == 5, "fifo");

	/* misuse and sink errors */
	m.len = 0;
	sink.ctx = &m;
	tarw_init(w, &sink);
	memset(&h, 0, sizeof(h));
	h.type = TAR_REG;
	h.path = "f";
	h.size = 2;
	tarw_header(w, &h, &e);
	CHECK(tarw_write(w, "abc", 3, &e) < 0 && e.code == ERR_USAGE,
	    "more data than the size: %s", e.msg);
	CHECK(tarw_header(w, &h, &e) < 0 && e.code == ERR_USAGE,
	    "next header before the data: %s", e.msg);
	CHECK(tarw_close(w, &e) < 0, "close with data missing");
	h.type = TAR_DIR;
	tarw_write(w, "ab", 2, &e);
	CHECK(tarw_header(w, &h, &e) < 0, "size on a directory refused");
	h.type = 'Z';
	h.size = 0;
	CHECK(tarw_header(w, &h, &e) < 0, "unknown type refused");
	h.type = TAR_REG;
	h.path = "";
	CHECK(tarw_header(w, &h, &e) < 0, "empty path refused");
	tarw_free(w);
	m.len = 0;
	m.fail_after = 1000;
	tarw_init(w, &sink);
	h.path = "big";
	h.size = 200000;
	r = tarw_header(w, &h, &e);
	for (i = 0; r == 0 && i < 200; i++)
		r = tarw_write(w, chunk, sizeof(chunk), &e);
	CHECK(r < 0 && e.code == ENOSPC, "sink error reported: %s", e.msg);
	h.type = TAR_FIFO;
	h.size = 0;
	CHECK(tarw_header(w, &h, &e) < 0 && e.code == ENOSPC,
	    "and sticky: %s", e.msg);
	tarw_free(w);
	free(w);
	free(m.p);
	free(m2.p);
}

static void
mk(int dfd, const char *path, const char *data)
{
	int fd = openat(dfd, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd >= 0) {
		if (write(fd, data, strlen(data)) < 0)
			perror("write");
		close(fd);
	}
}

static int
tree(int dfd, unsigned flags, struct mem *m, struct tarw_tree_stats *st,
    struct err *e)
{
	struct tarw_sink sink = { mem_write, m };
	struct tarw *w = malloc(sizeof(*w));
	int r;

	m->len = 0;
	tarw_init(w, &sink);
	r = tarw_tree(w, dfd, flags, st, e);
	if (r == 0)
		r = tarw_close(w, e);
	tarw_free(w);
	free(w);
	return r;
}

static void
test_tree(void)
{
	char dir[] = "/tmp/tarwrite_test.XXXXXX", cmd[128];
	struct mem m = { 0 }, m2 = { 0 };
	struct tarw_tree_stats st;
	struct seen s;
	struct err e = ERR_INIT;
	struct timespec ts[2] = { { 1600000000, 0 }, { 1600000000, 0 } };
	int dfd, r, wh, opq, i;

	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp");
		return;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	mkdirat(dfd, "b", 0755);
	mkdirat(dfd, "b/sub", 0700);
	mk(dfd, "b/sub/deep", "deep");
	mk(dfd, "a", "A");
	mk(dfd, "b/z", "Z");
	linkat(dfd, "a", dfd, "b/hard", 0);
	symlinkat("/etc/passwd", dfd, "b/abs");
	mkfifoat(dfd, "fifo", 0600);
	fchmodat(dfd, "a", 04711, 0);
	wh = mknodat(dfd, "gone", S_IFCHR | 0, makedev(0, 0)) == 0;
	opq = fsetxattr(dfd, "user.overlay.opaque", "y", 1, 0) == 0 ||
	    setxattr(dir, "user.overlay.opaque", "y", 1, 0) == 0;
	mkdirat(dfd, "o", 0755);
	{
		char p[300];

		snprintf(p, sizeof(p), "%s/o", dir);
		opq = setxattr(p, "user.overlay.opaque", "y", 1, 0) == 0;
		setxattr(p, "user.keep", "v", 1, 0);
	}
	for (i = 0; i < 2; i++) {
		utimensat(dfd, "b/sub", ts, AT_SYMLINK_NOFOLLOW);
		utimensat(dfd, "b", ts, AT_SYMLINK_NOFOLLOW);
		utimensat(dfd, "o", ts, AT_SYMLINK_NOFOLLOW);
	}
	r = tree(dfd, TARW_OVERLAY, &m, &st, &e);
	CHECK(r == 0, "archive a tree: %s", e.msg);
	r = read_back(&m, &s, &e);
	CHECK(r == 0 && has(&s, "0 a 4711 ") == 0 &&
	    has(&s, "5 b/ 755 ") == 1 && has(&s, "2 b/abs 777 ") == 2 &&
	    has(&s, "1 b/hard ") == 3 && has(&s, "5 b/sub/ 700 ") == 4 &&
	    has(&s, "0 b/sub/deep ") == 5 && has(&s, "0 b/z ") == 6 &&
	    has(&s, "6 fifo 600 ") == 7,
	    "sorted, directories first, each kind right (%d entries)", s.n);
	CHECK(strstr(s.line[3], "a|") != NULL && strstr(s.line[2],
	    "/etc/passwd|") != NULL && strstr(s.line[5], "|deep|"),
	    "hard link to the first path, symlink verbatim, data");
	CHECK(has(&s, "5 b/ 755 0:0 1600000000 ") == 1,
	    "directory times from the tree");
	if (wh)
		CHECK(has(&s, "0 .wh.gone 0 ") >= 0 && has(&s, "3 gone") < 0,
		    "0/0 device archived as .wh.gone");
	else
		printf("skip - 0/0 whiteout device: mknod not permitted\n");
	if (opq)
		CHECK(has(&s, "5 o/ 755 ") >= 0 &&
		    has(&s, "0 o/.wh..wh..opq 755 0:0 0 0 |") ==
		    has(&s, "5 o/ 755 ") + 1 && strstr(s.line[has(&s,
		    "5 o/ 755 ")], "x:user.keep=1") &&
		    !strstr(s.line[has(&s, "5 o/ 755 ")], "overlay"),
		    "opaque directory: marker entry after it, user.* xattr "
		    "kept, overlay xattr dropped");
	else
		printf("skip - opaque xattr: user xattrs not supported\n");
	r = tree(dfd, TARW_OVERLAY | TARW_NO_OPENAT2, &m2, NULL, &e);
	CHECK(r == 0 && m.len == m2.len && memcmp(m.p, m2.p, m.len) == 0,
	    "the openat walk gives the same bytes: %s", e.msg);
	if (wh) {
		r = tree(dfd, 0, &m2, NULL, &e);
		read_back(&m2, &s, &e);
		CHECK(r == 0 && has(&s, "3 gone 0 0:0 ") >= 0,
		    "without TARW_OVERLAY the device stays a device");
	}
	close(dfd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("could not remove %s\n", dir);
	free(m.p);
	free(m2.p);
}

int
main(void)
{
	test_writer();
	test_tree();
	return check_done();
}

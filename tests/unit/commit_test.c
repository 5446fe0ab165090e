/* commit_test.c - commit, the copy driver and export, on a real store
 *
 * --change parsing and the config derivation are pure and always run.
 * The rest needs root (chown, devices, trusted xattrs, mounts) and is
 * skipped with a reason otherwise: a store in a temporary directory gets
 * a base image imported from a tar built here; containers are simulated
 * by populating a directory (copy driver) or mounting an overlay (overlay
 * driver, in a private mount namespace), changed, committed, and the new
 * image's rootfs is compared with the changed one.
 */

#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cexport.h"
#include "check.h"
#include "commit.h"
#include "copydrv.h"
#include "extract.h"
#include "image.h"
#include "io.h"
#include "json.h"
#include "sha256.h"
#include "store.h"
#include "tar.h"
#include "tarwrite.h"

#define E (err_clear(&e), &e)

static char base[] = "/tmp/rocker-commit-test.XXXXXX";
static struct err e = ERR_INIT;
static const int64_t T0 = 1600000000;
static int private_ns;

/* ---- helpers ---- */

static const char *
P(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static const char *
P(const char *fmt, ...)
{
	static char buf[8][4096];
	static int i;
	char *b = buf[i++ & 7];
	va_list ap;
	size_t n;

	n = (size_t)snprintf(b, 4096, "%s/", base);
	va_start(ap, fmt);
	vsnprintf(b + n, 4096 - n, fmt, ap);
	va_end(ap);
	return b;
}

static int
put_file(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int r;

	if (fd < 0)
		return -1;
	r = io_write_all(fd, data, strlen(data), &e);
	close(fd);
	return r;
}

static int
fd_sink(void *ctx, const void *buf, size_t len, struct err *err)
{
	return io_write_all(*(int *)ctx, buf, len, err);
}

/* Tar builder on a file. */
struct tb {
	struct tarw w;
	int fd;
	int ok;
};

static void
tb_open(struct tb *t, const char *path)
{
	struct tarw_sink s;

	t->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	t->ok = t->fd >= 0;
	s.write = fd_sink;
	s.ctx = &t->fd;
	tarw_init(&t->w, &s);
}

static void
tb_put(struct tb *t, int type, const char *path, unsigned mode,
    const char *data, uint32_t uid, const struct tar_xattr *xa)
{
	struct tarw_hdr h;

	memset(&h, 0, sizeof(h));
	h.type = type;
	h.path = path;
	h.mode = mode;
	h.uid = uid;
	h.gid = uid;
	h.mtime = T0;
	if (type == TAR_SYMLINK || type == TAR_LINK)
		h.linkpath = data;
	else if (type == TAR_REG && data)
		h.size = strlen(data);
	if (xa) {
		h.xattrs = xa;
		h.nxattrs = 1;
	}
	if (tarw_header(&t->w, &h, E) < 0 || (type == TAR_REG && data &&
	    tarw_write(&t->w, data, strlen(data), E) < 0))
		t->ok = 0;
}

static int
tb_close(struct tb *t)
{
	if (tarw_close(&t->w, E) < 0)
		t->ok = 0;
	tarw_free(&t->w);
	close(t->fd);
	return t->ok ? 0 : -1;
}

static int
name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
skip_dots(const struct dirent *d)
{
	return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

static char why[8192];

static int
same_bytes(const char *a, const char *b)
{
	char *x, *y;
	size_t nx, ny;
	int r;

	x = io_read_file(a, 1 << 20, &nx, E);
	y = io_read_file(b, 1 << 20, &ny, E);
	r = x && y && nx == ny && memcmp(x, y, nx) == 0;
	free(x);
	free(y);
	return r;
}

/*
 * Compare trees `a` and `b` below `rel` ("" for the roots, whose own
 * metadata is not compared). 0 if equal; else 1 with `why` set.
 */
static int
tree_cmp(const char *a, const char *b)
{
	struct dirent **na = NULL, **nb = NULL;
	struct stat sa, sb;
	char pa[4096], pb[4096], la[4096], lb[4096], xa[256], xb[256];
	ssize_t ka, kb;
	int ca, cb, i, r = 1;

	ca = scandir(a, &na, skip_dots, name_cmp);
	cb = scandir(b, &nb, skip_dots, name_cmp);
	if (ca < 0 || cb < 0) {
		snprintf(why, sizeof(why), "scandir %s or %s", a, b);
		goto out;
	}
	for (i = 0; i < ca || i < cb; i++) {
		if (i >= ca || i >= cb ||
		    strcmp(na[i]->d_name, nb[i]->d_name) != 0) {
			snprintf(why, sizeof(why), "%s: entries differ at %s",
			    a, i < ca ? na[i]->d_name : nb[i]->d_name);
			goto out;
		}
		snprintf(pa, sizeof(pa), "%s/%s", a, na[i]->d_name);
		snprintf(pb, sizeof(pb), "%s/%s", b, nb[i]->d_name);
		if (lstat(pa, &sa) < 0 || lstat(pb, &sb) < 0) {
			snprintf(why, sizeof(why), "lstat %s", pa);
			goto out;
		}
		if (sa.st_mode != sb.st_mode || sa.st_uid != sb.st_uid ||
		    sa.st_gid != sb.st_gid ||
		    sa.st_mtim.tv_sec != sb.st_mtim.tv_sec ||
		    sa.st_rdev != sb.st_rdev) {
			snprintf(why, sizeof(why), "%s: mode %o/%o uid %u/%u "
			    "mtime %ld/%ld", pa, sa.st_mode, sb.st_mode,
			    sa.st_uid, sb.st_uid, (long)sa.st_mtim.tv_sec,
			    (long)sb.st_mtim.tv_sec);
			goto out;
		}
		ka = lgetxattr(pa, "user.test", xa, sizeof(xa));
		kb = lgetxattr(pb, "user.test", xb, sizeof(xb));
		if (ka != kb || (ka > 0 && memcmp(xa, xb, (size_t)ka) != 0)) {
			snprintf(why, sizeof(why), "%s: xattrs differ", pa);
			goto out;
		}
		if (S_ISREG(sa.st_mode) && (sa.st_nlink != sb.st_nlink ||
		    !same_bytes(pa, pb))) {
			snprintf(why, sizeof(why), "%s: content or links "
			    "differ", pa);
			goto out;
		}
		if (S_ISLNK(sa.st_mode)) {
			ka = readlink(pa, la, sizeof(la) - 1);
			kb = readlink(pb, lb, sizeof(lb) - 1);
			if (ka < 0 || ka != kb || memcmp(la, lb,
			    (size_t)ka) != 0) {
				snprintf(why, sizeof(why), "%s: target", pa);
				goto out;
			}
		}
		if (S_ISDIR(sa.st_mode) && tree_cmp(pa, pb))
			goto out;
	}
	r = 0;
out:
	for (i = 0; i < ca; i++)
		free(na[i]);
	for (i = 0; i < cb; i++)
		free(nb[i]);
	free(na);
	free(nb);
	return r;
}

static int
is_type(const char *path, mode_t type)
{
	struct stat st;

	return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == type;
}

static int
gone(const char *path)
{
	struct stat st;

	return lstat(path, &st) < 0 && errno == ENOENT;
}

/* The chain ids of image `ref`, into v (n returned). */
static size_t
chains_of(struct store *s, const char *ref, char v[][STORE_DIGEST_MAX],
    const char *p[], struct store_image *img)
{
	size_t i;

	if (store_image_get(s, ref, img, E) < 0)
		return 0;
	for (i = 0; i < img->nlayers && i < 8; i++) {
		memcpy(v[i], img->layers[i].chain_id, STORE_DIGEST_MAX);
		p[i] = v[i];
	}
	return i;
}

/* ---- --change and config (pure) ---- */

static void
test_changes(void)
{
	struct commit_change c;
	struct commit_opts o;
	struct json_value *root;
	char *out;
	size_t len;
	const char *parent = "{\"architecture\":\"amd64\",\"os\":\"linux\","
	    "\"config\":{\"Env\":[\"PATH=/bin\",\"A=0\"],\"Cmd\":[\"sh\"],"
	    "\"WorkingDir\":\"/srv\",\"Labels\":{\"x\":\"1\"}},"
	    "\"container_config\":{},\"docker_version\":\"1\","
	    "\"history\":[{\"created_by\":\"base\"}],"
	    "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:aa\"]}}";
	char *changes[] = {
		"ENV A=1 B=\"two words\"", "label y=2 'z z'=3",
		"WORKDIR app/../web", "EXPOSE 80 53/udp", "USER nobody",
		"ENTRYPOINT [\"/init\"]", "VOLUME /data",
	};

	CHECK(commit_parse_change("CMD [\"a\", \"b c\"]", &c, E) == 0 &&
	    c.kind == COMMIT_CMD && c.argc == 2 &&
	    strcmp(c.argv[1], "b c") == 0, "CMD exec form");
	commit_change_free(&c);
	CHECK(commit_parse_change("cmd echo \"hi\" there ", &c, E) == 0 &&
	    c.argc == 3 && strcmp(c.argv[0], "/bin/sh") == 0 &&
	    strcmp(c.argv[1], "-c") == 0 &&
	    strcmp(c.argv[2], "echo \"hi\" there") == 0,
	    "CMD shell form, lower case");
	commit_change_free(&c);
	CHECK(commit_parse_change("ENTRYPOINT [not json", &c, E) == 0 &&
	    c.argc == 3 && strcmp(c.argv[2], "[not json") == 0,
	    "ENTRYPOINT: bad JSON is the shell form, as in Docker");
	commit_change_free(&c);
	CHECK(commit_parse_change("ENV A=1 B=\"x y\" C='$q' D=a\\ b", &c,
	    E) == 0 && c.kind == COMMIT_ENV && c.argc == 8 &&
	    strcmp(c.argv[3], "x y") == 0 && strcmp(c.argv[5], "$q") == 0 &&
	    strcmp(c.argv[7], "a b") == 0, "ENV K=V with quotes");
	commit_change_free(&c);
	CHECK(commit_parse_change("ENV K  the rest  ", &c, E) == 0 &&
	    c.argc == 2 && strcmp(c.argv[0], "K") == 0 &&
	    strcmp(c.argv[1], "the rest") == 0, "ENV old form");
	commit_change_free(&c);
	CHECK(commit_parse_change("EXPOSE 80 53/UDP", &c, E) == 0 &&
	    c.argc == 2 && strcmp(c.argv[0], "80/tcp") == 0 &&
	    strcmp(c.argv[1], "53/udp") == 0, "EXPOSE");
	commit_change_free(&c);
	CHECK(commit_parse_change("EXPOSE 70000", &c, E) < 0 &&
	    e.code == ERR_USAGE, "EXPOSE out of range: %s", e.msg);
	CHECK(commit_parse_change("WORKDIR  /a b ", &c, E) == 0 &&
	    c.argc == 1 && strcmp(c.argv[0], "/a b") == 0, "WORKDIR");
	commit_change_free(&c);
	CHECK(commit_parse_change("VOLUME [\"/a\",\"/b\"]", &c, E) == 0 &&
	    c.argc == 2, "VOLUME JSON");
	commit_change_free(&c);
	CHECK(commit_parse_change("RUN rm -rf /", &c, E) < 0 &&
	    e.code == ERR_USAGE && strstr(e.msg, "not a valid change"),
	    "RUN refused: %s", e.msg);
	CHECK(commit_parse_change("USER", &c, E) < 0 && e.code == ERR_USAGE,
	    "USER without argument: %s", e.msg);
	CHECK(commit_parse_change("ENV A=\"x", &c, E) < 0,
	    "unterminated quote: %s", e.msg);
	CHECK(commit_parse_change("LABEL =v", &c, E) < 0,
	    "LABEL without key: %s", e.msg);

	memset(&o, 0, sizeof(o));
	o.changes = changes;
	o.nchanges = sizeof(changes) / sizeof(changes[0]);
	o.comment = "msg";
	o.author = "me";
	o.config_json = "{\"Cmd\":[\"top\"],\"Hostname\":\"abc\"}";
	if (commit_config(parent, strlen(parent), &o, "sha256:bb",
	    "2024-01-01T00:00:00Z", &out, &len, E) < 0) {
		CHECK(0, "commit_config: %s", e.msg);
		return;
	}
	root = json_parse(out, len, NULL, E);
	CHECK(root != NULL, "config is JSON");
	CHECK(json_str(json_get(root, "os")) && !json_get(root,
	    "container_config") && !json_get(root, "docker_version"),
	    "kept os, dropped container_config and docker_version");
	CHECK(json_len(json_get(root, "config.Env")) == 3 &&
	    strcmp(json_str(json_get(root, "config.Env.1")), "A=1") == 0 &&
	    strcmp(json_str(json_get(root, "config.Env.2")),
	    "B=two words") == 0, "ENV replaced and appended");
	CHECK(json_len(json_get(root, "config.Labels")) == 3 &&
	    strcmp(json_str(json_get(root, "config.Labels.z z")), "3") == 0,
	    "LABEL added");
	CHECK(strcmp(json_str(json_get(root, "config.WorkingDir")),
	    "/srv/web") == 0, "relative WORKDIR joined and cleaned");
	CHECK(json_get(root, "config.ExposedPorts.80/tcp") != NULL &&
	    json_len(json_get(root, "config.ExposedPorts")) == 2,
	    "EXPOSE keys");
	CHECK(json_is_null(json_get(root, "config.Cmd")) &&
	    strcmp(json_str(json_get(root, "config.Entrypoint.0")),
	    "/init") == 0, "ENTRYPOINT clears the inherited Cmd");
	CHECK(strcmp(json_str(json_get(root, "config.Hostname")), "abc") == 0,
	    "container config applied");
	CHECK(strcmp(json_str(json_get(root, "config.User")), "nobody") == 0 &&
	    json_len(json_get(root, "config.Volumes")) == 1, "USER, VOLUME");
	CHECK(json_len(json_get(root, "history")) == 2 &&
	    strcmp(json_str(json_get(root, "history.1.created_by")),
	    "rocker commit") == 0 &&
	    strcmp(json_str(json_get(root, "history.1.comment")), "msg") == 0,
	    "history appended");
	CHECK(json_len(json_get(root, "rootfs.diff_ids")) == 2 &&
	    strcmp(json_str(json_get(root, "rootfs.diff_ids.1")),
	    "sha256:bb") == 0, "diff_ids appended");
	CHECK(strcmp(json_str(json_get(root, "author")), "me") == 0 &&
	    strcmp(json_str(json_get(root, "created")),
	    "2024-01-01T00:00:00Z") == 0, "author, created");
	json_free(root);
	free(out);
	CHECK(commit_config("[1]", 3, &o, "sha256:bb", "x", &out, &len, E) < 0,
	    "parent config must be an object: %s", e.msg);
}

/* ---- store tests (root) ---- */

static int
base_tar(const char *path, int variant)
{
	struct tb t;
	struct tar_xattr xa = { "user.test", (const unsigned char *)"v1", 2 };

	tb_open(&t, path);
	tb_put(&t, TAR_DIR, "bin", 0755, NULL, 0, NULL);
	tb_put(&t, TAR_REG, "bin/sh", 0755, "#!sh\n", 0, NULL);
	tb_put(&t, TAR_DIR, "d", 0750, NULL, 0, NULL);
	tb_put(&t, TAR_REG, "d/a", 0644, "a", 0, NULL);
	tb_put(&t, TAR_REG, "d/b", 0644, "b", 0, NULL);
	tb_put(&t, TAR_DIR, "d/sub", 0755, NULL, 0, NULL);
	tb_put(&t, TAR_REG, "d/sub/c", 0644, "c", 0, NULL);
	tb_put(&t, TAR_DIR, "etc", 0755, NULL, 0, NULL);
	tb_put(&t, TAR_REG, "etc/keep", 0600, "k", 1000, NULL);
	tb_put(&t, TAR_REG, "etc/passwd", 0644, "root:x:0:0\n", 0, NULL);
	tb_put(&t, TAR_REG, "etc/suid", 04755, "s", 0, NULL);
	tb_put(&t, TAR_FIFO, "fifo", 0600, NULL, 0, NULL);
	tb_put(&t, TAR_DIR, "gone", 0755, NULL, 0, NULL);
	tb_put(&t, TAR_REG, "gone/x", 0644, "x", 0, NULL);
	tb_put(&t, TAR_REG, "hl1", 0644, "linked", 0, NULL);
	tb_put(&t, TAR_LINK, "hl2", 0644, "hl1", 0, NULL);
	tb_put(&t, TAR_SYMLINK, "link", 0777, "/etc/passwd", 0, NULL);
	tb_put(&t, TAR_DIR, "mnt", 0755, NULL, 0, NULL);
	tb_put(&t, TAR_REG, "xa", 0644, "x", 0, &xa);
	if (variant)
		tb_put(&t, TAR_REG, "variant", 0644, "overlay", 0, NULL);
	return tb_close(&t);
}

static int
import(struct store *s, const char *tarpath, int driver, const char *tag,
    char id[DIGEST_MAX])
{
	struct image_import_opts io;
	int fd = open(tarpath, O_RDONLY), r;

	memset(&io, 0, sizeof(io));
	io.driver = driver;
	io.tag = tag;
	r = image_import(s, fd, &io, id, E);
	close(fd);
	return r;
}

/* A second copy-format layer with aufs whiteouts, on top of `chain1`. */
static void
test_populate_aufs(struct store *s, const char *chain1)
{
	struct store_layer_tx tx;
	struct store_layer_meta m;
	struct extract_opts xo;
	struct reader r;
	struct tb t;
	char chain2[STORE_DIGEST_MAX];
	const char *v[2];
	int fd, ok;

	tb_open(&t, P("l2.tar"));
	tb_put(&t, TAR_DIR, "d", 0700, NULL, 0, NULL);
	tb_put(&t, TAR_REG, "d/.wh..wh..opq", 0, "", 0, NULL);
	tb_put(&t, TAR_REG, "d/new", 0644, "new", 0, NULL);
	tb_put(&t, TAR_REG, ".wh.gone", 0, "", 0, NULL);
	tb_put(&t, TAR_REG, ".wh.fifo", 0, "", 0, NULL);
	tb_put(&t, TAR_REG, "fifo", 0644, "now a file", 0, NULL);
	tb_put(&t, TAR_DIR, "link", 0755, NULL, 0, NULL);
	tb_put(&t, TAR_REG, "link/f", 0644, "f", 0, NULL);
	tb_put(&t, TAR_SYMLINK, "bin/sh", 0777, "busybox", 0, NULL);
	tb_put(&t, TAR_REG, "etc", 0644, "etc is a file", 0, NULL);
	if (tb_close(&t) < 0) {
		CHECK(0, "layer 2 tar: %s", e.msg);
		return;
	}
	memset(&m, 0, sizeof(m));
	memset(&xo, 0, sizeof(xo));
	xo.mode = EXTRACT_KEEP;
	sha_digest(NULL, "layer two", 9, m.diff_id);	/* any diff id */
	memcpy(m.parent, chain1, sizeof(m.parent));
	snprintf(m.whiteouts, sizeof(m.whiteouts), "aufs");
	m.size = m.compressed_size = -1;
	fd = open(P("l2.tar"), O_RDONLY);
	io_fd_reader(&fd, &r);
	ok = store_chain_id(chain1, m.diff_id, chain2, E) == 0 &&
	    store_layer_begin(s, chain2, &tx, E) == 0 &&
	    extract_tar(tx.dirfd, &r, &xo, NULL, E) == 0 &&
	    store_layer_commit(s, &tx, &m, E) == 0;
	close(fd);
	CHECK(ok, "aufs layer 2 committed: %s", e.msg);
	v[0] = chain1;
	v[1] = chain2;
	mkdir(P("aufs"), 0755);
	CHECK(copydrv_populate(s, v, 2, P("aufs"), E) == 0,
	    "populate two aufs layers: %s", e.msg);
	CHECK(is_type(P("aufs/d/new"), S_IFREG) && gone(P("aufs/d/a")) &&
	    gone(P("aufs/d/sub")) && gone(P("aufs/d/.wh..wh..opq")),
	    "opaque marker hides the lower directory's entries");
	CHECK(gone(P("aufs/gone")) && gone(P("aufs/.wh.gone")),
	    "whiteout removes a directory and is not copied");
	CHECK(is_type(P("aufs/fifo"), S_IFREG),
	    "whiteout and a new entry of the same layer: the new one stays");
	CHECK(is_type(P("aufs/link"), S_IFDIR) &&
	    is_type(P("aufs/link/f"), S_IFREG), "a directory over a symlink");
	CHECK(is_type(P("aufs/bin/sh"), S_IFLNK),
	    "a symlink over a file");
	CHECK(is_type(P("aufs/etc"), S_IFREG), "a file over a directory");
	CHECK(is_type(P("aufs/bin"), S_IFDIR) && is_type(P("aufs/xa"),
	    S_IFREG), "untouched entries stay");
}

/* Copy driver: populate, change, commit, populate the new image. */
static void
test_copy(struct store *s)
{
	struct store_image img;
	struct commit_opts o;
	struct stat st, st2;
	struct tarw *w;
	struct tarw_tree_stats ts;
	struct tarw_sink sink;
	char id1[DIGEST_MAX], id2[DIGEST_MAX], xv[16];
	char ch[8][STORE_DIGEST_MAX], *cfg = NULL;
	const char *v[8];
	char *changes[] = { "CMD echo hi", "ENV A=1" };
	size_t n, len;
	int rootfd, devnull, rc;

	if (base_tar(P("base.tar"), 0) < 0 ||
	    import(s, P("base.tar"), STORE_DRIVER_COPY, "base:1", id1) < 0) {
		CHECK(0, "import the base image: %s", e.msg);
		return;
	}
	n = chains_of(s, id1, ch, v, &img);
	store_image_free(&img);
	CHECK(n == 1, "base image has one layer");
	if (n != 1)
		return;
	test_populate_aufs(s, v[0]);

	mkdir(P("c1"), 0755);
	CHECK(copydrv_populate(s, v, 1, P("c1"), E) == 0, "populate: %s",
	    e.msg);
	CHECK(stat(P("c1/etc/keep"), &st) == 0 && st.st_uid == 1000 &&
	    st.st_gid == 1000 && (st.st_mode & 07777) == 0600,
	    "owner and mode kept");
	CHECK(stat(P("c1/etc/suid"), &st) == 0 &&
	    (st.st_mode & 07777) == 04755, "setuid kept after chown");
	CHECK(stat(P("c1/hl1"), &st) == 0 && stat(P("c1/hl2"), &st2) == 0 &&
	    st.st_ino == st2.st_ino && st.st_nlink == 2,
	    "hard links kept as hard links");
	CHECK(lgetxattr(P("c1/xa"), "user.test", xv, sizeof(xv)) == 2 &&
	    memcmp(xv, "v1", 2) == 0, "user xattr copied");
	CHECK(is_type(P("c1/fifo"), S_IFIFO) && is_type(P("c1/link"),
	    S_IFLNK), "fifo and symlink");
	CHECK(lstat(P("c1/d"), &st) == 0 && st.st_mtime == T0 &&
	    lstat(P("c1/d/a"), &st) == 0 && st.st_mtime == T0,
	    "times kept (directories after their contents)");

	/* a fresh populate of the same layers has no diff */
	w = calloc(1, sizeof(*w));
	devnull = open("/dev/null", O_WRONLY);
	sink.write = fd_sink;
	sink.ctx = &devnull;
	tarw_init(w, &sink);
	rootfd = open(P("c1"), O_RDONLY | O_DIRECTORY);
	rc = copydrv_diff(s, v, 1, rootfd, w, &ts, E);
	CHECK(rc == 0 && ts.entries == 0,
	    "unchanged rootfs: empty diff (%llu entries) %s",
	    (unsigned long long)ts.entries, e.msg);

	/* the container's changes */
	CHECK(put_file(P("c1/new.txt"), "new") == 0 &&
	    put_file(P("c1/etc/passwd"), "root:x:0:0\nme:x:1:1\n") == 0 &&
	    unlink(P("c1/d/a")) == 0 && unlink(P("c1/gone/x")) == 0 &&
	    rmdir(P("c1/gone")) == 0 && mkdir(P("c1/newdir"), 0711) == 0 &&
	    mkdir(P("c1/newdir/inner"), 0755) == 0 &&
	    put_file(P("c1/newdir/inner/f"), "f") == 0 &&
	    link(P("c1/new.txt"), P("c1/newdir/hl3")) == 0 &&
	    chmod(P("c1/bin/sh"), 0700) == 0 &&
	    lsetxattr(P("c1/xa"), "user.test", "v2", 2, 0) == 0 &&
	    unlink(P("c1/link")) == 0 &&
	    symlink("/elsewhere", P("c1/link")) == 0, "change the rootfs");
	tarw_init(w, &sink);
	rc = copydrv_diff(s, v, 1, rootfd, w, &ts, E);
	CHECK(rc == 0 && ts.whiteouts == 2,
	    "diff: 2 whiteouts (%llu), %llu entries %s",
	    (unsigned long long)ts.whiteouts,
	    (unsigned long long)ts.entries, e.msg);
	tarw_free(w);
	free(w);
	close(devnull);

	memset(&o, 0, sizeof(o));
	o.parent = id1;
	o.upperfd = -1;
	o.rootfd = rootfd;
	o.driver = STORE_DRIVER_COPY;
	o.tag = "committed";
	o.comment = "a message";
	o.changes = changes;
	o.nchanges = 2;
	CHECK(commit_image(s, &o, id2, E) == 0, "commit (copy): %s", e.msg);
	close(rootfd);
	n = chains_of(s, "docker.io/library/committed:latest", ch, v, &img);
	CHECK(n == 2 && strcmp(img.id, id2) == 0,
	    "the tag names a two-layer image");
	if (n == 2 && store_blob_read(s, id2, 1 << 20, &cfg, &len, E) == 0) {
		CHECK(strstr(cfg, "\"Cmd\":[\"/bin/sh\",\"-c\",\"echo hi\"]") &&
		    strstr(cfg, "\"A=1\"") && strstr(cfg, "rocker commit") &&
		    strstr(cfg, img.layers[1].diff_id),
		    "config: Cmd, Env, history, diff_ids");
		free(cfg);
	}
	store_image_free(&img);
	if (n != 2)
		return;
	mkdir(P("c2"), 0755);
	CHECK(copydrv_populate(s, v, 2, P("c2"), E) == 0,
	    "populate the new image: %s", e.msg);
	CHECK(tree_cmp(P("c1"), P("c2")) == 0,
	    "the new image is the changed rootfs: %s", why);

	/* commit again without changes: still a new layer */
	rootfd = open(P("c2"), O_RDONLY | O_DIRECTORY);
	o.parent = id2;
	o.rootfd = rootfd;
	o.tag = NULL;
	o.nchanges = 0;
	CHECK(commit_image(s, &o, id1, E) == 0 &&
	    chains_of(s, id1, ch, v, &img) == 3 &&
	    img.layers[2].diff_id[0], "an empty diff still makes a layer: %s",
	    e.msg);
	store_image_free(&img);
	close(rootfd);

	/* failures leave nothing */
	o.parent = "sha256:0000000000000000000000000000000000000000000000"
	    "000000000000000000";
	o.rootfd = open(P("c2"), O_RDONLY | O_DIRECTORY);
	CHECK(commit_image(s, &o, id1, E) < 0 && e.code == ERR_NOTFOUND,
	    "unknown parent: %s", e.msg);
	o.parent = id2;
	o.changes = (char *[]){ "FROM x" };
	o.nchanges = 1;
	CHECK(commit_image(s, &o, id1, E) < 0 && e.code == ERR_USAGE,
	    "bad --change fails first: %s", e.msg);
	close(o.rootfd);
}

/* Export: the tree, with a mount inside shown as an empty directory. */
static void
test_export(void)
{
	struct tar t;
	struct tar_entry ent;
	struct reader r;
	int fd, n = 0, mnt = 0, inmnt = 0, passwd = 0, rc;
	int mounted;

	mounted = private_ns && mount("tmpfs", P("c1/mnt"), "tmpfs", 0,
	    "size=64k") == 0 &&
	    put_file(P("c1/mnt/hidden"), "h") == 0;
	fd = open(P("export.tar"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(cexport_tree(P("c1"), fd, E) == 0, "export: %s", e.msg);
	lseek(fd, 0, SEEK_SET);
	io_fd_reader(&fd, &r);
	tar_init(&t, &r);
	while ((rc = tar_next(&t, &ent, E)) == 1) {
		n++;
		mnt += strcmp(ent.path, "mnt/") == 0;
		inmnt += strncmp(ent.path, "mnt/", 4) == 0 &&
		    strcmp(ent.path, "mnt/") != 0;
		passwd += strcmp(ent.path, "etc/passwd") == 0;
	}
	tar_free(&t);
	close(fd);
	CHECK(rc == 0 && n > 10 && passwd == 1 && mnt == 1,
	    "export lists the rootfs (%d entries) %s", n, e.msg);
	if (mounted) {
		CHECK(inmnt == 0, "a mount inside is an empty directory");
		umount(P("c1/mnt"));
	} else {
		printf("skip - export across a mount: cannot mount tmpfs\n");
	}
}

/* Overlay driver: mount, change, commit from upper, mount the new image. */
static void
test_overlay(struct store *s)
{
	struct store_image img;
	struct commit_opts o;
	char id1[DIGEST_MAX], id2[DIGEST_MAX], opts[4096];
	char ch[8][STORE_DIGEST_MAX];
	const char *v[8];
	size_t n;
	int ok, upper;

	if (base_tar(P("ovl.tar"), 1) < 0 ||
	    import(s, P("ovl.tar"), STORE_DRIVER_OVERLAY, "ovl:1", id1) < 0) {
		CHECK(0, "import the overlay base: %s", e.msg);
		return;
	}
	n = chains_of(s, id1, ch, v, &img);
	store_image_free(&img);
	if (!private_ns) {
		printf("skip - overlay commit: no private mount namespace\n");
		return;
	}
	if (store_rw_create(s, "ctr1", E) < 0 ||
	    store_overlay_opts(s, v, n, "ctr1", opts, sizeof(opts), E) < 0) {
		CHECK(0, "rw layer: %s", e.msg);
		return;
	}
	ok = fchdir(s->rootfd) == 0 && mount("overlay",
	    P("store/rw/ctr1/merged"), "overlay", 0, opts) == 0;
	if (chdir("/") < 0 || !ok) {
		printf("skip - overlay commit: cannot mount overlay: %s\n",
		    strerror(errno));
		return;
	}
	CHECK(put_file(P("store/rw/ctr1/merged/new.txt"), "new") == 0 &&
	    put_file(P("store/rw/ctr1/merged/etc/passwd"), "changed") == 0 &&
	    unlink(P("store/rw/ctr1/merged/d/a")) == 0 &&
	    unlink(P("store/rw/ctr1/merged/gone/x")) == 0 &&
	    rmdir(P("store/rw/ctr1/merged/gone")) == 0 &&
	    unlink(P("store/rw/ctr1/merged/d/sub/c")) == 0 &&
	    rmdir(P("store/rw/ctr1/merged/d/sub")) == 0 &&
	    mkdir(P("store/rw/ctr1/merged/d/sub"), 0700) == 0 &&
	    put_file(P("store/rw/ctr1/merged/d/sub/z"), "z") == 0 &&
	    mkdir(P("store/rw/ctr1/merged/newdir"), 0755) == 0,
	    "change the overlay rootfs");
	upper = open(P("store/rw/ctr1/upper"), O_RDONLY | O_DIRECTORY);
	memset(&o, 0, sizeof(o));
	o.parent = id1;
	o.upperfd = upper;
	o.rootfd = -1;
	o.driver = STORE_DRIVER_OVERLAY;
	o.tag = "ovl:2";
	CHECK(commit_image(s, &o, id2, E) == 0, "commit (overlay): %s",
	    e.msg);
	close(upper);
	n = chains_of(s, id2, ch, v, &img);
	store_image_free(&img);
	CHECK(n == 2, "two layers");
	if (n != 2 || store_rw_create(s, "ctr2", E) < 0 ||
	    store_overlay_opts(s, v, n, "ctr2", opts, sizeof(opts), E) < 0 ||
	    fchdir(s->rootfd) < 0 || mount("overlay",
	    P("store/rw/ctr2/merged"), "overlay", 0, opts) < 0) {
		CHECK(0, "mount the new image: %s %s", e.msg, strerror(errno));
		umount(P("store/rw/ctr1/merged"));
		return;
	}
	if (chdir("/") < 0)
		return;
	CHECK(tree_cmp(P("store/rw/ctr1/merged"),
	    P("store/rw/ctr2/merged")) == 0,
	    "the new image mounted is the changed rootfs: %s", why);
	CHECK(gone(P("store/rw/ctr2/merged/d/sub/c")) &&
	    is_type(P("store/rw/ctr2/merged/d/sub/z"), S_IFREG),
	    "a re-created directory is opaque in the new layer");
	mkdir(P("flat"), 0755);
	CHECK(copydrv_populate(s, v, n, P("flat"), E) == 0 &&
	    tree_cmp(P("store/rw/ctr1/merged"), P("flat")) == 0,
	    "populate from overlay-format layers gives the same tree: %s %s",
	    e.msg, why);
	umount(P("store/rw/ctr2/merged"));
	umount(P("store/rw/ctr1/merged"));
}

int
main(void)
{
	struct store s;
	char cmd[256];

	test_changes();
	if (geteuid() != 0) {
		printf("skip - store, copy driver, overlay, export: not root\n");
		return check_done();
	}
	if (!mkdtemp(base)) {
		CHECK(0, "mkdtemp");
		return check_done();
	}
	private_ns = unshare(CLONE_NEWNS) == 0 &&
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
	if (!private_ns)
		printf("skip - mounts: no private mount namespace: %s\n",
		    strerror(errno));
	if (store_open(&s, P("store"), STORE_SHARED, E) < 0) {
		CHECK(0, "store_open: %s", e.msg);
	} else {
		test_copy(&s);
		test_export();
		test_overlay(&s);
		store_close(&s);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		printf("could not remove %s\n", base);
	return check_done();
}

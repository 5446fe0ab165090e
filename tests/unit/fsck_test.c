/* fsck_test.c - the store checker on a constructed store
 *
 * A store with two images sharing a base layer, a spare blob and two
 * containers is checked sound; then each kind of damage is made by hand
 * and the checker must find it, repair exactly it and leave the rest:
 * a damaged blob, a layer without its diff/, a damaged repositories.json,
 * a missing l/ link and link file, stray entries, a reference to a
 * missing image, a container whose layer is gone and an orphan rw/<id>.
 */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "container.h"
#include "fsck.h"
#include "sha256.h"
#include "store.h"

#define E (err_clear(&e), &e)

static char base[] = "/tmp/rocker-fsck-test.XXXXXX";
static char root[4096], state[4096];
static struct store s;
static char la[STORE_DIGEST_MAX], lab[STORE_DIGEST_MAX];
static char img1[STORE_DIGEST_MAX], img2[STORE_DIGEST_MAX];
static char spare[STORE_DIGEST_MAX];
static char ctr_ok[CTR_ID_LEN + 1], ctr_bad[CTR_ID_LEN + 1];

/* What the last fsck reported, as "kind name fix" lines. */
static char seen[16384];

static void
on_problem(void *ctx, const struct fsck_problem *p)
{
	size_t n = strlen(seen);

	(void)ctx;
	snprintf(seen + n, sizeof(seen) - n, "%s %s %d: %s\n",
	    fsck_kind_name(p->kind), p->name, (int)p->fix, p->what);
}

static int
run_fsck(int repair, struct fsck_stats *st)
{
	struct fsck_opts o;
	struct err e = ERR_INIT;

	seen[0] = '\0';
	memset(&o, 0, sizeof(o));
	o.state = state;
	o.repair = repair;
	o.report = on_problem;
	if (fsck_store(&s, &o, st, &e) < 0) {
		printf("# fsck: %s\n", e.msg);
		return -1;
	}
	if (seen[0])
		printf("# %s", seen);
	return 0;
}

static const char *
P(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static const char *
P(const char *fmt, ...)
{
	static char buf[4][4096];
	static int i;
	char *b = buf[i++ & 3];
	size_t n;
	va_list ap;

	n = (size_t)snprintf(b, 4096, "%s/", root);
	va_start(ap, fmt);
	vsnprintf(b + n, 4096 - n, fmt, ap);
	va_end(ap);
	return b;
}

static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void
digest_of(const void *buf, size_t len, char out[STORE_DIGEST_MAX])
{
	unsigned char dg[SHA256_LEN];
	char hex[SHA256_HEX_LEN + 1];

	sha256_buf(buf, len, dg);
	sha256_hex(dg, hex);
	snprintf(out, STORE_DIGEST_MAX, "sha256:%s", hex);
}

static int
put_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int r;

	if (fd < 0)
		return -1;
	r = write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -1;
	close(fd);
	return r;
}

static int
add_layer(const char *parent, const char *seed, char chain[STORE_DIGEST_MAX],
    struct err *e)
{
	struct store_layer_tx tx;
	struct store_layer_meta m;
	int fd, r;

	memset(&m, 0, sizeof(m));
	digest_of(seed, strlen(seed), m.diff_id);
	snprintf(m.parent, sizeof(m.parent), "%s", parent ? parent : "");
	m.size = 10;
	m.compressed_size = -1;
	if (store_chain_id(parent, m.diff_id, chain, e) < 0)
		return -1;
	if ((r = store_layer_begin(&s, chain, &tx, e)) != 0)
		return r;
	fd = openat(tx.dirfd, seed, O_WRONLY | O_CREAT, 0644);
	if (fd < 0 || write(fd, seed, strlen(seed)) < 0) {
		store_layer_abort(&s, &tx);
		return err_sys(e, "fake extract");
	}
	close(fd);
	return store_layer_commit(&s, &tx, &m, e);
}

/* An image on `n` of the layers (a, then ab), tagged `tag`. */
static int
add_image(const char *tag, size_t n, char id[STORE_DIGEST_MAX],
    struct err *e)
{
	struct store_image img;
	char cfg[1024], da[STORE_DIGEST_MAX], db[STORE_DIGEST_MAX];
	char *tags[1];

	digest_of("a", 1, da);
	digest_of("b", 1, db);
	snprintf(cfg, sizeof(cfg), "{\"architecture\":\"amd64\",\"os\":"
	    "\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\""
	    "%s%s%s]}}", da, n > 1 ? ",\"" : "", n > 1 ? db : "",
	    n > 1 ? "\"" : "");
	digest_of(cfg, strlen(cfg), id);
	if (store_blob_put(&s, id, cfg, strlen(cfg), e) < 0)
		return -1;
	memset(&img, 0, sizeof(img));
	snprintf(img.id, sizeof(img.id), "%s", id);
	tags[0] = (char *)tag;
	img.tags = tags;
	img.ntags = 1;
	img.layers = calloc(2, sizeof(*img.layers));
	img.nlayers = n;
	snprintf(img.layers[0].chain_id, STORE_DIGEST_MAX, "%s", la);
	snprintf(img.layers[0].diff_id, STORE_DIGEST_MAX, "%s", da);
	snprintf(img.layers[1].chain_id, STORE_DIGEST_MAX, "%s", lab);
	snprintf(img.layers[1].diff_id, STORE_DIGEST_MAX, "%s", db);
	if (store_image_put(&s, &img, e) < 0) {
		free(img.layers);
		return -1;
	}
	free(img.layers);
	return 0;
}

static int
add_container(const char *image, const char *chain, int rw,
    char id[CTR_ID_LEN + 1], struct err *e)
{
	struct ctr c;
	char *chains[2];

	chains[0] = la;
	chains[1] = (char *)chain;
	if (ctr_create(state, NULL, image, chains, chain ? 2 : 1, "{}", &c,
	    e) < 0)
		return -1;
	memcpy(id, c.id, CTR_ID_LEN + 1);
	ctr_close(&c);
	if (rw && store_rw_create(&s, id, e) < 0)
		return -1;
	return 0;
}

static void
build(void)
{
	struct err e = ERR_INIT;
	static const char text[] = "a spare blob\n";

	CHECK(add_layer(NULL, "a", la, E) == 0, "layer a: %s", e.msg);
	CHECK(add_layer(la, "b", lab, E) == 0, "layer ab: %s", e.msg);
	CHECK(add_image("docker.io/library/one:latest", 2, img1, E) == 0,
	    "image one: %s", e.msg);
	CHECK(add_image("docker.io/library/two:latest", 1, img2, E) == 0,
	    "image two: %s", e.msg);
	digest_of(text, strlen(text), spare);
	CHECK(store_blob_put(&s, spare, text, strlen(text), E) == 0,
	    "spare blob: %s", e.msg);
	CHECK(add_container(img2, NULL, 1, ctr_ok, E) == 0, "container on "
	    "two: %s", e.msg);
	CHECK(add_container(img1, lab, 1, ctr_bad, E) == 0, "container on "
	    "one: %s", e.msg);
}

static void
test_sound(void)
{
	struct fsck_stats st = { 0 };

	CHECK(run_fsck(0, &st) == 0 && st.problems == 0, "a sound store "
	    "has no problems (%u)", st.problems);
	CHECK(st.blobs == 3 && st.layers == 2 && st.links == 2 &&
	    st.images == 2 && st.refs == 2 && st.containers == 2,
	    "counts: %u blobs, %u layers, %u links, %u images, %u refs, %u "
	    "containers", st.blobs, st.layers, st.links, st.images, st.refs,
	    st.containers);
}

static void
test_blob(void)
{
	struct fsck_stats st = { 0 };
	const char *p = P("blobs/sha256/%s", spare + 7);

	chmod(p, 0644);
	CHECK(put_file(p, "tampered\n") == 0, "tamper with the spare blob");
	CHECK(run_fsck(0, &st) == 0 && st.problems == 1 && st.fixed == 0 &&
	    strstr(seen, "blob sha256:") && exists(p), "a damaged blob is "
	    "found and left without --repair");
	CHECK(run_fsck(1, &st) == 0 && st.problems == 1 && st.fixed == 1 &&
	    !exists(p), "--repair removes it");
	CHECK(exists(P("blobs/sha256/%s", img1 + 7)) &&
	    exists(P("blobs/sha256/%s", img2 + 7)), "the sound blobs stay");
	CHECK(run_fsck(0, &st) == 0 && st.problems == 0, "then the store "
	    "is sound");
}

static void
test_links_and_strays(void)
{
	struct fsck_stats st = { 0 };
	struct store_layer_meta m;
	struct err e = ERR_INIT;

	CHECK(store_layer_get(&s, la, &m, E) == 0, "layer a's link name");
	CHECK(unlink(P("l/%s", m.link)) == 0 &&
	    unlink(P("layers/%s/link", la + 7)) == 0, "remove layer a's "
	    "l/ link and link file");
	CHECK(put_file(P("layers/junk"), "x") == 0 &&
	    put_file(P("images/notes.txt"), "x") == 0 &&
	    symlink("/etc", P("l/EVIL")) == 0 &&
	    put_file(P("blobs/sha256/abc"), "x") == 0, "add stray entries");
	CHECK(run_fsck(0, &st) == 0 && st.problems == 6, "6 problems found "
	    "(%u)", st.problems);
	CHECK(run_fsck(1, &st) == 0 && st.fixed == 6, "6 repaired (%u)",
	    st.fixed);
	CHECK(exists(P("l/%s", m.link)) && exists(P("layers/%s/link",
	    la + 7)) && !exists(P("layers/junk")) && !exists(P("l/EVIL")) &&
	    !exists(P("images/notes.txt")) && !exists(P("blobs/sha256/abc")),
	    "links recreated, strays removed");
	CHECK(exists("/etc/passwd"), "the evil link was not followed");
	CHECK(run_fsck(0, &st) == 0 && st.problems == 0, "then the store "
	    "is sound");
}

static void
test_refs(void)
{
	struct fsck_stats st = { 0 };
	struct store_image img;
	struct err e = ERR_INIT;

	CHECK(put_file(P("repositories.json"), "{\"version\":1,\"refs\":{") ==
	    0, "truncate repositories.json");
	CHECK(run_fsck(0, &st) == 0 && st.problems == 1 &&
	    strstr(seen, "reference repositories.json"), "found");
	CHECK(run_fsck(1, &st) == 0 && st.fixed == 1, "rebuilt");
	CHECK(store_image_get(&s, "docker.io/library/one:latest", &img, E) ==
	    0 && strcmp(img.id, img1) == 0, "tag one is back: %s", e.msg);
	store_image_free(&img);
	CHECK(store_image_get(&s, "docker.io/library/two:latest", &img, E) ==
	    0 && strcmp(img.id, img2) == 0, "tag two is back: %s", e.msg);
	store_image_free(&img);
	CHECK(put_file(P("repositories.json"), "{\"version\":1,\"refs\":{"
	    "\"docker.io/library/ghost:1\":\"sha256:00000000000000000000000"
	    "00000000000000000000000000000000000000000\",\"docker.io/library/"
	    "two:latest\":\"sha256:...\"}}") == 0, "a reference to a missing "
	    "image and a bad one");
	CHECK(run_fsck(1, &st) == 0 && st.problems == 2 && st.fixed == 2,
	    "both dropped");
	CHECK(run_fsck(0, &st) == 0 && st.problems == 0 && st.refs == 0,
	    "then the store is sound");
}

static void
test_layer(void)
{
	struct fsck_stats st = { 0 };
	struct store_image img;
	struct store_layer_meta m;
	struct err e = ERR_INIT;
	char cmd[8192];

	/* tags again (the previous test dropped them) */
	CHECK(add_image("docker.io/library/one:latest", 2, img1, E) == 0 &&
	    add_image("docker.io/library/two:latest", 1, img2, E) == 0,
	    "retag: %s", e.msg);
	CHECK(store_layer_get(&s, lab, &m, E) == 0, "layer ab's link");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", P("layers/%s/diff", lab + 7));
	CHECK(system(cmd) == 0, "remove layer ab's diff/");
	CHECK(run_fsck(0, &st) == 0, "check");
	CHECK(strstr(seen, "layer sha256:") && strstr(seen, "no diff") &&
	    strstr(seen, "image sha256:") && strstr(seen, "reference docker.io"
	    "/library/one:latest") && strstr(seen, "container "),
	    "the layer, the image, its tag and the container are found");
	CHECK(st.problems == 5, "5 problems (layer, l/ link, image, tag, "
	    "container): %u", st.problems);
	CHECK(run_fsck(1, &st) == 0 && st.fixed == 5, "all repaired (%u)",
	    st.fixed);
	CHECK(!exists(P("layers/%s", lab + 7)) && !exists(P("l/%s",
	    m.link)) && !exists(P("images/%s.json", img1 + 7)),
	    "layer ab, its link and image one are gone");
	CHECK(!exists(P("rw/%s", ctr_bad)) &&
	    !exists(P("../state/containers/%s", ctr_bad)),
	    "the container on it is gone");
	CHECK(exists(P("layers/%s/diff/a", la + 7)) &&
	    exists(P("rw/%s", ctr_ok)) && exists(P("blobs/sha256/%s",
	    img1 + 7)), "layer a, the other container and the config blob "
	    "stay");
	CHECK(store_image_get(&s, "docker.io/library/two:latest", &img, E) ==
	    0 && strcmp(img.id, img2) == 0, "image two stays tagged");
	store_image_free(&img);
	CHECK(run_fsck(0, &st) == 0 && st.problems == 0, "then the store "
	    "is sound");
}

static void
test_rw_orphan(void)
{
	struct fsck_stats st = { 0 };
	struct err e = ERR_INIT;
	char cmd[16384];

	CHECK(store_rw_create(&s, "orphan", E) == 0, "an orphan rw layer");
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/containers/.rm-%064d/sub && "
	    "touch %s/containers/.rm-%064d/sub/f", state, 7, state, 7);
	CHECK(system(cmd) == 0, "what an interrupted rm leaves");
	snprintf(cmd, sizeof(cmd), "rm -rf %s/containers/%s", state, ctr_ok);
	CHECK(system(cmd) == 0, "a container record vanishes");
	CHECK(run_fsck(0, &st) == 0 && st.problems == 3, "3 orphans (%u)",
	    st.problems);
	snprintf(cmd, sizeof(cmd), "%s/containers/.rm-%064d", state, 7);
	CHECK(run_fsck(1, &st) == 0 && st.fixed == 3 &&
	    !exists(P("rw/orphan")) && !exists(P("rw/%s", ctr_ok)) &&
	    !exists(cmd), "removed");
	CHECK(run_fsck(0, &st) == 0 && st.problems == 0, "then the store "
	    "is sound");
}

static void
test_shared(void)
{
	struct store sh;
	struct fsck_opts o;
	struct err e = ERR_INIT;
	char r2[4200];

	memset(&o, 0, sizeof(o));
	snprintf(r2, sizeof(r2), "%s/other", base);
	CHECK(store_open(&sh, r2, STORE_SHARED, E) == 0, "a shared store");
	CHECK(fsck_store(&sh, &o, NULL, E) < 0 && e.code == ERR_USAGE,
	    "fsck wants the store exclusive");
	store_close(&sh);
}

int
main(void)
{
	struct err e = ERR_INIT;
	char cmd[8192];

	if (!mkdtemp(base)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(root, sizeof(root), "%s/root", base);
	snprintf(state, sizeof(state), "%s/state", base);
	mkdir(state, 0700);
	CHECK(store_open(&s, root, STORE_EXCLUSIVE, E) == 0, "open: %s",
	    e.msg);
	build();
	test_sound();
	test_blob();
	test_links_and_strays();
	test_refs();
	test_layer();
	test_rw_orphan();
	test_shared();
	store_close(&s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", base);
	return check_done();
}

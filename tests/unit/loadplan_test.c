/* loadplan_test.c - manifest.json and OCI layout interpretation for load */

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "loadplan.h"
#include "sha256.h"

enum {
	MAXM = 32,
};

/* An archive's members, in memory. */
struct mset {
	char *name[MAXM];
	char *data[MAXM];
	size_t len[MAXM];
	int n;
	int too_big;		/* get() of "big" fails with ERR_LIMIT */
};

static void
put(struct mset *m, const char *name, const char *data)
{
	m->name[m->n] = strdup(name);
	m->data[m->n] = strdup(data);
	m->len[m->n] = strlen(data);
	m->n++;
}

static void
mset_free(struct mset *m)
{
	int i;

	for (i = 0; i < m->n; i++) {
		free(m->name[i]);
		free(m->data[i]);
	}
	memset(m, 0, sizeof(*m));
}

static int
get(void *ctx, const char *name, const char **buf, size_t *len,
    struct err *e)
{
	struct mset *m = ctx;
	int i;

	if (m->too_big && strcmp(name, "big") == 0)
		return err_set(e, ERR_LIMIT, "too large");
	for (i = m->n - 1; i >= 0; i--)
		if (strcmp(m->name[i], name) == 0) {
			*buf = m->data[i];
			*len = m->len[i];
			return 1;
		}
	return 0;
}

/* "sha256:<hex>" of `s` into out (72 bytes). */
static void
dig(const char *s, char *out)
{
	unsigned char d[SHA256_LEN];
	char hex[SHA256_HEX_LEN + 1];

	sha256_buf(s, strlen(s), d);
	sha256_hex(d, hex);
	sprintf(out, "sha256:%s", hex);
}

/* Put `s` as blobs/sha256/<hex>; its digest into out. */
static void
blob(struct mset *m, const char *s, char *out)
{
	char name[100];

	dig(s, out);
	snprintf(name, sizeof(name), "blobs/sha256/%s", out + 7);
	put(m, name, s);
}

static int
build(struct mset *m, struct loadplan *p, struct err *e)
{
	struct loadplan_source src = { get, m };

	err_clear(e);
	return loadplan_build(&src, NULL, p, e);
}

#define L1 "sha256:11111111111111111111111111111111" \
	"11111111111111111111111111111111"
#define L2 "sha256:22222222222222222222222222222222" \
	"22222222222222222222222222222222"

static const char cfg2[] = "{\"architecture\":\"arm64\",\"os\":\"linux\","
	"\"variant\":\"v8\",\"created\":\"2024-01-02T03:04:05Z\","
	"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" L1 "\",\"" L2
	"\"]}}";
static const char cfg1[] = "{\"architecture\":\"amd64\",\"os\":\"linux\","
	"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" L1 "\"]}}";

static void
test_clean(void)
{
	char out[64];

	CHECK(loadplan_clean("./a//b/./c", out, sizeof(out)) == 0 &&
	    strcmp(out, "a/b/c") == 0, "clean ./a//b/./c -> %s", out);
	CHECK(loadplan_clean("/abc/../x.tar", out, sizeof(out)) == 0 &&
	    strcmp(out, "x.tar") == 0, "clean /abc/../x.tar -> %s", out);
	CHECK(loadplan_clean("../x", out, sizeof(out)) < 0, "../x refused");
	CHECK(loadplan_clean("a/../../x", out, sizeof(out)) < 0,
	    "a/../../x refused");
	CHECK(loadplan_clean("./", out, sizeof(out)) < 0, "empty refused");
	CHECK(loadplan_clean("0123456789", out, 10) < 0, "too long refused");
	CHECK(loadplan_clean("012345678", out, 10) == 0, "just fits");
}

static void
test_docker(void)
{
	struct mset m = { 0 };
	struct loadplan p;
	struct err e = ERR_INIT;
	char d[80], man[1024];
	const struct loadplan_image *im;
	int r;

	dig(cfg2, d);
	put(&m, "abc.json", cfg2);
	snprintf(man, sizeof(man), "[{\"Config\":\"./abc.json\","
	    "\"RepoTags\":[\"busybox:latest\",\"docker.io/library/busybox:"
	    "latest\",\"quay.io/a/b:1\"],\"Layers\":[\"l1/layer.tar\","
	    "\"blobs/sha256/%s\"]}]", L2 + 7);
	put(&m, "manifest.json", man);
	put(&m, "index.json", "{\"not\":\"read\"}");
	r = build(&m, &p, &e);
	im = p.images;
	CHECK(r == 0 && p.format == LOADPLAN_DOCKER && p.n == 1,
	    "docker archive: one image, manifest.json wins: %s", e.msg);
	CHECK(r == 0 && strcmp(im->id, d) == 0 && im->config_len ==
	    strlen(cfg2), "image id is the config's digest");
	CHECK(r == 0 && im->ntags == 2 && strcmp(im->tags[0],
	    "docker.io/library/busybox:latest") == 0 && strcmp(im->tags[1],
	    "quay.io/a/b:1") == 0, "tags normalised and deduplicated");
	CHECK(r == 0 && im->nlayers == 2 && strcmp(im->layers[0].member,
	    "l1/layer.tar") == 0 && !im->layers[0].digest[0] &&
	    im->layers[0].size == -1 && strcmp(im->layers[0].diff_id, L1) == 0,
	    "layer 0: member, no digest, diff_id");
	CHECK(r == 0 && strcmp(im->layers[1].digest, L2) == 0,
	    "layer 1: blobs/sha256/<hex> member gives its digest");
	CHECK(r == 0 && strcmp(im->platform.arch, "arm64") == 0 &&
	    !im->platform.variant[0] && strcmp(im->created,
	    "2024-01-02T03:04:05Z") == 0, "platform normalised, created");
	loadplan_free(&p);
	mset_free(&m);

	/* the same config twice: one image, tags merged */
	put(&m, "c.json", cfg1);
	put(&m, "manifest.json", "[{\"Config\":\"c.json\",\"RepoTags\":"
	    "[\"a:1\"],\"Layers\":[\"x.tar\"]},{\"Config\":\"c.json\","
	    "\"RepoTags\":null,\"Layers\":[\"x.tar\"]},{\"Config\":\"c.json\","
	    "\"RepoTags\":[\"b\"],\"Layers\":[\"x.tar\"]}]");
	r = build(&m, &p, &e);
	CHECK(r == 0 && p.n == 1 && p.images[0].ntags == 2 &&
	    strcmp(p.images[0].tags[1], "docker.io/library/b:latest") == 0,
	    "same image listed thrice: merged (%s)", e.msg);
	loadplan_free(&p);
	mset_free(&m);
}

/* Each case: a manifest.json with config "c.json" = cfg1, expected error. */
static void
test_docker_bad(void)
{
	static const struct {
		const char *manifest, *want;
	} cases[] = {
		{ "{}", "not an array" },
		{ "[1]", "not an object" },
		{ "[{\"Layers\":[]}]", "Config: missing" },
		{ "[{\"Config\":\"../c.json\",\"Layers\":[]}]",
		    "bad member name" },
		{ "[{\"Config\":\"nope.json\",\"Layers\":[]}]",
		    "not in the archive" },
		{ "[{\"Config\":\"c.json\"}]", "Layers: missing" },
		{ "[{\"Config\":\"c.json\",\"Layers\":[]}]",
		    "lists 0 layers, the config has 1" },
		{ "[{\"Config\":\"c.json\",\"Layers\":[\"/../..\"]}]",
		    "bad member name" },
		{ "[{\"Config\":\"c.json\",\"Layers\":[\"x\"],\"RepoTags\":"
		    "[\"UPPER:x\"]}]", "must be lowercase" },
		{ "[{\"Config\":\"c.json\",\"Layers\":[\"x\"],\"RepoTags\":"
		    "[\"a@" L1 "\"]}]", "not a repository:tag" },
		{ "[{\"Config\":\"c.json\",\"Layers\":[\"x\"],\"RepoTags\":"
		    "\"a\"}]", "RepoTags: not an array" },
		{ "[{\"Config\":\"c.json\",\"Layers\":[\"x\"],\"RepoTags\":"
		    "[7]}]", "not a string" },
		{ "[{\"Config\":\"bad.json\",\"Layers\":[]}]",
		    "rootfs.type" },
		{ "[{\"Config\":\"big\",\"Layers\":[]}]", "too large" },
		{ "[", "json" },
		{ "[]", NULL },
	};
	struct mset m = { 0 };
	struct loadplan p;
	struct err e = ERR_INIT;
	size_t i;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		put(&m, "c.json", cfg1);
		put(&m, "bad.json", "{\"rootfs\":{\"type\":\"x\"}}");
		put(&m, "manifest.json", cases[i].manifest);
		m.too_big = 1;
		r = build(&m, &p, &e);
		if (cases[i].want)
			CHECK(r < 0 && strstr(e.msg, cases[i].want) &&
			    strncmp(e.msg, "manifest.json", 13) == 0,
			    "manifest.json %s: %s", cases[i].manifest, e.msg);
		else
			CHECK(r == 0 && p.n == 0, "empty manifest.json: no "
			    "image");
		loadplan_free(&p);
		mset_free(&m);
	}
}

/* An OCI layout with cfg2 and two layers; index descriptor annotations. */
static void
oci_image(struct mset *m, const char *annotations, const char *layer_mt,
    char *mdig, size_t *mlen)
{
	char cd[80], l1[80], l2[80], man[2048], idx[2048];

	blob(m, cfg2, cd);
	blob(m, "layer one", l1);
	blob(m, "layer two", l2);
	snprintf(man, sizeof(man), "{\"schemaVersion\":2,\"mediaType\":"
	    "\"application/vnd.oci.image.manifest.v1+json\",\"config\":"
	    "{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
	    "\"digest\":\"%s\",\"size\":%zu},\"layers\":[{\"mediaType\":"
	    "\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":"
	    "\"%s\",\"size\":9},{\"mediaType\":\"%s\",\"digest\":\"%s\","
	    "\"size\":9}]}", cd, strlen(cfg2), l1, layer_mt, l2);
	blob(m, man, mdig);
	*mlen = strlen(man);
	snprintf(idx, sizeof(idx), "{\"schemaVersion\":2,\"manifests\":["
	    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	    "\"digest\":\"%s\",\"size\":%zu%s}]}", mdig, *mlen, annotations);
	put(m, "index.json", idx);
	put(m, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
}

static void
test_oci(void)
{
	static const struct {
		const char *ann, *tag;
	} names[] = {
		{ "", NULL },
		{ ",\"annotations\":{\"org.opencontainers.image.ref.name\":"
		    "\"latest\"}", NULL },
		{ ",\"annotations\":{\"org.opencontainers.image.ref.name\":"
		    "\"busybox:1\"}", "docker.io/library/busybox:1" },
		{ ",\"annotations\":{\"org.opencontainers.image.ref.name\":"
		    "\"localhost:5000/x\"}", "localhost:5000/x:latest" },
		{ ",\"annotations\":{\"io.containerd.image.name\":"
		    "\"docker.io/library/alpine:3\",\"org.opencontainers.image."
		    "ref.name\":\"3\"}", "docker.io/library/alpine:3" },
	};
	struct mset m = { 0 };
	struct loadplan p;
	struct err e = ERR_INIT;
	char md[80], cd[80];
	size_t i, ml;
	int r;

	dig(cfg2, cd);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		oci_image(&m, names[i].ann,
		    "application/vnd.oci.image.layer.v1.tar", md, &ml);
		r = build(&m, &p, &e);
		CHECK(r == 0 && p.format == LOADPLAN_OCI && p.n == 1 &&
		    strcmp(p.images[0].id, cd) == 0, "OCI layout %zu: %s", i,
		    e.msg);
		if (names[i].tag)
			CHECK(r == 0 && p.images[0].ntags == 1 &&
			    strcmp(p.images[0].tags[0], names[i].tag) == 0,
			    "name from annotations: %s", names[i].tag);
		else
			CHECK(r == 0 && p.images[0].ntags == 0,
			    "no name (no annotation or a bare tag)");
		if (i == 0)
			CHECK(r == 0 && p.images[0].nlayers == 2 &&
			    p.images[0].layers[0].size == 9 &&
			    strncmp(p.images[0].layers[0].member,
			    "blobs/sha256/", 13) == 0 &&
			    strcmp(p.images[0].layers[0].media_type,
			    "application/vnd.oci.image.layer.v1.tar+"
			    "gzip") == 0 &&
			    strcmp(p.images[0].layers[1].diff_id, L2) == 0,
			    "layer descriptors and diff_ids");
		loadplan_free(&p);
		mset_free(&m);
	}

	oci_image(&m, "", "application/vnd.oci.image.layer.v1.tar+zstd", md,
	    &ml);
	CHECK(build(&m, &p, &e) < 0 && strstr(e.msg, "zstd"),
	    "zstd layer refused: %s", e.msg);
	loadplan_free(&p);
	mset_free(&m);

	oci_image(&m, "", "application/x-unknown", md, &ml);
	CHECK(build(&m, &p, &e) < 0 && strstr(e.msg, "media type"),
	    "unknown layer media type refused: %s", e.msg);
	loadplan_free(&p);
	mset_free(&m);

	/* a member under a digest name whose bytes hash differently */
	oci_image(&m, "", "application/vnd.oci.image.layer.v1.tar", md, &ml);
	{
		char name[100];

		snprintf(name, sizeof(name), "blobs/sha256/%s", md + 7);
		put(&m, name, "{\"tampered\":1}");
	}
	CHECK(build(&m, &p, &e) < 0 && e.code == ERR_DIGEST &&
	    strstr(e.msg, "index.json: manifest 0"),
	    "tampered manifest refused: %s", e.msg);
	loadplan_free(&p);
	mset_free(&m);

	oci_image(&m, "", "application/vnd.oci.image.layer.v1.tar", md, &ml);
	put(&m, "oci-layout", "{\"imageLayoutVersion\":\"2.0.0\"}");
	CHECK(build(&m, &p, &e) < 0 && strstr(e.msg, "imageLayoutVersion"),
	    "unknown layout version refused: %s", e.msg);
	loadplan_free(&p);
	mset_free(&m);

	put(&m, "index.json", "{\"schemaVersion\":2,\"mediaType\":"
	    "\"application/vnd.oci.image.manifest.v1+json\",\"config\":"
	    "{\"mediaType\":\"x\",\"digest\":\"" L1 "\",\"size\":1},"
	    "\"layers\":[{\"mediaType\":\"x\",\"digest\":\"" L1 "\","
	    "\"size\":1}]}");
	CHECK(build(&m, &p, &e) < 0 && strstr(e.msg, "not an image index"),
	    "index.json that is a manifest refused: %s", e.msg);
	loadplan_free(&p);
	mset_free(&m);

	put(&m, "index.json", "{\"schemaVersion\":2,\"manifests\":[{"
	    "\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	    "\"digest\":\"" L1 "\",\"size\":5}]}");
	CHECK(build(&m, &p, &e) < 0 && e.code == ERR_NOTFOUND &&
	    strstr(e.msg, "not in the archive"), "missing manifest blob: %s",
	    e.msg);
	loadplan_free(&p);
	mset_free(&m);

	put(&m, "repositories", "{}");
	CHECK(build(&m, &p, &e) < 0 && strstr(e.msg, "not an image archive"),
	    "no manifest.json or index.json: %s", e.msg);
	loadplan_free(&p);
	mset_free(&m);
}

/* index.json -> image index (amd64, arm64, attestation) -> manifests. */
static void
test_nested(void)
{
	struct mset m = { 0 };
	struct loadplan p;
	struct err e = ERR_INIT;
	struct platform want;
	struct loadplan_source src = { get, &m };
	char c1[80], c2[80], l1[80], m1[80], m2[80], ix[80];
	char man[2048], idx[4096], top[1024];
	const char *cfgs[2] = { cfg1, "{\"architecture\":\"arm64\","
	    "\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":"
	    "[\"" L1 "\"]}}" };
	char *mds[2] = { m1, m2 }, *cds[2] = { c1, c2 };
	size_t ml[2];
	int i, r;

	blob(&m, "layer", l1);
	for (i = 0; i < 2; i++) {
		blob(&m, cfgs[i], cds[i]);
		snprintf(man, sizeof(man), "{\"schemaVersion\":2,"
		    "\"mediaType\":\"application/vnd.oci.image.manifest.v1+"
		    "json\",\"config\":{\"mediaType\":\"application/vnd.oci."
		    "image.config.v1+json\",\"digest\":\"%s\",\"size\":%zu},"
		    "\"layers\":[{\"mediaType\":\"application/vnd.oci.image."
		    "layer.v1.tar\",\"digest\":\"%s\",\"size\":5}]}", cds[i],
		    strlen(cfgs[i]), l1);
		blob(&m, man, mds[i]);
		ml[i] = strlen(man);
	}
	snprintf(idx, sizeof(idx), "{\"schemaVersion\":2,\"mediaType\":"
	    "\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
	    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	    "\"digest\":\"%s\",\"size\":%zu,\"platform\":{\"os\":\"linux\","
	    "\"architecture\":\"unknown\"}},"
	    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	    "\"digest\":\"%s\",\"size\":%zu,\"platform\":{\"os\":\"linux\","
	    "\"architecture\":\"amd64\"}},"
	    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	    "\"digest\":\"%s\",\"size\":%zu,\"platform\":{\"os\":\"linux\","
	    "\"architecture\":\"arm64\"}}]}", m2, ml[1], m1, ml[0], m2, ml[1]);
	blob(&m, idx, ix);
	snprintf(top, sizeof(top), "{\"schemaVersion\":2,\"manifests\":["
	    "{\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
	    "\"digest\":\"%s\",\"size\":%zu,\"annotations\":{"
	    "\"io.containerd.image.name\":\"docker.io/library/multi:1\"}}]}",
	    ix, strlen(idx));
	put(&m, "index.json", top);
	platform_parse("linux/arm64", &want, &e);
	r = loadplan_build(&src, &want, &p, &e);
	CHECK(r == 0 && p.n == 1 && strcmp(p.images[0].id, c2) == 0 &&
	    p.images[0].ntags == 1 && strcmp(p.images[0].tags[0],
	    "docker.io/library/multi:1") == 0,
	    "nested index: arm64 picked, outer name kept: %s", e.msg);
	loadplan_free(&p);
	platform_parse("linux/s390x", &want, &e);
	r = loadplan_build(&src, &want, &p, &e);
	CHECK(r < 0 && strstr(e.msg, "index.json: manifest 0"),
	    "nested index without the platform: %s", e.msg);
	loadplan_free(&p);
	mset_free(&m);
}

int
main(void)
{
	test_clean();
	test_docker();
	test_docker_bad();
	test_oci();
	test_nested();
	return check_done();
}

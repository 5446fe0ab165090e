/* manifest_test.c - manifests, indexes, configs, platform choice */

#include <string.h>

#include "check.h"
#include "manifest.h"

#define D64 "sha256:0123456789abcdef0123456789abcdef" \
	"0123456789abcdef0123456789abcdef"
#define D64B "sha256:1123456789abcdef0123456789abcdef" \
	"0123456789abcdef0123456789abcdef"

static const char oci_manifest[] =
"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
"\"digest\":\"" D64 "\",\"size\":100},"
"\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
"\"digest\":\"" D64B "\",\"size\":5},"
"{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
"\"digest\":\"" D64 "\",\"size\":0},"
"{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\","
"\"digest\":\"" D64 "\",\"size\":7}]}";

static const char docker_manifest[] =
"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
"\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\","
"\"digest\":\"" D64 "\",\"size\":100},"
"\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\","
"\"digest\":\"" D64B "\",\"size\":5}]}";

/* Media-type confusion: a layer that says it is a manifest. */
static const char confused_manifest[] =
"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
"\"digest\":\"" D64 "\",\"size\":100},"
"\"layers\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
"\"digest\":\"" D64B "\",\"size\":5}]}";

/* Index entries: "os/arch/variant" strings, or "att" for attestation. */
static int
index_json(char *buf, size_t size, const char *const *plats, int n)
{
	size_t len;
	int i;

	len = snprintf(buf, size, "{\"schemaVersion\":2,\"mediaType\":"
	    "\"application/vnd.oci.image.index.v1+json\",\"manifests\":[");
	for (i = 0; i < n; i++) {
		char os[32] = "", arch[32] = "", var[32] = "";

		if (strcmp(plats[i], "att") == 0) {
			len += snprintf(buf + len, size - len, "%s{\"mediaType\":"
			    "\"application/vnd.oci.image.manifest.v1+json\","
			    "\"digest\":\"" D64 "\",\"size\":1,\"platform\":"
			    "{\"os\":\"unknown\",\"architecture\":\"unknown\"},"
			    "\"annotations\":{\"vnd.docker.reference.type\":"
			    "\"attestation-manifest\"}}", i ? "," : "");
			continue;
		}
		sscanf(plats[i], "%31[^/]/%31[^/]/%31s", os, arch, var);
		len += snprintf(buf + len, size - len, "%s{\"mediaType\":"
		    "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":"
		    "\"" D64 "\",\"size\":%d,\"platform\":{\"os\":\"%s\","
		    "\"architecture\":\"%s\"%s%s%s}}", i ? "," : "", i, os, arch,
		    var[0] ? ",\"variant\":\"" : "", var, var[0] ? "\"" : "");
	}
	len += snprintf(buf + len, size - len, "]}");
	return (int)len;
}

/* Select from an index of `plats` for `want`; returns the index or -1. */
static int
pick(const char *want, const char *const *plats, int n, struct err *e)
{
	char buf[8192];
	struct manifest m;
	struct platform w;
	size_t idx = 99;
	int len = index_json(buf, sizeof(buf), plats, n), r;

	err_clear(e);
	if (platform_parse(want, &w, e) < 0)
		return -2;
	if (manifest_parse(MT_OCI_INDEX, buf, len, &m, e) < 0)
		return -3;
	r = platform_select(&m, &w, &idx, e) < 0 ? -1 : (int)idx;
	manifest_free(&m);
	return r;
}

int
main(void)
{
	struct manifest m;
	struct image_config c;
	struct platform p;
	struct err e = ERR_INIT;
	char buf[8192], out[100];
	int r;

	r = manifest_parse("application/vnd.oci.image.manifest.v1+json; "
	    "charset=utf-8", oci_manifest, strlen(oci_manifest), &m, &e);
	CHECK(r == 0 && m.kind == MANIFEST_IMAGE && m.count == 3,
	    "OCI manifest parses (Content-Type parameters ignored): %s",
	    e.msg);
	CHECK(strcmp(m.config.digest, D64) == 0 && m.config.size == 100,
	    "config descriptor");
	CHECK(m.entries[0].compression == LAYER_GZIP &&
	    m.entries[1].compression == LAYER_TAR &&
	    m.entries[2].compression == LAYER_ZSTD && m.entries[0].size == 5,
	    "layer descriptors and compression by media type");
	manifest_free(&m);
	r = manifest_parse(MT_DOCKER_MANIFEST, docker_manifest,
	    strlen(docker_manifest), &m, &e);
	CHECK(r == 0 && m.count == 1 && m.entries[0].compression ==
	    LAYER_GZIP, "Docker schema2 manifest parses");
	manifest_free(&m);
	r = manifest_parse(NULL, docker_manifest, strlen(docker_manifest), &m,
	    &e);
	CHECK(r == 0 && strcmp(m.media_type, MT_DOCKER_MANIFEST) == 0,
	    "no Content-Type: the body's mediaType decides");
	manifest_free(&m);
	r = manifest_parse(MT_OCI_MANIFEST, docker_manifest,
	    strlen(docker_manifest), &m, &e);
	CHECK(r < 0 && strstr(e.msg, "does not match"),
	    "Content-Type/mediaType mismatch refused: %s", e.msg);
	r = manifest_parse("application/vnd.docker.distribution.manifest.v1+"
	    "prettyjws", "{}", 2, &m, &e);
	CHECK(r < 0 && strstr(e.msg, "schema1"), "schema1 by type: %s",
	    e.msg);
	snprintf(buf, sizeof(buf), "{\"schemaVersion\":1,\"fsLayers\":[]}");
	r = manifest_parse(NULL, buf, strlen(buf), &m, &e);
	CHECK(r < 0 && strstr(e.msg, "schema1"), "schema1 by body: %s",
	    e.msg);
	snprintf(buf, sizeof(buf), "{\"schemaVersion\":2,\"manifests\":[],"
	    "\"layers\":[]}");
	CHECK(manifest_parse(NULL, buf, strlen(buf), &m, &e) < 0 &&
	    strstr(e.msg, "ambiguous"), "ambiguous index+layers: %s", e.msg);
	snprintf(buf, sizeof(buf), "{\"schemaVersion\":3,\"layers\":[]}");
	CHECK(manifest_parse(NULL, buf, strlen(buf), &m, &e) < 0 &&
	    strstr(e.msg, "schemaVersion"), "schemaVersion 3: %s", e.msg);
	snprintf(buf, sizeof(buf), "{\"schemaVersion\":2,"
	    "\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	    "\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:abc\","
	    "\"size\":1},\"layers\":[]}");
	CHECK(manifest_parse(MT_OCI_MANIFEST, buf, strlen(buf), &m, &e) < 0 &&
	    strstr(e.msg, "invalid digest"), "short digest: %s", e.msg);
	CHECK(manifest_parse("text/html", "<html>", 6, &m, &e) < 0,
	    "HTML is not a manifest: %s", e.msg);
	CHECK(manifest_parse(MT_OCI_MANIFEST, "x", (size_t)MANIFEST_MAX_BYTES +
	    1, &m, &e) < 0 && e.code == ERR_LIMIT,
	    "oversized manifest refused before parsing");
	snprintf(buf, sizeof(buf), "%s", oci_manifest);
	memcpy(strstr(buf, "\"size\":5"), "\"size\":-5", 9);
	CHECK(manifest_parse(NULL, buf, strlen(buf), &m, &e) < 0,
	    "negative size refused: %s", e.msg);
	manifest_free(&m);
	manifest_free(&m);

	CHECK(digest_check(D64, &e) == 0, "digest_check sha256");
	CHECK(digest_check("sha256:ABCDEF0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789", &e) < 0, "uppercase hex refused");
	CHECK(digest_check("md5:abc", &e) < 0, "md5 refused");

	snprintf(buf, sizeof(buf), "{\"architecture\":\"arm64\",\"os\":"
	    "\"linux\",\"variant\":\"v8\",\"rootfs\":{\"type\":\"layers\","
	    "\"diff_ids\":[\"%s\",\"%s\"]},\"config\":{}}", D64, D64B);
	CHECK(image_config_parse(buf, strlen(buf), &c, &e) == 0 &&
	    c.count == 2 && strcmp(c.diff_ids[1], D64B) == 0 &&
	    strcmp(c.platform.arch, "arm64") == 0 && !c.platform.variant[0],
	    "image config diff_ids and normalised platform");
	image_config_free(&c);
	CHECK(image_config_parse("{\"rootfs\":{\"type\":\"x\"}}", 24, &c, &e)
	    < 0, "rootfs.type must be layers");

	platform_host(&p);
	platform_format(&p, out, sizeof(out));
	CHECK(strcmp(out, "linux/amd64") == 0 || strncmp(out, "linux/", 6) ==
	    0, "host platform %s", out);
	CHECK(platform_parse("linux/aarch64/8", &p, &e) == 0 &&
	    strcmp(p.arch, "arm64") == 0 && !p.variant[0],
	    "aarch64/8 normalises to arm64");
	CHECK(platform_parse("linux/armhf", &p, &e) == 0 &&
	    strcmp(p.variant, "v7") == 0, "armhf is arm/v7");
	CHECK(platform_parse("linux/x86_64/v1", &p, &e) == 0 &&
	    strcmp(p.arch, "amd64") == 0 && !p.variant[0], "x86_64/v1");
	CHECK(platform_parse("linux", &p, &e) < 0 &&
	    platform_parse("linux/", &p, &e) < 0 &&
	    platform_parse("a/b/c/d", &p, &e) < 0, "bad platforms refused");

	{
		static const char *const hub[] = { "linux/amd64",
			"linux/arm/v6", "linux/arm/v7", "linux/arm64/v8",
			"linux/386", "linux/ppc64le", "att", "att" };
		static const char *const armonly[] = { "linux/arm/v6",
			"linux/arm/v7" };
		static const char *const amd[] = { "att", "linux/amd64" };
		static const char *const amdv[] = { "linux/amd64/v3",
			"linux/amd64/v2", "linux/amd64" };
		static const char *const i386[] = { "linux/386" };
		static const char *const v5[] = { "linux/arm/v5" };

		CHECK(pick("linux/amd64", hub, 8, &e) == 0, "amd64 from hub");
		CHECK(pick("linux/arm64", hub, 8, &e) == 3, "arm64 picks "
		    "arm64/v8, never the attestation");
		CHECK(pick("linux/arm/v7", hub, 8, &e) == 2, "arm/v7");
		CHECK(pick("linux/arm/v6", hub, 8, &e) == 1, "arm/v6");
		CHECK(pick("linux/arm64", armonly, 2, &e) == 1,
		    "arm64 host falls back to arm/v7");
		CHECK(pick("linux/amd64/v3", amd, 2, &e) == 1,
		    "amd64/v3 host takes plain amd64, skips attestation");
		CHECK(pick("linux/amd64", amdv, 3, &e) == 2,
		    "plain amd64 host refuses amd64/v3 and v2");
		CHECK(pick("linux/amd64/v2", amdv, 3, &e) == 1,
		    "amd64/v2 host takes v2, not v3");
		CHECK(pick("linux/amd64", i386, 1, &e) == 0,
		    "amd64 falls back to 386");
		CHECK(pick("linux/arm/v7", v5, 1, &e) == 0,
		    "arm/v7 runs arm/v5");
		CHECK(pick("linux/s390x", hub, 8, &e) == -1 &&
		    strstr(e.msg, "linux/s390x") &&
		    strstr(e.msg, "linux/arm64,") && !strstr(e.msg, "unknown"),
		    "no match lists available platforms: %s", e.msg);
		CHECK(pick("windows/amd64", amd, 2, &e) == -1,
		    "os must match");
	}
	err_clear(&e);
	r = manifest_parse(MT_OCI_MANIFEST, confused_manifest,
	    strlen(confused_manifest), &m, &e);
	CHECK(r < 0 && e.code == ERR_PARSE && strstr(e.msg, "not a layer"),
	    "a layer typed as a manifest is refused: %s", e.msg);
	return check_done();
}

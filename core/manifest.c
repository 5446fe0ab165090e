/* manifest.c - manifests, indexes, image configs and platform choice */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "json.h"
#include "manifest.h"

const char MT_OCI_INDEX[] = "application/vnd.oci.image.index.v1+json";
const char MT_OCI_MANIFEST[] = "application/vnd.oci.image.manifest.v1+json";
const char MT_OCI_CONFIG[] = "application/vnd.oci.image.config.v1+json";
const char MT_DOCKER_LIST[] =
	"application/vnd.docker.distribution.manifest.list.v2+json";
const char MT_DOCKER_MANIFEST[] =
	"application/vnd.docker.distribution.manifest.v2+json";
const char MT_DOCKER_CONFIG[] =
	"application/vnd.docker.container.image.v1+json";
const char MT_ACCEPT[] =
	"application/vnd.oci.image.index.v1+json, "
	"application/vnd.oci.image.manifest.v1+json, "
	"application/vnd.docker.distribution.manifest.list.v2+json, "
	"application/vnd.docker.distribution.manifest.v2+json";

static const struct {
	const char *type;
	enum layer_compression c;
} layer_types[] = {
	{ "application/vnd.oci.image.layer.v1.tar", LAYER_TAR },
	{ "application/vnd.oci.image.layer.v1.tar+gzip", LAYER_GZIP },
	{ "application/vnd.oci.image.layer.v1.tar+zstd", LAYER_ZSTD },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar",
	    LAYER_TAR },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
	    LAYER_GZIP },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
	    LAYER_ZSTD },
	{ "application/vnd.docker.image.rootfs.diff.tar", LAYER_TAR },
	{ "application/vnd.docker.image.rootfs.diff.tar.gzip", LAYER_GZIP },
	{ "application/vnd.docker.image.rootfs.diff.tar.zstd", LAYER_ZSTD },
	{ "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
	    LAYER_GZIP },
};

/* Architecture spellings -> (arch, default variant). */
static const struct {
	const char *in, *arch, *variant;
} arch_alias[] = {
	{ "x86_64", "amd64", "" }, { "x86-64", "amd64", "" },
	{ "amd64", "amd64", "" },
	{ "aarch64", "arm64", "" }, { "arm64", "arm64", "" },
	{ "armhf", "arm", "v7" }, { "armel", "arm", "v6" },
	{ "armv7l", "arm", "v7" }, { "armv7", "arm", "v7" },
	{ "armv6l", "arm", "v6" }, { "armv6", "arm", "v6" },
	{ "armv5tel", "arm", "v5" }, { "armv5l", "arm", "v5" },
	{ "arm", "arm", "" },
	{ "i386", "386", "" }, { "i486", "386", "" }, { "i586", "386", "" },
	{ "i686", "386", "" }, { "386", "386", "" },
};

int
digest_check(const char *s, struct err *e)
{
	size_t want, i;
	const char *hex;

	if (strncmp(s, "sha256:", 7) == 0)
		want = 64, hex = s + 7;
	else if (strncmp(s, "sha512:", 7) == 0)
		want = 128, hex = s + 7;
	else
		return err_set(e, ERR_PARSE, "unsupported digest \"%.80s\"",
		    s);
	for (i = 0; hex[i]; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') ||
		    (hex[i] >= 'a' && hex[i] <= 'f')))
			break;
	if (i != want || hex[i])
		return err_set(e, ERR_PARSE, "invalid digest \"%.80s\"", s);
	return 0;
}

enum layer_compression
layer_media_compression(const char *media_type)
{
	size_t i;

	for (i = 0; i < sizeof(layer_types) / sizeof(layer_types[0]); i++)
		if (strcmp(layer_types[i].type, media_type) == 0)
			return layer_types[i].c;
	return 0;
}

/* A manifest, index or config media type: never a layer (media-type
 * confusion). Unknown types stay allowed: the content is sniffed. */
static int
not_a_layer(const char *media_type)
{
	const char *const types[] = { MT_OCI_INDEX, MT_OCI_MANIFEST,
	    MT_OCI_CONFIG, MT_DOCKER_LIST, MT_DOCKER_MANIFEST,
	    MT_DOCKER_CONFIG,
	    "application/vnd.docker.distribution.manifest.v1+json",
	    "application/vnd.docker.distribution.manifest.v1+prettyjws" };
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i], media_type) == 0)
			return 1;
	return 0;
}

/* Copy a JSON string member into a fixed buffer; absent gives "". */
static int
get_str(const struct json_value *obj, const char *key, char *out,
    size_t size, int required, struct err *e)
{
	const struct json_value *v = json_obj_get(obj, key);
	const char *s;

	out[0] = '\0';
	if (!v) {
		if (required)
			return err_set(e, ERR_PARSE, "missing \"%s\"", key);
		return 0;
	}
	s = json_str(v);
	if (!s)
		return err_set(e, ERR_PARSE, "\"%s\" is not a string", key);
	if (strlen(s) >= size)
		return err_set(e, ERR_LIMIT, "\"%s\" too long", key);
	strcpy(out, s);
	return 0;
}

static void
normalise(struct platform *p)
{
	size_t i;

	for (i = 0; i < sizeof(arch_alias) / sizeof(arch_alias[0]); i++)
		if (strcmp(p->arch, arch_alias[i].in) == 0) {
			strcpy(p->arch, arch_alias[i].arch);
			if (!p->variant[0])
				strcpy(p->variant, arch_alias[i].variant);
			break;
		}
	if (strcmp(p->arch, "amd64") == 0 && strcmp(p->variant, "v1") == 0)
		p->variant[0] = '\0';
	if (strcmp(p->arch, "arm64") == 0 && (strcmp(p->variant, "8") == 0 ||
	    strcmp(p->variant, "v8") == 0 || strcmp(p->variant, "v8.0") == 0))
		p->variant[0] = '\0';
	if (strcmp(p->arch, "arm") == 0 && !p->variant[0])
		strcpy(p->variant, "v7");
	if (strcmp(p->arch, "arm") == 0 && p->variant[0] >= '5' &&
	    p->variant[0] <= '8' && !p->variant[1]) {
		p->variant[1] = p->variant[0];
		p->variant[0] = 'v';
		p->variant[2] = '\0';
	}
}

static int
parse_descriptor(const struct json_value *d, struct descriptor *out,
    int want_platform, struct err *e)
{
	const struct json_value *p, *ann, *v;
	int64_t size;
	const char *rt;

	memset(out, 0, sizeof(*out));
	if (json_type(d) != JSON_OBJECT)
		return err_set(e, ERR_PARSE, "descriptor is not an object");
	if (get_str(d, "mediaType", out->media_type, sizeof(out->media_type),
	    1, e) < 0 ||
	    get_str(d, "digest", out->digest, sizeof(out->digest), 1, e) < 0)
		return -1;
	if (digest_check(out->digest, e) < 0)
		return -1;
	v = json_obj_get(d, "size");
	if (!v || json_int(v, &size, e) < 0 || size < 0)
		return err_set(e, ERR_PARSE, "descriptor %.80s: bad or missing "
		    "size", out->digest);
	out->size = size;
	v = json_obj_get(d, "urls");
	out->has_urls = v && json_len(v) > 0;
	if (!want_platform)
		return 0;
	p = json_obj_get(d, "platform");
	if (p) {
		if (json_type(p) != JSON_OBJECT ||
		    get_str(p, "os", out->platform.os,
		    sizeof(out->platform.os), 1, e) < 0 ||
		    get_str(p, "architecture", out->platform.arch,
		    sizeof(out->platform.arch), 1, e) < 0 ||
		    get_str(p, "variant", out->platform.variant,
		    sizeof(out->platform.variant), 0, e) < 0)
			return err_ctx(e, "descriptor %.80s: platform",
			    out->digest);
		out->has_platform = 1;
		if (strcmp(out->platform.os, "unknown") == 0 ||
		    strcmp(out->platform.arch, "unknown") == 0)
			out->attestation = 1;
		normalise(&out->platform);
	}
	ann = json_obj_get(d, "annotations");
	rt = json_str(json_obj_get(ann, "vnd.docker.reference.type"));
	if (rt && strcmp(rt, "attestation-manifest") == 0)
		out->attestation = 1;
	return 0;
}

/* Media type without parameters, lower-cased, into out. */
static void
bare_type(const char *ct, char *out, size_t size)
{
	size_t n = 0;

	while (*ct == ' ')
		ct++;
	while (*ct && *ct != ';' && *ct != ' ' && n + 1 < size) {
		out[n++] = (*ct >= 'A' && *ct <= 'Z') ? *ct + 32 : *ct;
		ct++;
	}
	out[n] = '\0';
}

static int
is_schema1(const char *t)
{
	return strncmp(t, "application/vnd.docker.distribution.manifest.v1",
	    47) == 0;
}

int
manifest_parse(const char *content_type, const void *buf, size_t len,
    struct manifest *m, struct err *e)
{
	struct json_value *root = NULL;
	const struct json_value *mt, *sv, *list, *cfg;
	char ct[MEDIATYPE_MAX] = "", body_mt[MEDIATYPE_MAX] = "";
	const char *type;
	int64_t version;
	size_t i;
	int ret = -1, is_index;

	memset(m, 0, sizeof(*m));
	if (content_type)
		bare_type(content_type, ct, sizeof(ct));
	if (is_schema1(ct))
		return err_set(e, ERR_PARSE, "schema1 manifests (%s) are "
		    "deprecated and not supported: push the image again with "
		    "a current client", ct);
	if (len > MANIFEST_MAX_BYTES)
		return err_set(e, ERR_LIMIT, "manifest larger than %d bytes",
		    MANIFEST_MAX_BYTES);
	root = json_parse(buf, len, NULL, e);
	if (!root)
		return err_ctx(e, "manifest");
	if (json_type(root) != JSON_OBJECT) {
		err_set(e, ERR_PARSE, "manifest is not a JSON object");
		goto out;
	}
	mt = json_obj_get(root, "mediaType");
	if (mt && !json_str(mt)) {
		err_set(e, ERR_PARSE, "manifest mediaType is not a string");
		goto out;
	}
	if (mt && strlen(json_str(mt)) < sizeof(body_mt))
		strcpy(body_mt, json_str(mt));
	if (is_schema1(body_mt) || json_obj_get(root, "fsLayers")) {
		err_set(e, ERR_PARSE, "schema1 manifests are deprecated and "
		    "not supported: push the image again with a current "
		    "client");
		goto out;
	}
	sv = json_obj_get(root, "schemaVersion");
	if (!sv || json_int(sv, &version, e) < 0 || version != 2) {
		err_set(e, ERR_PARSE, "unsupported manifest schemaVersion");
		goto out;
	}
	/* Ambiguous documents (CVE-2021-41190). */
	if (json_obj_get(root, "manifests") && (json_obj_get(root, "layers") ||
	    json_obj_get(root, "config"))) {
		err_set(e, ERR_PARSE, "ambiguous document: has both "
		    "\"manifests\" and \"layers\"/\"config\"");
		goto out;
	}
	if (ct[0] && body_mt[0] && strcmp(ct, body_mt) != 0 &&
	    strcmp(ct, "application/json") != 0 &&
	    strcmp(ct, "application/octet-stream") != 0) {
		err_set(e, ERR_PARSE, "Content-Type %s does not match the "
		    "document's mediaType %s", ct, body_mt);
		goto out;
	}
	type = body_mt[0] ? body_mt : (ct[0] &&
	    strcmp(ct, "application/json") != 0 &&
	    strcmp(ct, "application/octet-stream") != 0) ? ct :
	    json_obj_get(root, "manifests") ? MT_OCI_INDEX : MT_OCI_MANIFEST;
	if (strcmp(type, MT_OCI_INDEX) == 0 ||
	    strcmp(type, MT_DOCKER_LIST) == 0)
		is_index = 1;
	else if (strcmp(type, MT_OCI_MANIFEST) == 0 ||
	    strcmp(type, MT_DOCKER_MANIFEST) == 0)
		is_index = 0;
	else {
		err_set(e, ERR_PARSE, "unsupported manifest media type %.100s",
		    type);
		goto out;
	}
	snprintf(m->media_type, sizeof(m->media_type), "%s", type);
	m->kind = is_index ? MANIFEST_INDEX : MANIFEST_IMAGE;
	list = json_obj_get(root, is_index ? "manifests" : "layers");
	if (json_type(list) != JSON_ARRAY) {
		err_set(e, ERR_PARSE, "manifest has no \"%s\" array",
		    is_index ? "manifests" : "layers");
		goto out;
	}
	if (json_len(list) > MANIFEST_MAX_ENTRIES) {
		err_set(e, ERR_LIMIT, "manifest lists more than %d entries",
		    MANIFEST_MAX_ENTRIES);
		goto out;
	}
	if (!is_index) {
		cfg = json_obj_get(root, "config");
		if (!cfg) {
			err_set(e, ERR_PARSE, "manifest has no config");
			goto out;
		}
		if (parse_descriptor(cfg, &m->config, 0, e) < 0) {
			err_ctx(e, "config descriptor");
			goto out;
		}
	}
	m->entries = calloc(json_len(list) ? json_len(list) : 1,
	    sizeof(*m->entries));
	if (!m->entries) {
		err_sys(e, "manifest");
		goto out;
	}
	for (i = 0; i < json_len(list); i++) {
		if (parse_descriptor(json_at(list, i), &m->entries[i],
		    is_index, e) < 0) {
			err_ctx(e, "%s %zu", is_index ? "manifest" : "layer",
			    i);
			goto out;
		}
		m->count++;
		if (!is_index && not_a_layer(m->entries[i].media_type)) {
			err_set(e, ERR_PARSE, "layer %zu: media type %s is not "
			    "a layer's", i, m->entries[i].media_type);
			goto out;
		}
		if (!is_index)
			m->entries[i].compression = layer_media_compression(
			    m->entries[i].media_type);
	}
	if (!is_index && m->count == 0) {
		err_set(e, ERR_PARSE, "manifest has no layers");
		goto out;
	}
	ret = 0;
out:
	json_free(root);
	if (ret < 0)
		manifest_free(m);
	return ret;
}

void
manifest_free(struct manifest *m)
{
	free(m->entries);
	m->entries = NULL;
	m->count = 0;
}

int
image_config_parse(const void *buf, size_t len, struct image_config *c,
    struct err *e)
{
	struct json_value *root;
	const struct json_value *rootfs, *ids;
	const char *s;
	size_t i;
	int ret = -1;

	memset(c, 0, sizeof(*c));
	if (len > MANIFEST_MAX_BYTES)
		return err_set(e, ERR_LIMIT, "image config larger than %d "
		    "bytes", MANIFEST_MAX_BYTES);
	root = json_parse(buf, len, NULL, e);
	if (!root)
		return err_ctx(e, "image config");
	if (json_type(root) != JSON_OBJECT) {
		err_set(e, ERR_PARSE, "image config is not a JSON object");
		goto out;
	}
	if (get_str(root, "os", c->platform.os, sizeof(c->platform.os), 0,
	    e) < 0 || get_str(root, "architecture", c->platform.arch,
	    sizeof(c->platform.arch), 0, e) < 0 || get_str(root, "variant",
	    c->platform.variant, sizeof(c->platform.variant), 0, e) < 0)
		goto out;
	normalise(&c->platform);
	rootfs = json_obj_get(root, "rootfs");
	s = json_str(json_obj_get(rootfs, "type"));
	if (!s || strcmp(s, "layers") != 0) {
		err_set(e, ERR_PARSE, "image config: rootfs.type is not "
		    "\"layers\"");
		goto out;
	}
	ids = json_obj_get(rootfs, "diff_ids");
	if (json_type(ids) != JSON_ARRAY ||
	    json_len(ids) > MANIFEST_MAX_ENTRIES) {
		err_set(e, ERR_PARSE, "image config: bad rootfs.diff_ids");
		goto out;
	}
	c->diff_ids = calloc(json_len(ids) ? json_len(ids) : 1,
	    sizeof(*c->diff_ids));
	if (!c->diff_ids) {
		err_sys(e, "image config");
		goto out;
	}
	for (i = 0; i < json_len(ids); i++) {
		s = json_str(json_at(ids, i));
		if (!s || strlen(s) >= DIGEST_MAX || digest_check(s, e) < 0) {
			err_set(e, ERR_PARSE, "image config: diff_id %zu is "
			    "invalid", i);
			goto out;
		}
		strcpy(c->diff_ids[i], s);
		c->count++;
	}
	ret = 0;
out:
	json_free(root);
	if (ret < 0)
		image_config_free(c);
	return ret;
}

void
image_config_free(struct image_config *c)
{
	free(c->diff_ids);
	c->diff_ids = NULL;
	c->count = 0;
}

void
platform_host(struct platform *p)
{
	struct utsname u;

	memset(p, 0, sizeof(*p));
	strcpy(p->os, "linux");
	if (uname(&u) == 0 && strlen(u.machine) < sizeof(p->arch))
		strcpy(p->arch, u.machine);
	else
		strcpy(p->arch, "amd64");
	normalise(p);
}

int
platform_parse(const char *s, struct platform *p, struct err *e)
{
	const char *a, *v;

	memset(p, 0, sizeof(*p));
	a = strchr(s, '/');
	if (!a || a == s || !a[1])
		return err_set(e, ERR_PARSE, "invalid platform \"%.64s\" "
		    "(want os/arch[/variant])", s);
	v = strchr(a + 1, '/');
	if ((size_t)(a - s) >= sizeof(p->os) ||
	    (size_t)((v ? v : a + strlen(a)) - a - 1) >= sizeof(p->arch) ||
	    (v && (!v[1] || strlen(v + 1) >= sizeof(p->variant) ||
	    strchr(v + 1, '/'))))
		return err_set(e, ERR_PARSE, "invalid platform \"%.64s\" "
		    "(want os/arch[/variant])", s);
	memcpy(p->os, s, a - s);
	memcpy(p->arch, a + 1, (v ? v : a + strlen(a)) - a - 1);
	if (v)
		strcpy(p->variant, v + 1);
	normalise(p);
	return 0;
}

void
platform_format(const struct platform *p, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s%s%s", p->os, p->arch,
	    p->variant[0] ? "/" : "", p->variant);
}

/* "v8.2" -> 82, "v7" -> 70, "" -> dflt; -1 if not of that form. */
static int
variant_level(const char *v, int dflt)
{
	int major, minor = 0;
	char tail;

	if (!*v)
		return dflt;
	if (sscanf(v, "v%d.%d%c", &major, &minor, &tail) == 2 ||
	    sscanf(v, "v%d%c", &major, &tail) == 1)
		return major * 10 + minor;
	return -1;
}

/*
 * How well candidate `c` runs on `w`: 0 is an exact fit, larger is a
 * worse fallback, -1 cannot run.
 */
static int
platform_rank(const struct platform *w, const struct platform *c)
{
	int wl, cl;

	if (strcmp(w->os, c->os) != 0)
		return -1;
	if (strcmp(w->arch, "amd64") == 0) {
		wl = variant_level(w->variant, 10);
		if (strcmp(c->arch, "386") == 0)
			return 1000;
		cl = variant_level(c->variant, 10);
		if (strcmp(c->arch, "amd64") != 0 || cl < 0 || cl > wl)
			return -1;
		return wl - cl;
	}
	if (strcmp(w->arch, "arm64") == 0) {
		wl = variant_level(w->variant, 80);
		if (strcmp(c->arch, "arm64") == 0) {
			cl = variant_level(c->variant, 80);
			return cl < 0 || cl > wl ? -1 : wl - cl;
		}
		if (strcmp(c->arch, "arm") == 0) {
			cl = variant_level(c->variant, 70);
			return cl < 50 || cl > 80 ? -1 : 1000 + 80 - cl;
		}
		return -1;
	}
	if (strcmp(w->arch, "arm") == 0) {
		wl = variant_level(w->variant, 70);
		cl = variant_level(c->variant, 70);
		if (strcmp(c->arch, "arm") != 0 || cl < 50 || cl > wl)
			return -1;
		return wl - cl;
	}
	if (strcmp(w->arch, c->arch) != 0)
		return -1;
	if (!c->variant[0] || strcmp(w->variant, c->variant) == 0)
		return 0;
	return -1;
}

int
platform_select(const struct manifest *m, const struct platform *want,
    size_t *idx, struct err *e)
{
	char list[400], one[100], w[100];
	size_t i, n = 0;
	int r, best = -1;

	for (i = 0; i < m->count; i++) {
		const struct descriptor *d = &m->entries[i];

		if (d->attestation || !d->has_platform)
			continue;
		if (strcmp(d->media_type, MT_OCI_INDEX) == 0 ||
		    strcmp(d->media_type, MT_DOCKER_LIST) == 0)
			continue;
		r = platform_rank(want, &d->platform);
		if (r >= 0 && (best < 0 || r < best)) {
			best = r;
			*idx = i;
		}
	}
	if (best >= 0)
		return 0;
	list[0] = '\0';
	for (i = 0; i < m->count; i++) {
		if (m->entries[i].attestation || !m->entries[i].has_platform)
			continue;
		platform_format(&m->entries[i].platform, one, sizeof(one));
		if (n + strlen(one) + 3 >= sizeof(list))
			break;
		n += snprintf(list + n, sizeof(list) - n, "%s%s",
		    n ? ", " : "", one);
	}
	platform_format(want, w, sizeof(w));
	return err_set(e, ERR_NOTFOUND, "no matching manifest for %s in the "
	    "manifest list entries (available: %s)", w,
	    list[0] ? list : "none");
}

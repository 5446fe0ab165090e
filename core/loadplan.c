/* loadplan.c - interpret manifest.json or an OCI layout into images to load */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "extract.h"
#include "loadplan.h"
#include "ref.h"
#include "sha256.h"

static const char ann_containerd[] = "io.containerd.image.name";
static const char ann_refname[] = "org.opencontainers.image.ref.name";

struct ctx {
	const struct loadplan_source *src;
	const struct platform *want;
	struct loadplan *p;
};

/* ---- helpers ---- */

/* A member's bytes; ERR_NOTFOUND when the archive lacks it. */
static int
member(struct ctx *c, const char *name, const char **buf, size_t *len,
    struct err *e)
{
	int r = c->src->get(c->src->ctx, name, buf, len, e);

	if (r < 0)
		return err_ctx(e, "%.200s", name);
	if (r == 0)
		return err_set(e, ERR_NOTFOUND, "%.200s: not in the archive",
		    name);
	return 0;
}

/* Do `len` bytes at `buf` hash to `digest` (sha256 or sha512)? */
static int
verify(const char *digest, int64_t size, const void *buf, size_t len,
    struct err *e)
{
	char got[SHA_DIGEST_MAX];

	if (size >= 0 && (uint64_t)size != len)
		return err_set(e, ERR_DIGEST, "size %zu, the descriptor says "
		    "%lld", len, (long long)size);
	sha_digest(digest, buf, len, got);
	if (strcmp(got + 7, digest + 7) != 0)
		return err_set(e, ERR_DIGEST, "digest mismatch: expected %s, "
		    "got %.7s%s", digest, digest, got + 7);
	return 0;
}

/* "blobs/<alg>/<hex>" for a checked digest. */
static void
blob_name(const char *digest, char *out, size_t size)
{
	snprintf(out, size, "blobs/%.6s/%s", digest, digest + 7);
}

/* The digest a member name "blobs/<alg>/<hex>" stands for, or "". */
static void
digest_of_name(const char *name, char out[DIGEST_MAX])
{
	struct err e = ERR_INIT;

	out[0] = '\0';
	if (strncmp(name, "blobs/sha256/", 13) == 0 &&
	    strlen(name) == 13 + SHA256_HEX_LEN)
		snprintf(out, DIGEST_MAX, "sha256:%.64s", name + 13);
	else if (strncmp(name, "blobs/sha512/", 13) == 0 &&
	    strlen(name) == 13 + SHA512_HEX_LEN)
		snprintf(out, DIGEST_MAX, "sha512:%.128s", name + 13);
	if (out[0] && digest_check(out, &e) < 0)
		out[0] = '\0';
}

static void
image_free(struct loadplan_image *im)
{
	size_t i;

	for (i = 0; i < im->nlayers; i++)
		free(im->layers[i].member);
	free(im->layers);
	for (i = 0; i < im->ntags; i++)
		free(im->tags[i]);
	free(im->tags);
	memset(im, 0, sizeof(*im));
}

/* Normalise `s` and add it to im->tags unless already there. */
static int
tag_add(struct loadplan_image *im, const char *s, struct err *e)
{
	struct ref r;
	char buf[REF_STR_MAX], **v;
	size_t i;

	if (ref_parse(&r, s, e) < 0)
		return err_ctx(e, "tag \"%.200s\"", s);
	if (r.digest[0] || r.scheme[0])
		return err_set(e, ERR_PARSE, "tag \"%.200s\": not a "
		    "repository:tag reference", s);
	ref_canonical(&r, buf, sizeof(buf));
	for (i = 0; i < im->ntags; i++)
		if (strcmp(im->tags[i], buf) == 0)
			return 0;
	if (im->ntags >= LOADPLAN_MAX_TAGS)
		return err_set(e, ERR_LIMIT, "more than %d tags",
		    LOADPLAN_MAX_TAGS);
	if (!(v = realloc(im->tags, (im->ntags + 1) * sizeof(*v))))
		return err_set(e, ENOMEM, "out of memory");
	im->tags = v;
	if (!(v[im->ntags] = strdup(buf)))
		return err_set(e, ENOMEM, "out of memory");
	im->ntags++;
	return 0;
}

/*
 * Read config `name` (its digest `digest` and `size` when a descriptor
 * names them) into `im`: id, platform, created, diff_ids -> nlayers
 * layers with only diff_id set.
 */
static int
config_load(struct ctx *c, const char *name, const char *digest,
    int64_t size, struct loadplan_image *im, struct err *e)
{
	struct image_config ic;
	struct json_value *root;
	const char *s;
	size_t i;

	if (member(c, name, &im->config, &im->config_len, e) < 0)
		return -1;
	if (digest && verify(digest, size, im->config, im->config_len,
	    e) < 0)
		return err_ctx(e, "config %.200s", name);
	sha_digest(NULL, im->config, im->config_len, im->id);
	if (image_config_parse(im->config, im->config_len, &ic, e) < 0)
		return err_ctx(e, "config %.200s", name);
	im->platform = ic.platform;
	if (ic.count && !(im->layers = calloc(ic.count,
	    sizeof(*im->layers)))) {
		image_config_free(&ic);
		return err_set(e, ENOMEM, "out of memory");
	}
	im->nlayers = ic.count;
	for (i = 0; i < ic.count; i++) {
		if (strncmp(ic.diff_ids[i], "sha256:", 7) != 0) {
			image_config_free(&ic);
			return err_set(e, ERR_PARSE, "config %.200s: diff_id "
			    "%zu is not a sha256 digest", name, i);
		}
		memcpy(im->layers[i].diff_id, ic.diff_ids[i], DIGEST_MAX);
		im->layers[i].size = -1;
	}
	image_config_free(&ic);
	/* the whole document parsed above; this cannot fail differently */
	if ((root = json_parse(im->config, im->config_len, NULL, e))) {
		s = json_str(json_obj_get(root, "created"));
		if (s && strlen(s) < sizeof(im->created))
			strcpy(im->created, s);
		json_free(root);
	}
	err_clear(e);
	return 0;
}

/* Add `im` to the plan (taking its heap parts), merging by image id. */
static int
plan_add(struct ctx *c, struct loadplan_image *im, struct err *e)
{
	struct loadplan *p = c->p;
	struct loadplan_image *v;
	size_t i, j;

	for (i = 0; i < p->n; i++) {
		if (strcmp(p->images[i].id, im->id) != 0)
			continue;
		for (j = 0; j < im->ntags; j++)
			if (tag_add(&p->images[i], im->tags[j], e) < 0)
				return -1;
		image_free(im);
		return 0;
	}
	if (p->n >= LOADPLAN_MAX_IMAGES)
		return err_set(e, ERR_LIMIT, "more than %d images",
		    LOADPLAN_MAX_IMAGES);
	if (!(v = realloc(p->images, (p->n + 1) * sizeof(*v))))
		return err_set(e, ENOMEM, "out of memory");
	p->images = v;
	v[p->n++] = *im;
	memset(im, 0, sizeof(*im));
	return 0;
}

/* ---- Docker archives: manifest.json ---- */

static int
docker_entry(struct ctx *c, const struct json_value *ent,
    struct loadplan_image *im, struct err *e)
{
	const struct json_value *cfg, *layers, *tags, *v;
	char name[LOADPLAN_NAME_MAX];
	const char *s;
	size_t i;

	if (json_type(ent) != JSON_OBJECT)
		return err_set(e, ERR_PARSE, "not an object");
	cfg = json_obj_get(ent, "Config");
	if (!json_str(cfg))
		return err_set(e, ERR_PARSE, "Config: missing or not a "
		    "string");
	if (loadplan_clean(json_str(cfg), name, sizeof(name)) < 0)
		return err_set(e, ERR_PARSE, "Config: bad member name "
		    "\"%.200s\"", json_str(cfg));
	if (config_load(c, name, NULL, -1, im, e) < 0)
		return -1;
	layers = json_obj_get(ent, "Layers");
	if (json_type(layers) != JSON_ARRAY)
		return err_set(e, ERR_PARSE, "Layers: missing or not an "
		    "array");
	if (json_len(layers) != im->nlayers)
		return err_set(e, ERR_PARSE, "Layers lists %zu layers, the "
		    "config has %zu diff_ids", json_len(layers),
		    im->nlayers);
	for (i = 0; i < im->nlayers; i++) {
		s = json_str(json_at(layers, i));
		if (!s || loadplan_clean(s, name, sizeof(name)) < 0)
			return err_set(e, ERR_PARSE, "Layers: entry %zu: bad "
			    "member name", i);
		if (!(im->layers[i].member = strdup(name)))
			return err_set(e, ENOMEM, "out of memory");
		digest_of_name(name, im->layers[i].digest);
	}
	tags = json_obj_get(ent, "RepoTags");
	if (tags && !json_is_null(tags) && json_type(tags) != JSON_ARRAY)
		return err_set(e, ERR_PARSE, "RepoTags: not an array");
	for (i = 0; i < json_len(tags); i++) {
		v = json_at(tags, i);
		if (!json_str(v))
			return err_set(e, ERR_PARSE, "RepoTags: entry %zu: not "
			    "a string", i);
		if (tag_add(im, json_str(v), e) < 0)
			return err_ctx(e, "RepoTags");
	}
	return 0;
}

static int
docker_plan(struct ctx *c, const char *buf, size_t len, struct err *e)
{
	struct json_value *root;
	struct loadplan_image im;
	size_t i;
	int r = -1;

	memset(&im, 0, sizeof(im));
	if (!(root = json_parse(buf, len, NULL, e)))
		return err_ctx(e, "manifest.json");
	if (json_type(root) != JSON_ARRAY) {
		err_set(e, ERR_PARSE, "manifest.json: not an array");
		goto out;
	}
	if (json_len(root) > LOADPLAN_MAX_IMAGES) {
		err_set(e, ERR_LIMIT, "manifest.json: more than %d images",
		    LOADPLAN_MAX_IMAGES);
		goto out;
	}
	for (i = 0; i < json_len(root); i++) {
		if (docker_entry(c, json_at(root, i), &im, e) < 0 ||
		    plan_add(c, &im, e) < 0) {
			err_ctx(e, "manifest.json: entry %zu", i);
			goto out;
		}
	}
	r = 0;
out:
	image_free(&im);
	json_free(root);
	return r;
}

/* ---- OCI image layouts: oci-layout, index.json, blobs/ ---- */

static int
is_manifest_type(const char *t)
{
	return strcmp(t, MT_OCI_MANIFEST) == 0 ||
	    strcmp(t, MT_DOCKER_MANIFEST) == 0 ||
	    strcmp(t, MT_OCI_INDEX) == 0 || strcmp(t, MT_DOCKER_LIST) == 0;
}

/* The image name an index.json descriptor's annotations give, or NULL. */
static const char *
desc_name(const struct json_value *desc)
{
	const struct json_value *ann = json_obj_get(desc, "annotations");
	const char *s = json_str(json_obj_get(ann, ann_containerd));

	if (s && *s)
		return s;
	s = json_str(json_obj_get(ann, ann_refname));
	if (s && (strchr(s, ':') || strchr(s, '/')))
		return s;
	return NULL;
}

static int
oci_image(struct ctx *c, const struct manifest *m, const char *tag,
    struct err *e)
{
	struct loadplan_image im;
	char name[LOADPLAN_NAME_MAX];
	const struct descriptor *d;
	size_t i;
	int r = -1;

	memset(&im, 0, sizeof(im));
	blob_name(m->config.digest, name, sizeof(name));
	if (config_load(c, name, m->config.digest, m->config.size, &im,
	    e) < 0)
		goto out;
	if (m->count != im.nlayers) {
		err_set(e, ERR_PARSE, "the manifest lists %zu layers, the "
		    "config has %zu diff_ids", m->count, im.nlayers);
		goto out;
	}
	for (i = 0; i < m->count; i++) {
		d = &m->entries[i];
		if (d->compression == LAYER_ZSTD) {
			err_set(e, ERR_PARSE, "layer %zu: zstd-compressed "
			    "layers are not supported", i);
			goto out;
		}
		if (!d->compression) {
			err_set(e, ERR_PARSE, "layer %zu: unsupported media "
			    "type %.100s", i, d->media_type);
			goto out;
		}
		blob_name(d->digest, name, sizeof(name));
		if (!(im.layers[i].member = strdup(name))) {
			err_set(e, ENOMEM, "out of memory");
			goto out;
		}
		memcpy(im.layers[i].digest, d->digest, DIGEST_MAX);
		im.layers[i].size = d->size;
		memcpy(im.layers[i].media_type, d->media_type, MEDIATYPE_MAX);
	}
	if (tag && tag_add(&im, tag, e) < 0)
		goto out;
	r = plan_add(c, &im, e);
out:
	image_free(&im);
	return r;
}

/* Follow descriptor `d` to an image (through nested indexes). */
static int
oci_resolve(struct ctx *c, const struct descriptor *d, const char *tag,
    unsigned depth, struct err *e)
{
	struct manifest m;
	struct platform host;
	char name[LOADPLAN_NAME_MAX];
	const char *buf;
	size_t len, idx;
	int r = -1;

	memset(&m, 0, sizeof(m));
	blob_name(d->digest, name, sizeof(name));
	if (member(c, name, &buf, &len, e) < 0)
		return -1;
	if (verify(d->digest, d->size, buf, len, e) < 0)
		return err_ctx(e, "%s", name);
	if (manifest_parse(d->media_type, buf, len, &m, e) < 0) {
		err_ctx(e, "%s", name);
		goto out;
	}
	if (m.kind == MANIFEST_IMAGE) {
		if ((r = oci_image(c, &m, tag, e)) < 0)
			err_ctx(e, "%s", name);
		goto out;
	}
	if (depth + 1 >= LOADPLAN_INDEX_DEPTH) {
		err_set(e, ERR_LIMIT, "%s: indexes nested more than %d deep",
		    name, LOADPLAN_INDEX_DEPTH);
		goto out;
	}
	if (!c->want)
		platform_host(&host);
	if (platform_select(&m, c->want ? c->want : &host, &idx, e) < 0) {
		err_ctx(e, "%s", name);
		goto out;
	}
	r = oci_resolve(c, &m.entries[idx], tag, depth + 1, e);
out:
	manifest_free(&m);
	return r;
}

static int
oci_plan(struct ctx *c, const char *buf, size_t len, struct err *e)
{
	struct json_value *root = NULL, *lay;
	struct manifest m;
	const struct json_value *list, *v;
	const char *lbuf, *s;
	size_t llen, i;
	int r = -1;

	memset(&m, 0, sizeof(m));
	r = c->src->get(c->src->ctx, "oci-layout", &lbuf, &llen, e);
	if (r < 0)
		return err_ctx(e, "oci-layout");
	if (r > 0) {
		if (!(lay = json_parse(lbuf, llen, NULL, e)))
			return err_ctx(e, "oci-layout");
		s = json_str(json_obj_get(lay, "imageLayoutVersion"));
		if (!s || strncmp(s, "1.", 2) != 0) {
			json_free(lay);
			return err_set(e, ERR_PARSE, "oci-layout: unsupported "
			    "imageLayoutVersion");
		}
		json_free(lay);
	}
	r = -1;
	if (manifest_parse(NULL, buf, len, &m, e) < 0) {
		err_ctx(e, "index.json");
		goto out;
	}
	if (m.kind != MANIFEST_INDEX) {
		err_set(e, ERR_PARSE, "index.json: not an image index");
		goto out;
	}
	if (!(root = json_parse(buf, len, NULL, e)))
		goto out;
	list = json_obj_get(root, "manifests");
	for (i = 0; i < m.count; i++) {
		v = json_at(list, i);
		if (m.entries[i].attestation ||
		    !is_manifest_type(m.entries[i].media_type))
			continue;
		if (oci_resolve(c, &m.entries[i], desc_name(v), 0, e) < 0) {
			err_ctx(e, "index.json: manifest %zu", i);
			goto out;
		}
	}
	r = 0;
out:
	json_free(root);
	manifest_free(&m);
	return r;
}

/* ---- public ---- */

int
loadplan_clean(const char *in, char *out, size_t size)
{
	if (extract_path_clean(in, out, size) < 0 || !out[0])
		return -1;
	return 0;
}

int
loadplan_build(const struct loadplan_source *src,
    const struct platform *want, struct loadplan *p, struct err *e)
{
	struct ctx c;
	const char *buf;
	size_t len;
	int r;

	memset(p, 0, sizeof(*p));
	c.src = src;
	c.want = want;
	c.p = p;
	r = src->get(src->ctx, "manifest.json", &buf, &len, e);
	if (r < 0)
		return err_ctx(e, "manifest.json");
	if (r > 0) {
		p->format = LOADPLAN_DOCKER;
		return docker_plan(&c, buf, len, e);
	}
	r = src->get(src->ctx, "index.json", &buf, &len, e);
	if (r < 0)
		return err_ctx(e, "index.json");
	if (r > 0) {
		p->format = LOADPLAN_OCI;
		return oci_plan(&c, buf, len, e);
	}
	return err_set(e, ERR_PARSE, "not an image archive: no manifest.json "
	    "or index.json");
}

void
loadplan_free(struct loadplan *p)
{
	size_t i;

	for (i = 0; p->images && i < p->n; i++)
		image_free(&p->images[i]);
	free(p->images);
	memset(p, 0, sizeof(*p));
}

/* ref_test.c - image references: grammar, normalisation, output forms */

#include <string.h>

#include "check.h"
#include "ref.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define H128 H64 H64

/* A reference that parses, with its canonical and familiar forms. */
struct good {
	const char *in, *canonical, *familiar, *domain, *path, *tag, *digest;
};

static const struct good goods[] = {
	{ "nginx", "docker.io/library/nginx:latest", "nginx:latest",
	    "docker.io", "library/nginx", "latest", "" },
	{ "alpine:3.20", "docker.io/library/alpine:3.20", "alpine:3.20",
	    "docker.io", "library/alpine", "3.20", "" },
	{ "alpine@sha256:" H64, "docker.io/library/alpine@sha256:" H64,
	    "alpine@sha256:" H64, "docker.io", "library/alpine", "",
	    "sha256:" H64 },
	{ "alpine:3.20@sha256:" H64,
	    "docker.io/library/alpine:3.20@sha256:" H64,
	    "alpine:3.20@sha256:" H64, "docker.io", "library/alpine", "3.20",
	    "sha256:" H64 },
	{ "foo/bar", "docker.io/foo/bar:latest", "foo/bar:latest",
	    "docker.io", "foo/bar", "latest", "" },
	{ "docker.io/ubuntu", "docker.io/library/ubuntu:latest",
	    "ubuntu:latest", "docker.io", "library/ubuntu", "latest", "" },
	{ "index.docker.io/ubuntu:22.04", "docker.io/library/ubuntu:22.04",
	    "ubuntu:22.04", "docker.io", "library/ubuntu", "22.04", "" },
	{ "index.docker.io/foo/bar", "docker.io/foo/bar:latest",
	    "foo/bar:latest", "docker.io", "foo/bar", "latest", "" },
	{ "docker.io/library/foo/bar", "docker.io/library/foo/bar:latest",
	    "library/foo/bar:latest", "docker.io", "library/foo/bar",
	    "latest", "" },
	{ "foo.com/bar", "foo.com/bar:latest", "foo.com/bar:latest",
	    "foo.com", "bar", "latest", "" },
	{ "quay.io/ubuntu", "quay.io/ubuntu:latest", "quay.io/ubuntu:latest",
	    "quay.io", "ubuntu", "latest", "" },
	{ "localhost/x", "localhost/x:latest", "localhost/x:latest",
	    "localhost", "x", "latest", "" },
	{ "localhost:5000/x", "localhost:5000/x:latest",
	    "localhost:5000/x:latest", "localhost:5000", "x", "latest", "" },
	{ "localhost:5000/a/b:v1", "localhost:5000/a/b:v1",
	    "localhost:5000/a/b:v1", "localhost:5000", "a/b", "v1", "" },
	{ "localhost", "docker.io/library/localhost:latest",
	    "localhost:latest", "docker.io", "library/localhost", "latest",
	    "" },
	{ "localhost:5000", "docker.io/library/localhost:5000",
	    "localhost:5000", "docker.io", "library/localhost", "5000", "" },
	{ "myreg:5000/x", "myreg:5000/x:latest", "myreg:5000/x:latest",
	    "myreg:5000", "x", "latest", "" },
	{ "[::1]:5000/x", "[::1]:5000/x:latest", "[::1]:5000/x:latest",
	    "[::1]:5000", "x", "latest", "" },
	{ "[2001:db8::1]/app:tag", "[2001:db8::1]/app:tag",
	    "[2001:db8::1]/app:tag", "[2001:db8::1]", "app", "tag", "" },
	{ "127.0.0.1:5000/busybox", "127.0.0.1:5000/busybox:latest",
	    "127.0.0.1:5000/busybox:latest", "127.0.0.1:5000", "busybox",
	    "latest", "" },
	{ "quay.io/a/b@sha256:" H64, "quay.io/a/b@sha256:" H64,
	    "quay.io/a/b@sha256:" H64, "quay.io", "a/b", "", "sha256:" H64 },
	{ "ghcr.io/o/r@sha512:" H128, "ghcr.io/o/r@sha512:" H128,
	    "ghcr.io/o/r@sha512:" H128, "ghcr.io", "o/r", "",
	    "sha512:" H128 },
	{ "Foo/bar", "Foo/bar:latest", "Foo/bar:latest", "Foo", "bar",
	    "latest", "" },
	{ "UPPER/x", "UPPER/x:latest", "UPPER/x:latest", "UPPER", "x",
	    "latest", "" },
	{ "REGISTRY.example.com/x", "REGISTRY.example.com/x:latest",
	    "REGISTRY.example.com/x:latest", "REGISTRY.example.com", "x",
	    "latest", "" },
	{ "a.b-c.example/x", "a.b-c.example/x:latest",
	    "a.b-c.example/x:latest", "a.b-c.example", "x", "latest", "" },
	{ "foo/bar_baz.qux__q-u---x:TAG_1.x-y",
	    "docker.io/foo/bar_baz.qux__q-u---x:TAG_1.x-y",
	    "foo/bar_baz.qux__q-u---x:TAG_1.x-y", "docker.io",
	    "foo/bar_baz.qux__q-u---x", "TAG_1.x-y", "" },
	{ "index.docker.io/unt.io/u:22.04", "docker.io/unt.io/u:22.04",
	    "docker.io/unt.io/u:22.04", "docker.io", "unt.io/u", "22.04", "" },
	{ "docker.io/localhost/x", "docker.io/localhost/x:latest",
	    "docker.io/localhost/x:latest", "docker.io", "localhost/x",
	    "latest", "" },
	{ "a/b/c/d/e", "docker.io/a/b/c/d/e:latest", "a/b/c/d/e:latest",
	    "docker.io", "a/b/c/d/e", "latest", "" },
	{ "nginx:_x", "docker.io/library/nginx:_x", "nginx:_x", "docker.io",
	    "library/nginx", "_x", "" },
	{ "http://hub-mirror.example/nginx",
	    "hub-mirror.example/library/nginx:latest",
	    "hub-mirror.example/library/nginx:latest", "hub-mirror.example",
	    "library/nginx", "latest", "" },
	{ "https://host:5000/a/b:tag", "host:5000/a/b:tag",
	    "host:5000/a/b:tag", "host:5000", "a/b", "tag", "" },
	{ "http://registry/x/y", "registry/x/y:latest",
	    "registry/x/y:latest", "registry", "x/y", "latest", "" },
	{ "HTTPS://docker.io/nginx", "docker.io/library/nginx:latest",
	    "nginx:latest", "docker.io", "library/nginx", "latest", "" },
};

/* A reference that fails, with a piece of the expected message. */
struct bad {
	const char *in, *msg;
};

static const struct bad bads[] = {
	{ "", "at least one component" },
	{ "Nginx", "repository name must be lowercase" },
	{ "quay.io/Foo/bar", "repository name must be lowercase" },
	{ "docker.io/library/NGINX:latest", "must be lowercase" },
	{ "nginx:", "invalid tag format" },
	{ "nginx:-bad", "invalid tag format" },
	{ "nginx:.bad", "invalid tag format" },
	{ "nginx:a/b", "invalid reference format" },
	{ "nginx:t@g", "invalid reference format" },
	{ "nginx@", "invalid digest format" },
	{ "nginx@sha256", "invalid digest format" },
	{ "nginx@sha256:abc", "invalid digest format" },
	{ "nginx@sha256:" H64 "@x", "invalid reference format" },
	{ "nginx@sha256:0123456789abcdef0123456789abcdef01234567",
	    "invalid checksum digest length" },
	{ "nginx@sha256:" H64 "00", "invalid checksum digest length" },
	{ "nginx@sha256:" "0123456789ABCDEF0123456789abcdef"
	    "0123456789abcdef0123456789abcdef", "invalid checksum digest "
	    "format" },
	{ "nginx@sha512:" H64, "invalid checksum digest length" },
	{ "nginx@md5:0123456789abcdef0123456789abcdef",
	    "unsupported digest algorithm" },
	{ "nginx@sha384:" H64 H64, "unsupported digest algorithm" },
	{ "nginx@sha256:" "0123456789abcdeg0123456789abcdef"
	    "0123456789abcdef0123456789abcdef", "invalid digest format" },
	{ "nginx@1sha:" H64, "invalid digest format" },
	{ "nginx@:" H64, "invalid digest format" },
	{ "nginx@sha+:" H64, "invalid digest format" },
	{ H64, "cannot specify 64-byte hexadecimal strings" },
	{ "-foo", "invalid reference format" },
	{ "foo-", "invalid reference format" },
	{ "foo..bar", "invalid reference format" },
	{ "foo___bar", "invalid reference format" },
	{ "foo._bar", "invalid reference format" },
	{ "foo-.bar", "invalid reference format" },
	{ "foo//bar", "invalid reference format" },
	{ "foo/", "invalid reference format" },
	{ "/foo", "invalid reference format" },
	{ ":tag", "invalid reference format" },
	{ "@sha256:" H64, "invalid reference format" },
	{ "foo bar", "invalid reference format" },
	{ "a_b.com/x", "invalid reference format" },
	{ "-a.com/x", "invalid reference format" },
	{ "a-.com/x", "invalid reference format" },
	{ "a..com/x", "invalid reference format" },
	{ "host:/x", "invalid reference format" },
	{ "host:50a0/x", "invalid reference format" },
	{ "[::1/x", "invalid reference format" },
	{ "[]:5000/x", "invalid reference format" },
	{ "[::g]/x", "invalid reference format" },
	{ "foo/bar:baz/qux", "invalid reference format" },
	{ "http://nginx", "must be followed by a registry host" },
	{ "ftp://host/x", "invalid reference format" },
	{ "http://", "must be followed" },
	{ "http:///x", "invalid reference format" },
	{ "nginx:\xc3\xa9", "invalid tag format" },
	{ "ngi\tnx", "invalid reference format" },
};

static void
check_good(const struct good *g)
{
	struct ref r;
	struct err e = ERR_INIT;
	char buf[REF_STR_MAX];
	int rc = ref_parse(&r, g->in, &e);

	CHECK(rc == 0, "parse \"%.60s\"%s%s", g->in, rc ? ": " : "",
	    rc ? e.msg : "");
	if (rc)
		return;
	CHECK(strcmp(r.domain, g->domain) == 0 && strcmp(r.path, g->path) == 0
	    && strcmp(r.tag, g->tag) == 0 && strcmp(r.digest, g->digest) == 0,
	    "fields of \"%.60s\": %s | %s | %s | %.20s", g->in, r.domain,
	    r.path, r.tag, r.digest);
	ref_canonical(&r, buf, sizeof(buf));
	CHECK(strcmp(buf, g->canonical) == 0, "canonical \"%.60s\" -> %.80s",
	    g->in, buf);
	ref_familiar(&r, buf, sizeof(buf));
	CHECK(strcmp(buf, g->familiar) == 0, "familiar \"%.60s\" -> %.80s",
	    g->in, buf);
}

static void
check_bad(const struct bad *b)
{
	struct ref r;
	struct err e = ERR_INIT;
	int rc = ref_parse(&r, b->in, &e);

	CHECK(rc < 0 && strstr(e.msg, b->msg) && e.code == ERR_PARSE &&
	    r.domain[0] == '\0' && r.path[0] == '\0',
	    "refuse \"%.40s\": %s", b->in, e.msg);
}

static void
check_lengths(void)
{
	struct ref r;
	struct err e = ERR_INIT;
	char s[REF_INPUT_MAX + 64], tag[200];
	size_t n;

	/* docker.io/library/ + 237 = 255 characters: the longest allowed */
	memset(s, 'a', 237);
	s[237] = '\0';
	CHECK(ref_parse(&r, s, &e) == 0 && strlen(r.domain) + 1 +
	    strlen(r.path) == 255, "255-character normalised name: %s",
	    e.msg);
	memcpy(s + 237, "a", 2);
	CHECK(ref_parse(&r, s, &e) < 0 && strstr(e.msg, "must not be more "
	    "than 255 characters"), "256-character normalised name: %s",
	    e.msg);
	memcpy(s, "x.io/", 5);
	memset(s + 5, 'b', 250);
	s[255] = '\0';
	CHECK(ref_parse(&r, s, &e) == 0, "255 with domain: %s", e.msg);
	memcpy(s + 255, "b", 2);
	CHECK(ref_parse(&r, s, &e) < 0 && strstr(e.msg, "255"),
	    "256 with domain: %s", e.msg);

	memset(tag, 'x', 128);
	tag[128] = '\0';
	n = (size_t)snprintf(s, sizeof(s), "nginx:%s", tag);
	CHECK(n < sizeof(s) && ref_parse(&r, s, &e) == 0 &&
	    strlen(r.tag) == 128, "128-character tag: %s", e.msg);
	snprintf(s, sizeof(s), "nginx:%sx", tag);
	CHECK(ref_parse(&r, s, &e) < 0 && strstr(e.msg, "invalid tag"),
	    "129-character tag: %s", e.msg);

	memset(s, 'a', REF_INPUT_MAX + 1);
	s[REF_INPUT_MAX + 1] = '\0';
	CHECK(ref_parse(&r, s, &e) < 0 && e.code == ERR_LIMIT,
	    "overlong input: %s", e.msg);
}

static void
check_helpers(void)
{
	struct ref r;
	struct err e = ERR_INIT;
	char buf[REF_STR_MAX], small[8];
	size_t n;

	ref_parse(&r, "alpine", &e);
	CHECK(ref_is_docker_hub(&r), "alpine is on Docker Hub");
	CHECK(strcmp(ref_api_host(&r), "registry-1.docker.io") == 0,
	    "Hub API host");
	CHECK(strcmp(ref_cred_key(&r), "https://index.docker.io/v1/") == 0,
	    "Hub credential key");
	CHECK(strcmp(ref_manifest_ref(&r), "latest") == 0, "manifest by tag");
	ref_name(&r, buf, sizeof(buf));
	CHECK(strcmp(buf, "docker.io/library/alpine") == 0, "name: %s", buf);
	CHECK(r.scheme[0] == '\0', "no scheme");

	ref_parse(&r, "localhost:5000/a/b:1@sha256:" H64, &e);
	CHECK(!ref_is_docker_hub(&r), "localhost is not Hub");
	CHECK(strcmp(ref_api_host(&r), "localhost:5000") == 0, "API host");
	CHECK(strcmp(ref_cred_key(&r), "localhost:5000") == 0, "cred key");
	CHECK(strcmp(ref_manifest_ref(&r), "sha256:" H64) == 0,
	    "digest wins for fetching");
	CHECK(strcmp(r.tag, "1") == 0, "tag kept for display");

	ref_parse(&r, "http://hub-mirror.example/nginx", &e);
	CHECK(strcmp(r.scheme, "http") == 0, "http scheme recorded");
	ref_parse(&r, "https://host:5000/a/b:tag", &e);
	CHECK(strcmp(r.scheme, "https") == 0, "https scheme recorded");

	ref_parse(&r, "nginx:1.25", &e);
	n = ref_canonical(&r, small, sizeof(small));
	CHECK(n == strlen("docker.io/library/nginx:1.25") &&
	    strcmp(small, "docker.") == 0, "canonical truncates like "
	    "snprintf: %zu %s", n, small);
	n = ref_familiar(&r, small, sizeof(small));
	CHECK(n == 10 && strcmp(small, "nginx:1") == 0,
	    "familiar truncates: %zu", n);
	CHECK(ref_canonical(&r, NULL, 0) == 28, "size query");
}

static void
check_endpoints(void)
{
	static const struct {
		const char *in, *scheme, *host, *prefix;
	} good[] = {
		{ "https://mirror.example", "https", "mirror.example", "" },
		{ "mirror.example:5000", "https", "mirror.example:5000", "" },
		{ "http://10.0.0.2:5000/", "http", "10.0.0.2:5000", "" },
		{ "https://m.example/sub/dir/", "https", "m.example",
		    "/sub/dir" },
		{ "HTTP://[::1]:5000", "http", "[::1]:5000", "" },
	};
	static const char *const bad[] = {
		"ftp://m.example", "https://user:pw@m.example",
		"https://m.example/?q=1", "https://m.example#x", "", "https://",
		"https://-bad.example", "https://m.example/a b",
	};
	struct ref_endpoint ep;
	struct err e = ERR_INIT;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(ref_endpoint_parse(&ep, good[i].in, &e) == 0 &&
		    strcmp(ep.scheme, good[i].scheme) == 0 &&
		    strcmp(ep.host, good[i].host) == 0 &&
		    strcmp(ep.prefix, good[i].prefix) == 0,
		    "endpoint %s -> %s %s %s", good[i].in, ep.scheme,
		    ep.host, ep.prefix);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(ref_endpoint_parse(&ep, bad[i], &e) < 0 &&
		    ep.host[0] == '\0', "endpoint \"%s\" refused: %s", bad[i],
		    e.msg);
}

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++)
		check_good(&goods[i]);
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++)
		check_bad(&bads[i]);
	check_lengths();
	check_helpers();
	check_endpoints();
	return check_done();
}

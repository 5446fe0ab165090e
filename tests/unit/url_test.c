/* url_test.c - core/url: parsing, reference resolution, formatting,
 * escaping */

#include <string.h>

#include "check.h"
#include "url.h"

struct parse_case {
	const char *in;
	const char *scheme, *userinfo, *host;
	int port;
	const char *path;
};

static const struct parse_case good[] = {
	{ "http://example.com", "http", "", "example.com", 80, "/" },
	{ "https://example.com/", "https", "", "example.com", 443, "/" },
	{ "HTTPS://Registry-1.Docker.IO/v2/", "https", "",
	    "registry-1.docker.io", 443, "/v2/" },
	{ "http://127.0.0.1:5000/v2/x/manifests/latest", "http", "",
	    "127.0.0.1", 5000, "/v2/x/manifests/latest" },
	{ "http://[::1]:5000/v2/", "http", "", "::1", 5000, "/v2/" },
	{ "https://[FE80::1]/", "https", "", "fe80::1", 443, "/" },
	{ "http://h:/x", "http", "", "h", 80, "/x" },
	{ "http://h?q=1", "http", "", "h", 80, "/?q=1" },
	{ "http://h#frag", "http", "", "h", 80, "/" },
	{ "http://h/a?b=c#frag", "http", "", "h", 80, "/a?b=c" },
	{ "http://user:p%40ss@proxy:3128", "http", "user:p%40ss", "proxy",
	    3128, "/" },
	{ "http://h/a/./b/../c", "http", "", "h", 80, "/a/c" },
	{ "http://h/a/b/..", "http", "", "h", 80, "/a/" },
	{ "http://h/../../x", "http", "", "h", 80, "/x" },
	{ "http://h/a//b", "http", "", "h", 80, "/a//b" },
	{ "http://h/a b", "http", "", "h", 80, "/a%20b" },
	{ "http://h/caf\xc3\xa9", "http", "", "h", 80, "/caf%C3%A9" },
	{ "http://h/%zz%4", "http", "", "h", 80, "/%25zz%254" },
	{ "http://h/%41", "http", "", "h", 80, "/%41" },
	{ "http://h/p?scope=repository:a/b:pull,push&x=?",
	    "http", "", "h", 80, "/p?scope=repository:a/b:pull,push&x=?" },
	{ "http://h/p?a=\"<>\"", "http", "", "h", 80, "/p?a=%22%3C%3E%22" },
	{ "http://under_score.local:65535", "http", "", "under_score.local",
	    65535, "/" },
};

struct bad_case {
	const char *in;
	const char *why;
};

static const struct bad_case bad[] = {
	{ "", "empty" },
	{ "/v2/", "relative" },
	{ "example.com/v2/", "no scheme" },
	{ "ftp://h/", "ftp scheme" },
	{ "javascript:alert(1)", "no authority" },
	{ "http:/h/", "one slash" },
	{ "http://", "empty host" },
	{ "http:///x", "empty host with path" },
	{ "http://:80/", "empty host with port" },
	{ "http://h:0/", "port 0" },
	{ "http://h:65536/", "port too big" },
	{ "http://h:123456/", "port too long" },
	{ "http://h:8o/", "port not digits" },
	{ "http://h:-1/", "negative port" },
	{ "http://[::1/", "unclosed bracket" },
	{ "http://[]/", "empty IPv6" },
	{ "http://[1.2.3.4]/", "IPv4 in brackets" },
	{ "http://[fe80::1%25eth0]/", "zone id" },
	{ "http://[::1]x/", "junk after bracket" },
	{ "http://h%41/", "percent in host" },
	{ "http://h h/", "space in host" },
	{ "http://a@b@c/", "two @" },
	{ "http://us er@h/", "space in userinfo" },
	{ "http://h/a\r\nX: y", "CRLF in path" },
	{ "http://h/a\tb", "tab in path" },
	{ "http://h/\x7f", "DEL in path" },
	{ "http://h/?a\nb", "LF in query" },
};

struct resolve_case {
	const char *base, *ref, *want;
};

static const struct resolve_case resolves[] = {
	/* RFC 3986 section 5.4.1, base http://a/b/c/d;p?q */
	{ "http://a/b/c/d;p?q", "g", "http://a/b/c/g" },
	{ "http://a/b/c/d;p?q", "./g", "http://a/b/c/g" },
	{ "http://a/b/c/d;p?q", "g/", "http://a/b/c/g/" },
	{ "http://a/b/c/d;p?q", "/g", "http://a/g" },
	{ "http://a/b/c/d;p?q", "//g", "http://g/" },
	{ "http://a/b/c/d;p?q", "?y", "http://a/b/c/d;p?y" },
	{ "http://a/b/c/d;p?q", "g?y", "http://a/b/c/g?y" },
	{ "http://a/b/c/d;p?q", "#s", "http://a/b/c/d;p?q" },
	{ "http://a/b/c/d;p?q", "g#s", "http://a/b/c/g" },
	{ "http://a/b/c/d;p?q", ";x", "http://a/b/c/;x" },
	{ "http://a/b/c/d;p?q", "", "http://a/b/c/d;p?q" },
	{ "http://a/b/c/d;p?q", ".", "http://a/b/c/" },
	{ "http://a/b/c/d;p?q", "./", "http://a/b/c/" },
	{ "http://a/b/c/d;p?q", "..", "http://a/b/" },
	{ "http://a/b/c/d;p?q", "../", "http://a/b/" },
	{ "http://a/b/c/d;p?q", "../g", "http://a/b/g" },
	{ "http://a/b/c/d;p?q", "../..", "http://a/" },
	{ "http://a/b/c/d;p?q", "../../g", "http://a/g" },
	/* RFC 3986 section 5.4.2 (abnormal) */
	{ "http://a/b/c/d;p?q", "../../../g", "http://a/g" },
	{ "http://a/b/c/d;p?q", "/./g", "http://a/g" },
	{ "http://a/b/c/d;p?q", "/../g", "http://a/g" },
	{ "http://a/b/c/d;p?q", "g.", "http://a/b/c/g." },
	{ "http://a/b/c/d;p?q", "..g", "http://a/b/c/..g" },
	{ "http://a/b/c/d;p?q", "./../g", "http://a/b/g" },
	{ "http://a/b/c/d;p?q", "g/./h", "http://a/b/c/g/h" },
	{ "http://a/b/c/d;p?q", "g/../h", "http://a/b/c/h" },
	{ "http://a/b/c/d;p?q", "g?y/./x", "http://a/b/c/g?y/./x" },
	/* What registries send */
	{ "https://registry-1.docker.io/v2/library/alpine/blobs/sha256:ab",
	    "https://production.cloudflare.docker.com/registry-v2/x?sig=1",
	    "https://production.cloudflare.docker.com/registry-v2/x?sig=1" },
	{ "http://127.0.0.1:5000/v2/a/blobs/uploads/",
	    "/v2/a/blobs/uploads/1234?_state=abc",
	    "http://127.0.0.1:5000/v2/a/blobs/uploads/1234?_state=abc" },
	{ "https://[::1]:8443/v2/", "//[::2]/x", "https://[::2]/x" },
	{ "https://h:8443/a/b", "c", "https://h:8443/a/c" },
	{ "http://user:pw@h/a", "/b", "http://h/b" },
};

static void
test_parse(void)
{
	struct url u;
	struct err e = ERR_INIT;
	size_t i;
	int ok;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		err_clear(&e);
		ok = url_parse(&u, good[i].in, &e) == 0 &&
		    strcmp(u.scheme, good[i].scheme) == 0 &&
		    strcmp(u.userinfo, good[i].userinfo) == 0 &&
		    strcmp(u.host, good[i].host) == 0 &&
		    u.port == good[i].port &&
		    strcmp(u.path, good[i].path) == 0;
		CHECK(ok, "parse %s -> %s %s %d %s%s%s", good[i].in,
		    good[i].scheme, good[i].host, good[i].port, good[i].path,
		    e.msg[0] ? ": " : "", e.msg);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&e);
		CHECK(url_parse(&u, bad[i].in, &e) == -1 && e.msg[0] &&
		    e.code < 0, "refuse %s: %s", bad[i].why, e.msg);
	}
	CHECK(url_parse(&u, "ftp://h/", &e) == -1 &&
	    strstr(e.msg, "unsupported URL scheme ftp"), "scheme message: %s",
	    e.msg);
}

static void
test_limits(void)
{
	static char long_path[URL_PATH_MAX + 64], long_host[300];
	struct url u;
	struct err e = ERR_INIT;

	memcpy(long_path, "http://h/", 9);
	memset(long_path + 9, 'a', URL_PATH_MAX - 12);
	CHECK(url_parse(&u, long_path, &e) == 0 &&
	    strlen(u.path) == URL_PATH_MAX - 11, "longest path fits");
	memset(long_path + 9, 'a', URL_PATH_MAX);
	CHECK(url_parse(&u, long_path, &e) == -1 && e.code == ERR_LIMIT,
	    "over-long path refused: %s", e.msg);
	memset(long_path + 9, ' ', URL_PATH_MAX / 3 + 1);
	long_path[10 + URL_PATH_MAX / 3] = '\0';
	CHECK(url_parse(&u, long_path, &e) == -1 && e.code == ERR_LIMIT,
	    "path over the limit once encoded refused");
	memcpy(long_host, "http://", 7);
	memset(long_host + 7, 'a', 254);
	CHECK(url_parse(&u, long_host, &e) == -1 && e.code == ERR_LIMIT,
	    "254-byte host refused");
}

static void
test_resolve(void)
{
	struct url base, out;
	struct err e = ERR_INIT;
	char got[URL_STR_MAX];
	size_t i;
	int ok;

	for (i = 0; i < sizeof(resolves) / sizeof(resolves[0]); i++) {
		err_clear(&e);
		got[0] = '\0';
		ok = url_parse(&base, resolves[i].base, &e) == 0 &&
		    url_resolve(&out, &base, resolves[i].ref, &e) == 0;
		if (ok)
			url_format(&out, 1, got, sizeof(got));
		CHECK(ok && strcmp(got, resolves[i].want) == 0,
		    "resolve \"%s\" against %s -> %s (got %s%s)",
		    resolves[i].ref, resolves[i].base, resolves[i].want, got,
		    e.msg);
	}
	url_parse(&base, "https://h/a", &e);
	CHECK(url_resolve(&out, &base, "ftp://x/", &e) == -1,
	    "resolve to ftp refused");
	CHECK(url_resolve(&out, &base, "/a\r\nSet-Cookie: x", &e) == -1,
	    "resolve with CRLF refused");
	CHECK(url_resolve(&out, &base, "//h:99999/", &e) == -1,
	    "resolve with bad port refused");
	CHECK(url_resolve(&out, &base, "a b", &e) == 0 &&
	    strcmp(out.path, "/a%20b") == 0, "space in a reference encoded");
}

static void
test_format(void)
{
	struct url u;
	struct err e = ERR_INIT;
	char buf[URL_STR_MAX], small[8];
	size_t n;

	url_parse(&u, "https://user:pw@h:443/v2/x?X-Amz-Signature=s", &e);
	url_format(&u, 1, buf, sizeof(buf));
	CHECK(strcmp(buf, "https://h/v2/x?X-Amz-Signature=s") == 0,
	    "format drops userinfo and default port: %s", buf);
	url_format(&u, 0, buf, sizeof(buf));
	CHECK(strcmp(buf, "https://h/v2/x?...") == 0,
	    "format without query hides it: %s", buf);
	url_authority(&u, 0, buf, sizeof(buf));
	CHECK(strcmp(buf, "h") == 0, "authority without default port");
	url_authority(&u, 1, buf, sizeof(buf));
	CHECK(strcmp(buf, "h:443") == 0, "authority with port forced");
	url_parse(&u, "http://[::1]:5000/", &e);
	url_authority(&u, 0, buf, sizeof(buf));
	CHECK(strcmp(buf, "[::1]:5000") == 0, "IPv6 authority bracketed");
	n = url_format(&u, 1, small, sizeof(small));
	CHECK(n == strlen("http://[::1]:5000/") && strlen(small) == 7,
	    "format truncates and reports the full length");
	CHECK(url_default_port("http") == 80 &&
	    url_default_port("https") == 443 && url_default_port("ftp") == 0,
	    "default ports");
}

static void
test_origin(void)
{
	struct url a, b;
	struct err e = ERR_INIT;

	url_parse(&a, "https://h/x", &e);
	url_parse(&b, "https://H:443/y?z", &e);
	CHECK(url_same_origin(&a, &b), "same origin despite case and port");
	url_parse(&b, "http://h/x", &e);
	CHECK(!url_same_origin(&a, &b), "scheme changes the origin");
	url_parse(&b, "https://h:8443/x", &e);
	CHECK(!url_same_origin(&a, &b), "port changes the origin");
	url_parse(&b, "https://h.evil/x", &e);
	CHECK(!url_same_origin(&a, &b), "host changes the origin");
}

static void
test_escape(void)
{
	struct err e = ERR_INIT;
	char out[64];

	CHECK(url_escape("repository:library/alpine:pull,push", out,
	    sizeof(out), &e) == 0 &&
	    strcmp(out, "repository%3Alibrary%2Falpine%3Apull%2Cpush") == 0,
	    "escape a scope: %s", out);
	CHECK(url_escape("a-b.c_d~e", out, sizeof(out), &e) == 0 &&
	    strcmp(out, "a-b.c_d~e") == 0, "unreserved kept");
	CHECK(url_escape("a b&c=d+\xff", out, sizeof(out), &e) == 0 &&
	    strcmp(out, "a%20b%26c%3Dd%2B%FF") == 0, "reserved and high bytes");
	CHECK(url_escape("", out, sizeof(out), &e) == 0 && out[0] == '\0',
	    "empty string");
	CHECK(url_escape("abc", out, 4, &e) == 0, "exact fit");
	CHECK(url_escape("abcd", out, 4, &e) == -1 && e.code == ERR_LIMIT,
	    "too small refused");
	CHECK(url_escape(":", out, 3, &e) == -1, "escape needs 3 bytes");
}

int
main(void)
{
	test_parse();
	test_limits();
	test_resolve();
	test_format();
	test_origin();
	test_escape();
	return check_done();
}

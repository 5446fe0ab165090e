/* auth_test.c - WWW-Authenticate, Base64, docker config credentials and
 * helpers, login/logout rewrites, token responses, scopes
 */

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "check.h"
#include "json.h"

static char dir[] = "/tmp/rocker-auth-test.XXXXXX";
static char cfg[512];

/* ---- helpers ---- */

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

static char *
read_text(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static int
parse1(struct auth_challenges *set, const char *hdr, struct err *e)
{
	memset(set, 0, sizeof(*set));
	err_clear(e);
	return auth_challenges_parse(set, hdr, strlen(hdr), e);
}

/* Look up `key` in a config holding `text`. */
static int
lookup(const char *text, const char *key, struct auth_cred *c,
    struct err *e)
{
	write_text(cfg, text);
	err_clear(e);
	return auth_config_get(cfg, key, c, e);
}

/* ---- WWW-Authenticate ---- */

static void
test_challenges(void)
{
	static const char *const bad[] = {
		"", "   ", ",", "Bearer realm=\"x", "Bearer realm=\"x\\",
		"Bearer realm=\"a\nb\"", "Bearer realm=\"a\x01\"",
		"Bearer realm=\"x\", realm=\"y\"", "Bearer realm=\"x\",=",
		"=x", "Bearer realm=\"x\" service=\"y\"", "Bearer,realm=x",
		"Bearer realm=x y", "Bearer @@@", "Bearer realm=\"x\", error=",
		"Bearer\x7f", "Bearer realm=\"x\"; service=y",
	};
	struct auth_challenges set;
	const struct auth_challenge *ch;
	struct err e = ERR_INIT;
	char big[AUTH_HEADER_MAX + 2], hdr[4096];
	int i, rc;

	/* Docker Hub, token spec example */
	rc = parse1(&set, "Bearer realm=\"https://auth.docker.io/token\","
	    "service=\"registry.docker.io\",scope=\"repository:samalba/my-app:"
	    "pull,push\"", &e);
	ch = auth_challenges_pick(&set);
	CHECK(rc == 0 && set.n == 1 && ch && ch->kind == AUTH_BEARER &&
	    strcmp(ch->scheme, "bearer") == 0 &&
	    strcmp(ch->realm, "https://auth.docker.io/token") == 0 &&
	    strcmp(ch->service, "registry.docker.io") == 0 &&
	    strcmp(ch->scope, "repository:samalba/my-app:pull,push") == 0,
	    "Docker Hub challenge with a comma in the scope: %s", e.msg);

	rc = parse1(&set, "Bearer realm=\"https://auth.docker.io/token\","
	    "service=\"registry.docker.io\"", &e);
	CHECK(rc == 0 && set.n == 1 && set.c[0].scope[0] == '\0',
	    "Docker Hub /v2/ challenge without scope");

	rc = parse1(&set, "Bearer realm=\"https://auth.docker.io/token\","
	    "service=\"registry.docker.io\",scope=\"repository:library/alpine:"
	    "pull\",error=\"insufficient_scope\"", &e);
	CHECK(rc == 0 && strcmp(set.c[0].error, "insufficient_scope") == 0,
	    "insufficient_scope error parameter");

	rc = parse1(&set, "Bearer realm=\"https://ghcr.io/token\",service="
	    "\"ghcr.io\",scope=\"repository:user/image:pull\"", &e);
	CHECK(rc == 0 && strcmp(set.c[0].realm, "https://ghcr.io/token") == 0
	    && strcmp(set.c[0].service, "ghcr.io") == 0, "GHCR challenge");

	rc = parse1(&set, "Bearer realm=\"https://quay.io/v2/auth\","
	    "service=\"quay.io\"", &e);
	CHECK(rc == 0 && strcmp(set.c[0].realm, "https://quay.io/v2/auth")
	    == 0 && strcmp(set.c[0].service, "quay.io") == 0,
	    "Quay challenge");

	rc = parse1(&set, "Bearer realm=\"https://harbor.example.com/service/"
	    "token\",service=\"harbor-registry\",scope=\"repository:library/"
	    "nginx:pull,push repository:library/redis:pull\"", &e);
	CHECK(rc == 0 && strcmp(set.c[0].service, "harbor-registry") == 0 &&
	    strcmp(set.c[0].scope, "repository:library/nginx:pull,push "
	    "repository:library/redis:pull") == 0,
	    "Harbor challenge with two scopes");

	rc = parse1(&set, "Basic realm=\"Registry Realm\"", &e);
	ch = auth_challenges_pick(&set);
	CHECK(rc == 0 && ch && ch->kind == AUTH_BASIC &&
	    strcmp(ch->realm, "Registry Realm") == 0,
	    "distribution htpasswd Basic challenge");

	/* RFC 7235 section 4.1 example: two challenges in one header */
	rc = parse1(&set, "Newauth realm=\"apps\", type=1, title=\"Login to "
	    "\\\"apps\\\"\", Basic realm=\"simple\"", &e);
	CHECK(rc == 0 && set.n == 2 && set.c[0].kind == AUTH_OTHER &&
	    strcmp(set.c[0].scheme, "newauth") == 0 &&
	    strcmp(set.c[0].realm, "apps") == 0 &&
	    set.c[1].kind == AUTH_BASIC &&
	    strcmp(set.c[1].realm, "simple") == 0,
	    "RFC 7235 example: %d challenges: %s", set.n, e.msg);

	/* across headers: Negotiate then Basic -> Basic */
	memset(&set, 0, sizeof(set));
	rc = auth_challenges_parse(&set, "Negotiate", 9, &e);
	rc |= auth_challenges_parse(&set, "Basic realm=\"x\"", 15, &e);
	ch = auth_challenges_pick(&set);
	CHECK(rc == 0 && set.n == 2 && ch == &set.c[1] &&
	    strcmp(ch->realm, "x") == 0, "Negotiate + Basic picks Basic");

	rc = parse1(&set, "Basic realm=\"b\", Bearer realm=\"t\"", &e);
	ch = auth_challenges_pick(&set);
	CHECK(rc == 0 && ch && ch->kind == AUTH_BEARER &&
	    strcmp(ch->realm, "t") == 0, "Bearer preferred over Basic");

	rc = parse1(&set, "Negotiate YIIB/wYGKwYBBQUCoIIB8zCCAe+gJDAi==, "
	    "Basic realm=\"r\"", &e);
	CHECK(rc == 0 && set.n == 2 && set.c[0].token68 &&
	    strcmp(set.c[1].realm, "r") == 0, "token68 then Basic: %s",
	    e.msg);
	rc = parse1(&set, "NTLM abc=", &e);
	CHECK(rc == 0 && set.n == 1 && set.c[0].token68, "token68 ending "
	    "in '=': %s", e.msg);
	rc = parse1(&set, "Bearer realm=", &e);
	CHECK(rc == 0 && set.n == 1 && set.c[0].token68 &&
	    set.c[0].realm[0] == '\0', "\"realm=\" alone is a token68");
	rc = parse1(&set, "Basic , Bearer realm=\"x\"", &e);
	CHECK(rc == 0 && set.n == 2 && strcmp(set.c[1].realm, "x") == 0,
	    "a scheme then ',' ends that challenge");
	rc = parse1(&set, "NTLM, Negotiate", &e);
	ch = auth_challenges_pick(&set);
	CHECK(rc == 0 && set.n == 2 && !ch, "no usable challenge: NULL");

	rc = parse1(&set, "BEARER REALM=\"x\",Service=y,SCOPE=z", &e);
	CHECK(rc == 0 && set.c[0].kind == AUTH_BEARER &&
	    strcmp(set.c[0].scheme, "bearer") == 0 &&
	    strcmp(set.c[0].realm, "x") == 0 &&
	    strcmp(set.c[0].service, "y") == 0 &&
	    strcmp(set.c[0].scope, "z") == 0,
	    "case-insensitive scheme and names, token values");

	rc = parse1(&set, "Bearer realm=\"a\\\"b\\\\c,d\"", &e);
	CHECK(rc == 0 && strcmp(set.c[0].realm, "a\"b\\c,d") == 0,
	    "quoted-pair escapes: %s", set.c[0].realm);
	rc = parse1(&set, "Bearer realm = \"x\" , service= y\t,scope =\"\"",
	    &e);
	CHECK(rc == 0 && strcmp(set.c[0].realm, "x") == 0 &&
	    strcmp(set.c[0].service, "y") == 0 && set.c[0].scope[0] == '\0',
	    "bad whitespace around '=' and ',': %s", e.msg);
	rc = parse1(&set, " , Bearer realm=\"x\",, ,service=\"s\" ,", &e);
	CHECK(rc == 0 && set.n == 1 && strcmp(set.c[0].service, "s") == 0,
	    "empty list elements: %s", e.msg);
	rc = parse1(&set, "Bearer realm=\"caf\xc3\xa9\"", &e);
	CHECK(rc == 0, "obs-text in a quoted string");
	rc = parse1(&set, "Basic", &e);
	CHECK(rc == 0 && set.n == 1 && set.c[0].realm[0] == '\0',
	    "scheme alone");

	/* errors */
	for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
		memset(&set, 0, sizeof(set));
		rc = auth_challenges_parse(&set, bad[i], strlen(bad[i]), &e);
		CHECK(rc < 0 && e.code == ERR_PARSE && set.n == 0 &&
		    strstr(e.msg, "WWW-Authenticate"),
		    "refuse bad header %d: %s", i, e.msg);
	}

	/* limits and atomicity */
	memset(&set, 0, sizeof(set));
	auth_challenges_parse(&set, "Basic realm=x", 13, &e);
	rc = auth_challenges_parse(&set, "Bearer realm=\"y\", bogus\"", 24,
	    &e);
	CHECK(rc < 0 && set.n == 1 && strcmp(set.c[0].realm, "x") == 0,
	    "failed parse leaves the set unchanged");
	memset(big, 'a', sizeof(big));
	memcpy(big, "Bearer realm=", 13);
	CHECK(auth_challenges_parse(&set, big, AUTH_HEADER_MAX + 1, &e) < 0 &&
	    e.code == ERR_LIMIT, "oversized header refused: %s", e.msg);
	snprintf(hdr, sizeof(hdr), "Bearer realm=\"%*s\"", AUTH_REALM_MAX,
	    "r");
	CHECK(parse1(&set, hdr, &e) < 0 && e.code == ERR_LIMIT &&
	    strstr(e.msg, "realm"), "realm too long: %s", e.msg);
	snprintf(hdr, sizeof(hdr), "Bearer realm=\"%*s\"", AUTH_REALM_MAX - 1,
	    "r");
	CHECK(parse1(&set, hdr, &e) == 0 &&
	    strlen(set.c[0].realm) == AUTH_REALM_MAX - 1, "longest realm");
	hdr[0] = '\0';
	for (i = 0; i < AUTH_CHALLENGES_MAX + 1; i++)
		strcat(hdr, "Basic realm=x, ");
	CHECK(parse1(&set, hdr, &e) < 0 && e.code == ERR_LIMIT,
	    "too many challenges: %s", e.msg);
	CHECK(parse1(&set, "Bearer realm=\"x\\0y\"", &e) == 0,
	    "escaped digit is fine");
	CHECK(auth_challenges_parse(&set, "Basic\0realm", 11, &e) < 0,
	    "embedded NUL refused");
}

/* ---- Base64 ---- */

static void
test_base64(void)
{
	static const char *const vec[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" },
		{ "foo", "Zm9v" }, { "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	static const char *const bad[] = {
		"Zg=", "Z", "Zm9vY", "Zm9v!", "Zm 9v", "Zg==Zg==", "Zm9=v",
		"====", "Zg===", "Zm9v\n", "a-b_", "Zm8==", "Z===", "=Zm8",
	};
	struct err e = ERR_INIT;
	unsigned char bin[256], dec[300];
	char enc[400], small[4];
	size_t i, n, k;
	int rc;

	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		rc = auth_base64_encode(vec[i][0], strlen(vec[i][0]), enc,
		    sizeof(enc), &e);
		CHECK(rc == 0 && strcmp(enc, vec[i][1]) == 0 &&
		    auth_base64_len(strlen(vec[i][0])) == strlen(vec[i][1]),
		    "encode \"%s\" = \"%s\"", vec[i][0], enc);
		rc = auth_base64_decode(vec[i][1], strlen(vec[i][1]), dec,
		    sizeof(dec), &n, &e);
		CHECK(rc == 0 && n == strlen(vec[i][0]) &&
		    memcmp(dec, vec[i][0], n) == 0, "decode padded \"%s\"",
		    vec[i][1]);
		k = strcspn(vec[i][1], "=");
		rc = auth_base64_decode(vec[i][1], k, dec, sizeof(dec), &n, &e);
		CHECK(rc == 0 && n == strlen(vec[i][0]) &&
		    memcmp(dec, vec[i][0], n) == 0, "decode unpadded \"%.*s\"",
		    (int)k, vec[i][1]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(auth_base64_decode(bad[i], strlen(bad[i]), dec,
		    sizeof(dec), &n, &e) < 0 && e.code == ERR_PARSE,
		    "refuse bad base64 %zu: %s", i, e.msg);
	for (i = 0; i < 256; i++)
		bin[i] = (unsigned char)(255 - i);
	rc = auth_base64_encode(bin, 256, enc, sizeof(enc), &e);
	rc |= auth_base64_decode(enc, strlen(enc), dec, sizeof(dec), &n, &e);
	CHECK(rc == 0 && n == 256 && memcmp(bin, dec, 256) == 0 &&
	    strchr(enc, '+') && strchr(enc, '/'), "binary round trip");
	CHECK(auth_base64_encode("abc", 3, small, sizeof(small), &e) < 0 &&
	    e.code == ERR_LIMIT, "encode into a small buffer");
	CHECK(auth_base64_decode("Zm9vYmFy", 8, dec, 5, &n, &e) < 0 &&
	    e.code == ERR_LIMIT, "decode into a small buffer");
	CHECK(auth_base64_decode("Zm9vYmFy", 8, dec, 6, &n, &e) == 0 &&
	    n == 6, "decode into an exact buffer");
	CHECK(auth_base64_decode("Zh==", 4, dec, sizeof(dec), &n, &e) == 0 &&
	    n == 1 && dec[0] == 'f', "non-zero trailing bits accepted (Go)");
}

/* ---- config.json lookups ---- */

static void
test_lookup_forms(void)
{
	static const char *const hub_keys[] = {
		"https://index.docker.io/v1/", "docker.io", "index.docker.io",
		"https://index.docker.io", "registry-1.docker.io",
		"https://registry-1.docker.io/v2/",
	};
	static const char *const reg_keys[] = {
		"myreg:5000", "https://myreg:5000", "http://myreg:5000",
		"https://myreg:5000/v1/", "https://myreg:5000/v2/",
		"https://myreg:5000/some/path", "MYREG:5000",
	};
	struct auth_cred c;
	struct err e = ERR_INIT;
	char text[512];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(hub_keys) / sizeof(hub_keys[0]); i++) {
		snprintf(text, sizeof(text), "{\"auths\": {\"%s\": {\"auth\": "
		    "\"dXNlcjpwYXNz\"}}}", hub_keys[i]);
		rc = lookup(text, "https://index.docker.io/v1/", &c, &e);
		CHECK(rc == 1 && strcmp(c.username, "user") == 0 &&
		    strcmp(c.password, "pass") == 0 &&
		    strcmp(c.source, "config.json") == 0,
		    "Docker Hub credentials under key %s: %s", hub_keys[i],
		    e.msg);
	}
	for (i = 0; i < sizeof(reg_keys) / sizeof(reg_keys[0]); i++) {
		snprintf(text, sizeof(text), "{\"auths\": {\"%s\": {\"auth\": "
		    "\"dXNlcjpwYTpzcw==\"}}}", reg_keys[i]);
		rc = lookup(text, "myreg:5000", &c, &e);
		CHECK(rc == 1 && strcmp(c.username, "user") == 0 &&
		    strcmp(c.password, "pa:ss") == 0,
		    "myreg:5000 credentials under key %s: %s", reg_keys[i],
		    e.msg);
	}
	rc = lookup("{\"auths\": {\"myreg:5000\": {\"auth\": \"dXNlcjpwYXNz\""
	    "}}}", "https://myreg:5000/v2/", &c, &e);
	CHECK(rc == 1, "lookup by a URL key finds the host entry");
	rc = lookup("{\"auths\": {\"myreg:5001\": {\"auth\": \"dXNlcjpwYXNz\""
	    "}, \"myreg\": {\"auth\": \"dXNlcjpwYXNz\"}}}", "myreg:5000", &c,
	    &e);
	CHECK(rc == 0 && c.username[0] == '\0', "other ports do not match");
	rc = lookup("{\"auths\": {\"docker.io\": {\"auth\": \"dXNlcjpwYXNz\""
	    "}}}", "quay.io", &c, &e);
	CHECK(rc == 0, "Hub credentials are not sent to quay.io");
	rc = lookup("{\"auths\": {\"quay.io\": {\"auth\": \"dXNlcjpwYXNz\""
	    "}}}", "https://index.docker.io/v1/", &c, &e);
	CHECK(rc == 0, "quay.io credentials are not sent to Hub");
	rc = lookup("{\"auths\": {\"https://myreg\": {\"auth\": \"dTpwOnc=\"},"
	    " \"myreg\": {\"auth\": \"dXNlcjpwYXNz\"}}}", "myreg", &c, &e);
	CHECK(rc == 1 && strcmp(c.username, "user") == 0,
	    "the exact key wins over other forms");
}

static void
test_lookup_entries(void)
{
	struct auth_cred c;
	struct err e = ERR_INIT;
	int rc;

	rc = lookup("{\"auths\": {\"r.io\": {\"auth\": \"dXNlcjpwYTpzcw\"}}}",
	    "r.io", &c, &e);
	CHECK(rc == 1 && strcmp(c.password, "pa:ss") == 0,
	    "unpadded auth, password with ':': %s", e.msg);
	rc = lookup("{\"auths\": {\"r.io\": {\"auth\": \"dXNlcjpwdwAA\"}}}",
	    "r.io", &c, &e);
	CHECK(rc == 1 && strcmp(c.password, "pw") == 0,
	    "trailing NULs trimmed");
	rc = lookup("{\"auths\": {\"r.io\": {\"username\": \"u\", "
	    "\"password\": \"p\"}}}", "r.io", &c, &e);
	CHECK(rc == 1 && strcmp(c.username, "u") == 0 &&
	    strcmp(c.password, "p") == 0, "username and password fields");
	rc = lookup("{\"auths\": {\"r.io\": {\"auth\": \"dXNlcjpwYXNz\", "
	    "\"identitytoken\": \"refresh-me\", \"email\": \"x@y\"}}}",
	    "r.io", &c, &e);
	CHECK(rc == 1 && strcmp(c.identitytoken, "refresh-me") == 0 &&
	    strcmp(c.username, "user") == 0, "identitytoken");
	rc = lookup("{\"auths\": {\"r.io\": {\"registrytoken\": \"bt\"}}}",
	    "r.io", &c, &e);
	CHECK(rc == 1 && strcmp(c.registrytoken, "bt") == 0,
	    "registrytoken");
	rc = lookup("{\"auths\": {\"r.io\": {}}}", "r.io", &c, &e);
	CHECK(rc == 0, "empty entry is not credentials");
	rc = lookup("{\"auths\": {\"r.io\": {\"auth\": \"\", \"email\": "
	    "\"a@b\"}, \"https://r.io\": {\"auth\": \"dXNlcjpwYXNz\"}}}",
	    "r.io", &c, &e);
	CHECK(rc == 1 && strcmp(c.username, "user") == 0,
	    "an empty entry falls through to the next form");
	rc = lookup("{\"auths\": {\"r.io\": {\"auth\": \"OnBhc3M=\"}}}", "r.io",
	    &c, &e);
	CHECK(rc < 0 && strstr(e.msg, "empty username") &&
	    c.password[0] == '\0', "empty username refused: %s", e.msg);
	rc = lookup("{\"auths\": {\"r.io\": {\"auth\": \"bm9jb2xvbg==\"}}}",
	    "r.io", &c, &e);
	CHECK(rc < 0 && strstr(e.msg, "invalid auth configuration"),
	    "auth without ':' refused: %s", e.msg);
	rc = lookup("{\"auths\": {\"r.io\": {\"auth\": \"!!!!\"}}}", "r.io",
	    &c, &e);
	CHECK(rc < 0 && strstr(e.msg, "base64"), "bad base64: %s", e.msg);
	rc = lookup("{\"auths\": {\"r.io\": {\"auth\": 5}}}", "r.io", &c, &e);
	CHECK(rc < 0, "auth of the wrong type: %s", e.msg);
	rc = lookup("{\"auths\": [] }", "r.io", &c, &e);
	CHECK(rc < 0 && strstr(e.msg, "auths"), "auths not an object: %s",
	    e.msg);
	rc = lookup("{\"auths\": {\"r.io\": {\"auth\": \"dXNlcjpwYXNz\"}},}",
	    "r.io", &c, &e);
	CHECK(rc < 0 && e.code == ERR_PARSE && strstr(e.msg, cfg),
	    "malformed config names the file: %s", e.msg);
	rc = lookup("[]", "r.io", &c, &e);
	CHECK(rc < 0, "config not an object: %s", e.msg);
	rc = lookup("{}", "r.io", &c, &e);
	CHECK(rc == 0, "no auths: anonymous");
	unlink(cfg);
	err_clear(&e);
	CHECK(auth_config_get(cfg, "r.io", &c, &e) == 0,
	    "absent config: anonymous");
}

static void
test_config_path(void)
{
	struct auth_cred c;
	struct err e = ERR_INIT;
	char path[512], want[600];

	setenv("DOCKER_CONFIG", dir, 1);
	CHECK(auth_config_path(path, sizeof(path), &e) == 0 &&
	    snprintf(want, sizeof(want), "%s/config.json", dir) > 0 &&
	    strcmp(path, want) == 0, "DOCKER_CONFIG: %s", path);
	write_text(cfg, "{\"auths\": {\"r.io\": {\"auth\": "
	    "\"dXNlcjpwYXNz\"}}}");
	CHECK(auth_config_get(NULL, "r.io", &c, &e) == 1,
	    "default path reads $DOCKER_CONFIG/config.json: %s", e.msg);
	unsetenv("DOCKER_CONFIG");
	setenv("HOME", "/home/someone", 1);
	CHECK(auth_config_path(path, sizeof(path), &e) == 0 &&
	    strcmp(path, "/home/someone/.docker/config.json") == 0,
	    "HOME: %s", path);
	setenv("DOCKER_CONFIG", "", 1);
	CHECK(auth_config_path(path, sizeof(path), &e) == 0 &&
	    strcmp(path, "/home/someone/.docker/config.json") == 0,
	    "empty DOCKER_CONFIG ignored");
	unsetenv("DOCKER_CONFIG");
	unsetenv("HOME");
	CHECK(auth_config_path(path, sizeof(path), &e) < 0 &&
	    e.code == ERR_NOTFOUND, "neither set: %s", e.msg);
	CHECK(auth_config_path(path, 5, &e) < 0, "small buffer");
	setenv("HOME", dir, 1);
	setenv("DOCKER_CONFIG", dir, 1);
}

/* ---- credential helpers ---- */

static const char helper_script[] =
    "#!/bin/sh\n"
    "[ \"$1\" = get ] || exit 2\n"
    "read -r url\n"
    "case $url in\n"
    "https://index.docker.io/v1/) printf '{\"ServerURL\":\"%s\","
    "\"Username\":\"hubuser\",\"Secret\":\"hubpass\"}\\n' \"$url\" ;;\n"
    "myreg:5000) echo '{\"Username\":\"<token>\",\"Secret\":\"idtok\"}' ;;\n"
    "helper.io) echo '{\"Username\":\"h\",\"Secret\":\"s\"}' ;;\n"
    "env.test) printf '{\"Username\":\"%s\",\"Secret\":\"x\"}' "
    "\"${SECRET_VAR:-unset}:${HOME:+home}\" ;;\n"
    "slow.test) exec sleep 5 ;;\n"
    "garbage.test) echo 'not json' ;;\n"
    "fail.test) printf 'error talking to the\\033 keychain\\n'; exit 1 ;;\n"
    "big.test) i=0; while [ $i -lt 2000 ]; do "
    "echo 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'; "
    "i=$((i+1)); done ;;\n"
    "empty.test) echo '{\"Username\":\"\",\"Secret\":\"\"}' ;;\n"
    "*) echo 'credentials not found in native keychain'; exit 1 ;;\n"
    "esac\n";

static void
test_helpers(void)
{
	struct auth_cred c;
	struct err e = ERR_INIT;
	char bin[600], path[1200];
	const char *old = getenv("PATH");
	int rc;

	snprintf(bin, sizeof(bin), "%s/bin", dir);
	mkdir(bin, 0755);
	snprintf(path, sizeof(path), "%s/docker-credential-test", bin);
	write_text(path, helper_script);
	chmod(path, 0755);
	snprintf(path, sizeof(path), "%s/docker-credential-noexec", bin);
	write_text(path, helper_script);
	snprintf(path, sizeof(path), "%s:%s", bin, old ? old : "/usr/bin:/bin");
	setenv("PATH", path, 1);

	rc = auth_helper_get("test", "https://index.docker.io/v1/", 5000, &c,
	    &e);
	CHECK(rc == 1 && strcmp(c.username, "hubuser") == 0 &&
	    strcmp(c.password, "hubpass") == 0 &&
	    strcmp(c.source, "docker-credential-test") == 0,
	    "helper answers with the server URL it read: %s", e.msg);
	rc = auth_helper_get("test", "myreg:5000", 5000, &c, &e);
	CHECK(rc == 1 && c.username[0] == '\0' &&
	    strcmp(c.identitytoken, "idtok") == 0,
	    "<token> username gives an identity token: %s", e.msg);
	rc = auth_helper_get("test", "nothing.io", 5000, &c, &e);
	CHECK(rc == 0 && c.username[0] == '\0', "credentials not found: 0");
	setenv("SECRET_VAR", "leak", 1);
	rc = auth_helper_get("test", "env.test", 5000, &c, &e);
	CHECK(rc == 1 && strcmp(c.username, "unset:home") == 0,
	    "minimal environment (HOME kept, others dropped): %s",
	    c.username);
	unsetenv("SECRET_VAR");
	rc = auth_helper_get("test", "slow.test", 300, &c, &e);
	CHECK(rc < 0 && e.code == ERR_LIMIT && strstr(e.msg, "300 ms"),
	    "timeout: %s", e.msg);
	rc = auth_helper_get("test", "garbage.test", 5000, &c, &e);
	CHECK(rc < 0 && e.code == ERR_PARSE, "garbage answer: %s", e.msg);
	rc = auth_helper_get("test", "fail.test", 5000, &c, &e);
	CHECK(rc < 0 && e.code == ERR_AUTH && strstr(e.msg, "exit status 1: "
	    "error talking to the? keychain"), "helper failure message "
	    "sanitised: %s", e.msg);
	rc = auth_helper_get("test", "big.test", 5000, &c, &e);
	CHECK(rc < 0 && e.code == ERR_LIMIT, "too much output: %s", e.msg);
	rc = auth_helper_get("test", "empty.test", 5000, &c, &e);
	CHECK(rc == 0, "empty answer: no credentials");
	rc = auth_helper_get("missing", "r.io", 5000, &c, &e);
	CHECK(rc < 0 && e.code == ERR_NOTFOUND &&
	    strstr(e.msg, "docker-credential-missing: not found in PATH"),
	    "missing helper: %s", e.msg);
	rc = auth_helper_get("noexec", "r.io", 5000, &c, &e);
	CHECK(rc < 0 && e.code == ERR_NOTFOUND, "non-executable helper "
	    "skipped: %s", e.msg);
	rc = auth_helper_get("../x", "r.io", 5000, &c, &e);
	CHECK(rc < 0 && e.code == ERR_PARSE, "helper name with '/': %s",
	    e.msg);

	/* through config.json */
	rc = lookup("{\"credsStore\": \"test\", \"auths\": {"
	    "\"https://index.docker.io/v1/\": {}}}",
	    "https://index.docker.io/v1/", &c, &e);
	CHECK(rc == 1 && strcmp(c.username, "hubuser") == 0,
	    "empty auths entry falls through to credsStore: %s", e.msg);
	rc = lookup("{\"credsStore\": \"missing\", \"credHelpers\": "
	    "{\"helper.io\": \"test\"}}", "helper.io", &c, &e);
	CHECK(rc == 1 && strcmp(c.username, "h") == 0,
	    "credHelpers wins over credsStore: %s", e.msg);
	rc = lookup("{\"credHelpers\": {\"https://helper.io\": \"test\"}}",
	    "helper.io", &c, &e);
	CHECK(rc == 1 && strcmp(c.username, "h") == 0,
	    "credHelpers key forms: %s", e.msg);
	rc = lookup("{\"credHelpers\": {\"other.io\": \"missing\"}, "
	    "\"auths\": {\"helper.io\": {\"auth\": \"dXNlcjpwYXNz\"}}}",
	    "helper.io", &c, &e);
	CHECK(rc == 1 && strcmp(c.username, "user") == 0,
	    "a helper for another host is not run: %s", e.msg);
	rc = lookup("{\"credsStore\": \"test\", \"auths\": {\"nothing.io\": "
	    "{\"auth\": \"dXNlcjpwYXNz\"}}}", "nothing.io", &c, &e);
	CHECK(rc == 1 && strcmp(c.username, "user") == 0,
	    "store without credentials falls back to auths: %s", e.msg);
	rc = lookup("{\"credsStore\": \"test\", \"auths\": {\"nothing.io\": "
	    "{}}}", "nothing.io", &c, &e);
	CHECK(rc == 0, "store and auths both empty: anonymous: %s", e.msg);
	rc = lookup("{\"credsStore\": \"desktop-gone\"}",
	    "https://index.docker.io/v1/", &c, &e);
	CHECK(rc < 0 && e.code == ERR_NOTFOUND &&
	    strstr(e.msg, "docker-credential-desktop-gone"),
	    "credsStore helper missing: %s", e.msg);
	rc = lookup("{\"credsStore\": \"\", \"auths\": {\"r.io\": {\"auth\": "
	    "\"dXNlcjpwYXNz\"}}}", "r.io", &c, &e);
	CHECK(rc == 1, "empty credsStore ignored: %s", e.msg);
	rc = lookup("{\"credHelpers\": {\"r.io\": 5}}", "r.io", &c, &e);
	CHECK(rc < 0, "credHelpers value of the wrong type: %s", e.msg);
	if (old)
		setenv("PATH", old, 1);
}

/* ---- login / logout ---- */

static int
no_temp_files(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int ok = 1;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (strncmp(de->d_name, ".config.json.", 13) == 0)
			ok = 0;
	closedir(d);
	return ok;
}

static void
test_store(void)
{
	static const char orig[] = "{\"psFormat\": \"table {{.ID}}\", "
	    "\"auths\": {\"other.io\": {\"auth\": \"dXNlcjpwYXNz\"}, "
	    "\"https://myreg:5000\": {\"auth\": \"dXNlcjpwYXNz\"}}, "
	    "\"HttpHeaders\": {\"User-Agent\": \"x\"}, "
	    "\"plugins\": {\"a\": {\"b\": [1, 2.50, true, null]}}}";
	struct auth_cred c, got;
	struct err e = ERR_INIT;
	struct json_value *root;
	struct stat st;
	char *text, path[600], real[600];
	int rc;

	memset(&c, 0, sizeof(c));
	snprintf(c.username, sizeof(c.username), "u");
	snprintf(c.password, sizeof(c.password), "p:w");
	write_text(cfg, orig);
	chmod(cfg, 0644);
	rc = auth_config_store(cfg, "myreg:5000", &c, &e);
	CHECK(rc == 0, "store: %s", e.msg);
	CHECK(stat(cfg, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "written with mode 0600: %o", (unsigned)(st.st_mode & 0777));
	text = read_text(cfg);
	root = text ? json_parse(text, strlen(text), NULL, &e) : NULL;
	CHECK(root && strcmp(json_str(json_get(root, "psFormat")),
	    "table {{.ID}}") == 0 &&
	    json_get(root, "HttpHeaders.User-Agent") &&
	    strcmp(json_num_text(json_get(root, "plugins.a.b.1")), "2.50")
	    == 0 && json_is_null(json_get(root, "plugins.a.b.3")),
	    "other keys preserved");
	CHECK(root && json_len(json_get(root, "auths")) == 3 &&
	    strcmp(json_str(json_get(root, "auths.myreg:5000.auth")),
	    "dTpwOnc=") == 0 && json_get(root, "auths.other.io") == NULL &&
	    json_obj_get(json_get(root, "auths"), "other.io"),
	    "auths entry added, others kept");
	CHECK(text && strstr(text, "\n\t\"auths\": {") != NULL,
	    "tab-indented like docker");
	json_free(root);
	CHECK(auth_config_get(cfg, "myreg:5000", &got, &e) == 1 &&
	    strcmp(got.username, "u") == 0 &&
	    strcmp(got.password, "p:w") == 0, "stored credentials read back");
	CHECK(no_temp_files(), "no temporary file left");

	snprintf(c.username, sizeof(c.username), "v");
	snprintf(c.identitytoken, sizeof(c.identitytoken), "idt");
	rc = auth_config_store(cfg, "other.io", &c, &e);
	text = read_text(cfg);
	root = text ? json_parse(text, strlen(text), NULL, &e) : NULL;
	CHECK(rc == 0 && root && json_len(json_get(root, "auths")) == 3 &&
	    strcmp(json_str(json_key_at(json_get(root, "auths"), 0)),
	    "other.io") == 0 && strcmp(json_str(json_obj_get(
	    json_obj_get(json_get(root, "auths"), "other.io"),
	    "identitytoken")), "idt") == 0,
	    "replacing keeps the entry's place and writes identitytoken");
	json_free(root);

	rc = auth_config_erase(cfg, "myreg:5000", &e);
	text = read_text(cfg);
	CHECK(rc == 1 && text && !strstr(text, "myreg") &&
	    strstr(text, "other.io") && strstr(text, "psFormat"),
	    "logout removes every form of the key: %s", e.msg);
	CHECK(auth_config_erase(cfg, "myreg:5000", &e) == 0,
	    "second logout: nothing to remove");
	CHECK(auth_config_get(cfg, "myreg:5000", &got, &e) == 0,
	    "logged out: anonymous");

	/* Docker Hub key */
	memset(&c, 0, sizeof(c));
	snprintf(c.username, sizeof(c.username), "hub");
	snprintf(c.password, sizeof(c.password), "secret");
	CHECK(auth_config_store(cfg, "https://index.docker.io/v1/", &c, &e)
	    == 0 && strstr(read_text(cfg), "\"https://index.docker.io/v1/\": "
	    "{\n\t\t\t\"auth\": \"aHViOnNlY3JldA==\"") != NULL,
	    "Hub login entry");

	/* refusals leave the file as it was */
	write_text(cfg, "[1]");
	CHECK(auth_config_store(cfg, "r.io", &c, &e) < 0 &&
	    strcmp(read_text(cfg), "[1]") == 0, "non-object config "
	    "untouched: %s", e.msg);
	write_text(cfg, "{\"auths\": ");
	CHECK(auth_config_store(cfg, "r.io", &c, &e) < 0 &&
	    strcmp(read_text(cfg), "{\"auths\": ") == 0,
	    "malformed config untouched: %s", e.msg);
	write_text(cfg, "{\"auths\": \"x\"}");
	CHECK(auth_config_store(cfg, "r.io", &c, &e) < 0,
	    "auths of the wrong type refused: %s", e.msg);
	memset(c.username, 0, sizeof(c.username));
	write_text(cfg, "{}");
	CHECK(auth_config_store(cfg, "r.io", &c, &e) < 0,
	    "empty username refused: %s", e.msg);
	snprintf(c.username, sizeof(c.username), "hub");

	/* a new file in a new directory */
	snprintf(path, sizeof(path), "%s/newdir/config.json", dir);
	CHECK(auth_config_store(path, "r.io", &c, &e) == 0 &&
	    stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "creates a missing file: %s", e.msg);
	snprintf(path, sizeof(path), "%s/newdir", dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0700,
	    "creates its directory 0700");
	snprintf(path, sizeof(path), "%s/absent.json", dir);
	CHECK(auth_config_erase(path, "r.io", &e) == 0 &&
	    access(path, F_OK) < 0, "logout without a file creates none");

	/* through a symlink */
	snprintf(real, sizeof(real), "%s/real.json", dir);
	snprintf(path, sizeof(path), "%s/link.json", dir);
	write_text(real, "{\"k\": 1}");
	symlink(real, path);
	CHECK(auth_config_store(path, "r.io", &c, &e) == 0 &&
	    lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
	    strstr(read_text(real), "\"k\": 1") &&
	    strstr(read_text(real), "r.io"),
	    "symlinked config: target rewritten, link kept: %s", e.msg);
	CHECK(no_temp_files(), "still no temporary file left");
}

/* ---- token responses ---- */

static void
test_token(void)
{
	struct auth_token t;
	struct err e = ERR_INIT;
	char *big;
	size_t n = AUTH_TOKEN_BODY_MAX + 1, i;
	int rc;

#define TOK(s) auth_token_parse(&t, s, strlen(s), &e)
	rc = TOK("{\"token\": \"abc\", \"expires_in\": 300, \"issued_at\": "
	    "\"2024-01-02T03:04:05Z\"}");
	CHECK(rc == 0 && strcmp(t.token, "abc") == 0 && t.expires_in == 300 &&
	    t.issued_at == 1704164645 && !t.refresh_token,
	    "Hub token response: %s", e.msg);
	auth_token_free(&t);
	auth_token_free(&t);
	CHECK(t.token == NULL, "free twice is safe");
	rc = TOK("{\"access_token\": \"xyz\"}");
	CHECK(rc == 0 && strcmp(t.token, "xyz") == 0 && t.expires_in == 60 &&
	    t.issued_at == 0, "access_token only, default expiry 60 s");
	auth_token_free(&t);
	rc = TOK("{\"token\": \"t1\", \"access_token\": \"t2\", "
	    "\"refresh_token\": \"r\", \"expires_in\": 0}");
	CHECK(rc == 0 && strcmp(t.token, "t2") == 0 &&
	    strcmp(t.refresh_token, "r") == 0 && t.expires_in == 60,
	    "both: access_token wins, as docker; zero expiry: default");
	auth_token_free(&t);
	rc = TOK("{\"token\": \"t\", \"access_token\": \"\", \"expires_in\": "
	    "-5, \"issued_at\": \"2024-01-02T05:04:05.123456+02:00\"}");
	CHECK(rc == 0 && strcmp(t.token, "t") == 0 && t.expires_in == 60 &&
	    t.issued_at == 1704164645, "offset and fraction in issued_at");
	auth_token_free(&t);
	rc = TOK("{\"token\": \"t\", \"expires_in\": 2, \"issued_at\": "
	    "\"yesterday\"}");
	CHECK(rc == 0 && t.expires_in == 2 && t.issued_at == 0,
	    "short expiry kept, bad issued_at ignored");
	auth_token_free(&t);
	CHECK(TOK("{\"token\": \"\"}") < 0 && e.code == ERR_PROTO &&
	    t.token == NULL, "empty token: %s", e.msg);
	CHECK(TOK("{}") < 0 && e.code == ERR_PROTO, "no token: %s", e.msg);
	CHECK(TOK("{\"token\": 5}") < 0 && e.code == ERR_PARSE,
	    "token of the wrong type: %s", e.msg);
	CHECK(TOK("{\"token\": \"t\", \"expires_in\": 1.5}") < 0 &&
	    t.token == NULL, "fractional expires_in: %s", e.msg);
	CHECK(TOK("{\"token\": \"a\\nb\"}") < 0, "newline in token");
	CHECK(TOK("<html>") < 0 && e.code == ERR_PARSE, "not JSON: %s",
	    e.msg);
	CHECK(TOK("[\"token\"]") < 0, "not an object");
#undef TOK

	big = malloc(n + 1);
	if (!big)
		return;
	memset(big, ' ', n);
	CHECK(auth_token_parse(&t, big, n, &e) < 0 && e.code == ERR_LIMIT,
	    "body over 1 MiB refused: %s", e.msg);
	memcpy(big, "{\"token\": \"", 11);
	for (i = 11; i < 11 + 600000; i++)
		big[i] = 'a' + i % 26;
	memcpy(big + i, "\"}", 3);
	CHECK(auth_token_parse(&t, big, strlen(big), &e) == 0 &&
	    strlen(t.token) == 600000, "600 kB token: %s", e.msg);
	auth_token_free(&t);
	free(big);
}

static void
test_request_helpers(void)
{
	struct err e = ERR_INIT;
	char buf[512], small[16];
	const char *scopes[] = { "repository:library/alpine:pull",
		"repository:a/b:pull,push" };

	CHECK(auth_scope(buf, sizeof(buf), "library/alpine", "pull", &e) == 0
	    && strcmp(buf, "repository:library/alpine:pull") == 0,
	    "scope: %s", buf);
	CHECK(auth_scope(buf, sizeof(buf), "a/b", "pull,push", &e) == 0 &&
	    strcmp(buf, "repository:a/b:pull,push") == 0, "push scope");
	CHECK(auth_scope(buf, sizeof(buf), "a:b", "pull", &e) < 0,
	    "scope repo with ':'");
	CHECK(auth_scope(buf, sizeof(buf), "", "pull", &e) < 0,
	    "empty repo");
	CHECK(auth_scope(buf, sizeof(buf), "a", "pull push", &e) < 0,
	    "bad actions");
	CHECK(auth_scope(small, sizeof(small), "library/alpine", "pull", &e)
	    < 0 && e.code == ERR_LIMIT, "scope into a small buffer");

	CHECK(auth_token_url(buf, sizeof(buf), "https://auth.docker.io/token",
	    "registry.docker.io", scopes, 1, &e) == 0 &&
	    strcmp(buf, "https://auth.docker.io/token?service=registry."
	    "docker.io&scope=repository%3Alibrary%2Falpine%3Apull") == 0,
	    "Hub token URL: %s", buf);
	CHECK(auth_token_url(buf, sizeof(buf), "https://x.io/t?a=b", NULL,
	    scopes, 2, &e) == 0 && strcmp(buf, "https://x.io/t?a=b&scope="
	    "repository%3Alibrary%2Falpine%3Apull&scope=repository%3Aa%2Fb%3A"
	    "pull%2Cpush") == 0, "realm with a query, two scopes: %s", buf);
	CHECK(auth_token_url(buf, sizeof(buf), "ftp://x/t", "s", NULL, 0, &e)
	    < 0, "non-http realm refused");
	CHECK(auth_token_url(buf, sizeof(buf), "https://", "s", NULL, 0, &e)
	    < 0, "empty realm host refused");
	CHECK(auth_token_url(buf, sizeof(buf), "https://x/a b", "s", NULL, 0,
	    &e) < 0, "realm with a space refused");
	CHECK(auth_token_url(small, sizeof(small), "https://auth.io/token",
	    "s", NULL, 0, &e) < 0 && e.code == ERR_LIMIT && small[0] == '\0',
	    "token URL into a small buffer");

	CHECK(auth_basic_header(buf, sizeof(buf), "user", "pass", &e) == 0 &&
	    strcmp(buf, "Basic dXNlcjpwYXNz") == 0, "Basic header: %s", buf);
	CHECK(auth_basic_header(small, sizeof(small), "user", "pass", &e) < 0,
	    "Basic header into a small buffer");
}

int
main(void)
{
	char cmd[600];
	int fd;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(cfg, sizeof(cfg), "%s/config.json", dir);
	fd = open(cfg, O_CREAT | O_WRONLY, 0600);
	if (fd >= 0)
		close(fd);
	setenv("HOME", dir, 1);
	setenv("DOCKER_CONFIG", dir, 1);

	test_challenges();
	test_base64();
	test_lookup_forms();
	test_lookup_entries();
	test_config_path();
	test_helpers();
	test_store();
	test_token();
	test_request_helpers();

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return check_done();
}

/* tls_test.c - unit tests for core/tls: trust loading (PEM files, memory,
 * bundles, SSL_CERT_FILE, SSL_CERT_DIR, certs.d, malformed input), the
 * IP-literal SAN check, and handshakes against `openssl s_server` on
 * 127.0.0.1 with a throwaway CA (good, unknown CA, expired, not yet valid,
 * wrong name, IP literal, SNI, direct trust, data echo, EOF, timeouts),
 * plus in-process plain-TCP servers (HTTP answer, close, reset, silence).
 *
 * Certificates are made with the openssl CLI in a temporary directory,
 * removed at the end; servers are children started here, killed by PID
 * (and by PR_SET_PDEATHSIG should this test die first). Without openssl
 * the tests that need it are skipped with a reason.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bearssl_pem.h>

#include "check.h"
#include "tls.h"

enum { MAX_CHILDREN = 32, TIMEOUT = 5000 };

static char tmp[PATH_MAX];
static pid_t children[MAX_CHILDREN];
static int nchildren;

/* ---- helpers ---- */

/* TMP/name in one of a few rotating buffers. */
static const char *
P(const char *name)
{
	static char buf[8][PATH_MAX + 64];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmp, name);
	return buf[i];
}

static void
write_file(const char *name, const char *text)
{
	FILE *f = fopen(P(name), "w");

	if (!f) {
		perror(name);
		return;
	}
	fputs(text, f);
	fclose(f);
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

/* Run a shell script in the temp dir, output appended to openssl.log. */
static int
sh(const char *script)
{
	char *cmd;
	size_t n = strlen(script) + 2 * strlen(tmp) + 64;
	int st;

	cmd = malloc(n);
	snprintf(cmd, n, "cd '%s' && { %s\n} >>'%s/openssl.log' 2>&1", tmp,
	    script, tmp);
	st = system(cmd);
	free(cmd);
	return st;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
tcp_connect(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A listening socket on 127.0.0.1, random port in *port. */
static int
tcp_listen(int *port)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 8) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

static void
track(pid_t pid)
{
	if (nchildren < MAX_CHILDREN)
		children[nchildren++] = pid;
}

static void
stop_children(void)
{
	int i;

	for (i = 0; i < nchildren; i++) {
		kill(children[i], SIGTERM);
		waitpid(children[i], NULL, 0);
	}
	nchildren = 0;
}

/*
 * Start `openssl s_server -accept 127.0.0.1:PORT ARGS...` (NULL-terminated
 * list) and wait until it accepts connections. Returns the port or -1.
 */
static int
start_server(const char *name, ...)
{
	const char *argv[32];
	char accept_arg[32];
	int attempt, i, n, port, fd, st;
	int64_t end;
	va_list ap;
	pid_t pid;

	for (attempt = 0; attempt < 3; attempt++) {
		fd = tcp_listen(&port);
		if (fd < 0)
			return -1;
		close(fd);
		snprintf(accept_arg, sizeof(accept_arg), "127.0.0.1:%d", port);
		n = 0;
		argv[n++] = "openssl";
		argv[n++] = "s_server";
		argv[n++] = "-accept";
		argv[n++] = accept_arg;
		va_start(ap, name);
		while (n < 31 && (argv[n] = va_arg(ap, const char *)) != NULL)
			n++;
		va_end(ap);
		argv[n] = NULL;
		pid = fork();
		if (pid < 0)
			return -1;
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			fd = open("/dev/null", O_RDONLY);
			dup2(fd, 0);
			fd = open(P(name), O_WRONLY | O_CREAT | O_APPEND, 0644);
			dup2(fd, 1);
			dup2(fd, 2);
			if (chdir(tmp) < 0)
				_exit(127);
			execvp("openssl", (char **)argv);
			_exit(127);
		}
		track(pid);
		for (end = now_ms() + 5000; now_ms() < end;) {
			if (waitpid(pid, &st, WNOHANG) == pid) {
				nchildren--;
				break;
			}
			fd = tcp_connect(port);
			if (fd >= 0) {
				close(fd);
				return port;
			}
			usleep(20000);
		}
		for (i = 0; i < nchildren; i++)
			if (children[i] == pid) {
				kill(pid, SIGKILL);
				waitpid(pid, NULL, 0);
				children[i] = children[--nchildren];
			}
	}
	return -1;
}

/*
 * A plain TCP server child on a fresh port: accepts one connection, reads
 * what comes within 2 s, then acts by `mode`: 'h' answers in HTTP and
 * closes, 'c' closes (FIN), 'r' resets (RST). Returns the port.
 */
static int
start_plain(int mode)
{
	static const char http[] = "HTTP/1.1 400 Bad Request\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n";
	struct linger lg = { 1, 0 };
	char buf[4096];
	int lfd, fd, port;
	pid_t pid;

	lfd = tcp_listen(&port);
	if (lfd < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			_exit(1);
		if (read(fd, buf, sizeof(buf)) < 0)
			_exit(1);
		if (mode == 'h' && write(fd, http, sizeof(http) - 1) < 0)
			_exit(1);
		if (mode == 'r')
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd);
		_exit(0);
	}
	close(lfd);
	track(pid);
	return port;
}

/*
 * Connect to `port` and run the handshake for `name` with `trust`.
 * Returns 0 or -1 with `e` set; on success *out keeps the connection and
 * *fdout its socket (when out is not NULL).
 */
static int
handshake(int port, const char *name, const struct tls_trust *trust,
    int timeout_ms, struct err *e, struct tls_conn **out, int *fdout)
{
	struct tls_conn *c;
	int fd, r;

	err_clear(e);
	fd = tcp_connect(port);
	if (fd < 0)
		return err_sys(e, "connect");
	c = tls_new(e);
	if (!c) {
		close(fd);
		return -1;
	}
	r = tls_handshake(c, fd, name, trust, timeout_ms, e);
	if (r == 0 && out) {
		*out = c;
		*fdout = fd;
		return 0;
	}
	tls_close(c);
	close(fd);
	return r;
}

static int
has(const struct err *e, const char *text)
{
	return strstr(e->msg, text) != NULL;
}

/* ---- tests without openssl: fixtures and the DER walker ---- */

static void
test_fixtures(void)
{
	struct tls_trust t = { 0 };
	struct err e = ERR_INIT;
	char *pem;
	size_t len, n;
	int r;

	pem = read_file("tests/fixtures/pem/bundle.pem", &len);
	if (!pem) {
		printf("skip - fixtures: tests/fixtures/pem not found from "
		    "the current directory\n");
		return;
	}
	err_clear(&e);
	r = tls_trust_add_pem(&t, pem, len, &e);
	CHECK(r == 0 && t.count == 2, "fixture bundle (RSA CA + EC CA + a key "
	    "block) gives 2 anchors (%zu) %s", t.count, e.msg);
	err_clear(&e);
	r = tls_trust_add_pem(&t, pem, len / 2, &e);
	CHECK(r < 0 && t.count == 2, "half a bundle is refused and the set "
	    "kept: %s", e.msg);
	free(pem);
	tls_trust_free(&t);
	err_clear(&e);
	r = tls_trust_add_file(&t, "tests/fixtures/pem/crlf.pem", &e);
	CHECK(r == 0 && t.count == 1, "CRLF line endings: %s", e.msg);
	err_clear(&e);
	r = tls_trust_add_file(&t, "tests/fixtures/pem/server.pem", &e);
	CHECK(r == 0 && t.count == 2, "a server certificate (non-CA anchor): "
	    "%s", e.msg);
	err_clear(&e);
	r = tls_trust_add_file(&t, "tests/fixtures/pem/malformed.pem", &e);
	CHECK(r < 0 && has(&e, "malformed.pem: line 2: malformed PEM") &&
	    t.count == 2, "malformed fixture: %s", e.msg);
	tls_trust_free(&t);
	pem = read_file("tests/fixtures/pem/ip-san.der", &len);
	CHECK(pem && tls_cert_matches_ip(pem, len, "127.0.0.1") &&
	    tls_cert_matches_ip(pem, len, "::1") &&
	    !tls_cert_matches_ip(pem, len, "10.0.0.1"),
	    "fixture certificate with IP SANs 127.0.0.1 and ::1");
	if (pem) {
		/* A certificate followed by stray bytes in one block. */
		char der[4096], out[8192];

		memcpy(der, pem, len);
		memcpy(der + len, pem, len < 200 ? len : 200);
		n = br_pem_encode(out, der, len + (len < 200 ? len : 200),
		    "CERTIFICATE", 0);
		err_clear(&e);
		r = tls_trust_add_pem(&t, out, n, &e);
		CHECK(r < 0 && has(&e, "line 1: certificate: malformed") &&
		    t.count == 0, "certificate with trailing bytes: %s",
		    e.msg);
		n = br_pem_encode(out, der, len, "CERTIFICATE", 0);
		err_clear(&e);
		r = tls_trust_add_pem(&t, out, n, &e);
		CHECK(r == 0 && t.count == 1, "the same without them: %s",
		    e.msg);
		tls_trust_free(&t);
	}
	free(pem);
	/* Pushing to BearSSL's X.509 decoder after it failed crashed it
	 * (found by pem_fuzz); x509_push() now stops at the first error. */
	pem = read_file("tests/fixtures/pem/decoder-resume.der", &len);
	if (pem) {
		char out[8192];

		n = br_pem_encode(out, pem, len < 4096 ? len : 4096,
		    "CERTIFICATE", 0);
		err_clear(&e);
		r = tls_trust_add_pem(&t, out, n, &e);
		CHECK(r < 0 && t.count == 0, "bytes after a decoding error are "
		    "not pushed to the decoder: %s", e.msg);
	}
	free(pem);
}

static void
test_basics(void)
{
	struct tls_trust t;
	struct err e = ERR_INIT;
	static const char junk[] = "-----BEGIN CERTIFICATE-----\n"
	    "aGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n";
	static const char bad64[] = "# comment\n-----BEGIN CERTIFICATE-----\n"
	    "@@@@\n-----END CERTIFICATE-----\n";
	static const char trunc[] = "-----BEGIN CERTIFICATE-----\nMIIB\n";
	static const unsigned char der[] = { 0x30, 0x84, 0xff, 0xff, 0xff };
	static const char keyonly[] = "-----BEGIN PRIVATE KEY-----\n"
	    "aGVsbG8=\n-----END PRIVATE KEY-----\n";

	memset(&t, 0xaa, sizeof(t));
	tls_trust_init(&t);
	CHECK(t.count == 0 && t.anchors == NULL, "tls_trust_init zeroes");
	tls_trust_free(&t);
	tls_trust_free(&t);
	CHECK(1, "tls_trust_free twice on an empty set");
	tls_close(NULL);
	CHECK(1, "tls_close(NULL)");

	CHECK(tls_trust_add_pem(&t, "", 0, &e) < 0 &&
	    has(&e, "no certificate found"), "empty input: %s", e.msg);
	CHECK(tls_trust_add_pem(&t, keyonly, strlen(keyonly), &e) < 0 &&
	    has(&e, "no certificate found"), "key only: %s", e.msg);
	CHECK(tls_trust_add_pem(&t, junk, strlen(junk), &e) < 0 &&
	    has(&e, "line 1: certificate:"), "base64 of junk: %s", e.msg);
	CHECK(tls_trust_add_pem(&t, bad64, strlen(bad64), &e) < 0 &&
	    has(&e, "line 3: malformed PEM"), "bad base64 names line 3: %s",
	    e.msg);
	CHECK(tls_trust_add_pem(&t, trunc, strlen(trunc), &e) < 0 &&
	    has(&e, "truncated PEM block"), "no END line: %s", e.msg);
	CHECK(t.count == 0, "failed loads add nothing");

	CHECK(tls_cert_matches_ip(der, sizeof(der), "127.0.0.1") == 0,
	    "DER with an oversized length is rejected");
	CHECK(tls_cert_matches_ip(der, 0, "127.0.0.1") == 0, "empty DER");
	CHECK(tls_cert_matches_ip(der, sizeof(der), "localhost") == 0,
	    "a host name is not an IP literal");
}

/* ---- tests with openssl ---- */

static const char gen_script[] =
"set -e\n"
"key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
"-out $1.key; }\n"
"csr() { key $1; openssl req -new -key $1.key -out $1.csr -subj \"/CN=$2\"; }\n"
"ext() { printf 'subjectAltName=%s\\nbasicConstraints=CA:FALSE\\n"
"keyUsage=digitalSignature\\nextendedKeyUsage=serverAuth\\n' \"$2\" "
"> $1.ext; }\n"
"sign() { csr $1 $2; ext $1 \"$3\"; openssl x509 -req -in $1.csr -CA ca.crt "
"-CAkey ca.key -CAcreateserial -days 2 -extfile $1.ext -out $1.crt; }\n"
"openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt "
"-subj /CN=rocker-test-ca -days 3\n"
"openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
"-keyout other.key -out other.crt -subj /CN=rocker-other-ca -days 3\n"
"sign good localhost DNS:localhost,IP:127.0.0.1,IP:::1\n"
"sign wrong other.example DNS:other.example\n"
"sign sni sni.test DNS:sni.test\n"
"sign legacy 127.0.0.1 DNS:127.0.0.1\n"
"key self\n"
"openssl req -x509 -key self.key -out self.crt -subj /CN=localhost -days 2 "
"-addext subjectAltName=DNS:localhost "
"-addext basicConstraints=critical,CA:FALSE\n"
"mkdir newcerts; : > index.txt; echo 1000 > serial\n"
"printf '[ca]\\ndefault_ca=d\\n[d]\\ndatabase=index.txt\\n"
"new_certs_dir=newcerts\\nserial=serial\\ndefault_md=sha256\\npolicy=p\\n"
"unique_subject=no\\n[p]\\ncommonName=supplied\\n' > ca.cnf\n"
"csr expired localhost; ext expired DNS:localhost\n"
"openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key "
"-in expired.csr -out expired.crt -extfile expired.ext -notext "
"-startdate 20200101000000Z -enddate 20200102000000Z\n"
"csr future localhost; ext future DNS:localhost\n"
"openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key "
"-in future.csr -out future.crt -extfile future.ext -notext "
"-startdate 20990101000000Z -enddate 20990102000000Z\n"
"openssl x509 -in good.crt -outform DER -out good.der\n"
"openssl x509 -in legacy.crt -outform DER -out legacy.der\n"
"cat ca.crt good.key other.crt > bundle.pem\n"
"sed 's/$/\\r/' ca.crt > crlf.pem\n";

static void
test_trust_files(void)
{
	struct tls_trust t = { 0 };
	struct err e = ERR_INIT;
	char *pem;
	size_t len, n;
	int r;

	err_clear(&e);
	r = tls_trust_add_file(&t, P("ca.crt"), &e);
	CHECK(r == 0 && t.count == 1, "one CA file: %s", e.msg);
	err_clear(&e);
	r = tls_trust_add_file(&t, P("ca.crt"), &e);
	CHECK(r == 0 && t.count == 1, "the same CA again is stored once");
	err_clear(&e);
	r = tls_trust_add_file(&t, P("bundle.pem"), &e);
	CHECK(r == 0 && t.count == 2, "bundle of 2 CAs and a key: %zu "
	    "anchors %s", t.count, e.msg);
	tls_trust_free(&t);
	err_clear(&e);
	r = tls_trust_add_file(&t, P("crlf.pem"), &e);
	CHECK(r == 0 && t.count == 1, "CRLF file: %s", e.msg);
	tls_trust_free(&t);

	pem = read_file(P("bundle.pem"), &len);
	err_clear(&e);
	r = pem ? tls_trust_add_pem(&t, pem, len, &e) : -1;
	CHECK(r == 0 && t.count == 2, "bundle from memory: %s", e.msg);
	tls_trust_free(&t);
	for (n = 0; pem && n < len; n += 97) {
		if (tls_trust_add_pem(&t, pem, n, &e) < 0 && t.count != 0)
			break;
		if (t.count > 2)
			break;
		tls_trust_free(&t);
	}
	CHECK(pem && n >= len, "every prefix of the bundle loads whole "
	    "certificates or fails and adds nothing");
	tls_trust_free(&t);
	free(pem);

	CHECK(tls_trust_add_file(&t, P("missing.pem"), &e) < 0 &&
	    has(&e, "missing.pem: No such file"), "missing file: %s", e.msg);
	write_file("broken.pem", "");
	sh("cat ca.crt > mixed.pem; printf -- '-----BEGIN CERTIFICATE-----\\n"
	    "MIIB!!!!\\n-----END CERTIFICATE-----\\n' >> mixed.pem");
	CHECK(tls_trust_add_file(&t, P("mixed.pem"), &e) < 0 &&
	    has(&e, "mixed.pem: line") && has(&e, "malformed PEM") &&
	    t.count == 0, "good then malformed: all or nothing: %s", e.msg);
	CHECK(tls_trust_add_file(&t, P("broken.pem"), &e) < 0 &&
	    has(&e, "broken.pem: no certificate found"), "empty file: %s",
	    e.msg);
	CHECK(tls_trust_add_file(&t, tmp, &e) < 0 &&
	    has(&e, "not a regular file"), "a directory: %s", e.msg);
	tls_trust_free(&t);
}

static void
test_trust_system(void)
{
	struct tls_trust t = { 0 };
	struct err e = ERR_INIT;
	char dirs[2 * PATH_MAX + 2];
	int r;

	unsetenv("SSL_CERT_DIR");
	setenv("SSL_CERT_FILE", P("bundle.pem"), 1);
	err_clear(&e);
	r = tls_trust_add_system(&t, &e);
	CHECK(r == 0 && t.count == 2, "SSL_CERT_FILE bundle: %zu anchors %s",
	    t.count, e.msg);
	tls_trust_free(&t);

	setenv("SSL_CERT_FILE", P("nothere.pem"), 1);
	err_clear(&e);
	r = tls_trust_add_system(&t, &e);
	CHECK(r < 0 && has(&e, "SSL_CERT_FILE: ") && has(&e, "nothere.pem"),
	    "missing SSL_CERT_FILE: %s", e.msg);
	err_clear(&e);

	sh("mkdir certdir && cp ca.crt certdir/ca.pem && "
	    "ln -s ca.pem certdir/$(openssl x509 -hash -noout -in ca.crt).0 && "
	    "cp other.crt certdir/README && cp mixed.pem certdir/broken.crt");
	setenv("SSL_CERT_FILE", P("legacy.crt"), 1);
	snprintf(dirs, sizeof(dirs), "%s:%s", P("nodir"), P("certdir"));
	setenv("SSL_CERT_DIR", dirs, 1);
	err_clear(&e);
	r = tls_trust_add_system(&t, &e);
	CHECK(r == 0 && t.count == 2, "SSL_CERT_FILE plus SSL_CERT_DIR (hash "
	    "link deduplicated, README ignored, bad file skipped, missing dir "
	    "skipped): %zu anchors %s", t.count, e.msg);
	tls_trust_free(&t);

	unsetenv("SSL_CERT_FILE");
	unsetenv("SSL_CERT_DIR");
	err_clear(&e);
	r = tls_trust_add_system(&t, &e);
	CHECK(r == 0, "default system store: %zu anchors %s", t.count, e.msg);
	if (access("/etc/ssl/certs/ca-certificates.crt", R_OK) == 0)
		CHECK(t.count > 50, "Debian bundle has many anchors (%zu)",
		    t.count);
	tls_trust_free(&t);
}

static void
test_trust_certs_d(int port)
{
	struct tls_trust t = { 0 };
	struct err e = ERR_INIT;
	const char *dirs[3];
	char hostport[64], script[512];
	int r;

	snprintf(hostport, sizeof(hostport), "127.0.0.1:%d", port);
	snprintf(script, sizeof(script), "mkdir -p 'certs.d/%s' bad.d/x && "
	    "cp ca.crt 'certs.d/%s/ca.crt' && cp good.crt 'certs.d/%s/"
	    "client.cert' && cp good.key 'certs.d/%s/client.key' && "
	    "cp mixed.pem bad.d/x/bad.crt", hostport, hostport, hostport,
	    hostport);
	sh(script);
	dirs[0] = P("no-such-certs.d");
	dirs[1] = P("certs.d");
	dirs[2] = NULL;
	err_clear(&e);
	r = tls_trust_add_certs_d(&t, dirs, hostport, &e);
	CHECK(r == 0 && t.count == 1, "certs.d/HOST:PORT/ca.crt (client cert "
	    "ignored): %zu anchors %s", t.count, e.msg);
	CHECK(t.count == 1 && handshake(port, "127.0.0.1", &t, TIMEOUT, &e,
	    NULL, NULL) == 0, "handshake trusting certs.d: %s", e.msg);
	CHECK(tls_trust_add_certs_d(&t, dirs, "other:1", &e) == 0 &&
	    t.count == 1, "no directory for that registry: nothing added");
	CHECK(tls_trust_add_certs_d(&t, dirs, "../certs.d", &e) < 0 &&
	    has(&e, "invalid registry name"), "'/' in the name: %s", e.msg);
	CHECK(tls_trust_add_certs_d(&t, dirs, "..", &e) < 0, "'..' refused");
	CHECK(tls_trust_add_certs_d(&t, dirs, "", &e) < 0, "'' refused");
	dirs[0] = P("bad.d");
	dirs[1] = NULL;
	CHECK(tls_trust_add_certs_d(&t, dirs, "x", &e) < 0 &&
	    has(&e, "bad.crt: line") && t.count == 1,
	    "malformed certs.d file is an error naming it: %s", e.msg);
	tls_trust_free(&t);
}

static void
test_ip_match(void)
{
	struct err e = ERR_INIT;
	char *der, *legacy;
	size_t len, llen, n;
	int ok = 1;

	der = read_file(P("good.der"), &len);
	legacy = read_file(P("legacy.der"), &llen);
	if (!der || !legacy) {
		CHECK(0, "read DER certificates");
		free(der);
		free(legacy);
		return;
	}
	CHECK(tls_cert_matches_ip(der, len, "127.0.0.1") == 1,
	    "IP SAN 127.0.0.1");
	CHECK(tls_cert_matches_ip(der, len, "::1") == 1, "IP SAN ::1");
	CHECK(tls_cert_matches_ip(der, len, "[::1]") == 1,
	    "bracketed [::1]");
	CHECK(tls_cert_matches_ip(der, len, "127.0.0.2") == 0,
	    "other address");
	CHECK(tls_cert_matches_ip(der, len, "::2") == 0, "other IPv6");
	CHECK(tls_cert_matches_ip(der, len, "localhost") == 0,
	    "host name is not matched here");
	CHECK(tls_cert_matches_ip(legacy, llen, "127.0.0.1") == 1,
	    "dNSName \"127.0.0.1\" accepted for the literal");
	CHECK(tls_cert_matches_ip(legacy, llen, "127.0.0.01") == 0,
	    "non-canonical literal is not an IP (inet_pton)");
	for (n = 0; n < len; n++)
		if (tls_cert_matches_ip(der, n, "127.0.0.1"))
			ok = 0;
	CHECK(ok, "no truncated prefix of the certificate matches");
	(void)e;
	free(der);
	free(legacy);
}

/* GET / from an `s_server -www`; read to EOF. */
static void
test_www(int port, const struct tls_trust *t)
{
	static const char req[] = "GET / HTTP/1.0\r\n\r\n";
	struct tls_conn *c = NULL;
	struct err e = ERR_INIT;
	char buf[65536];
	size_t total = 0;
	ssize_t n = 0;
	int fd = -1;

	CHECK(handshake(port, "localhost", t, TIMEOUT, &e, &c, &fd) == 0,
	    "handshake localhost with the test CA: %s", e.msg);
	if (!c)
		return;
	CHECK(tls_write_all(c, req, sizeof(req) - 1, &e) == 0,
	    "write request: %s", e.msg);
	while (total < sizeof(buf) - 1) {
		n = tls_read(c, buf + total, sizeof(buf) - 1 - total, &e);
		if (n <= 0)
			break;
		total += n;
	}
	buf[total] = '\0';
	CHECK(n == 0 && strncmp(buf, "HTTP/1.0 200 ok", 15) == 0,
	    "read the response to EOF (%zu bytes) %s", total,
	    n < 0 ? e.msg : "");
	CHECK(tls_read(c, buf, sizeof(buf), &e) == 0, "reads after EOF "
	    "return 0");
	CHECK(tls_write_all(c, "x", 1, &e) < 0 &&
	    strcmp(e.msg, "connection closed by the server") == 0,
	    "write after EOF: %s", e.msg);
	tls_close(c);
	close(fd);
}

/* Echo through `s_server -rev`, then a read that times out. */
static void
test_rev(int port, const struct tls_trust *t)
{
	struct tls_conn *c = NULL;
	struct err e = ERR_INIT;
	char buf[64];
	size_t total = 0;
	ssize_t n = 0;
	int64_t t0;
	int fd = -1;

	CHECK(handshake(port, "127.0.0.1", t, 400, &e, &c, &fd) == 0,
	    "handshake with IP literal 127.0.0.1 (IP SAN): %s", e.msg);
	if (!c)
		return;
	CHECK(tls_write_all(c, "hello\n", 6, &e) == 0, "write: %s", e.msg);
	while (total < 6) {
		n = tls_read(c, buf + total, sizeof(buf) - total, &e);
		if (n <= 0)
			break;
		total += n;
	}
	CHECK(total == 6 && memcmp(buf, "olleh\n", 6) == 0,
	    "echo reversed: %.5s %s", buf, n < 0 ? e.msg : "");
	t0 = now_ms();
	n = tls_read(c, buf, sizeof(buf), &e);
	t0 = now_ms() - t0;
	CHECK(n < 0 && strcmp(e.msg, "timed out after 400 ms") == 0 &&
	    e.code == ETIMEDOUT && t0 >= 350 && t0 < 3000,
	    "idle read: %s (%lld ms)", e.msg, (long long)t0);
	CHECK(tls_write_all(c, "x", 1, &e) < 0 && has(&e, "timed out"),
	    "errors are sticky: %s", e.msg);
	tls_close(c);
	close(fd);
}

static void
test_plain_servers(const struct tls_trust *t)
{
	struct err e = ERR_INIT;
	int64_t t0;
	int port, lfd;

	port = start_plain('h');
	CHECK(handshake(port, "localhost", t, TIMEOUT, &e, NULL, NULL) < 0 &&
	    strcmp(e.msg, "server does not speak TLS (it answered in plain "
	    "HTTP)") == 0, "plain HTTP server: %s", e.msg);
	port = start_plain('c');
	CHECK(handshake(port, "localhost", t, TIMEOUT, &e, NULL, NULL) < 0 &&
	    strcmp(e.msg, "connection closed during handshake") == 0,
	    "server closes: %s", e.msg);
	port = start_plain('r');
	CHECK(handshake(port, "localhost", t, TIMEOUT, &e, NULL, NULL) < 0 &&
	    strcmp(e.msg, "connection reset during handshake") == 0 &&
	    e.code == ECONNRESET, "server resets: %s", e.msg);

	lfd = tcp_listen(&port);
	t0 = now_ms();
	CHECK(handshake(port, "localhost", t, 300, &e, NULL, NULL) < 0 &&
	    strcmp(e.msg, "TLS handshake timed out after 300 ms") == 0 &&
	    e.code == ETIMEDOUT, "silent server: %s", e.msg);
	t0 = now_ms() - t0;
	CHECK(t0 >= 250 && t0 < 3000, "timeout took %lld ms",
	    (long long)t0);
	close(lfd);
}

/* Servers that refuse TLS 1.2 one way or the other. */
static void
test_versions(const struct tls_trust *t)
{
	struct err e = ERR_INIT;
	int port;

	port = start_server("tls13.log", "-cert", "good.crt", "-key",
	    "good.key", "-tls1_3", "-www", NULL);
	CHECK(port > 0 && handshake(port, "localhost", t, TIMEOUT, &e, NULL,
	    NULL) < 0 && strcmp(e.msg, "server sent TLS alert 70 (protocol "
	    "version)") == 0, "TLS 1.3-only server: %s", e.msg);
	port = start_server("tls11.log", "-cert", "good.crt", "-key",
	    "good.key", "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0", "-www",
	    NULL);
	if (port < 0) {
		printf("skip - TLS 1.1-only server: this openssl cannot run "
		    "one\n");
		return;
	}
	CHECK(handshake(port, "localhost", t, TIMEOUT, &e, NULL, NULL) < 0 &&
	    strcmp(e.msg, "server does not support TLS 1.2") == 0,
	    "TLS 1.1-only server: %s", e.msg);
}

static void
test_handshakes(void)
{
	struct tls_trust ca = { 0 }, other = { 0 }, self = { 0 }, none = { 0 };
	struct err e = ERR_INIT;
	int www, rev, expired, future, wrong, sni, legacy, direct;

	tls_trust_add_file(&ca, P("ca.crt"), &e);
	tls_trust_add_file(&other, P("other.crt"), &e);
	tls_trust_add_file(&self, P("self.crt"), &e);

	www = start_server("www.log", "-cert", "good.crt", "-key", "good.key",
	    "-www", NULL);
	rev = start_server("rev.log", "-cert", "good.crt", "-key", "good.key",
	    "-rev", NULL);
	expired = start_server("expired.log", "-cert", "expired.crt", "-key",
	    "expired.key", "-www", NULL);
	future = start_server("future.log", "-cert", "future.crt", "-key",
	    "future.key", "-www", NULL);
	wrong = start_server("wrong.log", "-cert", "wrong.crt", "-key",
	    "wrong.key", "-www", NULL);
	sni = start_server("sni.log", "-cert", "good.crt", "-key", "good.key",
	    "-servername", "sni.test", "-cert2", "sni.crt", "-key2", "sni.key",
	    "-servername_fatal", "-www", NULL);
	legacy = start_server("legacy.log", "-cert", "legacy.crt", "-key",
	    "legacy.key", "-www", NULL);
	direct = start_server("direct.log", "-cert", "self.crt", "-key",
	    "self.key", "-www", NULL);
	if (www < 0 || rev < 0 || expired < 0 || future < 0 || wrong < 0 ||
	    sni < 0 || legacy < 0 || direct < 0) {
		CHECK(0, "start openssl s_server (see %s/*.log)", tmp);
		goto out;
	}

	test_www(www, &ca);
	test_rev(rev, &ca);
	CHECK(handshake(www, "localhost", &other, TIMEOUT, &e, NULL, NULL) < 0
	    && strcmp(e.msg, "certificate signed by unknown authority") == 0,
	    "unknown CA: %s", e.msg);
	CHECK(handshake(www, "localhost", &none, TIMEOUT, &e, NULL, NULL) < 0
	    && strcmp(e.msg, "certificate signed by unknown authority") == 0,
	    "no anchors at all: %s", e.msg);
	CHECK(handshake(www, "127.0.0.1", &other, TIMEOUT, &e, NULL, NULL) < 0
	    && strcmp(e.msg, "certificate signed by unknown authority") == 0,
	    "IP literal with unknown CA: %s", e.msg);
	CHECK(handshake(expired, "localhost", &ca, TIMEOUT, &e, NULL, NULL) < 0
	    && strcmp(e.msg, "certificate has expired or is not yet valid")
	    == 0, "expired certificate: %s", e.msg);
	CHECK(handshake(future, "localhost", &ca, TIMEOUT, &e, NULL, NULL) < 0
	    && strcmp(e.msg, "certificate has expired or is not yet valid")
	    == 0, "not yet valid certificate: %s", e.msg);
	CHECK(handshake(wrong, "localhost", &ca, TIMEOUT, &e, NULL, NULL) < 0
	    && strcmp(e.msg, "certificate is not valid for localhost") == 0,
	    "wrong name: %s", e.msg);
	CHECK(handshake(wrong, "127.0.0.1", &ca, TIMEOUT, &e, NULL, NULL) < 0
	    && strcmp(e.msg, "certificate is not valid for 127.0.0.1") == 0,
	    "IP literal absent from the certificate: %s", e.msg);
	CHECK(handshake(www, "127.0.0.2", &ca, TIMEOUT, &e, NULL, NULL) < 0
	    && strcmp(e.msg, "certificate is not valid for 127.0.0.2") == 0,
	    "other IP literal: %s", e.msg);
	CHECK(handshake(www, "LOCALHOST", &ca, TIMEOUT, &e, NULL, NULL) == 0,
	    "host names match case-insensitively: %s", e.msg);
	CHECK(handshake(www, "localhost.", &ca, TIMEOUT, &e, NULL, NULL) == 0,
	    "a trailing dot is ignored: %s", e.msg);
	CHECK(handshake(sni, "sni.test", &ca, TIMEOUT, &e, NULL, NULL) == 0,
	    "SNI sent: the server picked the sni.test certificate: %s",
	    e.msg);
	CHECK(handshake(sni, "localhost", &ca, TIMEOUT, &e, NULL, NULL) < 0
	    && strcmp(e.msg, "server sent TLS alert 112 (unrecognized name)")
	    == 0, "SNI mismatch refused by the server: %s", e.msg);
	CHECK(handshake(sni, "127.0.0.1", &ca, TIMEOUT, &e, NULL, NULL) == 0,
	    "no SNI for an IP literal: %s", e.msg);
	CHECK(handshake(legacy, "127.0.0.1", &ca, TIMEOUT, &e, NULL, NULL) == 0,
	    "IP literal in a dNSName (legacy test cert): %s", e.msg);
	CHECK(handshake(direct, "localhost", &self, TIMEOUT, &e, NULL, NULL)
	    == 0, "self-signed non-CA certificate trusted directly: %s",
	    e.msg);
	CHECK(handshake(direct, "localhost", &ca, TIMEOUT, &e, NULL, NULL) < 0
	    && strcmp(e.msg, "certificate signed by unknown authority") == 0,
	    "self-signed certificate not in the trust set: %s", e.msg);
	CHECK(handshake(www, "", &ca, TIMEOUT, &e, NULL, NULL) < 0 &&
	    has(&e, "invalid TLS server name"), "empty server name: %s",
	    e.msg);
	test_versions(&ca);
	test_trust_certs_d(www);
	test_plain_servers(&ca);
out:
	stop_children();
	tls_trust_free(&ca);
	tls_trust_free(&other);
	tls_trust_free(&self);
}

int
main(void)
{
	char cmd[PATH_MAX + 16];
	const char *base = getenv("TMPDIR");

	signal(SIGPIPE, SIG_IGN);
	test_basics();
	test_fixtures();

	if (system("openssl version >/dev/null 2>&1") != 0) {
		printf("skip - handshakes and file tests: openssl CLI not "
		    "installed\n");
		return check_done();
	}
	snprintf(tmp, sizeof(tmp), "%s/rocker-tls.XXXXXX",
	    base && *base ? base : "/tmp");
	if (!mkdtemp(tmp)) {
		CHECK(0, "mkdtemp %s", tmp);
		return check_done();
	}
	if (sh(gen_script) != 0) {
		CHECK(0, "generate test certificates (see %s/openssl.log)",
		    tmp);
	} else {
		test_trust_files();
		test_trust_system();
		test_ip_match();
		test_handshakes();
	}
	stop_children();
	if (getenv("ROCKER_KEEP_TMP")) {
		printf("kept %s (ROCKER_KEEP_TMP)\n", tmp);
	} else {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
		if (system(cmd) != 0)
			printf("warning: could not remove %s\n", tmp);
	}
	return check_done();
}

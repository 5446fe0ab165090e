/* http_test.c - core/http and core/conn against scripted servers on
 * 127.0.0.1: framing, keep-alive, stale-connection retry, redirects and
 * credentials, SSRF refusal, timeouts, limits, proxies, NO_PROXY; response
 * parsing from memory; Content-Range, Retry-After and HTTP dates.
 *
 * Each server is a child process forked by the test: it listens on a
 * random port, reads requests, answers from a script, and writes what it
 * received into a pipe the test reads once the child has exited.
 */

#define _GNU_SOURCE	/* strcasestr */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "conn.h"
#include "http.h"
#include "tls.h"

/*
 * Stand-ins for core/tls.c while it is not linked in: weak, so the real
 * functions win once it is. Every handshake fails with "TLS stub", which
 * the HTTPS tests take as the sign to skip.
 */
__attribute__((weak)) void
tls_trust_init(struct tls_trust *t)
{
	memset(t, 0, sizeof(*t));
}

__attribute__((weak)) void
tls_trust_free(struct tls_trust *t)
{
	memset(t, 0, sizeof(*t));
}

__attribute__((weak)) int
tls_trust_add_system(struct tls_trust *t, struct err *e)
{
	(void)t;
	(void)e;
	return 0;
}

__attribute__((weak)) int
tls_trust_add_file(struct tls_trust *t, const char *path, struct err *e)
{
	(void)t;
	return err_set(e, ERR_GENERIC, "TLS stub: cannot load %s", path);
}

__attribute__((weak)) struct tls_conn *
tls_new(struct err *e)
{
	static char dummy;

	(void)e;
	return (struct tls_conn *)&dummy;
}

__attribute__((weak)) int
tls_handshake(struct tls_conn *c, int fd, const char *servername,
    const struct tls_trust *trust, int timeout_ms, struct err *e)
{
	(void)c;
	(void)fd;
	(void)trust;
	(void)timeout_ms;
	return err_set(e, ERR_GENERIC, "TLS stub: no handshake with %s",
	    servername);
}

__attribute__((weak)) ssize_t
tls_read(struct tls_conn *c, void *buf, size_t len, struct err *e)
{
	(void)c;
	(void)buf;
	(void)len;
	return err_set(e, ERR_GENERIC, "TLS stub");
}

__attribute__((weak)) int
tls_write_all(struct tls_conn *c, const void *buf, size_t len,
    struct err *e)
{
	(void)c;
	(void)buf;
	(void)len;
	return err_set(e, ERR_GENERIC, "TLS stub");
}

__attribute__((weak)) void
tls_close(struct tls_conn *c)
{
	(void)c;
}

/* --- scripted servers --- */

enum act {
	END,		/* end of the script */
	KEEP,		/* send, then wait for the next request on this conn */
	CLOSE,		/* send, then close the connection */
	DROP,		/* send nothing, close the connection */
	STALL,		/* send, then wait until the client goes away (3 s) */
};

struct reply {
	const char *bytes;
	enum act act;
};

struct srv {
	pid_t pid;
	int port;
	int lfd;
	int logfd;
	char log[65536];
};

static struct http_client cl;

static int
wait_in(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, ms) > 0;
}

static void
put(int fd, const char *s, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, s, n);
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* Read one request (head and Content-Length body); 0 at EOF. */
static ssize_t
read_request(int fd, char *buf, size_t cap)
{
	size_t len = 0, want;
	char *end, *p;
	ssize_t n;
	long cl_len = 0;

	for (;;) {
		buf[len] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")))
			break;
		if (len + 1 >= cap || !wait_in(fd, 3000))
			return -1;
		n = read(fd, buf + len, cap - 1 - len);
		if (n <= 0)
			return len ? -1 : 0;
		len += (size_t)n;
	}
	p = strcasestr(buf, "\r\nContent-Length:");
	if (p && p < end)
		cl_len = atol(p + 17);
	want = (size_t)(end + 4 - buf) + (size_t)cl_len;
	while (len < want && len + 1 < cap) {
		if (!wait_in(fd, 3000))
			return -1;
		n = read(fd, buf + len, cap - 1 - len);
		if (n <= 0)
			return -1;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

static int
accept_within(int lfd, int ms)
{
	if (!wait_in(lfd, ms))
		return -1;
	return accept(lfd, NULL, NULL);
}

/*
 * The child: answer requests from `script` in order, whichever connection
 * they come on, and log each as "[Cn] request" (n counts connections
 * accepted) to `logfd`.
 */
static void
serve(int lfd, int logfd, const struct reply *script)
{
	enum { MAXC = 16 };
	static char req[65536], line[65536 + 32];
	struct pollfd p[MAXC + 1];
	int fd[MAXC], id[MAXC], nc = 0, conns = 0, i, k, o, cur;
	ssize_t n = 0;

	signal(SIGPIPE, SIG_IGN);
	alarm(15);
	for (i = 0; script[i].act != END; i++) {
		for (cur = -1; cur < 0;) {
			p[0].fd = lfd;
			p[0].events = POLLIN;
			for (k = 0; k < nc; k++) {
				p[k + 1].fd = fd[k];
				p[k + 1].events = POLLIN;
			}
			if (poll(p, (nfds_t)nc + 1, 3000) <= 0) {
				put(logfd, "[no request]\n", 13);
				goto out;
			}
			for (k = 0; k < nc && cur < 0; k++) {
				if (!p[k + 1].revents)
					continue;
				n = read_request(fd[k], req, sizeof(req));
				if (n > 0) {
					cur = k;
					break;
				}
				/* The client closed it (or sent garbage). */
				close(fd[k]);
				fd[k] = fd[nc - 1];
				id[k] = id[nc - 1];
				p[k + 1] = p[nc];
				nc--;
				k--;
			}
			if (cur < 0 && (p[0].revents & POLLIN) && nc < MAXC) {
				fd[nc] = accept(lfd, NULL, NULL);
				if (fd[nc] >= 0)
					id[nc++] = ++conns;
			}
		}
		o = snprintf(line, sizeof(line), "[C%d] ", id[cur]);
		for (k = 0; k < n; k++)
			if (req[k] != '\r')
				line[o++] = req[k];
		line[o++] = '\n';
		put(logfd, line, (size_t)o);
		if (script[i].bytes && script[i].act != DROP)
			put(fd[cur], script[i].bytes, strlen(script[i].bytes));
		if (script[i].act == STALL)
			wait_in(fd[cur], 3000);
		if (script[i].act != KEEP) {
			close(fd[cur]);
			fd[cur] = fd[nc - 1];
			id[cur] = id[nc - 1];
			nc--;
		}
	}
out:
	for (k = 0; k < nc; k++)
		close(fd[k]);
	_exit(0);
}

/* Listen on a random port of 127.0.0.1 (known before any script runs). */
static void
srv_listen(struct srv *s)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(s->lfd, 16) < 0 ||
	    getsockname(s->lfd, (struct sockaddr *)&a, &len) < 0) {
		perror("srv_listen");
		exit(1);
	}
	s->port = ntohs(a.sin_port);
}

/* Fork the child serving `script` on the listener. */
static void
srv_run(struct srv *s, const struct reply *script)
{
	int p[2];

	if (pipe(p) < 0) {
		perror("pipe");
		exit(1);
	}
	fflush(stdout);
	s->pid = fork();
	if (s->pid == 0) {
		close(p[0]);
		serve(s->lfd, p[1], script);
	}
	close(s->lfd);
	close(p[1]);
	s->logfd = p[0];
}

static void
srv_start(struct srv *s, const struct reply *script)
{
	srv_listen(s);
	srv_run(s, script);
}

/* Wait for the child (killing it after 4 s) and return what it logged. */
static const char *
srv_finish(struct srv *s)
{
	size_t len = 0;
	ssize_t n;
	int i, st;

	for (i = 0; i < 400; i++) {
		if (waitpid(s->pid, &st, WNOHANG) == s->pid)
			break;
		usleep(10000);
	}
	if (i == 400) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &st, 0);
	}
	while (len + 1 < sizeof(s->log) &&
	    (n = read(s->logfd, s->log + len, sizeof(s->log) - 1 - len)) > 0)
		len += (size_t)n;
	s->log[len] = '\0';
	close(s->logfd);
	return s->log;
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle))) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static long long
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A fresh client with short timeouts and no proxy. */
static void
client_reset(void)
{
	struct err e = ERR_INIT;

	http_client_free(&cl);
	http_client_init(&cl, &e);
	cl.user_agent = "rocker/test";
	cl.timeout_ms = 2000;
	cl.connect_timeout_ms = 2000;
}

static int
get(const char *method, const char *url, const struct http_header *h,
    size_t nh, struct http_response *r, struct err *e)
{
	struct http_request req;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url;
	req.headers = h;
	req.nheaders = nh;
	err_clear(e);
	return http_do(&cl, &req, r, e);
}

/* GET `url` and read the whole body (max 1 MiB) into `body`. */
static int
fetch(const char *url, char *body, size_t cap, int *status,
    struct err *e)
{
	struct http_response r;
	char *buf;
	size_t len;
	int rc = -1;

	body[0] = '\0';
	if (get("GET", url, NULL, 0, &r, e))
		return -1;
	*status = r.status;
	if (http_read_all(&r, 1 << 20, &buf, &len, e) == 0) {
		snprintf(body, cap, "%s", buf);
		free(buf);
		rc = 0;
	}
	http_response_free(&r);
	return rc;
}

static char *
url_of(const struct srv *s, const char *path)
{
	static char buf[8][256];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "http://127.0.0.1:%d%s", s->port,
	    path);
	return buf[i];
}

/* --- responses from memory --- */

/*
 * Parse `raw` as a response to `method` and read its body (cap `max`)
 * through a reader giving `step` bytes at a time. Returns 0 with the body
 * in *body (caller frees), or -1 with `e`.
 */
static int
parse_mem(const char *raw, size_t rawlen, const char *method, size_t step,
    size_t max, struct http_response *r, char **body, size_t *len,
    struct err *e)
{
	static struct io_mem t;
	struct reader src;

	io_mem_reader(&t, raw, rawlen ? rawlen : strlen(raw), &src);
	t.max = step;	/* at most `step` bytes per read */
	*body = NULL;
	err_clear(e);
	if (http_response_parse(r, &src, method, e))
		return -1;
	return http_read_all(r, max, body, len, e);
}

static int
parse_ok(const char *raw, const char *want_body)
{
	struct http_response r;
	struct err e = ERR_INIT;
	char *body;
	size_t len;
	int ok;

	ok = parse_mem(raw, 0, "GET", 3, 1 << 20, &r, &body, &len, &e) == 0 &&
	    strcmp(body, want_body) == 0 && len == strlen(want_body);
	if (!ok)
		printf("  (%s)\n", e.msg);
	free(body);
	http_response_free(&r);
	return ok;
}

/* Parsing or reading `raw` fails with a message containing `want`. */
static int
parse_fails(const char *raw, size_t rawlen, const char *want)
{
	struct http_response r;
	struct err e = ERR_INIT;
	char *body;
	size_t len;
	int ok;

	ok = parse_mem(raw, rawlen, "GET", 7, 1 << 20, &r, &body, &len,
	    &e) == -1 && strstr(e.msg, want) != NULL;
	if (!ok)
		printf("  (got \"%s\")\n", e.msg);
	free(body);
	http_response_free(&r);
	return ok;
}

/* --- tests --- */

static void
test_content_length(void)
{
	static const struct reply script[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n"
		    "www-authenticate: Bearer realm=\"a,b\"\r\n"
		    "WWW-Authenticate:   Basic realm=x  \r\n\r\nhello", KEEP },
		{ 0, END },
	};
	struct srv s;
	struct http_response r;
	struct http_header h[] = { { "Accept", "application/json", 0 } };
	struct err e = ERR_INIT;
	const char *log, *name, *value;
	char *body = NULL;
	size_t len;

	srv_start(&s, script);
	CHECK(get("GET", url_of(&s, "/cl?x=1"), h, 1, &r, &e) == 0,
	    "GET with Content-Length: %s", e.msg);
	CHECK(r.status == 200 && strcmp(r.reason, "OK") == 0, "status 200 OK");
	CHECK(http_content_length(&r) == 5, "content length 5");
	CHECK(http_header(&r, "x-a") && strcmp(http_header(&r, "x-a"), "1")
	    == 0, "case-insensitive header lookup");
	CHECK(http_header_nth(&r, "WWW-Authenticate", 0) &&
	    strcmp(http_header_nth(&r, "WWW-Authenticate", 0),
	    "Bearer realm=\"a,b\"") == 0 &&
	    http_header_nth(&r, "WWW-Authenticate", 1) &&
	    strcmp(http_header_nth(&r, "WWW-Authenticate", 1),
	    "Basic realm=x") == 0 &&
	    !http_header_nth(&r, "WWW-Authenticate", 2),
	    "repeated WWW-Authenticate, values trimmed");
	CHECK(http_header_at(&r, 0, &name, &value) == 0 &&
	    strcmp(name, "Content-Length") == 0 &&
	    http_header_at(&r, 4, &name, &value) == -1, "fields in order");
	CHECK(http_read_all(&r, 100, &body, &len, &e) == 0 && len == 5 &&
	    strcmp(body, "hello") == 0, "body hello");
	free(body);
	http_response_free(&r);
	log = srv_finish(&s);
	CHECK(strstr(log, "[C1] GET /cl?x=1 HTTP/1.1\n") != NULL,
	    "request line with query");
	CHECK(strstr(log, "\nHost: 127.0.0.1:") && strstr(log,
	    "\nUser-Agent: rocker/test\n") && strstr(log,
	    "\nConnection: keep-alive\n") && strstr(log,
	    "\nAccept: application/json\n"), "request headers sent");
	CHECK(!strstr(log, "Content-Length"), "no Content-Length on GET");
}

static void
test_chunked(void)
{
	static const struct reply script[] = {
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "5;ext=1;q=\"x y\"\r\nhello\r\n6 \r\n world\r\n"
		    "0\r\nX-Trailer: t\r\nDigest: x\r\n\r\n", KEEP },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n"
		    "000A\r\n0123456789\r\n0\r\n\r\n", KEEP },
		{ 0, END },
	};
	struct srv s;
	struct http_response r;
	struct reader rd;
	struct err e = ERR_INIT;
	char buf[64], body[64];
	size_t len = 0;
	ssize_t n;
	int st;

	srv_start(&s, script);
	CHECK(get("GET", url_of(&s, "/chunked"), NULL, 0, &r, &e) == 0,
	    "GET chunked: %s", e.msg);
	CHECK(http_content_length(&r) == -1, "no length for chunked");
	http_body_reader(&r, &rd);
	while ((n = rd.read(rd.ctx, buf, 1, &e)) > 0 && len < 63)
		body[len++] = buf[0];
	body[len] = '\0';
	CHECK(n == 0 && strcmp(body, "hello world") == 0,
	    "chunked body through a reader, byte by byte: %s", body);
	CHECK(rd.read(rd.ctx, buf, 1, &e) == 0, "EOF again after the end");
	http_response_free(&r);
	CHECK(fetch(url_of(&s, "/chunked2"), body, sizeof(body), &st, &e) == 0
	    && strcmp(body, "0123456789") == 0,
	    "leading zeros, upper-case coding name: %s", e.msg);
	CHECK(count(srv_finish(&s), "[C1]") == 2,
	    "connection reused after a chunked body");
}

static void
test_close_delimited(void)
{
	static const struct reply script[] = {
		{ "HTTP/1.1 200 OK\r\n\r\nuntil the end", CLOSE },
		{ "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", KEEP },
		{ "HTTP/1.1 200 OK\r\nConnection: close\r\n"
		    "Content-Length: 2\r\n\r\nok", KEEP },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", KEEP },
		{ 0, END },
	};
	struct srv s;
	struct err e = ERR_INIT;
	char body[64];
	const char *log;
	int st;

	srv_start(&s, script);
	CHECK(fetch(url_of(&s, "/close"), body, sizeof(body), &st, &e) == 0 &&
	    strcmp(body, "until the end") == 0, "close-delimited body: %s",
	    e.msg);
	CHECK(fetch(url_of(&s, "/10"), body, sizeof(body), &st, &e) == 0 &&
	    strcmp(body, "ok") == 0, "HTTP/1.0 response");
	CHECK(fetch(url_of(&s, "/cc"), body, sizeof(body), &st, &e) == 0,
	    "Connection: close response");
	CHECK(fetch(url_of(&s, "/after"), body, sizeof(body), &st, &e) == 0,
	    "request after them");
	log = srv_finish(&s);
	CHECK(strstr(log, "[C2] GET /10") && strstr(log, "[C3] GET /cc") &&
	    strstr(log, "[C4] GET /after"),
	    "no reuse after close-delimited, HTTP/1.0 or Connection: close");
}

static void
test_keepalive(void)
{
	static const struct reply script[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1", KEEP },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2", KEEP },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n3", KEEP },
		{ 0, END },
	};
	struct srv s;
	struct err e = ERR_INIT;
	char body[8];
	const char *log;
	int st, ok = 1;

	srv_start(&s, script);
	ok &= fetch(url_of(&s, "/1"), body, sizeof(body), &st, &e) == 0 &&
	    body[0] == '1';
	ok &= fetch(url_of(&s, "/2"), body, sizeof(body), &st, &e) == 0 &&
	    body[0] == '2';
	ok &= fetch(url_of(&s, "/3"), body, sizeof(body), &st, &e) == 0 &&
	    body[0] == '3';
	CHECK(ok, "three requests: %s", e.msg);
	log = srv_finish(&s);
	CHECK(count(log, "[C1] GET") == 3 && !strstr(log, "[C2]"),
	    "the server saw one connection for three requests");
}

static void
test_stale(void)
{
	static const struct reply dropped[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1", KEEP },
		{ NULL, DROP },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nretry", KEEP },
		{ 0, END },
	};
	static const struct reply idle_closed[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1", CLOSE },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh", KEEP },
		{ 0, END },
	};
	static const struct reply post[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1", KEEP },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2", KEEP },
		{ NULL, DROP },
		{ 0, END },
	};
	struct srv s;
	struct http_request req;
	struct http_response r;
	struct err e = ERR_INIT;
	char body[16];
	const char *log;
	int st;

	srv_start(&s, dropped);
	fetch(url_of(&s, "/1"), body, sizeof(body), &st, &e);
	CHECK(fetch(url_of(&s, "/2"), body, sizeof(body), &st, &e) == 0 &&
	    strcmp(body, "retry") == 0,
	    "request retried after the server dropped a kept-alive "
	    "connection: %s", e.msg);
	log = srv_finish(&s);
	CHECK(strstr(log, "[C1] GET /2") && strstr(log, "[C2] GET /2"),
	    "the retry went on a fresh connection");

	srv_start(&s, idle_closed);
	fetch(url_of(&s, "/1"), body, sizeof(body), &st, &e);
	usleep(50000);
	CHECK(fetch(url_of(&s, "/2"), body, sizeof(body), &st, &e) == 0 &&
	    strcmp(body, "fresh") == 0,
	    "server closed the idle connection: new one used: %s", e.msg);
	log = srv_finish(&s);
	CHECK(strstr(log, "[C2] GET /2") && count(log, "GET /2") == 1,
	    "the closed idle connection was not written to");

	/* POST never takes a pooled connection and is never retried. */
	srv_start(&s, post);
	fetch(url_of(&s, "/1"), body, sizeof(body), &st, &e);
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = url_of(&s, "/token");
	req.body = "grant_type=password";
	req.body_len = 19;
	CHECK(http_do(&cl, &req, &r, &e) == 0 && r.status == 200,
	    "POST with a body: %s", e.msg);
	http_response_free(&r);
	err_clear(&e);
	CHECK(http_do(&cl, &req, &r, &e) == -1 &&
	    strstr(e.msg, "connection closed before response") &&
	    strstr(e.msg, "POST http://127.0.0.1:"),
	    "POST without a response fails: %s", e.msg);
	log = srv_finish(&s);
	CHECK(strstr(log, "[C2] POST /token") &&
	    strstr(log, "\nContent-Length: 19\n") &&
	    strstr(log, "\n\ngrant_type=password\n[C3]") &&
	    strstr(log, "[C3] POST /token") && count(log, "POST") == 2,
	    "POST on new connections, sent once each");
}

static void
test_redirects(void)
{
	static char ab[256], ba[256], bb[256];
	struct reply sa[3], sb[3];
	struct srv a, b;
	struct http_response r;
	struct http_header h[] = {
		{ "Authorization", "Bearer secret", 0 },
		{ "X-Registry-Token", "t0ken", 1 },
		{ "Accept", "x/y", 0 },
	};
	struct err e = ERR_INIT;
	const char *la, *lb, *back;
	char want[128];

	memset(sa, 0, sizeof(sa));
	memset(sb, 0, sizeof(sb));

	/* A -302-> B: the credentials stay behind. */
	srv_listen(&a);
	srv_listen(&b);
	snprintf(ab, sizeof(ab), "HTTP/1.1 302 Found\r\nLocation: "
	    "http://127.0.0.1:%d/b?sig=1\r\nContent-Length: 3\r\n\r\nabc",
	    b.port);
	sa[0] = (struct reply){ ab, KEEP };
	sb[0] = (struct reply){ "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n"
	    "from B", KEEP };
	srv_run(&a, sa);
	srv_run(&b, sb);
	CHECK(get("GET", url_of(&a, "/a"), h, 3, &r, &e) == 0 &&
	    r.status == 200 && r.redirects == 1 && r.url.port == b.port &&
	    strcmp(r.url.path, "/b?sig=1") == 0,
	    "302 to another port followed: %s", e.msg);
	http_response_free(&r);
	la = srv_finish(&a);
	lb = srv_finish(&b);
	CHECK(strstr(la, "\nAuthorization: Bearer secret\n") &&
	    strstr(la, "\nX-Registry-Token: t0ken\n"),
	    "the origin got the credentials");
	CHECK(!strcasestr(lb, "Authorization") && !strstr(lb, "t0ken"),
	    "Authorization and marked headers not sent to the other host");
	snprintf(want, sizeof(want), "\nHost: 127.0.0.1:%d\n", b.port);
	CHECK(strstr(lb, "[C1] GET /b?sig=1 HTTP/1.1") &&
	    strstr(lb, "\nAccept: x/y\n") && strstr(lb, want),
	    "other headers and the new Host sent");

	/* Same host: 307 with a relative Location keeps credentials. */
	sa[0] = (struct reply){ "HTTP/1.1 307 Temporary Redirect\r\n"
	    "Location: c/d\r\nContent-Length: 0\r\n\r\n", KEEP };
	sa[1] = (struct reply){ "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
	    KEEP };
	srv_start(&a, sa);
	CHECK(get("GET", url_of(&a, "/x/a"), h, 3, &r, &e) == 0 &&
	    r.status == 200 && strcmp(r.url.path, "/x/c/d") == 0,
	    "307 with a relative Location: %s", e.msg);
	http_response_free(&r);
	la = srv_finish(&a);
	CHECK(strstr(la, "[C1] GET /x/c/d") &&
	    count(la, "Authorization: Bearer secret") == 2 &&
	    count(la, "t0ken") == 2, "same-host redirect keeps credentials");

	/* A -308-> B -301-> A: not re-added when the chain comes back. */
	srv_listen(&a);
	srv_listen(&b);
	snprintf(ab, sizeof(ab), "HTTP/1.1 308 Permanent Redirect\r\n"
	    "Location: //127.0.0.1:%d/b\r\nContent-Length: 0\r\n\r\n", b.port);
	snprintf(ba, sizeof(ba), "HTTP/1.1 301 Moved Permanently\r\n"
	    "Location: http://127.0.0.1:%d/back\r\nContent-Length: 0\r\n\r\n",
	    a.port);
	sa[0] = (struct reply){ ab, KEEP };
	sa[1] = (struct reply){ "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n"
	    "back", KEEP };
	sb[0] = (struct reply){ ba, KEEP };
	srv_run(&a, sa);
	srv_run(&b, sb);
	CHECK(get("GET", url_of(&a, "/start"), h, 3, &r, &e) == 0 &&
	    r.status == 200 && r.redirects == 2 &&
	    strcmp(r.url.path, "/back") == 0, "A -> B -> A chain: %s", e.msg);
	http_response_free(&r);
	la = srv_finish(&a);
	lb = srv_finish(&b);
	back = strstr(la, "GET /back");
	CHECK(back && !strstr(back, "Authorization") &&
	    !strstr(back, "t0ken") && !strstr(lb, "Authorization") &&
	    count(la, "Authorization") == 1,
	    "credentials not re-added on the way back to the origin");

	/* A -> B -> B: neither hop at B gets them. */
	srv_listen(&b);
	snprintf(bb, sizeof(bb), "HTTP/1.1 307 Temporary Redirect\r\n"
	    "Location: http://127.0.0.1:%d/first\r\nContent-Length: 0\r\n\r\n",
	    b.port);
	sa[0] = (struct reply){ bb, KEEP };
	sa[1] = (struct reply){ 0, END };
	sb[0] = (struct reply){ "HTTP/1.1 303 See Other\r\nLocation: /final\r\n"
	    "Content-Length: 0\r\n\r\n", KEEP };
	sb[1] = (struct reply){ "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
	    KEEP };
	srv_run(&b, sb);
	srv_start(&a, sa);
	CHECK(get("GET", url_of(&a, "/start"), h, 3, &r, &e) == 0 &&
	    r.status == 200 && r.redirects == 2 &&
	    strcmp(r.url.path, "/final") == 0, "A -> B -> B chain: %s", e.msg);
	http_response_free(&r);
	la = srv_finish(&a);
	lb = srv_finish(&b);
	CHECK(strstr(la, "Authorization: Bearer secret") &&
	    strstr(lb, "[C1] GET /first") && strstr(lb, "[C1] GET /final") &&
	    !strstr(lb, "Authorization"), "no credentials on either B hop");
}

static void
test_redirect_limits(void)
{
	static const char loop[] = "HTTP/1.1 302 Found\r\nLocation: /loop\r\n"
	    "Content-Length: 0\r\n\r\n";
	struct reply script[HTTP_REDIRECTS_MAX + 2];
	struct srv s;
	struct http_request req;
	struct http_response r;
	struct err e = ERR_INIT;
	int i;

	memset(script, 0, sizeof(script));
	for (i = 0; i <= HTTP_REDIRECTS_MAX; i++)
		script[i] = (struct reply){ loop, KEEP };
	srv_start(&s, script);
	CHECK(get("GET", url_of(&s, "/loop"), NULL, 0, &r, &e) == -1 &&
	    strstr(e.msg, "too many redirects (10)") &&
	    strstr(e.msg, "GET http://127.0.0.1:"),
	    "redirect loop stops: %s", e.msg);
	CHECK(count(srv_finish(&s), "GET /loop") == HTTP_REDIRECTS_MAX + 1,
	    "10 redirects followed, then refused");

	/* POST gets the 3xx back; so does no_redirect; so does a 3xx
	 * without Location. */
	srv_start(&s, (struct reply[]){
		{ "HTTP/1.1 302 Found\r\nLocation: /x\r\n"
		    "Content-Length: 0\r\n\r\n", KEEP },
		{ "HTTP/1.1 301 Moved\r\nLocation: /x\r\n"
		    "Content-Length: 0\r\n\r\n", KEEP },
		{ "HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n", KEEP },
		{ 0, END } });
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = url_of(&s, "/p");
	CHECK(http_do(&cl, &req, &r, &e) == 0 && r.status == 302 &&
	    r.redirects == 0, "POST not redirected");
	http_response_free(&r);
	req.method = "GET";
	req.no_redirect = 1;
	CHECK(http_do(&cl, &req, &r, &e) == 0 && r.status == 301 &&
	    strcmp(http_header(&r, "Location"), "/x") == 0,
	    "no_redirect returns the 301");
	http_response_free(&r);
	CHECK(get("GET", url_of(&s, "/n"), NULL, 0, &r, &e) == 0 &&
	    r.status == 302, "302 without Location returned");
	http_response_free(&r);
	srv_finish(&s);

	/* A Location that does not parse. */
	srv_start(&s, (struct reply[]){
		{ "HTTP/1.1 302 Found\r\nLocation: ftp://x/\r\n"
		    "Content-Length: 0\r\n\r\n", KEEP }, { 0, END } });
	CHECK(get("GET", url_of(&s, "/"), NULL, 0, &r, &e) == -1 &&
	    strstr(e.msg, "redirect 302: unsupported URL scheme ftp"),
	    "redirect to ftp refused: %s", e.msg);
	srv_finish(&s);
}

static void
test_redirect_policy(void)
{
	static const struct {
		const char *from, *to;
		int origin_local, ok;
		const char *why;
	} cases[] = {
		{ "https://r/v2/", "http://r/v2/", 1, 0, "https to http" },
		{ "https://r/v2/", "http://cdn/x", 0, 0, "https to http cdn" },
		{ "http://r/v2/", "https://r/v2/", 0, 1, "http to https" },
		{ "https://r/v2/", "https://cdn.example/x?s=1", 0, 1,
		    "https to another https host" },
		{ "http://r/", "http://127.0.0.1:5000/", 0, 0,
		    "public origin to loopback" },
		{ "http://r/", "http://127.1/", 0, 0, "short loopback form" },
		{ "http://r/", "http://2130706433/", 0, 0,
		    "decimal loopback form" },
		{ "http://r/", "http://169.254.169.254/latest/meta-data/", 0, 0,
		    "public origin to link-local metadata" },
		{ "http://r/", "http://[::1]/", 0, 0, "to IPv6 loopback" },
		{ "http://r/", "http://[fe80::1]/", 0, 0,
		    "to IPv6 link-local" },
		{ "http://r/", "http://[::ffff:127.0.0.1]/", 0, 0,
		    "to IPv4-mapped loopback" },
		{ "http://r/", "http://0.0.0.0/", 0, 0, "to 0.0.0.0" },
		{ "http://r/", "http://localhost:5000/", 0, 0, "to localhost" },
		{ "http://r/", "http://x.localhost/", 0, 0, "to *.localhost" },
		{ "http://r/", "http://10.0.0.1/", 0, 1,
		    "private addresses are not loopback" },
		{ "http://127.0.0.1/", "http://127.0.0.1:5001/", 1, 1,
		    "local origin may redirect locally" },
		{ "http://r/", "http://u:p@cdn/", 0, 0, "userinfo" },
	};
	struct url from, to;
	struct err e = ERR_INIT;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err_clear(&e);
		url_parse(&from, cases[i].from, &e);
		url_parse(&to, cases[i].to, &e);
		rc = http_redirect_check(&from, &to, cases[i].origin_local, &e);
		CHECK((rc == 0) == cases[i].ok, "redirect %s: %s%s%s",
		    cases[i].ok ? "allowed" : "refused", cases[i].why,
		    e.msg[0] ? ": " : "", e.msg);
	}
	url_parse(&from, "https://r/", &e);
	url_parse(&to, "http://r/", &e);
	http_redirect_check(&from, &to, 0, &e);
	CHECK(strcmp(e.msg, "refusing redirect from https to http") == 0,
	    "https to http message");
}

/* A public-looking origin reached through a proxy redirects to loopback. */
static void
test_ssrf(void)
{
	static char to_local[256];
	struct srv p, local;
	struct http_response r;
	struct err e = ERR_INIT;
	struct conn c;
	char proxy[64];

	srv_listen(&local);
	snprintf(to_local, sizeof(to_local), "HTTP/1.1 302 Found\r\nLocation: "
	    "http://127.0.0.1:%d/admin\r\nContent-Length: 0\r\n\r\n",
	    local.port);
	srv_start(&p, (struct reply[]){ { to_local, KEEP },
		{ "HTTP/1.1 307 Temporary Redirect\r\nLocation: "
		    "http://169.254.169.254/latest/meta-data/\r\n"
		    "Content-Length: 0\r\n\r\n", KEEP }, { 0, END } });
	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", p.port);
	http_client_set_proxy(&cl, proxy, NULL, NULL, &e);
	CHECK(get("GET", "http://registry.test/v2/", NULL, 0, &r, &e) == -1 &&
	    strstr(e.msg, "refusing redirect to local address 127.0.0.1"),
	    "redirect from a remote origin to loopback refused: %s", e.msg);
	CHECK(get("GET", "http://registry.test/v2/", NULL, 0, &r, &e) == -1 &&
	    strstr(e.msg, "refusing redirect to local address 169.254."),
	    "redirect to the metadata address refused: %s", e.msg);
	srv_finish(&p);
	CHECK(!wait_in(local.lfd, 0), "nothing connected to the loopback "
	    "listener");
	close(local.lfd);
	client_reset();

	/* The connect-time guard behind it, for names resolving locally
	 * (a listener without a child: the kernel completes the connect). */
	srv_listen(&local);
	CHECK(conn_open(&c, "127.0.0.1", local.port, 1000, 1000, CONN_NO_LOCAL,
	    &e) == -1 && strstr(e.msg, "refusing to connect to local address "
	    "127.0.0.1"), "CONN_NO_LOCAL refuses 127.0.0.1: %s", e.msg);
	CHECK(conn_open(&c, "localhost", local.port, 1000, 1000, CONN_NO_LOCAL,
	    &e) == -1 && strstr(e.msg, "refusing to connect to local address"),
	    "CONN_NO_LOCAL refuses a name resolving to loopback: %s", e.msg);
	CHECK(conn_open(&c, "127.0.0.1", local.port, 1000, 1000, 0, &e) == 0 &&
	    strcmp(c.addr, "127.0.0.1") == 0 &&
	    conn_addr_is_local((struct sockaddr *)&c.peer),
	    "without the flag it connects: %s", e.msg);
	conn_close(&c);
	conn_close(&c);
	close(local.lfd);
}

static void
test_local_addresses(void)
{
	static const struct {
		const char *host;
		int local;
	} cases[] = {
		{ "127.0.0.1", 1 }, { "127.255.0.9", 1 }, { "127.1", 1 },
		{ "0.0.0.0", 1 }, { "169.254.169.254", 1 }, { "::1", 1 },
		{ "::", 1 }, { "fe80::1", 1 }, { "::ffff:127.0.0.1", 1 },
		{ "::ffff:169.254.1.1", 1 }, { "localhost", 1 },
		{ "LocalHost", 1 }, { "a.localhost", 1 },
		{ "10.0.0.1", 0 }, { "192.168.1.1", 0 }, { "8.8.8.8", 0 },
		{ "2001:db8::1", 0 }, { "::ffff:8.8.8.8", 0 },
		{ "localhost.example", 0 }, { "notlocalhost", 0 },
		{ "registry-1.docker.io", 0 }, { "169.255.0.1", 0 },
		{ "128.0.0.1", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(conn_host_is_local(cases[i].host) == cases[i].local,
		    "%s is %slocal", cases[i].host,
		    cases[i].local ? "" : "not ");
}

static void
test_timeouts(void)
{
	struct srv s;
	struct http_response r;
	struct err e = ERR_INIT;
	char *body = NULL, want[128];
	size_t len;
	long long t0;

	srv_start(&s, (struct reply[]){ { NULL, STALL },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789",
		    STALL }, { 0, END } });
	cl.timeout_ms = 300;
	t0 = ms_now();
	snprintf(want, sizeof(want), "GET http://127.0.0.1:%d/slow: timed out "
	    "after 300 ms", s.port);
	CHECK(get("GET", url_of(&s, "/slow"), NULL, 0, &r, &e) == -1 &&
	    strcmp(e.msg, want) == 0 && e.code == ETIMEDOUT,
	    "silent server: %s", e.msg);
	CHECK(ms_now() - t0 < 1500, "timed out promptly");
	CHECK(get("GET", url_of(&s, "/stall"), NULL, 0, &r, &e) == 0,
	    "headers of a stalling body: %s", e.msg);
	CHECK(http_read_all(&r, 1000, &body, &len, &e) == -1 &&
	    strstr(e.msg, "/stall: timed out after 300 ms"),
	    "body stall times out: %s", e.msg);
	CHECK(http_read(&r, want, 1, &e) == -1 && strstr(e.msg, "timed out"),
	    "the error is sticky");
	http_response_free(&r);
	srv_finish(&s);
	cl.timeout_ms = 2000;
}

static void
test_connect_errors(void)
{
	struct http_response r;
	struct srv s;
	struct err e = ERR_INIT;
	char want[128];
	int port;

	/* A port that was just free: nothing listens there. */
	srv_listen(&s);
	port = s.port;
	close(s.lfd);
	snprintf(want, sizeof(want), "GET http://127.0.0.1:%d/v2/: connect "
	    "127.0.0.1:%d: ", port, port);
	CHECK(get("GET", url_of(&s, "/v2/"), NULL, 0, &r, &e) == -1 &&
	    strncmp(e.msg, want, strlen(want)) == 0 &&
	    e.code == ECONNREFUSED, "connection refused: %s", e.msg);
	CHECK(get("GET", "http://[::1]:1/", NULL, 0, &r, &e) == -1 &&
	    strstr(e.msg, "connect [::1]:1: "), "IPv6 literal named: %s",
	    e.msg);
}

static void
test_limits(void)
{
	static char big[80 * 1024], many[400 * 16], line[70 * 1024];
	struct srv s;
	struct http_response r;
	struct err e = ERR_INIT;
	size_t n;
	int i;

	n = (size_t)snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\n");
	for (i = 0; n + 100 < 70 * 1024; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "X-Filler-%d: "
		    "%0600d\r\n", i, i);
	memcpy(big + n, "\r\n", 3);
	n = (size_t)snprintf(many, sizeof(many), "HTTP/1.1 200 OK\r\n");
	for (i = 0; i < 300; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "X-%d: 1\r\n",
		    i);
	memcpy(many + n, "\r\n", 3);
	memcpy(line, "HTTP/1.1 200 OK\r\nX: ", 20);
	memset(line + 20, 'a', sizeof(line) - 21);
	srv_start(&s, (struct reply[]){ { big, CLOSE }, { many, CLOSE },
		{ line, CLOSE }, { "HTTP/1.1 200 OK\r\n"
		    "Content-Length: 10000000\r\n\r\n", STALL }, { 0, END } });
	CHECK(get("GET", url_of(&s, "/big"), NULL, 0, &r, &e) == -1 &&
	    strstr(e.msg, "response headers exceed 64 KiB") &&
	    e.code == ERR_LIMIT, "70 KiB of headers refused: %s", e.msg);
	CHECK(get("GET", url_of(&s, "/many"), NULL, 0, &r, &e) == -1 &&
	    strstr(e.msg, "more than 256 response header lines"),
	    "300 header lines refused: %s", e.msg);
	CHECK(get("GET", url_of(&s, "/line"), NULL, 0, &r, &e) == -1 &&
	    strstr(e.msg, "response headers exceed 64 KiB"),
	    "one 70 KiB line refused: %s", e.msg);
	CHECK(get("GET", url_of(&s, "/huge"), NULL, 0, &r, &e) == 0,
	    "huge Content-Length: headers fine");
	{
		long long t0 = ms_now();
		char *body = NULL;
		size_t len;

		CHECK(http_read_all(&r, 1 << 20, &body, &len, &e) == -1 &&
		    e.code == ERR_LIMIT && strstr(e.msg, "body of 10000000 "
		    "bytes exceeds 1048576 bytes") && !body,
		    "Content-Length over the cap refused before reading: %s",
		    e.msg);
		CHECK(ms_now() - t0 < 500, "without waiting for the body");
	}
	http_response_free(&r);
	srv_finish(&s);
}

static void
test_malformed(void)
{
	struct srv s;
	struct http_response r;
	struct err e = ERR_INIT;

	srv_start(&s, (struct reply[]){ { "HTTP/1.1 OK 200\r\n\r\n", CLOSE },
		{ "SSH-2.0-OpenSSH_9.2\r\n", CLOSE },
		{ "", CLOSE }, { 0, END } });
	CHECK(get("GET", url_of(&s, "/"), NULL, 0, &r, &e) == -1 &&
	    strstr(e.msg, ": malformed status line \"HTTP/1.1 OK 200\""),
	    "malformed status line over a socket: %s", e.msg);
	CHECK(get("GET", url_of(&s, "/"), NULL, 0, &r, &e) == -1 &&
	    strstr(e.msg, "malformed status line \"SSH-2.0"),
	    "not HTTP at all: %s", e.msg);
	CHECK(get("GET", url_of(&s, "/"), NULL, 0, &r, &e) == -1 &&
	    strstr(e.msg, "connection closed before response"),
	    "empty reply on a fresh connection: %s", e.msg);
	srv_finish(&s);

	CHECK(parse_ok("HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nx", "x"),
	    "status line without reason");
	CHECK(parse_ok("HTTP/1.1 200 \r\nContent-Length: 1\r\n\r\nx", "x"),
	    "empty reason");
	CHECK(parse_ok("HTTP/1.1 200 OK\nContent-Length: 1\n\nx", "x"),
	    "bare LF line ends");
	CHECK(parse_ok("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early "
	    "Hints\r\nLink: x\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	    "\r\nok", "ok"), "interim responses skipped");
	CHECK(parse_ok("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n"
	    "Content-Length: 3\r\n\r\nabc", "abc"),
	    "repeated equal Content-Length");
	CHECK(parse_ok("HTTP/1.1 200 OK\r\nX: caf\xc3\xa9\t\r\n"
	    "Content-Length: 0\r\n\r\n", ""), "obs-text in a value");
	CHECK(parse_ok("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 99\r\n\r\n3\r\nabc\r\n0\r\n\r\n", "abc"),
	    "chunked wins over Content-Length");
	CHECK(parse_ok("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n"
	    "Content-Length: 2\r\n\r\nab", "ab"), "identity coding ignored");

	CHECK(parse_fails("HTTP/1.1 20 OK\r\n\r\n", 0, "malformed status"),
	    "two-digit status");
	CHECK(parse_fails("HTTP/1.1 099 X\r\n\r\n", 0, "malformed status"),
	    "status below 100");
	CHECK(parse_fails("HTTP/1.1 2000 OK\r\n\r\n", 0, "malformed status"),
	    "four-digit status");
	CHECK(parse_fails("HTTP/1.1  200 OK\r\n\r\n", 0, "malformed status"),
	    "double space");
	CHECK(parse_fails("http/1.1 200 OK\r\n\r\n", 0, "malformed status"),
	    "lower-case version");
	CHECK(parse_fails("HTTP/2 200\r\n\r\n", 0, "unsupported HTTP version"),
	    "HTTP/2");
	CHECK(parse_fails("HTTP/1.2 200 OK\r\n\r\n", 0,
	    "unsupported HTTP version"), "HTTP/1.2");
	CHECK(parse_fails("ICY 200 OK\r\n\r\n", 0, "malformed status"),
	    "not HTTP");
	CHECK(parse_fails("HTTP/1.1 200 O\x01K\r\n\r\n", 0,
	    "malformed status"), "control character in reason");
	CHECK(parse_fails("HTTP/1.1 200 OK\r\nNo colon\r\n\r\n", 0,
	    "malformed header line"), "header without colon");
	CHECK(parse_fails("HTTP/1.1 200 OK\r\nName : v\r\n\r\n", 0,
	    "malformed header line"), "space before colon");
	CHECK(parse_fails("HTTP/1.1 200 OK\r\n: v\r\n\r\n", 0,
	    "malformed header line"), "empty name");
	CHECK(parse_fails("HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n", 0,
	    "obsolete line folding"), "folded header");
	CHECK(parse_fails("HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n", 0, "bare CR"),
	    "bare CR");
	CHECK(parse_fails("HTTP/1.1 200 OK\r\nA: b\0c\r\n\r\n", 30,
	    "NUL byte"), "NUL in a header");
	CHECK(parse_fails("HTTP/1.1 200 OK\r\nA: b\x7f\r\n\r\n", 0,
	    "control character in header A"), "DEL in a value");
	CHECK(parse_fails("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
	    "Content-Length: 6\r\n\r\nhello", 0, "bad Content-Length"),
	    "conflicting Content-Length");
	CHECK(parse_fails("HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n",
	    0, "bad Content-Length"), "conflicting Content-Length list");
	CHECK(parse_fails("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0,
	    "bad Content-Length"), "negative Content-Length");
	CHECK(parse_fails("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n", 0,
	    "bad Content-Length"), "signed Content-Length");
	CHECK(parse_fails("HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n",
	    0, "bad Content-Length"), "Content-Length not digits");
	CHECK(parse_fails("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", 0,
	    "bad Content-Length"), "empty Content-Length");
	CHECK(parse_fails("HTTP/1.1 200 OK\r\nContent-Length: "
	    "99999999999999999999\r\n\r\n", 0, "bad Content-Length"),
	    "Content-Length overflow");
	CHECK(parse_fails("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, "
	    "chunked\r\n\r\n", 0, "unsupported transfer coding gzip"),
	    "gzip transfer coding");
	CHECK(parse_fails("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 0, "bad Transfer-Encoding"),
	    "chunked twice");
	CHECK(parse_fails("HTTP/1.1 101 Switching Protocols\r\n\r\n", 0,
	    "unexpected 101"), "101");
	CHECK(parse_fails("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 C\r\n\r\n"
	    "HTTP/1.1 100 C\r\n\r\nHTTP/1.1 100 C\r\n\r\nHTTP/1.1 100 C\r\n\r\n"
	    "HTTP/1.1 100 C\r\n\r\nHTTP/1.1 100 C\r\n\r\nHTTP/1.1 100 C\r\n\r\n"
	    "HTTP/1.1 100 C\r\n\r\nHTTP/1.1 100 C\r\n\r\nHTTP/1.1 100 C\r\n\r\n"
	    "HTTP/1.1 100 C\r\n\r\nHTTP/1.1 100 C\r\n\r\nHTTP/1.1 100 C\r\n\r\n"
	    "HTTP/1.1 100 C\r\n\r\nHTTP/1.1 100 C\r\n\r\n"
	    "HTTP/1.1 100 C\r\n\r\n", 0, "too many interim"),
	    "interim flood");
	CHECK(parse_fails("", 0, "connection closed before response"),
	    "empty stream");
	CHECK(parse_fails("HTTP/1.1 200 OK\r\nA: b", 0,
	    "connection closed in response headers"), "truncated headers");
	CHECK(parse_fails("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
	    "abcd", 0, "connection closed after 4 of 10 body bytes"),
	    "truncated body");
}

static void
test_chunk_sizes(void)
{
	static char ext[6000];
	static const struct {
		const char *body, *err, *why;
	} bad[] = {
		{ "zz\r\n", "bad chunk size", "not hex" },
		{ "-1\r\n", "bad chunk size", "negative" },
		{ "\r\n", "bad chunk size", "empty" },
		{ " 5\r\nhello\r\n0\r\n\r\n", "bad chunk size",
		    "leading space" },
		{ "0x5\r\nhello\r\n0\r\n\r\n", "bad chunk size", "0x prefix" },
		{ "5x\r\nhello\r\n0\r\n\r\n", "bad chunk size", "junk after" },
		{ "+5\r\nhello\r\n0\r\n\r\n", "bad chunk size", "plus sign" },
		{ "10000000000000000\r\n", "bad chunk size", "2^64" },
		{ "ffffffffffffffff\r\n", "bad chunk size", "2^64 - 1" },
		{ "5\r\nhelloX\r\n0\r\n\r\n", "bad chunk terminator",
		    "data longer than its size" },
		{ "5\r\nhel", "connection closed in chunked body",
		    "truncated data" },
		{ "5\r\nhello\r\n", "connection closed in chunked body",
		    "no last chunk" },
		{ "0\r\nTrailer: x\r\n", "connection closed in chunked body",
		    "truncated trailers" },
		{ "5", "connection closed in chunked body", "truncated size" },
	};
	char raw[8000];
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(raw, sizeof(raw), "HTTP/1.1 200 OK\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n%s", bad[i].body);
		CHECK(parse_fails(raw, 0, bad[i].err), "chunked: %s refused",
		    bad[i].why);
	}
	CHECK(parse_ok("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "A\r\n0123456789\r\na;x\r\nabcdefghij\r\n0;last=1\r\n\r\n",
	    "0123456789abcdefghij"), "hex digits of both cases, extensions");
	CHECK(parse_fails("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n7ffffffffffffff\r\n", 0, "connection closed in chunked body"),
	    "a huge chunk size is taken (then the stream ends)");
	n = (size_t)snprintf(ext, sizeof(ext), "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n1;");
	memset(ext + n, 'e', 5000);
	memcpy(ext + n + 5000, "\r\nx\r\n0\r\n\r\n", 11);
	CHECK(parse_fails(ext, 0, "chunk size line too long"),
	    "chunk extension over 4 KiB refused");
}

static void
test_read_all(void)
{
	static char chunked[8000], closed[4000];
	struct http_response r;
	struct err e = ERR_INIT;
	char *body;
	size_t n, len;
	int i;

	n = (size_t)snprintf(chunked, sizeof(chunked), "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n");
	for (i = 0; i < 3; i++) {
		n += (size_t)snprintf(chunked + n, sizeof(chunked) - n,
		    "3e8\r\n");
		memset(chunked + n, 'a' + i, 1000);
		n += 1000;
		n += (size_t)snprintf(chunked + n, sizeof(chunked) - n, "\r\n");
	}
	snprintf(chunked + n, sizeof(chunked) - n, "0\r\n\r\n");
	CHECK(parse_mem(chunked, 0, "GET", 4096, 2500, &r, &body, &len, &e)
	    == -1 && e.code == ERR_LIMIT && strstr(e.msg, "body exceeds "
	    "2500 bytes") && !body, "chunked body growing past the cap: %s",
	    e.msg);
	http_response_free(&r);
	CHECK(parse_mem(chunked, 0, "GET", 4096, 3000, &r, &body, &len, &e)
	    == 0 && len == 3000 && body[2999] == 'c' && body[3000] == '\0',
	    "chunked body of exactly the cap: %s", e.msg);
	free(body);
	http_response_free(&r);
	CHECK(parse_mem(chunked, 0, "GET", 4096, 1, &r, &body, &len, &e)
	    == -1 && e.code == ERR_LIMIT, "cap of 1 byte");
	http_response_free(&r);

	n = (size_t)snprintf(closed, sizeof(closed), "HTTP/1.1 200 OK\r\n\r\n");
	memset(closed + n, 'z', 3000);
	closed[n + 3000] = '\0';
	CHECK(parse_mem(closed, 0, "GET", 100, 2999, &r, &body, &len, &e) ==
	    -1 && e.code == ERR_LIMIT, "close-delimited body over the cap");
	http_response_free(&r);
	CHECK(parse_mem(closed, 0, "GET", 100, 3000, &r, &body, &len, &e) ==
	    0 && len == 3000, "close-delimited body at the cap");
	free(body);
	http_response_free(&r);
	CHECK(parse_mem("HTTP/1.1 200 OK\r\nContent-Length: 3001\r\n\r\n", 0,
	    "GET", 100, 3000, &r, &body, &len, &e) == -1 &&
	    strstr(e.msg, "body of 3001 bytes exceeds 3000 bytes"),
	    "Content-Length one over the cap");
	http_response_free(&r);
	CHECK(parse_mem("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0,
	    "GET", 100, 0, &r, &body, &len, &e) == 0 && len == 0 &&
	    body && body[0] == '\0', "empty body with a cap of 0");
	free(body);
	http_response_free(&r);
	CHECK(parse_mem("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0,
	    "HEAD", 100, 0, &r, &body, &len, &e) == 0 && len == 0,
	    "HEAD reads an empty body");
	free(body);
	http_response_free(&r);
}

static void
test_no_body(void)
{
	struct srv s;
	struct http_response r;
	struct err e = ERR_INIT;
	char buf[8];
	const char *log;

	srv_start(&s, (struct reply[]){
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n"
		    "Docker-Content-Digest: sha256:x\r\n\r\n", KEEP },
		{ "HTTP/1.1 204 No Content\r\n\r\n", KEEP },
		{ "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n",
		    KEEP },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", KEEP },
		{ 0, END } });
	CHECK(get("HEAD", url_of(&s, "/blob"), NULL, 0, &r, &e) == 0 &&
	    r.status == 200 && http_content_length(&r) == 1234 &&
	    http_read(&r, buf, sizeof(buf), &e) == 0,
	    "HEAD: length known, no body: %s", e.msg);
	http_response_free(&r);
	CHECK(get("DELETE", url_of(&s, "/x"), NULL, 0, &r, &e) == 0 &&
	    r.status == 204 && http_read(&r, buf, sizeof(buf), &e) == 0,
	    "204 has no body");
	http_response_free(&r);
	CHECK(get("GET", url_of(&s, "/y"), NULL, 0, &r, &e) == 0 &&
	    r.status == 304 && http_read(&r, buf, sizeof(buf), &e) == 0,
	    "304 has no body despite Content-Length");
	http_response_free(&r);
	CHECK(get("GET", url_of(&s, "/z"), NULL, 0, &r, &e) == 0 &&
	    http_read(&r, buf, sizeof(buf), &e) == 2, "then a body again");
	http_response_free(&r);
	log = srv_finish(&s);
	CHECK(count(log, "[C1]") == 4 && strstr(log, "[C1] HEAD /blob"),
	    "all on one connection");
}

static void
test_abandon(void)
{
	static char big[300 * 1024];
	struct srv s;
	struct http_response r;
	struct err e = ERR_INIT;
	char buf[16];
	const char *log;
	size_t n;

	n = (size_t)snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\n"
	    "Content-Length: %d\r\n\r\n", 200 * 1024);
	memset(big + n, 'b', 200 * 1024);
	big[n + 200 * 1024] = '\0';
	srv_start(&s, (struct reply[]){
		{ "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n"
		    "0123456789012345678901234567890123456789012345678\n",
		    KEEP },
		{ big, KEEP },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", KEEP },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n",
		    KEEP },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\ny", KEEP },
		{ 0, END } });
	CHECK(get("GET", url_of(&s, "/small"), NULL, 0, &r, &e) == 0,
	    "small body");
	http_response_free(&r);
	CHECK(get("GET", url_of(&s, "/big"), NULL, 0, &r, &e) == 0 &&
	    http_read(&r, buf, 10, &e) == 10, "big body, 10 bytes read");
	http_response_free(&r);
	CHECK(get("GET", url_of(&s, "/after"), NULL, 0, &r, &e) == 0,
	    "request after abandoning: %s", e.msg);
	http_response_free(&r);
	CHECK(get("GET", url_of(&s, "/te-cl"), NULL, 0, &r, &e) == 0 &&
	    http_read(&r, buf, sizeof(buf), &e) == 1 &&
	    http_read(&r, buf, sizeof(buf), &e) == 0,
	    "chunked with Content-Length read: %s", e.msg);
	http_response_free(&r);
	CHECK(get("GET", url_of(&s, "/last"), NULL, 0, &r, &e) == 0,
	    "last request");
	http_response_free(&r);
	log = srv_finish(&s);
	CHECK(strstr(log, "[C1] GET /big") && strstr(log, "[C2] GET /after"),
	    "a small unread body is drained, a big one closes");
	CHECK(strstr(log, "[C2] GET /te-cl") && strstr(log, "[C3] GET /last"),
	    "no reuse after a response with both TE and CL");
}

static void
test_request_checks(void)
{
	struct http_response r;
	struct err e = ERR_INIT;
	struct http_header crlf[] = { { "X", "a\r\nEvil: 1", 0 } };
	struct http_header host[] = { { "host", "x", 0 } };
	struct http_header name[] = { { "Bad Name", "x", 0 } };

	CHECK(get("GET", "http://127.0.0.1:1/", crlf, 1, &r, &e) == -1 &&
	    strstr(e.msg, "control character in header X"),
	    "CRLF in a header value refused: %s", e.msg);
	CHECK(get("GET", "http://127.0.0.1:1/", host, 1, &r, &e) == -1 &&
	    strstr(e.msg, "header host is set by the HTTP client"),
	    "Host from the caller refused: %s", e.msg);
	CHECK(get("GET", "http://127.0.0.1:1/", name, 1, &r, &e) == -1 &&
	    strstr(e.msg, "bad header name"), "bad header name refused");
	CHECK(get("G T", "http://127.0.0.1:1/", NULL, 0, &r, &e) == -1 &&
	    strstr(e.msg, "bad HTTP method"), "bad method refused");
	cl.user_agent = "rocker\r\nX: 1";
	CHECK(get("GET", "http://127.0.0.1:1/", NULL, 0, &r, &e) == -1 &&
	    strstr(e.msg, "bad User-Agent"), "CRLF in the User-Agent refused");
	cl.user_agent = "rocker/test";
	CHECK(get("GET", "http://u:p@127.0.0.1:1/", NULL, 0, &r, &e) == -1 &&
	    strstr(e.msg, "credentials in URLs are not supported"),
	    "userinfo refused: %s", e.msg);
	CHECK(get("GET", "127.0.0.1:5000/v2/", NULL, 0, &r, &e) == -1 &&
	    strcmp(e.msg, "GET 127.0.0.1:5000/v2/: not an absolute URL") == 0,
	    "relative URL refused: %s", e.msg);
	CHECK(get("GET", "http://h:1/?token=secret\r\n", NULL, 0, &r, &e) ==
	    -1 && !strstr(e.msg, "secret"), "query kept out of messages: %s",
	    e.msg);
}

static void
test_proxy_forward(void)
{
	struct srv p;
	struct http_response r;
	struct http_header h[] = { { "Authorization", "Bearer tok", 0 } };
	struct err e = ERR_INIT;
	char proxy[128], body[64];
	const char *log;
	int st;

	srv_start(&p, (struct reply[]){
		{ "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", KEEP },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nbye", KEEP },
		{ 0, END } });
	snprintf(proxy, sizeof(proxy), "http://us%%40er:p%%3Ass@127.0.0.1:%d/",
	    p.port);
	http_client_set_proxy(&cl, proxy, NULL, "", &e);
	CHECK(get("GET", "http://registry.test:5000/v2/x?q=1", h, 1, &r, &e)
	    == 0 && r.status == 200, "GET through an HTTP proxy: %s", e.msg);
	http_response_free(&r);
	CHECK(fetch("http://other.test/y", body, sizeof(body), &st, &e) == 0 &&
	    strcmp(body, "bye") == 0, "second host through the same proxy");
	log = srv_finish(&p);
	CHECK(strstr(log, "[C1] GET http://registry.test:5000/v2/x?q=1 "
	    "HTTP/1.1\nHost: registry.test:5000\n"),
	    "absolute-form request line and target Host");
	CHECK(count(log, "Proxy-Authorization: Basic dXNAZXI6cDpzcw==\n") == 2,
	    "proxy credentials decoded and sent on each request");
	CHECK(strstr(log, "Authorization: Bearer tok"),
	    "the caller's Authorization goes to the target");
	CHECK(strstr(log, "[C1] GET http://other.test/y HTTP/1.1\n"
	    "Host: other.test\n"), "proxy connection reused");

	/* Loopback targets never go through the proxy. */
	srv_start(&p, (struct reply[]){ { "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 6\r\n\r\ndirect", KEEP }, { 0, END } });
	http_client_set_proxy(&cl, "http://127.0.0.1:1", NULL, "", &e);
	CHECK(fetch(url_of(&p, "/"), body, sizeof(body), &st, &e) == 0 &&
	    strcmp(body, "direct") == 0, "loopback bypasses the proxy: %s",
	    e.msg);
	srv_finish(&p);
	client_reset();
}

static void
test_proxy_connect(void)
{
	struct srv p;
	struct http_response r;
	struct http_header h[] = { { "Authorization", "Bearer tok", 0 } };
	struct err e = ERR_INIT;
	char proxy[64], want[256];
	const char *log;

	srv_start(&p, (struct reply[]){
		{ "HTTP/1.1 200 Connection established\r\n\r\n", CLOSE },
		{ "HTTP/1.1 407 Proxy Authentication Required\r\n"
		    "Content-Length: 0\r\n\r\n", CLOSE },
		{ "HTTP/1.1 200 OK\r\n\r\nearly data", CLOSE },
		{ 0, END } });
	snprintf(proxy, sizeof(proxy), "u:p@127.0.0.1:%d", p.port);
	http_client_set_proxy(&cl, NULL, proxy, NULL, &e);
	CHECK(get("GET", "https://registry.test/v2/", h, 1, &r, &e) == -1 &&
	    strstr(e.msg, "GET https://registry.test/v2/: ") &&
	    strstr(e.msg, "TLS"), "TLS runs inside the tunnel (and fails "
	    "here): %s", e.msg);
	snprintf(want, sizeof(want), "GET https://registry.test:8443/v2/: "
	    "proxy 127.0.0.1:%d: CONNECT registry.test:8443: 407 Proxy "
	    "Authentication Required", p.port);
	CHECK(get("GET", "https://registry.test:8443/v2/", h, 1, &r, &e) ==
	    -1 && strcmp(e.msg, want) == 0, "CONNECT refused: %s", e.msg);
	CHECK(get("GET", "https://registry.test/v2/", h, 1, &r, &e) == -1 &&
	    strstr(e.msg, "data after the reply"),
	    "bytes after the CONNECT reply refused: %s", e.msg);
	log = srv_finish(&p);
	CHECK(strstr(log, "[C1] CONNECT registry.test:443 HTTP/1.1\n"
	    "Host: registry.test:443\nUser-Agent: rocker/test\n"
	    "Proxy-Authorization: Basic dTpw\n\n"),
	    "the tunnel request");
	CHECK(!strstr(log, "Bearer tok") && !strstr(log, "GET"),
	    "nothing of the request in clear at the proxy");

	http_client_set_proxy(&cl, NULL, "socks5://127.0.0.1:1080", NULL, &e);
	CHECK(get("GET", "https://registry.test/v2/", NULL, 0, &r, &e) == -1 &&
	    strstr(e.msg, "HTTPS_PROXY: unsupported proxy scheme socks5"),
	    "unsupported proxy named on use: %s", e.msg);
	http_client_set_proxy(&cl, NULL, "http://[::1", NULL, &e);
	CHECK(get("GET", "https://registry.test/v2/", NULL, 0, &r, &e) == -1 &&
	    strstr(e.msg, "HTTPS_PROXY: bad IPv6 host"),
	    "malformed proxy named on use: %s", e.msg);
	/* 0.0.0.0 is not loopback, so only NO_PROXY keeps the proxy away
	 * (and the connection to port 1 is refused at once, no DNS). */
	http_client_set_proxy(&cl, NULL, "http://[::1", "0.0.0.0", &e);
	CHECK(get("GET", "https://0.0.0.0:1/v2/", NULL, 0, &r, &e) == -1 &&
	    !strstr(e.msg, "HTTPS_PROXY") && strstr(e.msg, "connect 0.0.0.0:1"),
	    "unused when NO_PROXY matches: %s", e.msg);
	client_reset();

	setenv("HTTP_PROXY", "http://upper:1", 1);
	setenv("http_proxy", "http://lower:2", 1);
	setenv("https_proxy", "ftp://x", 1);
	setenv("no_proxy", ".example.com", 1);
	client_reset();
	CHECK(strcmp(cl.proxy_http.host, "upper") == 0 &&
	    cl.proxy_http.port == 1, "HTTP_PROXY before http_proxy");
	CHECK(strstr(cl.proxy_https.bad, "https_proxy: unsupported proxy "
	    "scheme ftp") != NULL, "message names the variable: %s",
	    cl.proxy_https.bad);
	CHECK(cl.no_proxy && strcmp(cl.no_proxy, ".example.com") == 0,
	    "no_proxy read");
	unsetenv("HTTP_PROXY");
	unsetenv("http_proxy");
	unsetenv("https_proxy");
	unsetenv("no_proxy");
	setenv("http_proxy", "proxy.corp:3128", 1);
	client_reset();
	CHECK(strcmp(cl.proxy_http.host, "proxy.corp") == 0 &&
	    cl.proxy_http.port == 3128 && !cl.proxy_http.bad[0],
	    "bare host:port proxy");
	unsetenv("http_proxy");
	client_reset();
}

static void
test_no_proxy(void)
{
	static const struct {
		const char *list, *host;
		int port, match;
	} cases[] = {
		{ NULL, "a.com", 80, 0 },
		{ "", "a.com", 80, 0 },
		{ "*", "anything.example", 443, 1 },
		{ "a.com", "a.com", 80, 1 },
		{ "a.com", "b.a.com", 80, 1 },
		{ "a.com", "ba.com", 80, 0 },
		{ "a.com", "a.com.evil", 80, 0 },
		{ ".a.com", "a.com", 80, 0 },
		{ ".a.com", "b.a.com", 80, 1 },
		{ "*.a.com", "b.a.com", 80, 1 },
		{ "*.a.com", "a.com", 80, 0 },
		{ "A.COM", "x.a.com", 80, 1 },
		{ " x.org , a.com ", "a.com", 80, 1 },
		{ "x.org,,", "a.com", 80, 0 },
		{ "a.com:5000", "a.com", 5000, 1 },
		{ "a.com:5000", "a.com", 443, 0 },
		{ "a.com:bad", "a.com", 443, 0 },
		{ ".docker.io", "registry-1.docker.io", 443, 1 },
		{ "10.1.2.3", "10.1.2.3", 80, 1 },
		{ "10.1.2.3", "10.1.2.4", 80, 0 },
		{ "10.1.2.3:80", "10.1.2.3", 80, 1 },
		{ "10.1.2.3:80", "10.1.2.3", 81, 0 },
		{ "10.0.0.0/8", "10.200.1.1", 80, 1 },
		{ "10.0.0.0/8", "11.0.0.1", 80, 0 },
		{ "192.168.0.0/23", "192.168.1.200", 80, 1 },
		{ "192.168.0.0/23", "192.168.2.1", 80, 0 },
		{ "0.0.0.0/0", "8.8.8.8", 80, 1 },
		{ "10.0.0.0/33", "10.0.0.1", 80, 0 },
		{ "10.0.0.0/8", "ten.example", 80, 0 },
		{ "::1", "::1", 80, 1 },
		{ "[::1]:5000", "::1", 5000, 1 },
		{ "[::1]:5000", "::1", 5001, 0 },
		{ "fd00::/8", "fd12:3456::1", 443, 1 },
		{ "fd00::/8", "fe80::1", 443, 0 },
		{ "fd00::/8", "10.0.0.1", 443, 0 },
		{ "2001:db8::1", "2001:DB8:0::1", 443, 1 },
		{ "2001:db8::1", "2001:db8:0::1", 443, 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(http_no_proxy_match(cases[i].list, cases[i].host,
		    cases[i].port) == cases[i].match,
		    "NO_PROXY \"%s\" %s %s:%d", cases[i].list ? cases[i].list :
		    "(null)", cases[i].match ? "matches" : "does not match",
		    cases[i].host, cases[i].port);
}

static int
range_of(const char *value, int64_t *s, int64_t *en, int64_t *t)
{
	char raw[256];
	struct http_response r;
	struct err e = ERR_INIT;
	char *body;
	size_t len;
	int rc;

	snprintf(raw, sizeof(raw), "HTTP/1.1 206 Partial Content\r\n"
	    "Content-Range: %s\r\nContent-Length: 0\r\n\r\n", value);
	parse_mem(raw, 0, "GET", 64, 10, &r, &body, &len, &e);
	free(body);
	rc = http_content_range(&r, s, en, t, &e);
	http_response_free(&r);
	return rc;
}

static void
test_content_range(void)
{
	static const struct {
		const char *v;
		int ok;
		int64_t s, en, t;
	} cases[] = {
		{ "bytes 0-499/1234", 1, 0, 499, 1234 },
		{ "bytes 1000-1233/1234", 1, 1000, 1233, 1234 },
		{ "Bytes 5-5/*", 1, 5, 5, -1 },
		{ "bytes */1234", 1, -1, -1, 1234 },
		{ "bytes 0-9223372036854775806/9223372036854775807", 1, 0,
		    INT64_MAX - 1, INT64_MAX },
		{ "bytes 5-4/10", 0, 0, 0, 0 },
		{ "bytes 0-10/10", 0, 0, 0, 0 },
		{ "bytes 0-9/10x", 0, 0, 0, 0 },
		{ "bytes -1-9/10", 0, 0, 0, 0 },
		{ "bytes 0-9", 0, 0, 0, 0 },
		{ "items 0-9/10", 0, 0, 0, 0 },
		{ "bytes=0-9/10", 0, 0, 0, 0 },
		{ "bytes */*", 0, 0, 0, 0 },
		{ "bytes 0-99999999999999999999/*", 0, 0, 0, 0 },
		{ "bytes  0-9/10", 0, 0, 0, 0 },
	};
	struct http_response r;
	struct err e = ERR_INIT;
	int64_t s, en, t;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = en = t = 77;
		rc = range_of(cases[i].v, &s, &en, &t);
		CHECK(cases[i].ok ? rc == 0 && s == cases[i].s &&
		    en == cases[i].en && t == cases[i].t : rc == -1,
		    "Content-Range \"%s\" %s", cases[i].v,
		    cases[i].ok ? "parsed" : "refused");
	}
	memset(&r, 0, sizeof(r));
	CHECK(http_content_range(&r, &s, &en, &t, &e) == -1 &&
	    strstr(e.msg, "no Content-Range"), "absent Content-Range");
}

static void
test_dates(void)
{
	static const struct {
		const char *v;
		long long want;		/* -1: refused */
	} dates[] = {
		{ "Sun, 06 Nov 1994 08:49:37 GMT", 784111777 },
		{ "Sunday, 06-Nov-94 08:49:37 GMT", 784111777 },
		{ "Sun Nov  6 08:49:37 1994", 784111777 },
		{ "Thu, 01 Jan 1970 00:00:00 GMT", 0 },
		{ "Tue, 29 Feb 2028 23:59:59 GMT", 1835481599 },
		{ "Fri, 31 Dec 2099 12:00:00 GMT", 4102401600LL },
		{ "Thu Jan 10 01:02:03 2030", 1894237323 },
		{ "Sun, 06 Nov 1994 08:49:37 UTC", -1 },
		{ "Sun, 6 Nov 1994 08:49:37 GMT", -1 },
		{ "Sun, 31 Nov 1994 08:49:37 GMT", -1 },
		{ "Sun, 29 Feb 2023 08:49:37 GMT", -1 },
		{ "Sun, 06 Nov 1994 24:00:00 GMT", -1 },
		{ "Sun, 06 Foo 1994 08:49:37 GMT", -1 },
		{ "Xyz, 06 Nov 1994 08:49:37 GMT", -1 },
		{ "Sun, 06 Nov 1994 08:49:37 GMT ", -1 },
		{ "Sunday, 06-Nov-1994 08:49:37 GMT", -1 },
		{ "Sun Nov 6 08:49:37 1994", -1 },
		{ "", -1 },
	};
	struct err e = ERR_INIT;
	time_t now = 1700000000, t;	/* 2023-11-14 */
	unsigned long secs;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		t = 0;
		rc = http_parse_date(dates[i].v, now, &t, &e);
		CHECK(dates[i].want < 0 ? rc == -1 : rc == 0 &&
		    (long long)t == dates[i].want, "HTTP date \"%s\" %s",
		    dates[i].v, dates[i].want < 0 ? "refused" : "parsed");
	}
	CHECK(http_parse_date("Sunday, 01-Jan-73 00:00:00 GMT", now, &t, &e)
	    == 0 && t == 3250454400LL, "RFC 850 year 73 is 2073 in 2023");
	CHECK(http_parse_date("Tuesday, 01-Jan-74 00:00:00 GMT", now, &t, &e)
	    == 0 && t == 126230400, "RFC 850 year 74 is 1974 in 2023");

	CHECK(http_retry_after("120", now, &secs, &e) == 0 && secs == 120,
	    "Retry-After seconds");
	CHECK(http_retry_after("0", now, &secs, &e) == 0 && secs == 0,
	    "Retry-After 0");
	CHECK(http_retry_after("99999999999999999999999", now, &secs, &e) ==
	    0 && secs == (unsigned long)-1, "Retry-After saturates");
	CHECK(http_retry_after("Tue, 14 Nov 2023 22:13:40 GMT", now, &secs,
	    &e) == 0 && secs == 20, "Retry-After date 20 s ahead");
	CHECK(http_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now, &secs,
	    &e) == 0 && secs == 0, "Retry-After date in the past");
	CHECK(http_retry_after("-5", now, &secs, &e) == -1, "negative refused");
	CHECK(http_retry_after("5s", now, &secs, &e) == -1, "5s refused");
	CHECK(http_retry_after("soon", now, &secs, &e) == -1 &&
	    strstr(e.msg, "Retry-After"), "junk refused: %s", e.msg);
	CHECK(http_retry_after("", now, &secs, &e) == -1, "empty refused");
}

/*
 * HTTPS: with the stub TLS layer every handshake fails and these checks
 * are skipped. With core/tls.c linked in, an openssl s_server (if
 * installed) on 127.0.0.1 serves canned responses over TLS with a
 * certificate for "localhost" from a CA made for the test.
 */
static int
tls_is_stub(void)
{
	struct tls_trust t;
	struct srv s;
	struct conn c;
	struct err e = ERR_INIT;
	int stub = 1;

	/* The kernel completes the TCP handshake without an accept(). */
	srv_listen(&s);
	tls_trust_init(&t);
	if (conn_open(&c, "127.0.0.1", s.port, 1000, 300, 0, &e) == 0) {
		conn_start_tls(&c, "localhost", &t, &e);
		stub = strstr(e.msg, "TLS stub") != NULL;
		conn_close(&c);
	}
	close(s.lfd);
	tls_trust_free(&t);
	return stub;
}

/*
 * A CONNECT proxy that logs the request and relays one tunnel to
 * 127.0.0.1:`port`, whatever host was asked for.
 */
static void
relay_proxy(int lfd, int logfd, int port)
{
	struct sockaddr_in a;
	struct pollfd p[2];
	char buf[16384];
	int c, t, i;
	ssize_t n;

	alarm(15);
	c = accept_within(lfd, 5000);
	if (c < 0 || (n = read_request(c, buf, sizeof(buf))) <= 0)
		_exit(1);
	put(logfd, buf, (size_t)n);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	t = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(t, (struct sockaddr *)&a, sizeof(a)) < 0)
		_exit(1);
	put(c, "HTTP/1.1 200 Connection established\r\n\r\n", 39);
	p[0] = (struct pollfd){ c, POLLIN, 0 };
	p[1] = (struct pollfd){ t, POLLIN, 0 };
	while (poll(p, 2, 5000) > 0) {
		for (i = 0; i < 2; i++) {
			if (!p[i].revents)
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0)
				_exit(0);
			put(p[1 - i].fd, buf, (size_t)n);
		}
	}
	_exit(0);
}

static const struct tls_trust *
test_trust(void *arg, const char *host, int port, struct err *e)
{
	(void)host;
	(void)port;
	(void)e;
	return arg;
}

static int
sh(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
test_https(void)
{
	char dir[] = "/tmp/rocker-http-tls.XXXXXX", cmd[2048], url[128];
	char want[128];
	struct tls_trust trust;
	struct http_response r;
	struct err e = ERR_INIT;
	struct srv s, proxy;
	pid_t pid, ppid = -1;
	int i, st, fd, logp[2];
	char *body;
	size_t len;

	if (tls_is_stub()) {
		printf("skip - https tests: TLS stub linked (core/tls.c not "
		    "merged yet)\n");
		return;
	}
	if (sh("command -v openssl >/dev/null 2>&1") != 0) {
		printf("skip - https tests: no openssl command\n");
		return;
	}
	if (!mkdtemp(dir))
		return;
	snprintf(cmd, sizeof(cmd), "cd %s && "
	    "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
	    "-nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=rocker-test-ca"
	    " >/dev/null 2>&1 && "
	    "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
	    "-keyout srv.key -out srv.csr -subj /CN=localhost >/dev/null 2>&1 "
	    "&& printf 'subjectAltName=DNS:localhost,DNS:registry.test\\n' "
	    "> ext "
	    "&& "
	    "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key "
	    "-CAcreateserial -days 2 -extfile ext -out srv.pem >/dev/null 2>&1"
	    " && printf 'HTTP/1.1 200 OK\\r\\nContent-Length: 6\\r\\n"
	    "Connection: close\\r\\n\\r\\nsecure' > ok && "
	    "printf 'HTTP/1.1 302 Found\\r\\n"
	    "Location: http://localhost:1/x\\r\\nContent-Length: 0\\r\\n"
	    "Connection: close\\r\\n\\r\\n' > down", dir);
	CHECK(sh(cmd) == 0, "test CA and certificate made");
	srv_listen(&s);
	close(s.lfd);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		dup2(fd, 2);
		if (chdir(dir) == 0) {
			snprintf(url, sizeof(url), "%d", s.port);
			execlp("openssl", "openssl", "s_server", "-accept", url,
			    "-naccept", "5", "-cert", "srv.pem", "-key",
			    "srv.key", "-HTTP", "-quiet", (char *)NULL);
		}
		_exit(127);
	}
	tls_trust_init(&trust);
	snprintf(cmd, sizeof(cmd), "%s/ca.pem", dir);
	CHECK(tls_trust_add_file(&trust, cmd, &e) == 0, "load test CA: %s",
	    e.msg);
	cl.trust = test_trust;
	cl.trust_arg = &trust;
	snprintf(url, sizeof(url), "https://localhost:%d/ok", s.port);
	for (i = 0; i < 50; i++) {
		err_clear(&e);
		if (get("GET", url, NULL, 0, &r, &e) == 0 ||
		    !strstr(e.msg, "refused"))
			break;
		usleep(50000);
	}
	CHECK(r.status == 200 && http_read_all(&r, 100, &body, &len, &e) == 0
	    && strcmp(body, "secure") == 0, "GET over TLS: %s", e.msg);
	if (r.status == 200)
		free(body);
	http_response_free(&r);
	snprintf(url, sizeof(url), "https://localhost:%d/down", s.port);
	CHECK(get("GET", url, NULL, 0, &r, &e) == -1 &&
	    strstr(e.msg, "refusing redirect from https to http"),
	    "https to http redirect refused: %s", e.msg);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/ok", s.port);
	CHECK(get("GET", url, NULL, 0, &r, &e) == -1 && strstr(e.msg, "TLS"),
	    "certificate for another name refused: %s", e.msg);

	/* Through a CONNECT tunnel: TLS to the target, named by SNI. */
	srv_listen(&proxy);
	fflush(stdout);
	if (pipe(logp) == 0 && (ppid = fork()) == 0) {
		close(logp[0]);
		relay_proxy(proxy.lfd, logp[1], s.port);
	}
	close(proxy.lfd);
	close(logp[1]);
	proxy.pid = ppid;
	proxy.logfd = logp[0];
	snprintf(cmd, sizeof(cmd), "http://127.0.0.1:%d", proxy.port);
	http_client_set_proxy(&cl, NULL, cmd, NULL, &e);
	snprintf(url, sizeof(url), "https://registry.test:%d/ok", s.port);
	body = NULL;
	CHECK(get("GET", url, NULL, 0, &r, &e) == 0 &&
	    http_read_all(&r, 100, &body, &len, &e) == 0 &&
	    strcmp(body, "secure") == 0, "GET over TLS in a CONNECT tunnel: %s",
	    e.msg);
	free(body);
	http_response_free(&r);
	snprintf(want, sizeof(want), "CONNECT registry.test:%d HTTP/1.1\r\n",
	    s.port);
	CHECK(strstr(srv_finish(&proxy), want) != NULL, "the proxy saw %s",
	    want);
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	http_client_free(&cl);
	client_reset();
	tls_trust_free(&trust);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	sh(cmd);
}

int
main(void)
{
	struct err e = ERR_INIT;

	signal(SIGPIPE, SIG_IGN);
	unsetenv("HTTP_PROXY");
	unsetenv("http_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("https_proxy");
	unsetenv("NO_PROXY");
	unsetenv("no_proxy");
	CHECK(http_client_init(&cl, &e) == 0, "client init");
	client_reset();

	test_content_length();
	test_chunked();
	test_close_delimited();
	test_keepalive();
	test_stale();
	test_redirects();
	test_redirect_limits();
	test_redirect_policy();
	test_ssrf();
	test_local_addresses();
	test_timeouts();
	test_connect_errors();
	test_limits();
	test_malformed();
	test_chunk_sizes();
	test_read_all();
	test_no_body();
	test_abandon();
	test_request_checks();
	test_proxy_forward();
	test_proxy_connect();
	test_no_proxy();
	test_content_range();
	test_dates();
	test_https();

	http_client_free(&cl);
	http_client_free(&cl);
	return check_done();
}

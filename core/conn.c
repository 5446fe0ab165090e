/* conn.c - TCP connections with optional TLS, bounded by timeouts */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait until `fd` is ready for `events` (POLLIN or POLLOUT; a hang-up or
 * error also counts as ready, the next call reports it). `timeout_ms` 0
 * means no limit. A timeout is ETIMEDOUT "timed out after N ms".
 */
static int
wait_fd(int fd, short events, int timeout_ms, struct err *e)
{
	struct pollfd p;
	long long deadline = now_ms() + timeout_ms, left;
	int r;

	for (;;) {
		left = timeout_ms ? deadline - now_ms() : -1;
		if (timeout_ms && left < 0)
			left = 0;
		p.fd = fd;
		p.events = events;
		p.revents = 0;
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r == 0)
			return err_set(e, ETIMEDOUT, "timed out after %d ms",
			    timeout_ms);
		if (errno != EINTR)
			return err_sys(e, "poll");
	}
}

static void
addr_text(const struct sockaddr *sa, char *buf, size_t n)
{
	const void *a = sa->sa_family == AF_INET6 ?
	    (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr :
	    (const void *)&((const struct sockaddr_in *)sa)->sin_addr;

	if (!inet_ntop(sa->sa_family, a, buf, (socklen_t)n))
		snprintf(buf, n, "?");
}

/* "host:port", bracketing an IPv6 literal. */
static void
host_port(const char *host, int port, char *buf, size_t n)
{
	int v6 = strchr(host, ':') != NULL;

	snprintf(buf, n, "%s%s%s:%d", v6 ? "[" : "", host, v6 ? "]" : "",
	    port);
}

static void
set_timeouts(int fd, int timeout_ms)
{
	struct timeval tv;

	/* Our own reads and writes poll first; this bounds a TLS layer
	 * that reads or writes the socket without polling. */
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Connect a new socket to `ai` within `timeout_ms`; returns the fd. */
static int
try_connect(const struct addrinfo *ai, int timeout_ms, struct err *e)
{
	int fd, soerr = 0, one = 1;
	socklen_t len = sizeof(soerr);

	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (fd < 0)
		return err_sys(e, "socket");
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS && errno != EINTR) {
			err_set(e, errno, "%s", strerror(errno));
			goto fail;
		}
		if (wait_fd(fd, POLLOUT, timeout_ms, e))
			goto fail;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0) {
			err_sys(e, "getsockopt");
			goto fail;
		}
		if (soerr) {
			err_set(e, soerr, "%s", strerror(soerr));
			goto fail;
		}
	}
	/* Blocking from now on: our reads and writes poll before each call
	 * and pass MSG_DONTWAIT, and a TLS layer may expect blocking I/O. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		err_sys(e, "fcntl");
		goto fail;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
fail:
	close(fd);
	return -1;
}

int
conn_open(struct conn *c, const char *host, int port,
    int connect_timeout_ms, int io_timeout_ms, unsigned flags,
    struct err *e)
{
	struct addrinfo hints, *res = NULL, *ai;
	char portstr[16], where[300], addr[CONN_ADDR_MAX];
	int rc, fd = -1, tried = 0;

	memset(c, 0, sizeof(*c));
	host_port(host, port, where, sizeof(where));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(portstr, sizeof(portstr), "%d", port);
	rc = getaddrinfo(host, portstr, &hints, &res);
	if (rc == EAI_SYSTEM)
		return err_sys(e, "resolve %s", host);
	if (rc)
		return err_set(e, ERR_NOTFOUND, "resolve %s: %s", host,
		    gai_strerror(rc));
	addr[0] = '\0';
	for (ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		addr_text(ai->ai_addr, addr, sizeof(addr));
		if ((flags & CONN_NO_LOCAL) &&
		    conn_addr_is_local(ai->ai_addr)) {
			if (!tried)
				err_set(e, ERR_PROTO, "refusing to connect "
				    "to local address %s", addr);
			continue;
		}
		tried = 1;
		fd = try_connect(ai, connect_timeout_ms, e);
		if (fd >= 0)
			break;
		if (strcmp(addr, host) == 0)
			err_ctx(e, "connect %s", where);
		else
			err_ctx(e, "connect %s (%s)", where, addr);
	}
	if (fd < 0) {
		if (!addr[0])
			err_set(e, ERR_NOTFOUND, "resolve %s: no address",
			    host);
		freeaddrinfo(res);
		return -1;
	}
	c->fd = fd;
	c->open = 1;
	c->timeout_ms = io_timeout_ms;
	if (ai->ai_addrlen <= sizeof(c->peer)) {
		memcpy(&c->peer, ai->ai_addr, ai->ai_addrlen);
		c->peer_len = ai->ai_addrlen;
	}
	memcpy(c->addr, addr, sizeof(c->addr));
	freeaddrinfo(res);
	set_timeouts(fd, io_timeout_ms);
	return 0;
}

int
conn_start_tls(struct conn *c, const char *servername,
    const struct tls_trust *trust, struct err *e)
{
	if (!c->open || c->tls)
		return err_set(e, ERR_USAGE, "TLS: connection not plain");
	c->tls = tls_new(e);
	if (!c->tls)
		return -1;
	if (tls_handshake(c->tls, c->fd, servername, trust, c->timeout_ms,
	    e)) {
		tls_close(c->tls);
		c->tls = NULL;
		return err_ctx(e, "TLS with %s", servername);
	}
	return 0;
}

ssize_t
conn_read(struct conn *c, void *buf, size_t len, struct err *e)
{
	ssize_t n;

	if (!c->open)
		return err_set(e, EBADF, "read: connection closed");
	if (c->tls)
		return tls_read(c->tls, buf, len, e);
	for (;;) {
		if (wait_fd(c->fd, POLLIN, c->timeout_ms, e))
			return -1;
		n = recv(c->fd, buf, len, MSG_DONTWAIT);
		if (n >= 0)
			return n;
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
			return err_sys(e, "read");
	}
}

int
conn_write_all(struct conn *c, const void *buf, size_t len, struct err *e)
{
	const unsigned char *p = buf;
	ssize_t n;

	if (!c->open)
		return err_set(e, EBADF, "write: connection closed");
	if (c->tls)
		return tls_write_all(c->tls, buf, len, e);
	while (len) {
		if (wait_fd(c->fd, POLLOUT, c->timeout_ms, e))
			return -1;
		n = send(c->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK)
				continue;
			return err_sys(e, "write");
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static ssize_t
reader_read(void *ctx, void *buf, size_t len, struct err *e)
{
	return conn_read(ctx, buf, len, e);
}

void
conn_reader(struct conn *c, struct reader *r)
{
	r->read = reader_read;
	r->ctx = c;
}

int
conn_idle_ok(const struct conn *c)
{
	struct pollfd p;
	int r;

	if (!c->open)
		return 0;
	p.fd = c->fd;
	p.events = POLLIN;
	p.revents = 0;
	do
		r = poll(&p, 1, 0);
	while (r < 0 && errno == EINTR);
	/* Readable while idle: the peer closed, or sent something we did
	 * not ask for (say a 408 before closing). Either way, unusable. */
	return r == 0;
}

static int
v4_local(uint32_t a)
{
	return (a >> 24) == 127 || (a >> 24) == 0 || (a >> 16) == 0xa9fe;
}

int
conn_addr_is_local(const struct sockaddr *sa)
{
	const struct in6_addr *a6;
	uint32_t a;

	if (sa->sa_family == AF_INET)
		return v4_local(ntohl(
		    ((const struct sockaddr_in *)sa)->sin_addr.s_addr));
	if (sa->sa_family != AF_INET6)
		return 0;
	a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (IN6_IS_ADDR_LOOPBACK(a6) || IN6_IS_ADDR_UNSPECIFIED(a6) ||
	    IN6_IS_ADDR_LINKLOCAL(a6))
		return 1;
	if (IN6_IS_ADDR_V4MAPPED(a6)) {
		memcpy(&a, a6->s6_addr + 12, 4);
		return v4_local(ntohl(a));
	}
	return 0;
}

int
conn_host_is_local(const char *host)
{
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;
	size_t n = strlen(host);

	if (strcasecmp(host, "localhost") == 0 ||
	    strcasecmp(host, "localhost.") == 0 ||
	    (n > 10 && strcasecmp(host + n - 10, ".localhost") == 0))
		return 1;
	memset(&s4, 0, sizeof(s4));
	memset(&s6, 0, sizeof(s6));
	/* inet_aton(), like the resolver, also takes "127.1" and
	 * "2130706433". */
	if (inet_aton(host, &s4.sin_addr)) {
		s4.sin_family = AF_INET;
		return conn_addr_is_local((struct sockaddr *)&s4);
	}
	if (inet_pton(AF_INET6, host, &s6.sin6_addr) == 1) {
		s6.sin6_family = AF_INET6;
		return conn_addr_is_local((struct sockaddr *)&s6);
	}
	return 0;
}

void
conn_close(struct conn *c)
{
	if (c->tls)
		tls_close(c->tls);
	if (c->open)
		close(c->fd);
	memset(c, 0, sizeof(*c));
}

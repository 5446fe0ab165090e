/* conn.h - a TCP connection with optional TLS, bounded by timeouts
 *
 * conn_open() resolves a host with getaddrinfo() (the static musl binary
 * reads /etc/hosts and /etc/resolv.conf itself), then tries each address in
 * turn with a non-blocking connect bounded by a connect timeout. Reads and
 * writes wait at most an I/O timeout for the peer. conn_start_tls() turns an
 * open plain connection into a TLS one through core/tls.h, at once or later
 * (after a proxy's CONNECT reply). Writes never raise SIGPIPE.
 */
#ifndef ROCKER_CONN_H
#define ROCKER_CONN_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "err.h"
#include "io.h"
#include "tls.h"

enum {
	CONN_ADDR_MAX = 64,	/* printable address, INET6_ADDRSTRLEN fits */
};

/* Flags for conn_open(). */
enum conn_flag {
	/* Skip loopback, link-local and unspecified addresses (see
	 * conn_addr_is_local()); when every address is one, fail with
	 * "refusing to connect to local address ADDR" (SSRF guard). */
	CONN_NO_LOCAL = 1,
};

/*
 * Caller-allocated. A zeroed struct is closed; conn_close() is safe on it.
 * All fields are read-only for callers except timeout_ms, which may be
 * changed between calls (it does not affect an established TLS layer).
 *
 * timeout_ms: longest wait for the peer in one read or write (0: none).
 * peer, peer_len: the address connected to.
 * addr: that address in text form ("127.0.0.1", "::1").
 */
struct conn {
	int fd;
	int open;
	struct tls_conn *tls;
	int timeout_ms;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	char addr[CONN_ADDR_MAX];
};

/*
 * Connect `c` to `host` (name or IP literal, IPv6 without brackets) at
 * `port`. Each address getaddrinfo() returns is tried in order, each for
 * at most `connect_timeout_ms` (0: no limit); `io_timeout_ms` becomes
 * c->timeout_ms. `flags` is a mask of enum conn_flag. On failure the
 * message names the last address tried and the cause, e.g.
 * "connect 127.0.0.1:5000: Connection refused" or
 * "connect example.com:443 (93.184.215.14): timed out after 30000 ms";
 * the code is the errno (ETIMEDOUT for timeouts) or ERR_NOTFOUND when the
 * name does not resolve. `c` is closed (zeroed) after a failure.
 */
int conn_open(struct conn *c, const char *host, int port,
    int connect_timeout_ms, int io_timeout_ms, unsigned flags,
    struct err *e);

/*
 * Run a TLS handshake over the open plain connection `c`, sending
 * `servername` (borrowed, only used during the call) as SNI and checking
 * the certificate against it and `trust` (borrowed: it must outlive `c`).
 * Afterwards reads and writes go through TLS. On failure `c` stays open
 * but unusable: close it.
 */
int conn_start_tls(struct conn *c, const char *servername,
    const struct tls_trust *trust, struct err *e);

/*
 * Read up to `len` (> 0) bytes. Returns the count, 0 when the peer closed
 * the connection, or -1 with `e` set: "timed out after N ms" (ETIMEDOUT)
 * when nothing arrived within c->timeout_ms, or the system or TLS error.
 */
ssize_t conn_read(struct conn *c, void *buf, size_t len, struct err *e);

/* Write all `len` bytes, each wait bounded by c->timeout_ms. */
int conn_write_all(struct conn *c, const void *buf, size_t len,
    struct err *e);

/* Set `r` up to read from `c` with conn_read(); `c` is borrowed. */
void conn_reader(struct conn *c, struct reader *r);

/*
 * For an idle kept-alive connection: 1 when it still looks usable (open,
 * no pending data, no close from the peer), else 0. Does not wait.
 */
int conn_idle_ok(const struct conn *c);

/*
 * 1 when `sa` is a loopback (127.0.0.0/8, ::1), link-local
 * (169.254.0.0/16, fe80::/10) or unspecified (0.0.0.0/8, ::) address,
 * IPv4-mapped IPv6 forms included; else 0.
 */
int conn_addr_is_local(const struct sockaddr *sa);

/*
 * 1 when the host text names a local address without resolving it: an IP
 * literal for which conn_addr_is_local() holds, "localhost" or a name
 * ending in ".localhost"; else 0.
 */
int conn_host_is_local(const char *host);

/*
 * Close the TLS layer (if any) and the socket, and zero `c`. Safe on a
 * zeroed or already closed struct.
 */
void conn_close(struct conn *c);

#endif

/* tls.h - TLS client connections through BearSSL
 *
 * Trust anchors are loaded at run time (never compiled in) from the system
 * bundle and, per registry, from certs.d directories. SNI and hostname
 * verification are always on. Handshake failures are reported with their
 * cause: unknown CA, expired or not yet valid certificate, wrong name,
 * protocol failure.
 */
#ifndef ROCKER_TLS_H
#define ROCKER_TLS_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/*
 * A set of trust anchors. Caller-allocated; zero it or call
 * tls_trust_init() first; release with tls_trust_free() (safe on a zeroed
 * struct). Internals are private to tls.c.
 */
struct tls_trust {
	void *anchors;		/* br_x509_trust_anchor array (heap) */
	size_t count, cap;
};

void tls_trust_init(struct tls_trust *t);
void tls_trust_free(struct tls_trust *t);

/*
 * Add the system trust store: $SSL_CERT_FILE if set, else the first bundle
 * found among the usual Debian, RHEL, Alpine and SUSE paths; plus every
 * PEM file in $SSL_CERT_DIR (or /etc/ssl/certs when no bundle was found).
 * Finding no anchor at all is not an error here (a handshake will then fail
 * with "unknown certificate authority").
 */
int tls_trust_add_system(struct tls_trust *t, struct err *e);

/*
 * Add every certificate in PEM file `path` (one or more CERTIFICATE
 * blocks; other blocks are skipped). An unreadable or malformed file is an
 * error naming it.
 */
int tls_trust_add_file(struct tls_trust *t, const char *path, struct err *e);

/*
 * Add the per-registry CAs for `hostport` ("host" or "host:port") from
 * each directory in `dirs` (NULL-terminated list, e.g.
 * { "/etc/rocker/certs.d", "/etc/docker/certs.d", NULL }): every *.crt in
 * DIR/hostport/. Missing directories are skipped.
 */
int tls_trust_add_certs_d(struct tls_trust *t, const char *const *dirs,
    const char *hostport, struct err *e);

/*
 * A client connection. Caller-allocated and large (it holds BearSSL's
 * context and a bidirectional I/O buffer): embed it or allocate it, do not
 * put several on a small stack. Private to tls.c apart from what is named
 * here; release with tls_close() (safe on a zeroed struct).
 */
struct tls_conn;

/*
 * Allocate a connection object (heap; the caller frees it with
 * tls_close()). Returns NULL with `e` set when out of memory.
 */
struct tls_conn *tls_new(struct err *e);

/*
 * Run the handshake on the connected socket `fd` (borrowed: the caller
 * keeps it and closes it after tls_close()), sending `servername` as SNI
 * and verifying the server's certificate chain against `trust` (borrowed,
 * must outlive the connection) and its name against `servername` (a host
 * name or an IP literal). `timeout_ms` bounds each wait for the peer (0:
 * no limit). Returns 0, or -1 with `e` naming the cause.
 */
int tls_handshake(struct tls_conn *c, int fd, const char *servername,
    const struct tls_trust *trust, int timeout_ms, struct err *e);

/*
 * Read up to `len` bytes of application data. Returns the count, 0 when
 * the peer closed (close_notify, or a TCP close, which HTTP tolerates
 * after a complete response), -1 with `e` set. Waits at most the timeout
 * given to tls_handshake() for data.
 */
ssize_t tls_read(struct tls_conn *c, void *buf, size_t len, struct err *e);

/* Write all `len` bytes and flush them. Returns 0 or -1 with `e` set. */
int tls_write_all(struct tls_conn *c, const void *buf, size_t len,
    struct err *e);

/*
 * Send close_notify when the connection is healthy (best effort, without
 * waiting) and free `c`. Safe on NULL. Does not close the socket.
 */
void tls_close(struct tls_conn *c);

#endif

/* tls.h - TLS client connections through BearSSL
 *
 * Trust anchors are loaded at run time (never compiled in) from the system
 * bundle and, per registry, from certs.d directories. SNI and hostname
 * verification are always on. Handshake failures are reported with their
 * cause: unknown CA, expired or not yet valid certificate, wrong name,
 * protocol failure.
 *
 * Protocol: TLS 1.2 only (BearSSL's maximum; also the floor Docker uses),
 * every cipher suite of BearSSL's "full" client profile. BearSSL's X.509
 * engine checks no revocation and does not support Name Constraints.
 * The certificate dates are checked against the system clock.
 *
 * Error texts (e->msg, lower case, no prefix; callers add context):
 *   "certificate signed by unknown authority"        (code ERR_PROTO)
 *   "certificate has expired or is not yet valid"    (code ERR_PROTO)
 *   "certificate is not valid for NAME"              (code ERR_PROTO)
 *   "server does not speak TLS" [" (it answered in plain HTTP)"]
 *                                                    (code ERR_PROTO)
 *   "server sent TLS alert N (NAME)", "server does not support TLS 1.2",
 *   a few more "certificate ..." causes, else "TLS error N" (ERR_PROTO)
 *   "connection reset during handshake"              (code ECONNRESET)
 *   "connection closed during handshake"             (code ECONNRESET)
 *   "TLS handshake timed out after N ms"             (code ETIMEDOUT)
 *   "timed out after N ms"                           (code ETIMEDOUT)
 *   "recv: STRERROR", "send: STRERROR", "poll: ..."  (code errno)
 */
#ifndef ROCKER_TLS_H
#define ROCKER_TLS_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/*
 * A set of trust anchors. Caller-allocated; zero it or call
 * tls_trust_init() first; release with tls_trust_free() (safe on a zeroed
 * struct). Internals are private to tls.c: `anchors` is a heap array of
 * br_x509_trust_anchor, each owning one heap block for its DN and key.
 * Duplicate certificates (same subject and key) are stored once. At most
 * 4096 anchors; a PEM file may be at most 16 MiB.
 *
 * The tls_trust_add_*() functions are all or nothing: when one fails, the
 * set holds what it held before the call.
 */
struct tls_trust {
	void *anchors;		/* br_x509_trust_anchor array (heap) */
	size_t count, cap;
};

void tls_trust_init(struct tls_trust *t);
void tls_trust_free(struct tls_trust *t);

/*
 * Add the system trust store: $SSL_CERT_FILE if set, else the first bundle
 * found among /etc/ssl/certs/ca-certificates.crt (Debian, Ubuntu),
 * /etc/pki/tls/certs/ca-bundle.crt (RHEL, Fedora), /etc/ssl/cert.pem
 * (Alpine), /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem and
 * /etc/ssl/ca-bundle.pem (SUSE); plus every *.pem, *.crt, *.cer and
 * OpenSSL hash-named (8 hex digits, '.', digits) file in each directory
 * of $SSL_CERT_DIR (colon-separated), or in /etc/ssl/certs when neither
 * $SSL_CERT_DIR nor a bundle was found.
 *
 * System stores are read leniently: a certificate BearSSL cannot decode
 * (say an Ed25519 or RSA-8192 root) or a malformed block is skipped, not
 * fatal. A bundle that cannot be opened (other than missing), read, or
 * exceeds the size cap is an error. Finding no anchor at all is not an
 * error here (a handshake will then fail with "certificate signed by
 * unknown authority").
 */
int tls_trust_add_system(struct tls_trust *t, struct err *e);

/*
 * Add every certificate in PEM file `path` (one or more CERTIFICATE or
 * X509 CERTIFICATE blocks; other blocks such as keys are skipped). Strict:
 * an unreadable file, malformed PEM, a certificate that does not decode,
 * or a file without any certificate is an error naming the file (and the
 * line, for PEM errors). A certificate asserting CA status (basic
 * constraints) becomes a CA anchor; any other one is trusted only as
 * that exact server certificate ("direct trust").
 */
int tls_trust_add_file(struct tls_trust *t, const char *path, struct err *e);

/*
 * Like tls_trust_add_file() for `len` bytes of PEM text at `pem`
 * (borrowed, only read during the call; need not be NUL-terminated).
 * Errors carry no file name.
 */
int tls_trust_add_pem(struct tls_trust *t, const void *pem, size_t len,
    struct err *e);

/*
 * Add the per-registry CAs for `hostport` ("host" or "host:port", exactly
 * as the registry is named in image references, as Docker does) from
 * each directory in `dirs` (NULL-terminated list, e.g.
 * { "/etc/rocker/certs.d", "/etc/docker/certs.d", NULL }): every *.crt in
 * DIR/hostport/, read strictly as by tls_trust_add_file(). Missing
 * directories are skipped. Client certificates (*.cert, *.key) are not
 * supported and ignored. A `hostport` that is empty, ".", ".." or holds a
 * '/' is an error.
 */
int tls_trust_add_certs_d(struct tls_trust *t, const char *const *dirs,
    const char *hostport, struct err *e);

/*
 * A client connection: BearSSL's client and X.509 contexts, the
 * bidirectional I/O buffer (about 33 KiB) and the state of the wait
 * loops, about 56 KiB in all. Private to tls.c; obtain one with tls_new()
 * and release it with tls_close().
 */
struct tls_conn;

/*
 * Allocate a connection object (heap; the caller frees it with
 * tls_close()). Returns NULL with `e` set when out of memory.
 */
struct tls_conn *tls_new(struct err *e);

/*
 * Run the handshake on the connected socket `fd` (borrowed: the caller
 * keeps it and closes it after tls_close(); blocking or not, it is only
 * used after poll() says it is ready), verifying the server's certificate
 * chain against `trust` (borrowed, must outlive the connection and not
 * change during it) and its name against `servername`.
 *
 * `servername` is a host name or an IP literal, without port; an IPv6
 * literal may be bracketed, a host name may end in one dot (dropped). A host name is sent as SNI and matched by
 * BearSSL against the certificate's dNSName subjectAltNames (or its CN when
 * it has no SAN), one leading "*." wildcard allowed. An IP literal is not
 * sent as SNI (RFC 6066 forbids it); the certificate must carry it as an
 * iPAddress subjectAltName, or, for older test certificates, as a dNSName
 * equal to the literal text (no CN fallback, no wildcards); see
 * tls_cert_matches_ip().
 *
 * `timeout_ms` bounds the whole handshake, and afterwards each wait for
 * the peer in tls_read() and tls_write_all() (0 or negative: no limit).
 * A connection object serves one handshake (call tls_handshake() again
 * only after a failure or to restart from scratch). Returns 0, or -1 with
 * `e` naming the cause (see the error texts above).
 */
int tls_handshake(struct tls_conn *c, int fd, const char *servername,
    const struct tls_trust *trust, int timeout_ms, struct err *e);

/*
 * Read up to `len` bytes of application data. Returns the count (> 0),
 * 0 when the peer closed, or -1 with `e` set. A close is either a
 * close_notify alert or a plain TCP close (EOF) without close_notify: the
 * latter is reported as 0 as well, because registries and CDNs often omit
 * close_notify; a truncated body must therefore be detected by the caller
 * (Content-Length, chunked framing), as HTTP/1.1 does. Waits at most the
 * timeout given to tls_handshake() for data. Errors are sticky: once a
 * call fails, every later one fails with the same message.
 */
ssize_t tls_read(struct tls_conn *c, void *buf, size_t len, struct err *e);

/*
 * Write all `len` bytes and flush them. Returns 0 or -1 with `e` set
 * (sticky, as for tls_read()). Each wait for the socket to accept data is
 * bounded by the handshake's timeout.
 */
int tls_write_all(struct tls_conn *c, const void *buf, size_t len,
    struct err *e);

/*
 * Send close_notify when the connection is healthy (best effort, without
 * waiting), wipe and free `c`. Safe on NULL. Does not close the socket.
 */
void tls_close(struct tls_conn *c);

/*
 * Whether the DER certificate `der` (`len` bytes, borrowed) names the IP
 * literal `ip` (as accepted by tls_handshake()) in its subjectAltName: an
 * iPAddress entry with the same address (4 bytes for IPv4, 16 for IPv6),
 * or a dNSName equal to the literal text, ignoring case. Returns 1 if so,
 * 0 if not, if `ip` is not an IP literal or the DER is malformed. This is
 * the check tls_handshake() applies to IP-literal server names, after
 * BearSSL has validated the chain; exposed for tests and fuzzing.
 */
int tls_cert_matches_ip(const void *der, size_t len, const char *ip);

#endif

/* tls.c - TLS 1.2 client over BearSSL: run-time trust anchors, IP names,
 * poll()-bounded socket I/O and readable handshake errors
 *
 * Trust: br_pem_decoder streams the PEM text into br_x509_decoder, which
 * hands us the subject DN (through a callback) and the public key; each
 * anchor then owns one heap block holding both. Files are read in chunks,
 * never whole.
 *
 * Handshake: br_ssl_client_init_full(), limited to TLS 1.2. BearSSL's
 * "minimal" X.509 engine only matches DNS names, so it is wrapped by
 * struct name_check: for a host name the wrapper just forwards; for an IP
 * literal the engine gets no name (it still validates the chain) and the
 * wrapper keeps a copy of the end-entity certificate to look for the
 * address among its subjectAltNames once the chain is found valid.
 *
 * I/O: the engine is driven by hand (no br_sslio) so that every wait for
 * the socket goes through poll() with the caller's timeout, and sends use
 * MSG_NOSIGNAL | MSG_DONTWAIT so that neither SIGPIPE nor a blocking
 * socket can stall us past it.
 */

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bearssl.h>

#include "log.h"
#include "tls.h"

enum {
	TRUST_MAX = 4096,		/* anchors in one struct tls_trust */
	PEM_FILE_MAX = 16 << 20,	/* bytes in one PEM file */
	DN_MAX = 4096,			/* bytes in one subject DN */
	DIR_MAX = 10000,		/* entries scanned in one directory */
	READ_CHUNK = 16384,
	EE_MAX = 16384,			/* end-entity cert kept for IP checks */
	SERVERNAME_MAX = 255,		/* BearSSL's limit for server_name */
	SEED_LEN = 32,
};

/* The X.509 wrapper that adds IP-literal name checks (see the top). */
struct name_check {
	const br_x509_class *vtable;	/* first: BearSSL passes &vtable */
	br_x509_minimal_context *inner;
	int want_ip;			/* server name is an IP literal */
	const char *ip_text;		/* that literal */
	uint32_t ncerts;		/* certificates started in this chain */
	size_t ee_len;
	int ee_over;			/* end-entity larger than EE_MAX */
	unsigned char ee[EE_MAX];
};

struct tls_conn {
	br_ssl_client_context cc;
	br_x509_minimal_context xc;
	struct name_check nc;
	int fd;
	int timeout_ms;			/* <= 0: no limit */
	int64_t deadline;		/* ms, CLOCK_MONOTONIC; 0: per wait */
	int hs_done;			/* handshake finished */
	int eof;			/* peer closed: reads return 0 */
	int failed;			/* `err` holds the sticky error */
	size_t nfirst;			/* bytes of `first` received */
	unsigned char first[5];		/* start of the peer's first record */
	char name[SERVERNAME_MAX + 1];
	struct err err;
	unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
};

/* Streaming PEM -> X.509 decoding state for one file or buffer. */
struct loader {
	struct tls_trust *t;
	int strict;			/* errors are fatal, else skipped */
	int in_obj, in_cert;
	unsigned long line, last_line;	/* line of the next, last byte */
	unsigned long obj_line;		/* line of the current BEGIN */
	size_t certs, skipped;
	size_t dn_len;
	int dn_over;
	br_pem_decoder_context pem;
	br_x509_decoder_context x509;
	unsigned char dn[DN_MAX];
};

static const char *const system_bundles[] = {
	"/etc/ssl/certs/ca-certificates.crt",
	"/etc/pki/tls/certs/ca-bundle.crt",
	"/etc/ssl/cert.pem",
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
	"/etc/ssl/ca-bundle.pem",
};
static const char system_cert_dir[] = "/etc/ssl/certs";

static const struct {
	int code;
	const char *msg;
} tls_errors[] = {
	{ BR_ERR_X509_NOT_TRUSTED, "certificate signed by unknown authority" },
	{ BR_ERR_X509_EXPIRED, "certificate has expired or is not yet valid" },
	{ BR_ERR_X509_EMPTY_CHAIN, "server sent no certificate" },
	{ BR_ERR_X509_BAD_SIGNATURE, "certificate has an invalid signature" },
	{ BR_ERR_X509_NOT_CA, "certificate issued by a certificate that is "
	    "not a CA" },
	{ BR_ERR_X509_DN_MISMATCH, "certificate chain is out of order or "
	    "incomplete" },
	{ BR_ERR_X509_CRITICAL_EXTENSION, "certificate has an unsupported "
	    "critical extension" },
	{ BR_ERR_X509_FORBIDDEN_KEY_USAGE, "certificate key usage forbids "
	    "TLS server authentication" },
	{ BR_ERR_X509_WEAK_PUBLIC_KEY, "certificate public key is too small" },
	{ BR_ERR_X509_UNSUPPORTED, "certificate uses unsupported features" },
	{ BR_ERR_X509_LIMIT_EXCEEDED, "certificate key or signature is too "
	    "large" },
	{ BR_ERR_X509_TIME_UNKNOWN, "cannot check certificate dates: no "
	    "clock" },
	{ BR_ERR_UNSUPPORTED_VERSION, "server does not support TLS 1.2" },
	{ BR_ERR_BAD_CIPHER_SUITE, "no cipher suite in common with the "
	    "server" },
	{ BR_ERR_INVALID_ALGORITHM, "server chose an unsupported curve or "
	    "signature algorithm" },
	{ BR_ERR_BAD_SIGNATURE, "server key exchange signature is invalid" },
	{ BR_ERR_WRONG_KEY_USAGE, "certificate key does not fit the cipher "
	    "suite" },
	{ BR_ERR_BAD_MAC, "record authentication failed" },
	{ BR_ERR_NO_RANDOM, "no entropy source" },
};

static const struct {
	int alert;
	const char *name;
} tls_alerts[] = {
	{ 10, "unexpected message" }, { 20, "bad record mac" },
	{ 40, "handshake failure" }, { 42, "bad certificate" },
	{ 43, "unsupported certificate" }, { 46, "certificate unknown" },
	{ 47, "illegal parameter" }, { 48, "unknown ca" },
	{ 50, "decode error" }, { 51, "decrypt error" },
	{ 70, "protocol version" }, { 71, "insufficient security" },
	{ 80, "internal error" }, { 86, "inappropriate fallback" },
	{ 90, "user canceled" }, { 109, "missing extension" },
	{ 112, "unrecognized name" }, { 116, "certificate required" },
	{ 120, "no application protocol" },
};

/* ---- trust anchors ---- */

static size_t
pkey_len(const br_x509_pkey *pk)
{
	if (pk->key_type == BR_KEYTYPE_RSA)
		return pk->key.rsa.nlen + pk->key.rsa.elen;
	return pk->key.ec.qlen;
}

static int
same_anchor(const br_x509_trust_anchor *a, const unsigned char *dn,
    size_t dn_len, const br_x509_pkey *pk)
{
	const br_rsa_public_key *r1 = &a->pkey.key.rsa, *r2 = &pk->key.rsa;
	const br_ec_public_key *e1 = &a->pkey.key.ec, *e2 = &pk->key.ec;

	if (a->dn.len != dn_len || memcmp(a->dn.data, dn, dn_len) != 0 ||
	    a->pkey.key_type != pk->key_type)
		return 0;
	if (pk->key_type == BR_KEYTYPE_RSA)
		return r1->nlen == r2->nlen && r1->elen == r2->elen &&
		    memcmp(r1->n, r2->n, r2->nlen) == 0 &&
		    memcmp(r1->e, r2->e, r2->elen) == 0;
	return e1->curve == e2->curve && e1->qlen == e2->qlen &&
	    memcmp(e1->q, e2->q, e2->qlen) == 0;
}

/* Append a copy of (dn, pk) to `t` unless it is already there. */
static int
anchor_add(struct tls_trust *t, const unsigned char *dn, size_t dn_len,
    const br_x509_pkey *pk, unsigned flags, struct err *e)
{
	br_x509_trust_anchor *ta = t->anchors, *a;
	unsigned char *block;
	size_t i, n;

	for (i = 0; i < t->count; i++) {
		if (same_anchor(&ta[i], dn, dn_len, pk)) {
			ta[i].flags |= flags;
			return 0;
		}
	}
	if (t->count >= TRUST_MAX)
		return err_set(e, ERR_LIMIT, "more than %d trusted "
		    "certificates", TRUST_MAX);
	if (t->count == t->cap) {
		n = t->cap ? t->cap * 2 : 64;
		if (n > TRUST_MAX)
			n = TRUST_MAX;
		ta = realloc(t->anchors, n * sizeof(*ta));
		if (!ta)
			return err_sys(e, "trust anchors");
		t->anchors = ta;
		t->cap = n;
	}
	block = malloc(dn_len + pkey_len(pk) + 1);
	if (!block)
		return err_sys(e, "trust anchor");
	a = &ta[t->count];
	memset(a, 0, sizeof(*a));
	memcpy(block, dn, dn_len);
	a->dn.data = block;
	a->dn.len = dn_len;
	a->flags = flags;
	a->pkey.key_type = pk->key_type;
	block += dn_len;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		a->pkey.key.rsa.n = block;
		a->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		memcpy(block, pk->key.rsa.n, pk->key.rsa.nlen);
		block += pk->key.rsa.nlen;
		a->pkey.key.rsa.e = block;
		a->pkey.key.rsa.elen = pk->key.rsa.elen;
		memcpy(block, pk->key.rsa.e, pk->key.rsa.elen);
	} else {
		a->pkey.key.ec.curve = pk->key.ec.curve;
		a->pkey.key.ec.q = block;
		a->pkey.key.ec.qlen = pk->key.ec.qlen;
		memcpy(block, pk->key.ec.q, pk->key.ec.qlen);
	}
	t->count++;
	return 0;
}

/* Drop anchors added after the set had `count` of them. */
static void
trust_truncate(struct tls_trust *t, size_t count)
{
	br_x509_trust_anchor *ta = t->anchors;

	while (t->count > count)
		free(ta[--t->count].dn.data);
}

static void
dn_append(void *ctx, const void *buf, size_t len)
{
	struct loader *ld = ctx;

	if (ld->dn_over || len > sizeof(ld->dn) - ld->dn_len) {
		ld->dn_over = 1;
		return;
	}
	memcpy(ld->dn + ld->dn_len, buf, len);
	ld->dn_len += len;
}

/*
 * Push decoded certificate bytes. BearSSL 0.6's decoder must not be pushed
 * to once it has failed (its VM would resume past the failure and crash),
 * e.g. on bytes after a complete certificate, so check its error first.
 */
static void
x509_push(void *ctx, const void *buf, size_t len)
{
	br_x509_decoder_context *dc = ctx;

	if (dc->err == 0)
		br_x509_decoder_push(dc, buf, len);
}

static const char *
x509_reason(int code)
{
	switch (code) {
	case BR_ERR_X509_UNSUPPORTED:
	case BR_ERR_X509_WRONG_KEY_TYPE:
		return "unsupported key or signature type";
	case BR_ERR_X509_LIMIT_EXCEEDED:
		return "key too large";
	case BR_ERR_X509_TRUNCATED:
	case BR_ERR_X509_INNER_TRUNC:
		return "truncated";
	default:
		return "malformed";
	}
}

/* A CERTIFICATE block ended: turn it into an anchor. */
static int
loader_cert(struct loader *ld, struct err *e)
{
	br_x509_decoder_context *dc = &ld->x509;
	br_x509_pkey *pk;
	int code;

	ld->certs++;
	code = br_x509_decoder_last_error(dc);
	pk = br_x509_decoder_get_pkey(dc);
	if (code == 0 && ld->dn_over)
		code = BR_ERR_X509_LIMIT_EXCEEDED;
	if (code != 0 || !pk) {
		if (ld->strict)
			return err_set(e, ERR_PARSE, "line %lu: certificate: "
			    "%s (X.509 error %d)", ld->obj_line,
			    ld->dn_over ? "subject name too long" :
			    x509_reason(code), code);
		log_debug("tls: skipping certificate at line %lu: %s",
		    ld->obj_line, x509_reason(code));
		ld->skipped++;
		return 0;
	}
	return anchor_add(ld->t, ld->dn, ld->dn_len, pk,
	    br_x509_decoder_isCA(dc) ? BR_X509_TA_CA : 0, e);
}

static void
loader_init(struct loader *ld, struct tls_trust *t, int strict)
{
	memset(ld, 0, sizeof(*ld));
	ld->t = t;
	ld->strict = strict;
	ld->line = ld->last_line = 1;
	br_pem_decoder_init(&ld->pem);
}

static void
count_lines(struct loader *ld, const unsigned char *p, size_t n)
{
	const unsigned char *end = p + n, *nl;

	if (n == 0)
		return;
	ld->last_line = ld->line;
	while ((nl = memchr(p, '\n', end - p)) != NULL) {
		ld->last_line = ld->line++;
		p = nl + 1;
		if (p < end)
			ld->last_line = ld->line;
	}
}

static int
feed_run(struct loader *ld, const unsigned char *p, size_t len,
    struct err *e)
{
	const char *name;
	size_t n;
	int ev;

	while (len > 0) {
		n = br_pem_decoder_push(&ld->pem, p, len);
		count_lines(ld, p, n);
		p += n;
		len -= n;
		ev = br_pem_decoder_event(&ld->pem);
		switch (ev) {
		case BR_PEM_BEGIN_OBJ:
			name = br_pem_decoder_name(&ld->pem);
			ld->in_obj = 1;
			ld->obj_line = ld->last_line;
			ld->in_cert = strcmp(name, "CERTIFICATE") == 0 ||
			    strcmp(name, "X509 CERTIFICATE") == 0;
			if (ld->in_cert) {
				ld->dn_len = 0;
				ld->dn_over = 0;
				br_x509_decoder_init(&ld->x509, dn_append, ld);
				br_pem_decoder_setdest(&ld->pem, x509_push,
				    &ld->x509);
			} else {
				br_pem_decoder_setdest(&ld->pem, NULL, NULL);
			}
			break;
		case BR_PEM_END_OBJ:
			ld->in_obj = 0;
			if (ld->in_cert && loader_cert(ld, e) < 0)
				return -1;
			ld->in_cert = 0;
			break;
		case BR_PEM_ERROR:
			ld->in_obj = ld->in_cert = 0;
			if (ld->strict)
				return err_set(e, ERR_PARSE,
				    "line %lu: malformed PEM", ld->last_line);
			log_debug("tls: skipping malformed PEM at line %lu",
			    ld->last_line);
			ld->skipped++;
			break;
		default:
			if (n == 0)
				return err_set(e, ERR_PARSE,
				    "line %lu: PEM decoder stalled",
				    ld->last_line);
			break;
		}
	}
	return 0;
}

/*
 * Feed PEM text to the decoder. Carriage returns are dropped here:
 * BearSSL 0.6 leaves a stale byte in the object name for a CR at the end of
 * a BEGIN line, so "BEGIN CERTIFICATE-----\r\n" would not be recognised.
 */
static int
loader_feed(struct loader *ld, const void *buf, size_t len, struct err *e)
{
	const unsigned char *p = buf, *cr;
	size_t n;

	while (len > 0) {
		cr = memchr(p, '\r', len);
		n = cr ? (size_t)(cr - p) : len;
		if (n > 0 && feed_run(ld, p, n, e) < 0)
			return -1;
		if (cr)
			n++;
		p += n;
		len -= n;
	}
	return 0;
}

/* End of input: close a last END line, reject a truncated block. */
static int
loader_finish(struct loader *ld, struct err *e)
{
	if (loader_feed(ld, "\n", 1, e) < 0)
		return -1;
	if (ld->in_obj) {
		if (ld->strict)
			return err_set(e, ERR_PARSE, "line %lu: truncated PEM "
			    "block (no END line)", ld->last_line);
		ld->skipped++;
	}
	if (ld->strict && ld->certs == 0)
		return err_set(e, ERR_PARSE, "no certificate found");
	return 0;
}

/* Feed the open file `fd` to `ld`; the caller closes fd. */
static int
loader_fd(struct loader *ld, int fd, struct err *e)
{
	unsigned char buf[READ_CHUNK];
	struct stat st;
	size_t total = 0;
	ssize_t n;

	if (fstat(fd, &st) < 0)
		return err_sys(e, "stat");
	if (!S_ISREG(st.st_mode))
		return err_set(e, ERR_PARSE, "not a regular file");
	if (st.st_size > PEM_FILE_MAX)
		return err_set(e, ERR_LIMIT, "larger than %d MiB",
		    PEM_FILE_MAX >> 20);
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(e, "read");
		if (n == 0)
			break;
		total += (size_t)n;
		if (total > PEM_FILE_MAX)
			return err_set(e, ERR_LIMIT, "larger than %d MiB",
			    PEM_FILE_MAX >> 20);
		if (loader_feed(ld, buf, (size_t)n, e) < 0)
			return -1;
	}
	return loader_finish(ld, e);
}

/*
 * Load PEM file `path`. Returns 0, -1 with `e` set, or 1 when the file
 * does not exist and `missing_ok`.
 */
static int
load_path(struct tls_trust *t, const char *path, int strict, int missing_ok,
    struct err *e)
{
	struct loader *ld;
	size_t before = t->count;
	int fd, r;

	/* O_NONBLOCK: a FIFO must not hang us; loader_fd() wants a file. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (missing_ok && (errno == ENOENT || errno == ENOTDIR))
			return 1;
		return err_sys(e, "%s", path);
	}
	ld = malloc(sizeof(*ld));
	if (!ld) {
		close(fd);
		return err_sys(e, "%s", path);
	}
	loader_init(ld, t, strict);
	r = loader_fd(ld, fd, e);
	close(fd);
	if (r < 0) {
		trust_truncate(t, before);
		err_ctx(e, "%s", path);
	} else if (ld->skipped) {
		log_debug("tls: %s: %zu certificates, %zu skipped", path,
		    ld->certs, ld->skipped);
	}
	free(ld);
	return r < 0 ? -1 : 0;
}

/* OpenSSL c_rehash names for certificates: 8 hex digits, '.', digits. */
static int
hash_name(const char *s)
{
	int i;

	for (i = 0; i < 8; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	if (s[8] != '.')
		return 0;
	s += 9;
	if (*s < '0' || *s > '9')
		return 0;
	while (*s >= '0' && *s <= '9')
		s++;
	return *s == '\0';
}

static int
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

static int
system_cert_name(const char *s)
{
	return has_suffix(s, ".pem") || has_suffix(s, ".crt") ||
	    has_suffix(s, ".cer") || hash_name(s);
}

/*
 * Load the regular files of `dir` whose names pass `want`. A missing
 * directory is skipped. The set is restored on error.
 */
static int
load_dir(struct tls_trust *t, const char *dir, int (*want)(const char *),
    int strict, struct err *e)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	size_t before = t->count, seen = 0;
	DIR *d;
	int r = 0;

	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return err_sys(e, "%s", dir);
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				r = err_sys(e, "%s", dir);
			break;
		}
		if (de->d_name[0] == '.' || !want(de->d_name))
			continue;
		if (++seen > DIR_MAX) {
			r = err_set(e, ERR_LIMIT, "%s: more than %d files", dir,
			    DIR_MAX);
			break;
		}
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    de->d_name) >= sizeof(path)) {
			r = err_set(e, ERR_LIMIT, "%s: path too long", dir);
			break;
		}
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (load_path(t, path, strict, 1, e) < 0) {
			if (strict) {
				r = -1;
				break;
			}
			log_debug("tls: skipping %s", e->msg);
		}
	}
	closedir(d);
	if (r < 0)
		trust_truncate(t, before);
	return r;
}

static int
crt_name(const char *s)
{
	return has_suffix(s, ".crt");
}

/* ---- IP literals and subjectAltName ---- */

/* Parse an IP literal (IPv6 possibly bracketed); returns its length or 0. */
static size_t
parse_ip(const char *s, unsigned char out[16])
{
	char buf[64];
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(buf))
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, buf, out) == 1)
		return 16;
	return 0;
}

/* A DER reader over a bounded span. */
struct der {
	const unsigned char *p;
	size_t n;
};

/* Read one element (one-byte tag, definite length) from `d`. */
static int
der_next(struct der *d, unsigned *tag, struct der *val)
{
	size_t len, k;

	if (d->n < 2 || (d->p[0] & 0x1f) == 0x1f)
		return -1;
	*tag = d->p[0];
	len = d->p[1];
	d->p += 2;
	d->n -= 2;
	if (len & 0x80) {
		k = len & 0x7f;
		if (k == 0 || k > 4 || k > d->n)
			return -1;
		for (len = 0; k > 0; k--) {
			len = len << 8 | *d->p++;
			d->n--;
		}
	}
	if (len > d->n)
		return -1;
	val->p = d->p;
	val->n = len;
	d->p += len;
	d->n -= len;
	return 0;
}

/* Does a GeneralNames sequence hold address `ip` or dNSName `text`? */
static int
names_match(struct der names, const unsigned char *ip, size_t iplen,
    const char *text)
{
	struct der gn;
	unsigned tag;
	size_t tlen = strlen(text);

	while (names.n > 0) {
		if (der_next(&names, &tag, &gn) < 0)
			return 0;
		if (tag == 0x87 && gn.n == iplen &&
		    memcmp(gn.p, ip, iplen) == 0)
			return 1;
		if (tag == 0x82 && gn.n == tlen &&
		    strncasecmp((const char *)gn.p, text, tlen) == 0)
			return 1;
	}
	return 0;
}

static int
san_match(const unsigned char *der, size_t len, const unsigned char *ip,
    size_t iplen, const char *text)
{
	static const unsigned char san_oid[] = { 0x55, 0x1d, 0x11 };
	struct der all = { der, len }, cert, tbs, el, exts, ext, oid, v, names;
	unsigned tag;

	if (der_next(&all, &tag, &cert) < 0 || tag != 0x30 ||
	    der_next(&cert, &tag, &tbs) < 0 || tag != 0x30)
		return 0;
	while (tbs.n > 0) {
		if (der_next(&tbs, &tag, &el) < 0)
			return 0;
		if (tag != 0xa3)	/* [3] extensions */
			continue;
		if (der_next(&el, &tag, &exts) < 0 || tag != 0x30)
			return 0;
		while (exts.n > 0) {
			if (der_next(&exts, &tag, &ext) < 0 || tag != 0x30 ||
			    der_next(&ext, &tag, &oid) < 0 || tag != 0x06)
				return 0;
			if (oid.n != sizeof(san_oid) ||
			    memcmp(oid.p, san_oid, oid.n) != 0)
				continue;
			if (der_next(&ext, &tag, &v) < 0)
				return 0;
			if (tag == 0x01 && der_next(&ext, &tag, &v) < 0)
				return 0;
			if (tag != 0x04 || der_next(&v, &tag, &names) < 0 ||
			    tag != 0x30)
				return 0;
			if (names_match(names, ip, iplen, text))
				return 1;
		}
	}
	return 0;
}

/* ---- the X.509 wrapper ---- */

static void
nc_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct name_check *nc = (struct name_check *)(void *)ctx;

	nc->ncerts = 0;
	nc->ee_len = 0;
	nc->ee_over = 0;
	nc->inner->vtable->start_chain(&nc->inner->vtable,
	    nc->want_ip ? NULL : server_name);
}

static void
nc_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct name_check *nc = (struct name_check *)(void *)ctx;

	if (nc->ncerts++ == 0 && length > sizeof(nc->ee))
		nc->ee_over = 1;
	nc->inner->vtable->start_cert(&nc->inner->vtable, length);
}

static void
nc_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct name_check *nc = (struct name_check *)(void *)ctx;

	if (nc->want_ip && nc->ncerts == 1 && !nc->ee_over) {
		if (len > sizeof(nc->ee) - nc->ee_len) {
			nc->ee_over = 1;
		} else {
			memcpy(nc->ee + nc->ee_len, buf, len);
			nc->ee_len += len;
		}
	}
	nc->inner->vtable->append(&nc->inner->vtable, buf, len);
}

static void
nc_end_cert(const br_x509_class **ctx)
{
	struct name_check *nc = (struct name_check *)(void *)ctx;

	nc->inner->vtable->end_cert(&nc->inner->vtable);
}

static unsigned
nc_end_chain(const br_x509_class **ctx)
{
	struct name_check *nc = (struct name_check *)(void *)ctx;
	unsigned r;

	r = nc->inner->vtable->end_chain(&nc->inner->vtable);
	if (r == 0 && nc->want_ip && (nc->ee_over ||
	    !tls_cert_matches_ip(nc->ee, nc->ee_len, nc->ip_text)))
		r = BR_ERR_X509_BAD_SERVER_NAME;
	return r;
}

static const br_x509_pkey *
nc_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	const struct name_check *nc;

	nc = (const struct name_check *)(const void *)ctx;

	return nc->inner->vtable->get_pkey(
	    (const br_x509_class *const *)&nc->inner->vtable, usages);
}

static const br_x509_class name_check_vtable = {
	sizeof(struct name_check),
	nc_start_chain,
	nc_start_cert,
	nc_append,
	nc_end_cert,
	nc_end_chain,
	nc_get_pkey,
};

/* ---- connection I/O ---- */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Make the sticky error: copy `e` into the connection. Returns -1. */
static int
remember(struct tls_conn *c, struct err *e)
{
	c->failed = 1;
	c->err = *e;
	return -1;
}

static int
timed_out(struct tls_conn *c, struct err *e)
{
	if (!c->hs_done)
		return err_set(e, ETIMEDOUT, "TLS handshake timed out after "
		    "%d ms", c->timeout_ms);
	return err_set(e, ETIMEDOUT, "timed out after %d ms", c->timeout_ms);
}

/* Wait until `fd` is ready for `events`, within the timeout. */
static int
wait_fd(struct tls_conn *c, short events, struct err *e)
{
	struct pollfd pfd;
	int64_t end, left;
	int r, ms;

	end = c->deadline;
	if (!end && c->timeout_ms > 0)
		end = now_ms() + c->timeout_ms;
	for (;;) {
		ms = -1;
		if (end) {
			left = end - now_ms();
			if (left <= 0)
				return timed_out(c, e);
			ms = left > INT_MAX ? INT_MAX : (int)left;
		}
		pfd.fd = c->fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, ms);
		if (r > 0)
			return 0;
		if (r == 0)
			return timed_out(c, e);
		if (errno != EINTR)
			return err_sys(e, "poll");
	}
}

static int
io_failed(struct tls_conn *c, const char *op, struct err *e)
{
	if (!c->hs_done && (errno == ECONNRESET || errno == EPIPE))
		return err_set(e, ECONNRESET,
		    "connection reset during handshake");
	return err_sys(e, "%s", op);
}

static int
would_block(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

/*
 * Send some record bytes: count (> 0), or -1 with `e` set. Tries first
 * and polls only when the socket is full, which saves a poll() per record
 * on a busy connection. MSG_DONTWAIT keeps a blocking socket from
 * blocking past the timeout, MSG_NOSIGNAL spares us SIGPIPE.
 */
static ssize_t
sock_send(struct tls_conn *c, const void *buf, size_t len, struct err *e)
{
	ssize_t n;

	for (;;) {
		n = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			return n;
		if (n == 0)
			return err_set(e, EIO, "send: no progress");
		if (!would_block())
			return io_failed(c, "send", e);
		if (wait_fd(c, POLLOUT, e) < 0)
			return -1;
	}
}

/* Receive some record bytes: count, 0 at EOF, or -1 with `e` set. */
static ssize_t
sock_recv(struct tls_conn *c, void *buf, size_t len, struct err *e)
{
	ssize_t n;

	for (;;) {
		n = recv(c->fd, buf, len, MSG_DONTWAIT);
		if (n >= 0)
			return n;
		if (!would_block())
			return io_failed(c, "recv", e);
		if (wait_fd(c, POLLIN, e) < 0)
			return -1;
	}
}

/* Could `p` (n bytes, n >= 1) start a TLS record? */
static int
looks_like_tls(const unsigned char *p, size_t n)
{
	if (p[0] < 20 || p[0] > 24)
		return 0;
	return n < 2 || p[1] == 3;
}

/* Turn the engine's error code into a message. */
static int
engine_error(struct tls_conn *c, int code, struct err *e)
{
	size_t i;
	int a;

	if (!c->hs_done && c->nfirst > 0 &&
	    !looks_like_tls(c->first, c->nfirst))
		return err_set(e, ERR_PROTO, "server does not speak TLS%s",
		    c->nfirst >= 5 && memcmp(c->first, "HTTP/", 5) == 0 ?
		    " (it answered in plain HTTP)" : "");
	if (code == BR_ERR_X509_BAD_SERVER_NAME)
		return err_set(e, ERR_PROTO, "certificate is not valid for %s",
		    c->name);
	for (i = 0; i < sizeof(tls_errors) / sizeof(tls_errors[0]); i++)
		if (tls_errors[i].code == code)
			return err_set(e, ERR_PROTO, "%s", tls_errors[i].msg);
	if (code >= BR_ERR_RECV_FATAL_ALERT &&
	    code < BR_ERR_SEND_FATAL_ALERT) {
		a = code - BR_ERR_RECV_FATAL_ALERT;
		for (i = 0; i < sizeof(tls_alerts) / sizeof(tls_alerts[0]); i++)
			if (tls_alerts[i].alert == a)
				return err_set(e, ERR_PROTO, "server sent TLS "
				    "alert %d (%s)", a, tls_alerts[i].name);
		return err_set(e, ERR_PROTO, "server sent TLS alert %d", a);
	}
	return err_set(e, ERR_PROTO, "TLS error %d", code);
}

/*
 * Drive the engine until it offers `want` (BR_SSL_SENDAPP or
 * BR_SSL_RECVAPP). Returns 1 when it does, 0 when the peer closed (and
 * the caller may report that), -1 with `e` set.
 */
static int
pump(struct tls_conn *c, unsigned want, struct err *e)
{
	br_ssl_engine_context *eng = &c->cc.eng;
	unsigned char *buf;
	unsigned st;
	size_t len, k;
	ssize_t n;
	int flushed = 0, code;

	for (;;) {
		st = br_ssl_engine_current_state(eng);
		if (st & BR_SSL_CLOSED) {
			code = br_ssl_engine_last_error(eng);
			if (code != BR_ERR_OK)
				return engine_error(c, code, e);
			c->eof = 1;
			if (!c->hs_done)
				return err_set(e, ECONNRESET, "connection "
				    "closed during handshake");
			return 0;
		}
		if (st & BR_SSL_SENDREC) {
			buf = br_ssl_engine_sendrec_buf(eng, &len);
			n = sock_send(c, buf, len, e);
			if (n < 0) {
				/* Our answer to a close_notify may find the
				 * peer gone (RFC 5246 lets it not wait). */
				if (eng->shutdown_recv) {
					c->eof = 1;
					return 0;
				}
				return -1;
			}
			br_ssl_engine_sendrec_ack(eng, (size_t)n);
			flushed = 0;
			continue;
		}
		if (st & want)
			return 1;
		if (want == BR_SSL_SENDAPP && (st & BR_SSL_RECVAPP) &&
		    c->hs_done)
			return err_set(e, ERR_PROTO, "unread data from the "
			    "server blocks sending");
		if (st & BR_SSL_RECVREC) {
			buf = br_ssl_engine_recvrec_buf(eng, &len);
			n = sock_recv(c, buf, len, e);
			if (n < 0)
				return -1;
			if (n == 0) {
				c->eof = 1;
				if (c->hs_done)
					return 0;
				if (c->nfirst > 0 &&
				    !looks_like_tls(c->first, c->nfirst))
					return engine_error(c, BR_ERR_IO, e);
				return err_set(e, ECONNRESET, "connection "
				    "closed during handshake");
			}
			for (k = 0; c->nfirst < sizeof(c->first) &&
			    k < (size_t)n; k++)
				c->first[c->nfirst++] = buf[k];
			br_ssl_engine_recvrec_ack(eng, (size_t)n);
			flushed = 0;
			continue;
		}
		/* Buffered plaintext may hold back the engine: flush once. */
		if (flushed)
			return err_set(e, ERR_PROTO, "TLS engine stalled "
			    "(state %u)", st);
		br_ssl_engine_flush(eng, 0);
		flushed = 1;
	}
}

static int
seed(struct tls_conn *c, struct err *e)
{
	unsigned char buf[SEED_LEN];
	size_t got = 0;
	ssize_t n;
	int fd;

	while (got < sizeof(buf)) {
		n = getrandom(buf + got, sizeof(buf) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got < sizeof(buf)) {
		/* Kernels before 3.17 lack getrandom(). */
		fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
		got = 0;
		while (fd >= 0 && got < sizeof(buf)) {
			n = read(fd, buf + got, sizeof(buf) - got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		if (fd >= 0)
			close(fd);
	}
	if (got < sizeof(buf))
		return err_set(e, ERR_GENERIC, "no entropy source (getrandom "
		    "and /dev/urandom failed)");
	br_ssl_engine_inject_entropy(&c->cc.eng, buf, sizeof(buf));
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

/* ---- public functions ---- */

void
tls_trust_init(struct tls_trust *t)
{
	memset(t, 0, sizeof(*t));
}

void
tls_trust_free(struct tls_trust *t)
{
	trust_truncate(t, 0);
	free(t->anchors);
	memset(t, 0, sizeof(*t));
}

int
tls_trust_add_pem(struct tls_trust *t, const void *pem, size_t len,
    struct err *e)
{
	struct loader *ld;
	size_t before = t->count;
	int r;

	ld = malloc(sizeof(*ld));
	if (!ld)
		return err_sys(e, "pem");
	loader_init(ld, t, 1);
	r = loader_feed(ld, pem, len, e);
	if (r == 0)
		r = loader_finish(ld, e);
	if (r < 0)
		trust_truncate(t, before);
	free(ld);
	return r;
}

int
tls_trust_add_file(struct tls_trust *t, const char *path, struct err *e)
{
	return load_path(t, path, 1, 0, e);
}

int
tls_trust_add_system(struct tls_trust *t, struct err *e)
{
	const char *file = getenv("SSL_CERT_FILE");
	const char *dirs = getenv("SSL_CERT_DIR");
	char dir[PATH_MAX];
	size_t before = t->count, i, n;
	int found = 0, r;

	if (file && *file) {
		if (load_path(t, file, 0, 0, e) < 0)
			return err_ctx(e, "SSL_CERT_FILE");
		found = 1;
	}
	for (i = 0; !found && i < sizeof(system_bundles) /
	    sizeof(system_bundles[0]); i++) {
		r = load_path(t, system_bundles[i], 0, 1, e);
		if (r < 0)
			return -1;
		found = r == 0;
	}
	if (!dirs || !*dirs) {
		if (found)
			return 0;
		dirs = system_cert_dir;
	}
	while (*dirs) {
		n = strcspn(dirs, ":");
		if (n >= sizeof(dir)) {
			trust_truncate(t, before);
			return err_set(e, ERR_LIMIT, "SSL_CERT_DIR: path too "
			    "long");
		}
		memcpy(dir, dirs, n);
		dir[n] = '\0';
		if (n > 0 && load_dir(t, dir, system_cert_name, 0, e) < 0) {
			trust_truncate(t, before);
			return -1;
		}
		dirs += n;
		if (*dirs == ':')
			dirs++;
	}
	return 0;
}

int
tls_trust_add_certs_d(struct tls_trust *t, const char *const *dirs,
    const char *hostport, struct err *e)
{
	char path[PATH_MAX];
	size_t before = t->count;

	if (!*hostport || strchr(hostport, '/') ||
	    strcmp(hostport, ".") == 0 || strcmp(hostport, "..") == 0)
		return err_set(e, ERR_USAGE, "certs.d: invalid registry "
		    "name \"%s\"", hostport);
	for (; dirs && *dirs; dirs++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", *dirs,
		    hostport) >= sizeof(path)) {
			trust_truncate(t, before);
			return err_set(e, ERR_LIMIT, "%s: path too long",
			    *dirs);
		}
		if (load_dir(t, path, crt_name, 1, e) < 0) {
			trust_truncate(t, before);
			return -1;
		}
	}
	return 0;
}

struct tls_conn *
tls_new(struct err *e)
{
	struct tls_conn *c = calloc(1, sizeof(*c));

	if (!c)
		err_sys(e, "tls connection");
	return c;
}

int
tls_handshake(struct tls_conn *c, int fd, const char *servername,
    const struct tls_trust *trust, int timeout_ms, struct err *e)
{
	br_ssl_engine_context *eng = &c->cc.eng;
	unsigned char ip[16];
	size_t n = strlen(servername);
	int r;

	c->fd = fd;
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : 0;
	c->deadline = 0;
	c->hs_done = c->eof = c->failed = 0;
	c->nfirst = 0;
	err_clear(&c->err);
	if (n >= 2 && servername[0] == '[' && servername[n - 1] == ']') {
		servername++;
		n -= 2;
	} else if (n >= 2 && servername[n - 1] == '.') {
		n--;	/* "host." is "host" to SNI and to certificates */
	}
	if (n == 0 || n > SERVERNAME_MAX) {
		err_set(e, ERR_USAGE, "invalid TLS server name");
		return remember(c, e);
	}
	memcpy(c->name, servername, n);
	c->name[n] = '\0';

	br_ssl_client_init_full(&c->cc, &c->xc,
	    trust ? trust->anchors : NULL, trust ? trust->count : 0);
	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_buffer(eng, c->iobuf, sizeof(c->iobuf), 1);
	memset(&c->nc, 0, offsetof(struct name_check, ee));
	c->nc.vtable = &name_check_vtable;
	c->nc.inner = &c->xc;
	c->nc.want_ip = parse_ip(c->name, ip) != 0;
	c->nc.ip_text = c->name;
	br_ssl_engine_set_x509(eng, &c->nc.vtable);
	if (seed(c, e) < 0)
		return remember(c, e);
	if (!br_ssl_client_reset(&c->cc, c->nc.want_ip ? NULL : c->name, 0)) {
		engine_error(c, br_ssl_engine_last_error(eng), e);
		return remember(c, e);
	}

	if (c->timeout_ms)
		c->deadline = now_ms() + c->timeout_ms;
	r = pump(c, BR_SSL_SENDAPP, e);
	c->deadline = 0;
	if (r <= 0) {
		if (r == 0)
			err_set(e, ECONNRESET, "connection closed during "
			    "handshake");
		return remember(c, e);
	}
	c->hs_done = 1;
	return 0;
}

ssize_t
tls_read(struct tls_conn *c, void *buf, size_t len, struct err *e)
{
	br_ssl_engine_context *eng = &c->cc.eng;
	unsigned char *p;
	size_t avail;
	int r;

	if (c->failed) {
		*e = c->err;
		return -1;
	}
	if (!c->hs_done)
		return err_set(e, ERR_USAGE, "TLS read before the handshake");
	if (c->eof || len == 0)
		return 0;
	r = pump(c, BR_SSL_RECVAPP, e);
	if (r < 0)
		return remember(c, e);
	if (r == 0)
		return 0;
	p = br_ssl_engine_recvapp_buf(eng, &avail);
	if (avail > len)
		avail = len;
	memcpy(buf, p, avail);
	br_ssl_engine_recvapp_ack(eng, avail);
	return (ssize_t)avail;
}

int
tls_write_all(struct tls_conn *c, const void *buf, size_t len,
    struct err *e)
{
	br_ssl_engine_context *eng = &c->cc.eng;
	const unsigned char *p = buf;
	unsigned char *dst;
	size_t avail;
	int r;

	if (c->failed) {
		*e = c->err;
		return -1;
	}
	if (!c->hs_done)
		return err_set(e, ERR_USAGE, "TLS write before the handshake");
	if (c->eof)
		return err_set(e, EPIPE, "connection closed by the server");
	while (len > 0) {
		r = pump(c, BR_SSL_SENDAPP, e);
		if (r == 0)
			err_set(e, EPIPE, "connection closed by the server");
		if (r <= 0)
			return remember(c, e);
		dst = br_ssl_engine_sendapp_buf(eng, &avail);
		if (avail > len)
			avail = len;
		memcpy(dst, p, avail);
		br_ssl_engine_sendapp_ack(eng, avail);
		p += avail;
		len -= avail;
	}
	br_ssl_engine_flush(eng, 0);
	while (br_ssl_engine_current_state(eng) & BR_SSL_SENDREC) {
		r = pump(c, BR_SSL_SENDAPP, e);
		if (r == 0)
			err_set(e, EPIPE, "connection closed by the server");
		if (r <= 0)
			return remember(c, e);
	}
	return 0;
}

void
tls_close(struct tls_conn *c)
{
	br_ssl_engine_context *eng;
	unsigned char *buf;
	size_t len;
	ssize_t n;
	int i;

	if (!c)
		return;
	eng = &c->cc.eng;
	if (c->hs_done && !c->failed && !c->eof) {
		br_ssl_engine_close(eng);
		for (i = 0; i < 4 && (br_ssl_engine_current_state(eng) &
		    BR_SSL_SENDREC); i++) {
			buf = br_ssl_engine_sendrec_buf(eng, &len);
			n = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n <= 0)
				break;
			br_ssl_engine_sendrec_ack(eng, (size_t)n);
		}
	}
	explicit_bzero(c, sizeof(*c));
	free(c);
}

int
tls_cert_matches_ip(const void *der, size_t len, const char *ip)
{
	unsigned char addr[16];
	size_t n = parse_ip(ip, addr);
	char text[64];
	size_t tl = strlen(ip);

	if (n == 0)
		return 0;
	if (tl >= 2 && ip[0] == '[' && ip[tl - 1] == ']') {
		ip++;
		tl -= 2;
	}
	memcpy(text, ip, tl);	/* parse_ip() bounded tl below 64 */
	text[tl] = '\0';
	return san_match(der, len, addr, n, text);
}

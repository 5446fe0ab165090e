/* sha256.h - SHA-256 (hardware-accelerated when the CPU allows) and SHA-512
 *
 * Every image layer byte is hashed twice (compressed digest and diff_id),
 * so SHA-256 throughput matters. On x86-64 CPUs with the SHA extensions
 * (SHA-NI, with SSSE3 and SSE4.1), and on aarch64 CPUs with the ARMv8
 * SHA2 crypto extension (AT_HWCAP & HWCAP_SHA2), blocks are compressed
 * with those instructions; everywhere else, or when acceleration is turned off with
 * sha256_set_accel(0), the computation is forwarded to BearSSL's portable
 * br_sha256_*. Both paths give identical digests for any split of the input
 * into updates. SHA-512 always uses BearSSL's br_sha512_*.
 *
 * Contexts are caller-allocated (stack or embedded in another struct); no
 * function here allocates, fails, prints or reads the environment. The
 * accelerator choice is process-wide state and not thread-safe, which is
 * fine for single-threaded rocker.
 *
 * Typical use:
 *
 *	struct sha256 c;
 *	unsigned char dg[SHA256_LEN];
 *	char hex[SHA256_HEX_LEN + 1];
 *
 *	sha256_init(&c);
 *	while ((n = read(fd, buf, sizeof(buf))) > 0)
 *		sha256_update(&c, buf, n);
 *	sha256_final(&c, dg);
 *	sha256_hex(dg, hex);
 */
#ifndef ROCKER_SHA256_H
#define ROCKER_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl_hash.h>

enum {
	SHA256_LEN = 32,	/* digest size in bytes */
	SHA256_HEX_LEN = 64,	/* digest size in hex characters (no NUL) */
	SHA256_BLOCK = 64,	/* compression block size in bytes */
	SHA512_LEN = 64,
	SHA512_HEX_LEN = 128,
};

/*
 * A running SHA-256 computation. All fields are private. The path (accel
 * or portable) is chosen by sha256_init() and kept until the message is
 * finished, so sha256_set_accel() never disturbs a running computation.
 * The struct holds no pointers to itself or to caller data: it may be
 * copied with memcpy() to fork a computation (e.g. to digest a prefix and
 * keep going).
 */
struct sha256 {
	int accel;			/* 1: u.fast is in use, 0: u.br */
	union {
		br_sha256_context br;	/* portable path (BearSSL) */
		struct {
			uint32_t h[8];	/* chaining value, H0..H7 */
			uint64_t count;	/* bytes injected so far */
			unsigned char buf[SHA256_BLOCK]; /* partial block */
		} fast;			/* accelerated path */
	} u;
};

/* A running SHA-512 computation (BearSSL's). All fields are private. */
struct sha512 {
	br_sha512_context br;
};

/*
 * Return 1 if new SHA-256 computations use the CPU's SHA instructions,
 * 0 if they use the portable code (CPU lacks them, non-x86-64 build, or
 * sha256_set_accel(0) is in force). The CPU is probed once, on the first
 * call of this function or sha256_init(); the result is cached for the
 * life of the process.
 */
int sha256_accel(void);

/*
 * Choose the SHA-256 path for computations started after this call.
 * on = 0 forces the portable path; on != 0 restores auto-detection, i.e.
 * the accelerated path if and only if the CPU supports it (asking for it
 * on a CPU without it is not an error and has no effect). Computations
 * already started keep the path they began with. Intended for tests and
 * benchmarks; core/ itself never consults the environment, so any "turn
 * off acceleration" knob belongs to the calling applet.
 */
void sha256_set_accel(int on);

/*
 * Start (or restart) a SHA-256 computation in `c`, which must not be
 * NULL. Any earlier state of `c` is discarded; `c` need not be zeroed
 * beforehand.
 */
void sha256_init(struct sha256 *c);

/*
 * Inject `len` bytes at `data` into `c` (initialised by sha256_init()).
 * Data is consumed at once: the caller may reuse or free `data` on
 * return. `data` may be NULL only when `len` is 0 (then nothing happens).
 * Whole 64-byte blocks are hashed straight from `data`, so the caller's
 * chunk size only matters for call overhead, not for correctness.
 */
void sha256_update(struct sha256 *c, const void *data, size_t len);

/*
 * Finish the computation in `c` and write the 32-byte digest to `out`
 * (not NULL; may not overlap `c`). `c` is left re-initialised, as by
 * sha256_init(), ready for a new message.
 */
void sha256_final(struct sha256 *c, unsigned char out[SHA256_LEN]);

/*
 * One-shot SHA-256 of the `len` bytes at `data` into `out`. `data` may be
 * NULL only when `len` is 0; `out` must not be NULL.
 */
void sha256_buf(const void *data, size_t len, unsigned char out[SHA256_LEN]);

/*
 * Write the 32-byte digest `dg` as 64 lowercase hex characters and a NUL
 * to `hex` (65 bytes). Neither may be NULL. This is the form used after
 * "sha256:" in OCI digests.
 */
void sha256_hex(const unsigned char dg[SHA256_LEN],
	char hex[SHA256_HEX_LEN + 1]);

/*
 * Start (or restart) a SHA-512 computation in `c` (not NULL).
 */
void sha512_init(struct sha512 *c);

/*
 * Inject `len` bytes at `data` into `c`; same rules as sha256_update().
 */
void sha512_update(struct sha512 *c, const void *data, size_t len);

/*
 * Finish the computation in `c` and write the 64-byte digest to `out`
 * (not NULL). `c` is left re-initialised, ready for a new message.
 */
void sha512_final(struct sha512 *c, unsigned char out[SHA512_LEN]);

/*
 * One-shot SHA-512 of the `len` bytes at `data` into `out`; same rules as
 * sha256_buf().
 */
void sha512_buf(const void *data, size_t len, unsigned char out[SHA512_LEN]);

/*
 * Write the 64-byte digest `dg` as 128 lowercase hex characters and a NUL
 * to `hex` (129 bytes). Neither may be NULL.
 */
void sha512_hex(const unsigned char dg[SHA512_LEN],
	char hex[SHA512_HEX_LEN + 1]);

enum {
	SHA_DIGEST_MAX = 7 + SHA512_HEX_LEN + 1,	/* "sha512:" hex NUL */
};

/*
 * The OCI digest string of the `len` bytes at `data` ("sha256:<hex>", or
 * "sha512:<hex>" when `like` (may be NULL) starts with "sha512:") into
 * `out` (SHA_DIGEST_MAX bytes).
 */
void sha_digest(const char *like, const void *data, size_t len,
	char out[SHA_DIGEST_MAX]);

#endif

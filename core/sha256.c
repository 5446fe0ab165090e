/* sha256.c - SHA-256 with x86-64 SHA-NI and ARMv8 SHA2 fast paths,
 * SHA-512 via BearSSL
 *
 * The portable SHA-256 path is BearSSL's br_sha256_*, used as is. The
 * accelerated path does its own 64-byte buffering and padding around an
 * architecture-specific block function, blocks_accel(), which compresses
 * whole blocks straight from the caller's buffer. Which path a computation
 * uses is decided once, in sha256_init().
 *
 * Adding an architecture means providing, under its #if below,
 * cpu_has_accel() and blocks_accel() and defining HAVE_ACCEL; the
 * buffering, padding and dispatch are shared.
 */

#include <stdint.h>
#include <string.h>

#include <bearssl_hash.h>

#include "sha256.h"

#if defined(__x86_64__)
#define HAVE_ACCEL 1
#include <cpuid.h>
#include <immintrin.h>
#elif defined(__aarch64__)
#define HAVE_ACCEL 1
#include <arm_neon.h>
#include <sys/auxv.h>
#ifndef HWCAP_SHA2
#define HWCAP_SHA2 (1 << 6)
#endif
#endif

static const char hexdigits[] = "0123456789abcdef";

/* Process-wide path choice: hw_accel is -1 until the CPU is probed. */
static int hw_accel = -1;
static int want_accel = 1;

static void
hex_encode(const unsigned char *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hexdigits[p[i] >> 4];
		out[2 * i + 1] = hexdigits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

#ifdef HAVE_ACCEL

/* FIPS 180-4 section 4.2.2: round constants, 16-byte aligned
 * for vector loads. */
static const uint32_t sha256_k[64] __attribute__((aligned(16))) = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
	0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
	0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
	0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#endif

#if defined(__x86_64__)

/*
 * SHA-NI needs the SHA extensions (CPUID.(EAX=7,ECX=0):EBX bit 29) and,
 * for the byte shuffles and blends around them, SSSE3 and SSE4.1
 * (CPUID.1:ECX bits 9 and 19). The instructions only touch XMM registers,
 * whose state every x86-64 kernel saves, so no XGETBV check is needed.
 */
static int
cpu_has_accel(void)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	if (!(c & bit_SSSE3) || !(c & bit_SSE4_1))
		return 0;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return (b & bit_SHA) != 0;
}

/*
 * The SHA-NI helpers below are compiled for these instructions only, so
 * the file builds for baseline x86-64 without -msha; they are reached only
 * after cpu_has_accel() said yes. In the comments, vector lanes (32-bit
 * words) are listed lowest first, and "a".."h" are the working variables.
 */
static inline __m128i ni_schedule(__m128i w0, __m128i w4, __m128i w8,
	__m128i w12)
	__attribute__((always_inline, target("sha,sse4.1,ssse3")));
static inline void ni_rounds4(__m128i *abef, __m128i *cdgh, __m128i wk)
	__attribute__((always_inline, target("sha,sse4.1,ssse3")));
static void blocks_accel(uint32_t h[8], const unsigned char *p, size_t n)
	__attribute__((target("sha,sse4.1,ssse3")));

/*
 * Message schedule, four words at a time: given W[t-16..t-13] (w0),
 * W[t-12..t-9] (w4), W[t-8..t-5] (w8) and W[t-4..t-1] (w12), return
 * W[t..t+3] = sigma1(W[t-2]) + W[t-7] + sigma0(W[t-15]) + W[t-16].
 * SHA256MSG1 adds the sigma0 terms, the alignr supplies W[t-7..t-4], and
 * SHA256MSG2 adds the sigma1 terms, including those of W[t] and W[t+1]
 * it has just computed.
 */
static inline __m128i
ni_schedule(__m128i w0, __m128i w4, __m128i w8, __m128i w12)
{
	__m128i t;

	t = _mm_sha256msg1_epu32(w0, w4);
	t = _mm_add_epi32(t, _mm_alignr_epi8(w12, w8, 4));
	return _mm_sha256msg2_epu32(t, w12);
}

/*
 * Four rounds. SHA256RNDS2 takes the state split as {h, g, d, c} and
 * {f, e, b, a}, plus W[t] + K[t] for two rounds in the low two lanes of
 * its implicit operand, and returns the new {f, e, b, a}; the new
 * {h, g, d, c} is the old {f, e, b, a}. Two calls, the second with the
 * upper half of `wk` moved down, give four rounds and put the halves back
 * in their variables.
 */
static inline void
ni_rounds4(__m128i *abef, __m128i *cdgh, __m128i wk)
{
	*cdgh = _mm_sha256rnds2_epu32(*cdgh, *abef, wk);
	*abef = _mm_sha256rnds2_epu32(*abef, *cdgh,
		_mm_shuffle_epi32(wk, 0x0e));
}

/* Compress `n` whole 64-byte blocks at `p` (any alignment) into `h`. */
static void
blocks_accel(uint32_t h[8], const unsigned char *p, size_t n)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL,
		0x0405060700010203LL);
	const __m128i *k = (const __m128i *)sha256_k;
	__m128i t0, t1, abef, cdgh, abef0, cdgh0, m0, m1, m2, m3;
	int i;

	t0 = _mm_loadu_si128((const __m128i *)h);	/* a b c d */
	t1 = _mm_loadu_si128((const __m128i *)(h + 4));	/* e f g h */
	t0 = _mm_shuffle_epi32(t0, 0xb1);		/* b a d c */
	t1 = _mm_shuffle_epi32(t1, 0x1b);		/* h g f e */
	abef = _mm_alignr_epi8(t0, t1, 8);		/* f e b a */
	cdgh = _mm_blend_epi16(t1, t0, 0xf0);		/* h g d c */

	for (; n > 0; n--, p += SHA256_BLOCK) {
		abef0 = abef;
		cdgh0 = cdgh;
		m0 = _mm_loadu_si128((const __m128i *)p);
		m1 = _mm_loadu_si128((const __m128i *)(p + 16));
		m2 = _mm_loadu_si128((const __m128i *)(p + 32));
		m3 = _mm_loadu_si128((const __m128i *)(p + 48));
		m0 = _mm_shuffle_epi8(m0, bswap);
		m1 = _mm_shuffle_epi8(m1, bswap);
		m2 = _mm_shuffle_epi8(m2, bswap);
		m3 = _mm_shuffle_epi8(m3, bswap);
		/* Pass i: rounds 4i..4i+15, m0..m3 = W[4i..4i+15]. */
		for (i = 0; i < 16; i += 4) {
			if (i > 0) {
				m0 = ni_schedule(m0, m1, m2, m3);
				m1 = ni_schedule(m1, m2, m3, m0);
				m2 = ni_schedule(m2, m3, m0, m1);
				m3 = ni_schedule(m3, m0, m1, m2);
			}
			ni_rounds4(&abef, &cdgh, _mm_add_epi32(m0, k[i]));
			ni_rounds4(&abef, &cdgh, _mm_add_epi32(m1, k[i + 1]));
			ni_rounds4(&abef, &cdgh, _mm_add_epi32(m2, k[i + 2]));
			ni_rounds4(&abef, &cdgh, _mm_add_epi32(m3, k[i + 3]));
		}
		abef = _mm_add_epi32(abef, abef0);
		cdgh = _mm_add_epi32(cdgh, cdgh0);
	}

	t0 = _mm_shuffle_epi32(abef, 0x1b);		/* a b e f */
	t1 = _mm_shuffle_epi32(cdgh, 0xb1);		/* g h c d */
	_mm_storeu_si128((__m128i *)h, _mm_blend_epi16(t0, t1, 0xf0));
	_mm_storeu_si128((__m128i *)(h + 4), _mm_alignr_epi8(t1, t0, 8));
}

#endif /* __x86_64__ */

#if defined(__aarch64__)

/*
 * The ARMv8 Crypto Extensions' SHA2 instructions (FEAT_SHA256): the kernel
 * says whether the CPU has them in AT_HWCAP (musl's getauxval reads the
 * auxiliary vector, no /proc needed). qemu-user emulates them.
 */
static int
cpu_has_accel(void)
{
	return (getauxval(AT_HWCAP) & HWCAP_SHA2) != 0;
}

/*
 * Compiled for the crypto extension only (the file builds for baseline
 * ARMv8-A); reached only after cpu_has_accel() said yes. The state is two
 * vectors, {a, b, c, d} and {e, f, g, h}, lanes lowest first. Per four
 * rounds, SHA256H computes the new abcd and SHA256H2 the new efgh from the
 * old abcd (hence the copy); SHA256SU0 and SHA256SU1 extend the message
 * schedule four words at a time: W[t..t+3] from W[t-16..t-1].
 */
static void blocks_accel(uint32_t h[8], const unsigned char *p, size_t n)
	__attribute__((target("+crypto")));

static void
blocks_accel(uint32_t h[8], const unsigned char *p, size_t n)
{
	uint32x4_t abcd, efgh, abcd0, efgh0, tmp, wk, m[4];
	int i;

	abcd = vld1q_u32(h);
	efgh = vld1q_u32(h + 4);
	for (; n > 0; n--, p += SHA256_BLOCK) {
		abcd0 = abcd;
		efgh0 = efgh;
		/* the message is big-endian words */
		for (i = 0; i < 4; i++)
			m[i] = vreinterpretq_u32_u8(vrev32q_u8(
			    vld1q_u8(p + 16 * i)));
		for (i = 0; i < 16; i++) {
			wk = vaddq_u32(m[i & 3], vld1q_u32(sha256_k + 4 * i));
			tmp = abcd;
			abcd = vsha256hq_u32(abcd, efgh, wk);
			efgh = vsha256h2q_u32(efgh, tmp, wk);
			/* m[i & 3] held W[4i..4i+3]: now W[4i+16..4i+19] */
			if (i < 12)
				m[i & 3] = vsha256su1q_u32(
				    vsha256su0q_u32(m[i & 3], m[(i + 1) & 3]),
				    m[(i + 2) & 3], m[(i + 3) & 3]);
		}
		abcd = vaddq_u32(abcd, abcd0);
		efgh = vaddq_u32(efgh, efgh0);
	}
	vst1q_u32(h, abcd);
	vst1q_u32(h + 4, efgh);
}

#endif /* __aarch64__ */

#ifdef HAVE_ACCEL

/*
 * Buffering and padding shared by every accelerated block function.
 */

/* FIPS 180-4 section 5.3.3: initial hash value. */
static const uint32_t sha256_iv[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void
put_be64(unsigned char *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static void
accel_init(struct sha256 *c)
{
	memcpy(c->u.fast.h, sha256_iv, sizeof(sha256_iv));
	c->u.fast.count = 0;
}

/* Top up the partial block, then hash whole blocks in place. len > 0. */
static void
accel_update(struct sha256 *c, const unsigned char *p, size_t len)
{
	size_t used, take;

	used = (size_t)(c->u.fast.count & (SHA256_BLOCK - 1));
	c->u.fast.count += len;
	if (used > 0) {
		take = SHA256_BLOCK - used;
		if (len < take) {
			memcpy(c->u.fast.buf + used, p, len);
			return;
		}
		memcpy(c->u.fast.buf + used, p, take);
		blocks_accel(c->u.fast.h, c->u.fast.buf, 1);
		p += take;
		len -= take;
	}
	if (len >= SHA256_BLOCK) {
		blocks_accel(c->u.fast.h, p, len / SHA256_BLOCK);
		p += len - len % SHA256_BLOCK;
		len %= SHA256_BLOCK;
	}
	if (len > 0)
		memcpy(c->u.fast.buf, p, len);
}

/* FIPS 180-4 section 5.1.1: 0x80, zeros, 64-bit big-endian bit count. */
static void
accel_final(struct sha256 *c, unsigned char *out)
{
	unsigned char *buf = c->u.fast.buf;
	size_t used;
	int i;

	used = (size_t)(c->u.fast.count & (SHA256_BLOCK - 1));
	buf[used++] = 0x80;
	if (used > SHA256_BLOCK - 8) {
		memset(buf + used, 0, SHA256_BLOCK - used);
		blocks_accel(c->u.fast.h, buf, 1);
		used = 0;
	}
	memset(buf + used, 0, SHA256_BLOCK - 8 - used);
	put_be64(buf + SHA256_BLOCK - 8, c->u.fast.count << 3);
	blocks_accel(c->u.fast.h, buf, 1);
	for (i = 0; i < 8; i++)
		put_be32(out + 4 * i, c->u.fast.h[i]);
}

#endif /* HAVE_ACCEL */

int
sha256_accel(void)
{
	if (hw_accel < 0) {
#ifdef HAVE_ACCEL
		hw_accel = cpu_has_accel();
#else
		hw_accel = 0;
#endif
	}
	return hw_accel && want_accel;
}

void
sha256_set_accel(int on)
{
	want_accel = on != 0;
}

void
sha256_init(struct sha256 *c)
{
	c->accel = sha256_accel();
#ifdef HAVE_ACCEL
	if (c->accel) {
		accel_init(c);
		return;
	}
#endif
	br_sha256_init(&c->u.br);
}

void
sha256_update(struct sha256 *c, const void *data, size_t len)
{
	if (len == 0)
		return;
#ifdef HAVE_ACCEL
	if (c->accel) {
		accel_update(c, data, len);
		return;
	}
#endif
	br_sha256_update(&c->u.br, data, len);
}

void
sha256_final(struct sha256 *c, unsigned char out[SHA256_LEN])
{
#ifdef HAVE_ACCEL
	if (c->accel)
		accel_final(c, out);
	else
#endif
		br_sha256_out(&c->u.br, out);
	sha256_init(c);
}

void
sha256_buf(const void *data, size_t len, unsigned char out[SHA256_LEN])
{
	struct sha256 c;

	sha256_init(&c);
	sha256_update(&c, data, len);
	sha256_final(&c, out);
}

void
sha256_hex(const unsigned char dg[SHA256_LEN], char hex[SHA256_HEX_LEN + 1])
{
	hex_encode(dg, SHA256_LEN, hex);
}

void
sha512_init(struct sha512 *c)
{
	br_sha512_init(&c->br);
}

void
sha512_update(struct sha512 *c, const void *data, size_t len)
{
	if (len > 0)
		br_sha512_update(&c->br, data, len);
}

void
sha512_final(struct sha512 *c, unsigned char out[SHA512_LEN])
{
	br_sha512_out(&c->br, out);
	br_sha512_init(&c->br);
}

void
sha512_buf(const void *data, size_t len, unsigned char out[SHA512_LEN])
{
	struct sha512 c;

	sha512_init(&c);
	sha512_update(&c, data, len);
	sha512_final(&c, out);
}

void
sha512_hex(const unsigned char dg[SHA512_LEN], char hex[SHA512_HEX_LEN + 1])
{
	hex_encode(dg, SHA512_LEN, hex);
}

void
sha_digest(const char *like, const void *data, size_t len,
    char out[SHA_DIGEST_MAX])
{
	unsigned char dg[SHA512_LEN];

	if (like && strncmp(like, "sha512:", 7) == 0) {
		sha512_buf(data, len, dg);
		memcpy(out, "sha512:", 7);
		sha512_hex(dg, out + 7);
	} else {
		sha256_buf(data, len, dg);
		memcpy(out, "sha256:", 7);
		sha256_hex(dg, out + 7);
	}
}

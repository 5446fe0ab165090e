/* sha256_test.c - SHA-256 (accelerated and portable paths) and SHA-512
 *
 * Expected digests come from FIPS 180 and from coreutils sha256sum /
 * sha512sum run over the same bytes (the pattern below). Each SHA-256 check
 * runs on the portable path and, when the CPU has SHA-NI, on the
 * accelerated one; random chunkings are cross-checked between the two.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sha256.h"

enum {
	SPLIT_LEN = 300,		/* message cut at every point */
	FORK_AT = 100,			/* prefix hashed before copying */
	RANDOM_LEN = 1 << 18,		/* random data per chunking run */
	MILLION = 1000000,
	STREAM_CHUNK = 1 << 20,		/* 1 MiB updates */
	STREAM_CHUNKS_ACCEL = 3072,	/* 3 GiB */
	STREAM_CHUNKS_PORTABLE = 256,	/* 256 MiB */
};

struct text_vector {
	const char *msg;
	const char *hex;
};

struct pattern_vector {
	size_t len;
	const char *hex;
};

static const char fips_448[] =
	"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char fips_896[] =
	"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	"hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

static const struct text_vector sha256_text[] = {
	{ "", "e3b0c44298fc1c149afbf4c8996fb924"
	      "27ae41e4649b934ca495991b7852b855" },
	{ "abc", "ba7816bf8f01cfea414140de5dae2223"
		 "b00361a396177a9cb410ff61f20015ad" },
	{ fips_448, "248d6a61d20638b8e5c026930c3e6039"
		    "a33ce45964ff2167f6ecedd419db06c1" },
	{ fips_896, "cf5b16a778af8380036ce59e7b049237"
		    "0b249b11e8f07a51afac45037afee9d1" },
};

static const char sha256_million_a[] =
	"cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

/* sha256sum of pattern_byte(0..len-1): around the padding boundaries. */
static const struct pattern_vector sha256_pattern[] = {
	{ 0, "e3b0c44298fc1c149afbf4c8996fb924"
	     "27ae41e4649b934ca495991b7852b855" },
	{ 1, "6e340b9cffb37a989ca544e6bb780a2c"
	     "78901d3fb33738768511a30617afa01d" },
	{ 55, "87a26dae81d37e91b25fae7899274e68"
	      "0a048ea44f82b18397b6585c2615c6b7" },
	{ 56, "cd6756cdcd1cf71057f210633c6d13fc"
	      "e8ac4b9f97690b42c0aa28d721e2add5" },
	{ 63, "7be910d529434dd8a31078d25667457b"
	      "6040c888d64904b25d3ca95f1eae6b16" },
	{ 64, "51e945469a3948debf6fc154e954fd66"
	      "23ebbc21da2a3ee5e3ee0264e2cef6f2" },
	{ 65, "3c3e113ec16f54924b2c563c7304d9e1"
	      "0ed4d9b54f266fecfbdc63978a14c9b4" },
	{ 119, "c9128add91b549276c05fa0088f24600"
	       "737e4a1eedf505afcc5977acbce20d17" },
	{ 120, "05bb0826068da152ddc644acf1ebc99e"
	       "df92eaf9bc41709d94d1f0a8a456764a" },
	{ 128, "775ad69e0e164f428bec38443d0b19b3"
	       "cef04a5304446e1a5e804e256c93a66a" },
};

/* sha256sum of pattern_byte(0..SPLIT_LEN-1). */
static const char sha256_split[] =
	"b3809bdab490a15cf145409b9c055f4b093b6118ac349fa6817baedf103cac1b";

/*
 * The stream: STREAM_CHUNK bytes of pattern_byte(), with the chunk index
 * as 8 little-endian bytes over the first 8, repeated; digests of 3072 and
 * 256 chunks computed once by piping a Python generator of the same bytes
 * into sha256sum.
 */
static const char sha256_stream_3g[] =
	"58b7ff44b5e6fc48397e8d83fa50426e7dfd36f4d87bb8d1471bc24f580b76ac";
static const char sha256_stream_256m[] =
	"ad70c06b4d22914e13e8e281fb0513fa85ee1e4424ed39682b30e36cd324e40e";

static const struct text_vector sha512_text[] = {
	{ "",
	  "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
	  "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e" },
	{ "abc",
	  "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
	  "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f" },
	{ fips_896,
	  "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
	  "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909" },
};

static const char sha512_million_a[] =
	"e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
	"de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b";

static unsigned char
pattern_byte(size_t i)
{
	return (unsigned char)((uint32_t)(i * 2654435761u) >> 24);
}

static void
pattern_fill(unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = pattern_byte(i);
}

static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int
is256(const unsigned char dg[SHA256_LEN], const char *want)
{
	char hex[SHA256_HEX_LEN + 1];

	sha256_hex(dg, hex);
	return strcmp(hex, want) == 0;
}

static int
is512(const unsigned char dg[SHA512_LEN], const char *want)
{
	char hex[SHA512_HEX_LEN + 1];

	sha512_hex(dg, hex);
	return strcmp(hex, want) == 0;
}

/* Hash `len` bytes at `p` in updates of `step` bytes (the last shorter). */
static void
hash_steps(const void *p, size_t len, size_t step,
	unsigned char dg[SHA256_LEN])
{
	const unsigned char *b = p;
	struct sha256 c;
	size_t n;

	sha256_init(&c);
	while (len > 0) {
		n = len < step ? len : step;
		sha256_update(&c, b, n);
		b += n;
		len -= n;
	}
	sha256_final(&c, dg);
}

/* Every check of one path; sha256_set_accel() has selected it. */
static void
test_path(const char *path, unsigned char *big)
{
	static unsigned char msg[SPLIT_LEN];
	static const size_t steps[] = { 1, 3, 63, 64, 65 };
	const size_t nsteps = sizeof(steps) / sizeof(steps[0]);
	unsigned char dg[SHA256_LEN], dg2[SHA256_LEN];
	struct sha256 c, c2;
	size_t i, j, bad;

	for (i = 0; i < sizeof(sha256_text) / sizeof(sha256_text[0]); i++) {
		sha256_buf(sha256_text[i].msg, strlen(sha256_text[i].msg), dg);
		CHECK(is256(dg, sha256_text[i].hex), "%s: FIPS vector %zu",
			path, i);
		for (j = 0, bad = 0; j < nsteps; j++) {
			hash_steps(sha256_text[i].msg,
				strlen(sha256_text[i].msg), steps[j], dg);
			bad += !is256(dg, sha256_text[i].hex);
		}
		CHECK(bad == 0, "%s: FIPS vector %zu in 1/3/63/64/65-byte "
			"updates", path, i);
	}

	memset(big, 'a', MILLION);
	sha256_buf(big, MILLION, dg);
	CHECK(is256(dg, sha256_million_a), "%s: million 'a'", path);
	hash_steps(big, MILLION, 1, dg);
	CHECK(is256(dg, sha256_million_a), "%s: million 'a', 1 byte at a time",
		path);
	hash_steps(big, MILLION, 4093, dg);
	CHECK(is256(dg, sha256_million_a), "%s: million 'a', 4093-byte updates",
		path);

	sha256_buf(NULL, 0, dg);
	CHECK(is256(dg, sha256_text[0].hex), "%s: empty input (NULL, 0)", path);

	pattern_fill(msg, sizeof(msg));
	for (i = 0; i < sizeof(sha256_pattern) / sizeof(sha256_pattern[0]);
	    i++) {
		sha256_buf(msg, sha256_pattern[i].len, dg);
		CHECK(is256(dg, sha256_pattern[i].hex), "%s: %zu-byte pattern",
			path, sha256_pattern[i].len);
	}

	for (i = 0, bad = 0; i <= SPLIT_LEN; i++) {
		sha256_init(&c);
		sha256_update(&c, msg, i);
		sha256_update(&c, NULL, 0);
		sha256_update(&c, msg + i, SPLIT_LEN - i);
		sha256_final(&c, dg);
		bad += !is256(dg, sha256_split);
	}
	CHECK(bad == 0, "%s: every split of %d bytes into 2 updates (%zu bad)",
		path, SPLIT_LEN, bad);

	for (i = 0, bad = 0; i <= SPLIT_LEN; i++) {
		for (j = i; j <= SPLIT_LEN; j++) {
			sha256_init(&c);
			sha256_update(&c, msg, i);
			sha256_update(&c, msg + i, j - i);
			sha256_update(&c, msg + j, SPLIT_LEN - j);
			sha256_final(&c, dg);
			bad += !is256(dg, sha256_split);
		}
	}
	CHECK(bad == 0, "%s: every split of %d bytes into 3 updates (%zu bad)",
		path, SPLIT_LEN, bad);

	sha256_init(&c);
	sha256_update(&c, msg, FORK_AT);
	memcpy(&c2, &c, sizeof(c));
	sha256_update(&c, msg + FORK_AT, SPLIT_LEN - FORK_AT);
	sha256_update(&c2, msg + FORK_AT, SPLIT_LEN - FORK_AT);
	sha256_final(&c, dg);
	sha256_final(&c2, dg2);
	CHECK(is256(dg, sha256_split) &&
		is256(dg2, sha256_split),
		"%s: context copied mid-message continues independently", path);

	sha256_update(&c, "abc", 3);
	sha256_final(&c, dg);
	CHECK(is256(dg, sha256_text[1].hex),
		"%s: context is reusable after sha256_final", path);
}

/* Random data in random chunk sizes, through both paths at once. */
static void
test_cross(unsigned char *buf)
{
	static const size_t max_chunk[] = { 7, 100, 1000, 100000 };
	unsigned char da[SHA256_LEN], dp[SHA256_LEN], d1[SHA256_LEN];
	struct sha256 a, p;
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	size_t i, k, off, n, bad = 0;

	for (k = 0; k < sizeof(max_chunk) / sizeof(max_chunk[0]); k++) {
		for (i = 0; i < RANDOM_LEN; i++)
			buf[i] = (unsigned char)(rng_next(&rng) >> 56);
		sha256_set_accel(1);
		sha256_init(&a);
		sha256_set_accel(0);
		sha256_init(&p);
		for (off = 0; off < RANDOM_LEN; off += n) {
			n = 1 + rng_next(&rng) % max_chunk[k];
			if (n > RANDOM_LEN - off)
				n = RANDOM_LEN - off;
			sha256_update(&a, buf + off, n);
			sha256_update(&p, buf + off, n);
		}
		sha256_final(&a, da);
		sha256_final(&p, dp);
		sha256_buf(buf, RANDOM_LEN, d1);
		bad = memcmp(da, dp, SHA256_LEN) != 0 ||
			memcmp(dp, d1, SHA256_LEN) != 0;
		CHECK(!bad, "accel == portable: %d random bytes in random "
			"1..%zu-byte updates", RANDOM_LEN, max_chunk[k]);
	}

	/* A computation keeps its path when the choice changes under it. */
	sha256_set_accel(1);
	sha256_init(&a);
	sha256_update(&a, "ab", 2);
	sha256_set_accel(0);
	sha256_update(&a, "c", 1);
	sha256_final(&a, da);
	CHECK(is256(da, sha256_text[1].hex),
		"accel computation survives sha256_set_accel(0) mid-message");
	sha256_init(&p);
	sha256_update(&p, "ab", 2);
	sha256_set_accel(1);
	sha256_update(&p, "c", 1);
	sha256_final(&p, dp);
	CHECK(is256(dp, sha256_text[1].hex), "portable computation survives "
		"sha256_set_accel(1) mid-message");
}

/* `chunks` MiB of the stream pattern in 1 MiB updates from an odd address. */
static void
test_stream(unsigned char *buf, size_t chunks, const char *want,
	const char *path)
{
	unsigned char dg[SHA256_LEN], *p = buf + 1;
	struct sha256 c;
	size_t k;
	int i;

	pattern_fill(p, STREAM_CHUNK);
	sha256_init(&c);
	for (k = 0; k < chunks; k++) {
		for (i = 0; i < 8; i++)
			p[i] = (unsigned char)((uint64_t)k >> (8 * i));
		sha256_update(&c, p, STREAM_CHUNK);
	}
	sha256_final(&c, dg);
	CHECK(is256(dg, want), "%s: %zu MiB stream in 1 MiB updates", path,
		chunks);
}

static void
test_sha512(unsigned char *big)
{
	unsigned char dg[SHA512_LEN];
	struct sha512 c;
	size_t i;

	for (i = 0; i < sizeof(sha512_text) / sizeof(sha512_text[0]); i++) {
		sha512_buf(sha512_text[i].msg, strlen(sha512_text[i].msg), dg);
		CHECK(is512(dg, sha512_text[i].hex), "sha512: vector %zu", i);
	}
	memset(big, 'a', MILLION);
	sha512_buf(big, MILLION, dg);
	CHECK(is512(dg, sha512_million_a), "sha512: million 'a'");
	sha512_init(&c);
	for (i = 0; i < MILLION; i += 1000)
		sha512_update(&c, big + i, 1000);
	sha512_final(&c, dg);
	CHECK(is512(dg, sha512_million_a),
		"sha512: million 'a' in 1000-byte updates");
	sha512_update(&c, NULL, 0);
	sha512_update(&c, "abc", 3);
	sha512_final(&c, dg);
	CHECK(is512(dg, sha512_text[1].hex),
		"sha512: context is reusable after sha512_final");
}

int
main(void)
{
	unsigned char *big;
	int hw;

	big = malloc(STREAM_CHUNK + 1);
	if (!big) {
		fputs("sha256_test: out of memory\n", stderr);
		return 1;
	}

	hw = sha256_accel();
	sha256_set_accel(0);
	CHECK(sha256_accel() == 0, "sha256_set_accel(0) selects portable");
	sha256_set_accel(1);
	CHECK(sha256_accel() == hw, "sha256_set_accel(1) restores detection "
		"(accel %s)", hw ? "available" : "unavailable");

	sha256_set_accel(0);
	test_path("portable", big);
	if (hw) {
		sha256_set_accel(1);
		test_path("accel", big);
		test_cross(big);
		sha256_set_accel(1);
		/* Under an emulator (qemu-user) 3 GiB takes minutes. */
		if (getenv("SHA256_TEST_SHORT"))
			test_stream(big, STREAM_CHUNKS_PORTABLE,
				sha256_stream_256m, "accel");
		else
			test_stream(big, STREAM_CHUNKS_ACCEL,
				sha256_stream_3g, "accel");
	} else {
		puts("skip - accel path: the CPU has no SHA-256 instructions");
		test_stream(big, STREAM_CHUNKS_PORTABLE, sha256_stream_256m,
			"portable");
	}
	test_sha512(big);

	free(big);
	return check_done();
}

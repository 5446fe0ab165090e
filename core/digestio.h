/* digestio.h - a pass-through reader that hashes what flows through it
 *
 * The pull pipeline digests every layer twice: the compressed blob (the
 * manifest's layer digest) and the uncompressed tar (the config's
 * diff_id). Each is a struct digestio placed in the reader chain:
 *
 *	body -> digestio (blob digest) -> gzip -> digestio (diff_id) -> tar
 *
 * It copies nothing: bytes are hashed in the caller's buffer as they pass.
 */
#ifndef ROCKER_DIGESTIO_H
#define ROCKER_DIGESTIO_H

#include <stdint.h>

#include "err.h"
#include "io.h"
#include "sha256.h"

/*
 * Caller-allocated; no heap, nothing to free. `bytes` is public and
 * read-only: the count of bytes that went through so far. The rest is
 * private.
 */
struct digestio {
	uint64_t bytes;
	struct reader *src;
	struct sha256 sha;
	int failed;
	struct err err;		/* sticky error */
};

/*
 * Start hashing: `out` is set up to read from `src` (borrowed, must
 * outlive `d`) through `d`. An error from `src` is passed on and repeated
 * on every later read.
 */
void digestio_init(struct digestio *d, struct reader *src,
    struct reader *out);

/*
 * Finish: write the SHA-256 of every byte read so far to `dg`. Call it
 * after the stream's end (a read returned 0): a digest of a partial
 * stream is only useful for progress. `d` must not be read afterwards.
 */
void digestio_final(struct digestio *d, unsigned char dg[SHA256_LEN]);

/*
 * Finish and compare with `want`, an OCI digest string "sha256:" followed
 * by 64 lowercase hex digits. Returns 0 when equal; -1 with ERR_DIGEST
 * ("digest mismatch: expected sha256:..., got sha256:...") when not, or
 * with ERR_PARSE when `want` is not such a string (other algorithms
 * included). `want` is borrowed for the call only.
 */
int digestio_verify(struct digestio *d, const char *want, struct err *e);

#endif

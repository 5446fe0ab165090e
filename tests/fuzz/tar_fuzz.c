/* tar_fuzz.c - libFuzzer target for core/tar: headers, PAX, GNU, data
 *
 * Every input is read as an archive twice: once from a memory reader with
 * large reads, once through a source that hands out 1..N bytes per read
 * (N from the first input byte) with small reads of entry data, skipping
 * the data of every third entry. Both passes must see the same entries
 * (a SHA-256 over every field and every data byte read), end the same way
 * and fail with the same message. Every entry is checked against the
 * promises of tar.h (types, lengths, size only on regular files, NULs
 * after xattr values, block-aligned offsets), and after the end the drain
 * must account for every remaining byte.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "tar.h"

struct result {
	unsigned char dg[SHA256_LEN];
	int status;
	uint64_t entries;
	char msg[ERR_MSG_MAX];
};

static void
check_entry(const struct tar_entry *ent)
{
	size_t i, pl = strlen(ent->path), ll = strlen(ent->linkpath);

	if (pl == 0 || pl > TAR_PATH_MAX || ll > TAR_PATH_MAX)
		abort();
	switch (ent->type) {
	case TAR_LINK:
	case TAR_SYMLINK:
		if (ll == 0)
			abort();
		break;
	case TAR_REG:
	case TAR_CHR:
	case TAR_BLK:
	case TAR_DIR:
	case TAR_FIFO:
		if (ll != 0)
			abort();
		break;
	default:
		abort();
	}
	if (ent->type != TAR_REG && ent->size != 0)
		abort();
	if (ent->mode > 07777 || ent->mtime_nsec < 0 ||
	    ent->mtime_nsec > 999999999 || ent->atime_nsec < 0 ||
	    ent->atime_nsec > 999999999 || ent->uid == 0xffffffff ||
	    ent->gid == 0xffffffff)
		abort();
	if (ent->size > INT64_MAX)
		abort();
	if ((ent->nxattrs == 0) != (ent->xattrs == NULL))
		abort();
	for (i = 0; i < ent->nxattrs; i++)
		if (!ent->xattrs[i].name[0] ||
		    ent->xattrs[i].value[ent->xattrs[i].len] != '\0')
			abort();
}

static void
hash_entry(struct sha256 *h, const struct tar_entry *ent)
{
	int64_t nums[12];
	size_t i;

	nums[0] = ent->type;
	nums[1] = ent->mode;
	nums[2] = ent->uid;
	nums[3] = ent->gid;
	nums[4] = ent->mtime;
	nums[5] = ent->mtime_nsec;
	nums[6] = ent->has_atime;
	nums[7] = ent->atime;
	nums[8] = ent->atime_nsec;
	nums[9] = (int64_t)ent->size;
	nums[10] = ((int64_t)ent->devmajor << 32) | ent->devminor;
	nums[11] = (int64_t)ent->nxattrs;
	sha256_update(h, nums, sizeof(nums));
	sha256_update(h, ent->path, strlen(ent->path) + 1);
	sha256_update(h, ent->linkpath, strlen(ent->linkpath) + 1);
	for (i = 0; i < ent->nxattrs; i++) {
		sha256_update(h, ent->xattrs[i].name,
		    strlen(ent->xattrs[i].name) + 1);
		sha256_update(h, &ent->xattrs[i].len,
		    sizeof(ent->xattrs[i].len));
		sha256_update(h, ent->xattrs[i].value, ent->xattrs[i].len);
	}
}

static void
run(const uint8_t *data, size_t size, size_t chunk, size_t rchunk,
    int skip_some, struct result *res)
{
	struct io_mem c;
	struct reader r;
	struct err e = ERR_INIT;
	struct tar_entry ent;
	struct sha256 h;
	struct tar t;
	unsigned char buf[4096];
	uint64_t got, drained;
	ssize_t n;
	int st;

	io_mem_reader(&c, data, size, &r);
	c.max = chunk;
	memset(res, 0, sizeof(*res));
	sha256_init(&h);
	tar_init(&t, &r);
	for (;;) {
		st = tar_next(&t, &ent, &e);
		if (st <= 0)
			break;
		if (t.offset % TAR_RECORD != 0)
			abort();
		check_entry(&ent);
		hash_entry(&h, &ent);
		res->entries++;
		if (skip_some && res->entries % 3 == 0)
			continue;
		got = 0;
		for (;;) {
			n = tar_read(&t, buf, rchunk, &e);
			if (n < 0) {
				st = -1;
				break;
			}
			if (n == 0)
				break;
			sha256_update(&h, buf, (size_t)n);
			got += (uint64_t)n;
		}
		if (st < 0)
			break;
		if (got != ent.size)
			abort();
	}
	if (st == 0) {
		if (tar_next(&t, &ent, &e) != 0)
			abort();
		if (tar_drain(&t, UINT64_MAX, &drained, &e) < 0 ||
		    t.offset != size || c.off != size)
			abort();
	} else {
		memcpy(res->msg, e.msg, sizeof(res->msg));
		err_clear(&e);
		/* Sticky. */
		if (tar_next(&t, &ent, &e) != -1 ||
		    strcmp(e.msg, res->msg) != 0)
			abort();
	}
	res->status = st;
	sha256_final(&h, res->dg);
	tar_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result a, b;
	size_t chunk = size ? (size_t)(data[0] % 61) + 1 : 1;

	run(data, size, size ? size : 1, sizeof(((struct result *)0)->msg),
	    0, &a);
	run(data, size, chunk, chunk % 7 + 1, 0, &b);
	if (a.status != b.status || a.entries != b.entries ||
	    memcmp(a.dg, b.dg, sizeof(a.dg)) != 0 ||
	    strcmp(a.msg, b.msg) != 0)
		abort();
	/* Skipping data must not change where the archive ends or fails. */
	run(data, size, chunk, 512, 1, &b);
	if (a.status != b.status || a.entries != b.entries)
		abort();
	return 0;
}

/* sealexe.c - sealed memfd copies of the running binary */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "sealexe.h"

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#endif
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 0x0002U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#define F_SEAL_SEAL 0x0001
#define F_SEAL_SHRINK 0x0002
#define F_SEAL_GROW 0x0004
#define F_SEAL_WRITE 0x0008
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

enum {
	SEALS = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE,
	BUILD_ID_MAX = 64,	/* bytes of a build ID (sha1: 20) */
	BUILD_PH_MAX = 32,	/* program headers read */
	BUILD_NOTE_MAX = 1024,	/* bytes of a PT_NOTE segment read */
	SEAL_RETRIES = 4,	/* more F_ADD_SEALS tries after EBUSY */
	SEAL_RETRY_NS = 20000000,	/* 20 ms apart */
};

/* Where a kernel without memfd_create (< 3.17) gets the private copy:
 * tmpfs first (memory, like a memfd), then any local directory. */
static const char *const tmp_dirs[] = { "/dev/shm", "/run", "/tmp" };

/*
 * Before 3.17: an unlinked file nobody else can reach by path, made with
 * O_TMPFILE (3.11) or, where the filesystem lacks it, created and unlinked
 * at once. Not sealed, but private to this process and its children:
 * overwriting it through /proc/PID/exe changes no binary anyone else runs.
 */
static int
private_file(struct err *e)
{
	char path[64];
	size_t i;
	int fd = -1;

	for (i = 0; i < sizeof(tmp_dirs) / sizeof(tmp_dirs[0]); i++) {
		fd = open(tmp_dirs[i], O_TMPFILE | O_RDWR | O_CLOEXEC, 0700);
		if (fd >= 0)
			return fd;
		snprintf(path, sizeof(path), "%s/.rocker-exe-XXXXXX",
		    tmp_dirs[i]);
		fd = mkostemp(path, O_CLOEXEC);
		if (fd >= 0) {
			unlink(path);
			return fd;
		}
	}
	return err_sys(e, "memfd_create: not in this kernel, and no private "
	    "file in /dev/shm, /run or /tmp either");
}

/* Is memfd_create missing (before 3.17)? */
static int
no_memfd(void)
{
	int fd = (int)syscall(SYS_memfd_create, "probe", MFD_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd < 0 && errno == ENOSYS;
}

/* The running binary has no name: a memfd or a private unlinked copy. */
static int
is_private(int fd)
{
	struct stat sb;

	return fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    sb.st_nlink == 0;
}

int
sealexe_is_sealed(void)
{
	int fd, seals, r;

	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	seals = fcntl(fd, F_GET_SEALS);
	if (seals >= 0 && (seals & SEALS) == SEALS) {
		close(fd);
		return 1;
	}
	/* Before 3.17 the private copy stands in for the sealed one. */
	r = no_memfd() && is_private(fd);
	close(fd);
	return r;
}

/*
 * Seal memfd `fd`: F_SEAL_EXEC too where the kernel has it (6.3). The
 * kernel refuses F_SEAL_WRITE with EBUSY while a page of the file holds
 * a reference it cannot account for (it waits about 150 ms first); seen
 * once in a CI run under load, never reproduced alone: such references
 * are transient, so try again a few times before giving up.
 */
static int
add_seals(int fd)
{
	struct timespec ts = { 0, SEAL_RETRY_NS };
	int t;

	for (t = 0; t <= SEAL_RETRIES; t++) {
		if (fcntl(fd, F_ADD_SEALS, SEALS | F_SEAL_EXEC) == 0)
			return 0;
		if (errno == EINVAL && fcntl(fd, F_ADD_SEALS, SEALS) == 0)
			return 0;
		if (errno != EBUSY || t == SEAL_RETRIES)
			return -1;
		nanosleep(&ts, NULL);
	}
	return -1;
}

int
sealexe_copy(struct err *e)
{
	struct stat sb;
	off_t off = 0;
	ssize_t n;
	int src, fd, sealed = 1;

	src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (src < 0)
		return err_sys(e, "open /proc/self/exe");
	if (fstat(src, &sb) < 0) {
		close(src);
		return err_sys(e, "stat /proc/self/exe");
	}
	/* MFD_EXEC (6.3+) keeps newer kernels from warning; retry without
	 * on the EINVAL older ones give. */
	fd = (int)syscall(SYS_memfd_create, "rocker", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = (int)syscall(SYS_memfd_create, "rocker", MFD_CLOEXEC |
		    MFD_ALLOW_SEALING);
	if (fd < 0 && errno == ENOSYS) {
		sealed = 0;
		fd = private_file(e);
		if (fd < 0) {
			close(src);
			return -1;
		}
	} else if (fd < 0) {
		close(src);
		return err_sys(e, "memfd_create");
	}
	while (off < sb.st_size) {
		n = sendfile(fd, src, &off, (size_t)(sb.st_size - off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err_sys(e, "copy /proc/self/exe");
			goto fail;
		}
	}
	close(src);
	src = -1;
	if (fchmod(fd, 0511) < 0) {
		err_sys(e, "chmod the sealed copy");
		goto fail;
	}
	if (!sealed) {
		/* No writer may remain, or exec says ETXTBSY. */
		char path[32];
		int ro;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if ((ro = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			err_sys(e, "reopen the private copy of the binary");
			goto fail;
		}
		close(fd);
		return ro;
	}
	if (add_seals(fd) < 0) {
		err_sys(e, "seal the copy of the binary");
		goto fail;
	}
	return fd;
fail:
	if (src >= 0)
		close(src);
	close(fd);
	return -1;
}

void
sealexe_fexec(int fd, char **argv, char **envp)
{
	char path[32];

	syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
	if (errno != ENOSYS)
		return;
	/* Before 3.19: through /proc (an O_CLOEXEC fd still execs: the
	 * kernel opens the file before it closes the fd). */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	execve(path, argv, envp);
}

int
sealexe_ensure(char **argv, char **envp, struct err *e)
{
	int fd;

	if (sealexe_is_sealed())
		return 0;
	fd = sealexe_copy(e);
	if (fd < 0)
		return -1;
	sealexe_fexec(fd, argv, envp);
	err_sys(e, "execute the sealed copy of the binary");
	close(fd);
	return -1;
}

/* memcmp() == 0 a word at a time: musl's memcmp() goes byte by byte,
 * several times slower on a whole binary. `a` and `b` are page-aligned. */
static int
equal(const void *a, const void *b, size_t len)
{
	const uint64_t *wa = a, *wb = b;
	uint64_t diff = 0;
	size_t i, n = len / 8;

	for (i = 0; i < n; i++)
		diff |= wa[i] ^ wb[i];
	return diff == 0 && memcmp((const char *)a + 8 * n,
	    (const char *)b + 8 * n, len - 8 * n) == 0;
}

/*
 * The GNU build ID of the 64-bit ELF file `fd` (the linker's hash of its
 * output, -Wl,--build-id) into id[BUILD_ID_MAX]: its length, or 0 when
 * the file has none or is not such a file.
 */
static size_t
build_id(int fd, unsigned char *id)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph[BUILD_PH_MAX];
	unsigned char note[BUILD_NOTE_MAX];
	Elf64_Nhdr nh;
	size_t i, off, n, desc;

	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
	    eh.e_phnum > BUILD_PH_MAX)
		return 0;
	n = eh.e_phnum * sizeof(Elf64_Phdr);
	if (pread(fd, ph, n, (off_t)eh.e_phoff) != (ssize_t)n)
		return 0;
	for (i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type != PT_NOTE || ph[i].p_filesz > sizeof(note) ||
		    pread(fd, note, ph[i].p_filesz, (off_t)ph[i].p_offset) !=
		    (ssize_t)ph[i].p_filesz)
			continue;
		/* Notes: a header, the name and the descriptor, each padded
		 * to 4 bytes. */
		for (off = 0; off + sizeof(nh) <= ph[i].p_filesz; ) {
			memcpy(&nh, note + off, sizeof(nh));
			off += sizeof(nh);
			n = (nh.n_namesz + 3) & ~(size_t)3;
			desc = (nh.n_descsz + 3) & ~(size_t)3;
			if (n > ph[i].p_filesz - off ||
			    desc > ph[i].p_filesz - off - n)
				break;
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    memcmp(note + off, "GNU", 4) == 0 &&
			    nh.n_descsz > 0 && nh.n_descsz <= BUILD_ID_MAX) {
				memcpy(id, note + off + n, nh.n_descsz);
				return nh.n_descsz;
			}
			off += n + desc;
		}
	}
	return 0;
}

/*
 * Does `fd` hold the running binary? The same size and the same build ID
 * say so without reading 800 KB twice; without build IDs, every byte is
 * compared.
 */
static int
same_as_self(int fd)
{
	struct stat a, b;
	unsigned char ida[BUILD_ID_MAX], idb[BUILD_ID_MAX];
	size_t na, nb;
	void *pa = MAP_FAILED, *pb = MAP_FAILED;
	int self, same = 0;

	self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return 0;
	if (fstat(self, &a) < 0 || fstat(fd, &b) < 0 ||
	    a.st_size != b.st_size || a.st_size <= 0)
		goto out;
	na = build_id(self, ida);
	nb = build_id(fd, idb);
	if (na && nb) {
		same = na == nb && memcmp(ida, idb, na) == 0;
		goto out;
	}
	pa = mmap(NULL, (size_t)a.st_size, PROT_READ, MAP_PRIVATE, self, 0);
	pb = mmap(NULL, (size_t)b.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (pa != MAP_FAILED && pb != MAP_FAILED)
		same = equal(pa, pb, (size_t)a.st_size);
out:
	if (pa != MAP_FAILED)
		munmap(pa, (size_t)a.st_size);
	if (pb != MAP_FAILED)
		munmap(pb, (size_t)b.st_size);
	close(self);
	return same;
}

int
sealexe_ensure_like(pid_t donor, char **argv, char **envp, struct err *e)
{
	char path[64];
	int fd, seals;

	if (sealexe_is_sealed())
		return 0;
	if (donor > 0) {
		snprintf(path, sizeof(path), "/proc/%ld/exe", (long)donor);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			seals = fcntl(fd, F_GET_SEALS);
			if (seals >= 0 && (seals & SEALS) == SEALS &&
			    same_as_self(fd))
				syscall(SYS_execveat, fd, "", argv, envp,
				    AT_EMPTY_PATH);
			close(fd);
		}
	}
	return sealexe_ensure(argv, envp, e);
}

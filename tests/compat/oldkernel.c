/* oldkernel.c - run a command as if on an older kernel (a seccomp filter)
 *
 * usage: oldkernel [-a] [-n] [-v] [--] COMMAND [ARG...]
 *
 * Installs a seccomp filter, then execs COMMAND. The filter is inherited by
 * every descendant (rocker, its monitors, containers), so the whole run
 * sees the older kernel. System calls newer than about 5.0, which rocker
 * uses when they exist, fail with ENOSYS as on a kernel without them:
 *   openat2 (5.6), clone3 (5.3), close_range (5.9), pidfd_open (5.3),
 *   pidfd_send_signal (5.1), pidfd_getfd (5.6), fsopen, fsconfig, fsmount,
 *   fspick, move_mount, open_tree (5.2), mount_setattr (5.12),
 *   faccessat2 (5.8), epoll_pwait2 (5.11), process_madvise (5.10),
 *   landlock_* (5.13), memfd_secret (5.14), futex_waitv (5.16),
 *   cachestat (6.5), fchmodat2 (6.6), io_uring_* (5.1), statx (4.11)
 * and the newer flags fail with EINVAL as older kernels answer them:
 *   memfd_create flags beyond MFD_CLOEXEC | MFD_ALLOW_SEALING |
 *   MFD_HUGETLB (MFD_NOEXEC_SEAL, MFD_EXEC: 6.3), fcntl F_ADD_SEALS with
 *   F_SEAL_EXEC (6.3) or F_SEAL_FUTURE_WRITE (5.1).
 * With -a ("ancient", a 3.12-3.16 kernel) these also fail with ENOSYS:
 *   memfd_create (3.17), execveat (3.19), getrandom (3.17),
 *   seccomp (3.17: PR_SET_SECCOMP still works), renameat2 (3.15),
 *   copy_file_range (4.5), bpf (3.18), userfaultfd (4.3), membarrier
 *   (4.3), mlock2 (4.4), preadv2/pwritev2 (4.6), pkey_* (4.9), rseq
 *   (4.18), io_pgetevents (4.18), kexec_file_load (3.17)
 * and clone/unshare/setns with CLONE_NEWCGROUP (4.6) fail with EINVAL.
 * -n is a kernel built without nf_tables instead: only
 *   socket(AF_NETLINK, ..., NETLINK_NETFILTER) is filtered, and fails with
 *   EPROTONOSUPPORT as without nfnetlink; system calls all pass.
 * -v lists the filtered calls on stderr. Exit status: COMMAND's, or 126
 * when the filter or exec fails, 2 on bad usage. x86-64 and aarch64.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "oldkernel: x86_64 or aarch64 only"
#endif

enum {
	MAX_INSNS = 512,
	NR_NONE = -1,
	/* linux/fcntl.h */
	ADD_SEALS = 1033,
	SEAL_FUTURE_WRITE = 0x0010,
	SEAL_EXEC = 0x0020,
	/* linux/memfd.h: what kernels before 6.3 accept */
	MFD_OLD = 0x0001 | 0x0002 | 0x0004,
	NEWCGROUP = 0x02000000,
	/* linux/netlink.h, linux/socket.h */
	NETLINK_NETFILTER_ = 12,
	AF_NETLINK_ = 16,
};

/* Generic syscall numbers (asm-generic/unistd.h) shared by x86-64 >= 424. */
static const struct call {
	const char *name;
	long nr;
	int ancient;		/* only with -a */
} calls[] = {
	{ "openat2", 437, 0 }, { "clone3", 435, 0 },
	{ "close_range", 436, 0 }, { "pidfd_open", 434, 0 },
	{ "pidfd_send_signal", 424, 0 }, { "pidfd_getfd", 438, 0 },
	{ "open_tree", 428, 0 }, { "move_mount", 429, 0 },
	{ "fsopen", 430, 0 }, { "fsconfig", 431, 0 }, { "fsmount", 432, 0 },
	{ "fspick", 433, 0 }, { "mount_setattr", 442, 0 },
	{ "faccessat2", 439, 0 }, { "epoll_pwait2", 441, 0 },
	{ "process_madvise", 440, 0 }, { "landlock_create_ruleset", 444, 0 },
	{ "landlock_add_rule", 445, 0 }, { "landlock_restrict_self", 446, 0 },
	{ "memfd_secret", 447, 0 }, { "futex_waitv", 449, 0 },
	{ "cachestat", 451, 0 }, { "fchmodat2", 452, 0 },
	{ "io_uring_setup", 425, 0 }, { "io_uring_enter", 426, 0 },
	{ "io_uring_register", 427, 0 },
#if defined(__x86_64__)
	{ "statx", 332, 0 },
	{ "memfd_create", 319, 1 }, { "execveat", 322, 1 },
	{ "getrandom", 318, 1 }, { "seccomp", 317, 1 },
	{ "renameat2", 316, 1 }, { "copy_file_range", 326, 1 },
	{ "bpf", 321, 1 }, { "userfaultfd", 323, 1 },
	{ "membarrier", 324, 1 }, { "mlock2", 325, 1 },
	{ "preadv2", 327, 1 }, { "pwritev2", 328, 1 },
	{ "pkey_mprotect", 329, 1 }, { "pkey_alloc", 330, 1 },
	{ "pkey_free", 331, 1 }, { "io_pgetevents", 333, 1 },
	{ "rseq", 334, 1 }, { "kexec_file_load", 320, 1 },
#else
	{ "statx", 291, 0 },
	{ "memfd_create", 279, 1 }, { "execveat", 281, 1 },
	{ "getrandom", 278, 1 }, { "seccomp", 277, 1 },
	{ "renameat2", 276, 1 }, { "copy_file_range", 285, 1 },
	{ "bpf", 280, 1 }, { "userfaultfd", 282, 1 },
	{ "membarrier", 283, 1 }, { "mlock2", 284, 1 },
	{ "preadv2", 286, 1 }, { "pwritev2", 287, 1 },
	{ "pkey_mprotect", 288, 1 }, { "pkey_alloc", 289, 1 },
	{ "pkey_free", 290, 1 }, { "io_pgetevents", 292, 1 },
	{ "rseq", 293, 1 }, { "kexec_file_load", 294, 1 },
#endif
};

static struct sock_filter prog[MAX_INSNS];
static unsigned n;

static void
emit(unsigned short code, unsigned jt, unsigned jf, unsigned k)
{
	if (n >= MAX_INSNS) {
		fputs("oldkernel: filter too long\n", stderr);
		exit(126);
	}
	prog[n].code = code;
	prog[n].jt = (unsigned char)jt;
	prog[n].jf = (unsigned char)jf;
	prog[n].k = k;
	n++;
}

static void
load_nr(void)
{
	emit(BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr));
}

/* Low 32 bits of argument i into A. */
static void
load_arg(int i)
{
	emit(BPF_LD | BPF_W | BPF_ABS, 0, 0,
	    offsetof(struct seccomp_data, args) + 8 * i);
}

/* if (nr == NR && (arg[i] & mask)) return errno_; */
static void
flag_rule(long nr, int i, unsigned mask, int errno_)
{
	load_nr();
	emit(BPF_JMP | BPF_JEQ | BPF_K, 0, 3, (unsigned)nr);
	load_arg(i);
	emit(BPF_JMP | BPF_JSET | BPF_K, 0, 1, mask);
	emit(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | (unsigned)errno_);
}

/* if (nr == NR && arg[i] == val && (arg[j] OP k)) return errno_, where OP
 * is BPF_JEQ (==) or BPF_JSET (&). */
static void
two_arg_rule(long nr, int i, unsigned val, int j, unsigned op, unsigned k,
    int errno_)
{
	load_nr();
	emit(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, (unsigned)nr);
	load_arg(i);
	emit(BPF_JMP | BPF_JEQ | BPF_K, 0, 3, val);
	load_arg(j);
	emit(BPF_JMP | op | BPF_K, 0, 1, k);
	emit(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | (unsigned)errno_);
}

int
main(int argc, char **argv)
{
	struct sock_fprog fp;
	int ancient = 0, nonft = 0, verbose = 0, i;
	size_t c;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "-a") == 0) {
			ancient = 1;
		} else if (strcmp(argv[i], "-n") == 0) {
			nonft = 1;
		} else if (strcmp(argv[i], "-v") == 0) {
			verbose = 1;
		} else {
			break;
		}
	}
	if (i >= argc) {
		fputs("usage: oldkernel [-a] [-n] [-v] [--] COMMAND [ARG...]\n",
		    stderr);
		return 2;
	}

	/* Other architectures (a 32-bit ABI) pass untouched. */
	emit(BPF_LD | BPF_W | BPF_ABS, 0, 0,
	    offsetof(struct seccomp_data, arch));
	emit(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, NATIVE_ARCH);
	emit(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
	if (nonft) {
		two_arg_rule(SYS_socket, 0, AF_NETLINK_, 2, BPF_JEQ,
		    NETLINK_NETFILTER_, EPROTONOSUPPORT);
		if (verbose)
			fputs("oldkernel: NETLINK_NETFILTER -> "
			    "EPROTONOSUPPORT\n", stderr);
		goto load;
	}
	for (c = 0; c < sizeof(calls) / sizeof(calls[0]); c++) {
		if (calls[c].ancient && !ancient)
			continue;
		if (verbose)
			fprintf(stderr, "oldkernel: %s -> ENOSYS\n",
			    calls[c].name);
		load_nr();
		emit(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, (unsigned)calls[c].nr);
		emit(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | ENOSYS);
	}
	if (!ancient) {
		flag_rule(SYS_memfd_create, 1, ~(unsigned)MFD_OLD, EINVAL);
		if (verbose)
			fputs("oldkernel: memfd_create MFD_EXEC etc. -> EINVAL\n",
			    stderr);
	}
	two_arg_rule(SYS_fcntl, 1, ADD_SEALS, 2, BPF_JSET,
	    SEAL_EXEC | SEAL_FUTURE_WRITE, EINVAL);
	if (ancient) {
		flag_rule(SYS_clone, 0, NEWCGROUP, EINVAL);
		flag_rule(SYS_unshare, 0, NEWCGROUP, EINVAL);
		flag_rule(SYS_setns, 1, NEWCGROUP, EINVAL);
		if (verbose)
			fputs("oldkernel: CLONE_NEWCGROUP -> EINVAL\n", stderr);
	}
load:
	emit(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
	fp.len = (unsigned short)n;
	fp.filter = prog;
	/* Root (CAP_SYS_ADMIN) needs no no_new_privs, which would change
	 * what the containers see; others do. */
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp) < 0 &&
	    (errno != EACCES || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp) < 0)) {
		fprintf(stderr, "oldkernel: install the filter: %s\n",
		    strerror(errno));
		return 126;
	}
	execvp(argv[i], argv + i);
	fprintf(stderr, "oldkernel: %s: %s\n", argv[i], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

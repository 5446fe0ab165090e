/* seccomp.h - seccomp filters: Docker's default profile and OCI profiles
 * compiled to classic BPF, and installed
 *
 * Docker's default profile lives in config/seccomp_default.txt and the
 * system call numbers in config/syscalls_ARCH.txt; at build time
 * config/seccomp_gen.c turns them into C tables and the default profile is
 * compiled once to BPF for Docker's default capability set (see
 * docs/seccomp.md). At run time seccomp_compile() turns any OCI profile
 * (struct spec_seccomp, as config.json's linux.seccomp) into a program for
 * one architecture, and seccomp_load() installs it.
 *
 * The program: a foreign architecture (i386 or arm compat) kills the
 * process; x32 system calls (number | 0x40000000 on x86_64) and numbers
 * above the largest in the architecture's table (newer than the table's
 * kernel) answer ENOSYS so libc falls back, unless the default action is
 * ALLOW or LOG, when those newer numbers get the default (x32 still
 * ENOSYS); every other number gets its rules, else the default action.
 *
 * Rule semantics, for a system call named by several rules: rules with
 * argument conditions are tried first, in profile order, and the first
 * whose conditions all hold decides; then the rules without conditions
 * decide (the most severe action among them, in the kernel's order KILL
 * PROCESS > KILL > TRAP > ERRNO > TRACE > LOG > ALLOW); then the default.
 * Conditions compare the full 64-bit argument. Names the architecture's
 * table lacks are skipped, as libseccomp does.
 */
#ifndef ROCKER_SECCOMP_H
#define ROCKER_SECCOMP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "spec.h"

/* Architectures with a system call table; SECCOMP_ARCH_NATIVE is the one
 * this binary runs on (SECCOMP_ARCH_NONE where there is no table). */
enum seccomp_arch {
	SECCOMP_ARCH_X86_64,
	SECCOMP_ARCH_AARCH64,
	SECCOMP_ARCH_COUNT,
	SECCOMP_ARCH_NONE = -1,
#if defined(__x86_64__)
	SECCOMP_ARCH_NATIVE = SECCOMP_ARCH_X86_64,
#elif defined(__aarch64__)
	SECCOMP_ARCH_NATIVE = SECCOMP_ARCH_AARCH64,
#else
	SECCOMP_ARCH_NATIVE = SECCOMP_ARCH_NONE,
#endif
};

enum {
	SECCOMP_MAX_INSNS = 4096,	/* the kernel's BPF_MAXINSNS */
	SECCOMP_MAX_ARGS = 16,		/* conditions in one rule */
};

/* One classic BPF instruction, laid out as the kernel's struct
 * sock_filter (linux/filter.h), so an array of them is a filter. */
struct seccomp_insn {
	uint16_t code;
	uint8_t jt;
	uint8_t jf;
	uint32_t k;
};

/*
 * Compile profile `p` (borrowed) for architecture `arch` into `out`, an
 * array of `max` instructions owned by the caller; *n is set to the length
 * used. Docker's default profile for its default capabilities (equal to
 * seccomp_default_profile(arch), however it was obtained, e.g. read back
 * from config.json) is copied from the program compiled at build time.
 * Errors: ERR_PARSE for an invalid profile (bad action, errno, argument
 * index or operator, NULL name), ERR_LIMIT when the program exceeds `max`
 * or SECCOMP_MAX_INSNS, ERR_GENERIC for an architecture this build has no
 * table for, ENOMEM. Returns 0 or -1.
 */
int seccomp_compile(const struct spec_seccomp *p, enum seccomp_arch arch,
	struct seccomp_insn *out, size_t max, size_t *n, struct err *e);

/*
 * Install the `n`-instruction filter `f` (borrowed; the kernel copies it)
 * on the calling thread, with seccomp(SECCOMP_SET_MODE_FILTER), or
 * prctl(PR_SET_SECCOMP) on kernels without that system call (before 3.17).
 * The kernel requires no_new_privs (prctl(PR_SET_NO_NEW_PRIVS)) or
 * CAP_SYS_ADMIN in the caller's user namespace; without either it fails
 * EACCES. Install it last, just before execve: from then on every system
 * call of this thread and its children is filtered. Returns 0 or -1.
 */
int seccomp_load(const struct seccomp_insn *f, size_t n, struct err *e);

/*
 * Docker's default profile for Docker's default capabilities on `arch`,
 * with rules gated on a kernel version taken as met: a static struct,
 * never freed nor modified. NULL when this build has no table for `arch`.
 */
const struct spec_seccomp *seccomp_default_profile(enum seccomp_arch arch);

/* Docker's default capability set (bit n = capability n): CHOWN,
 * DAC_OVERRIDE, FSETID, FOWNER, MKNOD, NET_RAW, SETGID, SETUID, SETFCAP,
 * SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, KILL, AUDIT_WRITE. */
uint64_t seccomp_default_caps(void);

/*
 * Docker's default profile resolved, as Docker does when it writes
 * config.json, for a container holding capabilities `caps` (its bounding
 * set; bit n = capability n) on `arch` and the running kernel: rules gated
 * on a capability the container has (e.g. CAP_SYS_ADMIN unlocks mount,
 * unshare, setns and unrestricted clone) or lacks, on the architecture and
 * on the kernel version are kept or dropped. Returns a new heap struct in
 * which every pointer (rules, names, each name, args, archs, each arch) is
 * its own malloc() allocation, as spec_parse() builds them; release it
 * with seccomp_profile_free(). NULL and `e` filled (ENOMEM, ERR_GENERIC for
 * an architecture without a table) on failure.
 */
struct spec_seccomp *seccomp_default_for_caps(uint64_t caps,
	enum seccomp_arch arch, struct err *e);

/* Free a profile from seccomp_default_for_caps() and everything it points
 * to. NULL is a no-op. */
void seccomp_profile_free(struct spec_seccomp *p);

/* The number of system call `name` on `arch`, or -1 when the table has no
 * such name (or no table for `arch`). */
int seccomp_syscall_number(enum seccomp_arch arch, const char *name);

/* The name of system call `nr` on `arch` (a static string), or NULL when
 * the table has no such number. */
const char *seccomp_syscall_name(enum seccomp_arch arch, int nr);

/* The largest system call number in `arch`'s table (above it the filter
 * answers ENOSYS), or -1 without a table. */
int seccomp_syscall_max(enum seccomp_arch arch);

#endif

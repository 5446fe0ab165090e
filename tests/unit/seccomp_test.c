/* seccomp_test.c - the BPF compiler against a reference model, and the
 * default profile loaded for real in a child (no root: no_new_privs) */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "seccomp.h"

enum {
	X32_BIT = 0x40000000,
	ENOSYS_RET = 0x00050000 | ENOSYS,
	EPERM_RET = 0x00050001,
	ALLOW_RET = 0x7fff0000,
	BAD = 1,		/* run_bpf(): the program is malformed */
	CLONE_NS_MASK = 0x7e020000,
	AF_VSOCK_NR = 40,
	NRANDOM = 300,		/* random profiles */
};

static const uint32_t KILL_PROCESS_RET = 0x80000000u;
static const enum seccomp_arch NATIVE = SECCOMP_ARCH_NATIVE;

/* struct seccomp_data (linux/seccomp.h). */
struct sc_data {
	int nr;
	uint32_t arch;
	uint64_t ip;
	uint64_t args[6];
};

static uint32_t audit_arch;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A classic BPF interpreter for the instructions the compiler emits,
 * with the kernel checker's rules: loads aligned inside seccomp_data,
 * jumps forward inside the program, every path ending in RET. */
static uint32_t
run_bpf(const struct seccomp_insn *f, size_t n, const struct sc_data *d,
	int *bad)
{
	uint32_t a = 0;
	size_t pc = 0, next;
	const struct seccomp_insn *i;

	while (pc < n) {
		i = &f[pc];
		next = pc + 1;
		switch (i->code) {
		case 0x20:
			if (i->k % 4 || i->k + 4 > sizeof(*d))
				goto bad;
			memcpy(&a, (const char *)d + i->k, 4);
			break;
		case 0x54:
			a &= i->k;
			break;
		case 0x05:
			next += i->k;
			break;
		case 0x15:
			next += a == i->k ? i->jt : i->jf;
			break;
		case 0x25:
			next += a > i->k ? i->jt : i->jf;
			break;
		case 0x35:
			next += a >= i->k ? i->jt : i->jf;
			break;
		case 0x06:
			return i->k;
		default:
			goto bad;
		}
		if (next > n)
			goto bad;
		pc = next;
	}
bad:
	*bad = BAD;
	return 0xdeadbeef;
}

static int
ret_of(enum spec_sc_action act, int err)
{
	switch (act) {
	case SPEC_SC_KILL:
		return 0;
	case SPEC_SC_KILL_PROCESS:
		return (int)0x80000000u;
	case SPEC_SC_TRAP:
		return 0x00030000;
	case SPEC_SC_ERRNO:
		return 0x00050000 | (err < 0 ? 1 : err);
	case SPEC_SC_TRACE:
		return 0x7ff00000 | (err < 0 ? 0 : err);
	case SPEC_SC_LOG:
		return 0x7ffc0000;
	case SPEC_SC_ALLOW:
		return 0x7fff0000;
	}
	return -1;
}

static int
rank(uint32_t ret)
{
	switch (ret & 0xffff0000u) {
	case 0x80000000u: return 7;
	case 0: return 6;
	case 0x00030000: return 5;
	case 0x00050000: return 4;
	case 0x7ff00000: return 3;
	case 0x7ffc0000: return 2;
	default: return 1;
	}
}

static int
cond_holds(const struct spec_sc_arg *c, const uint64_t *args)
{
	uint64_t v = args[c->index];

	switch (c->op) {
	case SPEC_SC_NE: return v != c->value;
	case SPEC_SC_LT: return v < c->value;
	case SPEC_SC_LE: return v <= c->value;
	case SPEC_SC_EQ: return v == c->value;
	case SPEC_SC_GE: return v >= c->value;
	case SPEC_SC_GT: return v > c->value;
	case SPEC_SC_MASKED_EQ: return (v & c->value) == c->value2;
	}
	return 0;
}

static int
names_nr(const struct spec_sc_rule *r, int nr)
{
	size_t i;

	for (i = 0; i < r->nnames; i++)
		if (seccomp_syscall_number(NATIVE, r->names[i]) == nr)
			return 1;
	return 0;
}

/* The verdict the documented semantics give, straight from the profile. */
static uint32_t
reference(const struct spec_seccomp *p, const struct sc_data *d)
{
	uint32_t dflt = (uint32_t)ret_of(p->default_action, p->default_errno);
	uint32_t best = 0, r;
	size_t i, j;
	int have = 0, ok;

	if (d->arch != audit_arch)
		return KILL_PROCESS_RET;
	if (NATIVE == SECCOMP_ARCH_X86_64 && (uint32_t)d->nr >= X32_BIT)
		return ENOSYS_RET;
	if ((uint32_t)d->nr > (uint32_t)seccomp_syscall_max(NATIVE))
		return dflt == ALLOW_RET || dflt == 0x7ffc0000 ? dflt :
			ENOSYS_RET;
	for (i = 0; i < p->nrules; i++) {
		if (!p->rules[i].nargs || !names_nr(&p->rules[i], d->nr))
			continue;
		for (ok = 1, j = 0; j < p->rules[i].nargs; j++)
			ok = ok && cond_holds(&p->rules[i].args[j], d->args);
		if (ok)
			return (uint32_t)ret_of(p->rules[i].action,
				p->rules[i].errno_ret);
	}
	for (i = 0; i < p->nrules; i++) {
		if (p->rules[i].nargs || !names_nr(&p->rules[i], d->nr))
			continue;
		r = (uint32_t)ret_of(p->rules[i].action, p->rules[i].errno_ret);
		if (!have || rank(r) > rank(best))
			best = r;
		have = 1;
	}
	return have ? best : dflt;
}

static const uint64_t interesting[] = {
	0, 1, 2, 8, 40, 41, 0x10, 0x20000, 0x20008, 0x7e020000, 0x10000000,
	0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x100000000ull,
	0x100000001ull, 0x1ffffffffull, 0xffffffff00000000ull,
	0x8000000000000000ull, 0xfffffffffffffffeull, 0xffffffffffffffffull,
};
enum { NINTERESTING = sizeof(interesting) / sizeof(interesting[0]) };

static uint64_t
some_value(void)
{
	uint64_t v = interesting[rnd() % NINTERESTING];

	switch (rnd() % 4) {
	case 0: return v + 1;
	case 1: return v - 1;
	case 2: return rnd() % 3 ? v : rnd();
	default: return v;
	}
}

/* Interpret `f` on every number around the table with assorted arguments
 * and compare with reference(). Returns the number of mismatches. */
static int
sweep(const struct spec_seccomp *p, const struct seccomp_insn *f, size_t n,
	int per_nr)
{
	struct sc_data d;
	int nr, k, j, bad = 0, wrong = 0, max = seccomp_syscall_max(NATIVE);
	uint32_t got, want;

	for (nr = -2; nr <= max + 3 + 4; nr++) {
		for (k = 0; k < per_nr; k++) {
			memset(&d, 0, sizeof(d));
			d.arch = audit_arch;
			d.nr = nr <= max + 3 ? nr : (int)(rnd() & 0xffffffffu);
			if (nr == -2)
				d.nr = X32_BIT | (int)(rnd() % 512);
			if (nr == -1)
				d.arch = (uint32_t)rnd() | 1;
			for (j = 0; j < 6; j++)
				d.args[j] = some_value();
			got = run_bpf(f, n, &d, &bad);
			want = reference(p, &d);
			if (got != want || bad) {
				if (wrong++ < 5)
					printf("# nr %d arg0 %#llx: got %#x "
						"want %#x%s\n", d.nr,
						(unsigned long long)d.args[0],
						got, want, bad ? " (bad)" : "");
				bad = 0;
			}
		}
	}
	return wrong;
}

static uint32_t
verdict(const struct seccomp_insn *f, size_t n, const char *name,
	uint64_t arg0)
{
	struct sc_data d;
	int bad = 0;
	uint32_t r;

	memset(&d, 0, sizeof(d));
	d.arch = audit_arch;
	d.nr = seccomp_syscall_number(NATIVE, name);
	d.args[0] = arg0;
	r = run_bpf(f, n, &d, &bad);
	return bad ? 0xdeadbeef : r;
}

static struct spec_seccomp *
random_profile(void)
{
	static const enum spec_sc_action acts[] = {
		SPEC_SC_KILL, SPEC_SC_KILL_PROCESS, SPEC_SC_TRAP,
		SPEC_SC_ERRNO, SPEC_SC_TRACE, SPEC_SC_ALLOW, SPEC_SC_LOG,
	};
	struct spec_seccomp *p;
	struct spec_sc_rule *r;
	size_t i, j, nrules;
	int max = seccomp_syscall_max(NATIVE), nr;
	const char *name;

	p = calloc(1, sizeof(*p));
	nrules = 1 + rnd() % 60;
	p->rules = calloc(nrules, sizeof(*p->rules));
	p->default_action = acts[rnd() % 7];
	p->default_errno = (int)(rnd() % 40) - 1;
	for (i = 0; i < nrules; i++) {
		r = &p->rules[p->nrules++];
		r->action = acts[rnd() % 7];
		r->errno_ret = (int)(rnd() % 100) - 1;
		r->nnames = 1 + rnd() % (rnd() % 8 ? 8 : 200);
		r->names = calloc(r->nnames, sizeof(*r->names));
		for (j = 0; j < r->nnames; j++) {
			nr = (int)(rnd() % (unsigned)(max + 1));
			name = seccomp_syscall_name(NATIVE, nr);
			r->names[j] = strdup(name ? name : "no_such_call");
		}
		if (rnd() % 3 || (r->nnames > 8 && rnd() % 4))
			continue;
		r->nargs = 1 + rnd() % 4;
		r->args = calloc(r->nargs, sizeof(*r->args));
		for (j = 0; j < r->nargs; j++) {
			r->args[j].index = (unsigned)(rnd() % 6);
			r->args[j].op = (enum spec_sc_op)(rnd() % 7);
			r->args[j].value = some_value();
			r->args[j].value2 = rnd() % 2 ? r->args[j].value &
				some_value() : some_value();
		}
	}
	return p;
}

/* A profile that alternates verdicts on every number: the most runs, so
 * the search tree needs trampolines for its long jumps. */
static struct spec_seccomp *
striped_profile(void)
{
	struct spec_seccomp *p;
	int nr, max = seccomp_syscall_max(NATIVE);
	const char *name;
	size_t k = 0;

	p = calloc(1, sizeof(*p));
	p->default_action = SPEC_SC_ERRNO;
	p->default_errno = -1;
	p->rules = calloc(1, sizeof(*p->rules));
	p->nrules = 1;
	p->rules[0].action = SPEC_SC_ALLOW;
	p->rules[0].errno_ret = -1;
	p->rules[0].names = calloc((size_t)max + 1, sizeof(char *));
	for (nr = 0; nr <= max; nr += 2) {
		name = seccomp_syscall_name(NATIVE, nr);
		if (name)
			p->rules[0].names[k++] = strdup(name);
	}
	p->rules[0].nnames = k;
	return p;
}

/* A rule with 16 conditions for every system call: far over the limit. */
static struct spec_seccomp *
huge_profile(void)
{
	struct spec_seccomp *p;
	struct spec_sc_rule *r;
	int nr, max = seccomp_syscall_max(NATIVE);
	const char *name;
	size_t j;

	p = calloc(1, sizeof(*p));
	p->default_action = SPEC_SC_ERRNO;
	p->default_errno = -1;
	p->rules = calloc((size_t)max + 1, sizeof(*p->rules));
	for (nr = 0; nr <= max; nr++) {
		name = seccomp_syscall_name(NATIVE, nr);
		if (!name)
			continue;
		r = &p->rules[p->nrules++];
		r->action = SPEC_SC_ALLOW;
		r->names = calloc(1, sizeof(char *));
		r->names[0] = strdup(name);
		r->nnames = 1;
		r->nargs = SECCOMP_MAX_ARGS;
		r->args = calloc(r->nargs, sizeof(*r->args));
		for (j = 0; j < r->nargs; j++) {
			r->args[j].index = (unsigned)(j % 6);
			r->args[j].op = SPEC_SC_GE;
			r->args[j].value = (uint64_t)nr << 32 | j;
		}
	}
	return p;
}

static void
test_model(void)
{
	static struct seccomp_insn f[SECCOMP_MAX_INSNS];
	struct err e = ERR_INIT;
	struct spec_seccomp *p;
	size_t n = 0, worst = 0;
	int i, wrong = 0, failed = 0, tramp;

	p = striped_profile();
	CHECK(seccomp_compile(p, NATIVE, f, SECCOMP_MAX_INSNS, &n, &e) == 0,
		"striped profile compiles: %s", e.msg);
	for (i = 0, tramp = 0; (size_t)i < n; i++)
		tramp += f[i].code == 0x05;	/* JA: only trampolines here */
	CHECK(tramp > 0, "striped profile needs %d trampolines", tramp);
	CHECK(sweep(p, f, n, 8) == 0, "striped profile (%zu insns, long "
		"jumps) matches the model", n);
	seccomp_profile_free(p);

	p = huge_profile();
	CHECK(seccomp_compile(p, NATIVE, f, SECCOMP_MAX_INSNS, &n, &e) < 0 &&
		e.code == ERR_LIMIT, "too big a profile: %s", e.msg);
	seccomp_profile_free(p);

	for (i = 0; i < NRANDOM; i++) {
		p = random_profile();
		if (seccomp_compile(p, NATIVE, f, SECCOMP_MAX_INSNS, &n,
		    &e) < 0) {
			printf("# random profile %d: %s\n", i, e.msg);
			failed++;
		} else {
			wrong += sweep(p, f, n, 3);
			if (n > worst)
				worst = n;
		}
		seccomp_profile_free(p);
	}
	CHECK(failed == 0 && wrong == 0, "%d random profiles (up to %zu "
		"insns) match the model: %d failed, %d wrong", NRANDOM, worst,
		failed, wrong);
}

static void
test_default(void)
{
	static struct seccomp_insn f[SECCOMP_MAX_INSNS], g[SECCOMP_MAX_INSNS];
	struct err e = ERR_INIT;
	const struct spec_seccomp *d = seccomp_default_profile(NATIVE);
	struct spec_seccomp *p, copy;
	struct spec_sc_rule *rules;
	char *bogus[] = { "no_such_syscall" };
	size_t n = 0, m = 0, i, j;
	struct timespec t0, t1;
	double us;
	int same;

	CHECK(d && d->nrules > 10, "default profile exists");
	CHECK(seccomp_compile(d, NATIVE, f, SECCOMP_MAX_INSNS, &n, &e) == 0,
		"default profile compiles: %s", e.msg);
	CHECK(n > 0 && n <= SECCOMP_MAX_INSNS, "default program: %zu "
		"instructions (<= %d)", n, SECCOMP_MAX_INSNS);

	/* One more rule naming nothing on this arch: no fast path, the
	 * same verdicts, so the very same program. */
	copy = *d;
	rules = calloc(d->nrules + 1, sizeof(*rules));
	memcpy(rules, d->rules, d->nrules * sizeof(*rules));
	rules[d->nrules].action = SPEC_SC_KILL;
	rules[d->nrules].names = bogus;
	rules[d->nrules].nnames = 1;
	copy.rules = rules;
	copy.nrules = d->nrules + 1;
	CHECK(seccomp_compile(&copy, NATIVE, g, SECCOMP_MAX_INSNS, &m,
		&e) == 0, "default profile compiles at run time");
	CHECK(m == n && memcmp(f, g, n * sizeof(*f)) == 0,
		"run-time program equals the precompiled one (%zu, %zu)", m, n);
	CHECK(sweep(d, f, n, 4) == 0, "default program matches the model");

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 200; i++)
		seccomp_compile(&copy, NATIVE, g, SECCOMP_MAX_INSNS, &m, &e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) /
		1e3 / 200;
	printf("# run-time compile of the default profile: %.1f us "
		"(sanitized build)\n", us);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 200; i++)
		seccomp_compile(d, NATIVE, g, SECCOMP_MAX_INSNS, &m, &e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) /
		1e3 / 200;
	printf("# fast path (compare + copy): %.1f us\n", us);
	free(rules);

	CHECK(verdict(f, n, "read", 0) == ALLOW_RET, "read allowed");
	CHECK(verdict(f, n, "keyctl", 0) == EPERM_RET, "keyctl EPERM");
	CHECK(verdict(f, n, "clone3", 0) == ENOSYS_RET, "clone3 ENOSYS");
	CHECK(verdict(f, n, "clone", 0x11) == ALLOW_RET, "clone SIGCHLD ok");
	CHECK(verdict(f, n, "clone", 0x10000000 | 0x11) == EPERM_RET,
		"clone CLONE_NEWUSER EPERM");
	CHECK(verdict(f, n, "unshare", 0x10000000) == EPERM_RET,
		"unshare EPERM");
	CHECK(verdict(f, n, "mount", 0) == EPERM_RET, "mount EPERM");
	CHECK(verdict(f, n, "socket", 2) == ALLOW_RET, "socket AF_INET ok");
	CHECK(verdict(f, n, "socket", AF_VSOCK_NR) == EPERM_RET,
		"socket AF_VSOCK EPERM");
	CHECK(verdict(f, n, "socket", 0x100000000ull | AF_VSOCK_NR) ==
		ALLOW_RET, "socket compares 64 bits");
	CHECK(verdict(f, n, "personality", 0xffffffff) == ALLOW_RET &&
		verdict(f, n, "personality", 0x20008) == ALLOW_RET &&
		verdict(f, n, "personality", 0x10) == EPERM_RET &&
		verdict(f, n, "personality", 0x1ffffffffull) == EPERM_RET,
		"personality: the five values only");
	CHECK(verdict(f, n, "chroot", 0) == ALLOW_RET, "chroot (SYS_CHROOT)");
	CHECK(verdict(f, n, "ptrace", 0) == ALLOW_RET, "ptrace (kernel 4.8)");
	CHECK(verdict(f, n, "reboot", 0) == EPERM_RET, "reboot EPERM");

	/* The resolved default equals the static one. */
	p = seccomp_default_for_caps(seccomp_default_caps(), NATIVE, &e);
	same = p && p->nrules == d->nrules &&
		p->default_action == d->default_action;
	for (i = 0; same && i < p->nrules; i++) {
		same = p->rules[i].nnames == d->rules[i].nnames &&
			p->rules[i].nargs == d->rules[i].nargs &&
			p->rules[i].action == d->rules[i].action &&
			p->rules[i].errno_ret == d->rules[i].errno_ret &&
			(!p->rules[i].nargs || memcmp(p->rules[i].args,
			d->rules[i].args, p->rules[i].nargs *
			sizeof(*p->rules[i].args)) == 0);
		for (j = 0; same && j < p->rules[i].nnames; j++)
			same = strcmp(p->rules[i].names[j],
				d->rules[i].names[j]) == 0;
	}
	CHECK(same, "default_for_caps(default caps) equals the static "
		"profile");
	CHECK(p && seccomp_compile(p, NATIVE, g, SECCOMP_MAX_INSNS, &m,
		&e) == 0 && m == n && memcmp(f, g, n * sizeof(*f)) == 0,
		"and compiles to the precompiled program");
	seccomp_profile_free(p);

	/* CAP_SYS_ADMIN unlocks namespaces; CAP_SYS_CHROOT dropped. */
	p = seccomp_default_for_caps((seccomp_default_caps() | 1ull << 21) &
		~(1ull << 18), NATIVE, &e);
	CHECK(p && seccomp_compile(p, NATIVE, g, SECCOMP_MAX_INSNS, &m,
		&e) == 0, "default + CAP_SYS_ADMIN compiles: %s", e.msg);
	CHECK(verdict(g, m, "clone", 0x10000000 | 0x11) == ALLOW_RET &&
		verdict(g, m, "clone3", 0) == ALLOW_RET &&
		verdict(g, m, "unshare", 0x10000000) == ALLOW_RET &&
		verdict(g, m, "mount", 0) == ALLOW_RET &&
		verdict(g, m, "chroot", 0) == EPERM_RET,
		"CAP_SYS_ADMIN: clone, clone3, unshare, mount; no chroot");
	CHECK(p && sweep(p, g, m, 2) == 0, "and matches the model");
	seccomp_profile_free(p);
}

static void
test_small(void)
{
	struct seccomp_insn f[64];
	struct err e = ERR_INIT;
	struct spec_seccomp p;
	struct spec_sc_rule r;
	struct spec_sc_arg a;
	char *names[] = { "getppid", "no_such_call" };
	size_t n = 0;
	int rc;

	memset(&p, 0, sizeof(p));
	p.default_action = SPEC_SC_ALLOW;
	rc = seccomp_compile(&p, NATIVE, f, 64, &n, &e);
	CHECK(rc == 0 && n <= 9, "empty allow-all profile: %zu insns", n);
	CHECK(verdict(f, n, "getpid", 0) == ALLOW_RET, "allow-all allows");

	memset(&r, 0, sizeof(r));
	r.names = names;
	r.nnames = 2;
	r.action = SPEC_SC_ERRNO;
	r.errno_ret = 42;
	r.args = &a;
	r.nargs = 1;
	a.index = 0;
	a.op = SPEC_SC_GT;
	a.value = 0x100000000ull;
	p.rules = &r;
	p.nrules = 1;
	CHECK(seccomp_compile(&p, NATIVE, f, 64, &n, &e) == 0, "one rule");
	CHECK(verdict(f, n, "getppid", 0x100000001ull) == (0x50000u | 42) &&
		verdict(f, n, "getppid", 0x100000000ull) == ALLOW_RET &&
		verdict(f, n, "getppid", 0xffffffffull) == ALLOW_RET,
		"64-bit GT on both words");

	a.index = 6;
	CHECK(seccomp_compile(&p, NATIVE, f, 64, &n, &e) < 0 &&
		e.code == ERR_PARSE, "argument index 6 refused: %s", e.msg);
	a.index = 0;
	r.errno_ret = 5000;
	CHECK(seccomp_compile(&p, NATIVE, f, 64, &n, &e) < 0 &&
		e.code == ERR_PARSE, "errno 5000 refused: %s", e.msg);
	r.errno_ret = 1;
	r.action = (enum spec_sc_action)99;
	CHECK(seccomp_compile(&p, NATIVE, f, 64, &n, &e) < 0 &&
		e.code == ERR_PARSE, "unknown action refused");
	r.action = SPEC_SC_ALLOW;
	CHECK(seccomp_compile(&p, NATIVE, f, 3, &n, &e) < 0 &&
		e.code == ERR_LIMIT, "too small a buffer: %s", e.msg);
	CHECK(seccomp_compile(&p, SECCOMP_ARCH_NONE, f, 64, &n, &e) < 0,
		"no table for an unknown arch: %s", e.msg);
	CHECK(seccomp_syscall_number(NATIVE, "read") >= 0 &&
		seccomp_syscall_number(NATIVE, "no_such_call") < 0 &&
		strcmp(seccomp_syscall_name(NATIVE,
		seccomp_syscall_number(NATIVE, "openat")), "openat") == 0,
		"syscall table lookups");
}

/* Child checks, in order. */
enum {
	K_LOAD, K_UNSHARE, K_CLONE3, K_KEYCTL, K_VSOCK, K_PERS_QUERY,
	K_PERS_BAD, K_GETPID, K_IO, K_OPEN, K_MMAP, K_FORK, K_NEWER, K_X32,
	K_COUNT
};

static const char *const knames[K_COUNT] = {
	"filter loads without root (no_new_privs)",
	"unshare(CLONE_NEWUSER) fails EPERM",
	"raw clone3 fails ENOSYS",
	"keyctl fails EPERM",
	"socket(AF_VSOCK) fails EPERM",
	"personality(0xffffffff) works",
	"personality(0x10) fails EPERM",
	"getpid works",
	"read and write work",
	"open works",
	"mmap works",
	"fork (clone without namespace flags) works",
	"syscall 1000 (beyond the table) fails ENOSYS",
	"x32 getpid (nr | 0x40000000) is refused",
};

static void
child_default(int fd, const struct seccomp_insn *f, size_t n)
{
	unsigned char ok[K_COUNT];
	struct err e = ERR_INIT;
	char buf[4];
	int p[2], t;
	long r;
	void *m;
	pid_t pid;

	memset(ok, 0, sizeof(ok));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    seccomp_load(f, n, &e) < 0)
		goto out;
	ok[K_LOAD] = 1;
	ok[K_UNSHARE] = unshare(CLONE_NEWUSER) < 0 && errno == EPERM;
	ok[K_CLONE3] = syscall(SYS_clone3, NULL, 0) < 0 && errno == ENOSYS;
	ok[K_KEYCTL] = syscall(SYS_keyctl, 0, 0, 0, 0, 0) < 0 &&
		errno == EPERM;
	t = socket(AF_VSOCK_NR, SOCK_STREAM, 0);
	ok[K_VSOCK] = t < 0 && errno == EPERM;
	r = syscall(SYS_personality, 0xffffffffUL);
	ok[K_PERS_QUERY] = r >= 0;
	ok[K_PERS_BAD] = syscall(SYS_personality, 0x10UL) < 0 &&
		errno == EPERM;
	ok[K_GETPID] = getpid() > 0;
	ok[K_IO] = pipe(p) == 0 && write(p[1], "ab", 2) == 2 &&
		read(p[0], buf, 2) == 2;
	t = open("/dev/null", O_RDONLY);
	ok[K_OPEN] = t >= 0;
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ok[K_MMAP] = m != MAP_FAILED;
	pid = fork();
	if (pid == 0)
		_exit(7);
	ok[K_FORK] = pid > 0 && waitpid(pid, &t, 0) == pid &&
		WIFEXITED(t) && WEXITSTATUS(t) == 7;
	ok[K_NEWER] = syscall(1000) < 0 && errno == ENOSYS;
	ok[K_X32] = syscall(X32_BIT | SYS_getpid) < 0;
out:
	if (write(fd, ok, sizeof(ok)) != (ssize_t)sizeof(ok))
		_exit(2);
	_exit(0);
}

static void
test_real(void)
{
	static struct seccomp_insn f[SECCOMP_MAX_INSNS];
	unsigned char ok[K_COUNT];
	struct err e = ERR_INIT;
	int p[2], st, i;
	pid_t pid;
	size_t n;

	memset(ok, 0, sizeof(ok));
	if (seccomp_compile(seccomp_default_profile(NATIVE), NATIVE, f,
	    SECCOMP_MAX_INSNS, &n, &e) < 0 || pipe(p) < 0) {
		CHECK(0, "setup: %s", e.msg);
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		child_default(p[1], f, n);
	}
	close(p[1]);
	CHECK(read(p[0], ok, sizeof(ok)) == (ssize_t)sizeof(ok),
		"child reports");
	close(p[0]);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
		WEXITSTATUS(st) == 0, "child exits 0");
	for (i = 0; i < K_COUNT; i++)
		CHECK(ok[i], "filtered child: %s", knames[i]);
}

/* A hand-written profile for real: default ALLOW, getppid ERRNO 42,
 * lseek with a 64-bit offset above 4 GiB ERRNO 43, uname KILL_PROCESS. */
static void
test_real_small(void)
{
	struct seccomp_insn f[128];
	struct err e = ERR_INIT;
	struct spec_seccomp p;
	struct spec_sc_rule r[3];
	struct spec_sc_arg a;
	char *n0[] = { "getppid" }, *n1[] = { "lseek" }, *n2[] = { "uname" };
	struct utsname u;
	size_t n;
	int st, fd, ok;
	pid_t pid, w;

	memset(&p, 0, sizeof(p));
	memset(r, 0, sizeof(r));
	memset(&a, 0, sizeof(a));
	p.default_action = SPEC_SC_ALLOW;
	p.rules = r;
	p.nrules = 3;
	r[0].names = n0;
	r[0].nnames = 1;
	r[0].action = SPEC_SC_ERRNO;
	r[0].errno_ret = 42;
	r[1].names = n1;
	r[1].nnames = 1;
	r[1].action = SPEC_SC_ERRNO;
	r[1].errno_ret = 43;
	r[1].args = &a;
	r[1].nargs = 1;
	a.index = 1;
	a.op = SPEC_SC_GE;
	a.value = 0x100000000ull;
	r[2].names = n2;
	r[2].nnames = 1;
	r[2].action = SPEC_SC_KILL_PROCESS;
	CHECK(seccomp_compile(&p, NATIVE, f, 128, &n, &e) == 0,
		"small profile compiles: %s", e.msg);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    seccomp_load(f, n, &e) < 0)
			_exit(10);
		if (syscall(SYS_getppid) != -1 || errno != 42)
			_exit(11);
		fd = memfd_create("seccomp_test", 0);
		ok = lseek(fd, 5, SEEK_SET) == 5 &&
			lseek(fd, (off_t)0x100000001ll, SEEK_SET) == -1 &&
			errno == 43;
		if (!ok)
			_exit(12);
		uname(&u);
		_exit(13);
	}
	st = 0;
	w = waitpid(pid, &st, 0);
	CHECK(w == pid && WIFSIGNALED(st) &&
		WTERMSIG(st) == SIGSYS, "ERRNO 42, 64-bit lseek ERRNO 43, then "
		"KILL_PROCESS by SIGSYS (status %#x)", st);
}

int
main(void)
{
	audit_arch = NATIVE == SECCOMP_ARCH_X86_64 ? 0xc000003eu : 0xc00000b7u;
	if (NATIVE == SECCOMP_ARCH_NONE) {
		printf("# no system call table for this architecture\n");
		return check_done();
	}
	test_small();
	test_default();
	test_model();
	test_real();
	test_real_small();
	return check_done();
}

/* seccomp.c - seccomp profiles compiled to classic BPF, and installed */

#define _GNU_SOURCE

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "seccomp.h"

/* Classic BPF opcodes (linux/bpf_common.h), composed. */
enum {
	OP_LD_ABS = 0x20,	/* BPF_LD | BPF_W | BPF_ABS */
	OP_JA = 0x05,		/* BPF_JMP | BPF_JA */
	OP_JEQ = 0x15,		/* BPF_JMP | BPF_JEQ | BPF_K */
	OP_JGT = 0x25,		/* BPF_JMP | BPF_JGT | BPF_K */
	OP_JGE = 0x35,		/* BPF_JMP | BPF_JGE | BPF_K */
	OP_AND = 0x54,		/* BPF_ALU | BPF_AND | BPF_K */
	OP_RET = 0x06,		/* BPF_RET | BPF_K */
	JUMP_MAX = 255,		/* jt and jf are 8 bits */
	FAIL = 255,		/* placeholder: jump to the clause's end */
};

/* struct seccomp_data offsets (linux/seccomp.h), little-endian words. */
enum {
	OFF_NR = 0,
	OFF_ARCH = 4,
	OFF_ARGS = 16,
};

/* seccomp(2) and prctl(2) constants. */
enum {
	SET_MODE_FILTER = 1,	/* SECCOMP_SET_MODE_FILTER */
	MODE_FILTER = 2,	/* SECCOMP_MODE_FILTER */
	PRCTL_SET_SECCOMP = 22,	/* PR_SET_SECCOMP */
	RET_DATA = 0xffff,
	ERRNO_MAX = 4095,
	X32_BIT = 0x40000000,	/* __X32_SYSCALL_BIT */
	DEFAULT_EPERM = 1,
};

/* SECCOMP_RET_* (KILL_PROCESS is above INT_MAX, so not an enum). */
enum {
	RET_KILL_THREAD = 0x00000000,
	RET_TRAP = 0x00030000,
	RET_ERRNO = 0x00050000,
	RET_TRACE = 0x7ff00000,
	RET_LOG = 0x7ffc0000,
	RET_ALLOW = 0x7fff0000,
};
static const uint32_t RET_KILL_PROCESS = 0x80000000u;

/* A system call table entry; tables are sorted by name. */
struct sc_sys {
	const char *name;
	int nr;
};

/* When a rule of the default profile applies. */
struct sc_gate {
	int cap_if;		/* needs this capability, or -1 */
	int cap_unless;		/* dropped with this capability, or -1 */
	unsigned arches;	/* bit per enum seccomp_arch, 0 = all */
	unsigned kernel;	/* major << 8 | minor, 0 = any */
};

#include "seccomp_tables.h"
#ifndef SECCOMP_GEN
#include "seccomp_bpf.h"
#else
/* Building the generator of seccomp_bpf.h: nothing precompiled yet. */
static const struct seccomp_insn sc_prog_x86_64[1], sc_prog_aarch64[1];
enum { SC_NPROG_x86_64 = 0, SC_NPROG_aarch64 = 0 };
#endif

struct arch_desc {
	uint32_t audit;		/* 0: no table in this build */
	int x32;		/* numbers with X32_BIT are another ABI */
	const struct sc_sys *sys;
	size_t nsys;
	int max;
	const struct spec_seccomp *dflt;
	const struct seccomp_insn *prog;
	size_t nprog;
};

static const struct arch_desc arches[SECCOMP_ARCH_COUNT] = {
#if defined(__x86_64__) || defined(SECCOMP_GEN)
	[SECCOMP_ARCH_X86_64] = {
		0xc000003eu /* AUDIT_ARCH_X86_64 */, 1, sc_sys_x86_64,
		sizeof(sc_sys_x86_64) / sizeof(sc_sys_x86_64[0]),
		SC_MAX_x86_64, &sc_def_x86_64, sc_prog_x86_64,
		SC_NPROG_x86_64,
	},
#endif
#if defined(__aarch64__) || defined(SECCOMP_GEN)
	[SECCOMP_ARCH_AARCH64] = {
		0xc00000b7u /* AUDIT_ARCH_AARCH64 */, 0, sc_sys_aarch64,
		sizeof(sc_sys_aarch64) / sizeof(sc_sys_aarch64[0]),
		SC_MAX_aarch64, &sc_def_aarch64, sc_prog_aarch64,
		SC_NPROG_aarch64,
	},
#endif
};

/* The program being written: past `max` only `n` grows. */
struct prog {
	struct seccomp_insn *v;
	size_t n, max;
};

/* A system call's rule reference, sorted by (nr, rule). */
struct hit {
	int nr;
	size_t rule;
};

/* What a run of system call numbers gets: a return value, or the body of
 * argument checks of one system call. */
struct verdict {
	int body;		/* index into bodies, or -1 */
	uint32_t ret;
};

/* A run of numbers [start, next run's start) with one verdict. */
struct run {
	uint32_t start;
	struct verdict v;
};

/* The argument checks of a system call (shared by all with the same). */
struct body {
	size_t first, count;	/* its hits */
	uint32_t fallback;	/* when no conditional rule matches */
	size_t at;		/* where its code starts */
};

struct compiler {
	const struct spec_seccomp *p;
	const struct arch_desc *a;
	struct prog pr;
	struct hit *hits;
	size_t nhits;
	struct run *runs;
	size_t nruns;
	struct body *bodies;
	size_t nbodies;
	size_t *leaf_at;	/* per run: where its leaf instruction is */
};

static const struct arch_desc *
arch_get(enum seccomp_arch arch, struct err *e)
{
	if ((int)arch < 0 || arch >= SECCOMP_ARCH_COUNT ||
	    !arches[arch].audit) {
		err_set(e, ERR_GENERIC, "no system call table for "
			"architecture %d in this build", (int)arch);
		return NULL;
	}
	return &arches[arch];
}

static int
sys_cmp(const void *key, const void *ent)
{
	return strcmp(key, ((const struct sc_sys *)ent)->name);
}

static int
sys_lookup(const struct arch_desc *a, const char *name)
{
	const struct sc_sys *s;

	s = bsearch(name, a->sys, a->nsys, sizeof(*a->sys), sys_cmp);
	return s ? s->nr : -1;
}

/* The return value of `action` with `errno_ret` (-1 = the default). */
static int
action_ret(enum spec_sc_action action, int errno_ret, uint32_t *ret,
	struct err *e)
{
	switch (action) {
	case SPEC_SC_KILL:
		*ret = RET_KILL_THREAD;
		return 0;
	case SPEC_SC_KILL_PROCESS:
		*ret = RET_KILL_PROCESS;
		return 0;
	case SPEC_SC_TRAP:
		*ret = RET_TRAP;
		return 0;
	case SPEC_SC_ALLOW:
		*ret = RET_ALLOW;
		return 0;
	case SPEC_SC_LOG:
		*ret = RET_LOG;
		return 0;
	case SPEC_SC_ERRNO:
		if (errno_ret < -1 || errno_ret > ERRNO_MAX)
			return err_set(e, ERR_PARSE, "errno %d out of range",
				errno_ret);
		*ret = RET_ERRNO |
			(uint32_t)(errno_ret < 0 ? DEFAULT_EPERM : errno_ret);
		return 0;
	case SPEC_SC_TRACE:
		if (errno_ret < -1 || errno_ret > RET_DATA)
			return err_set(e, ERR_PARSE, "trace data %d out of "
				"range", errno_ret);
		*ret = RET_TRACE | (uint32_t)(errno_ret < 0 ? 0 : errno_ret);
		return 0;
	}
	return err_set(e, ERR_PARSE, "unknown action %d", (int)action);
}

/* Severity in the kernel's order of precedence, highest first. */
static int
severity(uint32_t ret)
{
	static const uint32_t order[] = {
		RET_ALLOW, RET_LOG, RET_TRACE, RET_ERRNO, RET_TRAP,
		RET_KILL_THREAD,
	};
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if ((ret & ~(uint32_t)RET_DATA) == order[i])
			return (int)i;
	return (int)i;		/* KILL_PROCESS */
}

static size_t
emit(struct prog *pr, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	if (pr->n < pr->max) {
		pr->v[pr->n].code = code;
		pr->v[pr->n].jt = jt;
		pr->v[pr->n].jf = jf;
		pr->v[pr->n].k = k;
	}
	return pr->n++;
}

static int
hit_cmp(const void *x, const void *y)
{
	const struct hit *a = x, *b = y;

	if (a->nr != b->nr)
		return a->nr < b->nr ? -1 : 1;
	return a->rule < b->rule ? -1 : a->rule > b->rule;
}

static int
check_rule(const struct spec_sc_rule *r, size_t i, struct err *e)
{
	uint32_t ret;
	size_t j;

	if (action_ret(r->action, r->errno_ret, &ret, e) < 0)
		return err_ctx(e, "rule %zu", i);
	if (r->nargs > SECCOMP_MAX_ARGS || (r->nargs && !r->args))
		return err_set(e, ERR_PARSE, "rule %zu: %zu conditions "
			"(at most %d)", i, r->nargs, SECCOMP_MAX_ARGS);
	if (r->nnames && !r->names)
		return err_set(e, ERR_PARSE, "rule %zu: no names", i);
	for (j = 0; j < r->nargs; j++) {
		if (r->args[j].index > 5)
			return err_set(e, ERR_PARSE, "rule %zu: argument "
				"index %u (0..5)", i, r->args[j].index);
		if ((int)r->args[j].op < SPEC_SC_NE ||
		    r->args[j].op > SPEC_SC_MASKED_EQ)
			return err_set(e, ERR_PARSE, "rule %zu: unknown "
				"operator %d", i, (int)r->args[j].op);
	}
	for (j = 0; j < r->nnames; j++)
		if (!r->names[j])
			return err_set(e, ERR_PARSE, "rule %zu: NULL name", i);
	return 0;
}

/* Every (system call, rule) pair on this architecture, sorted. */
static int
collect_hits(struct compiler *c, struct err *e)
{
	const struct spec_seccomp *p = c->p;
	size_t i, j, total = 0;
	int nr;

	for (i = 0; i < p->nrules; i++) {
		if (check_rule(&p->rules[i], i, e) < 0)
			return -1;
		total += p->rules[i].nnames;
	}
	c->hits = calloc(total ? total : 1, sizeof(*c->hits));
	if (!c->hits)
		return err_sys(e, "seccomp");
	for (i = 0; i < p->nrules; i++) {
		for (j = 0; j < p->rules[i].nnames; j++) {
			nr = sys_lookup(c->a, p->rules[i].names[j]);
			if (nr < 0)
				continue;
			c->hits[c->nhits].nr = nr;
			c->hits[c->nhits++].rule = i;
		}
	}
	if (c->nhits)
		qsort(c->hits, c->nhits, sizeof(*c->hits), hit_cmp);
	return 0;
}

/* Can the conditions of rule `r` ever hold together? A masked compare
 * with bits outside its mask never does. */
static int
satisfiable(const struct spec_sc_rule *r)
{
	size_t i;

	for (i = 0; i < r->nargs; i++)
		if (r->args[i].op == SPEC_SC_MASKED_EQ &&
		    (r->args[i].value2 & ~r->args[i].value))
			return 0;
	return 1;
}

/* Do bodies `x` and `y` try the same rules in the same order and fall
 * back to the same verdict? Then they share their code. */
static int
same_body(const struct compiler *c, const struct body *x,
	const struct body *y)
{
	const struct spec_sc_rule *rules = c->p->rules;
	size_t i = x->first, j = y->first;
	size_t iend = x->first + x->count, jend = y->first + y->count;

	if (x->fallback != y->fallback)
		return 0;
	for (;;) {
		while (i < iend && (!rules[c->hits[i].rule].nargs ||
		    !satisfiable(&rules[c->hits[i].rule])))
			i++;
		while (j < jend && (!rules[c->hits[j].rule].nargs ||
		    !satisfiable(&rules[c->hits[j].rule])))
			j++;
		if (i == iend || j == jend)
			return i == iend && j == jend;
		if (c->hits[i++].rule != c->hits[j++].rule)
			return 0;
	}
}

/* The verdict of each number 0..max, merged into runs. */
static int
build_runs(struct compiler *c, uint32_t dflt, struct err *e)
{
	const struct spec_sc_rule *r;
	struct verdict v;
	struct body *b;
	struct run *last;
	size_t h = 0, k, ncond, i;
	uint32_t ret, uncond;
	int nr, have;

	c->runs = calloc((size_t)c->a->max + 1, sizeof(*c->runs));
	c->bodies = calloc((size_t)c->a->max + 1, sizeof(*c->bodies));
	if (!c->runs || !c->bodies)
		return err_sys(e, "seccomp");
	for (nr = 0; nr <= c->a->max; nr++) {
		have = 0;
		uncond = dflt;
		ncond = 0;
		for (k = h; k < c->nhits && c->hits[k].nr == nr; k++) {
			r = &c->p->rules[c->hits[k].rule];
			if (r->nargs) {
				if (satisfiable(r))
					ncond++;
				continue;
			}
			if (action_ret(r->action, r->errno_ret, &ret, e) < 0)
				return -1;
			if (!have || severity(ret) > severity(uncond))
				uncond = ret;
			have = 1;
		}
		v.body = -1;
		v.ret = uncond;
		if (ncond) {
			b = &c->bodies[c->nbodies];
			b->first = h;
			b->count = k - h;
			b->fallback = uncond;
			for (i = 0; i < c->nbodies; i++)
				if (same_body(c, &c->bodies[i], b))
					break;
			v.body = (int)i;
			if (i == c->nbodies)
				c->nbodies++;
		}
		h = k;
		last = c->nruns ? &c->runs[c->nruns - 1] : NULL;
		if (last && last->v.body == v.body &&
		    (v.body >= 0 || last->v.ret == v.ret))
			continue;
		c->runs[c->nruns].start = (uint32_t)nr;
		c->runs[c->nruns++].v = v;
	}
	return 0;
}

/* Instructions the search tree over runs [lo, hi] takes. */
static size_t
tree_size(size_t lo, size_t hi)
{
	size_t mid, left;

	if (lo == hi)
		return 1;
	mid = lo + (hi - lo + 1) / 2;
	left = tree_size(lo, mid - 1);
	return 1 + (left > JUMP_MAX) + left + tree_size(mid, hi);
}

/*
 * A binary search over runs [lo, hi] with A = the system call number:
 * "jge start[mid]" with the lower half right after it and the upper half
 * after that. A lower half longer than a conditional jump reaches gets a
 * trampoline: "jge k, 0, 1; ja over-the-lower-half".
 */
static void
emit_tree(struct compiler *c, size_t lo, size_t hi)
{
	size_t mid, left;
	struct run *r;

	if (lo == hi) {
		r = &c->runs[lo];
		if (r->v.body < 0)
			emit(&c->pr, OP_RET, 0, 0, r->v.ret);
		else
			c->leaf_at[lo] = emit(&c->pr, OP_JA, 0, 0, 0);
		return;
	}
	mid = lo + (hi - lo + 1) / 2;
	left = tree_size(lo, mid - 1);
	if (left <= JUMP_MAX) {
		emit(&c->pr, OP_JGE, (uint8_t)left, 0, c->runs[mid].start);
	} else {
		emit(&c->pr, OP_JGE, 0, 1, c->runs[mid].start);
		emit(&c->pr, OP_JA, 0, 0, (uint32_t)left);
	}
	emit_tree(c, lo, mid - 1);
	emit_tree(c, mid, hi);
}

/*
 * One condition on the 64-bit argument: falls through when it holds,
 * jumps to FAIL (patched to the clause's end) when not. `hi` and `lo` are
 * the offsets of the argument's upper and lower 32-bit words.
 */
static void
emit_cond(struct prog *pr, const struct spec_sc_arg *a)
{
	uint32_t lo = OFF_ARGS + 8 * a->index, hi = lo + 4;
	uint32_t khi = (uint32_t)(a->value >> 32), klo = (uint32_t)a->value;
	uint32_t dhi = (uint32_t)(a->value2 >> 32), dlo = (uint32_t)a->value2;

	switch (a->op) {
	case SPEC_SC_EQ:
		emit(pr, OP_LD_ABS, 0, 0, hi);
		emit(pr, OP_JEQ, 0, FAIL, khi);
		emit(pr, OP_LD_ABS, 0, 0, lo);
		emit(pr, OP_JEQ, 0, FAIL, klo);
		break;
	case SPEC_SC_NE:
		emit(pr, OP_LD_ABS, 0, 0, hi);
		emit(pr, OP_JEQ, 0, 2, khi);
		emit(pr, OP_LD_ABS, 0, 0, lo);
		emit(pr, OP_JEQ, FAIL, 0, klo);
		break;
	case SPEC_SC_GT:
	case SPEC_SC_GE:
		/* hi > khi holds; hi < khi fails; else compare lo. */
		emit(pr, OP_LD_ABS, 0, 0, hi);
		emit(pr, OP_JGT, 3, 0, khi);
		emit(pr, OP_JEQ, 0, FAIL, khi);
		emit(pr, OP_LD_ABS, 0, 0, lo);
		emit(pr, a->op == SPEC_SC_GT ? OP_JGT : OP_JGE, 0, FAIL, klo);
		break;
	case SPEC_SC_LT:
	case SPEC_SC_LE:
		/* hi > khi fails; hi < khi holds; else compare lo. */
		emit(pr, OP_LD_ABS, 0, 0, hi);
		emit(pr, OP_JGT, FAIL, 0, khi);
		emit(pr, OP_JEQ, 0, 2, khi);
		emit(pr, OP_LD_ABS, 0, 0, lo);
		emit(pr, a->op == SPEC_SC_LT ? OP_JGE : OP_JGT, FAIL, 0, klo);
		break;
	case SPEC_SC_MASKED_EQ:
		/* value is the mask, value2 the datum; a zero mask word with
		 * a zero datum word holds (satisfiable() ruled out others). */
		if (khi) {
			emit(pr, OP_LD_ABS, 0, 0, hi);
			emit(pr, OP_AND, 0, 0, khi);
			emit(pr, OP_JEQ, 0, FAIL, dhi);
		}
		if (klo) {
			emit(pr, OP_LD_ABS, 0, 0, lo);
			emit(pr, OP_AND, 0, 0, klo);
			emit(pr, OP_JEQ, 0, FAIL, dlo);
		}
		break;
	}
}

/* Point the FAIL jumps of instructions [from, pr->n) at pr->n. */
static void
patch_fail(struct prog *pr, size_t from)
{
	size_t i, off;

	for (i = from; i < pr->n && i < pr->max; i++) {
		if (pr->v[i].code == OP_LD_ABS || pr->v[i].code == OP_AND ||
		    pr->v[i].code == OP_RET)
			continue;
		off = pr->n - (i + 1);
		if (pr->v[i].jt == FAIL)
			pr->v[i].jt = (uint8_t)off;
		if (pr->v[i].jf == FAIL)
			pr->v[i].jf = (uint8_t)off;
	}
}

/* The conditional rules of one system call, tried in order, then its
 * fallback. A clause is at most SECCOMP_MAX_ARGS * 6 + 1 instructions, so
 * its FAIL jumps always fit in 8 bits. */
static int
emit_body(struct compiler *c, struct body *b, struct err *e)
{
	const struct spec_sc_rule *r;
	size_t k, j, start;
	uint32_t ret;

	b->at = c->pr.n;
	for (k = b->first; k < b->first + b->count; k++) {
		r = &c->p->rules[c->hits[k].rule];
		if (!r->nargs || !satisfiable(r))
			continue;
		if (action_ret(r->action, r->errno_ret, &ret, e) < 0)
			return -1;
		start = c->pr.n;
		for (j = 0; j < r->nargs; j++)
			emit_cond(&c->pr, &r->args[j]);
		emit(&c->pr, OP_RET, 0, 0, ret);
		patch_fail(&c->pr, start);
	}
	emit(&c->pr, OP_RET, 0, 0, b->fallback);
	return 0;
}

static int
compile(struct compiler *c, struct seccomp_insn *out, size_t max,
	size_t *n, struct err *e)
{
	const struct spec_seccomp *p = c->p;
	uint32_t dflt, newer, enosys = RET_ERRNO | ENOSYS;
	size_t i;

	if (action_ret(p->default_action, p->default_errno, &dflt, e) < 0)
		return err_ctx(e, "default action");
	if (collect_hits(c, e) < 0 || build_runs(c, dflt, e) < 0)
		return -1;
	c->leaf_at = calloc(c->nruns, sizeof(*c->leaf_at));
	if (!c->leaf_at)
		return err_sys(e, "seccomp");
	c->pr.v = out;
	c->pr.max = max < SECCOMP_MAX_INSNS ? max : SECCOMP_MAX_INSNS;

	/* Another architecture's numbers mean other system calls. */
	emit(&c->pr, OP_LD_ABS, 0, 0, OFF_ARCH);
	emit(&c->pr, OP_JEQ, 1, 0, c->a->audit);
	emit(&c->pr, OP_RET, 0, 0, RET_KILL_PROCESS);
	emit(&c->pr, OP_LD_ABS, 0, 0, OFF_NR);
	/* Numbers beyond the table: ENOSYS, so libc falls back. x32 ones
	 * (X32_BIT set) are beyond it too, unless the default allows. */
	newer = dflt == RET_ALLOW || dflt == RET_LOG ? dflt : enosys;
	if (c->a->x32 && newer != enosys) {
		emit(&c->pr, OP_JGE, 0, 1, X32_BIT);
		emit(&c->pr, OP_RET, 0, 0, enosys);
	}
	emit(&c->pr, OP_JGT, 0, 1, (uint32_t)c->a->max);
	emit(&c->pr, OP_RET, 0, 0, newer);
	emit_tree(c, 0, c->nruns - 1);
	for (i = 0; i < c->nbodies; i++)
		if (emit_body(c, &c->bodies[i], e) < 0)
			return -1;
	if (c->pr.n > c->pr.max)
		return err_set(e, ERR_LIMIT, "program of %zu instructions "
			"exceeds %zu", c->pr.n, c->pr.max);
	for (i = 0; i < c->nruns; i++)
		if (c->runs[i].v.body >= 0)
			out[c->leaf_at[i]].k = (uint32_t)(c->bodies[
				c->runs[i].v.body].at - (c->leaf_at[i] + 1));
	*n = c->pr.n;
	return 0;
}

static uint32_t
resolved(enum spec_sc_action action, int errno_ret)
{
	struct err e;
	uint32_t ret = 0xffffffffu;

	action_ret(action, errno_ret, &ret, &e);
	return ret;
}

/* Is `p` the profile `d` (same verdicts: archs and flags aside)? */
static int
same_profile(const struct spec_seccomp *p, const struct spec_seccomp *d)
{
	const struct spec_sc_rule *a, *b;
	const struct spec_sc_arg *x, *y;
	size_t i, j;

	if (p->nrules != d->nrules ||
	    resolved(p->default_action, p->default_errno) !=
	    resolved(d->default_action, d->default_errno))
		return 0;
	for (i = 0; i < p->nrules; i++) {
		a = &p->rules[i];
		b = &d->rules[i];
		if (a->nnames != b->nnames || a->nargs != b->nargs ||
		    resolved(a->action, a->errno_ret) !=
		    resolved(b->action, b->errno_ret))
			return 0;
		for (j = 0; j < a->nnames; j++)
			if (!a->names[j] || strcmp(a->names[j], b->names[j]))
				return 0;
		for (j = 0; j < a->nargs; j++) {
			x = &a->args[j];
			y = &b->args[j];
			if (x->index != y->index || x->op != y->op ||
			    x->value != y->value ||
			    (x->op == SPEC_SC_MASKED_EQ &&
			     x->value2 != y->value2))
				return 0;
		}
	}
	return 1;
}

/* The running kernel's major << 8 | minor, or 0 when unknown. */
static unsigned
kernel_version(void)
{
	struct utsname u;
	unsigned maj = 0, min = 0;
	char *end;

	if (uname(&u) < 0)
		return 0;
	maj = (unsigned)strtoul(u.release, &end, 10);
	if (*end == '.')
		min = (unsigned)strtoul(end + 1, NULL, 10);
	if (maj > 255)
		maj = 255;
	return maj << 8 | (min > 255 ? 255 : min);
}

static int
gate_open(const struct sc_gate *g, uint64_t caps, enum seccomp_arch arch,
	unsigned kernel)
{
	if (g->arches && !(g->arches & (1u << arch)))
		return 0;
	if (g->cap_if >= 0 && !(caps >> g->cap_if & 1))
		return 0;
	if (g->cap_unless >= 0 && (caps >> g->cap_unless & 1))
		return 0;
	return !g->kernel || !kernel || kernel >= g->kernel;
}

static char **
dup_strings(char *const *v, size_t n)
{
	char **d;
	size_t i;

	d = calloc(n ? n : 1, sizeof(*d));
	if (!d)
		return NULL;
	for (i = 0; i < n; i++) {
		d[i] = strdup(v[i]);
		if (!d[i]) {
			while (i--)
				free(d[i]);
			free(d);
			return NULL;
		}
	}
	return d;
}

int
seccomp_compile(const struct spec_seccomp *p, enum seccomp_arch arch,
	struct seccomp_insn *out, size_t max, size_t *n, struct err *e)
{
	struct compiler c;
	int rc = -1;

	memset(&c, 0, sizeof(c));
	c.p = p;
	c.a = arch_get(arch, e);
	if (!c.a)
		return err_ctx(e, "seccomp");
	if (c.a->nprog && same_profile(p, c.a->dflt)) {
		if (c.a->nprog > max)
			return err_set(e, ERR_LIMIT, "seccomp: program of %zu "
				"instructions exceeds %zu", c.a->nprog, max);
		memcpy(out, c.a->prog, c.a->nprog * sizeof(*out));
		*n = c.a->nprog;
		return 0;
	}
	if (compile(&c, out, max, n, e) < 0) {
		err_ctx(e, "seccomp");
		goto out;
	}
	rc = 0;
out:
	free(c.hits);
	free(c.runs);
	free(c.bodies);
	free(c.leaf_at);
	return rc;
}

int
seccomp_load(const struct seccomp_insn *f, size_t n, struct err *e)
{
	struct {
		unsigned short len;
		const struct seccomp_insn *filter;
	} prog;

	if (n == 0 || n > SECCOMP_MAX_INSNS)
		return err_set(e, ERR_LIMIT, "seccomp: program of %zu "
			"instructions (1..%d)", n, SECCOMP_MAX_INSNS);
	prog.len = (unsigned short)n;
	prog.filter = f;
	if (syscall(SYS_seccomp, SET_MODE_FILTER, 0, &prog) == 0)
		return 0;
	if (errno == ENOSYS &&
	    prctl(PRCTL_SET_SECCOMP, MODE_FILTER, &prog, 0, 0) == 0)
		return 0;
	if (errno == EACCES)
		return err_sys(e, "seccomp: install filter (needs "
			"no_new_privs or CAP_SYS_ADMIN)");
	return err_sys(e, "seccomp: install filter");
}

const struct spec_seccomp *
seccomp_default_profile(enum seccomp_arch arch)
{
	struct err e;
	const struct arch_desc *a = arch_get(arch, &e);

	return a ? a->dflt : NULL;
}

uint64_t
seccomp_default_caps(void)
{
	return sc_default_caps;
}

struct spec_seccomp *
seccomp_default_for_caps(uint64_t caps, enum seccomp_arch arch,
	struct err *e)
{
	struct spec_seccomp *p = NULL, *done = NULL;
	const struct spec_sc_rule *s;
	struct spec_sc_rule *d;
	const struct arch_desc *a;
	unsigned kernel = kernel_version();
	size_t i;

	a = arch_get(arch, e);
	if (!a) {
		err_ctx(e, "seccomp");
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		goto out;
	p->default_action = a->dflt->default_action;
	p->default_errno = a->dflt->default_errno;
	p->archs = dup_strings(a->dflt->archs, a->dflt->narchs);
	if (!p->archs)
		goto out;
	p->narchs = a->dflt->narchs;
	p->rules = calloc(SC_NRULES, sizeof(*p->rules));
	if (!p->rules)
		goto out;
	for (i = 0; i < SC_NRULES; i++) {
		if (!gate_open(&sc_gates[i], caps, arch, kernel))
			continue;
		s = &sc_rules[i];
		d = &p->rules[p->nrules++];
		d->action = s->action;
		d->errno_ret = s->errno_ret;
		d->names = dup_strings(s->names, s->nnames);
		if (!d->names)
			goto out;
		d->nnames = s->nnames;
		if (!s->nargs)
			continue;
		d->args = malloc(s->nargs * sizeof(*d->args));
		if (!d->args)
			goto out;
		memcpy(d->args, s->args, s->nargs * sizeof(*d->args));
		d->nargs = s->nargs;
	}
	done = p;
	p = NULL;
out:
	if (!done)
		err_sys(e, "seccomp: default profile");
	seccomp_profile_free(p);
	return done;
}

void
seccomp_profile_free(struct spec_seccomp *p)
{
	size_t i, j;

	if (!p)
		return;
	for (i = 0; i < p->nrules; i++) {
		for (j = 0; p->rules[i].names && j < p->rules[i].nnames; j++)
			free(p->rules[i].names[j]);
		free(p->rules[i].names);
		free(p->rules[i].args);
	}
	free(p->rules);
	for (i = 0; p->archs && i < p->narchs; i++)
		free(p->archs[i]);
	free(p->archs);
	free(p);
}

int
seccomp_syscall_number(enum seccomp_arch arch, const char *name)
{
	struct err e;
	const struct arch_desc *a = arch_get(arch, &e);

	return a ? sys_lookup(a, name) : -1;
}

int
seccomp_syscall_max(enum seccomp_arch arch)
{
	struct err e;
	const struct arch_desc *a = arch_get(arch, &e);

	return a ? a->max : -1;
}

const char *
seccomp_syscall_name(enum seccomp_arch arch, int nr)
{
	struct err e;
	const struct arch_desc *a = arch_get(arch, &e);
	size_t i;

	for (i = 0; a && i < a->nsys; i++)
		if (a->sys[i].nr == nr)
			return a->sys[i].name;
	return NULL;
}

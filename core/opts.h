/* opts.h - a compact option-spec parser in the spirit of toybox's lib/args.c
 *
 * Spec syntax, one string per applet:
 *   leading modifiers (any order, before the first option):
 *     ^      stop at the first operand: later words are operands even if they
 *            start with '-' (for `run IMAGE CMD...`); otherwise options and
 *            operands may be interleaved, as with Docker's CLI
 *     <N     at least N operands        >N     at most N operands
 *   then one entry per option: an optional short letter, an optional
 *   "(long)" name or "(long|alias...)" names, and a type suffix:
 *     (none) flag, counted (-vv gives 2); `--flag=true|false|1|0` accepted
 *     :      takes a string (last one wins)
 *     *      takes a string, repeatable, kept as a list in order
 *     #      takes a decimal integer (64-bit, optional sign)
 *   Example: "^<1d(detach)i(interactive)e(env)*(name):m(memory):"
 *
 * Parsing rules: "--" ends options; a lone "-" is an operand; grouped short
 * flags ("-it"); "-ovalue", "-o value", "--long=value", "--long value";
 * "--help" (or "-h" when the spec does not define h) asks for help.
 *
 * Results are looked up by key: the short letter or any long name of an
 * entry ("d" and "detach" name the same option).
 */
#ifndef ROCKER_OPTS_H
#define ROCKER_OPTS_H

#include "err.h"

enum {
	OPTS_MAX = 64,		/* entries per spec */
};

enum opt_type {
	OPT_FLAG,
	OPT_STR,
	OPT_LIST,
	OPT_NUM,
};

struct opt_entry {
	char shortc;		/* 0 if the entry has no short letter */
	const char *longs;	/* "(a|b)" span inside the spec, or NULL */
	int longs_len;
	enum opt_type type;
	int count;		/* times given (for flags: 0 after =false) */
	char *str;		/* OPT_STR/OPT_NUM: last value, borrowed argv */
	long long num;		/* OPT_NUM */
	char **list;		/* OPT_LIST: heap array of borrowed argv strings */
	int nlist;
};

struct opts {
	const char *spec;	/* borrowed; must outlive the struct */
	int nent;
	struct opt_entry ent[OPTS_MAX];
	int argc;		/* operands left after parsing */
	char **argv;		/* heap array of borrowed argv strings, NULL-ended */
};

/*
 * Parse argv[1..argc-1] (argv[0] is the applet name) against `spec`.
 * `o` is caller-allocated; it borrows `spec` and the argv strings, so both
 * must outlive it. Returns 0 on success, 1 when help was asked for (the
 * caller prints its usage), -1 with a usage error in `e` (code ERR_USAGE)
 * naming the offending option. Call opts_free() in every case.
 */
int opts_parse(struct opts *o, const char *spec, int argc, char **argv,
    struct err *e);

/* Times option `key` was given (0 if never, or if last set with =false). */
int opt_on(const struct opts *o, const char *key);

/* Last value of string option `key`, or NULL if not given. Borrowed. */
const char *opt_str(const struct opts *o, const char *key);

/* Value of number option `key`, or `dflt` if not given. */
long long opt_num(const struct opts *o, const char *key, long long dflt);

/*
 * Values of list option `key` in the order given; *n gets their count
 * (0 and a NULL return when never given). The array is owned by `o`.
 */
char **opt_list(const struct opts *o, const char *key, int *n);

/* Release the heap parts of `o`. Safe on a zeroed or half-parsed struct. */
void opts_free(struct opts *o);

#endif

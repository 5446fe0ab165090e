/* seccomp_gen.c - build-time generator: seccomp profile text to C tables
 *
 * Usage: seccomp_gen PROFILE.txt syscalls_ARCH.txt... > seccomp_tables.h
 *
 * A host program run by the Makefile. It reads Docker's default profile
 * (config/seccomp_default.txt, grammar in docs/seccomp.md) and the system
 * call tables (config/syscalls_ARCH.txt) and writes the tables that
 * core/seccomp.c includes: per architecture the syscall names sorted for
 * binary search and the largest number; the profile's rules as static
 * `struct spec_sc_rule`s with their gates (capability, architecture,
 * kernel); and per architecture the profile resolved for Docker's default
 * capabilities as a static `struct spec_seccomp`. The types it fills are
 * declared in core/spec.h and core/seccomp.c. It prints errors as
 * FILE:LINE: message and exits 1.
 */

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp.h"

enum {
	LINE_MAX_LEN = 4096,
	TOKENS_MAX = 1024,
	NO_CAP = -1,
	CAP_LAST = 40,
};

struct sys {
	char *name;
	int nr;
};

struct table {
	const char *arch;
	int arch_id;
	struct sys *v;
	size_t n;
	int max;
};

struct cond {
	unsigned index;
	const char *op;		/* SPEC_SC_* name */
	uint64_t value, value2;
};

struct rule {
	const char *action;	/* SPEC_SC_* name */
	int errno_ret;
	char **names;
	size_t nnames;
	struct cond args[SECCOMP_MAX_ARGS];
	size_t nargs;
	int cap_if, cap_unless;
	unsigned arches;	/* bit per enum seccomp_arch, 0 = all */
	unsigned kernel;	/* major << 8 | minor, 0 = any */
};

struct archname {
	const char *name;
	const char *macro;
	const char *scmp;
	int id;
};

static const struct archname archnames[] = {
	{ "x86_64", "__x86_64__", "SCMP_ARCH_X86_64", SECCOMP_ARCH_X86_64 },
	{ "aarch64", "__aarch64__", "SCMP_ARCH_AARCH64",
		SECCOMP_ARCH_AARCH64 },
};

static const char *const capnames[CAP_LAST + 1] = {
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID",
	"KILL", "SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE",
	"NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
	"IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT",
	"SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
	"SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE",
	"AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE",
	"MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ",
	"PERFMON", "BPF", "CHECKPOINT_RESTORE",
};

static const char *where_file;
static int where_line;

static struct rule *rules;
static size_t nrules;
static const char *default_action;
static int default_errno = -1;
static uint64_t default_caps;
static int have_caps;

static void
die(const char *fmt, ...)
{
	va_list ap;

	if (where_file)
		fprintf(stderr, "%s:%d: ", where_file, where_line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static char *
xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		die("out of memory");
	return d;
}

static uint64_t
number(const char *s)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)*s))
		die("bad number \"%s\"", s);
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		die("bad number \"%s\"", s);
	return v;
}

static int
is_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s)
		    && *s != '_')
			return 0;
	return 1;
}

static int
cap_number(const char *s)
{
	int i;

	if (strncmp(s, "CAP_", 4) != 0)
		die("capability \"%s\" lacks the CAP_ prefix", s);
	for (i = 0; i <= CAP_LAST; i++)
		if (strcmp(s + 4, capnames[i]) == 0)
			return i;
	die("unknown capability \"%s\"", s);
	return NO_CAP;
}

static const struct archname *
arch_by_name(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(archnames) / sizeof(archnames[0]); i++)
		if (strlen(archnames[i].name) == len &&
		    strncmp(archnames[i].name, s, len) == 0)
			return &archnames[i];
	return NULL;
}

/* "argI" OP VALUE or "argI&MASK==VALUE". */
static void
parse_cond(const char *t, struct cond *c)
{
	static const struct {
		const char *text, *op;
	} ops[] = {
		{ "==", "SPEC_SC_EQ" }, { "!=", "SPEC_SC_NE" },
		{ "<=", "SPEC_SC_LE" }, { ">=", "SPEC_SC_GE" },
		{ "<", "SPEC_SC_LT" }, { ">", "SPEC_SC_GT" },
	};
	char buf[128];
	char *p, *q;
	size_t i;

	if (strlen(t) >= sizeof(buf))
		die("condition too long: %s", t);
	strcpy(buf, t);
	if (strncmp(buf, "arg", 3) != 0 || buf[3] < '0' || buf[3] > '5')
		die("bad condition \"%s\" (argI with I in 0..5)", t);
	c->index = (unsigned)(buf[3] - '0');
	p = buf + 4;
	memset(&c->value2, 0, sizeof(c->value2));
	if (*p == '&') {
		q = strstr(p, "==");
		if (!q)
			die("bad masked condition \"%s\"", t);
		*q = '\0';
		c->op = "SPEC_SC_MASKED_EQ";
		c->value = number(p + 1);
		c->value2 = number(q + 2);
		return;
	}
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strncmp(p, ops[i].text, strlen(ops[i].text)) == 0) {
			c->op = ops[i].op;
			c->value = number(p + strlen(ops[i].text));
			return;
		}
	}
	die("bad operator in \"%s\"", t);
}

/* The action at tok[*i] (and its number); advances *i. */
static void
parse_action(char **tok, size_t ntok, size_t *i, const char **action,
	int *errno_ret)
{
	const char *a = tok[*i];
	uint64_t v;

	*errno_ret = -1;
	(*i)++;
	if (strcmp(a, "allow") == 0)
		*action = "SPEC_SC_ALLOW";
	else if (strcmp(a, "kill") == 0)
		*action = "SPEC_SC_KILL";
	else if (strcmp(a, "kill-process") == 0)
		*action = "SPEC_SC_KILL_PROCESS";
	else if (strcmp(a, "trap") == 0)
		*action = "SPEC_SC_TRAP";
	else if (strcmp(a, "log") == 0)
		*action = "SPEC_SC_LOG";
	else if (strcmp(a, "errno") == 0 || strcmp(a, "trace") == 0) {
		*action = a[0] == 'e' ? "SPEC_SC_ERRNO" : "SPEC_SC_TRACE";
		if (*i >= ntok)
			die("%s needs a number", a);
		v = number(tok[(*i)++]);
		if (v > (a[0] == 'e' ? 4095 : 65535))
			die("%s %llu out of range", a, (unsigned long long)v);
		*errno_ret = (int)v;
	} else
		die("unknown action \"%s\"", a);
}

static void
parse_gate(const char *t, struct rule *r)
{
	const char *p, *comma;
	const struct archname *an;
	unsigned maj, min;
	char extra;

	if (strncmp(t, "if=", 3) == 0) {
		r->cap_if = cap_number(t + 3);
	} else if (strncmp(t, "unless=", 7) == 0) {
		r->cap_unless = cap_number(t + 7);
	} else if (strncmp(t, "kernel=", 7) == 0) {
		if (sscanf(t + 7, "%u.%u%c", &maj, &min, &extra) != 2 ||
		    maj > 255 || min > 255)
			die("bad kernel version in \"%s\"", t);
		r->kernel = maj << 8 | min;
	} else {
		for (p = t + 5; *p; p = *comma ? comma + 1 : comma) {
			comma = strchr(p, ',');
			if (!comma)
				comma = p + strlen(p);
			an = arch_by_name(p, (size_t)(comma - p));
			if (!an)
				die("unknown architecture in \"%s\"", t);
			r->arches |= 1u << an->id;
		}
	}
}

static void
parse_rule(char **tok, size_t ntok)
{
	struct rule r;
	size_t i = 0;

	if (strcmp(tok[0], "caps") == 0) {
		for (i = 1; i < ntok; i++)
			default_caps |= 1ull << cap_number(tok[i]);
		have_caps = 1;
		return;
	}
	if (strcmp(tok[0], "default") == 0) {
		if (default_action)
			die("second default");
		i = 1;
		if (ntok < 2)
			die("default needs an action");
		parse_action(tok, ntok, &i, &default_action, &default_errno);
		if (i != ntok)
			die("junk after default action");
		return;
	}
	memset(&r, 0, sizeof(r));
	r.cap_if = r.cap_unless = NO_CAP;
	parse_action(tok, ntok, &i, &r.action, &r.errno_ret);
	for (; i < ntok; i++) {
		if (strncmp(tok[i], "if=", 3) == 0 ||
		    strncmp(tok[i], "unless=", 7) == 0 ||
		    strncmp(tok[i], "arch=", 5) == 0 ||
		    strncmp(tok[i], "kernel=", 7) == 0) {
			if (r.nnames)
				die("gate \"%s\" after names", tok[i]);
			parse_gate(tok[i], &r);
		} else if (strncmp(tok[i], "arg", 3) == 0 &&
		    isdigit((unsigned char)tok[i][3])) {
			if (r.nargs == SECCOMP_MAX_ARGS)
				die("more than %d conditions",
					SECCOMP_MAX_ARGS);
			parse_cond(tok[i], &r.args[r.nargs++]);
		} else if (is_name(tok[i])) {
			if (r.nargs)
				die("name \"%s\" after conditions", tok[i]);
			r.names = xrealloc(r.names,
				(r.nnames + 1) * sizeof(*r.names));
			r.names[r.nnames++] = xstrdup(tok[i]);
		} else
			die("bad token \"%s\"", tok[i]);
	}
	if (!r.nnames)
		die("rule without system call names");
	rules = xrealloc(rules, (nrules + 1) * sizeof(*rules));
	rules[nrules++] = r;
}

/* Split a logical line (continuations joined) into tokens and parse. */
static void
flush_rule(char *text, int line)
{
	char *tok[TOKENS_MAX];
	size_t n = 0;
	char *p, *save;
	int keep = where_line;

	where_line = line;
	for (p = strtok_r(text, " \t", &save); p;
	     p = strtok_r(NULL, " \t", &save)) {
		if (n == TOKENS_MAX)
			die("rule with more than %d tokens", TOKENS_MAX);
		tok[n++] = p;
	}
	if (n)
		parse_rule(tok, n);
	where_line = keep;
}

static void
read_profile(const char *path)
{
	FILE *f;
	char line[LINE_MAX_LEN];
	char *text = NULL, *hash;
	size_t len = 0, l;
	int start = 0;

	f = fopen(path, "r");
	if (!f)
		die("%s: %s", path, strerror(errno));
	where_file = path;
	where_line = 0;
	while (fgets(line, sizeof(line), f)) {
		where_line++;
		l = strlen(line);
		if (l && line[l - 1] != '\n' && !feof(f))
			die("line too long");
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != ' ' && line[0] != '\t') {
			if (text)
				flush_rule(text, start);
			free(text);
			text = NULL;
			len = 0;
			start = where_line;
		} else if (!text && line[strspn(line, " \t")]) {
			die("continuation without a rule");
		}
		l = strlen(line);
		text = xrealloc(text, len + l + 2);
		memcpy(text + len, line, l);
		text[len + l] = ' ';
		text[len + l + 1] = '\0';
		len += l + 1;
	}
	if (ferror(f))
		die("%s: read error", path);
	fclose(f);
	if (text)
		flush_rule(text, start);
	free(text);
	if (!default_action)
		die("no default action");
	if (!have_caps)
		die("no caps line (Docker's default capabilities)");
	where_file = NULL;
}

static int
sys_by_name(const void *a, const void *b)
{
	return strcmp(((const struct sys *)a)->name,
		((const struct sys *)b)->name);
}

static void
read_table(const char *path, struct table *t)
{
	FILE *f;
	char line[256], name[128], extra[2];
	const char *base, *us;
	const struct archname *an;
	int nr, k;
	size_t i;

	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	us = strstr(base, "syscalls_");
	if (us != base || strlen(base) < 14 ||
	    strcmp(base + strlen(base) - 4, ".txt") != 0)
		die("%s: not named syscalls_ARCH.txt", path);
	an = arch_by_name(base + 9, strlen(base) - 13);
	if (!an)
		die("%s: unknown architecture", path);
	memset(t, 0, sizeof(*t));
	t->arch = an->name;
	t->arch_id = an->id;
	t->max = -1;
	f = fopen(path, "r");
	if (!f)
		die("%s: %s", path, strerror(errno));
	where_file = path;
	where_line = 0;
	while (fgets(line, sizeof(line), f)) {
		where_line++;
		line[strcspn(line, "#\n")] = '\0';
		k = sscanf(line, "%127s %d %1s", name, &nr, extra);
		if (k <= 0)
			continue;
		if (k != 2 || !is_name(name) || nr < 0 || nr > 4095)
			die("expected NAME NUMBER");
		t->v = xrealloc(t->v, (t->n + 1) * sizeof(*t->v));
		t->v[t->n].name = xstrdup(name);
		t->v[t->n++].nr = nr;
		if (nr > t->max)
			t->max = nr;
	}
	fclose(f);
	qsort(t->v, t->n, sizeof(*t->v), sys_by_name);
	for (i = 1; i < t->n; i++)
		if (strcmp(t->v[i - 1].name, t->v[i].name) == 0)
			die("%s listed twice", t->v[i].name);
	if (!t->n)
		die("empty table");
	where_file = NULL;
}

static const struct archname *
archname_of(int id)
{
	size_t i;

	for (i = 0; i < sizeof(archnames) / sizeof(archnames[0]); i++)
		if (archnames[i].id == id)
			return &archnames[i];
	return NULL;
}

/* Does rule `r` apply to Docker's default capabilities on arch `id`? */
static int
selected(const struct rule *r, int id)
{
	if (r->arches && !(r->arches & (1u << id)))
		return 0;
	if (r->cap_if != NO_CAP && !(default_caps >> r->cap_if & 1))
		return 0;
	if (r->cap_unless != NO_CAP && (default_caps >> r->cap_unless & 1))
		return 0;
	return 1;
}

static void
emit_rule(size_t i)
{
	const struct rule *r = &rules[i];
	char args[32];

	if (r->nargs)
		snprintf(args, sizeof(args), "sc_a%zu", i);
	else
		strcpy(args, "NULL");
	printf("\t{ .names = sc_n%zu, .nnames = %zu, .action = %s, "
		".errno_ret = %d,\n\t  .args = %s, .nargs = %zu },\n",
		i, r->nnames, r->action, r->errno_ret, args, r->nargs);
}

static void
emit(struct table *t, size_t nt)
{
	const struct archname *an;
	size_t i, j, n;

	printf("/* seccomp_tables.h - generated by config/seccomp_gen.c from "
		"config/seccomp_default.txt\n * and config/syscalls_*.txt. "
		"Do not edit. */\n\n");
	printf("static const uint64_t sc_default_caps = 0x%llxull;\n\n",
		(unsigned long long)default_caps);
	for (i = 0; i < nt; i++) {
		an = archname_of(t[i].arch_id);
		printf("#if defined(%s) || defined(SECCOMP_GEN)\n", an->macro);
		printf("enum { SC_MAX_%s = %d };\n", t[i].arch, t[i].max);
		printf("static const struct sc_sys sc_sys_%s[] = {\n",
			t[i].arch);
		for (j = 0; j < t[i].n; j++)
			printf("\t{ \"%s\", %d },\n", t[i].v[j].name,
				t[i].v[j].nr);
		printf("};\n#endif\n\n");
	}
	for (i = 0; i < nrules; i++) {
		printf("static char *sc_n%zu[] = {", i);
		for (j = 0; j < rules[i].nnames; j++)
			printf("%s\"%s\",", j % 4 ? " " : "\n\t",
				rules[i].names[j]);
		printf("\n};\n");
		if (!rules[i].nargs)
			continue;
		printf("static struct spec_sc_arg sc_a%zu[] = {\n", i);
		for (j = 0; j < rules[i].nargs; j++)
			printf("\t{ .index = %u, .value = 0x%llxull, "
				".value2 = 0x%llxull,\n\t  .op = %s },\n",
				rules[i].args[j].index,
				(unsigned long long)rules[i].args[j].value,
				(unsigned long long)rules[i].args[j].value2,
				rules[i].args[j].op);
		printf("};\n");
	}
	printf("\n/* Every rule of the profile, and its gate. */\n");
	printf("static const struct spec_sc_rule sc_rules[] = {\n");
	for (i = 0; i < nrules; i++)
		emit_rule(i);
	printf("};\n\nstatic const struct sc_gate sc_gates[] = {\n");
	for (i = 0; i < nrules; i++)
		printf("\t{ %d, %d, 0x%x, 0x%x },\n", rules[i].cap_if,
			rules[i].cap_unless, rules[i].arches, rules[i].kernel);
	printf("};\n\n");
	printf("enum { SC_NRULES = %zu };\n\n", nrules);
	for (i = 0; i < nt; i++) {
		an = archname_of(t[i].arch_id);
		printf("/* The profile for Docker's default capabilities on "
			"%s. */\n", t[i].arch);
		printf("#if defined(%s) || defined(SECCOMP_GEN)\n", an->macro);
		printf("static struct spec_sc_rule sc_def_rules_%s[] = {\n",
			t[i].arch);
		for (j = n = 0; j < nrules; j++) {
			if (!selected(&rules[j], t[i].arch_id))
				continue;
			emit_rule(j);
			n++;
		}
		printf("};\nstatic char *sc_def_archs_%s[] = { \"%s\" };\n",
			t[i].arch, an->scmp);
		printf("static const struct spec_seccomp sc_def_%s = {\n"
			"\t.default_action = %s,\n\t.default_errno = %d,\n"
			"\t.archs = sc_def_archs_%s,\n\t.narchs = 1,\n"
			"\t.rules = sc_def_rules_%s,\n\t.nrules = %zu,\n};\n"
			"#endif\n\n", t[i].arch, default_action, default_errno,
			t[i].arch, t[i].arch, n);
	}
}

int
main(int argc, char **argv)
{
	struct table t[SECCOMP_ARCH_COUNT];
	int i, j;

	if (argc < 3 || argc - 2 > SECCOMP_ARCH_COUNT) {
		fprintf(stderr, "usage: seccomp_gen PROFILE.txt "
			"syscalls_ARCH.txt... > seccomp_tables.h\n");
		return 2;
	}
	read_profile(argv[1]);
	for (i = 2; i < argc; i++) {
		read_table(argv[i], &t[i - 2]);
		for (j = 0; j < i - 2; j++)
			if (t[j].arch_id == t[i - 2].arch_id)
				die("%s: architecture given twice", argv[i]);
	}
	emit(t, (size_t)(argc - 2));
	if (fflush(stdout) || ferror(stdout))
		die("write error");
	return 0;
}

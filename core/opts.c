/* opts.c - option-spec parsing for applets (see opts.h for the syntax) */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"

/* Does "(a|b)" contain the long name `name` of length `len`? */
static int
longs_match(const struct opt_entry *en, const char *name, size_t len)
{
	const char *p, *end, *q;

	if (!en->longs)
		return 0;
	p = en->longs + 1;
	end = en->longs + en->longs_len - 1;
	while (p < end) {
		q = memchr(p, '|', end - p);
		if (!q)
			q = end;
		if ((size_t)(q - p) == len && memcmp(p, name, len) == 0)
			return 1;
		p = q + 1;
	}
	return 0;
}

/* First long name of an entry, for messages: "--name" or "-x". */
static void
entry_name(const struct opt_entry *en, char *buf, size_t size)
{
	const char *q;

	if (en->longs) {
		q = en->longs + 1;
		while (*q != '|' && *q != ')')
			q++;
		snprintf(buf, size, "--%.*s", (int)(q - en->longs - 1),
		    en->longs + 1);
	}
	else
		snprintf(buf, size, "-%c", en->shortc);
}

static int
parse_spec(struct opts *o, int *stop, int *min, int *max, struct err *e)
{
	const char *p = o->spec;
	struct opt_entry *en;

	*stop = 0;
	*min = 0;
	*max = -1;
	for (;;) {
		if (*p == '^')
			*stop = 1, p++;
		else if (*p == '<' || *p == '>') {
			char c = *p++;
			long v = strtol(p, (char **)&p, 10);

			if (c == '<')
				*min = (int)v;
			else
				*max = (int)v;
		} else
			break;
	}
	while (*p) {
		if (o->nent == OPTS_MAX)
			return err_set(e, ERR_USAGE, "option spec too long");
		en = &o->ent[o->nent++];
		if (*p != '(')
			en->shortc = *p++;
		if (*p == '(') {
			en->longs = p;
			p = strchr(p, ')');
			if (!p)
				return err_set(e, ERR_USAGE,
				    "option spec: unclosed '('");
			p++;
			en->longs_len = (int)(p - en->longs);
		}
		switch (*p) {
		case ':':
			en->type = OPT_STR, p++;
			break;
		case '*':
			en->type = OPT_LIST, p++;
			break;
		case '#':
			en->type = OPT_NUM, p++;
			break;
		default:
			en->type = OPT_FLAG;
		}
	}
	return 0;
}

static struct opt_entry *
find_short(struct opts *o, char c)
{
	int i;

	for (i = 0; i < o->nent; i++)
		if (o->ent[i].shortc == c)
			return &o->ent[i];
	return NULL;
}

static struct opt_entry *
find_long(struct opts *o, const char *name, size_t len)
{
	int i;

	for (i = 0; i < o->nent; i++)
		if (longs_match(&o->ent[i], name, len))
			return &o->ent[i];
	return NULL;
}

static const struct opt_entry *
find_key(const struct opts *o, const char *key)
{
	size_t len = strlen(key);
	int i;

	for (i = 0; i < o->nent; i++) {
		if (len == 1 && o->ent[i].shortc == key[0])
			return &o->ent[i];
		if (longs_match(&o->ent[i], key, len))
			return &o->ent[i];
	}
	return NULL;
}

/* Store value `val` for an entry taking an argument. */
static int
set_value(struct opt_entry *en, char *val, struct err *e)
{
	char name[80];
	char **nl;
	char *end;

	switch (en->type) {
	case OPT_LIST:
		nl = realloc(en->list, (en->nlist + 1) * sizeof(*nl));
		if (!nl)
			return err_sys(e, "option list");
		en->list = nl;
		en->list[en->nlist++] = val;
		break;
	case OPT_NUM:
		errno = 0;
		en->num = strtoll(val, &end, 10);
		if (errno || end == val || *end) {
			entry_name(en, name, sizeof(name));
			return err_set(e, ERR_USAGE,
			    "invalid number \"%s\" for option %s", val, name);
		}
		en->str = val;
		break;
	default:
		en->str = val;
	}
	en->count++;
	return 0;
}

/* A flag given as --flag=VALUE: accept Docker's boolean spellings. */
static int
set_flag_value(struct opt_entry *en, const char *val, struct err *e)
{
	char name[80];

	if (strcmp(val, "true") == 0 || strcmp(val, "1") == 0)
		en->count++;
	else if (strcmp(val, "false") == 0 || strcmp(val, "0") == 0)
		en->count = 0;
	else {
		entry_name(en, name, sizeof(name));
		return err_set(e, ERR_USAGE,
		    "invalid boolean \"%s\" for option %s", val, name);
	}
	return 0;
}

static int
add_operand(struct opts *o, char *arg, struct err *e)
{
	char **nv = realloc(o->argv, (o->argc + 2) * sizeof(*nv));

	if (!nv)
		return err_sys(e, "operands");
	o->argv = nv;
	o->argv[o->argc++] = arg;
	o->argv[o->argc] = NULL;
	return 0;
}

/* One "--name[=value]" word; *i may advance to consume the value. */
static int
parse_long(struct opts *o, int argc, char **argv, int *i, struct err *e)
{
	char *arg = argv[*i] + 2;
	char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	struct opt_entry *en = find_long(o, arg, len);

	if (!en) {
		if (len == 4 && memcmp(arg, "help", 4) == 0)
			return 1;
		return err_set(e, ERR_USAGE, "unknown option --%.*s",
		    (int)len, arg);
	}
	if (en->type == OPT_FLAG) {
		if (eq)
			return set_flag_value(en, eq + 1, e);
		en->count++;
		return 0;
	}
	if (eq)
		return set_value(en, eq + 1, e);
	if (*i + 1 >= argc)
		return err_set(e, ERR_USAGE, "option --%.*s needs a value",
		    (int)len, arg);
	return set_value(en, argv[++*i], e);
}

/* One "-abc" word of grouped short options. */
static int
parse_short(struct opts *o, int argc, char **argv, int *i, struct err *e)
{
	char *p = argv[*i] + 1;
	struct opt_entry *en;

	for (; *p; p++) {
		en = find_short(o, *p);
		if (!en) {
			if (*p == 'h')
				return 1;
			return err_set(e, ERR_USAGE, "unknown option -%c", *p);
		}
		if (en->type == OPT_FLAG) {
			if (p[1] == '=')
				return set_flag_value(en, p + 2, e);
			en->count++;
			continue;
		}
		if (p[1])
			return set_value(en, p[1] == '=' ? p + 2 : p + 1, e);
		if (*i + 1 >= argc)
			return err_set(e, ERR_USAGE, "option -%c needs a value",
			    *p);
		return set_value(en, argv[++*i], e);
	}
	return 0;
}

int
opts_parse(struct opts *o, const char *spec, int argc, char **argv,
    struct err *e)
{
	int stop, min, max, i, r, done = 0;

	memset(o, 0, sizeof(*o));
	o->spec = spec;
	if (parse_spec(o, &stop, &min, &max, e) < 0)
		return -1;
	for (i = 1; i < argc; i++) {
		char *a = argv[i];

		if (done || a[0] != '-' || a[1] == '\0') {
			if (add_operand(o, a, e) < 0)
				return -1;
			if (stop)
				done = 1;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			done = 1;
			continue;
		}
		r = a[1] == '-' ? parse_long(o, argc, argv, &i, e) :
		    parse_short(o, argc, argv, &i, e);
		if (r)
			return r;
	}
	if (o->argc < min)
		return err_set(e, ERR_USAGE, min == 1 ?
		    "needs an argument" : "needs at least %d arguments", min);
	if (max >= 0 && o->argc > max)
		return err_set(e, ERR_USAGE, max == 0 ?
		    "takes no arguments" : "too many arguments (at most %d)",
		    max);
	if (!o->argv && !(o->argv = calloc(1, sizeof(*o->argv))))
		return err_sys(e, "operands");
	return 0;
}

int
opt_on(const struct opts *o, const char *key)
{
	const struct opt_entry *en = find_key(o, key);

	return en ? en->count : 0;
}

const char *
opt_str(const struct opts *o, const char *key)
{
	const struct opt_entry *en = find_key(o, key);

	return en && en->count ? en->str : NULL;
}

long long
opt_num(const struct opts *o, const char *key, long long dflt)
{
	const struct opt_entry *en = find_key(o, key);

	return en && en->count ? en->num : dflt;
}

char **
opt_list(const struct opts *o, const char *key, int *n)
{
	const struct opt_entry *en = find_key(o, key);

	*n = en ? en->nlist : 0;
	return en ? en->list : NULL;
}

void
opts_free(struct opts *o)
{
	int i;

	for (i = 0; i < o->nent && i < OPTS_MAX; i++) {
		free(o->ent[i].list);
		o->ent[i].list = NULL;
		o->ent[i].nlist = 0;
	}
	free(o->argv);
	o->argv = NULL;
	o->argc = 0;
}

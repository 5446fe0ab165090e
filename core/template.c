/* template.c - Docker-style --format templates over JSON values */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "template.h"

enum {
	OUT_MAX = 16 << 20,
	MAX_NEST = 32,
	ARG_MAX_LEN = 256,
};

struct out {
	char *buf;
	size_t len, cap;
	int oom;
};

/* One parsed action's argument: a path (".", ".A.B") or a literal. */
struct arg {
	int is_path;
	int is_num;
	char text[ARG_MAX_LEN];
};

struct tctx {
	const char *src;	/* whole template */
	struct out o;
	struct err *e;
};

static void
put(struct out *o, const char *s, size_t n)
{
	char *nb;
	size_t cap;

	if (o->oom)
		return;
	if (o->len + n + 1 > o->cap) {
		cap = o->cap ? o->cap : 256;
		while (cap < o->len + n + 1)
			cap *= 2;
		if (cap > OUT_MAX || !(nb = realloc(o->buf, cap))) {
			o->oom = 1;
			return;
		}
		o->buf = nb;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void
puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static const struct json_value *
lookup(const struct json_value *dot, const char *path, int *absent)
{
	char seg[ARG_MAX_LEN];
	const char *p = path + 1, *q;
	const struct json_value *v = dot;

	*absent = 0;
	while (*p) {
		q = strchr(p, '.');
		if (!q)
			q = p + strlen(p);
		memcpy(seg, p, q - p);
		seg[q - p] = '\0';
		if (json_type(v) != JSON_OBJECT) {
			*absent = 1;
			return NULL;
		}
		v = json_obj_get(v, seg);
		if (!v) {
			*absent = 1;
			return NULL;
		}
		p = *q ? q + 1 : q;
	}
	return v;
}

static int
cmp_keys(const void *a, const void *b)
{
	const struct json_value *const *x = a, *const *y = b;

	return strcmp(json_str(*x) ? json_str(*x) : "",
	    json_str(*y) ? json_str(*y) : "");
}

/* Members of object `v` sorted by key: heap array of key values. */
static const struct json_value **
sorted_keys(const struct json_value *v)
{
	size_t n = json_len(v), i;
	const struct json_value **k = calloc(n ? n : 1, sizeof(*k));

	if (!k)
		return NULL;
	for (i = 0; i < n; i++)
		k[i] = json_key_at(v, i);
	qsort(k, n, sizeof(*k), cmp_keys);
	return k;
}

/* Go fmt's %v of a JSON value. */
static void
print_value(struct out *o, const struct json_value *v, int absent)
{
	const struct json_value **keys;
	size_t i, n, len;
	const char *s;

	if (absent) {
		puts_(o, "<no value>");
		return;
	}
	switch (json_type(v)) {
	case JSON_NULL:
	case JSON_NONE:
		puts_(o, "<nil>");
		break;
	case JSON_BOOL:
		puts_(o, json_bool(v) ? "true" : "false");
		break;
	case JSON_NUMBER:
		puts_(o, json_num_text(v));
		break;
	case JSON_STRING:
		s = json_strn(v, &len);
		put(o, s, len);
		break;
	case JSON_ARRAY:
		puts_(o, "[");
		for (i = 0; i < json_len(v); i++) {
			if (i)
				puts_(o, " ");
			print_value(o, json_at(v, i), 0);
		}
		puts_(o, "]");
		break;
	case JSON_OBJECT:
		n = json_len(v);
		keys = sorted_keys(v);
		if (!keys) {
			o->oom = 1;
			return;
		}
		puts_(o, "map[");
		for (i = 0; i < n; i++) {
			size_t j;

			if (i)
				puts_(o, " ");
			puts_(o, json_str(keys[i]) ? json_str(keys[i]) : "");
			puts_(o, ":");
			for (j = 0; j < n; j++)
				if (json_key_at(v, j) == keys[i])
					print_value(o, json_val_at(v, j), 0);
		}
		puts_(o, "]");
		free(keys);
		break;
	}
}

static int
truthy(const struct json_value *v, int absent)
{
	const char *s;

	if (absent)
		return 0;
	switch (json_type(v)) {
	case JSON_BOOL:
		return json_bool(v);
	case JSON_NUMBER:
		s = json_num_text(v);
		return strspn(s, "-0.eE+") != strlen(s);
	case JSON_STRING:
		return json_str_len(v) > 0;
	case JSON_ARRAY:
	case JSON_OBJECT:
		return json_len(v) > 0;
	default:
		return 0;
	}
}

/* Split an action body into words: paths, "strings", numbers, names. */
static int
split_words(const char *a, size_t n, struct arg *w, int max, struct err *e)
{
	size_t i = 0, k;
	int c = 0;

	while (i < n) {
		while (i < n && a[i] == ' ')
			i++;
		if (i == n)
			break;
		if (c == max)
			return err_set(e, ERR_PARSE, "template: too many "
			    "arguments");
		memset(&w[c], 0, sizeof(w[c]));
		k = 0;
		if (a[i] == '"') {
			for (i++; i < n && a[i] != '"'; i++) {
				if (a[i] == '\\' && i + 1 < n)
					i++;
				if (k + 1 < ARG_MAX_LEN)
					w[c].text[k++] = a[i];
			}
			if (i == n)
				return err_set(e, ERR_PARSE, "template: "
				    "unterminated string");
			i++;
		} else {
			w[c].is_path = a[i] == '.';
			w[c].is_num = a[i] >= '0' && a[i] <= '9';
			for (; i < n && a[i] != ' '; i++)
				if (k + 1 < ARG_MAX_LEN)
					w[c].text[k++] = a[i];
		}
		w[c].text[k] = '\0';
		c++;
	}
	return c;
}

/* Find the end of the action starting at `p` ("{{" already at p). */
static const char *
action_end(const char *p)
{
	const char *q = strstr(p + 2, "}}");

	return q;
}

static int exec_block(struct tctx *t, const char **pp,
    const struct json_value *dot, int run, int depth, const char **stop);

/* Evaluate a value word: a path against dot; literal words are absent. */
static const struct json_value *
word_value(const struct arg *w, const struct json_value *dot, int *absent)
{
	if (w->is_path)
		return lookup(dot, w->text, absent);
	*absent = 1;
	return NULL;
}

static int
call_func(struct tctx *t, struct arg *w, int nw,
    const struct json_value *dot)
{
	const struct json_value *v;
	struct json_writer jw;
	char *s, *q;
	size_t i, len;
	int absent;

	if (strcmp(w[0].text, "json") == 0 && nw == 2) {
		v = word_value(&w[1], dot, &absent);
		if (absent) {
			puts_(&t->o, "null");
			return 0;
		}
		json_writer_init(&jw, 0);
		json_writer_value(&jw, v);
		s = json_writer_finish(&jw, NULL, t->e);
		json_writer_free(&jw);
		if (!s)
			return -1;
		puts_(&t->o, s);
		free(s);
		return 0;
	}
	if (strcmp(w[0].text, "index") == 0 && nw == 3) {
		v = word_value(&w[1], dot, &absent);
		if (!absent && w[2].is_num && json_type(v) == JSON_ARRAY) {
			i = strtoul(w[2].text, NULL, 10);
			v = json_at(v, i);
		} else if (!absent && json_type(v) == JSON_OBJECT)
			v = json_obj_get(v, w[2].text);
		else
			v = NULL;
		print_value(&t->o, v, !v);
		return 0;
	}
	if (strcmp(w[0].text, "join") == 0 && nw == 3) {
		v = word_value(&w[1], dot, &absent);
		for (i = 0; !absent && i < json_len(v); i++) {
			if (i)
				puts_(&t->o, w[2].text);
			print_value(&t->o, json_at(v, i), 0);
		}
		return 0;
	}
	if ((strcmp(w[0].text, "lower") == 0 ||
	    strcmp(w[0].text, "upper") == 0) && nw == 2) {
		v = word_value(&w[1], dot, &absent);
		s = (char *)json_strn(v, &len);
		if (!s)
			return 0;
		q = malloc(len + 1);
		if (!q)
			return err_sys(t->e, "template");
		for (i = 0; i < len; i++)
			q[i] = w[0].text[0] == 'l' ?
			    (s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]) :
			    (s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
		put(&t->o, q, len);
		free(q);
		return 0;
	}
	if (strcmp(w[0].text, "println") == 0) {
		for (i = 1; i < (size_t)nw; i++) {
			if (i > 1)
				puts_(&t->o, " ");
			v = word_value(&w[i], dot, &absent);
			if (w[i].is_path)
				print_value(&t->o, v, absent);
			else
				puts_(&t->o, w[i].text);
		}
		puts_(&t->o, "\n");
		return 0;
	}
	return err_set(t->e, ERR_PARSE, "template: function \"%s\" not "
	    "defined or wrong arguments", w[0].text);
}

/*
 * Run template text from *pp until the end or a {{end}}/{{else}} (which
 * is returned in *stop). `run` = 0 parses without output (skipped
 * branches).
 */
static int
exec_block(struct tctx *t, const char **pp, const struct json_value *dot,
    int run, int depth, const char **stop)
{
	const char *p = *pp, *a, *z, *body, *st;
	struct arg w[8];
	const struct json_value *v;
	const struct json_value **keys;
	size_t i, n, j;
	int nw, absent, cond;

	*stop = NULL;
	if (depth > MAX_NEST)
		return err_set(t->e, ERR_LIMIT, "template: nested too deep");
	while (*p) {
		a = strstr(p, "{{");
		if (!a) {
			if (run)
				puts_(&t->o, p);
			p += strlen(p);
			break;
		}
		if (run)
			put(&t->o, p, a - p);
		z = action_end(a);
		if (!z)
			return err_set(t->e, ERR_PARSE, "template: unclosed "
			    "action");
		nw = split_words(a + 2, z - a - 2, w, 8, t->e);
		if (nw < 0)
			return -1;
		p = z + 2;
		if (nw == 0)
			return err_set(t->e, ERR_PARSE, "template: empty "
			    "action");
		if (strcmp(w[0].text, "end") == 0 ||
		    strcmp(w[0].text, "else") == 0) {
			*stop = w[0].text[0] == 'e' && w[0].text[1] == 'n' ?
			    "end" : "else";
			*pp = p;
			return 0;
		}
		if (strcmp(w[0].text, "range") == 0 ||
		    strcmp(w[0].text, "if") == 0) {
			int is_range = w[0].text[0] == 'r';

			if (nw != 2 || !w[1].is_path)
				return err_set(t->e, ERR_PARSE, "template: "
				    "%s needs one field", w[0].text);
			v = lookup(dot, w[1].text, &absent);
			body = p;
			if (is_range) {
				/* One pass to find the end, then one per item. */
				if (exec_block(t, &p, dot, 0, depth + 1,
				    &st) < 0)
					return -1;
				if (!st || strcmp(st, "end") != 0)
					return err_set(t->e, ERR_PARSE,
					    "template: range without end");
				n = run && !absent ? json_len(v) : 0;
				keys = json_type(v) == JSON_OBJECT ?
				    sorted_keys(v) : NULL;
				for (i = 0; i < n; i++) {
					const struct json_value *item =
					    json_at(v, i);
					const char *bp = body;

					if (keys)
						for (j = 0; j < n; j++)
							if (json_key_at(v, j)
							    == keys[i])
								item =
								json_val_at(
								v, j);
					if (exec_block(t, &bp, item, 1,
					    depth + 1, &st) < 0) {
						free(keys);
						return -1;
					}
				}
				free(keys);
				continue;
			}
			cond = run && truthy(v, absent);
			if (exec_block(t, &p, dot, cond, depth + 1, &st) < 0)
				return -1;
			if (st && strcmp(st, "else") == 0 &&
			    exec_block(t, &p, dot, run && !cond, depth + 1,
			    &st) < 0)
				return -1;
			if (!st || strcmp(st, "end") != 0)
				return err_set(t->e, ERR_PARSE, "template: "
				    "if without end");
			continue;
		}
		if (!run)
			continue;
		if (w[0].is_path && nw == 1) {
			v = lookup(dot, w[0].text, &absent);
			print_value(&t->o, v, absent);
			continue;
		}
		if (w[0].is_path)
			return err_set(t->e, ERR_PARSE, "template: can't give "
			    "arguments to a field");
		if (call_func(t, w, nw, dot) < 0)
			return -1;
	}
	*pp = p;
	return 0;
}

int
template_render(const char *tmpl, const struct json_value *data,
    char **out, struct err *e)
{
	struct tctx t;
	const char *p = tmpl, *st;

	memset(&t, 0, sizeof(t));
	t.src = tmpl;
	t.e = e;
	puts_(&t.o, "");
	if (exec_block(&t, &p, data, 1, 0, &st) < 0)
		goto fail;
	if (st) {
		err_set(e, ERR_PARSE, "template: unexpected {{%s}}", st);
		goto fail;
	}
	if (t.o.oom) {
		err_set(e, ENOMEM, "template: output too large or out of "
		    "memory");
		goto fail;
	}
	*out = t.o.buf;
	return 0;
fail:
	free(t.o.buf);
	return -1;
}

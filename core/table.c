/* table.c - tabwriter-style alignment of tab-separated cells */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

/* UTF-8 characters in the `n` bytes at `s`. */
static size_t
width(const char *s, size_t n)
{
	size_t i, w = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	return w;
}

static int
add_line(struct table *t, const char *s, size_t n, struct err *e)
{
	char **v;

	if (t->bytes + n + 1 > TABLE_MAX_BYTES)
		return err_set(e, ERR_LIMIT, "table output over %d MiB",
		    TABLE_MAX_BYTES >> 20);
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 32;

		if (!(v = realloc(t->lines, cap * sizeof(*v))))
			return err_set(e, ENOMEM, "out of memory");
		t->lines = v;
		t->cap = cap;
	}
	if (!(t->lines[t->n] = malloc(n + 1)))
		return err_set(e, ENOMEM, "out of memory");
	memcpy(t->lines[t->n], s, n);
	t->lines[t->n][n] = '\0';
	t->n++;
	t->bytes += n + 1;
	return 0;
}

int
table_add(struct table *t, const char *text, struct err *e)
{
	const char *nl;

	while (*text) {
		nl = strchr(text, '\n');
		if (!nl)
			return add_line(t, text, strlen(text), e);
		if (add_line(t, text, (size_t)(nl - text), e) < 0)
			return -1;
		text = nl + 1;
	}
	return 0;
}

char *
table_render(const struct table *t, size_t minwidth, size_t padding,
    struct err *e)
{
	size_t *w = NULL, nw = 0, i, c, cw, len = 0, total = 0;
	const char *p, *tab;
	char *out = NULL, *o;

	/* column widths over the tab-terminated cells */
	for (i = 0; i < t->n; i++) {
		for (c = 0, p = t->lines[i]; (tab = strchr(p, '\t'));
		    c++, p = tab + 1) {
			if (c == nw) {
				size_t *v = realloc(w, (nw + 1) * sizeof(*w));

				if (!v)
					goto nomem;
				w = v;
				w[nw++] = 0;
			}
			cw = width(p, (size_t)(tab - p)) + padding;
			if (cw < minwidth)
				cw = minwidth;
			if (cw > w[c])
				w[c] = cw;
		}
	}
	for (i = 0; i < t->n; i++)
		total += strlen(t->lines[i]) + 1;
	for (c = 0; c < nw; c++)
		total += w[c] * t->n;
	if (!(out = malloc(total + 1)))
		goto nomem;
	o = out;
	for (i = 0; i < t->n; i++) {
		for (c = 0, p = t->lines[i]; (tab = strchr(p, '\t'));
		    c++, p = tab + 1) {
			len = (size_t)(tab - p);
			memcpy(o, p, len);
			o += len;
			for (cw = width(p, len); cw < w[c]; cw++)
				*o++ = ' ';
		}
		len = strlen(p);
		memcpy(o, p, len);
		o += len;
		*o++ = '\n';
	}
	*o = '\0';
	free(w);
	return out;
nomem:
	free(w);
	err_set(e, ENOMEM, "out of memory");
	return NULL;
}

int
table_format(const char *format, char **tmpl, int *is_table, struct err *e)
{
	const char *p = format;
	char *out, *o;
	size_t n;

	*is_table = strncmp(p, "table", 5) == 0;
	if (*is_table)
		p += 5;
	while (*p == ' ')
		p++;
	n = strlen(p);
	while (n && p[n - 1] == ' ')
		n--;
	if (!(out = malloc(n + 1)))
		return err_set(e, ENOMEM, "out of memory");
	for (o = out; n; p++, n--) {
		if (p[0] == '\\' && n > 1 && (p[1] == 't' || p[1] == 'n')) {
			*o++ = p[1] == 't' ? '\t' : '\n';
			p++;
			n--;
			continue;
		}
		*o++ = *p;
	}
	*o = '\0';
	*tmpl = out;
	return 0;
}

void
table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->lines[i]);
	free(t->lines);
	memset(t, 0, sizeof(*t));
}

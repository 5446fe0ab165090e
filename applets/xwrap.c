/* xwrap.c - messages and die-on-failure helpers for applets only */

#include <stdarg.h>

#include "applet.h"
#include "json.h"
#include "table.h"
#include "template.h"

void
warn_msg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "rocker %s: ", rk.applet);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
warn_err(const struct err *e)
{
	warn_msg("%s", e->msg[0] ? e->msg : "unknown error");
}

void
die_err(const struct err *e, int status)
{
	warn_err(e);
	exit(status);
}

void
die_msg(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "rocker %s: ", rk.applet);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

void
xopts(struct opts *o, const char *spec, const char *usage, int argc,
    char **argv, int usage_status)
{
	struct err e = ERR_INIT;
	int r = opts_parse(o, spec, argc, argv, &e);

	if (r == 1) {
		fputs(usage, stdout);
		exit(0);
	}
	if (r < 0) {
		warn_err(&e);
		fprintf(stderr, "See 'rocker %s --help'.\n", rk.applet);
		exit(usage_status);
	}
}

void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		die_msg(1, "out of memory");
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		die_msg(1, "out of memory");
	return p;
}

struct json_value *
xstring_object(const char *const vals[][2], size_t n)
{
	struct json_writer w;
	struct err e = ERR_INIT;
	struct json_value *v;
	size_t i, len;
	char *buf;

	json_writer_init(&w, 0);
	json_writer_begin_object(&w);
	for (i = 0; i < n; i++) {
		json_writer_key(&w, vals[i][0]);
		json_writer_string(&w, vals[i][1]);
	}
	json_writer_end_object(&w);
	if (!(buf = json_writer_finish(&w, &len, &e)) ||
	    !(v = json_parse(buf, len, NULL, &e)))
		die_err(&e, 1);
	json_writer_free(&w);
	free(buf);
	return v;
}

void
xtemplate_emit(const char *tmpl, const struct json_value *data,
    struct table *t)
{
	struct err e = ERR_INIT;
	char *out;

	if (template_render(tmpl, data, &out, &e) < 0)
		die_err(&e, 2);
	if (t) {
		if (table_add(t, *out ? out : "\n", &e) < 0)
			die_err(&e, 1);
	} else {
		printf("%s\n", out);
	}
	free(out);
}

/* xwrap.c - messages and die-on-failure helpers for applets only */

#include <stdarg.h>

#include "applet.h"

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

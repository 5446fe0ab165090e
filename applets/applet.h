/* applet.h - what every applet includes: core/, the program-wide context
 * and the die-on-failure helpers that only applets (never core/) may use.
 */
#ifndef ROCKER_APPLET_H
#define ROCKER_APPLET_H

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "log.h"
#include "opts.h"

/* Program-wide state set up by core/main.c before an applet runs. */
struct rocker {
	const char *applet;	/* name of the running applet */
	int debug;		/* --debug given */
	struct config cfg;	/* defaults < config file < environment < flags */
	char **argv;		/* the program's whole argv (re-exec) */
};

extern struct rocker rk;

/* "0.1.0 (git abc1234)" */
extern const char rocker_version[];

/*
 * Parse options for the running applet; on --help print `usage` to stdout
 * and exit 0; on a usage error print "rocker APPLET: MESSAGE" and a hint,
 * and exit with `usage_status` (2, or 125 for run/exec as in Docker).
 */
void xopts(struct opts *o, const char *spec, const char *usage, int argc,
    char **argv, int usage_status);

/* Print "rocker APPLET: MESSAGE" on stderr. */
void warn_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print the error as "rocker APPLET: MESSAGE" on stderr. */
void warn_err(const struct err *e);

/* warn_err() then exit(status). */
void die_err(const struct err *e, int status) __attribute__((noreturn));

/* warn_msg() then exit(status). */
void die_msg(int status, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));

/*
 * Pull `name` into the open store `s` as `run` does when the image is
 * missing: progress on stderr (pull.c; needs the pull applet built).
 * 0 or -1 with `e` set.
 */
struct store;
int pull_for_run(struct store *s, const char *name, const char *platform,
    int quiet, struct err *e);

/* A JSON object of string fields {vals[i][0]: vals[i][1]}, for templates
 * (--format); dies on failure. */
struct json_value;
struct table;
struct json_value *xstring_object(const char *const vals[][2], size_t n);

/* Render `tmpl` for `data`, then add the line to the table `t`, or print
 * it when `t` is NULL; dies (2 for a template error) on failure. */
void xtemplate_emit(const char *tmpl, const struct json_value *data,
    struct table *t);

void *xmalloc(size_t size);
char *xstrdup(const char *s);

#endif

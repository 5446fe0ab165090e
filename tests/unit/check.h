/* check.h - the unit-test harness: one line per check, a summary at the end
 *
 * Each unit test is one C file including this header. CHECK(cond, name...)
 * prints "ok - NAME" or "FAIL - NAME (file:line)"; check_done() prints
 * "N passed, N failed" and returns the exit status for main().
 */
#ifndef ROCKER_CHECK_H
#define ROCKER_CHECK_H

#include <stdarg.h>
#include <stdio.h>

static int check_pass, check_fail;

static void
check_report(int ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
check_report(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fputs(ok ? "ok - " : "FAIL - ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok)
		printf(" (%s:%d)", file, line);
	putchar('\n');
	if (ok)
		check_pass++;
	else
		check_fail++;
}

#define CHECK(cond, ...) \
	check_report(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

static int
check_done(void)
{
	printf("%d passed, %d failed\n", check_pass, check_fail);
	return check_fail ? 1 : 0;
}

#endif

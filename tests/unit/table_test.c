/* table_test.c - tabwriter alignment and --format preparation */

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "table.h"

static char *
render(const char *text)
{
	struct table t = { 0 };
	struct err e = ERR_INIT;
	char *out;

	if (table_add(&t, text, &e) < 0)
		return NULL;
	out = table_render(&t, TABLE_MINWIDTH, TABLE_PADDING, &e);
	table_free(&t);
	return out;
}

int
main(void)
{
	struct err e = ERR_INIT;
	char *out, *tmpl;
	int is_table, r;

	out = render("REPOSITORY\tTAG\tIMAGE ID\tSIZE\n"
	    "busybox\tlatest\t6fbd05b3ec8c\t2.13MB\n"
	    "quay.io/a/long-name\t1\tabc\t1kB\n");
	CHECK(out && strcmp(out,
	    "REPOSITORY            TAG       IMAGE ID       SIZE\n"
	    "busybox               latest    6fbd05b3ec8c   2.13MB\n"
	    "quay.io/a/long-name   1         abc            1kB\n") == 0,
	    "columns: widest + 3, at least 10, last cell free:\n%s", out);
	free(out);
	out = render("é\tx\n");
	CHECK(out && strcmp(out, "é         x\n") == 0,
	    "widths count characters, not bytes: %s", out);
	free(out);
	out = render("");
	CHECK(out && strcmp(out, "") == 0, "nothing in, nothing out");
	free(out);
	out = render("a\n\nb\n");
	CHECK(out && strcmp(out, "a\n\nb\n") == 0, "empty lines kept");
	free(out);

	r = table_format("table {{.ID}}\\t{{.Tag}} ", &tmpl, &is_table, &e);
	CHECK(r == 0 && is_table && strcmp(tmpl, "{{.ID}}\t{{.Tag}}") == 0,
	    "table prefix dropped, \\t expanded, spaces trimmed: %s", tmpl);
	free(tmpl);
	r = table_format("{{.ID}}\\n", &tmpl, &is_table, &e);
	CHECK(r == 0 && !is_table && strcmp(tmpl, "{{.ID}}\n") == 0,
	    "plain template");
	free(tmpl);
	r = table_format("a\\\\x", &tmpl, &is_table, &e);
	CHECK(r == 0 && strcmp(tmpl, "a\\\\x") == 0,
	    "other escapes left alone: %s", tmpl);
	free(tmpl);
	return check_done();
}

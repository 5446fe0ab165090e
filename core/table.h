/* table.h - column alignment as Go's text/tabwriter does it for Docker
 *
 * Docker's table output (`docker images`, `docker ps`) renders a template
 * whose cells are separated by tabs into a tabwriter with minwidth 10,
 * tabwidth 1, padding 3 and ' ' as padchar. A cell followed by a tab is
 * padded to its column's width: the widest such cell in that column plus
 * the padding, at least minwidth. The last cell of a line (no tab after
 * it) is written as it is. Widths count UTF-8 characters, not bytes.
 */
#ifndef ROCKER_TABLE_H
#define ROCKER_TABLE_H

#include <stddef.h>

#include "err.h"

enum {
	TABLE_MINWIDTH = 10,	/* Docker's values */
	TABLE_PADDING = 3,
	TABLE_MAX_BYTES = 64 << 20,	/* all lines together */
};

/* Lines collected so far. Zero-initialise; release with table_free(). */
struct table {
	char **lines;		/* heap copies, without the final newline */
	size_t n, cap;
	size_t bytes;
};

/*
 * Add `text`, which may hold several lines separated by '\n' (a final
 * newline adds no empty line). The text is copied. Returns 0 or -1
 * (ENOMEM, or ERR_LIMIT beyond TABLE_MAX_BYTES).
 */
int table_add(struct table *t, const char *text, struct err *e);

/*
 * Align the lines with `minwidth` and `padding` and return them as one
 * heap string, each line ending in '\n' (the caller frees it). NULL with
 * `e` set on ENOMEM.
 */
char *table_render(const struct table *t, size_t minwidth, size_t padding,
    struct err *e);

/*
 * Prepare a Docker --format value as the CLI does: a leading "table"
 * selects table output (*is_table = 1) and is dropped, surrounding spaces
 * are trimmed, and the two-character sequences \t and \n become a tab and
 * a newline. *tmpl gets a heap copy (free()). Returns 0 or -1 (ENOMEM).
 */
int table_format(const char *format, char **tmpl, int *is_table,
    struct err *e);

/* Release the lines. Safe on a zeroed table. */
void table_free(struct table *t);

#endif

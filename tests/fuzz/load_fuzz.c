/* load_fuzz.c - load's metadata interpretation: the input is an archive
 *
 * The input is read as a tar (as `rocker load` reads one); its regular
 * members up to 1 MiB are kept in memory and loadplan_build() interprets
 * them (manifest.json or an OCI layout). Every image of a plan must be
 * self-consistent. Seeds: tests/fixtures/load/.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "loadplan.h"
#include "tar.h"

enum {
	MAXM = 64,
	MAXSIZE = 1 << 20,
};

struct mset {
	char *name[MAXM];
	char *data[MAXM];
	size_t len[MAXM];
	int n;
};

static int
get(void *ctx, const char *name, const char **buf, size_t *len,
    struct err *e)
{
	struct mset *m = ctx;
	int i;

	(void)e;
	for (i = m->n - 1; i >= 0; i--)
		if (strcmp(m->name[i], name) == 0) {
			*buf = m->data[i];
			*len = m->len[i];
			return 1;
		}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	struct io_mem im;
	struct reader r;
	struct tar t;
	struct tar_entry ent;
	struct mset m;
	struct loadplan p;
	struct loadplan_source src = { get, &m };
	char name[LOADPLAN_NAME_MAX];
	size_t i, j;
	ssize_t n;
	int k;

	memset(&m, 0, sizeof(m));
	io_mem_reader(&im, data, size, &r);
	tar_init(&t, &r);
	while (m.n < MAXM && (k = tar_next(&t, &ent, &e)) > 0) {
		if (ent.type != TAR_REG || ent.size > MAXSIZE ||
		    loadplan_clean(ent.path, name, sizeof(name)) < 0)
			continue;
		m.name[m.n] = strdup(name);
		m.data[m.n] = malloc(ent.size + 1);
		m.len[m.n] = 0;
		while ((n = tar_read(&t, m.data[m.n] + m.len[m.n],
		    ent.size - m.len[m.n] + 1, &e)) > 0)
			m.len[m.n] += (size_t)n;
		m.data[m.n][m.len[m.n]] = '\0';
		m.n++;
		if (n < 0)
			break;
	}
	tar_free(&t);
	if (loadplan_build(&src, NULL, &p, &e) == 0) {
		for (i = 0; i < p.n; i++) {
			if (strncmp(p.images[i].id, "sha256:", 7) != 0 ||
			    !p.images[i].config)
				abort();
			for (j = 0; j < p.images[i].nlayers; j++)
				if (!p.images[i].layers[j].member ||
				    strncmp(p.images[i].layers[j].diff_id,
				    "sha256:", 7) != 0)
					abort();
			for (j = 0; j < p.images[i].ntags; j++)
				if (strchr(p.images[i].tags[j], '@'))
					abort();
		}
	}
	loadplan_free(&p);
	for (k = 0; k < m.n; k++) {
		free(m.name[k]);
		free(m.data[k]);
	}
	return 0;
}

/* images.c - list images, like docker images */

#include <time.h>

#include "applet.h"
#include "human.h"
#include "image.h"
#include "json.h"
#include "store.h"
#include "table.h"
#include "template.h"

const char images_usage[] =
"usage: rocker images [OPTIONS] [REPOSITORY[:TAG]]\n"
"\n"
"List images: one row per tag, newest first. A REPOSITORY[:TAG] argument\n"
"shows only matching references (shell patterns as in Docker: \"bus*\").\n"
"\n"
"  -a, --all            show all images (rocker has no intermediate images,\n"
"                       so this is the default listing)\n"
"      --digests        show digests\n"
"  -f, --filter F       dangling=true|false, reference=PATTERN (repeatable)\n"
"      --format T       Go template: {{.Repository}} {{.Tag}} {{.ID}}\n"
"                       {{.Digest}} {{.CreatedSince}} {{.CreatedAt}}\n"
"                       {{.Size}}, {{json .}}; \"table T\" adds a header\n"
"      --no-trunc       do not shorten image ids\n"
"  -q, --quiet          only image ids\n";

static const char images_spec[] =
	">1a(all)q(quiet)(digests)(no-trunc)f(filter)*(format):";

static const char fmt_default[] =
	"table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}\\t{{.CreatedSince}}"
	"\\t{{.Size}}";
static const char fmt_digests[] =
	"table {{.Repository}}\\t{{.Tag}}\\t{{.Digest}}\\t{{.ID}}"
	"\\t{{.CreatedSince}}\\t{{.Size}}";

/* The header names of `docker images` table output, by field. */
static const char *const headers[][2] = {
	{ "Containers", "CONTAINERS" }, { "CreatedAt", "CREATED AT" },
	{ "CreatedSince", "CREATED" }, { "Digest", "DIGEST" },
	{ "ID", "IMAGE ID" }, { "Repository", "REPOSITORY" },
	{ "SharedSize", "SHARED SIZE" }, { "Size", "SIZE" },
	{ "Tag", "TAG" }, { "UniqueSize", "UNIQUE SIZE" },
	{ "VirtualSize", "VIRTUAL SIZE" },
};

/* The row as JSON, keys sorted as Docker's {{json .}} prints them. */
static struct json_value *
row_json(const struct image_row *r, int notrunc, time_t now)
{
	struct json_writer w;
	struct err e = ERR_INIT;
	struct json_value *v;
	char id[DIGEST_MAX], since[48], at[64], size[24], *buf;
	size_t len;

	snprintf(id, sizeof(id), "%s", notrunc ? r->img->id :
	    r->img->id + 7);
	if (!notrunc)
		id[IMAGE_SHORT_ID] = '\0';
	if (r->created < 0) {
		snprintf(since, sizeof(since), "N/A");
		at[0] = '\0';
	} else {
		human_duration((int64_t)now - r->created, since,
		    sizeof(since) - 4);
		strcat(since, " ago");
		human_time_local(r->created, at, sizeof(at));
	}
	human_size(r->img->size > 0 ? (uint64_t)r->img->size : 0, size,
	    sizeof(size));
	json_writer_init(&w, 0);
	json_writer_begin_object(&w);
	json_writer_key(&w, "Containers");
	json_writer_string(&w, "N/A");
	json_writer_key(&w, "CreatedAt");
	json_writer_string(&w, at);
	json_writer_key(&w, "CreatedSince");
	json_writer_string(&w, since);
	json_writer_key(&w, "Digest");
	json_writer_string(&w, r->digest);
	json_writer_key(&w, "ID");
	json_writer_string(&w, id);
	json_writer_key(&w, "Repository");
	json_writer_string(&w, r->repo);
	json_writer_key(&w, "SharedSize");
	json_writer_string(&w, "N/A");
	json_writer_key(&w, "Size");
	json_writer_string(&w, size);
	json_writer_key(&w, "Tag");
	json_writer_string(&w, r->tag);
	json_writer_key(&w, "UniqueSize");
	json_writer_string(&w, "N/A");
	json_writer_key(&w, "VirtualSize");
	json_writer_string(&w, size);
	json_writer_end_object(&w);
	if (!(buf = json_writer_finish(&w, &len, &e)))
		die_err(&e, 1);
	json_writer_free(&w);
	if (!(v = json_parse(buf, len, NULL, &e)))
		die_err(&e, 1);
	free(buf);
	return v;
}

/* -f/--filter values and the positional pattern into `f`. */
static void
parse_filters(struct opts *o, struct image_filter *f, const char **refs,
    size_t *nrefs)
{
	char **list;
	int i, n;
	const char *v;

	f->dangling = -1;
	*nrefs = 0;
	if (o->argc)
		refs[(*nrefs)++] = o->argv[0];
	list = opt_list(o, "filter", &n);
	for (i = 0; i < n; i++) {
		if (strncmp(list[i], "reference=", 10) == 0) {
			if (*nrefs >= 64)
				die_msg(2, "too many reference filters");
			refs[(*nrefs)++] = list[i] + 10;
		} else if (strncmp(list[i], "dangling=", 9) == 0) {
			v = list[i] + 9;
			if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
				f->dangling = 1;
			else if (strcmp(v, "false") == 0 ||
			    strcmp(v, "0") == 0)
				f->dangling = 0;
			else
				die_msg(2, "invalid filter 'dangling=%s'", v);
		} else {
			die_msg(2, "unsupported filter '%s' (dangling, "
			    "reference)", list[i]);
		}
	}
	f->refs = refs;
	f->nrefs = *nrefs;
}

int
images_main(int argc, char **argv)
{
	struct opts o;
	struct err e = ERR_INIT;
	struct store s;
	struct store_image *list = NULL;
	struct image_row *rows = NULL;
	struct image_filter f;
	struct table t = { 0 };
	struct json_value *v;
	const char *refs[65], *fmt;
	char *tmpl = NULL, *out, id[DIGEST_MAX];
	const char **seen = NULL;
	size_t n = 0, nrows = 0, nrefs, i, j, nseen = 0;
	int notrunc, is_table;
	time_t now = time(NULL);

	xopts(&o, images_spec, images_usage, argc, argv, 2);
	notrunc = opt_on(&o, "no-trunc");
	parse_filters(&o, &f, refs, &nrefs);
	if (store_open(&s, rk.cfg.root, STORE_SHARED, &e) < 0 ||
	    store_image_list(&s, &list, &n, &e) < 0 ||
	    image_rows(list, n, opt_on(&o, "digests"), &f, &rows, &nrows,
	    &e) < 0)
		die_err(&e, 1);
	if (opt_on(&o, "quiet")) {
		seen = xmalloc((nrows ? nrows : 1) * sizeof(*seen));
		for (i = 0; i < nrows; i++) {
			for (j = 0; j < nseen && strcmp(seen[j],
			    rows[i].img->id) != 0; j++)
				;
			if (j < nseen)
				continue;
			seen[nseen++] = rows[i].img->id;
			snprintf(id, sizeof(id), "%s", notrunc ?
			    rows[i].img->id : rows[i].img->id + 7);
			if (!notrunc)
				id[IMAGE_SHORT_ID] = '\0';
			puts(id);
		}
		free(seen);
		goto done;
	}
	fmt = opt_str(&o, "format");
	if (!fmt || !*fmt)
		fmt = opt_on(&o, "digests") ? fmt_digests : fmt_default;
	if (table_format(fmt, &tmpl, &is_table, &e) < 0)
		die_err(&e, 1);
	if (is_table) {
		v = xstring_object(headers,
		    sizeof(headers) / sizeof(headers[0]));
		xtemplate_emit(tmpl, v, &t);
		json_free(v);
	}
	for (i = 0; i < nrows; i++) {
		v = row_json(&rows[i], notrunc, now);
		xtemplate_emit(tmpl, v, is_table ? &t : NULL);
		json_free(v);
	}
	if (is_table) {
		if (!(out = table_render(&t, TABLE_MINWIDTH, TABLE_PADDING,
		    &e)))
			die_err(&e, 1);
		fputs(out, stdout);
		free(out);
	}
done:
	table_free(&t);
	free(tmpl);
	free(rows);
	store_image_list_free(list, n);
	store_close(&s);
	opts_free(&o);
	return 0;
}

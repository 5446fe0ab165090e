/* inspect.c - low-level information on images as JSON, like docker inspect */

#include "applet.h"
#include "container.h"
#include "image.h"
#include "json.h"
#include "store.h"
#include "template.h"

const char inspect_usage[] =
"usage: rocker inspect [OPTIONS] NAME [NAME...]\n"
"\n"
"Print a JSON array with Docker's fields for each container (a name, an\n"
"id or a unique id prefix: Id, State, Config, HostConfig, Mounts, ...)\n"
"or image (a reference, an id or a unique id prefix: Id, RepoTags,\n"
"RepoDigests, Created, Config, Architecture, Os, Size, RootFS, ...).\n"
"Containers are looked up first, as Docker does.\n"
"\n"
"  -f, --format T   render Go template T for each, e.g. '{{.Config.Env}}',\n"
"                   '{{json .RootFS.Layers}}', '{{index .RepoTags 0}}'\n"
"      --type T     only objects of type T: container or image\n"
"  -s, --size       accepted for compatibility (Size is always shown)\n";

static const char inspect_spec[] = "<1f(format):(type):s(size)";

/* Docker indents with four spaces; the writer's pretty mode uses tabs. */
static void
print_indented(const char *s)
{
	int bol = 1;

	for (; *s; s++) {
		if (bol && *s == '\t') {
			fputs("    ", stdout);
			continue;
		}
		bol = *s == '\n';
		putchar(*s);
	}
	putchar('\n');
}

int
inspect_main(int argc, char **argv)
{
	struct opts o;
	struct err e = ERR_INIT;
	struct store s;
	struct store_image img;
	struct json_writer w;
	struct json_value **vals;
	const char *fmt, *type, *driver = "";
	char reason[STORE_REASON_MAX], *buf, *out;
	size_t len, nvals = 0, i;
	int r, status = 0, image_only;

	xopts(&o, inspect_spec, inspect_usage, argc, argv, 2);
	fmt = opt_str(&o, "format");
	type = opt_str(&o, "type");
	image_only = strcmp(rk.applet, "inspect") != 0;
	if (type && strcmp(type, "image") != 0 &&
	    strcmp(type, "container") != 0)
		die_msg(2, "\"%s\" is not a valid value for --type", type);
	if (store_open(&s, rk.cfg.root, STORE_SHARED, &e) < 0)
		die_err(&e, 1);
	r = store_probe_driver(&s, rk.cfg.driver, reason, sizeof(reason), &e);
	if (r > 0)
		driver = store_driver_name(r);
	vals = xmalloc(o.argc * sizeof(*vals));
	for (i = 0; i < (size_t)o.argc; i++) {
		struct ctr c;

		memset(&c, 0, sizeof(c));
		c.lockfd = c.monfd = -1;
		if (!image_only && (!type || strcmp(type, "container") == 0) &&
		    ctr_open(rk.cfg.state, o.argv[i], &c, &e) == 0) {
			json_writer_init(&w, 0);
			if (ctr_inspect(&c, &w, &e) < 0 ||
			    !(buf = json_writer_finish(&w, &len, &e)))
				die_err(&e, 1);
			json_writer_free(&w);
			ctr_close(&c);
			if (!(vals[nvals++] = json_parse(buf, len, NULL, &e)))
				die_err(&e, 1);
			free(buf);
			continue;
		}
		ctr_close(&c);
		if (e.code && e.code != ERR_NOTFOUND) {
			warn_err(&e);
			err_clear(&e);
			status = 1;
			continue;
		}
		err_clear(&e);
		if ((type && strcmp(type, "image") != 0) ||
		    image_find(&s, o.argv[i], &img, NULL, NULL, &e) < 0) {
			if (e.code && e.code != ERR_NOTFOUND)
				warn_err(&e);
			else if (type && strcmp(type, "container") == 0)
				warn_msg("Error: No such container: %s",
				    o.argv[i]);
			else
				warn_msg("Error: No such %s: %s", image_only ?
				    "image" : "object", o.argv[i]);
			err_clear(&e);
			status = 1;
			continue;
		}
		json_writer_init(&w, 0);
		if (image_inspect(&s, &img, driver, &w, &e) < 0 ||
		    !(buf = json_writer_finish(&w, &len, &e)))
			die_err(&e, 1);
		json_writer_free(&w);
		store_image_free(&img);
		if (!(vals[nvals++] = json_parse(buf, len, NULL, &e)))
			die_err(&e, 1);
		free(buf);
	}
	store_close(&s);
	if (fmt) {
		for (i = 0; i < nvals; i++) {
			if (template_render(fmt, vals[i], &out, &e) < 0) {
				warn_err(&e);
				status = 1;
				break;
			}
			printf("%s\n", out);
			free(out);
		}
	} else {
		json_writer_init(&w, 1);
		json_writer_begin_array(&w);
		for (i = 0; i < nvals; i++)
			json_writer_value(&w, vals[i]);
		json_writer_end_array(&w);
		if (!(buf = json_writer_finish(&w, &len, &e)))
			die_err(&e, 1);
		json_writer_free(&w);
		print_indented(buf);
		free(buf);
	}
	for (i = 0; i < nvals; i++)
		json_free(vals[i]);
	free(vals);
	opts_free(&o);
	return status;
}

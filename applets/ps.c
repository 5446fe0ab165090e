/* ps.c - list containers, like docker ps */

#include "applet.h"
#include "container.h"
#include "human.h"
#include "json.h"
#include "ports.h"
#include "table.h"
#include "template.h"

const char ps_usage[] =
"usage: rocker ps [OPTIONS]\n"
"\n"
"List containers: running ones, or all with -a. A container whose monitor\n"
"died (host reboot, kill -9) is shown as exited.\n"
"\n"
"  -a, --all             show all containers (default: running only)\n"
"  -q, --quiet           only the ids\n"
"      --no-trunc        full ids and commands\n"
"  -l, --latest          only the newest container (implies -a)\n"
"  -n, --last N          only the N newest containers (implies -a)\n"
"      --format FORMAT   Go template, e.g. '{{.Names}} {{.Status}}';\n"
"                        fields ID Image Command CreatedAt RunningFor\n"
"                        Status State Ports Names\n";

static const char ps_spec[] = ">0a(all)q(quiet)(no-trunc)l(latest)"
    "n(last)#(format):";

static const char fmt_default[] = "table {{.ID}}\t{{.Image}}\t{{.Command}}"
    "\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";

static const char *const headers[][2] = {
	{ "ID", "CONTAINER ID" }, { "Image", "IMAGE" },
	{ "Command", "COMMAND" }, { "CreatedAt", "CREATED AT" },
	{ "RunningFor", "CREATED" }, { "Status", "STATUS" },
	{ "State", "STATE" }, { "Ports", "PORTS" }, { "Names", "NAMES" },
};

/* `"sh -c 'echo hi'"` as Docker shows it: quoted, truncated to 20. */
static void
command_text(const struct ctr *c, int trunc, char *out, size_t len)
{
	const char *path = json_str(ctr_get(c, "Path"));
	const struct json_value *args = ctr_get(c, "Args");
	char cmd[1024];
	size_t used, i;

	used = (size_t)snprintf(cmd, sizeof(cmd), "%s", path ? path : "");
	for (i = 0; i < json_len(args) && used < sizeof(cmd); i++)
		used += (size_t)snprintf(cmd + used, sizeof(cmd) - used,
		    " %s", json_str(json_at(args, i)) ?
		    json_str(json_at(args, i)) : "");
	if (trunc && strlen(cmd) > 20)
		snprintf(cmd + 19, sizeof(cmd) - 19, "\u2026");
	snprintf(out, len, "\"%s\"", cmd);
}

int
ps_main(int argc, char **argv)
{
	struct opts o;
	struct err e = ERR_INIT;
	struct ctr *list = NULL;
	struct table t = { 0 };
	struct json_value *v;
	size_t n = 0, i, shown = 0, limit = 0;
	int64_t now = ctr_now_ns(), ct;
	int all, trunc, is_table;
	const char *fmt;
	char *tmpl = NULL, *out;

	xopts(&o, ps_spec, ps_usage, argc, argv, 2);
	all = opt_on(&o, "all") || opt_on(&o, "latest") ||
	    opt_str(&o, "last");
	trunc = !opt_on(&o, "no-trunc");
	if (opt_on(&o, "latest"))
		limit = 1;
	else if (opt_num(&o, "last", 0) > 0)
		limit = (size_t)opt_num(&o, "last", 0);
	if (ctr_list(rk.cfg.state, &list, &n, &e) < 0)
		die_err(&e, 1);
	fmt = opt_str(&o, "format");
	if (!fmt || !*fmt)
		fmt = fmt_default;
	if (table_format(fmt, &tmpl, &is_table, &e) < 0)
		die_err(&e, 1);
	if (is_table && !opt_on(&o, "quiet")) {
		v = xstring_object(headers,
		    sizeof(headers) / sizeof(headers[0]));
		xtemplate_emit(tmpl, v, &t);
		json_free(v);
	}
	for (i = 0; i < n; i++) {
		struct ctr *c = &list[i];
		char id[CTR_ID_LEN + 1], cmd[1100], created[64], status[128];
		char ports[1024];
		const char *img = json_str(ctr_get(c, "Config.Image"));
		const char *cat = json_str(ctr_get(c, "Created"));

		if (!all && c->st.status != CTR_RUNNING)
			continue;
		if (limit && shown >= limit)
			break;
		shown++;
		snprintf(id, sizeof(id), "%.*s", trunc ? CTR_SHORT_ID :
		    CTR_ID_LEN, c->id);
		if (opt_on(&o, "quiet")) {
			printf("%s\n", id);
			continue;
		}
		command_text(c, trunc, cmd, sizeof(cmd));
		if (cat && human_time_parse(cat, &ct) == 0) {
			char d[32];

			human_duration(now / 1000000000 - ct, d, sizeof(d));
			snprintf(created, sizeof(created), "%s ago", d);
		} else {
			snprintf(created, sizeof(created), "N/A");
		}
		ctr_status_text(c, now, status, sizeof(status));
		ports_ps_text(c, ports, sizeof(ports));
		{
			const char *vals[][2] = {
				{ "ID", id }, { "Image", img ? img : "" },
				{ "Command", cmd },
				{ "CreatedAt", cat ? cat : "" },
				{ "RunningFor", created },
				{ "Status", status },
				{ "State", ctr_status_name(c->st.status) },
				{ "Ports", ports }, { "Names", c->name },
			};

			v = xstring_object(vals, sizeof(vals) / sizeof(vals[0]));
			xtemplate_emit(tmpl, v, is_table ? &t : NULL);
			json_free(v);
		}
	}
	if (is_table && !opt_on(&o, "quiet")) {
		if (!(out = table_render(&t, TABLE_MINWIDTH, TABLE_PADDING,
		    &e)))
			die_err(&e, 1);
		fputs(out, stdout);
		free(out);
	}
	table_free(&t);
	free(tmpl);
	for (i = 0; i < n; i++)
		ctr_close(&list[i]);
	free(list);
	opts_free(&o);
	return 0;
}

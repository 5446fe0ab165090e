/* volume.c - manage volumes, like docker volume */

#include "applet.h"
#include "container.h"
#include "json.h"
#include "volume.h"

const char volume_usage[] =
"usage: rocker volume COMMAND [ARG...]\n"
"\n"
"Manage volumes (kept under the store, DATA-ROOT/volumes/NAME/_data).\n"
"\n"
"  create [NAME]          create a volume (a random name without NAME)\n"
"  ls [-q]                list volumes\n"
"  inspect NAME...        show volumes as JSON\n"
"  rm [-f] NAME...        remove volumes no container uses\n"
"  prune [-a] [-f]        remove unused anonymous volumes (all unused\n"
"                         ones with -a)\n";

static const char volume_spec[] = "<1q(quiet)f(force)a(all)";

/* Does any container (running or not) mount volume `name`? */
static int
in_use(const char *name, void *arg)
{
	struct ctr *list = arg;
	size_t i, j;

	for (i = 0; list && list[i].record; i++) {
		const struct json_value *m = ctr_get(&list[i], "Mounts");

		for (j = 0; j < json_len(m); j++) {
			const char *n = json_str(json_get(json_at(m, j),
			    "Name"));

			if (n && strcmp(n, name) == 0)
				return 1;
		}
	}
	return 0;
}

static struct ctr *
containers(void)
{
	struct err e = ERR_INIT;
	struct ctr *list = NULL, *v;
	size_t n = 0;

	if (ctr_list(rk.cfg.state, &list, &n, &e) < 0)
		die_err(&e, 1);
	/* A zeroed sentinel ends the array. */
	v = realloc(list, (n + 1) * sizeof(*v));
	if (!v)
		die_msg(1, "out of memory");
	memset(&v[n], 0, sizeof(v[n]));
	v[n].lockfd = v[n].monfd = -1;
	return v;
}

static void
free_containers(struct ctr *list)
{
	size_t i;

	for (i = 0; list && list[i].record; i++)
		ctr_close(&list[i]);
	free(list);
}

static void
print_json(const struct volume *v, size_t n)
{
	size_t i;

	printf("[\n");
	for (i = 0; i < n; i++)
		printf("    {\n        \"CreatedAt\": \"%s\",\n"
		    "        \"Driver\": \"local\",\n"
		    "        \"Labels\": null,\n"
		    "        \"Mountpoint\": \"%s\",\n"
		    "        \"Name\": \"%s\",\n"
		    "        \"Options\": null,\n"
		    "        \"Scope\": \"local\"\n    }%s\n", v[i].created,
		    v[i].mountpoint, v[i].name, i + 1 < n ? "," : "");
	printf("]\n");
}

int
volume_main(int argc, char **argv)
{
	struct opts o;
	struct err e = ERR_INIT;
	struct volume v, *list = NULL;
	struct ctr *ctrs;
	const char *cmd;
	size_t n = 0, i;
	int k, status = 0;

	xopts(&o, volume_spec, volume_usage, argc, argv, 2);
	cmd = o.argv[0];
	if (strcmp(cmd, "create") == 0) {
		if (o.argc > 2)
			die_msg(2, "create takes at most one name");
		if (o.argc == 2 && !volume_name_valid(o.argv[1]))
			die_msg(1, "create %s: \"%s\" includes invalid "
			    "characters for a local volume name, only "
			    "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed",
			    o.argv[1], o.argv[1]);
		if (volume_create(rk.cfg.root, o.argc == 2 ? o.argv[1] : NULL,
		    &v, &e) < 0)
			die_err(&e, 1);
		printf("%s\n", v.name);
	} else if (strcmp(cmd, "ls") == 0 || strcmp(cmd, "list") == 0) {
		if (volume_list(rk.cfg.root, &list, &n, &e) < 0)
			die_err(&e, 1);
		if (!opt_on(&o, "quiet"))
			printf("%-10s%s\n", "DRIVER", "VOLUME NAME");
		for (i = 0; i < n; i++) {
			if (opt_on(&o, "quiet"))
				printf("%s\n", list[i].name);
			else
				printf("%-10s%s\n", "local", list[i].name);
		}
	} else if (strcmp(cmd, "inspect") == 0) {
		if (o.argc < 2)
			die_msg(2, "inspect needs at least one volume");
		list = xmalloc((size_t)o.argc * sizeof(*list));
		for (k = 1; k < o.argc; k++) {
			if (volume_get(rk.cfg.root, o.argv[k], &list[n],
			    &e) < 0) {
				warn_err(&e);
				err_clear(&e);
				status = 1;
				continue;
			}
			n++;
		}
		print_json(list, n);
	} else if (strcmp(cmd, "rm") == 0 || strcmp(cmd, "remove") == 0) {
		if (o.argc < 2)
			die_msg(2, "rm needs at least one volume");
		ctrs = containers();
		for (k = 1; k < o.argc; k++) {
			if (volume_remove(rk.cfg.root, o.argv[k],
			    opt_on(&o, "force"), in_use(o.argv[k], ctrs),
			    &e) < 0) {
				warn_err(&e);
				err_clear(&e);
				status = 1;
				continue;
			}
			printf("%s\n", o.argv[k]);
		}
		free_containers(ctrs);
	} else if (strcmp(cmd, "prune") == 0) {
		uint64_t bytes = 0;

		ctrs = containers();
		if (volume_prune(rk.cfg.root, opt_on(&o, "all"), in_use, ctrs,
		    &list, &n, &bytes, &e) < 0)
			die_err(&e, 1);
		if (n)
			printf("Deleted Volumes:\n");
		for (i = 0; i < n; i++)
			printf("%s\n", list[i].name);
		printf("\nTotal reclaimed space: %llu B\n",
		    (unsigned long long)bytes);
		free_containers(ctrs);
	} else {
		die_msg(2, "unknown command \"%s\" (create, ls, inspect, rm, "
		    "prune)", cmd);
	}
	free(list);
	opts_free(&o);
	return status;
}

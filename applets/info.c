/* info.c - show rocker's effective configuration and build, like docker info */

#include <sys/utsname.h>

#include "applet.h"
#include "json.h"
#include "sha256.h"

const char info_usage[] =
"usage: rocker info [-f json]\n"
"\n"
"Show the settings in effect (defaults, then the config file, then the\n"
"environment, then global options) and facts about this build and host.\n"
"\n"
"  -f, --format F   \"json\" prints the settings as a config-file document\n";

static const char info_spec[] = ">0f(format):";

/* The driver the store probed last time (ROOT/driver), if any. */
static void
print_driver(const struct config *c)
{
	char path[PATH_MAX + 16], buf[2048];
	struct json_value *root = NULL;
	struct err e = ERR_INIT;
	FILE *f;
	size_t n = 0;
	const char *name, *why;

	if (c->driver[0]) {
		printf("Storage Driver: %s (set in the configuration)\n",
		    c->driver);
		return;
	}
	snprintf(path, sizeof(path), "%s/driver", c->root);
	f = fopen(path, "r");
	if (f) {
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		root = json_parse(buf, n, NULL, &e);
	}
	name = json_str(json_obj_get(root, "driver"));
	why = json_str(json_obj_get(root, "reason"));
	if (name)
		printf("Storage Driver: %s (%s)\n", name, why ? why : "");
	else
		printf("Storage Driver: (probed at the first pull)\n");
	json_free(root);
}

static void
print_list(const char *title, char list[][CONFIG_STR_MAX], int n)
{
	int i;

	printf("%s:", title);
	if (!n)
		printf(" (none)");
	for (i = 0; i < n; i++)
		printf("\n  %s", list[i]);
	putchar('\n');
}

int
info_main(int argc, char **argv)
{
	struct opts o;
	struct err e = ERR_INIT;
	struct utsname u;
	const char *fmt;
	char *json;
	const struct config *c = &rk.cfg;

	xopts(&o, info_spec, info_usage, argc, argv, 2);
	fmt = opt_str(&o, "format");
	if (fmt && strcmp(fmt, "json") == 0) {
		if (config_to_json(c, &json, &e) < 0)
			die_err(&e, 1);
		puts(json);
		free(json);
		opts_free(&o);
		return 0;
	}
	if (fmt)
		die_msg(2, "unknown format \"%s\" (json)", fmt);
	printf("Version: %s\n", rocker_version);
	printf("Config File: %s\n", c->file[0] ? c->file : "(none)");
	printf("Root Dir: %s\n", c->root);
	printf("State Dir: %s\n", c->state);
	printf("Default Registry: %s\n", c->registry);
	print_list("Registry Mirrors", (char (*)[CONFIG_STR_MAX])c->mirrors,
	    c->nmirrors);
	print_list("Insecure Registries",
	    (char (*)[CONFIG_STR_MAX])c->insecure, c->ninsecure);
	printf("Bridge: %s %s\n", c->bridge, c->subnet);
	print_driver(c);
	printf("Max Concurrent Downloads: %d\n", c->max_downloads);
	printf("Registry Certificates: %s\n", c->certs_dir);
	printf("SHA-256: %s\n", sha256_accel() ? "SHA-NI" : "portable");
	if (uname(&u) == 0)
		printf("Kernel Version: %s\nArchitecture: %s\n", u.release,
		    u.machine);
	opts_free(&o);
	return 0;
}

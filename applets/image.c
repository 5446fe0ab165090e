/* image.c - manage images, like docker image ls|rm|tag|inspect|prune|... */

#include "applet.h"
#include "human.h"
#include "image.h"
#include "ref.h"
#include "store.h"

const char image_usage[] =
"usage: rocker image COMMAND [ARGS...]\n"
"\n"
"Manage images. Commands (each answers --help):\n"
"  ls, list      list images (rocker images)\n"
"  rm, remove    remove images (rocker rmi)\n"
"  tag           name an image (rocker tag)\n"
"  inspect       image details as JSON (rocker inspect)\n"
"  prune         remove unused images, then unused layers and blobs\n"
"  load          load images from an archive (rocker load)\n"
"  save          write images to an archive (rocker save)\n"
"  import        make an image from a rootfs tarball (rocker import)\n";

static const char prune_usage[] =
"usage: rocker image prune [OPTIONS]\n"
"\n"
"Remove dangling images (without tags), or with -a every image no\n"
"container uses, then the layers and blobs nothing refers to any more.\n"
"The layers of containers are never removed.\n"
"\n"
"  -a, --all     remove all images that no container uses\n"
"  -f, --force   do not ask for confirmation\n";

static const char prune_spec[] = ">0a(all)f(force)";

/* The other applets' entry points; weak, as some builds leave them out. */
int images_main(int argc, char **argv) __attribute__((weak));
int rmi_main(int argc, char **argv) __attribute__((weak));
int tag_main(int argc, char **argv) __attribute__((weak));
int inspect_main(int argc, char **argv) __attribute__((weak));
int load_main(int argc, char **argv) __attribute__((weak));
int save_main(int argc, char **argv) __attribute__((weak));
int import_main(int argc, char **argv) __attribute__((weak));

static int prune_main(int argc, char **argv);

/* In the order of dispatch()'s table. */
static const struct {
	const char *name, *alias, *applet;
} cmds[] = {
	{ "ls", "list", "image ls" },
	{ "rm", "remove", "image rm" },
	{ "tag", NULL, "image tag" },
	{ "inspect", NULL, "image inspect" },
	{ "load", NULL, "image load" },
	{ "save", NULL, "image save" },
	{ "import", NULL, "image import" },
	{ "prune", NULL, "image prune" },
};

static int
dispatch(size_t i, int argc, char **argv)
{
	int (*fn[])(int, char **) = {
		images_main, rmi_main, tag_main, inspect_main, load_main,
		save_main, import_main, prune_main,
	};

	if (!fn[i])
		die_msg(127, "%s: not in this build", cmds[i].name);
	rk.applet = cmds[i].applet;
	return fn[i](argc, argv);
}

static void
report(void *ctx, enum image_event ev, const char *what)
{
	struct ref r;
	struct err e = ERR_INIT;
	char fam[REF_STR_MAX];
	int *n = ctx;

	if (!(*n)++)
		puts("Deleted Images:");
	if (ev == IMAGE_DELETED) {
		printf("deleted: %s\n", what);
		return;
	}
	if (ref_parse(&r, what, &e) == 0)
		ref_familiar(&r, fam, sizeof(fam));
	else
		snprintf(fam, sizeof(fam), "%s", what);
	printf("untagged: %s\n", fam);
}

static int
prune_main(int argc, char **argv)
{
	struct opts o;
	struct err e = ERR_INIT;
	struct store s;
	struct store_gc_stats st;
	struct image_rm_opts ro;
	struct image_user *users = NULL;
	size_t nusers = 0;
	char line[16], size[24];
	int all, n = 0;

	xopts(&o, prune_spec, prune_usage, argc, argv, 2);
	all = opt_on(&o, "all");
	if (!opt_on(&o, "force")) {
		printf("WARNING! This will remove %s.\nAre you sure you want "
		    "to continue? [y/N] ", all ? "all images without at least "
		    "one container associated to them" :
		    "all dangling images");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin) ||
		    (line[0] != 'y' && line[0] != 'Y')) {
			opts_free(&o);
			return 0;
		}
	}
	if (image_users(rk.cfg.state, &users, &nusers, &e) < 0 ||
	    store_open(&s, rk.cfg.root, STORE_EXCLUSIVE, &e) < 0)
		die_err(&e, 1);
	memset(&ro, 0, sizeof(ro));
	ro.force = 1;
	ro.users = users;
	ro.nusers = nusers;
	ro.report = report;
	ro.ctx = &n;
	memset(&st, 0, sizeof(st));
	if (image_prune(&s, all, &ro, &st, &e) < 0)
		die_err(&e, 1);
	store_close(&s);
	if (n)
		putchar('\n');
	human_size(st.bytes, size, sizeof(size));
	printf("Total reclaimed space: %s\n", size);
	image_users_free(users, nusers);
	opts_free(&o);
	return 0;
}

int
image_main(int argc, char **argv)
{
	size_t i;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(image_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0 || (cmds[i].alias &&
		    strcmp(argv[1], cmds[i].alias) == 0))
			return dispatch(i, argc - 1, argv + 1);
	warn_msg("unknown command \"%s\"", argv[1]);
	fprintf(stderr, "See 'rocker image --help'.\n");
	return 2;
}

/* rmi.c - remove images, like docker rmi */

#include "applet.h"
#include "image.h"
#include "ref.h"
#include "store.h"

const char rmi_usage[] =
"usage: rocker rmi [OPTIONS] IMAGE [IMAGE...]\n"
"\n"
"Remove images: untag the named references and delete images left\n"
"without one, as Docker does, then remove the layers and blobs nothing\n"
"uses any more. An image a container uses is refused (with -f a stopped\n"
"container's image goes anyway; a running one's never does).\n"
"\n"
"  -f, --force      remove the image even when it has several tags or a\n"
"                   stopped container uses it\n"
"      --no-prune   keep the layers and blobs (no garbage collection)\n";

static const char rmi_spec[] = "<1f(force)(no-prune)";

static int deleted;

static void
report(void *ctx, enum image_event ev, const char *what)
{
	struct ref r;
	struct err e = ERR_INIT;
	char fam[REF_STR_MAX];

	(void)ctx;
	if (ev == IMAGE_DELETED) {
		printf("Deleted: %s\n", what);
		deleted++;
		return;
	}
	if (ref_parse(&r, what, &e) == 0)
		ref_familiar(&r, fam, sizeof(fam));
	else
		snprintf(fam, sizeof(fam), "%s", what);
	printf("Untagged: %s\n", fam);
}

int
rmi_main(int argc, char **argv)
{
	struct opts o;
	struct err e = ERR_INIT;
	struct store s;
	struct image_rm_opts ro;
	struct image_user *users = NULL;
	char **pinned = NULL;
	size_t nusers = 0, npinned = 0;
	int i, status = 0;

	xopts(&o, rmi_spec, rmi_usage, argc, argv, 2);
	if (image_users(rk.cfg.state, &users, &nusers, &e) < 0)
		die_err(&e, 1);
	if (store_open(&s, rk.cfg.root, STORE_EXCLUSIVE, &e) < 0)
		die_err(&e, 1);
	memset(&ro, 0, sizeof(ro));
	ro.force = opt_on(&o, "force");
	ro.users = users;
	ro.nusers = nusers;
	ro.report = report;
	for (i = 0; i < o.argc; i++) {
		if (image_remove(&s, o.argv[i], &ro, &e) < 0) {
			warn_err(&e);
			status = 1;
		}
		fflush(stdout);
	}
	if (deleted && !opt_on(&o, "no-prune")) {
		if (image_pinned(&s, users, nusers, &pinned, &npinned,
		    &e) < 0 || store_gc(&s, (const char *const *)pinned,
		    npinned, NULL, &e) < 0) {
			warn_err(&e);
			status = 1;
		}
		image_strv_free(pinned, npinned);
	}
	store_close(&s);
	image_users_free(users, nusers);
	opts_free(&o);
	return status;
}

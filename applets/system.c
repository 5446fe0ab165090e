/* system.c - store maintenance: check (and repair) the image store */

#include "applet.h"
#include "fsck.h"
#include "store.h"

const char system_usage[] =
"usage: rocker system check [--repair] [-q]\n"
"\n"
"Check the image store and the containers that use it: every blob's\n"
"digest, every layer's metadata, parent chain and links, every image's\n"
"config, manifest and layers, every reference, every container's layers\n"
"and read-write layer. Prints one line per problem. Waits until no pull\n"
"or removal is in progress.\n"
"\n"
"  --repair     remove what is broken (damaged blobs, broken layers, the\n"
"               images and references that need them, stopped containers\n"
"               whose layers are gone, stray entries) and recreate missing\n"
"               links; what is sound is never touched\n"
"  -q, --quiet  print only problems, no summary\n"
"\n"
"Exit status: 0 when the store is sound (or was repaired), 1 when\n"
"problems remain.\n";

static const char system_spec[] = "<1>1q(quiet)(repair)";

static void
report(void *ctx, const struct fsck_problem *p)
{
	(void)ctx;
	switch (p->fix) {
	case FSCK_FOUND:
		printf("%s %s: %s (to repair: %s)\n", fsck_kind_name(p->kind),
		    p->name, p->what, p->action);
		break;
	case FSCK_FIXED:
		printf("%s %s: %s: repaired (%s)\n", fsck_kind_name(p->kind),
		    p->name, p->what, p->action);
		break;
	case FSCK_FIX_FAILED:
		printf("%s %s: %s: NOT repaired (%s: %s)\n",
		    fsck_kind_name(p->kind), p->name, p->what, p->action,
		    p->error ? p->error : "?");
		break;
	}
	fflush(stdout);
}

int
system_main(int argc, char **argv)
{
	struct opts o;
	struct err e = ERR_INIT;
	struct store s;
	struct fsck_opts fo;
	struct fsck_stats st;
	int left;

	xopts(&o, system_spec, system_usage, argc, argv, 2);
	if (strcmp(o.argv[0], "check") != 0)
		die_msg(2, "unknown command \"%s\" (see rocker system --help)",
		    o.argv[0]);
	if (store_open(&s, rk.cfg.root, STORE_EXCLUSIVE, &e) < 0)
		die_err(&e, 1);
	memset(&fo, 0, sizeof(fo));
	fo.state = rk.cfg.state;
	fo.repair = opt_on(&o, "repair");
	fo.report = report;
	if (fsck_store(&s, &fo, &st, &e) < 0) {
		store_close(&s);
		die_err(&e, 1);
	}
	store_close(&s);
	left = (int)(st.problems - st.fixed);
	if (!opt_on(&o, "quiet")) {
		printf("checked %u blobs, %u layers, %u links, %u images, "
		    "%u references, %u containers: ", st.blobs, st.layers,
		    st.links, st.images, st.refs, st.containers);
		if (!st.problems)
			printf("no problems\n");
		else
			printf("%u problems, %u repaired\n", st.problems,
			    st.fixed);
	}
	opts_free(&o);
	return left ? 1 : 0;
}

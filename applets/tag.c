/* tag.c - give an image another name, like docker tag */

#include "applet.h"
#include "image.h"
#include "store.h"

const char tag_usage[] =
"usage: rocker tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]\n"
"\n"
"Create the tag TARGET_IMAGE that refers to SOURCE_IMAGE (a reference,\n"
"an image id or a unique id prefix). A tag that named another image\n"
"moves to this one.\n";

static const char tag_spec[] = "<2>2";

int
tag_main(int argc, char **argv)
{
	struct opts o;
	struct err e = ERR_INIT;
	struct store s;

	xopts(&o, tag_spec, tag_usage, argc, argv, 2);
	if (store_open(&s, rk.cfg.root, STORE_SHARED, &e) < 0 ||
	    image_tag(&s, o.argv[0], o.argv[1], &e) < 0)
		die_err(&e, 1);
	store_close(&s);
	opts_free(&o);
	return 0;
}

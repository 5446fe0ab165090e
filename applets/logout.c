/* logout.c - remove stored registry credentials */

#include "applet.h"
#include "auth.h"
#include "ref.h"

const char logout_usage[] =
"usage: rocker logout [SERVER]\n"
"\n"
"Remove the credentials stored for SERVER (Docker Hub when omitted) from\n"
"the docker CLI config.\n";

static const char logout_spec[] = ">1";

int
logout_main(int argc, char **argv)
{
	struct opts o;
	struct err e = ERR_INIT;
	struct ref ref;
	int r;

	xopts(&o, logout_spec, logout_usage, argc, argv, 2);
	r = ref_from_server(&ref, o.argc ? o.argv[0] : NULL, &e);
	if (r < 0)
		die_err(&e, 1);
	r = auth_config_erase(NULL, ref_cred_key(&ref), &e);
	if (r < 0)
		die_err(&e, 1);
	if (r == 0)
		printf("Not logged in to %s\n", ref_cred_key(&ref));
	else
		printf("Removing login credentials for %s\n",
		    ref_cred_key(&ref));
	opts_free(&o);
	return 0;
}

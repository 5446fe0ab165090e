/* rm.c - remove containers, like docker rm */

#include "applet.h"
#include "container.h"
#include "create.h"
#include "monitor.h"

const char rm_usage[] =
"usage: rocker rm [OPTIONS] CONTAINER [CONTAINER...]\n"
"\n"
"Remove containers: their record, read-write layer, log and cgroup.\n"
"A running container is refused unless -f, which kills it first.\n"
"\n"
"  -f, --force           kill a running container first\n"
"  -v, --volumes         also remove its anonymous volumes\n";

static const char rm_spec[] = "<1f(force)v(volumes)";

static int
remove_one(const char *key, int force, int volumes, struct err *e)
{
	struct ctr c;
	int r = -1;

	if (ctr_open(rk.cfg.state, key, &c, e) < 0)
		return -1;
	if (ctr_lock(&c, e) < 0)
		goto out;
	if (ctr_reload(&c, e) < 0)
		goto out;
	if (c.st.status == CTR_RUNNING || ctr_monitor_alive(&c)) {
		if (!force) {
			err_set(e, ERR_USAGE, "cannot remove container "
			    "\"/%s\": container is running: stop the "
			    "container before removing or force remove",
			    c.name);
			goto out;
		}
		if (monitor_stop(&rk.cfg, &c, 0, e) < 0)
			goto out;
	}
	if (create_remove(&rk.cfg, &c, volumes ? CREATE_RM_VOLUMES : 0,
	    e) < 0)
		goto out;
	r = 0;
out:
	ctr_close(&c);
	return r;
}

int
rm_main(int argc, char **argv)
{
	struct opts o;
	struct err e = ERR_INIT;
	int i, status = 0;

	xopts(&o, rm_spec, rm_usage, argc, argv, 2);
	for (i = 0; i < o.argc; i++) {
		if (remove_one(o.argv[i], opt_on(&o, "force"),
		    opt_on(&o, "volumes"), &e) < 0) {
			warn_err(&e);
			status = 1;
		} else {
			printf("%s\n", o.argv[i]);
		}
		err_clear(&e);
	}
	opts_free(&o);
	return status;
}

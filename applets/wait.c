/* wait.c - wait for containers to stop and print their exit codes */

#include "applet.h"
#include "container.h"

const char wait_usage[] =
"usage: rocker wait CONTAINER [CONTAINER...]\n"
"\n"
"Block until each container stops, then print its exit code.\n";

static const char wait_spec[] = "<1";

int
wait_main(int argc, char **argv)
{
	struct opts o;
	struct err e = ERR_INIT;
	struct ctr c;
	int i, status = 0;

	xopts(&o, wait_spec, wait_usage, argc, argv, 2);
	for (i = 0; i < o.argc; i++) {
		if (ctr_open(rk.cfg.state, o.argv[i], &c, &e) < 0 ||
		    ctr_wait_monitor(&c, -1, &e) < 0 ||
		    ctr_reload(&c, &e) < 0) {
			warn_err(&e);
			status = 1;
		} else {
			printf("%d\n", c.st.exit_code);
		}
		fflush(stdout);
		ctr_close(&c);
		err_clear(&e);
	}
	opts_free(&o);
	return status;
}

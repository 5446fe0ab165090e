/* stop.c - stop running containers, like docker stop */

#include "applet.h"
#include "container.h"
#include "monitor.h"

const char stop_usage[] =
"usage: rocker stop [OPTIONS] CONTAINER [CONTAINER...]\n"
"\n"
"Send each container its stop signal (StopSignal, SIGTERM by default),\n"
"then SIGKILL after the timeout, and wait until it has exited.\n"
"\n"
"  -t, --time N          seconds to wait before killing (default: the\n"
"                        container's --stop-timeout, 10)\n";

static const char stop_spec[] = "<1t(time|timeout)#";

int
stop_main(int argc, char **argv)
{
	struct opts o;
	struct err e = ERR_INIT;
	struct ctr c;
	int i, status = 0, t;

	xopts(&o, stop_spec, stop_usage, argc, argv, 2);
	t = (int)opt_num(&o, "time", -1);
	for (i = 0; i < o.argc; i++) {
		if (ctr_open(rk.cfg.state, o.argv[i], &c, &e) < 0 ||
		    monitor_stop(&rk.cfg, &c, t, &e) < 0) {
			warn_err(&e);
			status = 1;
		} else {
			printf("%s\n", o.argv[i]);
		}
		ctr_close(&c);
		err_clear(&e);
	}
	opts_free(&o);
	return status;
}

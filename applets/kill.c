/* kill.c - signal running containers, like docker kill */

#include <signal.h>

#include "applet.h"
#include "container.h"
#include "monitor.h"

const char kill_usage[] =
"usage: rocker kill [OPTIONS] CONTAINER [CONTAINER...]\n"
"\n"
"Send a signal (SIGKILL by default) to each container's main process.\n"
"\n"
"  -s, --signal SIG      signal name or number (KILL, SIGTERM, 15...)\n";

static const char kill_spec[] = "<1s(signal):";

int
kill_main(int argc, char **argv)
{
	struct opts o;
	struct err e = ERR_INIT;
	struct ctr c;
	const char *s;
	int i, status = 0, sig = SIGKILL;

	xopts(&o, kill_spec, kill_usage, argc, argv, 2);
	if ((s = opt_str(&o, "signal")) && (sig = monitor_signal_parse(s)) < 0)
		die_msg(2, "invalid signal: %s", s);
	for (i = 0; i < o.argc; i++) {
		if (ctr_open(rk.cfg.state, o.argv[i], &c, &e) < 0 ||
		    monitor_kill(&c, sig, &e) < 0) {
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

/* start.c - start stopped containers, like docker start */

#include <signal.h>

#include "applet.h"

extern char **environ;
#include "container.h"
#include "monitor.h"
#include "sealexe.h"
#include "tty.h"

const char start_usage[] =
"usage: rocker start [OPTIONS] CONTAINER [CONTAINER...]\n"
"\n"
"Start created or stopped containers again, in the background (or\n"
"attached with -a, which gives the container's exit status).\n"
"\n"
"  -a, --attach          attach stdout/stderr and wait (one container)\n"
"  -i, --interactive     attach stdin too\n";

static const char start_spec[] = "<1a(attach)i(interactive)";

int
start_main(int argc, char **argv)
{
	struct opts o;
	struct err e = ERR_INIT;
	struct monitor_opts mo;
	struct tty_saved saved;
	struct ctr c;
	int i, status = 0, code, attach, tty, raw = 0;

	if (sealexe_ensure(rk.argv, environ, &e) < 0)
		die_err(&e, 1);
	xopts(&o, start_spec, start_usage, argc, argv, 2);
	attach = opt_on(&o, "attach") || opt_on(&o, "interactive");
	if (attach && o.argc > 1)
		die_msg(2, "you cannot start and attach multiple containers "
		    "at once");
	for (i = 0; i < o.argc; i++) {
		if (ctr_open(rk.cfg.state, o.argv[i], &c, &e) < 0) {
			warn_err(&e);
			status = 1;
			continue;
		}
		memset(&mo, 0, sizeof(mo));
		mo.notify_fd = -1;
		mo.init = json_bool(ctr_get(&c, "HostConfig.Init"));
		mo.auto_remove = json_bool(ctr_get(&c, "HostConfig.AutoRemove"));
		tty = json_bool(ctr_get(&c, "Config.Tty"));
		if (ctr_monitor_alive(&c)) {
			/* Docker: starting a running container is a no-op. */
			printf("%s\n", o.argv[i]);
			ctr_close(&c);
			continue;
		}
		if (!attach) {
			if (monitor_spawn(&rk.cfg, &c, &mo, &code, &e) < 0) {
				warn_err(&e);
				status = 1;
			} else {
				printf("%s\n", o.argv[i]);
			}
			ctr_close(&c);
			err_clear(&e);
			continue;
		}
		mo.in = 0;
		mo.out = 1;
		mo.err = 2;
		mo.interactive = opt_on(&o, "interactive");
		mo.sig_proxy = !tty;
		signal(SIGPIPE, SIG_IGN);
		if (tty && mo.interactive && isatty(0) &&
		    tty_raw(0, &saved, &e) == 0)
			raw = 1;
		if (monitor_run(&rk.cfg, &c, &mo, &code, &e) < 0) {
			warn_err(&e);
			status = code;
		} else {
			status = code;
		}
		if (raw)
			tty_restore(&saved, NULL);
		ctr_close(&c);
	}
	opts_free(&o);
	return status;
}

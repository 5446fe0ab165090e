/* logs.c - print a container's output, like docker logs */

#include <signal.h>

#include "applet.h"
#include "io.h"
#include "container.h"
#include "logfile.h"

const char logs_usage[] =
"usage: rocker logs [OPTIONS] CONTAINER\n"
"\n"
"Print what the container wrote to stdout and stderr (each to the same\n"
"stream here), from its json-file log.\n"
"\n"
"  -f, --follow          keep printing new output until the container\n"
"                        stops\n"
"  -n, --tail N          only the last N lines (\"all\" by default)\n"
"  -t, --timestamps      prefix each line with its RFC 3339 time\n";

static const char logs_spec[] = "<1>1f(follow)n(tail):t(timestamps)";

int
logs_main(int argc, char **argv)
{
	struct opts o;
	struct err e = ERR_INIT;
	struct log_entry ent;
	struct logr r;
	struct ctr c;
	char path[PATH_MAX], *end;
	const char *tail;
	int ts, follow, n, ret = 1, stopping = 0;
	unsigned long long t = 0;

	xopts(&o, logs_spec, logs_usage, argc, argv, 2);
	ts = opt_on(&o, "timestamps");
	follow = opt_on(&o, "follow");
	tail = opt_str(&o, "tail");
	if (tail && strcmp(tail, "all") != 0) {
		errno = 0;
		t = strtoull(tail, &end, 10);
		if (errno || end == tail || *end || tail[0] == '-')
			die_msg(2, "invalid value for --tail: %s", tail);
	}
	memset(&r, 0, sizeof(r));
	signal(SIGPIPE, SIG_IGN);
	if (ctr_open(rk.cfg.state, o.argv[0], &c, &e) < 0)
		die_err(&e, 1);
	io_pathf(path, sizeof(path), "%s/container.log", c.dir);
	if (logr_open(&r, path, &e) < 0) {
		if (e.code != ENOENT)
			goto out;
		/* Nothing written yet (or a --rm container's direct
		 * output): an empty log. */
		if (!follow) {
			ret = 0;
			goto out;
		}
		while (logr_open(&r, path, &e) < 0 && ctr_monitor_alive(&c)) {
			logr_close(&r);
			usleep(100000);
		}
		err_clear(&e);
		if (r.fd < 0 || !r.buf) {
			ret = 0;
			goto out;
		}
	}
	if (tail && strcmp(tail, "all") != 0 && logr_tail(&r, (size_t)t,
	    &e) < 0)
		goto out;
	for (;;) {
		n = logr_next(&r, &ent, &e);
		if (n < 0)
			goto out;
		if (n == 1) {
			if (log_entry_write(&ent, 1, 2, ts, &e) < 0) {
				if (e.code == EPIPE)
					ret = 0;
				goto out;
			}
			continue;
		}
		if (!follow || stopping)
			break;
		if (!ctr_monitor_alive(&c)) {
			stopping = 1;	/* drain what is left, then stop */
			continue;
		}
		if (logr_wait(&r, -1, 250, &e) < 0)
			goto out;
	}
	ret = 0;
out:
	if (ret)
		warn_err(&e);
	logr_close(&r);
	ctr_close(&c);
	opts_free(&o);
	return ret;
}

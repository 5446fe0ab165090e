/* monitor.h - the per-container monitor (the role conmon plays for podman)
 *
 * One process per running container owns it: it holds the monitor lock
 * (an flock on the container directory) for as long as it lives, starts
 * the container from its bundle with the runtime, moves the container's
 * stdio between the user's terminal (attached) and the json-file log,
 * records the start and the exit (status, time, OOM kill) in state.json,
 * and cleans up when the container exits: the cgroup, the rootfs mount
 * and, with --rm, the container itself. The container's init dies with
 * its monitor (PR_SET_PDEATHSIG), so a container never runs unsupervised;
 * a monitor killed with SIGKILL leaves a record that says "running" with a
 * free monitor lock, which readers report as exited.
 */
#ifndef ROCKER_MONITOR_H
#define ROCKER_MONITOR_H

#include "config.h"
#include "container.h"
#include "err.h"

struct monitor_opts {
	int in, out, err;	/* the user's stdio, -1 when detached */
	int interactive;	/* -i: forward stdin */
	int sig_proxy;		/* forward SIGINT, SIGTERM... (attached) */
	int direct;		/* give in/out/err to the container itself:
				 * no relay, no log (run --rm, no -t) */
	int notify_fd;		/* >= 0: write "ok\n" or the error line and
				 * close it once the container has started
				 * (or failed to) */
	int init;		/* --init: run rocker's init applet as PID 1 */
	int auto_remove;	/* --rm */
};

/*
 * Run container `c` (created or exited) to completion as its monitor.
 * *code receives the container's exit status (128 + signal when killed),
 * or 125/126/127 when it could not start (then -1 is returned with `e`
 * set, and the record says so). Blocks until the container exits. 0 or -1.
 */
int monitor_run(const struct config *cfg, struct ctr *c,
    const struct monitor_opts *o, int *code, struct err *e);

/*
 * Start `c` detached: fork a monitor (a new session, stdio on /dev/null)
 * and return once the container has started (0) or failed to (-1 with
 * `e` set and *code 125/126/127).
 */
int monitor_spawn(const struct config *cfg, struct ctr *c,
    const struct monitor_opts *o, int *code, struct err *e);

/*
 * Stop `c` like `docker stop`: its stop signal (record Config.StopSignal,
 * SIGTERM by default) to the init, then SIGKILL to the whole cgroup after
 * `timeout` seconds (< 0: the record's StopTimeout), and wait until the
 * monitor has recorded the exit. A container that is not running is
 * success. 0 or -1.
 */
int monitor_stop(const struct config *cfg, struct ctr *c, int timeout,
    struct err *e);

/* Send `sig` to the container's init. ERR_USAGE "container ... is not
 * running" when it is not. 0 or -1. */
int monitor_kill(struct ctr *c, int sig, struct err *e);

/* Parse a signal given as a number, "KILL" or "SIGKILL". -1 if unknown. */
int monitor_signal_parse(const char *s);

#endif

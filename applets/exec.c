/* exec.c - run a command in a running container, like docker exec */

#include "applet.h"
#include "container.h"
#include "exec.h"
#include "sealexe.h"
#include "tty.h"

extern char **environ;

const char exec_usage[] =
"usage: rocker exec [OPTIONS] CONTAINER COMMAND [ARG...]\n"
"\n"
"Run COMMAND in the running CONTAINER (name, id or id prefix): in all its\n"
"namespaces and its cgroup, with its environment, user, working directory,\n"
"capabilities, no_new_privs and seccomp filter unless told otherwise. The\n"
"exit status is the command's; 1 means the container is not running, 125\n"
"rocker failed, 126 the command cannot be run, 127 it was not found.\n"
"\n"
"  -d, --detach            run in the background (prints nothing)\n"
"  -i, --interactive       keep stdin open\n"
"  -t, --tty               allocate a pseudo-terminal\n"
"  -e, --env K=V           set an environment variable (K alone: take it\n"
"                          from rocker's environment)\n"
"      --env-file FILE     read variables from FILE\n"
"  -u, --user USER[:GROUP] user (name or uid) inside the container\n"
"  -w, --workdir DIR       working directory inside the container\n"
"      --privileged        every capability, no seccomp filter\n";

static const char exec_spec[] =
    "^<2d(detach)i(interactive)t(tty)e(env)*(env-file)*u(user):"
    "w(workdir):(privileged)";

static char *const *
list(const struct opts *o, const char *key, size_t *n)
{
	int k = 0;
	char **v = opt_list(o, key, &k);

	*n = (size_t)k;
	return v;
}

int
exec_main(int argc, char **argv)
{
	struct opts o;
	struct err e = ERR_INIT, e2 = ERR_INIT;
	struct exec_opts eo;
	struct tty_saved saved;
	const char *p;
	int code = 125, raw = 0, r;

	xopts(&o, exec_spec, exec_usage, argc, argv, 125);
	/* Run from a sealed copy before anything joins the container: the
	 * one its monitor runs when it is this very binary. */
	if (!sealexe_is_sealed()) {
		struct ctr c;
		pid_t donor = 0;

		if (ctr_open(rk.cfg.state, o.argv[0], &c, &e) == 0)
			donor = c.st.monitor;
		ctr_close(&c);
		err_clear(&e);
		if (sealexe_ensure_like(donor, rk.argv, environ, &e) < 0)
			die_err(&e, 125);
	}
	memset(&eo, 0, sizeof(eo));
	eo.key = o.argv[0];
	eo.args = o.argv + 1;
	eo.nargs = (size_t)(o.argc - 1);
	eo.env = list(&o, "env", &eo.nenv);
	eo.env_files = list(&o, "env-file", &eo.nenv_files);
	eo.user = opt_str(&o, "user");
	eo.workdir = opt_str(&o, "workdir");
	eo.tty = opt_on(&o, "tty");
	eo.interactive = opt_on(&o, "interactive");
	eo.detach = opt_on(&o, "detach");
	eo.privileged = opt_on(&o, "privileged");
	eo.in = 0;
	eo.out = 1;
	eo.err = 2;
	/* Tests only (docs/exec.md): hold the process before its execve()
	 * so the test can look at it from inside the container. */
	if ((p = getenv("ROCKER_EXEC_PAUSE_MS")) && *p)
		eo.pause_ms = atoi(p);
	if (eo.tty && eo.interactive && !eo.detach && !isatty(0))
		die_msg(125, "the input device is not a TTY");
	if (eo.tty && eo.interactive && !eo.detach) {
		if (tty_raw(0, &saved, &e) < 0)
			die_err(&e, 125);
		raw = 1;
	}
	r = exec_run(&rk.cfg, &eo, &code, &e);
	if (raw)
		tty_restore(&saved, &e2);
	if (r < 0)
		warn_err(&e);
	opts_free(&o);
	return code;
}

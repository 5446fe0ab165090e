/* init.c - a minimal PID 1 for containers (run --init), like tini */

#include <signal.h>
#include <sys/wait.h>

#include "applet.h"

const char init_usage[] =
"usage: rocker init [--] COMMAND [ARG...]\n"
"\n"
"Run COMMAND as the only child of this process, forward every signal it\n"
"receives to that child, reap every zombie that is reparented to it, and\n"
"exit with the child's status (128 + signal when it was killed). `run\n"
"--init` starts it as the container's PID 1, as Docker does with tini.\n";

static const char init_spec[] = "^<1";

int
init_main(int argc, char **argv)
{
	struct opts o;
	sigset_t all, old;
	siginfo_t si;
	pid_t child, p;
	int st, sig, code = 0;

	xopts(&o, init_spec, init_usage, argc, argv, 2);
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	child = fork();
	if (child < 0)
		die_msg(1, "fork: %s", strerror(errno));
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		/* Its own process group, the terminal's foreground one. */
		setpgid(0, 0);
		if (isatty(0)) {
			signal(SIGTTOU, SIG_IGN);
			tcsetpgrp(0, getpid());
			signal(SIGTTOU, SIG_DFL);
		}
		execvp(o.argv[0], o.argv);
		warn_msg("exec %s: %s", o.argv[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	for (;;) {
		sig = sigwaitinfo(&all, &si);
		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(child, sig);
			continue;
		}
		while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
			if (p != child)
				continue;
			code = WIFEXITED(st) ? WEXITSTATUS(st) :
			    WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
			/* Reap what is left, then go. */
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			opts_free(&o);
			return code;
		}
	}
}

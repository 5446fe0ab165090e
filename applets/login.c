/* login.c - check credentials against a registry and store them */

#include <termios.h>

#include "applet.h"
#include "auth.h"
#include "ref.h"
#include "registry.h"

const char login_usage[] =
"usage: rocker login [-u USER] [-p PASSWORD | --password-stdin] [SERVER]\n"
"\n"
"Log in to a registry (Docker Hub when SERVER is omitted): the credentials\n"
"are checked against the registry, then stored in the docker CLI config\n"
"($DOCKER_CONFIG/config.json or ~/.docker/config.json, mode 0600), where\n"
"pull finds them.\n"
"\n"
"  -u, --username USER   user name (asked on the terminal if omitted)\n"
"  -p, --password PASS   password (insecure: prefer --password-stdin)\n"
"      --password-stdin  read the password from standard input\n";

static const char login_spec[] =
	">1u(username):p(password):(password-stdin)";

/* Read one line from `f` into buf without the newline; echo off on tty. */
static int
read_line(FILE *f, const char *prompt, int secret, char *buf, size_t size)
{
	struct termios old, raw;
	int tty = isatty(fileno(f)), restore = 0;
	size_t n;

	if (prompt && tty) {
		fputs(prompt, stderr);
		fflush(stderr);
	}
	if (secret && tty && tcgetattr(fileno(f), &old) == 0) {
		raw = old;
		raw.c_lflag &= ~ECHO;
		restore = tcsetattr(fileno(f), TCSAFLUSH, &raw) == 0;
	}
	if (!fgets(buf, (int)size, f))
		buf[0] = '\0';
	if (restore) {
		tcsetattr(fileno(f), TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return n ? 0 : -1;
}

int
login_main(int argc, char **argv)
{
	struct opts o;
	struct err e = ERR_INIT;
	struct ref ref;
	struct registry reg;
	struct auth_cred cred;
	int ret = 1;

	xopts(&o, login_spec, login_usage, argc, argv, 2);
	memset(&reg, 0, sizeof(reg));
	memset(&cred, 0, sizeof(cred));
	if (opt_str(&o, "p") && opt_on(&o, "password-stdin"))
		die_msg(2, "--password and --password-stdin are mutually "
		    "exclusive");
	if (opt_on(&o, "password-stdin") && !opt_str(&o, "u"))
		die_msg(2, "must provide --username with --password-stdin");
	if (ref_from_server(&ref, o.argc ? o.argv[0] : NULL, &e) < 0)
		goto out;
	if (opt_str(&o, "u"))
		snprintf(cred.username, sizeof(cred.username), "%s",
		    opt_str(&o, "u"));
	else if (read_line(stdin, "Username: ", 0, cred.username,
	    sizeof(cred.username)) < 0) {
		err_set(&e, ERR_USAGE, "username required");
		goto out;
	}
	if (opt_str(&o, "p")) {
		warn_msg("WARNING! Using --password via the CLI is insecure. "
		    "Use --password-stdin.");
		snprintf(cred.password, sizeof(cred.password), "%s",
		    opt_str(&o, "p"));
	} else if (read_line(stdin, opt_on(&o, "password-stdin") ? NULL :
	    "Password: ", 1, cred.password, sizeof(cred.password)) < 0) {
		err_set(&e, ERR_USAGE, "password required");
		goto out;
	}
	if (registry_open(&reg, &ref, &rk.cfg, &e) < 0 ||
	    registry_login(&reg, &cred, &e) < 0 ||
	    auth_config_store(NULL, ref_cred_key(&ref), &cred, &e) < 0)
		goto out;
	printf("Login Succeeded\n");
	ret = 0;
out:
	registry_close(&reg);
	auth_cred_clear(&cred);
	if (ret)
		warn_err(&e);
	opts_free(&o);
	return ret;
}

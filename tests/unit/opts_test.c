/* opts_test.c - the option-spec parser */

#include <string.h>

#include "check.h"
#include "opts.h"

/* Parse a space-separated command line (no quoting) against spec. */
static int
parse(struct opts *o, const char *spec, const char *line, struct err *e)
{
	static char buf[1024];
	static char *argv[64];
	int argc = 0;
	char *p;

	snprintf(buf, sizeof(buf), "%s", line);
	for (p = strtok(buf, " "); p && argc < 63; p = strtok(NULL, " "))
		argv[argc++] = p;
	argv[argc] = NULL;
	err_clear(e);
	return opts_parse(o, spec, argc, argv, e);
}

static const char run_spec[] =
	"^<1d(detach)i(interactive)t(tty)e(env)*(name):m(memory):(rm)"
	"(cpu-shares)#";

int
main(void)
{
	struct opts o;
	struct err e;
	char **l;
	int n, r;

	r = parse(&o, run_spec, "run -it --rm -e A=1 --env=B=2 -eC=3 img sh -c x",
	    &e);
	CHECK(r == 0, "run: parses");
	CHECK(opt_on(&o, "i") == 1 && opt_on(&o, "t") == 1, "grouped -it");
	CHECK(opt_on(&o, "interactive") == 1, "long key names the same option");
	CHECK(opt_on(&o, "rm") == 1 && opt_on(&o, "d") == 0, "long-only flag");
	l = opt_list(&o, "e", &n);
	CHECK(n == 3 && strcmp(l[0], "A=1") == 0 && strcmp(l[1], "B=2") == 0
	    && strcmp(l[2], "C=3") == 0, "list: -e X, --env=X, -eX in order");
	CHECK(o.argc == 4 && strcmp(o.argv[0], "img") == 0 &&
	    strcmp(o.argv[2], "-c") == 0 && o.argv[4] == NULL,
	    "^ stops at the first operand, argv NULL-terminated");
	opts_free(&o);

	r = parse(&o, run_spec, "run --name web -m 512m --cpu-shares 512 x",
	    &e);
	CHECK(r == 0 && strcmp(opt_str(&o, "name"), "web") == 0 &&
	    strcmp(opt_str(&o, "memory"), "512m") == 0, "string values");
	CHECK(opt_num(&o, "cpu-shares", -1) == 512, "number value");
	CHECK(opt_num(&o, "d", 7) == 7 && opt_str(&o, "tty") == NULL,
	    "absent options give defaults");
	opts_free(&o);

	r = parse(&o, run_spec, "run --name=a --name=b x", &e);
	CHECK(r == 0 && strcmp(opt_str(&o, "name"), "b") == 0,
	    "last string wins");
	opts_free(&o);

	r = parse(&o, run_spec, "run --rm=false -d=true x", &e);
	CHECK(r == 0 && opt_on(&o, "rm") == 0 && opt_on(&o, "d") == 1,
	    "boolean =false/=true");
	opts_free(&o);

	r = parse(&o, run_spec, "run --rm=maybe x", &e);
	CHECK(r < 0 && e.code == ERR_USAGE && strstr(e.msg, "--rm"),
	    "bad boolean names the option: %s", e.msg);
	opts_free(&o);

	r = parse(&o, run_spec, "run --bogus x", &e);
	CHECK(r < 0 && strcmp(e.msg, "unknown option --bogus") == 0,
	    "unknown long option: %s", e.msg);
	opts_free(&o);

	r = parse(&o, run_spec, "run -dZ x", &e);
	CHECK(r < 0 && strcmp(e.msg, "unknown option -Z") == 0,
	    "unknown short option in a group: %s", e.msg);
	opts_free(&o);

	r = parse(&o, run_spec, "run x --bogus", &e);
	CHECK(r == 0 && o.argc == 2, "after ^ stop, options are operands");
	opts_free(&o);

	r = parse(&o, run_spec, "run --name", &e);
	CHECK(r < 0 && strstr(e.msg, "--name") && strstr(e.msg, "value"),
	    "missing value: %s", e.msg);
	opts_free(&o);

	r = parse(&o, run_spec, "run -m", &e);
	CHECK(r < 0 && strstr(e.msg, "-m"), "missing short value: %s", e.msg);
	opts_free(&o);

	r = parse(&o, run_spec, "run --cpu-shares 12q x", &e);
	CHECK(r < 0 && strstr(e.msg, "12q") && strstr(e.msg, "--cpu-shares"),
	    "bad number: %s", e.msg);
	opts_free(&o);

	r = parse(&o, run_spec, "run -d", &e);
	CHECK(r < 0 && e.code == ERR_USAGE, "<1 needs an operand: %s", e.msg);
	opts_free(&o);

	r = parse(&o, run_spec, "run --help x", &e);
	CHECK(r == 1, "--help asks for help");
	opts_free(&o);

	r = parse(&o, run_spec, "run -h", &e);
	CHECK(r == 1, "-h asks for help when h is not an option");
	opts_free(&o);

	r = parse(&o, "h(hostname):", "x -h box", &e);
	CHECK(r == 0 && strcmp(opt_str(&o, "hostname"), "box") == 0,
	    "-h is an option when the spec defines it");
	opts_free(&o);

	r = parse(&o, "a(all)q", "ps one -a two -q", &e);
	CHECK(r == 0 && o.argc == 2 && opt_on(&o, "all") && opt_on(&o, "q"),
	    "without ^ options and operands interleave");
	opts_free(&o);

	r = parse(&o, "a", "x -- -a -", &e);
	CHECK(r == 0 && o.argc == 2 && !opt_on(&o, "a") &&
	    strcmp(o.argv[0], "-a") == 0 && strcmp(o.argv[1], "-") == 0,
	    "-- ends options, lone - is an operand");
	opts_free(&o);

	r = parse(&o, "v", "x -vvv -v", &e);
	CHECK(r == 0 && opt_on(&o, "v") == 4, "flags count");
	opts_free(&o);

	r = parse(&o, ">1q", "x a b", &e);
	CHECK(r < 0 && strstr(e.msg, "too many"), ">1: %s", e.msg);
	opts_free(&o);

	r = parse(&o, ">0q", "x", &e);
	CHECK(r == 0 && o.argc == 0 && o.argv && o.argv[0] == NULL,
	    "no operands: empty NULL-terminated argv");
	opts_free(&o);

	r = parse(&o, "<2", "x a", &e);
	CHECK(r < 0 && strstr(e.msg, "at least 2"), "<2: %s", e.msg);
	opts_free(&o);

	r = parse(&o, "f(format|fmt):", "x --fmt json", &e);
	CHECK(r == 0 && strcmp(opt_str(&o, "format"), "json") == 0,
	    "several long names for one option");
	opts_free(&o);

	memset(&o, 0, sizeof(o));
	opts_free(&o);
	opts_free(&o);
	CHECK(1, "opts_free is safe on a zeroed struct, twice");
	return check_done();
}

/* main.c - the multicall dispatcher: the program's only main()
 *
 * The applet comes from argv[0] ("rocker-pull", or "pull" when linked so)
 * or from the first operand ("rocker [GLOBAL OPTIONS] pull ..."). --help,
 * --list, --version, --install and "applet not found" (exit 127) are handled
 * here once for every applet, as BusyBox's appletlib does.
 */

#include <time.h>

#include "applet.h"

enum {
	APPLET_ROOT = 1,	/* refuses to run unless euid 0 */
	APPLET_HIDDEN = 2,	/* not listed or installed */
	APPLET_BARE = 4,	/* no config file or environment: runs inside
				 * containers (init) */
	EXIT_NOTFOUND = 127,
	EXIT_USAGE = 2,
};

struct applet {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *usage;
	int flags;
	const char *help;
};

/* Weak references: an applet left out of the build links as NULL. */
#define APPLET(n, f, h) \
	int n##_main(int argc, char **argv) __attribute__((weak)); \
	extern const char n##_usage[] __attribute__((weak));
#include "applets.def"
#undef APPLET

static const struct applet applets[] = {
#define APPLET(n, f, h) { #n, n##_main, n##_usage, f, h },
#include "applets.def"
#undef APPLET
};

static const char main_usage[] =
"usage: rocker [OPTIONS] APPLET [ARGS...]\n"
"       rocker-APPLET [ARGS...]\n"
"\n"
"A container engine in one static binary.\n"
"\n"
"Options:\n"
"      --config FILE   read settings from FILE (default "
"/etc/rocker/config.json)\n"
"  -D, --debug         print debug messages on stderr\n"
"      --root DIR      image store root (default /var/lib/rocker)\n"
"      --state DIR     container records (default /var/lib/rocker)\n"
"      --help          show this help; 'rocker APPLET --help' for one applet\n"
"      --install [-s] DIR  make DIR/rocker-APPLET links (-s: symbolic)\n"
"      --list          list applets, one per line\n"
"      --version       print the version\n";

/* Other names an applet answers to (argv[0] NAME or rocker-NAME). */
static const struct {
	const char *alias, *name;
} aliases[] = {
	{ "runc", "runtime" },	/* rocker-runc: the OCI runtime */
};

struct rocker rk;
const char rocker_version[] = ROCKER_VERSION;

static const struct applet *
find_applet(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(applets) / sizeof(applets[0]); i++)
		if (applets[i].main && strcmp(applets[i].name, name) == 0)
			return &applets[i];
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(aliases[i].alias, name) == 0)
			return find_applet(aliases[i].name);
	return NULL;
}

static int
listed(const struct applet *a)
{
	return a->main && !(a->flags & APPLET_HIDDEN);
}

static void
print_help(FILE *f)
{
	size_t i;

	fputs(main_usage, f);
	fputs("\nApplets:\n", f);
	for (i = 0; i < sizeof(applets) / sizeof(applets[0]); i++)
		if (listed(&applets[i]))
			fprintf(f, "  %-10s %s\n", applets[i].name,
			    applets[i].help);
}

/* Debug lines carry the time since the first one, in ms, for profiling
 * (e.g. where `run` spends its milliseconds). */
static void
debug_sink(const char *msg)
{
	static struct timespec t0;
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	if (!t0.tv_sec && !t0.tv_nsec)
		t0 = t;
	fprintf(stderr, "rocker %s: debug: %8.3f %s\n", rk.applet,
	    (double)(t.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t.tv_nsec - t0.tv_nsec) / 1e6, msg);
}

/* Make DIR/rocker-NAME for every applet: hard links, or symlinks with -s. */
static int
install_links(const char *dir, int sym)
{
	char self[PATH_MAX], path[PATH_MAX];
	ssize_t n;
	size_t i;
	int r, status = 0;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0) {
		fprintf(stderr, "rocker: --install: /proc/self/exe: %s\n",
		    strerror(errno));
		return 1;
	}
	self[n] = '\0';
	for (i = 0; i < sizeof(applets) / sizeof(applets[0]); i++) {
		if (!listed(&applets[i]))
			continue;
		r = snprintf(path, sizeof(path), "%s/rocker-%s", dir,
		    applets[i].name);
		if (r < 0 || (size_t)r >= sizeof(path)) {
			fprintf(stderr, "rocker: --install: %s: name too "
			    "long\n", dir);
			return 1;
		}
		if (strcmp(path, self) == 0)
			continue;
		if (unlink(path) < 0 && errno != ENOENT)
			goto fail;
		if ((sym ? symlink(self, path) : link(self, path)) < 0)
			goto fail;
		continue;
fail:
		fprintf(stderr, "rocker: --install: %s: %s\n", path,
		    strerror(errno));
		status = 1;
	}
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		if (!find_applet(aliases[i].name))
			continue;
		r = snprintf(path, sizeof(path), "%s/rocker-%s", dir,
		    aliases[i].alias);
		if (r < 0 || (size_t)r >= sizeof(path) ||
		    (unlink(path) < 0 && errno != ENOENT) ||
		    (sym ? symlink(self, path) : link(self, path)) < 0) {
			fprintf(stderr, "rocker: --install: %s: %s\n", path,
			    strerror(errno));
			status = 1;
		}
	}
	return status;
}

/* "--name VALUE" or "--name=VALUE" at argv[*i]; NULL if not this option. */
static const char *
global_value(int argc, char **argv, int *i, const char *name)
{
	size_t len = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, len) != 0)
		return NULL;
	if (a[len] == '=')
		return a + len + 1;
	if (a[len] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		fprintf(stderr, "rocker: option %s needs a value\n", name);
		exit(EXIT_USAGE);
	}
	return argv[++*i];
}

static int
run_applet(const struct applet *a, int argc, char **argv,
    const char *root, const char *state, const char *cfgfile)
{
	struct err e = ERR_INIT;

	rk.applet = a->name;
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		fputs(a->usage, stdout);
		return 0;
	}
	if (getenv("ROCKER_DEBUG") && strcmp(getenv("ROCKER_DEBUG"), "0") != 0
	    && *getenv("ROCKER_DEBUG"))
		rk.debug = 1;
	if (rk.debug)
		log_set_sink(debug_sink);
	config_defaults(&rk.cfg);
	if (a->flags & APPLET_BARE)
		return a->main(argc, argv);
	if (config_load_file(&rk.cfg, cfgfile, &e) < 0 ||
	    config_load_env(&rk.cfg, &e) < 0 ||
	    (root && config_set(&rk.cfg, "data-root", root, &e) < 0) ||
	    (state && config_set(&rk.cfg, "exec-root", state, &e) < 0)) {
		warn_err(&e);
		return 1;
	}
	if ((a->flags & APPLET_ROOT) && geteuid() != 0) {
		warn_msg("must be run as root");
		return 1;
	}
	log_debug("config %s, root %s, state %s",
	    rk.cfg.file[0] ? rk.cfg.file : "(none)", rk.cfg.root, rk.cfg.state);
	return a->main(argc, argv);
}

int
main(int argc, char **argv)
{
	const char *name = argv[0] ? strrchr(argv[0], '/') : NULL;
	const char *root = NULL, *state = NULL, *cfgfile = NULL, *v;
	const struct applet *a;
	size_t i;
	int k;

	name = name ? name + 1 : argv[0] ? argv[0] : "rocker";
	rk.applet = "rocker";
	rk.argv = argv;
	if (strncmp(name, "rocker-", 7) == 0) {
		if (!(a = find_applet(name + 7))) {
			fprintf(stderr, "rocker: %s: applet not found\n",
			    name + 7);
			return EXIT_NOTFOUND;
		}
		return run_applet(a, argc, argv, NULL, NULL, NULL);
	}
	if ((a = find_applet(name)))
		return run_applet(a, argc, argv, NULL, NULL, NULL);

	for (k = 1; k < argc && argv[k][0] == '-'; k++) {
		const char *o = argv[k];

		if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
			print_help(stdout);
			return 0;
		} else if (strcmp(o, "--version") == 0 ||
		    strcmp(o, "-v") == 0) {
			printf("rocker version %s\n", rocker_version);
			return 0;
		} else if (strcmp(o, "--list") == 0) {
			for (i = 0; i < sizeof(applets) / sizeof(applets[0]);
			    i++)
				if (listed(&applets[i]))
					puts(applets[i].name);
			return 0;
		} else if (strcmp(o, "--install") == 0) {
			int sym = k + 1 < argc && strcmp(argv[k + 1], "-s") == 0;

			if (k + 1 + sym != argc - 1) {
				fprintf(stderr, "rocker: usage: rocker "
				    "--install [-s] DIR\n");
				return EXIT_USAGE;
			}
			return install_links(argv[argc - 1], sym);
		} else if (strcmp(o, "--debug") == 0 || strcmp(o, "-D") == 0) {
			rk.debug = 1;
		} else if ((v = global_value(argc, argv, &k, "--root"))) {
			root = v;
		} else if ((v = global_value(argc, argv, &k, "--state"))) {
			state = v;
		} else if ((v = global_value(argc, argv, &k, "--config"))) {
			cfgfile = v;
		} else if (strcmp(o, "--") == 0) {
			k++;
			break;
		} else {
			fprintf(stderr, "rocker: unknown option %s\n"
			    "See 'rocker --help'.\n", o);
			return EXIT_USAGE;
		}
	}
	if (k >= argc) {
		print_help(stdout);	/* as `docker` alone does */
		return 0;
	}
	if (!(a = find_applet(argv[k]))) {
		fprintf(stderr, "rocker: %s: applet not found\n", argv[k]);
		return EXIT_NOTFOUND;
	}
	return run_applet(a, argc - k, argv + k, root, state, cfgfile);
}

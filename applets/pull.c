/* pull.c - download an image from a registry into the store */

#include <signal.h>

#include "applet.h"
#include "pull.h"
#include "ref.h"
#include "store.h"

const char pull_usage[] =
"usage: rocker pull [OPTIONS] NAME[:TAG|@DIGEST]\n"
"\n"
"Download an image from a registry (Docker Hub unless NAME says another),\n"
"verifying every blob, and unpack its layers into the store.\n"
"\n"
"  -q, --quiet                    print only the image reference\n"
"      --platform OS/ARCH[/VAR]   pick this platform from a multi-platform\n"
"                                 image (default: the host's)\n"
"      --max-concurrent-downloads N  layers downloaded in parallel\n"
"                                 (default 3, or the config's)\n";

static const char pull_spec[] =
	"<1>1q(quiet)(platform):(max-concurrent-downloads)#";

enum {
	MAX_LINES = 1024,
	BAR = 50,
};

/* What the terminal shows: one line per layer, in first-seen order. */
struct view {
	FILE *out;			/* stdout (pull) or stderr (run) */
	int tty;
	int quiet;
	int nlines;
	int line_of[MAX_LINES];		/* layer index -> line + 1 */
	int last_state[MAX_LINES];
};

static void
human(char *buf, size_t size, double v)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	int u = 0;

	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(buf, size, "%.4g%s", v, units[u]);
}

static void
format_layer(const struct pull_event *ev, char *buf, size_t size)
{
	char a[32], b[32], bar[BAR + 3];
	int fill;

	switch (ev->state) {
	case PULL_WAITING:
		snprintf(buf, size, "%s: Waiting", ev->id);
		break;
	case PULL_DOWNLOADING:
		human(a, sizeof(a), (double)ev->done);
		human(b, sizeof(b), (double)ev->total);
		fill = ev->total ? (int)(ev->done * BAR / ev->total) : 0;
		if (fill > BAR)
			fill = BAR;
		memset(bar, ' ', BAR);
		memset(bar, '=', fill);
		if (fill < BAR)
			bar[fill] = '>';
		bar[BAR] = '\0';
		snprintf(buf, size, "%s: Downloading [%s] %8s/%s", ev->id, bar,
		    a, b);
		break;
	case PULL_RETRYING:
		snprintf(buf, size, "%s: Retrying: %.100s", ev->id,
		    ev->text ? ev->text : "");
		break;
	case PULL_VERIFYING:
		snprintf(buf, size, "%s: Verifying Checksum", ev->id);
		break;
	case PULL_COMPLETE:
		snprintf(buf, size, "%s: Pull complete", ev->id);
		break;
	case PULL_EXISTS:
		snprintf(buf, size, "%s: Already exists", ev->id);
		break;
	case PULL_FAILED:
		snprintf(buf, size, "%s: Failed", ev->id);
		break;
	default:
		snprintf(buf, size, "%s", ev->id);
	}
}

static void
progress(void *arg, const struct pull_event *ev)
{
	struct view *v = arg;
	char line[256];
	int idx, up;

	if (v->quiet)
		return;
	if (ev->layer < 0) {
		if (ev->text)
			fprintf(v->out, "%s\n", ev->text);
		fflush(v->out);
		return;
	}
	if (ev->layer >= MAX_LINES)
		return;
	format_layer(ev, line, sizeof(line));
	if (!v->tty) {
		/* One line per change of state; no byte counts. */
		if (v->last_state[ev->layer] == (int)ev->state)
			return;
		v->last_state[ev->layer] = ev->state;
		if (ev->state == PULL_DOWNLOADING)
			snprintf(line, sizeof(line), "%s: Downloading",
			    ev->id);
		fprintf(v->out, "%s\n", line);
		fflush(v->out);
		return;
	}
	idx = v->line_of[ev->layer] - 1;
	if (idx < 0) {
		idx = v->nlines++;
		v->line_of[ev->layer] = idx + 1;
		fprintf(v->out, "%s\n", line);
	} else {
		up = v->nlines - idx;
		fprintf(v->out, "\033[%dA\r\033[2K%s\n", up, line);
		if (up > 1)
			fprintf(v->out, "\033[%dB", up - 1);
	}
	fflush(v->out);
}

/* Did the user name a tag or digest (else Docker says "Using default")? */
static int
names_tag(const char *s)
{
	const char *slash = strrchr(s, '/');

	return strchr(slash ? slash : s, ':') || strchr(s, '@');
}

int
pull_for_run(struct store *s, const char *name, const char *platform,
    int quiet, struct err *e)
{
	struct pull_opts po;
	struct pull_result res;
	struct view view;
	struct ref ref;
	char reason[STORE_REASON_MAX];
	int driver;

	memset(&view, 0, sizeof(view));
	view.out = stderr;
	view.tty = isatty(2);
	view.quiet = quiet;
	memset(&po, 0, sizeof(po));
	po.platform = platform;
	po.max_concurrent = rk.cfg.max_downloads;
	po.max_bytes = rk.cfg.layer_max_bytes;
	po.max_entries = rk.cfg.layer_max_entries;
	po.progress = progress;
	po.arg = &view;
	if (ref_parse(&ref, name, e) < 0)
		return -1;
	driver = store_probe_driver(s, rk.cfg.driver, reason, sizeof(reason),
	    e);
	if (driver < 0)
		return -1;
	if (pull_image(s, driver, &rk.cfg, &ref, &po, &res, e) < 0)
		return -1;
	if (!quiet) {
		fprintf(stderr, "Digest: %s\n", res.digest);
		fprintf(stderr, "Status: %s for %s\n", res.up_to_date ?
		    "Image is up to date" : "Downloaded newer image",
		    res.familiar);
	}
	return 0;
}

int
pull_main(int argc, char **argv)
{
	struct opts o;
	struct err e = ERR_INIT;
	struct store s;
	struct ref ref;
	struct pull_opts po;
	struct pull_result res;
	struct view view;
	char reason[STORE_REASON_MAX];
	int driver, ret = 1;

	xopts(&o, pull_spec, pull_usage, argc, argv, 2);
	memset(&view, 0, sizeof(view));
	memset(&s, 0, sizeof(s));
	view.out = stdout;
	view.tty = isatty(1);
	view.quiet = opt_on(&o, "q");
	memset(&po, 0, sizeof(po));
	po.platform = opt_str(&o, "platform");
	po.max_concurrent = (int)opt_num(&o, "max-concurrent-downloads",
	    rk.cfg.max_downloads);
	if (po.max_concurrent < 1 || po.max_concurrent > 64)
		die_msg(2, "--max-concurrent-downloads must be 1 to 64");
	po.max_bytes = rk.cfg.layer_max_bytes;
	po.max_entries = rk.cfg.layer_max_entries;
	po.progress = progress;
	po.arg = &view;
	if (ref_parse(&ref, o.argv[0], &e) < 0)
		goto out;
	if (!names_tag(o.argv[0]) && !view.quiet)
		printf("Using default tag: latest\n");
	if (store_open(&s, rk.cfg.root, STORE_SHARED, &e) < 0)
		goto out;
	driver = store_probe_driver(&s, rk.cfg.driver, reason, sizeof(reason),
	    &e);
	if (driver < 0)
		goto out;
	log_debug("storage driver %s", reason);
	if (pull_image(&s, driver, &rk.cfg, &ref, &po, &res, &e) < 0)
		goto out;
	if (!view.quiet) {
		printf("Digest: %s\n", res.digest);
		printf("Status: %s for %s\n", res.up_to_date ?
		    "Image is up to date" : "Downloaded newer image",
		    res.familiar);
	}
	printf("%s\n", res.canonical);
	ret = 0;
out:
	store_close(&s);
	if (ret)
		warn_err(&e);
	opts_free(&o);
	return ret;
}

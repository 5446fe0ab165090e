/* commit.c - a new image from a container's changes, like docker commit */

#include <fcntl.h>

#include "applet.h"
#include "io.h"
#include "cgroup.h"
#include "commit.h"
#include "container.h"
#include "create.h"
#include "json.h"
#include "store.h"

const char commit_usage[] =
"usage: rocker commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]\n"
"\n"
"Make an image of the container's changes: one new layer (deletions as\n"
"whiteouts) on top of its image, with the container's Env, Cmd,\n"
"Entrypoint, WorkingDir, User and Labels. Prints the new image id.\n"
"\n"
"  -a, --author TEXT     author\n"
"  -m, --message TEXT    commit message\n"
"  -c, --change LINE     apply a Dockerfile instruction (CMD, ENTRYPOINT,\n"
"                        ENV, WORKDIR, USER, LABEL, EXPOSE, VOLUME)\n"
"  -p, --pause           pause a running container meanwhile (default\n"
"                        true; --pause=false to not)\n";

static const char commit_spec[] = "<1>2a(author):m(message):c(change)*"
    "p(pause):";

/* The container's Config members an image keeps, as one JSON object. */
static char *
config_of(const struct ctr *c, struct err *e)
{
	static const char *const keys[] = { "Env", "Cmd", "Entrypoint",
	    "WorkingDir", "User", "Labels", "StopSignal" };
	const struct json_value *cfg = ctr_get(c, "Config"), *v;
	struct json_writer w;
	size_t i, len;
	char *out;

	json_writer_init(&w, 0);
	json_writer_begin_object(&w);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		v = json_obj_get(cfg, keys[i]);
		if (!v || json_is_null(v) || (json_type(v) == JSON_STRING &&
		    !*json_str(v)))
			continue;
		json_writer_key(&w, keys[i]);
		json_writer_value(&w, v);
	}
	json_writer_end_object(&w);
	out = json_writer_finish(&w, &len, e);
	json_writer_free(&w);
	return out;
}

int
commit_main(int argc, char **argv)
{
	struct opts o;
	struct err e = ERR_INIT;
	struct commit_opts co;
	struct store s;
	struct ctr c;
	struct cg cg;
	char path[PATH_MAX], id[DIGEST_MAX], *cfg = NULL;
	const char *drv, *pause = NULL;
	int n, ret = 1, frozen = 0, copy;

	xopts(&o, commit_spec, commit_usage, argc, argv, 2);
	memset(&s, 0, sizeof(s));
	memset(&co, 0, sizeof(co));
	co.upperfd = co.rootfd = -1;
	if (ctr_open(rk.cfg.state, o.argv[0], &c, &e) < 0)
		die_err(&e, 1);
	if (ctr_lock(&c, &e) < 0 || !(cfg = config_of(&c, &e)))
		goto out;
	drv = json_str(ctr_get(&c, "Driver"));
	copy = drv && strcmp(drv, "copy") == 0;
	co.parent = json_str(ctr_get(&c, "Image"));
	co.driver = copy ? STORE_DRIVER_COPY : STORE_DRIVER_OVERLAY;
	co.tag = o.argc > 1 ? o.argv[1] : NULL;
	co.comment = opt_str(&o, "message");
	co.author = opt_str(&o, "author");
	co.config_json = cfg;
	co.changes = opt_list(&o, "change", &n);
	co.nchanges = (size_t)n;
	pause = opt_str(&o, "pause");
	if (ctr_monitor_alive(&c) && !(pause && (strcmp(pause, "false") == 0 ||
	    strcmp(pause, "0") == 0))) {
		ctr_cgroup_path(&c, path, sizeof(path));
		if (cg_open(&cg, "/sys/fs/cgroup", path, &e) == 0 &&
		    cg_freeze(&cg, 1, &e) == 0)
			frozen = 1;
		err_clear(&e);
	}
	if (copy) {
		const char *rootfs = json_str(ctr_get(&c, "Rootfs"));

		co.rootfd = rootfs ? open(rootfs, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC) : -1;
		if (co.rootfd < 0) {
			err_sys(&e, "open the container's rootfs");
			goto out;
		}
	} else {
		io_pathf(path, sizeof(path), "%s/rw/%s/upper", rk.cfg.root,
		    c.id);
		co.upperfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (co.upperfd < 0) {
			err_sys(&e, "open %s", path);
			goto out;
		}
	}
	if (store_open(&s, rk.cfg.root, STORE_SHARED, &e) < 0 ||
	    commit_image(&s, &co, id, &e) < 0)
		goto out;
	printf("%s\n", id);
	ret = 0;
out:
	if (frozen) {
		struct err e2 = ERR_INIT;

		cg_freeze(&cg, 0, &e2);
	}
	if (co.upperfd >= 0)
		close(co.upperfd);
	if (co.rootfd >= 0)
		close(co.rootfd);
	store_close(&s);
	if (ret)
		warn_err(&e);
	free(cfg);
	ctr_close(&c);
	opts_free(&o);
	return ret;
}

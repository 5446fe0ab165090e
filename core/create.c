/* create.c - a container from an image and the run flags (docker create) */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "beneath.h"
#include "caps.h"
#include "cgroup.h"
#include "config.h"
#include "container.h"
#include "copydrv.h"
#include "create.h"
#include "envfile.h"
#include "err.h"
#include "image.h"
#include "io.h"
#include "json.h"
#include "log.h"
#include "network.h"
#include "ports.h"
#include "seccomp.h"
#include "spec.h"
#include "store.h"
#include "user.h"
#include "volume.h"

#ifndef OVERLAYFS_SUPER_MAGIC
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#endif

enum {
	IMAGE_CONFIG_MAX = 8 << 20,
	ENVFILE_MAX = 4 << 20,
	MOUNT_DATA_MAX = 4096,
};

static const char DEFAULT_PATH_ENV[] =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

static const char *const masked_paths[] = {
	"/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore",
	"/proc/keys", "/proc/latency_stats", "/proc/timer_list",
	"/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
	"/sys/firmware", "/sys/devices/virtual/powercap",
};

static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
	"/proc/sysrq-trigger",
};

/* Docker's device cgroup allow-list (moby oci/defaults.go). */
static const struct spec_devrule default_devrules[] = {
	{ 0, 'a', -1, -1, "rwm" },
	{ 1, 'c', -1, -1, "m" },
	{ 1, 'b', -1, -1, "m" },
	{ 1, 'c', 1, 3, "rwm" },
	{ 1, 'c', 1, 5, "rwm" },
	{ 1, 'c', 1, 7, "rwm" },
	{ 1, 'c', 1, 8, "rwm" },
	{ 1, 'c', 1, 9, "rwm" },
	{ 1, 'c', 5, 0, "rwm" },
	{ 1, 'c', 5, 1, "rwm" },
	{ 1, 'c', 5, 2, "rwm" },
	{ 1, 'c', 136, -1, "rwm" },
	{ 1, 'c', 10, 200, "rwm" },
};

static const struct {
	const char *name;
	int res;
} rlimit_names[] = {
	{ "core", RLIMIT_CORE }, { "cpu", RLIMIT_CPU },
	{ "data", RLIMIT_DATA }, { "fsize", RLIMIT_FSIZE },
	{ "locks", RLIMIT_LOCKS }, { "memlock", RLIMIT_MEMLOCK },
	{ "msgqueue", RLIMIT_MSGQUEUE }, { "nice", RLIMIT_NICE },
	{ "nofile", RLIMIT_NOFILE }, { "nproc", RLIMIT_NPROC },
	{ "rss", RLIMIT_RSS }, { "rtprio", RLIMIT_RTPRIO },
	{ "rttime", RLIMIT_RTTIME }, { "sigpending", RLIMIT_SIGPENDING },
	{ "stack", RLIMIT_STACK },
};

/* --- small heap helpers (everything ends up owned by the spec) ------ */

static int
push(char ***v, size_t *n, const char *s, struct err *e)
{
	char **p, *d;

	d = strdup(s);
	p = d ? realloc(*v, (*n + 2) * sizeof(**v)) : NULL;
	if (!p) {
		free(d);
		return err_set(e, ENOMEM, "out of memory");
	}
	p[(*n)++] = d;
	p[*n] = NULL;
	*v = p;
	return 0;
}

static int
pushf(char ***v, size_t *n, struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
pushf(char ***v, size_t *n, struct err *e, const char *fmt, ...)
{
	char buf[PATH_MAX + 256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return push(v, n, buf, e);
}

/* Set KEY=VALUE in env, replacing an entry with the same key. */
static int
env_set(char ***env, size_t *n, const char *kv, struct err *e)
{
	const char *eq = strchr(kv, '=');
	size_t kl = eq ? (size_t)(eq - kv) : strlen(kv), i;
	char *d;

	for (i = 0; i < *n; i++)
		if (strncmp((*env)[i], kv, kl) == 0 &&
		    ((*env)[i][kl] == '=' || (*env)[i][kl] == '\0')) {
			if (!(d = strdup(kv)))
				return err_set(e, ENOMEM, "out of memory");
			free((*env)[i]);
			(*env)[i] = d;
			return 0;
		}
	return push(env, n, kv, e);
}

static int
env_has(char **env, size_t n, const char *key)
{
	size_t i, kl = strlen(key);

	for (i = 0; i < n; i++)
		if (strncmp(env[i], key, kl) == 0 && env[i][kl] == '=')
			return 1;
	return 0;
}

static struct spec_mount *
add_mount(struct spec *s, const char *dst, const char *type,
    const char *src, const char *opts, struct err *e)
{
	struct spec_mount *p, *m;
	char *o, *tok, *save = NULL;

	p = realloc(s->mounts, (s->nmounts + 1) * sizeof(*p));
	if (!p) {
		err_set(e, ENOMEM, "out of memory");
		return NULL;
	}
	s->mounts = p;
	m = &p[s->nmounts++];
	memset(m, 0, sizeof(*m));
	m->destination = strdup(dst);
	m->type = strdup(type);
	m->source = strdup(src);
	if (!m->destination || !m->type || !m->source) {
		err_set(e, ENOMEM, "out of memory");
		return NULL;
	}
	if (!(o = strdup(opts ? opts : ""))) {
		err_set(e, ENOMEM, "out of memory");
		return NULL;
	}
	for (tok = strtok_r(o, ",", &save); tok; tok = strtok_r(NULL, ",",
	    &save))
		if (push(&m->options, &m->noptions, tok, e) < 0) {
			free(o);
			return NULL;
		}
	free(o);
	return m;
}

/* --- flag parsing ---------------------------------------------------- */

static int
parse_size_flag(const char *val, const char *flag, int64_t *out,
    struct err *e)
{
	if (!val) {
		*out = SPEC_UNSET;
		return 0;
	}
	if (strcmp(val, "-1") == 0) {
		*out = INT64_MAX;
		return 0;
	}
	if (cg_parse_bytes(val, out, e) < 0)
		return err_set(e, ERR_USAGE, "invalid argument \"%s\" for "
		    "\"%s\" flag: %s", val, flag, e->msg);
	return 0;
}

static int
parse_int_flag(const char *val, const char *flag, int64_t min,
    int64_t *out, struct err *e)
{
	char *end;
	long long n;

	if (!val) {
		*out = SPEC_UNSET;
		return 0;
	}
	errno = 0;
	n = strtoll(val, &end, 10);
	if (errno || end == val || *end || n < min)
		return err_set(e, ERR_USAGE, "invalid argument \"%s\" for "
		    "\"%s\" flag: invalid value", val, flag);
	*out = n;
	return 0;
}

static int
parse_ulimit(const char *u, struct spec_rlimit *rl, struct err *e)
{
	const char *eq = strchr(u, '=');
	char *end;
	size_t i, n;
	unsigned long long soft, hard;

	if (!eq)
		return err_set(e, ERR_USAGE, "invalid ulimit argument: %s", u);
	n = (size_t)(eq - u);
	for (i = 0; i < sizeof(rlimit_names) / sizeof(rlimit_names[0]); i++)
		if (strlen(rlimit_names[i].name) == n &&
		    strncmp(rlimit_names[i].name, u, n) == 0)
			break;
	if (i == sizeof(rlimit_names) / sizeof(rlimit_names[0]))
		return err_set(e, ERR_USAGE, "invalid ulimit type: %.*s",
		    (int)n, u);
	errno = 0;
	soft = strtoull(eq + 1, &end, 10);
	if (errno || end == eq + 1 || (*end && *end != ':'))
		return err_set(e, ERR_USAGE, "invalid ulimit argument: %s", u);
	hard = soft;
	if (*end == ':') {
		const char *h = end + 1;

		hard = strtoull(h, &end, 10);
		if (errno || end == h || *end)
			return err_set(e, ERR_USAGE, "invalid ulimit "
			    "argument: %s", u);
	}
	if (soft > hard)
		return err_set(e, ERR_USAGE, "ulimit soft limit must be less "
		    "than or equal to hard limit: %llu > %llu", soft, hard);
	rl->type = rlimit_names[i].res;
	rl->soft = soft;
	rl->hard = hard;
	return 0;
}

/* --- image config ---------------------------------------------------- */

struct imgcfg {
	struct json_value *root;
	const struct json_value *cfg;	/* "config" (may be NULL) */
};

static int
load_image_config(struct store *s, const char *id, struct imgcfg *ic,
    struct err *e)
{
	char *buf = NULL;
	size_t len;

	memset(ic, 0, sizeof(*ic));
	if (store_blob_read(s, id, IMAGE_CONFIG_MAX, &buf, &len, e) < 0)
		return err_ctx(e, "image config");
	ic->root = json_parse(buf, len, NULL, e);
	free(buf);
	if (!ic->root)
		return err_ctx(e, "image config");
	ic->cfg = json_get(ic->root, "config");
	return 0;
}

static const struct json_value *
icfg(const struct imgcfg *ic, const char *key)
{
	return ic->cfg ? json_obj_get(ic->cfg, key) : NULL;
}

static int
push_json_strings(char ***v, size_t *n, const struct json_value *a,
    struct err *e)
{
	size_t i;

	if (json_type(a) != JSON_ARRAY)
		return 0;
	for (i = 0; i < json_len(a); i++)
		if (json_str(json_at(a, i)) && push(v, n,
		    json_str(json_at(a, i)), e) < 0)
			return -1;
	return 0;
}

/* --- files bind-mounted into the container --------------------------- */

/* --- volumes ------------------------------------------------------- */

static int
json_mount(struct json_writer *w, const char *type, const char *name,
    const char *src, const char *dst, int rw)
{
	json_writer_begin_object(w);
	json_writer_key(w, "Type");
	json_writer_string(w, type);
	if (name) {
		json_writer_key(w, "Name");
		json_writer_string(w, name);
	}
	json_writer_key(w, "Source");
	json_writer_string(w, src);
	json_writer_key(w, "Destination");
	json_writer_string(w, dst);
	json_writer_key(w, "Mode");
	json_writer_string(w, rw ? "" : "ro");
	json_writer_key(w, "RW");
	json_writer_bool(w, rw);
	json_writer_key(w, "Propagation");
	json_writer_string(w, type[0] == 'b' ? "rprivate" : "");
	json_writer_end_object(w);
	return 0;
}

/* Split -v SPEC into source, destination, options. */
static int
split_volume(const char *v, char *src, char *dst, char *opts,
    struct err *e)
{
	char buf[PATH_MAX * 2 + 64], *p[3] = { NULL, NULL, NULL }, *q;
	int n = 0;

	if (strlen(v) >= sizeof(buf))
		return err_set(e, ERR_USAGE, "invalid volume specification: "
		    "'%s'", v);
	strcpy(buf, v);
	for (q = buf; n < 3;) {
		p[n++] = q;
		q = strchr(q, ':');
		if (!q)
			break;
		*q++ = '\0';
	}
	if (q || n == 0 || !p[0][0])
		return err_set(e, ERR_USAGE, "invalid volume specification: "
		    "'%s'", v);
	src[0] = opts[0] = '\0';
	if (n == 1) {
		snprintf(dst, PATH_MAX, "%s", p[0]);
	} else {
		snprintf(src, PATH_MAX, "%s", p[0]);
		snprintf(dst, PATH_MAX, "%s", p[1]);
		if (n == 3)
			snprintf(opts, 64, "%s", p[2]);
	}
	if (dst[0] != '/')
		return err_set(e, ERR_USAGE, "invalid volume specification: "
		    "'%s': invalid mount config: mount path must be absolute",
		    v);
	return 0;
}

/* The -v flags: bind mounts, named and anonymous volumes. */
static int
add_volumes(const struct config *cfg, const struct create_opts *o,
    struct spec *sp, struct json_writer *mw, char ***binds, size_t *nbinds,
    struct err *e)
{
	char src[PATH_MAX], dst[PATH_MAX], opts[64], mo[128], *tok, *save;
	struct volume vol;
	struct stat sb;
	size_t i;
	int ro;

	for (i = 0; i < o->nvolumes; i++) {
		if (split_volume(o->volumes[i], src, dst, opts, e) < 0)
			return -1;
		ro = 0;
		snprintf(mo, sizeof(mo), "rbind");
		save = NULL;
		for (tok = strtok_r(opts, ",", &save); tok;
		    tok = strtok_r(NULL, ",", &save)) {
			if (strcmp(tok, "ro") == 0)
				ro = 1;
			else if (strcmp(tok, "rw") == 0 ||
			    strcmp(tok, "z") == 0 || strcmp(tok, "Z") == 0 ||
			    strcmp(tok, "nocopy") == 0)
				;
			else if (strstr("private rprivate slave rslave shared "
			    "rshared", tok))
				snprintf(mo + strlen(mo), sizeof(mo) -
				    strlen(mo), ",%s", tok);
			else
				return err_set(e, ERR_USAGE, "invalid mode: "
				    "%s", tok);
		}
		if (!strstr(mo, "private") && !strstr(mo, "slave") &&
		    !strstr(mo, "shared"))
			strcat(mo, ",rprivate");
		if (ro)
			strcat(mo, ",ro");
		if (src[0] == '/') {
			if (stat(src, &sb) < 0)
				return err_set(e, ERR_USAGE, "invalid mount "
				    "config for type \"bind\": bind source "
				    "path does not exist: %s", src);
			if (!add_mount(sp, dst, "bind", src, mo, e))
				return -1;
			json_mount(mw, "bind", NULL, src, dst, !ro);
			if (pushf(binds, nbinds, e, "%s", o->volumes[i]) < 0)
				return -1;
			continue;
		}
		if (src[0] && !volume_name_valid(src))
			return err_set(e, ERR_USAGE, "invalid volume "
			    "specification: '%s': \"%s\" includes invalid "
			    "characters for a local volume name, only "
			    "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed; if you "
			    "intended to pass a host directory, use absolute "
			    "path", o->volumes[i], src);
		if (volume_create(cfg->root, src[0] ? src : NULL, &vol, e) < 0)
			return err_ctx(e, "volume %s", src[0] ? src : dst);
		if (!add_mount(sp, dst, "bind", vol.mountpoint, mo, e))
			return -1;
		json_mount(mw, "volume", vol.name, vol.mountpoint, dst, !ro);
		if (src[0] && pushf(binds, nbinds, e, "%s", o->volumes[i]) < 0)
			return -1;
	}
	for (i = 0; i < o->ntmpfs; i++) {
		const char *colon = strchr(o->tmpfs[i], ':');
		char d[PATH_MAX], opt[512];

		snprintf(d, sizeof(d), "%.*s", colon ? (int)(colon -
		    o->tmpfs[i]) : (int)strlen(o->tmpfs[i]), o->tmpfs[i]);
		if (d[0] != '/')
			return err_set(e, ERR_USAGE, "invalid tmpfs "
			    "specification: %s: mount path must be absolute",
			    o->tmpfs[i]);
		snprintf(opt, sizeof(opt), "nosuid,nodev,noexec%s%s",
		    colon ? "," : "", colon ? colon + 1 : "");
		if (!add_mount(sp, d, "tmpfs", "tmpfs", opt, e))
			return -1;
	}
	return 0;
}

/* The image's VOLUME paths that no -v or --tmpfs covers get anonymous
 * volumes, as in Docker. */
static int
image_volumes(const struct config *cfg, const struct imgcfg *ic,
    struct spec *sp, struct json_writer *mw, struct err *e)
{
	const struct json_value *v = icfg(ic, "Volumes");
	struct volume vol;
	size_t i, j;

	if (json_type(v) != JSON_OBJECT)
		return 0;
	for (i = 0; i < json_len(v); i++) {
		const char *dst = json_str(json_key_at(v, i));

		if (!dst || dst[0] != '/')
			continue;
		for (j = 0; j < sp->nmounts; j++)
			if (strcmp(sp->mounts[j].destination, dst) == 0)
				break;
		if (j < sp->nmounts)
			continue;
		if (volume_create(cfg->root, NULL, &vol, e) < 0)
			return err_ctx(e, "volume for %s", dst);
		if (!add_mount(sp, dst, "bind", vol.mountpoint,
		    "rbind,rprivate", e))
			return -1;
		json_mount(mw, "volume", vol.name, vol.mountpoint, dst, 1);
	}
	return 0;
}

/* --- rootfs ----------------------------------------------------------- */

/* The chain ids of the container's rootfs: the lines of `image` after
 * the image id (a record made before they moved there: `layers`). */
static int
read_layers(struct ctr *c, char ***v, size_t *n, struct err *e)
{
	static const char *const files[] = { "image", "layers" };
	char path[PATH_MAX], line[256];
	size_t i;
	FILE *f;

	for (i = 0; i < 2 && *n == 0; i++) {
		int skip = i == 0;

		io_pathf(path, sizeof(path), "%s/%s", c->dir, files[i]);
		f = fopen(path, "re");
		if (!f)
			return err_sys(e, "open %s", path);
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = '\0';
			if (skip) {
				skip = 0;
				continue;
			}
			if (line[0] && push(v, n, line, e) < 0) {
				fclose(f);
				return -1;
			}
		}
		fclose(f);
	}
	return 0;
}

static void
strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
rootfs_path(const struct config *cfg, const struct ctr *c, char *out,
    size_t len)
{
	io_pathf(out, len, "%s/rw/%s/merged", cfg->root, c->id);
}

static int
is_mounted(const char *path)
{
	struct statfs fs;

	return statfs(path, &fs) == 0 &&
	    (unsigned long)fs.f_type == (unsigned long)OVERLAYFS_SUPER_MAGIC;
}

int
create_rootfs_mount(const struct config *cfg, struct ctr *c, struct err *e)
{
	char target[PATH_MAX], *data = NULL, **chains = NULL, **rev = NULL;
	const char *drv = json_str(ctr_get(c, "Driver"));
	size_t n = 0, i;
	struct store s;
	struct err e2 = ERR_INIT;
	int ret = -1, cwd = -1, r;

	if (drv && strcmp(drv, "copy") == 0)
		return 0;
	rootfs_path(cfg, c, target, sizeof(target));
	if (is_mounted(target))
		return 0;
	memset(&s, 0, sizeof(s));
	if (read_layers(c, &chains, &n, e) < 0)
		return -1;
	rev = calloc(n + 1, sizeof(*rev));
	data = malloc(MOUNT_DATA_MAX);
	if (!rev || !data) {
		err_set(e, ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		rev[i] = chains[i];
	if (store_open(&s, cfg->root, STORE_SHARED_QUICK, e) < 0)
		goto out;
	if (store_overlay_opts(&s, (const char *const *)rev, n, c->id, data,
	    MOUNT_DATA_MAX, e) < 0)
		goto out;
	/* The mount points layer on top when it fits the image; without it
	 * the init creates the mount points in the upper dir. */
	r = store_mountpoints(&s, (const char *const *)rev, n, &e2);
	if (r < 0)
		log_debug("create: no mount points layer: %s", e2.msg);
	if (r > 0 && strncmp(data, "lowerdir=", 9) == 0 &&
	    strlen(data) + 6 < MOUNT_DATA_MAX) {
		memmove(data + 14, data + 9, strlen(data + 9) + 1);
		memcpy(data + 9, "init:", 5);
	}
	/* The options are relative to the store root. */
	cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0 || fchdir(s.rootfd) < 0) {
		err_sys(e, "chdir to the store");
		goto out;
	}
	/* A --rm container's changes are thrown away: "volatile" (5.10+)
	 * spares the sync of the upper filesystem at unmount. */
	if (json_bool(ctr_get(c, "HostConfig.AutoRemove")) &&
	    strlen(data) + 10 < MOUNT_DATA_MAX) {
		strcat(data, ",volatile");
		if (mount("overlay", target, "overlay", 0, data) == 0) {
			fchdir(cwd);
			ret = 0;
			goto out;
		}
		data[strlen(data) - 9] = '\0';
	}
	if (mount("overlay", target, "overlay", 0, data) < 0) {
		err_sys(e, "mount the overlay root filesystem on %s", target);
		fchdir(cwd);
		goto out;
	}
	fchdir(cwd);
	ret = 0;
out:
	if (cwd >= 0)
		close(cwd);
	store_close(&s);
	free(rev);
	free(data);
	strv_free(chains, n);
	return ret;
}

int
create_rootfs_umount(const struct config *cfg, struct ctr *c, struct err *e)
{
	char target[PATH_MAX];

	rootfs_path(cfg, c, target, sizeof(target));
	while (is_mounted(target))
		if (umount2(target, MNT_DETACH) < 0)
			return err_sys(e, "unmount %s", target);
	return 0;
}

/* --- spec ------------------------------------------------------------ */

static int
privileged_devices(struct spec *sp, struct err *e)
{
	struct spec_device *p;
	struct dirent *d;
	struct stat sb;
	char path[PATH_MAX];
	DIR *dir;

	dir = opendir("/dev");
	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		io_pathf(path, sizeof(path), "/dev/%s", d->d_name);
		if (lstat(path, &sb) < 0 || !(S_ISCHR(sb.st_mode) ||
		    S_ISBLK(sb.st_mode)))
			continue;
		if (strcmp(d->d_name, "console") == 0 ||
		    strcmp(d->d_name, "ptmx") == 0 ||
		    strncmp(d->d_name, "tty", 3) == 0)
			continue;
		p = realloc(sp->devices, (sp->ndevices + 1) * sizeof(*p));
		if (!p) {
			closedir(dir);
			return err_set(e, ENOMEM, "out of memory");
		}
		sp->devices = p;
		p = &p[sp->ndevices++];
		memset(p, 0, sizeof(*p));
		p->path = strdup(path);
		p->type = S_ISCHR(sb.st_mode) ? 'c' : 'b';
		p->major = major(sb.st_rdev);
		p->minor = minor(sb.st_rdev);
		p->file_mode = sb.st_mode & 07777;
		p->uid = sb.st_uid;
		p->gid = sb.st_gid;
		if (!p->path) {
			closedir(dir);
			return err_set(e, ENOMEM, "out of memory");
		}
	}
	closedir(dir);
	return 0;
}

/* The capabilities this process could pass on: its bounding set. */
static uint64_t
bounding_set(void)
{
	uint64_t set = 0;
	int i;

	for (i = 0; i < 64; i++) {
		int r = prctl(PR_CAPBSET_READ, i, 0, 0, 0);

		if (r < 0)
			break;
		if (r == 1)
			set |= UINT64_C(1) << i;
	}
	return set;
}

static int
security_opts(const struct create_opts *o, int *nnp, int *seccomp,
    struct err *e)
{
	size_t i;
	const char *v;

	*nnp = !o->privileged;
	*seccomp = !o->privileged;
	for (i = 0; i < o->nsecurity_opt; i++) {
		v = o->security_opt[i];
		if (strcmp(v, "no-new-privileges") == 0 ||
		    strcmp(v, "no-new-privileges=true") == 0 ||
		    strcmp(v, "no-new-privileges:true") == 0)
			*nnp = 1;
		else if (strcmp(v, "no-new-privileges=false") == 0 ||
		    strcmp(v, "no-new-privileges:false") == 0)
			*nnp = 0;
		else if (strcmp(v, "seccomp=unconfined") == 0 ||
		    strcmp(v, "seccomp:unconfined") == 0)
			*seccomp = 0;
		else if (strcmp(v, "seccomp=default") == 0)
			*seccomp = 1;
		else if (strncmp(v, "apparmor", 8) == 0 ||
		    strncmp(v, "label", 5) == 0)
			;	/* no LSM here: accepted like on such hosts */
		else
			return err_set(e, ERR_USAGE, "invalid "
			    "--security-opt: %s", v);
	}
	return 0;
}

static void
net_opts_from(const struct create_opts *o, struct net_opts *no)
{
	memset(no, 0, sizeof(*no));
	no->network = o->network;
	no->ip = o->ip;
	no->dns = o->dns;
	no->ndns = o->ndns;
	no->dns_search = o->dns_search;
	no->ndns_search = o->ndns_search;
	no->add_hosts = o->add_hosts;
	no->nadd_hosts = o->nadd_hosts;
}

static const char *
hostname_for(const struct create_opts *o, const struct ctr *c,
    char *buf, size_t len)
{
	if (o->hostname)
		return o->hostname;
	if (o->network && strcmp(o->network, "host") == 0) {
		if (gethostname(buf, len) == 0) {
			buf[len - 1] = '\0';
			return buf;
		}
	}
	snprintf(buf, len, "%.12s", c->id);
	return buf;
}

/* Everything but the process user (which needs the mounted rootfs). */
static int
build_spec(const struct config *cfg, const struct create_opts *o,
    const struct imgcfg *ic, struct ctr *c, struct spec *sp,
    struct json_writer *rec, struct err *e)
{
	char path[PATH_MAX], hn[256], **binds = NULL;
	const char *hostname, *wd;
	struct json_writer mw;
	int hostnet, nnp, sc, mode;
	int64_t v;
	size_t i, nbinds = 0;
	uint64_t caps;
	struct cg_limits dummy;
	struct net_opts no;
	struct net_ctr nc;
	struct port_map *pm = NULL;
	size_t npm = 0;
	enum cg_mode cgm;
	int ret = -1;

	(void)dummy;
	json_writer_init(&mw, 0);
	spec_init(sp);
	net_opts_from(o, &no);
	if (net_ctr_create(cfg, c, &no, &nc, e) < 0)
		goto out;
	hostnet = nc.mode == NET_MODE_HOST;
	for (i = 0; i < o->npublish; i++)
		if (ports_parse(o->publish[i], &pm, &npm, e) < 0)
			goto out;
	if ((npm || o->publish_all) && nc.mode == NET_MODE_CONTAINER) {
		err_set(e, ERR_USAGE, "conflicting options: port publishing "
		    "and the container type network mode");
		goto out;
	}
	if (nc.mode == NET_MODE_BRIDGE &&
	    ports_check_free(cfg, c->id, pm, npm, e) < 0)
		goto out;
	if (security_opts(o, &nnp, &sc, e) < 0)
		goto out;
	if (!(sp->oci_version = strdup("1.0.2")))
		goto oom;
	rootfs_path(cfg, c, path, sizeof(path));
	if (!(sp->root_path = strdup(path)))
		goto oom;
	sp->root_readonly = o->read_only;
	hostname = hostname_for(o, c, hn, sizeof(hn));

	/* Namespaces. */
	sp->ns[SPEC_NS_MOUNT].present = 1;
	sp->ns[SPEC_NS_UTS].present = !(o->uts_mode &&
	    strcmp(o->uts_mode, "host") == 0);
	sp->ns[SPEC_NS_IPC].present = !(o->ipc_mode &&
	    strcmp(o->ipc_mode, "host") == 0);
	sp->ns[SPEC_NS_PID].present = !(o->pid_mode &&
	    strcmp(o->pid_mode, "host") == 0);
	sp->ns[SPEC_NS_NET].present = !hostnet;
	if (nc.mode == NET_MODE_CONTAINER &&
	    !(sp->ns[SPEC_NS_NET].path = strdup(nc.netns_path)))
		goto oom;
	/* With the host's UTS namespace the host name stays the host's. */
	if (sp->ns[SPEC_NS_UTS].present && !(sp->hostname = strdup(hostname)))
		goto oom;
	if (cg_detect("/sys/fs/cgroup", &cgm, e) < 0)
		goto out;
	sp->ns[SPEC_NS_CGROUP].present = cgm == CG_UNIFIED;

	/* Mounts, in Docker's order. */
	if (!add_mount(sp, "/proc", "proc", "proc", "nosuid,noexec,nodev",
	    e) ||
	    !add_mount(sp, "/dev", "tmpfs", "tmpfs",
	    "nosuid,strictatime,mode=755,size=65536k", e) ||
	    !add_mount(sp, "/dev/pts", "devpts", "devpts",
	    "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5", e) ||
	    !add_mount(sp, "/sys", "sysfs", "sysfs", o->privileged ?
	    "nosuid,noexec,nodev,rw" : "nosuid,noexec,nodev,ro", e) ||
	    !add_mount(sp, "/sys/fs/cgroup", "cgroup", "cgroup", o->privileged ?
	    "nosuid,noexec,nodev,relatime,rw" :
	    "nosuid,noexec,nodev,relatime,ro", e) ||
	    !add_mount(sp, "/dev/mqueue", "mqueue", "mqueue",
	    "nosuid,noexec,nodev", e))
		goto out;
	{
		char shm[64];

		v = 64 << 20;
		if (o->shm_size && parse_size_flag(o->shm_size, "--shm-size",
		    &v, e) < 0)
			goto out;
		snprintf(shm, sizeof(shm), "nosuid,noexec,nodev,mode=1777,"
		    "size=%lld", (long long)v);
		if (!add_mount(sp, "/dev/shm", "tmpfs", "shm", shm, e))
			goto out;
	}
	if (net_ctr_files(c, &nc, &no, hostname, e) < 0)
		goto out;
	snprintf(hn + strlen(hn), sizeof(hn) - strlen(hn), "%s", "");
	{
		char line[300];
		int n = snprintf(line, sizeof(line), "%s\n", hostname);

		if (ctr_write_file(c, "hostname", line, (size_t)n, 0644, e) < 0)
			goto out;
	}
	io_pathf(path, sizeof(path), "%s/resolv.conf", c->dir);
	if (!add_mount(sp, "/etc/resolv.conf", "bind", path, "rbind,rprivate",
	    e))
		goto out;
	io_pathf(path, sizeof(path), "%s/hostname", c->dir);
	if (!add_mount(sp, "/etc/hostname", "bind", path, "rbind,rprivate",
	    e))
		goto out;
	io_pathf(path, sizeof(path), "%s/hosts", c->dir);
	if (!add_mount(sp, "/etc/hosts", "bind", path, "rbind,rprivate", e))
		goto out;
	json_writer_begin_array(&mw);
	if (add_volumes(cfg, o, sp, &mw, &binds, &nbinds, e) < 0 ||
	    image_volumes(cfg, ic, sp, &mw, e) < 0)
		goto out;
	json_writer_end_array(&mw);

	/* Security. */
	if (!o->privileged) {
		glob_t g;

		for (i = 0; i < sizeof(masked_paths) / sizeof(*masked_paths);
		    i++)
			if (push(&sp->masked_paths, &sp->nmasked_paths,
			    masked_paths[i], e) < 0)
				goto out;
		if (glob("/sys/devices/system/cpu/cpu*/thermal_throttle", 0,
		    NULL, &g) == 0) {
			for (i = 0; i < g.gl_pathc; i++)
				if (push(&sp->masked_paths,
				    &sp->nmasked_paths, g.gl_pathv[i], e) < 0) {
					globfree(&g);
					goto out;
				}
			globfree(&g);
		}
		for (i = 0; i < sizeof(readonly_paths) /
		    sizeof(*readonly_paths); i++)
			if (push(&sp->readonly_paths, &sp->nreadonly_paths,
			    readonly_paths[i], e) < 0)
				goto out;
		sp->resources.devices = malloc(sizeof(default_devrules));
		if (!sp->resources.devices)
			goto oom;
		memcpy(sp->resources.devices, default_devrules,
		    sizeof(default_devrules));
		sp->resources.ndevices = sizeof(default_devrules) /
		    sizeof(default_devrules[0]);
	} else {
		if (privileged_devices(sp, e) < 0)
			goto out;
		sp->resources.devices = calloc(1, sizeof(struct spec_devrule));
		if (!sp->resources.devices)
			goto oom;
		sp->resources.devices[0].allow = 1;
		sp->resources.devices[0].type = 'a';
		sp->resources.devices[0].major = -1;
		sp->resources.devices[0].minor = -1;
		strcpy(sp->resources.devices[0].access, "rwm");
		sp->resources.ndevices = 1;
	}
	caps = o->privileged ? caps_all() : caps_docker_default();
	if (caps_apply_flags(caps, o->cap_add, o->ncap_add, o->cap_drop,
	    o->ncap_drop, &caps, e) < 0) {
		e->code = ERR_USAGE;
		goto out;
	}
	/* Nothing beyond what rocker itself may hold (a host whose
	 * bounding set lacks some, e.g. CAP_SYS_RESOURCE). */
	caps &= bounding_set();
	/* Without a device cgroup (cgroup v2 has no device files) mknod
	 * would create any device: drop CAP_MKNOD (R5.7). */
	if (cgm == CG_UNIFIED && !o->privileged)
		caps &= ~(UINT64_C(1) << 27);
	sp->process.has_caps = 1;
	sp->process.caps[SPEC_CAP_BOUNDING] = caps;
	sp->process.caps[SPEC_CAP_EFFECTIVE] = caps;
	sp->process.caps[SPEC_CAP_PERMITTED] = caps;
	sp->process.no_new_privileges = nnp;
	if (sc && !(sp->seccomp = seccomp_default_for_caps(caps,
	    SECCOMP_ARCH_NATIVE, e)))
		goto out;
	if (o->has_oom_score_adj) {
		sp->process.has_oom_score_adj = 1;
		sp->process.oom_score_adj = o->oom_score_adj;
	}
	for (i = 0; i < o->nsysctls; i++) {
		const char *eq = strchr(o->sysctls[i], '=');

		if (!eq || eq == o->sysctls[i]) {
			err_set(e, ERR_USAGE, "invalid argument \"%s\" for "
			    "\"--sysctl\" flag", o->sysctls[i]);
			goto out;
		}
		if (pushf(&sp->sysctl, &sp->nsysctl, e, "%.*s",
		    (int)(eq - o->sysctls[i]), o->sysctls[i]) < 0 ||
		    push(&sp->sysctl, &sp->nsysctl, eq + 1, e) < 0)
			goto out;
	}
	sp->nsysctl /= 2;
	if (o->nulimits) {
		sp->process.rlimits = calloc(o->nulimits,
		    sizeof(*sp->process.rlimits));
		if (!sp->process.rlimits)
			goto oom;
		for (i = 0; i < o->nulimits; i++)
			if (parse_ulimit(o->ulimits[i],
			    &sp->process.rlimits[i], e) < 0)
				goto out;
		sp->process.nrlimits = o->nulimits;
	}

	/* Resources. */
	{
		struct spec_resources *r = &sp->resources;
		int64_t q = SPEC_UNSET, per = SPEC_UNSET;

		if (parse_size_flag(o->memory, "-m, --memory",
		    &r->memory_limit, e) < 0 ||
		    parse_size_flag(o->memory_swap, "--memory-swap",
		    &r->memory_swap, e) < 0 ||
		    parse_size_flag(o->memory_reservation,
		    "--memory-reservation", &r->memory_reservation, e) < 0 ||
		    parse_int_flag(o->cpu_shares, "-c, --cpu-shares", 0,
		    &r->cpu_shares, e) < 0 ||
		    parse_int_flag(o->pids_limit, "--pids-limit", -1,
		    &r->pids_limit, e) < 0)
			goto out;
		if (r->memory_limit != SPEC_UNSET &&
		    r->memory_limit < 6 * 1024 * 1024) {
			err_set(e, ERR_USAGE, "Minimum memory limit allowed "
			    "is 6MB");
			goto out;
		}
		if (r->memory_swap != SPEC_UNSET && r->memory_swap !=
		    INT64_MAX) {
			if (r->memory_limit == SPEC_UNSET) {
				err_set(e, ERR_USAGE, "You should always set "
				    "the Memory limit when using Memoryswap "
				    "limit");
				goto out;
			}
			if (r->memory_swap < r->memory_limit) {
				err_set(e, ERR_USAGE, "Minimum memoryswap "
				    "limit should be larger than memory "
				    "limit, see usage");
				goto out;
			}
		}
		if (o->pids_limit && (r->pids_limit == 0 ||
		    r->pids_limit == -1))
			r->pids_limit = r->pids_limit ? INT64_MAX : SPEC_UNSET;
		if (o->cpus) {
			if (cg_parse_cpus(o->cpus, sysconf(_SC_NPROCESSORS_ONLN), &q,
			    &per, e) < 0) {
				err_set(e, ERR_USAGE, "invalid argument \"%s\" "
				    "for \"--cpus\" flag: %s", o->cpus,
				    e->msg);
				goto out;
			}
			r->cpu_quota = q;
			r->cpu_period = per;
		}
		if (o->cpuset_cpus && !(r->cpuset_cpus =
		    strdup(o->cpuset_cpus)))
			goto oom;
		if (o->cpuset_mems && !(r->cpuset_mems =
		    strdup(o->cpuset_mems)))
			goto oom;
	}
	{
		const char *cp = o->cgroup_parent ? o->cgroup_parent :
		    cfg->cgroup_parent;

		if (io_pathf(path, sizeof(path), "%s%s/%s", cp[0] == '/' ?
		    "" : "/", cp, c->id) < 0 || strstr(path, "/../") ||
		    strstr(path, "/./")) {
			err_set(e, ERR_USAGE, "invalid --cgroup-parent %s", cp);
			goto out;
		}
		if (!(sp->cgroups_path = strdup(path)))
			goto oom;
	}

	/* Process: args, env, cwd (user later). */
	{
		char **args = NULL;
		size_t nargs = 0;

		if (o->has_entrypoint) {
			if (o->entrypoint[0] && push(&args, &nargs,
			    o->entrypoint, e) < 0)
				goto out;
		} else if (push_json_strings(&args, &nargs,
		    icfg(ic, "Entrypoint"), e) < 0) {
			goto out;
		}
		if (o->ncmd) {
			for (i = 0; i < o->ncmd; i++)
				if (push(&args, &nargs, o->cmd[i], e) < 0)
					goto out;
		} else if (!o->has_entrypoint && push_json_strings(&args,
		    &nargs, icfg(ic, "Cmd"), e) < 0) {
			goto out;
		}
		sp->process.args = args;
		sp->process.nargs = nargs;
		if (!nargs) {
			err_set(e, ERR_USAGE, "no command specified");
			goto out;
		}
	}
	{
		char **env = NULL;
		size_t nenv = 0;

		if (push_json_strings(&env, &nenv, icfg(ic, "Env"), e) < 0)
			goto envfail;
		for (i = 0; i < o->nenv_files; i++) {
			char *buf, **fe = NULL;
			size_t len, nfe = 0, j;

			buf = io_read_file(o->env_files[i], ENVFILE_MAX,
			    &len, e);
			if (!buf || envfile_parse(buf, len, &fe, &nfe, e) < 0) {
				free(buf);
				e->code = ERR_USAGE;
				err_ctx(e, "open %s", o->env_files[i]);
				goto envfail;
			}
			free(buf);
			for (j = 0; j < nfe; j++)
				if (env_set(&env, &nenv, fe[j], e) < 0) {
					strv_free(fe, nfe);
					goto envfail;
				}
			strv_free(fe, nfe);
		}
		for (i = 0; i < o->nenv; i++) {
			const char *kv = o->env[i];

			if (!strchr(kv, '=')) {
				const char *val = getenv(kv);
				char *tmp;

				if (!val)
					continue;
				if (asprintf(&tmp, "%s=%s", kv, val) < 0)
					goto envfail;
				if (env_set(&env, &nenv, tmp, e) < 0) {
					free(tmp);
					goto envfail;
				}
				free(tmp);
				continue;
			}
			if (kv[0] == '=') {
				err_set(e, ERR_USAGE, "invalid environment "
				    "variable: %s", kv);
				goto envfail;
			}
			if (env_set(&env, &nenv, kv, e) < 0)
				goto envfail;
		}
		/* The record keeps the image's plus the user's env. */
		json_writer_key(rec, "Env");
		json_writer_begin_array(rec);
		for (i = 0; i < nenv; i++)
			json_writer_string(rec, env[i]);
		json_writer_end_array(rec);
		if (!env_has(env, nenv, "PATH") && env_set(&env, &nenv,
		    DEFAULT_PATH_ENV, e) < 0)
			goto envfail;
		if (pushf(&env, &nenv, e, "HOSTNAME=%s", hostname) < 0)
			goto envfail;
		if (o->tty && !env_has(env, nenv, "TERM") && env_set(&env,
		    &nenv, "TERM=xterm", e) < 0)
			goto envfail;
		sp->process.env = env;
		sp->process.nenv = nenv;
		goto envok;
envfail:
		strv_free(env, nenv);
		goto out;
envok:
		;
	}
	wd = o->workdir ? o->workdir : json_str(icfg(ic, "WorkingDir"));
	if (!wd || !*wd)
		wd = "/";
	if (wd[0] != '/') {
		err_set(e, ERR_USAGE, "the working directory '%s' is invalid, "
		    "it needs to be an absolute path", wd);
		goto out;
	}
	if (!(sp->process.cwd = strdup(wd)))
		goto oom;
	sp->process.terminal = o->tty;

	json_writer_key(rec, "ExposedPorts");
	ports_write_exposed(rec, icfg(ic, "ExposedPorts"), pm, npm);
	/* The record: Config ends here, then Mounts and HostConfig. */
	json_writer_end_object(rec);
	json_writer_key(rec, "Mounts");
	{
		char *mj;
		size_t ml;

		mj = json_writer_finish(&mw, &ml, e);
		if (!mj)
			goto out;
		json_writer_raw(rec, mj, ml);
		free(mj);
	}
	json_writer_key(rec, "HostConfig");
	json_writer_begin_object(rec);
	json_writer_key(rec, "Binds");
	json_writer_begin_array(rec);
	for (i = 0; i < nbinds; i++)
		json_writer_string(rec, binds[i]);
	json_writer_end_array(rec);
	json_writer_key(rec, "AutoRemove");
	json_writer_bool(rec, o->auto_remove);
	json_writer_key(rec, "Privileged");
	json_writer_bool(rec, o->privileged);
	json_writer_key(rec, "NetworkMode");
	json_writer_string(rec, nc.network);
	json_writer_key(rec, "PortBindings");
	ports_write_bindings(rec, pm, npm);
	json_writer_key(rec, "PublishAllPorts");
	json_writer_bool(rec, o->publish_all);
	json_writer_key(rec, "PidMode");
	json_writer_string(rec, o->pid_mode ? o->pid_mode : "");
	json_writer_key(rec, "IpcMode");
	json_writer_string(rec, o->ipc_mode ? o->ipc_mode : "private");
	json_writer_key(rec, "UTSMode");
	json_writer_string(rec, o->uts_mode ? o->uts_mode : "");
	json_writer_key(rec, "ReadonlyRootfs");
	json_writer_bool(rec, o->read_only);
	json_writer_key(rec, "Init");
	json_writer_bool(rec, o->init);
	json_writer_key(rec, "CgroupParent");
	json_writer_string(rec, o->cgroup_parent ? o->cgroup_parent :
	    cfg->cgroup_parent);
	json_writer_key(rec, "Memory");
	json_writer_int(rec, sp->resources.memory_limit == SPEC_UNSET ? 0 :
	    sp->resources.memory_limit);
	json_writer_key(rec, "MemorySwap");
	json_writer_int(rec, sp->resources.memory_swap == SPEC_UNSET ? 0 :
	    sp->resources.memory_swap == INT64_MAX ? -1 :
	    sp->resources.memory_swap);
	json_writer_key(rec, "NanoCpus");
	json_writer_int(rec, sp->resources.cpu_quota == SPEC_UNSET ? 0 :
	    sp->resources.cpu_quota * 1000000000LL /
	    sp->resources.cpu_period);
	json_writer_key(rec, "CpuShares");
	json_writer_int(rec, sp->resources.cpu_shares == SPEC_UNSET ? 0 :
	    sp->resources.cpu_shares);
	json_writer_key(rec, "CpusetCpus");
	json_writer_string(rec, o->cpuset_cpus ? o->cpuset_cpus : "");
	json_writer_key(rec, "PidsLimit");
	if (sp->resources.pids_limit == SPEC_UNSET)
		json_writer_null(rec);
	else
		json_writer_int(rec, sp->resources.pids_limit == INT64_MAX ?
		    -1 : sp->resources.pids_limit);
	json_writer_key(rec, "CapAdd");
	json_writer_begin_array(rec);
	for (i = 0; i < o->ncap_add; i++)
		json_writer_string(rec, o->cap_add[i]);
	json_writer_end_array(rec);
	json_writer_key(rec, "CapDrop");
	json_writer_begin_array(rec);
	for (i = 0; i < o->ncap_drop; i++)
		json_writer_string(rec, o->cap_drop[i]);
	json_writer_end_array(rec);
	json_writer_key(rec, "SecurityOpt");
	json_writer_begin_array(rec);
	for (i = 0; i < o->nsecurity_opt; i++)
		json_writer_string(rec, o->security_opt[i]);
	json_writer_end_array(rec);
	json_writer_key(rec, "Tmpfs");
	json_writer_begin_object(rec);
	for (i = 0; i < o->ntmpfs; i++) {
		const char *colon = strchr(o->tmpfs[i], ':');

		json_writer_keyn(rec, o->tmpfs[i], colon ? (size_t)(colon -
		    o->tmpfs[i]) : strlen(o->tmpfs[i]));
		json_writer_string(rec, colon ? colon + 1 : "");
	}
	json_writer_end_object(rec);
	json_writer_end_object(rec);
	mode = 0;
	(void)mode;
	ret = 0;
	goto out;
oom:
	err_set(e, ENOMEM, "out of memory");
out:
	json_writer_free(&mw);
	strv_free(binds, nbinds);
	free(pm);
	return ret;
}

/* The parts that need the mounted rootfs: user, home, workdir. */
static int
finish_spec(const struct create_opts *o, const struct imgcfg *ic,
    const char *rootfs, const char *cfgroot, struct ctr *c, struct spec *sp,
    struct err *e)
{
	const char *u = o->user ? o->user : json_str(icfg(ic, "User"));
	struct user_ids ids;
	int rootfd, fd, r = -1;

	memset(&ids, 0, sizeof(ids));
	rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return err_sys(e, "open %s", rootfs);
	if (user_resolve(rootfd, u, o->group_add, o->ngroup_add, &ids,
	    e) < 0)
		goto out;
	sp->process.uid = ids.uid;
	sp->process.gid = ids.gid;
	if (ids.ngids) {
		sp->process.gids = malloc(ids.ngids * sizeof(uint32_t));
		if (!sp->process.gids) {
			err_set(e, ENOMEM, "out of memory");
			goto out;
		}
		memcpy(sp->process.gids, ids.gids, ids.ngids *
		    sizeof(uint32_t));
		sp->process.ngids = ids.ngids;
	}
	if (!env_has(sp->process.env, sp->process.nenv, "HOME") &&
	    pushf(&sp->process.env, &sp->process.nenv, e, "HOME=%s",
	    ids.home[0] ? ids.home : "/") < 0)
		goto out;
	/* New (empty) volumes get what the image has at their path. */
	{
		const struct json_value *m = ctr_get(c, "Mounts");
		size_t i;

		for (i = 0; i < json_len(m); i++) {
			const struct json_value *x = json_at(m, i);
			const char *type = json_str(json_get(x, "Type"));
			const char *name = json_str(json_get(x, "Name"));
			const char *dst = json_str(json_get(x, "Destination"));
			int src, vol;

			if (!type || strcmp(type, "volume") != 0 || !name ||
			    !dst)
				continue;
			src = beneath_open(rootfd, dst, O_PATH | O_DIRECTORY,
			    e);
			if (src < 0) {
				err_clear(e);
				continue;
			}
			vol = volume_open_data(cfgroot, name, e);
			if (vol < 0 || volume_copy_up(src, vol, e) < 0) {
				close(src);
				if (vol >= 0)
					close(vol);
				err_ctx(e, "copy %s into volume %s", dst,
				    name);
				goto out;
			}
			close(src);
			close(vol);
		}
	}
	/* Docker creates the working directory. */
	fd = beneath_mkdir_p(rootfd, sp->process.cwd, 0755, e);
	if (fd < 0) {
		err_ctx(e, "working directory %s", sp->process.cwd);
		goto out;
	}
	close(fd);
	r = 0;
out:
	user_ids_free(&ids);
	close(rootfd);
	return r;
}

static int
write_record_start(struct json_writer *w, const struct create_opts *o,
    const struct imgcfg *ic, const char *image_id, const char *driver)
{
	const struct json_value *v;
	size_t i;

	json_writer_init(w, 0);
	json_writer_begin_object(w);
	json_writer_key(w, "Image");
	json_writer_string(w, image_id);
	json_writer_key(w, "Driver");
	json_writer_string(w, driver);
	json_writer_key(w, "Config");
	json_writer_begin_object(w);
	json_writer_key(w, "Image");
	json_writer_string(w, o->image);
	json_writer_key(w, "Tty");
	json_writer_bool(w, o->tty);
	json_writer_key(w, "OpenStdin");
	json_writer_bool(w, o->interactive);
	json_writer_key(w, "User");
	json_writer_string(w, o->user ? o->user :
	    json_str(icfg(ic, "User")) ? json_str(icfg(ic, "User")) : "");
	json_writer_key(w, "WorkingDir");
	json_writer_string(w, o->workdir ? o->workdir :
	    json_str(icfg(ic, "WorkingDir")) ?
	    json_str(icfg(ic, "WorkingDir")) : "");
	json_writer_key(w, "Hostname");
	json_writer_string(w, o->hostname ? o->hostname : "");
	json_writer_key(w, "Entrypoint");
	if (o->has_entrypoint) {
		json_writer_begin_array(w);
		if (o->entrypoint[0])
			json_writer_string(w, o->entrypoint);
		json_writer_end_array(w);
	} else if ((v = icfg(ic, "Entrypoint")) && !json_is_null(v)) {
		json_writer_value(w, v);
	} else {
		json_writer_null(w);
	}
	json_writer_key(w, "Cmd");
	if (o->ncmd) {
		json_writer_begin_array(w);
		for (i = 0; i < o->ncmd; i++)
			json_writer_string(w, o->cmd[i]);
		json_writer_end_array(w);
	} else if (!o->has_entrypoint && (v = icfg(ic, "Cmd")) &&
	    !json_is_null(v)) {
		json_writer_value(w, v);
	} else {
		json_writer_null(w);
	}
	json_writer_key(w, "StopSignal");
	json_writer_string(w, o->stop_signal ? o->stop_signal :
	    json_str(icfg(ic, "StopSignal")) ?
	    json_str(icfg(ic, "StopSignal")) : "SIGTERM");
	json_writer_key(w, "StopTimeout");
	json_writer_int(w, o->stop_timeout >= 0 ? o->stop_timeout : 10);
	if ((v = icfg(ic, "Labels")) && json_type(v) == JSON_OBJECT) {
		json_writer_key(w, "Labels");
		json_writer_value(w, v);
	}
	/* Env follows from build_spec(), then the object is closed. */
	return 0;
}

int
create_container(struct store *s, const struct config *cfg,
    const struct create_opts *o, struct ctr *c, struct err *e)
{
	struct store_image img;
	struct imgcfg ic;
	struct spec sp;
	struct json_writer rec;
	char **chains = NULL, *buf = NULL, *json = NULL, path[PATH_MAX];
	size_t i, len;
	int driver, have_ctr = 0, have_rw = 0, ret = -1;
	char reason[STORE_REASON_MAX];

	memset(&img, 0, sizeof(img));
	memset(&ic, 0, sizeof(ic));
	memset(&rec, 0, sizeof(rec));
	spec_init(&sp);
	memset(c, 0, sizeof(*c));
	c->lockfd = c->monfd = -1;
	if (o->found)
		img = *o->found;	/* borrowed: not freed here */
	else if (image_find(s, o->image, &img, NULL, NULL, e) < 0)
		goto out;
	if (load_image_config(s, img.id, &ic, e) < 0)
		goto out;
	driver = store_probe_driver(s, cfg->driver, reason, sizeof(reason),
	    e);
	if (driver < 0)
		goto out;
	chains = calloc(img.nlayers + 1, sizeof(*chains));
	if (!chains) {
		err_set(e, ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < img.nlayers; i++)
		chains[i] = img.layers[i].chain_id;
	write_record_start(&rec, o, &ic, img.id, store_driver_name(driver));
	/* The record is finished after the spec (Env, HostConfig...): build
	 * the container first with a placeholder, as the id is needed. */
	log_debug("create: image config read");
	if (ctr_create(cfg->state, o->name, img.id, chains, img.nlayers,
	    "{}", c, e) < 0)
		goto out;
	log_debug("create: record made");
	have_ctr = 1;
	if (build_spec(cfg, o, &ic, c, &sp, &rec, e) < 0)
		goto out;
	json_writer_key(&rec, "Path");
	json_writer_string(&rec, sp.process.args[0]);
	json_writer_key(&rec, "Args");
	json_writer_begin_array(&rec);
	for (i = 1; i < sp.process.nargs; i++)
		json_writer_string(&rec, sp.process.args[i]);
	json_writer_end_array(&rec);
	io_pathf(path, sizeof(path), "%s/container.log", c->dir);
	json_writer_key(&rec, "LogPath");
	json_writer_string(&rec, path);
	io_pathf(path, sizeof(path), "%s/resolv.conf", c->dir);
	json_writer_key(&rec, "ResolvConfPath");
	json_writer_string(&rec, path);
	io_pathf(path, sizeof(path), "%s/hostname", c->dir);
	json_writer_key(&rec, "HostnamePath");
	json_writer_string(&rec, path);
	io_pathf(path, sizeof(path), "%s/hosts", c->dir);
	json_writer_key(&rec, "HostsPath");
	json_writer_string(&rec, path);
	json_writer_key(&rec, "Rootfs");
	json_writer_string(&rec, sp.root_path);
	json_writer_end_object(&rec);
	json = json_writer_finish(&rec, &len, e);
	if (!json)
		goto out;
	/* Rewrite container.json with Id/Name/Created kept. */
	{
		struct json_value *full = json_parse(json, len, NULL, e);
		struct json_writer w2;
		char *out2;
		size_t l2, k;

		if (!full)
			goto out;
		json_writer_init(&w2, 1);
		json_writer_begin_object(&w2);
		json_writer_key(&w2, "Id");
		json_writer_string(&w2, c->id);
		json_writer_key(&w2, "Name");
		io_pathf(path, sizeof(path), "/%s", c->name);
		json_writer_string(&w2, path);
		json_writer_key(&w2, "Created");
		json_writer_value(&w2, ctr_get(c, "Created"));
		for (k = 0; k < json_len(full); k++) {
			json_writer_key(&w2, json_str(json_key_at(full, k)));
			json_writer_value(&w2, json_val_at(full, k));
		}
		json_writer_end_object(&w2);
		json_free(full);
		out2 = json_writer_finish(&w2, &l2, e);
		json_writer_free(&w2);
		if (!out2)
			goto out;
		if (ctr_write_file(c, "container.json", out2, l2, 0600, e) <
		    0) {
			free(out2);
			goto out;
		}
		json_free(c->record);
		c->record = json_parse(out2, l2, NULL, e);
		free(out2);
		if (!c->record)
			goto out;
	}
	log_debug("create: spec built");
	if (store_rw_create(s, c->id, e) < 0)
		goto out;
	have_rw = 1;
	if (driver == STORE_DRIVER_COPY) {
		io_pathf(path, sizeof(path), "%s/rw/%s/merged", cfg->root,
		    c->id);
		if (copydrv_populate(s, (const char *const *)chains,
		    img.nlayers, path, e) < 0)
			goto out;
	} else if (create_rootfs_mount(cfg, c, e) < 0) {
		goto out;
	}
	log_debug("create: rootfs mounted");
	if (finish_spec(o, &ic, sp.root_path, cfg->root, c, &sp, e) < 0)
		goto out;
	if (spec_write(&sp, &buf, &len, e) < 0)
		goto out;
	if (ctr_write_file(c, "config.json", buf, len, 0600, e) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0 && have_ctr) {
		struct err e2 = ERR_INIT;

		create_rootfs_umount(cfg, c, &e2);
		if (have_rw)
			store_rw_remove(s, c->id, &e2);
		net_ctr_remove(cfg, c, &e2);
		ctr_delete(c, &e2);
		ctr_close(c);
	}
	json_writer_free(&rec);
	free(json);
	free(buf);
	free(chains);
	spec_free(&sp);
	json_free(ic.root);
	if (!o->found)
		store_image_free(&img);
	return ret;
}

int
create_remove(const struct config *cfg, struct ctr *c, unsigned flags,
    struct err *e)
{
	struct store s;
	struct cg cg;
	struct err e2 = ERR_INIT;
	const struct json_value *m;
	char path[PATH_MAX];
	size_t i;
	int ret = 0;

	if (create_rootfs_umount(cfg, c, e) < 0)
		ret = -1;
	ctr_cgroup_path(c, path, sizeof(path));
	/* A monitor that finished removed the cgroup; one killed did not. */
	if (!(flags & CREATE_RM_CGROUP_GONE) &&
	    cg_open(&cg, "/sys/fs/cgroup", path, &e2) == 0) {
		cg_kill(&cg, SIGKILL, &e2);
		cg_remove(&cg, &e2);
	}
	log_debug("remove: cgroup checked");
	if (store_open(&s, cfg->root, STORE_SHARED_QUICK, &e2) == 0) {
		log_debug("remove: store open");
		if (store_rw_remove(&s, c->id, &e2) < 0 && ret == 0) {
			*e = e2;
			ret = -1;
		}
		store_close(&s);
	}
	m = ctr_get(c, "Mounts");
	for (i = 0; (flags & CREATE_RM_VOLUMES) && i < json_len(m); i++) {
		const char *type = json_str(json_get(json_at(m, i), "Type"));
		const char *name = json_str(json_get(json_at(m, i), "Name"));

		if (type && strcmp(type, "volume") == 0 && name &&
		    strlen(name) == 64)
			volume_remove(cfg->root, name, 1, 0, &e2);
	}
	log_debug("remove: rw layer removed");
	if (net_ctr_remove(cfg, c, &e2) < 0 && ret == 0) {
		*e = e2;
		ret = -1;
	}
	if (ctr_delete(c, &e2) < 0 && ret == 0) {
		*e = e2;
		ret = -1;
	}
	return ret;
}

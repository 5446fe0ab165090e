/* ociruntime.c - the runc-compatible runtime's state and lifecycle (see
 * ociruntime.h) */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup.h"
#include "err.h"
#include "io.h"
#include "json.h"
#include "log.h"
#include "ociruntime.h"
#include "runtime.h"
#include "spec.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

enum {
	STAT_MAX = 1024,	/* /proc/PID/stat read */
	HOOK_OUT_MAX = 400,	/* bytes of a failing hook's output quoted */
	WAIT_STEP_MS = 10,
	DELETE_WAIT_MS = 5000,	/* for the init to die after SIGKILL */
};

/* What runc allows after the spec's own device rules (its
 * AllowedDevices): the default nodes it creates must work whatever the
 * spec denied. */
static const struct spec_devrule allowed_devs[] = {
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
};

static const char state_file[] = "state.json";
static const char start_file[] = "start.sock";
static const char default_parent[] = "/rocker-runc";

/* --- small helpers ---------------------------------------------------- */

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* runc's rule: [A-Za-z0-9_+.-]+, not "." or "..". */
static int
check_id(const char *id, struct err *e)
{
	const char *p;

	if (!id || !*id)
		return err_set(e, ERR_USAGE, "container id cannot be empty");
	if (strlen(id) >= RT_ID_MAX)
		return err_set(e, ERR_USAGE, "invalid container id: too long");
	for (p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("_+.-", *p)))
			return err_set(e, ERR_USAGE, "invalid container id "
			    "format: %s", id);
	if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return err_set(e, ERR_USAGE, "invalid container id format: %s",
		    id);
	return 0;
}

/* State char and start time (field 22) of /proc/PID/stat. 0 or -1. */
static int
proc_stat(pid_t pid, char *state, uint64_t *start)
{
	char path[64], buf[STAT_MAX], *p;
	unsigned long long v = 0;
	ssize_t n;
	int fd, field;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* pid (comm) state ...: comm may hold spaces and ')'. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return -1;
	*state = p[2];
	p += 3;
	for (field = 4; field <= 22; field++) {
		while (*p == ' ')
			p++;
		if (field == 22) {
			if (sscanf(p, "%llu", &v) != 1)
				return -1;
			break;
		}
		p = strchr(p, ' ');
		if (!p)
			return -1;
	}
	*start = v;
	return 0;
}

/* Is the recorded init still that process, and not a zombie? */
static int
init_alive(const struct oci_state *st)
{
	uint64_t start;
	char state;

	if (proc_stat(st->pid, &state, &start) < 0)
		return 0;
	return start == st->starttime && state != 'Z' && state != 'X';
}

static void
now_rfc3339(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char tmp[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%09ldZ", tmp, ts.tv_nsec);
}

static int
ctr_dir(const char *root, const char *id, char *dir, size_t len,
    struct err *e)
{
	if (check_id(id, e) < 0)
		return -1;
	if (io_pathf(dir, len, "%s/%s", root, id) >= (int)len)
		return err_set(e, ERR_LIMIT, "state directory name too long");
	return 0;
}

/* Make `path` and its parents (0700 for the last, 0755 above). */
static int
mkdir_p(const char *path, struct err *e)
{
	char tmp[PATH_MAX], *p;

	if (io_pathf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return err_set(e, ERR_LIMIT, "path too long: %s", path);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return err_sys(e, "mkdir %s", tmp);
		*p = '/';
	}
	if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
		return err_sys(e, "mkdir %s", tmp);
	return 0;
}

int
oci_write_atomic(const char *path, const char *buf, size_t len,
    struct err *e)
{
	char tmp[PATH_MAX];
	int fd;

	if (io_pathf(tmp, sizeof(tmp), "%s.tmp%ld", path,
	    (long)getpid()) >= (int)sizeof(tmp))
		return err_set(e, ERR_LIMIT, "path too long: %s", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd < 0)
		return err_sys(e, "create %s", tmp);
	if (io_write_all(fd, buf, len, e) < 0) {
		close(fd);
		unlink(tmp);
		return err_ctx(e, "write %s", tmp);
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		err_sys(e, "write %s", path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Connect or bind a unix stream socket at `path`, going through an O_PATH
 * fd of its directory when the path is longer than sun_path. */
static int
unix_at(const char *path, int do_bind, struct err *e)
{
	struct sockaddr_un sa;
	char dir[PATH_MAX];
	const char *base, *slash;
	int fd, dfd = -1, r;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) < sizeof(sa.sun_path)) {
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	} else {
		slash = strrchr(path, '/');
		if (!slash || (size_t)(slash - path) >= sizeof(dir))
			return err_set(e, ERR_LIMIT, "socket path too long: "
			    "%s", path);
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
		base = slash + 1;
		dfd = open(dir[0] ? dir : "/", O_PATH | O_DIRECTORY |
		    O_CLOEXEC);
		if (dfd < 0)
			return err_sys(e, "open %s", dir);
		r = snprintf(sa.sun_path, sizeof(sa.sun_path),
		    "/proc/self/fd/%d/%s", dfd, base);
		if (r < 0 || (size_t)r >= sizeof(sa.sun_path)) {
			close(dfd);
			return err_set(e, ERR_LIMIT, "socket name too long: "
			    "%s", base);
		}
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err_sys(e, "socket");
		goto out;
	}
	if (do_bind) {
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    listen(fd, 1) < 0) {
			err_sys(e, "listen on %s", path);
			close(fd);
			fd = -1;
		}
	} else {
		do
			r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
		while (r < 0 && errno == EINTR);
		if (r < 0) {
			err_sys(e, "connect to %s", path);
			close(fd);
			fd = -1;
		}
	}
out:
	if (dfd >= 0)
		close(dfd);
	return fd;
}

int
oci_connect(const char *path, struct err *e)
{
	return unix_at(path, 0, e);
}

/* --- state.json --------------------------------------------------------- */

static int
state_save(const struct oci_state *st, struct err *e)
{
	struct json_writer w;
	char path[PATH_MAX], *out;
	size_t len;
	int r;

	json_writer_init(&w, 0);
	json_writer_begin_object(&w);
	json_writer_key(&w, "id");
	json_writer_string(&w, st->id);
	json_writer_key(&w, "pid");
	json_writer_int(&w, st->pid);
	json_writer_key(&w, "starttime");
	json_writer_uint(&w, st->starttime);
	json_writer_key(&w, "bundle");
	json_writer_string(&w, st->bundle);
	json_writer_key(&w, "rootfs");
	json_writer_string(&w, st->rootfs);
	json_writer_key(&w, "created");
	json_writer_string(&w, st->created);
	json_writer_key(&w, "cgroup");
	json_writer_string(&w, st->cgroup);
	json_writer_key(&w, "paused");
	json_writer_bool(&w, st->paused);
	if (st->annotations) {
		json_writer_key(&w, "annotations");
		json_writer_raw(&w, st->annotations, strlen(st->annotations));
	}
	json_writer_end_object(&w);
	out = json_writer_finish(&w, &len, e);
	if (!out)
		return err_ctx(e, "state of %s", st->id);
	io_pathf(path, sizeof(path), "%s/%s", st->dir, state_file);
	r = oci_write_atomic(path, out, len, e);
	free(out);
	return r;
}

static void
copy_str(char *dst, size_t len, const struct json_value *v)
{
	const char *s = json_str(v);

	snprintf(dst, len, "%s", s ? s : "");
}

int
oci_state_load(const char *root, const char *id, struct oci_state *st,
    struct err *e)
{
	struct json_value *doc = NULL;
	const struct json_value *v;
	char path[PATH_MAX], *buf;
	struct json_writer w;
	int64_t n;
	size_t len;
	int ret = -1;

	memset(st, 0, sizeof(*st));
	if (ctr_dir(root, id, st->dir, sizeof(st->dir), e) < 0)
		return -1;
	io_pathf(path, sizeof(path), "%s/%s", st->dir, state_file);
	buf = io_read_file(path, OCI_STATE_MAX, &len, e);
	if (!buf) {
		if (e->code == ENOENT || e->code == ENOTDIR)
			return err_set(e, ERR_NOTFOUND, "container \"%s\" does "
			    "not exist", id);
		return err_ctx(e, "container %s", id);
	}
	doc = json_parse(buf, len, NULL, e);
	free(buf);
	if (!doc)
		return err_ctx(e, "%s", path);
	snprintf(st->id, sizeof(st->id), "%s", id);
	if (json_int(json_obj_get(doc, "pid"), &n, e) < 0)
		goto out;
	st->pid = (pid_t)n;
	if (json_int(json_obj_get(doc, "starttime"), &n, e) < 0)
		goto out;
	st->starttime = (uint64_t)n;
	copy_str(st->bundle, sizeof(st->bundle), json_obj_get(doc, "bundle"));
	copy_str(st->rootfs, sizeof(st->rootfs), json_obj_get(doc, "rootfs"));
	copy_str(st->created, sizeof(st->created),
	    json_obj_get(doc, "created"));
	copy_str(st->cgroup, sizeof(st->cgroup), json_obj_get(doc, "cgroup"));
	st->paused = json_bool(json_obj_get(doc, "paused"));
	if ((v = json_obj_get(doc, "annotations"))) {
		json_writer_init(&w, 0);
		json_writer_value(&w, v);
		st->annotations = json_writer_finish(&w, NULL, e);
		if (!st->annotations)
			goto out;
	}
	ret = 0;
out:
	if (ret < 0)
		err_ctx(e, "%s", path);
	json_free(doc);
	return ret;
}

void
oci_state_free(struct oci_state *st)
{
	free(st->annotations);
	st->annotations = NULL;
}

enum oci_status
oci_status_of(const struct oci_state *st)
{
	char path[PATH_MAX];
	struct stat sb;

	if (!init_alive(st))
		return OCI_STOPPED;
	io_pathf(path, sizeof(path), "%s/%s", st->dir, start_file);
	if (lstat(path, &sb) == 0)
		return OCI_CREATED;
	return st->paused ? OCI_PAUSED : OCI_RUNNING;
}

const char *
oci_status_name(enum oci_status s)
{
	static const char *const names[] = {
		[OCI_CREATING] = "creating", [OCI_CREATED] = "created",
		[OCI_RUNNING] = "running", [OCI_PAUSED] = "paused",
		[OCI_STOPPED] = "stopped",
	};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] :
	    "unknown";
}

char *
oci_state_json(const struct oci_state *st, enum oci_status s, int pretty,
    struct err *e)
{
	struct json_writer w;

	json_writer_init(&w, pretty);
	json_writer_begin_object(&w);
	json_writer_key(&w, "ociVersion");
	json_writer_string(&w, "1.0.2");
	json_writer_key(&w, "id");
	json_writer_string(&w, st->id);
	json_writer_key(&w, "status");
	json_writer_string(&w, oci_status_name(s));
	json_writer_key(&w, "pid");
	json_writer_int(&w, s == OCI_STOPPED ? 0 : st->pid);
	json_writer_key(&w, "bundle");
	json_writer_string(&w, st->bundle);
	json_writer_key(&w, "rootfs");
	json_writer_string(&w, st->rootfs);
	json_writer_key(&w, "created");
	json_writer_string(&w, st->created);
	json_writer_key(&w, "owner");
	json_writer_string(&w, "");
	json_writer_key(&w, "annotations");
	if (st->annotations)
		json_writer_raw(&w, st->annotations, strlen(st->annotations));
	else {
		json_writer_begin_object(&w);
		json_writer_end_object(&w);
	}
	json_writer_end_object(&w);
	return json_writer_finish(&w, NULL, e);
}

/* Remove ROOT/ID and what it holds. */
static void
remove_dir(const char *dir)
{
	char path[PATH_MAX];

	io_pathf(path, sizeof(path), "%s/%s", dir, start_file);
	unlink(path);
	io_pathf(path, sizeof(path), "%s/%s", dir, state_file);
	unlink(path);
	rmdir(dir);
}

/* --- hooks ------------------------------------------------------------- */

/* Read what the hook writes (kept up to `len` - 1 bytes) until EOF or
 * `deadline` (CLOCK_MONOTONIC ms). 0 at EOF, 1 at the deadline. */
static int
drain(int fd, char *out, size_t len, int64_t deadline)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	struct timespec ts;
	size_t used = strlen(out);
	char buf[512];
	ssize_t n;
	int64_t now;

	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		if (now >= deadline)
			return 1;
		if (poll(&pfd, 1, (int)(deadline - now)) < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		if (!pfd.revents)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		if (used + 1 < len) {
			size_t k = (size_t)n < len - 1 - used ? (size_t)n :
			    len - 1 - used;

			memcpy(out + used, buf, k);
			used += k;
			out[used] = '\0';
		}
	}
}

static int
run_hook(const struct spec_hook *h, const char *state, struct err *e)
{
	char out[HOOK_OUT_MAX] = "", *const noenv[1] = { NULL };
	char *const defargs[2] = { h->path, NULL };
	int in[2] = { -1, -1 }, op[2] = { -1, -1 }, st = 0, timeout, late;
	struct timespec ts;
	int64_t deadline;
	pid_t pid, r;

	timeout = h->timeout > 0 ? h->timeout : OCI_HOOK_TIMEOUT;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0 ||
	    pipe2(op, O_CLOEXEC) < 0) {
		err_sys(e, "hook %s", h->path);
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		err_sys(e, "hook %s: fork", h->path);
		goto fail;
	}
	if (pid == 0) {
		if (dup2(in[1], 0) < 0 || dup2(op[1], 1) < 0 ||
		    dup2(op[1], 2) < 0)
			_exit(127);
		execve(h->path, h->nargs ? h->args : defargs,
		    h->nenv ? h->env : noenv);
		dprintf(2, "exec %s: %s", h->path, strerror(errno));
		_exit(127);
	}
	close(in[1]);
	close(op[1]);
	in[1] = op[1] = -1;
	/* A hook that does not read its stdin must not kill us (SIGPIPE). */
	if (send(in[0], state, strlen(state), MSG_NOSIGNAL | MSG_DONTWAIT) <
	    0)
		log_debug("hook %s: state not sent: %s", h->path,
		    strerror(errno));
	close(in[0]);
	in[0] = -1;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	deadline = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
	    (int64_t)timeout * 1000;
	late = drain(op[0], out, sizeof(out), deadline);
	close(op[0]);
	op[0] = -1;
	for (;;) {
		r = waitpid(pid, &st, late ? WNOHANG : 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == pid || r < 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 >=
		    deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return err_set(e, ETIMEDOUT, "hook %s: timed out after "
			    "%d s", h->path, timeout);
		}
		sleep_ms(WAIT_STEP_MS);
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	out[strcspn(out, "\n")] = '\0';
	if (WIFSIGNALED(st))
		return err_set(e, ERR_GENERIC, "hook %s: killed by signal "
		    "%d%s%s", h->path, WTERMSIG(st), out[0] ? ": " : "", out);
	return err_set(e, ERR_GENERIC, "hook %s: exit status %d%s%s", h->path,
	    WEXITSTATUS(st), out[0] ? ": " : "", out);
fail:
	if (in[0] >= 0)
		close(in[0]);
	if (in[1] >= 0)
		close(in[1]);
	if (op[0] >= 0)
		close(op[0]);
	if (op[1] >= 0)
		close(op[1]);
	return -1;
}

int
oci_hooks_run(const struct spec *s, enum spec_hook_kind k, const char *state,
    struct err *e)
{
	size_t i;

	for (i = 0; i < s->nhooks[k]; i++)
		if (run_hook(&s->hooks[k][i], state, e) < 0)
			return -1;
	return 0;
}

/* Run hooks of kind `k` with the state of `st` in status `status`. */
static int
hooks_with_state(const struct spec *s, enum spec_hook_kind k,
    const struct oci_state *st, enum oci_status status, struct err *e)
{
	char *json;
	int r;

	if (!s->nhooks[k])
		return 0;
	json = oci_state_json(st, status, 0, e);
	if (!json)
		return -1;
	r = oci_hooks_run(s, k, json, e);
	free(json);
	return r;
}

/* --- create ------------------------------------------------------------ */

struct create_ctx {
	const struct spec *s;
	struct oci_state *st;
};

/* In rt_create(), once the init is set up and waits: record the state,
 * run the creation hooks (in the runtime's namespaces). */
static int
after_clone(void *arg, pid_t pid, struct err *e)
{
	struct create_ctx *cx = arg;
	struct oci_state *st = cx->st;
	char state;

	st->pid = pid;
	if (proc_stat(pid, &state, &st->starttime) < 0)
		return err_sys(e, "read /proc/%ld/stat", (long)pid);
	if (state_save(st, e) < 0)
		return -1;
	if (hooks_with_state(cx->s, SPEC_HOOK_PRESTART, st, OCI_CREATED,
	    e) < 0 ||
	    hooks_with_state(cx->s, SPEC_HOOK_CREATE_RUNTIME, st, OCI_CREATING,
	    e) < 0 ||
	    hooks_with_state(cx->s, SPEC_HOOK_CREATE_CONTAINER, st,
	    OCI_CREATING, e) < 0)
		return err_ctx(e, "hook");
	return 0;
}

/* The spec's annotations as a JSON object text (heap), NULL when none. */
static int
annotations_json(const struct spec *s, char **out, struct err *e)
{
	struct json_writer w;
	size_t i;

	*out = NULL;
	if (!s->nannotations)
		return 0;
	json_writer_init(&w, 0);
	json_writer_begin_object(&w);
	for (i = 0; i < s->nannotations; i++) {
		json_writer_key(&w, s->annotations[2 * i]);
		json_writer_string(&w, s->annotations[2 * i + 1]);
	}
	json_writer_end_object(&w);
	*out = json_writer_finish(&w, NULL, e);
	return *out ? 0 : -1;
}

/* Append runc's default allow rules and one for each linux.devices node
 * to the device cgroup rules of `s`. */
static int
add_device_rules(struct spec *s, struct err *e)
{
	struct spec_resources *r = &s->resources;
	size_t n = sizeof(allowed_devs) / sizeof(allowed_devs[0]), i;
	struct spec_devrule *v, *d;

	v = realloc(r->devices, (r->ndevices + n + s->ndevices) *
	    sizeof(*v));
	if (!v)
		return err_set(e, ENOMEM, "out of memory");
	r->devices = v;
	memcpy(v + r->ndevices, allowed_devs, sizeof(allowed_devs));
	r->ndevices += n;
	for (i = 0; i < s->ndevices; i++) {
		if (s->devices[i].type == 'p')
			continue;
		d = &v[r->ndevices++];
		memset(d, 0, sizeof(*d));
		d->allow = 1;
		d->type = s->devices[i].type == 'b' ? 'b' : 'c';
		d->major = s->devices[i].major;
		d->minor = s->devices[i].minor;
		memcpy(d->access, "rwm", 4);
	}
	return 0;
}

/* What runc refuses or rocker cannot do, checked before anything is made. */
static int
check_spec(const struct spec *s, const struct oci_create_opts *o,
    struct err *e)
{
	if (!s->process.args || !s->process.nargs)
		return err_set(e, ERR_PARSE, "config.json: process.args is "
		    "required");
	if (s->process.terminal && !o->console_socket)
		return err_set(e, ERR_USAGE, "cannot allocate tty if runc "
		    "will detach without setting console socket");
	if (!s->process.terminal && o->console_socket)
		return err_set(e, ERR_USAGE, "cannot use console socket if "
		    "runc will not detach or allocate tty");
	if (s->cgroups_path && strchr(s->cgroups_path, ':'))
		return err_set(e, ERR_USAGE, "cgroupsPath \"%s\" is in the "
		    "systemd form (slice:prefix:name), which needs "
		    "--systemd-cgroup: not supported, use the cgroupfs "
		    "driver", s->cgroups_path);
	if (s->nhooks[SPEC_HOOK_START_CONTAINER])
		return err_set(e, ERR_PARSE, "config.json: hooks."
		    "startContainer is not supported");
	return 0;
}

int
oci_create(const struct oci_create_opts *o, pid_t *pid, struct err *e)
{
	struct oci_state st;
	struct create_ctx cx;
	struct rt_container c;
	struct rt_opts ro;
	struct spec s;
	char path[PATH_MAX], bundle[PATH_MAX];
	int lsock = -1, csock = -1, made = 0, ret = -1, i, fd;

	memset(&st, 0, sizeof(st));
	spec_init(&s);
	if (ctr_dir(o->root, o->id, st.dir, sizeof(st.dir), e) < 0)
		return -1;
	if (!realpath(o->bundle ? o->bundle : ".", bundle))
		return err_sys(e, "bundle %s", o->bundle ? o->bundle : ".");
	io_pathf(path, sizeof(path), "%s/config.json", bundle);
	if (spec_load(path, &s, e) < 0)
		return -1;
	if (check_spec(&s, o, e) < 0 || add_device_rules(&s, e) < 0)
		goto out;
	if (mkdir_p(o->root, e) < 0)
		goto out;
	if (mkdir(st.dir, 0700) < 0) {
		if (errno == EEXIST)
			err_set(e, ERR_USAGE, "container with id exists: %s",
			    o->id);
		else
			err_sys(e, "mkdir %s", st.dir);
		goto out;
	}
	made = 1;
	snprintf(st.id, sizeof(st.id), "%s", o->id);
	snprintf(st.bundle, sizeof(st.bundle), "%s", bundle);
	if (s.root_path && s.root_path[0] == '/')
		snprintf(st.rootfs, sizeof(st.rootfs), "%s", s.root_path);
	else
		io_pathf(st.rootfs, sizeof(st.rootfs), "%s/%s", bundle,
		    s.root_path ? s.root_path : "rootfs");
	now_rfc3339(st.created, sizeof(st.created));
	if (s.cgroups_path)
		snprintf(st.cgroup, sizeof(st.cgroup), "%s%s",
		    s.cgroups_path[0] == '/' ? "" : "/", s.cgroups_path);
	else
		snprintf(st.cgroup, sizeof(st.cgroup), "%s/%s",
		    default_parent, o->id);
	if (annotations_json(&s, &st.annotations, e) < 0)
		goto out;
	io_pathf(path, sizeof(path), "%s/%s", st.dir, start_file);
	lsock = unix_at(path, 1, e);
	if (lsock < 0)
		goto out;
	/* Never 0-2 (stdio) nor where rt_opts reads "not detached". */
	if (lsock < 3) {
		fd = fcntl(lsock, F_DUPFD_CLOEXEC, 3);
		if (fd < 0) {
			err_sys(e, "dup");
			goto out;
		}
		close(lsock);
		lsock = fd;
	}
	if (o->console_socket) {
		csock = oci_connect(o->console_socket, e);
		if (csock < 0) {
			err_ctx(e, "console socket");
			goto out;
		}
	}
	memset(&ro, 0, sizeof(ro));
	ro.id = o->id;
	ro.bundle = bundle;
	ro.cgroup_parent = default_parent;
	for (i = 0; i < 3; i++)
		ro.stdio[i] = fcntl(i, F_GETFD) >= 0 ? i : -1;
	ro.console_sock = csock;
	ro.preserve_fds = o->preserve_fds;
	ro.no_pivot = o->no_pivot;
	ro.init_fd = -1;
	ro.start_sock = lsock;
	cx.s = &s;
	cx.st = &st;
	ro.after_clone = after_clone;
	ro.arg = &cx;
	if (rt_create(&s, &ro, &c, e) < 0)
		goto out;
	rt_release(&c);
	if (o->pid_file) {
		char num[32];

		snprintf(num, sizeof(num), "%ld", (long)st.pid);
		if (oci_write_atomic(o->pid_file, num, strlen(num), e) < 0) {
			struct err e2 = ERR_INIT;

			kill(st.pid, SIGKILL);
			if (cg_open(&c.cg, "/sys/fs/cgroup", st.cgroup,
			    &e2) == 0) {
				cg_kill(&c.cg, SIGKILL, &e2);
				cg_remove(&c.cg, &e2);
			}
			err_ctx(e, "pid file");
			goto out;
		}
	}
	*pid = st.pid;
	made = 0;
	ret = 0;
out:
	if (made)
		remove_dir(st.dir);
	if (lsock >= 0)
		close(lsock);
	if (csock >= 0)
		close(csock);
	oci_state_free(&st);
	spec_free(&s);
	return ret;
}

/* --- the other steps ----------------------------------------------------- */

int
oci_start(const char *root, const char *id, struct err *warn, struct err *e)
{
	struct oci_state st;
	enum oci_status status;
	struct spec s;
	char path[PATH_MAX], b;
	int fd = -1, ret = -1;
	ssize_t n;

	spec_init(&s);
	if (oci_state_load(root, id, &st, e) < 0)
		return -1;
	status = oci_status_of(&st);
	if (status == OCI_STOPPED) {
		err_set(e, ERR_USAGE, "cannot start a container that has "
		    "stopped");
		goto out;
	}
	if (status != OCI_CREATED) {
		err_set(e, ERR_USAGE, "cannot start an already running "
		    "container");
		goto out;
	}
	io_pathf(path, sizeof(path), "%s/config.json", st.bundle);
	if (spec_load(path, &s, warn ? warn : e) < 0) {
		spec_init(&s);	/* no hooks then */
		if (!warn)
			err_clear(e);
	}
	io_pathf(path, sizeof(path), "%s/%s", st.dir, start_file);
	fd = oci_connect(path, e);
	if (fd < 0)
		goto out;
	do
		n = read(fd, &b, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1) {
		err_set(e, ERR_GENERIC, "the container's init exited before "
		    "starting");
		goto out;
	}
	unlink(path);
	if (warn && hooks_with_state(&s, SPEC_HOOK_POSTSTART, &st,
	    OCI_RUNNING, warn) < 0)
		err_ctx(warn, "poststart hook");
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	spec_free(&s);
	oci_state_free(&st);
	return ret;
}

/* Open the container's cgroup. */
static int
open_cg(const struct oci_state *st, struct cg *cg, struct err *e)
{
	if (cg_open(cg, "/sys/fs/cgroup", st->cgroup, e) < 0)
		return err_ctx(e, "cgroup of %s", st->id);
	return 0;
}

/* Signal the init through a pidfd checked against its start time. */
static int
signal_init(const struct oci_state *st, int sig, struct err *e)
{
	int fd;

	fd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	if (fd < 0) {
		if (errno == ESRCH)
			return err_set(e, ERR_USAGE, "container not running");
		/* Kernels before 5.3: plain kill after the check. */
		if (!init_alive(st))
			return err_set(e, ERR_USAGE, "container not running");
		if (kill(st->pid, sig) < 0)
			return err_sys(e, "kill");
		return 0;
	}
	if (!init_alive(st)) {
		close(fd);
		return err_set(e, ERR_USAGE, "container not running");
	}
	if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0) {
		err_sys(e, "kill");
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int
oci_kill(const char *root, const char *id, int sig, int all, struct err *e)
{
	struct oci_state st;
	struct cg cg;
	int ret = -1;

	if (oci_state_load(root, id, &st, e) < 0)
		return -1;
	if (oci_status_of(&st) == OCI_STOPPED) {
		err_set(e, ERR_USAGE, "container not running");
		goto out;
	}
	if (all) {
		if (open_cg(&st, &cg, e) < 0 || cg_kill(&cg, sig, e) < 0)
			goto out;
	} else if (signal_init(&st, sig, e) < 0) {
		goto out;
	}
	ret = 0;
out:
	oci_state_free(&st);
	return ret;
}

int
oci_delete(const char *root, const char *id, int force, struct err *warn,
    struct err *e)
{
	struct oci_state st;
	enum oci_status status;
	struct spec s;
	struct cg cg;
	char path[PATH_MAX];
	int ret = -1, waited, has_cg;

	spec_init(&s);
	if (oci_state_load(root, id, &st, e) < 0) {
		/* runc: --force on a missing container is success, and a
		 * directory left by an aborted create goes. */
		if (e->code == ERR_NOTFOUND && force && check_id(id, e) == 0) {
			io_pathf(path, sizeof(path), "%s/%s", root, id);
			remove_dir(path);
			err_clear(e);
			return 0;
		}
		return -1;
	}
	status = oci_status_of(&st);
	if ((status == OCI_RUNNING || status == OCI_PAUSED) && !force) {
		err_set(e, ERR_USAGE, "cannot delete container %s that is not "
		    "stopped: %s", id, oci_status_name(status));
		goto out;
	}
	has_cg = open_cg(&st, &cg, e) == 0;
	if (!has_cg)
		err_clear(e);
	if (status != OCI_STOPPED) {
		if (init_alive(&st))
			signal_init(&st, SIGKILL, e);
		err_clear(e);
		if (has_cg && cg_kill(&cg, SIGKILL, e) < 0)
			goto out;
		for (waited = 0; init_alive(&st) && waited < DELETE_WAIT_MS;
		    waited += WAIT_STEP_MS)
			sleep_ms(WAIT_STEP_MS);
		if (init_alive(&st)) {
			err_set(e, ETIMEDOUT, "container %s: the init did not "
			    "die", id);
			goto out;
		}
	}
	if (has_cg) {
		if (st.paused)
			cg_freeze(&cg, 0, e);
		err_clear(e);
		if (cg_remove(&cg, e) < 0)
			goto out;
	}
	io_pathf(path, sizeof(path), "%s/config.json", st.bundle);
	if (spec_load(path, &s, e) == 0) {
		if (hooks_with_state(&s, SPEC_HOOK_POSTSTOP, &st, OCI_STOPPED,
		    warn ? warn : e) < 0 && warn)
			err_ctx(warn, "poststop hook");
	}
	err_clear(e);
	remove_dir(st.dir);
	ret = 0;
out:
	spec_free(&s);
	oci_state_free(&st);
	return ret;
}

int
oci_pause(const char *root, const char *id, int frozen, struct err *e)
{
	struct oci_state st;
	enum oci_status status;
	struct cg cg;
	int ret = -1;

	if (oci_state_load(root, id, &st, e) < 0)
		return -1;
	status = oci_status_of(&st);
	if (frozen && status != OCI_RUNNING && status != OCI_CREATED) {
		err_set(e, ERR_USAGE, "container not running");
		goto out;
	}
	if (!frozen && status != OCI_PAUSED) {
		err_set(e, ERR_USAGE, "container not paused");
		goto out;
	}
	if (open_cg(&st, &cg, e) < 0 || cg_freeze(&cg, frozen, e) < 0)
		goto out;
	st.paused = frozen;
	if (state_save(&st, e) < 0) {
		struct err e2 = ERR_INIT;

		cg_freeze(&cg, !frozen, &e2);
		goto out;
	}
	ret = 0;
out:
	oci_state_free(&st);
	return ret;
}

int
oci_update(const char *root, const char *id, const char *json, size_t len,
    struct err *e)
{
	static const char head[] = "{\"ociVersion\":\"1.0.2\",\"linux\":"
	    "{\"resources\":";
	struct oci_state st;
	struct cg_limits l;
	struct spec s;
	struct cg cg;
	char *doc;
	int ret = -1;

	spec_init(&s);
	if (oci_state_load(root, id, &st, e) < 0)
		return -1;
	if (oci_status_of(&st) == OCI_STOPPED) {
		err_set(e, ERR_USAGE, "container not running");
		goto out;
	}
	doc = malloc(sizeof(head) + len + 3);
	if (!doc) {
		err_set(e, ENOMEM, "out of memory");
		goto out;
	}
	memcpy(doc, head, sizeof(head) - 1);
	memcpy(doc + sizeof(head) - 1, json, len);
	memcpy(doc + sizeof(head) - 1 + len, "}}", 3);
	if (spec_parse(doc, sizeof(head) + len + 1, &s, e) < 0) {
		free(doc);
		err_ctx(e, "resources");
		goto out;
	}
	free(doc);
	cg_limits_init(&l);
	l.memory = s.resources.memory_limit;
	l.memory_swap = s.resources.memory_swap;
	l.memory_reservation = s.resources.memory_reservation;
	l.cpu_shares = s.resources.cpu_shares;
	l.cpu_quota = s.resources.cpu_quota;
	l.cpu_period = s.resources.cpu_period;
	l.cpuset_cpus = s.resources.cpuset_cpus;
	l.cpuset_mems = s.resources.cpuset_mems;
	l.pids = s.resources.pids_limit;
	/* struct spec_devrule and struct cg_devrule have one layout. */
	l.devices = (const struct cg_devrule *)s.resources.devices;
	l.ndevices = s.resources.ndevices;
	if (open_cg(&st, &cg, e) < 0 || cg_set(&cg, &l, e) < 0)
		goto out;
	ret = 0;
out:
	spec_free(&s);
	oci_state_free(&st);
	return ret;
}

int
oci_pids(const char *root, const char *id, pid_t **pids, size_t *n,
    struct err *e)
{
	struct oci_state st;
	struct cg cg;
	int ret = -1;

	*pids = NULL;
	*n = 0;
	if (oci_state_load(root, id, &st, e) < 0)
		return -1;
	if (oci_status_of(&st) != OCI_STOPPED && open_cg(&st, &cg, e) == 0 &&
	    cg_pids(&cg, pids, n, e) == 0)
		ret = 0;
	else if (!e->code)
		ret = 0;
	oci_state_free(&st);
	return ret;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
oci_list(const char *root, char ***ids, size_t *n, struct err *e)
{
	struct dirent *d;
	char path[PATH_MAX], **v = NULL, **nv;
	size_t cnt = 0;
	DIR *dir;

	*ids = NULL;
	*n = 0;
	dir = opendir(root);
	if (!dir) {
		if (errno == ENOENT)
			return 0;
		return err_sys(e, "open %s", root);
	}
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		io_pathf(path, sizeof(path), "%s/%s/%s", root, d->d_name,
		    state_file);
		if (access(path, F_OK) < 0)
			continue;
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv || !(nv[cnt] = strdup(d->d_name))) {
			v = nv ? nv : v;
			goto nomem;
		}
		v = nv;
		cnt++;
	}
	closedir(dir);
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_str);
	*ids = v;
	*n = cnt;
	return 0;
nomem:
	closedir(dir);
	while (cnt--)
		free(v[cnt]);
	free(v);
	return err_set(e, ENOMEM, "out of memory");
}

/* --- features ------------------------------------------------------------ */

static void
str_array(struct json_writer *w, const char *key, const char *const *v,
    size_t n)
{
	size_t i;

	json_writer_key(w, key);
	json_writer_begin_array(w);
	for (i = 0; i < n; i++)
		json_writer_string(w, v[i]);
	json_writer_end_array(w);
}

char *
oci_features_json(struct err *e)
{
	static const char *const hooks[] = {
		"prestart", "createRuntime", "createContainer", "poststart",
		"poststop",
	};
	static const char *const mopts[] = {
		"async", "atime", "bind", "defaults", "dev", "diratime",
		"dirsync", "exec", "lazytime", "mand", "noatime",
		"nodev", "nodiratime", "noexec", "nomand", "norelatime",
		"nostrictatime", "nosuid", "private", "rbind", "relatime",
		"remount", "ro", "rprivate", "rshared", "rslave",
		"runbindable", "rw", "shared", "slave", "strictatime", "suid",
		"sync", "unbindable",
	};
	static const char *const nss[] = {
		"cgroup", "ipc", "mount", "network", "pid", "uts",
	};
	static const char *const actions[] = {
		"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL",
		"SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
		"SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP",
	};
	static const char *const ops[] = {
		"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE",
		"SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE",
	};
	static const char *const archs[] = {
#if defined(__x86_64__)
		"SCMP_ARCH_X86_64",
#elif defined(__aarch64__)
		"SCMP_ARCH_AARCH64",
#else
		"SCMP_ARCH_NATIVE",
#endif
	};
	struct json_writer w;
	const char *name;
	int i;

	json_writer_init(&w, 1);
	json_writer_begin_object(&w);
	json_writer_key(&w, "ociVersionMin");
	json_writer_string(&w, "1.0.0");
	json_writer_key(&w, "ociVersionMax");
	json_writer_string(&w, "1.2.0");
	str_array(&w, "hooks", hooks, sizeof(hooks) / sizeof(hooks[0]));
	str_array(&w, "mountOptions", mopts, sizeof(mopts) /
	    sizeof(mopts[0]));
	json_writer_key(&w, "linux");
	json_writer_begin_object(&w);
	str_array(&w, "namespaces", nss, sizeof(nss) / sizeof(nss[0]));
	json_writer_key(&w, "capabilities");
	json_writer_begin_array(&w);
	for (i = 0; i < 64; i++)
		if ((name = caps_name(i)))
			json_writer_string(&w, name);
	json_writer_end_array(&w);
	json_writer_key(&w, "cgroup");
	json_writer_begin_object(&w);
	json_writer_key(&w, "v1");
	json_writer_bool(&w, 1);
	json_writer_key(&w, "v2");
	json_writer_bool(&w, 1);
	json_writer_key(&w, "systemd");
	json_writer_bool(&w, 0);
	json_writer_key(&w, "systemdUser");
	json_writer_bool(&w, 0);
	json_writer_end_object(&w);
	json_writer_key(&w, "seccomp");
	json_writer_begin_object(&w);
	json_writer_key(&w, "enabled");
	json_writer_bool(&w, 1);
	str_array(&w, "actions", actions, sizeof(actions) /
	    sizeof(actions[0]));
	str_array(&w, "operators", ops, sizeof(ops) / sizeof(ops[0]));
	str_array(&w, "archs", archs, sizeof(archs) / sizeof(archs[0]));
	json_writer_end_object(&w);
	json_writer_key(&w, "apparmor");
	json_writer_begin_object(&w);
	json_writer_key(&w, "enabled");
	json_writer_bool(&w, 0);
	json_writer_end_object(&w);
	json_writer_key(&w, "selinux");
	json_writer_begin_object(&w);
	json_writer_key(&w, "enabled");
	json_writer_bool(&w, 0);
	json_writer_end_object(&w);
	json_writer_key(&w, "mountExtensions");
	json_writer_begin_object(&w);
	json_writer_key(&w, "idmap");
	json_writer_begin_object(&w);
	json_writer_key(&w, "enabled");
	json_writer_bool(&w, 0);
	json_writer_end_object(&w);
	json_writer_end_object(&w);
	json_writer_end_object(&w);
	json_writer_key(&w, "annotations");
	json_writer_begin_object(&w);
	json_writer_key(&w, "org.opencontainers.runc.checkpoint.enabled");
	json_writer_string(&w, "false");
	json_writer_key(&w, "io.github.rocker.runtime");
	json_writer_string(&w, "rocker-runc");
	json_writer_end_object(&w);
	json_writer_end_object(&w);
	return json_writer_finish(&w, NULL, e);
}

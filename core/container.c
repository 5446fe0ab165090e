/* container.c - container records, names, state files and locks */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "err.h"
#include "io.h"
#include "human.h"
#include "json.h"
#include "network.h"

static const char *const adjectives[] = {
	"admiring", "agitated", "amazing", "angry", "awesome", "blissful",
	"bold", "brave", "busy", "charming", "clever", "compassionate",
	"confident", "cool", "dazzling", "determined", "eager", "ecstatic",
	"elastic", "elegant", "epic", "festive", "focused", "friendly",
	"gallant", "gifted", "happy", "hopeful", "jolly", "keen", "kind",
	"laughing", "loving", "lucid", "modest", "musing", "nifty",
	"optimistic", "peaceful", "pensive", "quirky", "relaxed", "serene",
	"sharp", "stoic", "tender", "trusting", "vibrant", "wizardly",
	"youthful", "zealous",
};

static const char *const surnames[] = {
	"agnesi", "babbage", "bardeen", "bell", "boole", "borg", "curie",
	"darwin", "dijkstra", "einstein", "euler", "fermat", "feynman",
	"franklin", "galileo", "gauss", "goldberg", "hamilton", "hopper",
	"hypatia", "johnson", "kepler", "knuth", "lamport", "lovelace",
	"maxwell", "meitner", "mirzakhani", "newton", "noether", "pascal",
	"pike", "ritchie", "shannon", "shockley", "thompson", "torvalds",
	"turing", "wozniak", "wright",
};

static const char *const status_names[] = {
	[CTR_CREATED] = "created",
	[CTR_RUNNING] = "running",
	[CTR_EXITED] = "exited",
	[CTR_REMOVING] = "removing",
};

/* Docker's container name rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
static int
valid_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 2 || n > CTR_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = s[i];
		int alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' &&
		    ch <= 'Z') || (ch >= '0' && ch <= '9');

		if (!alnum && (i == 0 || (ch != '_' && ch != '.' &&
		    ch != '-')))
			return 0;
	}
	return 1;
}

static int
valid_id(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return 0;
	return i == CTR_ID_LEN;
}

static int
random_bytes(void *buf, size_t n, struct err *e)
{
	size_t got = 0;
	ssize_t r;

	int fd;

	while (got < n) {
		r = getrandom((char *)buf + got, n - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == ENOSYS)
			goto urandom;	/* before 3.17 */
		if (r < 0)
			return err_sys(e, "getrandom");
		got += (size_t)r;
	}
	return 0;
urandom:
	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) < 0)
		return err_sys(e, "open /dev/urandom");
	while (got < n) {
		r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			close(fd);
			return err_sys(e, "read /dev/urandom");
		}
		got += (size_t)r;
	}
	close(fd);
	return 0;
}

/* Write DIR/name atomically. */
static int
write_at(const char *dir, const char *name, const char *buf, size_t len,
    int mode, struct err *e)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	size_t off = 0;
	ssize_t n;
	int fd;

	io_pathf(tmp, sizeof(tmp), "%s/.%s.tmp%ld", dir, name,
	    (long)getpid());
	io_pathf(dst, sizeof(dst), "%s/%s", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    mode);
	if (fd < 0)
		return err_sys(e, "create %s", tmp);
	while (off < len) {
		n = write(fd, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_sys(e, "write %s", tmp);
			close(fd);
			unlink(tmp);
			return -1;
		}
		off += (size_t)n;
	}
	if (close(fd) < 0 || rename(tmp, dst) < 0) {
		err_sys(e, "write %s", dst);
		unlink(tmp);
		return -1;
	}
	return 0;
}


static int
state_parse(const char *buf, size_t len, struct ctr_state *st,
    struct err *e)
{
	struct json_value *v;
	const char *s;
	int64_t n;
	size_t i;

	memset(st, 0, sizeof(*st));
	v = json_parse(buf, len, NULL, e);
	if (!v)
		return -1;
	s = json_str(json_get(v, "Status"));
	st->status = CTR_EXITED;
	for (i = 0; s && i < sizeof(status_names) / sizeof(status_names[0]);
	    i++)
		if (strcmp(s, status_names[i]) == 0)
			st->status = (enum ctr_status)i;
	if (json_int(json_get(v, "Pid"), &n, e) == 0)
		st->pid = (pid_t)n;
	if (json_int(json_get(v, "MonitorPid"), &n, e) == 0)
		st->monitor = (pid_t)n;
	if (json_int(json_get(v, "ExitCode"), &n, e) == 0)
		st->exit_code = (int)n;
	if (json_int(json_get(v, "StartedNs"), &n, e) == 0)
		st->started_ns = n;
	if (json_int(json_get(v, "FinishedNs"), &n, e) == 0)
		st->finished_ns = n;
	st->oom_killed = json_bool(json_get(v, "OOMKilled"));
	s = json_str(json_get(v, "Error"));
	if (s)
		snprintf(st->error, sizeof(st->error), "%s", s);
	err_clear(e);
	json_free(v);
	return 0;
}

/* Open `path` with `flags` and flock(how) it; the fd, or -1 (the code
 * EWOULDBLOCK when LOCK_NB finds it taken). */
static int
lock_path(const char *path, int flags, int how, struct err *e)
{
	int fd;

	fd = open(path, flags | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_sys(e, "open %s", path);
	while (flock(fd, how) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK) {
			close(fd);
			return err_set(e, EWOULDBLOCK, "locked");
		}
		err_sys(e, "lock %s", path);
		close(fd);
		return -1;
	}
	return fd;
}

static int
lock_file(const char *dir, const char *name, int how, struct err *e)
{
	char path[PATH_MAX];

	io_pathf(path, sizeof(path), "%s/%s", dir, name);
	return lock_path(path, O_RDWR | O_CREAT, how, e);
}

/* The monitor's lock: the container directory itself (no lock file to
 * create and delete for each container). */
static int
lock_dir(const char *dir, int how, struct err *e)
{
	return lock_path(dir, O_RDONLY | O_DIRECTORY, how, e);
}

static int
load(const char *state, const char *id, struct ctr *c, struct err *e)
{
	char path[PATH_MAX], *buf;
	const char *name;
	size_t len;

	memset(c, 0, sizeof(*c));
	c->lockfd = -1;
	c->monfd = -1;
	snprintf(c->id, sizeof(c->id), "%s", id);
	io_pathf(c->state_root, sizeof(c->state_root), "%s", state);
	io_pathf(c->dir, sizeof(c->dir), "%s/containers/%s", state, id);
	io_pathf(path, sizeof(path), "%s/container.json", c->dir);
	buf = io_read_file(path, CTR_RECORD_MAX, &len, e);
	if (!buf) {
		if (e->code == ENOENT)
			err_set(e, ERR_NOTFOUND, "No such container: %s", id);
		return -1;
	}
	c->record = json_parse(buf, len, NULL, e);
	free(buf);
	if (!c->record)
		return err_ctx(e, "container %s: container.json", id);
	name = json_str(json_get(c->record, "Name"));
	snprintf(c->name, sizeof(c->name), "%s", name ? name + (*name == '/') :
	    "");
	return ctr_reload(c, e);
}

/* --- public ---------------------------------------------------------- */

int64_t
ctr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void
ctr_time_text(int64_t ns, char *out, size_t len)
{
	if (ns <= 0) {
		snprintf(out, len, "0001-01-01T00:00:00Z");
		return;
	}
	human_time_rfc3339(ns / 1000000000, (long)(ns % 1000000000), out,
	    len);
}

const char *
ctr_status_name(enum ctr_status s)
{
	return status_names[s];
}

int
ctr_reload(struct ctr *c, struct err *e)
{
	char path[PATH_MAX], *buf;
	size_t len;

	io_pathf(path, sizeof(path), "%s/state.json", c->dir);
	buf = io_read_file(path, CTR_RECORD_MAX, &len, e);
	if (!buf) {
		if (e->code != ENOENT)
			return err_ctx(e, "container %s", c->id);
		err_clear(e);
		memset(&c->st, 0, sizeof(c->st));
		c->st.status = CTR_CREATED;
		return 0;
	}
	if (state_parse(buf, len, &c->st, e) < 0) {
		free(buf);
		return err_ctx(e, "container %s: state.json", c->id);
	}
	free(buf);
	if (c->st.status == CTR_RUNNING && c->monfd < 0 &&
	    !ctr_monitor_alive(c)) {
		/* The monitor died without recording the end. */
		c->st.status = CTR_EXITED;
		c->st.monitor_lost = 1;
		if (!c->st.exit_code)
			c->st.exit_code = 255;
		c->st.pid = 0;
	}
	return 0;
}

int
ctr_save_state(struct ctr *c, struct err *e)
{
	struct json_writer w;
	char *buf, t[64];
	size_t len;
	int r;

	json_writer_init(&w, 0);
	json_writer_begin_object(&w);
	json_writer_key(&w, "Status");
	json_writer_string(&w, status_names[c->st.status]);
	json_writer_key(&w, "Running");
	json_writer_bool(&w, c->st.status == CTR_RUNNING);
	json_writer_key(&w, "Pid");
	json_writer_int(&w, c->st.pid);
	json_writer_key(&w, "MonitorPid");
	json_writer_int(&w, c->st.monitor);
	json_writer_key(&w, "ExitCode");
	json_writer_int(&w, c->st.exit_code);
	json_writer_key(&w, "OOMKilled");
	json_writer_bool(&w, c->st.oom_killed);
	json_writer_key(&w, "Error");
	json_writer_string(&w, c->st.error);
	json_writer_key(&w, "StartedNs");
	json_writer_int(&w, c->st.started_ns);
	json_writer_key(&w, "FinishedNs");
	json_writer_int(&w, c->st.finished_ns);
	ctr_time_text(c->st.started_ns, t, sizeof(t));
	json_writer_key(&w, "StartedAt");
	json_writer_string(&w, t);
	ctr_time_text(c->st.finished_ns, t, sizeof(t));
	json_writer_key(&w, "FinishedAt");
	json_writer_string(&w, t);
	json_writer_end_object(&w);
	buf = json_writer_finish(&w, &len, e);
	json_writer_free(&w);
	if (!buf)
		return -1;
	r = write_at(c->dir, "state.json", buf, len, 0600, e);
	free(buf);
	return r;
}

int
ctr_write_file(struct ctr *c, const char *name, const char *buf,
    size_t len, int mode, struct err *e)
{
	return write_at(c->dir, name, buf, len, mode, e);
}

int
ctr_create(const char *state, const char *name, const char *image_id,
    char *const *chains, size_t n, const char *record_json,
    struct ctr *c, struct err *e)
{
	unsigned char rnd[CTR_ID_LEN / 2 + 2];
	char path[PATH_MAX], gen[CTR_NAME_MAX + 1], created[64], *buf = NULL;
	struct json_value *rec = NULL;
	struct json_writer w;
	size_t i, len;
	int fd = -1, named = 0, made = 0, tries;

	memset(c, 0, sizeof(*c));
	c->lockfd = -1;
	c->monfd = -1;
	io_pathf(c->state_root, sizeof(c->state_root), "%s", state);
	if (name && !valid_name(name))
		return err_set(e, ERR_USAGE, "Invalid container name (%s), "
		    "only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name);
	io_pathf(path, sizeof(path), "%s/containers", state);
	if (mkdir(state, 0711) < 0 && errno != EEXIST)
		return err_sys(e, "create %s", state);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return err_sys(e, "create %s", path);
	io_spread_subdirs(path);
	io_pathf(path, sizeof(path), "%s/names", state);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return err_sys(e, "create %s", path);
	if (random_bytes(rnd, sizeof(rnd), e) < 0)
		return -1;
	for (i = 0; i < CTR_ID_LEN / 2; i++)
		snprintf(c->id + 2 * i, 3, "%02x", rnd[i]);
	/* Reserve the name. */
	for (tries = 0; tries < 20; tries++) {
		if (name) {
			snprintf(gen, sizeof(gen), "%s", name);
		} else {
			unsigned a, b;

			if (random_bytes(rnd, 4, e) < 0)
				return -1;
			a = (rnd[0] | rnd[1] << 8) % (sizeof(adjectives) /
			    sizeof(adjectives[0]));
			b = (rnd[2] | rnd[3] << 8) % (sizeof(surnames) /
			    sizeof(surnames[0]));
			snprintf(gen, sizeof(gen), "%s_%s", adjectives[a],
			    surnames[b]);
			if (tries > 5)
				snprintf(gen + strlen(gen), sizeof(gen) -
				    strlen(gen), "%d", tries);
		}
		io_pathf(path, sizeof(path), "%s/names/%s", state, gen);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0)
			break;
		if (errno != EEXIST)
			return err_sys(e, "create %s", path);
		if (name) {
			char other[CTR_ID_LEN + 1] = "";
			int ofd = open(path, O_RDONLY | O_CLOEXEC);

			if (ofd >= 0) {
				ssize_t r = read(ofd, other, CTR_ID_LEN);

				other[r > 0 ? r : 0] = '\0';
				close(ofd);
			}
			return err_set(e, ERR_USAGE, "Conflict. The container "
			    "name \"/%s\" is already in use by container "
			    "\"%s\". You have to remove (or rename) that "
			    "container to be able to reuse that name.", gen,
			    other);
		}
	}
	if (fd < 0)
		return err_set(e, ERR_GENERIC, "could not pick a name");
	named = 1;
	if (write(fd, c->id, CTR_ID_LEN) != CTR_ID_LEN) {
		err_sys(e, "write %s", path);
		goto fail;
	}
	close(fd);
	fd = -1;
	snprintf(c->name, sizeof(c->name), "%s", gen);
	io_pathf(c->dir, sizeof(c->dir), "%s/containers/%s", state, c->id);
	if (mkdir(c->dir, 0700) < 0) {
		err_sys(e, "create %s", c->dir);
		goto fail;
	}
	made = 1;
	/* container.json first: with it the directory is a container that
	 * ps shows and rm removes, whatever happens next. */
	rec = json_parse(record_json, strlen(record_json), NULL, e);
	if (!rec) {
		err_ctx(e, "container record");
		goto fail;
	}
	json_writer_init(&w, 1);
	json_writer_begin_object(&w);
	json_writer_key(&w, "Id");
	json_writer_string(&w, c->id);
	json_writer_key(&w, "Name");
	io_pathf(path, sizeof(path), "/%s", c->name);
	json_writer_string(&w, path);
	ctr_time_text(ctr_now_ns(), created, sizeof(created));
	json_writer_key(&w, "Created");
	json_writer_string(&w, created);
	for (i = 0; i < json_len(rec); i++) {
		const char *k = json_str(json_key_at(rec, i));

		if (!k || strcmp(k, "Id") == 0 || strcmp(k, "Name") == 0 ||
		    strcmp(k, "Created") == 0)
			continue;
		json_writer_key(&w, k);
		json_writer_value(&w, json_val_at(rec, i));
	}
	json_writer_end_object(&w);
	buf = json_writer_finish(&w, &len, e);
	json_writer_free(&w);
	json_free(rec);
	rec = NULL;
	if (!buf)
		goto fail;
	if (write_at(c->dir, "container.json", buf, len, 0600, e) < 0)
		goto fail;
	c->record = json_parse(buf, len, NULL, e);
	free(buf);
	buf = NULL;
	if (!c->record)
		goto fail;
	/* `image` pins the image against GC (the caller holds the store
	 * open meanwhile, so GC cannot run before it exists): the image id,
	 * then the chain ids of the rootfs, one a line. */
	{
		size_t tot = strlen(image_id) + 2;
		char *lb, *q;

		for (i = 0; i < n; i++)
			tot += strlen(chains[i]) + 1;
		lb = malloc(tot);
		if (!lb) {
			err_set(e, ENOMEM, "out of memory");
			goto fail;
		}
		q = lb + sprintf(lb, "%s\n", image_id);
		for (i = 0; i < n; i++)
			q += sprintf(q, "%s\n", chains[i]);
		if (write_at(c->dir, "image", lb, (size_t)(q - lb), 0600,
		    e) < 0) {
			free(lb);
			goto fail;
		}
		free(lb);
	}
	/* No state.json yet: a container without one is created. */
	c->st.status = CTR_CREATED;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	json_free(rec);
	if (made) {
		struct err e2 = ERR_INIT;

		ctr_delete(c, &e2);
	} else if (named) {
		io_pathf(path, sizeof(path), "%s/names/%s", state, gen);
		unlink(path);
	}
	ctr_close(c);
	return -1;
}

int
ctr_open(const char *state, const char *key, struct ctr *c, struct err *e)
{
	char path[PATH_MAX], id[CTR_ID_LEN + 1], found[CTR_ID_LEN + 1] = "";
	const char *k = key;
	struct dirent *d;
	ssize_t r;
	int fd, matches = 0;
	DIR *dir;

	memset(c, 0, sizeof(*c));
	c->lockfd = -1;
	c->monfd = -1;
	if (!key || !*key)
		return err_set(e, ERR_USAGE, "container name or ID is empty");
	if (*k == '/')
		k++;
	if (valid_id(k))
		return load(state, k, c, e);
	if (valid_name(k) && !strchr(k, '/')) {
		io_pathf(path, sizeof(path), "%s/names/%s", state, k);
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0) {
			r = read(fd, id, CTR_ID_LEN);
			close(fd);
			id[r > 0 ? r : 0] = '\0';
			if (valid_id(id) && load(state, id, c, e) == 0)
				return 0;
			ctr_close(c);
			err_clear(e);
		}
	}
	io_pathf(path, sizeof(path), "%s/containers", state);
	dir = opendir(path);
	if (dir) {
		size_t kl = strlen(k);

		while ((d = readdir(dir))) {
			if (!valid_id(d->d_name) || kl == 0 ||
			    strncmp(d->d_name, k, kl) != 0)
				continue;
			matches++;
			memcpy(found, d->d_name, CTR_ID_LEN + 1);
		}
		closedir(dir);
	}
	if (matches > 1)
		return err_set(e, ERR_USAGE, "multiple IDs found with "
		    "provided prefix: %s", key);
	if (matches == 1)
		return load(state, found, c, e);
	return err_set(e, ERR_NOTFOUND, "No such container: %s", key);
}

void
ctr_close(struct ctr *c)
{
	if (c->lockfd >= 0)
		close(c->lockfd);
	if (c->monfd >= 0)
		close(c->monfd);
	c->lockfd = -1;
	c->monfd = -1;
	json_free(c->record);
	c->record = NULL;
}

int
ctr_lock(struct ctr *c, struct err *e)
{
	if (c->lockfd >= 0)
		return 0;
	c->lockfd = lock_file(c->dir, "lock", LOCK_EX, e);
	return c->lockfd < 0 ? -1 : 0;
}

void
ctr_unlock(struct ctr *c)
{
	if (c->lockfd >= 0)
		close(c->lockfd);
	c->lockfd = -1;
}

int
ctr_monitor_lock(struct ctr *c, struct err *e)
{
	if (c->monfd >= 0)
		return 0;
	c->monfd = lock_dir(c->dir, LOCK_EX | LOCK_NB, e);
	if (c->monfd < 0 && e->code == EWOULDBLOCK)
		return err_set(e, ERR_USAGE, "container %s is already "
		    "running", c->name);
	return c->monfd < 0 ? -1 : 0;
}

int
ctr_monitor_alive(const struct ctr *c)
{
	struct err e = ERR_INIT;
	int fd;

	if (c->monfd >= 0)
		return 1;
	fd = lock_dir(c->dir, LOCK_SH | LOCK_NB, &e);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return e.code == EWOULDBLOCK;
}

int
ctr_wait_monitor(const struct ctr *c, int timeout_ms, struct err *e)
{
	int fd, waited = 0;

	if (timeout_ms < 0) {
		fd = lock_dir(c->dir, LOCK_SH, e);
		if (fd < 0)
			return -1;
		close(fd);
		return 1;
	}
	fd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return err_sys(e, "open %s", c->dir);
	for (;;) {
		if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
			close(fd);
			return 1;
		}
		if (errno != EWOULDBLOCK && errno != EINTR) {
			close(fd);
			return err_sys(e, "lock %s", c->dir);
		}
		if (waited >= timeout_ms) {
			close(fd);
			return 0;
		}
		poll(NULL, 0, 10);
		waited += 10;
	}
}

static int
cmp_created(const void *a, const void *b)
{
	const struct ctr *x = a, *y = b;
	const char *cx = json_str(json_get(x->record, "Created"));
	const char *cy = json_str(json_get(y->record, "Created"));
	int r;

	r = strcmp(cy ? cy : "", cx ? cx : "");
	return r ? r : strcmp(x->id, y->id);
}

int
ctr_list(const char *state, struct ctr **list, size_t *n, struct err *e)
{
	char path[PATH_MAX];
	struct ctr *v = NULL, *p;
	struct dirent *d;
	size_t cnt = 0;
	DIR *dir;

	*list = NULL;
	*n = 0;
	io_pathf(path, sizeof(path), "%s/containers", state);
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? 0 : err_sys(e, "open %s", path);
	while ((d = readdir(dir))) {
		struct err e2 = ERR_INIT;

		if (!valid_id(d->d_name))
			continue;
		p = realloc(v, (cnt + 1) * sizeof(*v));
		if (!p) {
			closedir(dir);
			for (size_t i = 0; i < cnt; i++)
				ctr_close(&v[i]);
			free(v);
			return err_set(e, ENOMEM, "out of memory");
		}
		v = p;
		if (load(state, d->d_name, &v[cnt], &e2) < 0) {
			ctr_close(&v[cnt]);
			continue;
		}
		cnt++;
	}
	closedir(dir);
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_created);
	*list = v;
	*n = cnt;
	return 0;
}

/* Remove everything below `fd` (a directory), never following links. */
static int
rm_tree(int fd, struct err *e)
{
	struct dirent *d;
	struct stat sb;
	DIR *dir;
	int sub, ret = 0;

	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return err_sys(e, "open directory");
	}
	while ((d = readdir(dir))) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(dir), d->d_name, &sb,
		    AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			sub = openat(dirfd(dir), d->d_name, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0 || rm_tree(sub, e) < 0) {
				ret = -1;
				continue;
			}
			if (unlinkat(dirfd(dir), d->d_name, AT_REMOVEDIR) < 0)
				ret = err_sys(e, "remove %s", d->d_name);
		} else if (unlinkat(dirfd(dir), d->d_name, 0) < 0) {
			ret = err_sys(e, "remove %s", d->d_name);
		}
	}
	closedir(dir);
	return ret;
}

int
ctr_delete(struct ctr *c, struct err *e)
{
	char path[PATH_MAX], aside[PATH_MAX], id[CTR_ID_LEN + 1];
	ssize_t r;
	int fd;

	if (c->name[0]) {
		io_pathf(path, sizeof(path), "%s/names/%s", c->state_root,
		    c->name);
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0) {
			r = read(fd, id, CTR_ID_LEN);
			close(fd);
			id[r > 0 ? r : 0] = '\0';
			if (strcmp(id, c->id) == 0)
				unlink(path);
		}
	}
	io_pathf(aside, sizeof(aside), "%s/containers/.rm-%s", c->state_root,
	    c->id);
	if (rename(c->dir, aside) < 0) {
		if (errno == ENOENT)
			return 0;
		return err_sys(e, "remove %s", c->dir);
	}
	fd = open(aside, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "open %s", aside);
	if (rm_tree(fd, e) < 0 || rmdir(aside) < 0)
		return err_ctx(e, "remove %s", aside);
	return 0;
}

void
ctr_status_text(const struct ctr *c, int64_t now_ns, char *out, size_t len)
{
	char d[64];

	switch (c->st.status) {
	case CTR_RUNNING:
		human_duration((now_ns - c->st.started_ns) / 1000000000, d,
		    sizeof(d));
		snprintf(out, len, "Up %s", d);
		break;
	case CTR_EXITED:
		if (!c->st.finished_ns) {
			snprintf(out, len, "Exited (%d)", c->st.exit_code);
			break;
		}
		human_duration((now_ns - c->st.finished_ns) / 1000000000, d,
		    sizeof(d));
		snprintf(out, len, "Exited (%d) %s ago", c->st.exit_code, d);
		break;
	case CTR_REMOVING:
		snprintf(out, len, "Removal In Progress");
		break;
	default:
		snprintf(out, len, "Created");
	}
}

const struct json_value *
ctr_get(const struct ctr *c, const char *path)
{
	return json_get(c->record, path);
}

static void
copy_field(const struct ctr *c, struct json_writer *w, const char *key)
{
	const struct json_value *v = ctr_get(c, key);

	json_writer_key(w, key);
	if (v)
		json_writer_value(w, v);
	else
		json_writer_null(w);
}

int
ctr_inspect(const struct ctr *c, struct json_writer *w, struct err *e)
{
	char t[64];

	(void)e;
	json_writer_begin_object(w);
	copy_field(c, w, "Id");
	copy_field(c, w, "Created");
	copy_field(c, w, "Path");
	copy_field(c, w, "Args");
	json_writer_key(w, "State");
	json_writer_begin_object(w);
	json_writer_key(w, "Status");
	json_writer_string(w, status_names[c->st.status]);
	json_writer_key(w, "Running");
	json_writer_bool(w, c->st.status == CTR_RUNNING);
	json_writer_key(w, "Paused");
	json_writer_bool(w, 0);
	json_writer_key(w, "Restarting");
	json_writer_bool(w, 0);
	json_writer_key(w, "OOMKilled");
	json_writer_bool(w, c->st.oom_killed);
	json_writer_key(w, "Dead");
	json_writer_bool(w, 0);
	json_writer_key(w, "Pid");
	json_writer_int(w, c->st.status == CTR_RUNNING ? c->st.pid : 0);
	json_writer_key(w, "ExitCode");
	json_writer_int(w, c->st.exit_code);
	json_writer_key(w, "Error");
	json_writer_string(w, c->st.monitor_lost && !c->st.error[0] ?
	    "the container's monitor exited unexpectedly" : c->st.error);
	ctr_time_text(c->st.started_ns, t, sizeof(t));
	json_writer_key(w, "StartedAt");
	json_writer_string(w, t);
	ctr_time_text(c->st.finished_ns, t, sizeof(t));
	json_writer_key(w, "FinishedAt");
	json_writer_string(w, t);
	json_writer_end_object(w);
	copy_field(c, w, "Image");
	copy_field(c, w, "ResolvConfPath");
	copy_field(c, w, "HostnamePath");
	copy_field(c, w, "HostsPath");
	copy_field(c, w, "LogPath");
	copy_field(c, w, "Name");
	json_writer_key(w, "RestartCount");
	json_writer_int(w, 0);
	copy_field(c, w, "Driver");
	json_writer_key(w, "Platform");
	json_writer_string(w, "linux");
	copy_field(c, w, "HostConfig");
	copy_field(c, w, "Mounts");
	copy_field(c, w, "Config");
	json_writer_key(w, "NetworkSettings");
	net_ctr_inspect(c, w);
	json_writer_end_object(w);
	return 0;
}

int
ctr_cgroup_path(const struct ctr *c, char *out, size_t len)
{
	const char *p = json_str(ctr_get(c, "HostConfig.CgroupParent"));

	if (!p || !*p)
		p = "/rocker";
	return io_pathf(out, len, "%s%s/%s", p[0] == '/' ? "" : "/", p,
	    c->id);
}

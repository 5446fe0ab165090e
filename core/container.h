/* container.h - container records: ids, names, state, the per-container
 * directory and its locks
 *
 * Layout (STATE is the config's exec-root, /var/lib/rocker by default):
 *
 *	STATE/containers/<id>/
 *		container.json	what `run` was asked for (Docker's Config,
 *				HostConfig and Mounts), written at create;
 *				read by ps, inspect, start
 *		config.json	the OCI runtime spec (the bundle's config)
 *		state.json	Status, Pid, ExitCode, OOMKilled, StartedAt,
 *				FinishedAt, Error: written by the monitor;
 *				none yet means created
 *		image		the image id, then the chain ids the container
 *				needs, one a line (image GC contract, image.h)
 *		lock		flock: serialises start / stop / rm
 *		(the directory)	flock held by the monitor while it lives: a
 *				container whose record says "running" while
 *				this lock is free has lost its monitor (host
 *				reboot, kill -9) and is reported as exited
 *		container.log	stdout/stderr in Docker's json-file format
 *		hostname, hosts, resolv.conf	bind-mounted into the container
 *	STATE/names/<name>	the id of the container called <name>
 *				(created with O_EXCL: names are unique)
 *
 * Every write of a record goes through a temporary file and rename(2), so
 * a reader never sees half a record. Nothing here prints or exits.
 */
#ifndef ROCKER_CONTAINER_H
#define ROCKER_CONTAINER_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "json.h"

enum {
	CTR_ID_LEN = 64,	/* hex digits of an id */
	CTR_SHORT_ID = 12,	/* what ps shows */
	CTR_NAME_MAX = 128,
	CTR_RECORD_MAX = 4 << 20,
};

enum ctr_status {
	CTR_CREATED,
	CTR_RUNNING,
	CTR_EXITED,
	CTR_REMOVING,
};

/* state.json */
struct ctr_state {
	enum ctr_status status;
	pid_t pid;		/* init, host pid namespace; 0 when not running */
	pid_t monitor;		/* the monitor's pid, 0 if none */
	int exit_code;
	int oom_killed;
	int64_t started_ns;	/* Unix time in ns, 0 = never */
	int64_t finished_ns;
	char error[256];	/* rocker's error when the start failed */
	int monitor_lost;	/* set by ctr_load: "running" but no monitor */
};

/* An open container. Fields are read-only for callers. */
struct ctr {
	char id[CTR_ID_LEN + 1];
	char name[CTR_NAME_MAX + 1];
	char dir[PATH_MAX];	/* STATE/containers/<id> */
	char state_root[PATH_MAX];
	struct json_value *record; /* container.json, owned */
	struct ctr_state st;
	int lockfd;		/* `lock` while held, else -1 */
	int monfd;		/* the directory, locked, else -1 */
};

/*
 * Create a new container record: a random id, the name (NULL: a generated
 * "adjective_surname" like Docker's) reserved under names/ (ERR_USAGE with
 * Docker's message when taken), the directory with `image` = `image_id`,
 * the `layers` file from `chains` (n entries), container.json = `record`
 * (a JSON object; "Id", "Name" and "Created" are added), state.json with
 * status created. `c` need not be initialised; release with ctr_close().
 * On failure nothing is left behind. Returns 0 or -1.
 */
int ctr_create(const char *state, const char *name, const char *image_id,
    char *const *chains, size_t n, const char *record_json,
    struct ctr *c, struct err *e);

/*
 * Find a container by full id, exact name, or unique id prefix (Docker's
 * order) and load its record and state. ERR_NOTFOUND "No such container:
 * KEY"; ERR_USAGE when a prefix is ambiguous. Returns 0 or -1.
 */
int ctr_open(const char *state, const char *key, struct ctr *c,
    struct err *e);

/* Reload state.json (and apply the monitor-lost rule). 0 or -1. */
int ctr_reload(struct ctr *c, struct err *e);

/* Write state.json from c->st (tmp + rename). 0 or -1. */
int ctr_save_state(struct ctr *c, struct err *e);

/* Close fds, free the record. Safe on a zeroed struct. */
void ctr_close(struct ctr *c);

/* Take / release the container's `lock` (exclusive, blocking). */
int ctr_lock(struct ctr *c, struct err *e);
void ctr_unlock(struct ctr *c);

/*
 * Take the monitor lock (on the directory) exclusively without waiting:
 * 0 when taken (the caller is now the monitor), ERR_USAGE "container is
 * already running" when a monitor holds it. Released by ctr_close() or
 * process exit.
 */
int ctr_monitor_lock(struct ctr *c, struct err *e);

/* 1 if a monitor holds the monitor lock, else 0. */
int ctr_monitor_alive(const struct ctr *c);

/*
 * Wait until no monitor holds the monitor lock: forever when
 * timeout_ms < 0. Returns 1 when free, 0 on timeout, -1 on error.
 */
int ctr_wait_monitor(const struct ctr *c, int timeout_ms, struct err *e);

/*
 * Every container, sorted newest first: heap array *list of *n opened
 * containers (records loaded, no locks held), release each with
 * ctr_close() and the array with free(). Entries that vanish or are half
 * created are skipped. Returns 0 or -1.
 */
int ctr_list(const char *state, struct ctr **list, size_t *n,
    struct err *e);

/*
 * Delete the container's directory and its name (the caller has stopped
 * it and released its rootfs and cgroup): renamed aside first, so it
 * vanishes from listings at once, then removed. 0 or -1.
 */
int ctr_delete(struct ctr *c, struct err *e);

/* Write `buf` (`len` bytes) to DIR/`name` via a temporary file and
 * rename, mode `mode`. 0 or -1. */
int ctr_write_file(struct ctr *c, const char *name, const char *buf,
    size_t len, int mode, struct err *e);

/* "Up 3 minutes", "Exited (0) 2 seconds ago", "Created" for ps. */
void ctr_status_text(const struct ctr *c, int64_t now_ns, char *out,
    size_t len);

/* The Docker status word: "created", "running", "exited", "removing". */
const char *ctr_status_name(enum ctr_status s);

/* RFC 3339 UTC with nanoseconds, as Docker prints times. `ns` 0 gives
 * "0001-01-01T00:00:00Z". */
void ctr_time_text(int64_t ns, char *out, size_t len);

/* The current Unix time in nanoseconds. */
int64_t ctr_now_ns(void);

/*
 * Write `docker inspect`'s object for `c` into `w` (an open writer at a
 * value position): Id, Created, Path, Args, State (Status, Running,
 * Paused, Restarting, OOMKilled, Dead, Pid, ExitCode, Error, StartedAt,
 * FinishedAt), Image, the *Path files, Name, Driver, Platform, HostConfig,
 * Mounts, Config, NetworkSettings. 0 or -1 (from the writer).
 */
int ctr_inspect(const struct ctr *c, struct json_writer *w, struct err *e);

/* The container's cgroup path: HostConfig.CgroupParent ("/rocker" when
 * absent) + "/" + id. 0, or -1 when it does not fit in `len`. */
int ctr_cgroup_path(const struct ctr *c, char *out, size_t len);

/* Record fields by dotted path ("Config.Image"), NULL if absent. */
const struct json_value *ctr_get(const struct ctr *c, const char *path);

#endif

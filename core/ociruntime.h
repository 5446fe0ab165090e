/* ociruntime.h - the runc-compatible runtime: containers kept in a state
 * directory between separate invocations (create, start, state, kill,
 * delete, pause, resume, update, ps, list)
 *
 * Unlike `run`, whose monitor process owns a container for its whole life,
 * an OCI runtime is called once per lifecycle step by an engine (podman's
 * conmon, containerd's shim, CRI-O) and exits in between. What ties the
 * calls together is ROOT/ID/ (ROOT is runc's --root, /run/rocker-runc by
 * default):
 *
 *	state.json   id, init pid and its start time (/proc/PID/stat field
 *	             22, so a reused pid is never taken for the init),
 *	             bundle, rootfs, creation time, cgroup path, paused flag,
 *	             annotations; rewritten atomically (temp file + rename);
 *	start.sock   a listening unix socket the created init blocks on in
 *	             accept() (core/runtime.h rt_opts.start_sock); `start`
 *	             connects to it and removes it. It plays the role of
 *	             runc's exec.fifo without needing /proc in the container.
 *
 * The status is derived, never stored: "stopped" when the init is gone (or
 * a zombie, or its pid now names another process), "created" while
 * start.sock exists, "paused" when the freezer was set by oci_pause(),
 * else "running".
 *
 * Error wording follows runc where engines match on it: `container "ID"
 * does not exist` (ERR_NOTFOUND), "container not running", "container
 * with id exists: ID".
 */
#ifndef ROCKER_OCIRUNTIME_H
#define ROCKER_OCIRUNTIME_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "err.h"
#include "runtime.h"
#include "spec.h"

enum oci_status {
	OCI_CREATING,
	OCI_CREATED,
	OCI_RUNNING,
	OCI_PAUSED,
	OCI_STOPPED,
};

enum {
	OCI_STATE_MAX = 1 << 20,	/* largest state.json read */
	OCI_HOOK_TIMEOUT = 120,		/* s, for hooks without one */
};

/* A container's record. Strings are NUL-terminated; `annotations` is the
 * JSON text of the spec's annotations object (heap, owned, may be NULL). */
struct oci_state {
	char id[RT_ID_MAX];
	char dir[PATH_MAX];		/* ROOT/ID */
	pid_t pid;
	uint64_t starttime;		/* clock ticks after boot */
	char bundle[PATH_MAX];
	char rootfs[PATH_MAX];
	char created[48];		/* RFC 3339, UTC, nanoseconds */
	char cgroup[CG_PATH_MAX];	/* relative cgroup path */
	int paused;
	char *annotations;
};

/* How to create. Zero-initialise and fill what applies; borrowed. */
struct oci_create_opts {
	const char *root;		/* state root (--root) */
	const char *id;
	const char *bundle;		/* NULL: the current directory */
	const char *pid_file;		/* NULL: none */
	const char *console_socket;	/* NULL: none (terminal refused) */
	int no_pivot;
	int preserve_fds;
};

/*
 * Create container `o->id` from the bundle: load config.json, make
 * ROOT/ID, set up the init with core/runtime (detached: it waits for
 * oci_start() and outlives this process), run the prestart,
 * createRuntime and createContainer hooks, write the pid file (temp file
 * + rename) and state.json. stdio 0-2 of the caller become the
 * container's (closed ones /dev/null); with process.terminal the pty
 * master goes to o->console_socket by SCM_RIGHTS. On success *pid is the
 * init's pid. On failure nothing is left (init killed, cgroup and state
 * directory removed). Returns 0 or -1.
 */
int oci_create(const struct oci_create_opts *o, pid_t *pid, struct err *e);

/*
 * Let created container `id` run its process, then run the poststart
 * hooks (a failing one is reported in `warn`, which may be NULL, and does
 * not fail the start). Errors: ERR_NOTFOUND, or ERR_USAGE when it is not
 * in the created state ("cannot start a container that has stopped",
 * "cannot start an already running container"). Returns 0 or -1.
 */
int oci_start(const char *root, const char *id, struct err *warn,
    struct err *e);

/*
 * Load ROOT/ID/state.json into `st` (need not be initialised; release
 * with oci_state_free()). ERR_NOTFOUND `container "ID" does not exist`.
 * Returns 0 or -1.
 */
int oci_state_load(const char *root, const char *id, struct oci_state *st,
    struct err *e);

/* Release what `st` owns. Safe on a zeroed struct. */
void oci_state_free(struct oci_state *st);

/* The current status of a loaded container (reads /proc and ROOT/ID). */
enum oci_status oci_status_of(const struct oci_state *st);

/* "creating", "created", "running", "paused" or "stopped". */
const char *oci_status_name(enum oci_status s);

/*
 * The runtime-spec state of `st` with status `s` as JSON (pretty when
 * `pretty`): ociVersion, id, status, pid (0 when stopped), bundle,
 * rootfs, created, owner, annotations. A new heap string the caller
 * frees, or NULL with `e` set.
 */
char *oci_state_json(const struct oci_state *st, enum oci_status s,
    int pretty, struct err *e);

/*
 * Send `sig` to the init of `id` (pidfd checked against the recorded
 * start time), or with `all` to every process of its cgroup. A stopped
 * container: ERR_USAGE "container not running". Returns 0 or -1.
 */
int oci_kill(const char *root, const char *id, int sig, int all,
    struct err *e);

/*
 * Delete `id`: allowed when created or stopped, or with `force` (every
 * process of the cgroup is killed first); remove the cgroup, run the
 * poststop hooks (failures go to `warn`, may be NULL) and remove ROOT/ID.
 * "cannot delete container ID that is not stopped: running" (ERR_USAGE)
 * without `force`; a missing container is ERR_NOTFOUND, or success with
 * `force` (as runc). Returns 0 or -1.
 */
int oci_delete(const char *root, const char *id, int force,
    struct err *warn, struct err *e);

/* Freeze (`frozen` 1, a running container) or thaw (0, a paused one) the
 * cgroup of `id` and record it. ERR_USAGE "container not running" /
 * "container not paused". Returns 0 or -1. */
int oci_pause(const char *root, const char *id, int frozen, struct err *e);

/*
 * Apply a runtime-spec linux.resources object (`len` bytes of JSON at
 * `json`) to the cgroup of running, created or paused container `id`
 * (core/cgroup.h cg_set). Returns 0 or -1.
 */
int oci_update(const char *root, const char *id, const char *json,
    size_t len, struct err *e);

/*
 * The pids in the cgroup of `id` (host pid namespace): *pids is a new heap
 * array the caller frees (NULL when *n is 0). Returns 0 or -1.
 */
int oci_pids(const char *root, const char *id, pid_t **pids, size_t *n,
    struct err *e);

/*
 * The ids of the containers under `root`, sorted: *ids is a new heap
 * array of heap strings, the caller frees each and the array. A missing
 * root has none. Returns 0 or -1.
 */
int oci_list(const char *root, char ***ids, size_t *n, struct err *e);

/*
 * Run the hooks of kind `k` of `s` in order, each with `state` (JSON text)
 * on its stdin and its timeout (OCI_HOOK_TIMEOUT when none); stops at the
 * first one that fails or times out (killed). Returns 0 or -1.
 */
int oci_hooks_run(const struct spec *s, enum spec_hook_kind k,
    const char *state, struct err *e);

/*
 * The `features` document (runtime-spec features.md): supported versions,
 * hooks, mount options, namespaces, capabilities, cgroup and seccomp
 * support, annotations. A new heap string the caller frees, or NULL.
 */
char *oci_features_json(struct err *e);

/*
 * Open (connect) the unix socket at `path`, whose length may exceed
 * sun_path (connected through /proc/self/fd/DIR/NAME). Returns the fd
 * (O_CLOEXEC) or -1.
 */
int oci_connect(const char *path, struct err *e);

/*
 * Write `len` bytes to `path` atomically: a temp file in the same
 * directory, fsync-free, renamed over `path`. Returns 0 or -1.
 */
int oci_write_atomic(const char *path, const char *buf, size_t len,
    struct err *e);

#endif

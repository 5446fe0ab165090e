/* create.h - `docker create` semantics: image config + flags -> a container
 *
 * create_container() turns the image's config and the `run`/`create`
 * flags into a container record (core/container), a read-write layer with
 * the root filesystem mounted on the host (overlay of the image layers, or
 * a copy with the copy driver), the generated /etc/hostname, /etc/hosts and
 * /etc/resolv.conf, and the OCI runtime spec config.json in the container
 * directory, which is the bundle the runtime starts. Docker's defaults:
 * namespaces, mounts, masked and read-only paths, the 14 capabilities,
 * seccomp's default profile, the device cgroup allow-list; rocker adds
 * no_new_privs by default (--security-opt no-new-privileges=false turns it
 * off).
 *
 * The rootfs stays mounted while the container exists and is running; the
 * monitor unmounts it when the container stops (create_rootfs_umount())
 * and mounts it again for `start` (create_rootfs_mount()).
 */
#ifndef ROCKER_CREATE_H
#define ROCKER_CREATE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "container.h"
#include "err.h"
#include "store.h"

/* The flags of `run` and `create`, as strings the way the user gave them
 * (parsed and validated by create_container()). Zero means "not given". */
struct create_opts {
	const char *image;		/* reference or id, as typed */
	/* `image` as the caller already found it (run's pull check), or
	 * NULL: create looks it up */
	const struct store_image *found;
	char **cmd;			/* after the image; may be empty */
	size_t ncmd;
	const char *entrypoint;		/* --entrypoint ("" clears it) */
	int has_entrypoint;
	char **env;			/* -e K=V or -e K */
	size_t nenv;
	char **env_files;		/* --env-file */
	size_t nenv_files;
	const char *workdir;		/* -w */
	const char *user;		/* -u user[:group] */
	char **group_add;		/* --group-add */
	size_t ngroup_add;
	const char *hostname;		/* -h */
	const char *name;		/* --name */
	char **volumes;			/* -v */
	size_t nvolumes;
	char **tmpfs;			/* --tmpfs PATH[:OPTS] */
	size_t ntmpfs;
	char **cap_add, **cap_drop;
	size_t ncap_add, ncap_drop;
	char **security_opt;
	size_t nsecurity_opt;
	char **sysctls;			/* --sysctl K=V */
	size_t nsysctls;
	char **ulimits;			/* --ulimit NAME=SOFT[:HARD] */
	size_t nulimits;
	const char *network;		/* none | host | bridge (NULL) |
					 * container:NAME | a network name */
	const char *ip;			/* --ip */
	char **dns, **dns_search, **add_hosts;	/* --dns, --dns-search,
					 * --add-host */
	size_t ndns, ndns_search, nadd_hosts;
	char **publish;			/* -p [IP:][HOST:]CTR[/PROTO] */
	size_t npublish;
	int publish_all;		/* -P */
	const char *pid_mode, *ipc_mode, *uts_mode;	/* "host" or NULL */
	const char *memory, *memory_swap, *memory_reservation;
	const char *cpus, *cpu_shares, *cpuset_cpus, *cpuset_mems;
	const char *pids_limit;
	const char *stop_signal;
	int stop_timeout;		/* -1: not given */
	const char *shm_size;
	const char *cgroup_parent;	/* NULL: the config's */
	int read_only, privileged, tty, interactive, auto_remove, init;
	int oom_score_adj, has_oom_score_adj;
};

/*
 * Create the container: image `o->image` must be in the open store `s`
 * (the caller pulls first). On success `c` is the open container (status
 * created, rootfs mounted). On failure nothing is left: no record, no
 * name, no rw layer, no mount. Errors: ERR_NOTFOUND for the image,
 * ERR_USAGE for bad flag values (the message names the flag as Docker
 * does: "invalid argument \"12q\" for \"-m, --memory\" flag: ..."),
 * others from the system. Returns 0 or -1.
 */
int create_container(struct store *s, const struct config *cfg,
    const struct create_opts *o, struct ctr *c, struct err *e);

/*
 * Mount the container's root filesystem on STORE/rw/<id>/merged (overlay;
 * the copy driver's directory needs nothing) unless it is mounted. Opens
 * the store shared for the duration. 0 or -1.
 */
int create_rootfs_mount(const struct config *cfg, struct ctr *c,
    struct err *e);

/* Unmount it (lazy unmount: nothing in the host may hold it). A rootfs
 * that is not mounted is success. 0 or -1. */
int create_rootfs_umount(const struct config *cfg, struct ctr *c,
    struct err *e);

/* Flags of create_remove(). */
enum {
	CREATE_RM_VOLUMES = 1 << 0,	/* rm -v: its anonymous volumes too */
	CREATE_RM_CGROUP_GONE = 1 << 1,	/* the monitor removed the cgroup */
};

/*
 * Remove a stopped container for good: unmount, remove its cgroup (if a
 * crashed monitor left it), its rw layer, its anonymous volumes with
 * CREATE_RM_VOLUMES (rm -v), its record and name. 0 or -1 (what could not
 * be removed is named; the rest is still removed).
 */
int create_remove(const struct config *cfg, struct ctr *c, unsigned flags,
    struct err *e);

#endif

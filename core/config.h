/* config.h - rocker's run-time settings
 *
 * Precedence, lowest first: the compile-time defaults in config/defaults.h,
 * the config file (JSON, /etc/rocker/config.json unless --config or
 * ROCKER_CONFIG names another), the environment (ROCKER_ROOT, ...), and
 * finally the global command-line options, which core/main.c applies.
 * docs/config.md lists every key and variable.
 */
#ifndef ROCKER_CONFIG_H
#define ROCKER_CONFIG_H

#include <limits.h>

#include "err.h"

enum {
	CONFIG_LIST_MAX = 16,	/* mirrors, insecure registries */
	CONFIG_STR_MAX = 256,	/* registry names and URLs */
	CONFIG_FILE_MAX = 1 << 20,
};

struct config {
	char root[PATH_MAX];	/* image store root */
	char state[PATH_MAX];	/* container state root */
	char registry[CONFIG_STR_MAX];	/* default registry host */
	char mirrors[CONFIG_LIST_MAX][CONFIG_STR_MAX];
	int nmirrors;
	char insecure[CONFIG_LIST_MAX][CONFIG_STR_MAX];
	int ninsecure;
	char bridge[16];	/* bridge interface name (IFNAMSIZ) */
	char subnet[32];	/* IPv4 CIDR of the default bridge network */
	char driver[16];	/* storage driver: "", "overlay" or "copy" */
	char port_driver[8];	/* published ports: "" (NAT, else the
				 * proxy), "nat" or "proxy" */
	int max_downloads;	/* parallel layer downloads */
	char certs_dir[PATH_MAX];	/* per-registry CAs: DIR/HOST[:PORT]/ */
	unsigned long long layer_max_bytes;	/* extraction budget, 0: default */
	unsigned long long layer_max_entries;	/* entries budget, 0: default */
	char cgroup_parent[PATH_MAX]; /* containers' cgroups: PARENT/<id> */
	unsigned long long registry_timeout;	/* seconds a registry may stay
						   silent (connect, each read
						   or write), 0: 30 */
	char file[PATH_MAX];	/* config file that was read, "" if none */
};

/* Fill `c` with the compile-time defaults. */
void config_defaults(struct config *c);

/*
 * Apply the config file at `path` to `c`. When `path` is NULL the file
 * named by ROCKER_CONFIG, else /etc/rocker/config.json, is used, and its
 * absence is not an error; a file named explicitly must exist. Unknown keys,
 * wrong types and invalid values are errors. `c` is left unchanged on error.
 */
int config_load_file(struct config *c, const char *path, struct err *e);

/*
 * Apply the environment variables ROCKER_ROOT, ROCKER_STATE,
 * ROCKER_REGISTRY, ROCKER_REGISTRY_MIRRORS, ROCKER_INSECURE_REGISTRIES
 * (comma-separated lists), ROCKER_BRIDGE, ROCKER_BRIDGE_SUBNET,
 * ROCKER_STORAGE_DRIVER, ROCKER_PORT_DRIVER, ROCKER_MAX_CONCURRENT_DOWNLOADS,
 * ROCKER_CERTS_DIR, ROCKER_LAYER_MAX_BYTES, ROCKER_LAYER_MAX_ENTRIES and
 * ROCKER_REGISTRY_TIMEOUT to `c`.
 */
int config_load_env(struct config *c, struct err *e);

/*
 * Set one setting by its config-file key ("data-root", ...) from a string,
 * validating it. Lists take a comma-separated value. Used for the file, the
 * environment and the command line alike.
 */
int config_set(struct config *c, const char *key, const char *val,
    struct err *e);

/*
 * Serialise `c` as a JSON object (the config-file keys) into a heap
 * buffer; *out receives it NUL-terminated and the caller frees it.
 */
int config_to_json(const struct config *c, char **out, struct err *e);

#endif

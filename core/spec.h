/* spec.h - the OCI runtime-spec config.json a container is started from
 *
 * `run` turns an image config and its flags into a `struct spec`, writes it
 * as config.json into the container's bundle directory with spec_write(),
 * and the runtime (core/runtime) reads it back with spec_parse(). The OCI
 * runtime applet reads bundles written by other tools (podman, containerd)
 * the same way, so spec_parse() accepts the runtime-spec 1.x document as
 * those callers write it (runtime-spec config.md, config-linux.md) and
 * refuses, with a message naming the field, what the runtime cannot honour
 * when ignoring it would weaken isolation (e.g. a user namespace with no
 * mappings, an unknown namespace type, seccomp actions it cannot express).
 * Fields that only describe (annotations, hooks it does not run) are kept
 * or skipped as documented per field.
 *
 * Ownership: every pointer in a parsed `struct spec` is heap memory owned
 * by the struct and released by spec_free(). A struct built by hand for
 * spec_write() may point anywhere; spec_write() only reads it.
 */
#ifndef ROCKER_SPEC_H
#define ROCKER_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum {
	SPEC_MAX_SIZE = 8 << 20,	/* largest config.json read */
	SPEC_UNSET = -1,		/* an int64 resource that is not set */
};

/* Namespace kinds, in the order runc joins them (user last but one). */
enum spec_ns_type {
	SPEC_NS_MOUNT,
	SPEC_NS_UTS,
	SPEC_NS_IPC,
	SPEC_NS_NET,
	SPEC_NS_PID,
	SPEC_NS_CGROUP,
	SPEC_NS_TIME,
	SPEC_NS_USER,
	SPEC_NS_COUNT
};

/* Capability sets of process.capabilities. */
enum spec_cap_set {
	SPEC_CAP_BOUNDING,
	SPEC_CAP_EFFECTIVE,
	SPEC_CAP_INHERITABLE,
	SPEC_CAP_PERMITTED,
	SPEC_CAP_AMBIENT,
	SPEC_CAP_SETS
};

/* linux.namespaces[]: present = create or join; `path` NULL = create. */
struct spec_ns {
	int present;
	char *path;
};

/* mounts[]. `options` as in the spec ("ro", "nosuid", "bind", "rbind",
 * "rprivate", "size=65536k", "mode=755", ...). */
struct spec_mount {
	char *destination;	/* absolute path inside the container */
	char *type;		/* "bind", "proc", "tmpfs", ...; may be NULL
				 * for a bind mount given by options */
	char *source;		/* may be NULL */
	char **options;
	size_t noptions;
};

/* process.rlimits[]: `type` is the RLIMIT_* number. */
struct spec_rlimit {
	int type;
	uint64_t soft, hard;
};

/* linux.uidMappings / gidMappings entries. */
struct spec_idmap {
	uint32_t container_id, host_id, size;
};

/* linux.devices[]: device nodes to create in the container's /dev. */
struct spec_device {
	char *path;
	char type;		/* 'c', 'b', 'u' or 'p' */
	int64_t major, minor;
	uint32_t file_mode;	/* permission bits, 0666 when absent */
	uint32_t uid, gid;
};

/* linux.resources.devices[]: the device cgroup list, in order. */
struct spec_devrule {
	int allow;
	char type;		/* 'a', 'c' or 'b' */
	int64_t major, minor;	/* -1 for any */
	char access[4];		/* subset of "rwm" */
};

/* linux.resources. Every int64 is SPEC_UNSET when absent. */
struct spec_resources {
	int64_t memory_limit;	/* bytes */
	int64_t memory_reservation;
	int64_t memory_swap;	/* memory + swap, bytes; -1 in JSON is
				 * "unlimited" and stored as INT64_MAX */
	int64_t memory_swappiness;
	int disable_oom_killer;
	int64_t cpu_shares;
	int64_t cpu_quota;	/* microseconds per period */
	int64_t cpu_period;	/* microseconds */
	char *cpuset_cpus;	/* NULL when absent */
	char *cpuset_mems;
	int64_t pids_limit;	/* 0 or negative in JSON: unlimited, stored
				 * as INT64_MAX */
	struct spec_devrule *devices;
	size_t ndevices;
	char *unified_keys_values; /* reserved, NULL */
};

/* Seccomp (linux.seccomp), as runtime-spec describes it. */
enum spec_sc_action {
	SPEC_SC_KILL,		/* SCMP_ACT_KILL / KILL_THREAD */
	SPEC_SC_KILL_PROCESS,
	SPEC_SC_TRAP,
	SPEC_SC_ERRNO,
	SPEC_SC_TRACE,
	SPEC_SC_ALLOW,
	SPEC_SC_LOG,
};

enum spec_sc_op {
	SPEC_SC_NE,
	SPEC_SC_LT,
	SPEC_SC_LE,
	SPEC_SC_EQ,
	SPEC_SC_GE,
	SPEC_SC_GT,
	SPEC_SC_MASKED_EQ,
};

struct spec_sc_arg {
	unsigned index;		/* 0..5 */
	uint64_t value, value2;
	enum spec_sc_op op;
};

struct spec_sc_rule {
	char **names;		/* syscall names */
	size_t nnames;
	enum spec_sc_action action;
	int errno_ret;		/* for SPEC_SC_ERRNO / TRACE; -1 = default */
	struct spec_sc_arg *args;
	size_t nargs;
};

struct spec_seccomp {
	enum spec_sc_action default_action;
	int default_errno;	/* -1 = default (EPERM) */
	char **archs;		/* "SCMP_ARCH_X86_64", ... (may be empty) */
	size_t narchs;
	struct spec_sc_rule *rules;
	size_t nrules;
	unsigned flags;		/* reserved, 0 */
};

/* A hook (hooks.prestart etc.). */
struct spec_hook {
	char *path;
	char **args;
	size_t nargs;
	char **env;
	size_t nenv;
	int timeout;		/* seconds, 0 = none */
};

enum spec_hook_kind {
	SPEC_HOOK_PRESTART,
	SPEC_HOOK_CREATE_RUNTIME,
	SPEC_HOOK_CREATE_CONTAINER,
	SPEC_HOOK_START_CONTAINER,
	SPEC_HOOK_POSTSTART,
	SPEC_HOOK_POSTSTOP,
	SPEC_HOOK_KINDS
};

struct spec_process {
	int terminal;
	uint16_t console_height, console_width; /* 0 = unset */
	uint32_t uid, gid;
	uint32_t *gids;		/* additionalGids */
	size_t ngids;
	int has_umask;
	uint32_t umask;
	char **args;		/* NULL-terminated as well as counted */
	size_t nargs;
	char **env;		/* "KEY=value", NULL-terminated as well */
	size_t nenv;
	char *cwd;		/* absolute */
	int has_caps;		/* 0: "capabilities" absent (keep all) */
	uint64_t caps[SPEC_CAP_SETS];	/* bit n = capability n */
	struct spec_rlimit *rlimits;
	size_t nrlimits;
	int no_new_privileges;
	int has_oom_score_adj;
	int oom_score_adj;
	char *apparmor_profile;	/* refused unless NULL or "" */
	char *selinux_label;	/* refused unless NULL or "" */
};

struct spec {
	char *oci_version;
	char *root_path;	/* relative paths are relative to the bundle */
	int root_readonly;
	char *hostname;		/* NULL: leave the UTS name alone */
	char *domainname;
	struct spec_process process;
	struct spec_mount *mounts;
	size_t nmounts;
	struct spec_hook *hooks[SPEC_HOOK_KINDS];
	size_t nhooks[SPEC_HOOK_KINDS];
	char **annotations;	/* key, value, key, value ... */
	size_t nannotations;	/* pairs */

	/* linux */
	struct spec_ns ns[SPEC_NS_COUNT];
	struct spec_idmap *uid_mappings;
	size_t nuid_mappings;
	struct spec_idmap *gid_mappings;
	size_t ngid_mappings;
	struct spec_device *devices;
	size_t ndevices;
	char *cgroups_path;	/* NULL: the runtime picks one */
	struct spec_resources resources;
	char **sysctl;		/* key, value, key, value ... */
	size_t nsysctl;		/* pairs */
	char **masked_paths;
	size_t nmasked_paths;
	char **readonly_paths;
	size_t nreadonly_paths;
	unsigned long rootfs_propagation; /* MS_* flags, 0: default
					   * (MS_SLAVE|MS_REC) */
	char *mount_label;	/* refused unless NULL or "" */
	struct spec_seccomp *seccomp;	/* NULL: no filter */
	unsigned long personality;	/* reserved, 0 */
};

/*
 * Parse config.json text (`len` bytes at `buf`, borrowed) into `s` (need
 * not be initialised; release with spec_free()). Resource integers left
 * out are SPEC_UNSET. Errors name the JSON path ("linux.namespaces[2].
 * type: unknown namespace \"foo\""): ERR_PARSE for a malformed or
 * unsupported document, ERR_LIMIT above SPEC_MAX_SIZE. On failure `s` is
 * freed and zeroed. Returns 0 or -1.
 *
 * ociVersion must be "1.x". "root" and "process" may be absent (root_path
 * NULL, process zeroed: the caller decides whether it needs them); a
 * present process needs non-empty args and an absolute cwd. JSON null
 * reads as an absent member. Normalised on the way in: "" cgroupsPath,
 * cpus, mems, apparmorProfile, selinuxLabel and mountLabel become NULL
 * (the last three are refused unless empty); SCMP_ACT_KILL_THREAD becomes
 * SPEC_SC_KILL; a device rule without access gets "rwm", a device without
 * fileMode 0666. A new user namespace needs both mappings (crun's rootless
 * configs without mappings are refused); mappings need a user namespace;
 * a hostname or domainname needs a UTS namespace. spec.c lists the keys
 * ignored and refused.
 */
int spec_parse(const char *buf, size_t len, struct spec *s, struct err *e);

/* Read and parse `path` (bundle/config.json). As spec_parse(). */
int spec_load(const char *path, struct spec *s, struct err *e);

/*
 * Serialise `s` as a runtime-spec 1.0.2 config.json (pretty, tab-indented)
 * into a new heap string *out (NUL-terminated, caller frees) of *len bytes.
 * spec_parse(spec_write(s)) gives back an equal struct. Returns 0 or -1.
 *
 * Key names and value forms are the standard ones runc and crun read
 * (memory swap and pids limit INT64_MAX as -1). Defaults for a struct
 * built by hand: oci_version NULL writes "1.0.2", cwd NULL "/"; the
 * process object is written when it has args or a cwd, "capabilities"
 * only when has_caps, unset resources not at all.
 */
int spec_write(const struct spec *s, char **out, size_t *len, struct err *e);

/* Release everything a parsed `s` owns and zero it. Safe on a zeroed
 * struct. */
void spec_free(struct spec *s);

/* Initialise `s` to an empty spec: zeroed, every resource SPEC_UNSET. */
void spec_init(struct spec *s);

/* The namespace kind named `name` ("pid", "network", "mount", "ipc",
 * "uts", "user", "cgroup", "time") or -1. */
int spec_ns_from_name(const char *name);

/* The runtime-spec name of namespace kind `t`. */
const char *spec_ns_name(enum spec_ns_type t);

/* Look up annotation `key`; its value (owned by `s`) or NULL. */
const char *spec_annotation(const struct spec *s, const char *key);

#endif

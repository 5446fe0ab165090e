/* spec.c - the OCI runtime-spec config.json: strict parser and writer
 *
 * Keys the parser ignores on purpose (they describe other platforms or
 * features whose absence does not weaken isolation):
 *   top level: solaris, windows, zos, and any unknown key;
 *   process: commandLine, ioPriority, scheduler, execCPUAffinity,
 *     user.username, and any unknown key;
 *   linux: intelRdt, timeOffsets, memoryPolicy, netDevices, and any
 *     unknown key;
 *   linux.resources.memory: kernel, kernelTCP, useHierarchy,
 *     checkBeforeUpdate (deprecated or informational);
 *   linux.resources: blockIO, hugepageLimits, network, rdma, unified,
 *     but only when empty;
 *   linux.seccomp: flags (the known SECCOMP_FILTER_FLAG_* values) and
 *     listenerMetadata;
 *   unknown hook kinds, keys of namespaces[], devices[], mounts[],
 *     rlimits[] entries beyond those read.
 * Refused when present (ignoring them would weaken what was asked for):
 * vm, linux.personality, a non-empty apparmorProfile, selinuxLabel or
 * mountLabel, seccomp listenerPath and SCMP_ACT_NOTIFY, idmapped mounts,
 * unknown keys under linux.resources and linux.seccomp, non-empty blockIO,
 * hugepageLimits, network, rdma or unified, non-zero cpu realtime, idle
 * and burst settings.
 *
 * JSON null is read as an absent member everywhere (Go writers produce it
 * for nil slices).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "caps.h"
#include "io.h"
#include "json.h"
#include "spec.h"

enum {
	PATH_LEN = 160,		/* longest JSON path kept for messages */
	SC_ERRNO_MAX = 0xffff,	/* SECCOMP_RET_DATA */
	SC_ARGS = 6,
	SHOW = 64,		/* bytes of a bad value quoted in errors */
};

/* The JSON path of the value being read, for error messages. */
struct pctx {
	char path[PATH_LEN];
	size_t len;
};

/* What a string must look like. */
enum str_check {
	CHK_ANY,
	CHK_NONEMPTY,
	CHK_ABS,		/* an absolute path */
	CHK_ENV,		/* "KEY=value" with a non-empty KEY */
};

static const char *const ns_names[SPEC_NS_COUNT] = {
	[SPEC_NS_MOUNT] = "mount",
	[SPEC_NS_UTS] = "uts",
	[SPEC_NS_IPC] = "ipc",
	[SPEC_NS_NET] = "network",
	[SPEC_NS_PID] = "pid",
	[SPEC_NS_CGROUP] = "cgroup",
	[SPEC_NS_TIME] = "time",
	[SPEC_NS_USER] = "user",
};

static const char *const cap_set_names[SPEC_CAP_SETS] = {
	[SPEC_CAP_BOUNDING] = "bounding",
	[SPEC_CAP_EFFECTIVE] = "effective",
	[SPEC_CAP_INHERITABLE] = "inheritable",
	[SPEC_CAP_PERMITTED] = "permitted",
	[SPEC_CAP_AMBIENT] = "ambient",
};

static const char *const hook_names[SPEC_HOOK_KINDS] = {
	[SPEC_HOOK_PRESTART] = "prestart",
	[SPEC_HOOK_CREATE_RUNTIME] = "createRuntime",
	[SPEC_HOOK_CREATE_CONTAINER] = "createContainer",
	[SPEC_HOOK_START_CONTAINER] = "startContainer",
	[SPEC_HOOK_POSTSTART] = "poststart",
	[SPEC_HOOK_POSTSTOP] = "poststop",
};

static const struct {
	const char *name;
	int type;
} rlimits[] = {
	{ "RLIMIT_AS", RLIMIT_AS }, { "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU }, { "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE }, { "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE }, { "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC }, { "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
	{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_STACK", RLIMIT_STACK },
};

static const struct {
	const char *name;
	unsigned long flags;
} propagations[] = {
	{ "private", MS_PRIVATE }, { "rprivate", MS_PRIVATE | MS_REC },
	{ "slave", MS_SLAVE }, { "rslave", MS_SLAVE | MS_REC },
	{ "shared", MS_SHARED }, { "rshared", MS_SHARED | MS_REC },
	{ "unbindable", MS_UNBINDABLE },
	{ "runbindable", MS_UNBINDABLE | MS_REC },
};

/* Parse-only spellings come after the one spec_write() uses. */
static const struct {
	const char *name;
	enum spec_sc_action action;
} sc_actions[] = {
	{ "SCMP_ACT_KILL", SPEC_SC_KILL },
	{ "SCMP_ACT_KILL_PROCESS", SPEC_SC_KILL_PROCESS },
	{ "SCMP_ACT_TRAP", SPEC_SC_TRAP },
	{ "SCMP_ACT_ERRNO", SPEC_SC_ERRNO },
	{ "SCMP_ACT_TRACE", SPEC_SC_TRACE },
	{ "SCMP_ACT_ALLOW", SPEC_SC_ALLOW },
	{ "SCMP_ACT_LOG", SPEC_SC_LOG },
	{ "SCMP_ACT_KILL_THREAD", SPEC_SC_KILL },
};

static const char *const sc_ops[] = {
	[SPEC_SC_NE] = "SCMP_CMP_NE",
	[SPEC_SC_LT] = "SCMP_CMP_LT",
	[SPEC_SC_LE] = "SCMP_CMP_LE",
	[SPEC_SC_EQ] = "SCMP_CMP_EQ",
	[SPEC_SC_GE] = "SCMP_CMP_GE",
	[SPEC_SC_GT] = "SCMP_CMP_GT",
	[SPEC_SC_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

/* libseccomp's architecture names. */
static const char *const sc_archs[] = {
	"SCMP_ARCH_NATIVE", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64",
	"SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
	"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
	"SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
	"SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE",
	"SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC",
	"SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64",
	"SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
};

/* Filter flags accepted and ignored: none loosens the filter rocker
 * installs (SPEC_ALLOW would; ignoring it keeps the mitigation). */
static const char *const sc_flags[] = {
	"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

static const char *const seccomp_keys[] = {
	"defaultAction", "defaultErrnoRet", "architectures", "flags",
	"listenerPath", "listenerMetadata", "syscalls", NULL,
};
static const char *const sc_rule_keys[] = {
	"names", "action", "errnoRet", "args", NULL,
};
static const char *const sc_arg_keys[] = {
	"index", "value", "valueTwo", "op", NULL,
};
static const char *const resource_keys[] = {
	"memory", "cpu", "pids", "devices", "blockIO", "hugepageLimits",
	"network", "rdma", "unified", NULL,
};
static const char *const memory_keys[] = {
	"limit", "reservation", "swap", "swappiness", "disableOOMKiller",
	"kernel", "kernelTCP", "useHierarchy", "checkBeforeUpdate", NULL,
};
static const char *const cpu_keys[] = {
	"shares", "quota", "period", "cpus", "mems", "realtimeRuntime",
	"realtimePeriod", "idle", "burst", NULL,
};
static const char *const pids_keys[] = { "limit", NULL };
static const char *const devrule_keys[] = {
	"allow", "type", "major", "minor", "access", NULL,
};
static const char *const cap_keys[] = {
	"bounding", "effective", "inheritable", "permitted", "ambient", NULL,
};

/* Path bookkeeping. Each enter returns the length to restore. */
/* Append `s` to the error path, truncated to the buffer. No printf: the
 * path changes at every node of a spec (a seccomp profile has hundreds). */
static void
path_put(struct pctx *p, const char *s)
{
	size_t n = strlen(s), room = sizeof(p->path) - 1 - p->len;

	if (n > room)
		n = room;
	memcpy(p->path + p->len, s, n);
	p->len += n;
	p->path[p->len] = '\0';
}

static size_t
enter_key(struct pctx *p, const char *key)
{
	size_t old = p->len;

	if (p->len)
		path_put(p, ".");
	path_put(p, key);
	return old;
}

static size_t
enter_idx(struct pctx *p, size_t i)
{
	char buf[3 * sizeof(size_t) + 3], *q = buf + sizeof(buf);
	size_t old = p->len;

	*--q = '\0';
	*--q = ']';
	do {
		*--q = (char)('0' + i % 10);
		i /= 10;
	} while (i);
	*--q = '[';
	path_put(p, q);
	return old;
}

static void
leave(struct pctx *p, size_t old)
{
	p->len = old;
	p->path[old] = '\0';
}

static int
perr(struct pctx *p, struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
perr(struct pctx *p, struct err *e, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!p->len)
		return err_set(e, ERR_PARSE, "%s", msg);
	return err_set(e, ERR_PARSE, "%s: %s", p->path, msg);
}

static int
nomem(struct pctx *p, struct err *e)
{
	errno = ENOMEM;
	return err_sys(e, "%s", p->len ? p->path : "spec");
}

/* Member `key` of `obj`; an explicit null counts as absent. */
static const struct json_value *
member(const struct json_value *obj, const char *key)
{
	const struct json_value *v = json_obj_get(obj, key);

	return json_is_null(v) ? NULL : v;
}

static int
expect(struct pctx *p, const struct json_value *v, enum json_type t,
    struct err *e)
{
	if (json_type(v) == t)
		return 0;
	return perr(p, e, "expected %s", t == JSON_OBJECT ? "an object" :
	    t == JSON_ARRAY ? "an array" : t == JSON_STRING ? "a string" :
	    t == JSON_BOOL ? "true or false" : "a number");
}

/* An object whose keys are all in the NULL-terminated `keys`. */
static int
only_keys(struct pctx *p, const struct json_value *obj,
    const char *const *keys, struct err *e)
{
	const char *k;
	size_t i, j;

	if (expect(p, obj, JSON_OBJECT, e) < 0)
		return -1;
	for (i = 0; i < json_len(obj); i++) {
		k = json_str(json_key_at(obj, i));
		for (j = 0; k && keys[j]; j++)
			if (strcmp(k, keys[j]) == 0)
				break;
		if (!k || !keys[j]) {
			enter_key(p, k ? k : "?");
			return perr(p, e, "not supported");
		}
	}
	return 0;
}

static int
check_str(struct pctx *p, const char *s, enum str_check chk, struct err *e)
{
	const char *eq;

	switch (chk) {
	case CHK_ANY:
		return 0;
	case CHK_NONEMPTY:
		if (!*s)
			return perr(p, e, "must not be empty");
		return 0;
	case CHK_ABS:
		if (s[0] != '/')
			return perr(p, e, "\"%.*s\" is not an absolute path",
			    SHOW, s);
		return 0;
	case CHK_ENV:
		eq = strchr(s, '=');
		if (!eq || eq == s)
			return perr(p, e, "\"%.*s\" is not KEY=value", SHOW,
			    s);
		return 0;
	}
	return 0;
}

/* A string value, copied to *out (freeing nothing: *out must be NULL). */
static int
val_str(struct pctx *p, const struct json_value *v, enum str_check chk,
    char **out, struct err *e)
{
	const char *s;

	if (expect(p, v, JSON_STRING, e) < 0)
		return -1;
	s = json_str(v);
	if (!s)
		return perr(p, e, "string contains a NUL character");
	if (check_str(p, s, chk, e) < 0)
		return -1;
	*out = strdup(s);
	if (!*out)
		return nomem(p, e);
	return 0;
}

/* An integer from `min` to `max`. */
static int
val_int(struct pctx *p, const struct json_value *v, int64_t min,
    int64_t max, int64_t *out, struct err *e)
{
	struct err ie = ERR_INIT;

	if (json_type(v) != JSON_NUMBER || json_int(v, out, &ie) < 0 ||
	    *out < min || *out > max)
		return perr(p, e, "expected an integer from %" PRId64 " to %"
		    PRId64, min, max);
	return 0;
}

/* An integer from 0 to UINT64_MAX (json_int() stops at INT64_MAX). */
static int
val_u64(struct pctx *p, const struct json_value *v, uint64_t *out,
    struct err *e)
{
	const char *t = json_num_text(v);
	uint64_t n = 0, d;

	if (!t || !*t)
		goto bad;
	for (; *t; t++) {
		if (*t < '0' || *t > '9')
			goto bad;
		d = (uint64_t)(*t - '0');
		if (n > (UINT64_MAX - d) / 10)
			goto bad;
		n = n * 10 + d;
	}
	*out = n;
	return 0;
bad:
	return perr(p, e, "expected an integer from 0 to %" PRIu64,
	    UINT64_MAX);
}

static int
val_bool(struct pctx *p, const struct json_value *v, int *out,
    struct err *e)
{
	if (expect(p, v, JSON_BOOL, e) < 0)
		return -1;
	*out = json_bool(v);
	return 0;
}

/* Optional members: 1 when read, 0 when absent, -1 on error. */
static int
get_str(struct pctx *p, const struct json_value *obj, const char *key,
    enum str_check chk, char **out, struct err *e)
{
	const struct json_value *v = member(obj, key);
	size_t old;

	if (!v)
		return 0;
	old = enter_key(p, key);
	if (val_str(p, v, chk, out, e) < 0)
		return -1;
	leave(p, old);
	return 1;
}

static int
get_int(struct pctx *p, const struct json_value *obj, const char *key,
    int64_t min, int64_t max, int64_t *out, struct err *e)
{
	const struct json_value *v = member(obj, key);
	size_t old;

	if (!v)
		return 0;
	old = enter_key(p, key);
	if (val_int(p, v, min, max, out, e) < 0)
		return -1;
	leave(p, old);
	return 1;
}

static int
get_u32(struct pctx *p, const struct json_value *obj, const char *key,
    uint32_t *out, struct err *e)
{
	int64_t n;
	int r = get_int(p, obj, key, 0, UINT32_MAX, &n, e);

	if (r > 0)
		*out = (uint32_t)n;
	return r;
}

static int
get_u64(struct pctx *p, const struct json_value *obj, const char *key,
    uint64_t *out, struct err *e)
{
	const struct json_value *v = member(obj, key);
	size_t old;

	if (!v)
		return 0;
	old = enter_key(p, key);
	if (val_u64(p, v, out, e) < 0)
		return -1;
	leave(p, old);
	return 1;
}

static int
get_bool(struct pctx *p, const struct json_value *obj, const char *key,
    int *out, struct err *e)
{
	const struct json_value *v = member(obj, key);
	size_t old;

	if (!v)
		return 0;
	old = enter_key(p, key);
	if (val_bool(p, v, out, e) < 0)
		return -1;
	leave(p, old);
	return 1;
}

/* A required member: absent is an error. */
static const struct json_value *
need(struct pctx *p, const struct json_value *obj, const char *key,
    struct err *e)
{
	const struct json_value *v = member(obj, key);

	if (!v) {
		enter_key(p, key);
		perr(p, e, "required");
	}
	return v;
}

/* A string array into a NULL-terminated, counted vector. */
static int
get_strv(struct pctx *p, const struct json_value *obj, const char *key,
    enum str_check chk, char ***out, size_t *n, struct err *e)
{
	const struct json_value *v = member(obj, key);
	size_t i, old, old2, len;

	if (!v)
		return 0;
	old = enter_key(p, key);
	if (expect(p, v, JSON_ARRAY, e) < 0)
		return -1;
	len = json_len(v);
	*out = calloc(len + 1, sizeof(**out));
	if (!*out)
		return nomem(p, e);
	*n = len;
	for (i = 0; i < len; i++) {
		old2 = enter_idx(p, i);
		if (val_str(p, json_at(v, i), chk, &(*out)[i], e) < 0)
			return -1;
		leave(p, old2);
	}
	leave(p, old);
	return 1;
}

/* An object of strings into key, value pairs. */
static int
get_pairs(struct pctx *p, const struct json_value *obj, const char *key,
    char ***out, size_t *n, struct err *e)
{
	const struct json_value *v = member(obj, key);
	size_t i, old, old2, len;

	if (!v)
		return 0;
	old = enter_key(p, key);
	if (expect(p, v, JSON_OBJECT, e) < 0)
		return -1;
	len = json_len(v);
	*out = calloc(2 * len + 1, sizeof(**out));
	if (!*out)
		return nomem(p, e);
	*n = len;
	for (i = 0; i < len; i++) {
		old2 = enter_key(p, json_str(json_key_at(v, i)) ?
		    json_str(json_key_at(v, i)) : "?");
		if (val_str(p, json_key_at(v, i), CHK_ANY, &(*out)[2 * i],
		    e) < 0 ||
		    val_str(p, json_val_at(v, i), CHK_ANY, &(*out)[2 * i + 1],
		    e) < 0)
			return -1;
		leave(p, old2);
	}
	leave(p, old);
	return 1;
}

/* An array of objects: *arr gets json_len() zeroed elements of `size`. */
static int
get_objs(struct pctx *p, const struct json_value *obj, const char *key,
    void **arr, size_t *n, size_t size, const struct json_value **v,
    struct err *e)
{
	size_t i;

	*v = member(obj, key);
	if (!*v)
		return 0;
	enter_key(p, key);
	if (expect(p, *v, JSON_ARRAY, e) < 0)
		return -1;
	for (i = 0; i < json_len(*v); i++)
		if (json_type(json_at(*v, i)) != JSON_OBJECT) {
			enter_idx(p, i);
			return perr(p, e, "expected an object");
		}
	*n = json_len(*v);
	if (*n) {
		*arr = calloc(*n, size);
		if (!*arr)
			return nomem(p, e);
	}
	return 1;
}

/* A string that must be empty or absent. */
static int
refuse_str(struct pctx *p, const struct json_value *obj, const char *key,
    struct err *e)
{
	const struct json_value *v = member(obj, key);
	size_t old;

	if (!v)
		return 0;
	old = enter_key(p, key);
	if (expect(p, v, JSON_STRING, e) < 0)
		return -1;
	if (json_str_len(v))
		return perr(p, e, "not supported");
	leave(p, old);
	return 0;
}

/* An object or array that must be empty or absent. */
static int
refuse_nonempty(struct pctx *p, const struct json_value *obj,
    const char *key, struct err *e)
{
	const struct json_value *v = member(obj, key);
	size_t old;

	if (!v)
		return 0;
	old = enter_key(p, key);
	if (json_type(v) != JSON_OBJECT && json_type(v) != JSON_ARRAY)
		return perr(p, e, "expected an object or an array");
	if (json_len(v))
		return perr(p, e, "not supported");
	leave(p, old);
	return 0;
}

/* Capability name list into a mask (canonical spelling only). */
static int
parse_capset(struct pctx *p, const struct json_value *v, uint64_t *mask,
    struct err *e)
{
	const char *s;
	size_t i, old;
	int c;

	if (expect(p, v, JSON_ARRAY, e) < 0)
		return -1;
	*mask = 0;
	for (i = 0; i < json_len(v); i++) {
		old = enter_idx(p, i);
		if (expect(p, json_at(v, i), JSON_STRING, e) < 0)
			return -1;
		s = json_str(json_at(v, i));
		c = s ? caps_from_name(s) : -1;
		if (c < 0 || strcmp(caps_name(c), s) != 0)
			return perr(p, e, "unknown capability \"%.*s\"", SHOW,
			    s ? s : "");
		*mask |= UINT64_C(1) << c;
		leave(p, old);
	}
	return 0;
}

static int
parse_caps(struct pctx *p, const struct json_value *v, struct spec *s,
    struct err *e)
{
	const struct json_value *set;
	size_t old;
	int i;

	if (only_keys(p, v, cap_keys, e) < 0)
		return -1;
	s->process.has_caps = 1;
	for (i = 0; i < SPEC_CAP_SETS; i++) {
		set = member(v, cap_set_names[i]);
		if (!set)
			continue;
		old = enter_key(p, cap_set_names[i]);
		if (parse_capset(p, set, &s->process.caps[i], e) < 0)
			return -1;
		leave(p, old);
	}
	return 0;
}

static int
parse_rlimits(struct pctx *p, const struct json_value *obj,
    struct spec_process *pr, struct err *e)
{
	const struct json_value *v, *r;
	const char *t;
	size_t i, j, k, base = p->len, list, item;

	if (get_objs(p, obj, "rlimits", (void **)&pr->rlimits, &pr->nrlimits,
	    sizeof(*pr->rlimits), &v, e) <= 0)
		return v ? -1 : 0;
	list = p->len;
	for (i = 0; i < pr->nrlimits; i++) {
		r = json_at(v, i);
		enter_idx(p, i);
		item = p->len;
		if (!need(p, r, "type", e) || !need(p, r, "soft", e) ||
		    !need(p, r, "hard", e))
			return -1;
		enter_key(p, "type");
		if (expect(p, member(r, "type"), JSON_STRING, e) < 0)
			return -1;
		t = json_str(member(r, "type"));
		for (j = 0; t && j < sizeof(rlimits) / sizeof(rlimits[0]);
		    j++)
			if (strcmp(rlimits[j].name, t) == 0)
				break;
		if (!t || j == sizeof(rlimits) / sizeof(rlimits[0]))
			return perr(p, e, "unknown rlimit \"%.*s\"", SHOW,
			    t ? t : "");
		for (k = 0; k < i; k++)
			if (pr->rlimits[k].type == rlimits[j].type)
				return perr(p, e, "duplicate rlimit \"%s\"",
				    t);
		pr->rlimits[i].type = rlimits[j].type;
		leave(p, item);
		if (get_u64(p, r, "soft", &pr->rlimits[i].soft, e) < 0 ||
		    get_u64(p, r, "hard", &pr->rlimits[i].hard, e) < 0)
			return -1;
		if (pr->rlimits[i].soft > pr->rlimits[i].hard)
			return perr(p, e, "soft limit above the hard limit");
		leave(p, list);
	}
	leave(p, base);
	return 0;
}

static int
parse_user(struct pctx *p, const struct json_value *u,
    struct spec_process *pr, struct err *e)
{
	const struct json_value *g;
	int64_t n;
	size_t i, old;

	if (expect(p, u, JSON_OBJECT, e) < 0 ||
	    get_u32(p, u, "uid", &pr->uid, e) < 0 ||
	    get_u32(p, u, "gid", &pr->gid, e) < 0)
		return -1;
	switch (get_int(p, u, "umask", 0, 0777, &n, e)) {
	case -1:
		return -1;
	case 1:
		pr->has_umask = 1;
		pr->umask = (uint32_t)n;
	}
	g = member(u, "additionalGids");
	if (!g)
		return 0;
	enter_key(p, "additionalGids");
	if (expect(p, g, JSON_ARRAY, e) < 0)
		return -1;
	pr->ngids = json_len(g);
	if (pr->ngids) {
		pr->gids = calloc(pr->ngids, sizeof(*pr->gids));
		if (!pr->gids)
			return nomem(p, e);
	}
	for (i = 0; i < pr->ngids; i++) {
		old = enter_idx(p, i);
		if (val_int(p, json_at(g, i), 0, UINT32_MAX, &n, e) < 0)
			return -1;
		pr->gids[i] = (uint32_t)n;
		leave(p, old);
	}
	return 0;
}

static int
parse_process(struct pctx *p, const struct json_value *v, struct spec *s,
    struct err *e)
{
	struct spec_process *pr = &s->process;
	const struct json_value *c;
	int64_t n;
	size_t old;

	if (expect(p, v, JSON_OBJECT, e) < 0 ||
	    get_bool(p, v, "terminal", &pr->terminal, e) < 0)
		return -1;
	c = member(v, "consoleSize");
	if (c) {
		old = enter_key(p, "consoleSize");
		if (expect(p, c, JSON_OBJECT, e) < 0 ||
		    !need(p, c, "height", e) || !need(p, c, "width", e) ||
		    get_int(p, c, "height", 0, UINT16_MAX, &n, e) < 0)
			return -1;
		pr->console_height = (uint16_t)n;
		if (get_int(p, c, "width", 0, UINT16_MAX, &n, e) < 0)
			return -1;
		pr->console_width = (uint16_t)n;
		leave(p, old);
	}
	c = member(v, "user");
	if (c) {
		old = enter_key(p, "user");
		if (parse_user(p, c, pr, e) < 0)
			return -1;
		leave(p, old);
	}
	if (get_strv(p, v, "args", CHK_ANY, &pr->args, &pr->nargs, e) < 0)
		return -1;
	if (!pr->nargs) {
		enter_key(p, "args");
		return perr(p, e, "required, with at least one entry");
	}
	if (get_strv(p, v, "env", CHK_ENV, &pr->env, &pr->nenv, e) < 0)
		return -1;
	if (!need(p, v, "cwd", e) ||
	    get_str(p, v, "cwd", CHK_ABS, &pr->cwd, e) < 0)
		return -1;
	c = member(v, "capabilities");
	if (c) {
		old = enter_key(p, "capabilities");
		if (parse_caps(p, c, s, e) < 0)
			return -1;
		leave(p, old);
	}
	if (parse_rlimits(p, v, pr, e) < 0 ||
	    get_bool(p, v, "noNewPrivileges", &pr->no_new_privileges,
	    e) < 0)
		return -1;
	switch (get_int(p, v, "oomScoreAdj", -1000, 1000, &n, e)) {
	case -1:
		return -1;
	case 1:
		pr->has_oom_score_adj = 1;
		pr->oom_score_adj = (int)n;
	}
	if (refuse_str(p, v, "apparmorProfile", e) < 0 ||
	    refuse_str(p, v, "selinuxLabel", e) < 0)
		return -1;
	return 0;
}

static int
parse_mounts(struct pctx *p, const struct json_value *root, struct spec *s,
    struct err *e)
{
	const struct json_value *v, *m;
	struct spec_mount *sm;
	size_t i, old, base = p->len;

	if (get_objs(p, root, "mounts", (void **)&s->mounts, &s->nmounts,
	    sizeof(*s->mounts), &v, e) <= 0)
		return v ? -1 : 0;
	for (i = 0; i < s->nmounts; i++) {
		m = json_at(v, i);
		sm = &s->mounts[i];
		old = enter_idx(p, i);
		if (!need(p, m, "destination", e) ||
		    get_str(p, m, "destination", CHK_ABS, &sm->destination,
		    e) < 0 ||
		    get_str(p, m, "type", CHK_ANY, &sm->type, e) < 0 ||
		    get_str(p, m, "source", CHK_ANY, &sm->source, e) < 0 ||
		    get_strv(p, m, "options", CHK_ANY, &sm->options,
		    &sm->noptions, e) < 0 ||
		    refuse_nonempty(p, m, "uidMappings", e) < 0 ||
		    refuse_nonempty(p, m, "gidMappings", e) < 0)
			return -1;
		leave(p, old);
	}
	leave(p, base);
	return 0;
}

static int
parse_hook_list(struct pctx *p, const struct json_value *hooks,
    enum spec_hook_kind k, struct spec *s, struct err *e)
{
	const struct json_value *v, *h;
	struct spec_hook *sh;
	size_t i, old;
	int64_t n = 0;

	if (get_objs(p, hooks, hook_names[k], (void **)&s->hooks[k],
	    &s->nhooks[k], sizeof(*s->hooks[k]), &v, e) <= 0)
		return v ? -1 : 0;
	for (i = 0; i < s->nhooks[k]; i++) {
		h = json_at(v, i);
		sh = &s->hooks[k][i];
		old = enter_idx(p, i);
		if (!need(p, h, "path", e) ||
		    get_str(p, h, "path", CHK_ABS, &sh->path, e) < 0 ||
		    get_strv(p, h, "args", CHK_ANY, &sh->args, &sh->nargs,
		    e) < 0 ||
		    get_strv(p, h, "env", CHK_ENV, &sh->env, &sh->nenv,
		    e) < 0 ||
		    get_int(p, h, "timeout", 1, INT32_MAX, &n, e) < 0)
			return -1;
		if (member(h, "timeout"))
			sh->timeout = (int)n;
		leave(p, old);
	}
	return 0;
}

static int
parse_hooks(struct pctx *p, const struct json_value *v, struct spec *s,
    struct err *e)
{
	size_t old;
	int k;

	if (expect(p, v, JSON_OBJECT, e) < 0)
		return -1;
	for (k = 0; k < SPEC_HOOK_KINDS; k++) {
		old = p->len;
		if (parse_hook_list(p, v, k, s, e) < 0)
			return -1;
		leave(p, old);
	}
	return 0;
}

static int
parse_namespaces(struct pctx *p, const struct json_value *lx,
    struct spec *s, struct err *e)
{
	const struct json_value *v, *n;
	const char *t;
	size_t i, old, item;
	int k;

	v = member(lx, "namespaces");
	if (!v)
		return 0;
	enter_key(p, "namespaces");
	if (expect(p, v, JSON_ARRAY, e) < 0)
		return -1;
	for (i = 0; i < json_len(v); i++) {
		n = json_at(v, i);
		old = enter_idx(p, i);
		item = p->len;
		if (expect(p, n, JSON_OBJECT, e) < 0 || !need(p, n, "type", e))
			return -1;
		enter_key(p, "type");
		if (expect(p, member(n, "type"), JSON_STRING, e) < 0)
			return -1;
		t = json_str(member(n, "type"));
		k = t ? spec_ns_from_name(t) : -1;
		if (k < 0)
			return perr(p, e, "unknown namespace \"%.*s\"", SHOW,
			    t ? t : "");
		if (s->ns[k].present)
			return perr(p, e, "duplicate namespace \"%s\"", t);
		s->ns[k].present = 1;
		leave(p, item);
		if (get_str(p, n, "path", CHK_ABS, &s->ns[k].path, e) < 0)
			return -1;
		leave(p, old);
	}
	return 0;
}

static int
parse_idmaps(struct pctx *p, const struct json_value *lx, const char *key,
    struct spec_idmap **out, size_t *n, struct err *e)
{
	const struct json_value *v, *m;
	size_t i, old;

	if (get_objs(p, lx, key, (void **)out, n, sizeof(**out), &v, e) <= 0)
		return v ? -1 : 0;
	for (i = 0; i < *n; i++) {
		m = json_at(v, i);
		old = enter_idx(p, i);
		if (!need(p, m, "containerID", e) ||
		    !need(p, m, "hostID", e) || !need(p, m, "size", e) ||
		    get_u32(p, m, "containerID", &(*out)[i].container_id,
		    e) < 0 ||
		    get_u32(p, m, "hostID", &(*out)[i].host_id, e) < 0 ||
		    get_u32(p, m, "size", &(*out)[i].size, e) < 0)
			return -1;
		if (!(*out)[i].size) {
			enter_key(p, "size");
			return perr(p, e, "must not be 0");
		}
		leave(p, old);
	}
	return 0;
}

/* A one-letter type out of `allowed`. */
static int
get_type(struct pctx *p, const struct json_value *obj, const char *allowed,
    char *out, struct err *e)
{
	const struct json_value *v = member(obj, "type");
	const char *t;
	size_t old;

	if (!v)
		return 0;
	old = enter_key(p, "type");
	if (expect(p, v, JSON_STRING, e) < 0)
		return -1;
	t = json_str(v);
	if (!t || strlen(t) != 1 || !strchr(allowed, t[0]))
		return perr(p, e, "unknown device type \"%.*s\"", SHOW,
		    t ? t : "");
	*out = t[0];
	leave(p, old);
	return 1;
}

static int
parse_devices(struct pctx *p, const struct json_value *lx, struct spec *s,
    struct err *e)
{
	const struct json_value *v, *d;
	struct spec_device *sd;
	size_t i, old;
	int64_t n;

	if (get_objs(p, lx, "devices", (void **)&s->devices, &s->ndevices,
	    sizeof(*s->devices), &v, e) <= 0)
		return v ? -1 : 0;
	for (i = 0; i < s->ndevices; i++) {
		d = json_at(v, i);
		sd = &s->devices[i];
		old = enter_idx(p, i);
		if (!need(p, d, "path", e) ||
		    get_str(p, d, "path", CHK_ABS, &sd->path, e) < 0 ||
		    !need(p, d, "type", e) ||
		    get_type(p, d, "cbup", &sd->type, e) < 0)
			return -1;
		if (sd->type != 'p' && (!need(p, d, "major", e) ||
		    !need(p, d, "minor", e)))
			return -1;
		if (get_int(p, d, "major", 0, UINT32_MAX, &sd->major, e) < 0 ||
		    get_int(p, d, "minor", 0, UINT32_MAX, &sd->minor, e) < 0)
			return -1;
		sd->file_mode = 0666;
		switch (get_int(p, d, "fileMode", 0, 07777, &n, e)) {
		case -1:
			return -1;
		case 1:
			sd->file_mode = (uint32_t)n;
		}
		if (get_u32(p, d, "uid", &sd->uid, e) < 0 ||
		    get_u32(p, d, "gid", &sd->gid, e) < 0)
			return -1;
		leave(p, old);
	}
	return 0;
}

static int
parse_devrules(struct pctx *p, const struct json_value *res,
    struct spec_resources *r, struct err *e)
{
	const struct json_value *v, *d;
	struct spec_devrule *dr;
	char *acc = NULL;
	size_t i, j, old;

	if (get_objs(p, res, "devices", (void **)&r->devices, &r->ndevices,
	    sizeof(*r->devices), &v, e) <= 0)
		return v ? -1 : 0;
	for (i = 0; i < r->ndevices; i++) {
		d = json_at(v, i);
		dr = &r->devices[i];
		old = enter_idx(p, i);
		dr->type = 'a';
		dr->major = dr->minor = -1;
		if (only_keys(p, d, devrule_keys, e) < 0 ||
		    !need(p, d, "allow", e) ||
		    get_bool(p, d, "allow", &dr->allow, e) < 0 ||
		    get_type(p, d, "acb", &dr->type, e) < 0 ||
		    get_int(p, d, "major", -1, UINT32_MAX, &dr->major, e) < 0 ||
		    get_int(p, d, "minor", -1, UINT32_MAX, &dr->minor, e) < 0 ||
		    get_str(p, d, "access", CHK_ANY, &acc, e) < 0)
			goto fail;
		if (!acc) {
			strcpy(dr->access, "rwm");
		} else {
			for (j = 0; acc[j]; j++)
				if (j >= 3 || !strchr("rwm", acc[j]) ||
				    strchr(acc + j + 1, acc[j]))
					break;
			if (acc[j]) {
				enter_key(p, "access");
				perr(p, e, "\"%.*s\" is not a subset of "
				    "\"rwm\"", SHOW, acc);
				goto fail;
			}
			strcpy(dr->access, acc);
			free(acc);
			acc = NULL;
		}
		leave(p, old);
	}
	return 0;
fail:
	free(acc);
	return -1;
}

/* A memory size: -1 (unlimited, stored as SPEC_UNSET) or more. */
static int
get_mem(struct pctx *p, const struct json_value *m, const char *key,
    int64_t *out, struct err *e)
{
	return get_int(p, m, key, -1, INT64_MAX, out, e);
}

static int
parse_memory(struct pctx *p, const struct json_value *m,
    struct spec_resources *r, struct err *e)
{
	int64_t swap;

	if (only_keys(p, m, memory_keys, e) < 0 ||
	    get_mem(p, m, "limit", &r->memory_limit, e) < 0 ||
	    get_mem(p, m, "reservation", &r->memory_reservation, e) < 0)
		return -1;
	switch (get_mem(p, m, "swap", &swap, e)) {
	case -1:
		return -1;
	case 1:
		r->memory_swap = swap == -1 ? INT64_MAX : swap;
	}
	if (get_int(p, m, "swappiness", 0, 100, &r->memory_swappiness,
	    e) < 0 ||
	    get_bool(p, m, "disableOOMKiller", &r->disable_oom_killer, e) < 0)
		return -1;
	return 0;
}

static int
parse_cpu(struct pctx *p, const struct json_value *c,
    struct spec_resources *r, struct err *e)
{
	static const char *const unsupported[] = {
		"realtimeRuntime", "realtimePeriod", "idle", "burst",
	};
	const struct json_value *v;
	size_t i, old;

	if (only_keys(p, c, cpu_keys, e) < 0)
		return -1;
	for (i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
		v = member(c, unsupported[i]);
		if (!v)
			continue;
		old = enter_key(p, unsupported[i]);
		if (expect(p, v, JSON_NUMBER, e) < 0)
			return -1;
		if (strcmp(json_num_text(v), "0") != 0)
			return perr(p, e, "not supported");
		leave(p, old);
	}
	if (get_int(p, c, "shares", 0, INT64_MAX, &r->cpu_shares, e) < 0 ||
	    get_int(p, c, "quota", -1, INT64_MAX, &r->cpu_quota, e) < 0 ||
	    get_int(p, c, "period", 0, INT64_MAX, &r->cpu_period, e) < 0 ||
	    get_str(p, c, "cpus", CHK_ANY, &r->cpuset_cpus, e) < 0 ||
	    get_str(p, c, "mems", CHK_ANY, &r->cpuset_mems, e) < 0)
		return -1;
	if (r->cpuset_cpus && !*r->cpuset_cpus) {
		free(r->cpuset_cpus);
		r->cpuset_cpus = NULL;
	}
	if (r->cpuset_mems && !*r->cpuset_mems) {
		free(r->cpuset_mems);
		r->cpuset_mems = NULL;
	}
	return 0;
}

static int
parse_resources(struct pctx *p, const struct json_value *res,
    struct spec_resources *r, struct err *e)
{
	static const char *const empty_only[] = {
		"blockIO", "hugepageLimits", "network", "rdma", "unified",
	};
	const struct json_value *v;
	size_t i, old;

	if (only_keys(p, res, resource_keys, e) < 0)
		return -1;
	for (i = 0; i < sizeof(empty_only) / sizeof(empty_only[0]); i++)
		if (refuse_nonempty(p, res, empty_only[i], e) < 0)
			return -1;
	if ((v = member(res, "memory"))) {
		old = enter_key(p, "memory");
		if (parse_memory(p, v, r, e) < 0)
			return -1;
		leave(p, old);
	}
	if ((v = member(res, "cpu"))) {
		old = enter_key(p, "cpu");
		if (parse_cpu(p, v, r, e) < 0)
			return -1;
		leave(p, old);
	}
	if ((v = member(res, "pids"))) {
		old = enter_key(p, "pids");
		if (only_keys(p, v, pids_keys, e) < 0 ||
		    !need(p, v, "limit", e) ||
		    get_int(p, v, "limit", INT64_MIN, INT64_MAX,
		    &r->pids_limit, e) < 0)
			return -1;
		if (r->pids_limit <= 0)
			r->pids_limit = INT64_MAX;
		leave(p, old);
	}
	return parse_devrules(p, res, r, e);
}

static int
sc_action(struct pctx *p, const struct json_value *obj, const char *key,
    enum spec_sc_action *out, struct err *e)
{
	const struct json_value *v;
	const char *a;
	size_t i;

	v = need(p, obj, key, e);
	if (!v)
		return -1;
	enter_key(p, key);
	if (expect(p, v, JSON_STRING, e) < 0)
		return -1;
	a = json_str(v);
	for (i = 0; a && i < sizeof(sc_actions) / sizeof(sc_actions[0]); i++)
		if (strcmp(sc_actions[i].name, a) == 0) {
			*out = sc_actions[i].action;
			return 0;
		}
	if (a && strcmp(a, "SCMP_ACT_NOTIFY") == 0)
		return perr(p, e, "SCMP_ACT_NOTIFY is not supported");
	return perr(p, e, "unknown action \"%.*s\"", SHOW, a ? a : "");
}

/* A name out of the NULL-less table `tab` of `n` entries: its index. */
static int
sc_lookup(struct pctx *p, const struct json_value *v,
    const char *const *tab, size_t n, const char *what, struct err *e)
{
	const char *s;
	size_t i;

	if (expect(p, v, JSON_STRING, e) < 0)
		return -1;
	s = json_str(v);
	for (i = 0; s && i < n; i++)
		if (tab[i] && strcmp(tab[i], s) == 0)
			return (int)i;
	return perr(p, e, "unknown %s \"%.*s\"", what, SHOW, s ? s : "");
}

static int
sc_errno(struct pctx *p, const struct json_value *obj, const char *key,
    int *out, struct err *e)
{
	int64_t n;

	*out = -1;
	switch (get_int(p, obj, key, 0, SC_ERRNO_MAX, &n, e)) {
	case -1:
		return -1;
	case 1:
		*out = (int)n;
	}
	return 0;
}

static int
parse_sc_args(struct pctx *p, const struct json_value *r,
    struct spec_sc_rule *rule, struct err *e)
{
	const struct json_value *v, *a;
	struct spec_sc_arg *sa;
	size_t i, old, old2;
	int64_t n;
	int op;

	if (get_objs(p, r, "args", (void **)&rule->args, &rule->nargs,
	    sizeof(*rule->args), &v, e) <= 0)
		return v ? -1 : 0;
	for (i = 0; i < rule->nargs; i++) {
		a = json_at(v, i);
		sa = &rule->args[i];
		old = enter_idx(p, i);
		if (only_keys(p, a, sc_arg_keys, e) < 0 ||
		    !need(p, a, "index", e) || !need(p, a, "value", e) ||
		    !need(p, a, "op", e) ||
		    get_int(p, a, "index", 0, SC_ARGS - 1, &n, e) < 0 ||
		    get_u64(p, a, "value", &sa->value, e) < 0 ||
		    get_u64(p, a, "valueTwo", &sa->value2, e) < 0)
			return -1;
		sa->index = (unsigned)n;
		old2 = enter_key(p, "op");
		op = sc_lookup(p, member(a, "op"), sc_ops,
		    sizeof(sc_ops) / sizeof(sc_ops[0]), "operator", e);
		if (op < 0)
			return -1;
		sa->op = op;
		leave(p, old2);
		leave(p, old);
	}
	return 0;
}

static int
parse_sc_rules(struct pctx *p, const struct json_value *sc,
    struct spec_seccomp *out, struct err *e)
{
	const struct json_value *v, *r;
	struct spec_sc_rule *rule;
	size_t i, old, old2;

	if (get_objs(p, sc, "syscalls", (void **)&out->rules, &out->nrules,
	    sizeof(*out->rules), &v, e) <= 0)
		return v ? -1 : 0;
	for (i = 0; i < out->nrules; i++) {
		r = json_at(v, i);
		rule = &out->rules[i];
		rule->errno_ret = -1;
		old = enter_idx(p, i);
		if (only_keys(p, r, sc_rule_keys, e) < 0 ||
		    !need(p, r, "names", e) ||
		    get_strv(p, r, "names", CHK_NONEMPTY, &rule->names,
		    &rule->nnames, e) < 0)
			return -1;
		if (!rule->nnames) {
			enter_key(p, "names");
			return perr(p, e, "must not be empty");
		}
		old2 = p->len;
		if (sc_action(p, r, "action", &rule->action, e) < 0)
			return -1;
		leave(p, old2);
		if (sc_errno(p, r, "errnoRet", &rule->errno_ret, e) < 0 ||
		    parse_sc_args(p, r, rule, e) < 0)
			return -1;
		leave(p, old);
	}
	return 0;
}

static int
parse_seccomp(struct pctx *p, const struct json_value *sc,
    struct spec_seccomp *out, struct err *e)
{
	const struct json_value *v;
	size_t i, old, base = p->len;

	out->default_errno = -1;
	if (only_keys(p, sc, seccomp_keys, e) < 0 ||
	    refuse_str(p, sc, "listenerPath", e) < 0 ||
	    sc_action(p, sc, "defaultAction", &out->default_action, e) < 0)
		return -1;
	leave(p, base);
	if (sc_errno(p, sc, "defaultErrnoRet", &out->default_errno, e) < 0 ||
	    get_strv(p, sc, "architectures", CHK_ANY, &out->archs,
	    &out->narchs, e) < 0)
		return -1;
	for (i = 0; i < out->narchs; i++) {
		old = enter_key(p, "architectures");
		enter_idx(p, i);
		if (sc_lookup(p, json_at(member(sc, "architectures"), i),
		    sc_archs, sizeof(sc_archs) / sizeof(sc_archs[0]),
		    "architecture", e) < 0)
			return -1;
		leave(p, old);
	}
	v = member(sc, "flags");
	if (v) {
		enter_key(p, "flags");
		old = p->len;
		if (expect(p, v, JSON_ARRAY, e) < 0)
			return -1;
		for (i = 0; i < json_len(v); i++) {
			enter_idx(p, i);
			if (sc_lookup(p, json_at(v, i), sc_flags,
			    sizeof(sc_flags) / sizeof(sc_flags[0]), "flag",
			    e) < 0)
				return -1;
			leave(p, old);
		}
		leave(p, base);
	}
	if (parse_sc_rules(p, sc, out, e) < 0)
		return -1;
	leave(p, base);
	return 0;
}

static int
parse_linux(struct pctx *p, const struct json_value *lx, struct spec *s,
    struct err *e)
{
	static const char *const path_lists[] = {
		"maskedPaths", "readonlyPaths",
	};
	const struct json_value *v;
	char *prop = NULL;
	size_t i, old, base = p->len;
	int r;

	if (expect(p, lx, JSON_OBJECT, e) < 0 ||
	    parse_namespaces(p, lx, s, e) < 0)
		return -1;
	leave(p, base);
	if (parse_idmaps(p, lx, "uidMappings", &s->uid_mappings,
	    &s->nuid_mappings, e) < 0)
		return -1;
	leave(p, base);
	if (parse_idmaps(p, lx, "gidMappings", &s->gid_mappings,
	    &s->ngid_mappings, e) < 0)
		return -1;
	leave(p, base);
	if (parse_devices(p, lx, s, e) < 0)
		return -1;
	leave(p, base);
	if (get_str(p, lx, "cgroupsPath", CHK_ANY, &s->cgroups_path, e) < 0)
		return -1;
	if (s->cgroups_path && !*s->cgroups_path) {
		free(s->cgroups_path);
		s->cgroups_path = NULL;
	}
	if ((v = member(lx, "resources"))) {
		old = enter_key(p, "resources");
		if (parse_resources(p, v, &s->resources, e) < 0)
			return -1;
		leave(p, old);
	}
	if (get_pairs(p, lx, "sysctl", &s->sysctl, &s->nsysctl, e) < 0 ||
	    get_strv(p, lx, path_lists[0], CHK_ABS, &s->masked_paths,
	    &s->nmasked_paths, e) < 0 ||
	    get_strv(p, lx, path_lists[1], CHK_ABS, &s->readonly_paths,
	    &s->nreadonly_paths, e) < 0)
		return -1;
	r = get_str(p, lx, "rootfsPropagation", CHK_ANY, &prop, e);
	if (r < 0)
		return -1;
	if (r > 0 && *prop) {
		for (i = 0; i < sizeof(propagations) / sizeof(propagations[0]);
		    i++)
			if (strcmp(propagations[i].name, prop) == 0)
				break;
		if (i == sizeof(propagations) / sizeof(propagations[0])) {
			enter_key(p, "rootfsPropagation");
			perr(p, e, "unknown propagation \"%.*s\"", SHOW,
			    prop);
			free(prop);
			return -1;
		}
		s->rootfs_propagation = propagations[i].flags;
	}
	free(prop);
	if (refuse_str(p, lx, "mountLabel", e) < 0)
		return -1;
	if (member(lx, "personality")) {
		enter_key(p, "personality");
		return perr(p, e, "not supported");
	}
	if ((v = member(lx, "seccomp"))) {
		old = enter_key(p, "seccomp");
		s->seccomp = calloc(1, sizeof(*s->seccomp));
		if (!s->seccomp)
			return nomem(p, e);
		if (parse_seccomp(p, v, s->seccomp, e) < 0)
			return -1;
		leave(p, old);
	}
	return 0;
}

/* Cross-field rules, checked once everything is read. */
static int
check_spec(struct pctx *p, const struct spec *s, struct err *e)
{
	int userns = s->ns[SPEC_NS_USER].present;

	leave(p, 0);
	if (userns && !s->ns[SPEC_NS_USER].path &&
	    (!s->nuid_mappings || !s->ngid_mappings)) {
		enter_key(p, "linux");
		enter_key(p, s->nuid_mappings ? "gidMappings" : "uidMappings");
		return perr(p, e, "a new user namespace needs uid and gid "
		    "mappings");
	}
	if (!userns && (s->nuid_mappings || s->ngid_mappings)) {
		enter_key(p, "linux");
		enter_key(p, s->nuid_mappings ? "uidMappings" : "gidMappings");
		return perr(p, e, "mappings need a user namespace");
	}
	if (s->hostname && *s->hostname && !s->ns[SPEC_NS_UTS].present)
		return perr(p, e, "hostname: needs a UTS namespace");
	if (s->domainname && *s->domainname && !s->ns[SPEC_NS_UTS].present)
		return perr(p, e, "domainname: needs a UTS namespace");
	return 0;
}

static int
parse_doc(struct pctx *p, const struct json_value *root, struct spec *s,
    struct err *e)
{
	const struct json_value *v;
	const char *ver;
	size_t old;

	if (expect(p, root, JSON_OBJECT, e) < 0 ||
	    !need(p, root, "ociVersion", e) ||
	    get_str(p, root, "ociVersion", CHK_ANY, &s->oci_version, e) < 0)
		return -1;
	ver = s->oci_version;
	if (strncmp(ver, "1.", 2) != 0 || ver[2] < '0' || ver[2] > '9') {
		enter_key(p, "ociVersion");
		return perr(p, e, "unsupported version \"%.*s\"", SHOW, ver);
	}
	if (member(root, "vm")) {
		enter_key(p, "vm");
		return perr(p, e, "not supported");
	}
	if ((v = member(root, "root"))) {
		old = enter_key(p, "root");
		if (expect(p, v, JSON_OBJECT, e) < 0 ||
		    !need(p, v, "path", e) ||
		    get_str(p, v, "path", CHK_NONEMPTY, &s->root_path,
		    e) < 0 ||
		    get_bool(p, v, "readonly", &s->root_readonly, e) < 0)
			return -1;
		leave(p, old);
	}
	if (get_str(p, root, "hostname", CHK_ANY, &s->hostname, e) < 0 ||
	    get_str(p, root, "domainname", CHK_ANY, &s->domainname, e) < 0)
		return -1;
	if ((v = member(root, "process"))) {
		old = enter_key(p, "process");
		if (parse_process(p, v, s, e) < 0)
			return -1;
		leave(p, old);
	}
	if (parse_mounts(p, root, s, e) < 0)
		return -1;
	if ((v = member(root, "hooks"))) {
		old = enter_key(p, "hooks");
		if (parse_hooks(p, v, s, e) < 0)
			return -1;
		leave(p, old);
	}
	if (get_pairs(p, root, "annotations", &s->annotations,
	    &s->nannotations, e) < 0)
		return -1;
	if ((v = member(root, "linux"))) {
		old = enter_key(p, "linux");
		if (parse_linux(p, v, s, e) < 0)
			return -1;
		leave(p, old);
	}
	return check_spec(p, s, e);
}

int
spec_parse(const char *buf, size_t len, struct spec *s, struct err *e)
{
	struct json_limits lim = { SPEC_MAX_SIZE, 0, 0 };
	struct json_value *root;
	struct pctx p;
	int ret;

	memset(s, 0, sizeof(*s));
	memset(&p, 0, sizeof(p));
	if (len > SPEC_MAX_SIZE)
		return err_set(e, ERR_LIMIT, "config.json larger than %d "
		    "bytes", SPEC_MAX_SIZE);
	root = json_parse(buf, len, &lim, e);
	if (!root)
		return err_ctx(e, "config.json");
	spec_init(s);
	ret = parse_doc(&p, root, s, e);
	json_free(root);
	if (ret < 0)
		spec_free(s);
	return ret;
}

int
spec_load(const char *path, struct spec *s, struct err *e)
{
	char *buf;
	size_t len;
	int ret;

	memset(s, 0, sizeof(*s));
	buf = io_read_file(path, SPEC_MAX_SIZE, &len, e);
	if (!buf)
		return -1;
	ret = spec_parse(buf, len, s, e);
	free(buf);
	if (ret < 0)
		err_ctx(e, "%s", path);
	return ret;
}

/* Writer helpers. */
static void
w_str(struct json_writer *w, const char *key, const char *val)
{
	json_writer_key(w, key);
	json_writer_string(w, val);
}

static void
w_int(struct json_writer *w, const char *key, int64_t n)
{
	json_writer_key(w, key);
	json_writer_int(w, n);
}

static void
w_uint(struct json_writer *w, const char *key, uint64_t n)
{
	json_writer_key(w, key);
	json_writer_uint(w, n);
}

static void
w_bool(struct json_writer *w, const char *key, int b)
{
	json_writer_key(w, key);
	json_writer_bool(w, b);
}

static void
w_strv(struct json_writer *w, const char *key, char *const *v, size_t n)
{
	size_t i;

	json_writer_key(w, key);
	json_writer_begin_array(w);
	for (i = 0; i < n; i++)
		json_writer_string(w, v[i]);
	json_writer_end_array(w);
}

static void
w_pairs(struct json_writer *w, const char *key, char *const *kv, size_t n)
{
	size_t i;

	json_writer_key(w, key);
	json_writer_begin_object(w);
	for (i = 0; i < n; i++) {
		json_writer_key(w, kv[2 * i] ? kv[2 * i] : "");
		json_writer_string(w, kv[2 * i + 1]);
	}
	json_writer_end_object(w);
}

static const char *
rlimit_name(int type)
{
	size_t i;

	for (i = 0; i < sizeof(rlimits) / sizeof(rlimits[0]); i++)
		if (rlimits[i].type == type)
			return rlimits[i].name;
	return "RLIMIT_UNKNOWN";
}

static void
w_caps(struct json_writer *w, const uint64_t caps[SPEC_CAP_SETS])
{
	int i, c;

	json_writer_key(w, "capabilities");
	json_writer_begin_object(w);
	for (i = 0; i < SPEC_CAP_SETS; i++) {
		json_writer_key(w, cap_set_names[i]);
		json_writer_begin_array(w);
		for (c = 0; c <= CAPS_LAST; c++)
			if (caps[i] & (UINT64_C(1) << c))
				json_writer_string(w, caps_name(c));
		json_writer_end_array(w);
	}
	json_writer_end_object(w);
}

static void
w_process(struct json_writer *w, const struct spec_process *pr)
{
	size_t i;

	json_writer_key(w, "process");
	json_writer_begin_object(w);
	w_bool(w, "terminal", pr->terminal);
	if (pr->console_height || pr->console_width) {
		json_writer_key(w, "consoleSize");
		json_writer_begin_object(w);
		w_uint(w, "height", pr->console_height);
		w_uint(w, "width", pr->console_width);
		json_writer_end_object(w);
	}
	json_writer_key(w, "user");
	json_writer_begin_object(w);
	w_uint(w, "uid", pr->uid);
	w_uint(w, "gid", pr->gid);
	if (pr->has_umask)
		w_uint(w, "umask", pr->umask);
	if (pr->ngids) {
		json_writer_key(w, "additionalGids");
		json_writer_begin_array(w);
		for (i = 0; i < pr->ngids; i++)
			json_writer_uint(w, pr->gids[i]);
		json_writer_end_array(w);
	}
	json_writer_end_object(w);
	w_strv(w, "args", pr->args, pr->nargs);
	if (pr->nenv)
		w_strv(w, "env", pr->env, pr->nenv);
	w_str(w, "cwd", pr->cwd ? pr->cwd : "/");
	if (pr->has_caps)
		w_caps(w, pr->caps);
	if (pr->nrlimits) {
		json_writer_key(w, "rlimits");
		json_writer_begin_array(w);
		for (i = 0; i < pr->nrlimits; i++) {
			json_writer_begin_object(w);
			w_str(w, "type", rlimit_name(pr->rlimits[i].type));
			w_uint(w, "hard", pr->rlimits[i].hard);
			w_uint(w, "soft", pr->rlimits[i].soft);
			json_writer_end_object(w);
		}
		json_writer_end_array(w);
	}
	if (pr->no_new_privileges)
		w_bool(w, "noNewPrivileges", 1);
	if (pr->has_oom_score_adj)
		w_int(w, "oomScoreAdj", pr->oom_score_adj);
	if (pr->apparmor_profile && *pr->apparmor_profile)
		w_str(w, "apparmorProfile", pr->apparmor_profile);
	if (pr->selinux_label && *pr->selinux_label)
		w_str(w, "selinuxLabel", pr->selinux_label);
	json_writer_end_object(w);
}

static void
w_mounts(struct json_writer *w, const struct spec *s)
{
	const struct spec_mount *m;
	size_t i;

	json_writer_key(w, "mounts");
	json_writer_begin_array(w);
	for (i = 0; i < s->nmounts; i++) {
		m = &s->mounts[i];
		json_writer_begin_object(w);
		w_str(w, "destination", m->destination);
		if (m->type)
			w_str(w, "type", m->type);
		if (m->source)
			w_str(w, "source", m->source);
		if (m->noptions)
			w_strv(w, "options", m->options, m->noptions);
		json_writer_end_object(w);
	}
	json_writer_end_array(w);
}

static void
w_hooks(struct json_writer *w, const struct spec *s)
{
	const struct spec_hook *h;
	size_t i;
	int k;

	json_writer_key(w, "hooks");
	json_writer_begin_object(w);
	for (k = 0; k < SPEC_HOOK_KINDS; k++) {
		if (!s->nhooks[k])
			continue;
		json_writer_key(w, hook_names[k]);
		json_writer_begin_array(w);
		for (i = 0; i < s->nhooks[k]; i++) {
			h = &s->hooks[k][i];
			json_writer_begin_object(w);
			w_str(w, "path", h->path);
			if (h->nargs)
				w_strv(w, "args", h->args, h->nargs);
			if (h->nenv)
				w_strv(w, "env", h->env, h->nenv);
			if (h->timeout)
				w_int(w, "timeout", h->timeout);
			json_writer_end_object(w);
		}
		json_writer_end_array(w);
	}
	json_writer_end_object(w);
}

static void
w_idmaps(struct json_writer *w, const char *key, const struct spec_idmap *m,
    size_t n)
{
	size_t i;

	json_writer_key(w, key);
	json_writer_begin_array(w);
	for (i = 0; i < n; i++) {
		json_writer_begin_object(w);
		w_uint(w, "containerID", m[i].container_id);
		w_uint(w, "hostID", m[i].host_id);
		w_uint(w, "size", m[i].size);
		json_writer_end_object(w);
	}
	json_writer_end_array(w);
}

static void
w_devices(struct json_writer *w, const struct spec *s)
{
	const struct spec_device *d;
	char t[2] = { 0, 0 };
	size_t i;

	json_writer_key(w, "devices");
	json_writer_begin_array(w);
	for (i = 0; i < s->ndevices; i++) {
		d = &s->devices[i];
		t[0] = d->type;
		json_writer_begin_object(w);
		w_str(w, "path", d->path);
		w_str(w, "type", t);
		if (d->type != 'p' || d->major || d->minor) {
			w_int(w, "major", d->major);
			w_int(w, "minor", d->minor);
		}
		w_uint(w, "fileMode", d->file_mode);
		w_uint(w, "uid", d->uid);
		w_uint(w, "gid", d->gid);
		json_writer_end_object(w);
	}
	json_writer_end_array(w);
}

static int
resources_set(const struct spec_resources *r)
{
	return r->memory_limit != SPEC_UNSET ||
	    r->memory_reservation != SPEC_UNSET ||
	    r->memory_swap != SPEC_UNSET ||
	    r->memory_swappiness != SPEC_UNSET || r->disable_oom_killer ||
	    r->cpu_shares != SPEC_UNSET || r->cpu_quota != SPEC_UNSET ||
	    r->cpu_period != SPEC_UNSET || r->cpuset_cpus || r->cpuset_mems ||
	    r->pids_limit != SPEC_UNSET || r->ndevices;
}

static void
w_opt_int(struct json_writer *w, const char *key, int64_t n)
{
	if (n != SPEC_UNSET)
		w_int(w, key, n);
}

static void
w_resources(struct json_writer *w, const struct spec_resources *r)
{
	const struct spec_devrule *d;
	char t[2] = { 0, 0 };
	size_t i;

	json_writer_key(w, "resources");
	json_writer_begin_object(w);
	if (r->ndevices) {
		json_writer_key(w, "devices");
		json_writer_begin_array(w);
		for (i = 0; i < r->ndevices; i++) {
			d = &r->devices[i];
			t[0] = d->type;
			json_writer_begin_object(w);
			w_bool(w, "allow", d->allow);
			w_str(w, "type", t);
			w_opt_int(w, "major", d->major);
			w_opt_int(w, "minor", d->minor);
			w_str(w, "access", d->access);
			json_writer_end_object(w);
		}
		json_writer_end_array(w);
	}
	if (r->memory_limit != SPEC_UNSET ||
	    r->memory_reservation != SPEC_UNSET ||
	    r->memory_swap != SPEC_UNSET ||
	    r->memory_swappiness != SPEC_UNSET || r->disable_oom_killer) {
		json_writer_key(w, "memory");
		json_writer_begin_object(w);
		w_opt_int(w, "limit", r->memory_limit);
		w_opt_int(w, "reservation", r->memory_reservation);
		if (r->memory_swap != SPEC_UNSET)
			w_int(w, "swap", r->memory_swap == INT64_MAX ? -1 :
			    r->memory_swap);
		w_opt_int(w, "swappiness", r->memory_swappiness);
		if (r->disable_oom_killer)
			w_bool(w, "disableOOMKiller", 1);
		json_writer_end_object(w);
	}
	if (r->cpu_shares != SPEC_UNSET || r->cpu_quota != SPEC_UNSET ||
	    r->cpu_period != SPEC_UNSET || r->cpuset_cpus || r->cpuset_mems) {
		json_writer_key(w, "cpu");
		json_writer_begin_object(w);
		w_opt_int(w, "shares", r->cpu_shares);
		w_opt_int(w, "quota", r->cpu_quota);
		w_opt_int(w, "period", r->cpu_period);
		if (r->cpuset_cpus)
			w_str(w, "cpus", r->cpuset_cpus);
		if (r->cpuset_mems)
			w_str(w, "mems", r->cpuset_mems);
		json_writer_end_object(w);
	}
	if (r->pids_limit != SPEC_UNSET) {
		json_writer_key(w, "pids");
		json_writer_begin_object(w);
		w_int(w, "limit", r->pids_limit == INT64_MAX ? -1 :
		    r->pids_limit);
		json_writer_end_object(w);
	}
	json_writer_end_object(w);
}

static const char *
sc_action_name(enum spec_sc_action a)
{
	size_t i;

	for (i = 0; i < sizeof(sc_actions) / sizeof(sc_actions[0]); i++)
		if (sc_actions[i].action == a)
			return sc_actions[i].name;
	return "SCMP_ACT_KILL";
}

static void
w_seccomp(struct json_writer *w, const struct spec_seccomp *sc)
{
	const struct spec_sc_rule *r;
	const struct spec_sc_arg *a;
	size_t i, j;

	json_writer_key(w, "seccomp");
	json_writer_begin_object(w);
	w_str(w, "defaultAction", sc_action_name(sc->default_action));
	if (sc->default_errno >= 0)
		w_int(w, "defaultErrnoRet", sc->default_errno);
	if (sc->narchs)
		w_strv(w, "architectures", sc->archs, sc->narchs);
	if (sc->nrules) {
		json_writer_key(w, "syscalls");
		json_writer_begin_array(w);
	}
	for (i = 0; i < sc->nrules; i++) {
		r = &sc->rules[i];
		json_writer_begin_object(w);
		w_strv(w, "names", r->names, r->nnames);
		w_str(w, "action", sc_action_name(r->action));
		if (r->errno_ret >= 0)
			w_int(w, "errnoRet", r->errno_ret);
		if (r->nargs) {
			json_writer_key(w, "args");
			json_writer_begin_array(w);
		}
		for (j = 0; j < r->nargs; j++) {
			a = &r->args[j];
			json_writer_begin_object(w);
			w_uint(w, "index", a->index);
			w_uint(w, "value", a->value);
			if (a->value2)
				w_uint(w, "valueTwo", a->value2);
			w_str(w, "op", (size_t)a->op < sizeof(sc_ops) /
			    sizeof(sc_ops[0]) ? sc_ops[a->op] : "");
			json_writer_end_object(w);
		}
		if (r->nargs)
			json_writer_end_array(w);
		json_writer_end_object(w);
	}
	if (sc->nrules)
		json_writer_end_array(w);
	json_writer_end_object(w);
}

static void
w_linux(struct json_writer *w, const struct spec *s)
{
	size_t i;
	int k;

	json_writer_key(w, "linux");
	json_writer_begin_object(w);
	if (s->nuid_mappings)
		w_idmaps(w, "uidMappings", s->uid_mappings, s->nuid_mappings);
	if (s->ngid_mappings)
		w_idmaps(w, "gidMappings", s->gid_mappings, s->ngid_mappings);
	if (s->nsysctl)
		w_pairs(w, "sysctl", s->sysctl, s->nsysctl);
	if (resources_set(&s->resources))
		w_resources(w, &s->resources);
	if (s->cgroups_path)
		w_str(w, "cgroupsPath", s->cgroups_path);
	json_writer_key(w, "namespaces");
	json_writer_begin_array(w);
	for (k = 0; k < SPEC_NS_COUNT; k++) {
		if (!s->ns[k].present)
			continue;
		json_writer_begin_object(w);
		w_str(w, "type", ns_names[k]);
		if (s->ns[k].path)
			w_str(w, "path", s->ns[k].path);
		json_writer_end_object(w);
	}
	json_writer_end_array(w);
	if (s->ndevices)
		w_devices(w, s);
	if (s->seccomp)
		w_seccomp(w, s->seccomp);
	for (i = 0; s->rootfs_propagation && i < sizeof(propagations) /
	    sizeof(propagations[0]); i++)
		if (propagations[i].flags == s->rootfs_propagation)
			w_str(w, "rootfsPropagation", propagations[i].name);
	if (s->nmasked_paths)
		w_strv(w, "maskedPaths", s->masked_paths, s->nmasked_paths);
	if (s->nreadonly_paths)
		w_strv(w, "readonlyPaths", s->readonly_paths,
		    s->nreadonly_paths);
	if (s->mount_label && *s->mount_label)
		w_str(w, "mountLabel", s->mount_label);
	json_writer_end_object(w);
}

int
spec_write(const struct spec *s, char **out, size_t *len, struct err *e)
{
	struct json_writer w;
	size_t i;
	int k, any_hooks = 0;

	json_writer_init(&w, 1);
	json_writer_begin_object(&w);
	w_str(&w, "ociVersion", s->oci_version ? s->oci_version : "1.0.2");
	if (s->process.nargs || s->process.cwd)
		w_process(&w, &s->process);
	if (s->root_path) {
		json_writer_key(&w, "root");
		json_writer_begin_object(&w);
		w_str(&w, "path", s->root_path);
		if (s->root_readonly)
			w_bool(&w, "readonly", 1);
		json_writer_end_object(&w);
	}
	if (s->hostname)
		w_str(&w, "hostname", s->hostname);
	if (s->domainname)
		w_str(&w, "domainname", s->domainname);
	if (s->nmounts)
		w_mounts(&w, s);
	for (k = 0; k < SPEC_HOOK_KINDS; k++)
		any_hooks |= s->nhooks[k] != 0;
	if (any_hooks)
		w_hooks(&w, s);
	if (s->nannotations) {
		json_writer_key(&w, "annotations");
		json_writer_begin_object(&w);
		for (i = 0; i < s->nannotations; i++) {
			json_writer_key(&w, s->annotations[2 * i]);
			json_writer_string(&w, s->annotations[2 * i + 1]);
		}
		json_writer_end_object(&w);
	}
	w_linux(&w, s);
	json_writer_end_object(&w);
	*out = json_writer_finish(&w, len, e);
	json_writer_free(&w);
	if (!*out)
		return err_ctx(e, "config.json");
	return 0;
}

static void
free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static void
free_seccomp(struct spec_seccomp *sc)
{
	size_t i;

	if (!sc)
		return;
	free_strv(sc->archs, sc->narchs);
	for (i = 0; sc->rules && i < sc->nrules; i++) {
		free_strv(sc->rules[i].names, sc->rules[i].nnames);
		free(sc->rules[i].args);
	}
	free(sc->rules);
	free(sc);
}

void
spec_free(struct spec *s)
{
	struct spec_process *pr = &s->process;
	size_t i;
	int k;

	free(s->oci_version);
	free(s->root_path);
	free(s->hostname);
	free(s->domainname);
	free(pr->gids);
	free_strv(pr->args, pr->nargs);
	free_strv(pr->env, pr->nenv);
	free(pr->cwd);
	free(pr->rlimits);
	free(pr->apparmor_profile);
	free(pr->selinux_label);
	for (i = 0; s->mounts && i < s->nmounts; i++) {
		free(s->mounts[i].destination);
		free(s->mounts[i].type);
		free(s->mounts[i].source);
		free_strv(s->mounts[i].options, s->mounts[i].noptions);
	}
	free(s->mounts);
	for (k = 0; k < SPEC_HOOK_KINDS; k++) {
		for (i = 0; s->hooks[k] && i < s->nhooks[k]; i++) {
			free(s->hooks[k][i].path);
			free_strv(s->hooks[k][i].args, s->hooks[k][i].nargs);
			free_strv(s->hooks[k][i].env, s->hooks[k][i].nenv);
		}
		free(s->hooks[k]);
	}
	free_strv(s->annotations, 2 * s->nannotations);
	for (k = 0; k < SPEC_NS_COUNT; k++)
		free(s->ns[k].path);
	free(s->uid_mappings);
	free(s->gid_mappings);
	for (i = 0; s->devices && i < s->ndevices; i++)
		free(s->devices[i].path);
	free(s->devices);
	free(s->cgroups_path);
	free(s->resources.cpuset_cpus);
	free(s->resources.cpuset_mems);
	free(s->resources.devices);
	free(s->resources.unified_keys_values);
	free_strv(s->sysctl, 2 * s->nsysctl);
	free_strv(s->masked_paths, s->nmasked_paths);
	free_strv(s->readonly_paths, s->nreadonly_paths);
	free(s->mount_label);
	free_seccomp(s->seccomp);
	memset(s, 0, sizeof(*s));
}

void
spec_init(struct spec *s)
{
	struct spec_resources *r = &s->resources;

	memset(s, 0, sizeof(*s));
	r->memory_limit = r->memory_reservation = r->memory_swap = SPEC_UNSET;
	r->memory_swappiness = SPEC_UNSET;
	r->cpu_shares = r->cpu_quota = r->cpu_period = SPEC_UNSET;
	r->pids_limit = SPEC_UNSET;
}

int
spec_ns_from_name(const char *name)
{
	int k;

	for (k = 0; name && k < SPEC_NS_COUNT; k++)
		if (strcmp(ns_names[k], name) == 0)
			return k;
	return -1;
}

const char *
spec_ns_name(enum spec_ns_type t)
{
	if ((unsigned)t >= SPEC_NS_COUNT)
		return NULL;
	return ns_names[t];
}

const char *
spec_annotation(const struct spec *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->nannotations; i++)
		if (strcmp(s->annotations[2 * i], key) == 0)
			return s->annotations[2 * i + 1];
	return NULL;
}

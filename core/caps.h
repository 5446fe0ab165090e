/* caps.h - Linux capabilities: names, Docker's defaults and flags, and
 * applying the five sets in a container's init process
 *
 * A capability set is a uint64_t with bit n for capability n (CAP_CHOWN is
 * bit 0), the same representation struct spec uses for
 * process.capabilities.
 *
 * Applying the sets. The runtime's container init, running as uid 0 of its
 * user namespace with every capability, must switch identity and
 * capabilities in this order (runc's finalizeNamespace does the same):
 *
 *	1. caps_set_bounding(sets[SPEC_CAP_BOUNDING])
 *	     needs CAP_SETPCAP in the effective set, which a switch to a
 *	     non-zero uid clears: so it comes first;
 *	2. caps_keep(1)
 *	     PR_SET_KEEPCAPS, so the permitted set survives step 3;
 *	3. setgroups(), setresgid(), setresuid() to the process.user ids;
 *	4. caps_keep(0);
 *	5. caps_set(sets)
 *	     bounding (already done, so nothing more is dropped), then
 *	     capset() of effective, permitted and inheritable, then the
 *	     ambient set;
 *	6. (after no_new_privs and seccomp) execve().
 *
 * When the process stays uid 0, steps 2 to 4 keep the capabilities anyway
 * and caps_set() alone is enough. Capabilities above the running kernel's
 * last one (caps_last_cap()) are silently left out by the kernel in
 * capset() and skipped for the ambient set.
 */
#ifndef ROCKER_CAPS_H
#define ROCKER_CAPS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "spec.h"

enum {
	CAPS_LAST = 40,		/* CAP_CHECKPOINT_RESTORE: highest name known */
	CAPS_ALL = -2,		/* what caps_from_name() says of "ALL" */
};

/*
 * The number of capability `name`: the runtime-spec spelling
 * ("CAP_SYS_ADMIN") or Docker's --cap-add spelling (any case, "CAP_"
 * prefix optional: "sys_admin", "Net_Raw"). "ALL" (any case) gives
 * CAPS_ALL. Unknown names and NULL give -1.
 */
int caps_from_name(const char *name);

/* The canonical name of capability `n` ("CAP_CHOWN"), a static string, or
 * NULL when `n` is not in 0..CAPS_LAST. */
const char *caps_name(int n);

/*
 * The highest capability number the running kernel knows, from
 * /proc/sys/kernel/cap_last_cap (at most 63); CAPS_LAST when that cannot
 * be read.
 */
int caps_last_cap(void);

/* Every capability both rocker and the running kernel know (what Docker
 * grants --privileged and --cap-add ALL). */
uint64_t caps_all(void);

/* Docker's default set: CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW
 * SETGID SETUID SETFCAP SETPCAP NET_BIND_SERVICE SYS_CHROOT KILL
 * AUDIT_WRITE (0xa80425fb). */
uint64_t caps_docker_default(void);

/*
 * Apply --cap-add (`nadd` names at `add`) and --cap-drop (`ndrop` names at
 * `drop`) to `base` as Docker's TweakCapabilities does, into *out:
 *
 *  - "ALL" in add: caps_all() minus the dropped ones (a drop of "ALL" is
 *    then ignored);
 *  - else "ALL" in drop: exactly the added ones, `base` is not used;
 *  - else `base` minus the dropped ones, plus the added ones (a name in
 *    both lists is kept).
 *
 * Names are read with caps_from_name(). The arrays are borrowed and may be
 * NULL when their count is 0. Errors (ERR_USAGE, *out untouched):
 * `unknown capability: "CAP_FOO"` and, for a capability above
 * caps_last_cap(), `capability not supported by your kernel or not
 * available in the current environment: "CAP_BPF"`. Returns 0 or -1.
 */
int caps_apply_flags(uint64_t base, char *const *add, size_t nadd,
    char *const *drop, size_t ndrop, uint64_t *out, struct err *e);

/*
 * Drop every capability from 0 to caps_last_cap() that is not in
 * `bounding` from the calling thread's bounding set (PR_CAPBSET_DROP),
 * skipping those already dropped. Needs CAP_SETPCAP when anything is left
 * to drop. Returns 0, or -1 with `e` naming the capability.
 */
int caps_set_bounding(uint64_t bounding, struct err *e);

/* PR_SET_KEEPCAPS to `on` (0 or 1): whether the permitted set survives a
 * switch from uid 0 to other uids. Returns 0 or -1. */
int caps_keep(int on, struct err *e);

/*
 * Make the calling thread's capabilities exactly `sets` (indexed by enum
 * spec_cap_set): caps_set_bounding(), then capset() of the effective,
 * permitted and inheritable sets (effective must be a subset of permitted,
 * else EPERM), then the ambient set is cleared and each ambient capability
 * up to caps_last_cap() raised (each must be permitted and inheritable).
 * See the order above. Returns 0 or -1 with `e` set; the thread's
 * capabilities may then be partly changed.
 */
int caps_set(const uint64_t sets[SPEC_CAP_SETS], struct err *e);

#endif

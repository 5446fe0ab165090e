/* caps.c - capability names, Docker's add/drop rules, applying the sets */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"

enum {
	CAP_V3 = 0x20080522,	/* _LINUX_CAPABILITY_VERSION_3 */
	CAP_MAX_BIT = 63,
};

/* struct __user_cap_header_struct and __user_cap_data_struct of
 * linux/capability.h */
struct cap_header {
	uint32_t version;
	int pid;
};

struct cap_data {
	uint32_t effective, permitted, inheritable;
};

/* Indexed by capability number. */
static const char *const cap_names[CAPS_LAST + 1] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
	"CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

/* Docker's defaults (moby oci/caps/defaults.go), by number. */
static const unsigned char docker_default[] = {
	0,	/* CHOWN */
	1,	/* DAC_OVERRIDE */
	3,	/* FOWNER */
	4,	/* FSETID */
	5,	/* KILL */
	6,	/* SETGID */
	7,	/* SETUID */
	8,	/* SETPCAP */
	10,	/* NET_BIND_SERVICE */
	13,	/* NET_RAW */
	18,	/* SYS_CHROOT */
	27,	/* MKNOD */
	29,	/* AUDIT_WRITE */
	31,	/* SETFCAP */
};

int
caps_from_name(const char *name)
{
	int i;

	if (!name)
		return -1;
	if (strcasecmp(name, "ALL") == 0)
		return CAPS_ALL;
	if (strncasecmp(name, "CAP_", 4) == 0)
		name += 4;
	for (i = 0; i <= CAPS_LAST; i++)
		if (strcasecmp(cap_names[i] + 4, name) == 0)
			return i;
	return -1;
}

const char *
caps_name(int n)
{
	if (n < 0 || n > CAPS_LAST)
		return NULL;
	return cap_names[n];
}

int
caps_last_cap(void)
{
	static int known = -1;	/* the kernel's, read once per process */
	char buf[16];
	ssize_t r;
	long v;
	char *end;
	int fd;

	if (known >= 0)
		return known;
	fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return CAPS_LAST;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return CAPS_LAST;
	buf[r] = '\0';
	v = strtol(buf, &end, 10);
	if (end == buf || (*end && *end != '\n') || v < 0)
		return CAPS_LAST;
	known = v > CAP_MAX_BIT ? CAP_MAX_BIT : (int)v;
	return known;
}

uint64_t
caps_all(void)
{
	int last = caps_last_cap();

	if (last > CAPS_LAST)
		last = CAPS_LAST;
	return (UINT64_C(1) << (last + 1)) - 1;
}

uint64_t
caps_docker_default(void)
{
	uint64_t m = 0;
	size_t i;

	for (i = 0; i < sizeof(docker_default); i++)
		m |= UINT64_C(1) << docker_default[i];
	return m;
}

/*
 * Read `n` names into a mask; *all set when "ALL" is among them. Unknown
 * names and capabilities the kernel lacks are errors, named as Docker
 * names them (upper case, "CAP_" prefix).
 */
static int
names_mask(char *const *names, size_t n, int last, uint64_t *mask,
    int *all, struct err *e)
{
	size_t i, j;
	int c;
	char shown[48];
	const char *s;

	*mask = 0;
	*all = 0;
	for (i = 0; i < n; i++) {
		s = names[i] ? names[i] : "";
		c = caps_from_name(s);
		if (c == CAPS_ALL) {
			*all = 1;
			continue;
		}
		if (c >= 0 && c <= last) {
			*mask |= UINT64_C(1) << c;
			continue;
		}
		j = 0;
		if (strncasecmp(s, "CAP_", 4) != 0)
			j = (size_t)snprintf(shown, sizeof(shown), "CAP_");
		for (; *s && j < sizeof(shown) - 1; s++)
			shown[j++] = (*s >= 'a' && *s <= 'z') ? *s - 32 : *s;
		shown[j] = '\0';
		if (c < 0)
			return err_set(e, ERR_USAGE, "unknown capability: "
			    "\"%s\"", shown);
		return err_set(e, ERR_USAGE, "capability not supported by "
		    "your kernel or not available in the current "
		    "environment: \"%s\"", shown);
	}
	return 0;
}

int
caps_apply_flags(uint64_t base, char *const *add, size_t nadd,
    char *const *drop, size_t ndrop, uint64_t *out, struct err *e)
{
	uint64_t addm, dropm;
	int add_all, drop_all, last = caps_last_cap();

	if (names_mask(drop, ndrop, last, &dropm, &drop_all, e) < 0 ||
	    names_mask(add, nadd, last, &addm, &add_all, e) < 0)
		return -1;
	if (add_all)
		*out = caps_all() & ~dropm;
	else if (drop_all)
		*out = addm;
	else
		*out = (base & ~dropm) | addm;
	return 0;
}

int
caps_set_bounding(uint64_t bounding, struct err *e)
{
	int last = caps_last_cap(), i, r;

	for (i = 0; i <= last; i++) {
		if (bounding & (UINT64_C(1) << i))
			continue;
		r = prctl(PR_CAPBSET_READ, (unsigned long)i, 0, 0, 0);
		if (r == 0)
			continue;
		if (r < 0 && errno == EINVAL)
			break;		/* beyond what the kernel knows */
		if (prctl(PR_CAPBSET_DROP, (unsigned long)i, 0, 0, 0) < 0)
			return err_sys(e, "drop %s from the bounding set",
			    caps_name(i) ? caps_name(i) : "capability");
	}
	return 0;
}

int
caps_keep(int on, struct err *e)
{
	if (prctl(PR_SET_KEEPCAPS, (unsigned long)!!on, 0, 0, 0) < 0)
		return err_sys(e, "PR_SET_KEEPCAPS");
	return 0;
}

int
caps_set(const uint64_t sets[SPEC_CAP_SETS], struct err *e)
{
	struct cap_header h = { CAP_V3, 0 };
	struct cap_data d[2];
	int last = caps_last_cap(), i, w;

	if (caps_set_bounding(sets[SPEC_CAP_BOUNDING], e) < 0)
		return -1;
	for (w = 0; w < 2; w++) {
		d[w].effective = (uint32_t)(sets[SPEC_CAP_EFFECTIVE] >>
		    (32 * w));
		d[w].permitted = (uint32_t)(sets[SPEC_CAP_PERMITTED] >>
		    (32 * w));
		d[w].inheritable = (uint32_t)(sets[SPEC_CAP_INHERITABLE] >>
		    (32 * w));
	}
	if (syscall(SYS_capset, &h, d) < 0)
		return err_sys(e, "capset");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
		/* Before Linux 4.3 there is no ambient set to clear. */
		if (errno != EINVAL || sets[SPEC_CAP_AMBIENT])
			return err_sys(e, "clear the ambient set");
		return 0;
	}
	for (i = 0; i <= last && i <= CAP_MAX_BIT; i++) {
		if (!(sets[SPEC_CAP_AMBIENT] & (UINT64_C(1) << i)))
			continue;
		/* A capability missing from the permitted or inheritable
		 * set cannot be ambient (EPERM): it is left out, as runc
		 * does (`runc spec` asks for ambient capabilities without
		 * inheritable ones); that grants less, never more. */
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE,
		    (unsigned long)i, 0, 0) < 0 && errno != EPERM)
			return err_sys(e, "raise ambient %s",
			    caps_name(i) ? caps_name(i) : "capability");
	}
	return 0;
}

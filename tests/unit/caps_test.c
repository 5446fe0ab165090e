/* caps_test.c - capability names, Docker's defaults and add/drop rules,
 * and (as root, in a child) applying the sets */

#define _GNU_SOURCE
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "check.h"

#define BIT(n) (UINT64_C(1) << (n))

static int
apply(uint64_t base, char **add, size_t nadd, char **drop, size_t ndrop,
    uint64_t *out, struct err *e)
{
	err_clear(e);
	return caps_apply_flags(base, add, nadd, drop, ndrop, out, e);
}

/* A hex field of /proc/self/status ("CapEff"). */
static uint64_t
status_mask(const char *field)
{
	char line[256];
	unsigned long long v = 0;
	size_t n = strlen(field);
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, n) == 0 && line[n] == ':')
			sscanf(line + n + 1, "%llx", &v);
	fclose(f);
	return v;
}

/* In a child: apply sets and report whether the kernel shows them. */
static int
child_apply(void)
{
	uint64_t sets[SPEC_CAP_SETS];
	struct err e = ERR_INIT;
	uint64_t keep = caps_docker_default();

	sets[SPEC_CAP_BOUNDING] = keep;
	sets[SPEC_CAP_PERMITTED] = keep;
	sets[SPEC_CAP_EFFECTIVE] = keep & ~BIT(7);	/* no SETUID */
	sets[SPEC_CAP_INHERITABLE] = BIT(10);
	sets[SPEC_CAP_AMBIENT] = BIT(10);		/* NET_BIND_SERVICE */
	if (caps_set(sets, &e) < 0) {
		fprintf(stderr, "caps_set: %s\n", e.msg);
		return 10;
	}
	if (status_mask("CapBnd") != keep)
		return 11;
	if (status_mask("CapPrm") != keep)
		return 12;
	if (status_mask("CapEff") != (keep & ~BIT(7)))
		return 13;
	if (status_mask("CapInh") != BIT(10))
		return 14;
	if (status_mask("CapAmb") != BIT(10))
		return 15;
	/* Applying again (bounding already dropped) still works. */
	if (caps_set(sets, &e) < 0)
		return 16;
	/* Effective beyond permitted is refused. */
	sets[SPEC_CAP_EFFECTIVE] = BIT(21);
	if (caps_set(sets, &e) == 0)
		return 17;
	return 0;
}

/* In a child: the documented order for a switch to uid 1000. */
static int
child_switch_user(void)
{
	uint64_t sets[SPEC_CAP_SETS] = { 0 };
	struct err e = ERR_INIT;

	sets[SPEC_CAP_BOUNDING] = BIT(0) | BIT(10);
	sets[SPEC_CAP_PERMITTED] = BIT(0) | BIT(10);
	sets[SPEC_CAP_EFFECTIVE] = BIT(0) | BIT(10);
	if (caps_set_bounding(sets[SPEC_CAP_BOUNDING], &e) < 0 ||
	    caps_keep(1, &e) < 0)
		return 20;
	if (setgroups(0, NULL) < 0 || setresgid(1000, 1000, 1000) < 0 ||
	    setresuid(1000, 1000, 1000) < 0)
		return 21;
	if (caps_keep(0, &e) < 0 || caps_set(sets, &e) < 0) {
		fprintf(stderr, "after setuid: %s\n", e.msg);
		return 22;
	}
	if (getuid() != 1000 || status_mask("CapEff") != (BIT(0) | BIT(10)) ||
	    status_mask("CapBnd") != (BIT(0) | BIT(10)))
		return 23;
	return 0;
}

static int
in_child(int (*fn)(void))
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(fn());
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int
main(void)
{
	struct err e = ERR_INIT;
	uint64_t m, def = caps_docker_default();
	int last = caps_last_cap(), r;
	char *add[4], *drop[4];

	CHECK(caps_from_name("CAP_CHOWN") == 0, "CAP_CHOWN is 0");
	CHECK(caps_from_name("CAP_SYS_ADMIN") == 21, "CAP_SYS_ADMIN is 21");
	CHECK(caps_from_name("sys_admin") == 21, "sys_admin (Docker form)");
	CHECK(caps_from_name("Net_Raw") == 13, "mixed case without prefix");
	CHECK(caps_from_name("cap_net_admin") == 12, "lower case prefix");
	CHECK(caps_from_name("CAP_CHECKPOINT_RESTORE") == 40,
	    "CAP_CHECKPOINT_RESTORE is 40");
	CHECK(caps_from_name("CAP_BPF") == 39 &&
	    caps_from_name("PERFMON") == 38, "BPF, PERFMON");
	CHECK(caps_from_name("ALL") == CAPS_ALL &&
	    caps_from_name("all") == CAPS_ALL, "ALL");
	CHECK(caps_from_name("CAP_ALL") == -1, "CAP_ALL is not a name");
	CHECK(caps_from_name("FOO") == -1 && caps_from_name("") == -1 &&
	    caps_from_name("CAP_") == -1 && caps_from_name(NULL) == -1,
	    "unknown names");
	CHECK(strcmp(caps_name(0), "CAP_CHOWN") == 0 &&
	    strcmp(caps_name(29), "CAP_AUDIT_WRITE") == 0 &&
	    strcmp(caps_name(40), "CAP_CHECKPOINT_RESTORE") == 0,
	    "numbers to names");
	CHECK(caps_name(41) == NULL && caps_name(-1) == NULL,
	    "out of range numbers");
	for (r = 0; r <= CAPS_LAST; r++)
		if (caps_from_name(caps_name(r)) != r)
			break;
	CHECK(r == CAPS_LAST + 1, "every name reads back as its number");

	CHECK(def == UINT64_C(0xa80425fb), "docker default mask 0x%llx",
	    (unsigned long long)def);
	CHECK(__builtin_popcountll(def) == 14, "14 default capabilities");
	CHECK(last >= 0 && last <= 63, "cap_last_cap %d", last);
	CHECK(caps_all() == (last >= CAPS_LAST ? BIT(CAPS_LAST + 1) - 1 :
	    BIT(last + 1) - 1), "caps_all covers 0..last");

	CHECK(apply(def, NULL, 0, NULL, 0, &m, &e) == 0 && m == def,
	    "no flags: base unchanged");
	add[0] = "sys_admin";
	add[1] = "CAP_NET_ADMIN";
	drop[0] = "chown";
	drop[1] = "Net_Raw";
	CHECK(apply(def, add, 2, drop, 2, &m, &e) == 0 &&
	    m == ((def | BIT(21) | BIT(12)) & ~(BIT(0) | BIT(13))),
	    "add and drop");
	add[0] = "chown";
	drop[0] = "CHOWN";
	CHECK(apply(def, add, 1, drop, 1, &m, &e) == 0 && (m & BIT(0)),
	    "a capability both added and dropped is kept");
	add[0] = "ALL";
	drop[0] = "sys_admin";
	CHECK(apply(def, add, 1, drop, 1, &m, &e) == 0 &&
	    m == (caps_all() & ~BIT(21)), "add ALL minus drops");
	drop[0] = "ALL";
	add[0] = "chown";
	add[1] = "kill";
	CHECK(apply(def, add, 2, drop, 1, &m, &e) == 0 &&
	    m == (BIT(0) | BIT(5)), "drop ALL keeps only the added");
	CHECK(apply(def, NULL, 0, drop, 1, &m, &e) == 0 && m == 0,
	    "drop ALL alone: nothing");
	add[0] = "all";
	CHECK(apply(def, add, 1, drop, 1, &m, &e) == 0 && m == caps_all(),
	    "add ALL wins over drop ALL");
	m = 7;
	add[0] = "foo";
	CHECK(apply(def, add, 1, NULL, 0, &m, &e) < 0 &&
	    strcmp(e.msg, "unknown capability: \"CAP_FOO\"") == 0 && m == 7,
	    "unknown add: %s", e.msg);
	drop[0] = "cap_bogus";
	CHECK(apply(def, NULL, 0, drop, 1, &m, &e) < 0 &&
	    strcmp(e.msg, "unknown capability: \"CAP_BOGUS\"") == 0,
	    "unknown drop: %s", e.msg);
	CHECK(e.code == ERR_USAGE, "unknown capability is a usage error");

	if (geteuid() != 0) {
		CHECK(1, "caps_set: skipped (not root)");
	} else {
		r = in_child(child_apply);
		CHECK(r == 0, "caps_set in a child: status %d", r);
		r = in_child(child_switch_user);
		CHECK(r == 0, "bounding, keepcaps, setuid, caps_set: status %d",
		    r);
	}
	return check_done();
}

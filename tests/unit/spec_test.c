/* spec_test.c - OCI config.json: real documents, every refusal, round trip */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "caps.h"
#include "check.h"
#include "spec.h"

#define FIX "tests/fixtures/spec/"
#define BIT(n) (UINT64_C(1) << (n))

/* A minimal valid document: PRE + more members + "}". */
#define PRE "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"sh\"], " \
	"\"cwd\": \"/\"}, \"root\": {\"path\": \"rootfs\"}"
#define UTS ", \"linux\": {\"namespaces\": [{\"type\": \"uts\"}]}"

struct bad {
	const char *json;
	const char *msg;	/* the whole message, or a part of it */
};

/* Each must be refused with a message containing `msg`. */
static const struct bad bad[] = {
	{ PRE ", \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, "
	    "{\"type\": \"mount\"}, {\"type\": \"foo\"}]}}",
	    "linux.namespaces[2].type: unknown namespace \"foo\"" },
	{ PRE ", \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, "
	    "{\"type\": \"pid\"}]}}",
	    "linux.namespaces[1].type: duplicate namespace \"pid\"" },
	{ PRE ", \"linux\": {\"namespaces\": [{\"type\": \"net\"}]}}",
	    "unknown namespace \"net\"" },
	{ PRE ", \"linux\": {\"namespaces\": [{\"type\": \"network\", "
	    "\"path\": \"netns\"}]}}",
	    "linux.namespaces[0].path: \"netns\" is not an absolute path" },
	{ PRE ", \"linux\": {\"namespaces\": [{\"path\": \"/x\"}]}}",
	    "linux.namespaces[0].type: required" },
	{ PRE ", \"linux\": {\"namespaces\": {\"type\": \"pid\"}}}",
	    "linux.namespaces: expected an array" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [], "
	    "\"cwd\": \"/\"}}",
	    "process.args: required, with at least one entry" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"cwd\": \"/\"}}",
	    "process.args: required" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"a\", 1], "
	    "\"cwd\": \"/\"}}", "process.args[1]: expected a string" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"a\\u0000\"]"
	    ", \"cwd\": \"/\"}}",
	    "process.args[0]: string contains a NUL character" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"a\"]}}",
	    "process.cwd: required" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"a\"], "
	    "\"cwd\": \"tmp\"}}",
	    "process.cwd: \"tmp\" is not an absolute path" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"a\"], "
	    "\"cwd\": \"/\", \"env\": [\"A=1\", \"FOO\"]}}",
	    "process.env[1]: \"FOO\" is not KEY=value" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"a\"], "
	    "\"cwd\": \"/\", \"env\": [\"=x\"]}}", "process.env[0]:" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"a\"], "
	    "\"cwd\": \"/\", \"capabilities\": {\"bounding\": [\"CAP_KILL\", "
	    "\"CAP_FOO\"]}}}",
	    "process.capabilities.bounding[1]: unknown capability "
	    "\"CAP_FOO\"" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"a\"], "
	    "\"cwd\": \"/\", \"capabilities\": {\"ambient\": [\"kill\"]}}}",
	    "process.capabilities.ambient[0]: unknown capability \"kill\"" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"a\"], "
	    "\"cwd\": \"/\", \"capabilities\": {\"bounding\": [\"ALL\"]}}}",
	    "unknown capability \"ALL\"" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"a\"], "
	    "\"cwd\": \"/\", \"capabilities\": {\"extra\": []}}}",
	    "process.capabilities.extra: not supported" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"a\"], "
	    "\"cwd\": \"/\", \"rlimits\": [{\"type\": \"RLIMIT_FOO\", "
	    "\"soft\": 1, \"hard\": 1}]}}",
	    "process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\"" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"a\"], "
	    "\"cwd\": \"/\", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", "
	    "\"soft\": 1, \"hard\": 1}, {\"type\": \"RLIMIT_NOFILE\", "
	    "\"soft\": 2, \"hard\": 2}]}}",
	    "process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\"" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"a\"], "
	    "\"cwd\": \"/\", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", "
	    "\"soft\": 2, \"hard\": 1}]}}",
	    "process.rlimits[0]: soft limit above the hard limit" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"a\"], "
	    "\"cwd\": \"/\", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", "
	    "\"soft\": -1, \"hard\": 1}]}}",
	    "process.rlimits[0].soft: expected an integer from 0 to "
	    "18446744073709551615" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"a\"], "
	    "\"cwd\": \"/\", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", "
	    "\"soft\": 1}]}}", "process.rlimits[0].hard: required" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"a\"], "
	    "\"cwd\": \"/\", \"user\": {\"uid\": -1}}}",
	    "process.user.uid: expected an integer from 0 to 4294967295" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"a\"], "
	    "\"cwd\": \"/\", \"user\": {\"uid\": \"0\"}}}",
	    "process.user.uid: expected an integer" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"a\"], "
	    "\"cwd\": \"/\", \"user\": {\"uid\": 1.5}}}",
	    "process.user.uid: expected an integer" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"a\"], "
	    "\"cwd\": \"/\", \"user\": {\"umask\": 512}}}",
	    "process.user.umask: expected an integer from 0 to 511" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"a\"], "
	    "\"cwd\": \"/\", \"user\": {\"additionalGids\": [1, 4294967296]}}}",
	    "process.user.additionalGids[1]: expected an integer" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"a\"], "
	    "\"cwd\": \"/\", \"terminal\": \"yes\"}}",
	    "process.terminal: expected true or false" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"a\"], "
	    "\"cwd\": \"/\", \"consoleSize\": {\"height\": 70000, "
	    "\"width\": 1}}}", "process.consoleSize.height: expected" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"a\"], "
	    "\"cwd\": \"/\", \"consoleSize\": {\"height\": 7}}}",
	    "process.consoleSize.width: required" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"a\"], "
	    "\"cwd\": \"/\", \"oomScoreAdj\": 1001}}",
	    "process.oomScoreAdj: expected an integer from -1000 to 1000" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"a\"], "
	    "\"cwd\": \"/\", \"apparmorProfile\": \"docker-default\"}}",
	    "process.apparmorProfile: not supported" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"a\"], "
	    "\"cwd\": \"/\", \"selinuxLabel\": \"system_u:r:c\"}}",
	    "process.selinuxLabel: not supported" },
	{ "{\"ociVersion\": \"1.0.2\", \"process\": [] }",
	    "process: expected an object" },
	{ "{\"process\": {\"args\": [\"a\"], \"cwd\": \"/\"}}",
	    "ociVersion: required" },
	{ "{\"ociVersion\": \"2.0.0\"}",
	    "ociVersion: unsupported version \"2.0.0\"" },
	{ "{\"ociVersion\": 1}", "ociVersion: expected a string" },
	{ "{\"ociVersion\": \"1.0.2\", \"vm\": {\"hypervisor\": {}}}",
	    "vm: not supported" },
	{ "{\"ociVersion\": \"1.0.2\", \"root\": {\"readonly\": true}}",
	    "root.path: required" },
	{ "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"\"}}",
	    "root.path: must not be empty" },
	{ "{\"ociVersion\": \"1.0.2\", \"hostname\": \"box\"}",
	    "hostname: needs a UTS namespace" },
	{ "{\"ociVersion\": \"1.0.2\", \"domainname\": \"example.com\"}",
	    "domainname: needs a UTS namespace" },
	{ PRE ", \"mounts\": [{\"destination\": \"proc\", \"type\": "
	    "\"proc\"}]}",
	    "mounts[0].destination: \"proc\" is not an absolute path" },
	{ PRE ", \"mounts\": [{\"destination\": \"/a\"}, {\"type\": "
	    "\"tmpfs\"}]}", "mounts[1].destination: required" },
	{ PRE ", \"mounts\": [{\"destination\": \"/a\", \"options\": "
	    "[\"ro\", 5]}]}", "mounts[0].options[1]: expected a string" },
	{ PRE ", \"mounts\": [{\"destination\": \"/a\", \"uidMappings\": "
	    "[{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]}]}",
	    "mounts[0].uidMappings: not supported" },
	{ PRE ", \"mounts\": [\"/a\"]}", "mounts[0]: expected an object" },
	{ PRE ", \"hooks\": {\"prestart\": [{\"args\": [\"x\"]}]}}",
	    "hooks.prestart[0].path: required" },
	{ PRE ", \"hooks\": {\"poststop\": [{\"path\": \"/bin/x\", "
	    "\"timeout\": 0}]}}",
	    "hooks.poststop[0].timeout: expected an integer from 1" },
	{ PRE ", \"hooks\": {\"createRuntime\": [{\"path\": \"x\"}]}}",
	    "hooks.createRuntime[0].path: \"x\" is not an absolute path" },
	{ PRE ", \"annotations\": {\"a\": \"b\", \"k\": 1}}",
	    "annotations.k: expected a string" },
	{ PRE ", \"linux\": {\"namespaces\": [{\"type\": \"user\"}]}}",
	    "linux.uidMappings: a new user namespace needs uid and gid "
	    "mappings" },
	{ PRE ", \"linux\": {\"namespaces\": [{\"type\": \"user\"}], "
	    "\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, "
	    "\"size\": 1}]}}",
	    "linux.gidMappings: a new user namespace needs uid and gid "
	    "mappings" },
	{ PRE ", \"linux\": {\"uidMappings\": [{\"containerID\": 0, "
	    "\"hostID\": 1000, \"size\": 1}]}}",
	    "linux.uidMappings: mappings need a user namespace" },
	{ PRE ", \"linux\": {\"uidMappings\": [{\"containerID\": 0, "
	    "\"hostID\": 1000, \"size\": 0}]}}",
	    "linux.uidMappings[0].size: must not be 0" },
	{ PRE ", \"linux\": {\"gidMappings\": [{\"containerID\": 0, "
	    "\"size\": 1}]}}", "linux.gidMappings[0].hostID: required" },
	{ PRE ", \"linux\": {\"devices\": [{\"path\": \"/dev/x\", "
	    "\"type\": \"x\", \"major\": 1, \"minor\": 1}]}}",
	    "linux.devices[0].type: unknown device type \"x\"" },
	{ PRE ", \"linux\": {\"devices\": [{\"path\": \"/dev/x\", "
	    "\"type\": \"c\", \"minor\": 1}]}}",
	    "linux.devices[0].major: required" },
	{ PRE ", \"linux\": {\"devices\": [{\"path\": \"/dev/x\", "
	    "\"type\": \"c\", \"major\": 1, \"minor\": 1, \"fileMode\": "
	    "4096}]}}", "linux.devices[0].fileMode: expected an integer" },
	{ PRE ", \"linux\": {\"devices\": [{\"path\": \"dev/x\", "
	    "\"type\": \"p\"}]}}", "linux.devices[0].path: \"dev/x\" is not" },
	{ PRE ", \"linux\": {\"resources\": {\"foo\": {}}}}",
	    "linux.resources.foo: not supported" },
	{ PRE ", \"linux\": {\"resources\": {\"blockIO\": {\"weight\": "
	    "10}}}}", "linux.resources.blockIO: not supported" },
	{ PRE ", \"linux\": {\"resources\": {\"hugepageLimits\": [{"
	    "\"pageSize\": \"2MB\", \"limit\": 1}]}}}",
	    "linux.resources.hugepageLimits: not supported" },
	{ PRE ", \"linux\": {\"resources\": {\"network\": {\"classID\": "
	    "1}}}}", "linux.resources.network: not supported" },
	{ PRE ", \"linux\": {\"resources\": {\"rdma\": {\"mlx\": {}}}}}",
	    "linux.resources.rdma: not supported" },
	{ PRE ", \"linux\": {\"resources\": {\"unified\": {\"io.max\": "
	    "\"8:0 rbps=1\"}}}}", "linux.resources.unified: not supported" },
	{ PRE ", \"linux\": {\"resources\": {\"blockIO\": 1}}}",
	    "linux.resources.blockIO: expected an object or an array" },
	{ PRE ", \"linux\": {\"resources\": {\"memory\": {\"swappiness\": "
	    "101}}}}",
	    "linux.resources.memory.swappiness: expected an integer from 0 "
	    "to 100" },
	{ PRE ", \"linux\": {\"resources\": {\"memory\": {\"limit\": -2}}}}",
	    "linux.resources.memory.limit: expected an integer from -1" },
	{ PRE ", \"linux\": {\"resources\": {\"memory\": {\"limitt\": 1}}}}",
	    "linux.resources.memory.limitt: not supported" },
	{ PRE ", \"linux\": {\"resources\": {\"cpu\": {\"realtimeRuntime\": "
	    "1000}}}}", "linux.resources.cpu.realtimeRuntime: not supported" },
	{ PRE ", \"linux\": {\"resources\": {\"cpu\": {\"cpus\": 1}}}}",
	    "linux.resources.cpu.cpus: expected a string" },
	{ PRE ", \"linux\": {\"resources\": {\"pids\": {}}}}",
	    "linux.resources.pids.limit: required" },
	{ PRE ", \"linux\": {\"resources\": {\"devices\": [{\"access\": "
	    "\"rwm\"}]}}}", "linux.resources.devices[0].allow: required" },
	{ PRE ", \"linux\": {\"resources\": {\"devices\": [{\"allow\": true,"
	    " \"access\": \"rwx\"}]}}}",
	    "linux.resources.devices[0].access: \"rwx\" is not a subset of "
	    "\"rwm\"" },
	{ PRE ", \"linux\": {\"resources\": {\"devices\": [{\"allow\": true,"
	    " \"access\": \"rrw\"}]}}}", "is not a subset" },
	{ PRE ", \"linux\": {\"resources\": {\"devices\": [{\"allow\": true,"
	    " \"type\": \"p\"}]}}}",
	    "linux.resources.devices[0].type: unknown device type \"p\"" },
	{ PRE ", \"linux\": {\"resources\": {\"devices\": [{\"allow\": true,"
	    " \"major\": -2}]}}}", "linux.resources.devices[0].major:" },
	{ PRE ", \"linux\": {\"sysctl\": {\"net.core.somaxconn\": 1024}}}",
	    "linux.sysctl.net.core.somaxconn: expected a string" },
	{ PRE ", \"linux\": {\"maskedPaths\": [\"/proc/kcore\", "
	    "\"proc/keys\"]}}", "linux.maskedPaths[1]: \"proc/keys\" is not" },
	{ PRE ", \"linux\": {\"rootfsPropagation\": \"weird\"}}",
	    "linux.rootfsPropagation: unknown propagation \"weird\"" },
	{ PRE ", \"linux\": {\"mountLabel\": \"system_u:object_r:x\"}}",
	    "linux.mountLabel: not supported" },
	{ PRE ", \"linux\": {\"personality\": {\"domain\": \"LINUX\"}}}",
	    "linux.personality: not supported" },
	{ PRE ", \"linux\": {\"seccomp\": {\"syscalls\": []}}}",
	    "linux.seccomp.defaultAction: required" },
	{ PRE ", \"linux\": {\"seccomp\": {\"defaultAction\": "
	    "\"SCMP_ACT_FOO\"}}}",
	    "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_FOO\"" },
	{ PRE ", \"linux\": {\"seccomp\": {\"defaultAction\": "
	    "\"SCMP_ACT_NOTIFY\"}}}",
	    "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY is not supported" },
	{ PRE ", \"linux\": {\"seccomp\": {\"defaultAction\": "
	    "\"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
	    "\"action\": \"SCMP_ACT_ALLOW\"}, {\"names\": [\"ioctl\"], "
	    "\"action\": \"SCMP_ACT_NOTIFY\"}]}}}",
	    "linux.seccomp.syscalls[1].action: SCMP_ACT_NOTIFY is not "
	    "supported" },
	{ PRE ", \"linux\": {\"seccomp\": {\"defaultAction\": "
	    "\"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/seccomp.sock\"}}}",
	    "linux.seccomp.listenerPath: not supported" },
	{ PRE ", \"linux\": {\"seccomp\": {\"defaultAction\": "
	    "\"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\", "
	    "\"SECCOMP_FILTER_FLAG_NEW\"]}}}",
	    "linux.seccomp.flags[1]: unknown flag "
	    "\"SECCOMP_FILTER_FLAG_NEW\"" },
	{ PRE ", \"linux\": {\"seccomp\": {\"defaultAction\": "
	    "\"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\", "
	    "\"SCMP_ARCH_Z80\"]}}}",
	    "linux.seccomp.architectures[1]: unknown architecture "
	    "\"SCMP_ARCH_Z80\"" },
	{ PRE ", \"linux\": {\"seccomp\": {\"defaultAction\": "
	    "\"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [], \"action\": "
	    "\"SCMP_ACT_ERRNO\"}]}}}",
	    "linux.seccomp.syscalls[0].names: must not be empty" },
	{ PRE ", \"linux\": {\"seccomp\": {\"defaultAction\": "
	    "\"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"\"], "
	    "\"action\": \"SCMP_ACT_ERRNO\"}]}}}",
	    "linux.seccomp.syscalls[0].names[0]: must not be empty" },
	{ PRE ", \"linux\": {\"seccomp\": {\"defaultAction\": "
	    "\"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"ptrace\"], "
	    "\"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": "
	    "[\"CAP_SYS_PTRACE\"]}}]}}}",
	    "linux.seccomp.syscalls[0].includes: not supported" },
	{ PRE ", \"linux\": {\"seccomp\": {\"defaultAction\": "
	    "\"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"socket\"], "
	    "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 6, "
	    "\"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}}}",
	    "linux.seccomp.syscalls[0].args[0].index: expected an integer "
	    "from 0 to 5" },
	{ PRE ", \"linux\": {\"seccomp\": {\"defaultAction\": "
	    "\"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"socket\"], "
	    "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, "
	    "\"value\": 1, \"op\": \"SCMP_CMP_ABOUT\"}]}]}}}",
	    "linux.seccomp.syscalls[0].args[0].op: unknown operator "
	    "\"SCMP_CMP_ABOUT\"" },
	{ PRE ", \"linux\": {\"seccomp\": {\"defaultAction\": "
	    "\"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"socket\"], "
	    "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, "
	    "\"op\": \"SCMP_CMP_EQ\"}]}]}}}",
	    "linux.seccomp.syscalls[0].args[0].value: required" },
	{ PRE ", \"linux\": {\"seccomp\": {\"defaultAction\": "
	    "\"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"x\"], "
	    "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 65536}]}}}",
	    "linux.seccomp.syscalls[0].errnoRet: expected an integer from 0 "
	    "to 65535" },
	{ PRE ", \"linux\": {\"seccomp\": {\"defaultAction\": "
	    "\"SCMP_ACT_ALLOW\", \"bogus\": 1}}}",
	    "linux.seccomp.bogus: not supported" },
	{ PRE ", \"linux\": {\"seccomp\": []}}",
	    "linux.seccomp: expected an object" },
	{ "[]", "expected an object" },
	{ "{\"ociVersion\": \"1.0.2\",}", "config.json: json: line 1" },
	{ "", "config.json: json:" },
};

/* Documents that must parse (ignored or null members, edge values). */
static const char *const good[] = {
	PRE "}",
	"{\"ociVersion\": \"1.1.0\"}",
	PRE ", \"hostname\": null, \"mounts\": null, \"linux\": null}",
	PRE ", \"windows\": {\"layerFolders\": []}, \"solaris\": {}, "
	    "\"future\": [1, 2]}",
	PRE ", \"linux\": {\"intelRdt\": {\"closID\": \"x\"}, "
	    "\"timeOffsets\": {}, \"netDevices\": {\"eth0\": {}}, "
	    "\"futureKey\": true, \"mountLabel\": \"\", \"rootfsPropagation\": "
	    "\"\"}}",
	PRE ", \"linux\": {\"resources\": {\"blockIO\": {}, "
	    "\"hugepageLimits\": [], \"network\": {}, \"rdma\": {}, "
	    "\"unified\": {}, \"cpu\": {\"realtimeRuntime\": 0, \"idle\": 0}, "
	    "\"memory\": {\"kernel\": 1048576, \"kernelTCP\": 0}}}}",
	PRE ", \"hostname\": \"\"}",
	PRE ", \"hostname\": \"box\"" UTS "}",
	PRE ", \"linux\": {\"seccomp\": {\"defaultAction\": "
	    "\"SCMP_ACT_KILL_THREAD\", \"flags\": ["
	    "\"SECCOMP_FILTER_FLAG_TSYNC\","
	    " \"SECCOMP_FILTER_FLAG_LOG\", \"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"],"
	    " \"listenerPath\": \"\", \"listenerMetadata\": \"m\"}}}",
	PRE ", \"linux\": {\"namespaces\": [{\"type\": \"user\", \"path\": "
	    "\"/proc/1/ns/user\"}]}}",
	"{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"a\"], "
	    "\"cwd\": \"/\", \"apparmorProfile\": \"\", \"selinuxLabel\": "
	    "\"\", \"ioPriority\": {\"class\": \"IOPRIO_CLASS_IDLE\"}, "
	    "\"user\": {\"uid\": 4294967295, \"username\": \"x\"}, "
	    "\"commandLine\": \"x\"}}",
};

static int
is_zero(const struct spec *s)
{
	static const struct spec zero;

	return memcmp(s, &zero, sizeof(*s)) == 0;
}

/*
 * Write, parse back and write again: the texts must match (every field
 * of struct spec is written, so equal texts mean equal structs).
 */
static int
round_trip(const struct spec *s, const char *name)
{
	struct err e = ERR_INIT;
	struct spec back;
	char *a = NULL, *b = NULL;
	size_t alen, blen;
	int ok = 0;

	if (spec_write(s, &a, &alen, &e) < 0) {
		CHECK(0, "%s: write: %s", name, e.msg);
		return 0;
	}
	if (spec_parse(a, alen, &back, &e) < 0) {
		CHECK(0, "%s: parse the written text: %s", name, e.msg);
		free(a);
		return 0;
	}
	if (spec_write(&back, &b, &blen, &e) == 0)
		ok = alen == blen && memcmp(a, b, alen) == 0;
	CHECK(ok, "%s: round trip gives the same document", name);
	CHECK(strncmp(a, "{\n\t\"ociVersion\": ", 17) == 0 &&
	    strlen(a) == alen, "%s: pretty, tab-indented", name);
	spec_free(&back);
	free(a);
	free(b);
	return ok;
}

static void
test_runc(void)
{
	struct err e = ERR_INIT;
	struct spec s;
	uint64_t three = BIT(29) | BIT(5) | BIT(10);

	if (spec_load(FIX "runc-spec.json", &s, &e) < 0) {
		CHECK(0, "runc spec loads: %s", e.msg);
		return;
	}
	CHECK(strcmp(s.oci_version, "1.0.2-dev") == 0, "runc: ociVersion");
	CHECK(s.process.terminal && s.process.nargs == 1 &&
	    strcmp(s.process.args[0], "sh") == 0 && !s.process.args[1],
	    "runc: args");
	CHECK(s.process.nenv == 2 && strcmp(s.process.env[1], "TERM=xterm")
	    == 0 && !s.process.env[2], "runc: env");
	CHECK(strcmp(s.process.cwd, "/") == 0 && s.process.uid == 0 &&
	    !s.process.has_umask, "runc: cwd, user");
	CHECK(s.process.has_caps && s.process.caps[SPEC_CAP_BOUNDING] == three
	    && s.process.caps[SPEC_CAP_EFFECTIVE] == three &&
	    s.process.caps[SPEC_CAP_PERMITTED] == three &&
	    s.process.caps[SPEC_CAP_AMBIENT] == three &&
	    s.process.caps[SPEC_CAP_INHERITABLE] == 0, "runc: capabilities");
	CHECK(s.process.nrlimits == 1 &&
	    s.process.rlimits[0].type == RLIMIT_NOFILE &&
	    s.process.rlimits[0].soft == 1024 &&
	    s.process.rlimits[0].hard == 1024, "runc: rlimits");
	CHECK(s.process.no_new_privileges, "runc: noNewPrivileges");
	CHECK(strcmp(s.root_path, "rootfs") == 0 && s.root_readonly,
	    "runc: root");
	CHECK(strcmp(s.hostname, "runc") == 0 && !s.domainname,
	    "runc: hostname");
	CHECK(s.nmounts == 7 && strcmp(s.mounts[2].destination, "/dev/pts")
	    == 0 && strcmp(s.mounts[2].type, "devpts") == 0 &&
	    s.mounts[2].noptions == 6 &&
	    strcmp(s.mounts[2].options[5], "gid=5") == 0 &&
	    s.mounts[0].noptions == 0 && !s.mounts[0].options, "runc: mounts");
	CHECK(s.resources.ndevices == 1 && !s.resources.devices[0].allow &&
	    s.resources.devices[0].type == 'a' &&
	    s.resources.devices[0].major == -1 &&
	    strcmp(s.resources.devices[0].access, "rwm") == 0,
	    "runc: device cgroup deny all");
	CHECK(s.ns[SPEC_NS_PID].present && s.ns[SPEC_NS_NET].present &&
	    s.ns[SPEC_NS_IPC].present && s.ns[SPEC_NS_UTS].present &&
	    s.ns[SPEC_NS_MOUNT].present && !s.ns[SPEC_NS_USER].present &&
	    !s.ns[SPEC_NS_CGROUP].present && !s.ns[SPEC_NS_PID].path,
	    "runc: namespaces");
	CHECK(s.nmasked_paths == 10 && s.nreadonly_paths == 5 &&
	    strcmp(s.masked_paths[9], "/proc/scsi") == 0,
	    "runc: masked and read-only paths");
	CHECK(s.resources.memory_limit == SPEC_UNSET &&
	    s.resources.pids_limit == SPEC_UNSET && !s.seccomp &&
	    !s.cgroups_path && s.rootfs_propagation == 0,
	    "runc: unset things stay unset");
	round_trip(&s, "runc");
	spec_free(&s);
	CHECK(!s.oci_version && !s.mounts, "spec_free zeroes");
}

static void
test_docker(void)
{
	struct err e = ERR_INIT;
	struct spec s;
	const struct spec_resources *r = &s.resources;
	const struct spec_seccomp *sc;

	if (spec_load(FIX "docker.json", &s, &e) < 0) {
		CHECK(0, "docker config loads: %s", e.msg);
		return;
	}
	CHECK(s.process.console_height == 50 &&
	    s.process.console_width == 132, "docker: consoleSize");
	CHECK(s.process.uid == 1000 && s.process.gid == 1000 &&
	    s.process.has_umask && s.process.umask == 022 &&
	    s.process.ngids == 3 && s.process.gids[2] == 29,
	    "docker: user");
	CHECK(s.process.nargs == 4 &&
	    strcmp(s.process.args[3], "daemon off;") == 0, "docker: args");
	CHECK(s.process.caps[SPEC_CAP_BOUNDING] == caps_docker_default() &&
	    s.process.caps[SPEC_CAP_AMBIENT] == 0, "docker: default caps");
	CHECK(s.process.nrlimits == 2 &&
	    s.process.rlimits[1].type == RLIMIT_CORE &&
	    s.process.rlimits[1].hard == UINT64_MAX &&
	    s.process.rlimits[1].soft == 0, "docker: RLIM_INFINITY");
	CHECK(s.process.has_oom_score_adj && s.process.oom_score_adj == -500,
	    "docker: oomScoreAdj");
	CHECK(s.nmounts == 11 && !s.mounts[10].type &&
	    strcmp(s.mounts[10].source, "/srv/data") == 0,
	    "docker: bind mount without type");
	CHECK(s.nhooks[SPEC_HOOK_PRESTART] == 1 &&
	    s.hooks[SPEC_HOOK_PRESTART][0].nargs == 4 &&
	    s.nhooks[SPEC_HOOK_CREATE_RUNTIME] == 1 &&
	    s.hooks[SPEC_HOOK_CREATE_RUNTIME][0].timeout == 5 &&
	    s.hooks[SPEC_HOOK_CREATE_RUNTIME][0].nenv == 1 &&
	    s.nhooks[SPEC_HOOK_POSTSTOP] == 1 &&
	    s.nhooks[SPEC_HOOK_POSTSTART] == 0, "docker: hooks");
	CHECK(strcmp(spec_annotation(&s, "org.opencontainers.image.ref.name"),
	    "nginx") == 0 && strcmp(spec_annotation(&s, "com.example.empty"),
	    "") == 0 && !spec_annotation(&s, "nope"), "docker: annotations");
	CHECK(s.nsysctl == 2 && strcmp(s.sysctl[2],
	    "net.ipv4.ping_group_range") == 0 &&
	    strcmp(s.sysctl[3], "0 2147483647") == 0, "docker: sysctl");
	CHECK(r->ndevices == 7 && r->devices[1].allow &&
	    r->devices[1].type == 'c' && r->devices[1].major == 1 &&
	    r->devices[1].minor == 5 && r->devices[3].minor == -1 &&
	    strcmp(r->devices[4].access, "rw") == 0 &&
	    r->devices[6].type == 'b' && r->devices[6].major == -1,
	    "docker: device rules");
	CHECK(r->memory_limit == 536870912 &&
	    r->memory_reservation == 268435456 &&
	    r->memory_swap == INT64_MAX && r->memory_swappiness == 60 &&
	    !r->disable_oom_killer, "docker: memory (swap -1 unlimited)");
	CHECK(r->cpu_shares == 512 && r->cpu_quota == 50000 &&
	    r->cpu_period == 100000 && strcmp(r->cpuset_cpus, "0-1") == 0 &&
	    !r->cpuset_mems, "docker: cpu");
	CHECK(r->pids_limit == INT64_MAX, "docker: pids limit 0 unlimited");
	CHECK(strncmp(s.cgroups_path, "system.slice:docker:", 20) == 0,
	    "docker: cgroupsPath");
	CHECK(s.ns[SPEC_NS_CGROUP].present && s.ns[SPEC_NS_NET].path &&
	    strncmp(s.ns[SPEC_NS_NET].path, "/var/run/netns/", 15) == 0 &&
	    !s.ns[SPEC_NS_TIME].present, "docker: namespaces");
	CHECK(s.ndevices == 3 && s.devices[0].type == 'c' &&
	    s.devices[0].major == 10 && s.devices[0].minor == 229 &&
	    s.devices[0].file_mode == 0666 && s.devices[1].file_mode == 0666
	    && s.devices[2].type == 'p' && s.devices[2].major == 0,
	    "docker: devices");
	CHECK(s.rootfs_propagation == (MS_SLAVE | MS_REC),
	    "docker: rslave propagation");
	CHECK(s.nmasked_paths == 11 && s.nreadonly_paths == 5,
	    "docker: masked paths");
	sc = s.seccomp;
	CHECK(sc && sc->default_action == SPEC_SC_ERRNO &&
	    sc->default_errno == 1 && sc->narchs == 3 &&
	    strcmp(sc->archs[2], "SCMP_ARCH_X32") == 0 && sc->flags == 0,
	    "docker: seccomp header");
	if (sc && sc->nrules == 12) {
		CHECK(sc->rules[0].nnames > 90 &&
		    sc->rules[0].action == SPEC_SC_ALLOW &&
		    sc->rules[0].errno_ret == -1, "docker: allow list");
		CHECK(sc->rules[3].nargs == 1 &&
		    sc->rules[3].args[0].value == 4294967295u &&
		    sc->rules[3].args[0].op == SPEC_SC_EQ,
		    "docker: personality argument");
		CHECK(sc->rules[4].args[0].op == SPEC_SC_MASKED_EQ &&
		    sc->rules[4].args[0].value == 2114060288 &&
		    sc->rules[4].args[0].value2 == 0, "docker: clone mask");
		CHECK(sc->rules[5].action == SPEC_SC_ERRNO &&
		    sc->rules[5].errno_ret == 38, "docker: clone3 ENOSYS");
		CHECK(sc->rules[6].nargs == 2 &&
		    sc->rules[6].args[1].index == 2,
		    "docker: two arguments");
		CHECK(sc->rules[7].action == SPEC_SC_KILL &&
		    sc->rules[8].action == SPEC_SC_KILL_PROCESS &&
		    sc->rules[9].action == SPEC_SC_LOG &&
		    sc->rules[10].action == SPEC_SC_TRACE &&
		    sc->rules[10].errno_ret == 7 &&
		    sc->rules[11].action == SPEC_SC_TRAP, "docker: actions");
	} else {
		CHECK(0, "docker: 12 seccomp rules");
	}
	round_trip(&s, "docker");
	spec_free(&s);
}

static void
test_rootless(void)
{
	struct err e = ERR_INIT;
	struct spec s;

	if (spec_load(FIX "runc-rootless.json", &s, &e) < 0) {
		CHECK(0, "runc rootless loads: %s", e.msg);
		return;
	}
	CHECK(s.ns[SPEC_NS_USER].present && s.nuid_mappings == 1 &&
	    s.ngid_mappings == 1 && s.uid_mappings[0].size == 1 &&
	    !s.ns[SPEC_NS_NET].present, "rootless: user namespace, mappings");
	round_trip(&s, "rootless");
	spec_free(&s);
	CHECK(spec_load(FIX "crun-rootless.json", &s, &e) < 0 &&
	    strstr(e.msg, "crun-rootless.json: linux.uidMappings: a new user "
	    "namespace needs uid and gid mappings"),
	    "crun rootless (mappings left to crun) refused: %s", e.msg);
	CHECK(spec_load(FIX "nonexistent.json", &s, &e) < 0 &&
	    e.code == ENOENT && is_zero(&s), "missing file: %s", e.msg);
}

/* A spec built by hand, as run will build it. */
static void
test_built(void)
{
	struct err e = ERR_INIT;
	struct spec s, back;
	char *args[] = { "/bin/echo", "hi", NULL };
	char *env[] = { "PATH=/bin", NULL };
	char *ann[] = { "k", "v" };
	char *names[] = { "mount", "umount2" };
	struct spec_sc_arg arg = { 1, 7, 9, SPEC_SC_MASKED_EQ };
	struct spec_sc_rule rule = { names, 2, SPEC_SC_ERRNO, 1, &arg, 1 };
	struct spec_seccomp sc = { SPEC_SC_ALLOW, -1, NULL, 0, &rule, 1, 0 };
	struct spec_idmap map = { 0, 100000, 65536 };
	char *out;
	size_t len;

	spec_init(&s);
	CHECK(s.resources.memory_limit == SPEC_UNSET &&
	    s.resources.cpu_quota == SPEC_UNSET && !s.process.nargs,
	    "spec_init: resources unset");
	s.process.args = args;
	s.process.nargs = 2;
	s.process.env = env;
	s.process.nenv = 1;
	s.process.has_caps = 1;
	s.process.caps[SPEC_CAP_BOUNDING] = caps_docker_default();
	s.root_path = "/var/lib/rocker/c/rootfs";
	s.ns[SPEC_NS_USER].present = 1;
	s.ns[SPEC_NS_MOUNT].present = 1;
	s.uid_mappings = s.gid_mappings = &map;
	s.nuid_mappings = s.ngid_mappings = 1;
	s.annotations = ann;
	s.nannotations = 1;
	s.resources.memory_swap = INT64_MAX;
	s.resources.pids_limit = 100;
	s.rootfs_propagation = MS_PRIVATE | MS_REC;
	s.seccomp = &sc;
	CHECK(spec_write(&s, &out, &len, &e) == 0, "built spec writes");
	CHECK(strstr(out, "\"ociVersion\": \"1.0.2\"") &&
	    strstr(out, "\"cwd\": \"/\"") && strstr(out, "\"swap\": -1") &&
	    strstr(out, "\"rootfsPropagation\": \"rprivate\"") &&
	    strstr(out, "\"op\": \"SCMP_CMP_MASKED_EQ\""),
	    "built spec: defaults and standard names");
	CHECK(spec_parse(out, len, &back, &e) == 0 &&
	    back.process.nargs == 2 && back.resources.pids_limit == 100 &&
	    back.resources.memory_swap == INT64_MAX &&
	    back.seccomp->rules[0].args[0].value2 == 9 &&
	    back.seccomp->rules[0].errno_ret == 1 &&
	    back.uid_mappings[0].host_id == 100000 &&
	    strcmp(spec_annotation(&back, "k"), "v") == 0 &&
	    back.rootfs_propagation == (MS_PRIVATE | MS_REC),
	    "built spec reads back: %s", e.msg);
	round_trip(&back, "built");
	spec_free(&back);
	free(out);
}

int
main(void)
{
	struct err e = ERR_INIT;
	struct spec s;
	size_t i, len;
	char *big;

	CHECK(spec_ns_from_name("network") == SPEC_NS_NET &&
	    spec_ns_from_name("user") == SPEC_NS_USER &&
	    spec_ns_from_name("net") == -1 && spec_ns_from_name(NULL) == -1,
	    "namespace names");
	CHECK(strcmp(spec_ns_name(SPEC_NS_MOUNT), "mount") == 0 &&
	    strcmp(spec_ns_name(SPEC_NS_TIME), "time") == 0 &&
	    spec_ns_name(SPEC_NS_COUNT) == NULL, "namespace kinds");

	test_runc();
	test_docker();
	test_rootless();
	test_built();

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		err_clear(&e);
		CHECK(spec_parse(good[i], strlen(good[i]), &s, &e) == 0,
		    "accepted %zu: %s", i, e.msg);
		if (!e.code)
			round_trip(&s, "accepted");
		spec_free(&s);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&e);
		CHECK(spec_parse(bad[i].json, strlen(bad[i].json), &s, &e) < 0
		    && strstr(e.msg, bad[i].msg) && is_zero(&s), "refused: %s",
		    e.msg[0] ? e.msg : bad[i].msg);
	}
	CHECK(spec_parse(bad[0].json, strlen(bad[0].json), &s, &e) < 0 &&
	    e.code == ERR_PARSE && strcmp(e.msg, "linux.namespaces[2].type: "
	    "unknown namespace \"foo\"") == 0, "exact message for a path");

	len = (size_t)SPEC_MAX_SIZE + 1;
	big = malloc(len);
	if (big) {
		memset(big, ' ', len);
		big[0] = '{';
		big[len - 1] = '}';
		CHECK(spec_parse(big, len, &s, &e) < 0 && e.code == ERR_LIMIT &&
		    is_zero(&s),
		    "larger than SPEC_MAX_SIZE: %s", e.msg);
		free(big);
	}
	return check_done();
}

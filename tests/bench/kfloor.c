/*
 * kfloor.c - the kernel work of one Docker-default container, and nothing
 * else: a lower bound for `rocker run --rm --network none IMAGE true`.
 *
 * usage: kfloor LOWERDIR WORKBASE [CGROUP_PARENT [CMD ARG...]]
 *
 * What it does is what the kernel must do for a container with Docker's
 * defaults (docs/run.md), in the cheapest order rocker knows, with no
 * store, no records, no spec, no image lookup, no sealed binary, no
 * capabilities or seccomp (those only make it cheaper):
 *   - an overlay of LOWERDIR with a fresh upper and work dir under
 *     WORKBASE (volatile, as rocker mounts a --rm container's; WORKBASE
 *     gets ext4's top-directory flag, as rocker's rw/ does);
 *   - the three per-container files /etc/hosts, hostname, resolv.conf;
 *   - a cgroup in every hierarchy mounted under /sys/fs/cgroup, entered
 *     ("0" to v1 tasks, clone3 CLONE_INTO_CGROUP for v2);
 *   - clone3 with new mount, UTS, IPC, PID and network namespaces;
 *   - in the child: / rslave, the rootfs bind, /proc, /dev (tmpfs, six
 *     nodes, links, devpts, shm, mqueue), /sys read-only, /sys/fs/cgroup
 *     (a tmpfs with the container's cgroups bound, read-only), the three
 *     file binds, pivot_root, the masked and read-only paths, lo up, the
 *     hostname; then exec /bin/true;
 *   - after it exits: the cgroups, the overlay and the directories
 *     removed.
 * The bench times it beside rocker and the unshare floor.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXH 24

static char names[MAXH][64];	/* hierarchy names under /sys/fs/cgroup */
static int v2[MAXH], nh;
static char cgdir[MAXH][1100];

static void
die(const char *what)
{
	fprintf(stderr, "kfloor: %s: %s\n", what, strerror(errno));
	exit(125);
}

static void
xmount(const char *src, const char *dst, const char *type,
    unsigned long flags, const char *data)
{
	if (mount(src, dst, type, flags, data) < 0) {
		fprintf(stderr, "kfloor: mount %s: %s\n", dst, strerror(errno));
		_exit(125);
	}
}

static void
put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, text, strlen(text)) < 0 || close(fd) < 0)
		die(path);
}

/* The cgroup hierarchies: the directories under /sys/fs/cgroup that are
 * mount points of type cgroup or cgroup2 (read from mountinfo). */
static void
find_hierarchies(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[4096];

	if (!f)
		die("mountinfo");
	while (fgets(line, sizeof(line), f) && nh < MAXH) {
		char mp[64], *dash = strstr(line, " - ");
		char type[32];

		if (!dash || sscanf(line, "%*s %*s %*s %*s %63s", mp) != 1 ||
		    sscanf(dash + 3, "%31s", type) != 1)
			continue;
		if (strncmp(mp, "/sys/fs/cgroup/", 15) != 0 ||
		    strchr(mp + 15, '/'))
			continue;
		if (strcmp(type, "cgroup") && strcmp(type, "cgroup2"))
			continue;
		snprintf(names[nh], sizeof(names[nh]), "%s", mp + 15);
		v2[nh++] = strcmp(type, "cgroup2") == 0;
	}
	fclose(f);
	if (nh == 0) {		/* cgroup v2 only, mounted at the top */
		snprintf(names[0], sizeof(names[0]), "%s", "");
		v2[nh++] = 1;
	}
}

/* A new v1 cpuset cgroup takes no task until it has cpus and mems: copy
 * them from its parent (as rocker does). */
static void
cpuset_fill(const char *dir)
{
	static const char *f[] = { "cpuset.cpus", "cpuset.mems" };
	char p[1200], v[256];
	int i, fd;
	ssize_t n;

	for (i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/../%s", dir, f[i]);
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return;
		n = read(fd, v, sizeof(v) - 1);
		close(fd);
		if (n <= 0)
			return;
		v[n] = '\0';
		snprintf(p, sizeof(p), "%s/%s", dir, f[i]);
		fd = open(p, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, v, (size_t)n) < 0)
			die(p);
		close(fd);
	}
}

static void
child(const char *merged, const char *dir, char **cmd, const char *id)
{
	static const char *devs[] = { "null", "zero", "full", "random",
	    "urandom", "tty" };
	static const int maj[] = { 1, 1, 1, 1, 1, 5 }, mn[] = { 3, 5, 7, 8,
	    9, 0 };
	static const char *links[][2] = { { "/proc/self/fd", "fd" },
	    { "/proc/self/fd/0", "stdin" }, { "/proc/self/fd/1", "stdout" },
	    { "/proc/self/fd/2", "stderr" }, { "pts/ptmx", "ptmx" },
	    { "/proc/kcore", "core" } };
	static const char *masked[] = { "/proc/asound", "/proc/acpi",
	    "/proc/interrupts", "/proc/kcore", "/proc/keys",
	    "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
	    "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
	    "/sys/devices/virtual/powercap" };
	static const char *ro[] = { "/proc/bus", "/proc/fs", "/proc/irq",
	    "/proc/sys", "/proc/sysrq-trigger" };
	static const char *files[] = { "hosts", "hostname", "resolv.conf" };
	char p[1200], q[1024];
	struct ifreq ifr;
	struct stat st;
	int i, s;

	for (i = 0; i < nh; i++)
		if (!v2[i]) {
			snprintf(p, sizeof(p), "%s/tasks", cgdir[i]);
			put(p, "0");
		}
	xmount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL);
	xmount(merged, merged, NULL, MS_BIND | MS_REC, NULL);
	if (chdir(merged) < 0)
		die("chdir");
	xmount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	xmount("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME,
	    "mode=755,size=65536k");
	for (i = 0; i < 6; i++) {
		snprintf(p, sizeof(p), "dev/%s", devs[i]);
		if (mknod(p, S_IFCHR | 0666, makedev(maj[i], mn[i])) < 0)
			die(p);
	}
	for (i = 0; i < 6; i++) {
		snprintf(p, sizeof(p), "dev/%s", links[i][1]);
		if (symlink(links[i][0], p) < 0)
			die(p);
	}
	mkdir("dev/pts", 0755);
	mkdir("dev/shm", 01777);
	mkdir("dev/mqueue", 0755);
	xmount("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
	    "newinstance,ptmxmode=0666,mode=0620,gid=5");
	xmount("shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    "mode=1777,size=67108864");
	xmount("mqueue", "dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV |
	    MS_NOEXEC, NULL);
	xmount("sysfs", "sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC |
	    MS_RDONLY, NULL);
	xmount("tmpfs", "sys/fs/cgroup", "tmpfs", MS_NOSUID | MS_NODEV |
	    MS_NOEXEC, "mode=755");
	for (i = 0; i < nh; i++) {
		if (!names[i][0])
			break;	/* v2 at the top: bind the one dir over it */
		snprintf(p, sizeof(p), "sys/fs/cgroup/%.63s", names[i]);
		mkdir(p, 0755);
		xmount(cgdir[i], p, NULL, MS_BIND | MS_REC, NULL);
		xmount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY |
		    MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	}
	if (nh == 1 && !names[0][0]) {
		xmount(cgdir[0], "sys/fs/cgroup", NULL, MS_BIND | MS_REC, NULL);
		xmount(NULL, "sys/fs/cgroup", NULL, MS_BIND | MS_REMOUNT |
		    MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	} else {
		xmount(NULL, "sys/fs/cgroup", NULL, MS_REMOUNT | MS_RDONLY |
		    MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755");
	}
	for (i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		snprintf(q, sizeof(q), "etc/%s", files[i]);
		if (stat(q, &st) < 0)
			put(q, "");
		xmount(p, q, NULL, MS_BIND, NULL);
	}
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		die("pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		die("umount the old root");
	if (chdir("/") < 0)
		die("chdir /");
	for (i = 0; i < (int)(sizeof(masked) / sizeof(masked[0])); i++) {
		if (stat(masked[i], &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			xmount("tmpfs", masked[i], "tmpfs", MS_RDONLY, NULL);
		else
			xmount("/dev/null", masked[i], NULL, MS_BIND, NULL);
	}
	for (i = 0; i < (int)(sizeof(ro) / sizeof(ro[0])); i++) {
		if (stat(ro[i], &st) < 0)
			continue;
		xmount(ro[i], ro[i], NULL, MS_BIND | MS_REC, NULL);
		xmount(NULL, ro[i], NULL, MS_BIND | MS_REMOUNT | MS_RDONLY |
		    MS_REC, NULL);
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		die("lo");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		die("lo up");
	close(s);
	if (sethostname(id, strlen(id)) < 0)
		die("sethostname");
	if (cmd[0])
		execv(cmd[0], cmd);
	else
		execl("/bin/true", "true", (char *)NULL);
	die("exec");
}

int
main(int argc, char **argv)
{
	const char *lower, *base, *parent;
	char dir[512], merged[600], p[1024], opts[2048], id[32];
	struct clone_args ca;
	int i, st, cgfd = -1;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: kfloor LOWERDIR WORKBASE "
		    "[CGROUP_PARENT [CMD ARG...]]\n");
		return 125;
	}
	lower = argv[1];
	base = argv[2];
	parent = argc > 3 ? argv[3] : "/kfloor";
	snprintf(id, sizeof(id), "kf%ld", (long)getpid());
	find_hierarchies();

	/* the rootfs */
	{
		int fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fl;

		if (fd >= 0 && ioctl(fd, FS_IOC_GETFLAGS, &fl) == 0 &&
		    !(fl & FS_TOPDIR_FL)) {
			fl |= FS_TOPDIR_FL;
			ioctl(fd, FS_IOC_SETFLAGS, &fl);
		}
		if (fd >= 0)
			close(fd);
	}
	snprintf(dir, sizeof(dir), "%s/%s", base, id);
	if (mkdir(dir, 0700) < 0)
		die(dir);
	snprintf(p, sizeof(p), "%s/upper", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/work", dir);
	mkdir(p, 0700);
	snprintf(merged, sizeof(merged), "%s/merged", dir);
	mkdir(merged, 0755);
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s/upper,"
	    "workdir=%s/work,volatile", lower, dir, dir);
	if (mount("overlay", merged, "overlay", 0, opts) < 0)
		die("mount overlay");
	snprintf(p, sizeof(p), "%s/hosts", dir);
	put(p, "127.0.0.1\tlocalhost\n");
	snprintf(p, sizeof(p), "%s/hostname", dir);
	put(p, "kfloor\n");
	snprintf(p, sizeof(p), "%s/resolv.conf", dir);
	put(p, "nameserver 127.0.0.53\n");

	/* the cgroups */
	for (i = 0; i < nh; i++) {
		snprintf(p, sizeof(p), "/sys/fs/cgroup/%s%s", names[i], parent);
		if (mkdir(p, 0755) == 0 && strcmp(names[i], "cpuset") == 0)
			cpuset_fill(p);
		snprintf(cgdir[i], sizeof(cgdir[i]), "%s/%s", p, id);
		if (mkdir(cgdir[i], 0755) < 0)
			die(cgdir[i]);
		if (strcmp(names[i], "cpuset") == 0)
			cpuset_fill(cgdir[i]);
		if (v2[i]) {
			cgfd = open(cgdir[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (cgfd < 0)
				die(cgdir[i]);
		}
	}

	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID |
	    CLONE_NEWNET | (cgfd >= 0 ? CLONE_INTO_CGROUP : 0);
	ca.exit_signal = SIGCHLD;
	ca.cgroup = cgfd >= 0 ? (uint64_t)cgfd : 0;
	pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0)
		die("clone3");
	if (pid == 0)
		child(merged, dir, argv + (argc > 3 ? 4 : 3), id);
	if (waitpid(pid, &st, 0) < 0)
		die("waitpid");

	/* the teardown */
	for (i = 0; i < nh; i++)
		if (rmdir(cgdir[i]) < 0)
			die(cgdir[i]);
	if (umount2(merged, 0) < 0)
		die("umount");
	{
		static const char *rm[] = { "upper/etc", "upper",
		    "work/work/incompat/volatile/dirty",
		    "work/work/incompat/volatile", "work/work/incompat",
		    "work/work", "work", "merged" };
		static const char *files[] = { "hosts", "hostname",
		    "resolv.conf" };

		for (i = 0; i < 3; i++) {
			snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
			unlink(p);
			/* made in the upper layer if the image lacks it */
			snprintf(p, sizeof(p), "%s/upper/etc/%s", dir,
			    files[i]);
			unlink(p);
		}
		for (i = 0; i < 8; i++) {
			snprintf(p, sizeof(p), "%s/%s", dir, rm[i]);
			if (i == 2 ? unlink(p) < 0 && errno != ENOENT :
			    rmdir(p) < 0 && errno != ENOENT)
				die(p);
		}
	}
	if (rmdir(dir) < 0)
		die(dir);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

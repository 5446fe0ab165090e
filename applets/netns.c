/* netns.c - named network namespaces, compatible with `ip netns` */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>

#include "applet.h"
#include "container.h"
#include "io.h"
#include "netlink.h"

const char netns_usage[] =
"usage: rocker netns [COMMAND [ARG...]]\n"
"\n"
"Named network namespaces, as `ip netns` keeps them: bind mounts under\n"
"/run/netns (made a shared mount once, under a lock), so either tool sees\n"
"what the other made.\n"
"\n"
"  list                   list names (\"(id: N)\" when a namespace id is\n"
"                         assigned); the default command\n"
"  add NAME               create a network namespace\n"
"  attach NAME PID|CONTAINER  name the namespace of a process or of a\n"
"                         running container\n"
"  delete NAME|-all       remove a name (the namespace lives on while\n"
"                         used)\n"
"  exec NAME CMD [ARG...] run CMD in the namespace, with /sys remounted\n"
"                         for it and /etc/netns/NAME/* bind-mounted over\n"
"                         /etc/* in a private mount namespace\n"
"  identify [PID]         names of the namespace of PID (default: self)\n"
"  pids NAME              processes in the namespace\n";

static const char netns_spec[] = "^";

static const char run_dir[] = "/run/netns";

static void
ns_path(const char *name, char *buf, size_t len)
{
	if (strchr(name, '/') || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0 || !*name)
		die_msg(1, "invalid netns name \"%s\"", name);
	if (io_pathf(buf, len, "%s/%s", run_dir, name) < 0)
		die_msg(1, "netns name too long: %s", name);
}

/* /run/netns exists and is a shared mount point, made so once. */
static void
prepare_dir(void)
{
	int lock, made = 0;

	if (mkdir(run_dir, 0755) < 0 && errno != EEXIST)
		die_msg(1, "mkdir %s failed: %s", run_dir, strerror(errno));
	/* As iproute2: one process at a time upgrades the directory, or
	 * parallel adds stack bind mounts; go on if the lock fails. */
	lock = open(run_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock >= 0 && flock(lock, LOCK_EX) < 0) {
		close(lock);
		lock = -1;
	}
	while (mount("", run_dir, "none", MS_SHARED | MS_REC, NULL) < 0) {
		if (errno != EINVAL || made)
			die_msg(1, "mount --make-shared %s failed: %s",
			    run_dir, strerror(errno));
		if (mount(run_dir, run_dir, "none", MS_BIND | MS_REC, NULL) <
		    0)
			die_msg(1, "mount --bind %s %s failed: %s", run_dir,
			    run_dir, strerror(errno));
		made = 1;
	}
	if (lock >= 0)
		close(lock);
}

/* Bind `src` (a /proc/.../ns/net) to the name; in a child when `fresh`
 * (it unshares first). */
static int
add(const char *name, const char *src, int fresh)
{
	char path[PATH_MAX];
	pid_t pid;
	int fd, st;

	ns_path(name, path, sizeof(path));
	prepare_dir();
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		die_msg(1, "cannot create namespace file \"%s\": %s", path,
		    strerror(errno));
	close(fd);
	pid = fork();
	if (pid < 0) {
		unlink(path);
		die_msg(1, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		if (fresh && unshare(CLONE_NEWNET) < 0) {
			warn_msg("failed to create a new network namespace "
			    "\"%s\": %s", name, strerror(errno));
			_exit(1);
		}
		if (mount(src, path, "none", MS_BIND, NULL) < 0) {
			warn_msg("bind %s -> %s failed: %s", src, path,
			    strerror(errno));
			_exit(1);
		}
		_exit(0);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		umount2(path, MNT_DETACH);
		unlink(path);
		return 1;
	}
	return 0;
}

static int
del(const char *name)
{
	char path[PATH_MAX];

	ns_path(name, path, sizeof(path));
	umount2(path, MNT_DETACH);
	if (unlink(path) < 0) {
		warn_msg("cannot remove namespace file \"%s\": %s", path,
		    strerror(errno));
		return 1;
	}
	return 0;
}

static int
is_entry(const struct dirent *de)
{
	return strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
}

static int
del_all(void)
{
	struct dirent *de;
	DIR *d = opendir(run_dir);
	int st = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (is_entry(de))
			st |= del(de->d_name);
	closedir(d);
	return st;
}

static int
list(void)
{
	struct err e = ERR_INIT;
	struct nl_sock s;
	struct dirent *de;
	char path[PATH_MAX];
	int have = 0, fd, id, none;
	DIR *d = opendir(run_dir);

	if (!d)
		return 0;
	if (nl_open(&s, NETLINK_ROUTE, &e) == 0)
		have = 1;
	while ((de = readdir(d))) {
		if (!is_entry(de))
			continue;
		printf("%s", de->d_name);
		io_pathf(path, sizeof(path), "%s/%s", run_dir, de->d_name);
		if (have && (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
			err_clear(&e);
			id = nl_nsid_get(&s, fd, &none, &e);
			if (id >= 0)
				printf(" (id: %d)", id);
			close(fd);
		}
		printf("\n");
	}
	closedir(d);
	if (have)
		nl_close(&s);
	return 0;
}

static int
same_file(const char *a, const struct stat *sb)
{
	struct stat sa;

	return stat(a, &sa) == 0 && sa.st_dev == sb->st_dev &&
	    sa.st_ino == sb->st_ino;
}

static int
identify(const char *pid)
{
	char path[PATH_MAX];
	struct stat sb;
	struct dirent *de;
	DIR *d;

	io_pathf(path, sizeof(path), "/proc/%s/ns/net", pid ? pid : "self");
	if (stat(path, &sb) < 0)
		die_msg(1, "cannot open %s: %s", path, strerror(errno));
	d = opendir(run_dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (!is_entry(de))
			continue;
		io_pathf(path, sizeof(path), "%s/%s", run_dir, de->d_name);
		if (same_file(path, &sb))
			printf("%s\n", de->d_name);
	}
	closedir(d);
	return 0;
}

static int
pids(const char *name)
{
	char path[PATH_MAX];
	struct stat sb;
	struct dirent *de;
	DIR *d;

	ns_path(name, path, sizeof(path));
	if (stat(path, &sb) < 0)
		die_msg(1, "cannot open network namespace \"%s\": %s", name,
		    strerror(errno));
	d = opendir("/proc");
	if (!d)
		die_msg(1, "open /proc: %s", strerror(errno));
	while ((de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		io_pathf(path, sizeof(path), "/proc/%s/ns/net", de->d_name);
		if (same_file(path, &sb))
			printf("%s\n", de->d_name);
	}
	closedir(d);
	return 0;
}

/* Bind /etc/netns/NAME/X over /etc/X, as ip netns exec does. */
static void
bind_etc(const char *name)
{
	char dir[PATH_MAX], src[PATH_MAX], dst[PATH_MAX];
	struct dirent *de;
	DIR *d;

	io_pathf(dir, sizeof(dir), "/etc/netns/%s", name);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!is_entry(de))
			continue;
		if (io_pathf(src, sizeof(src), "%s/%s", dir, de->d_name) < 0 ||
		    io_pathf(dst, sizeof(dst), "/etc/%s", de->d_name) < 0)
			continue;
		if (mount(src, dst, "none", MS_BIND, NULL) < 0)
			warn_msg("bind %s -> %s failed: %s", src, dst,
			    strerror(errno));
	}
	closedir(d);
}

static int
exec_in(const char *name, char **argv)
{
	char path[PATH_MAX];
	struct statvfs sv;
	unsigned long flags = 0;
	int fd;

	ns_path(name, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die_msg(1, "cannot open network namespace \"%s\": %s", name,
		    strerror(errno));
	if (setns(fd, CLONE_NEWNET) < 0)
		die_msg(1, "setting the network namespace \"%s\" failed: %s",
		    name, strerror(errno));
	close(fd);
	if (unshare(CLONE_NEWNS) < 0)
		die_msg(1, "unshare failed: %s", strerror(errno));
	/* Nothing mounted from here on reaches the host. */
	if (mount("", "/", "none", MS_SLAVE | MS_REC, NULL) < 0)
		die_msg(1, "\"mount --make-rslave /\" failed: %s",
		    strerror(errno));
	/* A /sys that shows this namespace's devices. */
	if (umount2("/sys", MNT_DETACH) < 0) {
		if (statvfs("/sys", &sv) == 0 && (sv.f_flag & ST_RDONLY))
			flags = MS_RDONLY;
	}
	if (mount(name, "/sys", "sysfs", flags, NULL) < 0)
		die_msg(1, "mount of /sys failed: %s", strerror(errno));
	bind_etc(name);
	execvp(argv[0], argv);
	die_msg(errno == ENOENT ? 127 : 126, "exec of \"%s\" failed: %s",
	    argv[0], strerror(errno));
}

/* PID, or a container's init. */
static void
target_ns(const char *arg, char *buf, size_t len)
{
	struct err e = ERR_INIT;
	struct ctr c;
	const char *p;

	for (p = arg; *p >= '0' && *p <= '9'; p++)
		;
	if (!*p && p != arg) {
		io_pathf(buf, len, "/proc/%s/ns/net", arg);
		return;
	}
	if (ctr_open(rk.cfg.state, arg, &c, &e) < 0)
		die_err(&e, 1);
	if (c.st.status != CTR_RUNNING || c.st.pid <= 0 ||
	    c.st.monitor_lost)
		die_msg(1, "container %s is not running", arg);
	io_pathf(buf, len, "/proc/%ld/ns/net", (long)c.st.pid);
	ctr_close(&c);
}

int
netns_main(int argc, char **argv)
{
	struct opts o;
	char src[PATH_MAX];
	const char *cmd;
	int st = 0;

	xopts(&o, netns_spec, netns_usage, argc, argv, 2);
	cmd = o.argc ? o.argv[0] : "list";
	if (strcmp(cmd, "list") == 0 || strcmp(cmd, "ls") == 0 ||
	    strcmp(cmd, "show") == 0) {
		st = list();
	} else if (strcmp(cmd, "add") == 0) {
		if (o.argc != 2)
			die_msg(2, "usage: rocker netns add NAME");
		st = add(o.argv[1], "/proc/self/ns/net", 1);
	} else if (strcmp(cmd, "attach") == 0) {
		if (o.argc != 3)
			die_msg(2, "usage: rocker netns attach NAME "
			    "PID|CONTAINER");
		target_ns(o.argv[2], src, sizeof(src));
		if (access(src, F_OK) < 0)
			die_msg(1, "cannot open %s: %s", src, strerror(errno));
		st = add(o.argv[1], src, 0);
	} else if (strcmp(cmd, "delete") == 0 || strcmp(cmd, "del") == 0) {
		if (o.argc != 2)
			die_msg(2, "usage: rocker netns delete NAME|-all");
		st = strcmp(o.argv[1], "-all") == 0 ||
		    strcmp(o.argv[1], "-a") == 0 ? del_all() : del(o.argv[1]);
	} else if (strcmp(cmd, "exec") == 0) {
		if (o.argc < 3)
			die_msg(2, "usage: rocker netns exec NAME CMD [ARG...]");
		st = exec_in(o.argv[1], o.argv + 2);
	} else if (strcmp(cmd, "identify") == 0) {
		if (o.argc > 2)
			die_msg(2, "usage: rocker netns identify [PID]");
		st = identify(o.argc == 2 ? o.argv[1] : NULL);
	} else if (strcmp(cmd, "pids") == 0) {
		if (o.argc != 2)
			die_msg(2, "usage: rocker netns pids NAME");
		st = pids(o.argv[1]);
	} else {
		die_msg(2, "unknown command \"%s\" (list, add, attach, "
		    "delete, exec, identify, pids)", cmd);
	}
	opts_free(&o);
	return st;
}

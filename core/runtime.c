/* runtime.c - create and start a container from a parsed OCI spec
 *
 * The parent clones the init with the new namespaces, puts it in its
 * cgroup and talks to it over a SOCK_SEQPACKET socket pair with typed
 * messages (runc's nsexec idea): GO (cgroup ready), READY (set up, blocked
 * before execve), START, ERROR (code + message, then the child exits). A
 * successful execve() closes the child's end (O_CLOEXEC), which the parent
 * sees as end of file.
 *
 * The child builds the root filesystem in its own mount namespace, in
 * runc's order: "/" made rslave, the rootfs bound onto itself, the spec's
 * mounts (each destination resolved inside the rootfs and mounted onto the
 * resolved fd, never onto a path string), the default devices, then
 * pivot_root(2) (or, when the root cannot be pivoted, the host mounts are
 * detached and the rootfs is MS_MOVEd onto "/" and chrooted into), then
 * the masked and read-only paths, the read-only root, hostname, sysctls,
 * rlimits, user, capabilities, no_new_privs and finally seccomp.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "beneath.h"
#include "caps.h"
#include "cgroup.h"
#include "err.h"
#include "io.h"
#include "log.h"
#include "procinit.h"
#include "runtime.h"
#include "sealexe.h"
#include "seccomp.h"
#include "spec.h"
#include "tty.h"

#ifndef MS_LAZYTIME
#define MS_LAZYTIME (1 << 25)
#endif
#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

enum msg_type {
	MSG_GO = 1,
	MSG_READY,
	MSG_START,
	MSG_ERROR,
	MSG_PTY,		/* carries the pty master (SCM_RIGHTS) */
	MSG_CGROUP,		/* the init is in its cgroup */
};

enum { MOUNTINFO_MAX = 8 << 20 };


/* What the child needs besides the spec; lives in the parent's memory and
 * is copied into the child by clone(). */
struct child {
	const struct spec *s;
	const struct rt_opts *o;
	int sock;
	int nsfd[SPEC_NS_COUNT];
	char rootfs[PATH_MAX];
	const char *cgroup_root;
	const char *cgroup_path;	/* relative, for /sys/fs/cgroup binds */
	enum cg_mode cgmode;
	int cgns;
	struct seccomp_insn *filter;
	size_t nfilter;
	pid_t ppid;			/* getppid() at the start */
	const struct cg *cg;		/* the container's cgroup */
	char *mountinfo;		/* the host's, read for the cgroup */
	char exe[PATH_MAX];		/* resolved command */
};

struct mflag {
	const char *name;
	unsigned long set, clear;
	int prop;
};

static const struct mflag mflags[] = {
	{ "defaults", 0, 0, 0 },
	{ "rw", 0, MS_RDONLY, 0 },
	{ "ro", MS_RDONLY, 0, 0 },
	{ "suid", 0, MS_NOSUID, 0 },
	{ "nosuid", MS_NOSUID, 0, 0 },
	{ "dev", 0, MS_NODEV, 0 },
	{ "nodev", MS_NODEV, 0, 0 },
	{ "exec", 0, MS_NOEXEC, 0 },
	{ "noexec", MS_NOEXEC, 0, 0 },
	{ "sync", MS_SYNCHRONOUS, 0, 0 },
	{ "async", 0, MS_SYNCHRONOUS, 0 },
	{ "dirsync", MS_DIRSYNC, 0, 0 },
	{ "remount", MS_REMOUNT, 0, 0 },
	{ "mand", MS_MANDLOCK, 0, 0 },
	{ "nomand", 0, MS_MANDLOCK, 0 },
	{ "atime", 0, MS_NOATIME, 0 },
	{ "noatime", MS_NOATIME, 0, 0 },
	{ "diratime", 0, MS_NODIRATIME, 0 },
	{ "nodiratime", MS_NODIRATIME, 0, 0 },
	{ "relatime", MS_RELATIME, 0, 0 },
	{ "norelatime", 0, MS_RELATIME, 0 },
	{ "strictatime", MS_STRICTATIME, 0, 0 },
	{ "nostrictatime", 0, MS_STRICTATIME, 0 },
	{ "lazytime", MS_LAZYTIME, 0, 0 },
	{ "bind", MS_BIND, 0, 0 },
	{ "rbind", MS_BIND | MS_REC, 0, 0 },
	{ "private", MS_PRIVATE, 0, 1 },
	{ "rprivate", MS_PRIVATE | MS_REC, 0, 1 },
	{ "slave", MS_SLAVE, 0, 1 },
	{ "rslave", MS_SLAVE | MS_REC, 0, 1 },
	{ "shared", MS_SHARED, 0, 1 },
	{ "rshared", MS_SHARED | MS_REC, 0, 1 },
	{ "unbindable", MS_UNBINDABLE, 0, 1 },
	{ "runbindable", MS_UNBINDABLE | MS_REC, 0, 1 },
	/* Accepted and ignored: they describe, or ask for podman extras. */
	{ "tmpcopyup", 0, 0, 2 },
	{ "notmpcopyup", 0, 0, 2 },
	{ "z", 0, 0, 2 },
	{ "Z", 0, 0, 2 },
};

/* Docker's default devices (runtime-spec "Default Devices"). */
static const struct {
	const char *name;
	unsigned maj, min;
} default_devs[] = {
	{ "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 },
	{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

static const struct {
	const char *name, *target;
} default_links[] = {
	{ "fd", "/proc/self/fd" },
	{ "stdin", "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" },
	{ "stderr", "/proc/self/fd/2" },
	{ "ptmx", "pts/ptmx" },
};

static const int ns_clone_flag[SPEC_NS_COUNT] = {
	[SPEC_NS_MOUNT] = CLONE_NEWNS,
	[SPEC_NS_UTS] = CLONE_NEWUTS,
	[SPEC_NS_IPC] = CLONE_NEWIPC,
	[SPEC_NS_NET] = CLONE_NEWNET,
	[SPEC_NS_PID] = CLONE_NEWPID,
	[SPEC_NS_CGROUP] = CLONE_NEWCGROUP,
	[SPEC_NS_TIME] = CLONE_NEWTIME,
	[SPEC_NS_USER] = CLONE_NEWUSER,
};

/* --- messages ------------------------------------------------------- */



/* In the child: report `e` and exit. Never returns. */
static void __attribute__((noreturn))
die(struct child *c, struct err *e)
{
	int code = RT_EXIT_INTERNAL;

	if (e->code == ERR_NOCMD)
		code = RT_EXIT_NOTFOUND;
	else if (e->code == ERR_NOEXEC)
		code = RT_EXIT_NOEXEC;
	procinit_msg_send(c->sock, MSG_ERROR, e->code, e->msg);
	/* Read what the parent sent and we did not (MSG_CGROUP): a unix
	 * socket closed with unread data resets its peer, which could then
	 * miss our message. */
	{
		struct procinit_msg m;

		while (recv(c->sock, &m, sizeof(m), MSG_DONTWAIT) > 0)
			;
	}
	_exit(code);
}

/* --- mounts --------------------------------------------------------- */

/* Split mount options into flags, propagation flags and a data string. */
static int
parse_options(char *const *opts, size_t n, unsigned long *flags,
    unsigned long *prop, char *data, size_t datalen, struct err *e)
{
	size_t i, j, used = 0;
	int len;

	*flags = 0;
	*prop = 0;
	data[0] = '\0';
	for (i = 0; i < n; i++) {
		for (j = 0; j < sizeof(mflags) / sizeof(mflags[0]); j++)
			if (strcmp(opts[i], mflags[j].name) == 0)
				break;
		if (j < sizeof(mflags) / sizeof(mflags[0])) {
			if (mflags[j].prop == 1)
				*prop |= mflags[j].set;
			else if (mflags[j].prop == 0) {
				*flags &= ~mflags[j].clear;
				*flags |= mflags[j].set;
			}
			continue;
		}
		len = snprintf(data + used, datalen - used, "%s%s",
		    used ? "," : "", opts[i]);
		if (len < 0 || (size_t)len >= datalen - used)
			return err_set(e, ERR_LIMIT, "mount options too long");
		used += (size_t)len;
	}
	return 0;
}

/* Is `path` a directory on the host (bind sources)? -1 if missing. */
static int
source_is_dir(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) < 0)
		return -1;
	return S_ISDIR(sb.st_mode);
}

/* The flags of a bind mount's options that take a remount. */
static unsigned long
remount_bind_flags(unsigned long flags)
{
	return flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC |
	    MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME);
}

/* Remount a bind mount with the flags of its options (ro, nosuid...). */
static int
remount_bind(const char *target, unsigned long flags, struct err *e)
{
	unsigned long f = remount_bind_flags(flags);

	if (!f)
		return 0;
	if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | f |
	    (flags & MS_REC), NULL) < 0)
		return err_sys(e, "remount %s", target);
	return 0;
}

/*
 * After mounting onto the O_PATH fd *fd (resolved before the mount), the fd
 * still names the covered directory: open `dest` again so that it names
 * the new mount's root, for a remount or a propagation change.
 */
static int
reopen_after_mount(int rootfd, const char *dest, int *fd, char *pp,
    size_t len, struct err *e)
{
	int nfd;

	nfd = beneath_open(rootfd, dest, O_PATH, e);
	if (nfd < 0)
		return err_ctx(e, "reopen %s", dest);
	if (*fd >= 0)
		close(*fd);
	*fd = nfd;
	snprintf(pp, len, "/proc/self/fd/%d", nfd);
	return 0;
}

/* mount_setattr(2) (Linux 5.12; the number is the same on every arch). */
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
struct rk_mount_attr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};
enum {
	RK_MOUNT_ATTR_RDONLY = 0x1, RK_MOUNT_ATTR_NOSUID = 0x2,
	RK_MOUNT_ATTR_NODEV = 0x4, RK_MOUNT_ATTR_NOEXEC = 0x8,
	RK_AT_RECURSIVE = 0x8000,
};

/* Make the mount at O_PATH `fd` and every mount below it read-only,
 * nosuid, nodev, noexec in one call; -1 with errno (ENOSYS before 5.12). */
static int
seal_tree(int fd)
{
	struct rk_mount_attr a = {
		RK_MOUNT_ATTR_RDONLY | RK_MOUNT_ATTR_NOSUID |
		RK_MOUNT_ATTR_NODEV | RK_MOUNT_ATTR_NOEXEC, 0, 0, 0
	};

	return (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH |
	    RK_AT_RECURSIVE, &a, sizeof(a));
}

/* The next cgroup or cgroup2 mount directly under `root` in mountinfo
 * text at *cur (advanced past it; the text is left intact): its name, or
 * NULL at the end. Each line is copied to *line (cap *cap); *mp gets its
 * mount point, in that copy. */
static char *
next_cgroup_mount(const char **cur, const char *root, char **line,
    size_t *cap, char **mp)
{
	size_t rl = strlen(root), n;
	const char *eol;
	char *p, *fstype, *opts, *name, *nl;

	while (**cur) {
		eol = strchr(*cur, '\n');
		n = eol ? (size_t)(eol - *cur) : strlen(*cur);
		if (n + 1 > *cap) {
			nl = realloc(*line, n + 1);
			if (!nl)
				return NULL;
			*line = nl;
			*cap = n + 1;
		}
		memcpy(*line, *cur, n);
		(*line)[n] = '\0';
		*cur += n + (eol ? 1 : 0);
		/* id parent maj:min root mountpoint opts - type src ... */
		p = strstr(*line, " - ");
		if (!p)
			continue;
		fstype = p + 3;
		p = strchr(fstype, ' ');
		if (!p)
			continue;
		*p = '\0';
		if (strcmp(fstype, "cgroup") != 0 &&
		    strcmp(fstype, "cgroup2") != 0)
			continue;
		*mp = *line;
		for (int k = 0; k < 4 && *mp; k++) {
			*mp = strchr(*mp, ' ');
			if (*mp)
				(*mp)++;
		}
		if (!*mp || !(opts = strchr(*mp, ' ')))
			continue;
		*opts = '\0';
		if (strncmp(*mp, root, rl) != 0 || (*mp)[rl] != '/')
			continue;
		name = *mp + rl + 1;
		if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
		    strcmp(name, "..") == 0)
			continue;
		return name;
	}
	return NULL;
}

/*
 * v1 and hybrid hosts: a tmpfs with a read-only bind of the container's own
 * cgroup in each hierarchy, as runc does. The tmpfs is new and the
 * container has not run yet, so its directories are made and opened
 * relative to its root, with no path walk. A read-only tmpfs and its binds
 * are sealed with one recursive mount_setattr(2) where the kernel has it.
 */
static int
mount_cgroup_v1(struct child *c, int rootfd, const char *dest,
    unsigned long flags, struct err *e)
{
	char pp[64], src[PATH_MAX], *mi, *text = c->mountinfo, *own = NULL;
	int fd = -1, sfd = -1, ret = -1, sealed = 0;
	const char *cur;
	char *line = NULL, *mp;
	size_t cap = 0, len;

	if (beneath_mountpoint(rootfd, dest, 1, 0755, pp, sizeof(pp), &fd,
	    e) < 0)
		return -1;
	if (mount("tmpfs", pp, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    "mode=755") < 0) {
		err_sys(e, "mount tmpfs on %s", dest);
		goto out;
	}
	if (reopen_after_mount(rootfd, dest, &fd, pp, sizeof(pp), e) < 0)
		goto out;
	/* The mount table the parent read when it made the cgroup: this
	 * namespace's copy of it, not yet changed below the cgroup root. */
	if (!text) {
		text = own = io_read_file("/proc/self/mountinfo",
		    MOUNTINFO_MAX, &len, e);
		if (!text)
			goto out;
	}
	cur = text;
	while ((mi = next_cgroup_mount(&cur, c->cgroup_root, &line, &cap,
	    &mp))) {
		if (io_pathf(src, sizeof(src), "%s%s", mp, c->cgroup_path) >=
		    (int)sizeof(src))
			continue;
		if (source_is_dir(src) != 1)
			io_pathf(src, sizeof(src), "%s", mp);
		if (mkdirat(fd, mi, 0755) < 0 && errno != EEXIST) {
			err_sys(e, "create %s/%s", dest, mi);
			goto out;
		}
		sfd = openat(fd, mi, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (sfd < 0) {
			err_sys(e, "open %s/%s", dest, mi);
			goto out;
		}
		snprintf(pp, sizeof(pp), "/proc/self/fd/%d", sfd);
		if (mount(src, pp, NULL, MS_BIND | MS_REC, NULL) < 0) {
			err_sys(e, "bind %s on %s/%s", src, dest, mi);
			goto out;
		}
		close(sfd);
		sfd = -1;
	}
	/* The binds are always read-only; the tmpfs when asked. */
	if (flags & MS_RDONLY) {
		if (seal_tree(fd) == 0)
			sealed = 1;
		else if (errno != ENOSYS && errno != EPERM) {
			err_sys(e, "make %s read-only", dest);
			goto out;
		}
	}
	if (!sealed) {
		/* One remount a bind, then the tmpfs. */
		cur = text;
		while ((mi = next_cgroup_mount(&cur, c->cgroup_root, &line,
		    &cap, &mp))) {
			sfd = openat(fd, mi, O_PATH | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
			if (sfd < 0)
				continue;
			snprintf(pp, sizeof(pp), "/proc/self/fd/%d", sfd);
			if (remount_bind(pp, MS_RDONLY | MS_NOSUID |
			    MS_NODEV | MS_NOEXEC, e) < 0)
				goto out;
			close(sfd);
			sfd = -1;
		}
		snprintf(pp, sizeof(pp), "/proc/self/fd/%d", fd);
		if ((flags & MS_RDONLY) && mount(NULL, pp, NULL, MS_REMOUNT |
		    MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		    "mode=755") < 0) {
			err_sys(e, "remount %s read-only", dest);
			goto out;
		}
	}
	ret = 0;
out:
	free(line);
	free(own);
	if (fd >= 0)
		close(fd);
	if (sfd >= 0)
		close(sfd);
	return ret;
}

static int
do_mount(struct child *c, int rootfd, const struct spec_mount *m,
    struct err *e)
{
	char data[4096], pp[64], src[PATH_MAX];
	unsigned long flags, prop;
	const char *type = m->type;
	int isdir = 1, fd = -1, ret = -1, reopened = 0;

	if (parse_options(m->options, m->noptions, &flags, &prop, data,
	    sizeof(data), e) < 0)
		return err_ctx(e, "mount %s", m->destination);
	if (type && strcmp(type, "bind") == 0)
		flags |= MS_BIND;
	if (!type || !*type)
		type = (flags & MS_BIND) ? "bind" : "none";
	if (flags & MS_BIND) {
		if (!m->source)
			return err_set(e, ERR_PARSE, "mount %s: bind without "
			    "a source", m->destination);
		if (m->source[0] == '/' || !c->o->bundle)
			io_pathf(src, sizeof(src), "%s", m->source);
		else
			io_pathf(src, sizeof(src), "%s/%s", c->o->bundle,
			    m->source);
		isdir = source_is_dir(src);
		if (isdir < 0)
			return err_sys(e, "bind source %s", src);
	} else if (strcmp(type, "cgroup") == 0 && !c->cgns) {
		return mount_cgroup_v1(c, rootfd, m->destination, flags, e);
	}
	if (beneath_mountpoint(rootfd, m->destination, isdir, 0755, pp,
	    sizeof(pp), &fd, e) < 0)
		return err_ctx(e, "mount %s", m->destination);
	if (flags & MS_BIND) {
		if (mount(src, pp, NULL, MS_BIND | (flags & MS_REC),
		    NULL) < 0) {
			err_sys(e, "bind %s on %s", src, m->destination);
			goto out;
		}
		/* The fd names the covered directory: a remount or a
		 * propagation change needs the new mount's root. */
		if ((remount_bind_flags(flags) || prop) &&
		    reopen_after_mount(rootfd, m->destination, &fd, pp,
		    sizeof(pp), e) < 0)
			goto out;
		reopened = 1;
		if (remount_bind(pp, flags, e) < 0)
			goto out;
	} else {
		if (strcmp(type, "cgroup") == 0)
			type = "cgroup2";
		if (mount(m->source ? m->source : type, pp, type,
		    flags & ~MS_REMOUNT, data[0] ? data : NULL) < 0) {
			err_sys(e, "mount %s on %s", type, m->destination);
			goto out;
		}
	}
	if (prop && ((!reopened && reopen_after_mount(rootfd,
	    m->destination, &fd, pp, sizeof(pp), e) < 0) ||
	    mount(NULL, pp, NULL, prop, NULL) < 0)) {
		if (e->code)
			goto out;
		err_sys(e, "set propagation of %s", m->destination);
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Create the default devices and links in the rootfs's /dev (a tmpfs the
 * spec mounted there; entries that exist are left alone). */
static int
make_devices(const struct spec *s, int rootfd, struct err *e)
{
	char pp[64], name[PATH_MAX];
	int devfd, fd = -1;
	size_t i;
	mode_t type;

	devfd = beneath_open(rootfd, "/dev", O_PATH | O_DIRECTORY, e);
	if (devfd < 0)
		return err_ctx(e, "open /dev in the rootfs");
	for (i = 0; i < sizeof(default_devs) / sizeof(default_devs[0]); i++)
		if (mknodat(devfd, default_devs[i].name, S_IFCHR | 0666,
		    makedev(default_devs[i].maj, default_devs[i].min)) < 0 &&
		    errno != EEXIST) {
			err_sys(e, "mknod /dev/%s", default_devs[i].name);
			goto fail;
		}
	for (i = 0; i < sizeof(default_links) / sizeof(default_links[0]);
	    i++)
		if (symlinkat(default_links[i].target, devfd,
		    default_links[i].name) < 0 && errno != EEXIST) {
			err_sys(e, "symlink /dev/%s", default_links[i].name);
			goto fail;
		}
	for (i = 0; i < s->ndevices; i++) {
		const struct spec_device *d = &s->devices[i];

		type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO :
		    S_IFCHR;
		if (beneath_mountpoint(rootfd, d->path, 0, 0644, pp,
		    sizeof(pp), &fd, e) < 0)
			goto fail;
		close(fd);
		fd = -1;
		/* The placeholder file is replaced by the node. */
		snprintf(name, sizeof(name), "%s", d->path);
		if (beneath_resolve(rootfd, d->path, name, sizeof(name),
		    e) < 0)
			goto fail;
		if (unlinkat(rootfd, name[0] == '/' ? name + 1 : name, 0) < 0 ||
		    mknodat(rootfd, name[0] == '/' ? name + 1 : name,
		    type | (d->file_mode & 07777),
		    makedev((unsigned)d->major, (unsigned)d->minor)) < 0 ||
		    fchownat(rootfd, name[0] == '/' ? name + 1 : name, d->uid,
		    d->gid, AT_SYMLINK_NOFOLLOW) < 0) {
			err_sys(e, "create device %s", d->path);
			goto fail;
		}
	}
	close(devfd);
	return 0;
fail:
	close(devfd);
	return -1;
}

/*
 * The MS_MOVE fallback: detach every mount outside the rootfs (deepest
 * first) so the host's mounts are gone from this namespace, then move the
 * rootfs onto "/" and chroot into it.
 */
static int
move_root(const char *rootfs, struct err *e)
{
	char **mps = NULL, *line = NULL, *mp, *p;
	size_t n = 0, cap = 0, i, ml, rl = strlen(rootfs);
	FILE *f;
	int ret = -1;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return err_sys(e, "open /proc/self/mountinfo");
	while (getline(&line, &cap, f) > 0) {
		mp = line;
		for (int k = 0; k < 4 && mp; k++) {
			mp = strchr(mp, ' ');
			if (mp)
				mp++;
		}
		if (!mp || !(p = strchr(mp, ' ')))
			continue;
		*p = '\0';
		ml = strlen(mp);
		/* Keep "/", the rootfs and what is under it, and the mounts
		 * the rootfs is under (a tmpfs holding the store): detaching
		 * those would take the rootfs along. */
		if (strcmp(mp, "/") == 0 || (strncmp(mp, rootfs, rl) == 0 &&
		    (mp[rl] == '/' || mp[rl] == '\0')) ||
		    (ml < rl && strncmp(rootfs, mp, ml) == 0 &&
		    rootfs[ml] == '/'))
			continue;
		p = realloc(mps, (n + 1) * sizeof(*mps));
		if (!p)
			goto out;
		mps = (char **)p;
		if (!(mps[n] = strdup(mp)))
			goto out;
		n++;
	}
	/* Deepest first: longer paths are under shorter ones. */
	for (;;) {
		size_t best = n, bl = 0;

		for (i = 0; i < n; i++)
			if (mps[i] && strlen(mps[i]) >= bl) {
				best = i;
				bl = strlen(mps[i]);
			}
		if (best == n)
			break;
		mount(NULL, mps[best], NULL, MS_PRIVATE | MS_REC, NULL);
		umount2(mps[best], MNT_DETACH);
		free(mps[best]);
		mps[best] = NULL;
	}
	if (chdir(rootfs) < 0) {
		err_sys(e, "chdir %s", rootfs);
		goto out;
	}
	if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0) {
		err_sys(e, "move the rootfs to /");
		goto out;
	}
	if (chroot(".") < 0 || chdir("/") < 0) {
		err_sys(e, "chroot into the rootfs");
		goto out;
	}
	ret = 0;
out:
	for (i = 0; i < n; i++)
		free(mps[i]);
	free(mps);
	free(line);
	fclose(f);
	if (ret < 0 && !e->code)
		err_set(e, ENOMEM, "out of memory");
	return ret;
}

static int
pivot(const char *rootfs, int no_pivot, struct err *e)
{
	int oldroot, newroot;

	if (no_pivot)
		return move_root(rootfs, e);
	oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	newroot = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (oldroot < 0 || newroot < 0) {
		err_sys(e, "open the roots");
		goto fail;
	}
	if (fchdir(newroot) < 0) {
		err_sys(e, "chdir %s", rootfs);
		goto fail;
	}
	if (syscall(SYS_pivot_root, ".", ".") < 0) {
		if (errno == EINVAL) {
			/* An initramfs or ramfs root cannot be pivoted. */
			close(oldroot);
			close(newroot);
			log_debug("runtime: pivot_root: EINVAL, moving the "
			    "root instead");
			return move_root(rootfs, e);
		}
		err_sys(e, "pivot_root");
		goto fail;
	}
	/* The old root is now stacked on ".": make it a slave so the
	 * unmount does not propagate to the host, then detach it. */
	if (fchdir(oldroot) < 0 ||
	    mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0) {
		err_sys(e, "detach the old root");
		goto fail;
	}
	close(oldroot);
	close(newroot);
	return 0;
fail:
	if (oldroot >= 0)
		close(oldroot);
	if (newroot >= 0)
		close(newroot);
	return -1;
}

/* The verified /dev/null (char 1:3) of the container, as an O_PATH fd. */
static int
open_devnull(struct err *e)
{
	struct stat sb;
	int fd;

	fd = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "open /dev/null");
	if (fstat(fd, &sb) < 0 || !S_ISCHR(sb.st_mode) ||
	    major(sb.st_rdev) != 1 || minor(sb.st_rdev) != 3) {
		close(fd);
		return err_set(e, EPERM, "/dev/null is not the null device");
	}
	return fd;
}

static int
mask_paths(const struct spec *s, struct err *e)
{
	char pp[64], np[64];
	struct stat sb;
	int nullfd = -1, fd;
	size_t i;

	for (i = 0; i < s->nmasked_paths; i++) {
		fd = open(s->masked_paths[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			err_sys(e, "mask %s", s->masked_paths[i]);
			goto fail;
		}
		snprintf(pp, sizeof(pp), "/proc/self/fd/%d", fd);
		if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			if (mount("tmpfs", pp, "tmpfs", MS_RDONLY | MS_NOSUID |
			    MS_NODEV | MS_NOEXEC, "size=0,nr_inodes=1") < 0) {
				close(fd);
				err_sys(e, "mask %s", s->masked_paths[i]);
				goto fail;
			}
		} else {
			if (nullfd < 0 && (nullfd = open_devnull(e)) < 0) {
				close(fd);
				goto fail;
			}
			snprintf(np, sizeof(np), "/proc/self/fd/%d", nullfd);
			if (mount(np, pp, NULL, MS_BIND, NULL) < 0) {
				close(fd);
				err_sys(e, "mask %s", s->masked_paths[i]);
				goto fail;
			}
		}
		close(fd);
	}
	for (i = 0; i < s->nreadonly_paths; i++) {
		fd = open(s->readonly_paths[i], O_PATH | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			err_sys(e, "read-only %s", s->readonly_paths[i]);
			goto fail;
		}
		snprintf(pp, sizeof(pp), "/proc/self/fd/%d", fd);
		if (mount(pp, pp, NULL, MS_BIND | MS_REC, NULL) < 0) {
			close(fd);
			err_sys(e, "read-only %s", s->readonly_paths[i]);
			goto fail;
		}
		/* The fd names the covered inode: reopen the new mount. */
		close(fd);
		fd = open(s->readonly_paths[i], O_PATH | O_NOFOLLOW |
		    O_CLOEXEC);
		snprintf(pp, sizeof(pp), "/proc/self/fd/%d", fd);
		if (fd < 0 || mount(NULL, pp, NULL, MS_BIND | MS_REMOUNT |
		    MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_REC,
		    NULL) < 0) {
			if (fd >= 0)
				close(fd);
			err_sys(e, "read-only %s", s->readonly_paths[i]);
			goto fail;
		}
		close(fd);
	}
	if (nullfd >= 0)
		close(nullfd);
	return 0;
fail:
	if (nullfd >= 0)
		close(nullfd);
	return -1;
}

static int
setup_rootfs(struct child *c, struct err *e)
{
	const struct spec *s = c->s;
	unsigned long prop = s->rootfs_propagation ? s->rootfs_propagation :
	    MS_SLAVE | MS_REC;
	struct stat sb;
	int rootfd = -1;
	size_t i;

	if (mount(NULL, "/", NULL, prop, NULL) < 0)
		return err_sys(e, "make / %s", (prop & MS_PRIVATE) ?
		    "private" : "slave");
	if (mount(c->rootfs, c->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return err_sys(e, "bind the rootfs %s", c->rootfs);
	rootfd = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return err_sys(e, "open the rootfs %s", c->rootfs);
	/* CVE-2023-27561: /dev and /proc must be real directories. */
	if (fstatat(rootfd, "dev", &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISDIR(sb.st_mode)) {
		err_set(e, EPERM, "the image's /dev is not a directory");
		goto fail;
	}
	if (fstatat(rootfd, "proc", &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISDIR(sb.st_mode)) {
		err_set(e, EPERM, "the image's /proc is not a directory");
		goto fail;
	}
	for (i = 0; i < s->nmounts; i++)
		if (do_mount(c, rootfd, &s->mounts[i], e) < 0)
			goto fail;
	if (make_devices(s, rootfd, e) < 0)
		goto fail;
	close(rootfd);
	rootfd = -1;
	if (pivot(c->rootfs, c->o->no_pivot, e) < 0)
		return -1;
	return 0;
fail:
	if (rootfd >= 0)
		close(rootfd);
	return -1;
}

/* --- process -------------------------------------------------------- */

static int
lo_up(struct err *e)
{
	struct ifreq ifr;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(e, "socket");
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		close(fd);
		return err_sys(e, "get lo flags");
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) {
		close(fd);
		return err_sys(e, "bring lo up");
	}
	close(fd);
	return 0;
}

static int
write_sysctl(const char *key, const char *val, struct err *e)
{
	char path[PATH_MAX], *p;
	int fd, n;

	n = io_pathf(path, sizeof(path), "/proc/sys/%s", key);
	if (n < 0 || (size_t)n >= sizeof(path) || strstr(key, ".."))
		return err_set(e, ERR_PARSE, "bad sysctl %s", key);
	for (p = path + 10; *p; p++)
		if (*p == '.')
			*p = '/';
	fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "sysctl %s", key);
	if (write(fd, val, strlen(val)) < 0) {
		close(fd);
		return err_sys(e, "sysctl %s=%s", key, val);
	}
	close(fd);
	return 0;
}

static int
setup_stdio(struct child *c, struct err *e)
{
	int i, fd, null = -1;

	for (i = 0; i < 3; i++) {
		fd = c->o->stdio[i];
		if (fd < 0) {
			if (null < 0) {
				null = open("/dev/null", O_RDWR | O_CLOEXEC);
				if (null < 0)
					return err_sys(e, "open /dev/null");
			}
			fd = null;
		}
		if (fd == i) {
			if (fcntl(i, F_SETFD, 0) < 0)
				return err_sys(e, "stdio %d", i);
			continue;
		}
		if (dup2(fd, i) < 0)
			return err_sys(e, "stdio %d", i);
	}
	if (null > 2)
		close(null);
	return 0;
}

/* Terminal: a pty from the container's own devpts, its slave bound on
 * /dev/console and made the controlling terminal and stdio. */
static int
setup_console(struct child *c, struct err *e)
{
	const struct spec_process *p = &c->s->process;
	struct winsize ws;
	char pp[64];
	int master, slave, fd;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return err_sys(e, "open /dev/ptmx");
	if (unlockpt(master) < 0) {
		close(master);
		return err_sys(e, "unlockpt");
	}
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (slave < 0) {
		char name[64];

		if (ptsname_r(master, name, sizeof(name)) != 0 ||
		    (slave = open(name, O_RDWR | O_NOCTTY)) < 0) {
			close(master);
			return err_sys(e, "open the pty slave");
		}
	}
	if (p->console_height && p->console_width) {
		memset(&ws, 0, sizeof(ws));
		ws.ws_row = p->console_height;
		ws.ws_col = p->console_width;
		ioctl(slave, TIOCSWINSZ, &ws);
	}
	/* /dev/console: a bind of the slave (a file mount point). */
	fd = open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd >= 0) {
		snprintf(pp, sizeof(pp), "/proc/self/fd/%d", slave);
		if (mount(pp, "/dev/console", NULL, MS_BIND, NULL) < 0)
			log_debug("runtime: bind /dev/console: %s",
			    strerror(errno));
		close(fd);
	}
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0) {
		close(master);
		close(slave);
		return err_sys(e, "make the pty the controlling terminal");
	}
	if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0) {
		close(master);
		close(slave);
		return err_sys(e, "pty stdio");
	}
	if (slave > 2)
		close(slave);
	if (c->o->console_sock < 0 && procinit_msg_send(c->sock, MSG_PTY, 0,
	    NULL) < 0) {
		close(master);
		return err_sys(e, "send the pty master");
	}
	if (tty_send_fd(c->o->console_sock >= 0 ? c->o->console_sock :
	    c->sock, master, e) < 0) {
		close(master);
		return err_ctx(e, "send the pty master");
	}
	close(master);
	return 0;
}

/* Wait for MSG_CGROUP from the parent. 0, or -1 when it went away. */
static int
wait_cgroup(struct child *c)
{
	struct procinit_msg m;

	return procinit_msg_recv(c->sock, &m) == 1 &&
	    m.type == MSG_CGROUP ? 0 : -1;
}

/* The container's init, in the new namespaces. Never returns. */
static void __attribute__((noreturn))
child_main(struct child *c)
{
	const struct spec *s = c->s;
	const struct spec_process *p = &s->process;
	struct err e = ERR_INIT;
	struct procinit_msg m;
	int i, r;

	if (c->o->start_sock <= 0)
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_DUMPABLE, 0);
	umask(0);
	/* In a new pid namespace the parent is outside it: getppid() is 0
	 * for the whole life of the init, and a reparented init sees 0 too.
	 * So compare what getppid() says now. */
	c->ppid = getppid();
	r = procinit_msg_recv(c->sock, &m);
	if (r <= 0 || m.type != MSG_GO)
		_exit(RT_EXIT_INTERNAL);
	/* Into the v1 hierarchies first thing, before any fork or
	 * allocation worth accounting; /sys/fs/cgroup is still the host's. */
	if (c->cg && cg_enter_self(c->cg, CG_ENTER_V1, &e) < 0)
		die(c, &e);
	/* Join the namespaces given by path: non-user first (runc). */
	for (i = 0; i < SPEC_NS_COUNT; i++) {
		if (c->nsfd[i] < 0 || i == SPEC_NS_PID)
			continue;
		if (setns(c->nsfd[i], ns_clone_flag[i]) < 0) {
			err_sys(&e, "join %s namespace %s",
			    spec_ns_name((enum spec_ns_type)i), s->ns[i].path);
			die(c, &e);
		}
		close(c->nsfd[i]);
	}
	/* The parent moves us into the cgroup while we set up (the first
	 * cgroup.procs write waits for an RCU grace period: milliseconds).
	 * A cgroup namespace must be made inside it, so wait here for it;
	 * otherwise wait just before the process is ready to run. */
	if (c->cgns) {
		if (wait_cgroup(c) < 0)
			_exit(RT_EXIT_INTERNAL);
		if (unshare(CLONE_NEWCGROUP) < 0) {
			err_sys(&e, "unshare the cgroup namespace");
			die(c, &e);
		}
	}
	if (s->ns[SPEC_NS_NET].present && !s->ns[SPEC_NS_NET].path &&
	    lo_up(&e) < 0)
		die(c, &e);
	if (s->hostname && s->ns[SPEC_NS_UTS].present &&
	    sethostname(s->hostname, strlen(s->hostname)) < 0) {
		err_sys(&e, "sethostname");
		die(c, &e);
	}
	if (s->domainname && s->ns[SPEC_NS_UTS].present &&
	    setdomainname(s->domainname, strlen(s->domainname)) < 0) {
		err_sys(&e, "setdomainname");
		die(c, &e);
	}
	if (setup_rootfs(c, &e) < 0)
		die(c, &e);
	for (i = 0; i < (int)s->nsysctl; i++)
		if (write_sysctl(s->sysctl[2 * i], s->sysctl[2 * i + 1],
		    &e) < 0)
			die(c, &e);
	if (mask_paths(s, &e) < 0)
		die(c, &e);
	if (s->root_readonly && mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT |
	    MS_RDONLY, NULL) < 0) {
		err_sys(&e, "make the root read-only");
		die(c, &e);
	}
	if (p->has_oom_score_adj) {
		char v[16];
		int fd = open("/proc/self/oom_score_adj", O_WRONLY |
		    O_CLOEXEC);

		snprintf(v, sizeof(v), "%d", p->oom_score_adj);
		if (fd < 0 || write(fd, v, strlen(v)) < 0) {
			err_sys(&e, "set oom_score_adj");
			die(c, &e);
		}
		close(fd);
	}
	if (p->terminal) {
		if (setup_console(c, &e) < 0)
			die(c, &e);
	} else {
		/* Out of the caller's session: a terminal's job control
		 * signals reach rocker, which forwards them (sig-proxy). */
		setsid();
		if (setup_stdio(c, &e) < 0)
			die(c, &e);
	}
	if (procinit_set_rlimits(p, &e) < 0)
		die(c, &e);
	/* Without no_new_privs the kernel only takes a filter from a task
	 * with CAP_SYS_ADMIN: install it now, while it has it (runc). */
	if (c->filter && !p->no_new_privileges) {
		if (seccomp_load(c->filter, c->nfilter, &e) < 0)
			die(c, &e);
		c->filter = NULL;
	}
	/* runc's order: bounding set, keep caps, ids, then the sets. */
	if (procinit_identity(p, &e) < 0)
		die(c, &e);
	/* A uid or gid change clears the parent-death signal: set it again,
	 * and make sure the monitor did not die in between. */
	if (c->o->start_sock <= 0)
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != c->ppid)
		_exit(RT_EXIT_INTERNAL);
	if (procinit_check_cwd(p->cwd ? p->cwd : "/", &e) < 0)
		die(c, &e);
	if (procinit_lookup_exe(p->args ? p->args[0] : NULL, p->env, c->exe,
	    sizeof(c->exe), &e) < 0)
		die(c, &e);
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0,
	    0) < 0) {
		err_sys(&e, "set no_new_privs");
		die(c, &e);
	}
	umask(p->has_umask ? p->umask : 022);
	if (!c->cgns && wait_cgroup(c) < 0)
		_exit(RT_EXIT_INTERNAL);
	{
		int keep[3] = { c->sock, c->o->init_fd, c->o->start_sock };

		procinit_close_fds(3 + (c->o->preserve_fds > 0 ?
		    c->o->preserve_fds : 0), keep, 3);
	}
	if (procinit_msg_send(c->sock, MSG_READY, 0, NULL) < 0)
		_exit(RT_EXIT_INTERNAL);
	if (c->o->start_sock > 0) {
		/* Detached: the creator exits; `start` connects. */
		close(c->sock);
		do
			r = accept4(c->o->start_sock, NULL, NULL, SOCK_CLOEXEC);
		while (r < 0 && errno == EINTR);
		if (r < 0 || write(r, "0", 1) != 1)
			_exit(RT_EXIT_INTERNAL);
		close(r);
		close(c->o->start_sock);
	} else {
		r = procinit_msg_recv(c->sock, &m);
		if (r <= 0 || m.type != MSG_START)
			_exit(RT_EXIT_INTERNAL);
	}
	if (c->filter && seccomp_load(c->filter, c->nfilter, &e) < 0)
		die(c, &e);
	if (c->o->init_fd >= 0) {
		char **argv = calloc(p->nargs + 3, sizeof(*argv));

		if (!argv) {
			err_set(&e, ENOMEM, "out of memory");
			die(c, &e);
		}
		argv[0] = (char *)(c->o->init_name ? c->o->init_name : "init");
		argv[1] = (char *)"--";
		for (i = 0; i < (int)p->nargs; i++)
			argv[i + 2] = p->args[i];
		sealexe_fexec(c->o->init_fd, argv, p->env);
	} else {
		execve(c->exe, p->args, p->env);
	}
	err_set(&e, (errno == ENOENT) ? ERR_NOCMD : ERR_NOEXEC,
	    "exec: \"%s\": %s", p->args[0], strerror(errno));
	die(c, &e);
}

/* --- parent --------------------------------------------------------- */

/* The cgroup limits of the spec's linux.resources. */
static void
spec_limits(const struct spec *s, struct cg_limits *l)
{
	const struct spec_resources *r = &s->resources;

	cg_limits_init(l);
	l->memory = r->memory_limit;
	l->memory_swap = r->memory_swap;
	l->memory_reservation = r->memory_reservation;
	l->cpu_shares = r->cpu_shares;
	l->cpu_quota = r->cpu_quota;
	l->cpu_period = r->cpu_period;
	l->cpuset_cpus = r->cpuset_cpus;
	l->cpuset_mems = r->cpuset_mems;
	l->pids = r->pids_limit;
	/* struct spec_devrule and struct cg_devrule have one layout. */
	l->devices = (const struct cg_devrule *)r->devices;
	l->ndevices = r->ndevices;
}

static void
reap(pid_t pid)
{
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Read the child's answer: READY (0), or an ERROR copied into `e`. */
static int
await(struct rt_container *c, int want, struct err *e)
{
	struct procinit_msg m;
	int r, fd;

	for (;;) {
		r = procinit_msg_recv(c->sync, &m);
		if (r < 0)
			return err_sys(e, "read from the container's init");
		if (r == 0) {
			if (want == 0)
				return 0; /* execve() closed the socket */
			return err_set(e, ERR_GENERIC, "the container's init "
			    "exited during setup");
		}
		if (m.type == MSG_ERROR)
			return err_set(e, m.code, "%s", m.text);
		if (m.type == want)
			return 0;
		if (m.type == MSG_PTY) {
			if (tty_recv_fd(c->sync, &fd, e) < 0)
				return -1;
			c->pty = fd;
			continue;
		}
		return err_set(e, ERR_PROTO, "unexpected message %d from the "
		    "container's init", m.type);
	}
}

int
rt_create(const struct spec *s, const struct rt_opts *o,
    struct rt_container *c, struct err *e)
{
	struct child ch;
	char cgpath[PATH_MAX];
	struct cg_limits lim;
	enum cg_mode mode;
	size_t milen;
	int sv[2] = { -1, -1 }, i, flags = SIGCHLD, pidns_self = -1;
	int cgfd = -1, into = 0;
	pid_t pid;

	memset(c, 0, sizeof(*c));
	c->sync = -1;
	c->pty = -1;
	c->pidfd = -1;
	memset(&ch, 0, sizeof(ch));
	for (i = 0; i < SPEC_NS_COUNT; i++)
		ch.nsfd[i] = -1;
	ch.s = s;
	ch.o = o;
	snprintf(c->id, sizeof(c->id), "%s", o->id ? o->id : "");
	if (!s->process.args || !s->process.nargs)
		return err_set(e, ERR_NOCMD, "no command specified");
	if (s->ns[SPEC_NS_USER].present)
		return err_set(e, ERR_PARSE, "user namespaces are not "
		    "supported");
	if (s->ns[SPEC_NS_TIME].present)
		return err_set(e, ERR_PARSE, "time namespaces are not "
		    "supported");
	if (!s->ns[SPEC_NS_MOUNT].present || s->ns[SPEC_NS_MOUNT].path)
		return err_set(e, ERR_PARSE, "a new mount namespace is "
		    "required");
	if (!s->root_path)
		return err_set(e, ERR_PARSE, "root.path is not set");
	if (s->root_path[0] == '/' || !o->bundle)
		snprintf(ch.rootfs, sizeof(ch.rootfs), "%s", s->root_path);
	else
		snprintf(ch.rootfs, sizeof(ch.rootfs), "%s/%s", o->bundle,
		    s->root_path);
	if (!realpath(ch.rootfs, cgpath))
		return err_sys(e, "rootfs %s", ch.rootfs);
	snprintf(ch.rootfs, sizeof(ch.rootfs), "%s", cgpath);

	/* Cgroup first, so limits hold from the first instruction. */
	ch.cgroup_root = o->cgroup_root ? o->cgroup_root : "/sys/fs/cgroup";
	if (s->cgroups_path)
		snprintf(cgpath, sizeof(cgpath), "%s%s",
		    s->cgroups_path[0] == '/' ? "" : "/", s->cgroups_path);
	else
		snprintf(cgpath, sizeof(cgpath), "%s/%s",
		    o->cgroup_parent ? o->cgroup_parent : "/rocker", c->id);
	spec_limits(s, &lim);
	if (cg_detect(ch.cgroup_root, &mode, e) < 0)
		return err_ctx(e, "cgroup");
	if (mode != CG_UNIFIED) {
		ch.mountinfo = io_read_file("/proc/self/mountinfo",
		    MOUNTINFO_MAX, &milen, e);
		if (!ch.mountinfo)
			return err_ctx(e, "cgroup");
	}
	if (cg_create_mi(&c->cg, ch.cgroup_root, cgpath, &lim, mode,
	    ch.mountinfo, e) < 0) {
		free(ch.mountinfo);
		return err_ctx(e, "cgroup");
	}
	c->has_cg = 1;
	log_debug("runtime: cgroup %s created", cgpath);
	ch.cgroup_path = c->cg.path;
	ch.cg = &c->cg;
	ch.cgmode = c->cg.mode;
	ch.cgns = s->ns[SPEC_NS_CGROUP].present &&
	    !s->ns[SPEC_NS_CGROUP].path;

	if (s->seccomp) {
		ch.filter = calloc(SECCOMP_MAX_INSNS, sizeof(*ch.filter));
		if (!ch.filter) {
			err_set(e, ENOMEM, "out of memory");
			goto fail;
		}
		if (seccomp_compile(s->seccomp, SECCOMP_ARCH_NATIVE, ch.filter,
		    SECCOMP_MAX_INSNS, &ch.nfilter, e) < 0) {
			err_ctx(e, "seccomp");
			goto fail;
		}
	}
	for (i = 0; i < SPEC_NS_COUNT; i++) {
		if (!s->ns[i].present)
			continue;
		if (s->ns[i].path) {
			ch.nsfd[i] = open(s->ns[i].path, O_RDONLY | O_CLOEXEC);
			if (ch.nsfd[i] < 0) {
				err_sys(e, "open %s namespace %s",
				    spec_ns_name((enum spec_ns_type)i),
				    s->ns[i].path);
				goto fail;
			}
		} else if (i != SPEC_NS_CGROUP) {
			flags |= ns_clone_flag[i];
		}
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		err_sys(e, "socketpair");
		goto fail;
	}
	/* Joining a pid namespace applies to children: do it here, around
	 * the clone, and come back afterwards. */
	if (ch.nsfd[SPEC_NS_PID] >= 0) {
		pidns_self = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		if (pidns_self < 0 || setns(ch.nsfd[SPEC_NS_PID],
		    CLONE_NEWPID) < 0) {
			err_sys(e, "join pid namespace %s",
			    s->ns[SPEC_NS_PID].path);
			goto fail;
		}
	}
	ch.sock = sv[1];
	/* Born in the cgroup2 hierarchy's cgroup where the kernel can. */
	cgfd = cg_v2_fd(&c->cg, e);
	if (cgfd < 0 && e->code)
		goto fail;
	pid = procinit_clone((uint64_t)(flags & ~SIGCHLD), cgfd, &into);
	if (pid == 0) {
		close(sv[0]);
		child_main(&ch);
	}
	if (pidns_self >= 0) {
		setns(pidns_self, CLONE_NEWPID);
		close(pidns_self);
		pidns_self = -1;
	}
	if (pid < 0) {
		err_sys(e, "clone");
		goto fail;
	}
	c->pid = pid;
	if (cgfd >= 0)
		close(cgfd);
	cgfd = -1;
	log_debug("runtime: cloned %ld%s", (long)pid, into ?
	    " into its cgroup" : "");
	close(sv[1]);
	sv[1] = -1;
	c->sync = sv[0];
	sv[0] = -1;
	if (procinit_msg_send(c->sync, MSG_GO, 0, NULL) < 0) {
		err_sys(e, "start the container's init");
		goto fail;
	}
	/* The init moves itself into the v1 hierarchies (cheap); the
	 * cgroup2 one was done by clone3, else it is a cgroup.procs write
	 * here, while the init sets up. */
	if ((!into && cg_enter_v2(&c->cg, pid, e) < 0) ||
	    procinit_msg_send(c->sync, MSG_CGROUP, 0, NULL) < 0) {
		/* The init may have failed meanwhile: its own message
		 * (queued on the socket) says why better than ours. */
		struct err e2 = ERR_INIT;

		if (!e->code)
			err_sys(e, "start the container's init");
		else
			err_ctx(e, "cgroup");
		if (await(c, MSG_READY, &e2) < 0 && e2.code != ERR_PROTO &&
		    !strstr(e2.msg, "exited during setup") &&
		    !strstr(e2.msg, "read from the container"))
			*e = e2;
		goto fail;
	}
	log_debug("runtime: in the cgroup");
	if (await(c, MSG_READY, e) < 0)
		goto fail;
	/* The init is set up and waits for START: the caller's last word
	 * (e.g. networking into its namespace). */
	if (o->after_clone && o->after_clone(o->arg, pid, e) < 0)
		goto fail;
	for (i = 0; i < SPEC_NS_COUNT; i++)
		if (ch.nsfd[i] >= 0)
			close(ch.nsfd[i]);
	free(ch.filter);
	free(ch.mountinfo);
	return 0;
fail:
	for (i = 0; i < SPEC_NS_COUNT; i++)
		if (ch.nsfd[i] >= 0)
			close(ch.nsfd[i]);
	if (pidns_self >= 0)
		close(pidns_self);
	if (cgfd >= 0)
		close(cgfd);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	free(ch.filter);
	free(ch.mountinfo);
	{
		struct err e2 = ERR_INIT;

		rt_destroy(c, &e2);
	}
	return -1;
}

int
rt_start(struct rt_container *c, struct err *e)
{
	int st;

	if (c->sync < 0)
		return err_set(e, ERR_GENERIC, "container not created");
	if (procinit_msg_send(c->sync, MSG_START, 0, NULL) < 0)
		return err_sys(e, "start the container");
	if (await(c, 0, e) < 0) {
		/* The child exits right after reporting. */
		if (c->pid > 0 && waitpid(c->pid, &st, 0) == c->pid)
			c->pid = -c->pid;
		close(c->sync);
		c->sync = -1;
		return -1;
	}
	close(c->sync);
	c->sync = -1;
	c->started = 1;
	return 0;
}

int
rt_wait(struct rt_container *c, int nohang, int *status, struct err *e)
{
	pid_t r;

	if (c->pid <= 0)
		return err_set(e, ECHILD, "no container process");
	do
		r = waitpid(c->pid, status, nohang ? WNOHANG : 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return err_sys(e, "wait for the container");
	if (r == 0)
		return 0;
	c->pid = -c->pid;
	return 1;
}

int
rt_destroy(struct rt_container *c, struct err *e)
{
	int ret = 0;

	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		reap(c->pid);
		c->pid = -c->pid;
	}
	if (c->has_cg) {
		cg_kill(&c->cg, SIGKILL, e);
		if (cg_remove(&c->cg, e) < 0)
			ret = -1;
		c->has_cg = 0;
	}
	rt_release(c);
	return ret;
}

void
rt_release(struct rt_container *c)
{
	if (c->sync >= 0)
		close(c->sync);
	c->sync = -1;
	if (c->pty >= 0)
		close(c->pty);
	c->pty = -1;
}

int
rt_exit_code(const struct err *e)
{
	if (e->code == ERR_NOCMD)
		return RT_EXIT_NOTFOUND;
	if (e->code == ERR_NOEXEC)
		return RT_EXIT_NOEXEC;
	return RT_EXIT_INTERNAL;
}

int
rt_status_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return RT_EXIT_INTERNAL;
}

/* user.c - users and groups of a container rootfs, resolved as Docker does */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "io.h"
#include "user.h"

enum {
	SYSNR_OPENAT2 = 437,		/* the same on every architecture */
	RES_NO_MAGICLINKS = 0x02,	/* linux/openat2.h RESOLVE_* */
	RES_IN_ROOT = 0x10,
	OPENAT2_TRIES = 16,		/* EAGAIN: a rename raced a lookup */
	PW_FIELDS = 7,
	GR_FIELDS = 4,
	NAME_SHOW = 128,		/* bytes of a name quoted in errors */
};

/* struct open_how of linux/openat2.h */
struct how {
	uint64_t flags, mode, resolve;
};

struct field {
	const char *p;
	size_t n;
};

/* Cut the next line of [*p, end) into *line and *len, blanks trimmed; 0 at
 * the end of the text. */
static int
next_line(const char **p, const char *end, const char **line, size_t *len)
{
	const char *s = *p, *nl, *t;

	if (s >= end)
		return 0;
	nl = memchr(s, '\n', end - s);
	t = nl ? nl : end;
	*p = nl ? nl + 1 : end;
	while (s < t && (*s == ' ' || *s == '\t' || *s == '\r'))
		s++;
	while (t > s && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\r'))
		t--;
	*line = s;
	*len = t - s;
	return 1;
}

/* A line worth splitting: not empty, a comment, NIS, or holding a NUL. */
static int
usable(const char *line, size_t len)
{
	return len && *line != '#' && *line != '+' && *line != '-' &&
	    !memchr(line, '\0', len);
}

/* Split at ':' into at most `max` fields; returns the count. */
static size_t
split(const char *line, size_t len, struct field *f, size_t max)
{
	const char *end = line + len, *c;
	size_t nf = 0;

	while (nf < max) {
		c = memchr(line, ':', end - line);
		f[nf].p = line;
		f[nf].n = c ? (size_t)(c - line) : (size_t)(end - line);
		nf++;
		if (!c)
			break;
		line = c + 1;
	}
	return nf;
}

/* Decimal digits only, fitting in uint32_t. */
static int
parse_u32(const char *s, size_t n, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!n || n > 10)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* Make room for one more element of `size` bytes in *arr. */
static int
grow(void **arr, size_t *cap, size_t n, size_t size, struct err *e)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(*arr, ncap * size);
	if (!p)
		return err_sys(e, "user database");
	*arr = p;
	*cap = ncap;
	return 0;
}

static void
free_passwd(struct user_db *db)
{
	size_t i;

	for (i = 0; i < db->npw; i++) {
		free(db->pw[i].name);
		free(db->pw[i].home);
	}
	free(db->pw);
	db->pw = NULL;
	db->npw = 0;
}

static void
free_groups(struct user_db *db)
{
	size_t i, j;

	for (i = 0; i < db->ngr; i++) {
		free(db->gr[i].name);
		for (j = 0; j < db->gr[i].nmembers; j++)
			free(db->gr[i].members[j]);
		free(db->gr[i].members);
	}
	free(db->gr);
	db->gr = NULL;
	db->ngr = 0;
}

int
user_parse_passwd(const char *buf, size_t len, struct user_db *db,
    struct err *e)
{
	const char *p = buf ? buf : "", *end = p + (buf ? len : 0), *line;
	struct field f[PW_FIELDS];
	struct user_passwd *u;
	size_t llen, nf, cap = 0;
	uint32_t uid, gid;

	free_passwd(db);
	while (next_line(&p, end, &line, &llen)) {
		if (!usable(line, llen))
			continue;
		nf = split(line, llen, f, PW_FIELDS);
		if (nf < 4 || !f[0].n || parse_u32(f[2].p, f[2].n, &uid) < 0 ||
		    parse_u32(f[3].p, f[3].n, &gid) < 0 ||
		    (nf > 5 && f[5].n >= PATH_MAX))
			continue;
		if (grow((void **)&db->pw, &cap, db->npw, sizeof(*db->pw),
		    e) < 0)
			goto fail;
		u = &db->pw[db->npw];
		u->uid = uid;
		u->gid = gid;
		u->name = strndup(f[0].p, f[0].n);
		u->home = strndup(nf > 5 ? f[5].p : "", nf > 5 ? f[5].n : 0);
		db->npw++;
		if (!u->name || !u->home) {
			err_sys(e, "user database");
			goto fail;
		}
	}
	return 0;
fail:
	free_passwd(db);
	return -1;
}

/* Split the member list `f` into g->members. */
static int
parse_members(const struct field *f, struct user_group *g, struct err *e)
{
	const char *s = f->p, *end = f->p + f->n, *c;
	size_t n, cap = 0;

	while (s < end) {
		c = memchr(s, ',', end - s);
		n = c ? (size_t)(c - s) : (size_t)(end - s);
		if (n) {
			if (grow((void **)&g->members, &cap, g->nmembers,
			    sizeof(*g->members), e) < 0)
				return -1;
			g->members[g->nmembers] = strndup(s, n);
			if (!g->members[g->nmembers])
				return err_sys(e, "user database");
			g->nmembers++;
		}
		s = c ? c + 1 : end;
	}
	return 0;
}

int
user_parse_group(const char *buf, size_t len, struct user_db *db,
    struct err *e)
{
	const char *p = buf ? buf : "", *end = p + (buf ? len : 0), *line;
	struct field f[GR_FIELDS];
	struct user_group *g;
	size_t llen, nf, cap = 0;
	uint32_t gid;

	free_groups(db);
	while (next_line(&p, end, &line, &llen)) {
		if (!usable(line, llen))
			continue;
		nf = split(line, llen, f, GR_FIELDS);
		if (nf < 3 || !f[0].n || parse_u32(f[2].p, f[2].n, &gid) < 0)
			continue;
		if (grow((void **)&db->gr, &cap, db->ngr, sizeof(*db->gr),
		    e) < 0)
			goto fail;
		g = &db->gr[db->ngr++];
		memset(g, 0, sizeof(*g));
		g->gid = gid;
		g->name = strndup(f[0].p, f[0].n);
		if (!g->name) {
			err_sys(e, "user database");
			goto fail;
		}
		if (nf > 3 && parse_members(&f[3], g, e) < 0)
			goto fail;
	}
	return 0;
fail:
	free_groups(db);
	return -1;
}

void
user_db_free(struct user_db *db)
{
	free_passwd(db);
	free_groups(db);
}

/* A spec part that is all digits: 1 and *id set (or *range 1 beyond
 * USER_ID_MAX); 0 for a name. */
static int
numeric(const char *s, uint32_t *id, int *range)
{
	uint64_t v = 0;
	size_t i;

	*range = 0;
	if (!*s)
		return 0;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		if (v <= USER_ID_MAX)
			v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > USER_ID_MAX)
		*range = 1;
	else
		*id = (uint32_t)v;
	return 1;
}

static int
range_error(struct err *e)
{
	return err_set(e, ERR_USAGE, "uids and gids must be in range 0-%d",
	    USER_ID_MAX);
}

/* Append `gid` to out->gids unless present (room is reserved). */
static void
add_gid(struct user_ids *out, uint32_t gid)
{
	size_t i;

	for (i = 0; i < out->ngids; i++)
		if (out->gids[i] == gid)
			return;
	out->gids[out->ngids++] = gid;
}

/* The first group named `name` or whose gid reads as `name`. */
static const struct user_group *
find_group(const struct user_db *db, const char *name, int by_gid_text)
{
	char num[16];
	size_t i;

	for (i = 0; i < db->ngr; i++) {
		if (strcmp(db->gr[i].name, name) == 0)
			return &db->gr[i];
		if (!by_gid_text)
			continue;
		snprintf(num, sizeof(num), "%u", (unsigned)db->gr[i].gid);
		if (strcmp(num, name) == 0)
			return &db->gr[i];
	}
	return NULL;
}

/* Supplementary groups and extras into out->gids. */
static int
add_groups(const struct user_db *db, const char *member, char *const *extra,
    size_t nextra, struct user_ids *out, struct err *e)
{
	const struct user_group *g;
	size_t i, j, max = 1 + nextra;
	uint32_t id;
	int range;

	if (member)
		max += db->ngr;
	out->gids = calloc(max, sizeof(*out->gids));
	if (!out->gids)
		return err_sys(e, "groups");
	add_gid(out, out->gid);
	for (i = 0; member && i < db->ngr; i++)
		for (j = 0; j < db->gr[i].nmembers; j++)
			if (strcmp(db->gr[i].members[j], member) == 0) {
				add_gid(out, db->gr[i].gid);
				break;
			}
	for (i = 0; i < nextra; i++) {
		g = find_group(db, extra[i] ? extra[i] : "", 1);
		if (g) {
			add_gid(out, g->gid);
			continue;
		}
		if (!extra[i] || !numeric(extra[i], &id, &range))
			return err_set(e, ERR_NOTFOUND, "unable to find group "
			    "%.*s: no matching entries in group file",
			    NAME_SHOW, extra[i] ? extra[i] : "");
		if (range)
			return range_error(e);
		add_gid(out, id);
	}
	return 0;
}

int
user_lookup(const struct user_db *db, const char *spec,
    char *const *extra, size_t nextra, struct user_ids *out,
    struct err *e)
{
	const struct user_passwd *pw = NULL;
	const struct user_group *g;
	char *user = NULL, *group = NULL, *c;
	uint32_t uid = 0, gid = 0;
	int unum, urange, gnum, grange, ret = -1;
	size_t i;

	memset(out, 0, sizeof(*out));
	user = strdup(spec ? spec : "");
	if (!user) {
		err_sys(e, "user");
		goto out;
	}
	c = strchr(user, ':');
	if (c) {
		*c = '\0';
		group = c + 1;
		c = strchr(group, ':');
		if (c)
			*c = '\0';
	}
	unum = numeric(user, &uid, &urange);
	for (i = 0; i < db->npw && !pw; i++)
		if (*user ? (unum ? !urange && db->pw[i].uid == uid :
		    strcmp(db->pw[i].name, user) == 0) : db->pw[i].uid == 0)
			pw = &db->pw[i];
	if (pw) {
		out->uid = pw->uid;
		out->gid = pw->gid;
		snprintf(out->home, sizeof(out->home), "%s",
		    *pw->home ? pw->home : "/");
	} else {
		snprintf(out->home, sizeof(out->home), "/");
		if (*user && !unum) {
			err_set(e, ERR_NOTFOUND, "unable to find user %.*s: "
			    "no matching entries in passwd file", NAME_SHOW,
			    user);
			goto out;
		}
		if (urange) {
			range_error(e);
			goto out;
		}
		out->uid = uid;
	}
	if (group && *group) {
		gnum = numeric(group, &gid, &grange);
		g = NULL;
		for (i = 0; i < db->ngr && !g; i++)
			if (gnum ? !grange && db->gr[i].gid == gid :
			    strcmp(db->gr[i].name, group) == 0)
				g = &db->gr[i];
		if (g) {
			out->gid = g->gid;
		} else if (!gnum) {
			err_set(e, ERR_NOTFOUND, "unable to find group %.*s: "
			    "no matching entries in group file", NAME_SHOW,
			    group);
			goto out;
		} else if (grange) {
			range_error(e);
			goto out;
		} else {
			out->gid = gid;
		}
	}
	if (add_groups(db, pw && !(group && *group) ? pw->name : NULL,
	    extra, nextra, out, e) < 0)
		goto out;
	ret = 0;
out:
	free(user);
	if (ret < 0)
		user_ids_free(out);
	return ret;
}

/* Open etc/NAME beneath `rootfd` for reading: an fd, -2 when it is absent
 * (or not safely reachable), -1 on other errors (errno set). */
static int
open_etc(int rootfd, const char *name)
{
	struct how h = { O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0,
	    RES_IN_ROOT | RES_NO_MAGICLINKS };
	char path[32];
	long fd = -1;
	int i, dfd;

	snprintf(path, sizeof(path), "etc/%s", name);
	for (i = 0; i < OPENAT2_TRIES; i++) {
		fd = syscall(SYSNR_OPENAT2, rootfd, path, &h, sizeof(h));
		if (fd >= 0 || (errno != EAGAIN && errno != EINTR))
			break;
	}
	if (fd >= 0)
		return (int)fd;
	if (errno != ENOSYS && errno != EPERM) {
		/* EPERM: a seccomp filter that does not know openat2 */
		if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP ||
		    errno == EXDEV)
			return -2;
		return -1;
	}
	dfd = openat(rootfd, "etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ?
		    -2 : -1;
	fd = openat(dfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW |
	    O_CLOEXEC);
	i = errno;
	close(dfd);
	errno = i;
	if (fd < 0)
		return errno == ENOENT || errno == ELOOP ? -2 : -1;
	return (int)fd;
}

/* Read etc/NAME beneath `rootfd` into a heap buffer (*buf NULL, *len 0
 * when absent). */
static int
read_etc(int rootfd, const char *name, char **buf, size_t *len,
    struct err *e)
{
	struct stat st;
	char label[64];
	int fd, ret = -1;

	*buf = NULL;
	*len = 0;
	fd = open_etc(rootfd, name);
	if (fd == -2)
		return 0;
	if (fd < 0)
		return err_sys(e, "etc/%s", name);
	if (fstat(fd, &st) < 0) {
		err_sys(e, "etc/%s", name);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = 0;	/* a directory or device: no entries */
		goto out;
	}
	snprintf(label, sizeof(label), "etc/%s", name);
	*buf = io_read_fd(fd, label, USER_FILE_MAX, len, e);
	ret = *buf ? 0 : -1;
out:
	close(fd);
	return ret;
}

int
user_resolve(int rootfd, const char *spec, char *const *extra,
    size_t nextra, struct user_ids *out, struct err *e)
{
	struct user_db db = { 0 };
	char *pw = NULL, *gr = NULL;
	size_t pwlen, grlen;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (read_etc(rootfd, "passwd", &pw, &pwlen, e) < 0 ||
	    read_etc(rootfd, "group", &gr, &grlen, e) < 0 ||
	    user_parse_passwd(pw, pwlen, &db, e) < 0 ||
	    user_parse_group(gr, grlen, &db, e) < 0)
		goto out;
	ret = user_lookup(&db, spec, extra, nextra, out, e);
out:
	user_db_free(&db);
	free(pw);
	free(gr);
	return ret;
}

void
user_ids_free(struct user_ids *u)
{
	free(u->gids);
	memset(u, 0, sizeof(*u));
}

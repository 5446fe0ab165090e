/* network.c - bridge networks, IPAM, container veths, hosts and resolv */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "io.h"
#include "json.h"
#include "netlink.h"
#include "network.h"
#include "nft.h"
#include "ports.h"
#include "sha256.h"

enum {
	FILE_MAX = 1 << 20,	/* network and IPAM files */
	HOSTS_MAX = 1 << 16,	/* a container's hosts file */
	LEASES_MAX = 1 << 16,	/* addresses per network */
	POOL_FIRST = 78,	/* user networks: 10.78.0.0/16 ... */
	POOL_LAST = 254,
};

static const char peers_marker[] = "# rocker: other containers on ";

/* --- small helpers --------------------------------------------------- */

static uint32_t
mask_of(int prefix)
{
	return prefix ? htonl(~0u << (32 - prefix)) : 0;
}

void
net_ip_text(uint32_t ip, char *buf, size_t len)
{
	struct in_addr a;

	a.s_addr = ip;
	if (!inet_ntop(AF_INET, &a, buf, (socklen_t)len) && len)
		buf[0] = '\0';
}

void
net_subnet_text(const struct net_def *d, char *buf, size_t len)
{
	char ip[NET_IP_MAX];

	net_ip_text(d->subnet, ip, sizeof(ip));
	snprintf(buf, len, "%s/%d", ip, d->prefix);
}

int
net_parse_cidr(const char *s, uint32_t *subnet, int *prefix, struct err *e)
{
	char ip[NET_IP_MAX], *end;
	const char *slash = strchr(s, '/');
	struct in_addr a;
	long n;

	if (!slash || (size_t)(slash - s) >= sizeof(ip))
		return err_set(e, ERR_USAGE, "invalid subnet %s: want "
		    "a.b.c.d/n", s);
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = '\0';
	n = strtol(slash + 1, &end, 10);
	if (inet_pton(AF_INET, ip, &a) != 1 || *end || end == slash + 1 ||
	    n < 8 || n > 30)
		return err_set(e, ERR_USAGE, "invalid subnet %s: want "
		    "a.b.c.d/n with n from 8 to 30", s);
	*prefix = (int)n;
	*subnet = a.s_addr & mask_of(*prefix);
	return 0;
}

static int
in_subnet(const struct net_def *d, uint32_t ip)
{
	return (ip & mask_of(d->prefix)) == d->subnet;
}

static int
overlaps(uint32_t a, int pa, uint32_t b, int pb)
{
	int p = pa < pb ? pa : pb;

	return (a & mask_of(p)) == (b & mask_of(p));
}

static int
valid_net_name(const char *s)
{
	const char *p;

	if (!*s || strlen(s) > NET_NAME_MAX)
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || (p != s && strchr("_.-", *p))))
			return 0;
	return 1;
}

static void
nets_dir(const struct config *cfg, char *buf, size_t len)
{
	io_pathf(buf, len, "%s/networks", cfg->state);
}

/* Take the networks lock (creating the directory). Returns the fd. */
static int
net_lock(const struct config *cfg, struct err *e)
{
	char path[PATH_MAX];
	int fd;

	io_pathf(path, sizeof(path), "%s", cfg->state);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return err_sys(e, "mkdir %s", path);
	nets_dir(cfg, path, sizeof(path));
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return err_sys(e, "mkdir %s", path);
	io_pathf(path, sizeof(path), "%s/networks/.lock", cfg->state);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_sys(e, "open %s", path);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			err_sys(e, "lock %s", path);
			close(fd);
			return -1;
		}
	}
	return fd;
}

static void
net_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* Write `path` atomically (tmp + rename). */
static int
write_file(const char *path, const char *buf, size_t len, struct err *e)
{
	char tmp[PATH_MAX];
	int fd;

	if (io_pathf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) < 0)
		return err_set(e, ENAMETOOLONG, "path too long: %s", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_sys(e, "create %s", tmp);
	if (io_write_all(fd, buf, len, e) < 0) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		err_sys(e, "rename %s", tmp);
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Rewrite a bind-mounted file in place: the mount pins its inode. */
static int
rewrite_in_place(const char *path, const char *buf, size_t len,
    struct err *e)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return err_sys(e, "open %s", path);
	if (io_write_all(fd, buf, len, e) < 0 || ftruncate(fd, (off_t)len) <
	    0) {
		if (!e->code)
			err_sys(e, "truncate %s", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* --- network definitions --------------------------------------------- */

static int
default_def(const struct config *cfg, struct net_def *d, struct err *e)
{
	unsigned char dg[SHA256_LEN];
	char seed[64];

	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "bridge");
	snprintf(d->bridge, sizeof(d->bridge), "%s", cfg->bridge);
	if (net_parse_cidr(cfg->subnet, &d->subnet, &d->prefix, e) < 0)
		return err_ctx(e, "config bridge-subnet");
	d->gateway = d->subnet | htonl(1);
	snprintf(seed, sizeof(seed), "rocker network bridge %s", d->bridge);
	sha256_buf(seed, strlen(seed), dg);
	sha256_hex(dg, d->id);
	d->is_default = 1;
	return 0;
}

static int
load_def(const struct config *cfg, const char *name, struct net_def *d,
    struct err *e)
{
	char path[PATH_MAX], *buf;
	struct json_value *v;
	const char *s;
	struct in_addr a;
	size_t len;
	int64_t t = 0;

	io_pathf(path, sizeof(path), "%s/networks/%s.json", cfg->state, name);
	buf = io_read_file(path, FILE_MAX, &len, e);
	if (!buf)
		return -1;
	v = json_parse(buf, len, NULL, e);
	free(buf);
	if (!v)
		return err_ctx(e, "%s", path);
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s",
	    json_str(json_get(v, "Name")) ? json_str(json_get(v, "Name")) :
	    "");
	snprintf(d->id, sizeof(d->id), "%s",
	    json_str(json_get(v, "Id")) ? json_str(json_get(v, "Id")) : "");
	snprintf(d->bridge, sizeof(d->bridge), "%s",
	    json_str(json_get(v, "Bridge")) ? json_str(json_get(v,
	    "Bridge")) : "");
	json_int(json_get(v, "Created"), &t, e);
	err_clear(e);
	d->created_ns = t;
	s = json_str(json_get(v, "Subnet"));
	if (!s || net_parse_cidr(s, &d->subnet, &d->prefix, e) < 0) {
		json_free(v);
		return err_set(e, ERR_PARSE, "%s: bad Subnet", path);
	}
	s = json_str(json_get(v, "Gateway"));
	if (!s || inet_pton(AF_INET, s, &a) != 1) {
		json_free(v);
		return err_set(e, ERR_PARSE, "%s: bad Gateway", path);
	}
	d->gateway = a.s_addr;
	json_free(v);
	if (!d->name[0] || !d->bridge[0])
		return err_set(e, ERR_PARSE, "%s: incomplete", path);
	return 0;
}

static int
save_def(const struct config *cfg, const struct net_def *d, struct err *e)
{
	struct json_writer w;
	char path[PATH_MAX], sub[64], gw[NET_IP_MAX], *buf;
	size_t len;
	int r;

	net_subnet_text(d, sub, sizeof(sub));
	net_ip_text(d->gateway, gw, sizeof(gw));
	json_writer_init(&w, 1);
	json_writer_begin_object(&w);
	json_writer_key(&w, "Name");
	json_writer_string(&w, d->name);
	json_writer_key(&w, "Id");
	json_writer_string(&w, d->id);
	json_writer_key(&w, "Bridge");
	json_writer_string(&w, d->bridge);
	json_writer_key(&w, "Subnet");
	json_writer_string(&w, sub);
	json_writer_key(&w, "Gateway");
	json_writer_string(&w, gw);
	json_writer_key(&w, "Created");
	json_writer_int(&w, d->created_ns);
	json_writer_end_object(&w);
	buf = json_writer_finish(&w, &len, e);
	json_writer_free(&w);
	if (!buf)
		return -1;
	io_pathf(path, sizeof(path), "%s/networks/%s.json", cfg->state,
	    d->name);
	r = write_file(path, buf, len, e);
	free(buf);
	return r;
}

static int
cmp_def(const void *a, const void *b)
{
	return strcmp(((const struct net_def *)a)->name,
	    ((const struct net_def *)b)->name);
}

int
net_list(const struct config *cfg, struct net_def **out, size_t *n,
    struct err *e)
{
	struct net_def *v = NULL, *nv;
	char path[PATH_MAX], name[NET_NAME_MAX + 1];
	struct dirent *de;
	size_t cnt = 0, cap = 8, l;
	DIR *dir;

	v = calloc(cap, sizeof(*v));
	if (!v)
		return err_set(e, ENOMEM, "out of memory");
	if (default_def(cfg, &v[cnt], e) < 0) {
		free(v);
		return -1;
	}
	cnt++;
	nets_dir(cfg, path, sizeof(path));
	dir = opendir(path);
	while (dir && (de = readdir(dir))) {
		l = strlen(de->d_name);
		if (l <= 5 || l - 5 > NET_NAME_MAX ||
		    strcmp(de->d_name + l - 5, ".json") != 0 ||
		    de->d_name[0] == '.')
			continue;
		memcpy(name, de->d_name, l - 5);
		name[l - 5] = '\0';
		if (cnt == cap) {
			nv = realloc(v, cap * 2 * sizeof(*v));
			if (!nv) {
				closedir(dir);
				free(v);
				return err_set(e, ENOMEM, "out of memory");
			}
			v = nv;
			cap *= 2;
		}
		if (load_def(cfg, name, &v[cnt], e) < 0) {
			err_clear(e);
			continue;
		}
		cnt++;
	}
	if (dir)
		closedir(dir);
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_def);
	*out = v;
	*n = cnt;
	return 0;
}

int
net_lookup(const struct config *cfg, const char *name, struct net_def *d,
    struct err *e)
{
	struct net_def *all = NULL;
	size_t n = 0, i, hits = 0, at = 0;

	if (strcmp(name, "bridge") == 0 || strcmp(name, "default") == 0)
		return default_def(cfg, d, e);
	if (valid_net_name(name) && load_def(cfg, name, d, e) == 0)
		return 0;
	err_clear(e);
	if (net_list(cfg, &all, &n, e) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (strlen(name) >= 1 && strncmp(all[i].id, name,
		    strlen(name)) == 0) {
			hits++;
			at = i;
		}
	if (hits == 1) {
		*d = all[at];
		free(all);
		return 0;
	}
	free(all);
	return err_set(e, ERR_NOTFOUND, "network %s not found", name);
}

/* --- leases (IPAM) --------------------------------------------------- */

static void
ipam_path(const struct config *cfg, const struct net_def *d, char *buf,
    size_t len)
{
	io_pathf(buf, len, "%s/networks/%s.ipam", cfg->state, d->name);
}

/* Read the leases; called with the lock held (or for a snapshot). */
static int
read_leases(const struct config *cfg, const struct net_def *d,
    struct net_lease **out, size_t *n, struct err *e)
{
	char path[PATH_MAX], *buf, *line, *save = NULL, ip[NET_IP_MAX];
	char id[CTR_ID_LEN + 2];
	struct net_lease *v = NULL, *nv;
	struct in_addr a;
	size_t len, cnt = 0, cap = 0;

	*out = NULL;
	*n = 0;
	ipam_path(cfg, d, path, sizeof(path));
	buf = io_read_file(path, FILE_MAX, &len, e);
	if (!buf) {
		if (e->code == ENOENT) {
			err_clear(e);
			return 0;
		}
		return -1;
	}
	for (line = strtok_r(buf, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%45s %65s", ip, id) != 2 ||
		    strlen(id) != CTR_ID_LEN ||
		    inet_pton(AF_INET, ip, &a) != 1)
			continue;
		if (cnt == cap) {
			if (cap >= LEASES_MAX)
				break;
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				free(buf);
				return err_set(e, ENOMEM, "out of memory");
			}
			v = nv;
		}
		v[cnt].ip = a.s_addr;
		memcpy(v[cnt].ctr, id, CTR_ID_LEN + 1);
		cnt++;
	}
	free(buf);
	*out = v;
	*n = cnt;
	return 0;
}

static int
write_leases(const struct config *cfg, const struct net_def *d,
    const struct net_lease *v, size_t n, struct err *e)
{
	char path[PATH_MAX], ip[NET_IP_MAX], *buf;
	size_t i, used = 0, cap = n * (NET_IP_MAX + CTR_ID_LEN + 2) + 1;
	int r;

	ipam_path(cfg, d, path, sizeof(path));
	if (!n) {
		if (unlink(path) < 0 && errno != ENOENT)
			return err_sys(e, "remove %s", path);
		return 0;
	}
	buf = malloc(cap);
	if (!buf)
		return err_set(e, ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		net_ip_text(v[i].ip, ip, sizeof(ip));
		used += (size_t)snprintf(buf + used, cap - used, "%s %s\n", ip,
		    v[i].ctr);
	}
	r = write_file(path, buf, used, e);
	free(buf);
	return r;
}

int
net_leases(const struct config *cfg, const struct net_def *d,
    struct net_lease **out, size_t *n, struct err *e)
{
	return read_leases(cfg, d, out, n, e);
}

/*
 * Reserve an address for `id` on `d` (lock held): `want` (network order,
 * 0 for any). The lowest free host address above the gateway's... any
 * free one, lowest first; the network, broadcast and gateway addresses
 * are never handed out.
 */
static int
lease_alloc(const struct config *cfg, const struct net_def *d,
    const char *id, uint32_t want, uint32_t *got, struct err *e)
{
	struct net_lease *v = NULL, *nv;
	unsigned char *used = NULL;
	uint32_t size, host, base = ntohl(d->subnet), i;
	size_t n = 0, k;
	char ip[NET_IP_MAX];
	int ret = -1;

	if (read_leases(cfg, d, &v, &n, e) < 0)
		return -1;
	for (k = 0; k < n; k++)
		if (strcmp(v[k].ctr, id) == 0) {	/* already has one */
			*got = v[k].ip;
			free(v);
			return 0;
		}
	size = 1u << (32 - d->prefix);
	used = calloc(size / 8 + 1, 1);
	if (!used) {
		err_set(e, ENOMEM, "out of memory");
		goto out;
	}
	for (k = 0; k < n; k++)
		if (in_subnet(d, v[k].ip)) {
			host = ntohl(v[k].ip) - base;
			used[host / 8] |= (unsigned char)(1u << (host % 8));
		}
	host = ntohl(d->gateway) - base;
	if (in_subnet(d, d->gateway))
		used[host / 8] |= (unsigned char)(1u << (host % 8));
	if (want) {
		net_ip_text(want, ip, sizeof(ip));
		if (!in_subnet(d, want)) {
			err_set(e, ERR_USAGE, "no available IPv4 address on "
			    "network %s: %s is not in its subnet", d->name, ip);
			goto out;
		}
		host = ntohl(want) - base;
		if (host == 0 || host == size - 1 ||
		    (used[host / 8] & (1u << (host % 8)))) {
			err_set(e, ERR_USAGE, "Address already in use: %s on "
			    "network %s", ip, d->name);
			goto out;
		}
	} else {
		for (i = 1; i < size - 1; i++)
			if (!(used[i / 8] & (1u << (i % 8))))
				break;
		if (i >= size - 1) {
			err_set(e, ERR_USAGE, "no available IPv4 address on "
			    "network %s", d->name);
			goto out;
		}
		want = htonl(base + i);
	}
	nv = realloc(v, (n + 1) * sizeof(*v));
	if (!nv) {
		err_set(e, ENOMEM, "out of memory");
		goto out;
	}
	v = nv;
	v[n].ip = want;
	snprintf(v[n].ctr, sizeof(v[n].ctr), "%s", id);
	if (write_leases(cfg, d, v, n + 1, e) < 0)
		goto out;
	*got = want;
	ret = 0;
out:
	free(used);
	free(v);
	return ret;
}

/* Drop every lease of `id` on `d` (lock held). */
static int
lease_release(const struct config *cfg, const struct net_def *d,
    const char *id, struct err *e)
{
	struct net_lease *v = NULL;
	size_t n = 0, i, j = 0;
	int r;

	if (read_leases(cfg, d, &v, &n, e) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (strcmp(v[i].ctr, id) != 0)
			v[j++] = v[i];
	r = j == n ? 0 : write_leases(cfg, d, v, j, e);
	free(v);
	return r;
}

/* --- the bridge ------------------------------------------------------ */

static int
enable_forwarding(int *changed, struct err *e)
{
	const char *path = "/proc/sys/net/ipv4/ip_forward";
	char c = 0;
	int fd;

	*changed = 0;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "open %s", path);
	if (read(fd, &c, 1) == 1 && c == '1') {
		close(fd);
		return 0;
	}
	if (pwrite(fd, "1\n", 2, 0) != 2) {
		err_sys(e, "enable %s", path);
		close(fd);
		return -1;
	}
	close(fd);
	*changed = 1;
	return 0;
}

int
net_bridge_ensure(const struct net_def *d, struct net_report *rep,
    struct err *e)
{
	struct net_report dummy;
	struct nl_sock s;
	struct nl_addr *addrs = NULL;
	size_t n = 0, i;
	int idx, has = 0, ret = -1;

	if (!rep)
		rep = &dummy;
	memset(rep, 0, sizeof(*rep));
	if (nl_open(&s, NETLINK_ROUTE, e) < 0)
		return -1;
	idx = nl_link_index(&s, d->bridge, e);
	if (idx < 0)
		goto out;
	if (idx == 0) {
		if (nl_bridge_add(&s, d->bridge, e) < 0) {
			if (e->code != EEXIST)
				goto out;
			err_clear(e);
		} else {
			rep->bridge_created = 1;
		}
		idx = nl_link_index(&s, d->bridge, e);
		if (idx <= 0) {
			if (idx == 0)
				err_set(e, ENODEV, "bridge %s vanished",
				    d->bridge);
			goto out;
		}
	}
	if (nl_addr_list(&s, AF_INET, &addrs, &n, e) < 0)
		goto out;
	for (i = 0; i < n; i++)
		if (addrs[i].index == idx && memcmp(addrs[i].addr,
		    &d->gateway, 4) == 0)
			has = 1;
	if (!has && nl_addr_change(&s, 1, idx, AF_INET, &d->gateway,
	    d->prefix, e) < 0) {
		if (e->code != EEXIST)
			goto out;
		err_clear(e);
	}
	if (nl_link_set_up(&s, idx, 1, e) < 0)
		goto out;
	if (nft_masq_ensure(d->bridge, d->subnet, d->prefix, e) < 0) {
		rep->masq_failed = 1;
		snprintf(rep->masq_error, sizeof(rep->masq_error), "%s",
		    e->msg);
		err_clear(e);
	}
	if (enable_forwarding(&rep->forward_enabled, e) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		err_ctx(e, "bridge %s", d->bridge);
	free(addrs);
	nl_close(&s);
	return ret;
}

/* Delete link `name` if it exists. */
static int
link_delete(const char *name, struct err *e)
{
	struct nl_sock s;
	int idx, r = 0;

	if (nl_open(&s, NETLINK_ROUTE, e) < 0)
		return -1;
	idx = nl_link_index(&s, name, e);
	if (idx < 0)
		r = -1;
	else if (idx > 0 && nl_link_del(&s, idx, e) < 0) {
		if (e->code == ENODEV)
			err_clear(e);
		else
			r = -1;
	}
	nl_close(&s);
	return r;
}

/* --- user networks --------------------------------------------------- */

/* Does `subnet`/`prefix` clash with an address or route of the host? */
static int
host_overlap(uint32_t subnet, int prefix)
{
	struct err e = ERR_INIT;
	struct nl_sock s;
	struct nl_addr *a = NULL;
	struct nl_route *r = NULL;
	size_t na = 0, nr = 0, i;
	uint32_t x;
	int hit = 0;

	if (nl_open(&s, NETLINK_ROUTE, &e) < 0)
		return 0;
	if (nl_addr_list(&s, AF_INET, &a, &na, &e) == 0)
		for (i = 0; i < na; i++) {
			memcpy(&x, a[i].addr, 4);
			if (overlaps(x, a[i].prefix, subnet, prefix))
				hit = 1;
		}
	if (nl_route_list(&s, AF_INET, &r, &nr, &e) == 0)
		for (i = 0; i < nr; i++) {
			if (r[i].dst_len == 0 || r[i].table != RT_TABLE_MAIN)
				continue;
			memcpy(&x, r[i].dst, 4);
			if (overlaps(x, r[i].dst_len, subnet, prefix))
				hit = 1;
		}
	free(a);
	free(r);
	nl_close(&s);
	return hit;
}

int
net_create(const struct config *cfg, const char *name, const char *subnet,
    const char *gateway, struct net_def *d, struct err *e)
{
	struct net_def *all = NULL;
	unsigned char rnd[NET_ID_LEN / 2];
	struct in_addr a;
	size_t n = 0, i, k;
	int lock, ret = -1, o;
	uint32_t bcast;

	if (strcmp(name, "bridge") == 0 || strcmp(name, "host") == 0 ||
	    strcmp(name, "none") == 0 || strcmp(name, "default") == 0)
		return err_set(e, ERR_USAGE, "operation is not permitted on "
		    "predefined %s network", name);
	if (!valid_net_name(name))
		return err_set(e, ERR_USAGE, "invalid network name \"%s\": "
		    "only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name);
	lock = net_lock(cfg, e);
	if (lock < 0)
		return -1;
	if (net_list(cfg, &all, &n, e) < 0)
		goto out;
	for (i = 0; i < n; i++)
		if (strcmp(all[i].name, name) == 0) {
			err_set(e, ERR_USAGE, "network with name %s already "
			    "exists", name);
			goto out;
		}
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	if (subnet) {
		if (net_parse_cidr(subnet, &d->subnet, &d->prefix, e) < 0)
			goto out;
		for (i = 0; i < n; i++)
			if (overlaps(all[i].subnet, all[i].prefix, d->subnet,
			    d->prefix)) {
				err_set(e, ERR_USAGE, "invalid pool request: "
				    "Pool overlaps with other one on this "
				    "address space (network %s)",
				    all[i].name);
				goto out;
			}
	} else {
		for (o = POOL_FIRST; o <= POOL_LAST; o++) {
			d->subnet = htonl(10u << 24 | (uint32_t)o << 16);
			d->prefix = 16;
			for (k = 0; k < n; k++)
				if (overlaps(all[k].subnet, all[k].prefix,
				    d->subnet, d->prefix))
					break;
			if (k == n && !host_overlap(d->subnet, d->prefix))
				break;
		}
		if (o > POOL_LAST) {
			err_set(e, ERR_USAGE, "could not find an available, "
			    "non-overlapping IPv4 address pool among the "
			    "defaults to assign to the network");
			goto out;
		}
	}
	bcast = d->subnet | ~mask_of(d->prefix);
	if (gateway) {
		if (inet_pton(AF_INET, gateway, &a) != 1) {
			err_set(e, ERR_USAGE, "invalid gateway %s", gateway);
			goto out;
		}
		d->gateway = a.s_addr;
		if (!in_subnet(d, d->gateway) || d->gateway == d->subnet ||
		    d->gateway == bcast) {
			err_set(e, ERR_USAGE, "gateway %s is not a host "
			    "address of subnet %s", gateway, subnet ? subnet :
			    "(picked)");
			goto out;
		}
	} else {
		d->gateway = d->subnet | htonl(1);
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		err_sys(e, "getrandom");
		goto out;
	}
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(d->id + 2 * i, 3, "%02x", rnd[i]);
	snprintf(d->bridge, sizeof(d->bridge), "rk-%.12s", d->id);
	d->created_ns = ctr_now_ns();
	if (save_def(cfg, d, e) < 0)
		goto out;
	if (net_bridge_ensure(d, NULL, e) < 0) {
		char path[PATH_MAX];

		io_pathf(path, sizeof(path), "%s/networks/%s.json",
		    cfg->state, d->name);
		unlink(path);
		goto out;
	}
	ret = 0;
out:
	free(all);
	net_unlock(lock);
	return ret;
}

int
net_remove(const struct config *cfg, const char *name, struct err *e)
{
	struct net_def d;
	struct net_lease *v = NULL;
	char path[PATH_MAX];
	size_t n = 0;
	int lock, ret = -1;

	if (strcmp(name, "bridge") == 0 || strcmp(name, "host") == 0 ||
	    strcmp(name, "none") == 0)
		return err_set(e, ERR_USAGE, "%s is a pre-defined network and "
		    "cannot be removed", name);
	lock = net_lock(cfg, e);
	if (lock < 0)
		return -1;
	if (net_lookup(cfg, name, &d, e) < 0)
		goto out;
	if (d.is_default) {
		err_set(e, ERR_USAGE, "%s is a pre-defined network and "
		    "cannot be removed", name);
		goto out;
	}
	if (read_leases(cfg, &d, &v, &n, e) < 0)
		goto out;
	if (n) {
		err_set(e, ERR_USAGE, "error while removing network: network "
		    "%s id %s has active endpoints", d.name, d.id);
		goto out;
	}
	if (link_delete(d.bridge, e) < 0)
		goto out;
	if (nft_masq_remove(d.bridge, e) < 0)
		err_clear(e);	/* no nf_tables: nothing was there */
	io_pathf(path, sizeof(path), "%s/networks/%s.ipam", cfg->state,
	    d.name);
	unlink(path);
	io_pathf(path, sizeof(path), "%s/networks/%s.json", cfg->state,
	    d.name);
	if (unlink(path) < 0) {
		err_sys(e, "remove %s", path);
		goto out;
	}
	ret = 0;
out:
	free(v);
	net_unlock(lock);
	return ret;
}

/* --- a container's record -------------------------------------------- */

void
net_veth_name(const char *id, char *buf, size_t len)
{
	snprintf(buf, len, "rk%.12s", id);
}

static const char *
mode_name(enum net_mode m)
{
	return m == NET_MODE_HOST ? "host" : m == NET_MODE_BRIDGE ? "bridge" :
	    m == NET_MODE_CONTAINER ? "container" : "none";
}

static int
save_ctr(struct ctr *c, const struct net_ctr *nc, struct err *e)
{
	struct json_writer w;
	char ip[NET_IP_MAX], *buf;
	size_t len;
	int r;

	/* No file is what net_ctr_load() reads as --network none. */
	if (nc->mode == NET_MODE_NONE && strcmp(nc->network, "none") == 0)
		return 0;
	json_writer_init(&w, 1);
	json_writer_begin_object(&w);
	json_writer_key(&w, "Mode");
	json_writer_string(&w, mode_name(nc->mode));
	json_writer_key(&w, "Network");
	json_writer_string(&w, nc->network);
	if (nc->mode == NET_MODE_CONTAINER) {
		json_writer_key(&w, "Container");
		json_writer_string(&w, nc->peer_id);
	}
	if (nc->mode == NET_MODE_BRIDGE) {
		json_writer_key(&w, "NetworkID");
		json_writer_string(&w, nc->def.id);
		json_writer_key(&w, "Bridge");
		json_writer_string(&w, nc->def.bridge);
		net_ip_text(nc->ip, ip, sizeof(ip));
		json_writer_key(&w, "IPAddress");
		json_writer_string(&w, ip);
		json_writer_key(&w, "IPPrefixLen");
		json_writer_int(&w, nc->def.prefix);
		net_ip_text(nc->def.gateway, ip, sizeof(ip));
		json_writer_key(&w, "Gateway");
		json_writer_string(&w, ip);
		json_writer_key(&w, "Subnet");
		net_subnet_text(&nc->def, ip, sizeof(ip));
		json_writer_string(&w, ip);
		json_writer_key(&w, "HostVeth");
		json_writer_string(&w, nc->host_veth);
	}
	json_writer_end_object(&w);
	buf = json_writer_finish(&w, &len, e);
	json_writer_free(&w);
	if (!buf)
		return -1;
	r = ctr_write_file(c, "network.json", buf, len, 0644, e);
	free(buf);
	return r;
}

int
net_ctr_load(const struct ctr *c, struct net_ctr *nc, struct err *e)
{
	char path[PATH_MAX], *buf;
	struct json_value *v;
	const char *s;
	struct in_addr a;
	size_t len;

	memset(nc, 0, sizeof(*nc));
	nc->mode = NET_MODE_NONE;
	io_pathf(path, sizeof(path), "%s/network.json", c->dir);
	buf = io_read_file(path, FILE_MAX, &len, e);
	if (!buf) {
		if (e->code == ENOENT) {
			err_clear(e);
			snprintf(nc->network, sizeof(nc->network), "none");
			return 0;
		}
		return -1;
	}
	v = json_parse(buf, len, NULL, e);
	free(buf);
	if (!v)
		return err_ctx(e, "%s", path);
	s = json_str(json_get(v, "Mode"));
	if (s && strcmp(s, "host") == 0)
		nc->mode = NET_MODE_HOST;
	else if (s && strcmp(s, "bridge") == 0)
		nc->mode = NET_MODE_BRIDGE;
	else if (s && strcmp(s, "container") == 0)
		nc->mode = NET_MODE_CONTAINER;
	s = json_str(json_get(v, "Network"));
	snprintf(nc->network, sizeof(nc->network), "%s", s ? s : "none");
	s = json_str(json_get(v, "Container"));
	snprintf(nc->peer_id, sizeof(nc->peer_id), "%s", s ? s : "");
	if (nc->mode == NET_MODE_BRIDGE) {
		struct net_def *d = &nc->def;

		snprintf(d->name, sizeof(d->name), "%.64s", nc->network);
		d->is_default = strcmp(nc->network, "bridge") == 0;
		s = json_str(json_get(v, "NetworkID"));
		snprintf(d->id, sizeof(d->id), "%s", s ? s : "");
		s = json_str(json_get(v, "Bridge"));
		snprintf(d->bridge, sizeof(d->bridge), "%s", s ? s : "");
		s = json_str(json_get(v, "HostVeth"));
		snprintf(nc->host_veth, sizeof(nc->host_veth), "%s",
		    s ? s : "");
		s = json_str(json_get(v, "Subnet"));
		if (!s || net_parse_cidr(s, &d->subnet, &d->prefix, e) < 0)
			goto bad;
		s = json_str(json_get(v, "Gateway"));
		if (!s || inet_pton(AF_INET, s, &a) != 1)
			goto bad;
		d->gateway = a.s_addr;
		s = json_str(json_get(v, "IPAddress"));
		if (!s || inet_pton(AF_INET, s, &a) != 1)
			goto bad;
		nc->ip = a.s_addr;
	}
	json_free(v);
	return 0;
bad:
	json_free(v);
	return err_set(e, ERR_PARSE, "%s: incomplete bridge attachment",
	    path);
}

int
net_ctr_create(const struct config *cfg, struct ctr *c,
    const struct net_opts *o, struct net_ctr *nc, struct err *e)
{
	const char *net = o->network ? o->network : "bridge";
	struct in_addr a;
	uint32_t want = 0;
	int lock;

	memset(nc, 0, sizeof(*nc));
	snprintf(nc->network, sizeof(nc->network), "%s", net);
	if (strcmp(net, "none") == 0) {
		nc->mode = NET_MODE_NONE;
	} else if (strcmp(net, "host") == 0) {
		nc->mode = NET_MODE_HOST;
	} else if (strncmp(net, "container:", 10) == 0) {
		struct ctr peer;

		nc->mode = NET_MODE_CONTAINER;
		if (ctr_open(cfg->state, net + 10, &peer, e) < 0)
			return -1;
		if (peer.st.status != CTR_RUNNING || peer.st.pid <= 0 ||
		    peer.st.monitor_lost) {
			err_set(e, ERR_USAGE, "cannot join network namespace "
			    "of a non running container: %s", net + 10);
			ctr_close(&peer);
			return -1;
		}
		snprintf(nc->netns_path, sizeof(nc->netns_path),
		    "/proc/%ld/ns/net", (long)peer.st.pid);
		snprintf(nc->peer_id, sizeof(nc->peer_id), "%s", peer.id);
		snprintf(nc->network, sizeof(nc->network), "container:%s",
		    peer.id);
		ctr_close(&peer);
	} else {
		nc->mode = NET_MODE_BRIDGE;
		if (net_lookup(cfg, net, &nc->def, e) < 0)
			return -1;
		snprintf(nc->network, sizeof(nc->network), "%s",
		    nc->def.name);
	}
	if (nc->mode == NET_MODE_BRIDGE) {
		nc->host_gw = nc->def.gateway;
	} else {
		struct net_def d;

		if (default_def(cfg, &d, e) < 0)
			return -1;
		nc->host_gw = d.gateway;
	}
	if (o->ip && nc->mode != NET_MODE_BRIDGE)
		return err_set(e, ERR_USAGE, "--ip needs a bridge network");
	if (o->ip && nc->def.is_default)
		return err_set(e, ERR_USAGE, "user specified IP address is "
		    "supported on user defined networks only");
	if (o->ip) {
		if (inet_pton(AF_INET, o->ip, &a) != 1)
			return err_set(e, ERR_USAGE, "invalid IPv4 address: "
			    "%s", o->ip);
		want = a.s_addr;
	}
	if (nc->mode == NET_MODE_BRIDGE) {
		lock = net_lock(cfg, e);
		if (lock < 0)
			return -1;
		if (lease_alloc(cfg, &nc->def, c->id, want, &nc->ip, e) < 0) {
			net_unlock(lock);
			return -1;
		}
		net_unlock(lock);
		net_veth_name(c->id, nc->host_veth, sizeof(nc->host_veth));
	}
	if (save_ctr(c, nc, e) < 0) {
		struct err e2 = ERR_INIT;

		net_ctr_remove(cfg, c, &e2);
		return -1;
	}
	return 0;
}

/* --- /etc/hosts and /etc/resolv.conf --------------------------------- */

static int
is_loopback(const char *ip)
{
	return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0;
}

/* A growing text buffer; `bad` is sticky. */
struct text {
	char *p;
	size_t len, cap;
	int bad;
};

static void
addf(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
addf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *np;

	if (t->bad)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? t->cap -
		    t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->bad = 1;
			return;
		}
		if (t->p && (size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		if (t->cap > HOSTS_MAX * 4) {
			t->bad = 1;
			return;
		}
		np = realloc(t->p, t->cap + (size_t)n + 256);
		if (!np) {
			t->bad = 1;
			return;
		}
		t->p = np;
		t->cap += (size_t)n + 256;
	}
}

static int
make_resolv(struct ctr *c, int hostnet, const struct net_opts *o,
    struct err *e)
{
	char *buf = NULL, *line, *save = NULL, ip[128], word[16];
	struct text t;
	size_t len = 0, i;
	int ns = 0, r;
	FILE *f;

	memset(&t, 0, sizeof(t));
	f = fopen("/etc/resolv.conf", "re");
	if (f) {
		buf = malloc(65536);
		if (buf) {
			len = fread(buf, 1, 65535, f);
			buf[len] = '\0';
		}
		fclose(f);
	}
	for (line = buf ? strtok_r(buf, "\n", &save) : NULL; line;
	    line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, " nameserver %127s", ip) == 1) {
			if (o->ndns || (!hostnet && is_loopback(ip)))
				continue;
			ns++;
		} else if (o->ndns_search && sscanf(line, " %15s", word) ==
		    1 && (strcmp(word, "search") == 0 ||
		    strcmp(word, "domain") == 0)) {
			continue;
		}
		addf(&t, "%s\n", line);
	}
	for (i = 0; i < o->ndns; i++, ns++)
		addf(&t, "nameserver %s\n", o->dns[i]);
	if (o->ndns_search && !(o->ndns_search == 1 &&
	    strcmp(o->dns_search[0], ".") == 0)) {
		addf(&t, "search");
		for (i = 0; i < o->ndns_search; i++)
			addf(&t, " %s", o->dns_search[i]);
		addf(&t, "\n");
	}
	if (!ns)
		addf(&t, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
	free(buf);
	if (t.bad) {
		free(t.p);
		return err_set(e, ENOMEM, "resolv.conf: out of memory");
	}
	r = ctr_write_file(c, "resolv.conf", t.p ? t.p : "", t.len, 0644, e);
	free(t.p);
	return r;
}

/* Validate --add-host entries into `t`. */
static int
add_hosts(struct text *t, const struct net_opts *o, uint32_t host_gw,
    struct err *e)
{
	unsigned char tmp[16];
	char name[256], gw[NET_IP_MAX];
	const char *sep, *ip;
	size_t i;

	for (i = 0; i < o->nadd_hosts; i++) {
		sep = strchr(o->add_hosts[i], ':');
		if (!sep)
			sep = strchr(o->add_hosts[i], '=');
		if (!sep || sep == o->add_hosts[i] ||
		    (size_t)(sep - o->add_hosts[i]) >= sizeof(name))
			return err_set(e, ERR_USAGE, "bad format for add-host: "
			    "\"%s\"", o->add_hosts[i]);
		memcpy(name, o->add_hosts[i], (size_t)(sep - o->add_hosts[i]));
		name[sep - o->add_hosts[i]] = '\0';
		ip = sep + 1;
		if (strcmp(ip, "host-gateway") == 0) {
			if (!host_gw)
				return err_set(e, ERR_USAGE, "unable to derive "
				    "the IP value for host-gateway");
			net_ip_text(host_gw, gw, sizeof(gw));
			ip = gw;
		} else if (ip[0] == '[' && ip[strlen(ip) - 1] == ']') {
			return err_set(e, ERR_USAGE, "invalid IP address in "
			    "add-host: \"%s\"", ip);
		} else if (inet_pton(AF_INET, ip, tmp) != 1 &&
		    inet_pton(AF_INET6, ip, tmp) != 1) {
			return err_set(e, ERR_USAGE, "invalid IP address in "
			    "add-host: \"%s\"", ip);
		}
		addf(t, "%s\t%s\n", ip, name);
	}
	return 0;
}

static int
copy_peer_file(struct ctr *c, const struct net_ctr *nc, const char *name,
    struct err *e)
{
	char path[PATH_MAX], *buf;
	size_t len;
	int r;

	io_pathf(path, sizeof(path), "%s/containers/%s/%s", c->state_root,
	    nc->peer_id, name);
	buf = io_read_file(path, HOSTS_MAX, &len, e);
	if (!buf)
		return -1;
	r = ctr_write_file(c, name, buf, len, 0644, e);
	free(buf);
	return r;
}

int
net_ctr_files(struct ctr *c, const struct net_ctr *nc,
    const struct net_opts *o, const char *hostname, struct err *e)
{
	struct text t;
	char ip[NET_IP_MAX], *buf;
	size_t len;
	int r;

	if (nc->mode == NET_MODE_CONTAINER)
		return copy_peer_file(c, nc, "hosts", e) < 0 ||
		    copy_peer_file(c, nc, "resolv.conf", e) < 0 ? -1 : 0;
	if (make_resolv(c, nc->mode == NET_MODE_HOST, o, e) < 0)
		return -1;
	memset(&t, 0, sizeof(t));
	if (nc->mode == NET_MODE_HOST) {
		buf = io_read_file("/etc/hosts", HOSTS_MAX, &len, e);
		if (buf) {
			addf(&t, "%s", buf);
			if (len && buf[len - 1] != '\n')
				addf(&t, "\n");
			free(buf);
		}
		err_clear(e);
	} else {
		addf(&t, "127.0.0.1\tlocalhost\n"
		    "::1\tlocalhost ip6-localhost ip6-loopback\n"
		    "fe00::0\tip6-localnet\n"
		    "ff00::0\tip6-mcastprefix\n"
		    "ff02::1\tip6-allnodes\n"
		    "ff02::2\tip6-allrouters\n");
	}
	if (add_hosts(&t, o, nc->mode == NET_MODE_BRIDGE ? nc->def.gateway :
	    nc->host_gw, e) < 0) {
		free(t.p);
		return -1;
	}
	if (nc->mode == NET_MODE_BRIDGE) {
		net_ip_text(nc->ip, ip, sizeof(ip));
		addf(&t, "%s\t%s\n", ip, hostname);
	} else if (nc->mode == NET_MODE_NONE) {
		addf(&t, "127.0.1.1\t%s\n", hostname);
	}
	if (t.bad) {
		free(t.p);
		return err_set(e, ENOMEM, "hosts: out of memory");
	}
	r = ctr_write_file(c, "hosts", t.p ? t.p : "", t.len, 0644, e);
	free(t.p);
	return r;
}

/* --- peers' hosts files ---------------------------------------------- */

/* Rewrite container `id`'s hosts file: its own part, then `peers`. */
static int
hosts_rewrite(const struct config *cfg, const char *id, const char *net,
    const char *peers, size_t plen, struct err *e)
{
	char path[PATH_MAX], *buf, *cut;
	struct text t;
	size_t len;
	int r;

	io_pathf(path, sizeof(path), "%s/containers/%s/hosts", cfg->state, id);
	buf = io_read_file(path, HOSTS_MAX, &len, e);
	if (!buf)
		return -1;
	cut = strstr(buf, peers_marker);
	if (cut)
		*cut = '\0';
	memset(&t, 0, sizeof(t));
	addf(&t, "%s", buf);
	if (plen)
		addf(&t, "%s%s\n%.*s", peers_marker, net, (int)plen, peers);
	free(buf);
	if (t.bad) {
		free(t.p);
		return err_set(e, ENOMEM, "out of memory");
	}
	r = rewrite_in_place(path, t.p ? t.p : "", t.len, e);
	free(t.p);
	return r;
}

/*
 * Bring the hosts files of the running containers on user network `d` up
 * to date (lock held). `self` is running when `self_up` whatever its
 * record says (it is starting or stopping).
 */
static int
hosts_refresh(const struct config *cfg, const struct net_def *d,
    const struct ctr *self, int self_up, struct err *e)
{
	struct net_lease *v = NULL;
	char (*names)[CTR_NAME_MAX + 1] = NULL, ip[NET_IP_MAX];
	int *up = NULL;
	struct text t;
	struct ctr pc;
	size_t n = 0, i, j;
	int ret = 0;

	if (d->is_default)
		return 0;	/* Docker: no names on the default bridge */
	if (read_leases(cfg, d, &v, &n, e) < 0)
		return -1;
	names = calloc(n + 1, sizeof(*names));
	up = calloc(n + 1, sizeof(*up));
	if (!names || !up) {
		free(v);
		free(names);
		free(up);
		return err_set(e, ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].ctr, self->id) == 0) {
			up[i] = self_up;
			snprintf(names[i], sizeof(names[i]), "%s", self->name);
			continue;
		}
		if (ctr_open(cfg->state, v[i].ctr, &pc, e) < 0) {
			err_clear(e);
			continue;
		}
		up[i] = pc.st.status == CTR_RUNNING && !pc.st.monitor_lost;
		snprintf(names[i], sizeof(names[i]), "%s", pc.name);
		ctr_close(&pc);
	}
	for (i = 0; i < n; i++) {
		if (!up[i])
			continue;
		memset(&t, 0, sizeof(t));
		for (j = 0; j < n; j++) {
			if (j == i || !up[j])
				continue;
			net_ip_text(v[j].ip, ip, sizeof(ip));
			addf(&t, "%s\t%s\n", ip, names[j]);
		}
		if (t.bad) {
			ret = err_set(e, ENOMEM, "out of memory");
		} else if (hosts_rewrite(cfg, v[i].ctr, d->name, t.p, t.len,
		    e) < 0) {
			ret = -1;
		}
		free(t.p);
	}
	free(v);
	free(names);
	free(up);
	return ret;
}

/* --- start, stop, remove --------------------------------------------- */

static int
plug(const struct net_ctr *nc, const char *peer, pid_t pid, struct err *e)
{
	struct nl_sock s, ns;
	unsigned char mac[6];
	char path[64];
	int br, hidx, pidx, eidx, nsfd = -1, ret = -1;

	ns.fd = -1;
	ns.rx = NULL;
	if (nl_open(&s, NETLINK_ROUTE, e) < 0)
		return -1;
	br = nl_link_index(&s, nc->def.bridge, e);
	if (br < 0)
		goto out;
	if (br == 0) {
		nl_close(&s);
		if (net_bridge_ensure(&nc->def, NULL, e) < 0)
			return -1;
		if (nl_open(&s, NETLINK_ROUTE, e) < 0)
			return -1;
		br = nl_link_index(&s, nc->def.bridge, e);
		if (br <= 0) {
			if (!br)
				err_set(e, ENODEV, "no bridge %s",
				    nc->def.bridge);
			goto out;
		}
	}
	/* Leftovers of an earlier start that died half-way (`peer`: the
	 * temporary host-side name older versions gave the container end
	 * before moving it; this one makes it in the container). */
	if ((hidx = nl_link_index(&s, nc->host_veth, e)) > 0)
		nl_link_del(&s, hidx, e);
	if ((pidx = nl_link_index(&s, peer, e)) > 0)
		nl_link_del(&s, pidx, e);
	err_clear(e);
	snprintf(path, sizeof(path), "/proc/%ld/ns/net", (long)pid);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0) {
		err_sys(e, "open %s", path);
		goto out;
	}
	/* Docker's MAC, 02:42 and the IPv4 address: an address handed out
	 * again (IPAM reuses the lowest free one) keeps its MAC, so the
	 * neighbour caches of the host and the other containers stay
	 * right instead of pointing at a veth that is gone. The container's
	 * end is made in its namespace as eth0 (moving a link there would
	 * wait for RCU grace periods). */
	mac[0] = 0x02;
	mac[1] = 0x42;
	memcpy(mac + 2, &nc->ip, 4);
	if (nl_veth_add(&s, nc->host_veth, "eth0", nsfd, mac, e) < 0)
		goto out;
	hidx = nl_link_index(&s, nc->host_veth, e);
	if (hidx <= 0) {
		if (!e->code)
			err_set(e, ENODEV, "veth %s vanished", nc->host_veth);
		goto out;
	}
	if (nl_link_set_master(&s, hidx, br, e) < 0 ||
	    nl_link_set_up(&s, hidx, 1, e) < 0)
		goto out;
	if (nl_open_ns(&ns, NETLINK_ROUTE, nsfd, e) < 0)
		goto out;
	eidx = nl_link_index(&ns, "eth0", e);
	if (eidx <= 0) {
		if (!e->code)
			err_set(e, ENODEV, "no eth0 in the container");
		goto out;
	}
	if (nl_link_set_up(&ns, 1, 1, e) < 0 ||
	    nl_addr_change(&ns, 1, eidx, AF_INET, &nc->ip, nc->def.prefix,
	    e) < 0 ||
	    nl_link_set_up(&ns, eidx, 1, e) < 0 ||
	    nl_route_change(&ns, 1, AF_INET, NULL, 0, &nc->def.gateway, eidx,
	    e) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0) {
		struct err e2 = ERR_INIT;

		/* The pair goes with its host end. */
		if ((hidx = nl_link_index(&s, nc->host_veth, &e2)) > 0)
			nl_link_del(&s, hidx, &e2);
	}
	if (nsfd >= 0)
		close(nsfd);
	if (ns.rx)
		nl_close(&ns);
	nl_close(&s);
	return ret;
}

int
net_ctr_start(const struct config *cfg, struct ctr *c, pid_t pid,
    struct proxy *px, struct err *e)
{
	struct net_ctr nc;
	char peer[NET_IFNAME_MAX];
	int lock, r;

	if (net_ctr_load(c, &nc, e) < 0)
		return -1;
	if (nc.mode != NET_MODE_BRIDGE)
		return 0;
	snprintf(peer, sizeof(peer), "rq%.12s", c->id);
	if (plug(&nc, peer, pid, e) < 0)
		return err_ctx(e, "network %s", nc.network);
	if (px && ports_publish(cfg, c, &nc, px, e) < 0) {
		struct err e2 = ERR_INIT;

		link_delete(nc.host_veth, &e2);
		return -1;
	}
	lock = net_lock(cfg, e);
	if (lock < 0)
		return -1;
	r = hosts_refresh(cfg, &nc.def, c, 1, e);
	net_unlock(lock);
	return r;
}

int
net_ctr_stop(const struct config *cfg, struct ctr *c, struct err *e)
{
	struct net_ctr nc;
	struct err e2 = ERR_INIT;
	int lock, ret = 0, r = 0;

	if (net_ctr_load(c, &nc, e) < 0)
		return -1;
	if (nc.mode != NET_MODE_BRIDGE)
		return 0;
	if (ports_unpublish(c, &e2) < 0) {
		*e = e2;
		ret = -1;
	}
	err_clear(&e2);
	if (nc.host_veth[0] && link_delete(nc.host_veth, &e2) < 0 && !ret) {
		*e = e2;
		ret = -1;
	}
	err_clear(&e2);
	lock = net_lock(cfg, &e2);
	if (lock >= 0) {
		r = hosts_refresh(cfg, &nc.def, c, 0, &e2);
		net_unlock(lock);
	}
	if ((lock < 0 || r < 0) && !ret) {
		*e = e2;
		ret = -1;
	}
	return ret;
}

int
net_ctr_remove(const struct config *cfg, struct ctr *c, struct err *e)
{
	struct net_ctr nc;
	struct err e2 = ERR_INIT;
	int lock, ret = 0;

	if (net_ctr_load(c, &nc, e) < 0)
		return -1;
	if (nc.mode != NET_MODE_BRIDGE)
		return 0;
	if (ports_unpublish(c, &e2) < 0) {
		*e = e2;
		ret = -1;
	}
	err_clear(&e2);
	if (nc.host_veth[0] && link_delete(nc.host_veth, &e2) < 0 && !ret) {
		*e = e2;
		ret = -1;
	}
	lock = net_lock(cfg, e);
	if (lock < 0)
		return -1;
	if (lease_release(cfg, &nc.def, c->id, &e2) < 0 ||
	    hosts_refresh(cfg, &nc.def, c, 0, &e2) < 0) {
		if (!ret)
			*e = e2;
		ret = -1;
	}
	net_unlock(lock);
	return ret;
}

/* --- inspect ----------------------------------------------------------- */

void
net_ctr_inspect(const struct ctr *c, struct json_writer *w)
{
	struct err e = ERR_INIT;
	struct net_ctr nc;
	char ip[NET_IP_MAX], gw[NET_IP_MAX];
	int bridge, dflt;

	if (net_ctr_load(c, &nc, &e) < 0) {
		memset(&nc, 0, sizeof(nc));
		nc.mode = NET_MODE_NONE;
		snprintf(nc.network, sizeof(nc.network), "none");
	}
	bridge = nc.mode == NET_MODE_BRIDGE;
	dflt = bridge && nc.def.is_default;
	ip[0] = gw[0] = '\0';
	if (bridge) {
		net_ip_text(nc.ip, ip, sizeof(ip));
		net_ip_text(nc.def.gateway, gw, sizeof(gw));
	}
	json_writer_begin_object(w);
	json_writer_key(w, "Bridge");
	json_writer_string(w, "");
	json_writer_key(w, "SandboxKey");
	if (c->st.status == CTR_RUNNING && c->st.pid > 0 &&
	    nc.mode != NET_MODE_HOST) {
		char sk[64];

		snprintf(sk, sizeof(sk), "/proc/%ld/ns/net", (long)c->st.pid);
		json_writer_string(w, sk);
	} else {
		json_writer_string(w, "");
	}
	json_writer_key(w, "Ports");
	ports_inspect(c, w);
	json_writer_key(w, "Gateway");
	json_writer_string(w, dflt ? gw : "");
	json_writer_key(w, "IPAddress");
	json_writer_string(w, dflt ? ip : "");
	json_writer_key(w, "IPPrefixLen");
	json_writer_int(w, dflt ? nc.def.prefix : 0);
	json_writer_key(w, "MacAddress");
	json_writer_string(w, "");
	json_writer_key(w, "Networks");
	json_writer_begin_object(w);
	if (nc.mode != NET_MODE_CONTAINER) {
		json_writer_key(w, nc.network);
		json_writer_begin_object(w);
		json_writer_key(w, "NetworkID");
		json_writer_string(w, bridge ? nc.def.id : "");
		json_writer_key(w, "Gateway");
		json_writer_string(w, gw);
		json_writer_key(w, "IPAddress");
		json_writer_string(w, ip);
		json_writer_key(w, "IPPrefixLen");
		json_writer_int(w, bridge ? nc.def.prefix : 0);
		json_writer_key(w, "MacAddress");
		json_writer_string(w, "");
		json_writer_end_object(w);
	}
	json_writer_end_object(w);
	json_writer_end_object(w);
}

/* ports.c - published ports: parsing, records, NAT or proxy at start */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "json.h"
#include "network.h"
#include "nft.h"
#include "ports.h"
#include "proxy.h"

enum {
	STATE_MAX = 1 << 20,	/* ports.json */
};

static const char *
proto_name(int p)
{
	return p == IPPROTO_UDP ? "udp" : "tcp";
}

void
ports_key(const struct port_map *p, char *buf, size_t len)
{
	snprintf(buf, len, "%u/%s", p->ctr_port, proto_name(p->proto));
}

/* "N" or "N-M" (1..65535; 0 allowed for a host port). */
static int
parse_range(const char *s, size_t len, unsigned min, unsigned *lo,
    unsigned *hi)
{
	char buf[16], *end, *dash;
	unsigned long a, b;

	if (!len || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (buf[0] < '0' || buf[0] > '9')
		return -1;
	a = strtoul(buf, &end, 10);
	b = a;
	if (*end == '-') {
		dash = end + 1;
		if (*dash < '0' || *dash > '9')
			return -1;
		b = strtoul(dash, &end, 10);
	}
	if (*end || a < min || a > 65535 || b > 65535 || b < a)
		return -1;
	*lo = (unsigned)a;
	*hi = (unsigned)b;
	return 0;
}

static int
push_map(struct port_map **v, size_t *n, size_t *cap,
    const struct port_map *m, struct err *e)
{
	struct port_map *nv;

	if (*n >= PORTS_MAX)
		return err_set(e, ERR_LIMIT, "more than %d published ports",
		    PORTS_MAX);
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		nv = realloc(*v, *cap * sizeof(**v));
		if (!nv)
			return err_set(e, ENOMEM, "out of memory");
		*v = nv;
	}
	(*v)[(*n)++] = *m;
	return 0;
}

static int
parse_proto(const char *p, uint8_t *proto, struct err *e)
{
	if (strcmp(p, "tcp") == 0)
		*proto = IPPROTO_TCP;
	else if (strcmp(p, "udp") == 0)
		*proto = IPPROTO_UDP;
	else if (strcmp(p, "sctp") == 0)
		return err_set(e, ERR_USAGE, "sctp ports are not supported");
	else
		return err_set(e, ERR_USAGE, "invalid proto: %s", p);
	return 0;
}

int
ports_parse(const char *spec, struct port_map **v, size_t *n,
    struct err *e)
{
	char ip[64], host[16], ctr[24];
	const char *slash, *c1, *c2, *end;
	struct port_map m, *nv = *v;
	unsigned hlo = 0, hhi = 0, clo, chi, k;
	size_t nn = *n, cap = *n, len;
	struct in_addr a;

	memset(&m, 0, sizeof(m));
	m.proto = IPPROTO_TCP;
	slash = strrchr(spec, '/');
	end = slash ? slash : spec + strlen(spec);
	if (slash && parse_proto(slash + 1, &m.proto, e) < 0)
		return -1;
	if (spec[0] == '[')
		return err_set(e, ERR_USAGE, "IPv6 host addresses are not "
		    "supported: %s", spec);
	ip[0] = host[0] = '\0';
	c2 = memrchr(spec, ':', (size_t)(end - spec));
	c1 = c2 ? memrchr(spec, ':', (size_t)(c2 - spec)) : NULL;
	if (c1 && memchr(spec, ':', (size_t)(c1 - spec)))
		return err_set(e, ERR_USAGE, "invalid port specification: "
		    "\"%s\"", spec);
	len = (size_t)(end - (c2 ? c2 + 1 : spec));
	if (len >= sizeof(ctr))
		return err_set(e, ERR_USAGE, "invalid containerPort: %.*s",
		    (int)len, c2 ? c2 + 1 : spec);
	memcpy(ctr, c2 ? c2 + 1 : spec, len);
	ctr[len] = '\0';
	if (c2) {
		const char *hs = c1 ? c1 + 1 : spec;

		len = (size_t)(c2 - hs);
		if (len >= sizeof(host))
			return err_set(e, ERR_USAGE, "invalid hostPort: %.*s",
			    (int)len, hs);
		memcpy(host, hs, len);
		host[len] = '\0';
	}
	if (c1) {
		len = (size_t)(c1 - spec);
		if (len >= sizeof(ip))
			return err_set(e, ERR_USAGE, "invalid IP address: "
			    "%.*s", (int)len, spec);
		memcpy(ip, spec, len);
		ip[len] = '\0';
	}
	if (parse_range(ctr, strlen(ctr), 1, &clo, &chi) < 0)
		return err_set(e, ERR_USAGE, "invalid containerPort: %s", ctr);
	if (host[0] && parse_range(host, strlen(host), 0, &hlo, &hhi) < 0)
		return err_set(e, ERR_USAGE, "invalid hostPort: %s", host);
	if (ip[0]) {
		if (inet_pton(AF_INET, ip, &a) != 1)
			return err_set(e, ERR_USAGE, "invalid IP address: %s",
			    ip);
		m.host_ip = a.s_addr;
	}
	if (host[0] && (hlo == 0) != (hhi == 0))
		return err_set(e, ERR_USAGE, "invalid hostPort: %s", host);
	if (host[0] && hhi - hlo != chi - clo && chi != clo)
		return err_set(e, ERR_USAGE, "invalid ranges specified for "
		    "container and host Ports: %s and %s", ctr, host);
	if (nn + (chi - clo) + 1 > PORTS_MAX)
		return err_set(e, ERR_LIMIT, "more than %d published ports",
		    PORTS_MAX);
	for (k = 0; k <= chi - clo; k++) {
		m.ctr_port = (uint16_t)(clo + k);
		m.host_port = m.host_hi = 0;
		if (host[0] && chi == clo && hhi > hlo) {
			m.host_port = (uint16_t)hlo;
			m.host_hi = (uint16_t)hhi;
		} else if (host[0]) {
			m.host_port = (uint16_t)(hlo ? hlo + k : 0);
		}
		if (push_map(&nv, &nn, &cap, &m, e) < 0) {
			*v = nv;	/* may have moved; *n stays */
			return -1;
		}
		*v = nv;
	}
	*n = nn;
	return 0;
}

int
ports_parse_exposed(const char *key, struct port_map **v, size_t *n,
    struct err *e)
{
	const char *slash = strchr(key, '/');
	struct port_map m;
	unsigned lo, hi, k;
	size_t cap = *n;

	memset(&m, 0, sizeof(m));
	m.proto = IPPROTO_TCP;
	if (slash && strcmp(slash + 1, "udp") == 0)
		m.proto = IPPROTO_UDP;
	else if (slash && strcmp(slash + 1, "tcp") != 0)
		return 0;
	if (parse_range(key, slash ? (size_t)(slash - key) : strlen(key), 1,
	    &lo, &hi) < 0)
		return err_set(e, ERR_USAGE, "invalid exposed port: %s", key);
	for (k = lo; k <= hi; k++) {
		m.ctr_port = (uint16_t)k;
		if (push_map(v, n, &cap, &m, e) < 0)
			return -1;
	}
	return 0;
}

/* --- the record ------------------------------------------------------ */

void
ports_write_bindings(struct json_writer *w, const struct port_map *v,
    size_t n)
{
	char key[32], ip[INET_ADDRSTRLEN], hp[16];
	size_t i, j;
	int seen;

	json_writer_begin_object(w);
	for (i = 0; i < n; i++) {
		seen = 0;
		for (j = 0; j < i && !seen; j++)
			seen = v[j].ctr_port == v[i].ctr_port &&
			    v[j].proto == v[i].proto;
		if (seen)
			continue;
		ports_key(&v[i], key, sizeof(key));
		json_writer_key(w, key);
		json_writer_begin_array(w);
		for (j = i; j < n; j++) {
			if (v[j].ctr_port != v[i].ctr_port ||
			    v[j].proto != v[i].proto)
				continue;
			ip[0] = hp[0] = '\0';
			if (v[j].host_ip)
				inet_ntop(AF_INET, &v[j].host_ip, ip,
				    sizeof(ip));
			if (v[j].host_hi)
				snprintf(hp, sizeof(hp), "%u-%u",
				    v[j].host_port, v[j].host_hi);
			else if (v[j].host_port)
				snprintf(hp, sizeof(hp), "%u",
				    v[j].host_port);
			json_writer_begin_object(w);
			json_writer_key(w, "HostIp");
			json_writer_string(w, ip);
			json_writer_key(w, "HostPort");
			json_writer_string(w, hp);
			json_writer_end_object(w);
		}
		json_writer_end_array(w);
	}
	json_writer_end_object(w);
}

void
ports_write_exposed(struct json_writer *w, const struct json_value *image,
    const struct port_map *v, size_t n)
{
	char key[32];
	size_t i, j;
	int seen;

	json_writer_begin_object(w);
	for (i = 0; i < json_len(image); i++) {
		const char *k = json_str(json_key_at(image, i));

		if (!k)
			continue;
		json_writer_key(w, k);
		json_writer_begin_object(w);
		json_writer_end_object(w);
	}
	for (i = 0; i < n; i++) {
		seen = 0;
		for (j = 0; j < i && !seen; j++)
			seen = v[j].ctr_port == v[i].ctr_port &&
			    v[j].proto == v[i].proto;
		ports_key(&v[i], key, sizeof(key));
		if (seen || json_obj_get(image, key))
			continue;
		json_writer_key(w, key);
		json_writer_begin_object(w);
		json_writer_end_object(w);
	}
	json_writer_end_object(w);
}

static int
has_key(const struct port_map *v, size_t n, const struct port_map *m)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].ctr_port == m->ctr_port && v[i].proto == m->proto)
			return 1;
	return 0;
}

/* The container's exposed ports (Config.ExposedPorts). */
static int
exposed(const struct ctr *c, struct port_map **v, size_t *n, struct err *e)
{
	const struct json_value *x = ctr_get(c, "Config.ExposedPorts");
	size_t i;

	*v = NULL;
	*n = 0;
	for (i = 0; i < json_len(x); i++) {
		const char *k = json_str(json_key_at(x, i));

		if (k && ports_parse_exposed(k, v, n, e) < 0) {
			free(*v);
			*v = NULL;
			*n = 0;
			return -1;
		}
	}
	return 0;
}

int
ports_wanted(const struct ctr *c, struct port_map **v, size_t *n,
    struct err *e)
{
	const struct json_value *pb = ctr_get(c, "HostConfig.PortBindings");
	struct port_map *x = NULL, *r = NULL, m;
	size_t nx = 0, nr = 0, cap = 0, i, j;
	char spec[96];
	const char *k, *ip, *hp;

	for (i = 0; i < json_len(pb); i++) {
		const struct json_value *arr = json_val_at(pb, i);

		k = json_str(json_key_at(pb, i));
		for (j = 0; k && j < json_len(arr); j++) {
			ip = json_str(json_get(json_at(arr, j), "HostIp"));
			hp = json_str(json_get(json_at(arr, j), "HostPort"));
			snprintf(spec, sizeof(spec), "%s:%s:%s",
			    ip ? ip : "", hp ? hp : "", k);
			if (spec[0] == ':')
				memmove(spec, spec + 1, strlen(spec));
			if (ports_parse(spec, &r, &nr, e) < 0)
				goto fail;
		}
	}
	cap = nr;
	if (json_bool(ctr_get(c, "HostConfig.PublishAllPorts"))) {
		if (exposed(c, &x, &nx, e) < 0)
			goto fail;
		for (i = 0; i < nx; i++) {
			if (has_key(r, nr, &x[i]))
				continue;
			m = x[i];
			if (push_map(&r, &nr, &cap, &m, e) < 0)
				goto fail;
		}
	}
	free(x);
	*v = r;
	*n = nr;
	return 0;
fail:
	free(x);
	free(r);
	return err_ctx(e, "published ports of %s", c->name);
}

/* --- ports.json ------------------------------------------------------ */

static int
state_save(struct ctr *c, const char *driver, const struct port_map *v,
    size_t n, struct err *e)
{
	struct json_writer w;
	char ip[INET_ADDRSTRLEN], *buf;
	size_t len, i;
	int r;

	json_writer_init(&w, 1);
	json_writer_begin_object(&w);
	json_writer_key(&w, "Driver");
	json_writer_string(&w, driver);
	json_writer_key(&w, "Ports");
	json_writer_begin_array(&w);
	for (i = 0; i < n; i++) {
		inet_ntop(AF_INET, &v[i].host_ip, ip, sizeof(ip));
		json_writer_begin_object(&w);
		json_writer_key(&w, "Proto");
		json_writer_string(&w, proto_name(v[i].proto));
		json_writer_key(&w, "ContainerPort");
		json_writer_int(&w, v[i].ctr_port);
		json_writer_key(&w, "HostIp");
		json_writer_string(&w, ip);
		json_writer_key(&w, "HostPort");
		json_writer_int(&w, v[i].host_port);
		json_writer_end_object(&w);
	}
	json_writer_end_array(&w);
	json_writer_end_object(&w);
	buf = json_writer_finish(&w, &len, e);
	json_writer_free(&w);
	if (!buf)
		return -1;
	r = ctr_write_file(c, "ports.json", buf, len, 0644, e);
	free(buf);
	return r;
}

static int
cmp_map(const void *a, const void *b)
{
	const struct port_map *x = a, *y = b;

	if (x->ctr_port != y->ctr_port)
		return x->ctr_port < y->ctr_port ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->host_port != y->host_port)
		return x->host_port < y->host_port ? -1 : 1;
	return 0;
}

/* ports.json whatever the container's state; ENOENT when none. */
static int
state_load(const struct ctr *c, struct port_map **v, size_t *n,
    char *driver, size_t dlen, struct err *e)
{
	char path[PATH_MAX], *buf;
	struct json_value *root;
	const struct json_value *a, *x;
	struct port_map *r = NULL, m;
	struct in_addr ia;
	size_t len, i, nr = 0, cap = 0;
	int64_t cp, hp;
	const char *s;

	*v = NULL;
	*n = 0;
	io_pathf(path, sizeof(path), "%s/ports.json", c->dir);
	buf = io_read_file(path, STATE_MAX, &len, e);
	if (!buf)
		return -1;
	root = json_parse(buf, len, NULL, e);
	free(buf);
	if (!root)
		return err_ctx(e, "%s", path);
	s = json_str(json_get(root, "Driver"));
	if (driver)
		snprintf(driver, dlen, "%s", s ? s : "");
	a = json_get(root, "Ports");
	for (i = 0; i < json_len(a); i++) {
		x = json_at(a, i);
		memset(&m, 0, sizeof(m));
		s = json_str(json_get(x, "Proto"));
		m.proto = s && strcmp(s, "udp") == 0 ? IPPROTO_UDP :
		    IPPROTO_TCP;
		s = json_str(json_get(x, "HostIp"));
		if (json_int(json_get(x, "ContainerPort"), &cp, e) < 0 ||
		    json_int(json_get(x, "HostPort"), &hp, e) < 0 || !s ||
		    inet_pton(AF_INET, s, &ia) != 1 || cp < 1 || cp > 65535 ||
		    hp < 1 || hp > 65535) {
			free(r);
			json_free(root);
			return err_set(e, ERR_PARSE, "%s: bad entry %zu", path,
			    i);
		}
		m.ctr_port = (uint16_t)cp;
		m.host_port = (uint16_t)hp;
		m.host_ip = ia.s_addr;
		if (push_map(&r, &nr, &cap, &m, e) < 0) {
			free(r);
			json_free(root);
			return -1;
		}
	}
	json_free(root);
	if (nr)
		qsort(r, nr, sizeof(*r), cmp_map);
	*v = r;
	*n = nr;
	return 0;
}

static int
running(const struct ctr *c)
{
	return c->st.status == CTR_RUNNING && c->st.pid > 0 &&
	    !c->st.monitor_lost;
}

int
ports_current(const struct ctr *c, struct port_map **v, size_t *n,
    char *driver, size_t dlen, struct err *e)
{
	*v = NULL;
	*n = 0;
	if (driver && dlen)
		driver[0] = '\0';
	if (!running(c))
		return 0;
	if (state_load(c, v, n, driver, dlen, e) < 0) {
		if (e->code == ENOENT) {
			err_clear(e);
			return 0;
		}
		return -1;
	}
	return 0;
}

/* --- checks ---------------------------------------------------------- */

static int
clash(const struct port_map *a, const struct port_map *b)
{
	return a->proto == b->proto && a->host_port == b->host_port &&
	    (!a->host_ip || !b->host_ip || a->host_ip == b->host_ip);
}

static int
bind_text(const struct port_map *m, struct err *e)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &m->host_ip, ip, sizeof(ip));
	return err_set(e, ERR_USAGE, "Bind for %s:%u failed: port is already "
	    "allocated", ip, m->host_port);
}

/* Ports other running containers hold; the rules of dead ones (monitor
 * killed) are removed on the way. */
static int
check_others(const struct config *cfg, const char *self_id,
    const struct port_map *v, size_t n, struct err *e)
{
	struct ctr *list = NULL;
	struct port_map *o;
	size_t nl = 0, no, i, j, k;
	int ret = 0;

	if (ctr_list(cfg->state, &list, &nl, e) < 0)
		return -1;
	for (i = 0; i < nl && !ret; i++) {
		if (self_id && strcmp(list[i].id, self_id) == 0)
			continue;
		/* The rules of a container whose monitor was killed would
		 * shadow ours: they go now rather than at its rm. */
		if (list[i].st.monitor_lost && ports_unpublish(&list[i], e) < 0)
			err_clear(e);
		if (ports_current(&list[i], &o, &no, NULL, 0, e) < 0) {
			err_clear(e);
			continue;
		}
		for (j = 0; j < n && !ret; j++)
			for (k = 0; k < no && !ret; k++)
				if (v[j].host_port && clash(&v[j], &o[k]))
					ret = bind_text(&v[j], e);
		free(o);
	}
	for (i = 0; i < nl; i++)
		ctr_close(&list[i]);
	free(list);
	return ret;
}

int
ports_check_free(const struct config *cfg, const char *self_id,
    const struct port_map *v, size_t n, struct err *e)
{
	struct port_map *fixed;
	struct proxy px;
	size_t i, nf = 0;
	int r;

	if (!n)
		return 0;
	if (check_others(cfg, self_id, v, n, e) < 0)
		return -1;
	fixed = calloc(n, sizeof(*fixed));
	if (!fixed)
		return err_set(e, ENOMEM, "out of memory");
	for (i = 0; i < n; i++)
		if (v[i].host_port && !v[i].host_hi)
			fixed[nf++] = v[i];
	/* The same bind the monitor will make, released at once. */
	proxy_init(&px);
	r = proxy_reserve(&px, fixed, nf, e);
	proxy_close(&px);
	free(fixed);
	return r;
}

/* --- publish --------------------------------------------------------- */

static int
write_one(const char *path, struct err *e)
{
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "open %s", path);
	if (write(fd, "1\n", 2) != 2) {
		err_sys(e, "write %s", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Without nf_tables (or its nat, fib, ct or masq expressions). */
static int
no_nftables(int code)
{
	return code == ENOENT || code == EOPNOTSUPP ||
	    code == EPROTONOSUPPORT || code == EAFNOSUPPORT ||
	    code == EINVAL || code == ENOSYS;
}

static int
apply_nat(const struct net_ctr *nc, const char *id, const struct port_map *v,
    size_t n, struct err *e)
{
	struct nft_dnat *d;
	char path[PATH_MAX];
	size_t i;
	int r, local = 0;

	d = calloc(n, sizeof(*d));
	if (!d)
		return err_set(e, ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		d[i].host_ip = v[i].host_ip;
		d[i].host_port = v[i].host_port;
		d[i].ctr_port = v[i].ctr_port;
		d[i].proto = v[i].proto;
		if (!v[i].host_ip || (ntohl(v[i].host_ip) >> 24) == 127)
			local = 1;
	}
	r = nft_ports_apply(id, nc->def.subnet, nc->def.prefix, nc->ip, d, n,
	    e);
	free(d);
	if (r < 0)
		return -1;
	/* Loopback sources routed out of the bridge (Docker's no-proxy
	 * mode): without it the kernel drops them as martians. */
	io_pathf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/"
	    "route_localnet", nc->def.bridge);
	if (local && write_one(path, e) < 0)
		return -1;
	/* Hairpin: with br_netfilter the DNAT of the container's own
	 * traffic happens while bridging, and the frame must be allowed
	 * back out of the port it came in by. */
	io_pathf(path, sizeof(path), "/sys/class/net/%s/brport/hairpin_mode",
	    nc->host_veth);
	if (write_one(path, e) < 0)
		return -1;
	return 0;
}

int
ports_unpublish(struct ctr *c, struct err *e)
{
	char path[PATH_MAX], drv[16];
	struct port_map *v = NULL;
	size_t n = 0;
	int ret = 0;

	if (state_load(c, &v, &n, drv, sizeof(drv), e) < 0) {
		if (e->code != ENOENT && e->code != ERR_PARSE)
			return -1;
		if (e->code == ENOENT) {
			err_clear(e);
			return 0;
		}
		err_clear(e);
		drv[0] = '\0';	/* unreadable: remove the rules anyway */
	}
	free(v);
	if (strcmp(drv, "proxy") != 0 && nft_ports_remove(c->id, e) < 0)
		ret = -1;
	io_pathf(path, sizeof(path), "%s/ports.json", c->dir);
	if (unlink(path) < 0 && errno != ENOENT && !ret)
		ret = err_sys(e, "remove %s", path);
	return ret;
}

int
ports_publish(const struct config *cfg, struct ctr *c,
    const struct net_ctr *nc, struct proxy *px, struct err *e)
{
	struct port_map *v = NULL;
	const char *drv = cfg->port_driver;
	struct err e2 = ERR_INIT;
	size_t n = 0;
	int ret = -1;

	if (ports_unpublish(c, e) < 0)
		return err_ctx(e, "ports left by an earlier start");
	if (ports_wanted(c, &v, &n, e) < 0)
		return -1;
	if (!n || nc->mode != NET_MODE_BRIDGE) {
		free(v);
		return 0;
	}
	if (check_others(cfg, c->id, v, n, e) < 0 ||
	    proxy_reserve(px, v, n, e) < 0)
		goto out;
	if (strcmp(drv, "proxy") != 0) {
		/* Recorded first: a monitor killed now leaves a file that
		 * names the rules. */
		if (state_save(c, "nat", v, n, e) < 0)
			goto out;
		if (apply_nat(nc, c->id, v, n, e) == 0) {
			ret = 0;
			goto out;
		}
		if (strcmp(drv, "nat") == 0 || !no_nftables(e->code))
			goto out;
		nft_ports_remove(c->id, &e2);
		err_clear(e);
	}
	if (state_save(c, "proxy", v, n, e) < 0 ||
	    proxy_start(px, nc->ip, e) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0) {
		ports_unpublish(c, &e2);
		proxy_close(px);
	}
	free(v);
	return ret;
}

/* --- ps, inspect ----------------------------------------------------- */

static void
addf(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
addf(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used >= len - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

void
ports_ps_text(const struct ctr *c, char *buf, size_t len)
{
	struct err e = ERR_INIT;
	struct port_map *v = NULL, *x = NULL;
	char ip[INET_ADDRSTRLEN];
	size_t n = 0, nx = 0, i, j;

	buf[0] = '\0';
	if (!len || ports_current(c, &v, &n, NULL, 0, &e) < 0 || !running(c))
		return;
	/* Docker sorts by host address, protocol and port, and merges
	 * runs of consecutive ports on both sides. */
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && v[j].proto == v[i].proto &&
		    v[j].host_ip == v[i].host_ip &&
		    v[j].ctr_port == v[i].ctr_port + (j - i) &&
		    v[j].host_port == v[i].host_port + (j - i); j++)
			;
		inet_ntop(AF_INET, &v[i].host_ip, ip, sizeof(ip));
		addf(buf, len, "%s%s:%u", buf[0] ? ", " : "", ip,
		    v[i].host_port);
		if (j - i > 1)
			addf(buf, len, "-%u", v[j - 1].host_port);
		addf(buf, len, "->%u", v[i].ctr_port);
		if (j - i > 1)
			addf(buf, len, "-%u", v[j - 1].ctr_port);
		addf(buf, len, "/%s", proto_name(v[i].proto));
	}
	if (exposed(c, &x, &nx, &e) == 0) {
		if (nx)
			qsort(x, nx, sizeof(*x), cmp_map);
		for (i = 0; i < nx; i++)
			if (!has_key(v, n, &x[i]))
				addf(buf, len, "%s%u/%s", buf[0] ? ", " : "",
				    x[i].ctr_port, proto_name(x[i].proto));
	}
	free(x);
	free(v);
}

void
ports_inspect(const struct ctr *c, struct json_writer *w)
{
	struct err e = ERR_INIT;
	struct port_map *v = NULL, *x = NULL;
	char key[32], ip[INET_ADDRSTRLEN], hp[8];
	size_t n = 0, nx = 0, i, j;

	json_writer_begin_object(w);
	if (!running(c) || ports_current(c, &v, &n, NULL, 0, &e) < 0) {
		json_writer_end_object(w);
		return;
	}
	for (i = 0; i < n; i = j) {
		ports_key(&v[i], key, sizeof(key));
		json_writer_key(w, key);
		json_writer_begin_array(w);
		for (j = i; j < n && v[j].ctr_port == v[i].ctr_port &&
		    v[j].proto == v[i].proto; j++) {
			inet_ntop(AF_INET, &v[j].host_ip, ip, sizeof(ip));
			snprintf(hp, sizeof(hp), "%u", v[j].host_port);
			json_writer_begin_object(w);
			json_writer_key(w, "HostIp");
			json_writer_string(w, ip);
			json_writer_key(w, "HostPort");
			json_writer_string(w, hp);
			json_writer_end_object(w);
		}
		json_writer_end_array(w);
	}
	if (exposed(c, &x, &nx, &e) == 0)
		for (i = 0; i < nx; i++)
			if (!has_key(v, n, &x[i])) {
				ports_key(&x[i], key, sizeof(key));
				json_writer_key(w, key);
				json_writer_null(w);
			}
	json_writer_end_object(w);
	free(x);
	free(v);
}

/* ports.h - published ports: `-p`/`-P`, their records, NAT or proxy
 *
 * What the user asks (`run -p [HOSTIP:][HOSTPORT:]CTRPORT[/PROTO]`, ranges,
 * `-P`) is recorded at create in container.json the way Docker does:
 * HostConfig.PortBindings {"80/tcp": [{"HostIp": "", "HostPort":
 * "8080"}]}, HostConfig.PublishAllPorts, Config.ExposedPorts. When the
 * container starts (the monitor, through net_ctr_start()), the wanted
 * bindings are reserved on the host (a socket bound on each HOSTIP:HOSTPORT,
 * held by the monitor for the container's life: this is also how a free
 * port is picked and how a port in use is refused), then served:
 *
 *	nat	nf_tables DNAT rules of the container (core/nft:
 *		nft_ports_apply()), with net.ipv4.conf.BRIDGE.route_localnet=1
 *		so 127.0.0.1:PORT works from the host;
 *	proxy	the userland proxy (core/proxy) on the reserved sockets,
 *		in the monitor's poll loop: when nf_tables is missing, or
 *		forced with the config key `port-driver` (ROCKER_PORT_DRIVER)
 *		set to "proxy".
 *
 * What was set up is written to STATE/containers/<id>/ports.json
 * ({"Driver": "nat", "Ports": [{"Proto": "tcp", "ContainerPort": 80,
 * "HostIp": "0.0.0.0", "HostPort": 8080}]}) before any rule exists, and
 * removed with the rules when the container stops; a monitor killed with
 * -9 leaves it, and the next `start` or `rm` removes the rules it names.
 * `inspect` (NetworkSettings.Ports), `port` and `ps` read it.
 */
#ifndef ROCKER_PORTS_H
#define ROCKER_PORTS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "container.h"
#include "err.h"

enum {
	PORTS_MAX = 1024,	/* mappings per container */
	PORTS_TEXT_MAX = 64,	/* "255.255.255.255:65535-65535" and more */
};

/* One mapping. */
struct port_map {
	uint32_t host_ip;	/* network order; 0: every address */
	uint16_t host_port;	/* 0: pick a free one at start */
	uint16_t host_hi;	/* a range to pick from: host_port..host_hi
				 * (0: host_port alone) */
	uint16_t ctr_port;
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
};

struct proxy;
struct net_ctr;

/*
 * Parse one `-p` value and append its mappings (a range gives one per
 * port) to the heap array *v of *n (realloc'd; the caller frees *v).
 * Docker's syntax: [IP:][HOSTPORT:]CTRPORT[/tcp|/udp] where HOSTPORT and
 * CTRPORT are N or N-M (ranges of equal length, or a host range with one
 * container port: a free one is picked from it). ERR_USAGE with Docker's
 * wording for a malformed value, ERR_LIMIT past PORTS_MAX mappings. 0 or
 * -1 (*n unchanged; *v, still the caller's, may have been reallocated).
 */
int ports_parse(const char *spec, struct port_map **v, size_t *n,
    struct err *e);

/* "80/tcp" into buf. */
void ports_key(const struct port_map *p, char *buf, size_t len);

/*
 * Parse an ExposedPorts key ("80/tcp", "53/udp", "8000-8002/tcp") and
 * append a mapping with no host port for each port. Unknown protocols
 * (sctp) are skipped. 0 or -1.
 */
int ports_parse_exposed(const char *key, struct port_map **v, size_t *n,
    struct err *e);

/*
 * Refuse fixed host ports that are busy now (binding a socket briefly on
 * each) or that a running container other than `self_id` (may be NULL)
 * holds: ERR_USAGE "Bind for 0.0.0.0:8080 failed: port is already
 * allocated", as Docker says it. For `run`, before the container exists.
 * The NAT rules left by containers whose monitor was killed are removed
 * on the way (they would shadow new ones). 0 or -1.
 */
int ports_check_free(const struct config *cfg, const char *self_id,
    const struct port_map *v, size_t n, struct err *e);

/*
 * The bindings container `c` wants, from its record: PortBindings plus,
 * with PublishAllPorts, each ExposedPorts entry without one (host port 0).
 * Heap array *v of *n (NULL, 0 when none). 0 or -1.
 */
int ports_wanted(const struct ctr *c, struct port_map **v, size_t *n,
    struct err *e);

/*
 * Publish `c`'s ports (its network `nc`, a bridge): remove leftovers of
 * an earlier run, refuse ports other running containers hold, reserve
 * every host port in `px` (which the caller keeps and closes when the
 * container stops), write ports.json, then write the NAT rules or start
 * the proxy on `px` as described above. Nothing to do for no ports or a
 * non-bridge network. `cfg->port_driver` decides: "" (NAT, falling back to
 * the proxy when nf_tables cannot do it), "nat" (no fallback) or "proxy".
 * 0 or -1 (then nothing is left published; the caller closes `px`).
 */
int ports_publish(const struct config *cfg, struct ctr *c,
    const struct net_ctr *nc, struct proxy *px, struct err *e);

/* Remove what ports.json names (the container's NAT rules) and the file.
 * Nothing to do without it. 0 or -1. */
int ports_unpublish(struct ctr *c, struct err *e);

/*
 * The bindings in effect (ports.json) while `c` runs: heap array *v of
 * *n, sorted by container port and protocol; *driver (may be NULL)
 * receives "nat" or "proxy" (PORTS driver buffer of 8 bytes). None for a
 * container that is not running. 0 or -1.
 */
int ports_current(const struct ctr *c, struct port_map **v, size_t *n,
    char *driver, size_t dlen, struct err *e);

/*
 * `docker ps`'s PORTS text for `c` into buf: "0.0.0.0:8080->80/tcp",
 * consecutive ports merged ("0.0.0.0:8000-8002->80-82/tcp"), exposed but
 * unpublished ports as "80/tcp", ", " between. Empty when not running.
 */
void ports_ps_text(const struct ctr *c, char *buf, size_t len);

/* Write NetworkSettings.Ports for `c` at a value position: {"80/tcp":
 * [{"HostIp": "0.0.0.0", "HostPort": "8080"}], "443/tcp": null}. */
struct json_writer;
void ports_inspect(const struct ctr *c, struct json_writer *w);

/* Config.ExposedPorts (an object, at a value position): the keys of
 * `image` (the image's ExposedPorts, may be NULL) and of `v`. */
struct json_value;
void ports_write_exposed(struct json_writer *w,
    const struct json_value *image, const struct port_map *v, size_t n);

/* HostConfig.PortBindings (an object, at a value position) for `v`. */
void ports_write_bindings(struct json_writer *w, const struct port_map *v,
    size_t n);

#endif

/* network.h - container networks: bridges, addresses (IPAM), veths,
 * /etc/hosts and /etc/resolv.conf
 *
 * Networks. "bridge" is the default network: its bridge interface and
 * IPv4 subnet come from the config (keys `bridge`, `bridge-subnet`), its
 * gateway is the subnet's first address. `rocker network create` adds user
 * networks, each with a bridge of its own ("rk-" + 12 hex digits of its
 * id) and a subnet given or picked from 10.78.0.0/16 upwards (skipping
 * any that overlaps another rocker network or an address or route of the
 * host). "host" and "none" are the two other predefined names. A bridge
 * is created, given its gateway address and brought up on first use, with
 * a masquerade rule in nf_tables (core/nft) and net.ipv4.ip_forward
 * enabled when it was off.
 *
 * Files (STATE is the config's exec-root):
 *
 *	STATE/networks/NAME.json	a user network: Name, Id, Bridge,
 *					Subnet, Gateway, Created
 *	STATE/networks/NAME.ipam	addresses in use on NAME, one
 *					"A.B.C.D CONTAINER-ID" per line
 *	STATE/networks/.lock		flock: every change of the above and
 *					of the hosts files below is made
 *					under it, so concurrent `run`s never
 *					get the same address
 *	STATE/containers/<id>/network.json	the container's
 *					attachment: Mode, Network, NetworkID,
 *					Bridge, IPAddress, IPPrefixLen,
 *					Gateway, HostVeth
 *
 * Address lifetime: a container's address is reserved when it is created
 * and released when it is removed (not when it stops), so it keeps its
 * address across stop/start and the /etc/hosts entries naming it stay
 * right. (Docker releases it at stop and may hand out another at start.)
 *
 * A container's veth pair is created when it starts (the runtime's
 * after_clone hook, called by the monitor): the host end "rk" + 12 hex
 * digits of the container id, enslaved to the bridge; the other end moved
 * into the container's network namespace and renamed eth0 there, with
 * the address, lo up and a default route via the gateway. The veth
 * vanishes with the namespace when the container stops (even when its
 * monitor was killed); stop and rm delete a host end that is still there.
 *
 * On user networks the containers reach each other by name: each running
 * container's hosts file (STATE/containers/<id>/hosts, bind-mounted as
 * /etc/hosts) ends with a section listing the other running containers of
 * its networks, rewritten in place (the bind mount pins the inode) when
 * one starts, stops or is removed.
 *
 * Published ports (core/ports) are set up by net_ctr_start() and torn
 * down by net_ctr_stop() and net_ctr_remove().
 */
#ifndef ROCKER_NETWORK_H
#define ROCKER_NETWORK_H

#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "container.h"
#include "err.h"

enum {
	NET_NAME_MAX = 64,
	NET_IFNAME_MAX = 16,	/* IFNAMSIZ */
	NET_ID_LEN = 64,
	NET_IP_MAX = 46,	/* INET6_ADDRSTRLEN */
};

enum net_mode {
	NET_MODE_NONE,		/* own namespace, lo only */
	NET_MODE_HOST,		/* the host's namespace */
	NET_MODE_BRIDGE,	/* a bridge network (default or user) */
	NET_MODE_CONTAINER,	/* another container's namespace */
};

/* A bridge network. */
struct net_def {
	char name[NET_NAME_MAX + 1];
	char id[NET_ID_LEN + 1];
	char bridge[NET_IFNAME_MAX];
	uint32_t subnet;	/* network byte order */
	int prefix;
	uint32_t gateway;	/* network byte order */
	int64_t created_ns;
	int is_default;		/* the "bridge" network */
};

/* What `run` asks for (strings as typed; NULL / 0 when not given). */
struct net_opts {
	const char *network;	/* none, host, bridge, container:X, NAME;
				 * NULL: bridge */
	const char *ip;		/* --ip */
	char **dns;		/* --dns */
	size_t ndns;
	char **dns_search;	/* --dns-search */
	size_t ndns_search;
	char **add_hosts;	/* --add-host NAME:IP */
	size_t nadd_hosts;
};

/* A container's attachment, as in its network.json. */
struct net_ctr {
	enum net_mode mode;
	char network[CTR_ID_LEN + 16];	/* "bridge", NAME, "host", "none",
					 * "container:ID" */
	char netns_path[64];		/* container mode: /proc/PID/ns/net */
	char peer_id[CTR_ID_LEN + 1];	/* container mode: whose */
	struct net_def def;		/* bridge mode */
	uint32_t ip;			/* bridge mode, network order */
	char host_veth[NET_IFNAME_MAX];
	uint32_t host_gw;		/* what --add-host host-gateway means:
					 * the bridge's gateway (the default
					 * network's when not on a bridge) */
};

/* What net_bridge_ensure() changed on the host, for the caller to say. */
struct net_report {
	int forward_enabled;	/* net.ipv4.ip_forward was 0, now 1 */
	int bridge_created;
	int masq_failed;	/* no nf_tables NAT: no outbound NAT */
	char masq_error[ERR_MSG_MAX];
};

/* --- networks -------------------------------------------------------- */

/* Find network `name` (or a unique id prefix of a user network): the
 * default one or a user network. ERR_NOTFOUND "network NAME not found".
 * 0 or -1. */
int net_lookup(const struct config *cfg, const char *name,
    struct net_def *d, struct err *e);

/*
 * Create user network `name` with `subnet` ("a.b.c.d/n", NULL: pick one)
 * and `gateway` (NULL: the first address). The bridge is created at once.
 * ERR_USAGE for a taken name, a bad subnet or gateway, or a subnet that
 * overlaps another rocker network. 0 or -1.
 */
int net_create(const struct config *cfg, const char *name,
    const char *subnet, const char *gateway, struct net_def *d,
    struct err *e);

/* Remove user network `name`: ERR_USAGE when it is predefined or a
 * container still has an address on it. Deletes its bridge and nft
 * chain. 0 or -1. */
int net_remove(const struct config *cfg, const char *name, struct err *e);

/* The default network and every user network, sorted by name: heap array
 * *out of *n, freed by the caller. 0 or -1. */
int net_list(const struct config *cfg, struct net_def **out, size_t *n,
    struct err *e);

/* One address in use on a network. */
struct net_lease {
	uint32_t ip;		/* network order */
	char ctr[CTR_ID_LEN + 1];
};

/* The addresses in use on `d`: heap array *out of *n. 0 or -1. */
int net_leases(const struct config *cfg, const struct net_def *d,
    struct net_lease **out, size_t *n, struct err *e);

/*
 * Make sure the bridge of `d` exists with its gateway address and is up,
 * that traffic from its subnet is masqueraded, and that IPv4 forwarding
 * is on. `rep` (may be NULL) says what changed. A missing nf_tables is
 * reported in `rep`, not an error. 0 or -1.
 */
int net_bridge_ensure(const struct net_def *d, struct net_report *rep,
    struct err *e);

/* "a.b.c.d/n" of `d`'s subnet into `buf`. */
void net_subnet_text(const struct net_def *d, char *buf, size_t len);

/* Dotted quad of `ip` (network order) into `buf` (NET_IP_MAX). */
void net_ip_text(uint32_t ip, char *buf, size_t len);

/*
 * Parse "a.b.c.d/n" (n 8..30, host bits cleared) into network-order
 * *subnet and *prefix. ERR_USAGE when malformed. 0 or -1.
 */
int net_parse_cidr(const char *s, uint32_t *subnet, int *prefix,
    struct err *e);

/* --- containers ------------------------------------------------------ */

/*
 * Decide container `c`'s network from `o` (at create): validate the mode,
 * reserve an address on a bridge network (o->ip or the lowest free one),
 * find the namespace of a container:NAME peer (which must be running),
 * and write c->dir/network.json. `nc` receives the result. Errors as
 * Docker words them (ERR_NOTFOUND "network X not found", ERR_USAGE for a
 * taken or out-of-range --ip). 0 or -1; on failure nothing is reserved.
 */
int net_ctr_create(const struct config *cfg, struct ctr *c,
    const struct net_opts *o, struct net_ctr *nc, struct err *e);

/*
 * Write c->dir/hosts and c->dir/resolv.conf for `nc`: Docker's
 * /etc/hosts (localhost lines, --add-host entries, with host-gateway
 * meaning the bridge gateway, the container's own address and
 * `hostname`) and /etc/resolv.conf (the host's, loopback nameservers
 * dropped unless on the host network, --dns / --dns-search replacing the
 * host's, Google's 8.8.8.8 and 8.8.4.4 when no nameserver is left). A
 * container:NAME container gets copies of its peer's files. 0 or -1.
 */
int net_ctr_files(struct ctr *c, const struct net_ctr *nc,
    const struct net_opts *o, const char *hostname, struct err *e);

/* Load c->dir/network.json into `nc`. A container without one (made
 * before networking existed) is NET_MODE_NONE. 0 or -1. */
int net_ctr_load(const struct ctr *c, struct net_ctr *nc, struct err *e);

/*
 * Plug container `c`, whose init is `pid`, into its network: for a bridge
 * network, ensure the bridge, create the veth pair, move one end into
 * /proc/PID/ns/net as eth0 with the address and default route, publish
 * its ports (ports_publish(): reservations and the proxy in `px`, which
 * the caller owns, polls and closes when the container stops; NULL: no
 * ports), then refresh the hosts files of the network's running
 * containers. Other modes: nothing. Meant for rt_opts.after_clone. 0 or
 * -1 (then nothing is left plugged in or published).
 */
struct proxy;
int net_ctr_start(const struct config *cfg, struct ctr *c, pid_t pid,
    struct proxy *px, struct err *e);

/* Unplug `c` after it stopped: remove its NAT rules (ports_unpublish()),
 * delete the host veth if it is still there, drop its name from the
 * other containers' hosts files. 0 or -1 (best effort: everything is
 * attempted). */
int net_ctr_stop(const struct config *cfg, struct ctr *c, struct err *e);

/* When `c` is removed: net_ctr_stop() and release its address. Safe for
 * a container with no network.json and twice. 0 or -1. */
int net_ctr_remove(const struct config *cfg, struct ctr *c, struct err *e);

/* The host-side veth name of container `id`: "rk" + 12 hex digits. */
void net_veth_name(const char *id, char *buf, size_t len);

/*
 * Write `docker inspect`'s NetworkSettings object for `c` into `w` (at a
 * value position): IPAddress, IPPrefixLen, Gateway (for the default
 * network, as Docker shows them), Ports, Networks {NAME: {NetworkID,
 * IPAddress, IPPrefixLen, Gateway, MacAddress}}, SandboxKey.
 */
struct json_writer;
void net_ctr_inspect(const struct ctr *c, struct json_writer *w);

#endif

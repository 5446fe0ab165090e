/* nft.h - rocker's nf_tables rules, written over NETLINK_NETFILTER
 *
 * Everything lives in rocker's own table, `ip rocker`, so it coexists with
 * iptables-nft, Docker, podman and the host's own nft rules, and no
 * iptables or nft binary is needed. Each bridge network gets a base chain
 * of its own in that table:
 *
 *	table ip rocker {
 *		chain post-BRIDGE {
 *			type nat hook postrouting priority srcnat;
 *			ip saddr SUBNET oifname != "BRIDGE" masquerade
 *		}
 *	}
 *
 * (the rule Docker writes as `-s SUBNET ! -o docker0 -j MASQUERADE`).
 * Every change is one nfnetlink batch, so it applies whole or not at all,
 * and is idempotent: the chain is created if missing and flushed before
 * its rule is added again.
 *
 * Published ports add three base chains per container to the same table
 * (nft_ports_apply()), removed whole when the container stops.
 */
#ifndef ROCKER_NFT_H
#define ROCKER_NFT_H

#include <stdint.h>

#include "err.h"
#include "netlink.h"

enum {
	NFT_NAME_MAX = 64,	/* chain names rocker makes */
};

/* The table's name. */
extern const char nft_table[];

/*
 * Make sure `ip rocker` has a postrouting NAT chain for bridge `ifname`
 * that masquerades traffic from `subnet` (IPv4, network byte order)
 * /`prefix` leaving through any other interface. 0 or -1 (ENOENT or
 * EOPNOTSUPP when the kernel has no nf_tables or NAT support).
 */
int nft_masq_ensure(const char *ifname, uint32_t subnet, int prefix,
    struct err *e);

/* Remove that chain (and its rule). Missing table or chain is success.
 * 0 or -1. */
int nft_masq_remove(const char *ifname, struct err *e);

/* One published port, for nft_ports_apply(). */
struct nft_dnat {
	uint32_t host_ip;	/* network order; 0: every local address */
	uint16_t host_port;
	uint16_t ctr_port;
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
};

enum {
	NFT_DNAT_MAX = 4096,	/* ports in one nft_ports_apply() */
};

/*
 * Publish container ports: in `ip rocker`, three base chains of the
 * container `tag` (12 hex digits of its id): ctr-TAG-pre (prerouting,
 * dstnat) and ctr-TAG-out (output, dstnat) with, for each of the `n`
 * entries of `v`,
 *
 *	[ip daddr HOST | fib daddr type local] meta l4proto P
 *	    th dport HOSTPORT dnat to CIP:CTRPORT
 *
 * and ctr-TAG-post (postrouting, srcnat) with
 *
 *	ip saddr 127.0.0.0/8 ip daddr CIP masquerade
 *	ip saddr SUBNET ip daddr CIP ct status dnat masquerade
 *
 * (host loopback access, which also needs route_localnet on the bridge,
 * and hairpin). `cip` and `subnet` are in network order. One batch:
 * the chains are created if missing and flushed first, so it replaces
 * whatever an earlier start left. 0 or -1 (e->code the kernel's errno:
 * ENOENT, EOPNOTSUPP or EPROTONOSUPPORT without nf_tables or one of its
 * expressions).
 */
int nft_ports_apply(const char *tag, uint32_t subnet, int prefix,
    uint32_t cip, const struct nft_dnat *v, size_t n, struct err *e);

/* Delete those chains (missing ones are fine), and the table when no
 * chain is left. 0 or -1. */
int nft_ports_remove(const char *tag, struct err *e);

/* The name of port chain `which` (0 pre, 1 out, 2 post) of `tag`. */
void nft_port_chain(char *buf, size_t len, const char *tag, int which);

/*
 * Building blocks for more rules (part of the API for port publishing):
 * begin a batch in `m` (a writer over the caller's buffer), and end it.
 * Between them, add nf_tables messages with nl_msg_begin(m,
 * nft_type(NFT_MSG_...), flags, sizeof(struct nfgenmsg)) and
 * nft_family() on the returned header.
 */
void nft_batch_begin(struct nl_msg *m);
void nft_batch_end(struct nl_msg *m);

/* The nlmsg_type of nf_tables message `msg` (NFT_MSG_*). */
uint16_t nft_type(int msg);

/* Fill an nfgenmsg (may be NULL after an overflow) for `family`. */
void nft_family(void *nfgenmsg, int family);

#endif

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
 * Port publishing (DNAT chains, hairpin) is meant to extend this file
 * with more chains in the same table: nft_batch_begin()/nft_batch_end()
 * and the expression writers are the building blocks.
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

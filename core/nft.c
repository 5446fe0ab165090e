/* nft.c - rocker's masquerade chains in nf_tables, over nfnetlink */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netlink.h"
#include "nft.h"

const char nft_table[] = "rocker";

uint16_t
nft_type(int msg)
{
	return (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 | msg);
}

void
nft_family(void *p, int family)
{
	struct nfgenmsg g;

	if (!p)
		return;
	memset(&g, 0, sizeof(g));
	g.nfgen_family = (uint8_t)family;
	g.version = NFNETLINK_V0;
	g.res_id = 0;
	memcpy(p, &g, sizeof(g));
}

static void
marker(struct nl_msg *m, uint16_t type)
{
	struct nfgenmsg g;
	void *p;

	p = nl_msg_begin(m, type, 0, sizeof(g));
	if (p) {
		memset(&g, 0, sizeof(g));
		g.res_id = htons(NFNL_SUBSYS_NFTABLES);
		memcpy(p, &g, sizeof(g));
	}
	nl_msg_end(m);
}

void
nft_batch_begin(struct nl_msg *m)
{
	marker(m, NFNL_MSG_BATCH_BEGIN);
}

void
nft_batch_end(struct nl_msg *m)
{
	marker(m, NFNL_MSG_BATCH_END);
}

static void
chain_name(char *buf, size_t len, const char *ifname)
{
	snprintf(buf, len, "post-%s", ifname);
}

/* A message of the batch on the `ip` family. */
static void
begin(struct nl_msg *m, int msg, uint16_t flags)
{
	nft_family(nl_msg_begin(m, nft_type(msg), flags,
	    sizeof(struct nfgenmsg)), NFPROTO_IPV4);
}

/* Expression list element: name + data nest; caller closes with
 * expr_end(). */
static void
expr_begin(struct nl_msg *m, const char *name)
{
	nl_nest_begin(m, NFTA_LIST_ELEM, 1);
	nl_attr_put_str(m, NFTA_EXPR_NAME, name);
	nl_nest_begin(m, NFTA_EXPR_DATA, 1);
}

static void
expr_end(struct nl_msg *m)
{
	nl_nest_end(m);
	nl_nest_end(m);
}

static void
data_value(struct nl_msg *m, uint16_t type, const void *v, size_t len)
{
	nl_nest_begin(m, type, 1);
	nl_attr_put(m, NFTA_DATA_VALUE, v, len);
	nl_nest_end(m);
}

static void
new_table(struct nl_msg *m)
{
	begin(m, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	nl_attr_put_str(m, NFTA_TABLE_NAME, nft_table);
	nl_msg_end(m);
}

/* A base chain of type nat on `hook` at `prio`, created if missing. */
static void
new_chain(struct nl_msg *m, const char *chain, int hook, int prio)
{
	begin(m, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
	nl_attr_put_str(m, NFTA_CHAIN_TABLE, nft_table);
	nl_attr_put_str(m, NFTA_CHAIN_NAME, chain);
	nl_nest_begin(m, NFTA_CHAIN_HOOK, 1);
	nl_attr_put_be32(m, NFTA_HOOK_HOOKNUM, (uint32_t)hook);
	nl_attr_put_be32(m, NFTA_HOOK_PRIORITY, (uint32_t)prio);
	nl_nest_end(m);
	nl_attr_put_str(m, NFTA_CHAIN_TYPE, "nat");
	nl_msg_end(m);
}

static void
table_and_chain(struct nl_msg *m, const char *chain)
{
	new_table(m);
	new_chain(m, chain, NF_INET_POST_ROUTING, NF_IP_PRI_NAT_SRC);
}

static void
flush_chain(struct nl_msg *m, const char *chain)
{
	begin(m, NFT_MSG_DELRULE, 0);
	nl_attr_put_str(m, NFTA_RULE_TABLE, nft_table);
	nl_attr_put_str(m, NFTA_RULE_CHAIN, chain);
	nl_msg_end(m);
}

static int
send_batch(struct nl_msg *m, struct err *e)
{
	struct nl_sock s;
	int r;

	if (nl_open(&s, NETLINK_NETFILTER, e) < 0)
		return -1;
	r = nl_transact(&s, m, NULL, NULL, e);
	nl_close(&s);
	return r;
}

struct rule_count {
	const char *chain;
	int n;
};

static int
rule_cb(const struct nlmsghdr *h, void *arg, struct err *e)
{
	const void *tb[NFTA_RULE_EXPRESSIONS + 1];
	size_t tl[NFTA_RULE_EXPRESSIONS + 1], off;
	struct rule_count *rc = arg;

	off = sizeof(*h) + sizeof(struct nfgenmsg);
	if (h->nlmsg_len < off)
		return err_set(e, ERR_PROTO, "nftables: short rule message");
	if (nl_attr_parse((const unsigned char *)h + off, h->nlmsg_len - off,
	    tb, tl, NFTA_RULE_EXPRESSIONS + 1, e) < 0)
		return -1;
	if (tb[NFTA_RULE_TABLE] && tl[NFTA_RULE_TABLE] == sizeof(nft_table) &&
	    memcmp(tb[NFTA_RULE_TABLE], nft_table, sizeof(nft_table)) == 0 &&
	    tb[NFTA_RULE_CHAIN] && tl[NFTA_RULE_CHAIN] ==
	    strlen(rc->chain) + 1 && memcmp(tb[NFTA_RULE_CHAIN], rc->chain,
	    tl[NFTA_RULE_CHAIN]) == 0)
		rc->n++;
	return 0;
}

/*
 * Rules in our chain `chain` (a dump, no transaction: a commit costs an
 * RCU grace period, so `run` only writes when something is missing).
 */
static int
count_rules(const char *chain, int *n, struct err *e)
{
	uint32_t buf[NL_MSG_MAX / 4];
	struct rule_count rc = { chain, 0 };
	struct nl_sock s;
	struct nl_msg m;
	int r;

	*n = 0;
	nl_msg_init(&m, buf, sizeof(buf));
	begin(&m, NFT_MSG_GETRULE, 0);
	nl_msg_end(&m);
	if (nl_open(&s, NETLINK_NETFILTER, e) < 0)
		return -1;
	r = nl_dump(&s, &m, rule_cb, &rc, e);
	nl_close(&s);
	*n = rc.n;
	return r;
}

int
nft_masq_ensure(const char *ifname, uint32_t subnet, int prefix,
    struct err *e)
{
	uint32_t buf[NL_MSG_MAX / 4];
	char chain[NFT_NAME_MAX], ifn[16];
	struct nl_msg m;
	uint32_t mask, zero = 0;

	if (prefix < 0 || prefix > 32 || strlen(ifname) >= sizeof(ifn))
		return err_set(e, ERR_USAGE, "masquerade: bad subnet or "
		    "interface");
	mask = prefix ? htonl(~0u << (32 - prefix)) : 0;
	subnet &= mask;
	memset(ifn, 0, sizeof(ifn));
	memcpy(ifn, ifname, strlen(ifname));
	chain_name(chain, sizeof(chain), ifname);
	/* The chain and its one rule are written in one batch: a chain
	 * with exactly one rule is ours, complete. */
	{
		struct err e2 = ERR_INIT;
		int nr = 0;

		if (count_rules(chain, &nr, &e2) == 0 && nr == 1)
			return 0;
	}
	nl_msg_init(&m, buf, sizeof(buf));
	nft_batch_begin(&m);
	table_and_chain(&m, chain);
	flush_chain(&m, chain);
	begin(&m, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
	nl_attr_put_str(&m, NFTA_RULE_TABLE, nft_table);
	nl_attr_put_str(&m, NFTA_RULE_CHAIN, chain);
	nl_nest_begin(&m, NFTA_RULE_EXPRESSIONS, 1);
	/* ip saddr (network header offset 12, 4 bytes) & mask == subnet */
	expr_begin(&m, "payload");
	nl_attr_put_be32(&m, NFTA_PAYLOAD_DREG, NFT_REG_1);
	nl_attr_put_be32(&m, NFTA_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER);
	nl_attr_put_be32(&m, NFTA_PAYLOAD_OFFSET, 12);
	nl_attr_put_be32(&m, NFTA_PAYLOAD_LEN, 4);
	expr_end(&m);
	expr_begin(&m, "bitwise");
	nl_attr_put_be32(&m, NFTA_BITWISE_SREG, NFT_REG_1);
	nl_attr_put_be32(&m, NFTA_BITWISE_DREG, NFT_REG_1);
	nl_attr_put_be32(&m, NFTA_BITWISE_LEN, 4);
	data_value(&m, NFTA_BITWISE_MASK, &mask, 4);
	data_value(&m, NFTA_BITWISE_XOR, &zero, 4);
	expr_end(&m);
	expr_begin(&m, "cmp");
	nl_attr_put_be32(&m, NFTA_CMP_SREG, NFT_REG_1);
	nl_attr_put_be32(&m, NFTA_CMP_OP, NFT_CMP_EQ);
	data_value(&m, NFTA_CMP_DATA, &subnet, 4);
	expr_end(&m);
	/* oifname != ifname */
	expr_begin(&m, "meta");
	nl_attr_put_be32(&m, NFTA_META_DREG, NFT_REG_1);
	nl_attr_put_be32(&m, NFTA_META_KEY, NFT_META_OIFNAME);
	expr_end(&m);
	expr_begin(&m, "cmp");
	nl_attr_put_be32(&m, NFTA_CMP_SREG, NFT_REG_1);
	nl_attr_put_be32(&m, NFTA_CMP_OP, NFT_CMP_NEQ);
	data_value(&m, NFTA_CMP_DATA, ifn, sizeof(ifn));
	expr_end(&m);
	expr_begin(&m, "masq");
	expr_end(&m);
	nl_nest_end(&m);
	nl_msg_end(&m);
	nft_batch_end(&m);
	if (send_batch(&m, e) < 0)
		return err_ctx(e, "nftables: masquerade for %s", ifname);
	return 0;
}

static int
chain_cb(const struct nlmsghdr *h, void *arg, struct err *e)
{
	const void *tb[NFTA_CHAIN_TYPE + 1];
	size_t tl[NFTA_CHAIN_TYPE + 1], off;

	off = sizeof(*h) + sizeof(struct nfgenmsg);
	if (h->nlmsg_len < off)
		return err_set(e, ERR_PROTO, "nftables: short chain message");
	if (nl_attr_parse((const unsigned char *)h + off, h->nlmsg_len - off,
	    tb, tl, NFTA_CHAIN_TYPE + 1, e) < 0)
		return -1;
	if (tb[NFTA_CHAIN_TABLE] && tl[NFTA_CHAIN_TABLE] == sizeof(nft_table) &&
	    memcmp(tb[NFTA_CHAIN_TABLE], nft_table, sizeof(nft_table)) == 0)
		(*(int *)arg)++;
	return 0;
}

/* How many chains the `ip rocker` table has. */
static int
count_chains(int *n, struct err *e)
{
	uint32_t buf[NL_MSG_MAX / 4];
	struct nl_sock s;
	struct nl_msg m;
	int r;

	*n = 0;
	nl_msg_init(&m, buf, sizeof(buf));
	begin(&m, NFT_MSG_GETCHAIN, 0);
	nl_msg_end(&m);
	if (nl_open(&s, NETLINK_NETFILTER, e) < 0)
		return -1;
	r = nl_dump(&s, &m, chain_cb, n, e);
	nl_close(&s);
	return r;
}

/* The table goes with its last chain: DELTABLE would take every chain
 * along, so only when none is left. Failures are ignored (0). */
static int
drop_table_if_empty(struct err *e)
{
	uint32_t buf[NL_MSG_MAX / 4];
	struct nl_msg m;
	int n = 0;

	if (count_chains(&n, e) < 0 || n > 0) {
		err_clear(e);
		return 0;
	}
	nl_msg_init(&m, buf, sizeof(buf));
	nft_batch_begin(&m);
	begin(&m, NFT_MSG_DELTABLE, 0);
	nl_attr_put_str(&m, NFTA_TABLE_NAME, nft_table);
	nl_msg_end(&m);
	nft_batch_end(&m);
	if (send_batch(&m, e) < 0 && e->code != EBUSY && e->code != ENOENT)
		return err_ctx(e, "nftables: remove table %s", nft_table);
	err_clear(e);
	return 0;
}

int
nft_masq_remove(const char *ifname, struct err *e)
{
	uint32_t buf[NL_MSG_MAX / 4];
	char chain[NFT_NAME_MAX];
	struct nl_msg m;

	chain_name(chain, sizeof(chain), ifname);
	nl_msg_init(&m, buf, sizeof(buf));
	nft_batch_begin(&m);
	flush_chain(&m, chain);
	begin(&m, NFT_MSG_DELCHAIN, 0);
	nl_attr_put_str(&m, NFTA_CHAIN_TABLE, nft_table);
	nl_attr_put_str(&m, NFTA_CHAIN_NAME, chain);
	nl_msg_end(&m);
	nft_batch_end(&m);
	if (send_batch(&m, e) < 0) {
		if (e->code == ENOENT) {
			err_clear(e);
			return 0;
		}
		return err_ctx(e, "nftables: remove the chain for %s", ifname);
	}
	return drop_table_if_empty(e);
}

/* --- port publishing ------------------------------------------------- */

static const struct {
	const char *suffix;
	int hook, prio;
} port_chains[] = {
	{ "pre", NF_INET_PRE_ROUTING, NF_IP_PRI_NAT_DST },
	{ "out", NF_INET_LOCAL_OUT, NF_IP_PRI_NAT_DST },
	{ "post", NF_INET_POST_ROUTING, NF_IP_PRI_NAT_SRC },
};

enum {
	NPORT_CHAINS = sizeof(port_chains) / sizeof(port_chains[0]),
	RULE_BYTES = 640,	/* a DNAT rule's message, with room */
};

void
nft_port_chain(char *buf, size_t len, const char *tag, int which)
{
	snprintf(buf, len, "ctr-%.12s-%s", tag, port_chains[which].suffix);
}

static void
load_payload(struct nl_msg *m, int base, int off, int len)
{
	expr_begin(m, "payload");
	nl_attr_put_be32(m, NFTA_PAYLOAD_DREG, NFT_REG_1);
	nl_attr_put_be32(m, NFTA_PAYLOAD_BASE, (uint32_t)base);
	nl_attr_put_be32(m, NFTA_PAYLOAD_OFFSET, (uint32_t)off);
	nl_attr_put_be32(m, NFTA_PAYLOAD_LEN, (uint32_t)len);
	expr_end(m);
}

static void
cmp(struct nl_msg *m, int op, const void *v, size_t len)
{
	expr_begin(m, "cmp");
	nl_attr_put_be32(m, NFTA_CMP_SREG, NFT_REG_1);
	nl_attr_put_be32(m, NFTA_CMP_OP, (uint32_t)op);
	data_value(m, NFTA_CMP_DATA, v, len);
	expr_end(m);
}

/* reg1 & mask == value (all `len` bytes, as in memory). */
static void
masked_eq(struct nl_msg *m, const void *mask, const void *value, size_t len)
{
	static const unsigned char zero[16];

	expr_begin(m, "bitwise");
	nl_attr_put_be32(m, NFTA_BITWISE_SREG, NFT_REG_1);
	nl_attr_put_be32(m, NFTA_BITWISE_DREG, NFT_REG_1);
	nl_attr_put_be32(m, NFTA_BITWISE_LEN, (uint32_t)len);
	data_value(m, NFTA_BITWISE_MASK, mask, len);
	data_value(m, NFTA_BITWISE_XOR, zero, len);
	expr_end(m);
	cmp(m, NFT_CMP_EQ, value, len);
}

static void
immediate(struct nl_msg *m, int reg, const void *v, size_t len)
{
	expr_begin(m, "immediate");
	nl_attr_put_be32(m, NFTA_IMMEDIATE_DREG, (uint32_t)reg);
	data_value(m, NFTA_IMMEDIATE_DATA, v, len);
	expr_end(m);
}

static void
rule_begin(struct nl_msg *m, const char *chain)
{
	begin(m, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
	nl_attr_put_str(m, NFTA_RULE_TABLE, nft_table);
	nl_attr_put_str(m, NFTA_RULE_CHAIN, chain);
	nl_nest_begin(m, NFTA_RULE_EXPRESSIONS, 1);
}

static void
rule_end(struct nl_msg *m)
{
	nl_nest_end(m);
	nl_msg_end(m);
}

/*
 * [ip daddr HOST | fib daddr type local] meta l4proto P th dport HP
 * dnat to CIP:CP
 */
static void
dnat_rule(struct nl_msg *m, const char *chain, const struct nft_dnat *d,
    uint32_t cip)
{
	uint32_t local = RTN_LOCAL;
	uint16_t hp = htons(d->host_port), cp = htons(d->ctr_port);
	uint8_t proto = d->proto;

	rule_begin(m, chain);
	if (d->host_ip) {
		load_payload(m, NFT_PAYLOAD_NETWORK_HEADER, 16, 4);
		cmp(m, NFT_CMP_EQ, &d->host_ip, 4);
	} else {
		expr_begin(m, "fib");
		nl_attr_put_be32(m, NFTA_FIB_DREG, NFT_REG_1);
		nl_attr_put_be32(m, NFTA_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
		nl_attr_put_be32(m, NFTA_FIB_FLAGS, NFTA_FIB_F_DADDR);
		expr_end(m);
		cmp(m, NFT_CMP_EQ, &local, 4);
	}
	expr_begin(m, "meta");
	nl_attr_put_be32(m, NFTA_META_DREG, NFT_REG_1);
	nl_attr_put_be32(m, NFTA_META_KEY, NFT_META_L4PROTO);
	expr_end(m);
	cmp(m, NFT_CMP_EQ, &proto, 1);
	load_payload(m, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
	cmp(m, NFT_CMP_EQ, &hp, 2);
	immediate(m, NFT_REG_1, &cip, 4);
	immediate(m, NFT_REG_2, &cp, 2);
	expr_begin(m, "nat");
	nl_attr_put_be32(m, NFTA_NAT_TYPE, NFT_NAT_DNAT);
	nl_attr_put_be32(m, NFTA_NAT_FAMILY, NFPROTO_IPV4);
	nl_attr_put_be32(m, NFTA_NAT_REG_ADDR_MIN, NFT_REG_1);
	nl_attr_put_be32(m, NFTA_NAT_REG_PROTO_MIN, NFT_REG_2);
	nl_attr_put_be32(m, NFTA_NAT_FLAGS, NF_NAT_RANGE_MAP_IPS |
	    NF_NAT_RANGE_PROTO_SPECIFIED);
	expr_end(m);
	rule_end(m);
}

/* ip saddr SRC/MASK ip daddr CIP [ct status dnat] masquerade */
static void
masq_rule(struct nl_msg *m, const char *chain, uint32_t src, uint32_t mask,
    uint32_t cip, int dnat_only)
{
	uint32_t st = IPS_DST_NAT, zero = 0;

	rule_begin(m, chain);
	load_payload(m, NFT_PAYLOAD_NETWORK_HEADER, 12, 4);
	masked_eq(m, &mask, &src, 4);
	load_payload(m, NFT_PAYLOAD_NETWORK_HEADER, 16, 4);
	cmp(m, NFT_CMP_EQ, &cip, 4);
	if (dnat_only) {
		expr_begin(m, "ct");
		nl_attr_put_be32(m, NFTA_CT_DREG, NFT_REG_1);
		nl_attr_put_be32(m, NFTA_CT_KEY, NFT_CT_STATUS);
		expr_end(m);
		expr_begin(m, "bitwise");
		nl_attr_put_be32(m, NFTA_BITWISE_SREG, NFT_REG_1);
		nl_attr_put_be32(m, NFTA_BITWISE_DREG, NFT_REG_1);
		nl_attr_put_be32(m, NFTA_BITWISE_LEN, 4);
		data_value(m, NFTA_BITWISE_MASK, &st, 4);
		data_value(m, NFTA_BITWISE_XOR, &zero, 4);
		expr_end(m);
		cmp(m, NFT_CMP_NEQ, &zero, 4);
	}
	expr_begin(m, "masq");
	expr_end(m);
	rule_end(m);
}

int
nft_ports_apply(const char *tag, uint32_t subnet, int prefix, uint32_t cip,
    const struct nft_dnat *v, size_t n, struct err *e)
{
	char chain[NPORT_CHAINS][NFT_NAME_MAX];
	struct nl_msg m;
	unsigned char *buf;
	size_t cap, i;
	int k, r;
	uint32_t mask;

	if (prefix < 0 || prefix > 32 || n > NFT_DNAT_MAX)
		return err_set(e, ERR_USAGE, "nftables: bad port rules");
	mask = prefix ? htonl(~0u << (32 - prefix)) : 0;
	cap = NL_MSG_MAX + (2 * n + 2) * RULE_BYTES;
	buf = calloc(1, cap);
	if (!buf)
		return err_set(e, ENOMEM, "out of memory");
	nl_msg_init(&m, buf, cap);
	nft_batch_begin(&m);
	new_table(&m);
	/* Created if missing, then flushed: what an earlier start left
	 * (a monitor killed before it cleaned up) is replaced whole. */
	for (k = 0; k < NPORT_CHAINS; k++) {
		nft_port_chain(chain[k], sizeof(chain[k]), tag, k);
		new_chain(&m, chain[k], port_chains[k].hook,
		    port_chains[k].prio);
		flush_chain(&m, chain[k]);
	}
	for (i = 0; i < n; i++) {
		dnat_rule(&m, chain[0], &v[i], cip);
		dnat_rule(&m, chain[1], &v[i], cip);
	}
	/* 127.0.0.1:PORT from the host (route_localnet on the bridge):
	 * the container must see a source it can answer. */
	masq_rule(&m, chain[2], htonl(0x7f000000), htonl(0xff000000), cip, 0);
	/* Hairpin: a container of the bridge (this one too) through a
	 * published port comes back over the bridge, so its source must be
	 * the gateway's, or the reply would bypass the NAT. */
	masq_rule(&m, chain[2], subnet & mask, mask, cip, 1);
	nft_batch_end(&m);
	r = send_batch(&m, e);
	free(buf);
	if (r < 0)
		return err_ctx(e, "nftables: port rules");
	return 0;
}

static int
remove_chains(const char *tag, int first, int last, struct err *e)
{
	uint32_t buf[NL_MSG_MAX / 4];
	char chain[NFT_NAME_MAX];
	struct nl_msg m;
	int k;

	nl_msg_init(&m, buf, sizeof(buf));
	nft_batch_begin(&m);
	for (k = first; k <= last; k++) {
		nft_port_chain(chain, sizeof(chain), tag, k);
		flush_chain(&m, chain);
		begin(&m, NFT_MSG_DELCHAIN, 0);
		nl_attr_put_str(&m, NFTA_CHAIN_TABLE, nft_table);
		nl_attr_put_str(&m, NFTA_CHAIN_NAME, chain);
		nl_msg_end(&m);
	}
	nft_batch_end(&m);
	return send_batch(&m, e);
}

int
nft_ports_remove(const char *tag, struct err *e)
{
	int k;

	if (remove_chains(tag, 0, NPORT_CHAINS - 1, e) == 0)
		return drop_table_if_empty(e);
	if (e->code != ENOENT)
		return err_ctx(e, "nftables: remove port rules");
	/* Some are missing (a batch half applied never exists, but a user
	 * may have deleted one): one by one. */
	for (k = 0; k < NPORT_CHAINS; k++) {
		err_clear(e);
		if (remove_chains(tag, k, k, e) < 0 && e->code != ENOENT)
			return err_ctx(e, "nftables: remove port rules");
	}
	err_clear(e);
	return drop_table_if_empty(e);
}

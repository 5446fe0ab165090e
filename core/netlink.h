/* netlink.h - rtnetlink (and nfnetlink) messages over caller-supplied
 * buffers: links, addresses, routes
 *
 * Three layers, each usable alone:
 *
 *	struct nl_msg	a bounded message writer over a buffer the caller
 *			owns: one or more netlink messages (a batch), each
 *			with a family header and attributes, nested to
 *			NL_NEST_MAX levels. Every write is checked against
 *			the buffer; an overflow is sticky and reported once
 *			by nl_msg_end()/nl_transact() (no partial message is
 *			ever sent).
 *	nl_reply_*	a parser for what the kernel sends back: a walk over
 *			the messages of one datagram and attribute tables,
 *			with every length checked (the fuzz target's entry).
 *	struct nl_sock	a socket with sequence numbers: nl_transact() sends
 *			a buffer of requests and waits for the ACK of each
 *			(a kernel error comes back as its errno);
 *			nl_dump() collects a dump through a callback.
 *
 * On top of these, the rtnetlink operations rocker needs (bridge and veth
 * links, up/down, master, MTU, moving a link into another network
 * namespace and renaming it there, IPv4/IPv6 addresses and routes, and
 * dumps of links, addresses and routes). No `ip` binary is involved.
 *
 * A socket works in the network namespace it was opened in; nl_open_ns()
 * opens one inside another namespace (setns there and back, so the caller
 * must be single-threaded, as rocker is). Nothing here prints or exits.
 */
#ifndef ROCKER_NETLINK_H
#define ROCKER_NETLINK_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "nlabi.h"

enum {
	NL_NEST_MAX = 8,	/* nesting depth of attributes */
	NL_MSG_MAX = 8192,	/* a request buffer that fits every
				 * operation below */
	NL_RX_MAX = 65536,	/* receive buffer of a socket */
	NL_ATTR_MAX = 64,	/* attribute types nl_attr_parse() indexes */
	NL_TIMEOUT_MS = 5000,	/* how long to wait for a kernel reply */
};

/* A message writer. Zero fields are not valid: use nl_msg_init(). */
struct nl_msg {
	unsigned char *buf;	/* borrowed from the caller */
	size_t cap;
	size_t len;		/* bytes written (whole messages) */
	size_t cur;		/* offset of the open message, or SIZE_MAX */
	size_t nest[NL_NEST_MAX];
	int nnest;
	int overflow;		/* sticky: something did not fit */
	int nmsgs;		/* messages begun */
};

/* Start writing into `buf` (`cap` bytes, which must stay valid while the
 * writer is used). */
void nl_msg_init(struct nl_msg *m, void *buf, size_t cap);

/*
 * Begin a message of `type` with `flags` (NLM_F_REQUEST is added) and a
 * zeroed family header of `hdrlen` bytes, returned for the caller to fill
 * (NULL after an overflow; later writes are then ignored). The sequence
 * number is assigned when sent.
 */
void *nl_msg_begin(struct nl_msg *m, uint16_t type, uint16_t flags,
    size_t hdrlen);

/* Close the open message. */
void nl_msg_end(struct nl_msg *m);

/* Append an attribute (`len` bytes of `data`, which may be NULL when len
 * is 0) to the open message or nest. */
void nl_attr_put(struct nl_msg *m, uint16_t type, const void *data,
    size_t len);
void nl_attr_put_u8(struct nl_msg *m, uint16_t type, uint8_t v);
void nl_attr_put_u32(struct nl_msg *m, uint16_t type, uint32_t v);
/* A u32 in network byte order (nf_tables' attributes). */
void nl_attr_put_be32(struct nl_msg *m, uint16_t type, uint32_t v);
/* A NUL-terminated string attribute. */
void nl_attr_put_str(struct nl_msg *m, uint16_t type, const char *s);

/* Open a nested attribute (NLA_F_NESTED is set when `flag_nested`); close
 * it with nl_nest_end(). Deeper than NL_NEST_MAX is an overflow. */
void nl_nest_begin(struct nl_msg *m, uint16_t type, int flag_nested);
void nl_nest_end(struct nl_msg *m);

/* 0 when the buffer holds complete, well-nested messages; -1 (ERR_LIMIT)
 * after an overflow or with a message or nest left open. */
int nl_msg_check(const struct nl_msg *m, struct err *e);

/* --- parsing replies ------------------------------------------------- */

/*
 * Called for each message of a reply that is not an ACK, an error or
 * NLMSG_DONE. `h` and its payload (h->nlmsg_len bytes, checked) live in
 * the caller's buffer for the duration of the call. Return 0 to go on, -1
 * (with `e` set) to stop.
 */
typedef int (*nl_msg_cb)(const struct nlmsghdr *h, void *arg,
    struct err *e);

/* What nl_reply_walk() found in one datagram. */
struct nl_walk {
	int acks;		/* NLMSG_ERROR with error 0 */
	int done;		/* NLMSG_DONE seen */
	int error;		/* first negative errno of an NLMSG_ERROR, 0
				 * when none */
	uint32_t error_seq;	/* its sequence number */
};

/*
 * Walk the messages in `buf` (`len` bytes, as received). Each header's
 * length is checked against what is left; a truncated or malformed
 * message is ERR_PROTO. Messages whose sequence number is outside
 * [seq_lo, seq_hi] are skipped (stale replies). ACKs, errors and DONE are
 * counted in `w` (which the caller zeroes once per request); other
 * messages go to `cb` (may be NULL). Returns 0, or -1 on a malformed
 * datagram or when `cb` fails.
 */
int nl_reply_walk(const void *buf, size_t len, uint32_t seq_lo,
    uint32_t seq_hi, nl_msg_cb cb, void *arg, struct nl_walk *w,
    struct err *e);

/*
 * Index the attributes in `data` (`len` bytes) by type: tb[type] points
 * at the attribute's payload and tlen[type] is its length, for types below
 * `max` (at most NL_ATTR_MAX; others are ignored; a repeated type keeps
 * the last). tb and tlen are zeroed first. ERR_PROTO when an attribute's
 * length is impossible. Flags (NLA_F_NESTED...) are masked off the type.
 */
int nl_attr_parse(const void *data, size_t len, const void **tb,
    size_t *tlen, int max, struct err *e);

/* A link as dumped (RTM_NEWLINK). */
struct nl_link {
	int index;
	char name[IFNAMSIZ];
	unsigned int flags;	/* IFF_UP... */
	int mtu;		/* 0 if not reported */
	int master;		/* ifindex of the bridge, 0 if none */
	char kind[16];		/* "bridge", "veth", "" if none */
	int link_netnsid;	/* peer's namespace id, -1 if none */
};

/* An address as dumped (RTM_NEWADDR). */
struct nl_addr {
	int index;
	int family;		/* AF_INET or AF_INET6 */
	int prefix;
	unsigned char addr[16];	/* 4 or 16 bytes used */
	char label[IFNAMSIZ];
};

/* A route as dumped (RTM_NEWROUTE). */
struct nl_route {
	int family;
	int dst_len;
	unsigned char dst[16];	/* zero for a default route */
	unsigned char gw[16];
	int has_gw;
	int oif;		/* 0 if none */
	int table;
	int type;		/* RTN_UNICAST... */
};

/* Decode one message of a dump into `out` (zeroed first). ERR_PROTO when
 * it is not of the expected type or its lengths do not hold up. */
int nl_parse_link(const struct nlmsghdr *h, struct nl_link *out,
    struct err *e);
int nl_parse_addr(const struct nlmsghdr *h, struct nl_addr *out,
    struct err *e);
int nl_parse_route(const struct nlmsghdr *h, struct nl_route *out,
    struct err *e);

/* --- the socket ------------------------------------------------------ */

/* An open netlink socket with its receive buffer (NL_RX_MAX bytes on the
 * heap, owned). */
struct nl_sock {
	int fd;
	int proto;
	uint32_t seq;
	unsigned char *rx;
};

/* Open a socket of `proto` (NETLINK_ROUTE, NETLINK_NETFILTER) in the
 * caller's network namespace. `s` need not be initialised. 0 or -1. */
int nl_open(struct nl_sock *s, int proto, struct err *e);

/*
 * Open it inside the network namespace `nsfd` (an fd of /proc/PID/ns/net
 * or a /run/netns file): setns() there, socket(), setns() back. The
 * caller must be single-threaded. 0 or -1 (the caller's namespace is
 * restored either way; failing to restore it is reported).
 */
int nl_open_ns(struct nl_sock *s, int proto, int nsfd, struct err *e);

/* Close. Safe on a zeroed struct with fd -1 and twice. */
void nl_close(struct nl_sock *s);

/*
 * Send every message in `m` (numbered with consecutive sequence numbers;
 * NLM_F_ACK is set on each except nfnetlink batch markers) and wait for
 * their ACKs. The first kernel error is returned as -1 with e->code the
 * errno. Non-ACK replies go to `cb` (may be NULL). 0 or -1.
 */
int nl_transact(struct nl_sock *s, struct nl_msg *m, nl_msg_cb cb,
    void *arg, struct err *e);

/* Send the single dump request in `m` (NLM_F_DUMP set) and pass every
 * reply message to `cb` until NLMSG_DONE. 0 or -1. */
int nl_dump(struct nl_sock *s, struct nl_msg *m, nl_msg_cb cb, void *arg,
    struct err *e);

/* --- rtnetlink operations -------------------------------------------- */

/* The index of link `name`, 0 (not an error) when there is none, -1 on
 * error. */
int nl_link_index(struct nl_sock *s, const char *name, struct err *e);

/* Create a bridge called `name`. EEXIST when it exists. 0 or -1. */
int nl_bridge_add(struct nl_sock *s, const char *name, struct err *e);

/* Create a veth pair `name` <-> `peer` with the peer made straight in
 * the network namespace open as `peer_nsfd` (the socket's own when < 0)
 * with MAC `peer_mac` (random when NULL): no later move, which costs the
 * kernel RCU grace periods (tens of milliseconds). 0 or -1. */
int nl_veth_add(struct nl_sock *s, const char *name, const char *peer,
    int peer_nsfd, const unsigned char peer_mac[6], struct err *e);

/* Delete link `index` (a veth takes its peer along). 0 or -1. */
int nl_link_del(struct nl_sock *s, int index, struct err *e);

/* Set link `index` up (`up` 1) or down (0). 0 or -1. */
int nl_link_set_up(struct nl_sock *s, int index, int up, struct err *e);

/* Enslave link `index` to bridge `master` (0: release it). 0 or -1. */
int nl_link_set_master(struct nl_sock *s, int index, int master,
    struct err *e);

/* Set the MTU of link `index`. 0 or -1. */
int nl_link_set_mtu(struct nl_sock *s, int index, int mtu, struct err *e);

/* Add (`add` 1) or delete (0) address `addr` (4 bytes for AF_INET, 16
 * for AF_INET6) with `prefix` on link `index`; IPv4 gets the subnet's
 * broadcast address. 0 or -1. */
int nl_addr_change(struct nl_sock *s, int add, int index, int family,
    const void *addr, int prefix, struct err *e);

/*
 * Add (`add` 1) or delete (0) a route in the main table to `dst`/`dst_len`
 * (dst NULL, dst_len 0: the default route) via gateway `gw` (NULL: a
 * directly connected route) out of link `oif` (0: any). 0 or -1.
 */
int nl_route_change(struct nl_sock *s, int add, int family, const void *dst,
    int dst_len, const void *gw, int oif, struct err *e);

/* Dumps: heap arrays the caller frees, *n entries. 0 or -1. `family`
 * AF_UNSPEC for all. */
int nl_link_list(struct nl_sock *s, struct nl_link **out, size_t *n,
    struct err *e);
int nl_addr_list(struct nl_sock *s, int family, struct nl_addr **out,
    size_t *n, struct err *e);
int nl_route_list(struct nl_sock *s, int family, struct nl_route **out,
    size_t *n, struct err *e);

/*
 * The namespace id that the socket's namespace has assigned to the
 * namespace `nsfd` (RTM_GETNSID, as `ip netns list` shows "(id: N)"):
 * >= 0, or -1 with *none set when no id is assigned; -1 with *none 0 on
 * error.
 */
int nl_nsid_get(struct nl_sock *s, int nsfd, int *none, struct err *e);

#endif

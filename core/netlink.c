/* netlink.c - bounded netlink messages, reply parsing, rtnetlink calls */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netlink.h"

enum {
	ATTR_HDR = 4,		/* struct nlattr / rtattr */
};

/* Where the list callbacks collect entries. */
struct list {
	void *v;
	size_t n, cap, size;
	int kind;		/* 0 link, 1 addr, 2 route */
	int family;
};

/* --- the writer ------------------------------------------------------ */

static size_t
align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* Reserve `len` bytes (padded to 4) in the open message, zeroed. */
static unsigned char *
reserve(struct nl_msg *m, size_t len)
{
	size_t need = align4(len);
	unsigned char *p;

	if (m->overflow || m->cur == SIZE_MAX)
		goto bad;
	if (need < len || m->cap - m->len < need)
		goto bad;
	p = m->buf + m->len;
	memset(p, 0, need);
	m->len += need;
	return p;
bad:
	m->overflow = 1;
	return NULL;
}

/* Keep the open message's nlmsg_len current. */
static void
sync_len(struct nl_msg *m)
{
	uint32_t l;

	if (m->cur == SIZE_MAX)
		return;
	l = (uint32_t)(m->len - m->cur);
	memcpy(m->buf + m->cur + offsetof(struct nlmsghdr, nlmsg_len), &l,
	    sizeof(l));
}

void
nl_msg_init(struct nl_msg *m, void *buf, size_t cap)
{
	memset(m, 0, sizeof(*m));
	m->buf = buf;
	m->cap = cap;
	m->cur = SIZE_MAX;
}

void *
nl_msg_begin(struct nl_msg *m, uint16_t type, uint16_t flags,
    size_t hdrlen)
{
	struct nlmsghdr h;
	unsigned char *p;

	if (m->overflow)
		return NULL;
	if (m->cur != SIZE_MAX) {	/* a message left open */
		m->overflow = 1;
		return NULL;
	}
	m->cur = m->len;
	p = reserve(m, sizeof(h) + hdrlen);
	if (!p) {
		m->cur = SIZE_MAX;
		return NULL;
	}
	memset(&h, 0, sizeof(h));
	h.nlmsg_type = type;
	h.nlmsg_flags = flags | NLM_F_REQUEST;
	memcpy(p, &h, sizeof(h));
	sync_len(m);
	m->nmsgs++;
	return p + sizeof(h);
}

void
nl_msg_end(struct nl_msg *m)
{
	if (m->cur == SIZE_MAX || m->nnest) {
		m->overflow = 1;
		return;
	}
	sync_len(m);
	m->cur = SIZE_MAX;
}

void
nl_attr_put(struct nl_msg *m, uint16_t type, const void *data, size_t len)
{
	unsigned char *p;
	uint16_t alen;

	if (len > 0xffff - ATTR_HDR) {
		m->overflow = 1;
		return;
	}
	p = reserve(m, ATTR_HDR + len);
	if (!p)
		return;
	alen = (uint16_t)(ATTR_HDR + len);
	memcpy(p, &alen, 2);
	memcpy(p + 2, &type, 2);
	if (len)
		memcpy(p + ATTR_HDR, data, len);
	sync_len(m);
}

void
nl_attr_put_u8(struct nl_msg *m, uint16_t type, uint8_t v)
{
	nl_attr_put(m, type, &v, 1);
}

void
nl_attr_put_u32(struct nl_msg *m, uint16_t type, uint32_t v)
{
	nl_attr_put(m, type, &v, 4);
}

void
nl_attr_put_be32(struct nl_msg *m, uint16_t type, uint32_t v)
{
	v = htonl(v);
	nl_attr_put(m, type, &v, 4);
}

void
nl_attr_put_str(struct nl_msg *m, uint16_t type, const char *s)
{
	nl_attr_put(m, type, s, strlen(s) + 1);
}

void
nl_nest_begin(struct nl_msg *m, uint16_t type, int flag_nested)
{
	size_t off = m->len;

	if (m->nnest >= NL_NEST_MAX) {
		m->overflow = 1;
		return;
	}
	nl_attr_put(m, (uint16_t)(type | (flag_nested ? NLA_F_NESTED : 0)),
	    NULL, 0);
	if (m->overflow)
		return;
	m->nest[m->nnest++] = off;
}

void
nl_nest_end(struct nl_msg *m)
{
	size_t off, l;
	uint16_t alen;

	if (m->overflow)
		return;
	if (m->nnest <= 0) {
		m->overflow = 1;
		return;
	}
	off = m->nest[--m->nnest];
	l = m->len - off;
	if (l > 0xffff) {
		m->overflow = 1;
		return;
	}
	alen = (uint16_t)l;
	memcpy(m->buf + off, &alen, 2);
}

int
nl_msg_check(const struct nl_msg *m, struct err *e)
{
	if (m->overflow)
		return err_set(e, ERR_LIMIT, "netlink message does not fit "
		    "its buffer");
	if (m->cur != SIZE_MAX || m->nnest)
		return err_set(e, ERR_LIMIT, "netlink message left open");
	if (!m->nmsgs)
		return err_set(e, ERR_LIMIT, "empty netlink request");
	return 0;
}

/* --- the parser ------------------------------------------------------ */

int
nl_reply_walk(const void *buf, size_t len, uint32_t seq_lo, uint32_t seq_hi,
    nl_msg_cb cb, void *arg, struct nl_walk *w, struct err *e)
{
	const unsigned char *p = buf;
	struct nlmsghdr h;
	size_t off = 0, step;
	int32_t errv;

	while (len - off >= sizeof(h)) {
		memcpy(&h, p + off, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len - off)
			return err_set(e, ERR_PROTO, "netlink: truncated "
			    "message (%u bytes, %zu left)",
			    (unsigned)h.nlmsg_len, len - off);
		step = align4(h.nlmsg_len);
		if (h.nlmsg_seq < seq_lo || h.nlmsg_seq > seq_hi)
			goto next;
		switch (h.nlmsg_type) {
		case NLMSG_NOOP:
			break;
		case NLMSG_DONE:
			w->done = 1;
			if (h.nlmsg_len >= sizeof(h) + 4) {
				memcpy(&errv, p + off + sizeof(h), 4);
				if (errv < 0 && !w->error) {
					w->error = errv;
					w->error_seq = h.nlmsg_seq;
				}
			}
			break;
		case NLMSG_ERROR:
			if (h.nlmsg_len < sizeof(h) + 4)
				return err_set(e, ERR_PROTO, "netlink: short "
				    "error message");
			memcpy(&errv, p + off + sizeof(h), 4);
			if (errv == 0) {
				w->acks++;
			} else if (!w->error) {
				w->error = errv < 0 ? errv : -EPROTO;
				w->error_seq = h.nlmsg_seq;
			}
			break;
		case NLMSG_OVERRUN:
			return err_set(e, ERR_PROTO, "netlink: overrun");
		default:
			if (cb && cb((const struct nlmsghdr *)(const void *)
			    (p + off), arg, e) < 0)
				return -1;
		}
next:
		if (step >= len - off)
			break;
		off += step;
	}
	return 0;
}

int
nl_attr_parse(const void *data, size_t len, const void **tb, size_t *tlen,
    int max, struct err *e)
{
	const unsigned char *p = data;
	size_t off = 0;
	uint16_t alen, type;

	if (max > NL_ATTR_MAX)
		max = NL_ATTR_MAX;
	memset(tb, 0, (size_t)max * sizeof(*tb));
	memset(tlen, 0, (size_t)max * sizeof(*tlen));
	while (len - off >= ATTR_HDR) {
		memcpy(&alen, p + off, 2);
		memcpy(&type, p + off + 2, 2);
		if (alen < ATTR_HDR || alen > len - off)
			return err_set(e, ERR_PROTO, "netlink: bad attribute "
			    "length %u", (unsigned)alen);
		type &= NLA_TYPE_MASK;
		if (type < max) {
			tb[type] = p + off + ATTR_HDR;
			tlen[type] = alen - ATTR_HDR;
		}
		if (align4(alen) >= len - off)
			break;
		off += align4(alen);
	}
	return 0;
}

/* The payload of `h` after a family header of `hdr` bytes: attributes. */
static int
payload(const struct nlmsghdr *h, size_t hdr, const unsigned char **attrs,
    size_t *alen, struct err *e)
{
	size_t plen = h->nlmsg_len - sizeof(*h);

	if (h->nlmsg_len < sizeof(*h) || plen < hdr)
		return err_set(e, ERR_PROTO, "netlink: message too short");
	*attrs = (const unsigned char *)h + sizeof(*h) + align4(hdr);
	*alen = plen >= align4(hdr) ? plen - align4(hdr) : 0;
	return 0;
}

static uint32_t
get_u32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void
copy_str(char *dst, size_t cap, const void *src, size_t len)
{
	size_t n = len < cap - 1 ? len : cap - 1;
	const char *s = src;
	size_t i;

	for (i = 0; i < n && s[i]; i++)
		dst[i] = s[i];
	dst[i] = '\0';
}

int
nl_parse_link(const struct nlmsghdr *h, struct nl_link *out, struct err *e)
{
	const void *tb[IFLA_MAX_PARSED], *ti[IFLA_INFO_MAX_PARSED];
	size_t tl[IFLA_MAX_PARSED], til[IFLA_INFO_MAX_PARSED];
	const unsigned char *a;
	struct ifinfomsg ifi;
	size_t alen;

	memset(out, 0, sizeof(*out));
	out->link_netnsid = -1;
	if (h->nlmsg_type != RTM_NEWLINK)
		return err_set(e, ERR_PROTO, "netlink: not a link");
	if (payload(h, sizeof(ifi), &a, &alen, e) < 0)
		return -1;
	memcpy(&ifi, (const unsigned char *)h + sizeof(*h), sizeof(ifi));
	out->index = ifi.ifi_index;
	out->flags = ifi.ifi_flags;
	if (nl_attr_parse(a, alen, tb, tl, IFLA_MAX_PARSED, e) < 0)
		return -1;
	if (tb[IFLA_IFNAME])
		copy_str(out->name, sizeof(out->name), tb[IFLA_IFNAME],
		    tl[IFLA_IFNAME]);
	if (tb[IFLA_MTU] && tl[IFLA_MTU] >= 4)
		out->mtu = (int)get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_MASTER] && tl[IFLA_MASTER] >= 4)
		out->master = (int)get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_LINK_NETNSID] &&
	    tl[IFLA_LINK_NETNSID] >= 4)
		out->link_netnsid = (int)get_u32(tb[IFLA_LINK_NETNSID]);
	if (tb[IFLA_LINKINFO]) {
		if (nl_attr_parse(tb[IFLA_LINKINFO], tl[IFLA_LINKINFO], ti,
		    til, IFLA_INFO_MAX_PARSED, e) < 0)
			return -1;
		if (ti[IFLA_INFO_KIND])
			copy_str(out->kind, sizeof(out->kind),
			    ti[IFLA_INFO_KIND], til[IFLA_INFO_KIND]);
	}
	return 0;
}

int
nl_parse_addr(const struct nlmsghdr *h, struct nl_addr *out, struct err *e)
{
	const void *tb[IFA_MAX_PARSED];
	size_t tl[IFA_MAX_PARSED], want;
	const unsigned char *a;
	struct ifaddrmsg ifa;
	size_t alen;
	int k;

	memset(out, 0, sizeof(*out));
	if (h->nlmsg_type != RTM_NEWADDR)
		return err_set(e, ERR_PROTO, "netlink: not an address");
	if (payload(h, sizeof(ifa), &a, &alen, e) < 0)
		return -1;
	memcpy(&ifa, (const unsigned char *)h + sizeof(*h), sizeof(ifa));
	out->index = (int)ifa.ifa_index;
	out->family = ifa.ifa_family;
	out->prefix = ifa.ifa_prefixlen;
	if (nl_attr_parse(a, alen, tb, tl, IFA_MAX_PARSED, e) < 0)
		return -1;
	want = ifa.ifa_family == AF_INET ? 4 : ifa.ifa_family == AF_INET6 ?
	    16 : 0;
	k = tb[IFA_LOCAL] ? IFA_LOCAL : IFA_ADDRESS;
	if (tb[k]) {
		if (!want || tl[k] != want)
			return err_set(e, ERR_PROTO, "netlink: address of "
			    "%zu bytes for family %d", tl[k], out->family);
		memcpy(out->addr, tb[k], want);
	}
	if (tb[IFA_LABEL])
		copy_str(out->label, sizeof(out->label), tb[IFA_LABEL],
		    tl[IFA_LABEL]);
	return 0;
}

int
nl_parse_route(const struct nlmsghdr *h, struct nl_route *out,
    struct err *e)
{
	const void *tb[RTA_MAX_PARSED];
	size_t tl[RTA_MAX_PARSED], want;
	const unsigned char *a;
	struct rtmsg rt;
	size_t alen;

	memset(out, 0, sizeof(*out));
	if (h->nlmsg_type != RTM_NEWROUTE)
		return err_set(e, ERR_PROTO, "netlink: not a route");
	if (payload(h, sizeof(rt), &a, &alen, e) < 0)
		return -1;
	memcpy(&rt, (const unsigned char *)h + sizeof(*h), sizeof(rt));
	out->family = rt.rtm_family;
	out->dst_len = rt.rtm_dst_len;
	out->table = rt.rtm_table;
	out->type = rt.rtm_type;
	if (nl_attr_parse(a, alen, tb, tl, RTA_MAX_PARSED, e) < 0)
		return -1;
	want = rt.rtm_family == AF_INET ? 4 : rt.rtm_family == AF_INET6 ?
	    16 : 0;
	if (tb[RTA_DST]) {
		if (!want || tl[RTA_DST] != want)
			return err_set(e, ERR_PROTO, "netlink: bad route "
			    "destination");
		memcpy(out->dst, tb[RTA_DST], want);
	}
	if (tb[RTA_GATEWAY]) {
		if (!want || tl[RTA_GATEWAY] != want)
			return err_set(e, ERR_PROTO, "netlink: bad route "
			    "gateway");
		memcpy(out->gw, tb[RTA_GATEWAY], want);
		out->has_gw = 1;
	}
	if (tb[RTA_OIF] && tl[RTA_OIF] >= 4)
		out->oif = (int)get_u32(tb[RTA_OIF]);
	if (tb[RTA_TABLE] && tl[RTA_TABLE] >= 4)
		out->table = (int)get_u32(tb[RTA_TABLE]);
	return 0;
}

/* --- the socket ------------------------------------------------------ */

static int
sock_open(struct nl_sock *s, int proto, struct err *e)
{
	struct sockaddr_nl sa;

	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);
	if (s->fd < 0)
		return err_sys(e, "netlink socket");
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err_sys(e, "netlink bind");
		close(s->fd);
		s->fd = -1;
		return -1;
	}
	return 0;
}

int
nl_open(struct nl_sock *s, int proto, struct err *e)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->rx = malloc(NL_RX_MAX);
	if (!s->rx)
		return err_set(e, ENOMEM, "out of memory");
	/* Sequence numbers start somewhere new for every socket. */
	s->seq = (uint32_t)getpid() << 8;
	s->proto = proto;
	if (sock_open(s, proto, e) < 0) {
		nl_close(s);
		return -1;
	}
	return 0;
}

int
nl_open_ns(struct nl_sock *s, int proto, int nsfd, struct err *e)
{
	int self, r;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return err_sys(e, "open /proc/self/ns/net");
	if (setns(nsfd, CLONE_NEWNET) < 0) {
		err_sys(e, "setns into the network namespace");
		close(self);
		return -1;
	}
	r = nl_open(s, proto, e);
	if (setns(self, CLONE_NEWNET) < 0) {
		if (r == 0)
			err_sys(e, "setns back to rocker's network "
			    "namespace");
		close(self);
		nl_close(s);
		return -1;
	}
	close(self);
	return r;
}

void
nl_close(struct nl_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->rx);
	s->rx = NULL;
}

/* Receive one datagram from the kernel into s->rx. */
static ssize_t
recv_one(struct nl_sock *s, struct err *e)
{
	struct sockaddr_nl sa;
	struct iovec iov;
	struct msghdr mh;
	struct pollfd pf;
	ssize_t n;
	int r;

	for (;;) {
		pf.fd = s->fd;
		pf.events = POLLIN;
		r = poll(&pf, 1, NL_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return err_sys(e, "netlink poll");
		if (r == 0)
			return err_set(e, ETIMEDOUT, "netlink: no reply from "
			    "the kernel");
		iov.iov_base = s->rx;
		iov.iov_len = NL_RX_MAX;
		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &sa;
		mh.msg_namelen = sizeof(sa);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		n = recvmsg(s->fd, &mh, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(e, "netlink recv");
		if (mh.msg_flags & MSG_TRUNC)
			return err_set(e, ERR_PROTO, "netlink: reply "
			    "truncated");
		if (sa.nl_pid != 0)
			continue;	/* not from the kernel */
		return n;
	}
}

static int
send_all(struct nl_sock *s, const struct nl_msg *m, struct err *e)
{
	struct sockaddr_nl sa;
	ssize_t n;

	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	do
		n = sendto(s->fd, m->buf, m->len, 0, (struct sockaddr *)&sa,
		    sizeof(sa));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_sys(e, "netlink send");
	if ((size_t)n != m->len)
		return err_set(e, ERR_PROTO, "netlink: short send");
	return 0;
}

static int
kernel_error(int errv, struct err *e)
{
	errno = -errv;
	return err_set(e, -errv, "%s", strerror(-errv));
}

int
nl_transact(struct nl_sock *s, struct nl_msg *m, nl_msg_cb cb, void *arg,
    struct err *e)
{
	struct nl_walk w;
	struct nlmsghdr h;
	uint32_t lo = s->seq + 1;
	size_t off = 0;
	int want = 0;
	ssize_t n;

	if (nl_msg_check(m, e) < 0)
		return -1;
	while (m->len - off >= sizeof(h)) {
		memcpy(&h, m->buf + off, sizeof(h));
		h.nlmsg_seq = ++s->seq;
		if (s->proto == NETLINK_NETFILTER &&
		    (h.nlmsg_type == NFNL_MSG_BATCH_BEGIN ||
		    h.nlmsg_type == NFNL_MSG_BATCH_END)) {
			;	/* batch markers are never acknowledged */
		} else {
			h.nlmsg_flags |= NLM_F_ACK;
			want++;
		}
		memcpy(m->buf + off, &h, sizeof(h));
		off += align4(h.nlmsg_len);
	}
	if (send_all(s, m, e) < 0)
		return -1;
	memset(&w, 0, sizeof(w));
	while (w.acks < want && !w.error) {
		n = recv_one(s, e);
		if (n < 0)
			return -1;
		if (nl_reply_walk(s->rx, (size_t)n, lo, s->seq, cb, arg, &w,
		    e) < 0)
			return -1;
	}
	if (w.error)
		return kernel_error(w.error, e);
	return 0;
}

int
nl_dump(struct nl_sock *s, struct nl_msg *m, nl_msg_cb cb, void *arg,
    struct err *e)
{
	struct nl_walk w;
	struct nlmsghdr h;
	ssize_t n;

	if (nl_msg_check(m, e) < 0)
		return -1;
	if (m->nmsgs != 1)
		return err_set(e, ERR_LIMIT, "netlink: one dump at a time");
	memcpy(&h, m->buf, sizeof(h));
	h.nlmsg_seq = ++s->seq;
	h.nlmsg_flags |= NLM_F_DUMP;
	memcpy(m->buf, &h, sizeof(h));
	if (send_all(s, m, e) < 0)
		return -1;
	memset(&w, 0, sizeof(w));
	while (!w.done && !w.error) {
		n = recv_one(s, e);
		if (n < 0)
			return -1;
		if (nl_reply_walk(s->rx, (size_t)n, s->seq, s->seq, cb, arg,
		    &w, e) < 0)
			return -1;
	}
	if (w.error)
		return kernel_error(w.error, e);
	return 0;
}

/* --- rtnetlink operations -------------------------------------------- */

/* A request buffer on the stack, aligned for the headers. */
#define REQBUF(name) uint32_t name[NL_MSG_MAX / 4]

static int
link_index_cb(const struct nlmsghdr *h, void *arg, struct err *e)
{
	struct nl_link l;

	if (nl_parse_link(h, &l, e) < 0)
		return -1;
	*(int *)arg = l.index;
	return 0;
}

int
nl_link_index(struct nl_sock *s, const char *name, struct err *e)
{
	REQBUF(buf);
	struct nl_msg m;
	struct ifinfomsg *ifi;
	int idx = 0;

	if (strlen(name) >= IFNAMSIZ)
		return 0;
	nl_msg_init(&m, buf, sizeof(buf));
	ifi = nl_msg_begin(&m, RTM_GETLINK, 0, sizeof(*ifi));
	if (ifi)
		ifi->ifi_family = AF_UNSPEC;
	nl_attr_put_str(&m, IFLA_IFNAME, name);
	nl_msg_end(&m);
	if (nl_transact(s, &m, link_index_cb, &idx, e) < 0) {
		if (e->code == ENODEV) {
			err_clear(e);
			return 0;
		}
		return err_ctx(e, "look up link %s", name);
	}
	return idx;
}

static int
new_link(struct nl_sock *s, const char *name, const char *kind,
    const char *peer, int peer_nsfd, const unsigned char *peer_mac,
    struct err *e)
{
	REQBUF(buf);
	struct nl_msg m;
	struct ifinfomsg *ifi, *pi;

	nl_msg_init(&m, buf, sizeof(buf));
	ifi = nl_msg_begin(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
	    sizeof(*ifi));
	if (ifi)
		ifi->ifi_family = AF_UNSPEC;
	nl_attr_put_str(&m, IFLA_IFNAME, name);
	nl_nest_begin(&m, IFLA_LINKINFO, 0);
	nl_attr_put_str(&m, IFLA_INFO_KIND, kind);
	if (peer) {
		nl_nest_begin(&m, IFLA_INFO_DATA, 0);
		nl_nest_begin(&m, VETH_INFO_PEER, 0);
		/* The peer's ifinfomsg, then its attributes. */
		pi = (struct ifinfomsg *)reserve(&m, sizeof(*pi));
		if (pi)
			pi->ifi_family = AF_UNSPEC;
		sync_len(&m);
		nl_attr_put_str(&m, IFLA_IFNAME, peer);
		if (peer_mac)
			nl_attr_put(&m, IFLA_ADDRESS, peer_mac, 6);
		if (peer_nsfd >= 0)
			nl_attr_put_u32(&m, IFLA_NET_NS_FD,
			    (uint32_t)peer_nsfd);
		nl_nest_end(&m);
		nl_nest_end(&m);
	}
	nl_nest_end(&m);
	nl_msg_end(&m);
	if (nl_transact(s, &m, NULL, NULL, e) < 0)
		return err_ctx(e, "create %s %s", kind, name);
	return 0;
}

int
nl_bridge_add(struct nl_sock *s, const char *name, struct err *e)
{
	return new_link(s, name, "bridge", NULL, -1, NULL, e);
}

int
nl_veth_add(struct nl_sock *s, const char *name, const char *peer,
    int peer_nsfd, const unsigned char peer_mac[6], struct err *e)
{
	if (strlen(peer) >= IFNAMSIZ)
		return err_set(e, ERR_USAGE, "interface name too long: %s",
		    peer);
	return new_link(s, name, "veth", peer, peer_nsfd, peer_mac, e);
}

int
nl_link_del(struct nl_sock *s, int index, struct err *e)
{
	REQBUF(buf);
	struct nl_msg m;
	struct ifinfomsg *ifi;

	nl_msg_init(&m, buf, sizeof(buf));
	ifi = nl_msg_begin(&m, RTM_DELLINK, 0, sizeof(*ifi));
	if (ifi) {
		ifi->ifi_family = AF_UNSPEC;
		ifi->ifi_index = index;
	}
	nl_msg_end(&m);
	if (nl_transact(s, &m, NULL, NULL, e) < 0)
		return err_ctx(e, "delete link %d", index);
	return 0;
}

/* RTM_NEWLINK on an existing link: flags, then attributes by the
 * caller. Returns the writer positioned inside the message. */
static void
set_begin(struct nl_msg *m, void *buf, size_t cap, int index,
    unsigned int flags, unsigned int change)
{
	struct ifinfomsg *ifi;

	nl_msg_init(m, buf, cap);
	ifi = nl_msg_begin(m, RTM_NEWLINK, 0, sizeof(*ifi));
	if (ifi) {
		ifi->ifi_family = AF_UNSPEC;
		ifi->ifi_index = index;
		ifi->ifi_flags = flags;
		ifi->ifi_change = change;
	}
}

int
nl_link_set_up(struct nl_sock *s, int index, int up, struct err *e)
{
	REQBUF(buf);
	struct nl_msg m;

	set_begin(&m, buf, sizeof(buf), index, up ? IFF_UP : 0, IFF_UP);
	nl_msg_end(&m);
	if (nl_transact(s, &m, NULL, NULL, e) < 0)
		return err_ctx(e, "set link %d %s", index, up ? "up" : "down");
	return 0;
}

int
nl_link_set_master(struct nl_sock *s, int index, int master, struct err *e)
{
	REQBUF(buf);
	struct nl_msg m;

	set_begin(&m, buf, sizeof(buf), index, 0, 0);
	nl_attr_put_u32(&m, IFLA_MASTER, (uint32_t)master);
	nl_msg_end(&m);
	if (nl_transact(s, &m, NULL, NULL, e) < 0)
		return err_ctx(e, "attach link %d to bridge %d", index,
		    master);
	return 0;
}

int
nl_link_set_mtu(struct nl_sock *s, int index, int mtu, struct err *e)
{
	REQBUF(buf);
	struct nl_msg m;

	set_begin(&m, buf, sizeof(buf), index, 0, 0);
	nl_attr_put_u32(&m, IFLA_MTU, (uint32_t)mtu);
	nl_msg_end(&m);
	if (nl_transact(s, &m, NULL, NULL, e) < 0)
		return err_ctx(e, "set the MTU of link %d", index);
	return 0;
}

static size_t
addr_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

int
nl_addr_change(struct nl_sock *s, int add, int index, int family,
    const void *addr, int prefix, struct err *e)
{
	REQBUF(buf);
	struct nl_msg m;
	struct ifaddrmsg *ifa;
	size_t al = addr_len(family);
	uint32_t a, mask, bcast;

	if (!al || prefix < 0 || prefix > (int)al * 8)
		return err_set(e, ERR_USAGE, "bad address family or prefix");
	nl_msg_init(&m, buf, sizeof(buf));
	ifa = nl_msg_begin(&m, add ? RTM_NEWADDR : RTM_DELADDR,
	    add ? NLM_F_CREATE | NLM_F_EXCL : 0, sizeof(*ifa));
	if (ifa) {
		ifa->ifa_family = (unsigned char)family;
		ifa->ifa_prefixlen = (unsigned char)prefix;
		ifa->ifa_index = (unsigned int)index;
		ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	}
	nl_attr_put(&m, IFA_LOCAL, addr, al);
	nl_attr_put(&m, IFA_ADDRESS, addr, al);
	if (family == AF_INET && add && prefix < 31) {
		memcpy(&a, addr, 4);
		mask = prefix ? htonl(~0u << (32 - prefix)) : 0;
		bcast = (a & mask) | ~mask;
		nl_attr_put(&m, IFA_BROADCAST, &bcast, 4);
	}
	nl_msg_end(&m);
	if (nl_transact(s, &m, NULL, NULL, e) < 0)
		return err_ctx(e, "%s an address on link %d", add ? "add" :
		    "delete", index);
	return 0;
}

int
nl_route_change(struct nl_sock *s, int add, int family, const void *dst,
    int dst_len, const void *gw, int oif, struct err *e)
{
	REQBUF(buf);
	struct nl_msg m;
	struct rtmsg *rt;
	size_t al = addr_len(family);

	if (!al || dst_len < 0 || dst_len > (int)al * 8 ||
	    (dst_len && !dst))
		return err_set(e, ERR_USAGE, "bad route");
	nl_msg_init(&m, buf, sizeof(buf));
	rt = nl_msg_begin(&m, add ? RTM_NEWROUTE : RTM_DELROUTE,
	    add ? NLM_F_CREATE | NLM_F_EXCL : 0, sizeof(*rt));
	if (rt) {
		rt->rtm_family = (unsigned char)family;
		rt->rtm_dst_len = (unsigned char)dst_len;
		rt->rtm_table = RT_TABLE_MAIN;
		rt->rtm_protocol = add ? RTPROT_BOOT : 0;
		rt->rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
		rt->rtm_type = RTN_UNICAST;
		if (!add)
			rt->rtm_scope = RT_SCOPE_NOWHERE;
	}
	if (dst_len)
		nl_attr_put(&m, RTA_DST, dst, al);
	if (gw)
		nl_attr_put(&m, RTA_GATEWAY, gw, al);
	if (oif)
		nl_attr_put_u32(&m, RTA_OIF, (uint32_t)oif);
	nl_msg_end(&m);
	if (nl_transact(s, &m, NULL, NULL, e) < 0)
		return err_ctx(e, "%s a route", add ? "add" : "delete");
	return 0;
}

static int
list_cb(const struct nlmsghdr *h, void *arg, struct err *e)
{
	struct list *l = arg;
	void *nv;
	int r;

	if (l->n == l->cap) {
		if (l->cap > ((size_t)1 << 20))
			return err_set(e, ERR_LIMIT, "netlink: dump too long");
		l->cap = l->cap ? l->cap * 2 : 16;
		nv = realloc(l->v, l->cap * l->size);
		if (!nv)
			return err_set(e, ENOMEM, "out of memory");
		l->v = nv;
	}
	nv = (char *)l->v + l->n * l->size;
	if (l->kind == 0)
		r = nl_parse_link(h, nv, e);
	else if (l->kind == 1)
		r = nl_parse_addr(h, nv, e);
	else
		r = nl_parse_route(h, nv, e);
	if (r < 0)
		return -1;
	if (l->kind == 1 && l->family &&
	    ((struct nl_addr *)nv)->family != l->family)
		return 0;
	if (l->kind == 2 && l->family &&
	    ((struct nl_route *)nv)->family != l->family)
		return 0;
	l->n++;
	return 0;
}

static int
list_dump(struct nl_sock *s, int kind, uint16_t type, size_t hdr,
    int family, size_t size, void **out, size_t *n, struct err *e)
{
	REQBUF(buf);
	struct nl_msg m;
	struct list l;
	unsigned char *fam;

	memset(&l, 0, sizeof(l));
	l.kind = kind;
	l.size = size;
	l.family = family;
	nl_msg_init(&m, buf, sizeof(buf));
	fam = nl_msg_begin(&m, type, 0, hdr);
	if (fam)
		*fam = (unsigned char)family;	/* first byte: the family */
	nl_msg_end(&m);
	if (nl_dump(s, &m, list_cb, &l, e) < 0) {
		free(l.v);
		return -1;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

int
nl_link_list(struct nl_sock *s, struct nl_link **out, size_t *n,
    struct err *e)
{
	void *v = NULL;

	if (list_dump(s, 0, RTM_GETLINK, sizeof(struct ifinfomsg), AF_UNSPEC,
	    sizeof(struct nl_link), &v, n, e) < 0)
		return err_ctx(e, "list links");
	*out = v;
	return 0;
}

int
nl_addr_list(struct nl_sock *s, int family, struct nl_addr **out,
    size_t *n, struct err *e)
{
	void *v = NULL;

	if (list_dump(s, 1, RTM_GETADDR, sizeof(struct ifaddrmsg), family,
	    sizeof(struct nl_addr), &v, n, e) < 0)
		return err_ctx(e, "list addresses");
	*out = v;
	return 0;
}

int
nl_route_list(struct nl_sock *s, int family, struct nl_route **out,
    size_t *n, struct err *e)
{
	void *v = NULL;

	if (list_dump(s, 2, RTM_GETROUTE, sizeof(struct rtmsg), family,
	    sizeof(struct nl_route), &v, n, e) < 0)
		return err_ctx(e, "list routes");
	*out = v;
	return 0;
}

static int
nsid_cb(const struct nlmsghdr *h, void *arg, struct err *e)
{
	const void *tb[NETNSA_MAX_PARSED];
	size_t tl[NETNSA_MAX_PARSED], alen;
	const unsigned char *a;

	if (h->nlmsg_type != RTM_NEWNSID)
		return 0;
	if (payload(h, sizeof(struct rtgenmsg), &a, &alen, e) < 0 ||
	    nl_attr_parse(a, alen, tb, tl, NETNSA_MAX_PARSED, e) < 0)
		return -1;
	if (tb[NETNSA_NSID] && tl[NETNSA_NSID] >= 4)
		*(int *)arg = (int)get_u32(tb[NETNSA_NSID]);
	return 0;
}

int
nl_nsid_get(struct nl_sock *s, int nsfd, int *none, struct err *e)
{
	REQBUF(buf);
	struct nl_msg m;
	struct rtgenmsg *g;
	int id = -1;

	*none = 0;
	nl_msg_init(&m, buf, sizeof(buf));
	g = nl_msg_begin(&m, RTM_GETNSID, 0, sizeof(*g));
	if (g)
		g->rtgen_family = AF_UNSPEC;
	nl_attr_put_u32(&m, NETNSA_FD, (uint32_t)nsfd);
	nl_msg_end(&m);
	if (nl_transact(s, &m, nsid_cb, &id, e) < 0)
		return err_ctx(e, "get the namespace id");
	if (id < 0)
		*none = 1;
	return id;
}

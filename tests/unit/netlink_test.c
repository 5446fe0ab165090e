/* netlink_test.c - the message writer and the reply parser of core/netlink
 * (no socket: buffers built and parsed in memory) */

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "netlink.h"
#include "network.h"

static uint32_t buf[NL_MSG_MAX / 4];

static uint16_t
u16at(const void *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static uint32_t
u32at(const void *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* Append a reply message with a header and attributes built by hand. */
static size_t
put_msg(unsigned char *out, size_t off, uint16_t type, uint32_t seq,
    const void *payload, size_t plen)
{
	struct nlmsghdr h;

	memset(&h, 0, sizeof(h));
	h.nlmsg_len = (uint32_t)(sizeof(h) + plen);
	h.nlmsg_type = type;
	h.nlmsg_seq = seq;
	memcpy(out + off, &h, sizeof(h));
	memcpy(out + off + sizeof(h), payload, plen);
	return off + ((h.nlmsg_len + 3) & ~3u);
}

static int ncb;

static int
count_cb(const struct nlmsghdr *h, void *arg, struct err *e)
{
	(void)h;
	(void)arg;
	(void)e;
	ncb++;
	return 0;
}

static void
test_writer(void)
{
	struct err e = ERR_INIT;
	struct nl_msg m;
	struct ifinfomsg *ifi;
	const unsigned char *p = (const unsigned char *)buf;
	const void *tb[NL_ATTR_MAX], *ti[4];
	size_t tl[NL_ATTR_MAX], til[4], hdr;

	nl_msg_init(&m, buf, sizeof(buf));
	ifi = nl_msg_begin(&m, RTM_NEWLINK, NLM_F_CREATE, sizeof(*ifi));
	CHECK(ifi != NULL, "begin returns the family header");
	ifi->ifi_index = 7;
	nl_attr_put_str(&m, IFLA_IFNAME, "br0");
	nl_nest_begin(&m, IFLA_LINKINFO, 0);
	nl_attr_put_str(&m, IFLA_INFO_KIND, "bridge");
	nl_nest_end(&m);
	nl_attr_put_u32(&m, IFLA_MTU, 1400);
	nl_msg_end(&m);
	CHECK(nl_msg_check(&m, &e) == 0, "a complete message checks");
	CHECK(u32at(p) == m.len, "nlmsg_len is the written length (%u)",
	    u32at(p));
	CHECK(m.len % 4 == 0, "messages are 4-aligned");
	CHECK(u16at(p + 6) == (NLM_F_CREATE | NLM_F_REQUEST),
	    "flags include NLM_F_REQUEST");
	hdr = sizeof(struct nlmsghdr) + sizeof(struct ifinfomsg);
	CHECK(nl_attr_parse(p + hdr, m.len - hdr, tb, tl, NL_ATTR_MAX, &e) ==
	    0, "the attributes parse back");
	CHECK(tb[IFLA_IFNAME] && tl[IFLA_IFNAME] == 4 &&
	    memcmp(tb[IFLA_IFNAME], "br0", 4) == 0, "IFLA_IFNAME with NUL");
	CHECK(tb[IFLA_MTU] && u32at(tb[IFLA_MTU]) == 1400, "IFLA_MTU");
	CHECK(tb[IFLA_LINKINFO] && nl_attr_parse(tb[IFLA_LINKINFO],
	    tl[IFLA_LINKINFO], ti, til, 4, &e) == 0 && ti[IFLA_INFO_KIND] &&
	    strcmp(ti[IFLA_INFO_KIND], "bridge") == 0,
	    "nested IFLA_LINKINFO holds the kind");
	CHECK(u16at((const unsigned char *)tb[IFLA_LINKINFO] - 4) ==
	    tl[IFLA_LINKINFO] + 4, "the nest's length covers its children");

	/* Overflow is sticky and never leaves a half message. */
	nl_msg_init(&m, buf, 40);
	nl_msg_begin(&m, RTM_NEWLINK, 0, sizeof(struct ifinfomsg));
	nl_attr_put_str(&m, IFLA_IFNAME, "a-very-long-interface-name");
	nl_attr_put_u32(&m, IFLA_MTU, 1);
	nl_msg_end(&m);
	CHECK(nl_msg_check(&m, &e) < 0 && e.code == ERR_LIMIT,
	    "overflow is reported: %s", e.msg);
	err_clear(&e);

	nl_msg_init(&m, buf, sizeof(buf));
	nl_msg_begin(&m, RTM_NEWLINK, 0, 16);
	nl_nest_begin(&m, IFLA_LINKINFO, 0);
	nl_msg_end(&m);
	CHECK(nl_msg_check(&m, &e) < 0, "an open nest is an error");
	err_clear(&e);

	nl_msg_init(&m, buf, sizeof(buf));
	nl_msg_begin(&m, RTM_NEWLINK, 0, 16);
	{
		int i;

		for (i = 0; i < NL_NEST_MAX + 1; i++)
			nl_nest_begin(&m, 1, 1);
	}
	CHECK(m.overflow, "nesting deeper than NL_NEST_MAX overflows");

	nl_msg_init(&m, buf, sizeof(buf));
	CHECK(nl_msg_check(&m, &e) < 0, "an empty request is an error");
	err_clear(&e);

	/* A batch: two messages back to back. */
	nl_msg_init(&m, buf, sizeof(buf));
	nl_msg_begin(&m, 16, 0, 4);
	nl_msg_end(&m);
	nl_msg_begin(&m, 0xa00, 0, 4);
	nl_attr_put_str(&m, 1, "rocker");
	nl_msg_end(&m);
	CHECK(m.nmsgs == 2 && nl_msg_check(&m, &e) == 0 &&
	    u32at(p) == 20 && u32at(p + 20) == m.len - 20,
	    "a batch of two messages");
}

static void
test_walk(void)
{
	struct err e = ERR_INIT;
	unsigned char *out = (unsigned char *)buf;
	struct nl_walk w;
	int32_t zero = 0, eexist = -17;
	size_t off = 0;
	struct nlmsghdr h;

	memset(buf, 0, sizeof(buf));
	off = put_msg(out, off, RTM_NEWLINK, 5, "0123456789abcdef", 16);
	off = put_msg(out, off, NLMSG_ERROR, 5, &zero, 4);
	off = put_msg(out, off, NLMSG_ERROR, 99, &eexist, 4);	/* stale */
	off = put_msg(out, off, NLMSG_DONE, 5, &zero, 4);
	memset(&w, 0, sizeof(w));
	ncb = 0;
	CHECK(nl_reply_walk(out, off, 5, 6, count_cb, NULL, &w, &e) == 0,
	    "a reply walks");
	CHECK(ncb == 1 && w.acks == 1 && w.done == 1 && w.error == 0,
	    "one message, one ack, done, stale error skipped");

	off = put_msg(out, 0, NLMSG_ERROR, 6, &eexist, 4);
	memset(&w, 0, sizeof(w));
	CHECK(nl_reply_walk(out, off, 5, 6, NULL, NULL, &w, &e) == 0 &&
	    w.error == -17 && w.error_seq == 6, "an error is reported");

	/* Truncated: the length claims more than there is. */
	memset(&h, 0, sizeof(h));
	h.nlmsg_len = 100;
	h.nlmsg_type = RTM_NEWLINK;
	memcpy(out, &h, sizeof(h));
	memset(&w, 0, sizeof(w));
	CHECK(nl_reply_walk(out, 40, 0, ~0u, count_cb, NULL, &w, &e) < 0 &&
	    e.code == ERR_PROTO, "a truncated message is refused");
	err_clear(&e);
	h.nlmsg_len = 8;	/* shorter than a header */
	memcpy(out, &h, sizeof(h));
	CHECK(nl_reply_walk(out, 40, 0, ~0u, count_cb, NULL, &w, &e) < 0,
	    "a length below the header is refused");
	err_clear(&e);
	h.nlmsg_len = 17;
	h.nlmsg_type = NLMSG_ERROR;
	memcpy(out, &h, sizeof(h));
	CHECK(nl_reply_walk(out, 17, 0, ~0u, NULL, NULL, &w, &e) < 0,
	    "a short error message is refused");
	err_clear(&e);
}

static void
test_attrs(void)
{
	struct err e = ERR_INIT;
	unsigned char a[32];
	const void *tb[8];
	size_t tl[8];
	uint16_t len, type;

	len = 5;
	type = 2 | NLA_F_NESTED;
	memcpy(a, &len, 2);
	memcpy(a + 2, &type, 2);
	a[4] = 'x';
	len = 4;
	type = 200;	/* beyond max: ignored */
	memcpy(a + 8, &len, 2);
	memcpy(a + 10, &type, 2);
	CHECK(nl_attr_parse(a, 12, tb, tl, 8, &e) == 0 && tb[2] &&
	    tl[2] == 1 && !tb[0], "flags masked, unknown types ignored");
	len = 40;
	memcpy(a, &len, 2);
	CHECK(nl_attr_parse(a, 12, tb, tl, 8, &e) < 0,
	    "an attribute longer than the buffer is refused");
	err_clear(&e);
	len = 2;
	memcpy(a, &len, 2);
	CHECK(nl_attr_parse(a, 12, tb, tl, 8, &e) < 0,
	    "an attribute shorter than its header is refused");
	err_clear(&e);
	CHECK(nl_attr_parse(a, 3, tb, tl, 8, &e) == 0 && !tb[2],
	    "a tail shorter than a header is ignored");
}

/* Build an RTM_NEWLINK / NEWADDR / NEWROUTE reply with the writer, then
 * decode it. */
static void
test_parse(void)
{
	struct err e = ERR_INIT;
	struct nl_msg m;
	struct nl_link l;
	struct nl_addr a;
	struct nl_route r;
	struct ifinfomsg *ifi;
	struct ifaddrmsg *ifa;
	struct rtmsg *rt;
	const struct nlmsghdr *h = (const struct nlmsghdr *)(void *)buf;
	unsigned char ip[4] = { 10, 77, 0, 2 }, gw[4] = { 10, 77, 0, 1 };

	nl_msg_init(&m, buf, sizeof(buf));
	ifi = nl_msg_begin(&m, RTM_NEWLINK, 0, sizeof(*ifi));
	ifi->ifi_index = 12;
	ifi->ifi_flags = 1;
	nl_attr_put_str(&m, IFLA_IFNAME, "rk0123456789ab");
	nl_attr_put_u32(&m, IFLA_MASTER, 9);
	nl_attr_put_u32(&m, IFLA_MTU, 1500);
	nl_attr_put_u32(&m, IFLA_LINK_NETNSID, 3);
	nl_nest_begin(&m, IFLA_LINKINFO, 0);
	nl_attr_put_str(&m, IFLA_INFO_KIND, "veth");
	nl_nest_end(&m);
	nl_msg_end(&m);
	CHECK(nl_parse_link(h, &l, &e) == 0 && l.index == 12 &&
	    strcmp(l.name, "rk0123456789ab") == 0 && l.master == 9 &&
	    l.mtu == 1500 && strcmp(l.kind, "veth") == 0 &&
	    l.link_netnsid == 3 && l.flags == 1, "a link decodes");
	CHECK(nl_parse_addr(h, &a, &e) < 0, "a link is not an address");
	err_clear(&e);

	/* A name without NUL and longer than IFNAMSIZ is cut. */
	nl_msg_init(&m, buf, sizeof(buf));
	nl_msg_begin(&m, RTM_NEWLINK, 0, sizeof(*ifi));
	nl_attr_put(&m, IFLA_IFNAME, "abcdefghijklmnopqrstuvwxyz", 26);
	nl_msg_end(&m);
	CHECK(nl_parse_link(h, &l, &e) == 0 && strlen(l.name) == 15,
	    "an over-long name is truncated");

	nl_msg_init(&m, buf, sizeof(buf));
	ifa = nl_msg_begin(&m, RTM_NEWADDR, 0, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 16;
	ifa->ifa_index = 4;
	nl_attr_put(&m, IFA_ADDRESS, gw, 4);
	nl_attr_put(&m, IFA_LOCAL, ip, 4);
	nl_attr_put_str(&m, IFA_LABEL, "eth0");
	nl_msg_end(&m);
	CHECK(nl_parse_addr(h, &a, &e) == 0 && a.family == AF_INET &&
	    a.prefix == 16 && a.index == 4 && memcmp(a.addr, ip, 4) == 0 &&
	    strcmp(a.label, "eth0") == 0, "an address decodes (IFA_LOCAL)");

	nl_msg_init(&m, buf, sizeof(buf));
	ifa = nl_msg_begin(&m, RTM_NEWADDR, 0, sizeof(*ifa));
	ifa->ifa_family = AF_INET6;
	nl_attr_put(&m, IFA_ADDRESS, ip, 4);
	nl_msg_end(&m);
	CHECK(nl_parse_addr(h, &a, &e) < 0,
	    "a 4-byte address for AF_INET6 is refused");
	err_clear(&e);

	nl_msg_init(&m, buf, sizeof(buf));
	rt = nl_msg_begin(&m, RTM_NEWROUTE, 0, sizeof(*rt));
	rt->rtm_family = AF_INET;
	rt->rtm_table = RT_TABLE_MAIN;
	nl_attr_put(&m, RTA_GATEWAY, gw, 4);
	nl_attr_put_u32(&m, RTA_OIF, 4);
	nl_msg_end(&m);
	CHECK(nl_parse_route(h, &r, &e) == 0 && r.dst_len == 0 &&
	    r.has_gw && memcmp(r.gw, gw, 4) == 0 && r.oif == 4 &&
	    r.table == RT_TABLE_MAIN, "a default route decodes");

	nl_msg_init(&m, buf, sizeof(buf));
	rt = nl_msg_begin(&m, RTM_NEWROUTE, 0, sizeof(*rt));
	rt->rtm_family = AF_INET;
	nl_attr_put(&m, RTA_DST, gw, 3);
	nl_msg_end(&m);
	CHECK(nl_parse_route(h, &r, &e) < 0, "a 3-byte destination is "
	    "refused");
	err_clear(&e);

	/* A message cut inside its family header. */
	nl_msg_init(&m, buf, sizeof(buf));
	nl_msg_begin(&m, RTM_NEWROUTE, 0, 4);
	nl_msg_end(&m);
	CHECK(nl_parse_route(h, &r, &e) < 0, "a short family header is "
	    "refused");
	err_clear(&e);
}

static void
test_cidr(void)
{
	struct err e = ERR_INIT;
	uint32_t s;
	int p;
	char t[64];
	struct net_def d;

	CHECK(net_parse_cidr("10.77.3.4/16", &s, &p, &e) == 0 && p == 16 &&
	    s == htonl(0x0a4d0000), "cidr: host bits cleared");
	memset(&d, 0, sizeof(d));
	d.subnet = s;
	d.prefix = p;
	net_subnet_text(&d, t, sizeof(t));
	CHECK(strcmp(t, "10.77.0.0/16") == 0, "cidr text: %s", t);
	CHECK(net_parse_cidr("10.77.0.0", &s, &p, &e) < 0, "cidr: no "
	    "prefix");
	CHECK(net_parse_cidr("10.77.0.0/31", &s, &p, &e) < 0, "cidr: /31");
	CHECK(net_parse_cidr("10.77.0/16", &s, &p, &e) < 0, "cidr: bad ip");
	CHECK(net_parse_cidr("10.77.0.0/1x", &s, &p, &e) < 0, "cidr: junk");
	net_veth_name("0123456789abcdef0123", t, sizeof(t));
	CHECK(strcmp(t, "rk0123456789ab") == 0, "veth name: %s", t);
}

int
main(void)
{
	test_writer();
	test_walk();
	test_attrs();
	test_parse();
	test_cidr();
	return check_done();
}

/* nlabi.h - the kernel's netlink ABI that core/netlink and core/nft use
 *
 * musl ships no Linux uapi headers, so the structures and numbers rocker needs
 * from linux/netlink.h, linux/rtnetlink.h, linux/if_link.h,
 * linux/if_addr.h, linux/veth.h, linux/net_namespace.h,
 * linux/netfilter/nfnetlink.h and linux/netfilter/nf_tables.h are restated
 * here (stable user-space ABI; values checked against those headers).
 * Only what is used is listed. No functions.
 */
#ifndef ROCKER_NLABI_H
#define ROCKER_NLABI_H

#include <stdint.h>
#include <sys/socket.h>

struct nlmsghdr {
	uint32_t nlmsg_len;
	uint16_t nlmsg_type;
	uint16_t nlmsg_flags;
	uint32_t nlmsg_seq;
	uint32_t nlmsg_pid;
};

struct sockaddr_nl {
	sa_family_t nl_family;
	unsigned short nl_pad;
	uint32_t nl_pid;
	uint32_t nl_groups;
};

struct ifinfomsg {
	unsigned char ifi_family;
	unsigned char ifi_pad;
	unsigned short ifi_type;
	int ifi_index;
	unsigned int ifi_flags;
	unsigned int ifi_change;
};

struct ifaddrmsg {
	uint8_t ifa_family;
	uint8_t ifa_prefixlen;
	uint8_t ifa_flags;
	uint8_t ifa_scope;
	uint32_t ifa_index;
};

struct rtmsg {
	unsigned char rtm_family;
	unsigned char rtm_dst_len;
	unsigned char rtm_src_len;
	unsigned char rtm_tos;
	unsigned char rtm_table;
	unsigned char rtm_protocol;
	unsigned char rtm_scope;
	unsigned char rtm_type;
	unsigned int rtm_flags;
};

struct rtgenmsg {
	unsigned char rtgen_family;
};

struct nfgenmsg {
	uint8_t nfgen_family;
	uint8_t version;
	uint16_t res_id;	/* big endian */
};

/* Netlink protocols, flags, control messages. */
enum {
	NETLINK_ROUTE = 0,
	NETLINK_NETFILTER = 12,
	NLM_F_REQUEST = 0x01,
	NLM_F_MULTI = 0x02,
	NLM_F_ACK = 0x04,
	NLM_F_ROOT = 0x100,
	NLM_F_MATCH = 0x200,
	NLM_F_DUMP = 0x300,
	NLM_F_REPLACE = 0x100,
	NLM_F_EXCL = 0x200,
	NLM_F_CREATE = 0x400,
	NLM_F_APPEND = 0x800,
	NLMSG_NOOP = 1,
	NLMSG_ERROR = 2,
	NLMSG_DONE = 3,
	NLMSG_OVERRUN = 4,
	NLA_F_NESTED = 1 << 15,
	NLA_F_NET_BYTEORDER = 1 << 14,
	NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff,
};

/* rtnetlink message types. */
enum {
	RTM_NEWLINK = 16,
	RTM_DELLINK = 17,
	RTM_GETLINK = 18,
	RTM_NEWADDR = 20,
	RTM_DELADDR = 21,
	RTM_GETADDR = 22,
	RTM_NEWROUTE = 24,
	RTM_DELROUTE = 25,
	RTM_GETROUTE = 26,
	RTM_NEWNSID = 88,
	RTM_GETNSID = 90,
};

/* Link attributes (IFLA_*), link info, veth. */
enum {
	IFLA_ADDRESS = 1,
	IFLA_IFNAME = 3,
	IFLA_MTU = 4,
	IFLA_LINK = 5,
	IFLA_MASTER = 10,
	IFLA_LINKINFO = 18,
	IFLA_NET_NS_PID = 19,
	IFLA_NET_NS_FD = 28,
	IFLA_LINK_NETNSID = 37,
	IFLA_MAX_PARSED = 38,	/* what nl_parse_link() indexes */
	IFLA_INFO_KIND = 1,
	IFLA_INFO_DATA = 2,
	IFLA_INFO_MAX_PARSED = 3,
	VETH_INFO_PEER = 1,
};

/* Address attributes (IFA_*). */
enum {
	IFA_ADDRESS = 1,
	IFA_LOCAL = 2,
	IFA_LABEL = 3,
	IFA_BROADCAST = 4,
	IFA_MAX_PARSED = 5,
};

/* Route attributes and values. */
enum {
	RTA_DST = 1,
	RTA_OIF = 4,
	RTA_GATEWAY = 5,
	RTA_TABLE = 15,
	RTA_MAX_PARSED = 16,
	RT_TABLE_MAIN = 254,
	RTPROT_BOOT = 3,
	RT_SCOPE_UNIVERSE = 0,
	RT_SCOPE_LINK = 253,
	RT_SCOPE_NOWHERE = 255,
	RTN_UNICAST = 1,
};

/* Namespace ids (linux/net_namespace.h). */
enum {
	NETNSA_NSID = 1,
	NETNSA_PID = 2,
	NETNSA_FD = 3,
	NETNSA_MAX_PARSED = 4,
};

/* nfnetlink and nf_tables (linux/netfilter/nf_tables.h). */
enum {
	NFNL_MSG_BATCH_BEGIN = 16,
	NFNL_MSG_BATCH_END = 17,
	NFNL_SUBSYS_NFTABLES = 10,
	NFNETLINK_V0 = 0,
	NFPROTO_IPV4 = 2,
	NFT_MSG_NEWTABLE = 0,
	NFT_MSG_DELTABLE = 2,
	NFT_MSG_NEWCHAIN = 3,
	NFT_MSG_GETCHAIN = 4,
	NFT_MSG_DELCHAIN = 5,
	NFT_MSG_NEWRULE = 6,
	NFT_MSG_GETRULE = 7,
	NFT_MSG_DELRULE = 8,
	NFTA_TABLE_NAME = 1,
	NFTA_CHAIN_TABLE = 1,
	NFTA_CHAIN_NAME = 3,
	NFTA_CHAIN_HOOK = 4,
	NFTA_CHAIN_POLICY = 5,
	NFTA_CHAIN_TYPE = 7,
	NFTA_HOOK_HOOKNUM = 1,
	NFTA_HOOK_PRIORITY = 2,
	NFTA_RULE_TABLE = 1,
	NFTA_RULE_CHAIN = 2,
	NFTA_RULE_EXPRESSIONS = 4,
	NFTA_LIST_ELEM = 1,
	NFTA_EXPR_NAME = 1,
	NFTA_EXPR_DATA = 2,
	NFTA_DATA_VALUE = 1,
	NFTA_PAYLOAD_DREG = 1,
	NFTA_PAYLOAD_BASE = 2,
	NFTA_PAYLOAD_OFFSET = 3,
	NFTA_PAYLOAD_LEN = 4,
	NFTA_BITWISE_SREG = 1,
	NFTA_BITWISE_DREG = 2,
	NFTA_BITWISE_LEN = 3,
	NFTA_BITWISE_MASK = 4,
	NFTA_BITWISE_XOR = 5,
	NFTA_CMP_SREG = 1,
	NFTA_CMP_OP = 2,
	NFTA_CMP_DATA = 3,
	NFTA_META_DREG = 1,
	NFTA_META_KEY = 2,
	NFT_REG_1 = 1,
	NFT_PAYLOAD_NETWORK_HEADER = 1,
	NFT_CMP_EQ = 0,
	NFT_CMP_NEQ = 1,
	NFT_META_OIFNAME = 7,
	NF_INET_POST_ROUTING = 4,
	NF_IP_PRI_NAT_SRC = 100,
	/* Port publishing: DNAT, fib, ct, immediate. */
	NF_INET_PRE_ROUTING = 0,
	NF_INET_LOCAL_OUT = 3,
	NF_IP_PRI_NAT_DST = -100,
	NFT_REG_2 = 2,
	NFT_PAYLOAD_TRANSPORT_HEADER = 2,
	NFT_META_L4PROTO = 16,
	NFTA_IMMEDIATE_DREG = 1,
	NFTA_IMMEDIATE_DATA = 2,
	NFTA_NAT_TYPE = 1,
	NFTA_NAT_FAMILY = 2,
	NFTA_NAT_REG_ADDR_MIN = 3,
	NFTA_NAT_REG_PROTO_MIN = 5,
	NFTA_NAT_FLAGS = 7,
	NFT_NAT_DNAT = 1,
	NF_NAT_RANGE_MAP_IPS = 1,
	NF_NAT_RANGE_PROTO_SPECIFIED = 2,
	NFTA_FIB_DREG = 1,
	NFTA_FIB_RESULT = 2,
	NFTA_FIB_FLAGS = 3,
	NFT_FIB_RESULT_ADDRTYPE = 3,
	NFTA_FIB_F_DADDR = 1 << 1,
	RTN_LOCAL = 2,
	NFTA_CT_DREG = 1,
	NFTA_CT_KEY = 2,
	NFT_CT_STATUS = 2,
	IPS_DST_NAT = 1 << 5,
};

#endif

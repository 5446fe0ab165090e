/* proxy.h - host port reservations and the userland TCP/UDP proxy
 *
 * A container's published ports are first reserved: one socket bound on
 * each HOSTIP:HOSTPORT (TCP: SO_REUSEADDR and listening, so no other
 * program can take the port, TIME_WAIT leftovers do not block it, and a
 * port 0 gets a free one; UDP: bound). With NAT the sockets only hold the
 * ports (DNAT happens before any socket sees a packet). With the proxy
 * they serve:
 *
 *	TCP	accept, connect to CTRIP:CTRPORT (non-blocking), then
 *		splice(2) both ways through a pipe each, half-closes passed
 *		on (shutdown SHUT_WR), a reset or error closes both;
 *	UDP	a flow per client address: a socket connected to the
 *		container port carries its datagrams, replies go back from
 *		the published socket; a flow idle PROXY_UDP_IDLE_S is
 *		dropped.
 *
 * All of it is one epoll set whose fd the caller polls (the monitor's
 * relay loop, core/tty.h hook_fd) and then calls proxy_run(), which never
 * blocks. The container sees connections come from the bridge's gateway
 * (the client's address is lost, as with docker-proxy). Single-threaded.
 */
#ifndef ROCKER_PROXY_H
#define ROCKER_PROXY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "ports.h"

enum {
	PROXY_CONN_MAX = 4096,	/* TCP connections at once; more wait in
				 * the listen backlog */
	PROXY_FLOW_MAX = 1024,	/* UDP flows at once */
	PROXY_UDP_IDLE_S = 90,	/* docker-proxy's UDP flow timeout */
	PROXY_PIPE_BYTES = 1 << 18,	/* pipe size asked per direction */
};

struct proxy_lsn;
struct proxy_conn;
struct proxy_flow;

/* Zero with proxy_init(); every field is private. */
struct proxy {
	int ep;			/* epoll set; -1 until proxy_start() */
	int tfd;		/* timerfd for UDP flow expiry */
	uint32_t ctr_ip;	/* network order */
	struct proxy_lsn *lsn;	/* reserved sockets */
	size_t nlsn;
	struct proxy_conn *conns;	/* live TCP connections (list) */
	size_t nconns;
	struct proxy_flow *flows;	/* live UDP flows (list) */
	size_t nflows;
	struct proxy_conn *dead;	/* closed during one proxy_run() */
	struct proxy_flow *dead_flows;
};

/* Make `px` empty (nothing open). */
void proxy_init(struct proxy *px);

/*
 * Reserve the `n` host ports of `v`: bind a socket on each (see above).
 * A host port 0 gets a free one from the kernel, a range (host_hi) the
 * first free one of it; the port chosen is written back into v[i].
 * ERR_USAGE "Bind for 0.0.0.0:8080 failed: port is already allocated"
 * when one is taken. 0 or -1 (then nothing is left reserved).
 */
int proxy_reserve(struct proxy *px, struct port_map *v, size_t n,
    struct err *e);

/* Serve the reserved ports, forwarding to `ctr_ip` (network order).
 * 0 or -1. */
int proxy_start(struct proxy *px, uint32_t ctr_ip, struct err *e);

/* The fd to poll for input before calling proxy_run(); -1 when not
 * serving. */
int proxy_fd(const struct proxy *px);

/* Handle what is ready (non-blocking). Errors affect single connections
 * or flows, which are closed; nothing is reported. */
void proxy_run(struct proxy *px);

/* Close everything: connections, flows, reserved sockets. Safe on an
 * initialised or closed proxy, and twice. */
void proxy_close(struct proxy *px);

#endif

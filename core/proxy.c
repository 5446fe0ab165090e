/* proxy.c - port reservations and the userland TCP/UDP proxy (epoll,
 * splice) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "proxy.h"

enum {
	K_LSN,
	K_SIDE,
	K_FLOW,
	K_TIMER,
	EV_BATCH = 64,		/* epoll events per proxy_run() */
	PUMP_ROUNDS = 8,	/* splice rounds per direction and event */
	UDP_BATCH = 32,		/* datagrams per socket and run */
	UDP_BUF = 65536,
	BACKLOG = 128,
	PICK_TRIES = 16,	/* port 0 picks that may race */
	SWEEP_S = 10,		/* UDP flow expiry period */
	RUN_ROUNDS = 16,	/* epoll_wait rounds per proxy_run() */
};

/* What an epoll event points at: the first member of each object. */
struct item {
	int kind;
};

struct proxy_lsn {
	struct item it;
	int fd;
	struct port_map map;
};

struct side {
	struct item it;
	struct proxy_conn *c;
	int fd;
	uint32_t ev;		/* registered events, 0: not in the set */
};

struct proxy_conn {
	struct side s[2];	/* 0: the client, 1: the container */
	int p[2][2];		/* pipe of direction d: s[d] -> s[1-d] */
	size_t inpipe[2];
	size_t cap[2];
	int eof[2];		/* s[d] reached EOF */
	int shut[2];		/* s[1-d] shut for writing */
	int connecting;
	int dead;
	struct proxy_conn *prev, *next;
};

struct proxy_flow {
	struct item it;
	int fd;			/* connected to the container port */
	struct proxy_lsn *l;
	struct sockaddr_in peer;
	int64_t last;		/* monotonic seconds */
	int dead;
	struct proxy_flow *prev, *next;
};

static struct item timer_item = { K_TIMER };
static char udp_buf[UDP_BUF];

static int64_t
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void
addr_text(const struct port_map *m, char *buf, size_t len, uint16_t port)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &m->host_ip, ip, sizeof(ip));
	snprintf(buf, len, "%s:%u", ip, port);
}

/* --- reservations ---------------------------------------------------- */

/* Bind one socket on the map's address and `port`; -1 with errno. */
static int
bind_one(const struct port_map *m, uint16_t port)
{
	struct sockaddr_in sa;
	int fd, one = 1, tcp = m->proto == IPPROTO_TCP;

	fd = socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = m->host_ip;
	sa.sin_port = htons(port);
	if ((tcp && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) < 0) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (tcp && listen(fd, BACKLOG) < 0)) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static int
reserve_one(struct port_map *m, struct err *e)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	char a[64];
	unsigned p, hi;
	int fd = -1, i;

	if (m->host_port && m->host_hi > m->host_port) {
		hi = m->host_hi;
		for (p = m->host_port; p <= hi && fd < 0; p++)
			fd = bind_one(m, (uint16_t)p);
	} else if (m->host_port) {
		fd = bind_one(m, m->host_port);
	} else {
		for (i = 0; i < PICK_TRIES && fd < 0; i++)
			fd = bind_one(m, 0);
	}
	if (fd < 0) {
		if (m->host_port && m->host_hi > m->host_port) {
			char b[64];

			addr_text(m, a, sizeof(a), m->host_port);
			snprintf(b, sizeof(b), "-%u", m->host_hi);
			return err_set(e, ERR_USAGE, "Bind for %s%s failed: "
			    "no port free in the range", a, b);
		}
		addr_text(m, a, sizeof(a), m->host_port);
		if (errno == EADDRINUSE)
			return err_set(e, ERR_USAGE, "Bind for %s failed: "
			    "port is already allocated", a);
		return err_sys(e, "bind %s", a);
	}
	if (getsockname(fd, (struct sockaddr *)&sa, &sl) == 0) {
		m->host_port = ntohs(sa.sin_port);
		m->host_hi = 0;
	}
	return fd;
}

void
proxy_init(struct proxy *px)
{
	memset(px, 0, sizeof(*px));
	px->ep = px->tfd = -1;
}

int
proxy_reserve(struct proxy *px, struct port_map *v, size_t n,
    struct err *e)
{
	size_t i;
	int fd;

	px->lsn = calloc(n ? n : 1, sizeof(*px->lsn));
	if (!px->lsn)
		return err_set(e, ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		fd = reserve_one(&v[i], e);
		if (fd < 0) {
			proxy_close(px);
			return -1;
		}
		px->lsn[i].it.kind = K_LSN;
		px->lsn[i].fd = fd;
		px->lsn[i].map = v[i];
		px->nlsn++;
	}
	return 0;
}

/* --- TCP ------------------------------------------------------------- */

static void
set_events(struct proxy *px, struct side *s, uint32_t ev)
{
	struct epoll_event ee;

	if (ev == s->ev)
		return;
	memset(&ee, 0, sizeof(ee));
	ee.events = ev;
	ee.data.ptr = s;
	/* A side with nothing to wait for leaves the set: a hung-up
	 * socket would otherwise report EPOLLHUP forever. */
	if (!ev)
		epoll_ctl(px->ep, EPOLL_CTL_DEL, s->fd, NULL);
	else if (epoll_ctl(px->ep, s->ev ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
	    s->fd, &ee) < 0)
		return;
	s->ev = ev;
}

static void
conn_events(struct proxy *px, struct proxy_conn *c)
{
	uint32_t ev;
	int i;

	for (i = 0; i < 2; i++) {
		ev = 0;
		if (c->connecting) {
			ev = i == 1 ? EPOLLOUT : 0;
		} else {
			if (!c->eof[i] && c->inpipe[i] < c->cap[i])
				ev |= EPOLLIN;
			if (c->inpipe[1 - i])
				ev |= EPOLLOUT;
		}
		set_events(px, &c->s[i], ev);
	}
}

static void
resume_listeners(struct proxy *px)
{
	struct epoll_event ee;
	size_t i;

	for (i = 0; i < px->nlsn; i++) {
		memset(&ee, 0, sizeof(ee));
		ee.events = EPOLLIN;
		ee.data.ptr = &px->lsn[i];
		epoll_ctl(px->ep, EPOLL_CTL_ADD, px->lsn[i].fd, &ee);
	}
}

static void
pause_listeners(struct proxy *px)
{
	size_t i;

	for (i = 0; i < px->nlsn; i++)
		if (px->lsn[i].map.proto == IPPROTO_TCP)
			epoll_ctl(px->ep, EPOLL_CTL_DEL, px->lsn[i].fd, NULL);
}

/* Unlink and close now; freed after the batch of events. */
static void
conn_close(struct proxy *px, struct proxy_conn *c, int reset)
{
	struct linger lg = { 1, 0 };
	int i, d;

	if (c->dead)
		return;
	c->dead = 1;
	if (reset)
		setsockopt(c->s[0].fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	for (i = 0; i < 2; i++)
		if (c->s[i].fd >= 0)
			close(c->s[i].fd);
	for (d = 0; d < 2; d++)
		for (i = 0; i < 2; i++)
			if (c->p[d][i] >= 0)
				close(c->p[d][i]);
	if (c->prev)
		c->prev->next = c->next;
	else
		px->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next = px->dead;
	px->dead = c;
	if (px->nconns-- == PROXY_CONN_MAX)
		resume_listeners(px);
}

/* Move what can be moved from s[d] to s[1-d]. -1: the connection
 * failed. */
static int
pump(struct proxy_conn *c, int d)
{
	unsigned flags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;
	ssize_t n;
	int r, progress;

	for (r = 0; r < PUMP_ROUNDS; r++) {
		progress = 0;
		if (c->inpipe[d]) {
			n = splice(c->p[d][0], NULL, c->s[1 - d].fd, NULL,
			    c->inpipe[d], flags);
			if (n > 0) {
				c->inpipe[d] -= (size_t)n;
				progress = 1;
			} else if (n < 0 && errno != EAGAIN &&
			    errno != EINTR) {
				return -1;
			}
		}
		if (!c->eof[d] && c->inpipe[d] < c->cap[d]) {
			n = splice(c->s[d].fd, NULL, c->p[d][1], NULL,
			    c->cap[d] - c->inpipe[d], flags);
			if (n > 0) {
				c->inpipe[d] += (size_t)n;
				progress = 1;
			} else if (n == 0) {
				c->eof[d] = 1;
			} else if (errno != EAGAIN && errno != EINTR) {
				return -1;
			}
		}
		if (!progress)
			break;
	}
	if (c->eof[d] && !c->inpipe[d] && !c->shut[d]) {
		shutdown(c->s[1 - d].fd, SHUT_WR);
		c->shut[d] = 1;
	}
	return 0;
}

static void
conn_event(struct proxy *px, struct side *s)
{
	struct proxy_conn *c = s->c;
	socklen_t sl;
	int err = 0;

	if (c->dead)
		return;
	if (c->connecting) {
		sl = sizeof(err);
		if (getsockopt(c->s[1].fd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0
		    || err) {
			conn_close(px, c, 1);
			return;
		}
		c->connecting = 0;
	}
	if (pump(c, 0) < 0 || pump(c, 1) < 0) {
		conn_close(px, c, 1);
		return;
	}
	if (c->shut[0] && c->shut[1]) {
		conn_close(px, c, 0);
		return;
	}
	conn_events(px, c);
}

static int
new_pipe(int p[2], size_t *cap)
{
	int sz;

	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	fcntl(p[1], F_SETPIPE_SZ, PROXY_PIPE_BYTES);
	sz = fcntl(p[1], F_GETPIPE_SZ);
	*cap = sz > 0 ? (size_t)sz : 65536;
	return 0;
}

static void
accept_conns(struct proxy *px, struct proxy_lsn *l)
{
	struct sockaddr_in sa;
	struct proxy_conn *c;
	int fd, i;

	for (;;) {
		if (px->nconns >= PROXY_CONN_MAX) {
			pause_listeners(px);
			return;
		}
		fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;	/* EAGAIN; EMFILE: retried later */
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			return;
		}
		c->s[0].it.kind = c->s[1].it.kind = K_SIDE;
		c->s[0].c = c->s[1].c = c;
		c->s[0].fd = fd;
		c->p[0][0] = c->p[0][1] = c->p[1][0] = c->p[1][1] = -1;
		c->s[1].fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		c->next = px->conns;
		if (px->conns)
			px->conns->prev = c;
		px->conns = c;
		px->nconns++;
		if (c->s[1].fd < 0 || new_pipe(c->p[0], &c->cap[0]) < 0 ||
		    new_pipe(c->p[1], &c->cap[1]) < 0) {
			conn_close(px, c, 1);
			continue;
		}
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_addr.s_addr = px->ctr_ip;
		sa.sin_port = htons(l->map.ctr_port);
		i = connect(c->s[1].fd, (struct sockaddr *)&sa, sizeof(sa));
		if (i < 0 && errno != EINPROGRESS) {
			conn_close(px, c, 1);
			continue;
		}
		c->connecting = i < 0;
		conn_events(px, c);
	}
}

/* --- UDP ------------------------------------------------------------- */

static void
flow_close(struct proxy *px, struct proxy_flow *f)
{
	if (f->dead)
		return;
	f->dead = 1;
	close(f->fd);
	if (f->prev)
		f->prev->next = f->next;
	else
		px->flows = f->next;
	if (f->next)
		f->next->prev = f->prev;
	f->next = px->dead_flows;
	px->dead_flows = f;
	px->nflows--;
}

static struct proxy_flow *
flow_for(struct proxy *px, struct proxy_lsn *l, const struct sockaddr_in *p)
{
	struct epoll_event ee;
	struct sockaddr_in sa;
	struct proxy_flow *f;

	for (f = px->flows; f; f = f->next)
		if (f->l == l && f->peer.sin_addr.s_addr ==
		    p->sin_addr.s_addr && f->peer.sin_port == p->sin_port)
			return f;
	if (px->nflows >= PROXY_FLOW_MAX)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->it.kind = K_FLOW;
	f->l = l;
	f->peer = *p;
	f->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = px->ctr_ip;
	sa.sin_port = htons(l->map.ctr_port);
	memset(&ee, 0, sizeof(ee));
	ee.events = EPOLLIN;
	ee.data.ptr = f;
	if (f->fd < 0 || connect(f->fd, (struct sockaddr *)&sa,
	    sizeof(sa)) < 0 || epoll_ctl(px->ep, EPOLL_CTL_ADD, f->fd,
	    &ee) < 0) {
		if (f->fd >= 0)
			close(f->fd);
		free(f);
		return NULL;
	}
	f->next = px->flows;
	if (px->flows)
		px->flows->prev = f;
	px->flows = f;
	px->nflows++;
	return f;
}

static void
udp_in(struct proxy *px, struct proxy_lsn *l)
{
	struct sockaddr_in peer;
	struct proxy_flow *f;
	socklen_t sl;
	ssize_t n;
	int i;

	for (i = 0; i < UDP_BATCH; i++) {
		sl = sizeof(peer);
		n = recvfrom(l->fd, udp_buf, sizeof(udp_buf), 0,
		    (struct sockaddr *)&peer, &sl);
		if (n < 0)
			return;
		if (sl != sizeof(peer) || peer.sin_family != AF_INET)
			continue;
		f = flow_for(px, l, &peer);
		if (!f)
			continue;	/* too many flows: dropped */
		f->last = now_s();
		if (send(f->fd, udp_buf, (size_t)n, 0) < 0)
			continue;	/* UDP: lost, as on a wire */
	}
}

static void
udp_back(struct proxy *px, struct proxy_flow *f)
{
	ssize_t n;
	int i;

	(void)px;
	for (i = 0; i < UDP_BATCH; i++) {
		n = recv(f->fd, udp_buf, sizeof(udp_buf), 0);
		if (n < 0)
			return;	/* EAGAIN, or ECONNREFUSED: kept */
		f->last = now_s();
		sendto(f->l->fd, udp_buf, (size_t)n, 0,
		    (struct sockaddr *)&f->peer, sizeof(f->peer));
	}
}

static void
sweep(struct proxy *px)
{
	struct proxy_flow *f, *next;
	uint64_t ticks;
	int64_t now = now_s();

	if (read(px->tfd, &ticks, sizeof(ticks)) < 0)
		return;
	for (f = px->flows; f; f = next) {
		next = f->next;
		if (now - f->last >= PROXY_UDP_IDLE_S)
			flow_close(px, f);
	}
}

/* --- the loop -------------------------------------------------------- */

int
proxy_start(struct proxy *px, uint32_t ctr_ip, struct err *e)
{
	struct itimerspec it;
	struct epoll_event ee;
	struct rlimit rl;

	px->ctr_ip = ctr_ip;
	/* Each connection costs six fds. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	px->ep = epoll_create1(EPOLL_CLOEXEC);
	if (px->ep < 0)
		return err_sys(e, "proxy: epoll");
	px->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (px->tfd < 0)
		return err_sys(e, "proxy: timerfd");
	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = it.it_interval.tv_sec = SWEEP_S;
	memset(&ee, 0, sizeof(ee));
	ee.events = EPOLLIN;
	ee.data.ptr = &timer_item;
	if (timerfd_settime(px->tfd, 0, &it, NULL) < 0 ||
	    epoll_ctl(px->ep, EPOLL_CTL_ADD, px->tfd, &ee) < 0)
		return err_sys(e, "proxy: timer");
	resume_listeners(px);
	return 0;
}

int
proxy_fd(const struct proxy *px)
{
	return px->ep;
}

/* Free what was closed during a batch of events. */
static void
reap(struct proxy *px)
{
	struct proxy_conn *c;
	struct proxy_flow *f;

	while ((c = px->dead)) {
		px->dead = c->next;
		free(c);
	}
	while ((f = px->dead_flows)) {
		px->dead_flows = f->next;
		free(f);
	}
}

/* Handle one batch of events. */
static void
dispatch(struct proxy *px, struct epoll_event *ev, int n)
{
	struct item *it;
	int i;

	for (i = 0; i < n; i++) {
		it = ev[i].data.ptr;
		switch (it->kind) {
		case K_LSN:
			if (((struct proxy_lsn *)it)->map.proto == IPPROTO_TCP)
				accept_conns(px, (struct proxy_lsn *)it);
			else
				udp_in(px, (struct proxy_lsn *)it);
			break;
		case K_SIDE:
			conn_event(px, (struct side *)it);
			break;
		case K_FLOW:
			if (!((struct proxy_flow *)it)->dead)
				udp_back(px, (struct proxy_flow *)it);
			break;
		case K_TIMER:
			sweep(px);
			break;
		}
	}
	reap(px);
}

void
proxy_run(struct proxy *px)
{
	struct epoll_event ev[EV_BATCH];
	int n, round;

	if (px->ep < 0)
		return;
	/* A few rounds while data flows: fewer trips through the caller's
	 * poll(2) under load. */
	for (round = 0; round < RUN_ROUNDS; round++) {
		n = epoll_wait(px->ep, ev, EV_BATCH, 0);
		if (n <= 0)
			break;
		dispatch(px, ev, n);
	}
}

void
proxy_close(struct proxy *px)
{
	size_t i;

	while (px->conns)
		conn_close(px, px->conns, 0);
	while (px->flows)
		flow_close(px, px->flows);
	reap(px);
	for (i = 0; i < px->nlsn; i++)
		close(px->lsn[i].fd);
	free(px->lsn);
	if (px->tfd >= 0)
		close(px->tfd);
	if (px->ep >= 0)
		close(px->ep);
	proxy_init(px);
}

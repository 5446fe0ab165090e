/* tty.c - ptys, fd passing, raw mode, window sizes and the relay loop */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tty.h"

/* Data waiting between a source and a sink: bytes p[off..len). */
struct pending {
	char *p;
	size_t off, len;
};

/* An fd whose file status flags the relay changed, and their old value. */
struct saved_fl {
	int fd;
	int fl;
};

enum {
	FL_MAX = 6,		/* fds of a relay */
	SIG_BATCH = 16,		/* signalfd records per read */
	DEFAULT_EOF = 4,	/* Ctrl-D, when the pty's VEOF is unknown */
	FD_MSG_BYTE = 'F',	/* payload sent with a passed fd */
	IN_RESERVE = 2,		/* input buffer room kept for VEOF bytes */
};

/* Slots of the relay's pollfd array. */
enum {
	P_SIG,
	P_IN,
	P_TOCTR,
	P_CTROUT,
	P_OUT,
	P_CTRERR,
	P_ERR,
	P_HOOK,
	P_COUNT,
};

/* The relay's private state. */
struct loop {
	struct relay *r;
	struct pending in, out, err;
	int sfd;
	int in_done;		/* no more user input will be read */
	int out_eof, err_eof;	/* container outputs at EOF */
	char last_in;		/* last byte of user input read */
	int64_t drain_end;	/* monotonic ms; 0: no deadline */
	struct saved_fl fl[FL_MAX];
	int nfl;
};

static const int default_proxy[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, 0
};

/* The terminal tty_restore_atexit() puts back. */
static struct tty_saved exit_saved;

/*
 * Terminals.
 */

int
tty_open_pty(int *master, char *slave_name, size_t len, struct err *e)
{
	int fd, rc, ret = -1;

	fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "posix_openpt");
	if (grantpt(fd) < 0) {
		err_sys(e, "grantpt");
		goto out;
	}
	if (unlockpt(fd) < 0) {
		err_sys(e, "unlockpt");
		goto out;
	}
	if (slave_name) {
		rc = ptsname_r(fd, slave_name, len);
		if (rc) {
			errno = rc;
			err_sys(e, "ptsname");
			goto out;
		}
	}
	*master = fd;
	ret = 0;
out:
	if (ret < 0)
		close(fd);
	return ret;
}

int
tty_open_pty_at(const char *ptmx, int *master, int *slave, struct err *e)
{
	char name[64];
	int m, s = -1, rc, ret = -1;

	m = open(ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return err_sys(e, "%s", ptmx);
	if (unlockpt(m) < 0) {
		err_sys(e, "%s: unlockpt", ptmx);
		goto out;
	}
	s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0 && errno != EINVAL && errno != ENOTTY && errno != ENOSYS) {
		err_sys(e, "%s: open pty slave", ptmx);
		goto out;
	}
	if (s < 0) {
		rc = ptsname_r(m, name, sizeof(name));
		if (rc) {
			errno = rc;
			err_sys(e, "%s: ptsname", ptmx);
			goto out;
		}
		s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (s < 0) {
			err_sys(e, "%s", name);
			goto out;
		}
	}
	*master = m;
	*slave = s;
	ret = 0;
out:
	if (ret < 0)
		close(m);
	return ret;
}

int
tty_make_controlling(int slave, struct err *e)
{
	int fd;

	if (setsid() < 0)
		return err_sys(e, "setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return err_sys(e, "make controlling terminal");
	for (fd = 0; fd <= 2; fd++) {
		if (fd == slave) {
			if (fcntl(fd, F_SETFD, 0) < 0)
				return err_sys(e, "fcntl");
		} else if (dup2(slave, fd) < 0) {
			return err_sys(e, "dup2 terminal to %d", fd);
		}
	}
	if (slave > 2)
		close(slave);
	return 0;
}

/*
 * Passing fds.
 */

int
tty_send_fd(int sock, int fd, struct err *e)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *c;
	char byte = FD_MSG_BYTE;
	ssize_t n;

	memset(&msg, 0, sizeof(msg));
	memset(&u, 0, sizeof(u));
	iov.iov_base = &byte;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_sys(e, "send fd");
	return 0;
}

int
tty_recv_fd(int sock, int *fd, struct err *e)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} u;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *c;
	char byte;
	int got = -1, one, ret = -1;
	size_t i, nfd;
	ssize_t n;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = &byte;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_sys(e, "receive fd");
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			memcpy(&one, CMSG_DATA(c) + i * sizeof(int),
			    sizeof(int));
			if (got < 0)
				got = one;
			else
				close(one);
		}
	}
	if (n == 0) {
		err_set(e, ERR_PROTO, "receive fd: peer closed the socket");
		goto out;
	}
	if (msg.msg_flags & MSG_CTRUNC) {
		err_set(e, ERR_PROTO, "receive fd: control data truncated");
		goto out;
	}
	if (got < 0) {
		err_set(e, ERR_PROTO, "receive fd: no fd in the message");
		goto out;
	}
	*fd = got;
	got = -1;
	ret = 0;
out:
	if (got >= 0)
		close(got);
	return ret;
}

/*
 * Raw mode.
 */

int
tty_raw(int fd, struct tty_saved *s, struct err *e)
{
	struct termios t;

	if (tcgetattr(fd, &s->tio) < 0)
		return err_sys(e, "tcgetattr");
	t = s->tio;
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR |
	    IGNCR | ICRNL | IXON);
	t.c_oflag &= ~(tcflag_t)OPOST;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		return err_sys(e, "tcsetattr");
	s->fd = fd;
	s->active = 1;
	exit_saved = *s;
	return 0;
}

int
tty_restore(struct tty_saved *s, struct err *e)
{
	int rc;

	if (!s->active)
		return 0;
	do
		rc = tcsetattr(s->fd, TCSANOW, &s->tio);
	while (rc < 0 && errno == EINTR);
	s->active = 0;
	if (exit_saved.active && exit_saved.fd == s->fd)
		exit_saved.active = 0;
	if (rc < 0)
		return err_sys(e, "restore terminal");
	return 0;
}

void
tty_restore_atexit(void)
{
	int saved = errno;

	if (exit_saved.active) {
		tcsetattr(exit_saved.fd, TCSANOW, &exit_saved.tio);
		exit_saved.active = 0;
	}
	errno = saved;
}

/*
 * Window sizes.
 */

int
tty_get_size(int fd, uint16_t *rows, uint16_t *cols, struct err *e)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) < 0)
		return err_sys(e, "get window size");
	*rows = ws.ws_row;
	*cols = ws.ws_col;
	return 0;
}

int
tty_set_size(int fd, uint16_t rows, uint16_t cols, struct err *e)
{
	struct winsize ws;

	memset(&ws, 0, sizeof(ws));
	ws.ws_row = rows;
	ws.ws_col = cols;
	if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
		return err_sys(e, "set window size");
	return 0;
}

int
tty_copy_size(int from, int to, struct err *e)
{
	struct winsize ws;

	if (ioctl(from, TIOCGWINSZ, &ws) < 0)
		return err_sys(e, "get window size");
	if (ioctl(to, TIOCSWINSZ, &ws) < 0)
		return err_sys(e, "set window size");
	return 0;
}

/*
 * The relay.
 */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Remember the flags of every relay fd, then make them non-blocking. */
static int
set_nonblock(struct loop *l, struct err *e)
{
	struct relay *r = l->r;
	int fds[FL_MAX], i, j, fl;

	fds[0] = r->in_fd;
	fds[1] = r->to_ctr;
	fds[2] = r->out_fd;
	fds[3] = r->err_fd;
	fds[4] = r->ctr_out;
	fds[5] = r->ctr_err;
	for (i = 0; i < FL_MAX; i++) {
		if (fds[i] < 0)
			continue;
		for (j = 0; j < l->nfl && l->fl[j].fd != fds[i]; j++)
			;
		if (j < l->nfl)
			continue;
		fl = fcntl(fds[i], F_GETFL);
		if (fl < 0)
			return err_sys(e, "relay: fd %d", fds[i]);
		l->fl[l->nfl].fd = fds[i];
		l->fl[l->nfl++].fl = fl;
	}
	for (i = 0; i < l->nfl; i++)
		if (fcntl(l->fl[i].fd, F_SETFL, l->fl[i].fl | O_NONBLOCK) < 0)
			return err_sys(e, "relay: fd %d", l->fl[i].fd);
	return 0;
}

static void
restore_flags(struct loop *l)
{
	int i;

	for (i = 0; i < l->nfl; i++)
		fcntl(l->fl[i].fd, F_SETFL, l->fl[i].fl);
	l->nfl = 0;
}

/* Close the container's stdin pipe (pipe mode only). */
static void
close_input(struct loop *l)
{
	struct relay *r = l->r;
	int i;

	if (r->tty || r->to_ctr < 0)
		return;
	for (i = 0; i < l->nfl; i++) {
		if (l->fl[i].fd == r->to_ctr) {
			l->fl[i] = l->fl[--l->nfl];
			break;
		}
	}
	close(r->to_ctr);
	r->to_ctr = -1;
}

/* User input ended: queue VEOF (tty) or close to_ctr once drained. */
static void
input_eof(struct loop *l)
{
	struct relay *r = l->r;
	struct termios t;
	char veof = DEFAULT_EOF;

	if (l->in_done)
		return;
	l->in_done = 1;
	if (r->to_ctr < 0)
		return;
	if (!r->tty) {
		if (l->in.len == l->in.off)
			close_input(l);
		return;
	}
	if (tcgetattr(r->to_ctr, &t) == 0 && t.c_cc[VEOF] != 0)
		veof = (char)t.c_cc[VEOF];
	if (l->last_in != '\n' && l->last_in != veof)
		l->in.p[l->in.len++] = veof;
	l->in.p[l->in.len++] = veof;
}

/* The container exited: stop taking input, start the drain clock. */
static void
child_exited(struct loop *l)
{
	struct relay *r = l->r;

	r->exited = 1;
	l->in_done = 1;
	l->in.off = l->in.len = 0;
	close_input(l);
	if (r->drain_ms > 0)
		l->drain_end = now_ms() + r->drain_ms;
}

static int
call_child(struct loop *l, struct err *e)
{
	struct relay *r = l->r;
	int rc;

	if (!r->on_child || r->exited)
		return 0;
	rc = r->on_child(r->arg, e);
	if (rc < 0)
		return -1;
	if (rc > 0)
		child_exited(l);
	return 0;
}

static void
compact(struct pending *b)
{
	if (b->off == 0)
		return;
	memmove(b->p, b->p + b->off, b->len - b->off);
	b->len -= b->off;
	b->off = 0;
}

static void
read_input(struct loop *l)
{
	struct relay *r = l->r;
	struct pending *b = &l->in;
	ssize_t n;

	compact(b);
	n = read(r->in_fd, b->p + b->len, RELAY_BUF - IN_RESERVE - b->len);
	if (n > 0) {
		b->len += (size_t)n;
		l->last_in = b->p[b->len - 1];
	} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		input_eof(l);
	}
}

static void
write_input(struct loop *l)
{
	struct relay *r = l->r;
	struct pending *b = &l->in;
	ssize_t n;

	n = write(r->to_ctr, b->p + b->off, b->len - b->off);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* The container no longer reads its input. */
		b->off = b->len = 0;
		l->in_done = 1;
		close_input(l);
		return;
	}
	b->off += (size_t)n;
	if (b->off == b->len) {
		b->off = b->len = 0;
		if (l->in_done)
			close_input(l);
	}
}

/* Read container output `fd` into `b` (kept only when `keep`). */
static int
read_output(struct loop *l, int fd, int stream, struct pending *b,
    int keep, int *eof, struct err *e)
{
	struct relay *r = l->r;
	ssize_t n;

	compact(b);
	n = read(fd, b->p + b->len, RELAY_BUF - b->len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0 && errno != EIO)
		return err_sys(e, "relay: read container %s",
		    stream == 1 ? "stdout" : "stderr");
	if (n <= 0) {
		*eof = 1;
		return 0;
	}
	if (r->log)
		r->log(r->arg, stream, b->p + b->len, (size_t)n);
	if (keep)
		b->len += (size_t)n;
	if (l->drain_end)
		l->drain_end = now_ms() + r->drain_ms;
	return 0;
}

static void
write_sink(int fd, struct pending *b, int *gone)
{
	ssize_t n;

	n = write(fd, b->p + b->off, b->len - b->off);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		*gone = 1;
		b->off = b->len = 0;
		return;
	}
	b->off += (size_t)n;
	if (b->off == b->len)
		b->off = b->len = 0;
}

/* Read and act on every pending signal. */
static int
handle_signals(struct loop *l, struct err *e)
{
	struct signalfd_siginfo si[SIG_BATCH];
	struct relay *r = l->r;
	struct err ignored = ERR_INIT;
	size_t i, k;
	ssize_t n;
	int chld = 0;

	for (;;) {
		n = read(l->sfd, si, sizeof(si));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)
			return err_sys(e, "relay: read signalfd");
		k = (size_t)n / sizeof(si[0]);
		for (i = 0; i < k; i++) {
			if (si[i].ssi_signo == SIGCHLD)
				chld = 1;
			else if (si[i].ssi_signo == SIGWINCH)
				tty_copy_size(r->winch_from, r->ctr_out,
				    &ignored);
			else if (r->on_signal)
				r->on_signal(r->arg, (int)si[i].ssi_signo);
		}
	}
	return chld ? call_child(l, e) : 0;
}

/* Build the signal set the relay handles. */
static void
relay_sigs(const struct relay *r, sigset_t *set)
{
	const int *p;

	sigemptyset(set);
	if (r->on_child)
		sigaddset(set, SIGCHLD);
	if (r->tty && r->winch_from >= 0 && r->ctr_out >= 0)
		sigaddset(set, SIGWINCH);
	if (!r->on_signal)
		return;
	for (p = r->proxy_sigs ? r->proxy_sigs : default_proxy; *p; p++)
		if (*p != SIGCHLD && *p != SIGWINCH && *p != SIGPIPE &&
		    *p != SIGKILL && *p != SIGSTOP)
			sigaddset(set, *p);
}

static int
finished(const struct loop *l)
{
	const struct relay *r = l->r;

	if (r->ctr_out >= 0 && (!l->out_eof || l->out.len))
		return 0;
	if (r->ctr_err >= 0 && (!l->err_eof || l->err.len))
		return 0;
	return !r->on_child || r->exited;
}

static void
want(struct pollfd *p, int fd, short ev, int cond)
{
	p->fd = cond ? fd : -1;
	p->events = ev;
	p->revents = 0;
}

static int
run(struct loop *l, struct err *e)
{
	struct relay *r = l->r;
	struct pollfd pf[P_COUNT];
	int timeout, n;
	int64_t left;

	while (!finished(l)) {
		want(&pf[P_SIG], l->sfd, POLLIN, 1);
		want(&pf[P_IN], r->in_fd, POLLIN, !l->in_done &&
		    l->in.len - l->in.off < RELAY_BUF - IN_RESERVE);
		want(&pf[P_TOCTR], r->to_ctr, POLLOUT, !r->exited &&
		    l->in.len > l->in.off);
		want(&pf[P_CTROUT], r->ctr_out, POLLIN, !l->out_eof &&
		    l->out.len - l->out.off < RELAY_BUF);
		want(&pf[P_OUT], r->out_fd, POLLOUT, l->out.len > l->out.off);
		want(&pf[P_CTRERR], r->ctr_err, POLLIN, !l->err_eof &&
		    l->err.len - l->err.off < RELAY_BUF);
		want(&pf[P_ERR], r->err_fd, POLLOUT, l->err.len > l->err.off);
		want(&pf[P_HOOK], r->hook_fd, POLLIN, r->on_hook != NULL);
		timeout = -1;
		if (l->drain_end) {
			left = l->drain_end - now_ms();
			if (left <= 0) {
				r->gave_up = 1;
				break;
			}
			timeout = left > INT32_MAX ? INT32_MAX : (int)left;
		}
		n = poll(pf, P_COUNT, timeout);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(e, "relay: poll");
		if (pf[P_SIG].revents && handle_signals(l, e) < 0)
			return -1;
		if (pf[P_IN].revents && !l->in_done)
			read_input(l);
		if (pf[P_TOCTR].revents && r->to_ctr >= 0 &&
		    l->in.len > l->in.off)
			write_input(l);
		if (pf[P_CTROUT].revents && read_output(l, r->ctr_out, 1,
		    &l->out, r->out_fd >= 0 && !r->out_gone, &l->out_eof,
		    e) < 0)
			return -1;
		if (pf[P_OUT].revents && l->out.len > l->out.off)
			write_sink(r->out_fd, &l->out, &r->out_gone);
		if (pf[P_CTRERR].revents && read_output(l, r->ctr_err, 2,
		    &l->err, r->err_fd >= 0 && !r->err_gone, &l->err_eof,
		    e) < 0)
			return -1;
		if (pf[P_ERR].revents && l->err.len > l->err.off)
			write_sink(r->err_fd, &l->err, &r->err_gone);
		if (pf[P_HOOK].revents)
			r->on_hook(r->arg);
	}
	return 0;
}

void
tty_relay_init(struct relay *r)
{
	memset(r, 0, sizeof(*r));
	r->in_fd = r->to_ctr = r->out_fd = r->err_fd = -1;
	r->ctr_out = r->ctr_err = r->winch_from = r->hook_fd = -1;
}

int
tty_relay(struct relay *r, struct err *e)
{
	struct signalfd_siginfo si[SIG_BATCH];
	struct sigaction ign, old_pipe;
	struct err ignored = ERR_INIT;
	struct loop l;
	sigset_t set, old_mask;
	char *mem;
	ssize_t n;
	size_t i;
	int ret = -1, masked = 0, piped = 0;

	memset(&l, 0, sizeof(l));
	l.r = r;
	l.sfd = -1;
	l.last_in = '\n';
	r->exited = r->out_gone = r->err_gone = r->gave_up = 0;
	mem = malloc(3 * (size_t)RELAY_BUF);
	if (!mem)
		return err_set(e, ENOMEM, "relay: out of memory");
	l.in.p = mem;
	l.out.p = mem + RELAY_BUF;
	l.err.p = mem + 2 * RELAY_BUF;

	relay_sigs(r, &set);
	if (sigprocmask(SIG_BLOCK, &set, &old_mask) < 0) {
		err_sys(e, "relay: sigprocmask");
		goto out;
	}
	masked = 1;
	l.sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (l.sfd < 0) {
		err_sys(e, "relay: signalfd");
		goto out;
	}
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	if (sigaction(SIGPIPE, &ign, &old_pipe) < 0) {
		err_sys(e, "relay: ignore SIGPIPE");
		goto out;
	}
	piped = 1;
	if (set_nonblock(&l, e) < 0)
		goto out;
	if (r->tty && r->winch_from >= 0 && r->ctr_out >= 0)
		tty_copy_size(r->winch_from, r->ctr_out, &ignored);
	if (r->in_fd < 0) {
		l.in_done = 1;
		close_input(&l);
	}
	if (call_child(&l, e) < 0)
		goto out;
	ret = run(&l, e);
out:
	if (l.sfd >= 0) {
		while ((n = read(l.sfd, si, sizeof(si))) > 0)
			for (i = 0; i < (size_t)n / sizeof(si[0]); i++)
				if (r->on_signal &&
				    si[i].ssi_signo != SIGCHLD &&
				    si[i].ssi_signo != SIGWINCH)
					r->on_signal(r->arg,
					    (int)si[i].ssi_signo);
		close(l.sfd);
	}
	if (masked)
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
	if (piped)
		sigaction(SIGPIPE, &old_pipe, NULL);
	restore_flags(&l);
	free(mem);
	return ret;
}

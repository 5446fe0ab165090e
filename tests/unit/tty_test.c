/* tty_test.c - ptys, raw mode, sizes, fd passing and the relay loop
 *
 * The relay tests fork a "container" child wired to pipes or to a pty and
 * run tty_relay() in this process as the monitor would; user output goes
 * to temporary files (always writable) and the log callback collects every
 * byte per stream.
 */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "tty.h"

enum {
	CAP_MAX = 4 << 20,
};

/* What the relay callbacks see. */
struct cap {
	pid_t pid;
	int status;
	int sigs;		/* signals forwarded */
	char *log[3];		/* per stream, CAP_MAX bytes */
	size_t len[3];
};

static char tmpl[] = "/tmp/tty_test.XXXXXX";
static char filebuf[CAP_MAX + 1];

static void
log_cb(void *arg, int stream, const char *buf, size_t len)
{
	struct cap *c = arg;

	if (stream < 1 || stream > 2 || c->len[stream] + len > CAP_MAX)
		abort();
	memcpy(c->log[stream] + c->len[stream], buf, len);
	c->len[stream] += len;
}

static int
child_cb(void *arg, struct err *e)
{
	struct cap *c = arg;
	pid_t p = waitpid(c->pid, &c->status, WNOHANG);

	if (p < 0)
		return err_sys(e, "waitpid");
	return p == c->pid;
}

static void
sig_cb(void *arg, int sig)
{
	struct cap *c = arg;

	c->sigs++;
	kill(c->pid, sig);
}

static void
cap_init(struct cap *c)
{
	memset(c, 0, sizeof(*c));
	c->log[1] = malloc(CAP_MAX);
	c->log[2] = malloc(CAP_MAX);
	if (!c->log[1] || !c->log[2])
		abort();
}

static void
cap_free(struct cap *c)
{
	free(c->log[1]);
	free(c->log[2]);
}

/* A new empty temporary file, open read-write. */
static int
tmpfile_fd(void)
{
	char name[64];
	int fd;

	snprintf(name, sizeof(name), "%s/fXXXXXX", tmpl);
	fd = mkostemp(name, O_CLOEXEC);
	if (fd < 0)
		abort();
	unlink(name);
	return fd;
}

/* The contents of file `fd` in filebuf (NUL-terminated); the length. */
static size_t
file_data(int fd)
{
	size_t n = 0;
	ssize_t k;

	while (n < CAP_MAX && (k = pread(fd, filebuf + n, CAP_MAX - n,
	    (off_t)n)) > 0)
		n += (size_t)k;
	filebuf[n] = '\0';
	return n;
}

/* A pipe holding `s` whose write end is closed: user input. */
static int
input_pipe(const char *s)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0 ||
	    write(p[1], s, strlen(s)) != (ssize_t)strlen(s))
		abort();
	close(p[1]);
	return p[0];
}

static void
put(int fd, const char *s)
{
	size_t n = strlen(s), o = 0;
	ssize_t k;

	while (o < n) {
		k = write(fd, s + o, n - o);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			_exit(90);
		o += (size_t)k;
	}
}

/*
 * Fork a container child on pipes: stdin from to_ctr's pipe, stdout and
 * stderr to ctr_out and ctr_err's pipes. The child runs body() then exits
 * with its return value.
 */
static pid_t
start_piped(struct relay *r, int (*body)(void))
{
	int in[2], o[2], e[2];
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(o, O_CLOEXEC) < 0 ||
	    pipe2(e, O_CLOEXEC) < 0)
		abort();
	pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		if (dup2(in[0], 0) < 0 || dup2(o[1], 1) < 0 ||
		    dup2(e[1], 2) < 0)
			_exit(91);
		close(in[1]);
		close(o[0]);
		close(e[0]);
		_exit(body());
	}
	close(in[0]);
	close(o[1]);
	close(e[1]);
	r->to_ctr = in[1];
	r->ctr_out = o[0];
	r->ctr_err = e[0];
	return pid;
}

/*
 * Terminals.
 */

static void
test_open(void)
{
	struct err e = ERR_INIT;
	char name[64], buf[64];
	int m = -1, s = -1, s2;
	ssize_t n;

	CHECK(tty_open_pty(&m, name, sizeof(name), &e) == 0 &&
	    strncmp(name, "/dev/pts/", 9) == 0, "open_pty: %s", name);
	s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	CHECK(s >= 0 && isatty(s), "open_pty: slave opens");
	n = write(s, "hi\n", 3);
	n = read(m, buf, sizeof(buf));
	CHECK(n == 4 && memcmp(buf, "hi\r\n", 4) == 0,
	    "open_pty: slave output reaches the master");
	close(s);
	close(m);

	CHECK(tty_open_pty_at("/dev/ptmx", &m, &s2, &e) == 0,
	    "open_pty_at: master and slave (%s)", e.msg);
	CHECK(fcntl(m, F_GETFD) & FD_CLOEXEC && fcntl(s2, F_GETFD) & FD_CLOEXEC,
	    "open_pty_at: both close-on-exec");
	n = write(m, "x\n", 2);
	n = read(s2, buf, sizeof(buf));
	CHECK(n == 2 && memcmp(buf, "x\n", 2) == 0,
	    "open_pty_at: master input reaches the slave");
	close(s2);
	close(m);
	CHECK(tty_open_pty_at("/nonexistent/ptmx", &m, &s2, &e) < 0 &&
	    e.code == ENOENT, "open_pty_at: missing ptmx");
}

static void
test_controlling(void)
{
	struct err e = ERR_INIT;
	int m, s, st;
	pid_t pid;

	tty_open_pty_at("/dev/ptmx", &m, &s, &e);
	pid = fork();
	if (pid == 0) {
		close(m);
		if (tty_make_controlling(s, &e) < 0)
			_exit(2);
		if (getsid(0) != getpid() || tcgetpgrp(0) != getpgrp() ||
		    !isatty(0) || !isatty(1) || !isatty(2))
			_exit(3);
		if (fcntl(0, F_GETFD) & FD_CLOEXEC || fcntl(s, F_GETFD) >= 0)
			_exit(4);
		_exit(0);
	}
	close(s);
	waitpid(pid, &st, 0);
	close(m);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "make_controlling: new session, pty on 0 1 2 (%d)",
	    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static void
test_raw(void)
{
	struct err e = ERR_INIT;
	struct tty_saved sv;
	struct termios before, t, after;
	int m, s, bad;

	tty_open_pty_at("/dev/ptmx", &m, &s, &e);
	memset(&sv, 0, sizeof(sv));
	tcgetattr(s, &before);
	CHECK(tty_raw(s, &sv, &e) == 0 && sv.active, "raw: set");
	tcgetattr(s, &t);
	CHECK(!(t.c_iflag & (IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR |
	    IGNCR | ICRNL | IXON)), "raw: input flags cleared");
	CHECK(!(t.c_oflag & OPOST), "raw: OPOST cleared");
	CHECK(!(t.c_lflag & (ECHO | ECHONL | ICANON | ISIG | IEXTEN)),
	    "raw: local flags cleared");
	CHECK((t.c_cflag & CSIZE) == CS8 && !(t.c_cflag & PARENB),
	    "raw: CS8, no parity");
	CHECK(t.c_cc[VMIN] == 1 && t.c_cc[VTIME] == 0, "raw: VMIN 1 VTIME 0");
	CHECK(tty_restore(&sv, &e) == 0 && !sv.active, "raw: restore");
	tcgetattr(s, &after);
	bad = before.c_iflag != after.c_iflag ||
	    before.c_oflag != after.c_oflag ||
	    before.c_lflag != after.c_lflag ||
	    before.c_cflag != after.c_cflag ||
	    memcmp(before.c_cc, after.c_cc, sizeof(before.c_cc)) != 0;
	CHECK(!bad, "raw: restore gives the old attributes back");
	CHECK(tty_restore(&sv, &e) == 0, "raw: second restore is a no-op");

	tty_raw(s, &sv, &e);
	tty_restore_atexit();
	tcgetattr(s, &after);
	CHECK(after.c_lflag == before.c_lflag &&
	    after.c_oflag == before.c_oflag, "raw: tty_restore_atexit");
	sv.active = 0;
	close(s);
	close(m);

	memset(&sv, 0, sizeof(sv));
	CHECK(tty_raw(m = tmpfile_fd(), &sv, &e) < 0 && e.code == ENOTTY &&
	    !sv.active, "raw: not a terminal");
	close(m);
}

static void
test_size(void)
{
	struct err e = ERR_INIT;
	uint16_t rows = 0, cols = 0;
	int m1, s1, m2, s2, f, rc;

	tty_open_pty_at("/dev/ptmx", &m1, &s1, &e);
	tty_open_pty_at("/dev/ptmx", &m2, &s2, &e);
	CHECK(tty_set_size(m1, 33, 111, &e) == 0, "size: set");
	rc = tty_get_size(s1, &rows, &cols, &e);
	CHECK(rc == 0 && rows == 33 && cols == 111,
	    "size: get from the slave (%u x %u)", rows, cols);
	CHECK(tty_copy_size(s1, m2, &e) == 0 &&
	    tty_get_size(s2, &rows, &cols, &e) == 0 && rows == 33 &&
	    cols == 111, "size: copy to another pty");
	f = tmpfile_fd();
	CHECK(tty_get_size(f, &rows, &cols, &e) < 0 && e.code == ENOTTY,
	    "size: not a terminal");
	close(f);
	close(s1);
	close(m1);
	close(s2);
	close(m2);
}

static void
test_fdpass(void)
{
	struct err e = ERR_INIT;
	char c = 0, buf[32];
	int sv[2], p[2], fd = -1, m, st;
	pid_t pid;
	ssize_t n;

	socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	pipe2(p, O_CLOEXEC);
	CHECK(tty_send_fd(sv[0], p[1], &e) == 0, "fdpass: send");
	CHECK(tty_recv_fd(sv[1], &fd, &e) == 0 && fd >= 0 && fd != p[1],
	    "fdpass: receive");
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC, "fdpass: close-on-exec");
	n = write(fd, "z", 1);
	n = read(p[0], &c, 1);
	CHECK(n == 1 && c == 'z', "fdpass: same pipe");
	close(fd);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	CHECK(tty_recv_fd(sv[1], &fd, &e) < 0 && e.code == ERR_PROTO,
	    "fdpass: peer closed (%s)", e.msg);
	close(sv[1]);

	/* No fd in the message. */
	socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	n = write(sv[0], "F", 1);
	CHECK(tty_recv_fd(sv[1], &fd, &e) < 0 && e.code == ERR_PROTO,
	    "fdpass: message without an fd");
	close(sv[0]);
	close(sv[1]);

	/* The real use: a child opens a pty and hands over the master. */
	socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	pid = fork();
	if (pid == 0) {
		int cm, cs;

		close(sv[1]);
		if (tty_open_pty_at("/dev/ptmx", &cm, &cs, &e) < 0 ||
		    tty_send_fd(sv[0], cm, &e) < 0)
			_exit(2);
		close(cm);
		put(cs, "from child\n");
		_exit(0);
	}
	close(sv[0]);
	m = -1;
	CHECK(tty_recv_fd(sv[1], &m, &e) == 0, "fdpass: pty master from child");
	n = read(m, buf, sizeof(buf));
	waitpid(pid, &st, 0);
	CHECK(n == 12 && memcmp(buf, "from child\r\n", 12) == 0,
	    "fdpass: child's pty output arrives");
	close(m);
	close(sv[1]);
}

/*
 * Relay with pipes.
 */

/* Echo stdin upper-cased; stderr lines before and after; exit 3. */
static int
body_echo(void)
{
	char buf[256], msg[32];
	ssize_t n, i, total = 0;

	put(2, "E1\n");
	while ((n = read(0, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++)
			if (buf[i] >= 'a' && buf[i] <= 'z')
				buf[i] -= 32;
		if (write(1, buf, (size_t)n) != n)
			return 92;
		total += n;
	}
	snprintf(msg, sizeof(msg), "n=%zd\n", total);
	put(1, msg);
	put(2, "E2\n");
	return 3;
}

static void
test_relay_pipes(void)
{
	struct err e = ERR_INIT;
	struct relay r;
	struct cap c;
	int rc, fo, fe;

	cap_init(&c);
	tty_relay_init(&r);
	c.pid = start_piped(&r, body_echo);
	r.in_fd = input_pipe("hello\nworld\n");
	r.out_fd = fo = tmpfile_fd();
	r.err_fd = fe = tmpfile_fd();
	r.log = log_cb;
	r.on_child = child_cb;
	r.arg = &c;
	rc = tty_relay(&r, &e);
	CHECK(rc == 0 && r.exited && r.to_ctr == -1,
	    "relay pipes: ends after the exit, stdin pipe closed (%s)", e.msg);
	CHECK(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 3,
	    "relay pipes: on_child reaped the exit status");
	file_data(fo);
	CHECK(strcmp(filebuf, "HELLO\nWORLD\nn=12\n") == 0,
	    "relay pipes: stdout, stdin EOF propagated (%s)", filebuf);
	file_data(fe);
	CHECK(strcmp(filebuf, "E1\nE2\n") == 0, "relay pipes: stderr");
	CHECK(c.len[1] == 17 && memcmp(c.log[1], "HELLO\nWORLD\nn=12\n", 17)
	    == 0 && c.len[2] == 6 && memcmp(c.log[2], "E1\nE2\n", 6) == 0,
	    "relay pipes: log callback saw both streams");
	CHECK(!(fcntl(r.in_fd, F_GETFL) & O_NONBLOCK) &&
	    !(fcntl(fo, F_GETFL) & O_NONBLOCK), "relay: fd flags restored");
	close(r.in_fd);
	close(r.ctr_out);
	close(r.ctr_err);
	close(fo);
	close(fe);
	cap_free(&c);
}

static void
pattern(char *buf, size_t n, size_t at, int stream)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = (char)('A' + ((at + i) * 7 + (size_t)stream * 3 +
		    (at + i) / 251) % 26);
}

static int
check_pattern(const char *buf, size_t n, int stream)
{
	static char want[CAP_MAX];

	pattern(want, n, 0, stream);
	return memcmp(buf, want, n) == 0;
}

enum {
	BIG_OUT = 3 << 19,	/* 1.5 MiB */
	BIG_ERR = 1 << 19,
};

/* Stdin must be at EOF at once; 1.5 MiB out, 512 KiB err, interleaved. */
static int
body_big(void)
{
	char buf[4096];
	size_t o = 0, e = 0, n;
	ssize_t k;

	if (read(0, buf, 1) != 0)
		return 93;
	while (o < BIG_OUT || e < BIG_ERR) {
		n = 1 + (o * 13 + e) % sizeof(buf);
		if (o < BIG_OUT) {
			if (n > BIG_OUT - o)
				n = BIG_OUT - o;
			pattern(buf, n, o, 1);
			if ((k = write(1, buf, n)) <= 0)
				return 94;
			o += (size_t)k;
		}
		n = 1 + (e * 5) % 999;
		if (e < BIG_ERR) {
			if (n > BIG_ERR - e)
				n = BIG_ERR - e;
			pattern(buf, n, e, 2);
			if ((k = write(2, buf, n)) <= 0)
				return 94;
			e += (size_t)k;
		}
	}
	return 0;
}

static void
test_relay_big(void)
{
	struct err e = ERR_INIT;
	struct relay r;
	struct cap c;
	int rc, fo, fe, st;
	size_t n;

	cap_init(&c);
	tty_relay_init(&r);
	c.pid = start_piped(&r, body_big);
	r.out_fd = fo = tmpfile_fd();
	r.err_fd = fe = tmpfile_fd();
	r.log = log_cb;
	r.arg = &c;
	rc = tty_relay(&r, &e);
	waitpid(c.pid, &st, 0);
	CHECK(rc == 0 && r.to_ctr == -1 && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0,
	    "relay big: no stdin means EOF at once; ends at output EOF");
	n = file_data(fo);
	CHECK(n == BIG_OUT && check_pattern(filebuf, n, 1),
	    "relay big: 1.5 MiB of stdout in order (%zu)", n);
	n = file_data(fe);
	CHECK(n == BIG_ERR && check_pattern(filebuf, n, 2),
	    "relay big: 512 KiB of stderr in order (%zu)", n);
	CHECK(c.len[1] == BIG_OUT && check_pattern(c.log[1], c.len[1], 1) &&
	    c.len[2] == BIG_ERR && check_pattern(c.log[2], c.len[2], 2),
	    "relay big: log got both streams in order");
	close(r.ctr_out);
	close(r.ctr_err);
	close(fo);
	close(fe);
	cap_free(&c);
}

static void
test_relay_epipe(void)
{
	struct err e = ERR_INIT;
	struct relay r;
	struct cap c;
	int rc, p[2], fe;

	cap_init(&c);
	tty_relay_init(&r);
	c.pid = start_piped(&r, body_big);
	pipe2(p, O_CLOEXEC);
	close(p[0]);
	r.out_fd = p[1];
	r.err_fd = fe = tmpfile_fd();
	r.log = log_cb;
	r.on_child = child_cb;
	r.arg = &c;
	rc = tty_relay(&r, &e);
	CHECK(rc == 0 && r.out_gone && !r.err_gone && r.exited,
	    "relay epipe: user stdout gone, relay carries on");
	CHECK(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0,
	    "relay epipe: the container was not blocked or killed");
	CHECK(c.len[1] == BIG_OUT && check_pattern(c.log[1], c.len[1], 1),
	    "relay epipe: logging kept every byte");
	CHECK(file_data(fe) == BIG_ERR, "relay epipe: stderr still written");
	CHECK(signal(SIGPIPE, SIG_DFL) == SIG_DFL,
	    "relay epipe: SIGPIPE disposition restored");
	close(p[1]);
	close(r.ctr_out);
	close(r.ctr_err);
	close(fe);
	cap_free(&c);
}

/* Exit at once; a grandchild keeps stdout and writes after 300 ms. */
static int
body_late(void)
{
	if (fork() == 0) {
		usleep(300000);
		put(1, "late\n");
		_exit(0);
	}
	put(1, "early\n");
	return 0;
}

/* Like body_late, but the grandchild holds stdout for 3 s silently. */
static int
body_linger(void)
{
	if (fork() == 0) {
		close(2);
		sleep(3);
		_exit(0);
	}
	put(1, "bye\n");
	return 0;
}

static void
test_relay_drain(void)
{
	struct err e = ERR_INIT;
	struct timespec t0, t1;
	struct relay r;
	struct cap c;
	int rc;
	long ms;

	cap_init(&c);
	tty_relay_init(&r);
	c.pid = start_piped(&r, body_late);
	r.log = log_cb;
	r.on_child = child_cb;
	r.arg = &c;
	rc = tty_relay(&r, &e);
	CHECK(rc == 0 && r.exited && !r.gave_up && c.len[1] == 11 &&
	    memcmp(c.log[1], "early\nlate\n", 11) == 0,
	    "relay drain: output after the exit is drained to EOF");
	close(r.ctr_out);
	close(r.ctr_err);
	cap_free(&c);

	cap_init(&c);
	tty_relay_init(&r);
	c.pid = start_piped(&r, body_linger);
	r.log = log_cb;
	r.on_child = child_cb;
	r.arg = &c;
	r.drain_ms = 200;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = tty_relay(&r, &e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CHECK(rc == 0 && r.exited && r.gave_up && ms < 2000 &&
	    c.len[1] == 4, "relay drain: drain_ms gives up (%ld ms)", ms);
	close(r.ctr_out);
	close(r.ctr_err);
	cap_free(&c);
}

static volatile sig_atomic_t got_usr1;

static void
on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

/* Ask the monitor for SIGUSR1 and wait until it is forwarded. */
static int
body_proxy(void)
{
	struct sigaction sa;
	sigset_t s;
	int i;


	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	kill(getppid(), SIGUSR1);
	for (i = 0; i < 500 && !got_usr1; i++)
		usleep(10000);
	put(1, got_usr1 ? "got usr1\n" : "no signal\n");
	return 0;
}

static void
test_relay_proxy(void)
{
	struct err e = ERR_INIT;
	struct relay r;
	struct cap c;
	sigset_t mask;
	int rc;

	sigset_t usr1;

	cap_init(&c);
	tty_relay_init(&r);
	/* The child may signal before tty_relay() blocks SIGUSR1 itself:
	 * block it first (a pending blocked signal reaches the signalfd). */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	c.pid = start_piped(&r, body_proxy);
	r.log = log_cb;
	r.on_child = child_cb;
	r.on_signal = sig_cb;
	r.arg = &c;
	rc = tty_relay(&r, &e);
	CHECK(rc == 0 && c.sigs == 1 && c.len[1] == 9 &&
	    memcmp(c.log[1], "got usr1\n", 9) == 0,
	    "relay proxy: SIGUSR1 forwarded to the container");
	sigprocmask(SIG_SETMASK, NULL, &mask);
	CHECK(sigismember(&mask, SIGUSR1) && !sigismember(&mask, SIGCHLD),
	    "relay proxy: signal mask restored (as it was)");
	sigprocmask(SIG_UNBLOCK, &usr1, NULL);
	close(r.ctr_out);
	close(r.ctr_err);
	cap_free(&c);
}

/*
 * Relay with a pty.
 */

static int user_m = -1;		/* master of the user's pty (test's side) */

static int
body_tty(void)
{
	char buf[256], msg[300];
	uint16_t rows = 0, cols = 0;
	struct err e = ERR_INIT;
	ssize_t n;
	int i;

	tty_get_size(0, &rows, &cols, &e);
	snprintf(msg, sizeof(msg), "size %u %u\n", rows, cols);
	put(1, msg);
	n = read(0, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 95;
	buf[n] = '\0';
	snprintf(msg, sizeof(msg), "got:%s", buf);
	put(1, msg);
	n = read(0, buf, sizeof(buf));
	put(1, n == 0 ? "eof\n" : "no eof\n");
	/* The user resizes the terminal: the monitor gets SIGWINCH. */
	tty_set_size(user_m, 50, 132, &e);
	kill(getppid(), SIGWINCH);
	for (i = 0; i < 300; i++) {
		tty_get_size(0, &rows, &cols, &e);
		if (rows == 50)
			break;
		usleep(10000);
	}
	snprintf(msg, sizeof(msg), "size2 %u %u\n", rows, cols);
	put(2, msg);
	return 7;
}

static void
test_relay_tty(void)
{
	struct err e = ERR_INIT;
	struct relay r;
	struct cap c;
	int m, s, us, fo, rc;
	size_t n;

	cap_init(&c);
	tty_open_pty_at("/dev/ptmx", &user_m, &us, &e);
	tty_set_size(user_m, 24, 80, &e);
	tty_open_pty_at("/dev/ptmx", &m, &s, &e);
	tty_copy_size(us, m, &e);
	c.pid = fork();
	if (c.pid == 0) {
		close(m);
		if (tty_make_controlling(s, &e) < 0)
			_exit(96);
		_exit(body_tty());
	}
	close(s);
	tty_relay_init(&r);
	r.tty = 1;
	r.to_ctr = r.ctr_out = m;
	r.in_fd = input_pipe("abc\n");
	r.out_fd = fo = tmpfile_fd();
	r.winch_from = us;
	r.log = log_cb;
	r.on_child = child_cb;
	r.arg = &c;
	rc = tty_relay(&r, &e);
	CHECK(rc == 0 && r.exited && WIFEXITED(c.status) &&
	    WEXITSTATUS(c.status) == 7, "relay tty: ends after exit (%s)",
	    e.msg);
	CHECK(r.to_ctr == m, "relay tty: the master is left open");
	n = file_data(fo);
	CHECK(strstr(filebuf, "size 24 80\r\n") != NULL,
	    "relay tty: initial size");
	CHECK(strstr(filebuf, "got:abc\r\n") != NULL,
	    "relay tty: input reaches the container");
	CHECK(strstr(filebuf, "eof\r\n") != NULL && !strstr(filebuf, "no eof"),
	    "relay tty: stdin EOF sent as VEOF");
	CHECK(strstr(filebuf, "size2 50 132\r\n") != NULL,
	    "relay tty: SIGWINCH copies the new size (%s)", filebuf);
	CHECK(c.len[1] == n && memcmp(c.log[1], filebuf, n) == 0 &&
	    c.len[2] == 0, "relay tty: everything logged as stdout");
	close(r.in_fd);
	close(fo);
	close(m);
	close(us);
	close(user_m);
	cap_free(&c);
}

/* Read one line without a newline and print it; a VEOF must follow. */
static int
body_tty_partial(void)
{
	char buf[64];
	ssize_t n;

	n = read(0, buf, sizeof(buf));
	if (n != 3 || memcmp(buf, "xyz", 3) != 0)
		return 1;
	return read(0, buf, sizeof(buf)) == 0 ? 0 : 2;
}

static void
test_relay_tty_partial(void)
{
	struct err e = ERR_INIT;
	struct relay r;
	struct cap c;
	int m, s, rc;

	cap_init(&c);
	tty_open_pty_at("/dev/ptmx", &m, &s, &e);
	c.pid = fork();
	if (c.pid == 0) {
		close(m);
		if (tty_make_controlling(s, &e) < 0)
			_exit(96);
		_exit(body_tty_partial());
	}
	close(s);
	tty_relay_init(&r);
	r.tty = 1;
	r.to_ctr = r.ctr_out = m;
	r.in_fd = input_pipe("xyz");
	r.on_child = child_cb;
	r.arg = &c;
	rc = tty_relay(&r, &e);
	CHECK(rc == 0 && WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0,
	    "relay tty: input without newline ends with two VEOFs (%d)",
	    WIFEXITED(c.status) ? WEXITSTATUS(c.status) : -1);
	close(r.in_fd);
	close(m);
	cap_free(&c);
}

int
main(void)
{
	char cmd[64];

	if (!mkdtemp(tmpl))
		return 1;
	alarm(60);
	test_open();
	test_controlling();
	test_raw();
	test_size();
	test_fdpass();
	test_relay_pipes();
	test_relay_big();
	test_relay_epipe();
	test_relay_drain();
	test_relay_proxy();
	test_relay_tty();
	test_relay_tty_partial();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpl);
	if (system(cmd) != 0)
		CHECK(0, "cleanup");
	return check_done();
}

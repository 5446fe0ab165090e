/* tty.h - pseudo-terminals, raw mode, window sizes and the stdio relay
 *
 * The pieces an attached `run -t`, `exec -t` and the container monitor
 * need: allocate a pty (on the host, or inside the container's own devpts
 * instance through its /dev/ptmx), pass the master to the monitor over a
 * unix socket, make the slave the controlling terminal of the container's
 * process, put the user's terminal in raw mode and back, copy window sizes,
 * and tty_relay(): the poll loop that moves bytes between the user, the
 * container and the log while forwarding signals.
 */
#ifndef ROCKER_TTY_H
#define ROCKER_TTY_H

#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "err.h"

/*
 * Allocating terminals.
 */

/*
 * Open a new pty master with posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC),
 * grantpt() and unlockpt() it. On success *master is the master fd (the
 * caller owns it) and, when `slave_name` is not NULL, the slave's path
 * ("/dev/pts/N") is stored there NUL-terminated (`len` bytes available).
 * Returns 0, or -1 with `e` set and nothing left open.
 */
int tty_open_pty(int *master, char *slave_name, size_t len, struct err *e);

/*
 * Open a new pty through the multiplexer at `ptmx` ("/dev/ptmx", or
 * "/dev/pts/ptmx" of a devpts mounted with newinstance, e.g. inside the
 * container after its /dev/pts is mounted), unlock it and open its slave:
 * with ioctl(TIOCGPTPEER) (Linux 4.13+: the slave of exactly this master,
 * whatever is mounted where), falling back to opening the path ptsname_r()
 * gives (/dev/pts/N as seen by the calling process). Both fds are O_RDWR |
 * O_NOCTTY | O_CLOEXEC and owned by the caller. grantpt() is not called: in
 * a devpts instance the mount options decide the slave's owner and mode.
 * Returns 0, or -1 with `e` set and nothing left open.
 */
int tty_open_pty_at(const char *ptmx, int *master, int *slave,
	struct err *e);

/*
 * Make terminal `slave` the controlling terminal of the calling process
 * and its stdin, stdout and stderr: setsid(), ioctl(TIOCSCTTY), dup2() to
 * 0, 1 and 2 (without FD_CLOEXEC), then close `slave` if it is above 2.
 * Meant for a freshly forked child (setsid fails in a process group
 * leader). Returns 0, or -1 with `e` set.
 */
int tty_make_controlling(int slave, struct err *e);

/*
 * Passing an fd (the container init opens the pty inside the container
 * and hands the master to the monitor).
 */

/*
 * Send `fd` (still owned by the caller, who may close it afterwards) over
 * the connected unix socket `sock` with SCM_RIGHTS, along with one payload
 * byte. Returns 0, or -1 with `e` set.
 */
int tty_send_fd(int sock, int fd, struct err *e);

/*
 * Receive one fd sent by tty_send_fd() on `sock` (blocking, unless `sock`
 * is non-blocking). On success *fd is the new descriptor, close-on-exec,
 * owned by the caller. Extra fds in the message are closed. Returns 0, or
 * -1 with `e` set: ERR_PROTO when the peer closed the socket or sent no fd.
 */
int tty_recv_fd(int sock, int *fd, struct err *e);

/*
 * Raw mode.
 */

/* The saved state of one terminal; zero it before use. */
struct tty_saved {
	int fd;			/* the terminal */
	int active;		/* 1 while `tio` must be restored */
	struct termios tio;	/* attributes before tty_raw() */
};

/*
 * Save the attributes of terminal `fd` in *s and switch it to raw mode the
 * way Docker's client does (Go's term.MakeRaw): clear IGNBRK BRKINT PARMRK
 * ISTRIP INLCR IGNCR ICRNL IXON in c_iflag, OPOST in c_oflag, ECHO ECHONL
 * ICANON ISIG IEXTEN in c_lflag, CSIZE PARENB in c_cflag; set CS8, VMIN 1
 * and VTIME 0. The state is also remembered for tty_restore_atexit().
 * The caller must restore the terminal on every way out (tty_restore(),
 * and tty_restore_atexit() from atexit() or a fatal-signal handler).
 * Returns 0, or -1 with `e` set (ENOTTY when `fd` is not a terminal) and
 * the terminal untouched.
 */
int tty_raw(int fd, struct tty_saved *s, struct err *e);

/*
 * Put back the attributes saved by tty_raw() (TCSANOW) and mark `s`
 * inactive. Does nothing for an inactive or zeroed `s`. Returns 0, or -1
 * with `e` set.
 */
int tty_restore(struct tty_saved *s, struct err *e);

/*
 * Restore the terminal of the latest tty_raw() not yet undone by
 * tty_restore(), if any. Async-signal-safe (only tcsetattr(), errno kept),
 * so it can be passed to atexit() or called from a signal handler.
 */
void tty_restore_atexit(void);

/*
 * Window sizes. Each returns 0, or -1 with `e` set (ENOTTY for a non-tty).
 */

/* Read the size of terminal `fd`. */
int tty_get_size(int fd, uint16_t *rows, uint16_t *cols, struct err *e);

/*
 * Set the size of terminal `fd` (pixel sizes 0). Setting it on a pty
 * master sends SIGWINCH to the slave's foreground process group.
 */
int tty_set_size(int fd, uint16_t rows, uint16_t cols, struct err *e);

/* Copy the whole window size (with pixel sizes) of `from` to `to`. */
int tty_copy_size(int from, int to, struct err *e);

/*
 * The relay.
 *
 * tty_relay() runs one poll(2) loop until the container is done:
 *
 *  - user input: bytes read from in_fd are written to to_ctr. When in_fd
 *    reaches EOF (or fails, e.g. EIO from a hung-up terminal), then once
 *    every byte read is written: in pipe mode (tty 0) to_ctr is closed so
 *    the container reads EOF; in tty mode the pty's VEOF character (Ctrl-D
 *    unless changed) is sent, twice when the last byte sent was not a
 *    newline (the first ends the pending line, the second is the EOF), which
 *    a program reading the terminal in canonical mode sees as EOF. When
 *    writing to to_ctr fails (EPIPE: the container closed its stdin, EIO:
 *    the pty slave is gone), input is dropped from then on.
 *  - container output: bytes read from ctr_out and ctr_err go, tagged
 *    stream 1 and 2, to the log callback as soon as they are read, and to
 *    out_fd and err_fd. A read of 0 or EIO (what a pty master returns once
 *    every slave fd is closed) is EOF. While out_fd (err_fd) cannot take
 *    more, up to RELAY_BUF bytes wait and ctr_out (ctr_err) is not read:
 *    the container blocks rather than lose output. When writing to out_fd
 *    (err_fd) fails for any reason but EAGAIN (EPIPE: the reader went away,
 *    EIO: the terminal hung up), that sink is dropped and marked in
 *    out_gone (err_gone), and output keeps going to the log.
 *  - signals, read from a signalfd: SIGCHLD calls on_child; SIGWINCH (tty
 *    mode with winch_from set) copies the window size of winch_from to
 *    ctr_out (the pty master, which signals the container's foreground
 *    process group); the proxied signals call on_signal (Docker's
 *    --sig-proxy; set it only when attached without a tty, as Docker does).
 *
 * The loop ends, returning 0, when every container output (ctr_out,
 * ctr_err) has reached EOF and its pending bytes are written or dropped,
 * and, if on_child is set, on_child has reported that the container
 * exited. So output written just before the exit is never lost; but a
 * process that keeps an output open after the container's main process
 * exited (a daemon in an exec session) keeps the loop going, unless
 * drain_ms gives up after that long without output. Once the exit is
 * reported, user input is no longer read and, in pipe mode, to_ctr is
 * closed.
 *
 * Process state during the call: the handled signals are blocked (and
 * read from the signalfd), SIGPIPE is ignored, and every fd given except
 * winch_from is non-blocking; all three are put back before returning.
 * Signals still pending at the end are read and dropped (proxied ones are
 * still passed to on_signal). Callbacks run with those signals blocked: a
 * callback that forks must reset the mask in the child. SIGCHLD must not
 * be set to SIG_IGN (no SIGCHLD would arrive and zombies would not exist
 * for on_child to reap).
 *
 * Ownership: every fd stays the caller's, except to_ctr in pipe mode,
 * which the relay closes when input ends as described above (or at once
 * when in_fd is -1) and then sets to -1 in the struct. The caller must
 * close its own copies of the container's ends (pipe write ends, the pty
 * slave) before calling, or EOF never comes.
 */

enum {
	RELAY_BUF = 64 * 1024,	/* bytes waiting per direction, at most */
};

struct relay {
	/* Set by the caller; tty_relay_init() sets every fd to -1. */
	int in_fd;		/* user's stdin; -1: none */
	int to_ctr;		/* container input: pty master or the write
				 * end of its stdin pipe; -1: none */
	int out_fd;		/* user's stdout; -1: detached */
	int err_fd;		/* user's stderr; -1: detached */
	int ctr_out;		/* container output: pty master or the read
				 * end of its stdout pipe; -1: none */
	int ctr_err;		/* read end of its stderr pipe; -1: none
				 * (always with a tty: the pty merges both) */
	int tty;		/* 1: to_ctr and ctr_out are a pty master */
	int winch_from;		/* user's terminal whose size is copied to
				 * ctr_out at start and on SIGWINCH; -1 */
	int drain_ms;		/* after the exit, give up waiting for EOF
				 * after this long without output; 0: never */
	/*
	 * Signals passed to on_signal: a list ending with 0, or NULL for
	 * SIGHUP SIGINT SIGQUIT SIGTERM SIGUSR1 SIGUSR2. Must not contain
	 * SIGCHLD, SIGWINCH, SIGPIPE, SIGKILL or SIGSTOP. Unused when
	 * on_signal is NULL.
	 */
	const int *proxy_sigs;

	/*
	 * Callbacks, each optional (NULL), each given `arg`.
	 * log: called with every chunk of container output, stream 1
	 *   (stdout, also all pty output) or 2 (stderr): the numbering of
	 *   logw_write(). `buf` is valid during the call only.
	 * on_signal: a proxied signal arrived; forward it (kill(2) the
	 *   container's process).
	 * on_child: SIGCHLD arrived (also called once when the loop starts,
	 *   for an exit that happened before). Reap without blocking
	 *   (waitpid(pid, &status, WNOHANG)) and return 1 once the container
	 *   has exited, 0 if not yet, or -1 with `e` set to make tty_relay()
	 *   fail. After it returned 1 it is not called again.
	 */
	void (*log)(void *arg, int stream, const char *buf, size_t len);
	void (*on_signal)(void *arg, int sig);
	int (*on_child)(void *arg, struct err *e);
	void *arg;

	/*
	 * An extra source the loop serves (the monitor's port proxy, an
	 * epoll fd): while the loop runs, hook_fd (-1: none) is polled for
	 * input and on_hook(arg) called when it is readable. The callback
	 * must not block. The fd stays the caller's and keeps its flags.
	 */
	int hook_fd;
	void (*on_hook)(void *arg);

	/* Results, set by tty_relay(). */
	int exited;		/* on_child returned 1 */
	int out_gone;		/* writing to out_fd failed: dropped */
	int err_gone;		/* writing to err_fd failed: dropped */
	int gave_up;		/* drain_ms passed before output EOF */
};

/*
 * Zero `r` and set every fd field to -1. Then set the fields you need.
 */
void tty_relay_init(struct relay *r);

/*
 * Run the relay described above until the container is done. Returns 0,
 * or -1 with `e` set: a setup failure (signalfd, fcntl), poll(2) failing,
 * a read error other than EIO on a container output, or on_child failing.
 * The process state is restored on every path.
 */
int tty_relay(struct relay *r, struct err *e);

#endif

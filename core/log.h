/* log.h - debug logging from core/ through a hook the program installs
 *
 * core/ never prints. Code that wants to leave a trace for `--debug` calls
 * log_debug(); nothing is written unless the program has installed a sink
 * with log_set_sink() (core/main.c does so for --debug).
 */
#ifndef ROCKER_LOG_H
#define ROCKER_LOG_H

/*
 * Install `fn` as the debug sink; NULL (the default) discards messages. The
 * sink receives one formatted message without a trailing newline.
 */
void log_set_sink(void (*fn)(const char *msg));

/* Non-zero when a sink is installed (skip expensive formatting if not). */
int log_enabled(void);

/* Format and pass one message to the sink, if any. Truncated at 1 KiB. */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

/* human.h - sizes, durations and times the way Docker's CLI prints them
 *
 * human_size() is go-units' HumanSizeWithPrecision(size, 3): decimal units
 * (B, kB, MB, GB, TB, PB, EB, ZB, YB) and "%.3g", so 4261550 is "4.26MB"
 * and 999999 is "1e+03kB", exactly as `docker images` shows them.
 * human_duration() is go-units' HumanDuration(): "Less than a second",
 * "About a minute", "3 hours", "2 weeks", ...; `docker images` appends
 * " ago". human_time_parse() reads the RFC 3339 times of image configs.
 */
#ifndef ROCKER_HUMAN_H
#define ROCKER_HUMAN_H

#include <stddef.h>
#include <stdint.h>

/* Write `size` bytes as "4.26MB" into `buf` (`n` bytes, 16 are enough). */
void human_size(uint64_t size, char *buf, size_t n);

/* Write `secs` seconds as go-units' HumanDuration into `buf` (32 bytes
 * are enough). Negative durations are "Less than a second". */
void human_duration(int64_t secs, char *buf, size_t n);

/*
 * Parse an RFC 3339 time ("2023-11-14T22:13:20Z",
 * "2024-01-02T03:04:05.123456789+01:00") into seconds since the epoch
 * (the fraction is dropped). Returns 0, or -1 when `s` is not such a time.
 */
int human_time_parse(const char *s, int64_t *t);

/*
 * Format `t` as Go's time.Time.String() does in the local zone:
 * "2023-11-14 23:13:20 +0100 CET" (what `docker images --format
 * {{.CreatedAt}}` prints). Writes "" when the time cannot be converted.
 */
void human_time_local(int64_t t, char *buf, size_t n);

/* Format `t` (UTC) as Go's RFC3339Nano: the fraction `nsec` only when
 * nonzero, without trailing zeros: "2024-01-02T03:04:05.1234Z". */
void human_time_rfc3339(int64_t t, long nsec, char *buf, size_t n);

#endif

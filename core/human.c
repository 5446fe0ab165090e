/* human.c - Docker's human-readable sizes, durations and times */

#define _GNU_SOURCE

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "human.h"

static const char *const units[] = {
	"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB",
};

void
human_size(uint64_t size, char *buf, size_t n)
{
	double v = (double)size;
	size_t i = 0;

	while (v >= 1000.0 && i + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1000.0;
		i++;
	}
	snprintf(buf, n, "%.*g%s", 3, v, units[i]);
}

void
human_duration(int64_t secs, char *buf, size_t n)
{
	int64_t hours;

	if (secs < 1)
		snprintf(buf, n, "Less than a second");
	else if (secs == 1)
		snprintf(buf, n, "1 second");
	else if (secs < 60)
		snprintf(buf, n, "%lld seconds", (long long)secs);
	else if (secs / 60 == 1)
		snprintf(buf, n, "About a minute");
	else if (secs / 60 < 60)
		snprintf(buf, n, "%lld minutes", (long long)(secs / 60));
	else if ((hours = (secs + 1800) / 3600) == 1)
		snprintf(buf, n, "About an hour");
	else if (hours < 48)
		snprintf(buf, n, "%lld hours", (long long)hours);
	else if (hours < 24 * 7 * 2)
		snprintf(buf, n, "%lld days", (long long)(hours / 24));
	else if (hours < 24 * 30 * 2)
		snprintf(buf, n, "%lld weeks", (long long)(hours / 24 / 7));
	else if (hours < 24 * 365 * 2)
		snprintf(buf, n, "%lld months", (long long)(hours / 24 / 30));
	else
		snprintf(buf, n, "%lld years",
		    (long long)(secs / 3600 / 24 / 365));
}

/* `n` decimal digits at *p into *v; advances *p. */
static int
num(const char **p, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
human_time_parse(const char *s, int64_t *t)
{
	const char *p = s;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;

	if (num(&p, 4, &y) < 0 || *p++ != '-' || num(&p, 2, &mo) < 0 ||
	    *p++ != '-' || num(&p, 2, &d) < 0 || (*p != 'T' && *p != 't' &&
	    *p != ' ') || (p++, num(&p, 2, &h)) < 0 || *p++ != ':' ||
	    num(&p, 2, &mi) < 0 || *p++ != ':' || num(&p, 2, &sec) < 0)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (num(&p, 2, &oh) < 0 || *p++ != ':' || num(&p, 2, &om) < 0)
			return -1;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	*t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	    sign * (oh * 3600 + om * 60);
	return 0;
}

void
human_time_local(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (n)
		buf[0] = '\0';
	if (!localtime_r(&tt, &tm))
		return;
	strftime(buf, n, "%Y-%m-%d %H:%M:%S %z %Z", &tm);
}

void
human_time_rfc3339(int64_t t, long nsec, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char base[32], frac[16];
	int i;

	if (n)
		buf[0] = '\0';
	if (!gmtime_r(&tt, &tm))
		return;
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	if (nsec > 0 && nsec < 1000000000L) {
		snprintf(frac, sizeof(frac), "%09ld", nsec);
		for (i = 8; i > 0 && frac[i] == '0'; i--)
			frac[i] = '\0';
		snprintf(buf, n, "%s.%sZ", base, frac);
	} else {
		snprintf(buf, n, "%sZ", base);
	}
}

/* human_test.c - Docker's sizes, durations and RFC 3339 times */

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "human.h"

int
main(void)
{
	static const struct {
		unsigned long long n;
		const char *want;
	} sizes[] = {
		{ 0, "0B" }, { 12, "12B" }, { 999, "999B" }, { 1000, "1kB" },
		{ 1234, "1.23kB" }, { 999999, "1e+03kB" },
		{ 4261550, "4.26MB" }, { 77900000, "77.9MB" },
		{ 123456789, "123MB" }, { 1000000000, "1GB" },
		{ 5500000000000ULL, "5.5TB" },
	};
	static const struct {
		long long s;
		const char *want;
	} durs[] = {
		{ -5, "Less than a second" }, { 0, "Less than a second" },
		{ 1, "1 second" }, { 59, "59 seconds" },
		{ 60, "About a minute" }, { 119, "About a minute" },
		{ 120, "2 minutes" }, { 3599, "59 minutes" },
		{ 3600, "About an hour" }, { 5399, "About an hour" },
		{ 5400, "2 hours" }, { 47 * 3600, "47 hours" },
		{ 48 * 3600, "2 days" }, { 13 * 86400, "13 days" },
		{ 14 * 86400, "2 weeks" }, { 59 * 86400, "8 weeks" },
		{ 60 * 86400, "2 months" }, { 729LL * 86400, "24 months" },
		{ 730LL * 86400, "2 years" }, { 3650LL * 86400, "10 years" },
	};
	static const struct {
		const char *in;
		long long want;	/* -1: invalid */
	} times[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2023-11-14T22:13:20Z", 1700000000 },
		{ "2023-11-14T22:13:20.123456789Z", 1700000000 },
		{ "2023-11-14T23:13:20+01:00", 1700000000 },
		{ "2023-11-14T21:13:20-01:00", 1700000000 },
		{ "2000-02-29T00:00:00Z", 951782400 },
		{ "1969-12-31T23:59:59Z", -1 + 0 * 1 },
		{ "2023-11-14 22:13:20Z", 1700000000 },
		{ "2023-11-14T22:13:20", -1 },
		{ "2023-13-14T22:13:20Z", -1 },
		{ "2023-11-14T22:13:20.Z", -1 },
		{ "", -1 }, { "yesterday", -1 },
		{ "2023-11-14T22:13:20Zjunk", -1 },
	};
	char buf[64];
	int64_t t;
	size_t i;
	int r;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		human_size(sizes[i].n, buf, sizeof(buf));
		CHECK(strcmp(buf, sizes[i].want) == 0, "size %llu -> %s",
		    sizes[i].n, buf);
	}
	for (i = 0; i < sizeof(durs) / sizeof(durs[0]); i++) {
		human_duration(durs[i].s, buf, sizeof(buf));
		CHECK(strcmp(buf, durs[i].want) == 0, "duration %lld -> %s",
		    durs[i].s, buf);
	}
	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		t = 12345;
		r = human_time_parse(times[i].in, &t);
		if (i == 6)	/* one second before the epoch */
			CHECK(r == 0 && t == -1, "time %s -> %lld",
			    times[i].in, (long long)t);
		else if (times[i].want < 0)
			CHECK(r < 0, "time \"%s\" refused", times[i].in);
		else
			CHECK(r == 0 && t == times[i].want, "time %s -> %lld",
			    times[i].in, (long long)t);
	}
	human_time_rfc3339(1700000000, 0, buf, sizeof(buf));
	CHECK(strcmp(buf, "2023-11-14T22:13:20Z") == 0, "rfc3339: %s", buf);
	human_time_rfc3339(1700000000, 120000000, buf, sizeof(buf));
	CHECK(strcmp(buf, "2023-11-14T22:13:20.12Z") == 0,
	    "rfc3339 nano, trailing zeros trimmed: %s", buf);
	setenv("TZ", "UTC", 1);
	human_time_local(1700000000, buf, sizeof(buf));
	CHECK(strcmp(buf, "2023-11-14 22:13:20 +0000 UTC") == 0,
	    "local time as Go's Time.String: %s", buf);
	return check_done();
}

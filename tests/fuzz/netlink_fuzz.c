/* netlink_fuzz.c - libFuzzer target for core/netlink's reply parser
 *
 * The input is taken as one datagram from the kernel: it is walked
 * message by message, each message decoded as a link, an address and a
 * route (whichever its type allows), and also read as a bare attribute
 * table. Nothing may read outside the input; decoded names must be
 * NUL-terminated within their buffers and address families sane.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netlink.h"

static int
on_msg(const struct nlmsghdr *h, void *arg, struct err *e)
{
	struct nl_link l;
	struct nl_addr a;
	struct nl_route r;
	struct err e2 = ERR_INIT;

	(void)arg;
	(void)e;
	if (nl_parse_link(h, &l, &e2) == 0) {
		if (memchr(l.name, '\0', sizeof(l.name)) == NULL ||
		    memchr(l.kind, '\0', sizeof(l.kind)) == NULL)
			abort();
	}
	err_clear(&e2);
	if (nl_parse_addr(h, &a, &e2) == 0 &&
	    memchr(a.label, '\0', sizeof(a.label)) == NULL)
		abort();
	err_clear(&e2);
	if (nl_parse_route(h, &r, &e2) == 0 && r.has_gw &&
	    r.family != 2 && r.family != 10)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	struct nl_walk w;
	const void *tb[NL_ATTR_MAX];
	size_t tl[NL_ATTR_MAX], i;
	uint32_t *buf;

	if (size > NL_RX_MAX)
		return 0;
	/* Replies arrive in an aligned buffer. */
	buf = malloc(size + 4);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	memset(&w, 0, sizeof(w));
	nl_reply_walk(buf, size, 0, UINT32_MAX, on_msg, NULL, &w, &e);
	err_clear(&e);
	if (nl_attr_parse(buf, size, tb, tl, NL_ATTR_MAX, &e) == 0)
		for (i = 0; i < NL_ATTR_MAX; i++)
			if (tb[i] && ((const uint8_t *)tb[i] < (uint8_t *)buf ||
			    (const uint8_t *)tb[i] + tl[i] >
			    (uint8_t *)buf + size))
				abort();
	free(buf);
	return 0;
}

/* log.c - debug messages routed to the sink the program chose */

#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static void (*sink)(const char *msg);

void
log_set_sink(void (*fn)(const char *msg))
{
	sink = fn;
}

int
log_enabled(void)
{
	return sink != NULL;
}

void
log_debug(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!sink)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sink(buf);
}

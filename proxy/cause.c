/* Errors handed back as text. */
#include "proxy/cause.h"

#include <stdarg.h>
#include <stdio.h>

/* Set *cause to the formatted message and return -1. */
int cause_fail(char **cause, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* asprintf leaves its pointer undefined on failure: never hand that back. */
	if (vasprintf(cause, fmt, ap) < 0)
		*cause = NULL;
	va_end(ap);
	return -1;
}

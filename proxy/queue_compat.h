/* sys/queue.h plus the _SAFE iterators that glibc's copy lacks: they allow
 * removing the current element while iterating. */
#ifndef GDBHUB_QUEUE_COMPAT_H
#define GDBHUB_QUEUE_COMPAT_H

#include <sys/queue.h>

#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)                            \
	for ((var) = TAILQ_FIRST((head));                                     \
	     (var) && ((tvar) = TAILQ_NEXT((var), field), 1); (var) = (tvar))
#endif

#endif

/* Backends as the daemon sees them: lifecycle and description only.
 * Every debug operation goes through the one upstream RSP client; a backend
 * only starts the VM (or finds the stub) and says where its stub listens. */
#ifndef GDBHUB_BACKEND_H
#define GDBHUB_BACKEND_H

#include <sys/types.h>

#include "config/config.h"

struct event_base;
struct backend; /* one running instance, private to its backend */

struct backend_ops {
	const char *name;
	enum cfg_backend_kind kind;
	/* Start the VM or locate the stub. Returns 0 and sets *out, or -1
	 * with *cause set (malloc'd). */
	int (*launch)(struct event_base *base, const struct cfg_target *cfg,
		      const char *runtime_dir, struct backend **out, char **cause);
	/* Where the upstream stub listens: "unix:PATH" or "HOST:PORT". */
	const char *(*gdb_address)(const struct backend *b);
	/* The process the backend started, or -1 if it started none. */
	pid_t (*child_pid)(const struct backend *b);
	/* Hardware debug slots the target offers (x86: 4); 0 if the stub
	 * alone decides. */
	unsigned (*hw_slots)(const struct backend *b);
	/* The hub reaped the child with this wait status. */
	void (*child_exited)(struct backend *b, int status);
	/* Stop what the backend started (if still running) and free. NULL-safe. */
	void (*destroy)(struct backend *b);
};

/* The ops for a backend kind, from the explicit list in backends.c. */
const struct backend_ops *backend_find(enum cfg_backend_kind kind);

#endif

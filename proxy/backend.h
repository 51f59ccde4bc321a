/* Backends as the daemon sees them: lifecycle and description only.
 * Every debug operation goes through the one upstream RSP client; a backend
 * only starts the VM (or finds the stub) and says where its stub listens. */
#ifndef GDBHUB_BACKEND_H
#define GDBHUB_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config/config.h"

struct event_base;
struct backend; /* one running instance, private to its backend */

/* What a replay target replays (recording.json), for `monitor replay info`. */
struct replay_info {
	const char *recording;  /* the folder */
	uint64_t icount;        /* instructions recorded */
	bool icount_exact;      /* false: icount is a lower bound */
	bool ended_by_limit;    /* else the guest ended QEMU */
	int exit_status;
};

/* The answer to an asynchronous replay request: error NULL on success. For
 * a query, icount is where the replay stands; for a snapshot list, text
 * lists them one a line ("NAME at icount N"). */
typedef void (*replay_reply_fn)(void *arg, uint64_t icount, const char *text,
				const char *error);

/* What only a replay backend does, through QEMU's monitor (QMP). Each
 * request returns 0 and calls fn once later, or returns -1 with *cause set
 * (fn is then never called). */
struct backend_replay_ops {
	void (*info)(const struct backend *b, struct replay_info *out);
	/* Where the replay stands (QMP query-replay). */
	int (*position)(struct backend *b, replay_reply_fn fn, void *arg, char **cause);
	/* Set the VM running to instruction icount, loading the nearest
	 * earlier snapshot first if it lies behind (QMP replay-seek); fn says
	 * whether QEMU took it. The stub then reports the stop on its own. */
	int (*seek)(struct backend *b, uint64_t icount, replay_reply_fn fn, void *arg,
		    char **cause);
	/* The snapshots the replay can start from (HMP info snapshots). */
	int (*snapshots)(struct backend *b, replay_reply_fn fn, void *arg, char **cause);
};

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
	/* Replay backends only; NULL for the others. */
	const struct backend_replay_ops *replay;
};

/* The ops for a backend kind, from the explicit list in backends.c. */
const struct backend_ops *backend_find(enum cfg_backend_kind kind);

#endif

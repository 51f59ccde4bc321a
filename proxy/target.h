/* A target: one VM behind one upstream RSP connection, shared by the clients
 * attached to it. The target keeps the run state, the last stop, the thread
 * list and the cached target description; it asks policy which breakpoints
 * go upstream, and fans stops out to the clients that wait for them. */
#ifndef GDBHUB_TARGET_H
#define GDBHUB_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proxy/queue_compat.h"
#include <sys/types.h>

#include "config/config.h"
#include "proxy/attachment.h"
#include "proxy/policy/breakpoints.h"
#include "proxy/policy/hwslots.h"
#include "proxy/rsp/rsp_stop.h"

struct backend;
struct event;
struct backend_ops;
struct client;
struct hub;
struct upstream;
struct backend_run;

enum target_state {
	TARGET_STARTING, /* backend launched, upstream handshake under way */
	TARGET_STOPPED,
	TARGET_RUNNING,
	TARGET_EXITED,   /* the VM is gone (exit status known) */
	TARGET_FAILED,   /* it never came up */
};

struct tdesc_annex {
	struct tdesc_annex *next;
	char *name;
	uint8_t *data;
	size_t len;
};


struct target {
	TAILQ_ENTRY(target) entry;
	struct hub *hub;
	const struct cfg_target *cfg;
	struct cfg_target *own_cfg;   /* added at run time: cfg, owned by the target */
	int64_t pid;                  /* the process id clients see (1, 2, ...) */
	const struct backend_ops *ops;
	struct backend *backend;
	pid_t child;
	struct upstream *up;
	enum target_state state;
	struct rsp_stop stop;         /* the last stop, or the exit */
	int64_t up_hg;                /* thread selected upstream for g/m/... */
	bool up_hg_known;
	int64_t *threads;             /* upstream thread ids */
	size_t n_threads;
	struct bp_table bps;
	struct hw_slots hw;           /* hardware slots, shared by all clients */
	struct attachment_list attached;
	struct client *resumer;       /* whose resume is running */
	char last_resume[128];        /* the packet that set the VM running */
	bool maintenance_stop;        /* we interrupted to remove breakpoints */
	bool client_interrupted;      /* a client asked for this stop */
	struct bp_key *orphans;       /* breakpoints to remove at the next stop */
	size_t n_orphans;
	bool link_lost;
	bool child_reaped;
	int wait_status;
	struct event *reap_timer;
	struct tdesc_annex *tdesc;
	char failure[160];            /* why it failed to start */
	void (*prefetch_done)(struct target *t);
	unsigned prefetches;          /* annexes read at start-up */
	struct backend_run *backend_run; /* a run the backend started (a replay seek) */
	/* One client's replay of a "fork" target (target_fork.c); 0 if not. */
	unsigned fork_client;         /* the client it belongs to */
	int64_t fork_of;              /* the process id of the target it forks */
	struct event *fork_reap;      /* removes it once its client left */
	/* A non-stop upstream (target_nonstop.c); bit i is threads[i]. */
	bool ns_up;                   /* the stub took QNonStop:1 */
	uint64_t ns_running;          /* threads that run upstream */
	uint64_t ns_stepping;         /* of those, the ones a step resumed */
	uint64_t ns_give_back;        /* stopped threads owed the guest's exception */
	bool ns_collecting;           /* stopping every thread for ns_event */
	struct rsp_stop ns_event;     /* the stop all-stop clients will see */
	struct rsp_stop *ns_pending;  /* per thread: an event met meanwhile */
	uint64_t ns_pending_mask;     /* threads whose ns_pending is not told yet */
};

/* Create a target for cfg (not yet launched). NULL on out of memory. */
struct target *target_create(struct hub *hub, const struct cfg_target *cfg, int64_t pid);

/* Launch the backend and connect upstream. Returns 0 or -1 with *cause. */
int target_launch(struct target *t, char **cause);

/* Stop the backend, drop clients' attachments, free. NULL-safe. */
void target_destroy(struct target *t);

/* The target is being removed: stop its backend now and end every client's
 * session on it as a VM that dies would (waiting clients get the exit,
 * `X09`; other plain-remote clients are closed, extended-remote ones stay
 * connected without it). Afterwards no client refers to t and
 * target_destroy may free it. */
void target_retire(struct target *t);

const char *target_name(const struct target *t);
const char *target_state_name(enum target_state s);

/* The hub reaped this target's child process. */
void target_child_exited(struct target *t, int status);

/* Attach a client with role; it is told of stops from now on. Returns the
 * attachment (NULL on out of memory). */
struct attachment *target_attach(struct target *t, struct client *c, enum access_role role);

/* Detach a client: its breakpoints go, and if no client is left the VM runs
 * on. Safe to call for a client that is not attached. */
void target_detach(struct target *t, struct client *c);

/* Whether the target can take requests now (handshake done). Clients that
 * arrive earlier are resumed by the target when it becomes ready. */
bool target_ready(const struct target *t);

/* Translate a client's thread id to the upstream's; -1 if it names another
 * process or an unknown form. all/any stay -1/0. */
int64_t target_upstream_tid(const struct target *t, const struct rsp_thread_id *id);

/* The stub's vCont? answer ("" if it has none or the target is down). */
const char *target_vcont(const struct target *t);

/* Whether the stub offered reverse execution (ReverseStep+ and
 * ReverseContinue+ in its qSupported reply): bs and bc are for it. */
bool target_can_reverse(const struct target *t);

/* A run the backend causes by other means than a packet (a replay seek
 * through QMP): c holds the floor while the VM moves, and the stop the stub
 * then reports on its own is handled like the stop after a step (SIGTRAP),
 * fanned out to every client of t. start(arg) is called once nothing else
 * is outstanding upstream, and must make the VM move or call
 * target_backend_run_cancel; done(arg, stopped) comes last, stopped false
 * if the run was cancelled or the link lost. Returns 0, or -1 (t not
 * stopped, or out of memory) with nothing called. */
int target_backend_run(struct target *t, struct client *c, void (*start)(void *arg),
		       void (*done)(void *arg, bool stopped), void *arg);

/* The backend could not start the run: t is stopped where it was. */
void target_backend_run_cancel(struct target *t);

/* Whether an upstream thread id exists. */
bool target_has_thread(const struct target *t, int64_t tid);

/* The bit of upstream thread tid in per-thread masks (threads[i] is bit
 * i); 0 if it is unknown or past the 64th. */
uint64_t target_thread_bit(const struct target *t, int64_t tid);

/* Whether c must take t as running: an all-stop VM that runs. A non-stop
 * client of a non-stop upstream that only non-stop clients share never
 * does: its requests go up while threads run (the stub pauses what it
 * must), as they would to the stub itself. */
bool target_busy_for(const struct target *t, const struct client *c);

#endif

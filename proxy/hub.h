/* The hub: the daemon's one event loop, its listeners, its targets and its
 * clients. Owns lifetimes; everything else is reached from here. */
#ifndef GDBHUB_HUB_H
#define GDBHUB_HUB_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "proxy/queue_compat.h"

#include "config/config.h"
#include "proxy/client.h"
#include "proxy/control/record_jobs.h"
#include "proxy/target.h"

struct event_base;
struct event;
struct hub_listener;
struct audit;
struct control;

struct hub {
	struct event_base *base;
	struct config *cfg;
	char *runtime_dir;
	bool made_runtime_dir;
	TAILQ_HEAD(, target) targets;
	TAILQ_HEAD(, client) clients;
	struct hub_listener **listeners;
	size_t n_listeners;
	uint32_t next_client_id;
	struct event *sig_int;
	struct event *sig_term;
	struct event *sig_chld;
	bool stopping;
	struct audit *audit;     /* NULL: no audit log */
	struct event *sig_hup;
	struct control *control;      /* the JSON control socket; NULL: none */
	struct config **old_cfgs;     /* replaced by reloads, kept alive (hub_reload.c) */
	size_t n_old_cfgs;
	int64_t next_target_pid;      /* the last process id given to a target */
	struct timespec started;      /* CLOCK_MONOTONIC at start-up */
	struct ssh_server **ssh; /* the ssh listeners */
	size_t n_ssh;
	struct record_jobs recordings; /* started through the control socket */
};

/* Create runtime folder, listeners and targets, and launch the targets.
 * Returns 0 or -1 with *cause set. The hub takes ownership of cfg. */
int hub_start(struct hub *hub, struct event_base *base, struct config *cfg, char **cause);

/* Close clients, stop the VMs we started, remove listeners and the runtime
 * folder. */
void hub_stop(struct hub *hub);

/* Accept a connection on a listener bound to target (NULL: the hub's own);
 * role is the listener's (CFG_ROLE_DEFAULT: the target's default). */
void hub_accept(struct hub *hub, int fd, const char *peer, struct target *target,
		enum cfg_role role);

/* The target clients of the hub's own listeners attach to: the only one. */
struct target *hub_default_target(struct hub *hub);

/* Create a target for tc, open its own listeners and launch it (it may still
 * be starting on return). owned: the target takes tc over and frees it,
 * even on failure; else tc must outlive the target (a config the hub keeps).
 * Returns the target, or NULL with *cause set and nothing left behind. */
struct target *hub_add_target(struct hub *hub, struct cfg_target *tc, bool owned, char **cause);

/* Remove a target: its listeners close, its clients' sessions end as when a
 * VM dies (target_retire), its backend stops, and it is freed. */
void hub_remove_target(struct hub *hub, struct target *t);

/* The target named name, or NULL. */
struct target *hub_find_target(struct hub *hub, const char *name);

/* The i-th listener (0, 1, ...): its description, and in *target the target
 * it serves (NULL: the hub's own). NULL past the last listener. */
const char *hub_listener_info(const struct hub *hub, size_t i, const struct target **target);

/* SIGHUP: load the config file again and add and remove targets to match
 * it. A file that fails to load changes nothing. (hub_reload.c) */
void hub_reload(struct hub *hub);

/* Free the configs earlier reloads replaced (at hub_stop). */
void hub_free_old_configs(struct hub *hub);

#endif

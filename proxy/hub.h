/* The hub: the daemon's one event loop, its listeners, its targets and its
 * clients. Owns lifetimes; everything else is reached from here. */
#ifndef GDBHUB_HUB_H
#define GDBHUB_HUB_H

#include <stdbool.h>
#include <stdint.h>
#include "proxy/queue_compat.h"

#include "config/config.h"
#include "proxy/client.h"
#include "proxy/target.h"

struct event_base;
struct event;
struct hub_listener;

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

#endif

/* The hub's side of the SSH door: who the users are, and RSP sessions for
 * the targets their access rules let them reach. */
#ifndef GDBHUB_HUB_SSH_H
#define GDBHUB_HUB_SSH_H

#include "config/config.h"

struct hub;
struct ssh_server;

/* Open an SSH listener for the hub. NULL with *cause set on failure. */
struct ssh_server *hub_ssh_listen(struct hub *hub, const struct cfg_listen *cfg, char **cause);

/* The state folder: config's state_dir, else /var/lib/gdbhub for root, else
 * $XDG_STATE_HOME/gdbhub or ~/.local/state/gdbhub. malloc'd; NULL if none. */
char *hub_state_dir(const struct config *cfg);

#endif

/* The daemon's own SSH door (libssh's server API on the daemon's libevent
 * loop; no thread per connection). Public-key logins only; each session
 * channel runs one command:
 *   attach TARGET | TARGET   the channel becomes an RSP stream to TARGET
 *   list                     the targets the user may see, one per line
 * and direct-tcpip channels to the pseudo-host TARGET (any port) become RSP
 * streams too, for `ssh -L 3333:vm1:1` (the port is ignored; OpenSSH refuses 0). Nothing else is served: no shell,
 * no pty, no agent or X11 forwarding, no forwarding to real hosts.
 *
 * The transport does not know targets or RSP: it asks its door. */
#ifndef GDBHUB_SSH_SERVER_H
#define GDBHUB_SSH_SERVER_H

#include <stddef.h>

#include "config/config.h"

struct event_base;
struct ssh_server;

struct ssh_door {
	void *arg;
	/* The authorized_keys file of user; NULL if there is no such user. */
	const char *(*keys_of)(void *arg, const char *user);
	/* A connected stream socket carrying user's RSP session with target,
	 * or -1 with the reason (shown to the user) in why. */
	int (*attach)(void *arg, const char *user, const char *peer, const char *target,
		      char *why, size_t cap);
	/* The targets user may see, one line each (malloc'd, NULL: none). */
	char *(*list)(void *arg, const char *user);
	/* Record a login event for the audit log: "login" or "login_denied". */
	void (*note)(void *arg, const char *event, const char *user, const char *peer,
		     const char *reason);
	/* Login limits (read at each connection, so a reload applies). */
	const struct cfg_ssh_limits *(*limits)(void *arg);
};

/* Listen on cfg (an ssh listener) with the host key in state_dir (made on
 * first start). NULL with *cause set on failure. */
struct ssh_server *ssh_server_create(struct event_base *base, const struct cfg_listen *cfg,
				     const char *state_dir, const struct ssh_door *door,
				     char **cause);

/* Close every SSH connection and stop listening. NULL-safe. */
void ssh_server_destroy(struct ssh_server *s);

/* "ssh 127.0.0.1:2222", with the port actually bound. */
const char *ssh_server_describe(const struct ssh_server *s);

#endif

/* Listeners: turn incoming connections into sockets handed to the hub.
 * TCP (TCP_NODELAY on every accepted socket) and unix sockets. */
#ifndef GDBHUB_LISTENER_H
#define GDBHUB_LISTENER_H

#include "config/config.h"

struct event_base;
struct listener;

/* Called with each accepted, non-blocking socket and a printable peer. */
typedef void (*listener_accept_fn)(void *arg, int fd, const char *peer);

/* Listen where cfg says. NULL with *cause set (malloc'd) on failure. */
struct listener *listener_create(struct event_base *base, const struct cfg_listen *cfg,
				 listener_accept_fn fn, void *arg, char **cause);

/* Stop listening (a unix socket file is removed). NULL-safe. */
void listener_destroy(struct listener *l);

/* "tcp 127.0.0.1:1234", "ssh 0.0.0.0:2222" or "unix /tmp/x.sock", with the port
 * actually bound. */
const char *listener_describe(const struct listener *l);

#endif

/* Choosing a target on the hub's own endpoint: extended-remote mode, the
 * list of VMs as processes (qXfer:osdata), and vAttach. */
#ifndef GDBHUB_CLIENT_SELECT_H
#define GDBHUB_CLIENT_SELECT_H

#include <stddef.h>

struct client;

/* `!`: extended-remote; the client stays connected without a target. */
void client_select_extended(struct client *c, const char *pkt, size_t len);

/* vAttach;PID: attach to the target whose process id is PID. */
void client_select_attach(struct client *c, const char *pkt, size_t len);

/* qXfer:osdata:read:ANNEX:OFF,LEN: "processes" lists the targets. */
void client_select_osdata(struct client *c, const char *pkt, size_t len);

#endif

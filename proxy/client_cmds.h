/* The client's RSP command table: one entry per packet the daemon knows,
 * each with flags checked in one place before its handler runs. */
#ifndef GDBHUB_CLIENT_CMDS_H
#define GDBHUB_CLIENT_CMDS_H

#include <stddef.h>

struct client;

/* Serve one packet from c. The handler replies now or later; packets the
 * daemon does not know get the empty reply. */
void client_cmds_dispatch(struct client *c, const char *pkt, size_t len);

#endif

/* The client's RSP command table: one entry per packet the daemon knows,
 * each with flags checked in one place before its handler runs. */
#ifndef GDBHUB_CLIENT_CMDS_H
#define GDBHUB_CLIENT_CMDS_H

#include <stdbool.h>
#include <stddef.h>

#include "proxy/policy/access.h"

struct client;

/* Serve one packet from c. The handler replies now or later; packets the
 * daemon does not know get the empty reply. */
void client_cmds_dispatch(struct client *c, const char *pkt, size_t len);

/* Whether policy lets c do action now; if not, the client has been answered
 * (an error, or a wait for the next stop). pkt names the request in logs. */
bool client_allowed(struct client *c, enum access_action action, const char *pkt, size_t len);

/* A vCont packet (pkt, len) with c's thread ids translated to the
 * stub's, in out. Returns 0, or -1 if an action is malformed, names
 * another process, or out is too small. */
int client_vcont_translate(struct client *c, const char *pkt, size_t len, char *out, size_t cap);

#endif

/* `monitor` commands (qRcmd): the daemon's own, else passed to the stub. */
#ifndef GDBHUB_CLIENT_MONITOR_H
#define GDBHUB_CLIENT_MONITOR_H

#include <stddef.h>

struct client;

/* Serve qRcmd,HEX: gdbhub's commands (help, whoami, floor, targets) are
 * answered here; anything else goes to the stub if policy allows. */
void client_monitor_command(struct client *c, const char *pkt, size_t len);

#endif

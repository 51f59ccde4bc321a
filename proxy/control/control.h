/* The JSON control socket: a unix socket (mode 0600) on the daemon's loop
 * where `gdbhub ctl` and scripts add and remove targets, list targets and
 * clients, kick clients and read stats. One JSON request per line, one JSON
 * reply line each; the protocol is in PROTOCOL.md. */
#ifndef GDBHUB_CONTROL_H
#define GDBHUB_CONTROL_H

struct hub;
struct control;

/* Listen at path (a stale socket file is replaced). Returns the control
 * socket, or NULL with *cause set (malloc'd). */
struct control *control_create(struct hub *hub, const char *path, char **cause);

/* Close the socket and every connection on it. NULL-safe. */
void control_destroy(struct control *ctl);

/* `gdbhub ctl ...` (argv[0] is "ctl"): send one request, print the reply.
 * Returns the process exit status: 0 ok, 1 an error reply, 2 a usage or
 * connection error. */
int ctl_main(int argc, char **argv);

#endif

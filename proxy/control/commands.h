/* The control commands: each checks nothing the request parser already
 * checked, acts on the hub, and fills the reply. */
#ifndef GDBHUB_CONTROL_COMMANDS_H
#define GDBHUB_CONTROL_COMMANDS_H

#include <stddef.h>

struct hub;

/* Serve one request line (no newline) and return the reply line (no
 * newline, malloc'd; NULL only when memory ran out). A malformed or failed
 * request gets {"ok": false, "error": "..."}. */
char *control_serve_line(struct hub *hub, const char *line, size_t len);

#endif

/* `monitor` commands (qRcmd): the daemon's own, else passed to the stub. */
#ifndef GDBHUB_CLIENT_MONITOR_H
#define GDBHUB_CLIENT_MONITOR_H

#include <stddef.h>

struct client;

/* Serve qRcmd,HEX: gdbhub's commands (help, whoami, floor, targets) are
 * answered here; anything else goes to the stub if policy allows. */
void client_monitor_command(struct client *c, const char *pkt, size_t len);

/* Answer c's monitor command with text (NUL-terminated, up to 8 KiB). */
void client_monitor_reply(struct client *c, const char *text);

/* Fail c's monitor command with a reason gdb shows (console output, then
 * an error reply). */
void client_monitor_error(struct client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif

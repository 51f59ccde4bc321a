/* A small QMP client on the event loop (json-c): capabilities negotiation,
 * status queries and quit, for the lifecycle of the QEMUs we start, and
 * commands whose reply comes back later through a callback (the daemon
 * never waits for QEMU). */
#ifndef GDBHUB_QMP_H
#define GDBHUB_QMP_H

#include <stdbool.h>
#include <sys/types.h>

struct event_base;
struct qmp;

/* Connect to QEMU's QMP socket at path and negotiate capabilities; the
 * VM's status is logged once known. name labels log lines. NULL on error. */
struct qmp *qmp_create(struct event_base *base, const char *path, const char *name);

/* Whether capabilities negotiation finished (commands are accepted). */
bool qmp_ready(const struct qmp *q);

struct json_object;

/* The reply to one command: ret is its "return" member (borrowed, valid for
 * the call only) and error NULL, or ret NULL and error says why (QEMU's
 * error description, or the connection closed before the reply). */
typedef void (*qmp_reply_fn)(void *arg, struct json_object *ret, const char *error);

/* Send command cmd with arguments args (an object, or NULL; taken over
 * either way) and call fn once with its reply. Returns 0, or -1 if the
 * command cannot be sent (not negotiated yet, connection closed, out of
 * memory): fn is then never called. Replies are matched by QMP's "id". */
int qmp_execute(struct qmp *q, const char *cmd, struct json_object *args, qmp_reply_fn fn,
		void *arg);

/* Ask QEMU to quit, without waiting. Returns 0 if the command was sent. */
int qmp_quit(struct qmp *q);

/* End a QEMU we started: QMP quit (SIGTERM if that cannot be sent), then
 * SIGKILL if it lingers past grace_ms, reaped either way; name labels log
 * lines. The QMP connection stays for qmp_destroy. */
void qmp_stop_qemu(struct qmp *q, pid_t pid, unsigned grace_ms, const char *name);

/* Close and free; commands still waiting get their fn with an error
 * first. NULL-safe, and safe from inside a reply callback (the client is
 * then freed when the callbacks return, and no later line is read). */
void qmp_destroy(struct qmp *q);

#endif

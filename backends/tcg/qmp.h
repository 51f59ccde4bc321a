/* A small QMP client on the event loop (json-c): capabilities negotiation,
 * status queries and quit, for the lifecycle of the QEMUs we start. */
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

/* Ask QEMU to quit, without waiting. Returns 0 if the command was sent. */
int qmp_quit(struct qmp *q);

/* End a QEMU we started: QMP quit (SIGTERM if that cannot be sent), then
 * SIGKILL if it lingers past grace_ms, reaped either way; name labels log
 * lines. The QMP connection stays for qmp_destroy. */
void qmp_stop_qemu(struct qmp *q, pid_t pid, unsigned grace_ms, const char *name);

/* Close and free. NULL-safe. */
void qmp_destroy(struct qmp *q);

#endif

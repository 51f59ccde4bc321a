/* The audit log: one JSON line per action a client takes on a VM, appended
 * to the file the config's "audit_log" names (format: config/KEYS.md,
 * "Audit log"). Each line is written, with one write(2), before the action
 * is acknowledged or sent upstream.
 *
 * The hooks take what the call site already parsed; they are no-ops when
 * the hub has no audit log. Hooks that return bool gate an action that
 * changes the VM: false means the line could not be written, the client has
 * been answered with an error, and the action must not go ahead. */
#ifndef GDBHUB_AUDIT_H
#define GDBHUB_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proxy/policy/access.h"
#include "proxy/policy/breakpoints.h"

struct audit;
struct client;
struct target;

/* Open path for appending (created with mode 0600). Returns 0 with *out
 * set, or -1 with *cause set. */
int audit_open(const char *path, struct audit **out, char **cause);

/* Close the file and free; NULL is fine. */
void audit_close(struct audit *a);

/* Records that never block anything: comings and goings, refusals. */
void audit_connect(struct client *c);
void audit_attach(struct client *c, struct target *t, enum access_role role);
/* why: "detach", "kill", "vanished" (the client went away), "closed" (the
 * daemon closed it), "exited" (the VM ended); reason: the log's text, or NULL. */
void audit_detach(struct client *c, struct target *t, const char *why, const char *reason);
void audit_disconnect(struct client *c, const char *why);
void audit_interrupt(struct client *c);
/* Policy refused action on c's current target, for reason. */
void audit_denied(struct client *c, enum access_action action, const char *reason);

/* The SSH door, before a client exists: "login", "login_denied" (reason),
 * "denied" (an attach the access rules refuse; target and reason). */
void audit_door(struct audit *a, const char *event, const char *user, const char *peer,
		const char *target, const char *reason);

/* Gates, on c's current target (see above). */
bool audit_resume(struct client *c, const char *pkt, size_t len);
bool audit_memory_write(struct client *c, uint64_t addr, uint64_t len);
/* regno -1: all registers (G). len: bytes written. */
bool audit_register_write(struct client *c, int64_t regno, size_t len);
bool audit_breakpoint(struct client *c, bool insert, const struct bp_key *key);
/* A monitor command for the stub, decoded. */
bool audit_monitor(struct client *c, const char *text);

#endif

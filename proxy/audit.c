/* The audit log: the file, and the hooks that fill in one line each. */
#include "proxy/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proxy/audit_line.h"
#include "proxy/cause.h"
#include "proxy/client.h"
#include "proxy/hub.h"
#include "proxy/log.h"
#include "proxy/target.h"

/* The code a refused action gets (EIO): the daemon, not the request, failed. */
#define AUDIT_ERROR 0x05

struct audit {
	char *path;
	int fd;
	bool failing;        /* the last write failed; the error was logged once */
	unsigned long lost;  /* lines lost since */
};

/* Open path for appending. */
int audit_open(const char *path, struct audit **out, char **cause)
{
	struct audit *a = calloc(1, sizeof(*a));

	*out = NULL;
	if (a == NULL || (a->path = strdup(path)) == NULL) {
		free(a);
		return cause_fail(cause, "audit_log: out of memory");
	}
	a->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (a->fd < 0) {
		int err = errno;
		audit_close(a);
		return cause_fail(cause, "audit_log: %s: %s", path, strerror(err));
	}
	*out = a;
	return 0;
}

/* Close the file and free. */
void audit_close(struct audit *a)
{
	if (a == NULL)
		return;
	if (a->fd >= 0)
		close(a->fd);
	free(a->path);
	free(a);
}

/* A write failed: say so once per burst of failures, not once per line. */
static void note_failure(struct audit *a, int err)
{
	a->lost++;
	if (a->failing)
		return;
	a->failing = true;
	log_error("audit log %s: cannot write: %s; actions that change a VM are refused "
		  "until it can be written", a->path, strerror(err));
}

/* A write succeeded: end the burst, if any, with how much it cost. */
static void note_success(struct audit *a)
{
	if (!a->failing)
		return;
	log_error("audit log %s: writable again; %lu line(s) lost meanwhile", a->path, a->lost);
	a->failing = false;
	a->lost = 0;
}

/* Write one line with one write(2): O_APPEND makes each write land whole at
 * the end, so lines never interleave. True if all of it was written. */
static bool write_line(struct audit *a, struct audit_line *l)
{
	size_t len = 0;
	char *text = audit_line_finish(l, &len);
	ssize_t n = -1;
	int err = ENOMEM;

	if (text != NULL) {
		do
			n = write(a->fd, text, len);
		while (n < 0 && errno == EINTR);
		err = n < 0 ? errno : ENOSPC;
		free(text);
	}
	if (n >= 0 && (size_t)n == len) {
		note_success(a);
		return true;
	}
	/* A torn line (disk full mid-write): end it, so the next line starts
	 * on a line of its own and a reader skips only the torn one. */
	if (n > 0 && write(a->fd, "\n", 1) < 0)
		err = errno;
	note_failure(a, err);
	return false;
}

/* Start a line about c on t; false if the hub keeps no audit log. */
static bool begin(struct client *c, const struct target *t, const char *event,
		  struct audit_line *l)
{
	struct audit_who who = {
		.client = c->id, .user = c->user, .peer = c->peer,
		.target = t != NULL ? target_name(t) : NULL,
	};
	struct timespec now;

	if (c->hub->audit == NULL)
		return false;
	clock_gettime(CLOCK_REALTIME, &now);
	audit_line_start(l, &now, event, &who);
	return true;
}

/* Write a record that blocks nothing. */
static void record(struct client *c, struct audit_line *l)
{
	write_line(c->hub->audit, l);
}

/* Write the line of an action that changes the VM; false if it could not
 * be written, after refusing the action.
 *
 * Deliberate choice: such an action either leaves a line or does not
 * happen, so whoever reads the log can trust that nothing changed a VM
 * unrecorded; a full disk stops debugging instead of hiding it. Records
 * that only say who came and went, refusals and interrupts never block:
 * refusing a detach or a disconnect cannot undo it, a refusal changed
 * nothing, and an interrupt only stops the VM. */
static bool gate(struct client *c, struct audit_line *l)
{
	if (write_line(c->hub->audit, l))
		return true;
	client_reply_error(c, AUDIT_ERROR, "refused: the audit log %s cannot be written",
			   c->hub->audit->path);
	return false;
}

/* A client connected. */
void audit_connect(struct client *c)
{
	struct audit_line l;

	if (begin(c, c->target, "connect", &l))
		record(c, &l);
}

/* c attached to t with role. */
void audit_attach(struct client *c, struct target *t, enum access_role role)
{
	struct audit_line l;

	if (!begin(c, t, "attach", &l))
		return;
	audit_line_str(&l, "role", access_role_name(role));
	record(c, &l);
}

/* c left t; why and reason as audit.h says. */
void audit_detach(struct client *c, struct target *t, const char *why, const char *reason)
{
	struct audit_line l;

	if (!begin(c, t, "detach", &l))
		return;
	audit_line_str(&l, "why", why);
	audit_line_str(&l, "reason", reason);
	record(c, &l);
}

/* c's connection ended. */
void audit_disconnect(struct client *c, const char *why)
{
	struct audit_line l;

	if (!begin(c, NULL, "disconnect", &l))
		return;
	audit_line_str(&l, "why", why);
	record(c, &l);
}

/* c stopped its running VM. */
void audit_interrupt(struct client *c)
{
	struct audit_line l;

	if (begin(c, c->target, "interrupt", &l))
		record(c, &l);
}

/* The request kinds policy decides, as the denied line names them. */
static const char *action_name(enum access_action action)
{
	static const char *const names[] = {
		[ACCESS_READ] = "read",
		[ACCESS_WRITE] = "write",
		[ACCESS_BREAK] = "break",
		[ACCESS_UNBREAK] = "unbreak",
		[ACCESS_RESUME] = "resume",
		[ACCESS_INTERRUPT] = "interrupt",
		[ACCESS_STUB_MONITOR] = "monitor",
	};

	return (unsigned)action < sizeof(names) / sizeof(names[0]) ? names[action] : "other";
}

/* Policy refused c an action. */
void audit_denied(struct client *c, enum access_action action, const char *reason)
{
	struct audit_line l;

	if (!begin(c, c->target, "denied", &l))
		return;
	audit_line_str(&l, "request", action_name(action));
	audit_line_str(&l, "reason", reason);
	record(c, &l);
}

/* Gate a continue or step. */
bool audit_resume(struct client *c, const char *pkt, size_t len)
{
	struct audit_line l;

	if (!begin(c, c->target, "resume", &l))
		return true;
	audit_line_resume(&l, pkt, len);
	return gate(c, &l);
}

/* Gate a memory write: where and how much, never the bytes. */
bool audit_memory_write(struct client *c, uint64_t addr, uint64_t len)
{
	struct audit_line l;

	/* A zero-length write (gdb's probe for X) changes nothing. */
	if (len == 0 || !begin(c, c->target, "memory_write", &l))
		return true;
	audit_line_addr(&l, "address", addr);
	audit_line_int(&l, "length", (int64_t)len);
	return gate(c, &l);
}

/* Gate a register write: which and how much, never the value. */
bool audit_register_write(struct client *c, int64_t regno, size_t len)
{
	struct audit_line l;

	if (!begin(c, c->target, "register_write", &l))
		return true;
	if (regno < 0)
		audit_line_str(&l, "register", "all");
	else
		audit_line_int(&l, "register", regno);
	audit_line_int(&l, "length", (int64_t)len);
	return gate(c, &l);
}

/* Gate a breakpoint or watchpoint insert or removal. */
bool audit_breakpoint(struct client *c, bool insert, const struct bp_key *key)
{
	struct audit_line l;

	if (!begin(c, c->target, insert ? "breakpoint_insert" : "breakpoint_remove", &l))
		return true;
	audit_line_str(&l, "type", audit_bp_type_name(key->type));
	audit_line_addr(&l, "address", key->addr);
	audit_line_int(&l, "kind", (int64_t)key->kind);
	return gate(c, &l);
}

/* Gate a monitor command for the stub. */
bool audit_monitor(struct client *c, const char *text)
{
	struct audit_line l;

	if (!begin(c, c->target, "monitor", &l))
		return true;
	audit_line_str(&l, "command", text);
	return gate(c, &l);
}

/* An event of the SSH door, before any client exists (client 0): a login,
 * a refused login, a refused attach. Never blocks: none changes a VM. */
void audit_door(struct audit *a, const char *event, const char *user, const char *peer,
		const char *target, const char *reason)
{
	struct audit_who who = { .client = 0, .user = user, .peer = peer, .target = target };
	struct audit_line l;
	struct timespec now;

	if (a == NULL)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	audit_line_start(&l, &now, event, &who);
	if (reason != NULL)
		audit_line_str(&l, "reason", reason);
	write_line(a, &l);
}

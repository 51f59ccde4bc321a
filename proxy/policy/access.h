/* Who may do what: roles, the floor, and what a departure does.
 *
 * A control client may read, write, insert breakpoints, resume and
 * interrupt; an observe client may read while the VM is stopped and receives
 * stops, nothing else. Among controllers, the one whose resume is running
 * holds the floor until the VM stops: another controller's resume then is
 * refused at once, never left hanging. Pure decisions over plain data: the
 * daemon asks, and acts on the verdict. */
#ifndef GDBHUB_POLICY_ACCESS_H
#define GDBHUB_POLICY_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

enum access_role {
	ACCESS_OBSERVE,
	ACCESS_CONTROL,
};

enum access_action {
	ACCESS_READ,          /* registers, memory, target queries */
	ACCESS_WRITE,         /* memory and register writes */
	ACCESS_BREAK,         /* insert a breakpoint or watchpoint */
	ACCESS_UNBREAK,       /* remove one's own breakpoint or watchpoint */
	ACCESS_RESUME,        /* continue, step */
	ACCESS_INTERRUPT,     /* Ctrl-C */
	ACCESS_STUB_MONITOR,  /* a monitor command for the stub (QEMU's can do anything) */
};

struct access_request {
	enum access_role role;
	enum access_action action;
	bool vm_running;        /* all-stop: most requests need a stopped VM */
	uint32_t client;
	uint32_t floor_holder;  /* whose resume is running; 0 if nobody's */
};

enum access_verdict {
	ACCESS_ALLOW = 0,
	ACCESS_WAIT_FOR_STOP,   /* an observer's resume while the VM runs: wait for the stop */
	ACCESS_DENY_ROLE,       /* the role does not allow it */
	ACCESS_DENY_FLOOR,      /* another controller's resume is running */
	ACCESS_DENY_RUNNING,    /* it needs a stopped VM */
};

/* Decide one request. */
enum access_verdict access_check(const struct access_request *r);

/* A short human reason for a verdict ("observers may not write"). */
const char *access_explain(const struct access_request *r, enum access_verdict v);

/* What the VM does when a client leaves: true if it should resume, which it
 * does when a controller left a stopped VM, no controller remains, and the
 * target does not say "stay". An observer coming and going changes nothing. */
bool access_resume_on_departure(enum access_role leaving, bool vm_stopped,
				unsigned controllers_left, bool stay);

/* The short name of a role: "control" or "observe". */
const char *access_role_name(enum access_role role);

#endif

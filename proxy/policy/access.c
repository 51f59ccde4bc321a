/* Who may do what: roles, the floor, and what a departure does. */
#include "proxy/policy/access.h"

#include <stddef.h>

/* Whether an action changes the VM (only controllers may). */
static bool mutates(enum access_action a)
{
	return a == ACCESS_WRITE || a == ACCESS_BREAK || a == ACCESS_RESUME ||
	       a == ACCESS_INTERRUPT || a == ACCESS_STUB_MONITOR;
}

/* A resume: controllers need the floor; an observer can only wait. */
static enum access_verdict check_resume(const struct access_request *r)
{
	if (!r->vm_running)
		return r->role == ACCESS_CONTROL ? ACCESS_ALLOW : ACCESS_DENY_ROLE;
	if (r->role == ACCESS_OBSERVE)
		return ACCESS_WAIT_FOR_STOP;
	if (r->floor_holder != 0 && r->floor_holder != r->client)
		return ACCESS_DENY_FLOOR;
	return ACCESS_DENY_RUNNING;
}

/* Decide one request. */
enum access_verdict access_check(const struct access_request *r)
{
	if (r->action == ACCESS_RESUME)
		return check_resume(r);
	if (mutates(r->action) && r->role != ACCESS_CONTROL)
		return ACCESS_DENY_ROLE;
	if (r->action == ACCESS_INTERRUPT)
		return ACCESS_ALLOW; /* any controller may stop the VM */
	return r->vm_running ? ACCESS_DENY_RUNNING : ACCESS_ALLOW;
}

/* A short human reason for a verdict. */
const char *access_explain(const struct access_request *r, enum access_verdict v)
{
	static const char *const denied_to_observers[] = {
		[ACCESS_READ] = "observers may read",
		[ACCESS_WRITE] = "observers may not write memory or registers",
		[ACCESS_BREAK] = "observers may not insert breakpoints or watchpoints",
		[ACCESS_UNBREAK] = "observers may remove only their own breakpoints",
		[ACCESS_RESUME] = "observers may not resume or step the VM",
		[ACCESS_INTERRUPT] = "observers may not interrupt the VM",
		[ACCESS_STUB_MONITOR] = "observers may not send monitor commands to the stub",
	};

	switch (v) {
	case ACCESS_ALLOW:
		return "allowed";
	case ACCESS_WAIT_FOR_STOP:
		return "the VM runs: waiting for its next stop";
	case ACCESS_DENY_ROLE:
		return denied_to_observers[r->action];
	case ACCESS_DENY_FLOOR:
		return "another controller's resume is running (see monitor floor)";
	case ACCESS_DENY_RUNNING:
		return "the VM is running";
	}
	return "denied";
}

/* What the VM does when a client leaves. */
bool access_resume_on_departure(enum access_role leaving, bool vm_stopped,
				unsigned controllers_left, bool stay)
{
	return leaving == ACCESS_CONTROL && vm_stopped && controllers_left == 0 && !stay;
}

/* The short name of a role. */
const char *access_role_name(enum access_role role)
{
	return role == ACCESS_CONTROL ? "control" : "observe";
}

/* What happens to a stop the backend reports: the clients see it, or it
 * was the guest's own exception and goes back into the guest unseen
 * (DESIGN.md: the backend reports every debug exception, the daemon
 * decides). Pure. */
#ifndef GDBHUB_POLICY_STOPS_H
#define GDBHUB_POLICY_STOPS_H

#include <stddef.h>

#include "proxy/rsp/rsp_stop.h"

enum stop_action {
	STOP_TO_CLIENTS = 0,
	STOP_BACK_TO_GUEST, /* resume that vCPU with the exception delivered */
};

enum stop_action policy_stop_action(const struct rsp_stop *stop);

/* The resume that gives the guest its exception back: the stopped thread
 * continues with SIGTRAP (the backend delivers the exception), or steps
 * with it if `last_resume` (the packet that set the VM running) stepped or
 * range-stepped it; the others carry on as `last_resume` had them.
 * Upstream thread ids are plain hex. Returns 0, or -1 if out is too small
 * or the stop names no thread. */
int policy_give_back_packet(const struct rsp_stop *stop, const char *last_resume,
			    char *out, size_t cap);

#endif

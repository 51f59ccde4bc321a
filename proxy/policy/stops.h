/* What happens to a stop the backend reports: the clients see it, or it
 * was the guest's own exception and goes back into the guest unseen
 * (DESIGN.md: the backend reports every debug exception, the daemon
 * decides). Pure. */
#ifndef GDBHUB_POLICY_STOPS_H
#define GDBHUB_POLICY_STOPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* What a resume asks of one thread. */
enum resume_kind {
	RESUME_NONE = 0,  /* it stays as it is */
	RESUME_CONTINUE,
	RESUME_STEP,      /* s, S or a range step */
	RESUME_STOP,      /* vCont;t (non-stop) */
};

/* What resume (a packet as sent upstream: plain hex thread ids) asks of
 * thread tid: the first vCont action that names it, or names no thread,
 * decides; a bare c or C runs every thread, a bare s or S steps (that is
 * how an all-stop stub's selected thread sees it). */
enum resume_kind policy_resume_kind(const char *resume, uint64_t tid);

/* The give-back for a non-stop upstream, where the other threads run on or
 * stay stopped by themselves: only the stopped thread resumes, with
 * SIGTRAP, stepping (S05) if its own resume was a step. Returns 0, or -1
 * if out is too small or the stop names no thread. */
int policy_give_back_thread_packet(const struct rsp_stop *stop, bool stepping, char *out,
				   size_t cap);

#endif

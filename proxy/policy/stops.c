/* Stops that belong to the guest (see stops.h). */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/policy/stops.h"

#define GDB_SIGTRAP 5

enum stop_action policy_stop_action(const struct rsp_stop *stop)
{
	if (stop->kind == RSP_STOP_SIGNAL && stop->guest_vector != 0 && stop->has_thread)
		return STOP_BACK_TO_GUEST;
	return STOP_TO_CLIENTS;
}

/* Whether the action "ACT[:TID]" (up to end) applies to thread tid: one
 * without a thread applies to all, -1 too; ids are plain hex upstream. */
static bool action_names(const char *act, const char *end, uint64_t tid)
{
	const char *colon = memchr(act, ':', (size_t)(end - act));
	char *stop;
	unsigned long long id;

	if (colon == NULL || strncmp(colon + 1, "-1", 2) == 0)
		return true;
	id = strtoull(colon + 1, &stop, 16);
	return stop == end && id == tid;
}

enum resume_kind policy_resume_kind(const char *resume, uint64_t tid)
{
	const char *p;

	if (strncmp(resume, "vCont;", 6) != 0) {
		if (resume[0] == 's' || resume[0] == 'S')
			return RESUME_STEP;
		return resume[0] == 'c' || resume[0] == 'C' ? RESUME_CONTINUE : RESUME_NONE;
	}
	for (p = resume + 5; *p == ';'; ) {
		const char *act = p + 1, *end = strchr(act, ';');

		if (end == NULL)
			end = act + strlen(act);
		if (action_names(act, end, tid)) {
			if (*act == 's' || *act == 'S' || *act == 'r')
				return RESUME_STEP;
			return *act == 't' ? RESUME_STOP : RESUME_CONTINUE;
		}
		p = end;
	}
	return RESUME_NONE;
}

/* Whether last_resume single-stepped or range-stepped thread tid. */
static bool was_stepping(const char *last_resume, uint64_t tid)
{
	return policy_resume_kind(last_resume, tid) == RESUME_STEP;
}

int policy_give_back_packet(const struct rsp_stop *stop, const char *last_resume,
			    char *out, size_t cap)
{
	/* The first action naming a thread wins, so ours goes first; the rest
	 * of a vCont keeps its actions, a bare c becomes a continue of all, a
	 * bare s steps that thread alone, as it did. A thread that was being
	 * stepped steps on with the exception delivered (S05: it stops in the
	 * guest's handler, as a step into it would), never continues. */
	const char *rest = strncmp(last_resume, "vCont;", 6) == 0 ? last_resume + 5 :
			   last_resume[0] == 's' || last_resume[0] == 'S' ? "" : ";c";
	uint64_t tid;
	int n;

	if (!stop->has_thread || stop->thread.tid <= 0)
		return -1;
	tid = (uint64_t)stop->thread.tid;
	n = snprintf(out, cap, "vCont;%c%02x:%" PRIx64 "%s", was_stepping(last_resume, tid) ? 'S' : 'C',
		     GDB_SIGTRAP, tid, rest);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int policy_give_back_thread_packet(const struct rsp_stop *stop, bool stepping, char *out,
				   size_t cap)
{
	int n;

	if (!stop->has_thread || stop->thread.tid <= 0)
		return -1;
	n = snprintf(out, cap, "vCont;%c%02x:%" PRIx64, stepping ? 'S' : 'C', GDB_SIGTRAP,
		     (uint64_t)stop->thread.tid);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

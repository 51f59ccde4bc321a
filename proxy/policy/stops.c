/* Stops that belong to the guest (see stops.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "proxy/policy/stops.h"

#define GDB_SIGTRAP 5

enum stop_action policy_stop_action(const struct rsp_stop *stop)
{
	if (stop->kind == RSP_STOP_SIGNAL && stop->guest_vector != 0 && stop->has_thread)
		return STOP_BACK_TO_GUEST;
	return STOP_TO_CLIENTS;
}

int policy_give_back_packet(const struct rsp_stop *stop, const char *last_resume,
			    char *out, size_t cap)
{
	/* The first action naming a thread wins, so ours goes first; the rest
	 * of a vCont keeps its actions, a bare c/s becomes a continue. */
	const char *rest = strncmp(last_resume, "vCont;", 6) == 0 ? last_resume + 5 : ";c";
	int n;

	if (!stop->has_thread || stop->thread.tid <= 0)
		return -1;
	n = snprintf(out, cap, "vCont;C%02x:%" PRIx64 "%s", GDB_SIGTRAP,
		     (uint64_t)stop->thread.tid, rest);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

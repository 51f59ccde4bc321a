/* An attachment: one client attached to one target. A client may hold
 * several (one gdb, several inferiors); a target has one per client. The
 * role and the wait for a stop belong to the pair, not to either side. */
#ifndef GDBHUB_ATTACHMENT_H
#define GDBHUB_ATTACHMENT_H

#include <stdbool.h>

#include "proxy/policy/access.h"
#include "proxy/queue_compat.h"

struct client;
struct target;

struct attachment {
	TAILQ_ENTRY(attachment) by_target;
	TAILQ_ENTRY(attachment) by_client;
	struct client *c;
	struct target *t;
	enum access_role role;
	bool waiting_stop;   /* resumed, or asked `?` of a running VM */
	/* A non-stop client's view (client_nonstop.c): the threads it believes
	 * run (bit i: the target's threads[i]), the stop replies it has yet to
	 * take with vStopped, and whether a %Stop notification is out. */
	uint64_t ns_running;
	char **ns_queue;
	size_t ns_queued;
	bool ns_notified;
	bool ns_stop_asked;  /* it asked for the stop (vCont;t): report signal 0 */
	uint64_t ns_later;   /* stopped threads `?` leaves for a notification */
};

TAILQ_HEAD(attachment_list, attachment);

#endif

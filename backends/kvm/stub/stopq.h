/* The non-stop stop-notification queue: stop replies gdb has not yet
 * acknowledged with vStopped, oldest first. The first one of a burst goes
 * out as a `%Stop:` notification; gdb then sends vStopped until it gets
 * OK, and each vStopped takes one reply off (the remote protocol's
 * "Notification Packets"). A vCPU is in the queue at most once: it stops
 * once and stays stopped until gdb resumes it, which gdb does only after
 * the stop was acknowledged. Pure bookkeeping, no I/O. */
#ifndef GDBHUB_KVM_STOPQ_H
#define GDBHUB_KVM_STOPQ_H

#include <stdbool.h>

#define STOPQ_TEXT 1024  /* a stop reply: T, signal, thread, reason (and a
			  * console message, stub_stop.c) */
#define STOPQ_PROCESS -1 /* the entry of the whole VM (W, X) */

struct stopq_entry {
	int cpu;               /* vCPU index, or STOPQ_PROCESS */
	char text[STOPQ_TEXT]; /* the stop reply, without `%Stop:` */
};

struct stopq {
	struct stopq_entry *e; /* ring of cap entries */
	unsigned cap, head, n;
};

/* Room for n_cpus vCPUs and the VM's end. 0, or -1 out of memory. */
int stopq_init(struct stopq *q, unsigned n_cpus);
/* Accepts a zeroed or freed queue. */
void stopq_free(struct stopq *q);
void stopq_clear(struct stopq *q);

/* Queue cpu's stop reply text (cut to STOPQ_TEXT - 1 bytes). A cpu
 * already queued keeps its place and takes the new text. Returns 1 when
 * the queue was empty (the caller sends the `%Stop:` notification), 0
 * when gdb is still draining it, -1 when it is full or cpu is out of
 * range. */
int stopq_push(struct stopq *q, int cpu, const char *text);

/* The oldest reply not yet acknowledged, or NULL. */
const struct stopq_entry *stopq_head(const struct stopq *q);

/* vStopped: drop the head (gdb has it) and return the next one to send,
 * or NULL when the queue is now empty (reply OK). */
const struct stopq_entry *stopq_ack(struct stopq *q);

/* Whether cpu has a reply in the queue. */
bool stopq_has(const struct stopq *q, int cpu);

#endif

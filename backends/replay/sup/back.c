/* A reverse step without QEMU loading a snapshot while it runs: a QEMU
 * started from the nearest checkpoint before the goal runs forward to it
 * and takes the current one's place. The first step back from far after
 * a checkpoint leaves a fine checkpoint on the way, so the steps after it
 * re-execute little; a spare QEMU, started from the checkpoint behind the
 * user after each step, hides the start-up of the next. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "backends/replay/sup/sup.h"
#include "proxy/cause.h"

/* The QEMU to carry out a step to goal: the spare if it lies at or before
 * the goal and no checkpoint lies between, else a new one. */
static struct qemu *pick(struct sup *s, uint64_t goal, char **cause)
{
	const struct ckpt *k = ckpt_before(s, goal);
	struct qemu *q = s->spare;

	s->spare = NULL;
	if (q != NULL && q->from <= goal && q->from >= k->icount)
		return q;
	qemu_end(q);
	return qemu_start(s, k, cause);
}

/* The snapshot it started from goes from its disk (only `init` may stay:
 * see ckpt.c). */
static int forget_start(struct qemu *q, char **cause)
{
	char line[64];
	json_object *ret;

	if (strcmp(q->from_tag, RECORDING_SNAPSHOT) == 0)
		return 0;
	snprintf(line, sizeof(line), "delvm %s", q->from_tag);
	if ((ret = qemu_hmp(q, line, cause)) == NULL)
		return -1;
	json_object_put(ret);
	return 0;
}

/* Run q to goal, leaving a fine checkpoint behind the goal if the nearest
 * one is far. */
static int reach(struct sup *s, struct qemu *q, uint64_t goal, char **cause)
{
	uint64_t at;

	if (qemu_icount(q, &at, cause) != 0)
		return -1;
	if (goal - at > s->fine) {
		uint64_t fine_at = goal - s->fine / 2;

		if (qemu_run_to(q, fine_at, cause) != 0 || ckpt_take(s, q, fine_at, cause) != 0)
			return -1;
		at = fine_at;
	}
	if (goal > at && qemu_run_to(q, goal, cause) != 0)
		return -1;
	if (qemu_icount(q, &at, cause) != 0)
		return -1;
	return at == goal ? 0 : cause_fail(cause, "replay stopped at icount %llu, not %llu",
					  (unsigned long long)at, (unsigned long long)goal);
}

/* Give q what the daemon set up on the current stub, and its stop. */
static int take_over(struct sup *s, struct qemu *q, char *reply, size_t cap, char **cause)
{
	char out[SUP_PACKET_MAX];

	if (qemu_gdb_open(q, cause) != 0)
		return -1;
	for (size_t i = 0; i < s->n_setup; i++)
		if (link_call(&q->gdb, s->setup[i], out, sizeof(out)) != 0)
			return cause_fail(cause, "QEMU's gdbstub closed");
	/* Before the breakpoints: QEMU's gdbstub removes them all at a `?`
	 * (it takes it for a new gdb's first request). */
	if (link_call(&q->gdb, "?", out, sizeof(out)) != 0 || (out[0] != 'T' && out[0] != 'S'))
		return cause_fail(cause, "no stop from the new QEMU");
	/* A step's stop, as QEMU's own reverse step reports it. */
	snprintf(reply, cap, "%c05%s", out[0], out + 3);
	return sup_set_breaks(s, q, true, cause);
}

int back_step(struct sup *s, char *reply, size_t cap, char **cause)
{
	uint64_t at;
	struct qemu *q;

	qemu_qmp_drain(s->cur);
	if (qemu_icount(s->cur, &at, cause) != 0)
		return -1;
	if (at == 0)
		return cause_fail(cause, "at the start of the recording");
	if ((q = pick(s, at - 1, cause)) == NULL)
		return -1;
	if (qemu_qmp_open(q, cause) != 0 || forget_start(q, cause) != 0 ||
	    reach(s, q, at - 1, cause) != 0 || take_over(s, q, reply, cap, cause) != 0) {
		qemu_end(q);
		return -1;
	}
	qemu_end(s->cur);
	s->cur = q;
	s->n_pending = 0;
	return 0;
}

void back_prepare_spare(struct sup *s)
{
	uint64_t at;
	char *cause = NULL;
	const struct ckpt *k;

	if (qemu_icount(s->cur, &at, &cause) != 0 || at == 0) {
		free(cause);
		return;
	}
	k = ckpt_before(s, at - 1);
	if (s->spare != NULL && s->spare->from == k->icount)
		return;
	qemu_end(s->spare);
	if ((s->spare = qemu_start(s, k, &cause)) == NULL) {
		sup_log("no spare QEMU: %s", cause ? cause : "?");
		free(cause);
	}
}

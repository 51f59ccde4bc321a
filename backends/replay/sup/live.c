/* A reverse step carried out by the running QEMU itself, from the
 * checkpoints kept in its own disk: for recordings made without kvmvapic,
 * whose running QEMU 7.2 loads a late snapshot fine (README.md, "The
 * deadlock's cause"). QEMU's `bs` loads the nearest snapshot before the
 * goal and re-executes from there; when that one lies more than `fine`
 * behind, the supervisor first seeks to fine/2 before the goal and takes a
 * checkpoint there, so this step and the ones after it re-execute little. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "backends/replay/sup/sup.h"
#include "proxy/cause.h"

/* QEMU's gdbstub reports the end of a replay-seek unasked: that stop is
 * the supervisor's, not the daemon's. */
static int swallow_stop(struct qemu *q, char **cause)
{
	static char out[SUP_PACKET_MAX];

	do {
		if (link_wait(&q->gdb, out, sizeof(out)) != 0)
			return cause_fail(cause, "QEMU's gdbstub closed during a seek");
	} while (out[0] != 'T' && out[0] != 'S');
	return 0;
}

static int seek(struct qemu *q, uint64_t icount, char **cause)
{
	json_object *args = json_object_new_object(), *ret;
	uint64_t at;

	json_object_object_add(args, "icount", json_object_new_int64((int64_t)icount));
	if ((ret = qemu_qmp(q, "replay-seek", args, cause)) == NULL)
		return -1;
	json_object_put(ret);
	if (swallow_stop(q, cause) != 0 || qemu_icount(q, &at, cause) != 0)
		return -1;
	return at == icount ? 0 : cause_fail(cause, "seek stopped at icount %" PRIu64 ", not %" PRIu64,
					    at, icount);
}

/* A checkpoint fine/2 behind the step's goal (at - 1) if the nearest
 * before it is far; the replay is back at `at` after, where `bs` starts. */
static int fine_checkpoint(struct sup *s, uint64_t at, char **cause)
{
	uint64_t goal = at - 1, fine_at = goal - s->fine / 2;

	if (goal - ckpt_before(s, goal)->icount <= s->fine)
		return 0;
	if (seek(s->cur, fine_at, cause) != 0 || ckpt_take(s, s->cur, fine_at, cause) != 0)
		return -1;
	return seek(s->cur, at, cause);
}

void live_step(struct sup *s)
{
	uint64_t at = 0, now;
	char *cause = NULL;

	qemu_qmp_drain(s->cur);
	if (s->cur->gdb.fd < 0 || qemu_icount(s->cur, &at, &cause) != 0 ||
	    (at > 0 && fine_checkpoint(s, at, &cause) != 0)) {
		/* QEMU still steps back, from a farther checkpoint, once the
		 * replay is back where the user is. */
		sup_log("no fine checkpoint for this reverse step: %s", cause ? cause : "?");
		free(cause);
		cause = NULL;
		if (qemu_icount(s->cur, &now, &cause) != 0 || (now != at && seek(s->cur, at, &cause) != 0)) {
			sup_log("reverse step refused: %s", cause ? cause : "?");
			free(cause);
			link_send(&s->down, "E01", 3);
			return;
		}
	}
	relay_to_qemu(s, "bs", 2);
}

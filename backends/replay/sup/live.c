/* A reverse step carried out by the running QEMU itself, from the
 * checkpoints kept in its own disk: for recordings whose running QEMU 7.2
 * loads a late snapshot fine (recording_live_snapshots: x86 ones made
 * without kvmvapic, aarch64 and riscv64 ones; README.md). QEMU's `bs`
 * loads the nearest snapshot before the goal and re-executes from there;
 * when that one lies more than `fine` behind, the supervisor first seeks
 * to fine/2 before the goal and takes a checkpoint there, so this step and
 * the ones after it re-execute little. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "backends/replay/sup/sup.h"
#include "proxy/cause.h"

/* A checkpoint fine/2 behind the step's goal (at - 1) if the nearest
 * before it is far; the replay is back at `at` after, where `bs` starts. */
static int fine_checkpoint(struct sup *s, uint64_t at, char **cause)
{
	uint64_t goal = at - 1, fine_at = goal - s->fine / 2;

	if (goal - ckpt_before(s, goal)->icount <= s->fine)
		return 0;
	if (qemu_seek(s->cur, fine_at, cause) != 0 || ckpt_take(s, s->cur, fine_at, cause) != 0)
		return -1;
	return qemu_seek(s->cur, at, cause);
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
		if (qemu_icount(s->cur, &now, &cause) != 0 || (now != at && qemu_seek(s->cur, at, &cause) != 0)) {
			sup_log("reverse step refused: %s", cause ? cause : "?");
			free(cause);
			link_send(&s->down, "E01", 3);
			return;
		}
	}
	relay_to_qemu(s, "bs", 2);
}

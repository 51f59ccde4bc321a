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
#include "proxy/rsp/rsp_hex.h"

/* A checkpoint fine/2 behind the step's goal (at - 1) if the nearest
 * before it is far; the replay is back at `at` after, where `bs` starts. */
static int fine_checkpoint(struct sup *s, uint64_t at, char **cause)
{
	uint64_t goal = at - 1, fine_at = goal - s->fine / 2;

	if (goal - ckpt_before(s, goal)->icount <= s->fine)
		return 0;
	if (sup_seek(s, fine_at, cause) != 0 || ckpt_take(s, s->cur, fine_at, cause) != 0)
		return -1;
	return sup_seek(s, at, cause);
}

/* What the supervisor does before QEMU's own reverse command (named cmd)
 * failed with cause (taken over), why logged: the replay goes back where
 * the user is (at, if it was read), so that QEMU's command still starts
 * from there. 0, or -1 after an E01 to the daemon if it cannot. */
static int back_to_user(struct sup *s, uint64_t at, const char *cmd, const char *why, char *cause)
{
	uint64_t now;

	sup_log("%s: %s", why, cause ? cause : "?");
	free(cause);
	cause = NULL;
	if (qemu_icount(s->cur, &now, &cause) != 0 || (at > 0 && now != at && sup_seek(s, at, &cause) != 0)) {
		sup_log("%s refused: %s", cmd, cause ? cause : "?");
		free(cause);
		link_send(&s->down, "E01", 3);
		return -1;
	}
	return 0;
}

void live_step(struct sup *s)
{
	uint64_t at = 0;
	char *cause = NULL;

	qemu_qmp_drain(s->cur);
	/* QEMU still steps back, from a farther checkpoint, once the replay
	 * is back where the user is. */
	if ((s->cur->gdb.fd < 0 || qemu_icount(s->cur, &at, &cause) != 0 ||
	     (at > 0 && fine_checkpoint(s, at, &cause) != 0)) &&
	    back_to_user(s, at, "reverse step", "no fine checkpoint for this reverse step", cause) != 0)
		return;
	relay_to_qemu(s, "bs", 2);
}

/* QEMU's gdbstub numbers the pc register so in each machine's description. */
static int pc_regnum(const char *arch)
{
	if (strcmp(arch, "i386") == 0)
		return 8;   /* eip */
	if (strcmp(arch, "x86_64") == 0)
		return 16;  /* rip */
	return 32;          /* aarch64 and riscv64: pc after 32 general registers */
}

/* The current QEMU's pc (`p`, target byte order: all four are little-endian). */
static int read_pc(struct sup *s, uint64_t *pc, char **cause)
{
	char req[16], out[64];
	uint8_t bytes[8];
	size_t n;

	snprintf(req, sizeof(req), "p%x", pc_regnum(s->rec.arch));
	if (link_call(&s->cur->gdb, req, out, sizeof(out)) != 0)
		return cause_fail(cause, "QEMU's gdbstub closed");
	n = strlen(out);
	if (n == 0 || n % 2 != 0 || n > 2 * sizeof(bytes) || rsp_hex_decode(bytes, out, n / 2) < 0)
		return cause_fail(cause, "pc read as \"%s\"", out);
	*pc = 0;
	for (size_t i = n / 2; i > 0; i--)
		*pc = *pc << 8 | bytes[i - 1];
	return 0;
}

/* Whether a breakpoint the daemon inserted (Z0 or Z1) sits at pc. */
static bool breakpoint_at(const struct sup *s, uint64_t pc)
{
	for (size_t i = 0; i < s->n_breaks; i++) {
		const char *b = s->breaks[i];

		if ((b[1] == '0' || b[1] == '1') && b[2] == ',' && strtoull(b + 3, NULL, 16) == pc)
			return true;
	}
	return false;
}

/* Back to at-1: if a breakpoint sits on the instruction there, the stop
 * reply for it is written into reply (QEMU's own reverse-continue stop:
 * T05 and the thread) and 1 returned; 0 if none (the replay back at at). */
static int hit_just_behind(struct sup *s, uint64_t at, char *reply, size_t cap, char **cause)
{
	const char *out;
	uint64_t pc = 0;

	if (sup_seek(s, at - 1, cause) != 0 || read_pc(s, &pc, cause) != 0)
		return -1;
	if (!breakpoint_at(s, pc))
		return sup_seek(s, at, cause);
	/* The seek's own stop names the thread (a `?` would do too, but QEMU
	 * removes every breakpoint at a `?`). */
	out = s->cur->seek_stop;
	snprintf(reply, cap, "%c05%s", out[0], strlen(out) >= 3 ? out + 3 : "");
	return 1;
}

void live_continue_back(struct sup *s)
{
	uint64_t at = 0;
	char *cause = NULL, reply[300];
	int hit = 0;

	qemu_qmp_drain(s->cur);
	if (s->n_breaks > 0 && s->cur->gdb.fd >= 0 && qemu_icount(s->cur, &at, &cause) == 0 && at > 0)
		hit = hit_just_behind(s, at, reply, sizeof(reply), &cause);
	if (hit == 1) {
		link_send(&s->down, reply, strlen(reply));
		return;
	}
	if ((hit < 0 || cause != NULL) &&
	    back_to_user(s, at, "reverse-continue",
			 "reverse-continue without a look at the instruction behind", cause) != 0)
		return;
	relay_to_qemu(s, "bc", 2);
}

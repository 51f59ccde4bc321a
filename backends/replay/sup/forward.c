/* Coarse checkpoints while the replay runs forward. A checkpoint taken
 * only at the stops the user makes would leave one long `continue` (or a
 * far forward seek) with nothing behind its end, and the first step back
 * there would re-execute from the start of the recording. So every
 * `every` instructions the supervisor pauses the run itself (QMP
 * replay-break at the next boundary), takes a checkpoint and lets it go
 * on: the daemon and its clients never see those pauses, a breakpoint or
 * Ctrl-C before the boundary stops the run as it would have anyway. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/replay/sup/sup.h"
#include "proxy/cause.h"

/* A resume that runs until something stops it: `c`, `C`, or a vCont
 * whose actions are all continues (a step among them ends at once). */
static bool is_continue(const char *p)
{
	if (p[0] == 'c' || p[0] == 'C')
		return true;
	if (strncmp(p, "vCont;", 6) != 0)
		return false;
	for (const char *a = p + 5; a != NULL; a = strchr(a + 1, ';'))
		if (a[1] != 'c' && a[1] != 'C')
			return false;
	return true;
}

/* The next icount a coarse checkpoint belongs at, after at; 0 if none
 * before the recording's end. */
static uint64_t next_boundary(const struct sup *s, uint64_t at)
{
	uint64_t next = ckpt_before(s, at)->icount + s->every;

	if (next <= at)
		next = at + s->every;
	return s->rec.icount_exact && next >= s->rec.icount ? 0 : next;
}

void forward_arm(struct sup *s, const char *resume)
{
	uint64_t at, next;
	char *cause = NULL;

	s->fwd_break = 0;
	s->interrupted = false;
	if (!is_continue(resume))
		return;
	if (qemu_icount(s->cur, &at, &cause) == 0 && (next = next_boundary(s, at)) != 0 &&
	    qemu_do(s->cur, "replay-break", next, &cause) == 0)
		s->fwd_break = next;
	if (cause != NULL)
		sup_log("no coarse checkpoint on this run: %s", cause);
	free(cause);
}

/* Whether a stop is the pause at brk: replay-break pauses the VM, which
 * QEMU's gdbstub reports as SIGINT, at exactly that icount. Not after a
 * Ctrl-C: one that reached QEMU while it was paused there was dropped
 * by QEMU, and this stop is the user's. */
static bool is_our_pause(struct sup *s, const char *stop, uint64_t brk)
{
	uint64_t at;
	char *cause = NULL;
	bool ours = !s->interrupted && strncmp(stop + 1, "02", 2) == 0 &&
		    qemu_icount(s->cur, &at, &cause) == 0 && at == brk;

	free(cause);
	return ours;
}

bool forward_pause(struct sup *s, const char *stop)
{
	uint64_t brk = s->fwd_break;
	char *cause = NULL;

	s->fwd_break = 0;
	if (brk == 0)
		return false;
	if (!is_our_pause(s, stop, brk)) {
		/* Someone else's stop: the break must not outlive the run. */
		if (qemu_do(s->cur, "replay-delete-break", 0, &cause) != 0)
			sup_log("replay-delete-break: %s", cause ? cause : "?");
		free(cause);
		return false;
	}
	relay_after_stop(s);
	forward_arm(s, s->pending[0]);
	/* On with the run the daemon asked for (a signal it carried was
	 * delivered at its start). */
	if (s->pending[0][0] == 'C')
		link_send(&s->cur->gdb, "c", 1);
	else
		link_send(&s->cur->gdb, s->pending[0], strlen(s->pending[0]));
	return true;
}

void forward_interrupt(struct sup *s)
{
	s->interrupted = true;
	link_send_raw(&s->cur->gdb, "\x03", 1);
}

int forward_seek(struct sup *s, uint64_t target, char **cause)
{
	uint64_t at, next;

	if (s->cur->gdb.fd < 0 || qemu_icount(s->cur, &at, cause) != 0)
		return -1;
	while ((next = next_boundary(s, at)) != 0 && next < target) {
		if (sup_seek(s, next, cause) != 0)
			return -1;
		relay_after_stop(s);
		at = next;
	}
	return 0;
}

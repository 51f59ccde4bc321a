/* Packets between the daemon and the current QEMU's gdbstub. Relayed as
 * packets, not bytes: each side has its own ack mode (a QEMU the
 * supervisor connects to is put in no-ack mode if it has one), and what the
 * daemon sets up on the stub (features, thread selection, breakpoints) is
 * remembered so that a QEMU taking the current one's place gets it too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/replay/sup/sup.h"

/* Packets that set a connection's state, by the key that one replaces. */
static size_t setup_key(const char *p)
{
	static const char *const keys[] = { "qSupported", "QNonStop", "QThreadEvents",
		"QPassSignals", "QProgramSignals", "QCatchSyscalls", "qXfer:features:read:target.xml" };

	if (p[0] == 'H' && p[1] != '\0')
		return 2;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strncmp(p, keys[i], strlen(keys[i])) == 0)
			return strlen(keys[i]);
	return 0;
}

static void remember_setup(struct sup *s, const char *p)
{
	size_t key = setup_key(p), i;

	if (key == 0 || strlen(p) >= sizeof(s->setup[0]))
		return;
	for (i = 0; i < s->n_setup; i++)
		if (strncmp(s->setup[i], p, key) == 0)
			break;
	if (i == s->n_setup && s->n_setup == sizeof(s->setup) / sizeof(s->setup[0]))
		return;
	if (i == s->n_setup)
		s->n_setup++;
	/* The target description is read in pieces: the first one will do. */
	if (p[0] != 'q' || strncmp(p, "qXfer", 5) != 0 || s->setup[i][0] == '\0')
		snprintf(s->setup[i], sizeof(s->setup[i]), "%s", p);
}

static bool is_resume(const char *p)
{
	return strchr("cCsS", p[0]) != NULL || strncmp(p, "vCont;", 6) == 0 ||
	       strcmp(p, "bc") == 0 || strcmp(p, "bs") == 0;
}

/* A breakpoint's identity: Z/z, type, address, kind (conditions aside). */
static void break_changed(struct sup *s, const char *req)
{
	char id[64];
	size_t i;

	snprintf(id, sizeof(id), "Z%.*s", (int)strcspn(req + 1, ";"), req + 1);
	for (i = 0; i < s->n_breaks && strcmp(s->breaks[i], id) != 0; i++)
		;
	if (req[0] == 'Z' && i == s->n_breaks && i < SUP_MAX_BREAKS)
		snprintf(s->breaks[s->n_breaks++], sizeof(s->breaks[0]), "%s", id);
	else if (req[0] == 'z' && i < s->n_breaks)
		memmove(s->breaks[i], s->breaks[i + 1], (--s->n_breaks - i) * sizeof(s->breaks[0]));
}

void relay_to_qemu(struct sup *s, const char *p, size_t len)
{
	if (s->n_pending < sizeof(s->pending) / sizeof(s->pending[0]) && strcmp(p, "k") != 0)
		snprintf(s->pending[s->n_pending++], sizeof(s->pending[0]), "%s", p);
	remember_setup(s, p);
	link_send(&s->cur->gdb, p, len);
}

static void reverse_step(struct sup *s)
{
	char reply[256], *cause = NULL;

	if (back_step(s, reply, sizeof(reply), &cause) != 0) {
		/* QEMU can still do it itself: from its init snapshot. */
		sup_log("reverse step through QEMU itself: %s", cause ? cause : "?");
		free(cause);
		relay_to_qemu(s, "bs", 2);
		return;
	}
	link_send(&s->down, reply, strlen(reply));
	back_prepare_spare(s);
}

static void from_daemon_packet(struct sup *s, const char *p, size_t len)
{
	if (s->down.acks)
		link_send_raw(&s->down, "+", 1);
	if (strcmp(p, "QStartNoAckMode") == 0) {
		link_send(&s->down, "OK", 2);
		s->down.acks = false;
	} else if (strcmp(p, "bs") == 0 && s->live) {
		live_step(s);
	} else if (strcmp(p, "bc") == 0 && s->live) {
		live_continue_back(s);
	} else if (strcmp(p, "bs") == 0) {
		reverse_step(s);
	} else {
		if (is_resume(p))
			forward_arm(s, p);
		relay_to_qemu(s, p, len);
	}
}

void relay_from_daemon(struct sup *s)
{
	struct rsp_event ev;

	if (link_fill(&s->down, false) != 0) {
		relay_daemon_closed(s);
		return;
	}
	while ((ev = link_next(&s->down)).kind != RSP_EV_NONE) {
		if (ev.kind == RSP_EV_PACKET)
			from_daemon_packet(s, (const char *)ev.payload, ev.len);
		else if (ev.kind == RSP_EV_INTERRUPT)
			forward_interrupt(s);
		else if (ev.kind == RSP_EV_BAD_CHECKSUM)
			link_send_raw(&s->down, "-", 1);
		if (s->down.fd < 0)
			return;
	}
}

/* The request a reply answers; empty if none was waiting. */
static void take_pending(struct sup *s, char *req, size_t cap)
{
	req[0] = '\0';
	if (s->n_pending == 0)
		return;
	snprintf(req, cap, "%s", s->pending[0]);
	memmove(s->pending[0], s->pending[1], --s->n_pending * sizeof(s->pending[0]));
}

static void from_qemu_packet(struct sup *s, const char *p, size_t len)
{
	char req[64];
	bool stop = p[0] == 'T' || p[0] == 'S';

	/* Console output comes before the stop it belongs to. */
	if (p[0] == 'O' && p[1] != 'K' && s->n_pending > 0 && is_resume(s->pending[0])) {
		link_send(&s->down, p, len);
		return;
	}
	if (stop && s->n_pending > 0 && is_resume(s->pending[0]) && forward_pause(s, p))
		return;
	take_pending(s, req, sizeof(req));
	if ((req[0] == 'Z' || req[0] == 'z') && strcmp(p, "OK") == 0)
		break_changed(s, req);
	if (s->down.fd >= 0)
		link_send(&s->down, p, len);
	/* A stop nobody asked for ends a replay-seek. */
	if (stop && (req[0] == '\0' || is_resume(req)))
		relay_after_stop(s);
}

/* The current QEMU ended (the recording's end replayed): the supervisor
 * ends with its status, which the daemon reports to gdb. */
static void qemu_ended(struct sup *s)
{
	int status = 0;

	if (waitpid(s->cur->pid, &status, 0) == s->cur->pid)
		s->cur->pid = 0;
	sup_log("QEMU ended (status 0x%x)", status);
	sup_exit(s, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

void relay_from_qemu(struct sup *s)
{
	struct rsp_event ev;

	if (link_fill(&s->cur->gdb, false) != 0) {
		qemu_ended(s);
		return;
	}
	while ((ev = link_next(&s->cur->gdb)).kind != RSP_EV_NONE) {
		if (ev.kind != RSP_EV_PACKET)
			continue;
		if (s->cur->gdb.acks)
			link_send_raw(&s->cur->gdb, "+", 1);
		from_qemu_packet(s, (const char *)ev.payload, ev.len);
	}
}

void relay_daemon_closed(struct sup *s)
{
	close(s->down.fd);
	s->down.fd = -1;
	/* The next connection starts afresh, on a fresh gdbstub connection. */
	close(s->cur->gdb.fd);
	s->cur->gdb.fd = -1;
	s->n_setup = s->n_breaks = s->n_pending = 0;
	memset(s->setup, 0, sizeof(s->setup));
}

void relay_after_stop(struct sup *s)
{
	uint64_t icount;
	char *cause = NULL;

	qemu_qmp_drain(s->cur);
	if (qemu_icount(s->cur, &icount, &cause) != 0 ||
	    (icount - ckpt_before(s, icount)->icount >= s->every &&
	     ckpt_take(s, s->cur, icount, &cause) != 0)) {
		sup_log("no checkpoint after this stop: %s", cause ? cause : "?");
		free(cause);
	}
}

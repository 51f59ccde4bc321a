/* Driving a non-stop upstream: gdbhub-kvm after QNonStop:1.
 *
 * Why: over an all-stop stub every event of one vCPU stops them all, even
 * one the clients never see (the guest's own int3 or #DB, given back to
 * it). In non-stop each vCPU runs and stops on its own, and the daemon
 * decides per stop what the other vCPUs do.
 *
 * Per thread (bit i: t->threads[i]) the target keeps whether it runs
 * upstream (ns_running), whether its resume stepped it (ns_stepping),
 * whether it owes the guest an exception it met while the VM was being
 * stopped (ns_give_back), and whether it met an event of its own then
 * (ns_pending: reported at the next resume instead of running on, as an
 * all-stop stub reports a second vCPU's event). A stop the stub reports is:
 * - the guest's own exception (policy_stop_action): that thread alone
 *   resumes with it, the others never stop, and no client hears of it;
 * - with only non-stop clients attached: told to the clients that let
 *   that thread run; the others run on (per-thread interrupts and resumes
 *   go upstream as they are);
 * - otherwise an event for all-stop clients: every running thread is
 *   stopped (vCont;t), and once the last one has reported, the event is
 *   handled as an all-stop stub's stop reply (target_handle_stop), so
 *   all-stop clients see exactly what they saw before.
 * The stub's resume answers `OK` and its stops are notifications, so no
 * request waits behind a running VM: with only non-stop clients attached,
 * their reads, breakpoints and resumes go up while threads run (the stub
 * pauses the vCPUs it must around them); all-stop clients are still
 * refused while the VM runs, as before. */
#include "proxy/target_nonstop.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/client.h"
#include "proxy/client_nonstop.h"
#include "proxy/log.h"
#include "proxy/policy/stops.h"
#include "proxy/target.h"
#include "proxy/target_internal.h"
#include "proxy/upstream.h"

#define GDB_SIGINT 2
#define GDB_SIGTRAP 5
#define MAX_THREADS 64 /* the per-thread masks' width */

static void stop_all(struct target *t, const struct rsp_stop *stop);

struct ns_start {
	struct target *t;
	void (*done)(struct target *t);
};

/* The stub's answer to a request whose only reply is `OK`. */
static void on_ok(void *arg, const uint8_t *reply, size_t len)
{
	struct target *t = arg;

	if (reply != NULL && !(len == 2 && memcmp(reply, "OK", 2) == 0))
		log_warn("target %s: the stub refused a non-stop request: %.*s", target_name(t),
			 (int)len, (const char *)reply);
}

static void send_ok(struct target *t, const char *packet)
{
	log_debug("target %s: non-stop: %s", target_name(t), packet);
	if (upstream_request_str(t->up, packet, false, on_ok, t) != 0)
		log_error("target %s: cannot queue %s", target_name(t), packet);
}

/* QNonStop:1 answered: from now on stops are notifications. */
static void on_non_stop(void *arg, const uint8_t *reply, size_t len)
{
	struct ns_start *s = arg;
	struct target *t = s->t;
	void (*done)(struct target *t) = s->done;

	free(s);
	if (reply == NULL)
		return; /* the link is gone; its handler reports it */
	t->ns_up = len == 2 && memcmp(reply, "OK", 2) == 0;
	if (t->ns_up)
		log_info("target %s: upstream in non-stop mode", target_name(t));
	else
		log_warn("target %s: the stub refused non-stop (%.*s); all-stop it is",
			 target_name(t), (int)len, (const char *)reply);
	done(t);
}

void target_ns_start(struct target *t, void (*done)(struct target *t))
{
	struct ns_start *s;

	/* Only gdbhub-kvm: another daemon upstream offers QNonStop+ too, but
	 * emulates it over whatever it drives. */
	if (t->cfg->backend != CFG_BACKEND_KVM || t->up == NULL ||
	    !upstream_features(t->up)->non_stop || t->n_threads == 0 ||
	    t->n_threads > MAX_THREADS || (s = malloc(sizeof(*s))) == NULL) {
		done(t);
		return;
	}
	*s = (struct ns_start){ .t = t, .done = done };
	t->ns_pending = calloc(t->n_threads, sizeof(*t->ns_pending));
	if (t->ns_pending == NULL ||
	    upstream_request_str(t->up, "QNonStop:1", false, on_non_stop, s) != 0) {
		free(s);
		done(t);
	}
}

/* The thread a bare s or S steps: the one the last stop named, which is
 * the one an all-stop stub would step. */
static int64_t step_thread(const struct target *t)
{
	if (t->stop.has_thread && t->stop.thread.tid > 0)
		return t->stop.thread.tid;
	return t->threads[0];
}

/* packet as vCont, the only resume a non-stop stub takes. */
static void as_vcont(const struct target *t, const char *packet, char *out, size_t cap)
{
	int sig = packet[0] == 'C' || packet[0] == 'S' ? 2 : 0;

	if (strncmp(packet, "vCont;", 6) == 0)
		snprintf(out, cap, "%s", packet);
	else if (packet[0] == 's' || packet[0] == 'S')
		snprintf(out, cap, "vCont;%c%.*s:%" PRIx64, packet[0], sig, packet + 1,
			 (uint64_t)step_thread(t));
	else
		snprintf(out, cap, "vCont;%c%.*s", packet[0], sig, packet + 1);
}

/* A thread owed its exception gets it as it resumes: its action goes
 * first (the first action naming a thread wins). */
static void add_give_backs(struct target *t, char *pkt, size_t cap)
{
	for (size_t i = 0; i < t->n_threads; i++) {
		struct rsp_stop s = { .kind = RSP_STOP_SIGNAL, .signal = GDB_SIGTRAP,
				      .has_thread = true, .thread.tid = t->threads[i] };
		enum resume_kind k = policy_resume_kind(pkt, (uint64_t)t->threads[i]);
		char out[256];

		if (!(t->ns_give_back & (1ull << i)) || k == RESUME_NONE || k == RESUME_STOP)
			continue;
		if (policy_give_back_packet(&s, pkt, out, sizeof(out)) != 0 ||
		    strlen(out) >= cap)
			continue;
		snprintf(pkt, cap, "%s", out);
		t->ns_give_back &= ~(1ull << i);
	}
}

/* The stopped threads pkt resumes; *stepping gets those it steps. */
static uint64_t resumed_by(const struct target *t, const char *pkt, uint64_t *stepping)
{
	uint64_t mask = 0;

	*stepping = 0;
	for (size_t i = 0; i < t->n_threads; i++) {
		enum resume_kind k = policy_resume_kind(pkt, (uint64_t)t->threads[i]);

		if (k == RESUME_CONTINUE || k == RESUME_STEP)
			mask |= 1ull << i;
		if (k == RESUME_STEP)
			*stepping |= 1ull << i;
	}
	*stepping &= ~t->ns_running;
	return mask & ~t->ns_running; /* the stub leaves running threads alone */
}

/* A thread pkt resumes that has an event not told yet, or -1. */
static int pending_resumed(const struct target *t, const char *pkt)
{
	for (size_t i = 0; i < t->n_threads; i++) {
		enum resume_kind k = policy_resume_kind(pkt, (uint64_t)t->threads[i]);

		if ((t->ns_pending_mask & (1ull << i)) && (k == RESUME_CONTINUE || k == RESUME_STEP))
			return (int)i;
	}
	return -1;
}

/* Thread i's event is told now, as if it had just happened: it stays
 * stopped (a `t` action first), the others run as pkt says and are
 * stopped again (stop_all). Unless nothing else would run: then the event
 * is dropped and i runs, as an all-stop VM cannot stop with nothing run. */
static int hold_back(struct target *t, char *pkt, size_t cap, int i)
{
	char out[256];
	uint64_t stepping;
	int n;

	t->ns_pending_mask &= ~(1ull << i);
	n = snprintf(out, sizeof(out), "vCont;t:%" PRIx64 "%s", (uint64_t)t->threads[i], pkt + 5);
	if (n < 0 || (size_t)n >= cap || (resumed_by(t, out, &stepping) | t->ns_running) == 0) {
		log_info("target %s: thread %" PRIx64 "'s earlier event is lost", target_name(t),
			 (uint64_t)t->threads[i]);
		return -1;
	}
	snprintf(pkt, cap, "%s", out);
	return i;
}

void target_ns_resume(struct target *t, const char *packet)
{
	char pkt[256];
	uint64_t stepping, resumed;
	int held;

	as_vcont(t, packet, pkt, sizeof(pkt));
	/* Only all-stop clients wait for such an event (see collected). */
	if (target_ns_per_thread(t))
		t->ns_pending_mask = 0;
	held = pending_resumed(t, pkt);
	if (held >= 0)
		held = hold_back(t, pkt, sizeof(pkt), held);
	add_give_backs(t, pkt, sizeof(pkt));
	resumed = resumed_by(t, pkt, &stepping);
	if (resumed == 0 && t->ns_running == 0)
		log_warn("target %s: %s resumes no thread", target_name(t), pkt);
	t->ns_running |= resumed;
	t->ns_stepping = (t->ns_stepping & ~resumed) | stepping;
	t->state = TARGET_RUNNING;
	send_ok(t, pkt);
	if (held >= 0)
		stop_all(t, &t->ns_pending[held]);
}

void target_ns_interrupt(struct target *t)
{
	if (t->ns_running != 0)
		send_ok(t, "vCtrlC");
}

void target_ns_stop_threads(struct target *t, const char *packet)
{
	send_ok(t, packet);
}

bool target_ns_per_thread(const struct target *t)
{
	const struct attachment *a;

	if (!t->ns_up || TAILQ_EMPTY(&t->attached))
		return false;
	TAILQ_FOREACH(a, &t->attached, by_target)
		if (!a->c->non_stop)
			return false;
	return true;
}

/* The last running thread has stopped: the collected event is the VM's
 * stop, as an all-stop stub would have replied it. */
static void finish_collecting(struct target *t)
{
	if (!t->ns_collecting || t->ns_running != 0)
		return;
	t->ns_collecting = false;
	t->ns_stepping = 0;
	target_handle_stop(t, &t->ns_event);
}

/* An event for all-stop clients: stop every other thread first. */
static void stop_all(struct target *t, const struct rsp_stop *stop)
{
	t->ns_collecting = true;
	t->ns_event = *stop;
	if (t->ns_running != 0)
		send_ok(t, "vCont;t");
	finish_collecting(t);
}

/* A stop while the VM is being stopped for an event: the quiet ones
 * (signal 0 after vCont;t, SIGINT after Ctrl-C) are what was asked for;
 * another event waits for the next resume. */
static void collected(struct target *t, const struct rsp_stop *stop, uint64_t bit)
{
	if (stop->signal != 0 && stop->signal != GDB_SIGINT && stop->has_thread && bit != 0) {
		t->ns_pending[__builtin_ctzll(bit)] = *stop;
		t->ns_pending_mask |= bit;
	}
	finish_collecting(t);
}

/* The guest's own exception: that thread alone takes it and runs on, or,
 * while the VM is being stopped, takes it when it is next resumed. */
static void give_back(struct target *t, const struct rsp_stop *stop, uint64_t bit)
{
	char packet[64];

	log_debug("target %s: vector %u on thread %" PRIx64 " is the guest's%s", target_name(t),
		  stop->guest_vector, (uint64_t)stop->thread.tid,
		  t->ns_collecting ? "; it gets it when resumed" : "");
	if (t->ns_collecting) {
		t->ns_give_back |= bit;
		finish_collecting(t);
		return;
	}
	if (policy_give_back_thread_packet(stop, (t->ns_stepping & bit) != 0, packet,
					   sizeof(packet)) != 0)
		return;
	t->ns_running |= bit;
	send_ok(t, packet);
}

/* Only non-stop clients: this thread's stop is theirs, the others run on. */
static void thread_stopped(struct target *t, const struct rsp_stop *stop)
{
	t->stop = *stop;
	nonstop_on_thread_stop(t);
	if (t->ns_running != 0)
		return;
	t->state = TARGET_STOPPED;
	t->resumer = NULL;
	t->client_interrupted = false;
}

/* Parse a stop; an unreadable one counts as SIGTRAP. */
static void parse_stop(const struct target *t, const uint8_t *text, size_t len,
		       struct rsp_stop *stop)
{
	if (rsp_stop_parse((const char *)text, len, stop) == 0)
		return;
	log_warn("target %s: unreadable stop %.*s, taken as SIGTRAP", target_name(t), (int)len,
		 (const char *)text);
	memset(stop, 0, sizeof(*stop));
	stop->signal = GDB_SIGTRAP;
}

void target_ns_stopped(struct target *t, const uint8_t *text, size_t len)
{
	struct rsp_stop stop;
	const char *hex;
	size_t hexlen;
	uint64_t bit;

	if (!t->ns_up) {
		log_warn("target %s: stop notification in all-stop mode ignored", target_name(t));
		return;
	}
	parse_stop(t, text, len, &stop);
	if (rsp_stop_console((const char *)text, len, &hex, &hexlen) == 0)
		target_console(t, (const uint8_t *)hex, hexlen);
	if (stop.kind != RSP_STOP_SIGNAL) { /* the VM is gone: nothing runs */
		t->ns_running = 0;
		t->ns_collecting = false;
		target_handle_stop(t, &stop);
		return;
	}
	bit = stop.has_thread ? target_thread_bit(t, stop.thread.tid) : t->ns_running;
	t->ns_running &= ~bit;
	if (policy_stop_action(&stop) == STOP_BACK_TO_GUEST)
		give_back(t, &stop, bit);
	else if (t->ns_collecting)
		collected(t, &stop, bit);
	else if (target_ns_per_thread(t))
		thread_stopped(t, &stop);
	else
		stop_all(t, &stop);
}

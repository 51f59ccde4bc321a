/* Running and stopping a target: breakpoints through policy, resumes,
 * interrupts, stop records and their fan-out, detach. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/audit.h"
#include "proxy/client.h"
#include "proxy/log.h"
#include "proxy/policy/stops.h"
#include "proxy/target.h"
#include "proxy/target_fork.h"
#include "proxy/client_nonstop.h"
#include "proxy/target_internal.h"
#include "proxy/target_nonstop.h"
#include "proxy/target_ops.h"
#include "proxy/upstream.h"

/* SIGINT as gdb numbers it: what an interrupted VM reports. */
#define GDB_SIGINT 2

struct bp_request {
	struct target *t;
	struct client *c;
	struct bp_key key;
	bool insert;
};

/* Format a Z/z packet for key. */
static void format_bp_packet(char *out, size_t cap, bool insert, const struct bp_key *key)
{
	snprintf(out, cap, "%c%d,%" PRIx64 ",%" PRIx64, insert ? 'Z' : 'z', (int)key->type,
		 key->addr, key->kind);
}

/* Log a refused removal; nothing else can be done about it. */
static void on_orphan_removed(void *arg, const uint8_t *reply, size_t len)
{
	struct target *t = arg;

	if (reply != NULL && !(len == 2 && memcmp(reply, "OK", 2) == 0))
		log_warn("target %s: stub refused to remove a breakpoint: %.*s", target_name(t),
			 (int)len, (const char *)reply);
}

/* Remove upstream the breakpoints that lost their last owner. */
static void flush_orphans(struct target *t)
{
	char pkt[64];

	for (size_t i = 0; i < t->n_orphans; i++) {
		hw_slots_release(&t->hw, &t->orphans[i]);
		format_bp_packet(pkt, sizeof(pkt), false, &t->orphans[i]);
		upstream_request_str(t->up, pkt, false, on_orphan_removed, t);
	}
	t->n_orphans = 0;
}

/* Remember a breakpoint left without owners (policy callback). */
static void add_orphan(void *arg, const struct bp_key *key)
{
	struct target *t = arg;
	struct bp_key *n = realloc(t->orphans, (t->n_orphans + 1) * sizeof(*n));

	if (n == NULL) {
		log_error("target %s: out of memory: a breakpoint stays inserted", target_name(t));
		return;
	}
	t->orphans = n;
	t->orphans[t->n_orphans++] = *key;
}

/* The upstream's answer to an insert or removal on behalf of a client. */
static void on_bp_reply(void *arg, const uint8_t *reply, size_t len)
{
	struct bp_request *r = arg;
	bool ok = reply != NULL && len == 2 && memcmp(reply, "OK", 2) == 0;

	/* A dead client's breakpoints were already dropped by its detach. */
	if (!ok && r->insert && !r->c->dead) {
		bp_table_remove(&r->t->bps, r->c->id, &r->key);
		hw_slots_release(&r->t->hw, &r->key);
	}
	if (!r->c->dead) {
		if (reply == NULL)
			client_reply_error(r->c, 1, "the target's stub connection was lost");
		else
			client_reply(r->c, reply, len);
	}
	client_unref(r->c);
	free(r);
}

/* Send one Z/z upstream for a client. */
static void send_bp(struct target *t, struct client *c, bool insert, const struct bp_key *key)
{
	struct bp_request *r = malloc(sizeof(*r));
	char pkt[64];

	if (r == NULL) {
		if (insert)
			bp_table_remove(&t->bps, c->id, key);
		client_reply_error(c, 1, "out of memory");
		return;
	}
	*r = (struct bp_request){ .t = t, .c = c, .key = *key, .insert = insert };
	client_ref(c);
	format_bp_packet(pkt, sizeof(pkt), insert, key);
	upstream_request_str(t->up, pkt, false, on_bp_reply, r);
}

/* Insert or remove a breakpoint on behalf of c, as policy decides. */
void target_breakpoint(struct target *t, struct client *c, bool insert, const struct bp_key *key)
{
	enum bp_change change;

	if (target_refuse_unless_stopped(t, c))
		return;
	change = insert ? bp_table_add(&t->bps, c->id, key) : bp_table_remove(&t->bps, c->id, key);
	switch (change) {
	case BP_INSERT_UPSTREAM:
		if (hw_slots_claim(&t->hw, key) != 0) {
			bp_table_remove(&t->bps, c->id, key);
			client_reply_error(c, 0x1c, "%s: all %u hardware debug slots are taken "
					   "(monitor hw shows who holds them)", target_name(t), t->hw.n);
			return;
		}
		send_bp(t, c, insert, key);
		break;
	case BP_REMOVE_UPSTREAM:
		hw_slots_release(&t->hw, key);
		send_bp(t, c, insert, key);
		break;
	case BP_NO_CHANGE:
	case BP_NOT_OWNED:
		client_reply_str(c, "OK");
		break;
	case BP_ERROR:
		client_reply_error(c, 1, "out of memory");
		break;
	}
}

static void on_resume_reply(void *arg, const uint8_t *reply, size_t len);

/* Queue a resume upstream; its reply is the next stop. */
static void send_resume(struct target *t, const char *packet)
{
	t->state = TARGET_RUNNING;
	snprintf(t->last_resume, sizeof(t->last_resume), "%s", packet);
	if (t->ns_up) {
		target_ns_resume(t, packet);
		return;
	}
	if (upstream_request_str(t->up, packet, true, on_resume_reply, t) != 0)
		log_error("target %s: cannot queue resume %s", target_name(t), packet);
}

/* Stop the running VM: Ctrl-C upstream, in the stub's mode. */
static void interrupt_vm(struct target *t)
{
	if (t->ns_up)
		target_ns_interrupt(t);
	else
		upstream_interrupt(t->up);
}

/* Let the VM run with nobody's resume: after the last client left, or to
 * hide a stop we caused ourselves. */
static void resume_internal(struct target *t)
{
	t->resumer = NULL;
	send_resume(t, strstr(target_vcont(t), ";c") != NULL ? "vCont;c" : "c");
}

/* Resume on behalf of c. */
void target_resume(struct target *t, struct client *c, const char *packet)
{
	if (target_refuse_unless_stopped(t, c))
		return;
	t->resumer = c;
	t->client_interrupted = false;
	send_resume(t, packet);
	/* Non-stop: `OK` now, the stop comes as a notification. */
	if (c->non_stop) {
		nonstop_resumed(client_attachment(c, t), packet);
		client_reply_str(c, "OK");
	} else {
		client_attachment(c, t)->waiting_stop = true;
	}
}

bool target_can_reverse(const struct target *t)
{
	const struct upstream_features *f;

	if (t->up == NULL)
		return false;
	f = upstream_features(t->up);
	return f->reverse_step && f->reverse_continue;
}

/* Ctrl-C from a client: stop the VM if it runs. */
void target_interrupt(struct target *t, struct client *c)
{
	if (t->state != TARGET_RUNNING) {
		log_debug("client %u: interrupt while %s ignored", c->id, target_state_name(t->state));
		return;
	}
	t->client_interrupted = true;
	interrupt_vm(t);
}

/* Format the stop record in c's view of thread ids. */
static void format_stop(const struct target *t, const struct client *c, char *out, size_t cap);

/* The stop record as c sees it, in out. */
const char *target_stop_text(const struct target *t, const struct client *c, char *out, size_t cap)
{
	format_stop(t, c, out, cap);
	return out;
}

static void format_stop(const struct target *t, const struct client *c, char *out, size_t cap)
{
	struct rsp_stop stop = t->stop;

	stop.thread.has_pid = false;
	stop.has_pid = true;
	stop.pid = t->pid;
	/* A watchpoint report is for the clients that watch that address; to
	 * the others it is a plain stop. */
	if ((stop.reason == RSP_REASON_WATCH || stop.reason == RSP_REASON_RWATCH ||
	     stop.reason == RSP_REASON_AWATCH) &&
	    !bp_table_owns_watch_at(&t->bps, c->id, stop.watch_addr))
		stop.reason = RSP_REASON_NONE;
	/* Nor does a client hear of a breakpoint reason it did not negotiate. */
	if ((stop.reason == RSP_REASON_SWBREAK && !c->swbreak) ||
	    (stop.reason == RSP_REASON_HWBREAK && !c->hwbreak))
		stop.reason = RSP_REASON_NONE;
	if (rsp_stop_format(out, cap, &stop, c->multiprocess, t->pid) < 0)
		snprintf(out, cap, "S05");
}

/* Send the current stop record to c and end its wait. */
void target_deliver_stop(struct target *t, struct client *c)
{
	char buf[256];

	struct attachment *a = client_attachment(c, t);

	format_stop(t, c, buf, sizeof(buf));
	if (a != NULL) {
		a->waiting_stop = false;
		/* gdb takes the stopped thread as the general one from here on,
		 * without an Hg (stubs select it on a stop, as QEMU does): so
		 * does the client's view. */
		if (t->stop.kind == RSP_STOP_SIGNAL && t->stop.has_thread) {
			client_set_current(c, a);
			c->hg = (struct rsp_thread_id){ .has_pid = true, .pid = t->pid,
							.tid = t->stop.thread.tid };
		}
	}
	client_reply_str(c, buf);
}

/* `?`: the stop record now, or once the running VM stops. */
void target_query_stop(struct target *t, struct client *c)
{
	char text[256];

	if (c->non_stop && (t->state == TARGET_STOPPED || t->state == TARGET_RUNNING)) {
		nonstop_query(t, c, target_stop_text(t, c, text, sizeof(text)));
		return;
	}
	switch (t->state) {
	case TARGET_STOPPED:
	case TARGET_EXITED:
		target_deliver_stop(t, c);
		return;
	case TARGET_RUNNING:
		/* The answer is the next stop. Nobody's run is cut short for it:
		 * only a VM running on its own (after everyone left) is stopped,
		 * and only for a controller, as an all-stop debugger attaching
		 * needs a stopped VM. */
		client_attachment(c, t)->waiting_stop = true;
		if (t->resumer == NULL && !t->client_interrupted && client_may_interrupt(c)) {
			audit_interrupt(c);
			t->client_interrupted = true;
			interrupt_vm(t);
		}
		return;
	default:
		target_refuse_unless_stopped(t, c);
	}
}

/* Whether any attached client waits for a stop. */
static bool anyone_waiting(const struct target *t)
{
	const struct attachment *a;

	TAILQ_FOREACH(a, &t->attached, by_target)
		if (a->waiting_stop)
			return true;
	return false;
}

/* A stop we caused to remove breakpoints is hidden: the VM runs on. */
static bool hide_maintenance_stop(struct target *t)
{
	if (!t->maintenance_stop)
		return false;
	t->maintenance_stop = false;
	if (t->client_interrupted)
		return false;
	if (t->stop.signal == GDB_SIGINT && (TAILQ_EMPTY(&t->attached) || anyone_waiting(t))) {
		resume_internal(t);
		return true;
	}
	return false;
}

/* The guest's own int3 or #DB: it goes back into the guest and the VM
 * runs on as it was, with nobody told. Returns true if it was one. */
static bool give_back_to_guest(struct target *t, const struct rsp_stop *stop)
{
	char packet[160], last[128];

	/* Over a non-stop upstream that was done per thread (target_nonstop.c). */
	if (t->ns_up || policy_stop_action(stop) != STOP_BACK_TO_GUEST)
		return false;
	snprintf(last, sizeof(last), "%s", t->last_resume);
	if (policy_give_back_packet(stop, last, packet, sizeof(packet)) != 0)
		return false;
	log_debug("target %s: vector %u on thread %" PRIx64 " is the guest's: %s",
		  target_name(t), stop->guest_vector, (uint64_t)stop->thread.tid, packet);
	t->state = TARGET_RUNNING;
	if (upstream_request_str(t->up, packet, true, on_resume_reply, t) != 0)
		return false;
	snprintf(t->last_resume, sizeof(t->last_resume), "%s", last);
	return true;
}

/* The VM stopped: record it, do pending removals, tell the waiting clients. */
void target_handle_stop(struct target *t, const struct rsp_stop *stop)
{
	struct attachment *a, *next;

	if (give_back_to_guest(t, stop))
		return;

	t->stop = *stop;
	t->resumer = NULL;
	if (stop->kind != RSP_STOP_SIGNAL) {
		/* A spawned VM's real exit status comes with its process. */
		if (t->child <= 0)
			target_finish_exit(t);
		return;
	}
	t->state = TARGET_STOPPED;
	/* An all-stop stub selects the stopped thread; a non-stop one keeps
	 * its selection. */
	if (!t->ns_up) {
		t->up_hg_known = stop->has_thread;
		t->up_hg = stop->thread.tid;
	}
	flush_orphans(t);
	if (hide_maintenance_stop(t))
		return;
	t->client_interrupted = false;
	TAILQ_FOREACH_SAFE(a, &t->attached, by_target, next)
		if (a->waiting_stop)
			target_deliver_stop(t, a->c);
	nonstop_on_stop(t, format_stop);
}

/* The reply to a resume: the next stop. */
static void on_resume_reply(void *arg, const uint8_t *reply, size_t len)
{
	struct target *t = arg;
	struct rsp_stop stop;

	if (reply == NULL)
		return; /* the link is gone; on_upstream_closed reports the end */
	if (rsp_stop_parse((const char *)reply, len, &stop) != 0) {
		log_warn("target %s: unreadable stop reply %.*s, reporting SIGTRAP",
			 target_name(t), (int)len, (const char *)reply);
		memset(&stop, 0, sizeof(stop));
		stop.signal = 5;
	}
	target_handle_stop(t, &stop);
}

struct backend_run {
	struct target *t;
	void (*start)(void *arg);
	void (*done)(void *arg, bool stopped);
	void *arg;
	bool cancelled;
};

/* Nothing else is outstanding upstream: let the backend move the VM. */
static void on_backend_run_start(void *arg)
{
	struct backend_run *r = arg;

	r->start(r->arg);
}

/* The stub reported the stop on its own (or the wait ended without one). */
static void on_backend_run_stop(void *arg, const uint8_t *reply, size_t len)
{
	struct backend_run *r = arg;
	struct target *t = r->t;
	struct rsp_stop stop;

	t->backend_run = NULL;
	if (reply == NULL) {
		if (r->cancelled) {
			t->state = TARGET_STOPPED;
			t->resumer = NULL;
		}
		r->done(r->arg, false);
		free(r);
		return;
	}
	if (rsp_stop_parse((const char *)reply, len, &stop) != 0) {
		log_warn("target %s: unreadable stop %.*s, reporting SIGTRAP", target_name(t),
			 (int)len, (const char *)reply);
		memset(&stop, 0, sizeof(stop));
		stop.signal = 5;
	}
	/* QEMU reports a seek's end as a pause (SIGINT); to clients it is
	 * the end of a step they did not ask for. */
	if (stop.kind == RSP_STOP_SIGNAL && stop.signal == GDB_SIGINT)
		stop.signal = 5;
	target_handle_stop(t, &stop);
	r->done(r->arg, true);
	free(r);
}

int target_backend_run(struct target *t, struct client *c, void (*start)(void *arg),
		       void (*done)(void *arg, bool stopped), void *arg)
{
	struct backend_run *r;

	if (t->state != TARGET_STOPPED || t->backend_run != NULL ||
	    (r = calloc(1, sizeof(*r))) == NULL)
		return -1;
	*r = (struct backend_run){ .t = t, .start = start, .done = done, .arg = arg };
	t->state = TARGET_RUNNING;
	t->resumer = c;
	t->client_interrupted = false;
	t->backend_run = r;
	snprintf(t->last_resume, sizeof(t->last_resume), "%s",
		 strstr(target_vcont(t), ";c") != NULL ? "vCont;c" : "c");
	if (upstream_await_stop(t->up, on_backend_run_start, on_backend_run_stop, r) != 0) {
		t->state = TARGET_STOPPED;
		t->resumer = NULL;
		t->backend_run = NULL;
		free(r);
		return -1;
	}
	return 0;
}

void target_backend_run_cancel(struct target *t)
{
	if (t->backend_run == NULL)
		return;
	t->backend_run->cancelled = true;
	upstream_cancel_await(t->up);
}

/* How many attached clients may control the VM. */
static unsigned count_controllers(const struct target *t)
{
	const struct attachment *a;
	unsigned n = 0;

	TAILQ_FOREACH(a, &t->attached, by_target)
		n += a->role == ACCESS_CONTROL;
	return n;
}

/* A client left a non-stop upstream's VM with threads running: the stub
 * removes breakpoints while they run, and threads a non-stop client had
 * stopped run again as policy says a stopped VM would. */
static void leave_running_ns(struct target *t, enum access_role role)
{
	uint64_t all = t->n_threads >= 64 ? ~0ull : (1ull << t->n_threads) - 1;

	flush_orphans(t);
	if (t->ns_running != all && !t->ns_collecting &&
	    access_resume_on_departure(role, true, count_controllers(t),
				       t->cfg->stay_on_last_detach))
		resume_internal(t);
}

/* Detach a client: drop its breakpoints; policy says whether the VM runs on. */
void target_detach(struct target *t, struct client *c)
{
	struct attachment *a = client_attachment(c, t);
	enum access_role role;
	size_t n;

	if (a == NULL)
		return;
	role = a->role;
	TAILQ_REMOVE(&t->attached, a, by_target);
	TAILQ_REMOVE(&c->attachments, a, by_client);
	if (c->cur == a)
		client_set_current(c, TAILQ_FIRST(&c->attachments));
	nonstop_forget(a);
	free(a);
	if (t->resumer == c)
		t->resumer = NULL;
	n = bp_table_remove_owner(&t->bps, c->id, add_orphan, t);
	log_info("client %u (%s) detached from %s; %zu breakpoint(s) removed", c->id, c->peer,
		 target_name(t), n);
	target_fork_departed(t, c);
	if (t->state == TARGET_STOPPED) {
		flush_orphans(t);
		if (access_resume_on_departure(role, true, count_controllers(t),
					       t->cfg->stay_on_last_detach))
			resume_internal(t);
	} else if (t->state == TARGET_RUNNING && t->ns_up) {
		leave_running_ns(t, role);
	} else if (t->state == TARGET_RUNNING && t->n_orphans > 0 && !t->maintenance_stop) {
		t->maintenance_stop = true;
		interrupt_vm(t);
	}
}

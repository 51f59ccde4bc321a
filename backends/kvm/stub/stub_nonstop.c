/* Non-stop mode (QNonStop:1): each vCPU runs and stops on its own.
 *
 * gdb's view of a vCPU is kept in ns->running: let go by a vCont, and no
 * stop reported since. A vCont answers OK at once and touches only the
 * vCPUs it names; `t` kicks just that vCPU out of KVM_RUN. A stop is a
 * reply in the stop queue (stopq.h): the first of a burst goes out as a
 * `%Stop:` notification, gdb fetches the rest with vStopped. `?` queues
 * every stopped vCPU again, vCtrlC stops every running one with SIGINT.
 *
 * Reading a vCPU's registers, its page tables, or setting its debug state
 * needs it out of KVM_RUN (KVM holds the vCPU while it runs), and a step
 * over our breakpoint runs one vCPU alone. A packet that needs that pauses
 * the running vCPUs around it and lets them go again after, as they were
 * (gdbserver does the same for memory and breakpoints); a vCPU that met
 * an event meanwhile stops for real and is reported. So every vm_resume
 * happens with all vCPUs parked, as in all-stop, and no event is lost to
 * the event fd it drains. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/kvm/stub/stub_internal.h"

struct nonstop {
	bool *running;             /* per vCPU, as gdb sees it */
	char (*last)[STOPQ_TEXT];  /* per vCPU: its last stop reply, for `?` */
	bool *later;               /* per vCPU: `?` left it for a notification */
	struct stopq q;
};

static bool any_running(const struct stub *st)
{
	for (unsigned i = 0; i < st->vm->n_vcpus; i++)
		if (st->ns->running[i])
			return true;
	return false;
}

/* gdb's view changed: st->running says whether the event fd matters. */
static void set_running(struct stub *st, unsigned cpu, bool running)
{
	st->ns->running[cpu] = running;
	st->running = any_running(st);
}

static void ns_stopped(struct stub *st, int cpu, const char *reply)
{
	struct nonstop *ns = st->ns;
	char note[STOPQ_TEXT + 8];

	if (cpu >= 0) {
		set_running(st, (unsigned)cpu, false);
		snprintf(ns->last[cpu], sizeof(ns->last[cpu]), "%s", reply);
	} else { /* the VM ended: nothing runs on */
		vm_stop_all(st->vm);
		memset(ns->running, 0, st->vm->n_vcpus * sizeof(*ns->running));
		st->running = false;
	}
	if (stopq_push(&ns->q, cpu, reply) == 1) {
		snprintf(note, sizeof(note), "Stop:%s", reply);
		stub_send_notification(st, note);
	}
}

/* Report each vCPU gdb thinks runs that has parked with an event. */
static void sweep(struct stub *st)
{
	for (unsigned i = 0; i < st->vm->n_vcpus; i++) {
		struct vcpu *v = &st->vm->vcpus[i];

		if (!st->ns->running[i] || !vm_vcpu_parked(st->vm, i) || v->ev.kind == VEV_NONE)
			continue;
		set_running(st, i, false);
		stub_report_event(st, v);
	}
}

static void ns_vcpu_event(struct stub *st)
{
	uint64_t count;

	/* Drain it here: the other vCPUs keep running, and poll would
	 * otherwise wake at once again. A vCPU parking after this read
	 * counts again, and sweep finds any that parked before. */
	if (read(st->vm->event_fd, &count, sizeof(count)) < 0)
		count = 0;
	sweep(st);
}

/* Every vCPU out of KVM_RUN for a packet; true if some had to stop. */
static bool pause_all(struct stub *st)
{
	if (!st->running)
		return false;
	vm_stop_all(st->vm);
	sweep(st);
	return true;
}

/* Let go again the vCPUs gdb thinks run (all of them are parked). */
static void unpause(struct stub *st)
{
	bool any = false;

	for (unsigned i = 0; i < st->vm->n_vcpus; i++) {
		st->vm->vcpus[i].resume = st->ns->running[i];
		any |= st->ns->running[i];
	}
	st->running = any;
	if (any && !st->exited)
		vm_resume(st->vm);
}

/* vCPU cpu stopped by vCont;t or Ctrl-C: its own event if it met one on
 * the way, else signal sig (0 for `t`, as the protocol asks). */
static void take_stop(struct stub *st, unsigned cpu, int sig)
{
	struct vcpu *v = &st->vm->vcpus[cpu];

	set_running(st, cpu, false);
	if (v->ev.kind == VEV_NONE)
		stub_report_stop(st, cpu, sig, "");
	else
		stub_report_event(st, v);
}

static void ns_interrupt(struct stub *st)
{
	if (!st->running)
		return; /* nothing runs: discarded, as the protocol says */
	vm_stop_all(st->vm);
	for (unsigned i = 0; i < st->vm->n_vcpus; i++)
		if (st->ns->running[i])
			take_stop(st, i, GDB_SIGINT);
}

/* Whether vCont resumes a vCPU gdb sees stopped (then every vCPU must be
 * parked first: a step over our breakpoint runs one alone). */
static bool resumes_any(struct stub *st, const struct action *act, const bool *named)
{
	for (unsigned i = 0; i < st->vm->n_vcpus; i++)
		if (named[i] && act[i].kind != ACT_NONE && !st->ns->running[i] &&
		    !stopq_has(&st->ns->q, (int)i))
			return true;
	return false;
}

/* Apply the actions to the vCPUs they name: `t` stops a running one, the
 * others resume a stopped one; a running vCPU keeps running, a stopped
 * one stays stopped, and one whose stop gdb has not fetched yet (it still
 * runs in gdb's view) is left alone. When anything resumes, every vCPU
 * is parked already (pause_all). */
static void apply(struct stub *st, const struct action *act, const bool *named)
{
	for (unsigned i = 0; i < st->vm->n_vcpus; i++) {
		if (!named[i] || stopq_has(&st->ns->q, (int)i))
			continue;
		if (act[i].kind == ACT_NONE && st->ns->running[i]) {
			if (!vm_vcpu_parked(st->vm, i))
				vm_stop_vcpu(st->vm, i);
			take_stop(st, i, 0);
		} else if (act[i].kind != ACT_NONE && !st->ns->running[i]) {
			if (stub_ready_vcpu(st, i, &act[i]))
				set_running(st, i, true);
			else
				stub_report_event(st, &st->vm->vcpus[i]);
		}
	}
}

static void ns_vcont(struct stub *st, const char *p, const char *end)
{
	unsigned n = st->vm->n_vcpus;
	struct action *act = calloc(n, sizeof(*act));
	bool *named = calloc(n, sizeof(*named));

	if (stub_parse_vcont(st, p, end, act, named)) {
		stub_send_error(st, 1);
	} else if (st->dead && resumes_any(st, act, named)) {
		stub_send_str(st, "OK"); /* nothing runs after a triple fault */
		st->exited = true;
		st->exit_status = 1;
		ns_stopped(st, -1, "X0b");
	} else if (resumes_any(st, act, named)) {
		pause_all(st);
		stub_send_str(st, "OK");
		apply(st, act, named);
		unpause(st);
	} else {
		stub_send_str(st, "OK");
		apply(st, act, named); /* at most `t`: the others run on */
	}
	free(act);
	free(named);
}

/* vCPU cpu's last stop, or signal 0 if none was reported yet. */
static void stop_text(struct stub *st, unsigned cpu, char *out, size_t cap)
{
	char tid[40];

	if (st->ns->last[cpu][0]) {
		snprintf(out, cap, "%s", st->ns->last[cpu]);
		return;
	}
	stub_format_thread(st, tid, sizeof(tid), cpu);
	snprintf(out, cap, "T00thread:%s;", tid);
}

/* `?`: the stopped vCPUs again, OK when all run. The protocol would have
 * every one in the reply and vStopped; gdb 13 (remote.c, wait) fails an
 * assertion when more than one thread is stopped while it connects, so
 * the reply names the first and the others follow, in order, as a new
 * notification once gdb has drained this one. */
static void ns_status(struct stub *st)
{
	struct nonstop *ns = st->ns;
	const struct stopq_entry *head;
	bool first = true;

	stopq_clear(&ns->q);
	for (unsigned i = 0; i < st->vm->n_vcpus; i++) {
		char text[STOPQ_TEXT];

		ns->later[i] = !ns->running[i] && !first;
		if (ns->running[i] || !first)
			continue;
		stop_text(st, i, text, sizeof(text));
		stopq_push(&ns->q, (int)i, text);
		first = false;
	}
	if (st->exited) {
		char w[8];

		snprintf(w, sizeof(w), "W%02x", st->exit_status & 0xff);
		stopq_push(&ns->q, STOPQ_PROCESS, w);
	}
	head = stopq_head(&ns->q);
	stub_send_str(st, head ? head->text : "OK");
}

static void ns_vstopped(struct stub *st)
{
	const struct stopq_entry *next = stopq_ack(&st->ns->q);

	stub_send_str(st, next ? next->text : "OK");
	if (next)
		return;
	for (unsigned i = 0; i < st->vm->n_vcpus; i++) {
		char text[STOPQ_TEXT];

		if (!st->ns->later[i])
			continue;
		st->ns->later[i] = false;
		if (st->ns->running[i])
			continue; /* resumed meanwhile: nothing to tell */
		stop_text(st, i, text, sizeof(text));
		ns_stopped(st, (int)i, text);
	}
}

static bool is(const char *p, size_t len, const char *what)
{
	return len == strlen(what) && !memcmp(p, what, len);
}

static bool starts(const char *p, size_t len, const char *prefix)
{
	return len >= strlen(prefix) && !memcmp(p, prefix, strlen(prefix));
}

/* Whether the packet needs vCPU state KVM holds while the vCPU runs:
 * registers and page tables of the selected vCPU, or the debug state of
 * all (breakpoints, detach). */
static bool needs_parked(struct stub *st, const char *p, size_t len)
{
	bool selected_runs = st->ns->running[st->g_thread];

	switch (p[0]) {
	case 'g': case 'G': case 'p': case 'P': case 'm': case 'M': case 'X':
		return selected_runs;
	case 'Z': case 'z':
		return true;
	case 'q':
		return selected_runs && starts(p, len, "qXfer:features:");
	default:
		return false;
	}
}

static void ns_packet(struct stub *st, const char *p, size_t len)
{
	if (is(p, len, "vStopped"))
		ns_vstopped(st);
	else if (is(p, len, "?"))
		ns_status(st);
	else if (is(p, len, "vCtrlC")) {
		stub_send_str(st, "OK");
		ns_interrupt(st);
	} else if (starts(p, len, "vCont;"))
		ns_vcont(st, p + 5, p + len);
	else if (len > 0 && strchr("cCsS", p[0]))
		stub_send_error(st, 1); /* non-stop resumes by vCont only */
	else if (len > 0 && (p[0] == 'D' || p[0] == 'k' || starts(p, len, "vKill"))) {
		stub_set_non_stop(st, false); /* then as in all-stop */
		stub_dispatch(st, p, len);
	} else if (len > 0 && needs_parked(st, p, len) && pause_all(st)) {
		stub_dispatch(st, p, len);
		if (st->mode == &stub_non_stop)
			unpause(st);
	} else
		stub_dispatch(st, p, len);
}

static bool ns_done(const struct stub *st)
{
	return st->exited && !stopq_head(&st->ns->q);
}

const struct stub_mode stub_non_stop = {
	.name = "non-stop",
	.packet = ns_packet,
	.interrupt = ns_interrupt,
	.vcpu_event = ns_vcpu_event,
	.stopped = ns_stopped,
	.done = ns_done,
};

static int nonstop_create(struct stub *st)
{
	struct nonstop *ns = calloc(1, sizeof(*ns));
	unsigned n = st->vm->n_vcpus;

	if (!ns)
		return -1;
	ns->running = calloc(n, sizeof(*ns->running));
	ns->last = calloc(n, sizeof(*ns->last));
	ns->later = calloc(n, sizeof(*ns->later));
	st->ns = ns;
	if (!ns->running || !ns->last || !ns->later || stopq_init(&ns->q, n)) {
		stub_nonstop_free(st);
		return -1;
	}
	return 0;
}

void stub_nonstop_free(struct stub *st)
{
	if (!st->ns)
		return;
	stopq_free(&st->ns->q);
	free(st->ns->running);
	free(st->ns->last);
	free(st->ns->later);
	free(st->ns);
	st->ns = NULL;
}

/* Entering: every vCPU is parked (all-stop refuses QNonStop while they
 * run) and nothing has been reported in this mode yet. Leaving: stop
 * whatever runs (an event met meanwhile still counts: an exit ends the
 * guest), forget what gdb was not told; all-stop owes no stop reply. */
int stub_set_non_stop(struct stub *st, bool on)
{
	if (on == (st->mode == &stub_non_stop))
		return 0;
	if (on) {
		if (!st->ns && nonstop_create(st))
			return -1;
		memset(st->ns->running, 0, st->vm->n_vcpus * sizeof(*st->ns->running));
		memset(st->ns->last, 0, st->vm->n_vcpus * sizeof(*st->ns->last));
		memset(st->ns->later, 0, st->vm->n_vcpus * sizeof(*st->ns->later));
		stopq_clear(&st->ns->q);
		st->mode = &stub_non_stop;
		return 0;
	}
	pause_all(st);
	memset(st->ns->running, 0, st->vm->n_vcpus * sizeof(*st->ns->running));
	memset(st->ns->later, 0, st->vm->n_vcpus * sizeof(*st->ns->later));
	stopq_clear(&st->ns->q);
	st->running = false;
	st->mode = &stub_all_stop;
	return 0;
}

/* Stopping: the stop reply that says which vCPU stopped and why, and the
 * all-stop way of getting there: all vCPUs out of KVM_RUN, then one stop
 * reply (non-stop: stub_nonstop.c; see stub_internal.h). Every debug exception is
 * reported; one the stub did not cause (the guest's own int3, its own
 * debug registers or TF) says `guest-exception:VECTOR;` and is remembered,
 * so that resuming that vCPU with SIGTRAP gives it back to the guest
 * (DESIGN.md: the daemon decides, the backend carries out). gdb ignores
 * the field; the daemon never shows such a stop to its clients. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/kvm/stub/stub_internal.h"
#include "proxy/rsp/rsp_hex.h"

static const char *const watch_names[] = {
	[MW_WRITE] = "watch", [MW_READ] = "rwatch", [MW_ACCESS] = "awatch",
};

static void send_stop(struct stub *st, unsigned cpu, int sig, const char *reason)
{
	char tid[40], text[sizeof(st->last_stop)];

	stub_format_thread(st, tid, sizeof(tid), cpu);
	snprintf(text, sizeof(text), "T%02xthread:%s;%s", sig, tid, reason);
	st->mode->stopped(st, (int)cpu, text);
}

void stub_report_stop(struct stub *st, unsigned cpu, int sig, const char *reason)
{
	send_stop(st, cpu, sig, reason);
}

/* All-stop: the stop reply answers the resume; `?` repeats it. */
static void allstop_stopped(struct stub *st, int cpu, const char *reply)
{
	snprintf(st->last_stop, sizeof(st->last_stop), "%s", reply);
	if (cpu >= 0)
		st->g_thread = (unsigned)cpu;
	st->running = false;
	if (st->fd >= 0)
		stub_send_str(st, st->last_stop);
}

static void watch_reason(const struct hw_slot *s, char *out, size_t cap)
{
	static const char *const names[] = {
		[HW_WRITE] = "watch", [HW_READ] = "rwatch", [HW_ACCESS] = "awatch",
	};

	if (s->kind == HW_EXEC)
		snprintf(out, cap, "hwbreak:;");
	else
		snprintf(out, cap, "%s:%llx;", names[s->kind], (unsigned long long)s->addr);
}

/* A #DB: ours if we stepped this vCPU or one of our slots fired; else the
 * guest's (its TF, or its own breakpoint in a slot we left it), given
 * back with DR6 as it would have been without us. */
static void debug_stop(struct stub *st, struct vcpu *v)
{
	int slot = hw_slot_hit(st->hw, v->ev.dr6);
	char reason[48];

	if (slot >= 0) {
		watch_reason(&st->hw[slot], reason, sizeof(reason));
		if (st->sw_in_hw & (1u << slot))
			snprintf(reason, sizeof(reason), "swbreak:;");
		send_stop(st, v->index, GDB_SIGTRAP, reason);
	} else if (v->stepping && (v->ev.dr6 & DR6_BS)) {
		send_stop(st, v->index, GDB_SIGTRAP, "");
	} else {
		uint64_t dr6 = hw_guest_dr6(st->hw, v->ev.dr6);

		st->pending[v->index] = (struct pending_exception){ true, 1, dr6 };
		send_stop(st, v->index, GDB_SIGTRAP, "guest-exception:1;");
	}
}

static void int3_stop(struct stub *st, struct vcpu *v)
{
	if (swbreak_find(&st->sw, v->ev.pc)) {
		send_stop(st, v->index, GDB_SIGTRAP, "swbreak:;");
		return;
	}
	st->pending[v->index] = (struct pending_exception){ true, 3, 0 };
	send_stop(st, v->index, GDB_SIGTRAP, "guest-exception:3;");
}

static void guest_exit(struct stub *st, int status)
{
	char w[8];

	snprintf(w, sizeof(w), "W%02x", status & 0xff);
	st->exited = true;
	st->exit_status = status;
	st->mode->stopped(st, -1, w);
}

/* Console output for gdb while it waits for a stop (all-stop only: gdb
 * takes `O` packets only as the answer to a resume; see console_field). */
static void console_message(struct stub *st, const char *text)
{
	size_t n = strlen(text);
	char *pkt = malloc(2 * n + 2);

	if (!pkt || st->fd < 0 || st->mode != &stub_all_stop) {
		free(pkt);
		return;
	}
	pkt[0] = 'O';
	stub_send(st, pkt, 1 + rsp_hex_encode(pkt + 1, (const uint8_t *)text, n));
	free(pkt);
}

/* Non-stop has no console output (gdb takes no `O` packet then), so the
 * text rides in the stop it explains, as `gdbhub-console:HEX;`: the
 * daemon shows it to its clients, gdb skips the field. Empty in all-stop,
 * and when it does not fit. */
static const char *console_field(const struct stub *st, const char *text, char *out, size_t cap)
{
	size_t n = strlen(text);
	int head;

	out[0] = '\0';
	if (st->mode == &stub_all_stop || 2 * n + 32 > cap)
		return out;
	head = snprintf(out, cap, "gdbhub-console:");
	rsp_hex_encode(out + head, (const uint8_t *)text, n);
	strcpy(out + head + 2 * n, ";");
	return out;
}

/* The guest ran code on a page we unmapped for a read or access watch:
 * KVM cannot fetch from it. Such watches cannot work there, so they go,
 * the page is mapped again, and gdb is told why it stopped. */
static void unmapped_code_stop(struct stub *st, struct vcpu *v)
{
	char text[400], field[STOPQ_TEXT - 64], *cause = NULL;
	uint64_t pa = v->ev.pc;  /* where paging is off */
	size_t dropped;

	stub_translate(st, v->index, v->ev.pc, &pa);
	dropped = memwatch_drop_unmapped(&st->watches, pa);
	if (vm_map_memory(st->vm, &st->watches, &cause)) {
		fprintf(stderr, "gdbhub-kvm: %s\n", cause ? cause : "out of memory");
		free(cause);
	}
	snprintf(text, sizeof(text),
		 "gdbhub-kvm: the guest runs code at 0x%llx, on the page of %s 0x%llx; a read or "
		 "access watchpoint without a debug register unmaps its page, which then cannot "
		 "hold code: its %zu read/access watch(es) there no longer fire. Delete them, or "
		 "watch data on a page of its own.\n",
		 (unsigned long long)v->ev.pc, watch_names[v->ev.watch_kind],
		 (unsigned long long)v->ev.watch_va, dropped);
	fprintf(stderr, "%s", text);
	console_message(st, text);
	send_stop(st, v->index, GDB_SIGTRAP, console_field(st, text, field, sizeof(field)));
}

void stub_report_event(struct stub *st, struct vcpu *v)
{
	switch (v->ev.kind) {
	case VEV_GUEST_EXIT:
		guest_exit(st, v->ev.exit_status);
		break;
	case VEV_DEBUG:
		if (v->ev.exception == 3)
			int3_stop(st, v);
		else
			debug_stop(st, v);
		break;
	case VEV_INT3_EMUL:
		int3_stop(st, v);
		break;
	case VEV_WATCH: {
		char reason[40];

		snprintf(reason, sizeof(reason), "%s:%llx;", watch_names[v->ev.watch_kind],
			 (unsigned long long)v->ev.watch_va);
		send_stop(st, v->index, GDB_SIGTRAP, reason);
		break;
	}
	case VEV_WATCH_EXEC:
		unmapped_code_stop(st, v);
		break;
	case VEV_STEP_DONE:
		send_stop(st, v->index, GDB_SIGTRAP, "");
		break;
	case VEV_SHUTDOWN:
	case VEV_FATAL:
		fprintf(stderr, "gdbhub-kvm: %s\n", v->ev.why);
		st->dead = true;
		send_stop(st, v->index, GDB_SIGSEGV, "");
		break;
	case VEV_NONE:
		send_stop(st, v->index, GDB_SIGINT, "");
		break;
	}
}

/* With no debugger attached the guest runs on: an exception that is not
 * ours goes straight back, and the guest's exit ends the VMM. */
static void report_to_nobody(struct stub *st, struct vcpu *v)
{
	stub_report_event(st, v);
	if (!st->exited && !st->dead)
		stub_continue_all(st, -1, GDB_SIGTRAP);
}

static void allstop_vcpu_event(struct stub *st)
{
	struct vcpu *v;

	vm_stop_all(st->vm);
	v = vm_event_vcpu(st->vm);
	if (!v)
		return; /* the event was consumed by a step-over */
	if (st->fd < 0)
		report_to_nobody(st, v);
	else
		stub_report_event(st, v);
}

static void allstop_interrupt(struct stub *st)
{
	struct vcpu *v;

	if (!st->running)
		return;
	vm_stop_all(st->vm);
	v = vm_event_vcpu(st->vm);
	if (v)
		stub_report_event(st, v);
	else
		send_stop(st, st->g_thread, GDB_SIGINT, "");
}

static bool allstop_done(const struct stub *st)
{
	return st->exited;
}

const struct stub_mode stub_all_stop = {
	.name = "all-stop",
	.packet = stub_allstop_packet,
	.interrupt = allstop_interrupt,
	.vcpu_event = allstop_vcpu_event,
	.stopped = allstop_stopped,
	.done = allstop_done,
};

void stub_on_vcpu_event(struct stub *st)
{
	st->mode->vcpu_event(st);
}

void stub_interrupt(struct stub *st)
{
	st->mode->interrupt(st);
}

void stub_report_current(struct stub *st)
{
	if (!st->last_stop[0])
		send_stop(st, st->g_thread, GDB_SIGTRAP, "");
	else
		stub_send_str(st, st->last_stop);
}

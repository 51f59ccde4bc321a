/* Run control: resuming vCPUs (c, s, vCont with per-thread actions and
 * range steps), stepping over our own breakpoints, stopping all vCPUs and
 * the stop reply that says why (see stub_internal.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "backends/kvm/exc/deliver.h"
#include "backends/kvm/stub/stub_internal.h"
#include "proxy/rsp/rsp_hex.h"

int stub_get_state(struct stub *st, unsigned cpu, struct vcpu_state *vs)
{
	int fd = st->vm->vcpus[cpu].fd;

	if (ioctl(fd, KVM_GET_REGS, &vs->regs) || ioctl(fd, KVM_GET_SREGS, &vs->sregs) ||
	    ioctl(fd, KVM_GET_FPU, &vs->fpu))
		return -1;
	return 0;
}

/* A vCPU halted in HLT stays halted in KVM whatever its rip says, until
 * an interrupt: one the debugger sends elsewhere (`set $pc`, gdb's `call`)
 * runs from there instead, as it would on a CPU that was not halted. */
static void wake_if_moved(int fd, uint64_t old_rip, uint64_t new_rip)
{
	struct kvm_mp_state mp;

	if (old_rip == new_rip || ioctl(fd, KVM_GET_MP_STATE, &mp) ||
	    mp.mp_state != KVM_MP_STATE_HALTED)
		return;
	mp.mp_state = KVM_MP_STATE_RUNNABLE;
	ioctl(fd, KVM_SET_MP_STATE, &mp);
}

int stub_set_state(struct stub *st, unsigned cpu, const struct vcpu_state *vs)
{
	int fd = st->vm->vcpus[cpu].fd;
	struct kvm_regs now;

	if (ioctl(fd, KVM_GET_REGS, &now) || ioctl(fd, KVM_SET_SREGS, &vs->sregs) ||
	    ioctl(fd, KVM_SET_REGS, &vs->regs) || ioctl(fd, KVM_SET_FPU, &vs->fpu))
		return -1;
	wake_if_moved(fd, now.rip, vs->regs.rip);
	return 0;
}

static uint64_t pc_of(struct stub *st, unsigned cpu)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	int fd = st->vm->vcpus[cpu].fd;

	if (ioctl(fd, KVM_GET_REGS, &r) || ioctl(fd, KVM_GET_SREGS, &s))
		return UINT64_MAX;
	return r.rip + s.cs.base;
}

/* KVM_SET_GUEST_DEBUG for one vCPU: our int3s and debug registers always,
 * a single step when asked (interrupts held off unless the user wants
 * them), and exec slot `lift` left out (stepping over it). */
static int set_guest_debug(struct stub *st, unsigned cpu, bool step, int lift)
{
	struct kvm_guest_debug dbg = { .control = KVM_GUESTDBG_ENABLE };
	struct hw_slot slots[HW_SLOTS];

	memcpy(slots, st->hw, sizeof(slots));
	if (lift >= 0)
		slots[lift].used = false;
	if (st->vm->host.int3 == INT3_EXITS_DEBUG)
		dbg.control |= KVM_GUESTDBG_USE_SW_BP;
	if (hw_used(slots)) { /* ours loaded: load the guest's beside them */
		struct hw_guest_dr guest;

		stub_guest_dr(st, cpu, &guest);
		dbg.control |= KVM_GUESTDBG_USE_HW_BP;
		hw_debugregs(slots, &guest, (uint64_t *)dbg.arch.debugreg);
	}
	if (step) {
		dbg.control |= KVM_GUESTDBG_SINGLESTEP;
		if (st->vm->host.step_blocks_irqs && !st->step_irqs)
			dbg.control |= KVM_GUESTDBG_BLOCKIRQ;
	}
	st->vm->vcpus[cpu].stepping = step;
	return ioctl(st->vm->vcpus[cpu].fd, KVM_SET_GUEST_DEBUG, &dbg);
}

int stub_apply_debug(struct stub *st)
{
	for (unsigned i = 0; i < st->vm->n_vcpus; i++)
		if (set_guest_debug(st, i, false, -1))
			return -1;
	return 0;
}

/* Hand a guest-owned exception back to the guest, by the host's way. */
static int reinject(struct stub *st, unsigned cpu, const struct pending_exception *pe)
{
	int fd = st->vm->vcpus[cpu].fd;
	struct kvm_regs r;
	struct kvm_sregs s;
	const char *why = "";

	if (pe->vector == 1) {
		struct kvm_debugregs d;

		if (ioctl(fd, KVM_GET_DEBUGREGS, &d) == 0) {
			d.dr6 = pe->dr6;
			ioctl(fd, KVM_SET_DEBUGREGS, &d);
		}
	}
	if (ioctl(fd, KVM_GET_REGS, &r) || ioctl(fd, KVM_GET_SREGS, &s))
		return -1;
	if (pe->vector == 3)
		r.rip++; /* #BP is a trap: the guest returns after its int3 */
	if (st->vm->host.inject_with_events) {
		struct kvm_vcpu_events ev;

		if (ioctl(fd, KVM_SET_REGS, &r) || ioctl(fd, KVM_GET_VCPU_EVENTS, &ev))
			return -1;
		ev.exception.injected = 1;
		ev.exception.nr = (uint8_t)pe->vector;
		ev.exception.has_error_code = 0;
		ev.flags = 0;
		return ioctl(fd, KVM_SET_VCPU_EVENTS, &ev);
	}
	if (x86_deliver_exception(&st->vm->mem, &r, &s, pe->vector, 0, &why)) {
		fprintf(stderr, "gdbhub-kvm: cannot give vector %u back to the guest: %s\n",
			pe->vector, why);
		return -1;
	}
	return ioctl(fd, KVM_SET_SREGS, &s) || ioctl(fd, KVM_SET_REGS, &r);
}

/* Run only vCPU cpu until it parks; its event is left in vcpus[cpu].ev. */
static void run_alone(struct stub *st, unsigned cpu)
{
	struct vm *vm = st->vm;
	struct pollfd p = { .fd = vm->event_fd, .events = POLLIN };

	for (unsigned i = 0; i < vm->n_vcpus; i++)
		vm->vcpus[i].resume = i == cpu;
	vm_resume(vm);
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	vm_stop_all(vm);
}

/* The exec slot holding pc, or -1. */
static int hw_exec_at(const struct stub *st, uint64_t pc)
{
	for (int i = 0; i < HW_SLOTS; i++)
		if (st->hw[i].used && st->hw[i].kind == HW_EXEC && st->hw[i].addr == pc)
			return i;
	return -1;
}

/* A vCPU resumed at one of our breakpoints first executes the instruction
 * under it, alone and with that breakpoint lifted; neither RF (which PVM
 * ignores) nor gdb's own step-over is relied on, because the daemon keeps
 * breakpoints of other clients inserted. Returns true if the step raised
 * something that must be reported instead of resuming. */
static bool step_over(struct stub *st, unsigned cpu)
{
	struct vcpu *v = &st->vm->vcpus[cpu];
	const struct swbreak *b;
	uint64_t pc;
	uint8_t *byte;
	int slot;

	/* Every resume passes here: with nothing inserted, ask KVM nothing. */
	if (st->sw.n == 0 && hw_used(st->hw) == 0)
		return false;
	pc = pc_of(st, cpu);
	b = swbreak_find(&st->sw, pc);
	slot = hw_exec_at(st, pc);
	byte = b ? guest_mem_ptr(&st->vm->mem, b->pa, 1) : NULL;
	if (!byte && slot < 0)
		return false;
	if (byte)
		*byte = b->orig;
	set_guest_debug(st, cpu, true, slot);
	run_alone(st, cpu);
	if (byte)
		*byte = swbreak_insn(&st->sw);
	set_guest_debug(st, cpu, false, -1);
	if (v->ev.kind == VEV_DEBUG && v->ev.exception == 1 && hw_dr6_single_step(v->ev.dr6)) {
		memset(&v->ev, 0, sizeof(v->ev));
		return false;
	}
	return v->ev.kind != VEV_NONE;
}

static void resume(struct stub *st, const struct action *act)
{
	struct vm *vm = st->vm;

	if (st->dead) { /* nothing can run after a triple fault */
		st->exited = true;
		st->exit_status = 1;
		if (st->fd >= 0)
			stub_send_str(st, "X0b");
		return;
	}

	for (unsigned i = 0; i < vm->n_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		v->resume = act[i].kind != ACT_NONE;
		if (!v->resume)
			continue;
		if (act[i].signal == GDB_SIGTRAP && st->pending[i].valid)
			reinject(st, i, &st->pending[i]);
		st->pending[i].valid = false;
	}
	for (unsigned i = 0; i < vm->n_vcpus; i++) {
		if (act[i].kind == ACT_NONE || !step_over(st, i))
			continue;
		stub_on_vcpu_event(st); /* report what the step-over ran into */
		return;
	}
	for (unsigned i = 0; i < vm->n_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		v->range_start = act[i].kind == ACT_RANGE ? act[i].start : 0;
		v->range_end = act[i].kind == ACT_RANGE ? act[i].end : 0;
		set_guest_debug(st, i, act[i].kind == ACT_STEP || act[i].kind == ACT_RANGE, -1);
		v->resume = act[i].kind != ACT_NONE;
	}
	st->running = true;
	vm_resume(vm);
}

bool stub_ready_vcpu(struct stub *st, unsigned cpu, const struct action *act)
{
	struct vcpu *v = &st->vm->vcpus[cpu];

	if (act->signal == GDB_SIGTRAP && st->pending[cpu].valid)
		reinject(st, cpu, &st->pending[cpu]);
	st->pending[cpu].valid = false;
	if (step_over(st, cpu))
		return false;
	v->range_start = act->kind == ACT_RANGE ? act->start : 0;
	v->range_end = act->kind == ACT_RANGE ? act->end : 0;
	set_guest_debug(st, cpu, act->kind == ACT_STEP || act->kind == ACT_RANGE, -1);
	return true;
}

void stub_continue_all(struct stub *st, int step_cpu, int signal)
{
	struct action *act = calloc(st->vm->n_vcpus, sizeof(*act));

	for (unsigned i = 0; i < st->vm->n_vcpus; i++) {
		act[i].kind = (int)i == step_cpu ? ACT_STEP : ACT_CONT;
		act[i].signal = (int)i == step_cpu || step_cpu < 0 ? signal : 0;
	}
	resume(st, act);
	free(act);
}

/* One vCont action: c, Csig, s, Ssig, t, rSTART,END, then :thread or not. */
static int parse_action(struct stub *st, const char **p, const char *end, struct action *a,
			int *cpu)
{
	uint64_t sig = 0;
	char c = *(*p)++;

	memset(a, 0, sizeof(*a));
	if ((c == 'C' || c == 'S') && rsp_parse_hex_u64(p, end, &sig))
		return -1;
	a->signal = (int)sig;
	if (c == 'c' || c == 'C')
		a->kind = ACT_CONT;
	else if (c == 's' || c == 'S')
		a->kind = ACT_STEP;
	else if (c == 't')
		a->kind = ACT_NONE;
	else if (c == 'r') {
		a->kind = ACT_RANGE;
		if (rsp_parse_hex_u64(p, end, &a->start) || *p == end || *(*p)++ != ',' ||
		    rsp_parse_hex_u64(p, end, &a->end))
			return -1;
	} else
		return -1;
	*cpu = -1;
	if (*p < end && **p == ':') {
		(*p)++;
		return stub_parse_thread(st, p, end, cpu);
	}
	return 0;
}

/* vCont;ACTION[:TID]...: the first action naming a vCPU (or the first
 * without a thread) decides what it does. */
int stub_parse_vcont(struct stub *st, const char *p, const char *end, struct action *act,
		     bool *decided)
{
	while (p < end) {
		struct action a;
		int cpu;

		if (*p++ != ';' || p == end || parse_action(st, &p, end, &a, &cpu))
			return -1;
		for (unsigned i = 0; i < st->vm->n_vcpus; i++) {
			if (decided[i] || (cpu >= 0 && (unsigned)cpu != i))
				continue;
			act[i] = a;
			decided[i] = true;
		}
	}
	return 0;
}

static void vcont(struct stub *st, const char *p, const char *end)
{
	unsigned n = st->vm->n_vcpus;
	struct action *act = calloc(n, sizeof(*act));
	bool *decided = calloc(n, sizeof(*decided));
	bool any = false;
	int bad = stub_parse_vcont(st, p, end, act, decided);

	for (unsigned i = 0; i < n; i++)
		any |= act[i].kind != ACT_NONE;
	/* Nothing to run would leave gdb waiting for a stop that never comes. */
	if (bad || !any)
		stub_send_error(st, 1);
	else
		resume(st, act);
	free(act);
	free(decided);
}

void stub_vcont(struct stub *st, const char *p, size_t len)
{
	const char *end = p + len;

	if (len == 6 && !memcmp(p, "vCont?", 6))
		stub_send_str(st, "vCont;c;C;s;S;t;r");
	else if (len > 5 && !memcmp(p, "vCont;", 6))
		vcont(st, p + 5, end);
	else if (len == 6 && !memcmp(p, "vCtrlC", 6)) {
		stub_send_str(st, "OK");
		stub_interrupt(st);
	} else if (len > 6 && !memcmp(p, "vKill;", 6)) {
		stub_send_str(st, "OK"); /* gdb's kill ends the VM, as QEMU's does */
		st->exited = true;
		st->exit_status = 0;
	} else
		stub_send_str(st, ""); /* vMustReplyEmpty and all we lack */
}

/* The vCPU threads and stop-all (see vm.h).
 *
 * A vCPU thread waits until the stub lets it go, runs KVM_RUN until
 * something a debugger must see happens, and parks. Stop-all sets
 * immediate_exit in every running vCPU's kvm_run and sends the thread a
 * signal: the signal takes a vCPU out of a KVM_RUN it is already in (also
 * one halted in HLT or one of PVM's APs still waiting for its SIPI), and
 * immediate_exit covers a thread that is just about to enter. Stopping one
 * vCPU (non-stop) is the same with a flag of that vCPU's own. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "backends/kvm/debug/hwdebug.h"
#include "backends/kvm/exc/deliver.h"
#include "backends/kvm/mmu/pagewalk.h"
#include "backends/kvm/vmm/vm.h"
#include "proxy/cause.h"

#define KICK_SIGNAL SIGUSR1

static void kick_handler(int sig)
{
	(void)sig; /* only there to make KVM_RUN return EINTR */
}

/* Asked to leave KVM_RUN: stop-all, or this vCPU alone. */
static bool stopping(struct vcpu *v)
{
	return __atomic_load_n(&v->vm->stopping, __ATOMIC_ACQUIRE) ||
	       __atomic_load_n(&v->kicked, __ATOMIC_ACQUIRE);
}

static void set_fatal(struct vcpu_event *ev, const char *fmt, unsigned long a, unsigned long b)
{
	ev->kind = VEV_FATAL;
	snprintf(ev->why, sizeof(ev->why), fmt, a, b);
}

/* Finish a port access; true if the guest asked to leave. */
static bool handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool exit = false;

	for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size)
		exit |= devices_pio(&v->vm->dev, run->io.port,
				    run->io.direction == KVM_EXIT_IO_OUT, data, run->io.size);
	return exit;
}

/* KVM_RUN with immediate_exit finishes the instruction whose store we
 * completed, without running the guest further: the watch stop then
 * comes after the store, as a debug register watchpoint's would. */
static void finish_instruction(struct vcpu *v)
{
	v->run->immediate_exit = 1;
	ioctl(v->fd, KVM_RUN, 0);
	v->run->immediate_exit = 0;
}

/* The guest physical address of linear address va, through the page
 * tables sregs s name. 0, or -1 if it is not mapped. */
static int walk(struct vcpu *v, const struct kvm_sregs *s, uint64_t va, struct pw_result *at)
{
	struct pw_mode mode = { s->cr0, s->cr3, s->cr4, s->efer };

	return pagewalk(&v->vm->mem, &mode, va, at);
}

enum pio_kind { PIO_GUEST, PIO_BREAK, PIO_GONE };

/* What a one-byte port write at linear address pc is: the guest's own, a
 * breakpoint of ours, or one of ours removed since this vCPU ran it (the
 * byte there is no longer the port write: the guest's byte is back). */
static enum pio_kind pio_kind_at(struct vcpu *v, const struct kvm_sregs *s, uint64_t pc)
{
	enum pio_kind kind = PIO_GUEST;
	struct pw_result at;
	const uint8_t *byte;

	pthread_mutex_lock(&v->vm->sw_lock);
	if (v->vm->sw && swbreak_find(v->vm->sw, pc))
		kind = PIO_BREAK;
	else if (walk(v, s, pc, &at) == 0 &&
		 (byte = guest_mem_ptr(&v->vm->mem, at.pa, 1)) && *byte != SWBREAK_PIO_INSN)
		kind = PIO_GONE;
	pthread_mutex_unlock(&v->vm->sw_lock);
	return kind;
}

/* A port write at one of our breakpoints (host.sw_pio): the guest never
 * sees it. KVM has not completed it yet; completing it moves rip past it,
 * so rip goes back to the breakpoint: where a debugger expects it and the
 * step-over starts, or, for one removed meanwhile, where the guest's own
 * instruction now runs. PIO_BREAK fills ev. */
static enum pio_kind pio_break(struct vcpu *v, struct vcpu_event *ev)
{
	struct kvm_run *run = v->run;
	enum pio_kind kind;
	struct kvm_regs r;
	struct kvm_sregs s;

	if (!v->vm->host.sw_pio || run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 1 ||
	    run->io.count != 1 || ioctl(v->fd, KVM_GET_REGS, &r) || ioctl(v->fd, KVM_GET_SREGS, &s))
		return PIO_GUEST;
	kind = pio_kind_at(v, &s, r.rip + s.cs.base);
	if (kind == PIO_GUEST)
		return PIO_GUEST;
	finish_instruction(v);
	if (ioctl(v->fd, KVM_SET_REGS, &r)) {
		set_fatal(ev, "vCPU %lu: KVM_SET_REGS after a breakpoint failed (errno %lu)",
			  v->index, (unsigned long)errno);
		return PIO_BREAK;
	}
	if (kind == PIO_BREAK) {
		ev->kind = VEV_INT3_EMUL;
		ev->exception = 3;
		ev->pc = r.rip + s.cs.base;
	}
	return kind;
}

/* An access to RAM we took away for a watch (read-only for a write watch,
 * unmapped for a read or access watch): carry it out on guest RAM, and
 * stop if it touched a watched range of its kind. Returns true to keep
 * running. */
static bool watched_access(struct vcpu *v, struct vcpu_event *ev, uint8_t *host)
{
	struct kvm_run *run = v->run;
	const struct memwatch *w;

	if (run->mmio.is_write)
		memcpy(host, run->mmio.data, run->mmio.len);
	else
		memcpy(run->mmio.data, host, run->mmio.len);
	w = memwatch_hit(v->vm->watches, run->mmio.phys_addr, run->mmio.len, run->mmio.is_write);
	if (!w)
		return true;
	finish_instruction(v);
	ev->kind = VEV_WATCH;
	ev->watch_va = w->va;
	ev->watch_kind = w->kind;
	return false;
}

static bool handle_mmio(struct vcpu *v, struct vcpu_event *ev)
{
	struct kvm_run *run = v->run;
	uint8_t *host = guest_mem_ptr(&v->vm->mem, run->mmio.phys_addr, run->mmio.len);

	if (host && v->vm->watches)
		return watched_access(v, ev, host);
	/* Nothing of ours is memory-mapped: reads see a floating bus. */
	if (!run->mmio.is_write)
		memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
	return true;
}

static const uint8_t *emulation_bytes(const struct kvm_run *run, unsigned *n)
{
	if (run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) {
		*n = run->emulation_failure.insn_size;
		return run->emulation_failure.insn_bytes;
	}
	*n = 0;
	return NULL;
}

/* KVM queues a #UD along with an emulation failure exit; a failure we
 * deal with must not deliver it when the vCPU runs again. */
static void drop_queued_ud(struct vcpu *v)
{
	struct kvm_vcpu_events e;

	if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &e) || e.exception.nr != 6 ||
	    !(e.exception.injected || e.exception.pending))
		return;
	e.exception.injected = e.exception.pending = 0;
	ioctl(v->fd, KVM_SET_VCPU_EVENTS, &e);
}

/* Whether the failure is KVM fetching code from a page we unmapped for a
 * read or access watch; then ev says which watch it is. */
static bool fetch_from_unmapped(struct vcpu *v, const struct kvm_sregs *s, uint64_t pc,
				struct vcpu_event *ev)
{
	const struct memwatch *w;
	struct pw_result at;

	if (!v->vm->watches || walk(v, s, pc, &at) ||
	    (w = memwatch_unmapping(v->vm->watches, at.pa)) == NULL)
		return false;
	ev->kind = VEV_WATCH_EXEC;
	ev->watch_va = w->va;
	ev->watch_kind = w->kind;
	ev->pc = pc;
	drop_queued_ud(v);
	return true;
}

/* PVM cannot emulate some instructions a guest uses all the time (see
 * KVM-HOST-NOTES.md): an int3 becomes an event for the stub, a 32-bit iret
 * is carried out here. Returns true to keep running. */
static bool handle_emulation_failure(struct vcpu *v, struct vcpu_event *ev)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	const char *why = "unknown instruction";
	unsigned n;
	const uint8_t *bytes = emulation_bytes(v->run, &n);

	if (ioctl(v->fd, KVM_GET_REGS, &r) || ioctl(v->fd, KVM_GET_SREGS, &s)) {
		set_fatal(ev, "emulation failure, and KVM_GET_REGS failed (errno %lu)%.0lu",
			  (unsigned long)errno, 0);
		return false;
	}
	if (fetch_from_unmapped(v, &s, r.rip + s.cs.base, ev))
		return false;
	/* 64-bit code: long mode active and a 64-bit code segment. */
	switch (x86_classify_insn(bytes, n, (s.efer & (1u << 10)) && s.cs.l)) {
	case X86_EMUL_INT3:
		ev->kind = VEV_INT3_EMUL;
		ev->exception = 3;
		ev->pc = r.rip + s.cs.base;
		return false;
	case X86_EMUL_IRET32:
		if (x86_emulate_iret32(&v->vm->mem, &r, &s, &why) == 0 &&
		    ioctl(v->fd, KVM_SET_SREGS, &s) == 0 && ioctl(v->fd, KVM_SET_REGS, &r) == 0)
			return true;
		break;
	default:
		break;
	}
	ev->kind = VEV_FATAL;
	snprintf(ev->why, sizeof(ev->why), "KVM could not emulate the instruction at %#llx (%s)",
		 (unsigned long long)(r.rip + s.cs.base), why);
	return false;
}

/* A single step that stays inside the range being stepped is not reported:
 * that is what makes `vCont;r` one round trip per line. */
static bool step_continues(const struct vcpu *v, const struct kvm_debug_exit_arch *d)
{
	return v->range_end > v->range_start && d->exception == 1 &&
	       hw_dr6_single_step(d->dr6) && d->pc >= v->range_start && d->pc < v->range_end;
}

/* Handle one exit; returns true to re-enter KVM_RUN. */
static bool handle_exit(struct vcpu *v, struct vcpu_event *ev)
{
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		switch (pio_break(v, ev)) {
		case PIO_BREAK:
			return false;
		case PIO_GONE:
			return true;
		case PIO_GUEST:
			break;
		}
		if (!handle_io(v))
			return true;
		ev->kind = VEV_GUEST_EXIT;
		ev->exit_status = v->vm->dev.exit_status;
		return false;
	case KVM_EXIT_MMIO:
		return handle_mmio(v, ev);
	case KVM_EXIT_HLT:
		return true; /* only without an in-kernel LAPIC */
	case KVM_EXIT_DEBUG:
		if (step_continues(v, &run->debug.arch))
			return true;
		ev->kind = VEV_DEBUG;
		ev->exception = run->debug.arch.exception;
		ev->pc = run->debug.arch.pc;
		ev->dr6 = run->debug.arch.dr6;
		ev->dr7 = run->debug.arch.dr7;
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION)
			return handle_emulation_failure(v, ev);
		set_fatal(ev, "KVM internal error, suberror %lu%.0lu", run->internal.suberror, 0);
		return false;
	case KVM_EXIT_SHUTDOWN:
		ev->kind = VEV_SHUTDOWN;
		snprintf(ev->why, sizeof(ev->why), "vCPU %u: triple fault", v->index);
		return false;
	default:
		set_fatal(ev, "unexpected KVM exit %lu on vCPU %lu", run->exit_reason, v->index);
		return false;
	}
}

static void run_until_event(struct vcpu *v, struct vcpu_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	for (;;) {
		if (ioctl(v->fd, KVM_RUN, 0) != 0) {
			if (errno == EINTR || errno == EAGAIN) {
				if (stopping(v))
					return;
				if (errno == EAGAIN) /* PVM: an AP before its SIPI */
					nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
				continue;
			}
			set_fatal(ev, "KVM_RUN failed: errno %lu%.0lu", errno, 0);
			return;
		}
		if (!handle_exit(v, ev))
			return;
	}
}

static void park(struct vcpu *v, const struct vcpu_event *ev)
{
	struct vm *vm = v->vm;
	uint64_t one = 1;

	pthread_mutex_lock(&vm->lock);
	v->ev = *ev;
	v->in_run = false;
	pthread_cond_broadcast(&vm->parked);
	pthread_mutex_unlock(&vm->lock);
	if (ev->kind != VEV_NONE && write(vm->event_fd, &one, sizeof(one)) < 0)
		return; /* the counter is already non-zero: the stub will look */
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;
	struct vcpu_event ev;

	for (;;) {
		pthread_mutex_lock(&vm->lock);
		while (!v->go)
			pthread_cond_wait(&vm->parked, &vm->lock);
		v->go = false;
		pthread_mutex_unlock(&vm->lock);
		run_until_event(v, &ev);
		park(v, &ev);
	}
	return NULL;
}

int vm_start_threads(struct vm *vm, char **cause)
{
	struct sigaction sa = { .sa_handler = kick_handler };

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: KVM_RUN must return */
	sigaction(KICK_SIGNAL, &sa, NULL);
	for (unsigned i = 0; i < vm->n_vcpus; i++) {
		int err = pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread, &vm->vcpus[i]);

		if (err)
			return cause_fail(cause, "vCPU thread: %s", strerror(err));
	}
	return 0;
}

void vm_resume(struct vm *vm)
{
	uint64_t drained;

	if (read(vm->event_fd, &drained, sizeof(drained)) < 0)
		drained = 0; /* nothing was pending */
	pthread_mutex_lock(&vm->lock);
	__atomic_store_n(&vm->stopping, false, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < vm->n_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (!v->resume)
			continue;
		v->go = true;
		__atomic_store_n(&v->kicked, false, __ATOMIC_RELEASE);
		v->run->immediate_exit = 0;
		v->in_run = true;
		memset(&v->ev, 0, sizeof(v->ev));
	}
	pthread_cond_broadcast(&vm->parked);
	pthread_mutex_unlock(&vm->lock);
}

/* Out of KVM_RUN: every vCPU (cpu < 0) or vCPU cpu. */
static bool still_running(const struct vm *vm, int cpu)
{
	for (unsigned i = 0; i < vm->n_vcpus; i++)
		if ((cpu < 0 || (unsigned)cpu == i) && vm->vcpus[i].in_run)
			return true;
	return false;
}

/* Kick vCPU cpu (every one if cpu < 0) until it parks; call with the lock. */
static void kick_until_parked(struct vm *vm, int cpu)
{
	while (still_running(vm, cpu)) {
		struct timespec until;

		for (unsigned i = 0; i < vm->n_vcpus; i++) {
			struct vcpu *v = &vm->vcpus[i];

			if (!v->in_run || (cpu >= 0 && (unsigned)cpu != i))
				continue;
			__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_RELEASE);
			pthread_kill(v->thread, KICK_SIGNAL);
		}
		/* Kick again if a signal landed just before a thread entered. */
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 10 * 1000 * 1000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&vm->parked, &vm->lock, &until);
	}
}

void vm_stop_all(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	__atomic_store_n(&vm->stopping, true, __ATOMIC_RELEASE);
	kick_until_parked(vm, -1);
	pthread_mutex_unlock(&vm->lock);
}

void vm_stop_vcpu(struct vm *vm, unsigned cpu)
{
	pthread_mutex_lock(&vm->lock);
	__atomic_store_n(&vm->vcpus[cpu].kicked, true, __ATOMIC_RELEASE);
	kick_until_parked(vm, (int)cpu);
	pthread_mutex_unlock(&vm->lock);
}

bool vm_vcpu_parked(struct vm *vm, unsigned cpu)
{
	bool parked;

	pthread_mutex_lock(&vm->lock);
	parked = !vm->vcpus[cpu].in_run;
	pthread_mutex_unlock(&vm->lock);
	return parked;
}

struct vcpu *vm_event_vcpu(struct vm *vm)
{
	for (unsigned i = 0; i < vm->n_vcpus; i++)
		if (vm->vcpus[i].ev.kind != VEV_NONE)
			return &vm->vcpus[i];
	return NULL;
}

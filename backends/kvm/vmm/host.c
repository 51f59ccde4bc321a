/* The host probe (see host.h): a scratch VM with one vCPU in 32-bit
 * protected mode and no interrupt controllers, so HLT comes back to us,
 * runs three tiny programs and tells us what this KVM does with them. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "backends/kvm/vmm/flat32.h"
#include "backends/kvm/vmm/host.h"
#include "proxy/cause.h"

#define PROBE_MEM 0x10000
#define GDT_ADDR 0x500
#define IDT_ADDR 0x3000
#define CODE_INT3 0x1000     /* int3; hlt */
#define CODE_STORE 0x1010    /* mov %eax, (WATCHED); hlt */
#define CODE_HLT 0x1020      /* nop; hlt */
#define CODE_PIO 0x1030      /* out %al, (%dx); hlt */
#define HANDLER 0x1100       /* out %al, $PROBE_PORT; hlt */
#define WATCHED 0x2000
#define PROBE_PORT 0x10

struct probe {
	int vm_fd, cpu_fd;
	struct kvm_run *run;
	uint8_t *mem;
};

static void write_code(uint8_t *mem)
{
	static const uint8_t int3[] = { 0xcc, 0xf4 };
	static const uint8_t store[] = { 0xa3, WATCHED & 0xff, WATCHED >> 8, 0, 0, 0xf4 };
	static const uint8_t hlt[] = { 0x90, 0xf4 };
	static const uint8_t pio[] = { 0xee, 0xf4 };
	static const uint8_t handler[] = { 0xe6, PROBE_PORT, 0xf4 };
	/* Interrupt gate for #BP: flat code selector, present, DPL 0, 32-bit. */
	uint32_t gate[2] = { (HANDLER & 0xffff) | ((uint32_t)FLAT32_CS << 16),
			     (HANDLER & 0xffff0000u) | 0x8e00 };

	memcpy(mem + CODE_INT3, int3, sizeof(int3));
	memcpy(mem + CODE_STORE, store, sizeof(store));
	memcpy(mem + CODE_HLT, hlt, sizeof(hlt));
	memcpy(mem + CODE_PIO, pio, sizeof(pio));
	memcpy(mem + HANDLER, handler, sizeof(handler));
	flat32_write_gdt(mem + GDT_ADDR);
	memcpy(mem + IDT_ADDR + 3 * 8, gate, sizeof(gate));
}

/* Put the vCPU at rip in flat 32-bit protected mode with debug off. */
static int start_at(struct probe *p, uint32_t rip)
{
	struct kvm_sregs s;
	struct kvm_regs r = { .rip = rip, .rflags = 2, .rsp = 0x8000 };
	struct kvm_guest_debug off = { 0 };

	if (ioctl(p->cpu_fd, KVM_GET_SREGS, &s))
		return -1;
	flat32_sregs(&s, GDT_ADDR);
	s.idt = (struct kvm_dtable){ .base = IDT_ADDR, .limit = 0xff };
	return ioctl(p->cpu_fd, KVM_SET_SREGS, &s) || ioctl(p->cpu_fd, KVM_SET_REGS, &r) ||
	       ioctl(p->cpu_fd, KVM_SET_GUEST_DEBUG, &off);
}

/* KVM_RUN once; the exit reason, or -1. */
static int run_once(struct probe *p)
{
	if (ioctl(p->cpu_fd, KVM_RUN, 0))
		return -1;
	return (int)p->run->exit_reason;
}

static int open_probe(int kvm_fd, struct probe *p, char **cause)
{
	struct kvm_userspace_memory_region region = { .memory_size = PROBE_MEM };
	int run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);

	p->vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (p->vm_fd < 0)
		return cause_fail(cause, "probe VM: KVM_CREATE_VM: %s", strerror(errno));
	p->mem = mmap(NULL, PROBE_MEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	region.userspace_addr = (uintptr_t)p->mem;
	if (p->mem == MAP_FAILED || ioctl(p->vm_fd, KVM_SET_USER_MEMORY_REGION, &region))
		return cause_fail(cause, "probe VM memory: %s", strerror(errno));
	p->cpu_fd = ioctl(p->vm_fd, KVM_CREATE_VCPU, 0);
	if (p->cpu_fd < 0)
		return cause_fail(cause, "probe VM: KVM_CREATE_VCPU: %s", strerror(errno));
	p->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, p->cpu_fd, 0);
	if (p->run == MAP_FAILED)
		return cause_fail(cause, "probe VM: mmap: %s", strerror(errno));
	write_code(p->mem);
	return 0;
}

static int probe_int3(struct probe *p)
{
	struct kvm_guest_debug dbg = { .control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP };
	int exit;

	if (start_at(p, CODE_INT3) || ioctl(p->cpu_fd, KVM_SET_GUEST_DEBUG, &dbg))
		return INT3_EMULATION_FAILURE;
	exit = run_once(p);
	if (exit == KVM_EXIT_DEBUG && p->run->debug.arch.exception == 3)
		return INT3_EXITS_DEBUG;
	if (exit == KVM_EXIT_IO && p->run->io.port == PROBE_PORT)
		return INT3_TO_GUEST; /* the probe's #BP handler ran */
	return INT3_EMULATION_FAILURE;
}

/* The port write exits at its own address, and a KVM_RUN with
 * immediate_exit completes it without running further. */
static bool probe_pio_break(struct probe *p)
{
	struct kvm_regs r;

	if (start_at(p, CODE_PIO) || run_once(p) != KVM_EXIT_IO ||
	    p->run->io.direction != KVM_EXIT_IO_OUT || p->run->io.size != 1 || p->run->io.count != 1)
		return false;
	p->run->immediate_exit = 1;
	ioctl(p->cpu_fd, KVM_RUN, 0);
	p->run->immediate_exit = 0;
	return ioctl(p->cpu_fd, KVM_GET_REGS, &r) == 0 && r.rip == CODE_PIO + 1;
}

static bool probe_exec(struct probe *p)
{
	struct kvm_guest_debug dbg = { .control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP };

	dbg.arch.debugreg[0] = CODE_HLT + 1; /* the hlt after the nop */
	dbg.arch.debugreg[7] = 1 | (1u << 10);
	if (start_at(p, CODE_HLT) || ioctl(p->cpu_fd, KVM_SET_GUEST_DEBUG, &dbg))
		return false;
	return run_once(p) == KVM_EXIT_DEBUG && p->run->debug.arch.exception == 1;
}

static bool probe_watch(struct probe *p)
{
	struct kvm_guest_debug dbg = { .control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP };

	dbg.arch.debugreg[0] = WATCHED;
	dbg.arch.debugreg[7] = 1 | (1u << 16) | (3u << 18) | (1u << 10); /* L0, write, 4 bytes */
	if (start_at(p, CODE_STORE) || ioctl(p->cpu_fd, KVM_SET_GUEST_DEBUG, &dbg))
		return false;
	return run_once(p) == KVM_EXIT_DEBUG && p->run->debug.arch.exception == 1;
}

static bool probe_inject(struct probe *p)
{
	struct kvm_vcpu_events ev;

	if (start_at(p, CODE_HLT) || ioctl(p->cpu_fd, KVM_GET_VCPU_EVENTS, &ev))
		return false;
	ev.exception.injected = 1;
	ev.exception.nr = 3;
	ev.exception.has_error_code = 0;
	ev.flags = 0;
	if (ioctl(p->cpu_fd, KVM_SET_VCPU_EVENTS, &ev))
		return false;
	return run_once(p) == KVM_EXIT_IO && p->run->io.port == PROBE_PORT;
}

static const char *int3_text(const struct host_caps *c)
{
	switch (c->int3) {
	case INT3_EXITS_DEBUG:
		return "hardware (int3 exits as KVM_EXIT_DEBUG)";
	case INT3_EMULATION_FAILURE:
		return "PVM-like (int3 is an emulation failure)";
	default:
		return "int3 is not intercepted (emulated SVM?)";
	}
}

static const char *swbp_text(const struct host_caps *c)
{
	switch (c->int3) {
	case INT3_EXITS_DEBUG:
		return "int3 + KVM_GUESTDBG_USE_SW_BP, any number";
	case INT3_EMULATION_FAILURE:
		return "int3 recognised at the emulation-failure exit, any number";
	default:
		if (c->sw_pio)
			return "a port write (out %al,(%dx)) in place of int3, any number; "
			       "not in user-accessible pages (user mode would take a #GP)";
		return c->dr_exec_fires ? "in debug registers (4 at most, shared with hbreak and watch)"
					: "none work on this host (refused at insert)";
	}
}

static void describe(struct host_caps *c)
{
	snprintf(c->summary, sizeof(c->summary),
		 "host KVM: %s\n"
		 "software breakpoints: %s\n"
		 "guest-owned exceptions: %s\n"
		 "hardware breakpoints: %s\n"
		 "watchpoints: %s\n"
		 "single step: %s",
		 int3_text(c), swbp_text(c),
		 c->inject_with_events ? "reinjected with KVM_SET_VCPU_EVENTS"
				       : "delivered through the guest's IDT by gdbhub-kvm",
		 c->dr_exec_fires ? "debug registers DR0-3" : "none work on this host (refused at insert)",
		 c->dr_watch_fires ? "debug registers DR0-3, then read-only memslots for writes"
				   : "writes by read-only memslots (no limit); read/access refused",
		 c->step_blocks_irqs ? "KVM_GUESTDBG_BLOCKIRQ holds interrupts off"
				     : "interrupts may be taken during a step");
}

int host_probe(int kvm_fd, struct host_caps *caps, char **cause)
{
	struct probe p = { -1, -1, NULL, NULL };
	int flags = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_GUEST_DEBUG2);
	int rc = open_probe(kvm_fd, &p, cause);

	memset(caps, 0, sizeof(*caps));
	if (rc == 0) {
		caps->int3 = probe_int3(&p);
		caps->sw_pio = caps->int3 == INT3_TO_GUEST && probe_pio_break(&p);
		caps->dr_exec_fires = probe_exec(&p);
		caps->dr_watch_fires = probe_watch(&p);
		caps->inject_with_events = probe_inject(&p);
		caps->step_blocks_irqs = flags > 0 && (flags & KVM_GUESTDBG_BLOCKIRQ);
		describe(caps);
	}
	if (p.cpu_fd >= 0)
		close(p.cpu_fd);
	if (p.vm_fd >= 0)
		close(p.vm_fd);
	if (p.mem && p.mem != MAP_FAILED)
		munmap(p.mem, PROBE_MEM);
	return rc;
}

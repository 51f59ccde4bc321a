// SPDX-License-Identifier: MIT
/*
 * kvm_smoke: prove that /dev/kvm really runs guest code, and that the
 * guest-debug exits gdbhub-kvm relies on behave as on hardware KVM.
 *
 * One VM, one 64 KiB memory slot, one vCPU in real mode. Three checks:
 *   run:  "mov $0x42,%al; out %al,$0x10; hlt" gives KVM_EXIT_IO (0x42 on
 *         port 0x10) and then KVM_EXIT_HLT.
 *   step: with KVM_GUESTDBG_SINGLESTEP every instruction ends in
 *         KVM_EXIT_DEBUG (exception 1) at the next instruction.
 *   int3: with KVM_GUESTDBG_USE_SW_BP an int3 gives KVM_EXIT_DEBUG,
 *         exception 3 (PVM gives an emulation failure here instead).
 *   hwbp, watch: a host DR0 execute breakpoint and a DR1 write watchpoint
 *         give KVM_EXIT_DEBUG with the matching DR6 bit.
 * Then it times single-stepping, since that is what a debugger does most.
 *
 * Build: cc -O2 -Wall -Wextra -o kvm_smoke kvm_smoke.c
 * Exit status: 0 all checks passed, 1 a check failed, 77 no usable /dev/kvm.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MEM_SIZE	0x10000
#define CODE_ADDR	0x1000
#define OUT_PORT	0x10
#define STEP_COUNT	20000
#define BP_HANDLER	0x2000
#define GUEST_BP_PORT	0x13
#define WATCH_ADDR	0x3000

struct vm {
	int kvm;
	int fd;
	int vcpu;
	uint8_t *mem;
	struct kvm_run *run;
};

static int passes, failures;

static void check(int ok, const char *what)
{
	printf("  %s: %s\n", ok ? "ok  " : "FAIL", what);
	if (ok)
		passes++;
	else
		failures++;
}

static const char *exit_name(uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_IO:		return "KVM_EXIT_IO";
	case KVM_EXIT_HLT:		return "KVM_EXIT_HLT";
	case KVM_EXIT_DEBUG:		return "KVM_EXIT_DEBUG";
	case KVM_EXIT_MMIO:		return "KVM_EXIT_MMIO";
	case KVM_EXIT_SHUTDOWN:		return "KVM_EXIT_SHUTDOWN";
	case KVM_EXIT_FAIL_ENTRY:	return "KVM_EXIT_FAIL_ENTRY";
	case KVM_EXIT_INTERNAL_ERROR:	return "KVM_EXIT_INTERNAL_ERROR";
	default:			return "other";
	}
}

/* Exits the program: without a working VM no later check means anything. */
static void die_errno(const char *what)
{
	printf("kvm_smoke: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void vm_open(struct vm *vm)
{
	int run_size;

	vm->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm < 0) {
		printf("kvm_smoke: /dev/kvm: %s\n", strerror(errno));
		exit(77);
	}
	printf("KVM API version %d\n", ioctl(vm->kvm, KVM_GET_API_VERSION, 0));
	vm->fd = ioctl(vm->kvm, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		die_errno("KVM_CREATE_VM");

	vm->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->mem == MAP_FAILED)
		die_errno("mmap guest memory");
	struct kvm_userspace_memory_region slot = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = MEM_SIZE,
		.userspace_addr = (uintptr_t)vm->mem,
	};
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
		die_errno("KVM_SET_USER_MEMORY_REGION");

	vm->vcpu = ioctl(vm->fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu < 0)
		die_errno("KVM_CREATE_VCPU");
	run_size = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < 0)
		die_errno("KVM_GET_VCPU_MMAP_SIZE");
	vm->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu, 0);
	if (vm->run == MAP_FAILED)
		die_errno("mmap kvm_run");
}

/* Copy code to CODE_ADDR and point a real-mode vCPU (CS base 0) at it. */
static void vcpu_load(struct vm *vm, const uint8_t *code, size_t len)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = CODE_ADDR, .rflags = 0x2 };

	memset(vm->mem, 0xf4, MEM_SIZE);	/* hlt anywhere it strays */
	memcpy(vm->mem + CODE_ADDR, code, len);
	if (ioctl(vm->vcpu, KVM_GET_SREGS, &sregs) < 0)
		die_errno("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vm->vcpu, KVM_SET_SREGS, &sregs) < 0)
		die_errno("KVM_SET_SREGS");
	if (ioctl(vm->vcpu, KVM_SET_REGS, &regs) < 0)
		die_errno("KVM_SET_REGS");
}

static void set_debug(struct vm *vm, uint32_t control)
{
	struct kvm_guest_debug dbg = { .control = control };

	if (ioctl(vm->vcpu, KVM_SET_GUEST_DEBUG, &dbg) < 0)
		die_errno("KVM_SET_GUEST_DEBUG");
}

static uint32_t vcpu_run(struct vm *vm)
{
	if (ioctl(vm->vcpu, KVM_RUN, 0) < 0)
		die_errno("KVM_RUN");
	return vm->run->exit_reason;
}

static uint64_t vcpu_rip(struct vm *vm)
{
	struct kvm_regs regs;

	if (ioctl(vm->vcpu, KVM_GET_REGS, &regs) < 0)
		die_errno("KVM_GET_REGS");
	return regs.rip;
}

static uint8_t io_byte(struct vm *vm)
{
	return *((uint8_t *)vm->run + vm->run->io.data_offset);
}

static void test_run(struct vm *vm)
{
	static const uint8_t code[] = {
		0xb0, 0x42,		/* mov $0x42, %al */
		0xe6, OUT_PORT,		/* out %al, $0x10 */
		0xf4,			/* hlt */
	};
	uint32_t reason;

	printf("run: mov $0x42,%%al; out %%al,$0x10; hlt\n");
	vcpu_load(vm, code, sizeof(code));
	reason = vcpu_run(vm);
	printf("  exit 1: %s port=0x%x dir=%s size=%u data=0x%02x\n",
	       exit_name(reason), vm->run->io.port,
	       vm->run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
	       vm->run->io.size, io_byte(vm));
	check(reason == KVM_EXIT_IO && vm->run->io.port == OUT_PORT &&
	      vm->run->io.direction == KVM_EXIT_IO_OUT &&
	      io_byte(vm) == 0x42, "KVM_EXIT_IO out 0x42 to port 0x10");
	reason = vcpu_run(vm);
	printf("  exit 2: %s rip=0x%llx\n", exit_name(reason),
	       (unsigned long long)vcpu_rip(vm));
	check(reason == KVM_EXIT_HLT, "KVM_EXIT_HLT after the out");
}

/* Step the same three instructions: a debug exit after each one. */
static void test_singlestep(struct vm *vm)
{
	static const uint8_t code[] = {
		0xb0, 0x42,		/* 0x1000 mov $0x42, %al */
		0xe6, OUT_PORT,		/* 0x1002 out %al, $0x10 */
		0x43,			/* 0x1004 inc %bx */
		0xf4,			/* 0x1005 hlt */
	};
	static const uint64_t expect[] = { 0x1002, 0x1004, 0x1005 };
	unsigned int debug_exits = 0, io_exits = 0, i;
	uint32_t reason;

	printf("step: KVM_GUESTDBG_ENABLE|KVM_GUESTDBG_SINGLESTEP\n");
	vcpu_load(vm, code, sizeof(code));
	set_debug(vm, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP);
	for (i = 0; i < 8; i++) {
		reason = vcpu_run(vm);
		printf("  exit %u: %s", i + 1, exit_name(reason));
		if (reason == KVM_EXIT_DEBUG) {
			printf(" exception=%u pc=0x%llx dr6=0x%llx\n",
			       vm->run->debug.arch.exception,
			       (unsigned long long)vm->run->debug.arch.pc,
			       (unsigned long long)vm->run->debug.arch.dr6);
			if (debug_exits < 3 &&
			    vm->run->debug.arch.exception == 1 &&
			    vm->run->debug.arch.pc == expect[debug_exits])
				debug_exits++;
			continue;
		}
		if (reason == KVM_EXIT_IO) {
			printf(" data=0x%02x\n", io_byte(vm));
			io_exits++;
			continue;
		}
		printf(" rip=0x%llx\n", (unsigned long long)vcpu_rip(vm));
		break;
	}
	check(io_exits == 1, "the out still exits as KVM_EXIT_IO");
	check(debug_exits == 3,
	      "KVM_EXIT_DEBUG exception 1 at 0x1002, 0x1004, 0x1005");
	set_debug(vm, 0);
}

/*
 * Real-mode IVT entry 3 -> a handler that reports on port 0x13, so an int3
 * the hypervisor failed to intercept shows up as a clear exit of its own.
 */
static void install_bp_handler(struct vm *vm)
{
	static const uint8_t handler[] = {
		0xb0, 0x03,		/* mov $3, %al */
		0xe6, GUEST_BP_PORT,	/* out %al, $0x13 */
		0xf4,			/* hlt */
	};
	uint16_t ivt3[2] = { BP_HANDLER, 0 };	/* offset, segment */

	memcpy(vm->mem + 3 * 4, ivt3, sizeof(ivt3));
	memcpy(vm->mem + BP_HANDLER, handler, sizeof(handler));
}

static void test_int3(struct vm *vm)
{
	static const uint8_t code[] = {
		0xb1, 0x07,		/* 0x1000 mov $7, %cl */
		0xcc,			/* 0x1002 int3 */
		0xf4,			/* 0x1003 hlt */
	};
	uint32_t reason;
	int debug;

	printf("int3: KVM_GUESTDBG_ENABLE|KVM_GUESTDBG_USE_SW_BP\n");
	vcpu_load(vm, code, sizeof(code));
	install_bp_handler(vm);
	set_debug(vm, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP);
	reason = vcpu_run(vm);
	printf("  exit 1: %s", exit_name(reason));
	if (reason == KVM_EXIT_DEBUG)
		printf(" exception=%u pc=0x%llx\n",
		       vm->run->debug.arch.exception,
		       (unsigned long long)vm->run->debug.arch.pc);
	else if (reason == KVM_EXIT_IO)
		printf(" port=0x%x data=0x%02x\n", vm->run->io.port,
		       io_byte(vm));
	else
		printf(" rip=0x%llx\n", (unsigned long long)vcpu_rip(vm));
	if (reason == KVM_EXIT_IO && vm->run->io.port == GUEST_BP_PORT)
		printf("  note: the guest's own #BP handler ran: the #BP "
		       "intercept KVM set was not applied to int3\n");
	debug = reason == KVM_EXIT_DEBUG;
	check(debug && vm->run->debug.arch.exception == 3,
	      "KVM_EXIT_DEBUG exception 3");
	check(debug && vm->run->debug.arch.pc == 0x1002,
	      "reported pc is the int3's address");
	set_debug(vm, 0);
}

/* One host debug register: DR0 execute at 0x1004, or DR1 byte write. */
static void test_hw_debugreg(struct vm *vm, int watch)
{
	static const uint8_t code[] = {
		0xb0, 0x42,			/* 0x1000 mov $0x42, %al */
		0x43,				/* 0x1002 inc %bx */
		0x43,				/* 0x1003 inc %bx */
		0xc6, 0x06, 0x00, 0x30, 0x01,	/* 0x1004 movb $1, 0x3000 */
		0x43,				/* 0x1009 inc %bx */
		0xf4,				/* 0x100a hlt */
	};
	struct kvm_guest_debug dbg = {
		.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP,
	};
	uint64_t want_pc = watch ? 0x1009 : 0x1004;
	uint64_t want_dr6 = watch ? 0x2 : 0x1;
	uint32_t reason;

	if (watch) {
		dbg.arch.debugreg[1] = WATCH_ADDR;
		dbg.arch.debugreg[7] = 0x4 | (1 << 20);	/* L1, RW1=write */
	} else {
		dbg.arch.debugreg[0] = 0x1004;
		dbg.arch.debugreg[7] = 0x1;		/* L0, RW0=exec */
	}
	printf("%s: KVM_GUESTDBG_USE_HW_BP, %s\n", watch ? "watch" : "hwbp",
	       watch ? "DR1 = write of byte 0x3000" : "DR0 = execute 0x1004");
	vcpu_load(vm, code, sizeof(code));
	if (ioctl(vm->vcpu, KVM_SET_GUEST_DEBUG, &dbg) < 0)
		die_errno("KVM_SET_GUEST_DEBUG");
	reason = vcpu_run(vm);
	printf("  exit 1: %s", exit_name(reason));
	if (reason == KVM_EXIT_DEBUG)
		printf(" exception=%u pc=0x%llx dr6=0x%llx\n",
		       vm->run->debug.arch.exception,
		       (unsigned long long)vm->run->debug.arch.pc,
		       (unsigned long long)vm->run->debug.arch.dr6);
	else
		printf(" rip=0x%llx\n", (unsigned long long)vcpu_rip(vm));
	check(reason == KVM_EXIT_DEBUG && vm->run->debug.arch.exception == 1 &&
	      vm->run->debug.arch.pc == want_pc &&
	      (vm->run->debug.arch.dr6 & 0xf) == want_dr6,
	      watch ? "KVM_EXIT_DEBUG after the store, DR6.B1"
		    : "KVM_EXIT_DEBUG before 0x1004 runs, DR6.B0");
	set_debug(vm, 0);
}

/* How fast a debugger can single-step here: KVM_RUN + KVM_GET_REGS per step. */
static void bench_singlestep(struct vm *vm)
{
	static const uint8_t code[] = {
		0x43,			/* inc %bx */
		0xeb, 0xfd,		/* jmp back to the inc */
	};
	struct timespec t0, t1;
	unsigned int i, steps = 0;
	double secs;

	vcpu_load(vm, code, sizeof(code));
	set_debug(vm, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < STEP_COUNT; i++) {
		if (vcpu_run(vm) != KVM_EXIT_DEBUG)
			break;
		vcpu_rip(vm);
		steps++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("bench: %u single-steps in %.3f s = %.0f steps/s\n",
	       steps, secs, steps / secs);
	check(steps == STEP_COUNT, "every step ended in KVM_EXIT_DEBUG");
	set_debug(vm, 0);
}

int main(void)
{
	struct vm vm;

	setvbuf(stdout, NULL, _IOLBF, 0);
	vm_open(&vm);
	test_run(&vm);
	test_singlestep(&vm);
	test_int3(&vm);
	test_hw_debugreg(&vm, 0);
	test_hw_debugreg(&vm, 1);
	bench_singlestep(&vm);
	printf("kvm_smoke: %d passed, %d failed\n", passes, failures);
	return failures ? 1 : 0;
}

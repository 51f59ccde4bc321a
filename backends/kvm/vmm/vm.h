/* One VM on /dev/kvm: its memory, its in-kernel interrupt controllers and
 * timer, and its vCPUs. Each vCPU has a thread of its own that runs KVM_RUN
 * and handles port I/O inline; anything a debugger must see (a debug exit,
 * an exit the host's KVM could not finish, the guest leaving) parks the
 * vCPU and is reported to the stub, which then stops the others. */
#ifndef GDBHUB_KVM_VM_H
#define GDBHUB_KVM_VM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "backends/kvm/debug/memwatch.h"
#include "backends/kvm/debug/swbreak.h"
#include "backends/kvm/mmu/guest_mem.h"
#include "backends/kvm/vmm/devices.h"
#include "backends/kvm/vmm/host.h"

/* Why a vCPU left KVM_RUN for the stub. */
enum vcpu_event_kind {
	VEV_NONE = 0,     /* stopped because the stub asked (or not started) */
	VEV_DEBUG,        /* KVM_EXIT_DEBUG: exception 1 or 3 */
	VEV_INT3_EMUL,    /* PVM: emulation failure at an int3; or our port-write breakpoint */
	VEV_STEP_DONE,    /* a range step ended (pc left the range) */
	VEV_GUEST_EXIT,   /* the guest wrote to isa-debug-exit */
	VEV_WATCH,        /* an access to a watched range we took away */
	VEV_WATCH_EXEC,   /* code fetched from a page unmapped for a read watch */
	VEV_SHUTDOWN,     /* triple fault */
	VEV_FATAL,        /* an exit we cannot continue from */
};

struct vcpu_event {
	enum vcpu_event_kind kind;
	uint32_t exception;   /* VEV_DEBUG: 1 or 3 */
	uint64_t pc;          /* linear address where it stopped */
	uint64_t dr6, dr7;    /* VEV_DEBUG */
	int exit_status;      /* VEV_GUEST_EXIT: (v << 1) | 1 as QEMU */
	uint64_t watch_va;    /* VEV_WATCH, VEV_WATCH_EXEC: the watch gdb set */
	enum memwatch_kind watch_kind; /* VEV_WATCH, VEV_WATCH_EXEC */
	char why[160];        /* VEV_FATAL, VEV_SHUTDOWN: for the log */
};

struct vcpu {
	struct vm *vm;
	unsigned index;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool resume;          /* stub-owned: let it run at the next vm_resume */
	/* Guarded by vm->lock. */
	bool go;              /* vm_resume let it go; its thread clears this */
	bool in_run;          /* between go and parking */
	bool kicked;          /* vm_stop_vcpu: leave KVM_RUN (atomic) */
	struct vcpu_event ev; /* why it parked last */
	/* Set by the stub while the vCPU is parked. */
	uint64_t range_start, range_end; /* range step: keep stepping inside */
	bool stepping;        /* the stub asked for a single step */
};

struct vm {
	int kvm_fd, vm_fd;
	struct guest_mem mem;
	unsigned n_slots;        /* memslots in use (vm_map_memory) */
	const struct memwatches *watches; /* the stub's; read by vCPUs only while running */
	/* The stub's software breakpoints, for a vCPU to tell our port-write
	 * breakpoints (host.sw_pio) from the guest's own port writes; vCPUs
	 * may run while the stub changes them (non-stop), hence sw_lock. */
	const struct swbreaks *sw;
	pthread_mutex_t sw_lock;
	int run_size;
	unsigned n_vcpus;
	struct vcpu *vcpus;
	struct devices dev;
	struct host_caps host;
	pthread_mutex_t lock;
	pthread_cond_t parked;   /* a vCPU parked */
	bool stopping;           /* stop-all in progress: vCPUs must not re-enter */
	int event_fd;            /* eventfd: a vCPU parked with an event */
};

/* Create the VM with memory_mb of RAM at guest physical 0, the in-kernel
 * irqchip and PIT, and n_vcpus vCPUs (vCPU 0 the bootstrap processor, the
 * others waiting for INIT/SIPI). Returns 0 or -1 with *cause. */
int vm_create(struct vm *vm, unsigned memory_mb, unsigned n_vcpus, char **cause);

/* Map RAM into the VM: read-write, except the pages holding watches w (may
 * be NULL): read-only for write watches, so stores there exit, and not at
 * all for read and access watches, so every access there exits.
 * Every vCPU must be parked. Returns 0 or -1 with *cause. */
int vm_map_memory(struct vm *vm, const struct memwatches *w, char **cause);

/* Put vCPU 0 at the multiboot entry: 32-bit protected mode, flat segments
 * from a GDT the VMM writes into low memory, EAX = magic, EBX = info. */
int vm_setup_boot_cpu(struct vm *vm, uint32_t entry, uint32_t info, char **cause);

/* Start the vCPU threads (parked until vm_resume). */
int vm_start_threads(struct vm *vm, char **cause);

/* Let the vCPUs whose resume flag the stub set run (the others stay
 * parked, keeping any event they have not reported yet). */
void vm_resume(struct vm *vm);

/* Stop every vCPU and wait until all are out of KVM_RUN (kicking halted and
 * spinning ones with a signal and immediate_exit). */
void vm_stop_all(struct vm *vm);

/* Stop vCPU cpu alone and wait until it is out of KVM_RUN (non-stop: the
 * others run on). It may have parked with an event of its own meanwhile. */
void vm_stop_vcpu(struct vm *vm, unsigned cpu);

/* Whether vCPU cpu is out of KVM_RUN; its ev is then stable until the
 * next vm_resume lets it go. */
bool vm_vcpu_parked(struct vm *vm, unsigned cpu);

/* The first parked vCPU with an event (lowest index), or NULL. Call with
 * every vCPU parked. */
struct vcpu *vm_event_vcpu(struct vm *vm);

#endif

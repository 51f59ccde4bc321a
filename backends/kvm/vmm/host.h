/* What this host's KVM can do for guest debug, found by a probe at start
 * (see KVM-HOST-NOTES.md: hardware KVM and PVM differ), as the mechanism
 * chosen for each job. The stub reads these choices; nothing else in the
 * VMM asks which kind of host it is on. */
#ifndef GDBHUB_KVM_HOST_H
#define GDBHUB_KVM_HOST_H

#include <stdbool.h>

struct host_caps {
	/* What an int3 we placed does: KVM_EXIT_DEBUG with
	 * KVM_GUESTDBG_USE_SW_BP (hardware KVM), an emulation failure at the
	 * 0xCC (PVM), or neither: it goes straight into the guest (KVM on
	 * QEMU's emulated SVM, which does not intercept int3). In the last
	 * case gdb's software breakpoints are port writes (sw_pio), or else
	 * take debug register slots. */
	enum { INT3_EXITS_DEBUG, INT3_EMULATION_FAILURE, INT3_TO_GUEST } int3;
	/* Where int3 goes to the guest: a one-byte `out %al,(%dx)` we plant
	 * leaves KVM_RUN as KVM_EXIT_IO at its address, and KVM_RUN with
	 * immediate_exit completes it (swbreak.h's SWBREAK_PIO_INSN). */
	bool sw_pio;
	/* A guest-owned exception back into the guest: KVM_SET_VCPU_EVENTS,
	 * or (PVM, where that triple-faults) delivery through the guest's IDT
	 * done by the VMM. */
	bool inject_with_events;
	/* Host execution breakpoints in DR0-3 fire (not on QEMU's emulated SVM). */
	bool dr_exec_fires;
	/* Host data watchpoints in DR0-3 fire (PVM: never). */
	bool dr_watch_fires;
	/* KVM_GUESTDBG_BLOCKIRQ: a single step takes no interrupt. */
	bool step_blocks_irqs;
	char summary[768];   /* what was found and chosen, for the log and `monitor kvm` */
};

/* Probe with a scratch VM on kvm_fd. Returns 0, or -1 with *cause if the
 * probe VM itself cannot run (then nothing will). */
int host_probe(int kvm_fd, struct host_caps *caps, char **cause);

#endif

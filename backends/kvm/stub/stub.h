/* gdbhub-kvm's RSP stub: one gdb connection at a time (the daemon, or a
 * plain gdb), served from the main thread while the vCPU threads run. */
#ifndef GDBHUB_KVM_STUB_H
#define GDBHUB_KVM_STUB_H

#include <stdbool.h>

struct vm;

struct stub_options {
	bool run_at_start;   /* the VM runs before any debugger connects */
	const char *arch;    /* "i386" or "x86_64": the register layout gdb is
			      * told; NULL: the vCPU's mode when gdb asks */
};

/* Serve gdb on the listening socket listen_fd until the guest exits or gdb
 * kills it. The VM starts halted at its first instruction, or running if
 * run_at_start (a debugger that connects then stops it). Returns the
 * process exit status to use (the guest's isa-debug-exit status, as QEMU
 * has it, or 0 after a kill). */
int stub_serve(struct vm *vm, int listen_fd, const struct stub_options *opt);

#endif

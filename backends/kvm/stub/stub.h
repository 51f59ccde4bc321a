/* gdbhub-kvm's RSP stub: one gdb connection at a time (the daemon, or a
 * plain gdb), served from the main thread while the vCPU threads run. */
#ifndef GDBHUB_KVM_STUB_H
#define GDBHUB_KVM_STUB_H

#include <stdbool.h>

struct vm;

/* Serve gdb on the listening socket listen_fd until the guest exits or gdb
 * kills it. The VM starts halted at its first instruction, or running if
 * run_at_start (a debugger that connects then stops it). Returns the
 * process exit status to use (the guest's isa-debug-exit status, as QEMU
 * has it, or 0 after a kill). */
int stub_serve(struct vm *vm, int listen_fd, bool run_at_start);

#endif

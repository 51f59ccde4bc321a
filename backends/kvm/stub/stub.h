/* gdbhub-kvm's RSP stub: one gdb connection at a time (the daemon, or a
 * plain gdb), served from the main thread while the vCPU threads run. */
#ifndef GDBHUB_KVM_STUB_H
#define GDBHUB_KVM_STUB_H

struct vm;

/* Serve gdb on the listening socket listen_fd until the guest exits or gdb
 * kills it. The VM starts halted at its first instruction. Returns the
 * process exit status to use (the guest's isa-debug-exit status, as QEMU
 * has it, or 0 after a kill). */
int stub_serve(struct vm *vm, int listen_fd);

#endif

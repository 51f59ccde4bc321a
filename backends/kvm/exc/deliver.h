/* Doing in userspace what a CPU does when it takes an exception, for hosts
 * whose KVM cannot (PVM: injecting #BP triple-faults the guest; a 32-bit
 * iret and an int3 end in emulation failures, see KVM-HOST-NOTES.md).
 * Pure over guest memory and the vCPU's register structs from
 * <linux/kvm.h>: no /dev/kvm needed, unit-tested on plain buffers.
 *
 * Only what ring-0 guests need: same-privilege delivery through 32-bit
 * interrupt and trap gates (protected mode) and 64-bit gates (long mode,
 * IST 0 only), and same-privilege 32-bit iret. Anything else (a privilege
 * change, a task gate, IST) is refused with a reason rather than guessed. */
#ifndef GDBHUB_KVM_DELIVER_H
#define GDBHUB_KVM_DELIVER_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "backends/kvm/mmu/guest_mem.h"

/* Exceptions that push an error code (#DF, #TS, #NP, #SS, #GP, #PF, #AC, ...). */
bool x86_vector_has_error_code(unsigned vector);

/* Deliver exception `vector` to the guest as the CPU would, given the state
 * at the moment of the exception (r->rip is the return address the frame
 * gets: for #BP, the byte after the int3; for a #DB trap, the next
 * instruction). Reads the gate from the IDT (s->idt), the target code
 * segment from the GDT (s->gdt), pushes the frame (EFLAGS, CS, EIP, and
 * the error code if the vector has one; in long mode SS:RSP too, with the
 * stack aligned to 16), clears TF, RF, NT (and IF for an interrupt gate),
 * and loads CS:RIP from the gate. On success updates *r and *s and returns
 * 0; on failure leaves them as they were, returns -1 and sets *why to a
 * static string. */
int x86_deliver_exception(const struct guest_mem *m, struct kvm_regs *r,
			  struct kvm_sregs *s, unsigned vector, uint32_t error_code,
			  const char **why);

/* Carry out a same-privilege 32-bit `iret` at r->rip (the instruction PVM
 * cannot emulate): pop EIP, CS and EFLAGS, reload CS from the GDT. Refuses
 * (-1, *why) when the popped CS has a different privilege level, NT is set,
 * or the stack is unmapped. */
int x86_emulate_iret32(const struct guest_mem *m, struct kvm_regs *r,
		       struct kvm_sregs *s, const char **why);

/* What an instruction-emulation failure exit (PVM) stopped at, from the
 * instruction bytes KVM reports with the exit. */
enum x86_emul_insn {
	X86_EMUL_OTHER = 0,
	X86_EMUL_INT3,    /* 0xCC */
	X86_EMUL_IRET32,  /* 0xCF with 32-bit operand size (no 0x48 REX.W) */
	X86_EMUL_IRETQ,   /* 0x48 0xCF */
};
enum x86_emul_insn x86_classify_insn(const uint8_t *bytes, unsigned n, bool long_mode);

#endif

/* Doing in userspace what a CPU does when it takes an exception, for hosts
 * whose KVM cannot (PVM: injecting #BP triple-faults the guest; a 32-bit
 * iret and an int3 end in emulation failures, see KVM-HOST-NOTES.md).
 * Pure over guest memory and the vCPU's register structs from
 * <linux/kvm.h>: no /dev/kvm needed, unit-tested on plain buffers.
 *
 * Only what ring-0 guests need: same-privilege delivery through 32-bit
 * interrupt and trap gates (protected mode) and 64-bit gates (long mode,
 * IST 0 only), and same-privilege 32-bit iret. Anything else (a privilege
 * change, a task gate, IST, an LDT selector, 16-bit gates or stacks, real
 * or virtual-8086 mode) is refused with a reason rather than guessed.
 *
 * The CPL is the RPL of the current CS selector. The IDT, the GDT and the
 * stack are read and written through guest virtual (linear) addresses with
 * the paging mode in the sregs (backends/kvm/mmu/pagewalk.h). Segment
 * limits are checked for the IDT, the GDT and the target EIP, not for the
 * stack (guests here use flat segments); a code segment loaded into CS gets
 * its accessed bit set in the register but not written back to the GDT.
 *
 * `why` may be NULL; when set, it points to a static string. */
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
 * stack aligned to 16), clears TF, RF, NT, VM (and IF for an interrupt
 * gate), and loads CS:RIP from the gate. The pushed EFLAGS is r->rflags as
 * given: for a fault the CPU would push it with RF set, which is the
 * caller's to do. On success updates *r and *s and returns 0; on failure
 * leaves them as they were, returns -1 and sets *why. Every check (gate,
 * segment, each stack slot mapped and writable) is done before the first
 * byte is pushed, so a refusal leaves guest memory untouched too; only a
 * write failing after its page walk succeeded (which a consistent
 * guest_mem cannot do) would leave part of a frame on the guest stack. */
int x86_deliver_exception(const struct guest_mem *m, struct kvm_regs *r,
			  struct kvm_sregs *s, unsigned vector, uint32_t error_code,
			  const char **why);

/* Carry out a same-privilege 32-bit `iret` at r->rip (the instruction PVM
 * cannot emulate) in protected mode: pop EIP, CS and EFLAGS from SS:ESP,
 * reload CS from the GDT, ESP += 12. EFLAGS takes the popped bits the CPU
 * lets through at this CPL (at CPL 0 all but VM; IF only when CPL <= IOPL;
 * IOPL, VIF, VIP only at CPL 0); reserved bits clear, bit 1 set. Refuses
 * (-1, *why, *r and *s unchanged) in long mode (an iret without REX.W
 * there is not emulated), when the popped CS has a different privilege
 * level (that iret would pop SS:ESP too), the popped EFLAGS has VM, NT is
 * set (a task return), or the stack or GDT entry is unmapped. */
int x86_emulate_iret32(const struct guest_mem *m, struct kvm_regs *r,
		       struct kvm_sregs *s, const char **why);

/* What an instruction-emulation failure exit (PVM) stopped at, from the
 * instruction bytes KVM reports with the exit. long_mode means 64-bit code
 * (EFER.LMA and CS.L); otherwise a 32-bit code segment is assumed. INT3 is
 * a bare 0xCC at the first byte (so the return address is rip + 1).
 * Legacy prefixes are skipped; 0x66 makes 0xCF a 16-bit iret (OTHER) and
 * REX.W makes it an IRETQ. In 64-bit code 0xCF without REX.W is a 32-bit
 * iret too and classified IRET32, though x86_emulate_iret32 refuses it. */
enum x86_emul_insn {
	X86_EMUL_OTHER = 0,
	X86_EMUL_INT3,    /* 0xCC */
	X86_EMUL_IRET32,  /* 0xCF with 32-bit operand size (no 0x48 REX.W) */
	X86_EMUL_IRETQ,   /* 0x48 0xCF */
};
enum x86_emul_insn x86_classify_insn(const uint8_t *bytes, unsigned n, bool long_mode);

#endif

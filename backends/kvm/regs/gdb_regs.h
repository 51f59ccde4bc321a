/* The vCPU's registers in gdb's x86 register numbering and the target
 * descriptions that announce them: i386 while the guest runs in 32-bit
 * mode, x86-64 once it is in long mode (the stub offers the description of
 * the mode the vCPU is in when gdb asks; see backends/kvm/README.md).
 * Pure over the <linux/kvm.h> register structs.
 *
 * Register numbers are gdb's remote numbers: the order of the <reg>
 * elements in gdb_target_xml(arch, "target.xml"), which is also the order
 * of the `g` packet.
 *   i386:   0-7 eax ecx edx ebx esp ebp esi edi, 8 eip, 9 eflags,
 *           10-15 cs ss ds es fs gs, 16-23 st0-st7, 24-31 fctrl fstat ftag
 *           fiseg fioff foseg fooff fop, 32-39 xmm0-7, 40 mxcsr,
 *           41-42 fs_base gs_base, 43-47 cr0 cr2 cr3 cr4 efer
 *   x86-64: 0-15 rax rbx rcx rdx rsi rdi rbp rsp r8-r15, 16 rip,
 *           17 eflags, 18-23 cs ss ds es fs gs, 24-31 st0-st7, 32-39 fctrl
 *           ... fop, 40-55 xmm0-15, 56 mxcsr, 57-58 fs_base gs_base,
 *           59-63 cr0 cr2 cr3 cr4 efer
 * General registers, segment bases and control registers are 32 bits in
 * i386 and 64 in x86-64; eflags, selectors and the x87 control registers
 * are 32 bits in both, st0-7 are 80, xmm 128. A write through a narrower
 * view (eax, eflags, a selector) keeps the rest of the KVM field. */
#ifndef GDBHUB_KVM_GDB_REGS_H
#define GDBHUB_KVM_GDB_REGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

enum gdb_arch {
	GDB_ARCH_I386 = 0,
	GDB_ARCH_X86_64,
};

/* All register state the stub shows to gdb. */
struct vcpu_state {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
};

/* Number of registers in the layout; regno runs from 0 to this - 1. */
unsigned gdb_reg_count(enum gdb_arch arch);

/* Size in bytes of register regno, or 0 if there is none. */
unsigned gdb_reg_size(enum gdb_arch arch, unsigned regno);

/* gdb's name of register regno ("rip"), or NULL if there is none. */
const char *gdb_reg_name(enum gdb_arch arch, unsigned regno);

/* Size in bytes of all registers together: a `g` reply is twice as many
 * hex digits. 0 for an unknown arch. */
size_t gdb_regs_bytes(enum gdb_arch arch);

/* The largest gdb_reg_size (xmm): a buffer for any one register. */
#define GDB_REG_MAX_SIZE 16

/* Read register regno into out (little-endian, gdb_reg_size bytes).
 * Returns its size, or 0 if regno does not exist. */
unsigned gdb_reg_read(enum gdb_arch arch, const struct vcpu_state *st,
		      unsigned regno, uint8_t *out);

/* Write register regno from in (gdb_reg_size bytes). Segment selectors
 * change only the selector (the stub does not reload descriptors); ftag
 * keeps only which registers are empty (FXSAVE's abridged tag byte, the
 * rest follows from the contents). Returns 0, or -1 if regno does not
 * exist. */
int gdb_reg_write(enum gdb_arch arch, struct vcpu_state *st, unsigned regno,
		  const uint8_t *in);

/* The `g` packet's payload: all registers as lowercase hex, in order,
 * without a terminating NUL. Returns chars written (2 * gdb_regs_bytes),
 * or 0 if cap is too small. */
size_t gdb_regs_to_hex(enum gdb_arch arch, const struct vcpu_state *st, char *out, size_t cap);

/* Apply a `G` packet's hex payload. Returns 0, or -1 if the length is not
 * exactly the layout's or a digit is not hex (then *st is unchanged). */
int gdb_regs_from_hex(enum gdb_arch arch, struct vcpu_state *st, const char *hex, size_t len);

/* The target description document for qXfer:features:read:ANNEX, or NULL
 * if there is no such annex. "target.xml" is self-contained (it includes
 * no other annex): features org.gnu.gdb.i386.core, .sse, (x86-64 only)
 * .segments, and org.gdbhub.x86.system for the control registers (and, in
 * i386, fs_base and gs_base; see target_xml.c). A static string. */
const char *gdb_target_xml(enum gdb_arch arch, const char *annex);

/* gdb's register number of the program counter and of the stack pointer
 * (0 for an unknown arch). */
unsigned gdb_reg_pc(enum gdb_arch arch);
unsigned gdb_reg_sp(enum gdb_arch arch);

#endif

/* The vCPU's registers in gdb's x86 register numbering and the target
 * descriptions that announce them: i386 while the guest runs in 32-bit
 * mode, x86-64 once it is in long mode (the stub offers the description of
 * the mode the vCPU is in when gdb asks; see backends/kvm/README.md).
 * Pure over the <linux/kvm.h> register structs. */
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

/* Read register regno into out (little-endian, gdb_reg_size bytes).
 * Returns its size, or 0 if regno does not exist. */
unsigned gdb_reg_read(enum gdb_arch arch, const struct vcpu_state *st,
		      unsigned regno, uint8_t *out);

/* Write register regno from in (gdb_reg_size bytes). Segment selectors
 * change only the selector (the stub does not reload descriptors). Returns
 * 0, or -1 if regno does not exist. */
int gdb_reg_write(enum gdb_arch arch, struct vcpu_state *st, unsigned regno,
		  const uint8_t *in);

/* The `g` packet's payload: all registers as hex, in order. Returns chars
 * written, or 0 if cap is too small. */
size_t gdb_regs_to_hex(enum gdb_arch arch, const struct vcpu_state *st, char *out, size_t cap);

/* Apply a `G` packet's hex payload. Returns 0, or -1 if the length is not
 * exactly the layout's or a digit is not hex (then *st is unchanged). */
int gdb_regs_from_hex(enum gdb_arch arch, struct vcpu_state *st, const char *hex, size_t len);

/* The target description document for qXfer:features:read:ANNEX, or NULL
 * if there is no such annex ("target.xml" names the others it includes). */
const char *gdb_target_xml(enum gdb_arch arch, const char *annex);

/* gdb's register number of the program counter and of the stack pointer. */
unsigned gdb_reg_pc(enum gdb_arch arch);

#endif

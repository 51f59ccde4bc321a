/* The register tables behind gdb_regs.h: one entry per gdb register, in
 * gdb's numbering, which is the order of the <reg> elements in the target
 * description (target_xml.c); tests/unit/kvm_regs checks both against each
 * other and against gdb itself. */
#ifndef GDBHUB_KVM_REGS_LAYOUT_H
#define GDBHUB_KVM_REGS_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "backends/kvm/regs/gdb_regs.h"

/* A register is the low `size` bytes of a little-endian field of struct
 * vcpu_state, zero-extended when the field is narrower (a 16-bit selector
 * shown as 32 bits); a write changes only those bytes, so a narrower view
 * (eax of rax) leaves the rest of the field alone. The one exception is the
 * tag word, which is converted (fpu_tag.h). */
struct gdb_reg {
	const char *name;
	uint8_t size;	/* bytes in gdb's view */
	uint16_t offset;	/* of the backing bytes in struct vcpu_state */
	uint8_t width;	/* of the backing bytes */
	bool ftag;	/* the x87 tag word, not a plain field */
};

struct gdb_layout {
	const struct gdb_reg *regs;
	unsigned count;
	unsigned pc;
	unsigned sp;
};

/* The table for arch, or NULL for an unknown arch. */
const struct gdb_layout *gdb_layout(enum gdb_arch arch);

#endif

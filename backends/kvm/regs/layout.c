/* gdb's i386 and x86-64 register numbering over the KVM register structs
 * (see layout.h). gdb fixes the order of the core and SSE registers; the
 * segment bases and the control registers come after them, in the order
 * target_xml.c announces. */
#include "backends/kvm/regs/layout.h"

#include <stddef.h>

#define member_size(m) sizeof(((struct vcpu_state *)0)->m)

/* Register nm is the low sz bytes of member m. */
#define FIELD(nm, sz, m) { \
	.name = nm, .size = sz, \
	.offset = offsetof(struct vcpu_state, m), .width = member_size(m), \
}

/* fiseg/fioff and foseg/fooff: FXSAVE's 64-bit last instruction and data
 * pointers cut in halves the way its 32-bit format lays them out (offset
 * low, selector high), which also keeps a 64-bit pointer whole. */
#define HALF(nm, m, high) { \
	.name = nm, .size = 4, \
	.offset = offsetof(struct vcpu_state, m) + 4 * (high), .width = 4, \
}

#define SEGMENTS \
	FIELD("cs", 4, sregs.cs.selector), FIELD("ss", 4, sregs.ss.selector), \
	FIELD("ds", 4, sregs.ds.selector), FIELD("es", 4, sregs.es.selector), \
	FIELD("fs", 4, sregs.fs.selector), FIELD("gs", 4, sregs.gs.selector)

#define X87 \
	FIELD("st0", 10, fpu.fpr[0]), FIELD("st1", 10, fpu.fpr[1]), \
	FIELD("st2", 10, fpu.fpr[2]), FIELD("st3", 10, fpu.fpr[3]), \
	FIELD("st4", 10, fpu.fpr[4]), FIELD("st5", 10, fpu.fpr[5]), \
	FIELD("st6", 10, fpu.fpr[6]), FIELD("st7", 10, fpu.fpr[7]), \
	FIELD("fctrl", 4, fpu.fcw), FIELD("fstat", 4, fpu.fsw), \
	{ .name = "ftag", .size = 4, .ftag = true }, \
	HALF("fiseg", fpu.last_ip, 1), HALF("fioff", fpu.last_ip, 0), \
	HALF("foseg", fpu.last_dp, 1), HALF("fooff", fpu.last_dp, 0), \
	FIELD("fop", 4, fpu.last_opcode)

#define XMM0_7 \
	FIELD("xmm0", 16, fpu.xmm[0]), FIELD("xmm1", 16, fpu.xmm[1]), \
	FIELD("xmm2", 16, fpu.xmm[2]), FIELD("xmm3", 16, fpu.xmm[3]), \
	FIELD("xmm4", 16, fpu.xmm[4]), FIELD("xmm5", 16, fpu.xmm[5]), \
	FIELD("xmm6", 16, fpu.xmm[6]), FIELD("xmm7", 16, fpu.xmm[7])

#define XMM8_15 \
	FIELD("xmm8", 16, fpu.xmm[8]), FIELD("xmm9", 16, fpu.xmm[9]), \
	FIELD("xmm10", 16, fpu.xmm[10]), FIELD("xmm11", 16, fpu.xmm[11]), \
	FIELD("xmm12", 16, fpu.xmm[12]), FIELD("xmm13", 16, fpu.xmm[13]), \
	FIELD("xmm14", 16, fpu.xmm[14]), FIELD("xmm15", 16, fpu.xmm[15])

/* The segment bases and control registers at the width of the mode. */
#define SYSTEM(sz) \
	FIELD("fs_base", sz, sregs.fs.base), FIELD("gs_base", sz, sregs.gs.base), \
	FIELD("cr0", sz, sregs.cr0), FIELD("cr2", sz, sregs.cr2), \
	FIELD("cr3", sz, sregs.cr3), FIELD("cr4", sz, sregs.cr4), \
	FIELD("efer", sz, sregs.efer)

static const struct gdb_reg i386_regs[] = {
	FIELD("eax", 4, regs.rax), FIELD("ecx", 4, regs.rcx),
	FIELD("edx", 4, regs.rdx), FIELD("ebx", 4, regs.rbx),
	FIELD("esp", 4, regs.rsp), FIELD("ebp", 4, regs.rbp),
	FIELD("esi", 4, regs.rsi), FIELD("edi", 4, regs.rdi),
	FIELD("eip", 4, regs.rip), FIELD("eflags", 4, regs.rflags),
	SEGMENTS,
	X87,
	XMM0_7,
	FIELD("mxcsr", 4, fpu.mxcsr),
	SYSTEM(4),
};

static const struct gdb_reg x86_64_regs[] = {
	FIELD("rax", 8, regs.rax), FIELD("rbx", 8, regs.rbx),
	FIELD("rcx", 8, regs.rcx), FIELD("rdx", 8, regs.rdx),
	FIELD("rsi", 8, regs.rsi), FIELD("rdi", 8, regs.rdi),
	FIELD("rbp", 8, regs.rbp), FIELD("rsp", 8, regs.rsp),
	FIELD("r8", 8, regs.r8), FIELD("r9", 8, regs.r9),
	FIELD("r10", 8, regs.r10), FIELD("r11", 8, regs.r11),
	FIELD("r12", 8, regs.r12), FIELD("r13", 8, regs.r13),
	FIELD("r14", 8, regs.r14), FIELD("r15", 8, regs.r15),
	FIELD("rip", 8, regs.rip), FIELD("eflags", 4, regs.rflags),
	SEGMENTS,
	X87,
	XMM0_7, XMM8_15,
	FIELD("mxcsr", 4, fpu.mxcsr),
	SYSTEM(8),
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* gdb_reg_read's buffers hold GDB_REG_MAX_SIZE; an xmm register is that. */
_Static_assert(member_size(fpu.xmm[0]) == GDB_REG_MAX_SIZE, "largest register");

static const struct gdb_layout layouts[] = {
	[GDB_ARCH_I386] = {
		.regs = i386_regs, .count = COUNT(i386_regs), .pc = 8, .sp = 4,
	},
	[GDB_ARCH_X86_64] = {
		.regs = x86_64_regs, .count = COUNT(x86_64_regs), .pc = 16, .sp = 7,
	},
};

const struct gdb_layout *gdb_layout(enum gdb_arch arch)
{
	if ((unsigned)arch >= COUNT(layouts))
		return NULL;
	return &layouts[arch];
}

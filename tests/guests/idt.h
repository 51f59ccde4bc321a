/* The guests' own IDT: 32-bit interrupt gates (selector GDT_CODE32) whose
 * stubs (isr.S) save the registers and call a C handler per vector, then
 * return with iret. Vectors without a handler print what happened and end
 * the guest with IDT_FATAL_EXIT. Needs gdt_init() first. */
#ifndef GDBHUB_GUEST_IDT_H
#define GDBHUB_GUEST_IDT_H

#define IDT_STUBS 48		/* exceptions 0-31, PIC IRQs 0x20-0x2f */
#define IDT_FATAL_EXIT 0x7f	/* QEMU exit status 255 */

#define VEC_DB 1		/* debug: TF single-step, DR0-3 matches */
#define VEC_BP 3		/* int3 */

#ifndef __ASSEMBLER__
#include <stdint.h>

/* What the stub and the CPU left on the stack, lowest address first: the
 * pushal block, the vector and the error code (0 where the CPU pushes
 * none), then the CPU's frame, which iret pops (same privilege level: no
 * ESP/SS). A handler may change any of it, e.g. set RF in eflags. */
struct isr_frame {
	uint32_t edi, esi, ebp, esp_unused, ebx, edx, ecx, eax;
	uint32_t vector, error;
	uint32_t eip, cs, eflags;
};

typedef void (*isr_handler)(struct isr_frame *f);

/* Point every vector below IDT_STUBS at its stub and load the IDT. */
void idt_init(void);

/* Route vector (below IDT_STUBS) to h; NULL makes it fatal again. */
void idt_set_handler(unsigned vector, isr_handler h);

/* Called by the stubs. */
void isr_dispatch(struct isr_frame *f);
#endif

#endif

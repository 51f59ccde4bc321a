/* A flat GDT of the guests' own, so that what the IDT and the AP trampoline
 * name (selectors 0x08, 0x10) does not depend on the loader's GDT, which
 * multiboot leaves undefined. */
#ifndef GDBHUB_GUEST_GDT_H
#define GDBHUB_GUEST_GDT_H

#define GDT_CODE32 0x08	/* base 0, limit 4 GiB, 32-bit code, ring 0 */
#define GDT_DATA32 0x10	/* base 0, limit 4 GiB, data, ring 0 */

#ifndef __ASSEMBLER__
#include <stdint.h>

/* The operand of lgdt/sgdt. */
struct gdt_ptr {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

/* Load the flat GDT and reload every segment register from it. */
void gdt_init(void);
#endif

#endif

/* The flat GDT shared by the guests that take interrupts or start APs. */
#include "gdt.h"

/* Flat 4 GiB segments: G=1, D=1, P=1, DPL 0; access 0x9a code, 0x92 data. */
static const uint64_t gdt[] __attribute__((aligned(8))) = {
	0,
	0x00cf9a000000ffffull,	/* GDT_CODE32 */
	0x00cf92000000ffffull,	/* GDT_DATA32 */
};

void gdt_init(void)
{
	struct gdt_ptr p = { sizeof(gdt) - 1, (uint32_t)gdt };

	__asm__ volatile(
		"lgdt %0\n\t"
		"ljmp %1, $1f\n"
		"1:\n\t"
		"mov %2, %%ax\n\t"
		"mov %%ax, %%ds\n\t"
		"mov %%ax, %%es\n\t"
		"mov %%ax, %%fs\n\t"
		"mov %%ax, %%gs\n\t"
		"mov %%ax, %%ss\n\t"
		: : "m"(p), "i"(GDT_CODE32), "i"(GDT_DATA32) : "eax", "memory");
}

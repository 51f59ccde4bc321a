/* IDT setup and the C side of interrupt dispatch (see idt.h). */
#include "gdt.h"
#include "guestlib.h"
#include "idt.h"

#define IDT_ENTRIES 256
#define GATE_INT32 0x8e	/* present, DPL 0, 32-bit interrupt gate (IF cleared) */

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t zero;
	uint8_t type;
	uint16_t offset_hi;
} __attribute__((packed));

struct idt_ptr {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

extern const uint32_t isr_stub_table[IDT_STUBS];	/* isr.S */

static struct idt_gate idt[IDT_ENTRIES] __attribute__((aligned(8)));
static isr_handler handlers[IDT_STUBS];

static void set_gate(unsigned vector, uint32_t offset)
{
	idt[vector].offset_lo = (uint16_t)offset;
	idt[vector].selector = GDT_CODE32;
	idt[vector].zero = 0;
	idt[vector].type = GATE_INT32;
	idt[vector].offset_hi = (uint16_t)(offset >> 16);
}

void idt_init(void)
{
	struct idt_ptr p = { sizeof(idt) - 1, (uint32_t)idt };

	for (unsigned v = 0; v < IDT_STUBS; v++)
		set_gate(v, isr_stub_table[v]);
	__asm__ volatile("lidt %0" : : "m"(p) : "memory");
}

void idt_set_handler(unsigned vector, isr_handler h)
{
	if (vector < IDT_STUBS)
		handlers[vector] = h;
}

/* No handler: an unexpected exception or interrupt. Say which and stop,
 * rather than return into whatever caused it. */
static void fatal(const struct isr_frame *f)
{
	serial_puts("guest: unexpected vector ");
	serial_put_dec(f->vector);
	serial_puts(" error ");
	serial_put_hex(f->error);
	serial_puts(" eip ");
	serial_put_hex(f->eip);
	serial_puts("\n");
	guest_exit(IDT_FATAL_EXIT);
}

void isr_dispatch(struct isr_frame *f)
{
	if (f->vector < IDT_STUBS && handlers[f->vector])
		handlers[f->vector](f);
	else
		fatal(f);
}

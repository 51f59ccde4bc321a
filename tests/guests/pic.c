/* 8259 PIC setup, masks and EOI (see pic.h). */
#include "guestlib.h"
#include "pic.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1

#define ICW1_INIT_ICW4 0x11	/* edge triggered, cascade, ICW4 follows */
#define ICW3_MASTER_SLAVE_ON_IRQ2 0x04
#define ICW3_SLAVE_ID 0x02
#define ICW4_8086 0x01
#define OCW2_EOI 0x20

static uint16_t data_port(unsigned irq)
{
	return irq < 8 ? PIC1_DATA : PIC2_DATA;
}

void pic_remap(void)
{
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, PIC_VECTOR_BASE);
	outb(PIC2_DATA, PIC_VECTOR_BASE + 8);
	outb(PIC1_DATA, ICW3_MASTER_SLAVE_ON_IRQ2);
	outb(PIC2_DATA, ICW3_SLAVE_ID);
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	/* the slave's line stays open; its own mask decides */
	outb(PIC1_DATA, (uint8_t)~(1u << 2));
	outb(PIC2_DATA, 0xff);
}

void pic_unmask(unsigned irq)
{
	uint16_t port = data_port(irq);

	outb(port, inb(port) & (uint8_t)~(1u << (irq & 7)));
}

void pic_mask(unsigned irq)
{
	uint16_t port = data_port(irq);

	outb(port, inb(port) | (uint8_t)(1u << (irq & 7)));
}

void pic_eoi(unsigned irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, OCW2_EOI);
	outb(PIC1_CMD, OCW2_EOI);
}

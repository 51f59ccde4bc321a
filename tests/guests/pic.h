/* The two cascaded 8259 PICs, moved off the exception vectors. */
#ifndef GDBHUB_GUEST_PIC_H
#define GDBHUB_GUEST_PIC_H

#define PIC_VECTOR_BASE 0x20	/* IRQ n arrives as vector 0x20 + n */

/* Reinitialise both PICs for vectors 0x20-0x2f with every IRQ masked. */
void pic_remap(void);

void pic_unmask(unsigned irq);
void pic_mask(unsigned irq);

/* End of interrupt for irq (both PICs for the slave's IRQs 8-15). */
void pic_eoi(unsigned irq);

#endif

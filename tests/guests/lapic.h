/* The BSP's local APIC (xAPIC, MMIO at its reset base) for starting APs. */
#ifndef GDBHUB_GUEST_LAPIC_H
#define GDBHUB_GUEST_LAPIC_H

#define LAPIC_BASE 0xfee00000
#define LAPIC_ID (LAPIC_BASE + 0x020)	/* bits 31-24: this CPU's APIC ID */

#ifndef __ASSEMBLER__
#include <stdint.h>

/* This CPU's APIC ID. */
unsigned lapic_id(void);

/* Set the software-enable bit (spurious vector 0xff; nothing is delivered
 * while interrupts are off). */
void lapic_enable(void);

/* INIT, then STARTUP with vector (the AP starts at vector << 12 in real
 * mode). Each returns once the APIC has sent the IPI, or 0 after a long
 * wait, 1 if sent. */
int lapic_send_init(unsigned apic_id);
int lapic_send_sipi(unsigned apic_id, uint8_t vector);
#endif

#endif

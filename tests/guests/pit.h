/* The 8254 PIT, channel 0: a periodic IRQ 0, or (interrupts off) a polled
 * clock for bounded waits that mean the same time under TCG and KVM. */
#ifndef GDBHUB_GUEST_PIT_H
#define GDBHUB_GUEST_PIT_H

#include <stdint.h>

#define PIT_HZ 1193182u

/* IRQ 0 at hz (rate generator, mode 2). */
void pit_periodic(unsigned hz);

/* Let channel 0 run free (reload 65536, about 55 ms per round) and start
 * counting from now. Its IRQ 0 stays unused: keep interrupts off. */
void pit_clock_start(void);

/* Microseconds since pit_clock_start. Poll at least every 50 ms: a longer
 * gap (e.g. the VM stopped in a debugger) counts as less than a round, so a
 * timeout measured with it never expires early, only late. */
uint64_t pit_clock_us(void);

/* Busy-wait at least us microseconds (with the clock started). */
void pit_delay_us(uint32_t us);

#endif

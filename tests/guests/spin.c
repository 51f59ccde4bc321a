/*
 * spin guest: busy-loops until a debugger sets `release` to non-zero,
 * for exercising interrupt (Ctrl-C), continue and memory writes.
 */
#include "guestlib.h"

volatile unsigned release;
volatile unsigned long ticks;

__attribute__((noinline)) void spin_loop(void)
{
	while (!release)
		ticks++;
}

void kmain(uint32_t magic, uint32_t mbi)
{
	(void)magic;
	(void)mbi;
	serial_init();
	serial_puts("spin: start\n");
	spin_loop();
	serial_puts("spin: released\n");
	guest_exit(3);
}

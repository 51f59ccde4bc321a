/*
 * spin guest of QEMU's virt machines (aarch64/, riscv64/): spin.c's loop,
 * so the interrupt (Ctrl-C) scenarios fit every architecture. It busy-loops
 * until a debugger sets `release`, then exits with 3.
 */
#include "virt.h"

volatile unsigned release;
volatile unsigned long ticks;

__attribute__((noinline)) void spin_loop(void)
{
	while (!release)
		ticks++;
}

void kmain(void)
{
	serial_puts("spin: start\n");
	spin_loop();
	serial_puts("spin: released\n");
	guest_exit(3);
}

/*
 * burn guest: the line gdb's `next` is timed over in bench/kvm_compare.py.
 * Each round waits until a debugger raises `go` past `rounds`, then runs one
 * source line that executes BURN_LOOPS * 2 + 2 instructions with no call in
 * it (a call would make `next` plant a breakpoint at the return; this way a
 * stub with range stepping answers the whole line with one vCont;r, and one
 * without it takes one round trip per instruction).
 */
#include "guestlib.h"

#define BURN_LOOPS 4999u        /* 2 * 4999 + 2 = 10,000 instructions */
#define BURN_DONE 0xffffffffu
#define BURN_EXIT 0x21          /* QEMU's exit status: 0x43 */

volatile unsigned go;
volatile unsigned rounds;

void kmain(uint32_t magic, uint32_t mbi)
{
	unsigned left;

	(void)magic;
	(void)mbi;
	serial_init();
	serial_puts("burn: start\n");
	for (;;) {
		while (go == rounds)
			;
		if (go == BURN_DONE)
			break;
		left = BURN_LOOPS;
		__asm__ volatile("1: dec %0\n\tjnz 1b" : "+r"(left)); /* burn line */
		rounds++;
	}
	serial_puts("burn: rounds=");
	serial_put_dec(rounds);
	serial_puts("\n");
	guest_exit(BURN_EXIT);
}

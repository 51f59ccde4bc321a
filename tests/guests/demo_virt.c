/*
 * demo guest of QEMU's virt machines (aarch64/, riscv64/): demo.c's
 * globals, functions and loop, so the same gdb scenarios fit every
 * architecture. Each folder's virt.h brings the UART and the exit.
 * Keep one statement per line: tests step through kmain with `next`.
 */
#include "virt.h"

volatile unsigned counter;
volatile unsigned long long total;
volatile unsigned exit_value = 7;
volatile unsigned last_fact;

__attribute__((noinline)) int add(int a, int b)
{
	return a + b;
}

__attribute__((noinline)) unsigned factorial(unsigned n)
{
	return n <= 1 ? 1 : n * factorial(n - 1);
}

void kmain(void)
{
	unsigned code;

	serial_puts("demo: hello\n");

	for (int i = 0; i < 10; i++) {
		counter++;
		total += add(i, 100);
	}

	last_fact = factorial(5);

	serial_puts("demo: counter=");
	serial_put_dec(counter);
	serial_puts("\n");
	serial_puts("demo: total=");
	serial_put_dec(total);
	serial_puts("\n");
	serial_puts("demo: last_fact=");
	serial_put_dec(last_fact);
	serial_puts("\n");

	code = exit_value;
	serial_puts("demo: exit ");
	serial_put_dec(code);
	serial_puts("\n");
	guest_exit(code);
}

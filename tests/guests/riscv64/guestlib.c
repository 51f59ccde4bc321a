/* NS16550 output and the sifive_test exit of the riscv64 test guests. */
#include "virt.h"

#define UART_BASE 0x10000000ul
#define UART_THR 0	/* transmit holding register */
#define UART_LSR 5	/* line status register */
#define UART_LSR_THRE 0x20	/* transmit holding register empty */

/* sifive_test: FAIL ends QEMU with the status in the upper 16 bits, PASS
   with 0. */
#define SIFIVE_TEST_BASE 0x100000ul
#define SIFIVE_TEST_FAIL 0x3333
#define SIFIVE_TEST_PASS 0x5555

static volatile uint8_t *uart(unsigned reg)
{
	return (volatile uint8_t *)(UART_BASE + reg);
}

static void serial_putc(char c)
{
	while (!(*uart(UART_LSR) & UART_LSR_THRE))
		;
	*uart(UART_THR) = (uint8_t)c;
}

void serial_puts(const char *s)
{
	while (*s)
		serial_putc(*s++);
}

void serial_put_dec(uint64_t v)
{
	char buf[21];
	int i = sizeof(buf) - 1;

	buf[i] = '\0';
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	serial_puts(&buf[i]);
}

void guest_exit(unsigned v)
{
	volatile uint32_t *test = (volatile uint32_t *)SIFIVE_TEST_BASE;

	*test = v == 0 ? SIFIVE_TEST_PASS : (v & 0xffff) << 16 | SIFIVE_TEST_FAIL;
	for (;;)
		__asm__ volatile("wfi");
}

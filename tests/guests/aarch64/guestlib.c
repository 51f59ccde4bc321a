/* PL011 output and the semihosting exit of the aarch64 test guests. */
#include "virt.h"

#define PL011_BASE 0x09000000ul
#define PL011_DR 0x00	/* data register */
#define PL011_FR 0x18	/* flag register */
#define PL011_FR_TXFF (1u << 5)	/* transmit FIFO full */

#define SEMIHOST_SYS_EXIT 0x18
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

static volatile uint32_t *pl011(unsigned reg)
{
	return (volatile uint32_t *)(PL011_BASE + reg);
}

static void serial_putc(char c)
{
	while (*pl011(PL011_FR) & PL011_FR_TXFF)
		;
	*pl011(PL011_DR) = (uint8_t)c;
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

/* A64 SYS_EXIT takes a block: the reason, then the status QEMU exits with. */
void guest_exit(unsigned v)
{
	uint64_t block[2] = { ADP_STOPPED_APPLICATION_EXIT, v };
	register uint64_t op __asm__("x0") = SEMIHOST_SYS_EXIT;
	register uint64_t arg __asm__("x1") = (uint64_t)block;

	__asm__ volatile("hlt #0xf000" : : "r"(op), "r"(arg) : "memory");
	for (;;)
		__asm__ volatile("wfi");
}

/*
 * echo guest: reads one line from COM1, polling the line status register
 * as a boot loader's console does (no interrupts), prints it back and
 * exits with its length, for the console input of gdbhub-kvm (--console,
 * a kvm target's "console"). Without input it polls forever.
 */
#include "guestlib.h"

#define COM1 0x3f8
#define UART_LSR 5
#define UART_LSR_DR 0x01

static char line[80];
unsigned line_len;

static char serial_getc(void)
{
	while (!(inb(COM1 + UART_LSR) & UART_LSR_DR))
		;
	return (char)inb(COM1);
}

void kmain(uint32_t magic, uint32_t mbi)
{
	char c;

	(void)magic;
	(void)mbi;
	serial_init();
	serial_puts("echo: ready\n");
	while ((c = serial_getc()) != '\n')
		if (line_len < sizeof(line) - 1)
			line[line_len++] = c;
	line[line_len] = '\0';
	serial_puts("echo: got ");
	serial_puts(line);
	serial_putc('\n');
	guest_exit(line_len);
}

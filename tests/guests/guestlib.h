/* Minimal runtime shared by the gdbhub test guests. */
#ifndef GDBHUB_GUESTLIB_H
#define GDBHUB_GUESTLIB_H

#include <stdint.h>

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u

static inline void outb(uint16_t port, uint8_t val)
{
	__asm__ volatile("outb %0, %1" : : "a"(val), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t val;
	__asm__ volatile("inb %1, %0" : "=a"(val) : "Nd"(port));
	return val;
}

/* COM1 16550 UART, 115200 8N1. Output is raw: '\n' is not turned into CRLF. */
void serial_init(void);
void serial_putc(char c);
void serial_puts(const char *s);
void serial_put_hex(uint32_t v);	/* "0x" + 8 hex digits */
void serial_put_dec(uint64_t v);

/* Leave QEMU through isa-debug-exit (iobase 0xf4): QEMU's exit status is
   (v << 1) | 1.  Halts forever if the device is absent. */
__attribute__((noreturn)) void guest_exit(unsigned v);

/* Entry point called by _start (boot.S). */
void kmain(uint32_t magic, uint32_t mbi);

#endif

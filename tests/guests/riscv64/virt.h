/* What the virt guests need of the riscv64 machine: UART output, the exit. */
#ifndef GDBHUB_RISCV64_VIRT_H
#define GDBHUB_RISCV64_VIRT_H

#include <stdint.h>

/* The NS16550 UART at 0x10000000; QEMU needs no setup to send. */
void serial_puts(const char *s);
void serial_put_dec(uint64_t v);

/* Leave QEMU with exit status v (1..65535; 0 is a failure with status 0)
   through the sifive_test device at 0x100000. */
__attribute__((noreturn)) void guest_exit(unsigned v);

/* The guest's main program, called by _start; ends with guest_exit(). */
void kmain(void);

#endif

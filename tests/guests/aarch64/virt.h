/* What the virt guests need of the aarch64 machine: UART output, the exit. */
#ifndef GDBHUB_AARCH64_VIRT_H
#define GDBHUB_AARCH64_VIRT_H

#include <stdint.h>

/* The PL011 UART at 0x09000000; QEMU needs no setup to send. */
void serial_puts(const char *s);
void serial_put_dec(uint64_t v);

/* Leave QEMU with exit status v, through semihosting's SYS_EXIT
   (needs -semihosting-config enable=on,target=native). */
__attribute__((noreturn)) void guest_exit(unsigned v);

/* The guest's main program, called by _start; ends with guest_exit(). */
void kmain(void);

#endif

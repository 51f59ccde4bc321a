/* What smp.c and the AP start code (smp_boot.S) share. */
#ifndef GDBHUB_GUEST_SMP_H
#define GDBHUB_GUEST_SMP_H

#define SMP_MAX_CPUS 16
#define AP_STACK_SIZE 8192		/* one per APIC ID, in ap_stacks */
#define AP_TRAMPOLINE_ADDR 0x8000	/* SIPI vector 0x08; below 1 MiB, page aligned */

#ifndef __ASSEMBLER__
#include <stdint.h>

/* smp_boot.S: the real-mode code an AP starts in, copied to
 * AP_TRAMPOLINE_ADDR; its GDT pointer (ap_trampoline_gdtr, 6 bytes) must be
 * filled in the copy. It enters protected mode, takes the stack of its
 * APIC ID and calls ap_main(APIC ID). */
extern const uint8_t ap_trampoline[], ap_trampoline_gdtr[], ap_trampoline_end[];

extern uint8_t ap_stacks[SMP_MAX_CPUS][AP_STACK_SIZE];

__attribute__((noreturn)) void ap_main(unsigned cpu);
#endif

#endif

/* Flat 32-bit protected mode as the multiboot spec leaves a vCPU: a GDT
 * in guest memory (null, null, code 0x10, data 0x18, 4 GiB, ring 0; the
 * selectors QEMU's multiboot loader uses) and segment registers loaded from
 * it, paging off. Used for the boot vCPU and for the host probe's VM. */
#ifndef GDBHUB_KVM_FLAT32_H
#define GDBHUB_KVM_FLAT32_H

#include <stdint.h>

#include <linux/kvm.h>

#define FLAT32_CS 0x10
#define FLAT32_DS 0x18
#define FLAT32_GDT_SIZE 32

/* Write the GDT to gdt (FLAT32_GDT_SIZE bytes of guest memory). */
void flat32_write_gdt(uint8_t *gdt);

/* Load flat segments, GDTR = gdt_base, CR0 = PE|ET into s (the rest of s,
 * IDTR included, as it was). */
void flat32_sregs(struct kvm_sregs *s, uint64_t gdt_base);

#endif

/* Multiboot v1 loading of an ELF kernel into guest RAM, as the spec says:
 * the header in the first 8 KiB, PT_LOAD segments at their physical
 * addresses (bss zeroed), and an information block with the memory size,
 * a memory map and the command line. Pure over guest_mem: no /dev/kvm. */
#ifndef GDBHUB_KVM_MULTIBOOT_H
#define GDBHUB_KVM_MULTIBOOT_H

#include <stddef.h>
#include <stdint.h>

#include "backends/kvm/mmu/guest_mem.h"

#define MULTIBOOT_LOADER_MAGIC 0x2BADB002u

/* Where the loader leaves the machine: the vCPU starts at entry in 32-bit
 * protected mode with EAX = MULTIBOOT_LOADER_MAGIC and EBX = info. */
struct multiboot_boot {
	uint32_t entry;
	uint32_t info;       /* guest physical address of the info block */
	uint64_t image_end;  /* first physical byte after the loaded kernel */
};

/* Load the ELF32 kernel image (len bytes) into m and build the info block
 * (with cmdline, which may be NULL: then the block has no command line).
 * The info block, memory map, loader name and command line go in low
 * memory from 0x9000, below 639 KiB and clear of 0x8000-0x8FFF (where SMP
 * guests put their AP trampoline); a segment overlapping them is refused.
 * RAM must be at least 1 MiB. entry is e_entry, made physical when it lies
 * in a segment whose p_vaddr differs from p_paddr (as GRUB does).
 * Nothing is written to m unless the whole image checks out. Returns 0, or
 * -1 with *cause (malloc'd) saying what is wrong with the image: not ELF32
 * i386, no multiboot header, bad checksum, a segment outside RAM or the
 * image or overlapping the info block, an entry in no segment, a.out
 * kludge or video mode requested (not supported). Users link cause_dep
 * (proxy/cause.h) besides kvm_pure_dep. */
int multiboot_load(const struct guest_mem *m, const uint8_t *image, size_t len,
		   const char *cmdline, struct multiboot_boot *out, char **cause);

#endif

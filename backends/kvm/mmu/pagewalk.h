/* Guest virtual (linear) to physical translation, as the vCPU's paging mode
 * says: paging off (identity), 32-bit paging (4 KiB and, with CR4.PSE, 4 MiB
 * pages), PAE (4 KiB, 2 MiB) and 4-level long mode (4 KiB, 2 MiB, 1 GiB).
 * Pure over guest_mem and the vCPU's control registers: no /dev/kvm needed.
 * Debugger accesses ignore the R/W and U/S bits (gdb may write to read-only
 * code pages, as QEMU's stub does), but report them. */
#ifndef GDBHUB_KVM_PAGEWALK_H
#define GDBHUB_KVM_PAGEWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backends/kvm/mmu/guest_mem.h"

/* The control registers that decide translation (from struct kvm_sregs). */
struct pw_mode {
	uint64_t cr0, cr3, cr4, efer;
};

struct pw_result {
	uint64_t pa;         /* guest physical address of va */
	uint64_t page_size;  /* size of the page that maps va (4096 with paging off) */
	bool writable;       /* every level allows writes */
	bool user;           /* every level allows user access */
};

/* Translate va. Returns 0 and fills *out, or -1 if va is not mapped (a
 * not-present entry, a non-canonical long-mode address, a va above 4 GiB
 * outside long mode, 5-level paging (CR4.LA57, not supported), or a table
 * outside RAM). Reserved bits are not checked and NX plays no part: the
 * walker reports what the tables map. pa keeps at most 52 bits. */
int pagewalk(const struct guest_mem *m, const struct pw_mode *mode, uint64_t va,
	     struct pw_result *out);

/* Copy between guest virtual memory and buf, page by page. Returns how many
 * bytes were copied before the first unmapped page or physical address
 * outside RAM (so a short count tells where the access stopped). */
size_t guest_virt_read(const struct guest_mem *m, const struct pw_mode *mode,
		       uint64_t va, void *buf, size_t len);
size_t guest_virt_write(const struct guest_mem *m, const struct pw_mode *mode,
			uint64_t va, const void *buf, size_t len);

#endif

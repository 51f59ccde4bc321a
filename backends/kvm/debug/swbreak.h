/* Software breakpoints: an int3 (0xCC) written into guest memory, the
 * byte it replaced kept aside (or, on a host that hands int3 to the guest,
 * an `out %al,(%dx)`: see SWBREAK_PIO_INSN). Kept by guest physical address, so a read
 * through any mapping of the page sees the guest's own byte, and with no
 * fixed limit on their number. Pure over guest_mem: unit-tested without
 * /dev/kvm. */
#ifndef GDBHUB_KVM_SWBREAK_H
#define GDBHUB_KVM_SWBREAK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backends/kvm/mmu/guest_mem.h"

struct swbreak {
	uint64_t va;    /* where gdb asked for it */
	uint64_t pa;    /* where the 0xCC is */
	uint8_t orig;   /* the guest's byte under it */
};

struct swbreaks {
	struct swbreak *v;
	size_t n, cap;
	uint8_t insn;   /* the byte planted; 0 means SWBREAK_INSN */
};

#define SWBREAK_INSN 0xCC
/* `out %al,(%dx)`: one byte, and a port write always leaves KVM_RUN, on
 * every host; the stub uses it where int3 goes straight to the guest
 * (vmm/host.h). Only for code that runs with the right to do port I/O
 * (kernel code): user mode would take a #GP instead. */
#define SWBREAK_PIO_INSN 0xEE

/* The byte t plants. */
uint8_t swbreak_insn(const struct swbreaks *t);

/* Insert at va, which the caller translated to pa. Inserting at a va that
 * already has one is a no-op (gdb may insert twice). Returns 0, or -1 if
 * pa is outside RAM or memory runs out. */
int swbreak_insert(struct swbreaks *t, const struct guest_mem *m, uint64_t va, uint64_t pa);

/* Remove the one at va and put the guest's byte back. Returns 0, or -1 if
 * there is none at va. */
int swbreak_remove(struct swbreaks *t, const struct guest_mem *m, uint64_t va);

/* The breakpoint gdb placed at va, or NULL. */
const struct swbreak *swbreak_find(const struct swbreaks *t, uint64_t va);

/* buf holds len bytes just read from guest physical pa: put back the
 * guest's own bytes where our int3s are. */
void swbreak_shadow(const struct swbreaks *t, uint64_t pa, uint8_t *buf, size_t len);

/* data (len bytes) was just written to guest physical pa: where that
 * covered one of our int3s, the written byte becomes the guest's byte and
 * the int3 goes back in. */
void swbreak_after_write(struct swbreaks *t, const struct guest_mem *m, uint64_t pa,
			 const uint8_t *data, size_t len);

/* Remove all, restoring the guest's bytes. */
void swbreak_clear(struct swbreaks *t, const struct guest_mem *m);

#endif

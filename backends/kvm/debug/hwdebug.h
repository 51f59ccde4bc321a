/* Hardware breakpoints and watchpoints in the four x86 debug registers:
 * which slot holds what, the DR7 that enables them, and which one a #DB
 * names in DR6. Pure: the stub hands the result to KVM_SET_GUEST_DEBUG. */
#ifndef GDBHUB_KVM_HWDEBUG_H
#define GDBHUB_KVM_HWDEBUG_H

#include <stdbool.h>
#include <stdint.h>

#define HW_SLOTS 4

/* As gdb's Z1..Z4 name them. */
enum hw_kind {
	HW_EXEC = 1,
	HW_WRITE = 2,
	HW_READ = 3,    /* x86 has no read-only watch: an access watch, named read */
	HW_ACCESS = 4,
};

struct hw_slot {
	bool used;
	enum hw_kind kind;
	uint64_t addr;
	unsigned len;
};

/* The guest's own debug registers, as KVM_GET_DEBUGREGS reads them: KVM
 * keeps them apart from the ones KVM_SET_GUEST_DEBUG loads, so the guest
 * reads back what it wrote, but while we load ours its own do not fire
 * unless we load them too (hw_debugregs). */
struct hw_guest_dr {
	uint64_t db[HW_SLOTS];
	uint64_t dr7;
};

/* Slots the guest's DR7 enables (L or G bit), one bit per slot. */
unsigned hw_guest_enabled(uint64_t dr7);

/* Take a free slot for kind at addr/len. Slots in `guest` (the ones the
 * guest enables) are taken only when no other is free: the guest's own
 * breakpoint there is then suspended until the slot is ours no more.
 * Returns the slot, or -1 with *why: no free slot, or a length x86 cannot
 * watch (1, 2, 4, 8, aligned to itself; execution breakpoints take len 1
 * as gdb sends it). The same kind, addr and len twice takes one slot. */
int hw_insert(struct hw_slot slots[HW_SLOTS], enum hw_kind kind, uint64_t addr,
	      unsigned len, unsigned guest, const char **why);

/* Free slots outside `guest`. */
unsigned hw_free_for_host(const struct hw_slot slots[HW_SLOTS], unsigned guest);

/* Free the slot holding exactly kind/addr/len. Returns 0 or -1. */
int hw_remove(struct hw_slot slots[HW_SLOTS], enum hw_kind kind, uint64_t addr, unsigned len);

/* DR0-3 and DR7 (debugreg[7]) for KVM_SET_GUEST_DEBUG; DR4-6 zero. Each
 * slot we do not use carries the guest's own breakpoint, if it has one
 * there (guest may be NULL), so that it keeps firing: a #DB from such a
 * slot is the guest's (hw_guest_dr6). */
void hw_debugregs(const struct hw_slot slots[HW_SLOTS], const struct hw_guest_dr *guest,
		  uint64_t debugreg[8]);

/* Which used slot a #DB with this DR6 is about (lowest first), or -1. */
int hw_slot_hit(const struct hw_slot slots[HW_SLOTS], uint64_t dr6);

/* DR6 as the guest would have seen it: without our slots' bits. */
uint64_t hw_guest_dr6(const struct hw_slot slots[HW_SLOTS], uint64_t dr6);

/* Slots in use. */
unsigned hw_used(const struct hw_slot slots[HW_SLOTS]);

/* DR6.BS: the #DB ends a single step. */
#define DR6_BS (1u << 14)

/* Whether a #DB with this DR6 is a completed single step and nothing else
 * (no debug register slot fired with it). */
static inline bool hw_dr6_single_step(uint64_t dr6)
{
	return (dr6 & DR6_BS) && !(dr6 & 0xf);
}

#endif

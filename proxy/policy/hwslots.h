/* Hardware debug slots (x86: DR0-3) shared by every client of a target:
 * first come, first served, refused at insert time when they run out, never
 * at the next resume. One slot serves a breakpoint however many clients own
 * it; a watched range takes as many slots as aligned 1/2/4/8-byte pieces
 * cover it. Pure data: no I/O. */
#ifndef GDBHUB_POLICY_HWSLOTS_H
#define GDBHUB_POLICY_HWSLOTS_H

#include <stdbool.h>
#include <stdint.h>

#include "proxy/policy/breakpoints.h"

#define HW_SLOTS_MAX 16

struct hw_slot {
	bool used;
	struct bp_key key;   /* the breakpoint or watchpoint it serves */
};

struct hw_slots {
	unsigned n;          /* slots the target has; 0: no accounting (the stub decides) */
	struct hw_slot slot[HW_SLOTS_MAX];
};

/* n slots (clamped to HW_SLOTS_MAX); 0 turns accounting off. */
void hw_slots_init(struct hw_slots *s, unsigned n);

/* Whether key is a hardware breakpoint or watchpoint (Z1-Z4). */
bool hw_slots_applies(const struct bp_key *key);

/* Slots key needs: 1 for a hardware breakpoint; for a watchpoint, the number
 * of aligned 1, 2, 4 or 8-byte pieces covering [addr, addr+len). */
unsigned hw_slots_needed(const struct bp_key *key);

/* Take the slots key needs. Returns 0, or -1 if too few are free (nothing
 * taken). Always 0 when accounting is off or key is not hardware. */
int hw_slots_claim(struct hw_slots *s, const struct bp_key *key);

/* Give back every slot key holds. */
void hw_slots_release(struct hw_slots *s, const struct bp_key *key);

/* How many slots are free (0 when accounting is off). */
unsigned hw_slots_free(const struct hw_slots *s);

#endif

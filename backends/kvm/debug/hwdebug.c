/* Debug register slots (see hwdebug.h). */
#include "backends/kvm/debug/hwdebug.h"

/* DR7: L0 is bit 0, then 2 bits per slot; R/W and LEN fields from bit 16,
 * 4 bits per slot. GE (bit 9) as the SDM advises for exact data breaks. */
#define DR7_LE (1u << 8)
#define DR7_GE (1u << 9)
#define DR7_FIXED (1u << 10)

/* Slot i's enable bits and its R/W + LEN field in DR7. */
#define DR7_ENABLE(i) (3ull << (2 * (i)))
#define DR7_FIELD(i) (0xfull << (16 + 4 * (i)))

unsigned hw_guest_enabled(uint64_t dr7)
{
	unsigned mask = 0;

	for (int i = 0; i < HW_SLOTS; i++)
		if (dr7 & DR7_ENABLE(i))
			mask |= 1u << i;
	return mask;
}

static bool valid_len(enum hw_kind kind, uint64_t addr, unsigned len)
{
	if (kind == HW_EXEC)
		return len <= 1 || len == 4; /* gdb sends the breakpoint kind */
	if (len != 1 && len != 2 && len != 4 && len != 8)
		return false;
	return (addr & (len - 1)) == 0;
}

static bool same(const struct hw_slot *s, enum hw_kind kind, uint64_t addr, unsigned len)
{
	return s->used && s->kind == kind && s->addr == addr &&
	       (kind == HW_EXEC || s->len == len);
}

/* A free slot, outside `avoid`, or -1. */
static int free_slot(const struct hw_slot slots[HW_SLOTS], unsigned avoid)
{
	for (int i = 0; i < HW_SLOTS; i++)
		if (!slots[i].used && !(avoid & (1u << i)))
			return i;
	return -1;
}

int hw_insert(struct hw_slot slots[HW_SLOTS], enum hw_kind kind, uint64_t addr,
	      unsigned len, unsigned guest, const char **why)
{
	int i;

	if (!valid_len(kind, addr, len)) {
		*why = "x86 debug registers watch 1, 2, 4 or 8 bytes aligned to their size";
		return -1;
	}
	for (i = 0; i < HW_SLOTS; i++)
		if (same(&slots[i], kind, addr, len))
			return i;
	i = free_slot(slots, guest);
	if (i < 0)
		i = free_slot(slots, 0);
	if (i < 0) {
		*why = "all 4 debug registers are in use";
		return -1;
	}
	slots[i] = (struct hw_slot){ true, kind, addr, kind == HW_EXEC ? 1 : len };
	return i;
}

unsigned hw_free_for_host(const struct hw_slot slots[HW_SLOTS], unsigned guest)
{
	unsigned n = 0;

	for (int i = 0; i < HW_SLOTS; i++)
		n += !slots[i].used && !(guest & (1u << i));
	return n;
}

int hw_remove(struct hw_slot slots[HW_SLOTS], enum hw_kind kind, uint64_t addr, unsigned len)
{
	for (int i = 0; i < HW_SLOTS; i++) {
		if (!same(&slots[i], kind, addr, len))
			continue;
		slots[i].used = false;
		return 0;
	}
	return -1;
}

static uint64_t rw_bits(enum hw_kind kind)
{
	switch (kind) {
	case HW_EXEC:
		return 0;
	case HW_WRITE:
		return 1;
	default:
		return 3; /* read or write: the closest x86 has to a read watch */
	}
}

static uint64_t len_bits(unsigned len)
{
	switch (len) {
	case 2:
		return 1;
	case 4:
		return 3;
	case 8:
		return 2;
	default:
		return 0;
	}
}

/* The guest's breakpoint in slot i, where we leave it the slot. */
static uint64_t guest_slot(const struct hw_guest_dr *guest, int i, uint64_t debugreg[8])
{
	if (!guest || !(guest->dr7 & DR7_ENABLE(i)))
		return 0;
	debugreg[i] = guest->db[i];
	return guest->dr7 & (DR7_ENABLE(i) | DR7_FIELD(i) | DR7_LE | DR7_GE);
}

void hw_debugregs(const struct hw_slot slots[HW_SLOTS], const struct hw_guest_dr *guest,
		  uint64_t debugreg[8])
{
	uint64_t dr7 = DR7_FIXED;

	for (int i = 0; i < 8; i++)
		debugreg[i] = 0;
	for (int i = 0; i < HW_SLOTS; i++) {
		const struct hw_slot *s = &slots[i];

		if (!s->used) {
			dr7 |= guest_slot(guest, i, debugreg);
			continue;
		}
		debugreg[i] = s->addr;
		dr7 |= 1u << (2 * i);
		dr7 |= (rw_bits(s->kind) | len_bits(s->kind == HW_EXEC ? 1 : s->len) << 2)
		       << (16 + 4 * i);
		if (s->kind != HW_EXEC)
			dr7 |= DR7_GE;
	}
	debugreg[7] = dr7;
}

int hw_slot_hit(const struct hw_slot slots[HW_SLOTS], uint64_t dr6)
{
	for (int i = 0; i < HW_SLOTS; i++)
		if (slots[i].used && (dr6 & (1u << i)))
			return i;
	return -1;
}

uint64_t hw_guest_dr6(const struct hw_slot slots[HW_SLOTS], uint64_t dr6)
{
	for (int i = 0; i < HW_SLOTS; i++)
		if (slots[i].used)
			dr6 &= ~(1ull << i);
	return dr6;
}

unsigned hw_used(const struct hw_slot slots[HW_SLOTS])
{
	unsigned n = 0;

	for (int i = 0; i < HW_SLOTS; i++)
		n += slots[i].used;
	return n;
}

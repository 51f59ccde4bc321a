/* Hardware debug slots shared by every client of a target. */
#include "proxy/policy/hwslots.h"

#include <string.h>

/* n slots; 0 turns accounting off. */
void hw_slots_init(struct hw_slots *s, unsigned n)
{
	memset(s, 0, sizeof(*s));
	s->n = n > HW_SLOTS_MAX ? HW_SLOTS_MAX : n;
}

/* Whether key is a hardware breakpoint or watchpoint. */
bool hw_slots_applies(const struct bp_key *key)
{
	return key->type != BP_SOFTWARE;
}

/* The largest aligned piece (8, 4, 2 or 1 bytes) starting at addr within len. */
static uint64_t piece_at(uint64_t addr, uint64_t len)
{
	uint64_t size = 8;

	while (size > 1 && ((addr & (size - 1)) != 0 || size > len))
		size /= 2;
	return size;
}

/* Slots key needs. */
unsigned hw_slots_needed(const struct bp_key *key)
{
	uint64_t addr = key->addr, len = key->kind;
	unsigned n = 0;

	if (key->type == BP_HARDWARE || len == 0)
		return 1;
	while (len > 0 && n <= HW_SLOTS_MAX) {
		uint64_t size = piece_at(addr, len);
		addr += size;
		len -= size;
		n++;
	}
	return n;
}

/* How many slots are free. */
unsigned hw_slots_free(const struct hw_slots *s)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->n; i++)
		n += !s->slot[i].used;
	return n;
}

/* Take the slots key needs, or none. */
int hw_slots_claim(struct hw_slots *s, const struct bp_key *key)
{
	unsigned need = hw_slots_needed(key);

	if (s->n == 0 || !hw_slots_applies(key))
		return 0;
	if (need > hw_slots_free(s))
		return -1;
	for (unsigned i = 0; i < s->n && need > 0; i++) {
		if (!s->slot[i].used) {
			s->slot[i].used = true;
			s->slot[i].key = *key;
			need--;
		}
	}
	return 0;
}

/* Give back every slot key holds. */
void hw_slots_release(struct hw_slots *s, const struct bp_key *key)
{
	for (unsigned i = 0; i < s->n; i++) {
		const struct bp_key *k = &s->slot[i].key;
		if (s->slot[i].used && k->type == key->type && k->addr == key->addr &&
		    k->kind == key->kind)
			s->slot[i].used = false;
	}
}

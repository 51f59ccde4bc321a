/* Software breakpoints (see swbreak.h). A flat array: gdb holds tens of
 * breakpoints, not thousands, and lookups happen only at stops. */
#include <stdlib.h>

#include "backends/kvm/debug/swbreak.h"

static struct swbreak *find(const struct swbreaks *t, uint64_t va)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].va == va)
			return &t->v[i];
	return NULL;
}

uint8_t swbreak_insn(const struct swbreaks *t)
{
	return t->insn ? t->insn : SWBREAK_INSN;
}

const struct swbreak *swbreak_find(const struct swbreaks *t, uint64_t va)
{
	return find(t, va);
}

static bool pa_taken(const struct swbreaks *t, uint64_t pa)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].pa == pa)
			return true;
	return false;
}

int swbreak_insert(struct swbreaks *t, const struct guest_mem *m, uint64_t va, uint64_t pa)
{
	uint8_t *p = guest_mem_ptr(m, pa, 1);
	struct swbreak b = { .va = va, .pa = pa };

	if (find(t, va))
		return 0;
	if (!p)
		return -1;
	/* Two virtual addresses of one physical byte: the first holds the
	 * guest's byte, so take it from there rather than our own planted byte. */
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].pa == pa)
			b.orig = t->v[i].orig;
	if (!pa_taken(t, pa))
		b.orig = *p;
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		struct swbreak *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -1;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = b;
	*p = swbreak_insn(t);
	return 0;
}

int swbreak_remove(struct swbreaks *t, const struct guest_mem *m, uint64_t va)
{
	struct swbreak *b = find(t, va);
	struct swbreak gone;
	uint8_t *p;

	if (!b)
		return -1;
	gone = *b;
	*b = t->v[--t->n];
	p = guest_mem_ptr(m, gone.pa, 1);
	if (p && !pa_taken(t, gone.pa))
		*p = gone.orig;
	return 0;
}

void swbreak_shadow(const struct swbreaks *t, uint64_t pa, uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].pa >= pa && t->v[i].pa - pa < len)
			buf[t->v[i].pa - pa] = t->v[i].orig;
}

void swbreak_after_write(struct swbreaks *t, const struct guest_mem *m, uint64_t pa,
			 const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < t->n; i++) {
		struct swbreak *b = &t->v[i];

		if (b->pa < pa || b->pa - pa >= len)
			continue;
		b->orig = data[b->pa - pa];
		*guest_mem_ptr(m, b->pa, 1) = swbreak_insn(t);
	}
}

void swbreak_clear(struct swbreaks *t, const struct guest_mem *m)
{
	while (t->n)
		swbreak_remove(t, m, t->v[t->n - 1].va);
	free(t->v);
	t->v = NULL;
	t->cap = 0;
}

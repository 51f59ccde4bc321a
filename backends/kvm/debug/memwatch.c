/* Write watchpoint bookkeeping (see memwatch.h). */
#include <stdlib.h>

#include "backends/kvm/debug/memwatch.h"

#define PAGE_MASK (~(uint64_t)4095)

static struct memwatch *find(const struct memwatches *t, uint64_t va, uint64_t len)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].va == va && t->v[i].len == len)
			return &t->v[i];
	return NULL;
}

int memwatch_add(struct memwatches *t, uint64_t va, uint64_t pa, uint64_t len)
{
	if (find(t, va, len))
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 8;
		struct memwatch *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -1;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = (struct memwatch){ va, pa, len };
	return 0;
}

int memwatch_remove(struct memwatches *t, uint64_t va, uint64_t len)
{
	struct memwatch *w = find(t, va, len);

	if (!w)
		return -1;
	*w = t->v[--t->n];
	return 0;
}

const struct memwatch *memwatch_hit(const struct memwatches *t, uint64_t pa, uint64_t len)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct memwatch *w = &t->v[i];

		if (pa < w->pa + w->len && w->pa < pa + len)
			return w;
	}
	return NULL;
}

bool memwatch_page_watched(const struct memwatches *t, uint64_t pa)
{
	for (size_t i = 0; i < t->n; i++)
		if ((t->v[i].pa & PAGE_MASK) == (pa & PAGE_MASK))
			return true;
	return false;
}

void memwatch_clear(struct memwatches *t)
{
	free(t->v);
	*t = (struct memwatches){ 0 };
}

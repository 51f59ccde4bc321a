/* Watchpoint-by-mapping bookkeeping (see memwatch.h). */
#include <stdlib.h>

#include "backends/kvm/debug/memwatch.h"

#define PAGE_MASK (~(uint64_t)4095)

static struct memwatch *find(const struct memwatches *t, uint64_t va, uint64_t len,
			     enum memwatch_kind kind)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].va == va && t->v[i].len == len && t->v[i].kind == kind)
			return &t->v[i];
	return NULL;
}

int memwatch_add(struct memwatches *t, uint64_t va, uint64_t pa, uint64_t len,
		 enum memwatch_kind kind)
{
	if (find(t, va, len, kind))
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 8;
		struct memwatch *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -1;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = (struct memwatch){ va, pa, len, kind };
	return 0;
}

int memwatch_remove(struct memwatches *t, uint64_t va, uint64_t len, enum memwatch_kind kind)
{
	struct memwatch *w = find(t, va, len, kind);

	if (!w)
		return -1;
	*w = t->v[--t->n];
	return 0;
}

static bool stops_on(enum memwatch_kind kind, bool is_write)
{
	return kind == MW_ACCESS || (kind == MW_WRITE) == is_write;
}

const struct memwatch *memwatch_hit(const struct memwatches *t, uint64_t pa, uint64_t len,
				    bool is_write)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct memwatch *w = &t->v[i];

		if (pa < w->pa + w->len && w->pa < pa + len && stops_on(w->kind, is_write))
			return w;
	}
	return NULL;
}

static bool same_page(uint64_t a, uint64_t b)
{
	return (a & PAGE_MASK) == (b & PAGE_MASK);
}

const struct memwatch *memwatch_unmapping(const struct memwatches *t, uint64_t pa)
{
	for (size_t i = 0; i < t->n; i++)
		if (same_page(t->v[i].pa, pa) && t->v[i].kind != MW_WRITE)
			return &t->v[i];
	return NULL;
}

enum memwatch_page memwatch_page_mode(const struct memwatches *t, uint64_t pa)
{
	if (memwatch_unmapping(t, pa))
		return MW_PAGE_UNMAPPED;
	for (size_t i = 0; i < t->n; i++)
		if (same_page(t->v[i].pa, pa))
			return MW_PAGE_READONLY;
	return MW_PAGE_RAM;
}

bool memwatch_page_watched(const struct memwatches *t, uint64_t pa)
{
	return memwatch_page_mode(t, pa) != MW_PAGE_RAM;
}

size_t memwatch_drop_unmapped(struct memwatches *t, uint64_t pa)
{
	size_t dropped = 0;

	for (size_t i = 0; i < t->n;) {
		if (same_page(t->v[i].pa, pa) && t->v[i].kind != MW_WRITE) {
			t->v[i] = t->v[--t->n];
			dropped++;
		} else {
			i++;
		}
	}
	return dropped;
}

void memwatch_clear(struct memwatches *t)
{
	free(t->v);
	*t = (struct memwatches){ 0 };
}

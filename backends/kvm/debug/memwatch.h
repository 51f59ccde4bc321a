/* Write watchpoints without debug registers: the pages they cover are
 * mapped read-only (a KVM_MEM_READONLY memslot), every guest store to such
 * a page comes back to the VMM as an MMIO exit, the VMM completes the
 * store and reports it if it touched a watched range. No limit on their
 * number; the only way on PVM, where debug register data watchpoints never
 * fire (KVM-HOST-NOTES.md). Pure bookkeeping here; vmm/memslots.c maps. */
#ifndef GDBHUB_KVM_MEMWATCH_H
#define GDBHUB_KVM_MEMWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct memwatch {
	uint64_t va, pa;   /* as gdb asked, and where it lies (one page) */
	uint64_t len;
};

struct memwatches {
	struct memwatch *v;
	size_t n, cap;
};

/* Watch [va, va + len), which lies at guest physical pa within one page.
 * Returns 0, or -1 if memory runs out. The same va/len twice is one. */
int memwatch_add(struct memwatches *t, uint64_t va, uint64_t pa, uint64_t len);

/* Stop watching va/len. Returns 0, or -1 if it was not watched. */
int memwatch_remove(struct memwatches *t, uint64_t va, uint64_t len);

/* The watch a store of len bytes at guest physical pa touches, or NULL. */
const struct memwatch *memwatch_hit(const struct memwatches *t, uint64_t pa, uint64_t len);

/* Whether any watch lies in the 4 KiB page that holds pa. */
bool memwatch_page_watched(const struct memwatches *t, uint64_t pa);

void memwatch_clear(struct memwatches *t);

#endif

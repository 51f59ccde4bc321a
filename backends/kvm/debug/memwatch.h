/* Watchpoints without debug registers, by taking pages away from the
 * guest: a page with a write watch is mapped read-only (a KVM_MEM_READONLY
 * memslot), a page with a read or access watch is not mapped at all, so
 * every guest store (and, unmapped, every load) there comes back to the
 * VMM as an MMIO exit; the VMM completes the access on guest RAM and
 * reports it if it touched a watched range of the right kind. No limit on
 * their number; the only way on PVM, where debug register data watchpoints
 * never fire (KVM-HOST-NOTES.md). An unmapped page cannot hold code the
 * guest runs: KVM cannot fetch instructions from MMIO. Pure bookkeeping
 * here; vmm/memslots.c maps. */
#ifndef GDBHUB_KVM_MEMWATCH_H
#define GDBHUB_KVM_MEMWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a watch stops on; the values are gdb's Z2/Z3/Z4 less 2. */
enum memwatch_kind { MW_WRITE, MW_READ, MW_ACCESS };

/* How a page must be mapped for the watches on it. */
enum memwatch_page { MW_PAGE_RAM, MW_PAGE_READONLY, MW_PAGE_UNMAPPED };

struct memwatch {
	uint64_t va, pa;   /* as gdb asked, and where it lies (one page) */
	uint64_t len;
	enum memwatch_kind kind;
};

struct memwatches {
	struct memwatch *v;
	size_t n, cap;
};

/* Watch [va, va + len), which lies at guest physical pa within one page,
 * for kind. Returns 0, or -1 if memory runs out. The same va/len/kind
 * twice is one. */
int memwatch_add(struct memwatches *t, uint64_t va, uint64_t pa, uint64_t len,
		 enum memwatch_kind kind);

/* Stop watching va/len for kind. Returns 0, or -1 if it was not watched. */
int memwatch_remove(struct memwatches *t, uint64_t va, uint64_t len, enum memwatch_kind kind);

/* The watch that an access of len bytes at guest physical pa (a store if
 * is_write, else a load) touches, or NULL. */
const struct memwatch *memwatch_hit(const struct memwatches *t, uint64_t pa, uint64_t len,
				    bool is_write);

/* A read or access watch on the 4 KiB page that holds pa (the page is
 * unmapped for it), or NULL. */
const struct memwatch *memwatch_unmapping(const struct memwatches *t, uint64_t pa);

/* How the 4 KiB page that holds pa must be mapped. */
enum memwatch_page memwatch_page_mode(const struct memwatches *t, uint64_t pa);

/* Whether any watch lies in the 4 KiB page that holds pa. */
bool memwatch_page_watched(const struct memwatches *t, uint64_t pa);

/* Drop the read and access watches on the page that holds pa (the guest
 * runs code there); returns how many. */
size_t memwatch_drop_unmapped(struct memwatches *t, uint64_t pa);

void memwatch_clear(struct memwatches *t);

#endif

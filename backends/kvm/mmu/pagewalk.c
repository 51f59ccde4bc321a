/* Guest virtual to physical translation by walking the guest's page tables
 * in guest RAM, for the paging modes an x86 guest can be in. */
#include "backends/kvm/mmu/pagewalk.h"

#include <string.h>

#define CR0_PG    (1ull << 31)
#define CR4_PSE   (1ull << 4)
#define CR4_PAE   (1ull << 5)
#define CR4_LA57  (1ull << 12)
#define EFER_LMA  (1ull << 10)

#define PTE_P     (1ull << 0)
#define PTE_RW    (1ull << 1)
#define PTE_US    (1ull << 2)
#define PTE_PS    (1ull << 7)

/* Bits 51:12 of a 64-bit entry: the frame, without NX and the high
 * software/protection-key bits (physical addresses have at most 52 bits). */
#define ADDR_MASK_64  0x000ffffffffff000ull
#define ADDR_MASK_32  0xfffff000ull

/* One level of a paging structure hierarchy: which bits of the virtual
 * address index it, whether its entries carry R/W and U/S, and whether
 * PS=1 there maps a page (the page is then 1 << shift bytes). */
struct pw_level {
	unsigned shift, bits;
	bool perms;
	bool large;
};

/* A paging mode: its levels from the root down, the size of an entry,
 * the frame bits of an entry and those of CR3. */
struct pw_format {
	const struct pw_level *levels;
	unsigned nlevels;
	unsigned entry_size;
	uint64_t addr_mask;
	uint64_t cr3_mask;
};

static const struct pw_level levels_32[] = {
	{ 22, 10, true, false }, { 12, 10, true, false },
};
static const struct pw_level levels_32_pse[] = {
	{ 22, 10, true, true }, { 12, 10, true, false },
};
/* The four PDPTEs of PAE paging have no R/W or U/S bits. */
static const struct pw_level levels_pae[] = {
	{ 30, 2, false, false }, { 21, 9, true, true }, { 12, 9, true, false },
};
static const struct pw_level levels_long[] = {
	{ 39, 9, true, false }, { 30, 9, true, true },
	{ 21, 9, true, true }, { 12, 9, true, false },
};

static const struct pw_format fmt_32 = {
	levels_32, 2, 4, ADDR_MASK_32, ADDR_MASK_32,
};
static const struct pw_format fmt_32_pse = {
	levels_32_pse, 2, 4, ADDR_MASK_32, ADDR_MASK_32,
};
static const struct pw_format fmt_pae = {
	levels_pae, 3, 8, ADDR_MASK_64, 0xffffffe0ull,
};
static const struct pw_format fmt_long = {
	levels_long, 4, 8, ADDR_MASK_64, ADDR_MASK_64,
};

/* Read the little-endian entry at guest physical gpa; -1 if outside RAM. */
static int read_entry(const struct guest_mem *m, uint64_t gpa, unsigned size,
		      uint64_t *e)
{
	const uint8_t *p = guest_mem_ptr(m, gpa, size);
	uint32_t e32;

	if (p == NULL)
		return -1;
	if (size == 4) {
		memcpy(&e32, p, 4);
		*e = e32;
	} else {
		memcpy(e, p, 8);
	}
	return 0;
}

/* Physical base of the page leaf entry e maps (page bytes). A 4 MiB page of
 * 32-bit paging keeps physical bits 39:32 in PDE bits 20:13 (PSE-36). */
static uint64_t page_frame(const struct pw_format *f, uint64_t e, uint64_t page)
{
	uint64_t pa = e & f->addr_mask & ~(page - 1);

	if (f->entry_size == 4 && page > 4096)
		pa |= ((e >> 13) & 0xff) << 32;
	return pa;
}

/* Walk f's tables from root down to the entry that maps va. */
static int walk(const struct guest_mem *m, const struct pw_format *f,
		uint64_t root, uint64_t va, struct pw_result *out)
{
	uint64_t table = root & f->cr3_mask;
	bool writable = true, user = true;
	unsigned i;

	for (i = 0; i < f->nlevels; i++) {
		const struct pw_level *l = &f->levels[i];
		uint64_t idx = (va >> l->shift) & ((1ull << l->bits) - 1);
		uint64_t page = 1ull << l->shift;
		uint64_t e;

		if (read_entry(m, table + idx * f->entry_size, f->entry_size, &e) < 0 ||
		    !(e & PTE_P))
			return -1;
		if (l->perms) {
			writable = writable && (e & PTE_RW);
			user = user && (e & PTE_US);
		}
		if (i + 1 == f->nlevels || (l->large && (e & PTE_PS))) {
			out->pa = page_frame(f, e, page) | (va & (page - 1));
			out->page_size = page;
			out->writable = writable;
			out->user = user;
			return 0;
		}
		table = e & f->addr_mask;
	}
	return -1;
}

/* Bits 63:47 all equal: the only addresses 4-level paging translates. */
static bool canonical48(uint64_t va)
{
	uint64_t top = va >> 47;

	return top == 0 || top == 0x1ffff;
}

int pagewalk(const struct guest_mem *m, const struct pw_mode *mode, uint64_t va,
	     struct pw_result *out)
{
	if (mode->efer & EFER_LMA) {
		if ((mode->cr4 & CR4_LA57) || !canonical48(va))
			return -1;
		return walk(m, &fmt_long, mode->cr3, va, out);
	}
	/* Outside long mode a linear address has 32 bits. */
	if (va > 0xffffffffull)
		return -1;
	if (!(mode->cr0 & CR0_PG)) {
		*out = (struct pw_result){ .pa = va, .page_size = 4096,
					   .writable = true, .user = true };
		return 0;
	}
	if (mode->cr4 & CR4_PAE)
		return walk(m, &fmt_pae, mode->cr3, va, out);
	return walk(m, (mode->cr4 & CR4_PSE) ? &fmt_32_pse : &fmt_32,
		    mode->cr3, va, out);
}

/* Copy page by page in either direction; stop at the first byte that is
 * unmapped or outside RAM. */
static size_t copy(const struct guest_mem *m, const struct pw_mode *mode,
		   uint64_t va, uint8_t *buf, size_t len, bool to_guest)
{
	size_t done = 0;

	while (done < len) {
		struct pw_result r;
		uint64_t chunk;
		uint8_t *p;

		if (pagewalk(m, mode, va, &r) < 0 || r.pa >= m->size)
			break;
		chunk = r.page_size - (va & (r.page_size - 1));
		if (chunk > len - done)
			chunk = len - done;
		if (chunk > m->size - r.pa)
			chunk = m->size - r.pa;
		p = guest_mem_ptr(m, r.pa, chunk);
		if (to_guest)
			memcpy(p, buf + done, chunk);
		else
			memcpy(buf + done, p, chunk);
		done += chunk;
		va += chunk;
	}
	return done;
}

size_t guest_virt_read(const struct guest_mem *m, const struct pw_mode *mode,
		       uint64_t va, void *buf, size_t len)
{
	return copy(m, mode, va, buf, len, false);
}

size_t guest_virt_write(const struct guest_mem *m, const struct pw_mode *mode,
			uint64_t va, const void *buf, size_t len)
{
	/* copy() only reads buf when writing to the guest. */
	return copy(m, mode, va, (uint8_t *)buf, len, true);
}

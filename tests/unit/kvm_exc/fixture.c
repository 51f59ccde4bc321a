/* The hand-built guest of the exception delivery tests. See fixture.h. */
#include "fixture.h"

#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define CR0_PE (1u << 0)
#define CR0_PG (1u << 31)
#define CR4_PAE (1u << 5)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)

#define PTE_P  0x1u
#define PTE_RW 0x2u
#define PTE_PS 0x80u

/* Descriptor flags nibble (bits 52-55). */
#define DF_AVL 0x1
#define DF_L   0x2
#define DF_DB  0x4
#define DF_G   0x8

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++, v >>= 8)
		p[i] = v & 0xff;
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

uint32_t peek32(const struct fixture *f, uint64_t pa)
{
	return get_le(f->m.host + pa, 4);
}

uint64_t peek64(const struct fixture *f, uint64_t pa)
{
	return get_le(f->m.host + pa, 8);
}

void poke32(struct fixture *f, uint64_t pa, uint32_t v)
{
	put_le(f->m.host + pa, v, 4);
}

/* An 8-byte code or data descriptor. */
static uint64_t descriptor(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	return (limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 |
	       (uint64_t)access << 40 | (uint64_t)(limit >> 16 & 0xf) << 48 |
	       (uint64_t)flags << 52 | (uint64_t)(base >> 24) << 56;
}

static void gate32(struct fixture *f, unsigned vector, uint16_t sel, uint32_t offset,
		   uint8_t type_attr)
{
	uint8_t *g = f->m.host + IDT32_BASE + vector * 8;

	put_le(g, offset & 0xffff, 2);
	put_le(g + 2, sel, 2);
	g[4] = 0;
	g[5] = type_attr;
	put_le(g + 6, offset >> 16, 2);
}

static void gate64(struct fixture *f, unsigned vector, uint16_t sel, uint64_t offset,
		   uint8_t ist, uint8_t type_attr)
{
	uint8_t *g = f->m.host + IDT64_BASE + vector * 16;

	put_le(g, offset & 0xffff, 2);
	put_le(g + 2, sel, 2);
	g[4] = ist;
	g[5] = type_attr;
	put_le(g + 6, offset >> 16 & 0xffff, 2);
	put_le(g + 8, offset >> 32, 4);
	put_le(g + 12, 0, 4);
}

static void build_gdt(struct fixture *f)
{
	uint64_t d[GDT_ENTRIES] = {
		[SEL_CODE32 >> 3] = descriptor(0, 0xfffff, 0x9a, DF_G | DF_DB),
		[SEL_DATA >> 3] = descriptor(0, 0xfffff, 0x92, DF_G | DF_DB),
		[SEL_CODE64 >> 3] = descriptor(0, 0xfffff, 0x9a, DF_G | DF_L),
		[SEL_USER_CODE >> 3] = descriptor(0, 0xfffff, 0xfa, DF_G | DF_DB),
		[SEL_USER_DATA >> 3] = descriptor(0, 0xfffff, 0xf2, DF_G | DF_DB),
		[SEL_SMALL_CODE >> 3] = descriptor(SMALL_BASE, SMALL_LIMIT, 0x9a, DF_DB | DF_AVL),
		[SEL_ABSENT_CODE >> 3] = descriptor(0, 0xfffff, 0x1a, DF_G | DF_DB),
		[SEL_TSS >> 3] = descriptor(0x8000, 0x67, 0x89, 0),
	};

	for (unsigned i = 0; i < GDT_ENTRIES; i++)
		put_le(f->m.host + GDT_BASE + i * 8, d[i], 8);
}

static void build_idt32(struct fixture *f)
{
	gate32(f, 1, SEL_CODE32, H_DB, 0x8f);
	gate32(f, 3, SEL_CODE32, H_BP, 0x8e);
	gate32(f, 13, SEL_CODE32, H_GP, 0x8e);
	gate32(f, 14, SEL_SMALL_CODE, H_PF_SMALL, 0x8f);
	gate32(f, V_ABSENT, SEL_CODE32, H_BP, 0x0e);
	gate32(f, V_TASK, SEL_CODE32, 0, 0x85);
	gate32(f, V_GATE16, SEL_CODE32, H_BP, 0x86);
	gate32(f, V_SEL_BEYOND_GDT, GDT_ENTRIES * 8, H_BP, 0x8e);
	gate32(f, V_SEL_LDT, SEL_CODE32 | 4, H_BP, 0x8e);
	gate32(f, V_SEG_ABSENT, SEL_ABSENT_CODE, H_BP, 0x8e);
	gate32(f, V_SEG_DATA, SEL_DATA, H_BP, 0x8e);
	gate32(f, V_BEYOND_SEG_LIMIT, SEL_SMALL_CODE, SMALL_LIMIT + 1, 0x8e);
	gate32(f, V_TO_RING3, SEL_USER_CODE, H_USER, 0x8e);
	gate32(f, V_DPL3_GATE, SEL_CODE32, H_DPL3_GATE, 0xee);
	gate32(f, V_NOT_A_GATE, SEL_CODE32, H_BP, 0x9a);
	gate32(f, V_NULL_SEL, 0, H_BP, 0x8e);
	gate32(f, V_SEL_SYSTEM, SEL_TSS, H_BP, 0x8e);
}

static void build_idt64(struct fixture *f)
{
	gate64(f, 3, SEL_CODE64, H64_BP, 0, 0x8e);
	gate64(f, 13, SEL_CODE64, H64_GP, 0, 0x8f);
	gate64(f, V64_IST, SEL_CODE64, H64_GP, 1, 0x8e);
	gate64(f, V64_TO_CODE32, SEL_CODE32, H64_GP, 0, 0x8e);
	gate64(f, V64_NONCANONICAL, SEL_CODE64, 0x0000800000000000ull, 0, 0x8e);
	gate64(f, V64_TASK, SEL_CODE64, 0, 0, 0x85);
}

/* Written out here, independently of deliver.c's decoder: the flat
 * segments are base 0, limit 4 GiB, accessed. */
struct kvm_segment fixture_segment(uint16_t selector)
{
	unsigned index = selector & ~3u;
	bool data = index == SEL_DATA || index == SEL_USER_DATA;

	if (index != SEL_CODE32 && index != SEL_USER_CODE && index != SEL_CODE64 && !data)
		fail_msg("no fixture segment for selector %#x", selector);
	return (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = selector,
		.type = data ? 0x3 : 0xb,
		.present = 1,
		.dpl = selector & 3,
		.db = index != SEL_CODE64,
		.s = 1,
		.l = index == SEL_CODE64,
		.g = 1,
	};
}

void fixture_ring3(struct fixture *f)
{
	f->s.cs = fixture_segment(SEL_USER_CODE | 3);
	f->s.ss = fixture_segment(SEL_USER_DATA | 3);
}

static struct fixture *fixture_new(void)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->m.host = calloc(1, RAM_SIZE);
	assert_non_null(f->m.host);
	f->m.size = RAM_SIZE;
	build_gdt(f);
	build_idt32(f);
	build_idt64(f);
	f->s.gdt = (struct kvm_dtable){ .base = GDT_BASE, .limit = GDT_ENTRIES * 8 - 1 };
	f->r.rsp = STACK_TOP;
	f->r.rip = 0x5001;
	f->r.rflags = 0x246;
	return f;
}

/* Ring 0, protected mode, paging off. */
int fixture_prot32(void **state)
{
	struct fixture *f = fixture_new();

	f->s.idt = (struct kvm_dtable){ .base = IDT32_BASE, .limit = IDT_VECTORS * 8 - 1 };
	f->s.cr0 = CR0_PE;
	f->s.cs = fixture_segment(SEL_CODE32);
	f->s.ss = f->s.ds = f->s.es = fixture_segment(SEL_DATA);
	*state = f;
	return 0;
}

/* As fixture_prot32, with 32-bit paging (see fixture.h for the map). */
int fixture_paged32(void **state)
{
	struct fixture *f;
	uint8_t *pt;

	fixture_prot32(state);
	f = *state;
	pt = f->m.host + PT32_BASE;
	put_le(f->m.host + PD32_BASE, PT32_BASE | PTE_P | PTE_RW, 4);
	for (uint32_t page = 0; page < RAM_SIZE / 4096; page++)
		put_le(pt + page * 4, page << 12 | PTE_P | PTE_RW, 4);
	put_le(pt + (STACK_VA >> 12) * 4, STACK_PA | PTE_P | PTE_RW, 4);
	put_le(pt + (UNMAPPED_VA >> 12) * 4, 0, 4);
	put_le(pt + (RO_VA >> 12) * 4, RO_PA | PTE_P, 4);
	f->s.cr3 = PD32_BASE;
	f->s.cr0 |= CR0_PG;
	return 0;
}

/* Ring 0, long mode, 64-bit code, the first 2 MiB identity-mapped. */
int fixture_long(void **state)
{
	struct fixture *f = fixture_new();

	put_le(f->m.host + PML4_BASE, PDPT_BASE | PTE_P | PTE_RW, 8);
	put_le(f->m.host + PDPT_BASE, PD64_BASE | PTE_P | PTE_RW, 8);
	put_le(f->m.host + PD64_BASE, 0 | PTE_P | PTE_RW | PTE_PS, 8);
	f->s.idt = (struct kvm_dtable){ .base = IDT64_BASE, .limit = IDT_VECTORS * 16 - 1 };
	f->s.cr0 = CR0_PE | CR0_PG;
	f->s.cr3 = PML4_BASE;
	f->s.cr4 = CR4_PAE;
	f->s.efer = EFER_LME | EFER_LMA;
	f->s.cs = fixture_segment(SEL_CODE64);
	f->s.ss = f->s.ds = f->s.es = fixture_segment(SEL_DATA);
	f->r.rip = 0x401234;
	*state = f;
	return 0;
}

int fixture_free(void **state)
{
	struct fixture *f = *state;

	free(f->m.host);
	free(f);
	return 0;
}

struct snapshot *snapshot_take(const struct fixture *f)
{
	struct snapshot *snap = malloc(sizeof(*snap));

	assert_non_null(snap);
	snap->r = f->r;
	snap->s = f->s;
	snap->ram = malloc(RAM_SIZE);
	assert_non_null(snap->ram);
	memcpy(snap->ram, f->m.host, RAM_SIZE);
	return snap;
}

void snapshot_free(struct snapshot *snap)
{
	if (!snap)
		return;
	free(snap->ram);
	free(snap);
}

void assert_regs_unchanged(const struct fixture *f, const struct snapshot *snap)
{
	assert_memory_equal(&f->r, &snap->r, sizeof(f->r));
	assert_memory_equal(&f->s, &snap->s, sizeof(f->s));
}

void assert_ram_unchanged_outside(const struct fixture *f, const struct snapshot *snap,
				  uint64_t skip_lo, uint64_t skip_hi)
{
	assert_memory_equal(f->m.host, snap->ram, skip_lo);
	assert_memory_equal(f->m.host + skip_hi, snap->ram + skip_hi, RAM_SIZE - skip_hi);
}

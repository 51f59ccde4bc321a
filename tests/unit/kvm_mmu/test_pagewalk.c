/* Unit tests for the guest page-table walker: page tables built by hand in
 * a buffer for each paging mode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backends/kvm/mmu/pagewalk.h"

#define RAM_SIZE  (8u << 20)

#define P    0x001ull
#define RW   0x002ull
#define US   0x004ull
#define PS   0x080ull
#define NX   (1ull << 63)

#define CR0_PG   (1ull << 31)
#define CR4_PSE  (1ull << 4)
#define CR4_PAE  (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

static int ram_setup(void **state)
{
	struct guest_mem *m = malloc(sizeof(*m));

	assert_non_null(m);
	m->size = RAM_SIZE;
	m->host = calloc(1, RAM_SIZE);
	assert_non_null(m->host);
	*state = m;
	return 0;
}

static int ram_teardown(void **state)
{
	struct guest_mem *m = *state;

	free(m->host);
	free(m);
	return 0;
}

static void put32(struct guest_mem *m, uint64_t gpa, uint32_t v)
{
	memcpy(m->host + gpa, &v, 4);
}

static void put64(struct guest_mem *m, uint64_t gpa, uint64_t v)
{
	memcpy(m->host + gpa, &v, 8);
}

/* Translate va and check every field of the result. */
static void expect_map(const struct guest_mem *m, const struct pw_mode *mode,
		       uint64_t va, uint64_t pa, uint64_t page, bool w, bool u)
{
	struct pw_result r;

	memset(&r, 0x5a, sizeof(r));
	assert_int_equal(pagewalk(m, mode, va, &r), 0);
	assert_int_equal(r.pa, pa);
	assert_int_equal(r.page_size, page);
	assert_int_equal(r.writable, w);
	assert_int_equal(r.user, u);
}

static void expect_unmapped(const struct guest_mem *m, const struct pw_mode *mode,
			    uint64_t va)
{
	struct pw_result r;

	assert_int_equal(pagewalk(m, mode, va, &r), -1);
}

/* Paging off: identity, any 32-bit address, nothing above 4 GiB. */
static void test_paging_off(void **state)
{
	struct guest_mem *m = *state;
	struct pw_mode mode = { .cr0 = 1, .cr4 = CR4_PAE };

	expect_map(m, &mode, 0, 0, 4096, true, true);
	expect_map(m, &mode, 0xb8123, 0xb8123, 4096, true, true);
	expect_map(m, &mode, 0xffffffff, 0xffffffff, 4096, true, true);
	expect_unmapped(m, &mode, 0x100000000ull);
}

/* 32-bit paging: PD at 0x1000, 0xC0000000 -> 0x100000 through a PT at 0x2000. */
static void build_32(struct guest_mem *m)
{
	put32(m, 0x1000 + 0x300 * 4, 0x2000 | P | RW | US);
	put32(m, 0x2000 + 0 * 4, 0x100000 | P | RW);
	put32(m, 0x2000 + 1 * 4, 0x101000 | P | US);      /* read-only */
	put32(m, 0x2000 + 3 * 4, 0x7ff000 | P | RW | US); /* last frame of RAM */
	/* PTE 2 not present; PDE 0x302 points at a PT outside RAM. */
	put32(m, 0x1000 + 0x302 * 4, 0xfff00000 | P | RW | US);
	/* A 4 MiB page, or with CR4.PSE=0 a PT at 0x400000 (all zero). */
	put32(m, 0x1000 + 0x301 * 4, 0x400000 | P | RW | US | PS);
	/* PSE-36: PDE bits 20:13 = 0x12 are physical bits 39:32. */
	put32(m, 0x1000 + 0x303 * 4, 0x800000 | (0x12 << 13) | P | PS);
}

static void test_32bit(void **state)
{
	struct guest_mem *m = *state;
	struct pw_mode mode = { .cr0 = CR0_PG | 1, .cr3 = 0x1000 };

	build_32(m);
	expect_map(m, &mode, 0xc0000123, 0x100123, 4096, true, false);
	expect_map(m, &mode, 0xc0001fff, 0x101fff, 4096, false, true);
	expect_unmapped(m, &mode, 0xc0002000);      /* PTE not present */
	expect_unmapped(m, &mode, 0x00000000);      /* PDE not present */
	expect_unmapped(m, &mode, 0xc0800000);      /* PT outside RAM */
	expect_unmapped(m, &mode, 0x1c0000000ull);  /* above 4 GiB */
	/* Without CR4.PSE, PS is ignored: PDE 0x301 names a PT, which is empty. */
	expect_unmapped(m, &mode, 0xc0400000);
	/* CR3's low 12 bits are flags, not address. */
	mode.cr3 = 0x1000 | 0x18;
	expect_map(m, &mode, 0xc0000123, 0x100123, 4096, true, false);
}

static void test_32bit_pse(void **state)
{
	struct guest_mem *m = *state;
	struct pw_mode mode = { .cr0 = CR0_PG | 1, .cr3 = 0x1000, .cr4 = CR4_PSE };

	build_32(m);
	expect_map(m, &mode, 0xc0412345, 0x412345, 4u << 20, true, true);
	expect_map(m, &mode, 0xc0c00001, 0x1200800001ull, 4u << 20, false, false);
	/* 4 KiB pages still work beside large ones. */
	expect_map(m, &mode, 0xc0000004, 0x100004, 4096, true, false);
}

/* PAE: PDPT at 0x3020 (32-byte aligned), PD at 0x4000, PT at 0x5000. */
static void build_pae(struct guest_mem *m)
{
	/* PDPTEs have no R/W or U/S: they must not clear writable/user. */
	put64(m, 0x3020 + 3 * 8, 0x4000 | P);
	put64(m, 0x3020 + 0 * 8, 0x6000 | P);
	put64(m, 0x4000 + 0 * 8, 0x5000 | P | RW | US);
	put64(m, 0x4000 + 1 * 8, 0x200000 | P | RW | US | PS);
	put64(m, 0x4000 + 2 * 8, 0x5000 | P | US);
	/* NX and bits 62:52 are not address bits. */
	put64(m, 0x5000 + 0 * 8, NX | (0x7ffull << 52) | 0x100000 | P | RW | US);
	put64(m, 0x5000 + 5 * 8, 0x0000000abcdef000ull | P | RW | US);
}

static void test_pae(void **state)
{
	struct guest_mem *m = *state;
	struct pw_mode mode = { .cr0 = CR0_PG | 1, .cr3 = 0x3020, .cr4 = CR4_PAE };

	build_pae(m);
	expect_map(m, &mode, 0xc0000abc, 0x100abc, 4096, true, true);
	expect_map(m, &mode, 0xc0212345, 0x212345, 2u << 20, true, true);
	expect_map(m, &mode, 0xc0400000, 0x100000, 4096, false, true);
	expect_map(m, &mode, 0xc0005008, 0xabcdef008ull, 4096, true, true);
	expect_unmapped(m, &mode, 0x40000000);  /* PDPTE 1 not present */
	expect_unmapped(m, &mode, 0x00000000);  /* PDPTE 0 -> PD at 0x6000, empty */
	expect_unmapped(m, &mode, 0xc0600000);  /* PDE 3 not present */
	expect_unmapped(m, &mode, 0xc0001000);  /* PTE 1 not present */
	expect_unmapped(m, &mode, 0x1c0000000ull);
	/* The PDPT is at CR3 bits 31:5: 0x3000 holds a different PDPT (zero). */
	mode.cr3 = 0x3000;
	expect_unmapped(m, &mode, 0xc0000abc);
}

/* Long mode: PML4 at 0x10000. */
static void build_long(struct guest_mem *m)
{
	/* 0xffffffff80000000: PML4 511, PDPT 510, PD 0: a 2 MiB page at 0x200000. */
	put64(m, 0x10000 + 511 * 8, 0x11000 | P | RW);
	put64(m, 0x11000 + 510 * 8, 0x12000 | P | RW);
	put64(m, 0x12000 + 0 * 8, 0x200000 | P | RW | PS);
	/* Low memory: PML4 0 -> PDPT 0x13000 -> PD 0x14000 -> PT 0x15000. */
	put64(m, 0x10000 + 0 * 8, 0x13000 | P | RW | US);
	put64(m, 0x13000 + 0 * 8, 0x14000 | P | RW | US);
	put64(m, 0x14000 + 2 * 8, 0x15000 | P | RW | US);
	put64(m, 0x15000 + 0 * 8, NX | 0x300000 | P | RW | US);
	put64(m, 0x15000 + 1 * 8, 0x305000 | P | US);
	put64(m, 0x15000 + 3 * 8, 0x7ff000 | P | RW | US);
	/* Bits above 51 of a table pointer are not address bits either. */
	put64(m, 0x14000 + 3 * 8, (0x7ffull << 52) | 0x15000 | P | RW | US);
	/* A PD outside RAM. */
	put64(m, 0x13000 + 2 * 8, 0x40000000ull | P | RW | US);
	/* PML4 1 -> PDPT 0x16000 whose entry 0 is a 1 GiB page at 0. */
	put64(m, 0x10000 + 1 * 8, 0x16000 | P | US);
	put64(m, 0x16000 + 0 * 8, P | RW | US | PS);
}

static const struct pw_mode long_mode = {
	.cr0 = CR0_PG | 1, .cr3 = 0x10000, .cr4 = CR4_PAE, .efer = EFER_LME | EFER_LMA,
};

static void test_long(void **state)
{
	struct guest_mem *m = *state;

	build_long(m);
	expect_map(m, &long_mode, 0xffffffff80000000ull, 0x200000, 2u << 20, true, false);
	expect_map(m, &long_mode, 0xffffffff801fffffull, 0x3fffff, 2u << 20, true, false);
	expect_map(m, &long_mode, 0x400010, 0x300010, 4096, true, true);
	expect_map(m, &long_mode, 0x401fff, 0x305fff, 4096, false, true);
	expect_map(m, &long_mode, 0x600008, 0x300008, 4096, true, true);
	expect_map(m, &long_mode, 0x8012345678ull, 0x12345678, 1u << 30, false, true);
}

static void test_long_unmapped(void **state)
{
	struct guest_mem *m = *state;
	struct pw_mode la57 = long_mode;

	build_long(m);
	expect_unmapped(m, &long_mode, 0x10000000000ull);          /* PML4E 2 */
	expect_unmapped(m, &long_mode, 0x40000000);                /* PDPTE 1 */
	expect_unmapped(m, &long_mode, 0x000000);                  /* PDE 0 */
	expect_unmapped(m, &long_mode, 0x402000);                  /* PTE 2 */
	expect_unmapped(m, &long_mode, 0xffffffff80200000ull);     /* PDE 1 */
	expect_unmapped(m, &long_mode, 0x80000000);                /* PD outside RAM */
	/* Non-canonical, though bits 47:0 index mapped entries: bit 47 set
	 * without bits 63:48, and the reverse. */
	expect_unmapped(m, &long_mode, 0x0000ffff80000000ull);
	expect_unmapped(m, &long_mode, 0xffff000000400010ull);
	expect_unmapped(m, &long_mode, 0x8000000000400010ull);
	la57.cr4 |= CR4_LA57;
	expect_unmapped(m, &la57, 0x400010);
	/* A PML4 outside RAM. */
	la57 = long_mode;
	la57.cr3 = RAM_SIZE;
	expect_unmapped(m, &la57, 0x400010);
	/* A PML4 in the last page whose entry 511 straddles the end of RAM. */
	la57.cr3 = RAM_SIZE - 4096;
	put64(m, RAM_SIZE - 8, 0x11000 | P | RW);
	expect_map(m, &la57, 0xffffffff80000000ull, 0x200000, 2u << 20, true, false);
	m->size = RAM_SIZE - 4;
	expect_unmapped(m, &la57, 0xffffffff80000000ull);
}

/* A copy crossing two pages mapped to frames 0x300000 and 0x305000. */
static void test_copy_noncontiguous(void **state)
{
	struct guest_mem *m = *state;
	uint8_t buf[32], want[32];
	unsigned i;

	build_long(m);
	for (i = 0; i < 32; i++)
		want[i] = (uint8_t)(0x40 + i);
	memcpy(m->host + 0x300ff0, want, 16);
	memcpy(m->host + 0x305000, want + 16, 16);
	memset(m->host + 0x301000, 0xee, 16);  /* what a contiguous copy would read */
	assert_int_equal(guest_virt_read(m, &long_mode, 0x400ff0, buf, 32), 32);
	assert_memory_equal(buf, want, 32);

	for (i = 0; i < 32; i++)
		want[i] = (uint8_t)(0x90 - i);
	assert_int_equal(guest_virt_write(m, &long_mode, 0x400ff0, want, 32), 32);
	assert_memory_equal(m->host + 0x300ff0, want, 16);
	assert_memory_equal(m->host + 0x305000, want + 16, 16);
	assert_int_equal(m->host[0x301000], 0xee);
	assert_int_equal(m->host[0x305010], 0);
}

/* From a mapped page into an unmapped one: the count says where it stopped. */
static void test_copy_short(void **state)
{
	struct guest_mem *m = *state;
	uint8_t buf[16], data[16];

	build_long(m);
	memset(m->host + 0x305ff8, 0x77, 8);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(guest_virt_read(m, &long_mode, 0x401ff8, buf, 16), 8);
	assert_memory_equal(buf, m->host + 0x305ff8, 8);
	assert_int_equal(buf[8], 0);

	memset(data, 0x33, sizeof(data));
	assert_int_equal(guest_virt_write(m, &long_mode, 0x401ffc, data, 16), 4);
	assert_int_equal(m->host[0x305ffc], 0x33);
	assert_int_equal(m->host[0x305ffb], 0x77);
	/* Starting unmapped copies nothing; len 0 copies nothing. */
	assert_int_equal(guest_virt_read(m, &long_mode, 0x402000, buf, 16), 0);
	assert_int_equal(guest_virt_read(m, &long_mode, 0x400000, buf, 0), 0);
}

/* Mapped pages whose frames lie (partly) outside RAM stop the copy too. */
static void test_copy_ram_end(void **state)
{
	struct guest_mem *m = *state;
	struct pw_mode off = { .cr0 = 1 };
	struct pw_mode pae = { .cr0 = CR0_PG | 1, .cr3 = 0x3020, .cr4 = CR4_PAE };
	uint8_t buf[16];

	build_long(m);
	/* PTE 3 maps the last frame of RAM; PTE 4 is absent. */
	assert_int_equal(guest_virt_read(m, &long_mode, 0x403ff8, buf, 16), 8);
	/* Paging off, RAM not a whole number of pages. */
	m->size = RAM_SIZE - 4;
	assert_int_equal(guest_virt_read(m, &off, RAM_SIZE - 10, buf, 16), 6);
	assert_int_equal(guest_virt_write(m, &off, RAM_SIZE - 10, buf, 16), 6);
	assert_int_equal(guest_virt_read(m, &off, RAM_SIZE, buf, 16), 0);
	m->size = RAM_SIZE;
	/* A PAE page mapped at 0xabcdef000, far outside RAM. */
	build_pae(m);
	assert_int_equal(guest_virt_read(m, &pae, 0xc0005000, buf, 16), 0);
	/* 32-bit linear addresses end at 4 GiB: map 0xfffff000 and read past it. */
	put64(m, 0x4000 + 511 * 8, 0x5000 | P | RW | US);
	put64(m, 0x5000 + 511 * 8, 0x100000 | P | RW | US);
	assert_int_equal(guest_virt_read(m, &pae, 0xfffffff8, buf, 16), 8);
}

/* A read through a 32-bit large page, then through the higher half. */
static void test_copy_32(void **state)
{
	struct guest_mem *m = *state;
	struct pw_mode mode = { .cr0 = CR0_PG | 1, .cr3 = 0x1000, .cr4 = CR4_PSE };
	uint8_t buf[8];

	build_32(m);
	memcpy(m->host + 0x100100, "kernel!", 8);
	assert_int_equal(guest_virt_read(m, &mode, 0xc0000100, buf, 8), 8);
	assert_memory_equal(buf, "kernel!", 8);
	assert_int_equal(guest_virt_write(m, &mode, 0xc04ffff8, "large", 6), 6);
	assert_memory_equal(m->host + 0x4ffff8, "large", 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_paging_off, ram_setup, ram_teardown),
		cmocka_unit_test_setup_teardown(test_32bit, ram_setup, ram_teardown),
		cmocka_unit_test_setup_teardown(test_32bit_pse, ram_setup, ram_teardown),
		cmocka_unit_test_setup_teardown(test_pae, ram_setup, ram_teardown),
		cmocka_unit_test_setup_teardown(test_long, ram_setup, ram_teardown),
		cmocka_unit_test_setup_teardown(test_long_unmapped, ram_setup, ram_teardown),
		cmocka_unit_test_setup_teardown(test_copy_noncontiguous, ram_setup, ram_teardown),
		cmocka_unit_test_setup_teardown(test_copy_short, ram_setup, ram_teardown),
		cmocka_unit_test_setup_teardown(test_copy_ram_end, ram_setup, ram_teardown),
		cmocka_unit_test_setup_teardown(test_copy_32, ram_setup, ram_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

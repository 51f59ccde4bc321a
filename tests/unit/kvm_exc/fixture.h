/* A guest built by hand for the exception delivery tests: 1 MiB of RAM
 * holding a GDT, a 32-bit IDT and a 64-bit IDT, and the vCPU registers of
 * a ring-0 kernel in protected mode (paging off or 32-bit paging) or in
 * long mode (4-level paging, identity-mapped first 2 MiB). */
#ifndef GDBHUB_TEST_KVM_EXC_FIXTURE_H
#define GDBHUB_TEST_KVM_EXC_FIXTURE_H

#include <stdint.h>

#include <linux/kvm.h>

#include "backends/kvm/mmu/guest_mem.h"

#define RAM_SIZE 0x100000u

#define GDT_BASE   0x1000u
#define IDT32_BASE 0x2000u
#define IDT64_BASE 0x3000u
#define IDT_VECTORS 32
#define STACK_TOP  0x9000u

/* GDT selectors. */
#define SEL_CODE32      0x08  /* flat ring-0 32-bit code */
#define SEL_DATA        0x10  /* flat ring-0 data */
#define SEL_CODE64      0x18  /* ring-0 64-bit code */
#define SEL_USER_CODE   0x20  /* flat ring-3 32-bit code */
#define SEL_USER_DATA   0x28  /* flat ring-3 data */
#define SEL_SMALL_CODE  0x30  /* ring-0 code, base 0x123000, byte limit 0x4fff, AVL */
#define SEL_ABSENT_CODE 0x38  /* ring-0 code, not present */
#define SEL_TSS         0x40  /* a 32-bit TSS: a system descriptor, type 9 */
#define GDT_ENTRIES 9         /* so 0x48 lies beyond the GDT limit */

#define SMALL_BASE  0x123000u
#define SMALL_LIMIT 0x4fffu

/* 32-bit IDT: handlers, and one vector per way to refuse. */
#define H_DB 0x00101000u       /* vector 1: trap gate */
#define H_BP 0x00102000u       /* vector 3: interrupt gate */
#define H_GP 0x00103000u       /* vector 13: interrupt gate */
#define H_PF_SMALL 0x4000u     /* vector 14: trap gate into SEL_SMALL_CODE */
#define H_USER 0x00104000u     /* vector 16: DPL-0 gate to ring-3 code */
#define H_DPL3_GATE 0x00105000u /* vector 17: DPL-3 gate to ring-0 code */
#define V_ABSENT 4
#define V_TASK 5
#define V_GATE16 6
#define V_SEL_BEYOND_GDT 7
#define V_SEL_LDT 9
#define V_SEG_ABSENT 10
#define V_SEG_DATA 11
#define V_BEYOND_SEG_LIMIT 12
#define V_TO_RING3 16
#define V_DPL3_GATE 17
#define V_NOT_A_GATE 18
#define V_NULL_SEL 19
#define V_SEL_SYSTEM 20

/* 64-bit IDT. */
#define H64_BP 0xffffffff80102000ull  /* vector 3: interrupt gate */
#define H64_GP 0xffffffff80103000ull  /* vector 13: trap gate */
#define V64_IST 14
#define V64_TO_CODE32 6
#define V64_NONCANONICAL 7
#define V64_TASK 5

/* 32-bit paging (fixture_paged32): everything below 1 MiB identity-mapped
 * except STACK_VA, which maps STACK_PA; UNMAPPED_VA's page is absent;
 * RO_VA maps RO_PA read-only. */
#define PD32_BASE  0x10000u
#define PT32_BASE  0x11000u
#define STACK_VA   0x7f000u
#define STACK_PA   0x30000u
#define UNMAPPED_VA 0x7e000u
#define RO_VA      0x7d000u
#define RO_PA      0x31000u

/* 4-level paging (fixture_long). */
#define PML4_BASE 0x20000u
#define PDPT_BASE 0x21000u
#define PD64_BASE 0x22000u

struct fixture {
	struct guest_mem m;
	struct kvm_regs r;
	struct kvm_sregs s;
};

/* cmocka setups (allocating the fixture into *state) and the teardown. */
int fixture_prot32(void **state);
int fixture_paged32(void **state);
int fixture_long(void **state);
int fixture_free(void **state);

/* The segment registers as KVM reports them for the GDT entries above. */
struct kvm_segment fixture_segment(uint16_t selector);

/* Switch the vCPU to ring 3 (CS SEL_USER_CODE|3, SS SEL_USER_DATA|3). */
void fixture_ring3(struct fixture *f);

uint32_t peek32(const struct fixture *f, uint64_t pa);
uint64_t peek64(const struct fixture *f, uint64_t pa);
void poke32(struct fixture *f, uint64_t pa, uint32_t v);

/* A copy of the whole fixture, to check that a refusal changed nothing. */
struct snapshot {
	struct kvm_regs r;
	struct kvm_sregs s;
	uint8_t *ram;
};
struct snapshot *snapshot_take(const struct fixture *f);
void snapshot_free(struct snapshot *snap);

/* Assert that registers equal the snapshot's, and RAM too except for
 * [skip_lo, skip_hi) (pass 0, 0 to compare all of it). */
void assert_regs_unchanged(const struct fixture *f, const struct snapshot *snap);
void assert_ram_unchanged_outside(const struct fixture *f, const struct snapshot *snap,
				  uint64_t skip_lo, uint64_t skip_hi);

#endif

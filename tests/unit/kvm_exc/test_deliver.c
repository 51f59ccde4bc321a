/* x86_deliver_exception on a hand-built guest: the exact frame bytes, the
 * new CS:EIP and EFLAGS, in protected mode (paging off and on) and in long
 * mode; and every refusal, which must leave registers and RAM as they were. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "backends/kvm/exc/deliver.h"
#include "fixture.h"

#define FL_TF 0x100u
#define FL_IF 0x200u
#define FL_NT 0x4000u
#define FL_RF 0x10000u
#define FL_VM 0x20000u
#define CR0_WP (1u << 16)

/* Deliver and insist it works. */
static void deliver_ok(struct fixture *f, unsigned vector, uint32_t error_code)
{
	const char *why = NULL;

	if (x86_deliver_exception(&f->m, &f->r, &f->s, vector, error_code, &why) != 0)
		fail_msg("vector %u refused: %s", vector, why);
}

/* Deliver, insist it is refused for `reason`, and that nothing changed. */
static void assert_refused(struct fixture *f, unsigned vector, const char *reason)
{
	struct snapshot *snap = snapshot_take(f);
	const char *why = NULL;

	assert_int_equal(x86_deliver_exception(&f->m, &f->r, &f->s, vector, 0, &why), -1);
	assert_non_null(why);
	assert_string_equal(why, reason);
	assert_regs_unchanged(f, snap);
	assert_ram_unchanged_outside(f, snap, 0, 0);
	snapshot_free(snap);
}

static void test_bp_pushes_eflags_cs_eip_and_clears_if(void **state)
{
	struct fixture *f = *state;
	struct snapshot *snap = snapshot_take(f);
	struct kvm_segment want_cs = fixture_segment(SEL_CODE32);

	f->r.rflags = 0x346; /* TF IF ZF PF */
	deliver_ok(f, 3, 0xdead);
	assert_int_equal(f->r.rsp, STACK_TOP - 12);
	assert_int_equal(peek32(f, STACK_TOP - 12), 0x5001);
	assert_int_equal(peek32(f, STACK_TOP - 8), SEL_CODE32);
	assert_int_equal(peek32(f, STACK_TOP - 4), 0x346);
	assert_ram_unchanged_outside(f, snap, STACK_TOP - 12, STACK_TOP);
	assert_int_equal(f->r.rip, H_BP);
	assert_int_equal(f->r.rflags, 0x046);
	assert_memory_equal(&f->s.cs, &want_cs, sizeof(want_cs));
	assert_memory_equal(&f->s.ss, &snap->s.ss, sizeof(f->s.ss));
	snapshot_free(snap);
}

static void test_gp_pushes_error_code_below_eip(void **state)
{
	struct fixture *f = *state;
	struct snapshot *snap = snapshot_take(f);

	deliver_ok(f, 13, 0x1234);
	assert_int_equal(f->r.rsp, STACK_TOP - 16);
	assert_int_equal(peek32(f, STACK_TOP - 16), 0x1234);
	assert_int_equal(peek32(f, STACK_TOP - 12), 0x5001);
	assert_int_equal(peek32(f, STACK_TOP - 8), SEL_CODE32);
	assert_int_equal(peek32(f, STACK_TOP - 4), 0x246);
	assert_ram_unchanged_outside(f, snap, STACK_TOP - 16, STACK_TOP);
	assert_int_equal(f->r.rip, H_GP);
	assert_int_equal(f->r.rflags, 0x046);
	snapshot_free(snap);
}

static void test_trap_gate_keeps_if_and_clears_tf_rf_nt(void **state)
{
	struct fixture *f = *state;

	f->r.rflags = 0x2 | FL_IF | FL_TF | FL_RF | FL_NT | 0x1;
	deliver_ok(f, 1, 0);
	assert_int_equal(f->r.rflags, 0x2 | FL_IF | 0x1);
	assert_int_equal(peek32(f, STACK_TOP - 4), 0x2 | FL_IF | FL_TF | FL_RF | FL_NT | 0x1);
	assert_int_equal(f->r.rip, H_DB);
	assert_int_equal(f->r.rsp, STACK_TOP - 12);
}

/* A byte-granular segment with a base: the kvm_segment fields KVM_SET_SREGS
 * wants (limit in bytes, accessed bit set, AVL kept). */
static void test_loads_cs_fields_from_descriptor(void **state)
{
	struct fixture *f = *state;
	struct kvm_segment cs;

	deliver_ok(f, 14, 0x2);
	cs = f->s.cs;
	assert_int_equal(cs.selector, SEL_SMALL_CODE);
	assert_int_equal(cs.base, SMALL_BASE);
	assert_int_equal(cs.limit, SMALL_LIMIT);
	assert_int_equal(cs.type, 0xb);
	assert_int_equal(cs.present, 1);
	assert_int_equal(cs.dpl, 0);
	assert_int_equal(cs.db, 1);
	assert_int_equal(cs.s, 1);
	assert_int_equal(cs.l, 0);
	assert_int_equal(cs.g, 0);
	assert_int_equal(cs.avl, 1);
	assert_int_equal(cs.unusable, 0);
	assert_int_equal(f->r.rip, H_PF_SMALL);
	assert_int_equal(f->r.rsp, STACK_TOP - 16);
}

/* Pushes go to SS base + ESP, and ESP wraps within 32 bits. */
static void test_stack_uses_ss_base_and_esp_wraps(void **state)
{
	struct fixture *f = *state;
	struct snapshot *snap;

	f->s.ss.base = 0x10000;
	f->r.rsp = 4;
	snap = snapshot_take(f);
	deliver_ok(f, 3, 0);
	assert_int_equal(f->r.rsp, 0xfffffff8);
	assert_int_equal(peek32(f, 0xfff8), 0x5001);
	assert_int_equal(peek32(f, 0xfffc), SEL_CODE32);
	assert_int_equal(peek32(f, 0x10000), 0x246);
	assert_ram_unchanged_outside(f, snap, 0xfff8, 0x10004);
	snapshot_free(snap);
}

/* Exceptions ignore the gate's DPL: a DPL-3 gate works from ring 0. */
static void test_gate_dpl_is_ignored(void **state)
{
	struct fixture *f = *state;

	deliver_ok(f, V_DPL3_GATE, 0);
	assert_int_equal(f->r.rip, H_DPL3_GATE);
	assert_int_equal(f->s.cs.selector, SEL_CODE32);
}

/* Same privilege at ring 3 works too: the new CS keeps RPL 3. */
static void test_same_privilege_in_ring3(void **state)
{
	struct fixture *f = *state;
	struct kvm_segment want_cs = fixture_segment(SEL_USER_CODE | 3);

	fixture_ring3(f);
	deliver_ok(f, V_TO_RING3, 0);
	assert_int_equal(peek32(f, STACK_TOP - 8), SEL_USER_CODE | 3);
	assert_memory_equal(&f->s.cs, &want_cs, sizeof(want_cs));
	assert_int_equal(f->r.rip, H_USER);
}

static void test_refusals_in_protected_mode(void **state)
{
	struct fixture *f = *state;

	assert_refused(f, V_ABSENT, "gate not present");
	assert_refused(f, V_TASK, "task gate (task switches are not supported)");
	assert_refused(f, V_GATE16, "16-bit gate is not supported");
	assert_refused(f, V_NOT_A_GATE, "IDT entry is not an interrupt or trap gate");
	assert_refused(f, IDT_VECTORS, "vector beyond the IDT limit");
	assert_refused(f, 256, "vector out of range");
	assert_refused(f, V_SEL_BEYOND_GDT, "code selector beyond the GDT limit");
	assert_refused(f, V_SEL_LDT, "code selector points into the LDT (not supported)");
	assert_refused(f, V_NULL_SEL, "null code selector");
	assert_refused(f, V_SEG_ABSENT, "code segment not present");
	assert_refused(f, V_SEG_DATA, "selector is not a code segment");
	assert_refused(f, V_SEL_SYSTEM, "selector is not a code segment");
	assert_refused(f, V_BEYOND_SEG_LIMIT, "target beyond the code segment limit");
	assert_refused(f, V_TO_RING3, "code segment DPL above CPL");
}

/* The IDT limit is checked against the whole 8-byte entry. */
static void test_idt_limit_covers_whole_entry(void **state)
{
	struct fixture *f = *state;

	f->s.idt.limit = 3 * 8 + 6;
	assert_refused(f, 3, "vector beyond the IDT limit");
	f->s.idt.limit = 3 * 8 + 7;
	deliver_ok(f, 3, 0);
}

/* So is the GDT limit against the whole descriptor. */
static void test_gdt_limit_covers_whole_descriptor(void **state)
{
	struct fixture *f = *state;

	f->s.gdt.limit = SEL_CODE32 + 6;
	assert_refused(f, 3, "code selector beyond the GDT limit");
	f->s.gdt.limit = SEL_CODE32 + 7;
	deliver_ok(f, 3, 0);
}

/* An exception in ring 3 whose gate leads to ring 0 needs a stack switch. */
static void test_refuses_privilege_change(void **state)
{
	struct fixture *f = *state;

	fixture_ring3(f);
	assert_refused(f, 3, "privilege change (only same-privilege delivery is supported)");
}

static void test_refuses_other_modes(void **state)
{
	struct fixture *f = *state;

	f->r.rflags |= FL_VM;
	assert_refused(f, 3, "virtual-8086 mode is not supported");
	f->r.rflags &= ~FL_VM;
	f->s.ss.db = 0;
	assert_refused(f, 3, "16-bit stack segment is not supported");
	f->s.ss.db = 1;
	f->s.cr0 = 0;
	assert_refused(f, 3, "real mode is not supported");
}

/* Paging off: a stack outside RAM, wholly or for its top slot only. The
 * slots that are in RAM stay unwritten. */
static void test_refuses_stack_outside_ram(void **state)
{
	struct fixture *f = *state;

	f->r.rsp = 0x200000;
	assert_refused(f, 3, "stack not mapped");
	f->r.rsp = RAM_SIZE + 4;
	assert_refused(f, 3, "stack not mapped");
	f->r.rsp = RAM_SIZE;
	deliver_ok(f, 3, 0);
	assert_int_equal(peek32(f, RAM_SIZE - 4), 0x246);
}

/* 32-bit paging: the frame lands in the physical page the stack maps. */
static void test_paged_stack_goes_to_its_physical_page(void **state)
{
	struct fixture *f = *state;
	struct snapshot *snap = snapshot_take(f);
	uint64_t pa = STACK_PA + 0x800 - 16;

	f->r.rsp = STACK_VA + 0x800;
	deliver_ok(f, 13, 0x18);
	assert_int_equal(f->r.rsp, STACK_VA + 0x800 - 16);
	assert_int_equal(peek32(f, pa), 0x18);
	assert_int_equal(peek32(f, pa + 4), 0x5001);
	assert_int_equal(peek32(f, pa + 8), SEL_CODE32);
	assert_int_equal(peek32(f, pa + 12), 0x246);
	assert_ram_unchanged_outside(f, snap, pa, pa + 16);
	snapshot_free(snap);
}

static void test_paged_refuses_unmapped_stack(void **state)
{
	struct fixture *f = *state;

	f->r.rsp = UNMAPPED_VA + 0x800;
	assert_refused(f, 3, "stack not mapped");
}

/* A frame whose top half is mapped and bottom half is not: refused, and
 * the mapped half is not written either. */
static void test_paged_refuses_frame_straddling_into_unmapped_page(void **state)
{
	struct fixture *f = *state;

	f->r.rsp = STACK_VA + 8;
	assert_refused(f, 13, "stack not mapped");
}

/* Ring 0 writes read-only pages unless CR0.WP says otherwise. */
static void test_paged_read_only_stack_and_cr0_wp(void **state)
{
	struct fixture *f = *state;

	f->r.rsp = RO_VA + 0x100;
	f->s.cr0 |= CR0_WP;
	assert_refused(f, 3, "stack page is read-only");
	f->s.cr0 &= ~CR0_WP;
	deliver_ok(f, 3, 0);
	assert_int_equal(peek32(f, RO_PA + 0x100 - 12), 0x5001);
}

/* In ring 3 the stack page must allow user access (none here does). */
static void test_paged_ring3_needs_user_stack(void **state)
{
	struct fixture *f = *state;

	fixture_ring3(f);
	assert_refused(f, V_TO_RING3, "stack page is supervisor-only");
}

/* The IDT and GDT are linear addresses too. */
static void test_paged_tables_must_be_mapped(void **state)
{
	struct fixture *f = *state;

	f->s.idt.base = UNMAPPED_VA;
	assert_refused(f, 3, "IDT entry not mapped");
	f->s.idt.base = IDT32_BASE;
	f->s.gdt.base = UNMAPPED_VA;
	assert_refused(f, 3, "GDT entry not mapped");
}

/* Long mode: the stack is aligned down to 16, then SS, the old RSP,
 * RFLAGS, CS, RIP go on it as 8-byte slots. */
static void test_long_mode_aligns_and_pushes_ss_rsp(void **state)
{
	struct fixture *f = *state;
	struct snapshot *snap = snapshot_take(f);
	struct kvm_segment want_cs = fixture_segment(SEL_CODE64);
	uint64_t top = STACK_TOP;

	f->r.rsp = top + 8;
	deliver_ok(f, 3, 0);
	assert_int_equal(f->r.rsp, top - 40);
	assert_int_equal(peek64(f, top - 40), 0x401234);
	assert_int_equal(peek64(f, top - 32), SEL_CODE64);
	assert_int_equal(peek64(f, top - 24), 0x246);
	assert_int_equal(peek64(f, top - 16), top + 8);
	assert_int_equal(peek64(f, top - 8), SEL_DATA);
	assert_ram_unchanged_outside(f, snap, top - 40, top);
	assert_int_equal(f->r.rip, H64_BP);
	assert_int_equal(f->r.rflags, 0x046);
	assert_memory_equal(&f->s.cs, &want_cs, sizeof(want_cs));
	assert_memory_equal(&f->s.ss, &snap->s.ss, sizeof(f->s.ss));
	snapshot_free(snap);
}

static void test_long_mode_error_code_and_trap_gate(void **state)
{
	struct fixture *f = *state;
	uint64_t top = STACK_TOP;

	f->r.rflags = 0x2 | FL_IF | FL_TF;
	deliver_ok(f, 13, 0xffffffff);
	assert_int_equal(f->r.rsp, top - 48);
	assert_int_equal(peek64(f, top - 48), 0xffffffff);
	assert_int_equal(peek64(f, top - 40), 0x401234);
	assert_int_equal(peek64(f, top - 16), top);
	assert_int_equal(f->r.rflags, 0x2 | FL_IF);
	assert_int_equal(f->r.rip, H64_GP);
}

static void test_long_mode_refusals(void **state)
{
	struct fixture *f = *state;

	assert_refused(f, V64_IST, "IST stack switch is not supported");
	assert_refused(f, V64_TO_CODE32, "handler code segment is not 64-bit");
	assert_refused(f, V64_NONCANONICAL, "handler address not canonical");
	assert_refused(f, V64_TASK, "task gate (task switches are not supported)");
	assert_refused(f, IDT_VECTORS, "vector beyond the IDT limit");
	f->r.rsp = 0x40000000; /* beyond the 2 MiB that are mapped */
	assert_refused(f, 3, "stack not mapped");
}

/* A 16-bit-looking SS does not matter in long mode. */
static void test_long_mode_ignores_ss_db(void **state)
{
	struct fixture *f = *state;

	f->s.ss.db = 0;
	deliver_ok(f, 3, 0);
	assert_int_equal(f->r.rip, H64_BP);
}

static void test_why_may_be_null(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(x86_deliver_exception(&f->m, &f->r, &f->s, V_ABSENT, 0, NULL), -1);
	assert_int_equal(x86_deliver_exception(&f->m, &f->r, &f->s, 3, 0, NULL), 0);
}

#define PROT32(t) cmocka_unit_test_setup_teardown(t, fixture_prot32, fixture_free)
#define PAGED32(t) cmocka_unit_test_setup_teardown(t, fixture_paged32, fixture_free)
#define LONG(t) cmocka_unit_test_setup_teardown(t, fixture_long, fixture_free)

int main(void)
{
	const struct CMUnitTest tests[] = {
		PROT32(test_bp_pushes_eflags_cs_eip_and_clears_if),
		PROT32(test_gp_pushes_error_code_below_eip),
		PROT32(test_trap_gate_keeps_if_and_clears_tf_rf_nt),
		PROT32(test_loads_cs_fields_from_descriptor),
		PROT32(test_stack_uses_ss_base_and_esp_wraps),
		PROT32(test_gate_dpl_is_ignored),
		PROT32(test_same_privilege_in_ring3),
		PROT32(test_refusals_in_protected_mode),
		PROT32(test_idt_limit_covers_whole_entry),
		PROT32(test_gdt_limit_covers_whole_descriptor),
		PROT32(test_refuses_privilege_change),
		PROT32(test_refuses_other_modes),
		PROT32(test_refuses_stack_outside_ram),
		PROT32(test_why_may_be_null),
		PAGED32(test_paged_stack_goes_to_its_physical_page),
		PAGED32(test_paged_refuses_unmapped_stack),
		PAGED32(test_paged_refuses_frame_straddling_into_unmapped_page),
		PAGED32(test_paged_read_only_stack_and_cr0_wp),
		PAGED32(test_paged_ring3_needs_user_stack),
		PAGED32(test_paged_tables_must_be_mapped),
		LONG(test_long_mode_aligns_and_pushes_ss_rsp),
		LONG(test_long_mode_error_code_and_trap_gate),
		LONG(test_long_mode_refusals),
		LONG(test_long_mode_ignores_ss_db),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

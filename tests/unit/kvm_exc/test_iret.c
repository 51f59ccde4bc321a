/* x86_emulate_iret32: frames built by hand, the EFLAGS the CPU would let
 * through, the refusals; and round trips through x86_deliver_exception
 * that must give back the interrupted state exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "backends/kvm/exc/deliver.h"
#include "fixture.h"

#define FL_IF 0x200u
#define FL_NT 0x4000u
#define FL_VM 0x20000u

static void iret_ok(struct fixture *f)
{
	const char *why = NULL;

	if (x86_emulate_iret32(&f->m, &f->r, &f->s, &why) != 0)
		fail_msg("iret refused: %s", why);
}

static void deliver_ok(struct fixture *f, unsigned vector)
{
	const char *why = NULL;

	if (x86_deliver_exception(&f->m, &f->r, &f->s, vector, 0x5a, &why) != 0)
		fail_msg("vector %u refused: %s", vector, why);
}

/* An iret frame at ESP (paging off, SS base 0). */
static void put_frame(struct fixture *f, uint32_t eip, uint32_t cs, uint32_t eflags)
{
	poke32(f, f->r.rsp, eip);
	poke32(f, f->r.rsp + 4, cs);
	poke32(f, f->r.rsp + 8, eflags);
}

static void assert_refused(struct fixture *f, const char *reason)
{
	struct snapshot *snap = snapshot_take(f);
	const char *why = NULL;

	assert_int_equal(x86_emulate_iret32(&f->m, &f->r, &f->s, &why), -1);
	assert_non_null(why);
	assert_string_equal(why, reason);
	assert_regs_unchanged(f, snap);
	assert_ram_unchanged_outside(f, snap, 0, 0);
	snapshot_free(snap);
}

/* Deliver `vector`, let the "handler" drop the error code, iret: every
 * register is back as it was. */
static void round_trip(struct fixture *f, unsigned vector)
{
	struct snapshot *snap = snapshot_take(f);

	deliver_ok(f, vector);
	assert_int_not_equal(f->r.rip, snap->r.rip);
	if (x86_vector_has_error_code(vector))
		f->r.rsp = (uint32_t)(f->r.rsp + 4);
	f->r.rip = 0x00102345; /* the handler's iret */
	iret_ok(f);
	assert_regs_unchanged(f, snap);
	snapshot_free(snap);
}

static void test_round_trip_bp(void **state)
{
	struct fixture *f = *state;

	f->r.rflags = 0x346; /* TF IF ZF PF: both cleared by the gate */
	round_trip(f, 3);
}

static void test_round_trip_gp_with_error_code(void **state)
{
	struct fixture *f = *state;

	f->r.rflags = 0x10202; /* RF comes back too */
	round_trip(f, 13);
}

static void test_round_trip_with_ss_base_and_wrapping_esp(void **state)
{
	struct fixture *f = *state;

	f->s.ss.base = 0x10000;
	f->r.rsp = 4;
	round_trip(f, 3);
}

static void test_round_trip_paged(void **state)
{
	struct fixture *f = *state;

	f->r.rsp = STACK_VA + 0x10;
	round_trip(f, 13);
}

/* At CPL 3 with IOPL 0 the iret cannot set IF again: the interrupt gate's
 * clearing sticks, as on the CPU. */
static void test_round_trip_ring3_keeps_if_clear(void **state)
{
	struct fixture *f = *state;

	fixture_ring3(f);
	deliver_ok(f, V_TO_RING3);
	iret_ok(f);
	assert_int_equal(f->r.rip, 0x5001);
	assert_int_equal(f->r.rsp, STACK_TOP);
	assert_int_equal(f->r.rflags, 0x246 & ~FL_IF);
	assert_int_equal(f->s.cs.selector, SEL_USER_CODE | 3);
}

/* At CPL 0 everything but VM is writable; reserved bits come back clear,
 * bit 1 set; the upper half of the CS slot is ignored. */
static void test_eflags_mask_at_cpl0(void **state)
{
	struct fixture *f = *state;
	struct kvm_segment want_cs = fixture_segment(SEL_CODE32);

	f->s.cs = fixture_segment(SEL_CODE32);
	put_frame(f, 0x7000, 0xabcd0000 | SEL_CODE32, 0xfffdffff);
	iret_ok(f);
	assert_int_equal(f->r.rflags, 0x3d7fd7);
	assert_int_equal(f->r.rip, 0x7000);
	assert_int_equal(f->r.rsp, STACK_TOP + 12);
	assert_memory_equal(&f->s.cs, &want_cs, sizeof(want_cs));

	/* Reserved bits (3, 5, 15, 22-63) set in the current RFLAGS go too. */
	f->r.rsp = STACK_TOP;
	f->r.rflags = 0xffffffff0000822aull;
	put_frame(f, 0x7000, SEL_CODE32, 0);
	iret_ok(f);
	assert_int_equal(f->r.rflags, 0x2);
}

/* At CPL 3, IF follows IOPL; IOPL, VIF and VIP never change. */
static void test_eflags_mask_at_cpl3(void **state)
{
	struct fixture *f = *state;

	fixture_ring3(f);
	f->r.rflags = 0x202;
	put_frame(f, 0x7000, SEL_USER_CODE | 3, 0x1830d5);
	iret_ok(f);
	assert_int_equal(f->r.rflags, 0x2d7);

	f->r.rsp = STACK_TOP;
	f->r.rflags = 0x3202;
	put_frame(f, 0x7000, SEL_USER_CODE | 3, 0x0d5);
	iret_ok(f);
	assert_int_equal(f->r.rflags, 0x30d7);
}

static void test_loads_cs_from_gdt(void **state)
{
	struct fixture *f = *state;

	put_frame(f, SMALL_LIMIT, SEL_SMALL_CODE, 0x2);
	iret_ok(f);
	assert_int_equal(f->s.cs.selector, SEL_SMALL_CODE);
	assert_int_equal(f->s.cs.base, SMALL_BASE);
	assert_int_equal(f->s.cs.limit, SMALL_LIMIT);
	assert_int_equal(f->s.cs.g, 0);
	assert_int_equal(f->r.rip, SMALL_LIMIT);
}

static void test_refusals(void **state)
{
	struct fixture *f = *state;

	put_frame(f, 0x7000, SEL_USER_CODE | 3, 0x202);
	assert_refused(f, "privilege-changing iret (would pop SS:ESP too) is not supported");
	put_frame(f, 0x7000, SEL_CODE32, 0x202 | FL_VM);
	assert_refused(f, "iret to virtual-8086 mode is not supported");
	put_frame(f, 0x7000, GDT_ENTRIES * 8, 0x202);
	assert_refused(f, "code selector beyond the GDT limit");
	put_frame(f, 0x7000, SEL_DATA, 0x202);
	assert_refused(f, "selector is not a code segment");
	put_frame(f, 0x7000, SEL_TSS, 0x202);
	assert_refused(f, "selector is not a code segment");
	put_frame(f, 0x7000, SEL_ABSENT_CODE, 0x202);
	assert_refused(f, "code segment not present");
	put_frame(f, 0x7000, 0, 0x202);
	assert_refused(f, "null code selector");
	put_frame(f, SMALL_LIMIT + 1, SEL_SMALL_CODE, 0x202);
	assert_refused(f, "target beyond the code segment limit");

	put_frame(f, 0x7000, SEL_CODE32, 0x202);
	f->r.rflags |= FL_NT;
	assert_refused(f, "task return (NT set) is not supported");
	f->r.rflags &= ~FL_NT;
	f->r.rsp = RAM_SIZE - 8;
	assert_refused(f, "stack not mapped");
	f->r.rsp = STACK_TOP;
	f->s.ss.db = 0;
	assert_refused(f, "16-bit stack segment is not supported");
}

static void test_paged_refuses_unmapped_stack(void **state)
{
	struct fixture *f = *state;

	f->r.rsp = STACK_VA - 4; /* EIP in the unmapped page, the rest mapped */
	assert_refused(f, "stack not mapped");
}

static void test_refused_in_long_mode(void **state)
{
	struct fixture *f = *state;

	assert_refused(f, "32-bit iret in long mode is not emulated");
}

#define PROT32(t) cmocka_unit_test_setup_teardown(t, fixture_prot32, fixture_free)
#define PAGED32(t) cmocka_unit_test_setup_teardown(t, fixture_paged32, fixture_free)
#define LONG(t) cmocka_unit_test_setup_teardown(t, fixture_long, fixture_free)

int main(void)
{
	const struct CMUnitTest tests[] = {
		PROT32(test_round_trip_bp),
		PROT32(test_round_trip_gp_with_error_code),
		PROT32(test_round_trip_with_ss_base_and_wrapping_esp),
		PAGED32(test_round_trip_paged),
		PROT32(test_round_trip_ring3_keeps_if_clear),
		PROT32(test_eflags_mask_at_cpl0),
		PROT32(test_eflags_mask_at_cpl3),
		PROT32(test_loads_cs_from_gdt),
		PROT32(test_refusals),
		PAGED32(test_paged_refuses_unmapped_stack),
		LONG(test_refused_in_long_mode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

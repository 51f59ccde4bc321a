/* Debug register slots: allocation, DR7 encoding, DR6 decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "backends/kvm/debug/hwdebug.h"

static void exec_slot_encoding(void **state)
{
	struct hw_slot s[HW_SLOTS] = { 0 };
	uint64_t dr[8];
	const char *why = NULL;

	(void)state;
	assert_int_equal(hw_insert(s, HW_EXEC, 0x100200, 1, 0, &why), 0);
	hw_debugregs(s, NULL, dr);
	assert_int_equal(dr[0], 0x100200);
	/* L0, RW0=00 LEN0=00, bit 10 reserved-one, no GE for exec only */
	assert_int_equal(dr[7], 0x401);
}

static void watch_encodings(void **state)
{
	struct hw_slot s[HW_SLOTS] = { 0 };
	uint64_t dr[8];
	const char *why = NULL;

	(void)state;
	assert_int_equal(hw_insert(s, HW_WRITE, 0x2000, 4, 0, &why), 0);
	assert_int_equal(hw_insert(s, HW_ACCESS, 0x3000, 8, 0, &why), 1);
	assert_int_equal(hw_insert(s, HW_READ, 0x4002, 2, 0, &why), 2);
	hw_debugregs(s, NULL, dr);
	assert_int_equal(dr[0], 0x2000);
	assert_int_equal(dr[1], 0x3000);
	assert_int_equal(dr[2], 0x4002);
	/* slot 0: RW=01 LEN=11; slot 1: RW=11 LEN=10; slot 2: RW=11 LEN=01 */
	assert_int_equal((dr[7] >> 16) & 0xf, 0xd);
	assert_int_equal((dr[7] >> 20) & 0xf, 0xb);
	assert_int_equal((dr[7] >> 24) & 0xf, 0x7);
	assert_int_equal(dr[7] & 0x3f, 0x15);
	assert_true(dr[7] & (1u << 9));
}

static void bad_lengths_refused(void **state)
{
	struct hw_slot s[HW_SLOTS] = { 0 };
	const char *why = NULL;

	(void)state;
	assert_int_equal(hw_insert(s, HW_WRITE, 0x2001, 4, 0, &why), -1);
	assert_non_null(why);
	assert_int_equal(hw_insert(s, HW_WRITE, 0x2000, 3, 0, &why), -1);
	assert_int_equal(hw_insert(s, HW_WRITE, 0x2000, 16, 0, &why), -1);
	assert_int_equal(hw_used(s), 0);
}

static void four_slots_then_full(void **state)
{
	struct hw_slot s[HW_SLOTS] = { 0 };
	const char *why = NULL;

	(void)state;
	for (int i = 0; i < HW_SLOTS; i++)
		assert_int_equal(hw_insert(s, HW_EXEC, 0x1000 + i, 1, 0, &why), i);
	/* The same one again takes no slot. */
	assert_int_equal(hw_insert(s, HW_EXEC, 0x1002, 1, 0, &why), 2);
	why = NULL;
	assert_int_equal(hw_insert(s, HW_EXEC, 0x2000, 1, 0, &why), -1);
	assert_non_null(why);
	assert_int_equal(hw_remove(s, HW_EXEC, 0x1001, 1), 0);
	assert_int_equal(hw_remove(s, HW_EXEC, 0x1001, 1), -1);
	assert_int_equal(hw_insert(s, HW_EXEC, 0x2000, 1, 0, &why), 1);
	assert_int_equal(hw_used(s), 4);
}

static void remove_needs_exact_match(void **state)
{
	struct hw_slot s[HW_SLOTS] = { 0 };
	const char *why = NULL;

	(void)state;
	hw_insert(s, HW_WRITE, 0x2000, 4, 0, &why);
	assert_int_equal(hw_remove(s, HW_WRITE, 0x2000, 2), -1);
	assert_int_equal(hw_remove(s, HW_ACCESS, 0x2000, 4), -1);
	assert_int_equal(hw_remove(s, HW_WRITE, 0x2000, 4), 0);
}

static void dr6_names_the_slot(void **state)
{
	struct hw_slot s[HW_SLOTS] = { 0 };
	const char *why = NULL;

	(void)state;
	hw_insert(s, HW_EXEC, 0x1000, 1, 0, &why);
	hw_insert(s, HW_WRITE, 0x2000, 4, 0, &why);
	assert_int_equal(hw_slot_hit(s, 0x2), 1);
	assert_int_equal(hw_slot_hit(s, 0x4000), -1);   /* BS: a step, no slot */
	assert_int_equal(hw_slot_hit(s, 0x8), -1);      /* slot 3 is not ours */
	assert_int_equal(hw_slot_hit(s, 0x3), 0);
}

static void dr6_single_step(void **state)
{
	(void)state;
	assert_true(hw_dr6_single_step(DR6_BS));
	assert_true(hw_dr6_single_step(DR6_BS | 0xffff0ff0)); /* reserved-one bits */
	assert_false(hw_dr6_single_step(DR6_BS | 0x1));       /* a slot fired too */
	assert_false(hw_dr6_single_step(DR6_BS | 0x8));
	assert_false(hw_dr6_single_step(0x1));
	assert_false(hw_dr6_single_step(0));
}

static void guest_enabled_slots(void **state)
{
	(void)state;
	assert_int_equal(hw_guest_enabled(0x400), 0);
	assert_int_equal(hw_guest_enabled(0x401), 0x1);       /* L0 */
	assert_int_equal(hw_guest_enabled(0x480), 0x8);       /* G3 */
	assert_int_equal(hw_guest_enabled(0x40c | 0x30), 0x6); /* L1 G1, L2 G2 */
	/* R/W and LEN fields alone enable nothing. */
	assert_int_equal(hw_guest_enabled(0xffff0400), 0);
}

/* Ours avoid the guest's slots while others are free, then take them. */
static void guest_slots_taken_last(void **state)
{
	struct hw_slot s[HW_SLOTS] = { 0 };
	const unsigned guest = 0x5; /* the guest uses DR0 and DR2 */
	const char *why = NULL;

	(void)state;
	assert_int_equal(hw_free_for_host(s, guest), 2);
	assert_int_equal(hw_insert(s, HW_EXEC, 0x1000, 1, guest, &why), 1);
	assert_int_equal(hw_insert(s, HW_WRITE, 0x2000, 4, guest, &why), 3);
	assert_int_equal(hw_free_for_host(s, guest), 0);
	assert_int_equal(hw_insert(s, HW_EXEC, 0x3000, 1, guest, &why), 0);
	assert_int_equal(hw_insert(s, HW_EXEC, 0x4000, 1, guest, &why), 2);
	assert_int_equal(hw_insert(s, HW_EXEC, 0x5000, 1, guest, &why), -1);
	assert_non_null(why);
}

/* A guest slot we leave alone is loaded with the guest's own values, a
 * slot we hold is ours alone, and the guest's LE/GE come along. */
static void guest_breakpoints_loaded_beside_ours(void **state)
{
	struct hw_slot s[HW_SLOTS] = { 0 };
	/* guest: DR0 exec at 0xa000 (L0), DR1 write 4 bytes at 0xb000 (G1,
	 * RW=01 LEN=11), LE; we hold slot 1 */
	struct hw_guest_dr g = { { 0xa000, 0xb000, 0xc000, 0 }, 0x400 | 0x1 | 0x8 | (0xdull << 20) | 0x100 };
	uint64_t dr[8];
	const char *why = NULL;

	(void)state;
	s[1] = (struct hw_slot){ true, HW_EXEC, 0x1234, 1 };
	hw_debugregs(s, &g, dr);
	assert_int_equal(dr[0], 0xa000);
	assert_int_equal(dr[1], 0x1234);
	assert_int_equal(dr[2], 0);          /* not enabled by the guest */
	assert_int_equal(dr[7] & 0xff, 0x5);  /* L0 (guest), L1 (ours) */
	assert_int_equal((dr[7] >> 20) & 0xf, 0); /* slot 1 is our exec, not its write */
	assert_true(dr[7] & 0x100);           /* the guest's LE */
	/* Once our slot is free the guest's write watch is loaded there. */
	assert_int_equal(hw_remove(s, HW_EXEC, 0x1234, 1), 0);
	hw_debugregs(s, &g, dr);
	assert_int_equal(dr[1], 0xb000);
	assert_int_equal((dr[7] >> 20) & 0xf, 0xd);
	assert_int_equal(dr[7] & 0xf, 0x9);
	(void)why;
}

static void guest_dr6_drops_our_bits(void **state)
{
	struct hw_slot s[HW_SLOTS] = { 0 };

	(void)state;
	s[1] = (struct hw_slot){ true, HW_EXEC, 0x1234, 1 };
	assert_int_equal(hw_guest_dr6(s, 0xffff0ff1), 0xffff0ff1);
	assert_int_equal(hw_guest_dr6(s, 0xffff0ff3), 0xffff0ff1);
	assert_int_equal(hw_guest_dr6(s, 0xffff4ff2), 0xffff4ff0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exec_slot_encoding),
		cmocka_unit_test(watch_encodings),
		cmocka_unit_test(bad_lengths_refused),
		cmocka_unit_test(four_slots_then_full),
		cmocka_unit_test(remove_needs_exact_match),
		cmocka_unit_test(dr6_names_the_slot),
		cmocka_unit_test(dr6_single_step),
		cmocka_unit_test(guest_enabled_slots),
		cmocka_unit_test(guest_slots_taken_last),
		cmocka_unit_test(guest_breakpoints_loaded_beside_ours),
		cmocka_unit_test(guest_dr6_drops_our_bits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

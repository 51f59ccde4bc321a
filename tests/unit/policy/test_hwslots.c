/* Hardware slots: first come, first served; refused when full; shared by
 * owners of the same breakpoint; ranges split into aligned pieces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proxy/policy/hwslots.h"

static struct bp_key hw(uint64_t addr)
{
	return (struct bp_key){ BP_HARDWARE, addr, 1 };
}

static struct bp_key watch(uint64_t addr, uint64_t len)
{
	return (struct bp_key){ BP_WATCH_WRITE, addr, len };
}

static void test_fifth_hardware_breakpoint_is_refused(void **state)
{
	struct hw_slots s;

	(void)state;
	hw_slots_init(&s, 4);
	for (uint64_t i = 0; i < 4; i++) {
		struct bp_key k = hw(0x1000 + i);
		assert_int_equal(hw_slots_claim(&s, &k), 0);
	}
	struct bp_key fifth = hw(0x2000);
	assert_int_equal(hw_slots_claim(&s, &fifth), -1);
	assert_int_equal(hw_slots_free(&s), 0);
}

static void test_release_frees_the_slot_for_the_next_comer(void **state)
{
	struct hw_slots s;
	struct bp_key a = hw(0x1000), b = hw(0x2000);

	(void)state;
	hw_slots_init(&s, 1);
	assert_int_equal(hw_slots_claim(&s, &a), 0);
	assert_int_equal(hw_slots_claim(&s, &b), -1);
	hw_slots_release(&s, &a);
	assert_int_equal(hw_slots_claim(&s, &b), 0);
}

static void test_software_breakpoints_take_no_slot(void **state)
{
	struct hw_slots s;
	struct bp_key sw = { BP_SOFTWARE, 0x1000, 1 };

	(void)state;
	hw_slots_init(&s, 1);
	assert_false(hw_slots_applies(&sw));
	for (int i = 0; i < 10; i++)
		assert_int_equal(hw_slots_claim(&s, &sw), 0);
	assert_int_equal(hw_slots_free(&s), 1);
}

static void test_watched_ranges_split_into_aligned_pieces(void **state)
{
	struct bp_key k;

	(void)state;
	k = watch(0x1000, 4);
	assert_int_equal(hw_slots_needed(&k), 1);
	k = watch(0x1000, 8);
	assert_int_equal(hw_slots_needed(&k), 1);
	k = watch(0x1001, 4); /* 1 + 2 + 1 */
	assert_int_equal(hw_slots_needed(&k), 3);
	k = watch(0x1000, 16);
	assert_int_equal(hw_slots_needed(&k), 2);
	k = hw(0x1003);
	assert_int_equal(hw_slots_needed(&k), 1);
}

static void test_a_range_that_does_not_fit_takes_nothing(void **state)
{
	struct hw_slots s;
	struct bp_key big = watch(0x1000, 32), small = watch(0x2000, 4);

	(void)state;
	hw_slots_init(&s, 3);
	assert_int_equal(hw_slots_claim(&s, &big), -1); /* needs 4 */
	assert_int_equal(hw_slots_free(&s), 3);
	assert_int_equal(hw_slots_claim(&s, &small), 0);
	assert_int_equal(hw_slots_free(&s), 2);
	hw_slots_release(&s, &small);
	assert_int_equal(hw_slots_free(&s), 3);
}

static void test_no_accounting_when_the_stub_decides(void **state)
{
	struct hw_slots s;

	(void)state;
	hw_slots_init(&s, 0);
	for (uint64_t i = 0; i < 100; i++) {
		struct bp_key k = hw(i);
		assert_int_equal(hw_slots_claim(&s, &k), 0);
	}
	assert_int_equal(hw_slots_free(&s), 0);
	hw_slots_init(&s, 1000);
	assert_int_equal(s.n, HW_SLOTS_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifth_hardware_breakpoint_is_refused),
		cmocka_unit_test(test_release_frees_the_slot_for_the_next_comer),
		cmocka_unit_test(test_software_breakpoints_take_no_slot),
		cmocka_unit_test(test_watched_ranges_split_into_aligned_pieces),
		cmocka_unit_test(test_a_range_that_does_not_fit_takes_nothing),
		cmocka_unit_test(test_no_accounting_when_the_stub_decides),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Write watch bookkeeping for read-only-mapped pages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "backends/kvm/debug/memwatch.h"

static void add_find_remove(void **state)
{
	struct memwatches t = { 0 };

	(void)state;
	assert_int_equal(memwatch_add(&t, 0xc0101000, 0x101000, 4), 0);
	assert_int_equal(memwatch_add(&t, 0xc0101000, 0x101000, 4), 0);
	assert_int_equal(t.n, 1);
	assert_non_null(memwatch_hit(&t, 0x101000, 1));
	assert_non_null(memwatch_hit(&t, 0x100ffc, 8)); /* overlaps the first byte */
	assert_non_null(memwatch_hit(&t, 0x101003, 4)); /* overlaps the last byte */
	assert_null(memwatch_hit(&t, 0x101004, 4));     /* just after */
	assert_null(memwatch_hit(&t, 0x100ffc, 4));     /* just before */
	assert_int_equal(memwatch_hit(&t, 0x101002, 1)->va, 0xc0101000);
	assert_int_equal(memwatch_remove(&t, 0xc0101000, 2), -1);
	assert_int_equal(memwatch_remove(&t, 0xc0101000, 4), 0);
	assert_null(memwatch_hit(&t, 0x101000, 1));
	assert_int_equal(memwatch_remove(&t, 0xc0101000, 4), -1);
	memwatch_clear(&t);
}

static void pages(void **state)
{
	struct memwatches t = { 0 };

	(void)state;
	memwatch_add(&t, 0x5ffc, 0x5ffc, 4);
	assert_true(memwatch_page_watched(&t, 0x5000));
	assert_true(memwatch_page_watched(&t, 0x5fff));
	assert_false(memwatch_page_watched(&t, 0x6000));
	assert_false(memwatch_page_watched(&t, 0x4fff));
	memwatch_clear(&t);
	assert_false(memwatch_page_watched(&t, 0x5000));
}

static void many(void **state)
{
	struct memwatches t = { 0 };

	(void)state;
	for (uint64_t i = 0; i < 1000; i++)
		assert_int_equal(memwatch_add(&t, i * 8, 0x10000 + i * 8, 8), 0);
	assert_int_equal(t.n, 1000);
	assert_int_equal(memwatch_hit(&t, 0x10000 + 999 * 8 + 7, 1)->va, 999 * 8);
	memwatch_clear(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(add_find_remove),
		cmocka_unit_test(pages),
		cmocka_unit_test(many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

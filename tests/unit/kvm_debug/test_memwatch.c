/* Bookkeeping of watches by mapping: write watches on read-only pages,
 * read and access watches on unmapped ones. */
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
	assert_int_equal(memwatch_add(&t, 0xc0101000, 0x101000, 4, MW_WRITE), 0);
	assert_int_equal(memwatch_add(&t, 0xc0101000, 0x101000, 4, MW_WRITE), 0);
	assert_int_equal(t.n, 1);
	assert_non_null(memwatch_hit(&t, 0x101000, 1, true));
	assert_non_null(memwatch_hit(&t, 0x100ffc, 8, true)); /* overlaps the first byte */
	assert_non_null(memwatch_hit(&t, 0x101003, 4, true)); /* overlaps the last byte */
	assert_null(memwatch_hit(&t, 0x101004, 4, true));     /* just after */
	assert_null(memwatch_hit(&t, 0x100ffc, 4, true));     /* just before */
	assert_int_equal(memwatch_hit(&t, 0x101002, 1, true)->va, 0xc0101000);
	assert_int_equal(memwatch_remove(&t, 0xc0101000, 2, MW_WRITE), -1);
	assert_int_equal(memwatch_remove(&t, 0xc0101000, 4, MW_WRITE), 0);
	assert_null(memwatch_hit(&t, 0x101000, 1, true));
	assert_int_equal(memwatch_remove(&t, 0xc0101000, 4, MW_WRITE), -1);
	memwatch_clear(&t);
}

static void pages(void **state)
{
	struct memwatches t = { 0 };

	(void)state;
	memwatch_add(&t, 0x5ffc, 0x5ffc, 4, MW_WRITE);
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
		assert_int_equal(memwatch_add(&t, i * 8, 0x10000 + i * 8, 8, MW_WRITE), 0);
	assert_int_equal(t.n, 1000);
	assert_int_equal(memwatch_hit(&t, 0x10000 + 999 * 8 + 7, 1, true)->va, 999 * 8);
	memwatch_clear(&t);
}

/* A load hits read and access watches, a store write and access ones;
 * the same range may be watched for several kinds at once. */
static void kinds(void **state)
{
	struct memwatches t = { 0 };

	(void)state;
	assert_int_equal(memwatch_add(&t, 0x1000, 0x1000, 4, MW_READ), 0);
	assert_null(memwatch_hit(&t, 0x1000, 4, true));
	assert_int_equal(memwatch_hit(&t, 0x1002, 1, false)->kind, MW_READ);
	assert_int_equal(memwatch_add(&t, 0x1000, 0x1000, 4, MW_WRITE), 0);
	assert_int_equal(t.n, 2);
	assert_int_equal(memwatch_hit(&t, 0x1000, 4, true)->kind, MW_WRITE);
	assert_int_equal(memwatch_hit(&t, 0x1000, 4, false)->kind, MW_READ);
	assert_int_equal(memwatch_remove(&t, 0x1000, 4, MW_ACCESS), -1);
	assert_int_equal(memwatch_remove(&t, 0x1000, 4, MW_READ), 0);
	assert_null(memwatch_hit(&t, 0x1000, 4, false));
	assert_int_equal(memwatch_add(&t, 0x2000, 0x2000, 1, MW_ACCESS), 0);
	assert_non_null(memwatch_hit(&t, 0x2000, 1, false));
	assert_non_null(memwatch_hit(&t, 0x2000, 1, true));
	memwatch_clear(&t);
}

/* A page with only write watches is read-only; one read or access watch
 * unmaps it; dropping those (the guest runs code there) leaves the rest. */
static void page_modes(void **state)
{
	struct memwatches t = { 0 };

	(void)state;
	assert_int_equal(memwatch_page_mode(&t, 0x3000), MW_PAGE_RAM);
	memwatch_add(&t, 0x3010, 0x3010, 4, MW_WRITE);
	assert_int_equal(memwatch_page_mode(&t, 0x3fff), MW_PAGE_READONLY);
	memwatch_add(&t, 0x3020, 0x3020, 4, MW_READ);
	memwatch_add(&t, 0x3030, 0x3030, 4, MW_ACCESS);
	memwatch_add(&t, 0x4030, 0x4030, 4, MW_ACCESS);
	assert_int_equal(memwatch_page_mode(&t, 0x3000), MW_PAGE_UNMAPPED);
	assert_int_equal(memwatch_unmapping(&t, 0x3fff)->kind, MW_READ);
	assert_null(memwatch_unmapping(&t, 0x5000));
	assert_int_equal(memwatch_drop_unmapped(&t, 0x3abc), 2);
	assert_null(memwatch_unmapping(&t, 0x3000));
	assert_int_equal(memwatch_page_mode(&t, 0x3000), MW_PAGE_READONLY);
	assert_int_equal(memwatch_page_mode(&t, 0x4000), MW_PAGE_UNMAPPED);
	assert_int_equal(t.n, 2);
	assert_int_equal(memwatch_drop_unmapped(&t, 0x5000), 0);
	memwatch_clear(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(add_find_remove),
		cmocka_unit_test(pages),
		cmocka_unit_test(many),
		cmocka_unit_test(kinds),
		cmocka_unit_test(page_modes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

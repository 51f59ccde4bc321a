/* Breakpoint ownership: the first owner inserts, the last owner removes,
 * nobody removes another's breakpoint, and a vanished owner leaves nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proxy/policy/breakpoints.h"

static const struct bp_key sw1 = { BP_SOFTWARE, 0x101000, 1 };
static const struct bp_key sw2 = { BP_SOFTWARE, 0x102000, 1 };
static const struct bp_key watch1 = { BP_WATCH_WRITE, 0x200000, 4 };

static void test_first_owner_inserts_upstream(void **state)
{
	struct bp_table t;

	(void)state;
	bp_table_init(&t);
	assert_int_equal(bp_table_add(&t, 1, &sw1), BP_INSERT_UPSTREAM);
	assert_int_equal(bp_table_add(&t, 2, &sw1), BP_NO_CHANGE);
	assert_int_equal(bp_table_count(&t), 1);
	assert_true(bp_table_owns(&t, 1, &sw1));
	assert_true(bp_table_owns(&t, 2, &sw1));
	bp_table_finish(&t);
}

static void test_insert_is_idempotent_per_owner(void **state)
{
	struct bp_table t;

	(void)state;
	bp_table_init(&t);
	assert_int_equal(bp_table_add(&t, 1, &sw1), BP_INSERT_UPSTREAM);
	assert_int_equal(bp_table_add(&t, 1, &sw1), BP_NO_CHANGE);
	/* One removal undoes any number of inserts by the same owner. */
	assert_int_equal(bp_table_remove(&t, 1, &sw1), BP_REMOVE_UPSTREAM);
	assert_int_equal(bp_table_count(&t), 0);
	bp_table_finish(&t);
}

static void test_last_owner_removes_upstream(void **state)
{
	struct bp_table t;

	(void)state;
	bp_table_init(&t);
	bp_table_add(&t, 1, &sw1);
	bp_table_add(&t, 2, &sw1);
	assert_int_equal(bp_table_remove(&t, 1, &sw1), BP_NO_CHANGE);
	assert_false(bp_table_owns(&t, 1, &sw1));
	assert_int_equal(bp_table_remove(&t, 2, &sw1), BP_REMOVE_UPSTREAM);
	assert_int_equal(bp_table_count(&t), 0);
	bp_table_finish(&t);
}

static void test_removal_by_non_owner_changes_nothing(void **state)
{
	struct bp_table t;

	(void)state;
	bp_table_init(&t);
	bp_table_add(&t, 1, &sw1);
	assert_int_equal(bp_table_remove(&t, 2, &sw1), BP_NOT_OWNED);
	assert_int_equal(bp_table_remove(&t, 1, &sw2), BP_NOT_OWNED);
	assert_true(bp_table_owns(&t, 1, &sw1));
	assert_int_equal(bp_table_count(&t), 1);
	bp_table_finish(&t);
}

static void test_keys_differ_by_type_and_kind(void **state)
{
	struct bp_table t;
	struct bp_key hw = sw1, wide = sw1;

	(void)state;
	hw.type = BP_HARDWARE;
	wide.kind = 2;
	bp_table_init(&t);
	assert_int_equal(bp_table_add(&t, 1, &sw1), BP_INSERT_UPSTREAM);
	assert_int_equal(bp_table_add(&t, 1, &hw), BP_INSERT_UPSTREAM);
	assert_int_equal(bp_table_add(&t, 1, &wide), BP_INSERT_UPSTREAM);
	assert_int_equal(bp_table_count(&t), 3);
	bp_table_finish(&t);
}

struct orphans {
	struct bp_key keys[8];
	size_t n;
};

static void collect(void *arg, const struct bp_key *key)
{
	struct orphans *o = arg;

	o->keys[o->n++] = *key;
}

static void test_remove_owner_reports_orphans_only(void **state)
{
	struct orphans o = { .n = 0 };
	struct bp_table t;

	(void)state;
	bp_table_init(&t);
	bp_table_add(&t, 1, &sw1);
	bp_table_add(&t, 2, &sw1);
	bp_table_add(&t, 1, &sw2);
	bp_table_add(&t, 1, &watch1);
	assert_int_equal(bp_table_remove_owner(&t, 1, collect, &o), 2);
	assert_int_equal(o.n, 2);
	for (size_t i = 0; i < o.n; i++)
		assert_true(o.keys[i].addr == sw2.addr || o.keys[i].addr == watch1.addr);
	/* Client 2's breakpoint stays. */
	assert_int_equal(bp_table_count(&t), 1);
	assert_true(bp_table_owns(&t, 2, &sw1));
	assert_int_equal(bp_table_count_owned(&t, 1), 0);
	bp_table_finish(&t);
}

static void test_remove_owner_without_callback(void **state)
{
	struct bp_table t;

	(void)state;
	bp_table_init(&t);
	for (uint64_t a = 0; a < 100; a++) {
		struct bp_key k = { BP_SOFTWARE, 0x1000 + a, 1 };
		bp_table_add(&t, 7, &k);
	}
	assert_int_equal(bp_table_count_owned(&t, 7), 100);
	assert_int_equal(bp_table_remove_owner(&t, 7, NULL, NULL), 100);
	assert_int_equal(bp_table_count(&t), 0);
	assert_int_equal(bp_table_remove_owner(&t, 7, NULL, NULL), 0);
	bp_table_finish(&t);
}

static void test_watch_reports_belong_to_the_watchers(void **state)
{
	struct bp_table t;
	struct bp_key wide = { BP_WATCH_ACCESS, 0x300000, 8 };

	(void)state;
	bp_table_init(&t);
	bp_table_add(&t, 1, &watch1);
	bp_table_add(&t, 2, &sw1);
	bp_table_add(&t, 3, &wide);
	assert_true(bp_table_owns_watch_at(&t, 1, 0x200000));
	assert_true(bp_table_owns_watch_at(&t, 1, 0x200003));
	assert_false(bp_table_owns_watch_at(&t, 1, 0x200004));
	assert_false(bp_table_owns_watch_at(&t, 2, 0x200000));
	/* A software breakpoint is no watchpoint, whatever its address. */
	assert_false(bp_table_owns_watch_at(&t, 2, sw1.addr));
	assert_true(bp_table_owns_watch_at(&t, 3, 0x300007));
	assert_false(bp_table_owns_watch_at(&t, 3, 0x2fffff));
	bp_table_finish(&t);
}

static void test_finish_twice_and_empty(void **state)
{
	struct bp_table t;

	(void)state;
	bp_table_init(&t);
	assert_int_equal(bp_table_count(&t), 0);
	assert_false(bp_table_owns(&t, 1, &sw1));
	bp_table_finish(&t);
	bp_table_finish(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_owner_inserts_upstream),
		cmocka_unit_test(test_insert_is_idempotent_per_owner),
		cmocka_unit_test(test_last_owner_removes_upstream),
		cmocka_unit_test(test_removal_by_non_owner_changes_nothing),
		cmocka_unit_test(test_keys_differ_by_type_and_kind),
		cmocka_unit_test(test_remove_owner_reports_orphans_only),
		cmocka_unit_test(test_remove_owner_without_callback),
		cmocka_unit_test(test_watch_reports_belong_to_the_watchers),
		cmocka_unit_test(test_finish_twice_and_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

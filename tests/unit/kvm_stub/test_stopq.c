/* The non-stop stop-notification queue of gdbhub-kvm's stub (stopq.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "backends/kvm/stub/stopq.h"

static void first_stop_notifies_later_ones_wait(void **state)
{
	struct stopq q;

	(void)state;
	assert_int_equal(stopq_init(&q, 4), 0);
	assert_null(stopq_head(&q));
	assert_int_equal(stopq_push(&q, 2, "T05thread:3;"), 1);
	assert_int_equal(stopq_push(&q, 0, "T00thread:1;"), 0);
	assert_int_equal(stopq_push(&q, 3, "T02thread:4;"), 0);
	assert_string_equal(stopq_head(&q)->text, "T05thread:3;");
	stopq_free(&q);
}

static void vstopped_drains_in_order_then_ok(void **state)
{
	struct stopq q;

	(void)state;
	assert_int_equal(stopq_init(&q, 4), 0);
	stopq_push(&q, 2, "T05thread:3;");
	stopq_push(&q, 0, "T00thread:1;");
	stopq_push(&q, STOPQ_PROCESS, "W21");
	assert_string_equal(stopq_ack(&q)->text, "T00thread:1;");
	assert_int_equal(stopq_head(&q)->cpu, 0);
	assert_string_equal(stopq_ack(&q)->text, "W21");
	assert_int_equal(stopq_head(&q)->cpu, STOPQ_PROCESS);
	assert_null(stopq_ack(&q));
	assert_null(stopq_ack(&q)); /* a stray vStopped: still OK */
	/* drained: the next stop is a new notification */
	assert_int_equal(stopq_push(&q, 1, "T05thread:2;"), 1);
	stopq_free(&q);
}

static void one_entry_per_vcpu(void **state)
{
	struct stopq q;

	(void)state;
	assert_int_equal(stopq_init(&q, 2), 0);
	stopq_push(&q, 1, "T00thread:2;");
	stopq_push(&q, 0, "T00thread:1;");
	/* vCPU 1 again: same place, newer reason, no second entry */
	assert_int_equal(stopq_push(&q, 1, "T05thread:2;swbreak:;"), 0);
	assert_true(stopq_has(&q, 1));
	assert_string_equal(stopq_head(&q)->text, "T05thread:2;swbreak:;");
	assert_string_equal(stopq_ack(&q)->text, "T00thread:1;");
	assert_false(stopq_has(&q, 1));
	assert_true(stopq_has(&q, 0));
	assert_null(stopq_ack(&q));
	assert_false(stopq_has(&q, 0));
	stopq_free(&q);
}

static void full_and_out_of_range_refused(void **state)
{
	struct stopq q;

	(void)state;
	assert_int_equal(stopq_init(&q, 2), 0);
	assert_int_equal(stopq_push(&q, 2, "T00thread:3;"), -1);
	assert_int_equal(stopq_push(&q, -2, "T00"), -1);
	assert_int_equal(stopq_push(&q, 0, "a"), 1);
	assert_int_equal(stopq_push(&q, 1, "b"), 0);
	assert_int_equal(stopq_push(&q, STOPQ_PROCESS, "W00"), 0);
	assert_string_equal(stopq_head(&q)->text, "a");
	/* every slot taken: only a replacement fits */
	assert_int_equal(stopq_push(&q, 0, "c"), 0);
	assert_string_equal(stopq_head(&q)->text, "c");
	stopq_free(&q);
}

static void ring_wraps(void **state)
{
	struct stopq q;
	char text[16];

	(void)state;
	assert_int_equal(stopq_init(&q, 3), 0);
	for (int round = 0; round < 10; round++) {
		for (int cpu = 0; cpu < 3; cpu++) {
			snprintf(text, sizeof(text), "r%d c%d", round, cpu);
			assert_int_equal(stopq_push(&q, cpu, text), cpu == 0 ? 1 : 0);
		}
		snprintf(text, sizeof(text), "r%d c0", round);
		assert_string_equal(stopq_head(&q)->text, text);
		for (int cpu = 1; cpu < 3; cpu++) {
			snprintf(text, sizeof(text), "r%d c%d", round, cpu);
			assert_string_equal(stopq_ack(&q)->text, text);
		}
		assert_null(stopq_ack(&q));
	}
	stopq_free(&q);
}

static void long_text_is_cut_and_clear_empties(void **state)
{
	struct stopq q;
	char text[STOPQ_TEXT * 2];

	(void)state;
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	assert_int_equal(stopq_init(&q, 1), 0);
	assert_int_equal(stopq_push(&q, 0, text), 1);
	assert_int_equal(strlen(stopq_head(&q)->text), STOPQ_TEXT - 1);
	stopq_clear(&q);
	assert_null(stopq_head(&q));
	assert_false(stopq_has(&q, 0));
	assert_int_equal(stopq_push(&q, 0, "T00thread:1;"), 1);
	stopq_free(&q);
	stopq_free(&q); /* twice is fine */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_stop_notifies_later_ones_wait),
		cmocka_unit_test(vstopped_drains_in_order_then_ok),
		cmocka_unit_test(one_entry_per_vcpu),
		cmocka_unit_test(full_and_out_of_range_refused),
		cmocka_unit_test(ring_wraps),
		cmocka_unit_test(long_text_is_cut_and_clear_empties),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* gdbhub-replay's choice of the checkpoint to drop past its cap
 * (backends/replay/sup/thin.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "backends/replay/sup/sup.h"
#include "backends/replay/sup/thin.h"

/* Checkpoints at the given icounts, init first. */
static size_t make(struct ckpt *ck, const uint64_t *at, size_t n)
{
	ck[0] = (struct ckpt){ .tag = "init", .icount = 0 };
	for (size_t i = 0; i < n; i++)
		ck[i + 1] = (struct ckpt){ .icount = at[i] };
	return n + 1;
}

/* Coarse checkpoints every 100 and two fine ones close together near 250:
 * dropping the first fine one leaves the smallest gap (240..260). */
static void test_drops_the_one_leaving_the_smallest_gap(void **state)
{
	static const uint64_t at[] = { 100, 200, 300, 250, 255, 400 };
	struct ckpt ck[8];
	size_t n = make(ck, at, 6);

	(void)state;
	/* Without 250: 200..255 = 55; without 255: 250..300 = 50. */
	assert_int_equal(ckpt_thin_victim(ck, n, n - 1), 5);
}

/* The one just taken stays even where it leaves the smallest gap. */
static void test_keeps_the_one_just_taken(void **state)
{
	static const uint64_t at[] = { 100, 200, 300, 201 };
	struct ckpt ck[6];
	size_t n = make(ck, at, 4);

	(void)state;
	/* Without 200: 100..201; without 201 (kept): 200..300; 100 and 300
	 * leave 0..200 and 201..end. */
	assert_int_equal(ckpt_thin_victim(ck, n, 4), 2);
	/* Were 200 the one kept, 201 would go (200..300 the smallest). */
	assert_int_equal(ckpt_thin_victim(ck, n, 2), 4);
}

/* init is never chosen, and the farthest along only when nothing else
 * may go: it covers the recording's end. */
static void test_init_never_and_the_last_only_if_alone(void **state)
{
	static const uint64_t at[] = { 1000, 1001 };
	struct ckpt ck[4];
	size_t n = make(ck, at, 2);

	(void)state;
	/* 1001 is the farthest along (a gap of 1 if it went): 1000 goes. */
	assert_int_equal(ckpt_thin_victim(ck, n, 0), 1);
	/* With 1000 kept, only 1001 may go. */
	assert_int_equal(ckpt_thin_victim(ck, n, 1), 2);
	n = make(ck, at, 0);
	assert_int_equal(ckpt_thin_victim(ck, n, 0), SIZE_MAX);
	n = make(ck, at, 1);
	assert_int_equal(ckpt_thin_victim(ck, n, 1), SIZE_MAX);
}

/* Equal gaps: the earlier one goes, farther from where the user works. */
static void test_tie_drops_the_earlier(void **state)
{
	static const uint64_t at[] = { 300, 100, 200, 400 };
	struct ckpt ck[6];
	size_t n = make(ck, at, 4);

	(void)state;
	/* 100, 200 and 300 each leave a gap of 200; 100 is the earliest. */
	assert_int_equal(ckpt_thin_victim(ck, n, 4), 2);
}

/* Thinning many evenly taken checkpoints down keeps them spread: after
 * dropping to half, no gap is more than twice the spacing. */
static void test_repeated_thinning_stays_spread(void **state)
{
	struct ckpt ck[40];
	size_t n = 1;

	(void)state;
	ck[0] = (struct ckpt){ .icount = 0 };
	for (uint64_t i = 1; i <= 32; i++) {
		ck[n++] = (struct ckpt){ .icount = i * 10 };
		while (n - 1 > 16) {
			size_t v = ckpt_thin_victim(ck, n, n - 1);

			assert_true(v != SIZE_MAX && v != 0 && v != n - 1);
			for (size_t j = v; j + 1 < n; j++)
				ck[j] = ck[j + 1];
			n--;
		}
	}
	assert_int_equal(n, 17);
	assert_int_equal(ck[n - 1].icount, 320);
	for (size_t i = 1; i < n; i++)
		assert_true(ck[i].icount - ck[i - 1].icount <= 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drops_the_one_leaving_the_smallest_gap),
		cmocka_unit_test(test_keeps_the_one_just_taken),
		cmocka_unit_test(test_init_never_and_the_last_only_if_alone),
		cmocka_unit_test(test_tie_drops_the_earlier),
		cmocka_unit_test(test_repeated_thinning_stays_spread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

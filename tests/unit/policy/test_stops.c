/* Which stops go back to the guest, and the resume that does it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proxy/policy/stops.h"

static struct rsp_stop stop_of(const char *text)
{
	struct rsp_stop st;

	assert_int_equal(rsp_stop_parse(text, strlen(text), &st), 0);
	return st;
}

/* Giving st back after last_resume sends exactly sent. */
static void expect_give_back(const struct rsp_stop *st, const char *last_resume,
			     const char *sent)
{
	char out[96];

	assert_int_equal(policy_give_back_packet(st, last_resume, out, sizeof(out)), 0);
	assert_string_equal(out, sent);
}

static void guest_exception_goes_back(void **state)
{
	struct rsp_stop st = stop_of("T05thread:2;guest-exception:3;");

	(void)state;
	assert_int_equal(policy_stop_action(&st), STOP_BACK_TO_GUEST);
}

static void ours_go_to_clients(void **state)
{
	(void)state;
	struct rsp_stop a = stop_of("T05thread:2;swbreak:;");
	struct rsp_stop b = stop_of("T05thread:1;");
	struct rsp_stop c = stop_of("T02thread:1;");
	struct rsp_stop d = stop_of("W0f");
	/* Without a thread the backend cannot be told which vCPU: report it. */
	struct rsp_stop e = stop_of("T05guest-exception:1;");

	assert_int_equal(policy_stop_action(&a), STOP_TO_CLIENTS);
	assert_int_equal(policy_stop_action(&b), STOP_TO_CLIENTS);
	assert_int_equal(policy_stop_action(&c), STOP_TO_CLIENTS);
	assert_int_equal(policy_stop_action(&d), STOP_TO_CLIENTS);
	assert_int_equal(policy_stop_action(&e), STOP_TO_CLIENTS);
}

static void give_back_packets(void **state)
{
	struct rsp_stop st = stop_of("T05thread:a;guest-exception:3;");
	char out[64];

	(void)state;
	expect_give_back(&st, "c", "vCont;C05:a;c");
	expect_give_back(&st, "vCont;c", "vCont;C05:a;c");
	expect_give_back(&st, "vCont;s:1;c", "vCont;C05:a;s:1;c");
	assert_int_equal(policy_give_back_packet(&st, "vCont;c", out, 10), -1);
}

/* A thread that was stepping steps on into the guest's handler: a stepi
 * (or a line step) over the guest's int3 must not become a continue. */
static void give_back_keeps_a_step(void **state)
{
	struct rsp_stop st = stop_of("T05thread:a;guest-exception:1;");

	(void)state;
	expect_give_back(&st, "s", "vCont;S05:a");
	expect_give_back(&st, "S00", "vCont;S05:a");
	expect_give_back(&st, "vCont;s:a;c", "vCont;S05:a;s:a;c");
	expect_give_back(&st, "vCont;r100,120:a;c", "vCont;S05:a;r100,120:a;c");
	expect_give_back(&st, "vCont;s", "vCont;S05:a;s");
	expect_give_back(&st, "vCont;s:-1", "vCont;S05:a;s:-1");
	/* Another thread's step, or ours continuing: a continue. */
	expect_give_back(&st, "vCont;s:1;c", "vCont;C05:a;s:1;c");
	expect_give_back(&st, "vCont;s:ab;c", "vCont;C05:a;s:ab;c");
	expect_give_back(&st, "vCont;c:a;s", "vCont;C05:a;c:a;s");
	expect_give_back(&st, "c", "vCont;C05:a;c");
}

/* Per thread: what a resume packet asks of each thread, as the stub reads
 * it (the first action naming the thread, or naming none, decides). */
static void resume_kind_per_thread(void **state)
{
	(void)state;
	assert_int_equal(policy_resume_kind("c", 3), RESUME_CONTINUE);
	assert_int_equal(policy_resume_kind("C0b", 3), RESUME_CONTINUE);
	assert_int_equal(policy_resume_kind("s", 3), RESUME_STEP);
	assert_int_equal(policy_resume_kind("bc", 3), RESUME_NONE);
	assert_int_equal(policy_resume_kind("vCont;c", 3), RESUME_CONTINUE);
	assert_int_equal(policy_resume_kind("vCont;s:3;c", 3), RESUME_STEP);
	assert_int_equal(policy_resume_kind("vCont;s:3;c", 4), RESUME_CONTINUE);
	assert_int_equal(policy_resume_kind("vCont;s:3", 4), RESUME_NONE);
	assert_int_equal(policy_resume_kind("vCont;c:3;t", 4), RESUME_STOP);
	assert_int_equal(policy_resume_kind("vCont;t:a", 0xa), RESUME_STOP);
	assert_int_equal(policy_resume_kind("vCont;r10,20:a;c", 0xa), RESUME_STEP);
	assert_int_equal(policy_resume_kind("vCont;C05:a;c:-1", 2), RESUME_CONTINUE);
	/* 3 is not 30: a thread id is read whole. */
	assert_int_equal(policy_resume_kind("vCont;s:30", 3), RESUME_NONE);
}

/* A non-stop upstream: only the thread that met its own exception resumes. */
static void give_back_one_thread(void **state)
{
	struct rsp_stop st = stop_of("T05thread:1a;guest-exception:3;");
	struct rsp_stop none = stop_of("T05guest-exception:3;");
	char out[64];

	(void)state;
	assert_int_equal(policy_give_back_thread_packet(&st, false, out, sizeof(out)), 0);
	assert_string_equal(out, "vCont;C05:1a");
	assert_int_equal(policy_give_back_thread_packet(&st, true, out, sizeof(out)), 0);
	assert_string_equal(out, "vCont;S05:1a");
	assert_int_equal(policy_give_back_thread_packet(&st, false, out, 12), -1);
	assert_int_equal(policy_give_back_thread_packet(&none, false, out, sizeof(out)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(guest_exception_goes_back),
		cmocka_unit_test(ours_go_to_clients),
		cmocka_unit_test(give_back_packets),
		cmocka_unit_test(give_back_keeps_a_step),
		cmocka_unit_test(resume_kind_per_thread),
		cmocka_unit_test(give_back_one_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

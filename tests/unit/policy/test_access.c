/* Roles, the floor, and departures: one test per rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proxy/policy/access.h"

/* A request from client 2; client 1 holds the floor when running. */
static enum access_verdict ask(enum access_role role, enum access_action action, bool running)
{
	struct access_request r = {
		.role = role, .action = action, .vm_running = running,
		.client = 2, .floor_holder = running ? 1 : 0,
	};

	return access_check(&r);
}

static void test_everyone_reads_a_stopped_vm(void **state)
{
	(void)state;
	assert_int_equal(ask(ACCESS_CONTROL, ACCESS_READ, false), ACCESS_ALLOW);
	assert_int_equal(ask(ACCESS_OBSERVE, ACCESS_READ, false), ACCESS_ALLOW);
}

static void test_nobody_reads_a_running_vm_in_all_stop(void **state)
{
	(void)state;
	assert_int_equal(ask(ACCESS_CONTROL, ACCESS_READ, true), ACCESS_DENY_RUNNING);
	assert_int_equal(ask(ACCESS_OBSERVE, ACCESS_READ, true), ACCESS_DENY_RUNNING);
}

static void test_observers_may_not_change_the_vm(void **state)
{
	static const enum access_action mutating[] = {
		ACCESS_WRITE, ACCESS_BREAK, ACCESS_RESUME, ACCESS_INTERRUPT, ACCESS_STUB_MONITOR,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(mutating) / sizeof(mutating[0]); i++)
		assert_int_equal(ask(ACCESS_OBSERVE, mutating[i], false), ACCESS_DENY_ROLE);
}

static void test_controllers_change_a_stopped_vm(void **state)
{
	(void)state;
	assert_int_equal(ask(ACCESS_CONTROL, ACCESS_WRITE, false), ACCESS_ALLOW);
	assert_int_equal(ask(ACCESS_CONTROL, ACCESS_BREAK, false), ACCESS_ALLOW);
	assert_int_equal(ask(ACCESS_CONTROL, ACCESS_RESUME, false), ACCESS_ALLOW);
	assert_int_equal(ask(ACCESS_CONTROL, ACCESS_STUB_MONITOR, false), ACCESS_ALLOW);
}

static void test_anyone_removes_their_own_breakpoints(void **state)
{
	(void)state;
	assert_int_equal(ask(ACCESS_OBSERVE, ACCESS_UNBREAK, false), ACCESS_ALLOW);
	assert_int_equal(ask(ACCESS_CONTROL, ACCESS_UNBREAK, false), ACCESS_ALLOW);
	assert_int_equal(ask(ACCESS_CONTROL, ACCESS_UNBREAK, true), ACCESS_DENY_RUNNING);
}

static void test_second_controller_resume_is_refused_not_queued(void **state)
{
	(void)state;
	assert_int_equal(ask(ACCESS_CONTROL, ACCESS_RESUME, true), ACCESS_DENY_FLOOR);
}

static void test_running_without_floor_is_not_a_floor_denial(void **state)
{
	struct access_request r = {
		.role = ACCESS_CONTROL, .action = ACCESS_RESUME, .vm_running = true,
		.client = 2, .floor_holder = 0,
	};

	(void)state;
	assert_int_equal(access_check(&r), ACCESS_DENY_RUNNING);
}

static void test_observer_resume_while_running_waits_for_the_stop(void **state)
{
	(void)state;
	assert_int_equal(ask(ACCESS_OBSERVE, ACCESS_RESUME, true), ACCESS_WAIT_FOR_STOP);
}

static void test_any_controller_may_interrupt(void **state)
{
	(void)state;
	assert_int_equal(ask(ACCESS_CONTROL, ACCESS_INTERRUPT, true), ACCESS_ALLOW);
	assert_int_equal(ask(ACCESS_OBSERVE, ACCESS_INTERRUPT, true), ACCESS_DENY_ROLE);
}

static void test_explanations_name_the_rule(void **state)
{
	struct access_request r = { .role = ACCESS_OBSERVE, .action = ACCESS_WRITE };

	(void)state;
	assert_non_null(strstr(access_explain(&r, ACCESS_DENY_ROLE), "may not write"));
	r.action = ACCESS_RESUME;
	assert_non_null(strstr(access_explain(&r, ACCESS_DENY_FLOOR), "floor"));
	assert_non_null(strstr(access_explain(&r, ACCESS_DENY_RUNNING), "running"));
	assert_non_null(strstr(access_explain(&r, ACCESS_WAIT_FOR_STOP), "waiting"));
	assert_string_equal(access_role_name(ACCESS_CONTROL), "control");
	assert_string_equal(access_role_name(ACCESS_OBSERVE), "observe");
}

static void test_departure_resumes_only_when_no_controller_is_left(void **state)
{
	(void)state;
	assert_true(access_resume_on_departure(ACCESS_CONTROL, true, 0, false));
	assert_false(access_resume_on_departure(ACCESS_CONTROL, true, 1, false));
	assert_false(access_resume_on_departure(ACCESS_CONTROL, true, 0, true));
	assert_false(access_resume_on_departure(ACCESS_CONTROL, false, 0, false));
}

static void test_observer_departure_changes_nothing(void **state)
{
	(void)state;
	assert_false(access_resume_on_departure(ACCESS_OBSERVE, true, 0, false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_everyone_reads_a_stopped_vm),
		cmocka_unit_test(test_nobody_reads_a_running_vm_in_all_stop),
		cmocka_unit_test(test_observers_may_not_change_the_vm),
		cmocka_unit_test(test_controllers_change_a_stopped_vm),
		cmocka_unit_test(test_anyone_removes_their_own_breakpoints),
		cmocka_unit_test(test_second_controller_resume_is_refused_not_queued),
		cmocka_unit_test(test_running_without_floor_is_not_a_floor_denial),
		cmocka_unit_test(test_observer_resume_while_running_waits_for_the_stop),
		cmocka_unit_test(test_any_controller_may_interrupt),
		cmocka_unit_test(test_explanations_name_the_rule),
		cmocka_unit_test(test_departure_resumes_only_when_no_controller_is_left),
		cmocka_unit_test(test_observer_departure_changes_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Access rules: first match decides, users by name, group or "*", targets by glob. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proxy/policy/acl.h"

static const char *const alice_groups[] = { "kernel", "oncall" };
static const struct acl_user alice = { "alice", alice_groups, 2 };
static const struct acl_user bob = { "bob", NULL, 0 };
static const struct acl_user carol = { "carol", NULL, 0 };

static const char *const u_alice[] = { "alice" };
static const char *const u_bob[] = { "bob" };
static const char *const u_all[] = { "*" };
static const char *const g_kernel[] = { "kernel" };

static enum acl_grant grant(const struct acl_rule *rules, size_t n, const struct acl_user *u,
			    const char *target)
{
	return acl_decide(rules, n, u, target).grant;
}

static void test_no_rules_no_access(void **state)
{
	struct acl_decision d;

	(void)state;
	d = acl_decide(NULL, 0, &alice, "vm1");
	assert_int_equal(d.grant, ACL_NONE);
	assert_int_equal(d.rule, -1);
}

static void test_user_and_glob(void **state)
{
	const struct acl_rule rules[] = {
		{ .users = u_alice, .n_users = 1, .targets = "vm*", .grant = ACL_CONTROL },
		{ .users = u_bob, .n_users = 1, .targets = "*", .grant = ACL_OBSERVE },
	};

	(void)state;
	assert_int_equal(grant(rules, 2, &alice, "vm1"), ACL_CONTROL);
	assert_int_equal(grant(rules, 2, &alice, "db1"), ACL_NONE);
	assert_int_equal(grant(rules, 2, &bob, "vm1"), ACL_OBSERVE);
	assert_int_equal(grant(rules, 2, &bob, "a.b-c"), ACL_OBSERVE);
	assert_int_equal(grant(rules, 2, &carol, "vm1"), ACL_NONE);
}

static void test_first_match_decides(void **state)
{
	const struct acl_rule rules[] = {
		{ .users = u_alice, .n_users = 1, .targets = "vm-prod*", .grant = ACL_NONE },
		{ .users = u_alice, .n_users = 1, .targets = "vm*", .grant = ACL_CONTROL },
		{ .users = u_all, .n_users = 1, .targets = "*", .grant = ACL_OBSERVE },
	};
	struct acl_decision d;

	(void)state;
	d = acl_decide(rules, 3, &alice, "vm-prod1");
	assert_int_equal(d.grant, ACL_NONE);
	assert_int_equal(d.rule, 0);
	d = acl_decide(rules, 3, &alice, "vm-test");
	assert_int_equal(d.grant, ACL_CONTROL);
	assert_int_equal(d.rule, 1);
	d = acl_decide(rules, 3, &bob, "vm-prod1");
	assert_int_equal(d.grant, ACL_OBSERVE);
	assert_int_equal(d.rule, 2);
}

static void test_groups(void **state)
{
	const struct acl_rule rules[] = {
		{ .groups = g_kernel, .n_groups = 1, .targets = "k[0-9]", .grant = ACL_CONTROL },
	};

	(void)state;
	assert_int_equal(grant(rules, 1, &alice, "k1"), ACL_CONTROL);
	assert_int_equal(grant(rules, 1, &alice, "k10"), ACL_NONE);
	assert_int_equal(grant(rules, 1, &bob, "k1"), ACL_NONE);
	assert_true(acl_rule_matches_user(&rules[0], &alice));
	assert_false(acl_rule_matches_user(&rules[0], &bob));
}

static void test_explain(void **state)
{
	const struct acl_rule rules[] = {
		{ .users = u_bob, .n_users = 1, .targets = "secret", .grant = ACL_NONE },
		{ .users = u_all, .n_users = 1, .targets = "vm*", .grant = ACL_OBSERVE },
	};
	struct acl_decision d;
	char why[128];

	(void)state;
	d = acl_decide(rules, 2, &bob, "secret");
	acl_explain(&d, &bob, "secret", why, sizeof(why));
	assert_string_equal(why, "access[0] denies bob target secret");
	d = acl_decide(rules, 2, &alice, "vm2");
	acl_explain(&d, &alice, "vm2", why, sizeof(why));
	assert_string_equal(why, "access[1] gives alice observe on vm2");
	d = acl_decide(rules, 2, &alice, "db");
	acl_explain(&d, &alice, "db", why, sizeof(why));
	assert_string_equal(why, "no access rule gives alice target db");
	assert_string_equal(acl_grant_name(ACL_CONTROL), "control");
	assert_string_equal(acl_grant_name(ACL_NONE), "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_rules_no_access),
		cmocka_unit_test(test_user_and_glob),
		cmocka_unit_test(test_first_match_decides),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_explain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

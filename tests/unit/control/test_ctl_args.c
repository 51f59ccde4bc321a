/* `gdbhub ctl CMD ARG...`: the request each command line means. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proxy/control/ctl_args.h"

/* The request for cmd and args, as compact JSON, compared with want. */
static void builds(const char *cmd, char *const *args, int n, const char *want)
{
	char *cause = NULL;
	json_object *req = ctl_args_build(cmd, args, n, &cause);

	if (req == NULL)
		fail_msg("%s: refused: %s", cmd, cause);
	assert_string_equal(json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN), want);
	json_object_put(req);
}

static void refused(const char *cmd, char *const *args, int n, const char *want)
{
	char *cause = NULL;
	json_object *req = ctl_args_build(cmd, args, n, &cause);

	assert_null(req);
	assert_non_null(cause);
	if (strstr(cause, want) == NULL)
		fail_msg("%s: cause \"%s\" lacks \"%s\"", cmd, cause, want);
	free(cause);
}

static void test_plain_commands(void **state)
{
	(void)state;
	builds("stats", NULL, 0, "{\"cmd\":\"stats\"}");
	builds("target.list", NULL, 0, "{\"cmd\":\"target.list\"}");
}

static void test_bare_argument(void **state)
{
	char *name[] = { "vm1" }, *num[] = { "12" }, *numeric_name[] = { "7" };
	char *obj[] = { "{\"name\": \"a=b\", \"backend\": \"remote\"}" };

	(void)state;
	builds("target.remove", name, 1, "{\"cmd\":\"target.remove\",\"name\":\"vm1\"}");
	/* A name stays a string even when it looks like a number. */
	builds("target.remove", numeric_name, 1, "{\"cmd\":\"target.remove\",\"name\":\"7\"}");
	builds("client.kick", num, 1, "{\"cmd\":\"client.kick\",\"id\":12}");
	builds("target.add", obj, 1,
	       "{\"cmd\":\"target.add\",\"target\":{\"name\":\"a=b\",\"backend\":\"remote\"}}");
}

static void test_key_value(void **state)
{
	char *kv[] = { "id=3" }, *name[] = { "name=vm 2" };

	(void)state;
	builds("client.kick", kv, 1, "{\"cmd\":\"client.kick\",\"id\":3}");
	builds("target.remove", name, 1, "{\"cmd\":\"target.remove\",\"name\":\"vm 2\"}");
}

static void test_refusals(void **state)
{
	char *extra[] = { "x" }, *badkey[] = { "nme=vm1" }, *badid[] = { "id=abc" };
	char *text[] = { "not json" };

	(void)state;
	refused("target.frob", NULL, 0, "unknown command \"target.frob\"");
	refused("stats", extra, 1, "stats takes no argument");
	refused("target.remove", NULL, 0, "name: required");
	refused("target.remove", badkey, 1, "nme: unknown key");
	refused("client.kick", badid, 1, "id: expected an integer");
	refused("target.add", text, 1, "target: expected an object");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_commands),
		cmocka_unit_test(test_bare_argument),
		cmocka_unit_test(test_key_value),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

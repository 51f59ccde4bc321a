/* Control requests: what is accepted, and the reason given for what is not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proxy/control/request.h"

/* Parse text; return the cause (malloc'd) or NULL on success, filling req. */
static char *parse(const char *text, struct ctl_request *req)
{
	char *cause = NULL;

	if (ctl_request_parse(text, strlen(text), req, &cause) == 0) {
		assert_null(cause);
		return NULL;
	}
	assert_non_null(cause);
	assert_null(req->command);
	assert_null(req->root);
	return cause;
}

/* text must be refused with a reason containing want. */
static void refused(const char *text, const char *want)
{
	struct ctl_request req;
	char *cause = parse(text, &req);

	assert_non_null(cause);
	if (strstr(cause, want) == NULL)
		fail_msg("%s: cause \"%s\" lacks \"%s\"", text, cause, want);
	free(cause);
}

static void test_commands_without_arguments(void **state)
{
	static const char *const cmds[] = { "target.list", "client.list", "stats" };
	struct ctl_request req;
	char line[64];

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		snprintf(line, sizeof(line), "{\"cmd\": \"%s\"}", cmds[i]);
		assert_null(parse(line, &req));
		assert_string_equal(req.command->name, cmds[i]);
		ctl_request_finish(&req);
	}
}

static void test_arguments_are_taken(void **state)
{
	struct ctl_request req;

	(void)state;
	assert_null(parse("{\"cmd\":\"target.remove\",\"name\":\"vm1\"}", &req));
	assert_int_equal(req.command->cmd, CTL_TARGET_REMOVE);
	assert_string_equal(req.name, "vm1");
	ctl_request_finish(&req);
	assert_null(parse("{\"cmd\":\"client.kick\",\"id\":4294967295}\r", &req));
	assert_int_equal(req.id, UINT32_MAX);
	ctl_request_finish(&req);
	assert_null(parse(" {\"cmd\":\"target.add\",\"target\":{\"name\":\"x\"},\"comment\":1} ", &req));
	assert_int_equal(req.command->cmd, CTL_TARGET_ADD);
	assert_true(json_object_is_type(req.target, json_type_object));
	ctl_request_finish(&req);
}

static void test_malformed_lines(void **state)
{
	(void)state;
	refused("garbage", "JSON syntax error at column 1");
	refused("{\"cmd\": \"stats\"", "JSON syntax error");
	refused("{\"cmd\": \"stats\"} {}", "JSON syntax error at column 18");
	refused("[1, 2]", "a request is a JSON object");
	refused("\"stats\"", "a request is a JSON object");
	refused("", "JSON syntax error");
	/* An embedded NUL ends what json-c reads, not the line. */
	struct ctl_request req;
	char *cause = NULL;
	assert_int_equal(ctl_request_parse("{\"cmd\":\"stats\"}\0x", 17, &req, &cause), -1);
	assert_non_null(cause);
	free(cause);
}

static void test_bad_commands_and_keys(void **state)
{
	(void)state;
	refused("{}", "cmd: required");
	refused("{\"cmd\": 3}", "cmd: expected a string");
	refused("{\"cmd\": \"target.frob\"}", "cmd: unknown command \"target.frob\" (expected "
		"target.add, target.remove, target.list, client.list, client.kick, stats, "
		"record.start or record.list)");
	refused("{\"cmd\": \"record.start\"}", "record: required for record.start");
	refused("{\"cmd\": \"record.start\", \"record\": \"x\"}", "record: expected an object");
	refused("{\"cmd\": \"record.list\", \"record\": {}}", "record: unknown key for record.list");
	refused("{\"cmd\": \"stats\", \"name\": \"x\"}", "name: unknown key for stats");
	refused("{\"cmd\": \"target.remove\"}", "name: required for target.remove");
	refused("{\"cmd\": \"target.remove\", \"name\": \"\"}", "name: expected a non-empty string");
	refused("{\"cmd\": \"target.remove\", \"name\": 7}", "name: expected a non-empty string");
	refused("{\"cmd\": \"target.add\", \"target\": []}", "target: expected an object");
	refused("{\"cmd\": \"client.kick\", \"id\": 0}", "id: expected an integer from 1");
	refused("{\"cmd\": \"client.kick\", \"id\": 4294967296}", "id: expected an integer");
	refused("{\"cmd\": \"client.kick\", \"id\": \"3\"}", "id: expected an integer");
	refused("{\"cmd\": \"client.kick\", \"id\": 1.5}", "id: expected an integer");
}

static void test_table(void **state)
{
	const struct ctl_command *c;
	size_t n = 0;

	(void)state;
	for (; (c = ctl_command_at(n)) != NULL; n++)
		assert_ptr_equal(ctl_command_find(c->name), c);
	assert_int_equal(n, 8);
	assert_null(ctl_command_find("target"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands_without_arguments),
		cmocka_unit_test(test_arguments_are_taken),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_bad_commands_and_keys),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

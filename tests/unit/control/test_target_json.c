/* config_parse_target_json: a target added at run time is parsed by the
 * config's own rules, and its errors name key paths from "target". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json.h>

#include "config/config.h"

/* The running config: one target with a unix listener, one hub TCP port. */
static int setup(void **state)
{
	static const char text[] =
		"{\"listen\": [{\"tcp\": \"127.0.0.1:1234\"}],"
		" \"targets\": [{\"name\": \"vm1\", \"backend\": \"remote\", \"gdb\": \"unix:/tmp/s\","
		"   \"listen\": [{\"unix\": \"/tmp/vm1.sock\"}]}]}";
	struct config *cfg;
	char *cause = NULL;

	if (config_parse(text, GUESTS_SRC_DIR, &cfg, &cause) != 0)
		fail_msg("config: %s", cause);
	*state = cfg;
	return 0;
}

static int teardown(void **state)
{
	config_free(*state);
	return 0;
}

/* Parse text as a target against the config; the cause or NULL. */
static char *parse(const struct config *cfg, const char *text, struct cfg_target **out)
{
	json_object *obj = json_tokener_parse(text);
	char *cause = NULL;
	int r;

	assert_non_null(obj);
	r = config_parse_target_json(cfg, obj, out, &cause);
	json_object_put(obj);
	if (r == 0) {
		assert_null(cause);
		assert_non_null(*out);
		return NULL;
	}
	assert_null(*out);
	assert_non_null(cause);
	return cause;
}

static void refused(const struct config *cfg, const char *text, const char *want)
{
	struct cfg_target *t;
	char *cause = parse(cfg, text, &t);

	assert_non_null(cause);
	assert_string_equal(cause, want);
	free(cause);
}

static void test_good_target(void **state)
{
	struct cfg_target *t, *again;

	assert_null(parse(*state, "{\"name\": \"vm2\", \"backend\": \"tcg\", \"arch\": \"i386\","
			  " \"kernel\": \"boot.S\", \"listen\": [{\"unix\": \"vm2.sock\"}]}", &t));
	assert_string_equal(t->name, "vm2");
	assert_int_equal(t->backend, CFG_BACKEND_TCG);
	/* Relative paths are the config folder's, as in the file. */
	assert_string_equal(t->kernel, GUESTS_SRC_DIR "/boot.S");
	assert_string_equal(t->listen[0].path, GUESTS_SRC_DIR "/vm2.sock");
	assert_int_equal(t->memory_mb, 64);
	assert_int_equal(t->default_role, CFG_ROLE_CONTROL);
	assert_null(parse(*state, "{\"name\": \"vm2\", \"backend\": \"tcg\", \"arch\": \"i386\","
			  " \"kernel\": \"boot.S\", \"listen\": [{\"unix\": \"vm2.sock\"}]}", &again));
	assert_true(config_target_equal(t, again));
	again->memory_mb = 128;
	assert_false(config_target_equal(t, again));
	config_target_free(t);
	config_target_free(again);
	config_target_free(NULL);
}

static void test_errors_name_key_paths(void **state)
{
	refused(*state, "[]", "target: expected an object");
	refused(*state, "{\"backend\": \"tcg\"}", "target.name: required");
	refused(*state, "{\"name\": \"x\", \"backend\": \"tcg\", \"kernel\": \"boot.S\"}",
		"target.arch: required for backend \"tcg\"");
	refused(*state, "{\"name\": \"x\", \"backend\": \"remote\", \"gdb\": \"h:1\", \"cpus\": 2}",
		"target.cpus: not allowed with backend \"remote\"");
	refused(*state, "{\"name\": \"x\", \"backend\": \"remote\", \"gdb\": \"h:1\", \"foo\": 1}",
		"target.foo: unknown key");
	refused(*state, "{\"name\": \"x\", \"backend\": \"tcg\", \"arch\": \"i386\","
		" \"kernel\": \"no-such.elf\"}",
		"target.kernel: no such file (" GUESTS_SRC_DIR "/no-such.elf)");
}

static void test_listen_clashes(void **state)
{
	refused(*state, "{\"name\": \"x\", \"backend\": \"remote\", \"gdb\": \"h:1\","
		" \"listen\": [{\"unix\": \"/tmp/vm1.sock\"}]}",
		"target.listen[0].unix: /tmp/vm1.sock is already used by targets[0].listen[0]");
	refused(*state, "{\"name\": \"x\", \"backend\": \"remote\", \"gdb\": \"h:1\","
		" \"listen\": [{\"tcp\": \"127.0.0.1:9\"}, {\"tcp\": \"127.0.0.1:1234\"}]}",
		"target.listen[1].tcp: 127.0.0.1:1234 is already used by listen[0]");
	refused(*state, "{\"name\": \"x\", \"backend\": \"remote\", \"gdb\": \"h:1\","
		" \"listen\": [{\"unix\": \"/tmp/a\"}, {\"unix\": \"/tmp/a\"}]}",
		"target.listen[1].unix: /tmp/a is already used by target.listen[0]");
	refused(*state, "{\"name\": \"x\", \"backend\": \"remote\", \"gdb\": \"h:1\","
		" \"listen\": [{\"ssh\": \"127.0.0.1:22\"}]}",
		"target.listen[0].ssh: only the root \"listen\" may have an ssh listener "
		"(users choose the target when they connect)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_target),
		cmocka_unit_test(test_errors_name_key_paths),
		cmocka_unit_test(test_listen_clashes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/* A kvm target's memory_mb: the config takes only what gdbhub-kvm accepts
 * (--memory-mb 2..3072), with the key path in the error, while tcg keeps
 * QEMU's wider range. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <json.h>

#include "config/config.h"

static char dir[64]; /* holds k.elf, the kernel every target names */

static int make_dir(void **state)
{
	char path[96];
	FILE *f;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_kvm_config.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/k.elf", dir);
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fclose(f);
	return 0;
}

static int remove_dir(void **state)
{
	char path[96];

	(void)state;
	snprintf(path, sizeof(path), "%s/k.elf", dir);
	unlink(path);
	return rmdir(dir);
}

/* Target name of backend (kvm or tcg) with memory_mb (absent if < 0). */
static char *target_json(const char *name, const char *backend, long memory_mb)
{
	char mem[32] = "";
	char *s;

	if (memory_mb >= 0)
		snprintf(mem, sizeof(mem), ", \"memory_mb\": %ld", memory_mb);
	if (asprintf(&s, "{\"name\": \"%s\", \"backend\": \"%s\", \"arch\": \"i386\","
		     " \"kernel\": \"k.elf\"%s}", name, backend, mem) < 0)
		fail();
	return s;
}

/* Parse a config of the targets given; returns 0 with *mb the memory of
 * the last one, or -1 with *cause set. */
static int parse_targets(const char *targets, unsigned *mb, char **cause)
{
	struct config *cfg = NULL;
	char *json;
	int rc;

	if (asprintf(&json, "{\"targets\": [%s]}", targets) < 0)
		fail();
	*cause = NULL;
	rc = config_parse(json, dir, &cfg, cause);
	free(json);
	if (rc == 0) {
		*mb = cfg->targets[cfg->n_targets - 1].memory_mb;
		config_free(cfg);
	} else {
		assert_null(cfg);
		assert_non_null(*cause);
	}
	return rc;
}

static void expect_mb(const char *backend, long memory_mb, unsigned want)
{
	char *t = target_json("t", backend, memory_mb), *cause;
	unsigned mb = 0;

	assert_int_equal(parse_targets(t, &mb, &cause), 0);
	assert_int_equal(mb, want);
	free(t);
}

static void expect_refused(const char *backend, long memory_mb, const char *want)
{
	char *t = target_json("t", backend, memory_mb), *cause;
	unsigned mb;

	assert_int_equal(parse_targets(t, &mb, &cause), -1);
	assert_string_equal(cause, want);
	free(cause);
	free(t);
}

static void kvm_range_accepted(void **state)
{
	(void)state;
	expect_mb("kvm", -1, 64);
	expect_mb("kvm", 2, 2);
	expect_mb("kvm", 64, 64);
	expect_mb("kvm", 3072, 3072);
}

static void kvm_outside_range_refused(void **state)
{
	static const char why[] = "targets[0].memory_mb: must be an integer from 2 to 3072";

	(void)state;
	expect_refused("kvm", 0, why);
	expect_refused("kvm", 1, why);
	expect_refused("kvm", 3073, why);
	expect_refused("kvm", 65536, why);   /* what tcg still takes */
	expect_refused("kvm", 4294967298L, why);
}

/* tcg is not narrowed by kvm's limits. */
static void tcg_range_unchanged(void **state)
{
	(void)state;
	expect_mb("tcg", 1, 1);
	expect_mb("tcg", 3073, 3073);
	expect_mb("tcg", 65536, 65536);
	expect_refused("tcg", 0, "targets[0].memory_mb: must be an integer from 1 to 65536");
	expect_refused("tcg", 65537, "targets[0].memory_mb: must be an integer from 1 to 65536");
}

/* The error names the target by its place, after a tcg target that may
 * have more. */
static void key_path_of_a_later_target(void **state)
{
	char *tcg = target_json("q", "tcg", 4096), *kvm = target_json("k", "kvm", 4096);
	char *both, *cause;
	unsigned mb;

	(void)state;
	assert_true(asprintf(&both, "%s, %s", tcg, kvm) > 0);
	assert_int_equal(parse_targets(both, &mb, &cause), -1);
	assert_string_equal(cause, "targets[1].memory_mb: must be an integer from 2 to 3072");
	free(cause);
	free(both);
	free(tcg);
	free(kvm);
}

/* A kvm target added at run time (the control socket) has the same limit. */
static void target_added_at_run_time(void **state)
{
	struct config *cfg = NULL;
	struct cfg_target *t = NULL;
	char *cause = NULL, *one = target_json("q", "tcg", -1), *json, *added;
	json_object *obj;

	(void)state;
	assert_true(asprintf(&json, "{\"targets\": [%s]}", one) > 0);
	assert_int_equal(config_parse(json, dir, &cfg, &cause), 0);
	added = target_json("k", "kvm", 3073);
	obj = json_tokener_parse(added);
	assert_non_null(obj);
	assert_int_equal(config_parse_target_json(cfg, obj, &t, &cause), -1);
	assert_null(t);
	assert_string_equal(cause, "target.memory_mb: must be an integer from 2 to 3072");
	free(cause);
	json_object_put(obj);
	free(added);
	added = target_json("k", "kvm", 3072);
	obj = json_tokener_parse(added);
	assert_int_equal(config_parse_target_json(cfg, obj, &t, &cause), 0);
	assert_int_equal(t->memory_mb, 3072);
	config_target_free(t);
	json_object_put(obj);
	free(added);
	free(json);
	free(one);
	config_free(cfg);
}

/* Parse one target given as JSON text; 0 with *console (malloc'd copy or
 * NULL), or -1 with *cause. */
static int parse_console(const char *target, char **console, char **cause)
{
	struct config *cfg = NULL;
	char *json;
	int rc;

	assert_true(asprintf(&json, "{\"targets\": [%s]}", target) > 0);
	*cause = NULL;
	rc = config_parse(json, dir, &cfg, cause);
	free(json);
	*console = NULL;
	if (rc == 0) {
		if (cfg->targets[0].console != NULL)
			*console = strdup(cfg->targets[0].console);
		config_free(cfg);
	}
	return rc;
}

static void expect_console_refused(const char *backend, const char *console, const char *want)
{
	char *t, *got, *cause, *msg;

	assert_true(asprintf(&t, "{\"name\": \"t\", \"backend\": \"%s\", \"arch\": \"i386\","
		" \"kernel\": \"k.elf\", \"console\": \"%s\"}", backend, console) > 0);
	assert_int_equal(parse_console(t, &got, &cause), -1);
	assert_true(asprintf(&msg, want, dir) > 0);
	assert_string_equal(cause, msg);
	free(msg);
	free(cause);
	free(t);
}

/* COM1's input: a kvm target's file or FIFO, resolved like serial; kvm
 * only (QEMU 7.2's file chardev has no input); missing is an error now,
 * not at the VM's start. */
static void console_key(void **state)
{
	char fifo[96], *got, *cause, *want;

	(void)state;
	assert_int_equal(parse_console("{\"name\": \"t\", \"backend\": \"kvm\", \"arch\": \"i386\","
		" \"kernel\": \"k.elf\", \"console\": \"k.elf\"}", &got, &cause), 0);
	assert_true(asprintf(&want, "%s/k.elf", dir) > 0);
	assert_string_equal(got, want);
	free(want);
	free(got);
	assert_int_equal(parse_console("{\"name\": \"t\", \"backend\": \"kvm\", \"arch\": \"i386\","
		" \"kernel\": \"k.elf\"}", &got, &cause), 0);
	assert_null(got);
	snprintf(fifo, sizeof(fifo), "%s/in.fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(parse_console("{\"name\": \"t\", \"backend\": \"kvm\", \"arch\": \"i386\","
		" \"kernel\": \"k.elf\", \"console\": \"in.fifo\"}", &got, &cause), 0);
	assert_string_equal(got, fifo);
	free(got);
	unlink(fifo);
	expect_console_refused("kvm", "nothing.txt", "targets[0].console: no such file (%s/nothing.txt)");
	expect_console_refused("kvm", ".", "targets[0].console: not a regular file (%s/.)");
	expect_console_refused("tcg", "k.elf", "targets[0].console: not allowed with backend \"tcg\"%.0s");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kvm_range_accepted),
		cmocka_unit_test(kvm_outside_range_refused),
		cmocka_unit_test(tcg_range_unchanged),
		cmocka_unit_test(key_path_of_a_later_target),
		cmocka_unit_test(target_added_at_run_time),
		cmocka_unit_test(console_key),
	};

	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}

/* recording.json: a written recording reads back the same; every missing or
 * wrong key is named; the replay command line carries the rr options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "backends/replay/recording.h"
#include "backends/replay/replay_cmdline.h"

static char *args[] = { "-d", "guest_errors", NULL };
static char *command[] = { "qemu-system-i386", "-S", NULL };

static const struct recording sample = {
	.guest = "demo", .arch = "i386", .kernel = "demo.elf", .kernel_source = "/src/demo.elf",
	.cmdline = NULL, .memory_mb = 64, .cpus = 2, .qemu_args = args, .n_qemu_args = 2,
	.icount_shift = 7, .qemu_version = "QEMU emulator version 7.2.22",
	.qemu_command = command, .n_qemu_command = 2, .icount = 1234567890123ULL,
	.icount_exact = true, .ended_by_limit = true, .exit_status = 0, .date = "2025-01-02T03:04:05Z",
};

/* Write sample to a scratch folder and read it back. */
static void test_round_trip(void **state)
{
	char dir[] = "/tmp/gdbhub-rectest-XXXXXX", path[64];
	struct recording r;
	char *cause = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(recording_write(dir, &sample, &cause), 0);
	assert_int_equal(recording_load(dir, &r, &cause), 0);
	assert_string_equal(r.guest, "demo");
	assert_string_equal(r.arch, "i386");
	assert_string_equal(r.kernel, "demo.elf");
	assert_string_equal(r.kernel_source, "/src/demo.elf");
	assert_null(r.cmdline);
	assert_int_equal(r.memory_mb, 64);
	assert_int_equal(r.cpus, 2);
	assert_int_equal(r.n_qemu_args, 2);
	assert_string_equal(r.qemu_args[1], "guest_errors");
	assert_null(r.qemu_args[2]);
	assert_int_equal(r.icount_shift, 7);
	assert_true(r.icount == 1234567890123ULL);
	assert_true(r.icount_exact);
	assert_true(r.ended_by_limit);
	assert_int_equal(r.exit_status, 0);
	assert_string_equal(r.qemu_command[0], "qemu-system-i386");
	assert_string_equal(r.date, "2025-01-02T03:04:05Z");
	recording_free(&r);
	recording_free(&r); /* twice: it was zeroed */
	snprintf(path, sizeof(path), "%s/%s", dir, RECORDING_JSON);
	unlink(path);
	rmdir(dir);
	/* A folder without one names the file. */
	assert_int_equal(recording_load(dir, &r, &cause), -1);
	assert_non_null(strstr(cause, "recording.json: cannot read"));
	free(cause);
}

#define GUEST "'guest': {'name': 'd', 'arch': 'i386', 'kernel': 'k.elf', 'memory_mb': 64," \
	" 'cpus': 1, 'qemu_args': []}"
#define REST "'icount_shift': 5, 'qemu_version': 'v', 'qemu_command': ['q'], 'icount': 10," \
	" 'icount_exact': false, 'end': 'exit', 'exit_status': 15, 'date': 'now'"

/* Single quotes to double. */
static char *json(const char *s)
{
	char *j = strdup(s);

	for (char *p = j; *p; p++)
		if (*p == '\'')
			*p = '"';
	return j;
}

static void expect_error(const char *doc, const char *want)
{
	char *j = json(doc), *cause = NULL;
	struct recording r;

	assert_int_equal(recording_parse(j, &r, &cause), -1);
	assert_non_null(cause);
	if (strcmp(cause, want) != 0)
		fail_msg("got \"%s\", expected \"%s\" for %s", cause, want, j);
	assert_null(r.guest); /* freed and zeroed */
	free(cause);
	free(j);
}

static void test_parse_ok_minimal(void **state)
{
	char *j = json("{'format': 1, " GUEST ", " REST "}"), *cause = NULL;
	struct recording r;

	(void)state;
	assert_int_equal(recording_parse(j, &r, &cause), 0);
	assert_false(r.ended_by_limit);
	assert_int_equal(r.exit_status, 15);
	assert_false(r.icount_exact);
	assert_int_equal(r.n_qemu_args, 0);
	assert_non_null(r.qemu_args);
	recording_free(&r);
	free(j);
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_error("[]", "recording.json: not a JSON object");
	expect_error("{'format': 2, " GUEST ", " REST "}", "recording.json: format: must be from 1 to 1");
	expect_error("{'format': 1, " REST "}", "recording.json: guest: required");
	expect_error("{'format': 1, 'guest': {'name': 'd', 'arch': 'i386', 'kernel': '../k',"
		     " 'memory_mb': 64, 'cpus': 1, 'qemu_args': []}, " REST "}",
		     "recording.json: kernel: not a file name in the folder (../k)");
	expect_error("{'format': 1, 'guest': {'name': 'd', 'arch': 'i386', 'kernel': 'k',"
		     " 'memory_mb': 0, 'cpus': 1, 'qemu_args': []}, " REST "}",
		     "recording.json: memory_mb: must be from 1 to 65536");
	expect_error("{'format': 1, 'guest': {'name': 'd', 'arch': 'i386', 'kernel': 'k',"
		     " 'memory_mb': 1, 'cpus': 1, 'qemu_args': [3]}, " REST "}",
		     "recording.json: qemu_args[0]: expected a string");
	expect_error("{'format': 1, " GUEST ", 'icount_shift': 5, 'qemu_version': 'v',"
		     " 'qemu_command': ['q'], 'icount': 10, 'icount_exact': false, 'end': 'crash',"
		     " 'exit_status': 15, 'date': 'now'}",
		     "recording.json: end: expected \"exit\" or \"limit\", got \"crash\"");
	expect_error("{'format': 1, " GUEST ", 'icount_shift': 5, 'qemu_version': 'v',"
		     " 'qemu_command': ['q'], 'icount': -1, 'icount_exact': false, 'end': 'exit',"
		     " 'exit_status': 15, 'date': 'now'}",
		     "recording.json: icount: must be from 0 to 9223372036854775807");
	expect_error("{'format': 1, " GUEST ", 'icount_shift': 5, 'qemu_version': 'v',"
		     " 'qemu_command': ['q'], 'icount': 1, 'icount_exact': 1, 'end': 'exit',"
		     " 'exit_status': 15, 'date': 'now'}",
		     "recording.json: icount_exact: expected true or false");
}

/* The index of arg in argv, or -1. */
static int find_arg(char **argv, const char *arg)
{
	for (int i = 0; argv[i] != NULL; i++)
		if (strcmp(argv[i], arg) == 0)
			return i;
	return -1;
}

static void test_cmdline(void **state)
{
	struct rr_files files = { "/r/demo.elf", "/r,x/replay.bin", "/run/d.qcow2", NULL, "/run/pid" };
	struct qemu_cmdline cl = { 0 };
	char *cause = NULL;
	int i;

	(void)state;
	assert_int_equal(replay_cmdline_build(&cl, &sample, RR_REPLAY, &files, 3, 4, &cause), 0);
	assert_string_equal(cl.argv[0], "qemu-system-i386");
	assert_true((i = find_arg(cl.argv, "-icount")) > 0);
	/* The comma in the path is doubled for QEMU's option parser. */
	assert_string_equal(cl.argv[i + 1], "shift=7,rr=replay,rrfile=/r,,x/replay.bin,rrsnapshot=init");
	assert_true((i = find_arg(cl.argv, "file=/run/d.qcow2,if=none,id=rr-disk")) > 0);
	assert_string_equal(cl.argv[i + 2], "driver=blkreplay,if=none,image=rr-disk,id=rr-blk");
	assert_true(find_arg(cl.argv, "guest_errors") > 0);
	assert_true((i = find_arg(cl.argv, "-kernel")) > 0);
	assert_string_equal(cl.argv[i + 1], "/r/demo.elf");
	assert_true((i = find_arg(cl.argv, "-smp")) > 0);
	assert_string_equal(cl.argv[i + 1], "2");
	qemu_cmdline_free(&cl);

	assert_int_equal(replay_cmdline_build(&cl, &sample, RR_RECORD, &files, 3, 4, &cause), 0);
	i = find_arg(cl.argv, "-icount");
	assert_non_null(strstr(cl.argv[i + 1], "rr=record,"));
	qemu_cmdline_free(&cl);
}

static void test_cmdline_unknown_arch(void **state)
{
	struct recording r = sample;
	struct rr_files files = { "/k", "/l", "/d", NULL, "/p" };
	struct qemu_cmdline cl = { 0 };
	char *cause = NULL;

	(void)state;
	r.arch = "vax";
	assert_int_equal(replay_cmdline_build(&cl, &r, RR_REPLAY, &files, 3, 4, &cause), -1);
	assert_string_equal(cause, "no QEMU for architecture vax");
	free(cause);
	qemu_cmdline_free(&cl);
}

/* Which recordings' running replays may load late snapshots: x86 only
 * without kvmvapic, the virt machines always. */
static void test_live_snapshots(void **state)
{
	static char *vapic_off[] = { "-d", "int", "-global", RECORDING_VAPIC_OFF, NULL };
	static char *vapic_on[] = { "-global", "apic-common.vapic=on", NULL };
	struct recording r = sample;

	(void)state;
	assert_false(recording_live_snapshots(&r));
	r.qemu_args = vapic_off;
	r.n_qemu_args = 4;
	assert_true(recording_live_snapshots(&r));
	r.arch = "x86_64";
	assert_true(recording_live_snapshots(&r));
	r.qemu_args = vapic_on;
	r.n_qemu_args = 2;
	assert_false(recording_live_snapshots(&r));
	r.qemu_args = args;
	r.arch = "aarch64";
	assert_true(recording_live_snapshots(&r));
	r.arch = "riscv64";
	assert_true(recording_live_snapshots(&r));
	r.n_qemu_args = 0;
	r.arch = "riscv32";  /* never measured */
	assert_false(recording_live_snapshots(&r));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_parse_ok_minimal),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_cmdline_unknown_arch),
		cmocka_unit_test(test_live_snapshots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

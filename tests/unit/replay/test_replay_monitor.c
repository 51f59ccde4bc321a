/* `monitor replay ...` parsing and QEMU's `info snapshots` table: every
 * verb and its argument forms, the errors with the usage, and the snapshot
 * rows as QEMU 7.2 prints them for a replay disk (each tag once). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "backends/replay/replay_cmd.h"
#include "backends/replay/replay_snapshots.h"

static void test_verbs(void **state)
{
	struct replay_cmd cmd;
	char err[256];

	(void)state;
	assert_int_equal(replay_cmd_parse("", &cmd, err, sizeof(err)), 0);
	assert_int_equal(cmd.verb, REPLAY_INFO);
	assert_int_equal(replay_cmd_parse(" info ", &cmd, err, sizeof(err)), 0);
	assert_int_equal(cmd.verb, REPLAY_INFO);
	assert_int_equal(replay_cmd_parse(" checkpoints", &cmd, err, sizeof(err)), 0);
	assert_int_equal(cmd.verb, REPLAY_CHECKPOINTS);
	assert_int_equal(replay_cmd_parse(" seek 500000", &cmd, err, sizeof(err)), 0);
	assert_int_equal(cmd.verb, REPLAY_SEEK);
	assert_int_equal(cmd.icount, 500000);
	assert_int_equal(replay_cmd_parse(" seek 0x10", &cmd, err, sizeof(err)), 0);
	assert_int_equal(cmd.icount, 16);
	assert_int_equal(replay_cmd_parse(" seek 0", &cmd, err, sizeof(err)), 0);
	assert_int_equal(cmd.icount, 0);
	assert_int_equal(replay_cmd_parse(" follow 3", &cmd, err, sizeof(err)), 0);
	assert_int_equal(cmd.verb, REPLAY_FOLLOW);
	assert_int_equal(cmd.client, 3);
}

static void test_errors(void **state)
{
	static const char *const bad[] = {
		" seek", " seek abc", " seek 12x", " seek -5", " seek 1 2", " follow",
		" follow 0", " follow 99999999999", " info now", " rewind",
	};
	struct replay_cmd cmd;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(replay_cmd_parse(bad[i], &cmd, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "usage: " REPLAY_USAGE));
	}
	replay_cmd_parse(" rewind", &cmd, err, sizeof(err));
	assert_non_null(strstr(err, "\"rewind\""));
}

/* What QEMU 7.2 answered for a replay's disk (the tag twice: two nodes). */
static const char qemu_list[] =
	"List of snapshots present on all disks:\r\n"
	"ID        TAG               VM SIZE                DATE     VM CLOCK     ICOUNT\r\n"
	"--        init              463 KiB 2026-12-01 00:54:05 00:00:00.000          0\r\n"
	"--        init                  0 B 2026-12-01 00:54:05 00:00:00.000          0\r\n"
	"--        later             470 KiB 2026-12-01 00:55:05 00:00:01.000    1234567\r\n";

static void test_snapshots(void **state)
{
	struct replay_snapshot sn[4];

	(void)state;
	assert_int_equal(replay_snapshots_parse(qemu_list, sn, 4), 2);
	assert_string_equal(sn[0].tag, "init");
	assert_true(sn[0].has_icount);
	assert_int_equal(sn[0].icount, 0);
	assert_string_equal(sn[1].tag, "later");
	assert_int_equal(sn[1].icount, 1234567);
	/* Without the ICOUNT column (not a replay), the icount is unknown. */
	assert_int_equal(replay_snapshots_parse(
		"ID        TAG               VM SIZE                DATE     VM CLOCK\n"
		"1         s1                463 KiB 2026-12-01 00:54:05 00:00:00.000\n", sn, 4), 1);
	assert_string_equal(sn[0].tag, "s1");
	assert_false(sn[0].has_icount);
	assert_int_equal(replay_snapshots_parse("There is no snapshot available.\n", sn, 4), -1);
	assert_int_equal(replay_snapshots_parse(qemu_list, sn, 1), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verbs),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_snapshots),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

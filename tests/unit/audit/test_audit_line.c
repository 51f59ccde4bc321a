/* Audit log lines: every field, exactly as written to the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proxy/audit_line.h"

/* 2023-11-14T22:13:20.123Z */
static const struct timespec when = { .tv_sec = 1700000000, .tv_nsec = 123456789 };
static const struct audit_who alice = {
	.client = 7, .user = "alice", .peer = "ssh:10.0.0.2:50022", .target = "vm1",
};

#define HEAD(event) "{\"time\":\"2023-11-14T22:13:20.123Z\",\"event\":\"" event "\"," \
	"\"client\":7,\"user\":\"alice\",\"peer\":\"ssh:10.0.0.2:50022\",\"target\":\"vm1\""

/* Finish l and compare with want (without its newline). */
static void assert_line(struct audit_line *l, const char *want)
{
	size_t len = 0;
	char *text = audit_line_finish(l, &len);

	assert_non_null(text);
	assert_int_equal(len, strlen(text));
	assert_true(len > 0 && text[len - 1] == '\n');
	text[len - 1] = '\0';
	assert_string_equal(text, want);
	free(text);
}

static void test_time_is_utc_with_milliseconds(void **state)
{
	struct timespec epoch = { .tv_sec = 0, .tv_nsec = 5999999 };
	char out[40];

	(void)state;
	audit_format_time(&when, out, sizeof(out));
	assert_string_equal(out, "2023-11-14T22:13:20.123Z");
	audit_format_time(&epoch, out, sizeof(out));
	assert_string_equal(out, "1970-01-01T00:00:00.005Z");
}

static void test_every_line_starts_with_who(void **state)
{
	struct audit_line l;

	(void)state;
	audit_line_start(&l, &when, "interrupt", &alice);
	assert_line(&l, HEAD("interrupt") "}");
}

static void test_no_target_is_null_and_trusted_user_is_empty(void **state)
{
	struct audit_who trusted = { .client = 1, .user = "", .peer = "unix:/tmp/a.sock" };
	struct audit_line l;

	(void)state;
	audit_line_start(&l, &when, "connect", &trusted);
	assert_line(&l, "{\"time\":\"2023-11-14T22:13:20.123Z\",\"event\":\"connect\",\"client\":1,"
		    "\"user\":\"\",\"peer\":\"unix:/tmp/a.sock\",\"target\":null}");
}

static void test_fields_follow_in_the_order_added(void **state)
{
	struct audit_line l;

	(void)state;
	audit_line_start(&l, &when, "detach", &alice);
	audit_line_str(&l, "why", "vanished");
	audit_line_str(&l, "reason", NULL);
	assert_line(&l, HEAD("detach") ",\"why\":\"vanished\",\"reason\":null}");
}

static void test_addresses_are_hex_strings_of_all_64_bits(void **state)
{
	struct audit_line l;

	(void)state;
	audit_line_start(&l, &when, "memory_write", &alice);
	audit_line_addr(&l, "address", 0xffffffff81000000ull);
	audit_line_int(&l, "length", 4);
	assert_line(&l, HEAD("memory_write") ",\"address\":\"0xffffffff81000000\",\"length\":4}");
}

static void test_text_is_escaped_and_ascii(void **state)
{
	struct audit_line l;

	(void)state;
	audit_line_start(&l, &when, "monitor", &alice);
	audit_line_str(&l, "command", "say \"hi\"\\ /x\x01\xc3\xa9");
	assert_line(&l, HEAD("monitor") ",\"command\":\"say \\\"hi\\\"\\\\ /x\\u0001??\"}");
}

/* The fields of a resume request. */
static void assert_resume(const char *pkt, const char *want)
{
	struct audit_line l;
	char line[512];

	audit_line_start(&l, &when, "resume", &alice);
	audit_line_resume(&l, pkt, strlen(pkt));
	snprintf(line, sizeof(line), HEAD("resume") ",%s}", want);
	assert_line(&l, line);
}

static void test_resume_names_its_action_and_signal(void **state)
{
	(void)state;
	assert_resume("vCont;c:p1.-1", "\"action\":\"continue\",\"signal\":null,\"packet\":\"vCont;c:p1.-1\"");
	assert_resume("vCont;s:p1.1;c", "\"action\":\"step\",\"signal\":null,\"packet\":\"vCont;s:p1.1;c\"");
	assert_resume("vCont;C0b:p1.1", "\"action\":\"continue\",\"signal\":11,\"packet\":\"vCont;C0b:p1.1\"");
	assert_resume("S05", "\"action\":\"step\",\"signal\":5,\"packet\":\"S05\"");
	assert_resume("c", "\"action\":\"continue\",\"signal\":null,\"packet\":\"c\"");
	assert_resume("vCont;r1000,1010:p1.1",
		      "\"action\":\"range\",\"signal\":null,\"packet\":\"vCont;r1000,1010:p1.1\"");
	assert_resume("vCont;t", "\"action\":\"stop\",\"signal\":null,\"packet\":\"vCont;t\"");
	assert_resume("C", "\"action\":\"continue\",\"signal\":null,\"packet\":\"C\"");
}

static void test_breakpoint_types_have_names(void **state)
{
	(void)state;
	assert_string_equal(audit_bp_type_name(BP_SOFTWARE), "sw");
	assert_string_equal(audit_bp_type_name(BP_HARDWARE), "hw");
	assert_string_equal(audit_bp_type_name(BP_WATCH_WRITE), "watch_write");
	assert_string_equal(audit_bp_type_name(BP_WATCH_READ), "watch_read");
	assert_string_equal(audit_bp_type_name(BP_WATCH_ACCESS), "watch_access");
	assert_string_equal(audit_bp_type_name((enum bp_type)9), "unknown");
}

static void test_a_failed_line_is_never_written(void **state)
{
	struct audit_line l;
	size_t len = 99;

	(void)state;
	audit_line_start(&l, &when, "resume", &alice);
	l.failed = true; /* as a failed allocation leaves it */
	audit_line_str(&l, "action", "continue");
	assert_null(audit_line_finish(&l, &len));
	assert_int_equal(len, 99);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_is_utc_with_milliseconds),
		cmocka_unit_test(test_every_line_starts_with_who),
		cmocka_unit_test(test_no_target_is_null_and_trusted_user_is_empty),
		cmocka_unit_test(test_fields_follow_in_the_order_added),
		cmocka_unit_test(test_addresses_are_hex_strings_of_all_64_bits),
		cmocka_unit_test(test_text_is_escaped_and_ascii),
		cmocka_unit_test(test_resume_names_its_action_and_signal),
		cmocka_unit_test(test_breakpoint_types_have_names),
		cmocka_unit_test(test_a_failed_line_is_never_written),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for thread ids and stop replies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proxy/rsp/rsp_stop.h"

/* Parse s (up to its NUL) as a thread id; returns the result and how far it got. */
static int parse_tid(const char *s, struct rsp_thread_id *id, size_t *used)
{
	const char *p = s;
	int r = rsp_parse_thread_id(&p, s + strlen(s), id);

	*used = (size_t)(p - s);
	return r;
}

/* Assert s parses completely as the given thread id. */
static void check_tid(const char *s, bool has_pid, int64_t pid, int64_t tid)
{
	struct rsp_thread_id id;
	size_t used;

	assert_int_equal(parse_tid(s, &id, &used), 0);
	assert_int_equal(used, strlen(s));
	assert_int_equal(id.has_pid, has_pid);
	if (has_pid)
		assert_int_equal(id.pid, pid);
	assert_int_equal(id.tid, tid);
}

/* Every thread-id form parses completely. */
static void test_parse_thread_id(void **state)
{
	(void)state;
	check_tid("-1", false, 0, -1);
	check_tid("0", false, 0, 0);
	check_tid("1", false, 0, 1);
	check_tid("1a2b", false, 0, 0x1a2b);
	check_tid("7fffffffffffffff", false, 0, INT64_MAX);
	check_tid("p1", true, 1, -1); /* all threads of process 1 */
	check_tid("p1.2", true, 1, 2);
	check_tid("pa.1f", true, 10, 31);
	check_tid("p-1", true, -1, -1);
	check_tid("p-1.-1", true, -1, -1);
	check_tid("p1.-1", true, 1, -1);
	check_tid("p0.0", true, 0, 0);
}

/* Parsing stops after the id and leaves the rest. */
static void test_parse_thread_id_stops(void **state)
{
	struct rsp_thread_id id;
	size_t used;

	(void)state;
	assert_int_equal(parse_tid("p1.2;core:1", &id, &used), 0);
	assert_int_equal(used, 4);
	assert_int_equal(parse_tid("-1;", &id, &used), 0);
	assert_int_equal(used, 2);
	assert_int_equal(parse_tid("5,", &id, &used), 0);
	assert_int_equal(used, 1);
}

/* Malformed ids fail without touching *p or the id. */
static void test_parse_thread_id_errors(void **state)
{
	static const char *const bad[] = {
		"", "p", "p.", "p1.", "p.1", "-", "-2", "-10", "-1a", "--1", "q1",
		"px", "x", ";", "8000000000000000", "ffffffffffffffff",
		"10000000000000000", "p1.8000000000000000", "P1.2",
	};
	struct rsp_thread_id id = { .has_pid = true, .pid = 42, .tid = 43 };
	size_t used, i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse_tid(bad[i], &id, &used), -1);
		assert_int_equal(used, 0);
		assert_int_equal(id.pid, 42); /* untouched on failure */
		assert_int_equal(id.tid, 43);
	}
}

/* Format id and compare with want. */
static void check_fmt_tid(struct rsp_thread_id id, bool mp, int64_t def, const char *want)
{
	char out[64];

	memset(out, 'X', sizeof(out));
	assert_int_equal(rsp_format_thread_id(out, sizeof(out), &id, mp, def), (int)strlen(want));
	assert_string_equal(out, want);
}

/* Thread ids in the plain and multiprocess forms. */
static void test_format_thread_id(void **state)
{
	const struct rsp_thread_id plain = { .has_pid = false, .tid = 0x1f };
	const struct rsp_thread_id full = { .has_pid = true, .pid = 0xa, .tid = 0xb };
	const struct rsp_thread_id all = { .has_pid = true, .pid = -1, .tid = -1 };
	const struct rsp_thread_id any = { .has_pid = false, .tid = 0 };
	const struct rsp_thread_id minus = { .has_pid = false, .tid = -1 };

	(void)state;
	check_fmt_tid(plain, false, 7, "1f");
	check_fmt_tid(plain, true, 7, "p7.1f");
	check_fmt_tid(full, true, 7, "pa.b");
	check_fmt_tid(full, false, 7, "b");
	check_fmt_tid(all, true, 7, "p-1.-1");
	check_fmt_tid(all, false, 7, "-1");
	check_fmt_tid(any, false, 7, "0");
	check_fmt_tid(minus, true, 1, "p1.-1");
	check_fmt_tid(minus, true, -1, "p-1.-1");
}

/* Formatting fails when the id and its NUL do not fit. */
static void test_format_thread_id_capacity(void **state)
{
	const struct rsp_thread_id id = { .has_pid = true, .pid = 1, .tid = 2 };
	const struct rsp_thread_id bad = { .has_pid = false, .tid = -2 };
	char out[8];

	(void)state;
	/* "p1.2" needs 5 bytes with the NUL */
	assert_int_equal(rsp_format_thread_id(out, 5, &id, true, 0), 4);
	assert_string_equal(out, "p1.2");
	assert_int_equal(rsp_format_thread_id(out, 4, &id, true, 0), -1);
	assert_int_equal(rsp_format_thread_id(out, 1, &id, false, 0), -1);
	assert_int_equal(rsp_format_thread_id(out, 0, &id, false, 0), -1);
	assert_int_equal(rsp_format_thread_id(out, 2, &id, false, 0), 1);
	/* a negative id other than -1 has no wire form */
	assert_int_equal(rsp_format_thread_id(out, sizeof(out), &bad, false, 0), -1);
}

/* Multiprocess ids survive parse then format. */
static void test_thread_id_round_trip(void **state)
{
	static const char *const ids[] = {
		"p1.2", "p-1.-1", "p1.-1", "pabc.def", "p0.0", "p7fffffffffffffff.1",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct rsp_thread_id id;
		char out[64];
		size_t used;

		assert_int_equal(parse_tid(ids[i], &id, &used), 0);
		assert_int_equal(rsp_format_thread_id(out, sizeof(out), &id, true, 99),
				 (int)strlen(ids[i]));
		assert_string_equal(out, ids[i]);
	}
}

/* Parse s (up to its NUL) as a stop reply. */
static int parse_stop(const char *s, struct rsp_stop *st)
{
	return rsp_stop_parse(s, strlen(s), st);
}

/* S and T replies with only a signal. */
static void test_stop_parse_signal(void **state)
{
	struct rsp_stop st;

	(void)state;
	assert_int_equal(parse_stop("S05", &st), 0);
	assert_int_equal(st.kind, RSP_STOP_SIGNAL);
	assert_int_equal(st.signal, 5);
	assert_false(st.has_thread);
	assert_int_equal(st.reason, RSP_REASON_NONE);
	assert_false(st.has_core);

	assert_int_equal(parse_stop("T05", &st), 0);
	assert_int_equal(st.kind, RSP_STOP_SIGNAL);
	assert_int_equal(st.signal, 5);
	assert_false(st.has_thread);

	assert_int_equal(parse_stop("Tff", &st), 0);
	assert_int_equal(st.signal, 0xff);
	assert_int_equal(parse_stop("SAB", &st), 0);
	assert_int_equal(st.signal, 0xab);
}

/* The thread and core pairs of a T reply. */
static void test_stop_parse_thread_core(void **state)
{
	struct rsp_stop st;

	(void)state;
	assert_int_equal(parse_stop("T05thread:p1.2;", &st), 0);
	assert_true(st.has_thread);
	assert_true(st.thread.has_pid);
	assert_int_equal(st.thread.pid, 1);
	assert_int_equal(st.thread.tid, 2);

	assert_int_equal(parse_stop("T05thread:01;core:1;", &st), 0);
	assert_true(st.has_thread);
	assert_false(st.thread.has_pid);
	assert_int_equal(st.thread.tid, 1);
	assert_true(st.has_core);
	assert_int_equal(st.core, 1);

	/* the last pair may lack its `;` */
	assert_int_equal(parse_stop("T02thread:1f", &st), 0);
	assert_int_equal(st.signal, 2);
	assert_int_equal(st.thread.tid, 0x1f);
}

/* guest-exception:N marks the guest's own exception; it is never formatted. */
static void test_stop_guest_exception(void **state)
{
	struct rsp_stop st;
	char out[64];

	(void)state;
	assert_int_equal(parse_stop("T05thread:2;guest-exception:3;", &st), 0);
	assert_int_equal(st.guest_vector, 3);
	assert_int_equal(st.thread.tid, 2);
	assert_int_equal(st.reason, RSP_REASON_NONE);
	assert_int_equal(rsp_stop_format(out, sizeof(out), &st, false, 1), (int)strlen("T05thread:2;"));
	assert_string_equal(out, "T05thread:2;");
	assert_int_equal(parse_stop("T05thread:2;", &st), 0);
	assert_int_equal(st.guest_vector, 0);
	assert_int_equal(parse_stop("T05guest-exception:0;", &st), -1);
	assert_int_equal(parse_stop("T05guest-exception:20;", &st), -1);
	assert_int_equal(parse_stop("T05guest-exception:x;", &st), -1);
}

/* swbreak, hwbreak and the three watchpoint reasons. */
static void test_stop_parse_reasons(void **state)
{
	struct rsp_stop st;

	(void)state;
	assert_int_equal(parse_stop("T05swbreak:;thread:1;", &st), 0);
	assert_int_equal(st.reason, RSP_REASON_SWBREAK);
	assert_true(st.has_thread);
	assert_int_equal(st.thread.tid, 1);

	assert_int_equal(parse_stop("T05hwbreak:;", &st), 0);
	assert_int_equal(st.reason, RSP_REASON_HWBREAK);

	assert_int_equal(parse_stop("T05watch:1000;", &st), 0);
	assert_int_equal(st.reason, RSP_REASON_WATCH);
	assert_int_equal(st.watch_addr, 0x1000);

	assert_int_equal(parse_stop("T05rwatch:ffffffff81000000;thread:p2.3;", &st), 0);
	assert_int_equal(st.reason, RSP_REASON_RWATCH);
	assert_true(st.watch_addr == 0xffffffff81000000ull);
	assert_int_equal(st.thread.pid, 2);

	assert_int_equal(parse_stop("T05awatch:0;", &st), 0);
	assert_int_equal(st.reason, RSP_REASON_AWATCH);
	assert_int_equal(st.watch_addr, 0);
}

/* Register and unknown pairs are skipped. */
static void test_stop_parse_skips(void **state)
{
	struct rsp_stop st;

	(void)state;
	/* register pairs */
	assert_int_equal(parse_stop("T0505:00000000;04:1a2b0000;", &st), 0);
	assert_int_equal(st.signal, 5);
	assert_false(st.has_thread);
	assert_int_equal(st.reason, RSP_REASON_NONE);
	/* unavailable registers */
	assert_int_equal(parse_stop("T0510:xxxxxxxx;thread:3;", &st), 0);
	assert_int_equal(st.thread.tid, 3);
	/* unknown pairs, including ones whose value holds `:` */
	assert_int_equal(parse_stop("T05library:;", &st), 0);
	assert_int_equal(parse_stop("T05exec:2f62696e;fork:p2.3;replaylog:begin;", &st), 0);
	assert_int_equal(parse_stop("T05weird:a:b;thread:4;", &st), 0);
	assert_int_equal(st.thread.tid, 4);
	/* everything at once */
	assert_int_equal(parse_stop("T0b06:0000000000000000;07:1f00000000000000;"
				    "thread:p3a.3b;core:2;hwbreak:;", &st), 0);
	assert_int_equal(st.signal, 0xb);
	assert_int_equal(st.thread.pid, 0x3a);
	assert_int_equal(st.thread.tid, 0x3b);
	assert_int_equal(st.core, 2);
	assert_int_equal(st.reason, RSP_REASON_HWBREAK);
}

/* W and X replies, with and without a process. */
static void test_stop_parse_exit(void **state)
{
	struct rsp_stop st;

	(void)state;
	assert_int_equal(parse_stop("W00", &st), 0);
	assert_int_equal(st.kind, RSP_STOP_EXITED);
	assert_int_equal(st.signal, 0);
	assert_false(st.has_pid);

	assert_int_equal(parse_stop("W2d;process:1", &st), 0);
	assert_int_equal(st.kind, RSP_STOP_EXITED);
	assert_int_equal(st.signal, 0x2d);
	assert_true(st.has_pid);
	assert_int_equal(st.pid, 1);

	assert_int_equal(parse_stop("X09", &st), 0);
	assert_int_equal(st.kind, RSP_STOP_KILLED);
	assert_int_equal(st.signal, 9);
	assert_false(st.has_pid);

	assert_int_equal(parse_stop("X09;process:a", &st), 0);
	assert_int_equal(st.kind, RSP_STOP_KILLED);
	assert_true(st.has_pid);
	assert_int_equal(st.pid, 10);
}

/* Garbage is refused and *stop left alone. */
static void test_stop_parse_errors(void **state)
{
	static const char *const bad[] = {
		"", "T", "S", "W", "X", "Tzz", "T5", "S5", "W0", "X9", "Q05", "O05",
		"N", "w00;1", "t05", "S05x", "S05;", "T05;", "T05:1;", "T05thread;",
		"T05thread:;", "T05thread:zz;", "T05thread:p1.;", "T05thread:1x;",
		"T05core:;", "T05core:g;", "T05watch:;", "T05rwatch:x;",
		"T05awatch:10000000000000000;", "T05swbreak", "W00;", "W00;process:",
		"W00;process:z", "W00;proc:1", "W00x", "X09;process:-1", "W100",
	};
	struct rsp_stop st;
	size_t i;

	(void)state;
	memset(&st, 0x5a, sizeof(st));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_stop(bad[i], &st) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	assert_int_equal(st.signal, 0x5a); /* untouched on failure */
	assert_int_equal(rsp_stop_parse("S05", 2, &st), -1); /* len counts */
	assert_int_equal(rsp_stop_parse(NULL, 0, &st), -1);
}

/* Format st and compare with want. */
static void check_fmt_stop(const struct rsp_stop *st, bool mp, int64_t def, const char *want)
{
	char out[128];

	memset(out, 'X', sizeof(out));
	assert_int_equal(rsp_stop_format(out, sizeof(out), st, mp, def), (int)strlen(want));
	assert_string_equal(out, want);
}

/* T replies: thread, then reason, then core. */
static void test_stop_format_signal(void **state)
{
	struct rsp_stop st;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.kind = RSP_STOP_SIGNAL;
	st.signal = 5;
	check_fmt_stop(&st, false, 1, "T05");
	check_fmt_stop(&st, true, 1, "T05");

	st.has_thread = true;
	st.thread = (struct rsp_thread_id){ .has_pid = true, .pid = 1, .tid = 2 };
	st.reason = RSP_REASON_SWBREAK;
	check_fmt_stop(&st, true, 9, "T05thread:p1.2;swbreak:;");
	check_fmt_stop(&st, false, 9, "T05thread:2;swbreak:;");

	st.thread = (struct rsp_thread_id){ .has_pid = false, .tid = 0xab };
	st.reason = RSP_REASON_HWBREAK;
	st.has_core = true;
	st.core = 0x1f;
	st.signal = 0x0b;
	check_fmt_stop(&st, true, 9, "T0bthread:p9.ab;hwbreak:;core:1f;");
	check_fmt_stop(&st, false, 9, "T0bthread:ab;hwbreak:;core:1f;");

	st.has_thread = false;
	st.reason = RSP_REASON_NONE;
	st.signal = 0xff;
	check_fmt_stop(&st, true, 9, "Tffcore:1f;");
}

/* Watchpoint addresses in lowercase hex. */
static void test_stop_format_watch(void **state)
{
	struct rsp_stop st;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.signal = 5;
	st.watch_addr = 0xFFFF8000DEADBEEFull;
	st.reason = RSP_REASON_WATCH;
	check_fmt_stop(&st, false, 0, "T05watch:ffff8000deadbeef;");
	st.reason = RSP_REASON_RWATCH;
	st.watch_addr = 0x1000;
	check_fmt_stop(&st, false, 0, "T05rwatch:1000;");
	st.reason = RSP_REASON_AWATCH;
	st.watch_addr = 0;
	st.has_thread = true;
	st.thread.tid = 1;
	check_fmt_stop(&st, false, 0, "T05thread:1;awatch:0;");
}

/* W and X replies, `;process:` only in multiprocess mode. */
static void test_stop_format_exit(void **state)
{
	struct rsp_stop st;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.kind = RSP_STOP_EXITED;
	st.signal = 0;
	check_fmt_stop(&st, true, 1, "W00");
	st.has_pid = true;
	st.pid = 0x2a;
	check_fmt_stop(&st, true, 1, "W00;process:2a");
	check_fmt_stop(&st, false, 1, "W00");
	st.kind = RSP_STOP_KILLED;
	st.signal = 9;
	check_fmt_stop(&st, true, 1, "X09;process:2a");
	st.has_pid = false;
	check_fmt_stop(&st, true, 1, "X09");
}

/* Formatting fails on a short buffer or an unknown kind or reason. */
static void test_stop_format_errors(void **state)
{
	struct rsp_stop st;
	char out[32];

	(void)state;
	memset(&st, 0, sizeof(st));
	st.signal = 5;
	st.has_thread = true;
	st.thread = (struct rsp_thread_id){ .has_pid = true, .pid = 1, .tid = 2 };
	/* "T05thread:p1.2;" is 15 chars: 16 bytes with the NUL */
	assert_int_equal(rsp_stop_format(out, 16, &st, true, 0), 15);
	assert_string_equal(out, "T05thread:p1.2;");
	assert_int_equal(rsp_stop_format(out, 15, &st, true, 0), -1);
	assert_int_equal(rsp_stop_format(out, 0, &st, true, 0), -1);
	assert_int_equal(rsp_stop_format(out, 3, &st, true, 0), -1);

	st.kind = (enum rsp_stop_kind)42;
	assert_int_equal(rsp_stop_format(out, sizeof(out), &st, true, 0), -1);
	st.kind = RSP_STOP_SIGNAL;
	st.reason = (enum rsp_stop_reason)42;
	assert_int_equal(rsp_stop_format(out, sizeof(out), &st, true, 0), -1);
}

/* Canonical stop replies survive parse then format. */
static void test_stop_round_trip(void **state)
{
	static const char *const replies[] = {
		"T05", "T05thread:p1.2;", "T05thread:p1.2;swbreak:;",
		"T05thread:p-1.-1;hwbreak:;core:3;", "T1cthread:pa.b;watch:1000;core:0;",
		"T00rwatch:ffffffffffffffff;", "T05awatch:1;", "Tffcore:ff;",
		"W00", "W2d;process:1", "X09;process:a", "X0f",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		struct rsp_stop st;
		char out[128];

		assert_int_equal(parse_stop(replies[i], &st), 0);
		assert_int_equal(rsp_stop_format(out, sizeof(out), &st, true, 0),
				 (int)strlen(replies[i]));
		assert_string_equal(out, replies[i]);
	}
}

/* Run every test in this file. */
/* gdbhub-kvm's console message inside a non-stop stop reply. */
static void test_stop_console(void **state)
{
	const char *with = "T05thread:p1.2;gdbhub-console:6869;swbreak:;";
	const char *last = "T05gdbhub-console:;";
	const char *hex = NULL;
	size_t n = 0;
	struct rsp_stop st;

	(void)state;
	assert_int_equal(rsp_stop_console(with, strlen(with), &hex, &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(hex, "6869", 4);
	assert_int_equal(rsp_stop_console(last, strlen(last), &hex, &n), 0);
	assert_int_equal(n, 0);
	/* Not a field of its own, not a T reply, no end: none. */
	assert_int_equal(rsp_stop_console("T05xgdbhub-console:61;", 22, &hex, &n), -1);
	assert_int_equal(rsp_stop_console("S05", 3, &hex, &n), -1);
	assert_int_equal(rsp_stop_console("W00", 3, &hex, &n), -1);
	assert_int_equal(rsp_stop_console("T05gdbhub-console:61", 20, &hex, &n), -1);
	/* The parser skips it as any unknown field. */
	assert_int_equal(rsp_stop_parse(with, strlen(with), &st), 0);
	assert_int_equal(st.thread.tid, 2);
	assert_int_equal(st.reason, RSP_REASON_SWBREAK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_thread_id),
		cmocka_unit_test(test_parse_thread_id_stops),
		cmocka_unit_test(test_parse_thread_id_errors),
		cmocka_unit_test(test_format_thread_id),
		cmocka_unit_test(test_format_thread_id_capacity),
		cmocka_unit_test(test_thread_id_round_trip),
		cmocka_unit_test(test_stop_parse_signal),
		cmocka_unit_test(test_stop_parse_thread_core),
		cmocka_unit_test(test_stop_parse_reasons),
		cmocka_unit_test(test_stop_parse_skips),
		cmocka_unit_test(test_stop_parse_exit),
		cmocka_unit_test(test_stop_parse_errors),
		cmocka_unit_test(test_stop_format_signal),
		cmocka_unit_test(test_stop_format_watch),
		cmocka_unit_test(test_stop_format_exit),
		cmocka_unit_test(test_stop_format_errors),
		cmocka_unit_test(test_stop_round_trip),
		cmocka_unit_test(test_stop_guest_exception),
		cmocka_unit_test(test_stop_console),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

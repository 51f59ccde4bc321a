/* Counting a QEMU 7.2 event log's instructions: logs built here event by
 * event (every event this reader sizes, and the ones it cannot), the ways a
 * log can be incomplete, and a real log QEMU 7.2 wrote recording the
 * aarch64 demo guest (data/, 12411 instructions by query-replay's count). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backends/replay/event_log.h"

static const char *real_log;   /* argv[1] */

/* A log under construction. */
struct log {
	unsigned char b[512];
	size_t n;
};

static void put(struct log *l, unsigned bytes, uint64_t v)
{
	for (unsigned i = bytes; i-- > 0;)
		l->b[l->n++] = (unsigned char)(v >> (8 * i));
}

static void header(struct log *l, uint32_t version)
{
	l->n = 0;
	put(l, 4, version);
	put(l, 8, 0);
}

/* Count l's log; the return of event_log_icount_file, *cause freed. */
static int count(struct log *l, uint64_t *icount, char **why)
{
	FILE *f = fmemopen(l->b, l->n, "rb");
	int rc;

	assert_non_null(f);
	*why = NULL;
	rc = event_log_icount_file(f, icount, why);
	fclose(f);
	return rc;
}

/* Every event the reader sizes, with instructions between them. */
static void test_sums_instructions(void **state)
{
	struct log l;
	uint64_t icount = 0;
	char *why;

	(void)state;
	header(&l, EVENT_LOG_VERSION);
	put(&l, 1, 28); put(&l, 8, 0x18ecfc3853a73748ull);       /* host clock */
	put(&l, 1, 37);                                          /* a checkpoint */
	put(&l, 1, 27); put(&l, 4, 0); put(&l, 4, 3); put(&l, 3, 0xabcdef);  /* random */
	put(&l, 1, 0); put(&l, 4, 41);                           /* 41 instructions */
	put(&l, 1, 22); put(&l, 4, 1); put(&l, 4, 1);            /* char write */
	put(&l, 1, 3); put(&l, 8, 7);                            /* async bh */
	put(&l, 1, 7); put(&l, 1, 0); put(&l, 4, 2); put(&l, 2, 0x6869);    /* char read */
	put(&l, 1, 9); put(&l, 1, 0); put(&l, 4, 0); put(&l, 4, 1); put(&l, 1, 0);  /* net */
	put(&l, 1, 8); put(&l, 8, 9);                            /* block */
	put(&l, 1, 6);                                           /* input sync */
	put(&l, 1, 1);                                           /* interrupt */
	put(&l, 1, 23); put(&l, 4, 0);                           /* char read all */
	put(&l, 1, 24); put(&l, 4, 5);                           /* its error */
	put(&l, 1, 25); put(&l, 4, 5);                           /* audio out */
	put(&l, 1, 0); put(&l, 4, 0x100000000ull - 1);           /* a large step */
	put(&l, 1, 2);                                           /* exception */
	put(&l, 1, 14);                                          /* shutdown (signal) */
	put(&l, 1, 39);                                          /* end */
	assert_int_equal(count(&l, &icount, &why), 0);
	assert_true(icount == 41 + 0xffffffffull);
	assert_null(why);
}

/* What leaves the count unknown: *icount stays, the cause says why. */
static void expect_refused(struct log *l, const char *words)
{
	uint64_t icount = 1234;
	char *why;

	assert_int_equal(count(l, &icount, &why), -1);
	assert_int_equal(icount, 1234);
	assert_non_null(why);
	if (strstr(why, words) == NULL)
		fail_msg("cause \"%s\" lacks \"%s\"", why, words);
	free(why);
}

static void test_refusals(void **state)
{
	struct log l;

	(void)state;
	header(&l, 0xe0200b);
	put(&l, 1, 39);
	expect_refused(&l, "version 0xe0200b");
	header(&l, EVENT_LOG_VERSION);
	put(&l, 1, 0); put(&l, 4, 10);
	expect_refused(&l, "without its end event");        /* QEMU died mid-way */
	header(&l, EVENT_LOG_VERSION);
	put(&l, 1, 0); put(&l, 2, 10);
	expect_refused(&l, "without its end event");        /* cut inside an event */
	header(&l, EVENT_LOG_VERSION);
	put(&l, 1, 5); put(&l, 4, 0); put(&l, 1, 39);
	expect_refused(&l, "event 5");                      /* input: size unknown */
	header(&l, EVENT_LOG_VERSION);
	put(&l, 1, 26); put(&l, 1, 39);
	expect_refused(&l, "event 26");                     /* audio input */
	header(&l, EVENT_LOG_VERSION);
	put(&l, 1, 40); put(&l, 1, 39);
	expect_refused(&l, "event 40");                     /* past the end event */
	header(&l, EVENT_LOG_VERSION);
	put(&l, 1, 39); put(&l, 1, 0);
	expect_refused(&l, "after its end");
	l.n = 6;
	expect_refused(&l, "no header");
}

/* A log QEMU 7.2 wrote: the count query-replay would give at the end. */
static void test_real_log(void **state)
{
	uint64_t icount = 0;
	char *why = NULL;

	(void)state;
	if (event_log_icount(real_log, &icount, &why) != 0)
		fail_msg("%s", why);
	assert_int_equal(icount, 12411);
	assert_int_equal(event_log_icount("/nonexistent/replay.bin", &icount, &why), -1);
	assert_non_null(strstr(why, "/nonexistent/replay.bin"));
	free(why);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sums_instructions),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_real_log),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s AARCH64-DEMO-REPLAY.BIN\n", argv[0]);
		return 2;
	}
	real_log = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}

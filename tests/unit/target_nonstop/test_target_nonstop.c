/* target_nonstop.c over a recorded upstream: what the daemon sends a
 * non-stop stub for each stop it reports, and when all-stop clients are
 * told. The upstream, the target's stop handling and the non-stop clients'
 * notifications are replaced by recorders (below); the policy is real. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proxy/client.h"
#include "proxy/client_nonstop.h"
#include "proxy/log.h"
#include "proxy/target.h"
#include "proxy/target_internal.h"
#include "proxy/target_nonstop.h"
#include "proxy/upstream.h"

#define MAX_SENT 16

static char sent[MAX_SENT][256];
static size_t n_sent;
static struct rsp_stop told;     /* the last stop target_handle_stop got */
static unsigned n_told;          /* how many it got */
static unsigned n_thread_stops;  /* nonstop_on_thread_stop calls */
static struct upstream_features features = { .non_stop = true };

/* The stub answers every request OK at once. */
int upstream_request_str(struct upstream *up, const char *payload, bool expects_stop,
			 upstream_reply_fn fn, void *arg)
{
	(void)up;
	assert_false(expects_stop);
	assert_true(n_sent < MAX_SENT);
	strcpy(sent[n_sent++], payload);
	fn(arg, (const uint8_t *)"OK", 2);
	return 0;
}

const struct upstream_features *upstream_features(const struct upstream *up)
{
	(void)up;
	return &features;
}

const char *target_name(const struct target *t)
{
	(void)t;
	return "vm";
}

uint64_t target_thread_bit(const struct target *t, int64_t tid)
{
	for (size_t i = 0; i < t->n_threads; i++)
		if (t->threads[i] == tid)
			return 1ull << i;
	return 0;
}

/* As target_run.c's: the VM is stopped for its clients. */
void target_handle_stop(struct target *t, const struct rsp_stop *stop)
{
	told = *stop;
	n_told++;
	t->state = TARGET_STOPPED;
}

static char console[64];

void target_console(struct target *t, const uint8_t *hex, size_t len)
{
	(void)t;
	snprintf(console, sizeof(console), "%.*s", (int)len, (const char *)hex);
}

void nonstop_on_thread_stop(struct target *t)
{
	(void)t;
	n_thread_stops++;
}

void log_msg(enum log_level level, const char *func, const char *fmt, ...)
{
	(void)level;
	(void)func;
	(void)fmt;
}

struct fixture {
	struct cfg_target cfg;
	struct target t;
	struct client c;
	struct attachment a;
	int64_t threads[3];
};

static void started(struct target *t)
{
	(void)t;
}

/* A kvm target with threads 1, 2, 3 and one client, all-stop unless
 * non_stop, after start-up (QNonStop:1 sent and taken). */
static struct fixture *setup(bool non_stop)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->cfg.backend = CFG_BACKEND_KVM;
	f->t.cfg = &f->cfg;
	f->t.up = (struct upstream *)&features; /* never looked into */
	f->threads[0] = 1;
	f->threads[1] = 2;
	f->threads[2] = 3;
	f->t.threads = f->threads;
	f->t.n_threads = 3;
	f->t.state = TARGET_STOPPED;
	TAILQ_INIT(&f->t.attached);
	f->c.non_stop = non_stop;
	f->a.c = &f->c;
	f->a.t = &f->t;
	TAILQ_INSERT_TAIL(&f->t.attached, &f->a, by_target);
	n_sent = 0;
	n_told = 0;
	n_thread_stops = 0;
	target_ns_start(&f->t, started);
	assert_int_equal(n_sent, 1);
	assert_string_equal(sent[0], "QNonStop:1");
	assert_true(f->t.ns_up);
	n_sent = 0;
	return f;
}

static void teardown(struct fixture *f)
{
	free(f->t.ns_pending);
	free(f);
}

static void stopped(struct target *t, const char *text)
{
	target_ns_stopped(t, (const uint8_t *)text, strlen(text));
}

/* The packets sent since the last call, joined by spaces. */
static const char *packets(void)
{
	static char all[MAX_SENT * 256];

	all[0] = '\0';
	for (size_t i = 0; i < n_sent; i++) {
		if (i > 0)
			strcat(all, " ");
		strcat(all, sent[i]);
	}
	n_sent = 0;
	return all;
}

static void only_kvm_goes_non_stop(void **state)
{
	struct cfg_target cfg = { .backend = CFG_BACKEND_REMOTE };
	struct target t = { .cfg = &cfg, .up = (struct upstream *)&features, .n_threads = 1 };

	(void)state;
	n_sent = 0;
	target_ns_start(&t, started);
	assert_int_equal(n_sent, 0);
	assert_false(t.ns_up);
}

/* The guest's own exception: that thread alone takes it, nobody stops. */
static void give_back_resumes_only_that_thread(void **state)
{
	struct fixture *f = setup(false);

	(void)state;
	target_ns_resume(&f->t, "vCont;c");
	assert_string_equal(packets(), "vCont;c");
	assert_int_equal(f->t.ns_running, 7);
	stopped(&f->t, "T05thread:p1.2;guest-exception:3;");
	assert_string_equal(packets(), "vCont;C05:2");
	assert_int_equal(f->t.ns_running, 7);
	assert_int_equal(n_told, 0);
	assert_int_equal(f->t.state, TARGET_RUNNING);
	teardown(f);
}

/* A stepping thread steps on into the guest's handler. */
static void give_back_keeps_a_step(void **state)
{
	struct fixture *f = setup(false);

	(void)state;
	target_ns_resume(&f->t, "vCont;s:1;c");
	assert_string_equal(packets(), "vCont;s:1;c");
	stopped(&f->t, "T05thread:1;guest-exception:1;");
	assert_string_equal(packets(), "vCont;S05:1");
	stopped(&f->t, "T05thread:3;guest-exception:3;");
	assert_string_equal(packets(), "vCont;C05:3");
	teardown(f);
}

/* All-stop clients hear of a stop once every thread has stopped. */
static void event_stops_all_first(void **state)
{
	struct fixture *f = setup(false);

	(void)state;
	target_ns_resume(&f->t, "c");
	assert_string_equal(packets(), "vCont;c");
	stopped(&f->t, "T05thread:1;watch:1000;");
	assert_string_equal(packets(), "vCont;t");
	stopped(&f->t, "T00thread:2;");
	assert_int_equal(n_told, 0);
	stopped(&f->t, "T00thread:3;");
	assert_int_equal(n_told, 1);
	assert_int_equal(told.thread.tid, 1);
	assert_int_equal(told.reason, RSP_REASON_WATCH);
	assert_int_equal(f->t.ns_running, 0);
	assert_int_equal(n_thread_stops, 0);
	teardown(f);
}

/* A thread stepped alone stops alone: nothing else to stop. */
static void lone_step_needs_no_stop_all(void **state)
{
	struct fixture *f = setup(false);

	(void)state;
	f->t.stop = (struct rsp_stop){ .has_thread = true, .thread.tid = 2 };
	target_ns_resume(&f->t, "s");
	assert_string_equal(packets(), "vCont;s:2");
	stopped(&f->t, "T05thread:2;");
	assert_string_equal(packets(), "");
	assert_int_equal(n_told, 1);
	teardown(f);
}

/* An exception the guest owns, met while the VM stops, is delivered as
 * that thread next resumes; another event waits for that resume too. */
static void owed_and_pending_at_next_resume(void **state)
{
	struct fixture *f = setup(false);

	(void)state;
	target_ns_resume(&f->t, "vCont;c");
	stopped(&f->t, "T05thread:1;");
	assert_string_equal(packets(), "vCont;c vCont;t");
	stopped(&f->t, "T05thread:2;guest-exception:3;");
	stopped(&f->t, "T05thread:3;watch:20;");
	assert_string_equal(packets(), "");
	assert_int_equal(n_told, 1);
	assert_int_equal(told.thread.tid, 1);
	/* Thread 3's watch is told next, without running it; thread 2 gets
	 * its exception. */
	target_ns_resume(&f->t, "vCont;c");
	assert_string_equal(packets(), "vCont;C05:2;t:3;c vCont;t");
	stopped(&f->t, "T00thread:1;");
	assert_int_equal(n_told, 1);
	stopped(&f->t, "T00thread:2;");
	assert_int_equal(n_told, 2);
	assert_int_equal(told.thread.tid, 3);
	assert_int_equal(told.reason, RSP_REASON_WATCH);
	teardown(f);
}

/* Ctrl-C: every thread reports SIGINT; the first is the VM's stop. */
static void interrupt_stops_every_thread(void **state)
{
	struct fixture *f = setup(false);

	(void)state;
	target_ns_resume(&f->t, "vCont;c");
	target_ns_interrupt(&f->t);
	assert_string_equal(packets(), "vCont;c vCtrlC");
	stopped(&f->t, "T02thread:1;");
	stopped(&f->t, "T02thread:2;");
	stopped(&f->t, "T02thread:3;");
	assert_string_equal(packets(), "vCont;t");
	assert_int_equal(n_told, 1);
	assert_int_equal(told.signal, 2);
	/* No thread had an event of its own: the next resume runs them all. */
	target_ns_resume(&f->t, "vCont;c");
	assert_string_equal(packets(), "vCont;c");
	teardown(f);
}

/* Only non-stop clients: one thread stops, the others run on. */
static void non_stop_clients_per_thread(void **state)
{
	struct fixture *f = setup(true);

	(void)state;
	assert_true(target_ns_per_thread(&f->t));
	target_ns_resume(&f->t, "vCont;c");
	target_ns_stop_threads(&f->t, "vCont;t:2");
	assert_string_equal(packets(), "vCont;c vCont;t:2");
	stopped(&f->t, "T00thread:2;");
	assert_string_equal(packets(), "");
	assert_int_equal(n_thread_stops, 1);
	assert_int_equal(n_told, 0);
	assert_int_equal(f->t.ns_running, 5);
	assert_int_equal(f->t.state, TARGET_RUNNING);
	/* Resuming it touches no other thread. */
	target_ns_resume(&f->t, "vCont;c:2");
	assert_string_equal(packets(), "vCont;c:2");
	assert_int_equal(f->t.ns_running, 7);
	teardown(f);
}

/* gdbhub-kvm's console message in a stop goes to the clients first. */
static void console_text_in_a_stop(void **state)
{
	struct fixture *f = setup(false);

	(void)state;
	console[0] = '\0';
	target_ns_resume(&f->t, "vCont;s:1");
	stopped(&f->t, "T05thread:1;gdbhub-console:6869;");
	assert_string_equal(console, "6869");
	assert_int_equal(n_told, 1);
	teardown(f);
}

static void exit_ends_everything(void **state)
{
	struct fixture *f = setup(false);

	(void)state;
	target_ns_resume(&f->t, "vCont;c");
	stopped(&f->t, "W21");
	assert_int_equal(n_told, 1);
	assert_int_equal(told.kind, RSP_STOP_EXITED);
	assert_int_equal(f->t.ns_running, 0);
	teardown(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(only_kvm_goes_non_stop),
		cmocka_unit_test(give_back_resumes_only_that_thread),
		cmocka_unit_test(give_back_keeps_a_step),
		cmocka_unit_test(event_stops_all_first),
		cmocka_unit_test(lone_step_needs_no_stop_all),
		cmocka_unit_test(owed_and_pending_at_next_resume),
		cmocka_unit_test(interrupt_stops_every_thread),
		cmocka_unit_test(non_stop_clients_per_thread),
		cmocka_unit_test(console_text_in_a_stop),
		cmocka_unit_test(exit_ends_everything),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* backends/tcg/qmp.c against a scripted QMP server on a unix socket: the
 * handshake, replies matched to their callbacks, and a callback that
 * destroys the client while more input waits (the replay ending from inside
 * a QMP reply): nothing after that may touch the freed client (ASan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "backends/tcg/qmp.h"

struct fixture {
	struct event_base *base;
	char dir[64];
	char path[96];
	int listen_fd;
	int peer;          /* the server side of the accepted connection */
	struct qmp *q;
};

struct reply_log {
	struct qmp **destroy;  /* set: qmp_destroy(*destroy) inside the callback */
	int calls;
	bool ok;
	char error[128];
};

/* One turn of the event loop, then a millisecond for the peer. */
static void turn(struct fixture *f)
{
	event_base_loop(f->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	usleep(1000);
}

/* Turn the loop until r's callback ran (or 200 turns pass). */
static void wait_reply(struct fixture *f, const struct reply_log *r)
{
	for (int i = 0; i < 200 && r->calls == 0; i++)
		turn(f);
}

static void say(struct fixture *f, const char *text)
{
	assert_int_equal(write(f->peer, text, strlen(text)), (ssize_t)strlen(text));
}

/* The next line the client sent, parsed; NULL if none in time. */
static json_object *heard(struct fixture *f)
{
	char line[512];
	size_t n = 0;

	for (int i = 0; i < 400 && n < sizeof(line) - 1; i++) {
		event_base_loop(f->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		if (recv(f->peer, line + n, 1, MSG_DONTWAIT) == 1) {
			if (line[n] == '\n')
				break;
			n++;
		} else {
			usleep(1000);
		}
	}
	line[n] = '\0';
	return json_tokener_parse(line);
}

static int heard_id(struct fixture *f, const char *command)
{
	json_object *msg = heard(f), *v;
	int id = -1;

	assert_non_null(msg);
	assert_true(json_object_object_get_ex(msg, "execute", &v));
	assert_string_equal(json_object_get_string(v), command);
	if (json_object_object_get_ex(msg, "id", &v))
		id = json_object_get_int(v);
	json_object_put(msg);
	return id;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(f->dir, sizeof(f->dir), "/tmp/test-qmp.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/qmp.sock", f->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
	f->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->listen_fd, 1), 0);
	f->base = event_base_new();
	f->q = qmp_create(f->base, f->path, "test");
	assert_non_null(f->q);
	f->peer = accept(f->listen_fd, NULL, NULL);
	assert_true(f->peer >= 0);
	say(f, "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\n");
	heard_id(f, "qmp_capabilities");
	say(f, "{\"return\": {}}\n");
	heard_id(f, "query-status");
	say(f, "{\"return\": {\"status\": \"paused\", \"running\": false}}\n");
	for (int i = 0; i < 200 && !qmp_ready(f->q); i++)
		turn(f);
	assert_true(qmp_ready(f->q));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	qmp_destroy(f->q);
	close(f->peer);
	close(f->listen_fd);
	unlink(f->path);
	rmdir(f->dir);
	event_base_free(f->base);
	free(f);
	return 0;
}

static void on_reply(void *arg, json_object *ret, const char *error)
{
	struct reply_log *r = arg;

	r->calls++;
	r->ok = error == NULL && ret != NULL;
	snprintf(r->error, sizeof(r->error), "%s", error ? error : "");
	if (r->destroy != NULL) {
		qmp_destroy(*r->destroy);
		*r->destroy = NULL;
	}
}

/* Send command, answer it with reply (a format taking its id), and wait
 * for r's callback. */
static void exchange(struct fixture *f, const char *command, const char *reply,
		     struct reply_log *r)
{
	char text[256];

	assert_int_equal(qmp_execute(f->q, command, NULL, on_reply, r), 0);
	snprintf(text, sizeof(text), reply, heard_id(f, command));
	say(f, text);
	wait_reply(f, r);
	assert_int_equal(r->calls, 1);
}

static void reply_reaches_its_callback(void **state)
{
	struct reply_log r = { 0 };

	exchange(*state, "query-replay", "{\"return\": {\"icount\": 5}, \"id\": %d}\n", &r);
	assert_true(r.ok);
}

static void error_reply_says_why(void **state)
{
	struct reply_log r = { 0 };

	exchange(*state, "replay-seek",
		 "{\"error\": {\"class\": \"GenericError\", \"desc\": \"no such icount\"}, "
		 "\"id\": %d}\n", &r);
	assert_false(r.ok);
	assert_string_equal(r.error, "no such icount");
}

/* The reply and more lines arrive in one read; the callback destroys the
 * client, and the second command's callback still hears that it ended. */
static void destroy_inside_reply_callback(void **state)
{
	struct fixture *f = *state;
	struct reply_log first = { .destroy = &f->q }, second = { 0 };
	char text[256];
	int id;

	assert_int_equal(qmp_execute(f->q, "query-replay", NULL, on_reply, &first), 0);
	id = heard_id(f, "query-replay");
	assert_int_equal(qmp_execute(f->q, "cont", NULL, on_reply, &second), 0);
	heard_id(f, "cont");
	snprintf(text, sizeof(text),
		 "{\"return\": {}, \"id\": %d}\n{\"event\": \"STOP\"}\n{\"return\": {}, \"id\": %d}\n",
		 id, id + 1);
	say(f, text);
	wait_reply(f, &first);
	assert_int_equal(first.calls, 1);
	assert_null(f->q);
	assert_int_equal(second.calls, 1);
	assert_false(second.ok);
	assert_string_equal(second.error, "the replay is being stopped");
	/* More turns of the loop must not reach the freed client. */
	for (int i = 0; i < 5; i++)
		turn(f);
}

/* QEMU goes away: the waiting callback destroys the client from inside
 * the close handling. */
static void destroy_when_connection_closes(void **state)
{
	struct fixture *f = *state;
	struct reply_log r = { .destroy = &f->q };

	assert_int_equal(qmp_execute(f->q, "query-replay", NULL, on_reply, &r), 0);
	heard_id(f, "query-replay");
	close(f->peer);
	f->peer = -1;
	wait_reply(f, &r);
	assert_int_equal(r.calls, 1);
	assert_string_equal(r.error, "QEMU's QMP connection closed");
	assert_null(f->q);
	assert_int_equal(qmp_execute(f->q, "cont", NULL, on_reply, &r), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(reply_reaches_its_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(error_reply_says_why, setup, teardown),
		cmocka_unit_test_setup_teardown(destroy_inside_reply_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(destroy_when_connection_closes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

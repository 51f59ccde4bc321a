/* A small QMP client: one JSON object per line each way. */
#include "backends/tcg/qmp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <json-c/json.h>

#include "backends/common/child.h"
#include "proxy/log.h"
#include "proxy/transport/sockaddr.h"

enum qmp_phase { QMP_GREETING, QMP_CAPABILITIES, QMP_READY, QMP_CLOSED };

/* A command sent with qmp_execute, waiting for the reply with its id. */
struct qmp_call {
	struct qmp_call *next;
	unsigned id;
	qmp_reply_fn fn;
	void *arg;
};

struct qmp {
	struct bufferevent *bev;
	enum qmp_phase phase;
	char name[64];
	char status[32];
	struct qmp_call *calls;  /* in the order sent */
	unsigned next_id;
	/* A reply callback may end the replay and so destroy this client
	 * while on_read or on_event still walk it: qmp_destroy then only
	 * marks it doomed, and whoever holds it frees it on the way out. */
	unsigned busy;
	bool doomed;
};

static void qmp_free(struct qmp *q)
{
	bufferevent_free(q->bev);
	free(q);
}

/* Leave a callback section; the client is gone if this returns true. */
static bool leave(struct qmp *q)
{
	if (--q->busy > 0 || !q->doomed)
		return false;
	qmp_free(q);
	return true;
}

/* Send one command. */
static int send_command(struct qmp *q, const char *cmd)
{
	char line[128];

	snprintf(line, sizeof(line), "{\"execute\":\"%s\"}\n", cmd);
	return bufferevent_write(q->bev, line, strlen(line));
}

/* Take the waiting call with id out of the list; NULL if none. */
static struct qmp_call *take_call(struct qmp *q, unsigned id)
{
	for (struct qmp_call **p = &q->calls; *p != NULL; p = &(*p)->next) {
		struct qmp_call *call = *p;
		if (call->id == id) {
			*p = call->next;
			return call;
		}
	}
	return NULL;
}

/* QEMU's words for an error reply. */
static const char *error_text(json_object *msg)
{
	json_object *err, *desc;

	if (json_object_object_get_ex(msg, "error", &err) &&
	    json_object_object_get_ex(err, "desc", &desc))
		return json_object_get_string(desc);
	return "QEMU refused the command";
}

/* A reply carrying one of our ids goes to its caller. Returns true if msg
 * was one. */
static bool complete_call(struct qmp *q, json_object *msg)
{
	json_object *id, *ret;
	struct qmp_call *call;

	if (!json_object_object_get_ex(msg, "id", &id) || !json_object_is_type(id, json_type_int))
		return false;
	call = take_call(q, (unsigned)json_object_get_int64(id));
	if (call == NULL)
		return false;
	if (json_object_object_get_ex(msg, "return", &ret))
		call->fn(call->arg, ret, NULL);
	else
		call->fn(call->arg, NULL, error_text(msg));
	free(call);
	return true;
}

/* Every waiting call learns that no reply will come. */
static void fail_calls(struct qmp *q, const char *why)
{
	struct qmp_call *call;

	q->busy++;
	while ((call = q->calls) != NULL) {
		q->calls = call->next;
		call->fn(call->arg, NULL, why);
		free(call);
	}
	leave(q);
}

/* Act on one message from QEMU. */
static void handle_message(struct qmp *q, json_object *msg)
{
	json_object *ret, *event, *status;

	if (complete_call(q, msg))
		return;

	if (json_object_object_get_ex(msg, "event", &event)) {
		/* Every step stops and resumes the VM: those are debug noise. */
		const char *name = json_object_get_string(event);
		if (strcmp(name, "STOP") == 0 || strcmp(name, "RESUME") == 0)
			log_debug("%s: QMP event %s", q->name, name);
		else
			log_info("%s: QMP event %s", q->name, name);
		return;
	}
	if (q->phase == QMP_GREETING && json_object_object_get_ex(msg, "QMP", NULL)) {
		q->phase = QMP_CAPABILITIES;
		send_command(q, "qmp_capabilities");
		return;
	}
	if (q->phase == QMP_CAPABILITIES && json_object_object_get_ex(msg, "return", NULL)) {
		q->phase = QMP_READY;
		send_command(q, "query-status");
		return;
	}
	if (json_object_object_get_ex(msg, "return", &ret) &&
	    json_object_object_get_ex(ret, "status", &status)) {
		snprintf(q->status, sizeof(q->status), "%s", json_object_get_string(status));
		log_info("%s: QEMU status %s", q->name, q->status);
	} else if (json_object_object_get_ex(msg, "error", NULL)) {
		log_warn("%s: QMP error %s", q->name, json_object_to_json_string(msg));
	}
}

/* Read whole lines and parse each. */
static void on_read(struct bufferevent *bev, void *arg)
{
	struct qmp *q = arg;
	char *line;
	size_t n;

	q->busy++;
	while (!q->doomed &&
	       (line = evbuffer_readln(bufferevent_get_input(bev), &n, EVBUFFER_EOL_CRLF)) != NULL) {
		json_object *msg = json_tokener_parse(line);
		if (msg != NULL)
			handle_message(q, msg);
		else
			log_warn("%s: unreadable QMP line", q->name);
		json_object_put(msg);
		free(line);
	}
	leave(q);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct qmp *q = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		q->phase = QMP_CLOSED;
		bufferevent_disable(q->bev, EV_READ | EV_WRITE);
		fail_calls(q, "QEMU's QMP connection closed");
	}
}

/* Connect to QEMU's QMP socket. */
struct qmp *qmp_create(struct event_base *base, const char *path, const char *name)
{
	struct qmp *q = calloc(1, sizeof(*q));
	struct sockaddr_storage sa;
	socklen_t len;

	if (q == NULL || sockaddr_unix(path, &sa, &len) != 0) {
		free(q);
		return NULL;
	}
	snprintf(q->name, sizeof(q->name), "%s", name);
	q->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (q->bev == NULL) {
		free(q);
		return NULL;
	}
	bufferevent_setcb(q->bev, on_read, NULL, on_event, q);
	bufferevent_enable(q->bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(q->bev, (struct sockaddr *)&sa, (int)len) != 0) {
		bufferevent_free(q->bev);
		free(q);
		return NULL;
	}
	return q;
}

bool qmp_ready(const struct qmp *q)
{
	return q != NULL && q->phase == QMP_READY;
}

/* Send a command whose reply goes to fn. */
int qmp_execute(struct qmp *q, const char *cmd, json_object *args, qmp_reply_fn fn, void *arg)
{
	json_object *msg = json_object_new_object();
	struct qmp_call *call = calloc(1, sizeof(*call)), **tail;
	const char *text;
	int rc = -1;

	if (msg == NULL || call == NULL || !qmp_ready(q) || q->doomed) {
		json_object_put(args);
		goto out;
	}
	call->id = ++q->next_id;
	json_object_object_add(msg, "execute", json_object_new_string(cmd));
	if (args != NULL)
		json_object_object_add(msg, "arguments", args);
	json_object_object_add(msg, "id", json_object_new_int64(call->id));
	text = json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN);
	if (bufferevent_write(q->bev, text, strlen(text)) != 0 ||
	    bufferevent_write(q->bev, "\n", 1) != 0)
		goto out;
	call->fn = fn;
	call->arg = arg;
	/* Append: QEMU answers in order, and the list stays short. */
	for (tail = &q->calls; *tail != NULL;)
		tail = &(*tail)->next;
	*tail = call;
	call = NULL;
	rc = 0;
out:
	json_object_put(msg);
	free(call);
	return rc;
}

/* Ask QEMU to quit. The loop may not run again (the daemon is exiting), so
 * the command is written to the socket directly. */
int qmp_quit(struct qmp *q)
{
	static const char cmd[] = "{\"execute\":\"quit\"}\n";
	int fd;

	if (!qmp_ready(q))
		return -1;
	bufferevent_flush(q->bev, EV_WRITE, BEV_FLUSH);
	fd = bufferevent_getfd(q->bev);
	return send(fd, cmd, sizeof(cmd) - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof(cmd) - 1) ? 0 : -1;
}

/* Close and free, now or (inside one of its callbacks) once they return. */
void qmp_destroy(struct qmp *q)
{
	if (q == NULL || q->doomed)
		return;
	q->doomed = true;
	q->busy++;
	bufferevent_disable(q->bev, EV_READ | EV_WRITE);
	fail_calls(q, "the replay is being stopped");
	leave(q);
}

void qmp_stop_qemu(struct qmp *q, pid_t pid, unsigned grace_ms, const char *name)
{
	if (qmp_quit(q) != 0)
		kill(pid, SIGTERM);
	if (!child_wait_exit(pid, grace_ms)) {
		log_warn("target %s: QEMU did not quit; killing it", name);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	log_info("target %s: QEMU stopped", name);
}

/* The QMP monitor the daemon sees: commands go to the current QEMU, one
 * at a time; the supervisor answers the capabilities handshake, `quit`
 * (every QEMU ends) and `info snapshots` (its checkpoints, which no single
 * QEMU holds) itself. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <json-c/json.h>

#include "backends/replay/sup/sup.h"

static void send_json(struct sup *s, json_object *o)
{
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);

	if (write(s->daemon_qmp, text, strlen(text)) < 0 || write(s->daemon_qmp, "\r\n", 2) < 0)
		sup_log("QMP reply lost: %s", strerror(errno));
	json_object_put(o);
}

void qmpserve_accept(struct sup *s)
{
	int fd = accept4(s->daemon_qmp_listen, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (s->daemon_qmp >= 0)
		close(s->daemon_qmp);
	s->daemon_qmp = fd;
	s->dq_len = 0;
	send_json(s, json_tokener_parse("{\"QMP\": {\"version\": {}, \"capabilities\": []}}"));
}

/* A forward seek leaves coarse checkpoints on its way (forward.c); if
 * that fails, QEMU still seeks. */
static void seek_forward_first(struct sup *s, json_object *args)
{
	json_object *icount;
	char *cause = NULL;

	if (json_object_object_get_ex(args, "icount", &icount) &&
	    forward_seek(s, (uint64_t)json_object_get_int64(icount), &cause) != 0)
		sup_log("no coarse checkpoints on this seek: %s", cause ? cause : "?");
	free(cause);
}

static json_object *answer(struct sup *s, const char *cmd, json_object *args, char **cause)
{
	json_object *line;

	if (strcmp(cmd, "qmp_capabilities") == 0)
		return json_object_new_object();
	if (strcmp(cmd, "quit") == 0)
		sup_exit(s, 0);
	if (strcmp(cmd, "human-monitor-command") == 0 &&
	    json_object_object_get_ex(args, "command-line", &line) &&
	    strcmp(json_object_get_string(line), "info snapshots") == 0) {
		char text[16384];

		ckpt_list(s, text, sizeof(text));
		return json_object_new_string(text);
	}
	if (strcmp(cmd, "replay-seek") == 0)
		seek_forward_first(s, args);
	return qemu_qmp(s->cur, cmd, json_object_get(args), cause);
}

static void serve(struct sup *s, json_object *msg)
{
	json_object *cmd, *args = NULL, *id = NULL, *ret, *reply = json_object_new_object();
	char *cause = NULL;

	json_object_object_get_ex(msg, "arguments", &args);
	json_object_object_get_ex(msg, "id", &id);
	if (!json_object_object_get_ex(msg, "execute", &cmd)) {
		json_object_put(reply);
		return;
	}
	ret = answer(s, json_object_get_string(cmd), args, &cause);
	if (ret != NULL) {
		json_object_object_add(reply, "return", ret);
	} else {
		json_object *err = json_object_new_object();

		json_object_object_add(err, "class", json_object_new_string("GenericError"));
		json_object_object_add(err, "desc", json_object_new_string(cause ? cause : "failed"));
		json_object_object_add(reply, "error", err);
	}
	if (id != NULL)
		json_object_object_add(reply, "id", json_object_get(id));
	free(cause);
	send_json(s, reply);
}

void qmpserve_read(struct sup *s)
{
	ssize_t n = read(s->daemon_qmp, s->dq_buf + s->dq_len, sizeof(s->dq_buf) - 1 - s->dq_len);
	char *nl;

	if (n <= 0) {
		close(s->daemon_qmp);
		s->daemon_qmp = -1;
		return;
	}
	s->dq_len += (size_t)n;
	while ((nl = memchr(s->dq_buf, '\n', s->dq_len)) != NULL) {
		size_t used = (size_t)(nl - s->dq_buf) + 1;
		json_object *msg;

		*nl = '\0';
		if ((msg = json_tokener_parse(s->dq_buf)) != NULL) {
			serve(s, msg);
			json_object_put(msg);
		}
		memmove(s->dq_buf, s->dq_buf + used, s->dq_len - used);
		s->dq_len -= used;
	}
	if (s->dq_len == sizeof(s->dq_buf) - 1)
		s->dq_len = 0;
}

/* Control requests: strict JSON, one known command, exactly its keys. */
#include "proxy/control/request.h"
#include "proxy/cause.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct ctl_command commands[] = {
	{ "target.add", CTL_TARGET_ADD, "target", CTL_ARG_OBJECT,
	  "start a target: {\"target\": {same keys as a config target}}" },
	{ "target.remove", CTL_TARGET_REMOVE, "name", CTL_ARG_NAME,
	  "stop a target and end its sessions: {\"name\": \"vm1\"}" },
	{ "target.list", CTL_TARGET_LIST, NULL, CTL_ARG_NONE,
	  "every target: state, pid, listeners, clients" },
	{ "client.list", CTL_CLIENT_LIST, NULL, CTL_ARG_NONE,
	  "every client: peer, user, targets and roles" },
	{ "client.kick", CTL_CLIENT_KICK, "id", CTL_ARG_ID,
	  "disconnect a client, as if it vanished: {\"id\": 3}" },
	{ "stats", CTL_STATS, NULL, CTL_ARG_NONE,
	  "uptime, counts, resident memory" },
	{ "record.start", CTL_RECORD_START, "record", CTL_ARG_OBJECT,
	  "record a tcg target of the config file: {\"record\": {\"target\": \"vm1\", "
	  "\"out\": \"/abs/dir\"}}" },
	{ "record.list", CTL_RECORD_LIST, NULL, CTL_ARG_NONE,
	  "the recordings started here: state, and what each recorded" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* "a, b or c" of every command name, for errors. */
static const char *command_names(void)
{
	static char names[512];

	if (names[0] == '\0')
		for (size_t i = 0, n = 0; i < N_COMMANDS && n < sizeof(names); i++)
			n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s",
					      i == 0 ? "" : i + 1 == N_COMMANDS ? " or " : ", ",
					      commands[i].name);
	return names;
}

/* The command called name, or NULL. */
const struct ctl_command *ctl_command_find(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* The i-th command, NULL past the end. */
const struct ctl_command *ctl_command_at(size_t i)
{
	return i < N_COMMANDS ? &commands[i] : NULL;
}

/* Parse one strict JSON value filling exactly len bytes. */
static json_object *parse_json(const char *line, size_t len, char **cause)
{
	json_tokener *tok;
	json_object *root;
	enum json_tokener_error err;
	size_t end;

	if (len >= INT_MAX || (tok = json_tokener_new()) == NULL) {
		cause_fail(cause, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	/* A NUL after the text tells json-c the input ends there. */
	root = json_tokener_parse_ex(tok, line, (int)len);
	if (root == NULL && json_tokener_get_error(tok) == json_tokener_continue)
		root = json_tokener_parse_ex(tok, "", 1);
	err = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (err != json_tokener_success) {
		json_object_put(root);
		cause_fail(cause, "JSON syntax error at column %zu: %s", end + 1,
		     json_tokener_error_desc(err));
		return NULL;
	}
	/* json-c stops at the end of the first value (or an embedded NUL). */
	if (end < len && strspn(line + end, " \t\r") != len - end) {
		json_object_put(root);
		cause_fail(cause, "JSON syntax error at column %zu: text after the request", end + 1);
		return NULL;
	}
	return root;
}

/* The command named by the request's "cmd". */
static const struct ctl_command *find_cmd(json_object *root, char **cause)
{
	json_object *v;
	const struct ctl_command *c;

	if (!json_object_object_get_ex(root, "cmd", &v)) {
		cause_fail(cause, "cmd: required");
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		cause_fail(cause, "cmd: expected a string");
		return NULL;
	}
	if ((c = ctl_command_find(json_object_get_string(v))) == NULL)
		cause_fail(cause, "cmd: unknown command \"%.64s\" (expected %s)",
			   json_object_get_string(v), command_names());
	return c;
}

/* Only "cmd", "comment" and the command's argument are allowed. */
static int check_keys(json_object *root, const struct ctl_command *c, char **cause)
{
	json_object_object_foreach(root, key, val) {
		(void)val;
		if (strcmp(key, "cmd") != 0 && strcmp(key, "comment") != 0 &&
		    (c->arg == NULL || strcmp(key, c->arg) != 0))
			return cause_fail(cause, "%.64s: unknown key for %s", key, c->name);
	}
	return 0;
}

/* Fill req's argument from the request, checking its type. */
static int take_arg(json_object *root, const struct ctl_command *c, struct ctl_request *req,
		    char **cause)
{
	json_object *v;
	int64_t id;

	if (c->type == CTL_ARG_NONE)
		return 0;
	if (!json_object_object_get_ex(root, c->arg, &v))
		return cause_fail(cause, "%s: required for %s", c->arg, c->name);
	switch (c->type) {
	case CTL_ARG_OBJECT:
		if (!json_object_is_type(v, json_type_object))
			return cause_fail(cause, "%s: expected an object", c->arg);
		req->target = v;
		return 0;
	case CTL_ARG_NAME:
		if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0)
			return cause_fail(cause, "%s: expected a non-empty string", c->arg);
		req->name = json_object_get_string(v);
		return 0;
	default:
		id = json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : 0;
		if (id < 1 || id > UINT32_MAX)
			return cause_fail(cause, "%s: expected an integer from 1 to %u", c->arg, UINT32_MAX);
		req->id = (uint32_t)id;
		return 0;
	}
}

/* Check a request object already parsed. */
int ctl_request_check(json_object *root, struct ctl_request *req, char **cause)
{
	const struct ctl_command *c;

	memset(req, 0, sizeof(*req));
	*cause = NULL;
	if (!json_object_is_type(root, json_type_object))
		return cause_fail(cause, "a request is a JSON object, e.g. {\"cmd\": \"target.list\"}");
	if ((c = find_cmd(root, cause)) == NULL || check_keys(root, c, cause) != 0 ||
	    take_arg(root, c, req, cause) != 0) {
		memset(req, 0, sizeof(*req));
		return -1;
	}
	req->command = c;
	req->root = json_object_get(root);
	return 0;
}

/* Parse and check one request line. */
int ctl_request_parse(const char *line, size_t len, struct ctl_request *req, char **cause)
{
	json_object *root;
	int r;

	memset(req, 0, sizeof(*req));
	*cause = NULL;
	if ((root = parse_json(line, len, cause)) == NULL)
		return -1;
	r = ctl_request_check(root, req, cause);
	json_object_put(root);
	return r;
}

/* Release a parsed request. */
void ctl_request_finish(struct ctl_request *req)
{
	json_object_put(req->root);
	memset(req, 0, sizeof(*req));
}

/* Control requests: one JSON object per line, checked against a table of
 * commands before anything acts on them. Pure: no I/O, no daemon state, so
 * both the daemon and `gdbhub ctl` (which checks what it is about to send)
 * use it. The wire protocol is in PROTOCOL.md. */
#ifndef GDBHUB_CONTROL_REQUEST_H
#define GDBHUB_CONTROL_REQUEST_H

#include <json.h>
#include <stddef.h>
#include <stdint.h>

/* Longest request line the daemon reads; a longer one closes the connection. */
#define CTL_MAX_LINE (1024 * 1024)

enum ctl_cmd {
	CTL_TARGET_ADD,
	CTL_TARGET_REMOVE,
	CTL_TARGET_LIST,
	CTL_CLIENT_LIST,
	CTL_CLIENT_KICK,
	CTL_STATS,
	CTL_RECORD_START,
	CTL_RECORD_LIST,
};

/* A command's one argument, if it takes one. */
enum ctl_arg_type {
	CTL_ARG_NONE,
	CTL_ARG_OBJECT,   /* a JSON object */
	CTL_ARG_NAME,     /* a non-empty string */
	CTL_ARG_ID,       /* an integer from 1 to UINT32_MAX */
};

struct ctl_command {
	const char *name;      /* "target.add" */
	enum ctl_cmd cmd;
	const char *arg;       /* the argument's key, NULL if none */
	enum ctl_arg_type type;
	const char *help;      /* one line, for usage messages */
};

struct ctl_request {
	const struct ctl_command *command;
	json_object *root;     /* the whole request; owns target and name */
	json_object *target;   /* target.add, record.start: the object argument */
	const char *name;      /* target.remove */
	uint32_t id;           /* client.kick */
};

/* The command called name, or NULL. */
const struct ctl_command *ctl_command_find(const char *name);

/* The i-th command of the table (0, 1, ...), NULL past the end. */
const struct ctl_command *ctl_command_at(size_t i);

/* Parse and check one request line of len bytes (no newline). Returns 0
 * with *req filled (release it with ctl_request_finish), or -1 with *cause
 * set to a one-line reason (malloc'd) and *req empty. */
int ctl_request_parse(const char *line, size_t len, struct ctl_request *req, char **cause);

/* Check a request object already parsed; takes a reference to root on
 * success. Same contract as ctl_request_parse. */
int ctl_request_check(json_object *root, struct ctl_request *req, char **cause);

/* Release a parsed request; an empty one is fine. */
void ctl_request_finish(struct ctl_request *req);

#endif

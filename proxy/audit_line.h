/* One audit log line: a JSON object built with json-c and serialized on one
 * line. Pure formatting over plain data, with no I/O and no clock (the
 * caller passes the time), so every field can be unit-tested. The format is
 * documented in config/KEYS.md, "Audit log". */
#ifndef GDBHUB_AUDIT_LINE_H
#define GDBHUB_AUDIT_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "proxy/policy/breakpoints.h"

struct json_object;

/* Who a line is about. */
struct audit_who {
	uint32_t client;
	const char *user;    /* the SSH login; "" for a trusted listener */
	const char *peer;
	const char *target;  /* NULL: no target (written as null) */
};

/* A line being built. A failed allocation marks it failed, and
 * audit_line_finish then gives nothing, so a line is never written with a
 * field silently missing. */
struct audit_line {
	struct json_object *obj;
	bool failed;
};

/* Start a line with the fields every line has: time, event, client, user,
 * peer, target. */
void audit_line_start(struct audit_line *l, const struct timespec *when, const char *event,
		      const struct audit_who *who);

/* Add a string field (NULL: null). Bytes outside ASCII become '?', so the
 * line is valid UTF-8 whatever a client sent. */
void audit_line_str(struct audit_line *l, const char *key, const char *value);

/* Add a string field from len bytes (not NUL-terminated), as audit_line_str. */
void audit_line_strn(struct audit_line *l, const char *key, const char *value, size_t len);

/* Add an integer field. */
void audit_line_int(struct audit_line *l, const char *key, int64_t value);

/* Add an address as a "0x..." string: JSON numbers lose 64-bit precision. */
void audit_line_addr(struct audit_line *l, const char *key, uint64_t value);

/* Add the fields of a resume: action ("continue", "step", "range", "stop",
 * or "other"), signal (the number a C/S action delivers, else null) and
 * packet (the request as the client sent it). The first vCont action
 * names the whole resume (gdb puts the thread it steps first). */
void audit_line_resume(struct audit_line *l, const char *pkt, size_t len);

/* The name of a Z/z type: sw, hw, watch_write, watch_read, watch_access. */
const char *audit_bp_type_name(enum bp_type type);

/* Serialize the line, ending in '\n', and free the object. Returns a
 * malloc'd string with its length in *len, or NULL if building or
 * serializing failed. */
char *audit_line_finish(struct audit_line *l, size_t *len);

/* Format when as UTC ISO-8601 with milliseconds, "2026-01-31T23:59:59.123Z",
 * into out (at least 25 bytes). */
void audit_format_time(const struct timespec *when, char *out, size_t cap);

#endif

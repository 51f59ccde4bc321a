/* One audit log line, built with json-c. */
#include "proxy/audit_line.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

/* Format when as UTC ISO-8601 with milliseconds. */
void audit_format_time(const struct timespec *when, char *out, size_t cap)
{
	unsigned ms = (unsigned)(when->tv_nsec / 1000000) % 1000u;
	struct tm tm;
	char day[24];

	gmtime_r(&when->tv_sec, &tm);
	if (strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		day[0] = '\0';
	snprintf(out, cap, "%s.%03uZ", day, ms);
}

/* Add value under key; a NULL value from a failed allocation fails the line
 * (NULL is also json-c's null, so the caller says which it meant). */
static void add(struct audit_line *l, const char *key, struct json_object *value,
		bool want_null)
{
	if (l->failed)
		goto drop;
	if ((value == NULL && !want_null) || json_object_object_add(l->obj, key, value) != 0) {
		l->failed = true;
		goto drop;
	}
	return;
drop:
	json_object_put(value);
}

/* Add len bytes as a string field; non-ASCII bytes become '?'. */
void audit_line_strn(struct audit_line *l, const char *key, const char *value, size_t len)
{
	char *copy = malloc(len + 1);

	if (copy == NULL) {
		l->failed = true;
		return;
	}
	for (size_t i = 0; i < len; i++)
		copy[i] = (unsigned char)value[i] < 0x80 ? value[i] : '?';
	add(l, key, json_object_new_string_len(copy, (int)len), false);
	free(copy);
}

/* Add a string field, or null. */
void audit_line_str(struct audit_line *l, const char *key, const char *value)
{
	if (value == NULL)
		add(l, key, NULL, true);
	else
		audit_line_strn(l, key, value, strlen(value));
}

/* Add an integer field. */
void audit_line_int(struct audit_line *l, const char *key, int64_t value)
{
	add(l, key, json_object_new_int64(value), false);
}

/* Add an address as a hex string. */
void audit_line_addr(struct audit_line *l, const char *key, uint64_t value)
{
	char hex[24];

	snprintf(hex, sizeof(hex), "0x%" PRIx64, value);
	audit_line_str(l, key, hex);
}

/* Start a line with the fields every line has. */
void audit_line_start(struct audit_line *l, const struct timespec *when, const char *event,
		      const struct audit_who *who)
{
	char stamp[40];

	l->obj = json_object_new_object();
	l->failed = l->obj == NULL;
	audit_format_time(when, stamp, sizeof(stamp));
	audit_line_str(l, "time", stamp);
	audit_line_str(l, "event", event);
	audit_line_int(l, "client", who->client);
	audit_line_str(l, "user", who->user);
	audit_line_str(l, "peer", who->peer);
	audit_line_str(l, "target", who->target);
}

/* What a resume letter does. */
static const char *resume_action(char letter)
{
	switch (letter) {
	case 'c': case 'C': return "continue";
	case 's': case 'S': return "step";
	case 'r': return "range";
	case 't': return "stop";
	default: return "other";
	}
}

/* The signal a C/S action delivers (two hex digits after the letter), or -1. */
static int resume_signal(const char *act, const char *end)
{
	char hex[3];

	if ((act[0] != 'C' && act[0] != 'S') || end - act < 3)
		return -1;
	memcpy(hex, act + 1, 2);
	hex[2] = '\0';
	return (int)strtol(hex, NULL, 16);
}

/* Add action, signal and packet of a resume request. */
void audit_line_resume(struct audit_line *l, const char *pkt, size_t len)
{
	const char *act = pkt, *end = pkt + len;
	int sig;

	if (len > 6 && memcmp(pkt, "vCont;", 6) == 0)
		act = pkt + 6;
	sig = act < end ? resume_signal(act, end) : -1;
	audit_line_str(l, "action", resume_action(act < end ? *act : '\0'));
	if (sig < 0)
		add(l, "signal", NULL, true);
	else
		audit_line_int(l, "signal", sig);
	audit_line_strn(l, "packet", pkt, len);
}

/* The name of a Z/z type. */
const char *audit_bp_type_name(enum bp_type type)
{
	static const char *const names[] = {
		[BP_SOFTWARE] = "sw",
		[BP_HARDWARE] = "hw",
		[BP_WATCH_WRITE] = "watch_write",
		[BP_WATCH_READ] = "watch_read",
		[BP_WATCH_ACCESS] = "watch_access",
	};

	return (unsigned)type < sizeof(names) / sizeof(names[0]) ? names[type] : "unknown";
}

/* Serialize the line with its newline and free the object. */
char *audit_line_finish(struct audit_line *l, size_t *len)
{
	const char *text = NULL;
	char *out = NULL;
	size_t n;

	if (!l->failed)
		text = json_object_to_json_string_ext(l->obj, JSON_C_TO_STRING_PLAIN |
						      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text != NULL && (out = malloc((n = strlen(text)) + 2)) != NULL) {
		memcpy(out, text, n);
		out[n] = '\n';
		out[n + 1] = '\0';
		*len = n + 1;
	}
	json_object_put(l->obj);
	l->obj = NULL;
	return out;
}

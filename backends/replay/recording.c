/* recording.json: read and write with json-c. Unknown keys are ignored, so
 * a newer gdbhub's recording still replays here when nothing needed moved. */
#include "backends/replay/recording.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "proxy/cause.h"

#define RECORDING_FORMAT 1

/* A required string member, copied; a file name must be a plain name in the
 * folder, so a recording cannot point the replay elsewhere. */
static int get_string(json_object *obj, const char *key, bool required, bool file_name,
		      char **out, char **cause)
{
	json_object *v;
	const char *s;

	*out = NULL;
	if (!json_object_object_get_ex(obj, key, &v) || json_object_is_type(v, json_type_null)) {
		if (required)
			return cause_fail(cause, "recording.json: %s: required", key);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return cause_fail(cause, "recording.json: %s: expected a string", key);
	s = json_object_get_string(v);
	if (file_name && (*s == '\0' || strchr(s, '/') != NULL || strcmp(s, "..") == 0 ||
			  strcmp(s, ".") == 0))
		return cause_fail(cause, "recording.json: %s: not a file name in the folder (%s)",
				  key, s);
	if ((*out = strdup(s)) == NULL)
		return cause_fail(cause, "out of memory");
	return 0;
}

/* A required unsigned integer member within min..max. */
static int get_uint(json_object *obj, const char *key, uint64_t min, uint64_t max,
		    uint64_t *out, char **cause)
{
	json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(obj, key, &v))
		return cause_fail(cause, "recording.json: %s: required", key);
	if (!json_object_is_type(v, json_type_int))
		return cause_fail(cause, "recording.json: %s: expected an integer", key);
	n = json_object_get_int64(v);
	if (n < 0 || (uint64_t)n < min || (uint64_t)n > max)
		return cause_fail(cause, "recording.json: %s: must be from %" PRIu64 " to %" PRIu64,
				  key, min, max);
	*out = (uint64_t)n;
	return 0;
}

/* A required boolean member. */
static int get_bool(json_object *obj, const char *key, bool *out, char **cause)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_boolean))
		return cause_fail(cause, "recording.json: %s: expected true or false", key);
	*out = json_object_get_boolean(v);
	return 0;
}

/* A required array of strings, copied NULL-terminated. */
static int get_strings(json_object *obj, const char *key, char ***out, size_t *n, char **cause)
{
	json_object *arr;
	size_t len;

	*out = NULL;
	*n = 0;
	if (!json_object_object_get_ex(obj, key, &arr) || !json_object_is_type(arr, json_type_array))
		return cause_fail(cause, "recording.json: %s: expected an array of strings", key);
	len = json_object_array_length(arr);
	if ((*out = calloc(len + 1, sizeof(**out))) == NULL)
		return cause_fail(cause, "out of memory");
	for (size_t i = 0; i < len; i++) {
		json_object *v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_string))
			return cause_fail(cause, "recording.json: %s[%zu]: expected a string", key, i);
		if (((*out)[i] = strdup(json_object_get_string(v))) == NULL)
			return cause_fail(cause, "out of memory");
		*n = i + 1;
	}
	return 0;
}

/* The "guest" object: what VM ran. */
static int parse_guest(json_object *g, struct recording *rec, char **cause)
{
	uint64_t mb, cpus;

	if (!json_object_is_type(g, json_type_object))
		return cause_fail(cause, "recording.json: guest: expected an object");
	if (get_string(g, "name", true, false, &rec->guest, cause) < 0 ||
	    get_string(g, "arch", true, false, &rec->arch, cause) < 0 ||
	    get_string(g, "kernel", true, true, &rec->kernel, cause) < 0 ||
	    get_string(g, "kernel_source", false, false, &rec->kernel_source, cause) < 0 ||
	    get_string(g, "cmdline", false, false, &rec->cmdline, cause) < 0 ||
	    get_uint(g, "memory_mb", 1, 65536, &mb, cause) < 0 ||
	    get_uint(g, "cpus", 1, 64, &cpus, cause) < 0 ||
	    get_strings(g, "qemu_args", &rec->qemu_args, &rec->n_qemu_args, cause) < 0)
		return -1;
	rec->memory_mb = (unsigned)mb;
	rec->cpus = (unsigned)cpus;
	return 0;
}

/* The exit: "end" is "exit" (the guest ended QEMU) or "limit". */
static int parse_end(json_object *root, struct recording *rec, char **cause)
{
	char *end;
	uint64_t status;

	if (get_string(root, "end", true, false, &end, cause) < 0)
		return -1;
	rec->ended_by_limit = strcmp(end, "limit") == 0;
	if (!rec->ended_by_limit && strcmp(end, "exit") != 0) {
		cause_fail(cause, "recording.json: end: expected \"exit\" or \"limit\", got \"%s\"", end);
		free(end);
		return -1;
	}
	free(end);
	if (get_uint(root, "exit_status", 0, 255, &status, cause) < 0)
		return -1;
	rec->exit_status = (int)status;
	return 0;
}

int recording_parse(const char *json, struct recording *rec, char **cause)
{
	json_object *root = json_tokener_parse(json), *guest;
	uint64_t format, shift;
	int rc = -1;

	memset(rec, 0, sizeof(*rec));
	*cause = NULL;
	if (root == NULL || !json_object_is_type(root, json_type_object)) {
		cause_fail(cause, "recording.json: not a JSON object");
		goto out;
	}
	if (get_uint(root, "format", RECORDING_FORMAT, RECORDING_FORMAT, &format, cause) < 0)
		goto out;
	if (!json_object_object_get_ex(root, "guest", &guest)) {
		cause_fail(cause, "recording.json: guest: required");
		goto out;
	}
	if (parse_guest(guest, rec, cause) < 0 ||
	    get_uint(root, "icount_shift", 0, 10, &shift, cause) < 0 ||
	    get_string(root, "qemu_version", true, false, &rec->qemu_version, cause) < 0 ||
	    get_strings(root, "qemu_command", &rec->qemu_command, &rec->n_qemu_command, cause) < 0 ||
	    get_uint(root, "icount", 0, INT64_MAX, &rec->icount, cause) < 0 ||
	    get_bool(root, "icount_exact", &rec->icount_exact, cause) < 0 ||
	    parse_end(root, rec, cause) < 0 ||
	    get_string(root, "date", true, false, &rec->date, cause) < 0)
		goto out;
	rec->icount_shift = (unsigned)shift;
	rc = 0;
out:
	json_object_put(root);
	if (rc != 0)
		recording_free(rec);
	return rc;
}

/* Read a whole small file; NULL with errno set on failure. */
static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && n < (1 << 20) &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
		}
	}
	fclose(f);
	return buf;
}

bool recording_vapic_off(const struct recording *rec)
{
	for (size_t i = 0; i + 1 < rec->n_qemu_args; i++)
		if (strcmp(rec->qemu_args[i], "-global") == 0 &&
		    strcmp(rec->qemu_args[i + 1], RECORDING_VAPIC_OFF) == 0)
			return true;
	return false;
}

bool recording_live_snapshots(const struct recording *rec)
{
	return strcmp(rec->arch, "aarch64") == 0 || strcmp(rec->arch, "riscv64") == 0 ||
	       recording_vapic_off(rec);
}

int recording_load(const char *dir, struct recording *rec, char **cause)
{
	char path[4096];
	char *text;
	int rc;

	memset(rec, 0, sizeof(*rec));
	snprintf(path, sizeof(path), "%s/%s", dir, RECORDING_JSON);
	if ((text = read_file(path)) == NULL)
		return cause_fail(cause, "%s: cannot read: %s", path, strerror(errno));
	rc = recording_parse(text, rec, cause);
	free(text);
	if (rc != 0) {
		char *inner = *cause;
		*cause = NULL;
		cause_fail(cause, "%s/%s", dir, inner != NULL ? inner : "unreadable");
		free(inner);
	}
	return rc;
}

/* A JSON string, or null for NULL. */
static json_object *string_or_null(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

static json_object *strings(char *const *v, size_t n)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, json_object_new_string(v[i]));
	return arr;
}

/* The JSON document for rec. */
static json_object *to_json(const struct recording *rec)
{
	json_object *root = json_object_new_object(), *g = json_object_new_object();

	json_object_object_add(g, "name", json_object_new_string(rec->guest));
	json_object_object_add(g, "arch", json_object_new_string(rec->arch));
	json_object_object_add(g, "kernel", json_object_new_string(rec->kernel));
	json_object_object_add(g, "kernel_source", string_or_null(rec->kernel_source));
	json_object_object_add(g, "cmdline", string_or_null(rec->cmdline));
	json_object_object_add(g, "memory_mb", json_object_new_int64(rec->memory_mb));
	json_object_object_add(g, "cpus", json_object_new_int64(rec->cpus));
	json_object_object_add(g, "qemu_args", strings(rec->qemu_args, rec->n_qemu_args));
	json_object_object_add(root, "format", json_object_new_int(RECORDING_FORMAT));
	json_object_object_add(root, "guest", g);
	json_object_object_add(root, "event_log", json_object_new_string(RECORDING_EVENT_LOG));
	json_object_object_add(root, "disk", json_object_new_string(RECORDING_DISK));
	json_object_object_add(root, "snapshot", json_object_new_string(RECORDING_SNAPSHOT));
	json_object_object_add(root, "serial", json_object_new_string(RECORDING_SERIAL));
	json_object_object_add(root, "icount_shift", json_object_new_int64(rec->icount_shift));
	json_object_object_add(root, "qemu_version", json_object_new_string(rec->qemu_version));
	json_object_object_add(root, "qemu_command", strings(rec->qemu_command, rec->n_qemu_command));
	json_object_object_add(root, "icount", json_object_new_int64((int64_t)rec->icount));
	json_object_object_add(root, "icount_exact", json_object_new_boolean(rec->icount_exact));
	json_object_object_add(root, "end", json_object_new_string(rec->ended_by_limit ? "limit" : "exit"));
	json_object_object_add(root, "exit_status", json_object_new_int(rec->exit_status));
	json_object_object_add(root, "date", json_object_new_string(rec->date));
	return root;
}

int recording_write(const char *dir, const struct recording *rec, char **cause)
{
	char path[4096], tmp[4200];
	json_object *root = to_json(rec);
	const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	FILE *f;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, RECORDING_JSON);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL)
		rc = cause_fail(cause, "%s: cannot write: %s", tmp, strerror(errno));
	else if ((fprintf(f, "%s\n", text) < 0) | (fclose(f) != 0) || rename(tmp, path) != 0)
		rc = cause_fail(cause, "%s: cannot write: %s", path, strerror(errno));
	json_object_put(root);
	return rc;
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

void recording_free(struct recording *rec)
{
	if (rec == NULL)
		return;
	free(rec->guest);
	free(rec->arch);
	free(rec->kernel);
	free(rec->kernel_source);
	free(rec->cmdline);
	free_strings(rec->qemu_args, rec->n_qemu_args);
	free(rec->qemu_version);
	free_strings(rec->qemu_command, rec->n_qemu_command);
	free(rec->date);
	memset(rec, 0, sizeof(*rec));
}

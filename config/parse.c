/* The JSON config parser's shared helpers (internal to config/): one error
 * per parse, as "WHERE.KEY: message", and typed accessors that record it. */
#include "config/parse.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Roles a config may name, in enum cfg_role order from CFG_ROLE_CONTROL. */
static const char *const role_names[] = { "control", "observe" };

/* vasprintf returning NULL on failure, since asprintf leaves its pointer undefined. */
static char *cfg_vformat(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

/* Format into a new string; NULL when out of memory. */
char *cfg_format(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = cfg_vformat(fmt, ap);
	va_end(ap);
	return s;
}

/* Messages quote config values; flatten control characters so one error is one line. */
char *cfg_one_line(char *s)
{
	for (char *c = s; c != NULL && *c != '\0'; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	}
	return s;
}

/* Set *cause (if the caller wants it) to a one-line message; returns -1. */
int cfg_set_cause(char **cause, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = cfg_one_line(cfg_vformat(fmt, ap));
	va_end(ap);
	if (cause != NULL)
		*cause = s;
	else
		free(s);
	return -1;
}

/* Record the first error as "WHERE.KEY: message"; returns -1 for tail calls. */
int cfg_fail(struct parser *p, const char *where, const char *key, const char *fmt, ...)
{
	const char *dot = (*where != '\0' && key != NULL) ? "." : "";
	va_list ap;
	char *msg;

	if (p->cause != NULL)
		return -1;
	va_start(ap, fmt);
	msg = cfg_vformat(fmt, ap);
	va_end(ap);
	if (msg == NULL)
		return -1;
	if (*where == '\0' && key == NULL)
		where = "(root)";
	p->cause = cfg_one_line(cfg_format("%s%s%s: %s", where, dot, key != NULL ? key : "", msg));
	free(msg);
	return -1;
}

/* Record an allocation failure; there is no key path to blame. */
int cfg_oom(struct parser *p)
{
	if (p->cause == NULL)
		p->cause = cfg_format("out of memory");
	return -1;
}

/* Copy s into *dst. */
int cfg_dup_into(struct parser *p, char **dst, const char *s)
{
	if ((*dst = strdup(s)) == NULL)
		return cfg_oom(p);
	return 0;
}

/* Index of s in a table of names, or -1. */
int cfg_find_name(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(names[i], s) == 0)
			return (int)i;
	}
	return -1;
}

/* "a, b or c": the choices a table allows, for error messages. */
char *cfg_list_names(const char *const *names, size_t n)
{
	char *s = strdup(names[0]);
	char *next;

	for (size_t i = 1; s != NULL && i < n; i++) {
		next = cfg_format("%s%s%s", s, i + 1 == n ? " or " : ", ", names[i]);
		free(s);
		s = next;
	}
	return s;
}

/* Join a relative path to dir, keeping "..": the result is for open(), not display. */
char *cfg_join_path(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	if (path[0] == '/')
		return strdup(path);
	return cfg_format("%s%s%s", dir, n > 0 && dir[n - 1] == '/' ? "" : "/", path);
}

/* Make a path absolute against the working folder; NULL with errno set. */
char *cfg_absolute_path(const char *path)
{
	char *cwd, *abs;

	if (path[0] == '/')
		return strdup(path);
	if ((cwd = getcwd(NULL, 0)) == NULL)
		return NULL;
	abs = cfg_join_path(cwd, path);
	free(cwd);
	return abs;
}

/* The folder of an absolute path: "/a/b.json" -> "/a", "/b.json" -> "/". */
char *cfg_parent_dir(const char *abs)
{
	const char *slash = strrchr(abs, '/');

	return strndup(abs, slash == abs ? 1 : (size_t)(slash - abs));
}

/* Host names, IPv4 and IPv6 literals (with a %zone) use only these. */
static bool cfg_valid_host(const char *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= 'A' && h[i] <= 'Z') ||
		      (h[i] >= '0' && h[i] <= '9') || strchr(".-_:%", h[i]) != NULL))
			return false;
	}
	return true;
}

/* A decimal port 0..65535: digits only, so "+80" or " 80" are refused. */
static int cfg_parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > 65535)
			return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

/* Parse "HOST:PORT" or "[IPV6]:PORT" into a malloc'd host and a port. */
int config_parse_host_port(const char *s, char **host, uint16_t *port, char **cause)
{
	const char *h, *colon, *close;
	size_t n;

	*host = NULL;
	*port = 0;
	if (cause != NULL)
		*cause = NULL;
	if (s == NULL)
		return cfg_set_cause(cause, "expected \"HOST:PORT\", got nothing");
	if (s[0] == '[') {
		close = strchr(s, ']');
		if (close == NULL || close[1] != ':')
			return cfg_set_cause(cause, "expected \"[IPV6]:PORT\", got \"%s\"", s);
		h = s + 1;
		n = (size_t)(close - h);
		colon = close + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return cfg_set_cause(cause, "expected \"HOST:PORT\", got \"%s\"", s);
		h = s;
		n = (size_t)(colon - s);
		if (memchr(h, ':', n) != NULL)
			return cfg_set_cause(cause, "IPv6 address must be in brackets, as \"[%.*s]:PORT\"",
				(int)n, h);
	}
	if (n == 0)
		return cfg_set_cause(cause, "missing host in \"%s\"", s);
	if (!cfg_valid_host(h, n))
		return cfg_set_cause(cause, "invalid host \"%.*s\"", (int)n, h);
	if (cfg_parse_port(colon + 1, port) < 0)
		return cfg_set_cause(cause, "port must be an integer from 0 to 65535, got \"%s\"", colon + 1);
	if ((*host = strndup(h, n)) == NULL) {
		*port = 0;
		return cfg_set_cause(cause, "out of memory");
	}
	return 0;
}

/* Refuse unknown keys and other backends' keys: a typo must not become a default. */
int cfg_check_keys(struct parser *p, json_object *obj, const char *where,
	const struct key_rule *rules, size_t n, unsigned mask, const char *backend)
{
	struct json_object_iterator it = json_object_iter_begin(obj);
	struct json_object_iterator end = json_object_iter_end(obj);
	const struct key_rule *rule;
	const char *key;

	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		key = json_object_iter_peek_name(&it);
		rule = NULL;
		for (size_t i = 0; i < n && rule == NULL; i++) {
			if (strcmp(rules[i].key, key) == 0)
				rule = &rules[i];
		}
		if (rule == NULL)
			return cfg_fail(p, where, key, "unknown key");
		if ((rule->backends & mask) == 0)
			return cfg_fail(p, where, key, "not allowed with backend \"%s\"", backend);
	}
	return 0;
}

/* Check that v is a string C can hold: json-c allows "\u0000", strlen stops there. */
int cfg_string_value(struct parser *p, json_object *v, const char *where, const char *key,
	const char **out)
{
	const char *s;

	*out = NULL;
	if (!json_object_is_type(v, json_type_string))
		return cfg_fail(p, where, key, "expected a string");
	s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v))
		return cfg_fail(p, where, key, "must not contain a NUL character");
	*out = s;
	return 0;
}

/* Fetch an optional string member; *out is NULL if absent. */
int cfg_opt_string(struct parser *p, json_object *obj, const char *where, const char *key,
	const char **out)
{
	json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	return cfg_string_value(p, v, where, key, out);
}

/* Fetch an optional string member as a copy; *out is NULL if absent. */
int cfg_opt_string_dup(struct parser *p, json_object *obj, const char *where,
	const char *key, char **out)
{
	const char *s;

	if (cfg_opt_string(p, obj, where, key, &s) < 0)
		return -1;
	return s == NULL ? 0 : cfg_dup_into(p, out, s);
}

/* Fetch an optional integer member in [min, max]; *out = def if absent. */
int cfg_opt_uint(struct parser *p, json_object *obj, const char *where, const char *key,
	unsigned min, unsigned max, unsigned def, unsigned *out)
{
	json_object *v;
	int64_t n;

	*out = def;
	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	/* json-c saturates out-of-range integers, which the range check then refuses. */
	n = json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : -1;
	if (n < (int64_t)min || n > (int64_t)max)
		return cfg_fail(p, where, key, "must be an integer from %u to %u", min, max);
	*out = (unsigned)n;
	return 0;
}

/* Make a non-empty path absolute against the config's folder. */
int cfg_resolve_path(struct parser *p, const char *where, const char *key, const char *s,
	char **out)
{
	if (*s == '\0')
		return cfg_fail(p, where, key, "must not be empty");
	if ((*out = cfg_join_path(p->cfg->dir, s)) == NULL)
		return cfg_oom(p);
	return 0;
}

/* Fetch an optional path member, stored absolute; *out is NULL if absent. */
int cfg_opt_path(struct parser *p, json_object *obj, const char *where, const char *key,
	char **out)
{
	const char *s;

	if (cfg_opt_string(p, obj, where, key, &s) < 0)
		return -1;
	return s == NULL ? 0 : cfg_resolve_path(p, where, key, s, out);
}

/* Fetch an optional array member; *out is NULL if absent. */
int cfg_opt_array(struct parser *p, json_object *obj, const char *where, const char *key,
	json_object **out)
{
	*out = NULL;
	if (!json_object_object_get_ex(obj, key, out))
		return 0;
	if (!json_object_is_type(*out, json_type_array))
		return cfg_fail(p, where, key, "expected an array");
	return 0;
}

/* Fail with "unknown WHAT "s" (expected a, b or c)" from a table of names. */
int cfg_fail_choice(struct parser *p, const char *where, const char *key, const char *what,
	const char *s, const char *const *names, size_t n)
{
	char *choices = cfg_list_names(names, n);

	if (choices == NULL)
		return cfg_oom(p);
	cfg_fail(p, where, key, "unknown %s \"%s\" (expected %s)", what, s, choices);
	free(choices);
	return -1;
}

/* Fetch an optional member naming one of a table's choices; *out = -1 if absent. */
int cfg_opt_choice(struct parser *p, json_object *obj, const char *where, const char *key,
	const char *what, const char *const *names, size_t n, int *out)
{
	const char *s;

	*out = -1;
	if (cfg_opt_string(p, obj, where, key, &s) < 0)
		return -1;
	if (s == NULL)
		return 0;
	if ((*out = cfg_find_name(names, n, s)) < 0)
		return cfg_fail_choice(p, where, key, what, s, names, n);
	return 0;
}

/* Fetch an optional role member; *out = def if absent. */
int cfg_opt_role(struct parser *p, json_object *obj, const char *where, const char *key,
	enum cfg_role def, enum cfg_role *out)
{
	int i;

	*out = def;
	if (cfg_opt_choice(p, obj, where, key, "role", role_names, COUNT(role_names), &i) < 0)
		return -1;
	if (i >= 0)
		*out = (enum cfg_role)(CFG_ROLE_CONTROL + i);
	return 0;
}

/* A file the daemon reads later must be there now, so its absence is a
 * config error with a key path, not a failure at first use. */
int cfg_check_readable_file(struct parser *p, const char *where, const char *key,
	const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return cfg_fail(p, where, key, "no such file (%s)", path);
		return cfg_fail(p, where, key, "%s (%s)", strerror(errno), path);
	}
	if (!S_ISREG(st.st_mode))
		return cfg_fail(p, where, key, "not a regular file (%s)", path);
	if (access(path, R_OK) < 0)
		return cfg_fail(p, where, key, "not readable (%s)", path);
	return 0;
}

/* Fetch an optional array of strings; NULL and 0 if absent. Each string is
 * checked with ok (NULL: any non-empty string), whose failure names "what". */
int cfg_opt_string_array(struct parser *p, json_object *obj, const char *where, const char *key,
	bool (*ok)(const char *), const char *what, char ***out, size_t *n)
{
	char entry[160];
	json_object *arr;
	const char *s;

	*out = NULL;
	*n = 0;
	if (cfg_opt_array(p, obj, where, key, &arr) < 0)
		return -1;
	if (arr == NULL)
		return 0;
	if ((*out = calloc(json_object_array_length(arr) + 1, sizeof(**out))) == NULL)
		return cfg_oom(p);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		snprintf(entry, sizeof(entry), "%s[%zu]", key, i);
		if (cfg_string_value(p, json_object_array_get_idx(arr, i), where, entry, &s) < 0)
			return -1;
		if (*s == '\0' || (ok != NULL && !ok(s)))
			return cfg_fail(p, where, entry, "not a valid %s: \"%s\"", what, s);
		if (cfg_dup_into(p, &(*out)[i], s) < 0)
			return -1;
		*n = i + 1;
	}
	return 0;
}

/* Free what cfg_opt_string_array made. */
void cfg_free_strings(char **v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

/* Names end up in socket and file names and in logs, so keep them to a safe set. */
bool cfg_valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CFG_NAME_MAX_LEN)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

/* Fetch an optional array of objects: *items gets one zeroed elem_size
 * element per entry, which each() fills from its object, at key path
 * "KEY[i]". *n counts the entries begun, so each() can look back at earlier
 * ones and config_free frees what was filled. */
int cfg_opt_object_array(struct parser *p, json_object *obj, const char *key, size_t elem_size,
	void **items, size_t *n, int (*each)(struct parser *, json_object *, const char *, void *))
{
	char where[64];
	json_object *arr, *v;
	size_t len;

	if (cfg_opt_array(p, obj, "", key, &arr) < 0)
		return -1;
	if (arr == NULL || (len = json_object_array_length(arr)) == 0)
		return 0;
	if ((*items = calloc(len, elem_size)) == NULL)
		return cfg_oom(p);
	for (size_t i = 0; i < len; i++) {
		snprintf(where, sizeof(where), "%s[%zu]", key, i);
		*n = i + 1;
		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_object))
			return cfg_fail(p, where, NULL, "expected an object");
		if (each(p, v, where, (char *)*items + i * elem_size) < 0)
			return -1;
	}
	return 0;
}

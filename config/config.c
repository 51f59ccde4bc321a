/* The daemon's JSON config: parsed with json-c, validated, copied into the
 * typed structs of config.h. The full reference with examples is KEYS.md.
 *
 * Root object:
 *   runtime_dir  string, optional. Folder for the daemon's sockets and state;
 *                absent: the daemon picks one.
 *   listen       array of listen entries, optional, may be empty. Hub
 *                endpoints, each serving every target.
 *   targets      array of targets, required, at least one.
 *   comment      any value, optional, ignored (allowed in every object).
 *
 * Listen entry, exactly one of:
 *   tcp          "HOST:PORT", IPv6 as "[::1]:PORT". Port 0..65535, 0 lets the
 *                kernel pick.
 *   unix         socket path, at most 107 bytes once made absolute.
 * and optionally:
 *   role         "control" or "observe": what this listener's clients may do;
 *                absent: the target's default_role.
 *
 * Target:
 *   name         required. 1..64 of A-Z a-z 0-9 _ . - , unique, not "." or "..".
 *   backend      required. "tcg" (QEMU spawned by the daemon) or "remote" (a
 *                stub already running).
 *   listen       array of listen entries, optional. Endpoints serving this
 *                target only.
 *   default_role optional. "control" (default) or "observe": the role of
 *                clients whose listener sets none.
 *   on_last_detach
 *                optional. "resume" (default) or "stay": whether a stopped VM
 *                runs on once its last controller leaves.
 *   arch         tcg, required. "i386" or "x86_64".
 *   kernel       tcg, required. Path of an existing, readable regular file.
 *   cmdline      tcg, optional. Kernel command line.
 *   memory_mb    tcg, optional. Integer 1..65536, default 64.
 *   cpus         tcg, optional. Integer 1..64, default 1.
 *   serial       tcg, optional. Path of the COM1 log; absent: output discarded.
 *   qemu_args    tcg, optional. Array of strings appended to QEMU's command
 *                line; the options gdbhub sets itself (-kernel, -append, -m,
 *                -smp, -gdb, -s) are refused.
 *   gdb          remote, required. "unix:PATH" or "HOST:PORT" (port 1..65535).
 *
 * Keys of the other backend are errors, as are unknown keys, so typos surface.
 * Relative paths (runtime_dir, kernel, serial, unix listen paths, gdb's
 * unix:PATH) are joined to the config file's folder and stored absolute. */
#include "config/config.h"

#include <errno.h>
#include <json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* sun_path also holds the terminating NUL. */
#define UNIX_PATH_MAX_LEN (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)
/* Configs are small; a cap catches a path pointing at a kernel image. */
#define CONFIG_MAX_BYTES (1024 * 1024)
#define NAME_MAX_LEN 64
#define DEFAULT_MEMORY_MB 64
#define DEFAULT_CPUS 1

/* Which backends accept a target key, as a mask of 1 << cfg_backend_kind. */
enum {
	FOR_TCG = 1u << CFG_BACKEND_TCG,
	FOR_REMOTE = 1u << CFG_BACKEND_REMOTE,
	FOR_ALL = FOR_TCG | FOR_REMOTE,
};

struct key_rule {
	const char *key;
	unsigned backends;
};

static const struct key_rule root_keys[] = {
	{ "comment", FOR_ALL },
	{ "runtime_dir", FOR_ALL },
	{ "listen", FOR_ALL },
	{ "targets", FOR_ALL },
};

static const struct key_rule listen_keys[] = {
	{ "comment", FOR_ALL },
	{ "tcp", FOR_ALL },
	{ "unix", FOR_ALL },
	{ "role", FOR_ALL },
};

static const struct key_rule target_keys[] = {
	{ "comment", FOR_ALL },
	{ "name", FOR_ALL },
	{ "backend", FOR_ALL },
	{ "listen", FOR_ALL },
	{ "default_role", FOR_ALL },
	{ "on_last_detach", FOR_ALL },
	{ "arch", FOR_TCG },
	{ "kernel", FOR_TCG },
	{ "cmdline", FOR_TCG },
	{ "memory_mb", FOR_TCG },
	{ "cpus", FOR_TCG },
	{ "serial", FOR_TCG },
	{ "qemu_args", FOR_TCG },
	{ "gdb", FOR_REMOTE },
};

static const char *const backend_names[] = {
	[CFG_BACKEND_TCG] = "tcg",
	[CFG_BACKEND_REMOTE] = "remote",
};

/* Roles a config may name, in enum cfg_role order from CFG_ROLE_CONTROL. */
static const char *const role_names[] = { "control", "observe" };

/* on_last_detach values; the index is stay_on_last_detach. */
static const char *const detach_names[] = { "resume", "stay" };

/* Architectures the tcg backend knows how to start QEMU for. */
static const char *const tcg_arches[] = { "i386", "x86_64" };

/* QEMU options gdbhub passes itself; a second copy in qemu_args would fight
 * them. "use" names the key that sets the option, NULL if none does. */
static const struct {
	const char *opt;
	const char *use;
} owned_qemu_opts[] = {
	{ "-kernel", "kernel" },
	{ "-append", "cmdline" },
	{ "-m", "memory_mb" },
	{ "-smp", "cpus" },
	{ "-gdb", NULL },
	{ "-s", NULL },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct parser {
	struct config *cfg;  /* being filled; the caller frees it whole on error */
	char *cause;         /* the first error, malloc'd */
};

/* vasprintf returning NULL on failure, since asprintf leaves its pointer undefined. */
static char *vformat(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

/* Format into a new string; NULL when out of memory. */
static char *format(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vformat(fmt, ap);
	va_end(ap);
	return s;
}

/* Messages quote config values; flatten control characters so one error is one line. */
static char *one_line(char *s)
{
	for (char *c = s; c != NULL && *c != '\0'; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	}
	return s;
}

/* Set *cause (if the caller wants it) to a one-line message; returns -1. */
static int set_cause(char **cause, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = one_line(vformat(fmt, ap));
	va_end(ap);
	if (cause != NULL)
		*cause = s;
	else
		free(s);
	return -1;
}

/* Record the first error as "WHERE.KEY: message"; returns -1 for tail calls. */
static int fail(struct parser *p, const char *where, const char *key, const char *fmt, ...)
{
	const char *dot = (*where != '\0' && key != NULL) ? "." : "";
	va_list ap;
	char *msg;

	if (p->cause != NULL)
		return -1;
	va_start(ap, fmt);
	msg = vformat(fmt, ap);
	va_end(ap);
	if (msg == NULL)
		return -1;
	if (*where == '\0' && key == NULL)
		where = "(root)";
	p->cause = one_line(format("%s%s%s: %s", where, dot, key != NULL ? key : "", msg));
	free(msg);
	return -1;
}

/* Record an allocation failure; there is no key path to blame. */
static int oom(struct parser *p)
{
	if (p->cause == NULL)
		p->cause = format("out of memory");
	return -1;
}

/* Copy s into *dst. */
static int dup_into(struct parser *p, char **dst, const char *s)
{
	if ((*dst = strdup(s)) == NULL)
		return oom(p);
	return 0;
}

/* Index of s in a table of names, or -1. */
static int find_name(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(names[i], s) == 0)
			return (int)i;
	}
	return -1;
}

/* "a, b or c": the choices a table allows, for error messages. */
static char *list_names(const char *const *names, size_t n)
{
	char *s = strdup(names[0]);
	char *next;

	for (size_t i = 1; s != NULL && i < n; i++) {
		next = format("%s%s%s", s, i + 1 == n ? " or " : ", ", names[i]);
		free(s);
		s = next;
	}
	return s;
}

/* Join a relative path to dir, keeping "..": the result is for open(), not display. */
static char *join_path(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	if (path[0] == '/')
		return strdup(path);
	return format("%s%s%s", dir, n > 0 && dir[n - 1] == '/' ? "" : "/", path);
}

/* Make a path absolute against the working folder; NULL with errno set. */
static char *absolute_path(const char *path)
{
	char *cwd, *abs;

	if (path[0] == '/')
		return strdup(path);
	if ((cwd = getcwd(NULL, 0)) == NULL)
		return NULL;
	abs = join_path(cwd, path);
	free(cwd);
	return abs;
}

/* The folder of an absolute path: "/a/b.json" -> "/a", "/b.json" -> "/". */
static char *parent_dir(const char *abs)
{
	const char *slash = strrchr(abs, '/');

	return strndup(abs, slash == abs ? 1 : (size_t)(slash - abs));
}

/* Host names, IPv4 and IPv6 literals (with a %zone) use only these. */
static bool valid_host(const char *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= 'A' && h[i] <= 'Z') ||
		      (h[i] >= '0' && h[i] <= '9') || strchr(".-_:%", h[i]) != NULL))
			return false;
	}
	return true;
}

/* A decimal port 0..65535: digits only, so "+80" or " 80" are refused. */
static int parse_port(const char *s, uint16_t *port)
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
		return set_cause(cause, "expected \"HOST:PORT\", got nothing");
	if (s[0] == '[') {
		close = strchr(s, ']');
		if (close == NULL || close[1] != ':')
			return set_cause(cause, "expected \"[IPV6]:PORT\", got \"%s\"", s);
		h = s + 1;
		n = (size_t)(close - h);
		colon = close + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return set_cause(cause, "expected \"HOST:PORT\", got \"%s\"", s);
		h = s;
		n = (size_t)(colon - s);
		if (memchr(h, ':', n) != NULL)
			return set_cause(cause, "IPv6 address must be in brackets, as \"[%.*s]:PORT\"",
				(int)n, h);
	}
	if (n == 0)
		return set_cause(cause, "missing host in \"%s\"", s);
	if (!valid_host(h, n))
		return set_cause(cause, "invalid host \"%.*s\"", (int)n, h);
	if (parse_port(colon + 1, port) < 0)
		return set_cause(cause, "port must be an integer from 0 to 65535, got \"%s\"", colon + 1);
	if ((*host = strndup(h, n)) == NULL) {
		*port = 0;
		return set_cause(cause, "out of memory");
	}
	return 0;
}

/* Refuse unknown keys and other backends' keys: a typo must not become a default. */
static int check_keys(struct parser *p, json_object *obj, const char *where,
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
			return fail(p, where, key, "unknown key");
		if ((rule->backends & mask) == 0)
			return fail(p, where, key, "not allowed with backend \"%s\"", backend);
	}
	return 0;
}

/* Check that v is a string C can hold: json-c allows "\u0000", strlen stops there. */
static int string_value(struct parser *p, json_object *v, const char *where, const char *key,
	const char **out)
{
	const char *s;

	*out = NULL;
	if (!json_object_is_type(v, json_type_string))
		return fail(p, where, key, "expected a string");
	s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v))
		return fail(p, where, key, "must not contain a NUL character");
	*out = s;
	return 0;
}

/* Fetch an optional string member; *out is NULL if absent. */
static int opt_string(struct parser *p, json_object *obj, const char *where, const char *key,
	const char **out)
{
	json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	return string_value(p, v, where, key, out);
}

/* Fetch an optional string member as a copy; *out is NULL if absent. */
static int opt_string_dup(struct parser *p, json_object *obj, const char *where,
	const char *key, char **out)
{
	const char *s;

	if (opt_string(p, obj, where, key, &s) < 0)
		return -1;
	return s == NULL ? 0 : dup_into(p, out, s);
}

/* Fetch an optional integer member in [min, max]; *out = def if absent. */
static int opt_uint(struct parser *p, json_object *obj, const char *where, const char *key,
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
		return fail(p, where, key, "must be an integer from %u to %u", min, max);
	*out = (unsigned)n;
	return 0;
}

/* Make a non-empty path absolute against the config's folder. */
static int resolve_path(struct parser *p, const char *where, const char *key, const char *s,
	char **out)
{
	if (*s == '\0')
		return fail(p, where, key, "must not be empty");
	if ((*out = join_path(p->cfg->dir, s)) == NULL)
		return oom(p);
	return 0;
}

/* Fetch an optional path member, stored absolute; *out is NULL if absent. */
static int opt_path(struct parser *p, json_object *obj, const char *where, const char *key,
	char **out)
{
	const char *s;

	if (opt_string(p, obj, where, key, &s) < 0)
		return -1;
	return s == NULL ? 0 : resolve_path(p, where, key, s, out);
}

/* Fetch an optional array member; *out is NULL if absent. */
static int opt_array(struct parser *p, json_object *obj, const char *where, const char *key,
	json_object **out)
{
	*out = NULL;
	if (!json_object_object_get_ex(obj, key, out))
		return 0;
	if (!json_object_is_type(*out, json_type_array))
		return fail(p, where, key, "expected an array");
	return 0;
}

/* Fail with "unknown WHAT "s" (expected a, b or c)" from a table of names. */
static int fail_choice(struct parser *p, const char *where, const char *key, const char *what,
	const char *s, const char *const *names, size_t n)
{
	char *choices = list_names(names, n);

	if (choices == NULL)
		return oom(p);
	fail(p, where, key, "unknown %s \"%s\" (expected %s)", what, s, choices);
	free(choices);
	return -1;
}

/* Fetch an optional member naming one of a table's choices; *out = -1 if absent. */
static int opt_choice(struct parser *p, json_object *obj, const char *where, const char *key,
	const char *what, const char *const *names, size_t n, int *out)
{
	const char *s;

	*out = -1;
	if (opt_string(p, obj, where, key, &s) < 0)
		return -1;
	if (s == NULL)
		return 0;
	if ((*out = find_name(names, n, s)) < 0)
		return fail_choice(p, where, key, what, s, names, n);
	return 0;
}

/* Fetch an optional role member; *out = def if absent. */
static int opt_role(struct parser *p, json_object *obj, const char *where, const char *key,
	enum cfg_role def, enum cfg_role *out)
{
	int i;

	*out = def;
	if (opt_choice(p, obj, where, key, "role", role_names, COUNT(role_names), &i) < 0)
		return -1;
	if (i >= 0)
		*out = (enum cfg_role)(CFG_ROLE_CONTROL + i);
	return 0;
}

/* bind() and connect() would fail later on a path sun_path cannot hold. */
static int check_unix_path(struct parser *p, const char *where, const char *key, const char *path)
{
	if (strlen(path) > UNIX_PATH_MAX_LEN)
		return fail(p, where, key, "path longer than %zu bytes (%s)", UNIX_PATH_MAX_LEN, path);
	return 0;
}

/* Fill a TCP listen entry from "HOST:PORT". */
static int parse_listen_tcp(struct parser *p, json_object *v, const char *where,
	struct cfg_listen *l)
{
	const char *s;
	char *cause;

	l->kind = CFG_LISTEN_TCP;
	if (string_value(p, v, where, "tcp", &s) < 0)
		return -1;
	if (config_parse_host_port(s, &l->host, &l->port, &cause) < 0) {
		if (cause == NULL)
			return oom(p);
		fail(p, where, "tcp", "%s", cause);
		free(cause);
		return -1;
	}
	return 0;
}

/* Fill a unix listen entry with its absolute socket path. */
static int parse_listen_unix(struct parser *p, json_object *v, const char *where,
	struct cfg_listen *l)
{
	const char *s;

	l->kind = CFG_LISTEN_UNIX;
	if (string_value(p, v, where, "unix", &s) < 0 ||
	    resolve_path(p, where, "unix", s, &l->path) < 0)
		return -1;
	return check_unix_path(p, where, "unix", l->path);
}

/* Parse one {"tcp": ...} or {"unix": ...} object, with its optional role. */
static int parse_listen_entry(struct parser *p, json_object *obj, const char *where,
	struct cfg_listen *l)
{
	json_object *tcp, *unx;
	bool has_tcp, has_unix;

	if (!json_object_is_type(obj, json_type_object))
		return fail(p, where, NULL, "expected an object");
	if (check_keys(p, obj, where, listen_keys, COUNT(listen_keys), FOR_ALL, NULL) < 0)
		return -1;
	has_tcp = json_object_object_get_ex(obj, "tcp", &tcp);
	has_unix = json_object_object_get_ex(obj, "unix", &unx);
	if (has_tcp == has_unix)
		return fail(p, where, NULL, "expected exactly one of \"tcp\" or \"unix\"");
	if ((has_tcp ? parse_listen_tcp(p, tcp, where, l) : parse_listen_unix(p, unx, where, l)) < 0)
		return -1;
	return opt_role(p, obj, where, "role", CFG_ROLE_DEFAULT, &l->role);
}

/* Parse the optional "listen" array of obj (the root or a target). */
static int parse_listens(struct parser *p, json_object *obj, const char *where,
	struct cfg_listen **out, size_t *count)
{
	char entry[96];
	json_object *arr;
	size_t n;

	if (opt_array(p, obj, where, "listen", &arr) < 0)
		return -1;
	if (arr == NULL || (n = json_object_array_length(arr)) == 0)
		return 0;
	if ((*out = calloc(n, sizeof(**out))) == NULL)
		return oom(p);
	*count = n;
	for (size_t i = 0; i < n; i++) {
		snprintf(entry, sizeof(entry), "%s%slisten[%zu]", where, *where != '\0' ? "." : "", i);
		if (parse_listen_entry(p, json_object_array_get_idx(arr, i), entry, &(*out)[i]) < 0)
			return -1;
	}
	return 0;
}

/* Names end up in socket and file names, so keep them to a safe set. */
static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > NAME_MAX_LEN)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

/* Parse the name of target i, unique among targets 0..i-1. */
static int parse_name(struct parser *p, json_object *obj, const char *where, size_t i)
{
	struct cfg_target *targets = p->cfg->targets;
	const char *s;

	if (opt_string(p, obj, where, "name", &s) < 0)
		return -1;
	if (s == NULL)
		return fail(p, where, "name", "required");
	if (!valid_name(s))
		return fail(p, where, "name", "must be 1 to %d characters from A-Z a-z 0-9 _ . -",
			NAME_MAX_LEN);
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return fail(p, where, "name", "\".\" and \"..\" are reserved");
	for (size_t j = 0; j < i; j++) {
		if (strcmp(targets[j].name, s) == 0)
			return fail(p, where, "name", "duplicate target name \"%s\"", s);
	}
	return dup_into(p, &targets[i].name, s);
}

/* Parse the required backend kind. */
static int parse_backend(struct parser *p, json_object *obj, const char *where,
	struct cfg_target *t)
{
	const char *s;
	int i;

	if (opt_string(p, obj, where, "backend", &s) < 0)
		return -1;
	if (s == NULL)
		return fail(p, where, "backend", "required");
	if ((i = find_name(backend_names, COUNT(backend_names), s)) < 0)
		return fail_choice(p, where, "backend", "backend", s, backend_names,
			COUNT(backend_names));
	t->backend = (enum cfg_backend_kind)i;
	return 0;
}

/* Parse the guest architecture from the table tcg supports. */
static int parse_arch(struct parser *p, json_object *obj, const char *where, struct cfg_target *t)
{
	const char *s;

	if (opt_string(p, obj, where, "arch", &s) < 0)
		return -1;
	if (s == NULL)
		return fail(p, where, "arch", "required for backend \"tcg\"");
	if (find_name(tcg_arches, COUNT(tcg_arches), s) < 0)
		return fail_choice(p, where, "arch", "arch", s, tcg_arches, COUNT(tcg_arches));
	return dup_into(p, &t->arch, s);
}

/* QEMU reports a bad kernel late and vaguely, so check it here. */
static int check_kernel(struct parser *p, const char *where, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return fail(p, where, "kernel", "no such file (%s)", path);
		return fail(p, where, "kernel", "%s (%s)", strerror(errno), path);
	}
	if (!S_ISREG(st.st_mode))
		return fail(p, where, "kernel", "not a regular file (%s)", path);
	if (access(path, R_OK) < 0)
		return fail(p, where, "kernel", "not readable (%s)", path);
	return 0;
}

/* Parse the required kernel path, which must exist now. */
static int parse_kernel(struct parser *p, json_object *obj, const char *where,
	struct cfg_target *t)
{
	if (opt_path(p, obj, where, "kernel", &t->kernel) < 0)
		return -1;
	if (t->kernel == NULL)
		return fail(p, where, "kernel", "required for backend \"tcg\"");
	return check_kernel(p, where, t->kernel);
}

/* The key that replaces a QEMU option gdbhub owns; "" if none, NULL if not owned. */
static const char *owned_qemu_opt(const char *arg)
{
	/* QEMU accepts "--opt" as "-opt". */
	if (arg[0] == '-' && arg[1] == '-')
		arg++;
	for (size_t i = 0; i < COUNT(owned_qemu_opts); i++) {
		if (strcmp(owned_qemu_opts[i].opt, arg) == 0)
			return owned_qemu_opts[i].use != NULL ? owned_qemu_opts[i].use : "";
	}
	return NULL;
}

/* Allocate the NULL-terminated argument array, empty when n is 0. */
static int alloc_qemu_args(struct parser *p, struct cfg_target *t, size_t n)
{
	if ((t->qemu_args = calloc(n + 1, sizeof(*t->qemu_args))) == NULL)
		return oom(p);
	t->n_qemu_args = n;
	return 0;
}

/* Check and copy one qemu_args element. */
static int parse_qemu_arg(struct parser *p, json_object *v, const char *where, char **out)
{
	const char *s, *use;

	if (string_value(p, v, where, NULL, &s) < 0)
		return -1;
	if ((use = owned_qemu_opt(s)) != NULL)
		return fail(p, where, NULL, "\"%s\" is set by gdbhub%s%s", s,
			*use != '\0' ? "; use " : "", use);
	return dup_into(p, out, s);
}

/* Parse the optional extra QEMU arguments. */
static int parse_qemu_args(struct parser *p, json_object *obj, const char *where,
	struct cfg_target *t)
{
	char entry[64];
	json_object *arr;
	size_t n;

	if (opt_array(p, obj, where, "qemu_args", &arr) < 0)
		return -1;
	n = arr != NULL ? json_object_array_length(arr) : 0;
	if (alloc_qemu_args(p, t, n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		snprintf(entry, sizeof(entry), "%s.qemu_args[%zu]", where, i);
		if (parse_qemu_arg(p, json_object_array_get_idx(arr, i), entry, &t->qemu_args[i]) < 0)
			return -1;
	}
	return 0;
}

/* Parse the keys of a tcg target. */
static int parse_tcg(struct parser *p, json_object *obj, const char *where, struct cfg_target *t)
{
	if (parse_arch(p, obj, where, t) < 0 ||
	    parse_kernel(p, obj, where, t) < 0 ||
	    opt_string_dup(p, obj, where, "cmdline", &t->cmdline) < 0 ||
	    opt_uint(p, obj, where, "memory_mb", 1, 65536, DEFAULT_MEMORY_MB, &t->memory_mb) < 0 ||
	    opt_uint(p, obj, where, "cpus", 1, 64, DEFAULT_CPUS, &t->cpus) < 0 ||
	    opt_path(p, obj, where, "serial", &t->serial) < 0 ||
	    parse_qemu_args(p, obj, where, t) < 0)
		return -1;
	return 0;
}

/* Store gdb as "unix:" and the absolute socket path. */
static int parse_gdb_unix(struct parser *p, const char *where, const char *path,
	struct cfg_target *t)
{
	char *abs;

	if (*path == '\0')
		return fail(p, where, "gdb", "missing path after \"unix:\"");
	if (resolve_path(p, where, "gdb", path, &abs) < 0)
		return -1;
	if (check_unix_path(p, where, "gdb", abs) < 0) {
		free(abs);
		return -1;
	}
	t->gdb = format("unix:%s", abs);
	free(abs);
	return t->gdb == NULL ? oom(p) : 0;
}

/* Check "HOST:PORT" of a stub to connect to, where port 0 means nothing. */
static int parse_gdb_tcp(struct parser *p, const char *where, const char *s,
	struct cfg_target *t)
{
	char *host, *cause;
	uint16_t port;

	if (strchr(s, ':') == NULL)
		return fail(p, where, "gdb", "expected \"unix:PATH\" or \"HOST:PORT\", got \"%s\"", s);
	if (config_parse_host_port(s, &host, &port, &cause) < 0) {
		if (cause == NULL)
			return oom(p);
		fail(p, where, "gdb", "%s", cause);
		free(cause);
		return -1;
	}
	free(host);
	if (port == 0)
		return fail(p, where, "gdb", "port must be from 1 to 65535");
	return dup_into(p, &t->gdb, s);
}

/* Parse the keys of a remote target. */
static int parse_remote(struct parser *p, json_object *obj, const char *where,
	struct cfg_target *t)
{
	const char *s;

	if (alloc_qemu_args(p, t, 0) < 0 || opt_string(p, obj, where, "gdb", &s) < 0)
		return -1;
	if (s == NULL)
		return fail(p, where, "gdb", "required for backend \"remote\"");
	if (strncmp(s, "unix:", 5) == 0)
		return parse_gdb_unix(p, where, s + 5, t);
	return parse_gdb_tcp(p, where, s, t);
}

/* Parse what clients may do with a target and what happens when they leave. */
static int parse_policy(struct parser *p, json_object *obj, const char *where,
	struct cfg_target *t)
{
	int i;

	if (opt_role(p, obj, where, "default_role", CFG_ROLE_CONTROL, &t->default_role) < 0 ||
	    opt_choice(p, obj, where, "on_last_detach", "value", detach_names,
		COUNT(detach_names), &i) < 0)
		return -1;
	t->stay_on_last_detach = i == 1;
	return 0;
}

/* Parse target i: common keys, then the backend's own. */
static int parse_target(struct parser *p, json_object *obj, size_t i)
{
	struct cfg_target *t = &p->cfg->targets[i];
	char where[32];

	snprintf(where, sizeof(where), "targets[%zu]", i);
	/* Defaults hold for every backend so readers need not check which. */
	t->memory_mb = DEFAULT_MEMORY_MB;
	t->cpus = DEFAULT_CPUS;
	t->default_role = CFG_ROLE_CONTROL;
	if (!json_object_is_type(obj, json_type_object))
		return fail(p, where, NULL, "expected an object");
	if (check_keys(p, obj, where, target_keys, COUNT(target_keys), FOR_ALL, NULL) < 0 ||
	    parse_name(p, obj, where, i) < 0 ||
	    parse_backend(p, obj, where, t) < 0 ||
	    check_keys(p, obj, where, target_keys, COUNT(target_keys), 1u << t->backend,
		backend_names[t->backend]) < 0 ||
	    (t->backend == CFG_BACKEND_TCG ? parse_tcg(p, obj, where, t) :
		parse_remote(p, obj, where, t)) < 0 ||
	    parse_policy(p, obj, where, t) < 0)
		return -1;
	return parse_listens(p, obj, where, &t->listen, &t->n_listen);
}

/* Parse the required, non-empty "targets" array. */
static int parse_targets(struct parser *p, json_object *root)
{
	struct config *cfg = p->cfg;
	json_object *arr;
	size_t n;

	if (opt_array(p, root, "", "targets", &arr) < 0)
		return -1;
	if (arr == NULL)
		return fail(p, "", "targets", "required");
	if ((n = json_object_array_length(arr)) == 0)
		return fail(p, "", "targets", "must list at least one target");
	if ((cfg->targets = calloc(n, sizeof(*cfg->targets))) == NULL)
		return oom(p);
	cfg->n_targets = n;
	for (size_t i = 0; i < n; i++) {
		if (parse_target(p, json_object_array_get_idx(arr, i), i) < 0)
			return -1;
	}
	return 0;
}

/* The k-th listen entry, root's then each target's, its key path in where; NULL past the end. */
static const struct cfg_listen *listen_at(const struct config *cfg, size_t k, char *where,
	size_t size)
{
	if (k < cfg->n_listen) {
		snprintf(where, size, "listen[%zu]", k);
		return &cfg->listen[k];
	}
	k -= cfg->n_listen;
	for (size_t i = 0; i < cfg->n_targets; i++) {
		if (k < cfg->targets[i].n_listen) {
			snprintf(where, size, "targets[%zu].listen[%zu]", i, k);
			return &cfg->targets[i].listen[k];
		}
		k -= cfg->targets[i].n_listen;
	}
	return NULL;
}

/* Whether binding both a and b would collide (port 0 never does). */
static bool same_endpoint(const struct cfg_listen *a, const struct cfg_listen *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == CFG_LISTEN_UNIX)
		return strcmp(a->path, b->path) == 0;
	return a->port != 0 && a->port == b->port && strcmp(a->host, b->host) == 0;
}

/* Report listen entry a, at where, as clashing with an earlier one at other. */
static int fail_clash(struct parser *p, const char *where, const struct cfg_listen *a,
	const char *other)
{
	bool v6 = a->kind == CFG_LISTEN_TCP && strchr(a->host, ':') != NULL;

	if (a->kind == CFG_LISTEN_UNIX)
		return fail(p, where, "unix", "%s is already used by %s", a->path, other);
	return fail(p, where, "tcp", "%s%s%s:%u is already used by %s", v6 ? "[" : "", a->host,
		v6 ? "]" : "", a->port, other);
}

/* Two entries on one address would fail only at bind time; name both now. */
static int check_listen_clashes(struct parser *p)
{
	char where[96], other[96];
	const struct cfg_listen *a, *b;

	for (size_t k = 1; (a = listen_at(p->cfg, k, where, sizeof(where))) != NULL; k++) {
		for (size_t j = 0; j < k; j++) {
			b = listen_at(p->cfg, j, other, sizeof(other));
			if (same_endpoint(a, b))
				return fail_clash(p, where, a, other);
		}
	}
	return 0;
}

/* Validate the root object and fill p->cfg from it. */
static int parse_root(struct parser *p, json_object *root)
{
	struct config *cfg = p->cfg;

	if (!json_object_is_type(root, json_type_object))
		return fail(p, "", NULL, "not a JSON object");
	if (check_keys(p, root, "", root_keys, COUNT(root_keys), FOR_ALL, NULL) < 0 ||
	    opt_path(p, root, "", "runtime_dir", &cfg->runtime_dir) < 0 ||
	    parse_listens(p, root, "", &cfg->listen, &cfg->n_listen) < 0 ||
	    parse_targets(p, root) < 0)
		return -1;
	return check_listen_clashes(p);
}

/* Report a syntax error at the line and column where json-c stopped. */
static int fail_syntax(struct parser *p, const char *file, const char *text, size_t offset,
	const char *desc)
{
	size_t line = 1, col = 1;

	for (size_t i = 0; i < offset; i++) {
		col++;
		if (text[i] == '\n') {
			line++;
			col = 1;
		}
	}
	if (p->cause == NULL)
		p->cause = one_line(format("%s%sJSON syntax error at line %zu, column %zu: %s",
			file != NULL ? file : "", file != NULL ? ": " : "", line, col, desc));
	return -1;
}

/* Parse text (len bytes plus a terminating NUL) as one strict JSON value. */
static int parse_json(struct parser *p, const char *text, size_t len, const char *file,
	json_object **root)
{
	json_tokener *tok;
	enum json_tokener_error err;
	size_t end;

	*root = NULL;
	if (len >= INT_MAX)
		return fail_syntax(p, file, text, 0, "text too large");
	if ((tok = json_tokener_new()) == NULL)
		return oom(p);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	/* Counting the NUL tells json-c the input ends there, so "{" is an error, not "more to come". */
	*root = json_tokener_parse_ex(tok, text, (int)len + 1);
	err = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (err != json_tokener_success)
		return fail_syntax(p, file, text, end, json_tokener_error_desc(err));
	/* json-c stops at an embedded NUL and calls it success. */
	if (end < len)
		return fail_syntax(p, file, text, end, "unexpected character");
	return 0;
}

/* Parse text into cfg; on success hand cfg to *out, else free it and pass on the cause. */
static int finish(struct config *cfg, const char *text, size_t len, const char *file,
	struct config **out, char **cause)
{
	struct parser p = { .cfg = cfg };
	json_object *root;
	int r;

	r = parse_json(&p, text, len, file, &root);
	if (r == 0)
		r = parse_root(&p, root);
	json_object_put(root);
	if (r < 0) {
		config_free(cfg);
		if (cause != NULL)
			*cause = p.cause;
		else
			free(p.cause);
		return -1;
	}
	*out = cfg;
	return 0;
}

/* Start an empty config whose paths resolve against dir (taken over). */
static struct config *config_new(char *path, char *dir)
{
	struct config *cfg;

	if (dir == NULL || (cfg = calloc(1, sizeof(*cfg))) == NULL) {
		free(path);
		free(dir);
		return NULL;
	}
	cfg->path = path;
	cfg->dir = dir;
	return cfg;
}

/* Parse a JSON string; relative paths resolve against base_dir (the working folder if NULL). */
int config_parse(const char *json, const char *base_dir, struct config **out, char **cause)
{
	struct config *cfg;

	*out = NULL;
	if (cause != NULL)
		*cause = NULL;
	if (json == NULL)
		return set_cause(cause, "no JSON text");
	cfg = config_new(NULL, base_dir != NULL ? absolute_path(base_dir) : getcwd(NULL, 0));
	if (cfg == NULL)
		return set_cause(cause, "cannot resolve the base folder: %s", strerror(errno));
	return finish(cfg, json, strlen(json), NULL, out, cause);
}

/* Read a whole file, NUL-terminated; -1 with errno set on failure. */
static int read_file(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;
	int saved;

	*text = NULL;
	if (f == NULL)
		return -1;
	if ((buf = malloc(CONFIG_MAX_BYTES + 2)) == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, CONFIG_MAX_BYTES + 1, f);
	saved = ferror(f) ? errno : n > CONFIG_MAX_BYTES ? EFBIG : 0;
	fclose(f);
	if (saved != 0) {
		free(buf);
		errno = saved;
		return -1;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

/* Load and validate the config file at path. */
int config_load(const char *path, struct config **out, char **cause)
{
	struct config *cfg;
	char *abs, *text;
	size_t len;
	int r;

	*out = NULL;
	if (cause != NULL)
		*cause = NULL;
	if (path == NULL || *path == '\0')
		return set_cause(cause, "no config file named");
	if (read_file(path, &text, &len) < 0)
		return set_cause(cause, "%s: cannot read: %s", path, strerror(errno));
	abs = absolute_path(path);
	if ((cfg = config_new(abs, abs != NULL ? parent_dir(abs) : NULL)) == NULL) {
		free(text);
		return set_cause(cause, "%s: cannot resolve the path: %s", path, strerror(errno));
	}
	r = finish(cfg, text, len, path, out, cause);
	free(text);
	return r;
}

/* Free listen entries and their array. */
static void free_listens(struct cfg_listen *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(l[i].host);
		free(l[i].path);
	}
	free(l);
}

/* Free what a target owns; fields never filled are NULL. */
static void free_target(struct cfg_target *t)
{
	free(t->name);
	free(t->arch);
	free(t->kernel);
	free(t->cmdline);
	free(t->serial);
	for (size_t i = 0; t->qemu_args != NULL && i < t->n_qemu_args; i++)
		free(t->qemu_args[i]);
	free(t->qemu_args);
	free(t->gdb);
	free_listens(t->listen, t->n_listen);
}

/* Free a config, complete or abandoned halfway through parsing; NULL is fine. */
void config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->n_targets; i++)
		free_target(&cfg->targets[i]);
	free(cfg->targets);
	free_listens(cfg->listen, cfg->n_listen);
	free(cfg->runtime_dir);
	free(cfg->dir);
	free(cfg->path);
	free(cfg);
}

/* Look up a target by name; NULL if none. */
const struct cfg_target *config_find_target(const struct config *cfg, const char *name)
{
	if (cfg == NULL || name == NULL)
		return NULL;
	for (size_t i = 0; i < cfg->n_targets; i++) {
		if (strcmp(cfg->targets[i].name, name) == 0)
			return &cfg->targets[i];
	}
	return NULL;
}

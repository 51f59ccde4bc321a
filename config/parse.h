/* Internal to config/: the parser state and the helpers that every part of
 * the config (targets, listeners, users and access rules) parses with. Each
 * helper records the first error as "WHERE.KEY: message" and returns -1, so
 * callers chain them with ||. */
#ifndef GDBHUB_CONFIG_PARSE_H
#define GDBHUB_CONFIG_PARSE_H

#include <json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#include "config/config.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* sun_path also holds the terminating NUL. */
#define UNIX_PATH_MAX_LEN (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

/* Which backends accept a target key, as a mask of 1 << cfg_backend_kind. */
enum {
	FOR_TCG = 1u << CFG_BACKEND_TCG,
	FOR_REMOTE = 1u << CFG_BACKEND_REMOTE,
	FOR_KVM = 1u << CFG_BACKEND_KVM,
	FOR_REPLAY = 1u << CFG_BACKEND_REPLAY,
	FOR_VM = FOR_TCG | FOR_KVM,       /* the backends that boot a kernel themselves */
	FOR_ALL = FOR_TCG | FOR_REMOTE | FOR_KVM | FOR_REPLAY,
};

struct key_rule {
	const char *key;
	unsigned backends;
};

struct parser {
	struct config *cfg;  /* being filled; the caller frees it whole on error */
	char *cause;         /* the first error, malloc'd */
};

/* Strings: NULL when out of memory. */
char *cfg_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *cfg_one_line(char *s);
char *cfg_list_names(const char *const *names, size_t n);
char *cfg_join_path(const char *dir, const char *path);
char *cfg_absolute_path(const char *path);
char *cfg_parent_dir(const char *abs);
int cfg_find_name(const char *const *names, size_t n, const char *s);

/* Set *cause (if wanted) to a one-line message; returns -1. */
int cfg_set_cause(char **cause, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Record the first error; return -1. */
int cfg_fail(struct parser *p, const char *where, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int cfg_oom(struct parser *p);
int cfg_fail_choice(struct parser *p, const char *where, const char *key, const char *what,
	const char *s, const char *const *names, size_t n);

int cfg_dup_into(struct parser *p, char **dst, const char *s);

/* Refuse keys not in rules, and keys whose backends exclude mask. */
int cfg_check_keys(struct parser *p, json_object *obj, const char *where,
	const struct key_rule *rules, size_t n, unsigned mask, const char *backend);

/* Typed members; "opt" ones leave the default (NULL, -1, def) when absent. */
int cfg_string_value(struct parser *p, json_object *v, const char *where, const char *key,
	const char **out);
int cfg_opt_string(struct parser *p, json_object *obj, const char *where, const char *key,
	const char **out);
int cfg_opt_string_dup(struct parser *p, json_object *obj, const char *where,
	const char *key, char **out);
int cfg_opt_uint(struct parser *p, json_object *obj, const char *where, const char *key,
	unsigned min, unsigned max, unsigned def, unsigned *out);
int cfg_resolve_path(struct parser *p, const char *where, const char *key, const char *s,
	char **out);
int cfg_opt_path(struct parser *p, json_object *obj, const char *where, const char *key,
	char **out);
int cfg_opt_array(struct parser *p, json_object *obj, const char *where, const char *key,
	json_object **out);
int cfg_opt_choice(struct parser *p, json_object *obj, const char *where, const char *key,
	const char *what, const char *const *names, size_t n, int *out);
int cfg_opt_role(struct parser *p, json_object *obj, const char *where, const char *key,
	enum cfg_role def, enum cfg_role *out);

/* A path the daemon will read: an existing, readable regular file. */
int cfg_check_readable_file(struct parser *p, const char *where, const char *key,
	const char *path);

/* An optional array of strings, each non-empty and passing ok (if given). */
int cfg_opt_string_array(struct parser *p, json_object *obj, const char *where, const char *key,
	bool (*ok)(const char *), const char *what, char ***out, size_t *n);
void cfg_free_strings(char **v, size_t n);

/* An optional root array of objects under key, each parsed by each() into
 * one element of *items (elem_size bytes, zeroed first). */
int cfg_opt_object_array(struct parser *p, json_object *obj, const char *key, size_t elem_size,
	void **items, size_t *n, int (*each)(struct parser *, json_object *, const char *, void *));

/* Target and user names: 1..CFG_NAME_MAX_LEN of A-Z a-z 0-9 _ . - */
#define CFG_NAME_MAX_LEN 64
bool cfg_valid_name(const char *s);

/* Sections with files of their own (config/access.c). */
int cfg_parse_users(struct parser *p, json_object *root);
int cfg_parse_access(struct parser *p, json_object *root);
int cfg_parse_ssh_limits(struct parser *p, json_object *root);
void cfg_free_access(struct config *cfg);

#endif

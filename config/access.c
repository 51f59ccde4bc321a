/* The config's people: "users" (who may log in over SSH, with which keys and
 * groups), "access" (which user may do what with which targets) and "ssh"
 * (limits on logins). The daemon's policy layer applies the rules; here they
 * are only checked and copied.
 *
 *   users   [ {"name": "alice", "authorized_keys": "keys/alice.pub",
 *              "groups": ["kernel"]} ]
 *   access  [ {"users": ["alice"], "groups": ["kernel"], "targets": "vm*",
 *              "role": "control" | "observe" | "none"} ]
 *   ssh     {"max_auth_tries": 6, "login_grace_time": 120, "max_startups": 10}
 */
#include "config/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* OpenSSH's defaults for the same limits. */
#define DEFAULT_MAX_AUTH_TRIES 6
#define DEFAULT_LOGIN_GRACE_S 120
#define DEFAULT_MAX_STARTUPS 10

static const struct key_rule user_keys[] = {
	{ "comment", FOR_ALL },
	{ "name", FOR_ALL },
	{ "authorized_keys", FOR_ALL },
	{ "groups", FOR_ALL },
};

static const struct key_rule access_keys[] = {
	{ "comment", FOR_ALL },
	{ "users", FOR_ALL },
	{ "groups", FOR_ALL },
	{ "targets", FOR_ALL },
	{ "role", FOR_ALL },
};

static const struct key_rule ssh_keys[] = {
	{ "comment", FOR_ALL },
	{ "max_auth_tries", FOR_ALL },
	{ "login_grace_time", FOR_ALL },
	{ "max_startups", FOR_ALL },
};

/* Access rule roles, in enum cfg_role order from CFG_ROLE_CONTROL. */
static const char *const grant_names[] = { "control", "observe", "none" };

/* "*" in a rule's users stands for every user. */
static bool valid_user_ref(const char *s)
{
	return strcmp(s, "*") == 0 || cfg_valid_name(s);
}

/* Parse one user: a unique name, a key file that exists, optional groups. */
static int parse_user(struct parser *p, json_object *obj, const char *where, void *item)
{
	struct cfg_user *u = item;
	const char *name;

	if (cfg_check_keys(p, obj, where, user_keys, COUNT(user_keys), FOR_ALL, NULL) < 0 ||
	    cfg_opt_string(p, obj, where, "name", &name) < 0)
		return -1;
	if (name == NULL)
		return cfg_fail(p, where, "name", "required");
	if (!cfg_valid_name(name))
		return cfg_fail(p, where, "name", "must be 1 to %d characters from A-Z a-z 0-9 _ . -",
			CFG_NAME_MAX_LEN);
	if (config_find_user(p->cfg, name) != NULL)
		return cfg_fail(p, where, "name", "duplicate user name \"%s\"", name);
	if (cfg_opt_path(p, obj, where, "authorized_keys", &u->authorized_keys) < 0)
		return -1;
	if (u->authorized_keys == NULL)
		return cfg_fail(p, where, "authorized_keys", "required");
	if (cfg_check_readable_file(p, where, "authorized_keys", u->authorized_keys) < 0 ||
	    cfg_opt_string_array(p, obj, where, "groups", cfg_valid_name, "group name", &u->groups,
		    &u->n_groups) < 0)
		return -1;
	/* Set last: config_find_user must not see a half-parsed user. */
	return cfg_dup_into(p, &u->name, name);
}

/* Parse the optional "users" array. */
int cfg_parse_users(struct parser *p, json_object *root)
{
	return cfg_opt_object_array(p, root, "users", sizeof(struct cfg_user),
		(void **)&p->cfg->users, &p->cfg->n_users, parse_user);
}

/* A rule's users must be users the config defines: a typo would otherwise
 * quietly grant nothing. */
static int check_rule_users(struct parser *p, const char *where, const struct cfg_access *a)
{
	char key[64];

	for (size_t i = 0; i < a->n_users; i++) {
		snprintf(key, sizeof(key), "users[%zu]", i);
		if (strcmp(a->users[i], "*") != 0 && config_find_user(p->cfg, a->users[i]) == NULL)
			return cfg_fail(p, where, key, "no user named \"%s\" in \"users\"", a->users[i]);
	}
	return 0;
}

/* Parse the required "targets" glob and "role" of a rule. */
static int parse_rule_grant(struct parser *p, json_object *obj, const char *where,
	struct cfg_access *a)
{
	int i;

	if (cfg_opt_string_dup(p, obj, where, "targets", &a->targets) < 0)
		return -1;
	if (a->targets == NULL || *a->targets == '\0')
		return cfg_fail(p, where, "targets", "required: a target name or a glob such as \"vm*\"");
	if (cfg_opt_choice(p, obj, where, "role", "role", grant_names, COUNT(grant_names), &i) < 0)
		return -1;
	if (i < 0)
		return cfg_fail(p, where, "role", "required: \"control\", \"observe\" or \"none\"");
	a->role = (enum cfg_role)(CFG_ROLE_CONTROL + i);
	return 0;
}

/* Parse one access rule. */
static int parse_rule(struct parser *p, json_object *obj, const char *where, void *item)
{
	struct cfg_access *a = item;

	if (cfg_check_keys(p, obj, where, access_keys, COUNT(access_keys), FOR_ALL, NULL) < 0 ||
	    cfg_opt_string_array(p, obj, where, "users", valid_user_ref, "user name", &a->users,
		    &a->n_users) < 0 ||
	    cfg_opt_string_array(p, obj, where, "groups", cfg_valid_name, "group name", &a->groups,
		    &a->n_groups) < 0 ||
	    check_rule_users(p, where, a) < 0)
		return -1;
	if (a->n_users == 0 && a->n_groups == 0)
		return cfg_fail(p, where, NULL, "names no \"users\" and no \"groups\"");
	return parse_rule_grant(p, obj, where, a);
}

/* Parse the optional "access" array; rules apply in order. */
int cfg_parse_access(struct parser *p, json_object *root)
{
	return cfg_opt_object_array(p, root, "access", sizeof(struct cfg_access),
		(void **)&p->cfg->access, &p->cfg->n_access, parse_rule);
}

/* Parse the optional "ssh" object of login limits. */
int cfg_parse_ssh_limits(struct parser *p, json_object *root)
{
	struct cfg_ssh_limits *l = &p->cfg->ssh;
	json_object *obj = NULL;

	l->max_auth_tries = DEFAULT_MAX_AUTH_TRIES;
	l->login_grace_s = DEFAULT_LOGIN_GRACE_S;
	l->max_startups = DEFAULT_MAX_STARTUPS;
	if (!json_object_object_get_ex(root, "ssh", &obj))
		return 0;
	if (!json_object_is_type(obj, json_type_object))
		return cfg_fail(p, "", "ssh", "expected an object");
	if (cfg_check_keys(p, obj, "ssh", ssh_keys, COUNT(ssh_keys), FOR_ALL, NULL) < 0 ||
	    cfg_opt_uint(p, obj, "ssh", "max_auth_tries", 1, 100, DEFAULT_MAX_AUTH_TRIES,
		    &l->max_auth_tries) < 0 ||
	    cfg_opt_uint(p, obj, "ssh", "login_grace_time", 1, 3600, DEFAULT_LOGIN_GRACE_S,
		    &l->login_grace_s) < 0 ||
	    cfg_opt_uint(p, obj, "ssh", "max_startups", 1, 10000, DEFAULT_MAX_STARTUPS,
		    &l->max_startups) < 0)
		return -1;
	return 0;
}

/* Free users and access rules. */
void cfg_free_access(struct config *cfg)
{
	for (size_t i = 0; i < cfg->n_users; i++) {
		free(cfg->users[i].name);
		free(cfg->users[i].authorized_keys);
		cfg_free_strings(cfg->users[i].groups, cfg->users[i].n_groups);
	}
	free(cfg->users);
	for (size_t i = 0; i < cfg->n_access; i++) {
		cfg_free_strings(cfg->access[i].users, cfg->access[i].n_users);
		cfg_free_strings(cfg->access[i].groups, cfg->access[i].n_groups);
		free(cfg->access[i].targets);
	}
	free(cfg->access);
}

/* Look up a user by name; NULL if none. */
const struct cfg_user *config_find_user(const struct config *cfg, const char *name)
{
	if (cfg == NULL || name == NULL)
		return NULL;
	for (size_t i = 0; i < cfg->n_users; i++) {
		if (cfg->users[i].name != NULL && strcmp(cfg->users[i].name, name) == 0)
			return &cfg->users[i];
	}
	return NULL;
}

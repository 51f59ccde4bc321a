/* Config users and rules as policy's plain structs. */
#include "proxy/user_access.h"

#include <stdio.h>
#include <stdlib.h>

static enum acl_grant grant_of(enum cfg_role r)
{
	switch (r) {
	case CFG_ROLE_CONTROL:
		return ACL_CONTROL;
	case CFG_ROLE_OBSERVE:
		return ACL_OBSERVE;
	default:
		return ACL_NONE;
	}
}

enum acl_grant user_access(const struct config *cfg, const char *user, const char *target,
			   char *why, size_t cap)
{
	const struct cfg_user *u = config_find_user(cfg, user);
	struct acl_rule *rules;
	struct acl_decision d;
	struct acl_user who;

	if (u == NULL) {
		snprintf(why, cap, "no user %s in the config", user);
		return ACL_NONE;
	}
	rules = calloc(cfg->n_access + 1, sizeof(*rules));
	if (rules == NULL) {
		snprintf(why, cap, "out of memory");
		return ACL_NONE;
	}
	for (size_t i = 0; i < cfg->n_access; i++) {
		const struct cfg_access *a = &cfg->access[i];
		rules[i] = (struct acl_rule){
			.users = (const char *const *)a->users, .n_users = a->n_users,
			.groups = (const char *const *)a->groups, .n_groups = a->n_groups,
			.targets = a->targets, .grant = grant_of(a->role),
		};
	}
	who = (struct acl_user){ u->name, (const char *const *)u->groups, u->n_groups };
	d = acl_decide(rules, cfg->n_access, &who, target);
	acl_explain(&d, &who, target, why, cap);
	free(rules);
	return d.grant;
}

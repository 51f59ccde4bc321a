/* Access rules: first match decides. See acl.h. */
#include "proxy/policy/acl.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

/* Whether name is in list. */
static bool listed(const char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(list[i], name) == 0)
			return true;
	}
	return false;
}

bool acl_rule_matches_user(const struct acl_rule *r, const struct acl_user *user)
{
	if (listed(r->users, r->n_users, "*") || listed(r->users, r->n_users, user->name))
		return true;
	for (size_t i = 0; i < user->n_groups; i++) {
		if (listed(r->groups, r->n_groups, user->groups[i]))
			return true;
	}
	return false;
}

struct acl_decision acl_decide(const struct acl_rule *rules, size_t n, const struct acl_user *user,
			       const char *target)
{
	for (size_t i = 0; i < n; i++) {
		/* No FNM_PERIOD: "*" matches every target name, dots included. */
		if (acl_rule_matches_user(&rules[i], user) &&
		    fnmatch(rules[i].targets, target, 0) == 0)
			return (struct acl_decision){ .grant = rules[i].grant, .rule = (long)i };
	}
	return (struct acl_decision){ .grant = ACL_NONE, .rule = -1 };
}

void acl_explain(const struct acl_decision *d, const struct acl_user *user, const char *target,
		 char *out, size_t cap)
{
	if (d->rule < 0)
		snprintf(out, cap, "no access rule gives %s target %s", user->name, target);
	else if (d->grant == ACL_NONE)
		snprintf(out, cap, "access[%ld] denies %s target %s", d->rule, user->name, target);
	else
		snprintf(out, cap, "access[%ld] gives %s %s on %s", d->rule, user->name,
			 acl_grant_name(d->grant), target);
}

const char *acl_grant_name(enum acl_grant g)
{
	switch (g) {
	case ACL_CONTROL:
		return "control";
	case ACL_OBSERVE:
		return "observe";
	case ACL_NONE:
		break;
	}
	return "none";
}

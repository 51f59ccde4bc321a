/* Who may reach which target: the access rules of the config applied to a
 * logged-in user. Rules apply in order and the first rule matching both the
 * user (by name, by group, or "*") and the target name (a shell glob) decides;
 * no matching rule means no access. First-match keeps a rule list readable
 * top to bottom, as firewall rules are. Pure: plain data in, a verdict out. */
#ifndef GDBHUB_POLICY_ACL_H
#define GDBHUB_POLICY_ACL_H

#include <stdbool.h>
#include <stddef.h>

enum acl_grant {
	ACL_NONE,       /* no access: the target is not even listed */
	ACL_OBSERVE,
	ACL_CONTROL,
};

struct acl_user {
	const char *name;
	const char *const *groups;
	size_t n_groups;
};

struct acl_rule {
	const char *const *users;    /* names, or "*" for every user */
	size_t n_users;
	const char *const *groups;
	size_t n_groups;
	const char *targets;         /* glob over target names */
	enum acl_grant grant;
};

struct acl_decision {
	enum acl_grant grant;
	long rule;                   /* index of the deciding rule; -1: none matched */
};

/* What user may do with the target called target. */
struct acl_decision acl_decide(const struct acl_rule *rules, size_t n, const struct acl_user *user,
			       const char *target);

/* Whether rule r applies to user (ignoring the target). */
bool acl_rule_matches_user(const struct acl_rule *r, const struct acl_user *user);

/* A one-line reason for a decision, for logs and for the user's stderr:
 * "access[2] gives alice observe on vm1", "no access rule gives bob vm1". */
void acl_explain(const struct acl_decision *d, const struct acl_user *user, const char *target,
		 char *out, size_t cap);

/* "none", "observe" or "control". */
const char *acl_grant_name(enum acl_grant g);

#endif

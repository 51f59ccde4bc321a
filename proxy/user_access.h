/* What a logged-in user may do with a target: the config's access rules put
 * through proxy/policy/acl. The SSH layer and client attach ask here; the
 * config is read at each question, so a reload applies to the next one. */
#ifndef GDBHUB_USER_ACCESS_H
#define GDBHUB_USER_ACCESS_H

#include <stddef.h>

#include "config/config.h"
#include "proxy/policy/acl.h"

/* The grant of user (a config user name) on target; why gets the reason
 * (for logs and for the user). An unknown user gets ACL_NONE. */
enum acl_grant user_access(const struct config *cfg, const char *user, const char *target,
			   char *why, size_t cap);

#endif

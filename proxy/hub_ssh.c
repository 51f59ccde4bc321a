/* The SSH door's questions, answered from the config and the targets. */
#include "proxy/hub_ssh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy/audit.h"
#include "proxy/hub.h"
#include "proxy/log.h"
#include "proxy/transport/ssh_server.h"
#include "proxy/user_access.h"

static const char *keys_of(void *arg, const char *user)
{
	const struct cfg_user *u = config_find_user(((struct hub *)arg)->cfg, user);

	return u != NULL ? u->authorized_keys : NULL;
}

static const struct cfg_ssh_limits *limits(void *arg)
{
	return &((struct hub *)arg)->cfg->ssh;
}

static void note(void *arg, const char *event, const char *user, const char *peer,
		 const char *reason)
{
	audit_door(((struct hub *)arg)->audit, event, user, peer, NULL, reason);
}

/* A socketpair: one end becomes the user's client, the other the channel's. */
static int attach(void *arg, const char *user, const char *peer, const char *name, char *why,
		  size_t cap)
{
	struct hub *hub = arg;
	struct target *t = hub_find_target(hub, name);
	char who[160];
	int sv[2];

	/* A target the user may not see is reported as absent, not as denied. */
	if (t == NULL || user_access(hub->cfg, user, name, why, cap) == ACL_NONE) {
		if (t == NULL)
			snprintf(why, cap, "no such target");
		log_warn("ssh %s: %s may not attach to %s: %s", peer, user, name, why);
		audit_door(hub->audit, "denied", user, peer, name, why);
		snprintf(why, cap, "no target %s that %s may use (ssh ... list)", name, user);
		return -1;
	}
	if (t->state == TARGET_FAILED) {
		snprintf(why, cap, "target %s failed to start: %s", name, t->failure);
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
		snprintf(why, cap, "out of file descriptors");
		return -1;
	}
	snprintf(who, sizeof(who), "ssh:%s", peer);
	if (client_create(hub, sv[0], who, user, t, CFG_ROLE_DEFAULT) == NULL) {
		close(sv[0]);
		close(sv[1]);
		snprintf(why, cap, "out of memory");
		return -1;
	}
	return sv[1];
}

/* "NAME ROLE STATE" per target the user may see. */
static char *list(void *arg, const char *user)
{
	struct hub *hub = arg;
	struct target *t;
	char *text = NULL, why[160];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		return NULL;
	TAILQ_FOREACH(t, &hub->targets, entry) {
		enum acl_grant g = user_access(hub->cfg, user, target_name(t), why, sizeof(why));
		if (g != ACL_NONE)
			fprintf(f, "%s\t%s\t%s\n", target_name(t), acl_grant_name(g),
				target_state_name(t->state));
	}
	fclose(f);
	return text;
}

struct ssh_server *hub_ssh_listen(struct hub *hub, const struct cfg_listen *cfg, char **cause)
{
	const struct ssh_door door = {
		.arg = hub, .keys_of = keys_of, .attach = attach, .list = list, .limits = limits,
		.note = note,
	};
	char *state = hub_state_dir(hub->cfg);
	struct ssh_server *s;

	if (state == NULL) {
		*cause = strdup("no state_dir in the config and no HOME to put one in");
		return NULL;
	}
	s = ssh_server_create(hub->base, cfg, state, &door, cause);
	free(state);
	if (s != NULL)
		log_info("listening on %s for the hub", ssh_server_describe(s));
	return s;
}

char *hub_state_dir(const struct config *cfg)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char *dir = NULL;
	int n = 0;

	if (cfg->state_dir != NULL)
		return strdup(cfg->state_dir);
	if (geteuid() == 0)
		return strdup("/var/lib/gdbhub");
	if (xdg != NULL && *xdg == '/')
		n = asprintf(&dir, "%s/gdbhub", xdg);
	else if (home != NULL && *home == '/')
		n = asprintf(&dir, "%s/.local/state/gdbhub", home);
	return n > 0 ? dir : NULL;
}

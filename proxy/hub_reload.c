/* SIGHUP: read the config file again and bring the targets in line with it.
 *
 * What a reload changes: targets new in the file are added, targets gone
 * from it are removed (as target.remove), targets whose settings changed
 * are removed and added again; every other target, and every session on
 * it, goes on untouched. Users and access rules apply from the next login,
 * since logins read hub->cfg. Root listeners, runtime_dir and the control
 * socket stay as they were started. Targets added or removed through the
 * control socket are the operator's: a reload leaves them alone.
 *
 * Why old configs are kept alive until the daemon stops, not freed: a
 * target started from the file keeps t->cfg pointing into that file's
 * config (its name, its listeners, its policy keys are read on every
 * client request), and a reload keeps such targets running. Code reading
 * hub->cfg (logins, access checks) may also hold pointers into it across a
 * callback. Copying every target's config at each reload would move the
 * problem, not remove it, so the old config simply stays: it is a few
 * kilobytes, and reloads are rare operator actions. */
#include "proxy/hub.h"

#include <stdlib.h>

#include "proxy/log.h"

/* Whether t was started from a config file (not added through ctl). */
static bool from_file(const struct target *t)
{
	return t->own_cfg == NULL;
}

/* Remove the file's targets that next drops or changes. */
static void remove_gone(struct hub *hub, const struct config *next)
{
	struct target *t, *tmp;

	TAILQ_FOREACH_SAFE(t, &hub->targets, entry, tmp) {
		const struct cfg_target *tc = config_find_target(next, target_name(t));
		if (!from_file(t) || (tc != NULL && config_target_equal(t->cfg, tc)))
			continue;
		log_info("reload: target %s %s", target_name(t),
			 tc == NULL ? "is gone from the config" : "changed; restarting it");
		hub_remove_target(hub, t);
	}
}

/* Add next's targets that are new or changed since the last load. */
static void add_new(struct hub *hub, const struct config *old, struct config *next)
{
	for (size_t i = 0; i < next->n_targets; i++) {
		struct cfg_target *tc = &next->targets[i];
		const struct cfg_target *was = config_find_target(old, tc->name);
		char *cause = NULL;

		if (was != NULL && config_target_equal(was, tc))
			continue; /* running still, or removed through ctl on purpose */
		if (hub_find_target(hub, tc->name) != NULL) {
			log_error("reload: target %s: a target of that name was added through "
				  "the control socket; the config's is not started", tc->name);
			continue;
		}
		if (hub_add_target(hub, tc, false, &cause) == NULL) {
			log_error("reload: %s", cause != NULL ? cause : "out of memory");
			free(cause);
			continue;
		}
		log_info("reload: target %s added", tc->name);
	}
}

/* Keep a replaced config alive until hub_stop (see the top of this file). */
static int keep_old(struct hub *hub, struct config *old)
{
	struct config **grown = realloc(hub->old_cfgs, (hub->n_old_cfgs + 1) * sizeof(*grown));

	if (grown == NULL)
		return -1;
	hub->old_cfgs = grown;
	hub->old_cfgs[hub->n_old_cfgs++] = old;
	return 0;
}

/* Load the config file again and add and remove targets to match it. */
void hub_reload(struct hub *hub)
{
	struct config *next = NULL, *old = hub->cfg;
	char *cause = NULL;

	log_info("SIGHUP: reloading %s", old->path);
	if (config_load(old->path, &next, &cause) != 0) {
		log_error("reload: %s; nothing changed", cause != NULL ? cause : "out of memory");
		free(cause);
		return;
	}
	if (keep_old(hub, old) != 0) {
		log_error("reload: out of memory; nothing changed");
		config_free(next);
		return;
	}
	hub->cfg = next;
	remove_gone(hub, next);
	add_new(hub, old, next);
	log_info("reload: done; users and access rules apply from the next login; root "
		 "listeners, runtime_dir and control apply at the next start");
}

/* Free the configs reloads replaced. */
void hub_free_old_configs(struct hub *hub)
{
	for (size_t i = 0; i < hub->n_old_cfgs; i++)
		config_free(hub->old_cfgs[i]);
	free(hub->old_cfgs);
	hub->old_cfgs = NULL;
	hub->n_old_cfgs = 0;
}

/* Per-client replays of a "sharing": "fork" target (backends/replay/README.md).
 * The configured target stays as the door clients come through and what
 * listings name; each client is moved to a target of its own, added through
 * the hub like any other (own runtime file names from its name, no
 * listeners, seen by its client only), and removed when that client
 * leaves it. */
#include "proxy/target_fork.h"

#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>

#include "config/config.h"
#include "proxy/client.h"
#include "proxy/hub.h"
#include "proxy/log.h"
#include "proxy/target.h"

bool target_fork_is_template(const struct target *t)
{
	return t->cfg->fork && t->fork_client == 0;
}

/* The name of client c's replay of tmpl. */
static void fork_name(const struct target *tmpl, unsigned id, char *name, size_t cap)
{
	snprintf(name, cap, "%s@c%u", target_name(tmpl), id);
}

struct target *target_fork_for(struct target *tmpl, struct client *c, char *why, size_t cap)
{
	struct cfg_target *tc;
	struct target *f;
	char name[96], *cause = NULL;

	fork_name(tmpl, c->id, name, sizeof(name));
	if ((f = hub_find_target(c->hub, name)) != NULL && f->fork_client == c->id) {
		/* Back before its removal came round (detach, then attach
		 * again): it stays. */
		if (f->fork_reap != NULL) {
			event_free(f->fork_reap);
			f->fork_reap = NULL;
		}
		return f;
	}
	if ((tc = config_target_fork(tmpl->cfg, name)) == NULL) {
		snprintf(why, cap, "out of memory");
		return NULL;
	}
	if ((f = hub_add_target(c->hub, tc, true, &cause)) == NULL) {
		snprintf(why, cap, "%s: cannot start a replay of its own: %s", target_name(tmpl),
			 cause != NULL ? cause : "out of memory");
		free(cause);
		return NULL;
	}
	f->fork_client = c->id;
	f->fork_of = tmpl->pid;
	log_info("client %u: target %s forks: its own replay is %s", c->id, target_name(tmpl),
		 name);
	return f;
}

/* The loop is back: remove the replay its client left. */
static void on_reap(evutil_socket_t fd, short what, void *arg)
{
	struct target *t = arg;

	(void)fd;
	(void)what;
	log_info("target %s: its client left; removing the replay", target_name(t));
	hub_remove_target(t->hub, t);
}

void target_fork_departed(struct target *t, const struct client *c)
{
	static const struct timeval now = { 0, 0 };

	if (t->fork_client == 0 || t->fork_client != c->id || t->fork_reap != NULL ||
	    t->hub->stopping)
		return;
	t->fork_reap = evtimer_new(t->hub->base, on_reap, t);
	if (t->fork_reap != NULL)
		evtimer_add(t->fork_reap, &now);
}

struct target *target_fork_of_client(struct target *t, unsigned id)
{
	int64_t tmpl = t->fork_client != 0 ? t->fork_of : t->pid;
	struct target *o;

	TAILQ_FOREACH(o, &t->hub->targets, entry)
		if (o->fork_client == id && o->fork_of == tmpl)
			return o;
	return NULL;
}

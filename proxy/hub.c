/* The hub: runtime folder, listeners, targets, signals. */
#include "proxy/cause.h"
#include "proxy/hub.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "proxy/hub_ssh.h"
#include "proxy/audit.h"
#include "proxy/log.h"
#include "proxy/transport/ssh_server.h"
#include "proxy/transport/listener.h"
#include "proxy/control/control.h"

/* A listener and what it hands connections to. */
struct hub_listener {
	struct listener *l;
	struct hub *hub;
	struct target *target;
	enum cfg_role role;
};

/* Make the runtime folder (sockets of the stubs we start). */
static int make_runtime_dir(struct hub *hub, char **cause)
{
	char tmpl[] = "/tmp/gdbhub-run.XXXXXX";

	if (hub->cfg->runtime_dir != NULL) {
		if (mkdir(hub->cfg->runtime_dir, 0700) != 0 && errno != EEXIST)
			return cause_fail(cause, "runtime_dir: %s: %s", hub->cfg->runtime_dir,
					strerror(errno));
		hub->runtime_dir = strdup(hub->cfg->runtime_dir);
	} else {
		if (mkdtemp(tmpl) == NULL)
			return cause_fail(cause, "cannot make a runtime folder: %s", strerror(errno));
		hub->runtime_dir = strdup(tmpl);
		hub->made_runtime_dir = true;
	}
	return hub->runtime_dir != NULL ? 0 : -1;
}

/* A listener's connection: becomes a client. */
static void on_listener_accept(void *arg, int fd, const char *peer)
{
	struct hub_listener *hl = arg;

	hub_accept(hl->hub, fd, peer, hl->target, hl->role);
}

/* Accept a connection on a listener bound to target (NULL: the hub's own). */
void hub_accept(struct hub *hub, int fd, const char *peer, struct target *target,
		enum cfg_role role)
{
	if (hub->stopping) {
		close(fd);
		return;
	}
	if (target == NULL)
		target = hub_default_target(hub);
	if (target != NULL && target->state == TARGET_FAILED) {
		/* Nothing a debugger could do there; gdb copes badly with a stub
		 * that answers `?` with an error, so the door stays shut. */
		log_warn("refused %s: target %s failed to start: %s", peer, target_name(target),
			 target->failure);
		close(fd);
		return;
	}
	if (client_create(hub, fd, peer, NULL, target, role) == NULL) {
		log_error("out of memory accepting %s", peer);
		close(fd);
	}
}

/* The target clients of the hub's own listeners attach to. */
struct target *hub_default_target(struct hub *hub)
{
	struct target *t, *only = NULL;

	/* With one target there is nothing to choose; with several, clients
	 * choose with vAttach (target extended-remote, then attach PID).
	 * Clients' own replays of a fork target do not count. */
	TAILQ_FOREACH(t, &hub->targets, entry) {
		if (t->fork_client != 0)
			continue;
		if (only != NULL)
			return NULL;
		only = t;
	}
	return only;
}

/* Open the SSH door cfg describes. */
static int add_ssh_listener(struct hub *hub, const struct cfg_listen *cfg, char **cause)
{
	struct ssh_server **grown = realloc(hub->ssh, (hub->n_ssh + 1) * sizeof(*grown));

	if (grown == NULL)
		return -1;
	hub->ssh = grown;
	hub->ssh[hub->n_ssh] = hub_ssh_listen(hub, cfg, cause);
	if (hub->ssh[hub->n_ssh] == NULL)
		return -1;
	hub->n_ssh++;
	return 0;
}

/* Open one listener for target (NULL: the hub's own). */
static int add_listener(struct hub *hub, const struct cfg_listen *cfg, struct target *target,
			char **cause)
{
	struct hub_listener *hl = malloc(sizeof(*hl));
	struct hub_listener **grown;

	if (cfg->kind == CFG_LISTEN_SSH) {
		free(hl);
		return add_ssh_listener(hub, cfg, cause);
	}
	if (hl == NULL)
		return -1;
	*hl = (struct hub_listener){ .hub = hub, .target = target, .role = cfg->role };
	hl->l = listener_create(hub->base, cfg, on_listener_accept, hl, cause);
	grown = hl->l != NULL ? realloc(hub->listeners, (hub->n_listeners + 1) * sizeof(*grown)) : NULL;
	if (grown == NULL) {
		listener_destroy(hl->l);
		free(hl);
		return -1;
	}
	hub->listeners = grown;
	hub->listeners[hub->n_listeners++] = hl;
	log_info("listening on %s for %s", listener_describe(hl->l),
		 target != NULL ? target_name(target) : "the hub");
	return 0;
}

/* Reap children and tell their targets. */
static void on_sigchld(evutil_socket_t sig, short what, void *arg)
{
	struct hub *hub = arg;
	struct target *t;
	int status;
	pid_t pid;

	(void)sig;
	(void)what;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (record_jobs_reaped(&hub->recordings, pid, status))
			continue;
		TAILQ_FOREACH(t, &hub->targets, entry)
			if (t->child == pid && !t->child_reaped)
				target_child_exited(t, status);
	}
}

/* SIGINT/SIGTERM: leave the loop; main stops the hub. */
static void on_sigterm(evutil_socket_t sig, short what, void *arg)
{
	struct hub *hub = arg;

	(void)what;
	log_info("signal %d: shutting down", (int)sig);
	hub->stopping = true;
	event_base_loopexit(hub->base, NULL);
}

/* SIGHUP: read the config file again (hub_reload.c). */
static void on_sighup(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	hub_reload(arg);
}

/* Install the signal events. */
static void watch_signals(struct hub *hub)
{
	signal(SIGPIPE, SIG_IGN);
	hub->sig_int = evsignal_new(hub->base, SIGINT, on_sigterm, hub);
	hub->sig_term = evsignal_new(hub->base, SIGTERM, on_sigterm, hub);
	hub->sig_chld = evsignal_new(hub->base, SIGCHLD, on_sigchld, hub);
	evsignal_add(hub->sig_int, NULL);
	evsignal_add(hub->sig_term, NULL);
	evsignal_add(hub->sig_chld, NULL);
	hub->sig_hup = evsignal_new(hub->base, SIGHUP, on_sighup, hub);
	evsignal_add(hub->sig_hup, NULL);
}

/* Close every listener of target t. */
static void close_target_listeners(struct hub *hub, const struct target *t)
{
	size_t kept = 0;

	for (size_t i = 0; i < hub->n_listeners; i++) {
		struct hub_listener *hl = hub->listeners[i];
		if (hl->target != t) {
			hub->listeners[kept++] = hl;
			continue;
		}
		log_info("closed %s of %s", listener_describe(hl->l), target_name(t));
		listener_destroy(hl->l);
		free(hl);
	}
	hub->n_listeners = kept;
}

/* Remove t: listeners first (no newcomers), then its sessions, then t. */
void hub_remove_target(struct hub *hub, struct target *t)
{
	TAILQ_REMOVE(&hub->targets, t, entry);
	close_target_listeners(hub, t);
	target_retire(t);
	target_destroy(t);
}

/* Open t's own listeners and launch its backend. */
static int open_and_launch(struct hub *hub, struct target *t, char **cause)
{
	const struct cfg_target *tc = t->cfg;

	for (size_t j = 0; j < tc->n_listen; j++)
		if (add_listener(hub, &tc->listen[j], t, cause) != 0)
			return -1;
	if (target_launch(t, cause) != 0) {
		char *why = *cause;
		cause_fail(cause, "target %s: %s", tc->name, why ? why : "launch failed");
		free(why);
		return -1;
	}
	return 0;
}

/* Create a target for tc, open its listeners and launch it. */
struct target *hub_add_target(struct hub *hub, struct cfg_target *tc, bool owned, char **cause)
{
	/* Process ids are never reused: a gdb that knew a removed VM as
	 * process 2 must not find another VM there. */
	struct target *t = target_create(hub, tc, ++hub->next_target_pid);

	*cause = NULL;
	if (t == NULL) {
		if (owned)
			config_target_free(tc);
		cause_fail(cause, "out of memory");
		return NULL;
	}
	if (owned)
		t->own_cfg = tc;
	TAILQ_INSERT_TAIL(&hub->targets, t, entry);
	if (open_and_launch(hub, t, cause) != 0) {
		hub_remove_target(hub, t);
		return NULL;
	}
	return t;
}

/* The running target named name, or NULL. */
struct target *hub_find_target(struct hub *hub, const char *name)
{
	struct target *t;

	TAILQ_FOREACH(t, &hub->targets, entry)
		if (strcmp(target_name(t), name) == 0)
			return t;
	return NULL;
}

/* The i-th listener's description and target; NULL past the end. */
const char *hub_listener_info(const struct hub *hub, size_t i, const struct target **target)
{
	if (i >= hub->n_listeners)
		return NULL;
	*target = hub->listeners[i]->target;
	return listener_describe(hub->listeners[i]->l);
}

/* Create the config's targets and their listeners, and launch them. */
static int start_targets(struct hub *hub, char **cause)
{
	for (size_t i = 0; i < hub->cfg->n_targets; i++)
		if (hub_add_target(hub, &hub->cfg->targets[i], false, cause) == NULL)
			return -1;
	return 0;
}

/* Open the control socket if the config names one. */
static int start_control(struct hub *hub, char **cause)
{
	if (hub->cfg->control == NULL)
		return 0;
	hub->control = control_create(hub, hub->cfg->control, cause);
	return hub->control != NULL ? 0 : -1;
}

/* Create runtime folder, listeners and targets, and launch the targets. */
int hub_start(struct hub *hub, struct event_base *base, struct config *cfg, char **cause)
{
	memset(hub, 0, sizeof(*hub));
	hub->base = base;
	hub->cfg = cfg;
	TAILQ_INIT(&hub->targets);
	TAILQ_INIT(&hub->clients);
	record_jobs_init(&hub->recordings);
	clock_gettime(CLOCK_MONOTONIC, &hub->started);
	*cause = NULL;
	watch_signals(hub);
	/* The audit log first: a bad path fails start-up before any VM runs. */
	if ((cfg->audit_log != NULL && audit_open(cfg->audit_log, &hub->audit, cause) != 0) ||
	    make_runtime_dir(hub, cause) != 0 || start_targets(hub, cause) != 0)
		return -1;
	for (size_t i = 0; i < cfg->n_listen; i++)
		if (add_listener(hub, &cfg->listen[i], NULL, cause) != 0)
			return -1;
	return start_control(hub, cause);
}

/* Close clients, stop targets, remove listeners and the runtime folder. */
void hub_stop(struct hub *hub)
{
	struct client *c;
	struct target *t;

	hub->stopping = true;
	control_destroy(hub->control);
	hub->control = NULL;
	for (size_t i = 0; i < hub->n_listeners; i++) {
		listener_destroy(hub->listeners[i]->l);
		free(hub->listeners[i]);
	}
	free(hub->listeners);
	hub->listeners = NULL;
	for (size_t i = 0; i < hub->n_ssh; i++)
		ssh_server_destroy(hub->ssh[i]);
	free(hub->ssh);
	hub->ssh = NULL;
	hub->n_ssh = 0;
	while ((c = TAILQ_FIRST(&hub->clients)) != NULL)
		client_close(c, "the daemon is stopping");
	while ((t = TAILQ_FIRST(&hub->targets)) != NULL) {
		TAILQ_REMOVE(&hub->targets, t, entry);
		target_destroy(t);
	}
	record_jobs_stop(&hub->recordings);
	if (hub->made_runtime_dir && hub->runtime_dir != NULL)
		rmdir(hub->runtime_dir);
	free(hub->runtime_dir);
	event_free(hub->sig_int);
	event_free(hub->sig_term);
	event_free(hub->sig_chld);
	event_free(hub->sig_hup);
	hub_free_old_configs(hub);
	audit_close(hub->audit);
	config_free(hub->cfg);
}

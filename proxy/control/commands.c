/* The control commands over the hub: targets, clients, stats. */
#include "proxy/control/commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proxy/backend.h"
#include "proxy/cause.h"
#include "proxy/client.h"
#include "proxy/control/request.h"
#include "proxy/hub.h"
#include "proxy/log.h"
#include "proxy/target.h"

/* Replies are one line; '/' is left alone so paths read as written. */
#define REPLY_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

typedef int (*ctl_handler)(struct hub *hub, const struct ctl_request *req, json_object *reply,
			   char **cause);

/* The target's own listeners, as their descriptions. */
static json_object *target_listeners(const struct hub *hub, const struct target *t)
{
	json_object *arr = json_object_new_array();
	const struct target *owner;
	const char *desc;

	for (size_t i = 0; (desc = hub_listener_info(hub, i, &owner)) != NULL; i++)
		if (owner == t)
			json_object_array_add(arr, json_object_new_string(desc));
	return arr;
}

/* The clients attached to t: id, user, role. */
static json_object *target_clients(const struct target *t)
{
	json_object *arr = json_object_new_array();
	const struct attachment *a;

	TAILQ_FOREACH(a, &t->attached, by_target) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_int64(a->c->id));
		json_object_object_add(o, "user", json_object_new_string(a->c->user));
		json_object_object_add(o, "role", json_object_new_string(access_role_name(a->role)));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* How the VM ended, for an exited target. */
static void add_exit(json_object *o, const struct target *t)
{
	if (t->state == TARGET_FAILED)
		json_object_object_add(o, "failure", json_object_new_string(t->failure));
	if (t->state != TARGET_EXITED)
		return;
	if (t->stop.kind == RSP_STOP_EXITED)
		json_object_object_add(o, "exit_code", json_object_new_int(t->stop.signal));
	else if (t->stop.kind == RSP_STOP_KILLED)
		json_object_object_add(o, "exit_signal", json_object_new_int(t->stop.signal));
}

/* One target as target.list shows it. */
static json_object *describe_target(const struct hub *hub, const struct target *t)
{
	json_object *o = json_object_new_object();
	bool alive = t->child > 0 && !t->child_reaped;

	json_object_object_add(o, "name", json_object_new_string(target_name(t)));
	json_object_object_add(o, "backend",
			       json_object_new_string(t->ops != NULL ? t->ops->name : "?"));
	json_object_object_add(o, "state", json_object_new_string(target_state_name(t->state)));
	json_object_object_add(o, "gdb_pid", json_object_new_int64(t->pid));
	json_object_object_add(o, "pid", alive ? json_object_new_int64(t->child) : NULL);
	json_object_object_add(o, "added", json_object_new_boolean(t->own_cfg != NULL));
	add_exit(o, t);
	json_object_object_add(o, "listeners", target_listeners(hub, t));
	json_object_object_add(o, "clients", target_clients(t));
	return o;
}

/* target.add: parse with the config's rules, then start it. */
static int cmd_target_add(struct hub *hub, const struct ctl_request *req, json_object *reply,
			  char **cause)
{
	struct cfg_target *tc;
	struct target *t;

	if (config_parse_target_json(hub->cfg, req->target, &tc, cause) != 0)
		return -1;
	if (hub_find_target(hub, tc->name) != NULL) {
		cause_fail(cause, "target.name: duplicate target name \"%s\"", tc->name);
		config_target_free(tc);
		return -1;
	}
	if ((t = hub_add_target(hub, tc, true, cause)) == NULL)
		return -1;
	log_info("control: target %s added", target_name(t));
	json_object_object_add(reply, "target", describe_target(hub, t));
	return 0;
}

/* target.remove: end its sessions, stop it, free it. */
static int cmd_target_remove(struct hub *hub, const struct ctl_request *req, json_object *reply,
			     char **cause)
{
	struct target *t = hub_find_target(hub, req->name);

	(void)reply;
	if (t == NULL)
		return cause_fail(cause, "name: no target named \"%.64s\"", req->name);
	log_info("control: removing target %s", target_name(t));
	hub_remove_target(hub, t);
	return 0;
}

/* target.list */
static int cmd_target_list(struct hub *hub, const struct ctl_request *req, json_object *reply,
			   char **cause)
{
	json_object *arr = json_object_new_array();
	const struct target *t;

	(void)req;
	(void)cause;
	TAILQ_FOREACH(t, &hub->targets, entry)
		json_object_array_add(arr, describe_target(hub, t));
	json_object_object_add(reply, "targets", arr);
	return 0;
}

/* The targets a client is attached to, with its role on each. */
static json_object *client_targets(const struct client *c)
{
	json_object *arr = json_object_new_array();
	const struct attachment *a;

	TAILQ_FOREACH(a, &c->attachments, by_client) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(target_name(a->t)));
		json_object_object_add(o, "role", json_object_new_string(access_role_name(a->role)));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* client.list */
static int cmd_client_list(struct hub *hub, const struct ctl_request *req, json_object *reply,
			   char **cause)
{
	json_object *arr = json_object_new_array();
	const struct client *c;

	(void)req;
	(void)cause;
	TAILQ_FOREACH(c, &hub->clients, hub_entry) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_int64(c->id));
		json_object_object_add(o, "peer", json_object_new_string(c->peer));
		json_object_object_add(o, "user", json_object_new_string(c->user));
		json_object_object_add(o, "extended", json_object_new_boolean(c->extended));
		json_object_object_add(o, "targets", client_targets(c));
		json_object_object_add(o, "current", c->target != NULL ?
				       json_object_new_string(target_name(c->target)) : NULL);
		json_object_array_add(arr, o);
	}
	json_object_object_add(reply, "clients", arr);
	return 0;
}

/* client.kick: as if the connection dropped; its breakpoints go. */
static int cmd_client_kick(struct hub *hub, const struct ctl_request *req, json_object *reply,
			   char **cause)
{
	struct client *c;

	(void)reply;
	TAILQ_FOREACH(c, &hub->clients, hub_entry) {
		if (c->id == req->id) {
			client_close(c, "kicked through the control socket");
			return 0;
		}
	}
	return cause_fail(cause, "id: no client with id %u", req->id);
}

/* Resident memory from /proc/self/statm, in bytes; -1 if unknown. */
static long long resident_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long long size, resident = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%lld %lld", &size, &resident) != 2)
		resident = -1;
	fclose(f);
	return resident < 0 ? -1 : resident * sysconf(_SC_PAGESIZE);
}

/* stats */
static int cmd_stats(struct hub *hub, const struct ctl_request *req, json_object *reply,
		     char **cause)
{
	struct timespec now;
	const struct target *t;
	const struct client *c;
	long long rss = resident_bytes();
	size_t nt = 0, nc = 0;

	(void)req;
	(void)cause;
	clock_gettime(CLOCK_MONOTONIC, &now);
	TAILQ_FOREACH(t, &hub->targets, entry)
		nt++;
	TAILQ_FOREACH(c, &hub->clients, hub_entry)
		nc++;
	json_object_object_add(reply, "uptime_s", json_object_new_int64(now.tv_sec - hub->started.tv_sec));
	json_object_object_add(reply, "targets", json_object_new_int64((int64_t)nt));
	json_object_object_add(reply, "clients", json_object_new_int64((int64_t)nc));
	json_object_object_add(reply, "rss_bytes", rss >= 0 ? json_object_new_int64(rss) : NULL);
	json_object_object_add(reply, "config_reloads", json_object_new_int64((int64_t)hub->n_old_cfgs));
	return 0;
}

/* record.start: a `gdbhub record` child; the reply comes at once. */
static int cmd_record_start(struct hub *hub, const struct ctl_request *req, json_object *reply,
			    char **cause)
{
	struct record_job *job = record_jobs_start(&hub->recordings, hub->cfg, hub->runtime_dir,
						   req->target, cause);

	if (job == NULL)
		return -1;
	json_object_object_add(reply, "recording", record_job_describe(job));
	return 0;
}

/* record.list */
static int cmd_record_list(struct hub *hub, const struct ctl_request *req, json_object *reply,
			   char **cause)
{
	json_object *arr = json_object_new_array();
	const struct record_job *job;

	(void)req;
	(void)cause;
	TAILQ_FOREACH(job, &hub->recordings.list, entry)
		json_object_array_add(arr, record_job_describe(job));
	json_object_object_add(reply, "recordings", arr);
	return 0;
}

static const ctl_handler handlers[] = {
	[CTL_TARGET_ADD] = cmd_target_add,
	[CTL_TARGET_REMOVE] = cmd_target_remove,
	[CTL_TARGET_LIST] = cmd_target_list,
	[CTL_CLIENT_LIST] = cmd_client_list,
	[CTL_CLIENT_KICK] = cmd_client_kick,
	[CTL_STATS] = cmd_stats,
	[CTL_RECORD_START] = cmd_record_start,
	[CTL_RECORD_LIST] = cmd_record_list,
};

/* The reply text for a reply object; frees it. */
static char *finish_reply(json_object *reply)
{
	const char *s = json_object_to_json_string_ext(reply, REPLY_FLAGS);
	char *out = s != NULL ? strdup(s) : NULL;

	json_object_put(reply);
	return out;
}

/* {"ok": false, "error": why} */
static char *error_reply(const char *why)
{
	json_object *reply = json_object_new_object();

	json_object_object_add(reply, "ok", json_object_new_boolean(0));
	json_object_object_add(reply, "error", json_object_new_string(why != NULL ? why :
								       "out of memory"));
	return finish_reply(reply);
}

/* Serve one request line. */
char *control_serve_line(struct hub *hub, const char *line, size_t len)
{
	struct ctl_request req;
	json_object *reply;
	char *cause = NULL, *out;

	if (ctl_request_parse(line, len, &req, &cause) != 0) {
		log_info("control: request refused: %s", cause != NULL ? cause : "out of memory");
		out = error_reply(cause);
		free(cause);
		return out;
	}
	reply = json_object_new_object();
	json_object_object_add(reply, "ok", json_object_new_boolean(1));
	if (handlers[req.command->cmd](hub, &req, reply, &cause) != 0) {
		log_info("control: %s failed: %s", req.command->name, cause ? cause : "out of memory");
		json_object_put(reply);
		out = error_reply(cause);
	} else {
		out = finish_reply(reply);
	}
	free(cause);
	ctl_request_finish(&req);
	return out;
}

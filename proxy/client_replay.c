/* `monitor replay ...`: the replay backend's QMP requests, asked for a
 * client and answered to it as monitor text. A seek runs the VM like a
 * resume (the floor rules apply) and ends in a stop every client sees. */
#include "proxy/client_replay.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/replay/replay_cmd.h"
#include "proxy/backend.h"
#include "proxy/client.h"
#include "proxy/client_monitor.h"
#include "proxy/log.h"
#include "proxy/policy/access.h"
#include "proxy/target.h"
#include "proxy/target_fork.h"

/* How gdbhub-replay takes and keeps them (backends/replay/README.md). */
#define CHECKPOINTS_HOW \
	"gdbhub-replay takes one every %u instructions as the replay runs forward,\n" \
	"fine ones within %u behind a reverse step's goal, and keeps at most %u\n" \
	"besides init (the target's \"checkpoints\" key).\n"

/* One request in flight for a client. */
struct replay_req {
	struct client *c;      /* referenced */
	struct target *t;
	struct replay_cmd cmd;
	char *error;           /* QEMU refused the seek */
	unsigned pending;      /* seek: QMP's answer and the stop, each once */
};

static void req_free(struct replay_req *r)
{
	client_unref(r->c);
	free(r->error);
	free(r);
}

/* The request is answered (or its client is gone). */
static void req_release(struct replay_req *r)
{
	if (--r->pending == 0)
		req_free(r);
}

/* Whether the request's client still wants an answer. */
static bool req_live(const struct replay_req *r)
{
	return !r->c->dead;
}

/* `replay info`: the recording, and where QEMU says the replay stands. */
static void on_info(void *arg, uint64_t icount, const char *text, const char *error)
{
	struct replay_req *r = arg;
	struct replay_info info;
	char out[1024];

	(void)text;
	if (req_live(r) && error != NULL) {
		client_monitor_error(r->c, "replay info: %s", error);
	} else if (req_live(r)) {
		r->t->ops->replay->info(r->t->backend, &info);
		char sharing[128];
		if (r->t->fork_client != 0)
			snprintf(sharing, sizeof(sharing), "fork (client %u's own replay)",
				 r->t->fork_client);
		else
			snprintf(sharing, sizeof(sharing), "shared (every client drives this replay)");
		snprintf(out, sizeof(out),
			 "replay target %s: mode replay (QEMU rr=replay)\n"
			 "  sharing %s\n"
			 "  at icount %" PRIu64 "\n"
			 "  recording %s: %" PRIu64 " instructions%s, ended by %s (status %d)\n",
			 target_name(r->t), sharing, icount,
			 info.recording, info.icount, info.icount_exact ? "" : " (at least)",
			 info.ended_by_limit ? "a limit" : "the guest", info.exit_status);
		client_monitor_reply(r->c, out);
	}
	req_release(r);
}

/* `replay checkpoints`: what QEMU can load, and how they are taken. */
static void on_checkpoints(void *arg, uint64_t icount, const char *text, const char *error)
{
	struct replay_req *r = arg;
	char out[3072];
	size_t n;

	(void)icount;
	if (req_live(r) && error != NULL) {
		client_monitor_error(r->c, "replay checkpoints: %s", error);
	} else if (req_live(r)) {
		n = (size_t)snprintf(out, sizeof(out), "checkpoints of %s (snapshots QEMU holds):\n",
				     target_name(r->t));
		for (const char *p = text; *p != '\0' && n < sizeof(out);) {
			size_t len = strcspn(p, "\n");
			n += (size_t)snprintf(out + n, sizeof(out) - n, "  %.*s\n", (int)len, p);
			p += len + (p[len] == '\n');
		}
		if (n < sizeof(out))
			snprintf(out + n, sizeof(out) - n, CHECKPOINTS_HOW, r->t->cfg->checkpoints.every,
				 r->t->cfg->checkpoints.fine, r->t->cfg->checkpoints.max);
		client_monitor_reply(r->c, out);
	}
	req_release(r);
}

/* After a seek: where it ended. */
static void on_seek_position(void *arg, uint64_t icount, const char *text, const char *error)
{
	struct replay_req *r = arg;
	char out[256];

	(void)text;
	if (req_live(r) && error != NULL) {
		client_monitor_error(r->c, "replay seek: stopped, but: %s", error);
	} else if (req_live(r)) {
		snprintf(out, sizeof(out), "replay %s: at icount %" PRIu64 "%s\n", target_name(r->t),
			 icount, icount == r->cmd.icount ? "" : " (the seek was cut short)");
		client_monitor_reply(r->c, out);
	}
	req_release(r);
}

/* The seek's stop went out to the clients (or never came). */
static void on_seek_done(void *arg, bool stopped)
{
	struct replay_req *r = arg;
	char *cause = NULL;

	if (!stopped || !req_live(r)) {
		if (req_live(r))
			client_monitor_error(r->c, "replay seek: %s",
					   r->error != NULL ? r->error : "the replay ended");
		req_release(r);
		return;
	}
	if (r->t->ops->replay->position(r->t->backend, on_seek_position, r, &cause) != 0) {
		client_monitor_error(r->c, "replay seek: stopped, but: %s", cause);
		free(cause);
		req_release(r);
	}
}

/* QEMU's answer to replay-seek: on a refusal the VM never moved. */
static void on_seek_accepted(void *arg, uint64_t icount, const char *text, const char *error)
{
	struct replay_req *r = arg;

	(void)icount;
	(void)text;
	if (error != NULL) {
		log_info("target %s: QEMU refused replay-seek %" PRIu64 ": %s", target_name(r->t),
			 r->cmd.icount, error);
		r->error = strdup(error);
		target_backend_run_cancel(r->t);
	}
	req_release(r);
}

/* Nothing else is outstanding upstream: ask QEMU to seek. */
static void start_seek(void *arg)
{
	struct replay_req *r = arg;
	char *cause = NULL;

	r->pending++;
	if (r->t->ops->replay->seek(r->t->backend, r->cmd.icount, on_seek_accepted, r, &cause) != 0) {
		r->pending--;
		r->error = cause;
		target_backend_run_cancel(r->t);
	}
}

/* Whether policy lets c move t's timeline; a refusal is answered. */
static bool may_seek(struct client *c, struct target *t)
{
	struct access_request q = {
		.role = c->role,
		.action = ACCESS_RESUME,
		.vm_running = t->state == TARGET_RUNNING,
		.client = c->id,
		.floor_holder = t->resumer != NULL ? t->resumer->id : 0,
	};
	enum access_verdict v = access_check(&q);

	if (v == ACCESS_ALLOW && t->state == TARGET_STOPPED)
		return true;
	if (v == ACCESS_ALLOW || v == ACCESS_WAIT_FOR_STOP)
		client_monitor_error(c, "replay seek: target %s is %s", target_name(t),
				   target_state_name(t->state));
	else
		client_monitor_error(c, "replay seek moves the VM: %s", access_explain(&q, v));
	return false;
}

/* `replay seek ICOUNT`. */
static void seek(struct replay_req *r)
{
	struct replay_info info;

	r->t->ops->replay->info(r->t->backend, &info);
	if (info.icount_exact && !info.ended_by_limit && r->cmd.icount > info.icount) {
		client_monitor_error(r->c, "replay seek: %" PRIu64 " is past the recording's end "
				   "(%" PRIu64 " instructions)", r->cmd.icount, info.icount);
		req_free(r);
		return;
	}
	if (!may_seek(r->c, r->t)) {
		req_free(r);
		return;
	}
	log_info("client %u: replay seek on %s to icount %" PRIu64, r->c->id, target_name(r->t),
		 r->cmd.icount);
	r->pending = 1;
	if (target_backend_run(r->t, r->c, start_seek, on_seek_done, r) != 0) {
		client_monitor_error(r->c, "replay seek: target %s cannot run now", target_name(r->t));
		req_free(r);
	}
}

/* Where the followed client's replay stands: seek there. */
static void on_follow_position(void *arg, uint64_t icount, const char *text, const char *error)
{
	struct replay_req *r = arg;

	(void)text;
	if (!req_live(r)) {
		req_release(r);
		return;
	}
	if (error != NULL) {
		client_monitor_error(r->c, "replay follow: client %u's replay: %s", r->cmd.client,
				     error);
		req_release(r);
		return;
	}
	log_info("client %u: replay follow client %u on %s: icount %" PRIu64, r->c->id,
		 r->cmd.client, target_name(r->t), icount);
	r->cmd.verb = REPLAY_SEEK;
	r->cmd.icount = icount;
	seek(r);
}

/* `replay follow CLIENT`: on a fork target, go where CLIENT's replay is. */
static void follow(struct replay_req *r)
{
	struct target *o;
	char *cause = NULL;

	if (r->t->fork_client == 0) {
		client_monitor_error(r->c, "replay follow: %s is not a fork target (sharing \"shared\": "
				     "every client is at the same position)", target_name(r->t));
		req_free(r);
		return;
	}
	o = r->cmd.client != r->c->id ? target_fork_of_client(r->t, r->cmd.client) : NULL;
	if (o == NULL || o->backend == NULL || o->ops->replay == NULL) {
		client_monitor_error(r->c, "replay follow: client %u has no replay of this "
				     "recording (monitor who lists the clients)", r->cmd.client);
		req_free(r);
		return;
	}
	r->pending = 1;
	if (o->ops->replay->position(o->backend, on_follow_position, r, &cause) != 0) {
		client_monitor_error(r->c, "replay follow: %s", cause);
		free(cause);
		req_free(r);
	}
}

/* Start one QMP query for r; false (answered) if it could not be sent. */
static void query(struct replay_req *r,
		  int (*fn)(struct backend *, replay_reply_fn, void *, char **),
		  replay_reply_fn done)
{
	char *cause = NULL;

	r->pending = 1;
	if (fn(r->t->backend, done, r, &cause) != 0) {
		client_monitor_error(r->c, "replay: %s", cause);
		free(cause);
		req_free(r);
	}
}

void client_replay_command(struct client *c, const char *args)
{
	struct target *t = c->target;
	struct replay_req *r;
	struct replay_cmd cmd;
	char err[256];

	if (t == NULL || t->ops == NULL || t->ops->replay == NULL || t->backend == NULL) {
		client_monitor_error(c, "monitor replay: %s is not a replay target (backend \"%s\")",
				   t != NULL ? target_name(t) : "no target",
				   t != NULL && t->ops != NULL ? t->ops->name : "none");
		return;
	}
	if (replay_cmd_parse(args, &cmd, err, sizeof(err)) != 0) {
		client_monitor_error(c, "monitor replay: %s", err);
		return;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		client_monitor_error(c, "out of memory");
		return;
	}
	*r = (struct replay_req){ .c = c, .t = t, .cmd = cmd };
	client_ref(c);
	switch (cmd.verb) {
	case REPLAY_INFO:
		query(r, t->ops->replay->position, on_info);
		break;
	case REPLAY_CHECKPOINTS:
		query(r, t->ops->replay->snapshots, on_checkpoints);
		break;
	case REPLAY_SEEK:
		seek(r);
		break;
	case REPLAY_FOLLOW:
		follow(r);
		break;
	}
}

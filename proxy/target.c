/* A target: lifecycle, stops, exit. Client requests are in target_ops.c. */
#include "proxy/target.h"
#include "proxy/client_nonstop.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <event2/event.h>

#include "proxy/audit.h"
#include "proxy/backend.h"
#include "proxy/client.h"
#include "proxy/hub.h"
#include "proxy/log.h"
#include "proxy/target_internal.h"
#include "proxy/target_nonstop.h"
#include "proxy/target_ops.h"
#include "proxy/upstream.h"

/* How long to wait for the child's exit status once the stub's connection
 * is gone, before killing it. */
#define REAP_GRACE_MS 3000
/* How long a spawned stub may take to start listening. */
#define CONNECT_RETRY_MS 10000

static const struct upstream_events upstream_events;

/* Create a target for cfg. */
struct target *target_create(struct hub *hub, const struct cfg_target *cfg, int64_t pid)
{
	struct target *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->hub = hub;
	t->cfg = cfg;
	t->pid = pid;
	t->child = -1;
	t->state = TARGET_STARTING;
	t->ops = backend_find(cfg->backend);
	bp_table_init(&t->bps);
	TAILQ_INIT(&t->attached);
	return t;
}

const char *target_name(const struct target *t)
{
	return t->cfg->name;
}

/* A short word for a state, for logs and monitor output. */
const char *target_state_name(enum target_state s)
{
	static const char *const names[] = { "starting", "stopped", "running", "exited", "failed" };

	return names[s];
}

/* Launch the backend and connect upstream. */
int target_launch(struct target *t, char **cause)
{
	if (t->ops == NULL) {
		*cause = strdup("no such backend");
		return -1;
	}
	if (t->ops->launch(t->hub->base, t->cfg, t->hub->runtime_dir, &t->backend, cause) != 0) {
		t->state = TARGET_FAILED;
		return -1;
	}
	t->child = t->ops->child_pid(t->backend);
	hw_slots_init(&t->hw, t->ops->hw_slots(t->backend));
	t->up = upstream_create(t->hub->base, t->ops->gdb_address(t->backend), CONNECT_RETRY_MS,
				&upstream_events, t, cause);
	if (t->up == NULL) {
		t->state = TARGET_FAILED;
		return -1;
	}
	log_info("target %s: %s backend launched%s, stub at %s", target_name(t), t->ops->name,
		 t->child > 0 ? " (pid recorded)" : "", t->ops->gdb_address(t->backend));
	if (t->hw.n > 0)
		log_info("target %s: %u hardware breakpoint/watchpoint slots; an insert past "
			 "them is refused (monitor hw)", target_name(t), t->hw.n);
	else
		log_info("target %s: hardware slots are the stub's to give out", target_name(t));
	return 0;
}

/* Free the cached target description. */
static void free_tdesc(struct target *t)
{
	while (t->tdesc != NULL) {
		struct tdesc_annex *a = t->tdesc;
		t->tdesc = a->next;
		free(a->name);
		free(a->data);
		free(a);
	}
}

/* Stop the backend, close the clients, free. */
void target_destroy(struct target *t)
{
	struct attachment *a;

	if (t == NULL)
		return;
	while ((a = TAILQ_FIRST(&t->attached)) != NULL)
		client_close(a->c, "the daemon is stopping");
	upstream_destroy(t->up);
	if (t->ops != NULL && t->backend != NULL)
		t->ops->destroy(t->backend);
	if (t->reap_timer != NULL)
		event_free(t->reap_timer);
	if (t->fork_reap != NULL)
		event_free(t->fork_reap);
	bp_table_finish(&t->bps);
	config_target_free(t->own_cfg);
	free(t->orphans);
	free(t->ns_pending);
	free(t->threads);
	free_tdesc(t);
	free(t);
}

/* Clients attached to t, each with a reference so none is freed under us. */
static struct client **hold_clients(struct target *t, size_t *n)
{
	struct attachment *a;
	struct client **v;
	size_t k = 0;

	TAILQ_FOREACH(a, &t->attached, by_target)
		k++;
	v = calloc(k + 1, sizeof(*v));
	*n = 0;
	if (v == NULL)
		return NULL;
	TAILQ_FOREACH(a, &t->attached, by_target) {
		client_ref(a->c);
		v[(*n)++] = a->c;
	}
	return v;
}

/* Detach what target_finish_exit left attached (clients told of the exit,
 * which close the connection themselves), and let clients that waited for
 * t to start go on with their queued request: it now fails cleanly. */
static void release_clients(struct target *t, struct client **held, size_t n)
{
	struct attachment *a;

	while ((a = TAILQ_FIRST(&t->attached)) != NULL)
		target_detach(t, a->c);
	for (size_t i = 0; i < n; i++) {
		struct client *c = held[i];
		if (!c->dead && c->waiting_ready &&
		    (c->target == NULL || target_ready(c->target))) {
			c->waiting_ready = false;
			client_wake(c);
		}
		client_unref(c);
	}
}

/* Stop the backend and end every session on t. */
void target_retire(struct target *t)
{
	bool alive = t->state != TARGET_EXITED && t->state != TARGET_FAILED;
	size_t n = 0;
	struct client **held = hold_clients(t, &n);

	log_info("target %s: removing it", target_name(t));
	/* Mark the VM gone before the link goes: requests that come back with
	 * NULL replies, and any a client sends meanwhile, see a dead target,
	 * and the start-up sequence does not carry on. */
	t->link_lost = true;
	if (alive) {
		t->state = TARGET_EXITED;
		memset(&t->stop, 0, sizeof(t->stop));
		/* As a debugger sees a process killed under it. */
		t->stop.kind = RSP_STOP_KILLED;
		t->stop.signal = SIGKILL;
	}
	upstream_destroy(t->up);
	t->up = NULL;
	if (t->ops != NULL && t->backend != NULL)
		t->ops->destroy(t->backend);
	t->backend = NULL;
	t->child_reaped = false;
	if (alive)
		target_finish_exit(t);
	release_clients(t, held, n);
	free(held);
}

/* Whether the target takes requests. */
bool target_ready(const struct target *t)
{
	return t->state != TARGET_STARTING;
}

/* Wake the clients that arrived while the target was starting. */
static void wake_clients(struct target *t)
{
	struct attachment *a, *next;

	TAILQ_FOREACH_SAFE(a, &t->attached, by_target, next) {
		if (a->c->waiting_ready && a->c->target == t) {
			a->c->waiting_ready = false;
			client_wake(a->c);
		}
	}
}

/* Record the upstream thread list from a qfThreadInfo/qsThreadInfo reply. */
static void add_threads(struct target *t, const char *list)
{
	const char *p = list + 1, *end = list + strlen(list);

	while (p < end) {
		struct rsp_thread_id id;
		int64_t *n;
		if (rsp_parse_thread_id(&p, end, &id) != 0)
			break;
		n = realloc(t->threads, (t->n_threads + 1) * sizeof(*n));
		if (n == NULL)
			break;
		t->threads = n;
		t->threads[t->n_threads++] = id.tid;
		if (p < end && *p == ',')
			p++;
	}
}

static void on_thread_list(void *arg, const uint8_t *reply, size_t len);

/* Become ready for clients once the thread list and description are known. */
static void finish_startup(struct target *t)
{
	if (t->state != TARGET_STARTING || t->link_lost)
		return; /* the link went down meanwhile: its handler reports it */
	if (t->n_threads == 0) {
		/* A stub without qfThreadInfo: one thread, id 1. */
		t->threads = calloc(1, sizeof(*t->threads));
		if (t->threads != NULL) {
			t->threads[0] = 1;
			t->n_threads = 1;
		}
	}
	t->state = t->stop.kind == RSP_STOP_SIGNAL ? TARGET_STOPPED : TARGET_EXITED;
	log_info("target %s: ready, %s, %zu thread(s)", target_name(t),
		 target_state_name(t->state), t->n_threads);
	wake_clients(t);
}

/* The description is read (with every vCPU still stopped): a non-stop
 * stub goes non-stop now, and then the target is ready. */
static void start_non_stop(struct target *t)
{
	if (t->state != TARGET_STARTING || t->link_lost)
		return;
	target_ns_start(t, finish_startup);
}

/* Read one page of the thread list; `l` ends it. */
static void on_thread_list(void *arg, const uint8_t *reply, size_t len)
{
	struct target *t = arg;

	if (reply == NULL)
		return;
	if (len > 0 && reply[0] == 'm') {
		add_threads(t, (const char *)reply);
		upstream_request_str(t->up, "qsThreadInfo", false, on_thread_list, t);
		return;
	}
	target_prefetch_features(t, start_non_stop);
}

/* Upstream handshake done: record the first stop, then list threads. */
static void on_upstream_ready(void *ctx, const uint8_t *stop, size_t len)
{
	struct target *t = ctx;

	if (rsp_stop_parse((const char *)stop, len, &t->stop) != 0) {
		log_warn("target %s: first stop record unreadable: %s", target_name(t),
			 (const char *)stop);
		memset(&t->stop, 0, sizeof(t->stop));
		t->stop.signal = 5;
	}
	t->up_hg_known = false;
	upstream_request_str(t->up, "qfThreadInfo", false, on_thread_list, t);
}

/* Console output from the stub goes to clients waiting for a stop. */
static void on_upstream_console(void *ctx, const uint8_t *hex, size_t len)
{
	target_console(ctx, hex, len);
}

void target_console(struct target *t, const uint8_t *hex, size_t len)
{
	struct attachment *a;
	char *pkt = malloc(len + 2);

	if (pkt == NULL)
		return;
	pkt[0] = 'O';
	memcpy(pkt + 1, hex, len);
	TAILQ_FOREACH(a, &t->attached, by_target)
		if (a->waiting_stop)
			rsp_link_send(&a->c->link, pkt, len + 1);
	free(pkt);
}

/* Deliver the final W/X to waiting clients and close the others. */
void target_finish_exit(struct target *t)
{
	struct attachment *a, *next;
	char text[256];

	if (t->reap_timer != NULL)
		evtimer_del(t->reap_timer);
	t->state = TARGET_EXITED;
	if (t->child_reaped) {
		memset(&t->stop, 0, sizeof(t->stop));
		if (WIFSIGNALED(t->wait_status)) {
			t->stop.kind = RSP_STOP_KILLED;
			t->stop.signal = (uint8_t)WTERMSIG(t->wait_status);
		} else {
			t->stop.kind = RSP_STOP_EXITED;
			t->stop.signal = (uint8_t)WEXITSTATUS(t->wait_status);
		}
	}
	if (t->stop.kind == RSP_STOP_SIGNAL)
		/* A foreign stub closed without W/X: the status is unknown, and
		 * clients are disconnected rather than told an invented one. */
		log_info("target %s: stub closed without an exit report", target_name(t));
	else
		log_info("target %s: VM %s %u", target_name(t),
			 t->stop.kind == RSP_STOP_KILLED ? "killed by signal" : "exited with status",
			 t->stop.signal);
	TAILQ_FOREACH_SAFE(a, &t->attached, by_target, next) {
		struct client *c = a->c;
		/* The process is gone: an extended-remote client stays connected
		 * (with its other VMs, or none), as gdb expects after W/X; a
		 * plain remote one closes the connection itself after W/X. */
		bool stays = c->extended || client_attachment_count(c) > 1;
		bool told = a->waiting_stop && t->stop.kind != RSP_STOP_SIGNAL;
		if (told)
			target_deliver_stop(t, c);
		else if (t->stop.kind != RSP_STOP_SIGNAL)
			told = nonstop_exit(a, target_stop_text(t, c, text, sizeof(text)));
		if (stays) {
			audit_detach(c, t, "exited", NULL);
			target_detach(t, c);
		} else if (!told) {
			client_close_after_flush(c, "the target's stub is gone");
		}
	}
}

/* The target never came up: say why to the clients that wait for it. Later
 * clients get errors from every request that needs the VM. */
static void fail_startup(struct target *t, const char *why)
{
	struct attachment *a, *next;

	t->state = TARGET_FAILED;
	snprintf(t->failure, sizeof(t->failure), "%s", why);
	log_error("target %s: failed to start: %s", target_name(t), why);
	TAILQ_FOREACH_SAFE(a, &t->attached, by_target, next)
		client_close_after_flush(a->c, "the target failed to start");
}

/* The child did not exit after its stub went away: kill it. */
static void on_reap_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct target *t = arg;

	(void)fd;
	(void)what;
	if (t->child_reaped)
		return;
	log_warn("target %s: stub closed but the process lives on; killing it", target_name(t));
	kill(t->child, SIGKILL);
}

/* The stub's connection is gone: the VM exited or died. */
static void on_upstream_closed(void *ctx, const char *why)
{
	struct target *t = ctx;
	struct timeval tv = { REAP_GRACE_MS / 1000, (REAP_GRACE_MS % 1000) * 1000 };

	t->link_lost = true;
	if (t->state == TARGET_STARTING && t->child <= 0) {
		fail_startup(t, why);
		return;
	}
	if (t->child > 0 && !t->child_reaped) {
		/* Wait for the exit status: it is what the user wants to see. */
		if (t->reap_timer == NULL)
			t->reap_timer = evtimer_new(t->hub->base, on_reap_timeout, t);
		evtimer_add(t->reap_timer, &tv);
		return;
	}
	target_finish_exit(t);
}

/* The hub reaped our child. */
void target_child_exited(struct target *t, int status)
{
	t->child_reaped = true;
	t->wait_status = status;
	if (t->reap_timer != NULL)
		evtimer_del(t->reap_timer);
	if (t->backend != NULL)
		t->ops->child_exited(t->backend, status);
	log_info("target %s: process %d ended (%s %d)", target_name(t), (int)t->child,
		 WIFSIGNALED(status) ? "signal" : "status",
		 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	if (t->state == TARGET_STARTING) {
		upstream_destroy(t->up);
		t->up = NULL;
		fail_startup(t, "the VM's process ended before its stub answered");
		return;
	}
	if (t->link_lost)
		target_finish_exit(t);
}

/* A stop of a non-stop stub. */
static void on_upstream_stop(void *ctx, const uint8_t *stop, size_t len)
{
	target_ns_stopped(ctx, stop, len);
}

static const struct upstream_events upstream_events = {
	.ready = on_upstream_ready,
	.closed = on_upstream_closed,
	.console = on_upstream_console,
	.stop = on_upstream_stop,
};

/* Attach a client with role. */
struct attachment *target_attach(struct target *t, struct client *c, enum access_role role)
{
	struct attachment *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->c = c;
	a->t = t;
	a->role = role;
	TAILQ_INSERT_TAIL(&t->attached, a, by_target);
	TAILQ_INSERT_TAIL(&c->attachments, a, by_client);
	audit_attach(c, t, role);
	log_info("client %u (%s) attached to %s (%s) as %s", c->id, c->peer, target_name(t),
		 target_state_name(t->state), access_role_name(role));
	return a;
}

/* Translate a client's thread id to the upstream's. */
int64_t target_upstream_tid(const struct target *t, const struct rsp_thread_id *id)
{
	if (id->has_pid && id->pid != t->pid && id->pid != -1 && id->pid != 0)
		return -2;
	return id->tid;
}

/* The stub's vCont? answer. */
const char *target_vcont(const struct target *t)
{
	return t->up != NULL ? upstream_features(t->up)->vcont : "";
}

uint64_t target_thread_bit(const struct target *t, int64_t tid)
{
	for (size_t i = 0; i < t->n_threads && i < 64; i++)
		if (t->threads[i] == tid)
			return 1ull << i;
	return 0;
}

bool target_busy_for(const struct target *t, const struct client *c)
{
	return t->state == TARGET_RUNNING && !(c->non_stop && target_ns_per_thread(t));
}

/* Whether an upstream thread id exists. */
bool target_has_thread(const struct target *t, int64_t tid)
{
	for (size_t i = 0; i < t->n_threads; i++)
		if (t->threads[i] == tid)
			return true;
	return false;
}

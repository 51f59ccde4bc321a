/* A client connection: input loop, replies, lifetime. Packet handlers are
 * in client_cmds.c. */
#include "proxy/client.h"
#include "proxy/user_access.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "proxy/audit.h"
#include "proxy/client_cmds.h"
#include "proxy/hub.h"
#include "proxy/log.h"
#include "proxy/target.h"
#include "proxy/target_fork.h"
#include "proxy/target_ops.h"

/* Packets a client may send ahead of our replies before we call it a flood
 * (gdb sends one at a time). */
#define MAX_PENDING 64
/* Output a client may leave unread before it is dropped (OpenSSH's channel
 * bound): a stalled debugger must not hold the daemon's memory. */
#define MAX_OUTPUT (16u * 1024 * 1024)

static void process_input(struct client *c);

/* Free a client whose last reference is gone. */
static void client_free(struct client *c)
{
	struct pending_packet *p;

	while ((p = STAILQ_FIRST(&c->pending)) != NULL) {
		STAILQ_REMOVE_HEAD(&c->pending, entry);
		free(p);
	}
	rsp_link_finish(&c->link);
	free(c);
}

void client_ref(struct client *c)
{
	c->refs++;
}

void client_unref(struct client *c)
{
	if (--c->refs == 0)
		client_free(c);
}

/* Leave every target: the client's breakpoints go with it. detach_why
 * tells the audit log who ended it ("vanished": the client, "closed": the
 * daemon); why is the log's text. */
static void detach_all(struct client *c, const char *detach_why, const char *why)
{
	struct attachment *a;

	while ((a = TAILQ_FIRST(&c->attachments)) != NULL) {
		audit_detach(c, a->t, detach_why, why);
		target_detach(a->t, c);
	}
}

/* Close the connection and detach; freed when no request refers to it. */
static void close_client(struct client *c, const char *detach_why, const char *why)
{
	if (c->dead)
		return;
	c->dead = true;
	log_info("client %u (%s) closed: %s", c->id, c->peer, why);
	detach_all(c, detach_why, why);
	if (!c->closing) /* else client_close_after_flush wrote the line */
		audit_disconnect(c, why);
	TAILQ_REMOVE(&c->hub->clients, c, hub_entry);
	bufferevent_free(c->bev);
	c->bev = NULL;
	client_unref(c);
}

/* Close the connection: the daemon's decision. */
void client_close(struct client *c, const char *why)
{
	close_client(c, "closed", why);
}

/* Output drained: finish a close that waited for it. */
static void on_write(struct bufferevent *bev, void *arg)
{
	struct client *c = arg;

	(void)bev;
	rsp_link_output_drained(&c->link);
	if (c->closing)
		client_close(c, "closed after its last reply");
}

/* Close after what is queued has been sent. */
void client_close_after_flush(struct client *c, const char *why)
{
	if (c->dead || c->closing)
		return;
	c->closing = true;
	log_info("client %u (%s) closing: %s", c->id, c->peer, why);
	detach_all(c, "closed", why);
	audit_disconnect(c, why);
	bufferevent_disable(c->bev, EV_READ);
	rsp_link_flush(&c->link);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		client_close(c, why);
}

/* Drop a client whose output has piled up. */
static bool output_overflowed(struct client *c)
{
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) <= MAX_OUTPUT)
		return false;
	client_close(c, "stalled: too much unread output");
	return true;
}

/* Reply to the request being served; take the next packet. */
void client_reply(struct client *c, const void *payload, size_t len)
{
	if (c->dead)
		return;
	if (rsp_link_send(&c->link, payload, len) != 0) {
		client_close(c, "out of memory queueing a reply");
		return;
	}
	if (output_overflowed(c))
		return;
	c->busy = false;
	if (!c->processing)
		process_input(c);
}

void client_reply_str(struct client *c, const char *payload)
{
	client_reply(c, payload, strlen(payload));
}

/* Reply to a qXfer read with a slice of data. */
void client_reply_xfer(struct client *c, const void *data, size_t total, uint64_t off,
		       uint64_t len)
{
	size_t take;
	uint8_t *reply;

	if (off >= total) {
		client_reply_str(c, "l");
		return;
	}
	take = total - off < len ? total - off : len;
	if (take > CLIENT_PACKET_SIZE - 1)
		take = CLIENT_PACKET_SIZE - 1;
	reply = malloc(take + 1);
	if (reply == NULL) {
		client_reply_error(c, 1, "out of memory");
		return;
	}
	reply[0] = off + take < total ? 'm' : 'l';
	memcpy(reply + 1, (const uint8_t *)data + off, take);
	client_reply(c, reply, take + 1);
	free(reply);
}

/* Reply `E NN` and log the reason. */
void client_reply_error(struct client *c, int code, const char *fmt, ...)
{
	char why[256], pkt[8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_info("client %u: error %02x: %s", c->id, code & 0xff, why);
	snprintf(pkt, sizeof(pkt), "E%02x", code & 0xff);
	client_reply_str(c, pkt);
}

/* A copy of a packet for the pending queue; NULL on out of memory. */
static struct pending_packet *pending_copy(const void *data, size_t len)
{
	struct pending_packet *p = malloc(sizeof(*p) + len + 1);

	if (p == NULL)
		return NULL;
	p->len = len;
	memcpy(p->data, data, len);
	p->data[len] = '\0';
	return p;
}

/* Keep a packet that arrived while another is served. */
static bool queue_packet(struct client *c, const uint8_t *data, size_t len)
{
	struct pending_packet *p;

	if (c->n_pending >= MAX_PENDING) {
		client_close(c, "too many packets ahead of replies");
		return false;
	}
	p = pending_copy(data, len);
	if (p == NULL) {
		client_close(c, "out of memory");
		return false;
	}
	STAILQ_INSERT_TAIL(&c->pending, p, entry);
	c->n_pending++;
	return true;
}

/* Serve pkt again once the attached target is ready: it goes back to the
 * head of the queue, and the input loop holds it until the target wakes us. */
void client_retry_when_ready(struct client *c, const char *pkt, size_t len)
{
	struct pending_packet *p = pending_copy(pkt, len);

	if (p == NULL) {
		client_reply_error(c, 1, "out of memory");
		return;
	}
	STAILQ_INSERT_HEAD(&c->pending, p, entry);
	c->n_pending++;
	c->busy = false;
}

/* Serve one packet; the handler replies now or later. */
static void serve(struct client *c, const uint8_t *data, size_t len)
{
	c->busy = true;
	client_cmds_dispatch(c, (const char *)data, len);
}

/* Serve the oldest queued packet. */
static void serve_pending(struct client *c)
{
	struct pending_packet *p = STAILQ_FIRST(&c->pending);

	STAILQ_REMOVE_HEAD(&c->pending, entry);
	c->n_pending--;
	serve(c, p->data, p->len);
	free(p);
}

/* Whether policy lets c interrupt its current target. */
bool client_may_interrupt(struct client *c)
{
	struct access_request r = {
		.role = c->role,
		.action = ACCESS_INTERRUPT,
		.vm_running = c->target->state == TARGET_RUNNING,
		.client = c->id,
		.floor_holder = c->target->resumer != NULL ? c->target->resumer->id : 0,
	};
	enum access_verdict v = access_check(&r);

	if (v == ACCESS_ALLOW)
		return true;
	audit_denied(c, ACCESS_INTERRUPT, access_explain(&r, v));
	log_info("client %u (%s): interrupt refused: %s", c->id, c->peer, access_explain(&r, v));
	return false;
}

/* Handle one decoded event from the client. */
static void handle_event(struct client *c, const struct rsp_event *ev)
{
	switch (ev->kind) {
	case RSP_EV_PACKET:
		if (c->busy || !STAILQ_EMPTY(&c->pending))
			queue_packet(c, ev->payload, ev->len);
		else
			serve(c, ev->payload, ev->len);
		break;
	case RSP_EV_INTERRUPT:
		if (c->target != NULL && client_may_interrupt(c)) {
			audit_interrupt(c);
			target_interrupt(c->target, c);
		}
		break;
	case RSP_EV_OVERFLOW:
		log_warn("client %u: packet larger than %u bytes dropped", c->id, CLIENT_PACKET_SIZE);
		if (!c->busy)
			client_reply_error(c, 1, "packet too large");
		break;
	case RSP_EV_MALFORMED:
		log_warn("client %u: malformed frame dropped", c->id);
		break;
	default:
		break;
	}
}

/* Serve input until a request waits on the target or input runs out. */
static void process_input(struct client *c)
{
	struct rsp_event ev;

	if (c->processing || c->dead)
		return;
	c->processing = true;
	client_ref(c);
	while (!c->dead && !c->closing) {
		if (c->target != NULL && !target_ready(c->target)) {
			c->waiting_ready = true;
			break;
		}
		if (!c->busy && !STAILQ_EMPTY(&c->pending)) {
			serve_pending(c);
			continue;
		}
		if (!rsp_link_next(&c->link, &ev))
			break;
		handle_event(c, &ev);
	}
	if (!c->dead)
		rsp_link_flush(&c->link);
	c->processing = false;
	client_unref(c);
}

/* Take packets again after the target became ready. */
void client_wake(struct client *c)
{
	process_input(c);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	process_input(arg);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct client *c = arg;

	(void)bev;
	if (what & BEV_EVENT_EOF)
		close_client(c, "vanished", "connection closed by the client");
	else if (what & BEV_EVENT_ERROR)
		close_client(c, "vanished", evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

/* The role a client of a trusted listener gets on t: its listener's, else
 * t's default. */
static enum access_role listener_role(enum cfg_role listener, const struct target *t)
{
	enum cfg_role r = listener;

	if (r == CFG_ROLE_DEFAULT && t != NULL)
		r = t->cfg->default_role;
	return r == CFG_ROLE_OBSERVE ? ACCESS_OBSERVE : ACCESS_CONTROL;
}

/* Whether c may attach to t, and with which role: a logged-in user's comes
 * from the access rules, anyone else's from the listener. */
bool client_role_on(const struct client *c, const struct target *t, enum access_role *role,
		    char *why, size_t cap)
{
	enum acl_grant g;

	if (c->user[0] == '\0') {
		*role = listener_role(c->listener_role, t);
		snprintf(why, cap, "listener role");
		return true;
	}
	g = user_access(c->hub->cfg, c->user, target_name(t), why, cap);
	*role = g == ACL_CONTROL ? ACCESS_CONTROL : ACCESS_OBSERVE;
	return g != ACL_NONE;
}

/* Whether c may see t at all (listings leave out the others). */
bool client_may_see(const struct client *c, const struct target *t)
{
	enum access_role role;
	char why[160];

	/* One client's own replay (sharing "fork") is its alone. */
	if (t->fork_client != 0 && t->fork_client != c->id)
		return false;
	return client_role_on(c, t, &role, why, sizeof(why));
}

/* Attach c to t with the role its listener, or its user's access rules, give
 * it. Returns 0, or -1 (with the reason in why) if c may not attach. */
int client_attach(struct client *c, struct target *t, char *why, size_t cap)
{
	enum access_role role;
	struct attachment *a;

	if (!client_role_on(c, t, &role, why, cap)) {
		audit_door(c->hub->audit, "denied", c->user, c->peer, target_name(t), why);
		return -1;
	}
	/* A fork target gives each client a replay of its own. */
	if (target_fork_is_template(t)) {
		if ((t = target_fork_for(t, c, why, cap)) == NULL)
			return -1;
		if ((a = client_attachment(c, t)) != NULL) {
			client_set_current(c, a);
			return 0;
		}
	}
	a = target_attach(t, c, role);
	if (a == NULL) {
		client_close(c, "out of memory attaching");
		snprintf(why, cap, "out of memory");
		return -1;
	}
	/* target_attach logs the attach; a user's line adds the rule behind the role. */
	if (c->user[0] != '\0')
		log_info("client %u user %s attached to %s as %s (%s)", c->id, c->user,
			 target_name(t), access_role_name(role), why);
	client_set_current(c, a);
	return 0;
}

/* c's attachment to t, or NULL. */
struct attachment *client_attachment(const struct client *c, const struct target *t)
{
	struct attachment *a;

	TAILQ_FOREACH(a, &c->attachments, by_client)
		if (a->t == t)
			return a;
	return NULL;
}

/* c's attachment to the target with process id pid, or NULL. */
struct attachment *client_attachment_by_pid(const struct client *c, int64_t pid)
{
	struct attachment *a;

	TAILQ_FOREACH(a, &c->attachments, by_client)
		if (a->t->pid == pid)
			return a;
	return NULL;
}

/* How many targets c is attached to. */
size_t client_attachment_count(const struct client *c)
{
	const struct attachment *a;
	size_t n = 0;

	TAILQ_FOREACH(a, &c->attachments, by_client)
		n++;
	return n;
}

/* Make a's target the current one: requests go there, with a's role. */
void client_set_current(struct client *c, struct attachment *a)
{
	c->cur = a;
	c->target = a != NULL ? a->t : NULL;
	c->role = a != NULL ? a->role : listener_role(c->listener_role, NULL);
}

/* Take a connected socket and attach it to target (may be NULL). */
struct client *client_create(struct hub *hub, int fd, const char *peer, const char *user,
			     struct target *target, enum cfg_role role)
{
	char why[200];
	struct client *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->bev = bufferevent_socket_new(hub->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL || rsp_link_init(&c->link, c->bev, CLIENT_PACKET_SIZE) != 0) {
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		free(c);
		return NULL;
	}
	c->link.connected = true;
	c->hub = hub;
	c->id = ++hub->next_client_id;
	c->listener_role = role;
	c->role = listener_role(role, target);
	snprintf(c->user, sizeof(c->user), "%s", user != NULL ? user : "");
	c->refs = 1;
	TAILQ_INIT(&c->attachments);
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	STAILQ_INIT(&c->pending);
	TAILQ_INSERT_TAIL(&hub->clients, c, hub_entry);
	audit_connect(c);
	log_info("client %u connected from %s%s%s", c->id, c->peer, c->user[0] ? " as " : "",
		 c->user);
	/* The transport checked access first; a refusal here is a reload racing it. */
	if (target != NULL && client_attach(c, target, why, sizeof(why)) != 0)
		client_close_after_flush(c, why);
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	/* New bufferevents watch EV_WRITE; ours write directly (rsp_link.h). */
	bufferevent_disable(c->bev, EV_WRITE);
	bufferevent_enable(c->bev, EV_READ);
	return c;
}

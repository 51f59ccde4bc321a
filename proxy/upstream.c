/* The upstream RSP client: one connection per target, requests in order. */
#include "proxy/upstream.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proxy/queue_compat.h"
#include <sys/socket.h>
#include <sys/un.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "proxy/log.h"
#include "proxy/rsp_link.h"
#include "proxy/transport/sockaddr.h"

/* Our own buffer for replies: large enough for any stub we know of
 * (QEMU's largest packet is 131104 bytes). */
#define UPSTREAM_MAX_PACKET (256 * 1024)
#define RETRY_INTERVAL_MS 50

struct request {
	TAILQ_ENTRY(request) entry;
	bool expects_stop;
	void (*start)(void *arg); /* a silent wait (upstream_await_stop) */
	upstream_reply_fn fn;
	void *arg;
	size_t len;
	uint8_t payload[];
};

struct upstream {
	struct event_base *base;
	char *address;
	struct sockaddr_storage sa;
	socklen_t salen;
	struct bufferevent *bev;
	struct rsp_link link;
	struct event *retry;
	unsigned retry_left_ms;
	const struct upstream_events *events;
	void *ctx;
	TAILQ_HEAD(, request) queue;
	struct request *inflight;
	struct upstream_features feat;
	bool connected;
	bool closed;
	int dispatching;      /* depth of callbacks running from our read loop */
	bool destroy_pending; /* upstream_destroy was called inside a callback */
};

static void start_connect(struct upstream *up);
static void complete(struct upstream *up, const uint8_t *reply, size_t len);

/* Send the next queued request if none is outstanding. */
static void send_next(struct upstream *up)
{
	struct request *req;

	if (up->inflight != NULL || up->closed || !up->connected)
		return;
	req = TAILQ_FIRST(&up->queue);
	if (req == NULL)
		return;
	TAILQ_REMOVE(&up->queue, req, entry);
	up->inflight = req;
	if (req->start != NULL) {
		/* Nothing is outstanding: what start does to the VM is the only
		 * cause of the stop that comes next. */
		up->dispatching++;
		req->start(req->arg);
		up->dispatching--;
		return;
	}
	if (rsp_link_send(&up->link, req->payload, req->len) != 0)
		log_error("%s: cannot queue a request for output", up->address);
}

/* Queue a request. */
int upstream_request(struct upstream *up, const void *payload, size_t len,
		     bool expects_stop, upstream_reply_fn fn, void *arg)
{
	struct request *req;

	if (up->closed || len > upstream_max_payload(up))
		return -1;
	req = malloc(sizeof(*req) + len + 1);
	if (req == NULL)
		return -1;
	req->expects_stop = expects_stop;
	req->start = NULL;
	req->fn = fn;
	req->arg = arg;
	req->len = len;
	memcpy(req->payload, payload, len);
	req->payload[len] = '\0';
	TAILQ_INSERT_TAIL(&up->queue, req, entry);
	send_next(up);
	return 0;
}

/* Queue a NUL-terminated request. */
int upstream_request_str(struct upstream *up, const char *payload, bool expects_stop,
			 upstream_reply_fn fn, void *arg)
{
	return upstream_request(up, payload, strlen(payload), expects_stop, fn, arg);
}

/* Queue a wait for a stop that something else causes. */
int upstream_await_stop(struct upstream *up, void (*start)(void *arg), upstream_reply_fn fn,
			void *arg)
{
	struct request *req;

	if (up->closed || (req = calloc(1, sizeof(*req) + 1)) == NULL)
		return -1;
	req->expects_stop = true;
	req->start = start;
	req->fn = fn;
	req->arg = arg;
	TAILQ_INSERT_TAIL(&up->queue, req, entry);
	send_next(up);
	return 0;
}

/* End the outstanding silent wait with a NULL reply. */
void upstream_cancel_await(struct upstream *up)
{
	if (up->inflight != NULL && up->inflight->start != NULL)
		complete(up, NULL, 0);
}

/* Send 0x03 ahead of the queue. */
void upstream_interrupt(struct upstream *up)
{
	if (!up->closed && up->connected) {
		rsp_link_send_byte(&up->link, 0x03);
		rsp_link_flush(&up->link);
	}
}

/* The features negotiated with the stub. */
const struct upstream_features *upstream_features(const struct upstream *up)
{
	return &up->feat;
}

/* Largest payload one packet to the stub may carry: PacketSize counts the
 * payload, as gdb reads it, and stubs size their buffers to match. */
size_t upstream_max_payload(const struct upstream *up)
{
	return up->feat.packet_size;
}

/* Complete the outstanding request with reply (NULL: link lost). */
static void complete(struct upstream *up, const uint8_t *reply, size_t len)
{
	struct request *req = up->inflight;

	up->inflight = NULL;
	up->dispatching++;
	req->fn(req->arg, reply, len);
	up->dispatching--;
	free(req);
	send_next(up);
}

/* Console output arrives as `O` + hex while a resume runs. */
static bool is_console_output(const struct upstream *up, const struct rsp_event *ev)
{
	return up->inflight != NULL && up->inflight->expects_stop && ev->len > 1 &&
	       ev->payload[0] == 'O' && !(ev->len == 2 && ev->payload[1] == 'K');
}

/* Handle one packet from the stub. */
static void handle_packet(struct upstream *up, const struct rsp_event *ev)
{
	if (is_console_output(up, ev)) {
		if (up->events->console != NULL) {
			up->dispatching++;
			up->events->console(up->ctx, ev->payload + 1, ev->len - 1);
			up->dispatching--;
		}
		return;
	}
	if (up->inflight == NULL) {
		log_warn("%s: unexpected packet from the stub ignored: %.40s", up->address,
			 (const char *)ev->payload);
		return;
	}
	complete(up, ev->payload, ev->len);
}

static void on_vstopped(void *arg, const uint8_t *reply, size_t len);

/* Hand one stop of a non-stop stub to the owner, then ask for the next:
 * the stub holds its queue of stops until each is acknowledged with
 * vStopped, and `OK` says the queue is empty. */
static void take_stop(struct upstream *up, const uint8_t *stop, size_t len)
{
	if (up->events->stop != NULL) {
		up->dispatching++;
		up->events->stop(up->ctx, stop, len);
		up->dispatching--;
	}
	if (!up->closed && !up->destroy_pending &&
	    upstream_request_str(up, "vStopped", false, on_vstopped, up) != 0)
		log_error("%s: cannot queue vStopped", up->address);
}

/* The reply to vStopped: the next queued stop, or `OK` for none. */
static void on_vstopped(void *arg, const uint8_t *reply, size_t len)
{
	struct upstream *up = arg;

	if (reply == NULL || (len == 2 && memcmp(reply, "OK", 2) == 0))
		return;
	take_stop(up, reply, len);
}

/* A notification: only `Stop:` is defined; others are ignored. */
static void handle_notification(struct upstream *up, const struct rsp_event *ev)
{
	if (ev->len > 5 && memcmp(ev->payload, "Stop:", 5) == 0)
		take_stop(up, ev->payload + 5, ev->len - 5);
	else
		log_warn("%s: unknown notification from the stub ignored: %.40s", up->address,
			 (const char *)ev->payload);
}

/* Fail every request and tell the owner the link is gone. */
static void close_link(struct upstream *up, const char *why)
{
	struct request *req;

	if (up->closed)
		return;
	up->closed = true;
	log_info("%s: upstream closed: %s", up->address, why);
	if (up->inflight != NULL)
		complete(up, NULL, 0);
	while ((req = TAILQ_FIRST(&up->queue)) != NULL) {
		TAILQ_REMOVE(&up->queue, req, entry);
		up->dispatching++;
		req->fn(req->arg, NULL, 0);
		up->dispatching--;
		free(req);
	}
	up->dispatching++;
	up->events->closed(up->ctx, why);
	up->dispatching--;
}

static void really_destroy(struct upstream *up);

/* Read callback: decode and dispatch every complete event. */
static void on_read(struct bufferevent *bev, void *arg)
{
	struct upstream *up = arg;
	struct rsp_event ev;

	(void)bev;
	up->dispatching++;
	while (!up->closed && !up->destroy_pending && rsp_link_next(&up->link, &ev)) {
		if (ev.kind == RSP_EV_PACKET)
			handle_packet(up, &ev);
		else if (ev.kind == RSP_EV_NOTIFICATION)
			handle_notification(up, &ev);
		else if (ev.kind == RSP_EV_MALFORMED || ev.kind == RSP_EV_OVERFLOW)
			log_error("%s: %s frame from the stub dropped", up->address,
				  ev.kind == RSP_EV_OVERFLOW ? "oversized" : "malformed");
	}
	up->dispatching--;
	if (!up->closed && !up->destroy_pending)
		rsp_link_flush(&up->link);
	if (up->destroy_pending && up->dispatching == 0)
		really_destroy(up);
}

/* Output drained by the loop. */
static void on_write(struct bufferevent *bev, void *arg)
{
	struct upstream *up = arg;

	(void)bev;
	rsp_link_output_drained(&up->link);
}

/* Connection events: connected, EOF, errors. */
static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct upstream *up = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		up->connected = true;
		up->link.connected = true;
		/* EV_WRITE served the connect; from now on output is written
		 * directly (see rsp_link.h). */
		bufferevent_disable(up->bev, EV_WRITE);
		log_info("%s: connected to the stub", up->address);
		send_next(up);
		return;
	}
	if (!up->connected && up->retry_left_ms > 0) {
		struct timeval tv = { 0, RETRY_INTERVAL_MS * 1000 };
		bufferevent_free(up->bev);
		up->bev = NULL;
		up->retry_left_ms = up->retry_left_ms > RETRY_INTERVAL_MS
					    ? up->retry_left_ms - RETRY_INTERVAL_MS : 0;
		evtimer_add(up->retry, &tv);
		return;
	}
	up->dispatching++;
	close_link(up, (what & BEV_EVENT_EOF) ? "end of file" : evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	up->dispatching--;
	if (up->destroy_pending && up->dispatching == 0)
		really_destroy(up);
}

/* Retry timer: try to connect again. */
static void on_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	start_connect(arg);
}

/* Begin a non-blocking connect to the stub. */
static void start_connect(struct upstream *up)
{
	up->bev = bufferevent_socket_new(up->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (up->bev == NULL) {
		close_link(up, "out of memory");
		return;
	}
	rsp_link_finish(&up->link);
	if (rsp_link_init(&up->link, up->bev, UPSTREAM_MAX_PACKET) != 0) {
		close_link(up, "out of memory");
		return;
	}
	bufferevent_setcb(up->bev, on_read, on_write, on_event, up);
	bufferevent_enable(up->bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(up->bev, (struct sockaddr *)&up->sa, (int)up->salen) != 0)
		on_event(up->bev, BEV_EVENT_ERROR, up);
	else if (up->sa.ss_family != AF_UNIX)
		sockaddr_set_nodelay(bufferevent_getfd(up->bev));
}

/* Parse the stub's qSupported reply into our feature record. */
static void parse_supported(struct upstream_features *f, const char *s)
{
	char buf[1024];
	char *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s);
	for (char *tok = strtok_r(buf, ";", &save); tok != NULL; tok = strtok_r(NULL, ";", &save)) {
		if (strncmp(tok, "PacketSize=", 11) == 0)
			f->packet_size = strtoul(tok + 11, NULL, 16);
		else if (strcmp(tok, "QStartNoAckMode+") == 0)
			f->no_ack = true;
		else if (strcmp(tok, "qXfer:features:read+") == 0)
			f->xfer_features = true;
		else if (strcmp(tok, "ReverseStep+") == 0)
			f->reverse_step = true;
		else if (strcmp(tok, "ReverseContinue+") == 0)
			f->reverse_continue = true;
		else if (strcmp(tok, "hwbreak+") == 0)
			f->hwbreak = true;
		else if (strcmp(tok, "swbreak+") == 0)
			f->swbreak = true;
		else if (strcmp(tok, "QNonStop+") == 0)
			f->non_stop = true;
	}
	if (f->packet_size < 64)
		f->packet_size = 64;
	if (f->packet_size > UPSTREAM_MAX_PACKET)
		f->packet_size = UPSTREAM_MAX_PACKET;
}

/* The first stop record ends the handshake. */
static void on_first_stop(void *arg, const uint8_t *reply, size_t len)
{
	struct upstream *up = arg;

	if (reply == NULL)
		return;
	log_info("%s: stub ready: PacketSize=%zu no-ack=%d %s, first stop %s", up->address,
		 up->feat.packet_size, up->feat.no_ack, up->feat.vcont, (const char *)reply);
	up->events->ready(up->ctx, reply, len);
}

/* Record which vCont actions the stub offers. */
static void on_vcont(void *arg, const uint8_t *reply, size_t len)
{
	struct upstream *up = arg;

	if (reply != NULL && len > 5 && memcmp(reply, "vCont", 5) == 0)
		snprintf(up->feat.vcont, sizeof(up->feat.vcont), "%s", (const char *)reply);
}

/* No-ack mode starts after the stub's OK (which we still acknowledged). */
static void on_no_ack(void *arg, const uint8_t *reply, size_t len)
{
	struct upstream *up = arg;

	if (reply != NULL && len == 2 && memcmp(reply, "OK", 2) == 0)
		up->link.no_ack = true;
	else
		up->feat.no_ack = false;
}

/* The stub's features decide the rest of the handshake. */
static void on_supported(void *arg, const uint8_t *reply, size_t len)
{
	struct upstream *up = arg;

	(void)len;
	if (reply == NULL)
		return;
	parse_supported(&up->feat, (const char *)reply);
	if (up->feat.no_ack)
		upstream_request_str(up, "QStartNoAckMode", false, on_no_ack, up);
	upstream_request_str(up, "vCont?", false, on_vcont, up);
	/* The only `?` we ever send: QEMU drops every breakpoint on `?`, and
	 * none exist yet. Later clients are answered from our own record. */
	upstream_request_str(up, "?", false, on_first_stop, up);
}

/* Queue the feature negotiation; it goes out once connected. */
static void handshake_start(struct upstream *up)
{
	upstream_request_str(up, "qSupported:swbreak+;hwbreak+;vContSupported+", false,
			     on_supported, up);
}

/* Connect to the stub and start the handshake. */
struct upstream *upstream_create(struct event_base *base, const char *address,
				 unsigned retry_ms, const struct upstream_events *ev,
				 void *ctx, char **cause)
{
	struct upstream *up = calloc(1, sizeof(*up));

	*cause = NULL;
	if (up == NULL || (up->address = strdup(address)) == NULL) {
		free(up);
		*cause = strdup("out of memory");
		return NULL;
	}
	if (sockaddr_parse(address, &up->sa, &up->salen, cause) != 0) {
		free(up->address);
		free(up);
		return NULL;
	}
	up->base = base;
	up->events = ev;
	up->ctx = ctx;
	up->retry_left_ms = retry_ms;
	up->feat.packet_size = 1024; /* until the stub says more */
	TAILQ_INIT(&up->queue);
	up->retry = evtimer_new(base, on_retry, up);
	handshake_start(up);
	start_connect(up);
	return up;
}

/* Free everything; pending requests get NULL replies first. */
static void really_destroy(struct upstream *up)
{
	struct request *req;

	if (up->inflight != NULL)
		TAILQ_INSERT_HEAD(&up->queue, up->inflight, entry);
	up->inflight = NULL;
	while ((req = TAILQ_FIRST(&up->queue)) != NULL) {
		TAILQ_REMOVE(&up->queue, req, entry);
		req->fn(req->arg, NULL, 0);
		free(req);
	}
	if (up->retry != NULL)
		event_free(up->retry);
	if (up->bev != NULL)
		bufferevent_free(up->bev);
	rsp_link_finish(&up->link);
	free(up->address);
	free(up);
}

/* Close without callbacks to the owner and free. */
void upstream_destroy(struct upstream *up)
{
	if (up == NULL)
		return;
	up->closed = true;
	if (up->dispatching > 0) {
		up->destroy_pending = true;
		return;
	}
	really_destroy(up);
}

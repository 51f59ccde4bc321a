/* One RSP byte stream over a bufferevent. */
#include "proxy/rsp_link.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

/* Set up a link over bev accepting payloads up to max_packet bytes. */
int rsp_link_init(struct rsp_link *link, struct bufferevent *bev, size_t max_packet)
{
	memset(link, 0, sizeof(*link));
	link->bev = bev;
	link->decbuf = malloc(max_packet + 1);
	if (link->decbuf == NULL)
		return -1;
	rsp_decoder_init(&link->dec, link->decbuf, max_packet);
	return 0;
}

/* Release the link's buffers. */
void rsp_link_finish(struct rsp_link *link)
{
	free(link->decbuf);
	free(link->last);
	link->decbuf = NULL;
	link->last = NULL;
}

/* Keep a copy of a frame for retransmission while acks are in use. */
static void remember(struct rsp_link *link, const uint8_t *frame, size_t n)
{
	if (n > link->last_cap) {
		uint8_t *p = realloc(link->last, n);
		if (p == NULL) {
			link->last_len = 0;
			return;
		}
		link->last = p;
		link->last_cap = n;
	}
	memcpy(link->last, frame, n);
	link->last_len = n;
}

/* Write queued output now instead of on the loop's next pass: a proxy hop
 * then costs one write, not an epoll registration, an epoll round and a
 * deregistration. Only what the socket does not take waits for EV_WRITE. */
static void flush_now(struct rsp_link *link, struct evbuffer *out)
{
	evutil_socket_t fd = bufferevent_getfd(link->bev);

	if (!link->connected || fd < 0)
		return;
	if (evbuffer_get_length(out) > 0) {
		/* A socket bufferevent keeps its output's start frozen so that only
		 * its own write callback drains it; do as that callback does. */
		evbuffer_unfreeze(out, 1);
		evbuffer_write(out, fd);
		evbuffer_freeze(out, 1);
	}
	if (evbuffer_get_length(out) > 0)
		bufferevent_enable(link->bev, EV_WRITE);
}

/* Write whatever is queued (acks included). */
void rsp_link_flush(struct rsp_link *link)
{
	flush_now(link, bufferevent_get_output(link->bev));
}

/* The loop drained the output: stop watching for writability. */
void rsp_link_output_drained(struct rsp_link *link)
{
	if (link->connected)
		bufferevent_disable(link->bev, EV_WRITE);
}

/* Queue a packet: encoded straight into the output buffer, kept for
 * retransmission while acks are in use, written at once. */
int rsp_link_send(struct rsp_link *link, const void *payload, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(link->bev);
	struct evbuffer_iovec vec;
	size_t n;

	if (evbuffer_reserve_space(out, RSP_ENCODED_MAX(len), &vec, 1) != 1)
		return -1;
	n = rsp_encode_packet(vec.iov_base, vec.iov_len, payload, len);
	if (n == 0)
		return -1;
	if (!link->no_ack)
		remember(link, vec.iov_base, n);
	vec.iov_len = n;
	if (evbuffer_commit_space(out, &vec, 1) != 0)
		return -1;
	flush_now(link, out);
	return 0;
}

/* Queue a `%payload#xx` notification. Notifications are never acked, so
 * none is kept for retransmission. */
int rsp_link_send_notification(struct rsp_link *link, const char *payload)
{
	struct evbuffer *out = bufferevent_get_output(link->bev);
	size_t len = strlen(payload), n;
	struct evbuffer_iovec vec;

	if (evbuffer_reserve_space(out, RSP_ENCODED_MAX(len), &vec, 1) != 1)
		return -1;
	n = rsp_encode_notification(vec.iov_base, vec.iov_len, (const uint8_t *)payload, len);
	if (n == 0)
		return -1;
	vec.iov_len = n;
	if (evbuffer_commit_space(out, &vec, 1) != 0)
		return -1;
	flush_now(link, out);
	return 0;
}

/* Queue a NUL-terminated packet. */
int rsp_link_send_str(struct rsp_link *link, const char *payload)
{
	return rsp_link_send(link, payload, strlen(payload));
}

/* Queue one raw byte. */
int rsp_link_send_byte(struct rsp_link *link, uint8_t byte)
{
	return bufferevent_write(link->bev, &byte, 1);
}

/* React to an ack-level event; true if the caller should see the event. */
static bool handle_ack_level(struct rsp_link *link, const struct rsp_event *ev)
{
	switch (ev->kind) {
	case RSP_EV_ACK:
		link->last_len = 0;
		return false;
	case RSP_EV_NAK:
		link->naks++;
		if (!link->no_ack && link->last_len > 0)
			bufferevent_write(link->bev, link->last, link->last_len);
		return false;
	case RSP_EV_BAD_CHECKSUM:
		if (!link->no_ack)
			rsp_link_send_byte(link, '-');
		return false;
	case RSP_EV_PACKET:
		if (!link->no_ack)
			rsp_link_send_byte(link, '+');
		return true;
	case RSP_EV_NONE:
		return false;
	default:
		return true;
	}
}

/* Take the next event from the input buffer. */
bool rsp_link_next(struct rsp_link *link, struct rsp_event *ev)
{
	struct evbuffer *in = bufferevent_get_input(link->bev);
	struct evbuffer_iovec vec;

	while (evbuffer_peek(in, -1, NULL, &vec, 1) > 0 && vec.iov_len > 0) {
		size_t used = rsp_decoder_feed(&link->dec, vec.iov_base, vec.iov_len, ev);
		evbuffer_drain(in, used);
		if (handle_ack_level(link, ev))
			return true;
	}
	ev->kind = RSP_EV_NONE;
	return false;
}

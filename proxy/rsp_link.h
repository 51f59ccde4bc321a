/* One RSP byte stream on the event loop: the frame decoder, acks and
 * retransmission in ack mode, and packet output. Used for both sides of the
 * daemon (clients and upstream stubs); each side negotiates no-ack on its
 * own, so each link carries its own mode. */
#ifndef GDBHUB_RSP_LINK_H
#define GDBHUB_RSP_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proxy/rsp/rsp_frame.h"

struct bufferevent;

struct rsp_link {
	struct bufferevent *bev;
	struct rsp_decoder dec;
	uint8_t *decbuf;
	bool no_ack;
	bool connected;  /* the socket is connected: output may be written at once */
	/* In ack mode: the last frame sent, for retransmission on `-`. */
	uint8_t *last;
	size_t last_len;
	size_t last_cap;
	unsigned naks;
};

/* Set up a link over bev accepting payloads up to max_packet bytes.
 * Returns 0 or -1 (out of memory). */
int rsp_link_init(struct rsp_link *link, struct bufferevent *bev, size_t max_packet);

/* Release the link's buffers (not the bufferevent). */
void rsp_link_finish(struct rsp_link *link);

/* Queue a `$payload#xx` frame for output. Returns 0 or -1. */
int rsp_link_send(struct rsp_link *link, const void *payload, size_t len);

/* Queue a `%payload#xx` notification (non-stop `Stop:...`). */
int rsp_link_send_notification(struct rsp_link *link, const char *payload);

/* Queue a NUL-terminated payload. */
int rsp_link_send_str(struct rsp_link *link, const char *payload);

/* Output is written to the socket as it is queued; only what the socket
 * does not take waits for the loop (EV_WRITE is enabled for that and
 * disabled again by rsp_link_output_drained). Acks and raw bytes are queued
 * until rsp_link_flush or the next packet, which keeps them off the path of
 * the round trip they belong to. */

/* Write everything queued now. */
void rsp_link_flush(struct rsp_link *link);

/* Call from the bufferevent's write callback (output fully written). */
void rsp_link_output_drained(struct rsp_link *link);

/* Queue a single raw byte (0x03 to interrupt). */
int rsp_link_send_byte(struct rsp_link *link, uint8_t byte);

/* Take the next event from the input buffer. Acks are handled here: `+`
 * drops the retransmit copy, `-` retransmits, and in ack mode good packets
 * are acknowledged and bad checksums refused. Returns true with *ev filled
 * for PACKET, NOTIFICATION, INTERRUPT, MALFORMED and OVERFLOW; false when
 * the input holds no complete event. The payload is valid until the next
 * call. */
bool rsp_link_next(struct rsp_link *link, struct rsp_event *ev);

#endif

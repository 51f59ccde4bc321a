/* The upstream RSP client: one connection per target to the stub that
 * carries out debug operations (QEMU's gdbstub, gdbhub-kvm, gdbserver...).
 *
 * Requests are strictly one at a time, in order: RSP in all-stop mode has
 * one outstanding request. A resume (c, s, vCont) is a request whose reply
 * is the next stop, so requests queued behind it wait until the VM stops;
 * callers keep that in mind (the target refuses work while running). */
#ifndef GDBHUB_UPSTREAM_H
#define GDBHUB_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct upstream;

/* Called with the reply to one request; reply is NULL if the link failed
 * before the reply arrived (the callback must still release its context). */
typedef void (*upstream_reply_fn)(void *arg, const uint8_t *reply, size_t len);

struct upstream_events {
	/* The handshake is done: features are known, the first stop is read. */
	void (*ready)(void *ctx, const uint8_t *stop, size_t len);
	/* The connection failed or closed; no more callbacks follow. */
	void (*closed)(void *ctx, const char *why);
	/* Console output (`O` packets) received while the target runs. */
	void (*console)(void *ctx, const uint8_t *hex, size_t len);
	/* A non-stop stub's stop (`%Stop:` notifications and the vStopped
	 * replies after one, each once, in order); the acknowledgements are
	 * ours to send, and are sent. */
	void (*stop)(void *ctx, const uint8_t *stop, size_t len);
};

struct upstream_features {
	size_t packet_size;      /* largest packet the stub accepts */
	bool no_ack;
	bool xfer_features;      /* qXfer:features:read+ */
	bool reverse_step;
	bool reverse_continue;
	bool hwbreak;            /* reports hwbreak: stop reasons */
	bool swbreak;
	bool non_stop;           /* QNonStop+ */
	char vcont[64];          /* the vCont? reply, e.g. "vCont;c;C;s;S" */
};

/* Connect to address ("unix:PATH" or "HOST:PORT"), retrying for up to
 * retry_ms while nothing listens yet, then negotiate features. NULL with
 * *cause set on an immediate error. */
struct upstream *upstream_create(struct event_base *base, const char *address,
				 unsigned retry_ms, const struct upstream_events *ev,
				 void *ctx, char **cause);

/* Close the connection (no callbacks) and free; pending requests get a NULL
 * reply. NULL is fine. */
void upstream_destroy(struct upstream *up);

/* Queue a request. expects_stop marks resumes: while it is outstanding,
 * `O` packets are console output, not its reply. Returns 0 or -1. */
int upstream_request(struct upstream *up, const void *payload, size_t len,
		     bool expects_stop, upstream_reply_fn fn, void *arg);

/* Same with a NUL-terminated payload. */
int upstream_request_str(struct upstream *up, const char *payload, bool expects_stop,
			 upstream_reply_fn fn, void *arg);

/* Wait for a stop the stub reports on its own, caused by something other
 * than a packet (a replaying QEMU told through QMP to seek reports the stop
 * as `T02`): nothing is sent; start(arg) is called once every request queued
 * earlier is answered, and the next packet from the stub is fn's reply.
 * Returns 0 or -1. */
int upstream_await_stop(struct upstream *up, void (*start)(void *arg), upstream_reply_fn fn,
			void *arg);

/* If the outstanding request is such a wait, end it now: fn gets a NULL
 * reply (for when start could not make the VM move). */
void upstream_cancel_await(struct upstream *up);

/* Send 0x03 now, ahead of the queue. */
void upstream_interrupt(struct upstream *up);

const struct upstream_features *upstream_features(const struct upstream *up);

/* Largest payload the stub accepts in one packet. */
size_t upstream_max_payload(const struct upstream *up);

#endif

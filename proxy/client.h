/* A client: one debugger connection with its own protocol state (acks,
 * features, selected threads, pending request) attached to at most one
 * target. Lifetime: reference counted; a closed client is marked dead and
 * freed when the last reference (an upstream request in flight) is gone. */
#ifndef GDBHUB_CLIENT_H
#define GDBHUB_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proxy/queue_compat.h"

#include "config/config.h"
#include "proxy/attachment.h"
#include "proxy/policy/access.h"
#include "proxy/rsp/rsp_stop.h"
#include "proxy/rsp_link.h"

struct hub;
struct target;
struct bufferevent;

struct pending_packet {
	STAILQ_ENTRY(pending_packet) entry;
	size_t len;
	uint8_t data[];
};

struct client {
	TAILQ_ENTRY(client) hub_entry;
	struct hub *hub;
	uint32_t id;
	enum access_role role;
	enum cfg_role listener_role; /* the listener's; the target's default if unset */
	bool extended;           /* `!`: extended-remote, stays connected without a target */
	char peer[96];
	char user[72];           /* the SSH login; "" on listeners the config trusts */
	struct bufferevent *bev;
	struct rsp_link link;
	int refs;
	bool dead;
	bool multiprocess;       /* negotiated in qSupported */
	bool swbreak, hwbreak;   /* the client takes these stop reasons (qSupported) */
	bool non_stop;           /* QNonStop:1: resumes answer OK, stops come as %Stop */
	bool busy;               /* a request is being served */
	bool processing;         /* inside the input loop */
	bool waiting_ready;      /* the target is still starting */
	bool closing;            /* close once output is flushed */
	struct target *target;   /* the current target: the one Hg/vCont last named */
	struct attachment *cur;  /* its attachment */
	struct attachment_list attachments;
	struct rsp_thread_id hg; /* thread for g, m, ... (client's view) */
	struct rsp_thread_id hc; /* thread for legacy c/s */
	STAILQ_HEAD(, pending_packet) pending;
	size_t n_pending;
};

/* Largest packet a client may send us, and that we advertise. */
#define CLIENT_PACKET_SIZE (128 * 1024)

/* Take a connected socket; attach it to target (may be NULL). user is the
 * login of an authenticated transport (NULL or "": a trusted listener, whose
 * role applies, else the target's default). */
struct client *client_create(struct hub *hub, int fd, const char *peer, const char *user,
			     struct target *target, enum cfg_role role);

/* Attach c to t; t becomes the current target. Returns 0, or -1 with the
 * reason in why when c's user has no access to t. */
int client_attach(struct client *c, struct target *t, char *why, size_t cap);

/* Whether c may attach to t and with which role (why: the rule that said so). */
bool client_role_on(const struct client *c, const struct target *t, enum access_role *role,
		    char *why, size_t cap);

/* Whether c may see t in listings. */
bool client_may_see(const struct client *c, const struct target *t);

/* c's attachment to t, or NULL. */
struct attachment *client_attachment(const struct client *c, const struct target *t);

/* c's attachment to the target with process id pid, or NULL. */
struct attachment *client_attachment_by_pid(const struct client *c, int64_t pid);

/* How many targets c is attached to. */
size_t client_attachment_count(const struct client *c);

/* Make a's target the current one (a may be NULL: none). */
void client_set_current(struct client *c, struct attachment *a);

void client_ref(struct client *c);
void client_unref(struct client *c);

/* Close the connection: detach from the target, log why, free when unused. */
void client_close(struct client *c, const char *why);

/* Close after what is queued has been sent. */
void client_close_after_flush(struct client *c, const char *why);

/* Reply to the request being served; the client takes its next packet. */
void client_reply(struct client *c, const void *payload, size_t len);
void client_reply_str(struct client *c, const char *payload);

/* Reply to a qXfer read with [off, off+len) of data (total bytes): `m` and
 * the slice if more follows, `l` and the slice if not. */
void client_reply_xfer(struct client *c, const void *data, size_t total, uint64_t off,
		       uint64_t len);

/* Reply `E NN` and log the human reason. */
void client_reply_error(struct client *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Serve pkt again once the attached target is ready (it is starting). */
void client_retry_when_ready(struct client *c, const char *pkt, size_t len);

/* Whether policy lets c interrupt its current target (a refusal is only
 * logged: Ctrl-C has no reply). */
bool client_may_interrupt(struct client *c);

/* Take packets again after the target became ready. */
void client_wake(struct client *c);

#endif

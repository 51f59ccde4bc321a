/* What clients ask of a target: forwarding, memory, breakpoints, resume,
 * interrupt, stop records, target description, detach. */
#include "proxy/target_ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/client.h"
#include "proxy/log.h"
#include "proxy/rsp/rsp_hex.h"
#include "proxy/target.h"
#include "proxy/target_internal.h"
#include "proxy/upstream.h"

/* Refuse a request unless the VM is stopped; true if refused. */
bool target_refuse_unless_stopped(struct target *t, struct client *c)
{
	if (t->state == TARGET_STOPPED || (t->state == TARGET_RUNNING && !target_busy_for(t, c)))
		return false;
	client_reply_error(c, 1, "target %s is %s", target_name(t), target_state_name(t->state));
	return true;
}

/* A failed Hg leaves the upstream selection unknown. */
static void on_hg_reply(void *arg, const uint8_t *reply, size_t len)
{
	struct target *t = arg;

	if (reply == NULL || len != 2 || memcmp(reply, "OK", 2) != 0)
		t->up_hg_known = false;
}

/* The upstream thread a client's `Hg` means: any/all map to the thread of
 * the last stop, so each client sees one consistent thread. */
static int64_t client_g_thread(const struct target *t, const struct client *c)
{
	int64_t tid = target_upstream_tid(t, &c->hg);

	if (tid > 0 && target_has_thread(t, tid))
		return tid;
	if (t->stop.has_thread && t->stop.thread.tid > 0)
		return t->stop.thread.tid;
	return t->n_threads > 0 ? t->threads[0] : 1;
}

/* Make the upstream's selected thread the client's, if it is not. Requests
 * are sent in order, so the selection holds for the request queued next. */
static void select_thread(struct target *t, struct client *c)
{
	int64_t tid = client_g_thread(t, c);
	char pkt[32];

	if (t->up_hg_known && t->up_hg == tid)
		return;
	snprintf(pkt, sizeof(pkt), "Hg%" PRIx64, (uint64_t)tid);
	upstream_request_str(t->up, pkt, false, on_hg_reply, t);
	t->up_hg = tid;
	t->up_hg_known = true;
}

/* The reply to a forwarded request goes back unchanged. */
static void on_forward_reply(void *arg, const uint8_t *reply, size_t len)
{
	struct client *c = arg;

	if (!c->dead) {
		if (reply == NULL)
			client_reply_error(c, 1, "the target's stub connection was lost");
		else
			client_reply(c, reply, len);
	}
	client_unref(c);
}

/* Forward a request as is. */
void target_forward(struct target *t, struct client *c, const void *payload, size_t len,
		    bool needs_thread)
{
	if (target_refuse_unless_stopped(t, c))
		return;
	if (needs_thread)
		select_thread(t, c);
	client_ref(c);
	if (upstream_request(t->up, payload, len, false, on_forward_reply, c) != 0) {
		client_unref(c);
		client_reply_error(c, 1, "request of %zu bytes does not fit the stub's packets", len);
	}
}

/* A memory transfer split into upstream-sized pieces. */
struct mem_xfer {
	struct target *t;
	struct client *c;
	uint64_t addr;
	size_t len;
	size_t done;
	size_t chunk;   /* bytes per upstream request */
	uint8_t *data;  /* write: the bytes; read: hex accumulated */
};

/* Free a transfer and drop its client reference. */
static void mem_xfer_free(struct mem_xfer *x)
{
	client_unref(x->c);
	free(x->data);
	free(x);
}

/* Make a transfer record holding a client reference. */
static struct mem_xfer *mem_xfer_new(struct target *t, struct client *c, uint64_t addr,
				     size_t len, size_t chunk, size_t bufsize)
{
	struct mem_xfer *x = calloc(1, sizeof(*x));

	if (x == NULL || (x->data = malloc(bufsize + 1)) == NULL) {
		free(x);
		return NULL;
	}
	x->t = t;
	x->c = c;
	x->addr = addr;
	x->len = len;
	x->chunk = chunk > 0 ? chunk : 1;
	client_ref(c);
	return x;
}

static void on_read_chunk(void *arg, const uint8_t *reply, size_t len);

/* Ask for the next piece of a read. */
static void read_next(struct mem_xfer *x)
{
	size_t n = x->len - x->done < x->chunk ? x->len - x->done : x->chunk;
	char pkt[64];

	snprintf(pkt, sizeof(pkt), "m%" PRIx64 ",%zx", x->addr + x->done, n);
	if (upstream_request_str(x->t->up, pkt, false, on_read_chunk, x) != 0)
		on_read_chunk(x, NULL, 0);
}

/* One piece of a read arrived: keep it, ask for more or reply. */
static void on_read_chunk(void *arg, const uint8_t *reply, size_t len)
{
	struct mem_xfer *x = arg;
	size_t asked = x->len - x->done < x->chunk ? x->len - x->done : x->chunk;
	/* A stub that answers more than it was asked is not trusted. */
	bool good = reply != NULL && len > 0 && len % 2 == 0 && len / 2 <= asked &&
		    reply[0] != 'E';

	if (good) {
		memcpy(x->data + 2 * x->done, reply, len);
		x->done += len / 2;
		if (x->done < x->len && len / 2 == asked && !x->c->dead) {
			read_next(x);
			return;
		}
	}
	if (!x->c->dead) {
		if (x->done > 0)
			client_reply(x->c, x->data, 2 * x->done);
		else if (reply != NULL && len > 0)
			client_reply(x->c, reply, len);
		else
			client_reply_error(x->c, 1, "memory read at 0x%" PRIx64 " failed", x->addr);
	}
	mem_xfer_free(x);
}

/* Read memory in upstream-sized pieces. */
void target_read_memory(struct target *t, struct client *c, uint64_t addr, uint64_t len)
{
	struct mem_xfer *x;

	if (target_refuse_unless_stopped(t, c))
		return;
	if (len == 0) {
		client_reply_str(c, "");
		return;
	}
	if (len > CLIENT_PACKET_SIZE / 2)
		len = CLIENT_PACKET_SIZE / 2;
	/* A stub answers `m` with up to PacketSize hex digits, as gdb assumes
	 * (QEMU refuses more than PacketSize / 2 bytes). */
	x = mem_xfer_new(t, c, addr, len, upstream_max_payload(t->up) / 2, 2 * len);
	if (x == NULL) {
		client_reply_error(c, 1, "out of memory");
		return;
	}
	select_thread(t, c);
	read_next(x);
}

static void on_write_chunk(void *arg, const uint8_t *reply, size_t len);

/* Send the next piece of a write as an `M` packet. */
static void write_next(struct mem_xfer *x)
{
	size_t n = x->len - x->done < x->chunk ? x->len - x->done : x->chunk;
	char *pkt = malloc(2 * n + 64);
	int head;

	if (pkt == NULL) {
		on_write_chunk(x, NULL, 0);
		return;
	}
	head = snprintf(pkt, 64, "M%" PRIx64 ",%zx:", x->addr + x->done, n);
	rsp_hex_encode(pkt + head, x->data + x->done, n);
	x->done += n;
	if (upstream_request(x->t->up, pkt, (size_t)head + 2 * n, false, on_write_chunk, x) != 0)
		on_write_chunk(x, NULL, 0);
	free(pkt);
}

/* One piece of a write was acknowledged: send more or reply. */
static void on_write_chunk(void *arg, const uint8_t *reply, size_t len)
{
	struct mem_xfer *x = arg;
	bool ok = reply != NULL && len == 2 && memcmp(reply, "OK", 2) == 0;

	if (ok && x->done < x->len && !x->c->dead) {
		write_next(x);
		return;
	}
	if (!x->c->dead) {
		if (ok)
			client_reply_str(x->c, "OK");
		else if (reply != NULL && len > 0)
			client_reply(x->c, reply, len);
		else
			client_reply_error(x->c, 1, "memory write at 0x%" PRIx64 " failed", x->addr);
	}
	mem_xfer_free(x);
}

/* Write memory in upstream-sized pieces. */
void target_write_memory(struct target *t, struct client *c, uint64_t addr,
			 const uint8_t *data, size_t len)
{
	struct mem_xfer *x;

	if (target_refuse_unless_stopped(t, c))
		return;
	if (len == 0) {
		client_reply_str(c, "OK");
		return;
	}
	x = mem_xfer_new(t, c, addr, len, (upstream_max_payload(t->up) - 64) / 2, len);
	if (x == NULL) {
		client_reply_error(c, 1, "out of memory");
		return;
	}
	memcpy(x->data, data, len);
	select_thread(t, c);
	write_next(x);
}

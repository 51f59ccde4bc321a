/* The target description (qXfer:features:read), read from the stub once per
 * annex and served to every client from the cache, so a client attaching to
 * a running VM still gets it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/client.h"
#include "proxy/log.h"
#include "proxy/target.h"
#include "proxy/target_ops.h"
#include "proxy/upstream.h"

struct xfer_fetch {
	struct target *t;
	struct client *c;
	char *annex;
	uint64_t off;   /* what the client asked for */
	uint64_t len;
	uint8_t *data;  /* the annex so far */
	size_t have;
};

/* The cached annex called name, or NULL. */
static struct tdesc_annex *find_annex(struct target *t, const char *name)
{
	for (struct tdesc_annex *a = t->tdesc; a != NULL; a = a->next)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

/* Reply with the slice [off, off+len) of an annex: `m` if more follows, `l` if not. */
static void serve_slice(struct client *c, const struct tdesc_annex *a, uint64_t off, uint64_t len)
{
	size_t max = CLIENT_PACKET_SIZE - 1;
	size_t n;
	uint8_t *buf;

	if (off >= a->len) {
		client_reply_str(c, "l");
		return;
	}
	n = a->len - off;
	if (n > len)
		n = len;
	if (n > max)
		n = max;
	buf = malloc(n + 1);
	if (buf == NULL) {
		client_reply_error(c, 1, "out of memory");
		return;
	}
	buf[0] = off + n < a->len ? 'm' : 'l';
	memcpy(buf + 1, a->data + off, n);
	client_reply(c, buf, n + 1);
	free(buf);
}

/* Release a fetch and its client reference. */
static void fetch_free(struct xfer_fetch *f)
{
	client_unref(f->c);
	free(f->annex);
	free(f->data);
	free(f);
}

static void on_fetch_reply(void *arg, const uint8_t *reply, size_t len);

/* Ask the stub for the next part of the annex. */
static void fetch_next(struct xfer_fetch *f)
{
	size_t chunk = upstream_max_payload(f->t->up) - 1;
	char pkt[512];

	snprintf(pkt, sizeof(pkt), "qXfer:features:read:%s:%zx,%zx", f->annex, f->have, chunk);
	if (upstream_request_str(f->t->up, pkt, false, on_fetch_reply, f) != 0)
		on_fetch_reply(f, NULL, 0);
}

/* Keep a fully read annex in the cache; NULL on out of memory. */
static struct tdesc_annex *store_annex(struct xfer_fetch *f)
{
	struct tdesc_annex *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->name = f->annex;
	a->data = f->data;
	a->len = f->have;
	a->next = f->t->tdesc;
	f->t->tdesc = a;
	f->annex = NULL;
	f->data = NULL;
	return a;
}

/* A part of the annex arrived. */
static void on_fetch_reply(void *arg, const uint8_t *reply, size_t len)
{
	struct xfer_fetch *f = arg;
	struct tdesc_annex *a;
	uint8_t *grown;

	if (reply == NULL || len == 0 || (reply[0] != 'm' && reply[0] != 'l')) {
		if (!f->c->dead) {
			if (reply != NULL)
				client_reply(f->c, reply, len);
			else
				client_reply_error(f->c, 1, "target description unavailable");
		}
		fetch_free(f);
		return;
	}
	grown = realloc(f->data, f->have + len);
	if (grown == NULL) {
		if (!f->c->dead)
			client_reply_error(f->c, 1, "out of memory");
		fetch_free(f);
		return;
	}
	f->data = grown;
	memcpy(f->data + f->have, reply + 1, len - 1);
	f->have += len - 1;
	if (reply[0] == 'm' && len > 1) {
		fetch_next(f);
		return;
	}
	a = store_annex(f);
	if (!f->c->dead) {
		if (a != NULL)
			serve_slice(f->c, a, f->off, f->len);
		else
			client_reply_error(f->c, 1, "out of memory");
	}
	fetch_free(f);
}

/* qXfer:features:read from the cache, fetching the annex first if needed. */
void target_read_features(struct target *t, struct client *c, const char *annex,
			  uint64_t off, uint64_t len)
{
	struct tdesc_annex *a = find_annex(t, annex);
	struct xfer_fetch *f;

	if (a != NULL) {
		serve_slice(c, a, off, len);
		return;
	}
	if (t->state != TARGET_STOPPED) {
		client_reply_error(c, 1, "target %s is %s", target_name(t), target_state_name(t->state));
		return;
	}
	if (!upstream_features(t->up)->xfer_features) {
		client_reply_str(c, "");
		return;
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL || (f->annex = strdup(annex)) == NULL) {
		free(f);
		client_reply_error(c, 1, "out of memory");
		return;
	}
	f->t = t;
	f->c = c;
	f->off = off;
	f->len = len;
	client_ref(c);
	fetch_next(f);
}

/* The target description (qXfer:features:read), read from the stub once at
 * start-up (target.xml and every annex it includes), while the VM is still
 * stopped, and served to every client from the cache: a client attaching to
 * a running VM gets it too. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/client.h"
#include "proxy/log.h"
#include "proxy/target.h"
#include "proxy/target_internal.h"
#include "proxy/target_ops.h"
#include "proxy/upstream.h"

/* Annexes a start-up prefetch reads at most (target.xml and its includes). */
#define MAX_PREFETCH 32

struct xfer_fetch {
	struct target *t;
	struct client *c;       /* NULL: the start-up prefetch */
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

/* Release a fetch and its client reference. */
static void fetch_free(struct xfer_fetch *f)
{
	if (f->c != NULL)
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

static void prefetch_next(struct target *t);

/* A fetch ended (a: the stored annex, or NULL with the stub's reply or a
 * lost link): answer the client that asked, or go on with the prefetch. */
static void fetch_done(struct xfer_fetch *f, struct tdesc_annex *a, const uint8_t *reply,
		       size_t len)
{
	struct client *c = f->c;
	struct target *t = f->t;

	if (c != NULL && !c->dead) {
		if (a != NULL)
			client_reply_xfer(c, a->data, a->len, f->off, f->len);
		else if (reply != NULL)
			client_reply(c, reply, len);
		else
			client_reply_error(c, 1, "target description unavailable");
	}
	fetch_free(f);
	if (c == NULL)
		prefetch_next(t);
}

/* A part of the annex arrived. */
static void on_fetch_reply(void *arg, const uint8_t *reply, size_t len)
{
	struct xfer_fetch *f = arg;
	uint8_t *grown;

	if (reply == NULL || len == 0 || (reply[0] != 'm' && reply[0] != 'l')) {
		fetch_done(f, NULL, reply, len);
		return;
	}
	grown = realloc(f->data, f->have + len);
	if (grown == NULL) {
		fetch_done(f, NULL, NULL, 0);
		return;
	}
	f->data = grown;
	memcpy(f->data + f->have, reply + 1, len - 1);
	f->have += len - 1;
	if (reply[0] == 'm' && len > 1) {
		fetch_next(f);
		return;
	}
	fetch_done(f, store_annex(f), NULL, 0);
}

/* Start reading one annex for c (NULL: the prefetch). */
static int start_fetch(struct target *t, struct client *c, const char *annex, uint64_t off,
		       uint64_t len)
{
	struct xfer_fetch *f = calloc(1, sizeof(*f));

	if (f == NULL || (f->annex = strdup(annex)) == NULL) {
		free(f);
		return -1;
	}
	f->t = t;
	f->c = c;
	f->off = off;
	f->len = len;
	if (c != NULL)
		client_ref(c);
	fetch_next(f);
	return 0;
}

/* The first annex a cached one includes (href="...") that is not cached yet;
 * written to out. False if there is none. */
static bool next_missing_annex(struct target *t, char *out, size_t cap)
{
	static const char key[] = "href=\"";

	for (struct tdesc_annex *a = t->tdesc; a != NULL; a = a->next) {
		const char *p = (const char *)a->data, *end = p + a->len;
		while ((p = memmem(p, (size_t)(end - p), key, sizeof(key) - 1)) != NULL) {
			const char *name = p + sizeof(key) - 1;
			const char *q = memchr(name, '"', (size_t)(end - name));
			p = name;
			if (q == NULL || q == name || (size_t)(q - name) >= cap)
				continue;
			memcpy(out, name, (size_t)(q - name));
			out[q - name] = '\0';
			if (find_annex(t, out) == NULL)
				return true;
		}
	}
	return false;
}

/* Read the next annex of the prefetch, or finish it. */
static void prefetch_next(struct target *t)
{
	char name[256];

	/* Counted before it starts: a fetch may fail at once and come back here. */
	if (t->prefetches < MAX_PREFETCH && next_missing_annex(t, name, sizeof(name)) &&
	    (t->prefetches++, start_fetch(t, NULL, name, 0, 0) == 0))
		return;
	t->prefetch_done(t);
}

/* Read the whole target description into the cache, then call done. */
void target_prefetch_features(struct target *t, void (*done)(struct target *t))
{
	t->prefetch_done = done;
	t->prefetches = 1;
	if (!upstream_features(t->up)->xfer_features ||
	    start_fetch(t, NULL, "target.xml", 0, 0) != 0)
		done(t);
}

/* qXfer:features:read from the cache, fetching the annex first if needed. */
void target_read_features(struct target *t, struct client *c, const char *annex,
			  uint64_t off, uint64_t len)
{
	struct tdesc_annex *a = find_annex(t, annex);

	if (a != NULL) {
		client_reply_xfer(c, a->data, a->len, off, len);
		return;
	}
	if (target_refuse_unless_stopped(t, c))
		return;
	if (!upstream_features(t->up)->xfer_features) {
		client_reply_str(c, "");
		return;
	}
	if (start_fetch(t, c, annex, off, len) != 0)
		client_reply_error(c, 1, "out of memory");
}

/* Non-stop mode for clients (QNonStop:1), over any stub.
 *
 * A non-stop client's resume is answered `OK` at once, and stops reach it
 * as `%Stop` notifications whether or not it is waiting, so a debugger
 * sharing a VM learns of every stop of the threads it let run. The stub
 * itself may be all-stop (QEMU 7.2 is): then every vCPU stops together,
 * and the client hears of each thread it believed running, the one with
 * the event first and the others as `T00` through vStopped. That view is
 * true: in all-stop every thread is stopped when the stub reports. A thread
 * resumed alone (`vCont;c:p1.2`) runs alone, as the stub's vCont does.
 *
 * What all-stop cannot give a non-stop client: adding a thread to a VM that
 * runs (refused, as for all-stop clients), or reading memory while it runs.
 * A non-stop stub (gdbhub-kvm, target_nonstop.c) gives both while only
 * non-stop clients share the VM: then `vCont;t` goes up as it is, and each
 * thread's stop reaches the clients that let it run on its own. */
#include "proxy/client_nonstop.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/client.h"
#include "proxy/client_cmds.h"
#include "proxy/log.h"
#include "proxy/rsp/rsp_hex.h"
#include "proxy/target.h"
#include "proxy/target_internal.h"
#include "proxy/target_nonstop.h"
#include "proxy/target_ops.h"

static uint64_t all_threads(const struct target *t)
{
	return t->n_threads >= 64 ? ~0ull : (1ull << t->n_threads) - 1;
}

/* Queue a stop reply for vStopped. */
static void enqueue(struct attachment *a, const char *text)
{
	char **grown = realloc(a->ns_queue, (a->ns_queued + 1) * sizeof(*grown));
	char *copy = strdup(text);

	if (grown == NULL || copy == NULL) {
		free(copy);
		if (grown != NULL)
			a->ns_queue = grown;
		log_error("client %u: out of memory queueing a stop", a->c->id);
		return;
	}
	a->ns_queue = grown;
	a->ns_queue[a->ns_queued++] = copy;
}

/* "T00thread:p1.2;": thread tid stopped with no event of its own. */
static void format_quiet_stop(const struct target *t, const struct client *c, int64_t tid,
			      char *out, size_t cap)
{
	struct rsp_stop s = { .kind = RSP_STOP_SIGNAL, .signal = 0, .has_thread = true };

	s.thread.tid = tid;
	if (rsp_stop_format(out, cap, &s, c->multiprocess, t->pid) < 0)
		snprintf(out, cap, "T00");
}

/* Queue T00 for every thread in bits other than skip. */
static void enqueue_quiet(struct target *t, struct attachment *a, uint64_t bits, int64_t skip)
{
	char text[128];

	for (size_t i = 0; i < t->n_threads && i < 64; i++) {
		if (!(bits & (1ull << i)) || t->threads[i] == skip)
			continue;
		format_quiet_stop(t, a->c, t->threads[i], text, sizeof(text));
		enqueue(a, text);
	}
}

/* Take the oldest queued stop (the caller frees it); NULL if none. */
static char *dequeue(struct attachment *a)
{
	char *text;

	if (a->ns_queued == 0)
		return NULL;
	text = a->ns_queue[0];
	memmove(a->ns_queue, a->ns_queue + 1, --a->ns_queued * sizeof(*a->ns_queue));
	return text;
}

/* Send the first queued stop as a notification, unless one is out already
 * (then gdb's vStopped loop takes it). */
static void notify(struct attachment *a)
{
	char buf[300], *text;

	if (a->ns_notified || (text = dequeue(a)) == NULL)
		return;
	snprintf(buf, sizeof(buf), "Stop:%s", text);
	free(text);
	a->ns_notified = true;
	rsp_link_send_notification(&a->c->link, buf);
}

void client_nonstop_mode(struct client *c, const char *pkt, size_t len)
{
	if (len != strlen("QNonStop:1") || (pkt[9] != '0' && pkt[9] != '1')) {
		client_reply_error(c, 1, "malformed %.*s", (int)len, pkt);
		return;
	}
	c->non_stop = pkt[9] == '1';
	log_info("client %u: %s mode", c->id, c->non_stop ? "non-stop" : "all-stop");
	client_reply_str(c, "OK");
}

/* The stopped threads `?` left out go as a new notification now that the
 * client has drained the last one. */
static void notify_later(struct attachment *a)
{
	if (a->ns_later == 0)
		return;
	enqueue_quiet(a->t, a, a->ns_later & ~a->ns_running, -1);
	a->ns_later = 0;
	notify(a);
}

void client_nonstop_vstopped(struct client *c, const char *pkt, size_t len)
{
	struct attachment *a = c->cur;
	char *text = a != NULL ? dequeue(a) : NULL;

	(void)pkt;
	(void)len;
	if (text == NULL) {
		client_reply_str(c, "OK");
		if (a != NULL) {
			a->ns_notified = false;
			notify_later(a);
		}
		return;
	}
	client_reply_str(c, text);
	free(text);
}

void client_nonstop_ctrlc(struct client *c, const char *pkt, size_t len)
{
	(void)pkt;
	(void)len;
	if (!c->non_stop) {
		client_reply_error(c, 1, "vCtrlC is for non-stop mode (QNonStop:1)");
		return;
	}
	target_interrupt(c->target, c);
	client_reply_str(c, "OK");
}

/* vCont;t to a non-stop stub that only non-stop clients share: just the
 * threads named stop, and each one's stop comes as its own notification. */
static void stop_threads(struct client *c, const char *pkt, size_t len)
{
	char out[512];

	if (client_vcont_translate(c, pkt, len, out, sizeof(out)) != 0) {
		client_reply_error(c, 1, "malformed or foreign vCont action in %.*s", (int)len, pkt);
		return;
	}
	target_ns_stop_threads(c->target, out);
	client_reply_str(c, "OK");
}

/* vCont;t[:TID]...: stop threads. On an all-stop stub that stops the VM. */
void client_nonstop_vcont_stop(struct client *c, const char *pkt, size_t len)
{
	struct target *t = c->target;

	/* Every action must be t: a resume goes through the resume checks. */
	for (size_t i = 5; i < len; i++) {
		if (pkt[i] == ';' && (i + 1 >= len || pkt[i + 1] != 't')) {
			client_reply_error(c, 1, "vCont mixes t with other actions: %.*s", (int)len, pkt);
			return;
		}
	}
	if (!c->non_stop) {
		client_reply_error(c, 1, "vCont;t is for non-stop mode (QNonStop:1)");
		return;
	}
	if (target_ns_per_thread(t)) {
		stop_threads(c, pkt, len);
		return;
	}
	if (t->state == TARGET_RUNNING && c->cur->ns_running != 0) {
		c->cur->ns_stop_asked = true;
		target_interrupt(t, c);
	}
	client_reply_str(c, "OK");
}

/* A resume of a's client went upstream as packet: mark its threads running. */
void nonstop_resumed(struct attachment *a, const char *packet)
{
	struct target *t = a->t;
	const char *p = strchr(packet, ';');

	if (p == NULL) { /* c, s, C, S: the whole VM */
		a->ns_running = all_threads(t);
		return;
	}
	for (; p != NULL; p = strchr(p + 1, ';')) {
		const char *colon = strchr(p, ':'), *next = strchr(p + 1, ';');
		uint64_t tid;

		if (p[1] == 't')
			continue;
		if (colon == NULL || (next != NULL && colon > next)) {
			a->ns_running |= all_threads(t);
		} else {
			const char *q = colon + 1;
			if (rsp_parse_hex_u64(&q, q + strcspn(q, ";"), &tid) == 0)
				a->ns_running |= target_thread_bit(t, (int64_t)tid);
		}
	}
}

/* `?` in non-stop: one stop now, the other stopped threads as a
 * notification once the client has drained this one (gdb 13 fails an
 * assertion in remote.c when `?` and its vStopped name more than one
 * stopped thread while it connects); `OK` if the VM runs (its threads are
 * running to the client). */
void nonstop_query(struct target *t, struct client *c, const char *stop_text)
{
	struct attachment *a = c->cur;

	if (t->state == TARGET_RUNNING) {
		a->ns_running = all_threads(t);
		client_reply_str(c, "OK");
		return;
	}
	a->ns_running = 0;
	a->ns_later = all_threads(t) & ~target_thread_bit(t, t->stop.has_thread ?
							  t->stop.thread.tid : -1);
	client_reply_str(c, stop_text);
}

/* The VM stopped: tell every non-stop client that had threads running. */
void nonstop_on_stop(struct target *t, void (*format)(const struct target *, const struct client *,
						       char *, size_t))
{
	struct attachment *a;
	char text[256];

	TAILQ_FOREACH(a, &t->attached, by_target) {
		int64_t event = t->stop.has_thread ? t->stop.thread.tid : -1;
		if (!a->c->non_stop || a->ns_running == 0)
			continue;
		if (a->ns_running & target_thread_bit(t, event)) {
			format(t, a->c, text, sizeof(text));
			/* A stop the client asked for is signal 0, not QEMU's SIGINT. */
			if (a->ns_stop_asked && t->stop.signal == 2 && text[0] == 'T')
				memcpy(text + 1, "00", 2);
			enqueue(a, text);
		} else {
			event = -1;
		}
		enqueue_quiet(t, a, a->ns_running, event);
		a->ns_running = 0;
		a->ns_stop_asked = false;
		notify(a);
	}
}

/* One thread stopped (t->stop) while the others run on: tell the
 * non-stop clients that let it run. */
void nonstop_on_thread_stop(struct target *t)
{
	struct attachment *a;
	uint64_t bit = t->stop.has_thread ? target_thread_bit(t, t->stop.thread.tid)
					  : all_threads(t);
	char text[256];

	TAILQ_FOREACH(a, &t->attached, by_target) {
		if (!a->c->non_stop || !(a->ns_running & bit))
			continue;
		enqueue(a, target_stop_text(t, a->c, text, sizeof(text)));
		a->ns_running &= ~bit;
		notify(a);
	}
}

/* The VM is gone: W/X, as a notification, to a non-stop client that had
 * threads running. Returns whether it was told. */
bool nonstop_exit(struct attachment *a, const char *text)
{
	if (!a->c->non_stop || a->ns_running == 0)
		return false;
	a->ns_running = 0;
	enqueue(a, text);
	notify(a);
	return true;
}

/* Drop what a's client did not take. */
void nonstop_forget(struct attachment *a)
{
	for (size_t i = 0; i < a->ns_queued; i++)
		free(a->ns_queue[i]);
	free(a->ns_queue);
	a->ns_queue = NULL;
	a->ns_queued = 0;
}

/* Fan-out of a stop to one controller and many observers (see the header
 * for the round and its barrier). */
#include "bench/bench_fanout.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_conn.h"
#include "bench/bench_measure.h"
#include "bench/bench_util.h"
#include "proxy/cause.h"
#include "proxy/rsp/rsp_stop.h"

/* The longest pause the no-ack barrier grows to after races. */
#define MAX_SETTLE_US 100000
/* Raced rounds in a row before giving up. */
#define MAX_RACES_IN_A_ROW 20

struct fanout_client {
	struct bench_conn *conn;
	uint64_t at;   /* when this round's reply arrived; 0 while none has */
	bool raced;    /* this round's reply was an error instead of a stop */
};

struct bench_fanout {
	struct bench_fanout_opts o;
	size_t n;                  /* clients connected so far */
	bool all_ack;              /* every client kept acks: the exact barrier */
	unsigned settle_us;        /* the no-ack pause, grown after races */
	char stop[64];             /* the controller's latest stop reply */
	char race[64];             /* an observer's latest error reply */
	struct fanout_client *cl;  /* [0] is the controller */
	struct pollfd *pfd;        /* n + 1 entries */
	size_t *pidx;              /* the client of each pfd entry */
};

/* "controller" or "observer I", into buf. */
static const char *who(size_t i, char *buf, size_t cap)
{
	if (i == 0)
		snprintf(buf, cap, "controller");
	else
		snprintf(buf, cap, "observer %zu", i);
	return buf;
}

/* Report a failure of client i doing what, taking ownership of why. */
static int fail_client(size_t i, const char *what, char *why, char **cause)
{
	char name[32];

	cause_fail(cause, "%s: %s: %s", who(i, name, sizeof(name)), what,
		   why != NULL ? why : "failed");
	free(why);
	return -1;
}

/* A printable, truncated copy of a reply. */
static void printable(char *out, size_t cap, const uint8_t *p, size_t len)
{
	size_t i, n = len < cap - 4 ? len : cap - 4;

	for (i = 0; i < n; i++)
		out[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '.';
	strcpy(out + n, len > n ? "..." : "");
	if (len == 0)
		snprintf(out, cap, "(empty)");
}

/* Sleep for us microseconds. */
static void pause_us(unsigned us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Connect client i and run the handshake. */
static int open_client(struct bench_fanout *f, size_t i, char **cause)
{
	const char *addr = i == 0 ? f->o.control : f->o.observe;
	struct bench_peer peer;
	char *why = NULL;

	if (bench_conn_open(addr, f->o.timeout_ms, &f->cl[i].conn, &why) < 0)
		return fail_client(i, addr, why, cause);
	if (bench_handshake(f->cl[i].conn, f->o.probe_addr, f->o.allow_noack, &peer, &why) < 0)
		return fail_client(i, "handshake", why, cause);
	if (peer.exited)
		return fail_client(i, "handshake", strdup("the target has exited"), cause);
	if (peer.no_ack)
		f->all_ack = false;
	if (i == 0)
		snprintf(f->stop, sizeof(f->stop), "%s", peer.stop);
	return 0;
}

/* Connect the controller, then every observer. */
int bench_fanout_open(const struct bench_fanout_opts *o, struct bench_fanout **out,
		      char **cause)
{
	struct bench_fanout *f;

	*out = NULL;
	*cause = NULL;
	if (o->clients == 0)
		return cause_fail(cause, "fan-out needs at least one client");
	if (o->clients > 1 && o->observe == NULL)
		return cause_fail(cause, "fan-out with observers needs their address");
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return cause_fail(cause, "out of memory");
	f->o = *o;
	f->all_ack = true;
	f->settle_us = o->settle_us;
	f->cl = calloc(o->clients, sizeof(*f->cl));
	f->pfd = calloc(o->clients + 1, sizeof(*f->pfd));
	f->pidx = calloc(o->clients + 1, sizeof(*f->pidx));
	if (f->cl == NULL || f->pfd == NULL || f->pidx == NULL) {
		bench_fanout_close(f);
		return cause_fail(cause, "out of memory");
	}
	for (f->n = 0; f->n < o->clients; f->n++) {
		if (open_client(f, f->n, cause) < 0) {
			f->n++;  /* close the half-open one too */
			bench_fanout_close(f);
			return -1;
		}
	}
	*out = f;
	return 0;
}

/* Close every connection. */
void bench_fanout_close(struct bench_fanout *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n && f->cl != NULL; i++)
		bench_conn_close(f->cl[i].conn);
	free(f->cl);
	free(f->pfd);
	free(f->pidx);
	free(f);
}

/* Client i resumes with vCont;c (in ack mode: returns once it was served). */
static int send_resume(struct bench_fanout *f, size_t i, char **cause)
{
	char *why = NULL;

	if (bench_conn_send(f->cl[i].conn, "vCont;c", 7, &why) < 0)
		return fail_client(i, "vCont;c", why, cause);
	return 0;
}

/* Every client resumes: the controller first, so that the VM runs when the
 * observers' resumes are served. Without acks there is no sign that a
 * resume was served: pause, and let collect() catch the races. */
static int resume_all(struct bench_fanout *f, char **cause)
{
	size_t i;

	if (send_resume(f, 0, cause) < 0)
		return -1;
	if (!f->all_ack)
		pause_us(f->settle_us);
	for (i = 1; i < f->n; i++)
		if (send_resume(f, i, cause) < 0)
			return -1;
	if (!f->all_ack)
		pause_us(f->settle_us);
	for (i = 0; i < f->n; i++)
		f->cl[i] = (struct fanout_client){ .conn = f->cl[i].conn };
	return 0;
}

/* Whether a packet is console output: `O` and hex. */
static bool is_console(const uint8_t *r, size_t len)
{
	return len >= 3 && r[0] == 'O' && len % 2 == 1;
}

/* Judge client i's reply to this round: a stop (an exit is an error), or
 * for an observer an error reply, which means its resume raced the stop. */
static int judge(struct bench_fanout *f, size_t i, const uint8_t *r, size_t len, char **cause)
{
	struct rsp_stop stop;
	char text[64], name[32];

	printable(text, sizeof(text), r, len);
	if (rsp_stop_parse((const char *)r, len, &stop) == 0) {
		if (stop.kind != RSP_STOP_SIGNAL)
			return cause_fail(cause, "%s: the target exited (%s)",
					  who(i, name, sizeof(name)), text);
		if (i == 0)
			snprintf(f->stop, sizeof(f->stop), "%s", text);
		return 0;
	}
	if (i > 0 && len > 0 && r[0] == 'E') {
		f->cl[i].raced = true;
		snprintf(f->race, sizeof(f->race), "%s", text);
		return 0;
	}
	return cause_fail(cause, "%s: reply %s is not a stop reply", who(i, name, sizeof(name)),
			  text);
}

/* Take client i's reply if it is all there: 1 taken, 0 not yet, -1 error. */
static int take_reply(struct bench_fanout *f, size_t i, char **cause)
{
	const uint8_t *r;
	size_t len;
	char *why = NULL;
	int got;

	do {
		got = bench_conn_try_recv(f->cl[i].conn, &r, &len, &why);
		if (got < 0)
			return fail_client(i, "waiting for the stop", why, cause);
		if (got == 0)
			return 0;
		f->cl[i].at = bench_now_ns();
	} while (is_console(r, len));
	return judge(f, i, r, len, cause) < 0 ? -1 : 1;
}

/* Milliseconds left until deadline (ns), 0 when it has passed. */
static int ms_left(uint64_t deadline)
{
	uint64_t now = bench_now_ns();

	return now >= deadline ? 0 : (int)((deadline - now + 999999) / 1000000);
}

/* Who still has no reply, for the timeout message. */
static int fail_timeout(const struct bench_fanout *f, size_t left, char **cause)
{
	char name[32];
	size_t i;

	for (i = 0; i < f->n && f->cl[i].at != 0; i++)
		;
	return cause_fail(cause, "no reply within %d ms from %zu of %zu clients (%s among them)",
			  f->o.timeout_ms, left, f->n, who(i, name, sizeof(name)));
}

/* Poll the clients without a reply yet, after taking what is buffered.
 * Returns how many replies were taken, or -1. */
static int collect_once(struct bench_fanout *f, uint64_t deadline, char **cause)
{
	size_t i, k, np = 0;
	int taken = 0, ready, r;

	for (i = 0; i < f->n; i++) {
		if (f->cl[i].at != 0)
			continue;
		if (bench_conn_buffered(f->cl[i].conn)) {
			if ((r = take_reply(f, i, cause)) < 0)
				return -1;
			taken += r;
			if (r > 0)
				continue;
		}
		f->pfd[np] = (struct pollfd){ .fd = bench_conn_fd(f->cl[i].conn), .events = POLLIN };
		f->pidx[np++] = i;
	}
	if (taken > 0 || np == 0)
		return taken;
	ready = poll(f->pfd, np, ms_left(deadline));
	if (ready < 0)
		return errno == EINTR ? 0 : cause_fail(cause, "poll: %s", strerror(errno));
	for (k = 0; k < np && ready > 0; k++) {
		if (f->pfd[k].revents == 0)
			continue;
		ready--;
		if ((r = take_reply(f, f->pidx[k], cause)) < 0)
			return -1;
		taken += r;
	}
	return taken;
}

/* Wait until every client has its reply to this round. */
static int collect(struct bench_fanout *f, uint64_t t0, char **cause)
{
	uint64_t deadline = t0 + (uint64_t)f->o.timeout_ms * 1000000u;
	size_t left = f->n;
	int r;

	while (left > 0) {
		if ((r = collect_once(f, deadline, cause)) < 0)
			return -1;
		left -= (size_t)r;
		if (r == 0 && left > 0 && ms_left(deadline) == 0)
			return fail_timeout(f, left, cause);
	}
	return 0;
}

/* One round: resume all, interrupt, collect. Sets *t0 and *raced. */
static int one_round(struct bench_fanout *f, uint64_t *t0, bool *raced, char **cause)
{
	char *why = NULL;
	size_t i;

	if (resume_all(f, cause) < 0)
		return -1;
	*t0 = bench_now_ns();
	if (bench_conn_send_raw(f->cl[0].conn, "\x03", 1, &why) < 0)
		return fail_client(0, "interrupt", why, cause);
	if (collect(f, *t0, cause) < 0)
		return -1;
	*raced = false;
	for (i = 1; i < f->n; i++)
		*raced |= f->cl[i].raced;
	return 0;
}

/* A raced round: retry with a longer pause, unless acks made racing
 * impossible or it keeps happening. */
static int after_race(struct bench_fanout *f, size_t in_a_row, char **cause)
{
	if (f->all_ack)
		return cause_fail(cause, "an observer's acknowledged resume was refused (%s): "
				  "is the observers' address an observe listener of the "
				  "controller's target?", f->race);
	if (in_a_row >= MAX_RACES_IN_A_ROW)
		return cause_fail(cause, "%zu rounds in a row raced: observers' resumes were "
				  "refused (last reply %s); is the observers' address an observe "
				  "listener of the controller's target?", in_a_row, f->race);
	f->settle_us = f->settle_us < 50 ? 100 : f->settle_us * 2;
	if (f->settle_us > MAX_SETTLE_US)
		f->settle_us = MAX_SETTLE_US;
	return 0;
}

/* The first and last reply time of the round. */
static void round_span(const struct bench_fanout *f, uint64_t *first, uint64_t *last)
{
	size_t i;

	*first = *last = f->cl[0].at;
	for (i = 1; i < f->n; i++) {
		if (f->cl[i].at < *first)
			*first = f->cl[i].at;
		if (f->cl[i].at > *last)
			*last = f->cl[i].at;
	}
}

/* Medians and p99s of the samples, in microseconds. */
static void summarize(struct bench_fanout_result *res, uint64_t *spread, uint64_t *last,
		      uint64_t *first, size_t n)
{
	res->spread_median_us = bench_quantile(spread, n, 0.5) / 1000.0;
	res->spread_p99_us = bench_quantile(spread, n, 0.99) / 1000.0;
	res->last_median_us = bench_quantile(last, n, 0.5) / 1000.0;
	res->last_p99_us = bench_quantile(last, n, 0.99) / 1000.0;
	res->first_median_us = bench_quantile(first, n, 0.5) / 1000.0;
	res->first_p99_us = bench_quantile(first, n, 0.99) / 1000.0;
}

/* Run the rounds. */
int bench_fanout_measure(struct bench_fanout *f, struct bench_fanout_result *res,
			 char **cause)
{
	size_t k = f->o.rounds, done = 0, in_a_row = 0;
	uint64_t *s = calloc(3 * (k ? k : 1), sizeof(*s)), t0, a, b;
	bool raced;
	int r = 0;

	*cause = NULL;
	memset(res, 0, sizeof(*res));
	res->clients = f->n;
	res->no_ack = !f->all_ack;
	if (s == NULL)
		return cause_fail(cause, "out of memory");
	while (done < k && r == 0) {
		if ((r = one_round(f, &t0, &raced, cause)) < 0)
			break;
		if (raced) {
			res->retries++;
			r = after_race(f, ++in_a_row, cause);
			continue;
		}
		in_a_row = 0;
		round_span(f, &a, &b);
		s[done] = b - a;
		s[k + done] = b - t0;
		s[2 * k + done] = a - t0;
		done++;
	}
	res->rounds = done;
	res->settle_us = f->all_ack ? 0 : f->settle_us;
	snprintf(res->stop, sizeof(res->stop), "%s", f->stop);
	if (done > 0)
		summarize(res, s, s + k, s + 2 * k, done);
	res->done = r == 0 && done == k;
	free(s);
	return r;
}

/* A client said something, or hung up, while it should be idle. */
static int idle_violation(struct bench_fanout *f, size_t i, char **cause)
{
	const uint8_t *r;
	size_t len;
	char *why = NULL, text[64], name[32];
	int got = bench_conn_try_recv(f->cl[i].conn, &r, &len, &why);

	if (got < 0)
		return fail_client(i, "while idle", why, cause);
	if (got == 0)
		return 0;
	printable(text, sizeof(text), r, len);
	return cause_fail(cause, "%s: unexpected packet %s while idle", who(i, name, sizeof(name)),
			  text);
}

/* Idle until fd ends. */
int bench_fanout_hold(struct bench_fanout *f, int fd, char **cause)
{
	char buf[256];
	ssize_t got;
	size_t i;

	*cause = NULL;
	f->pfd[0] = (struct pollfd){ .fd = fd, .events = POLLIN };
	for (i = 0; i < f->n; i++)
		f->pfd[i + 1] = (struct pollfd){ .fd = bench_conn_fd(f->cl[i].conn), .events = POLLIN };
	for (;;) {
		for (i = 0; i < f->n; i++)
			if (bench_conn_buffered(f->cl[i].conn) && idle_violation(f, i, cause) < 0)
				return -1;
		if (poll(f->pfd, f->n + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return cause_fail(cause, "poll: %s", strerror(errno));
		}
		for (i = 0; i < f->n; i++)
			if (f->pfd[i + 1].revents != 0 && idle_violation(f, i, cause) < 0)
				return -1;
		if (f->pfd[0].revents == 0)
			continue;
		got = read(fd, buf, sizeof(buf));
		if (got == 0)
			return 0;
		if (got < 0 && errno != EINTR && errno != EAGAIN)
			return cause_fail(cause, "reading stdin: %s", strerror(errno));
	}
}

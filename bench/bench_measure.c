/* The benchmark's handshake and measurements. */
#include "bench/bench_measure.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_util.h"
#include "proxy/cause.h"
#include "proxy/rsp/rsp_hex.h"
#include "proxy/rsp/rsp_stop.h"

/* What the client offers: binary-upload+ asks for `x`. */
#define QSUPPORTED "qSupported:swbreak+;hwbreak+;binary-upload+"
/* gdb's assumption when a stub names no PacketSize. */
#define DEFAULT_PACKET_SIZE 400
/* Decoded replies accepted: well above any PacketSize-bound reply. */
#define MIN_CAPACITY (256 * 1024)
#define PROBE_LEN 16

/* A printable, truncated copy of a reply for messages (static buffer). */
static const char *show(const uint8_t *p, size_t len)
{
	static char buf[48];
	size_t i, n = len < sizeof(buf) - 4 ? len : sizeof(buf) - 4;

	for (i = 0; i < n; i++)
		buf[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '.';
	strcpy(buf + n, len > n ? "..." : "");
	return len == 0 ? "(empty)" : buf;
}

/* Whether a reply is len hex digits, len even and non-zero. */
static bool is_hex_reply(const uint8_t *p, size_t len)
{
	size_t i;

	if (len == 0 || len % 2 != 0)
		return false;
	for (i = 0; i < len; i++)
		if (rsp_hex_digit(p[i]) < 0)
			return false;
	return true;
}

/* Send payload and wait for its reply, prefixing errors with what. */
static int ask(struct bench_conn *c, const char *what, const char *payload,
	       const uint8_t **reply, size_t *len, char **cause)
{
	char *why = NULL;

	if (bench_conn_request(c, payload, reply, len, &why) == 0)
		return 0;
	cause_fail(cause, "%s: %s", what, why ? why : "failed");
	free(why);
	return -1;
}

/* Record one qSupported feature of f (n bytes) in peer. */
static void parse_feature(const char *f, size_t n, struct bench_peer *peer)
{
	const char *p = f + 11;
	uint64_t v;

	if (n > 11 && strncmp(f, "PacketSize=", 11) == 0 &&
	    rsp_parse_hex_u64(&p, f + n, &v) == 0 && p == f + n) {
		peer->packet_size = (size_t)v;
		peer->packet_size_offered = true;
	} else if (n == 16 && strncmp(f, "QStartNoAckMode+", 16) == 0) {
		peer->noack_offered = true;
	} else if (n == 14 && strncmp(f, "binary-upload+", 14) == 0) {
		peer->binary_upload = true;
	}
}

/* Walk the `;`-separated features of a qSupported reply. */
static void parse_supported(const char *s, size_t len, struct bench_peer *peer)
{
	const char *end = s + len, *semi;

	while (s < end) {
		semi = memchr(s, ';', (size_t)(end - s));
		if (semi == NULL)
			semi = end;
		parse_feature(s, (size_t)(semi - s), peer);
		s = semi + 1;
	}
}

/* qSupported, then QStartNoAckMode when offered and allowed. */
static int negotiate(struct bench_conn *c, bool allow_noack, struct bench_peer *peer,
		     char **cause)
{
	const uint8_t *r;
	size_t len;

	peer->packet_size = DEFAULT_PACKET_SIZE;
	if (ask(c, "qSupported", QSUPPORTED, &r, &len, cause) < 0)
		return -1;
	parse_supported((const char *)r, len, peer);
	if (peer->packet_size < 16)
		return cause_fail(cause, "qSupported: PacketSize=%zx is too small",
				  peer->packet_size);
	if (!peer->noack_offered || !allow_noack)
		return 0;
	if (ask(c, "QStartNoAckMode", "QStartNoAckMode", &r, &len, cause) < 0)
		return -1;
	if (len != 2 || memcmp(r, "OK", 2) != 0)
		return cause_fail(cause, "QStartNoAckMode: reply %s", show(r, len));
	bench_conn_set_no_ack(c, true);
	peer->no_ack = true;
	return 0;
}

/* `?`: the target must be stopped (or already exited). */
static int query_stop(struct bench_conn *c, struct bench_peer *peer, char **cause)
{
	struct rsp_stop stop;
	const uint8_t *r;
	size_t len;

	if (ask(c, "?", "?", &r, &len, cause) < 0)
		return -1;
	if (rsp_stop_parse((const char *)r, len, &stop) < 0)
		return cause_fail(cause, "?: not a stop reply: %s", show(r, len));
	snprintf(peer->stop, sizeof(peer->stop), "%s", show(r, len));
	peer->exited = stop.kind != RSP_STOP_SIGNAL;
	return 0;
}

/* `vCont?`: whether the `;`-separated actions include s. */
static int query_vcont(struct bench_conn *c, struct bench_peer *peer, char **cause)
{
	const uint8_t *r;
	size_t len, i;

	if (ask(c, "vCont?", "vCont?", &r, &len, cause) < 0)
		return -1;
	if (len < 5 || memcmp(r, "vCont", 5) != 0)
		return 0;
	for (i = 5; i + 1 < len; i++)
		if (r[i] == ';' && r[i + 1] == 's' && (i + 2 == len || r[i + 2] == ';'))
			peer->vcont_step = true;
	return 0;
}

/* Read PROBE_LEN bytes at addr with m into ref; *n gets the count. */
static int probe_m(struct bench_conn *c, uint64_t addr, uint8_t *ref, size_t *n,
		   char **cause)
{
	char req[64];
	const uint8_t *r;
	size_t len;

	snprintf(req, sizeof(req), "m%" PRIx64 ",%x", addr, PROBE_LEN);
	if (ask(c, "m probe", req, &r, &len, cause) < 0)
		return -1;
	*n = 0;
	if (!is_hex_reply(r, len) || len / 2 > PROBE_LEN)
		return 0;
	*n = len / 2;
	rsp_hex_decode(ref, (const char *)r, *n);
	return 0;
}

/* Decide from an x reply r whether x works and in which form. */
static void judge_x(struct bench_peer *peer, const uint8_t *r, size_t len,
		    const uint8_t *ref, size_t n)
{
	if (len == 0) {
		snprintf(peer->x_note, sizeof(peer->x_note), "empty reply");
	} else if (r[0] == 'b' && len > 1 && len - 1 <= n &&
		   memcmp(r + 1, ref, len - 1) == 0) {
		peer->x_supported = peer->x_prefixed = true;
	} else if (len <= n && memcmp(r, ref, len) == 0) {
		peer->x_supported = true;
	} else {
		snprintf(peer->x_note, sizeof(peer->x_note),
			 "reply %s does not match m", show(r, len));
	}
}

/* Read a few bytes with x and compare them with the same read by m. */
static int probe_x(struct bench_conn *c, uint64_t addr, struct bench_peer *peer,
		   char **cause)
{
	uint8_t ref[PROBE_LEN];
	char req[64];
	const uint8_t *r;
	size_t len, n;

	if (probe_m(c, addr, ref, &n, cause) < 0)
		return -1;
	snprintf(req, sizeof(req), "x%" PRIx64 ",%x", addr, PROBE_LEN);
	if (ask(c, "x probe", req, &r, &len, cause) < 0)
		return -1;
	if (n == 0)
		snprintf(peer->x_note, sizeof(peer->x_note),
			 "m at 0x%" PRIx64 " failed, nothing to compare with", addr);
	else
		judge_x(peer, r, len, ref, n);
	return 0;
}

/* The whole handshake; sizes the reply buffer after PacketSize. */
int bench_handshake(struct bench_conn *c, uint64_t addr, bool allow_noack,
		    struct bench_peer *peer, char **cause)
{
	size_t cap;

	memset(peer, 0, sizeof(*peer));
	if (negotiate(c, allow_noack, peer, cause) < 0)
		return -1;
	cap = peer->packet_size > MIN_CAPACITY / 4 ? 4 * peer->packet_size : MIN_CAPACITY;
	if (bench_conn_set_capacity(c, cap, cause) < 0 ||
	    query_stop(c, peer, cause) < 0 || query_vcont(c, peer, cause) < 0)
		return -1;
	if (!peer->exited && probe_x(c, addr, peer, cause) < 0)
		return -1;
	peer->complete = true;
	return 0;
}

/* n `g` round trips, timed one by one. */
int bench_g(struct bench_conn *c, size_t n, struct bench_result *res, char **cause)
{
	uint64_t *t = calloc(n, sizeof(*t)), t0;
	const uint8_t *r;
	size_t i, len;

	if (t == NULL)
		return cause_fail(cause, "out of memory");
	for (i = 0; i < n; i++) {
		t0 = bench_now_ns();
		if (ask(c, "g", "g", &r, &len, cause) < 0)
			break;
		t[i] = bench_now_ns() - t0;
		if (len == 0 || len % 2 != 0 || (i == 0 && !is_hex_reply(r, len))) {
			cause_fail(cause, "g: reply %s", show(r, len));
			break;
		}
	}
	if (i == n) {
		res->g_done = true;
		res->g_requests = n;
		res->g_median_us = bench_quantile(t, n, 0.5) / 1000.0;
		res->g_p90_us = bench_quantile(t, n, 0.9) / 1000.0;
	}
	free(t);
	return i == n ? 0 : -1;
}

/* Whether a packet is console output: `O` followed by hex pairs. */
static bool is_console(const uint8_t *r, size_t len)
{
	return len >= 3 && r[0] == 'O' && is_hex_reply(r + 1, len - 1);
}

/* Wait for the stop reply of one step, skipping console output. Sets *exited
 * (and res->exit_reply) when the target exited. */
static int wait_stop(struct bench_conn *c, struct bench_result *res, bool *exited,
		     char **cause)
{
	struct rsp_stop stop;
	const uint8_t *r;
	size_t len;
	char *why = NULL;

	do {
		if (bench_conn_recv(c, &r, &len, &why) < 0) {
			cause_fail(cause, "step: %s", why ? why : "failed");
			free(why);
			return -1;
		}
	} while (is_console(r, len));
	if (rsp_stop_parse((const char *)r, len, &stop) < 0)
		return cause_fail(cause, "step: reply %s is not a stop reply", show(r, len));
	*exited = stop.kind != RSP_STOP_SIGNAL;
	if (*exited)
		snprintf(res->exit_reply, sizeof(res->exit_reply), "%s", show(r, len));
	return 0;
}

/* n single steps with vCont;s (or s), each waiting for its stop. */
int bench_step(struct bench_conn *c, const struct bench_peer *peer, size_t n,
	       struct bench_result *res, char **cause)
{
	const char *pkt = peer->vcont_step ? "vCont;s" : "s";
	uint64_t t0 = bench_now_ns(), dt;
	bool exited = false;
	char *why = NULL;
	size_t i;

	for (i = 0; i < n && !exited; i++) {
		if (bench_conn_send(c, pkt, strlen(pkt), &why) < 0) {
			cause_fail(cause, "step: %s", why ? why : "failed");
			free(why);
			return -1;
		}
		if (wait_stop(c, res, &exited, cause) < 0)
			return -1;
	}
	dt = bench_now_ns() - t0;
	res->step_done = true;
	res->steps = i;
	res->steps_per_s = dt > 0 ? (double)i * 1e9 / (double)dt : 0;
	return 0;
}

/* Bytes of memory carried by a read reply; -1 with *cause on an error. */
static long reply_bytes(const uint8_t *r, size_t len, bool binary, bool prefixed,
			uint8_t *buf, size_t asked, char **cause)
{
	const char *what = binary ? "x" : "m";
	size_t n;

	if (len == 0)
		return cause_fail(cause, "%s: empty reply", what);
	if (binary && prefixed && r[0] != 'b')
		return cause_fail(cause, "x: reply %s", show(r, len));
	if (!binary && !is_hex_reply(r, len))
		return cause_fail(cause, "m: reply %s", show(r, len));
	n = binary ? len - (prefixed ? 1 : 0) : len / 2;
	if (n > asked)
		return cause_fail(cause, "%s: %zu bytes returned, %zu asked", what, n, asked);
	if (binary)
		memcpy(buf, r + (prefixed ? 1 : 0), n);
	else
		rsp_hex_decode(buf, (const char *)r, n);
	return (long)n;
}

/* One m or x request for len bytes at addr; returns the bytes read or -1. */
static long read_once(struct bench_conn *c, const struct bench_peer *peer, bool binary,
		      uint64_t addr, size_t len, uint8_t *buf, char **cause)
{
	char req[64];
	const uint8_t *r;
	size_t rlen;

	snprintf(req, sizeof(req), "%c%" PRIx64 ",%zx", binary ? 'x' : 'm', addr, len);
	if (ask(c, binary ? "x" : "m", req, &r, &rlen, cause) < 0)
		return -1;
	return reply_bytes(r, rlen, binary, peer->x_prefixed, buf, len, cause);
}

/* The largest read one reply can carry within PacketSize. */
static size_t max_chunk(const struct bench_peer *peer, bool binary)
{
	if (!binary)
		return (peer->packet_size - 1) / 2;
	return peer->packet_size - 1 - (peer->x_prefixed ? 1 : 0);
}

/* Untimed first read: halve the chunk while the peer answers with an error. */
static int calibrate(struct bench_conn *c, const struct bench_peer *peer, bool binary,
		     uint64_t addr, size_t *chunk, uint8_t *buf, char **cause)
{
	long got;

	for (;;) {
		got = read_once(c, peer, binary, addr, *chunk, buf, cause);
		if (got > 0)
			return 0;
		if (got == 0)
			return cause_fail(cause, "%s: no bytes at 0x%" PRIx64,
					  binary ? "x" : "m", addr);
		if (*chunk <= 16 || *cause == NULL || strstr(*cause, "reply E") == NULL)
			return -1;
		free(*cause);
		*cause = NULL;
		*chunk /= 2;
	}
}

/* Read region->bytes in chunks, wrapping within the region; time it. */
static int read_loop(struct bench_conn *c, const struct bench_peer *peer, bool binary,
		     const struct bench_region *region, struct bench_read *out,
		     uint8_t *buf, char **cause)
{
	uint64_t cur = region->addr, end = region->addr + region->size;
	uint64_t t0 = bench_now_ns(), dt, want;
	long got;

	while (out->bytes < region->bytes) {
		want = region->bytes - out->bytes;
		want = want < end - cur ? want : end - cur;
		want = want < out->chunk ? want : out->chunk;
		got = read_once(c, peer, binary, cur, (size_t)want, buf, cause);
		if (got <= 0)
			return got < 0 ? -1 : cause_fail(cause, "%s: no bytes at 0x%" PRIx64,
							  binary ? "x" : "m", cur);
		out->packets++;
		out->short_replies += (uint64_t)got < want;
		out->bytes += (uint64_t)got;
		cur = cur + (uint64_t)got >= end ? region->addr : cur + (uint64_t)got;
	}
	dt = bench_now_ns() - t0;
	out->mb_per_s = dt > 0 ? (double)out->bytes * 1e3 / (double)dt : 0;
	out->done = true;
	return 0;
}

/* Memory read throughput with m or x. */
int bench_read(struct bench_conn *c, const struct bench_peer *peer, bool binary,
	       const struct bench_region *region, struct bench_read *out, char **cause)
{
	size_t chunk = region->chunk ? region->chunk : max_chunk(peer, binary);
	size_t cap = 2 * chunk + 64 > MIN_CAPACITY ? 2 * chunk + 64 : MIN_CAPACITY;
	uint8_t *buf;
	int r;

	memset(out, 0, sizeof(*out));
	*cause = NULL;
	if (region->size == 0 || chunk == 0)
		return cause_fail(cause, "empty region or chunk");
	if (cap < 4 * peer->packet_size)
		cap = 4 * peer->packet_size;
	if (bench_conn_set_capacity(c, cap, cause) < 0)
		return -1;
	if ((buf = malloc(chunk)) == NULL)
		return cause_fail(cause, "out of memory");
	r = calibrate(c, peer, binary, region->addr, &chunk, buf, cause);
	out->chunk = chunk;
	if (r == 0)
		r = read_loop(c, peer, binary, region, out, buf, cause);
	free(buf);
	return r;
}

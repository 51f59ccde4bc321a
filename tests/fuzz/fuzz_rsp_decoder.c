/* libFuzzer harness for the RSP frame decoder. Not part of the default build:
 *
 *   clang -std=c11 -D_GNU_SOURCE -g -O1 -I. \
 *     -fsanitize=fuzzer,address,undefined \
 *     tests/fuzz/fuzz_rsp_decoder.c proxy/rsp/rsp_frame.c -o fuzz_rsp_decoder
 *   ./fuzz_rsp_decoder -dict=tests/fuzz/rsp.dict
 *
 * The first two input bytes choose the capacity and how to split the rest.
 * Checked: the feed contract, that whole and split feeding agree, and that
 * every decoded payload survives an encode/decode round trip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/rsp/rsp_frame.h"

#define MAX_CAP 512
#define MAX_EVENTS 4096

struct log {
	size_t n;
	uint8_t kind[MAX_EVENTS];
	uint32_t hash[MAX_EVENTS]; /* FNV-1a of the payload, with its length */
};

/* Stop the run: libFuzzer reports the crash and saves the input. */
static void check(int ok)
{
	if (!ok)
		abort();
}

/* FNV-1a over a payload, so logs compare payloads without storing them. */
static uint32_t hash(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u ^ (uint32_t)n;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* Encode a decoded payload again and check it decodes to the same bytes. */
static void round_trip(const struct rsp_event *ev, size_t cap)
{
	static uint8_t wire[RSP_ENCODED_MAX(MAX_CAP)];
	static uint8_t buf[MAX_CAP + 1];
	struct rsp_decoder d;
	struct rsp_event back;
	size_t n, used;

	n = ev->kind == RSP_EV_PACKET
		? rsp_encode_packet(wire, sizeof(wire), ev->payload, ev->len)
		: rsp_encode_notification(wire, sizeof(wire), ev->payload, ev->len);
	check(n > 0);
	rsp_decoder_init(&d, buf, cap);
	used = rsp_decoder_feed(&d, wire, n, &back);
	check(used == n && back.kind == ev->kind && back.len == ev->len);
	check(memcmp(back.payload, ev->payload, ev->len) == 0);
}

/* Check one event against the contract and append it to the log. */
static void note(struct log *log, const struct rsp_event *ev, size_t cap, int deep)
{
	int has_payload = ev->kind == RSP_EV_PACKET || ev->kind == RSP_EV_NOTIFICATION;

	check(log->n < MAX_EVENTS);
	log->kind[log->n] = (uint8_t)ev->kind;
	log->hash[log->n] = 0;
	if (has_payload) {
		check(ev->payload != NULL && ev->len <= cap && ev->payload[ev->len] == 0);
		log->hash[log->n] = hash(ev->payload, ev->len);
		if (deep)
			round_trip(ev, cap);
	} else {
		check(ev->payload == NULL && ev->len == 0);
	}
	log->n++;
}

/* Decode data in chunks of at most step bytes (0: all at once). */
static void decode(struct log *log, const uint8_t *data, size_t size, size_t cap,
		   size_t step, int deep)
{
	static uint8_t buf[MAX_CAP + 1];
	struct rsp_decoder d;
	size_t pos = 0;

	log->n = 0;
	rsp_decoder_init(&d, buf, cap);
	while (pos < size && log->n < MAX_EVENTS) {
		size_t chunk = size - pos;
		struct rsp_event ev;
		size_t used;

		if (step && chunk > step)
			chunk = step;
		used = rsp_decoder_feed(&d, data + pos, chunk, &ev);
		check(used > 0 && used <= chunk);
		check(ev.kind != RSP_EV_NONE || used == chunk);
		if (ev.kind != RSP_EV_NONE)
			note(log, &ev, cap, deep);
		pos += used;
	}
}

/* libFuzzer entry point. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct log whole, split;
	size_t cap, step;

	if (size < 2)
		return 0;
	cap = (size_t)data[0] * MAX_CAP / 255;
	step = 1 + data[1] % 16;
	data += 2;
	size -= 2;
	if (size > MAX_EVENTS)
		size = MAX_EVENTS; /* at most one event per byte: the log never fills */
	decode(&whole, data, size, cap, 0, 1);
	decode(&split, data, size, cap, step, 0);
	check(whole.n == split.n);
	check(memcmp(whole.kind, split.kind, whole.n) == 0);
	check(memcmp(whole.hash, split.hash, whole.n * sizeof(whole.hash[0])) == 0);
	return 0;
}

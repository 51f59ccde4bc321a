/* Unit tests for the RSP frame decoder and encoder. Every decoder vector is
 * fed whole, byte by byte and in random splits, and must give the same
 * events each time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proxy/rsp/rsp_frame.h"

#define MAX_PAYLOAD 4096
#define MAX_EVENTS 256
#define RANDOM_SPLITS 24

struct rec {
	enum rsp_event_kind kind;
	size_t len;
	uint8_t data[MAX_PAYLOAD];
};

struct recs {
	size_t n;
	struct rec r[MAX_EVENTS];
};

/* An expected event: kind and, for packets and notifications, the payload. */
struct want {
	enum rsp_event_kind kind;
	const char *payload;
	size_t len;
};

#define W(k) { (k), NULL, 0 }
#define WP(s) { RSP_EV_PACKET, (s), sizeof(s) - 1 }
#define WN(s) { RSP_EV_NOTIFICATION, (s), sizeof(s) - 1 }

enum split { SPLIT_WHOLE, SPLIT_BYTES, SPLIT_RANDOM };

static uint32_t rng_state = 0x12345678u;

/* Deterministic xorshift so failures reproduce. */
static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* Record one event, checking the payload contract on the way. */
static void record(struct recs *out, const struct rsp_event *ev)
{
	struct rec *r;

	assert_true(out->n < MAX_EVENTS);
	r = &out->r[out->n++];
	r->kind = ev->kind;
	r->len = 0;
	if (ev->kind == RSP_EV_PACKET || ev->kind == RSP_EV_NOTIFICATION) {
		assert_non_null(ev->payload);
		assert_true(ev->len <= MAX_PAYLOAD);
		assert_int_equal(ev->payload[ev->len], 0);
		memcpy(r->data, ev->payload, ev->len);
		r->len = ev->len;
	} else {
		assert_null(ev->payload);
		assert_int_equal(ev->len, 0);
	}
}

/* Feed one chunk to the decoder until it is all consumed. */
static void feed_chunk(struct rsp_decoder *d, const uint8_t *in, size_t n,
		       struct recs *out)
{
	struct rsp_event ev;

	while (n > 0) {
		size_t k = rsp_decoder_feed(d, in, n, &ev);

		assert_true(k > 0 && k <= n);
		if (ev.kind != RSP_EV_NONE)
			record(out, &ev);
		else
			assert_int_equal(k, n); /* NONE only when all was used */
		in += k;
		n -= k;
	}
}

/* Decode a whole stream, cutting it into chunks as mode says. */
static void decode_stream(struct recs *out, const uint8_t *in, size_t n,
			  size_t cap, enum split mode)
{
	static uint8_t buf[MAX_PAYLOAD + 1];
	struct rsp_decoder d;
	size_t pos = 0;

	assert_true(cap <= MAX_PAYLOAD);
	out->n = 0;
	rsp_decoder_init(&d, buf, cap);
	while (pos < n) {
		size_t chunk = n - pos;

		if (mode == SPLIT_BYTES)
			chunk = 1;
		else if (mode == SPLIT_RANDOM)
			chunk = 1 + rnd() % chunk;
		feed_chunk(&d, in + pos, chunk, out);
		pos += chunk;
	}
}

/* Assert two event lists are identical. */
static void assert_recs_equal(const struct recs *a, const struct recs *b)
{
	size_t i;

	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		assert_int_equal(a->r[i].kind, b->r[i].kind);
		assert_int_equal(a->r[i].len, b->r[i].len);
		if (a->r[i].len)
			assert_memory_equal(a->r[i].data, b->r[i].data, a->r[i].len);
	}
}

/* Decode in every split mode and check all give the same events. */
static void decode_all_ways(struct recs *out, const uint8_t *in, size_t n, size_t cap)
{
	static struct recs other;
	int i;

	decode_stream(out, in, n, cap, SPLIT_WHOLE);
	decode_stream(&other, in, n, cap, SPLIT_BYTES);
	assert_recs_equal(out, &other);
	for (i = 0; i < RANDOM_SPLITS; i++) {
		decode_stream(&other, in, n, cap, SPLIT_RANDOM);
		assert_recs_equal(out, &other);
	}
}

/* Check a stream decodes to the expected events however it is split. */
static void check_stream_cap(const void *in, size_t n, size_t cap,
			     const struct want *want, size_t nwant)
{
	static struct recs got;
	size_t i;

	decode_all_ways(&got, in, n, cap);
	assert_int_equal(got.n, nwant);
	for (i = 0; i < nwant; i++) {
		assert_int_equal(got.r[i].kind, want[i].kind);
		assert_int_equal(got.r[i].len, want[i].len);
		if (want[i].len)
			assert_memory_equal(got.r[i].data, want[i].payload, want[i].len);
	}
}

#define CHECK_CAP(str, cap, ...)                                               \
	do {                                                                   \
		const struct want w_[] = { __VA_ARGS__ };                      \
		check_stream_cap((str), sizeof(str) - 1, (cap), w_,           \
				 sizeof(w_) / sizeof(w_[0]));                  \
	} while (0)
#define CHECK(str, ...) CHECK_CAP(str, 1024, __VA_ARGS__)

/* Check a stream yields no event at all. */
static void check_nothing(const char *in)
{
	static struct recs got;

	decode_all_ways(&got, (const uint8_t *)in, strlen(in), 64);
	assert_int_equal(got.n, 0);
}

/* Plain packets, the empty packet, checksum digits in either case. */
static void test_simple_packet(void **state)
{
	(void)state;
	CHECK("$g#67", WP("g"));
	CHECK("$m1000,4#8e", WP("m1000,4"));
	CHECK("$#00", WP(""));
	CHECK("$j#6a", WP("j"));
	CHECK("$j#6A", WP("j")); /* either case for the checksum */
}

/* `%` frames come out as notifications. */
static void test_notification(void **state)
{
	(void)state;
	CHECK("%Stop:T05#99", WN("Stop:T05"));
	CHECK("%#00$g#67", WN(""), WP("g"));
}

/* Acks, naks and 0x03 between frames, interleaved with packets. */
static void test_acks_and_interrupt(void **state)
{
	(void)state;
	CHECK("+", W(RSP_EV_ACK));
	CHECK("-", W(RSP_EV_NAK));
	CHECK("\x03", W(RSP_EV_INTERRUPT));
	CHECK("+-\x03$g#67+\x03-$g#67",
	      W(RSP_EV_ACK), W(RSP_EV_NAK), W(RSP_EV_INTERRUPT), WP("g"),
	      W(RSP_EV_ACK), W(RSP_EV_INTERRUPT), W(RSP_EV_NAK), WP("g"));
}

/* Bytes between frames are skipped; an unfinished frame gives nothing. */
static void test_junk_skipped(void **state)
{
	(void)state;
	CHECK("hello\r\n#67 }*$g#67", WP("g"));
	CHECK("\x00\xff$g#67\x01", WP("g"));
	check_nothing("");
	check_nothing("abc#00}*");
	check_nothing("$g#6"); /* incomplete: nothing yet */
}

/* Inside a frame, 0x03, `+`, `-` and `%` are plain data. */
static void test_special_bytes_in_body(void **state)
{
	(void)state;
	/* 0x03, acks and `%` inside a frame are data */
	CHECK("$\x03#03", WP("\x03"));
	CHECK("$+-%#7d", WP("+-%"));
	CHECK("%a%b#e8", WN("a%b"));
}

/* NUL bytes are payload like any other (len counts them). */
static void test_nul_in_payload(void **state)
{
	(void)state;
	CHECK("$a\0b#c3", WP("a\0b"));
	CHECK("$\0#00", WP("\0"));
	CHECK("$\0*\"#4c", WP("\0\0\0\0\0\0")); /* run of NULs */
}

/* The accepted and rejected vectors from lldb's own tests. */
static void test_lldb_vectors(void **state)
{
	(void)state;
	CHECK("$}]#da", WP("}"));
	CHECK("$x*%#c7", WP("xxxxxxxxx"));
	CHECK("+$x*%#c7", W(RSP_EV_ACK), WP("xxxxxxxxx"));
	CHECK("-$x*%#c7", W(RSP_EV_NAK), WP("xxxxxxxxx"));
	CHECK("$xx*#00", W(RSP_EV_MALFORMED));
	CHECK("$*#00", W(RSP_EV_MALFORMED));
	CHECK("$xx}#00", W(RSP_EV_MALFORMED));
	/* and the decoder is usable right after each */
	CHECK("$xx*#00$g#67", W(RSP_EV_MALFORMED), WP("g"));
	CHECK("$*#00+$g#67", W(RSP_EV_MALFORMED), W(RSP_EV_ACK), WP("g"));
	CHECK("$xx}#00$g#67", W(RSP_EV_MALFORMED), WP("g"));
}

/* `}` escapes, including ones the sender did not need. */
static void test_escapes(void **state)
{
	(void)state;
	CHECK("$}\x03#80", WP("#"));
	CHECK("$}\x04#81", WP("$"));
	CHECK("$}]#da", WP("}"));
	CHECK("$}\x0a#87", WP("*"));
	CHECK("$}\x05#82", WP("%"));
	/* needless escapes are still undone */
	CHECK("$}A#be", WP("a"));
	CHECK("$a}]b#9d", WP("a}b"));
}

/* Run-length counts from the smallest to the largest. */
static void test_run_length(void **state)
{
	(void)state;
	CHECK("$x* #c2", WP("xxxx"));   /* ' ': 3 more */
	CHECK("$0* #7a", WP("0000"));
	CHECK("$x*!#c3", WP("xxxxx"));
	CHECK("$ab*\"#0f", WP("abbbbbb"));
	/* '~': 97 more, the largest count */
	CHECK("$x*~#20",
	      WP("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
	/* a second run repeats the same byte */
	CHECK("$x*%*%#16", WP("xxxxxxxxxxxxxxxxx"));
	/* after an escape the character as sent repeats (gdbserver encodes
	 * runs after escaping): `}]` then four more `]` */
	CHECK("$}]*!#25", WP("}]]]]"));
	CHECK("$}\x03*!#cb", WP("#\x03\x03\x03\x03"));
}

/* Bad counts and `*` with nothing to repeat are MALFORMED. */
static void test_run_length_invalid(void **state)
{
	(void)state;
	CHECK("$x*\x1f#c1", W(RSP_EV_MALFORMED)); /* below ' ' */
	CHECK("$x*\x7f#21", W(RSP_EV_MALFORMED)); /* above '~' */
	CHECK("$x*\xff#a1", W(RSP_EV_MALFORMED));
	CHECK("$x*#00", W(RSP_EV_MALFORMED));     /* `#` is never a count */
	CHECK("$x*$g#67", W(RSP_EV_MALFORMED), WP("g")); /* nor `$` */
	CHECK("$*x#a2", W(RSP_EV_MALFORMED));     /* nothing to repeat */
	CHECK("%*x#a2", W(RSP_EV_MALFORMED));
	/* the previous frame's bytes do not count */
	CHECK("$x#78$*!#4b", WP("x"), W(RSP_EV_MALFORMED));
}

/* A wrong checksum over the raw bytes gives BAD_CHECKSUM. */
static void test_checksum_errors(void **state)
{
	(void)state;
	CHECK("$g#00", W(RSP_EV_BAD_CHECKSUM));
	CHECK("$g#76", W(RSP_EV_BAD_CHECKSUM));
	CHECK("%g#00", W(RSP_EV_BAD_CHECKSUM));
	/* lldb once summed the decoded payload: `}` alone sums to 7d */
	CHECK("$}]#7d", W(RSP_EV_BAD_CHECKSUM));
	CHECK("$x*%#78", W(RSP_EV_BAD_CHECKSUM));
	CHECK("$g#00$g#67", W(RSP_EV_BAD_CHECKSUM), WP("g"));
}

/* A non-hex checksum digit ends the frame as MALFORMED. */
static void test_checksum_digits_not_hex(void **state)
{
	(void)state;
	CHECK("$g#6z", W(RSP_EV_MALFORMED));
	CHECK("$g#g7", W(RSP_EV_MALFORMED));
	CHECK("$g# 67", W(RSP_EV_MALFORMED));
	/* the bad digit ends the frame: what follows is read afresh */
	CHECK("$g#z7+", W(RSP_EV_MALFORMED), W(RSP_EV_ACK));
	CHECK("$g#6$g#67", W(RSP_EV_MALFORMED), WP("g"));
	CHECK("$g#$g#67", W(RSP_EV_MALFORMED), WP("g"));
}

/* An unescaped `$` inside a frame reports it and starts a new one. */
static void test_dollar_restarts_frame(void **state)
{
	(void)state;
	CHECK("$abc$g#67", W(RSP_EV_MALFORMED), WP("g"));
	CHECK("$ab}$g#67", W(RSP_EV_MALFORMED), WP("g"));
	CHECK("$a*$g#67", W(RSP_EV_MALFORMED), WP("g"));
	CHECK("%abc$g#67", W(RSP_EV_MALFORMED), WP("g"));
	CHECK("$$$g#67", W(RSP_EV_MALFORMED), W(RSP_EV_MALFORMED), WP("g"));
	/* `%` inside a packet is data, not a restart */
	CHECK("$a%g#ed", WP("a%g"));
}

/* Payloads of exactly cap bytes fit; one more byte overflows. */
static void test_overflow_boundary(void **state)
{
	(void)state;
	/* exactly cap bytes fit, cap + 1 overflow */
	CHECK_CAP("$12345678#a4", 8, WP("12345678"));
	CHECK_CAP("$123456789#dd", 8, W(RSP_EV_OVERFLOW));
	CHECK_CAP("$123456789#dd$g#67", 8, W(RSP_EV_OVERFLOW), WP("g"));
	/* the checksum digits belong to the overflowed frame */
	CHECK_CAP("$123456789#dd+", 8, W(RSP_EV_OVERFLOW), W(RSP_EV_ACK));
	/* an escape as the last byte */
	CHECK_CAP("$1234567}]#46", 8, WP("1234567}"));
	CHECK_CAP("$12345678}]#7e", 8, W(RSP_EV_OVERFLOW));
	/* run-length: 9 x fit in 9, not in 8 */
	CHECK_CAP("$x*%#c7", 9, WP("xxxxxxxxx"));
	CHECK_CAP("$x*%#c7", 8, W(RSP_EV_OVERFLOW));
	CHECK_CAP("$x*~#20", 8, W(RSP_EV_OVERFLOW));
	/* zero capacity: only empty payloads */
	CHECK_CAP("$#00", 0, WP(""));
	CHECK_CAP("$a#61", 0, W(RSP_EV_OVERFLOW));
}

/* A frame reports the first problem found in it. */
static void test_overflow_reported_first(void **state)
{
	(void)state;
	/* later problems do not change the report of an overflowed frame */
	CHECK_CAP("$123456789#00", 8, W(RSP_EV_OVERFLOW));
	CHECK_CAP("$123456789#zz", 8, W(RSP_EV_OVERFLOW));
	CHECK_CAP("$123456789}#00", 8, W(RSP_EV_OVERFLOW));
	CHECK_CAP("$123456789$g#67", 8, W(RSP_EV_OVERFLOW), WP("g"));
	/* and a malformed frame stays malformed when it then overflows */
	CHECK_CAP("$*123456789#00", 8, W(RSP_EV_MALFORMED));
}

/* feed stops right after each event and reports what it used. */
static void test_feed_returns_per_event(void **state)
{
	static const uint8_t in[] = "+$g#67junk";
	static uint8_t buf[65];
	struct rsp_decoder d;
	struct rsp_event ev;
	size_t k;

	(void)state;
	rsp_decoder_init(&d, buf, 64);
	k = rsp_decoder_feed(&d, in, 0, &ev);
	assert_int_equal(k, 0);
	assert_int_equal(ev.kind, RSP_EV_NONE);

	k = rsp_decoder_feed(&d, in, sizeof(in) - 1, &ev);
	assert_int_equal(k, 1);
	assert_int_equal(ev.kind, RSP_EV_ACK);
	k = rsp_decoder_feed(&d, in + 1, sizeof(in) - 2, &ev);
	assert_int_equal(k, 5);
	assert_int_equal(ev.kind, RSP_EV_PACKET);
	assert_int_equal(ev.len, 1);
	assert_ptr_equal(ev.payload, buf);
	assert_string_equal((const char *)ev.payload, "g");
	k = rsp_decoder_feed(&d, in + 6, 4, &ev);
	assert_int_equal(k, 4);
	assert_int_equal(ev.kind, RSP_EV_NONE);
	assert_int_equal(d.state, RSP_DEC_IDLE);
}

/* The decoder walks through the documented states. */
static void test_decoder_states(void **state)
{
	static uint8_t buf[17];
	struct rsp_decoder d;
	struct rsp_event ev;
	const struct {
		const char *in;
		enum rsp_decoder_state st;
	} steps[] = {
		{ "$", RSP_DEC_BODY },   { "a", RSP_DEC_BODY },
		{ "}", RSP_DEC_ESCAPE }, { "]", RSP_DEC_BODY },
		{ "*", RSP_DEC_RUNLENGTH }, { " ", RSP_DEC_BODY },
		{ "#", RSP_DEC_CSUM1 },  { "0", RSP_DEC_CSUM2 },
		{ "0", RSP_DEC_IDLE },   { "$", RSP_DEC_BODY },
		{ "*", RSP_DEC_DISCARD }, { "#", RSP_DEC_CSUM1 },
	};
	size_t i;

	(void)state;
	rsp_decoder_init(&d, buf, 16);
	assert_int_equal(d.state, RSP_DEC_IDLE);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		rsp_decoder_feed(&d, (const uint8_t *)steps[i].in, 1, &ev);
		assert_int_equal(d.state, steps[i].st);
	}
}

/* Encode payload as a packet or notification into out; returns the size. */
static size_t encode(uint8_t *out, size_t cap, const uint8_t *p, size_t n, int notif)
{
	return notif ? rsp_encode_notification(out, cap, p, n)
		     : rsp_encode_packet(out, cap, p, n);
}

/* The encoder's exact output, escapes and checksum. */
static void test_encode_exact(void **state)
{
	uint8_t out[64];
	size_t n;

	(void)state;
	n = rsp_encode_packet(out, sizeof(out), (const uint8_t *)"g", 1);
	assert_int_equal(n, 5);
	assert_memory_equal(out, "$g#67", 5);

	n = rsp_encode_packet(out, sizeof(out), NULL, 0);
	assert_int_equal(n, 4);
	assert_memory_equal(out, "$#00", 4);

	n = rsp_encode_notification(out, sizeof(out), (const uint8_t *)"Stop:T05", 8);
	assert_int_equal(n, 12);
	assert_memory_equal(out, "%Stop:T05#99", 12);

	/* `$ # } * %` are escaped, the rest (NUL, 0x03, +, -) is not */
	n = rsp_encode_packet(out, sizeof(out), (const uint8_t *)"$#}*%\0\x03+-", 9);
	assert_int_equal(n, 1 + 10 + 4 + 3);
	assert_memory_equal(out, "$}\x04}\x03}]}\x0a}\x05\0\x03+-#", 16);
	assert_int_equal(out[16], "0123456789abcdef"[rsp_checksum(out + 1, 14) >> 4]);
	assert_int_equal(out[17], "0123456789abcdef"[rsp_checksum(out + 1, 14) & 0xf]);

	/* lowercase checksum digits */
	n = rsp_encode_packet(out, sizeof(out), (const uint8_t *)"}", 1);
	assert_int_equal(n, 6);
	assert_memory_equal(out, "$}]#da", 6);
}

/* The encoder returns 0 whenever the frame does not fit. */
static void test_encode_capacity(void **state)
{
	static const uint8_t p[] = "a}b";
	uint8_t out[32];
	size_t cap;

	(void)state;
	/* "$a}]b#xx" is 8 bytes: any smaller buffer gets 0 */
	for (cap = 0; cap < 8; cap++) {
		assert_int_equal(rsp_encode_packet(out, cap, p, 3), 0);
		assert_int_equal(rsp_encode_notification(out, cap, p, 3), 0);
	}
	assert_int_equal(rsp_encode_packet(out, 8, p, 3), 8);
	assert_int_equal(rsp_encode_packet(out, 3, NULL, 0), 0);
	assert_int_equal(rsp_encode_packet(out, 4, NULL, 0), 4);
	/* an escape that would leave no room for the trailer */
	assert_int_equal(rsp_encode_packet(out, 6, (const uint8_t *)"}", 1), 6);
	assert_int_equal(rsp_encode_packet(out, 5, (const uint8_t *)"}", 1), 0);
}

/* RSP_ENCODED_MAX is reached by an all-escaped payload. */
static void test_encoded_max(void **state)
{
	static uint8_t payload[256];
	static uint8_t out[RSP_ENCODED_MAX(256)];
	size_t n;

	(void)state;
	memset(payload, '}', sizeof(payload));
	n = rsp_encode_packet(out, sizeof(out), payload, sizeof(payload));
	assert_int_equal(n, RSP_ENCODED_MAX(256));
	assert_int_equal(RSP_ENCODED_MAX(0), 4);
}

/* rsp_checksum sums modulo 256. */
static void test_checksum(void **state)
{
	(void)state;
	assert_int_equal(rsp_checksum(NULL, 0), 0);
	assert_int_equal(rsp_checksum((const uint8_t *)"g", 1), 0x67);
	assert_int_equal(rsp_checksum((const uint8_t *)"\xff\x02", 2), 0x01);
	assert_int_equal(rsp_checksum((const uint8_t *)"m1000,4", 7), 0x8e);
}

/* Fill p with n random bytes, sometimes biased to the special ones. */
static void random_payload(uint8_t *p, size_t n)
{
	static const uint8_t special[] = "$#}*%+-\x03\0";
	int biased = rnd() % 3 == 0;
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = biased && rnd() % 2 ? special[rnd() % 9] : (uint8_t)rnd();
}

/* Random payloads survive encode then decode, split any way. */
static void test_round_trip_random(void **state)
{
	static uint8_t payload[MAX_PAYLOAD];
	static uint8_t wire[RSP_ENCODED_MAX(MAX_PAYLOAD)];
	static struct recs got;
	int iter;

	(void)state;
	for (iter = 0; iter < 400; iter++) {
		size_t n = iter < 300 ? rnd() % 300 : rnd() % (MAX_PAYLOAD + 1);
		int notif = rnd() % 4 == 0;
		size_t w;

		random_payload(payload, n);
		w = encode(wire, sizeof(wire), payload, n, notif);
		assert_true(w >= n + 4 && w <= RSP_ENCODED_MAX(n));
		decode_all_ways(&got, wire, w, n); /* cap == n: fits exactly */
		assert_int_equal(got.n, 1);
		assert_int_equal(got.r[0].kind, notif ? RSP_EV_NOTIFICATION : RSP_EV_PACKET);
		assert_int_equal(got.r[0].len, n);
		if (n)
			assert_memory_equal(got.r[0].data, payload, n);
		if (n > 0) {
			decode_stream(&got, wire, w, n - 1, SPLIT_RANDOM);
			assert_int_equal(got.n, 1);
			assert_int_equal(got.r[0].kind, RSP_EV_OVERFLOW);
		}
	}
}

/* Append one random token to a stream and the event it should give. */
static size_t add_token(uint8_t *s, struct recs *want)
{
	static const uint8_t singles[] = { '+', '-', 0x03 };
	static const enum rsp_event_kind kinds[] = {
		RSP_EV_ACK, RSP_EV_NAK, RSP_EV_INTERRUPT,
	};
	struct rec *r = &want->r[want->n];
	uint32_t pick = rnd() % 10;
	size_t n;

	if (pick < 3) {
		s[0] = singles[pick];
		r->kind = kinds[pick];
		r->len = 0;
		want->n++;
		return 1;
	}
	if (pick == 3) {
		s[0] = 'j'; /* junk between frames: no event */
		return 1;
	}
	n = rnd() % 64;
	random_payload(r->data, n);
	r->len = n;
	r->kind = pick == 4 ? RSP_EV_NOTIFICATION : RSP_EV_PACKET;
	want->n++;
	return encode(s, RSP_ENCODED_MAX(64), r->data, n, pick == 4);
}

/* A long random stream of frames, acks, 0x03 and junk decodes in order. */
static void test_mixed_stream(void **state)
{
	static uint8_t stream[MAX_EVENTS * RSP_ENCODED_MAX(64)];
	static struct recs want, got;
	int iter;

	(void)state;
	for (iter = 0; iter < 50; iter++) {
		size_t len = 0;

		want.n = 0;
		while (want.n < MAX_EVENTS - 1)
			len += add_token(stream + len, &want);
		decode_all_ways(&got, stream, len, 64);
		assert_recs_equal(&got, &want);
	}
}

/* Cutting a stream at any single point changes nothing. */
static void test_every_split_point(void **state)
{
	static const char in[] = "+$}]*!#25\x03%a}\x03" "b#43-$x*%#c7";
	static struct recs whole, split;
	static uint8_t buf[65];
	size_t n = sizeof(in) - 1;
	size_t cut;

	(void)state;
	decode_stream(&whole, (const uint8_t *)in, n, 64, SPLIT_WHOLE);
	assert_int_equal(whole.n, 6);
	for (cut = 1; cut < n; cut++) {
		struct rsp_decoder d;

		split.n = 0;
		rsp_decoder_init(&d, buf, 64);
		feed_chunk(&d, (const uint8_t *)in, cut, &split);
		feed_chunk(&d, (const uint8_t *)in + cut, n - cut, &split);
		assert_recs_equal(&whole, &split);
	}
}

/* After any garbage the decoder still finds the next packet. */
static void test_random_garbage_never_breaks(void **state)
{
	static const char tail[] = "#00$g#67"; /* closes any open frame, then g */
	static uint8_t junk[400 + sizeof(tail)]; /* stays under MAX_EVENTS */
	static struct recs got;
	const size_t n = sizeof(junk) - 1;
	int iter;
	size_t i;

	(void)state;
	for (iter = 0; iter < 300; iter++) {
		for (i = 0; i < n - (sizeof(tail) - 1); i++)
			junk[i] = (uint8_t)"$%#}*+-\x03xa0"[rnd() % 11];
		memcpy(junk + i, tail, sizeof(tail) - 1);
		decode_all_ways(&got, junk, n, 16);
		assert_true(got.n > 0);
		assert_int_equal(got.r[got.n - 1].kind, RSP_EV_PACKET);
		assert_int_equal(got.r[got.n - 1].len, 1);
		assert_int_equal(got.r[got.n - 1].data[0], 'g');
	}
}

/* Run every test in this file. */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_packet),
		cmocka_unit_test(test_notification),
		cmocka_unit_test(test_acks_and_interrupt),
		cmocka_unit_test(test_junk_skipped),
		cmocka_unit_test(test_special_bytes_in_body),
		cmocka_unit_test(test_nul_in_payload),
		cmocka_unit_test(test_lldb_vectors),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_run_length),
		cmocka_unit_test(test_run_length_invalid),
		cmocka_unit_test(test_checksum_errors),
		cmocka_unit_test(test_checksum_digits_not_hex),
		cmocka_unit_test(test_dollar_restarts_frame),
		cmocka_unit_test(test_overflow_boundary),
		cmocka_unit_test(test_overflow_reported_first),
		cmocka_unit_test(test_feed_returns_per_event),
		cmocka_unit_test(test_decoder_states),
		cmocka_unit_test(test_encode_exact),
		cmocka_unit_test(test_encode_capacity),
		cmocka_unit_test(test_encoded_max),
		cmocka_unit_test(test_checksum),
		cmocka_unit_test(test_round_trip_random),
		cmocka_unit_test(test_mixed_stream),
		cmocka_unit_test(test_every_split_point),
		cmocka_unit_test(test_random_garbage_never_breaks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

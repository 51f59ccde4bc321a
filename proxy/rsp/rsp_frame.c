/* RSP framing: an incremental decoder and an encoder (see rsp_frame.h).
 *
 * Decoding choices, where the protocol leaves room:
 * - `*` repeats the character as sent just before it, as gdb and gdbserver
 *   do: gdbserver run-length encodes the already escaped buffer, so in
 *   `}]*!` the repeated character is the `]` (four more literal `]`), not
 *   the decoded `}`.
 * - A run-length count must be printable (' '..'~') and not `#` or `$`.
 * - An unescaped `$` inside a frame (or in place of a checksum digit) means
 *   the sender gave up on that frame: the old frame is reported and the `$`
 *   starts a new one, so a retransmission right after a cut frame is kept.
 * - A frame reports the first problem found in it: a frame that overflowed
 *   stays OVERFLOW even if it is later cut or has bad checksum digits.
 * - A non-hex checksum digit ends the frame at once (MALFORMED) so that a
 *   following `+` or `$` is not swallowed as the second digit. */
#include "proxy/rsp/rsp_frame.h"
#include "proxy/rsp/rsp_hex.h"

#include <string.h>

#define RLE_BIAS 29      /* count char = count + 29 */
#define RLE_FIRST ' '    /* smallest count char: 3 repeats */
#define RLE_LAST '~'     /* largest count char: 97 repeats */
#define ESCAPE_XOR 0x20

static const char hex_lower[] = "0123456789abcdef";

/* Reset the frame state for a new `$` or `%` frame. */
static void start_frame(struct rsp_decoder *d, enum rsp_event_kind kind)
{
	d->state = RSP_DEC_BODY;
	d->frame_kind = kind;
	d->len = 0;
	d->sum = 0;
	d->malformed = 0;
	d->rle_byte = -1;
}

/* Mark the frame bad (the first problem wins) and move to next_state. */
static void fail_frame(struct rsp_decoder *d, enum rsp_event_kind why,
		       enum rsp_decoder_state next_state)
{
	if (!d->malformed) {
		d->malformed = 1;
		d->discard_kind = why;
	}
	d->state = next_state;
}

/* The event for a frame that ended badly, then back to idle. */
static enum rsp_event_kind end_bad_frame(struct rsp_decoder *d)
{
	d->state = RSP_DEC_IDLE;
	return d->malformed ? d->discard_kind : RSP_EV_MALFORMED;
}

/* Report the frame a `$` cut short and start the frame that `$` opens. */
static enum rsp_event_kind cut_frame(struct rsp_decoder *d)
{
	enum rsp_event_kind kind = end_bad_frame(d);

	start_frame(d, RSP_EV_PACKET);
	return kind;
}

/* Append one decoded byte, or switch to discarding when the buffer is full. */
static void put_byte(struct rsp_decoder *d, uint8_t b)
{
	if (d->len >= d->cap) {
		fail_frame(d, RSP_EV_OVERFLOW, RSP_DEC_DISCARD);
		return;
	}
	d->buf[d->len++] = b;
}

/* Handle a byte between frames. */
static enum rsp_event_kind step_idle(struct rsp_decoder *d, uint8_t c)
{
	switch (c) {
	case '$':
		start_frame(d, RSP_EV_PACKET);
		return RSP_EV_NONE;
	case '%':
		start_frame(d, RSP_EV_NOTIFICATION);
		return RSP_EV_NONE;
	case '+':
		return RSP_EV_ACK;
	case '-':
		return RSP_EV_NAK;
	case 0x03:
		return RSP_EV_INTERRUPT;
	default:
		return RSP_EV_NONE; /* line noise, or a stray byte of a lost frame */
	}
}

/* Handle a body byte other than `$` and `#`. */
static void step_body(struct rsp_decoder *d, uint8_t c)
{
	if (c == '}') {
		d->state = RSP_DEC_ESCAPE;
	} else if (c == '*') {
		if (d->rle_byte < 0)
			fail_frame(d, RSP_EV_MALFORMED, RSP_DEC_DISCARD);
		else
			d->state = RSP_DEC_RUNLENGTH;
	} else {
		d->rle_byte = c;
		put_byte(d, c);
	}
}

/* Handle the byte after `}`: any byte but `$` and `#` may be escaped. */
static void step_escape(struct rsp_decoder *d, uint8_t c)
{
	d->state = RSP_DEC_BODY;
	d->rle_byte = c; /* a following `*` repeats c as sent (see top) */
	put_byte(d, c ^ ESCAPE_XOR);
}

/* Handle a run-length count character: repeat rle_byte count more times. */
static void step_runlength(struct rsp_decoder *d, uint8_t c)
{
	size_t count;

	if (c < RLE_FIRST || c > RLE_LAST) {
		fail_frame(d, RSP_EV_MALFORMED, RSP_DEC_DISCARD);
		return;
	}
	count = (size_t)(c - RLE_BIAS);
	if (count > d->cap - d->len) {
		fail_frame(d, RSP_EV_OVERFLOW, RSP_DEC_DISCARD);
		return;
	}
	memset(d->buf + d->len, d->rle_byte, count);
	d->len += count;
	d->state = RSP_DEC_BODY;
}

/* Handle a byte inside a frame, before `#`. */
static enum rsp_event_kind step_frame(struct rsp_decoder *d, uint8_t c)
{
	if (c == '$')
		return cut_frame(d);
	if (c == '#') {
		/* `}#` and `*#`: the escape or count is missing */
		if (d->state == RSP_DEC_ESCAPE || d->state == RSP_DEC_RUNLENGTH)
			fail_frame(d, RSP_EV_MALFORMED, RSP_DEC_CSUM1);
		d->state = RSP_DEC_CSUM1;
		return RSP_EV_NONE;
	}
	d->sum += c;
	switch (d->state) {
	case RSP_DEC_BODY:
		step_body(d, c);
		break;
	case RSP_DEC_ESCAPE:
		step_escape(d, c);
		break;
	case RSP_DEC_RUNLENGTH:
		step_runlength(d, c);
		break;
	default:
		break; /* DISCARD: skip to `#` */
	}
	return RSP_EV_NONE;
}

/* Handle a checksum digit; the second one completes the frame. */
static enum rsp_event_kind step_csum(struct rsp_decoder *d, uint8_t c)
{
	int v = rsp_hex_digit(c);

	if (c == '$')
		return cut_frame(d);
	if (v < 0)
		return end_bad_frame(d);
	if (d->state == RSP_DEC_CSUM1) {
		d->csum_hi = (uint8_t)v;
		d->state = RSP_DEC_CSUM2;
		return RSP_EV_NONE;
	}
	d->state = RSP_DEC_IDLE;
	if (d->malformed)
		return d->discard_kind;
	if (((d->csum_hi << 4) | v) != d->sum)
		return RSP_EV_BAD_CHECKSUM;
	d->buf[d->len] = '\0';
	return d->frame_kind;
}

/* Advance the decoder by one input byte; returns the event it completes. */
static enum rsp_event_kind step(struct rsp_decoder *d, uint8_t c)
{
	switch (d->state) {
	case RSP_DEC_IDLE:
		return step_idle(d, c);
	case RSP_DEC_CSUM1:
	case RSP_DEC_CSUM2:
		return step_csum(d, c);
	default:
		return step_frame(d, c);
	}
}

/* Prepare a decoder over the caller's buffer of cap + 1 bytes. */
void rsp_decoder_init(struct rsp_decoder *d, uint8_t *buf, size_t cap)
{
	memset(d, 0, sizeof(*d));
	d->state = RSP_DEC_IDLE;
	d->buf = buf;
	d->cap = cap;
	d->rle_byte = -1;
	buf[0] = '\0';
}

/* Bytes that end a run of plain body bytes: framing, escape, run-length. */
static int is_body_special(uint8_t c)
{
	return c == '$' || c == '#' || c == '}' || c == '*';
}

/* Copy a run of plain body bytes at once; the state machine takes the byte
 * that ends it. This is the hot path of every large reply. Returns how many
 * bytes were taken. */
static size_t take_plain_run(struct rsp_decoder *d, const uint8_t *in, size_t len)
{
	size_t room = d->cap - d->len, n = 0;
	uint8_t sum = d->sum;

	if (len > room)
		len = room; /* the state machine reports the overflow */
	while (n < len && !is_body_special(in[n])) {
		sum += in[n];
		n++;
	}
	if (n == 0)
		return 0;
	memcpy(d->buf + d->len, in, n);
	d->len += n;
	d->sum = sum;
	d->rle_byte = in[n - 1];
	return n;
}

/* Consume input up to and including the end of the next event. */
size_t rsp_decoder_feed(struct rsp_decoder *d, const uint8_t *in, size_t len,
			struct rsp_event *ev)
{
	enum rsp_event_kind kind = RSP_EV_NONE;
	size_t i = 0;

	while (i < len && kind == RSP_EV_NONE) {
		if (d->state == RSP_DEC_BODY) {
			i += take_plain_run(d, in + i, len - i);
			if (i == len)
				break;
		}
		kind = step(d, in[i++]);
	}
	ev->kind = kind;
	ev->payload = NULL;
	ev->len = 0;
	if (kind == RSP_EV_PACKET || kind == RSP_EV_NOTIFICATION) {
		ev->payload = d->buf;
		ev->len = d->len;
	}
	return i;
}

/* Whether the encoder must escape b: framing characters, and `%` so a
 * payload can never look like the start of a notification. */
static int needs_escape(uint8_t b)
{
	return b == '$' || b == '#' || b == '}' || b == '*' || b == '%';
}

/* Write start, the escaped payload, `#` and the checksum; 0 if it does not fit. */
static size_t encode_frame(uint8_t *out, size_t cap, uint8_t start,
			   const uint8_t *payload, size_t len)
{
	const size_t trailer = 3; /* `#` and two digits */
	uint8_t sum = 0;
	size_t n = 0;
	size_t i;

	if (cap < 1 + trailer)
		return 0;
	out[n++] = start;
	for (i = 0; i < len; i++) {
		uint8_t b = payload[i];
		size_t need;

		/* Most bytes need no escape: handle a run of them in one go. */
		if (!needs_escape(b) && cap - n - trailer > 0) {
			size_t run = 0, max = cap - n - trailer;
			while (i + run < len && run < max && !needs_escape(payload[i + run])) {
				sum += payload[i + run];
				run++;
			}
			memcpy(out + n, payload + i, run);
			n += run;
			i += run - 1;
			continue;
		}
		need = needs_escape(b) ? 2 : 1;

		if (cap - n - trailer < need)
			return 0;
		if (need == 2) {
			out[n++] = '}';
			sum += '}';
			b ^= ESCAPE_XOR;
		}
		out[n++] = b;
		sum += b;
	}
	out[n++] = '#';
	out[n++] = (uint8_t)hex_lower[sum >> 4];
	out[n++] = (uint8_t)hex_lower[sum & 0xf];
	return n;
}

/* Encode payload as a `$...#xx` packet. */
size_t rsp_encode_packet(uint8_t *out, size_t cap, const uint8_t *payload, size_t len)
{
	return encode_frame(out, cap, '$', payload, len);
}

/* Encode payload as a `%...#xx` notification. */
size_t rsp_encode_notification(uint8_t *out, size_t cap, const uint8_t *payload, size_t len)
{
	return encode_frame(out, cap, '%', payload, len);
}

/* Sum of len raw bytes modulo 256. */
uint8_t rsp_checksum(const uint8_t *data, size_t len)
{
	uint8_t sum = 0;
	size_t i;

	for (i = 0; i < len; i++)
		sum += data[i];
	return sum;
}

/* RSP framing: an incremental decoder fed arbitrary chunks, and an encoder.
 *
 * Pure functions over caller-owned buffers: no I/O, no hidden allocation.
 * The decoder undoes `}` escapes and expands `*` run-length encoding, so the
 * payload it hands out is the packet's meaning; the checksum is verified over
 * the raw bytes as they were sent (escapes and run-length included). */
#ifndef GDBHUB_RSP_FRAME_H
#define GDBHUB_RSP_FRAME_H

#include <stddef.h>
#include <stdint.h>

enum rsp_event_kind {
	RSP_EV_NONE = 0,      /* input consumed, nothing complete yet */
	RSP_EV_PACKET,        /* `$...#xx` with a good checksum */
	RSP_EV_NOTIFICATION,  /* `%...#xx` with a good checksum */
	RSP_EV_ACK,           /* `+` */
	RSP_EV_NAK,           /* `-` */
	RSP_EV_INTERRUPT,     /* 0x03 outside a packet */
	RSP_EV_BAD_CHECKSUM,  /* a frame whose checksum did not match: answer `-` */
	RSP_EV_MALFORMED,     /* a frame with bad escapes, run-length or checksum digits */
	RSP_EV_OVERFLOW,      /* a frame longer than the decoder's capacity */
};

struct rsp_event {
	enum rsp_event_kind kind;
	/* For PACKET and NOTIFICATION: the decoded payload, inside the decoder's
	 * buffer and valid until the next call to rsp_decoder_feed. It is followed
	 * by a NUL byte that is not counted in len (payloads may hold NULs). */
	const uint8_t *payload;
	size_t len;
};

enum rsp_decoder_state {
	RSP_DEC_IDLE,       /* between frames: waiting for `$`, `%`, acks, 0x03 */
	RSP_DEC_BODY,       /* inside a frame */
	RSP_DEC_ESCAPE,     /* after `}` */
	RSP_DEC_RUNLENGTH,  /* after `*` */
	RSP_DEC_CSUM1,      /* after `#` */
	RSP_DEC_CSUM2,
	RSP_DEC_DISCARD,    /* overflowed or malformed: skip to the end of the frame */
};

struct rsp_decoder {
	enum rsp_decoder_state state;
	enum rsp_event_kind frame_kind;  /* PACKET or NOTIFICATION for the frame in progress */
	enum rsp_event_kind discard_kind; /* OVERFLOW or MALFORMED while discarding */
	uint8_t *buf;                    /* caller's buffer: cap + 1 bytes */
	size_t cap;                      /* largest decoded payload accepted */
	size_t len;
	uint8_t sum;                     /* running checksum of the raw bytes */
	uint8_t csum_hi;
	int malformed;
	int rle_byte;                    /* byte as sent that `*` repeats, -1 if none */
};

/* Prepare a decoder over the caller's buffer, which must hold cap + 1 bytes.
 * cap is the largest decoded payload the decoder accepts. */
void rsp_decoder_init(struct rsp_decoder *d, uint8_t *buf, size_t cap);

/* Consume input up to and including the end of the next event.
 * Returns how many bytes of `in` were consumed (always > 0 when len > 0) and
 * fills *ev; ev->kind is RSP_EV_NONE when all input was consumed without
 * completing an event. Call again with the rest of the input. Never fails:
 * bad input yields MALFORMED, BAD_CHECKSUM or OVERFLOW events and the decoder
 * resynchronises on the next frame. Bytes other than `$ % + - 0x03` between
 * frames are skipped. */
size_t rsp_decoder_feed(struct rsp_decoder *d, const uint8_t *in, size_t len,
			struct rsp_event *ev);

/* Largest encoded size of a payload of len bytes: every byte escaped plus
 * the `$`, `#` and two checksum digits. */
#define RSP_ENCODED_MAX(len) (2 * (size_t)(len) + 4)

/* Encode payload as `$...#xx` into out (capacity cap), escaping `$ # } *`
 * (and `%` for safety) with `}` and byte ^ 0x20. No run-length encoding.
 * Returns the number of bytes written, or 0 if out is too small. */
size_t rsp_encode_packet(uint8_t *out, size_t cap, const uint8_t *payload, size_t len);

/* Same framing as a notification: `%...#xx`. */
size_t rsp_encode_notification(uint8_t *out, size_t cap, const uint8_t *payload, size_t len);

/* Checksum of len raw bytes: their sum modulo 256. */
uint8_t rsp_checksum(const uint8_t *data, size_t len);

#endif

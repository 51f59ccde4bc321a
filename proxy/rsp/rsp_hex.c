/* Hex and binary helpers for RSP payloads (see rsp_hex.h). */
#include "proxy/rsp/rsp_hex.h"

#include <limits.h>

#define ESCAPE_XOR 0x20

static const char hex_lower[] = "0123456789abcdef";

/* Value of one hex digit (either case), or -1. */
int rsp_hex_digit(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Write 2*n lowercase hex digits for n bytes. */
size_t rsp_hex_encode(char *out, const uint8_t *in, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex_lower[in[i] >> 4];
		out[2 * i + 1] = hex_lower[in[i] & 0xf];
	}
	return 2 * n;
}

/* Decode 2*n hex digits into n bytes. out may equal in: byte i is written
 * only after digits 2i and 2i+1 were read. On error out is partly written. */
long rsp_hex_decode(uint8_t *out, const char *in, size_t n)
{
	size_t i;

	if (n > LONG_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		int hi = rsp_hex_digit((uint8_t)in[2 * i]);
		int lo = rsp_hex_digit((uint8_t)in[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (long)n;
}

/* Parse a hex number at *p. Leading zeros are accepted as long as the value
 * fits in 64 bits (gdb pads some fields); *p is untouched on failure. */
int rsp_parse_hex_u64(const char **p, const char *end, uint64_t *value)
{
	const char *s = *p;
	uint64_t v = 0;
	int d;

	if (s >= end || rsp_hex_digit((uint8_t)*s) < 0)
		return -1;
	while (s < end && (d = rsp_hex_digit((uint8_t)*s)) >= 0) {
		if (v >> 60)
			return -1; /* another digit would shift bits out */
		v = v << 4 | (uint64_t)d;
		s++;
	}
	*value = v;
	*p = s;
	return 0;
}

/* Parse "ADDR,LEN"; outputs and *p are untouched on failure. */
int rsp_parse_addr_len(const char **p, const char *end, uint64_t *addr, uint64_t *len)
{
	const char *s = *p;
	uint64_t a, l;

	if (rsp_parse_hex_u64(&s, end, &a) < 0)
		return -1;
	if (s >= end || *s != ',')
		return -1;
	s++;
	if (rsp_parse_hex_u64(&s, end, &l) < 0)
		return -1;
	*addr = a;
	*len = l;
	*p = s;
	return 0;
}

/* Whether b must be escaped in binary data. */
static int binary_needs_escape(uint8_t b)
{
	return b == '$' || b == '#' || b == '}' || b == '*';
}

/* Escape `$ # } *` as `}` then byte ^ 0x20; 0 if it does not all fit. */
size_t rsp_binary_escape(uint8_t *out, size_t cap, const uint8_t *in, size_t n)
{
	size_t o = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t b = in[i];

		if (binary_needs_escape(b)) {
			if (cap - o < 2)
				return 0;
			out[o++] = '}';
			out[o++] = b ^ ESCAPE_XOR;
		} else {
			if (cap - o < 1)
				return 0;
			out[o++] = b;
		}
	}
	return o;
}

/* Undo `}` escapes; in place is fine since output never passes input. */
long rsp_binary_unescape(uint8_t *out, const uint8_t *in, size_t n)
{
	size_t o = 0;
	size_t i;

	if (n > LONG_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		if (in[i] != '}') {
			out[o++] = in[i];
			continue;
		}
		if (++i == n)
			return -1; /* lone `}` at the end */
		out[o++] = in[i] ^ ESCAPE_XOR;
	}
	return (long)o;
}

/* Hex and binary helpers for RSP payloads. Pure functions, no allocation. */
#ifndef GDBHUB_RSP_HEX_H
#define GDBHUB_RSP_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Value of one hex digit (either case), or -1. */
int rsp_hex_digit(uint8_t c);

/* Write 2*n lowercase hex digits for n bytes into out (no NUL).
 * Returns 2*n. */
size_t rsp_hex_encode(char *out, const uint8_t *in, size_t n);

/* Decode 2*n hex digits from in into n bytes at out.
 * Returns n, or -1 if a digit is not hex. */
long rsp_hex_decode(uint8_t *out, const char *in, size_t n);

/* Parse a hex number at *p (at least one digit, at most 16), advancing *p
 * past it. Returns 0, or -1 if there is no digit or the value overflows
 * 64 bits (then *p is unchanged). */
int rsp_parse_hex_u64(const char **p, const char *end, uint64_t *value);

/* Parse "ADDR,LEN" as used by m, M, x, X, Z and z (after the letter),
 * advancing *p past it. Returns 0 or -1. */
int rsp_parse_addr_len(const char **p, const char *end, uint64_t *addr, uint64_t *len);

/* Escape binary data for X packets and x replies: `$ # } *` become `}` then
 * byte ^ 0x20. Returns bytes written, or 0 if cap is too small for all of it
 * (n == 0 also returns 0). */
size_t rsp_binary_escape(uint8_t *out, size_t cap, const uint8_t *in, size_t n);

/* Undo rsp_binary_escape into out (may equal in). Returns bytes written,
 * or -1 on a trailing lone `}`. */
long rsp_binary_unescape(uint8_t *out, const uint8_t *in, size_t n);

#endif

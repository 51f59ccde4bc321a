/* Unit tests for the RSP hex, number and binary helpers. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proxy/rsp/rsp_hex.h"

static uint32_t rng_state = 0x9e3779b9u;

/* Deterministic xorshift so failures reproduce. */
static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* rsp_hex_digit for all 256 byte values. */
static void test_hex_digit(void **state)
{
	int c;

	(void)state;
	for (c = 0; c < 256; c++) {
		int want = -1;

		if (c >= '0' && c <= '9')
			want = c - '0';
		else if (c >= 'a' && c <= 'f')
			want = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			want = c - 'A' + 10;
		assert_int_equal(rsp_hex_digit((uint8_t)c), want);
	}
}

/* Lowercase digits, two per byte, no NUL. */
static void test_hex_encode(void **state)
{
	static const uint8_t in[] = { 0x00, 0x1a, 0xff, 0x7d, 0xa0 };
	char out[16];

	(void)state;
	memset(out, 'X', sizeof(out));
	assert_int_equal(rsp_hex_encode(out, in, sizeof(in)), 10);
	assert_memory_equal(out, "001aff7da0", 10);
	assert_int_equal(out[10], 'X'); /* no NUL written */
	assert_int_equal(rsp_hex_encode(out, in, 0), 0);
}

/* Either case decodes; any non-hex digit fails. */
static void test_hex_decode(void **state)
{
	uint8_t out[8];

	(void)state;
	assert_int_equal(rsp_hex_decode(out, "001aFF7d", 4), 4);
	assert_memory_equal(out, "\x00\x1a\xff\x7d", 4);
	assert_int_equal(rsp_hex_decode(out, "", 0), 0);
	/* only 2*n digits are read */
	assert_int_equal(rsp_hex_decode(out, "12zz", 1), 1);
	assert_int_equal(out[0], 0x12);
	/* any non-hex digit fails, in either half of a byte */
	assert_int_equal(rsp_hex_decode(out, "12z4", 2), -1);
	assert_int_equal(rsp_hex_decode(out, "123z", 2), -1);
	assert_int_equal(rsp_hex_decode(out, "1 ", 1), -1);
	assert_int_equal(rsp_hex_decode(out, "1", 1), -1); /* NUL is not hex */
	assert_int_equal(rsp_hex_decode(out, "0x", 1), -1);
	/* a count the long result cannot carry is refused before any read */
	assert_int_equal(rsp_hex_decode(out, "", (size_t)LONG_MAX + 1), -1);
}

/* Every byte value survives encode then decode, in place too. */
static void test_hex_round_trip(void **state)
{
	uint8_t in[256], back[256];
	char hex[512];
	int i;

	(void)state;
	for (i = 0; i < 256; i++)
		in[i] = (uint8_t)i;
	assert_int_equal(rsp_hex_encode(hex, in, 256), 512);
	assert_int_equal(rsp_hex_decode(back, hex, 256), 256);
	assert_memory_equal(in, back, 256);
	/* in place: out may share the digits' buffer */
	assert_int_equal(rsp_hex_decode((uint8_t *)hex, hex, 256), 256);
	assert_memory_equal(in, hex, 256);
}

/* Parse s (up to its NUL) as a hex u64; returns the result and how far it got. */
static int parse_u64(const char *s, uint64_t *v, size_t *used)
{
	const char *p = s;
	int r = rsp_parse_hex_u64(&p, s + strlen(s), v);

	*used = (size_t)(p - s);
	return r;
}

/* Numbers up to 64 bits, stopping at the first non-digit. */
static void test_parse_hex_u64(void **state)
{
	uint64_t v = 0;
	size_t used;

	(void)state;
	assert_int_equal(parse_u64("0", &v, &used), 0);
	assert_int_equal(v, 0);
	assert_int_equal(used, 1);
	assert_int_equal(parse_u64("1a2B", &v, &used), 0);
	assert_int_equal(v, 0x1a2b);
	assert_int_equal(used, 4);
	assert_int_equal(parse_u64("ffffffffffffffff", &v, &used), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(used, 16);
	assert_int_equal(parse_u64("8000000000000000,", &v, &used), 0);
	assert_true(v == 0x8000000000000000ull);
	assert_int_equal(used, 16);
	/* stops at the first non-digit */
	assert_int_equal(parse_u64("1000,4", &v, &used), 0);
	assert_int_equal(v, 0x1000);
	assert_int_equal(used, 4);
	/* leading zeros are fine while the value fits */
	assert_int_equal(parse_u64("00000000000000000001", &v, &used), 0);
	assert_int_equal(v, 1);
	assert_int_equal(used, 20);
}

/* No digit or an overflow fails and leaves *p and the value alone. */
static void test_parse_hex_u64_errors(void **state)
{
	uint64_t v = 77;
	size_t used = 99;

	(void)state;
	assert_int_equal(parse_u64("", &v, &used), -1);
	assert_int_equal(used, 0);
	assert_int_equal(parse_u64(",1", &v, &used), -1);
	assert_int_equal(used, 0);
	assert_int_equal(parse_u64("-1", &v, &used), -1);
	assert_int_equal(parse_u64("x1", &v, &used), -1);
	/* 17 significant digits overflow; *p stays put */
	assert_int_equal(parse_u64("10000000000000000", &v, &used), -1);
	assert_int_equal(used, 0);
	assert_int_equal(parse_u64("fffffffffffffffff", &v, &used), -1);
	assert_int_equal(v, 77); /* value untouched on failure */
}

/* end bounds the digits. */
static void test_parse_hex_u64_end(void **state)
{
	const char *s = "12345";
	const char *p = s;
	uint64_t v;

	(void)state;
	/* end bounds the digits even without a separator */
	assert_int_equal(rsp_parse_hex_u64(&p, s + 2, &v), 0);
	assert_int_equal(v, 0x12);
	assert_ptr_equal(p, s + 2);
	p = s;
	assert_int_equal(rsp_parse_hex_u64(&p, s, &v), -1);
	assert_ptr_equal(p, s);
}

/* Parse s (up to its NUL) as ADDR,LEN; returns the result and how far it got. */
static int parse_al(const char *s, uint64_t *a, uint64_t *l, size_t *used)
{
	const char *p = s;
	int r = rsp_parse_addr_len(&p, s + strlen(s), a, l);

	*used = (size_t)(p - s);
	return r;
}

/* ADDR,LEN as found in m, M, X and Z packets. */
static void test_parse_addr_len(void **state)
{
	uint64_t a, l;
	size_t used;

	(void)state;
	assert_int_equal(parse_al("1000,4", &a, &l, &used), 0);
	assert_int_equal(a, 0x1000);
	assert_int_equal(l, 4);
	assert_int_equal(used, 6);
	/* M and X packets go on with `:` */
	assert_int_equal(parse_al("ffffffff81000000,1f:abcd", &a, &l, &used), 0);
	assert_true(a == 0xffffffff81000000ull);
	assert_int_equal(l, 0x1f);
	assert_int_equal(used, 19);
	/* Z packets: the caller parses the kind after another `,` */
	assert_int_equal(parse_al("400000,1,cond", &a, &l, &used), 0);
	assert_int_equal(used, 8);
	assert_int_equal(parse_al("0,0", &a, &l, &used), 0);
	assert_int_equal(a, 0);
	assert_int_equal(l, 0);
}

/* Malformed ADDR,LEN fails without touching anything. */
static void test_parse_addr_len_errors(void **state)
{
	static const char *const bad[] = {
		"", "1000", "1000,", ",4", "zz,4", "1000;4", "1000,z",
		"10000000000000000,4", "4,10000000000000000", " 1000,4",
	};
	uint64_t a = 5, l = 6;
	size_t used, i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse_al(bad[i], &a, &l, &used), -1);
		assert_int_equal(used, 0);
		assert_int_equal(a, 5);
		assert_int_equal(l, 6);
	}
}

/* end bounds ADDR,LEN. */
static void test_parse_addr_len_end(void **state)
{
	const char *s = "1000,42";
	const char *p = s;
	uint64_t a, l;

	(void)state;
	assert_int_equal(rsp_parse_addr_len(&p, s + 6, &a, &l), 0);
	assert_int_equal(l, 4);
	p = s;
	assert_int_equal(rsp_parse_addr_len(&p, s + 5, &a, &l), -1);
	assert_ptr_equal(p, s);
}

/* Only `$ # } *` are escaped. */
static void test_binary_escape(void **state)
{
	uint8_t out[32];

	(void)state;
	assert_int_equal(rsp_binary_escape(out, sizeof(out), (const uint8_t *)"a$b#c}d*e", 9), 13);
	assert_memory_equal(out, "a}\x04" "b}\x03" "c}]d}\x0a" "e", 13);
	/* `%`, NUL, 0x03, acks and high bytes pass through */
	assert_int_equal(rsp_binary_escape(out, sizeof(out), (const uint8_t *)"%\0\x03+-\xff", 6), 6);
	assert_memory_equal(out, "%\0\x03+-\xff", 6);
	assert_int_equal(rsp_binary_escape(out, sizeof(out), (const uint8_t *)"", 0), 0);
}

/* Escaping returns 0 unless everything fits. */
static void test_binary_escape_capacity(void **state)
{
	uint8_t out[8];

	(void)state;
	/* "ab}" escapes to 4 bytes */
	assert_int_equal(rsp_binary_escape(out, 4, (const uint8_t *)"ab}", 3), 4);
	assert_int_equal(rsp_binary_escape(out, 3, (const uint8_t *)"ab}", 3), 0);
	assert_int_equal(rsp_binary_escape(out, 2, (const uint8_t *)"ab}", 3), 0);
	assert_int_equal(rsp_binary_escape(out, 0, (const uint8_t *)"a", 1), 0);
	assert_int_equal(rsp_binary_escape(out, 1, (const uint8_t *)"a", 1), 1);
	assert_int_equal(rsp_binary_escape(out, 1, (const uint8_t *)"$", 1), 0);
}

/* Unescaping, in place, and the trailing lone `}`. */
static void test_binary_unescape(void **state)
{
	uint8_t out[32];
	uint8_t buf[16];

	(void)state;
	assert_int_equal(rsp_binary_unescape(out, (const uint8_t *)"a}\x04" "b}]", 6), 4);
	assert_memory_equal(out, "a$b}", 4);
	assert_int_equal(rsp_binary_unescape(out, (const uint8_t *)"", 0), 0);
	assert_int_equal(rsp_binary_unescape(out, (const uint8_t *)"\0\xff", 2), 2);
	assert_memory_equal(out, "\0\xff", 2);
	/* a lone `}` at the end is an error, `}}` is an escaped `]` */
	assert_int_equal(rsp_binary_unescape(out, (const uint8_t *)"ab}", 3), -1);
	assert_int_equal(rsp_binary_unescape(out, (const uint8_t *)"}", 1), -1);
	assert_int_equal(rsp_binary_unescape(out, (const uint8_t *)"}}", 2), 1);
	assert_int_equal(out[0], ']');
	/* in place */
	memcpy(buf, "x}\x03y}\x0az", 7);
	assert_int_equal(rsp_binary_unescape(buf, buf, 7), 5);
	assert_memory_equal(buf, "x#y*z", 5);
	assert_int_equal(rsp_binary_unescape(out, buf, (size_t)LONG_MAX + 1), -1);
}

/* Random binary data survives escape then unescape. */
static void test_binary_round_trip(void **state)
{
	static uint8_t in[1024], esc[2048], back[2048];
	int iter;

	(void)state;
	for (iter = 0; iter < 500; iter++) {
		size_t n = 1 + rnd() % sizeof(in);
		size_t e, i;
		long b;

		for (i = 0; i < n; i++)
			in[i] = iter % 2 ? (uint8_t)rnd() : (uint8_t)"$#}*%a"[rnd() % 6];
		e = rsp_binary_escape(esc, sizeof(esc), in, n);
		assert_true(e >= n && e <= 2 * n);
		for (i = 0; i < e; i++) /* no raw framing byte survives */
			assert_true(esc[i] != '$' && esc[i] != '#' && esc[i] != '*');
		b = rsp_binary_unescape(back, esc, e);
		assert_int_equal(b, (long)n);
		assert_memory_equal(in, back, n);
		/* and in place */
		assert_int_equal(rsp_binary_unescape(esc, esc, e), (long)n);
		assert_memory_equal(in, esc, n);
	}
}

/* Run every test in this file. */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_digit),
		cmocka_unit_test(test_hex_encode),
		cmocka_unit_test(test_hex_decode),
		cmocka_unit_test(test_hex_round_trip),
		cmocka_unit_test(test_parse_hex_u64),
		cmocka_unit_test(test_parse_hex_u64_errors),
		cmocka_unit_test(test_parse_hex_u64_end),
		cmocka_unit_test(test_parse_addr_len),
		cmocka_unit_test(test_parse_addr_len_errors),
		cmocka_unit_test(test_parse_addr_len_end),
		cmocka_unit_test(test_binary_escape),
		cmocka_unit_test(test_binary_escape_capacity),
		cmocka_unit_test(test_binary_unescape),
		cmocka_unit_test(test_binary_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

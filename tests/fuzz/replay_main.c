/* Runs a libFuzzer harness without libFuzzer, as a deterministic test: a
 * fixed number of inputs from a seeded generator that mixes RSP tokens
 * (frames, escapes, run-length, acks, 0x03, checksums) with random bytes.
 * The harness aborts on any broken property; this driver only feeds it. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RUNS 20000
#define MAX_INPUT 2048

static uint64_t rng = 0x9e3779b97f4a7c15ull;

/* xorshift64*: the same sequence on every machine. */
static uint64_t next_random(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static const char *const tokens[] = {
	"$", "#", "}", "*", "%", "+", "-", "\x03", "#00", "#ff", "$g#67", "$?#3f",
	"}]", "}\x03", "}}", "*!", "* ", "*~", "*#", "*$", "$x*%#c7", "$}]#da",
	"$xx*#00", "$*#00", "$xx}#00", "OK", "T05thread:p1.1;", "#zz", "$m100000,40#",
};

/* Build one input: tokens and random bytes. */
static size_t make_input(uint8_t *buf)
{
	size_t n = 2 + next_random() % (MAX_INPUT - 64), len = 0;

	buf[len++] = (uint8_t)next_random(); /* harness: capacity choice */
	buf[len++] = (uint8_t)next_random(); /* harness: split choice */
	while (len < n) {
		uint64_t r = next_random();
		if (r % 3 == 0) {
			const char *t = tokens[(r >> 8) % (sizeof(tokens) / sizeof(tokens[0]))];
			size_t tl = strlen(t);
			if (len + tl > MAX_INPUT)
				break;
			memcpy(buf + len, t, tl);
			len += tl;
		} else {
			buf[len++] = (r % 5 == 0) ? (uint8_t)(r >> 16) : (uint8_t)('a' + (r >> 16) % 26);
		}
	}
	return len;
}

int main(void)
{
	static uint8_t buf[MAX_INPUT];

	for (int i = 0; i < RUNS; i++) {
		size_t len = make_input(buf);
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("%d inputs decoded with every property holding\n", RUNS);
	return 0;
}

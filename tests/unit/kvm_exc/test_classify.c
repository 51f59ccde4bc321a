/* x86_classify_insn on the instruction bytes of emulation failures, and
 * which vectors push an error code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "backends/kvm/exc/deliver.h"

struct insn_case {
	uint8_t bytes[4];
	unsigned n;
	enum x86_emul_insn in_32bit, in_64bit;
};

static const struct insn_case cases[] = {
	{ { 0xcc }, 1, X86_EMUL_INT3, X86_EMUL_INT3 },
	{ { 0xcc, 0x90, 0x90 }, 3, X86_EMUL_INT3, X86_EMUL_INT3 },
	{ { 0xcf }, 1, X86_EMUL_IRET32, X86_EMUL_IRET32 },
	{ { 0x48, 0xcf }, 2, X86_EMUL_OTHER, X86_EMUL_IRETQ },   /* dec eax outside long mode */
	{ { 0x4f, 0xcf }, 2, X86_EMUL_OTHER, X86_EMUL_IRETQ },   /* any REX with W */
	{ { 0x41, 0xcf }, 2, X86_EMUL_OTHER, X86_EMUL_IRET32 },  /* REX without W */
	{ { 0x66, 0xcf }, 2, X86_EMUL_OTHER, X86_EMUL_OTHER },   /* 16-bit iret */
	{ { 0x66, 0x48, 0xcf }, 3, X86_EMUL_OTHER, X86_EMUL_IRETQ }, /* REX.W wins */
	{ { 0x2e, 0xcf }, 2, X86_EMUL_IRET32, X86_EMUL_IRET32 }, /* segment prefix */
	{ { 0xf3, 0x3e, 0xcf }, 3, X86_EMUL_IRET32, X86_EMUL_IRET32 },
	{ { 0xf3, 0xcc }, 2, X86_EMUL_OTHER, X86_EMUL_OTHER },   /* only a bare int3 */
	{ { 0xcd, 0x03 }, 2, X86_EMUL_OTHER, X86_EMUL_OTHER },   /* int 3 is not int3 */
	{ { 0x90 }, 1, X86_EMUL_OTHER, X86_EMUL_OTHER },
	{ { 0x2e }, 1, X86_EMUL_OTHER, X86_EMUL_OTHER },         /* prefixes only */
	{ { 0x48 }, 1, X86_EMUL_OTHER, X86_EMUL_OTHER },
	{ { 0xcc }, 0, X86_EMUL_OTHER, X86_EMUL_OTHER },         /* no bytes reported */
	{ { 0x2e, 0xcf }, 1, X86_EMUL_OTHER, X86_EMUL_OTHER },   /* n counts, not the buffer */
};

static void test_classify(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct insn_case *c = &cases[i];
		enum x86_emul_insn got32 = x86_classify_insn(c->bytes, c->n, false);
		enum x86_emul_insn got64 = x86_classify_insn(c->bytes, c->n, true);

		if (got32 != c->in_32bit || got64 != c->in_64bit)
			fail_msg("case %zu: got %d/%d, want %d/%d", i, got32, got64,
				 c->in_32bit, c->in_64bit);
	}
}

/* Never reads past n: NULL with n 0 is fine. */
static void test_classify_empty(void **state)
{
	(void)state;
	assert_int_equal(x86_classify_insn(NULL, 0, false), X86_EMUL_OTHER);
	assert_int_equal(x86_classify_insn(NULL, 0, true), X86_EMUL_OTHER);
}

static void test_error_code_vectors(void **state)
{
	(void)state;
	for (unsigned v = 0; v < 300; v++) {
		bool want = v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 ||
			    v == 29 || v == 30;

		if (x86_vector_has_error_code(v) != want)
			fail_msg("vector %u: error code %d, want %d", v, !want, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_classify_empty),
		cmocka_unit_test(test_error_code_vectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

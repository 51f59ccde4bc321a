/* Unit tests for backends/kvm/regs: gdb's i386 and x86-64 register
 * layouts over the KVM register structs, g/G, p/P, the x87 tag word and
 * the target descriptions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backends/kvm/regs/fpu_tag.h"
#include "backends/kvm/regs/gdb_regs.h"

#define BAD_ARCH ((enum gdb_arch)7)

static const enum gdb_arch arches[] = { GDB_ARCH_I386, GDB_ARCH_X86_64 };

static uint32_t rng_state = 0x2545f491u;

/* Deterministic xorshift so failures reproduce. */
static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void fill_random(void *p, size_t n)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)rnd();
}

/* gdb's number of the register called name; fails the test if none. */
static unsigned regno_of(enum gdb_arch arch, const char *name)
{
	unsigned i;

	for (i = 0; i < gdb_reg_count(arch); i++)
		if (strcmp(gdb_reg_name(arch, i), name) == 0)
			return i;
	fail_msg("no register %s", name);
	return 0;
}

static uint64_t read_u64(enum gdb_arch arch, const struct vcpu_state *st, const char *name)
{
	uint8_t buf[16] = { 0 };
	uint64_t v = 0;
	unsigned size = gdb_reg_read(arch, st, regno_of(arch, name), buf);
	int i;

	assert_true(size > 0 && size <= 8);
	for (i = (int)size - 1; i >= 0; i--)
		v = v << 8 | buf[i];
	return v;
}

static void write_u64(enum gdb_arch arch, struct vcpu_state *st, const char *name, uint64_t v)
{
	uint8_t buf[8];
	int i;

	for (i = 0; i < 8; i++)
		buf[i] = (uint8_t)(v >> (8 * i));
	assert_int_equal(gdb_reg_write(arch, st, regno_of(arch, name), buf), 0);
}

/* An 80-bit extended value: sign and exponent, then the 64-bit mantissa
 * with its explicit integer bit. */
static void set_ext(uint8_t reg[16], uint16_t sign_exp, uint64_t mantissa)
{
	int i;

	for (i = 0; i < 8; i++)
		reg[i] = (uint8_t)(mantissa >> (8 * i));
	reg[8] = (uint8_t)sign_exp;
	reg[9] = (uint8_t)(sign_exp >> 8);
}

/* The register names in gdb's order, and their sizes. */
static void test_layout_names_and_sizes(void **state)
{
	static const char *const i386_names[] = {
		"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
		"eip", "eflags", "cs", "ss", "ds", "es", "fs", "gs",
		"st0", "st1", "st2", "st3", "st4", "st5", "st6", "st7",
		"fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop",
		"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
		"mxcsr", "fs_base", "gs_base", "cr0", "cr2", "cr3", "cr4", "efer",
	};
	static const char *const x86_64_names[] = {
		"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
		"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
		"rip", "eflags", "cs", "ss", "ds", "es", "fs", "gs",
		"st0", "st1", "st2", "st3", "st4", "st5", "st6", "st7",
		"fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop",
		"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
		"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15",
		"mxcsr", "fs_base", "gs_base", "cr0", "cr2", "cr3", "cr4", "efer",
	};
	unsigned i, max = 0;

	(void)state;
	for (i = 0; i < gdb_reg_count(GDB_ARCH_X86_64); i++)
		if (gdb_reg_size(GDB_ARCH_X86_64, i) > max)
			max = gdb_reg_size(GDB_ARCH_X86_64, i);
	assert_int_equal(max, GDB_REG_MAX_SIZE);
	assert_int_equal(gdb_reg_count(GDB_ARCH_I386), 48);
	for (i = 0; i < 48; i++)
		assert_string_equal(gdb_reg_name(GDB_ARCH_I386, i), i386_names[i]);
	assert_int_equal(gdb_reg_count(GDB_ARCH_X86_64), 64);
	for (i = 0; i < 64; i++)
		assert_string_equal(gdb_reg_name(GDB_ARCH_X86_64, i), x86_64_names[i]);

	assert_int_equal(gdb_reg_size(GDB_ARCH_I386, regno_of(GDB_ARCH_I386, "eax")), 4);
	assert_int_equal(gdb_reg_size(GDB_ARCH_I386, regno_of(GDB_ARCH_I386, "cs")), 4);
	assert_int_equal(gdb_reg_size(GDB_ARCH_I386, regno_of(GDB_ARCH_I386, "st7")), 10);
	assert_int_equal(gdb_reg_size(GDB_ARCH_I386, regno_of(GDB_ARCH_I386, "xmm7")), 16);
	assert_int_equal(gdb_reg_size(GDB_ARCH_I386, regno_of(GDB_ARCH_I386, "cr3")), 4);
	assert_int_equal(gdb_reg_size(GDB_ARCH_X86_64, regno_of(GDB_ARCH_X86_64, "r15")), 8);
	assert_int_equal(gdb_reg_size(GDB_ARCH_X86_64, regno_of(GDB_ARCH_X86_64, "eflags")), 4);
	assert_int_equal(gdb_reg_size(GDB_ARCH_X86_64, regno_of(GDB_ARCH_X86_64, "gs")), 4);
	assert_int_equal(gdb_reg_size(GDB_ARCH_X86_64, regno_of(GDB_ARCH_X86_64, "fop")), 4);
	assert_int_equal(gdb_reg_size(GDB_ARCH_X86_64, regno_of(GDB_ARCH_X86_64, "gs_base")), 8);
	assert_int_equal(gdb_reg_size(GDB_ARCH_X86_64, regno_of(GDB_ARCH_X86_64, "efer")), 8);

	/* 16 * 4 + 8 * 10 + 8 * 4 + 8 * 16 + 4 + 7 * 4 */
	assert_int_equal(gdb_regs_bytes(GDB_ARCH_I386), 336);
	/* 17 * 8 + 7 * 4 + 8 * 10 + 8 * 4 + 16 * 16 + 4 + 7 * 8 */
	assert_int_equal(gdb_regs_bytes(GDB_ARCH_X86_64), 592);
}

static void test_pc_and_sp(void **state)
{
	(void)state;
	assert_int_equal(gdb_reg_pc(GDB_ARCH_I386), 8);
	assert_string_equal(gdb_reg_name(GDB_ARCH_I386, gdb_reg_pc(GDB_ARCH_I386)), "eip");
	assert_string_equal(gdb_reg_name(GDB_ARCH_I386, gdb_reg_sp(GDB_ARCH_I386)), "esp");
	assert_int_equal(gdb_reg_pc(GDB_ARCH_X86_64), 16);
	assert_string_equal(gdb_reg_name(GDB_ARCH_X86_64, gdb_reg_pc(GDB_ARCH_X86_64)), "rip");
	assert_string_equal(gdb_reg_name(GDB_ARCH_X86_64, gdb_reg_sp(GDB_ARCH_X86_64)), "rsp");
}

/* Where each register comes from: set the KVM field, read the register. */
struct field_case {
	const char *name;
	size_t offset;	/* into struct vcpu_state */
	unsigned width;	/* of the KVM field in bytes */
	unsigned skip;	/* register starts this many bytes into the field */
};

#define CASE(nm, m) { nm, offsetof(struct vcpu_state, m), \
		      sizeof(((struct vcpu_state *)0)->m), 0 }
#define CASE_HIGH(nm, m) { nm, offsetof(struct vcpu_state, m), \
			   sizeof(((struct vcpu_state *)0)->m), 4 }

static const struct field_case x86_64_fields[] = {
	CASE("rax", regs.rax), CASE("rbx", regs.rbx), CASE("rcx", regs.rcx),
	CASE("rdx", regs.rdx), CASE("rsi", regs.rsi), CASE("rdi", regs.rdi),
	CASE("rbp", regs.rbp), CASE("rsp", regs.rsp), CASE("r8", regs.r8),
	CASE("r9", regs.r9), CASE("r10", regs.r10), CASE("r11", regs.r11),
	CASE("r12", regs.r12), CASE("r13", regs.r13), CASE("r14", regs.r14),
	CASE("r15", regs.r15), CASE("rip", regs.rip), CASE("eflags", regs.rflags),
	CASE("cs", sregs.cs.selector), CASE("ss", sregs.ss.selector),
	CASE("ds", sregs.ds.selector), CASE("es", sregs.es.selector),
	CASE("fs", sregs.fs.selector), CASE("gs", sregs.gs.selector),
	CASE("st0", fpu.fpr[0]), CASE("st3", fpu.fpr[3]), CASE("st7", fpu.fpr[7]),
	CASE("fctrl", fpu.fcw), CASE("fstat", fpu.fsw),
	CASE("fioff", fpu.last_ip), CASE_HIGH("fiseg", fpu.last_ip),
	CASE("fooff", fpu.last_dp), CASE_HIGH("foseg", fpu.last_dp),
	CASE("fop", fpu.last_opcode),
	CASE("xmm0", fpu.xmm[0]), CASE("xmm9", fpu.xmm[9]), CASE("xmm15", fpu.xmm[15]),
	CASE("mxcsr", fpu.mxcsr),
	CASE("fs_base", sregs.fs.base), CASE("gs_base", sregs.gs.base),
	CASE("cr0", sregs.cr0), CASE("cr2", sregs.cr2), CASE("cr3", sregs.cr3),
	CASE("cr4", sregs.cr4), CASE("efer", sregs.efer),
};

static const struct field_case i386_fields[] = {
	CASE("eax", regs.rax), CASE("ecx", regs.rcx), CASE("edx", regs.rdx),
	CASE("ebx", regs.rbx), CASE("esp", regs.rsp), CASE("ebp", regs.rbp),
	CASE("esi", regs.rsi), CASE("edi", regs.rdi), CASE("eip", regs.rip),
	CASE("eflags", regs.rflags),
	CASE("cs", sregs.cs.selector), CASE("ss", sregs.ss.selector),
	CASE("ds", sregs.ds.selector), CASE("es", sregs.es.selector),
	CASE("fs", sregs.fs.selector), CASE("gs", sregs.gs.selector),
	CASE("st0", fpu.fpr[0]), CASE("st5", fpu.fpr[5]),
	CASE("fctrl", fpu.fcw), CASE("fstat", fpu.fsw),
	CASE("fioff", fpu.last_ip), CASE_HIGH("fiseg", fpu.last_ip),
	CASE("fooff", fpu.last_dp), CASE_HIGH("foseg", fpu.last_dp),
	CASE("fop", fpu.last_opcode),
	CASE("xmm0", fpu.xmm[0]), CASE("xmm7", fpu.xmm[7]),
	CASE("mxcsr", fpu.mxcsr),
	CASE("fs_base", sregs.fs.base), CASE("gs_base", sregs.gs.base),
	CASE("cr0", sregs.cr0), CASE("cr2", sregs.cr2), CASE("cr3", sregs.cr3),
	CASE("cr4", sregs.cr4), CASE("efer", sregs.efer),
};

/* Reading register c->name gives the KVM field's bytes (from c->skip on),
 * zero-extended where the field is narrower than gdb's register. */
static void check_field(enum gdb_arch arch, const struct field_case *c)
{
	struct vcpu_state st;
	uint8_t want[16] = { 0 }, got[16];
	unsigned size, n;

	fill_random(&st, sizeof(st));
	size = gdb_reg_read(arch, &st, regno_of(arch, c->name), got);
	n = c->width - c->skip < size ? c->width - c->skip : size;
	memcpy(want, (uint8_t *)&st + c->offset + c->skip, n);
	if (memcmp(got, want, size) != 0)
		fail_msg("%s does not read its KVM field", c->name);
}

static void test_kvm_fields(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(x86_64_fields) / sizeof(x86_64_fields[0]); i++)
		check_field(GDB_ARCH_X86_64, &x86_64_fields[i]);
	for (i = 0; i < sizeof(i386_fields) / sizeof(i386_fields[0]); i++)
		check_field(GDB_ARCH_I386, &i386_fields[i]);
}

/* Concrete values: the views gdb shows of a few fields. */
static void test_known_values(void **state)
{
	struct vcpu_state st;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.regs.rax = 0x1122334455667788ull;
	st.regs.rflags = 0x246;
	st.sregs.cs.selector = 0x10;
	st.sregs.cs.base = 0xdead0000;
	st.fpu.last_ip = 0x0000002300401234ull;	/* FCS 0x23, FIP 0x401234 */
	st.fpu.last_dp = 0x0000002b00602000ull;
	st.fpu.last_opcode = 0x01d9;
	st.sregs.efer = 0x500;
	st.sregs.fs.base = 0xffff888000001000ull;

	assert_int_equal(read_u64(GDB_ARCH_X86_64, &st, "rax"), 0x1122334455667788ull);
	assert_int_equal(read_u64(GDB_ARCH_I386, &st, "eax"), 0x55667788);
	assert_int_equal(read_u64(GDB_ARCH_X86_64, &st, "eflags"), 0x246);
	assert_int_equal(read_u64(GDB_ARCH_I386, &st, "cs"), 0x10);
	assert_int_equal(read_u64(GDB_ARCH_I386, &st, "fiseg"), 0x23);
	assert_int_equal(read_u64(GDB_ARCH_I386, &st, "fioff"), 0x401234);
	assert_int_equal(read_u64(GDB_ARCH_X86_64, &st, "foseg"), 0x2b);
	assert_int_equal(read_u64(GDB_ARCH_X86_64, &st, "fooff"), 0x602000);
	assert_int_equal(read_u64(GDB_ARCH_X86_64, &st, "fop"), 0x1d9);
	assert_int_equal(read_u64(GDB_ARCH_I386, &st, "efer"), 0x500);
	assert_int_equal(read_u64(GDB_ARCH_X86_64, &st, "fs_base"), 0xffff888000001000ull);
	assert_int_equal(read_u64(GDB_ARCH_I386, &st, "fs_base"), 0x00001000);
}

/* Writing a register through a narrower view changes only its bytes. */
static void test_narrow_writes_keep_the_rest(void **state)
{
	struct vcpu_state st, before;
	uint8_t st3[10];

	(void)state;
	fill_random(&st, sizeof(st));
	st.regs.rax = 0xaaaaaaaabbbbbbbbull;
	write_u64(GDB_ARCH_I386, &st, "eax", 0x12345678);
	assert_int_equal(st.regs.rax, 0xaaaaaaaa12345678ull);

	before = st;
	write_u64(GDB_ARCH_I386, &st, "cs", 0xffff0008);
	assert_int_equal(st.sregs.cs.selector, 0x0008);
	assert_memory_equal(&st.sregs.cs.base, &before.sregs.cs.base, 8);
	assert_int_equal(st.sregs.cs.limit, before.sregs.cs.limit);
	assert_int_equal(st.sregs.cs.type, before.sregs.cs.type);

	write_u64(GDB_ARCH_X86_64, &st, "fctrl", 0xdead037f);
	assert_int_equal(st.fpu.fcw, 0x037f);

	write_u64(GDB_ARCH_X86_64, &st, "fiseg", 0x1b);
	assert_int_equal(st.fpu.last_ip >> 32, 0x1b);
	assert_int_equal((uint32_t)st.fpu.last_ip, (uint32_t)before.fpu.last_ip);

	memset(st3, 0x5a, sizeof(st3));
	assert_int_equal(gdb_reg_write(GDB_ARCH_X86_64, &st, regno_of(GDB_ARCH_X86_64, "st3"), st3), 0);
	assert_memory_equal(st.fpu.fpr[3], st3, 10);
	assert_memory_equal(st.fpu.fpr[3] + 10, before.fpu.fpr[3] + 10, 6);
}

/* Registers gdb shows as 32 bits whose KVM field has 16: the selectors,
 * the x87 control and status words and the last opcode. */
static bool holds_16_bits(const char *name)
{
	static const char *const names[] = {
		"cs", "ss", "ds", "es", "fs", "gs", "fctrl", "fstat", "fop",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

/* Whether writing register w may change register r: the full tag word
 * follows from the registers' contents and from TOP in fstat. */
static bool depends_on(enum gdb_arch arch, unsigned r, unsigned w)
{
	const char *wn = gdb_reg_name(arch, w);

	return strcmp(gdb_reg_name(arch, r), "ftag") == 0 &&
	       (strcmp(wn, "fstat") == 0 || strncmp(wn, "st", 2) == 0);
}

/* Every register in both layouts: what is written reads back, and no
 * other register changes. ftag keeps only "empty or not", so it is
 * written with the value it already has. */
static void round_trip_all(enum gdb_arch arch)
{
	unsigned regno, other, n = gdb_reg_count(arch);
	unsigned ftag = regno_of(arch, "ftag");

	for (regno = 0; regno < n; regno++) {
		struct vcpu_state st, before;
		uint8_t in[16], out[16], was[16], now[16];
		unsigned size = gdb_reg_size(arch, regno);

		fill_random(&st, sizeof(st));
		before = st;
		fill_random(in, sizeof(in));
		if (regno == ftag)
			gdb_reg_read(arch, &st, regno, in);
		if (holds_16_bits(gdb_reg_name(arch, regno)))
			in[2] = in[3] = 0;
		assert_int_equal(gdb_reg_write(arch, &st, regno, in), 0);
		assert_int_equal(gdb_reg_read(arch, &st, regno, out), size);
		if (memcmp(in, out, size) != 0)
			fail_msg("%s did not read back what was written", gdb_reg_name(arch, regno));
		for (other = 0; other < n; other++) {
			if (other == regno || depends_on(arch, other, regno))
				continue;
			gdb_reg_read(arch, &before, other, was);
			gdb_reg_read(arch, &st, other, now);
			if (memcmp(was, now, gdb_reg_size(arch, other)) != 0)
				fail_msg("writing %s changed %s", gdb_reg_name(arch, regno),
					 gdb_reg_name(arch, other));
		}
	}
}

static void test_round_trip_i386(void **state)
{
	(void)state;
	round_trip_all(GDB_ARCH_I386);
}

static void test_round_trip_x86_64(void **state)
{
	(void)state;
	round_trip_all(GDB_ARCH_X86_64);
}

/* The little-endian hex of v (size bytes) appears at byte offset off. */
static void assert_hex_at(const char *hex, size_t off, uint64_t v, unsigned size)
{
	char want[17];
	unsigned i;

	for (i = 0; i < size; i++)
		snprintf(want + 2 * i, 3, "%02x", (unsigned)(uint8_t)(v >> (8 * i)));
	assert_memory_equal(hex + 2 * off, want, 2 * size);
}

/* The g packet puts eip/rip, eflags and cs where gdb looks for them. */
static void test_g_offsets(void **state)
{
	struct vcpu_state st;
	char hex[2 * 592];

	(void)state;
	fill_random(&st, sizeof(st));
	st.regs.rip = 0x00000000c0101234ull;
	st.regs.rflags = 0x00200046;
	st.sregs.cs.selector = 0x0010;

	assert_int_equal(gdb_regs_to_hex(GDB_ARCH_I386, &st, hex, sizeof(hex)), 2 * 336);
	assert_hex_at(hex, 32, 0xc0101234, 4);
	assert_hex_at(hex, 36, 0x00200046, 4);
	assert_hex_at(hex, 40, 0x10, 4);

	st.regs.rip = 0xffffffff81000abcull;
	assert_int_equal(gdb_regs_to_hex(GDB_ARCH_X86_64, &st, hex, sizeof(hex)), 2 * 592);
	assert_hex_at(hex, 128, 0xffffffff81000abcull, 8);
	assert_hex_at(hex, 136, 0x00200046, 4);
	assert_hex_at(hex, 140, 0x10, 4);
	assert_hex_at(hex, 0, st.regs.rax, 8);
	assert_hex_at(hex, 8, st.regs.rbx, 8);	/* gdb's order: rax rbx rcx rdx */
	assert_hex_at(hex, 536, st.sregs.fs.base, 8);
	assert_hex_at(hex, 584, st.sregs.efer, 8);
}

/* G with what g gave restores every register; lowercase out, either case in. */
static void test_g_G_round_trip(void **state)
{
	size_t a;

	(void)state;
	for (a = 0; a < 2; a++) {
		enum gdb_arch arch = arches[a];
		struct vcpu_state st, copy;
		char hex[2 * 592 + 1], again[2 * 592 + 1];
		size_t n, i;

		fill_random(&st, sizeof(st));
		st.regs.rflags &= 0xffffffffu;	/* gdb's eflags is 32 bits, */
		n = gdb_regs_to_hex(arch, &st, hex, sizeof(hex));
		assert_int_equal(n, 2 * gdb_regs_bytes(arch));
		for (i = 0; i < n; i++)
			assert_true(strchr("0123456789abcdef", hex[i]) != NULL);
		fill_random(&copy, sizeof(copy));
		copy.regs.rflags = 0;		/* the rest is reserved zero */
		for (i = 0; i < n; i += 3)
			if (hex[i] >= 'a')
				hex[i] = (char)(hex[i] - 'a' + 'A');
		assert_int_equal(gdb_regs_from_hex(arch, &copy, hex, n), 0);
		assert_int_equal(gdb_regs_to_hex(arch, &copy, again, sizeof(again)), n);
		for (i = 0; i < n; i++)
			if (hex[i] >= 'A' && hex[i] <= 'F')
				hex[i] = (char)(hex[i] - 'A' + 'a');
		assert_memory_equal(again, hex, n);
		assert_int_equal(copy.fpu.ftwx, st.fpu.ftwx);
		if (arch == GDB_ARCH_X86_64)
			assert_memory_equal(&copy.regs, &st.regs, sizeof(st.regs));
	}
}

/* A G payload of the wrong length or with a non-hex digit is refused
 * and changes nothing. */
static void test_G_refused(void **state)
{
	size_t a;

	(void)state;
	for (a = 0; a < 2; a++) {
		enum gdb_arch arch = arches[a];
		struct vcpu_state st, before;
		char hex[2 * 592 + 2];
		size_t n = 2 * gdb_regs_bytes(arch);

		fill_random(&st, sizeof(st));
		before = st;
		memset(hex, '0', sizeof(hex));
		assert_int_equal(gdb_regs_from_hex(arch, &st, hex, n - 2), -1);
		assert_int_equal(gdb_regs_from_hex(arch, &st, hex, n - 1), -1);
		assert_int_equal(gdb_regs_from_hex(arch, &st, hex, n + 2), -1);
		assert_int_equal(gdb_regs_from_hex(arch, &st, hex, 0), -1);
		hex[n - 1] = 'g';
		assert_int_equal(gdb_regs_from_hex(arch, &st, hex, n), -1);
		hex[n - 1] = '0';
		hex[0] = 'x';
		assert_int_equal(gdb_regs_from_hex(arch, &st, hex, n), -1);
		assert_memory_equal(&st, &before, sizeof(st));
		hex[0] = '0';
		assert_int_equal(gdb_regs_from_hex(arch, &st, hex, n), 0);
		assert_int_equal(st.regs.rip & 0xffffffff, 0);
	}
}

/* g into a buffer one char short writes nothing and says so. */
static void test_g_cap(void **state)
{
	struct vcpu_state st;
	char hex[2 * 592];

	(void)state;
	fill_random(&st, sizeof(st));
	memset(hex, 'X', sizeof(hex));
	assert_int_equal(gdb_regs_to_hex(GDB_ARCH_X86_64, &st, hex, 2 * 592 - 1), 0);
	assert_int_equal(hex[0], 'X');
	assert_int_equal(gdb_regs_to_hex(GDB_ARCH_I386, &st, hex, 2 * 336), 2 * 336);
	assert_int_equal(gdb_regs_to_hex(GDB_ARCH_X86_64, &st, hex, 0), 0);
}

/* Register numbers past the end and unknown arches are refused. */
static void test_unknown(void **state)
{
	struct vcpu_state st, before;
	uint8_t buf[16];
	char hex[8];
	size_t a;

	(void)state;
	fill_random(&st, sizeof(st));
	before = st;
	for (a = 0; a < 2; a++) {
		enum gdb_arch arch = arches[a];
		unsigned n = gdb_reg_count(arch);

		assert_int_equal(gdb_reg_size(arch, n), 0);
		assert_null(gdb_reg_name(arch, n));
		assert_int_equal(gdb_reg_read(arch, &st, n, buf), 0);
		assert_int_equal(gdb_reg_write(arch, &st, n, buf), -1);
		assert_int_equal(gdb_reg_write(arch, &st, 0xffffffffu, buf), -1);
	}
	assert_int_equal(gdb_reg_count(BAD_ARCH), 0);
	assert_int_equal(gdb_reg_size(BAD_ARCH, 0), 0);
	assert_int_equal(gdb_reg_read(BAD_ARCH, &st, 0, buf), 0);
	assert_int_equal(gdb_reg_write(BAD_ARCH, &st, 0, buf), -1);
	assert_int_equal(gdb_regs_bytes(BAD_ARCH), 0);
	assert_int_equal(gdb_regs_to_hex(BAD_ARCH, &st, hex, sizeof(hex)), 0);
	assert_int_equal(gdb_regs_from_hex(BAD_ARCH, &st, "", 0), -1);
	assert_null(gdb_target_xml(BAD_ARCH, "target.xml"));
	assert_memory_equal(&st, &before, sizeof(st));
}

/* The FSAVE classes of 80-bit values. */
static void test_ftag_classify(void **state)
{
	uint8_t r[16];

	(void)state;
	set_ext(r, 0x3fff, 0x8000000000000000ull);	/* 1.0 */
	assert_int_equal(fpu_tag_classify(r), FPU_TAG_VALID);
	set_ext(r, 0xc000, 0xc000000000000000ull);	/* -3.0 */
	assert_int_equal(fpu_tag_classify(r), FPU_TAG_VALID);
	set_ext(r, 0x0000, 0);				/* +0 */
	assert_int_equal(fpu_tag_classify(r), FPU_TAG_ZERO);
	set_ext(r, 0x8000, 0);				/* -0 */
	assert_int_equal(fpu_tag_classify(r), FPU_TAG_ZERO);
	set_ext(r, 0x7fff, 0x8000000000000000ull);	/* +inf */
	assert_int_equal(fpu_tag_classify(r), FPU_TAG_SPECIAL);
	set_ext(r, 0xffff, 0xc000000000000000ull);	/* -NaN */
	assert_int_equal(fpu_tag_classify(r), FPU_TAG_SPECIAL);
	set_ext(r, 0x0000, 1);				/* denormal */
	assert_int_equal(fpu_tag_classify(r), FPU_TAG_SPECIAL);
	set_ext(r, 0x0000, 0x8000000000000000ull);	/* pseudo-denormal */
	assert_int_equal(fpu_tag_classify(r), FPU_TAG_SPECIAL);
	set_ext(r, 0x3fff, 0x4000000000000000ull);	/* unnormal */
	assert_int_equal(fpu_tag_classify(r), FPU_TAG_SPECIAL);
}

/* gdb's ftag from KVM's abridged byte, with TOP rotating stack order into
 * physical order, and back. */
static void test_ftag_register(void **state)
{
	struct vcpu_state st;
	unsigned ftag = regno_of(GDB_ARCH_I386, "ftag");

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_int_equal(read_u64(GDB_ARCH_I386, &st, "ftag"), 0xffff); /* all empty */

	/* TOP = 0: ST(i) is physical register i. */
	set_ext(st.fpu.fpr[0], 0x3fff, 0x8000000000000000ull);
	st.fpu.ftwx = 0x01;
	assert_int_equal(read_u64(GDB_ARCH_I386, &st, "ftag"), 0xfffc);	/* valid */
	set_ext(st.fpu.fpr[0], 0, 0);
	assert_int_equal(read_u64(GDB_ARCH_X86_64, &st, "ftag"), 0xfffd);	/* zero */
	set_ext(st.fpu.fpr[0], 0x7fff, 0xc000000000000000ull);
	assert_int_equal(read_u64(GDB_ARCH_I386, &st, "ftag"), 0xfffe);	/* special */

	/* TOP = 6 after two pushes: ST(0) is physical 6, ST(1) physical 7,
	 * and ST(2), also in use, wraps to physical 0. */
	memset(&st.fpu, 0, sizeof(st.fpu));
	st.fpu.fsw = 6 << 11;
	set_ext(st.fpu.fpr[0], 0x3fff, 0x8000000000000000ull);
	set_ext(st.fpu.fpr[1], 0, 0);
	set_ext(st.fpu.fpr[2], 0x7fff, 0x8000000000000000ull);
	st.fpu.ftwx = 0xc1;
	assert_int_equal(read_u64(GDB_ARCH_I386, &st, "ftag"), 0x4ffe);
	/* With TOP = 7 the same physical registers hold other stack slots:
	 * physical 7 is ST(0) (1.0), 0 is ST(1) (zero), 6 is ST(7) (zero). */
	write_u64(GDB_ARCH_I386, &st, "fstat", 7 << 11);
	assert_int_equal(st.fpu.fsw, 7 << 11);
	assert_int_equal(read_u64(GDB_ARCH_I386, &st, "ftag"), 0x1ffd);

	/* Writing keeps only empty or not: 11 -> 0, anything else -> 1. */
	write_u64(GDB_ARCH_X86_64, &st, "ftag", 0xffff);
	assert_int_equal(st.fpu.ftwx, 0x00);
	write_u64(GDB_ARCH_X86_64, &st, "ftag", 0x0000);
	assert_int_equal(st.fpu.ftwx, 0xff);
	write_u64(GDB_ARCH_I386, &st, "ftag", 0x9fe4);	/* 10 01 11 11 11 10 01 00 */
	assert_int_equal(st.fpu.ftwx, 0xc7);
	assert_int_equal(gdb_reg_size(GDB_ARCH_I386, ftag), 4);
	assert_int_equal(fpu_tag_abridged(0x4ffe), 0xc1);
}

/* target.xml only, for both arches, naming the architecture. */
static void test_xml_annexes(void **state)
{
	const char *x;

	(void)state;
	x = gdb_target_xml(GDB_ARCH_I386, "target.xml");
	assert_non_null(x);
	assert_non_null(strstr(x, "<architecture>i386</architecture>"));
	assert_non_null(strstr(x, "org.gnu.gdb.i386.core"));
	assert_non_null(strstr(x, "org.gnu.gdb.i386.sse"));
	x = gdb_target_xml(GDB_ARCH_X86_64, "target.xml");
	assert_non_null(x);
	assert_non_null(strstr(x, "<architecture>i386:x86-64</architecture>"));
	assert_non_null(strstr(x, "org.gnu.gdb.i386.segments"));
	assert_null(gdb_target_xml(GDB_ARCH_I386, "32bit-core.xml"));
	assert_null(gdb_target_xml(GDB_ARCH_X86_64, "64bit-sse.xml"));
	assert_null(gdb_target_xml(GDB_ARCH_X86_64, ""));
	assert_null(gdb_target_xml(GDB_ARCH_X86_64, "target.xml "));
	assert_null(gdb_target_xml(GDB_ARCH_X86_64, NULL));
}

/* The <reg> elements, in document order, are the layout's registers with
 * their sizes: gdb numbers them in that order. */
static void test_xml_matches_layout(void **state)
{
	size_t a;

	(void)state;
	for (a = 0; a < 2; a++) {
		enum gdb_arch arch = arches[a];
		const char *p = gdb_target_xml(arch, "target.xml");
		unsigned regno = 0;

		while ((p = strstr(p, "<reg ")) != NULL) {
			char name[32];
			unsigned bits;

			assert_int_equal(sscanf(p, "<reg name=\"%31[^\"]\" bitsize=\"%u\"", name, &bits), 2);
			assert_true(regno < gdb_reg_count(arch));
			assert_string_equal(name, gdb_reg_name(arch, regno));
			assert_int_equal(bits, 8 * gdb_reg_size(arch, regno));
			regno++;
			p++;
		}
		assert_int_equal(regno, gdb_reg_count(arch));
		assert_null(strstr(gdb_target_xml(arch, "target.xml"), "regnum="));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_names_and_sizes),
		cmocka_unit_test(test_pc_and_sp),
		cmocka_unit_test(test_kvm_fields),
		cmocka_unit_test(test_known_values),
		cmocka_unit_test(test_narrow_writes_keep_the_rest),
		cmocka_unit_test(test_round_trip_i386),
		cmocka_unit_test(test_round_trip_x86_64),
		cmocka_unit_test(test_g_offsets),
		cmocka_unit_test(test_g_G_round_trip),
		cmocka_unit_test(test_G_refused),
		cmocka_unit_test(test_g_cap),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_ftag_classify),
		cmocka_unit_test(test_ftag_register),
		cmocka_unit_test(test_xml_annexes),
		cmocka_unit_test(test_xml_matches_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

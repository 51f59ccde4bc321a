/* Software breakpoints over a plain buffer standing in for guest RAM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "backends/kvm/debug/swbreak.h"

static uint8_t ram[8192];
static struct guest_mem mem = { ram, sizeof(ram) };

static int setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ram); i++)
		ram[i] = (uint8_t)i;
	return 0;
}

static void insert_remove_restores_byte(void **state)
{
	struct swbreaks t = { 0 };

	(void)state;
	assert_int_equal(swbreak_insert(&t, &mem, 0xc0001010, 0x1010), 0);
	assert_int_equal(ram[0x1010], SWBREAK_INSN);
	assert_non_null(swbreak_find(&t, 0xc0001010));
	assert_null(swbreak_find(&t, 0x1010));
	assert_int_equal(swbreak_remove(&t, &mem, 0xc0001010), 0);
	assert_int_equal(ram[0x1010], 0x10);
	assert_int_equal(swbreak_remove(&t, &mem, 0xc0001010), -1);
	swbreak_clear(&t, &mem);
}

static void insert_twice_is_one(void **state)
{
	struct swbreaks t = { 0 };

	(void)state;
	assert_int_equal(swbreak_insert(&t, &mem, 0x100, 0x100), 0);
	assert_int_equal(swbreak_insert(&t, &mem, 0x100, 0x100), 0);
	assert_int_equal(t.n, 1);
	assert_int_equal(swbreak_remove(&t, &mem, 0x100), 0);
	assert_int_equal(ram[0x100], 0x00);
	swbreak_clear(&t, &mem);
}

static void outside_ram_refused(void **state)
{
	struct swbreaks t = { 0 };

	(void)state;
	assert_int_equal(swbreak_insert(&t, &mem, 0x5000, sizeof(ram)), -1);
	assert_int_equal(t.n, 0);
	swbreak_clear(&t, &mem);
}

/* Two virtual addresses of one physical byte: the guest's byte survives
 * until the last one goes. */
static void aliases_share_the_guest_byte(void **state)
{
	struct swbreaks t = { 0 };

	(void)state;
	assert_int_equal(swbreak_insert(&t, &mem, 0x1020, 0x1020), 0);
	assert_int_equal(swbreak_insert(&t, &mem, 0xc0001020, 0x1020), 0);
	assert_int_equal(swbreak_remove(&t, &mem, 0x1020), 0);
	assert_int_equal(ram[0x1020], SWBREAK_INSN);
	assert_int_equal(swbreak_remove(&t, &mem, 0xc0001020), 0);
	assert_int_equal(ram[0x1020], 0x20);
	swbreak_clear(&t, &mem);
}

static void reads_see_the_guest_byte(void **state)
{
	struct swbreaks t = { 0 };
	uint8_t buf[16];

	(void)state;
	swbreak_insert(&t, &mem, 0x1003, 0x1003);
	swbreak_insert(&t, &mem, 0x100f, 0x100f);
	swbreak_insert(&t, &mem, 0x1010, 0x1010); /* just past the buffer */
	memcpy(buf, ram + 0x1000, sizeof(buf));
	assert_int_equal(buf[3], SWBREAK_INSN);
	swbreak_shadow(&t, 0x1000, buf, sizeof(buf));
	for (int i = 0; i < 16; i++)
		assert_int_equal(buf[i], (uint8_t)(0x00 + i));
	swbreak_clear(&t, &mem);
	assert_int_equal(ram[0x1010], 0x10);
}

static void writes_keep_the_int3(void **state)
{
	struct swbreaks t = { 0 };
	uint8_t data[4] = { 0xaa, 0xbb, 0xcc, 0xdd };

	(void)state;
	swbreak_insert(&t, &mem, 0x1102, 0x1102);
	memcpy(ram + 0x1100, data, sizeof(data)); /* what the stub's write does */
	swbreak_after_write(&t, &mem, 0x1100, data, sizeof(data));
	assert_int_equal(ram[0x1102], SWBREAK_INSN);
	/* The guest's new byte there happens to be 0xcc: it must come back as is. */
	assert_int_equal(swbreak_remove(&t, &mem, 0x1102), 0);
	assert_int_equal(ram[0x1102], 0xcc);
	assert_int_equal(ram[0x1103], 0xdd);
	swbreak_clear(&t, &mem);
}

static void many_breakpoints(void **state)
{
	struct swbreaks t = { 0 };

	(void)state;
	for (uint64_t a = 0; a < 4096; a += 2)
		assert_int_equal(swbreak_insert(&t, &mem, a, a), 0);
	assert_int_equal(t.n, 2048);
	swbreak_clear(&t, &mem);
	for (size_t i = 0; i < 4096; i++)
		assert_int_equal(ram[i], (uint8_t)i);
}

/* A table set to plant port writes plants, shadows and keeps them the same
 * way, and aliases take the guest's byte, not ours. */
static void port_write_breakpoints(void **state)
{
	struct swbreaks t = { .insn = SWBREAK_PIO_INSN };
	uint8_t buf[4], data[2] = { 0x55, 0x66 };

	(void)state;
	assert_int_equal(swbreak_insn(&t), SWBREAK_PIO_INSN);
	assert_int_equal(swbreak_insert(&t, &mem, 0x1202, 0x202), 0);
	assert_int_equal(ram[0x202], SWBREAK_PIO_INSN);
	assert_int_equal(swbreak_insert(&t, &mem, 0xc0000202, 0x202), 0);
	memcpy(buf, ram + 0x200, sizeof(buf));
	swbreak_shadow(&t, 0x200, buf, sizeof(buf));
	assert_int_equal(buf[2], 0x02);
	memcpy(ram + 0x202, data, sizeof(data));
	swbreak_after_write(&t, &mem, 0x202, data, sizeof(data));
	assert_int_equal(ram[0x202], SWBREAK_PIO_INSN);
	assert_int_equal(ram[0x203], 0x66);
	swbreak_clear(&t, &mem);
	assert_int_equal(ram[0x202], 0x55);
}

static void default_is_int3(void **state)
{
	struct swbreaks t = { 0 };

	(void)state;
	assert_int_equal(swbreak_insn(&t), SWBREAK_INSN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(insert_remove_restores_byte, setup),
		cmocka_unit_test_setup(insert_twice_is_one, setup),
		cmocka_unit_test_setup(outside_ram_refused, setup),
		cmocka_unit_test_setup(aliases_share_the_guest_byte, setup),
		cmocka_unit_test_setup(reads_see_the_guest_byte, setup),
		cmocka_unit_test_setup(writes_keep_the_int3, setup),
		cmocka_unit_test_setup(many_breakpoints, setup),
		cmocka_unit_test_setup(port_write_breakpoints, setup),
		cmocka_unit_test_setup(default_is_int3, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

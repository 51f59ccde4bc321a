/*
 * long guest: 64-bit C code, entered from long_boot.S once the CPU is in
 * long mode. Prints, counts long_counter up in a loop (for watchpoints)
 * and multiplies two 64-bit numbers whose product needs more than 32 bits.
 */
#include "guestlib.h"

#define LONG_EXIT_OK 0x14	/* QEMU exit status 41 */
#define LONG_EXIT_BAD 0x3f	/* 127 */

#define MSR_EFER 0xc0000080u
#define EFER_LMA (1u << 10)	/* long mode active */
#define COUNTER_LOOPS 10

volatile uint64_t long_counter;
volatile uint64_t long_product;

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

__attribute__((noinline)) uint64_t mul64(uint64_t a, uint64_t b)
{
	return a * b;
}

void kmain(uint32_t magic, uint32_t mbi)
{
	(void)magic;
	(void)mbi;
	serial_init();
	if (!(rdmsr(MSR_EFER) & EFER_LMA) || sizeof(void *) != 8) {
		serial_puts("long: FAIL not in long mode\n");
		guest_exit(LONG_EXIT_BAD);
	}
	serial_puts("long: in long mode\n");

	for (int i = 0; i < COUNTER_LOOPS; i++)
		long_counter++;
	long_product = mul64(0x100000001ull, 1000003);

	serial_puts("long: counter=");
	serial_put_dec(long_counter);
	serial_puts("\n");
	serial_puts("long: product=");
	serial_put_dec(long_product);
	serial_puts("\n");
	guest_exit(LONG_EXIT_OK);
}

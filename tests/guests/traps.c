/*
 * traps guest: its own IDT counts the #BP and #DB it takes from int3,
 * single-stepping with TF, a DR0 execution breakpoint and a DR1 write
 * watchpoint. A debugger attached to it must not change what it prints or
 * its exit status: every trap here belongs to the guest.
 */
#include "cpu.h"
#include "gdt.h"
#include "guestlib.h"
#include "idt.h"

#define TRAPS_EXIT_OK 0x11	/* QEMU exit status 35 */
#define TRAPS_EXIT_BAD 0x3f	/* 127: a count is not what it should be */

#define INT3_WANT 3
#define TF_WANT 4	/* the traps tf_block() takes, see there */

/* A VMM that loses RF re-enters the DR0 breakpoint forever: give up after
 * this many, so the count shows it instead of a hang. */
#define DR_EXEC_LOOP_LIMIT 100

volatile unsigned int3_count;
volatile unsigned tf_count;
volatile unsigned dr_exec_count;
volatile unsigned dr_write_count;
volatile unsigned other_db_count;	/* #DB with none of the causes above */
volatile unsigned dr_target_calls;
volatile unsigned watched;		/* DR1 watches writes to it */

void bp_handler(struct isr_frame *f)
{
	(void)f;
	int3_count++;
}

/* DR6 says why: a DR0 match (a fault: set RF so that iret runs the
 * instruction instead of matching again), a DR1 match (a trap, after the
 * write) or TF. DR6 is sticky, so clear it for the next one. */
void db_handler(struct isr_frame *f)
{
	uint32_t dr6 = dr6_read();

	if (dr6 & DR6_B(0)) {
		dr_exec_count++;
		f->eflags |= EFLAGS_RF;
		if (dr_exec_count >= DR_EXEC_LOOP_LIMIT)
			dr7_write(0);
	}
	if (dr6 & DR6_B(1))
		dr_write_count++;
	if (dr6 & DR6_BS)
		tf_count++;
	if (!(dr6 & (DR6_B(0) | DR6_B(1) | DR6_BS)))
		other_db_count++;
	dr6_write(DR6_CLEAR);
}

__attribute__((noinline)) void int3_block(void)
{
	for (int i = 0; i < INT3_WANT; i++)
		__asm__ volatile("int3");
}

/* TF_WANT traps: popfl setting TF traps only after the instruction that
 * follows it; then three nops trap, and so does the popfl that clears TF,
 * since it ran with TF set. */
__attribute__((noinline)) void tf_block(void)
{
	__asm__ volatile(
		"pushfl\n\t"		/* TF clear, for the last popfl */
		"pushfl\n\t"
		"orl %0, (%%esp)\n\t"
		"popfl\n\t"		/* TF on */
		".globl tf_nops\n"
		"tf_nops:\n\t"	/* for debuggers: break *tf_nops */
		"nop\n\t"		/* #DB 1 */
		"nop\n\t"		/* #DB 2 */
		"nop\n\t"		/* #DB 3 */
		"popfl\n\t"		/* TF off: #DB 4 */
		: : "i"(EFLAGS_TF) : "memory", "cc");
}

__attribute__((noinline)) void dr_target(void)
{
	dr_target_calls++;
}

__attribute__((noinline)) void dr_exec_block(void)
{
	dr0_write((uint32_t)dr_target);
	dr7_write(DR7_L(0) | DR7_RW(0, DR_RW_EXEC) | DR7_LEN(0, DR_LEN_1));
	dr_target();
	dr7_write(0);
	dr0_write(0);
}

/* One write traps; the read after it does not (write-only watchpoint). */
__attribute__((noinline)) void dr_write_block(void)
{
	unsigned seen;

	dr1_write((uint32_t)&watched);
	dr7_write(DR7_L(1) | DR7_RW(1, DR_RW_WRITE) | DR7_LEN(1, DR_LEN_4));
	watched = 42;
	seen = watched;
	dr7_write(0);
	dr1_write(0);
	(void)seen;
}

static void put_count(const char *name, unsigned v)
{
	serial_puts(name);
	serial_put_dec(v);
}

static int counts_ok(void)
{
	return int3_count == INT3_WANT && tf_count == TF_WANT &&
	       dr_exec_count == 1 && dr_write_count == 1 &&
	       other_db_count == 0 && dr_target_calls == 1 && watched == 42;
}

void kmain(uint32_t magic, uint32_t mbi)
{
	(void)magic;
	(void)mbi;
	serial_init();
	gdt_init();
	idt_init();
	idt_set_handler(VEC_BP, bp_handler);
	idt_set_handler(VEC_DB, db_handler);
	serial_puts("traps: start\n");

	int3_block();
	tf_block();
	dr_exec_block();
	dr_write_block();

	put_count("traps: int3=", int3_count);
	put_count(" tf=", tf_count);
	put_count(" dr_exec=", dr_exec_count);
	put_count(" dr_write=", dr_write_count);
	put_count(" other=", other_db_count);
	serial_puts("\n");
	put_count("traps: dr_target_calls=", dr_target_calls);
	put_count(" watched=", watched);
	serial_puts("\n");
	if (!counts_ok()) {
		serial_puts("traps: FAIL\n");
		guest_exit(TRAPS_EXIT_BAD);
	}
	serial_puts("traps: ok\n");
	guest_exit(TRAPS_EXIT_OK);
}

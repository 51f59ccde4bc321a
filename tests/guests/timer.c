/*
 * timer guest: the PIT interrupts 100 times a second through the remapped
 * PIC into its own IDT; timer_handler counts the ticks. The main loop
 * sleeps with `sti; hlt` until TICKS_WANTED ticks came. For testing that a
 * debugger stepping the main loop never stops inside the handler.
 */
#include "gdt.h"
#include "guestlib.h"
#include "idt.h"
#include "pic.h"
#include "pit.h"

#define TIMER_EXIT_OK 0x13	/* QEMU exit status 39 */
#define TIMER_HZ 100
#define TICKS_WANTED 20

volatile unsigned ticks;

/* Masking IRQ 0 at the last tick keeps the count exact: none can come in
 * between the wake-up and the check of ticks. */
void timer_handler(struct isr_frame *f)
{
	(void)f;
	ticks++;
	if (ticks == TICKS_WANTED)
		pic_mask(0);
	pic_eoi(0);
}

/* Interrupts are off at each check; `sti; hlt` cannot miss a tick that
 * comes between sti and hlt (sti takes effect after the next instruction). */
__attribute__((noinline)) void wait_ticks(void)
{
	while (ticks < TICKS_WANTED)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
}

void kmain(uint32_t magic, uint32_t mbi)
{
	(void)magic;
	(void)mbi;
	serial_init();
	gdt_init();
	idt_init();
	pic_remap();
	idt_set_handler(PIC_VECTOR_BASE + 0, timer_handler);
	pit_periodic(TIMER_HZ);
	serial_puts("timer: start\n");

	pic_unmask(0);
	wait_ticks();

	serial_puts("timer: ticks=");
	serial_put_dec(ticks);
	serial_puts("\n");
	guest_exit(TIMER_EXIT_OK);
}

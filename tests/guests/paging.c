/*
 * paging guest: turns on 32-bit paging with the low 4 MiB identity-mapped
 * (the boot code and everything in guest.ld's layout keep working) and the
 * same 4 MiB mapped again at HIGH_OFFSET with 4 KiB pages, where the
 * .high.text and .high.data sections are linked (see paging.ld). It runs a
 * higher-half function that writes a higher-half global, and checks the
 * write through the identity map and through a third window, one 4 MiB
 * (PSE) page at PSE_WINDOW. For debuggers: breakpoints and memory reads at
 * virtual addresses that only the guest's page tables resolve.
 */
#include "cpu.h"
#include "guestlib.h"

#define PAGING_EXIT_OK 0x12	/* QEMU exit status 37 */
#define PAGING_EXIT_BAD 0x3f	/* 127 */

#define HIGH_OFFSET 0xC0000000u	/* as in paging.ld */
#define PSE_WINDOW 0xD0000000u	/* physical 0-4 MiB again, one large page */

#define PAGE_SIZE 4096u
#define PTE_PRESENT 0x001u
#define PTE_WRITE 0x002u
#define PDE_LARGE 0x080u	/* PS: this entry maps 4 MiB itself */

#define HIGH_TEXT __attribute__((section(".high.text"), noinline))
#define HIGH_DATA __attribute__((section(".high.data")))

uint32_t page_directory[1024] __attribute__((aligned(PAGE_SIZE)));
uint32_t low_page_table[1024] __attribute__((aligned(PAGE_SIZE)));

HIGH_DATA volatile unsigned high_counter = 100;
HIGH_DATA volatile unsigned high_calls = 0;

/* Virtual v as the identity map (or the PSE window) sees its bytes. */
static volatile unsigned *phys_alias(volatile unsigned *v, uint32_t window)
{
	return (volatile unsigned *)((uint32_t)v - HIGH_OFFSET + window);
}

/* Page directory index of a virtual address. */
static unsigned pd_index(uint32_t va)
{
	return va >> 22;
}

void paging_enable(void)
{
	for (unsigned i = 0; i < 1024; i++)
		low_page_table[i] = i * PAGE_SIZE | PTE_PRESENT | PTE_WRITE;
	page_directory[0] = (uint32_t)low_page_table | PTE_PRESENT | PTE_WRITE;
	page_directory[pd_index(HIGH_OFFSET)] = page_directory[0];
	page_directory[pd_index(PSE_WINDOW)] = PDE_LARGE | PTE_PRESENT | PTE_WRITE;

	cr4_write(cr4_read() | CR4_PSE);
	cr3_write((uint32_t)page_directory);
	cr0_write(cr0_read() | CR0_PG);
}

HIGH_TEXT void high_bump(unsigned by)
{
	high_counter += by;
	high_calls++;
}

HIGH_TEXT void high_main(void)
{
	serial_puts("paging: in higher half\n");
	for (unsigned i = 1; i <= 3; i++)
		high_bump(i);
}

static int high_checks_ok(void)
{
	uint32_t fn = (uint32_t)high_main;
	uint32_t var = (uint32_t)&high_counter;

	return fn >= HIGH_OFFSET && var >= HIGH_OFFSET &&
	       high_counter == 106 && high_calls == 3 &&
	       *phys_alias(&high_counter, 0) == 106 &&
	       *phys_alias(&high_counter, PSE_WINDOW) == 106;
}

void kmain(uint32_t magic, uint32_t mbi)
{
	(void)magic;
	(void)mbi;
	serial_init();
	serial_puts("paging: start\n");
	paging_enable();
	serial_puts("paging: paging on\n");

	high_main();

	serial_puts("paging: high_counter=");
	serial_put_dec(high_counter);
	serial_puts(" high_calls=");
	serial_put_dec(high_calls);
	serial_puts("\n");
	if (!high_checks_ok()) {
		serial_puts("paging: FAIL\n");
		guest_exit(PAGING_EXIT_BAD);
	}
	serial_puts("paging: aliases ok\n");
	guest_exit(PAGING_EXIT_OK);
}

/*
 * smp guest: starts the other CPUs as hardware expects (INIT, SIPI, SIPI
 * through the local APIC, a real-mode trampoline at 0x8000, see
 * smp_boot.S). cpus=N on the command line says how many CPUs there are,
 * with APIC IDs 0..N-1. Each AP counts itself in smp_arrived, then calls
 * ap_work(its APIC ID) until the BSP sets smp_done: a per-CPU function and
 * variable for thread-specific breakpoints. The BSP boots the APs one at a
 * time, waits for each (bounded), lets every AP do AP_WORK_TICKS calls,
 * then stops them and exits. Interrupts stay off throughout.
 */
#include "cmdline.h"
#include "cpu.h"
#include "gdt.h"
#include "guestlib.h"
#include "lapic.h"
#include "pit.h"
#include "smp.h"

#define SMP_EXIT_OK 0x10	/* QEMU exit status 33 */
#define SMP_EXIT_FAIL 0x3f	/* 127 */

#define INIT_DELAY_US 10000	/* INIT to first SIPI, as the MP spec asks */
#define SIPI_DELAY_US 200	/* between the two SIPIs */
#define AP_WORK_TICKS 1000	/* ap_work calls each AP makes at least */

/* Generous: booting an AP takes microseconds even under TCG on a loaded
 * host. PIT time (see pit.h) only runs while the BSP polls, so a VM
 * stopped in a debugger does not use these up. */
#define WAIT_TIMEOUT_US 5000000

uint8_t ap_stacks[SMP_MAX_CPUS][AP_STACK_SIZE] __attribute__((aligned(16)));

unsigned smp_cpus;			/* from cpus=N */
unsigned smp_arrived;			/* APs in ap_main, atomic */
unsigned smp_parked;			/* APs that saw smp_done, atomic */
unsigned ap_arrival[SMP_MAX_CPUS];	/* each AP's place in smp_arrived */
volatile unsigned long per_cpu_ticks[SMP_MAX_CPUS];	/* ap_work calls */
volatile unsigned smp_done;		/* set by the BSP: APs stop working */
volatile unsigned smp_hold;		/* a debugger sets it: APs keep working */

__attribute__((noinline)) void ap_work(unsigned cpu)
{
	per_cpu_ticks[cpu]++;
}

void ap_main(unsigned cpu)
{
	ap_arrival[cpu] = __atomic_fetch_add(&smp_arrived, 1, __ATOMIC_SEQ_CST);
	while (!smp_done)
		ap_work(cpu);
	__atomic_fetch_add(&smp_parked, 1, __ATOMIC_SEQ_CST);
	cpu_halt_forever();
}

static unsigned load(unsigned *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

/* "smp: FAIL <what>", the count of arrivals, and the failure exit. */
static __attribute__((noreturn)) void fail(const char *what, unsigned cpu)
{
	serial_puts("smp: FAIL ");
	serial_puts(what);
	serial_puts(" cpu=");
	serial_put_dec(cpu);
	serial_puts("\n");
	serial_puts("smp: cpus=");
	serial_put_dec(smp_cpus);
	serial_puts(" arrived=");
	serial_put_dec(load(&smp_arrived));
	serial_puts("\n");
	guest_exit(SMP_EXIT_FAIL);
}

/* Poll until *p reaches want or WAIT_TIMEOUT_US passes; 1 if it did. */
static int wait_for(unsigned *p, unsigned want)
{
	uint64_t end = pit_clock_us() + WAIT_TIMEOUT_US;

	while (load(p) < want) {
		if (pit_clock_us() >= end)
			return 0;
		cpu_pause();
	}
	return 1;
}

static void install_trampoline(void)
{
	uint8_t *dst = (uint8_t *)AP_TRAMPOLINE_ADDR;
	uint32_t len = (uint32_t)(ap_trampoline_end - ap_trampoline);
	uint32_t gdtr = (uint32_t)(ap_trampoline_gdtr - ap_trampoline);

	for (uint32_t i = 0; i < len; i++)
		dst[i] = ap_trampoline[i];
	/* the APs load the GDT the BSP runs on */
	__asm__ volatile("sgdt %0" : "=m"(*(struct gdt_ptr *)(dst + gdtr)));
}

/* INIT-SIPI-SIPI to one AP, then wait for it in ap_main. The second SIPI
 * is for hardware that lost the first; one that arrives at a running AP
 * is ignored by it. */
static void start_ap(unsigned cpu)
{
	unsigned before = load(&smp_arrived);

	if (!lapic_send_init(cpu))
		fail("INIT not sent to", cpu);
	pit_delay_us(INIT_DELAY_US);
	for (int i = 0; i < 2; i++) {
		if (!lapic_send_sipi(cpu, AP_TRAMPOLINE_ADDR >> 12))
			fail("SIPI not sent to", cpu);
		pit_delay_us(SIPI_DELAY_US);
	}
	if (!wait_for(&smp_arrived, before + 1))
		fail("timeout: no arrival of", cpu);
}

/* A debugger that sets smp_hold keeps the APs in ap_work until it clears
 * it again (break here to see the BSP waiting for that). */
__attribute__((noinline)) void bsp_hold(void)
{
	while (smp_hold)
		cpu_pause();
}

/* Until every AP made AP_WORK_TICKS calls. */
static void wait_for_work(unsigned bsp)
{
	for (unsigned cpu = 0; cpu < smp_cpus; cpu++) {
		uint64_t end = pit_clock_us() + WAIT_TIMEOUT_US;

		if (cpu == bsp)
			continue;
		while (per_cpu_ticks[cpu] < AP_WORK_TICKS) {
			if (pit_clock_us() >= end)
				fail("timeout: too few ap_work calls on", cpu);
			cpu_pause();
		}
	}
}

void kmain(uint32_t magic, uint32_t mbi)
{
	unsigned bsp;

	(void)magic;
	serial_init();
	gdt_init();
	smp_cpus = cmdline_uint(cmdline_get(mbi), "cpus", 1, 0);
	serial_puts("smp: start cpus=");
	serial_put_dec(smp_cpus);
	serial_puts("\n");
	if (smp_cpus < 1 || smp_cpus > SMP_MAX_CPUS) {
		serial_puts("smp: FAIL cpus= must be 1-16\n");
		guest_exit(SMP_EXIT_FAIL);
	}

	pit_clock_start();
	lapic_enable();
	install_trampoline();
	bsp = lapic_id();
	for (unsigned cpu = 0; cpu < smp_cpus; cpu++)
		if (cpu != bsp)
			start_ap(cpu);
	serial_puts("smp: cpus=");
	serial_put_dec(smp_cpus);
	serial_puts(" arrived=");
	serial_put_dec(load(&smp_arrived));
	serial_puts("\n");

	wait_for_work(bsp);
	bsp_hold();
	smp_done = 1;
	if (!wait_for(&smp_parked, smp_cpus - 1))
		fail("timeout: not every AP parked, last", smp_cpus - 1);
	serial_puts("smp: parked=");
	serial_put_dec(load(&smp_parked));
	serial_puts("\n");
	guest_exit(SMP_EXIT_OK);
}

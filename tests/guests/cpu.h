/* x86 privileged instructions as inline functions, for the test guests that
 * set up their own descriptor tables, paging, debug registers or SMP. */
#ifndef GDBHUB_GUEST_CPU_H
#define GDBHUB_GUEST_CPU_H

/* Plain hex constants: smp_boot.S uses some of these too. */
#define EFLAGS_TF 0x00000100	/* trap flag: single-step */
#define EFLAGS_IF 0x00000200
#define EFLAGS_RF 0x00010000	/* resume flag: skip one instruction breakpoint */

#define CR0_PE 0x00000001
#define CR0_PG 0x80000000
#define CR4_PSE 0x00000010	/* 4 MiB pages in 32-bit paging */

#define DR6_B(n) (1u << (n))	/* debug register n matched */
#define DR6_BS (1u << 14)	/* single-step (TF) */
#define DR6_CLEAR 0xffff0ff0u	/* DR6 with no cause: reserved bits set */

/* DR7: enable slot n locally, break on (rw) of len bytes there */
#define DR7_L(n) (1u << ((n) * 2))
#define DR7_RW(n, rw) ((uint32_t)(rw) << (16 + (n) * 4))
#define DR7_LEN(n, len) ((uint32_t)(len) << (18 + (n) * 4))
#define DR_RW_EXEC 0
#define DR_RW_WRITE 1
#define DR_LEN_1 0	/* the only length for execution breakpoints */
#define DR_LEN_4 3

#ifndef __ASSEMBLER__
#include <stdint.h>

static inline __attribute__((noreturn)) void cpu_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

static inline void cpu_pause(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline uint32_t eflags_read(void)
{
	uint32_t v;
	__asm__ volatile("pushfl; popl %0" : "=r"(v));
	return v;
}

static inline uint32_t cr0_read(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline void cr0_write(uint32_t v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static inline void cr3_write(uint32_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline void dr0_write(uint32_t v)
{
	__asm__ volatile("mov %0, %%dr0" : : "r"(v));
}

static inline void dr1_write(uint32_t v)
{
	__asm__ volatile("mov %0, %%dr1" : : "r"(v));
}

static inline uint32_t cr4_read(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void cr4_write(uint32_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline uint32_t dr6_read(void)
{
	uint32_t v;
	__asm__ volatile("mov %%dr6, %0" : "=r"(v));
	return v;
}

static inline void dr6_write(uint32_t v)
{
	__asm__ volatile("mov %0, %%dr6" : : "r"(v));
}

static inline void dr7_write(uint32_t v)
{
	__asm__ volatile("mov %0, %%dr7" : : "r"(v) : "memory");
}

static inline uint32_t mmio_read32(uint32_t addr)
{
	return *(volatile uint32_t *)addr;
}

static inline void mmio_write32(uint32_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}

#endif /* __ASSEMBLER__ */

#endif

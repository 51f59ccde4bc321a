/*
 * Application processor start: the SIPI starts an AP in real mode at
 * CS:IP = (vector << 8):0, i.e. at AP_TRAMPOLINE_ADDR, where smp.c copied
 * ap_trampoline..ap_trampoline_end. It loads the BSP's GDT (whose pointer
 * smp.c put into the copy), enters protected mode and jumps to ap_entry32
 * in the kernel proper, which picks the stack of its APIC ID.
 */
#include "cpu.h"
#include "gdt.h"
#include "lapic.h"
#include "smp.h"

	.text
	.code16
	.globl ap_trampoline, ap_trampoline_gdtr, ap_trampoline_end
ap_trampoline:
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	/* DS = CS: addresses relative to the start of the copy */
	lgdtl ap_trampoline_gdtr - ap_trampoline
	mov %cr0, %eax
	or $CR0_PE, %eax
	mov %eax, %cr0
	ljmpl $GDT_CODE32, $ap_entry32

	.balign 4
ap_trampoline_gdtr:
	.word 0		/* limit, filled by smp.c */
	.long 0		/* base, filled by smp.c */
ap_trampoline_end:

	.code32
	.type ap_entry32, @function
ap_entry32:
	mov $GDT_DATA32, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov %ax, %ss

	mov LAPIC_ID, %eax
	shr $24, %eax
	cmp $SMP_MAX_CPUS, %eax
	jae ap_no_stack		/* no stack for it: it never arrives */

	/* stack top = ap_stacks[id + 1] */
	mov %eax, %ebx
	inc %eax
	imul $AP_STACK_SIZE, %eax
	lea ap_stacks(%eax), %esp
	xor %ebp, %ebp		/* terminate gdb backtraces here */
	push %ebx
	call ap_main
ap_no_stack:
	cli
	hlt
	jmp ap_no_stack
	.size ap_entry32, . - ap_entry32

	.section .note.GNU-stack, "", @progbits

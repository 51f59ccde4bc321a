/*
 * Interrupt stubs for idt.c: one per vector below IDT_STUBS. Each makes the
 * stack look the same (a zero where the CPU pushes no error code, then the
 * vector), and isr_common saves the registers, calls isr_dispatch(frame)
 * and returns with a plain 32-bit iret.
 */

#include "idt.h"

	.text

/* Exceptions for which the CPU pushes an error code. */
#define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
		      (v) == 21 || (v) == 29 || (v) == 30)

	.macro isr_stub vec
	.type isr_stub_\vec, @function
isr_stub_\vec:
	.if !HAS_ERROR(\vec)
	push $0
	.endif
	push $\vec
	jmp isr_common
	.size isr_stub_\vec, . - isr_stub_\vec
	.endm

	.altmacro
	.set vec, 0
	.rept IDT_STUBS
	isr_stub %vec
	.set vec, vec + 1
	.endr

	.type isr_common, @function
isr_common:
	cld
	pushal
	push %esp		/* struct isr_frame * */
	call isr_dispatch
	add $4, %esp
	popal
	add $8, %esp		/* vector, error code */
	iret
	.size isr_common, . - isr_common

	.macro isr_entry vec
	.long isr_stub_\vec
	.endm

	.section .rodata
	.balign 4
	.globl isr_stub_table
	.type isr_stub_table, @object
isr_stub_table:
	.set vec, 0
	.rept IDT_STUBS
	isr_entry %vec
	.set vec, vec + 1
	.endr
	.size isr_stub_table, . - isr_stub_table

	.section .note.GNU-stack, "", @progbits

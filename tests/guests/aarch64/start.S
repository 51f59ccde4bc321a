/*
 * Start code of the aarch64 guests: QEMU's virt machine enters _start at
 * EL1 with the MMU off (an ELF given to -kernel is not booted as Linux).
 * Set a stack, zero .bss and run kmain(), which ends in guest_exit().
 */
	.section .text.start, "ax"
	.global _start
_start:
	ldr	x0, =stack_top
	mov	sp, x0
	ldr	x0, =__bss_start
	ldr	x1, =__bss_end
1:	cmp	x0, x1
	b.hs	2f
	str	xzr, [x0], #8
	b	1b
2:	bl	kmain
3:	wfi
	b	3b

	.section .bss
	.balign 16
	.skip 16384
stack_top:

/*
 * Start code of the riscv64 guests: with -bios none, QEMU's virt machine
 * jumps from its reset vector to the start of RAM (0x80000000) in M-mode,
 * hart id in a0. Hart 0 sets a stack, zeroes .bss and runs kmain(), which
 * ends in guest_exit(); any other hart waits forever.
 */
	.section .text.start, "ax"
	.global _start
_start:
	bnez	a0, 3f
	la	sp, stack_top
	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:	call	kmain
3:	wfi
	j	3b

	.section .bss
	.balign 16
	.skip 16384
stack_top:

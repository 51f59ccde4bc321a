/*
 * Common start code for the gdbhub test guests.
 *
 * Multiboot (v1) header + 32-bit entry point.  The loader (QEMU -kernel)
 * enters _start in 32-bit protected mode with paging off, EAX holding the
 * multiboot magic (0x2BADB002) and EBX the physical address of the
 * multiboot information structure.
 */

#define MB1_HEADER_MAGIC 0x1BADB002
/* bit 0: align modules on 4 KiB; bit 1: provide memory information */
#define MB1_HEADER_FLAGS 0x00000003
#define MB1_CHECKSUM     (-(MB1_HEADER_MAGIC + MB1_HEADER_FLAGS))

#define STACK_SIZE 16384

	.section .multiboot, "a"
	.balign 4
mb1_header:
	.long MB1_HEADER_MAGIC
	.long MB1_HEADER_FLAGS
	.long MB1_CHECKSUM

	.section .bss
	.balign 16
boot_stack_bottom:
	.skip STACK_SIZE
boot_stack_top:

	.text
	.globl _start
	.type _start, @function
_start:
	cli
	cld
	/* keep the loader's registers: EAX = magic, EBX = info pointer */
	mov %eax, %esi
	mov %ebx, %edx

	/* zero .bss (includes the stack; nothing is on it yet) */
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	xor %eax, %eax
	rep stosb

	mov $boot_stack_top, %esp
	xor %ebp, %ebp		/* terminate gdb backtraces here */

	/* kmain(magic, mbi) with a 16-byte aligned stack at the call */
	sub $8, %esp
	push %edx
	push %esi
	call kmain
	add $16, %esp

	/* kmain is not supposed to return: report it as exit value 0xff */
	push $0xff
	call guest_exit
1:	cli
	hlt
	jmp 1b
	.size _start, . - _start

	.section .note.GNU-stack, "", @progbits

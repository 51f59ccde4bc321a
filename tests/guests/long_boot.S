/*
 * Start code of long.elf: a multiboot (v1) entry in 32-bit protected mode
 * that switches to 64-bit long mode and calls kmain(magic, mbi) in 64-bit
 * code. Assembled into an x86-64 object: the 32-bit part is .code32.
 *
 * Identity map of the first 1 GiB with 2 MiB pages (PML4[0] -> PDPT[0] ->
 * PD of 512 large pages), then CR4.PAE, EFER.LME, CR0.PG, and a far jump
 * to a 64-bit code segment. Without long mode (qemu-system-i386) it prints
 * "long: no long mode" and exits with LONG_EXIT_NO_LM.
 */

#define MB1_HEADER_MAGIC 0x1BADB002
#define MB1_HEADER_FLAGS 0x00000003	/* page-aligned modules, memory info */
#define MB1_CHECKSUM     (-(MB1_HEADER_MAGIC + MB1_HEADER_FLAGS))

#define STACK_SIZE 16384
#define LONG_EXIT_NO_LM 0x15		/* QEMU exit status 43 */

#define COM1 0x3f8
#define DEBUG_EXIT_PORT 0xf4

#define CPUID_EXT_MAX 0x80000000
#define CPUID_EXT_FEATURES 0x80000001
#define CPUID_EDX_LM (1 << 29)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define CR4_PAE (1 << 5)
#define CR0_PG 0x80000000
#define PTE_PW 0x003		/* present, writable */
#define PDE_LARGE_PW 0x083	/* present, writable, 2 MiB page */
#define LARGE_PAGE 0x200000

#define GDT64_CODE 0x08
#define GDT64_DATA 0x10

	.section .multiboot, "a"
	.balign 4
	.long MB1_HEADER_MAGIC
	.long MB1_HEADER_FLAGS
	.long MB1_CHECKSUM

	.section .bss
	.balign 4096
pml4:	.skip 4096
pdpt:	.skip 4096
pd:	.skip 4096
	.balign 16
boot_stack_bottom:
	.skip STACK_SIZE
boot_stack_top:

	.section .data
	.balign 4
boot_magic:	.long 0
boot_mbi:	.long 0

	.section .rodata
	.balign 8
gdt64:
	.quad 0
	.quad 0x00af9a000000ffff	/* GDT64_CODE: L=1, ring 0 */
	.quad 0x00cf92000000ffff	/* GDT64_DATA */
gdt64_end:
gdt64_ptr:
	.word gdt64_end - gdt64 - 1
	.long gdt64
no_lm_msg:
	.asciz "long: no long mode\n"

	.text
	.code32
	.globl _start
	.type _start, @function
_start:
	cli
	cld
	mov %eax, boot_magic
	mov %ebx, boot_mbi

	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	xor %eax, %eax
	rep stosb
	mov $boot_stack_top, %esp

	call require_long_mode
	call build_page_tables

	mov $pml4, %eax
	mov %eax, %cr3
	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr
	mov %cr0, %eax
	or $CR0_PG, %eax
	mov %eax, %cr0		/* long mode active, still in 32-bit code */

	lgdt gdt64_ptr
	ljmp $GDT64_CODE, $start64
	.size _start, . - _start

/* Print no_lm_msg and exit when CPUID says there is no long mode. */
	.type require_long_mode, @function
require_long_mode:
	mov $CPUID_EXT_MAX, %eax
	cpuid
	cmp $CPUID_EXT_FEATURES, %eax
	jb 1f
	mov $CPUID_EXT_FEATURES, %eax
	cpuid
	test $CPUID_EDX_LM, %edx
	jz 1f
	ret
1:	mov $no_lm_msg, %esi
	mov $COM1, %dx
2:	lodsb
	test %al, %al
	jz 3f
	outb %al, %dx
	jmp 2b
3:	mov $LONG_EXIT_NO_LM, %al
	outb %al, $DEBUG_EXIT_PORT
4:	cli
	hlt
	jmp 4b
	.size require_long_mode, . - require_long_mode

/* pml4[0] -> pdpt, pdpt[0] -> pd, pd[i] = i * 2 MiB (large pages). */
	.type build_page_tables, @function
build_page_tables:
	movl $pdpt + PTE_PW, pml4
	movl $pd + PTE_PW, pdpt
	mov $pd, %edi
	mov $PDE_LARGE_PW, %eax
	mov $512, %ecx
1:	mov %eax, (%edi)
	movl $0, 4(%edi)
	add $LARGE_PAGE, %eax
	add $8, %edi
	loop 1b
	ret
	.size build_page_tables, . - build_page_tables

	.code64
	.type start64, @function
start64:
	.cfi_startproc
	.cfi_undefined rip	/* the outermost frame, for gdb backtraces */
	mov $GDT64_DATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov %ax, %ss
	mov $boot_stack_top, %rsp
	xor %ebp, %ebp		/* terminate gdb backtraces here */

	mov boot_magic, %edi	/* kmain(magic, mbi), SysV x86-64 */
	mov boot_mbi, %esi
	call kmain

	/* kmain is not supposed to return: report it as exit value 0xff */
	mov $0xff, %edi
	call guest_exit
1:	cli
	hlt
	jmp 1b
	.cfi_endproc
	.size start64, . - start64

	.section .note.GNU-stack, "", @progbits

/* Unit tests for the multiboot v1 loader: hand-built ELF images for every
 * error path, and (given their paths as arguments) the real test guests. */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backends/kvm/boot/multiboot.h"

#define RAM_SIZE   (4u << 20)
#define FILL       0xaa
#define MB_MAGIC   0x1BADB002u

/* The hand-built image: ELF header, two program headers, the multiboot
 * header at MB_OFF, then the bytes of both segments, ending the file. */
#define PH_OFF     0x34
#define MB_OFF     0x80
#define SEG0_OFF   0x100
#define SEG0_SIZE  0x40
#define SEG1_OFF   0x140
#define SEG1_SIZE  0x20
#define IMG_SIZE   0x160
#define SEG0_ADDR  0x100000u
#define SEG1_ADDR  0x101000u
#define SEG1_MEM   0x1000u
#define ENTRY      (SEG0_ADDR + 0x10)

/* Offsets in the information block, as the spec numbers them. */
#define MBI_FLAGS       0
#define MBI_MEM_LOWER   4
#define MBI_MEM_UPPER   8
#define MBI_CMDLINE     16
#define MBI_MMAP_LENGTH 44
#define MBI_MMAP_ADDR   48
#define MBI_LOADER_NAME 64

struct img {
	uint8_t b[IMG_SIZE];
};

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static void put_mb_header(uint8_t *p, uint32_t flags)
{
	put32(p, MB_MAGIC);
	put32(p + 4, flags);
	put32(p + 8, -(MB_MAGIC + flags));
}

static Elf32_Ehdr *ehdr(struct img *im)
{
	return (Elf32_Ehdr *)im->b;
}

static Elf32_Phdr *phdr(struct img *im, unsigned i)
{
	return (Elf32_Phdr *)(im->b + PH_OFF + i * sizeof(Elf32_Phdr));
}

/* A valid kernel: .text (0x40 bytes at 1 MiB) and .data + .bss. */
static void build(struct img *im, uint32_t mb_flags)
{
	Elf32_Ehdr *eh = ehdr(im);
	unsigned i;

	memset(im, 0, sizeof(*im));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_386;
	eh->e_version = EV_CURRENT;
	eh->e_entry = ENTRY;
	eh->e_phoff = PH_OFF;
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf32_Phdr);
	eh->e_phnum = 2;
	*phdr(im, 0) = (Elf32_Phdr){ .p_type = PT_LOAD, .p_offset = SEG0_OFF,
		.p_vaddr = SEG0_ADDR, .p_paddr = SEG0_ADDR, .p_filesz = SEG0_SIZE,
		.p_memsz = SEG0_SIZE, .p_flags = PF_R | PF_X, .p_align = 4096 };
	*phdr(im, 1) = (Elf32_Phdr){ .p_type = PT_LOAD, .p_offset = SEG1_OFF,
		.p_vaddr = SEG1_ADDR, .p_paddr = SEG1_ADDR, .p_filesz = SEG1_SIZE,
		.p_memsz = SEG1_MEM, .p_flags = PF_R | PF_W, .p_align = 4096 };
	put_mb_header(im->b + MB_OFF, mb_flags);
	for (i = 0; i < SEG0_SIZE + SEG1_SIZE; i++)
		im->b[SEG0_OFF + i] = (uint8_t)(i * 7 + 1);
}

static int ram_setup(void **state)
{
	struct guest_mem *m = malloc(sizeof(*m));

	assert_non_null(m);
	m->size = RAM_SIZE;
	m->host = malloc(RAM_SIZE);
	assert_non_null(m->host);
	memset(m->host, FILL, RAM_SIZE);
	*state = m;
	return 0;
}

static int ram_teardown(void **state)
{
	struct guest_mem *m = *state;

	free(m->host);
	free(m);
	return 0;
}

/* Load from an exact-size heap copy, so ASan sees any read past len. */
static int load(const struct guest_mem *m, const void *image, size_t len,
		const char *cmdline, struct multiboot_boot *boot, char **cause)
{
	uint8_t *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, image, len);
	r = multiboot_load(m, copy, len, cmdline, boot, cause);
	free(copy);
	return r;
}

static bool ram_untouched(const struct guest_mem *m)
{
	uint64_t i;

	for (i = 0; i < m->size; i++)
		if (m->host[i] != FILL)
			return false;
	return true;
}

/* The image must be refused with a cause naming what, and RAM untouched. */
static void expect_refused(const struct guest_mem *m, const void *image, size_t len,
			   const char *cmdline, const char *what)
{
	struct multiboot_boot boot = { .entry = 0x1234 };
	char *cause = NULL;

	assert_int_equal(load(m, image, len, cmdline, &boot, &cause), -1);
	assert_non_null(cause);
	if (strstr(cause, what) == NULL)
		fail_msg("cause \"%s\" does not mention \"%s\"", cause, what);
	assert_int_equal(boot.entry, 0x1234);
	assert_true(ram_untouched(m));
	free(cause);
}

static void expect_loaded(const struct guest_mem *m, const void *image, size_t len,
			  const char *cmdline, struct multiboot_boot *boot)
{
	char *cause = (char *)"unset";

	if (load(m, image, len, cmdline, boot, &cause) != 0)
		fail_msg("refused: %s", cause ? cause : "(no cause)");
	assert_null(cause);
}

/* The memory map entry i: size field first, then base, length, type. */
static void expect_mmap_entry(const struct guest_mem *m, uint32_t addr, unsigned i,
			      uint64_t base, uint64_t length, uint32_t type)
{
	const uint8_t *e = m->host + addr + i * 24;

	assert_int_equal(get32(e), 20);
	assert_int_equal(get64(e + 4), base);
	assert_int_equal(get64(e + 12), length);
	assert_int_equal(get32(e + 20), type);
}

static void expect_info(const struct guest_mem *m, uint32_t info, const char *cmdline)
{
	const uint8_t *mbi = m->host + info;
	uint32_t flags = get32(mbi + MBI_FLAGS), mmap = get32(mbi + MBI_MMAP_ADDR);

	assert_int_equal(flags, 1u | 64 | 512 | (cmdline ? 4 : 0));
	assert_int_equal(get32(mbi + MBI_MEM_LOWER), 639);
	assert_int_equal(get32(mbi + MBI_MEM_UPPER), (m->size - 0x100000) / 1024);
	assert_int_equal(get32(mbi + MBI_MMAP_LENGTH), 3 * 24);
	expect_mmap_entry(m, mmap, 0, 0, 0x9fc00, 1);
	expect_mmap_entry(m, mmap, 1, 0x9fc00, 0x100000 - 0x9fc00, 2);
	expect_mmap_entry(m, mmap, 2, 0x100000, m->size - 0x100000, 1);
	assert_string_equal((const char *)m->host + get32(mbi + MBI_LOADER_NAME), "gdbhub-kvm");
	if (cmdline)
		assert_string_equal((const char *)m->host + get32(mbi + MBI_CMDLINE), cmdline);
	else
		assert_int_equal(get32(mbi + MBI_CMDLINE), 0);
	/* Everything in [0x9000, 0x9FC00): the AP trampoline page is left alone. */
	assert_true(info >= 0x9000 && mmap >= 0x9000 && mmap + 72 <= 0x9fc00);
	assert_int_equal(m->host[0x8000], FILL);
	assert_int_equal(m->host[0x8fff], FILL);
}

static void test_load(void **state)
{
	struct guest_mem *m = *state;
	const char *cmdline = "console=ttyS0 quiet";
	struct multiboot_boot boot;
	struct img im;
	unsigned i;

	build(&im, 3);
	expect_loaded(m, &im, sizeof(im), cmdline, &boot);
	assert_int_equal(boot.entry, ENTRY);
	assert_int_equal(boot.info, 0x9000);
	assert_int_equal(boot.image_end, SEG1_ADDR + SEG1_MEM);
	assert_memory_equal(m->host + SEG0_ADDR, im.b + SEG0_OFF, SEG0_SIZE);
	assert_memory_equal(m->host + SEG1_ADDR, im.b + SEG1_OFF, SEG1_SIZE);
	for (i = SEG1_SIZE; i < SEG1_MEM; i++)
		assert_int_equal(m->host[SEG1_ADDR + i], 0);
	/* Nothing past either segment. */
	assert_int_equal(m->host[SEG0_ADDR + SEG0_SIZE], FILL);
	assert_int_equal(m->host[SEG1_ADDR + SEG1_MEM], FILL);
	assert_int_equal(m->host[SEG0_ADDR - 1], FILL);
	expect_info(m, boot.info, cmdline);
}

static void test_no_cmdline(void **state)
{
	struct guest_mem *m = *state;
	struct multiboot_boot boot;
	struct img im;

	build(&im, 0);
	expect_loaded(m, &im, sizeof(im), NULL, &boot);
	expect_info(m, boot.info, NULL);
	/* An empty command line is still a command line. */
	expect_loaded(m, &im, sizeof(im), "", &boot);
	expect_info(m, boot.info, "");
}

/* Exactly 1 MiB of RAM: no third map entry; less is refused. */
static void test_ram_size(void **state)
{
	struct guest_mem *m = *state;
	struct multiboot_boot boot;
	struct img im;

	build(&im, 0);
	phdr(&im, 0)->p_paddr = 0x20000;
	phdr(&im, 0)->p_vaddr = 0x20000;
	ehdr(&im)->e_entry = 0x20000;
	phdr(&im, 1)->p_paddr = 0xff000;
	m->size = 0x100000;
	expect_loaded(m, &im, sizeof(im), NULL, &boot);
	assert_int_equal(get32(m->host + boot.info + MBI_MEM_UPPER), 0);
	assert_int_equal(get32(m->host + boot.info + MBI_MMAP_LENGTH), 2 * 24);
	assert_int_equal(boot.image_end, 0x100000);
	memset(m->host, FILL, RAM_SIZE);
	m->size = 0xfffff;
	phdr(&im, 1)->p_paddr = 0x30000;
	expect_refused(m, &im, sizeof(im), NULL, "1 MiB");
	m->size = RAM_SIZE;
}

/* A higher-half kernel's e_entry is virtual: the vCPU starts at its
 * physical address. */
static void test_higher_half_entry(void **state)
{
	struct guest_mem *m = *state;
	struct multiboot_boot boot;
	struct img im;

	build(&im, 0);
	phdr(&im, 0)->p_vaddr = 0xc0100000;
	ehdr(&im)->e_entry = 0xc0100010;
	expect_loaded(m, &im, sizeof(im), NULL, &boot);
	assert_int_equal(boot.entry, ENTRY);
	assert_memory_equal(m->host + SEG0_ADDR, im.b + SEG0_OFF, SEG0_SIZE);
}

static void test_flags(void **state)
{
	struct guest_mem *m = *state;
	struct multiboot_boot boot;
	struct img im;

	/* Optional bits 16-31 are fine; with ELF the a.out kludge is unused. */
	build(&im, 3 | (1u << 16) | (1u << 20));
	expect_loaded(m, &im, sizeof(im), NULL, &boot);
	assert_int_equal(boot.entry, ENTRY);
	memset(m->host, FILL, RAM_SIZE);
	build(&im, 3 | (1u << 2));
	expect_refused(m, &im, sizeof(im), NULL, "video");
	build(&im, 1u << 3);
	expect_refused(m, &im, sizeof(im), NULL, "unknown");
	build(&im, 1u << 15);
	expect_refused(m, &im, sizeof(im), NULL, "unknown");
	build(&im, 1u << 16);
	im.b[0] = 0;
	expect_refused(m, &im, sizeof(im), NULL, "a.out kludge");
	build(&im, 0);
	im.b[0] = 0;
	expect_refused(m, &im, sizeof(im), NULL, "not an ELF");
}

static void test_header_search(void **state)
{
	struct guest_mem *m = *state;
	struct multiboot_boot boot;
	uint8_t big[9000];
	struct img im;

	build(&im, 0);
	put32(im.b + MB_OFF, 0x1BADB003);
	expect_refused(m, &im, sizeof(im), NULL, "no multiboot header");
	build(&im, 0);
	put32(im.b + MB_OFF + 8, get32(im.b + MB_OFF + 8) + 1);
	expect_refused(m, &im, sizeof(im), NULL, "bad checksum");
	/* A bad header followed by a good one: the good one counts. */
	put_mb_header(im.b + MB_OFF + 12, 0);
	expect_loaded(m, &im, sizeof(im), NULL, &boot);
	memset(m->host, FILL, RAM_SIZE);
	/* Not 4-byte aligned. */
	build(&im, 0);
	memset(im.b + MB_OFF, 0, 12);
	put_mb_header(im.b + MB_OFF + 2, 0);
	expect_refused(m, &im, sizeof(im), NULL, "no multiboot header");

	/* Wholly inside the first 8192 bytes, or not at all. */
	build(&im, 0);
	memset(im.b + MB_OFF, 0, 12);
	memset(big, 0, sizeof(big));
	memcpy(big, im.b, sizeof(im));
	put_mb_header(big + 8192 - 8, 0);
	expect_refused(m, big, sizeof(big), NULL, "no multiboot header");
	put_mb_header(big + 8192 - 12, 0);
	expect_loaded(m, big, sizeof(big), NULL, &boot);
	memset(m->host, FILL, RAM_SIZE);
	/* ...and inside the file. */
	expect_refused(m, big, 8192 - 1, NULL, "no multiboot header");
}

static void test_elf_errors(void **state)
{
	struct guest_mem *m = *state;
	uint8_t shorty[48];
	struct img im;

	build(&im, 0);
	im.b[EI_CLASS] = ELFCLASS64;
	expect_refused(m, &im, sizeof(im), NULL, "64-bit ELF");
	build(&im, 0);
	im.b[EI_DATA] = ELFDATA2MSB;
	expect_refused(m, &im, sizeof(im), NULL, "little-endian");
	build(&im, 0);
	ehdr(&im)->e_machine = EM_X86_64;
	expect_refused(m, &im, sizeof(im), NULL, "i386");
	build(&im, 0);
	ehdr(&im)->e_type = ET_DYN;
	expect_refused(m, &im, sizeof(im), NULL, "executable");
	build(&im, 0);
	ehdr(&im)->e_phnum = 0;
	expect_refused(m, &im, sizeof(im), NULL, "program headers");
	build(&im, 0);
	ehdr(&im)->e_phentsize = sizeof(Elf32_Phdr) - 1;
	expect_refused(m, &im, sizeof(im), NULL, "program headers");
	build(&im, 0);
	ehdr(&im)->e_phoff = IMG_SIZE - sizeof(Elf32_Phdr);
	expect_refused(m, &im, sizeof(im), NULL, "past the end");
	build(&im, 0);
	ehdr(&im)->e_phoff = 0xffffffe0;
	expect_refused(m, &im, sizeof(im), NULL, "past the end");

	/* A file shorter than an ELF header, its multiboot header at 36. */
	build(&im, 0);
	memcpy(shorty, im.b, sizeof(shorty));
	put_mb_header(shorty + 36, 0);
	expect_refused(m, shorty, sizeof(shorty), NULL, "too short");
}

static void test_segment_errors(void **state)
{
	struct guest_mem *m = *state;
	struct img im;

	build(&im, 0);
	phdr(&im, 1)->p_filesz = SEG1_MEM + 1;
	expect_refused(m, &im, sizeof(im), NULL, "exceeds memory size");
	build(&im, 0);
	phdr(&im, 1)->p_filesz = SEG1_SIZE + 1;
	expect_refused(m, &im, sizeof(im), NULL, "past the end of the");
	build(&im, 0);
	phdr(&im, 1)->p_offset = 0xfffffff0;  /* + 0x20 wraps in 32 bits */
	expect_refused(m, &im, sizeof(im), NULL, "past the end of the");
	build(&im, 0);
	phdr(&im, 1)->p_paddr = RAM_SIZE - 0x10;
	expect_refused(m, &im, sizeof(im), NULL, "outside");
	build(&im, 0);
	phdr(&im, 1)->p_paddr = 0xfffff000;   /* + 0x1000 wraps in 32 bits */
	expect_refused(m, &im, sizeof(im), NULL, "outside");
	build(&im, 0);
	phdr(&im, 0)->p_type = PT_NOTE;
	phdr(&im, 1)->p_type = PT_NULL;
	expect_refused(m, &im, sizeof(im), NULL, "ELF has no loadable segment");
	build(&im, 0);
	ehdr(&im)->e_entry = SEG0_ADDR + SEG0_SIZE;
	expect_refused(m, &im, sizeof(im), NULL, "entry point");
}

/* The information occupies [0x9000, end of the command line). */
static void test_info_overlap(void **state)
{
	struct guest_mem *m = *state;
	struct multiboot_boot boot;
	char cmdline[0x200];
	struct img im;

	memset(cmdline, 'x', sizeof(cmdline) - 1);
	cmdline[sizeof(cmdline) - 1] = '\0';
	build(&im, 0);
	phdr(&im, 1)->p_paddr = 0x8fe1;  /* its last byte is 0x9000 */
	phdr(&im, 1)->p_memsz = 0x20;
	expect_refused(m, &im, sizeof(im), NULL, "overlaps the multiboot information");
	phdr(&im, 1)->p_paddr = 0x920a;  /* its first byte is the name's NUL */
	expect_refused(m, &im, sizeof(im), NULL, "overlaps the multiboot information");
	phdr(&im, 1)->p_paddr = 0x9400;
	expect_refused(m, &im, sizeof(im), cmdline, "overlaps the multiboot information");
	/* Right below the information, right past it, and past a short one. */
	phdr(&im, 1)->p_paddr = 0x920b;
	expect_loaded(m, &im, sizeof(im), NULL, &boot);
	memset(m->host, FILL, RAM_SIZE);
	phdr(&im, 1)->p_paddr = 0x8fe0;
	expect_loaded(m, &im, sizeof(im), cmdline, &boot);
	memset(m->host, FILL, RAM_SIZE);
	phdr(&im, 1)->p_paddr = 0x9400;
	expect_loaded(m, &im, sizeof(im), "short", &boot);
	assert_memory_equal(m->host + 0x9400, im.b + SEG1_OFF, SEG1_SIZE);
	expect_info(m, boot.info, "short");
}

static void test_cmdline_too_long(void **state)
{
	struct guest_mem *m = *state;
	size_t n = 0x9fc00 - 0x9000;
	char *cmdline = malloc(n + 1);
	struct multiboot_boot boot;
	struct img im;

	assert_non_null(cmdline);
	memset(cmdline, 'y', n);
	cmdline[n] = '\0';
	build(&im, 0);
	expect_refused(m, &im, sizeof(im), cmdline, "too long");
	/* One byte too long: its NUL would be at 0x9FC00. */
	n = 0x9fc00 - 0x9300;
	cmdline[n] = '\0';
	expect_refused(m, &im, sizeof(im), cmdline, "too long");
	/* The longest that fits ends right below 0x9FC00. */
	n = 0x9fc00 - 0x9300 - 1;
	cmdline[n] = '\0';
	expect_loaded(m, &im, sizeof(im), cmdline, &boot);
	expect_info(m, boot.info, cmdline);
	assert_int_equal(m->host[0x9fbff], 0);
	assert_int_equal(m->host[0x9fc00], FILL);
	free(cmdline);
}

/* Every truncation of a valid image is refused and writes nothing. */
static void test_truncated(void **state)
{
	struct guest_mem *m = *state;
	struct multiboot_boot boot;
	struct img im;
	char *cause;
	size_t len = 0;

	build(&im, 3);
	for (len = 0; len < sizeof(im); len++) {
		cause = NULL;
		assert_int_equal(load(m, &im, len, "x", &boot, &cause), -1);
		assert_non_null(cause);
		free(cause);
	}
	assert_true(ram_untouched(m));
}

/* The real test guests: the paths come from meson (NULL-terminated). */
static char **guest_paths;

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (f == NULL)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc(n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), (size_t)n);
	fclose(f);
	*len = n;
	return buf;
}

/* Each PT_LOAD segment's bytes are in RAM at p_paddr, its bss is zero. */
static void expect_segments(const struct guest_mem *m, const uint8_t *file,
			    const struct multiboot_boot *boot)
{
	Elf32_Ehdr eh;
	Elf32_Phdr ph;
	uint64_t end = 0, i;
	unsigned n, loads = 0;

	memcpy(&eh, file, sizeof(eh));
	assert_int_equal(boot->entry, eh.e_entry);
	for (n = 0; n < eh.e_phnum; n++) {
		memcpy(&ph, file + eh.e_phoff + n * eh.e_phentsize, sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		loads++;
		assert_memory_equal(m->host + ph.p_paddr, file + ph.p_offset, ph.p_filesz);
		for (i = ph.p_filesz; i < ph.p_memsz; i++)
			assert_int_equal(m->host[ph.p_paddr + i], 0);
		if (ph.p_paddr + ph.p_memsz > end)
			end = ph.p_paddr + ph.p_memsz;
	}
	assert_true(loads > 0);
	assert_int_equal(boot->image_end, end);
}

static void test_guest_kernels(void **state)
{
	struct guest_mem *m = *state;
	struct multiboot_boot boot;
	char **path;
	uint8_t *file;
	size_t len = 0;

	for (path = guest_paths; *path != NULL; path++) {
		file = read_file(*path, &len);
		if (file == NULL)
			fail_msg("cannot read %s", *path);
		memset(m->host, FILL, RAM_SIZE);
		expect_loaded(m, file, len, "demo arg", &boot);
		expect_segments(m, file, &boot);
		expect_info(m, boot.info, "demo arg");
		free(file);
	}
}

#define RAM_TEST(f) cmocka_unit_test_setup_teardown(f, ram_setup, ram_teardown)

/* With kernel paths as arguments, test those (exit 77, skipped, if one is
 * not built); without, the hand-built images. */
int main(int argc, char **argv)
{
	const struct CMUnitTest images[] = {
		RAM_TEST(test_load), RAM_TEST(test_no_cmdline), RAM_TEST(test_ram_size),
		RAM_TEST(test_higher_half_entry), RAM_TEST(test_flags),
		RAM_TEST(test_header_search), RAM_TEST(test_elf_errors),
		RAM_TEST(test_segment_errors), RAM_TEST(test_info_overlap),
		RAM_TEST(test_cmdline_too_long), RAM_TEST(test_truncated),
	};
	const struct CMUnitTest guests[] = { RAM_TEST(test_guest_kernels) };
	int i;

	if (argc == 1)
		return cmocka_run_group_tests(images, NULL, NULL);
	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");

		if (f == NULL) {
			printf("%s not built: run ninja first\n", argv[i]);
			return 77;
		}
		fclose(f);
	}
	guest_paths = argv + 1;
	return cmocka_run_group_tests(guests, NULL, NULL);
}

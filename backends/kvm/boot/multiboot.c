/* Multiboot v1: load an ELF32 i386 kernel at its physical addresses and
 * leave the information block it expects in low memory. */
#include "backends/kvm/boot/multiboot.h"

#include <elf.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "proxy/cause.h"

#define MB_HEADER_MAGIC   0x1BADB002u
#define MB_SEARCH_BYTES   8192  /* the header lies wholly in these */
#define MB_HEADER_BYTES   12    /* magic, flags, checksum */

/* Header flags. Bits 0-15 are requirements: a loader that does not know
 * one must refuse the kernel. Bits 16-31 are optional. */
#define MB_PAGE_ALIGN     (1u << 0)   /* modules on 4 KiB: we load none */
#define MB_MEMORY_INFO    (1u << 1)
#define MB_VIDEO_MODE     (1u << 2)
#define MB_REQUIRED_BITS  0xffffu
#define MB_AOUT_KLUDGE    (1u << 16)  /* load by header addresses, not ELF */

/* Information block flags for the fields we fill. */
#define MBI_MEMORY        (1u << 0)
#define MBI_CMDLINE       (1u << 2)
#define MBI_MMAP          (1u << 6)
#define MBI_LOADER_NAME   (1u << 9)

#define MMAP_AVAILABLE    1
#define MMAP_RESERVED     2

/* Low memory: conventional RAM ends at 639 KiB (the EBDA, VGA and BIOS
 * follow, reserved in the map); the information goes in [0x9000, 0x9FC00),
 * above 0x8000-0x8FFF where SMP guests put their AP trampoline. */
#define LOW_RAM_END       0x9fc00u
#define HIGH_MEM          0x100000u
#define INFO_ADDR         0x9000u
#define MMAP_ADDR         0x9100u
#define NAME_ADDR         0x9200u
#define CMDLINE_ADDR      0x9300u

static const char loader_name[] = "gdbhub-kvm";

/* The information block (spec 3.3); the comments give each field's offset
 * and the flag bit that says it is valid. We fill up to boot_loader_name. */
struct mb_info {
	uint32_t flags;             /* 0 */
	uint32_t mem_lower;         /* 4, bit 0: KiB from 0 */
	uint32_t mem_upper;         /* 8, bit 0: KiB from 1 MiB */
	uint32_t boot_device;       /* 12, bit 1 */
	uint32_t cmdline;           /* 16, bit 2 */
	uint32_t mods_count;        /* 20, bit 3 */
	uint32_t mods_addr;         /* 24 */
	uint32_t syms[4];           /* 28-40, bit 4 or 5 */
	uint32_t mmap_length;       /* 44, bit 6 */
	uint32_t mmap_addr;         /* 48 */
	uint32_t drives_length;     /* 52, bit 7 */
	uint32_t drives_addr;       /* 56 */
	uint32_t config_table;      /* 60, bit 8 */
	uint32_t boot_loader_name;  /* 64, bit 9 */
	uint32_t apm_table;         /* 68, bit 10 */
	uint32_t vbe_control_info;  /* 72, bit 11 */
	uint32_t vbe_mode_info;     /* 76 */
	uint16_t vbe_mode;          /* 80 */
	uint16_t vbe_interface_seg; /* 82 */
	uint16_t vbe_interface_off; /* 84 */
	uint16_t vbe_interface_len; /* 86 */
} __attribute__((packed));

/* One memory map entry. mmap_addr points at size, which counts the 20
 * bytes after it (so the next entry is size + 4 bytes on). */
struct mb_mmap_entry {
	uint32_t size;              /* -4 in the spec's numbering */
	uint64_t base_addr;         /* 0 */
	uint64_t length;            /* 8 */
	uint32_t type;              /* 16 */
} __attribute__((packed));

_Static_assert(sizeof(struct mb_info) == 88, "multiboot info layout");
_Static_assert(sizeof(struct mb_mmap_entry) == 24, "multiboot mmap entry layout");
_Static_assert(MMAP_ADDR + 3 * sizeof(struct mb_mmap_entry) <= NAME_ADDR &&
	       INFO_ADDR + sizeof(struct mb_info) <= MMAP_ADDR &&
	       NAME_ADDR + sizeof(loader_name) <= CMDLINE_ADDR, "low memory layout");

static uint32_t le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* Find the multiboot header: 4-byte aligned, wholly in the first 8 KiB of
 * the image, with magic + flags + checksum == 0 (mod 2^32). */
static int find_header(const uint8_t *image, size_t len, uint32_t *flags,
		       char **cause)
{
	size_t limit = len < MB_SEARCH_BYTES ? len : MB_SEARCH_BYTES;
	size_t off, bad = SIZE_MAX;

	for (off = 0; off + MB_HEADER_BYTES <= limit; off += 4) {
		if (le32(image + off) != MB_HEADER_MAGIC)
			continue;
		if (MB_HEADER_MAGIC + le32(image + off + 4) + le32(image + off + 8) == 0) {
			*flags = le32(image + off + 4);
			return 0;
		}
		if (bad == SIZE_MAX)
			bad = off;
	}
	if (bad != SIZE_MAX)
		return cause_fail(cause, "multiboot header at offset %#zx has a bad checksum", bad);
	return cause_fail(cause, "no multiboot header (magic 0x1BADB002) in the first %d bytes",
			  MB_SEARCH_BYTES);
}

static bool is_elf(const uint8_t *image, size_t len)
{
	return len >= SELFMAG && memcmp(image, ELFMAG, SELFMAG) == 0;
}

/* Refuse what the kernel requires and we cannot give it. An ELF kernel
 * is loaded by its program headers even with flag 16 set (the spec says a
 * loader should then prefer the header's addresses; kernels that set it,
 * like xv6, give the same layout both ways). */
static int check_flags(uint32_t flags, bool elf, char **cause)
{
	uint32_t unknown = flags & MB_REQUIRED_BITS &
			   ~(MB_PAGE_ALIGN | MB_MEMORY_INFO | MB_VIDEO_MODE);

	if (flags & MB_VIDEO_MODE)
		return cause_fail(cause, "kernel requires a video mode (multiboot flag 2): "
				  "gdbhub-kvm has no display");
	if (unknown)
		return cause_fail(cause, "kernel requires unknown multiboot features (flags %#x)",
				  unknown);
	if (!elf && (flags & MB_AOUT_KLUDGE))
		return cause_fail(cause, "kernel is not ELF and needs the a.out kludge "
				  "(multiboot flag 16): only ELF kernels are loaded");
	return 0;
}

/* An ELF32 little-endian i386 executable whose program headers lie in
 * the image. */
static int read_ehdr(const uint8_t *image, size_t len, Elf32_Ehdr *eh, char **cause)
{
	if (!is_elf(image, len))
		return cause_fail(cause, "not an ELF image");
	if (len > EI_CLASS && image[EI_CLASS] == ELFCLASS64)
		return cause_fail(cause, "64-bit ELF: multiboot v1 loads ELF32 i386 kernels");
	if (len < sizeof(*eh))
		return cause_fail(cause, "image of %zu bytes is too short for an ELF header", len);
	memcpy(eh, image, sizeof(*eh));
	if (eh->e_ident[EI_CLASS] != ELFCLASS32 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return cause_fail(cause, "not a little-endian ELF32 image");
	if (eh->e_machine != EM_386 || eh->e_type != ET_EXEC)
		return cause_fail(cause, "ELF is not an i386 executable (machine %u, type %u)",
				  eh->e_machine, eh->e_type);
	if (eh->e_phnum == 0 || eh->e_phentsize < sizeof(Elf32_Phdr))
		return cause_fail(cause, "ELF has no usable program headers");
	/* 32-bit offset plus at most 0xffff * 0xffff: no overflow in 64 bits. */
	if ((uint64_t)eh->e_phoff + (uint64_t)eh->e_phnum * eh->e_phentsize > len)
		return cause_fail(cause, "ELF program headers lie past the end of the image");
	return 0;
}

static void read_phdr(const uint8_t *image, const Elf32_Ehdr *eh, unsigned i,
		      Elf32_Phdr *ph)
{
	memcpy(ph, image + eh->e_phoff + (size_t)i * eh->e_phentsize, sizeof(*ph));
}

/* A segment we copy into RAM: PT_LOAD with bytes in memory. */
static bool loadable(const Elf32_Phdr *ph)
{
	return ph->p_type == PT_LOAD && ph->p_memsz > 0;
}

/* Every bound of one segment. The ELF fields are 32-bit, so their sums in
 * 64 bits cannot overflow. */
static int check_segment(const struct guest_mem *m, size_t len, const Elf32_Phdr *ph,
			 unsigned i, uint64_t info_end, char **cause)
{
	uint64_t start = ph->p_paddr, end = start + ph->p_memsz;

	if (ph->p_filesz > ph->p_memsz)
		return cause_fail(cause, "segment %u: file size %#" PRIx32 " exceeds memory size %#" PRIx32,
				  i, ph->p_filesz, ph->p_memsz);
	if ((uint64_t)ph->p_offset + ph->p_filesz > len)
		return cause_fail(cause, "segment %u: file bytes [%#" PRIx32 ", %#" PRIx64
				  ") lie past the end of the %zu-byte image",
				  i, ph->p_offset, (uint64_t)ph->p_offset + ph->p_filesz, len);
	if (guest_mem_ptr(m, start, ph->p_memsz) == NULL)
		return cause_fail(cause, "segment %u: [%#" PRIx64 ", %#" PRIx64
				  ") lies outside the %#" PRIx64 " bytes of guest RAM",
				  i, start, end, m->size);
	if (start < info_end && end > INFO_ADDR)
		return cause_fail(cause, "segment %u: [%#" PRIx64 ", %#" PRIx64
				  ") overlaps the multiboot information at [%#x, %#" PRIx64 ")",
				  i, start, end, INFO_ADDR, info_end);
	return 0;
}

/* The physical entry point: e_entry, translated from virtual to physical
 * when it falls in a segment linked at a different address (a higher-half
 * kernel; GRUB does the same), since the kernel starts with paging off. */
static int find_entry(const uint8_t *image, const Elf32_Ehdr *eh, uint32_t *entry,
		      char **cause)
{
	Elf32_Phdr ph;
	unsigned i;

	for (i = 0; i < eh->e_phnum; i++) {
		read_phdr(image, eh, i, &ph);
		if (loadable(&ph) && eh->e_entry >= ph.p_vaddr &&
		    eh->e_entry - ph.p_vaddr < ph.p_memsz) {
			*entry = ph.p_paddr + (eh->e_entry - ph.p_vaddr);
			return 0;
		}
	}
	return cause_fail(cause, "entry point %#" PRIx32 " lies in no loadable segment",
			  eh->e_entry);
}

/* Check every segment before touching RAM; return where the kernel ends. */
static int check_segments(const struct guest_mem *m, const uint8_t *image, size_t len,
			  const Elf32_Ehdr *eh, uint64_t info_end, uint64_t *image_end,
			  char **cause)
{
	Elf32_Phdr ph;
	uint64_t end = 0;
	unsigned i;

	for (i = 0; i < eh->e_phnum; i++) {
		read_phdr(image, eh, i, &ph);
		if (!loadable(&ph))
			continue;
		if (check_segment(m, len, &ph, i, info_end, cause) < 0)
			return -1;
		if ((uint64_t)ph.p_paddr + ph.p_memsz > end)
			end = (uint64_t)ph.p_paddr + ph.p_memsz;
	}
	if (end == 0)
		return cause_fail(cause, "ELF has no loadable segment");
	*image_end = end;
	return 0;
}

/* Copy p_filesz bytes to p_paddr and zero the rest up to p_memsz (bss). */
static void load_segments(const struct guest_mem *m, const uint8_t *image,
			  const Elf32_Ehdr *eh)
{
	Elf32_Phdr ph;
	uint8_t *dst;
	unsigned i;

	for (i = 0; i < eh->e_phnum; i++) {
		read_phdr(image, eh, i, &ph);
		if (!loadable(&ph))
			continue;
		dst = guest_mem_ptr(m, ph.p_paddr, ph.p_memsz);
		memcpy(dst, image + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
	}
}

/* First byte after the information, map, name and command line. */
static int info_end_for(const struct guest_mem *m, const char *cmdline,
			uint64_t *end, char **cause)
{
	size_t room = LOW_RAM_END - CMDLINE_ADDR;

	if (m->size < HIGH_MEM)
		return cause_fail(cause, "guest RAM of %#" PRIx64 " bytes is below the 1 MiB "
				  "multiboot needs", m->size);
	if (cmdline == NULL) {
		*end = NAME_ADDR + sizeof(loader_name);
		return 0;
	}
	if (strlen(cmdline) >= room)
		return cause_fail(cause, "command line of %zu bytes is too long (at most %zu)",
				  strlen(cmdline), room - 1);
	*end = CMDLINE_ADDR + strlen(cmdline) + 1;
	return 0;
}

static void put_mmap_entry(const struct guest_mem *m, unsigned i, uint64_t base,
			   uint64_t length, uint32_t type)
{
	struct mb_mmap_entry e = {
		.size = sizeof(e) - 4, .base_addr = base, .length = length, .type = type,
	};

	memcpy(guest_mem_ptr(m, MMAP_ADDR + i * sizeof(e), sizeof(e)), &e, sizeof(e));
}

/* The map: conventional memory, the reserved hole up to 1 MiB, then the
 * rest of RAM (if any). Returns its length in bytes. */
static uint32_t write_mmap(const struct guest_mem *m)
{
	unsigned n = 0;

	put_mmap_entry(m, n++, 0, LOW_RAM_END, MMAP_AVAILABLE);
	put_mmap_entry(m, n++, LOW_RAM_END, HIGH_MEM - LOW_RAM_END, MMAP_RESERVED);
	if (m->size > HIGH_MEM)
		put_mmap_entry(m, n++, HIGH_MEM, m->size - HIGH_MEM, MMAP_AVAILABLE);
	return n * sizeof(struct mb_mmap_entry);
}

/* The information block and what it points at, in low memory. */
static void write_info(const struct guest_mem *m, const char *cmdline)
{
	uint64_t upper_kib = (m->size - HIGH_MEM) / 1024;
	struct mb_info info = {
		.flags = MBI_MEMORY | MBI_MMAP | MBI_LOADER_NAME,
		.mem_lower = LOW_RAM_END / 1024,
		.mem_upper = upper_kib > UINT32_MAX ? UINT32_MAX : (uint32_t)upper_kib,
		.mmap_addr = MMAP_ADDR,
		.boot_loader_name = NAME_ADDR,
	};

	info.mmap_length = write_mmap(m);
	memcpy(guest_mem_ptr(m, NAME_ADDR, sizeof(loader_name)), loader_name,
	       sizeof(loader_name));
	if (cmdline != NULL) {
		info.flags |= MBI_CMDLINE;
		info.cmdline = CMDLINE_ADDR;
		memcpy(guest_mem_ptr(m, CMDLINE_ADDR, strlen(cmdline) + 1), cmdline,
		       strlen(cmdline) + 1);
	}
	memcpy(guest_mem_ptr(m, INFO_ADDR, sizeof(info)), &info, sizeof(info));
}

int multiboot_load(const struct guest_mem *m, const uint8_t *image, size_t len,
		   const char *cmdline, struct multiboot_boot *out, char **cause)
{
	Elf32_Ehdr eh;
	/* Set by the checks; cause_fail's -1 is opaque to the compiler. */
	uint64_t info_end = 0, image_end = 0;
	uint32_t flags = 0, entry = 0;

	*cause = NULL;
	if (find_header(image, len, &flags, cause) < 0 ||
	    check_flags(flags, is_elf(image, len), cause) < 0 ||
	    read_ehdr(image, len, &eh, cause) < 0 ||
	    info_end_for(m, cmdline, &info_end, cause) < 0 ||
	    check_segments(m, image, len, &eh, info_end, &image_end, cause) < 0 ||
	    find_entry(image, &eh, &entry, cause) < 0)
		return -1;
	load_segments(m, image, &eh);
	write_info(m, cmdline);
	*out = (struct multiboot_boot){
		.entry = entry, .info = INFO_ADDR, .image_end = image_end,
	};
	return 0;
}

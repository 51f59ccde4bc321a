/* Writes gdb_target_xml(ARCH, "target.xml") to XMLFILE and prints the
 * layout gdb_regs.h promises, one register a line, "NAME REGNO OFFSET
 * SIZE" (OFFSET in bytes into the `g` packet), for tdesc_check.py to hold
 * against what gdb makes of the same document.
 * Usage: kvm_regs_tdesc_dump i386|x86-64 XMLFILE */
#include <stdio.h>
#include <string.h>

#include "backends/kvm/regs/gdb_regs.h"

/* The arch named on the command line, or -1. */
static int parse_arch(const char *name)
{
	if (strcmp(name, "i386") == 0)
		return GDB_ARCH_I386;
	if (strcmp(name, "x86-64") == 0)
		return GDB_ARCH_X86_64;
	return -1;
}

static int write_xml(enum gdb_arch arch, const char *path)
{
	const char *xml = gdb_target_xml(arch, "target.xml");
	FILE *f = fopen(path, "w");
	int ok;

	if (!f) {
		perror(path);
		return -1;
	}
	ok = fputs(xml, f) >= 0;
	if (fclose(f) != 0 || !ok) {
		perror(path);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned regno, offset = 0;
	int arch;

	if (argc != 3 || (arch = parse_arch(argv[1])) < 0) {
		fprintf(stderr, "usage: %s i386|x86-64 XMLFILE\n", argv[0]);
		return 2;
	}
	if (write_xml((enum gdb_arch)arch, argv[2]) < 0)
		return 1;
	for (regno = 0; regno < gdb_reg_count((enum gdb_arch)arch); regno++) {
		unsigned size = gdb_reg_size((enum gdb_arch)arch, regno);

		printf("%s %u %u %u\n", gdb_reg_name((enum gdb_arch)arch, regno),
		       regno, offset, size);
		offset += size;
	}
	printf("pc %u\nsp %u\n", gdb_reg_pc((enum gdb_arch)arch), gdb_reg_sp((enum gdb_arch)arch));
	return 0;
}

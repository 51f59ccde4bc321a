/* Options from the multiboot command line, e.g. `cpus=4` (QEMU -append). */
#ifndef GDBHUB_GUEST_CMDLINE_H
#define GDBHUB_GUEST_CMDLINE_H

#include <stdint.h>

/* The command line in the multiboot information at mbi, or "" if the
 * loader gave none. QEMU's starts with the kernel's file name. */
const char *cmdline_get(uint32_t mbi);

/* The decimal value of the first space-separated word `key=VALUE` of
 * cmdline; absent if there is none. A value that is not all digits (or
 * does not fit) gives bad. */
unsigned cmdline_uint(const char *cmdline, const char *key, unsigned absent,
		      unsigned bad);

#endif

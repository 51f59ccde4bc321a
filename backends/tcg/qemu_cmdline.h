/* The QEMU command line for a tcg target, per architecture. */
#ifndef GDBHUB_QEMU_CMDLINE_H
#define GDBHUB_QEMU_CMDLINE_H

#include <stddef.h>

#include "config/config.h"

struct qemu_cmdline {
	char **argv;  /* NULL-terminated */
	size_t argc;
	size_t cap;
};

/* Build argv for cfg with the gdbstub and QMP on inherited listening
 * sockets gdb_fd and qmp_fd. Returns 0 or -1 with *cause. */
int qemu_cmdline_build(struct qemu_cmdline *cl, const struct cfg_target *cfg, int gdb_fd,
		       int qmp_fd, const char *pidfile, char **cause);

/* Hardware debug slots the architecture has (x86: DR0-3, aarch64 4,
 * riscv64 2), 0 if unknown. QEMU's TCG emulates any number; the daemon
 * offers what the emulated CPU has, so a session behaves the same on every
 * backend. */
unsigned qemu_arch_hw_slots(const char *arch);

/* Free argv. */
void qemu_cmdline_free(struct qemu_cmdline *cl);

#endif

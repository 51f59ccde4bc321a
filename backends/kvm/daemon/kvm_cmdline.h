/* The gdbhub-kvm command line for a kvm target, and which gdbhub-kvm. */
#ifndef GDBHUB_KVM_CMDLINE_H
#define GDBHUB_KVM_CMDLINE_H

#include <limits.h>
#include <stddef.h>

#include "config/config.h"

struct kvm_cmdline {
	char *argv[20];          /* NULL-terminated; strings in here or in cfg */
	char binary[PATH_MAX];
	char gdb[32], memory_mb[16], cpus[16];
};

/* Which gdbhub-kvm to run, into out: env GDBHUB_KVM if set and not empty;
 * else <folder of self_exe>/../backends/kvm/gdbhub-kvm if that is an
 * executable (the daemon runs from its build tree); else "gdbhub-kvm", for
 * exec to find on PATH. self_exe may be NULL (unknown). Returns 0, or -1
 * if env does not fit in out (out is then not a path to run). */
int kvm_cmdline_binary(char *out, size_t size, const char *env, const char *self_exe);

/* Build argv for cfg, gdbhub-kvm serving gdb on the inherited listening
 * socket gdb_fd. The strings of cfg must outlive cl. */
void kvm_cmdline_build(struct kvm_cmdline *cl, const struct cfg_target *cfg, int gdb_fd);

#endif

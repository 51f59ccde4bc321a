/* The QEMU command line for a tcg target. */
#include "proxy/cause.h"
#include "backends/tcg/qemu_cmdline.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What differs between architectures. */
struct arch_quirks {
	const char *arch;
	const char *binary;
	const char *machine;           /* -machine, NULL: the binary's default */
	const char *cpu;               /* -cpu, NULL: the machine's default */
	const char *const *guest_opts; /* how the guest boots and ends QEMU with a status */
	unsigned hw_slots;             /* hardware breakpoint/watchpoint slots */
};

/* x86: a write of v to port 0xf4 ends QEMU with status (v << 1) | 1. */
static const char *const x86_opts[] = {
	"-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", NULL
};

/* aarch64 virt has no exit device: semihosting's SYS_EXIT is the one way
 * a guest ends QEMU with a status of its choosing (PSCI SYSTEM_OFF gives 0).
 * It also lets the guest use the other semihosting calls, host files too. */
static const char *const aarch64_opts[] = {
	"-semihosting-config", "enable=on,target=native", NULL
};

/* riscv64 virt: no firmware, so the kernel's ELF runs from 0x80000000 in
 * M-mode; the machine's sifive_test device at 0x100000 is the exit. */
static const char *const riscv64_opts[] = { "-bios", "none", NULL };

/* hw_slots: QEMU's TCG gdbstub takes any number, so the daemon offers what
 * the emulated CPU's own debug hardware has, a session behaving the same
 * on every backend: x86 DR0-3; Cortex-A57 6 breakpoint and 4 watchpoint
 * registers, in one pool the 4 both fit; QEMU's riscv 2 Sdtrig triggers. */
static const struct arch_quirks arches[] = {
	{ "i386", "qemu-system-i386", NULL, NULL, x86_opts, 4 },
	{ "x86_64", "qemu-system-x86_64", NULL, NULL, x86_opts, 4 },
	{ "aarch64", "qemu-system-aarch64", "virt", "cortex-a57", aarch64_opts, 4 },
	{ "riscv64", "qemu-system-riscv64", "virt", NULL, riscv64_opts, 2 },
};

/* The quirks for an architecture, or NULL. */
static const struct arch_quirks *find_arch(const char *arch)
{
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (strcmp(arches[i].arch, arch) == 0)
			return &arches[i];
	return NULL;
}

/* Append one formatted argument; -1 on out of memory. */
static int add(struct qemu_cmdline *cl, const char *fmt, ...)
{
	va_list ap;
	char *arg;
	int rc;

	if (cl->argc + 2 > cl->cap) {
		size_t cap = cl->cap ? 2 * cl->cap : 32;
		char **p = realloc(cl->argv, cap * sizeof(*p));
		if (p == NULL)
			return -1;
		cl->argv = p;
		cl->cap = cap;
	}
	va_start(ap, fmt);
	rc = vasprintf(&arg, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return -1;
	cl->argv[cl->argc++] = arg;
	cl->argv[cl->argc] = NULL;
	return 0;
}

/* Build argv for cfg. */
int qemu_cmdline_build(struct qemu_cmdline *cl, const struct cfg_target *cfg, int gdb_fd,
		       int qmp_fd, const char *pidfile, char **cause)
{
	const struct arch_quirks *q = find_arch(cfg->arch);
	int rc = 0;

	if (q == NULL)
		return cause_fail(cause, "no QEMU for architecture %s", cfg->arch);
	rc |= add(cl, "%s", q->binary);
	if (q->machine != NULL)
		rc |= add(cl, "-machine") | add(cl, "%s", q->machine);
	if (q->cpu != NULL)
		rc |= add(cl, "-cpu") | add(cl, "%s", q->cpu);
	rc |= add(cl, "-accel") | add(cl, "tcg") | add(cl, "-S");
	rc |= add(cl, "-nodefaults") | add(cl, "-display") | add(cl, "none") | add(cl, "-no-reboot");
	rc |= add(cl, "-m") | add(cl, "%u", cfg->memory_mb);
	rc |= add(cl, "-smp") | add(cl, "%u", cfg->cpus);
	rc |= add(cl, "-kernel") | add(cl, "%s", cfg->kernel);
	if (cfg->cmdline != NULL)
		rc |= add(cl, "-append") | add(cl, "%s", cfg->cmdline);
	rc |= add(cl, "-serial");
	rc |= cfg->serial != NULL ? add(cl, "file:%s", cfg->serial) : add(cl, "null");
	for (const char *const *opt = q->guest_opts; *opt != NULL; opt++)
		rc |= add(cl, "%s", *opt);
	rc |= add(cl, "-chardev") | add(cl, "socket,id=gdbhub-gdb,fd=%d,server=on,wait=off", gdb_fd);
	rc |= add(cl, "-gdb") | add(cl, "chardev:gdbhub-gdb");
	rc |= add(cl, "-chardev") | add(cl, "socket,id=gdbhub-qmp,fd=%d,server=on,wait=off", qmp_fd);
	rc |= add(cl, "-mon") | add(cl, "chardev=gdbhub-qmp,mode=control");
	rc |= add(cl, "-pidfile") | add(cl, "%s", pidfile);
	for (size_t i = 0; i < cfg->n_qemu_args; i++)
		rc |= add(cl, "%s", cfg->qemu_args[i]);
	if (rc != 0) {
		*cause = strdup("out of memory");
		return -1;
	}
	return 0;
}

/* Hardware debug slots the architecture has. */
unsigned qemu_arch_hw_slots(const char *arch)
{
	const struct arch_quirks *q = find_arch(arch);

	return q != NULL ? q->hw_slots : 0;
}

/* Free argv. */
void qemu_cmdline_free(struct qemu_cmdline *cl)
{
	for (size_t i = 0; i < cl->argc; i++)
		free(cl->argv[i]);
	free(cl->argv);
	memset(cl, 0, sizeof(*cl));
}

/* The QEMU command line the daemon builds for a tcg target, per
 * architecture, and the hardware slots it offers for each
 * (backends/tcg/qemu_cmdline.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backends/tcg/qemu_cmdline.h"

/* What every command line has after the architecture's own options. */
#define COMMON(mem, cpus, kernel) \
	"-accel", "tcg", "-S", "-nodefaults", "-display", "none", "-no-reboot", \
	"-m", mem, "-smp", cpus, "-kernel", kernel
#define SOCKETS(gdb_fd, qmp_fd, pidfile) \
	"-chardev", "socket,id=gdbhub-gdb,fd=" gdb_fd ",server=on,wait=off", \
	"-gdb", "chardev:gdbhub-gdb", \
	"-chardev", "socket,id=gdbhub-qmp,fd=" qmp_fd ",server=on,wait=off", \
	"-mon", "chardev=gdbhub-qmp,mode=control", "-pidfile", pidfile

/* argv must be exactly want (NULL-terminated), argc its length. */
static void assert_argv(const struct qemu_cmdline *cl, const char *const *want)
{
	size_t n = 0;

	for (; want[n] != NULL; n++) {
		assert_true(n < cl->argc);
		assert_string_equal(cl->argv[n], want[n]);
	}
	assert_int_equal(cl->argc, n);
	assert_null(cl->argv[n]);
}

/* Build for a target of arch with the defaults and no options. */
static void build_minimal(const char *arch, const char *const *want)
{
	struct cfg_target t = {
		.name = "vm", .backend = CFG_BACKEND_TCG, .arch = (char *)arch,
		.kernel = "/k.elf", .memory_mb = 64, .cpus = 1,
	};
	struct qemu_cmdline cl = { 0 };
	char *cause = NULL;

	assert_int_equal(qemu_cmdline_build(&cl, &t, 5, 6, "/run/vm.pid", &cause), 0);
	assert_null(cause);
	assert_argv(&cl, want);
	qemu_cmdline_free(&cl);
	assert_null(cl.argv);
	assert_int_equal(cl.argc, 0);
}

/* x86: the PC machine QEMU picks, and isa-debug-exit at port 0xf4. */
static void x86(void **state)
{
	static const char *const i386[] = {
		"qemu-system-i386", COMMON("64", "1", "/k.elf"), "-serial", "null",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
		SOCKETS("5", "6", "/run/vm.pid"), NULL,
	};
	static const char *const x86_64[] = {
		"qemu-system-x86_64", COMMON("64", "1", "/k.elf"), "-serial", "null",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
		SOCKETS("5", "6", "/run/vm.pid"), NULL,
	};

	(void)state;
	build_minimal("i386", i386);
	build_minimal("x86_64", x86_64);
}

/* aarch64: virt with a Cortex-A57, semihosting as the exit. */
static void aarch64(void **state)
{
	static const char *const want[] = {
		"qemu-system-aarch64", "-machine", "virt", "-cpu", "cortex-a57",
		COMMON("64", "1", "/k.elf"), "-serial", "null",
		"-semihosting-config", "enable=on,target=native",
		SOCKETS("5", "6", "/run/vm.pid"), NULL,
	};

	(void)state;
	build_minimal("aarch64", want);
}

/* riscv64: virt without firmware; its sifive_test device needs no option. */
static void riscv64(void **state)
{
	static const char *const want[] = {
		"qemu-system-riscv64", "-machine", "virt",
		COMMON("64", "1", "/k.elf"), "-serial", "null", "-bios", "none",
		SOCKETS("5", "6", "/run/vm.pid"), NULL,
	};

	(void)state;
	build_minimal("riscv64", want);
}

/* Every key in place, and qemu_args last, where they may add to or
 * override what came before (a -cpu of the user's wins over ours). */
static void full_target(void **state)
{
	char *extra[] = { "-cpu", "max", "-d", "guest_errors", NULL };
	struct cfg_target t = {
		.name = "arm", .backend = CFG_BACKEND_TCG, .arch = "aarch64",
		.kernel = "/srv/fw.elf", .cmdline = "quiet", .memory_mb = 65536,
		.cpus = 64, .serial = "/var/log/arm.serial", .qemu_args = extra,
		.n_qemu_args = 4,
	};
	static const char *const want[] = {
		"qemu-system-aarch64", "-machine", "virt", "-cpu", "cortex-a57",
		COMMON("65536", "64", "/srv/fw.elf"), "-append", "quiet",
		"-serial", "file:/var/log/arm.serial",
		"-semihosting-config", "enable=on,target=native",
		SOCKETS("11", "12", "/run/arm.pid"), "-cpu", "max", "-d", "guest_errors", NULL,
	};
	struct qemu_cmdline cl = { 0 };
	char *cause = NULL;

	(void)state;
	assert_int_equal(qemu_cmdline_build(&cl, &t, 11, 12, "/run/arm.pid", &cause), 0);
	assert_argv(&cl, want);
	qemu_cmdline_free(&cl);
}

/* An architecture without a QEMU here is refused, naming it. */
static void unknown_arch(void **state)
{
	static const char *const bad[] = { "arm", "riscv32", "x86-64", "AArch64", "" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cfg_target t = {
			.name = "vm", .backend = CFG_BACKEND_TCG, .arch = (char *)bad[i],
			.kernel = "/k", .memory_mb = 64, .cpus = 1,
		};
		struct qemu_cmdline cl = { 0 };
		char *cause = NULL;
		char want[64];

		assert_int_equal(qemu_cmdline_build(&cl, &t, 3, 4, "/p", &cause), -1);
		snprintf(want, sizeof(want), "no QEMU for architecture %s", bad[i]);
		assert_non_null(cause);
		assert_string_equal(cause, want);
		free(cause);
		qemu_cmdline_free(&cl);
	}
}

/* What the emulated CPUs' debug hardware has; 0 (no accounting) if unknown. */
static void hw_slots(void **state)
{
	(void)state;
	assert_int_equal(qemu_arch_hw_slots("i386"), 4);
	assert_int_equal(qemu_arch_hw_slots("x86_64"), 4);
	assert_int_equal(qemu_arch_hw_slots("aarch64"), 4);
	assert_int_equal(qemu_arch_hw_slots("riscv64"), 2);
	assert_int_equal(qemu_arch_hw_slots("arm"), 0);
	assert_int_equal(qemu_arch_hw_slots(""), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(x86),
		cmocka_unit_test(aarch64),
		cmocka_unit_test(riscv64),
		cmocka_unit_test(full_target),
		cmocka_unit_test(unknown_arch),
		cmocka_unit_test(hw_slots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

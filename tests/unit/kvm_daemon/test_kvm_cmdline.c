/* The gdbhub-kvm command line the daemon builds for a kvm target, and
 * which gdbhub-kvm it runs (backends/kvm/daemon/kvm_cmdline.c). */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "backends/kvm/daemon/kvm_cmdline.h"

#define ARGV_CAP (sizeof(((struct kvm_cmdline *)0)->argv) / sizeof(char *))

static size_t argc_of(const struct kvm_cmdline *cl)
{
	size_t n = 0;

	while (n < ARGV_CAP && cl->argv[n] != NULL)
		n++;
	assert_true(n < ARGV_CAP); /* NULL-terminated inside argv[] */
	return n;
}

/* argv must be exactly want (NULL-terminated). */
static void assert_argv(const struct kvm_cmdline *cl, const char *const *want)
{
	size_t n = 0;

	for (; want[n] != NULL; n++) {
		assert_non_null(cl->argv[n]);
		assert_string_equal(cl->argv[n], want[n]);
	}
	assert_null(cl->argv[n]);
	assert_int_equal(argc_of(cl), n);
}

static void full_target(void **state)
{
	struct cfg_target t = {
		.name = "vm1", .backend = CFG_BACKEND_KVM, .arch = "x86_64",
		.kernel = "/srv/k.elf", .cmdline = "console=ttyS0 quiet",
		.memory_mb = 3072, .cpus = 64, .serial = "/var/log/vm1.serial",
		.console = "/run/vm1.in",
	};
	static const char *const want[] = {
		"/opt/gdbhub-kvm", "--kernel", "/srv/k.elf", "--gdb", "fd:9",
		"--arch", "x86_64", "--memory-mb", "3072", "--cpus", "64",
		"--serial", "/var/log/vm1.serial", "--console", "/run/vm1.in",
		"--cmdline", "console=ttyS0 quiet", NULL,
	};
	struct kvm_cmdline cl;

	(void)state;
	memset(&cl, 0xa5, sizeof(cl)); /* nothing may be left from before */
	strcpy(cl.binary, "/opt/gdbhub-kvm");
	kvm_cmdline_build(&cl, &t, 9);
	assert_argv(&cl, want);
	/* argv[0] is the binary chosen; cfg's strings are used, not copied. */
	assert_ptr_equal(cl.argv[0], cl.binary);
	assert_ptr_equal(cl.argv[2], t.kernel);
	assert_ptr_equal(cl.argv[12], t.serial);
	assert_ptr_equal(cl.argv[14], t.console);
	assert_ptr_equal(cl.argv[16], t.cmdline);
}

static void minimal_target(void **state)
{
	struct cfg_target t = {
		.name = "vm", .backend = CFG_BACKEND_KVM, .arch = "i386",
		.kernel = "/k", .memory_mb = 64, .cpus = 1,
	};
	static const char *const want[] = {
		"gdbhub-kvm", "--kernel", "/k", "--gdb", "fd:3", "--arch", "i386",
		"--memory-mb", "64", "--cpus", "1", NULL,
	};
	struct kvm_cmdline cl;

	(void)state;
	memset(&cl, 0xa5, sizeof(cl));
	strcpy(cl.binary, "gdbhub-kvm");
	kvm_cmdline_build(&cl, &t, 3);
	assert_argv(&cl, want);
}

/* Only one of serial and cmdline: the other's option is left out, not
 * passed empty. */
static void serial_or_cmdline_alone(void **state)
{
	struct cfg_target t = {
		.arch = "i386", .kernel = "/k", .memory_mb = 2, .cpus = 1, .serial = "/s",
	};
	static const char *const with_serial[] = {
		"b", "--kernel", "/k", "--gdb", "fd:0", "--arch", "i386",
		"--memory-mb", "2", "--cpus", "1", "--serial", "/s", NULL,
	};
	static const char *const with_cmdline[] = {
		"b", "--kernel", "/k", "--gdb", "fd:0", "--arch", "i386",
		"--memory-mb", "2", "--cpus", "1", "--cmdline", "", NULL,
	};
	struct kvm_cmdline cl;

	(void)state;
	strcpy(cl.binary, "b");
	kvm_cmdline_build(&cl, &t, 0);
	assert_argv(&cl, with_serial);
	t.serial = NULL;
	t.cmdline = ""; /* given but empty: passed as given */
	kvm_cmdline_build(&cl, &t, 0);
	assert_argv(&cl, with_cmdline);
}

/* The numbers at the ends of their types still fit their buffers. */
static void widest_numbers(void **state)
{
	struct cfg_target t = {
		.arch = "i386", .kernel = "/k", .memory_mb = UINT_MAX, .cpus = UINT_MAX,
	};
	struct kvm_cmdline cl;

	(void)state;
	strcpy(cl.binary, "b");
	kvm_cmdline_build(&cl, &t, INT_MAX);
	assert_string_equal(cl.argv[4], "fd:2147483647");
	assert_string_equal(cl.argv[8], "4294967295");
	assert_string_equal(cl.argv[10], "4294967295");
}

/* ---- which gdbhub-kvm */

static char tree[64]; /* a fake build tree: proxy/ and backends/kvm/ */

/* out = tree/rel */
static void in_tree(char *out, size_t size, const char *rel)
{
	int n = snprintf(out, size, "%s/%s", tree, rel);

	assert_true(n > 0 && (size_t)n < size);
}

static void put_file(const char *rel, mode_t mode)
{
	char path[PATH_MAX];
	FILE *f;

	in_tree(path, sizeof(path), rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static int make_tree(void **state)
{
	char dir[128];

	(void)state;
	snprintf(tree, sizeof(tree), "/tmp/test_kvm_cmdline.XXXXXX");
	if (mkdtemp(tree) == NULL)
		return -1;
	snprintf(dir, sizeof(dir), "%s/proxy", tree);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/backends", tree);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/backends/kvm", tree);
	mkdir(dir, 0755);
	put_file("proxy/gdbhub", 0755);
	return 0;
}

static int remove_tree(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree);
	return system(cmd) == 0 ? 0 : -1;
}

static void env_wins(void **state)
{
	char out[PATH_MAX], self[PATH_MAX];

	(void)state;
	put_file("backends/kvm/gdbhub-kvm", 0755);
	in_tree(self, sizeof(self), "proxy/gdbhub");
	assert_int_equal(kvm_cmdline_binary(out, sizeof(out), "/elsewhere/gdbhub-kvm", self), 0);
	assert_string_equal(out, "/elsewhere/gdbhub-kvm");
	/* taken as given: not checked to exist, exec says so if it does not */
	assert_int_equal(kvm_cmdline_binary(out, sizeof(out), "relative/vmm", NULL), 0);
	assert_string_equal(out, "relative/vmm");
}

static void build_tree_beside_the_daemon(void **state)
{
	char out[PATH_MAX], self[PATH_MAX], want[PATH_MAX];

	(void)state;
	put_file("backends/kvm/gdbhub-kvm", 0755);
	in_tree(self, sizeof(self), "proxy/gdbhub");
	in_tree(want, sizeof(want), "proxy/../backends/kvm/gdbhub-kvm");
	/* an empty GDBHUB_KVM is as good as none */
	assert_int_equal(kvm_cmdline_binary(out, sizeof(out), "", self), 0);
	assert_string_equal(out, want);
	assert_int_equal(kvm_cmdline_binary(out, sizeof(out), NULL, self), 0);
	assert_string_equal(out, want);
}

static void path_when_no_build_tree(void **state)
{
	char out[PATH_MAX], self[PATH_MAX];

	(void)state;
	in_tree(self, sizeof(self), "proxy/gdbhub");
	/* there, but not executable */
	put_file("backends/kvm/gdbhub-kvm", 0644);
	assert_int_equal(kvm_cmdline_binary(out, sizeof(out), NULL, self), 0);
	assert_string_equal(out, "gdbhub-kvm");
	/* a daemon installed elsewhere */
	assert_int_equal(kvm_cmdline_binary(out, sizeof(out), NULL, "/usr/bin/gdbhub"), 0);
	assert_string_equal(out, "gdbhub-kvm");
	/* its own path unknown, or without a folder */
	assert_int_equal(kvm_cmdline_binary(out, sizeof(out), NULL, NULL), 0);
	assert_string_equal(out, "gdbhub-kvm");
	assert_int_equal(kvm_cmdline_binary(out, sizeof(out), NULL, "gdbhub"), 0);
	assert_string_equal(out, "gdbhub-kvm");
}

/* A build tree whose path does not fit out is not cut short: PATH it is. */
static void build_tree_too_long_for_out(void **state)
{
	char out[32], self[PATH_MAX];

	(void)state;
	put_file("backends/kvm/gdbhub-kvm", 0755);
	in_tree(self, sizeof(self), "proxy/gdbhub");
	assert_true(strlen(self) + 20 > sizeof(out));
	assert_int_equal(kvm_cmdline_binary(out, sizeof(out), NULL, self), 0);
	assert_string_equal(out, "gdbhub-kvm");
}

/* A GDBHUB_KVM that does not fit is refused, not cut to another path. */
static void env_too_long_refused(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(kvm_cmdline_binary(out, sizeof(out), "/opt/gdbhub/gdbhub-kvm", NULL), -1);
	assert_int_equal(kvm_cmdline_binary(out, sizeof(out), "/opt/0123456789", NULL), 0);
	assert_string_equal(out, "/opt/0123456789");
	assert_int_equal(kvm_cmdline_binary(out, sizeof(out), "/opt/0123456789a", NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_target),
		cmocka_unit_test(minimal_target),
		cmocka_unit_test(serial_or_cmdline_alone),
		cmocka_unit_test(widest_numbers),
		cmocka_unit_test(env_wins),
		cmocka_unit_test(build_tree_beside_the_daemon),
		cmocka_unit_test(path_when_no_build_tree),
		cmocka_unit_test(build_tree_too_long_for_out),
		cmocka_unit_test(env_too_long_refused),
	};

	return cmocka_run_group_tests(tests, make_tree, remove_tree);
}

/* Unit tests of config/: parsing, validation messages, path resolution, freeing.
 *
 * JSON in this file is written with single quotes for readability; json()
 * turns them into double quotes. "@" in an expected message stands for the
 * scratch folder, which holds a kernel "k.elf" and a folder "adir". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json.h>

#include "config/config.h"

/* Stands in for a config so tests can see that failures reset *out to NULL. */
static struct config sentinel;

static char tmpdir[64];

/* A JSON document as the tests write it: single quotes become double quotes. */
static char *json(const char *s)
{
	char *j = strdup(s);

	assert_non_null(j);
	for (char *c = j; *c != '\0'; c++) {
		if (*c == '\'')
			*c = '"';
	}
	return j;
}

/* The expected message with "@" replaced by the scratch folder. */
static char *expand(const char *s)
{
	size_t n = strlen(s) + 1;
	char *out, *o;

	for (const char *c = s; *c != '\0'; c++)
		n += *c == '@' ? strlen(tmpdir) : 0;
	out = o = malloc(n);
	assert_non_null(out);
	for (; *s != '\0'; s++) {
		if (*s == '@')
			o = stpcpy(o, tmpdir);
		else
			*o++ = *s;
	}
	*o = '\0';
	return out;
}

/* A formatted, malloc'd string; fails the test if out of memory. */
static char *strf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	return s;
}

/* Write text to path, creating or truncating it. */
static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* Parse a test document against the scratch folder and expect success. */
static struct config *parse_ok(const char *doc)
{
	struct config *cfg = &sentinel;
	char *j = json(doc), *cause = NULL;

	if (config_parse(j, tmpdir, &cfg, &cause) != 0)
		fail_msg("unexpected error: %s\nfor: %s", cause, j);
	assert_non_null(cfg);
	assert_ptr_not_equal(cfg, &sentinel);
	assert_null(cause);
	free(j);
	return cfg;
}

/* Parse a test document and expect exactly the given error. */
static void parse_err(const char *doc, const char *expected)
{
	struct config *cfg = &sentinel;
	char *j = json(doc), *want = expand(expected), *cause = NULL;

	if (config_parse(j, tmpdir, &cfg, &cause) != -1)
		fail_msg("parsed, expected \"%s\"\nfor: %s", want, j);
	assert_null(cfg);
	if (cause == NULL || strcmp(cause, want) != 0)
		print_message("for: %s\n", j);
	assert_non_null(cause);
	assert_string_equal(cause, want);
	free(cause);
	free(want);
	free(j);
}

struct err_case {
	const char *doc;
	const char *error;
};

/* Run parse_err over a table. */
static void parse_errs(const struct err_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++)
		parse_err(cases[i].doc, cases[i].error);
}

/* A minimal valid tcg target with extra keys appended. */
#define TCG(extra) "{'name': 'demo', 'backend': 'tcg', 'arch': 'i386', 'kernel': 'k.elf'" extra "}"
/* A minimal valid remote target with extra keys appended. */
#define REMOTE(extra) "{'name': 'ext', 'backend': 'remote', 'gdb': '127.0.0.1:1234'" extra "}"
/* A minimal valid kvm target with extra keys appended. */
#define KVM(extra) "{'name': 'fast', 'backend': 'kvm', 'arch': 'i386', 'kernel': 'k.elf'" extra "}"
/* A root object with the given targets. */
#define ROOT(targets) "{'targets': [" targets "]}"

/* Make the scratch folder with a kernel and a subfolder. */
static int setup(void **state)
{
	char path[128];

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s", "/tmp/gdbhub-cfgtest-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/k.elf", tmpdir);
	write_file(path, "\177ELF");
	snprintf(path, sizeof(path), "%s/adir", tmpdir);
	return mkdir(path, 0755);
}

/* Remove the scratch folder and everything the tests left in it. */
static int teardown(void **state)
{
	char path[512];
	struct dirent *e;
	DIR *d;

	(void)state;
	if ((d = opendir(tmpdir)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		if (unlink(path) < 0)
			rmdir(path);
	}
	closedir(d);
	return rmdir(tmpdir);
}

/* Users, access rules, SSH limits and the daemon's files land in the structs. */
static void test_parse_people(void **state)
{
	struct config *cfg;
	char *path;

	(void)state;
	cfg = parse_ok("{'state_dir': 'st', 'audit_log': 'audit.jsonl', 'control': 'ctl.sock',"
		"'users': [{'name': 'alice', 'authorized_keys': 'k.elf', 'groups': ['kernel']},"
		"          {'name': 'bob', 'authorized_keys': 'k.elf'}],"
		"'access': [{'users': ['alice'], 'targets': 'vm*', 'role': 'control'},"
		"           {'groups': ['kernel'], 'users': ['*'], 'targets': '*', 'role': 'none'}],"
		"'ssh': {'max_auth_tries': 3, 'login_grace_time': 5, 'max_startups': 2},"
		"'listen': [{'ssh': '0.0.0.0:2222'}, {'tcp': '0.0.0.0:1', 'allow_unauthenticated': true}],"
		"'targets': [" TCG("") "]}");
	assert_int_equal(cfg->n_users, 2);
	assert_string_equal(cfg->users[0].name, "alice");
	path = strf("%s/k.elf", tmpdir);
	assert_string_equal(cfg->users[0].authorized_keys, path);
	assert_int_equal(cfg->users[0].n_groups, 1);
	assert_string_equal(cfg->users[0].groups[0], "kernel");
	assert_int_equal(cfg->users[1].n_groups, 0);
	assert_ptr_equal(config_find_user(cfg, "bob"), &cfg->users[1]);
	assert_null(config_find_user(cfg, "carol"));
	assert_int_equal(cfg->n_access, 2);
	assert_string_equal(cfg->access[0].targets, "vm*");
	assert_int_equal(cfg->access[0].role, CFG_ROLE_CONTROL);
	assert_int_equal(cfg->access[1].role, CFG_ROLE_NONE);
	assert_string_equal(cfg->access[1].users[0], "*");
	assert_string_equal(cfg->access[1].groups[0], "kernel");
	assert_int_equal(cfg->ssh.max_auth_tries, 3);
	assert_int_equal(cfg->ssh.login_grace_s, 5);
	assert_int_equal(cfg->ssh.max_startups, 2);
	assert_int_equal(cfg->listen[0].kind, CFG_LISTEN_SSH);
	assert_string_equal(cfg->listen[0].host, "0.0.0.0");
	assert_int_equal(cfg->listen[0].port, 2222);
	assert_false(cfg->listen[0].allow_unauthenticated);
	assert_true(cfg->listen[1].allow_unauthenticated);
	free(path);
	path = strf("%s/ctl.sock", tmpdir);
	assert_string_equal(cfg->control, path);
	free(path);
	config_free(cfg);

	cfg = parse_ok(ROOT(TCG("")));
	assert_int_equal(cfg->ssh.max_auth_tries, 6);
	assert_int_equal(cfg->ssh.login_grace_s, 120);
	assert_int_equal(cfg->ssh.max_startups, 10);
	assert_null(cfg->control);
	assert_null(cfg->audit_log);
	assert_null(cfg->state_dir);
	config_free(cfg);
}

#define ALICE "'users': [{'name': 'alice', 'authorized_keys': 'k.elf'}], "

static void test_errors_people(void **state)
{
	static const struct err_case cases[] = {
		{ "{'users': [{'name': 'alice'}], 'targets': [" TCG("") "]}",
		  "users[0].authorized_keys: required" },
		{ "{'users': [{'authorized_keys': 'k.elf'}], 'targets': [" TCG("") "]}",
		  "users[0].name: required" },
		{ "{'users': [{'name': 'al ice', 'authorized_keys': 'k.elf'}], 'targets': [" TCG("") "]}",
		  "users[0].name: must be 1 to 64 characters from A-Z a-z 0-9 _ . -" },
		{ "{'users': [{'name': 'a', 'authorized_keys': 'nokeys'}], 'targets': [" TCG("") "]}",
		  "users[0].authorized_keys: no such file (@/nokeys)" },
		{ "{'users': [{'name': 'a', 'authorized_keys': 'k.elf'}, {'name': 'a', "
		  "'authorized_keys': 'k.elf'}], 'targets': [" TCG("") "]}",
		  "users[1].name: duplicate user name \"a\"" },
		{ "{'users': [{'name': 'a', 'authorized_keys': 'k.elf', 'groups': ['']}], 'targets': ["
		  TCG("") "]}", "users[0].groups[0]: not a valid group name: \"\"" },
		{ "{'users': [{'name': 'a', 'authorized_keys': 'k.elf', 'password': 'x'}], 'targets': ["
		  TCG("") "]}", "users[0].password: unknown key" },
		{ "{" ALICE "'access': [{'users': ['bob'], 'targets': '*', 'role': 'control'}], "
		  "'targets': [" TCG("") "]}", "access[0].users[0]: no user named \"bob\" in \"users\"" },
		{ "{" ALICE "'access': [{'targets': '*', 'role': 'control'}], 'targets': [" TCG("") "]}",
		  "access[0]: names no \"users\" and no \"groups\"" },
		{ "{" ALICE "'access': [{'users': ['alice'], 'role': 'control'}], 'targets': [" TCG("") "]}",
		  "access[0].targets: required: a target name or a glob such as \"vm*\"" },
		{ "{" ALICE "'access': [{'users': ['alice'], 'targets': 'x'}], 'targets': [" TCG("") "]}",
		  "access[0].role: required: \"control\", \"observe\" or \"none\"" },
		{ "{" ALICE "'access': [{'users': ['alice'], 'targets': 'x', 'role': 'admin'}], "
		  "'targets': [" TCG("") "]}",
		  "access[0].role: unknown role \"admin\" (expected control, observe or none)" },
		{ "{'ssh': {'max_auth_tries': 0}, 'targets': [" TCG("") "]}",
		  "ssh.max_auth_tries: must be an integer from 1 to 100" },
		{ "{'ssh': {'grace': 1}, 'targets': [" TCG("") "]}", "ssh.grace: unknown key" },
		{ "{'listen': [{'ssh': '0.0.0.0:22'}], 'targets': [" TCG("") "]}",
		  "listen[0].ssh: an ssh listener needs \"users\" to let in" },
		{ "{" ALICE "'listen': [{'ssh': '0.0.0.0:22', 'role': 'control'}], 'targets': [" TCG("") "]}",
		  "listen[0].role: not allowed on an ssh listener: \"access\" rules give each user a role" },
		{ "{" ALICE "'listen': [{'ssh': ':22'}], 'targets': [" TCG("") "]}",
		  "listen[0].ssh: missing host in \":22\"" },
		{ "{" ALICE "'targets': [" TCG(", 'listen': [{'ssh': 'h:22'}]") "]}",
		  "targets[0].listen[0].ssh: only the root \"listen\" may have an ssh listener "
		  "(users choose the target when they connect)" },
		{ "{" ALICE "'listen': [{'ssh': 'h:22', 'tcp': 'h:23'}], 'targets': [" TCG("") "]}",
		  "listen[0]: expected exactly one of \"tcp\", \"unix\" or \"ssh\"" },
		{ "{" ALICE "'listen': [{'ssh': 'h:22'}, {'tcp': 'h:22'}], 'targets': [" TCG("") "]}",
		  "listen[1].tcp: h:22 is already used by listen[0]" },
		{ "{'listen': [{'unix': 's', 'allow_unauthenticated': true}], 'targets': [" TCG("") "]}",
		  "listen[0].allow_unauthenticated: only for tcp listeners" },
		{ "{'listen': [{'tcp': 'h:1', 'allow_unauthenticated': 1}], 'targets': [" TCG("") "]}",
		  "listen[0].allow_unauthenticated: expected true or false" },
		{ "{'control': '', 'targets': [" TCG("") "]}", "control: must not be empty" },
	};

	(void)state;
	parse_errs(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Every key of both backends lands in the structs, paths made absolute. */
static void test_parse_full(void **state)
{
	struct config *cfg;
	const struct cfg_target *t;
	char *want;

	(void)state;
	cfg = parse_ok("{'comment': 'two targets', 'runtime_dir': '/tmp/gdbhub-run',"
		" 'listen': [{'tcp': '127.0.0.1:1234'}, {'unix': '/tmp/hub.sock'}],"
		" 'targets': ["
		"  {'name': 'demo', 'backend': 'tcg', 'arch': 'i386', 'kernel': 'k.elf',"
		"   'memory_mb': 128, 'cpus': 2, 'cmdline': 'console=ttyS0 quiet',"
		"   'serial': 'demo-serial.log', 'qemu_args': ['-d', 'guest_errors'],"
		"   'listen': [{'tcp': '[::1]:1235'}, {'unix': 'demo.sock', 'comment': 'x'}]},"
		"  {'name': 'ext', 'backend': 'remote', 'gdb': 'unix:/tmp/qemu-gdb.sock',"
		"   'listen': [{'tcp': 'localhost:0'}]}]}");
	assert_null(cfg->path);
	assert_string_equal(cfg->dir, tmpdir);
	assert_string_equal(cfg->runtime_dir, "/tmp/gdbhub-run");
	assert_int_equal(cfg->n_listen, 2);
	assert_int_equal(cfg->listen[0].kind, CFG_LISTEN_TCP);
	assert_string_equal(cfg->listen[0].host, "127.0.0.1");
	assert_int_equal(cfg->listen[0].port, 1234);
	assert_null(cfg->listen[0].path);
	assert_int_equal(cfg->listen[1].kind, CFG_LISTEN_UNIX);
	assert_string_equal(cfg->listen[1].path, "/tmp/hub.sock");
	assert_null(cfg->listen[1].host);
	assert_int_equal(cfg->n_targets, 2);

	t = &cfg->targets[0];
	assert_string_equal(t->name, "demo");
	assert_int_equal(t->backend, CFG_BACKEND_TCG);
	assert_string_equal(t->arch, "i386");
	want = expand("@/k.elf");
	assert_string_equal(t->kernel, want);
	free(want);
	assert_string_equal(t->cmdline, "console=ttyS0 quiet");
	assert_int_equal(t->memory_mb, 128);
	assert_int_equal(t->cpus, 2);
	want = expand("@/demo-serial.log");
	assert_string_equal(t->serial, want);
	free(want);
	assert_int_equal(t->n_qemu_args, 2);
	assert_string_equal(t->qemu_args[0], "-d");
	assert_string_equal(t->qemu_args[1], "guest_errors");
	assert_null(t->qemu_args[2]);
	assert_null(t->gdb);
	assert_int_equal(t->n_listen, 2);
	assert_string_equal(t->listen[0].host, "::1");
	assert_int_equal(t->listen[0].port, 1235);
	want = expand("@/demo.sock");
	assert_string_equal(t->listen[1].path, want);
	free(want);

	t = &cfg->targets[1];
	assert_string_equal(t->name, "ext");
	assert_int_equal(t->backend, CFG_BACKEND_REMOTE);
	assert_string_equal(t->gdb, "unix:/tmp/qemu-gdb.sock");
	assert_null(t->arch);
	assert_null(t->kernel);
	assert_int_equal(t->n_listen, 1);
	assert_string_equal(t->listen[0].host, "localhost");
	assert_int_equal(t->listen[0].port, 0);
	config_free(cfg);
}

/* A kvm target takes tcg's keys but qemu_args; defaults as for tcg. */
static void test_parse_kvm(void **state)
{
	struct config *cfg;
	const struct cfg_target *t;
	char *want;

	(void)state;
	cfg = parse_ok(ROOT(KVM(", 'arch': 'x86_64', 'memory_mb': 256, 'cpus': 2,"
		" 'cmdline': 'console=ttyS0', 'serial': 'fast.log', 'default_role': 'observe',"
		" 'on_last_detach': 'stay', 'listen': [{'unix': 'fast.sock'}]") ","
		" {'name': 'plain', 'backend': 'kvm', 'arch': 'i386', 'kernel': 'k.elf'}"));
	t = &cfg->targets[0];
	assert_string_equal(t->name, "fast");
	assert_int_equal(t->backend, CFG_BACKEND_KVM);
	assert_string_equal(t->arch, "x86_64");
	want = expand("@/k.elf");
	assert_string_equal(t->kernel, want);
	free(want);
	assert_string_equal(t->cmdline, "console=ttyS0");
	assert_int_equal(t->memory_mb, 256);
	assert_int_equal(t->cpus, 2);
	want = expand("@/fast.log");
	assert_string_equal(t->serial, want);
	free(want);
	assert_int_equal(t->default_role, CFG_ROLE_OBSERVE);
	assert_true(t->stay_on_last_detach);
	assert_int_equal(t->n_listen, 1);
	want = expand("@/fast.sock");
	assert_string_equal(t->listen[0].path, want);
	free(want);
	assert_null(t->gdb);
	/* An empty argument list, as for remote, so readers need not check. */
	assert_non_null(t->qemu_args);
	assert_null(t->qemu_args[0]);
	assert_int_equal(t->n_qemu_args, 0);

	/* The second one: only the required keys. */
	t = &cfg->targets[1];
	assert_string_equal(t->name, "plain");
	assert_int_equal(t->backend, CFG_BACKEND_KVM);
	assert_string_equal(t->arch, "i386");
	assert_int_equal(t->memory_mb, 64);
	assert_int_equal(t->cpus, 1);
	assert_null(t->cmdline);
	assert_null(t->serial);
	assert_int_equal(t->default_role, CFG_ROLE_CONTROL);
	assert_false(t->stay_on_last_detach);
	assert_false(config_target_equal(&cfg->targets[0], &cfg->targets[1]));
	config_free(cfg);
}

/* The same settings under tcg and kvm are different targets. */
static void test_kvm_not_equal_tcg(void **state)
{
	struct config *a, *b;

	(void)state;
	a = parse_ok(ROOT(KVM("")));
	b = parse_ok(ROOT("{'name': 'fast', 'backend': 'tcg', 'arch': 'i386', 'kernel': 'k.elf'}"));
	assert_int_equal(b->targets[0].backend, CFG_BACKEND_TCG);
	assert_false(config_target_equal(&a->targets[0], &b->targets[0]));
	config_free(b);
	b = parse_ok(ROOT(KVM("")));
	assert_true(config_target_equal(&a->targets[0], &b->targets[0]));
	config_free(b);
	config_free(a);
}

/* What a kvm target refuses: QEMU's arguments, remote's stub, missing or bad
 * tcg keys, each with its key path and the backend's name. */
static void test_errors_kvm(void **state)
{
	static const struct err_case cases[] = {
		{ ROOT(KVM(", 'qemu_args': ['-d', 'guest_errors']")),
		  "targets[0].qemu_args: not allowed with backend \"kvm\"" },
		{ ROOT(KVM(", 'qemu_args': []")),
		  "targets[0].qemu_args: not allowed with backend \"kvm\"" },
		{ ROOT(TCG("") ", " KVM(", 'qemu_args': []")),
		  "targets[1].qemu_args: not allowed with backend \"kvm\"" },
		{ ROOT(KVM(", 'gdb': 'h:1'")), "targets[0].gdb: not allowed with backend \"kvm\"" },
		{ ROOT(KVM(", 'kvm': true")), "targets[0].kvm: unknown key" },
		{ ROOT("{'name': 'k', 'backend': 'kvm', 'kernel': 'k.elf'}"),
		  "targets[0].arch: required for backend \"kvm\"" },
		{ ROOT("{'name': 'k', 'backend': 'kvm', 'arch': 'i386'}"),
		  "targets[0].kernel: required for backend \"kvm\"" },
		{ ROOT(KVM(", 'arch': 'aarch64'")),
		  "targets[0].arch: \"aarch64\" needs backend \"tcg\" (kvm runs i386 or x86_64)" },
		{ ROOT(KVM(", 'arch': 'riscv64'")),
		  "targets[0].arch: \"riscv64\" needs backend \"tcg\" (kvm runs i386 or x86_64)" },
		{ ROOT(KVM(", 'arch': 'arm'")),
		  "targets[0].arch: unknown arch \"arm\" (expected i386 or x86_64)" },
		{ ROOT(KVM(", 'kernel': 'no.elf'")), "targets[0].kernel: no such file (@/no.elf)" },
		{ ROOT(KVM(", 'kernel': 'adir'")), "targets[0].kernel: not a regular file (@/adir)" },
		{ ROOT(KVM(", 'memory_mb': 0")),
		  "targets[0].memory_mb: must be an integer from 2 to 3072" },
		{ ROOT(KVM(", 'cpus': 65")), "targets[0].cpus: must be an integer from 1 to 64" },
		{ ROOT(KVM(", 'cmdline': 1")), "targets[0].cmdline: expected a string" },
		{ ROOT(KVM(", 'serial': ''")), "targets[0].serial: must not be empty" },
		{ ROOT(KVM(", 'on_last_detach': 'halt'")),
		  "targets[0].on_last_detach: unknown value \"halt\" (expected resume or stay)" },
		{ ROOT("{'name': 'k', 'backend': 'KVM'}"),
		  "targets[0].backend: unknown backend \"KVM\" (expected tcg, remote, kvm or replay)" },
	};

	(void)state;
	parse_errs(cases, sizeof(cases) / sizeof(cases[0]));
}

/* A replay target: the recording folder, stored absolute; nothing of a VM. */
static void test_parse_replay(void **state)
{
	char path[160];
	struct config *cfg;
	struct cfg_target *t;
	char *want;

	(void)state;
	snprintf(path, sizeof(path), "%s/adir/recording.json", tmpdir);
	write_file(path, "{}");
	cfg = parse_ok(ROOT("{'name': 'back', 'backend': 'replay', 'recording': 'adir',"
		" 'listen': [{'unix': 'back.sock'}]}"));
	t = &cfg->targets[0];
	assert_int_equal(t->backend, CFG_BACKEND_REPLAY);
	want = expand("@/adir");
	assert_string_equal(t->recording, want);
	free(want);
	assert_null(t->arch);
	assert_null(t->kernel);
	assert_null(t->gdb);
	assert_non_null(t->qemu_args);
	assert_int_equal(t->n_qemu_args, 0);
	assert_false(t->fork);
	/* gdbhub-replay's own defaults when "checkpoints" is absent. */
	assert_int_equal(t->checkpoints.every, 100000000);
	assert_int_equal(t->checkpoints.fine, 1000000);
	assert_int_equal(t->checkpoints.max, 64);
	config_free(cfg);
	cfg = parse_ok(ROOT("{'name': 'back', 'backend': 'replay', 'recording': 'adir',"
		" 'sharing': 'fork', 'default_role': 'observe', 'listen': [{'unix': 'back.sock'}],"
		" 'checkpoints': {'every': 20000000, 'max': 3}}"));
	assert_true(cfg->targets[0].fork);
	assert_int_equal(cfg->targets[0].checkpoints.every, 20000000);
	assert_int_equal(cfg->targets[0].checkpoints.fine, 1000000);
	assert_int_equal(cfg->targets[0].checkpoints.max, 3);
	/* One client's replay: the same recording and role, no listeners,
	 * sharing "shared" (it forks no further). */
	t = config_target_fork(&cfg->targets[0], "back@c3");
	assert_non_null(t);
	assert_string_equal(t->name, "back@c3");
	assert_int_equal(t->backend, CFG_BACKEND_REPLAY);
	assert_string_equal(t->recording, cfg->targets[0].recording);
	assert_int_equal(t->default_role, CFG_ROLE_OBSERVE);
	assert_int_equal(t->n_listen, 0);
	assert_false(t->fork);
	assert_true(t->forked);
	assert_false(cfg->targets[0].forked);
	assert_non_null(t->qemu_args);
	assert_int_equal(t->checkpoints.every, 20000000);
	assert_int_equal(t->checkpoints.max, 3);
	assert_false(config_target_equal(t, &cfg->targets[0]));
	config_target_free(t);
	config_free(cfg);
	cfg = parse_ok(ROOT("{'name': 'back', 'backend': 'replay', 'recording': 'adir',"
		" 'sharing': 'shared'}"));
	assert_false(cfg->targets[0].fork);
	config_free(cfg);
	unlink(path);
}

/* A tcg target and a replay target of the same name differ. */
static void test_replay_not_equal(void **state)
{
	struct cfg_target a = { .name = "x", .backend = CFG_BACKEND_REPLAY, .recording = "/r1" };
	struct cfg_target b = a;

	(void)state;
	assert_true(config_target_equal(&a, &b));
	b.recording = "/r2";
	assert_false(config_target_equal(&a, &b));
	/* A reload that changes the checkpoint keys restarts the replay. */
	b.recording = a.recording;
	b.checkpoints.max = 5;
	assert_false(config_target_equal(&a, &b));
}

static void test_errors_replay(void **state)
{
	static const struct err_case cases[] = {
		{ ROOT("{'name': 'r', 'backend': 'replay'}"),
		  "targets[0].recording: required for backend \"replay\"" },
		{ ROOT("{'name': 'r', 'backend': 'replay', 'recording': 'nothere'}"),
		  "targets[0].recording: no such file (@/nothere/recording.json)" },
		/* adir holds no recording.json in this test. */
		{ ROOT("{'name': 'r', 'backend': 'replay', 'recording': 'adir'}"),
		  "targets[0].recording: no such file (@/adir/recording.json)" },
		{ ROOT("{'name': 'r', 'backend': 'replay', 'recording': 'adir', 'kernel': 'k.elf'}"),
		  "targets[0].kernel: not allowed with backend \"replay\"" },
		{ ROOT("{'name': 'r', 'backend': 'replay', 'recording': 'adir', 'arch': 'i386'}"),
		  "targets[0].arch: not allowed with backend \"replay\"" },
		{ ROOT("{'name': 'r', 'backend': 'replay', 'recording': 'adir', 'qemu_args': []}"),
		  "targets[0].qemu_args: not allowed with backend \"replay\"" },
		{ ROOT(TCG(", 'recording': 'adir'")),
		  "targets[0].recording: not allowed with backend \"tcg\"" },
		{ ROOT("{'name': 'r', 'backend': 'replay', 'recording': 7}"),
		  "targets[0].recording: expected a string" },
		{ ROOT(TCG(", 'sharing': 'fork'")),
		  "targets[0].sharing: not allowed with backend \"tcg\"" },
		{ ROOT("{'name': 'r', 'backend': 'remote', 'gdb': 'localhost:1234', 'sharing': 'fork'}"),
		  "targets[0].sharing: not allowed with backend \"remote\"" },
		{ ROOT("{'name': 'r', 'backend': 'replay', 'recording': 'adir', 'sharing': 'forks'}"),
		  "targets[0].sharing: unknown value \"forks\" (expected shared or fork)" },
		{ ROOT("{'name': 'r', 'backend': 'replay', 'recording': 'adir', 'sharing': true}"),
		  "targets[0].sharing: expected a string" },
		{ ROOT(TCG(", 'checkpoints': {}")),
		  "targets[0].checkpoints: not allowed with backend \"tcg\"" },
		{ ROOT("{'name': 'r', 'backend': 'replay', 'recording': 'adir', 'checkpoints': 5}"),
		  "targets[0].checkpoints: expected an object" },
		{ ROOT("{'name': 'r', 'backend': 'replay', 'recording': 'adir',"
		       " 'checkpoints': {'every': 1e8}}"),
		  "targets[0].checkpoints.every: must be an integer from 1000 to 4000000000" },
		{ ROOT("{'name': 'r', 'backend': 'replay', 'recording': 'adir',"
		       " 'checkpoints': {'max': 0}}"),
		  "targets[0].checkpoints.max: must be an integer from 1 to 255" },
		{ ROOT("{'name': 'r', 'backend': 'replay', 'recording': 'adir',"
		       " 'checkpoints': {'every': 5000, 'fine': 6000}}"),
		  "targets[0].checkpoints.fine: 6000 is more than every (5000)" },
		{ ROOT("{'name': 'r', 'backend': 'replay', 'recording': 'adir',"
		       " 'checkpoints': {'count': 3}}"),
		  "targets[0].checkpoints.count: unknown key" },
	};

	(void)state;
	parse_errs(cases, sizeof(cases) / sizeof(cases[0]));
}

/* A kvm target added at run time (the control socket) follows the same
 * rules, with key paths from "target". */
static void test_kvm_target_json(void **state)
{
	struct config *cfg;
	struct cfg_target *t = (struct cfg_target *)&sentinel;
	json_object *obj;
	char *j, *cause = NULL;

	(void)state;
	cfg = parse_ok(ROOT(TCG("")));
	j = json(KVM(", 'cpus': 4"));
	obj = json_tokener_parse(j);
	assert_non_null(obj);
	assert_int_equal(config_parse_target_json(cfg, obj, &t, &cause), 0);
	assert_null(cause);
	assert_int_equal(t->backend, CFG_BACKEND_KVM);
	assert_int_equal(t->cpus, 4);
	config_target_free(t);
	json_object_put(obj);
	free(j);

	j = json(KVM(", 'qemu_args': ['-s']"));
	obj = json_tokener_parse(j);
	assert_non_null(obj);
	assert_int_equal(config_parse_target_json(cfg, obj, &t, &cause), -1);
	assert_null(t);
	assert_string_equal(cause, "target.qemu_args: not allowed with backend \"kvm\"");
	free(cause);
	json_object_put(obj);
	free(j);
	config_free(cfg);
}

/* Absent optional keys give the documented defaults. */
static void test_parse_defaults(void **state)
{
	struct config *cfg;
	const struct cfg_target *t;

	(void)state;
	cfg = parse_ok(ROOT(TCG("") ", " REMOTE("")));
	assert_null(cfg->runtime_dir);
	assert_null(cfg->listen);
	assert_int_equal(cfg->n_listen, 0);
	t = &cfg->targets[0];
	assert_int_equal(t->memory_mb, 64);
	assert_int_equal(t->cpus, 1);
	assert_null(t->cmdline);
	assert_null(t->serial);
	assert_non_null(t->qemu_args);
	assert_null(t->qemu_args[0]);
	assert_int_equal(t->n_qemu_args, 0);
	assert_null(t->listen);
	assert_int_equal(t->n_listen, 0);
	assert_int_equal(t->default_role, CFG_ROLE_CONTROL);
	assert_false(t->stay_on_last_detach);
	/* A remote target gets an empty argument list too, so readers need not check. */
	t = &cfg->targets[1];
	assert_string_equal(t->gdb, "127.0.0.1:1234");
	assert_non_null(t->qemu_args);
	assert_null(t->qemu_args[0]);
	assert_int_equal(t->memory_mb, 64);
	assert_int_equal(t->cpus, 1);
	assert_int_equal(t->default_role, CFG_ROLE_CONTROL);
	assert_false(t->stay_on_last_detach);
	config_free(cfg);

	/* A listen entry without a role leaves it to the target. */
	cfg = parse_ok("{'listen': [{'tcp': 'h:1'}, {'unix': 's'}], 'targets': ["
		REMOTE(", 'listen': [{'tcp': 'h:2'}]") "]}");
	assert_int_equal(cfg->listen[0].role, CFG_ROLE_DEFAULT);
	assert_int_equal(cfg->listen[1].role, CFG_ROLE_DEFAULT);
	assert_int_equal(cfg->targets[0].listen[0].role, CFG_ROLE_DEFAULT);
	assert_int_equal(cfg->targets[0].default_role, CFG_ROLE_CONTROL);
	config_free(cfg);

	/* Empty arrays are the same as absent ones. */
	cfg = parse_ok("{'listen': [], 'targets': [" TCG(", 'listen': [], 'qemu_args': []") "]}");
	assert_int_equal(cfg->n_listen, 0);
	assert_int_equal(cfg->targets[0].n_listen, 0);
	assert_int_equal(cfg->targets[0].n_qemu_args, 0);
	config_free(cfg);
}

/* tcg starts every architecture it has a QEMU for; each keeps its name. */
static void test_parse_tcg_arches(void **state)
{
	static const char *const arches[] = { "i386", "x86_64", "aarch64", "riscv64" };
	struct config *cfg;

	(void)state;
	cfg = parse_ok(ROOT(TCG(", 'name': 'a'") ", " TCG(", 'name': 'b', 'arch': 'x86_64'") ", "
		TCG(", 'name': 'c', 'arch': 'aarch64'") ", " TCG(", 'name': 'd', 'arch': 'riscv64'")));
	assert_int_equal(cfg->n_targets, 4);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(cfg->targets[i].arch, arches[i]);
	config_free(cfg);
}

/* Boundary values of the numeric keys are accepted. */
static void test_parse_limits(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = parse_ok(ROOT(TCG(", 'memory_mb': 1, 'cpus': 64, 'arch': 'x86_64'")));
	assert_int_equal(cfg->targets[0].memory_mb, 1);
	assert_int_equal(cfg->targets[0].cpus, 64);
	assert_string_equal(cfg->targets[0].arch, "x86_64");
	config_free(cfg);
	cfg = parse_ok("{'listen': [{'tcp': '0.0.0.0:65535'}], 'targets': ["
		TCG(", 'memory_mb': 65536, 'cpus': 1") "]}");
	assert_int_equal(cfg->targets[0].memory_mb, 65536);
	assert_int_equal(cfg->listen[0].port, 65535);
	config_free(cfg);
	/* Names may use the whole allowed set and be 64 long. */
	cfg = parse_ok(ROOT("{'name': 'A-z_0.9', 'backend': 'remote', 'gdb': 'h:1'},"
		"{'name': 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',"
		" 'backend': 'remote', 'gdb': '[::1]:65535'}"));
	assert_string_equal(cfg->targets[0].name, "A-z_0.9");
	assert_int_equal(strlen(cfg->targets[1].name), 64);
	assert_string_equal(cfg->targets[1].gdb, "[::1]:65535");
	config_free(cfg);
}

/* Listener roles, on the hub's and on a target's own listen entries. */
static void test_parse_listen_roles(void **state)
{
	struct config *cfg;
	const struct cfg_target *t;

	(void)state;
	cfg = parse_ok("{'listen': [{'tcp': 'h:1', 'role': 'observe'}, {'role': 'control', 'unix': 's'},"
		" {'tcp': 'h:2'}], 'targets': ["
		TCG(", 'listen': [{'unix': 't', 'role': 'observe'}, {'tcp': 'h:3', 'role': 'control'}]")
		", " REMOTE(", 'listen': [{'tcp': 'h:4', 'role': 'observe', 'comment': 'ro'}]") "]}");
	assert_int_equal(cfg->n_listen, 3);
	assert_int_equal(cfg->listen[0].role, CFG_ROLE_OBSERVE);
	assert_int_equal(cfg->listen[0].port, 1);
	assert_int_equal(cfg->listen[1].role, CFG_ROLE_CONTROL);
	assert_int_equal(cfg->listen[1].kind, CFG_LISTEN_UNIX);
	assert_int_equal(cfg->listen[2].role, CFG_ROLE_DEFAULT);
	t = &cfg->targets[0];
	assert_int_equal(t->listen[0].role, CFG_ROLE_OBSERVE);
	assert_int_equal(t->listen[0].kind, CFG_LISTEN_UNIX);
	assert_int_equal(t->listen[1].role, CFG_ROLE_CONTROL);
	assert_int_equal(t->listen[1].port, 3);
	/* A listener's role does not change the target's default. */
	assert_int_equal(t->default_role, CFG_ROLE_CONTROL);
	t = &cfg->targets[1];
	assert_int_equal(t->listen[0].role, CFG_ROLE_OBSERVE);
	assert_int_equal(t->default_role, CFG_ROLE_CONTROL);
	config_free(cfg);
}

/* default_role and on_last_detach on both backends, each value. */
static void test_parse_target_policy(void **state)
{
	struct config *cfg;
	const struct cfg_target *t;

	(void)state;
	cfg = parse_ok(ROOT(TCG(", 'default_role': 'observe', 'on_last_detach': 'stay'") ", "
		REMOTE(", 'default_role': 'control', 'on_last_detach': 'resume'")));
	t = &cfg->targets[0];
	assert_int_equal(t->default_role, CFG_ROLE_OBSERVE);
	assert_true(t->stay_on_last_detach);
	t = &cfg->targets[1];
	assert_int_equal(t->default_role, CFG_ROLE_CONTROL);
	assert_false(t->stay_on_last_detach);
	config_free(cfg);

	cfg = parse_ok(ROOT(TCG(", 'on_last_detach': 'resume', 'default_role': 'control'") ", "
		REMOTE(", 'on_last_detach': 'stay', 'default_role': 'observe'")));
	t = &cfg->targets[0];
	assert_int_equal(t->default_role, CFG_ROLE_CONTROL);
	assert_false(t->stay_on_last_detach);
	t = &cfg->targets[1];
	assert_int_equal(t->default_role, CFG_ROLE_OBSERVE);
	assert_true(t->stay_on_last_detach);
	config_free(cfg);

	/* Each key on its own leaves the other at its default. */
	cfg = parse_ok(ROOT(REMOTE(", 'on_last_detach': 'stay'") ", "
		TCG(", 'default_role': 'observe'")));
	assert_int_equal(cfg->targets[0].default_role, CFG_ROLE_CONTROL);
	assert_true(cfg->targets[0].stay_on_last_detach);
	assert_int_equal(cfg->targets[1].default_role, CFG_ROLE_OBSERVE);
	assert_false(cfg->targets[1].stay_on_last_detach);
	config_free(cfg);
}

/* Relative paths join base_dir; absolute ones are kept; ".." is not folded. */
static void test_relative_paths(void **state)
{
	struct config *cfg;
	char *j, *want, *cause = NULL, base[128];

	(void)state;
	cfg = parse_ok("{'runtime_dir': 'run', 'listen': [{'unix': 'hub.sock'}],"
		" 'targets': [" TCG(", 'serial': 'logs/s.log', 'listen': [{'unix': '/abs.sock'}]")
		", {'name': 'r', 'backend': 'remote', 'gdb': 'unix:q.sock'}]}");
	want = expand("@/run");
	assert_string_equal(cfg->runtime_dir, want);
	free(want);
	want = expand("@/hub.sock");
	assert_string_equal(cfg->listen[0].path, want);
	free(want);
	want = expand("@/logs/s.log");
	assert_string_equal(cfg->targets[0].serial, want);
	free(want);
	assert_string_equal(cfg->targets[0].listen[0].path, "/abs.sock");
	want = expand("unix:@/q.sock");
	assert_string_equal(cfg->targets[1].gdb, want);
	free(want);
	config_free(cfg);

	/* A trailing slash on base_dir, and a kernel reached through "..". */
	snprintf(base, sizeof(base), "%s/adir/", tmpdir);
	j = json(ROOT("{'name': 'd', 'backend': 'tcg', 'arch': 'i386', 'kernel': '../k.elf'}"));
	assert_int_equal(config_parse(j, base, &cfg, &cause), 0);
	assert_string_equal(cfg->dir, base);
	want = expand("@/adir/../k.elf");
	assert_string_equal(cfg->targets[0].kernel, want);
	free(want);
	config_free(cfg);
	free(j);
}

/* A relative or absent base_dir is taken from the working folder. */
static void test_parse_base_dir_cwd(void **state)
{
	struct config *cfg;
	char *j, *want, *cause = NULL, *old = getcwd(NULL, 0);

	(void)state;
	assert_non_null(old);
	assert_int_equal(chdir(tmpdir), 0);
	j = json(ROOT(TCG("")));
	assert_int_equal(config_parse(j, NULL, &cfg, &cause), 0);
	assert_string_equal(cfg->dir, tmpdir);
	want = expand("@/k.elf");
	assert_string_equal(cfg->targets[0].kernel, want);
	free(want);
	config_free(cfg);
	free(j);

	j = json(ROOT("{'name': 'd', 'backend': 'tcg', 'arch': 'i386', 'kernel': '../k.elf'}"));
	assert_int_equal(config_parse(j, "adir", &cfg, &cause), 0);
	want = expand("@/adir");
	assert_string_equal(cfg->dir, want);
	free(want);
	config_free(cfg);
	free(j);
	assert_int_equal(chdir(old), 0);
	free(old);
}

/* Write a config file with mkstemp in the scratch folder; returns its path. */
static char *write_config(const char *doc)
{
	char *path = expand("@/cfg-XXXXXX"), *j = json(doc);
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, j, strlen(j)), (ssize_t)strlen(j));
	close(fd);
	free(j);
	return path;
}

/* config_load resolves relative paths against the file's own folder. */
static void test_load(void **state)
{
	struct config *cfg = &sentinel;
	char *path, *want, *cause = NULL, *old = getcwd(NULL, 0), rel[128];

	(void)state;
	assert_non_null(old);
	path = write_config(ROOT(TCG(", 'serial': 'adir/s.log'")));
	assert_int_equal(config_load(path, &cfg, &cause), 0);
	assert_null(cause);
	assert_string_equal(cfg->path, path);
	assert_string_equal(cfg->dir, tmpdir);
	want = expand("@/k.elf");
	assert_string_equal(cfg->targets[0].kernel, want);
	free(want);
	want = expand("@/adir/s.log");
	assert_string_equal(cfg->targets[0].serial, want);
	free(want);
	assert_non_null(config_find_target(cfg, "demo"));
	config_free(cfg);

	/* Loaded by a relative name from elsewhere, the path is still made absolute. */
	assert_int_equal(chdir(tmpdir), 0);
	assert_int_equal(chdir("adir"), 0);
	snprintf(rel, sizeof(rel), "..%s", strrchr(path, '/'));
	assert_int_equal(config_load(rel, &cfg, &cause), 0);
	want = expand("@/adir/..");
	assert_string_equal(cfg->dir, want);
	free(want);
	want = strf("%s/adir/%s", tmpdir, rel);
	assert_string_equal(cfg->path, want);
	free(want);
	want = expand("@/adir/../k.elf");
	assert_string_equal(cfg->targets[0].kernel, want);
	free(want);
	config_free(cfg);
	assert_int_equal(chdir(old), 0);
	free(old);
	unlink(path);
	free(path);
}

/* config_load on a missing file, a folder, and a file with a JSON error. */
static void test_load_errors(void **state)
{
	struct config *cfg = &sentinel;
	char *path, *want, *cause = NULL;

	(void)state;
	path = expand("@/missing.json");
	assert_int_equal(config_load(path, &cfg, &cause), -1);
	assert_null(cfg);
	want = expand("@/missing.json: cannot read: No such file or directory");
	assert_string_equal(cause, want);
	free(want);
	free(cause);
	free(path);

	cfg = &sentinel;
	path = expand("@/adir");
	assert_int_equal(config_load(path, &cfg, &cause), -1);
	assert_null(cfg);
	want = expand("@/adir: cannot read: Is a directory");
	assert_string_equal(cause, want);
	free(want);
	free(cause);
	free(path);

	cfg = &sentinel;
	path = write_config("{\n  'targets': [\n    " TCG("") "\n  ]\n  'listen': []\n}\n");
	assert_int_equal(config_load(path, &cfg, &cause), -1);
	assert_null(cfg);
	want = strf("%s: JSON syntax error at line 5, column 3: object value separator ',' expected",
		path);
	assert_string_equal(cause, want);
	free(want);
	free(cause);
	unlink(path);
	free(path);

	/* A validation error from a file names the key path, not the file. */
	cfg = &sentinel;
	path = write_config(ROOT(TCG(", 'cpus': 0")));
	assert_int_equal(config_load(path, &cfg, &cause), -1);
	assert_null(cfg);
	assert_string_equal(cause, "targets[0].cpus: must be an integer from 1 to 64");
	free(cause);
	unlink(path);
	free(path);

	/* The cause is optional. */
	cfg = &sentinel;
	assert_int_equal(config_load("/nonexistent/gdbhub.json", &cfg, NULL), -1);
	assert_null(cfg);
}

/* Syntax errors carry the line and column where json-c stopped. */
static void test_syntax_errors(void **state)
{
	static const struct err_case cases[] = {
		{ "", "JSON syntax error at line 1, column 1: unexpected end of data" },
		{ "{", "JSON syntax error at line 1, column 2: unexpected end of data" },
		{ "{'targets': [1,]}", "JSON syntax error at line 1, column 16: unexpected character" },
		{ "{}\n\n  x", "JSON syntax error at line 3, column 3: unexpected character" },
		{ "{} {}", "JSON syntax error at line 1, column 4: unexpected character" },
		{ "{\n 'a': [\n }", "JSON syntax error at line 3, column 2: unexpected character" },
		{ "{'a': '\xff'}", "JSON syntax error at line 1, column 8: invalid utf-8 string" },
	};

	(void)state;
	parse_errs(cases, sizeof(cases) / sizeof(cases[0]));
}

/* The root must be an object with known keys of the right types. */
static void test_errors_root(void **state)
{
	static const struct err_case cases[] = {
		{ "[]", "(root): not a JSON object" },
		{ "'x'", "(root): not a JSON object" },
		{ "null", "(root): not a JSON object" },
		{ "5", "(root): not a JSON object" },
		{ "{}", "targets: required" },
		{ "{'targets': []}", "targets: must list at least one target" },
		{ "{'targets': {}}", "targets: expected an array" },
		{ "{'targets': [5]}", "targets[0]: expected an object" },
		{ "{'targets': [" TCG("") ", []]}", "targets[1]: expected an object" },
		{ "{'foo': 1, 'targets': [" TCG("") "]}", "foo: unknown key" },
		{ "{'target': []}", "target: unknown key" },
		{ "{'runtime_dir': 5, 'targets': [" TCG("") "]}", "runtime_dir: expected a string" },
		{ "{'runtime_dir': null, 'targets': [" TCG("") "]}", "runtime_dir: expected a string" },
		{ "{'runtime_dir': '', 'targets': [" TCG("") "]}", "runtime_dir: must not be empty" },
		{ "{'listen': {'tcp': 'h:1'}, 'targets': [" TCG("") "]}", "listen: expected an array" },
	};

	(void)state;
	parse_errs(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Listen entries: shape, TCP addresses, unix paths. */
static void test_errors_listen(void **state)
{
	static const struct err_case cases[] = {
		{ "{'listen': [{}], 'targets': [" TCG("") "]}",
		  "listen[0]: expected exactly one of \"tcp\", \"unix\" or \"ssh\"" },
		{ "{'listen': [{'tcp': 'h:1'}, {'tcp': 'h:2', 'unix': '/s'}], 'targets': [" TCG("") "]}",
		  "listen[1]: expected exactly one of \"tcp\", \"unix\" or \"ssh\"" },
		{ "{'listen': [5], 'targets': [" TCG("") "]}", "listen[0]: expected an object" },
		{ "{'listen': [{'tcp': 'h:1', 'x': 1}], 'targets': [" TCG("") "]}",
		  "listen[0].x: unknown key" },
		{ "{'listen': [{'tcp': 1234}], 'targets': [" TCG("") "]}",
		  "listen[0].tcp: expected a string" },
		{ "{'listen': [{'unix': ['/s']}], 'targets': [" TCG("") "]}",
		  "listen[0].unix: expected a string" },
		{ "{'listen': [{'unix': ''}], 'targets': [" TCG("") "]}",
		  "listen[0].unix: must not be empty" },
		{ "{'listen': [{'tcp': '1234'}], 'targets': [" TCG("") "]}",
		  "listen[0].tcp: expected \"HOST:PORT\", got \"1234\"" },
		{ "{'listen': [{'tcp': '::1:80'}], 'targets': [" TCG("") "]}",
		  "listen[0].tcp: IPv6 address must be in brackets, as \"[::1]:PORT\"" },
		{ "{'listen': [{'tcp': '[::1]'}], 'targets': [" TCG("") "]}",
		  "listen[0].tcp: expected \"[IPV6]:PORT\", got \"[::1]\"" },
		{ "{'listen': [{'tcp': 'h:65536'}], 'targets': [" TCG("") "]}",
		  "listen[0].tcp: port must be an integer from 0 to 65535, got \"65536\"" },
		{ "{'listen': [{'tcp': 'h:'}], 'targets': [" TCG("") "]}",
		  "listen[0].tcp: port must be an integer from 0 to 65535, got \"\"" },
		{ "{'listen': [{'tcp': ':80'}], 'targets': [" TCG("") "]}",
		  "listen[0].tcp: missing host in \":80\"" },
		{ "{'listen': [{'tcp': 'a b:80'}], 'targets': [" TCG("") "]}",
		  "listen[0].tcp: invalid host \"a b\"" },
		{ "{'targets': [" TCG(", 'listen': [{'tcp': 'h:1'}, {'udp': 'h:1'}]") "]}",
		  "targets[0].listen[1].udp: unknown key" },
		{ "{'targets': [" REMOTE(", 'listen': {}") "]}",
		  "targets[0].listen: expected an array" },
	};

	(void)state;
	parse_errs(cases, sizeof(cases) / sizeof(cases[0]));
}

/* A listen entry's role: known names only, a string, on root and target entries. */
static void test_errors_listen_role(void **state)
{
	static const struct err_case cases[] = {
		{ "{'listen': [{'tcp': 'h:1', 'role': 'admin'}], 'targets': [" TCG("") "]}",
		  "listen[0].role: unknown role \"admin\" (expected control or observe)" },
		{ "{'listen': [{'tcp': 'h:1'}, {'unix': 's', 'role': 'Observe'}], 'targets': ["
		  TCG("") "]}",
		  "listen[1].role: unknown role \"Observe\" (expected control or observe)" },
		{ "{'listen': [{'tcp': 'h:1', 'role': ''}], 'targets': [" TCG("") "]}",
		  "listen[0].role: unknown role \"\" (expected control or observe)" },
		{ "{'listen': [{'tcp': 'h:1', 'role': 1}], 'targets': [" TCG("") "]}",
		  "listen[0].role: expected a string" },
		{ "{'listen': [{'tcp': 'h:1', 'role': null}], 'targets': [" TCG("") "]}",
		  "listen[0].role: expected a string" },
		{ "{'listen': [{'tcp': 'h:1', 'role': ['observe']}], 'targets': [" TCG("") "]}",
		  "listen[0].role: expected a string" },
		{ "{'listen': [{'tcp': 'h:1', 'role': 'observe\\u0000'}], 'targets': [" TCG("") "]}",
		  "listen[0].role: must not contain a NUL character" },
		{ "{'listen': [{'role': 'observe'}], 'targets': [" TCG("") "]}",
		  "listen[0]: expected exactly one of \"tcp\", \"unix\" or \"ssh\"" },
		{ ROOT(TCG(", 'listen': [{'tcp': 'h:1', 'role': 'observe'}, {'unix': 'u', 'role': 'admin'}]")),
		  "targets[0].listen[1].role: unknown role \"admin\" (expected control or observe)" },
		{ ROOT(TCG("") ", " REMOTE(", 'listen': [{'tcp': 'h:1', 'role': 'read\\nonly'}]")),
		  "targets[1].listen[0].role: unknown role \"read?only\" (expected control or observe)" },
		{ ROOT(REMOTE(", 'listen': [{'tcp': 'h:1', 'role': false}]")),
		  "targets[0].listen[0].role: expected a string" },
		{ ROOT(REMOTE(", 'listen': [{'tcp': 'h:1', 'roles': 'observe'}]")),
		  "targets[0].listen[0].roles: unknown key" },
	};

	(void)state;
	parse_errs(cases, sizeof(cases) / sizeof(cases[0]));
}

/* A target's default_role and on_last_detach: known names only, strings. */
static void test_errors_target_policy(void **state)
{
	static const struct err_case cases[] = {
		{ ROOT(TCG(", 'default_role': 'admin'")),
		  "targets[0].default_role: unknown role \"admin\" (expected control or observe)" },
		{ ROOT(TCG("") ", " REMOTE(", 'default_role': 'default'")),
		  "targets[1].default_role: unknown role \"default\" (expected control or observe)" },
		{ ROOT(REMOTE(", 'default_role': 2")), "targets[0].default_role: expected a string" },
		{ ROOT(TCG(", 'default_role': null")), "targets[0].default_role: expected a string" },
		{ ROOT(TCG(", 'on_last_detach': 'x'")),
		  "targets[0].on_last_detach: unknown value \"x\" (expected resume or stay)" },
		{ ROOT(TCG("") ", " REMOTE(", 'on_last_detach': 'Stay'")),
		  "targets[1].on_last_detach: unknown value \"Stay\" (expected resume or stay)" },
		{ ROOT(TCG(", 'on_last_detach': true")), "targets[0].on_last_detach: expected a string" },
		{ ROOT(REMOTE(", 'on_last_detach': {}")), "targets[0].on_last_detach: expected a string" },
		{ ROOT(TCG(", 'role': 'observe'")), "targets[0].role: unknown key" },
		{ "{'default_role': 'observe', 'targets': [" TCG("") "]}", "default_role: unknown key" },
		{ "{'on_last_detach': 'stay', 'targets': [" TCG("") "]}", "on_last_detach: unknown key" },
	};

	(void)state;
	parse_errs(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Unix socket paths must fit sun_path: 107 bytes plus the NUL. */
static void test_errors_unix_path_length(void **state)
{
	char doc[512], name[160], expected[512];
	struct config *cfg;
	size_t rel;

	(void)state;
	memset(name, 'a', sizeof(name));
	name[0] = '/';
	name[107] = '\0';
	snprintf(doc, sizeof(doc), "{'listen': [{'unix': '%s'}], 'targets': [" TCG("") "]}", name);
	cfg = parse_ok(doc);
	assert_int_equal(strlen(cfg->listen[0].path), 107);
	config_free(cfg);

	name[107] = 'a';
	name[108] = '\0';
	snprintf(doc, sizeof(doc), "{'listen': [{'unix': '%s'}], 'targets': [" TCG("") "]}", name);
	snprintf(expected, sizeof(expected), "listen[0].unix: path longer than 107 bytes (%s)", name);
	parse_err(doc, expected);

	/* The limit applies once the path is made absolute. */
	rel = 107 - strlen(tmpdir);
	memset(name, 'b', rel);
	name[rel] = '\0';
	snprintf(doc, sizeof(doc), "{'targets': [" REMOTE(", 'listen': [{'unix': '%s'}]") "]}", name);
	snprintf(expected, sizeof(expected),
		"targets[0].listen[0].unix: path longer than 107 bytes (@/%s)", name);
	parse_err(doc, expected);

	snprintf(doc, sizeof(doc), "{'targets': [{'name': 'r', 'backend': 'remote', 'gdb': 'unix:%s'}]}",
		name);
	snprintf(expected, sizeof(expected), "targets[0].gdb: path longer than 107 bytes (@/%s)", name);
	parse_err(doc, expected);
}

/* Two listen entries on one address are refused, naming both. */
static void test_errors_listen_clash(void **state)
{
	static const struct err_case cases[] = {
		{ "{'listen': [{'tcp': '127.0.0.1:1234'}, {'tcp': '127.0.0.1:1234'}], 'targets': ["
		  TCG("") "]}",
		  "listen[1].tcp: 127.0.0.1:1234 is already used by listen[0]" },
		{ "{'listen': [{'unix': 'x.sock'}], 'targets': [" TCG(", 'listen': [{'unix': '@/x.sock'}]")
		  "]}",
		  "targets[0].listen[0].unix: @/x.sock is already used by listen[0]" },
		{ "{'targets': [" TCG(", 'listen': [{'tcp': '[::1]:9'}]") ", "
		  REMOTE(", 'listen': [{'tcp': 'h:9'}, {'tcp': '[::1]:9'}]") "]}",
		  "targets[1].listen[1].tcp: [::1]:9 is already used by targets[0].listen[0]" },
	};
	struct config *cfg;
	char doc[256], *d;

	(void)state;
	/* The "@" in the second case is the scratch folder in the document too. */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		d = expand(cases[i].doc);
		parse_err(d, cases[i].error);
		free(d);
	}
	/* Port 0 asks the kernel for a fresh port each time, so it never clashes. */
	snprintf(doc, sizeof(doc), "{'listen': [{'tcp': 'h:0'}, {'tcp': 'h:0'}], 'targets': [%s]}",
		TCG(""));
	cfg = parse_ok(doc);
	config_free(cfg);
}

/* Unknown keys and keys of the other backend. */
static void test_errors_target_keys(void **state)
{
	static const struct err_case cases[] = {
		{ ROOT(TCG(", 'foo': 1")), "targets[0].foo: unknown key" },
		{ ROOT("{'foo': 1}"), "targets[0].foo: unknown key" },
		{ ROOT(TCG(", 'memory': 64")), "targets[0].memory: unknown key" },
		{ ROOT(TCG(", 'gdb': 'h:1'")), "targets[0].gdb: not allowed with backend \"tcg\"" },
		{ ROOT(REMOTE(", 'kernel': 'k.elf'")),
		  "targets[0].kernel: not allowed with backend \"remote\"" },
		{ ROOT(REMOTE(", 'memory_mb': 64")),
		  "targets[0].memory_mb: not allowed with backend \"remote\"" },
	};

	(void)state;
	parse_errs(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Target names: presence, type, characters, length, uniqueness. */
static void test_errors_name(void **state)
{
	static const struct err_case cases[] = {
		{ ROOT("{'backend': 'tcg'}"), "targets[0].name: required" },
		{ ROOT("{'name': 5}"), "targets[0].name: expected a string" },
		{ ROOT("{'name': ''}"),
		  "targets[0].name: must be 1 to 64 characters from A-Z a-z 0-9 _ . -" },
		{ ROOT("{'name': 'a b'}"),
		  "targets[0].name: must be 1 to 64 characters from A-Z a-z 0-9 _ . -" },
		{ ROOT("{'name': 'a/b'}"),
		  "targets[0].name: must be 1 to 64 characters from A-Z a-z 0-9 _ . -" },
		{ ROOT("{'name': 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'}"),
		  "targets[0].name: must be 1 to 64 characters from A-Z a-z 0-9 _ . -" },
		{ ROOT("{'name': '..'}"), "targets[0].name: \".\" and \"..\" are reserved" },
		{ ROOT("{'name': 'a\\u0000b'}"), "targets[0].name: must not contain a NUL character" },
		{ ROOT(REMOTE("") ", " TCG("") ", " TCG("")),
		  "targets[2].name: duplicate target name \"demo\"" },
	};

	(void)state;
	parse_errs(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Backend and arch come from tables; messages list the choices. */
static void test_errors_backend_arch(void **state)
{
	static const struct err_case cases[] = {
		{ ROOT("{'name': 'd'}"), "targets[0].backend: required" },
		{ ROOT("{'name': 'd', 'backend': 'kvmx'}"),
		  "targets[0].backend: unknown backend \"kvmx\" (expected tcg, remote, kvm or replay)" },
		{ ROOT("{'name': 'd', 'backend': true}"), "targets[0].backend: expected a string" },
		{ ROOT("{'name': 'd', 'backend': 'tcg', 'kernel': 'k.elf'}"),
		  "targets[0].arch: required for backend \"tcg\"" },
		{ ROOT("{'name': 'd', 'backend': 'tcg', 'arch': 'arm', 'kernel': 'k.elf'}"),
		  "targets[0].arch: unknown arch \"arm\" (expected i386, x86_64, aarch64 or riscv64)" },
		{ ROOT("{'name': 'd', 'backend': 'tcg', 'arch': 'AArch64', 'kernel': 'k.elf'}"),
		  "targets[0].arch: unknown arch \"AArch64\" "
		  "(expected i386, x86_64, aarch64 or riscv64)" },
		{ ROOT("{'name': 'd', 'backend': 'tcg', 'arch': 386, 'kernel': 'k.elf'}"),
		  "targets[0].arch: expected a string" },
	};

	(void)state;
	parse_errs(cases, sizeof(cases) / sizeof(cases[0]));
}

/* The kernel must be an existing, readable regular file. */
static void test_errors_kernel(void **state)
{
	static const struct err_case cases[] = {
		{ ROOT("{'name': 'd', 'backend': 'tcg', 'arch': 'i386'}"),
		  "targets[0].kernel: required for backend \"tcg\"" },
		{ ROOT(REMOTE("") ", {'name': 'd', 'backend': 'tcg', 'arch': 'i386', 'kernel': 'no.elf'}"),
		  "targets[1].kernel: no such file (@/no.elf)" },
		{ ROOT("{'name': 'd', 'backend': 'tcg', 'arch': 'i386', 'kernel': '/nonexistent/k'}"),
		  "targets[0].kernel: no such file (/nonexistent/k)" },
		{ ROOT("{'name': 'd', 'backend': 'tcg', 'arch': 'i386', 'kernel': 'k.elf/x'}"),
		  "targets[0].kernel: no such file (@/k.elf/x)" },
		{ ROOT("{'name': 'd', 'backend': 'tcg', 'arch': 'i386', 'kernel': 'adir'}"),
		  "targets[0].kernel: not a regular file (@/adir)" },
		{ ROOT("{'name': 'd', 'backend': 'tcg', 'arch': 'i386', 'kernel': ''}"),
		  "targets[0].kernel: must not be empty" },
		{ ROOT("{'name': 'd', 'backend': 'tcg', 'arch': 'i386', 'kernel': {}}"),
		  "targets[0].kernel: expected a string" },
	};
	char path[128];

	(void)state;
	parse_errs(cases, sizeof(cases) / sizeof(cases[0]));
	/* root reads anything, so the permission check only shows for other users. */
	if (geteuid() != 0) {
		snprintf(path, sizeof(path), "%s/secret.elf", tmpdir);
		write_file(path, "x");
		assert_int_equal(chmod(path, 0), 0);
		parse_err(ROOT("{'name': 'd', 'backend': 'tcg', 'arch': 'i386', 'kernel': 'secret.elf'}"),
			"targets[0].kernel: not readable (@/secret.elf)");
		unlink(path);
	}
}

/* memory_mb and cpus: integers in range, nothing else. */
static void test_errors_numbers(void **state)
{
	static const struct err_case cases[] = {
		{ ROOT(TCG(", 'memory_mb': 0")), "targets[0].memory_mb: must be an integer from 1 to 65536" },
		{ ROOT(TCG(", 'memory_mb': 65537")),
		  "targets[0].memory_mb: must be an integer from 1 to 65536" },
		{ ROOT(TCG(", 'memory_mb': -64")),
		  "targets[0].memory_mb: must be an integer from 1 to 65536" },
		{ ROOT(TCG(", 'memory_mb': '64'")),
		  "targets[0].memory_mb: must be an integer from 1 to 65536" },
		{ ROOT(TCG(", 'memory_mb': 64.5")),
		  "targets[0].memory_mb: must be an integer from 1 to 65536" },
		{ ROOT(TCG(", 'memory_mb': 64.0")),
		  "targets[0].memory_mb: must be an integer from 1 to 65536" },
		{ ROOT(TCG(", 'memory_mb': true")),
		  "targets[0].memory_mb: must be an integer from 1 to 65536" },
		{ ROOT(TCG(", 'memory_mb': 18446744073709551680")),
		  "targets[0].memory_mb: must be an integer from 1 to 65536" },
		{ ROOT(TCG(", 'memory_mb': 4294967360")),
		  "targets[0].memory_mb: must be an integer from 1 to 65536" },
		{ ROOT(TCG(", 'cpus': 0")), "targets[0].cpus: must be an integer from 1 to 64" },
		{ ROOT(TCG(", 'cpus': 65")), "targets[0].cpus: must be an integer from 1 to 64" },
		{ ROOT(TCG(", 'cpus': null")), "targets[0].cpus: must be an integer from 1 to 64" },
	};

	(void)state;
	parse_errs(cases, sizeof(cases) / sizeof(cases[0]));
}

/* cmdline, serial and qemu_args: types and the QEMU options gdbhub owns. */
static void test_errors_tcg_strings(void **state)
{
	static const struct err_case cases[] = {
		{ ROOT(TCG(", 'cmdline': 5")), "targets[0].cmdline: expected a string" },
		{ ROOT(TCG(", 'serial': false")), "targets[0].serial: expected a string" },
		{ ROOT(TCG(", 'serial': ''")), "targets[0].serial: must not be empty" },
		{ ROOT(TCG(", 'qemu_args': '-d guest_errors'")), "targets[0].qemu_args: expected an array" },
		{ ROOT(TCG(", 'qemu_args': ['-d', 1]")), "targets[0].qemu_args[1]: expected a string" },
		{ ROOT(TCG(", 'qemu_args': ['-d', 'guest_errors', '-gdb', 'tcp::1']")),
		  "targets[0].qemu_args[2]: \"-gdb\" is set by gdbhub" },
		{ ROOT(TCG(", 'qemu_args': ['--kernel', 'x']")),
		  "targets[0].qemu_args[0]: \"--kernel\" is set by gdbhub; use kernel" },
		{ ROOT(TCG(", 'qemu_args': ['-m', '128']")),
		  "targets[0].qemu_args[0]: \"-m\" is set by gdbhub; use memory_mb" },
		{ ROOT(TCG(", 'qemu_args': ['-s']")), "targets[0].qemu_args[0]: \"-s\" is set by gdbhub" },
	};

	(void)state;
	parse_errs(cases, sizeof(cases) / sizeof(cases[0]));
}

/* The remote backend's gdb address. */
static void test_errors_remote(void **state)
{
	static const struct err_case cases[] = {
		{ ROOT("{'name': 'r', 'backend': 'remote'}"),
		  "targets[0].gdb: required for backend \"remote\"" },
		{ ROOT("{'name': 'r', 'backend': 'remote', 'gdb': 1234}"), "targets[0].gdb: expected a string" },
		{ ROOT("{'name': 'r', 'backend': 'remote', 'gdb': 'bogus'}"),
		  "targets[0].gdb: expected \"unix:PATH\" or \"HOST:PORT\", got \"bogus\"" },
		{ ROOT("{'name': 'r', 'backend': 'remote', 'gdb': 'unix:'}"),
		  "targets[0].gdb: missing path after \"unix:\"" },
		{ ROOT("{'name': 'r', 'backend': 'remote', 'gdb': 'h:0'}"),
		  "targets[0].gdb: port must be from 1 to 65535" },
		{ ROOT("{'name': 'r', 'backend': 'remote', 'gdb': 'h:x'}"),
		  "targets[0].gdb: port must be an integer from 0 to 65535, got \"x\"" },
		{ ROOT("{'name': 'r', 'backend': 'remote', 'gdb': 'tcp:h:1'}"),
		  "targets[0].gdb: IPv6 address must be in brackets, as \"[tcp:h]:PORT\"" },
	};

	(void)state;
	parse_errs(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Values quoted in messages cannot break the one-line rule. */
static void test_errors_one_line(void **state)
{
	static const struct err_case cases[] = {
		{ ROOT("{'name': 'd', 'backend': 'kv\\nm\\u001b'}"),
		  "targets[0].backend: unknown backend \"kv?m?\" (expected tcg, remote, kvm or replay)" },
		{ ROOT(TCG(", 'a\\nb': 1")), "targets[0].a?b: unknown key" },
	};

	(void)state;
	parse_errs(cases, sizeof(cases) / sizeof(cases[0]));
}

/* On failure *out is NULL, *cause optional, and a late error frees a nearly complete config. */
static void test_error_contract(void **state)
{
	struct config *cfg = &sentinel;
	char *j;

	(void)state;
	/* The clash check runs last, after every target is built. */
	j = json("{'runtime_dir': 'r', 'listen': [{'tcp': 'h:1'}], 'targets': ["
		TCG(", 'cmdline': 'c', 'serial': 's', 'qemu_args': ['-d', 'x'], 'listen': [{'unix': 'u'}]")
		", " REMOTE(", 'listen': [{'tcp': 'h:1'}]") "]}");
	assert_int_equal(config_parse(j, tmpdir, &cfg, NULL), -1);
	assert_null(cfg);
	free(j);
	cfg = &sentinel;
	assert_int_equal(config_parse(NULL, tmpdir, &cfg, NULL), -1);
	assert_null(cfg);
}

/* config_parse_host_port on good addresses. */
static void test_host_port(void **state)
{
	static const struct {
		const char *in, *host;
		uint16_t port;
	} cases[] = {
		{ "127.0.0.1:1234", "127.0.0.1", 1234 },
		{ "localhost:0", "localhost", 0 },
		{ "[::1]:65535", "::1", 65535 },
		{ "[fe80::1%eth0]:22", "fe80::1%eth0", 22 },
		{ "host-name.example_1:080", "host-name.example_1", 80 },
	};
	char *host, *cause;
	uint16_t port;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cause = (char *)"junk";
		assert_int_equal(config_parse_host_port(cases[i].in, &host, &port, &cause), 0);
		assert_null(cause);
		assert_string_equal(host, cases[i].host);
		assert_int_equal(port, cases[i].port);
		free(host);
	}
}

/* config_parse_host_port failures: messages, outputs cleared, cause optional. */
static void test_host_port_errors(void **state)
{
	static const struct {
		const char *in, *error;
	} cases[] = {
		{ "1234", "expected \"HOST:PORT\", got \"1234\"" },
		{ "", "expected \"HOST:PORT\", got \"\"" },
		{ "::1:80", "IPv6 address must be in brackets, as \"[::1]:PORT\"" },
		{ "[::1]80", "expected \"[IPV6]:PORT\", got \"[::1]80\"" },
		{ "[::1:80", "expected \"[IPV6]:PORT\", got \"[::1:80\"" },
		{ "[]:80", "missing host in \"[]:80\"" },
		{ "h:+80", "port must be an integer from 0 to 65535, got \"+80\"" },
		{ "h: 80", "port must be an integer from 0 to 65535, got \" 80\"" },
		{ "h:99999999999999999999",
		  "port must be an integer from 0 to 65535, got \"99999999999999999999\"" },
		{ "h\tx:1", "invalid host \"h?x\"" },
	};
	char *host, *cause;
	uint16_t port;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		host = (char *)"junk";
		port = 7;
		assert_int_equal(config_parse_host_port(cases[i].in, &host, &port, &cause), -1);
		assert_null(host);
		assert_int_equal(port, 0);
		assert_non_null(cause);
		assert_string_equal(cause, cases[i].error);
		free(cause);
	}
	assert_int_equal(config_parse_host_port("nope", &host, &port, NULL), -1);
	assert_null(host);
}

/* config_find_target finds by exact name and tolerates NULL. */
static void test_find_target(void **state)
{
	struct config *cfg;
	const struct cfg_target *t;

	(void)state;
	cfg = parse_ok(ROOT(TCG("") ", " REMOTE("")));
	t = config_find_target(cfg, "ext");
	assert_ptr_equal(t, &cfg->targets[1]);
	assert_int_equal(t->backend, CFG_BACKEND_REMOTE);
	assert_ptr_equal(config_find_target(cfg, "demo"), &cfg->targets[0]);
	assert_null(config_find_target(cfg, "Demo"));
	assert_null(config_find_target(cfg, "dem"));
	assert_null(config_find_target(cfg, ""));
	assert_null(config_find_target(cfg, NULL));
	assert_null(config_find_target(NULL, "demo"));
	config_free(cfg);
}

/* config_free accepts NULL. */
static void test_free_null(void **state)
{
	(void)state;
	config_free(NULL);
}

/* A shipped demo config (demo.json, demo-kvm.json) is valid and has
 * backend; only its kernel may not be built yet. */
static void check_example_demo(const char *path, enum cfg_backend_kind backend)
{
	const struct cfg_target *t;
	struct config *cfg;
	char *cause = NULL, kernel[512];
	int r;

	snprintf(kernel, sizeof(kernel), "%s/../../build/tests/guests/demo.elf", CONFIG_EXAMPLES_DIR);
	r = config_load(path, &cfg, &cause);
	if (access(kernel, R_OK) != 0) {
		char want[600];

		snprintf(want, sizeof(want), "targets[0].kernel: no such file (%s)", kernel);
		assert_int_equal(r, -1);
		assert_string_equal(cause, want);
		free(cause);
		return;
	}
	assert_int_equal(r, 0);
	assert_int_equal(cfg->n_listen, 1);
	assert_string_equal(cfg->listen[0].host, "127.0.0.1");
	assert_int_equal(cfg->listen[0].port, 1234);
	t = config_find_target(cfg, "demo");
	assert_non_null(t);
	assert_int_equal(t->backend, backend);
	assert_string_equal(t->arch, "i386");
	assert_string_equal(t->kernel, kernel);
	assert_int_equal(t->memory_mb, 64);
	assert_int_equal(t->cpus, 1);
	assert_int_equal(t->n_listen, 2);
	assert_int_equal(t->listen[0].port, 1235);
	assert_string_equal(t->listen[1].path, "/tmp/gdbhub-demo.sock");
	config_free(cfg);
}

/* demo.sh's two configs: the same demo on QEMU TCG and on KVM. */
static void test_example_demo(void **state)
{
	(void)state;
	check_example_demo(CONFIG_EXAMPLES_DIR "/demo.json", CFG_BACKEND_TCG);
	check_example_demo(CONFIG_EXAMPLES_DIR "/demo-kvm.json", CFG_BACKEND_KVM);
}

/* One example per tcg architecture: its demo guest, from the build tree when
 * built, else refused by name as demo.json is. */
static void check_example_arch(const char *arch, const char *guest)
{
	struct config *cfg = NULL;
	const struct cfg_target *t;
	char *cause = NULL, path[512], kernel[512], name[32];
	int r;

	snprintf(path, sizeof(path), "%s/tcg-%s.json", CONFIG_EXAMPLES_DIR, arch);
	snprintf(kernel, sizeof(kernel), "%s/../../build/tests/guests/%s", CONFIG_EXAMPLES_DIR,
		guest);
	r = config_load(path, &cfg, &cause);
	if (access(kernel, R_OK) != 0) {
		char want[600];

		snprintf(want, sizeof(want), "targets[0].kernel: no such file (%s)", kernel);
		assert_int_equal(r, -1);
		assert_string_equal(cause, want);
		free(cause);
		return;
	}
	assert_int_equal(r, 0);
	snprintf(name, sizeof(name), "demo-%s", arch);
	assert_int_equal(cfg->n_targets, 1);
	t = config_find_target(cfg, name);
	assert_non_null(t);
	assert_int_equal(t->backend, CFG_BACKEND_TCG);
	assert_string_equal(t->arch, arch);
	assert_string_equal(t->kernel, kernel);
	config_free(cfg);
}

static void test_example_arches(void **state)
{
	(void)state;
	check_example_arch("x86_64", "x86_64/demo.elf");
	check_example_arch("aarch64", "aarch64/demo.elf");
	check_example_arch("riscv64", "riscv64/demo.elf");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_full),
		cmocka_unit_test(test_parse_defaults),
		cmocka_unit_test(test_parse_kvm),
		cmocka_unit_test(test_kvm_not_equal_tcg),
		cmocka_unit_test(test_errors_kvm),
		cmocka_unit_test(test_parse_replay),
		cmocka_unit_test(test_replay_not_equal),
		cmocka_unit_test(test_errors_replay),
		cmocka_unit_test(test_kvm_target_json),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_parse_listen_roles),
		cmocka_unit_test(test_parse_target_policy),
		cmocka_unit_test(test_relative_paths),
		cmocka_unit_test(test_parse_base_dir_cwd),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_errors_root),
		cmocka_unit_test(test_errors_listen),
		cmocka_unit_test(test_errors_listen_role),
		cmocka_unit_test(test_errors_target_policy),
		cmocka_unit_test(test_errors_unix_path_length),
		cmocka_unit_test(test_errors_listen_clash),
		cmocka_unit_test(test_errors_target_keys),
		cmocka_unit_test(test_errors_name),
		cmocka_unit_test(test_errors_backend_arch),
		cmocka_unit_test(test_parse_tcg_arches),
		cmocka_unit_test(test_example_arches),
		cmocka_unit_test(test_errors_kernel),
		cmocka_unit_test(test_errors_numbers),
		cmocka_unit_test(test_errors_tcg_strings),
		cmocka_unit_test(test_errors_remote),
		cmocka_unit_test(test_errors_one_line),
		cmocka_unit_test(test_error_contract),
		cmocka_unit_test(test_host_port),
		cmocka_unit_test(test_host_port_errors),
		cmocka_unit_test(test_find_target),
		cmocka_unit_test(test_free_null),
		cmocka_unit_test(test_example_demo),
		cmocka_unit_test(test_parse_people),
		cmocka_unit_test(test_errors_people),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

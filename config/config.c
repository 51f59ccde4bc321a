/* The daemon's JSON config: parsed with json-c, validated, copied into the
 * typed structs of config.h. The full reference with examples is KEYS.md.
 *
 * Root object:
 *   runtime_dir  string, optional. Folder for the daemon's sockets and state;
 *                absent: the daemon picks one.
 *   listen       array of listen entries, optional, may be empty. Hub
 *                endpoints, each serving every target.
 *   targets      array of targets, required, at least one.
 *   comment      any value, optional, ignored (allowed in every object).
 *
 * Listen entry, exactly one of:
 *   tcp          "HOST:PORT", IPv6 as "[::1]:PORT". Port 0..65535, 0 lets the
 *                kernel pick.
 *   unix         socket path, at most 107 bytes once made absolute.
 * and optionally:
 *   role         "control" or "observe": what this listener's clients may do;
 *                absent: the target's default_role.
 *
 * Target:
 *   name         required. 1..64 of A-Z a-z 0-9 _ . - , unique, not "." or "..".
 *   backend      required. "tcg" (QEMU spawned by the daemon), "kvm"
 *                (gdbhub-kvm spawned by the daemon) or "remote" (a stub
 *                already running).
 *   listen       array of listen entries, optional. Endpoints serving this
 *                target only.
 *   default_role optional. "control" (default) or "observe": the role of
 *                clients whose listener sets none.
 *   on_last_detach
 *                optional. "resume" (default) or "stay": whether a stopped VM
 *                runs on once its last controller leaves.
 *   arch         tcg, kvm, required. tcg: "i386", "x86_64", "aarch64" or
 *                "riscv64"; kvm: "i386" or "x86_64".
 *   kernel       tcg, kvm, required. Path of an existing, readable regular file.
 *   cmdline      tcg, kvm, optional. Kernel command line.
 *   memory_mb    tcg, kvm, optional. Integer 1..65536 (kvm: 2..3072), default 64.
 *   cpus         tcg, kvm, optional. Integer 1..64, default 1.
 *   serial       tcg, kvm, optional. Path of the COM1 log; absent: discarded.
 *   qemu_args    tcg only, optional. Array of strings appended to QEMU's command
 *                line; the options gdbhub sets itself (-kernel, -append, -m,
 *                -smp, -gdb, -s) are refused.
 *   gdb          remote, required. "unix:PATH" or "HOST:PORT" (port 1..65535).
 *   recording    replay, required. Folder written by `gdbhub record`; its
 *                recording.json must be readable now.
 *   sharing      replay, optional. "shared" (default): every client drives one
 *                replay; "fork": each client that attaches gets its own.
 *   checkpoints  replay, optional. Object {every, fine, max}: how often
 *                gdbhub-replay takes checkpoints and how many it keeps.
 *
 * Keys of another backend are errors, as are unknown keys, so typos surface.
 * Relative paths (runtime_dir, kernel, serial, unix listen paths, gdb's
 * unix:PATH) are joined to the config file's folder and stored absolute. */
#include "config/config.h"
#include "config/parse.h"

#include <errno.h>
#include <json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Configs are small; a cap catches a path pointing at a kernel image. */
#define CONFIG_MAX_BYTES (1024 * 1024)
#define DEFAULT_MEMORY_MB 64
#define DEFAULT_CPUS 1

static const struct key_rule root_keys[] = {
	{ "comment", FOR_ALL },
	{ "runtime_dir", FOR_ALL },
	{ "state_dir", FOR_ALL },
	{ "audit_log", FOR_ALL },
	{ "control", FOR_ALL },
	{ "users", FOR_ALL },
	{ "access", FOR_ALL },
	{ "ssh", FOR_ALL },
	{ "listen", FOR_ALL },
	{ "targets", FOR_ALL },
};

static const struct key_rule listen_keys[] = {
	{ "comment", FOR_ALL },
	{ "tcp", FOR_ALL },
	{ "unix", FOR_ALL },
	{ "ssh", FOR_ALL },
	{ "role", FOR_ALL },
	{ "allow_unauthenticated", FOR_ALL },
};

static const struct key_rule target_keys[] = {
	{ "comment", FOR_ALL },
	{ "name", FOR_ALL },
	{ "backend", FOR_ALL },
	{ "listen", FOR_ALL },
	{ "default_role", FOR_ALL },
	{ "on_last_detach", FOR_ALL },
	{ "arch", FOR_VM },
	{ "kernel", FOR_VM },
	{ "cmdline", FOR_VM },
	{ "memory_mb", FOR_VM },
	{ "cpus", FOR_VM },
	{ "serial", FOR_VM },
	{ "console", FOR_KVM },
	{ "qemu_args", FOR_TCG },
	{ "gdb", FOR_REMOTE },
	{ "recording", FOR_REPLAY },
	{ "sharing", FOR_REPLAY },
	{ "checkpoints", FOR_REPLAY },
};

static const struct key_rule checkpoint_keys[] = {
	{ "comment", FOR_ALL },
	{ "every", FOR_ALL },
	{ "fine", FOR_ALL },
	{ "max", FOR_ALL },
};

static const char *const backend_names[] = {
	[CFG_BACKEND_TCG] = "tcg",
	[CFG_BACKEND_REMOTE] = "remote",
	[CFG_BACKEND_KVM] = "kvm",
	[CFG_BACKEND_REPLAY] = "replay",
};

/* sharing values; the index is fork. */
static const char *const sharing_names[] = { "shared", "fork" };

/* on_last_detach values; the index is stay_on_last_detach. */
static const char *const detach_names[] = { "resume", "stay" };

/* Guest RAM in MiB each VM backend accepts. gdbhub-kvm refuses a
 * --memory-mb outside 2..3072 (backends/kvm/main.c): checked here, a
 * config that loads does not fail later, when its target starts. */
static const struct mb_range {
	unsigned min, max;
} memory_mb_range[] = {
	[CFG_BACKEND_TCG] = { 1, 65536 },
	[CFG_BACKEND_KVM] = { 2, 3072 },
};

/* Architectures the tcg backend knows how to start a guest of (the QEMU
 * for each: backends/tcg/qemu_cmdline.c); kvm runs x86 guests only, the
 * host's own architecture. */
static const char *const vm_arches[] = { "i386", "x86_64", "aarch64", "riscv64" };
static const char *const kvm_arches[] = { "i386", "x86_64" };

/* QEMU options gdbhub passes itself; a second copy in qemu_args would fight
 * them. "use" names the key that sets the option, NULL if none does. */
static const struct {
	const char *opt;
	const char *use;
} owned_qemu_opts[] = {
	{ "-kernel", "kernel" },
	{ "-append", "cmdline" },
	{ "-m", "memory_mb" },
	{ "-smp", "cpus" },
	{ "-gdb", NULL },
	{ "-s", NULL },
};


/* bind() and connect() would fail later on a path sun_path cannot hold. */
static int check_unix_path(struct parser *p, const char *where, const char *key, const char *path)
{
	if (strlen(path) > UNIX_PATH_MAX_LEN)
		return cfg_fail(p, where, key, "path longer than %zu bytes (%s)", UNIX_PATH_MAX_LEN, path);
	return 0;
}

/* Fill a TCP or SSH listen entry from "HOST:PORT" under key. */
static int parse_listen_host_port(struct parser *p, json_object *v, const char *where,
	const char *key, struct cfg_listen *l)
{
	const char *s;
	char *cause;

	if (cfg_string_value(p, v, where, key, &s) < 0)
		return -1;
	if (config_parse_host_port(s, &l->host, &l->port, &cause) < 0) {
		if (cause == NULL)
			return cfg_oom(p);
		cfg_fail(p, where, key, "%s", cause);
		free(cause);
		return -1;
	}
	return 0;
}

/* Fill a unix listen entry with its absolute socket path. */
static int parse_listen_unix(struct parser *p, json_object *v, const char *where,
	struct cfg_listen *l)
{
	const char *s;

	if (cfg_string_value(p, v, where, "unix", &s) < 0 ||
	    cfg_resolve_path(p, where, "unix", s, &l->path) < 0)
		return -1;
	return check_unix_path(p, where, "unix", l->path);
}

/* Which of "tcp", "unix", "ssh" obj has; exactly one, else an error. */
static int listen_kind(struct parser *p, json_object *obj, const char *where,
	enum cfg_listen_kind *kind, json_object **v)
{
	static const char *const kinds[] = {
		[CFG_LISTEN_TCP] = "tcp", [CFG_LISTEN_UNIX] = "unix", [CFG_LISTEN_SSH] = "ssh",
	};
	json_object *found;
	int n = 0;

	for (size_t k = 0; k < COUNT(kinds); k++) {
		if (json_object_object_get_ex(obj, kinds[k], &found)) {
			*kind = (enum cfg_listen_kind)k;
			*v = found;
			n++;
		}
	}
	if (n != 1)
		return cfg_fail(p, where, NULL, "expected exactly one of \"tcp\", \"unix\" or \"ssh\"");
	return 0;
}

/* The keys that only some kinds take: SSH logins get their role from the
 * access rules, and only TCP can be reached from another host unauthenticated. */
static int check_listen_options(struct parser *p, json_object *obj, const char *where,
	struct cfg_listen *l, bool at_root)
{
	json_object *v;

	if (l->kind == CFG_LISTEN_SSH && !at_root)
		return cfg_fail(p, where, "ssh", "only the root \"listen\" may have an ssh listener "
			"(users choose the target when they connect)");
	if (l->kind == CFG_LISTEN_SSH && json_object_object_get_ex(obj, "role", &v))
		return cfg_fail(p, where, "role", "not allowed on an ssh listener: \"access\" rules "
			"give each user a role");
	if (l->kind == CFG_LISTEN_SSH && p->cfg->n_users == 0)
		return cfg_fail(p, where, "ssh", "an ssh listener needs \"users\" to let in");
	if (json_object_object_get_ex(obj, "allow_unauthenticated", &v)) {
		if (l->kind != CFG_LISTEN_TCP)
			return cfg_fail(p, where, "allow_unauthenticated", "only for tcp listeners");
		if (!json_object_is_type(v, json_type_boolean))
			return cfg_fail(p, where, "allow_unauthenticated", "expected true or false");
		l->allow_unauthenticated = json_object_get_boolean(v);
	}
	return 0;
}

/* Parse one {"tcp"|"unix"|"ssh": ...} object with its optional keys. */
static int parse_listen_entry(struct parser *p, json_object *obj, const char *where,
	struct cfg_listen *l, bool at_root)
{
	json_object *v = NULL;

	if (!json_object_is_type(obj, json_type_object))
		return cfg_fail(p, where, NULL, "expected an object");
	if (cfg_check_keys(p, obj, where, listen_keys, COUNT(listen_keys), FOR_ALL, NULL) < 0 ||
	    listen_kind(p, obj, where, &l->kind, &v) < 0)
		return -1;
	if (l->kind == CFG_LISTEN_UNIX) {
		if (parse_listen_unix(p, v, where, l) < 0)
			return -1;
	} else if (parse_listen_host_port(p, v, where, l->kind == CFG_LISTEN_SSH ? "ssh" : "tcp",
			   l) < 0) {
		return -1;
	}
	if (check_listen_options(p, obj, where, l, at_root) < 0)
		return -1;
	return cfg_opt_role(p, obj, where, "role", CFG_ROLE_DEFAULT, &l->role);
}

/* Parse the optional "listen" array of obj (the root or a target). */
static int parse_listens(struct parser *p, json_object *obj, const char *where,
	struct cfg_listen **out, size_t *count)
{
	char entry[96];
	json_object *arr;
	size_t n;

	if (cfg_opt_array(p, obj, where, "listen", &arr) < 0)
		return -1;
	if (arr == NULL || (n = json_object_array_length(arr)) == 0)
		return 0;
	if ((*out = calloc(n, sizeof(**out))) == NULL)
		return cfg_oom(p);
	*count = n;
	for (size_t i = 0; i < n; i++) {
		snprintf(entry, sizeof(entry), "%s%slisten[%zu]", where, *where != '\0' ? "." : "", i);
		if (parse_listen_entry(p, json_object_array_get_idx(arr, i), entry, &(*out)[i],
			*where == '\0') < 0)
			return -1;
	}
	return 0;
}

/* Parse the name of t, unique among the config's first n_before targets. */
static int parse_name(struct parser *p, json_object *obj, const char *where,
	struct cfg_target *t, size_t n_before)
{
	struct cfg_target *targets = p->cfg->targets;
	const char *s;

	if (cfg_opt_string(p, obj, where, "name", &s) < 0)
		return -1;
	if (s == NULL)
		return cfg_fail(p, where, "name", "required");
	if (!cfg_valid_name(s))
		return cfg_fail(p, where, "name", "must be 1 to %d characters from A-Z a-z 0-9 _ . -",
			CFG_NAME_MAX_LEN);
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return cfg_fail(p, where, "name", "\".\" and \"..\" are reserved");
	for (size_t j = 0; j < n_before; j++) {
		if (strcmp(targets[j].name, s) == 0)
			return cfg_fail(p, where, "name", "duplicate target name \"%s\"", s);
	}
	return cfg_dup_into(p, &t->name, s);
}

/* Parse the required backend kind. */
static int parse_backend(struct parser *p, json_object *obj, const char *where,
	struct cfg_target *t)
{
	const char *s;
	int i;

	if (cfg_opt_string(p, obj, where, "backend", &s) < 0)
		return -1;
	if (s == NULL)
		return cfg_fail(p, where, "backend", "required");
	if ((i = cfg_find_name(backend_names, COUNT(backend_names), s)) < 0)
		return cfg_fail_choice(p, where, "backend", "backend", s, backend_names,
			COUNT(backend_names));
	t->backend = (enum cfg_backend_kind)i;
	return 0;
}

/* The architectures backend kind starts guests of. */
static const char *const *arches_of(enum cfg_backend_kind kind, size_t *n)
{
	*n = kind == CFG_BACKEND_KVM ? COUNT(kvm_arches) : COUNT(vm_arches);
	return kind == CFG_BACKEND_KVM ? kvm_arches : vm_arches;
}

/* Fail for an arch another backend runs: "\"aarch64\" needs backend tcg
 * (kvm runs i386 or x86_64)". */
static int fail_arch_elsewhere(struct parser *p, const char *where, const char *s,
	const struct cfg_target *t)
{
	size_t n;
	const char *const *names = arches_of(t->backend, &n);
	char *choices = cfg_list_names(names, n);

	if (choices == NULL)
		return cfg_oom(p);
	cfg_fail(p, where, "arch", "\"%s\" needs backend \"tcg\" (%s runs %s)", s,
		backend_names[t->backend], choices);
	free(choices);
	return -1;
}

/* Parse the guest architecture from the table of the target's backend. */
static int parse_arch(struct parser *p, json_object *obj, const char *where, struct cfg_target *t)
{
	const char *s;
	size_t n;
	const char *const *names = arches_of(t->backend, &n);

	if (cfg_opt_string(p, obj, where, "arch", &s) < 0)
		return -1;
	if (s == NULL)
		return cfg_fail(p, where, "arch", "required for backend \"%s\"",
			backend_names[t->backend]);
	if (cfg_find_name(names, n, s) >= 0)
		return cfg_dup_into(p, &t->arch, s);
	if (cfg_find_name(vm_arches, COUNT(vm_arches), s) >= 0)
		return fail_arch_elsewhere(p, where, s, t);
	return cfg_fail_choice(p, where, "arch", "arch", s, names, n);
}

/* Parse the required kernel path, which must exist now. */
static int parse_kernel(struct parser *p, json_object *obj, const char *where,
	struct cfg_target *t)
{
	if (cfg_opt_path(p, obj, where, "kernel", &t->kernel) < 0)
		return -1;
	if (t->kernel == NULL)
		return cfg_fail(p, where, "kernel", "required for backend \"%s\"",
			backend_names[t->backend]);
	/* The VM reports a bad kernel late and vaguely, so check it here. */
	return cfg_check_readable_file(p, where, "kernel", t->kernel);
}

/* The key that replaces a QEMU option gdbhub owns; "" if none, NULL if not owned. */
static const char *owned_qemu_opt(const char *arg)
{
	/* QEMU accepts "--opt" as "-opt". */
	if (arg[0] == '-' && arg[1] == '-')
		arg++;
	for (size_t i = 0; i < COUNT(owned_qemu_opts); i++) {
		if (strcmp(owned_qemu_opts[i].opt, arg) == 0)
			return owned_qemu_opts[i].use != NULL ? owned_qemu_opts[i].use : "";
	}
	return NULL;
}

/* Allocate the NULL-terminated argument array, empty when n is 0. */
static int alloc_qemu_args(struct parser *p, struct cfg_target *t, size_t n)
{
	if ((t->qemu_args = calloc(n + 1, sizeof(*t->qemu_args))) == NULL)
		return cfg_oom(p);
	t->n_qemu_args = n;
	return 0;
}

/* Check and copy one qemu_args element. */
static int parse_qemu_arg(struct parser *p, json_object *v, const char *where, char **out)
{
	const char *s, *use;

	if (cfg_string_value(p, v, where, NULL, &s) < 0)
		return -1;
	if ((use = owned_qemu_opt(s)) != NULL)
		return cfg_fail(p, where, NULL, "\"%s\" is set by gdbhub%s%s", s,
			*use != '\0' ? "; use " : "", use);
	return cfg_dup_into(p, out, s);
}

/* Parse the optional extra QEMU arguments. */
static int parse_qemu_args(struct parser *p, json_object *obj, const char *where,
	struct cfg_target *t)
{
	char entry[64];
	json_object *arr;
	size_t n;

	if (cfg_opt_array(p, obj, where, "qemu_args", &arr) < 0)
		return -1;
	n = arr != NULL ? json_object_array_length(arr) : 0;
	if (alloc_qemu_args(p, t, n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		snprintf(entry, sizeof(entry), "%s.qemu_args[%zu]", where, i);
		if (parse_qemu_arg(p, json_object_array_get_idx(arr, i), entry, &t->qemu_args[i]) < 0)
			return -1;
	}
	return 0;
}

/* COM1's input (kvm only, the key rules say): a file or a FIFO that is
 * there now, since gdbhub-kvm would only fail at the VM's start. */
static int parse_console(struct parser *p, json_object *obj, const char *where,
	struct cfg_target *t)
{
	struct stat st;

	if (cfg_opt_path(p, obj, where, "console", &t->console) < 0)
		return -1;
	if (t->console == NULL)
		return 0;
	if (stat(t->console, &st) == 0 && S_ISFIFO(st.st_mode))
		return access(t->console, R_OK) == 0 ? 0 :
			cfg_fail(p, where, "console", "not readable (%s)", t->console);
	return cfg_check_readable_file(p, where, "console", t->console);
}

/* Parse the keys of a target whose VM the daemon starts (tcg, kvm): only
 * tcg takes qemu_args, the others get an empty list. */
static int parse_vm(struct parser *p, json_object *obj, const char *where, struct cfg_target *t)
{
	const struct mb_range *mb = &memory_mb_range[t->backend];

	if (parse_arch(p, obj, where, t) < 0 ||
	    parse_kernel(p, obj, where, t) < 0 ||
	    cfg_opt_string_dup(p, obj, where, "cmdline", &t->cmdline) < 0 ||
	    cfg_opt_uint(p, obj, where, "memory_mb", mb->min, mb->max, DEFAULT_MEMORY_MB,
		&t->memory_mb) < 0 ||
	    cfg_opt_uint(p, obj, where, "cpus", 1, 64, DEFAULT_CPUS, &t->cpus) < 0 ||
	    cfg_opt_path(p, obj, where, "serial", &t->serial) < 0 ||
	    parse_console(p, obj, where, t) < 0)
		return -1;
	if (t->backend == CFG_BACKEND_TCG)
		return parse_qemu_args(p, obj, where, t);
	return alloc_qemu_args(p, t, 0);
}

/* Store gdb as "unix:" and the absolute socket path. */
static int parse_gdb_unix(struct parser *p, const char *where, const char *path,
	struct cfg_target *t)
{
	char *abs;

	if (*path == '\0')
		return cfg_fail(p, where, "gdb", "missing path after \"unix:\"");
	if (cfg_resolve_path(p, where, "gdb", path, &abs) < 0)
		return -1;
	if (check_unix_path(p, where, "gdb", abs) < 0) {
		free(abs);
		return -1;
	}
	t->gdb = cfg_format("unix:%s", abs);
	free(abs);
	return t->gdb == NULL ? cfg_oom(p) : 0;
}

/* Check "HOST:PORT" of a stub to connect to, where port 0 means nothing. */
static int parse_gdb_tcp(struct parser *p, const char *where, const char *s,
	struct cfg_target *t)
{
	char *host, *cause;
	uint16_t port;

	if (strchr(s, ':') == NULL)
		return cfg_fail(p, where, "gdb", "expected \"unix:PATH\" or \"HOST:PORT\", got \"%s\"", s);
	if (config_parse_host_port(s, &host, &port, &cause) < 0) {
		if (cause == NULL)
			return cfg_oom(p);
		cfg_fail(p, where, "gdb", "%s", cause);
		free(cause);
		return -1;
	}
	free(host);
	if (port == 0)
		return cfg_fail(p, where, "gdb", "port must be from 1 to 65535");
	return cfg_dup_into(p, &t->gdb, s);
}

/* Parse the keys of a remote target. */
static int parse_remote(struct parser *p, json_object *obj, const char *where,
	struct cfg_target *t)
{
	const char *s;

	if (alloc_qemu_args(p, t, 0) < 0 || cfg_opt_string(p, obj, where, "gdb", &s) < 0)
		return -1;
	if (s == NULL)
		return cfg_fail(p, where, "gdb", "required for backend \"remote\"");
	if (strncmp(s, "unix:", 5) == 0)
		return parse_gdb_unix(p, where, s + 5, t);
	return parse_gdb_tcp(p, where, s, t);
}

/* gdbhub-replay's defaults (backends/replay/sup/main.c says why). */
#define DEFAULT_CKPT_EVERY 100000000u
#define DEFAULT_CKPT_FINE 1000000u
#define DEFAULT_CKPT_MAX 64u

/* "checkpoints": {"every", "fine", "max"}, each optional. A fine spacing
 * wider than the coarse one would never leave a fine checkpoint. */
static int parse_checkpoints(struct parser *p, json_object *obj, const char *where,
	struct cfg_checkpoints *c)
{
	json_object *v = NULL;
	char *at;
	int rc;

	*c = (struct cfg_checkpoints){ DEFAULT_CKPT_EVERY, DEFAULT_CKPT_FINE, DEFAULT_CKPT_MAX };
	if (!json_object_object_get_ex(obj, "checkpoints", &v))
		return 0;
	if (!json_object_is_type(v, json_type_object))
		return cfg_fail(p, where, "checkpoints", "expected an object");
	if ((at = cfg_format("%s.checkpoints", where)) == NULL)
		return cfg_oom(p);
	rc = cfg_check_keys(p, v, at, checkpoint_keys, COUNT(checkpoint_keys), FOR_ALL, NULL) < 0 ||
	     cfg_opt_uint(p, v, at, "every", 1000, 4000000000u, DEFAULT_CKPT_EVERY, &c->every) < 0 ||
	     cfg_opt_uint(p, v, at, "fine", 100, 1000000000u, DEFAULT_CKPT_FINE, &c->fine) < 0 ||
	     cfg_opt_uint(p, v, at, "max", 1, 255, DEFAULT_CKPT_MAX, &c->max) < 0 ? -1 : 0;
	if (rc == 0 && c->fine > c->every)
		rc = cfg_fail(p, at, "fine", "%u is more than every (%u)", c->fine, c->every);
	free(at);
	return rc;
}

/* Parse the keys of a replay target: the recording says what the VM is. */
static int parse_replay(struct parser *p, json_object *obj, const char *where,
	struct cfg_target *t)
{
	char *json;
	int rc, sharing = 0;

	if (alloc_qemu_args(p, t, 0) < 0 ||
	    cfg_opt_path(p, obj, where, "recording", &t->recording) < 0 ||
	    cfg_opt_choice(p, obj, where, "sharing", "value", sharing_names,
		COUNT(sharing_names), &sharing) < 0 ||
	    parse_checkpoints(p, obj, where, &t->checkpoints) < 0)
		return -1;
	t->fork = sharing == 1;
	if (t->recording == NULL)
		return cfg_fail(p, where, "recording", "required for backend \"replay\"");
	if ((json = cfg_format("%s/recording.json", t->recording)) == NULL)
		return cfg_oom(p);
	rc = cfg_check_readable_file(p, where, "recording", json);
	free(json);
	return rc;
}

/* Parse what clients may do with a target and what happens when they leave. */
static int parse_policy(struct parser *p, json_object *obj, const char *where,
	struct cfg_target *t)
{
	int i;

	if (cfg_opt_role(p, obj, where, "default_role", CFG_ROLE_CONTROL, &t->default_role) < 0 ||
	    cfg_opt_choice(p, obj, where, "on_last_detach", "value", detach_names,
		COUNT(detach_names), &i) < 0)
		return -1;
	t->stay_on_last_detach = i == 1;
	return 0;
}

/* Parse the keys of t's backend. */
static int parse_backend_keys(struct parser *p, json_object *obj, const char *where,
	struct cfg_target *t)
{
	switch (t->backend) {
	case CFG_BACKEND_REMOTE:
		return parse_remote(p, obj, where, t);
	case CFG_BACKEND_REPLAY:
		return parse_replay(p, obj, where, t);
	default:
		return parse_vm(p, obj, where, t);
	}
}

/* Parse one target at where into t: common keys, then the backend's own.
 * Its name must differ from the config's first n_before targets. */
static int parse_target_into(struct parser *p, json_object *obj, const char *where,
	struct cfg_target *t, size_t n_before)
{
	/* Defaults hold for every backend so readers need not check which. */
	t->memory_mb = DEFAULT_MEMORY_MB;
	t->cpus = DEFAULT_CPUS;
	t->default_role = CFG_ROLE_CONTROL;
	if (!json_object_is_type(obj, json_type_object))
		return cfg_fail(p, where, NULL, "expected an object");
	if (cfg_check_keys(p, obj, where, target_keys, COUNT(target_keys), FOR_ALL, NULL) < 0 ||
	    parse_name(p, obj, where, t, n_before) < 0 ||
	    parse_backend(p, obj, where, t) < 0 ||
	    cfg_check_keys(p, obj, where, target_keys, COUNT(target_keys), 1u << t->backend,
		backend_names[t->backend]) < 0 ||
	    parse_backend_keys(p, obj, where, t) < 0 ||
	    parse_policy(p, obj, where, t) < 0)
		return -1;
	return parse_listens(p, obj, where, &t->listen, &t->n_listen);
}

/* Parse target i of the "targets" array. */
static int parse_target(struct parser *p, json_object *obj, size_t i)
{
	char where[32];

	snprintf(where, sizeof(where), "targets[%zu]", i);
	return parse_target_into(p, obj, where, &p->cfg->targets[i], i);
}

/* Parse the required, non-empty "targets" array. */
static int parse_targets(struct parser *p, json_object *root)
{
	struct config *cfg = p->cfg;
	json_object *arr;
	size_t n;

	if (cfg_opt_array(p, root, "", "targets", &arr) < 0)
		return -1;
	if (arr == NULL)
		return cfg_fail(p, "", "targets", "required");
	if ((n = json_object_array_length(arr)) == 0)
		return cfg_fail(p, "", "targets", "must list at least one target");
	if ((cfg->targets = calloc(n, sizeof(*cfg->targets))) == NULL)
		return cfg_oom(p);
	cfg->n_targets = n;
	for (size_t i = 0; i < n; i++) {
		if (parse_target(p, json_object_array_get_idx(arr, i), i) < 0)
			return -1;
	}
	return 0;
}

/* The k-th listen entry, root's then each target's, its key path in where; NULL past the end. */
static const struct cfg_listen *listen_at(const struct config *cfg, size_t k, char *where,
	size_t size)
{
	if (k < cfg->n_listen) {
		snprintf(where, size, "listen[%zu]", k);
		return &cfg->listen[k];
	}
	k -= cfg->n_listen;
	for (size_t i = 0; i < cfg->n_targets; i++) {
		if (k < cfg->targets[i].n_listen) {
			snprintf(where, size, "targets[%zu].listen[%zu]", i, k);
			return &cfg->targets[i].listen[k];
		}
		k -= cfg->targets[i].n_listen;
	}
	return NULL;
}

/* Whether binding both a and b would collide (port 0 never does). */
static bool same_endpoint(const struct cfg_listen *a, const struct cfg_listen *b)
{
	/* TCP and SSH listeners both bind TCP ports. */
	if ((a->kind == CFG_LISTEN_UNIX) != (b->kind == CFG_LISTEN_UNIX))
		return false;
	if (a->kind == CFG_LISTEN_UNIX)
		return strcmp(a->path, b->path) == 0;
	return a->port != 0 && a->port == b->port && strcmp(a->host, b->host) == 0;
}

/* Report listen entry a, at where, as clashing with an earlier one at other. */
static int fail_clash(struct parser *p, const char *where, const struct cfg_listen *a,
	const char *other)
{
	bool v6 = a->kind != CFG_LISTEN_UNIX && strchr(a->host, ':') != NULL;

	if (a->kind == CFG_LISTEN_UNIX)
		return cfg_fail(p, where, "unix", "%s is already used by %s", a->path, other);
	return cfg_fail(p, where, a->kind == CFG_LISTEN_SSH ? "ssh" : "tcp", "%s%s%s:%u is already used by %s", v6 ? "[" : "", a->host,
		v6 ? "]" : "", a->port, other);
}

/* Two entries on one address would fail only at bind time; name both now. */
static int check_listen_clashes(struct parser *p)
{
	char where[96], other[96];
	const struct cfg_listen *a, *b;

	for (size_t k = 1; (a = listen_at(p->cfg, k, where, sizeof(where))) != NULL; k++) {
		for (size_t j = 0; j < k; j++) {
			b = listen_at(p->cfg, j, other, sizeof(other));
			if (same_endpoint(a, b))
				return fail_clash(p, where, a, other);
		}
	}
	return 0;
}

/* The control socket's path: a unix socket, so sun_path must hold it. */
static int parse_control(struct parser *p, json_object *root)
{
	if (cfg_opt_path(p, root, "", "control", &p->cfg->control) < 0)
		return -1;
	return p->cfg->control != NULL ? check_unix_path(p, "", "control", p->cfg->control) : 0;
}

/* Validate the root object and fill p->cfg from it. */
static int parse_root(struct parser *p, json_object *root)
{
	struct config *cfg = p->cfg;

	if (!json_object_is_type(root, json_type_object))
		return cfg_fail(p, "", NULL, "not a JSON object");
	if (cfg_check_keys(p, root, "", root_keys, COUNT(root_keys), FOR_ALL, NULL) < 0 ||
	    cfg_opt_path(p, root, "", "runtime_dir", &cfg->runtime_dir) < 0 ||
	    cfg_opt_path(p, root, "", "state_dir", &cfg->state_dir) < 0 ||
	    cfg_opt_path(p, root, "", "audit_log", &cfg->audit_log) < 0 ||
	    parse_control(p, root) < 0 ||
	    cfg_parse_users(p, root) < 0 ||
	    cfg_parse_access(p, root) < 0 ||
	    cfg_parse_ssh_limits(p, root) < 0 ||
	    parse_listens(p, root, "", &cfg->listen, &cfg->n_listen) < 0 ||
	    parse_targets(p, root) < 0)
		return -1;
	return check_listen_clashes(p);
}

/* Report a syntax error at the line and column where json-c stopped. */
static int fail_syntax(struct parser *p, const char *file, const char *text, size_t offset,
	const char *desc)
{
	size_t line = 1, col = 1;

	for (size_t i = 0; i < offset; i++) {
		col++;
		if (text[i] == '\n') {
			line++;
			col = 1;
		}
	}
	if (p->cause == NULL)
		p->cause = cfg_one_line(cfg_format("%s%sJSON syntax error at line %zu, column %zu: %s",
			file != NULL ? file : "", file != NULL ? ": " : "", line, col, desc));
	return -1;
}

/* Parse text (len bytes plus a terminating NUL) as one strict JSON value. */
static int parse_json(struct parser *p, const char *text, size_t len, const char *file,
	json_object **root)
{
	json_tokener *tok;
	enum json_tokener_error err;
	size_t end;

	*root = NULL;
	if (len >= INT_MAX)
		return fail_syntax(p, file, text, 0, "text too large");
	if ((tok = json_tokener_new()) == NULL)
		return cfg_oom(p);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	/* Counting the NUL tells json-c the input ends there, so "{" is an error, not "more to come". */
	*root = json_tokener_parse_ex(tok, text, (int)len + 1);
	err = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (err != json_tokener_success)
		return fail_syntax(p, file, text, end, json_tokener_error_desc(err));
	/* json-c stops at an embedded NUL and calls it success. */
	if (end < len)
		return fail_syntax(p, file, text, end, "unexpected character");
	return 0;
}

/* Parse text into cfg; on success hand cfg to *out, else free it and pass on the cause. */
static int finish(struct config *cfg, const char *text, size_t len, const char *file,
	struct config **out, char **cause)
{
	struct parser p = { .cfg = cfg };
	json_object *root;
	int r;

	r = parse_json(&p, text, len, file, &root);
	if (r == 0)
		r = parse_root(&p, root);
	json_object_put(root);
	if (r < 0) {
		config_free(cfg);
		if (cause != NULL)
			*cause = p.cause;
		else
			free(p.cause);
		return -1;
	}
	*out = cfg;
	return 0;
}

/* Start an empty config whose paths resolve against dir (taken over). */
static struct config *config_new(char *path, char *dir)
{
	struct config *cfg;

	if (dir == NULL || (cfg = calloc(1, sizeof(*cfg))) == NULL) {
		free(path);
		free(dir);
		return NULL;
	}
	cfg->path = path;
	cfg->dir = dir;
	return cfg;
}

/* Parse a JSON string; relative paths resolve against base_dir (the working folder if NULL). */
int config_parse(const char *json, const char *base_dir, struct config **out, char **cause)
{
	struct config *cfg;

	*out = NULL;
	if (cause != NULL)
		*cause = NULL;
	if (json == NULL)
		return cfg_set_cause(cause, "no JSON text");
	cfg = config_new(NULL, base_dir != NULL ? cfg_absolute_path(base_dir) : getcwd(NULL, 0));
	if (cfg == NULL)
		return cfg_set_cause(cause, "cannot resolve the base folder: %s", strerror(errno));
	return finish(cfg, json, strlen(json), NULL, out, cause);
}

/* Read a whole file, NUL-terminated; -1 with errno set on failure. */
static int read_file(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;
	int saved;

	*text = NULL;
	if (f == NULL)
		return -1;
	if ((buf = malloc(CONFIG_MAX_BYTES + 2)) == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, CONFIG_MAX_BYTES + 1, f);
	saved = ferror(f) ? errno : n > CONFIG_MAX_BYTES ? EFBIG : 0;
	fclose(f);
	if (saved != 0) {
		free(buf);
		errno = saved;
		return -1;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

/* Load and validate the config file at path. */
int config_load(const char *path, struct config **out, char **cause)
{
	struct config *cfg;
	char *abs, *text;
	size_t len;
	int r;

	*out = NULL;
	if (cause != NULL)
		*cause = NULL;
	if (path == NULL || *path == '\0')
		return cfg_set_cause(cause, "no config file named");
	if (read_file(path, &text, &len) < 0)
		return cfg_set_cause(cause, "%s: cannot read: %s", path, strerror(errno));
	abs = cfg_absolute_path(path);
	if ((cfg = config_new(abs, abs != NULL ? cfg_parent_dir(abs) : NULL)) == NULL) {
		free(text);
		return cfg_set_cause(cause, "%s: cannot resolve the path: %s", path, strerror(errno));
	}
	r = finish(cfg, text, len, path, out, cause);
	free(text);
	return r;
}

/* Free listen entries and their array. */
static void free_listens(struct cfg_listen *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(l[i].host);
		free(l[i].path);
	}
	free(l);
}

/* Free what a target owns; fields never filled are NULL. */
static void free_target(struct cfg_target *t)
{
	free(t->name);
	free(t->arch);
	free(t->kernel);
	free(t->cmdline);
	free(t->serial);
	free(t->console);
	for (size_t i = 0; t->qemu_args != NULL && i < t->n_qemu_args; i++)
		free(t->qemu_args[i]);
	free(t->qemu_args);
	free(t->gdb);
	free(t->recording);
	free_listens(t->listen, t->n_listen);
}

/* Free a config, complete or abandoned halfway through parsing; NULL is fine. */
void config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->n_targets; i++)
		free_target(&cfg->targets[i]);
	free(cfg->targets);
	free_listens(cfg->listen, cfg->n_listen);
	cfg_free_access(cfg);
	free(cfg->runtime_dir);
	free(cfg->state_dir);
	free(cfg->audit_log);
	free(cfg->control);
	free(cfg->dir);
	free(cfg->path);
	free(cfg);
}

/* Look up a target by name; NULL if none. */
const struct cfg_target *config_find_target(const struct config *cfg, const char *name)
{
	if (cfg == NULL || name == NULL)
		return NULL;
	for (size_t i = 0; i < cfg->n_targets; i++) {
		if (strcmp(cfg->targets[i].name, name) == 0)
			return &cfg->targets[i];
	}
	return NULL;
}

/* The new target's listen entries must not clash with each other or with
 * any entry of cfg (root or targets). */
static int check_target_clashes(struct parser *p, const struct config *cfg,
	const struct cfg_target *t, const char *where)
{
	char at[96], other[96];
	const struct cfg_listen *b;

	for (size_t i = 0; i < t->n_listen; i++) {
		snprintf(at, sizeof(at), "%s.listen[%zu]", where, i);
		for (size_t j = 0; j < i; j++) {
			snprintf(other, sizeof(other), "%s.listen[%zu]", where, j);
			if (same_endpoint(&t->listen[i], &t->listen[j]))
				return fail_clash(p, at, &t->listen[i], other);
		}
		for (size_t k = 0; (b = listen_at(cfg, k, other, sizeof(other))) != NULL; k++) {
			if (same_endpoint(&t->listen[i], b))
				return fail_clash(p, at, &t->listen[i], other);
		}
	}
	return 0;
}

/* Parse one target object outside any file (the control socket's
 * target.add), with the config's rules and its folder for relative paths. */
int config_parse_target_json(const struct config *cfg, struct json_object *obj,
	struct cfg_target **out, char **cause)
{
	/* A scratch config: paths resolve against cfg's folder, and no
	 * earlier targets constrain the name (the caller checks the running
	 * ones, which need not be cfg's). */
	struct config scratch = { .dir = cfg->dir };
	struct parser p = { .cfg = &scratch };
	struct cfg_target *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (cause != NULL)
		*cause = NULL;
	if (t == NULL)
		return cfg_set_cause(cause, "out of memory");
	if (parse_target_into(&p, obj, "target", t, 0) < 0 ||
	    check_target_clashes(&p, cfg, t, "target") < 0) {
		config_target_free(t);
		if (cause != NULL)
			*cause = p.cause != NULL ? p.cause : strdup("out of memory");
		else
			free(p.cause);
		return -1;
	}
	*out = t;
	return 0;
}

/* Free a target made by config_parse_target_json; NULL is fine. */
void config_target_free(struct cfg_target *t)
{
	if (t == NULL)
		return;
	free_target(t);
	free(t);
}

/* A replay target of t's recording for one client of a fork target. */
struct cfg_target *config_target_fork(const struct cfg_target *t, const char *name)
{
	struct cfg_target *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	*f = (struct cfg_target){
		.backend = CFG_BACKEND_REPLAY,
		.memory_mb = t->memory_mb,
		.cpus = t->cpus,
		.default_role = t->default_role,
		.stay_on_last_detach = t->stay_on_last_detach,
		.forked = true,
		.name = strdup(name),
		.recording = strdup(t->recording),
		.checkpoints = t->checkpoints,
		.qemu_args = calloc(1, sizeof(char *)),
	};
	if (f->name == NULL || f->recording == NULL || f->qemu_args == NULL) {
		config_target_free(f);
		return NULL;
	}
	return f;
}

/* Strings that may be NULL. */
static bool same_string(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Listen entries equal in every key. */
static bool same_listen(const struct cfg_listen *a, const struct cfg_listen *b)
{
	return a->kind == b->kind && a->role == b->role && a->port == b->port &&
	       a->allow_unauthenticated == b->allow_unauthenticated &&
	       same_string(a->host, b->host) && same_string(a->path, b->path);
}

/* Whether two targets are configured alike (a reload keeps such a target). */
bool config_target_equal(const struct cfg_target *a, const struct cfg_target *b)
{
	if (!same_string(a->name, b->name) || a->backend != b->backend ||
	    !same_string(a->arch, b->arch) || !same_string(a->kernel, b->kernel) ||
	    !same_string(a->cmdline, b->cmdline) || a->memory_mb != b->memory_mb ||
	    a->cpus != b->cpus || !same_string(a->serial, b->serial) ||
	    !same_string(a->console, b->console) ||
	    !same_string(a->gdb, b->gdb) || !same_string(a->recording, b->recording) ||
	    a->fork != b->fork || a->default_role != b->default_role ||
	    memcmp(&a->checkpoints, &b->checkpoints, sizeof(a->checkpoints)) != 0 ||
	    a->stay_on_last_detach != b->stay_on_last_detach ||
	    a->n_qemu_args != b->n_qemu_args || a->n_listen != b->n_listen)
		return false;
	for (size_t i = 0; i < a->n_qemu_args; i++)
		if (!same_string(a->qemu_args[i], b->qemu_args[i]))
			return false;
	for (size_t i = 0; i < a->n_listen; i++)
		if (!same_listen(&a->listen[i], &b->listen[i]))
			return false;
	return true;
}

/* The daemon's JSON config, loaded and validated into typed structs.
 *
 * Errors name the key path and the problem, e.g.
 *   "targets[1].kernel: no such file (/srv/k.elf)"
 * Relative paths in the file resolve against the config file's folder. */
#ifndef GDBHUB_CONFIG_H
#define GDBHUB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cfg_listen_kind {
	CFG_LISTEN_TCP,
	CFG_LISTEN_UNIX,
	CFG_LISTEN_SSH,   /* the daemon's own SSH server; users and access rules decide */
};

/* What a client may do with a target (proxy/policy decides; see there). */
enum cfg_role {
	CFG_ROLE_DEFAULT = 0, /* not set here: the target's default applies */
	CFG_ROLE_CONTROL,     /* read, write, break, resume */
	CFG_ROLE_OBSERVE,     /* read while stopped, receive stops; nothing else */
	CFG_ROLE_NONE,        /* access rules only: no access at all */
};

struct cfg_listen {
	enum cfg_listen_kind kind;
	enum cfg_role role;   /* "role": clients of this listener get it */
	char *host;   /* TCP, SSH: numeric address or name, e.g. "127.0.0.1" */
	uint16_t port;/* TCP, SSH: may be 0 (the kernel picks) */
	bool allow_unauthenticated; /* TCP: may bind a non-loopback address */
	char *path;   /* UNIX: absolute after loading */
};

enum cfg_backend_kind {
	CFG_BACKEND_TCG,     /* QEMU spawned by the daemon in TCG mode */
	CFG_BACKEND_REMOTE,  /* a stub already running: "gdb": "unix:PATH" | "HOST:PORT" */
	CFG_BACKEND_KVM,     /* gdbhub-kvm spawned by the daemon, on /dev/kvm */
	CFG_BACKEND_REPLAY,  /* QEMU replaying a recording (gdbhub record), with reverse execution */
};

struct cfg_target {
	char *name;
	enum cfg_backend_kind backend;
	/* tcg and kvm (qemu_args: tcg only) */
	char *arch;          /* "i386", "x86_64", "aarch64" (tcg), "riscv64" (tcg) */
	char *kernel;        /* absolute path, checked to exist */
	char *cmdline;       /* optional kernel command line, NULL if absent */
	unsigned memory_mb;  /* default 64 */
	unsigned cpus;       /* default 1 */
	char *serial;        /* absolute path of the COM1 log, NULL: discard */
	char *console;       /* kvm: absolute path of COM1's input (file or FIFO), NULL: none */
	char **qemu_args;    /* extra QEMU arguments, NULL-terminated, empty unless tcg */
	size_t n_qemu_args;
	/* remote */
	char *gdb;           /* "unix:/path" or "host:port" */
	/* replay */
	char *recording;     /* absolute path of a recording folder holding recording.json */
	bool fork;           /* "sharing": "fork" (each client its own replay), else "shared" */
	bool forked;         /* one client's replay of a fork target (config_target_fork) */
	struct cfg_checkpoints {  /* "checkpoints": gdbhub-replay's --every, --fine, --max */
		unsigned every, fine, max;
	} checkpoints;
	/* every backend */
	struct cfg_listen *listen;
	size_t n_listen;
	enum cfg_role default_role;   /* "default_role": CONTROL unless set */
	bool stay_on_last_detach;     /* "on_last_detach": "resume" (default) or "stay" */
};

/* A person who may log in over SSH. */
struct cfg_user {
	char *name;            /* the SSH login name */
	char *authorized_keys; /* absolute path, OpenSSH format, read at each login */
	char **groups;         /* names access rules may match */
	size_t n_groups;
};

/* One access rule: the first rule matching a user and a target decides. */
struct cfg_access {
	char **users;          /* user names; "*" is every user */
	size_t n_users;
	char **groups;
	size_t n_groups;
	char *targets;         /* a shell glob over target names, e.g. "vm*" */
	enum cfg_role role;    /* CONTROL, OBSERVE or NONE */
};

/* Limits on SSH logins, as OpenSSH's sshd_config names them. */
struct cfg_ssh_limits {
	unsigned max_auth_tries;    /* failed public-key attempts per connection */
	unsigned login_grace_s;     /* seconds to authenticate */
	unsigned max_startups;      /* connections not yet authenticated, at once */
};

struct config {
	char *path;          /* the file loaded, absolute */
	char *dir;           /* its folder */
	char *runtime_dir;   /* NULL: the daemon picks one */
	char *state_dir;     /* NULL: the daemon picks one (the SSH host key lives here) */
	char *audit_log;     /* NULL: no audit log */
	char *control;       /* control socket path; NULL: none */
	struct cfg_user *users;
	size_t n_users;
	struct cfg_access *access;
	size_t n_access;
	struct cfg_ssh_limits ssh;
	struct cfg_listen *listen;
	size_t n_listen;
	struct cfg_target *targets;
	size_t n_targets;
};

/* Load and validate the config file at path. On success returns 0 and sets
 * *out; on failure returns -1, leaves *out NULL and sets *cause to a malloc'd
 * message naming the key path (the caller frees it). */
int config_load(const char *path, struct config **out, char **cause);

/* Same over a JSON string; relative paths resolve against base_dir. */
int config_parse(const char *json, const char *base_dir, struct config **out, char **cause);

/* Free a config; NULL is fine. */
void config_free(struct config *cfg);

/* Parse a listen address as it appears in config values, "HOST:PORT" (IPv6
 * as "[::1]:PORT"), into host and port. Returns 0, or -1 with *cause set. */
int config_parse_host_port(const char *s, char **host, uint16_t *port, char **cause);

struct json_object;

/* Parse one target object, as in the config's "targets" array, for a target
 * added at run time (the control socket's target.add). Relative paths
 * resolve against cfg's folder; listen entries must not clash with cfg's.
 * Errors name key paths from "target", e.g. "target.kernel: required for
 * backend \"tcg\"". The name is not checked against cfg's targets: the
 * caller checks it against the running ones. Returns 0 and sets *out (free
 * it with config_target_free), or -1 with *out NULL and *cause set. */
int config_parse_target_json(const struct config *cfg, struct json_object *obj,
	struct cfg_target **out, char **cause);

/* Free a target from config_parse_target_json; NULL is fine. */
void config_target_free(struct cfg_target *t);

/* A replay target of t's recording named name, with t's policy keys, no
 * listeners and sharing "shared": the replay of one client of a "fork"
 * target. NULL on out of memory; free with config_target_free. */
struct cfg_target *config_target_fork(const struct cfg_target *t, const char *name);

/* Whether two targets have the same settings, every key alike. */
bool config_target_equal(const struct cfg_target *a, const struct cfg_target *b);

/* Look up a user by name; NULL if none. */
const struct cfg_user *config_find_user(const struct config *cfg, const char *name);

/* Look up a target by name; NULL if none. */
const struct cfg_target *config_find_target(const struct config *cfg, const char *name);

#endif

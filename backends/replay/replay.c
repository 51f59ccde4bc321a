/* The replay backend: QEMU replaying a recording, with its gdbstub (which
 * offers reverse step and continue) and QMP on sockets the daemon makes,
 * as the tcg backend does.
 *
 * Each target replays from a copy of the recording's snapshot disk in the
 * runtime folder: QEMU locks the disk it opens, and snapshots taken while
 * replaying must not change the recording. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "backends/common/child.h"
#include "backends/replay/recording.h"
#include "backends/replay/replay_cmdline.h"
#include "backends/replay/replay_snapshots.h"
#include "backends/tcg/qmp.h"
#include "proxy/backend.h"
#include "proxy/cause.h"
#include "proxy/log.h"

/* How long QEMU may take to quit when asked before it is killed. A
 * replaying QEMU ignores SIGTERM (the replay decides when it shuts down). */
#define QUIT_GRACE_MS 3000

struct backend {
	char name[64];
	unsigned hw_slots;
	char gdb_path[256];
	char gdb_addr[270];
	char qmp_path[256];
	char pid_path[256];
	char disk_path[4096];
	char serial_path[4096];
	char recording[4096];
	pid_t pid;
	bool exited;
	bool forked;   /* one client's replay: its serial log goes with it too */
	struct recording rec;
	/* The replaying QEMU's monitor: checkpoints (savevm/loadvm), seeks
	 * (replay-seek) and query-replay go here. */
	struct qmp *qmp;
};

/* Make the socket and file paths for a target in the runtime folder. */
static int make_paths(struct backend *b, const char *dir, const char *name)
{
	int r1 = snprintf(b->gdb_path, sizeof(b->gdb_path), "%s/%s.gdb.sock", dir, name);
	int r2 = snprintf(b->qmp_path, sizeof(b->qmp_path), "%s/%s.qmp.sock", dir, name);
	int r3 = snprintf(b->pid_path, sizeof(b->pid_path), "%s/%s.qemu.pid", dir, name);

	snprintf(b->name, sizeof(b->name), "%s", name);
	snprintf(b->gdb_addr, sizeof(b->gdb_addr), "unix:%s", b->gdb_path);
	snprintf(b->disk_path, sizeof(b->disk_path), "%s/%s.replay.qcow2", dir, name);
	snprintf(b->serial_path, sizeof(b->serial_path), "%s/%s.serial.log", dir, name);
	return (r1 < 0 || (size_t)r1 >= 108 || r2 < 0 || (size_t)r2 >= 108 ||
		r3 < 0 || (size_t)r3 >= sizeof(b->pid_path)) ? -1 : 0;
}

/* Which gdbhub-replay to run: env GDBHUB_REPLAY, else the one built
 * beside this daemon (build tree), else the one on PATH. */
static void supervisor_binary(char *out, size_t size)
{
	char self[4000];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	snprintf(out, size, "gdbhub-replay");
	if (getenv("GDBHUB_REPLAY") != NULL && getenv("GDBHUB_REPLAY")[0] != '\0') {
		snprintf(out, size, "%s", getenv("GDBHUB_REPLAY"));
		return;
	}
	if (n <= 0)
		return;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) != NULL) {
		*slash = '\0';
		snprintf(out, size, "%s/../backends/replay/sup/gdbhub-replay", self);
		if (access(out, X_OK) != 0)
			snprintf(out, size, "gdbhub-replay");
	}
}

/* Spawn gdbhub-replay (backends/replay/sup) on the listening sockets: it
 * serves gdb and QMP there as QEMU would, and drives the replaying QEMUs
 * behind them, with checkpoints. */
static int spawn(struct backend *b, const struct cfg_target *cfg, int gdb_fd, int qmp_fd,
		 char **cause)
{
	char bin[4200], gdb[32], qmp[32], work[4096], every[16], fine[16], max[16];
	char *argv[] = { bin, "--recording", (char *)cfg->recording, "--gdb", gdb, "--qmp", qmp,
			 "--work", work, "--serial", b->serial_path, "--every", every,
			 "--fine", fine, "--max", max, NULL };
	int rc;

	supervisor_binary(bin, sizeof(bin));
	snprintf(gdb, sizeof(gdb), "fd:%d", gdb_fd);
	snprintf(qmp, sizeof(qmp), "fd:%d", qmp_fd);
	snprintf(every, sizeof(every), "%u", cfg->checkpoints.every);
	snprintf(fine, sizeof(fine), "%u", cfg->checkpoints.fine);
	snprintf(max, sizeof(max), "%u", cfg->checkpoints.max);
	snprintf(work, sizeof(work), "%.*s", (int)(strlen(b->gdb_path) - strlen(".gdb.sock")),
		 b->gdb_path);
	rc = child_spawn(argv, &b->pid, cause);
	if (rc == 0)
		log_info("target %s: replaying %s (%llu instructions recorded, %s) under %s (pid %d)",
			 cfg->name, cfg->recording, (unsigned long long)b->rec.icount,
			 b->rec.qemu_version, bin, (int)b->pid);
	return rc;
}

/* Start QEMU replaying cfg's recording. */
static int replay_launch(struct event_base *base, const struct cfg_target *cfg,
			 const char *runtime_dir, struct backend **out, char **cause)
{
	struct backend *b = calloc(1, sizeof(*b));
	int gdb_fd = -1, qmp_fd = -1, rc = -1;

	*out = NULL;
	if (b == NULL)
		return cause_fail(cause, "out of memory");
	if (recording_load(cfg->recording, &b->rec, cause) != 0)
		goto out;
	snprintf(b->recording, sizeof(b->recording), "%s", cfg->recording);
	b->forked = cfg->forked;
	if (make_paths(b, runtime_dir, cfg->name) != 0) {
		cause_fail(cause, "runtime folder path too long for unix sockets: %s", runtime_dir);
		goto out;
	}
	gdb_fd = child_listen_unix(b->gdb_path);
	qmp_fd = child_listen_unix(b->qmp_path);
	if (gdb_fd < 0 || qmp_fd < 0) {
		cause_fail(cause, "cannot make sockets in %s: %s", runtime_dir, strerror(errno));
		goto out;
	}
	if (spawn(b, cfg, gdb_fd, qmp_fd, cause) != 0)
		goto out;
	b->hw_slots = qemu_arch_hw_slots(b->rec.arch);
	b->qmp = qmp_create(base, b->qmp_path, cfg->name);
	*out = b;
	rc = 0;
out:
	if (gdb_fd >= 0)
		close(gdb_fd);
	if (qmp_fd >= 0)
		close(qmp_fd);
	if (rc != 0) {
		recording_free(&b->rec);
		free(b);
	}
	return rc;
}

static const char *replay_gdb_address(const struct backend *b)
{
	return b->gdb_addr;
}

static pid_t replay_child_pid(const struct backend *b)
{
	return b->pid;
}

static unsigned replay_hw_slots(const struct backend *b)
{
	return b->hw_slots;
}

static void replay_child_exited(struct backend *b, int status)
{
	(void)status;
	b->exited = true;
}

/* Quit QEMU (QMP quit; SIGKILL if it lingers: SIGTERM does not end a
 * replay) and free. */
static void replay_destroy(struct backend *b)
{
	if (b == NULL)
		return;
	if (!b->exited && b->pid > 0) {
		qmp_stop_qemu(b->qmp, b->pid, QUIT_GRACE_MS, b->name);
	}
	qmp_destroy(b->qmp);
	unlink(b->gdb_path);
	unlink(b->qmp_path);
	unlink(b->pid_path);
	unlink(b->disk_path);
	if (b->forked)
		unlink(b->serial_path);
	recording_free(&b->rec);
	free(b);
}

/* A replay request waiting for QEMU's reply. */
struct replay_call {
	replay_reply_fn fn;
	void *arg;
	uint64_t icount;
};

/* Send cmd with args; its reply goes to on_reply with a replay_call. */
static int call(struct backend *b, const char *cmd, json_object *args, qmp_reply_fn on_reply,
		uint64_t icount, replay_reply_fn fn, void *arg, char **cause)
{
	struct replay_call *rc = calloc(1, sizeof(*rc));

	if (rc == NULL) {
		json_object_put(args);
		return cause_fail(cause, "out of memory");
	}
	*rc = (struct replay_call){ .fn = fn, .arg = arg, .icount = icount };
	if (b->exited || qmp_execute(b->qmp, cmd, args, on_reply, rc) != 0) {
		free(rc);
		return cause_fail(cause, "%s: QEMU's monitor (QMP) is not available%s", b->name,
				  b->exited ? ": the replay has ended" : "");
	}
	return 0;
}

static void replay_info(const struct backend *b, struct replay_info *out)
{
	*out = (struct replay_info){
		.recording = b->recording,
		.icount = b->rec.icount,
		.icount_exact = b->rec.icount_exact,
		.ended_by_limit = b->rec.ended_by_limit,
		.exit_status = b->rec.exit_status,
	};
}

/* query-replay's answer: {"icount": N, "mode": "play", ...}. */
static void on_position(void *arg, json_object *ret, const char *error)
{
	struct replay_call *rc = arg;
	json_object *icount;

	if (error == NULL && !json_object_object_get_ex(ret, "icount", &icount))
		error = "query-replay gave no icount";
	rc->fn(rc->arg, error == NULL ? (uint64_t)json_object_get_int64(icount) : 0, NULL, error);
	free(rc);
}

static int replay_position(struct backend *b, replay_reply_fn fn, void *arg, char **cause)
{
	return call(b, "query-replay", NULL, on_position, 0, fn, arg, cause);
}

/* replay-seek's answer: empty on success (the VM now runs to the icount). */
static void on_seek(void *arg, json_object *ret, const char *error)
{
	struct replay_call *rc = arg;

	(void)ret;
	rc->fn(rc->arg, rc->icount, NULL, error);
	free(rc);
}

static int replay_seek(struct backend *b, uint64_t icount, replay_reply_fn fn, void *arg,
		       char **cause)
{
	json_object *args = json_object_new_object();

	if (args == NULL)
		return cause_fail(cause, "out of memory");
	json_object_object_add(args, "icount", json_object_new_int64((int64_t)icount));
	return call(b, "replay-seek", args, on_seek, icount, fn, arg, cause);
}

/* HMP `info snapshots` as lines "NAME at icount N". */
static void on_snapshots(void *arg, json_object *ret, const char *error)
{
	struct replay_call *rc = arg;
	struct replay_snapshot sn[32];
	char text[2048] = "";
	size_t len = 0;
	int n = error == NULL ? replay_snapshots_parse(json_object_get_string(ret), sn, 32) : 0;

	for (int i = 0; i < n && i < 32 && len < sizeof(text); i++) {
		int w = sn[i].has_icount
			? snprintf(text + len, sizeof(text) - len, "%s at icount %llu\n", sn[i].tag,
				   (unsigned long long)sn[i].icount)
			: snprintf(text + len, sizeof(text) - len, "%s (no icount)\n", sn[i].tag);
		len += w > 0 ? (size_t)w : 0;
	}
	rc->fn(rc->arg, 0, text, n < 0 ? "QEMU listed no snapshot table" : error);
	free(rc);
}

static int replay_snapshots(struct backend *b, replay_reply_fn fn, void *arg, char **cause)
{
	json_object *args = json_object_new_object();

	if (args == NULL)
		return cause_fail(cause, "out of memory");
	json_object_object_add(args, "command-line", json_object_new_string("info snapshots"));
	return call(b, "human-monitor-command", args, on_snapshots, 0, fn, arg, cause);
}

static const struct backend_replay_ops replay_ops = {
	.info = replay_info,
	.position = replay_position,
	.seek = replay_seek,
	.snapshots = replay_snapshots,
};

const struct backend_ops replay_backend_ops = {
	.name = "replay",
	.kind = CFG_BACKEND_REPLAY,
	.launch = replay_launch,
	.gdb_address = replay_gdb_address,
	.child_pid = replay_child_pid,
	.hw_slots = replay_hw_slots,
	.child_exited = replay_child_exited,
	.destroy = replay_destroy,
	.replay = &replay_ops,
};

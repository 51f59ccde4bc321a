/* The tcg backend: QEMU in TCG mode, spawned by the daemon.
 *
 * The daemon makes QEMU's gdbstub and QMP sockets itself (listening unix
 * sockets in its runtime folder) and hands them to QEMU as inherited file
 * descriptors, so connecting cannot race QEMU's start-up: the connection
 * waits in the backlog until QEMU accepts it. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proxy/cause.h"
#include "backends/common/child.h"
#include "backends/tcg/qmp.h"
#include "backends/tcg/qemu_cmdline.h"
#include "proxy/backend.h"
#include "proxy/log.h"

/* How long QEMU may take to quit when asked before it is killed. */
#define QUIT_GRACE_MS 3000

struct backend {
	char name[64];
	unsigned hw_slots;
	char gdb_path[256];
	char gdb_addr[270];
	char qmp_path[256];
	char pid_path[256];
	pid_t pid;
	bool exited;
	struct qmp *qmp;
};

/* Make the socket paths for a target in the runtime folder. */
static int make_paths(struct backend *b, const char *dir, const char *name)
{
	int r1 = snprintf(b->gdb_path, sizeof(b->gdb_path), "%s/%s.gdb.sock", dir, name);
	int r2 = snprintf(b->qmp_path, sizeof(b->qmp_path), "%s/%s.qmp.sock", dir, name);
	int r3 = snprintf(b->pid_path, sizeof(b->pid_path), "%s/%s.qemu.pid", dir, name);

	snprintf(b->name, sizeof(b->name), "%s", name);
	snprintf(b->gdb_addr, sizeof(b->gdb_addr), "unix:%s", b->gdb_path);
	return (r1 < 0 || (size_t)r1 >= 108 || r2 < 0 || (size_t)r2 >= 108 ||
		r3 < 0 || (size_t)r3 >= sizeof(b->pid_path)) ? -1 : 0;
}

/* Start QEMU for cfg. */
static int tcg_launch(struct event_base *base, const struct cfg_target *cfg,
		      const char *runtime_dir, struct backend **out, char **cause)
{
	struct backend *b = calloc(1, sizeof(*b));
	struct qemu_cmdline cl = { 0 };
	int gdb_fd = -1, qmp_fd = -1, rc = -1;

	*out = NULL;
	if (b == NULL)
		return -1;
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
	if (qemu_cmdline_build(&cl, cfg, gdb_fd, qmp_fd, b->pid_path, cause) != 0 ||
	    child_spawn(cl.argv, &b->pid, cause) != 0)
		goto out;
	log_info("target %s: started %s (pid %d)", cfg->name, cl.argv[0], (int)b->pid);
	b->hw_slots = qemu_arch_hw_slots(cfg->arch);
	b->qmp = qmp_create(base, b->qmp_path, cfg->name);
	*out = b;
	rc = 0;
out:
	qemu_cmdline_free(&cl);
	if (gdb_fd >= 0)
		close(gdb_fd);
	if (qmp_fd >= 0)
		close(qmp_fd);
	if (rc != 0)
		free(b);
	return rc;
}

static const char *tcg_gdb_address(const struct backend *b)
{
	return b->gdb_addr;
}

static pid_t tcg_child_pid(const struct backend *b)
{
	return b->pid;
}

static unsigned tcg_hw_slots(const struct backend *b)
{
	return b->hw_slots;
}

static void tcg_child_exited(struct backend *b, int status)
{
	(void)status;
	b->exited = true;
}

/* Quit QEMU (QMP quit, else SIGTERM; SIGKILL if it lingers) and free. */
static void tcg_destroy(struct backend *b)
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
	free(b);
}

const struct backend_ops tcg_backend_ops = {
	.name = "tcg",
	.kind = CFG_BACKEND_TCG,
	.launch = tcg_launch,
	.gdb_address = tcg_gdb_address,
	.child_pid = tcg_child_pid,
	.hw_slots = tcg_hw_slots,
	.child_exited = tcg_child_exited,
	.destroy = tcg_destroy,
};

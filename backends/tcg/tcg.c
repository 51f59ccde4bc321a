/* The tcg backend: QEMU in TCG mode, spawned by the daemon.
 *
 * The daemon makes QEMU's gdbstub and QMP sockets itself (listening unix
 * sockets in its runtime folder) and hands them to QEMU as inherited file
 * descriptors, so connecting cannot race QEMU's start-up: the connection
 * waits in the backlog until QEMU accepts it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proxy/cause.h"
#include "backends/tcg/qmp.h"
#include "backends/tcg/qemu_cmdline.h"
#include "proxy/backend.h"
#include "proxy/log.h"
#include "proxy/transport/sockaddr.h"

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

/* A listening unix socket at path, inherited by QEMU (no close-on-exec). */
static int listen_unix(const char *path)
{
	struct sockaddr_storage sa;
	socklen_t len;
	int fd;

	if (sockaddr_unix(path, &sa, &len) != 0)
		return -1;
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, len) != 0 || listen(fd, 4) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* In the child: become QEMU, or report errno through the pipe. */
static void exec_qemu(char **argv, int report_fd)
{
	int err;

	/* Own process group: a Ctrl-C meant for the daemon's terminal must not
	 * kill QEMU behind the daemon's back; the daemon quits it itself. */
	setpgid(0, 0);
	execvp(argv[0], argv);
	err = errno;
	if (write(report_fd, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
}

/* Fork and exec QEMU; an exec failure is reported here, not later. */
static int spawn(struct backend *b, char **argv, char **cause)
{
	int pipefd[2], err = 0;
	ssize_t n;

	if (pipe2(pipefd, O_CLOEXEC) != 0)
		return cause_fail(cause, "pipe: %s", strerror(errno));
	b->pid = fork();
	if (b->pid == 0) {
		close(pipefd[0]);
		exec_qemu(argv, pipefd[1]);
	}
	close(pipefd[1]);
	if (b->pid < 0) {
		close(pipefd[0]);
		return cause_fail(cause, "fork: %s", strerror(errno));
	}
	n = read(pipefd[0], &err, sizeof(err));
	close(pipefd[0]);
	if (n == (ssize_t)sizeof(err)) {
		waitpid(b->pid, NULL, 0);
		b->exited = true;
		return cause_fail(cause, "cannot run %s: %s", argv[0], strerror(err));
	}
	return 0;
}

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
	gdb_fd = listen_unix(b->gdb_path);
	qmp_fd = listen_unix(b->qmp_path);
	if (gdb_fd < 0 || qmp_fd < 0) {
		cause_fail(cause, "cannot make sockets in %s: %s", runtime_dir, strerror(errno));
		goto out;
	}
	if (qemu_cmdline_build(&cl, cfg, gdb_fd, qmp_fd, b->pid_path, cause) != 0 ||
	    spawn(b, cl.argv, cause) != 0)
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

/* Wait up to ms for the child to end; true if it did. */
static bool wait_exit(struct backend *b, int ms)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };

	for (int waited = 0; waited <= ms; waited += 10) {
		if (waitpid(b->pid, NULL, WNOHANG) == b->pid)
			return true;
		nanosleep(&pause, NULL);
	}
	return false;
}

/* Quit QEMU (QMP quit, else SIGTERM; SIGKILL if it lingers) and free. */
static void tcg_destroy(struct backend *b)
{
	if (b == NULL)
		return;
	if (!b->exited && b->pid > 0) {
		if (qmp_quit(b->qmp) != 0)
			kill(b->pid, SIGTERM);
		if (!wait_exit(b, QUIT_GRACE_MS)) {
			log_warn("target %s: QEMU did not quit; killing it", b->name);
			kill(b->pid, SIGKILL);
			waitpid(b->pid, NULL, 0);
		}
		log_info("target %s: QEMU stopped", b->name);
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

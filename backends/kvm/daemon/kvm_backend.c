/* The kvm backend: gdbhub-kvm, a VM on /dev/kvm with its own stub, spawned
 * by the daemon.
 *
 * As for QEMU (backends/tcg), the daemon makes the stub's listening unix
 * socket in its runtime folder and hands it down (--gdb fd:N), so
 * connecting cannot race the VM's start-up. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/common/child.h"
#include "backends/kvm/daemon/kvm_cmdline.h"
#include "proxy/backend.h"
#include "proxy/cause.h"
#include "proxy/log.h"

#define KVM_DEVICE "/dev/kvm"

/* How long gdbhub-kvm may take to end on SIGTERM before it is killed. */
#define TERM_GRACE_MS 3000

struct backend {
	char name[64];
	char gdb_path[256];
	char gdb_addr[270];
	pid_t pid;
	bool exited;
};

/* gdbhub-kvm would only fail later, and less plainly, without KVM. */
static int check_kvm_device(char **cause)
{
	int fd = open(KVM_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return cause_fail(cause, "cannot open %s: %s (a kvm target needs KVM on this host)",
				  KVM_DEVICE, strerror(errno));
	close(fd);
	return 0;
}

/* Make the socket path for a target in the runtime folder. */
static int make_paths(struct backend *b, const char *dir, const char *name)
{
	int r = snprintf(b->gdb_path, sizeof(b->gdb_path), "%s/%s.gdb.sock", dir, name);

	snprintf(b->name, sizeof(b->name), "%s", name);
	snprintf(b->gdb_addr, sizeof(b->gdb_addr), "unix:%s", b->gdb_path);
	return r < 0 || (size_t)r >= 108 ? -1 : 0;
}

/* Which gdbhub-kvm this daemon runs (see kvm_cmdline_binary). */
static int find_binary(char *out, size_t size, char **cause)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0)
		self[n] = '\0';
	if (kvm_cmdline_binary(out, size, getenv("GDBHUB_KVM"), n > 0 ? self : NULL) != 0)
		return cause_fail(cause, "GDBHUB_KVM is longer than %zu bytes", size - 1);
	return 0;
}

/* Start gdbhub-kvm for cfg. */
static int kvm_launch(struct event_base *base, const struct cfg_target *cfg,
		      const char *runtime_dir, struct backend **out, char **cause)
{
	struct backend *b = calloc(1, sizeof(*b));
	struct kvm_cmdline cl;
	int gdb_fd = -1, rc = -1;

	(void)base;
	*out = NULL;
	if (b == NULL)
		return cause_fail(cause, "out of memory");
	if (check_kvm_device(cause) != 0)
		goto out;
	if (make_paths(b, runtime_dir, cfg->name) != 0) {
		cause_fail(cause, "runtime folder path too long for unix sockets: %s", runtime_dir);
		goto out;
	}
	if ((gdb_fd = child_listen_unix(b->gdb_path)) < 0) {
		cause_fail(cause, "cannot make a socket in %s: %s", runtime_dir, strerror(errno));
		goto out;
	}
	if (find_binary(cl.binary, sizeof(cl.binary), cause) != 0)
		goto out;
	kvm_cmdline_build(&cl, cfg, gdb_fd);
	if (child_spawn(cl.argv, &b->pid, cause) != 0)
		goto out;
	log_info("target %s: started %s (pid %d)", cfg->name, cl.binary, (int)b->pid);
	*out = b;
	rc = 0;
out:
	if (gdb_fd >= 0)
		close(gdb_fd);
	if (rc != 0) {
		if (b->gdb_path[0] != '\0')
			unlink(b->gdb_path);
		free(b);
	}
	return rc;
}

static const char *kvm_gdb_address(const struct backend *b)
{
	return b->gdb_addr;
}

static pid_t kvm_child_pid(const struct backend *b)
{
	return b->pid;
}

/* gdbhub-kvm decides itself: write watchpoints by read-only mapping have
 * no limit, and what needs a debug register is refused at insert with the
 * reason when none is left or the host never fires it. */
static unsigned kvm_hw_slots(const struct backend *b)
{
	(void)b;
	return 0;
}

static void kvm_child_exited(struct backend *b, int status)
{
	(void)status;
	b->exited = true;
}

/* End gdbhub-kvm (SIGTERM; SIGKILL if it lingers) and free. */
static void kvm_destroy(struct backend *b)
{
	if (b == NULL)
		return;
	if (!b->exited && b->pid > 0) {
		kill(b->pid, SIGTERM);
		if (!child_wait_exit(b->pid, TERM_GRACE_MS)) {
			log_warn("target %s: gdbhub-kvm did not end on SIGTERM; killing it", b->name);
			kill(b->pid, SIGKILL);
			waitpid(b->pid, NULL, 0);
		}
		log_info("target %s: gdbhub-kvm stopped", b->name);
	}
	unlink(b->gdb_path);
	free(b);
}

const struct backend_ops kvm_backend_ops = {
	.name = "kvm",
	.kind = CFG_BACKEND_KVM,
	.launch = kvm_launch,
	.gdb_address = kvm_gdb_address,
	.child_pid = kvm_child_pid,
	.hw_slots = kvm_hw_slots,
	.child_exited = kvm_child_exited,
	.destroy = kvm_destroy,
};

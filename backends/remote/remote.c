/* The remote backend: a stub that is already running (any QEMU, gdbserver,
 * another gdbhub). Nothing to start or stop; only its address. */
#include <stdlib.h>
#include <string.h>

#include "proxy/backend.h"

struct backend {
	char *address;
};

/* Record where the stub listens. */
static int remote_launch(struct event_base *base, const struct cfg_target *cfg,
			 const char *runtime_dir, struct backend **out, char **cause)
{
	struct backend *b = calloc(1, sizeof(*b));

	(void)base;
	(void)runtime_dir;
	*out = NULL;
	if (b == NULL || (b->address = strdup(cfg->gdb)) == NULL) {
		free(b);
		*cause = strdup("out of memory");
		return -1;
	}
	*out = b;
	return 0;
}

static const char *remote_gdb_address(const struct backend *b)
{
	return b->address;
}

static pid_t remote_child_pid(const struct backend *b)
{
	(void)b;
	return -1;
}

static unsigned remote_hw_slots(const struct backend *b)
{
	(void)b;
	return 0; /* unknown: the stub refuses what it cannot hold */
}

static void remote_child_exited(struct backend *b, int status)
{
	(void)b;
	(void)status;
}

static void remote_destroy(struct backend *b)
{
	if (b == NULL)
		return;
	free(b->address);
	free(b);
}

const struct backend_ops remote_backend_ops = {
	.name = "remote",
	.kind = CFG_BACKEND_REMOTE,
	.launch = remote_launch,
	.gdb_address = remote_gdb_address,
	.child_pid = remote_child_pid,
	.hw_slots = remote_hw_slots,
	.child_exited = remote_child_exited,
	.destroy = remote_destroy,
};

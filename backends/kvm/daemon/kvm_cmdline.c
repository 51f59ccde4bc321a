/* The gdbhub-kvm command line for a kvm target. */
#include "backends/kvm/daemon/kvm_cmdline.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Where gdbhub-kvm sits in the build tree, from the daemon's folder (proxy/). */
#define BUILD_TREE_KVM "/../backends/kvm/gdbhub-kvm"

/* out = the build tree's gdbhub-kvm next to self_exe; false if there is none. */
static bool in_build_tree(char *out, size_t size, const char *self_exe)
{
	const char *slash = self_exe != NULL ? strrchr(self_exe, '/') : NULL;
	int n;

	if (slash == NULL)
		return false;
	n = snprintf(out, size, "%.*s%s", (int)(slash - self_exe), self_exe, BUILD_TREE_KVM);
	return n > 0 && (size_t)n < size && access(out, X_OK) == 0;
}

/* Which gdbhub-kvm to run. A GDBHUB_KVM cut short would name another file. */
int kvm_cmdline_binary(char *out, size_t size, const char *env, const char *self_exe)
{
	if (env != NULL && *env != '\0')
		return (size_t)snprintf(out, size, "%s", env) < size ? 0 : -1;
	if (!in_build_tree(out, size, self_exe))
		snprintf(out, size, "gdbhub-kvm");
	return 0;
}

/* Build argv for cfg. */
void kvm_cmdline_build(struct kvm_cmdline *cl, const struct cfg_target *cfg, int gdb_fd)
{
	size_t n = 0;

	snprintf(cl->gdb, sizeof(cl->gdb), "fd:%d", gdb_fd);
	snprintf(cl->memory_mb, sizeof(cl->memory_mb), "%u", cfg->memory_mb);
	snprintf(cl->cpus, sizeof(cl->cpus), "%u", cfg->cpus);
	/* exec takes char *const[]; it does not write to the strings. */
	cl->argv[n++] = cl->binary;
	cl->argv[n++] = "--kernel";
	cl->argv[n++] = (char *)cfg->kernel;
	cl->argv[n++] = "--gdb";
	cl->argv[n++] = cl->gdb;
	cl->argv[n++] = "--arch";
	cl->argv[n++] = (char *)cfg->arch;
	cl->argv[n++] = "--memory-mb";
	cl->argv[n++] = cl->memory_mb;
	cl->argv[n++] = "--cpus";
	cl->argv[n++] = cl->cpus;
	if (cfg->serial != NULL) {
		cl->argv[n++] = "--serial";
		cl->argv[n++] = (char *)cfg->serial;
	}
	if (cfg->console != NULL) {
		cl->argv[n++] = "--console";
		cl->argv[n++] = (char *)cfg->console;
	}
	if (cfg->cmdline != NULL) {
		cl->argv[n++] = "--cmdline";
		cl->argv[n++] = (char *)cfg->cmdline;
	}
	cl->argv[n] = NULL;
}

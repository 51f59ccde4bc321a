/* QEMU's record/replay options on top of the tcg command line. */
#include "backends/replay/replay_cmdline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/cause.h"

static int build(struct qemu_cmdline *cl, const struct recording *rec, enum rr_mode mode,
		 const struct rr_files *files, const char *snapshot, int gdb_fd, int qmp_fd,
		 char **cause);

/* Arguments added to the VM's own: icount with the event log, and the
 * snapshot disk behind QEMU's blkreplay filter, as docs/system/replay.rst
 * asks (no device uses it: it only holds the snapshots). */
#define N_RR_ARGS 6

/* A path as a QEMU option value: commas doubled. NULL on out of memory. */
static char *qemu_opt_value(const char *s)
{
	size_t n = strlen(s), commas = 0;
	char *out, *o;

	for (size_t i = 0; i < n; i++)
		commas += s[i] == ',';
	if ((out = malloc(n + commas + 1)) == NULL)
		return NULL;
	o = out;
	for (size_t i = 0; i < n; i++) {
		*o++ = s[i];
		if (s[i] == ',')
			*o++ = ',';
	}
	*o = '\0';
	return out;
}

/* The record/replay arguments, malloc'd into rr[]. */
static int rr_args(char *rr[N_RR_ARGS], const struct recording *rec, enum rr_mode mode,
		   const struct rr_files *files, const char *snapshot)
{
	char *log = qemu_opt_value(files->event_log), *disk = qemu_opt_value(files->disk);
	int rc = 0;

	if (log == NULL || disk == NULL ||
	    (rr[0] = strdup("-icount")) == NULL ||
	    asprintf(&rr[1], "shift=%u,rr=%s,rrfile=%s,rrsnapshot=%s", rec->icount_shift,
		     mode == RR_RECORD ? "record" : "replay", log,
		     snapshot) < 0 ||
	    (rr[2] = strdup("-drive")) == NULL ||
	    asprintf(&rr[3], "file=%s,if=none,id=rr-disk", disk) < 0 ||
	    (rr[4] = strdup("-drive")) == NULL ||
	    (rr[5] = strdup("driver=blkreplay,if=none,image=rr-disk,id=rr-blk")) == NULL)
		rc = -1;
	free(log);
	free(disk);
	return rc;
}

int replay_cmdline_build(struct qemu_cmdline *cl, const struct recording *rec, enum rr_mode mode,
			 const struct rr_files *files, int gdb_fd, int qmp_fd, char **cause)
{
	return build(cl, rec, mode, files, RECORDING_SNAPSHOT, gdb_fd, qmp_fd, cause);
}

int replay_cmdline_build_from(struct qemu_cmdline *cl, const struct recording *rec,
			      const struct rr_files *files, const char *snapshot, int gdb_fd,
			      int qmp_fd, char **cause)
{
	return build(cl, rec, RR_REPLAY, files, snapshot, gdb_fd, qmp_fd, cause);
}

/* The command line of either mode from snapshot. */
static int build(struct qemu_cmdline *cl, const struct recording *rec, enum rr_mode mode,
		 const struct rr_files *files, const char *snapshot, int gdb_fd, int qmp_fd,
		 char **cause)
{
	char *rr[N_RR_ARGS] = { 0 };
	char **args = calloc(rec->n_qemu_args + N_RR_ARGS + 1, sizeof(*args));
	struct cfg_target t = {
		.name = rec->guest,
		.arch = rec->arch,
		.kernel = (char *)files->kernel,
		.cmdline = rec->cmdline,
		.memory_mb = rec->memory_mb,
		.cpus = rec->cpus,
		.serial = (char *)files->serial,
		.qemu_args = args,
		.n_qemu_args = rec->n_qemu_args + N_RR_ARGS,
	};
	int rc;

	if (args == NULL || rr_args(rr, rec, mode, files, snapshot) != 0) {
		rc = cause_fail(cause, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < rec->n_qemu_args; i++)
		args[i] = rec->qemu_args[i];
	for (size_t i = 0; i < N_RR_ARGS; i++)
		args[rec->n_qemu_args + i] = rr[i];
	rc = qemu_cmdline_build(cl, &t, gdb_fd, qmp_fd, files->pidfile, cause);
out:
	for (size_t i = 0; i < N_RR_ARGS; i++)
		free(rr[i]);
	free(args);
	return rc;
}

/* Recordings started through the control socket (`record.start`): each is
 * a `gdbhub record` child process of the daemon, so the event loop never
 * waits on the recording QEMU; `record.list` says how each is doing and,
 * once it ended, what it wrote (its recording.json). */
#ifndef GDBHUB_CONTROL_RECORD_JOBS_H
#define GDBHUB_CONTROL_RECORD_JOBS_H

#include <json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config/config.h"
#include "proxy/queue_compat.h"

struct record_job {
	TAILQ_ENTRY(record_job) entry;
	uint32_t id;
	char *target;   /* a tcg target of the config file */
	char *out;      /* the recording folder, absolute */
	char *log;      /* the child's stdout and stderr */
	pid_t pid;      /* -1 once reaped */
	int status;     /* its wait status, once reaped */
};

struct record_jobs {
	TAILQ_HEAD(, record_job) list;
	uint32_t next_id;
};

void record_jobs_init(struct record_jobs *jobs);

/* Start recording as spec (an object: {"target", "out", optional "max_seconds",
 * "max_icount", "icount_shift"}) asks, with cfg (the daemon's config,
 * whose file the child reads) and logs in runtime_dir. Returns the job, or
 * NULL with *cause naming the key at fault. */
struct record_job *record_jobs_start(struct record_jobs *jobs, const struct config *cfg,
				     const char *runtime_dir, json_object *spec, char **cause);

/* A child ended: true if it was one of the jobs. */
bool record_jobs_reaped(struct record_jobs *jobs, pid_t pid, int status);

/* One job as record.start and record.list show it. */
json_object *record_job_describe(const struct record_job *job);

/* End every recording still running (SIGTERM: record stops QEMU and
 * writes what was recorded so far), remove the logs and free all. */
void record_jobs_stop(struct record_jobs *jobs);

#endif

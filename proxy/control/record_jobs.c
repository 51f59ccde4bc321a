/* record.start / record.list: `gdbhub record` run as a child (see
 * record_jobs.h). */
#include "proxy/control/record_jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/common/child.h"
#include "backends/replay/recording.h"
#include "proxy/cause.h"
#include "proxy/log.h"

/* What spec may hold besides target and out, with their gdbhub record
 * options and the ranges record takes. */
static const struct limit_key {
	const char *key, *option;
	double min, max;
} limit_keys[] = {
	{ "max_seconds", "--max-seconds", 0.001, 1e9 },
	{ "max_icount", "--max-icount", 1, 1e18 },
	{ "icount_shift", "--icount-shift", 0, 10 },
};

#define N_LIMITS (sizeof(limit_keys) / sizeof(limit_keys[0]))

void record_jobs_init(struct record_jobs *jobs)
{
	TAILQ_INIT(&jobs->list);
	jobs->next_id = 1;
}

/* A tcg target of the config file named name, or NULL. */
static const struct cfg_target *tcg_target(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_targets; i++)
		if (strcmp(cfg->targets[i].name, name) == 0 &&
		    cfg->targets[i].backend == CFG_BACKEND_TCG)
			return &cfg->targets[i];
	return NULL;
}

static const char *string_key(json_object *spec, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(spec, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Every key of spec is known; target and out are there and make sense. */
static int check_spec(const struct config *cfg, json_object *spec, char **cause)
{
	const char *target = string_key(spec, "target"), *out = string_key(spec, "out");

	json_object_object_foreach(spec, key, val) {
		bool known = !strcmp(key, "target") || !strcmp(key, "out");

		(void)val;
		for (size_t i = 0; i < N_LIMITS && !known; i++)
			known = !strcmp(key, limit_keys[i].key);
		if (!known)
			return cause_fail(cause, "record.%.64s: unknown key (expected target, out, "
					  "max_seconds, max_icount or icount_shift)", key);
	}
	if (target == NULL)
		return cause_fail(cause, "record.target: required, a string");
	if (tcg_target(cfg, target) == NULL)
		return cause_fail(cause, "record.target: no tcg target \"%.64s\" in %s (record "
				  "runs a tcg target of the config file)", target, cfg->path);
	if (out == NULL || out[0] != '/')
		return cause_fail(cause, "record.out: required, an absolute path");
	if (access(out, F_OK) == 0)
		return cause_fail(cause, "record.out: %s is already there", out);
	return 0;
}

/* Append spec's limits to argv (at *n) as record's options; text holds
 * their values. */
static int add_limits(json_object *spec, char **argv, size_t *n, char text[][32], char **cause)
{
	for (size_t i = 0; i < N_LIMITS; i++) {
		const struct limit_key *k = &limit_keys[i];
		json_object *v;
		double d;

		if (!json_object_object_get_ex(spec, k->key, &v))
			continue;
		d = json_object_get_double(v);
		if (!(json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)) ||
		    d < k->min || d > k->max ||
		    (strcmp(k->key, "max_seconds") != 0 && json_object_is_type(v, json_type_double)))
			return cause_fail(cause, "record.%s: expected a number from %g to %g", k->key,
					  k->min, k->max);
		if (json_object_is_type(v, json_type_int))
			snprintf(text[i], 32, "%" PRId64, json_object_get_int64(v));
		else
			snprintf(text[i], 32, "%.3f", d);
		argv[(*n)++] = (char *)k->option;
		argv[(*n)++] = text[i];
	}
	return 0;
}

static void job_free(struct record_job *job)
{
	free(job->target);
	free(job->out);
	free(job->log);
	free(job);
}

/* Spawn `gdbhub record` (this very executable) for job, output to its log. */
static int spawn(struct record_job *job, const char *config, json_object *spec, char **cause)
{
	char self[4096], text[N_LIMITS][32];
	char *argv[8 + 2 * N_LIMITS] = { self, "record", "-c", (char *)config, job->target,
					 "--out", job->out };
	size_t n = 7;
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int fd, rc;

	if (len <= 0)
		return cause_fail(cause, "cannot find the gdbhub executable: %s", strerror(errno));
	self[len] = '\0';
	if (add_limits(spec, argv, &n, text, cause) != 0)
		return -1;
	argv[n] = NULL;
	fd = open(job->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return cause_fail(cause, "%s: %s", job->log, strerror(errno));
	rc = child_spawn_output(argv, fd, &job->pid, cause);
	close(fd);
	return rc;
}

struct record_job *record_jobs_start(struct record_jobs *jobs, const struct config *cfg,
				     const char *runtime_dir, json_object *spec, char **cause)
{
	struct record_job *job;
	char *log = NULL;

	/* The request check (request.c) made spec an object. */
	if (check_spec(cfg, spec, cause) != 0)
		return NULL;
	job = calloc(1, sizeof(*job));
	if (asprintf(&log, "%s/record-%" PRIu32 ".log", runtime_dir, jobs->next_id) < 0)
		log = NULL;
	if (job == NULL || log == NULL || (job->target = strdup(string_key(spec, "target"))) == NULL ||
	    (job->out = strdup(string_key(spec, "out"))) == NULL) {
		free(log);
		cause_fail(cause, "out of memory");
		goto fail;
	}
	job->log = log;
	job->id = jobs->next_id;
	if (spawn(job, cfg->path, spec, cause) != 0)
		goto fail;
	jobs->next_id++;
	TAILQ_INSERT_TAIL(&jobs->list, job, entry);
	log_info("control: recording %" PRIu32 ": %s into %s (pid %d)", job->id, job->target,
		 job->out, (int)job->pid);
	return job;
fail:
	if (job != NULL)
		job_free(job);
	return NULL;
}

bool record_jobs_reaped(struct record_jobs *jobs, pid_t pid, int status)
{
	struct record_job *job;

	TAILQ_FOREACH(job, &jobs->list, entry) {
		if (job->pid != pid)
			continue;
		job->pid = -1;
		job->status = status;
		log_info("control: recording %" PRIu32 " of %s ended (%s %d)", job->id, job->target,
			 WIFEXITED(status) ? "status" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return true;
	}
	return false;
}

/* The last non-empty line of the job's log: why it failed. */
static json_object *last_log_line(const struct record_job *job)
{
	char line[512], last[512] = "";
	FILE *f = fopen(job->log, "r");

	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != '\0')
			memcpy(last, line, sizeof(last));
	}
	if (f != NULL)
		fclose(f);
	return json_object_new_string(last);
}

/* What the finished recording says of itself. */
static void add_recording(json_object *o, const struct record_job *job)
{
	struct recording rec;
	char *cause = NULL;

	if (recording_load(job->out, &rec, &cause) != 0) {
		json_object_object_add(o, "error", json_object_new_string(cause ? cause : "?"));
		free(cause);
		return;
	}
	json_object_object_add(o, "icount", json_object_new_int64((int64_t)rec.icount));
	json_object_object_add(o, "icount_exact", json_object_new_boolean(rec.icount_exact));
	json_object_object_add(o, "end", json_object_new_string(rec.ended_by_limit ? "limit" : "exit"));
	json_object_object_add(o, "exit_status", json_object_new_int(rec.exit_status));
	recording_free(&rec);
}

json_object *record_job_describe(const struct record_job *job)
{
	json_object *o = json_object_new_object();
	bool ok = job->pid < 0 && WIFEXITED(job->status) && WEXITSTATUS(job->status) == 0;

	json_object_object_add(o, "id", json_object_new_int64(job->id));
	json_object_object_add(o, "target", json_object_new_string(job->target));
	json_object_object_add(o, "out", json_object_new_string(job->out));
	json_object_object_add(o, "log", json_object_new_string(job->log));
	json_object_object_add(o, "state", json_object_new_string(job->pid >= 0 ? "recording" :
								   ok ? "done" : "failed"));
	if (job->pid >= 0)
		json_object_object_add(o, "pid", json_object_new_int(job->pid));
	else if (ok)
		add_recording(o, job);
	else
		json_object_object_add(o, "error", last_log_line(job));
	return o;
}

void record_jobs_stop(struct record_jobs *jobs)
{
	struct record_job *job;

	while ((job = TAILQ_FIRST(&jobs->list)) != NULL) {
		TAILQ_REMOVE(&jobs->list, job, entry);
		if (job->pid > 0) {
			/* Its own process group holds it and its QEMU. */
			/* record ends QEMU and writes what it has. */
			kill(job->pid, SIGTERM);
			if (!child_wait_exit(job->pid, 5000)) {
				kill(-job->pid, SIGKILL);
				child_wait_exit(job->pid, 2000);
			}
		}
		unlink(job->log); /* in the runtime folder, which goes too */
		job_free(job);
	}
}

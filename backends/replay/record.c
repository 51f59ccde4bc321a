/* gdbhub record: one QEMU in record mode, watched over QMP until the guest
 * ends it or a limit does, then recording.json.
 *
 * A short-lived command, not the daemon: it blocks on QMP and polls
 * query-replay for the instruction count. */
#include "backends/replay/record.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "backends/common/child.h"
#include "backends/replay/event_log.h"
#include "backends/replay/recording.h"
#include "backends/replay/replay_cmdline.h"
#include "config/config.h"
#include "proxy/cause.h"
#include "proxy/transport/sockaddr.h"

#define POLL_MS 20              /* between two query-replay */
#define QUIT_GRACE_MS 5000      /* for QEMU to write the log's end and quit */
#define DEFAULT_SHIFT 5
#define DISK_SIZE "64M"         /* holds the initial snapshot (RAM and devices) */

struct record_opts {
	const char *config, *target, *out;
	double max_seconds;     /* 0: none */
	uint64_t max_icount;    /* 0: none */
	unsigned shift;
};

/* A blocking QMP connection: one JSON object per line. */
struct qmp_sync {
	int fd;
	char buf[65536];
	size_t len;
};

static void usage(FILE *out)
{
	fprintf(out, "usage: gdbhub record -c CONFIG TARGET --out DIR [--max-seconds S]\n"
		     "                     [--max-icount N] [--icount-shift N]\n"
		     "\n"
		     "Run tcg target TARGET of CONFIG under QEMU record mode until the guest\n"
		     "ends QEMU or a limit is reached, and write the recording folder DIR\n"
		     "(a replay target's \"recording\"). DIR must not exist or be empty.\n");
}

/* Parse the command line; -1 on a usage error. */
static int parse_args(int argc, char **argv, struct record_opts *o)
{
	static const struct option longs[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "max-seconds", required_argument, NULL, 's' },
		{ "max-icount", required_argument, NULL, 'i' },
		{ "icount-shift", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int opt;

	*o = (struct record_opts){ .shift = DEFAULT_SHIFT };
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:o:h", longs, NULL)) != -1) {
		errno = 0;
		switch (opt) {
		case 'c': o->config = optarg; break;
		case 'o': o->out = optarg; break;
		case 's':
			o->max_seconds = strtod(optarg, &end);
			if (*end != '\0' || errno != 0 || !(o->max_seconds > 0))
				return fprintf(stderr, "gdbhub record: --max-seconds: expected a positive number\n"), -1;
			break;
		case 'i':
			o->max_icount = strtoull(optarg, &end, 0);
			if (*end != '\0' || errno != 0 || o->max_icount == 0 || *optarg == '-')
				return fprintf(stderr, "gdbhub record: --max-icount: expected a positive integer\n"), -1;
			break;
		case 'S':
			o->shift = (unsigned)strtoul(optarg, &end, 10);
			if (*end != '\0' || errno != 0 || o->shift > 10 || *optarg == '-')
				return fprintf(stderr, "gdbhub record: --icount-shift: expected 0 to 10\n"), -1;
			break;
		default:
			return -1;
		}
	}
	if (optind + 1 != argc || o->config == NULL || o->out == NULL)
		return -1;
	o->target = argv[optind];
	return 0;
}

/* Make dir, or accept it empty. */
static int make_out_dir(const char *dir, char **cause)
{
	char probe[4096];

	if (mkdir(dir, 0755) == 0)
		return 0;
	if (errno != EEXIST)
		return cause_fail(cause, "%s: cannot create: %s", dir, strerror(errno));
	snprintf(probe, sizeof(probe), "%s/%s", dir, RECORDING_JSON);
	if (access(probe, F_OK) == 0)
		return cause_fail(cause, "%s: already holds a recording", dir);
	snprintf(probe, sizeof(probe), "%s/%s", dir, RECORDING_EVENT_LOG);
	if (access(probe, F_OK) == 0)
		return cause_fail(cause, "%s: already holds an event log", dir);
	return 0;
}

/* Run argv to its end; 0 if it exited 0. */
static int run_tool(char **argv, char **cause)
{
	pid_t pid;
	int status;

	if (child_spawn(argv, &pid, cause) != 0)
		return -1;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return cause_fail(cause, "%s failed", argv[0]);
	return 0;
}

/* Copy a file with cp (keeps this command short; the daemon never runs it). */
static int copy_file(const char *from, const char *to, char **cause)
{
	char *argv[] = { "cp", "--", (char *)from, (char *)to, NULL };

	return run_tool(argv, cause);
}

/* The first line of `binary --version`, malloc'd; "unknown" if none. */
static char *qemu_version(const char *binary)
{
	char cmd[512], line[256] = "unknown";
	FILE *p;

	snprintf(cmd, sizeof(cmd), "'%s' --version 2>/dev/null", binary);
	if ((p = popen(cmd, "r")) != NULL) {
		if (fgets(line, sizeof(line), p) == NULL)
			snprintf(line, sizeof(line), "unknown");
		pclose(p);
	}
	line[strcspn(line, "\n")] = '\0';
	return strdup(line);
}

/* Connect to QMP at path, read the greeting, negotiate. */
static int qmp_open(struct qmp_sync *q, const char *path, char **cause);
static int qmp_call(struct qmp_sync *q, const char *cmd, json_object **ret, char **cause);

/* The instruction count now, from query-replay. */
static int query_icount(struct qmp_sync *q, uint64_t *icount)
{
	json_object *ret, *v;
	char *cause = NULL;
	int rc = -1;

	if (qmp_call(q, "query-replay", &ret, &cause) != 0) {
		free(cause);
		return -1;
	}
	if (json_object_object_get_ex(ret, "icount", &v)) {
		*icount = (uint64_t)json_object_get_int64(v);
		rc = 0;
	}
	json_object_put(ret);
	return rc;
}

/* SIGTERM or SIGINT: end the recording as a limit would, so that what was
 * recorded so far is a recording too (the daemon's record_jobs stop ours
 * with SIGTERM; a user presses Ctrl-C). */
static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void catch_stop_signals(void)
{
	/* SA_RESTART: a signal during the set-up's blocking calls (QMP,
	 * waitpid) must not fail them; the watch loop sees the flag. */
	struct sigaction sa = { .sa_handler = on_stop_signal, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Wait up to ms for pid to end, reaping it into *status; true if it did. */
static bool wait_end(pid_t pid, int *status, int ms)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };

	for (int waited = 0;; waited += 10) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			return r == pid;
		if (waited >= ms)
			return false;
		nanosleep(&pause, NULL);
	}
}

/* The guest ended QEMU: a normal end, whenever it came (even before QEMU
 * answered `cont`). Reap QEMU, then count the instructions from the event
 * log it finished; if the log cannot be read, the last count polled is a
 * lower bound, and the recording says so. */
static int ended_by_guest(pid_t pid, int *status, bool reaped, const char *log,
			  struct recording *rec, char **cause)
{
	char *why = NULL;
	uint64_t icount;

	if (!reaped && !wait_end(pid, status, QUIT_GRACE_MS)) {
		kill(pid, SIGKILL);
		waitpid(pid, status, 0);
		return cause_fail(cause, "QEMU stopped answering QMP but did not exit");
	}
	if (event_log_icount(log, &icount, &why) == 0) {
		rec->icount = icount;
		rec->icount_exact = true;
		return 0;
	}
	fprintf(stderr, "gdbhub record: the instruction count is a lower bound (%" PRIu64 "): %s\n",
		rec->icount, why != NULL ? why : "out of memory");
	free(why);
	return 0;
}

/* Let the guest run until it ends QEMU or a limit is reached; then stop it,
 * count exactly and quit. Sets rec's icount and end. */
static int watch(struct qmp_sync *q, pid_t pid, const struct record_opts *o, const char *log,
		 struct recording *rec, int *status, char **cause)
{
	double start = now_s();
	struct timespec pause = { 0, POLL_MS * 1000 * 1000 };
	uint64_t icount = 0;
	bool reaped = false;
	char *why = NULL;

	/* A fast guest may end QEMU before its answer to `cont` is sent. */
	if (qmp_call(q, "cont", NULL, &why) != 0) {
		free(why);
		return ended_by_guest(pid, status, false, log, rec, cause);
	}
	for (;;) {
		if ((reaped = waitpid(pid, status, WNOHANG) == pid) || query_icount(q, &icount) != 0)
			break;
		rec->icount = icount;
		if ((o->max_icount && icount >= o->max_icount) || stop_requested ||
		    (o->max_seconds > 0 && now_s() - start >= o->max_seconds)) {
			rec->ended_by_limit = true;
			break;
		}
		nanosleep(&pause, NULL);
	}
	if (!rec->ended_by_limit)
		return ended_by_guest(pid, status, reaped, log, rec, cause);
	if (qmp_call(q, "stop", NULL, cause) != 0 || query_icount(q, &rec->icount) != 0)
		return -1;
	rec->icount_exact = true;
	qmp_call(q, "quit", NULL, cause);
	if (!child_wait_exit(pid, QUIT_GRACE_MS)) {
		kill(pid, SIGKILL);
		waitpid(pid, status, 0);
		return cause_fail(cause, "QEMU did not quit; the event log may be incomplete");
	}
	*status = 0;
	return 0;
}

/* x86 PC machines get kvmvapic unless told otherwise; with it, a running
 * QEMU 7.2 deadlocks loading a late snapshot (README.md), so recordings
 * are made without it, and their replays reuse the same qemu_args. */
static bool wants_vapic_off(const struct cfg_target *t)
{
	if (strcmp(t->arch, "i386") != 0 && strcmp(t->arch, "x86_64") != 0)
		return false;
	for (size_t i = 0; i < t->n_qemu_args; i++)
		if (strstr(t->qemu_args[i], "apic-common.vapic") != NULL)
			return false;
	return true;
}

static int copy_qemu_args(struct recording *rec, const struct cfg_target *t)
{
	static const char *const vapic_off[] = { "-global", RECORDING_VAPIC_OFF };
	size_t extra = wants_vapic_off(t) ? 2 : 0;

	rec->qemu_args = calloc(t->n_qemu_args + extra + 1, sizeof(*rec->qemu_args));
	if (rec->qemu_args == NULL)
		return -1;
	for (size_t i = 0; i < t->n_qemu_args + extra; i++) {
		const char *a = i < t->n_qemu_args ? t->qemu_args[i] : vapic_off[i - t->n_qemu_args];

		if ((rec->qemu_args[i] = strdup(a)) == NULL)
			return -1;
		rec->n_qemu_args = i + 1;
	}
	return 0;
}

/* Fill rec's guest part from the config's target. */
static int describe_guest(struct recording *rec, const struct cfg_target *t, const char *kernel,
			  unsigned shift)
{
	rec->guest = strdup(t->name);
	rec->arch = strdup(t->arch);
	rec->kernel = strdup(kernel);
	rec->kernel_source = strdup(t->kernel);
	rec->cmdline = t->cmdline != NULL ? strdup(t->cmdline) : NULL;
	rec->memory_mb = t->memory_mb;
	rec->cpus = t->cpus;
	rec->icount_shift = shift;
	if (copy_qemu_args(rec, t) != 0)
		return -1;
	return rec->guest && rec->arch && rec->kernel && rec->kernel_source ? 0 : -1;
}

/* The date now, UTC, ISO 8601. */
static char *date_now(void)
{
	char buf[32];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return strdup(buf);
}

/* Keep argv in rec (its QEMU command line). */
static int keep_command(struct recording *rec, char **argv, size_t argc)
{
	if ((rec->qemu_command = calloc(argc + 1, sizeof(*argv))) == NULL)
		return -1;
	for (size_t i = 0; i < argc; i++) {
		if ((rec->qemu_command[i] = strdup(argv[i])) == NULL)
			return -1;
		rec->n_qemu_command = i + 1;
	}
	return 0;
}

/* Paths inside the output folder and the scratch folder for sockets. */
struct paths {
	char kernel[PATH_MAX + 256], log[PATH_MAX + 16], disk[PATH_MAX + 16], serial[PATH_MAX + 16];
	char tmp[64], gdb[128], qmp[128], pid[128];
};

static void make_paths(struct paths *p, const char *out, const char *kernel_name)
{
	snprintf(p->kernel, sizeof(p->kernel), "%s/%s", out, kernel_name);
	snprintf(p->log, sizeof(p->log), "%s/%s", out, RECORDING_EVENT_LOG);
	snprintf(p->disk, sizeof(p->disk), "%s/%s", out, RECORDING_DISK);
	snprintf(p->serial, sizeof(p->serial), "%s/%s", out, RECORDING_SERIAL);
	snprintf(p->gdb, sizeof(p->gdb), "%s/gdb.sock", p->tmp);
	snprintf(p->qmp, sizeof(p->qmp), "%s/qmp.sock", p->tmp);
	snprintf(p->pid, sizeof(p->pid), "%s/qemu.pid", p->tmp);
}

/* Prepare the folder, run QEMU, watch it; rec gets everything but the date. */
static int record(const struct record_opts *o, const struct cfg_target *t, struct paths *p,
		  struct recording *rec, char **cause)
{
	char *img[] = { "qemu-img", "create", "-q", "-f", "qcow2", p->disk, DISK_SIZE, NULL };
	struct rr_files files = { p->kernel, p->log, p->disk, p->serial, p->pid };
	struct qemu_cmdline cl = { 0 };
	struct qmp_sync q = { .fd = -1 };
	int gdb_fd = -1, qmp_fd = -1, status = 0, rc = -1;
	pid_t pid = -1;

	if (copy_file(t->kernel, p->kernel, cause) != 0 || run_tool(img, cause) != 0)
		return -1;
	gdb_fd = child_listen_unix(p->gdb);
	qmp_fd = child_listen_unix(p->qmp);
	if (gdb_fd < 0 || qmp_fd < 0) {
		cause_fail(cause, "cannot make sockets in %s: %s", p->tmp, strerror(errno));
		goto out;
	}
	if (replay_cmdline_build(&cl, rec, RR_RECORD, &files, gdb_fd, qmp_fd, cause) != 0 ||
	    keep_command(rec, cl.argv, cl.argc) != 0 ||
	    (rec->qemu_version = qemu_version(cl.argv[0])) == NULL ||
	    child_spawn(cl.argv, &pid, cause) != 0)
		goto out;
	fprintf(stderr, "gdbhub record: recording %s (pid %d)\n", t->name, (int)pid);
	if (qmp_open(&q, p->qmp, cause) != 0 || watch(&q, pid, o, p->log, rec, &status, cause) != 0)
		goto out;
	rec->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	rc = 0;
out:
	if (rc != 0 && pid > 0 && !child_wait_exit(pid, 0)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (q.fd >= 0)
		close(q.fd);
	if (gdb_fd >= 0)
		close(gdb_fd);
	if (qmp_fd >= 0)
		close(qmp_fd);
	unlink(p->gdb);
	unlink(p->qmp);
	unlink(p->pid);
	rmdir(p->tmp);
	qemu_cmdline_free(&cl);
	return rc;
}

/* Check the target, then record it into o->out. */
static int record_target(const struct record_opts *o, const struct config *cfg, char **cause)
{
	const struct cfg_target *t = config_find_target(cfg, o->target);
	struct recording rec = { 0 };
	char out[PATH_MAX];
	struct paths p;
	const char *base;
	int rc = -1;

	if (t == NULL)
		return cause_fail(cause, "%s: no target %s", cfg->path, o->target);
	if (t->backend != CFG_BACKEND_TCG)
		return cause_fail(cause, "target %s: only tcg targets can be recorded", t->name);
	base = strrchr(t->kernel, '/') != NULL ? strrchr(t->kernel, '/') + 1 : t->kernel;
	if (make_out_dir(o->out, cause) != 0)
		return -1;
	/* The command line kept in recording.json says where it all was. */
	if (realpath(o->out, out) == NULL)
		return cause_fail(cause, "%s: %s", o->out, strerror(errno));
	snprintf(p.tmp, sizeof(p.tmp), "/tmp/gdbhub-record-XXXXXX");
	if (mkdtemp(p.tmp) == NULL)
		return cause_fail(cause, "mkdtemp: %s", strerror(errno));
	make_paths(&p, out, base);
	if (describe_guest(&rec, t, base, o->shift) != 0) {
		cause_fail(cause, "out of memory");
		rmdir(p.tmp);
	} else if (record(o, t, &p, &rec, cause) == 0 && (rec.date = date_now()) != NULL &&
		   recording_write(out, &rec, cause) == 0) {
		printf("recorded %s: %" PRIu64 " instructions%s, %s %d, in %s\n", t->name,
		       rec.icount, rec.icount_exact ? "" : " (at least)",
		       rec.ended_by_limit ? "stopped at the limit; status" : "exit status",
		       rec.exit_status, o->out);
		rc = 0;
	}
	recording_free(&rec);
	return rc;
}

int record_main(int argc, char **argv)
{
	struct record_opts o;
	struct config *cfg = NULL;
	char *cause = NULL;
	int rc;

	if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (parse_args(argc, argv, &o) != 0) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	catch_stop_signals();
	/* As for replays (replay.c): QEMU's record/replay misbehaves when
	 * malloc fills fresh memory. */
	unsetenv("MALLOC_PERTURB_");
	rc = config_load(o.config, &cfg, &cause) == 0 && record_target(&o, cfg, &cause) == 0;
	if (!rc)
		fprintf(stderr, "gdbhub record: %s\n", cause != NULL ? cause : "failed");
	free(cause);
	config_free(cfg);
	return rc ? 0 : 1;
}

/* ---- the blocking QMP client ---- */

/* Read one JSON object (a line) that is not an event. NULL on EOF/error. */
static json_object *qmp_read(struct qmp_sync *q)
{
	for (;;) {
		char *nl = memchr(q->buf, '\n', q->len);
		struct pollfd pfd = { .fd = q->fd, .events = POLLIN };
		ssize_t n;

		if (nl != NULL) {
			json_object *msg;
			*nl = '\0';
			msg = json_tokener_parse(q->buf);
			q->len -= (size_t)(nl + 1 - q->buf);
			memmove(q->buf, nl + 1, q->len);
			if (msg != NULL && !json_object_object_get_ex(msg, "event", NULL))
				return msg;
			json_object_put(msg);
			continue;
		}
		/* A stop signal interrupts poll and read whatever SA_RESTART says:
		 * that is no answer yet, not QEMU gone. Taken for the latter, it
		 * sent a stopped recording down the guest-ended path, which waits
		 * 5 s for a QEMU that never ends (the daemon kills us first). */
		int ready = q->len == sizeof(q->buf) ? 0 : poll(&pfd, 1, 10000);

		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0)
			return NULL;
		n = read(q->fd, q->buf + q->len, sizeof(q->buf) - q->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;
		q->len += (size_t)n;
	}
}

/* Run one command; *ret (if wanted) gets its "return" value. */
static int qmp_call(struct qmp_sync *q, const char *cmd, json_object **ret, char **cause)
{
	char line[128];
	json_object *msg, *v;
	int n = snprintf(line, sizeof(line), "{\"execute\":\"%s\"}\n", cmd);

	if (ret != NULL)
		*ret = NULL;
	if (send(q->fd, line, (size_t)n, MSG_NOSIGNAL) != n || (msg = qmp_read(q)) == NULL)
		return cause_fail(cause, "QMP %s: QEMU closed the connection", cmd);
	if (!json_object_object_get_ex(msg, "return", &v)) {
		cause_fail(cause, "QMP %s: %s", cmd, json_object_to_json_string(msg));
		json_object_put(msg);
		return -1;
	}
	if (ret != NULL)
		*ret = json_object_get(v);
	json_object_put(msg);
	return 0;
}

static int qmp_open(struct qmp_sync *q, const char *path, char **cause)
{
	struct sockaddr_storage sa;
	socklen_t len;
	json_object *greeting;

	if (sockaddr_unix(path, &sa, &len) != 0 ||
	    (q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(q->fd, (struct sockaddr *)&sa, len) != 0)
		return cause_fail(cause, "cannot connect to QEMU's QMP at %s: %s", path, strerror(errno));
	if ((greeting = qmp_read(q)) == NULL)
		return cause_fail(cause, "QMP: no greeting from QEMU");
	json_object_put(greeting);
	return qmp_call(q, "qmp_capabilities", NULL, cause);
}

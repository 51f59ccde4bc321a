/* The replaying QEMUs behind the supervisor: started from a checkpoint
 * (-icount ...,rr=replay,rrsnapshot=TAG on a disk of their own), driven
 * through QMP synchronously, reached by gdb through their gdbstub. */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "backends/common/child.h"
#include "backends/replay/replay_cmdline.h"
#include "backends/replay/sup/sup.h"
#include "proxy/cause.h"

int sup_copy_file(const char *from, const char *to, char **cause)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, rc = -1;
	ssize_t n = 0;

	if (in < 0)
		return cause_fail(cause, "cannot read %s: %s", from, strerror(errno));
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out >= 0) {
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n)
				break;
		rc = n == 0 && close(out) == 0 ? 0 : -1;
	}
	close(in);
	return rc == 0 ? 0 : cause_fail(cause, "cannot copy %s to %s: %s", from, to, strerror(errno));
}

/* Fork and exec; the child dies with us (PDEATHSIG), so no QEMU outlives
 * a supervisor that was killed. */
static pid_t spawn(char **argv)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int build_and_spawn(struct sup *s, struct qemu *q, const char *tag, char **cause)
{
	char kernel[4096], log[4096];
	struct rr_files files = { kernel, log, q->disk_path, s->seq == 1 ? s->serial : NULL,
				  q->pid_path };
	struct qemu_cmdline cl = { 0 };
	int gdb_fd = child_listen_unix(q->gdb_path), qmp_fd = child_listen_unix(q->qmp_path);
	int rc = -1;

	snprintf(kernel, sizeof(kernel), "%s/%s", s->recording, s->rec.kernel);
	snprintf(log, sizeof(log), "%s/%s", s->recording, RECORDING_EVENT_LOG);
	if (gdb_fd < 0 || qmp_fd < 0)
		cause_fail(cause, "cannot make sockets for QEMU: %s", strerror(errno));
	else if (replay_cmdline_build_from(&cl, &s->rec, &files, tag, gdb_fd, qmp_fd, cause) == 0)
		rc = (q->pid = spawn(cl.argv)) > 0 ? 0 : cause_fail(cause, "fork: %s", strerror(errno));
	qemu_cmdline_free(&cl);
	if (gdb_fd >= 0)
		close(gdb_fd);
	if (qmp_fd >= 0)
		close(qmp_fd);
	return rc;
}

struct qemu *qemu_start(struct sup *s, const struct ckpt *from, char **cause)
{
	struct qemu *q = calloc(1, sizeof(*q));
	unsigned n = ++s->seq;

	if (q == NULL) {
		cause_fail(cause, "out of memory");
		return NULL;
	}
	q->qmp_fd = -1;
	q->gdb.fd = -1;
	q->from = from->icount;
	snprintf(q->from_tag, sizeof(q->from_tag), "%s", from->tag);
	snprintf(q->gdb_path, sizeof(q->gdb_path), "%s.q%u.gdb.sock", s->work, n);
	snprintf(q->qmp_path, sizeof(q->qmp_path), "%s.q%u.qmp.sock", s->work, n);
	snprintf(q->pid_path, sizeof(q->pid_path), "%s.q%u.pid", s->work, n);
	snprintf(q->disk_path, sizeof(q->disk_path), "%s.q%u.qcow2", s->work, n);
	if (sup_copy_file(from->disk, q->disk_path, cause) != 0 ||
	    build_and_spawn(s, q, from->tag, cause) != 0) {
		qemu_end(q);
		return NULL;
	}
	return q;
}

/* One line from QMP (blocking), NUL-terminated in place; NULL at EOF. */
static char *qmp_line(struct qemu *q, size_t *used)
{
	for (;;) {
		char *nl = memchr(q->qmp_buf, '\n', q->qmp_len);
		ssize_t n;

		if (nl != NULL) {
			*nl = '\0';
			*used = (size_t)(nl - q->qmp_buf) + 1;
			return q->qmp_buf;
		}
		if (q->qmp_len >= sizeof(q->qmp_buf) - 1)
			q->qmp_len = 0;  /* a line longer than we read: drop it */
		n = read(q->qmp_fd, q->qmp_buf + q->qmp_len, sizeof(q->qmp_buf) - 1 - q->qmp_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;
		q->qmp_len += (size_t)n;
	}
}

static void consume(struct qemu *q, size_t used)
{
	memmove(q->qmp_buf, q->qmp_buf + used, q->qmp_len - used);
	q->qmp_len -= used;
}

/* The next message, an event noted (a STOP) or a reply. NULL at EOF. */
static json_object *qmp_next(struct qemu *q)
{
	size_t used;
	char *line;

	while ((line = qmp_line(q, &used)) != NULL) {
		json_object *o = json_tokener_parse(line), *ev;

		consume(q, used);
		if (o == NULL)
			continue;
		if (json_object_object_get_ex(o, "event", &ev) &&
		    strcmp(json_object_get_string(ev), "STOP") == 0)
			q->stopped = true;
		return o;
	}
	return NULL;
}

/* The next reply (return or error), past events. */
static json_object *qmp_reply(struct qemu *q)
{
	json_object *o;

	while ((o = qmp_next(q)) != NULL && json_object_object_get_ex(o, "event", NULL))
		json_object_put(o);
	return o;
}

void qemu_qmp_drain(struct qemu *q)
{
	char tmp[4096];
	ssize_t n;

	if (q == NULL || q->qmp_fd < 0)
		return;
	while ((n = recv(q->qmp_fd, tmp, sizeof(tmp), MSG_DONTWAIT)) > 0) {
		/* Events only arrive unasked; a STOP among them matters. */
		if (memmem(tmp, (size_t)n, "\"STOP\"", 6) != NULL)
			q->stopped = true;
	}
}

json_object *qemu_qmp(struct qemu *q, const char *cmd, json_object *args, char **cause)
{
	json_object *msg = json_object_new_object(), *reply, *ret = NULL, *err;
	const char *text;

	json_object_object_add(msg, "execute", json_object_new_string(cmd));
	if (args != NULL)
		json_object_object_add(msg, "arguments", args);
	text = json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN);
	if (q->qmp_fd < 0 || write(q->qmp_fd, text, strlen(text)) < 0 ||
	    write(q->qmp_fd, "\n", 1) != 1 || (reply = qmp_reply(q)) == NULL) {
		json_object_put(msg);
		cause_fail(cause, "QEMU's QMP closed during %s", cmd);
		return NULL;
	}
	json_object_put(msg);
	if (json_object_object_get_ex(reply, "return", &ret))
		json_object_get(ret);
	else if (json_object_object_get_ex(reply, "error", &err))
		cause_fail(cause, "%s: %s", cmd, json_object_to_json_string(err));
	json_object_put(reply);
	return ret;
}

json_object *qemu_hmp(struct qemu *q, const char *line, char **cause)
{
	json_object *args = json_object_new_object();

	json_object_object_add(args, "command-line", json_object_new_string(line));
	return qemu_qmp(q, "human-monitor-command", args, cause);
}

int qemu_qmp_open(struct qemu *q, char **cause)
{
	size_t used;
	json_object *ret;

	if (q->qmp_fd >= 0)
		return 0;
	if ((q->qmp_fd = connect_unix(q->qmp_path)) < 0)
		return cause_fail(cause, "cannot reach QEMU's QMP: %s", strerror(errno));
	if (qmp_line(q, &used) == NULL)  /* the greeting */
		return cause_fail(cause, "QEMU (pid %d) ended before its QMP greeting", (int)q->pid);
	consume(q, used);
	if ((ret = qemu_qmp(q, "qmp_capabilities", NULL, cause)) == NULL)
		return -1;
	json_object_put(ret);
	return 0;
}

int qemu_icount(struct qemu *q, uint64_t *icount, char **cause)
{
	json_object *ret = qemu_qmp(q, "query-replay", NULL, cause), *ic;

	if (ret == NULL)
		return -1;
	if (!json_object_object_get_ex(ret, "icount", &ic)) {
		json_object_put(ret);
		return cause_fail(cause, "query-replay gave no icount");
	}
	*icount = (uint64_t)json_object_get_int64(ic);
	json_object_put(ret);
	return 0;
}

int qemu_do(struct qemu *q, const char *cmd, uint64_t icount, char **cause)
{
	json_object *args = NULL, *ret;

	if (icount != 0) {
		args = json_object_new_object();
		json_object_object_add(args, "icount", json_object_new_int64((int64_t)icount));
	}
	if ((ret = qemu_qmp(q, cmd, args, cause)) == NULL)
		return -1;
	json_object_put(ret);
	return 0;
}

int qemu_run_to(struct qemu *q, uint64_t icount, char **cause)
{
	if (qemu_do(q, "replay-break", icount, cause) != 0)
		return -1;
	q->stopped = false;
	if (qemu_do(q, "cont", 0, cause) != 0)
		return -1;
	while (!q->stopped) {
		json_object *o = qmp_next(q);  /* only events come now */

		if (o == NULL)
			return cause_fail(cause, "QEMU ended before reaching icount %llu",
					  (unsigned long long)icount);
		json_object_put(o);
	}
	return 0;
}

/* QEMU's gdbstub reports the end of a replay-seek unasked: that stop is
 * the supervisor's, not the daemon's. */
static int swallow_stop(struct qemu *q, char **cause)
{
	static char out[SUP_PACKET_MAX];

	do {
		if (link_wait(&q->gdb, out, sizeof(out)) != 0)
			return cause_fail(cause, "QEMU's gdbstub closed during a seek");
	} while (out[0] != 'T' && out[0] != 'S');
	snprintf(q->seek_stop, sizeof(q->seek_stop), "%.*s", (int)sizeof(q->seek_stop) - 1, out);
	return 0;
}

static int qemu_seek(struct qemu *q, uint64_t icount, char **cause)
{
	uint64_t at;

	if (qemu_do(q, "replay-seek", icount, cause) != 0 || swallow_stop(q, cause) != 0 || qemu_icount(q, &at, cause) != 0)
		return -1;
	return at == icount ? 0 : cause_fail(cause, "seek stopped at icount %" PRIu64 ", not %" PRIu64,
					    at, icount);
}

int sup_set_breaks(struct sup *s, struct qemu *q, bool insert, char **cause)
{
	char req[64], out[64];

	for (size_t i = 0; i < s->n_breaks; i++) {
		snprintf(req, sizeof(req), "%c%s", insert ? 'Z' : 'z', s->breaks[i] + 1);
		if (link_call(&q->gdb, req, out, sizeof(out)) != 0 || strcmp(out, "OK") != 0)
			return cause_fail(cause, "%s: %s", req, out);
	}
	return 0;
}

int sup_seek(struct sup *s, uint64_t icount, char **cause)
{
	char *again = NULL;
	int rc;

	if (sup_set_breaks(s, s->cur, false, cause) != 0)
		return -1;
	rc = qemu_seek(s->cur, icount, cause);
	/* Back in, whatever the seek did: the daemon counts on them. */
	if (sup_set_breaks(s, s->cur, true, &again) != 0) {
		sup_log("breakpoints after a seek: %s", again ? again : "?");
		if (rc == 0)
			rc = cause_fail(cause, "%s", again ? again : "breakpoints not inserted again");
	}
	free(again);
	return rc;
}

int qemu_gdb_open(struct qemu *q, char **cause)
{
	char reply[64];
	int fd = connect_unix(q->gdb_path);

	if (fd < 0)
		return cause_fail(cause, "cannot reach QEMU's gdbstub: %s", strerror(errno));
	link_init(&q->gdb, fd);
	/* QEMU 7.2 has no no-ack mode (it answers ""); later ones do. */
	if (link_call(&q->gdb, "QStartNoAckMode", reply, sizeof(reply)) != 0)
		return cause_fail(cause, "QEMU's gdbstub closed");
	q->gdb.acks = strcmp(reply, "OK") != 0;
	return 0;
}

void qemu_end(struct qemu *q)
{
	if (q == NULL)
		return;
	if (q->pid > 0) {
		kill(q->pid, SIGKILL);
		waitpid(q->pid, NULL, 0);
	}
	if (q->qmp_fd >= 0)
		close(q->qmp_fd);
	if (q->gdb.fd >= 0)
		close(q->gdb.fd);
	unlink(q->gdb_path);
	unlink(q->qmp_path);
	unlink(q->pid_path);
	unlink(q->disk_path);
	free(q);
}

/* gdbhub-replay: the supervisor of one replay target (sup.h).
 *
 *   gdbhub-replay --recording DIR --gdb fd:N --qmp fd:N --work PREFIX
 *                 [--serial PATH] [--every N] [--fine N] [--max N]
 *
 * --gdb and --qmp are listening sockets the daemon made and handed down;
 * the daemon speaks RSP and QMP on them as it would to QEMU itself. Files
 * (QEMU sockets, disks, checkpoints) are PREFIX.*. --every: a checkpoint
 * at a stop once the last one lies N instructions behind (default 1e8);
 * --fine: how far behind the goal of a reverse step a checkpoint may lie
 * before one is left nearer (default 1e6); --max: how many checkpoints
 * are kept besides init (default 64, at most 255; thin.c picks which go:
 * each is a few MiB of disk, and a long session would otherwise take them
 * without end). */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backends/replay/sup/sup.h"

static volatile sig_atomic_t terminated;
static struct sup sup;

void sup_log(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "gdbhub-replay: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void sup_exit(struct sup *s, int status)
{
	qemu_end(s->spare);
	qemu_end(s->cur);
	ckpt_remove_all(s);
	recording_free(&s->rec);
	exit(status);
}

static void usage(void)
{
	fprintf(stderr, "usage: gdbhub-replay --recording DIR --gdb fd:N --qmp fd:N --work PREFIX\n"
			"                     [--serial PATH] [--every N] [--fine N] [--max N]\n");
	exit(2);
}

static int inherited(const char *arg)
{
	char *end;
	long fd = strncmp(arg, "fd:", 3) == 0 ? strtol(arg + 3, &end, 10) : -1;

	if (fd < 3 || *end != '\0')
		usage();
	return (int)fd;
}

static uint64_t count(const char *arg)
{
	char *end;
	double v = strtod(arg, &end);  /* 1e8 reads as well as 100000000 */

	if (*end != '\0' || v < 2)
		usage();
	return (uint64_t)v;
}

static size_t cap(const char *arg)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);

	if (*end != '\0' || v < 1 || v > SUP_MAX_CKPTS)
		usage();
	return v;
}

static void parse(int argc, char **argv, struct sup *s)
{
	static const struct option opts[] = {
		{ "recording", required_argument, NULL, 'r' }, { "gdb", required_argument, NULL, 'g' },
		{ "qmp", required_argument, NULL, 'q' }, { "work", required_argument, NULL, 'w' },
		{ "serial", required_argument, NULL, 's' }, { "every", required_argument, NULL, 'e' },
		{ "fine", required_argument, NULL, 'f' }, { "max", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	s->daemon_gdb_listen = s->daemon_qmp_listen = -1;
	s->every = 100000000;
	s->fine = 1000000;
	s->max_ck = 64;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': s->recording = optarg; break;
		case 'g': s->daemon_gdb_listen = inherited(optarg); break;
		case 'q': s->daemon_qmp_listen = inherited(optarg); break;
		case 'w': s->work = optarg; break;
		case 's': s->serial = optarg; break;
		case 'e': s->every = count(optarg); break;
		case 'f': s->fine = count(optarg); break;
		case 'm': s->max_ck = cap(optarg); break;
		default: usage();
		}
	}
	if (!s->recording || !s->work || s->daemon_gdb_listen < 0 || s->daemon_qmp_listen < 0 ||
	    optind != argc)
		usage();
}

/* Asked to end (or the daemon died): QEMUs first, at once, whatever the
 * supervisor is waiting for. */
static void on_term(int sig)
{
	(void)sig;
	if (sup.cur != NULL && sup.cur->pid > 0)
		kill(sup.cur->pid, SIGKILL);
	if (sup.spare != NULL && sup.spare->pid > 0)
		kill(sup.spare->pid, SIGKILL);
	terminated = 1;
	_exit(0);
}

/* The daemon connects: it gets the current QEMU's gdbstub, afresh. */
static void accept_gdb(struct sup *s)
{
	int fd = accept4(s->daemon_gdb_listen, NULL, NULL, SOCK_CLOEXEC);
	char *cause = NULL;

	if (fd < 0)
		return;
	if (s->down.fd >= 0) {
		close(fd);  /* one daemon at a time */
		return;
	}
	link_init(&s->down, fd);
	if (s->cur->gdb.fd < 0 && qemu_gdb_open(s->cur, &cause) != 0) {
		sup_log("%s", cause ? cause : "?");
		free(cause);
		sup_exit(s, 1);
	}
}

static void loop(struct sup *s)
{
	for (;;) {
		struct pollfd p[6] = {
			{ s->daemon_gdb_listen, POLLIN, 0 }, { s->down.fd, POLLIN, 0 },
			{ s->daemon_qmp_listen, POLLIN, 0 }, { s->daemon_qmp, POLLIN, 0 },
			{ s->cur->gdb.fd, POLLIN, 0 }, { s->cur->qmp_fd, POLLIN, 0 },
		};

		if (poll(p, 6, -1) < 0 && errno != EINTR)
			sup_exit(s, 1);
		if (terminated)
			sup_exit(s, 0);
		if (p[4].revents)
			relay_from_qemu(s);
		if (p[1].revents && s->down.fd >= 0)
			relay_from_daemon(s);
		if (p[0].revents)
			accept_gdb(s);
		if (p[3].revents && s->daemon_qmp >= 0)
			qmpserve_read(s);
		if (p[2].revents)
			qmpserve_accept(s);
		if (p[5].revents)
			qemu_qmp_drain(s->cur);
	}
}

int main(int argc, char **argv)
{
	struct sup *s = &sup;
	char *cause = NULL;

	parse(argc, argv, s);
	/* The daemon's end is ours too (its destroy normally asks by QMP). */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		return 1;
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGPIPE, SIG_IGN);
	/* QEMU 7.2 hangs in reverse execution under MALLOC_PERTURB_ (replay.c). */
	unsetenv("MALLOC_PERTURB_");
	s->down.fd = s->daemon_qmp = -1;
	if (recording_load(s->recording, &s->rec, &cause) != 0) {
		sup_log("%s", cause ? cause : "?");
		return 1;
	}
	ckpt_init(s);
	s->live = recording_live_snapshots(&s->rec);
	sup_log(s->live ? "reverse steps in the running QEMU, checkpoints in its disk (a running "
			  "%s replay loads late snapshots)"
			: "reverse steps by a QEMU started from a checkpoint copy (a running %s replay "
			  "recorded with kvmvapic deadlocks loading a late snapshot)", s->rec.arch);
	if ((s->cur = qemu_start(s, &s->ck[0], &cause)) == NULL ||
	    qemu_qmp_open(s->cur, &cause) != 0) {
		sup_log("%s", cause ? cause : "?");
		sup_exit(s, 1);
	}
	loop(s);
}

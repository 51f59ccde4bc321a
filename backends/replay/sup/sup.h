/* gdbhub-replay: one replay target's supervisor. It serves the daemon one
 * RSP stub and one QMP monitor, and drives replaying QEMUs behind them:
 * packets go to the current QEMU's gdbstub, checkpoints are taken with
 * savevm as the replay moves forward (forward.c), capped (thin.c). Most
 * recordings (x86 ones made without kvmvapic, aarch64 and riscv64 ones),
 * whose running QEMU loads late snapshots fine, keep their checkpoints in
 * that QEMU and let it step back itself (live.c). For x86 recordings made
 * with kvmvapic, whose running QEMU 7.2 deadlocks loading one, a reverse
 * step is carried out by a QEMU started from the nearest checkpoint
 * before the goal, which loads it fine (back.c; backends/replay/README.md).
 *
 * Single-threaded and blocking where it talks to a QEMU: it serves one
 * daemon, whose packets wait in the socket meanwhile. */
#ifndef GDBHUB_REPLAY_SUP_H
#define GDBHUB_REPLAY_SUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "backends/replay/recording.h"
#include "proxy/rsp/rsp_frame.h"

struct json_object;

#define SUP_PACKET_MAX 65536

/* One side of an RSP connection, read as events. */
struct link {
	int fd;
	bool acks;  /* this side still wants `+` for each packet */
	struct rsp_decoder dec;
	uint8_t dbuf[SUP_PACKET_MAX + 1];
	uint8_t in[16384];
	size_t in_len, in_off;
};

void link_init(struct link *l, int fd);
/* Read what the socket has (blocking if wait). 0, or -1 at EOF/error. */
int link_fill(struct link *l, bool wait);
/* Next event from what was read; RSP_EV_NONE when more input is needed. */
struct rsp_event link_next(struct link *l);
/* Send payload as a packet. 0 or -1. */
int link_send(struct link *l, const char *payload, size_t len);
int link_send_raw(struct link *l, const void *data, size_t len);
/* Send a packet and wait for the reply packet (acked both ways as the
 * link wants), copied into out (NUL-terminated). 0 or -1. */
int link_call(struct link *l, const char *payload, char *out, size_t cap);
/* Wait for the next packet (acks skipped), copied into out and acked if
 * the link wants acks. 0 or -1. */
int link_wait(struct link *l, char *out, size_t cap);

/* A replaying QEMU started from one checkpoint. */
struct qemu {
	pid_t pid;
	char gdb_path[256], qmp_path[256], disk_path[512], pid_path[256];
	int qmp_fd;           /* connected, capabilities negotiated; -1 before */
	char qmp_buf[65536];
	size_t qmp_len;
	struct link gdb;      /* fd -1 until connected */
	uint64_t from;        /* icount it started at */
	char from_tag[32];    /* the snapshot it started from */
	bool stopped;         /* a STOP event came since the last cont */
	char seek_stop[128];  /* the stop reply that ended the last sup_seek */
};

struct ckpt {
	char tag[32];
	uint64_t icount;
	char disk[512];  /* a qcow2 holding init and this snapshot only; empty
			  * when it is kept in the running QEMU's disk (live) */
};

/* Checkpoints besides init that --max may allow (default 64). */
#define SUP_MAX_CKPTS 255
#define SUP_MAX_BREAKS 256

struct sup {
	struct recording rec;
	const char *recording, *work, *serial;
	uint64_t every, fine;  /* coarse and fine checkpoint spacing */
	size_t max_ck;         /* checkpoints kept besides init (thin.c) */
	uint64_t fwd_break;    /* the replay-break forward.c set for a coarse
				* checkpoint while a continue runs; 0 if none */
	bool interrupted;      /* the daemon sent Ctrl-C since its last resume */
	bool live;             /* checkpoints stay in the running QEMU's disk and
				* QEMU carries out reverse steps (live.c) */
	unsigned seq;          /* names of QEMU files and snapshots */
	struct ckpt ck[SUP_MAX_CKPTS + 2];  /* init, the kept ones, one just taken */
	size_t n_ck;
	struct qemu *cur, *spare;
	int daemon_gdb_listen, daemon_qmp_listen, daemon_qmp;
	char dq_buf[65536];
	size_t dq_len;
	struct link down;      /* the daemon's RSP connection; fd -1 if none */
	/* What the daemon set up on the stub, sent again to a new QEMU. */
	char setup[16][512];
	size_t n_setup;
	char breaks[SUP_MAX_BREAKS][64];
	size_t n_breaks;
	char pending[64][64];  /* requests waiting for the current QEMU's reply */
	size_t n_pending;
};

/* qemu.c */
struct qemu *qemu_start(struct sup *s, const struct ckpt *from, char **cause);
int qemu_qmp_open(struct qemu *q, char **cause);
/* Run a QMP command (args taken over, may be NULL); the reply's "return"
 * (owned by the caller) or NULL with *cause. Events seen are noted. */
struct json_object *qemu_qmp(struct qemu *q, const char *cmd, struct json_object *args,
			     char **cause);
struct json_object *qemu_hmp(struct qemu *q, const char *line, char **cause);
int qemu_icount(struct qemu *q, uint64_t *icount, char **cause);
/* A QMP command whose answer says nothing but success, with argument
 * {"icount": icount} unless icount is 0. 0, or -1 with *cause. */
int qemu_do(struct qemu *q, const char *cmd, uint64_t icount, char **cause);
/* replay-break at icount, cont, wait for the stop. */
int qemu_run_to(struct qemu *q, uint64_t icount, char **cause);
/* The supervisor's own seek of the current QEMU (its gdb link open): QMP
 * replay-seek to icount, its unasked stop taken, with the daemon's
 * breakpoints lifted meanwhile (a seek stops where one hits). 0, or -1
 * with *cause (also if it stopped elsewhere). */
int sup_seek(struct sup *s, uint64_t icount, char **cause);
/* Insert (Z) or remove (z) in q every breakpoint the daemon inserted.
 * 0, or -1 with *cause naming the packet q did not answer OK. */
int sup_set_breaks(struct sup *s, struct qemu *q, bool insert, char **cause);
int qemu_gdb_open(struct qemu *q, char **cause);
/* Read pending QMP events (non-blocking), noting a STOP. */
void qemu_qmp_drain(struct qemu *q);
/* End it at once (a replay has nothing to save) and remove its files. */
void qemu_end(struct qemu *q);

/* ckpt.c */
void ckpt_init(struct sup *s);
/* The latest checkpoint at or before icount. */
const struct ckpt *ckpt_before(const struct sup *s, uint64_t icount);
/* savevm in q (stopped at icount), copy its disk aside, delvm there;
 * past the cap, the checkpoint thin.c picks is dropped (with delvm in q
 * when it lives in q's disk). */
int ckpt_take(struct sup *s, struct qemu *q, uint64_t icount, char **cause);
/* The list as HMP `info snapshots` would print it. */
void ckpt_list(const struct sup *s, char *out, size_t cap);
void ckpt_remove_all(struct sup *s);

/* relay.c */
void relay_from_daemon(struct sup *s);
void relay_from_qemu(struct sup *s);
void relay_daemon_closed(struct sup *s);
/* A request of the daemon's, sent on to the current QEMU. */
void relay_to_qemu(struct sup *s, const char *p, size_t len);
/* After a stop: a checkpoint if the last one is `every` behind. */
void relay_after_stop(struct sup *s);

/* back.c: a reverse step through checkpoints; the stop reply to send is
 * written into reply. 0, or -1 with *cause (the current QEMU unchanged). */
int back_step(struct sup *s, char *reply, size_t cap, char **cause);
/* Start a spare QEMU from the checkpoint behind the current position. */
void back_prepare_spare(struct sup *s);

/* forward.c: coarse checkpoints while the replay runs forward. Before a
 * resume is relayed: if it is a continue, a replay-break at the next
 * boundary. */
void forward_arm(struct sup *s, const char *resume);
/* A stop from QEMU while a resume is pending: true if it was that break
 * (a checkpoint is taken, and the run goes on unseen by the daemon). */
bool forward_pause(struct sup *s, const char *stop);
/* The daemon's Ctrl-C, sent on to QEMU and noted: a pause at the break
 * that comes after it is the user's stop. */
void forward_interrupt(struct sup *s);
/* Before a replay-seek to target: seeks to each boundary on the way, a
 * checkpoint at each. */
int forward_seek(struct sup *s, uint64_t target, char **cause);

/* live.c: a reverse step QEMU carries out from the checkpoints in its
 * disk, a fine one left behind the goal first if the nearest is far. */
void live_step(struct sup *s);
/* A reverse continue: QEMU's own, but first a look at the instruction
 * just behind the replay, whose breakpoint QEMU's skips (it replays to
 * there and stops before checking it). */
void live_continue_back(struct sup *s);

/* qmpserve.c */
void qmpserve_accept(struct sup *s);
void qmpserve_read(struct sup *s);

void sup_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* End every QEMU, remove the files, exit with status. */
void sup_exit(struct sup *s, int status) __attribute__((noreturn));

#endif

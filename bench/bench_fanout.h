/* Fan-out of a stop to many clients of one target: one controller and
 * N-1 observers. Each round the controller resumes the VM, every observer
 * resumes too (an observer's resume on a running VM waits for its next
 * stop), then the controller interrupts and every client's stop reply is
 * timed.
 *
 * The barrier: an observer's resume must have been served by the daemon
 * before the interrupt, or it meets a stopped VM and is refused with an
 * error instead of waiting. A waiting resume has no reply, so:
 *   - in ack mode (--ack), bench_conn_send returns on the `+`, and gdbhub
 *     acknowledges a packet only once it has served it (acks are flushed
 *     after the client's input is processed): the `+` is an exact barrier,
 *     no pause is needed;
 *   - in no-ack mode (the default, as gdb runs), the client pauses for the
 *     settle time after the controller's resume and again after the
 *     observers', then checks: a round where any observer got an error
 *     instead of the stop raced, and is discarded and repeated (counted as
 *     a retry; the pause doubles, up to 100 ms). The pause lies before t0
 *     and is never part of a figure.
 *
 * Functions return 0, or -1 with *cause set to a malloc'd message. */
#ifndef GDBHUB_BENCH_FANOUT_H
#define GDBHUB_BENCH_FANOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bench_fanout_opts {
	const char *control;   /* the controller's address */
	const char *observe;   /* the observers' address (an observe listener) */
	size_t clients;        /* N >= 1: the controller and N-1 observers */
	size_t rounds;         /* K measured rounds */
	int timeout_ms;        /* bound on every wait */
	unsigned settle_us;    /* no-ack mode: the pause before the interrupt */
	bool allow_noack;      /* negotiate QStartNoAckMode when offered */
	uint64_t probe_addr;   /* where the handshake's memory probe reads */
};

/* Medians and p99s over the measured rounds, in microseconds (when rounds
 * > 0; after an error, over the rounds measured before it). t0 is when the
 * controller's 0x03 was written. */
struct bench_fanout_result {
	bool done;               /* every round measured */
	size_t clients;
	size_t rounds;           /* rounds measured */
	size_t retries;          /* rounds discarded because an observer raced */
	bool no_ack;             /* the controller negotiated no-ack mode */
	unsigned settle_us;      /* the pause at the end (0 in ack mode) */
	double spread_median_us; /* last client's reply - first client's reply */
	double spread_p99_us;
	double last_median_us;   /* last client's reply - t0 */
	double last_p99_us;
	double first_median_us;  /* first client's reply - t0 */
	double first_p99_us;
	char stop[64];           /* the controller's stop reply in the last round */
};

struct bench_fanout;

/* Connect the controller, then the observers, each with the usual handshake
 * (qSupported, QStartNoAckMode, `?`, ...). The controller goes first: its
 * `?` stops a VM that runs on its own, so the observers' `?` are answered. */
int bench_fanout_open(const struct bench_fanout_opts *o, struct bench_fanout **out,
		      char **cause);

/* Run the rounds and fill res. */
int bench_fanout_measure(struct bench_fanout *f, struct bench_fanout_result *res,
			 char **cause);

/* Keep every client connected and idle until fd (stdin) reaches end of
 * file. Anything a client receives meanwhile, or a closed connection, is
 * an error. */
int bench_fanout_hold(struct bench_fanout *f, int fd, char **cause);

/* Close every connection and free f; NULL is fine. */
void bench_fanout_close(struct bench_fanout *f);

#endif

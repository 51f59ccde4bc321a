/* The benchmark's handshake and measurements over one connection.
 * Each function returns 0, or -1 with *cause set to a malloc'd message. */
#ifndef GDBHUB_BENCH_MEASURE_H
#define GDBHUB_BENCH_MEASURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/bench_conn.h"

/* What the handshake learned about the peer. */
struct bench_peer {
	bool complete;            /* the whole handshake succeeded */
	size_t packet_size;       /* PacketSize offered, or a default */
	bool packet_size_offered;
	bool noack_offered;       /* QStartNoAckMode+ in qSupported */
	bool no_ack;              /* QStartNoAckMode negotiated */
	bool binary_upload;       /* binary-upload+ offered */
	bool x_supported;         /* the x probe returned the same bytes as m */
	bool x_prefixed;          /* x replies start with 'b' (gdb >= 16 style) */
	char x_note[96];          /* why x counts as unsupported */
	bool vcont_step;          /* vCont? lists s */
	char stop[64];            /* the `?` reply, truncated */
	bool exited;              /* `?` or a step reported W or X */
};

/* Figures from one memory-read measurement. */
struct bench_read {
	bool done;
	size_t chunk;             /* bytes asked for per packet */
	uint64_t bytes;           /* bytes received */
	uint64_t packets;
	uint64_t short_replies;   /* replies with fewer bytes than asked */
	double mb_per_s;          /* 10^6 bytes per second */
};

/* All the figures of one run; a measurement not run has done == false. */
struct bench_result {
	bool g_done;
	size_t g_requests;
	double g_median_us;
	double g_p90_us;
	bool step_done;
	size_t steps;             /* steps completed */
	double steps_per_s;
	char exit_reply[16];      /* W/X reply that ended stepping, or "" */
	struct bench_read m;
	struct bench_read x;
	size_t stray;             /* packets that came instead of an ack */
};

/* Parameters of the memory reads. */
struct bench_region {
	uint64_t addr;            /* start of the region read */
	uint64_t size;            /* reads wrap around at addr + size */
	uint64_t bytes;           /* total to read */
	size_t chunk;             /* 0: the largest the peer allows */
};

/* qSupported, QStartNoAckMode when offered (and allow_noack), `?`, `vCont?`
 * and the x probe (a small x read at addr checked against m). */
int bench_handshake(struct bench_conn *c, uint64_t addr, bool allow_noack,
		    struct bench_peer *peer, char **cause);

/* n sequential `g` requests: median and p90 round trip. */
int bench_g(struct bench_conn *c, size_t n, struct bench_result *res, char **cause);

/* n sequential single steps, each waiting for its stop reply. Stops early,
 * without error, when the target exits (res->exit_reply says how). */
int bench_step(struct bench_conn *c, const struct bench_peer *peer, size_t n,
	       struct bench_result *res, char **cause);

/* Read region->bytes with `m` (binary false) or `x` (binary true). */
int bench_read(struct bench_conn *c, const struct bench_peer *peer, bool binary,
	       const struct bench_region *region, struct bench_read *out, char **cause);

#endif

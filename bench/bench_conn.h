/* A blocking RSP client connection for the benchmark: send a packet, wait for
 * its reply. Every wait is bounded by the connection's timeout, so a silent or
 * broken peer yields an error instead of a hang.
 *
 * Functions return 0, or -1 with *cause set to a malloc'd message that the
 * caller frees. */
#ifndef GDBHUB_BENCH_CONN_H
#define GDBHUB_BENCH_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bench_conn;

/* Connect to address: "unix:PATH", "HOST:PORT", "[V6]:PORT", or "| COMMAND"
 * (as gdb's `target remote | COMMAND`: COMMAND runs under /bin/sh -c with
 * one end of a socket pair as its stdin and stdout; bench_conn_close reaps
 * it). TCP sockets get TCP_NODELAY. timeout_ms bounds the connect and, later, every wait for
 * an ack or a reply. On success sets *out (free it with bench_conn_close). */
int bench_conn_open(const char *address, int timeout_ms, struct bench_conn **out,
		    char **cause);

/* Close the connection and free it; NULL is fine. */
void bench_conn_close(struct bench_conn *c);

/* Accept decoded replies of up to cap bytes (the default is 64 KiB). */
int bench_conn_set_capacity(struct bench_conn *c, size_t cap, char **cause);

/* Switch acknowledgements off (after QStartNoAckMode's OK) or on. */
void bench_conn_set_no_ack(struct bench_conn *c, bool no_ack);

/* Send payload as one `$...#xx` packet; in ack mode wait for its `+`,
 * resending it on `-` a few times and skipping packets that come first. */
int bench_conn_send(struct bench_conn *c, const void *payload, size_t len, char **cause);

/* Wait for the next packet, skipping notifications and stray acks, and
 * acknowledge it in ack mode. *reply points into the connection and stays
 * valid until the next call; it is followed by a NUL not counted in *len.
 * A bad checksum, a malformed or oversized frame, a closed connection or a
 * timeout is an error. */
int bench_conn_recv(struct bench_conn *c, const uint8_t **reply, size_t *len,
		    char **cause);

/* Without waiting: decode what was already received and read what the
 * socket holds. Returns 1 with the next packet in *reply and *len (as
 * bench_conn_recv, acknowledged in ack mode), 0 when no whole packet is
 * there yet, -1 on an error (a closed connection included). */
int bench_conn_try_recv(struct bench_conn *c, const uint8_t **reply, size_t *len,
			char **cause);

/* Whether received bytes wait in the connection's buffer, where poll on the
 * socket cannot see them: call bench_conn_try_recv before polling. */
bool bench_conn_buffered(const struct bench_conn *c);

/* The connection's socket, for poll (POLLIN). Do not read from it. */
int bench_conn_fd(const struct bench_conn *c);

/* Write bytes as they are, outside any packet (0x03 interrupts the target);
 * nothing is acknowledged. */
int bench_conn_send_raw(struct bench_conn *c, const void *buf, size_t len, char **cause);

/* How many packets arrived where an ack was due; they were acknowledged and
 * ignored, as gdb does. QEMU sends one (a stop reply) when a debugger
 * connects while the VM runs. */
size_t bench_conn_stray(const struct bench_conn *c);

/* bench_conn_send of a NUL-terminated payload, then bench_conn_recv. */
int bench_conn_request(struct bench_conn *c, const char *payload,
		       const uint8_t **reply, size_t *len, char **cause);

#endif

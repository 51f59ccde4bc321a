/* What a client asks of a target. Each call either replies to the client at
 * once or queues upstream work whose reply reaches the client later; the
 * client is busy meanwhile and takes no further packets. */
#ifndef GDBHUB_TARGET_OPS_H
#define GDBHUB_TARGET_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proxy/policy/breakpoints.h"

struct client;
struct target;

/* Forward a request as is, after selecting the client's thread upstream when
 * needs_thread; the reply goes back unchanged. */
void target_forward(struct target *t, struct client *c, const void *payload, size_t len,
		    bool needs_thread);

/* Read memory, split into as many upstream `m` requests as the stub's packet
 * size needs; the client gets one hex reply (short if a later part failed). */
void target_read_memory(struct target *t, struct client *c, uint64_t addr, uint64_t len);

/* Write memory (bytes already decoded), split likewise; OK or the error. */
void target_write_memory(struct target *t, struct client *c, uint64_t addr,
			 const uint8_t *data, size_t len);

/* Insert or remove a breakpoint/watchpoint on behalf of c (Z/z). */
void target_breakpoint(struct target *t, struct client *c, bool insert, const struct bp_key *key);

/* Resume with an upstream packet (already in upstream thread ids). The
 * client waits for the stop. */
void target_resume(struct target *t, struct client *c, const char *packet);

/* Ctrl-C from a client. */
void target_interrupt(struct target *t, struct client *c);

/* `?`: the stop record, or wait for the VM to stop (it is interrupted). */
void target_query_stop(struct target *t, struct client *c);

/* qXfer:features:read:ANNEX:OFF,LEN served from the cache (filled once). */
void target_read_features(struct target *t, struct client *c, const char *annex,
			  uint64_t off, uint64_t len);

#endif

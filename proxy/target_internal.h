/* Shared between target.c (lifecycle) and target_ops.c (requests). */
#ifndef GDBHUB_TARGET_INTERNAL_H
#define GDBHUB_TARGET_INTERNAL_H

#include "proxy/target.h"

/* Send the current stop record to c and end its wait. */
void target_deliver_stop(struct target *t, struct client *c);

/* The stop record as c sees it (its thread ids, its watchpoints), in out. */
const char *target_stop_text(const struct target *t, const struct client *c, char *out,
			     size_t cap);

/* The VM stopped as an all-stop stub's stop reply says (every thread is
 * stopped): record it, give a guest's exception back, or tell clients. */
void target_handle_stop(struct target *t, const struct rsp_stop *stop);

/* Console output (hex) for the clients that wait for a stop, as `O`. */
void target_console(struct target *t, const uint8_t *hex, size_t len);

/* The VM exited (W/X from the stub, or the process ended): tell clients. */
void target_finish_exit(struct target *t);

/* Answer c with an error naming t's state unless t is stopped; true if it
 * did (the request is over). */
bool target_refuse_unless_stopped(struct target *t, struct client *c);

/* Read the whole target description (target.xml and its includes) into the
 * cache while the VM is stopped at start-up, then call done. */
void target_prefetch_features(struct target *t, void (*done)(struct target *t));

#endif

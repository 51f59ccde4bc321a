/* Driving a non-stop upstream (gdbhub-kvm after QNonStop:1): each vCPU
 * runs and stops on its own, so one vCPU's event can be handled while the
 * others run. All-stop clients still see an all-stop VM: before they hear
 * of a stop, every other thread is stopped too. See target_nonstop.c. */
#ifndef GDBHUB_TARGET_NONSTOP_H
#define GDBHUB_TARGET_NONSTOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct client;
struct target;

/* At start-up, with every vCPU stopped: put the stub in non-stop mode if it
 * is gdbhub-kvm and offers it, then call done (also when it is not). */
void target_ns_start(struct target *t, void (*done)(struct target *t));

/* Send a resume (as the all-stop path would send it: c, s, C, S or vCont
 * with upstream thread ids) to a non-stop stub: the threads it resumes run
 * from now on; its reply is `OK`, their stops come as notifications. */
void target_ns_resume(struct target *t, const char *packet);

/* Stop every running thread (Ctrl-C): each reports a stop. */
void target_ns_interrupt(struct target *t);

/* Stop the threads a non-stop client's `vCont;t...` names (packet with
 * upstream thread ids); only they stop, the others run on. */
void target_ns_stop_threads(struct target *t, const char *packet);

/* One stop the stub reported (upstream_events.stop). */
void target_ns_stopped(struct target *t, const uint8_t *text, size_t len);

/* Whether t's threads stop one by one for its clients: a non-stop upstream
 * and only non-stop clients attached. Otherwise a stop that a client sees
 * stops the whole VM first. */
bool target_ns_per_thread(const struct target *t);

#endif

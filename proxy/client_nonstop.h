/* Non-stop mode for clients: QNonStop, vStopped, vCtrlC, vCont;t and the
 * %Stop notifications (see client_nonstop.c for what an all-stop stub
 * gives a non-stop client). */
#ifndef GDBHUB_CLIENT_NONSTOP_H
#define GDBHUB_CLIENT_NONSTOP_H

#include <stdbool.h>
#include <stddef.h>

struct attachment;
struct client;
struct target;

/* Commands. */
void client_nonstop_mode(struct client *c, const char *pkt, size_t len);
void client_nonstop_vstopped(struct client *c, const char *pkt, size_t len);
void client_nonstop_ctrlc(struct client *c, const char *pkt, size_t len);
void client_nonstop_vcont_stop(struct client *c, const char *pkt, size_t len);

/* a's client resumed with packet (as sent upstream): its threads run. */
void nonstop_resumed(struct attachment *a, const char *packet);

/* `?` from a non-stop client; stop_text is the stop record in its view. */
void nonstop_query(struct target *t, struct client *c, const char *stop_text);

/* The VM stopped (t->stop): notify the non-stop clients whose threads ran;
 * format writes the stop record in a client's view. */
void nonstop_on_stop(struct target *t, void (*format)(const struct target *, const struct client *,
						       char *, size_t));

/* One thread of a non-stop upstream stopped (t->stop), the others run on:
 * notify the non-stop clients that let it run. */
void nonstop_on_thread_stop(struct target *t);

/* The VM exited: W/X text to a's client if non-stop with threads running;
 * returns whether it was told. */
bool nonstop_exit(struct attachment *a, const char *text);

/* Free a's queued stops (it is going away). */
void nonstop_forget(struct attachment *a);

#endif

/* "sharing": "fork" replay targets: each client that attaches gets a target
 * of its own, a replay of the same recording, removed when it leaves. */
#ifndef GDBHUB_TARGET_FORK_H
#define GDBHUB_TARGET_FORK_H

#include <stdbool.h>
#include <stddef.h>

struct client;
struct target;

/* Whether clients attaching to t get a replay of their own instead (t is a
 * configured fork target, not one client's replay). */
bool target_fork_is_template(const struct target *t);

/* c's own replay of fork target tmpl: the one it has, else a new target
 * NAME@cID launched now (it may still be starting). NULL with the reason
 * in why if it could not be made. */
struct target *target_fork_for(struct target *tmpl, struct client *c, char *why, size_t cap);

/* c left t: if t is c's own replay, remove it once the loop is back (a
 * target is never freed inside its own callbacks). */
void target_fork_departed(struct target *t, const struct client *c);

/* The replay of client id that shares t's template (t may be the template
 * or one of its client replays), or NULL. */
struct target *target_fork_of_client(struct target *t, unsigned id);

#endif

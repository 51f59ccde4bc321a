/* Breakpoint and watchpoint ownership: which clients own which insertion.
 *
 * The daemon inserts upstream the union of all clients' breakpoints. Each
 * breakpoint (type, address, kind) has a set of owners: the first owner's
 * insert goes upstream, the last owner's removal goes upstream, and no
 * client's removal touches another client's breakpoint. Inserting twice is
 * idempotent, as RSP requires. Pure data: no I/O. */
#ifndef GDBHUB_POLICY_BREAKPOINTS_H
#define GDBHUB_POLICY_BREAKPOINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The Z/z packet types. */
enum bp_type {
	BP_SOFTWARE = 0,
	BP_HARDWARE = 1,
	BP_WATCH_WRITE = 2,
	BP_WATCH_READ = 3,
	BP_WATCH_ACCESS = 4,
};

struct bp_key {
	enum bp_type type;
	uint64_t addr;
	uint64_t kind; /* breakpoint kind or watched length */
};

struct bp_entry {
	struct bp_key key;
	uint32_t *owners;
	size_t n_owners;
	size_t cap_owners;
};

struct bp_table {
	struct bp_entry *entries;
	size_t n;
	size_t cap;
};

/* What the caller must do upstream after a change. */
enum bp_change {
	BP_ERROR = -1,         /* out of memory: nothing changed */
	BP_NO_CHANGE = 0,      /* others own it too, or this owner already did */
	BP_INSERT_UPSTREAM,    /* first owner: insert it upstream */
	BP_REMOVE_UPSTREAM,    /* last owner gone: remove it upstream */
	BP_NOT_OWNED,          /* the owner had no such breakpoint: nothing changed */
};

/* An empty table. */
void bp_table_init(struct bp_table *t);

/* Free the table's memory (not the struct). */
void bp_table_finish(struct bp_table *t);

/* Add owner to the breakpoint at key. */
enum bp_change bp_table_add(struct bp_table *t, uint32_t owner, const struct bp_key *key);

/* Remove owner from the breakpoint at key. */
enum bp_change bp_table_remove(struct bp_table *t, uint32_t owner, const struct bp_key *key);

/* Remove owner from every breakpoint; fn is called for each breakpoint left
 * without owners (to remove upstream), after it is gone from the table.
 * Returns how many breakpoints were left without owners. */
size_t bp_table_remove_owner(struct bp_table *t, uint32_t owner,
			     void (*fn)(void *arg, const struct bp_key *key), void *arg);

/* Whether owner owns the breakpoint at key. */
bool bp_table_owns(const struct bp_table *t, uint32_t owner, const struct bp_key *key);

/* Whether owner owns a watchpoint (types 2-4) whose range holds addr: a stop
 * reported as `watch:ADDR` is that owner's to see. */
bool bp_table_owns_watch_at(const struct bp_table *t, uint32_t owner, uint64_t addr);

/* How many distinct breakpoints are inserted (for upstream accounting). */
size_t bp_table_count(const struct bp_table *t);

/* How many breakpoints owner owns. */
size_t bp_table_count_owned(const struct bp_table *t, uint32_t owner);

#endif

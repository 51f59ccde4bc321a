/* Breakpoint and watchpoint ownership. */
#include "proxy/policy/breakpoints.h"

#include <stdlib.h>
#include <string.h>

/* An empty table. */
void bp_table_init(struct bp_table *t)
{
	memset(t, 0, sizeof(*t));
}

/* Free the table's memory. */
void bp_table_finish(struct bp_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->entries[i].owners);
	free(t->entries);
	bp_table_init(t);
}

/* Whether two keys name the same breakpoint. */
static bool key_eq(const struct bp_key *a, const struct bp_key *b)
{
	return a->type == b->type && a->addr == b->addr && a->kind == b->kind;
}

/* Index of the entry for key, or -1. */
static long find_entry(const struct bp_table *t, const struct bp_key *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (key_eq(&t->entries[i].key, key))
			return (long)i;
	return -1;
}

/* Index of owner in an entry's owner list, or -1. */
static long find_owner(const struct bp_entry *e, uint32_t owner)
{
	for (size_t i = 0; i < e->n_owners; i++)
		if (e->owners[i] == owner)
			return (long)i;
	return -1;
}

/* Append owner to an entry, growing its list. */
static int push_owner(struct bp_entry *e, uint32_t owner)
{
	if (e->n_owners == e->cap_owners) {
		size_t cap = e->cap_owners ? 2 * e->cap_owners : 2;
		uint32_t *p = realloc(e->owners, cap * sizeof(*p));
		if (p == NULL)
			return -1;
		e->owners = p;
		e->cap_owners = cap;
	}
	e->owners[e->n_owners++] = owner;
	return 0;
}

/* Append a new entry with no owners; returns its index or -1. */
static long push_entry(struct bp_table *t, const struct bp_key *key)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 8;
		struct bp_entry *p = realloc(t->entries, cap * sizeof(*p));
		if (p == NULL)
			return -1;
		t->entries = p;
		t->cap = cap;
	}
	memset(&t->entries[t->n], 0, sizeof(t->entries[t->n]));
	t->entries[t->n].key = *key;
	return (long)t->n++;
}

/* Drop entry i (order is not kept). */
static void drop_entry(struct bp_table *t, size_t i)
{
	free(t->entries[i].owners);
	t->entries[i] = t->entries[--t->n];
}

/* Add owner to the breakpoint at key. */
enum bp_change bp_table_add(struct bp_table *t, uint32_t owner, const struct bp_key *key)
{
	long i = find_entry(t, key);
	bool fresh = i < 0;

	if (fresh && (i = push_entry(t, key)) < 0)
		return BP_ERROR;
	if (find_owner(&t->entries[i], owner) >= 0)
		return BP_NO_CHANGE;
	if (push_owner(&t->entries[i], owner) != 0) {
		if (fresh)
			drop_entry(t, (size_t)i);
		return BP_ERROR;
	}
	return fresh ? BP_INSERT_UPSTREAM : BP_NO_CHANGE;
}

/* Remove owner from entry i; true if that left it without owners. */
static bool unown(struct bp_table *t, size_t i, uint32_t owner)
{
	struct bp_entry *e = &t->entries[i];
	long j = find_owner(e, owner);

	if (j < 0)
		return false;
	e->owners[j] = e->owners[--e->n_owners];
	return e->n_owners == 0;
}

/* Remove owner from the breakpoint at key. */
enum bp_change bp_table_remove(struct bp_table *t, uint32_t owner, const struct bp_key *key)
{
	long i = find_entry(t, key);

	if (i < 0 || find_owner(&t->entries[i], owner) < 0)
		return BP_NOT_OWNED;
	if (!unown(t, (size_t)i, owner))
		return BP_NO_CHANGE;
	drop_entry(t, (size_t)i);
	return BP_REMOVE_UPSTREAM;
}

/* Remove owner from every breakpoint, reporting those left without owners. */
size_t bp_table_remove_owner(struct bp_table *t, uint32_t owner,
			     void (*fn)(void *arg, const struct bp_key *key), void *arg)
{
	size_t orphaned = 0;
	size_t i = 0;

	while (i < t->n) {
		if (unown(t, i, owner)) {
			struct bp_key key = t->entries[i].key;
			drop_entry(t, i);
			orphaned++;
			if (fn != NULL)
				fn(arg, &key);
			continue; /* entry i is now the one moved from the end */
		}
		i++;
	}
	return orphaned;
}

/* Whether owner owns the breakpoint at key. */
bool bp_table_owns(const struct bp_table *t, uint32_t owner, const struct bp_key *key)
{
	long i = find_entry(t, key);

	return i >= 0 && find_owner(&t->entries[i], owner) >= 0;
}

/* Whether owner owns a watchpoint whose range holds addr. */
bool bp_table_owns_watch_at(const struct bp_table *t, uint32_t owner, uint64_t addr)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct bp_key *k = &t->entries[i].key;
		bool watch = k->type == BP_WATCH_WRITE || k->type == BP_WATCH_READ ||
			     k->type == BP_WATCH_ACCESS;
		uint64_t len = k->kind > 0 ? k->kind : 1;
		if (watch && addr >= k->addr && addr - k->addr < len &&
		    find_owner(&t->entries[i], owner) >= 0)
			return true;
	}
	return false;
}

/* How many distinct breakpoints are inserted. */
size_t bp_table_count(const struct bp_table *t)
{
	return t->n;
}

/* How many breakpoints owner owns. */
size_t bp_table_count_owned(const struct bp_table *t, uint32_t owner)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++)
		n += find_owner(&t->entries[i], owner) >= 0;
	return n;
}

/* QEMU's list of VM snapshots (HMP `info snapshots`) as data. Pure. */
#ifndef GDBHUB_REPLAY_SNAPSHOTS_H
#define GDBHUB_REPLAY_SNAPSHOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct replay_snapshot {
	char tag[64];
	bool has_icount;   /* QEMU stores the icount with snapshots taken in replay mode */
	uint64_t icount;
};

/* Read the snapshots listed in text (the table after the header line that
 * begins with "ID"), each tag once: QEMU lists a snapshot once per disk
 * that holds it. Returns how many were found (at most cap are stored), or
 * -1 if text has no such table. */
int replay_snapshots_parse(const char *text, struct replay_snapshot *out, size_t cap);

#endif

/* Counting the instructions a QEMU 7.2 event log (replay.bin) holds, for a
 * recording whose guest ended QEMU before it could be asked (README.md). */
#ifndef GDBHUB_EVENT_LOG_H
#define GDBHUB_EVENT_LOG_H

#include <stdint.h>
#include <stdio.h>

/* The log format version this reader knows (QEMU 7.2's REPLAY_VERSION). */
#define EVENT_LOG_VERSION 0xe0200cu

/* Read a whole event log from f and set *icount to the instructions it
 * records (the sum of its instruction events). The log must be complete:
 * the known version, every event one this reader can size, and the end
 * event as its last byte; else -1 with *cause set (malloc'd) and *icount
 * untouched. */
int event_log_icount_file(FILE *f, uint64_t *icount, char **cause);

/* The same for the log at path. */
int event_log_icount(const char *path, uint64_t *icount, char **cause);

#endif

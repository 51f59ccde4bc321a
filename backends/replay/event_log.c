/* Walking a QEMU 7.2 replay event log: a 12-byte header (version, then a
 * reserved quad), then events, each a byte naming it and a payload whose
 * size the event decides; numbers are big-endian. Only the instruction
 * events are kept; the others are skipped by their size. Events whose size
 * depends on device state (input, audio input) make the count unknown. */
#include "backends/replay/event_log.h"

#include <errno.h>
#include <string.h>

#include "proxy/cause.h"

/* QEMU 7.2's event numbers (replay/replay-internal.h): ranges hold one
 * event per async kind, shutdown cause, clock or checkpoint. */
enum {
	EV_INSTRUCTION = 0,
	EV_INTERRUPT = 1,
	EV_EXCEPTION = 2,
	EV_ASYNC_BH = 3, EV_ASYNC_BH_ONESHOT = 4, EV_ASYNC_INPUT = 5, EV_ASYNC_INPUT_SYNC = 6,
	EV_ASYNC_CHAR_READ = 7, EV_ASYNC_BLOCK = 8, EV_ASYNC_NET = 9,
	EV_SHUTDOWN = 10, EV_SHUTDOWN_LAST = 21,
	EV_CHAR_WRITE = 22,
	EV_CHAR_READ_ALL = 23,
	EV_CHAR_READ_ALL_ERROR = 24,
	EV_AUDIO_OUT = 25,
	EV_AUDIO_IN = 26,
	EV_RANDOM = 27,
	EV_CLOCK = 28, EV_CLOCK_LAST = 30,
	EV_CHECKPOINT = 31, EV_CHECKPOINT_LAST = 38,
	EV_END = 39,
};

/* A big-endian number of n bytes; -1 at the file's end. */
static int get_be(FILE *f, unsigned n, uint64_t *out)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++) {
		int c = getc(f);
		if (c == EOF)
			return -1;
		v = v << 8 | (unsigned)c;
	}
	*out = v;
	return 0;
}

/* Skip n bytes; -1 if the file ends first. */
static int skip(FILE *f, uint64_t n)
{
	uint64_t ignored;

	for (; n >= 8; n -= 8)
		if (get_be(f, 8, &ignored) != 0)
			return -1;
	return get_be(f, (unsigned)n, &ignored);
}

/* An array: a 4-byte length, then its bytes. */
static int skip_array(FILE *f)
{
	uint64_t len;

	return get_be(f, 4, &len) == 0 ? skip(f, len) : -1;
}

/* Skip the payload of event ev (instruction events are read by the
 * caller). 1 for an event this reader cannot size, -1 at the file's end. */
static int skip_payload(FILE *f, int ev)
{
	switch (ev) {
	case EV_INTERRUPT: case EV_EXCEPTION: case EV_ASYNC_INPUT_SYNC:
		return 0;
	case EV_ASYNC_BH: case EV_ASYNC_BH_ONESHOT: case EV_ASYNC_BLOCK:
		return skip(f, 8);          /* the event's id */
	case EV_ASYNC_CHAR_READ:
		return skip(f, 1) == 0 ? skip_array(f) : -1;    /* chardev, data */
	case EV_ASYNC_NET:
		return skip(f, 5) == 0 ? skip_array(f) : -1;    /* netdev, flags, packet */
	case EV_CHAR_WRITE:
		return skip(f, 8);          /* result, offset */
	case EV_CHAR_READ_ALL:
		return skip_array(f);
	case EV_CHAR_READ_ALL_ERROR: case EV_AUDIO_OUT:
		return skip(f, 4);
	case EV_RANDOM:
		return skip(f, 4) == 0 ? skip_array(f) : -1;    /* result, bytes */
	default:
		if (ev >= EV_SHUTDOWN && ev <= EV_SHUTDOWN_LAST)
			return 0;
		if (ev >= EV_CLOCK && ev <= EV_CLOCK_LAST)
			return skip(f, 8);
		if (ev >= EV_CHECKPOINT && ev <= EV_CHECKPOINT_LAST)
			return 0;
		return 1;                   /* input, audio input, unknown */
	}
}

int event_log_icount_file(FILE *f, uint64_t *icount, char **cause)
{
	uint64_t version, sum = 0, n;
	long events = 0;
	int ev, r;

	if (get_be(f, 4, &version) != 0 || skip(f, 8) != 0)
		return cause_fail(cause, "event log: no header");
	if (version != EVENT_LOG_VERSION)
		return cause_fail(cause, "event log: version 0x%llx, this reader knows 0x%x",
				  (unsigned long long)version, EVENT_LOG_VERSION);
	while ((ev = getc(f)) != EOF && ev != EV_END) {
		events++;
		if (ev == EV_INSTRUCTION) {
			if (get_be(f, 4, &n) != 0)
				break;
			sum += n;
			continue;
		}
		if ((r = skip_payload(f, ev)) > 0)
			return cause_fail(cause, "event log: event %d (the %ld-th) has a size "
					  "this reader cannot tell", ev, events);
		if (r < 0)
			break;
	}
	if (ev != EV_END)
		return cause_fail(cause, "event log: ends after %ld events without its end event",
				  events);
	if (getc(f) != EOF)
		return cause_fail(cause, "event log: bytes after its end event");
	*icount = sum;
	return 0;
}

int event_log_icount(const char *path, uint64_t *icount, char **cause)
{
	FILE *f = fopen(path, "rb");
	int rc;

	if (f == NULL)
		return cause_fail(cause, "%s: %s", path, strerror(errno));
	rc = event_log_icount_file(f, icount, cause);
	fclose(f);
	return rc;
}

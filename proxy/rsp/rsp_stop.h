/* Thread ids and stop replies: parse into structs, format back.
 * Pure functions over caller buffers. */
#ifndef GDBHUB_RSP_STOP_H
#define GDBHUB_RSP_STOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A thread id as written on the wire: `TID`, `pPID.TID`, `pPID`.
 * -1 means "all", 0 means "any". has_pid says whether the `p` form was used;
 * a `pPID` without `.TID` means all threads of PID (tid = -1). */
struct rsp_thread_id {
	bool has_pid;
	int64_t pid;
	int64_t tid;
};

/* Parse a thread id at *p, advancing *p. Accepts `-1`, `0`, hex numbers,
 * `pPID`, `pPID.TID` (PID and TID may each be -1). Returns 0 or -1. */
int rsp_parse_thread_id(const char **p, const char *end, struct rsp_thread_id *id);

/* Format a thread id: with multiprocess, `pPID.TID` (PID taken from id, or
 * from default_pid when !id->has_pid); without, `TID`. -1 is written as
 * `-1`. Returns chars written (excluding NUL), or -1 if cap is too small. */
int rsp_format_thread_id(char *out, size_t cap, const struct rsp_thread_id *id,
			 bool multiprocess, int64_t default_pid);

enum rsp_stop_kind {
	RSP_STOP_SIGNAL = 0, /* S or T: stopped with a signal */
	RSP_STOP_EXITED,     /* W: exited with a status */
	RSP_STOP_KILLED,     /* X: terminated by a signal */
};

enum rsp_stop_reason {
	RSP_REASON_NONE = 0,
	RSP_REASON_SWBREAK,
	RSP_REASON_HWBREAK,
	RSP_REASON_WATCH,
	RSP_REASON_RWATCH,
	RSP_REASON_AWATCH,
};

struct rsp_stop {
	enum rsp_stop_kind kind;
	uint8_t signal;   /* SIGNAL, KILLED: the signal; EXITED: the exit status */
	bool has_thread;  /* T ...thread:ID; */
	struct rsp_thread_id thread;
	bool has_pid;     /* W/X ...;process:PID */
	int64_t pid;
	enum rsp_stop_reason reason;
	uint64_t watch_addr; /* WATCH, RWATCH, AWATCH */
	bool has_core;
	uint64_t core;
	/* `guest-exception:N`: the backend saw the guest's own exception N (an
	 * int3 or #DB it did not cause); 0 if none. Never formatted: clients
	 * must not see such stops (DESIGN.md). */
	uint8_t guest_vector;
};

/* Parse a stop reply (`S05`, `T05thread:p1.2;swbreak:;`, `T05watch:1000;`,
 * `W00`, `X09;process:1`, ...). Register `n:r` pairs and unknown `name:value`
 * pairs are skipped. Returns 0, or -1 if it is not a well-formed stop reply. */
int rsp_stop_parse(const char *s, size_t len, struct rsp_stop *stop);

/* Format a stop reply. SIGNAL stops are written as `T` with `thread:` when
 * has_thread (in the multiprocess form if multiprocess, with default_pid when
 * the thread id has none), then the reason and `core:`. W/X get
 * `;process:PID` only when multiprocess and has_pid.
 * Returns chars written (excluding NUL), or -1 if cap is too small. */
int rsp_stop_format(char *out, size_t cap, const struct rsp_stop *stop,
		    bool multiprocess, int64_t default_pid);

/* The `gdbhub-console:HEX;` field of a T stop reply: gdbhub-kvm in
 * non-stop mode carries there the console message that explains the stop
 * (all-stop sends it as an `O` packet first). *hex and *hexlen point into
 * s. Returns 0, or -1 if there is none. */
int rsp_stop_console(const char *s, size_t len, const char **hex, size_t *hexlen);

#endif

/* A recording folder's description, recording.json: what `gdbhub record`
 * ran and how it ended, and everything a replay needs to run the same VM.
 * See README.md for the folder and the file. */
#ifndef GDBHUB_RECORDING_H
#define GDBHUB_RECORDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The file names inside a recording folder. */
#define RECORDING_JSON "recording.json"
#define RECORDING_EVENT_LOG "replay.bin"
#define RECORDING_DISK "disk.qcow2"
#define RECORDING_SERIAL "serial.log"
/* The snapshot QEMU takes at the start (rrsnapshot=): replay begins there. */
#define RECORDING_SNAPSHOT "init"
/* `-global` value gdbhub record adds on x86: without kvmvapic, a running
 * QEMU 7.2 can load a late snapshot (README.md, "The deadlock's cause"). */
#define RECORDING_VAPIC_OFF "apic-common.vapic=off"

struct recording {
	char *guest;           /* the config's target name */
	char *arch;            /* "i386", ... as in the config */
	char *kernel;          /* file name of the copy in the folder */
	char *kernel_source;   /* where it was copied from (informative) */
	char *cmdline;         /* NULL if none */
	unsigned memory_mb;
	unsigned cpus;
	char **qemu_args;      /* the target's extra QEMU arguments, NULL-terminated */
	size_t n_qemu_args;
	unsigned icount_shift; /* -icount shift=N: replay must use the same */
	char *qemu_version;    /* first line of `qemu-system-* --version` */
	char **qemu_command;   /* the recording's QEMU command line, NULL-terminated */
	size_t n_qemu_command;
	uint64_t icount;       /* instructions recorded (see icount_exact) */
	bool icount_exact;     /* false: the event log could not be counted after
				* the guest ended QEMU, and icount is the last
				* count polled, a lower bound */
	bool ended_by_limit;   /* true: a time or instruction limit ended it */
	int exit_status;       /* QEMU's exit status (the guest's exit code) */
	char *date;            /* UTC, ISO 8601 */
};

/* Whether a running replay of rec may load any snapshot of its disk:
 * recorded with RECORDING_VAPIC_OFF as a `-global`. */
bool recording_vapic_off(const struct recording *rec);

/* Whether a running replay of rec loads late snapshots (QEMU 7.2, measured:
 * README.md), so that gdbhub-replay may keep checkpoints in its disk: an
 * aarch64 or riscv64 recording (virt machines, no kvmvapic), or an x86 one
 * made without kvmvapic (recording_vapic_off). */
bool recording_live_snapshots(const struct recording *rec);

/* Read dir/recording.json into *rec (zeroed first). Returns 0, or -1 with
 * *cause set (malloc'd) naming the file and the key at fault. */
int recording_load(const char *dir, struct recording *rec, char **cause);

/* Parse recording.json's text (for tests and recording_load). */
int recording_parse(const char *json, struct recording *rec, char **cause);

/* Write rec as dir/recording.json (through a temporary file and a rename).
 * Returns 0 or -1 with *cause set. */
int recording_write(const char *dir, const struct recording *rec, char **cause);

/* Free what rec holds and zero it. NULL-safe. */
void recording_free(struct recording *rec);

#endif

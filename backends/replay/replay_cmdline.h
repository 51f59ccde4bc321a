/* The QEMU command line that records a guest or replays a recording: the
 * tcg backend's command line for the same VM (backends/tcg/qemu_cmdline.c)
 * plus QEMU's record/replay options. Pure: no processes, no files. */
#ifndef GDBHUB_REPLAY_CMDLINE_H
#define GDBHUB_REPLAY_CMDLINE_H

#include "backends/replay/recording.h"
#include "backends/tcg/qemu_cmdline.h"

enum rr_mode { RR_RECORD, RR_REPLAY };

/* Where the files of one QEMU run are. */
struct rr_files {
	const char *kernel;     /* absolute */
	const char *event_log;  /* rrfile= */
	const char *disk;       /* the qcow2 holding the "init" snapshot */
	const char *serial;     /* COM1 log; NULL: discard */
	const char *pidfile;
};

/* Build argv running rec's VM in mode, with the gdbstub and QMP on the
 * inherited listening sockets gdb_fd and qmp_fd. QEMU starts stopped (-S).
 * Returns 0, or -1 with *cause set. Free with qemu_cmdline_free. */
int replay_cmdline_build(struct qemu_cmdline *cl, const struct recording *rec, enum rr_mode mode,
			 const struct rr_files *files, int gdb_fd, int qmp_fd, char **cause);

/* The same in replay mode, starting from snapshot tag (rrsnapshot=) of the
 * disk: gdbhub-replay starts QEMUs from its checkpoints so. */
int replay_cmdline_build_from(struct qemu_cmdline *cl, const struct recording *rec,
			      const struct rr_files *files, const char *snapshot, int gdb_fd,
			      int qmp_fd, char **cause);

#endif

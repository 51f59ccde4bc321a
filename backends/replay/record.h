/* `gdbhub record`: run a tcg target's guest under QEMU's record mode and
 * write a recording folder (README.md). */
#ifndef GDBHUB_RECORD_H
#define GDBHUB_RECORD_H

/* gdbhub record -c CONFIG TARGET --out DIR [--max-seconds S]
 * [--max-icount N] [--icount-shift N]; argv[0] is "record". Returns the
 * process exit status: 0 when the folder was written, 1 on failure, 2 on
 * a usage error. */
int record_main(int argc, char **argv);

#endif

# Proves gdbhub-replay takes coarse checkpoints while a replay runs forward under one long continue, unseen by gdb: on the spin guest (recorded for 6e8 instructions, "checkpoints": {"every": 50000000}), `continue` runs until the supervisor has logged its second checkpoint, then Ctrl-C; gdb saw only that SIGINT stop, monitor replay checkpoints lists checkpoints at each multiple of 5e7 up to there, and a reverse-stepi from the interrupted position lands on the icount before with the registers QEMU's own seek gives. Fails if checkpoints come only at the stops gdb sees (none would be listed), or if a pause leaks to gdb as a stop.
import re

import check
from check import expect_eq, expect_gt, expect_true

EVERY = 50000000


def second_checkpoint():
    # seq numbers QEMUs and checkpoints alike: wait for the icount
    check.daemon_log_wait(r"checkpoint ck\d+ at icount %d$" % (2 * EVERY),
                          "a second checkpoint during the continue")


def scenario():
    check.connect()
    # gdb sees only that SIGINT stop
    check.interrupt_continue(delay=0, after=second_checkpoint,
                             after_what="a second checkpoint during the continue")
    at = check.replay_icount()
    # (at it, if the Ctrl-C came while the supervisor took the checkpoint)
    expect_true("interrupted at or past the second boundary", at >= 2 * EVERY, "icount %d" % at)
    listing = check.monitor("replay checkpoints")
    expect_true("the listing says how they are taken",
                "one every %d instructions as the replay runs forward" % EVERY in listing, listing)
    marks = [int(n) for n in re.findall(r"ck\d+ at icount (\d+)", listing)]
    expect_true("a checkpoint at each multiple of every on the way",
                all(n in marks for n in range(EVERY, at - EVERY + 1, EVERY)), listing)
    expect_gt("the spin loop ran", int(check.value("ticks")), 0)
    check.run("reverse-stepi")
    expect_eq("icount after reverse-stepi", check.replay_icount(), at - 1)
    back = check.general_registers()
    check.monitor("replay seek %d" % at)
    check.monitor("replay seek %d" % (at - 1))
    expect_eq("QEMU's own seek agrees", check.general_registers(), back)


if __name__ == "__main__":
    check.main(scenario)

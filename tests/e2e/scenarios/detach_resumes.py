# Proves detach lets the VM run even when the client never resumed it: gdb #1 attaches to the spin guest halted before its first instruction, reads `ticks` and detaches with no continue; gdb #2, attaching a second later, must find the guest inside spin_loop with `ticks` past what gdb #1 read, and releases it to its exit (code 7); fails if the last client's detach leaves the VM stopped (gdb #2 would find it still at the reset stop, `ticks` unchanged).
import os

import check
from check import expect_eq, expect_gt, expect_ne, value

TICKS_FILE = os.path.join(os.environ["GDBHUB_TMP"], "ticks-at-detach")


def first():
    check.connect()
    expect_ne("function on attach (the guest has not run yet)", check.function(), "spin_loop")
    ticks = value("ticks")
    expect_eq("ticks before the guest ran", ticks, 0)
    with open(TICKS_FILE, "w") as f:
        f.write("%d\n" % ticks)
    check.run("detach")


def second():
    with open(TICKS_FILE) as f:
        before = int(f.read())
    check.connect()
    expect_eq("function on attach", check.function(), "spin_loop")
    expect_gt("ticks (the guest ran after gdb #1 detached)", value("ticks"), before)
    check.run("set var release = 1")
    check.continue_to_exit(7)


if __name__ == "__main__":
    check.main(first if check.PHASE == 0 else second)

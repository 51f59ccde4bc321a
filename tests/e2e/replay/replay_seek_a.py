# Client A (control) of replay_seek (see replay_seek_c.py): monitor replay info starts at icount 0 and names the recording (1e6+ instructions, the guest's exit 15); monitor replay checkpoints lists QEMU's init snapshot at icount 0 and says why there are no others; monitor replay seek 500000 moves the VM forward (pc changes, info says 500000), stepi goes on from there (500001), seek 200000 goes back (another pc), seek 500000 again lands on the same pc as the first time; bad arguments are refused with the usage. Fails without the replay monitor commands or if a seek does not move the timeline.
import re

import check
from check import expect_eq, expect_in, expect_ne, expect_true


def seek(n):
    text = check.monitor("replay seek %d" % n)
    expect_in("seek %d reports where it stopped" % n, "at icount %d\n" % n, text)
    check.refresh()   # an all-stop gdb keeps its registers across a monitor command
    return check.pc()


def scenario():
    check.attach_as("control")
    info = check.monitor("replay info")
    expect_in("info: the mode", "mode replay", info)
    expect_in("info: the recording's end", "ended by the guest (status 15)", info)
    total = int(re.search(r"(\d+) instructions", info).group(1))
    expect_true("the recording is over 1e6 instructions", total > 1000000, str(total))
    expect_eq("the replay starts at icount 0", check.replay_icount(), 0)
    cps = check.monitor("replay checkpoints")
    expect_in("checkpoints: QEMU's init snapshot", "init at icount 0", cps)
    expect_in("checkpoints: how they are taken (the defaults)",
              "one every 100000000 instructions as the replay runs forward,\n"
              "fine ones within 1000000 behind a reverse step's goal, and keeps at most 64", cps)

    start = check.pc()
    at500k = seek(500000)
    expect_ne("seek forward moved pc", at500k, start)
    expect_eq("info after the seek", check.replay_icount(), 500000)
    check.signal("seeked", "%d" % at500k)
    check.wait_for("c-checked")

    check.run("stepi")
    expect_eq("stepi after the seek", check.replay_icount(), 500001)
    at200k = seek(200000)
    expect_ne("seek back moved pc", at200k, at500k)
    expect_eq("info after seeking back", check.replay_icount(), 200000)
    expect_eq("seek 500000 again lands on the same pc", seek(500000), at500k)

    check.expect_refused("seek without a number", "monitor replay seek abc")
    check.expect_refused("an unknown replay command", "monitor replay rewind")
    check.signal("a-done")
    check.continue_to_exit(15)


if __name__ == "__main__":
    check.main(scenario)

# Proves gdbhub-replay keeps at most "checkpoints": {"max": 3} checkpoints however far a session goes, and that reverse execution stays exact with the thinned set: 15 forward seeks 12e6 apart each leave a checkpoint (every is 1e7), yet monitor replay checkpoints lists 3 and the newest of them is the last seek's; a reverse-stepi there lands on the previous instruction's registers and icount; a backward seek into the thinned part reaches its icount, with the registers QEMU's own seek from there gives again. The runner also counts the checkpoints on disk (snapshots in the live disk, or the copies' files). Fails without the cap (15 listed and kept).
import re

import check
from check import expect_eq, expect_true

SPACING = 12000000
SEEKS = 15
CAP = 3


def marks():
    listing = check.monitor("replay checkpoints")
    return [int(n) for n in re.findall(r"ck\d+ at icount (\d+)", listing)], listing


def scenario():
    check.connect()
    for k in range(1, SEEKS + 1):
        check.monitor("replay seek %d" % (k * SPACING))
    last = SEEKS * SPACING
    expect_eq("the last seek reached", check.replay_icount(), last)
    kept, listing = marks()
    expect_eq("checkpoints kept besides init", len(kept), CAP)
    expect_true("the newest, at the last seek, is kept", last in kept, listing)
    check.run("stepi")
    after = check.general_registers()
    check.run("stepi")
    check.run("reverse-stepi")
    expect_eq("reverse-stepi lands on the previous instruction", check.general_registers(), after)
    expect_eq("icount after reverse-stepi", check.replay_icount(), last + 1)
    back = 5 * SPACING + 12345
    check.monitor("replay seek %d" % back)
    expect_eq("a backward seek into the thinned part reached", check.replay_icount(), back)
    there = check.general_registers()
    check.monitor("replay seek %d" % (back + 1000))
    check.monitor("replay seek %d" % back)
    expect_eq("the same registers when seeking there again", check.general_registers(), there)
    kept, listing = marks()
    expect_true("still no more than the cap", len(kept) <= CAP, listing)


if __name__ == "__main__":
    check.main(scenario)

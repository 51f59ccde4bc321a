# Proves reverse-stepi near the end of a long recording (the spin guest, 2e8 instructions) lands on exactly the previous instruction when gdbhub-replay carries it out from its checkpoints: a seek to 1000 before the end (coarse checkpoints are taken every 1e8 on the way), two stepi, then reverse-stepi must give back each earlier register set and icount; one more reverse-stepi goes to before that checkpoint (a fine one is left on the way) and must equal what QEMU's own seek from init gives for that icount; monitor replay checkpoints lists them. Fails if a step back lands one instruction off or starts from a wrong snapshot.
import json
import os
import re

import check
from check import expect_eq, expect_true


def scenario():
    with open(os.path.join(os.environ["GDBHUB_RECORDING"], "recording.json")) as f:
        end = json.load(f)["icount"]
    start = end - 1000
    check.connect()
    check.monitor("replay seek %d" % start)
    expect_eq("seek reached", check.replay_icount(), start)
    at = [check.general_registers()]
    for _ in range(2):
        check.run("stepi")
        at.append(check.general_registers())
    expect_true("the steps change registers", at[0] != at[1] and at[1] != at[2])
    for back in (1, 0):
        check.run("reverse-stepi")
        expect_eq("registers after reverse-stepi to start+%d" % back, check.general_registers(), at[back])
        expect_eq("icount after reverse-stepi", check.replay_icount(), start + back)
    check.run("reverse-stepi")
    before = check.general_registers()
    expect_eq("icount after reverse-stepi past the checkpoint", check.replay_icount(), start - 1)
    check.run("stepi")
    expect_eq("stepi forward again", check.general_registers(), at[0])
    check.monitor("replay seek %d" % (start - 1))  # QEMU's own: from init
    expect_eq("QEMU's own seek agrees", check.general_registers(), before)
    listing = check.monitor("replay checkpoints")
    marks = [int(n) for n in re.findall(r"ck\d+ at icount (\d+)", listing)]
    expect_true("coarse checkpoints every 1e8 on the way to the seek are listed",
                all(n in marks for n in range(100000000, start, 100000000)), listing)
    expect_true("a fine checkpoint less than 1e6 behind it is listed",
                any(start - 1 - 1000000 <= n < start - 1 for n in marks), listing)


if __name__ == "__main__":
    check.main(scenario)

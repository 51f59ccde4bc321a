# Proves reverse-continue finds a breakpoint's last hit when it lies behind every checkpoint gdbhub-replay took: on the spin guest recorded for 2e8 instructions, one forward seek to near the end leaves checkpoints every 2e7 on its way ("checkpoints": {"every": 20000000}), then from near the end `break spin_loop` (entered once, within the first 6e6 instructions) and reverse-continue must stop at spin_loop's entry at the same icount and with the same registers as a forward run from the start to that breakpoint, with ticks still 0. A second reverse-continue finds no earlier hit and goes to the start of the recording. Fails if the reverse-continue stops at a checkpoint, at the start, or anywhere but that one instruction.
import json
import os
import re

import check
from check import expect_eq, expect_gt, expect_true


def scenario():
    with open(os.path.join(os.environ["GDBHUB_RECORDING"], "recording.json")) as f:
        end = json.load(f)["icount"]
    check.connect()
    # Forward first, to learn where spin_loop is entered.
    text = check.run("break spin_loop")
    entry = check.breakpoint_address(text)
    check.run("continue")
    expect_eq("forward: at spin_loop's entry", check.pc(), entry)
    first = check.replay_icount()
    want = check.general_registers()
    check.run("delete")
    check.monitor("replay seek %d" % (end - 1000))
    listing = check.monitor("replay checkpoints")
    marks = [int(n) for n in re.findall(r"ck\d+ at icount (\d+)", listing)]
    expect_gt("checkpoints between the hit and the end", len([m for m in marks if m > first]), 3)
    expect_gt("ticks near the end", int(check.value("ticks")), 0)
    check.run("break spin_loop")
    check.run("reverse-continue")
    expect_eq("reverse-continue: at spin_loop's entry", check.pc(), entry)
    expect_eq("reverse-continue: the icount of the forward hit", check.replay_icount(), first)
    expect_eq("reverse-continue: the registers of the forward hit", check.general_registers(), want)
    expect_eq("reverse-continue: ticks before the loop", int(check.value("ticks")), 0)
    check.run("reverse-continue")
    expect_true("a second reverse-continue goes to the start",
                check.replay_icount() < first, "icount %d" % check.replay_icount())


if __name__ == "__main__":
    check.main(scenario)

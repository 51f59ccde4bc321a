# Proves reverse execution through gdbhub-replay's checkpoints late in a long recording of a virt machine (aarch64, riscv64: the spin guest, 3e8 instructions or more), where QEMU itself loads the checkpoints kept in its running disk: after a seek to 200001000, reverse-stepi from just after the latest checkpoint C lands on each earlier instruction's registers and icount, down to C and past it, and agrees with a seek there; then, with a breakpoint at the spin loop's pc at C+1, reverse-continue stops at every hit stepping forward saw (icount and registers), then at C+1, then across C at the loop's previous pass, where a seek agrees. Fails if a step or continue back lands off by an instruction, skips a hit, or a checkpoint loads a wrong state.
import re

import gdb

import check
from check import expect_eq, expect_true

# Late, but not at the recorded end: a virt recording cut by a limit does
# not replay its last 2**26 instructions (QEMU 7.2 replays the recorded
# quit there; measured, backends/replay/README.md)
START = 200001000


def regs():
    """The core registers (the target description's, up to pc), by name."""
    check.refresh()
    frame = gdb.selected_frame()
    out = {}
    for desc in frame.architecture().registers("general"):
        out[desc.name] = int(frame.read_register(desc.name))
        if desc.name == "pc":
            return out
    raise AssertionError("no pc among the general registers: %s" % sorted(out))


def latest_checkpoint():
    """The latest checkpoint but init at or before START (gdbhub-replay
    took it on the way there)."""
    listing = check.monitor("replay checkpoints")
    marks = [int(n) for n in re.findall(r"ck\d+ at icount (\d+)", listing)]
    before = [n for n in marks if n <= START]
    expect_true("a checkpoint but init before %d" % START, before, listing)
    return max(before)


def steps_back(c):
    """stepi twice from c+1, then reverse-stepi to c+2, c+1, c and past c;
    each must give the registers and icount of that instruction."""
    check.monitor("replay seek %d" % (c + 1))
    at = {c + 1: regs()}
    for k in (2, 3):
        check.run("stepi")
        at[c + k] = regs()
    expect_true("the steps change registers", at[c + 1] != at[c + 2] != at[c + 3])
    for icount in (c + 2, c + 1):
        check.run("reverse-stepi")
        expect_eq("registers after reverse-stepi to %d" % icount, regs(), at[icount])
        expect_eq("icount after reverse-stepi", check.replay_icount(), icount)
    for icount in (c, c - 1):
        check.run("reverse-stepi")
        at[icount] = regs()
        expect_eq("icount after reverse-stepi to the checkpoint and past it",
                  check.replay_icount(), icount)
    for icount in (c, c + 1):
        check.run("stepi")
        expect_eq("stepi forward again to %d" % icount, regs(), at[icount])
    check.monitor("replay seek %d" % (c - 1))
    expect_eq("a seek past the checkpoint agrees", regs(), at[c - 1])


def hits_forward(first, bp, limit=80):
    """stepi from first (a hit of bp) until two more hits lie behind and
    the position is two or more instructions past the last: QEMU 7.2's
    reverse-continue does not see a hit on the instruction just before
    where it starts. {icount: registers} at the hits after first."""
    hits, last_hit = {}, first
    for icount in range(first + 1, first + limit):
        check.run("stepi")
        if check.pc() == bp:
            last_hit = icount
            hits[icount] = regs()
        elif len(hits) >= 2 and icount - last_hit >= 2:
            expect_eq("icount after stepping forward", check.replay_icount(), icount)
            return hits
    raise AssertionError("fewer than two hits of 0x%x in %d steps" % (bp, limit))


def continue_back(c):
    """reverse-continue to a breakpoint at the loop's pc at c+1: every hit
    back to c+1, then across c to the loop's previous pass."""
    first = c + 1
    check.monitor("replay seek %d" % first)
    at_first = regs()
    bp = at_first["pc"]
    check.run("break *0x%x" % bp)
    hits = hits_forward(first, bp)
    hits[first] = at_first
    for icount in sorted(hits, reverse=True):
        check.run("reverse-continue")
        expect_eq("reverse-continue stops at the breakpoint", check.pc(), bp)
        expect_eq("reverse-continue reaches the hit before", check.replay_icount(), icount)
        expect_eq("registers at the hit %d" % icount, regs(), hits[icount])
    period = sorted(hits)[1] - first  # instructions in one pass of the loop
    expect_true("a pass of the loop is longer than two instructions", period > 2, period)
    check.run("reverse-continue")
    before = first - period
    expect_eq("reverse-continue across the checkpoint stops at the breakpoint", check.pc(), bp)
    expect_eq("reverse-continue across the checkpoint: the loop's previous pass",
              check.replay_icount(), before)
    expect_true("that pass lies before the checkpoint", before < c, before)
    there = regs()
    check.run("delete")
    check.monitor("replay seek %d" % before)
    expect_eq("a seek to that hit agrees", regs(), there)


def scenario():
    check.connect()
    check.monitor("replay seek %d" % START)
    expect_eq("seek reached", check.replay_icount(), START)
    c = latest_checkpoint()
    steps_back(c)
    continue_back(c)


if __name__ == "__main__":
    check.main(scenario)

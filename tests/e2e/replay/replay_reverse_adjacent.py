# Proves reverse-continue stops at a breakpoint on the very instruction behind the replay (QEMU 7.2's own reverse-continue replays to there and stops before checking it, so it skipped such a hit: gdbhub-replay looks there first). On the spin guest: continue to `break spin_loop` (entered once), stepi, reverse-continue must come back to that entry at its icount, not run on to the start. Then an `hbreak` on the loop's ticks++ line: continue to two hits, stepi, reverse-continue must stop at the second hit, and another at the first (QEMU's own way). Fails if any reverse-continue lands at another icount.
import gdb

import check
from check import expect_eq


def stop_at(what):
    return {"pc": check.pc(), "icount": check.replay_icount(), "what": what}


def scenario():
    check.connect()
    check.run("break spin_loop")
    check.run("continue")
    entry = stop_at("spin_loop's entry")
    check.run("stepi")
    check.run("reverse-continue")
    expect_eq("reverse-continue from one past a breakpoint", stop_at(entry["what"]), entry)
    check.run("delete")
    body = gdb.decode_line("spin.c:13")[1][0].pc
    check.run("hbreak *0x%x" % body)
    check.run("continue")
    first = stop_at("the loop body, first")
    check.run("continue")
    second = stop_at("the loop body, second")
    expect_eq("the hardware breakpoint's address", second["pc"], body)
    check.run("stepi")
    check.run("reverse-continue")
    expect_eq("reverse-continue from one past the second hit", stop_at(second["what"]), second)
    check.run("reverse-continue")
    expect_eq("reverse-continue from the second hit", stop_at(first["what"]), first)


if __name__ == "__main__":
    check.main(scenario)

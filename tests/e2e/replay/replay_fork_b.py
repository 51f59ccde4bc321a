# Client B of replay_fork (see replay_fork_a.py): B's own replay (target demo@cID, not A's) is still at icount 0 and A's start pc after A's seek to 500000; B seeks to 300000 (a pc other than A's); A's stepi leaves B at 300000 with its pc; after A followed B, B is still where it was. Fails if clients share one timeline.

import check
from check import expect_eq, expect_in, expect_ne


def scenario():
    me = check.attach_as("control")
    expect_eq("B's own replay", me.target, "demo@c%d" % me.id)
    a_id, a_start, a_pc = (int(x) for x in check.wait_for("a-at").split())
    expect_ne("A and B have replays of their own", a_id, me.id)
    check.refresh()
    expect_eq("A's seek left B at icount 0", check.replay_icount(), 0)
    expect_eq("A's seek left B's pc", check.pc(), a_start)

    text = check.monitor("replay seek 300000")
    expect_in("B's seek", "at icount 300000\n", text)
    check.refresh()
    at300k = check.pc()
    expect_ne("B's seek moved B's pc", at300k, a_start)
    check.signal("b-at", "%d %d" % (me.id, at300k))

    check.wait_for("a-stepped")
    check.refresh()
    expect_eq("A's stepi left B's icount", check.replay_icount(), 300000)
    expect_eq("A's stepi left B's pc", check.pc(), at300k)
    check.signal("b-checked")
    check.wait_for("a-followed")
    check.refresh()
    expect_eq("A's follow left B where it was", check.replay_icount(), 300000)
    check.signal("b-done")
    check.continue_to_exit(15)


if __name__ == "__main__":
    check.main(scenario)

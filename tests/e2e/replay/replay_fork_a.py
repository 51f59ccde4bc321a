# Client A of replay_fork (see replay_fork_b.py), both control clients of one "sharing": "fork" target: A gets a replay of its own (whoami names target demo@cID, replay info says sharing fork) starting at icount 0; A seeks to 500000 while B stays at 0, then B seeks to 300000 and A's replay stays at 500000 with its pc; A's stepi moves A alone (500001; B checks it is still at 300000); `monitor replay follow B` brings A to B's icount and pc; following itself or a client with no replay is refused. Fails if clients share one timeline or follow does not move to the other's position.

import check
from check import expect_eq, expect_in, expect_ne


def scenario():
    me = check.attach_as("control")
    expect_eq("A's own replay", me.target, "demo@c%d" % me.id)
    info = check.monitor("replay info")
    expect_in("info: the sharing mode", "sharing fork", info)
    expect_eq("A's replay starts at icount 0", check.replay_icount(), 0)
    start = check.pc()

    text = check.monitor("replay seek 500000")
    expect_in("A's seek", "at icount 500000\n", text)
    check.refresh()
    at500k = check.pc()
    expect_ne("A's seek moved A's pc", at500k, start)
    check.signal("a-at", "%d %d %d" % (me.id, start, at500k))

    b_id, b_pc = (int(x) for x in check.wait_for("b-at").split())
    check.refresh()
    expect_eq("B's seek left A's pc", check.pc(), at500k)
    expect_eq("B's seek left A's icount", check.replay_icount(), 500000)
    expect_ne("A and B at different pcs at once", at500k, b_pc)

    check.run("stepi")
    expect_eq("A's stepi moved A", check.replay_icount(), 500001)
    check.signal("a-stepped")
    check.wait_for("b-checked")

    text = check.monitor("replay follow %d" % b_id)
    expect_in("follow reports B's icount", "at icount 300000\n", text)
    check.refresh()
    expect_eq("follow: A at B's icount", check.replay_icount(), 300000)
    expect_eq("follow: A at B's pc", check.pc(), b_pc)
    check.expect_refused("following oneself", "monitor replay follow %d" % me.id)
    check.expect_refused("following a client with no replay", "monitor replay follow 999")
    check.signal("a-followed")
    check.wait_for("b-done")
    check.continue_to_exit(15)


if __name__ == "__main__":
    check.main(scenario)

# Client C (observe) of replay_seek (see replay_seek_a.py): on the shared timeline C sees A's seek (after re-reading registers, the pc A reports at icount 500000, and monitor replay info says 500000); C's own seek is refused because it may not resume (the daemon says so), and the VM does not move. Fails if the seek is not shared or an observer can move the timeline.
import re

import check
from check import expect_eq, expect_in


def scenario():
    check.attach_as("observe")
    at500k = int(check.wait_for("seeked"))
    check.refresh()
    expect_eq("C sees A's seek", check.pc(), at500k)
    expect_in("C's info shows the new icount", "at icount 500000\n", check.monitor("replay info"))
    text = check.expect_refused("C's seek", "monitor replay seek 1000")
    expect_in("the refusal says why", "observe", text)
    check.refresh()
    expect_eq("the VM did not move", check.pc(), at500k)
    check.signal("c-checked")
    check.wait_for("a-done")
    check.expect_no_hang_after_end("C's next request after the guest's exit returns")


if __name__ == "__main__":
    check.main(scenario)

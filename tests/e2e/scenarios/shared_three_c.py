# Client C (observe) of shared_three (see shared_three_a.py): `monitor whoami`/`targets`/`floor` describe the three clients; C reads the VM stopped under A's breakpoint, but `set var counter = 99` and `continue` are refused and change nothing (A checks too); fails if an observer may write or resume, or may not read.
import re

import check
from check import expect_eq, expect_in, expect_true, value


def scenario():
    check.connect()
    me = check.whoami()
    expect_eq("whoami: C's role", me.role, "observe")
    expect_eq("whoami: C's target", me.target, "demo")
    check.signal("c-attached")
    a = int(check.wait_for("a-id"))
    b = int(check.wait_for("b-id"))

    check.wait_for("a-stop2")
    text = check.monitor("targets")
    expect_in("monitor targets: demo is stopped", "stopped", text)
    for who, client, role in (("A", a, "control"), ("B", b, "control"), ("C", me.id, "observe")):
        line = r"client %d\s+%s" % (client, role)
        expect_true("monitor targets lists %s" % who, re.search(line, text),
                    "a line matching %r" % line)
    expect_eq("monitor floor: free", check.floor_holder(check.monitor("floor")), None)

    check.refresh()
    expect_eq("C reads: function", check.function(), "add")
    expect_eq("C reads: a", value("a"), 1)
    expect_eq("C reads: counter", value("counter"), 2)

    check.expect_refused("C's set var is refused", "set var counter = 99")
    check.refresh()
    expect_eq("counter after the refused write", value("counter"), 2)
    line = check.daemon_log_wait(r"client %d .*refused [MX]" % me.id, "the daemon logs the write")
    expect_in("the daemon says why", "observe", line)

    with check.Stops() as ev:
        check.expect_refused("C's continue while the VM is stopped is refused", "continue")
    print("(stop events: %s)" % ev.describe(), flush=True)
    check.refresh()
    expect_eq("C: still in add", check.function(), "add")
    expect_eq("C: a still 1", value("a"), 1)
    check.daemon_log_wait(r"client %d .*refused vCont" % me.id, "the daemon logs the resume")
    check.signal("c-done")

    check.wait_for("a-done")
    check.expect_no_hang_after_end("C's next request after the guest's exit returns")


if __name__ == "__main__":
    check.main(scenario)

# Client C (observe) of observer_cannot_break (see observer_cannot_break_a.py): `break add` + `continue` is refused and the VM does not move; C stays attached while A runs the guest to its end.
import check
from check import expect_eq, expect_in


def scenario():
    me = check.attach_as("observe")
    start = check.pc()
    check.run("break add")           # gdb inserts it when resuming
    with check.Stops() as ev:
        text = check.expect_refused("C's continue with a breakpoint", "continue")
    expect_in("gdb could not insert C's breakpoint", "Cannot insert breakpoint", text)
    expect_eq("C got no stop", ev.describe(), [])
    line = check.daemon_log_wait(r"client %d .*refused Z0" % me.id, "the daemon logs the refusal")
    expect_in("the daemon says why", "observe", line)
    check.refresh()
    expect_eq("the VM did not move", check.pc(), start)
    check.signal("c-tried")
    check.wait_for("a-done")         # stay attached: a leaked breakpoint would be C's
    check.expect_no_hang_after_end("C's next request after the guest's exit returns")


if __name__ == "__main__":
    check.main(scenario)

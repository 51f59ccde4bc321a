# gdb on a target added through the control socket: a breakpoint, a stop at
# it and a variable read; then, stopped and idle, the target is removed under
# it (the runner does that once this script signals "at-bp"). The next
# request must end cleanly: an error because the daemon closed the
# connection, or an exit report; never a hang.
import check
from check import expect_eq, expect_in


def scenario():
    check.connect()
    check.run("break add")
    with check.Stops() as ev:
        text = check.run("continue")
    expect_eq("stop events", ev.describe(), ["breakpoint ['add']"])
    expect_in("gdb reports the breakpoint", "Breakpoint 1, add (a=0, b=100)", text)
    expect_eq("counter", check.value("counter"), 1)
    check.signal("at-bp")
    check.wait_for("removed")
    check.expect_no_hang_after_end("the session on the removed target ends")


if __name__ == "__main__":
    check.main(scenario)

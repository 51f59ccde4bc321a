# Proves a daemon can use another daemon as its upstream stub: gdb talks to daemon B, whose target is daemon A's target socket (backend "remote"), and breakpoints, arguments, a hardware watchpoint and the run to the exit all cross both daemons; B must relay A's `W0f`, so $_exitcode is 15; fails if B cannot speak to a gdbhub upstream (no-ack mode, which QEMU 7.2 never offers, vCont, thread ids), loses the watchpoint's stop reason on the way, or ends the session without the exit status A knows.
import check
from check import expect_eq, expect_in, value


def scenario():
    check.connect()
    check.run("break add")
    with check.Stops() as ev:
        text = check.run("continue")
    expect_eq("stop events, first continue", ev.describe(), ["breakpoint ['add']"])
    expect_in("gdb reports the breakpoint", "Breakpoint 1, add (a=0, b=100)", text)
    expect_eq("a", value("a"), 0)
    expect_eq("b", value("b"), 100)
    expect_eq("counter", value("counter"), 1)

    text = check.run("watch counter")
    expect_in("a hardware watchpoint", "Hardware watchpoint 2: counter", text)
    with check.Stops() as ev:
        text = check.run("continue")
    # add(0, 100) returns, the loop goes round: counter++ comes before add(1, 100).
    expect_eq("stop events, second continue", ev.describe(), ["breakpoint ['counter']"])
    expect_in("gdb reports the watchpoint's old and new value",
              "Old value = 1\nNew value = 2", text)
    expect_eq("counter", value("counter"), 2)
    expect_eq("function", check.function(), "kmain")

    check.run("delete")
    check.continue_to_exit(15)


if __name__ == "__main__":
    check.main(scenario)

# A target started by a SIGHUP reload: a breakpoint, a stop at it, and the
# guest's variables.
import check
from check import expect_eq, expect_in


def scenario():
    check.connect()
    check.run("break add")
    with check.Stops() as ev:
        text = check.run("continue")
    expect_eq("stop events", ev.describe(), ["breakpoint ['add']"])
    expect_in("gdb reports the breakpoint", "Breakpoint 1, add (a=0, b=100)", text)
    expect_eq("b", check.value("b"), 100)


if __name__ == "__main__":
    check.main(scenario)

# Proves a controller that vanishes while the VM is stopped at its breakpoint takes that breakpoint with it, and the other controller carries on: A (always-inserted breakpoints, so `break add` stays inserted while stopped) stops at add and is killed -9 by the runner; B then finds the VM still stopped at add (a controller remains, so it must not resume), guest memory at add equal to the ELF's bytes, and continues to the guest's exit (code 15) with no stop at add; fails if the dead client's breakpoint stays upstream (B stops with SIGTRAP), if the VM runs off when only one of two controllers left, or if B's session wedges.
# Client A (control): stops at add, then is killed.
import check
from check import expect_eq, value


def scenario():
    me = check.attach_as("control")
    check.run("set breakpoint always-inserted on")
    check.signal("a-id", str(me.id))
    check.run("break add")
    check.wait_for("b-attached")
    with check.Stops() as ev:
        check.run("continue")
    expect_eq("A's stop", ev.describe(), ["breakpoint ['add']"])
    expect_eq("a", value("a"), 0)
    check.ready()                    # the runner kills this gdb now
    check.wait_for("a-killed")
    check.expect_true("A is killed while stopped at add", False, "A outlived the runner's kill")


if __name__ == "__main__":
    check.main(scenario)

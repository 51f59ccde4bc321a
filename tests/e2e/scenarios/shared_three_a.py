# Proves three gdbs share one demo VM at the same time with per-client breakpoints and roles: controllers A and B both break at add (B also at factorial), A's continue stops at add (a=0) and B, which never resumed, reads the new state; B's `delete` must leave A's breakpoint in place (A, which left add by `return` so that gdb does not re-insert it, stops at add again, a=1); observer C reads but its `set var` and `continue` are refused; A then runs the guest to its exit (code 15) and B and C are told, not left hanging; fails if a client's delete removes another's breakpoint (A would run to the exit), if B's factorial breakpoint outlives its delete, or if an observer can write or resume.
# Client A (control), with always-inserted breakpoints so that gdb sends Z0/z0 only at break/delete.
import check
from check import expect_eq, value


def scenario():
    me = check.attach_as("control")
    check.run("set breakpoint always-inserted on")
    check.signal("a-id", str(me.id))
    check.run("break add")
    check.wait_for("b-ready")        # B owns add and factorial too
    check.wait_for("c-attached")

    with check.Stops() as ev:
        check.run("continue")
    expect_eq("A's first stop", ev.describe(), ["breakpoint ['add']"])
    expect_eq("a at the first stop", value("a"), 0)
    expect_eq("counter at the first stop", value("counter"), 1)
    check.signal("a-stop1")
    check.wait_for("b-seen")

    # Leave add without running: `finish` or `continue` from add would step
    # over A's breakpoint (z0, step, Z0), which re-inserts it and hides its
    # loss.  `return 100` pops the frame with add's own result instead.
    check.run("return 100")
    expect_eq("A back in kmain", check.function(), "kmain")
    check.signal("a-in-kmain")
    check.wait_for("b-deleted")      # B deleted its add and factorial

    with check.Stops() as ev:
        check.run("continue")
    expect_eq("A's second stop (B's delete kept A's breakpoint)", ev.describe(),
              ["breakpoint ['add']"])
    expect_eq("a at the second stop", value("a"), 1)
    expect_eq("counter at the second stop", value("counter"), 2)
    check.signal("a-stop2")

    check.wait_for("c-done")         # C tried to write and to resume
    check.refresh()
    expect_eq("counter after C's refused write", value("counter"), 2)
    expect_eq("A still in add after C's refused continue", check.function(), "add")
    expect_eq("a after C's refused continue", value("a"), 1)

    check.run("delete")
    check.continue_to_exit(15)       # no stop: B's factorial breakpoint is gone too
    check.signal("a-done")


if __name__ == "__main__":
    check.main(scenario)

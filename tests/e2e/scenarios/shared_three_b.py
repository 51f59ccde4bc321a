# Client B (control) of shared_three (see shared_three_a.py): owns breakpoints at add (like A) and factorial, sees A's stop without resuming, then deletes both while A's add must survive; fails if B cannot insert, cannot read the VM's new state, or its delete takes A's breakpoint with it (caught by A).
import check
from check import expect_eq, expect_not_in, value


def scenario():
    me = check.attach_as("control")
    check.run("set breakpoint always-inserted on")
    check.signal("b-id", str(me.id))
    text = check.run("break add")
    expect_not_in("B's break add is inserted", "Cannot insert", text)
    add = check.breakpoint_address(text)
    text = check.run("break factorial")
    expect_not_in("B's break factorial is inserted", "Cannot insert", text)
    check.signal("b-ready")

    # B never resumed: it learns of A's stop on its next request.
    check.wait_for("a-stop1")
    check.refresh()
    expect_eq("B: $pc is at add", check.pc(), add)
    expect_eq("B: a", value("a"), 0)
    expect_eq("B: counter", value("counter"), 1)
    check.signal("b-seen")

    check.wait_for("a-in-kmain")
    text = check.run("delete")
    expect_not_in("B's delete goes through", "Cannot remove", text)
    check.signal("b-deleted")

    check.wait_for("a-done")
    check.expect_no_hang_after_end("B's next request after the guest's exit returns")


if __name__ == "__main__":
    check.main(scenario)

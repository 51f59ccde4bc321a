# Client B (control) of floor_and_fanout (see floor_and_fanout_a.py): while A's resume runs, `monitor floor` names A and B's `continue` is refused at once (it returns, so A can go on); once A's interrupt stopped the VM, B's gdb works again and the floor is free; fails if B's resume runs, hangs, or leaves B's session unusable.
import check
from check import expect_eq, expect_ne


def scenario():
    me = check.attach_as("control")
    check.signal("b-attached")
    a = int(check.wait_for("a-id"))
    check.wait_for("a-resuming")
    text = check.poll_monitor("floor", lambda t: check.floor_holder(t) is not None,
                              "A's resume takes the floor")
    expect_eq("monitor floor names A", check.floor_holder(text), a)

    # A interrupts only after this: a hang here fails the test by timeout.
    with check.Stops() as ev:
        check.expect_refused("B's continue while A holds the floor", "continue")
    expect_eq("B got no stop", ev.describe(), [])
    line = check.daemon_log_wait(r"client %d .*refused vCont" % me.id, "the daemon logs the refusal")
    check.expect_in("the daemon says why", "floor", line)
    check.signal("b-refused")

    # All-stop B learns of the VM's new state on its next request.
    check.wait_for("a-stopped")
    check.run("maint flush register-cache")
    expect_eq("B: function once A's interrupt stopped the VM", check.function(), "spin_loop")
    expect_ne("B: ticks", check.value("ticks"), 0)
    text = check.monitor("floor")
    expect_eq("the floor is free once the VM stopped", check.floor_holder(text), None)
    check.signal("b-checked")

    check.wait_for("a-done")
    check.expect_no_hang_after_end("B's next request after the guest's exit returns")


if __name__ == "__main__":
    check.main(scenario)

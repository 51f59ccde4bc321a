# Proves floor control and stop fan-out with three gdbs at once on the spin guest: while controller A's `continue` runs, `monitor floor` names A, controller B's `continue` is refused at once, observer C's `continue` is taken as "wait for the next stop", and A's Ctrl-C stop reaches both A and C; then A releases the guest to its exit (code 7); fails if B's resume is accepted or hangs (A never interrupts and the waits time out), if C's wait is refused or never ends, or if A loses control.
# Client A (control): holds the floor, interrupts once B was refused and C waits.
import os
from signal import SIGINT

import check
from check import expect_eq, expect_gt, expect_in, value


def interrupt_once_b_and_c_had_their_go():
    """Ctrl-C once B was refused and C waits; at once if that never comes, so
    that A's `continue` ends and the failure shows."""
    try:
        check.wait_for("b-refused")
        check.wait_for("c-waiting")
    finally:
        print("(sending SIGINT to gdb)", flush=True)
        os.kill(os.getpid(), SIGINT)


def scenario():
    me = check.attach_as("control")
    check.signal("a-id", str(me.id))
    check.wait_for("b-attached")
    check.wait_for("c-attached")
    check.stop_at_spin_loop()

    kicker = check.background(interrupt_once_b_and_c_had_their_go)
    check.signal("a-resuming")
    with check.Stops() as ev:
        text = check.run("continue")
    kicker.join()
    expect_eq("A's stop events", ev.describe(), ["signal SIGINT"])
    expect_in("A: gdb reports the interrupt", "Program received signal SIGINT", text)
    expect_eq("A: function after the interrupt", check.function(), "spin_loop")
    expect_gt("ticks", value("ticks"), 0)
    check.signal("a-stopped")

    check.wait_for("b-checked")
    check.wait_for("c-stopped")
    check.run("set var release = 1")
    check.continue_to_exit(7)
    check.signal("a-done")


if __name__ == "__main__":
    check.main(scenario)

# Client C (observe) of floor_and_fanout (see floor_and_fanout_a.py): C's `continue` while A's resume runs is accepted as "wait for the next stop" and C receives A's interrupt stop; fails if the daemon refuses C's wait or delivers the stop only to the client that resumed.
import check
from check import expect_eq, expect_in


def scenario():
    me = check.attach_as("observe")
    check.signal("c-attached")
    a = int(check.wait_for("a-id"))
    check.wait_for("a-resuming")
    check.wait_for("b-refused")
    text = check.poll_monitor("floor", lambda t: check.floor_holder(t) is not None,
                              "A's resume holds the floor")
    expect_eq("monitor floor names A", check.floor_holder(text), a)

    def tell_a_once_the_daemon_has_my_wait():
        check.daemon_log_wait(r"client %d \(.*vCont;c.*wait" % me.id,
                              "the daemon takes C's continue as a wait")
        check.signal("c-waiting")
    watcher = check.background(tell_a_once_the_daemon_has_my_wait)
    with check.Stops() as ev:
        text = check.run("continue")
    watcher.join()
    expect_eq("C's stop events (A's interrupt)", ev.describe(), ["signal SIGINT"])
    expect_in("C: gdb reports the stop", "Program received signal SIGINT", text)
    expect_eq("C: function after the stop", check.function(), "spin_loop")
    check.signal("c-stopped")

    check.wait_for("a-done")
    check.expect_no_hang_after_end("C's next request after the guest's exit returns")


if __name__ == "__main__":
    check.main(scenario)

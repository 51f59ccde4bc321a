# Client C (observe) of audit_log (see audit_log_a.py): once A is done, C
# connects, is refused a memory write, and detaches.
import check


def scenario():
    check.wait_for("a-ready")
    me = check.attach_as("observe")
    check.expect_refused("C's write", "set var counter = 9")
    line = check.daemon_log_wait(r"client %d .*refused X" % me.id, "the daemon logs the refusal")
    check.expect_in("the log gives the reason the audit line gives",
                    "observers may not write memory or registers", line)
    check.run("detach")
    check.signal("c-done", str(me.id))


if __name__ == "__main__":
    check.main(scenario)

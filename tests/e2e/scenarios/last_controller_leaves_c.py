# Client C (observe) of last_controller_leaves (see last_controller_leaves_a.py): sees the VM stopped while A is attached, and running once A has left.
import re

import check
from check import expect_eq, value


def scenario():
    me = check.attach_as("observe")
    check.signal("c-attached")
    check.wait_for("a-stopped")
    check.refresh()
    expect_eq("C: function while A holds the VM", check.function(), "spin_loop")
    expect_eq("C: ticks at the entry of spin_loop", value("ticks"), 0)
    check.expect_in("monitor targets: stopped", "stopped", check.monitor("targets"))
    check.signal("c-saw-stop")
    check.wait_for("a-detached")
    text = check.poll_monitor("targets", lambda t: "running" in t,
                              "the VM resumes once its last controller has left")
    check.expect_true("the VM runs with observer C still attached",
                      re.search(r"client %d\s+observe" % me.id, text), text)


if __name__ == "__main__":
    check.main(scenario)

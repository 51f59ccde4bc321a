# Client B (control) of kill_controller_at_bp (see kill_controller_at_bp_a.py): after A's kill -9, B finds the VM stopped at add with no trace of A's breakpoint and runs the guest to its exit without stopping.
import re

import check
from check import expect_eq, value


def scenario():
    me = check.attach_as("control")
    a = int(check.wait_for("a-id"))
    check.signal("b-attached")
    check.wait_for("a-killed")
    # The daemon has dealt with A's departure once A is off its list.
    check.poll_monitor("targets", lambda t: not re.search(r"client %d\s" % a, t),
                       "the daemon drops the killed client A")

    check.refresh()
    expect_eq("B: the VM is still stopped in add", check.function(), "add")
    expect_eq("B: a", value("a"), 0)
    add = check.pc()
    expect_eq("B: guest memory around add is the ELF's (no breakpoint byte)",
              check.read_memory(add - 8, 24).hex(), check.elf_bytes(add - 8, 24).hex())
    check.continue_to_exit(15)


if __name__ == "__main__":
    check.main(scenario)

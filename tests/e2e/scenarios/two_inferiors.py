# Proves one gdb debugs two VMs at once as two inferiors through the hub's one endpoint: attach 1 and attach 2 on one connection, a breakpoint in each VM at the same address (spin_loop in one, add in the other), reads that go to the right VM after a stop in either (b == 100 comes from the first VM's stack), and each VM run to its own exit; fails without several attachments per client, pid routing of Hg/vCont, or the stop selecting the stopped thread as gdb assumes.
import os

import check
from check import expect_eq, expect_in


def scenario():
    sock = os.environ["GDBHUB_SOCK"]
    demo = os.environ["GDBHUB_ELF"]
    spin = os.path.join(os.path.dirname(demo), "spin.elf")
    check.run("target extended-remote " + sock)
    check.run("file " + demo)
    check.run("attach 1")
    check.run("add-inferior")
    check.run("inferior 2")
    check.run("file " + spin)
    check.run("attach 2")
    text = check.run("info inferiors")
    expect_in("inferior 1 is VM 1", "process 1", text)
    expect_in("inferior 2 is VM 2", "process 2", text)
    check.stop_at_spin_loop()
    # A breakpoint left in VM 2 (spin.c exists only there) above add's
    # address: gdb inserts breakpoints in address order, so VM 2's goes in
    # last, with Hg on VM 2's thread; after the stop in VM 1 it reads VM 1
    # without another Hg.
    check.run("break spin.c:23")
    check.run("inferior 1")
    check.run("break add")
    with check.Stops() as ev:
        check.run("continue")
    expect_eq("stop in VM 1", ev.describe(), ["breakpoint ['add']"])
    expect_eq("a (VM 1)", check.value("a"), 0)
    expect_eq("b (VM 1's stack, not VM 2's)", check.value("b"), 100)
    check.run("delete")
    check.run("inferior 2")
    expect_eq("VM 2 still at the entry of spin_loop", check.function(), "spin_loop")
    expect_eq("ticks (VM 2 did not run meanwhile)", check.value("ticks"), 0)
    check.run("set var release = 1")
    check.continue_to_exit(7)
    check.run("inferior 1")
    check.continue_to_exit(15)


if __name__ == "__main__":
    check.main(scenario)

# Proves a kvm target can be left running for the daemon to stop: gdb attaches to the spin guest and detaches, the guest spins on, and the runner (kvm_test.py, spec "stops_vm") then stops the daemon, which must end gdbhub-kvm with SIGTERM (no SIGKILL after the grace period) and leave no gdbhub-kvm behind; here gdb checks that the guest really runs after the detach (a second attach finds `ticks` moving).
import time

import check
from check import expect_gt, value


def scenario():
    check.connect()
    check.run("detach")
    time.sleep(1)   # past the start code, which clears .bss (ticks)
    check.connect()
    first = value("ticks")
    check.run("detach")
    time.sleep(1)
    check.connect()
    expect_gt("ticks move while no client holds the VM", value("ticks"), first)
    check.run("detach")


if __name__ == "__main__":
    check.main(scenario)

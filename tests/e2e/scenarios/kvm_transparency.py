# Proves a debugger holding a breakpoint and a watchpoint the guest never meets leaves it as it would run alone: with `break fatal` (the guest's unexpected-vector path, never taken) and a hardware `watch` on its multiboot header (never written) inserted through the daemon, traps.elf (its own int3, TF, DR0 and DR1 traps, counted and printed) is continued from its first instruction to its exit, and its serial output and exit status must equal those of the same guest in gdbhub-kvm --run with no debugger (kvm_test.py's baseline), exactly, whatever the counts are on this host; fails if one of the guest's own traps is dropped, given twice, or shown to gdb (a stop before the exit), if gdb's breakpoint or watchpoint costs the guest its own debug registers, or if no guest exception went through the daemon at all (then nothing here was tested).
#
# Needs breakpoints that insert (suite e2e-kvm-break): nested KVM refuses them.
import check
import kvm_guest
from check import expect_eq, expect_gt, expect_in


def scenario():
    alone, status = kvm_guest.baseline()
    kvm_guest.expect_own_traps(alone)
    check.connect()
    expect_eq("attached at the kernel's entry", check.function(), "_start")
    own_traps_reach_us = "int3 is not intercepted" not in check.monitor("kvm")
    check.run("break fatal")
    header = kvm_guest.address("mb1_header")
    text = check.run("watch *(unsigned *)0x%x" % header)
    expect_in("the watchpoint is a hardware one", "Hardware watchpoint", text)
    check.continue_to_exit(status)
    kvm_guest.expect_serial("serial output, as with no debugger", alone)
    back = kvm_guest.given_back()
    if own_traps_reach_us:
        expect_gt("guest exceptions the daemon gave back to the guest", sum(back.values()), 0)
    else:
        expect_eq("guest exceptions the daemon gave back (none reach gdbhub-kvm on this host)",
                  sum(back.values()), 0)


if __name__ == "__main__":
    check.main(scenario)

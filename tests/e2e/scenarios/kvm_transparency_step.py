# Proves a debugger that only steps leaves the guest as it would run alone, with no breakpoint needed: traps.elf (its own int3, TF, DR0 and DR1 traps, counted and printed) is stepped 5 instructions from its first one through the daemon, then continued to its exit; its serial output and exit status must equal those of the same guest in gdbhub-kvm --run with no debugger (kvm_test.py's baseline), exactly, whatever the counts are on this host (PVM and nested KVM never fire the guest's own debug registers); fails if a step's own #DB reaches the guest or a step leaves TF or any other trace in it, or if a guest exception the daemon sees is dropped or shown to gdb.
#
# Under nested KVM (scripts/nested-kvm) none of the guest's exceptions
# reaches gdbhub-kvm: with no breakpoint inserted KVM intercepts neither #BP
# nor #DB once the steps are over, so there this checks the steps only (a
# gdbhub-kvm that dropped guest exceptions would pass). On hardware KVM
# gdbhub-kvm intercepts every int3, so the daemon's give-back is exercised
# too; kvm_transparency (a breakpoint and a watchpoint inserted) exercises
# it wherever it can run.
import gdb

import check
import kvm_guest
from check import expect_eq, expect_ne

STEPS = 5


def step_from_start():
    arch = gdb.selected_frame().architecture()
    for n in range(STEPS):
        before = check.pc()
        insn = arch.disassemble(before, count=1)[0]
        with check.Stops() as ev:
            check.run("stepi")
        expect_eq("stepi %d over %r: stop events" % (n, insn["asm"]), ev.describe(),
                  ["StopEvent"])
        expect_ne("stepi %d: $pc moved" % n, check.pc(), before)


def scenario():
    alone, status = kvm_guest.baseline()
    kvm_guest.expect_own_traps(alone)
    check.connect()
    expect_eq("attached at the kernel's entry", check.function(), "_start")
    step_from_start()
    check.continue_to_exit(status)
    kvm_guest.expect_serial("serial output, as with no debugger", alone)
    back = kvm_guest.given_back()
    if not back:
        print("NOTE: no guest exception reached the daemon (nested KVM: no #BP or #DB"
              " intercept while the guest runs), so only the steps were checked", flush=True)


if __name__ == "__main__":
    check.main(scenario)

# Proves a thread-specific breakpoint on an SMP kvm target through the daemon: smp.elf on 4 vCPUs, `break ap_work thread 3` (vCPU 2), and each of two continues stops in ap_work on thread 3 with cpu = 2, while the other APs, which run ap_work too, hit the same breakpoint and are stepped past it unseen, and thread 3's own per_cpu_ticks grew by one call between the stops; after `delete` the guest finishes as it does without a debugger (3 APs arrived and parked, exit 33); fails if the stop comes on another vCPU, the breakpoint never fires (a software breakpoint the host does not deliver), or stepping the others past it loses them.
import gdb

import check
import kvm_guest
from check import expect_eq, expect_in, value

THREAD = 3              # gdb's thread 3 is vCPU 2, smp.c's cpu 2
EXPECTED_SERIAL = "smp: start cpus=4\nsmp: cpus=4 arrived=3\nsmp: parked=3\n"
SMP_EXIT = 33


def expect_stop_in_thread(when):
    expect_eq("%s: function" % when, check.function(), "ap_work")
    expect_eq("%s: gdb's thread" % when, gdb.selected_thread().num, THREAD)
    expect_eq("%s: ap_work's cpu argument" % when, value("cpu"), THREAD - 1)


def scenario():
    check.connect()
    text = check.run("break ap_work thread %d" % THREAD)
    expect_in("a breakpoint for thread %d alone" % THREAD, "Breakpoint 1 at", text)
    check.run("continue")
    expect_stop_in_thread("first stop")
    ticks = value("per_cpu_ticks[2]")
    check.run("continue")
    expect_stop_in_thread("second stop")
    expect_eq("thread 3 called ap_work once more", value("per_cpu_ticks[2]"), ticks + 1)
    check.run("delete")
    check.continue_to_exit(SMP_EXIT)
    kvm_guest.expect_serial("serial output", EXPECTED_SERIAL)


if __name__ == "__main__":
    check.main(scenario)

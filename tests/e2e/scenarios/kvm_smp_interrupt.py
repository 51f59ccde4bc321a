# Proves Ctrl-C stops every vCPU of an SMP guest through the daemon, with no breakpoint needed: smp.elf on 4 vCPUs shows 4 threads; with a `jmp .` written at bsp_hold (put back later) it boots its 3 APs, which keep calling ap_work, and Ctrl-C then stops the VM: `info threads` still shows 4, each thread's frame reads (thread 1 in bsp_hold, thread N in ap_work or ap_main with cpu = N - 1), per_cpu_ticks do not move while stopped, and after continue the guest finishes as it does without a debugger (3 APs arrived and parked, exit 33); fails if a vCPU keeps running after the stop, a thread is missing or its registers are another's, or the VM cannot resume all of them.
import re
import time

import check
import kvm_guest
from check import expect_eq, expect_gt, expect_in, expect_true, value

CPUS = 4
AP_WORK_TICKS = 1000    # smp.c: each AP works at least this much before bsp_hold
EXPECTED_SERIAL = "smp: start cpus=4\nsmp: cpus=4 arrived=3\nsmp: parked=3\n"
SMP_EXIT = 33


def expect_threads(when):
    text = check.run("info threads")
    rows = re.findall(r"^\*?\s+\d+\s+Thread ", text, re.M)
    expect_eq("info threads %s: one row per vCPU" % when, len(rows), CPUS)


def ap_ticks():
    return [value("per_cpu_ticks[%d]" % cpu) for cpu in range(1, CPUS)]


def expect_frames():
    """Each vCPU stopped where it should be, its frame readable."""
    for num in range(1, CPUS + 1):
        check.run("thread %d" % num)
        text = check.run("bt")
        expect_in("thread %d: a backtrace" % num, "#0 ", text)
        if num == 1:
            expect_eq("thread 1 (the BSP): function", check.function(), "bsp_hold")
            continue
        expect_true("thread %d: in ap_work or ap_main" % num,
                    check.function() in ("ap_work", "ap_main"), repr(check.function()))
        expect_eq("thread %d: its cpu argument" % num, value("cpu"), num - 1)
    check.run("thread 1")


def expect_all_stopped():
    first = ap_ticks()
    for cpu, ticks in enumerate(first, 1):
        expect_gt("per_cpu_ticks[%d] (the AP worked)" % cpu, ticks, AP_WORK_TICKS - 1)
    time.sleep(1)
    check.refresh()
    expect_eq("per_cpu_ticks a second later (every vCPU stopped)", ap_ticks(), first)


def scenario():
    check.connect()
    expect_threads("on attach")
    saved = kvm_guest.spin_at("bsp_hold")
    kvm_guest.interrupt_after_serial("arrived=", delay=1.0)
    expect_all_stopped()    # memory only: it tells even if a vCPU runs on
    expect_threads("after Ctrl-C")
    expect_frames()
    kvm_guest.unspin("bsp_hold", saved)
    check.continue_to_exit(SMP_EXIT)
    kvm_guest.expect_serial("serial output", EXPECTED_SERIAL)


if __name__ == "__main__":
    check.main(scenario)

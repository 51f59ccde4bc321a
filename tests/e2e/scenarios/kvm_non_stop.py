# Proves gdbhub-kvm's own stub does non-stop mode, with gdb talking to it directly (no daemon: kvm_test.py spec "alone") and no breakpoint needed: on smp.elf with 4 vCPUs (the BSP held by a `jmp .` at bsp_hold), `continue -a` then Ctrl-C (vCtrlC) stops all four; `interrupt` stops one AP (vCont;t, reported as signal 0) while the other APs keep counting per_cpu_ticks and its own count stands still; `continue` lets it count again; `interrupt -a` stops the rest and `info threads` shows all stopped with counts frozen; `stepi` on one thread moves only that thread; `continue -a` runs the guest to its exit (33), reported as a %Stop:W notification. Fails if QNonStop is not offered, a vCont waits for a stop, a stop notification is lost or sent twice, stopping one vCPU stops the others (or resuming one resumes the others), or the exit is missed.
# NOT YET PASSING, so not in any meson suite (run it by hand, see kvm_test.py): under gdb 13.1
# in batch mode, gdb takes stop notifications only while a command waits, and the stepi
# pump below ends as soon as another thread's stop arrives (seen: thread 1 left "(running)"
# with no vCont sent); the waits need another way, e.g. gdb/MI driven from Python.
import os
import re
from signal import SIGINT
import time

import gdb

import check
import kvm_guest
from check import expect_eq, expect_in, expect_ne, expect_true, value

CPUS = 4
SMP_EXIT = 33
EXPECTED_SERIAL = "smp: start cpus=4\nsmp: cpus=4 arrived=3\nsmp: parked=3\n"
SETTLE = 1.0      # s between two looks at the counters
PUMPS = 20        # stepi of the BSP at most, to let gdb take notifications
BRANCHES = ("j", "call", "ret", "loop", "int", "iret")


def wire_of(fn):
    """Run fn with gdb's remote debug log on; return what crossed the wire."""
    gdb.execute("set debug remote 1")
    mark = check.log_mark()
    try:
        fn()
    finally:
        gdb.execute("set debug remote 0")
    return check.log_since(mark)


def stopped():
    """{thread number: stopped?} as gdb sees it."""
    return {t.num: t.is_stopped() for t in gdb.selected_inferior().threads()}


def all_stopped():
    return {n: True for n in range(1, CPUS + 1)}


def pump(want, what, spinning=True):
    """gdb takes stop notifications only in its event loop, which a batch
    script runs only while a command waits for the target: a stepi of
    thread 1 (the BSP, spinning on the `jmp .` at bsp_hold, so it stays
    there) is such a wait.  Step until gdb's view is want."""
    for _ in range(PUMPS):
        if stopped() == want:
            break
        check.run("thread 1")
        check.run("stepi")
    expect_eq(what, stopped(), want)
    check.run("thread 1")
    if spinning:
        expect_eq("the BSP still spins at bsp_hold", check.function(), "bsp_hold")


def ticks():
    """per_cpu_ticks of the APs (vCPU 1..3 = threads 2..4), read through
    thread 1, which is stopped."""
    check.run("thread 1")
    check.refresh()
    return [value("per_cpu_ticks[%d]" % cpu) for cpu in range(1, CPUS)]


def expect_counting(what, moving):
    """Over SETTLE s, the APs in moving (vCPU numbers) count on and the
    others stand still."""
    before = ticks()
    time.sleep(SETTLE)
    after = ticks()
    for cpu in range(1, CPUS):
        if cpu in moving:
            expect_true("%s: vCPU %d counts on" % (what, cpu), after[cpu - 1] > before[cpu - 1],
                        "per_cpu_ticks[%d] %d then %d" % (cpu, before[cpu - 1], after[cpu - 1]))
        else:
            expect_eq("%s: vCPU %d stands still" % (what, cpu), after[cpu - 1], before[cpu - 1])


def connect():
    gdb.execute("set non-stop on")
    wire = wire_of(check.connect)
    expect_in("gdbhub-kvm offers non-stop", "QNonStop+", wire)
    expect_in("gdb turns it on", "QNonStop:1", wire)
    expect_in("`?` names a stopped vCPU", "Packet received: T00thread:p1.1;", wire)
    # The others follow as a notification (gdb 13 cannot take them all
    # while it connects), which gdb takes in its event loop.
    wire = wire_of(lambda: pump(all_stopped(), "on attach every vCPU is a stopped thread",
                                spinning=False))
    for num in range(2, CPUS + 1):
        expect_in("thread %d's stop reached gdb" % num, "T00thread:p1.%d;" % num, wire)


def ctrl_c_after_arrival():
    """continue -a, and Ctrl-C (SIGINT to gdb) a second after the APs
    arrived; the first stop ends the command."""
    def kick():
        kvm_guest.wait_serial("arrived=")
        time.sleep(SETTLE)
        print("(sending SIGINT to gdb)", flush=True)
        os.kill(os.getpid(), SIGINT)
    thread = check.background(kick)
    with check.Stops() as ev:
        check.run("continue -a")
    thread.join()
    expect_in("the interrupt stops with SIGINT", "signal SIGINT", ev.describe())


def stop_all_with_ctrl_c():
    """continue -a, Ctrl-C once the APs work: vCtrlC stops all four."""
    wire = wire_of(ctrl_c_after_arrival)
    expect_in("Ctrl-C in non-stop is vCtrlC", "vCtrlC", wire)
    check.expect_true("the resume is answered OK at once",
                      re.search(r"Sending packet: \$vCont;c[^#]*#..\n.*Packet received: OK\n",
                                wire), wire)
    expect_eq("the interrupt is one %Stop notification", wire.count("Stop:T02"), 1)
    pump(all_stopped(), "after Ctrl-C every thread is stopped")
    for num in range(2, CPUS + 1):
        check.run("thread %d" % num)
        expect_true("thread %d: in ap_work or ap_main" % num,
                    check.function() in ("ap_work", "ap_main"), repr(check.function()))
        expect_eq("thread %d: its cpu argument" % num, value("cpu"), num - 1)


def interrupt_one():
    check.run("thread apply 2-4 continue &")
    expect_eq("the APs run, the BSP stays stopped", stopped(),
              {1: True, 2: False, 3: False, 4: False})
    expect_counting("APs resumed", (1, 2, 3))
    check.run("thread 2")
    wire = wire_of(lambda: check.run("interrupt"))
    expect_in("interrupt stops one thread with vCont;t", "vCont;t:p1.2", wire)
    pump({1: True, 2: True, 3: False, 4: False}, "interrupt: thread 2 stopped, 3 and 4 run")
    expect_counting("thread 2 interrupted", (2, 3))
    check.run("thread 2")
    check.run("continue &")
    expect_eq("continue: thread 2 runs again", stopped(),
              {1: True, 2: False, 3: False, 4: False})
    expect_counting("thread 2 continued", (1, 2, 3))


def interrupt_all():
    wire = wire_of(lambda: check.run("interrupt -a"))
    expect_in("interrupt -a is vCont;t", "vCont;t", wire)
    pump(all_stopped(), "interrupt -a: every thread stopped")
    text = check.run("info threads")
    rows = re.findall(r"^\*?\s+\d+\s+Thread .*$", text, re.M)
    expect_eq("info threads: one row per vCPU", len(rows), CPUS)
    expect_eq("info threads: none running", [r for r in rows if "(running)" in r], [])
    expect_counting("all interrupted", ())


def pcs():
    out = {}
    for num in range(1, CPUS + 1):
        check.run("thread %d" % num)
        out[num] = check.pc()
    return out


def stepi_one(num):
    before = pcs()
    check.run("thread %d" % num)
    insn = gdb.selected_frame().architecture().disassemble(before[num], count=1)[0]
    check.run("stepi")
    after = pcs()
    if insn["asm"].split()[0].startswith(BRANCHES):
        expect_ne("stepi thread %d over %r: $pc moved" % (num, insn["asm"]),
                  after[num], before[num])
    else:
        expect_eq("stepi thread %d over %r: $pc" % (num, insn["asm"]),
                  hex(after[num]), hex(before[num] + insn["length"]))
    expect_eq("stepi thread %d: the other threads did not move" % num,
              {n: hex(pc) for n, pc in after.items() if n != num},
              {n: hex(pc) for n, pc in before.items() if n != num})


def run_to_exit(saved):
    kvm_guest.unspin("bsp_hold", saved)
    with open(os.path.join(os.environ["GDBHUB_TMP"], "expect-vmm-status"), "w") as f:
        f.write("%d\n" % SMP_EXIT)
    check.run("thread 1")
    with check.Stops() as ev:
        wire = wire_of(lambda: check.run("continue -a"))
    expect_in("the exit is a %Stop:W notification", "Stop:W%02x" % SMP_EXIT, wire)
    expect_eq("the program ended (one exited event)", len(ev.exits), 1)
    expect_eq("$_exitcode", check.convenience("_exitcode"), SMP_EXIT)
    kvm_guest.expect_serial("serial output", EXPECTED_SERIAL)


def scenario():
    connect()
    saved = kvm_guest.spin_at("bsp_hold")
    stop_all_with_ctrl_c()
    interrupt_one()
    interrupt_all()
    stepi_one(3)
    stepi_one(2)
    run_to_exit(saved)


if __name__ == "__main__":
    check.main(scenario)

#!/usr/bin/env python3
# Proves gdbhub-kvm's own stub does non-stop mode, with gdb talking to it
# directly (no daemon: kvm_test.py spec "alone") over GDB/MI (spec "mi": this
# script runs outside gdb and drives `gdb -i=mi3` through ../gdb_mi.py, which
# sees every asynchronous stop as it happens).  On smp.elf with 4 vCPUs (the
# BSP held by a `jmp .` at bsp_hold) and no breakpoint: connecting in non-stop
# shows four stopped threads; -exec-continue --all answers at once; interrupting
# thread 1 and then thread 2 (vCont;t, signal 0) stops just those while the
# other APs count on per_cpu_ticks and thread 2's registers stand still;
# continuing thread 2 lets only it count again; -exec-interrupt --all gives a
# *stopped for each running thread and -thread-info shows all stopped with the
# counters frozen; stepping one thread moves only that thread's pc; continuing
# all runs the guest to its exit (33), a %Stop:W notification, *stopped
# reason="exited".  Fails if QNonStop is not offered, a resume waits for a stop,
# a stop is lost or reported twice, stopping or resuming one vCPU touches the
# others, or the exit is missed.  Exit status: the number of failed checks.
import os
import re
import sys
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from gdb_mi import Gdb, MiError  # noqa: E402

CPUS = 4
SMP_EXIT = 33
EXPECTED_SERIAL = "smp: start cpus=4\nsmp: cpus=4 arrived=3\nsmp: parked=3\n"
JMP_SELF = "ebfe"   # jmp . : the BSP spins on it at bsp_hold
WAIT = 60           # s: how long any one stop or answer may take (nested KVM is slow)
FROZEN_LOOK = 0.5   # s between two looks at counters that must not move
AP_WORK_TICKS = 1000  # smp.c: the BSP waits for that many ap_work calls per AP
BRANCHES = ("j", "call", "ret", "loop", "int", "iret")

TMP = os.environ["GDBHUB_TMP"]
failures = 0


def expect(what, ok, detail):
    global failures
    print("%s: %s: %s" % ("PASS" if ok else "FAIL", what, detail), flush=True)
    failures += 0 if ok else 1
    return ok


def expect_eq(what, actual, expected):
    return expect(what, actual == expected, "actual %r, expected %r" % (actual, expected))


def expect_in(what, needle, text):
    return expect(what, needle in text, "%r %s the text" % (needle, "in" if needle in text
                                                             else "not in"))


def serial():
    try:
        with open(os.path.join(TMP, "serial.log"), errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def wait_until(what, cond, timeout=WAIT):
    """Poll cond() until it holds; MiError naming what if it never does."""
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise MiError("%s: not within %d s" % (what, timeout))
        time.sleep(0.05)


class Session:
    def __init__(self, mi):
        self.mi = mi

    def evaluate(self, expr, thread=1):
        rec = self.mi.command("-data-evaluate-expression --thread %d %s"
                              % (thread, quote_arg(expr)), WAIT)
        return rec.get("value")

    def number(self, expr, thread=1):
        return int(self.evaluate(expr, thread).split()[0], 0)

    def threads(self):
        """{thread id: "stopped" or "running"} as gdb sees them."""
        rec = self.mi.command("-thread-info", WAIT)
        return {int(t["id"]): t["state"] for t in rec.get("threads")}

    def pc(self, thread):
        return self.number("(unsigned long)$pc", thread)

    def registers(self, thread):
        """The general registers' values (x) of a stopped thread."""
        rec = self.mi.command("-data-list-register-values --thread %d x 0 1 2 3 4 5 6 7 8 9"
                              % thread, WAIT)
        return {r["number"]: r["value"] for r in rec.get("register-values")}

    def ticks(self, observer=1):
        """per_cpu_ticks of the APs (vCPU 1..3 = threads 2..4), read
        through thread observer."""
        return [self.number("per_cpu_ticks[%d]" % cpu, observer) for cpu in range(1, CPUS)]

    def wire(self, fn):
        """Run fn with gdb's remote debug log on; what crossed the wire."""
        self.mi.command("-gdb-set debug remote 1")
        mark = self.mi.log_mark()
        try:
            fn()
        finally:
            self.mi.command("-gdb-set debug remote 0")
        return self.mi.log_since(mark)

    def wait_stopped(self, thread):
        return self.mi.wait_async("stopped", lambda r: r.get("thread-id") == str(thread), WAIT)

    def resume(self, command, threads):
        """Send an MI resume command and wait for a *running for each of
        threads (older *running records, e.g. the connect's, are dropped
        first)."""
        self.mi.drain("running")
        self.mi.command(command, WAIT)
        for thread in threads:
            self.mi.wait_async("running",
                               lambda r: r.get("thread-id") in (str(thread), "all"), WAIT)


def quote_arg(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def connect(s):
    mi = s.mi
    mi.command("-gdb-set mi-async on")
    mi.command("-gdb-set non-stop on")
    wire = s.wire(lambda: mi.command("-target-select remote " + os.environ["GDBHUB_SOCK"], WAIT))
    expect_in("gdbhub-kvm offers non-stop", "QNonStop+", wire)
    expect_in("gdb turns it on", "QNonStop:1", wire)
    expect_in("`?` names a stopped vCPU", "T00thread:p1.1;", wire)
    # The others come as a notification once gdb drained the first.
    for thread in range(1, CPUS + 1):
        rec = s.wait_stopped(thread)
        expect_eq("thread %d's stop at connect reached gdb" % thread,
                  rec.get("signal-name"), "0")
    expect_eq("no stop reported twice", [r.get("thread-id") for r in mi.drain("stopped")], [])
    expect_eq("on connect every vCPU is a stopped thread", s.threads(),
              {n: "stopped" for n in range(1, CPUS + 1)})


def spin_bsp(s):
    """jmp . at bsp_hold: the BSP stays there until unspin_bsp."""
    where = s.number("(unsigned long)&bsp_hold")
    rec = s.mi.command("-data-read-memory-bytes --thread 1 %d 2" % where, WAIT)
    saved = rec.get("memory")[0]["contents"]
    s.mi.command("-data-write-memory-bytes --thread 1 %d %s" % (where, JMP_SELF), WAIT)
    rec = s.mi.command("-data-read-memory-bytes --thread 1 %d 2" % where, WAIT)
    expect_eq("jmp . written at bsp_hold", rec.get("memory")[0]["contents"], JMP_SELF)
    return where, saved


def run_all(s):
    wire = s.wire(lambda: s.resume("-exec-continue --all", range(1, CPUS + 1)))
    expect("the resume is answered OK at once",
           re.search(r"Sending packet: \$vCont;c[^#]*#..\n.*Packet received: OK\n", wire),
           "wire:\n" + wire)
    wait_until("the APs arrived", lambda: "arrived=3" in serial())
    # Memory read through a running thread (the stub pauses the vCPUs
    # around it): once every AP did its share, the BSP goes to bsp_hold.
    wait_until("every AP made %d ap_work calls" % AP_WORK_TICKS,
               lambda: min(s.ticks()) >= AP_WORK_TICKS)
    expect_eq("after -exec-continue --all every thread runs", s.threads(),
              {n: "running" for n in range(1, CPUS + 1)})


def interrupt_one(s, thread):
    wire = s.wire(lambda: s.mi.command("-exec-interrupt --thread %d" % thread, WAIT))
    expect_in("interrupt stops thread %d with vCont;t" % thread,
              "vCont;t:p1.%d" % thread, wire)
    rec = s.wait_stopped(thread)
    expect_eq("thread %d stops with signal 0" % thread, rec.get("signal-name"), "0")


def expect_counting(s, what, moving, frozen_thread=None):
    """The APs in moving (vCPU numbers) count on and the others stand
    still, while frozen_thread's registers do not change."""
    regs = s.registers(frozen_thread) if frozen_thread else None
    before = s.ticks()
    if moving:
        wait_until("%s: vCPUs %s count on" % (what, moving),
                   lambda: all(s.ticks()[cpu - 1] > before[cpu - 1] for cpu in moving))
    else:
        time.sleep(FROZEN_LOOK)
    after = s.ticks()
    for cpu in range(1, CPUS):
        if cpu in moving:
            expect("%s: vCPU %d counts on" % (what, cpu), after[cpu - 1] > before[cpu - 1],
                   "per_cpu_ticks[%d] %d then %d" % (cpu, before[cpu - 1], after[cpu - 1]))
        else:
            expect_eq("%s: vCPU %d stands still" % (what, cpu), after[cpu - 1], before[cpu - 1])
    if frozen_thread:
        expect_eq("%s: thread %d's registers did not change" % (what, frozen_thread),
                  s.registers(frozen_thread), regs)


def interrupt_and_continue(s):
    interrupt_one(s, 1)
    interrupt_one(s, 2)
    expect_eq("threads 1 and 2 stopped, 3 and 4 run", s.threads(),
              {1: "stopped", 2: "stopped", 3: "running", 4: "running"})
    expect_counting(s, "thread 2 interrupted", (2, 3), frozen_thread=2)
    s.resume("-exec-continue --thread 2", [2])
    expect_eq("continue: thread 2 runs again, thread 1 stays", s.threads(),
              {1: "stopped", 2: "running", 3: "running", 4: "running"})
    expect_counting(s, "thread 2 continued", (1, 2, 3))


def interrupt_all(s):
    wire = s.wire(lambda: s.mi.command("-exec-interrupt --all", WAIT))
    expect_in("-exec-interrupt --all is vCont;t", "vCont;t", wire)
    for thread in range(2, CPUS + 1):
        rec = s.wait_stopped(thread)
        expect_eq("interrupt --all: thread %d stops with signal 0" % thread,
                  rec.get("signal-name"), "0")
    expect_eq("no stop reported twice", [r.get("thread-id") for r in s.mi.drain("stopped")],
              [])
    expect_eq("-thread-info: every thread stopped", s.threads(),
              {n: "stopped" for n in range(1, CPUS + 1)})
    expect_counting(s, "all interrupted", ())
    for thread in range(2, CPUS + 1):
        fn = s.evaluate("$pc", thread)
        expect("thread %d: in ap_work or ap_main" % thread,
               "<ap_work" in fn or "<ap_main" in fn, fn)


def instruction_at(s, thread, pc):
    """(mnemonic, length) of the instruction at pc."""
    rec = s.mi.command("-data-disassemble --thread %d -s %d -e %d -- 0" % (thread, pc, pc + 16),
                       WAIT)
    insns = rec.get("asm_insns")
    return insns[0]["inst"], int(insns[1]["address"], 0) - pc


def stepi_one(s, thread):
    before = {n: s.pc(n) for n in range(1, CPUS + 1)}
    insn, length = instruction_at(s, thread, before[thread])
    s.resume("-exec-step-instruction --thread %d" % thread, [thread])
    rec = s.wait_stopped(thread)
    expect_eq("stepi thread %d: end-stepping-range" % thread, rec.get("reason"),
              "end-stepping-range")
    after = {n: s.pc(n) for n in range(1, CPUS + 1)}
    if insn.split()[0].startswith(BRANCHES):
        expect("stepi thread %d over %r: $pc moved" % (thread, insn),
               after[thread] != before[thread], "%#x then %#x" % (before[thread], after[thread]))
    else:
        expect_eq("stepi thread %d over %r: $pc" % (thread, insn),
                  hex(after[thread]), hex(before[thread] + length))
    expect_eq("stepi thread %d: the other threads did not move" % thread,
              {n: hex(pc) for n, pc in after.items() if n != thread},
              {n: hex(pc) for n, pc in before.items() if n != thread})
    expect_eq("stepi thread %d: only it was stopped again" % thread,
              [r.get("thread-id") for r in s.mi.drain("stopped")], [])


def run_to_exit(s, where, saved):
    """Put bsp_hold back, continue all, and see the exit with status 33."""
    s.mi.command("-data-write-memory-bytes --thread 1 %d %s" % (where, saved), WAIT)
    with open(os.path.join(TMP, "expect-vmm-status"), "w") as f:
        f.write("%d\n" % SMP_EXIT)
    s.mi.command("-gdb-set debug remote 1")
    mark = s.mi.log_mark()
    s.resume("-exec-continue --all", range(1, CPUS + 1))
    rec = s.mi.wait_async("stopped", lambda r: r.get("reason", "").startswith("exited"), WAIT)
    wire = s.mi.log_since(mark)
    expect_eq("*stopped reason", rec.get("reason"), "exited")
    expect_eq("exit code", int(rec.get("exit-code", "-1"), 8), SMP_EXIT)
    expect_in("the exit is a %Stop:W notification", "Stop:W%02x" % SMP_EXIT, wire)
    expect_eq("no thread stop around the exit",
              [r.get("thread-id") for r in s.mi.drain("stopped")], [])
    expect_eq("serial output", serial(), EXPECTED_SERIAL)


def scenario(s):
    connect(s)
    where, saved = spin_bsp(s)
    run_all(s)
    interrupt_and_continue(s)
    interrupt_all(s)
    stepi_one(s, 3)
    stepi_one(s, 2)
    run_to_exit(s, where, saved)


def main():
    global failures
    mi = Gdb(os.environ["GDBHUB_GDB"], [os.environ["GDBHUB_ELF"]],
             os.path.join(TMP, "gdb-mi.log"), TMP)
    try:
        scenario(Session(mi))
    except (MiError, KeyError, TypeError, ValueError, IndexError):
        traceback.print_exc()
        expect("the scenario ran to its end", False, "see the traceback above")
    status = mi.close()
    print("gdb exited with status %s; %d check(s) failed" % (status, failures), flush=True)
    return min(failures, 125)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Side by side on one /dev/kvm: gdbhub-kvm through the daemon against
QEMU's own gdbstub with -accel kvm, on the same guest (burn.elf), every
process pinned to one core, rounds alternating QEMU, gdbhub, QEMU, ...
(as ../shared/BENCHMARKING.md asks). Two measures, the ones issue 4 sets
targets for:

  stepi   single steps per second, by gdbhub-bench (bench/gdbhub-bench.c)
          in the guest's wait loop, after gdb's part and in the same VM;
  next    the seconds a real gdb (GDB/MI) takes for `next` over burn.c's
          burn line, which executes 10,000 instructions and calls nothing:
          a stub with range stepping (vCont;r) answers it in one round
          trip, one without takes one per instruction.

Each round starts a fresh VM for its side and stops it afterwards; only the
timed loops are compared, never a start-up. Medians are printed with the
median of the per-round ratios.

usage: kvm_compare.py [--build DIR] [--rounds N] [--steps N] [--nexts N]
                      [--cpu N] [--keep]
Exit status: 0 measured, 1 a side failed (its error is printed), 2 usage,
77 no usable /dev/kvm here (scripts/nested-kvm/run.sh gives one).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import gdb_mi  # noqa: E402  (tests/e2e, found through the path above)
import kvm_test  # noqa: E402

SIDES = ("qemu-kvm", "gdbhub-kvm")
BURN_MARK = "/* burn line */"


class BenchError(Exception):
    pass


def burn_line(source):
    """The line number of burn.c's timed line."""
    with open(source) as f:
        for number, text in enumerate(f, 1):
            if BURN_MARK in text:
                return number
    raise BenchError("%s has no line marked %s" % (source, BURN_MARK))


def wait_socket(path, proc, what, timeout=20):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise BenchError("%s did not open %s" % (what, path))
        time.sleep(0.05)


def stop(proc):
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Side:
    """One VM of one side for one round: start() gives the address a
    debugger connects to (unix:PATH), close() ends it."""

    def __init__(self, name, args, work, elf):
        self.name, self.args, self.work, self.elf = name, args, work, elf
        self.procs = []

    def spawn(self, cmd, log):
        out = open(os.path.join(self.work, log), "ab")
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=out, start_new_session=True)
        self.procs.append(proc)
        return proc

    def start(self):
        sock = os.path.join(self.work, self.name + ".sock")
        if os.path.exists(sock):
            os.unlink(sock)
        if self.name == "qemu-kvm":
            proc = self.spawn(["qemu-system-i386", "-accel", "kvm", "-display", "none",
                               "-nodefaults", "-m", "64", "-S",
                               "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                               "-gdb", "unix:%s,server=on,wait=off" % sock,
                               "-kernel", self.elf], "qemu.log")
        else:
            config = os.path.join(self.work, "gdbhub.json")
            with open(config, "w") as f:
                json.dump({"runtime_dir": os.path.join(self.work, "run"),
                           "targets": [{"name": "bench", "backend": "kvm", "arch": "i386",
                                        "kernel": self.elf, "memory_mb": 64, "cpus": 1,
                                        "listen": [{"unix": sock}]}]}, f)
            proc = self.spawn([self.args.gdbhub, "serve", "-c", config], "gdbhub.log")
        wait_socket(sock, proc, self.name)
        return "unix:" + sock

    def close(self):
        for proc in reversed(self.procs):
            stop(proc)
        self.procs = []


def measure_stepi(args, address, name):
    out = subprocess.run([args.bench, address, "--json", "--rounds", "0", "--bytes", "0",
                          "--steps", str(args.steps)], capture_output=True, text=True,
                         timeout=600)
    if out.returncode != 0:
        raise BenchError("gdbhub-bench against %s: %s" % (name, out.stderr.strip()))
    return json.loads(out.stdout)["steps_per_s"]


def stopped_line(mi, timeout):
    rec = mi.wait_async("stopped", timeout=timeout)
    frame = rec.get("frame") or {}
    return int(frame.get("line", 0)), rec


def reach_wait_loop(mi):
    """Let the guest run from its first instruction into kmain's wait loop
    and stop it there."""
    for _ in range(10):
        mi.command("-exec-continue")
        time.sleep(0.5)
        mi.command("-exec-interrupt")
        _, rec = stopped_line(mi, 30)
        if (rec.get("frame") or {}).get("func") == "kmain":
            return
    raise BenchError("the guest never reached kmain's wait loop")


def measure_nexts(args, address, name, line):
    """Seconds per `next` over the burn line, one per --nexts."""
    transcript = os.path.join(args.work, name + "-gdb.mi")
    mi = gdb_mi.Gdb(args.gdb, [args.elf], transcript, args.work)
    times = []
    try:
        mi.command("-gdb-set mi-async on")   # -exec-interrupt while it runs
        # gdb takes a unix socket as its bare path.
        mi.command("-target-select remote " + address[len("unix:"):], timeout=60)
        stopped_line(mi, 30)                  # where the attach found it
        reach_wait_loop(mi)
        for _ in range(args.nexts):
            mi.command("-data-evaluate-expression \"go = rounds + 1\"")
            at = 0
            for _ in range(20):
                mi.command("-exec-next")
                at, _ = stopped_line(mi, 60)
                if at == line:
                    break
            if at != line:
                raise BenchError("%s: `next` never reached the burn line %d" % (name, line))
            start = time.perf_counter()
            mi.command("-exec-next", timeout=600)
            at, _ = stopped_line(mi, 600)
            times.append(time.perf_counter() - start)
            if at != line + 1:
                raise BenchError("%s: `next` over line %d stopped at line %d"
                                 % (name, line, at))
        mi.command("-target-detach")
    except gdb_mi.MiError as e:
        raise BenchError("%s: gdb: %s (transcript %s)" % (name, e, transcript)) from None
    finally:
        mi.close()
    return times


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--nexts", type=int, default=3)
    p.add_argument("--cpu", type=int, default=0)
    p.add_argument("--keep", action="store_true")
    args = p.parse_args()
    if min(args.rounds, args.steps, args.nexts) < 1:
        p.error("--rounds, --steps and --nexts need a positive number")
    args.build = os.path.abspath(args.build)   # gdb runs in the work folder
    args.bench = os.path.join(args.build, "bench", "gdbhub-bench")
    args.gdbhub = os.path.join(args.build, "proxy", "gdbhub")
    args.elf = os.path.join(args.build, "tests", "guests", "burn.elf")
    args.gdb = shutil.which("gdb")
    return args


def run_round(args, name, line, results):
    side = Side(name, args, args.work, args.elf)
    try:
        address = side.start()
        results[name]["next"].append(statistics.median(
            measure_nexts(args, address, name, line)))
        # gdb detached; the guest went back to its wait loop, where the
        # bench's attach stops it: both sides step the same 4 instructions.
        results[name]["stepi"].append(measure_stepi(args, address, name))
    finally:
        side.close()


def report(results):
    q, h = results["qemu-kvm"], results["gdbhub-kvm"]
    print("%-12s %14s %14s" % ("", "stepi/s", "next (s)"))
    for name in SIDES:
        r = results[name]
        print("%-12s %14.0f %14.4f" % (name, statistics.median(r["stepi"]),
                                       statistics.median(r["next"])))
    step_ratio = statistics.median(b / a for a, b in zip(q["stepi"], h["stepi"]))
    next_ratio = statistics.median(a / b for a, b in zip(q["next"], h["next"]))
    print("median per-round ratio: stepi gdbhub/qemu %.2fx (target >= 2), "
          "next qemu/gdbhub %.1fx (target >= 5)" % (step_ratio, next_ratio))
    print("rounds: " + json.dumps(results))


def show_logs(work):
    """The end of every log in the work folder, for a failed run."""
    for name in sorted(os.listdir(work)):
        if name.endswith((".log", ".mi")):
            with open(os.path.join(work, name), errors="replace") as f:
                lines = f.readlines()[-15:]
            print("--- %s (last lines)\n%s" % (name, "".join(lines)), file=sys.stderr)


def main():
    args = parse_args()
    why = kvm_test.kvm_usable()
    if why is not None:
        print("kvm_compare: /dev/kvm not usable here (%s)" % why)
        return 77
    for path in (args.bench, args.gdbhub, args.elf):
        if not os.path.exists(path):
            print("kvm_compare: %s is missing (build first)" % path, file=sys.stderr)
            return 2
    os.sched_setaffinity(0, {args.cpu})
    line = burn_line(os.path.join(HERE, "..", "tests", "guests", "burn.c"))
    args.work = tempfile.mkdtemp(prefix="gdbhub-kvm-compare.")
    results = {name: {"stepi": [], "next": []} for name in SIDES}
    try:
        for _ in range(args.rounds):
            for name in SIDES:
                run_round(args, name, line, results)
        report(results)
        return 0
    except (BenchError, OSError, subprocess.SubprocessError) as e:
        print("kvm_compare: %s" % e, file=sys.stderr)
        show_logs(args.work)
        return 1
    finally:
        if args.keep:
            print("work folder kept: " + args.work)
        else:
            shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Run one conformance scenario on one backend and architecture: the same
gdb script (conformance/SCENARIO.py) against a tcg, kvm or replay target of
an i386, x86_64, aarch64 or riscv64 guest, always through the daemon.

usage: conformance_test.py --gdbhub PATH [--gdbhub-kvm PATH] --guests-dir DIR
                           --backend B --arch A [--keep] SCENARIO

Meson runs every (backend, arch, scenario) as its own test,
conf-BACKEND-ARCH-SCENARIO (tests/e2e/meson.build). A pair that cannot run
a scenario exits 77 and prints why: the reasons that hold everywhere are in
UNSUPPORTED below, the only table of them; the ones of this machine (no
/dev/kvm, no gdb-multiarch, a guest whose cross compiler is missing) come
from missing_here(). Nothing is dropped without a line saying so.

The runner is run_test.py's (its checks too: every gdb exits 0, the daemon
exits 0 on SIGTERM, no QEMU or gdbhub-kvm outlives it), with kvm_test.py's
Test for kvm targets. For replay the guest is first recorded with
`gdbhub record` (a tcg target of the same VM), once per test, and the
target replays that recording. The scenarios read what differs per
backend and arch from GDBHUB_CONF (conformance/conf.py).

Exit status: 0 pass, 1 fail, 77 skip.

By hand, from the source tree:
  tests/e2e/conformance_test.py --gdbhub build/proxy/gdbhub \\
      --guests-dir build/tests/guests --backend tcg --arch aarch64 stepping
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import kvm_test  # noqa: E402
import replay_test  # noqa: E402
import run_test  # noqa: E402
from run_test import Failure, log  # noqa: E402

SKIP = 77
CONF_SCENARIOS = os.path.join(HERE, "conformance")
BACKENDS = ["tcg", "kvm", "replay"]

# What differs per architecture.
#   gdb        the debugger that knows it
#   qemu       the binary the daemon runs for tcg and replay (qemu_cmdline.c)
#   guests     guest name -> (what QEMU or gdbhub-kvm boots, what gdb loads),
#              under --guests-dir (x86_64: the ELF32 image and its ELF64 twin)
#   gdb_arch   gdb's name of the architecture the target description gives
#   exit_shift True: the exit status is (v << 1) | 1 for the guest's v
#              (x86's isa-debug-exit); otherwise v itself
#   tdesc_mark a piece of QEMU's target description that gdb's own default
#              for the arch lacks: proof that QEMU's came through the daemon
#   entry_args expressions for add()'s first two arguments at its first
#              instruction (i386 passes them on the stack)
#   hw_slots   the hardware slots QEMU's targets get (qemu_arch_hw_slots)
#   branches   a regex matching the mnemonics after which stepi may land
#              anywhere (jumps, calls, returns)
X86_BRANCHES = r"^(j|call|ret|loop|int|iret|lcall|ljmp|lret)"
ARCHES = {
    "i386": {"gdb": "gdb", "qemu": "qemu-system-i386",
             "guests": {"demo": ("demo.elf", "demo.elf"), "spin": ("spin.elf", "spin.elf")},
             "gdb_arch": "i386", "tdesc_mark": '<reg name="efer"',
             "entry_args": ["*(int *)($sp + 4)", "*(int *)($sp + 8)"],
             "exit_shift": True, "hw_slots": 4,
             "branches": X86_BRANCHES},
    "x86_64": {"gdb": "gdb", "qemu": "qemu-system-x86_64",
               "guests": {"demo": ("x86_64/demo.elf", "x86_64/demo64.elf"),
                          "spin": ("x86_64/spin.elf", "x86_64/spin64.elf")},
               "gdb_arch": "i386:x86-64", "tdesc_mark": '<reg name="efer"',
               "entry_args": ["$rdi", "$rsi"], "exit_shift": True, "hw_slots": 4,
               "branches": X86_BRANCHES},
    "aarch64": {"gdb": "gdb-multiarch", "qemu": "qemu-system-aarch64",
                "guests": {"demo": ("aarch64/demo.elf", "aarch64/demo.elf"),
                           "spin": ("aarch64/spin.elf", "aarch64/spin.elf")},
                "gdb_arch": "aarch64", "tdesc_mark": "org.qemu.gdb.arm.sys.regs",
                "entry_args": ["$x0", "$x1"], "exit_shift": False, "hw_slots": 4,
                "branches": r"^(b|bl|br|blr|ret|cbn?z|tbn?z)(\.|$)"},
    "riscv64": {"gdb": "gdb-multiarch", "qemu": "qemu-system-riscv64",
                "guests": {"demo": ("riscv64/demo.elf", "riscv64/demo.elf"),
                           "spin": ("riscv64/spin.elf", "riscv64/spin.elf")},
                "gdb_arch": "riscv:rv64", "tdesc_mark": "org.gnu.gdb.riscv.virtual",
                "entry_args": ["$a0", "$a1"], "exit_shift": False, "hw_slots": 2,
                "branches": r"^(c\.)?(j|jal|jalr|jr|ret|b[a-z]+)$"},
}

# What each scenario needs of the runner: the guest it debugs and its gdb
# sessions (run_test.py's "phases").
SCENARIOS = {
    "break_args":  {"guest": "demo"},
    "stepping":    {"guest": "demo"},
    "watch":       {"guest": "demo"},
    "hw_limit":    {"guest": "demo"},
    "interrupt":   {"guest": "spin"},
    "memory":      {"guest": "demo"},
    "delete_exit": {"guest": "demo"},
    "reattach":    {"guest": "spin", "phases": ["ok", "ok"]},
}

# Which pairs cannot run what, and why: (backend, arch, scenario, reason),
# "*" for any. The first match decides. This is the one table; README.md
# ("One conformance suite") shows it.
KVM_X86 = ("kvm: x86 only (gdbhub-kvm runs i386 and x86_64 guests on /dev/kvm;"
           " there is no arm64 or RISC-V VMM)")
REPLAY_FIXED = ("replay: a replay repeats the recorded run; this scenario writes guest memory"
                " (`set var release = 1` frees the spin guest, whose recording could only end"
                " at a time limit), which the recorded run never had")
UNSUPPORTED = [
    ("kvm", "aarch64", "*", KVM_X86),
    ("kvm", "riscv64", "*", KVM_X86),
    ("replay", "*", "interrupt", REPLAY_FIXED),
    ("replay", "*", "reattach", REPLAY_FIXED),
    ("replay", "*", "memory",
     "replay: a replay repeats the recorded run; the memory writes this scenario checks"
     " (and the exit status they steer) cannot change it"),
]


def unsupported(backend, arch, scenario):
    """UNSUPPORTED's reason for this triple, or None."""
    for b, a, s, why in UNSUPPORTED:
        if b in ("*", backend) and a in ("*", arch) and s in ("*", scenario):
            return why
    return None


def kvm_dr_breakpoints_fire(gdbhub_kvm):
    """What gdbhub-kvm's host probe says of debug register breakpoints
    (QEMU's emulated SVM, under nested KVM, never fires them)."""
    probe = subprocess.run([gdbhub_kvm, "--probe"], capture_output=True, text=True,
                           timeout=60)
    log("gdbhub-kvm --probe:\n" + probe.stdout + probe.stderr)
    return "hardware breakpoints: none work" not in probe.stdout


def missing_here(args, info, spec):
    """Why this test cannot run on this machine, or None."""
    tools = [info["gdb"]]
    if args.backend in ("tcg", "replay"):
        tools.append(info["qemu"])
    if args.backend == "replay":
        tools.append("qemu-img")
    for tool in tools:
        if not shutil.which(tool):
            return "%s not found" % tool
    if args.backend == "kvm":
        why = kvm_test.kvm_usable()
        if why is not None:
            return "kvm: no usable /dev/kvm here (%s)" % why
        if not args.gdbhub_kvm or not os.access(args.gdbhub_kvm, os.X_OK):
            return "kvm: gdbhub-kvm was not built"
        if args.scenario == "hw_limit" and not kvm_dr_breakpoints_fire(args.gdbhub_kvm):
            return ("kvm: this host's KVM fires no debug register breakpoint, so "
                    "gdbhub-kvm refuses hbreak (gdbhub-kvm --probe)")
    for name in info["guests"][spec["guest"]]:
        if not os.path.isfile(os.path.join(args.guests_dir, name)):
            return "guest %s not built (its cross compiler is missing?)" % name
    return None


def conf_facts(backend, arch):
    """What the scenarios read from GDBHUB_CONF (conformance/conf.py)."""
    info = ARCHES[arch]
    return {"backend": backend, "arch": arch, "gdb_arch": info["gdb_arch"],
            "entry_args": info["entry_args"],
            # gdbhub-kvm sends a target description of its own.
            "tdesc_mark": info["tdesc_mark"] if backend != "kvm" else None,
            "exit_shift": info["exit_shift"], "branches": info["branches"],
            # The daemon counts QEMU's slots itself (QEMU's TCG takes any
            # number); gdbhub-kvm keeps x86's four debug registers and
            # refuses a fifth itself.
            "hw_slots": info["hw_slots"] if backend != "kvm" else 4,
            "slots_kept_by": "stub" if backend == "kvm" else "daemon"}


class Conformance:
    """What a conformance test adds to run_test's Test (or kvm_test's): the
    target of its backend and arch, and the scenario from conformance/."""

    def setup(self, args):
        kernel, symbols = ARCHES[args.arch]["guests"][self.spec["guest"]]
        self.kernel = os.path.join(args.guests_dir, kernel)
        self.elf = os.path.join(args.guests_dir, symbols)
        self.recording = os.path.join(self.tmp, "rec")

    def vm_config(self):
        return {"backend": "tcg", "arch": self.args.arch, "kernel": self.kernel,
                "memory_mb": 64, "cpus": 1, "serial": self.serial}

    def start_daemon(self):
        backend = self.args.backend
        if backend == "replay":
            self.record()
            target = {"backend": "replay", "recording": self.recording}
        else:
            target = dict(self.vm_config(), backend=backend)
        self.write_config(target)
        self.daemon = self.spawn_daemon(self.config, self.daemon_log)
        self.watching = True
        threading.Thread(target=self.watch_pidfile, daemon=True).start()

    def record(self):
        """gdbhub record the VM as a tcg target; it must end with the
        guest's exit."""
        rec = replay_test.record_target(self.args.gdbhub, self.run_dir,
                                        os.path.join(self.tmp, "record.json"),
                                        dict(self.vm_config(), name=run_test.TARGET),
                                        self.recording)
        if rec["end"] != "exit" or rec["guest"]["arch"] != self.args.arch:
            raise Failure("recording.json: end %s, arch %s; expected the guest's exit, %s"
                          % (rec["end"], rec["guest"]["arch"], self.args.arch))
        # The guest may end QEMU before QEMU answers `cont`: still a normal
        # end, counted exactly from the event log.
        if not rec["icount_exact"] or rec["icount"] <= 0:
            raise Failure("recording.json: icount %s, exact %s; expected an exact count"
                          % (rec["icount"], rec["icount_exact"]))

    def start_gdb(self, label, script, sock, extra_env):
        script = os.path.join(CONF_SCENARIOS, self.name + ".py")
        facts = conf_facts(self.args.backend, self.args.arch)
        # A replay's guest writes to RUNTIME/NAME.serial.log (backends/replay).
        serial = os.path.join(self.run_dir, run_test.TARGET + ".serial.log") \
            if self.args.backend == "replay" else self.serial
        env = dict(extra_env, GDBHUB_CONF=json.dumps(facts), GDBHUB_SERIAL=serial)
        return super().start_gdb(label, script, sock, env)

    def run_gdb(self, index, phase):
        """run_test's, and the scenario must have run to its end: gdb -batch
        exits 0 when a script fails before check.main() (an import error)
        or when its final quit fails on a lost connection."""
        try:
            super().run_gdb(index, phase)
        except Failure:
            if self.args.backend == "replay":
                self.qemu_deadlock = replay_test.qemu_replay_deadlock(self.daemon_qemus)
            raise
        with open(self.gdbs[-1][2], errors="replace") as f:
            text = f.read()
        if not re.search(r"^[1-9][0-9]* passed, 0 failed$", text, re.M):
            raise Failure("gdb session %d: the scenario did not report all its checks"
                          " passed (see its output)" % index)


class ConfTest(Conformance, run_test.Test):
    def __init__(self, args, name, spec):
        run_test.Test.__init__(self, args, name, spec)
        self.setup(args)


class ConfKvmTest(Conformance, kvm_test.KvmTest):
    def __init__(self, args, name, spec):
        kvm_test.KvmTest.__init__(self, args, name, spec)
        self.setup(args)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gdbhub", required=True, help="the gdbhub executable")
    ap.add_argument("--gdbhub-kvm", help="the gdbhub-kvm executable (backend kvm)")
    ap.add_argument("--guests-dir", required=True, help="build folder tests/guests")
    ap.add_argument("--backend", required=True, choices=BACKENDS)
    ap.add_argument("--arch", required=True, choices=sorted(ARCHES))
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    ap.add_argument("scenario", choices=sorted(SCENARIOS))
    args = ap.parse_args()

    spec = dict(run_test.DEFAULTS, **kvm_test.KVM_DEFAULTS)
    spec.update(SCENARIOS[args.scenario])
    spec["backend"] = args.backend
    args.guests_dir = os.path.abspath(args.guests_dir)
    args.gdbhub = os.path.abspath(args.gdbhub)
    info = ARCHES[args.arch]
    why = unsupported(args.backend, args.arch, args.scenario) or missing_here(args, info, spec)
    if why:
        print("SKIP: conf-%s-%s-%s: %s" % (args.backend, args.arch, args.scenario, why))
        return SKIP
    args.gdb = shutil.which(info["gdb"])
    args.direct = False
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (CONF_SCENARIOS, os.environ.get("PYTHONPATH")) if p)
    run_test.set_child_subreaper()
    if args.backend == "kvm":
        args.gdbhub_kvm = os.path.abspath(args.gdbhub_kvm)
        kvm_test.point_daemon_at(args.gdbhub, args.gdbhub_kvm)
        test = ConfKvmTest(args, args.scenario, spec)
    else:
        test = ConfTest(args, args.scenario, spec)
    if test.run():
        return 0
    if getattr(test, "qemu_deadlock", None):
        print(test.qemu_deadlock)
        print("SKIP: QEMU 7.2 deadlocked loading a replay snapshot (main thread in "
              "do_run_on_cpu, vCPU thread in replay_mutex_lock; backtraces above)")
        return SKIP
    return 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Run one gdbhub end-to-end scenario on a guest of another architecture:
the daemon starts QEMU (tcg) for x86_64, aarch64 or riscv64, and gdb (for
x86_64) or gdb-multiarch drives it.

usage: arch_test.py --gdbhub PATH --guests-dir DIR --arch ARCH [--keep] TESTNAME

The runner is run_test.py's (see there); this one changes the target (the
arch's demo guest, tests/guests/ARCH/) and the gdb, and runs
arch/TESTNAME.py, which reads what differs per architecture from
GDBHUB_ARCH_INFO (ARCHES below, as JSON) and the guest's serial log from
GDBHUB_SERIAL.

Exit status: 0 pass, 1 fail, 77 skip: when the arch's gdb or QEMU binary is
missing, or its guest was not built (no cross compiler).

By hand, from the source tree:
  tests/e2e/arch_test.py --gdbhub build/proxy/gdbhub --guests-dir build/tests/guests \\
      --arch aarch64 arch_demo
"""

import argparse
import json
import os
import re
import shutil
import threading
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run_test  # noqa: E402
from run_test import set_child_subreaper  # noqa: E402

SKIP = 77
ARCH_SCENARIOS = os.path.join(HERE, "arch")
TESTS = ["arch_demo", "arch_hw_limit"]

# What differs per architecture.
#   gdb        the debugger that knows it
#   qemu       the binary the daemon runs (qemu_cmdline.c), checked here only
#   kernel     what QEMU boots, under --guests-dir
#   symbols    what gdb loads (x86_64: the ELF64 twin of the ELF32 kernel)
#   gdb_arch   gdb's name of the architecture the target description gives
#   tdesc_mark a piece of QEMU's target description that gdb's own default
#              for the arch lacks: proof that QEMU's came through the daemon
#   arg_regs   the registers of add()'s first two arguments at its entry
#   exit_shift how QEMU's exit status comes from the guest's: x86's
#              isa-debug-exit gives (v << 1) | 1, the others v
#   hw_slots   the hardware slots the daemon offers (qemu_arch_hw_slots)
ARCHES = {
    "x86_64": {"gdb": "gdb", "qemu": "qemu-system-x86_64",
               "kernel": "x86_64/demo.elf", "symbols": "x86_64/demo64.elf",
               "gdb_arch": "i386:x86-64", "tdesc_mark": '<reg name="efer"',
               "arg_regs": ["rdi", "rsi"], "exit_shift": True, "hw_slots": 4},
    "aarch64": {"gdb": "gdb-multiarch", "qemu": "qemu-system-aarch64",
                "kernel": "aarch64/demo.elf", "symbols": "aarch64/demo.elf",
                "gdb_arch": "aarch64", "tdesc_mark": "org.qemu.gdb.arm.sys.regs",
                "arg_regs": ["x0", "x1"], "exit_shift": False, "hw_slots": 4},
    "riscv64": {"gdb": "gdb-multiarch", "qemu": "qemu-system-riscv64",
                "kernel": "riscv64/demo.elf", "symbols": "riscv64/demo.elf",
                "gdb_arch": "riscv:rv64", "tdesc_mark": "org.gnu.gdb.riscv.virtual",
                "arg_regs": ["a0", "a1"], "exit_shift": False, "hw_slots": 2},
}


class ArchTest(run_test.Test):
    """run_test's Test with a tcg target of another architecture."""

    def __init__(self, args, name, spec):
        super().__init__(args, name, spec)
        self.info = ARCHES[args.arch]
        self.kernel = os.path.join(args.guests_dir, self.info["kernel"])
        self.elf = os.path.join(args.guests_dir, self.info["symbols"])

    def start_daemon(self):
        self.write_config({"backend": "tcg", "arch": self.args.arch, "kernel": self.kernel,
                           "memory_mb": 64, "cpus": 1, "serial": self.serial})
        self.daemon = self.spawn_daemon(self.config, self.daemon_log)
        self.watching = True
        threading.Thread(target=self.watch_pidfile, daemon=True).start()

    def start_gdb(self, label, script, sock, extra_env):
        """run_test's, with the scenario from arch/ and what differs per arch."""
        script = os.path.join(ARCH_SCENARIOS, self.name + ".py")
        env = dict(extra_env, GDBHUB_ARCH_INFO=json.dumps(dict(self.info, arch=self.args.arch)),
                   GDBHUB_SERIAL=self.serial)
        return super().start_gdb(label, script, sock, env)

    def run_gdb(self, index, phase):
        """run_test's, and the scenario must have run to its end: gdb -batch
        exits 0 when a script fails before check.main() (an import error)."""
        super().run_gdb(index, phase)
        path = self.gdbs[-1][2]
        with open(path, errors="replace") as f:
            ends = [line for line in f if re.fullmatch(r"[1-9][0-9]* passed, 0 failed\n", line)]
        if not ends:
            raise run_test.Failure("gdb session %d: the scenario did not report its checks"
                                   " (see its output)" % index)


def missing(args, info):
    """Why this test cannot run here, or None."""
    for tool in (info["gdb"], info["qemu"]):
        if not shutil.which(tool):
            return "%s not found" % tool
    for name in (info["kernel"], info["symbols"]):
        if not os.path.isfile(os.path.join(args.guests_dir, name)):
            return "guest %s not built (its cross compiler is missing?)" % name
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gdbhub", required=True, help="the gdbhub executable")
    ap.add_argument("--guests-dir", required=True, help="build folder tests/guests")
    ap.add_argument("--arch", required=True, choices=sorted(ARCHES))
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    ap.add_argument("test", choices=TESTS)
    args = ap.parse_args()

    args.guests_dir = os.path.abspath(args.guests_dir)
    args.gdbhub = os.path.abspath(args.gdbhub)
    info = ARCHES[args.arch]
    why = missing(args, info)
    if why:
        print("SKIP: " + why)
        return SKIP
    args.gdb = shutil.which(info["gdb"])
    args.direct = False
    # run_test puts scenarios/ (check.py) first; the arch scenarios import
    # arch_info from their own folder.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (ARCH_SCENARIOS, os.environ.get("PYTHONPATH")) if p)
    set_child_subreaper()
    return 0 if ArchTest(args, args.test, dict(run_test.DEFAULTS)).run() else 1


if __name__ == "__main__":
    sys.exit(main())
